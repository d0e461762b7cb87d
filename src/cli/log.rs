//! `funnel log` and `funnel diff`: pipeline changes in business terms.

use clap::Args;
use funnel::analysis::changes;
use funnel::error::Error;
use funnel::git::Repo;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show pipeline changes per commit: new deals, moves, wins, losses, value and close-date changes
///
/// REVS is what git takes: a commit (all commits reachable from it), or a
/// range such as main..feature for what a branch would bring. Merge commits
/// are listed without changes: the commits they bring in carry them.
///
/// JSON: [{"commit", "at", "author", "subject", "events": [EVENT]}]; an
/// EVENT has "kind" (added, moved, won, lost, reopened, removed, renamed,
/// value_changed, close_changed, edited), "deal" and the kind's own keys
/// (from, to, stage, value, reason, from_id, keys).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Commits to show (default: HEAD)
    pub revs: Option<String>,
    /// Show at most N commits that changed deals
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    pub max_count: Option<usize>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Show what changed in the pipeline between two revisions, for reviewing a pull request
///
/// `funnel diff main..feature` lists, in business terms, how the pipeline
/// at `feature` differs from the pipeline at `main` (`main..` means
/// main..HEAD). With one revision (`funnel diff HEAD`, `funnel diff main`)
/// or none (HEAD), it compares that revision with the work tree: the
/// changes not committed yet, as `git diff REV` does.
///
/// JSON: {"from", "to", "events": [EVENT]} (see `funnel log`); "to" is
/// "work tree" for the work tree.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// FROM..TO, or one revision to compare with the work tree (default: HEAD)
    pub range: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The configuration (no deal is read: log and diff read the versions
/// the commits hold) and the repository, after finishing an interrupted
/// command.
fn repo(env: &Env) -> Result<(funnel::store::pipeline::Pipeline, Repo), Error> {
    let root = env.root()?;
    let pipeline = funnel::store::pipeline::Pipeline::config_only(&root)?;
    let repo = match env.recover(&root)? {
        Some(repo) => repo,
        None => Repo::open_required(&root)?,
    };
    Ok((pipeline, repo))
}

pub fn log(env: &mut Env, args: LogArgs) -> CmdResult {
    let (pipeline, repo) = repo(env)?;
    let config = &pipeline.config;
    let commits =
        changes::log(&repo, config, args.revs.as_deref(), args.max_count).map_err(|e| {
            Error::hinted(
                e.to_string(),
                "give a commit or a range such as main..feature",
            )
        })?;
    let mut rows = Rows::new(vec!["commit", "date", "author", "change"]);
    for commit in &commits {
        let cells = |change: String| {
            vec![
                commit.commit[..7].to_string(),
                commit.at.date().to_string(),
                commit.owner.clone(),
                change,
            ]
        };
        if commit.events.is_empty() {
            rows.rows.push(cells(commit.subject.clone()));
        }
        for event in &commit.events {
            rows.rows.push(cells(event.describe(&config.currency)));
        }
    }
    env.ui.rows_with(args.format, &rows, || &commits)?;
    Ok(())
}

pub fn diff(env: &mut Env, args: DiffArgs) -> CmdResult {
    let (pipeline, repo) = repo(env)?;
    let config = &pipeline.config;
    let diff = changes::diff(&repo, config, args.range.as_deref().unwrap_or("HEAD")).map_err(
        |e| {
            Error::hinted(
                e.to_string(),
                "give two revisions (funnel diff main..feature) or one to compare with the work tree",
            )
        },
    )?;
    let mut rows = Rows::new(vec!["change"]);
    for event in &diff.events {
        rows.rows.push(vec![event.describe(&config.currency)]);
    }
    env.ui.rows_with(args.format, &rows, || &diff)?;
    env.ui.status(&format!(
        "{} change(s) from {} to {}",
        diff.events.len(),
        diff.from,
        diff.to
    ));
    Ok(())
}
