//! `funnel doctor`: the pipeline's health checks.

use clap::Args;
use clap::builder::TypedValueParser as _;
use funnel::analysis::doctor::{Finding, Kind, Severity, diagnose};
use funnel::analysis::filter::Filter;
use funnel::analysis::snapshot::Snapshot;
use jiff::civil::Date;
use serde_json::json;

use funnel::model::money::shown;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, Failure, FilterArgs};

/// Check the pipeline's health: the sales mistakes as findings to act on
///
/// Kinds, by the mistake each answers: not_prospecting (new deals or value
/// this week or month below [targets], with the pace and what it gives in
/// 1, 3 and 6 months), unqualified (past the first stage without an agreed
/// problem, a need or required fields), balance (a stage over wip_max or
/// under wip_min), stalled (longer in a stage than max_days), idle (no
/// change for longer than idle_days), dead_deal (more than [doctor]
/// dead_after_days past expected_close, or stalled over twice max_days),
/// missing_data (no value, owner, expected_close or next_step),
/// neglected_customer (a won account not contacted for [customers]
/// checkin_days), product_imbalance (a product below its targets),
/// broken_promise (next_step_due passed), follow_up_due (a stage's
/// follow_up step after a win or loss, done once last_contact reaches it).
/// Snoozed deals (funnel snooze) get no stalled or idle findings; --all
/// lists them. "Watching the wrong metrics" is not a check: `funnel report`
/// shows the right ones.
///
/// Severities default per kind (dead_deal error; idle, product_imbalance,
/// follow_up_due info; the rest warning) and are overridden in funnel.toml:
/// [doctor] severity = { stalled = "error" }.
///
/// In CI or a pre-commit hook: `funnel check && funnel doctor --fail-on error`.
///
/// JSON: {"today", "findings": [{"kind", "severity", "deals": [ID], "owner",
/// "stage", "message", "fix", "at_stake"}]}; at_stake is the deal's weighted
/// value as a decimal string or null; owner and stage only for deal findings.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only findings about this owner's deals (and pipeline-wide ones)
    #[arg(add = super::complete::with(super::complete::owners), long)]
    pub owner: Option<String>,
    /// Only findings about deals in this stage (and stage-wide ones)
    #[arg(add = super::complete::with(super::complete::stages), long)]
    pub stage: Option<String>,
    /// Only these kinds (repeatable)
    #[arg(long, value_name = "KIND", value_parser = kinds())]
    pub kind: Vec<Kind>,
    /// Also list snoozed deals
    #[arg(long)]
    pub all: bool,
    /// Exit with status 1 when a finding at or above this severity exists
    #[arg(long, value_name = "SEVERITY", value_parser = severities())]
    pub fail_on: Option<Severity>,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: DoctorArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    let snapshot = env.doctor_snapshot(&args.filter.terms, None)?;
    let pipeline = &snapshot.pipeline;
    let today = env.today(&pipeline.config)?;
    let filter = env.filter(pipeline, &args.filter.terms)?;
    let kinds = &args.kind;
    let findings: Vec<Finding> = findings(&snapshot, &filter, today, args.all)
        .into_iter()
        .filter(|f| kinds.is_empty() || kinds.contains(&f.kind))
        .filter(|f| {
            args.owner
                .as_ref()
                .is_none_or(|o| f.deals.is_empty() || f.owner.as_ref() == Some(o))
        })
        .filter(|f| {
            args.stage
                .as_ref()
                .is_none_or(|s| f.stage.as_ref().is_none_or(|fs| fs == s))
        })
        .collect();
    let rows = finding_rows(&findings);
    env.ui.rows(
        args.format,
        &rows,
        || json!({ "today": today.to_string(), "findings": findings }),
    )?;
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let at_stake: rust_decimal::Decimal = findings.iter().filter_map(|f| f.at_stake).sum();
    env.ui.status(&format!(
        "{} finding(s): {} error, {} warning, {} info; {} weighted value in deals with findings",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        shown(at_stake, &pipeline.config.currency),
    ));
    if args
        .fail_on
        .is_some_and(|t| findings.iter().any(|f| f.severity >= t))
    {
        return Err(Failure::Exit(1));
    }
    snapshot.leave();
    Ok(())
}

/// The findings on `today` about the deals `filter` matches, and the
/// pipeline-wide ones (prospecting, balance, products: computed on the
/// whole pipeline); snoozed deals only with `all`. For `doctor` and the
/// dashboard.
pub(super) fn findings(
    snapshot: &Snapshot,
    filter: &Filter,
    today: Date,
    all: bool,
) -> Vec<Finding> {
    let matching = (!filter.is_empty()).then(|| snapshot.matching(filter));
    diagnose(&snapshot.pipeline, today)
        .into_iter()
        .filter(|f| all || f.kind != Kind::Snoozed)
        .filter(|f| {
            matching
                .as_ref()
                .is_none_or(|ids| f.deals.is_empty() || f.deals.iter().any(|d| ids.contains(d)))
        })
        .collect()
}

/// Findings as rows: severity, kind, deal, finding, fix (for `doctor`
/// and `diff`).
pub fn finding_rows(findings: &[Finding]) -> Rows {
    let mut rows = Rows::new(vec!["severity", "kind", "deal", "finding", "fix"]);
    for f in findings {
        rows.rows.push(vec![
            f.severity.name().to_string(),
            f.kind.name().to_string(),
            f.deals.join(", "),
            f.message.clone(),
            f.fix.clone(),
        ]);
    }
    rows
}

/// The finding kinds as clap values: listed in `--help`, the man page and
/// completions, and parsed to the typed kind.
fn kinds() -> impl clap::builder::TypedValueParser<Value = Kind> {
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(|k| k.name()))
        .try_map(|name| Kind::from_name(&name).ok_or("no such kind"))
}

/// The severities `--fail-on` takes (info would fail on everything).
pub fn severities() -> impl clap::builder::TypedValueParser<Value = Severity> {
    clap::builder::PossibleValuesParser::new([Severity::Warning.name(), Severity::Error.name()])
        .try_map(|name| Severity::parse(&name).ok_or("no such severity"))
}
