//! `funnel sync`: fetch, rebase (or merge), push, check.

use clap::Args;
use funnel::ops::sync::{Outcome, Stopped, sync};

use super::{CmdResult, Env, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
}

/// Share the pipeline with the team: fetch, rebase your commits onto the upstream, push, check
///
/// Runs your own `git` (your credentials, SSH keys and hooks apply, as for
/// git pull and git push), holding funnel's write lock so no funnel
/// command of this clone writes meanwhile: `git fetch`, then `git rebase
/// @{upstream}` when the upstream has new commits (`git config funnel.sync
/// merge` merges instead: `git merge --no-edit`), then `git push` when
/// you have commits the upstream lacks, then `funnel check`. A push
/// refused because someone pushed first starts again from the fetch, up to
/// --retries more times. Author dates survive the rebase, so every move
/// keeps when and by whom it was made.
///
/// Refuses, changing nothing, without an upstream branch (`git push -u
/// origin BRANCH` sets one), during a rebase or merge, and with changes
/// not committed to tracked files (commit or `git stash` them).
///
/// When git stops on a conflict, the repository stays in git's conflict
/// state (as `git pull` leaves it; `git rebase --abort` goes back) and
/// sync names each deal that collides (the same deal moved by two people,
/// a deal changed on both sides, one removed and changed), what each side
/// did and who, and the commands that resolve it; exit status 1. `funnel
/// check` reports the same until they are resolved. Then `git rebase
/// --continue` (or `git commit` for a merge) and `funnel sync` again.
///
/// JSON: {"outcome": "synced", "branch", "upstream", "mode", "pulled",
/// "pushed", "attempts"} or {"outcome": "stopped", "mode", "upstream",
/// "deals": [{"deal", "kind" (moved_both, edited_both, removed_one_side,
/// old_path_left),
/// "ours", "theirs", "gone", "path", "upstream": {"events", "by"}, "local":
/// {"events", "by"}}], "other_paths", "continue_with", "abort_with"}.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Rounds to try again when the remote moved before the push
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: usize,
    /// Output format (of the sync; check's problems are printed as check prints them)
    #[arg(long, value_enum, default_value = "text")]
    pub format: SyncFormat,
}

pub fn run(env: &mut Env, args: SyncArgs) -> CmdResult {
    let root = env.root()?;
    let config = funnel::store::pipeline::load_config(&root)?;
    let today = env.today(&config)?;
    let now = env.now_for(&config, today)?;
    let on_wait = |pid: Option<u32>| env.ui.waiting(pid);
    let wait = env.lock_wait(&on_wait);
    let outcome = sync(&root, today, now, &wait, args.retries)?;
    if args.format == SyncFormat::Json {
        env.ui.json(&outcome)?;
    }
    match outcome {
        Outcome::Synced(done) => {
            let tries = if done.attempts > 1 {
                format!(" ({} attempts: the remote moved meanwhile)", done.attempts)
            } else {
                String::new()
            };
            env.ui.status(&format!(
                "synced {} with {}: {} commit(s) pulled, {} pushed{tries}",
                done.branch, done.upstream, done.pulled, done.pushed
            ));
            super::check::run(
                env,
                super::check::CheckArgs {
                    format: super::check::CheckFormat::Text,
                },
            )
        }
        Outcome::Stopped(stopped) => {
            explain(env, &stopped, &config.currency);
            Err(Failure::Exit(1))
        }
    }
}

/// Each collision, what each side did, and how to go on.
fn explain(env: &Env, stopped: &Stopped, currency: &str) {
    let what = match stopped.mode {
        funnel::ops::sync::Mode::Rebase => "rebasing your commits onto",
        funnel::ops::sync::Mode::Merge => "merging",
    };
    let mut text = format!(
        "git stopped {what} {}: {} deal(s) collide\n",
        stopped.upstream,
        stopped.deals.len()
    );
    for deal in &stopped.deals {
        text.push_str(&format!("\n  {}\n", deal.conflict.message()));
        for (side, changes) in [("upstream", &deal.upstream), ("yours", &deal.local)] {
            let by = if changes.by.is_empty() {
                String::new()
            } else {
                format!(" ({})", changes.by.join(", "))
            };
            let did: Vec<String> = changes
                .events
                .iter()
                .map(|e| e.describe(currency))
                .collect();
            let did = if did.is_empty() {
                "no change".to_string()
            } else {
                did.join("; ")
            };
            text.push_str(&format!("    {side}{by}: {did}\n"));
        }
        text.push_str(&format!(
            "    fix: {}\n",
            deal.conflict.fix(stopped.continue_with)
        ));
    }
    for path in &stopped.other_paths {
        text.push_str(&format!(
            "\n  {path} (not a deal) is in conflict: resolve it, then `git add {path}`\n"
        ));
    }
    env.ui.status(text.trim_end());
    env.ui.error(
        "the repository is in git's conflict state; nothing is lost",
        Some(&format!(
            "resolve each deal as said above, then `{}` and `funnel sync`; `{}` goes back to before the sync",
            stopped.continue_with, stopped.abort_with
        )),
    );
}
