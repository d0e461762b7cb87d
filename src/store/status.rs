//! Which deal files differ from HEAD, without git's status when nothing
//! can differ.
//!
//! git's status lists every file of the stage folders again (its own
//! directory walk and a stat of each file), reads the index and HEAD's
//! trees: a sixth of a `check` of 20,000 deals, spent to find nothing on
//! almost every run. Two things funnel knows already answer it:
//!
//! - the work tree: the caller says whether every deal file there is the
//!   one committed at HEAD, in the same stage folder, and no committed one
//!   is gone (from the deal cache's blob ids and the history's briefs:
//!   `Snapshot::matches_head`);
//! - the index: a status that found nothing is remembered with HEAD's id
//!   and the index file's stat data (`.git/funnel/clean`); git writes the
//!   index whole through a lock file renamed into place, so any `git add`,
//!   `git rm --cached` or commit gives it a new inode and times.
//!
//! When both hold ([`known_clean`]), nothing is staged, changed,
//! untracked or conflicted; otherwise git is asked ([`deal_status`]).

use crate::cache_file::{Reader, Writer};
use crate::error::Result;
use crate::git::{PathStatus, Repo};
use crate::store::deal_cache::Stat;

const MAGIC: &[u8; 8] = b"FNLCLEAN";
const VERSION: u32 = 1;

/// The deal files under `stages` that differ from HEAD, from git's status
/// ([`Repo::deal_status`]); a status that finds nothing is remembered for
/// [`known_clean`].
pub fn deal_status(repo: &Repo, stages: &[&str]) -> Result<Vec<PathStatus>> {
    let (memo, key) = (memo_path(repo), memo_key(repo, stages));
    let state = index_state(repo);
    let status = repo.deal_status(stages)?;
    // Remembered only when the index did not change while git looked.
    if status.is_empty()
        && let Some(state) = state
        && index_state(repo) == Some(state)
    {
        let mut out = Writer::file(Vec::new(), MAGIC, VERSION, &key);
        out.bytes(&state.0);
        out.bytes(&state.1);
        // A memo that cannot be written only costs git's status next time.
        let _ = crate::cache_file::write_atomically(&memo, &out.seal());
    }
    Ok(status)
}

/// Whether nothing can differ from HEAD: the work tree is HEAD's (as the
/// caller knows, `tree_matches_head`) and the index is the one a status
/// that found nothing saw, at this HEAD. Then the index holds no conflict
/// either (git's status lists a conflicted file).
pub fn known_clean(repo: &Repo, stages: &[&str], tree_matches_head: bool) -> bool {
    tree_matches_head
        && index_state(repo).is_some_and(|state| {
            std::fs::read(memo_path(repo))
                .ok()
                .and_then(|bytes| read(&bytes, &memo_key(repo, stages)))
                == Some(state)
        })
}

fn memo_path(repo: &Repo) -> std::path::PathBuf {
    repo.git_dir().join("funnel").join("clean")
}

fn memo_key(repo: &Repo, stages: &[&str]) -> String {
    format!(
        "prefix={}\nstages={}\n",
        repo.prefix.display(),
        stages.join(",")
    )
}

/// HEAD's commit id and the index file's stat data, encoded.
type State = ([u8; 20], [u8; 40]);

fn index_state(repo: &Repo) -> Option<State> {
    let head = repo.branch_tip("HEAD").ok()??;
    let meta = std::fs::symlink_metadata(repo.index_path()).ok()?;
    Some((
        head.as_bytes().try_into().ok()?,
        stat_bytes(&Stat::of(&meta)?),
    ))
}

fn stat_bytes(stat: &Stat) -> [u8; 40] {
    let mut out = [0; 40];
    for (n, part) in stat.parts().into_iter().enumerate() {
        out[n * 8..n * 8 + 8].copy_from_slice(&part.to_le_bytes());
    }
    out
}

fn read(bytes: &[u8], key: &str) -> Option<State> {
    let mut input = Reader::open(bytes, MAGIC, VERSION, key)?;
    let state = (input.array()?, input.array()?);
    input.done().then_some(state)
}
