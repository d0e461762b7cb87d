//! `funnel rm`: delete a deal.

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Delete a deal and commit
///
/// A deleted deal leaves the statistics; it is for entries made by mistake.
/// A deal that died belongs in a lost stage instead, where it counts:
/// `funnel move ID lost --reason REASON`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: RmArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::remove(&ws, &args.id, at)?;
    env.committed(&outcome);
    Ok(())
}
