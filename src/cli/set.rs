//! `funnel set`: change fields of a deal.

use clap::Args;

use super::{CmdResult, Env, assignments};

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
    pub id: String,
    /// KEY=VALUE pairs
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub changes: Vec<String>,
    /// Record the commit with this author date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

pub fn run(env: &mut Env, args: SetArgs) -> CmdResult {
    let ws = env.workspace()?;
    let at = env.at(&ws, args.at.as_deref())?;
    let outcome = funnel::ops::set(&ws, &args.id, &assignments(&args.changes)?, at)?;
    env.committed(&outcome);
    Ok(())
}
