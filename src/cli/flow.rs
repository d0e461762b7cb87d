//! `funnel flow`: the pipeline waterfall between two days.

use clap::Args;
use funnel::analysis::flow::{Amount, Flow, Kind, StageFlow, flow};
use funnel::error::Error;
use funnel::model::money::amount;
use funnel::store::pipeline::Pipeline;
use serde_json::json;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show the pipeline waterfall between two days: open pipeline at the start, what changed it, open pipeline at the end
///
/// For each open stage and in total: the open pipeline (deals, value,
/// weighted value) at the start of --since, then every flow that changed
/// it until the end of --until, then the open pipeline at the end; start
/// plus the flows is the end, exactly. The flows: new (deals created in an
/// open stage), moved_in/moved_out forward or backward (a stage later or
/// earlier in funnel.toml), won, lost, reopened (out of a won or lost
/// stage), removed (file deleted), value_up/value_down (a change of value
/// or probability). A move carries the deal's figures of the step: what it
/// had in the old stage out, what it has in the new one in. Close dates
/// pulled into the window (pulled_in) and pushed out of it (pushed_out) are
/// shown beside, not in the sums. Everything comes from the commits: each
/// committed version of a deal is one step, at its author date, in graph
/// order. The window is set as for `funnel report` (--since/--until,
/// --period, --last; the last 90 days by default). The table shows the
/// flows that are not zero; the total shows them all.
///
/// --deals lists each deal's part in each flow (after the waterfall; as
/// the rows themselves in CSV and TSV). --by splits the waterfall by a
/// field of each deal's last version in the window.
///
/// JSON: {"window": {"since", "until"}, "currency", "flow": FLOW} or, with
/// --by, {"window", "currency", "by": KEY, "groups": {NAME: FLOW}}; FLOW
/// holds "stages": [STAGE], "total": STAGE and, with --deals, "deals":
/// [{"deal", "stage", "kind", "at", "deals", "value", "weighted"}]; STAGE
/// holds "stage", "start", "flows": {KIND: AMOUNT}, "end" and
/// "close_dates": {"pulled_in", "pushed_out"}; AMOUNT is {"deals",
/// "value", "weighted"} with money as exact decimal strings (not rounded
/// to the cent, so that they add up exactly; the table rounds each line),
/// negative for what left the stage.
#[derive(Debug, Args)]
pub struct FlowArgs {
    #[command(flatten)]
    pub window: super::report::WindowArgs,
    /// Split by owner, product, source, account or any field
    #[arg(add = super::complete::with(super::complete::group_keys), long, value_name = "KEY")]
    pub by: Option<String>,
    /// List the deals in each flow
    #[arg(long)]
    pub deals: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: FlowArgs) -> CmdResult {
    let (window, _) = super::report::window(env, &args.window)?;
    let root = env.root()?;
    let outline = Pipeline::config_only(&root)?;
    let config = &outline.config;
    let Some(repo) = env.recover(&root)? else {
        return Err(Error::hinted(
            "flow reads the history, and the pipeline is not in a git repository",
            "run `git init` and commit the pipeline, or `funnel init`",
        )
        .into());
    };
    let history = env.history(&outline)?;
    if let Some(why) = &history.partial {
        env.ui.warning(&format!(
            "the history is partial ({why}): flows rest on the commits present"
        ));
    }
    let texts = |blobs: &[funnel::git::BlobId]| funnel::git::history::blob_texts(&repo, blobs);
    let groups = flow(
        config,
        &history,
        &texts,
        &window,
        args.by.as_deref(),
        args.deals,
    )
    .map_err(|e| Error::hinted(e.to_string(), e.hint()))?;
    let day = |at: jiff::Timestamp| at.to_zoned_datetime(config.timezone.clone()).date();
    let since = day(window.since);
    let until = day(window.until - jiff::SignedDuration::from_secs(1));
    let grouped = args.by.is_some();
    // A sign on gains in tables only: a cell starting with `+` is a
    // formula to a spreadsheet.
    let signs = args.format == Format::Table;
    let rows = if args.deals && matches!(args.format, Format::Csv | Format::Tsv) {
        movement_rows(config, &groups, grouped, signs)
    } else {
        waterfall_rows(&groups, grouped, signs)
    };
    let window_json = json!({ "since": since.to_string(), "until": until.to_string() });
    env.ui.rows(args.format, &rows, || match &args.by {
        None => json!({
            "window": window_json,
            "currency": config.currency,
            "flow": groups.first().map(|(_, f)| serde_json::to_value(f).unwrap_or_default()),
        }),
        Some(key) => json!({
            "window": window_json,
            "currency": config.currency,
            "by": key,
            "groups": groups.iter().map(|(g, f)| (g.clone(), serde_json::to_value(f).unwrap_or_default())).collect::<serde_json::Map<_, _>>(),
        }),
    })?;
    if args.format == Format::Table && args.deals {
        let rows = movement_rows(config, &groups, grouped, signs);
        let text = format!("\n{}", env.ui.table(&rows));
        env.ui.out(&text)?;
    }
    env.ui.status(&format!(
        "window {since} .. {until}, in {}; close dates pulled in or pushed out are not part of the sums",
        config.currency
    ));
    Ok(())
}

/// The waterfall: per group and stage, the start, the flows, the end and
/// the close dates.
fn waterfall_rows(groups: &[(String, Flow)], grouped: bool, signs: bool) -> Rows {
    let mut columns = vec!["stage", "flow", "deals", "value", "weighted"];
    if grouped {
        columns.insert(0, "group");
    }
    let mut rows = Rows::new(columns);
    rows.numeric = if grouped {
        vec![3, 4, 5]
    } else {
        vec![2, 3, 4]
    };
    for (group, flow) in groups {
        for stage in flow.stages.iter().chain([&flow.total]) {
            let all = stage.stage == "total";
            for (line, figures, signed) in lines(stage, all) {
                let mut row = vec![
                    stage.stage.clone(),
                    line.to_string(),
                    show_count(figures.deals, signed && signs),
                    show_money(figures.value, signed && signs),
                    show_money(figures.weighted, signed && signs),
                ];
                if grouped {
                    row.insert(0, group.clone());
                }
                rows.rows.push(row);
            }
        }
    }
    rows
}

/// A stage's lines: start, its flows (those that are not zero unless
/// `all`), end, then the close dates that are not zero.
fn lines(stage: &StageFlow, all: bool) -> Vec<(String, Amount, bool)> {
    let mut out = vec![("start".to_string(), stage.start, false)];
    for kind in Kind::FLOWS {
        let amount = stage.flows.get(kind.name()).copied().unwrap_or_default();
        if all || !amount.is_zero() {
            out.push((kind.name().replace('_', " "), amount, true));
        }
    }
    out.push(("end".to_string(), stage.end, false));
    for (kind, label) in [
        (Kind::PulledIn, "close pulled in"),
        (Kind::PushedOut, "close pushed out"),
    ] {
        let amount = stage
            .close_dates
            .get(kind.name())
            .copied()
            .unwrap_or_default();
        if !amount.is_zero() {
            out.push((label.to_string(), amount, false));
        }
    }
    out
}

/// Each deal's part in each flow, oldest first.
fn movement_rows(
    config: &funnel::model::config::Config,
    groups: &[(String, Flow)],
    grouped: bool,
    signs: bool,
) -> Rows {
    let mut columns = vec![
        "date", "deal", "stage", "flow", "deals", "value", "weighted",
    ];
    if grouped {
        columns.insert(0, "group");
    }
    let mut rows = Rows::new(columns);
    rows.numeric = if grouped {
        vec![5, 6, 7]
    } else {
        vec![4, 5, 6]
    };
    for (group, flow) in groups {
        for movement in flow.deals.iter().flatten() {
            let signed = signs && !matches!(movement.kind, Kind::PulledIn | Kind::PushedOut);
            let mut row = vec![
                movement
                    .at
                    .to_zoned_datetime(config.timezone.clone())
                    .date()
                    .to_string(),
                movement.deal.clone(),
                movement.stage.clone(),
                movement.kind.name().replace('_', " "),
                show_count(movement.amount.deals, signed),
                show_money(movement.amount.value, signed),
                show_money(movement.amount.weighted, signed),
            ];
            if grouped {
                row.insert(0, group.clone());
            }
            rows.rows.push(row);
        }
    }
    rows
}

fn show_count(n: i64, signed: bool) -> String {
    if signed && n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn show_money(value: rust_decimal::Decimal, signed: bool) -> String {
    let text = amount(value);
    if signed && value > rust_decimal::Decimal::ZERO {
        format!("+{text}")
    } else {
        text
    }
}
