//! The backward chase: from the deals at HEAD back through the commits to
//! every stage each one entered.
//!
//! It follows a file the way `git log -- PATH` does, all deals in one pass:
//! commits are visited newest first in topological order, each carrying the
//! deals followed there and the stage each is in. An added file is an entry
//! into its stage; a deletion of the same stem in that commit (a move) or a
//! rename trailer says where to continue in the parent. At a merge a deal
//! continues into a parent that already had the file in the same stage, so
//! a move made on a branch counts once, when it was authored, and a move a
//! merge threw away vanishes. Neither a first-parent walk nor diffing every
//! commit against its first parent gets merged histories right.

use std::collections::hash_map::Entry as MapEntry;

use git2::Oid;

use crate::git::{BlobId, CommitId};
use jiff::Timestamp;

use super::super::pack::Id;
use super::store::{Change, CommitRec, Kind, NOWHERE, Rename, Store, span};
use super::walk::timestamp;
use super::{StageEntry, Timeline, oid};
use crate::hasher::FxMap;

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
    entries: Vec<(u16, Timestamp, CommitId, u32)>,
    versions: Vec<(CommitId, Timestamp, BlobId)>,
    /// The author email of each version, by number.
    version_emails: Vec<u32>,
    renamed_from: Vec<String>,
    added: Option<(Timestamp, CommitId)>,
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
    current: Option<(CommitId, Timestamp)>,
}

/// Chases the deals at HEAD through the history, newest commit first, and
/// returns their timelines by ID, with (when `with_removed`) the timelines
/// of the deals removed before HEAD (see [`removals`]), newest removal
/// first.
pub(super) fn chase(
    store: &Store,
    order: &[u32],
    links: &[u32],
    stages: &[&str],
    at_head: &[(u32, u16)],
    emails: &[std::sync::Arc<str>],
    with_removed: bool,
) -> (FxMap<String, Timeline>, Vec<Timeline>) {
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
    // The removed deals' stems and where they were removed, by target.
    let mut stems: Vec<u32> = at_head.iter().map(|&(stem, _)| stem).collect();
    let mut removed_at: Vec<Option<(Timestamp, CommitId)>> = vec![None; at_head.len()];
    for (pos, &n) in order.iter().enumerate() {
        let commit = &store.commits[n as usize];
        let parent = span(links, commit.parents).first().copied();
        if let Some(parent) = parent.filter(|&p| with_removed && p != NOWHERE) {
            for (stem, stage) in removals(store, commit) {
                let target = chase.timelines.len() as u32;
                chase.timelines.push(Building::default());
                stems.push(stem);
                removed_at.push(Some((timestamp(commit.time), CommitId(oid(&commit.id)))));
                let mut seed = Followed::default();
                insert(&mut seed, key(stem, stage), Follow { target, more: None });
                deposit(&mut chase.slots[parent as usize], seed);
            }
        }
        if let Some(followed) = chase.slots[pos].take() {
            chase.current = None;
            chase.step(pos, followed);
        }
    }
    let mut deals = FxMap::with_capacity_and_hasher(at_head.len(), Default::default());
    let mut removed = Vec::new();
    for ((building, stem), removal) in chase.timelines.into_iter().zip(stems).zip(removed_at) {
        let Building {
            entries,
            mut versions,
            version_emails,
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
                author_email: emails[email as usize].clone(),
            })
            .collect();
        versions.reverse();
        let version_authors = version_emails
            .iter()
            .rev()
            .map(|&email| emails[email as usize].clone())
            .collect();
        renamed_from.reverse();
        // Every chase ends at a creation; the first entry is a fallback.
        let (added_at, added_in) = added
            .or_else(|| entries.first().map(|e| (e.at, e.commit)))
            .unwrap_or((Timestamp::UNIX_EPOCH, CommitId(Oid::ZERO_SHA1)));
        let id = store.stems.name(stem).to_string();
        let timeline = Timeline {
            id: id.clone(),
            added_at,
            added_in,
            entries,
            last_change: versions.last().map_or(added_at, |v| v.1),
            renamed_from,
            versions,
            version_authors,
            removed: removal,
        };
        if removal.is_some() {
            removed.push(timeline);
        } else {
            deals.insert(id, timeline);
        }
    }
    (deals, removed)
}

/// The deal files `commit` removed, as (stem, stage in the first parent):
/// deleted and neither added again in the commit (a move) nor renamed by a
/// `Funnel-Renamed-From` trailer. A merge removes a file only when it is
/// deleted against every parent; one deleted against some parents was
/// removed on a branch, where the chase finds it.
fn removals(store: &Store, commit: &CommitRec) -> Vec<(u32, u16)> {
    let lists = store.lists(commit);
    let Some(&first) = lists.first() else {
        return Vec::new();
    };
    let changes = span(&store.changes, first);
    if !changes.iter().any(|c| c.kind == Kind::Deleted) {
        return Vec::new();
    }
    let renames = store.renames(commit);
    // Whether a stem was added or modified against the first parent (a
    // deletion of one is a move) and deleted against each other parent: a
    // scan of a short list, a set made once for a long one (a mass move),
    // so that every commit costs time linear in the files it touches.
    let short = lists.iter().map(|&(a, b)| (b - a) as usize).sum::<usize>() <= SCAN;
    let stems = |list: (u32, u32), deleted: bool| Stems::new(store, list, deleted, short);
    let kept = stems(first, false);
    let others: Vec<Stems<'_>> = lists[1..].iter().map(|&list| stems(list, true)).collect();
    changes
        .iter()
        .filter(|c| c.kind == Kind::Deleted)
        .filter(|c| !kept.has(c.stem))
        .filter(|c| !renames.iter().any(|r| r.old == c.stem))
        .filter(|c| others.iter().all(|deleted| deleted.has(c.stem)))
        .map(|c| (c.stem, c.stage))
        .collect()
}

/// The stems of a change list deleted (or, with `deleted` false, added or
/// modified): the list itself when it is short, else a set.
enum Stems<'s> {
    Scan(&'s [Change], bool),
    Set(FxMap<u32, ()>),
}

impl<'s> Stems<'s> {
    fn new(store: &'s Store, list: (u32, u32), deleted: bool, short: bool) -> Stems<'s> {
        let changes = span(&store.changes, list);
        if short {
            return Stems::Scan(changes, deleted);
        }
        let set = changes
            .iter()
            .filter(|c| (c.kind == Kind::Deleted) == deleted)
            .map(|c| (c.stem, ()))
            .collect();
        Stems::Set(set)
    }

    fn has(&self, stem: u32) -> bool {
        match self {
            Stems::Scan(changes, deleted) => changes
                .iter()
                .any(|c| c.stem == stem && (c.kind == Kind::Deleted) == *deleted),
            Stems::Set(set) => set.contains_key(&stem),
        }
    }
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
        let mut deletions = Deletions::new(store, lists);
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
            if let Some((p, from)) = deletions.find(change.stem) {
                self.record(&follow, commit, Event::Entry(change.stage));
                let into = if p == 0 {
                    &mut followed
                } else {
                    &mut others[p - 1]
                };
                insert(into, key(change.stem, from), follow);
            } else if let Some(old) = renamed(store.renames(commit), change.stem)
                && let Some((p, from)) = deletions.find(old)
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
            .get_or_insert_with(|| (CommitId(oid(&commit.id)), timestamp(commit.time)));
        for target in follow.targets() {
            let timeline = &mut self.timelines[target as usize];
            match event {
                Event::Entry(stage) => timeline.entries.push((stage, at, id, commit.email)),
                Event::Version(blob) => {
                    timeline.versions.push((id, at, BlobId(oid(&blob))));
                    timeline.version_emails.push(commit.email);
                }
                Event::Renamed(old) => timeline
                    .renamed_from
                    .push(self.store.stems.name(old).to_string()),
                Event::Created => timeline.added = Some((at, id)),
            }
        }
    }
}

/// Changes up to which a scan is cheaper than building a map.
const SCAN: usize = 32;

/// Where the change lists of one commit say each stem was deleted: a scan
/// for a commit with a few changes, a map built once for one with many (a
/// bulk import or a mass move), so that every commit costs time linear in
/// the files it touches.
struct Deletions<'s> {
    store: &'s Store,
    lists: &'s [(u32, u32)],
    map: Option<FxMap<u32, (usize, u16)>>,
}

impl<'s> Deletions<'s> {
    fn new(store: &'s Store, lists: &'s [(u32, u32)]) -> Deletions<'s> {
        Deletions {
            store,
            lists,
            map: None,
        }
    }

    /// The first parent (and stage) from which `stem` was deleted.
    fn find(&mut self, stem: u32) -> Option<(usize, u16)> {
        let (store, lists) = (self.store, self.lists);
        let changes: usize = lists.iter().map(|&(a, b)| (b - a) as usize).sum();
        if changes <= SCAN {
            return deleted(store, lists, stem);
        }
        let map = self.map.get_or_insert_with(|| {
            let mut map = FxMap::default();
            for (p, &list) in lists.iter().enumerate() {
                for c in span(&store.changes, list) {
                    if c.kind == Kind::Deleted {
                        map.entry(c.stem).or_insert((p, c.stage));
                    }
                }
            }
            map
        });
        map.get(&stem).copied()
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
