//! The team load test: 20 clones of one bare remote, each making 25
//! changes and running `funnel sync` after every fifth, all at once. The
//! remote must end with all 500 changes exactly once, the history engine
//! must attribute each to its author at its author time, and `check` must
//! be clean. Slow (some 2,000 git and funnel processes), so ignored in
//! `cargo test` (`TEAM_LOAD_CLONES=3` makes a smaller smoke run):
//! `benches/team-load.sh` runs it and prints the wall time and retries.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use funnel::git::Repo;
use funnel::git::history;

use crate::support::TestEnv;
use crate::team::Team;

/// The number of clones: 20, or `TEAM_LOAD_CLONES` for a smaller smoke run.
fn clones() -> usize {
    std::env::var("TEAM_LOAD_CLONES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}
const CHANGES: usize = 25;
const SYNC_EVERY: usize = 5;

/// Minutes after 2026-11-02T00:00Z: each change's author time, distinct.
fn at(clone: usize, change: usize) -> String {
    let minutes = clone * CHANGES + change;
    format!(
        "2026-11-{:02}T{:02}:{:02}:00Z",
        2 + minutes / 1440,
        minutes / 60 % 24,
        minutes % 60
    )
}

/// The `funnel` arguments and the expected commit subject of change
/// `change` of clone `clone`: ten new deals, five of them lost, ten value
/// changes.
fn change(clone: usize, change: usize) -> (Vec<String>, String) {
    let deal = |k: usize| format!("r{clone:02}-d{k}");
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match change {
        0..10 => {
            let id = deal(change);
            (
                strings(&[
                    "add",
                    &format!("R{clone:02} D{change}"),
                    "--id",
                    &id,
                    "--value",
                    "1000",
                ]),
                format!("add {id}: lead"),
            )
        }
        10..15 => {
            let id = deal(change - 10);
            (
                strings(&["move", &id, "lost", "--reason", "price"]),
                format!("move {id}: lead -> lost"),
            )
        }
        _ => {
            let id = deal(change - 15);
            let value = format!("value={}", 2000 + change);
            (strings(&["set", &id, &value]), format!("set {id}: {value}"))
        }
    }
}

#[test]
#[ignore = "slow: run by benches/team-load.sh"]
fn twenty_clones_sync_500_changes_concurrently() {
    let team = Team::new();
    let (env, remote) = (&team.env, &team.remote);
    let count = clones();
    let clones: Vec<PathBuf> = (0..count)
        .map(|c| team.clone(&format!("rep{c:02}")))
        .collect();
    let started = Instant::now();
    let rounds: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = clones
            .iter()
            .enumerate()
            .map(|(c, dir)| scope.spawn(move || work(env, c, dir)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    let retries: usize = rounds.iter().map(|(r, _)| r).sum();
    let reruns: usize = rounds.iter().map(|(_, r)| r).sum();
    let _ = writeln!(
        std::io::stderr(),
        "team load: {count} clones x {CHANGES} changes, sync every {SYNC_EVERY}: {:.1} s wall, {retries} push retries inside sync, {reruns} syncs run again",
        wall.as_secs_f64()
    );
    // Exactly the 500 changes (and the init), each once, by its author at
    // its author time.
    let log = env.git_in(remote, &["log", "--format=%ae|%at|%s", "main"]);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for line in log.lines() {
        *seen.entry(line.to_string()).or_default() += 1;
    }
    let mut expected = BTreeSet::new();
    for c in 0..count {
        for n in 0..CHANGES {
            let (_, subject) = change(c, n);
            expected.insert(format!(
                "rep{c:02}@example.com|{}|{subject}",
                at(c, n).parse::<jiff::Timestamp>().unwrap().as_second()
            ));
        }
    }
    assert_eq!(
        log.lines().count(),
        count * CHANGES + 1,
        "500 changes and the init"
    );
    for line in &expected {
        assert_eq!(seen.get(line), Some(&1), "{line} once");
    }
    // The history engine, on a fresh clone, attributes each stage entry.
    env.git_in(
        &env.home,
        &["clone", "-q", remote.to_str().unwrap(), "fresh"],
    );
    let fresh = env.home.join("fresh");
    let repo = Repo::open(&fresh).unwrap().unwrap();
    let config = funnel::model::config::Config::parse(funnel::model::config::DEFAULT).unwrap();
    let stages: Vec<&str> = config.stage_ids().collect();
    let history = history::load(&repo, &stages).unwrap();
    assert_eq!(history.deals.len(), count * 10);
    for c in 0..count {
        for k in 0..10 {
            let timeline = &history.deals[&format!("r{c:02}-d{k}")];
            let mut entries = vec![("lead", at(c, k))];
            if k < 5 {
                entries.push(("lost", at(c, 10 + k)));
            }
            let got: Vec<(String, String, String)> = timeline
                .entries
                .iter()
                .map(|e| {
                    (
                        e.stage.clone(),
                        e.at.to_string(),
                        e.author_email.to_string(),
                    )
                })
                .collect();
            let want: Vec<(String, String, String)> = entries
                .iter()
                .map(|(s, t)| (s.to_string(), t.clone(), format!("rep{c:02}@example.com")))
                .collect();
            assert_eq!(got, want);
            // The add, the move (when lost) and the value change.
            let versions = 2 + usize::from(k < 5);
            assert_eq!(timeline.versions.len(), versions, "r{c:02}-d{k}");
        }
    }
    let check = env.funnel_in(&fresh, &["check"], &[]);
    check.success();
    assert_eq!(
        check.stderr,
        format!("ok: {} deals, no problems\n", count * 10)
    );
}

/// One rep's work: the changes, a sync after every fifth. Returns the
/// push retries sync made itself and the syncs run again because the
/// remote kept moving.
fn work(env: &TestEnv, clone: usize, dir: &Path) -> (usize, usize) {
    let (mut retries, mut reruns) = (0, 0);
    for n in 0..CHANGES {
        let (mut args, _) = change(clone, n);
        args.extend(["--at".to_string(), at(clone, n)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.funnel_in(dir, &args, &[]);
        assert_eq!(run.status, 0, "{args:?}: {}", run.stderr);
        if (n + 1) % SYNC_EVERY == 0 {
            loop {
                let run = env.funnel_in(dir, &["sync", "--format", "json"], &[]);
                if run.status == 0 {
                    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                    retries += doc["attempts"].as_u64().unwrap() as usize - 1;
                    break;
                }
                assert!(
                    run.stderr.contains("the remote moved during each of"),
                    "sync in {}: {}",
                    dir.display(),
                    run.stderr
                );
                reruns += 1;
            }
        }
    }
    (retries, reruns)
}
