//! `sync`: share the pipeline with the team through its git remote.
//!
//! Under the pipeline's write lock (no funnel command of this clone
//! writes meanwhile), with the user's own `git` (credentials, hooks and
//! configuration apply as for `git pull` and `git push`):
//!
//! 1. refuse, changing nothing, during a rebase or merge, with conflicts,
//!    with changes not committed to tracked files (git's rebase would refuse
//!    them half-way), on a detached HEAD, or without an upstream branch;
//! 2. `git fetch REMOTE`;
//! 3. when the upstream has commits this branch lacks: `git rebase
//!    UPSTREAM` (the default: local commits replayed on top, a straight
//!    history) or, with `git config funnel.sync merge`, `git merge
//!    --no-edit UPSTREAM`;
//! 4. when this branch has commits the upstream lacks: `git push REMOTE
//!    HEAD:BRANCH`. A push refused because the remote moved meanwhile
//!    (another rep pushed) starts again at 2, after a short wait that grows
//!    with each round and differs between processes, up to `retries` more
//!    times.
//!
//! When the rebase or merge stops on a conflict, the repository is left in
//! git's own conflict state, as `git pull` leaves it (nothing is thrown
//! away; every git tool works on it), and the outcome names each deal that
//! collides, what each side did to it, and the commands that resolve it.
//! Aborting instead would hide the collision from the person who has to
//! decide; `git rebase --abort` is one command away and is named.
//!
//! Author dates survive the rebase, so the history (when each move was
//! made, by whom) is the same after a sync as before it.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::analysis::conflicts::{Explained, explain};
use crate::error::{Error, Result};
use crate::git::Repo;
use crate::store::lock::Wait;

use super::Workspace;

/// How local commits meet the upstream's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Rebase,
    Merge,
}

impl Mode {
    /// `git config funnel.sync`: `rebase` (default) or `merge`.
    fn configured(repo: &Repo) -> Result<Mode> {
        match repo.config_value("funnel.sync").as_deref() {
            None | Some("rebase") => Ok(Mode::Rebase),
            Some("merge") => Ok(Mode::Merge),
            Some(other) => Err(Error::hinted(
                format!("git config funnel.sync is `{other}`: it takes rebase or merge"),
                "`git config funnel.sync rebase` (the default) or `git config funnel.sync merge`",
            )),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Serialize)]
pub struct Synced {
    pub branch: String,
    /// The upstream branch, as git names it (`origin/main`).
    pub upstream: String,
    pub mode: Mode,
    /// Commits brought in from the upstream.
    pub pulled: usize,
    /// Commits pushed.
    pub pushed: usize,
    /// Fetch-integrate-push rounds: 1 when nobody pushed in between.
    pub attempts: usize,
}

/// Where a sync stopped on a conflict: the repository is in git's
/// conflict state.
#[derive(Debug, Clone, Serialize)]
pub struct Stopped {
    pub mode: Mode,
    pub upstream: String,
    pub deals: Vec<Explained>,
    /// Paths in conflict that are not deal files.
    pub other_paths: Vec<String>,
    /// Goes on once everything is resolved (`git rebase --continue`).
    pub continue_with: &'static str,
    /// Gives up, back to before the sync (`git rebase --abort`).
    pub abort_with: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Synced(Synced),
    Stopped(Stopped),
}

/// Syncs the pipeline at `root` (see the module doc); `retries` is how
/// many more rounds a push refused because the remote moved gets.
pub fn sync(
    root: &Path,
    today: Date,
    now: Timestamp,
    wait: &Wait<'_>,
    retries: usize,
) -> Result<Outcome> {
    let ws = Workspace::open(root, today, now, wait)?;
    let repo = &ws.repo;
    repo.refuse_conflicts()?;
    let mode = Mode::configured(repo)?;
    let (branch_ref, _) = repo.branch()?;
    let branch = branch_ref
        .strip_prefix("refs/heads/")
        .unwrap_or(&branch_ref)
        .to_string();
    let dirty = repo.git_ok(&["status", "--porcelain", "--untracked-files=no"])?;
    if !dirty.trim().is_empty() {
        let files: Vec<&str> = dirty.lines().map(|l| l.get(3..).unwrap_or(l)).collect();
        return Err(Error::hinted(
            format!(
                "changes not committed: {}; sync shares commits only",
                files.join(", ")
            ),
            "commit them (`git commit -am \"...\"`) or put them aside (`git stash`), then `funnel sync`",
        ));
    }
    let upstream = repo
        .run_git(&[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ])?
        .text()
        .to_string();
    let remote = repo.config_value(&format!("branch.{branch}.remote"));
    let merge = repo.config_value(&format!("branch.{branch}.merge"));
    let (Some(remote), Some(merge), false) = (remote, merge, upstream.is_empty()) else {
        let remotes = repo.git_ok(&["remote"])?;
        let hint = match remotes.lines().next() {
            Some(remote) => format!(
                "push it once with `git push -u {remote} {branch}` (or follow a remote branch: `git branch --set-upstream-to {remote}/{branch}`)"
            ),
            None => "add the team's repository first: `git remote add origin URL`, then `git push -u origin BRANCH`".into(),
        };
        return Err(Error::hinted(
            format!("the branch {branch} has no upstream: sync does not know where to push"),
            hint,
        ));
    };
    let target = merge
        .strip_prefix("refs/heads/")
        .unwrap_or(&merge)
        .to_string();
    let mut pulled = 0;
    for attempt in 1..=retries + 1 {
        repo.git_ok(&["fetch", "--quiet", &remote])?;
        let local = repo.resolve("HEAD")?;
        let theirs = repo.resolve("@{upstream}")?;
        let behind = count(repo, "HEAD..@{upstream}")?;
        if behind > 0 {
            let run = match mode {
                Mode::Rebase => repo.run_git(&["rebase", "--quiet", "@{upstream}"])?,
                Mode::Merge => repo.run_git(&["merge", "--quiet", "--no-edit", "@{upstream}"])?,
            };
            if !run.success {
                // A fresh look at the repository: git changed it.
                let fresh = Repo::open_required(root)?;
                let conflicts = fresh.conflicts()?;
                if conflicts.is_empty() {
                    return Err(Error::hinted(
                        format!("git stopped the {}: {}", name(mode), run.stderr.trim()),
                        format!(
                            "see `git status`; `{}` goes back to before the sync",
                            fresh.abort_command()
                        ),
                    ));
                }
                let base = fresh.merge_base(local, theirs)?;
                let deals = explain(&fresh, &ws.pipeline.config, &conflicts, base, theirs, local)?;
                let stages: Vec<&str> = ws.pipeline.config.stage_ids().collect();
                let deal_paths: Vec<String> =
                    crate::analysis::conflicts::deal_conflicts(&conflicts, &stages)
                        .iter()
                        .map(|c| c.deal.clone())
                        .collect();
                let mut other_paths: Vec<String> = conflicts
                    .iter()
                    .filter_map(|c| c.ours.clone().or(c.theirs.clone()).or(c.base.clone()))
                    .filter(|p| {
                        !p.split_once('/').is_some_and(|(stage, name)| {
                            stages.contains(&stage)
                                && name
                                    .strip_suffix(".toml")
                                    .is_some_and(|id| deal_paths.iter().any(|d| d == id))
                        })
                    })
                    .collect();
                other_paths.dedup();
                return Ok(Outcome::Stopped(Stopped {
                    mode,
                    upstream,
                    deals,
                    other_paths,
                    continue_with: fresh.continue_command(),
                    abort_with: fresh.abort_command(),
                }));
            }
            pulled += behind;
        }
        let ahead = count(repo, "@{upstream}..HEAD")?;
        if ahead == 0 {
            return Ok(Outcome::Synced(Synced {
                branch,
                upstream,
                mode,
                pulled,
                pushed: 0,
                attempts: attempt,
            }));
        }
        let refspec = format!("HEAD:refs/heads/{target}");
        let push = repo.run_git(&["push", "--quiet", &remote, &refspec])?;
        if push.success {
            return Ok(Outcome::Synced(Synced {
                branch,
                upstream,
                mode,
                pulled,
                pushed: ahead,
                attempts: attempt,
            }));
        }
        if !moved_meanwhile(&push.stderr) {
            return Err(Error::hinted(
                format!(
                    "`git push {remote} {refspec}` failed: {}",
                    push.stderr.trim()
                ),
                "your commits are safe here; fix what git says (credentials, a hook, permissions), then `funnel sync` again",
            ));
        }
        std::thread::sleep(backoff(attempt));
    }
    Err(Error::hinted(
        format!(
            "the remote moved during each of {} attempts: others are pushing right now",
            retries + 1
        ),
        "your commits are safe and rebased here; run `funnel sync` again in a moment (or give more --retries)",
    ))
}

/// How long to wait before round `attempt + 1`: up to 200 ms a round
/// already lost, spread by the process id, so that syncs that collided do
/// not meet again in step (ten reps pushing at once otherwise keep
/// fetching and rebasing together).
fn backoff(attempt: usize) -> std::time::Duration {
    let spread = u64::from(std::process::id()).wrapping_mul(2_654_435_761) % 1000;
    std::time::Duration::from_millis(spread * 200 * attempt as u64 / 1000)
}

/// Whether git refused a push because the remote branch moved (another
/// push came first), which another round fixes.
fn moved_meanwhile(stderr: &str) -> bool {
    [
        "non-fast-forward",
        "fetch first",
        "stale info",
        "cannot lock ref",
        "failed to update ref",
        "incorrect old value",
    ]
    .iter()
    .any(|s| stderr.contains(s))
}

fn count(repo: &Repo, range: &str) -> Result<usize> {
    let text = repo.git_ok(&["rev-list", "--count", range])?;
    text.trim().parse().map_err(|_| {
        Error::data(format!(
            "`git rev-list --count {range}` said `{}`",
            text.trim()
        ))
    })
}

fn name(mode: Mode) -> &'static str {
    match mode {
        Mode::Rebase => "rebase",
        Mode::Merge => "merge",
    }
}
