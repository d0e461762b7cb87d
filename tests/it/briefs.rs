//! The read commands that print no timeline (board, doctor, next, list,
//! check) read the history as briefs kept per HEAD, and tell whether the
//! work tree is HEAD's without git's status: what they print must be what
//! a cold load (no cache at all) prints, after every kind of change.

use crate::support::TestEnv;

/// Everything the brief-reading commands print about the pipeline.
fn outputs(env: &TestEnv) -> Vec<(String, String)> {
    [
        &["board", "--format", "json"][..],
        &["doctor", "--all", "--format", "json"],
        &["next", "--all", "--format", "json"],
        &["list", "--all", "--format", "tsv"],
        &["list", "--format", "tsv", "age>10", "idle<5"],
        &["check", "--format", "json"],
    ]
    .iter()
    .map(|args| {
        let run = env.funnel(args);
        (run.stdout, run.stderr)
    })
    .collect()
}

/// What the commands print from the caches of the commit before (briefs
/// brought forward), the same with no cache, the same again from the
/// caches they wrote, and that the briefs were written.
#[track_caller]
fn same_cold_and_warm(env: &TestEnv) -> Vec<(String, String)> {
    let warm = outputs(env);
    let _ = std::fs::remove_dir_all(env.path(".git/funnel"));
    let cold = outputs(env);
    assert_eq!(warm, cold);
    assert!(
        std::fs::read_dir(env.path(".git/funnel"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("briefs-")),
        "no briefs file written"
    );
    assert_eq!(outputs(env), cold);
    cold
}

fn commit_at(env: &TestEnv, message: &str, at: &str) {
    env.git(&["add", "-A"]);
    env.git_output(&["commit", "-qm", message], &[("GIT_AUTHOR_DATE", at)])
        .success();
}

#[test]
fn brief_reads_match_a_cold_load_and_follow_every_new_commit() {
    let env = TestEnv::pipeline();
    for (title, value, at) in [
        ("Acme", "5000", "2026-11-02"),
        ("Globex", "800", "2026-11-03"),
        ("Initech", "12000", "2026-11-04"),
    ] {
        env.funnel(&["add", title, "--value", value, "--at", at])
            .success();
    }
    env.funnel(&["move", "acme", "contact", "--at", "2026-11-10"])
        .success();
    env.funnel(&["move", "globex", "won", "--at", "2026-11-20"])
        .success();
    let before = same_cold_and_warm(&env);
    let board: serde_json::Value = serde_json::from_str(&before[0].0).unwrap();
    assert_eq!(board["stages"][2]["stage"], "contact");
    assert_eq!(board["stages"][2]["deals"], 1);
    assert_eq!(board["stages"][2]["oldest_days"], 17);

    // A move by plain git, one by funnel, an edit, a deletion and a clock
    // skewed move: each new HEAD gets its own briefs.
    env.git(&["mv", "lead/initech.toml", "proposal/initech.toml"]);
    commit_at(&env, "initech to proposal", "2026-11-21T09:00:00Z");
    let moved = same_cold_and_warm(&env);
    assert_ne!(moved, before);
    let board: serde_json::Value = serde_json::from_str(&moved[0].0).unwrap();
    let proposal = &board["stages"][3];
    assert_eq!(proposal["stage"], "proposal");
    assert_eq!(proposal["deals"], 1);
    assert_eq!(proposal["oldest_days"], 6, "{proposal}");

    env.write(
        "contact/acme.toml",
        &env.read("contact/acme.toml").replace("5000", "7000"),
    );
    commit_at(&env, "acme value", "2026-11-22T09:00:00Z");
    let edited = same_cold_and_warm(&env);
    assert!(edited[0].0.contains("\"7000\""), "{}", edited[0].0);

    env.git(&["mv", "contact/acme.toml", "negotiation/acme.toml"]);
    commit_at(&env, "acme back in time", "2026-11-05T09:00:00Z");
    let skewed = same_cold_and_warm(&env);
    assert!(
        skewed[5]
            .1
            .contains("acme: entered negotiation at 2026-11-05 09:00"),
        "{}",
        skewed[5].1
    );

    env.git(&["rm", "-q", "won/globex.toml"]);
    commit_at(&env, "globex gone", "2026-11-23T09:00:00Z");
    same_cold_and_warm(&env);

    // funnel's own commits, one after another and several between runs.
    env.funnel(&["add", "Hooli", "--value", "300", "--at", "2026-11-24"])
        .success();
    same_cold_and_warm(&env);
    env.funnel(&["move", "hooli", "contact", "--at", "2026-11-25"])
        .success();
    env.funnel(&["set", "hooli", "value=450"]).success();
    env.funnel(&["add", "Umbrella", "--at", "2026-11-25"])
        .success();
    same_cold_and_warm(&env);
    env.funnel(&["rename", "hooli", "hooli-xyz"]).success();
    let renamed = same_cold_and_warm(&env);
    assert!(renamed[3].0.contains("hooli-xyz"), "{}", renamed[3].0);
    env.funnel(&["rm", "umbrella"]).success();
    same_cold_and_warm(&env);

    // A merge of a branch that moved a deal.
    env.git(&["checkout", "-qb", "side"]);
    env.git(&["mv", "contact/hooli-xyz.toml", "negotiation/hooli-xyz.toml"]);
    commit_at(&env, "hooli on a branch", "2026-11-26T09:00:00Z");
    env.git(&["checkout", "-q", "main"]);
    env.funnel(&["add", "Stark", "--at", "2026-11-26"])
        .success();
    env.git_output(&["merge", "-q", "--no-edit", "side"], &[])
        .success();
    let merged = same_cold_and_warm(&env);
    assert!(merged[3].0.contains("negotiation\t"), "{}", merged[3].0);

    // A work tree that is not HEAD's: a deal moved by hand and one added
    // whose file is listed before all the others; the briefs (in HEAD's
    // listing order) still give each committed deal its own facts.
    std::fs::rename(
        env.path("negotiation/acme.toml"),
        env.path("proposal/acme.toml"),
    )
    .unwrap();
    env.write("contact/aaa-first.toml", "title = \"First\"\nvalue = 10\n");
    let unsaved = same_cold_and_warm(&env);
    assert!(unsaved[3].0.contains("aaa-first\t"), "{}", unsaved[3].0);
    let board: serde_json::Value = serde_json::from_str(&unsaved[0].0).unwrap();
    let (contact, proposal) = (&board["stages"][2], &board["stages"][3]);
    assert_eq!(
        (&contact["stage"], &contact["deals"]),
        (&"contact".into(), &1.into())
    );
    assert_eq!(
        (&proposal["stage"], &proposal["deals"]),
        (&"proposal".into(), &2.into())
    );
    // Moved by hand, acme has no stage entry yet: initech is the oldest.
    assert_eq!(proposal["oldest_deal"], "initech", "{board}");
    // Listed after both, hooli-xyz still has its own: in negotiation
    // since the merged branch's commit of 2026-11-26, a day.
    let negotiation = &board["stages"][4];
    assert_eq!(negotiation["oldest_deal"], "hooli-xyz", "{board}");
    assert_eq!(negotiation["oldest_days"], 1, "{board}");
    std::fs::rename(
        env.path("proposal/acme.toml"),
        env.path("negotiation/acme.toml"),
    )
    .unwrap();
    std::fs::remove_file(env.path("contact/aaa-first.toml")).unwrap();

    // A damaged or foreign briefs file is not believed.
    let briefs = std::fs::read_dir(env.path(".git/funnel"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("briefs-"))
        .unwrap()
        .path();
    let good = outputs(&env);
    let mut bytes = std::fs::read(&briefs).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&briefs, &bytes).unwrap();
    assert_eq!(outputs(&env), good);
    std::fs::write(&briefs, &bytes[..bytes.len() - 9]).unwrap();
    assert_eq!(outputs(&env), good);
}

#[test]
fn every_difference_from_head_is_noticed_without_git_status() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.funnel(&["add", "Globex", "--value", "800"]).success();
    let note = |env: &TestEnv| env.funnel(&["board", "--format", "tsv"]).stderr;
    let check_kinds = |env: &TestEnv| {
        let run = env.funnel(&["check", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| format!("{} {}", w["kind"].as_str().unwrap(), w["paths"]))
            .collect::<Vec<_>>()
    };
    // Twice: the second from the caches, the briefs and the memo of a
    // status that found nothing.
    for _ in 0..2 {
        assert_eq!(note(&env), "");
        assert_eq!(check_kinds(&env), Vec::<String>::new());
    }
    let acme = env.read("lead/acme.toml");

    env.write("lead/acme.toml", &acme.replace("5000", "5001"));
    assert_eq!(
        note(&env),
        "note: counted as they are in the work tree, not committed yet: M lead/acme.toml\n"
    );
    assert_eq!(check_kinds(&env), ["changed [\"lead/acme.toml\"]"]);
    env.write("lead/acme.toml", &acme);
    assert_eq!(note(&env), "");

    env.write("lead/.draft.toml", "title = \"Draft\"\n");
    assert_eq!(
        note(&env),
        "note: counted as they are in the work tree, not committed yet: ?? lead/.draft.toml\n"
    );
    std::fs::remove_file(env.path("lead/.draft.toml")).unwrap();

    std::fs::rename(env.path("lead/acme.toml"), env.path("contact/acme.toml")).unwrap();
    assert_eq!(
        note(&env),
        "note: counted as they are in the work tree, not committed yet: ?? contact/acme.toml, D lead/acme.toml\n"
    );
    std::fs::rename(env.path("contact/acme.toml"), env.path("lead/acme.toml")).unwrap();

    std::fs::remove_file(env.path("lead/globex.toml")).unwrap();
    assert_eq!(
        note(&env),
        "note: counted as they are in the work tree, not committed yet: D lead/globex.toml\n"
    );
    env.git(&["checkout", "--", "lead/globex.toml"]);
    assert_eq!(note(&env), "");
    assert_eq!(check_kinds(&env), Vec::<String>::new());

    // The index alone differs (the work tree is HEAD's): check still says
    // so, though the board's figures are HEAD's and need no note.
    env.git(&["rm", "-q", "--cached", "lead/acme.toml"]);
    assert_eq!(check_kinds(&env), ["not_committed [\"lead/acme.toml\"]"]);
    env.git(&["add", "lead/acme.toml"]);
    assert_eq!(check_kinds(&env), Vec::<String>::new());
}
