//! The walk over the commit graph: which commits, in what order, and what
//! each changed against each of its parents.
//!
//! Commits come newest first in topological order (libgit2's revwalk). A
//! commit's changes are worked out from its root tree and each parent's:
//! the stage folders are found by name, a folder whose tree id is the same
//! in both is skipped without being read, and only the folders that differ
//! go to the raw tree diff. The folder trees of the commit just read are
//! kept, since the next commit of a newest-first walk is usually its parent.

use std::collections::hash_map::Entry as MapEntry;
use std::rc::Rc;

use git2::{Odb, Oid, Repository, Sort};
use jiff::Timestamp;

use super::super::pack::{Id, Objects};
use super::commits::{self, Grafts};
use super::store::{Change, CommitRec, Kind, NOWHERE, Names, Rename, Store, span};
use super::tree_diff::{corrupt, diff_trees, entry_at, find_folder};
use super::{Folders, id, oid};
use crate::error::Result;
use crate::hasher::FxMap;

/// The commits reachable from `head` and not from `hide`, newest first in
/// topological order (libgit2's revwalk: the few commits new since the
/// cache was written).
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
pub(super) fn incremental(
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
pub(super) fn full_walk(
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
    let commits = commits::topological(&mut differ.objects, &differ.grafts, id(head))?;
    let mut order = Vec::with_capacity(commits.len());
    let total = commits.len();
    // Most commits have one parent and one change list: the store's
    // vectors sized once rather than doubled (a third of them unused).
    let new = total.saturating_sub(store.commits.len());
    store.commits.reserve_exact(new);
    store.parents.reserve_exact(new);
    store.lists.reserve_exact(new);
    for (done, commit) in commits.into_iter().enumerate() {
        if done % 1024 == 0 {
            progress(done, total);
        }
        let n = match known.entry(commit) {
            MapEntry::Occupied(found) => *found.get(),
            MapEntry::Vacant(slot) => *slot.insert(differ.record(store, oid(&commit))?),
        };
        order.push(n);
    }
    Ok(order)
}

/// The walk order of the commits reachable from the one at `at` of a
/// decoded cache (`store` in its walk order, every commit before its
/// parents, `links` their positions): `at` first, then the others in the
/// same order, which is one for them too.
pub(super) fn reachable(store: &Store, links: &[u32], at: usize) -> Vec<u32> {
    let mut seen = vec![false; store.commits.len()];
    let mut order = Vec::new();
    if let Some(first) = seen.get_mut(at) {
        *first = true;
    }
    for (n, commit) in store.commits.iter().enumerate().skip(at) {
        if !seen[n] {
            continue;
        }
        order.push(n as u32);
        for &parent in span(links, commit.parents) {
            if let Some(parent) = seen.get_mut(parent as usize) {
                *parent = true;
            }
        }
    }
    order
}

/// The links of the graph in `order`: for each entry of `store.parents`,
/// the parent's position in `order` (`NOWHERE` when it is not there).
pub(super) fn links(store: &Store, order: &[u32]) -> Vec<u32> {
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

/// Commits dated before a parent, described (the graph order still wins).
pub(super) fn skew(store: &Store, order: &[u32], links: &[u32]) -> Vec<String> {
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

/// Seconds since the epoch as a timestamp (the epoch itself when out of
/// range, which no git time is).
pub(super) fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// What [`Differ::changes`] calls for each differing deal file: the stage's
/// index, then as [`diff_trees`]'s `emit`.
pub(super) type StageEmit<'e> = dyn FnMut(u16, Kind, &str, Id, Option<Id>) + 'e;

/// Diffs commits against their parents, keeping the folder trees of the
/// last two commits (the next commit of a newest-first walk is usually the
/// parent just read).
pub(super) struct Differ<'o, 'r> {
    pub(super) git: &'r Repository,
    objects: Objects<'o, 'r>,
    grafts: Grafts,
    /// The parents of the commit last recorded, read for their trees: the
    /// next commit of a newest-first walk is usually one of them.
    parent_commits: Vec<(Id, Rc<Vec<u8>>)>,
    prefix: Vec<String>,
    stages: Vec<String>,
    trees: FxMap<Id, Rc<Vec<u8>>>,
    older_trees: FxMap<Id, Rc<Vec<u8>>>,
    folders: FxMap<Id, Rc<[Option<Id>]>>,
    older_folders: FxMap<Id, Rc<[Option<Id>]>>,
}

impl<'o, 'r> Differ<'o, 'r> {
    pub(super) fn new(
        git: &'r Repository,
        odb: &'o Odb<'r>,
        prefix: Vec<String>,
        stages: &[&str],
    ) -> Differ<'o, 'r> {
        Differ {
            git,
            objects: Objects::new(odb, &git.commondir().join("objects")),
            grafts: Grafts::read(git.commondir()),
            parent_commits: Vec::new(),
            prefix,
            stages: stages.iter().map(|s| s.to_string()).collect(),
            trees: FxMap::default(),
            older_trees: FxMap::default(),
            folders: FxMap::default(),
            older_folders: FxMap::default(),
        }
    }

    /// Reads a commit, diffs it against each parent and adds it to `store`.
    pub(super) fn record(&mut self, store: &mut Store, commit: Oid) -> Result<u32> {
        std::mem::swap(&mut self.trees, &mut self.older_trees);
        self.trees.clear();
        std::mem::swap(&mut self.folders, &mut self.older_folders);
        self.folders.clear();

        let commit_id = id(commit);
        let raw = match self
            .parent_commits
            .iter()
            .position(|(id, _)| *id == commit_id)
        {
            Some(at) => self.parent_commits.swap_remove(at).1,
            None => self.objects.commit(&commit_id)?,
        };
        self.parent_commits.clear();
        let commit = commits::parse(&raw, &commit_id, &self.grafts)?;
        let email = store.authors.intern(&format!(
            "{} <{}>",
            String::from_utf8_lossy(commit.author_name),
            String::from_utf8_lossy(commit.author_email)
        ));
        let parents_start = store.parents.len() as u32;
        let lists_start = store.lists.len() as u32;
        for parent in &commit.parents {
            store.parents.push(*parent);
            let parent_tree = self.commit_tree(parent)?;
            self.diff(store, Some(parent_tree), commit.tree)?;
        }
        let parents = (parents_start, store.parents.len() as u32);
        if parents.0 == parents.1 {
            self.diff(store, None, commit.tree)?;
        }
        let lists = (lists_start, store.lists.len() as u32);
        let renames_start = store.renames.len() as u32;
        for crate::git::trailers::Rename { new, old } in
            crate::git::trailers::renames(commit.message)
        {
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
            id: commit_id,
            time: commit.time,
            email,
            parents,
            renames,
            lists,
        });
        Ok(store.commits.len() as u32 - 1)
    }

    /// The tree of the commit `id`, a parent of the commit being recorded.
    fn commit_tree(&mut self, id: &Id) -> Result<Id> {
        let raw = self.objects.commit(id)?;
        let tree = commits::tree(&raw, id)?;
        self.parent_commits.push((*id, raw));
        Ok(tree)
    }

    /// Adds the change list of `tree` against `parent` (or the empty tree).
    fn diff(&mut self, store: &mut Store, parent: Option<Id>, tree: Id) -> Result<()> {
        let start = store.changes.len() as u32;
        let stems = &mut store.stems;
        let changes = &mut store.changes;
        self.changes(parent, tree, &mut |stage, kind, stem, blob, _| {
            changes.push(Change {
                stem: stems.intern(stem),
                stage,
                kind,
                blob,
            });
        })?;
        store.lists.push((start, store.changes.len() as u32));
        Ok(())
    }

    /// Calls `emit(stage, kind, stem, blob, parent's blob)` for each deal
    /// file that differs between the root trees `parent` (or the empty
    /// tree) and `tree`, stage folder by stage folder; a folder whose tree
    /// is the same on both sides is not read.
    pub(super) fn changes(
        &mut self,
        parent: Option<Id>,
        tree: Id,
        emit: &mut StageEmit<'_>,
    ) -> Result<()> {
        if parent == Some(tree) {
            return Ok(());
        }
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
            diff_trees(a, b, &mut |kind, stem, blob, old| {
                emit(stage, kind, stem, blob, old)
            })?;
        }
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
    pub(super) fn folders_in(
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
