//! `funnel demo`: the example pipeline with months of history.

use std::path::PathBuf;

use clap::Args;
use funnel::error::Error;

use funnel::analysis::board::Board;
use funnel::analysis::metrics::{Figure, ForecastMonth, Report};
use funnel::model::money::{fixed, shown};
use rust_decimal::Decimal;

use super::ui::Format;
use super::{CmdResult, Env};

include!(concat!(env!("OUT_DIR"), "/example_pipeline.rs"));

/// Build a sample pipeline with months of history and take a short tour of it
///
/// Creates a new git repository (in DIR, or a temporary folder that is kept
/// and named) from the example pipeline built into funnel, with several
/// months of deterministic history: deals added on their created dates by
/// four people, moved through the funnel, some values raised, and a review
/// branch merged back. Then prints the board and what it says, the report
/// of the last 180 days and what it says, writes the dashboard of those
/// days to dashboard.html in the demo folder (untracked, beside
/// funnel.toml), and lists the commands to try next.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to build it (must be empty or missing)
    pub dir: Option<PathBuf>,
}

pub fn run(env: &mut Env, args: DemoArgs) -> CmdResult {
    let dir = match args.dir {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("funnel-demo-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?
            .keep(),
    };
    let config = funnel::model::config::Config::parse(
        EXAMPLE_PIPELINE
            .iter()
            .find(|(p, _)| *p == "funnel.toml")
            .map_or("", |(_, t)| t),
    )
    .map_err(Error::Problems)?;
    let today = env.today(&config)?;
    funnel::ops::demo(&dir, EXAMPLE_PIPELINE, today)?;
    env.start = dir.clone();
    let shown = dir.display().to_string();
    let currency = config.currency.as_str();
    env.ui.out(&format!(
        "{}  {shown}\n\n",
        wrap(
            "A sample pipeline: a made-up sales team's deals with six months of history, every change a git commit by one of four people. It is in:\n"
        )
    ))?;

    env.ui.out(&heading(
        "The board (funnel board): where the deals are today",
    ))?;
    let board = super::board::print(
        env,
        super::board::BoardArgs {
            filter: super::FilterArgs { terms: Vec::new() },
            as_of: Default::default(),
            format: Format::Table,
        },
    )?;
    env.ui
        .out(&format!("\n{}\n", wrap(&board_says(&board, currency))))?;

    env.ui.out(&heading(
        "The report (funnel report --last 180d): how the last 180 days went",
    ))?;
    let report = super::report::ReportArgs {
        filter: super::FilterArgs { terms: Vec::new() },
        window: super::report::WindowArgs {
            last: Some("180d".into()),
            ..Default::default()
        },
        by: None,
        trend: None,
        as_of: Default::default(),
        format: Format::Table,
    };
    if let Some(report) = super::report::print(env, report)? {
        env.ui
            .out(&format!("\n{}\n", wrap(&report_says(&report, currency))))?;
    }

    let dashboard = dir.join(super::dashboard::DEFAULT_FILE);
    super::dashboard::run(
        env,
        super::dashboard::DashboardArgs {
            filter: super::FilterArgs { terms: Vec::new() },
            output: Some(dashboard.clone()),
            window: super::report::WindowArgs {
                last: Some("180d".into()),
                ..Default::default()
            },
            by: "owner".into(),
            as_of: Default::default(),
        },
    )?;
    env.ui.out(&heading("The dashboard"))?;
    env.ui.out(&format!(
        "{}\n\n",
        wrap(&format!(
            "The same figures as charts, in one page that needs no network: open {} in a browser.",
            dashboard.display()
        ))
    ))?;

    env.ui.out(&heading("Try next"))?;
    let try_next = [
        (
            "next --all",
            "today's work for everyone, biggest deals first",
        ),
        ("doctor", "the pipeline's health, each finding with its fix"),
        (
            "report owner:alice --period quarter",
            "one rep's quarter (any filter `list` takes)",
        ),
    ];
    for (command, what) in try_next {
        env.ui
            .out(&format!("  funnel -C {shown} {command}\n      {what}\n"))?;
    }
    env.ui.out(&format!(
        "  git -C {shown} log --graph --oneline\n      the history every figure comes from\n"
    ))?;
    Ok(())
}

/// `text` with its lines broken between words before 80 columns.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut width = 0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let len = word.trim_end().chars().count();
            if width > 0 && width + 1 + len > 80 {
                out.push('\n');
                width = 0;
            } else if width > 0 {
                out.push(' ');
                width += 1;
            }
            out.push_str(word);
            width += len;
        }
    }
    out
}

/// A heading of the tour, underlined.
fn heading(text: &str) -> String {
    format!("{text}\n{}\n", "=".repeat(text.chars().count()))
}

/// What the board says, in a sentence or two.
fn board_says(board: &Board, currency: &str) -> String {
    let open = &board.open;
    let mut text = format!(
        "What it says: {} open deals worth {}, {} once weighted by each stage's chance to win. {} have sat in their stage too long (stalled) and {} had no change for too long (idle).",
        open.deals,
        shown(open.value, currency),
        shown(open.weighted_value, currency),
        open.stalled,
        open.idle,
    );
    let unbalanced: Vec<String> = board
        .stages
        .iter()
        .filter_map(|row| {
            Some(format!(
                "{} holds {}",
                row.stage,
                row.wip.describe(row.deals)?
            ))
        })
        .collect();
    if !unbalanced.is_empty() {
        text.push_str(&format!(" Out of balance: {}.", unbalanced.join("; ")));
    }
    text.push('\n');
    text
}

/// What the report says, in a sentence or two.
fn report_says(report: &Report, currency: &str) -> String {
    let percent = |f: &Figure| {
        f.value
            .map_or("n/a".into(), |d| format!("{}%", fixed(d, 1)))
    };
    let days = |f: &Figure| {
        f.value
            .map_or("n/a".into(), |d| format!("{} days", fixed(d, 1)))
    };
    let w = &report.win_rate;
    let mut text = format!(
        "What it says: of {} deals closed, {} were won ({}); a won deal took {} (median) from created to won.",
        w.won + w.lost,
        w.won,
        percent(&w.by_count),
        days(&report.cycle.won.median),
    );
    let overdue: Vec<&ForecastMonth> = report.forecast.iter().filter(|f| f.overdue).collect();
    if !overdue.is_empty() {
        let deals: usize = overdue.iter().map(|f| f.deals).sum();
        let value: Decimal = overdue.iter().map(|f| f.weighted_value).sum();
        text.push_str(&format!(
            " {deals} open deal(s), {} weighted, were expected to close in a month that is over: the forecast marks them overdue.",
            shown(value, currency)
        ));
    }
    text.push('\n');
    text
}
