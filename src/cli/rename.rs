//! `funnel rename`: give a deal a new ID, keeping its history.

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Give a deal a new ID and commit, keeping its history
///
/// The commit carries a `Funnel-Renamed-From: OLD` trailer so the history
/// follows the deal. A rename done with plain git starts a new deal.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The deal's current ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub old: String,
    /// The new ID ([a-z0-9][a-z0-9-]{0,63})
    pub new: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: RenameArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::rename(&ws, &args.old, &args.new, at)?;
    env.committed(&outcome);
    Ok(())
}
