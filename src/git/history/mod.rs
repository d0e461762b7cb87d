//! Stage history derived from the commits: when each deal entered each stage.
//!
//! History comes from the commit graph, never from commit messages alone: in
//! one commit, `A/ID.toml` deleted and `B/ID.toml` added is a move of ID from
//! A to B at that commit's author time, whether `funnel`, `git mv` or a file
//! manager made it; a move that also edits the file is still a move. Only
//! files exactly `STAGE/ID.toml` in the declared stage folders (under the
//! pipeline's prefix) count.
//!
//! Merges use the backward chase, the way `git log -- PATH` follows a file:
//! commits are processed newest first in topological order, each carrying the
//! deals followed there and the stage each is in. A commit that added a
//! followed file records an entry into its stage, and a deletion of the same
//! stem in that commit says where to continue in the parent. At a merge each
//! deal continues into a parent that already had the file in the same stage;
//! only when none had it is the merge where it entered. Moves that a merge
//! threw away therefore vanish, and a move made on a branch counts once, when
//! it was authored. All deals are chased in one pass.
//!
//! Speed: libgit2's tree diff re-hashes every object and builds a path for
//! every entry, which is 15-40 times slower than `git log --raw` on a large
//! pipeline. Here stage folders are compared by object id first, a changed
//! folder's two raw trees are read straight from the pack files, their common
//! byte prefix and suffix are skipped, and only the rest is merge-joined.
//! Each commit's changes never change, so they are cached per commit in the
//! git dir (`funnel/history-vN-KEY`, keyed by prefix, stage list and grafts);
//! a later load diffs only the commits it has not seen.
//!
//! The parts, in the order a load uses them:
//!
//! - `commits`: a commit's tree, parents, author and message, and the
//!   topological order of a full walk;
//! - `walk`: which commits, in what order, and what each changed against
//!   each parent (reading commits and their stage folders);
//! - `tree_diff`: the deal files that differ between two raw tree objects;
//! - `store`: the commits and their change lists in flat vectors, as the
//!   walk records them, the cache keeps them and the chase reads them;
//! - `cache`: the store on disk between loads;
//! - `chase`: the backward chase from the deals at HEAD to their timelines.
//!
//! Commits, trees and blobs come from the pack reader (`git::pack`), which
//! neither maps the pack files nor keeps commits; loose objects, and the
//! few commits an incremental walk finds new (libgit2's revwalk), come from
//! libgit2, without its re-hashing of every object read: see
//! `read_without_hash_check`, the one place that turns it off.

mod briefs;
mod cache;
mod chase;
mod commits;
mod store;
mod tree_diff;
mod walk;

use std::collections::HashMap;
use std::hash::Hasher;
use std::path::{Component, Path};

use git2::{Oid, Repository};

use crate::git::{BlobId, CommitId};
use jiff::Timestamp;

pub use self::briefs::{Brief, Briefs};
use self::cache::{VERSION, decode, encode};
use self::chase::chase;
use self::store::Store;
use self::walk::{Differ, full_walk, incremental, links, reachable, skew};
use super::Repo;
use super::pack::{Id, Objects};
use crate::error::{Error, Result};
use crate::hasher::{Fx, FxMap};

/// A deal entering a stage: a commit that added its file to the stage folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageEntry {
    pub stage: String,
    /// The commit's author time: when the move was made (it survives rebase
    /// and amend, and `--at` sets it).
    pub at: Timestamp,
    pub commit: CommitId,
    /// The author's email, as the repository's mailmap gives it (shared:
    /// one string per author, not per entry).
    pub author_email: std::sync::Arc<str>,
}

/// One deal's history, following renames made with `funnel rename`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The deal's ID at HEAD.
    pub id: String,
    /// The author time of the commit that first added the file.
    pub added_at: Timestamp,
    pub added_in: CommitId,
    /// Every stage entry, oldest first: the first stage, moves and reopenings.
    pub entries: Vec<StageEntry>,
    /// The author time of the newest commit that changed the file in any way.
    pub last_change: Timestamp,
    /// Earlier IDs (`Funnel-Renamed-From` trailers), oldest first.
    pub renamed_from: Vec<String>,
    /// Every committed version of the file, oldest first: (commit, author
    /// time, blob).
    pub versions: Vec<(CommitId, Timestamp, BlobId)>,
    /// The author email of each of `versions`, in the same order.
    pub version_authors: Vec<std::sync::Arc<str>>,
    /// For a deal removed before HEAD: the author time and the commit that
    /// deleted its file (not a move, not a `funnel rename`).
    pub removed: Option<(Timestamp, CommitId)>,
}

/// The history of every deal present at HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// By the deal's ID at HEAD. Deals deleted before HEAD are not here.
    pub deals: FxMap<String, Timeline>,
    /// The deals removed before HEAD (their files deleted), newest removal
    /// first; an ID removed, added again and removed again has one
    /// timeline per removal. For views of the past (`--as-of`, `flow`).
    pub removed: Vec<Timeline>,
    /// Why the history is incomplete (a shallow clone, grafts), if it is.
    pub partial: Option<String>,
    /// Commits whose author date is earlier than a parent's, described. The
    /// graph order still wins; durations that come out negative are skew.
    pub skew: Vec<String>,
}

/// Derives the stage history of every deal at HEAD from all commits
/// reachable from HEAD. `stages` are the stage folders, in funnel order.
pub fn load(repo: &Repo, stages: &[&str]) -> Result<History> {
    load_with_progress(repo, stages, &mut |_, _| {})
}

/// [`load`], calling `progress(done, total)` as commits not in the cache
/// are read, so a long first walk can show how far it has got.
pub fn load_with_progress(
    repo: &Repo,
    stages: &[&str],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<History> {
    load_inner(repo, stages, None, progress)
}

/// [`load`] for the deals called `ids` at HEAD alone (`show ID`): the walk
/// and its cache are the same, but only their timelines are chased, so one
/// deal's history costs little more than reading the cache.
pub fn load_deals(repo: &Repo, stages: &[&str], ids: &[&str]) -> Result<History> {
    load_inner(repo, stages, Some(ids), &mut |_, _| {})
}

fn load_inner(
    repo: &Repo,
    stages: &[&str],
    only: Option<&[&str]>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<History> {
    read_without_hash_check();
    let git = &repo.repo;
    if stages.len() >= usize::from(u16::MAX) {
        return Err(Error::data("too many stages"));
    }
    let (partial, grafts) = graft_state(git);
    let head = match git.head() {
        Ok(head) => head.peel_to_commit()?,
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            return Ok(History {
                partial,
                ..History::default()
            });
        }
        Err(e) => return Err(e.into()),
    };
    walk_from(repo, &head, stages, only, partial, grafts, true, progress)
}

/// The briefs of the deals at HEAD (see [`briefs`]): from the briefs file
/// when it was made at HEAD, else from a whole [`load`] (calling
/// `progress` as it goes), after which the file is written for the next
/// run.
pub fn load_briefs(
    repo: &Repo,
    stages: &[&str],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Briefs> {
    let (partial, grafts) = graft_state(&repo.repo);
    let head = match repo.repo.head().and_then(|h| h.peel_to_commit()) {
        Ok(head) => CommitId(head.id()),
        Err(_) => return Ok(Briefs::of(&load(repo, stages)?, stages)),
    };
    let key = cache_key(&prefix_components(&repo.prefix)?, stages, grafts);
    let path = cache_dir(repo).join(format!(
        "briefs-{:016x}",
        crate::cache_file::checksum(key.as_bytes())
    ));
    // Mapped, not copied into fresh memory (3.5 MB at 50,000 deals).
    let bytes = crate::cache_file::Mapped::open(&path).unwrap_or_default();
    let briefs = match briefs::decode(&bytes, &key, stages, partial) {
        Some((made_at, briefs, true)) if made_at == head => return Ok(briefs),
        // Put in order as read: written so below, read so next time.
        Some((made_at, briefs, false)) if made_at == head => Some(briefs),
        Some((made_at, briefs, _)) => advance(repo, stages, briefs, made_at, head),
        None => None,
    };
    let briefs = match briefs {
        Some(briefs) => briefs,
        None => Briefs::of(&load_with_progress(repo, stages, progress)?, stages),
    };
    // Written only when HEAD has not moved meanwhile (another process's
    // commit): the briefs are those of the commit the load started from.
    if repo.repo.head().ok().and_then(|h| h.target()) == Some(head.0) {
        // A file that cannot be written only costs time on the next run.
        let _ = crate::cache_file::write_atomically(&path, &briefs::encode(&briefs, head, &key));
    }
    Ok(briefs)
}

/// `briefs`, made at `from`, brought up to `head` commit by commit, when
/// `head` is at most [`ADVANCE`] single-parent commits past `from` on its
/// first-parent line and every commit on the way can be followed (see
/// [`Briefs::advance`]; no `funnel rename`). Each commit's changes come
/// from the tree reader `log` uses: a command after a `move` or a `git
/// commit` reads two stage-folder trees per commit, not the history.
fn advance(
    repo: &Repo,
    stages: &[&str],
    mut briefs: Briefs,
    from: CommitId,
    head: CommitId,
) -> Option<Briefs> {
    // Each commit on the way, newest first, with its author time.
    let mut line = Vec::new();
    let mut at = repo.repo.find_commit(head.0).ok()?;
    while at.id() != from.0 {
        let renamed = !super::trailers::renames(at.message_bytes()).is_empty();
        if at.parent_count() != 1 || line.len() == ADVANCE || renamed {
            return None;
        }
        let when = Timestamp::from_second(at.author().when().seconds()).ok()?;
        line.push((CommitId(at.id()), when));
        at = at.parent(0).ok()?;
    }
    with_tree_reader(repo, stages, |trees| {
        for &(commit, when) in line.iter().rev() {
            if !briefs.advance(&trees.commit_changes(commit)?, when) {
                return Ok(None);
            }
        }
        Ok(Some(briefs))
    })
    .ok()
    .flatten()
}

/// How many commits briefs are brought forward before the history is
/// loaded instead.
const ADVANCE: usize = 64;

/// What the history cache and the briefs are made for: the pipeline's
/// prefix, its stage folders and what rewrites the graph.
fn cache_key(prefix: &[String], stages: &[&str], grafts: u64) -> String {
    format!(
        "prefix={}\nstages={}\ngrafts={grafts:016x}\n",
        prefix.join("/"),
        stages.join(",")
    )
}

/// The history as it stood at commit `tip` (of every deal present there),
/// for comparing two states of the pipeline. The cache is read, never
/// written: it stays the cache of HEAD.
pub fn load_at(
    repo: &Repo,
    tip: CommitId,
    stages: &[&str],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<History> {
    read_without_hash_check();
    if stages.len() >= usize::from(u16::MAX) {
        return Err(Error::data("too many stages"));
    }
    let (partial, grafts) = graft_state(&repo.repo);
    let commit = repo.repo.find_commit(tip.0)?;
    walk_from(
        repo, &commit, stages, None, partial, grafts, false, progress,
    )
}

/// The history of the deals at `head` (only those called `only`, when
/// given), walked from there through the cache; the cache is written back
/// only when `keep`.
#[allow(clippy::too_many_arguments)]
fn walk_from(
    repo: &Repo,
    head: &git2::Commit<'_>,
    stages: &[&str],
    only: Option<&[&str]>,
    partial: Option<String>,
    grafts: u64,
    keep: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<History> {
    let git = &repo.repo;
    let head_tree = id(head.tree_id());
    let head = head.id();
    let prefix = prefix_components(&repo.prefix)?;
    let key = cache_key(&prefix, stages, grafts);
    let cache_path = cache_dir(repo).join(format!(
        "history-v{VERSION}-{:016x}",
        crate::cache_file::checksum(key.as_bytes())
    ));
    // Mapped, not read into fresh memory (20 MB at 50,000 deals, 5,000
    // page faults each zeroed and then copied into): most loads find the
    // cache at HEAD and write nothing.
    let mapped = crate::cache_file::Mapped::open(&cache_path).unwrap_or_default();
    let cached = decode(&mapped, &key, stages.len());

    let odb = git.odb()?;
    let mut differ = Differ::new(git, &odb, prefix, stages);
    // The store, the order of the walk, the links in that order, and the
    // deals by stage folder at HEAD; `fresh` when the cache is out of date.
    let (store, order, links, folders, fresh) = match cached {
        Some(cached) if cached.store.commits[0].id == id(head) => {
            let order = (0..cached.store.commits.len() as u32).collect();
            (cached.store, order, cached.links, cached.folders, false)
        }
        // A revision the cached walk read, older than its tip (`diff A..B`
        // from an ancestor, a branch reset back): its history is the
        // cached commits it reaches, chased again; nothing is walked.
        Some(cached)
            if let Some(at) = cached.store.commits.iter().position(|c| c.id == id(head)) =>
        {
            let order = reachable(&cached.store, &cached.links, at);
            let links = links(&cached.store, &order);
            let mut store = cached.store;
            let folders = differ.folders_in(head_tree, &mut store.stems, &cached.folders)?;
            (store, order, links, folders, true)
        }
        Some(cached) => {
            let mut store = cached.store;
            let (order, links) =
                match incremental(&mut differ, &mut store, head, &cached.links, progress)? {
                    Some(walked) => walked,
                    None => {
                        let order = full_walk(&mut differ, &mut store, head, progress)?;
                        let links = links(&store, &order);
                        (order, links)
                    }
                };
            let folders = differ.folders_in(head_tree, &mut store.stems, &cached.folders)?;
            (store, order, links, folders, true)
        }
        None => {
            let mut store = Store::default();
            let order = full_walk(&mut differ, &mut store, head, progress)?;
            let links = links(&store, &order);
            let folders = differ.folders_in(head_tree, &mut store.stems, &[])?;
            (store, order, links, folders, true)
        }
    };
    // The walk's delta cache and pack indexes (100 MB at 50,000 deals) are
    // not kept through the chase.
    drop(differ);
    if order.first().map(|&n| store.commits[n as usize].id) != Some(id(head)) {
        return Err(Error::data("the history walk did not start at HEAD"));
    }
    let mut at_head = deals_at_head(&folders);
    if let Some(ids) = only {
        let names = &store.stems.list;
        let wanted: Vec<u32> = (0..names.len() as u32)
            .filter(|&n| ids.contains(&&*names[n as usize]))
            .collect();
        at_head.retain(|(stem, _)| wanted.contains(stem));
    }
    // Each author's email as the mailmap gives it, once per author.
    let mailmap = repo.mailmap();
    let emails: Vec<std::sync::Arc<str>> = store
        .authors
        .list
        .iter()
        .map(|author| {
            let (name, email) = author
                .strip_suffix('>')
                .and_then(|a| a.rsplit_once(" <"))
                .unwrap_or(("", author));
            mailmap.resolve(name, email).1.into()
        })
        .collect();
    // The deals removed before HEAD are chased for the whole pipeline only.
    let chased = || {
        chase(
            &store,
            &order,
            &links,
            stages,
            &at_head,
            &emails,
            only.is_none(),
        )
    };
    // A cache out of date is written on another core while the chase runs
    // (at 20,000 deals, 8 MB encoded and written in ~20 ms). One that
    // cannot be written (a read-only repository) only costs time on the
    // next load.
    let write_cache = || {
        let bytes = encode(Vec::new(), &store, &order, &links, &folders, &key);
        let _ = crate::cache_file::write_atomically(&cache_path, &bytes);
    };
    let (deals, mut removed) = match fresh && keep {
        true => crate::parallel::join(write_cache, chased).1,
        false => chased(),
    };
    // A file deleted on a branch whose merge kept it was not removed; one
    // deleted on two branches was removed once (the newest removal kept).
    let mut seen = std::collections::HashSet::new();
    removed.retain(|t| {
        deals.get(&t.id).is_none_or(|d| d.added_in != t.added_in)
            && seen.insert((t.id.clone(), t.added_in))
    });
    let history = History {
        deals,
        removed,
        partial,
        skew: skew(&store, &order, &links),
    };
    Ok(history)
}

/// Reads commits' stage folders for `log` the way the history walk does
/// (its [`Differ`]): through the pack reader, whose delta cache makes
/// consecutive versions of a big stage folder cheap where libgit2
/// re-applies a tree's whole delta chain at every read (two thirds of
/// `log -n 20` at 50,000 deals), with the tree diff that skips the bytes
/// two versions share.
pub struct TreeReader<'o, 'r> {
    differ: Differ<'o, 'r>,
    stages: Vec<String>,
}

/// Runs `f` with a [`TreeReader`] of `repo` for the stage folders `stages`.
pub fn with_tree_reader<T>(
    repo: &Repo,
    stages: &[&str],
    f: impl FnOnce(&mut TreeReader<'_, '_>) -> Result<T>,
) -> Result<T> {
    read_without_hash_check();
    let git = &repo.repo;
    let odb = git.odb()?;
    let mut reader = TreeReader {
        differ: Differ::new(git, &odb, prefix_components(&repo.prefix)?, stages),
        stages: stages.iter().map(|s| s.to_string()).collect(),
    };
    f(&mut reader)
}

impl TreeReader<'_, '_> {
    /// The deal files `commit` changed against its first parent (all of
    /// them for a root commit), by ID: only files exactly `STAGE/ID.toml`
    /// count, as in the history.
    pub fn commit_changes(&mut self, commit: CommitId) -> Result<Vec<super::DealChange>> {
        let git = self.differ.git;
        let commit = git.find_commit(commit.0)?;
        let parent = match commit.parent_ids().next() {
            Some(parent) => Some(id(git.find_commit(parent)?.tree_id())),
            None => None,
        };
        let mut changes: Vec<super::DealChange> = Vec::new();
        // Where each ID's change is, so a commit of many files stays linear.
        let mut at: HashMap<String, usize> = HashMap::new();
        let stages = &self.stages;
        self.differ.changes(
            parent,
            id(commit.tree_id()),
            &mut |stage, kind, stem, blob, old| {
                let side = |blob: Id| Some((stages[stage as usize].clone(), BlobId(oid(&blob))));
                let index = *at.entry(stem.to_string()).or_insert_with(|| {
                    changes.push(super::DealChange {
                        id: stem.to_string(),
                        from: None,
                        to: None,
                    });
                    changes.len() - 1
                });
                let change = &mut changes[index];
                match kind {
                    store::Kind::Added => change.to = side(blob),
                    store::Kind::Deleted => change.from = side(blob),
                    store::Kind::Modified => {
                        change.from = old.and_then(side);
                        change.to = side(blob);
                    }
                }
            },
        )?;
        changes.retain(|c| c.from != c.to);
        changes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(changes)
    }
}

/// Where funnel keeps what it caches for the work tree of `repo`: the git
/// dir's `funnel/` folder (per work tree, never in it).
pub fn cache_dir(repo: &Repo) -> std::path::PathBuf {
    repo.repo.path().join("funnel")
}

/// The text of each of `blobs` (invalid UTF-8 replaced), `None` for one
/// that cannot be read. They are read in pack order straight from the pack
/// files, through the delta cache that makes reading many versions of the
/// same files cheap (libgit2 re-inflates a delta chain for every version,
/// and re-hashes every object), on up to 4 cores; libgit2 reads whatever is
/// not packed.
pub fn blob_texts(repo: &Repo, blobs: &[BlobId]) -> Vec<Option<String>> {
    read_blobs(repo, blobs, |data| {
        String::from_utf8_lossy(data).into_owned()
    })
}

/// The bytes of each of `blobs`, read as [`blob_texts`] reads them.
pub fn blob_bytes(repo: &Repo, blobs: &[BlobId]) -> Vec<Option<Vec<u8>>> {
    read_blobs(repo, blobs, <[u8]>::to_vec)
}

/// `make` of the bytes of each of `blobs` ([`blob_texts`]).
fn read_blobs<T: Clone + Send>(
    repo: &Repo,
    blobs: &[BlobId],
    make: impl Fn(&[u8]) -> T + Sync,
) -> Vec<Option<T>> {
    read_without_hash_check();
    let git = &repo.repo;
    let Ok(odb) = git.odb() else {
        return vec![None; blobs.len()];
    };
    let dir = &git.commondir().join("objects");
    let path = git.path();
    let mut objects = Objects::new(&odb, dir);
    let ids: Vec<Id> = blobs.iter().map(|blob| id(blob.0)).collect();
    let places = objects.places(&ids);
    let mut order: Vec<usize> = (0..blobs.len()).collect();
    order.sort_unstable_by_key(|&n| (places[n], n));
    // The cores share the pack files as opened here.
    let packs = objects.packs();
    let read = |objects: &mut Objects<'_, '_>, n: usize| {
        objects
            .blob_at(&ids[n], places[n])
            .ok()
            .map(|data| make(&data))
    };
    let split = crate::parallel::Split {
        threads: 4,
        min_chunk: 512,
    };
    // Each core opens the repository again: libgit2's objects are not to
    // be shared between threads.
    let read_part = |part: &[usize]| -> Vec<(usize, Option<T>)> {
        let opened = Repository::open(path);
        let Some(odb) = opened.as_ref().ok().and_then(|git| git.odb().ok()) else {
            return part.iter().map(|&n| (n, None)).collect();
        };
        let mut objects = Objects::sharing(&odb, dir, &packs);
        part.iter().map(|&n| (n, read(&mut objects, n))).collect()
    };
    let mut texts = vec![None; blobs.len()];
    for (n, text) in crate::parallel::map_chunks(&order, split, |_, part| read_part(part)) {
        texts[n] = text.or_else(|| read(&mut objects, n));
    }
    texts
}

/// The deal files in each stage folder: the folder's tree id and the stems.
type Folders = Vec<(Option<Id>, Vec<u32>)>;

/// The deals at HEAD as (stem, stage), a stem in two stages only in the
/// first (as the pipeline loads it).
fn deals_at_head(folders: &Folders) -> Vec<(u32, u16)> {
    let mut seen = FxMap::default();
    let mut deals = Vec::new();
    for (stage, (_, stems)) in folders.iter().enumerate() {
        for &stem in stems {
            if seen.insert(stem, ()).is_none() {
                deals.push((stem, stage as u16));
            }
        }
    }
    deals
}

fn id(oid: Oid) -> Id {
    let mut id = [0; 20];
    id.copy_from_slice(oid.as_bytes());
    id
}

fn oid(id: &Id) -> Oid {
    Oid::from_bytes(id).unwrap_or(Oid::ZERO_SHA1)
}

/// Turns libgit2's re-hashing of every object it reads off, once for the
/// process, and never back on.
///
/// Why off: the trees and blobs already come from the pack reader, but
/// libgit2 still reads every commit (the revwalk, each commit's parents and
/// author). Reading those through the pack reader too and leaving the check
/// on made a cold walk of the 100,000-commit benchmark 11% slower (4.04 s
/// against 3.64 s, medians of 5 in one run). Why that is safe: git itself
/// verifies object hashes in `fsck` and when objects arrive (fetch, push),
/// never on reads such as `git log`, and history trusts the repository as
/// `git log` does; the pack reader checks every stream's Adler-32 and sizes
/// either way; and the option does not touch writing (a new object's id is
/// always its hash). Why once and here: the option is process-wide, so the
/// guard history had (off for a load, back on when it ended) raced with a
/// load or `blob_texts` on another thread and made other git2 users' reads
/// depend on timing. Set once it is one predictable state, and this is the
/// only place in funnel that sets it.
pub(crate) fn read_without_hash_check() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Whether the history is partial and why, and a hash of what rewrites the
/// graph (the shallow boundary and grafts), which keys the cache.
fn graft_state(git: &Repository) -> (Option<String>, u64) {
    let mut reasons = Vec::new();
    let mut hash = Fx::default();
    let common = git.commondir();
    if let Ok(bytes) = std::fs::read(common.join("shallow")) {
        hash.write(&bytes);
    }
    if git.is_shallow() {
        reasons.push(
            "the repository is a shallow clone: commits beyond its boundary are missing \
             (`git fetch --unshallow` fetches them)"
                .to_string(),
        );
    }
    if let Ok(bytes) = std::fs::read(common.join("info").join("grafts")) {
        hash.write_u8(1);
        hash.write(&bytes);
        if !bytes.trim_ascii().is_empty() {
            reasons.push(
                "info/grafts rewrites the parents of some commits: history follows the grafted graph"
                    .to_string(),
            );
        }
    }
    let partial = (!reasons.is_empty()).then(|| reasons.join("; "));
    (partial, hash.finish())
}

fn prefix_components(prefix: &Path) -> Result<Vec<String>> {
    prefix
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_str().map(str::to_string).ok_or_else(|| {
                Error::data(format!(
                    "the pipeline folder {} is not valid UTF-8",
                    prefix.display()
                ))
            })),
            _ => None,
        })
        .collect()
}
