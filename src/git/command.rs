//! Running the user's own `git` executable, for what must go through it:
//! fetching, rebasing, merging and pushing (`funnel sync`), so that the
//! user's credential helpers, SSH keys, hooks and configuration all apply
//! as they do for `git pull` and `git push`; the next index of a write
//! (`git/write`); and what the index says that libgit2 would hash the
//! whole index to read (the status of deal files, conflicts). Arguments
//! are passed as a list, never through a shell.

use std::process::{Command, Stdio};

use super::Repo;
use crate::error::{Error, Result};

/// How a git command ended and what it printed.
#[derive(Debug, Clone)]
pub struct GitRun {
    pub success: bool,
    /// The exit code (none when a signal ended git).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl GitRun {
    /// stdout, trimmed.
    pub fn text(&self) -> &str {
        self.stdout.trim()
    }
}

impl Repo {
    /// Runs `git ARGS` in the work tree, with the user's environment;
    /// standard input stays the terminal's, so a credential prompt works.
    /// An error only when git cannot be started.
    pub fn run_git(&self, args: &[&str]) -> Result<GitRun> {
        run_git(
            Command::new("git").current_dir(&self.workdir).args(args),
            None,
        )
    }

    /// `git ARGS`, its stdout when it succeeded; otherwise an error naming
    /// the command and what git said.
    pub fn git_ok(&self, args: &[&str]) -> Result<String> {
        let run = self.run_git(args)?;
        if run.success {
            return Ok(run.stdout);
        }
        Err(Error::hinted(
            format!("`git {}` failed: {}", args.join(" "), run.stderr.trim()),
            "run the git command yourself to see what it needs, then run funnel again",
        ))
    }

    /// `git ARGS` on this repository as funnel opened it (its git dir,
    /// work tree and index), for a read: git takes no lock for it
    /// (`--no-optional-locks`: a read never rewrites the index) and reads
    /// nothing from the terminal. Its stdout, or an error with what git
    /// said.
    pub fn read_git(&self, args: &[&str]) -> Result<String> {
        self.read_command(args).run()
    }

    /// [`Repo::read_git`], to be run later (on another thread).
    pub(super) fn read_command(&self, args: &[&str]) -> ReadCommand {
        let mut command = Command::new("git");
        command
            .current_dir(&self.workdir)
            .env("GIT_DIR", self.git_dir())
            .env("GIT_WORK_TREE", &self.workdir)
            .env("GIT_INDEX_FILE", self.index_path())
            .arg("--no-optional-locks")
            .args(args);
        let args = args.join(" ");
        ReadCommand {
            command,
            args,
            input: Vec::new(),
        }
    }

    /// The conflicts in the index (read afresh from disk, by the user's
    /// git: libgit2 hashed the whole index first), one per path git
    /// stopped on: each side's path relative to the pipeline root
    /// (`None` where that side has no file), only those under it.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let listed = self.read_git(&["ls-files", "--unmerged", "-z", "--full-name"])?;
        // `MODE ID STAGE\tPATH` for each side, a path's sides together.
        let mut out: Vec<(&str, Conflict)> = Vec::new();
        for entry in listed.split('\0') {
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            if out.last().is_none_or(|(last, _)| *last != path) {
                let none = Conflict {
                    base: None,
                    ours: None,
                    theirs: None,
                };
                out.push((path, none));
            }
            let Some((_, conflict)) = out.last_mut() else {
                continue;
            };
            let side = match meta.rsplit(' ').next() {
                Some("1") => &mut conflict.base,
                Some("2") => &mut conflict.ours,
                Some("3") => &mut conflict.theirs,
                _ => continue,
            };
            *side = self.root_path_of(path);
        }
        Ok(out
            .into_iter()
            .map(|(_, conflict)| conflict)
            .filter(|c| c.base.is_some() || c.ours.is_some() || c.theirs.is_some())
            .collect())
    }

    /// The command that goes on after conflicts are resolved, for the
    /// operation under way (`git rebase --continue`, `git commit` ...).
    pub fn continue_command(&self) -> &'static str {
        self.operation_commands().0
    }

    /// The command that gives up the operation under way.
    pub fn abort_command(&self) -> &'static str {
        self.operation_commands().1
    }

    /// Going on with, and giving up, the operation under way (a merge
    /// when none is).
    fn operation_commands(&self) -> (&'static str, &'static str) {
        match self.repo.state() {
            git2::RepositoryState::Rebase
            | git2::RepositoryState::RebaseInteractive
            | git2::RepositoryState::RebaseMerge => ("git rebase --continue", "git rebase --abort"),
            git2::RepositoryState::CherryPick | git2::RepositoryState::CherryPickSequence => {
                ("git cherry-pick --continue", "git cherry-pick --abort")
            }
            git2::RepositoryState::Revert | git2::RepositoryState::RevertSequence => {
                ("git revert --continue", "git revert --abort")
            }
            _ => ("git commit", "git merge --abort"),
        }
    }
}

/// A `git` command that reads ([`Repo::read_git`]).
pub(super) struct ReadCommand {
    command: Command,
    args: String,
    /// Its standard input (none: nothing).
    pub(super) input: Vec<u8>,
}

impl ReadCommand {
    /// Its stdout, or an error with what git said.
    pub(super) fn run(self) -> Result<String> {
        self.run_with_answer(0)
    }

    /// [`ReadCommand::run`] of a command whose exit code `answer`, with
    /// nothing said on stderr, is an answer too (`git check-ignore` exits
    /// with 1 when no path is ignored).
    pub(super) fn run_with_answer(mut self, answer: i32) -> Result<String> {
        let run = run_git(&mut self.command, Some(&self.input))?;
        if run.success || (run.code == Some(answer) && run.stderr.trim().is_empty()) {
            return Ok(run.stdout);
        }
        Err(Error::hinted(
            format!("`git {}` failed: {}", self.args, run.stderr.trim()),
            "run `git status` to see what git says, then run funnel again",
        ))
    }
}

/// Runs `command` (a `git` command), with `input` on its standard input
/// (the terminal's without). An error only when git cannot be started.
pub(super) fn run_git(command: &mut Command, input: Option<&[u8]>) -> Result<GitRun> {
    use std::io::Write as _;
    let mut child = command
        .stdin(match input {
            Some(_) => Stdio::piped(),
            None => Stdio::inherit(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::hinted(
                format!("cannot run git: {e}"),
                "install git and make sure `git` is on PATH",
            )
        })?;
    // Written whole before the output is read: git reads its input first.
    let written = match (child.stdin.take(), input) {
        (Some(mut stdin), Some(input)) => stdin.write_all(input).is_ok(),
        _ => true,
    };
    let output = child
        .wait_with_output()
        .map_err(|e| Error::data(format!("cannot run git: {e}")))?;
    Ok(GitRun {
        success: output.status.success() && written,
        code: output.status.code().filter(|_| written),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// One path git could not merge: its three sides (relative to the
/// pipeline root, with `/`). In a rebase "ours" is the upstream and
/// "theirs" the local commit being replayed; in a merge the reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}
