//! A deal file's table as tagged bytes (the deal cache keeps deals so),
//! and a deal's keys read straight from those bytes ([`Packed`]): a
//! command that reads a few keys of 50,000 cached deals builds none of
//! their tables. A table of ten keys is ~1.5 KB in ~15 allocations
//! (`toml::Value` is 80 bytes); 50,000 of them were a quarter of
//! `doctor`'s time, and most of the memory it touched.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use toml::value::{Date, Datetime, Offset, Time};

use crate::cache_file::{Reader, Writer};

/// The value of a deal's key, as [`crate::model::deal::Deal::field`]
/// finds it: a TOML value of a parsed file (or an array or a table), or a
/// plain value read from a [`Packed`] table without building one.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Value(&'a toml::Value),
    Str(&'a str),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(Datetime),
}

impl<'a> Field<'a> {
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Field::Str(s) => Some(s),
            Field::Value(v) => v.as_str(),
            _ => None,
        }
    }

    pub fn as_datetime(self) -> Option<Datetime> {
        match self {
            Field::Datetime(d) => Some(d),
            Field::Value(toml::Value::Datetime(d)) => Some(*d),
            _ => None,
        }
    }

    /// As a TOML value: the one held, or one made (only a string is
    /// copied).
    pub fn value(self) -> Cow<'a, toml::Value> {
        match self {
            Field::Value(v) => Cow::Borrowed(v),
            Field::Str(s) => Cow::Owned(toml::Value::String(s.to_string())),
            Field::Integer(i) => Cow::Owned(toml::Value::Integer(i)),
            Field::Float(f) => Cow::Owned(toml::Value::Float(f)),
            Field::Boolean(b) => Cow::Owned(toml::Value::Boolean(b)),
            Field::Datetime(d) => Cow::Owned(toml::Value::Datetime(d)),
        }
    }
}

/// Bytes a [`Packed`] table is in (a mapped cache file, or a buffer).
pub type Bytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A table in tagged bytes ([`put_table`]), read where a key is asked
/// for. The whole table is built once, the first time something needs it
/// as a `toml::Table` (a nested value, every key for JSON).
#[derive(Clone)]
pub struct Packed {
    bytes: Bytes,
    at: Range<usize>,
    /// A bit for each top-level key ([`key_bit`]): a key whose bit is not
    /// set is not there, and is answered without reading the bytes (most
    /// keys a command asks for are absent from most deals).
    keys: u64,
    table: OnceLock<Box<toml::Table>>,
}

/// The bit of `key` in [`Packed::keys`] (keys that share one are read).
fn key_bit(key: &[u8]) -> u64 {
    let (first, last) = (key.first().copied(), key.last().copied());
    let mix = key.len() * 7 + usize::from(first.unwrap_or(0)) * 3 + usize::from(last.unwrap_or(0));
    1 << (mix % 64)
}

impl Packed {
    /// The table at `at` in `bytes`, when it is one that decodes to its
    /// end (its strings are checked as they are read).
    pub fn new(bytes: Bytes, at: Range<usize>) -> Option<Packed> {
        let mut r = Reader::new((*bytes).as_ref().get(at.clone())?);
        let mut keys = 0;
        for _ in 0..r.count()? {
            keys |= key_bit(r.str_bytes()?);
            skip_value(&mut r)?;
        }
        r.done().then(|| Packed {
            bytes,
            at,
            keys,
            table: OnceLock::new(),
        })
    }

    /// The table at `at` in `bytes` that funnel encoded itself ([`put_table`])
    /// and a checksum has vouched for since (the deal cache's, checked when
    /// it is opened), with its [`Packed::key_bits`] recorded beside it:
    /// taken without reading it through. (Read as it is asked for, with
    /// every read checked against its end: bytes that were not a table
    /// would read as missing keys, never past it.) Reading every cached
    /// table through was half of a cached load.
    pub fn vouched(bytes: Bytes, at: Range<usize>, keys: u64) -> Packed {
        Packed {
            bytes,
            at,
            keys,
            table: OnceLock::new(),
        }
    }

    /// The bits of `table`'s top-level keys, as a [`Packed`] of it has them
    /// (recorded beside it for [`Packed::vouched`]).
    pub fn key_bits(table: &toml::Table) -> u64 {
        (table.keys()).fold(0, |bits, key| bits | key_bit(key.as_bytes()))
    }

    fn encoded(&self) -> &[u8] {
        (*self.bytes)
            .as_ref()
            .get(self.at.clone())
            .unwrap_or_default()
    }

    /// The table, built the first time. (Bytes that [`Packed::new`]
    /// took were written from a table; one that still would not build
    /// reads as empty.)
    pub fn table(&self) -> &toml::Table {
        self.table.get_or_init(|| {
            let table = read_table(&mut Reader::new(self.encoded()));
            Box::new(table.unwrap_or_default())
        })
    }

    /// Whether the top-level `key` may be there (when not, it is not).
    pub fn may_have(&self, key: &str) -> bool {
        self.keys & key_bit(key.as_bytes()) != 0
    }

    /// The value of the top-level `key`; the others are skipped unread.
    pub fn get(&self, key: &str) -> Option<Field<'_>> {
        if !self.may_have(key) {
            return None;
        }
        let (_, field) = self.select(|k| k == key.as_bytes()).next()?;
        Some(field)
    }

    /// Each top-level key that is `wanted` (its bytes) and its value, in
    /// the file's order; the others are skipped unread.
    pub fn select<'s, W: Fn(&[u8]) -> bool>(
        &'s self,
        wanted: W,
    ) -> impl Iterator<Item = (&'s [u8], Field<'s>)> + use<'s, W> {
        let mut r = Reader::new(self.encoded());
        let mut left = r.count().unwrap_or(0);
        std::iter::from_fn(move || {
            loop {
                left = left.checked_sub(1)?;
                let key = r.str_bytes()?;
                if wanted(key) {
                    return Some((key, self.field(&mut r, key)?));
                }
                skip_value(&mut r)?;
            }
        })
    }

    /// The value `r` is at, of the top-level `key`.
    fn field<'s>(&'s self, r: &mut Reader<'s>, key: &[u8]) -> Option<Field<'s>> {
        if matches!(r.rest().first()?, &ARRAY | &TABLE) {
            skip_value(r)?;
            let key = std::str::from_utf8(key).ok()?;
            return self.table().get(key).map(Field::Value);
        }
        Some(match r.byte()? {
            STRING => Field::Str(r.str()?),
            INTEGER => Field::Integer(r.i64()?),
            FLOAT => Field::Float(f64::from_bits(r.u64()?)),
            FALSE => Field::Boolean(false),
            TRUE => Field::Boolean(true),
            DATETIME => Field::Datetime(read_datetime(r)?),
            _ => return None,
        })
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.table().fmt(f)
    }
}

// ---------------------------------------------------------------------------
// TOML values, as tagged bytes: a tag, then the value's bytes.

const STRING: u8 = 0;
const INTEGER: u8 = 1;
const FLOAT: u8 = 2;
const FALSE: u8 = 3;
const TRUE: u8 = 4;
const DATETIME: u8 = 5;
const ARRAY: u8 = 6;
const TABLE: u8 = 7;

/// `table` as tagged bytes: its number of keys, then each key and value.
pub fn put_table(out: &mut Writer, table: &toml::Table) {
    out.count(table.len());
    for (key, value) in table {
        out.str(key);
        put_value(out, value);
    }
}

fn put_value(out: &mut Writer, value: &toml::Value) {
    match value {
        toml::Value::String(s) => {
            out.byte(STRING);
            out.str(s);
        }
        toml::Value::Integer(i) => {
            out.byte(INTEGER);
            out.i64(*i);
        }
        toml::Value::Float(f) => {
            out.byte(FLOAT);
            out.u64(f.to_bits());
        }
        toml::Value::Boolean(b) => out.byte(if *b { TRUE } else { FALSE }),
        toml::Value::Datetime(d) => {
            out.byte(DATETIME);
            put_datetime(out, d);
        }
        toml::Value::Array(items) => {
            out.byte(ARRAY);
            out.count(items.len());
            for item in items {
                put_value(out, item);
            }
        }
        toml::Value::Table(table) => {
            out.byte(TABLE);
            put_table(out, table);
        }
    }
}

/// Flags (date, time, seconds, nanoseconds, offset Z, offset in minutes),
/// then the parts present.
fn put_datetime(out: &mut Writer, d: &Datetime) {
    let time = d.time.as_ref();
    let flags = u8::from(d.date.is_some())
        | u8::from(time.is_some()) << 1
        | u8::from(time.is_some_and(|t| t.second.is_some())) << 2
        | u8::from(time.is_some_and(|t| t.nanosecond.is_some())) << 3
        | u8::from(d.offset == Some(Offset::Z)) << 4
        | u8::from(matches!(d.offset, Some(Offset::Custom { .. }))) << 5;
    out.byte(flags);
    if let Some(date) = &d.date {
        out.bytes(&date.year.to_le_bytes());
        out.bytes(&[date.month, date.day]);
    }
    if let Some(time) = time {
        out.bytes(&[time.hour, time.minute]);
        if let Some(second) = time.second {
            out.byte(second);
        }
        if let Some(nanosecond) = time.nanosecond {
            out.u32(nanosecond);
        }
    }
    if let Some(Offset::Custom { minutes }) = d.offset {
        out.bytes(&minutes.to_le_bytes());
    }
}

/// Reads past a value without building it.
fn skip_value(r: &mut Reader<'_>) -> Option<()> {
    match r.byte()? {
        STRING => {
            r.str_bytes()?;
        }
        INTEGER | FLOAT => {
            r.take(8)?;
        }
        FALSE | TRUE => {}
        DATETIME => {
            // The flags say which parts follow: 4 bytes of date, 2 of
            // time, 1 of seconds, 4 of nanoseconds, 2 of offset.
            let flags = r.byte()?;
            if !datetime_flags(flags) {
                return None;
            }
            let len = [4, 2, 1, 4, 0, 2]
                .iter()
                .enumerate()
                .filter(|(bit, _)| flags & (1 << bit) != 0)
                .map(|(_, len)| len)
                .sum();
            r.take(len)?;
        }
        ARRAY => {
            for _ in 0..r.count()? {
                skip_value(r)?;
            }
        }
        TABLE => {
            for _ in 0..r.count()? {
                r.str_bytes()?;
                skip_value(r)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// A table as [`put_table`] wrote it.
pub fn read_table(r: &mut Reader<'_>) -> Option<toml::Table> {
    let count = r.count()?;
    let mut table = toml::Table::with_capacity(count);
    for _ in 0..count {
        let key = r.str()?;
        let value = read_value(r)?;
        if table.insert(key.to_string(), value).is_some() {
            return None; // a key twice: not what was written
        }
    }
    Some(table)
}

fn read_value(r: &mut Reader<'_>) -> Option<toml::Value> {
    Some(match r.byte()? {
        STRING => toml::Value::String(r.str()?.to_string()),
        INTEGER => toml::Value::Integer(r.i64()?),
        FLOAT => toml::Value::Float(f64::from_bits(r.u64()?)),
        FALSE => toml::Value::Boolean(false),
        TRUE => toml::Value::Boolean(true),
        DATETIME => toml::Value::Datetime(read_datetime(r)?),
        ARRAY => {
            let count = r.count()?;
            let mut items = Vec::with_capacity(count);
            for _ in 0..count {
                items.push(read_value(r)?);
            }
            toml::Value::Array(items)
        }
        TABLE => toml::Value::Table(read_table(r)?),
        _ => return None,
    })
}

/// Whether `flags` are those [`put_datetime`] writes: seconds and
/// nanoseconds only with a time, one kind of offset at most.
fn datetime_flags(flags: u8) -> bool {
    flags >> 6 == 0 && flags & 0b11_0000 != 0b11_0000 && (flags & 0b1100 == 0 || flags & 0b10 != 0)
}

fn read_datetime(r: &mut Reader<'_>) -> Option<Datetime> {
    let flags = r.byte()?;
    if !datetime_flags(flags) {
        return None;
    }
    let date = if flags & 1 != 0 {
        let year = u16::from_le_bytes(r.array()?);
        let [month, day] = r.array()?;
        Some(Date { year, month, day })
    } else {
        None
    };
    let time = if flags & 2 != 0 {
        let [hour, minute] = r.array()?;
        let second = if flags & 4 != 0 {
            Some(r.byte()?)
        } else {
            None
        };
        let nanosecond = if flags & 8 != 0 { Some(r.u32()?) } else { None };
        Some(Time {
            hour,
            minute,
            second,
            nanosecond,
        })
    } else {
        None
    };
    let offset = if flags & 16 != 0 {
        Some(Offset::Z)
    } else if flags & 32 != 0 {
        Some(Offset::Custom {
            minutes: i16::from_le_bytes(r.array()?),
        })
    } else {
        None
    };
    Some(Datetime { date, time, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text`'s table packed, as the deal cache keeps it (after 3 bytes
    /// of something else).
    fn packed(text: &str) -> (toml::Table, Packed) {
        let table = crate::model::deal::parse_table(text).unwrap();
        let mut w = Writer::piece(64);
        w.bytes(b"abc");
        put_table(&mut w, &table);
        let bytes = w.into_bytes();
        let len = bytes.len();
        let packed = Packed::new(Arc::new(bytes), 3..len).unwrap();
        (table, packed)
    }

    const TEXTS: [&str; 4] = [
        "title = \"Acme ü\"\nvalue = 12000\nf = 1.5e3\nz = -0.0\nn = nan\ni = -inf\nb = true\nc = false\n",
        "d = 2026-11-20\nt = 2026-11-20T10:00:00Z\nu = 2026-11-20T10:00:00.123456789+05:30\nl = 10:30\nm = 10:30:05.5\nlocal = 2026-11-20T10:00:00\no = 1979-05-27T00:32:00-07:00\nafter = 1\n",
        "a = [1, [2, 3], { b = \"c\" }, []]\n[q]\nneed = \"x\"\n[q.deeper]\nk = 1\n[[c]]\nname = \"J\"\n[[c]]\nname = \"K\"\n",
        "zeta = 1\nalpha = 2\n\"key with spaces\" = 3\n",
    ];

    #[test]
    fn every_kind_of_value_reads_back_exactly() {
        for text in TEXTS {
            let (table, packed) = packed(text);
            // Debug strings, so NaN equals NaN; the order of keys counts.
            assert_eq!(
                format!("{:?}", packed.table()),
                format!("{table:?}"),
                "{text}"
            );
        }
    }

    /// `text`'s table packed and taken as vouched for, with its key bits.
    fn vouched(text: &str) -> (toml::Table, Packed) {
        let (table, packed) = packed(text);
        let keys = Packed::key_bits(&table);
        assert_eq!(keys, packed.keys, "{text}");
        let vouched = Packed::vouched(packed.bytes.clone(), packed.at.clone(), keys);
        (table, vouched)
    }

    #[test]
    fn each_key_reads_as_its_value_without_the_table() {
        // Read through when taken, or taken as vouched for with its key
        // bits (the same bits a read-through gives).
        for (table, packed) in TEXTS.iter().flat_map(|text| [packed(text), vouched(text)]) {
            let text = format!("{table:?}");
            for (key, value) in &table {
                let field = packed.get(key).unwrap();
                assert_eq!(
                    format!("{:?}", field.value()),
                    format!("{value:?}"),
                    "{key}"
                );
                // A plain value is read from the bytes; an array or a
                // table from the table, built for it.
                assert_eq!(
                    matches!(field, Field::Value(_)),
                    value.is_array() || value.is_table(),
                    "{key}"
                );
            }
            assert!(packed.get("missing").is_none());
            let picked: Vec<&str> = packed
                .select(|k| k.starts_with(b"a"))
                .map(|(k, _)| std::str::from_utf8(k).unwrap())
                .collect();
            let expected: Vec<&str> = table
                .keys()
                .map(String::as_str)
                .filter(|k| k.starts_with('a'))
                .collect();
            assert_eq!(picked, expected, "{text}");
        }
        // Only a key asked for that is an array or a table builds it.
        let (_, packed) = packed(TEXTS[2]);
        assert!(packed.get("zeta").is_none());
        assert!(packed.table.get().is_none());
        assert!(matches!(packed.get("a"), Some(Field::Value(_))));
        assert!(packed.table.get().is_some());
    }

    #[test]
    fn damaged_bytes_are_never_taken() {
        for text in TEXTS {
            let table = crate::model::deal::parse_table(text).unwrap();
            let mut w = Writer::piece(64);
            put_table(&mut w, &table);
            let bytes: Bytes = Arc::new(w.into_bytes());
            let len = (*bytes).as_ref().len();
            for n in 0..len {
                assert!(Packed::new(bytes.clone(), 0..n).is_none(), "length {n}");
                let mut r = Reader::new(&(*bytes).as_ref()[..n]);
                assert!(read_table(&mut r).is_none(), "length {n}");
            }
            assert!(Packed::new(bytes.clone(), 0..len + 1).is_none());
            // A byte too many is not a table either.
            let mut longer = (*bytes).as_ref().to_vec();
            longer.push(0);
            assert!(Packed::new(Arc::new(longer), 0..len + 1).is_none());
        }
    }
}
