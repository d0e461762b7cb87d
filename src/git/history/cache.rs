//! The history cache: a walk's store, its order and links, and the deals at
//! the tip, kept in the git dir between loads.
//!
//! A commit's changes never change, so a later load reads them from here
//! and diffs only the commits it has not seen. The file is keyed by what
//! the changes depend on (the pipeline's prefix, the stage list, the
//! grafts); anything truncated, damaged, foreign or made for another key
//! is ignored and rebuilt, never trusted.

use std::hash::Hasher;

use super::super::hasher::Fx;
use super::super::pack::Id;
use super::Folders;
use super::store::{Change, CommitRec, Kind, NOWHERE, Rename, Store, span};

/// The format version of the cache file; bump it when the layout changes.
pub(super) const VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"FNLHIST\n";

pub(super) fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = Fx::seeded(bytes.len() as u64);
    hash.write(bytes);
    hash.finish()
}

/// A cache file's commits (in its topological order, the tip first), their
/// links, and the deals in the stage folders at the tip.
pub(super) struct Cached {
    pub(super) store: Store,
    pub(super) links: Vec<u32>,
    pub(super) folders: Folders,
}

/// The cache file: magic, version, key, the names, each commit in order
/// (parents as forward distances in that order), the deals at the tip, and
/// a checksum of all that.
pub(super) fn encode(
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
pub(super) fn decode(bytes: &[u8], key: &str, stages: usize) -> Option<Cached> {
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

#[cfg(test)]
mod tests {
    use super::super::walk::links;
    use super::*;

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
}
