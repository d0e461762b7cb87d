//! Kill tests: every mutating command is stopped at each step of the write
//! path (`FUNNEL_FAILPOINT`, honoured by debug builds), killed there with
//! SIGKILL, and the next funnel command must finish or undo it with no
//! hand fix: work tree and index equal HEAD, no lock or temporary file
//! left, `check` clean, the deal there exactly once, and the command can
//! be run again.

use std::io::{BufRead, BufReader};

use crate::support::TestEnv;

/// The steps of `store::write`, in order; from `ref` on the commit exists.
pub const STEPS: [&str; 8] = [
    "journal",
    "locked",
    "files",
    "hooks",
    "commit",
    "index",
    "ref",
    "published",
];

pub fn committed_at(step: &str) -> bool {
    matches!(step, "ref" | "published")
}

/// A pipeline with `acme` in lead, ready to qualify.
fn pipeline() -> TestEnv {
    let env = TestEnv::pipeline();
    env.funnel(&[
        "add",
        "Acme",
        "--value",
        "5000",
        "--set",
        "qualification.need=Spreadsheets",
        "--set",
        "qualification.problem_agreed=yes",
    ])
    .success();
    env
}

/// Runs `args` stopped at `step`, kills it, and returns HEAD before.
pub fn kill_at(env: &TestEnv, args: &[&str], step: &str) -> String {
    let head = env.git(&["rev-parse", "HEAD"]);
    let mut child = env.spawn_funnel_with(args, &[("FUNNEL_FAILPOINT", step)]);
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let stopped = lines.any(|l| l.is_ok_and(|l| l.contains("stopped at failpoint")));
    assert!(stopped, "{args:?} never reached the failpoint {step}");
    child.kill().unwrap();
    child.wait().unwrap();
    head
}

/// What must hold after any interrupted command and the next command.
#[track_caller]
fn assert_clean(env: &TestEnv, what: &str) {
    assert_eq!(env.git(&["status", "--porcelain"]), "", "{what}: status");
    assert!(!env.path(".git/index.lock").exists(), "{what}: index.lock");
    assert!(!env.path(".git/funnel/journal").exists(), "{what}: journal");
    let temps: Vec<String> = walk(&env.repo)
        .into_iter()
        .filter(|p| p.contains("funnel-tmp") || p.ends_with(".lock") && !p.ends_with("write.lock"))
        .collect();
    assert!(temps.is_empty(), "{what}: left over {temps:?}");
    let check = env.funnel(&["check"]);
    assert_eq!(check.status, 0, "{what}: check: {}", check.stderr);
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            if !path.ends_with("objects") {
                out.extend(walk(&path));
            }
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

/// Kills `args` at every step; after each, a read command recovers, and
/// the command then runs again (`retry` says how it ends).
fn every_step(args: &[&str], subject: &str, setup: fn(&TestEnv), retry_after_commit: Option<&str>) {
    for step in STEPS {
        let env = pipeline();
        setup(&env);
        let commits = env.commit_count();
        let head = kill_at(&env, args, step);
        let next = env.funnel(&["list", "--all"]);
        next.success();
        let said = if committed_at(step) {
            format!(
                "funnel: finished the interrupted `{subject}`: it was committed; the index is updated\n"
            )
        } else {
            format!(
                "funnel: undid the interrupted `{subject}`: it was not committed; its files are as before\n"
            )
        };
        assert_eq!(next.stderr, said, "{args:?} killed at {step}");
        assert_clean(&env, &format!("{args:?} killed at {step}"));
        if committed_at(step) {
            assert_eq!(env.commit_count(), commits + 1, "{step}");
            assert_eq!(env.git(&["log", "-1", "--format=%s"]).trim(), subject);
            let again = env.funnel(args);
            match retry_after_commit {
                Some(message) => assert_eq!(again.stderr, message, "{step}"),
                None => {
                    again.success();
                }
            }
        } else {
            assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "{step}");
            assert_eq!(env.commit_count(), commits, "{step}");
            env.funnel(args).success();
            assert_eq!(env.git(&["log", "-1", "--format=%s"]).trim(), subject);
        }
        assert_clean(&env, &format!("{args:?} after the retry, killed at {step}"));
    }
}

fn nothing(_: &TestEnv) {}

#[test]
fn move_killed_at_every_step_recovers() {
    every_step(
        &["move", "acme", "qualified"],
        "move acme: lead -> qualified",
        nothing,
        Some("error: `acme` is already in `qualified`\n"),
    );
}

#[test]
fn set_killed_at_every_step_recovers() {
    every_step(
        &["set", "acme", "value=7000"],
        "set acme: value=7000",
        nothing,
        Some("error: `acme` already has those values: nothing to commit\n"),
    );
}

#[test]
fn add_killed_at_every_step_recovers() {
    every_step(
        &["add", "Globex"],
        "add globex: lead",
        nothing,
        Some(
            "error: a deal titled \"Globex\" exists already: `globex`\nhint: to add another deal with this title, give it an ID: funnel add \"Globex\" --id globex-2\n",
        ),
    );
}

#[test]
fn rm_killed_at_every_step_recovers() {
    every_step(
        &["rm", "acme"],
        "rm acme",
        nothing,
        Some("error: no deal `acme`\nhint: `funnel list --all` shows every deal's ID\n"),
    );
}

#[test]
fn rename_killed_at_every_step_recovers() {
    every_step(
        &["rename", "acme", "acme-corp"],
        "rename acme -> acme-corp",
        nothing,
        Some("error: no deal `acme`\nhint: `funnel list --all` shows every deal's ID\n"),
    );
}

#[test]
fn snooze_killed_at_every_step_recovers() {
    every_step(
        &["snooze", "acme", "2026-12-15", "--reason", "on leave"],
        "snooze acme: until 2026-12-15",
        nothing,
        Some(
            "error: nothing to commit: `snooze acme: until 2026-12-15` changes nothing that is not committed already\n",
        ),
    );
}

#[test]
fn a_hand_edit_made_before_the_command_survives_its_undoing() {
    let env = pipeline();
    let edited = env.read("lead/acme.toml").replace("5000", "5500");
    env.write("lead/acme.toml", &edited);
    kill_at(&env, &["set", "acme", "owner=bob"], "index");
    env.funnel(&["list"]).success();
    assert_eq!(env.read("lead/acme.toml"), edited);
    assert_eq!(env.git(&["status", "--porcelain"]), " M lead/acme.toml\n");
}

#[test]
fn a_mutating_command_recovers_before_it_starts() {
    let env = pipeline();
    kill_at(&env, &["move", "acme", "qualified"], "commit");
    let run = env.funnel(&["set", "acme", "owner=bob"]);
    run.success();
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        "funnel: undid the interrupted `move acme: lead -> qualified`: it was not committed; its files are as before"
    );
    assert!(env.path("lead/acme.toml").exists());
    assert_clean(&env, "set after a killed move");
}

#[test]
fn check_says_nothing_while_a_command_writes_and_leaves_its_journal_alone() {
    let env = pipeline();
    let mut child = env.spawn_funnel_with(
        &["set", "acme", "owner=bob"],
        &[("FUNNEL_FAILPOINT", "files")],
    );
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("stopped at failpoint"))));
    // The writer holds the lock: a read command does not undo its work.
    env.funnel(&["list"]).success();
    assert!(env.path(".git/funnel/journal").exists());
    child.kill().unwrap();
    child.wait().unwrap();
    env.funnel(&["list"]).success();
    assert_clean(&env, "after the writer was killed");
}

#[test]
fn check_names_many_files_not_committed_in_one_line() {
    let env = pipeline();
    for n in 1..=5 {
        env.write(&format!("lead/new-{n}.toml"), "title = \"New\"\n");
    }
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(
        run.stderr,
        "warning: 5 deal files are not committed (lead/new-1.toml, lead/new-2.toml, lead/new-3.toml and 2 more; `git status` lists them): commit them (`git add -A && git commit`) or remove them\nok: 6 deals, no problems\n"
    );
    // JSON names every file, typed.
    let json = env.funnel(&["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        doc["warnings"],
        serde_json::json!([{
            "kind": "not_committed",
            "paths": ["lead/new-1.toml", "lead/new-2.toml", "lead/new-3.toml", "lead/new-4.toml", "lead/new-5.toml"],
            "message": "5 deal files are not committed (lead/new-1.toml, lead/new-2.toml, lead/new-3.toml and 2 more; `git status` lists them)",
            "fix": "commit them (`git add -A && git commit`) or remove them",
        }])
    );
}

#[test]
fn check_names_what_it_cannot_repair_with_the_command_that_does() {
    let env = pipeline();
    env.funnel(&["add", "Globex"]).success();
    // A hand edit, a staged move, a temporary file and a lock from a git
    // command that died.
    let text = env.read("lead/acme.toml");
    env.write("lead/acme.toml", &format!("{text}seats = 40\n"));
    env.git(&["mv", "lead/globex.toml", "contact/globex.toml"]);
    env.write("lead/.acme.toml.funnel-tmp", "half");
    env.write(".git/index.lock", "");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(env.path(".git/index.lock"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(
        run.stderr,
        "warning: contact/globex.toml is staged but not committed (the index differs from HEAD): commit it (`git commit`) or unstage it (`git restore --staged contact/globex.toml`)
warning: lead/globex.toml is staged but not committed (the index differs from HEAD): commit it (`git commit`) or unstage it (`git restore --staged lead/globex.toml`)
warning: lead/acme.toml has changes that are not committed: commit them (`git add -A lead/acme.toml && git commit`) or drop them (`git restore --staged --worktree lead/acme.toml`)
warning: lead/.acme.toml.funnel-tmp is a temporary file an interrupted funnel command left: remove it (`rm 'lead/.acme.toml.funnel-tmp'`)
warning: .git/index.lock is left from a git command that ended (it is older than every running git process): it blocks every commit; remove it (`rm .git/index.lock`)
ok: 2 deals, no problems
"
    );
}
