//! `funnel completions`: shell completion scripts.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CmdResult, Env};

/// Print a completion script for a shell
///
/// For example: `funnel completions bash > ~/.local/share/bash-completion/completions/funnel`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(env: &mut Env, args: CompletionsArgs) -> CmdResult {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "funnel", &mut buf);
    env.ui.out(&String::from_utf8_lossy(&buf))?;
    Ok(())
}
