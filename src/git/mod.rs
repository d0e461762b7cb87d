//! The one module that talks to git.
//!
//! Writing: each mutating command becomes one commit built from HEAD's tree
//! plus exactly the paths it touched (`TreeUpdateBuilder`), and then only
//! those index entries are updated, so a user's unrelated staged or unstaged
//! work is never swept in. Reading the history lives in `history`.

pub mod command;
pub mod history;
mod pack;
pub mod revs;
pub mod series;
pub mod trailers;
mod tree_names;
pub mod write;

use std::path::{Path, PathBuf};

use git2::{FileMode, ObjectType, Oid, Repository, RepositoryState, Signature, Time};
use jiff::Timestamp;

use crate::error::{Error, Result};

/// An object id of one kind, so that no git2 type shows outside `git/`.
macro_rules! object_id {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(in crate::git) Oid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;

            /// From 40 hex digits.
            fn from_str(hex: &str) -> Result<$name> {
                Oid::from_str(hex).map($name).map_err(|e| {
                    Error::data(format!("`{hex}` is not an object id: {}", e.message()))
                })
            }
        }

        impl $name {
            /// The id's 20 bytes.
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }

            /// From 20 bytes.
            pub fn from_bytes(bytes: &[u8]) -> Option<$name> {
                Oid::from_bytes(bytes).ok().map($name)
            }
        }
    };
}

object_id!(CommitId, "A commit's id.");
object_id!(BlobId, "A blob's id: one version of a file's content.");
object_id!(TreeId, "A tree's id: a folder as committed.");

impl BlobId {
    /// The id `bytes` have as a blob (nothing is written).
    pub fn of(bytes: &[u8]) -> BlobId {
        BlobId(Oid::hash_object(git2::ObjectType::Blob, bytes).unwrap_or(Oid::ZERO_SHA1))
    }
}

/// libgit2's errors become the library's here, so that no git2 type shows
/// outside `git/`.
impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::Git(e.message().to_string())
    }
}

/// The repository that holds a pipeline, and where in it the pipeline is.
pub struct Repo {
    pub(in crate::git) repo: Repository,
    /// The work tree's root.
    pub workdir: PathBuf,
    /// The pipeline root relative to `workdir` (empty at the top).
    pub prefix: PathBuf,
}

impl Repo {
    /// The repository that holds `root`, or `None` when it is in none.
    pub fn open(root: &Path) -> Result<Option<Repo>> {
        let repo = match Repository::discover(root) {
            Ok(repo) => repo,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Repo::from_repository(repo, root).map(Some)
    }

    /// The repository that holds `root`, refusing when there is none.
    pub fn open_required(root: &Path) -> Result<Repo> {
        Repo::open(root)?.ok_or_else(|| {
            Error::hinted(
                format!(
                    "{} is not in a git repository: funnel commits every change",
                    root.display()
                ),
                format!(
                    "run `git init` in {} (or `funnel init`) first",
                    root.display()
                ),
            )
        })
    }

    /// `git init` in `dir`, on the branch `git config init.defaultBranch`
    /// names, else `main` (git's own default is still `master`, which
    /// leaves a pipeline's branch different from the team's remote).
    pub fn init(dir: &Path) -> Result<Repo> {
        let branch = git2::Config::open_default()
            .ok()
            .and_then(|c| c.get_string("init.defaultBranch").ok())
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| "main".to_string());
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head(&branch);
        let repo = Repository::init_opts(dir, &options)?;
        Repo::from_repository(repo, dir)
    }

    fn from_repository(repo: Repository, root: &Path) -> Result<Repo> {
        let workdir = repo
            .workdir()
            .ok_or_else(|| Error::data("the repository is bare: funnel needs a work tree"))?;
        let workdir = std::fs::canonicalize(workdir).map_err(|e| Error::io(workdir, e))?;
        let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
        let prefix = root
            .strip_prefix(&workdir)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        Ok(Repo {
            repo,
            workdir,
            prefix,
        })
    }

    /// Refuses, changing nothing, while a merge, rebase, cherry-pick,
    /// revert, bisect or `git am` is in progress. (A commit refuses an
    /// index with conflicts itself, reading it once under git's index
    /// lock: [`Repo::next_index`].)
    pub fn ensure_no_operation(&self) -> Result<()> {
        let state = match self.repo.state() {
            RepositoryState::Clean => None,
            RepositoryState::Merge => Some("a merge is in progress"),
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => Some("a rebase is in progress"),
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                Some("a cherry-pick is in progress")
            }
            RepositoryState::Revert | RepositoryState::RevertSequence => {
                Some("a revert is in progress")
            }
            RepositoryState::Bisect => Some("a bisect is in progress"),
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => {
                Some("`git am` is in progress")
            }
        };
        if let Some(state) = state {
            return Err(Error::hinted(
                format!("{state}: funnel changes nothing until it is finished"),
                "finish it (resolve, `git add`, `git commit` or `git rebase --continue`) or abort it, then run the command again",
            ));
        }
        Ok(())
    }

    /// Refuses, changing nothing, while the index holds unresolved
    /// conflicts: for a command with long work before its commit.
    pub fn refuse_conflicts(&self) -> Result<()> {
        match self.repo.index()?.has_conflicts() {
            true => Err(conflicts_error()),
            false => Ok(()),
        }
    }

    /// The author for a new commit: git config (or GIT_AUTHOR_* like git),
    /// dated `at` when given.
    pub fn author(&self, at: Option<Timestamp>) -> Result<Signature<'static>> {
        let author = self.repo.author_from_env().map_err(|_| no_identity())?;
        match at {
            Some(at) => {
                let offset = author.when().offset_minutes();
                Ok(Signature::new(
                    author.name().unwrap_or(""),
                    author.email().unwrap_or(""),
                    &Time::new(at.as_second(), offset),
                )?)
            }
            None => Ok(author),
        }
    }

    /// A string from git config (`core.editor`, `funnel.owner` ...).
    pub fn config_value(&self, key: &str) -> Option<String> {
        self.repo.config().ok()?.get_string(key).ok()
    }

    /// The current user's owner name: `git config funnel.owner`, else the
    /// local part of `user.email` as the mailmap gives it.
    pub fn owner_name(&self) -> Option<String> {
        self.config_value("funnel.owner").or_else(|| {
            let name = self.config_value("user.name").unwrap_or_default();
            let email = self.config_value("user.email")?;
            owner_from_email(&self.mailmap().resolve(&name, &email).1)
        })
    }

    /// The repository's mailmap (`.mailmap` in the work tree, or
    /// `mailmap.file` and `mailmap.blob`); empty when there is none.
    pub fn mailmap(&self) -> Mailmap {
        Mailmap(self.repo.mailmap().ok())
    }

    /// The tracked paths `STAGE/ID.toml` (relative to the pipeline root) of a
    /// deal in HEAD, in any of `stages`: where git last saw the deal. Big
    /// stage folders are looked into through the hashes of their names
    /// ([`tree_names`]), not read whole.
    pub fn committed_paths(&self, stages: &[&str], id: &str) -> Result<Vec<PathBuf>> {
        let Ok(head) = self.repo.head().and_then(|h| h.peel_to_tree()) else {
            return Ok(Vec::new());
        };
        let root = match self.prefix.as_os_str().is_empty() {
            true => head,
            false => {
                let folder = (head.get_path(&self.prefix))
                    .and_then(|e| e.to_object(&self.repo))
                    .and_then(|object| object.peel_to_tree());
                match folder {
                    Ok(tree) => tree,
                    Err(_) => return Ok(Vec::new()),
                }
            }
        };
        let name = format!("{id}.toml");
        let mut names = tree_names::TreeNames::open(self.repo.path().join("funnel"));
        let mut found = Vec::new();
        for stage in stages {
            let folder = root
                .get_name(stage)
                .filter(|e| e.kind() == Some(ObjectType::Tree));
            if let Some(folder) = folder
                && names.contains(&self.repo, folder.id(), &name)?
            {
                found.push(Path::new(stage).join(&name));
            }
        }
        names.save();
        Ok(found)
    }
}

/// Who is who (SPEC 10): the names and emails people commit under mapped
/// to the ones they use, as `git log --use-mailmap` does.
pub struct Mailmap(Option<git2::Mailmap>);

impl Mailmap {
    /// The (name, email) the mailmap gives for a commit's author; as they
    /// are when it has no entry for them.
    pub fn resolve(&self, name: &str, email: &str) -> (String, String) {
        let resolved = self.0.as_ref().and_then(|map| {
            // libgit2 wants a name: a blank one is matched by email alone.
            let signature = Signature::now(if name.is_empty() { " " } else { name }, email).ok()?;
            let found = map.resolve_signature(&signature).ok()?;
            Some((
                found.name().unwrap_or(name).trim().to_string(),
                found.email().unwrap_or(email).to_string(),
            ))
        });
        resolved.unwrap_or_else(|| (name.to_string(), email.to_string()))
    }

    /// The owner name of a commit's author: the local part of the email
    /// the mailmap gives, else the name.
    pub fn owner(&self, name: &str, email: &str) -> String {
        let (name, email) = self.resolve(name, email);
        owner_from_email(&email).unwrap_or(name)
    }
}

/// The owner name in an email address: its local part.
pub fn owner_from_email(email: &str) -> Option<String> {
    let local = email.split('@').next()?.trim().to_ascii_lowercase();
    (!local.is_empty()).then_some(local)
}

/// Why a write refuses while the index holds conflicts.
fn conflicts_error() -> Error {
    Error::hinted(
        "the index holds unresolved conflicts: funnel changes nothing until they are resolved",
        "edit the conflicted files, `git add` them and commit; `funnel check` shows conflict markers",
    )
}

fn git_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn no_identity() -> Error {
    Error::hinted(
        "git does not know who you are: no user.name and user.email",
        "run `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`",
    )
}

/// Writing whole histories at once (for `demo`): commits built from a full
/// list of files, not from the work tree.
impl Repo {
    /// A commit whose tree holds exactly `files` (paths relative to the
    /// pipeline root), with the given parents; no reference is moved.
    pub fn commit_files(
        &self,
        files: &std::collections::BTreeMap<String, String>,
        parents: &[CommitId],
        author: (&str, &str),
        at: Timestamp,
        message: &str,
    ) -> Result<CommitId> {
        let mut root = Folder::default();
        for (path, text) in files {
            let full = git_path(&self.prefix.join(path));
            root.insert(&full, self.repo.blob(text.as_bytes())?);
        }
        let tree = self.repo.find_tree(root.write(&self.repo)?)?;
        let time = Time::new(at.as_second(), 0);
        let signature = Signature::new(author.0, author.1, &time)?;
        let parents = parents
            .iter()
            .map(|p| self.repo.find_commit(p.0))
            .collect::<Result<Vec<_>, _>>()?;
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        Ok(CommitId(self.repo.commit(
            None, &signature, &signature, message, &tree, &parents,
        )?))
    }

    /// Points `branch` at `tip`, makes it HEAD and checks it out.
    pub fn check_out_branch(&self, branch: &str, tip: CommitId) -> Result<()> {
        let commit = self.repo.find_commit(tip.0)?;
        self.repo.branch(branch, &commit, true)?;
        self.repo.set_head(&format!("refs/heads/{branch}"))?;
        self.repo
            .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
        Ok(())
    }

    /// Points `branch` at `tip` without checking it out.
    pub fn set_branch(&self, branch: &str, tip: CommitId) -> Result<()> {
        self.repo
            .branch(branch, &self.repo.find_commit(tip.0)?, true)?;
        Ok(())
    }
}

/// A folder of a tree being built.
#[derive(Default)]
struct Folder {
    files: std::collections::BTreeMap<String, Oid>,
    folders: std::collections::BTreeMap<String, Folder>,
}

impl Folder {
    fn insert(&mut self, path: &str, blob: Oid) {
        match path.split_once('/') {
            Some((dir, rest)) => self
                .folders
                .entry(dir.to_string())
                .or_default()
                .insert(rest, blob),
            None => {
                self.files.insert(path.to_string(), blob);
            }
        }
    }

    fn write(&self, repo: &Repository) -> Result<Oid> {
        let mut builder = repo.treebuilder(None)?;
        for (name, blob) in &self.files {
            builder.insert(name, *blob, i32::from(FileMode::Blob))?;
        }
        for (name, folder) in &self.folders {
            builder.insert(name, folder.write(repo)?, i32::from(FileMode::Tree))?;
        }
        Ok(builder.write()?)
    }
}

/// A commit, as `log` shows it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: CommitId,
    pub summary: String,
    pub message: String,
    /// The author's name and email, as the mailmap gives them.
    pub author_name: String,
    pub author_email: String,
    /// The author's owner name ([`Mailmap::owner`]).
    pub owner: String,
    /// The author time.
    pub at: Timestamp,
    pub parents: usize,
}

/// A deal file that one commit added, removed or changed (against its
/// first parent), paired by ID: a move has both stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealChange {
    pub id: String,
    pub from: Option<(String, BlobId)>,
    pub to: Option<(String, BlobId)>,
}

/// Reading commits and files for `log`, `diff` and `show`.
impl Repo {
    /// The text of a blob (a committed version of a file).
    pub fn blob_text(&self, id: BlobId) -> Result<String> {
        let blob = self.repo.find_blob(id.0)?;
        Ok(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// Walks the commits of `range` (see [`Repo::range`]), newest first
    /// by commit time, handing each to `each` until it returns
    /// `false`: a walk stopped early reads no more commits.
    pub fn walk_commits(
        &self,
        range: &revs::Range,
        each: &mut dyn FnMut(CommitInfo) -> Result<bool>,
    ) -> Result<()> {
        let mut walk = self.repo.revwalk()?;
        // Newest first by commit time, as `git log` orders: this order
        // streams, so `-n 20` reads 20-odd commits. (A topological order
        // would read every commit before the first is given.)
        walk.set_sorting(git2::Sort::NONE)?;
        for id in &range.include {
            walk.push(id.0)?;
        }
        for id in &range.exclude {
            walk.hide(id.0)?;
        }
        let mailmap = self.mailmap();
        for id in walk {
            let commit = self.repo.find_commit(id?)?;
            let author = commit.author();
            let (name, email) = (author.name().unwrap_or(""), author.email().unwrap_or(""));
            let (author_name, author_email) = mailmap.resolve(name, email);
            let info = CommitInfo {
                id: CommitId(commit.id()),
                summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                    .into_owned(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
                owner: mailmap.owner(name, email),
                author_name,
                author_email,
                at: Timestamp::from_second(author.when().seconds()).unwrap_or_default(),
                parents: commit.parent_count(),
            };
            if !each(info)? {
                break;
            }
        }
        Ok(())
    }

    /// The deal files `commit` changed against its first parent, read as
    /// the history reads them (`log` keeps one reader for its whole walk).
    pub fn deal_changes(&self, commit: CommitId, stages: &[&str]) -> Result<Vec<DealChange>> {
        history::with_tree_reader(self, stages, |trees| trees.commit_changes(commit))
    }

    /// The deal files that differ between two revisions (`diff A..B`).
    pub fn deal_changes_between(
        &self,
        from: CommitId,
        to: CommitId,
        stages: &[&str],
    ) -> Result<Vec<DealChange>> {
        let old = self.repo.find_commit(from.0)?.tree()?;
        let new = self.repo.find_commit(to.0)?.tree()?;
        self.tree_changes(Some(&old), &new, stages)
    }

    /// The deal files that differ between revision `from` and the work
    /// tree (`diff REV`), with the texts of the changed work-tree files by
    /// the blob id they would have (nothing is written to the repository).
    /// `known(stage, id)` is the blob id of a file already read (a deal of
    /// the work tree's snapshot, through the deal cache): only the other
    /// files, and the changed ones' texts, are read here.
    pub fn deal_changes_to_worktree(
        &self,
        from: CommitId,
        stages: &[&str],
        known: &(dyn Fn(&str, &str) -> Option<BlobId> + Sync),
    ) -> Result<(Vec<DealChange>, std::collections::HashMap<BlobId, String>)> {
        let tree = self.repo.find_commit(from.0)?.tree()?;
        let mut changes: std::collections::BTreeMap<String, DealChange> = Default::default();
        for stage in stages {
            let Ok(folder) = tree.get_path(&self.prefix.join(stage)) else {
                continue;
            };
            let Ok(folder) = folder.to_object(&self.repo).and_then(|o| o.peel_to_tree()) else {
                continue;
            };
            for file in folder.iter() {
                let Some(id) = file.name().ok().and_then(|n| n.strip_suffix(".toml")) else {
                    continue;
                };
                if file.kind() == Some(git2::ObjectType::Blob) {
                    entry(&mut changes, id).from = Some((stage.to_string(), BlobId(file.id())));
                }
            }
        }
        let root = self.workdir.join(&self.prefix);
        let mut files: Vec<(&str, String, PathBuf)> = Vec::new();
        for stage in stages {
            let Ok(listed) = std::fs::read_dir(root.join(stage)) else {
                continue;
            };
            for file in listed.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let Some(id) = name.strip_suffix(".toml") else {
                    continue;
                };
                // Links are never followed; hidden files are not deals.
                if name.starts_with('.') || !file.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                files.push((stage, id.to_string(), file.path()));
            }
        }
        // The files not known read and hashed on every core.
        let split = crate::parallel::Split {
            threads: 8,
            min_chunk: 256,
        };
        let read =
            crate::parallel::map(&files, split, |(stage, id, path)| match known(stage, id) {
                Some(blob) => Ok((blob, None)),
                None => std::fs::read(path)
                    .map(|bytes| (BlobId::of(&bytes), Some(bytes)))
                    .map_err(|e| Error::io(path, e)),
            });
        let mut texts = std::collections::HashMap::new();
        for ((stage, id, path), read) in files.iter().zip(read) {
            let (blob, bytes) = read?;
            let change = entry(&mut changes, id);
            change.to = Some((stage.to_string(), blob));
            if change.from == change.to {
                continue;
            }
            // A changed file's text, read now when it was known.
            let (blob, bytes) = match bytes {
                Some(bytes) => (blob, bytes),
                None => {
                    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                    (BlobId::of(&bytes), bytes)
                }
            };
            change.to = Some((stage.to_string(), blob));
            texts.insert(blob, String::from_utf8_lossy(&bytes).into_owned());
        }
        let changes = changes.into_values().filter(|c| c.from != c.to).collect();
        Ok((changes, texts))
    }

    fn tree_changes(
        &self,
        old: Option<&git2::Tree<'_>>,
        new: &git2::Tree<'_>,
        stages: &[&str],
    ) -> Result<Vec<DealChange>> {
        // Half of a tree diff's time was libgit2 re-hashing each tree it
        // read; see the function for why turning that off is safe.
        history::read_without_hash_check();
        let mut changes: Vec<DealChange> = Vec::new();
        // Where each ID's change is: a commit that touches many files stays
        // linear in them.
        let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        // Stage folder by stage folder: a folder whose tree id is the same
        // on both sides is skipped without reading it (most commits change
        // one or two), and no path is matched against a pathspec.
        for stage in stages {
            let folder = self.prefix.join(stage);
            let subtree = |tree: &git2::Tree<'_>| -> Result<Option<git2::Tree<'_>>> {
                match tree.get_path(&folder) {
                    Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                        Ok(Some(self.repo.find_tree(entry.id())?))
                    }
                    _ => Ok(None),
                }
            };
            let before = old.map(subtree).transpose()?.flatten();
            let after = subtree(new)?;
            if before.as_ref().map(git2::Tree::id) == after.as_ref().map(git2::Tree::id) {
                continue;
            }
            let diff = self
                .repo
                .diff_tree_to_tree(before.as_ref(), after.as_ref(), None)?;
            for delta in diff.deltas() {
                for (file, is_new) in [(delta.old_file(), false), (delta.new_file(), true)] {
                    if file.id().is_zero() {
                        continue;
                    }
                    // Only files right in the folder are deals.
                    let Some(id) = file
                        .path()
                        .and_then(|p| p.to_str())
                        .filter(|name| !name.contains('/'))
                        .and_then(|name| name.strip_suffix(".toml"))
                    else {
                        continue;
                    };
                    let side = Some((stage.to_string(), BlobId(file.id())));
                    let index = *at.entry(id.to_string()).or_insert_with(|| {
                        changes.push(DealChange {
                            id: id.to_string(),
                            from: None,
                            to: None,
                        });
                        changes.len() - 1
                    });
                    if is_new {
                        changes[index].to = side;
                    } else {
                        changes[index].from = side;
                    }
                }
            }
        }
        changes.retain(|c| c.from != c.to);
        changes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(changes)
    }
}

/// The change of deal `id` in `changes`, made when missing.
fn entry<'c>(
    changes: &'c mut std::collections::BTreeMap<String, DealChange>,
    id: &str,
) -> &'c mut DealChange {
    changes.entry(id.to_string()).or_insert_with(|| DealChange {
        id: id.to_string(),
        from: None,
        to: None,
    })
}

/// Uncommitted changes, for status-like notes.
impl Repo {
    /// The deal files under `paths` (stage folders, or files in them)
    /// whose index entry or work-tree file differs from HEAD, sorted by
    /// path (relative to the pipeline root), as the user's own git tells
    /// them (`git status`: its untracked cache, `core.fileMode`, filters
    /// and fsmonitor apply). libgit2's
    /// status did the same work three times slower (its own walk and stat
    /// of every file, the whole index hashed, HEAD's trees inflated):
    /// 150 ms at 20,000 deals for `board` on a work tree with one file
    /// changed.
    pub fn deal_status(&self, paths: &[&str]) -> Result<Vec<PathStatus>> {
        let status = self.status_command(paths.iter().copied(), "all").run()?;
        Ok(self.parse_status(&status))
    }

    /// `git status` of `paths` (relative to the pipeline root), untracked
    /// files listed as `untracked` says (`all` or `no`).
    fn status_command<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p str>,
        untracked: &str,
    ) -> command::ReadCommand {
        let untracked = format!("--untracked-files={untracked}");
        let status = ["status", "--porcelain=v1", "-z", &untracked, "--no-renames"];
        let args: Vec<&str> = status
            .into_iter()
            .chain(["--ignore-submodules=all"])
            .collect();
        self.paths_command(&args, paths)
    }

    /// `git ARGS -- PATHS` for a read ([`Repo::read_command`]), each path
    /// (relative to the pipeline root) as git names it, taken literally.
    fn paths_command<'p>(
        &self,
        args: &[&str],
        paths: impl IntoIterator<Item = &'p str>,
    ) -> command::ReadCommand {
        let paths: Vec<String> = (paths.into_iter())
            .map(|path| self.git_path_of(Path::new(path)))
            .collect();
        let mut all = vec!["--literal-pathspecs"];
        all.extend(args);
        all.push("--");
        all.extend(paths.iter().map(String::as_str));
        self.read_command(&all)
    }

    /// The deal files `git status --porcelain=v1 -z` names, sorted by path.
    fn parse_status(&self, status: &str) -> Vec<PathStatus> {
        let out: Vec<PathStatus> = (status.split('\0'))
            .filter_map(|line| {
                let (code, path) = line.split_at_checked(3)?;
                let mut code = code.chars();
                let (x, y) = (code.next()?, code.next()?);
                if !path.ends_with(".toml") {
                    return None;
                }
                let path = self.root_path_of(path)?;
                let untracked = x == '?';
                // A conflict is a change (neither staged, added nor gone).
                let conflict = x == 'U' || y == 'U' || (x == y && "AD".contains(x));
                // ` A`: added with `git add --intent-to-add`, its content
                // not staged.
                let intent = x == ' ' && y == 'A';
                Some(PathStatus {
                    path,
                    staged: !untracked && !conflict && "MADRCT".contains(x),
                    unstaged: conflict || intent || "MDT".contains(y),
                    untracked,
                    deleted: !conflict && (x == 'D' || y == 'D'),
                    added: !conflict && (x == 'A' || intent),
                    conflicted: conflict,
                })
            })
            .collect();
        merged(out)
    }

    /// [`Repo::deal_status`] of the paths in stage folders that `files`
    /// says differ from HEAD, for an index known to hold HEAD's deal files
    /// and no conflict: what funnel knows of each decides what git is
    /// asked. A deal file edited in place is hashed as git would add it
    /// (`git hash-object`, its filters and line endings applied): a blob
    /// other than HEAD's, which is the index's, is a change; a deal's file
    /// gone from its path is gone from the work tree alone; a new file
    /// (not in the index) is untracked unless git's ignore patterns say
    /// otherwise (`git check-ignore --no-index`, no index read: ~14 ms
    /// less than listing the untracked files at 50,000 deals). A file
    /// moved by hand and the paths set aside as problems are looked for
    /// among the untracked files (`git ls-files --others`). All at once;
    /// git's status, without its search for untracked files, is asked
    /// only about what is left (a problem's path, which may hold tracked
    /// files; a committed path that holds no deal now; a moved file git
    /// tracks or ignores; a file whose blob is HEAD's once git's filters
    /// ran, which git's status calls changed when its size is not the one
    /// the index recorded; in a sparse checkout, every committed file, as
    /// the index holds files git keeps out of the work tree). Its
    /// comparison of HEAD's trees with the index is most of a status even
    /// of two files (20 ms at 20,000 deals).
    /// (`git diff` would do without it, but it rewrites the index whenever
    /// a file's stat data alone changed, whatever `--no-optional-locks`
    /// says: a read must not.)
    pub fn worktree_status(&self, files: &[Changed]) -> Result<Vec<PathStatus>> {
        let git_path = |path: &str| self.git_path_of(Path::new(path));
        // In a sparse checkout the index holds files git keeps out of the
        // work tree (none of them gone, whatever is on disk): git's status
        // says how the committed files differ.
        let sparse = (self.repo.config().ok())
            .and_then(|config| config.get_bool("core.sparseCheckout").ok())
            .unwrap_or(false);
        let edited: Vec<(&str, BlobId)> = (files.iter())
            .filter_map(|f| match f.differs {
                Differs::Edited(blob) if !sparse => Some((f.path.as_str(), blob)),
                _ => None,
            })
            .collect();
        let new: Vec<&str> = (files.iter())
            .filter(|f| f.differs == Differs::New)
            .map(|f| f.path.as_str())
            .collect();
        let looked_for: Vec<&Changed> = (files.iter())
            .filter(|f| matches!(f.differs, Differs::Moved | Differs::Other))
            .collect();
        let hashes = (!edited.is_empty())
            .then(|| self.paths_command(&["hash-object"], edited.iter().map(|(path, _)| *path)));
        // Nothing that may be untracked: no folder is listed.
        let untracked = (!looked_for.is_empty()).then(|| {
            let others = [
                "ls-files",
                "-z",
                "--full-name",
                "--others",
                "--exclude-standard",
            ];
            self.paths_command(&others, looked_for.iter().map(|f| f.path.as_str()))
        });
        // Of the new files, the ignored ones: by the patterns alone (the
        // index need not be read: they are not in it).
        let ignored = (!new.is_empty()).then(|| {
            let mut command = self.read_command(&["check-ignore", "--no-index", "--stdin", "-z"]);
            for path in &new {
                command.input.extend(git_path(path).as_bytes());
                command.input.push(0);
            }
            command
        });
        // Nothing asked: nothing said.
        let said = |command: Option<command::ReadCommand>, answer| {
            command.map_or(Ok(String::new()), |c| c.run_with_answer(answer))
        };
        let (hashes, (untracked, ignored)) = crate::parallel::join(
            || hashes.map(command::ReadCommand::run).transpose(),
            || crate::parallel::join(|| said(untracked, 0), || said(ignored, 1)),
        );
        let (untracked, ignored) = (untracked?, ignored?);
        let untracked: std::collections::HashSet<&str> = untracked.split('\0').collect();
        let ignored: std::collections::HashSet<&str> = ignored.split('\0').collect();
        let (mut out, mut ask): (_, Vec<&str>) = (Vec::new(), Vec::new());
        // In the work tree alone: changed, gone or untracked.
        let change = |path: &str, deleted: bool, untracked: bool| PathStatus {
            path: path.to_string(),
            staged: false,
            unstaged: !untracked,
            untracked,
            deleted,
            added: false,
            conflicted: false,
        };
        // A file git cannot hash now (gone since it was read) is asked.
        let hashes: Option<Vec<BlobId>> = hashes.ok().flatten().and_then(|text| {
            let hashes: Vec<BlobId> = text.lines().filter_map(|h| h.parse().ok()).collect();
            (hashes.len() == edited.len()).then_some(hashes)
        });
        match hashes {
            Some(hashes) => {
                for ((path, head), now) in edited.iter().zip(hashes) {
                    match now == *head {
                        // Other bytes, git's blob all the same (its line
                        // endings or filters): git's status may still
                        // call it changed (its size is not the index's).
                        true => ask.push(path),
                        false => out.push(change(path, false, false)),
                    }
                }
            }
            None => ask.extend(edited.iter().map(|(path, _)| *path)),
        }
        for file in files {
            let path = file.path.as_str();
            match file.differs {
                Differs::Edited(_) | Differs::Committed if sparse => ask.push(path),
                Differs::Edited(_) => {}
                Differs::Committed => {
                    let at = self.workdir.join(git_path(path));
                    match std::fs::symlink_metadata(at) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            out.push(change(path, true, false));
                        }
                        _ => ask.push(path),
                    }
                }
                Differs::New if ignored.contains(git_path(path).as_str()) => {}
                Differs::New => out.push(change(path, false, true)),
                Differs::Moved if untracked.contains(git_path(path).as_str()) => {}
                // Tracked (a second copy committed that was no deal then)
                // or ignored: git's status says which.
                Differs::Moved => ask.push(path),
                // A folder or a link may hold or be tracked files.
                Differs::Other => ask.push(path),
            }
        }
        if !ask.is_empty() {
            let status = self.status_command(ask, "no").run()?;
            out.extend(self.parse_status(&status));
        }
        for path in untracked.iter().filter(|p| p.ends_with(".toml")) {
            if let Some(path) = self.root_path_of(path) {
                out.push(change(&path, false, true));
            }
        }
        Ok(merged(out))
    }
}

/// A path in a stage folder that differs from HEAD, as funnel tells
/// without git, and how (for [`Repo::worktree_status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Relative to the pipeline root.
    pub path: String,
    pub differs: Differs,
}

impl Changed {
    /// A deal's file is there at HEAD: with the index HEAD's, it is
    /// tracked, and git need not look for it among untracked files
    /// (which lists the whole folder it is in).
    pub fn committed(&self) -> bool {
        matches!(self.differs, Differs::Edited(_) | Differs::Committed)
    }
}

/// How a path differs from HEAD, as funnel tells without git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Differs {
    /// A deal's file at HEAD, of this blob, that holds a deal with other
    /// bytes now.
    Edited(BlobId),
    /// A deal's file at HEAD, and no deal's file there now (gone, or
    /// something else there).
    Committed,
    /// A deal's file now, of an ID no file at HEAD is of: with the index
    /// HEAD's, not tracked.
    New,
    /// A deal's file now, of an ID whose file was in another stage folder
    /// at HEAD.
    Moved,
    /// A file or folder set aside as a problem (one that does not load, a
    /// second copy, a link, a folder nested in a stage folder).
    Other,
}

/// `out` sorted by path, one a path: a file removed from the index
/// but kept is two lines of git's status (`D ` and `??`), one status (as
/// libgit2 gave it).
fn merged(mut out: Vec<PathStatus>) -> Vec<PathStatus> {
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|next, first| {
        let same = next.path == first.path;
        if same {
            first.staged |= next.staged;
            first.unstaged |= next.unstaged;
            first.untracked |= next.untracked;
            first.deleted |= next.deleted;
            first.added |= next.added;
            first.conflicted |= next.conflicted;
        }
        same
    });
    out
}

/// How a deal file differs from HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStatus {
    /// Relative to the pipeline root, with `/`.
    pub path: String,
    /// The index differs from HEAD.
    pub staged: bool,
    /// The work tree differs from the index.
    pub unstaged: bool,
    /// Not in the index at all.
    pub untracked: bool,
    pub deleted: bool,
    pub added: bool,
    /// git stopped on it (a merge or rebase): the index holds its sides.
    pub conflicted: bool,
}

impl PathStatus {
    /// As `git status --short` names it, in one letter or two: `??` (not
    /// in the index), `D` (gone), `A` (new in the index), `M` (any other
    /// change).
    pub fn code(&self) -> &'static str {
        if self.untracked {
            "??"
        } else if self.deleted {
            "D"
        } else if self.added {
            "A"
        } else {
            "M"
        }
    }
}
