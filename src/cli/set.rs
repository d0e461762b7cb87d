//! `funnel set`: change fields of a deal.

use clap::Args;

use super::{CmdResult, CommitArgs, Env, assignments};

/// Change fields of a deal and commit, keeping the file's comments and layout
///
/// Known fields are typed: value takes an amount (12000, 12000.50), dates
/// take date expressions (2026-12-15, friday, eom, +2w), qualification.*
/// flags take true or false, tags a comma-separated list. Custom keys are
/// inferred (integer, true/false, date, else text). `KEY=` removes a key.
/// Dotted keys such as qualification.need go into a sub-table.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    /// KEY=VALUE pairs
    #[arg(add = super::complete::with(super::complete::assignments), required = true, value_name = "KEY=VALUE")]
    pub changes: Vec<String>,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: SetArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let outcome = funnel::ops::set(&ws, &args.id, &assignments(&args.changes)?, at)?;
    env.committed(&outcome);
    Ok(())
}
