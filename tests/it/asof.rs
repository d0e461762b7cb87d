//! The past: `--as-of` against boards built in the test from `git show`
//! and the generator's truth, `flow` reconciling month by month, and
//! forecast accuracy on a hand-built history computed by hand.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::support::{Run, TestEnv};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("not a decimal: {text}"))
}

fn json(run: &Run) -> serde_json::Value {
    run.success();
    serde_json::from_str(&run.stdout).expect("JSON")
}

/// A pipeline with history: the benchmark generator's (with its truth
/// file) when ../shared is beside the project, else `funnel demo`'s.
fn generated(env: &TestEnv) -> (PathBuf, Option<PathBuf>) {
    let generator = crate::support::crate_dir().join("../shared/bench/gen-pipeline.py");
    let out = env.home.join("generated");
    if generator.exists() {
        let truth = env.home.join("truth.jsonl");
        let status = Command::new("python3")
            .arg(&generator)
            .arg(&out)
            .args(["--deals", "300", "--days", "120", "--truth"])
            .arg(&truth)
            .env("HOME", &env.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stderr(Stdio::null())
            .status()
            .expect("run python3");
        assert!(status.success(), "gen-pipeline.py failed");
        return (out, Some(truth));
    }
    crate::support::skip(&format!(
        "asof: the pipeline generator {} is missing (../shared is beside the project only on the developers' machines and in CI); using `funnel demo`'s history, without a truth file",
        generator.display()
    ));
    env.funnel(&["demo", out.to_str().unwrap()]).success();
    (out, None)
}

/// Every commit as (id, author time), newest first along the first parents.
fn first_parents(env: &TestEnv, dir: &Path) -> Vec<(String, i64)> {
    env.git_in(dir, &["log", "--first-parent", "--format=%H %at"])
        .lines()
        .map(|line| {
            let (id, at) = line.split_once(' ').unwrap();
            (id.to_string(), at.parse().unwrap())
        })
        .collect()
}

/// Days (UTC, as the generated pipelines keep time) whose end lies more
/// than an hour from every commit and on no branch still to be merged
/// (whose moves count when authored, SPEC 4, before the main line has
/// them), so that the tree of the last commit before it is the pipeline
/// then; `count` of them, spread over the history.
fn quiet_days(env: &TestEnv, dir: &Path, count: usize) -> Vec<jiff::civil::Date> {
    let times: Vec<i64> = env
        .git_in(dir, &["log", "--format=%at"])
        .lines()
        .map(|t| t.parse().unwrap())
        .collect();
    // Each merge: (its date, the earliest date on the branch it merged).
    let branches: Vec<(i64, i64)> = env
        .git_in(dir, &["log", "--merges", "--format=%H %at"])
        .lines()
        .map(|line| {
            let (id, at) = line.split_once(' ').unwrap();
            let side = env.git_in(dir, &["log", "--format=%at", &format!("{id}^1..{id}^2")]);
            let first = side
                .lines()
                .map(|t| t.parse::<i64>().unwrap())
                .min()
                .unwrap();
            (at.parse().unwrap(), first)
        })
        .collect();
    let open_branch = |end: i64| {
        branches
            .iter()
            .any(|&(merged, first)| first < end && end < merged)
    };
    let (first, last) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    let day = |at: i64| {
        jiff::Timestamp::from_second(at)
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
    };
    let end = |d: jiff::civil::Date| {
        d.tomorrow()
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
    };
    let mut days = Vec::new();
    for n in 1..=count {
        let mut d = day(first + (last - first) * n as i64 / (count as i64 + 1));
        while times.iter().any(|&t| (t - end(d)).abs() < 3600) || open_branch(end(d)) {
            d = d.tomorrow().unwrap();
        }
        days.push(d);
    }
    days.dedup();
    days
}

/// Per stage (deals, value, weighted value), as a board built from the
/// tree of `rev` with `git show` reads it: each STAGE/ID.toml's value at
/// the `[fx]` rate, weighted by its own probability or its stage's.
fn board_from_tree(
    env: &TestEnv,
    dir: &Path,
    rev: &str,
) -> BTreeMap<String, (i64, Decimal, Decimal)> {
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("funnel.toml")).unwrap()).unwrap();
    let stages: HashMap<String, Decimal> = config["stage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let p = s.get("probability").map_or(Decimal::ZERO, number);
            (s["id"].as_str().unwrap().to_string(), p)
        })
        .collect();
    let fx = config
        .get("fx")
        .and_then(|f| f.as_table())
        .cloned()
        .unwrap_or_default();
    let mut board = BTreeMap::new();
    for path in env
        .git_in(dir, &["ls-tree", "-r", "--name-only", rev])
        .lines()
    {
        let Some((stage, file)) = path.split_once('/') else {
            continue;
        };
        if !file.ends_with(".toml") || file.contains('/') || !stages.contains_key(stage) {
            continue;
        }
        let text = env.git_in(dir, &["show", &format!("{rev}:{path}")]);
        let deal: toml::Table = toml::from_str(&text).unwrap();
        let mut value = deal.get("value").map_or(Decimal::ZERO, number);
        if let Some(rate) = deal
            .get("currency")
            .and_then(|c| c.as_str())
            .and_then(|c| fx.get(c))
        {
            value *= number(rate);
        }
        let probability = deal.get("probability").map_or(stages[stage], number);
        let entry = board
            .entry(stage.to_string())
            .or_insert((0, Decimal::ZERO, Decimal::ZERO));
        entry.0 += 1;
        entry.1 += value;
        entry.2 += value * probability / Decimal::ONE_HUNDRED;
    }
    board
}

fn number(value: &toml::Value) -> Decimal {
    match value {
        toml::Value::Integer(n) => Decimal::from(*n),
        toml::Value::Float(f) => Decimal::from_str(&f.to_string()).unwrap(),
        toml::Value::String(s) => dec(s),
        other => panic!("not a number: {other}"),
    }
}

/// Per stage (deals, value, weighted value) of `board --as-of DAY`.
fn board_as_of(env: &TestEnv, dir: &Path, day: &str) -> BTreeMap<String, (i64, Decimal, Decimal)> {
    let doc = json(&env.funnel_in(dir, &["board", "--as-of", day, "--format", "json"], &[]));
    doc["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["deals"].as_i64().unwrap() > 0)
        .map(|s| {
            let weighted = s["weighted_value"].as_str().map_or(Decimal::ZERO, dec);
            (
                s["stage"].as_str().unwrap().to_string(),
                (
                    s["deals"].as_i64().unwrap(),
                    dec(s["value"].as_str().unwrap()),
                    weighted,
                ),
            )
        })
        .collect()
}

#[test]
fn board_as_of_a_day_equals_the_board_of_the_tree_then_and_the_truth() {
    let env = TestEnv::new();
    let (dir, truth) = generated(&env);
    let commits = first_parents(&env, &dir);
    let truth: Vec<serde_json::Value> = truth
        .map(|t| {
            std::fs::read_to_string(t)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .unwrap_or_default();
    let days = quiet_days(&env, &dir, 4);
    assert!(days.len() >= 3, "{days:?}");
    for day in days {
        let end = day
            .tomorrow()
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second();
        let (rev, _) = commits
            .iter()
            .find(|(_, at)| *at < end)
            .expect("a commit before");
        let mut expected = board_from_tree(&env, &dir, rev);
        let got = board_as_of(&env, &dir, &day.to_string());
        // Closed stages have no weighted value on the board.
        for (stage, figures) in expected.iter_mut() {
            if matches!(stage.as_str(), "won" | "lost") {
                figures.2 = Decimal::ZERO;
            }
        }
        assert_eq!(got, expected, "board --as-of {day} (tree of {rev})");
        if truth.is_empty() {
            continue;
        }
        // The truth: each deal's last recorded entry by then is the folder
        // its file is in, and the deals created later are absent.
        let mut stage_then: BTreeMap<&str, &str> = BTreeMap::new();
        for entry in &truth {
            if entry["at"].as_i64().unwrap() < end {
                stage_then.insert(
                    entry["deal"].as_str().unwrap(),
                    entry["stage"].as_str().unwrap(),
                );
            }
        }
        let mut per_stage: BTreeMap<String, i64> = BTreeMap::new();
        for stage in stage_then.values() {
            *per_stage.entry(stage.to_string()).or_default() += 1;
        }
        let counted: BTreeMap<String, i64> = got.iter().map(|(s, f)| (s.clone(), f.0)).collect();
        assert_eq!(counted, per_stage, "truth on {day}");
        let listed = json(&env.funnel_in(
            &dir,
            &[
                "list",
                "--all",
                "--as-of",
                &day.to_string(),
                "--format",
                "json",
            ],
            &[],
        ));
        let listed: BTreeMap<&str, &str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["id"].as_str().unwrap(), d["stage"].as_str().unwrap()))
            .collect();
        assert_eq!(listed, stage_then, "list --as-of {day}");
    }
}

/// Start + every flow = end, per stage and in total, in deals, value and
/// weighted value; returns the total's (start, end) deals and value.
fn assert_reconciles(doc: &serde_json::Value, what: &str) -> ((i64, Decimal), (i64, Decimal)) {
    let flow = &doc["flow"];
    let amount = |a: &serde_json::Value| {
        (
            a["deals"].as_i64().unwrap(),
            dec(a["value"].as_str().unwrap()),
            dec(a["weighted"].as_str().unwrap()),
        )
    };
    let mut totals = (0, Decimal::ZERO, Decimal::ZERO);
    for stage in flow["stages"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&flow["total"]])
    {
        let mut sum = amount(&stage["start"]);
        for (_, a) in stage["flows"].as_object().unwrap() {
            let a = amount(a);
            sum = (sum.0 + a.0, sum.1 + a.1, sum.2 + a.2);
        }
        assert_eq!(
            sum,
            amount(&stage["end"]),
            "{what}: stage {}",
            stage["stage"]
        );
        if stage["stage"] != "total" {
            let end = amount(&stage["end"]);
            totals = (totals.0 + end.0, totals.1 + end.1, totals.2 + end.2);
        }
    }
    assert_eq!(
        totals,
        amount(&flow["total"]["end"]),
        "{what}: stages add up to the total"
    );
    let (start, end) = (
        amount(&flow["total"]["start"]),
        amount(&flow["total"]["end"]),
    );
    ((start.0, start.1), (end.0, end.1))
}

/// Every month from the first commit's to the last's: each flow
/// reconciles, and each month starts where the one before ended.
fn every_month_reconciles(env: &TestEnv, dir: &Path) -> usize {
    let times: Vec<i64> = env
        .git_in(dir, &["log", "--format=%at"])
        .lines()
        .map(|t| t.parse().unwrap())
        .collect();
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("funnel.toml")).unwrap()).unwrap();
    let zone = jiff::tz::TimeZone::get(
        config
            .get("timezone")
            .and_then(|t| t.as_str())
            .unwrap_or("UTC"),
    )
    .unwrap();
    let month = |at: i64| {
        jiff::Timestamp::from_second(at)
            .unwrap()
            .to_zoned_datetime(zone.clone())
            .date()
            .first_of_month()
    };
    let (mut m, last) = (
        month(*times.iter().min().unwrap()),
        month(*times.iter().max().unwrap()),
    );
    let mut previous: Option<(i64, Decimal)> = None;
    let mut months = 0;
    while m <= last {
        let doc = json(&env.funnel_in(
            dir,
            &[
                "flow",
                "--period",
                "month",
                "--since",
                &m.to_string(),
                "--format",
                "json",
            ],
            &[],
        ));
        let (start, end) = assert_reconciles(&doc, &format!("{} {m}", dir.display()));
        if let Some(previous) = previous {
            assert_eq!(start, previous, "{m} starts where the month before ended");
        }
        previous = Some(end);
        months += 1;
        m = m.checked_add(jiff::Span::new().months(1)).unwrap();
    }
    months
}

#[test]
fn flow_reconciles_every_month_of_a_generated_and_the_example_pipeline() {
    let env = TestEnv::new();
    let (dir, _) = generated(&env);
    assert!(every_month_reconciles(&env, &dir) >= 4);
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    assert!(every_month_reconciles(&env, &demo) >= 6);
    // Split by owner, each group reconciles and the groups add up.
    let whole = json(&env.funnel_in(&demo, &["flow", "--last", "120d", "--format", "json"], &[]));
    let (_, whole_end) = assert_reconciles(&whole, "demo, 120 days");
    let split = json(&env.funnel_in(
        &demo,
        &[
            "flow", "--last", "120d", "--by", "owner", "--format", "json",
        ],
        &[],
    ));
    let groups = split["groups"].as_object().unwrap();
    assert!(groups.len() >= 3, "{groups:?}");
    let mut sum = (0, Decimal::ZERO);
    for (owner, flow) in groups {
        let (_, end) = assert_reconciles(&serde_json::json!({ "flow": flow }), owner);
        sum = (sum.0 + end.0, sum.1 + end.1);
    }
    assert_eq!(sum, whole_end);
    // The end of a window is the board of its last day.
    let doc = json(&env.funnel_in(
        &demo,
        &["flow", "--since=-60d", "--until=-30d", "--format", "json"],
        &[],
    ));
    let until = doc["window"]["until"].as_str().unwrap().to_string();
    let board = json(&env.funnel_in(
        &demo,
        &["board", "--as-of", &until, "--format", "json"],
        &[],
    ));
    // The board rounds to the cent; the flow's JSON is exact.
    let cents = |text: &serde_json::Value| {
        dec(text.as_str().unwrap())
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    let end = &doc["flow"]["total"]["end"];
    assert_eq!(end["deals"], board["open"]["deals"]);
    assert_eq!(cents(&end["value"]), cents(&board["open"]["value"]));
    assert_eq!(
        cents(&end["weighted"]),
        cents(&board["open"]["weighted_value"])
    );
}

/// A hand-built history: "slipper" changes value and close date twice and
/// slips out of September; "winner" is won in it; "loser" is lost in it.
fn hand_built() -> TestEnv {
    let env = TestEnv::new();
    env.funnel(&["init", "--at", "2026-07-01"]).success();
    let add = |title: &str, value: &str, close: &str, at: &str| {
        env.funnel(&["add", title, "--value", value, "--close", close, "--at", at])
            .success();
    };
    add("Slipper", "10000", "2026-09-15", "2026-07-10");
    add("Winner", "8000", "2026-09-20", "2026-08-01");
    env.funnel(&[
        "set",
        "slipper",
        "value=12000",
        "expected_close=2026-09-25",
        "--at",
        "2026-08-05",
    ])
    .success();
    add("Loser", "5000", "2026-09-05", "2026-08-25");
    env.funnel(&[
        "move",
        "loser",
        "lost",
        "--reason",
        "price",
        "--at",
        "2026-09-06",
    ])
    .success();
    env.funnel(&[
        "set",
        "slipper",
        "value=15000",
        "expected_close=2026-10-20",
        "--at",
        "2026-09-10",
    ])
    .success();
    env.funnel(&["move", "winner", "won", "--at", "2026-09-18"])
        .success();
    env
}

/// The report of the hand-built history's September and October.
const SEPTEMBER_AND_OCTOBER: &[&str] = &[
    "report",
    "--since",
    "2026-09-01",
    "--until",
    "2026-10-31",
    "--today",
    "2026-11-15",
];

#[test]
fn forecast_accuracy_and_slipped_deals_by_hand() {
    let env = hand_built();
    let doc = json(&env.funnel(&[SEPTEMBER_AND_OCTOBER, &["--format", "json"]].concat()));
    // September, at its start (the end of August 31): slipper 12000 due
    // 09-25, winner 8000 due 09-20, loser 5000 due 09-05, all leads at
    // 10%: 1200 + 800 + 500 = 2500 over 3 deals. A month earlier (the end
    // of July 31): slipper alone, 10000 due 09-15: 1000. Won in
    // September: winner's 8000; 8000 / 2500 = 3.2, 8000 / 1000 = 8.
    // Slipped: slipper (still a lead at the end of September, 15000, now
    // due 10-20); loser was lost, so it did not slip.
    // October, at its start: slipper, 15000 due 10-20: 1500; a month
    // earlier (the end of August 31) nothing was due in October. Nothing
    // won: 0 / 1500 = 0. Slipped again: slipper.
    let expected = serde_json::json!([
        {
            "month": "2026-09",
            "forecast": { "weighted": "2500", "deals": 3 },
            "forecast_month_before": { "weighted": "1000", "deals": 1 },
            "won": "8000",
            "won_deals": 1,
            "ratio": "3.2",
            "ratio_month_before": "8",
            "slipped": [
                { "deal": "slipper", "stage": "lead", "value": "15000", "expected_close": "2026-10-20" }
            ]
        },
        {
            "month": "2026-10",
            "forecast": { "weighted": "1500", "deals": 1 },
            "forecast_month_before": { "weighted": "0", "deals": 0 },
            "won": "0",
            "won_deals": 0,
            "ratio": "0",
            "ratio_month_before": null,
            "slipped": [
                { "deal": "slipper", "stage": "lead", "value": "15000", "expected_close": "2026-10-20" }
            ]
        }
    ]);
    assert_eq!(doc["forecast_accuracy"], expected);

    // September's waterfall: 3 leads worth 25000 (2500 weighted); slipper
    // up 3000 (300); winner won (-8000, -800); loser lost (-5000, -500);
    // 1 lead worth 15000 (1500) at the end; slipper's close pushed out.
    let flow = json(&env.funnel(&[
        "flow",
        "--period",
        "month",
        "--since",
        "2026-09-01",
        "--today",
        "2026-11-15",
        "--format",
        "json",
        "--deals",
    ]));
    let lead = &flow["flow"]["stages"][0];
    assert_eq!(lead["stage"], "lead");
    let amount = |a: &serde_json::Value| {
        (
            a["deals"].as_i64().unwrap(),
            a["value"].as_str().unwrap().to_string(),
            a["weighted"].as_str().unwrap().to_string(),
        )
    };
    let owned = |d: i64, v: &str, w: &str| (d, v.to_string(), w.to_string());
    assert_eq!(amount(&lead["start"]), owned(3, "25000", "2500"));
    assert_eq!(amount(&lead["flows"]["value_up"]), owned(0, "3000", "300"));
    assert_eq!(amount(&lead["flows"]["won"]), owned(-1, "-8000", "-800"));
    assert_eq!(amount(&lead["flows"]["lost"]), owned(-1, "-5000", "-500"));
    assert_eq!(amount(&lead["end"]), owned(1, "15000", "1500"));
    assert_eq!(
        amount(&lead["close_dates"]["pushed_out"]),
        owned(1, "15000", "1500")
    );
    let kinds: Vec<(&str, &str)> = flow["flow"]["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["deal"].as_str().unwrap(), m["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("loser", "lost"),
            ("slipper", "value_up"),
            ("slipper", "pushed_out"),
            ("winner", "won")
        ]
    );

    // The terminal form names the slipped deal.
    let table = env.funnel(SEPTEMBER_AND_OCTOBER);
    table.success();
    assert!(
        table.stdout.contains("Forecast accuracy"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains(" 2026-09   slipper "),
        "{}",
        table.stdout
    );
}

#[test]
fn show_and_list_as_of_give_the_values_of_then_and_removed_deals_come_back() {
    let env = hand_built();
    env.funnel(&["add", "Gone", "--value", "700", "--at", "2026-08-02"])
        .success();
    env.funnel(&["rm", "gone", "--at", "2026-08-20"]).success();
    let show = json(&env.funnel(&[
        "show",
        "slipper",
        "--as-of",
        "2026-08-31",
        "--format",
        "json",
    ]));
    assert_eq!(show["value"], "12000");
    assert_eq!(show["fields"]["expected_close"], "2026-09-25");
    let ids = |day: &str| -> Vec<String> {
        json(&env.funnel(&["list", "--all", "--as-of", day, "--format", "json"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("2026-07-31"), ["slipper"]);
    assert_eq!(ids("2026-08-10"), ["gone", "slipper", "winner"]);
    assert_eq!(ids("2026-08-31"), ["loser", "slipper", "winner"]);
    assert_eq!(ids("today"), ["slipper", "winner", "loser"]);
    // Ages and windows count from the day looked at.
    let board = json(&env.funnel(&["board", "--as-of", "2026-08-10", "--format", "json"]));
    assert_eq!(board["today"], "2026-08-10");
    let lead = &board["stages"][0];
    assert_eq!(
        (lead["oldest_deal"].as_str(), lead["oldest_days"].as_i64()),
        (Some("slipper"), Some(31))
    );
    // The removal is a flow.
    let flow = json(&env.funnel(&[
        "flow",
        "--since",
        "2026-08-01",
        "--until",
        "2026-08-31",
        "--format",
        "json",
    ]));
    assert_eq!(flow["flow"]["total"]["flows"]["removed"]["value"], "-700");
    assert_reconciles(&flow, "august");
}

#[test]
fn as_of_refuses_a_future_day_and_counts_back_from_today() {
    let env = hand_built();
    let run = env.funnel(&["board", "--as-of", "+2d"]);
    run.failure(1);
    assert!(run.stderr.contains("is after today"), "{}", run.stderr);
    let run = env.funnel(&["show", "winner", "--as-of", "2026-07-20"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: no deal `winner` on 2026-07-20: created later, removed by then, or never\n\
         hint: `funnel list --all --as-of 2026-07-20` shows the deals of then\n"
    );
    // The dashboard draws the past too.
    let page = env.funnel(&["dashboard", "--as-of", "2026-08-31", "-o", "-"]);
    page.success();
    assert!(page.stdout.contains("2026-08-31"), "{}", page.stderr);
    // So does the export: the deals of then.
    let export = json(&env.funnel(&["export", "--as-of", "2026-08-31", "--format", "json"]));
    let ids: Vec<&str> = export["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["loser", "slipper", "winner"]);
    // A relative day counts back from --today.
    let board = json(&env.funnel(&["board", "--as-of", "-1m", "--format", "json"]));
    assert_eq!(board["today"], "2026-10-27");
    let run = env.funnel(&["list", "--as-of", "2026-02-30"]);
    run.failure(1);
    assert!(run.stderr.contains("--as-of"), "{}", run.stderr);
}
