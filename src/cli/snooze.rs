//! `funnel snooze` and `funnel unsnooze`: a known pause in a deal.

use clap::Args;

use super::{CmdResult, Env};

/// Pause a deal's stalled and idle findings until a date, and commit
///
/// Sets snooze_until and snooze_reason. `doctor --all` and `show` list the
/// snooze; after the date the findings return.
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    /// The deal's ID
    pub id: String,
    /// Until when (a date expression: 2026-12-15, +2w, eom)
    pub until: String,
    /// Why (shown with the snooze)
    #[arg(long, required = true)]
    pub reason: String,
    /// Record the commit with this author date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

/// End a deal's snooze and commit
#[derive(Debug, Args)]
pub struct UnsnoozeArgs {
    /// The deal's ID
    pub id: String,
    /// Record the commit with this author date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

pub fn snooze(env: &mut Env, args: SnoozeArgs) -> CmdResult {
    let ws = env.workspace()?;
    let at = env.at(&ws, args.at.as_deref())?;
    let outcome = funnel::ops::snooze(&ws, &args.id, Some((&args.until, &args.reason)), at)?;
    env.committed(&outcome);
    Ok(())
}

pub fn unsnooze(env: &mut Env, args: UnsnoozeArgs) -> CmdResult {
    let ws = env.workspace()?;
    let at = env.at(&ws, args.at.as_deref())?;
    let outcome = funnel::ops::snooze(&ws, &args.id, None, at)?;
    env.committed(&outcome);
    Ok(())
}
