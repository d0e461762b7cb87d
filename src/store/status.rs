//! Which deal files differ from HEAD, asking git's status as little as
//! can be.
//!
//! git's status lists every file of the stage folders again (its own
//! directory walk and a stat of each file), reads the index and HEAD's
//! trees: a sixth of a `check` of 20,000 deals when nothing differs, and
//! most of the rest of a `check` when a file does. Two things funnel
//! knows already answer most of it:
//!
//! - the work tree: which deal files are not the ones committed at HEAD
//!   in the same stage folder (new, changed, moved, gone), from the deal
//!   cache's blob ids and the history's briefs (`Snapshot::matches_head`,
//!   `Snapshot::changed_files`);
//! - the index: a status of the stage folders that found no file staged
//!   and none in conflict (the index's deal files are HEAD's) is
//!   remembered with HEAD's id and the index file's stat data
//!   (`.git/funnel/clean`); git writes the index whole through a lock file
//!   renamed into place, so any `git add`, `git rm --cached`, merge or
//!   commit gives it a new inode and times.
//!
//! With both ([`known`]): when the work tree is HEAD's too, nothing is
//! staged, changed, untracked or conflicted and git is not asked at all;
//! when it is not, git is asked about the changed files alone, and as
//! little as each needs (`Repo::worktree_status`: a file edited in place
//! hashed with git's filters, new files looked for among the untracked;
//! no comparison of HEAD's trees with the index, which is most of a
//! status even of two files).
//! Otherwise git's status of the stage folders ([`deal_status`]). What
//! funnel's view of the work tree cannot see is a change of a file's mode
//! alone.

use crate::cache_file::{Reader, Writer};
use crate::error::Result;
pub use crate::git::{Changed, Differs};
use crate::git::{PathStatus, Repo};
use crate::store::deal_cache::Stat;

const MAGIC: &[u8; 8] = b"FNLCLEAN";
/// 2: what is remembered is "nothing staged or in conflict" (1: "nothing
/// differs", a narrower claim about the same index).
const VERSION: u32 = 2;

/// What is known, before git is asked, of the deal files that differ
/// from HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Nothing differs (nothing staged, changed, untracked or in conflict).
    Clean,
    /// The index's deal files are HEAD's and none is in conflict; only
    /// these files differ in the work tree.
    Only(Vec<Changed>),
    /// Nothing: git's status of the stage folders says.
    Unknown,
}

/// What is known of the deal files under `stages` that differ from HEAD:
/// `tree_matches_head` when the work tree is HEAD's (as the caller
/// knows), else `changed_files` gives the files it knows differ (`None`
/// when it cannot tell); and whether the index is one a status found
/// nothing staged or in conflict in, at this HEAD. Many changed files (a
/// bulk edit) are left to a status of the folders.
pub fn known(
    repo: &Repo,
    stages: &[&str],
    tree_matches_head: bool,
    changed_files: impl FnOnce() -> Option<Vec<Changed>>,
) -> Known {
    let remembered = (read_memo(repo)).is_some_and(|(key, state)| {
        key == memo_key(repo, stages) && index_state(repo) == Some(state)
    });
    match (remembered, tree_matches_head) {
        (false, _) => Known::Unknown,
        (true, true) => Known::Clean,
        (true, false) => match changed_files() {
            Some(files) if files.len() <= 256 => Known::Only(files),
            _ => Known::Unknown,
        },
    }
}

/// The deal files under `stages` that differ from HEAD, from git's status
/// ([`Repo::deal_status`]) of what is not `known`; a status of the stage
/// folders that finds nothing staged or in conflict is remembered for
/// [`known`].
pub fn deal_status(repo: &Repo, stages: &[&str], known: &Known) -> Result<Vec<PathStatus>> {
    match known {
        Known::Clean => return Ok(Vec::new()),
        Known::Only(files) if files.is_empty() => return Ok(Vec::new()),
        Known::Only(files) => return repo.worktree_status(files),
        Known::Unknown => {}
    }
    let state = index_state(repo);
    let status = repo.deal_status(stages)?;
    // Remembered only when the index did not change while git looked (and
    // holds no file added with `--intent-to-add`: one is not HEAD's).
    if status
        .iter()
        .all(|s| !s.staged && !s.conflicted && !s.added)
        && let Some(state) = state
        && index_state(repo) == Some(state)
    {
        write_memo(repo, &memo_key(repo, stages), state);
    }
    Ok(status)
}

/// The key of the memo ([`known`]) when it holds for the index and HEAD
/// as they are now: read by a write under git's index lock, so that
/// [`carry`] can say the same of the index it makes.
pub fn held(repo: &Repo) -> Option<String> {
    let (key, state) = read_memo(repo)?;
    (index_state(repo)? == state).then_some(key)
}

/// After a write that put `index` (the file it renamed into place, still
/// open) at HEAD `head`, when the memo [`held`] with `key` before it: the
/// memo holds for the new index too (the write committed exactly the
/// files it put in the index, so the index's deal files are still HEAD's),
/// and the next `check` or `board` need not ask git's status of every
/// file. The stat data is the open file's: if git replaced the index since
/// the rename, the memo says nothing of git's.
pub fn carry(repo: &Repo, key: &str, index: &std::fs::File, head: crate::git::CommitId) {
    let stat = index.metadata().ok().and_then(|meta| Stat::of(&meta));
    if let (Some(stat), Ok(head)) = (stat, head.as_bytes().try_into()) {
        write_memo(repo, key, (head, stat_bytes(&stat)));
    }
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

/// The memo: the stages it was made for (its own key: the file's is
/// empty, so a write can carry it without knowing the stages) and the
/// state it holds for.
fn read_memo(repo: &Repo) -> Option<(String, State)> {
    let bytes = std::fs::read(memo_path(repo)).ok()?;
    let mut input = Reader::open(&bytes, MAGIC, VERSION, "")?;
    let key = input.str()?.to_string();
    let state = (input.array()?, input.array()?);
    input.done().then_some((key, state))
}

fn write_memo(repo: &Repo, key: &str, state: State) {
    let mut out = Writer::file(Vec::new(), MAGIC, VERSION, "");
    out.str(key);
    out.bytes(&state.0);
    out.bytes(&state.1);
    // A memo that cannot be written only costs git's status next time.
    let _ = crate::cache_file::write_atomically(&memo_path(repo), &out.seal());
}
