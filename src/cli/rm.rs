//! `funnel rm`: delete a deal.

use clap::Args;

use super::{CmdResult, Env};

/// Delete a deal and commit
///
/// A deleted deal leaves the statistics; it is for entries made by mistake.
/// A deal that died belongs in a lost stage instead, where it counts:
/// `funnel move ID lost --reason REASON`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The deal's ID
    pub id: String,
    /// Record the commit with this author date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

pub fn run(env: &mut Env, args: RmArgs) -> CmdResult {
    let ws = env.workspace()?;
    let at = env.at(&ws, args.at.as_deref())?;
    let outcome = funnel::ops::remove(&ws, &args.id, at)?;
    env.committed(&outcome);
    Ok(())
}
