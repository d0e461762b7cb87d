//! Parsed deal files and values at close, kept between runs in the git dir,
//! so that a command that reads every deal does not parse every TOML file
//! (and every closed deal's old version) again.
//!
//! Two files in the git dir's `funnel/` folder, never in the work tree:
//!
//! - `deals-vN-KEY` (KEY: a hash of the pipeline root): the blob id and
//!   table of each deal file that loaded, with the file's stat data (the
//!   blob id tells, without git, whether the file is the one committed at
//!   HEAD: `Snapshot::matches_head`). A file is taken from
//!   the cache only when its inode, size, modification and change times (to
//!   the nanosecond) are those recorded, *and* both times were more than
//!   [`SETTLED_SECONDS`] older than the start of the run that recorded them.
//!   The second condition is git's answer to "racily clean" files: an edit
//!   that keeps the size, made within the same clock tick as the stat that
//!   was recorded, leaves the same stat data; recording only files that had
//!   been still for a while means any later edit has a later time. The change
//!   time cannot be set by hand (`touch -d` sets the modification time
//!   only), so an edit that puts the old modification time back is seen too.
//! - `closes-v3`, `versions-v3` and `forecasts-v3`: what committed versions
//!   (blobs) of deal files say about their value, probability and expected
//!   close. A blob never changes, so these never go stale; each file keeps
//!   the blobs the last run asked for: `closes` those of values at close
//!   (`report`), `versions` every version (`export`'s field-change log),
//!   `forecasts` those of forecasts of the past (`report`'s forecast
//!   accuracy), so none evicts another.
//!
//! Both are in the layout of [`crate::cache_file`], which is why neither is
//! trusted blindly: a file with the wrong magic, version, key or checksum,
//! or one that does not decode to the end, is ignored and rebuilt. Writes
//! go to a temporary file renamed into place, so a reader never sees half a
//! file (and the deals file can be mapped into memory rather than read: a
//! mapping keeps the file it mapped); a cache that cannot be written (a
//! read-only repository) only costs time. The deals file lists the files
//! in listing order, so a load finds each at its own place.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use rust_decimal::Decimal;

use crate::cache_file::{Reader, Writer, checksum};
use crate::model::deal::VersionValue;
use crate::model::packed::{Bytes, Packed, put_table};

const DEALS_MAGIC: &[u8; 8] = b"FNLDEALS";
// 2: deals that load are checked for bounded money, a negative value, a
// blank title and dates before 1970.
// 3: each file's blob id before its table.
// 4: the table's key bits after the blob id (`Packed::vouched`).
const DEALS_VERSION: u32 = 4;
const CLOSES_MAGIC: &[u8; 8] = b"FNLCLOSE";
const CLOSES_VERSION: u32 = 3;

/// How long a file must have been still, before the start of the run that
/// records it, to be taken from the cache: more than the coarsest time
/// stamps of common file systems (2 s on FAT) plus the kernel clock's tick.
pub const SETTLED_SECONDS: i64 = 3;

/// What a file's stat data says about its content: inode, size, and the
/// modification and change times (seconds, nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    ino: u64,
    size: u64,
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl Stat {
    /// The stat data in `meta`; `None` on platforms without inodes and
    /// change times, where nothing is cached.
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Stat {
                ino: meta.ino(),
                size: meta.size(),
                mtime: (meta.mtime(), u32::try_from(meta.mtime_nsec()).ok()?),
                ctime: (meta.ctime(), u32::try_from(meta.ctime_nsec()).ok()?),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// The stat data as five numbers: inode, size, the two times' seconds,
    /// and their nanoseconds together.
    pub fn parts(&self) -> [u64; 5] {
        [
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.ctime.0 as u64,
            (u64::from(self.mtime.1) << 32) | u64::from(self.ctime.1),
        ]
    }

    /// Whether the file had been still for [`SETTLED_SECONDS`] at `started`.
    pub fn settled(&self, started: Instant) -> bool {
        let limit = (started.0.saturating_sub(SETTLED_SECONDS), started.1);
        self.mtime < limit && self.ctime < limit
    }
}

/// A point in time as (seconds, nanoseconds) since the epoch.
pub type Instant = (i64, u32);

/// `at` as an [`Instant`]; `None` before the epoch (a clock that wrong
/// turns the cache off).
pub fn instant(at: SystemTime) -> Option<Instant> {
    let since = at.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Some((i64::try_from(since.as_secs()).ok()?, since.subsec_nanos()))
}

/// The deal files an earlier run recorded for one pipeline.
#[derive(Default)]
pub struct DealCache {
    bytes: Arc<crate::cache_file::Mapped>,
    /// When the run that wrote the cache started.
    started: Instant,
    /// Each file: where its path relative to the root (`STAGE/ID.toml`)
    /// and its encoded table are in `bytes`, and its stat data.
    entries: Vec<(Range<usize>, Stat, Range<usize>)>,
    /// The entries by a hash of their path (no string is copied: the
    /// path is checked on each look-up, so a collision is only a miss),
    /// made on the first file not found where [`DealCache::locate`]
    /// looks first.
    index: OnceLock<HashMap<u64, u32, BuildHasherDefault<Hashed>>>,
    /// The entries by the blob id of their file's bytes, made on the first
    /// [`DealCache::deal_of_blob`].
    by_blob: OnceLock<crate::hasher::FxMap<[u8; 20], u32>>,
}

/// Where a file is recorded in a [`DealCache`] (see [`DealCache::locate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(u32);

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = checksum(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl DealCache {
    /// The cache of the pipeline at `root` in `dir`; empty when there is
    /// none, or it is damaged, foreign or of another version.
    pub fn open(dir: &Path, root: &Path) -> DealCache {
        let key = deals_key(root);
        crate::cache_file::Mapped::open(&deals_path(dir, &key))
            .and_then(|bytes| DealCache::decode(bytes, &key))
            .unwrap_or_default()
    }

    /// How many deal files it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where the deal file `rel` (relative to the root), the `n`th file
    /// listed, is recorded, if it is. The cache is written in listing
    /// order, so entry `n` is looked at first: when no file came or went,
    /// every file is found without a look-up by hash.
    pub fn locate(&self, n: usize, rel: &str) -> Option<Slot> {
        let n = match self.holds_at(n, rel) {
            true => n,
            false => self.find(rel)?,
        };
        Some(Slot(u32::try_from(n).ok()?))
    }

    /// Whether entry `n` is the file `rel`.
    pub fn holds_at(&self, n: usize, rel: &str) -> bool {
        self.path(n) == Some(rel.as_bytes())
    }

    /// The table (read where a key is asked for, from the mapped file)
    /// and blob id of the deal file recorded at `slot`, when it was
    /// recorded with exactly `stat` and had settled by then.
    pub fn table(&self, slot: Slot, stat: &Stat) -> Option<(Packed, [u8; 20])> {
        let (recorded, at) = self.entry(slot)?;
        if recorded != *stat || !recorded.settled(self.started) {
            return None;
        }
        let (blob, packed) = self.packed(at)?;
        Some((packed, blob))
    }

    /// The deal a file with the bytes of `blob` makes at `path`, when some
    /// file recorded had those bytes (its keys read from the cache): the
    /// same bytes make the same deal wherever they are, so a committed
    /// version that is some deal file's bytes today is not read and parsed
    /// again. Its blob is not set, as for a version parsed from its text.
    pub fn deal_of_blob(
        &self,
        blob: crate::git::BlobId,
        path: &Path,
    ) -> Option<crate::model::deal::Deal> {
        let by_blob = self.by_blob.get_or_init(|| {
            let mut map = crate::hasher::FxMap::default();
            map.reserve(self.entries.len());
            for (n, (_, _, table)) in self.entries.iter().enumerate() {
                let blob = self.bytes.get(table.start..table.start + 20);
                if let (Some(Ok(blob)), Ok(n)) = (blob.map(<[u8; 20]>::try_from), u32::try_from(n))
                {
                    map.insert(blob, n);
                }
            }
            map
        });
        let blob: [u8; 20] = blob.as_bytes().try_into().ok()?;
        let (_, _, at) = self.entries.get(*by_blob.get(&blob)? as usize)?;
        let (_, packed) = self.packed(at.clone())?;
        Some(crate::model::deal::Deal::from_packed(path, packed))
    }

    /// The blob id and table of the deal encoded at `at` ([`encode_deal`]).
    fn packed(&self, at: Range<usize>) -> Option<([u8; 20], Packed)> {
        let mut r = Reader::new(self.bytes.get(at.clone())?);
        let (blob, keys) = (r.array()?, r.u64()?);
        let bytes: Bytes = self.bytes.clone();
        Some((blob, Packed::vouched(bytes, at.start + 28..at.end, keys)))
    }

    /// The encoded table recorded at `slot` with exactly `stat`, to be
    /// written again unchanged.
    pub fn encoded(&self, slot: Slot, stat: &Stat) -> Option<&[u8]> {
        let (recorded, at) = self.entry(slot)?;
        (recorded == *stat).then(|| self.bytes.get(at)).flatten()
    }

    /// The stat data and place in the file of the entry at `slot`.
    fn entry(&self, Slot(n): Slot) -> Option<(Stat, Range<usize>)> {
        let (_, stat, table) = self.entries.get(n as usize)?;
        Some((*stat, table.clone()))
    }

    /// The path recorded at `n`, if there is an entry `n`.
    fn path(&self, n: usize) -> Option<&[u8]> {
        let (path, _, _) = self.entries.get(n)?;
        self.bytes.get(path.clone())
    }

    fn find(&self, rel: &str) -> Option<usize> {
        let index = self.index.get_or_init(|| {
            let mut index =
                HashMap::with_capacity_and_hasher(self.entries.len(), Default::default());
            for n in 0..self.entries.len() {
                if let (Some(path), Ok(n)) = (self.path(n), u32::try_from(n)) {
                    index.insert(checksum(path), n);
                }
            }
            index
        });
        let n = *index.get(&checksum(rel.as_bytes()))? as usize;
        (self.path(n)? == rel.as_bytes()).then_some(n)
    }

    fn decode(bytes: crate::cache_file::Mapped, key: &str) -> Option<DealCache> {
        let mut r = Reader::open(&bytes, DEALS_MAGIC, DEALS_VERSION, key)?;
        let started = (r.i64()?, r.u32()?);
        let count = r.count()?;
        let mut entries = Vec::with_capacity(count);
        let range = |r: &Reader<'_>, len: usize| r.offset()..r.offset() + len;
        for _ in 0..count {
            let len = r.count()?;
            // Compared byte for byte with listed paths, never read as
            // text: not checked to be UTF-8.
            let path = range(&r, len);
            r.take(len)?;
            let stat = Stat {
                ino: r.u64()?,
                size: r.u64()?,
                mtime: (r.i64()?, r.u32()?),
                ctime: (r.i64()?, r.u32()?),
            };
            let len = r.count()?;
            let table = range(&r, len);
            r.take(len)?;
            entries.push((path, stat, table));
        }
        if !r.done() {
            return None;
        }
        Some(DealCache {
            bytes: Arc::new(bytes),
            started,
            entries,
            index: OnceLock::new(),
            by_blob: OnceLock::new(),
        })
    }
}

/// A deal file as the deal cache holds it: its blob id, its table's key
/// bits ([`Packed::key_bits`]) and its table.
pub fn encode_deal(blob: [u8; 20], table: &toml::Table) -> Vec<u8> {
    let mut w = Writer::piece(512);
    w.bytes(&blob);
    w.u64(Packed::key_bits(table));
    put_table(&mut w, table);
    w.into_bytes()
}

/// Writes the deal cache of the pipeline at `root` to `dir`: each file as
/// (path relative to the root, stat data, [`encode_deal`]), recorded by a
/// run that started at `started`. Files that had not settled by then are
/// left out.
pub fn save_deals<'a>(
    dir: &Path,
    root: &Path,
    started: Instant,
    files: impl Iterator<Item = (&'a str, Stat, &'a [u8])>,
) -> std::io::Result<()> {
    let key = deals_key(root);
    // The count comes before the files, and only settled files count:
    // they are gathered first, so the file is built in one buffer of its
    // size (tens of megabytes at 50,000 deals, each page a fault).
    let files: Vec<_> = files.filter(|(_, stat, _)| stat.settled(started)).collect();
    let size: usize = (files.iter())
        .map(|(rel, _, table)| rel.len() + table.len() + 64)
        .sum();
    let mut w = Writer::file(
        Vec::with_capacity(size + key.len() + 64),
        DEALS_MAGIC,
        DEALS_VERSION,
        &key,
    );
    w.i64(started.0);
    w.u32(started.1);
    w.count(files.len());
    for (rel, stat, table) in files {
        w.str(rel);
        w.u64(stat.ino);
        w.u64(stat.size);
        for (seconds, nanos) in [stat.mtime, stat.ctime] {
            w.i64(seconds);
            w.u32(nanos);
        }
        w.count(table.len());
        w.bytes(table);
    }
    crate::cache_file::write_atomically(&deals_path(dir, &key), &w.seal())
}

fn deals_key(root: &Path) -> String {
    format!("root={}\n", root.to_string_lossy())
}

fn deals_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!(
        "deals-v{DEALS_VERSION}-{:016x}",
        checksum(key.as_bytes())
    ))
}

/// What committed versions of deal files say about their value, by blob.
#[derive(Default)]
pub struct CloseCache {
    values: HashMap<[u8; 20], Option<VersionValue>>,
}

impl CloseCache {
    /// The cache `file` in `dir`; empty when there is none or it is
    /// damaged.
    pub fn open(dir: &Path, file: VersionFile) -> CloseCache {
        crate::cache_file::Mapped::open(&closes_path(dir, file))
            .and_then(|bytes| CloseCache::decode(&bytes))
            .unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// What the blob says (`Some(None)`: it is no deal), if recorded.
    pub fn get(&self, blob: crate::git::BlobId) -> Option<Option<VersionValue>> {
        self.values.get(blob.as_bytes()).cloned()
    }

    fn decode(bytes: &[u8]) -> Option<CloseCache> {
        let mut r = Reader::open(bytes, CLOSES_MAGIC, CLOSES_VERSION, "")?;
        let count = r.count()?;
        let mut values = HashMap::with_capacity(count);
        for _ in 0..count {
            let blob: [u8; 20] = r.array()?;
            let value = match r.byte()? {
                0 => None,
                1 => {
                    let amount = match r.byte()? {
                        0 => None,
                        1 => Some(Decimal::deserialize(r.array()?)),
                        _ => return None,
                    };
                    let currency = match r.byte()? {
                        0 => None,
                        1 => Some(r.str()?.to_string()),
                        _ => return None,
                    };
                    let expected_close = match r.byte()? {
                        0 => None,
                        1 => Some(r.str()?.parse().ok()?),
                        _ => return None,
                    };
                    let probability = match r.byte()? {
                        0 => None,
                        1 => Some(Decimal::deserialize(r.array()?)),
                        _ => return None,
                    };
                    Some(VersionValue {
                        amount,
                        currency,
                        expected_close,
                        probability,
                    })
                }
                _ => return None,
            };
            values.insert(blob, value);
        }
        r.done().then_some(CloseCache { values })
    }
}

/// Which file of version values: see the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFile {
    Closes,
    Versions,
    Forecasts,
}

/// Writes the version-value cache `file` to `dir`: exactly `values`.
pub fn save_closes<'a>(
    dir: &Path,
    file: VersionFile,
    values: impl ExactSizeIterator<Item = (crate::git::BlobId, &'a Option<VersionValue>)>,
) -> std::io::Result<()> {
    let buffer = Vec::with_capacity(32 + values.len() * 48);
    let mut w = Writer::file(buffer, CLOSES_MAGIC, CLOSES_VERSION, "");
    w.count(values.len());
    for (blob, value) in values {
        w.bytes(blob.as_bytes());
        match value {
            None => w.byte(0),
            Some(value) => {
                w.byte(1);
                match value.amount {
                    None => w.byte(0),
                    Some(amount) => {
                        w.byte(1);
                        w.bytes(&amount.serialize());
                    }
                }
                match &value.currency {
                    None => w.byte(0),
                    Some(currency) => {
                        w.byte(1);
                        w.str(currency);
                    }
                }
                match &value.expected_close {
                    None => w.byte(0),
                    Some(date) => {
                        w.byte(1);
                        w.str(&date.to_string());
                    }
                }
                match value.probability {
                    None => w.byte(0),
                    Some(probability) => {
                        w.byte(1);
                        w.bytes(&probability.serialize());
                    }
                }
            }
        }
    }
    crate::cache_file::write_atomically(&closes_path(dir, file), &w.seal())
}

fn closes_path(dir: &Path, file: VersionFile) -> PathBuf {
    let name = match file {
        VersionFile::Closes => "closes",
        VersionFile::Versions => "versions",
        VersionFile::Forecasts => "forecasts",
    };
    dir.join(format!("{name}-v{CLOSES_VERSION}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_just_changed_has_not_settled() {
        let stat = Stat {
            ino: 1,
            size: 10,
            mtime: (1_000, 5),
            ctime: (1_000, 5),
        };
        assert!(!stat.settled((1_000, 5)));
        assert!(
            !stat.settled((1_003, 5)),
            "exactly the margin is not enough"
        );
        assert!(stat.settled((1_003, 6)));
        let touched_back = Stat {
            mtime: (10, 0),
            ..stat
        };
        assert!(!touched_back.settled((1_002, 0)), "the change time counts");
    }

    #[test]
    fn files_are_found_where_listed_and_elsewhere_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pipeline");
        let stat = |ino| Stat {
            ino,
            size: 10,
            mtime: (1_000, 0),
            ctime: (1_000, 0),
        };
        let rels = ["lead/b.toml", "lead/c.toml", "won/a.toml"];
        let tables: Vec<Vec<u8>> = (0..3).map(|n| vec![n; 4]).collect();
        let files = (rels.iter().zip(&tables).enumerate())
            .map(|(n, (rel, table))| (*rel, stat(n as u64), table.as_slice()));
        save_deals(dir.path(), &root, (2_000, 0), files).unwrap();
        let cache = DealCache::open(dir.path(), &root);
        let table = |n: usize, rel: &str| {
            let slot = cache.locate(n, rel)?;
            cache.encoded(slot, &stat(rels.iter().position(|r| *r == rel)? as u64))
        };
        // Listed as recorded: each file at its own place.
        for (n, rel) in rels.iter().enumerate() {
            assert_eq!(table(n, rel), Some(tables[n].as_slice()), "{rel}");
        }
        // A file listed before them: the others one place later.
        assert_eq!(cache.locate(0, "lead/a.toml"), None);
        for (n, rel) in rels.iter().enumerate() {
            assert_eq!(table(n + 1, rel), Some(tables[n].as_slice()), "{rel}");
        }
        // Listed beyond the recorded files; a path recorded nowhere.
        assert_eq!(table(7, "won/a.toml"), Some(tables[2].as_slice()));
        assert_eq!(cache.locate(1, "lead/c.tom"), None);
    }

    /// A committed version whose bytes some recorded file has is that
    /// file's deal at the version's own path (its ID and stage from the
    /// path, its keys from the cache, no blob set); bytes no file had are
    /// not known.
    #[test]
    fn a_version_with_a_recorded_files_bytes_is_that_deal_at_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pipeline");
        let text = "title = \"Acme\"\nvalue = 5000\nowner = \"ann\"\n";
        let id = crate::git::BlobId::of(text.as_bytes());
        let parsed = crate::model::deal::Deal::parse(Path::new("lead/acme.toml"), text).unwrap();
        let acme = encode_deal(id.as_bytes().try_into().unwrap(), parsed.fields());
        let other = encode_deal([7; 20], &toml::Table::new());
        let stat = Stat {
            ino: 1,
            size: 10,
            mtime: (1_000, 0),
            ctime: (1_000, 0),
        };
        let files = [
            ("lead/acme.toml", stat, &acme[..]),
            ("won/b.toml", stat, &other[..]),
        ];
        save_deals(dir.path(), &root, (2_000, 0), files.into_iter()).unwrap();
        let cache = DealCache::open(dir.path(), &root);
        let then = cache
            .deal_of_blob(id, Path::new("won/acme-old.toml"))
            .unwrap();
        assert_eq!((then.id.as_str(), then.stage.as_str()), ("acme-old", "won"));
        assert_eq!(then.path, Path::new("won/acme-old.toml"));
        assert_eq!(then.fields(), parsed.fields());
        assert_eq!(then.blob, None);
        let blob = |byte| crate::git::BlobId::from_bytes(&[byte; 20]).unwrap();
        assert!(
            cache
                .deal_of_blob(blob(9), Path::new("lead/x.toml"))
                .is_none()
        );
        assert_eq!(
            cache
                .deal_of_blob(blob(7), Path::new("lead/b.toml"))
                .unwrap()
                .id,
            "b"
        );
    }

    #[test]
    fn close_values_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = crate::git::BlobId::from_bytes(&[1; 20]).unwrap();
        let b = crate::git::BlobId::from_bytes(&[2; 20]).unwrap();
        let c = crate::git::BlobId::from_bytes(&[3; 20]).unwrap();
        let values = [
            Some(VersionValue {
                amount: Some(Decimal::new(1200050, 2)),
                currency: Some("EUR".into()),
                expected_close: Some(jiff::civil::date(2026, 12, 15)),
                probability: Some(Decimal::new(375, 1)),
            }),
            Some(VersionValue::default()),
            None,
        ];
        let file = VersionFile::Closes;
        save_closes(dir.path(), file, [a, b, c].into_iter().zip(&values)).unwrap();
        let cache = CloseCache::open(dir.path(), file);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(a), Some(values[0].clone()));
        assert_eq!(cache.get(b), Some(values[1].clone()));
        assert_eq!(cache.get(c), Some(None));
        let path = closes_path(dir.path(), file);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 9;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(
            CloseCache::open(dir.path(), file).is_empty(),
            "damaged: ignored"
        );
    }
}
