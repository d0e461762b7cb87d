//! What the walk needs of a commit object, parsed from its raw bytes.
//!
//! The walk reads every commit of the repository; reading them through the
//! pack reader rather than libgit2 keeps libgit2's re-hashing of every
//! object it reads (which git itself does not do on reads) out of the
//! walk's time without turning that check off for the whole process. The
//! fields are parsed as libgit2 parses them; a commit this parser does not
//! take is `None`, and the walk asks libgit2 for it instead. So does a
//! commit whose parents the shallow file or `info/grafts` rewrite, which
//! libgit2 applies and the raw object does not show ([`grafted`]).

use std::collections::HashSet;
use std::path::Path;

use super::super::pack::Id;

/// The parts of a commit object the walk records.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Commit<'a> {
    pub(super) tree: Id,
    pub(super) parents: Vec<Id>,
    /// The author's email, trimmed, as bytes.
    pub(super) email: &'a [u8],
    /// The author time in seconds since the epoch (0 when the signature has
    /// none, as libgit2 reads it).
    pub(super) time: i64,
    /// Everything after the headers.
    pub(super) message: &'a [u8],
}

/// `tree` first, then `parent` lines, then `author`; other headers (the
/// committer, `encoding`, `gpgsig` and its continuation lines) are skipped
/// up to the blank line that ends them.
pub(super) fn parse(data: &[u8]) -> Option<Commit<'_>> {
    let (header, message) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(end) => (&data[..end + 1], &data[end + 2..]),
        None => (data, &data[data.len()..]),
    };
    let mut lines = header.split_inclusive(|&b| b == b'\n');
    let tree = hex_id(lines.next()?.strip_prefix(b"tree ")?)?;
    let mut parents = Vec::new();
    let mut line = lines.next()?;
    while let Some(rest) = line.strip_prefix(b"parent ") {
        parents.push(hex_id(rest)?);
        line = lines.next()?;
    }
    let (email, time) = signature(line.strip_prefix(b"author ")?)?;
    Some(Commit {
        tree,
        parents,
        email,
        time,
        message,
    })
}

/// The commits whose parents the shallow file or `info/grafts` in the
/// common git dir `common` rewrite: the first id on each line.
pub(super) fn grafted(common: &Path) -> HashSet<Id> {
    let mut found = HashSet::new();
    for file in [common.join("shallow"), common.join("info").join("grafts")] {
        if let Ok(bytes) = std::fs::read(file) {
            for line in bytes.split(|&b| b == b'\n') {
                if let Some(id) = line.get(..40).and_then(hex) {
                    found.insert(id);
                }
            }
        }
    }
    found
}

/// `HEX\n`: 40 hex digits and the end of the line.
fn hex_id(line: &[u8]) -> Option<Id> {
    hex(line.strip_suffix(b"\n")?)
}

/// 40 hex digits.
fn hex(digits: &[u8]) -> Option<Id> {
    if digits.len() != 40 {
        return None;
    }
    let mut id = [0; 20];
    for (byte, pair) in id.iter_mut().zip(digits.chunks_exact(2)) {
        let nibble = |c: u8| (c as char).to_digit(16);
        *byte = (nibble(pair[0])? << 4 | nibble(pair[1])?) as u8;
    }
    Some(id)
}

/// `NAME <EMAIL> TIME TZ\n` as libgit2 reads it: the email between the
/// last `<` and the last `>`, trimmed; the time the number that starts two
/// bytes after the `>`, 0 when there is none.
fn signature(line: &[u8]) -> Option<(&[u8], i64)> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let start = line.iter().rposition(|&b| b == b'<')?;
    let end = line.iter().rposition(|&b| b == b'>')?;
    if end <= start {
        return None;
    }
    let email = line[start + 1..end].trim_ascii();
    let time = line.get(end + 2..).map_or(0, number);
    Some((email, time))
}

/// A decimal number with an optional sign at the start of `text`, after
/// any spaces; 0 when there is none or it does not fit.
fn number(text: &[u8]) -> i64 {
    let text = text.trim_ascii_start();
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    let mut any = false;
    for &b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        any = true;
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => return 0,
        }
    }
    match (any, negative) {
        (false, _) => 0,
        (true, true) => -value,
        (true, false) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_with_a_signature_and_a_message() {
        let text = "tree 0123456789abcdef0123456789abcdef01234567\n\
                    parent 1111111111111111111111111111111111111111\n\
                    parent 2222222222222222222222222222222222222222\n\
                    author A. Person < a@example.com > 1700000000 +0100\n\
                    committer C <c@example.com> 1700000100 +0000\n\
                    gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\
                    \n\
                    move acme\n\nFunnel-Deal: acme\n";
        let commit = parse(text.as_bytes()).unwrap();
        assert_eq!(commit.tree[..3], [0x01, 0x23, 0x45]);
        assert_eq!(commit.parents, [[0x11; 20], [0x22; 20]]);
        assert_eq!(commit.email, b"a@example.com");
        assert_eq!(commit.time, 1_700_000_000);
        assert_eq!(commit.message, b"move acme\n\nFunnel-Deal: acme\n");
    }

    #[test]
    fn a_root_commit_and_odd_signatures() {
        let root = "tree 0123456789abcdef0123456789abcdef01234567\n\
                    author <> -5 +0000\n\
                    committer C <c@example.com> 1 +0000\n";
        let commit = parse(root.as_bytes()).unwrap();
        assert!(commit.parents.is_empty());
        assert_eq!((commit.email, commit.time), (&b""[..], -5));
        assert_eq!(commit.message, b"");
        assert_eq!(signature(b"A <a@b>\n"), Some((&b"a@b"[..], 0)));
        assert_eq!(signature(b"A <a@b> x\n"), Some((&b"a@b"[..], 0)));
        assert_eq!(signature(b"A a@b> 5\n"), None);
        assert_eq!(parse(b"tree 0123\nauthor A <a> 1 +0000\n\nm"), None);
    }
}
