//! Which names big folder trees hold, kept between runs by tree id, so
//! that a write need not inflate the folder of 30,000 lost deals to learn
//! that a deal is not in it.
//!
//! A write looks for a deal's file in every stage folder of HEAD (a move
//! made by hand leaves the old path committed: [`crate::git::Repo::committed_paths`]).
//! Reading a folder's tree means inflating it whole, through its chain of
//! deltas in the pack: about 30 ms for a folder of 30,000 files, more than
//! the rest of a `move`. A tree never changes, so the hashes of its names,
//! once read, hold for good: `.git/funnel/tree-names-vN` keeps them for the
//! last big trees read (in the layout of [`crate::cache_file`], written
//! through a temporary file). A name whose hash is not there is not in the
//! tree; one whose hash is there is looked up in the tree itself, so a
//! hash that two names share costs a look-up, never a wrong answer.

use std::path::PathBuf;

use git2::{Oid, Repository, Tree};

use crate::cache_file::{Reader, Writer};
use crate::error::Result;
use crate::hasher::hash;

const MAGIC: &[u8; 8] = b"FNLNAMES";
const VERSION: u32 = 1;

/// Trees with fewer entries are read each time (a small tree is cheap).
const BIG: usize = 1024;

/// How many trees are kept (a pipeline's big folders are a few, and each
/// changes when a deal enters or leaves it).
const KEPT: usize = 8;

/// The names' hashes of the big trees read lately, newest first.
pub struct TreeNames {
    path: PathBuf,
    trees: Vec<(Oid, Vec<u64>)>,
    /// The trees asked about in this run: kept when one is added (a
    /// folder asked about on every write, such as `won/` while deals
    /// close into `lost/`, is not pushed out by the versions of another).
    used: Vec<Oid>,
    changed: bool,
}

impl TreeNames {
    /// The names kept in `dir` (none when the file is missing or damaged).
    pub fn open(dir: PathBuf) -> TreeNames {
        let path = dir.join(format!("tree-names-v{VERSION}"));
        let bytes = std::fs::read(&path).unwrap_or_default();
        TreeNames {
            trees: decode(&bytes).unwrap_or_default(),
            path,
            used: Vec::new(),
            changed: false,
        }
    }

    /// Whether the tree `tree` holds an entry `name`.
    pub fn contains(&mut self, git: &Repository, tree: Oid, name: &str) -> Result<bool> {
        let wanted = hash(name.as_bytes());
        self.used.push(tree);
        if let Some((_, hashes)) = self.trees.iter().find(|(id, _)| *id == tree)
            && hashes.binary_search(&wanted).is_err()
        {
            return Ok(false);
        }
        let tree = git.find_tree(tree)?;
        if tree.len() >= BIG && !self.trees.iter().any(|(id, _)| *id == tree.id()) {
            self.trees.insert(0, (tree.id(), hashes_of(&tree)));
            while self.trees.len() > KEPT {
                // The oldest not asked about in this run goes (the oldest
                // if all were).
                let unused = (self.trees.iter()).rposition(|(id, _)| !self.used.contains(id));
                self.trees.remove(unused.unwrap_or(self.trees.len() - 1));
            }
            self.changed = true;
        }
        Ok(tree.get_name(name).is_some())
    }

    /// Writes the trees read this time, if any were new; a file that
    /// cannot be written only costs time later.
    pub fn save(self) {
        if self.changed {
            let _ = crate::cache_file::write_atomically(&self.path, &encode(&self.trees));
        }
    }
}

/// The sorted hashes of `tree`'s names.
fn hashes_of(tree: &Tree<'_>) -> Vec<u64> {
    let mut hashes: Vec<u64> = tree.iter().map(|e| hash(e.name_bytes())).collect();
    hashes.sort_unstable();
    hashes
}

fn encode(trees: &[(Oid, Vec<u64>)]) -> Vec<u8> {
    let size: usize = trees.iter().map(|(_, h)| 32 + 8 * h.len()).sum();
    let mut w = Writer::file(Vec::with_capacity(size + 64), MAGIC, VERSION, "");
    w.count(trees.len());
    for (id, hashes) in trees {
        w.bytes(id.as_bytes());
        w.count(hashes.len());
        for h in hashes {
            w.u64(*h);
        }
    }
    w.seal()
}

fn decode(bytes: &[u8]) -> Option<Vec<(Oid, Vec<u64>)>> {
    let mut r = Reader::open(bytes, MAGIC, VERSION, "")?;
    let count = r.count()?;
    let mut trees = Vec::with_capacity(count.min(KEPT));
    for _ in 0..count {
        let id = Oid::from_bytes(&r.array::<20>()?).ok()?;
        let count = r.count()?;
        let hashes = (0..count).map(|_| r.u64()).collect::<Option<Vec<u64>>>()?;
        // Kept sorted when written; a file that is not is not trusted.
        if !hashes.is_sorted() {
            return None;
        }
        trees.push((id, hashes));
    }
    r.done().then_some(trees)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with a tree of `n` names `deal-N.toml`.
    fn tree_of(git: &Repository, n: usize) -> Oid {
        let blob = git.blob(b"title = \"A\"\n").unwrap();
        let mut builder = git.treebuilder(None).unwrap();
        for i in 0..n {
            builder
                .insert(format!("deal-{i}.toml"), blob, 0o100644)
                .unwrap();
        }
        builder.write().unwrap()
    }

    /// An empty repository in a temporary folder.
    fn repository() -> (tempfile::TempDir, Repository) {
        let temp = tempfile::tempdir().unwrap();
        let git = Repository::init(temp.path()).unwrap();
        (temp, git)
    }

    /// The trees `dir` keeps, newest first.
    fn kept(dir: PathBuf) -> Vec<Oid> {
        TreeNames::open(dir)
            .trees
            .iter()
            .map(|(id, _)| *id)
            .collect()
    }

    #[test]
    fn a_big_tree_is_read_once_and_answered_from_its_names_after() {
        let (temp, git) = repository();
        let dir = temp.path().join("cache");
        let (big, small) = (tree_of(&git, 2000), tree_of(&git, 10));
        let mut names = TreeNames::open(dir.clone());
        assert!(names.contains(&git, big, "deal-1999.toml").unwrap());
        assert!(!names.contains(&git, big, "deal-2000.toml").unwrap());
        assert!(names.contains(&git, small, "deal-9.toml").unwrap());
        names.save();
        // The next run has the big tree's names, not the small one's; a
        // name it holds is still confirmed in the tree itself, one it
        // does not is answered without reading the tree.
        let names = TreeNames::open(dir.clone());
        assert_eq!(names.trees.len(), 1);
        assert_eq!(names.trees[0].0, big);
        assert_eq!(names.trees[0].1.len(), 2000);
        let empty = Repository::init(temp.path().join("other")).unwrap();
        let mut names = TreeNames::open(dir.clone());
        assert!(!names.contains(&empty, big, "acme.toml").unwrap());
        assert!(names.contains(&empty, big, "deal-7.toml").is_err(), "read");
        assert!(names.contains(&git, big, "deal-7.toml").unwrap());
        // A damaged file is not trusted: the tree is read again.
        let path = dir.join(format!("tree-names-v{VERSION}"));
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(TreeNames::open(dir).trees.is_empty());
    }

    #[test]
    fn a_tree_asked_about_in_the_run_is_kept_when_another_comes() {
        let (temp, git) = repository();
        let dir = temp.path().join("cache");
        let trees: Vec<Oid> = (0..=KEPT).map(|n| tree_of(&git, BIG + n)).collect();
        let mut names = TreeNames::open(dir.clone());
        for tree in &trees[..KEPT] {
            names.contains(&git, *tree, "deal-0.toml").unwrap();
        }
        names.save();
        // The oldest is asked about, then a new tree comes: the second
        // oldest goes.
        let mut names = TreeNames::open(dir.clone());
        assert!(!names.contains(&git, trees[0], "acme.toml").unwrap());
        names.contains(&git, trees[KEPT], "deal-0.toml").unwrap();
        names.save();
        let kept = kept(dir);
        assert_eq!(kept.len(), KEPT);
        assert!(kept.contains(&trees[0]) && kept.contains(&trees[KEPT]));
        assert!(!kept.contains(&trees[1]));
    }

    #[test]
    fn only_the_last_trees_are_kept() {
        let (temp, git) = repository();
        let dir = temp.path().join("cache");
        let trees: Vec<Oid> = (0..KEPT + 2).map(|n| tree_of(&git, BIG + n)).collect();
        let mut names = TreeNames::open(dir.clone());
        for tree in &trees {
            assert!(names.contains(&git, *tree, "deal-0.toml").unwrap());
        }
        names.save();
        let kept = kept(dir);
        let newest: Vec<Oid> = trees.iter().rev().take(KEPT).copied().collect();
        assert_eq!(kept, newest);
    }
}
