//! `funnel undo`: revert your last funnel commit.

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Undo your last funnel change: revert it as a new commit
///
/// Reverts the newest commit on this branch that funnel made with your
/// author email (git config user.email): every deal file it touched gets
/// back its content from before, in one new commit "undo: SUBJECT" (a
/// rename is renamed back, so history still follows the deal). Nothing is
/// rewritten: a commit already pushed is undone by a commit you push.
/// Running undo again undoes the undo.
///
/// Refuses, changing nothing, when a later commit (yours or anyone's)
/// changes one of the same deals, naming those commits, and when one of
/// the files has changes not committed.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Skip the repository's pre-commit and commit-msg hooks, as git commit --no-verify does
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(env: &mut Env, args: UndoArgs) -> CmdResult {
    let commit = CommitArgs {
        at: None,
        no_verify: args.no_verify,
    };
    let (ws, _) = env.workspace(&commit)?;
    let undone = funnel::ops::undo::undo(&ws)?;
    env.ui.status(&format!(
        "undid {} `{}`",
        undone.undid.short(),
        undone.undid_subject
    ));
    env.committed(&undone.outcome);
    Ok(())
}
