//! The commits a walk has read and what each changed, in flat vectors.
//!
//! One `Store` is what the walk records, what the cache file keeps and
//! what the chase reads. Commits, parents, renames and change lists live
//! in a few long vectors, each commit holding (start, end) spans into them,
//! so that neither a walk nor a load from the cache allocates per commit.

use super::super::pack::Id;
use crate::hasher::FxMap;

/// Strings (deal stems, commit authors) by number. The index by name is
/// built when first needed: a load from an up-to-date cache never needs it.
#[derive(Default)]
pub(super) struct Names {
    pub(super) list: Vec<Box<str>>,
    index: Option<FxMap<Box<str>, u32>>,
}

impl Names {
    fn index(&mut self) -> &mut FxMap<Box<str>, u32> {
        let list = &self.list;
        self.index
            .get_or_insert_with(|| list.iter().cloned().zip(0..).collect())
    }

    pub(super) fn intern(&mut self, name: &str) -> u32 {
        let n = self.list.len() as u32;
        let index = self.index();
        if let Some(&found) = index.get(name) {
            return found;
        }
        index.insert(name.into(), n);
        self.list.push(name.into());
        n
    }

    pub(super) fn get(&mut self, name: &str) -> Option<u32> {
        self.index().get(name).copied()
    }

    pub(super) fn name(&self, n: u32) -> &str {
        &self.list[n as usize]
    }
}

/// How a deal file differs from the parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Added,
    Deleted,
    Modified,
}

/// One deal file that differs between a commit and one of its parents.
#[derive(Debug, Clone, Copy)]
pub(super) struct Change {
    pub(super) stem: u32,
    pub(super) stage: u16,
    pub(super) kind: Kind,
    /// The commit's blob (the parent's for a deletion).
    pub(super) blob: Id,
}

/// A `Funnel-Renamed-From: OLD` trailer whose OLD the commit deleted; `new`
/// is the deal it names with `Funnel-Deal`, if any.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rename {
    pub(super) new: Option<u32>,
    pub(super) old: u32,
}

/// A commit; its lists live in the store's flat vectors.
pub(super) struct CommitRec {
    pub(super) id: Id,
    /// Author time, seconds since the epoch.
    pub(super) time: i64,
    pub(super) email: u32,
    pub(super) parents: (u32, u32),
    pub(super) renames: (u32, u32),
    /// One change list per parent (one against the empty tree for a root).
    pub(super) lists: (u32, u32),
}

/// Everything the walk recorded; the `(u32, u32)` fields are spans into
/// the vectors here.
#[derive(Default)]
pub(super) struct Store {
    pub(super) stems: Names,
    /// Commit authors as `Name <email>`, as the commit has them (the
    /// mailmap is applied when the history is read, so a change to it
    /// needs no new walk).
    pub(super) authors: Names,
    pub(super) commits: Vec<CommitRec>,
    pub(super) parents: Vec<Id>,
    pub(super) renames: Vec<Rename>,
    pub(super) lists: Vec<(u32, u32)>,
    pub(super) changes: Vec<Change>,
}

/// The items of `items` in a (start, end) span.
pub(super) fn span<T>(items: &[T], (start, end): (u32, u32)) -> &[T] {
    &items[start as usize..end as usize]
}

impl Store {
    pub(super) fn parents(&self, commit: &CommitRec) -> &[Id] {
        span(&self.parents, commit.parents)
    }

    pub(super) fn renames(&self, commit: &CommitRec) -> &[Rename] {
        span(&self.renames, commit.renames)
    }

    pub(super) fn lists(&self, commit: &CommitRec) -> &[(u32, u32)] {
        span(&self.lists, commit.lists)
    }
}

/// No position: a parent outside the walk.
pub(super) const NOWHERE: u32 = u32::MAX;
