//! `funnel board`: the pipeline at a glance.

use clap::Args;
use funnel::analysis::board::Board;
use funnel::analysis::board::board;
use funnel::model::config::StageKind;
use funnel::model::deal::Keys;

use funnel::model::money::amount;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, Failure, FilterArgs};

/// Show the pipeline at a glance: per stage count, value, weighted value, oldest deal, stalled, idle, WIP state
///
/// Values are in the pipeline's currency (other currencies converted with
/// [fx]); weighted value is value x probability. "oldest" is the deal that
/// has been in the stage longest and its days there, from the git history
/// (its created date when git has not seen it). "stalled" counts deals in
/// the stage longer than its max_days, "idle" deals unchanged for longer
/// than its idle_days; snoozed deals count in neither. "wip" says how far
/// a stage is over its wip_max ("3 over the limit of 4") or under its
/// wip_min. Money in the table is in whole units of the pipeline's
/// currency, grouped ("94,100 USD"); CSV, TSV and JSON keep the exact
/// decimal.
/// Deal files changed but not committed count as they are, and a note on
/// stderr names them, as `git status --short` would.
///
/// --as-of DATE (also on list, show, next, report and doctor) shows the
/// pipeline as it stood at the end of DATE in the pipeline's time zone:
/// each deal in the stage it was in then, with the field values of the
/// version of its file committed by then, and DATE as today for ages,
/// stalls and windows. Deals created later are absent; deals removed later
/// are present. All commits reachable from HEAD count, at their author
/// dates; a move made on a branch counts from when it was authored; where
/// dates contradict the graph (clock skew), the graph order wins: a commit
/// counts from the latest date of the commits before it. A deal renamed
/// with `funnel rename` shows under its present ID; the configuration is
/// today's funnel.toml; uncommitted changes do not count.
///
/// JSON: {"currency", "today", "stages": [{"stage", "kind", "deals", "value",
/// "weighted_value", "oldest_deal", "oldest_days", "stalled", "idle",
/// "wip"}], "open": {"deals", "value", "weighted_value", "stalled",
/// "idle"}}; money as decimal strings (weighted_value null for closed
/// stages), wip "ok", "over" or "under", and wip_limit the limit crossed
/// (null when ok).
#[derive(Debug, Args)]
pub struct BoardArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: BoardArgs) -> CmdResult {
    print(env, args).map(drop)
}

/// Prints the board and returns it (for `demo`'s summary).
pub fn print(env: &mut Env, args: BoardArgs) -> Result<Board, Failure> {
    env.look_back(&args.as_of)?;
    // Without filter terms a deal's other keys are never read.
    let keys = args
        .filter
        .terms
        .is_empty()
        .then_some(funnel::analysis::board::KEYS);
    let mut snapshot = env.briefed_snapshot(keys.map_or(Keys::All, Keys::Only))?;
    // Before deals are set aside: whether the work tree is HEAD's.
    let committed = snapshot.matches_head();
    // Before the filter sets deals aside.
    let changed_files = (!committed).then(|| snapshot.changed_files());
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    snapshot.retain(&filter);
    let pipeline = &snapshot.pipeline;
    let config = &pipeline.config;
    let today = env.today(config)?;
    let board = board(pipeline, today);
    let mut rows = Rows::new(vec![
        "stage", "deals", "value", "weighted", "oldest", "stalled", "idle", "wip",
    ])
    .numeric(&[1, 5, 6])
    .money(&[2, 3], &config.currency);
    for row in &board.stages {
        let open = |text: String| {
            if row.kind == StageKind::Open {
                text
            } else {
                String::new()
            }
        };
        rows.rows.push(vec![
            row.stage.clone(),
            row.deals.to_string(),
            amount(row.value),
            row.weighted_value.map(amount).unwrap_or_default(),
            match (&row.oldest_deal, row.oldest_days) {
                (Some(id), Some(days)) => format!("{days}d {id}"),
                _ => String::new(),
            },
            open(row.stalled.to_string()),
            open(row.idle.to_string()),
            row.wip.describe(row.deals).unwrap_or_default(),
        ]);
    }
    let open = &board.open;
    rows.rows.push(vec![
        "open".to_string(),
        open.deals.to_string(),
        amount(open.value),
        amount(open.weighted_value),
        String::new(),
        open.stalled.to_string(),
        open.idle.to_string(),
        String::new(),
    ]);
    if let (Some(repo), Some(files)) = (snapshot.repo.as_ref(), &changed_files) {
        // The files counted differently from HEAD, as git names them (all
        // that differ when they cannot be told). git is asked about those
        // alone when the index is known to be HEAD's, as `check` does.
        let stages: Vec<&str> = config.stage_ids().collect();
        let known = funnel::store::status::known(repo, &stages, false, || files.clone());
        let status = funnel::store::status::deal_status(repo, &stages, &known)?;
        let counted = |path: &str| {
            files.as_ref().is_none_or(|files| {
                (files.iter()).any(|f| {
                    path.strip_prefix(f.path.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
            })
        };
        let mut changed: Vec<String> = (status.iter())
            .filter(|s| counted(&s.path))
            .map(|s| format!("{} {}", s.code(), s.path))
            .collect();
        changed.sort();
        if !changed.is_empty() {
            env.ui.status(&format!(
                "note: counted as they are in the work tree, not committed yet: {}",
                changed.join(", ")
            ));
        }
    }
    env.ui.rows_with(args.format, &rows, || &board)?;
    snapshot.leave();
    Ok(board)
}
