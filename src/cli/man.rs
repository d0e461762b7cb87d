//! `funnel man`: man pages generated from the command definitions.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use funnel::error::Error;

use super::{Cli, CmdResult, Env};

/// Print the man page, or write every page to a folder
///
/// The pages are generated from the same definitions as --help; the
/// project commits them under man/.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write funnel.1 and funnel-COMMAND.1 for every command into DIR
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(env: &mut Env, args: ManArgs) -> CmdResult {
    match args.dir {
        Some(dir) => {
            for (name, page) in pages()? {
                let path = dir.join(&name);
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                std::fs::write(&path, page).map_err(|e| Error::io(&path, e))?;
            }
            env.ui
                .status(&format!("Wrote the man pages to {}", dir.display()));
        }
        None => {
            let (_, page) = pages()?.swap_remove(0);
            env.ui.out(&String::from_utf8_lossy(&page))?;
        }
    }
    Ok(())
}

/// Every page: `funnel.1` first, then one per subcommand.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    let command = Cli::command();
    let mut pages = vec![("funnel.1".to_string(), render(&command)?)];
    for sub in command.get_subcommands() {
        let name = format!("funnel-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).display_name(name.clone());
        pages.push((format!("{name}.1"), render(&sub)?));
    }
    Ok(pages)
}

fn render(command: &clap::Command) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut buf)
        .map_err(|e| Error::io(Path::new("man"), e))?;
    Ok(buf)
}
