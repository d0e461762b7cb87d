//! Daily use (issue 13): a report and a demo people can read, completion of
//! what users type, JSON Schemas for editors, JSON errors, `next` for the
//! current user.

use crate::support::{STAGES, TestEnv};

/// No line of `text` is wider than a terminal of 100 columns.
#[track_caller]
fn fits_100_columns(text: &str) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns ({}): {line}",
            line.chars().count()
        );
    }
}

#[test]
fn demo_is_a_short_guided_tour() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    // As in a terminal 100 columns wide: the board wraps its cells to fit.
    let run = env.funnel_with(
        &["demo", demo.to_str().unwrap()],
        &[("COLUMNS", "100")],
        None,
    );
    run.success();
    let stdout = run.stdout.replace(demo.to_str().unwrap(), "[DEMO]");
    fits_100_columns(&stdout);
    insta::assert_snapshot!("demo_tour", stdout);
}

#[test]
fn report_prints_sections_with_labelled_rows() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let run = env.funnel_in(&demo, &["report", "--last", "180d"], &[("COLUMNS", "100")]);
    run.success();
    fits_100_columns(&run.stdout);
    insta::assert_snapshot!("report_sections", run.stdout);
    // CSV and TSV carry the same rows with exact amounts and the section.
    let csv = env.funnel_in(&demo, &["report", "--last", "180d", "--format", "csv"], &[]);
    csv.success();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "metric,value,deals,section");
    assert!(
        lines.contains(&"proposal: value / weighted value,129500.50 / 82400.30,6,pipeline"),
        "{}",
        csv.stdout
    );
    assert!(
        lines.contains(&"2026-08: overdue (its month is past),51200 weighted,1,forecast"),
        "{}",
        csv.stdout
    );
}

#[test]
fn money_is_shown_one_way_in_every_table() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let board = env.funnel_in(&demo, &["board"], &[]);
    let report = env.funnel_in(&demo, &["report", "--last", "180d"], &[]);
    // The proposal stage holds 129,500.50: whole units, grouped, with the
    // currency, on the board and in the report alike.
    assert!(board.stdout.contains("129,501 USD"), "{}", board.stdout);
    assert!(
        report.stdout.contains("129,501 USD / 82,400 USD"),
        "{}",
        report.stdout
    );
    let list = env.funnel_in(&demo, &["list", "stage:proposal"], &[]);
    assert!(list.stdout.contains(" USD"), "{}", list.stdout);
    // The WIP state spelled out.
    assert!(
        board.stdout.contains("1 over the limit of 3"),
        "{}",
        board.stdout
    );
}

/// The JSON object `--format json` prints on stderr for an error.
#[track_caller]
fn json_error(run: &crate::support::Run, status: i32) -> serde_json::Value {
    run.failure(status);
    assert_eq!(run.stdout, "");
    let last = run.stderr.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {}", run.stderr))
}

#[test]
fn errors_are_a_json_object_with_format_json() {
    let env = TestEnv::new();
    // Not in a pipeline: a message and a hint, no place.
    let doc = json_error(&env.funnel(&["list", "--format", "json"]), 1);
    assert_eq!(
        doc,
        serde_json::json!({
            "error": format!("no funnel.toml in {} or any folder above it", env.repo.display()),
            "file": null, "line": null, "column": null,
            "hint": "run `funnel init` to start a pipeline, or point at one with -C DIR or FUNNEL_DIR",
        })
    );
    env.funnel(&["init", "--at", "2026-11-01"]).success();
    // A filter with an unknown key, on each command that takes filters.
    for command in ["list", "board", "next", "report", "doctor"] {
        let doc = json_error(&env.funnel(&[command, "colour:red", "--format", "json"]), 1);
        assert_eq!(
            doc["error"], "unknown key `colour` in `colour:red`",
            "{command}"
        );
        assert_eq!(
            doc["hint"],
            "use a key of the deal files, or stage, due, close, age or idle"
        );
    }
    // A usage error (exit 2), with clap's suggestion as the hint.
    let doc = json_error(
        &env.funnel(&["list", "--format", "json", "--sortt", "id"]),
        2,
    );
    assert_eq!(doc["error"], "unexpected argument found: --sortt");
    assert_eq!(doc["hint"], "did you mean `--sort`?");
    // A broken file: located, every problem listed.
    env.write("lead/acme.toml", "title = \"Acme\"\nvalue = \"12,5\"\n");
    env.write("funnel.toml", &(env.read("funnel.toml") + "colour = 1\n"));
    let doc = json_error(&env.funnel(&["board", "--format", "json"]), 1);
    assert_eq!(doc["error"], "unknown key `colour`");
    assert_eq!(doc["file"], "funnel.toml");
    assert!(doc["line"].as_u64().unwrap() > 1);
    assert_eq!(doc["column"], 1);
    assert!(doc["hint"].as_str().unwrap().starts_with("remove it"));
    assert_eq!(doc["problems"].as_array().unwrap().len(), 1);
    // Without --format json, the same error is text.
    let run = env.funnel(&["board"]);
    run.failure(1);
    assert!(run.stderr.contains("error: "), "{}", run.stderr);
}

/// The entries of `.pre-commit-hooks.yaml` (`entry: funnel ...`), as
/// argument lists.
fn hook_entries() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(crate::support::crate_dir().join(".pre-commit-hooks.yaml"))
        .expect("the hooks file");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("entry: funnel "))
        .map(|e| e.split_whitespace().map(String::from).collect())
        .collect()
}

#[test]
fn the_pre_commit_hooks_pass_a_sound_pipeline_and_fail_a_broken_one() {
    let hooks = hook_entries();
    assert_eq!(hooks, [vec!["check"], vec!["doctor", "--fail-on", "error"]]);
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "1000", "--close", "eom"])
        .success();
    for hook in &hooks {
        let args: Vec<&str> = hook.iter().map(String::as_str).collect();
        env.funnel(&args).success();
    }
    // A broken file fails `check`; a deal long dead fails `doctor`.
    env.write("lead/broken.toml", "title = \n");
    env.funnel(&["check"]).failure(1);
    std::fs::remove_file(env.path("lead/broken.toml")).unwrap();
    env.funnel(&["set", "acme", "expected_close=2026-01-31"])
        .success();
    let doctor: Vec<&str> = hooks[1].iter().map(String::as_str).collect();
    let run = env.funnel(&doctor);
    run.failure(1);
    assert!(run.stdout.contains("acme"), "{}", run.stdout);
}

#[test]
fn the_ci_example_runs_the_same_checks_as_the_hooks() {
    let workflow = std::fs::read_to_string(
        crate::support::crate_dir().join("examples/github-actions/check.yml"),
    )
    .expect("the workflow");
    let runs: Vec<Vec<String>> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: funnel "))
        .map(|e| e.split_whitespace().map(String::from).collect())
        .collect();
    assert_eq!(runs, hook_entries());
    assert!(workflow.contains("fetch-depth: 0"));
}

/// A pipeline with deals of alice (the test user) and bob, each with a
/// next step due today.
fn two_owners() -> TestEnv {
    let env = TestEnv::pipeline();
    for (title, owner) in [("Acme", "alice"), ("Globex", "bob"), ("Initech", "ann")] {
        env.funnel(&[
            "add",
            title,
            "--owner",
            owner,
            "--value",
            "1000",
            "--next-step",
            "Call",
            "--due",
            "today",
        ])
        .success();
    }
    env
}

/// The deals `next` lists, in its TSV.
fn next_deals(run: &crate::support::Run) -> Vec<String> {
    run.success();
    run.stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn next_is_mine_by_default() {
    let env = two_owners();
    // user.email is alice@example.com: alice's work.
    let run = env.funnel(&["next", "--format", "tsv"]);
    assert_eq!(next_deals(&run), ["acme"]);
    assert_eq!(run.stderr, "1 item(s) for alice on 2026-11-27\n");
    assert_eq!(
        next_deals(&env.funnel(&["next", "--owner", "bob", "--format", "tsv"])),
        ["globex"]
    );
    let mut all = next_deals(&env.funnel(&["next", "--all", "--format", "tsv"]));
    all.sort();
    assert_eq!(all, ["acme", "globex", "initech"]);
    env.funnel(&["next", "--all", "--owner", "bob"]).failure(2);
    // git config funnel.owner wins over the email.
    env.git(&["config", "funnel.owner", "bob"]);
    assert_eq!(
        next_deals(&env.funnel(&["next", "--format", "tsv"])),
        ["globex"]
    );
    // An owner with no deals is named, with the owners there are.
    env.git(&["config", "funnel.owner", "zoe"]);
    let run = env.funnel(&["next", "--format", "tsv"]);
    assert_eq!(next_deals(&run), Vec::<String>::new());
    assert!(
        run.stderr.starts_with(
            "warning: no deal has owner `zoe`; the owners are: alice, ann, bob (--owner NAME, --all)\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn the_mailmap_maps_commit_authors_and_the_user_to_owners() {
    let env = two_owners();
    // Alice Nowak commits as alice@example.com; the team calls her ann.
    env.write(
        ".mailmap",
        "Ann Nowak <ann@corp.example> Alice Nowak <alice@example.com>\n",
    );
    env.commit_all("mailmap");
    // next: the user is ann now.
    let run = env.funnel(&["next", "--format", "tsv"]);
    assert_eq!(next_deals(&run), ["initech"]);
    // log: the author column.
    let log = env.funnel(&["log", "--format", "tsv", "-n", "1", "HEAD~1"]);
    log.success();
    assert_eq!(
        log.stdout.lines().nth(1).unwrap().split('\t').nth(2),
        Some("ann"),
        "{}",
        log.stdout
    );
    // show: who moved the deal.
    let show = env.funnel(&["show", "acme"]);
    show.success();
    let stay = show
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("lead "))
        .unwrap();
    assert!(stay.trim_end().ends_with(" ann"), "{}", show.stdout);
}

/// What the completion entry point offers for the command line `words`
/// (the last one being typed), as the fish code asks: the values alone.
fn complete(env: &TestEnv, words: &[&str]) -> Vec<String> {
    let mut args = vec!["--", "funnel"];
    args.extend_from_slice(words);
    let run = env.funnel_with(&args, &[("COMPLETE", "fish")], None);
    run.success();
    run.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

/// A pipeline with three deals, two owners and a custom field.
fn completion_pipeline() -> TestEnv {
    let env = TestEnv::pipeline();
    for (title, owner) in [
        ("Acme CRM", "alice"),
        ("Acme Seats", "bob"),
        ("Globex", "bob"),
    ] {
        env.funnel(&["add", title, "--owner", owner]).success();
    }
    env.funnel(&["set", "globex", "region=north"]).success();
    env
}

#[test]
fn completion_offers_deal_ids_stages_reasons_fields_and_owners() {
    let env = completion_pipeline();
    assert_eq!(complete(&env, &["move", "ac"]), ["acme-crm", "acme-seats"]);
    assert_eq!(complete(&env, &["show", "g"]), ["globex"]);
    assert_eq!(complete(&env, &["rename", "acme-s"]), ["acme-seats"]);
    // Stages in funnel order, then the options.
    let stages = complete(&env, &["move", "acme-crm", ""]);
    assert_eq!(stages[..7], STAGES);
    assert_eq!(
        complete(&env, &["add", "X", "--stage", "ne"]),
        ["negotiation"]
    );
    assert_eq!(
        complete(&env, &["move", "acme-crm", "lost", "--reason", "no-"]),
        ["no-decision", "no-budget"]
    );
    // Fields as KEY=, custom ones included, then values.
    assert_eq!(complete(&env, &["set", "globex", "ow"]), ["owner="]);
    assert_eq!(complete(&env, &["set", "globex", "reg"]), ["region="]);
    assert_eq!(
        complete(&env, &["set", "globex", "qualification.p"]),
        ["qualification.problem_agreed="]
    );
    assert_eq!(
        complete(&env, &["set", "globex", "owner="]),
        ["owner=alice", "owner=bob"]
    );
    assert_eq!(
        complete(&env, &["set", "globex", "lost_reason=p"]),
        ["lost_reason=price"]
    );
    // Owners, and filter terms on every command that takes them.
    assert_eq!(complete(&env, &["next", "--owner", "b"]), ["bob"]);
    for command in ["list", "board", "next", "report", "doctor"] {
        assert_eq!(
            complete(&env, &[command, "owner:"]),
            ["owner:alice", "owner:bob"],
            "{command}"
        );
        assert_eq!(complete(&env, &[command, "stage:le"]), ["stage:lead"]);
    }
    assert_eq!(complete(&env, &["list", "regi"]), ["region:"]);
    // The words come from a file in the git dir that follows the deals: a
    // change made with funnel, a file written by hand and staged.
    env.funnel(&["set", "globex", "owner=carol"]).success();
    assert_eq!(
        complete(&env, &["list", "owner:"]),
        ["owner:alice", "owner:bob", "owner:carol"]
    );
    env.write(
        "lead/initech.toml",
        "title = \"Initech\"\nowner = \"dave\"\n",
    );
    env.git(&["add", "lead/initech.toml"]);
    assert_eq!(complete(&env, &["next", "--owner", "d"]), ["dave"]);
    assert_eq!(complete(&env, &["report", "--by", "reg"]), ["region"]);
    // -C names the pipeline; outside one there is nothing to offer.
    let elsewhere = env.home.to_str().unwrap();
    let run = env.funnel_in(
        &env.home,
        &["--", "funnel", "move", "gl"],
        &[("COMPLETE", "fish")],
    );
    assert_eq!(run.stdout, "");
    let repo = env.repo.to_str().unwrap();
    let run = env.funnel_in(
        &env.home,
        &["--", "funnel", "-C", repo, "move", "gl"],
        &[("COMPLETE", "fish")],
    );
    assert_eq!(run.stdout, "globex\tlead\n", "{elsewhere}");
}

#[test]
fn bash_completes_deal_ids_through_funnel_completions() {
    let env = completion_pipeline();
    let Ok(bash) = std::process::Command::new("bash").arg("--version").output() else {
        crate::support::skip("bash is not installed");
        return;
    };
    assert!(bash.status.success());
    let script = env.funnel(&["completions", "bash"]);
    script.success();
    env.write(".completion.bash", &script.stdout);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_funnel"))
        .parent()
        .unwrap();
    let out = std::process::Command::new("bash")
        .current_dir(&env.repo)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", &env.home)
        .args([
            "-c",
            "source .completion.bash; COMP_WORDS=(funnel move ac); COMP_CWORD=2; \
             _clap_complete_funnel funnel ac funnel; printf '%s\\n' \"${COMPREPLY[@]}\"",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "acme-crm\nacme-seats\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Validates TOML files against JSON Schemas with python3's `jsonschema`
/// (an independent validator): argv is SCHEMA FILE pairs; prints
/// `FILE: MESSAGE` per error, sorted. Dates become ISO strings, as taplo
/// turns them into JSON.
const VALIDATE: &str = r#"
import datetime, json, sys, tomllib
import jsonschema

def plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value

args = sys.argv[1:]
errors = []
for schema_path, file in zip(args[::2], args[1::2]):
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    with open(file, "rb") as f:
        document = plain(tomllib.load(f))
    for error in validator.iter_errors(document):
        errors.append(f"{file}: {error.message}")
print("\n".join(sorted(errors)))
"#;

/// `python3 -c VALIDATE ARGS` in `dir`; `None` (and the reason printed)
/// when python3 or its jsonschema module is missing.
fn validate(dir: &std::path::Path, args: &[String]) -> Option<String> {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import jsonschema, tomllib"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::support::skip("python3 with jsonschema and tomllib (3.11+) is not installed");
        return None;
    }
    let out = std::process::Command::new("python3")
        .current_dir(dir)
        .arg("-c")
        .arg(VALIDATE)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// Every deal file of the pipeline in `dir` with the schema `.taplo.toml`
/// binds to it (its stage's, else deal.json), and funnel.toml with
/// config.json, as validator arguments.
fn bound_files(dir: &std::path::Path) -> Vec<String> {
    let mut args = vec![
        ".funnel/schema/config.json".to_string(),
        "funnel.toml".to_string(),
    ];
    for stage in STAGES {
        let own = format!(".funnel/schema/deal-{stage}.json");
        let schema = if dir.join(&own).exists() {
            own
        } else {
            ".funnel/schema/deal.json".to_string()
        };
        let Ok(entries) = std::fs::read_dir(dir.join(stage)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        for name in names {
            args.push(schema.clone());
            args.push(format!("{stage}/{name}"));
        }
    }
    args
}

#[test]
fn the_example_pipeline_validates_against_its_schemas() {
    let env = TestEnv::new();
    let copy = env.home.join("example");
    let example = crate::support::crate_dir().join("example-pipeline");
    let status = std::process::Command::new("cp")
        .arg("-R")
        .arg(&example)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    // The schemas as `funnel init` writes them, for this configuration.
    env.git_in(&copy, &["init", "-q"]);
    env.git_in(&copy, &["add", "-A"]);
    env.git_in(&copy, &["commit", "-qm", "example"]);
    let run = env.funnel_in(&copy, &["schema", "--write"], &[]);
    run.success();
    assert!(copy.join(".taplo.toml").exists());
    let taplo = std::fs::read_to_string(copy.join(".taplo.toml")).unwrap();
    assert!(taplo.contains("include = [\"lost/*.toml\"]\n\n[rule.schema]\npath = \".funnel/schema/deal-lost.json\"\n"), "{taplo}");
    let args = bound_files(&copy);
    assert!(args.len() > 60, "{args:?}");
    let Some(errors) = validate(&copy, &args) else {
        return;
    };
    assert_eq!(errors, "");
    // A broken deal: what the validator says about it.
    std::fs::write(
        copy.join("lost/broken.toml"),
        "account = \"Broken\"\nvalue = \"12,5\"\nprobability = 140\nlost_reason = \"too-expensive\"\nexpected_close = \"soon\"\ntags = \"vip\"\n",
    )
    .unwrap();
    let errors = validate(
        &copy,
        &[
            ".funnel/schema/deal-lost.json".into(),
            "lost/broken.toml".into(),
        ],
    )
    .unwrap();
    assert_eq!(
        errors,
        [
            "lost/broken.toml: '12,5' is not valid under any of the given schemas",
            "lost/broken.toml: 'soon' is not a 'date'",
            "lost/broken.toml: 'title' is a required property",
            "lost/broken.toml: 'too-expensive' is not one of ['price', 'competitor', 'no-decision', 'no-budget', 'timing', 'unqualified']",
            "lost/broken.toml: 'vip' is not of type 'array'",
            "lost/broken.toml: 140 is not valid under any of the given schemas",
        ]
        .join("\n")
    );
    // funnel check agrees the file is broken.
    env.funnel_in(&copy, &["check"], &[]).failure(1);
}

#[test]
fn schemas_follow_the_configuration() {
    let env = TestEnv::pipeline();
    // init wrote them, current.
    assert!(env.path(".funnel/schema/deal-lost.json").exists());
    let run = env.funnel(&["check"]);
    run.success();
    assert_eq!(run.stderr, "ok: 0 deals, no problems\n");
    // A new lost reason: check says the schemas are stale, --write commits them.
    let config = env
        .read("funnel.toml")
        .replace("\"unqualified\"]", "\"unqualified\", \"merger\"]");
    env.write("funnel.toml", &config);
    env.commit_all("a lost reason");
    let run = env.funnel(&["check"]);
    run.success();
    assert!(
        run.stderr.starts_with(
            "warning: the editor schemas do not follow funnel.toml as it is now: run `funnel schema --write`\n"
        ),
        "{}",
        run.stderr
    );
    let run = env.funnel(&["schema", "--write"]);
    run.success();
    assert_eq!(
        env.git(&["show", "--stat", "--format=%s", "HEAD"])
            .lines()
            .next(),
        Some("schema: editor schemas for funnel.toml as it is")
    );
    let deal: serde_json::Value =
        serde_json::from_str(&env.read(".funnel/schema/deal.json")).unwrap();
    assert_eq!(deal["properties"]["lost_reason"]["enum"][6], "merger");
    assert_eq!(
        env.funnel(&["schema", "deal"]).stdout,
        env.read(".funnel/schema/deal.json")
    );
    env.funnel(&["check"]).success();
    env.funnel(&["schema", "--write"]).success();
    // Outside a pipeline: the general schema; --stage needs a pipeline.
    let run = env.funnel_in(&env.home, &["schema", "deal"], &[]);
    run.success();
    let general: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        general["properties"]["lost_reason"]["enum"],
        serde_json::Value::Null
    );
    env.funnel(&["schema", "deal", "--stage", "nope"])
        .failure(1);
}
