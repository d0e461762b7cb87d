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
//! git dir (`funnel/history-v1-KEY`, keyed by prefix, stage list and grafts);
//! a later load diffs only the commits it has not seen.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Component, Path};
use std::rc::Rc;

use git2::{Odb, Oid, Repository, Sort};
use jiff::Timestamp;

use super::Repo;
use crate::error::{Error, Result};

/// A deal entering a stage: a commit that added its file to the stage folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageEntry {
    pub stage: String,
    /// The commit's author time: when the move was made (it survives rebase
    /// and amend, and `--at` sets it).
    pub at: Timestamp,
    pub commit: Oid,
    pub author_email: String,
}

/// One deal's history, following renames made with `funnel rename`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The deal's ID at HEAD.
    pub id: String,
    /// The author time of the commit that first added the file.
    pub added_at: Timestamp,
    pub added_in: Oid,
    /// Every stage entry, oldest first: the first stage, moves and reopenings.
    pub entries: Vec<StageEntry>,
    /// The author time of the newest commit that changed the file in any way.
    pub last_change: Timestamp,
    /// Earlier IDs (`Funnel-Renamed-From` trailers), oldest first.
    pub renamed_from: Vec<String>,
    /// Every committed version of the file, oldest first: (commit, author
    /// time, blob).
    pub versions: Vec<(Oid, Timestamp, Oid)>,
}

/// The history of every deal present at HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// By the deal's ID at HEAD. Deals deleted before HEAD are not here.
    pub deals: HashMap<String, Timeline>,
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
    let _hash_check = HashCheckOff::new();
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
    let head_tree = id(head.tree_id());
    let head = head.id();
    let prefix = prefix_components(&repo.prefix)?;
    let key = format!(
        "prefix={}\nstages={}\ngrafts={grafts:016x}\n",
        prefix.join("/"),
        stages.join(",")
    );
    let cache_path = cache_dir(repo).join(format!(
        "history-v{VERSION}-{:016x}",
        checksum(key.as_bytes())
    ));
    // The bytes read are kept as the buffer the new cache is written from:
    // 8 MB of fresh memory costs 2,000 page faults.
    let mut buffer = std::fs::read(&cache_path).unwrap_or_default();
    let cached = decode(&buffer, &key, stages.len());

    let odb = git.odb()?;
    let mut differ = Differ::new(git, &odb, prefix, stages);
    // The store, the order of the walk, the links in that order, and the
    // deals by stage folder at HEAD; `fresh` when the cache is out of date.
    let (store, order, links, folders, fresh) = match cached {
        Some(cached) if cached.store.commits[0].id == id(head) => {
            let order = (0..cached.store.commits.len() as u32).collect();
            (cached.store, order, cached.links, cached.folders, false)
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
    if order.first().map(|&n| store.commits[n as usize].id) != Some(id(head)) {
        return Err(Error::data("the history walk did not start at HEAD"));
    }
    if fresh {
        // A cache that cannot be written (a read-only repository) only
        // costs time on the next load.
        encode(&mut buffer, &store, &order, &links, &folders, &key);
        let _ = crate::cache_file::write_atomically(&cache_path, &buffer);
    }
    let at_head = deals_at_head(&folders);
    let history = History {
        deals: chase(&store, &order, &links, stages, &at_head),
        partial,
        skew: skew(&store, &order, &links),
    };
    Ok(history)
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
pub fn blob_texts(repo: &Repo, blobs: &[Oid]) -> Vec<Option<String>> {
    let _hash_check = HashCheckOff::new();
    let git = &repo.repo;
    let Ok(odb) = git.odb() else {
        return vec![None; blobs.len()];
    };
    let dir = &git.commondir().join("objects");
    let path = git.path();
    let mut objects = objects::Objects::new(&odb, dir);
    let mut order: Vec<(Option<(u32, u64)>, usize)> = blobs
        .iter()
        .enumerate()
        .map(|(n, blob)| (objects.place(&id(*blob)), n))
        .collect();
    order.sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|(_, n)| n).collect();
    let read = |objects: &mut objects::Objects<'_, '_>, n: usize| {
        objects
            .blob(&id(blobs[n]))
            .ok()
            .map(|data| String::from_utf8_lossy(&data).into_owned())
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let chunk = order.len().div_ceil(threads).max(512);
    let mut texts = vec![None; blobs.len()];
    let mut parts = order.chunks(chunk);
    let mine = parts.next().unwrap_or_default();
    // Each other core opens the repository again: libgit2's objects are
    // not to be shared between threads.
    let theirs: Vec<Vec<(usize, Option<String>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .map(|part| {
                scope.spawn(move || {
                    let opened = Repository::open(path);
                    let Some(odb) = opened.as_ref().ok().and_then(|git| git.odb().ok()) else {
                        return part.iter().map(|&n| (n, None)).collect();
                    };
                    let mut objects = objects::Objects::new(&odb, dir);
                    part.iter().map(|&n| (n, read(&mut objects, n))).collect()
                })
            })
            .collect();
        for &n in mine {
            texts[n] = read(&mut objects, n);
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for (n, text) in theirs.into_iter().flatten() {
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

/// The format version of the cache file; bump it when the layout changes.
const VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"FNLHIST\n";

/// An object id as plain bytes: comparing git2's `Oid` is a call into C,
/// and the walk compares ids in every hash probe.
type Id = [u8; 20];

fn id(oid: Oid) -> Id {
    let mut id = [0; 20];
    id.copy_from_slice(oid.as_bytes());
    id
}

fn oid(id: &Id) -> Oid {
    Oid::from_bytes(id).unwrap_or(Oid::ZERO_SHA1)
}

/// Turns libgit2's re-hashing of every object read off while history loads
/// (git itself does not verify on read), and back on afterwards.
struct HashCheckOff;

impl HashCheckOff {
    fn new() -> HashCheckOff {
        git2::opts::strict_hash_verification(false);
        HashCheckOff
    }
}

impl Drop for HashCheckOff {
    fn drop(&mut self) {
        git2::opts::strict_hash_verification(true);
    }
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

// ---------------------------------------------------------------------------
// Fast hashing: object ids are already uniformly random.

#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        // A final mix so that every input bit reaches every output bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = Fx(bytes.len() as u64);
    hash.write(bytes);
    hash.finish()
}

// ---------------------------------------------------------------------------
// What each commit changed, per parent: the cache's content.

/// Strings (deal stems, author emails) by number. The index by name is
/// built when first needed: a load from an up-to-date cache never needs it.
#[derive(Default)]
struct Names {
    list: Vec<Box<str>>,
    index: Option<FxMap<Box<str>, u32>>,
}

impl Names {
    fn index(&mut self) -> &mut FxMap<Box<str>, u32> {
        let list = &self.list;
        self.index
            .get_or_insert_with(|| list.iter().cloned().zip(0..).collect())
    }

    fn intern(&mut self, name: &str) -> u32 {
        let n = self.list.len() as u32;
        let index = self.index();
        if let Some(&found) = index.get(name) {
            return found;
        }
        index.insert(name.into(), n);
        self.list.push(name.into());
        n
    }

    fn get(&mut self, name: &str) -> Option<u32> {
        self.index().get(name).copied()
    }

    fn name(&self, n: u32) -> &str {
        &self.list[n as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Added,
    Deleted,
    Modified,
}

/// One deal file that differs between a commit and one of its parents.
#[derive(Debug, Clone, Copy)]
struct Change {
    stem: u32,
    stage: u16,
    kind: Kind,
    /// The commit's blob (the parent's for a deletion).
    blob: Id,
}

/// A `Funnel-Renamed-From: OLD` trailer whose OLD the commit deleted; `new`
/// is the deal it names with `Funnel-Deal`, if any.
#[derive(Debug, Clone, Copy)]
struct Rename {
    new: Option<u32>,
    old: u32,
}

/// A commit; its lists live in the store's flat vectors.
struct CommitRec {
    id: Id,
    /// Author time, seconds since the epoch.
    time: i64,
    email: u32,
    parents: (u32, u32),
    renames: (u32, u32),
    /// One change list per parent (one against the empty tree for a root).
    lists: (u32, u32),
}

#[derive(Default)]
struct Store {
    stems: Names,
    emails: Names,
    commits: Vec<CommitRec>,
    parents: Vec<Id>,
    renames: Vec<Rename>,
    lists: Vec<(u32, u32)>,
    changes: Vec<Change>,
}

fn span<T>(items: &[T], (start, end): (u32, u32)) -> &[T] {
    &items[start as usize..end as usize]
}

impl Store {
    fn parents(&self, commit: &CommitRec) -> &[Id] {
        span(&self.parents, commit.parents)
    }

    fn renames(&self, commit: &CommitRec) -> &[Rename] {
        span(&self.renames, commit.renames)
    }

    fn lists(&self, commit: &CommitRec) -> &[(u32, u32)] {
        span(&self.lists, commit.lists)
    }
}

/// A cache file's commits (in its topological order, the tip first), their
/// links, and the deals in the stage folders at the tip.
struct Cached {
    store: Store,
    links: Vec<u32>,
    folders: Folders,
}

/// No position: a parent outside the walk.
const NOWHERE: u32 = u32::MAX;

/// The cache file: magic, version, key, the names, each commit in order
/// (parents as forward distances in that order), the deals at the tip, and
/// a checksum of all that.
fn encode(
    out: &mut Vec<u8>,
    store: &Store,
    order: &[u32],
    links: &[u32],
    folders: &Folders,
    key: &str,
) {
    out.clear();
    out.reserve(64 + order.len() * 72);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    put_str(out, key);
    for names in [&store.stems, &store.emails] {
        put_varint(out, names.list.len() as u64);
        for name in &names.list {
            put_str(out, name);
        }
    }
    put_varint(out, order.len() as u64);
    for (pos, &n) in order.iter().enumerate() {
        let commit = &store.commits[n as usize];
        out.extend_from_slice(&commit.id);
        out.extend_from_slice(&commit.time.to_le_bytes());
        put_varint(out, u64::from(commit.email));
        let parents = store.parents(commit);
        put_varint(out, parents.len() as u64);
        for (parent, &at) in parents.iter().zip(span(links, commit.parents)) {
            if at != NOWHERE && at as usize > pos {
                put_varint(out, (at as usize - pos) as u64);
            } else {
                put_varint(out, 0);
                out.extend_from_slice(parent);
            }
        }
        let renames = store.renames(commit);
        put_varint(out, renames.len() as u64);
        for rename in renames {
            put_varint(out, rename.new.map_or(0, |n| u64::from(n) + 1));
            put_varint(out, u64::from(rename.old));
        }
        for &list in store.lists(commit) {
            let list = span(&store.changes, list);
            put_varint(out, list.len() as u64);
            for change in list {
                put_varint(out, u64::from(change.stem));
                put_varint(out, u64::from(change.stage));
                out.push(change.kind as u8);
                out.extend_from_slice(&change.blob);
            }
        }
    }
    for (tree, stems) in folders {
        match tree {
            Some(tree) => {
                out.push(1);
                out.extend_from_slice(tree);
            }
            None => out.push(0),
        }
        put_varint(out, stems.len() as u64);
        for &stem in stems {
            put_varint(out, u64::from(stem));
        }
    }
    let sum = checksum(out);
    out.extend_from_slice(&sum.to_le_bytes());
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Reads a cache file; anything truncated, corrupt, foreign or made for
/// another prefix, stage list or grafts is `None` and rebuilt, never trusted.
fn decode(bytes: &[u8], key: &str, stages: usize) -> Option<Cached> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if checksum(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = Reader { buf: body, at: 0 };
    if r.take(8)? != MAGIC || r.take(4)? != VERSION.to_le_bytes() || r.str()? != key {
        return None;
    }
    let mut store = Store::default();
    for names in [&mut store.stems, &mut store.emails] {
        let count = r.count()?;
        names.list.reserve(count);
        for _ in 0..count {
            names.list.push(r.str()?.into());
        }
    }
    let (stems, emails) = (store.stems.list.len(), store.emails.list.len());
    let count = r.count()?;
    store.commits.reserve(count);
    // Parents given by position, filled in once every commit is read.
    let mut later = Vec::new();
    let mut links = Vec::new();
    for pos in 0..count {
        let id = r.id()?;
        let time = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let email = r.index(emails)?;
        let start = store.parents.len() as u32;
        let parents = r.count()?;
        for _ in 0..parents {
            match r.count()? {
                0 => {
                    store.parents.push(r.id()?);
                    links.push(NOWHERE);
                }
                ahead => {
                    later.push((store.parents.len(), pos.checked_add(ahead)?));
                    store.parents.push([0; 20]);
                    links.push(u32::try_from(pos + ahead).ok()?);
                }
            }
        }
        let parents = (start, store.parents.len() as u32);
        let start = store.renames.len() as u32;
        for _ in 0..r.count()? {
            let new = match r.index(stems + 1)? {
                0 => None,
                n => Some(n - 1),
            };
            let old = r.index(stems)?;
            store.renames.push(Rename { new, old });
        }
        let renames = (start, store.renames.len() as u32);
        let start = store.lists.len() as u32;
        for _ in 0..(parents.1 - parents.0).max(1) {
            let first = store.changes.len() as u32;
            for _ in 0..r.count()? {
                let stem = r.index(stems)?;
                let stage = r.index(stages)? as u16;
                let kind = match r.take(1)?[0] {
                    0 => Kind::Added,
                    1 => Kind::Deleted,
                    2 => Kind::Modified,
                    _ => return None,
                };
                let blob = r.id()?;
                store.changes.push(Change {
                    stem,
                    stage,
                    kind,
                    blob,
                });
            }
            store.lists.push((first, store.changes.len() as u32));
        }
        let lists = (start, store.lists.len() as u32);
        store.commits.push(CommitRec {
            id,
            time,
            email,
            parents,
            renames,
            lists,
        });
    }
    for (slot, pos) in later {
        store.parents[slot] = store.commits.get(pos)?.id;
    }
    let mut folders = Vec::with_capacity(stages);
    for _ in 0..stages {
        let tree = match r.take(1)?[0] {
            0 => None,
            1 => Some(r.id()?),
            _ => return None,
        };
        let count = r.count()?;
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            list.push(r.index(stems)?);
        }
        folders.push((tree, list));
    }
    if r.at != body.len() || store.commits.is_empty() {
        return None;
    }
    Some(Cached {
        store,
        links,
        folders,
    })
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bytes)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.buf.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// A count of items that follow, each at least a byte: never more than
    /// the bytes left.
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?)
            .ok()
            .filter(|&n| n <= self.buf.len() - self.at)
    }

    /// A number below `limit`.
    fn index(&mut self, limit: usize) -> Option<u32> {
        let n = self.varint()?;
        (n < limit as u64).then_some(n as u32)
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = self.count()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    fn id(&mut self) -> Option<Id> {
        self.take(20)?.try_into().ok()
    }
}

// ---------------------------------------------------------------------------
// Walking the graph.

/// The commits reachable from `head`, newest first in topological order.
fn walk(git: &Repository, head: Oid, hide: Option<Oid>) -> Result<Vec<Oid>> {
    let mut walk = git.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL)?;
    walk.push(head)?;
    if let Some(tip) = hide {
        walk.hide(tip)?;
    }
    Ok(walk.collect::<Result<Vec<_>, _>>()?)
}

/// When `head` descends from the cached tip: the new commits diffed and
/// placed before the cached order (no cached commit descends from a new
/// one, so the order stays topological). `None` when it does not descend
/// (after a rebase, reset, amend or branch switch).
fn incremental(
    differ: &mut Differ<'_, '_>,
    store: &mut Store,
    head: Oid,
    cached_links: &[u32],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Option<(Vec<u32>, Vec<u32>)>> {
    let tip = store.commits[0].id;
    let cached = store.commits.len();
    let Ok(walked) = walk(differ.git, head, Some(oid(&tip))) else {
        return Ok(None); // the tip is gone (gc after a rebase)
    };
    for (done, &commit) in walked.iter().enumerate() {
        differ.record(store, commit)?;
        if done % 1024 == 0 {
            progress(done, walked.len());
        }
    }
    // HEAD descends from the tip exactly when some new commit has the tip
    // as a parent: the last step of any path from HEAD down to the tip.
    let new = &store.commits[cached..];
    if !new.iter().any(|c| store.parents(c).contains(&tip)) {
        return Ok(None);
    }
    let order: Vec<u32> = (cached..store.commits.len())
        .chain(0..cached)
        .map(|n| n as u32)
        .collect();
    // The cached links move down by the number of new commits; the new
    // commits' parents are new commits or the tip, or else (a branch that
    // forked from deep in the history) all links are worked out again.
    let shift = new.len() as u32;
    let mut moved: Vec<u32> = cached_links
        .iter()
        .map(|&at| if at == NOWHERE { NOWHERE } else { at + shift })
        .collect();
    let mut positions: FxMap<Id, u32> = new
        .iter()
        .enumerate()
        .map(|(pos, c)| (c.id, pos as u32))
        .collect();
    positions.insert(tip, shift);
    for parent in &store.parents[moved.len()..] {
        match positions.get(parent) {
            Some(&at) => moved.push(at),
            None => {
                let links = links(store, &order);
                return Ok(Some((order, links)));
            }
        }
    }
    Ok(Some((order, moved)))
}

/// Every commit reachable from `head`; only those the store does not know
/// are diffed.
fn full_walk(
    differ: &mut Differ<'_, '_>,
    store: &mut Store,
    head: Oid,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u32>> {
    let mut known: FxMap<Id, u32> = store
        .commits
        .iter()
        .enumerate()
        .map(|(n, c)| (c.id, n as u32))
        .collect();
    let commits = walk(differ.git, head, None)?;
    let mut order = Vec::with_capacity(commits.len());
    let total = commits.len();
    for (done, commit) in commits.into_iter().enumerate() {
        if done % 1024 == 0 {
            progress(done, total);
        }
        let n = match known.entry(id(commit)) {
            MapEntry::Occupied(found) => *found.get(),
            MapEntry::Vacant(slot) => *slot.insert(differ.record(store, commit)?),
        };
        order.push(n);
    }
    Ok(order)
}

/// The links of the graph in `order`: for each entry of `store.parents`,
/// the parent's position in `order` (`NOWHERE` when it is not there).
fn links(store: &Store, order: &[u32]) -> Vec<u32> {
    let mut positions = FxMap::default();
    positions.reserve(order.len());
    for (pos, &n) in order.iter().enumerate() {
        positions.insert(store.commits[n as usize].id, pos as u32);
    }
    store
        .parents
        .iter()
        .map(|parent| positions.get(parent).copied().unwrap_or(NOWHERE))
        .collect()
}

fn skew(store: &Store, order: &[u32], links: &[u32]) -> Vec<String> {
    let mut found = Vec::new();
    for &n in order {
        let commit = &store.commits[n as usize];
        for &pos in span(links, commit.parents) {
            if pos == NOWHERE {
                continue;
            }
            let parent = &store.commits[order[pos as usize] as usize];
            if commit.time < parent.time {
                found.push(format!(
                    "commit {} is dated {}, before its parent {} ({})",
                    short(&commit.id),
                    timestamp(commit.time),
                    short(&parent.id),
                    timestamp(parent.time),
                ));
            }
        }
    }
    found
}

fn short(id: &Id) -> String {
    id[..5].iter().map(|b| format!("{b:02x}")).collect()
}

fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

// ---------------------------------------------------------------------------
// Diffing commits: stage folders by id, then raw trees.

/// Diffs commits against their parents, keeping the folder trees of the
/// last two commits (the next commit of a newest-first walk is usually the
/// parent just read).
struct Differ<'o, 'r> {
    git: &'r Repository,
    objects: objects::Objects<'o, 'r>,
    prefix: Vec<String>,
    stages: Vec<String>,
    trees: FxMap<Id, Rc<Vec<u8>>>,
    older_trees: FxMap<Id, Rc<Vec<u8>>>,
    folders: FxMap<Id, Rc<[Option<Id>]>>,
    older_folders: FxMap<Id, Rc<[Option<Id>]>>,
}

impl<'o, 'r> Differ<'o, 'r> {
    fn new(
        git: &'r Repository,
        odb: &'o Odb<'r>,
        prefix: Vec<String>,
        stages: &[&str],
    ) -> Differ<'o, 'r> {
        Differ {
            git,
            objects: objects::Objects::new(odb, &git.commondir().join("objects")),
            prefix,
            stages: stages.iter().map(|s| s.to_string()).collect(),
            trees: FxMap::default(),
            older_trees: FxMap::default(),
            folders: FxMap::default(),
            older_folders: FxMap::default(),
        }
    }

    /// Reads a commit, diffs it against each parent and adds it to `store`.
    fn record(&mut self, store: &mut Store, commit: Oid) -> Result<u32> {
        std::mem::swap(&mut self.trees, &mut self.older_trees);
        self.trees.clear();
        std::mem::swap(&mut self.folders, &mut self.older_folders);
        self.folders.clear();

        let commit = self.git.find_commit(commit)?;
        let author = commit.author();
        let time = author.when().seconds();
        let email = store
            .emails
            .intern(&String::from_utf8_lossy(author.email_bytes()));
        let tree = id(commit.tree_id());
        let parents_start = store.parents.len() as u32;
        let lists_start = store.lists.len() as u32;
        for parent in commit.parent_ids() {
            store.parents.push(id(parent));
            let parent_tree = id(self.git.find_commit(parent)?.tree_id());
            self.diff(store, Some(parent_tree), tree)?;
        }
        let parents = (parents_start, store.parents.len() as u32);
        if parents.0 == parents.1 {
            self.diff(store, None, tree)?;
        }
        let lists = (lists_start, store.lists.len() as u32);
        let renames_start = store.renames.len() as u32;
        for (new, old) in rename_trailers(commit.message_bytes()) {
            let Some(old) = store.stems.get(&old) else {
                continue;
            };
            let new = match new {
                Some(new) => match store.stems.get(&new) {
                    Some(new) => Some(new),
                    None => continue,
                },
                None => None,
            };
            let changes = || {
                span(&store.lists, lists)
                    .iter()
                    .map(|&l| span(&store.changes, l))
            };
            let deleted = changes().any(|list| {
                list.iter()
                    .any(|c| c.stem == old && c.kind == Kind::Deleted)
                    && !list
                        .iter()
                        .any(|c| c.stem == old && c.kind != Kind::Deleted)
            });
            let added = new.is_none_or(|new| {
                changes().any(|list| list.iter().any(|c| c.stem == new && c.kind == Kind::Added))
            });
            if deleted && added && new != Some(old) {
                store.renames.push(Rename { new, old });
            }
        }
        let renames = (renames_start, store.renames.len() as u32);
        store.commits.push(CommitRec {
            id: id(commit.id()),
            time,
            email,
            parents,
            renames,
            lists,
        });
        Ok(store.commits.len() as u32 - 1)
    }

    /// Adds the change list of `tree` against `parent` (or the empty tree).
    fn diff(&mut self, store: &mut Store, parent: Option<Id>, tree: Id) -> Result<()> {
        let start = store.changes.len() as u32;
        if parent != Some(tree) {
            let new = self.stage_folders(&tree)?;
            let old = match parent {
                Some(parent) => self.stage_folders(&parent)?,
                None => vec![None; self.stages.len()].into(),
            };
            for (stage, (a, b)) in old.iter().zip(new.iter()).enumerate() {
                if a == b {
                    continue;
                }
                for tree in [a, b].into_iter().flatten() {
                    self.keep_tree(tree)?;
                }
                let a = a.as_ref().map_or(&[][..], |tree| &self.trees[tree]);
                let b = b.as_ref().map_or(&[][..], |tree| &self.trees[tree]);
                let stage = stage as u16;
                let stems = &mut store.stems;
                let changes = &mut store.changes;
                diff_trees(a, b, &mut |kind, stem, blob| {
                    changes.push(Change {
                        stem: stems.intern(stem),
                        stage,
                        kind,
                        blob,
                    });
                })?;
            }
        }
        store.lists.push((start, store.changes.len() as u32));
        Ok(())
    }

    /// Makes sure the raw tree `tree` is in `self.trees`.
    fn keep_tree(&mut self, tree: &Id) -> Result<()> {
        if self.trees.contains_key(tree) {
            return Ok(());
        }
        let data = match self.older_trees.remove(tree) {
            Some(data) => data,
            None => self.objects.tree(tree)?,
        };
        self.trees.insert(*tree, data);
        Ok(())
    }

    /// The tree ids of the stage folders in a root tree (`None`: absent).
    fn stage_folders(&mut self, root: &Id) -> Result<Rc<[Option<Id>]>> {
        if let Some(found) = self.folders.get(root) {
            return Ok(found.clone());
        }
        let found = match self.older_folders.remove(root) {
            Some(found) => found,
            None => self.read_stage_folders(root)?.into(),
        };
        self.folders.insert(*root, found.clone());
        Ok(found)
    }

    fn read_stage_folders(&mut self, root: &Id) -> Result<Vec<Option<Id>>> {
        let mut folders = vec![None; self.stages.len()];
        let mut tree = *root;
        for n in 0..self.prefix.len() {
            let data = self.objects.tree(&tree)?;
            match find_folder(&data, self.prefix[n].as_bytes())? {
                Some(found) => tree = found,
                None => return Ok(folders),
            }
        }
        let data = self.objects.tree(&tree)?;
        let mut at = 0;
        while at < data.len() {
            let entry = entry_at(&data, at).ok_or_else(corrupt)?;
            at = entry.end;
            if entry.is_dir()
                && let Some(n) = self.stages.iter().position(|s| s.as_bytes() == entry.name)
            {
                folders[n] = Some(entry.id());
            }
        }
        Ok(folders)
    }

    /// The deal files in each stage folder of a root tree; a folder whose
    /// tree is in `known` is not read again.
    fn folders_in(
        &mut self,
        root: Id,
        stems: &mut Names,
        known: &[(Option<Id>, Vec<u32>)],
    ) -> Result<Folders> {
        let trees = self.stage_folders(&root)?;
        let mut folders = Vec::with_capacity(trees.len());
        for (stage, tree) in trees.iter().enumerate() {
            let mut list = Vec::new();
            if let Some(tree) = tree {
                match known.get(stage) {
                    Some((Some(same), stems)) if same == tree => list.clone_from(stems),
                    _ => {
                        self.keep_tree(tree)?;
                        let data = self.trees[tree].clone();
                        let mut at = 0;
                        while at < data.len() {
                            let entry = entry_at(&data, at).ok_or_else(corrupt)?;
                            at = entry.end;
                            if let Some(stem) = entry.deal() {
                                list.push(stems.intern(stem));
                            }
                        }
                    }
                }
            }
            folders.push((*tree, list));
        }
        Ok(folders)
    }
}

fn corrupt() -> Error {
    Error::data("a tree object in the repository is corrupt: run `git fsck`")
}

fn find_folder(data: &[u8], name: &[u8]) -> Result<Option<Id>> {
    let mut at = 0;
    while at < data.len() {
        let entry = entry_at(data, at).ok_or_else(corrupt)?;
        if entry.is_dir() && entry.name == name {
            return Ok(Some(entry.id()));
        }
        at = entry.end;
    }
    Ok(None)
}

/// A raw tree entry: `MODE SP NAME NUL OID`.
struct TreeEntry<'a> {
    mode: &'a [u8],
    name: &'a [u8],
    oid: &'a [u8],
    /// Where the next entry starts.
    end: usize,
}

impl<'a> TreeEntry<'a> {
    fn is_dir(&self) -> bool {
        self.mode == b"40000"
    }

    fn id(&self) -> Id {
        let mut id = [0; 20];
        id.copy_from_slice(self.oid);
        id
    }

    /// The deal ID when this is a regular file `ID.toml` with a valid ID.
    fn deal(&self) -> Option<&'a str> {
        if self.mode != b"100644" && self.mode != b"100755" {
            return None;
        }
        let stem = self.name.strip_suffix(b".toml")?;
        let (&first, rest) = stem.split_first()?;
        let valid = stem.len() <= 64
            && (first.is_ascii_lowercase() || first.is_ascii_digit())
            && rest
                .iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        // ASCII, so always UTF-8.
        valid.then(|| std::str::from_utf8(stem).ok()).flatten()
    }

    /// Git's tree order: names compared bytewise, a folder as if it ended
    /// with '/'.
    fn cmp(&self, other: &TreeEntry<'_>) -> Ordering {
        let n = self.name.len().min(other.name.len());
        self.name[..n].cmp(&other.name[..n]).then_with(|| {
            let end = |e: &TreeEntry<'_>| {
                e.name
                    .get(n)
                    .copied()
                    .unwrap_or(if e.is_dir() { b'/' } else { 0 })
            };
            end(self).cmp(&end(other))
        })
    }
}

fn entry_at(data: &[u8], at: usize) -> Option<TreeEntry<'_>> {
    let rest = data.get(at..)?;
    let space = rest.iter().take(8).position(|&b| b == b' ')?;
    let mode = &rest[..space];
    if mode.is_empty() || !mode.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let name_start = space + 1;
    let nul = name_start + rest[name_start..].iter().position(|&b| b == 0)?;
    let end = nul + 21;
    if nul == name_start || end > rest.len() {
        return None;
    }
    Some(TreeEntry {
        mode,
        name: &rest[name_start..nul],
        oid: &rest[nul + 1..end],
        end: at + end,
    })
}

const MODES: [&[u8]; 5] = [b"100644", b"100755", b"40000", b"120000", b"160000"];

/// Whether an entry can start at `at`: a known mode and a space.
fn mode_at(data: &[u8], at: usize) -> bool {
    MODES.iter().any(|mode| {
        data.get(at..at + mode.len() + 1)
            .is_some_and(|bytes| bytes[..mode.len()] == **mode && bytes[mode.len()] == b' ')
    })
}

/// Whether `at` looks like an entry boundary in `data`: the start, or the
/// end of an entry (NUL + 20 bytes) that itself begins at a boundary-looking
/// place, followed by an entry or the end. Checked over two entries, a false
/// boundary would need an object id holding a zero byte exactly where a
/// name of a known mode follows; a parse error from it falls back to the
/// start anyway.
fn boundary_at(data: &[u8], at: usize) -> bool {
    if at == 0 {
        return true;
    }
    if at < 21 || at > data.len() || data[at - 21] != 0 {
        return false;
    }
    if at < data.len() && !mode_at(data, at) {
        return false;
    }
    let nul = at - 21;
    let Some(space) = data[..nul].iter().rposition(|&b| b == b' ' || b == 0) else {
        return false;
    };
    if data[space] != b' ' || space + 1 == nul {
        return false;
    }
    MODES.iter().any(|mode| {
        space >= mode.len() && {
            let start = space - mode.len();
            data[start..space] == **mode && (start == 0 || (start >= 21 && data[start - 21] == 0))
        }
    })
}

/// The last entry boundary at or before `limit` shared by both trees.
fn boundary_before(a: &[u8], b: &[u8], limit: usize) -> usize {
    let Some(mut k) = limit.checked_sub(21) else {
        return 0;
    };
    loop {
        match a[..=k].iter().rposition(|&x| x == 0) {
            None => return 0,
            Some(nul) => k = nul,
        }
        if boundary_at(a, k + 21) && boundary_at(b, k + 21) {
            return k + 21;
        }
        if k == 0 {
            return 0;
        }
        k -= 1;
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    const BLOCK: usize = 128;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    const BLOCK: usize = 128;
    while i + BLOCK <= n && a[la - i - BLOCK..la - i] == b[lb - i - BLOCK..lb - i] {
        i += BLOCK;
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// Reports the deal files that differ between the raw trees `a` (parent)
/// and `b` (commit): (kind, stem, blob).
fn diff_trees(a: &[u8], b: &[u8], emit: &mut dyn FnMut(Kind, &str, Id)) -> Result<()> {
    let prefix = common_prefix(a, b);
    let suffix = common_suffix(a, b);
    let start = boundary_before(a, b, prefix);
    let mut found = Vec::new();
    let clean = merge_join(a, b, start, suffix, &mut found)
        || (start != 0 && {
            found.clear();
            merge_join(a, b, 0, suffix, &mut found)
        });
    if !clean {
        return Err(corrupt());
    }
    for (kind, stem, blob) in found {
        let mut id = [0; 20];
        id.copy_from_slice(blob);
        emit(kind, stem, id);
    }
    Ok(())
}

/// Merge-joins the entries of `a` and `b` from the shared boundary `start`
/// until the rest of both is the same bytes (within the common `suffix`).
/// `false` when an entry does not parse.
fn merge_join<'a>(
    a: &'a [u8],
    b: &'a [u8],
    start: usize,
    suffix: usize,
    found: &mut Vec<(Kind, &'a str, &'a [u8])>,
) -> bool {
    let (mut pa, mut pb) = (start, start);
    let next = |data: &'a [u8], at: usize| -> Option<Option<TreeEntry<'a>>> {
        if at >= data.len() {
            Some(None)
        } else {
            entry_at(data, at).map(Some)
        }
    };
    let Some(mut ea) = next(a, pa) else {
        return false;
    };
    let Some(mut eb) = next(b, pb) else {
        return false;
    };
    loop {
        let rest = a.len() - pa;
        if rest == b.len() - pb && rest <= suffix {
            return true;
        }
        let (step_a, step_b) = match (&ea, &eb) {
            (None, None) => return true,
            (Some(x), None) => {
                if let Some(stem) = x.deal() {
                    found.push((Kind::Deleted, stem, x.oid));
                }
                (true, false)
            }
            (None, Some(y)) => {
                if let Some(stem) = y.deal() {
                    found.push((Kind::Added, stem, y.oid));
                }
                (false, true)
            }
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => {
                    if let Some(stem) = x.deal() {
                        found.push((Kind::Deleted, stem, x.oid));
                    }
                    (true, false)
                }
                Ordering::Greater => {
                    if let Some(stem) = y.deal() {
                        found.push((Kind::Added, stem, y.oid));
                    }
                    (false, true)
                }
                Ordering::Equal => {
                    match (x.deal(), y.deal()) {
                        (Some(_), Some(stem)) if x.oid != y.oid => {
                            found.push((Kind::Modified, stem, y.oid));
                        }
                        (Some(stem), None) => found.push((Kind::Deleted, stem, x.oid)),
                        (None, Some(stem)) => found.push((Kind::Added, stem, y.oid)),
                        _ => {}
                    }
                    (true, true)
                }
            },
        };
        if step_a {
            pa = ea.as_ref().map_or(pa, |e| e.end);
            ea = match next(a, pa) {
                Some(e) => e,
                None => return false,
            };
        }
        if step_b {
            pb = eb.as_ref().map_or(pb, |e| e.end);
            eb = match next(b, pb) {
                Some(e) => e,
                None => return false,
            };
        }
    }
}

/// `Funnel-Renamed-From: OLD` trailers in the message's last paragraph,
/// each with the `Funnel-Deal: NEW` before it, if any.
fn rename_trailers(message: &[u8]) -> Vec<(Option<String>, String)> {
    const KEY: &[u8] = b"funnel-renamed-from";
    if !message
        .windows(KEY.len())
        .any(|w| w.eq_ignore_ascii_case(KEY))
    {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(message);
    let text = text.trim_end();
    let Some(split) = text.rfind("\n\n") else {
        return Vec::new(); // a subject alone has no trailers
    };
    let mut deal = None;
    let mut found = Vec::new();
    for line in text[split + 2..].lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        if key.trim().eq_ignore_ascii_case("Funnel-Deal") {
            deal = Some(value);
        } else if key.trim().eq_ignore_ascii_case("Funnel-Renamed-From") {
            found.push((deal.clone(), value));
        }
    }
    found
}

// ---------------------------------------------------------------------------
// The backward chase.

/// Where a followed deal's events go: one timeline, or several when two
/// deals share an ancestor file (a rename on one branch, the old ID kept on
/// another).
struct Follow {
    target: u32,
    /// Boxed so that the common case, one target, is 16 bytes in a map
    /// probed for every change of every commit.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<u32>>>,
}

impl Follow {
    fn absorb(&mut self, other: Follow) {
        let more = self.more.get_or_insert_default();
        more.push(other.target);
        if let Some(others) = other.more {
            more.extend(*others);
        }
    }

    fn targets(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.target).chain(self.more.iter().flat_map(|more| more.iter().copied()))
    }
}

/// The deals followed at one commit, by (stem, stage).
type Followed = FxMap<u64, Follow>;

fn key(stem: u32, stage: u16) -> u64 {
    (u64::from(stem) << 16) | u64::from(stage)
}

/// A timeline being built, newest first, from the commit at hand (so the
/// commit's data is read while it is in cache, not looked up afterwards).
#[derive(Default)]
struct Building {
    /// (stage, time, commit, email): the strings are made once the chase
    /// is over, timeline by timeline, so that each timeline's strings lie
    /// together in memory for whoever reads them next.
    entries: Vec<(u16, Timestamp, Oid, u32)>,
    versions: Vec<(Oid, Timestamp, Oid)>,
    renamed_from: Vec<String>,
    added: Option<(Timestamp, Oid)>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// Entered a stage.
    Entry(u16),
    /// A new version of the file, with this blob.
    Version(Id),
    /// Renamed from this stem.
    Renamed(u32),
    /// The file was first added.
    Created,
}

struct Chase<'s> {
    store: &'s Store,
    order: &'s [u32],
    links: &'s [u32],
    slots: Vec<Option<Followed>>,
    timelines: Vec<Building>,
    /// The commit at hand as git2 and jiff values, made once it is needed.
    current: Option<(Oid, Timestamp)>,
}

/// Chases the deals at HEAD through the history, newest commit first, and
/// returns their timelines by ID.
fn chase(
    store: &Store,
    order: &[u32],
    links: &[u32],
    stages: &[&str],
    at_head: &[(u32, u16)],
) -> HashMap<String, Timeline> {
    let mut chase = Chase {
        store,
        order,
        links,
        slots: (0..order.len()).map(|_| None).collect(),
        timelines: (0..at_head.len()).map(|_| Building::default()).collect(),
        current: None,
    };
    let mut seed = Followed::default();
    seed.reserve(at_head.len());
    for (target, &(stem, stage)) in at_head.iter().enumerate() {
        let follow = Follow {
            target: target as u32,
            more: None,
        };
        insert(&mut seed, key(stem, stage), follow);
    }
    chase.slots[0] = Some(seed);
    for pos in 0..order.len() {
        if let Some(followed) = chase.slots[pos].take() {
            chase.current = None;
            chase.step(pos, followed);
        }
    }
    let mut deals = HashMap::with_capacity(at_head.len());
    for (building, &(stem, _)) in chase.timelines.into_iter().zip(at_head) {
        let Building {
            entries,
            mut versions,
            mut renamed_from,
            added,
        } = building;
        let entries: Vec<StageEntry> = entries
            .iter()
            .rev()
            .map(|&(stage, at, commit, email)| StageEntry {
                stage: stages[usize::from(stage)].to_string(),
                at,
                commit,
                author_email: store.emails.name(email).to_string(),
            })
            .collect();
        versions.reverse();
        renamed_from.reverse();
        // Every chase ends at a creation; the first entry is a fallback.
        let (added_at, added_in) = added
            .or_else(|| entries.first().map(|e| (e.at, e.commit)))
            .unwrap_or((Timestamp::UNIX_EPOCH, Oid::ZERO_SHA1));
        let id = store.stems.name(stem).to_string();
        let timeline = Timeline {
            id: id.clone(),
            added_at,
            added_in,
            entries,
            last_change: versions.last().map_or(added_at, |v| v.1),
            renamed_from,
            versions,
        };
        deals.insert(id, timeline);
    }
    deals
}

impl Chase<'_> {
    fn step(&mut self, pos: usize, mut followed: Followed) {
        let store = self.store;
        let commit = &store.commits[self.order[pos] as usize];
        let parents = span(self.links, commit.parents);
        let lists = store.lists(commit);
        let merge = parents.len() > 1;
        // Deals that continue into the second and later parents, and the
        // merge's changes against those parents by (stem, stage).
        let mut others: Vec<Followed> = Vec::new();
        let mut indexes: Vec<Option<FxMap<u64, Kind>>> = Vec::new();
        if merge {
            others.resize_with(parents.len() - 1, Followed::default);
            indexes.resize_with(lists.len(), || None);
        }
        for change in span(&store.changes, lists[0]) {
            if change.kind == Kind::Deleted {
                continue;
            }
            let here = key(change.stem, change.stage);
            if !followed.contains_key(&here) {
                continue;
            }
            if merge {
                // A parent that had the file unchanged, else one that had
                // it in the same stage: the deal came from there.
                let mut same_stage = (change.kind == Kind::Modified).then_some(0);
                let mut unchanged = None;
                for p in 1..lists.len() {
                    let index = indexes[p].get_or_insert_with(|| {
                        span(&store.changes, lists[p])
                            .iter()
                            .filter(|c| c.kind != Kind::Deleted)
                            .map(|c| (key(c.stem, c.stage), c.kind))
                            .collect()
                    });
                    match index.get(&here) {
                        None => {
                            unchanged = Some(p);
                            break;
                        }
                        Some(Kind::Modified) if same_stage.is_none() => same_stage = Some(p),
                        Some(_) => {}
                    }
                }
                if let Some(p) = unchanged.or(same_stage) {
                    if unchanged.is_none() {
                        self.record(&followed[&here], commit, Event::Version(change.blob));
                    }
                    if p > 0
                        && let Some(follow) = followed.remove(&here)
                    {
                        insert(&mut others[p - 1], here, follow);
                    }
                    continue;
                }
            }
            if change.kind == Kind::Modified {
                self.record(&followed[&here], commit, Event::Version(change.blob));
                continue;
            }
            let Some(follow) = followed.remove(&here) else {
                continue;
            };
            self.record(&follow, commit, Event::Version(change.blob));
            // Added here: a move from the stage it was deleted from, a
            // rename with a trailer, or the deal's creation.
            if let Some((p, from)) = deleted(store, lists, change.stem) {
                self.record(&follow, commit, Event::Entry(change.stage));
                let into = if p == 0 {
                    &mut followed
                } else {
                    &mut others[p - 1]
                };
                insert(into, key(change.stem, from), follow);
            } else if let Some(old) = renamed(store.renames(commit), change.stem)
                && let Some((p, from)) = deleted(store, lists, old)
            {
                if from != change.stage {
                    self.record(&follow, commit, Event::Entry(change.stage));
                }
                self.record(&follow, commit, Event::Renamed(old));
                let into = if p == 0 {
                    &mut followed
                } else {
                    &mut others[p - 1]
                };
                insert(into, key(old, from), follow);
            } else {
                self.record(&follow, commit, Event::Entry(change.stage));
                self.record(&follow, commit, Event::Created);
            }
        }
        for (n, deals) in std::iter::once(followed).chain(others).enumerate() {
            if deals.is_empty() {
                continue;
            }
            match parents.get(n) {
                Some(&parent) if parent != NOWHERE => {
                    deposit(&mut self.slots[parent as usize], deals);
                }
                _ => {
                    // No parent to continue into (a shallow boundary, a
                    // missing object): what is left starts here.
                    for (here, follow) in deals {
                        self.record(&follow, commit, Event::Entry((here & 0xffff) as u16));
                        self.record(&follow, commit, Event::Created);
                    }
                }
            }
        }
    }

    fn record(&mut self, follow: &Follow, commit: &CommitRec, event: Event) {
        let (id, at) = *self
            .current
            .get_or_insert_with(|| (oid(&commit.id), timestamp(commit.time)));
        for target in follow.targets() {
            let timeline = &mut self.timelines[target as usize];
            match event {
                Event::Entry(stage) => timeline.entries.push((stage, at, id, commit.email)),
                Event::Version(blob) => timeline.versions.push((id, at, oid(&blob))),
                Event::Renamed(old) => timeline
                    .renamed_from
                    .push(self.store.stems.name(old).to_string()),
                Event::Created => timeline.added = Some((at, id)),
            }
        }
    }
}

/// The first parent (and stage) from which the change lists say `stem` was
/// deleted.
fn deleted(store: &Store, lists: &[(u32, u32)], stem: u32) -> Option<(usize, u16)> {
    lists.iter().enumerate().find_map(|(p, &list)| {
        span(&store.changes, list)
            .iter()
            .find(|c| c.stem == stem && c.kind == Kind::Deleted)
            .map(|c| (p, c.stage))
    })
}

/// The old ID a new deal was renamed from: the trailer that names it, or
/// the only trailer when none names a deal.
fn renamed(renames: &[Rename], stem: u32) -> Option<u32> {
    renames
        .iter()
        .find(|r| r.new == Some(stem))
        .or_else(|| match renames {
            [only] if only.new.is_none() => Some(only),
            _ => None,
        })
        .map(|r| r.old)
}

fn insert(followed: &mut Followed, here: u64, follow: Follow) {
    match followed.entry(here) {
        MapEntry::Vacant(slot) => {
            slot.insert(follow);
        }
        MapEntry::Occupied(mut slot) => slot.get_mut().absorb(follow),
    }
}

/// Hands `deals` to a parent: moved when it follows nothing yet, else the
/// smaller set merged into the larger.
fn deposit(slot: &mut Option<Followed>, mut deals: Followed) {
    match slot {
        None => *slot = Some(deals),
        Some(existing) => {
            if existing.len() < deals.len() {
                std::mem::swap(existing, &mut deals);
            }
            for (here, follow) in deals {
                insert(existing, here, follow);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut data = Vec::new();
        for (mode, name, fill) in entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(&[*fill; 20]);
        }
        data
    }

    fn changes(a: &[u8], b: &[u8]) -> Vec<(Kind, String)> {
        let mut found = Vec::new();
        diff_trees(a, b, &mut |kind, stem, _| {
            found.push((kind, stem.to_string()))
        })
        .unwrap();
        found
    }

    #[test]
    fn raw_tree_diff_finds_added_deleted_and_modified_deals() {
        let a = tree(&[
            ("100644", ".gitkeep", 1),
            ("100644", "acme.toml", 0),
            ("100644", "beta.toml", 2),
            ("100644", "gamma.toml", 3),
            ("40000", "sub", 4),
            ("100644", "zeta.toml", 5),
        ]);
        let b = tree(&[
            ("100644", ".gitkeep", 1),
            ("100644", "acme.toml", 0),
            ("100644", "beta.toml", 9),
            ("100644", "delta.toml", 0),
            ("40000", "sub", 7),
            ("100644", "zeta.toml", 5),
        ]);
        assert_eq!(
            changes(&a, &b),
            [
                (Kind::Modified, "beta".to_string()),
                (Kind::Added, "delta".to_string()),
                (Kind::Deleted, "gamma".to_string()),
            ]
        );
        assert_eq!(changes(&[], &a).len(), 4);
        assert_eq!(changes(&a, &a), []);
    }

    #[test]
    fn oid_bytes_that_look_like_entries_do_not_mislead_the_prefix_skip() {
        // Object ids full of zero bytes and mode-like digits.
        let a = tree(&[
            ("100644", "a.toml", 0),
            ("100644", "b.toml", b'1'),
            ("100644", "c.toml", 0),
        ]);
        let b = tree(&[
            ("100644", "a.toml", 0),
            ("100644", "b.toml", b'1'),
            ("100644", "c.toml", 1),
            ("100644", "d.toml", 0),
        ]);
        assert_eq!(
            changes(&a, &b),
            [
                (Kind::Modified, "c".to_string()),
                (Kind::Added, "d".to_string())
            ]
        );
    }

    #[test]
    fn git_orders_a_folder_as_if_its_name_ended_with_a_slash() {
        let a = tree(&[("100644", "x.toml", 1), ("40000", "x.toml", 2)]);
        let b = tree(&[("40000", "x.toml", 2)]);
        assert_eq!(changes(&a, &b), [(Kind::Deleted, "x".to_string())]);
    }

    #[test]
    fn trailers_pair_each_rename_with_its_deal() {
        let message = b"rename old -> new\n\nFunnel-Deal: new\nFunnel-Renamed-From: old\n";
        assert_eq!(
            rename_trailers(message),
            [(Some("new".to_string()), "old".to_string())]
        );
        assert!(rename_trailers(b"Funnel-Renamed-From: old\n").is_empty());
    }

    #[test]
    fn a_cache_file_reads_back_and_is_refused_when_damaged_anywhere() {
        let mut store = Store::default();
        let stem = store.stems.intern("acme");
        let email = store.emails.intern("a@example.com");
        let (child, parent, blob) = ([7; 20], [8; 20], [9; 20]);
        store.parents.push(parent);
        for (n, stage) in [1u16, 0].into_iter().enumerate() {
            store.changes.push(Change {
                stem,
                stage,
                kind: Kind::Added,
                blob,
            });
            store.lists.push((n as u32, n as u32 + 1));
        }
        store.renames.push(Rename {
            new: None,
            old: stem,
        });
        for (n, id) in [child, parent].into_iter().enumerate() {
            store.commits.push(CommitRec {
                id,
                time: 100 - n as i64,
                email,
                parents: (0, 1 - n as u32),
                renames: (0, 1 - n as u32),
                lists: (n as u32, n as u32 + 1),
            });
        }
        let order = [0, 1];
        let folders = vec![(None, vec![]), (Some(blob), vec![stem])];
        let mut bytes = Vec::new();
        encode(
            &mut bytes,
            &store,
            &order,
            &links(&store, &order),
            &folders,
            "key",
        );
        let read = decode(&bytes, "key", 2).expect("reads back");
        assert_eq!(read.folders, folders);
        assert_eq!(read.links, [1]);
        assert_eq!(read.store.parents, [parent]);
        assert_eq!(read.store.commits[1].time, 99);
        assert_eq!(read.store.changes[1].stage, 0);
        assert!(decode(&bytes, "other key", 2).is_none());
        assert!(decode(&bytes, "key", 1).is_none(), "a stage out of range");
        for n in 0..bytes.len() {
            let mut broken = bytes.clone();
            broken[n] ^= 0x40;
            assert!(decode(&broken, "key", 2).is_none(), "byte {n}");
            assert!(decode(&bytes[..n], "key", 2).is_none(), "length {n}");
        }
    }

    #[test]
    fn inflate_reads_what_zlib_wrote() {
        // zlib's own output: a fixed Huffman block with a back reference;
        // and a stored block.
        let fixed = [
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00, 0x3a, 0x2e,
            0x06, 0x7d,
        ];
        assert_eq!(
            inflate::zlib(&fixed, 17).as_deref(),
            Some(&b"hello hello hello"[..])
        );
        assert_eq!(
            inflate::zlib(&fixed, 16),
            None,
            "the declared size is checked"
        );
        let mut stored = vec![0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
        stored.extend_from_slice(&inflate::adler32(b"abc").to_be_bytes());
        assert_eq!(inflate::zlib(&stored, 3).as_deref(), Some(&b"abc"[..]));
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert_eq!(inflate::zlib(&stored, 3), None, "the Adler-32 is checked");
    }
}
// ---------------------------------------------------------------------------
// Reading trees straight from pack files.

/// Tree objects (and the blobs of [`blob_texts`]) read from pack files with
/// a delta base cache that keeps intermediate results. libgit2 caches only
/// the base of a delta chain, so each read of a big tree at depth d
/// inflates and applies d deltas again: reading a folder's versions one
/// after another is quadratic in the chain depth (half the time of a cold
/// load on the benchmark). Anything this reader cannot read (loose objects,
/// alternates, other index versions, a stream it does not trust) comes from
/// libgit2 instead. Every inflated stream is checked against its Adler-32
/// and declared size, every delta against its sizes.
mod objects {
    use std::fs::File;
    use std::path::{Path, PathBuf};
    use std::rc::Rc;

    use git2::{Odb, Oid};

    use super::inflate::zlib;
    use super::{FxMap, Id};
    use crate::error::Result;

    /// Bytes of resolved objects the delta base cache keeps.
    const CACHE_BUDGET: usize = 64 << 20;
    const TREE: u8 = 2;
    const BLOB: u8 = 3;
    /// The bytes first read of an entry: its header and, for most deltas
    /// and small blobs, the whole stream (the rest is read when needed).
    const WINDOW: u64 = 512;

    pub struct Objects<'o, 'r> {
        odb: &'o Odb<'r>,
        dir: PathBuf,
        packs: Option<Vec<Pack>>,
        cache: FxMap<(u32, u64), Cached>,
        cached_bytes: usize,
        tick: u64,
    }

    struct Cached {
        kind: u8,
        data: Rc<Vec<u8>>,
        used: u64,
    }

    struct Pack {
        /// The index: read whole once many objects were looked up (it is
        /// 14 MB for 500,000 objects); until then a look-up reads the few
        /// bytes it needs.
        idx: Option<Vec<u8>>,
        idx_file: File,
        idx_len: usize,
        fanout: [u32; 256],
        lookups: usize,
        count: usize,
        file: File,
        /// Where the objects end and the trailing checksum starts.
        end: u64,
    }

    enum Entry {
        Whole(u8, Vec<u8>),
        OffsetDelta(u64, Vec<u8>),
        RefDelta([u8; 20], Vec<u8>),
    }

    impl<'o, 'r> Objects<'o, 'r> {
        pub fn new(odb: &'o Odb<'r>, objects_dir: &Path) -> Objects<'o, 'r> {
            Objects {
                odb,
                dir: objects_dir.join("pack"),
                packs: None,
                cache: FxMap::default(),
                cached_bytes: 0,
                tick: 0,
            }
        }

        /// The raw bytes of the tree `id`.
        pub fn tree(&mut self, id: &Id) -> Result<Rc<Vec<u8>>> {
            if let Some(data) = self.packed(id) {
                return Ok(data);
            }
            let object = self.odb.read(Oid::from_bytes(id)?)?;
            Ok(Rc::new(object.data().to_vec()))
        }

        pub(super) fn packed(&mut self, id: &Id) -> Option<Rc<Vec<u8>>> {
            self.packed_kind(id, TREE)
        }

        /// The content of the blob `id`.
        pub fn blob(&mut self, id: &Id) -> Result<Rc<Vec<u8>>> {
            if let Some(data) = self.packed_kind(id, BLOB) {
                return Ok(data);
            }
            let object = self.odb.read(Oid::from_bytes(id)?)?;
            if object.kind() != git2::ObjectType::Blob {
                return Err(git2::Error::from_str("not a blob").into());
            }
            Ok(Rc::new(object.data().to_vec()))
        }

        /// Makes every pack index be read whole at its next look-up.
        #[cfg(test)]
        pub fn read_indexes_whole(&mut self) {
            let packs = self.packs.get_or_insert_with(|| open_packs(&self.dir));
            for pack in packs {
                pack.lookups = PIECEMEAL_LOOKUPS;
            }
        }

        /// Where `id` is in the packs, to read many objects in pack order.
        pub fn place(&mut self, id: &Id) -> Option<(u32, u64)> {
            let packs = self.packs.get_or_insert_with(|| open_packs(&self.dir));
            find(packs, id)
        }

        fn packed_kind(&mut self, id: &Id, want: u8) -> Option<Rc<Vec<u8>>> {
            let (pack, offset) = self.place(id)?;
            let (kind, data) = self.resolve(pack, offset)?;
            (kind == want).then_some(data)
        }

        /// The object at `offset` in a pack: from the cache, or its delta
        /// chain walked down to something cached or whole, then applied
        /// upwards, keeping every intermediate result.
        fn resolve(&mut self, pack: u32, offset: u64) -> Option<(u8, Rc<Vec<u8>>)> {
            let mut chain = Vec::new();
            let (mut pack, mut offset) = (pack, offset);
            let (kind, mut data) = loop {
                if let Some(hit) = self.cached(pack, offset) {
                    break hit;
                }
                let packs = self.packs.as_mut()?;
                match packs[pack as usize].entry(offset)? {
                    Entry::Whole(kind, data) => {
                        let data = Rc::new(data);
                        self.remember(pack, offset, kind, &data);
                        break (kind, data);
                    }
                    Entry::OffsetDelta(base, delta) => {
                        chain.push((pack, offset, delta));
                        offset = base;
                    }
                    Entry::RefDelta(base, delta) => {
                        chain.push((pack, offset, delta));
                        (pack, offset) = find(packs, &base)?;
                    }
                }
                if chain.len() > 100_000 {
                    return None; // a cycle: not a pack git wrote
                }
            };
            for (pack, offset, delta) in chain.into_iter().rev() {
                data = Rc::new(apply_delta(&data, &delta)?);
                self.remember(pack, offset, kind, &data);
            }
            Some((kind, data))
        }

        fn cached(&mut self, pack: u32, offset: u64) -> Option<(u8, Rc<Vec<u8>>)> {
            self.tick += 1;
            let hit = self.cache.get_mut(&(pack, offset))?;
            hit.used = self.tick;
            Some((hit.kind, hit.data.clone()))
        }

        fn remember(&mut self, pack: u32, offset: u64, kind: u8, data: &Rc<Vec<u8>>) {
            if data.len() > CACHE_BUDGET / 8 {
                return;
            }
            self.tick += 1;
            self.cached_bytes += data.len();
            let old = self.cache.insert(
                (pack, offset),
                Cached {
                    kind,
                    data: data.clone(),
                    used: self.tick,
                },
            );
            if let Some(old) = old {
                self.cached_bytes -= old.data.len();
            }
            if self.cached_bytes > CACHE_BUDGET {
                // Drop the least recently used quarter.
                let mut uses: Vec<u64> = self.cache.values().map(|c| c.used).collect();
                uses.sort_unstable();
                let cut = uses[uses.len() / 4];
                self.cache.retain(|_, c| c.used > cut);
                self.cached_bytes = self.cache.values().map(|c| c.data.len()).sum();
            }
        }
    }

    /// The version-2 pack indexes in `dir`, newest pack first; others are
    /// left to libgit2.
    fn open_packs(dir: &Path) -> Vec<Pack> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, Pack)> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "idx"))
            .filter_map(|e| {
                let modified = e.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, Pack::open(&e.path())?))
            })
            .collect();
        found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        found.into_iter().map(|(_, pack)| pack).collect()
    }

    fn find(packs: &mut [Pack], oid: &[u8]) -> Option<(u32, u64)> {
        packs
            .iter_mut()
            .enumerate()
            .find_map(|(n, pack)| Some((n as u32, pack.find(oid)?)))
    }

    fn be32(bytes: &[u8], at: usize) -> u32 {
        let mut word = [0; 4];
        word.copy_from_slice(&bytes[at..at + 4]);
        u32::from_be_bytes(word)
    }

    /// Look-ups answered by reading the index piecemeal before it is read
    /// whole: a dozen small reads each, against reading 14 MB once.
    const PIECEMEAL_LOOKUPS: usize = 1024;

    impl Pack {
        fn open(idx_path: &Path) -> Option<Pack> {
            let idx_file = File::open(idx_path).ok()?;
            let idx_len = usize::try_from(idx_file.metadata().ok()?.len()).ok()?;
            let mut head = [0u8; 8 + 1024];
            read_at(&idx_file, &mut head, 0)?;
            if head[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
                return None;
            }
            let mut fanout = [0u32; 256];
            for (n, slot) in fanout.iter_mut().enumerate() {
                *slot = be32(&head, 8 + n * 4);
            }
            let count = fanout[255] as usize;
            let large = idx_len.checked_sub(8 + 1024 + count.checked_mul(28)? + 40)?;
            if large % 8 != 0 {
                return None; // not SHA-1, or not an index git wrote
            }
            let file = File::open(idx_path.with_extension("pack")).ok()?;
            let end = file.metadata().ok()?.len().checked_sub(20)?;
            Some(Pack {
                idx: None,
                idx_file,
                idx_len,
                fanout,
                lookups: 0,
                count,
                file,
                end,
            })
        }

        /// `buf.len()` bytes of the index at `at`.
        fn idx_bytes(&self, at: usize, buf: &mut [u8]) -> Option<()> {
            match &self.idx {
                Some(idx) => buf.copy_from_slice(idx.get(at..at.checked_add(buf.len())?)?),
                None => {
                    if at.checked_add(buf.len())? > self.idx_len {
                        return None;
                    }
                    read_at(&self.idx_file, buf, at as u64)?;
                }
            }
            Some(())
        }

        fn find(&mut self, oid: &[u8]) -> Option<u64> {
            if self.idx.is_none() {
                self.lookups += 1;
                if self.lookups > PIECEMEAL_LOOKUPS {
                    let mut idx = vec![0; self.idx_len];
                    read_at(&self.idx_file, &mut idx, 0)?;
                    self.idx = Some(idx);
                }
            }
            let first = usize::from(oid[0]);
            let mut lo = if first == 0 {
                0
            } else {
                self.fanout[first - 1] as usize
            };
            let mut hi = self.fanout[first] as usize;
            if hi > self.count || lo > hi {
                return None;
            }
            let names = 8 + 1024;
            let mut name = [0u8; 20];
            while lo < hi {
                let mid = (lo + hi) / 2;
                self.idx_bytes(names + mid * 20, &mut name)?;
                match name[..].cmp(oid) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => {
                        let offsets = names + self.count * 24;
                        let mut word = [0u8; 4];
                        self.idx_bytes(offsets + mid * 4, &mut word)?;
                        let small = u32::from_be_bytes(word);
                        if small & 0x8000_0000 == 0 {
                            return Some(u64::from(small));
                        }
                        let at = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
                        let mut word = [0u8; 8];
                        self.idx_bytes(at, &mut word)?;
                        return Some(u64::from_be_bytes(word));
                    }
                }
            }
            None
        }

        /// The entry at `offset`, inflated.
        fn entry(&self, offset: u64) -> Option<Entry> {
            if offset >= self.end {
                return None;
            }
            let available = self.end - offset;
            let mut window = vec![0; available.min(WINDOW) as usize];
            read_at(&self.file, &mut window, offset)?;
            let mut at = 0;
            let mut byte = *window.first()?;
            let kind = (byte >> 4) & 7;
            let mut size = u64::from(byte & 15);
            let mut shift = 4;
            while byte & 0x80 != 0 {
                at += 1;
                byte = *window.get(at)?;
                if shift > 57 {
                    return None;
                }
                size |= u64::from(byte & 0x7f) << shift;
                shift += 7;
            }
            at += 1;
            let mut base = None;
            let mut base_oid = None;
            match kind {
                1..=4 => {}
                6 => {
                    byte = *window.get(at)?;
                    let mut back = u64::from(byte & 0x7f);
                    while byte & 0x80 != 0 {
                        at += 1;
                        byte = *window.get(at)?;
                        back = back.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
                    }
                    at += 1;
                    base = Some(offset.checked_sub(back).filter(|_| back > 0)?);
                }
                7 => {
                    let mut oid = [0; 20];
                    oid.copy_from_slice(window.get(at..at + 20)?);
                    at += 20;
                    base_oid = Some(oid);
                }
                _ => return None,
            }
            let size = usize::try_from(size).ok()?;
            // zlib never grows data by more than this.
            let bound = (size + size / 1024 + 64) as u64;
            let need = (at as u64 + bound).min(available) as usize;
            if need > window.len() {
                let have = window.len();
                window.resize(need, 0);
                read_at(&self.file, &mut window[have..], offset + have as u64)?;
            }
            let data = zlib(&window[at..], size)?;
            Some(match (base, base_oid) {
                (Some(base), _) => Entry::OffsetDelta(base, data),
                (_, Some(oid)) => Entry::RefDelta(oid, data),
                _ => Entry::Whole(kind, data),
            })
        }
    }

    #[cfg(unix)]
    fn read_at(file: &File, buf: &mut [u8], offset: u64) -> Option<()> {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).ok()
    }

    #[cfg(windows)]
    fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> Option<()> {
        while !buf.is_empty() {
            let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset).ok()?;
            if n == 0 {
                return None;
            }
            buf = &mut buf[n..];
            offset += n as u64;
        }
        Some(())
    }

    #[cfg(not(any(unix, windows)))]
    fn read_at(_: &File, _: &mut [u8], _: u64) -> Option<()> {
        None
    }

    fn varint(data: &[u8], at: &mut usize) -> Option<usize> {
        let mut value = 0usize;
        let mut shift = 0;
        loop {
            let byte = *data.get(*at)?;
            *at += 1;
            if shift > 56 {
                return None;
            }
            value |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    }

    /// Git's delta format: the sizes, then copies from the base and inserts.
    pub(super) fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
        let mut at = 0;
        if varint(delta, &mut at)? != base.len() {
            return None;
        }
        let size = varint(delta, &mut at)?;
        let mut out = Vec::with_capacity(size);
        while at < delta.len() {
            let op = delta[at];
            at += 1;
            if op & 0x80 != 0 {
                let mut offset = 0usize;
                let mut len = 0usize;
                for bit in 0..4 {
                    if op & (1 << bit) != 0 {
                        offset |= usize::from(*delta.get(at)?) << (8 * bit);
                        at += 1;
                    }
                }
                for bit in 0..3 {
                    if op & (0x10 << bit) != 0 {
                        len |= usize::from(*delta.get(at)?) << (8 * bit);
                        at += 1;
                    }
                }
                if len == 0 {
                    len = 0x10000;
                }
                out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
            } else if op != 0 {
                out.extend_from_slice(delta.get(at..at + usize::from(op))?);
                at += usize::from(op);
            } else {
                return None;
            }
            if out.len() > size {
                return None;
            }
        }
        (out.len() == size).then_some(out)
    }
}

/// A zlib (RFC 1950/1951) decoder for pack entries.
mod inflate {
    use std::sync::OnceLock;

    /// The inflated stream at the start of `input`, which must inflate to
    /// exactly `size` bytes and match its Adler-32; `None` otherwise.
    pub fn zlib(input: &[u8], size: usize) -> Option<Vec<u8>> {
        let (&cmf, rest) = input.split_first()?;
        let &flg = rest.first()?;
        if cmf & 0x0f != 8 || cmf >> 4 > 7 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
            return None;
        }
        if flg & 0x20 != 0 {
            return None; // a preset dictionary: never in git
        }
        let mut bits = Bits {
            input,
            pos: 2,
            buf: 0,
            count: 0,
        };
        let mut out = Vec::with_capacity(size);
        deflate(&mut bits, &mut out, size)?;
        // The Adler-32 after the last block, big-endian, byte-aligned.
        bits.align();
        let mut check = 0u32;
        for _ in 0..4 {
            check = check << 8 | bits.take(8)?;
        }
        (out.len() == size && check == adler32(&out)).then_some(out)
    }

    pub fn adler32(data: &[u8]) -> u32 {
        const MOD: u32 = 65521;
        let (mut a, mut b) = (1u32, 0u32);
        for chunk in data.chunks(5552) {
            for &byte in chunk {
                a += u32::from(byte);
                b += a;
            }
            a %= MOD;
            b %= MOD;
        }
        b << 16 | a
    }

    /// Bits of the input, least significant first.
    struct Bits<'a> {
        input: &'a [u8],
        pos: usize,
        buf: u64,
        count: u32,
    }

    impl Bits<'_> {
        #[inline]
        fn refill(&mut self) {
            if self.count > 56 {
                return;
            }
            if let Some(bytes) = self.input.get(self.pos..self.pos + 8) {
                let mut word = [0; 8];
                word.copy_from_slice(bytes);
                // The bits loaded beyond `count` are the next input bytes
                // at their own places, so loading them again is harmless.
                self.buf |= u64::from_le_bytes(word) << self.count;
                let take = (63 - self.count) / 8;
                self.pos += take as usize;
                self.count += take * 8;
            } else {
                while self.count <= 56 {
                    let Some(&byte) = self.input.get(self.pos) else {
                        break;
                    };
                    self.buf |= u64::from(byte) << self.count;
                    self.pos += 1;
                    self.count += 8;
                }
            }
        }

        #[inline]
        fn take(&mut self, n: u32) -> Option<u32> {
            if n == 0 {
                return Some(0);
            }
            self.refill();
            if self.count < n {
                return None;
            }
            let value = (self.buf & ((1u64 << n) - 1)) as u32;
            self.buf >>= n;
            self.count -= n;
            Some(value)
        }

        /// Drops the bits up to the next byte boundary.
        fn align(&mut self) {
            let drop = self.count % 8;
            self.buf >>= drop;
            self.count -= drop;
        }

        /// Moves the bytes still held in `buf` back to the input, so that
        /// `pos` is the next unread byte.
        fn unread(&mut self) {
            self.align();
            self.pos -= (self.count / 8) as usize;
            self.buf = 0;
            self.count = 0;
        }
    }

    const FAST: u32 = 10;

    /// A canonical Huffman code: a table for codes up to `bits` bits (the
    /// longest code, at most `FAST`), and counts and symbols for decoding
    /// longer ones bit by bit. Sizing the table to the longest code keeps
    /// building it cheap for the small blocks of deltas.
    struct Huffman {
        fast: Vec<u16>,
        bits: u32,
        counts: [u16; 16],
        symbols: Vec<u16>,
    }

    impl Huffman {
        fn new(lengths: &[u8]) -> Option<Huffman> {
            let mut counts = [0u16; 16];
            for &len in lengths {
                counts[usize::from(len)] += 1;
            }
            counts[0] = 0;
            let mut left = 1i32;
            for &count in &counts[1..] {
                left = left * 2 - i32::from(count);
                if left < 0 {
                    return None; // over-subscribed
                }
            }
            let mut offsets = [0u16; 16];
            for len in 1..15 {
                offsets[len + 1] = offsets[len] + counts[len];
            }
            let mut symbols = vec![0u16; lengths.len()];
            for (symbol, &len) in lengths.iter().enumerate() {
                if len != 0 {
                    symbols[usize::from(offsets[usize::from(len)])] = symbol as u16;
                    offsets[usize::from(len)] += 1;
                }
            }
            let longest = (1..16u32).rev().find(|&len| counts[len as usize] != 0);
            let bits = longest.unwrap_or(1).min(FAST);
            let mut fast = vec![0u16; 1 << bits];
            let mut code = 0u32;
            let mut index = 0usize;
            for len in 1..=bits {
                for _ in 0..counts[len as usize] {
                    let symbol = symbols[index];
                    index += 1;
                    let reversed = code.reverse_bits() >> (32 - len);
                    let mut slot = reversed as usize;
                    while slot < fast.len() {
                        fast[slot] = symbol << 4 | len as u16;
                        slot += 1 << len;
                    }
                    code += 1;
                }
                code <<= 1;
            }
            Some(Huffman {
                fast,
                bits,
                counts,
                symbols,
            })
        }

        #[inline]
        fn decode(&self, bits: &mut Bits<'_>) -> Option<u16> {
            bits.refill();
            let entry = self.fast[(bits.buf & ((1 << self.bits) - 1)) as usize];
            if entry != 0 {
                let len = u32::from(entry & 15);
                if len > bits.count {
                    return None;
                }
                bits.buf >>= len;
                bits.count -= len;
                return Some(entry >> 4);
            }
            let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
            for len in 1..16 {
                code |= bits.take(1)? as i32;
                let count = i32::from(self.counts[len]);
                if code - count < first {
                    return self.symbols.get((index + code - first) as usize).copied();
                }
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
            None
        }
    }

    const LENGTH_BASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const LENGTH_EXTRA: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DISTANCE_BASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ];
    const DISTANCE_EXTRA: [u8; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];

    fn fixed() -> &'static (Huffman, Huffman) {
        static FIXED: OnceLock<(Huffman, Huffman)> = OnceLock::new();
        FIXED.get_or_init(|| {
            let mut lengths = [8u8; 288];
            lengths[144..256].fill(9);
            lengths[256..280].fill(7);
            let literals = Huffman::new(&lengths);
            let distances = Huffman::new(&[5; 30]);
            match (literals, distances) {
                (Some(l), Some(d)) => (l, d),
                _ => unreachable!("the fixed codes are complete"),
            }
        })
    }

    fn deflate(bits: &mut Bits<'_>, out: &mut Vec<u8>, limit: usize) -> Option<()> {
        loop {
            let last = bits.take(1)?;
            match bits.take(2)? {
                0 => {
                    bits.unread();
                    let header = bits.input.get(bits.pos..bits.pos + 4)?;
                    let len = usize::from(u16::from_le_bytes([header[0], header[1]]));
                    let inverse = u16::from_le_bytes([header[2], header[3]]);
                    if len as u16 != !inverse {
                        return None;
                    }
                    bits.pos += 4;
                    out.extend_from_slice(bits.input.get(bits.pos..bits.pos + len)?);
                    bits.pos += len;
                }
                1 => {
                    let (literals, distances) = fixed();
                    codes(bits, out, literals, distances, limit)?;
                }
                2 => {
                    let (literals, distances) = dynamic(bits)?;
                    codes(bits, out, &literals, &distances, limit)?;
                }
                _ => return None,
            }
            if out.len() > limit {
                return None;
            }
            if last == 1 {
                return Some(());
            }
        }
    }

    fn dynamic(bits: &mut Bits<'_>) -> Option<(Huffman, Huffman)> {
        const ORDER: [usize; 19] = [
            16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
        ];
        let literals = bits.take(5)? as usize + 257;
        let distances = bits.take(5)? as usize + 1;
        let code_lengths = bits.take(4)? as usize + 4;
        if literals > 286 || distances > 30 {
            return None;
        }
        let mut lengths = [0u8; 19];
        for &slot in &ORDER[..code_lengths] {
            lengths[slot] = bits.take(3)? as u8;
        }
        let code = Huffman::new(&lengths)?;
        let mut lengths = vec![0u8; literals + distances];
        let mut n = 0;
        while n < lengths.len() {
            let symbol = code.decode(bits)?;
            let (value, repeat) = match symbol {
                0..=15 => (symbol as u8, 1),
                16 => (*lengths.get(n.checked_sub(1)?)?, 3 + bits.take(2)? as usize),
                17 => (0, 3 + bits.take(3)? as usize),
                18 => (0, 11 + bits.take(7)? as usize),
                _ => return None,
            };
            let end = n + repeat;
            lengths.get_mut(n..end)?.fill(value);
            n = end;
        }
        if lengths[256] == 0 {
            return None; // no end-of-block code
        }
        Some((
            Huffman::new(&lengths[..literals])?,
            Huffman::new(&lengths[literals..])?,
        ))
    }

    fn codes(
        bits: &mut Bits<'_>,
        out: &mut Vec<u8>,
        literals: &Huffman,
        distances: &Huffman,
        limit: usize,
    ) -> Option<()> {
        loop {
            let symbol = literals.decode(bits)?;
            if symbol < 256 {
                out.push(symbol as u8);
                continue;
            }
            if symbol == 256 {
                return Some(());
            }
            let n = usize::from(symbol - 257);
            let len =
                usize::from(*LENGTH_BASE.get(n)?) + bits.take(u32::from(LENGTH_EXTRA[n]))? as usize;
            let d = usize::from(distances.decode(bits)?);
            let distance = usize::from(*DISTANCE_BASE.get(d)?)
                + bits.take(u32::from(DISTANCE_EXTRA[d]))? as usize;
            if distance > out.len() || out.len() + len > limit {
                return None;
            }
            let start = out.len() - distance;
            if distance >= len {
                out.extend_from_within(start..start + len);
            } else {
                for i in 0..len {
                    out.push(out[start + i]);
                }
            }
        }
    }
}

#[cfg(test)]
mod pack_tests {
    use super::*;
    use std::process::Command;

    /// Reads every tree of the repository at `dir` with the pack reader and
    /// with libgit2, the pack indexes read piecemeal and then whole;
    /// returns how many trees came from packs.
    fn verify_trees(dir: &Path) -> usize {
        let git = Repository::open(dir).unwrap();
        let odb = git.odb().unwrap();
        let mut all = Vec::new();
        odb.foreach(|oid| {
            all.push(*oid);
            true
        })
        .unwrap();
        let mut counts = Vec::new();
        for whole in [false, true] {
            let mut reader = objects::Objects::new(&odb, &git.commondir().join("objects"));
            if whole {
                reader.read_indexes_whole();
            }
            let mut from_packs = 0;
            for &oid in &all {
                let object = odb.read(oid).unwrap();
                if object.kind() != git2::ObjectType::Tree {
                    continue;
                }
                if let Some(data) = reader.packed(&id(oid)) {
                    assert_eq!(&*data, object.data(), "{oid}");
                    from_packs += 1;
                }
            }
            counts.push(from_packs);
        }
        assert_eq!(counts[0], counts[1]);
        counts[0]
    }

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .env("HOME", dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn the_pack_reader_reads_every_tree_as_libgit2_does() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        git(dir, &["init", "-q"]);
        // A folder that grows commit by commit: trees deltified against
        // each other in long chains once packed, some big enough for
        // dynamic Huffman blocks.
        std::fs::create_dir(dir.join("won")).unwrap();
        for n in 0..120 {
            let name = format!("won/deal-{:04}.toml", (n * 37) % 1000);
            std::fs::write(dir.join(name), format!("value = {n}\n")).unwrap();
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("change {n}")]);
        }
        git(dir, &["gc", "-q", "--aggressive"]);
        assert!(verify_trees(dir) >= 120);
    }

    #[test]
    fn blob_texts_reads_every_blob_as_libgit2_does() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        git(dir, &["init", "-q"]);
        // Versions of deal files deltified against each other once packed,
        // enough of them to be read on several cores, then one loose blob.
        std::fs::create_dir(dir.join("won")).unwrap();
        for round in 0..3 {
            for n in 0..400 {
                let text = format!(
                    "title = \"Deal {n}\"\nvalue = {}\nnotes = \"{}\"\n",
                    n * 100 + round,
                    "ü".repeat(n % 7)
                );
                std::fs::write(dir.join(format!("won/deal-{n:04}.toml")), text).unwrap();
            }
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("round {round}")]);
        }
        git(dir, &["gc", "-q", "--aggressive"]);
        std::fs::write(dir.join("won/loose.toml"), "title = \"Loose\"\n").unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "loose"]);
        let repo = Repo::open(dir).unwrap().unwrap();
        let odb = repo.repo.odb().unwrap();
        let mut blobs = Vec::new();
        let mut other = None;
        odb.foreach(|oid| {
            match odb.read_header(*oid).map(|(_, kind)| kind) {
                Ok(git2::ObjectType::Blob) => blobs.push(*oid),
                _ => other = Some(*oid),
            }
            true
        })
        .unwrap();
        assert!(blobs.len() > 1200, "{} blobs", blobs.len());
        let texts = blob_texts(&repo, &blobs);
        for (blob, text) in blobs.iter().zip(&texts) {
            let object = odb.read(*blob).unwrap();
            let want = String::from_utf8_lossy(object.data());
            assert_eq!(text.as_deref(), Some(&*want), "{blob}");
        }
        // Not a blob, and no object at all: nothing.
        let missing = Oid::from_bytes(&[7; 20]).unwrap();
        assert_eq!(blob_texts(&repo, &[other.unwrap(), missing]), [None, None]);
    }

    /// The same on any repository:
    /// `FUNNEL_VERIFY_REPO=DIR cargo test --release every_tree -- --ignored`.
    #[test]
    #[ignore]
    fn every_tree_of_a_given_repository_reads_as_libgit2_does() {
        let dir = std::env::var("FUNNEL_VERIFY_REPO").expect("FUNNEL_VERIFY_REPO");
        assert!(verify_trees(Path::new(&dir)) > 0);
    }
}
