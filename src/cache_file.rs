//! Cache files under the git dir (`.git/funnel/`): one binary layout for all
//! of them, its reader and writer, and the atomic write.
//!
//! A file is 8 bytes of magic, the format version (u32), a key (what the
//! content was made for: a pipeline root, a prefix and stage list), the
//! body, and a checksum of all that (u64). Numbers are little-endian, fixed
//! width or varints; strings and lists are counted. Caches are rebuilt from
//! the repository whenever they are in doubt, so a reader never trusts a
//! file: a wrong magic, version, key or checksum, a count larger than what
//! is left, or a body that does not decode exactly to its end is `None`,
//! and the caller rebuilds. A file is written whole through a temporary
//! file, so a reader never sees half of one.

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path` and renames it over
/// `path`, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A cache file's bytes, mapped into memory (read as they are touched,
/// from the page cache, with no copy).
#[derive(Default)]
pub struct Mapped(Option<memmap2::Mmap>);

impl Mapped {
    /// The bytes of the file at `path`; `None` when it cannot be opened.
    pub fn open(path: &Path) -> Option<Mapped> {
        let file = std::fs::File::open(path).ok()?;
        // SAFETY: a cache file is never changed in place: it is written to
        // a temporary file renamed over it (`write_atomically`), which
        // leaves the file mapped here as it was.
        let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
        Some(Mapped(Some(map)))
    }
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::ops::Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default()
    }
}

/// A 64-bit checksum, eight bytes at a time. It guards against damage (a
/// torn or truncated write, a flipped bit), not against an adversary, and
/// it is fast enough to check an 8 MB history cache on every load.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut add = |word: u64| {
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        add(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    let mut word = [0; 8];
    word[..rest.len()].copy_from_slice(rest);
    add(u64::from_le_bytes(word));
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// Builds a cache file (or a piece of one) in memory.
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// A file with this header, built in `buffer` (cleared first: a caller
    /// that has the bytes it read can reuse them, and a big cache then
    /// costs no fresh pages).
    pub fn file(buffer: Vec<u8>, magic: &[u8; 8], version: u32, key: &str) -> Writer {
        let mut w = Writer { out: buffer };
        w.out.clear();
        w.bytes(magic);
        w.u32(version);
        w.str(key);
        w
    }

    /// Bytes with no header, to be put into a file later.
    pub fn piece(capacity: usize) -> Writer {
        Writer {
            out: Vec::with_capacity(capacity),
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        self.out.reserve(additional);
    }

    /// Bytes as they are, uncounted.
    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    #[inline]
    pub fn byte(&mut self, byte: u8) {
        self.out.push(byte);
    }

    #[inline]
    pub fn u32(&mut self, n: u32) {
        self.bytes(&n.to_le_bytes());
    }

    #[inline]
    pub fn u64(&mut self, n: u64) {
        self.bytes(&n.to_le_bytes());
    }

    #[inline]
    pub fn i64(&mut self, n: i64) {
        self.bytes(&n.to_le_bytes());
    }

    /// Seven bits a byte, low first: small numbers (counts, indexes) take
    /// one byte.
    #[inline]
    pub fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.out.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    /// A count of the items that follow.
    #[inline]
    pub fn count(&mut self, n: usize) {
        self.varint(n as u64);
    }

    /// A counted string.
    #[inline]
    pub fn str(&mut self, text: &str) {
        self.count(text.len());
        self.bytes(text.as_bytes());
    }

    /// The file, with its checksum appended.
    pub fn seal(mut self) -> Vec<u8> {
        let sum = checksum(&self.out);
        self.u64(sum);
        self.out
    }

    /// The bytes written, as they are (a piece).
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

/// Reads a cache file (or a piece of one); every read is `None` past the
/// end.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, at: 0 }
    }

    /// The body of a file that [`Writer::file`] made with this magic,
    /// version and key and [`Writer::seal`] sealed: `None` when the
    /// checksum or anything in the header differs. Offsets are those in
    /// `bytes`, and the reader is [`done`](Reader::done) at the checksum.
    pub fn open(bytes: &'a [u8], magic: &[u8; 8], version: u32, key: &str) -> Option<Reader<'a>> {
        let (all, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        if checksum(all).to_le_bytes() != sum {
            return None;
        }
        let mut r = Reader::new(all);
        if r.take(8)? != magic || r.u32()? != version || r.str()? != key {
            return None;
        }
        Some(r)
    }

    /// Where the next read starts.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// What is left to read.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.at..]
    }

    /// Whether everything has been read.
    pub fn done(&self) -> bool {
        self.at == self.buf.len()
    }

    #[inline]
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bytes)
    }

    #[inline]
    pub fn byte(&mut self) -> Option<u8> {
        let byte = *self.buf.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    #[inline]
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// A count of items that follow, each at least a byte: never more than
    /// the bytes left, so a damaged count cannot make a caller reserve
    /// gigabytes.
    #[inline]
    pub fn count(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?)
            .ok()
            .filter(|&n| n <= self.buf.len() - self.at)
    }

    /// A number below `limit` (an index into something read before).
    #[inline]
    pub fn index(&mut self, limit: usize) -> Option<u32> {
        let n = self.varint()?;
        (n < limit as u64).then_some(n as u32)
    }

    /// A counted string.
    #[inline]
    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.count()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// A counted string's bytes, not checked to be UTF-8 (for one that is
    /// skipped or compared with known text).
    #[inline]
    pub fn str_bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.count()?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &[u8; 8] = b"TESTFILE";

    fn file(version: u32, key: &str) -> Vec<u8> {
        let mut w = Writer::file(b"old bytes".to_vec(), MAGIC, version, key);
        w.varint(300);
        w.str("body ü");
        w.i64(-5);
        w.seal()
    }

    #[test]
    fn a_file_reads_back() {
        let bytes = file(3, "key");
        let mut r = Reader::open(&bytes, MAGIC, 3, "key").unwrap();
        assert_eq!(r.varint(), Some(300));
        assert_eq!(r.str(), Some("body ü"));
        assert_eq!(r.i64(), Some(-5));
        assert!(r.done());
        assert_eq!(r.offset(), bytes.len() - 8, "offsets are the file's");
        assert_eq!(r.byte(), None, "the checksum is not body");
    }

    #[test]
    fn a_file_is_refused_when_damaged_anywhere_or_made_for_something_else() {
        let bytes = file(3, "key");
        assert!(Reader::open(&bytes, MAGIC, 3, "other").is_none());
        assert!(Reader::open(&bytes, b"OTHERMAG", 3, "key").is_none());
        assert!(Reader::open(&bytes, MAGIC, 4, "key").is_none());
        for n in 0..bytes.len() {
            let mut broken = bytes.clone();
            broken[n] ^= 0x10;
            assert!(Reader::open(&broken, MAGIC, 3, "key").is_none(), "byte {n}");
            assert!(
                Reader::open(&bytes[..n], MAGIC, 3, "key").is_none(),
                "length {n}"
            );
        }
    }

    #[test]
    fn counts_indexes_and_varints_are_bounded() {
        let mut w = Writer::piece(16);
        w.varint(u64::MAX);
        w.count(3);
        w.varint(7);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.varint(), Some(u64::MAX));
        assert_eq!(r.count(), None, "3 items, but 1 byte left");
        let mut r = Reader::new(&bytes[10..]);
        r.byte();
        assert_eq!(r.index(7), None);
        assert_eq!(Reader::new(&[0xff; 11]).varint(), None, "too long");
    }
}
