//! `funnel demo`: the example pipeline with months of history.

use std::path::PathBuf;

use clap::Args;
use funnel::error::Error;

use super::ui::Format;
use super::{CmdResult, Env};

include!(concat!(env!("OUT_DIR"), "/example_pipeline.rs"));

/// Build a sample pipeline with months of history and show its board, report and dashboard
///
/// Creates a new git repository (in DIR, or a temporary folder that is kept
/// and named) from the example pipeline built into funnel, with several
/// months of deterministic history: deals added on their created dates by
/// four people, moved through the funnel, some values raised, and a review
/// branch merged back. Then prints the board and the report of the last
/// 180 days, and writes the dashboard of those days to dashboard.html in
/// the demo folder (untracked, beside funnel.toml). Explore it afterwards with
/// `funnel -C DIR list`, `git -C DIR log --graph --oneline`.
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
    env.ui
        .status(&format!("Built the demo pipeline in {}", dir.display()));
    env.start = dir.clone();
    super::board::run(
        env,
        super::board::BoardArgs {
            filter: super::FilterArgs { terms: Vec::new() },
            format: Format::Table,
        },
    )?;
    env.ui.out("\n")?;
    let report = super::report::ReportArgs {
        filter: super::FilterArgs { terms: Vec::new() },
        window: super::report::WindowArgs {
            last: Some("180d".into()),
            ..Default::default()
        },
        by: None,
        format: Format::Table,
    };
    super::report::run(env, report)?;
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
        },
    )?;
    env.ui.status(&format!(
        "Explore it: funnel -C {} list --all; git -C {} log --graph --oneline; open {} in a browser",
        dir.display(),
        dir.display(),
        dashboard.display()
    ));
    Ok(())
}
