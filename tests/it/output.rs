//! What `list`, `board` and `show` print, in every format, on a small
//! pipeline built by hand; filters and sorting; colour; finding the
//! pipeline; exit statuses; a closed pipe.

use std::io::{BufRead, Read};

use crate::support::TestEnv;

/// Six deals, one per stage but contact, one of them in EUR with a rate in
/// `[fx]`; written by hand and committed like a person would.
fn sample() -> TestEnv {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &format!("{}\n[fx]\nEUR = 1.08\n", env.read("funnel.toml")),
    );
    env.write(
        "lead/acme-crm.toml",
        r#"title = "Acme Corp: CRM rollout"
account = "Acme Corp"
owner = "alice"
value = 12000
created = 2026-10-01
expected_close = 2026-12-15
next_step = "Send the proposal"
next_step_due = 2026-11-20
tags = ["enterprise", "crm"]
region = "emea"
"#,
    );
    env.write(
        "qualified/globex.toml",
        r#"title = "Globex renewal"
account = "Globex"
owner = "bob"
value = "5000.40"
created = 2026-11-02
next_step = "Demo for the CFO"
next_step_due = 2026-12-01
tags = ["smb"]
region = "apac"

[qualification]
need = "Renew 20 seats"
problem_agreed = true
"#,
    );
    env.write(
        "proposal/initech.toml",
        r#"title = "Initech, \"Seats\" expansion"
account = "Initech"
owner = "alice"
value = 8000
currency = "EUR"
created = 2026-09-15
expected_close = 2026-12-31
"#,
    );
    env.write(
        "negotiation/umbrella.toml",
        r#"title = "Umbrella pilot"
account = "Umbrella Corporation"
owner = "carol"
created = 2026-11-10
expected_close = 2026-11-30
next_step = "Call legal"
next_step_due = 2026-11-27
"#,
    );
    env.write(
        "won/hooli.toml",
        "title = \"Hooli seats\"\nowner = \"bob\"\nvalue = 20000\n",
    );
    env.write(
        "lost/soylent.toml",
        "title = \"Soylent\"\nowner = \"alice\"\nvalue = 3000\nlost_reason = \"price\"\n",
    );
    env.commit_all("deals and a EUR rate by hand");
    let check = env.funnel(&["check"]);
    check.success();
    assert_eq!(check.stderr, "ok: 6 deals, no problems\n");
    env
}

/// Asserts a successful run that printed exactly `stdout` and nothing on stderr.
#[track_caller]
fn assert_prints(env: &TestEnv, args: &[&str]) {
    let run = env.funnel(args);
    run.success();
    assert_eq!(run.stderr, "", "{args:?}");
    insta::assert_snapshot!(snapshot_name(args), run.stdout);
}

/// A snapshot's name from the command's arguments (`board --format csv`
/// is `board-format-csv`).
fn snapshot_name(args: &[&str]) -> String {
    args.join(" ")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Asserts a run that failed with status 1, printing nothing on stdout and
/// exactly `stderr`.
#[track_caller]
fn assert_fails(env: &TestEnv, args: &[&str], stderr: &str) {
    let run = env.funnel(args);
    assert_eq!(run.stderr, stderr, "{args:?}");
    assert_eq!(run.stdout, "", "{args:?}");
    assert_eq!(run.status, 1, "{args:?}");
}

// list

#[test]
fn list_table() {
    let env = sample();
    assert_prints(&env, &["list"]);
}

#[test]
fn list_all_table() {
    let env = sample();
    assert_prints(&env, &["list", "--all"]);
}

/// A table shows each amount as CSV carries it (to the cent), in whole
/// units: 1234.495 is 1234.50 in CSV, so 1,235 in the table, where the
/// exact value would round to 1,234; wrapped to a terminal or not.
#[test]
fn list_table_shows_the_amount_csv_carries_in_whole_units() {
    let env = TestEnv::pipeline();
    env.write(
        "lead/odd.toml",
        "title = \"Odd cents\"\nvalue = \"1234.495\"\n",
    );
    let csv = env.funnel(&["list", "odd", "--format", "csv"]);
    assert_eq!(
        csv.stdout,
        "id,stage,title,owner,value,close,next step,due\nodd,lead,Odd cents,,1234.50,,,\n"
    );
    let table = env.funnel(&["list", "odd"]);
    assert_eq!(
        table.stdout,
        concat!(
            " id    stage   title       owner       value   close   next step   due\n",
            "───── ─────── ─────────── ─────── ─────────── ─────── ─────────── ─────\n",
            " odd   lead    Odd cents           1,235 USD\n",
        )
    );
    // Wrapped to a terminal's width (comfy-table's layout): the same.
    let wrapped = env.funnel_with(&["list", "odd"], &[("COLUMNS", "100")], None);
    assert_eq!(wrapped.stdout, table.stdout);
}

#[test]
fn list_with_nothing_to_show() {
    let env = sample();
    assert_prints(&env, &["list", "owner:dave"]);
    assert_prints(&env, &["list", "owner:dave", "--format", "csv"]);
    assert_prints(&env, &["list", "owner:dave", "--format", "json"]);
}

#[test]
fn list_csv_quotes_commas_and_quotes() {
    let env = sample();
    assert_prints(&env, &["list", "--format", "csv"]);
}

#[test]
fn list_tsv() {
    let env = sample();
    assert_prints(&env, &["list", "--format", "tsv"]);
}

#[test]
fn list_json() {
    let env = sample();
    assert_prints(&env, &["list", "--format", "json"]);
}

// Filters.

/// The IDs `funnel list ARGS` prints, space-separated.
#[track_caller]
fn ids(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["list", "--format", "tsv"];
    all.extend_from_slice(args);
    let run = env.funnel(&all);
    run.success();
    assert_eq!(run.stderr, "", "{args:?}");
    run.stdout
        .lines()
        .skip(1)
        .map(|line| line.split('\t').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn list_filters() {
    let env = sample();
    assert_eq!(ids(&env, &[]), "acme-crm globex initech umbrella");
    assert_eq!(
        ids(&env, &["--all"]),
        "acme-crm globex initech umbrella hooli soylent"
    );
    // A filter that names a stage shows closed stages without --all.
    assert_eq!(ids(&env, &["stage:proposal"]), "initech");
    assert_eq!(ids(&env, &["stage:WON"]), "hooli");
    assert_eq!(
        ids(&env, &["stage!=lead"]),
        "globex initech umbrella hooli soylent"
    );
    assert_eq!(ids(&env, &["owner:alice"]), "acme-crm initech");
    assert_eq!(
        ids(&env, &["owner:ALICE", "--all"]),
        "acme-crm initech soylent"
    );
    // Values compare in the pipeline's currency: 8000 EUR is 8640 USD.
    assert_eq!(ids(&env, &["value>5000"]), "acme-crm globex initech");
    assert_eq!(ids(&env, &["value>=8640"]), "acme-crm initech");
    assert_eq!(ids(&env, &["value<5000.41", "--all"]), "globex soylent");
    assert_eq!(ids(&env, &["due<today"]), "acme-crm");
    assert_eq!(ids(&env, &["due:today"]), "umbrella");
    assert_eq!(ids(&env, &["close<=eom"]), "umbrella");
    assert_eq!(ids(&env, &["age>60"]), "initech");
    assert_eq!(ids(&env, &["+enterprise"]), "acme-crm");
    assert_eq!(ids(&env, &["+SMB"]), "globex");
    assert_eq!(ids(&env, &["--", "-smb"]), "acme-crm initech umbrella");
    // `key:` is "missing".
    assert_eq!(ids(&env, &["close:"]), "globex");
    assert_eq!(ids(&env, &["value:"]), "umbrella");
    // Custom keys work like known ones.
    assert_eq!(ids(&env, &["region:EMEA"]), "acme-crm");
    assert_eq!(ids(&env, &["region:"]), "initech umbrella");
    assert_eq!(ids(&env, &["qualification.problem_agreed:true"]), "globex");
    // Bare words match the title or the account.
    assert_eq!(ids(&env, &["globex"]), "globex");
    assert_eq!(ids(&env, &["corp"]), "acme-crm umbrella");
    // All terms must hold, whether in one argument or several.
    assert_eq!(
        ids(&env, &["acme +crm", "value>10000", "stage:lead"]),
        "acme-crm"
    );
    assert_eq!(ids(&env, &["acme", "+smb"]), "");
}

/// `-tag` is a filter term as the help says, not an option.
#[test]
fn list_minus_tag_goes_after_a_double_dash() {
    let env = sample();
    assert_eq!(ids(&env, &["--", "-smb"]), "acme-crm initech umbrella");
    assert_eq!(
        ids(&env, &["--all", "--", "-smb"]),
        "acme-crm initech umbrella hooli soylent"
    );
}

#[test]
fn list_sort() {
    let env = sample();
    assert_eq!(
        ids(&env, &["--sort", "value"]),
        "globex initech acme-crm umbrella"
    );
    assert_eq!(
        ids(&env, &["--sort", "expected_close"]),
        "umbrella acme-crm initech globex"
    );
    assert_eq!(
        ids(&env, &["--sort", "region", "--all"]),
        "globex acme-crm hooli initech soylent umbrella"
    );
}

/// `--sort` takes the filter aliases too, as its help says.
#[test]
fn list_sort_by_an_alias() {
    let env = sample();
    assert_eq!(
        ids(&env, &["--sort", "close"]),
        "umbrella acme-crm initech globex"
    );
    assert_eq!(
        ids(&env, &["--sort", "-due"]),
        "globex umbrella acme-crm initech"
    );
}

/// A deal without a value sorts last both ways ("a missing value sorts
/// last"), so `--sort -value` starts with the biggest deal.
#[test]
fn list_sort_descending_keeps_missing_values_last() {
    let env = sample();
    assert_eq!(
        ids(&env, &["--sort", "-value", "--all"]),
        "hooli acme-crm initech globex soylent umbrella"
    );
}

#[test]
fn list_bad_filters_are_errors_with_a_hint() {
    let env = sample();
    assert_fails(
        &env,
        &["list", "valeu>5000"],
        "error: unknown key `valeu` in `valeu>5000`\nhint: did you mean `value`?\n",
    );
    assert_fails(
        &env,
        &["list", "zzz:1"],
        "error: unknown key `zzz` in `zzz:1`\nhint: use a key of the deal files, or stage, due, close, age or idle\n",
    );
    assert_fails(
        &env,
        &["list", "value>"],
        "error: missing value in `value>`\nhint: write a number or a date after `>`, such as value>5000 or due<today\n",
    );
    assert_fails(
        &env,
        &["list", ">5"],
        "error: missing key in `>5`\nhint: write key:value, key!=value, key>N, key>=N, key<N, key<=N, key:, +tag, -tag or a word\n",
    );
    assert_fails(
        &env,
        &["list", "due<someday"],
        "error: bad date in `due<someday`\nhint: cannot read `someday` as a date: use 2026-12-15, today, yesterday, tomorrow, a weekday such as friday, eow, eom, eoq, or +3d, -2w, +1m, -1y\n",
    );
    assert_fails(
        &env,
        &["list", "stage:proposl"],
        "error: unknown stage `proposl` in `stage:proposl`\nhint: did you mean `proposal`?\n",
    );
    assert_fails(
        &env,
        &["list", "--sort", "bogus"],
        "error: cannot sort by `bogus`: no deal has it\nhint: sort by id, stage, close, due or a field such as value or owner\n",
    );
}

// board

#[test]
fn board_table() {
    let env = sample();
    assert_prints(&env, &["board"]);
}

#[test]
fn board_csv_and_tsv() {
    let env = sample();
    assert_prints(&env, &["board", "--format", "csv"]);
    assert_prints(&env, &["board", "--format", "tsv"]);
}

#[test]
fn board_json() {
    let env = sample();
    assert_prints(&env, &["board", "--format", "json"]);
}

#[test]
fn board_wip_limits() {
    let env = sample();
    let config =
        env.read("funnel.toml")
            .replacen("idle_days = 7 ", "idle_days = 7\nwip_min = 2\n", 1);
    let config = config.replacen("max_days = 21\n", "max_days = 21\nwip_max = 0\n", 1);
    env.write("funnel.toml", &config);
    let run = env.funnel(&["board", "--format", "csv"]);
    run.success();
    assert_eq!(
        run.stdout.lines().take(3).collect::<Vec<_>>(),
        [
            "stage,deals,value,weighted,oldest,stalled,idle,wip",
            "lead,1,12000,1200,0d acme-crm,0,0,1 under the minimum of 2",
            "qualified,1,5000.40,1250.10,0d globex,0,0,1 over the limit of 0"
        ]
    );
    let json = env.funnel(&["board", "--format", "json"]).stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let wip = |i: usize| {
        (
            doc["stages"][i]["wip"].clone(),
            doc["stages"][i]["wip_limit"].clone(),
        )
    };
    assert_eq!(wip(0), ("under".into(), 2.into()), "{json}");
    assert_eq!(wip(1), ("over".into(), 0.into()), "{json}");
    assert_eq!(wip(2), ("ok".into(), serde_json::Value::Null), "{json}");
}

// show

#[test]
fn show_table() {
    let env = sample();
    assert_prints(&env, &["show", "initech"]);
    assert_prints(&env, &["show", "globex"]);
}

#[test]
fn show_csv_tsv_and_json() {
    let env = sample();
    assert_prints(&env, &["show", "initech", "--format", "csv"]);
    assert_prints(&env, &["show", "acme-crm", "--format", "tsv"]);
    assert_prints(&env, &["show", "initech", "--format", "json"]);
}

#[test]
fn show_an_unknown_deal() {
    let env = sample();
    assert_fails(
        &env,
        &["show", "initek"],
        "error: no deal `initek`\nhint: did you mean `initech`?\n",
    );
    assert_fails(
        &env,
        &["show", "zzz"],
        "error: no deal `zzz`\nhint: `funnel list --all` shows every deal's ID\n",
    );
}

// Colour.

#[test]
fn color_always_paints_errors_and_never_does_not() {
    let env = sample();
    assert_fails(
        &env,
        &["--color", "always", "list", "valeu>5000"],
        "\x1b[1;31merror:\x1b[0m unknown key `valeu` in `valeu>5000`\n\x1b[36mhint:\x1b[0m did you mean `value`?\n",
    );
    let plain = "error: unknown key `valeu` in `valeu>5000`\nhint: did you mean `value`?\n";
    assert_fails(&env, &["--color", "never", "list", "valeu>5000"], plain);
    assert_fails(&env, &["list", "valeu>5000", "--color=never"], plain);
    let run = env.funnel_with(&["list", "valeu>5000"], &[("NO_COLOR", "1")], None);
    assert_eq!(run.stderr, plain);
}

#[test]
fn color_always_paints_check_reports() {
    let env = TestEnv::pipeline();
    env.write("lead/acme.toml", "title = \"Acme\"\nvalue = true\n");
    let run = env.funnel(&["--color", "always", "check"]);
    run.failure(1);
    assert_eq!(
        run.stdout,
        "\x1b[1mlead/acme.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean\x1b[0m
  |
2 | value = true
\x1b[31m  |         ^^^^\x1b[0m
\x1b[36m  hint: write value = 12000 or value = \"12000.50\"\x1b[0m

"
    );
    let run = env.funnel(&["--color", "never", "check"]);
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
}

/// On a terminal errors are coloured unless NO_COLOR is set; `--color
/// always` wins over NO_COLOR.
#[test]
fn color_on_a_terminal_follows_no_color() {
    let env = sample();
    let script = "\"$FUNNEL\" list 'valeu>5000'";
    let Some(run) = env.in_terminal(script, &[]) else {
        crate::support::skip("no util-linux `script` for a pseudo-terminal");
        return;
    };
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        "\x1b[1;31merror:\x1b[0m unknown key `valeu` in `valeu>5000`\r\n\x1b[36mhint:\x1b[0m did you mean `value`?\r\n"
    );
    let run = env.in_terminal(script, &[("NO_COLOR", "1")]).unwrap();
    assert_eq!(
        run.stdout,
        "error: unknown key `valeu` in `valeu>5000`\r\nhint: did you mean `value`?\r\n"
    );
    let run = env
        .in_terminal(
            "\"$FUNNEL\" --color always list 'valeu>5000'",
            &[("NO_COLOR", "1")],
        )
        .unwrap();
    assert!(run.stdout.starts_with("\x1b[1;31merror:"), "{}", run.stdout);
}

/// `funnel list > deals.txt` typed at a terminal: stderr is a terminal but
/// stdout is a file, which must get no colour codes.
#[test]
fn a_table_written_to_a_file_from_a_terminal_has_no_color() {
    let env = sample();
    let script = "\"$FUNNEL\" --today 2026-11-27 list > deals.txt";
    let Some(run) = env.in_terminal(script, &[]) else {
        crate::support::skip("no util-linux `script` for a pseudo-terminal");
        return;
    };
    assert_eq!(run.status, 0, "{}", run.stdout);
    let written = env.read("deals.txt");
    assert_eq!(written, env.funnel(&["list"]).stdout);
    assert!(!written.contains('\x1b'), "{written:?}");
}

// Finding the pipeline.

#[test]
fn dash_c_and_funnel_dir_find_the_pipeline() {
    let env = sample();
    let repo = env.repo.to_str().unwrap();
    let elsewhere = env.home.as_path();
    let expected = ids(&env, &[]);
    let list = |args: &[&str], vars: &[(&str, &str)]| {
        let mut all = args.to_vec();
        all.extend(["list", "--format", "tsv"]);
        let run = env.funnel_in(elsewhere, &all, vars);
        run.success();
        run.stdout
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(list(&["-C", repo], &[]), expected);
    assert_eq!(list(&["-C", "../repo"], &[]), expected);
    assert_eq!(list(&[], &[("FUNNEL_DIR", repo)]), expected);
    // -C wins over FUNNEL_DIR.
    assert_eq!(
        list(&["-C", repo], &[("FUNNEL_DIR", "/nonexistent")]),
        expected
    );
    // -C names a folder inside the pipeline as well as its root.
    assert_eq!(
        list(&["-C", env.path("won").to_str().unwrap()], &[]),
        expected
    );
}

#[test]
fn the_pipeline_is_found_from_a_subfolder() {
    let env = sample();
    let run = env.funnel_in(
        &env.path("lead"),
        &["list", "--format", "csv", "stage:lead"],
        &[],
    );
    run.success();
    assert_eq!(
        run.stdout,
        "id,stage,title,owner,value,close,next step,due\nacme-crm,lead,Acme Corp: CRM rollout,alice,12000,2026-12-15,Send the proposal,2026-11-20\n"
    );
    let run = env.funnel_in(&env.path("lead"), &["move", "acme-crm", "contact"], &[]);
    run.success();
    assert!(env.path("contact/acme-crm.toml").exists());
    assert_eq!(env.status(), "");
}

#[test]
fn outside_any_pipeline() {
    let env = TestEnv::new();
    let dir = std::fs::canonicalize(&env.repo).unwrap();
    let expected = format!(
        "error: no funnel.toml in {} or any folder above it\nhint: run `funnel init` to start a pipeline, or point at one with -C DIR or FUNNEL_DIR\n",
        dir.display()
    );
    for args in [
        &["list"][..],
        &["board"],
        &["check"],
        &["show", "acme"],
        &["add", "Acme"],
    ] {
        assert_fails(&env, args, &expected);
    }
    assert_eq!(env.status(), "");
}

/// A pipeline in `sales/` of a larger repository: funnel's commits touch
/// only paths under it, named from the repository's root.
#[test]
fn a_pipeline_in_a_subfolder_of_a_repository() {
    let env = TestEnv::new();
    env.write("README.md", "The company's repository\n");
    env.commit_all("readme");
    let sales = env.path("sales");
    env.funnel(&["init", sales.to_str().unwrap(), "--at", "2026-11-01"])
        .success();
    assert!(env.path("sales/funnel.toml").exists());
    let run = env.funnel(&["-C", "sales", "add", "X", "--value", "5000"]);
    run.success();
    assert_eq!(run.stdout, "lead/x.toml\n");
    assert_eq!(
        env.last_commit(),
        "add x: lead\n\nFunnel-Deal: x\n\n@ 2026-11-27T12:00:00Z\n\nA\tsales/lead/x.toml\n"
    );
    let run = env.funnel_in(&env.path("sales/lead"), &["move", "x", "contact"], &[]);
    run.success();
    assert_eq!(
        env.last_commit(),
        "move x: lead -> contact\n\nFunnel-Deal: x\n\n@ 2026-11-27T12:00:00Z\n\nA\tsales/contact/x.toml\nD\tsales/lead/x.toml\n"
    );
    let run = env.funnel_with(
        &["list", "--format", "csv"],
        &[("FUNNEL_DIR", "sales")],
        None,
    );
    run.success();
    assert_eq!(
        run.stdout,
        "id,stage,title,owner,value,close,next step,due\nx,contact,X,alice,5000,,,\n"
    );
    assert_eq!(env.status(), "");
    assert_eq!(env.read("README.md"), "The company's repository\n");
    // Files not committed are named from the pipeline's root, whether git
    // is asked about every file or (the index remembered) about these.
    let x = env.read("sales/contact/x.toml");
    env.write("sales/contact/x.toml", &x.replace("5000", "6000"));
    env.write("sales/lead/y.toml", "title = \"Y\"\n");
    env.write("elsewhere/z.toml", "title = \"Z\"\n");
    let note = "note: counted as they are in the work tree, not committed yet: ?? lead/y.toml, M contact/x.toml\n";
    // The first check asks git about every file and remembers the index;
    // the second, and board, ask about the changed files alone; board
    // without the memo asks about every file.
    for _ in 0..2 {
        let run = env.funnel(&["-C", "sales", "check"]);
        assert_eq!(
            run.stderr,
            "warning: lead/y.toml is not committed: commit it (`git add lead/y.toml && git commit`) or remove it\nwarning: contact/x.toml has changes that are not committed: commit them (`git add -A contact/x.toml && git commit`) or drop them (`git restore --staged --worktree contact/x.toml`)\nok: 2 deals, no problems\n"
        );
    }
    assert_eq!(env.funnel(&["-C", "sales", "board"]).stderr, note);
    std::fs::remove_file(env.path(".git/funnel/clean")).unwrap();
    assert_eq!(env.funnel(&["-C", "sales", "board"]).stderr, note);
}

/// `funnel init DIR`, `funnel -C DIR init` and `FUNNEL_DIR=DIR funnel init`
/// with a relative DIR all start the pipeline in DIR.
#[test]
fn init_into_a_relative_subfolder() {
    for (args, vars) in [
        (&["init", "sales"][..], &[][..]),
        (&["-C", "sales", "init"], &[]),
        (&["init"], &[("FUNNEL_DIR", "sales")]),
    ] {
        let env = TestEnv::new();
        let run = env.funnel_with(args, vars, None);
        run.success();
        assert!(
            env.path("sales/funnel.toml").exists() && !env.path("sales/sales").exists(),
            "{args:?} {vars:?}: {}",
            run.stderr
        );
        assert!(
            env.last_commit().contains("A\tsales/funnel.toml\n"),
            "{args:?} {vars:?}"
        );
    }
}

// Exit statuses and pipes.

#[test]
fn usage_errors_exit_2() {
    let env = sample();
    for args in [
        &["list", "--bogus"][..],
        &["list", "--format", "xml"],
        &["move", "acme-crm"],
        &["frobnicate"],
        &[],
    ] {
        let run = env.funnel(args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = env.funnel(&["list", "--bogus"]);
    assert!(
        run.stderr
            .starts_with("error: unexpected argument '--bogus' found\n"),
        "{}",
        run.stderr
    );
}

/// `funnel list --all | head -1`: the reader goes away after one line, and
/// funnel stops quietly with status 0.
#[test]
fn a_closed_pipe_exits_quietly() {
    let env = TestEnv::pipeline();
    let step = "Call the champion, then send the revised proposal with three pricing options, \
        the security questionnaire, the reference customers' contacts and the draft order form";
    for i in 1..=300 {
        env.write(
            &format!("lead/deal-{i:03}.toml"),
            &format!(
                "title = \"Deal number {i} with a rather long title for the listing\"\nvalue = {}\nnext_step = \"{step}; {step}\"\n",
                i * 100
            ),
        );
    }
    env.commit_all("300 deals");
    // More than a pipe holds, so funnel is still writing when the reader goes.
    let full = env.funnel(&["list", "--all"]);
    full.success();
    assert!(full.stdout.len() > 128 * 1024, "{}", full.stdout.len());

    let mut child = env.spawn_funnel(&["list", "--all"]);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(first.starts_with(" id "), "{first}");
    assert_eq!(stderr, "");
    assert_eq!(status.code(), Some(0));
}

// filters everywhere

/// `board`, `next`, `report` and `doctor` take the filter terms of `list`,
/// with the same errors.
#[test]
fn filters_work_on_board_next_report_and_doctor() {
    let env = sample();
    // alice: acme-crm (lead, 12000), initech (proposal, 8000 EUR), soylent (lost).
    let csv = "stage,deals,value,weighted,oldest,stalled,idle,wip
lead,1,12000,1200,0d acme-crm,0,0,
qualified,0,0,0,,0,0,
contact,0,0,0,,0,0,
proposal,1,8640,5184,0d initech,0,0,
negotiation,0,0,0,,0,0,
won,0,0,,,,,
lost,1,3000,,,,,
open,2,20640,6384,,0,0,
";
    let run = env.funnel(&["board", "owner:alice", "--format", "csv"]);
    run.success();
    assert_eq!(run.stdout, csv);
    // Only umbrella is due today (2026-11-27), and it is carol's.
    let next = |terms: &[&str]| {
        let mut args = vec!["next", "--owner", "all", "--format", "tsv"];
        args.extend(terms);
        let run = env.funnel(&args);
        run.success();
        run.stdout
            .lines()
            .skip(1)
            .map(|l| l.split('\t').nth(1).unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(next(&[]).contains(&"umbrella".to_string()));
    assert!(!next(&["owner:alice"]).contains(&"umbrella".to_string()));
    // A report on one segment counts its deals only.
    let deals = |terms: &[&str]| {
        let mut args = vec!["report", "--format", "json"];
        args.extend(terms);
        let run = env.funnel(&args);
        run.success();
        run.stderr
    };
    assert!(
        deals(&[]).ends_with(", 6 deals, in USD\n"),
        "{}",
        deals(&[])
    );
    assert!(
        deals(&["owner:bob"]).ends_with(", 2 deals, in USD\n"),
        "{}",
        deals(&["owner:bob"])
    );
    // doctor keeps the findings about matching deals.
    let doctor = env.funnel(&["doctor", "--format", "tsv", "owner:carol"]);
    doctor.success();
    assert!(
        doctor.stdout.lines().skip(1).all(|l| {
            let deal = l.split('\t').nth(2).unwrap();
            deal.is_empty() || deal == "umbrella"
        }),
        "{}",
        doctor.stdout
    );
    // The same errors and hints as list.
    for command in ["board", "next", "report", "doctor"] {
        assert_fails(
            &env,
            &[command, "valeu>5"],
            "error: unknown key `valeu` in `valeu>5`\nhint: did you mean `value`?\n",
        );
    }
}
