//! History as users see it: `show`, `log`, `diff`, `report` and `board` on
//! repositories written by funnel and by plain git, clones that pull and
//! push included.

use crate::support::TestEnv;

/// The stays of `show ID --format json`: (stage, entered, left).
fn stays(env: &TestEnv, dir: &std::path::Path, id: &str) -> Vec<(String, String, Option<String>)> {
    let run = env.funnel_in(dir, &["show", id, "--format", "json"], &[]);
    run.success();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["entered"].as_str().unwrap().to_string(),
                s["left"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// A stay as JSON has it, from minutes in UTC: "2026-11-20 00:00" is
/// "2026-11-20T00:00:00+00:00".
fn stay(stage: &str, entered: &str, left: Option<&str>) -> (String, String, Option<String>) {
    let iso = |minute: &str| format!("{}:00+00:00", minute.replace(' ', "T"));
    (stage.to_string(), iso(entered), left.map(iso))
}

#[test]
fn two_clones_move_deals_pull_resolve_a_rename_conflict_and_push() {
    let env = TestEnv::new();
    let origin = env.home.join("origin.git");
    let alice = env.home.join("alice");
    let bob = env.home.join("bob");
    env.git_in(
        &env.home,
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    env.git_in(
        &env.home,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            alice.to_str().unwrap(),
        ],
    );
    env.funnel_in(&alice, &["init", "--at", "2026-11-01"], &[])
        .success();
    for title in ["Acme", "Globex"] {
        env.funnel_in(
            &alice,
            &["add", title, "--value", "5000", "--at", "2026-11-02T10:00"],
            &[],
        )
        .success();
    }
    env.git_in(&alice, &["push", "-q", "origin", "HEAD"]);
    env.git_in(
        &env.home,
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            bob.to_str().unwrap(),
        ],
    );
    let bob_identity = [
        ("GIT_AUTHOR_NAME", "Bob Kowalski"),
        ("GIT_AUTHOR_EMAIL", "bob@example.com"),
    ];

    // Alice moves acme to contact and globex to proposal's way; Bob moves
    // acme to proposal on his clone, and both push.
    env.funnel_in(
        &alice,
        &["move", "acme", "contact", "--at", "2026-11-10T09:00"],
        &[],
    )
    .success();
    env.funnel_in(
        &alice,
        &["move", "globex", "contact", "--at", "2026-11-11T09:00"],
        &[],
    )
    .success();
    env.git_in(&alice, &["push", "-q", "origin", "HEAD"]);
    env.funnel_in(
        &bob,
        &[
            "set",
            "acme",
            "expected_close=2026-12-20",
            "--at",
            "2026-11-09T09:00",
        ],
        &bob_identity,
    )
    .success();
    env.funnel_in(
        &bob,
        &["move", "acme", "proposal", "--at", "2026-11-12T09:00"],
        &bob_identity,
    )
    .success();

    // Bob pulls: both renamed lead/acme.toml, to different folders.
    let pull = env.git_in_output(&bob, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_ne!(pull.status, 0, "expected a conflict");
    let refused = env.funnel_in(&bob, &["move", "globex", "won"], &bob_identity);
    refused.failure(1);
    assert!(
        refused.stderr.starts_with("error: a merge is in progress"),
        "{}",
        refused.stderr
    );
    // They agree the deal is at the proposal stage: keep Bob's file.
    env.git_in(&bob, &["rm", "-q", "--cached", "contact/acme.toml"]);
    std::fs::remove_file(bob.join("contact/acme.toml")).ok();
    env.git_in(&bob, &["add", "-A"]);
    env.git_in(&bob, &["commit", "-q", "--no-edit"]);
    env.git_in(&bob, &["push", "-q", "origin", "HEAD"]);
    env.funnel_in(&bob, &["check"], &[]).success();

    // Alice's move of acme was thrown away by the merge: it does not count.
    assert_eq!(
        stays(&env, &bob, "acme"),
        vec![
            stay("lead", "2026-11-02 10:00", Some("2026-11-12 09:00")),
            stay("proposal", "2026-11-12 09:00", None)
        ]
    );
    // Her move of globex came in through the merge and counts at its own time, once.
    assert_eq!(
        stays(&env, &bob, "globex"),
        vec![
            stay("lead", "2026-11-02 10:00", Some("2026-11-11 09:00")),
            stay("contact", "2026-11-11 09:00", None)
        ]
    );
    // Alice pulls and sees the same history.
    env.git_in(&alice, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(stays(&env, &alice, "acme"), stays(&env, &bob, "acme"));
    assert_eq!(stays(&env, &alice, "globex"), stays(&env, &bob, "globex"));
}

#[test]
fn show_lists_stays_and_close_date_pushes() {
    let env = TestEnv::pipeline();
    env.funnel(&[
        "add",
        "Acme",
        "--value",
        "5000",
        "--close",
        "2026-12-01",
        "--at",
        "2026-11-02",
    ])
    .success();
    env.funnel(&[
        "set",
        "acme",
        "expected_close=2026-12-15",
        "--at",
        "2026-11-05",
    ])
    .success();
    env.funnel(&["set", "acme", "value=6500", "--at", "2026-11-06"])
        .success();
    env.funnel(&["move", "acme", "proposal", "--at", "2026-11-10T12:00"])
        .success();
    let run = env.funnel(&["show", "acme"]);
    run.success();
    let tail: Vec<&str> = run.stdout.split("\n\n").skip(1).collect();
    assert_eq!(
        tail.join("\n\n"),
        " stage      entered            left               days   by\n\
         ────────── ────────────────── ────────────────── ────── ───────\n \
         lead       2026-11-02 00:00   2026-11-10 12:00    8.5   alice\n \
         proposal   2026-11-10 12:00   (now)              17.5   alice\n\n \
         date         field                     from         to\n\
         ──────────── ───────────────────────── ──────────── ────────────\n \
         2026-11-05   expected_close (pushed)   2026-12-01   2026-12-15\n \
         2026-11-06   value                     5000         6500\n"
    );
}

#[test]
fn log_and_diff_speak_in_business_terms() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-02"])
        .success();
    env.funnel(&["add", "Globex", "--value", "800", "--at", "2026-11-03"])
        .success();
    let base = env.git(&["rev-parse", "HEAD"]);
    env.funnel(&[
        "set",
        "acme",
        "value=6500",
        "expected_close=2026-12-15",
        "--at",
        "2026-11-05",
    ])
    .success();
    env.funnel(&["move", "acme", "won", "--at", "2026-11-20"])
        .success();
    env.funnel(&[
        "move",
        "globex",
        "lost",
        "--reason",
        "price",
        "--at",
        "2026-11-21",
    ])
    .success();
    env.funnel(&["move", "globex", "contact", "--at", "2026-11-22"])
        .success();
    env.funnel(&["rename", "globex", "globex-renewal", "--at", "2026-11-23"])
        .success();
    let log = env.funnel(&["log", "--format", "tsv"]);
    log.success();
    let changes: Vec<String> = log
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').skip(1).collect::<Vec<_>>().join("\t"))
        .collect();
    assert_eq!(
        changes,
        [
            "2026-11-23\talice\trenamed globex -> globex-renewal",
            "2026-11-22\talice\treopened globex: lost -> contact",
            "2026-11-21\talice\tlost globex from lead (price)",
            "2026-11-20\talice\twon acme from lead (6500 USD)",
            "2026-11-05\talice\tvalue of acme: 5000 USD -> 6500 USD",
            "2026-11-05\talice\tclose date for acme: none -> 2026-12-15",
            "2026-11-03\talice\tnew globex in lead (800 USD)",
            "2026-11-02\talice\tnew acme in lead (5000 USD)",
        ]
    );
    let diff = env.funnel(&["diff", &format!("{}..HEAD", base.trim())]);
    diff.success();
    insta::assert_snapshot!("diff_range_table", diff.stdout);
    // One revision, or none, is compared with the work tree.
    env.write(
        "won/acme.toml",
        &env.read("won/acme.toml").replace("6500", "7000"),
    );
    let mut outputs = Vec::new();
    for args in [vec!["diff"], vec!["diff", "HEAD"]] {
        let run = env.funnel(&args);
        run.success();
        assert_eq!(
            run.stderr,
            "1 change(s) from HEAD to work tree; 0 finding(s) introduced, 0 resolved\n"
        );
        outputs.push(run.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    insta::assert_snapshot!("diff_work_tree_table", outputs[0]);
}

#[test]
fn the_same_report_twice_is_byte_identical() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let report = || {
        env.funnel_in(
            &demo,
            &[
                "report", "--last", "180d", "--by", "owner", "--format", "json",
            ],
            &[],
        )
    };
    let first = report();
    first.success();
    assert_eq!(first.stdout, report().stdout);
    let doc: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(doc["by"], "owner");
    assert!(
        doc["groups"]["alice"]["win_rate"]["by_count"]["deals"]
            .as_u64()
            .unwrap()
            > 0
    );
    let table = env.funnel_in(&demo, &["report"], &[]);
    table.success();
    // The whole report, so that a figure that changes is a reviewed diff
    // (and a hard-coded report cannot pass: the demo's history is its own).
    insta::assert_snapshot!("demo_report_by_owner_json", first.stdout);
    insta::assert_snapshot!("demo_report", table.stdout);
}

#[test]
fn report_on_an_empty_pipeline_says_n_a() {
    let env = TestEnv::pipeline();
    let run = env.funnel(&["report", "--format", "tsv"]);
    run.success();
    assert!(
        run.stdout
            .contains("mean value of a deal won\tn/a\t0\tdeal size\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("value won per day at this pace\tn/a\t0\tvelocity\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("NaN"));
}

#[test]
fn board_counts_stalled_and_idle_deals_from_history() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--at", "2026-11-12"]).success();
    env.funnel(&["add", "Globex", "--at", "2026-11-14"])
        .success();
    env.funnel(&["add", "Initech", "--at", "2026-11-20"])
        .success();
    env.funnel(&[
        "snooze",
        "globex",
        "2026-12-01",
        "--reason",
        "holidays",
        "--at",
        "2026-11-14",
    ])
    .success();
    // lead: max_days 14, idle_days 7. Acme: 15 days in lead (stalled, idle);
    // globex: snoozed; initech: 7 days (neither).
    let run = env.funnel(&["board", "--format", "tsv"]);
    run.success();
    assert_eq!(
        run.stdout.lines().nth(1).unwrap(),
        "lead\t3\t0\t0\t15d acme\t1\t1\t"
    );
}

#[test]
fn check_warns_about_stage_entries_that_go_back_in_time() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-20"])
        .success();
    // funnel refuses such a date; plain git (or a rebase) can make one.
    env.funnel(&["move", "acme", "contact", "--at", "2026-11-18"])
        .failure(1);
    env.git(&["mv", "lead/acme.toml", "contact/acme.toml"]);
    env.git_output(
        &["commit", "-q", "-m", "move acme: lead -> contact"],
        &[("GIT_AUTHOR_DATE", "2026-11-18T00:00:00Z")],
    )
    .success();
    let commit = env.git(&["rev-parse", "--short=7", "HEAD"]);
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(
        run.stderr,
        format!(
            "warning: acme: entered contact at 2026-11-18 00:00 (commit {}), before it entered lead at 2026-11-20 00:00; the stay in lead counts 0 days\nok: 1 deals, no problems\n",
            commit.trim()
        )
    );
    assert_eq!(
        stays(&env, &env.repo, "acme")[0],
        stay("lead", "2026-11-20 00:00", Some("2026-11-18 00:00"))
    );
    let json = env.funnel(&["show", "acme", "--format", "json"]).stdout;
    assert!(json.contains("\"days\": \"0\""), "{json}");
}

#[test]
fn reports_use_the_value_at_close() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-02"])
        .success();
    env.funnel(&["move", "acme", "won", "--at", "2026-11-10"])
        .success();
    // An upsell edited into the won deal later does not change what was won.
    env.funnel(&["set", "acme", "value=9000", "--at", "2026-11-20"])
        .success();
    let run = env.funnel(&["report", "--last", "30d", "--format", "json"]);
    run.success();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["report"]["deal_size"]["mean"],
        serde_json::json!({ "value": "5000", "deals": 1 })
    );
    assert_eq!(doc["report"]["win_rate"]["won"], 1);
}

#[test]
fn log_json_has_its_documented_shape() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-02T09:30"])
        .success();
    env.funnel(&[
        "move",
        "acme",
        "lost",
        "--reason",
        "price",
        "--at",
        "2026-11-03T10:00",
    ])
    .success();
    let commit = env.git(&["rev-parse", "HEAD"]);
    let run = env.funnel(&["log", "-n", "1", "--format", "json"]);
    run.success();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc,
        serde_json::json!([{
            "commit": commit.trim(),
            "at": "2026-11-03T10:00:00+00:00",
            "author": "alice@example.com",
            "subject": "move acme: lead -> lost",
            "events": [{ "kind": "lost", "deal": "acme", "from": "lead", "to": "lost", "reason": "price" }],
        }])
    );
}

/// Three deals for `report --by`: two of Alice's, one of Bob's, one with a
/// custom `region`, all created in November.
fn three_owners() -> TestEnv {
    let env = TestEnv::pipeline();
    for (title, owner, at) in [
        ("Acme", "alice", "2026-11-02"),
        ("Globex", "alice", "2026-11-03"),
        ("Initech", "bob", "2026-11-04"),
    ] {
        env.funnel(&[
            "add", title, "--owner", owner, "--value", "1000", "--at", at,
        ])
        .success();
    }
    env.funnel(&["set", "acme", "region=eu", "--at", "2026-11-05"])
        .success();
    env
}

#[test]
fn report_by_owner_says_how_many_deals_the_whole_report_covers() {
    let env = three_owners();
    let run = env.funnel(&["report", "--by", "owner", "--format", "tsv"]);
    run.success();
    // Three deals, not alice's two (the first group).
    assert_eq!(
        run.stderr,
        "window 2026-08-30T00:00:00+00:00 .. 2026-11-28T00:00:00+00:00 (90 days), 3 deals, in USD\n"
    );
}

#[test]
fn report_by_an_unknown_key_fails_with_a_did_you_mean() {
    let env = three_owners();
    let run = env.funnel(&["report", "--by", "nosuchfield"]);
    run.failure(1);
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        (
            "",
            "error: unknown key `nosuchfield` for --by\nhint: use owner, product, source, account, stage, or a key of the deal files\n"
        )
    );
    for (typo, close) in [("ownr", "owner"), ("regoin", "region")] {
        let run = env.funnel(&["report", "--by", typo]);
        run.failure(1);
        assert_eq!(
            (run.stdout.as_str(), run.stderr.as_str()),
            (
                "",
                format!("error: unknown key `{typo}` for --by\nhint: did you mean `{close}`?\n")
                    .as_str()
            )
        );
    }
    // A custom key some deal has is known.
    let run = env.funnel(&["report", "--by", "region", "--format", "tsv"]);
    run.success();
    assert!(
        run.stdout
            .starts_with("group\tmetric\tvalue\tdeals\tsection\n(none)\t")
    );
}

#[test]
fn report_rounds_the_figures_it_shows() {
    let env = three_owners();
    // Two deals created in the last 30 days (Initech removed): 2 / 30 x 7
    // = 0.4666... a week, the figure 0.47, shown with one decimal as 0.5
    // (rust_decimal's `{:.1}` cut it to 0.4).
    env.funnel(&["rm", "initech", "--at", "2026-11-06"])
        .success();
    let run = env.funnel(&["report", "--last", "30d", "--format", "tsv"]);
    run.success();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("new deals per week\t"))
        .unwrap();
    assert_eq!(
        line,
        "new deals per week\t0.5 deals/week\t2\tlead generation"
    );
}

/// `diff A..HEAD` from every commit before HEAD, with the history cached
/// at HEAD (A's history taken from it: the cached commits A reaches) and
/// with no cache at all (A's walked from scratch), prints the same: a
/// history with a merge of a branch that moved and renamed deals, a
/// removal, a deal moved back, and commits dated before their parents.
#[test]
fn diff_from_any_older_commit_reads_the_cached_history_as_a_cold_walk() {
    let env = TestEnv::pipeline();
    let commit_at = |message: &str, at: &str| {
        env.git(&["add", "-A"]);
        env.git_output(&["commit", "-qm", message], &[("GIT_AUTHOR_DATE", at)])
            .success();
    };
    for (title, at) in [
        ("Acme", "2026-11-02"),
        ("Globex", "2026-11-03"),
        ("Initech", "2026-11-04"),
    ] {
        env.funnel(&["add", title, "--value", "1000", "--at", at])
            .success();
    }
    env.funnel(&["move", "acme", "contact", "--at", "2026-11-06"])
        .success();
    env.git(&["checkout", "-qb", "side"]);
    env.git(&["mv", "lead/globex.toml", "proposal/globex.toml"]);
    commit_at("globex on a branch", "2026-11-08T09:00:00Z");
    env.funnel(&["rename", "initech", "initech-2", "--at", "2026-11-09"])
        .success();
    env.git(&["checkout", "-q", "main"]);
    env.funnel(&["add", "Hooli", "--value", "300", "--at", "2026-11-10"])
        .success();
    env.funnel(&["move", "acme", "lead", "--at", "2026-11-12"])
        .success();
    env.git_output(&["merge", "-q", "--no-edit", "side"], &[])
        .success();
    env.git(&["rm", "-q", "lead/hooli.toml"]);
    commit_at("hooli gone", "2026-11-14T09:00:00Z");
    env.git(&["mv", "lead/acme.toml", "won/acme.toml"]);
    commit_at("acme won, dated before its parent", "2026-11-05T09:00:00Z");
    env.funnel(&["add", "Stark", "--value", "50", "--at", "2026-11-20"])
        .success();
    let commits = env.git(&["rev-list", "HEAD"]);
    let older: Vec<&str> = commits.lines().skip(1).collect();
    assert!(older.len() >= 10, "{commits}");
    for commit in older {
        let range = format!("{commit}..HEAD");
        let diff = || {
            let run = env.funnel(&["diff", &range, "--format", "json"]);
            run.success();
            run.stdout
        };
        // The history cached at HEAD (report writes it), then none.
        env.funnel(&["report"]).success();
        let warm = diff();
        std::fs::remove_dir_all(env.path(".git/funnel")).unwrap();
        assert_eq!(warm, diff(), "{range}");
    }
    // A branch reset back to before the merge: the history cached at the
    // old HEAD serves the new one, as a cold walk does.
    env.funnel(&["report"]).success();
    env.git(&["reset", "-q", "--hard", "HEAD~4"]);
    let outputs = || {
        [
            &["report", "--format", "json"][..],
            &["show", "initech", "--format", "json"],
        ]
        .map(|args| env.funnel(args).stdout)
    };
    let warm = outputs();
    assert!(warm[1].contains("initech"), "{}", warm[1]);
    std::fs::remove_dir_all(env.path(".git/funnel")).unwrap();
    assert_eq!(warm, outputs());
}

/// `diff REV` against a work tree where a deal was edited, one moved by
/// hand (`mv`), one added, one broken, one removed with `git rm`, and the
/// rest untouched: each change once, the untouched deals none (their
/// files are known from the work tree's load and not read again), the
/// broken file as new, and the edited deal's new value from its text.
#[test]
fn diff_of_the_work_tree_sees_every_kind_of_change_once() {
    let env = TestEnv::pipeline();
    for (title, value) in [("Acme", "5000"), ("Globex", "800"), ("Initech", "1200")] {
        env.funnel(&["add", title, "--value", value, "--at", "2026-11-02"])
            .success();
    }
    env.funnel(&["add", "Hooli", "--value", "300", "--at", "2026-11-03"])
        .success();
    env.write(
        "lead/acme.toml",
        &env.read("lead/acme.toml").replace("5000", "5500"),
    );
    std::fs::rename(
        env.path("lead/globex.toml"),
        env.path("contact/globex.toml"),
    )
    .unwrap();
    env.write(
        "lead/umbrella.toml",
        "title = \"Umbrella\"\nvalue = 900\ncreated = 2026-11-04\n",
    );
    env.write("lead/broken.toml", "title = \"no end\n");
    env.git(&["rm", "-q", "lead/hooli.toml"]);
    let run = env.funnel(&["diff", "HEAD", "--today", "2026-11-05"]);
    run.success();
    let changes: Vec<&str> = (run.stdout.lines())
        .take_while(|l| !l.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        [&changes[..1], &changes[2..]].concat(),
        [
            "change",
            "value of acme: 5000 USD -> 5500 USD",
            "new broken in lead (none)",
            "moved globex: lead -> contact",
            "removed hooli from lead",
            "new umbrella in lead (900 USD)",
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stderr,
        "warning: skipped 1 broken file(s): lead/broken.toml; `funnel check` explains\n\
         5 change(s) from HEAD to work tree; 3 finding(s) introduced, 2 resolved\n"
    );
}
