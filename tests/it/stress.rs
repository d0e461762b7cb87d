//! Concurrent writers: ten `funnel` processes at once on one repository,
//! each running its own sequence of twenty mutations (`add` with distinct
//! titles, `move` of shared and of its own deals, `set` of unique fields on
//! shared and own deals). Afterwards the repository must tell the truth:
//!
//! - every mutation that exited 0 is in HEAD's history exactly once (the
//!   commit it printed is reachable, its subject appears once, and its
//!   effect is in HEAD's files);
//! - every one that exited non-zero left no trace, and said why in a clear
//!   funnel message (never raw libgit2 text);
//! - the work tree and the index equal HEAD, `funnel check` is clean, and no
//!   temp or lock file is left behind.
//!
//! Mutations refused for a reason of the data (a shared deal that another
//! process already moved, a stage whose `require`d fields are missing) are
//! expected; any other refusal between funnel processes is a failure unless
//! it is a bounded wait for the funnel lock that ran out, which must say so.
//!
//! One round takes a few seconds in a debug build. `FUNNEL_STRESS_ROUNDS=N`
//! repeats the whole scenario N times on fresh repositories.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::support::{Run, TestEnv};

const PROCESSES: usize = 10;
const COMMANDS: usize = 20;
const SHARED_MOVES: usize = 3;

/// Text that only libgit2 (or an unwrapped `git2::Error`) produces: a user
/// must never see it.
const RAW_GIT: &[&str] = &[
    "failed to lock file",
    "old reference value does not match",
    "current tip is not the first parent",
    "the index is locked",
    "class=",
    "code=",
    "error: git:",
];

/// Refusals that come from the data, not from the concurrency.
const SEMANTIC: &[&str] = &["is already in", "requires"];

/// What a refused mutation may say when the bounded wait for the funnel
/// lock ran out (a clear refusal, counted separately).
const LOCK_TIMEOUT: &str = "another funnel command";

#[derive(Clone, Debug)]
enum Mutation {
    Add {
        title: String,
        id: String,
    },
    Move {
        id: String,
        stage: String,
    },
    Set {
        id: String,
        key: String,
        value: String,
    },
}

impl Mutation {
    fn args(&self) -> Vec<String> {
        match self {
            Mutation::Add { title, .. } => vec!["add".into(), title.clone()],
            Mutation::Move { id, stage } => vec!["move".into(), id.clone(), stage.clone()],
            Mutation::Set { id, key, value } => {
                vec!["set".into(), id.clone(), format!("{key}={value}")]
            }
        }
    }
}

struct Done {
    process: usize,
    mutation: Mutation,
    run: Run,
}

/// A small deterministic generator, so a failing round can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Process `p`'s twenty mutations, shuffled, with its own deal's moves kept
/// in their order (lead -> contact -> negotiation -> won).
fn plan(p: usize, round: usize) -> Vec<Mutation> {
    let set = |id: &str, key: String, value: String| Mutation::Set {
        id: id.into(),
        key,
        value,
    };
    let own = format!("own-t{p}");
    let mut list = Vec::new();
    for k in 0..4 {
        let title = format!("Stress t{p} n{k}");
        let id = format!("stress-t{p}-n{k}");
        list.push(Mutation::Add { title, id });
    }
    for k in 0..5 {
        list.push(set("shared-deal", format!("f{p}_{k}"), format!("v{p}_{k}")));
    }
    list.push(set("shared-two", format!("g{p}"), format!("w{p}")));
    for k in 0..3 {
        list.push(set(&own, format!("n{k}"), format!("own{p}_{k}")));
    }
    for k in 0..SHARED_MOVES {
        list.push(Mutation::Move {
            id: format!("shared-mv-{k}"),
            stage: "contact".into(),
        });
    }
    // Refused whatever the timing: `proposal` requires value and
    // expected_close, which the deal does not have.
    list.push(Mutation::Move {
        id: own.clone(),
        stage: "proposal".into(),
    });
    let chain = ["contact", "negotiation", "won"];
    for stage in chain {
        list.push(Mutation::Move {
            id: own.clone(),
            stage: stage.into(),
        });
    }
    assert_eq!(list.len(), COMMANDS);
    let mut rng = Lcg((round as u64) << 32 | p as u64);
    for i in (1..list.len()).rev() {
        list.swap(i, rng.below(i + 1));
    }
    // Put the chain back in order in the slots it landed on.
    let slots: Vec<usize> = (0..list.len())
        .filter(|&i| {
            matches!(&list[i], Mutation::Move { id, stage }
                if *id == own && chain.contains(&stage.as_str()))
        })
        .collect();
    for (slot, stage) in slots.into_iter().zip(chain) {
        list[slot] = Mutation::Move {
            id: own.clone(),
            stage: stage.into(),
        };
    }
    list
}

fn seed(env: &TestEnv) {
    let mut ids = vec!["shared-deal".to_string(), "shared-two".to_string()];
    ids.extend((0..SHARED_MOVES).map(|k| format!("shared-mv-{k}")));
    ids.extend((0..PROCESSES).map(|p| format!("own-t{p}")));
    for id in &ids {
        env.write(
            &format!("lead/{id}.toml"),
            &format!("title = \"Seed {id}\"\nowner = \"alice\"\n"),
        );
    }
    env.commit_all("seed deals");
}

/// The commit line funnel prints on success: `[abc1234] SUBJECT`.
fn printed_commit(stderr: &str) -> Option<(String, String)> {
    let line = stderr.lines().find(|l| l.starts_with('['))?;
    let (hash, subject) = line[1..].split_once("] ")?;
    Some((hash.to_string(), subject.to_string()))
}

struct Tally {
    mutations: usize,
    ok: usize,
    refused: usize,
    expected_refusals: usize,
    lock_timeouts: usize,
    lost: usize,
    /// Refused (non-zero exit), yet committed.
    committed_anyway: usize,
    failures: Vec<String>,
}

fn round(round: usize, tally: &mut Tally) {
    let env = TestEnv::pipeline();
    seed(&env);
    let barrier = std::sync::Barrier::new(PROCESSES);
    let done: Vec<Done> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..PROCESSES)
            .map(|p| {
                let env = &env;
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    plan(p, round)
                        .into_iter()
                        .map(|mutation| {
                            let args = mutation.args();
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            let run = env.funnel(&args);
                            Done {
                                process: p,
                                mutation,
                                run,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a stress thread panicked"))
            .collect()
    });

    let log = env.git(&["log", "--format=%H %s", "HEAD"]);
    let history: Vec<(&str, &str)> = log.lines().filter_map(|l| l.split_once(' ')).collect();
    let subject_count = |subject: &str| history.iter().filter(|(_, s)| *s == subject).count();
    let reachable = |hash: &str| history.iter().any(|(h, _)| h.starts_with(hash));
    let tree = env.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    let files_of = |id: &str| -> Vec<String> {
        tree.lines()
            .filter(|p| {
                Path::new(p)
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy() == id)
                    && p.ends_with(".toml")
            })
            .map(String::from)
            .collect()
    };
    let mut head_text: BTreeMap<String, String> = BTreeMap::new();
    let mut text_at_head = |id: &str| -> String {
        head_text
            .entry(id.to_string())
            .or_insert_with(|| match files_of(id).first() {
                Some(path) => env.git(&["show", &format!("HEAD:{path}")]),
                None => String::new(),
            })
            .clone()
    };
    // Moves with the same arguments that succeeded, for the shared moves.
    let mut ok_moves: BTreeMap<(String, String), usize> = BTreeMap::new();
    for d in &done {
        if let (Mutation::Move { id, stage }, 0) = (&d.mutation, d.run.status) {
            *ok_moves.entry((id.clone(), stage.clone())).or_default() += 1;
        }
    }
    let moves_in_history = |id: &str, stage: &str| {
        history
            .iter()
            .filter(|(_, s)| {
                s.starts_with(&format!("move {id}: ")) && s.ends_with(&format!(" -> {stage}"))
            })
            .count()
    };

    let mut failures = Vec::new();
    let mut fail = |d: &Done, what: String| {
        failures.push(format!(
            "round {round} process {} `funnel {}` (exit {}): {what}\n  stderr: {}",
            d.process,
            d.mutation.args().join(" "),
            d.run.status,
            d.run.stderr.trim_end().replace('\n', "\n          ")
        ));
    };
    let mut seen_commits = HashSet::new();
    for d in &done {
        tally.mutations += 1;
        if d.run.status == 0 {
            tally.ok += 1;
            let Some((hash, subject)) = printed_commit(&d.run.stderr) else {
                fail(d, "exited 0 without naming its commit".into());
                continue;
            };
            let mut lost = false;
            if !seen_commits.insert(hash.clone()) {
                fail(
                    d,
                    format!("printed commit {hash}, which another command printed too"),
                );
            }
            if !reachable(&hash) {
                fail(
                    d,
                    format!("its commit {hash} is not in HEAD's history (lost update)"),
                );
                lost = true;
            }
            let n = subject_count(&subject);
            if n != 1 {
                fail(
                    d,
                    format!("its subject `{subject}` is in the history {n} times"),
                );
                lost |= n == 0;
            }
            match &d.mutation {
                Mutation::Add { id, .. } => {
                    let files = files_of(id);
                    if files.len() != 1 {
                        fail(
                            d,
                            format!("deal `{id}` is in HEAD {} times: {files:?}", files.len()),
                        );
                        lost |= files.is_empty();
                    }
                    if d.run.stdout != format!("lead/{id}.toml\n") {
                        fail(d, format!("printed {:?}, not lead/{id}.toml", d.run.stdout));
                    }
                }
                Mutation::Set { id, key, value } => {
                    let line = format!("{key} = \"{value}\"");
                    if !text_at_head(id).lines().any(|l| l == line) {
                        fail(
                            d,
                            format!("`{line}` is not in HEAD's {id}.toml (lost update)"),
                        );
                        lost = true;
                    }
                }
                Mutation::Move { id, stage } => {
                    let ok = ok_moves[&(id.clone(), stage.clone())];
                    if ok > 1 {
                        fail(
                            d,
                            format!("{ok} processes were told they moved {id} to {stage}"),
                        );
                    }
                }
            }
            tally.lost += usize::from(lost);
            continue;
        }
        tally.refused += 1;
        let stderr = &d.run.stderr;
        if !stderr.starts_with("error: ") {
            fail(d, "refused without an `error:` line".into());
        }
        if let Some(raw) = RAW_GIT.iter().find(|raw| stderr.contains(*raw)) {
            fail(d, format!("refused with raw git text ({raw:?})"));
        }
        if SEMANTIC.iter().any(|s| stderr.contains(s)) {
            tally.expected_refusals += 1;
        } else if stderr.contains(LOCK_TIMEOUT) {
            tally.lock_timeouts += 1;
        } else {
            fail(
                d,
                "refused for a reason other than the data: writers must wait for each other".into(),
            );
        }
        let committed = match &d.mutation {
            Mutation::Add { id, .. } => {
                let there =
                    !files_of(id).is_empty() || subject_count(&format!("add {id}: lead")) != 0;
                if there {
                    fail(d, format!("refused, yet deal `{id}` is in HEAD"));
                }
                there
            }
            Mutation::Set { id, key, value } => {
                let line = format!("{key} = \"{value}\"");
                let in_file = text_at_head(id).lines().any(|l| l == line);
                if in_file {
                    fail(d, format!("refused, yet `{line}` is in HEAD's {id}.toml"));
                }
                let in_log = subject_count(&format!("set {id}: {key}={value}")) != 0;
                if in_log {
                    fail(d, "refused, yet its commit is in the history".into());
                }
                in_file || in_log
            }
            Mutation::Move { id, stage } => {
                let ok = ok_moves
                    .get(&(id.clone(), stage.clone()))
                    .copied()
                    .unwrap_or(0);
                let n = moves_in_history(id, stage);
                if n != ok {
                    fail(
                        d,
                        format!("{n} commits move {id} to {stage}, but {ok} commands succeeded"),
                    );
                }
                n > ok
            }
        };
        tally.committed_anyway += usize::from(committed);
    }
    tally.failures.extend(failures);
    for k in 0..SHARED_MOVES {
        let key = (format!("shared-mv-{k}"), "contact".to_string());
        if ok_moves.get(&key).copied().unwrap_or(0) != 1 {
            tally.failures.push(format!(
                "round {round}: `move shared-mv-{k} contact` succeeded {} times, not once",
                ok_moves.get(&key).copied().unwrap_or(0)
            ));
        }
    }

    let mut repo_failure = |what: String| tally.failures.push(format!("round {round}: {what}"));
    let status = env.status();
    if !status.is_empty() {
        repo_failure(format!("git status --porcelain is not empty:\n{status}"));
    }
    let cached = env.git(&["diff", "--cached", "--name-status"]);
    if !cached.is_empty() {
        repo_failure(format!("the index differs from HEAD:\n{cached}"));
    }
    let check = env.funnel(&["check"]);
    if check.status != 0 {
        repo_failure(format!(
            "funnel check exited {}:\n{}{}",
            check.status, check.stdout, check.stderr
        ));
    }
    let leftovers = leftovers(&env.repo);
    if !leftovers.is_empty() {
        repo_failure(format!("temp or lock files left behind: {leftovers:?}"));
    }
}

/// `*.funnel-tmp` files anywhere and `*.lock` files under `.git` (but
/// funnel's own `write.lock`, which stays: the kernel's lock on it ends
/// with its process).
fn leftovers(repo: &Path) -> Vec<String> {
    fn walk(dir: &Path, in_git: bool, out: &mut Vec<String>, repo: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let in_git = in_git || name == ".git";
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, in_git, out, repo);
            } else if name.contains(".funnel-tmp")
                || (in_git && name.ends_with(".lock") && name != "write.lock")
            {
                out.push(
                    path.strip_prefix(repo)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(repo, false, &mut out, repo);
    out
}

#[test]
fn ten_concurrent_writers_lose_nothing() {
    let rounds: usize = std::env::var("FUNNEL_STRESS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let mut tally = Tally {
        mutations: 0,
        ok: 0,
        refused: 0,
        expected_refusals: 0,
        lock_timeouts: 0,
        lost: 0,
        committed_anyway: 0,
        failures: Vec::new(),
    };
    let started = std::time::Instant::now();
    for r in 0..rounds {
        round(r, &mut tally);
    }
    eprintln!(
        "stress: {rounds} round(s) of {PROCESSES} processes x {COMMANDS} commands in {:.1}s: \
         mutations {}, ok {}, refused {} (expected {}, lock waits ran out {}), \
         refused yet committed: {}, lost: {}, failures: {}",
        started.elapsed().as_secs_f64(),
        tally.mutations,
        tally.ok,
        tally.refused,
        tally.expected_refusals,
        tally.lock_timeouts,
        tally.committed_anyway,
        tally.lost,
        tally.failures.len()
    );
    assert!(
        tally.failures.is_empty(),
        "{} failure(s), lost: {}\n{}",
        tally.failures.len(),
        tally.lost,
        tally.failures.join("\n")
    );
}
