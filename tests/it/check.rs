//! `funnel check`, one reproducer per problem it reports (like beancount's
//! and hledger's tests): each asserts the whole report, the summary on
//! stderr and the exit status. Then how broken files affect the other
//! commands: read-only ones skip them and say so, mutating ones refuse.

use crate::support::{Run, TestEnv};

/// The summary `check` prints on stderr for one problem.
const ONE: &str = "1 problem(s) in 1 file(s)\n";

/// A fresh pipeline with `text` written to `rel` (not committed).
fn with_file(rel: &str, text: &str) -> TestEnv {
    let env = TestEnv::pipeline();
    env.write(rel, text);
    env
}

/// Asserts that `check` prints exactly `stdout` and `stderr` and exits 1,
/// on the files committed as they are (as in CI; a check of files not
/// committed also names them).
#[track_caller]
fn assert_check(env: &TestEnv, stdout: &str, stderr: &str) {
    env.git(&["add", "-A"]);
    env.git_output(&["commit", "-qm", "the files under test"], &[]);
    let run = env.funnel(&["check"]);
    assert_eq!(run.stdout, stdout, "stderr:\n{}", run.stderr);
    assert_eq!(run.stderr, stderr);
    assert_eq!(run.status, 1);
}

/// `funnel.toml` as `funnel init` writes it, with `from` replaced by `to`
/// (once; `from` must be there).
#[track_caller]
fn config_with(from: &str, to: &str) -> String {
    let config = funnel::model::config::DEFAULT;
    assert!(config.contains(from), "the default config has no {from:?}");
    config.replacen(from, to, 1)
}

#[test]
fn a_clean_pipeline_is_ok() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.funnel(&["add", "Globex"]).success();
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "ok: 2 deals, no problems\n");
    let run = env.funnel(&["check", "--format", "json"]);
    run.success();
    assert_eq!(
        run.stdout,
        "{\n  \"deals\": 2,\n  \"notes\": [],\n  \"problems\": [],\n  \"warnings\": []\n}\n"
    );
    assert_eq!(run.stderr, "ok: 2 deals, no problems\n");
}

#[test]
fn an_empty_pipeline_is_ok() {
    let env = TestEnv::pipeline();
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "ok: 0 deals, no problems\n");
}

// Deal files.

#[test]
fn toml_syntax_error() {
    let env = with_file("lead/acme.toml", "title = \"Acme\nvalue = 5000\n");
    assert_check(
        &env,
        "lead/acme.toml:1:14: invalid basic string, expected `\"`
  |
1 | title = \"Acme
  |              ^
  hint: fix the TOML syntax at the caret

",
        ONE,
    );
}

#[test]
fn a_key_given_twice() {
    let env = with_file("lead/acme.toml", "title = \"Acme\"\nvalue = 1\nvalue = 2\n");
    assert_check(
        &env,
        "lead/acme.toml:3:1: duplicate key
  |
3 | value = 2
  | ^^^^^
  hint: fix the TOML syntax at the caret

",
        ONE,
    );
}

#[test]
fn wrong_type_value_is_a_boolean() {
    let env = with_file("lead/acme.toml", "title = \"Acme\"\nvalue = true\n");
    assert_check(
        &env,
        "lead/acme.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean
  |
2 | value = true
  |         ^^^^
  hint: write value = 12000 or value = \"12000.50\"

",
        ONE,
    );
}

#[test]
fn wrong_type_created_is_a_quoted_date() {
    let env = with_file(
        "lead/acme.toml",
        "title = \"Acme\"\ncreated = \"2026-01-01\"\n",
    );
    assert_check(
        &env,
        "lead/acme.toml:2:11: wrong type for `created`: expected a date (2026-12-15, without quotes), found a string
  |
2 | created = \"2026-01-01\"
  |           ^^^^^^^^^^^^
  hint: write created = 2026-12-15

",
        ONE,
    );
}

#[test]
fn wrong_type_in_a_sub_table() {
    let env = with_file(
        "lead/acme.toml",
        "title = \"Acme\"\n\n[qualification]\nneed = \"CRM\"\nbudget = \"yes\"\n",
    );
    assert_check(
        &env,
        "lead/acme.toml:5:10: wrong type for `qualification.budget`: expected true or false, found a string
  |
5 | budget = \"yes\"
  |          ^^^^^
  hint: write budget = true

",
        ONE,
    );
}

#[test]
fn wrong_type_tags_is_a_string() {
    let env = with_file("lead/acme.toml", "title = \"Acme\"\ntags = \"x\"\n");
    assert_check(
        &env,
        "lead/acme.toml:2:8: wrong type for `tags`: expected a list of strings, found a string
  |
2 | tags = \"x\"
  |        ^^^
  hint: write tags = [\"enterprise\"]

",
        ONE,
    );
}

#[test]
fn probability_out_of_range() {
    let env = with_file("lead/acme.toml", "title = \"Acme\"\nprobability = 140\n");
    assert_check(
        &env,
        "lead/acme.toml:2:15: `probability` is 140, out of range: expected a percent from 0 to 100
  |
2 | probability = 140
  |               ^^^
  hint: write probability = 40

",
        ONE,
    );
}

#[test]
fn missing_title() {
    let env = with_file("lead/acme.toml", "owner = \"alice\"\nvalue = 5000\n");
    assert_check(
        &env,
        "lead/acme.toml:1:1: missing `title`
  hint: add a line such as title = \"acme\"

",
        ONE,
    );
}

#[test]
fn invalid_id() {
    let env = with_file("lead/Acme.toml", "title = \"Acme\"\n");
    assert_check(
        &env,
        "lead/Acme.toml:1:1: invalid ID `Acme`: an ID starts with a lowercase letter or a digit
  hint: rename the file: git mv lead/Acme.toml lead/acme.toml

",
        ONE,
    );
}

#[test]
fn duplicate_id_in_two_stages() {
    let env = with_file("lead/acme.toml", "title = \"Acme\"\n");
    env.write(
        "proposal/acme.toml",
        "title = \"Acme\"\nvalue = 5000\nexpected_close = 2026-12-15\n",
    );
    assert_check(
        &env,
        "proposal/acme.toml:1:1: duplicate ID `acme`: also lead/acme.toml
  hint: a deal lives in one stage: delete one copy, or rename it with `git mv proposal/acme.toml proposal/NEW-ID.toml`

",
        ONE,
    );
}

#[test]
fn a_folder_that_is_not_a_stage_with_did_you_mean() {
    let env = with_file("proposl/acme.toml", "title = \"Acme\"\n");
    assert_check(
        &env,
        "proposl:1:1: `proposl` is not a stage, but holds deal files
  hint: did you mean `proposal`? Move the files with `git mv proposl/* proposal/`

",
        ONE,
    );
}

#[test]
fn a_folder_that_is_not_a_stage_without_did_you_mean() {
    let env = with_file("archive/acme.toml", "title = \"Acme\"\n");
    // Folders without deal files are none of funnel's business.
    env.write("docs/README.md", "notes\n");
    assert_check(
        &env,
        "archive:1:1: `archive` is not a stage, but holds deal files
  hint: declare it as a [[stage]] in funnel.toml, or move its files into one of: lead, qualified, contact, proposal, negotiation, won, lost

",
        ONE,
    );
}

#[test]
fn a_nested_folder_in_a_stage() {
    let env = with_file("lead/old/acme.toml", "title = \"Acme\"\n");
    assert_check(
        &env,
        "lead/old:1:1: deal files are one level deep: STAGE/ID.toml
  hint: move the files in lead/old/ up into lead/

",
        ONE,
    );
}

#[test]
fn a_field_the_stage_requires_is_missing() {
    let env = with_file("proposal/acme.toml", "title = \"Acme\"\nvalue = 5000\n");
    assert_check(
        &env,
        "proposal/acme.toml:1:1: missing `expected_close` required in stage `proposal`
  hint: set it: funnel set acme expected_close=...

",
        ONE,
    );
}

#[test]
fn several_fields_the_stage_requires_are_missing() {
    // An empty string counts as missing.
    let env = with_file(
        "qualified/acme.toml",
        "title = \"Acme\"\nvalue = 5000\n\n[qualification]\nneed = \" \"\n",
    );
    assert_check(
        &env,
        "qualified/acme.toml:1:1: missing `qualification.need` and `qualification.problem_agreed` required in stage `qualified`
  hint: set them: funnel set acme qualification.need=... qualification.problem_agreed=...

",
        ONE,
    );
}

#[test]
fn lost_reason_not_in_lost_reasons_with_did_you_mean() {
    let env = with_file(
        "lost/acme.toml",
        "title = \"Acme\"\nlost_reason = \"pricee\"\n",
    );
    assert_check(
        &env,
        "lost/acme.toml:2:15: lost_reason \"pricee\" is not in lost_reasons
  |
2 | lost_reason = \"pricee\"
  |               ^^^^^^^^
  hint: did you mean \"price\"? The reasons are: price, competitor, no-decision, no-budget, timing, unqualified

",
        ONE,
    );
}

#[test]
fn lost_reason_not_in_lost_reasons_without_did_you_mean() {
    let env = with_file(
        "lost/acme.toml",
        "title = \"Acme\"\nlost_reason = \"weather\"\n",
    );
    assert_check(
        &env,
        "lost/acme.toml:2:15: lost_reason \"weather\" is not in lost_reasons
  |
2 | lost_reason = \"weather\"
  |               ^^^^^^^^^
  hint: use one of: price, competitor, no-decision, no-budget, timing, unqualified (or add it to lost_reasons in funnel.toml)

",
        ONE,
    );
}

#[test]
fn a_currency_without_a_rate() {
    let env = with_file(
        "lead/acme.toml",
        "title = \"Acme\"\nvalue = 5000\ncurrency = \"GBP\"\n",
    );
    assert_check(
        &env,
        "lead/acme.toml:3:12: no exchange rate for currency \"GBP\"
  |
3 | currency = \"GBP\"
  |            ^^^^^
  hint: add `GBP = RATE` under [fx] in funnel.toml (1 GBP in USD)

",
        ONE,
    );
    // With a rate it is fine, and so is the pipeline's own currency.
    env.write(
        "funnel.toml",
        &format!("{}\n[fx]\nGBP = 1.27\n", funnel::model::config::DEFAULT),
    );
    env.write(
        "lead/globex.toml",
        "title = \"Globex\"\nvalue = 5000\ncurrency = \"USD\"\n",
    );
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(
        run.stderr,
        "warning: lead/globex.toml is not committed: commit it (`git add lead/globex.toml && git commit`) or remove it\nok: 2 deals, no problems\n"
    );
}

#[test]
fn unresolved_conflict_markers() {
    let env = with_file(
        "lead/acme.toml",
        "title = \"Acme\"\n<<<<<<< HEAD\nvalue = 5000\n=======\nvalue = 6000\n>>>>>>> side\n",
    );
    assert_check(
        &env,
        "lead/acme.toml:2:1: unresolved git conflict markers
  |
2 | <<<<<<< HEAD
  | ^^^^^^^
  hint: keep the right version between <<<<<<<, ======= and >>>>>>>, delete the markers, then `git add` the file

",
        ONE,
    );
}

// funnel.toml.

#[test]
fn config_misspelt_key_with_did_you_mean() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("\ncurrency = \"USD\"", "\ncurency = \"USD\""),
    );
    assert_check(
        &env,
        "funnel.toml:3:1: unknown key `curency`
  |
3 | curency = \"USD\"                 # the pipeline's currency
  | ^^^^^^^
  hint: did you mean `currency`?

",
        ONE,
    );
}

/// A misspelt key inside a [[stage]] is compared with the keys of a stage,
/// not with the top-level keys.
#[test]
fn config_misspelt_stage_key_with_did_you_mean() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("max_days = 14 ", "max_day = 14  "),
    );
    assert_check(
        &env,
        "funnel.toml:12:1: unknown key `max_day`
   |
12 | max_day = 14                     # days in this stage before a deal is stalled
   | ^^^^^^^
  hint: did you mean `max_days`?

",
        ONE,
    );
}

#[test]
fn config_unknown_stage_kind() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("kind = \"open\"  ", "kind = \"opn\"   "),
    );
    assert_check(
        &env,
        "funnel.toml:10:8: unknown value `opn`
   |
10 | kind = \"opn\"                     # open | won | lost
   |        ^^^^^
  hint: did you mean `open`?

",
        ONE,
    );
}

/// The second declaration is the one to fix, so it is the one pointed at.
#[test]
fn config_duplicate_stage_id() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("id = \"contact\"", "id = \"lead\""),
    );
    assert_check(
        &env,
        "funnel.toml:24:6: stage `lead` is declared twice
   |
24 | id = \"lead\"
   |      ^^^^^^
  hint: give each [[stage]] its own id, or remove one of them

",
        ONE,
    );
}

#[test]
fn config_unknown_time_zone() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("timezone = \"UTC\"", "timezone = \"Mars/Olympus\""),
    );
    assert_check(
        &env,
        "funnel.toml:4:12: unknown time zone `Mars/Olympus`
  |
4 | timezone = \"Mars/Olympus\"                 # dates and report windows are cut in this zone
  |            ^^^^^^^^^^^^^^
  hint: use an IANA name such as \"UTC\" or \"Europe/Warsaw\"

",
        ONE,
    );
}

#[test]
fn config_without_a_won_stage() {
    let env = TestEnv::pipeline();
    env.write(
        "funnel.toml",
        &config_with("kind = \"won\"", "kind = \"open\""),
    );
    assert_check(
        &env,
        "funnel.toml:1:1: no stage of kind \"won\"
  hint: add a [[stage]] with kind = \"won\" so deals can close

",
        ONE,
    );
}

// Every problem, in every file.

/// Broken files of every sort at once: one commit, as a bad pull request would be.
fn broken_pipeline() -> TestEnv {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.write(
        "lead/bolt.toml",
        "title = \"Bolt\"\nvalue = true\ncreated = \"2026-01-01\"\n",
    );
    env.write(
        "lost/zed.toml",
        "title = \"Zed\"\nowner = \"bob\"\nlost_reason = \"pricee\"\n",
    );
    env.write("negotiation/Cargo.toml", "title = \"Cargo\"\n");
    env.write("proposal/delta.toml", "title = \"Delta\"\nvalue = 1\n");
    env.write("archive/old.toml", "title = \"Old\"\n");
    env.commit_all("deals by hand");
    env
}

#[test]
fn check_lists_every_problem_in_every_file_sorted_by_file() {
    let env = broken_pipeline();
    assert_check(
        &env,
        "archive:1:1: `archive` is not a stage, but holds deal files
  hint: declare it as a [[stage]] in funnel.toml, or move its files into one of: lead, qualified, contact, proposal, negotiation, won, lost

lead/bolt.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean
  |
2 | value = true
  |         ^^^^
  hint: write value = 12000 or value = \"12000.50\"

lead/bolt.toml:3:11: wrong type for `created`: expected a date (2026-12-15, without quotes), found a string
  |
3 | created = \"2026-01-01\"
  |           ^^^^^^^^^^^^
  hint: write created = 2026-12-15

lost/zed.toml:3:15: lost_reason \"pricee\" is not in lost_reasons
  |
3 | lost_reason = \"pricee\"
  |               ^^^^^^^^
  hint: did you mean \"price\"? The reasons are: price, competitor, no-decision, no-budget, timing, unqualified

negotiation/Cargo.toml:1:1: invalid ID `Cargo`: an ID starts with a lowercase letter or a digit
  hint: rename the file: git mv negotiation/Cargo.toml negotiation/cargo.toml

proposal/delta.toml:1:1: missing `expected_close` required in stage `proposal`
  hint: set it: funnel set delta expected_close=...

",
        "6 problem(s) in 5 file(s)\n",
    );
}

#[test]
fn check_json_shape() {
    let env = broken_pipeline();
    let run = env.funnel(&["check", "--format", "json"]);
    run.failure(1);
    assert_eq!(run.stderr, "6 problem(s) in 5 file(s)\n");
    assert_eq!(
        run.stdout,
        r#"{
  "deals": 3,
  "notes": [],
  "problems": [
    {
      "column": 1,
      "file": "archive",
      "hint": "declare it as a [[stage]] in funnel.toml, or move its files into one of: lead, qualified, contact, proposal, negotiation, won, lost",
      "line": 1,
      "message": "`archive` is not a stage, but holds deal files"
    },
    {
      "column": 9,
      "file": "lead/bolt.toml",
      "hint": "write value = 12000 or value = \"12000.50\"",
      "line": 2,
      "message": "wrong type for `value`: expected an amount (a number or a decimal string), found a boolean",
      "source_line": "value = true"
    },
    {
      "column": 11,
      "file": "lead/bolt.toml",
      "hint": "write created = 2026-12-15",
      "line": 3,
      "message": "wrong type for `created`: expected a date (2026-12-15, without quotes), found a string",
      "source_line": "created = \"2026-01-01\""
    },
    {
      "column": 15,
      "file": "lost/zed.toml",
      "hint": "did you mean \"price\"? The reasons are: price, competitor, no-decision, no-budget, timing, unqualified",
      "line": 3,
      "message": "lost_reason \"pricee\" is not in lost_reasons",
      "source_line": "lost_reason = \"pricee\""
    },
    {
      "column": 1,
      "file": "negotiation/Cargo.toml",
      "hint": "rename the file: git mv negotiation/Cargo.toml negotiation/cargo.toml",
      "line": 1,
      "message": "invalid ID `Cargo`: an ID starts with a lowercase letter or a digit"
    },
    {
      "column": 1,
      "file": "proposal/delta.toml",
      "hint": "set it: funnel set delta expected_close=...",
      "line": 1,
      "message": "missing `expected_close` required in stage `proposal`"
    }
  ],
  "warnings": []
}
"#
    );
}

#[test]
fn check_json_for_a_broken_configuration() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme"]).success();
    env.write(
        "funnel.toml",
        &config_with("timezone = \"UTC\"", "timezone = \"Mars/Olympus\""),
    );
    let run = env.funnel(&["check", "--format", "json"]);
    run.failure(1);
    assert_eq!(run.stderr, ONE);
    assert_eq!(
        run.stdout,
        r#"{
  "deals": 0,
  "notes": [],
  "problems": [
    {
      "column": 12,
      "file": "funnel.toml",
      "hint": "use an IANA name such as \"UTC\" or \"Europe/Warsaw\"",
      "line": 4,
      "message": "unknown time zone `Mars/Olympus`",
      "source_line": "timezone = \"Mars/Olympus\"                 # dates and report windows are cut in this zone"
    }
  ],
  "warnings": []
}
"#
    );
}

// Broken files and the other commands.

/// A pipeline with a good deal and a deal whose file has one problem, all committed.
fn one_broken_deal() -> TestEnv {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env.write("lead/bolt.toml", "title = \"Bolt\"\nvalue = true\n");
    env.commit_all("bolt by hand");
    env
}

const BOLT_PROBLEM: &str = "lead/bolt.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean
  |
2 | value = true
  |         ^^^^
  hint: write value = 12000 or value = \"12000.50\"
";

#[test]
fn read_only_commands_skip_a_broken_file_and_say_so() {
    let env = one_broken_deal();
    let warning = "warning: skipped 1 broken file(s): lead/bolt.toml; `funnel check` explains\n";
    let run = env.funnel(&["list", "--format", "tsv"]);
    run.success();
    assert_eq!(
        run.stdout,
        "id\tstage\ttitle\towner\tvalue\tclose\tnext step\tdue\nacme\tlead\tAcme\talice\t5000\t\t\t\n"
    );
    assert_eq!(run.stderr, warning);
    let run = env.funnel(&["board", "--format", "csv"]);
    run.success();
    assert_eq!(
        run.stdout,
        "stage,deals,value,weighted,oldest,stalled,idle,wip
lead,1,5000,500,0d acme,0,0,
qualified,0,0,0,,0,0,
contact,0,0,0,,0,0,
proposal,0,0,0,,0,0,
negotiation,0,0,0,,0,0,
won,0,0,,,,,
lost,0,0,,,,,
open,1,5000,500,,0,0,
"
    );
    assert_eq!(run.stderr, warning);
    // `show` reads the one deal's file alone: nothing was skipped.
    let run = env.funnel(&["show", "acme", "--format", "tsv"]);
    run.success();
    assert_eq!(run.stderr, "");
}

/// The warning counts files, not problems, and names each file once, in
/// order.
#[test]
fn the_warning_counts_broken_files_not_problems() {
    let env = broken_pipeline();
    let run = env.funnel(&["list"]);
    run.success();
    assert_eq!(
        run.stderr,
        "warning: skipped 3 broken file(s): archive, lead/bolt.toml, negotiation/Cargo.toml; `funnel check` explains\n"
    );
}

#[test]
fn show_of_a_broken_deal_explains_it() {
    let env = one_broken_deal();
    let run = env.funnel(&["show", "bolt"]);
    run.failure(1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "{BOLT_PROBLEM}error: 1 problem(s) in the file(s) above\nhint: fix them first; `funnel check` lists every problem in the pipeline\n"
        )
    );
}

#[test]
fn mutating_commands_refuse_a_broken_file_and_change_nothing() {
    let env = one_broken_deal();
    let before = (env.read("lead/bolt.toml"), env.commit_count(), env.status());
    let refusal = format!(
        "{BOLT_PROBLEM}error: 1 problem(s) in the file(s) above\nhint: fix them first; `funnel check` lists every problem in the pipeline\n"
    );
    for args in [
        &["set", "bolt", "value=5000"][..],
        &["move", "bolt", "contact"],
        &["move", "bolt", "lost", "--reason", "price"],
        &["rename", "bolt", "bolt-2"],
        &["rm", "bolt"],
    ] {
        let run = env.funnel(args);
        run.failure(1);
        assert_eq!(run.stdout, "", "{args:?}");
        assert_eq!(run.stderr, refusal, "{args:?}");
        assert_eq!(
            (env.read("lead/bolt.toml"), env.commit_count(), env.status()),
            before,
            "{args:?}"
        );
    }
    assert!(!env.path("contact/bolt.toml").exists());
    assert!(!env.path("lost/bolt.toml").exists());
    // The good deal next to it can still be changed.
    env.funnel(&["set", "acme", "value=6000"]).success();
    assert_eq!(env.commit_count(), before.1 + 1);
    assert_eq!(env.read("lead/bolt.toml"), before.0);
}

/// Every way a deal file can differ from HEAD, as git's status tells it
/// (funnel asks the user's git): staged, changed after staging, changed
/// in the work tree only, only its mode changed, added to the index, new
/// and untracked, removed with `git rm`, deleted from the work tree, and
/// removed from the index but kept (git's two lines, `D ` and `??`, are
/// one file not committed). `check` groups them; `board` lists with
/// git's short codes those it counts differently from HEAD (their bytes
/// or folder differ: not the mode alone, nor a file only taken out of the
/// index), asking git about those files alone.
#[test]
fn every_kind_of_uncommitted_deal_file_is_named_once() {
    let env = TestEnv::pipeline();
    for name in [
        "both", "staged", "unstaged", "mode", "removed", "deleted", "kept",
    ] {
        env.write(
            &format!("lead/{name}.toml"),
            &format!("title = \"{name}\"\n"),
        );
    }
    env.commit_all("seven deals");
    let edit = |name: &str| env.write(&format!("lead/{name}.toml"), "title = \"edited\"\n");
    edit("both");
    edit("staged");
    env.git(&["add", "lead/both.toml", "lead/staged.toml"]);
    env.write("lead/both.toml", "title = \"edited twice\"\n");
    edit("unstaged");
    let mode = env.path("lead/mode.toml");
    let mut permissions = std::fs::metadata(&mode).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&mode, permissions).unwrap();
    env.write("lead/added.toml", "title = \"added\"\n");
    env.git(&["add", "lead/added.toml"]);
    env.write("lead/new.toml", "title = \"new\"\n");
    env.git(&["rm", "-q", "lead/removed.toml"]);
    std::fs::remove_file(env.path("lead/deleted.toml")).unwrap();
    env.git(&["rm", "-q", "--cached", "lead/kept.toml"]);
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "warning: lead/kept.toml is not committed: commit it (`git add lead/kept.toml && git commit`) or remove it
warning: lead/new.toml is not committed: commit it (`git add lead/new.toml && git commit`) or remove it
warning: lead/added.toml is staged but not committed (the index differs from HEAD): commit it (`git commit`) or unstage it (`git restore --staged lead/added.toml`)
warning: lead/removed.toml is staged but not committed (the index differs from HEAD): commit it (`git commit`) or unstage it (`git restore --staged lead/removed.toml`)
warning: lead/staged.toml is staged but not committed (the index differs from HEAD): commit it (`git commit`) or unstage it (`git restore --staged lead/staged.toml`)
warning: 4 deal files have changes that are not committed (lead/both.toml, lead/deleted.toml, lead/mode.toml and 1 more; `git status` lists them): commit them (`git add -A && git commit`) or drop them (`git restore --staged --worktree .`)
ok: 7 deals, no problems
"
    );
    let run = env.funnel(&["board"]);
    run.success();
    assert_eq!(
        run.stderr,
        "note: counted as they are in the work tree, not committed yet: ?? lead/new.toml, A lead/added.toml, D lead/deleted.toml, D lead/removed.toml, M lead/both.toml, M lead/staged.toml, M lead/unstaged.toml\n"
    );
}

/// Once a status found nothing staged in the index (remembered with the
/// index's stat data), `check` and `board` on a changed work tree ask git
/// about the changed files alone, and how they differ from the index
/// alone. At each step (a committed broken file written again with the
/// same bytes, a file edited, a new one, a folder nested in a stage
/// folder, a file moved, a file deleted, a file whose line endings alone
/// git's filters take back (by hand and by git), the committed broken
/// file fixed, an ignored new file, then files staged: the index changed, git's whole status
/// again) they say exactly what they say when git is asked about every
/// file.
#[test]
fn a_check_that_asks_git_about_changed_files_alone_says_the_same() {
    let env = TestEnv::pipeline();
    env.write("lead/acme.toml", "title = \"Acme\"\n");
    env.write("lead/globex.toml", "title = \"Globex\"\n");
    env.write("contact/umbrella.toml", "title = \"Umbrella\"\n");
    // A broken file committed as it is: `check` always names it. Dated
    // back, so that git's index records its stat data as settled (not
    // "racily clean", which git would check by content anyway).
    env.write("lead/broken.toml", "title = \"Broken\"\nvalue =\n");
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(100);
    let broken = std::fs::File::options()
        .write(true)
        .open(env.path("lead/broken.toml"));
    broken.unwrap().set_modified(past).unwrap();
    env.commit_all("three deals");
    let check = |step: &str, expected: &[(&str, &str)]| {
        let [alone, board] = &the_same_with_the_memo_as_without(&env, step);
        for (line, path) in expected {
            assert!(
                board.stderr.contains(path),
                "{step}: {path}\n{}",
                board.stderr
            );
            assert!(
                alone.stderr.contains(line),
                "{step}: {line}\n{}",
                alone.stderr
            );
        }
    };
    // Its stat data changes, not its bytes: nothing to say of it.
    env.write("lead/broken.toml", "title = \"Broken\"\nvalue =\n");
    check("touched", &[]);
    env.write("lead/acme.toml", "title = \"Acme edited\"\n");
    let edited = (
        "lead/acme.toml has changes that are not committed",
        "M lead/acme.toml",
    );
    check("edited", &[edited]);
    env.write("lead/initech.toml", "title = \"Initech\"\n");
    let new = ("lead/initech.toml is not committed", "?? lead/initech.toml");
    check("new", &[edited, new]);
    env.write("lead/sub/hooli.toml", "title = \"Hooli\"\n");
    let nested = (
        "lead/sub/hooli.toml is not committed",
        "?? lead/sub/hooli.toml",
    );
    check("nested", &[edited, new, nested]);
    std::fs::rename(
        env.path("contact/umbrella.toml"),
        env.path("won/umbrella.toml"),
    )
    .unwrap();
    let moved = (
        "won/umbrella.toml is not committed",
        "D contact/umbrella.toml",
    );
    check("moved", &[edited, new, nested, moved]);
    std::fs::remove_file(env.path("lead/globex.toml")).unwrap();
    check("deleted", &[("lead/globex.toml", "D lead/globex.toml")]);
    env.git(&["checkout", "--", "lead/globex.toml"]);
    // Other bytes than HEAD's, the same blob once git's filters ran: git's
    // status calls the file changed when its size is not the one the index
    // recorded...
    env.git(&["config", "core.autocrlf", "true"]);
    env.write("lead/globex.toml", "title = \"Globex\"\r\n");
    let globex = (
        "lead/globex.toml has changes that are not committed",
        "M lead/globex.toml",
    );
    check("line endings by hand", &[edited, globex]);
    // ... and says nothing of it when git wrote it so (the index has its
    // size).
    std::fs::remove_file(env.path("lead/globex.toml")).unwrap();
    env.git(&["checkout", "--", "lead/globex.toml"]);
    let crlf = std::fs::read_to_string(env.path("lead/globex.toml")).unwrap();
    assert_eq!(crlf, "title = \"Globex\"\r\n");
    check("line endings", &[edited]);
    let quiet = env.funnel(&["board"]);
    assert!(!quiet.stderr.contains("globex"), "{}", quiet.stderr);
    // The committed broken file, fixed: a deal's file changed.
    env.write("lead/broken.toml", "title = \"Broken\"\nvalue = 1\n");
    let fixed = (
        "lead/broken.toml has changes that are not committed",
        "M lead/broken.toml",
    );
    check("fixed", &[edited, fixed]);
    std::fs::write(env.path(".git/info/exclude"), "ignored.toml\n").unwrap();
    env.write("lead/ignored.toml", "title = \"Ignored\"\n");
    check("ignored", &[edited, fixed]);
    let quiet = env.funnel(&["board"]);
    assert!(!quiet.stderr.contains("ignored"), "{}", quiet.stderr);
    env.git(&["checkout", "--", "lead/broken.toml"]);
    env.git(&["add", "lead/globex.toml", "lead/initech.toml"]);
    env.write("lead/globex.toml", "title = \"Globex edited\"\n");
    env.funnel(&["check"]);
    let run = env.funnel(&["check"]);
    assert!(
        run.stderr
            .contains("lead/initech.toml is staged but not committed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("lead/globex.toml"), "{}", run.stderr);
}

/// In a sparse checkout the files git leaves out of the work tree are not
/// gone (git's status says nothing of them): with the index remembered,
/// `check` and `board` say what they say when git is asked about every
/// file.
#[test]
fn a_sparse_checkout_leaves_files_out_without_removing_them() {
    let env = TestEnv::pipeline();
    env.write("lead/acme.toml", "title = \"Acme\"\n");
    env.write("lost/globex.toml", "title = \"Globex\"\n");
    env.commit_all("two deals");
    env.git(&["sparse-checkout", "set", "--no-cone", "/*", "!/lost/"]);
    assert!(!env.path("lost/globex.toml").exists());
    env.write("lead/acme.toml", "title = \"Acme edited\"\n");
    let alone = the_same_with_the_memo_as_without(&env, "sparse");
    assert!(!alone[0].stderr.contains("globex"), "{}", alone[0].stderr);
    assert!(
        alone[0].stderr.contains("lead/acme.toml has changes"),
        "{}",
        alone[0].stderr
    );
}

/// `check` and `board` once the index is remembered (the first `check`
/// may ask git about every file and remember it; the next ask about the
/// changed files alone) say exactly what they say with the memo removed
/// (git's status of every file), and those reads leave git's index
/// untouched. The runs with the memo.
fn the_same_with_the_memo_as_without(env: &TestEnv, step: &str) -> [Run; 2] {
    let memo = env.path(".git/funnel/clean");
    env.funnel(&["check"]);
    assert!(memo.exists(), "{step}: the index is remembered");
    let index = || {
        let meta = std::fs::metadata(env.path(".git/index")).unwrap();
        (
            std::os::unix::fs::MetadataExt::ino(&meta),
            meta.modified().unwrap(),
        )
    };
    let before = index();
    let alone = [env.funnel(&["check"]), env.funnel(&["board"])];
    // A read never rewrites git's index (`git diff` would, for a file
    // whose stat data alone changed).
    assert_eq!(index(), before, "{step}: the index was rewritten");
    std::fs::remove_file(&memo).unwrap();
    let check = env.funnel(&["check"]);
    std::fs::remove_file(&memo).unwrap();
    let everything = [check, env.funnel(&["board"])];
    for (alone, everything) in alone.iter().zip(&everything) {
        assert_eq!(alone.stdout, everything.stdout, "{step}");
        assert_eq!(alone.stderr, everything.stderr, "{step}");
        assert_eq!(alone.status, everything.status, "{step}");
    }
    alone
}

/// A file added with `git add --intent-to-add` is in the index and not
/// HEAD's: the index is not remembered as HEAD's, and every `check` names
/// the file the same way (as git's status does: a new file whose content
/// is not staged).
#[test]
fn a_file_added_with_intent_to_add_is_named_the_same_each_time() {
    let env = TestEnv::pipeline();
    env.write("lead/acme.toml", "title = \"Acme\"\n");
    env.commit_all("a deal");
    env.funnel(&["check"]).success();
    assert!(env.path(".git/funnel/clean").exists());
    env.write("lead/beta.toml", "title = \"Beta\"\n");
    env.git(&["add", "--intent-to-add", "lead/beta.toml"]);
    let first = env.funnel(&["check"]);
    let second = env.funnel(&["check"]);
    assert_eq!(first.stderr, second.stderr);
    assert_eq!(
        second.stderr,
        "warning: lead/beta.toml has changes that are not committed: commit them (`git add -A lead/beta.toml && git commit`) or drop them (`git restore --staged --worktree lead/beta.toml`)\nok: 2 deals, no problems\n"
    );
    let board = env.funnel(&["board"]);
    assert!(
        board.stderr.contains("not committed yet: A lead/beta.toml"),
        "{}",
        board.stderr
    );
}

/// A funnel write carries what `check` remembered of the index to the
/// index it makes (it commits exactly the files it puts there): after a
/// `set` on a clean work tree that `check` had seen, `check` knows nothing
/// differs from HEAD without running git (here git is not on its PATH).
/// Without the memo it must ask git, and says it cannot.
#[test]
fn a_write_carries_what_check_knew_of_the_index() {
    let env = TestEnv::pipeline();
    env.write("lead/acme.toml", "title = \"Acme\"\nvalue = 1000\n");
    env.commit_all("a deal");
    env.funnel(&["check"]).success();
    env.funnel(&["set", "acme", "value=5000"]).success();
    let no_git = [("PATH", "/nonexistent")];
    let run = env.funnel_with(&["check"], &no_git, None);
    assert_eq!(run.stderr, "ok: 1 deals, no problems\n");
    run.success();
    std::fs::remove_file(env.path(".git/funnel/clean")).unwrap();
    let run = env.funnel_with(&["check"], &no_git, None);
    assert!(run.stderr.contains("cannot run git"), "{}", run.stderr);
    // A committed file edited by hand, the index remembered: git is asked
    // how it differs (and lists no folder for untracked files); the same
    // notes as when git is asked about every file.
    env.funnel(&["check"]).success();
    env.write("lead/acme.toml", "title = \"Acme\"\nvalue = 7000\n");
    let alone = env.funnel(&["check"]);
    std::fs::remove_file(env.path(".git/funnel/clean")).unwrap();
    let everything = env.funnel(&["check"]);
    assert_eq!(alone.stderr, everything.stderr);
    assert!(
        alone
            .stderr
            .contains("lead/acme.toml has changes that are not committed"),
        "{}",
        alone.stderr
    );
}
