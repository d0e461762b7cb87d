//! The history engine against real temporary git repositories built with
//! the `git` command: stage entries from adds, moves, merges and renames,
//! pipelines in subfolders, the per-commit cache, partial histories, and
//! the benchmark generator's recorded truth.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use funnel::git::Repo;
use funnel::git::history::{self, History, Timeline};
use jiff::Timestamp;

use crate::support::STAGES;

/// A temporary repository with a pinned HOME, git config and committer
/// date; each commit gets the author date it is given.
struct Fixture {
    _temp: tempfile::TempDir,
    home: PathBuf,
    dir: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let temp = tempfile::tempdir().expect("temp dir");
        let home = temp.path().join("home");
        let dir = temp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Alice Nowak\n\temail = alice@example.com\n\
             [init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n",
        )
        .unwrap();
        let fixture = Fixture {
            _temp: temp,
            home,
            dir,
        };
        fixture.git(&["init", "-q"]);
        fixture
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TZ", "UTC")
            .env("LANG", "C")
            .env("GIT_COMMITTER_DATE", "2026-12-31T12:00:00Z")
            .env("GIT_AUTHOR_DATE", "2026-12-31T12:00:00Z");
        cmd
    }

    /// `git ARGS`; panics when git fails.
    #[track_caller]
    fn git(&self, args: &[&str]) -> String {
        self.git_with(args, &[])
    }

    #[track_caller]
    fn git_with(&self, args: &[&str], vars: &[(&str, &str)]) -> String {
        let mut cmd = self.command("git");
        cmd.args(args);
        for (key, value) in vars {
            cmd.env(key, value);
        }
        let out = cmd.output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Moves a file the way a file manager does (no `git mv`).
    fn mv(&self, from: &str, to: &str) {
        let to = self.dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(self.dir.join(from), to).unwrap();
    }

    fn rm(&self, rel: &str) {
        std::fs::remove_file(self.dir.join(rel)).unwrap();
    }

    /// Commits every change in the work tree, authored at `date`.
    #[track_caller]
    fn commit(&self, date: &str, message: &str) {
        self.git(&["add", "-A"]);
        self.git_with(
            &["commit", "-q", "--allow-empty", "-m", message],
            &[("GIT_AUTHOR_DATE", date)],
        );
    }

    /// A deal file's text.
    fn deal(&self, rel: &str, value: u32) {
        let title = Path::new(rel).file_stem().unwrap().to_string_lossy();
        self.write(rel, &format!("title = \"{title}\"\nvalue = {value}\n"));
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn history(&self) -> History {
        self.history_at(&self.dir, &STAGES)
    }

    fn history_at(&self, root: &Path, stages: &[&str]) -> History {
        let repo = Repo::open(root).unwrap().expect("a repository");
        history::load(&repo, stages).unwrap()
    }

    /// The history computed without a cache.
    fn fresh(&self) -> History {
        let _ = std::fs::remove_dir_all(self.cache_dir());
        self.history()
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.join(".git").join("funnel")
    }

    fn cache_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.cache_dir()) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        files
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn timeline<'h>(history: &'h History, id: &str) -> &'h Timeline {
    history
        .deals
        .get(id)
        .unwrap_or_else(|| panic!("no deal {id} in {:?}", ids(history)))
}

/// A deal's stage entries as (stage, author time).
fn entries(history: &History, id: &str) -> Vec<(String, String)> {
    timeline(history, id)
        .entries
        .iter()
        .map(|e| (e.stage.clone(), e.at.to_string()))
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(stage, at)| (stage.to_string(), at.to_string()))
        .collect()
}

fn ids(history: &History) -> Vec<&str> {
    let mut ids: Vec<&str> = history.deals.keys().map(String::as_str).collect();
    ids.sort_unstable();
    ids
}

const D1: &str = "2026-01-05T09:00:00Z";
const D2: &str = "2026-01-12T10:30:00Z";
const D3: &str = "2026-02-02T14:00:00Z";
const D4: &str = "2026-03-01T08:15:00Z";
const D5: &str = "2026-03-20T16:45:00Z";

#[test]
fn a_new_deal_enters_its_first_stage_when_its_file_is_added() {
    let fx = Fixture::new();
    fx.write("funnel.toml", "name = \"Sales\"\n");
    fx.write("lead/.gitkeep", "");
    fx.commit(D1, "init pipeline");
    fx.deal("lead/acme.toml", 1000);
    fx.commit(D2, "add acme");

    let history = fx.history();
    assert_eq!(ids(&history), ["acme"]);
    let acme = timeline(&history, "acme");
    assert_eq!(entries(&history, "acme"), expect(&[("lead", D2)]));
    assert_eq!(acme.entries[0].author_email, "alice@example.com".into());
    assert_eq!(acme.entries[0].commit.to_string(), fx.head());
    assert_eq!(acme.added_at, at(D2));
    assert_eq!(acme.added_in.to_string(), fx.head());
    assert_eq!(acme.last_change, at(D2));
    assert_eq!(acme.versions.len(), 1);
    assert!(acme.renamed_from.is_empty());
    assert_eq!(history.partial, None);
    assert!(history.skew.is_empty(), "{:?}", history.skew);
}

#[test]
fn moves_count_at_their_author_date_whoever_made_them() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1000);
    fx.commit(D1, "add acme");
    std::fs::create_dir(fx.dir.join("qualified")).unwrap();
    fx.git(&["mv", "lead/acme.toml", "qualified/acme.toml"]);
    fx.git_with(
        &["commit", "-q", "-m", "qualify acme"],
        &[
            ("GIT_AUTHOR_DATE", D2),
            ("GIT_AUTHOR_EMAIL", "bob@example.com"),
        ],
    );
    fx.mv("qualified/acme.toml", "contact/acme.toml");
    fx.commit(D3, "files moved by hand");
    fx.write("contact/acme.toml", "title = \"acme\"\nvalue = 2500\n");
    fx.commit(D4, "raise acme's value");

    let history = fx.history();
    assert_eq!(
        entries(&history, "acme"),
        expect(&[("lead", D1), ("qualified", D2), ("contact", D3)])
    );
    let acme = timeline(&history, "acme");
    assert_eq!(acme.entries[1].author_email, "bob@example.com".into());
    assert_eq!(acme.added_at, at(D1));
    assert_eq!(acme.last_change, at(D4));
    let times: Vec<String> = acme.versions.iter().map(|v| v.1.to_string()).collect();
    assert_eq!(times, [D1, D2, D3, D4]);
}

#[test]
fn a_move_that_also_rewrites_the_file_is_still_a_move() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1000);
    fx.commit(D1, "add acme");
    fx.rm("lead/acme.toml");
    fx.write(
        "proposal/acme.toml",
        "# rewritten from scratch\ntitle = \"Acme Corp: CRM\"\naccount = \"Acme\"\nowner = \"bob\"\n\
         value = 99000\nexpected_close = 2026-06-30\nnext_step = \"Send the proposal\"\n",
    );
    fx.commit(D2, "acme: proposal, new value");

    let history = fx.history();
    // Skipped stages are simply not entered.
    assert_eq!(
        entries(&history, "acme"),
        expect(&[("lead", D1), ("proposal", D2)])
    );
    let versions = &timeline(&history, "acme").versions;
    assert_eq!(versions.len(), 2);
    assert_ne!(versions[0].2, versions[1].2, "two different blobs");
}

#[test]
fn skipped_stages_direct_wins_and_reopened_deals() {
    let fx = Fixture::new();
    fx.deal("lead/skipper.toml", 1);
    fx.deal("won/direct.toml", 2);
    fx.deal("lead/phoenix.toml", 3);
    fx.commit(D1, "add three deals");
    fx.mv("lead/skipper.toml", "proposal/skipper.toml");
    fx.mv("lead/phoenix.toml", "lost/phoenix.toml");
    fx.commit(D2, "skipper to proposal, phoenix lost");
    fx.mv("proposal/skipper.toml", "won/skipper.toml");
    fx.mv("lost/phoenix.toml", "proposal/phoenix.toml");
    fx.commit(D3, "skipper won, phoenix reopened");
    fx.mv("proposal/phoenix.toml", "won/phoenix.toml");
    fx.commit(D4, "phoenix won");

    let history = fx.history();
    assert_eq!(
        entries(&history, "skipper"),
        expect(&[("lead", D1), ("proposal", D2), ("won", D3)])
    );
    assert_eq!(entries(&history, "direct"), expect(&[("won", D1)]));
    assert_eq!(
        entries(&history, "phoenix"),
        expect(&[("lead", D1), ("lost", D2), ("proposal", D3), ("won", D4)])
    );
}

#[test]
fn a_move_made_on_a_branch_counts_once_when_it_was_authored() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1);
    fx.deal("lead/beta.toml", 2);
    fx.commit(D1, "add acme and beta");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.mv("lead/acme.toml", "qualified/acme.toml");
    fx.deal("lead/gamma.toml", 3);
    fx.commit(D2, "qualify acme, add gamma (on a branch)");
    fx.git(&["checkout", "-q", "main"]);
    fx.deal("lead/beta.toml", 20);
    fx.commit(D3, "edit beta");
    fx.git_with(
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'side'",
            "side",
        ],
        &[("GIT_AUTHOR_DATE", D4)],
    );

    let history = fx.history();
    assert_eq!(ids(&history), ["acme", "beta", "gamma"]);
    assert_eq!(
        entries(&history, "acme"),
        expect(&[("lead", D1), ("qualified", D2)])
    );
    assert_eq!(entries(&history, "gamma"), expect(&[("lead", D2)]));
    assert_eq!(timeline(&history, "gamma").added_at, at(D2));
    assert_eq!(entries(&history, "beta"), expect(&[("lead", D1)]));
    assert_eq!(timeline(&history, "beta").last_change, at(D3));
    // The merge changed nothing itself: no version is dated at it.
    for timeline in history.deals.values() {
        assert!(
            timeline.versions.iter().all(|v| v.1 != at(D4)),
            "{timeline:?}"
        );
    }
}

#[test]
fn a_move_that_a_merge_threw_away_does_not_count() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1);
    fx.commit(D1, "add acme");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.mv("lead/acme.toml", "won/acme.toml");
    fx.commit(D2, "acme won (on a branch)");
    fx.git(&["checkout", "-q", "main"]);
    fx.deal("lead/beta.toml", 2);
    fx.commit(D3, "add beta");
    fx.git_with(
        &[
            "merge",
            "-q",
            "-s",
            "ours",
            "-m",
            "Merge, keeping main",
            "side",
        ],
        &[("GIT_AUTHOR_DATE", D4)],
    );

    let history = fx.history();
    assert_eq!(entries(&history, "acme"), expect(&[("lead", D1)]));
    assert_eq!(entries(&history, "beta"), expect(&[("lead", D3)]));
}

#[test]
fn a_merge_that_itself_moves_a_deal_is_where_it_entered() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1);
    fx.commit(D1, "add acme");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.deal("lead/beta.toml", 2);
    fx.commit(D2, "add beta");
    fx.git(&["checkout", "-q", "main"]);
    fx.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    fx.mv("lead/acme.toml", "contact/acme.toml");
    fx.git(&["add", "-A"]);
    fx.git_with(
        &["commit", "-q", "-m", "merge, and acme moved while at it"],
        &[("GIT_AUTHOR_DATE", D3)],
    );

    let history = fx.history();
    assert_eq!(
        entries(&history, "acme"),
        expect(&[("lead", D1), ("contact", D3)])
    );
    assert_eq!(entries(&history, "beta"), expect(&[("lead", D2)]));
}

#[test]
fn a_rename_with_a_trailer_continues_the_old_history() {
    let fx = Fixture::new();
    fx.deal("lead/old-name.toml", 1);
    fx.deal("lead/b-old.toml", 2);
    fx.commit(D1, "add two deals");
    fx.mv("lead/old-name.toml", "qualified/old-name.toml");
    fx.commit(D2, "qualify old-name");
    fx.mv("qualified/old-name.toml", "qualified/new-name.toml");
    fx.mv("lead/b-old.toml", "contact/b-new.toml");
    fx.commit(
        D3,
        "rename two deals\n\nFunnel-Deal: new-name\nFunnel-Renamed-From: old-name\n\
         Funnel-Deal: b-new\nFunnel-Renamed-From: b-old\n",
    );
    fx.mv("qualified/new-name.toml", "proposal/new-name.toml");
    fx.commit(D4, "new-name to proposal");

    let history = fx.history();
    assert_eq!(ids(&history), ["b-new", "new-name"]);
    assert_eq!(
        entries(&history, "new-name"),
        expect(&[("lead", D1), ("qualified", D2), ("proposal", D4)])
    );
    let renamed = timeline(&history, "new-name");
    assert_eq!(renamed.renamed_from, ["old-name"]);
    assert_eq!(renamed.added_at, at(D1));
    assert_eq!(renamed.versions.len(), 4);
    // A rename that also moves the deal enters the new stage.
    assert_eq!(
        entries(&history, "b-new"),
        expect(&[("lead", D1), ("contact", D3)])
    );
    assert_eq!(timeline(&history, "b-new").renamed_from, ["b-old"]);
}

#[test]
fn a_deal_renamed_on_one_branch_and_kept_on_another_shares_its_past() {
    let fx = Fixture::new();
    fx.deal("lead/old.toml", 1);
    fx.commit(D1, "add old");
    fx.mv("lead/old.toml", "qualified/old.toml");
    fx.commit(D2, "qualify old");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.mv("qualified/old.toml", "qualified/new.toml");
    fx.commit(
        D3,
        "rename old -> new\n\nFunnel-Deal: new\nFunnel-Renamed-From: old\n",
    );
    fx.git(&["checkout", "-q", "main"]);
    fx.deal("qualified/old.toml", 5);
    fx.commit(D4, "edit old");
    // git would carry the edit over to the renamed file; keep both as they
    // are on their branches.
    fx.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    fx.git(&["checkout", "main", "--", "qualified/old.toml"]);
    fx.git(&["checkout", "side", "--", "qualified/new.toml"]);
    fx.git_with(
        &["commit", "-q", "-m", "merge side, keeping both"],
        &[("GIT_AUTHOR_DATE", D5)],
    );

    let history = fx.history();
    assert_eq!(ids(&history), ["new", "old"]);
    for id in ["new", "old"] {
        assert_eq!(
            entries(&history, id),
            expect(&[("lead", D1), ("qualified", D2)]),
            "{id}"
        );
        assert_eq!(timeline(&history, id).added_at, at(D1), "{id}");
    }
    assert_eq!(timeline(&history, "new").renamed_from, ["old"]);
    assert_eq!(timeline(&history, "old").last_change, at(D4));
    assert_eq!(timeline(&history, "new").last_change, at(D3));
    assert_eq!(history, fx.fresh());
}

#[test]
fn a_rename_with_plain_git_starts_a_new_deal() {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1);
    fx.commit(D1, "add acme");
    fx.mv("lead/acme.toml", "qualified/acme.toml");
    fx.commit(D2, "qualify acme");
    fx.git(&["mv", "qualified/acme.toml", "qualified/acme-corp.toml"]);
    fx.commit(D3, "rename acme with git mv");

    let history = fx.history();
    assert_eq!(ids(&history), ["acme-corp"]);
    assert_eq!(entries(&history, "acme-corp"), expect(&[("qualified", D3)]));
    let renamed = timeline(&history, "acme-corp");
    assert_eq!(renamed.added_at, at(D3));
    assert!(renamed.renamed_from.is_empty());
}

#[test]
fn deleted_deals_and_files_that_are_not_deals_are_left_out() {
    let fx = Fixture::new();
    fx.deal("lead/kept.toml", 1);
    fx.deal("lead/gone.toml", 2);
    fx.write("lead/README.md", "Leads go here.\n");
    fx.write("lead/Not_An_Id.toml", "title = \"x\"\n");
    fx.write("lead/nested/deep.toml", "title = \"x\"\n");
    fx.write("leads/typo.toml", "title = \"x\"\n");
    fx.commit(D1, "add");
    fx.rm("lead/gone.toml");
    fx.commit(D2, "rm gone");

    let history = fx.history();
    assert_eq!(ids(&history), ["kept"]);
    // The removed deal's timeline is kept apart, with its removal, for
    // views of the past.
    let removed: Vec<(&str, Option<Timestamp>, usize)> = history
        .removed
        .iter()
        .map(|t| (t.id.as_str(), t.removed.map(|r| r.0), t.versions.len()))
        .collect();
    assert_eq!(removed, [("gone", Some(at(D2)), 1)]);
}

#[test]
fn a_pipeline_in_a_subfolder_reads_only_its_own_stage_folders() {
    let fx = Fixture::new();
    fx.write("README.md", "The company repository.\n");
    fx.deal("lead/outside.toml", 1);
    fx.write("sales/funnel.toml", "name = \"Sales\"\n");
    fx.deal("sales/lead/acme.toml", 2);
    fx.deal("sales/won/beta.toml", 3);
    fx.deal("sales/notes/not-a-stage.toml", 4);
    fx.commit(D1, "company repo with a pipeline in sales/");
    fx.mv("sales/lead/acme.toml", "sales/qualified/acme.toml");
    fx.mv("lead/outside.toml", "won/outside.toml");
    fx.commit(D2, "qualify acme; move a file outside the pipeline");
    fx.write("README.md", "Changed.\n");
    fx.commit(D3, "a commit outside the pipeline");

    let history = fx.history_at(&fx.dir.join("sales"), &STAGES);
    assert_eq!(ids(&history), ["acme", "beta"]);
    assert_eq!(
        entries(&history, "acme"),
        expect(&[("lead", D1), ("qualified", D2)])
    );
    assert_eq!(entries(&history, "beta"), expect(&[("won", D1)]));
    // The whole repository as a pipeline is another cache key.
    let top = fx.history();
    assert_eq!(ids(&top), ["outside"]);
    assert_eq!(fx.cache_files().len(), 2);
}

/// A small history with a branch and a merge, for the cache tests.
fn branchy() -> Fixture {
    let fx = Fixture::new();
    fx.deal("lead/acme.toml", 1);
    fx.deal("lead/beta.toml", 2);
    fx.commit(D1, "add acme and beta");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.mv("lead/acme.toml", "qualified/acme.toml");
    fx.commit(D2, "qualify acme");
    fx.git(&["checkout", "-q", "main"]);
    fx.mv("lead/beta.toml", "lost/beta.toml");
    fx.commit(D3, "beta lost");
    fx.git_with(
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
        &[("GIT_AUTHOR_DATE", D4)],
    );
    fx
}

#[test]
fn the_cache_lives_in_the_git_dir_and_gives_the_same_history() {
    let fx = branchy();
    let first = fx.history();
    assert_eq!(fx.cache_files().len(), 1, "one cache file");
    assert_eq!(fx.git(&["status", "--porcelain", "--ignored"]), "");
    let second = fx.history();
    assert_eq!(first, second);
    assert_eq!(
        entries(&second, "acme"),
        expect(&[("lead", D1), ("qualified", D2)])
    );

    // New commits on top: only they are diffed, and the result is the same
    // as without a cache.
    fx.mv("qualified/acme.toml", "won/acme.toml");
    fx.commit(D5, "acme won");
    let third = fx.history();
    assert_eq!(
        entries(&third, "acme"),
        expect(&[("lead", D1), ("qualified", D2), ("won", D5)])
    );
    assert_eq!(third, fx.fresh());

    // Another stage list is another cache, never mixed up with this one:
    // without `qualified`, acme appeared when it was won.
    let fewer = fx.history_at(&fx.dir, &["lead", "won", "lost"]);
    assert_eq!(entries(&fewer, "acme"), expect(&[("won", D5)]));
    assert_eq!(fx.cache_files().len(), 2);
    assert_eq!(fx.history(), third);
}

#[test]
fn the_cache_follows_amend_reset_and_branch_switches() {
    let fx = branchy();
    fx.mv("qualified/acme.toml", "won/acme.toml");
    fx.commit(D5, "acme won");
    let before = fx.history();
    assert_eq!(
        entries(&before, "acme"),
        expect(&[("lead", D1), ("qualified", D2), ("won", D5)])
    );

    // Amend: the last move goes elsewhere, at another date.
    fx.mv("won/acme.toml", "negotiation/acme.toml");
    fx.git(&["add", "-A"]);
    fx.git(&[
        "commit",
        "-q",
        "--amend",
        "--date",
        "2026-04-01T00:00:00Z",
        "-m",
        "acme to negotiation",
    ]);
    let amended = fx.history();
    assert_eq!(
        entries(&amended, "acme"),
        expect(&[
            ("lead", D1),
            ("qualified", D2),
            ("negotiation", "2026-04-01T00:00:00Z")
        ])
    );
    assert_eq!(amended, fx.fresh());

    // Reset to before the move.
    fx.history();
    fx.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let reset = fx.history();
    assert_eq!(
        entries(&reset, "acme"),
        expect(&[("lead", D1), ("qualified", D2)])
    );
    assert_eq!(reset, fx.fresh());

    // A branch that forked before the merge.
    fx.history();
    fx.git(&["checkout", "-q", "side"]);
    let side = fx.history();
    assert_eq!(
        entries(&side, "beta"),
        expect(&[("lead", D1)]),
        "beta was lost on main only"
    );
    assert_eq!(side, fx.fresh());
    fx.git(&["checkout", "-q", "main"]);
    assert_eq!(fx.history(), reset);
}

#[test]
fn a_damaged_or_foreign_cache_file_is_ignored_and_rebuilt() {
    let fx = branchy();
    let expected = fx.history();
    let path = fx.cache_files().pop().expect("a cache file");
    let good = std::fs::read(&path).unwrap();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let mut foreign = b"FNLHIST\n".to_vec();
    foreign.extend_from_slice(&[0xff; 64]);
    let damaged: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("one byte flipped", flipped),
        ("garbage", b"not a cache at all\n".repeat(100)),
        ("foreign", foreign),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(fx.history(), expected, "{what}");
        assert_eq!(std::fs::read(&path).unwrap(), good, "{what}: rebuilt");
    }
}

#[test]
fn shallow_clones_are_partial_and_skewed_dates_are_reported() {
    let fx = branchy();
    // Authored before its parent: the graph order still wins.
    fx.mv("qualified/acme.toml", "won/acme.toml");
    fx.commit("2025-12-01T00:00:00Z", "acme won, dated in the past");
    let history = fx.history();
    assert_eq!(history.skew.len(), 1, "{:?}", history.skew);
    assert!(
        history.skew[0].contains("2025-12-01T00:00:00Z"),
        "{:?}",
        history.skew
    );
    assert_eq!(
        entries(&history, "acme"),
        expect(&[
            ("lead", D1),
            ("qualified", D2),
            ("won", "2025-12-01T00:00:00Z")
        ])
    );
    assert_eq!(history.partial, None);

    let url = format!("file://{}", fx.dir.display());
    let clone = fx.dir.parent().unwrap().join("clone");
    fx.git(&["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()]);
    let shallow = fx.history_at(&clone, &STAGES);
    let why = shallow.partial.clone().expect("a shallow clone is partial");
    assert!(why.contains("shallow"), "{why}");
    // History starts at the boundary.
    assert_eq!(
        entries(&shallow, "acme"),
        expect(&[("won", "2025-12-01T00:00:00Z")])
    );
}

#[test]
fn the_history_of_a_generated_pipeline_equals_its_recorded_truth() {
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-pipeline.py");
    if !generator.exists() {
        crate::support::skip(&format!(
            "{}: the pipeline generator {} is missing (../shared is beside the project only on the developers' machines and in CI)",
            "the_history_of_a_generated_pipeline_equals_its_recorded_truth",
            generator.display()
        ));
        return;
    }
    let fx = Fixture::new();
    let out = fx.dir.parent().unwrap().join("generated");
    let truth = fx.dir.parent().unwrap().join("truth.jsonl");
    let mut cmd = fx.command("python3");
    let status = cmd
        .arg(&generator)
        .arg(&out)
        .args(["--deals", "300", "--days", "120", "--truth"])
        .arg(&truth)
        .status()
        .expect("run python3");
    assert!(status.success(), "gen-pipeline.py failed");

    let mut expected: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for line in std::fs::read_to_string(&truth).unwrap().lines() {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        expected
            .entry(entry["deal"].as_str().unwrap().to_string())
            .or_default()
            .push((
                entry["stage"].as_str().unwrap().to_string(),
                entry["at"].as_i64().unwrap(),
            ));
    }
    let merges = fx
        .command("git")
        .current_dir(&out)
        .args(["rev-list", "--merges", "--count", "HEAD"])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&merges.stdout).trim(), "0");

    for pass in ["cold", "cached"] {
        let history = fx.history_at(&out, &STAGES);
        let derived: HashMap<String, Vec<(String, i64)>> = history
            .deals
            .values()
            .map(|t| {
                let entries = t
                    .entries
                    .iter()
                    .map(|e| (e.stage.clone(), e.at.as_second()))
                    .collect();
                (t.id.clone(), entries)
            })
            .collect();
        assert_eq!(derived.len(), expected.len(), "{pass}: deals");
        for (deal, truth) in &expected {
            assert_eq!(derived.get(deal), Some(truth), "{pass}: {deal}");
        }
    }
}

/// A commit that touches many deal files (a bulk import, a mass move, a
/// rename of many deals) is read with the same rules as a small one: every
/// move and rename in it is paired and every removal found (past the size
/// where the pairing uses a map instead of a scan).
#[test]
fn a_commit_that_moves_and_renames_many_deals_at_once() {
    let fx = Fixture::new();
    for n in 0..50 {
        fx.deal(&format!("lead/deal-{n}.toml"), 1000);
    }
    fx.commit(D1, "import 50 deals");
    for n in 0..40 {
        fx.mv(
            &format!("lead/deal-{n}.toml"),
            &format!("contact/deal-{n}.toml"),
        );
    }
    fx.mv("lead/deal-45.toml", "lead/deal-45-renewal.toml");
    fx.rm("lead/deal-46.toml");
    fx.rm("lead/deal-47.toml");
    fx.commit(
        D2,
        "move 40, rename one, remove two\n\nFunnel-Deal: deal-45-renewal\nFunnel-Renamed-From: deal-45",
    );
    let history = fx.history();
    assert_eq!(history.deals.len(), 48);
    let removed: Vec<(&str, Option<Timestamp>)> = history
        .removed
        .iter()
        .map(|t| (t.id.as_str(), t.removed.map(|r| r.0)))
        .collect();
    assert_eq!(
        removed,
        [("deal-46", Some(at(D2))), ("deal-47", Some(at(D2)))]
    );
    for n in [0, 17, 39] {
        assert_eq!(
            entries(&history, &format!("deal-{n}")),
            expect(&[("lead", D1), ("contact", D2)])
        );
    }
    assert_eq!(entries(&history, "deal-44"), expect(&[("lead", D1)]));
    let renewal = timeline(&history, "deal-45-renewal");
    assert_eq!(renewal.renamed_from, ["deal-45"]);
    assert_eq!(
        entries(&history, "deal-45-renewal"),
        expect(&[("lead", D1)])
    );
}

/// A deal removed on a branch is removed when the removal is authored; a
/// removal that the merge threw away (the file kept) is no removal.
#[test]
fn removals_on_branches_count_when_merged_in_and_not_when_thrown_away() {
    let fx = Fixture::new();
    fx.deal("lead/kept.toml", 1);
    fx.deal("lead/dropped.toml", 2);
    fx.commit(D1, "add");
    fx.git(&["checkout", "-q", "-b", "side"]);
    fx.rm("lead/dropped.toml");
    fx.rm("lead/kept.toml");
    fx.commit(D2, "rm both (on a branch)");
    fx.git(&["checkout", "-q", "main"]);
    fx.deal("lead/other.toml", 3);
    fx.commit(D3, "add other");
    // The merge takes the branch's removal of `dropped` and keeps `kept`.
    fx.git_with(
        &["merge", "-q", "--no-ff", "--no-commit", "side"],
        &[("GIT_AUTHOR_DATE", D4)],
    );
    fx.deal("lead/kept.toml", 1);
    fx.commit(D4, "Merge branch 'side', keeping kept");

    let history = fx.history();
    assert_eq!(ids(&history), ["kept", "other"]);
    let removed: Vec<(&str, Option<Timestamp>)> = history
        .removed
        .iter()
        .map(|t| (t.id.as_str(), t.removed.map(|r| r.0)))
        .collect();
    assert_eq!(removed, [("dropped", Some(at(D2)))]);
}
