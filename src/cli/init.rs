//! `funnel init`: start a pipeline.

use std::path::PathBuf;

use clap::Args;

use super::{CmdResult, CommitArgs, Env};

/// Start a pipeline: write funnel.toml and the stage folders, and commit
///
/// Writes the default stages of a B2B funnel (lead, qualified, contact,
/// proposal, negotiation, won, lost), runs `git init` when DIR is in no
/// repository, and commits. DIR may be a subfolder of a repository. A new
/// repository starts on the branch `git config init.defaultBranch` names,
/// else `main` (not libgit2's `master`), as the README's tour expects.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder for the pipeline (default: the current folder)
    #[arg(id = "init_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: InitArgs) -> CmdResult {
    let dir = match args.dir {
        Some(dir) if dir.is_relative() => env.start.join(dir),
        Some(dir) => dir,
        None => env.start.clone(),
    };
    let config = funnel::model::config::Config::parse(funnel::model::config::DEFAULT)
        .map_err(funnel::error::Error::Problems)?;
    let at = args
        .commit
        .at(&funnel::ops::calendar(&config, env.today(&config)?))?;
    let outcome = funnel::ops::init(
        &dir,
        at,
        !args.commit.no_verify,
        &env.lock_wait(&|pid| env.ui.waiting(pid)),
    )?;
    env.committed(&outcome);
    env.ui.status(&format!(
        "Started a pipeline in {}: add a deal with `funnel add \"TITLE\"`",
        dir.display()
    ));
    Ok(())
}
