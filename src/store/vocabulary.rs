//! The words a pipeline's deals use (owners, products, sources, currencies
//! and every key), for shell completion, kept between runs in the git dir
//! (`vocabulary-v1`), so that a TAB on 20,000 deals reads one small file
//! instead of every deal.
//!
//! The file is valid while nothing that changes deal files has happened
//! since it was written: its key holds the modification times of
//! `funnel.toml`, of every stage folder (a file added, removed, moved or
//! replaced by rename, as funnel, git and most editors write) and of git's
//! index (every commit, checkout, merge and `git add`). An edit written in
//! place and not staged yet is seen at the next of those; for completion
//! candidates that lag is the price of answering in milliseconds. Any
//! doubt (a missing, damaged or foreign file) rebuilds it from the deals,
//! through the deal cache.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cache_file::{Reader, Writer};
use crate::model::config::{Config, FILE_NAME};
use crate::model::deal::Keys;
use crate::store::pipeline::Pipeline;

const MAGIC: &[u8; 8] = b"FNLWORDS";
const VERSION: u32 = 1;

/// The fields whose values completion offers.
pub const VALUE_FIELDS: [&str; 4] = ["owner", "product", "source", "currency"];

/// What the deals say, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// The values of each of [`VALUE_FIELDS`], in that order.
    pub values: Vec<Vec<String>>,
    /// Every key some deal has, dotted for sub-tables.
    pub keys: Vec<String>,
}

impl Vocabulary {
    /// The values the deals have for `field` (one of [`VALUE_FIELDS`]).
    pub fn values_of(&self, field: &str) -> &[String] {
        VALUE_FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| self.values.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// The vocabulary of the pipeline at `root`, from the file in `cache` (the
/// git dir's `funnel/`) when it is current, else from the deals (and the
/// file written again).
pub fn vocabulary(root: &Path, config: &Config, cache: Option<&Path>) -> Vocabulary {
    let key = fingerprint(root, config, cache);
    let path = cache.map(|dir| dir.join(format!("vocabulary-v{VERSION}")));
    if let Some(path) = &path
        && let Ok(bytes) = std::fs::read(path)
        && let Some(found) = decode(&bytes, &key)
    {
        return found;
    }
    let Ok(pipeline) = Pipeline::load_cached(root, cache, Keys::All) else {
        return Vocabulary::default();
    };
    let values = VALUE_FIELDS
        .iter()
        .map(|field| {
            let found: BTreeSet<&str> = pipeline
                .deals
                .iter()
                .filter_map(|d| d.text(field))
                .collect();
            found.into_iter().map(String::from).collect()
        })
        .collect();
    let vocabulary = Vocabulary {
        values,
        keys: pipeline.field_keys().into_iter().collect(),
    };
    if let Some(path) = &path {
        // A file that cannot be written only costs time at the next TAB.
        let _ = crate::cache_file::write_atomically(path, &encode(&vocabulary, &key));
    }
    vocabulary
}

/// What the file must have been written for: the root, and the times of
/// everything that changes when deal files do.
fn fingerprint(root: &Path, config: &Config, cache: Option<&Path>) -> String {
    let time = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    };
    let mut key = format!(
        "root={}\n{FILE_NAME}={}\n",
        root.display(),
        time(&root.join(FILE_NAME))
    );
    for stage in config.stage_ids() {
        key.push_str(&format!("{stage}={}\n", time(&root.join(stage))));
    }
    if let Some(git_dir) = cache.and_then(Path::parent) {
        key.push_str(&format!("index={}\n", time(&git_dir.join("index"))));
    }
    key
}

fn encode(vocabulary: &Vocabulary, key: &str) -> Vec<u8> {
    let mut w = Writer::file(Vec::new(), MAGIC, VERSION, key);
    let mut list = |items: &[String]| {
        w.count(items.len());
        for item in items {
            w.str(item);
        }
    };
    for values in &vocabulary.values {
        list(values);
    }
    list(&vocabulary.keys);
    w.seal()
}

fn decode(bytes: &[u8], key: &str) -> Option<Vocabulary> {
    let mut r = Reader::open(bytes, MAGIC, VERSION, key)?;
    let list = |r: &mut Reader<'_>| -> Option<Vec<String>> {
        let n = r.count()?;
        (0..n).map(|_| r.str().map(String::from)).collect()
    };
    let values = VALUE_FIELDS
        .iter()
        .map(|_| list(&mut r))
        .collect::<Option<Vec<_>>>()?;
    let keys = list(&mut r)?;
    r.done().then_some(Vocabulary { values, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vocabulary_reads_back_and_only_for_its_key() {
        let vocabulary = Vocabulary {
            values: vec![
                vec!["alice".into(), "bob".into()],
                vec![],
                vec!["web".into()],
                vec![],
            ],
            keys: vec!["owner".into(), "region".into()],
        };
        let bytes = encode(&vocabulary, "k1");
        assert_eq!(decode(&bytes, "k1"), Some(vocabulary.clone()));
        assert_eq!(vocabulary.values_of("owner"), ["alice", "bob"]);
        assert_eq!(decode(&bytes, "k2"), None);
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 1;
        assert_eq!(decode(&damaged, "k1"), None);
    }
}
