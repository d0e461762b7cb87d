//! `funnel dashboard`: the pipeline on one self-contained HTML page.

mod html;
mod page;
mod svg;

use std::path::PathBuf;

use clap::Args;
use funnel::analysis::dashboard::{Scope, dashboard};
use funnel::error::Error;

use super::report::{WindowArgs, lines, window};
use super::{CmdResult, Env, FilterArgs};

/// Write the pipeline's dashboard: one self-contained HTML page of charts and tables
///
/// The page holds the funnel by stage (deals, value, conversion), stage
/// balance against wip_min/wip_max, deal-size groups, the sales cycle and
/// time in stage, won value and win rate per month, lead generation against
/// [targets], the weighted forecast by close month with coverage, lost
/// reasons, a leaderboard (per owner, or per --by KEY), products, and
/// doctor's findings with the command that fixes each; every chart has its
/// numbers in a table beside it, and "All figures" lists the report as
/// `funnel report` prints it. The figures are report's (for the same window
/// and filters), board's and doctor's. The window is report's: the last 90
/// days unless --since/--until, --period or --last say otherwise; the
/// monthly charts cover the twelve months up to the window's end (or the
/// whole window when it is longer). Filter terms choose the deals as they
/// do for report; doctor's pipeline-wide findings (prospecting, balance,
/// products) look at the whole pipeline, as `doctor` with the same terms.
/// It aggregates (at most 15 leaderboard rows, the rest summed in one;
/// the first 40 findings, all of them counted by kind), so the page stays
/// small for any number of deals.
///
/// The page is one file with its styles and charts (SVG) inline: no
/// script, no web font, and a Content-Security-Policy that blocks every
/// request, so it opens offline and can be mailed or attached as it is. It
/// follows the system's dark mode, reads on a phone and prints.
///
/// The file is written whole (a temporary file renamed over FILE), never
/// half. Without -o it is dashboard.html in the current folder; `-o -`
/// writes the page to stdout. --today pins "now", so the same dashboard
/// twice is byte-identical; --as-of DATE draws the pipeline as it stood at
/// the end of DATE (see `funnel board --help`).
#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Write the page to FILE (default dashboard.html in the current folder; - for stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// The leaderboard's key: owner, product, source, account or any field
    #[arg(long, value_name = "KEY", default_value = "owner")]
    pub by: String,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
}

/// The file written without `-o`.
pub const DEFAULT_FILE: &str = "dashboard.html";

pub fn run(env: &mut Env, args: DashboardArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    let (window, now) = window(env, &args.window)?;
    let mut snapshot = env.snapshot(funnel::model::deal::Keys::All)?;
    let today = env.today(&snapshot.pipeline.config)?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    // Doctor's findings, as `doctor` with the same filter finds them
    // (pipeline-wide checks look at the whole pipeline), then the rest on
    // the matching deals only.
    let findings = super::doctor::findings(&snapshot, &filter, today, false);
    snapshot.retain(&filter);
    if let Some(why) = &snapshot.history.partial {
        env.ui.warning(&format!(
            "the history is partial ({why}): figures rest on the commits present"
        ));
    }
    let (pipeline, history) = (&snapshot.pipeline, &snapshot.history);
    let values = |blobs: &[funnel::git::BlobId]| snapshot.version_values(blobs);
    // Each deal's whole table only when the leaderboard splits by a field.
    let fields = !funnel::analysis::metrics::GROUP_KEYS.contains(&args.by.as_str());
    let records = funnel::analysis::facts::records(pipeline, history, now, &values, fields);
    let scope = Scope {
        window,
        now,
        today,
        by: &args.by,
    };
    let dashboard = dashboard(pipeline, &records, findings, scope)
        .map_err(|e| Error::hinted(e.to_string(), e.hint()))?;
    let html = page::render(&page::Page {
        dashboard: &dashboard,
        // As `report --format tsv` prints them: exact amounts.
        lines: lines(&dashboard.report, &funnel::model::money::amount)
            .into_iter()
            .map(|l| (l.metric, l.value, l.deals))
            .collect(),
        filter: &args.filter.terms,
    });
    let output = args.output.unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
    if output.as_os_str() == "-" {
        env.ui.out(&html)?;
    } else {
        super::file::write_whole(&output, html.as_bytes(), DEFAULT_FILE)?;
        env.ui.status(&format!(
            "Wrote the dashboard to {} ({} KB; {} deals, {} to {})",
            output.display(),
            html.len().div_ceil(1024),
            dashboard.report.deals,
            dashboard.since,
            dashboard.until,
        ));
    }
    // The process ends right after: see `report`.
    std::mem::forget((records, dashboard));
    snapshot.leave();
    Ok(())
}
