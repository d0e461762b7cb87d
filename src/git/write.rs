//! The git side of the write path (`store::write` orchestrates it): the
//! branch a commit goes on, trees built from HEAD plus the touched paths,
//! the commit object, the branch moved by compare-and-swap, the index
//! entries refreshed in a copy of the index, and the hooks.

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{FileMode, Index, Signature};

use super::{BlobId, CommitId, Repo, TreeId, git_path};
use crate::error::{Error, Result};

/// A path of the change: relative to the work tree's root, with the blob
/// it must hold in the new commit (`None`: removed).
#[derive(Debug, Clone)]
pub struct TreeChange {
    pub path: PathBuf,
    pub blob: Option<BlobId>,
    pub mode: u32,
}

/// Why a commit could not be placed on the branch.
pub enum BranchError {
    /// Another writer moved the branch since it was read.
    Moved,
    /// git holds the branch's lock file.
    Locked(String),
    /// Any other failure, as git said it.
    Other(String),
}

impl Repo {
    /// The branch HEAD points at and its tip (`None` for an unborn
    /// branch); refuses a detached HEAD.
    pub fn branch(&self) -> Result<(String, Option<CommitId>)> {
        let head = self.repo.find_reference("HEAD")?;
        let Some(target) = head.symbolic_target()? else {
            return Err(Error::hinted(
                "HEAD is detached: funnel commits only to a branch",
                "switch to a branch first: git switch BRANCH (git switch -c NEW-BRANCH starts one here)",
            ));
        };
        let branch = target.to_string();
        let tip = match self.repo.refname_to_id(&branch) {
            Ok(id) => Some(CommitId(id)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        Ok((branch, tip))
    }

    /// The current tip of `branch`.
    pub fn branch_tip(&self, branch: &str) -> Result<Option<CommitId>> {
        match self.repo.refname_to_id(branch) {
            Ok(id) => Ok(Some(CommitId(id))),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` as a blob.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<BlobId> {
        Ok(BlobId(self.repo.blob(bytes)?))
    }

    /// The bytes of a blob.
    pub fn blob_bytes(&self, id: BlobId) -> Result<Vec<u8>> {
        Ok(self.repo.find_blob(id.0)?.content().to_vec())
    }

    /// The blob and mode at `path` (relative to the work tree) in the tree
    /// of `commit`.
    pub fn entry_at(&self, commit: Option<CommitId>, path: &Path) -> Result<Option<(BlobId, u32)>> {
        let Some(commit) = commit else {
            return Ok(None);
        };
        let tree = self.repo.find_commit(commit.0)?.tree()?;
        Ok(tree
            .get_path(path)
            .ok()
            .map(|e| (BlobId(e.id()), e.filemode() as u32)))
    }

    /// The tree of `base` with `changes` applied.
    pub fn tree_with(&self, base: Option<CommitId>, changes: &[TreeChange]) -> Result<TreeId> {
        let base = match base {
            Some(commit) => self.repo.find_commit(commit.0)?.tree()?,
            None => self.repo.find_tree(self.repo.treebuilder(None)?.write()?)?,
        };
        let mut update = git2::build::TreeUpdateBuilder::new();
        for change in changes {
            let path = git_path(&change.path);
            match change.blob {
                Some(blob) => {
                    let mode = if change.mode == u32::from(FileMode::BlobExecutable) {
                        FileMode::BlobExecutable
                    } else {
                        FileMode::Blob
                    };
                    update.upsert(path.as_str(), blob.0, mode);
                }
                None => {
                    if base.get_path(&change.path).is_ok() {
                        update.remove(path.as_str());
                    }
                }
            }
        }
        Ok(TreeId(update.create_updated(&self.repo, &base)?))
    }

    /// The tree of a commit.
    pub fn tree_of(&self, commit: Option<CommitId>) -> Result<Option<TreeId>> {
        commit
            .map(|c| Ok(TreeId(self.repo.find_commit(c.0)?.tree_id())))
            .transpose()
    }

    /// A commit object on top of `parent`; no reference moves.
    pub fn commit_object(
        &self,
        tree: TreeId,
        parent: Option<CommitId>,
        message: &str,
        author: &Signature<'_>,
    ) -> Result<CommitId> {
        let committer = self
            .repo
            .committer_from_env()
            .map_err(|_| super::no_identity())?;
        let tree = self.repo.find_tree(tree.0)?;
        let parents = parent
            .map(|p| self.repo.find_commit(p.0))
            .transpose()?
            .into_iter()
            .collect::<Vec<_>>();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        Ok(CommitId(self.repo.commit(
            None, author, &committer, message, &tree, &parents,
        )?))
    }

    /// The first parent of a commit and its tree.
    pub fn first_parent(&self, commit: CommitId) -> Result<Option<CommitId>> {
        Ok(self
            .repo
            .find_commit(commit.0)?
            .parent_id(0)
            .ok()
            .map(CommitId))
    }

    /// Points `branch` at `new` if it still points at `old` (compare and
    /// swap, under git's own lock of the reference).
    pub fn move_branch(
        &self,
        branch: &str,
        new: CommitId,
        old: Option<CommitId>,
        subject: &str,
    ) -> std::result::Result<(), BranchError> {
        let log = format!("commit: {subject}");
        let result = match old {
            Some(old) => self
                .repo
                .reference_matching(branch, new.0, true, old.0, &log)
                .map(drop),
            None => self.repo.reference(branch, new.0, false, &log).map(drop),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.code() == git2::ErrorCode::Locked => Err(BranchError::Locked(
                self.repo
                    .commondir()
                    .join(format!("{branch}.lock"))
                    .display()
                    .to_string(),
            )),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified | git2::ErrorCode::Exists
                ) || e.class() == git2::ErrorClass::Reference =>
            {
                match self.branch_tip(branch) {
                    Ok(tip) if tip != old => Err(BranchError::Moved),
                    _ => Err(BranchError::Other(e.message().to_string())),
                }
            }
            Err(e) => Err(BranchError::Other(e.message().to_string())),
        }
    }

    /// Where git keeps the index of this work tree.
    pub fn index_path(&self) -> PathBuf {
        self.repo.path().join("index")
    }

    /// The git dir of this work tree (`.git`, or `.git/worktrees/NAME`).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The git dir shared by all work trees of the repository.
    pub fn common_dir(&self) -> &Path {
        self.repo.commondir()
    }

    /// The index as it is now, at `scratch` (a path under the git dir),
    /// to make the next one from; git's index is not touched. `scratch`
    /// is a second name of the index file, not a copy: git writes an
    /// index to a new file it renames over the old name, which leaves the
    /// file the index's own name has as it was.
    pub fn next_index(&self, scratch: &Path) -> Result<NextIndex> {
        let current = self.index_path();
        remove_scratch(scratch);
        // On a file system without links, a copy.
        let linked = std::fs::hard_link(&current, scratch).or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Err(e),
            _ => std::fs::copy(&current, scratch).map(|_| ()),
        });
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&current, e)),
        }
        Ok(NextIndex {
            git_dir: self.git_dir().to_path_buf(),
            workdir: self.workdir.clone(),
            scratch: scratch.to_path_buf(),
        })
    }

    /// Writes an index holding exactly `tree` to `path` (for hooks, like
    /// the temporary index of `git commit --only`).
    pub fn write_tree_index(&self, tree: TreeId, path: &Path) -> Result<()> {
        remove_scratch(path);
        let mut index = Index::open(path)?;
        index.read_tree(&self.repo.find_tree(tree.0)?)?;
        index.write()?;
        Ok(())
    }

    /// The hook `name` when it exists and is executable, honouring
    /// `core.hooksPath` as git does (relative to the work tree's root).
    pub fn hook(&self, name: &str) -> Option<PathBuf> {
        let dir = match self
            .repo
            .config()
            .ok()
            .and_then(|c| c.get_path("core.hooksPath").ok())
        {
            Some(dir) if dir.is_relative() => self.workdir.join(dir),
            Some(dir) => dir,
            None => self.repo.commondir().join("hooks"),
        };
        let path = dir.join(name);
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if meta.permissions().mode() & 0o111 == 0 {
                return None;
            }
        }
        Some(path)
    }

    /// Runs a hook in the work tree's root, as git does; its output goes
    /// straight to the user. `Ok(Some(code))` when it failed.
    pub fn run_hook(
        &self,
        hook: &Path,
        args: &[&Path],
        index: Option<&Path>,
    ) -> Result<Option<i32>> {
        let mut command = Command::new(hook);
        command.args(args).current_dir(&self.workdir);
        command.env("GIT_DIR", self.repo.path());
        if let Some(index) = index {
            command.env("GIT_INDEX_FILE", index);
        }
        command.env_remove("GIT_EDITOR").env("GIT_EDITOR", ":");
        // A `funnel check` in the hook knows whose work in progress it sees.
        command.env("FUNNEL_WRITER", std::process::id().to_string());
        command.stdout(std::process::Stdio::inherit());
        let status = command.status().map_err(|e| {
            Error::hinted(
                format!("cannot run the hook {}: {e}", hook.display()),
                "fix the hook, or skip hooks with --no-verify",
            )
        })?;
        Ok((!status.success()).then(|| status.code().unwrap_or(-1)))
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn descends(&self, descendant: CommitId, ancestor: CommitId) -> bool {
        descendant == ancestor
            || self
                .repo
                .graph_descendant_of(descendant.0, ancestor.0)
                .unwrap_or(false)
    }
}

/// Removes a scratch index and the lock file git (or libgit2) writes it
/// through:
/// a command killed while writing it leaves that lock, and only funnel,
/// under its write lock, uses these files.
fn remove_scratch(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    let _ = std::fs::remove_file(PathBuf::from(lock));
}

/// git's index as it was under its lock, at a scratch path
/// ([`Repo::next_index`]): whether it holds conflicts, and the next index
/// made from it. Both are asked of the user's own git (`GIT_INDEX_FILE`
/// set to the scratch path): git reads an index without hashing it again
/// and writes it hashing it once, where libgit2 hashed every byte with its
/// collision-detecting SHA-1 on the way in and again on the way out, and
/// built a map of every entry (80 of a `set`'s 110 ms at 50,000 deals:
/// a 4.8 MB index; git takes ~25 ms for both).
pub struct NextIndex {
    git_dir: PathBuf,
    workdir: PathBuf,
    scratch: PathBuf,
}

impl NextIndex {
    /// Refuses, changing nothing, when the index holds unresolved
    /// conflicts.
    pub fn refuse_conflicts(&self) -> Result<()> {
        match self.git(&["ls-files", "--unmerged", "-z"], b"")?.is_empty() {
            true => Ok(()),
            false => Err(super::conflicts_error()),
        }
    }

    /// Writes into the file `to` (which keeps its inode) the index with
    /// the entries of `paths` (relative to the work tree) made to match the
    /// work tree: present files added with their stat data (so `git
    /// status` does not re-read them), missing ones removed; the scratch
    /// file is removed. The files' blobs are in the repository already (the
    /// commit has them): none is written.
    pub fn write_into(self, paths: &[PathBuf], to: &Path) -> Result<()> {
        let mut listed = Vec::new();
        for path in paths {
            let full = self.workdir.join(path);
            match std::fs::symlink_metadata(&full) {
                Ok(meta) if !meta.is_file() => {
                    return Err(Error::data(format!(
                        "{} is not a regular file",
                        full.display()
                    )));
                }
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(full, e));
                }
                _ => {}
            }
            listed.extend_from_slice(git_path(path).as_bytes());
            listed.push(0);
        }
        let args = ["update-index", "--add", "--remove", "--info-only", "-z"];
        self.git(&[&args[..], &["--stdin"]].concat(), &listed)?;
        let scratch = self.scratch.as_path();
        let mut from = std::fs::File::open(scratch).map_err(|e| Error::io(scratch, e))?;
        // Copied by the kernel (`copy_file_range`), not through a buffer.
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(to)
            .and_then(|mut to| std::io::copy(&mut from, &mut to))
            .map_err(|e| Error::io(to, e))?;
        let _ = std::fs::remove_file(scratch);
        Ok(())
    }

    /// `git ARGS` on the scratch index of this repository (whatever
    /// `GIT_DIR` the environment names) with `input` on its standard
    /// input: what it printed, or an error with what git said.
    fn git(&self, args: &[&str], input: &[u8]) -> Result<String> {
        let mut command = Command::new("git");
        command
            .current_dir(&self.workdir)
            .env("GIT_DIR", &self.git_dir)
            .env("GIT_WORK_TREE", &self.workdir)
            .env("GIT_INDEX_FILE", &self.scratch)
            .args(args);
        let run = super::command::run_git(&mut command, Some(input))?;
        if !run.success {
            return Err(Error::hinted(
                format!(
                    "`git {}` failed on a copy of the index: {}",
                    args.join(" "),
                    run.stderr.trim()
                ),
                "run `git status` to see what git says of the index, then run funnel again",
            ));
        }
        Ok(run.stdout)
    }
}
