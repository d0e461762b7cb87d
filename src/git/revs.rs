//! Revisions as git takes them (`main`, `HEAD~3`, `A..B`, `A...B`, `^A`),
//! with errors that say what is wrong in a user's terms: a revision past
//! the edge of a shallow clone, one further back than the history goes, a
//! name that is no branch, tag or commit. And the files of a pipeline at a
//! revision, for comparing two states of it.

use std::path::{Path, PathBuf};

use super::{BlobId, CommitId, Repo, git_path};
use crate::error::{Error, Result};

/// What a range of commits is: the commits reachable from `include` but
/// from none of `exclude` (git's `A..B` is include B, exclude A).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    pub include: Vec<CommitId>,
    pub exclude: Vec<CommitId>,
}

/// The two ends `diff` compares, as git's `diff` reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ends {
    pub from: CommitId,
    /// `None`: the work tree.
    pub to: Option<CommitId>,
}

impl Repo {
    /// The commit `rev` names, or an error that says why there is none.
    pub fn resolve(&self, rev: &str) -> Result<CommitId> {
        match self
            .repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
        {
            Ok(commit) => Ok(CommitId(commit.id())),
            Err(_) => Err(self.revision_error(rev)),
        }
    }

    /// Why `rev` names no commit, in the user's terms.
    fn revision_error(&self, rev: &str) -> Error {
        let shallow = self.repo.is_shallow();
        let base_len = rev.find(['~', '^']).unwrap_or(rev.len());
        let base = &rev[..base_len];
        let walks_back = base_len < rev.len() && !base.is_empty();
        if walks_back && self.repo.revparse_single(base).is_ok() {
            let depth = self.first_parent_depth(base);
            if shallow {
                return Error::hinted(
                    format!(
                        "`{rev}` is past the edge of this shallow clone: {base} has {depth} commit(s) here, the older ones were not fetched"
                    ),
                    "`git fetch --unshallow` fetches the whole history (or `git fetch --deepen=N` N more commits)",
                );
            }
            return Error::hinted(
                format!(
                    "`{rev}` goes back further than the history: {base} has {depth} commit(s) on its first-parent line"
                ),
                "`git log --oneline` lists the commits",
            );
        }
        if shallow {
            return Error::hinted(
                format!(
                    "no revision `{rev}` in this repository, which is a shallow clone: it may be older than its edge"
                ),
                "`git fetch --unshallow` fetches the whole history; `git branch -a` lists the branches",
            );
        }
        Error::hinted(
            format!("no revision `{rev}` in this repository"),
            "give a branch, tag or commit: `git branch -a` lists the branches (`git fetch` brings a remote's)",
        )
    }

    /// How many commits `rev`'s first-parent line has, itself included.
    fn first_parent_depth(&self, rev: &str) -> usize {
        let Ok(mut walk) = self.repo.revwalk() else {
            return 0;
        };
        let pushed = self
            .repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .and_then(|c| walk.push(c.id()));
        if pushed.is_err() || walk.simplify_first_parent().is_err() {
            return 0;
        }
        walk.count()
    }

    /// The best common ancestor of two commits (`A...B`'s base).
    pub fn merge_base(&self, a: CommitId, b: CommitId) -> Result<CommitId> {
        self.repo.merge_base(a.0, b.0).map(CommitId).map_err(|_| {
            let more = if self.repo.is_shallow() {
                " (this shallow clone may lack it: `git fetch --unshallow` fetches the rest)"
            } else {
                ""
            };
            Error::hinted(
                format!(
                    "{} and {} have no common ancestor{more}",
                    short(a),
                    short(b)
                ),
                "compare them with `funnel diff A..B` instead",
            )
        })
    }

    /// The commits `revs` name, as `git log` reads them: `A..B`, `A...B`
    /// (the commits on either side but not both), `^A` (exclude), `A`;
    /// none means HEAD.
    pub fn range(&self, revs: &[String]) -> Result<Range> {
        let mut range = Range::default();
        if revs.is_empty() {
            range.include.push(self.resolve("HEAD")?);
        }
        for spec in revs {
            if let Some((a, b)) = spec.split_once("...") {
                let a = self.resolve(or_head(a))?;
                let b = self.resolve(or_head(b))?;
                range.exclude.push(self.merge_base(a, b)?);
                range.include.extend([a, b]);
            } else if let Some((a, b)) = spec.split_once("..") {
                range.exclude.push(self.resolve(or_head(a))?);
                range.include.push(self.resolve(or_head(b))?);
            } else if let Some(a) = spec.strip_prefix('^') {
                range.exclude.push(self.resolve(a)?);
            } else {
                range.include.push(self.resolve(spec)?);
            }
        }
        Ok(range)
    }

    /// What `funnel diff SPEC` compares, as `git diff` reads SPEC: `A..B`
    /// (A with B), `A...B` (their merge base with B: what B's branch
    /// brings), one revision (it with the work tree); an end left out is
    /// HEAD.
    pub fn diff_ends(&self, spec: &str) -> Result<Ends> {
        if let Some((a, b)) = spec.split_once("...") {
            let a = self.resolve(or_head(a))?;
            let b = self.resolve(or_head(b))?;
            return Ok(Ends {
                from: self.merge_base(a, b)?,
                to: Some(b),
            });
        }
        if let Some((a, b)) = spec.split_once("..") {
            return Ok(Ends {
                from: self.resolve(or_head(a))?,
                to: Some(self.resolve(or_head(b))?),
            });
        }
        Ok(Ends {
            from: self.resolve(spec)?,
            to: None,
        })
    }

    /// Whether the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// The files of the pipeline at `commit` (paths relative to the
    /// pipeline root): `funnel.toml` and each stage folder's, links left
    /// out, with their blob ids.
    pub fn pipeline_blobs_at(
        &self,
        commit: CommitId,
        stages: &[&str],
    ) -> Result<Vec<(PathBuf, BlobId)>> {
        let tree = self.repo.find_commit(commit.0)?.tree()?;
        let mut files: Vec<(PathBuf, BlobId)> = Vec::new();
        let mut add = |path: PathBuf, entry: &git2::TreeEntry<'_>| {
            if entry.kind() == Some(git2::ObjectType::Blob) && entry.filemode() != 0o120000 {
                files.push((path, BlobId(entry.id())));
            }
        };
        if let Ok(config) = tree.get_path(&self.prefix.join("funnel.toml")) {
            add(PathBuf::from("funnel.toml"), &config);
        }
        for stage in stages {
            let Ok(folder) = tree.get_path(&self.prefix.join(stage)) else {
                continue;
            };
            let Ok(folder) = self.repo.find_tree(folder.id()) else {
                continue;
            };
            for entry in folder.iter() {
                let Ok(name) = entry.name() else { continue };
                add(Path::new(stage).join(name), &entry);
            }
        }
        Ok(files)
    }

    /// The bytes of `blobs`, read together through the pack reader (on
    /// every core, through its delta cache: libgit2 reads and checks one
    /// blob at a time); what it cannot read (a missing object) fails
    /// through libgit2.
    pub fn blobs(&self, blobs: &[BlobId]) -> Result<Vec<Vec<u8>>> {
        let read = super::history::blob_bytes(self, blobs);
        (blobs.iter().zip(read))
            .map(|(blob, bytes)| match bytes {
                Some(bytes) => Ok(bytes),
                None => Ok(self.repo.find_blob(blob.0)?.content().to_vec()),
            })
            .collect()
    }

    /// The config file `funnel.toml` at `commit`, when it has one.
    pub fn config_at(&self, commit: CommitId) -> Option<String> {
        let tree = self.repo.find_commit(commit.0).ok()?.tree().ok()?;
        let entry = tree.get_path(&self.prefix.join("funnel.toml")).ok()?;
        let blob = self.repo.find_blob(entry.id()).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// The path of the pipeline root's `rel` in git's terms (with `/`).
    pub fn git_path_of(&self, rel: &Path) -> String {
        git_path(&self.prefix.join(rel))
    }

    /// The path git names `path` (from the work tree's root) relative to
    /// the pipeline root, with `/`, when it is under it: the other way
    /// from [`Repo::git_path_of`].
    pub fn root_path_of(&self, path: &str) -> Option<String> {
        Some(git_path(Path::new(path).strip_prefix(&self.prefix).ok()?))
    }
}

/// An end of a range left out is HEAD, as in git.
fn or_head(rev: &str) -> &str {
    if rev.is_empty() { "HEAD" } else { rev }
}

fn short(id: CommitId) -> String {
    id.to_string()[..7].to_string()
}

impl CommitId {
    /// The id's first seven hex digits, as git shows it.
    pub fn short(&self) -> String {
        short(*self)
    }
}
