//! The team workflow: the README's tour as written, `diff` between
//! branches (whole markdown and JSON), `log`'s git conventions, `undo`,
//! and two clones of one bare remote moving, pushing, pulling and
//! `sync`ing, with and without conflicts; the pull-request recipe in
//! examples/; shallow clones saying their history is partial.

use std::path::{Path, PathBuf};

use std::process::Command;

use crate::support::{TestEnv, crate_dir};

/// The ```sh blocks of the README from the tour's heading to the next
/// section, in order.
fn tour_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).unwrap();
    let start = readme.find("## A five-minute tour").expect("the tour");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |n| n + 3);
    let mut blocks = Vec::new();
    let mut text = &rest[..end];
    while let Some(open) = text.find("```sh\n") {
        let body = &text[open + 6..];
        let close = body.find("```").expect("a closed block");
        blocks.push(body[..close].to_string());
        text = &body[close + 3..];
    }
    blocks
}

/// A shell with the built funnel first on PATH, the test's HOME and git
/// identity, in `dir`.
fn shell(env: &TestEnv, dir: &Path, script: &str) -> crate::support::Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_funnel")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &env.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("EDITOR", "true")
        .output()
        .unwrap();
    crate::support::Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let env = TestEnv::new();
    // A user whose git has no init.defaultBranch: funnel init makes `main`.
    std::fs::write(
        env.home.join(".gitconfig"),
        "[user]\n\tname = Alice Nowak\n\temail = alice@example.com\n",
    )
    .unwrap();
    let blocks = tour_blocks();
    assert!(blocks.len() >= 3, "{blocks:?}");
    let script = blocks.join("\n");
    assert!(script.contains("funnel diff main..feature"));
    let run = shell(&env, &env.repo, &script);
    run.success();
    let sales = env.repo.join("sales");
    assert_eq!(
        env.git_in(&sales, &["branch", "--show-current"]).trim(),
        "feature"
    );
    let log = env.git_in(&sales, &["log", "--format=%s", "main..feature"]);
    assert_eq!(
        log,
        "Globex: call booked\nundo: set globex-renewal: value=9000\nset globex-renewal: value=9000\nadd globex-renewal: lead\n"
    );
    assert!(
        run.stdout
            .contains("| `new globex-renewal in lead (8000 USD)` |")
            || run.stdout.contains("new globex-renewal in lead (8000 USD)"),
        "{}",
        run.stdout
    );
}

/// A bare remote on `main` and Alice's clone (the test's repository) with
/// a pipeline pushed to it; `clone(name)` adds a teammate's clone.
pub struct Team {
    pub env: TestEnv,
    pub remote: PathBuf,
}

impl Team {
    pub fn new() -> Team {
        let env = TestEnv::pipeline();
        let remote = env.home.join("remote.git");
        env.git(&[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            remote.to_str().unwrap(),
        ]);
        env.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        env.git(&["push", "-q", "-u", "origin", "main"]);
        Team { env, remote }
    }

    /// A clone for `name` (email NAME@example.com).
    pub fn clone(&self, name: &str) -> PathBuf {
        let dir = self.env.home.join(name);
        self.env.git_in(
            &self.env.home,
            &["clone", "-q", self.remote.to_str().unwrap(), name],
        );
        self.env.git_in(&dir, &["config", "user.name", name]);
        self.env.git_in(
            &dir,
            &["config", "user.email", &format!("{name}@example.com")],
        );
        dir
    }

    fn alice(&self) -> &Path {
        &self.env.repo
    }

    fn funnel(&self, dir: &Path, args: &[&str]) -> crate::support::Run {
        self.env.funnel_in(dir, args, &[])
    }

    /// `git log --format=%an|%s` of the remote's main, oldest first.
    fn remote_log(&self) -> String {
        self.env.git_in(
            &self.remote,
            &[
                "log",
                "--reverse",
                "--format=%an|%ad|%s",
                "--date=short",
                "main",
            ],
        )
    }
}

/// A deal file in a stage with every field a stage may require.
fn qualified(title: &str, value: u32, close: &str) -> String {
    format!(
        "title = \"{title}\"\nowner = \"alice\"\nvalue = {value}\nexpected_close = {close}\nnext_step = \"Call\"\nnext_step_due = 2026-12-01\n\n[qualification]\nneed = \"Fewer spreadsheets\"\nproblem_agreed = true\n"
    )
}

#[test]
fn diff_between_branches_in_markdown_and_json() {
    let env = TestEnv::pipeline();
    for (path, title, value) in [
        ("lead/acme.toml", "Acme", 5000),
        ("proposal/globex.toml", "Globex", 12000),
        ("negotiation/initech.toml", "Initech", 30000),
        ("contact/umbrella.toml", "Umbrella", 8000),
    ] {
        env.write(path, &qualified(title, value, "2026-12-20"));
    }
    env.git(&["add", "-A"]);
    env.git_output(
        &["commit", "-qm", "the pipeline"],
        &[("GIT_AUTHOR_DATE", "2026-11-02T09:00:00Z")],
    );
    env.git(&["switch", "-q", "-c", "feature"]);
    let at = |args: &[&str], day: &str| {
        let mut all = args.to_vec();
        all.extend(["--at", day]);
        env.funnel(&all).success();
    };
    at(
        &[
            "add",
            "Hooli",
            "--value",
            "4000",
            "--close",
            "2026-12-31",
            "--next-step",
            "Demo",
            "--due",
            "2026-12-02",
        ],
        "2026-11-20",
    );
    at(&["move", "acme", "qualified"], "2026-11-21");
    at(&["move", "initech", "won"], "2026-11-22");
    at(
        &["move", "umbrella", "lost", "--reason", "price"],
        "2026-11-23",
    );
    at(
        &["set", "globex", "value=15000", "expected_close=2027-01-31"],
        "2026-11-24",
    );
    // Each side is read from memory: nothing is written, not even a
    // temporary file.
    let scratch = env.home.join("tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    let markdown = env.funnel_with(
        &["diff", "main...feature", "--format", "markdown"],
        &[("TMPDIR", scratch.to_str().unwrap())],
        None,
    );
    markdown.success();
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    assert!(!markdown.stdout.contains('\x1b'), "no terminal escapes");
    // The fork point's id changes with what `init` writes: named, not
    // spelled out.
    let base = env.git(&["merge-base", "main", "feature"]);
    let (base, to) = (base.trim(), env.git(&["rev-parse", "feature"]));
    let named = |text: &str| {
        text.replace(base, "BASE")
            .replace(&base[..7], "BASE")
            .replace(to.trim(), "FEATURE")
    };
    insta::assert_snapshot!("diff_branches_markdown", named(&markdown.stdout));
    let json = env.funnel(&["diff", "main...feature", "--format", "json"]);
    json.success();
    insta::assert_snapshot!("diff_branches_json", named(&json.stdout));
    // main..feature is the same here (main has not moved since the fork).
    let two_dot = env.funnel(&["diff", "main..feature", "--format", "markdown"]);
    assert_eq!(
        two_dot.stdout.lines().skip(1).collect::<Vec<_>>(),
        markdown.stdout.lines().skip(1).collect::<Vec<_>>()
    );
    // log: ranges, -n, --author, --since/--until as git log takes them.
    let log = |args: &[&str]| {
        let mut all = vec!["log", "--format", "tsv"];
        all.extend(args);
        let run = env.funnel(&all);
        run.success();
        run.stdout
            .lines()
            .skip(1)
            .map(|l| l.split('\t').skip(1).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        log(&["main..feature", "-n", "2"]),
        [
            "2026-11-24 alice value of globex: 12000 USD -> 15000 USD",
            "2026-11-24 alice close date pushed for globex: 2026-12-20 -> 2027-01-31",
            "2026-11-23 alice lost umbrella from contact (price)",
        ]
    );
    assert_eq!(
        log(&[
            "main...feature",
            "--since",
            "2026-11-21",
            "--until",
            "2026-11-22"
        ]),
        [
            "2026-11-22 alice won initech from negotiation (30000 USD)",
            "2026-11-21 alice moved acme: lead -> qualified",
        ]
    );
    assert_eq!(
        log(&["feature", "^main", "--author", "bob"]),
        Vec::<String>::new()
    );
    assert_eq!(log(&["--author", "ALICE@", "-n", "1"]).len(), 2);
    // Errors say what is wrong, not "parent 0 does not exist".
    let far = env.funnel(&["diff", "HEAD~40..HEAD"]);
    far.failure(1);
    assert_eq!(
        far.stderr,
        "error: `HEAD~40` goes back further than the history: HEAD has 7 commit(s) on its first-parent line\nhint: `git log --oneline` lists the commits\n"
    );
    let missing = env.funnel(&["log", "nosuch..main"]);
    missing.failure(1);
    assert!(
        missing
            .stderr
            .starts_with("error: no revision `nosuch` in this repository\n")
    );
}

#[test]
fn diff_fails_on_new_doctor_errors_only() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--close", "2026-12-31"])
        .success();
    env.git(&["switch", "-q", "-c", "feature"]);
    env.funnel(&["add", "Globex", "--value", "100"]).success();
    env.funnel(&["diff", "main...feature", "--fail-on", "error"])
        .success();
    // A deal long past its close date is dead: an error finding.
    env.funnel(&["set", "acme", "expected_close=2026-01-31"])
        .success();
    let run = env.funnel(&[
        "diff",
        "main...feature",
        "--fail-on",
        "error",
        "--format",
        "json",
    ]);
    run.failure(1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let kinds: Vec<&str> = doc["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"dead_deal"), "{kinds:?}");
    // Once on main, the same error is no longer new.
    env.git(&["switch", "-q", "main"]);
    env.git(&["merge", "-q", "feature"]);
    env.git(&["switch", "-q", "-c", "next"]);
    env.funnel(&["add", "Initech"]).success();
    env.funnel(&["diff", "main...next", "--fail-on", "error"])
        .success();
}

#[test]
fn sync_shares_changes_between_two_clones() {
    let team = Team::new();
    let alice = team.alice();
    team.funnel(alice, &["add", "Acme", "--value", "5000"])
        .success();
    team.funnel(alice, &["add", "Globex", "--value", "800"])
        .success();
    let first = team.funnel(alice, &["sync"]);
    first.success();
    assert_eq!(
        first.stderr,
        "synced main with origin/main: 0 commit(s) pulled, 2 pushed\nok: 2 deals, no problems\n"
    );
    let bob = team.clone("bob");
    // Concurrent work: both change different deals before either syncs.
    team.funnel(&bob, &["set", "globex", "value=900"]).success();
    team.funnel(alice, &["move", "acme", "lost", "--reason", "price"])
        .success();
    team.funnel(&bob, &["sync"]).success();
    let pulled = team.funnel(alice, &["sync"]);
    pulled.success();
    assert_eq!(
        pulled.stderr,
        "synced main with origin/main: 1 commit(s) pulled, 1 pushed\nok: 2 deals, no problems\n"
    );
    let up_to_date = team.funnel(&bob, &["sync"]);
    up_to_date.success();
    assert!(
        up_to_date
            .stderr
            .starts_with("synced main with origin/main: 1 commit(s) pulled, 0 pushed\n")
    );
    // Each change once, by its author; rebased commits keep their authors.
    assert_eq!(
        team.remote_log(),
        "Alice Nowak|2026-11-01|init pipeline\nAlice Nowak|2026-11-27|add acme: lead\nAlice Nowak|2026-11-27|add globex: lead\nbob|2026-11-27|set globex: value=900\nAlice Nowak|2026-11-27|move acme: lead -> lost\n"
    );
    assert_eq!(
        std::fs::read_to_string(bob.join("lost/acme.toml")).unwrap(),
        std::fs::read_to_string(alice.join("lost/acme.toml")).unwrap()
    );
    let show = team.funnel(&bob, &["log", "--format", "json", "-n", "1"]);
    let doc: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(doc[0]["author"], "alice@example.com");
    // With funnel.sync = merge the upstream is merged instead.
    team.env.git_in(&bob, &["config", "funnel.sync", "merge"]);
    team.funnel(alice, &["set", "acme", "value=5100"]).success();
    team.funnel(alice, &["sync"]).success();
    team.funnel(&bob, &["add", "Initech"]).success();
    team.funnel(&bob, &["sync"]).success();
    let parents = team
        .env
        .git_in(&team.remote, &["log", "-1", "--format=%p", "main"]);
    assert_eq!(parents.split_whitespace().count(), 2, "a merge commit");
}

#[test]
fn sync_refuses_what_it_cannot_share() {
    let env = TestEnv::pipeline();
    let run = env.funnel(&["sync"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: the branch main has no upstream: sync does not know where to push\nhint: add the team's repository first: `git remote add origin URL`, then `git push -u origin BRANCH`\n"
    );
    let team = Team::new();
    team.funnel(team.alice(), &["add", "Acme"]).success();
    team.env.write("lead/acme.toml", "title = \"Acme!\"\n");
    let dirty = team.funnel(team.alice(), &["sync"]);
    dirty.failure(1);
    assert_eq!(
        dirty.stderr,
        "error: changes not committed: lead/acme.toml; sync shares commits only\nhint: commit them (`git commit -am \"...\"`) or put them aside (`git stash`), then `funnel sync`\n"
    );
    team.env.git_in(&team.remote, &["log", "--oneline", "-1"]);
    assert_eq!(
        team.env
            .git_in(&team.remote, &["rev-list", "--count", "main"])
            .trim(),
        "1"
    );
}

#[test]
fn sync_explains_a_deal_moved_by_both_and_check_says_how_to_resolve() {
    let team = Team::new();
    let alice = team.alice();
    team.env
        .write("proposal/acme.toml", &qualified("Acme", 5000, "2026-12-20"));
    team.env.commit_all("Acme");
    team.funnel(alice, &["sync"]).success();
    let bob = team.clone("bob");
    team.funnel(alice, &["move", "acme", "won"]).success();
    team.funnel(alice, &["sync"]).success();
    team.funnel(&bob, &["move", "acme", "lost", "--reason", "price"])
        .success();
    let stopped = team.funnel(&bob, &["sync"]);
    stopped.failure(1);
    insta::assert_snapshot!("sync_conflict_moved_by_both", stopped.stderr);
    assert!(
        bob.join(".git/rebase-merge").exists(),
        "left in git's conflict state"
    );
    let check = team.funnel(&bob, &["check"]);
    check.failure(1);
    insta::assert_snapshot!("check_after_conflict_moved_by_both", check.stdout);
    // Resolve as told: keep won, continue, sync.
    team.env
        .git_in(&bob, &["rm", "-q", "lost/acme.toml", "proposal/acme.toml"]);
    // Both sides changed the file too (follow-up steps, the lost reason):
    // keep the upstream's version of it.
    let won = team
        .env
        .git_in(&bob, &["show", "origin/main:won/acme.toml"]);
    std::fs::write(bob.join("won/acme.toml"), won).unwrap();
    team.env.git_in(&bob, &["add", "won/acme.toml"]);
    let check = team.funnel(&bob, &["check"]);
    assert_eq!(
        (check.status, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
    let mut cont = Command::new("git");
    cont.current_dir(&bob)
        .env("HOME", &team.env.home)
        .env("GIT_EDITOR", "true")
        .args(["rebase", "--continue"]);
    assert!(cont.output().unwrap().status.success());
    team.funnel(&bob, &["sync"]).success();
    let files = team
        .env
        .git_in(&team.remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(
        files.contains("won/acme.toml") && !files.contains("lost/acme.toml"),
        "{files}"
    );
}

#[test]
fn check_after_a_merge_names_a_deal_changed_on_both_sides() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.git(&["switch", "-q", "-c", "other"]);
    env.funnel(&["set", "acme", "value=6000"]).success();
    env.git(&["switch", "-q", "main"]);
    env.funnel(&["set", "acme", "value=7000"]).success();
    let merge = env.git_output(&["merge", "-q", "other"], &[]);
    assert_ne!(merge.status, 0);
    let check = env.funnel(&["check"]);
    check.failure(1);
    insta::assert_snapshot!("check_after_merge_edited_both", check.stdout);
    // funnel refuses to write meanwhile.
    env.funnel(&["set", "acme", "value=1"]).failure(1);
}

#[test]
fn undo_reverts_the_users_last_action_and_refuses_when_later_work_depends_on_it() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.funnel(&["add", "Globex"]).success();
    env.funnel(&["rename", "acme", "acme-corp"]).success();
    let before = env.commit_count();
    let undo = env.funnel(&["undo"]);
    undo.success();
    assert_eq!(env.commit_count(), before + 1);
    assert!(undo.stderr.starts_with("undid "), "{}", undo.stderr);
    assert!(env.path("lead/acme.toml").exists() && !env.path("lead/acme-corp.toml").exists());
    let last = env.last_commit();
    assert!(
        last.starts_with(
            "undo: rename acme -> acme-corp\n\nFunnel-Deal: acme\nFunnel-Renamed-From: acme-corp\n"
        ),
        "{last}"
    );
    // History follows the deal through the rename and its undo.
    let show = env.funnel(&["show", "acme", "--format", "json"]);
    show.success();
    // Someone else's later change to the same deal blocks the undo of mine.
    env.funnel(&["set", "globex", "value=10"]).success();
    env.funnel_with(
        &["set", "globex", "value=20"],
        &[
            ("GIT_AUTHOR_EMAIL", "bob@example.com"),
            ("GIT_AUTHOR_NAME", "Bob"),
        ],
        None,
    )
    .success();
    let refused = env.funnel(&["undo"]);
    refused.failure(1);
    assert!(
        refused
            .stderr
            .contains("later commits change the same deals")
            && refused
                .stderr
                .contains("`set globex: value=20` by Bob (globex)"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.status(), "");
}

#[test]
fn a_shallow_clone_says_its_history_is_partial() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let url = format!("file://{}", demo.display());
    env.git_in(&env.home, &["clone", "-q", "--depth", "5", &url, "shallow"]);
    let shallow = env.home.join("shallow");
    for args in [
        vec!["board"],
        vec!["doctor"],
        vec!["next"],
        vec!["report"],
        vec!["show", "ironbark-fitness"],
        vec!["log", "-n", "1"],
        vec!["diff", "HEAD~1"],
        vec!["list", "idle>3"],
    ] {
        let run = env.funnel_in(&shallow, &args, &[]);
        run.success();
        assert!(
            run.stderr.contains("shallow clone") && run.stderr.contains("git fetch --unshallow"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let past = env.funnel_in(&shallow, &["diff", "HEAD~10"], &[]);
    past.failure(1);
    assert_eq!(
        past.stderr,
        "error: `HEAD~10` is past the edge of this shallow clone: HEAD has 5 commit(s) here, the older ones were not fetched\nhint: `git fetch --unshallow` fetches the whole history (or `git fetch --deepen=N` N more commits)\n"
    );
    // The full repository says nothing of the kind.
    let full = env.funnel_in(&demo, &["board"], &[]);
    assert!(!full.stderr.contains("partial"), "{}", full.stderr);
}

/// The `run:` blocks of a workflow file, in order, with the step names.
fn workflow_steps(text: &str) -> Vec<(String, String)> {
    let mut steps = Vec::new();
    let mut name = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(n) = trimmed.strip_prefix("- name: ") {
            name = n.to_string();
        }
        let Some(run) = trimmed.strip_prefix("run: ") else {
            continue;
        };
        if run != "|" {
            steps.push((name.clone(), run.to_string()));
            continue;
        }
        let indent = line.len() - trimmed.len() + 2;
        let mut body = String::new();
        while let Some(next) = lines.peek() {
            if !next.trim().is_empty() && next.len() - next.trim_start().len() < indent {
                break;
            }
            body.push_str(next.get(indent..).unwrap_or(""));
            body.push('\n');
            lines.next();
        }
        steps.push((name.clone(), body));
    }
    steps
}

#[test]
fn the_pull_request_recipe_runs_its_commands_against_a_real_repository() {
    let text =
        std::fs::read_to_string(crate_dir().join("examples/github-actions/pr-review.yml")).unwrap();
    let steps = workflow_steps(&text);
    let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install funnel",
            "Pipeline change",
            "Comment on the pull request",
            "Fail on new doctor errors"
        ]
    );
    let team = Team::new();
    team.funnel(
        team.alice(),
        &["add", "Acme", "--value", "5000", "--close", "2099-12-31"],
    )
    .success();
    team.funnel(team.alice(), &["sync"]).success();
    let pr = team.clone("bob");
    team.env.git_in(&pr, &["switch", "-q", "-c", "feature"]);
    team.funnel(
        &pr,
        &["add", "Globex", "--value", "800", "--close", "2099-12-31"],
    )
    .success();
    // A stand-in for GitHub's `gh`: it keeps what it was asked to post.
    let bin = team.env.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("gh"),
        "#!/bin/sh\necho \"$@\" > \"$HOME/gh-args\"\nwhile [ $# -gt 0 ]; do [ \"$1\" = --body-file ] && cp \"$2\" \"$HOME/gh-body\"; shift; done\n",
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("gh"))
        .status()
        .unwrap();
    let funnel_dir = Path::new(env!("CARGO_BIN_EXE_funnel")).parent().unwrap();
    let run_steps = |dir: &Path| -> Vec<i32> {
        steps
            .iter()
            .filter(|(name, _)| name != "Install funnel")
            .map(|(_, script)| {
                let out = Command::new("bash")
                    .args(["-e", "-c", script])
                    .current_dir(dir)
                    .env_clear()
                    .env(
                        "PATH",
                        format!(
                            "{}:{}:{}",
                            bin.display(),
                            funnel_dir.display(),
                            std::env::var("PATH").unwrap_or_default()
                        ),
                    )
                    .env("HOME", &team.env.home)
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("BASE", "main")
                    .env("PR", "7")
                    .output()
                    .unwrap();
                out.status.code().unwrap_or(-1)
            })
            .collect()
    };
    assert_eq!(run_steps(&pr), [0, 0, 0]);
    let body = std::fs::read_to_string(team.env.home.join("gh-body")).unwrap();
    assert!(body.starts_with("## Pipeline change: "), "{body}");
    assert!(body.contains("| new globex in lead (800 USD) |"), "{body}");
    assert_eq!(
        std::fs::read_to_string(team.env.home.join("gh-args")).unwrap(),
        "pr comment 7 --body-file funnel-diff.md\n"
    );
    // A new error finding (a deal long past its close date) fails the job,
    // after the comment is posted.
    team.funnel(&pr, &["set", "acme", "expected_close=2025-01-31"])
        .success();
    assert_eq!(run_steps(&pr), [0, 0, 1]);
    let body = std::fs::read_to_string(team.env.home.join("gh-body")).unwrap();
    assert!(body.contains("| error | dead_deal | acme |"), "{body}");
}
