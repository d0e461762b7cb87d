//! `funnel log`: pipeline changes per commit, in business terms.

use clap::Args;
use funnel::analysis::changes::{self, LogQuery};
use funnel::error::Error;
use funnel::git::Repo;
use funnel::model::dates::Lean;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show pipeline changes per commit: new deals, moves, wins, losses, value and close-date changes
///
/// REVS are what `git log` takes: a commit (all commits reachable from
/// it), A..B (what B has that A has not: what a branch would bring),
/// A...B (the commits on either side but not both), ^A (leave out what A
/// reaches); several combine; none is HEAD. Merge commits are listed
/// without changes: the commits they bring in carry them.
///
/// --author matches "Name <email>" of the commit's author, ignoring case
/// (a part of it is enough; not a regular expression). --since and --until
/// take date expressions (2026-11-01, -2w, monday) and compare the author
/// date: when the change was made, which rebases and `--at` keep (git log
/// compares the committer date). -n counts the commits shown.
///
/// In a shallow clone the log stops at the clone's edge, and says so.
///
/// JSON: [{"commit", "at", "author", "subject", "events": [EVENT]}]; an
/// EVENT has "kind" (added, moved, won, lost, reopened, removed, renamed,
/// value_changed, close_changed, edited), "deal" and the kind's own keys
/// (from, to, stage, value, reason, from_id, keys).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Commits to show, as git log takes them (default: HEAD)
    #[arg(value_name = "REVS")]
    pub revs: Vec<String>,
    /// Show at most N commits that changed deals
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    pub max_count: Option<usize>,
    /// Only commits whose author name or email contains TEXT (ignoring case)
    #[arg(long, value_name = "TEXT")]
    pub author: Option<String>,
    /// Only commits authored on or after DATE (a date expression)
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only commits authored on or before DATE (the whole day)
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The configuration (no deal is read: log and diff read the versions
/// the commits hold) and the repository, after finishing an interrupted
/// command.
pub fn repo(env: &Env) -> Result<(funnel::store::pipeline::Pipeline, Repo), Error> {
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
    let calendar = funnel::ops::calendar(config, env.today(config)?);
    let date = |flag: &str, expr: &Option<String>, end: bool| {
        expr.as_deref()
            .map(|expr| {
                let day = calendar.date(expr, Lean::Past).map_err(|e| {
                    Error::hinted(
                        format!("--{flag}: {e}"),
                        "give a date such as 2026-11-01, -2w or monday",
                    )
                })?;
                let day = if end {
                    day.tomorrow().map_err(|e| Error::data(e.to_string()))?
                } else {
                    day
                };
                let at = calendar.midnight(day)?;
                Ok::<_, Error>(if end {
                    at - jiff::SignedDuration::from_secs(1)
                } else {
                    at
                })
            })
            .transpose()
    };
    let query = LogQuery {
        range: repo.range(&args.revs)?,
        max: args.max_count,
        author: args.author.clone(),
        since: date("since", &args.since, false)?,
        until: date("until", &args.until, true)?,
    };
    let commits = changes::log(&repo, config, &query)?;
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
    if repo.is_shallow() {
        env.ui.warning(
            "the repository is a shallow clone: the log stops at its edge, older commits are missing (`git fetch --unshallow` fetches them)",
        );
    }
    Ok(())
}
