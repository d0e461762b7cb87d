//! `funnel move`: change a deal's stage.

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Move a deal to another stage and commit
///
/// Checks the target stage's `require`d fields and applies its follow_up
/// (sets next_step and next_step_due). Moving into a lost stage needs a
/// lost_reason: give it with --reason. Moving out of a lost stage (a
/// reopened deal) drops lost_reason; history keeps it. A move made with
/// `git mv` or a file manager and committed with git counts the same.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// The deal's ID (its file name without .toml)
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    /// The stage to move it to
    #[arg(add = super::complete::with(super::complete::stages))]
    pub stage: String,
    /// Why the deal was lost (one of lost_reasons in funnel.toml)
    #[arg(add = super::complete::with(super::complete::lost_reasons), long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: MoveArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::move_deal(&ws, &args.id, &args.stage, args.reason.as_deref(), at)?;
    env.committed(&outcome);
    Ok(())
}
