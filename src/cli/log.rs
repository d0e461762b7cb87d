//! `funnel log` and `funnel diff`: pipeline changes in business terms.

use clap::Args;
use funnel::analysis::changes::{Event, events};
use funnel::error::Error;
use funnel::git::Repo;
use serde_json::json;

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

fn repo(env: &Env) -> Result<(funnel::store::pipeline::Pipeline, Repo), Error> {
    let pipeline = env.load()?;
    let repo = Repo::open_required(&pipeline.root)?;
    Ok((pipeline, repo))
}

pub fn log(env: &mut Env, args: LogArgs) -> CmdResult {
    let (pipeline, repo) = repo(env)?;
    let config = &pipeline.config;
    let stages: Vec<&str> = config.stage_ids().collect();
    let read = |oid| repo.blob_text(oid).ok();
    let mut rows = Rows::new(vec!["commit", "date", "author", "change"]);
    let mut docs = Vec::new();
    let commits = repo.commits(args.revs.as_deref()).map_err(|e| {
        Error::hinted(
            e.to_string(),
            "give a commit or a range such as main..feature",
        )
    })?;
    for commit in commits {
        if args.max_count.is_some_and(|n| docs.len() >= n) {
            break;
        }
        let changed: Vec<Event> = if commit.parents > 1 {
            Vec::new()
        } else {
            events(
                config,
                &repo.deal_changes(commit.id, &stages)?,
                &commit.message,
                &read,
            )
        };
        if changed.is_empty() && commit.parents <= 1 {
            continue;
        }
        let short = commit.id.to_string()[..7].to_string();
        let date = commit
            .at
            .to_zoned_datetime(config.timezone.clone())
            .date()
            .to_string();
        let author = funnel::git::owner_from_email(&commit.author_email)
            .unwrap_or_else(|| commit.author_name.clone());
        if changed.is_empty() {
            rows.rows.push(vec![
                short.clone(),
                date.clone(),
                author.clone(),
                commit.summary.clone(),
            ]);
        }
        for event in &changed {
            rows.rows.push(vec![
                short.clone(),
                date.clone(),
                author.clone(),
                event.describe(&config.currency),
            ]);
        }
        docs.push(json!({
            "commit": commit.id.to_string(),
            "at": funnel::model::json::iso(&commit.at.to_zoned_datetime(config.timezone.clone())),
            "author": commit.author_email,
            "subject": commit.summary,
            "events": changed,
        }));
    }
    env.ui
        .rows(args.format, &rows, || serde_json::Value::Array(docs))?;
    Ok(())
}

pub fn diff(env: &mut Env, args: DiffArgs) -> CmdResult {
    let (pipeline, repo) = repo(env)?;
    let config = &pipeline.config;
    let stages: Vec<&str> = config.stage_ids().collect();
    let range = args.range.as_deref().unwrap_or("HEAD");
    let hint =
        "give two revisions (funnel diff main..feature) or one to compare with the work tree";
    let (from, to, changed) = match range.split_once("..") {
        Some((from, to)) => {
            let to = if to.is_empty() { "HEAD" } else { to };
            let changes = repo
                .deal_changes_between(from, to, &stages)
                .map_err(|e| Error::hinted(e.to_string(), hint))?;
            let read = |oid| repo.blob_text(oid).ok();
            (from, to, events(config, &changes, "", &read))
        }
        None => {
            let (changes, texts) = repo
                .deal_changes_to_worktree(range, &stages)
                .map_err(|e| Error::hinted(e.to_string(), hint))?;
            let read = |oid| {
                texts
                    .get(&oid)
                    .cloned()
                    .or_else(|| repo.blob_text(oid).ok())
            };
            (range, "work tree", events(config, &changes, "", &read))
        }
    };
    let mut rows = Rows::new(vec!["change"]);
    for event in &changed {
        rows.rows.push(vec![event.describe(&config.currency)]);
    }
    env.ui.rows(
        args.format,
        &rows,
        || json!({ "from": from, "to": to, "events": changed }),
    )?;
    env.ui
        .status(&format!("{} change(s) from {from} to {to}", changed.len()));
    Ok(())
}
