//! `funnel snooze` and `funnel unsnooze`: a known pause in a deal.

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Pause a deal's stalled and idle findings until a date, and commit
///
/// Sets snooze_until and snooze_reason. `doctor --all` and `show` list the
/// snooze; after the date the findings return.
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    /// Until when (a date expression: 2026-12-15, +2w, eom)
    pub until: String,
    /// Why (shown with the snooze)
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// End a deal's snooze and commit
#[derive(Debug, Args)]
pub struct UnsnoozeArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn snooze(env: &mut Env, args: SnoozeArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::snooze(&ws, &args.id, Some((&args.until, &args.reason)), at)?;
    env.committed(&outcome);
    Ok(())
}

pub fn unsnooze(env: &mut Env, args: UnsnoozeArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::snooze(&ws, &args.id, None, at)?;
    env.committed(&outcome);
    Ok(())
}
