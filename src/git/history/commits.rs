//! Commits read straight from the object store, and the order of a full
//! walk over them.
//!
//! libgit2's revwalk and `find_commit` map the pack files whole into
//! memory and keep every commit they parse in the repository's object
//! cache. Packs written by `git fast-import` (the generator's, `funnel
//! import`'s) interleave commits with trees and blobs, so reading every
//! commit that way touched every page of the pack: at 50,000 deals a cold
//! walk held 600 MB of mapped pack file and 150 MB of cached commits. Here
//! a commit is read through the pack reader (positioned reads, nothing
//! mapped, nothing cached) and parsed for what the history needs: its tree,
//! parents (the shallow boundary and `info/grafts` applied, as git and
//! libgit2 do), author and message.

use std::path::Path;

use super::super::pack::{Id, Objects};
use crate::error::{Error, Result};
use crate::hasher::FxMap;

/// A parsed commit; the byte fields borrow the raw object.
pub(super) struct Commit<'a> {
    pub(super) tree: Id,
    pub(super) parents: Vec<Id>,
    pub(super) author_name: &'a [u8],
    pub(super) author_email: &'a [u8],
    /// Author time, seconds since the epoch.
    pub(super) time: i64,
    pub(super) message: &'a [u8],
}

/// Commits whose parents are replaced: those at a shallow clone's boundary
/// (no parents) and those `info/grafts` lists.
#[derive(Default)]
pub(super) struct Grafts(FxMap<Id, Vec<Id>>);

impl Grafts {
    /// The grafts of the repository whose common git dir is `common`.
    pub(super) fn read(common: &Path) -> Grafts {
        let mut grafts = FxMap::default();
        let lines = |name: &Path| std::fs::read_to_string(common.join(name)).unwrap_or_default();
        for line in lines(Path::new("shallow")).lines() {
            if let Some(id) = hex_id(line.trim().as_bytes()) {
                grafts.insert(id, Vec::new());
            }
        }
        for line in lines(&Path::new("info").join("grafts")).lines() {
            let mut ids = line.split_ascii_whitespace().map(|w| hex_id(w.as_bytes()));
            if let Some(Some(commit)) = ids.next() {
                let parents: Option<Vec<Id>> = ids.collect();
                if let Some(parents) = parents {
                    grafts.insert(commit, parents);
                }
            }
        }
        Grafts(grafts)
    }
}

fn hex_id(hex: &[u8]) -> Option<Id> {
    if hex.len() != 40 {
        return None;
    }
    let mut id = [0; 20];
    for (n, pair) in hex.chunks(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        id[n] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(id)
}

fn hex(id: &Id) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn malformed(id: &Id, what: &str) -> Error {
    Error::data(format!(
        "commit {} cannot be read: {what} (`git fsck` checks the repository)",
        hex(id)
    ))
}

/// Reads and parses the commit `id`.
pub(super) fn parse<'a>(raw: &'a [u8], id: &Id, grafts: &Grafts) -> Result<Commit<'a>> {
    let (headers, message) = match raw.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&raw[..at + 1], &raw[at + 2..]),
        None => (raw, &[][..]),
    };
    let mut lines = headers.split(|&b| b == b'\n').peekable();
    let tree = lines
        .next()
        .and_then(|l| l.strip_prefix(b"tree "))
        .and_then(hex_id)
        .ok_or_else(|| malformed(id, "no tree"))?;
    let mut parents = Vec::new();
    while let Some(parent) = lines.peek().and_then(|l| l.strip_prefix(b"parent ")) {
        parents.push(hex_id(parent).ok_or_else(|| malformed(id, "a bad parent"))?);
        lines.next();
    }
    if let Some(grafted) = grafts.0.get(id) {
        parents.clone_from(grafted);
    }
    let author = lines
        .next()
        .and_then(|l| l.strip_prefix(b"author "))
        .ok_or_else(|| malformed(id, "no author"))?;
    let (author_name, author_email, time) =
        signature(author).ok_or_else(|| malformed(id, "a bad author"))?;
    let start = message.iter().take_while(|&&b| b == b'\n').count();
    Ok(Commit {
        tree,
        parents,
        author_name,
        author_email,
        time,
        message: &message[start..],
    })
}

/// The tree of the commit `id`, without parsing the rest.
pub(super) fn tree(raw: &[u8], id: &Id) -> Result<Id> {
    raw.strip_prefix(b"tree ")
        .and_then(|rest| hex_id(rest.get(..40)?))
        .ok_or_else(|| malformed(id, "no tree"))
}

/// `Name <email> TIME ZONE` as libgit2 reads it: the name before the last
/// `<`, the email up to the last `>`, both trimmed; no time is 0.
fn signature(line: &[u8]) -> Option<(&[u8], &[u8], i64)> {
    let open = line.iter().rposition(|&b| b == b'<')?;
    let close = line.iter().rposition(|&b| b == b'>')?;
    if close <= open {
        return None;
    }
    let name = line[..open].trim_ascii();
    let email = line[open + 1..close].trim_ascii();
    let rest = line.get(close + 1..).unwrap_or_default().trim_ascii_start();
    let digits = rest
        .iter()
        .enumerate()
        .take_while(|&(n, &b)| b.is_ascii_digit() || (n == 0 && (b == b'-' || b == b'+')))
        .count();
    let time = if digits == 0 {
        0
    } else {
        std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?
    };
    Some((name, email, time))
}

/// The commits reachable from `head`, newest first in topological order:
/// the order of libgit2's topological revwalk from one tip, which keeps a
/// stack of the commits all of whose children are out (pushed in parent
/// order, so a merge's last parent is followed first).
pub(super) fn topological(
    objects: &mut Objects<'_, '_>,
    grafts: &Grafts,
    head: Id,
) -> Result<Vec<Id>> {
    let mut index: FxMap<Id, u32> = FxMap::default();
    let mut ids = vec![head];
    index.insert(head, 0);
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut parents: Vec<u32> = Vec::new();
    while let Some(&id) = ids.get(spans.len()) {
        let raw = objects.commit(&id)?;
        let commit = parse(&raw, &id, grafts)?;
        let start = parents.len() as u32;
        for parent in commit.parents {
            let next = ids.len() as u32;
            let n = *index.entry(parent).or_insert(next);
            if n == next {
                ids.push(parent);
            }
            parents.push(n);
        }
        spans.push((start, parents.len() as u32));
    }
    drop(index);
    // Each commit's children still to come out, plus one while it is not.
    let mut degree = vec![1u32; ids.len()];
    for &parent in &parents {
        degree[parent as usize] += 1;
    }
    let mut order = Vec::with_capacity(ids.len());
    let mut stack = vec![0u32];
    while let Some(n) = stack.pop() {
        let (start, end) = spans[n as usize];
        for &parent in &parents[start as usize..end as usize] {
            let left = &mut degree[parent as usize];
            if *left == 0 {
                continue;
            }
            *left -= 1;
            if *left == 1 {
                stack.push(parent);
            }
        }
        degree[n as usize] = 0;
        order.push(ids[n as usize]);
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_parses_as_libgit2_reads_it() {
        let id = [1; 20];
        let raw = b"tree 0123456789012345678901234567890123456789\n\
            parent 1111111111111111111111111111111111111111\n\
            parent 2222222222222222222222222222222222222222\n\
            author  Ann  Lee  <ann@example.com > 1700000000 +0100\n\
            committer C <c@example.com> 1700000001 +0000\n\
            gpgsig -----BEGIN\n \n -----END\n\
            \n\n\nmove acme\n\nFunnel-Deal: acme\n";
        let commit = parse(raw, &id, &Grafts::default()).unwrap();
        assert_eq!(
            hex(&commit.tree),
            "0123456789012345678901234567890123456789"
        );
        assert_eq!(commit.parents, [[0x11; 20], [0x22; 20]]);
        assert_eq!(commit.author_name, b"Ann  Lee");
        assert_eq!(commit.author_email, b"ann@example.com");
        assert_eq!(commit.time, 1_700_000_000);
        assert_eq!(commit.message, b"move acme\n\nFunnel-Deal: acme\n");
        assert_eq!(tree(raw, &id).unwrap(), commit.tree);

        let mut grafts = Grafts::default();
        grafts.0.insert(id, vec![[0x33; 20]]);
        assert_eq!(parse(raw, &id, &grafts).unwrap().parents, [[0x33; 20]]);

        let no_message = b"tree 0123456789012345678901234567890123456789\n\
            author A <a@b> 5 +0000\n";
        let commit = parse(no_message, &id, &Grafts::default()).unwrap();
        assert_eq!((commit.time, commit.message), (5, &b""[..]));
        for bad in [
            &b"parent 1111111111111111111111111111111111111111\n"[..],
            b"tree 0123\nauthor A <a@b> 5 +0000\n",
            b"tree 0123456789012345678901234567890123456789\nauthor A a@b 5\n",
        ] {
            let error = parse(bad, &id, &Grafts::default()).err().unwrap();
            assert!(error.to_string().contains(&hex(&id)), "{error}");
        }
    }
}
