//! `funnel edit`: change a deal in your editor.

use std::io::BufRead;
use std::process::Command;

use clap::Args;
use funnel::error::Error;

use super::{CmdResult, CommitArgs, Env, Failure};

/// Open a deal in your editor and commit the result
///
/// The editor is $VISUAL, else $EDITOR, else git's core.editor, else vi.
/// When the result has problems they are shown and you are asked to re-open
/// the editor; declining keeps your text in a file whose name is printed,
/// and changes nothing; so does a commit that is refused (a merge under
/// way, conflicts in the index, the file changed meanwhile). Quitting
/// without a change commits nothing.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: EditArgs) -> CmdResult {
    // The editor runs without the write lock, which would hold up every
    // other command for as long as the file is open; the change is
    // committed under the lock, and only if the file is as it was.
    let root = env.root()?;
    let _ = env.recover(&root);
    let pipeline = funnel::store::pipeline::Pipeline::config_only(&root)?;
    let deal = &pipeline.load_deal(&args.id)?;
    let path = pipeline.root.join(&deal.path);
    let original = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let scratch = tempfile::Builder::new()
        .prefix(&format!("funnel-{}-", args.id))
        .suffix(".toml")
        .tempfile()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    std::fs::write(scratch.path(), &original).map_err(|e| Error::io(scratch.path(), e))?;
    let editor = editor(&funnel::git::Repo::open_required(&root)?);
    loop {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$@\""))
            .arg("sh")
            .arg(scratch.path())
            .status()
            .map_err(|e| {
                Error::hinted(
                    format!("cannot start the editor `{editor}`: {e}"),
                    "set EDITOR to your editor's command",
                )
            })?;
        if !status.success() {
            return Err(Error::hinted(
                format!("the editor `{editor}` failed ({status}): nothing was changed"),
                "set EDITOR to your editor's command",
            )
            .into());
        }
        let edited =
            std::fs::read_to_string(scratch.path()).map_err(|e| Error::io(scratch.path(), e))?;
        if edited == original {
            env.ui
                .status(&format!("No changes to {}: nothing committed", args.id));
            return Ok(());
        }
        let problems =
            funnel::ops::problems_in(&pipeline, &args.id, &edited, env.today(&pipeline.config)?)?;
        if problems.is_empty() {
            let committed = env
                .workspace(&args.commit)
                .and_then(|(ws, at)| funnel::ops::replace(&ws, &args.id, &original, &edited, at));
            match committed {
                Ok(outcome) => {
                    env.committed(&outcome);
                    return Ok(());
                }
                // Refused (a merge under way, conflicts, the deal changed
                // meanwhile): the text typed is kept, not lost.
                Err(e) => {
                    let (_, kept) = scratch
                        .keep()
                        .map_err(|e| Error::io(std::env::temp_dir(), e.error))?;
                    env.ui
                        .status(&format!("your text is kept in {}", kept.display()));
                    return Err(e.into());
                }
            }
        }
        for problem in &problems {
            env.ui.problem(problem);
        }
        env.ui.status("Re-open the editor to fix this? [Y/n]");
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer).unwrap_or(0);
        if read == 0
            || answer.trim().eq_ignore_ascii_case("n")
            || answer.trim().eq_ignore_ascii_case("no")
        {
            let (_, kept) = scratch
                .keep()
                .map_err(|e| Error::io(std::env::temp_dir(), e.error))?;
            env.ui.error(
                &format!("{} was not changed", deal.path.display()),
                Some(&format!("your text is kept in {}", kept.display())),
            );
            return Err(Failure::Exit(1));
        }
    }
}

fn editor(repo: &funnel::git::Repo) -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .or_else(|| repo.config_value("core.editor"))
        .unwrap_or_else(|| "vi".to_string())
}
