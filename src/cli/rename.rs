//! `funnel rename`: give a deal a new ID, keeping its history.

use clap::Args;

use super::{CmdResult, Env};

/// Give a deal a new ID and commit, keeping its history
///
/// The commit carries a `Funnel-Renamed-From: OLD` trailer so the history
/// follows the deal. A rename done with plain git starts a new deal.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The deal's current ID
    pub old: String,
    /// The new ID ([a-z0-9][a-z0-9-]{0,63})
    pub new: String,
    /// Record the commit with this author date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

pub fn run(env: &mut Env, args: RenameArgs) -> CmdResult {
    let ws = env.workspace()?;
    let at = env.at(&ws, args.at.as_deref())?;
    let outcome = funnel::ops::rename(&ws, &args.old, &args.new, at)?;
    env.committed(&outcome);
    Ok(())
}
