//! `doctor`: each finding kind fires where it should and stays quiet just
//! under its limit, when snoozed and when the deal is closed.

use crate::support::TestEnv;

/// A pipeline with the given deal files, committed at 2026-11-01.
fn pipeline(files: &[(&str, &str)]) -> TestEnv {
    let env = TestEnv::pipeline();
    for (path, text) in files {
        env.write(path, text);
    }
    env.git(&["add", "-A"]);
    env.git_output(
        &["commit", "-qm", "deals"],
        &[("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")],
    );
    env
}

/// `doctor --kind KIND --format tsv` and its exit status.
fn doctor(env: &TestEnv, kind: &str, extra: &[&str]) -> (String, i32) {
    let mut args = vec!["doctor", "--kind", kind, "--format", "tsv"];
    args.extend_from_slice(extra);
    let run = env.funnel(&args);
    (run.stdout, run.status)
}

const HEADER: &str = "severity\tkind\tdeal\tfinding\tfix\n";

const FULL: &str = "title = \"Acme\"\nowner = \"alice\"\nvalue = 10000\nexpected_close = 2026-12-20\nnext_step = \"Call\"\nnext_step_due = 2026-12-01\n";

#[test]
fn broken_promise_fires_after_the_due_date_only() {
    let late = FULL.replace("2026-12-01", "2026-11-26");
    let env = pipeline(&[
        ("lead/acme.toml", &late),
        (
            "lead/globex.toml",
            &FULL
                .replace("Acme", "Globex")
                .replace("2026-12-01", "2026-11-27"),
        ),
    ]);
    assert_eq!(
        doctor(&env, "broken_promise", &[]),
        (
            format!(
                "{HEADER}warning\tbroken_promise\tacme\tacme: \"Call\" was due 2026-11-26, 1 days ago\tfunnel set acme next_step_due=friday\n"
            ),
            0
        )
    );
    assert_eq!(
        doctor(&env, "broken_promise", &["--fail-on", "warning"]).1,
        1
    );
    assert_eq!(doctor(&env, "broken_promise", &["--fail-on", "error"]).1, 0);
}

#[test]
fn missing_data_names_the_fields_and_their_fix() {
    let env = pipeline(&[
        ("lead/acme.toml", "title = \"Acme\"\nowner = \"alice\"\n"),
        ("lead/globex.toml", &FULL.replace("Acme", "Globex")),
    ]);
    assert_eq!(
        doctor(&env, "missing_data", &[]).0,
        format!(
            "{HEADER}warning\tmissing_data\tacme\tacme has no value, expected_close, next_step\tfunnel set acme value=... expected_close=eom next_step=\"...\" next_step_due=friday\n"
        )
    );
}

#[test]
fn unqualified_fires_past_the_first_stage_only() {
    let unagreed =
        format!("{FULL}\n[qualification]\nneed = \"Spreadsheets\"\nproblem_agreed = false\n");
    let agreed = unagreed.replace("false", "true").replace("Acme", "Globex");
    let env = pipeline(&[
        ("contact/acme.toml", &unagreed),
        ("contact/globex.toml", &agreed),
        ("lead/initech.toml", &FULL.replace("Acme", "Initech")),
    ]);
    assert_eq!(
        doctor(&env, "unqualified", &[]).0,
        format!(
            "{HEADER}warning\tunqualified\tacme\tacme is in contact with no agreed problem\tfunnel set acme qualification.problem_agreed=true, or funnel move acme lost --reason unqualified\n"
        )
    );
}

#[test]
fn dead_deals_are_long_past_expected_close() {
    let dead = FULL.replace("2026-12-20", "2026-10-27");
    let nearly = FULL
        .replace("2026-12-20", "2026-10-28")
        .replace("Acme", "Globex");
    let env = pipeline(&[
        ("proposal/acme.toml", &dead),
        ("proposal/globex.toml", &nearly),
    ]);
    assert_eq!(
        doctor(&env, "dead_deal", &["--fail-on", "error"]),
        (
            format!(
                "{HEADER}error\tdead_deal\tacme\tacme: 31 days past its expected close 2026-10-27\tfunnel move acme lost --reason no-decision\n"
            ),
            1
        )
    );
}

#[test]
fn neglected_customers_are_won_accounts_without_contact() {
    let won = |title: &str, contact: &str| {
        format!(
            "title = \"{title}\"\naccount = \"{title} Inc\"\nowner = \"bob\"\nvalue = 5000\nlast_contact = {contact}\n"
        )
    };
    let env = pipeline(&[
        ("won/acme.toml", &won("Acme", "2026-08-28")),
        ("won/globex.toml", &won("Globex", "2026-08-29")),
        (
            "lost/initech.toml",
            &format!("{}lost_reason = \"price\"\n", won("Initech", "2026-01-01")),
        ),
    ]);
    assert_eq!(
        doctor(&env, "neglected_customer", &[]).0,
        format!(
            "{HEADER}warning\tneglected_customer\tacme\tAcme Inc: no contact for 91 days (since 2026-08-28), check in every 90\tfunnel set acme last_contact=today   # after the check-in call\n"
        )
    );
}

#[test]
fn balance_compares_stages_with_their_wip_limits() {
    let env = pipeline(&[
        ("lead/acme.toml", FULL),
        ("lead/globex.toml", &FULL.replace("Acme", "Globex")),
    ]);
    let config = env
        .read("funnel.toml")
        .replace("id = \"lead\"\n", "id = \"lead\"\nwip_max = 1\n")
        .replace("id = \"proposal\"\n", "id = \"proposal\"\nwip_min = 1\n")
        .replace(
            "id = \"contact\"\n",
            "id = \"contact\"\nwip_min = 0\nwip_max = 2\n",
        );
    env.write("funnel.toml", &config);
    assert_eq!(
        doctor(&env, "balance", &[]).0,
        format!(
            "{HEADER}warning\tbalance\t\tlead: 2 open deals, more than wip_max 1\tfunnel list stage:lead --sort expected_close, then move or drop the stuck ones\nwarning\tbalance\t\tproposal: 0 open deals, fewer than wip_min 1\tfunnel list stage:proposal --all; feed the stage from the one before it\n"
        )
    );
}

#[test]
fn severities_are_overridden_in_the_config() {
    let late = FULL.replace("2026-12-01", "2026-11-26");
    let env = pipeline(&[("lead/acme.toml", &late)]);
    let config =
        env.read("funnel.toml") + "\n[doctor]\nseverity = { broken_promise = \"error\" }\n";
    env.write("funnel.toml", &config);
    assert_eq!(doctor(&env, "broken_promise", &["--fail-on", "error"]).1, 1);
    env.write(
        "funnel.toml",
        &config.replace("broken_promise", "broken_promis"),
    );
    let run = env.funnel(&["doctor"]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("unknown finding kind `broken_promis` in [doctor] severity"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `broken_promise`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn lead_generation_shows_the_pace_and_projection() {
    let env = pipeline(&[(
        "lead/acme.toml",
        &format!("{FULL}created = 2026-11-23\n").replace("value = 10000", "value = 1750"),
    )]);
    let config = env.read("funnel.toml").replace("[customers]", "[targets]\nnew_value = { amount = 250, per = \"day\" }\nnew_deals = { count = 1, per = \"week\" }\n\n[customers]");
    env.write("funnel.toml", &config);
    // 1,750 in the five days of this week is 350 a day, above 250: the week
    // passes; the month (27 days) is 65 a day, below target. One deal in
    // 27 days is 0.3 a week, below one a week.
    assert_eq!(
        doctor(&env, "not_prospecting", &[]).0,
        format!(
            "{HEADER}warning\tnot_prospecting\t\t1 new deals this month (0.3 a week), target 1 a week: at this pace 1, 3, 7 more in 1, 3 and 6 months, target 4, 13, 26\tfunnel add \"TITLE\" --source outbound   # prospect: book time for new leads\nwarning\tnot_prospecting\t\t1750 USD of new deals this month (65 a day), target 250 a day: at this pace 1950, 5850, 11700 more in 1, 3 and 6 months, target 7500, 22500, 45000\tfunnel add \"TITLE\" --value AMOUNT   # prospect: book time for new leads\n"
        )
    );
}

#[test]
fn snooze_and_unsnooze_commit_and_show_in_doctor_all() {
    let env = pipeline(&[("lead/acme.toml", FULL)]);
    env.funnel(&[
        "snooze",
        "acme",
        "2026-12-15",
        "--reason",
        "champion on leave",
    ])
    .success();
    assert_eq!(
        env.git(&["log", "-1", "--format=%s"]),
        "snooze acme: until 2026-12-15\n"
    );
    assert!(
        env.read("lead/acme.toml")
            .ends_with("snooze_until = 2026-12-15\nsnooze_reason = \"champion on leave\"\n")
    );
    assert_eq!(
        doctor(&env, "snoozed", &["--all"]).0,
        format!(
            "{HEADER}info\tsnoozed\tacme\tacme is snoozed until 2026-12-15: champion on leave\tfunnel unsnooze acme\n"
        )
    );
    assert_eq!(doctor(&env, "snoozed", &[]).0, HEADER);
    assert_eq!(
        env.funnel(&["snooze", "acme", "yesterday", "--reason", "x"])
            .stderr,
        "error: 2026-11-26 is not in the future\nhint: snooze until a later date: +2w, eom, 2027-01-15\n"
    );
    env.funnel(&["unsnooze", "acme"]).success();
    assert_eq!(env.read("lead/acme.toml"), FULL);
    assert_eq!(
        env.funnel(&["unsnooze", "acme"]).stderr,
        "error: `acme` is not snoozed\n"
    );
    assert_eq!(env.status(), "");
}

#[test]
fn the_demo_shows_every_finding_kind_and_json_has_its_documented_shape() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let run = env.funnel_in(
        &demo,
        &["doctor", "--all", "--format", "json", "--fail-on", "error"],
        &[],
    );
    assert_eq!(run.status, 1, "the demo has a dead deal: {}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["today"], "2026-11-27");
    let findings = doc["findings"].as_array().unwrap();
    let mut kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "balance",
            "broken_promise",
            "dead_deal",
            "follow_up_due",
            "idle",
            "missing_data",
            "neglected_customer",
            "not_prospecting",
            "product_imbalance",
            "snoozed",
            "stalled",
            "unqualified"
        ]
    );
    let dead = findings.iter().find(|f| f["kind"] == "dead_deal").unwrap();
    assert_eq!(
        dead,
        &serde_json::json!({
            "kind": "dead_deal",
            "severity": "error",
            "deals": ["orbital-telecom-crm"],
            "owner": "alice",
            "stage": "negotiation",
            "message": "orbital-telecom-crm: 88 days past its expected close 2026-08-31",
            "fix": "funnel move orbital-telecom-crm lost --reason no-decision",
            "at_stake": "51200",
        })
    );
    let balance = findings.iter().find(|f| f["kind"] == "balance").unwrap();
    assert_eq!(balance["deals"], serde_json::json!([]));
    assert!(balance.get("owner").is_none());
}

#[test]
fn stalled_fires_past_max_days_in_the_stage_unless_snoozed_or_closed() {
    let env = TestEnv::pipeline();
    // lead: max_days 14. Today is 2026-11-27.
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-12"])
        .success();
    env.funnel(&["add", "Globex", "--value", "5000", "--at", "2026-11-13"])
        .success();
    env.funnel(&["add", "Initech", "--value", "5000", "--at", "2026-10-29"])
        .success();
    env.funnel(&[
        "snooze",
        "initech",
        "2026-12-15",
        "--reason",
        "budget in January",
        "--at",
        "2026-10-30",
    ])
    .success();
    env.funnel(&[
        "add",
        "Hooli",
        "--value",
        "5000",
        "--stage",
        "won",
        "--at",
        "2026-10-01",
    ])
    .success();
    assert_eq!(
        doctor(&env, "stalled", &[]).0,
        format!(
            "{HEADER}warning\tstalled\tacme\tacme: 15 days in lead, limit 14\tmove it on, or funnel snooze acme +2w --reason \"...\"\n"
        )
    );
    // Far beyond the limit it is a dead deal instead.
    env.funnel(&["unsnooze", "initech", "--at", "2026-10-31"])
        .success();
    assert_eq!(
        doctor(&env, "dead_deal", &[]).0,
        format!(
            "{HEADER}error\tdead_deal\tinitech\tinitech: 29 days in lead, more than twice the limit of 14\tfunnel move initech lost --reason no-decision\n"
        )
    );
}

#[test]
fn idle_fires_after_idle_days_without_a_change() {
    let env = TestEnv::pipeline();
    // qualified: max_days 21, idle_days 10.
    let add = |title: &str, at: &str| {
        env.funnel(&[
            "add",
            title,
            "--stage",
            "qualified",
            "--value",
            "5000",
            "--set",
            "qualification.need=CRM",
            "--set",
            "qualification.problem_agreed=yes",
            "--at",
            at,
        ])
        .success();
    };
    add("Acme", "2026-11-16");
    add("Globex", "2026-11-17");
    assert_eq!(
        doctor(&env, "idle", &[]).0,
        format!(
            "{HEADER}info\tidle\tacme\tacme: no change for 11 days, limit 10\tfunnel set acme last_contact=today next_step=\"...\" next_step_due=friday\n"
        )
    );
    // Any committed change counts, by funnel or by hand.
    env.funnel(&[
        "set",
        "acme",
        "next_step=Call the CFO",
        "--at",
        "2026-11-26",
    ])
    .success();
    assert_eq!(doctor(&env, "idle", &[]).0, HEADER);
}

#[test]
fn follow_ups_after_a_win_are_due_until_the_customer_is_contacted() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000", "--at", "2026-11-01"])
        .success();
    env.funnel(&["add", "Globex", "--value", "5000", "--at", "2026-11-01"])
        .success();
    env.funnel(&["move", "acme", "won", "--at", "2026-11-20"])
        .success();
    env.funnel(&["move", "globex", "won", "--at", "2026-11-20"])
        .success();
    env.funnel(&[
        "set",
        "globex",
        "last_contact=2026-11-21",
        "--at",
        "2026-11-21",
    ])
    .success();
    assert_eq!(
        doctor(&env, "follow_up_due", &[]).0,
        format!(
            "{HEADER}info\tfollow_up_due\tacme\tacme: \"Send the welcome email series\" due 2026-11-20 (0 days after it was won)\tfunnel set acme last_contact=today\n"
        )
    );
    // next surfaces it for the owner.
    let next = env.funnel(&["next", "--format", "tsv"]);
    assert_eq!(
        next.stdout,
        "at stake\tdeal\tstage\twhat\tfix\n5000\tacme\twon\tacme: \"Send the welcome email series\" due 2026-11-20 (0 days after it was won)\tfunnel set acme last_contact=today\n"
    );
    assert_eq!(next.stderr, "1 item(s) for alice on 2026-11-27\n");
}

#[test]
fn product_imbalance_compares_products_with_their_targets() {
    let env = TestEnv::pipeline();
    let config = env.read("funnel.toml").replace(
        "[customers]",
        "[targets]\nproducts = { crm = { new_deals = 2, won = 1, per = \"month\" }, training = { new_deals = 1, per = \"month\" } }\n\n[customers]",
    );
    env.write("funnel.toml", &config);
    env.commit_all("product targets");
    env.funnel(&["add", "Acme", "--set", "product=crm", "--at", "2026-11-20"])
        .success();
    env.funnel(&[
        "add",
        "Globex",
        "--set",
        "product=training",
        "--at",
        "2026-11-20",
    ])
    .success();
    assert_eq!(
        doctor(&env, "product_imbalance", &[]).0,
        format!(
            "{HEADER}info\tproduct_imbalance\t\tcrm: 1 new deals, target 2, 0 won, target 1 in the last 30 days\tfunnel list product:crm --all; prospect for crm\n"
        )
    );
}
