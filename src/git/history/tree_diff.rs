//! The deal files that differ between two raw tree objects.
//!
//! A stage folder of a big pipeline is a tree of thousands of entries
//! (`won/` of the benchmark: 11,800, 530 KB), rewritten by every commit that
//! touches it. Parsing both versions entry by entry, as libgit2's diff does,
//! is most of a walk's time; here the common byte prefix (back to an entry
//! boundary) and the common byte suffix of the two trees are skipped and
//! only the entries between are merge-joined in git's tree order.

use std::cmp::Ordering;

use super::super::pack::Id;
use super::store::Kind;
use crate::error::{Error, Result};

pub(super) fn corrupt() -> Error {
    Error::data("a tree object in the repository is corrupt: run `git fsck`")
}

pub(super) fn find_folder(data: &[u8], name: &[u8]) -> Result<Option<Id>> {
    let mut at = 0;
    while at < data.len() {
        let entry = entry_at(data, at).ok_or_else(corrupt)?;
        if entry.is_dir() && entry.name == name {
            return Ok(Some(entry.id()));
        }
        at = entry.end;
    }
    Ok(None)
}

/// A raw tree entry: `MODE SP NAME NUL OID`.
pub(super) struct TreeEntry<'a> {
    mode: &'a [u8],
    pub(super) name: &'a [u8],
    oid: &'a [u8],
    /// Where the next entry starts.
    pub(super) end: usize,
}

impl<'a> TreeEntry<'a> {
    pub(super) fn is_dir(&self) -> bool {
        self.mode == b"40000"
    }

    pub(super) fn id(&self) -> Id {
        let mut id = [0; 20];
        id.copy_from_slice(self.oid);
        id
    }

    /// The deal ID when this is a regular file `ID.toml` with a valid ID.
    pub(super) fn deal(&self) -> Option<&'a str> {
        if self.mode != b"100644" && self.mode != b"100755" {
            return None;
        }
        let stem = self.name.strip_suffix(b".toml")?;
        let (&first, rest) = stem.split_first()?;
        let valid = stem.len() <= 64
            && (first.is_ascii_lowercase() || first.is_ascii_digit())
            && rest
                .iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        // ASCII, so always UTF-8.
        valid.then(|| std::str::from_utf8(stem).ok()).flatten()
    }

    /// Git's tree order: names compared bytewise, a folder as if it ended
    /// with '/'.
    fn cmp(&self, other: &TreeEntry<'_>) -> Ordering {
        let n = self.name.len().min(other.name.len());
        self.name[..n].cmp(&other.name[..n]).then_with(|| {
            let end = |e: &TreeEntry<'_>| {
                e.name
                    .get(n)
                    .copied()
                    .unwrap_or(if e.is_dir() { b'/' } else { 0 })
            };
            end(self).cmp(&end(other))
        })
    }
}

pub(super) fn entry_at(data: &[u8], at: usize) -> Option<TreeEntry<'_>> {
    let rest = data.get(at..)?;
    let space = rest.iter().take(8).position(|&b| b == b' ')?;
    let mode = &rest[..space];
    if mode.is_empty() || !mode.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let name_start = space + 1;
    let nul = name_start + rest[name_start..].iter().position(|&b| b == 0)?;
    let end = nul + 21;
    if nul == name_start || end > rest.len() {
        return None;
    }
    Some(TreeEntry {
        mode,
        name: &rest[name_start..nul],
        oid: &rest[nul + 1..end],
        end: at + end,
    })
}

const MODES: [&[u8]; 5] = [b"100644", b"100755", b"40000", b"120000", b"160000"];

/// Whether an entry can start at `at`: a known mode and a space.
fn mode_at(data: &[u8], at: usize) -> bool {
    MODES.iter().any(|mode| {
        data.get(at..at + mode.len() + 1)
            .is_some_and(|bytes| bytes[..mode.len()] == **mode && bytes[mode.len()] == b' ')
    })
}

/// Whether `at` looks like an entry boundary in `data`: the start, or the
/// end of an entry (NUL + 20 bytes) that itself begins at a boundary-looking
/// place, followed by an entry or the end. Checked over two entries, a false
/// boundary would need an object id holding a zero byte exactly where a
/// name of a known mode follows; a parse error from it falls back to the
/// start anyway.
fn boundary_at(data: &[u8], at: usize) -> bool {
    if at == 0 {
        return true;
    }
    if at < 21 || at > data.len() || data[at - 21] != 0 {
        return false;
    }
    if at < data.len() && !mode_at(data, at) {
        return false;
    }
    let nul = at - 21;
    let Some(space) = data[..nul].iter().rposition(|&b| b == b' ' || b == 0) else {
        return false;
    };
    if data[space] != b' ' || space + 1 == nul {
        return false;
    }
    MODES.iter().any(|mode| {
        space >= mode.len() && {
            let start = space - mode.len();
            data[start..space] == **mode && (start == 0 || (start >= 21 && data[start - 21] == 0))
        }
    })
}

/// The last entry boundary at or before `limit` shared by both trees.
fn boundary_before(a: &[u8], b: &[u8], limit: usize) -> usize {
    let Some(mut k) = limit.checked_sub(21) else {
        return 0;
    };
    loop {
        match a[..=k].iter().rposition(|&x| x == 0) {
            None => return 0,
            Some(nul) => k = nul,
        }
        if boundary_at(a, k + 21) && boundary_at(b, k + 21) {
            return k + 21;
        }
        if k == 0 {
            return 0;
        }
        k -= 1;
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    const BLOCK: usize = 128;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    const BLOCK: usize = 128;
    while i + BLOCK <= n && a[la - i - BLOCK..la - i] == b[lb - i - BLOCK..lb - i] {
        i += BLOCK;
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// What [`diff_trees`] calls for each differing deal file: kind, stem,
/// blob, and for a modified file the parent's blob.
pub(super) type Emit<'e> = dyn FnMut(Kind, &str, Id, Option<Id>) + 'e;

/// Reports the deal files that differ between the raw trees `a` (parent)
/// and `b` (commit): (kind, stem, blob, and for a modified file the
/// parent's blob).
pub(super) fn diff_trees(a: &[u8], b: &[u8], emit: &mut Emit<'_>) -> Result<()> {
    let prefix = common_prefix(a, b);
    let suffix = common_suffix(a, b);
    let start = boundary_before(a, b, prefix);
    let mut found = Vec::new();
    let clean = merge_join(a, b, start, suffix, &mut found)
        || (start != 0 && {
            found.clear();
            merge_join(a, b, 0, suffix, &mut found)
        });
    if !clean {
        return Err(corrupt());
    }
    let id = |bytes: &[u8]| {
        let mut id = [0; 20];
        id.copy_from_slice(bytes);
        id
    };
    for (kind, stem, blob, old) in found {
        emit(kind, stem, id(blob), old.map(id));
    }
    Ok(())
}

/// A differing deal file: kind, stem, blob, the parent's blob if modified.
type Found<'a> = (Kind, &'a str, &'a [u8], Option<&'a [u8]>);

/// Merge-joins the entries of `a` and `b` from the shared boundary `start`
/// until the rest of both is the same bytes (within the common `suffix`).
/// `false` when an entry does not parse.
fn merge_join<'a>(
    a: &'a [u8],
    b: &'a [u8],
    start: usize,
    suffix: usize,
    found: &mut Vec<Found<'a>>,
) -> bool {
    let (mut pa, mut pb) = (start, start);
    let next = |data: &'a [u8], at: usize| -> Option<Option<TreeEntry<'a>>> {
        if at >= data.len() {
            Some(None)
        } else {
            entry_at(data, at).map(Some)
        }
    };
    let Some(mut ea) = next(a, pa) else {
        return false;
    };
    let Some(mut eb) = next(b, pb) else {
        return false;
    };
    loop {
        let rest = a.len() - pa;
        if rest == b.len() - pb && rest <= suffix {
            return true;
        }
        if let (Some(x), Some(y)) = (&ea, &eb)
            && a[pa..x.end] == b[pb..y.end]
        {
            // The same entry on both sides, and likely a run of them (a
            // folder where a commit added a few files here and there):
            // the bytes both sides share from here are skipped whole
            // entries at a time, parsed on one side only, never compared
            // or checked as deals.
            let same = pa + common_prefix(&a[pa..], &b[pb..]);
            let mut end = x.end;
            while let Some(entry) = entry_at(a, end).filter(|e| e.end <= same) {
                end = entry.end;
            }
            pb += end - pa;
            pa = end;
            let (Some(x), Some(y)) = (next(a, pa), next(b, pb)) else {
                return false;
            };
            (ea, eb) = (x, y);
            continue;
        }
        let (step_a, step_b) = match (&ea, &eb) {
            (None, None) => return true,
            (Some(x), None) => {
                if let Some(stem) = x.deal() {
                    found.push((Kind::Deleted, stem, x.oid, None));
                }
                (true, false)
            }
            (None, Some(y)) => {
                if let Some(stem) = y.deal() {
                    found.push((Kind::Added, stem, y.oid, None));
                }
                (false, true)
            }
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => {
                    if let Some(stem) = x.deal() {
                        found.push((Kind::Deleted, stem, x.oid, None));
                    }
                    (true, false)
                }
                Ordering::Greater => {
                    if let Some(stem) = y.deal() {
                        found.push((Kind::Added, stem, y.oid, None));
                    }
                    (false, true)
                }
                Ordering::Equal => {
                    match (x.deal(), y.deal()) {
                        (Some(_), Some(stem)) if x.oid != y.oid => {
                            found.push((Kind::Modified, stem, y.oid, Some(x.oid)));
                        }
                        (Some(stem), None) => found.push((Kind::Deleted, stem, x.oid, None)),
                        (None, Some(stem)) => found.push((Kind::Added, stem, y.oid, None)),
                        _ => {}
                    }
                    (true, true)
                }
            },
        };
        if step_a {
            pa = ea.as_ref().map_or(pa, |e| e.end);
            ea = match next(a, pa) {
                Some(e) => e,
                None => return false,
            };
        }
        if step_b {
            pb = eb.as_ref().map_or(pb, |e| e.end);
            eb = match next(b, pb) {
                Some(e) => e,
                None => return false,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut data = Vec::new();
        for (mode, name, fill) in entries {
            data.extend_from_slice(mode.as_bytes());
            data.push(b' ');
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            data.extend_from_slice(&[*fill; 20]);
        }
        data
    }

    fn changes(a: &[u8], b: &[u8]) -> Vec<(Kind, String)> {
        let mut found = Vec::new();
        diff_trees(a, b, &mut |kind, stem, _, _| {
            found.push((kind, stem.to_string()))
        })
        .unwrap();
        found
    }

    #[test]
    fn raw_tree_diff_finds_added_deleted_and_modified_deals() {
        let a = tree(&[
            ("100644", ".gitkeep", 1),
            ("100644", "acme.toml", 0),
            ("100644", "beta.toml", 2),
            ("100644", "gamma.toml", 3),
            ("40000", "sub", 4),
            ("100644", "zeta.toml", 5),
        ]);
        let b = tree(&[
            ("100644", ".gitkeep", 1),
            ("100644", "acme.toml", 0),
            ("100644", "beta.toml", 9),
            ("100644", "delta.toml", 0),
            ("40000", "sub", 7),
            ("100644", "zeta.toml", 5),
        ]);
        assert_eq!(
            changes(&a, &b),
            [
                (Kind::Modified, "beta".to_string()),
                (Kind::Added, "delta".to_string()),
                (Kind::Deleted, "gamma".to_string()),
            ]
        );
        assert_eq!(changes(&[], &a).len(), 4);
        assert_eq!(changes(&a, &a), []);
    }

    #[test]
    fn oid_bytes_that_look_like_entries_do_not_mislead_the_prefix_skip() {
        // Object ids full of zero bytes and mode-like digits.
        let a = tree(&[
            ("100644", "a.toml", 0),
            ("100644", "b.toml", b'1'),
            ("100644", "c.toml", 0),
        ]);
        let b = tree(&[
            ("100644", "a.toml", 0),
            ("100644", "b.toml", b'1'),
            ("100644", "c.toml", 1),
            ("100644", "d.toml", 0),
        ]);
        assert_eq!(
            changes(&a, &b),
            [
                (Kind::Modified, "c".to_string()),
                (Kind::Added, "d".to_string())
            ]
        );
    }

    #[test]
    fn git_orders_a_folder_as_if_its_name_ended_with_a_slash() {
        let a = tree(&[("100644", "x.toml", 1), ("40000", "x.toml", 2)]);
        let b = tree(&[("40000", "x.toml", 2)]);
        assert_eq!(changes(&a, &b), [(Kind::Deleted, "x".to_string())]);
    }
}
