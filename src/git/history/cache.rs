//! The history cache: a walk's store, its order and links, and the deals at
//! the tip, kept in the git dir between loads.
//!
//! A commit's changes never change, so a later load reads them from here
//! and diffs only the commits it has not seen. The file is keyed by what
//! the changes depend on (the pipeline's prefix, the stage list, the
//! grafts); the layout is [`crate::cache_file`]'s, so anything truncated,
//! damaged, foreign or made for another key is ignored and rebuilt, never
//! trusted.

use super::Folders;
use super::store::{Change, CommitRec, Kind, NOWHERE, Rename, Store, span};
use crate::cache_file::{Reader, Writer};

/// The format version of the cache file; bump it when the layout changes.
// 2: the checksum of `cache_file`, shared with the deal cache.
// 3: commit authors as `Name <email>` (for the mailmap), not emails.
pub(super) const VERSION: u32 = 3;
const MAGIC: &[u8; 8] = b"FNLHIST\n";

/// A cache file's commits (in its topological order, the tip first), their
/// links, and the deals in the stage folders at the tip.
pub(super) struct Cached {
    pub(super) store: Store,
    pub(super) links: Vec<u32>,
    pub(super) folders: Folders,
}

/// The cache file, built in `buffer`: the header, the names, each commit
/// in order (parents as forward distances in that order), the deals at the
/// tip, and the checksum.
pub(super) fn encode(
    buffer: Vec<u8>,
    store: &Store,
    order: &[u32],
    links: &[u32],
    folders: &Folders,
    key: &str,
) -> Vec<u8> {
    let mut out = Writer::file(buffer, MAGIC, VERSION, key);
    out.reserve(64 + order.len() * 72);
    for names in [&store.stems, &store.authors] {
        out.count(names.list.len());
        for name in &names.list {
            out.str(name);
        }
    }
    out.count(order.len());
    for (pos, &n) in order.iter().enumerate() {
        let commit = &store.commits[n as usize];
        out.bytes(&commit.id);
        out.i64(commit.time);
        out.varint(u64::from(commit.email));
        let parents = store.parents(commit);
        out.count(parents.len());
        for (parent, &at) in parents.iter().zip(span(links, commit.parents)) {
            if at != NOWHERE && at as usize > pos {
                out.varint((at as usize - pos) as u64);
            } else {
                out.varint(0);
                out.bytes(parent);
            }
        }
        let renames = store.renames(commit);
        out.count(renames.len());
        for rename in renames {
            out.varint(rename.new.map_or(0, |n| u64::from(n) + 1));
            out.varint(u64::from(rename.old));
        }
        for &list in store.lists(commit) {
            let list = span(&store.changes, list);
            out.count(list.len());
            for change in list {
                out.varint(u64::from(change.stem));
                out.varint(u64::from(change.stage));
                out.byte(change.kind as u8);
                out.bytes(&change.blob);
            }
        }
    }
    for (tree, stems) in folders {
        match tree {
            Some(tree) => {
                out.byte(1);
                out.bytes(tree);
            }
            None => out.byte(0),
        }
        out.count(stems.len());
        for &stem in stems {
            out.varint(u64::from(stem));
        }
    }
    out.seal()
}

/// Reads a cache file; anything truncated, corrupt, foreign or made for
/// another prefix, stage list or grafts is `None` and rebuilt, never trusted.
pub(super) fn decode(bytes: &[u8], key: &str, stages: usize) -> Option<Cached> {
    let mut r = Reader::open(bytes, MAGIC, VERSION, key)?;
    let mut store = Store::default();
    for names in [&mut store.stems, &mut store.authors] {
        let count = r.count()?;
        names.list.reserve(count);
        for _ in 0..count {
            names.list.push(r.str()?.into());
        }
    }
    let (stems, emails) = (store.stems.list.len(), store.authors.list.len());
    let count = r.count()?;
    // Most commits have one parent, one list of changes and a change or
    // two: sized for that, the vectors are not grown (and copied) a
    // dozen times each.
    store.commits.reserve(count);
    store.parents.reserve(count);
    store.lists.reserve(count);
    store.changes.reserve(count);
    // Parents given by position (`links`), filled in once every commit
    // is read.
    let mut links = Vec::with_capacity(count);
    for pos in 0..count {
        let id = r.array()?;
        let time = r.i64()?;
        let email = r.index(emails)?;
        let start = store.parents.len() as u32;
        let parents = r.count()?;
        for _ in 0..parents {
            match r.count()? {
                0 => {
                    store.parents.push(r.array()?);
                    links.push(NOWHERE);
                }
                ahead => {
                    store.parents.push([0; 20]);
                    links.push(u32::try_from(pos.checked_add(ahead)?).ok()?);
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
                let kind = match r.byte()? {
                    0 => Kind::Added,
                    1 => Kind::Deleted,
                    2 => Kind::Modified,
                    _ => return None,
                };
                let blob = r.array()?;
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
    for (parent, &link) in store.parents.iter_mut().zip(&links) {
        if link != NOWHERE {
            *parent = store.commits.get(link as usize)?.id;
        }
    }
    let mut folders = Vec::with_capacity(stages);
    for _ in 0..stages {
        let tree = match r.byte()? {
            0 => None,
            1 => Some(r.array()?),
            _ => return None,
        };
        let count = r.count()?;
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            list.push(r.index(stems)?);
        }
        folders.push((tree, list));
    }
    if !r.done() || store.commits.is_empty() {
        return None;
    }
    Some(Cached {
        store,
        links,
        folders,
    })
}

#[cfg(test)]
mod tests {
    use super::super::walk::links;
    use super::*;

    #[test]
    fn a_cache_file_reads_back_and_is_refused_when_damaged_anywhere() {
        let mut store = Store::default();
        let stem = store.stems.intern("acme");
        let email = store.authors.intern("a@example.com");
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
        let bytes = encode(
            b"old bytes".to_vec(),
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
}
