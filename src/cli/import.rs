//! `funnel import`: deals from a CRM's CSV export, with their history as
//! backdated commits.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use funnel::ops::import::{Batch, DateFormat, Options, Plan, Preset};

use super::ui::{Format, Rows};
use super::{CmdResult, CommitArgs, Env, Failure};

/// Import deals from a CRM's CSV export, with their history as backdated commits
///
/// Each deal becomes a file with its real dates: added when it was
/// created, moved at each stage entry the export dates, as commits dated
/// then (a date alone is midnight in the pipeline's time zone), so cycle
/// length, time in stage, conversion and velocity are true from the first
/// day. Each deal records import_id = "SYSTEM:ID" (the preset's name, csv
/// without one): importing the same file again changes nothing, and a newer
/// export adds only new deals, later stage entries and changed values.
///
/// Columns are matched by name (case, spaces, `_` and a byte-order mark do
/// not matter). --map COLUMN=FIELD names what a column holds: id (the
/// source's id; required), title, stage, status (open/won/lost), is_won,
/// is_closed, created, close_date (when a won or lost deal closed; an open
/// one's expected close), entered (when it entered its current stage),
/// entered:STAGE, won_at, lost_at, at (a long-form history's date), - (ignore),
/// or any deal key: account, owner, value, currency, product, source,
/// expected_close, lost_reason, a custom key. Without a title, a deal is
/// called "ACCOUNT: PRODUCT". Amounts may be written `$12,000` or
/// `1.234,50`; each date column's format (ISO, M/D/YYYY, D/M/YYYY,
/// D.M.YYYY, with or without a time) is detected from all its values.
///
/// Presets: hubspot (its Date entered "STAGE (PIPELINE)" columns are the
/// stage history), salesforce (with --history its OpportunityHistory
/// export), pipedrive (no stage history: it has the creation, the last
/// stage change and the won or lost time, and that is what is imported),
/// history (long-form: deal, stage, at; reads Zoho's Stage History), funnel
/// (funnel export's deals.csv, with --history its stage-log.csv; IDs are
/// kept; the contacts column and field-changes.csv are not read). Source stages that are a preset's default ones go
/// to the default pipeline's stages; others need --stage-map.
///
/// Everything is one write: the commits are built first and published with
/// one move of the branch, so an import interrupted anywhere leaves nothing
/// (the next funnel command says so) or all of it. A row that cannot be
/// imported is named with its line and column and nothing is imported,
/// unless --skip-bad. What `check` will report in the imported files (a
/// stage's required field the export does not have) is listed as warnings.
/// A deal with no date at all (an open lead) is created at --at (when the
/// export was taken; default now).
///
/// EXAMPLES
///
/// The Maven Analytics CRM sample (sales_pipeline.csv), into a new pipeline:
///
///   funnel init maven && cd maven
///
///   funnel import sales_pipeline.csv --map opportunity_id=id --map sales_agent=owner --map product=product --map account=account --map close_value=value --map deal_stage=stage --map engage_date=entered:Engaging --map close_date=close_date --stage-map Prospecting=lead --stage-map Engaging=contact --stage-map Won=won --stage-map Lost=lost --at 2017-12-31
///
/// HubSpot, looking first: funnel import deals.csv --preset hubspot --dry-run
///
/// Salesforce with its stage history: funnel import Opportunity.csv --preset salesforce --history OpportunityHistory.csv
///
/// A spreadsheet: funnel import deals.csv --map "Deal #=id" --map Name=title --map Phase=stage --map "Signed on=close_date" --date-format D/M/YYYY --stage-map "Signed=won"
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The CSV export
    pub file: PathBuf,
    /// The export's system: hubspot, salesforce, pipedrive, history (also zoho), funnel
    #[arg(long, value_name = "NAME", value_parser = parse_preset)]
    pub preset: Option<Preset>,
    /// What a column holds, COLUMN=FIELD (repeatable; wins over the preset)
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Which pipeline stage a source stage is, VALUE=STAGE (repeatable)
    #[arg(long = "stage-map", value_name = "VALUE=STAGE")]
    pub stage_map: Vec<String>,
    /// Which owner a source's owner name is, NAME=OWNER (repeatable)
    #[arg(long = "owner-map", value_name = "NAME=OWNER")]
    pub owner_map: Vec<String>,
    /// A value for deals whose row has none, KEY=VALUE (repeatable), such as lost_reason=no-decision
    #[arg(long = "default", value_name = "KEY=VALUE")]
    pub default: Vec<String>,
    /// How the dates are written where a column reads two ways: M/D/YYYY, D/M/YYYY, D.M.YYYY or YYYY-MM-DD
    #[arg(long, value_name = "FMT", value_parser = parse_date_format)]
    pub date_format: Option<DateFormat>,
    /// A long-form stage history of the same deals (deal, stage, at; Salesforce's OpportunityHistory)
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// One commit per event (a deal created, a stage entered) or per day
    #[arg(long, value_enum, default_value = "event", value_name = "WHAT")]
    pub batch: BatchArg,
    /// Print what would be created, moved, updated and skipped, and the deals per stage; write nothing (exit status 1 when rows cannot be imported and --skip-bad is not given)
    #[arg(long)]
    pub dry_run: bool,
    /// Import the rows that can be and list those left out
    #[arg(long)]
    pub skip_bad: bool,
    /// Output format of --dry-run's listing and the per-stage counts
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub commit: CommitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchArg {
    Event,
    Day,
}

fn parse_preset(s: &str) -> Result<Preset, String> {
    s.parse()
}

fn parse_date_format(s: &str) -> Result<DateFormat, String> {
    s.parse()
}

fn pairs(args: &[String], what: &str) -> Result<Vec<(String, String)>, funnel::error::Error> {
    args.iter()
        .map(|arg| {
            arg.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| {
                    funnel::error::Error::hinted(
                        format!("`{arg}` is not {what}"),
                        format!("write it as {what}, such as \"Deal Stage=stage\""),
                    )
                })
        })
        .collect()
}

pub fn run(env: &mut Env, args: ImportArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    // Refused before the long work, not at its commit.
    ws.repo.refuse_conflicts()?;
    let options = Options {
        preset: args.preset,
        maps: pairs(&args.map, "COLUMN=FIELD")?,
        stage_map: pairs(&args.stage_map, "VALUE=STAGE")?,
        owner_map: pairs(&args.owner_map, "NAME=OWNER")?,
        defaults: super::assignments(&args.default)?,
        date_format: args.date_format,
        history: args.history.clone(),
        batch: match args.batch {
            BatchArg::Event => Batch::Event,
            BatchArg::Day => Batch::Day,
        },
        at,
    };
    let plan = funnel::ops::import::plan(&ws, &args.file, &options)?;
    for problem in &plan.skipped {
        env.ui.status(&env.ui.problem_text(problem, false));
    }
    let file = args.file.display();
    let refused = !plan.skipped.is_empty() && !args.skip_bad;
    if refused && !args.dry_run {
        env.ui.error(
            &format!(
                "{} row(s) of {file} cannot be imported: nothing was imported",
                plan.skipped.len()
            ),
            Some("fix them in the export, or import the rest with --skip-bad"),
        );
        return Err(Failure::Exit(1));
    }
    warn(env, &plan);
    if args.dry_run {
        if args.format == Format::Json {
            env.ui.json(&plan)?;
        } else {
            let mut rows = Rows::new(vec!["at", "action", "id", "line", "from", "stage", "keys"]);
            rows.rows = plan
                .actions
                .iter()
                .map(|a| {
                    vec![
                        a.at.strftime("%Y-%m-%d %H:%M").to_string(),
                        a.kind.to_string(),
                        a.id.clone(),
                        a.line.to_string(),
                        a.from.clone().unwrap_or_default(),
                        a.stage.clone(),
                        a.keys.join(" "),
                    ]
                })
                .collect();
            env.ui
                .rows(args.format, &rows, || serde_json::Value::Null)?;
            stage_counts(env, &plan, args.format)?;
        }
        env.ui.status(&format!(
            "{file}: would {}; nothing was written (--dry-run)",
            summary(&plan)
        ));
        if refused {
            env.ui.error(
                &format!(
                    "{} row(s) of {file} cannot be imported: without --skip-bad nothing would be",
                    plan.skipped.len()
                ),
                Some("fix them in the export, or import the rest with --skip-bad"),
            );
            return Err(Failure::Exit(1));
        }
        return Ok(());
    }
    let commit = funnel::ops::import::apply(&ws, &plan)?;
    if args.format == Format::Json {
        env.ui.json(&plan)?;
    } else {
        stage_counts(env, &plan, args.format)?;
    }
    match commit {
        Some(commit) => {
            let short = commit.to_string();
            env.ui.status(&format!(
                "[{}] imported {file}: {}",
                &short[..7.min(short.len())],
                summary(&plan)
            ));
        }
        None => env.ui.status(&format!(
            "{file}: nothing to import: its {} deal(s) are in the pipeline as it has them",
            plan.unchanged
        )),
    }
    Ok(())
}

fn summary(plan: &Plan) -> String {
    format!(
        "add {} deal(s) (with {} later stage entries), move {}, update {}, leave {} unchanged, skip {} row(s), in {} commit(s)",
        plan.created,
        plan.entries,
        plan.moved,
        plan.updated,
        plan.unchanged,
        plan.skipped.len(),
        plan.commits
    )
}

/// What `check` will say of the imported files: a few, and how many.
fn warn(env: &Env, plan: &Plan) {
    const SHOWN: usize = 5;
    for note in &plan.notes {
        env.ui.warning(note);
    }
    for problem in plan.warnings.iter().take(SHOWN) {
        env.ui.warning(&problem.to_string());
    }
    if plan.warnings.len() > SHOWN {
        env.ui.warning(&format!(
            "{} more such problem(s) in imported files; `funnel check` lists them all",
            plan.warnings.len() - SHOWN
        ));
    }
}

fn stage_counts(env: &mut Env, plan: &Plan, format: Format) -> Result<(), Failure> {
    let mut rows = Rows::new(vec!["stage", "deals"]).numeric(&[1]);
    rows.rows = plan
        .stages
        .iter()
        .map(|(stage, n)| vec![stage.clone(), n.to_string()])
        .collect();
    env.ui.rows(format, &rows, || serde_json::Value::Null)?;
    Ok(())
}
