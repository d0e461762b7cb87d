//! `funnel completions`: the shell code that completes funnel's command
//! line, deal IDs, stages, owners, fields and lost reasons included.

use clap::Args;
use clap_complete::Shell;
use funnel::error::Error;

use super::{CmdResult, Env};

/// Print the shell code that completes funnel's commands, options, deal IDs, stages, owners, fields and lost reasons
///
/// The code asks `funnel` for candidates while you type (COMPLETE=SHELL
/// funnel -- WORDS), from the pipeline in the current folder (or -C DIR,
/// FUNNEL_DIR): `funnel move <TAB>` offers deal IDs, then stages; `--reason`
/// the lost reasons; `set ID <TAB>` the fields; `list owner:<TAB>` the
/// owners. IDs come from a listing of the stage folders and other values
/// from the deal cache, so it stays instant on 20,000 deals. Load it when
/// the shell starts, so it always matches the funnel installed:
///
///   bash: echo 'source <(funnel completions bash)' >> ~/.bashrc
///   zsh:  echo 'source <(funnel completions zsh)' >> ~/.zshrc
///   fish: echo 'funnel completions fish | source' > ~/.config/fish/completions/funnel.fish
///
/// elvish and powershell work the same way (`COMPLETE=elvish funnel` is
/// the same code).
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(env: &mut Env, args: CompletionsArgs) -> CmdResult {
    let name = args.shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let shell = shells.completer(&name).ok_or_else(|| {
        Error::hinted(
            format!("no completion for {name}"),
            "use bash, zsh, fish, elvish or powershell",
        )
    })?;
    let mut buf = Vec::new();
    // The completer is `funnel` on PATH, so the code keeps working when
    // funnel is installed again elsewhere.
    shell
        .write_registration("COMPLETE", "funnel", "funnel", "funnel", &mut buf)
        .map_err(|e| Error::io("stdout", e))?;
    env.ui.out(&String::from_utf8_lossy(&buf))?;
    Ok(())
}
