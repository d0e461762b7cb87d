//! A series of backdated commits built at once (for `import`), through
//! the user's own `git fast-import`: it keeps the trees in memory, writes
//! each changed tree as a delta of its previous version, and puts
//! everything into one pack. Writing a loose tree object per stage folder
//! per commit is slower by two orders of magnitude on a pipeline of
//! thousands of deals, and leaves a `.git` many times its packed size.
//!
//! Delta chains may be 250 long (fast-import's default is 50): a stage
//! folder's tree changes with nearly every commit, and at 50 every 50th
//! version is stored whole; at 250 the Maven sample's 15,500 commits take
//! 1.2x the space of `git gc --aggressive` (2.6x at 50), and reading the
//! history cold stays faster than `git log --raw` (`benches/import.sh`).
//!
//! Nothing the series makes is reachable when [`Repo::build_series`]
//! returns: fast-import names its tip in the scratch reference
//! `refs/funnel/import`, which is read and deleted at once. The write path
//! (`store::write`) then puts its own commit on top of the series and
//! publishes both with one compare-and-swap of the branch. A command killed
//! before that leaves a pack of unreachable objects (and perhaps the
//! scratch reference, deleted by the next series): `git gc` drops them.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use jiff::Timestamp;

use super::{CommitId, Repo, git_path};
use crate::error::{Error, Result};

/// One commit of a series: files relative to the pipeline root with their
/// new contents (`None`: removed), the whole message, the author date.
#[derive(Debug, Clone)]
pub struct SeriesCommit {
    pub files: Vec<(PathBuf, Option<String>)>,
    pub message: String,
    pub at: Timestamp,
}

/// The reference fast-import leaves its tip in, only while it runs.
const SCRATCH: &str = "refs/funnel/import";

impl Repo {
    /// Builds `commits` in order on top of `parent` (the author from git
    /// config, dated each commit's `at`; the committer now); returns the
    /// last one. No branch moves.
    pub fn build_series(
        &self,
        parent: Option<CommitId>,
        commits: &[SeriesCommit],
    ) -> Result<Option<CommitId>> {
        if commits.is_empty() {
            return Ok(parent);
        }
        self.delete_scratch()?;
        let committer = self
            .repo
            .committer_from_env()
            .map_err(|_| super::no_identity())?;
        let who = |sig: &git2::Signature<'_>| {
            let clean =
                |s: std::result::Result<&str, _>| s.unwrap_or("").replace(['<', '>', '\n'], "");
            format!("{} <{}>", clean(sig.name()), clean(sig.email()))
        };
        let committer_line = format!(
            "committer {} {} {}\n",
            who(&committer),
            committer.when().seconds(),
            offset(committer.when().offset_minutes())
        );
        let mut child = Command::new("git")
            .args([
                "fast-import",
                "--quiet",
                "--done",
                "--date-format=raw",
                "--depth=250",
            ])
            .current_dir(&self.workdir)
            .env("GIT_DIR", self.repo.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::hinted(
                    format!("cannot run `git fast-import`: {e}: nothing was changed"),
                    "an import of more than one change writes its history with git: install git, or import with --batch day into fewer commits",
                )
            })?;
        let written = (|| -> std::io::Result<()> {
            let Some(stdin) = child.stdin.take() else {
                return Ok(());
            };
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdin);
            for (n, commit) in commits.iter().enumerate() {
                let author = self
                    .author(Some(commit.at))
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                write!(
                    out,
                    "commit {SCRATCH}\nauthor {} {} {}\n{committer_line}data {}\n",
                    who(&author),
                    commit.at.as_second(),
                    offset(author.when().offset_minutes()),
                    commit.message.len()
                )?;
                out.write_all(commit.message.as_bytes())?;
                out.write_all(b"\n")?;
                if n == 0
                    && let Some(parent) = parent
                {
                    writeln!(out, "from {parent}")?;
                }
                for (rel, content) in &commit.files {
                    let path = quoted(&git_path(&self.prefix.join(rel)));
                    match content {
                        Some(text) => {
                            write!(out, "M 100644 inline {path}\ndata {}\n", text.len())?;
                            out.write_all(text.as_bytes())?;
                            out.write_all(b"\n")?;
                        }
                        None => writeln!(out, "D {path}")?,
                    }
                }
                out.write_all(b"\n")?;
            }
            out.write_all(b"done\n")?;
            out.flush()
        })();
        let output = child.wait_with_output().map_err(|e| {
            Error::data(format!(
                "`git fast-import` failed: {e}: nothing was changed"
            ))
        })?;
        if !output.status.success() || written.is_err() {
            let why = String::from_utf8_lossy(&output.stderr);
            let why = why.lines().next().map(str::to_string).unwrap_or_else(|| {
                written
                    .err()
                    .map_or_else(|| output.status.to_string(), |e| e.to_string())
            });
            let _ = self.delete_scratch();
            return Err(Error::data(format!(
                "`git fast-import` failed: {why}: nothing was changed"
            )));
        }
        let tip = self.branch_tip(SCRATCH)?;
        self.delete_scratch()?;
        // The new pack, so blobs and trees it holds are not written again.
        self.repo.odb()?.refresh()?;
        Ok(tip)
    }

    fn delete_scratch(&self) -> Result<()> {
        match self.repo.find_reference(SCRATCH) {
            Ok(mut r) => Ok(r.delete()?),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// `+0100` from minutes east of UTC.
fn offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// A path as fast-import reads it: C-quoted when it starts with a quote or
/// holds a newline, else as it is (spaces are fine at the end of a line).
fn quoted(path: &str) -> String {
    if !path.starts_with('"') && !path.contains('\n') {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_quoting() {
        assert_eq!(offset(60), "+0100");
        assert_eq!(offset(-330), "-0530");
        assert_eq!(offset(0), "+0000");
        assert_eq!(quoted("won/acme.toml"), "won/acme.toml");
        assert_eq!(quoted("sales team/won/a.toml"), "sales team/won/a.toml");
        assert_eq!(quoted("\"x/a.toml"), "\"\\\"x/a.toml\"");
    }
}
