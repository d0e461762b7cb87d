//! The one write path: every mutating command (and `init`) changes the
//! pipeline through [`commit`], so that no change is lost, half done or
//! committed behind the user's back.
//!
//! # The order of a write
//!
//! A command takes the pipeline's write lock ([`super::lock`]) before it
//! reads anything, so it builds on what the previous command left, then
//! works out its new files, validates them and calls [`commit`], which:
//!
//! 1. refuses while a merge, rebase, cherry-pick, revert, bisect or `git
//!    am` is under way; reads the branch HEAD is on (a detached HEAD is
//!    refused) and its tip,
//!    builds the change's `series` when it has one (an import's earlier
//!    commits, see `git::series`: in the object database only, nothing
//!    points at them; the commit of step 6 goes on the last of them),
//!    stores the old and new contents of every touched path as blobs, and
//!    builds the new tree from the tip's tree plus those paths only;
//! 2. writes the journal (`funnel/journal` in the git dir, fsynced): the
//!    branch, its old tip (and the series' tip, the commit's parent, when
//!    there is a series), each path's old and new blob, and the inode of
//!    the lock file it is about to take;
//! 3. takes git's own `index.lock` (a hard link of a file it made, so the
//!    journal knows the lock is its own); while funnel holds it, no git
//!    command can change the index or commit. When git holds it, funnel
//!    waits two seconds, then refuses, having changed nothing. Then it
//!    reads the index once (a copy, the base of step 7's) and refuses,
//!    having changed nothing, when it holds unresolved conflicts (a
//!    merge, rebase and the like under way were refused at step 1);
//! 4. writes the work-tree files (each through a temporary file renamed
//!    over it, keeping the file's mode);
//! 5. runs the `pre-commit` and `commit-msg` hooks (unless `--no-verify`);
//! 6. creates the commit object; nothing points at it yet;
//! 7. writes the new index (the old one with the touched entries
//!    refreshed) into `index.lock`;
//! 8. moves the branch from the old tip to the commit, compare-and-swap:
//!    if anything moved it meanwhile, nothing is committed;
//! 9. renames `index.lock` over the index, removes the journal and runs
//!    `post-commit`.
//!
//! Any failure up to step 8 puts every file back as it was and removes the
//! lock: the old state. From step 8 on the commit exists and nothing is
//! put back: the new state, and the exit status says so.
//!
//! # Recovery
//!
//! A command killed in the middle leaves its journal. The next funnel
//! command ([`recover`], under the write lock) looks at the branch: when it
//! holds the journal's commit, it finishes the work (the index entries);
//! otherwise it puts the files back (a file changed since is left alone
//! and named). Either way it removes its own temporary files and
//! `index.lock` (known by its inode), the lock file libgit2 writes a
//! scratch index through, and the branch's lock when no running git
//! process can hold it (one older than every git process: the killed
//! command was inside libgit2's reference update); never a lock a live git
//! may hold. It says what it did in one line. `check` names what is left
//! that it cannot repair ([`state_notes`]).
//!
//! In debug builds `FUNNEL_FAILPOINT=STEP` stops the command at a step
//! (`journal`, `locked`, `files`, `hooks`, `commit`, `index`, `ref`,
//! `published`) until it is killed, so tests can kill it exactly there.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::lock::WriteLock;
use crate::error::{Error, Result};
use crate::git::series::SeriesCommit;
use crate::git::trailers::message;
use crate::git::write::{BranchError, TreeChange};
use crate::git::{BlobId, CommitId, Repo, TreeId};
use crate::model::problem::{Note, NoteKind};

/// One commit's worth of change to the work tree.
#[derive(Debug, Clone)]
pub struct Change {
    /// Paths relative to the pipeline root, with their new contents
    /// (`None`: the file is removed).
    pub files: Vec<(PathBuf, Option<String>)>,
    pub subject: String,
    pub trailers: Vec<(&'static str, String)>,
    /// The author date, when not now.
    pub at: Option<Timestamp>,
    /// Run the commit hooks.
    pub verify: bool,
    /// Commits that come before this one (an import's history), built in
    /// the object database first; this change's commit goes on the last.
    pub series: Vec<SeriesCommit>,
}

/// What [`recover`] did about an interrupted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The interrupted command's commit subject.
    pub subject: String,
    /// It had committed and was finished (`true`), or had not and was
    /// undone (`false`).
    pub completed: bool,
    /// Paths left alone because they changed after the interruption.
    pub kept: Vec<String>,
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.completed {
            write!(
                f,
                "finished the interrupted `{}`: it was committed; the index is updated",
                self.subject
            )?;
        } else {
            write!(
                f,
                "undid the interrupted `{}`: it was not committed; its files are as before",
                self.subject
            )?;
        }
        if !self.kept.is_empty() {
            write!(f, " (left {} alone: changed since)", self.kept.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    pid: u32,
    subject: String,
    branch: String,
    old_head: Option<String>,
    /// The commit's parent when it is not the old tip: the last commit of
    /// a series built before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    /// The inode of the `index.lock` this command takes.
    lock_inode: u64,
    files: Vec<JournalFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalFile {
    /// Relative to the work tree's root.
    path: PathBuf,
    /// The blob and file mode (permissions) before, when the file existed.
    before: Option<(String, u32)>,
    after: Option<(String, u32)>,
}

fn journal_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("funnel").join("journal")
}

fn claim_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("funnel").join("index.lock.claim")
}

/// The copy of git's index the next one is made from.
fn next_index_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("funnel").join("index.next")
}

fn index_lock(repo: &Repo) -> PathBuf {
    repo.git_dir().join("index.lock")
}

/// The temporary file a new version of `full` is written to first.
pub fn temp_path(full: &Path) -> PathBuf {
    let name = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    full.with_file_name(format!(".{name}.funnel-tmp"))
}

/// Whether a file name is one of funnel's temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.ends_with(".funnel-tmp")
}

fn failpoint(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("FUNNEL_FAILPOINT").is_ok_and(|v| v == step) {
        let _ = writeln!(std::io::stderr(), "funnel: stopped at failpoint {step}");
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// Commits `change` as described in the module doc; returns the commit.
/// The caller holds the write lock and has read everything under it.
pub fn commit(repo: &Repo, _lock: &WriteLock, change: &Change) -> Result<CommitId> {
    repo.ensure_no_operation()?;
    let (branch, old_head) = repo.branch()?;
    // An import's earlier commits, unreachable until the branch moves;
    // built first, so the blobs below are in their pack already.
    let parent = repo.build_series(old_head, &change.series)?;
    let mut files = Vec::new();
    let mut tree_changes = Vec::new();
    // Each file as it is now, read once; a new path (a move's target)
    // takes the mode of the file the change removes.
    let mut present = Vec::new();
    for (rel, content) in &change.files {
        let path = repo.prefix.join(rel);
        present.push((read_plain(&repo.workdir.join(&path))?, path, content));
    }
    let moved_mode = present
        .iter()
        .find_map(|(now, _, _)| now.as_ref().map(|(_, mode)| *mode));
    for (now, path, content) in present {
        let before = match now {
            Some((bytes, mode)) => Some((repo.write_blob(&bytes)?.to_string(), mode)),
            None => None,
        };
        let after = match content {
            Some(text) => {
                let blob = repo.write_blob(text.as_bytes())?;
                let mode = before
                    .as_ref()
                    .map(|(_, m)| *m)
                    .or(moved_mode)
                    .unwrap_or(0o644);
                let tree_mode = repo.entry_at(old_head, &path)?.map_or(0o100644, |(_, m)| m);
                tree_changes.push(TreeChange {
                    path: path.clone(),
                    blob: Some(blob),
                    mode: tree_mode,
                });
                Some((blob.to_string(), mode))
            }
            None => {
                tree_changes.push(TreeChange {
                    path: path.clone(),
                    blob: None,
                    mode: 0,
                });
                None
            }
        };
        files.push(JournalFile {
            path,
            before,
            after,
        });
    }
    let tree = repo.tree_with(old_head, &tree_changes)?;
    if repo.tree_of(old_head)? == Some(tree) {
        return Err(Error::data(format!(
            "nothing to commit: `{}` changes nothing that is not committed already",
            change.subject
        )));
    }
    let trailers: Vec<(&str, &str)> = change
        .trailers
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let mut text = message(&change.subject, &trailers);
    let author = repo.author(change.at)?;

    // Step 2: the journal, then git's index lock.
    let claim = claim_path(repo);
    let journal = Journal {
        pid: std::process::id(),
        subject: change.subject.clone(),
        branch: branch.clone(),
        old_head: old_head.map(|o| o.to_string()),
        parent: (parent != old_head)
            .then(|| parent.map(|p| p.to_string()))
            .flatten(),
        lock_inode: make_claim(&claim)?,
        files,
    };
    write_journal(repo, &journal)?;
    failpoint("journal");
    if let Err(e) = take_index_lock(repo, &claim) {
        let _ = std::fs::remove_file(&claim);
        let _ = std::fs::remove_file(journal_path(repo));
        return Err(e);
    }
    failpoint("locked");
    // What `check` remembered of the index, carried to the next one (read
    // before the index gets a second name, which changes its stat data).
    let memo = super::status::held(repo);
    // The index, read once under its lock: refused with conflicts before
    // any file is written, and the next index made from it.
    let scratch = next_index_path(repo);
    let next = match repo.next_index(&scratch).and_then(|next| {
        next.refuse_conflicts()?;
        Ok(next)
    }) {
        Ok(next) => next,
        Err(e) => {
            let _ = rollback(repo, &journal);
            let _ = std::fs::remove_file(&scratch);
            return Err(e);
        }
    };

    let result = (|| -> Result<CommitId> {
        for file in &journal.files {
            let full = repo.workdir.join(&file.path);
            let (what, result) = match &file.after {
                Some((blob, mode)) => (
                    "write",
                    repo.blob_bytes(oid(blob)?)
                        .and_then(|bytes| write_file(&full, &bytes, *mode)),
                ),
                None => ("remove", remove_file(&full)),
            };
            if let Err(e) = result {
                let why = match e {
                    Error::Io { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                let shown = shown_path(repo, &full);
                let dir = Path::new(&shown)
                    .parent()
                    .map_or(".".to_string(), |d| d.display().to_string());
                return Err(Error::hinted(
                    format!("cannot {what} {shown}: {why}: nothing was changed"),
                    format!("check that you may write to {dir}/ (ls -ld {dir})"),
                ));
            }
        }
        failpoint("files");
        if change.verify {
            text = run_commit_hooks(repo, tree, &text)?;
        }
        failpoint("hooks");
        let commit = repo.commit_object(tree, parent, &text, &author)?;
        failpoint("commit");
        let paths: Vec<PathBuf> = journal.files.iter().map(|f| f.path.clone()).collect();
        next.write_into(&paths, &index_lock(repo))?;
        failpoint("index");
        match repo.move_branch(&branch, commit, old_head, &change.subject) {
            Ok(()) => Ok(commit),
            Err(BranchError::Moved) => Err(Error::hinted(
                format!(
                    "`{}` moved while funnel was writing (a git command committed at the same time): nothing was changed",
                    short_branch(&branch)
                ),
                "run the command again",
            )),
            Err(BranchError::Locked(path)) => Err(Error::hinted(
                format!(
                    "git holds {path} (a git command is updating the branch): nothing was changed"
                ),
                format!(
                    "run the command again when git has finished; if no git command is running, remove the lock: rm {path}"
                ),
            )),
            Err(BranchError::Other(why)) => Err(Error::hinted(
                format!(
                    "cannot update branch `{}`: {why}: nothing was changed",
                    short_branch(&branch)
                ),
                "check that you may write to the repository's .git folder (ls -ld .git/refs/heads)",
            )),
        }
    })();
    let commit = match result {
        Ok(commit) => commit,
        Err(e) => {
            let _ = rollback(repo, &journal);
            return Err(e);
        }
    };
    failpoint("ref");
    // The commit is made: from here on nothing is put back.
    let lock = index_lock(repo);
    let next_index = memo.as_ref().and_then(|_| std::fs::File::open(&lock).ok());
    std::fs::rename(&lock, repo.index_path()).map_err(|e| {
        Error::hinted(
            format!(
                "committed {}, but could not update the index: {e}",
                &commit.to_string()[..7]
            ),
            "the next funnel command finishes it",
        )
    })?;
    failpoint("published");
    if let (Some(key), Some(index)) = (&memo, &next_index) {
        super::status::carry(repo, key, index, commit);
    }
    let _ = std::fs::remove_file(journal_path(repo));
    if change.verify
        && let Some(hook) = repo.hook("post-commit")
    {
        let _ = repo.run_hook(&hook, &[], None);
    }
    Ok(commit)
}

/// Finishes or undoes a command that was interrupted, when there is one
/// and no other command is writing. Cheap when there is nothing to do.
pub fn recover(repo: &Repo) -> Result<Option<Recovered>> {
    if !journal_path(repo).exists() {
        return Ok(None);
    }
    let Some(lock) = WriteLock::try_acquire(repo.common_dir())? else {
        return Ok(None);
    };
    recover_locked(repo, &lock)
}

/// [`recover`] for a caller that holds the write lock.
pub fn recover_locked(repo: &Repo, _lock: &WriteLock) -> Result<Option<Recovered>> {
    let path = journal_path(repo);
    let _ = std::fs::remove_file(repo.git_dir().join("funnel").join("journal.next"));
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let _ = std::fs::remove_file(claim_path(repo));
            return Ok(None);
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let Ok(journal) = serde_json::from_slice::<Journal>(&text) else {
        // Not written whole: the command stopped before it changed anything.
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(claim_path(repo));
        return Ok(None);
    };
    let old_head = journal.old_head.as_deref().map(oid).transpose()?;
    remove_dead_branch_lock(repo, &journal.branch);
    let tip = repo.branch_tip(&journal.branch)?;
    if tip != old_head && committed(repo, &journal, tip, old_head)? {
        let kept = finish(repo, &journal)?;
        return Ok(Some(Recovered {
            subject: journal.subject,
            completed: true,
            kept,
        }));
    }
    let kept = rollback(repo, &journal)?;
    Ok(Some(Recovered {
        subject: journal.subject,
        completed: false,
        kept,
    }))
}

/// Whether the branch holds the journal's commit: a commit on its first
/// parent line whose parent is the old tip (or the series' tip) and whose
/// tree has every new blob of the journal.
fn committed(
    repo: &Repo,
    journal: &Journal,
    tip: Option<CommitId>,
    old: Option<CommitId>,
) -> Result<bool> {
    let expected = match &journal.parent {
        Some(parent) => Some(oid(parent)?),
        None => old,
    };
    let mut at = tip;
    for _ in 0..1000 {
        let Some(commit) = at else { return Ok(false) };
        let parent = repo.first_parent(commit)?;
        if parent == expected {
            for file in &journal.files {
                let entry = repo.entry_at(Some(commit), &file.path)?.map(|(b, _)| b);
                let after = file.after.as_ref().map(|(b, _)| oid(b)).transpose()?;
                if entry != after {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        if old.is_some_and(|o| !repo.descends(commit, o)) {
            return Ok(false);
        }
        at = parent;
    }
    Ok(false)
}

/// The rest of a committed write: the index entries of its paths (those
/// still as the commit left them), then the journal goes.
fn finish(repo: &Repo, journal: &Journal) -> Result<Vec<String>> {
    remove_own_lock(repo, journal);
    let mut paths = Vec::new();
    let mut kept = Vec::new();
    for file in &journal.files {
        let full = repo.workdir.join(&file.path);
        let _ = std::fs::remove_file(temp_path(&full));
        if state(&full)? == file.after.as_ref().map(|(b, _)| b.clone()) {
            paths.push(file.path.clone());
        } else {
            kept.push(file.path.display().to_string());
        }
    }
    let claim = claim_path(repo);
    make_claim(&claim)?;
    take_index_lock(repo, &claim)?;
    let scratch = next_index_path(repo);
    let lock = index_lock(repo);
    let written = repo
        .next_index(&scratch)
        .and_then(|next| next.write_into(&paths, &lock))
        .and_then(|()| std::fs::rename(&lock, repo.index_path()).map_err(|e| Error::io(&lock, e)));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&lock);
        return Err(e);
    }
    let _ = std::fs::remove_file(journal_path(repo));
    Ok(kept)
}

/// Puts every file of the journal back as it was, unless it changed since
/// (those are named), removes funnel's own lock and temporary files, and
/// the journal.
fn rollback(repo: &Repo, journal: &Journal) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    let mut failed = None;
    for file in journal.files.iter().rev() {
        let full = repo.workdir.join(&file.path);
        let _ = std::fs::remove_file(temp_path(&full));
        let now = state(&full)?;
        let before = file.before.as_ref().map(|(b, _)| b.clone());
        let after = file.after.as_ref().map(|(b, _)| b.clone());
        if now == before {
            continue;
        }
        if now != after {
            kept.push(file.path.display().to_string());
            continue;
        }
        let put_back = match &file.before {
            Some((blob, mode)) => repo
                .blob_bytes(oid(blob)?)
                .and_then(|bytes| write_file(&full, &bytes, *mode)),
            None => remove_file(&full),
        };
        if let Err(e) = put_back {
            failed.get_or_insert(e);
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    remove_own_lock(repo, journal);
    let _ = std::fs::remove_file(journal_path(repo));
    Ok(kept)
}

/// Removes the branch's lock file when no running git process can hold it:
/// the interrupted command (libgit2, in its process) was moving the branch.
fn remove_dead_branch_lock(repo: &Repo, branch: &str) {
    let lock = repo.common_dir().join(format!("{branch}.lock"));
    let Ok(made) = std::fs::metadata(&lock).and_then(|m| m.modified()) else {
        return;
    };
    if git_process_starts()
        .is_some_and(|starts| starts.iter().all(|s| made + Duration::from_secs(1) < *s))
    {
        let _ = std::fs::remove_file(&lock);
    }
}

/// Removes `index.lock` when it is the one this journal's command took.
fn remove_own_lock(repo: &Repo, journal: &Journal) {
    let lock = index_lock(repo);
    if inode(&lock) == Some(journal.lock_inode) {
        let _ = std::fs::remove_file(&lock);
    }
    let _ = std::fs::remove_file(claim_path(repo));
}

/// The blob id of a work-tree file as it is now (`None`: absent).
fn state(full: &Path) -> Result<Option<String>> {
    match read_plain(full)? {
        Some((bytes, _)) => Ok(Some(BlobId::of(&bytes).to_string())),
        None => Ok(None),
    }
}

/// A regular file's bytes and permission bits; `None` when absent.
/// A symbolic link is refused: funnel never follows one.
fn read_plain(full: &Path) -> Result<Option<(Vec<u8>, u32)>> {
    match std::fs::symlink_metadata(full) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::hinted(
            format!(
                "{} is a symbolic link: funnel never follows links",
                full.display()
            ),
            "replace the link with the deal file itself",
        )),
        Ok(meta) if meta.is_file() => {
            let bytes = std::fs::read(full).map_err(|e| Error::io(full, e))?;
            Ok(Some((bytes, permissions(&meta))))
        }
        Ok(_) => Err(Error::data(format!(
            "{} is not a regular file",
            full.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(full, e)),
    }
}

#[cfg(unix)]
fn permissions(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(meta: &std::fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// Writes `bytes` to `full` through a temporary file, with permissions
/// `mode`.
fn write_file(full: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let temp = temp_path(full);
    let _ = std::fs::remove_file(&temp);
    std::fs::write(&temp, bytes).map_err(|e| Error::io(&temp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(&temp, e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    std::fs::rename(&temp, full).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(full, e)
    })
}

fn remove_file(full: &Path) -> Result<()> {
    match std::fs::remove_file(full) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(full, e)),
        _ => Ok(()),
    }
}

/// A new empty file whose inode will be git's `index.lock`; its inode.
fn make_claim(claim: &Path) -> Result<u64> {
    if let Some(dir) = claim.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let _ = std::fs::remove_file(claim);
    std::fs::File::create(claim).map_err(|e| Error::io(claim, e))?;
    inode(claim).ok_or_else(|| Error::data(format!("cannot read {}", claim.display())))
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::symlink_metadata(path).ok().map(|m| m.ino())
}

#[cfg(not(unix))]
fn inode(path: &Path) -> Option<u64> {
    std::fs::symlink_metadata(path).ok().map(|m| m.len())
}

/// Takes git's `index.lock` by linking the claim file to it (which fails
/// when it exists, as git's own exclusive create does). Waits two seconds
/// for a git command that holds it.
fn take_index_lock(repo: &Repo, claim: &Path) -> Result<()> {
    let lock = index_lock(repo);
    let started = std::time::Instant::now();
    loop {
        match std::fs::hard_link(claim, &lock) {
            Ok(()) => {
                let _ = std::fs::remove_file(claim);
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if started.elapsed() > Duration::from_secs(2) {
                    let shown = shown_path(repo, &lock);
                    return Err(Error::hinted(
                        format!(
                            "git holds {shown} (another git command is running): nothing was changed"
                        ),
                        format!(
                            "run the command again when git has finished; if no git command is running, the lock is left from a crash: rm {shown}"
                        ),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(Error::io(&lock, e)),
        }
    }
}

/// A path under the git dir as the user would type it from the work
/// tree's root (`.git/index.lock`).
fn shown_path(repo: &Repo, path: &Path) -> String {
    path.strip_prefix(&repo.workdir)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn write_journal(repo: &Repo, journal: &Journal) -> Result<()> {
    let path = journal_path(repo);
    let next = path.with_file_name("journal.next");
    let bytes = serde_json::to_vec(journal).map_err(|e| Error::data(e.to_string()))?;
    std::fs::File::create(&next)
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&next, &path))
        .map_err(|e| Error::io(&path, e))
}

/// Runs `pre-commit` (with an index of the commit's tree, as `git commit
/// --only` does) and `commit-msg`; returns the message, as the hook left it.
fn run_commit_hooks(repo: &Repo, tree: TreeId, text: &str) -> Result<String> {
    let refused = |hook: &str, code: i32| {
        Error::hinted(
            format!("the {hook} hook failed (exit status {code}): nothing was changed"),
            "fix what it reports, or skip the hooks with --no-verify",
        )
    };
    if let Some(hook) = repo.hook("pre-commit") {
        let index = repo.git_dir().join("funnel").join("hook-index");
        repo.write_tree_index(tree, &index)?;
        let code = repo.run_hook(&hook, &[], Some(&index));
        let _ = std::fs::remove_file(&index);
        if let Some(code) = code? {
            return Err(refused("pre-commit", code));
        }
    }
    let mut text = text.to_string();
    if let Some(hook) = repo.hook("commit-msg") {
        let file = repo.git_dir().join("COMMIT_EDITMSG");
        std::fs::write(&file, &text).map_err(|e| Error::io(&file, e))?;
        if let Some(code) = repo.run_hook(&hook, &[&file], None)? {
            return Err(refused("commit-msg", code));
        }
        text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    }
    Ok(text)
}

fn short_branch(branch: &str) -> &str {
    branch.strip_prefix("refs/heads/").unwrap_or(branch)
}

fn oid<T: std::str::FromStr<Err = Error>>(hex: &str) -> Result<T> {
    hex.parse()
}

/// What `check` says about the state the write path cares for and cannot
/// repair itself: a command writing now, changes to deal files that are
/// not committed, temporary files and git locks left behind. Each note
/// ends with the command that resolves it.
///
/// `hook_of` is the pid a hook's environment names in `FUNNEL_WRITER`: a
/// `check` run by the hooks of that command says nothing of its work.
/// `in_git_hook` leaves out the changes not committed (a pre-commit hook
/// sees the commit being made); `known` is what is known before git's
/// status is asked ([`super::status::known`]);
/// `temp_files` are those the load of the pipeline listed
/// ([`crate::store::pipeline::Pipeline::temp_files`]).
pub fn state_notes(
    repo: &Repo,
    stages: &[&str],
    hook_of: Option<u32>,
    in_git_hook: bool,
    known: &super::status::Known,
    temp_files: &[String],
) -> Result<Vec<Note>> {
    let mut notes = Vec::new();
    if let Some(pid) = super::lock::held_by(repo.common_dir()) {
        if pid.is_some() && pid == hook_of {
            return Ok(notes);
        }
        let who = pid.map_or("another funnel command".to_string(), |p| {
            format!("a funnel command (pid {p})")
        });
        notes.push(Note::new(
            NoteKind::WriteInProgress,
            Vec::new(),
            format!("{who} is writing"),
            Some(
                "what follows may be its work in progress; run `funnel check` again when it has finished"
                    .into(),
            ),
        ));
        return Ok(notes);
    }
    let status = match in_git_hook {
        true => Vec::new(),
        false => super::status::deal_status(repo, stages, known)?,
    };
    let (mut untracked, mut staged, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for status in status {
        if status.untracked {
            untracked.push(status.path);
        } else if status.staged && !status.unstaged {
            staged.push(status.path);
        } else {
            changed.push(status.path);
        }
    }
    // A few are named one by one; many (a bulk edit) in one line.
    type One = fn(&str) -> (String, String);
    let groups: [(NoteKind, Vec<String>, &str, &str, One); 3] = [
        (
            NoteKind::NotCommitted,
            untracked,
            "are not committed",
            "commit them (`git add -A && git commit`) or remove them",
            |path| {
                (
                    format!("{path} is not committed"),
                    format!("commit it (`git add {path} && git commit`) or remove it"),
                )
            },
        ),
        (
            NoteKind::Staged,
            staged,
            "are staged but not committed (the index differs from HEAD)",
            "commit them (`git commit`) or unstage them (`git restore --staged .`)",
            |path| {
                (
                    format!("{path} is staged but not committed (the index differs from HEAD)"),
                    format!(
                        "commit it (`git commit`) or unstage it (`git restore --staged {path}`)"
                    ),
                )
            },
        ),
        (
            NoteKind::Changed,
            changed,
            "have changes that are not committed",
            "commit them (`git add -A && git commit`) or drop them (`git restore --staged --worktree .`)",
            |path| {
                (
                    format!("{path} has changes that are not committed"),
                    format!(
                        "commit them (`git add -A {path} && git commit`) or drop them (`git restore --staged --worktree {path}`)"
                    ),
                )
            },
        ),
    ];
    for (kind, paths, what, fix, one) in groups {
        if paths.len() > 3 {
            let shown: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
            let message = format!(
                "{} deal files {what} ({} and {} more; `git status` lists them)",
                paths.len(),
                shown.join(", "),
                paths.len() - shown.len()
            );
            notes.push(Note::new(kind, paths, message, Some(fix.into())));
        } else {
            for path in paths {
                let (message, fix) = one(&path);
                notes.push(Note::new(kind, vec![path], message, Some(fix)));
            }
        }
    }
    for path in temp_files {
        notes.push(Note::new(
            NoteKind::TempFile,
            vec![path.clone()],
            format!("{path} is a temporary file an interrupted funnel command left"),
            Some(format!("remove it (`rm '{path}'`)")),
        ));
    }
    let (branch, _) = match repo.branch() {
        Ok(branch) => branch,
        Err(_) => ("HEAD".to_string(), None),
    };
    let locks = [
        index_lock(repo),
        repo.git_dir().join("HEAD.lock"),
        repo.common_dir().join(format!("{branch}.lock")),
    ];
    let locks: Vec<&PathBuf> = locks.iter().filter(|l| l.exists()).collect();
    // Read only when there is a lock to judge (it reads /proc).
    let git_started = match locks.is_empty() {
        true => None,
        false => git_process_starts(),
    };
    for lock in locks {
        let shown = shown_path(repo, lock);
        let made = std::fs::metadata(lock).and_then(|m| m.modified()).ok();
        match (&git_started, made) {
            // A lock older than every running git process is no one's.
            (Some(starts), Some(made))
                if starts.iter().all(|s| made + Duration::from_secs(1) < *s) =>
            {
                notes.push(Note::new(
                    NoteKind::StaleLock,
                    vec![shown.clone()],
                    format!(
                        "{shown} is left from a git command that ended (it is older than every running git process)"
                    ),
                    Some(format!("it blocks every commit; remove it (`rm {shown}`)")),
                ));
            }
            (Some(_), _) => {}
            (None, _) => notes.push(Note::new(
                NoteKind::Lock,
                vec![shown.clone()],
                format!("{shown} exists"),
                Some(format!(
                    "a git command is running, or one ended without removing it; if none is running, remove it (`rm {shown}`)"
                )),
            )),
        }
    }
    Ok(notes)
}

/// When each running git process started (`None` where that cannot be
/// told: no `/proc`).
fn git_process_starts() -> Option<Vec<std::time::SystemTime>> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let boot: u64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let mut starts = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let dir = entry.path();
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if comm.trim() != "git" && !comm.starts_with("git-") {
            continue;
        }
        // Field 22 of stat, after the parenthesised name: clock ticks
        // (100 a second on Linux) since boot.
        let Some(ticks) = std::fs::read_to_string(dir.join("stat"))
            .ok()
            .and_then(|s| {
                let after = s.rsplit_once(')')?.1.to_string();
                after.split_whitespace().nth(19)?.parse::<u64>().ok()
            })
        else {
            continue;
        };
        starts.push(
            std::time::UNIX_EPOCH + Duration::from_secs(boot) + Duration::from_millis(ticks * 10),
        );
    }
    Some(starts)
}
