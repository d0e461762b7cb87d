//! Objects read straight from pack files, with a delta base cache that
//! keeps intermediate results.
//!
//! libgit2 caches only the base of a delta chain, so each read of a big
//! tree at depth d inflates and applies d deltas again: reading a folder's
//! versions one after another (what the history walk does) is quadratic in
//! the chain depth, half the time of a cold load on the benchmark. Reading
//! many versions of the same deal files (`history::blob_texts`) has the
//! same shape. Anything this reader cannot read (loose objects, alternates,
//! other index versions, a stream it does not trust) comes from libgit2
//! instead. Every inflated stream is checked against its Adler-32 and
//! declared size, every delta against its sizes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use git2::{Odb, Oid};

use crate::error::Result;
use crate::hasher::FxMap;

/// An object id as plain bytes: comparing git2's `Oid` is a call into C,
/// and the history walk compares ids in every hash probe.
pub(super) type Id = [u8; 20];

/// Bytes of resolved objects the delta base cache keeps.
const CACHE_BUDGET: usize = 64 << 20;
/// The same for each of the readers that share another's packs: blobs of
/// deal files, each a few hundred bytes.
const SHARED_CACHE_BUDGET: usize = 16 << 20;
const COMMIT: u8 = 1;
const TREE: u8 = 2;
const BLOB: u8 = 3;
/// The bytes first read of an entry: its header and, for most deltas
/// and small blobs, the whole stream (the rest is read when needed).
const WINDOW: u64 = 512;

pub(super) struct Objects<'o, 'r> {
    odb: &'o Odb<'r>,
    dir: PathBuf,
    packs: Option<Vec<Pack>>,
    cache: FxMap<(u32, u64), Cached>,
    cached_bytes: usize,
    budget: usize,
    tick: u64,
    /// Reused for every entry: it holds its Huffman tables (11 KB), which
    /// a fresh one would zero each time.
    inflater: Decompress,
}

struct Cached {
    kind: u8,
    data: Rc<Vec<u8>>,
    used: u64,
}

/// The pack files one reader opened, for readers on other threads: their
/// indexes, once read whole, are shared rather than read again by each.
#[derive(Clone)]
pub(super) struct Packs(Vec<Pack>);

#[derive(Clone)]
struct Pack {
    /// The index: read whole once many objects were looked up (it is
    /// 14 MB for 500,000 objects); until then a look-up reads the few
    /// bytes it needs.
    idx: Option<Arc<[u8]>>,
    idx_file: Arc<File>,
    idx_len: usize,
    fanout: [u32; 256],
    lookups: usize,
    count: usize,
    file: Arc<File>,
    /// Where the objects end and the trailing checksum starts.
    end: u64,
}

enum Entry {
    Whole(u8, Vec<u8>),
    OffsetDelta(u64, Vec<u8>),
    RefDelta([u8; 20], Vec<u8>),
}

impl<'o, 'r> Objects<'o, 'r> {
    pub(super) fn new(odb: &'o Odb<'r>, objects_dir: &Path) -> Objects<'o, 'r> {
        Objects {
            odb,
            dir: objects_dir.join("pack"),
            packs: None,
            cache: FxMap::default(),
            cached_bytes: 0,
            budget: CACHE_BUDGET,
            tick: 0,
            inflater: Decompress::new(true),
        }
    }

    /// A reader of the packs `packs` (another reader's, see
    /// [`Objects::packs`]) with a smaller delta cache, for one of several
    /// threads reading blobs.
    pub(super) fn sharing(odb: &'o Odb<'r>, objects_dir: &Path, packs: &Packs) -> Objects<'o, 'r> {
        Objects {
            packs: Some(packs.0.clone()),
            budget: SHARED_CACHE_BUDGET,
            ..Objects::new(odb, objects_dir)
        }
    }

    /// The pack files as this reader has opened them.
    pub(super) fn packs(&mut self) -> Packs {
        Packs(
            self.packs
                .get_or_insert_with(|| open_packs(&self.dir))
                .clone(),
        )
    }

    /// The raw bytes of the tree `id`.
    pub(super) fn tree(&mut self, id: &Id) -> Result<Rc<Vec<u8>>> {
        if let Some(data) = self.packed(id) {
            return Ok(data);
        }
        let object = self.odb.read(Oid::from_bytes(id)?)?;
        Ok(Rc::new(object.data().to_vec()))
    }

    pub(super) fn packed(&mut self, id: &Id) -> Option<Rc<Vec<u8>>> {
        self.packed_kind(id, TREE)
    }

    /// The content of the blob `id`, at `place` in the packs (from
    /// [`Objects::places`]) when it is packed.
    pub(super) fn blob_at(&mut self, id: &Id, place: Option<(u32, u64)>) -> Result<Rc<Vec<u8>>> {
        if let Some((BLOB, data)) = place.and_then(|(pack, offset)| self.resolve(pack, offset)) {
            return Ok(data);
        }
        let object = self.odb.read(Oid::from_bytes(id)?)?;
        if object.kind() != git2::ObjectType::Blob {
            return Err(git2::Error::from_str("not a blob").into());
        }
        Ok(Rc::new(object.data().to_vec()))
    }

    /// The raw bytes of the commit `id`. Commits are read once per walk,
    /// so they are not kept in the cache; libgit2 reads only loose ones.
    pub(super) fn commit(&mut self, id: &Id) -> Result<Rc<Vec<u8>>> {
        if let Some(data) = self.packed_kind(id, COMMIT) {
            return Ok(data);
        }
        let object = self.odb.read(Oid::from_bytes(id)?)?;
        if object.kind() != git2::ObjectType::Commit {
            return Err(git2::Error::from_str("not a commit").into());
        }
        Ok(Rc::new(object.data().to_vec()))
    }

    /// Makes every pack index be read whole at its next look-up.
    #[cfg(test)]
    pub(super) fn read_indexes_whole(&mut self) {
        let packs = self.packs.get_or_insert_with(|| open_packs(&self.dir));
        for pack in packs {
            pack.lookups = PIECEMEAL_LOOKUPS;
        }
    }

    /// Where `id` is in the packs, to read many objects in pack order.
    pub(super) fn place(&mut self, id: &Id) -> Option<(u32, u64)> {
        let packs = self.packs.get_or_insert_with(|| open_packs(&self.dir));
        find(packs, id)
    }

    /// [`Objects::place`] of each of `ids`. Many are found in one pass
    /// over each pack index in id order, a piece at a time, so the index
    /// (34 MB at 50,000 deals) is never held whole.
    pub(super) fn places(&mut self, ids: &[Id]) -> Vec<Option<(u32, u64)>> {
        if ids.len() <= PIECEMEAL_LOOKUPS {
            return ids.iter().map(|id| self.place(id)).collect();
        }
        let packs = self.packs.get_or_insert_with(|| open_packs(&self.dir));
        let mut sorted: Vec<usize> = (0..ids.len()).collect();
        sorted.sort_unstable_by_key(|&n| ids[n]);
        let mut places = vec![None; ids.len()];
        for (p, pack) in packs.iter().enumerate() {
            sorted.retain(|&n| places[n].is_none());
            pack.sweep(ids, &sorted, SWEEP_PIECE, &mut |n, offset| {
                places[n] = Some((p as u32, offset));
            });
        }
        places
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
            match packs[pack as usize].entry(offset, &mut self.inflater)? {
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
        if data.len() > self.budget / 8 || kind == COMMIT {
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
        if self.cached_bytes > self.budget {
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
/// Index entries [`Pack::sweep`] reads at a time (1.5 MB).
const SWEEP_PIECE: usize = 1 << 16;

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
            idx_file: Arc::new(idx_file),
            idx_len,
            fanout,
            lookups: 0,
            count,
            file: Arc::new(file),
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

    /// Calls `found(n, offset)` for each `ids[n]` in this pack, `sorted`
    /// listing the `n` in id order, reading the index a piece at a time
    /// alongside.
    fn sweep(&self, ids: &[Id], sorted: &[usize], piece: usize, found: &mut dyn FnMut(usize, u64)) {
        let names = 8 + 1024;
        let offsets = names + self.count * 24;
        let mut wanted = sorted.iter().peekable();
        let (mut name_buf, mut offset_buf) = (Vec::new(), Vec::new());
        for start in (0..self.count).step_by(piece) {
            let len = piece.min(self.count - start);
            name_buf.resize(len * 20, 0);
            offset_buf.resize(len * 4, 0);
            if self.idx_bytes(names + start * 20, &mut name_buf).is_none()
                || self
                    .idx_bytes(offsets + start * 4, &mut offset_buf)
                    .is_none()
            {
                return;
            }
            let mut at = 0;
            while let Some(&&n) = wanted.peek() {
                let id = &ids[n][..];
                // Names below `id` in this piece are passed by.
                while at < len && &name_buf[at * 20..at * 20 + 20] < id {
                    at += 1;
                }
                if at == len {
                    break; // `id` is in a later piece, if anywhere
                }
                wanted.next();
                if &name_buf[at * 20..at * 20 + 20] == id {
                    let small = be32(&offset_buf, at * 4);
                    if let Some(offset) = self.offset(small) {
                        found(n, offset);
                    }
                }
            }
        }
    }

    /// A pack offset from its entry in the index's table of 4-byte
    /// offsets: the offset, or where in the table of 8-byte ones it is.
    fn offset(&self, small: u32) -> Option<u64> {
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let at = 8 + 1024 + self.count * 28 + (small & 0x7fff_ffff) as usize * 8;
        let mut word = [0u8; 8];
        self.idx_bytes(at, &mut word)?;
        Some(u64::from_be_bytes(word))
    }

    fn find(&mut self, oid: &[u8]) -> Option<u64> {
        if self.idx.is_none() {
            self.lookups += 1;
            if self.lookups > PIECEMEAL_LOOKUPS {
                // Made in place: a Vec turned into an Arc would be copied.
                let mut idx: Arc<[u8]> = std::iter::repeat_n(0, self.idx_len).collect();
                read_at(&self.idx_file, Arc::get_mut(&mut idx)?, 0)?;
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
                    return self.offset(u32::from_be_bytes(word));
                }
            }
        }
        None
    }

    /// The entry at `offset`, inflated.
    fn entry(&self, offset: u64, inflater: &mut Decompress) -> Option<Entry> {
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
        let data = inflate(inflater, &window[at..], size)?;
        Some(match (base, base_oid) {
            (Some(base), _) => Entry::OffsetDelta(base, data),
            (_, Some(oid)) => Entry::RefDelta(oid, data),
            _ => Entry::Whole(kind, data),
        })
    }
}

/// The zlib stream at the start of `input` (what follows it is ignored),
/// which must inflate to exactly `size` bytes and match its Adler-32;
/// `None` otherwise. zlib (flate2's zlib-rs) writes straight into the
/// object's buffer when the whole output fits it, and checks the Adler-32.
fn inflate(inflater: &mut Decompress, input: &[u8], size: usize) -> Option<Vec<u8>> {
    inflater.reset(true);
    let mut out = vec![0; size];
    let status = inflater.decompress(input, &mut out, FlushDecompress::Finish);
    (status.ok()? == Status::StreamEnd && inflater.total_out() == size as u64).then_some(out)
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
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use std::process::Command;

    use git2::Repository;

    use super::*;
    use crate::git::Repo;
    use crate::git::history::blob_texts;

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
        // Every object's place, looked up one by one and swept in pieces
        // that end anywhere in the index.
        let mut reader = Objects::new(&odb, &git.commondir().join("objects"));
        let ids: Vec<Id> = all.iter().map(|&oid| oid_bytes(oid)).collect();
        let one_by_one: Vec<_> = ids.iter().map(|id| reader.place(id)).collect();
        let packs = reader.packs.take().unwrap();
        for piece in [1, 7, SWEEP_PIECE] {
            let mut sorted: Vec<usize> = (0..ids.len()).rev().chain([0, 3]).collect();
            sorted.sort_unstable_by_key(|&n| ids[n]);
            let mut swept = vec![None; ids.len()];
            for (p, pack) in packs.iter().enumerate() {
                pack.sweep(&ids, &sorted, piece, &mut |n, offset| {
                    swept[n] = Some((p as u32, offset));
                });
            }
            assert_eq!(swept, one_by_one, "pieces of {piece}");
        }
        let mut counts = Vec::new();
        for whole in [false, true] {
            let mut reader = Objects::new(&odb, &git.commondir().join("objects"));
            if whole {
                reader.read_indexes_whole();
            }
            let mut from_packs = 0;
            for &oid in &all {
                let object = odb.read(oid).unwrap();
                if object.kind() != git2::ObjectType::Tree {
                    continue;
                }
                if let Some(data) = reader.packed(&oid_bytes(oid)) {
                    assert_eq!(&*data, object.data(), "{oid}");
                    from_packs += 1;
                }
            }
            counts.push(from_packs);
        }
        assert_eq!(counts[0], counts[1]);
        counts[0]
    }

    #[test]
    fn inflate_reads_what_zlib_wrote() {
        let mut inflater = Decompress::new(true);
        // zlib's own output: a fixed Huffman block with a back reference,
        // followed by bytes of the next entry; a stored block; nothing.
        let mut fixed = vec![
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00, 0x3a, 0x2e,
            0x06, 0x7d,
        ];
        fixed.extend_from_slice(b"next entry");
        let hello = &b"hello hello hello"[..];
        assert_eq!(inflate(&mut inflater, &fixed, 17).as_deref(), Some(hello));
        assert_eq!(inflate(&mut inflater, &fixed, 16), None, "too long");
        assert_eq!(inflate(&mut inflater, &fixed, 18), None, "too short");
        assert_eq!(inflate(&mut inflater, &fixed[..12], 17), None, "cut off");
        // Adler-32 of "abc": 0x024d0127.
        let mut stored = vec![0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
        stored.extend_from_slice(&[0x02, 0x4d, 0x01, 0x27]);
        assert_eq!(
            inflate(&mut inflater, &stored, 3).as_deref(),
            Some(&b"abc"[..])
        );
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert_eq!(
            inflate(&mut inflater, &stored, 3),
            None,
            "the Adler-32 is checked"
        );
        let empty = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(inflate(&mut inflater, &empty, 0).as_deref(), Some(&b""[..]));
    }

    fn oid_bytes(oid: Oid) -> Id {
        oid.as_bytes().try_into().unwrap()
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
                Ok(git2::ObjectType::Blob) => blobs.push(crate::git::BlobId(*oid)),
                _ => other = Some(*oid),
            }
            true
        })
        .unwrap();
        assert!(blobs.len() > 1200, "{} blobs", blobs.len());
        let texts = blob_texts(&repo, &blobs);
        for (blob, text) in blobs.iter().zip(&texts) {
            let object = odb.read(blob.0).unwrap();
            let want = String::from_utf8_lossy(object.data());
            assert_eq!(text.as_deref(), Some(&*want), "{blob}");
        }
        // Not a blob, and no object at all: nothing.
        let missing = crate::git::BlobId::from_bytes(&[7; 20]).unwrap();
        let other = crate::git::BlobId(other.unwrap());
        assert_eq!(blob_texts(&repo, &[other, missing]), [None, None]);
    }

    /// A revision's pipeline files (`diff`) through the pack reader: each
    /// blob of the stage folders and `funnel.toml`, packed or loose, byte
    /// for byte as libgit2 reads it (invalid UTF-8 kept), a link left out.
    #[test]
    fn a_revisions_files_are_read_as_libgit2_reads_them() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("funnel.toml"), "name = \"P\"\n").unwrap();
        for stage in ["lead", "won"] {
            std::fs::create_dir(dir.join(stage)).unwrap();
        }
        for round in 0..2 {
            for n in 0..300 {
                let text = format!("title = \"Deal {n}\"\nvalue = {}\n", n * 10 + round);
                std::fs::write(dir.join(format!("won/deal-{n:03}.toml")), text).unwrap();
            }
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("round {round}")]);
        }
        git(dir, &["gc", "-q"]);
        std::fs::write(dir.join("lead/latin.toml"), b"title = \"Caf\xe9\"\n").unwrap();
        std::os::unix::fs::symlink("../won/deal-001.toml", dir.join("lead/link.toml")).unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "loose"]);
        let repo = Repo::open(dir).unwrap().unwrap();
        let head = repo.repo.head().unwrap().peel_to_commit().unwrap();
        let blobs = repo
            .pipeline_blobs_at(crate::git::CommitId(head.id()), &["lead", "won", "lost"])
            .unwrap();
        let ids: Vec<_> = blobs.iter().map(|(_, blob)| *blob).collect();
        let files: Vec<_> = (blobs.into_iter().map(|(path, _)| path))
            .zip(repo.blobs(&ids).unwrap())
            .collect();
        let tree = head.tree().unwrap();
        let mut want = Vec::new();
        for (path, kind) in [
            ("funnel.toml", None),
            ("lead", Some("lead")),
            ("won", Some("won")),
        ] {
            let entry = tree.get_path(Path::new(path)).unwrap();
            let Some(stage) = kind else {
                let blob = repo.repo.find_blob(entry.id()).unwrap();
                want.push((std::path::PathBuf::from(path), blob.content().to_vec()));
                continue;
            };
            for entry in repo.repo.find_tree(entry.id()).unwrap().iter() {
                if entry.filemode() == 0o120000 {
                    continue;
                }
                let blob = repo.repo.find_blob(entry.id()).unwrap();
                let path = Path::new(stage).join(entry.name().unwrap());
                want.push((path, blob.content().to_vec()));
            }
        }
        assert_eq!(files.len(), 302);
        assert!(files == want);
        assert!(
            files
                .iter()
                .any(|(p, b)| p.ends_with("latin.toml") && b.contains(&0xe9))
        );
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
