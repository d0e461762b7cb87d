//! The commands as a user sees them, against real temporary git
//! repositories: whole outputs, file contents and the commits made.

use crate::support::TestEnv;

#[test]
fn init_writes_the_default_pipeline_and_commits_it() {
    let env = TestEnv::new();
    let run = env.funnel(&["init", "--at", "2026-11-01"]);
    run.success();
    assert!(
        run.stderr.ends_with(
            "] init pipeline\nStarted a pipeline in .: add a deal with `funnel add \"TITLE\"`\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(env.read("funnel.toml"), funnel::model::config::DEFAULT);
    assert_eq!(env.status(), "");
    let commit = env.last_commit();
    assert!(
        commit.starts_with("init pipeline\n\n@ 2026-11-01T00:00:00Z\n"),
        "{commit}"
    );
    for stage in crate::support::STAGES {
        assert!(
            commit.contains(&format!(
                "A	{stage}/.gitkeep
"
            )),
            "{commit}"
        );
    }
    // The editor schemas and the taplo configuration binding them.
    for file in [
        ".taplo.toml",
        ".funnel/schema/deal.json",
        ".funnel/schema/config.json",
    ] {
        assert!(
            commit.contains(&format!(
                "A	{file}
"
            )),
            "{commit}"
        );
    }
    env.funnel(&["init"]).failure(1);
}

/// The first seven characters of the commit stderr line are the hash.
fn without_hash(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| {
            if l.starts_with('[') && l.len() > 9 && l.as_bytes()[8] == b']' {
                format!("[HASH]{}", &l[9..])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn add_writes_a_file_and_commits_only_it() {
    let env = TestEnv::pipeline();
    let run = env.funnel(&[
        "add",
        "Zażółć Sp. z o.o.: CRM",
        "--value",
        "12000.50",
        "--account",
        "Zażółć",
        "--close",
        "eom",
        "--set",
        "seats=40",
        "--set",
        "region=emea",
        "--at",
        "2026-11-20",
    ]);
    run.success();
    assert_eq!(run.stdout, "lead/zazolc-sp-z-o-o-crm.toml\n");
    assert_eq!(
        without_hash(&run.stderr),
        "[HASH] add zazolc-sp-z-o-o-crm: lead"
    );
    assert_eq!(
        env.read("lead/zazolc-sp-z-o-o-crm.toml"),
        "title = \"Zażółć Sp. z o.o.: CRM\"\naccount = \"Zażółć\"\nowner = \"alice\"\nvalue = \"12000.50\"\nexpected_close = 2026-11-30\nseats = 40\nregion = \"emea\"\n"
    );
    assert_eq!(
        env.last_commit(),
        "add zazolc-sp-z-o-o-crm: lead\n\nFunnel-Deal: zazolc-sp-z-o-o-crm\n\n@ 2026-11-20T00:00:00Z\n\nA\tlead/zazolc-sp-z-o-o-crm.toml\n"
    );
    assert_eq!(env.status(), "");
    // The same title again is refused (the same deal twice, or a retried
    // add), with the ID that a second deal would take.
    let run = env.funnel(&["add", "Zażółć Sp. z o.o.: CRM"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: a deal titled \"Zażółć Sp. z o.o.: CRM\" exists already: `zazolc-sp-z-o-o-crm`\nhint: to add another deal with this title, give it an ID: funnel add \"Zażółć Sp. z o.o.: CRM\" --id zazolc-sp-z-o-o-crm-2\n"
    );
    // A title that makes the same ID gets the next free one.
    env.funnel(&["add", "Zazolc sp. z o.o. CRM"]).success();
    assert!(env.path("lead/zazolc-sp-z-o-o-crm-2.toml").exists());
}

#[test]
fn move_checks_require_applies_follow_up_and_commits_both_paths() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    let run = env.funnel(&["move", "acme", "qualified"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: stage `qualified` requires qualification.need, qualification.problem_agreed\nhint: give them: funnel set acme qualification.need=... qualification.problem_agreed=...\n"
    );
    env.funnel(&[
        "set",
        "acme",
        "qualification.need=Replace spreadsheets",
        "qualification.problem_agreed=yes",
    ])
    .success();
    env.funnel(&["move", "acme", "won", "--at", "2026-11-27T18:00:00"])
        .success();
    assert_eq!(
        env.read("won/acme.toml"),
        "title = \"Acme\"\nowner = \"alice\"\nvalue = 5000\nnext_step = \"Send the welcome email series\"\nnext_step_due = 2026-11-27\n\n[qualification]\nneed = \"Replace spreadsheets\"\nproblem_agreed = true\n"
    );
    assert_eq!(
        env.last_commit(),
        "move acme: lead -> won\n\nFunnel-Deal: acme\n\n@ 2026-11-27T18:00:00Z\n\nD\tlead/acme.toml\nA\twon/acme.toml\n"
    );
    assert_eq!(env.status(), "");
    // Lost needs a reason from the list.
    let run = env.funnel(&["move", "acme", "lost"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: stage `lost` requires lost_reason\nhint: give them: funnel set acme lost_reason=..., or say why: funnel move acme lost --reason REASON\n"
    );
    let run = env.funnel(&["move", "acme", "lost", "--reason", "pricey"]);
    assert_eq!(
        run.stderr,
        "error: `pricey` is not one of the lost_reasons\nhint: use one of: price, competitor, no-decision, no-budget, timing, unqualified (or add it to lost_reasons in funnel.toml)\n"
    );
    env.funnel(&["move", "acme", "lost", "--reason", "price"])
        .success();
    assert!(env.read("lost/acme.toml").contains(
        "next_step = \"Check-in email\"\nnext_step_due = 2027-02-25\nlost_reason = \"price\"\n"
    ));
    // Reopening drops the reason.
    env.funnel(&["move", "acme", "proposal", "--at", "2026-11-26"])
        .failure(1);
    env.funnel(&["move", "acme", "negotiation"]).success();
    // And the lost stage's follow-up: no "Check-in email" for an open deal.
    let reopened = env.read("negotiation/acme.toml");
    assert!(!reopened.contains("lost_reason"), "{reopened}");
    assert!(!reopened.contains("next_step"), "{reopened}");
    let run = env.funnel(&["move", "acme", "negotiaton"]);
    assert_eq!(
        run.stderr,
        "error: no stage `negotiaton`\nhint: did you mean `negotiation`?\n"
    );
    let run = env.funnel(&["move", "acm", "won"]);
    assert_eq!(
        run.stderr,
        "error: no deal `acm`\nhint: did you mean `acme`?\n"
    );
}

#[test]
fn unrelated_staged_and_unstaged_work_survives_untouched() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.funnel(&["add", "Globex"]).success();
    env.write("notes.md", "staged notes\n");
    env.git(&["add", "notes.md"]);
    env.write(
        "lead/globex.toml",
        "title = \"Globex\"\nowner = \"alice\"\n# edited by hand, not staged\n",
    );
    env.write("scratch.txt", "untracked\n");
    let before = env.status();
    assert_eq!(before, " M lead/globex.toml\nA  notes.md\n?? scratch.txt\n");
    let count = env.commit_count();
    env.funnel(&["set", "acme", "value=6000"]).success();
    env.funnel(&["move", "acme", "contact"]).success();
    env.funnel(&["rename", "acme", "acme-crm"]).success();
    assert_eq!(env.commit_count(), count + 3);
    assert_eq!(env.status(), before);
    assert_eq!(env.git(&["diff", "--cached", "--name-only"]), "notes.md\n");
    assert_eq!(
        env.read("lead/globex.toml"),
        "title = \"Globex\"\nowner = \"alice\"\n# edited by hand, not staged\n"
    );
    assert_eq!(
        env.git(&["show", "--no-renames", "--name-status", "--format=", "HEAD"]),
        "A\tcontact/acme-crm.toml\nD\tcontact/acme.toml\n"
    );
}

#[test]
fn set_keeps_comments_and_layout() {
    let env = TestEnv::pipeline();
    let original = "# Acme's CRM rollout, see the call notes\ntitle    = \"Acme\"          # as the customer says it\nvalue    = 12000             # list price, before discount\nowner    = \"alice\"\n\n  # BANT\n[qualification]\nbudget = true   # confirmed by the CFO\n";
    env.write("lead/acme.toml", original);
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "acme by hand"]);
    env.funnel(&[
        "set",
        "acme",
        "value=15000",
        "next_step_due=friday",
        "qualification.budget=no",
    ])
    .success();
    assert_eq!(
        env.read("lead/acme.toml"),
        "# Acme's CRM rollout, see the call notes\ntitle    = \"Acme\"          # as the customer says it\nvalue    = 15000             # list price, before discount\nowner    = \"alice\"\nnext_step_due = 2026-11-27\n\n  # BANT\n[qualification]\nbudget = false   # confirmed by the CFO\n"
    );
    assert_eq!(
        env.git(&["show", "--format=%B", "--stat=200", "HEAD"])
            .lines()
            .next()
            .unwrap(),
        "set acme: value=15000, next_step_due=friday, qualification.budget=no"
    );
    // Removing a key; a key the deal lacks; a wrong type.
    env.funnel(&["set", "acme", "next_step_due="]).success();
    assert_eq!(
        env.funnel(&["set", "acme", "nothing="]).stderr,
        "error: `acme` has no `nothing` to remove\n"
    );
    assert_eq!(
        env.funnel(&["set", "acme", "value=lots"]).stderr,
        "error: `value`: `lots` is not an amount\nhint: write a number such as 12000 or 12000.50\n"
    );
    assert_eq!(
        env.funnel(&["set", "acme", "value"]).stderr,
        "error: `value` is not KEY=VALUE\nhint: write value=15000, or value= to remove a key\n"
    );
}

#[test]
fn moves_made_with_plain_git_count_like_funnel_moves() {
    let by_funnel = TestEnv::pipeline();
    let by_git_mv = TestEnv::pipeline();
    let by_file_manager = TestEnv::pipeline();
    for env in [&by_funnel, &by_git_mv, &by_file_manager] {
        env.funnel(&[
            "add",
            "Acme",
            "--value",
            "5000",
            "--set",
            "expected_close=2026-12-20",
        ])
        .success();
    }
    by_funnel.funnel(&["move", "acme", "proposal"]).success();
    by_git_mv.git(&["mv", "lead/acme.toml", "proposal/acme.toml"]);
    by_git_mv.git(&["commit", "-qm", "acme to proposal"]);
    std::fs::rename(
        by_file_manager.path("lead/acme.toml"),
        by_file_manager.path("proposal/acme.toml"),
    )
    .unwrap();
    by_file_manager.git(&["add", "-A"]);
    by_file_manager.git(&["commit", "-qm", "moved in the file manager"]);
    let outputs = |env: &TestEnv| {
        [
            env.funnel(&["list"]).stdout,
            env.funnel(&["board", "--format", "json"]).stdout,
            env.funnel(&["check"]).stderr,
        ]
    };
    let expected = outputs(&by_funnel);
    assert!(expected[0].contains(" acme   proposal "), "{}", expected[0]);
    assert_eq!(outputs(&by_git_mv), expected);
    assert_eq!(outputs(&by_file_manager), expected);
}

#[test]
fn a_move_by_hand_not_yet_committed_is_committed_with_the_next_move() {
    let env = TestEnv::pipeline();
    env.funnel(&[
        "add",
        "Acme",
        "--value",
        "5000",
        "--set",
        "expected_close=2026-12-20",
    ])
    .success();
    std::fs::rename(env.path("lead/acme.toml"), env.path("contact/acme.toml")).unwrap();
    env.funnel(&["move", "acme", "proposal"]).success();
    assert_eq!(
        env.last_change(),
        "move acme: contact -> proposal\n\nD\tlead/acme.toml\nA\tproposal/acme.toml\n"
    );
    assert_eq!(env.status(), "");
}

#[test]
fn a_move_by_hand_out_of_a_big_folder_is_committed_with_the_next_move() {
    // A folder of more than 1,024 deals is looked into through the hashes
    // of its names, kept from the first time it is read: the deal moved
    // out of it by hand is still found there.
    let env = TestEnv::pipeline();
    for n in 0..1100 {
        env.write(
            &format!("lost/old-{n}.toml"),
            "title = \"Old\"\nvalue = 100\nexpected_close = 2026-12-20\nlost_reason = \"price\"\n",
        );
    }
    env.write("lead/acme.toml", "title = \"Acme\"\n");
    env.commit_all("deals by hand");
    // A write of a deal in lead: lost is read, and its names kept.
    env.funnel(&["set", "acme", "value=100"]).success();
    assert!(env.path(".git/funnel/tree-names-v1").exists());
    std::fs::rename(env.path("lost/old-7.toml"), env.path("contact/old-7.toml")).unwrap();
    env.funnel(&["move", "old-7", "proposal"]).success();
    assert_eq!(
        env.last_change(),
        "move old-7: contact -> proposal\n\nD\tlost/old-7.toml\nA\tproposal/old-7.toml\n"
    );
    assert_eq!(env.status(), "");
    // Moved by funnel, a deal is not looked for in the folder it left.
    env.funnel(&["move", "old-8", "lead"]).success();
    assert_eq!(
        env.last_change(),
        "move old-8: lost -> lead\n\nA\tlead/old-8.toml\nD\tlost/old-8.toml\n"
    );
}

#[test]
fn refuses_during_a_merge_conflict_and_changes_nothing() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.git(&["checkout", "-qb", "side"]);
    env.funnel(&["set", "acme", "value=6000"]).success();
    env.git(&["checkout", "-q", "main"]);
    env.funnel(&["set", "acme", "value=7000"]).success();
    let merge = env.git_output(&["merge", "-q", "side"], &[]);
    assert_ne!(merge.status, 0);
    let before = (env.status(), env.read("lead/acme.toml"), env.commit_count());
    let run = env.funnel(&["add", "Globex"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: a merge is in progress: funnel changes nothing until it is finished\nhint: finish it (resolve, `git add`, `git commit` or `git rebase --continue`) or abort it, then run the command again\n"
    );
    assert_eq!(
        (env.status(), env.read("lead/acme.toml"), env.commit_count()),
        before
    );
    let check = env.funnel(&["check"]);
    check.failure(1);
    // The deal git could not merge, with the commands that resolve it,
    // then the markers themselves.
    assert!(
        check.stdout.starts_with(
            "lead/acme.toml:1:1: `acme` was changed on both sides: lead/acme.toml holds conflict markers\n"
        ) && check
            .stdout
            .contains("lead/acme.toml:3:1: unresolved git conflict markers\n"),
        "{}",
        check.stdout
    );
}

#[test]
fn refuses_without_a_git_identity() {
    let env = TestEnv::pipeline();
    std::fs::write(env.home.join(".gitconfig"), "").unwrap();
    let run = env.funnel(&["add", "Acme"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: git does not know who you are: no user.name and user.email\nhint: run `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`\n"
    );
    assert!(!env.path("lead/acme.toml").exists());
    assert_eq!(env.status(), "");
}

#[test]
fn rename_records_the_old_id_and_rm_deletes() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme"]).success();
    env.funnel(&["add", "Globex"]).success();
    env.funnel(&["rename", "acme", "acme-corp"]).success();
    assert_eq!(
        env.git(&[
            "show",
            "--no-renames",
            "--name-status",
            "--format=%B",
            "HEAD"
        ]),
        "rename acme -> acme-corp\n\nFunnel-Deal: acme-corp\nFunnel-Renamed-From: acme\n\n\nA\tlead/acme-corp.toml\nD\tlead/acme.toml\n"
    );
    assert_eq!(
        env.funnel(&["rename", "acme-corp", "globex"]).stderr,
        "error: a deal `globex` exists already\n"
    );
    assert_eq!(
        env.funnel(&["rename", "acme-corp", "Acme Corp"]).stderr,
        "error: invalid ID `Acme Corp`: an ID starts with a lowercase letter or a digit\nhint: try `acme-corp`\n"
    );
    env.funnel(&["rm", "globex"]).success();
    assert_eq!(env.last_change(), "rm globex\n\nD\tlead/globex.toml\n");
    assert_eq!(env.status(), "");
}

#[test]
fn edit_commits_the_result_and_aborts_cleanly() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    let editor = env.home.join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/5000/5500/' \"$1\"\n").unwrap();
    let sh = format!("sh {}", editor.display());
    env.funnel_with(&["edit", "acme"], &[("EDITOR", &sh)], None)
        .success();
    assert!(env.read("lead/acme.toml").contains("value = 5500\n"));
    assert_eq!(env.git(&["log", "-1", "--format=%s"]), "edit acme\n");
    // Quitting without a change commits nothing.
    let count = env.commit_count();
    let run = env.funnel_with(&["edit", "acme"], &[("EDITOR", "true")], None);
    run.success();
    assert_eq!(run.stderr, "No changes to acme: nothing committed\n");
    // A broken result: declining to re-open keeps the text and changes nothing.
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/5500/true/' \"$1\"\n").unwrap();
    let run = env.funnel_with(
        &["edit", "acme"],
        &[("EDITOR", &sh), ("TMPDIR", env.home.to_str().unwrap())],
        Some("n\n"),
    );
    run.failure(1);
    assert!(run.stderr.starts_with("lead/acme.toml:3:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean\n  |\n3 | value = true\n  |         ^^^^\n  hint: write value = 12000 or value = \"12000.50\"\nRe-open the editor to fix this? [Y/n]\nerror: lead/acme.toml was not changed\nhint: your text is kept in "), "{}", run.stderr);
    let kept = run.stderr.trim_end().rsplit(' ').next().unwrap();
    assert!(
        std::fs::read_to_string(kept)
            .unwrap()
            .contains("value = true")
    );
    assert_eq!(env.commit_count(), count);
    assert_eq!(env.status(), "");
    assert!(env.read("lead/acme.toml").contains("value = 5500\n"));
    // A refused commit (here the file changed while the editor was open)
    // keeps the text too, and the change made meanwhile.
    let deal = env.path("lead/acme.toml");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nsed -i 's/5500/6000/' \"$1\"\nsed -i 's/5500/5600/' {}\n",
            deal.display()
        ),
    )
    .unwrap();
    let run = env.funnel_with(
        &["edit", "acme"],
        &[("EDITOR", &sh), ("TMPDIR", env.home.to_str().unwrap())],
        None,
    );
    run.failure(1);
    let kept = (run.stderr.lines())
        .find_map(|l| l.strip_prefix("your text is kept in "))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        std::fs::read_to_string(kept)
            .unwrap()
            .contains("value = 6000\n")
    );
    assert_eq!(env.commit_count(), count);
    assert!(env.read("lead/acme.toml").contains("value = 5600\n"));
}

#[test]
fn committed_man_pages_are_current() {
    let env = TestEnv::new();
    let out = env.home.join("man");
    env.funnel(&["man", "--dir", out.to_str().unwrap()])
        .success();
    let committed = crate::support::crate_dir().join("man");
    let names = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&out),
        names(&committed),
        "run `cargo run -- man --dir man` and commit man/"
    );
    for name in names(&out) {
        assert!(
            std::fs::read(out.join(&name)).unwrap()
                == std::fs::read(committed.join(&name)).unwrap(),
            "man/{name} is stale: run `cargo run -- man --dir man` and commit man/"
        );
    }
    let page = env.funnel(&["man"]).stdout;
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH funnel 1"),
        "{page}"
    );
}

#[test]
fn completions_cover_the_commands() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = env.funnel(&["completions", shell]);
        run.success();
        // The code asks funnel itself for the candidates.
        assert!(
            run.stdout.contains("COMPLETE") && run.stdout.contains("funnel"),
            "{shell}"
        );
    }
    assert_eq!(env.funnel(&["completions", "tcsh"]).status, 2);
}

#[test]
fn demo_builds_the_same_history_every_time() {
    let env = TestEnv::new();
    let first = env.home.join("demo1");
    let second = env.home.join("demo2");
    let run = env.funnel(&["demo", first.to_str().unwrap()]);
    run.success();
    assert!(
        run.stdout
            .contains("\n open             29   589,341 USD   272,991 USD                                    14     25\n"),
        "{}",
        run.stdout
    );
    env.funnel(&["demo", second.to_str().unwrap()]).success();
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        git(&first, &["rev-parse", "HEAD"]),
        git(&second, &["rev-parse", "HEAD"])
    );
    assert_eq!(
        git(&first, &["log", "--merges", "--format=%s"]),
        "Merge branch 'pipeline-review'\n"
    );
    // Everything committed but the dashboard the demo wrote beside it.
    assert_eq!(
        git(&first, &["status", "--porcelain"]),
        "?? dashboard.html\n"
    );
    let page = std::fs::read_to_string(first.join("dashboard.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        run.stderr.contains(&format!(
            "Wrote the dashboard to {}",
            first.join("dashboard.html").display()
        )),
        "{}",
        run.stderr
    );
    let authors = git(&first, &["log", "--format=%an"]);
    for name in ["Alice Nowak", "Bob Kowalski", "Carol Smith", "Dan Lee"] {
        assert!(authors.contains(name), "{name}");
    }
    let check = env.funnel(&["-C", first.to_str().unwrap(), "check"]);
    check.success();
    assert_eq!(check.stderr, "ok: 41 deals, no problems\n");
    assert_eq!(
        env.funnel(&["demo", first.to_str().unwrap()]).stderr,
        format!(
            "error: {} is not empty\nhint: give `funnel demo` a new folder, or none for a temporary one\n",
            first.display()
        )
    );
}

#[test]
fn board_names_deal_files_not_committed_yet() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.funnel(&["add", "Globex", "--value", "800"]).success();
    env.write(
        "lead/acme.toml",
        &(env.read("lead/acme.toml") + "# a note\n"),
    );
    env.write("lead/initech.toml", "title = \"Initech\"\nvalue = 100\n");
    std::fs::rename(
        env.path("lead/globex.toml"),
        env.path("contact/globex.toml"),
    )
    .unwrap();
    let run = env.funnel(&["board", "--format", "tsv"]);
    run.success();
    assert_eq!(
        run.stderr,
        "note: counted as they are in the work tree, not committed yet: ?? contact/globex.toml, ?? lead/initech.toml, D lead/globex.toml, M lead/acme.toml\n"
    );
    assert!(
        run.stdout.contains("\nlead\t2\t5100\t510\t"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\ncontact\t1\t800\t320\t"),
        "{}",
        run.stdout
    );
}
