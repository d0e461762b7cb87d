//! `funnel dashboard`: the figures against hand-computed values and
//! against `report`, `board` and `doctor`; escaping; writing the file; and
//! the page rendered in headless Chromium (skipped, saying why, without
//! it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestEnv, crate_dir, skip};

/// The charts every dashboard has (`data-chart` of each `<svg>`).
const CHARTS: [&str; 14] = [
    "funnel",
    "balance",
    "sizes",
    "cycle",
    "stages",
    "won-value",
    "win-rate",
    "new-deals",
    "new-value",
    "forecast",
    "lost",
    "products",
    "leaders",
    "findings",
];

/// Text with the page's entities decoded.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Text with its tags removed (`<br>` as a space) and entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        if rest[open..close].starts_with("<br") {
            out.push(' ');
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    unescape(&out)
}

/// The parts of `html` between `start` and `end` markers, in order.
fn parts<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(start) {
        let body = &rest[at + start.len()..];
        let stop = body.find(end).unwrap_or(body.len());
        out.push(&body[..stop]);
        rest = &body[stop..];
    }
    out
}

/// The tables of the card `id`: rows of cell texts, header row first.
fn tables(html: &str, id: &str) -> Vec<Vec<Vec<String>>> {
    let card = parts(html, &format!(r#"id="{id}">"#), "</section>")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no card {id}"));
    parts(card, "<table>", "</table>")
        .into_iter()
        .map(|table| {
            parts(table, "<tr", "</tr>")
                .into_iter()
                .map(|row| {
                    let cells = row.replace("<th", "<td").replace("</th>", "</td>");
                    parts(&cells, "<td", "</td>")
                        .into_iter()
                        .map(|cell| text_of(&cell[cell.find('>').map_or(0, |i| i + 1)..]))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Every table of the page as text, one card after another: the numbers
/// of the page without its charts.
fn all_tables(html: &str) -> String {
    let mut out = String::new();
    for id in parts(html, r#"<section class="card"#, ">") {
        let id = id.split("id=\"").nth(1).unwrap_or("").trim_end_matches('"');
        out.push_str(&format!("## {id}\n"));
        for table in tables(html, id) {
            for row in table {
                out.push_str(&row.join(" | "));
                out.push('\n');
            }
            out.push('\n');
        }
    }
    out
}

/// A number without thousands separators or trailing decimal zeros, as
/// JSON's decimal strings have it (`18,140.50` is `18140.5`).
fn plain(cell: &str) -> String {
    let digits = cell.replace(',', "");
    if digits.contains('.') {
        digits
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        digits
    }
}

/// A small pipeline whose figures are worked out by hand in the test.
fn small_pipeline() -> TestEnv {
    let env = TestEnv::pipeline();
    let config = env.read("funnel.toml");
    let config = config
        .replacen(
            "idle_days = 7                    # days without any change before it is idle\n",
            "idle_days = 7                    # days without any change before it is idle\nwip_max = 2\n",
            1,
        )
        .replacen(
            "require = [\"value\", \"expected_close\"]",
            "wip_min = 1\nrequire = [\"value\", \"expected_close\"]",
            1,
        );
    env.write(
        "funnel.toml",
        &format!(
            "{config}\n[targets]\nnew_deals = {{ count = 4, per = \"month\" }}\nwon_value = {{ amount = 10000, per = \"month\" }}\n"
        ),
    );
    env.commit_all("targets and WIP limits");
    let add = |title: &str, args: &[&str], at: &str| {
        let mut all = vec!["add", title, "--at", at];
        all.extend_from_slice(args);
        env.funnel(&all).success();
    };
    add(
        "Acme",
        &["--value", "4000", "--owner", "alice", "--product", "crm"],
        "2026-11-02",
    );
    add(
        "Globex",
        &["--value", "1500", "--owner", "bob"],
        "2026-11-03",
    );
    add(
        "Initech",
        &[
            "--value",
            "12000",
            "--owner",
            "alice",
            "--close",
            "2026-12-15",
        ],
        "2026-11-04",
    );
    add(
        "Umbrella",
        &["--value", "300", "--owner", "bob"],
        "2026-11-20",
    );
    add("Hooli", &["--owner", "carol"], "2026-11-21");
    env.funnel(&["move", "acme", "won", "--at", "2026-11-12"])
        .success();
    env.funnel(&[
        "move",
        "globex",
        "lost",
        "--reason",
        "price",
        "--at",
        "2026-11-13",
    ])
    .success();
    env.funnel(&["move", "initech", "proposal", "--at", "2026-11-10"])
        .success();
    env
}

#[test]
fn figures_on_a_small_pipeline_are_the_hand_computed_ones() {
    let env = small_pipeline();
    let run = env.funnel(&["dashboard", "--period", "month", "-o", "-"]);
    run.success();
    let html = &run.stdout;
    let row = |id: &str, table: usize, first: &str| -> Vec<String> {
        tables(html, id)[table]
            .iter()
            .find(|r| r[0] == first)
            .unwrap_or_else(|| panic!("no row {first} in {id}"))
            .clone()
    };
    // Today: lead holds umbrella (300, 10% = 30) and hooli (no value);
    // proposal initech (12000 at 50%... the stage's 60% = 7200).
    assert_eq!(row("funnel", 0, "lead")[1..4], ["2", "300", "30"]);
    assert_eq!(row("funnel", 0, "proposal")[1..4], ["1", "12,000", "7,200"]);
    assert_eq!(row("funnel", 0, "open")[1..4], ["3", "12,300", "7,230"]);
    // lead: 2 deals against wip_max 2; proposal: 1 against wip_min 1.
    assert_eq!(row("balance", 0, "lead")[1..5], ["2", "", "2", "ok"]);
    assert_eq!(row("balance", 0, "proposal")[1..5], ["1", "1", "", "ok"]);
    // November: acme won (4000, 10 days), globex lost (price, 10 days).
    assert_eq!(row("cycle", 0, "won: median")[1..], ["10.0 days", "1"]);
    assert_eq!(row("cycle", 0, "lost: median")[1..], ["10.0 days", "1"]);
    assert_eq!(row("lost", 0, "price")[1..], ["1", "100.0%", "1,500"]);
    // Sizes from 0 on the 1-2-5 ladder fitted to 300 .. 12000: umbrella
    // open under 500, globex lost in 1000-2000, acme won in 2000-5000,
    // initech open in 10000-20000, hooli without a value.
    let sizes: Vec<Vec<String>> = tables(html, "sizes")[0][1..].to_vec();
    let size = |from: &str| sizes.iter().find(|r| r[0] == from).unwrap()[1..].to_vec();
    assert_eq!(size("0"), ["500", "1", "300", "0", "0", "0", "n/a"]);
    assert_eq!(size("1,000"), ["2,000", "0", "0", "0", "0", "1", "0.0%"]);
    assert_eq!(
        size("2,000"),
        ["5,000", "0", "0", "1", "4,000", "0", "100.0%"]
    );
    assert_eq!(
        size("10,000"),
        ["20,000", "1", "12,000", "0", "0", "0", "n/a"]
    );
    assert_eq!(size("no value"), ["", "1", "0", "0", "0", "0", "n/a"]);
    assert_eq!(sizes.len(), 7);
    // The month: 5 new deals (target 4), 17800 new value, 1 won of 2
    // closed, 4000 won against 10000.
    assert_eq!(
        row("won", 0, "2026-11")[1..],
        ["1", "1", "50.0%", "4,000", "10,000"]
    );
    assert_eq!(row("leads", 0, "2026-11")[1..], ["5", "4", "17,800", ""]);
    // Forecast: initech in December (12000, 7200 weighted); umbrella and
    // hooli without a close date. Coverage: nothing due in November
    // against 10000 - 4000 left.
    assert_eq!(row("forecast", 0, "2026-12")[1..], ["1", "12,000", "7,200"]);
    assert_eq!(row("forecast", 0, "(none)")[1..], ["2", "300", "30"]);
    assert_eq!(row("forecast", 1, "target remaining")[1], "6,000");
    assert_eq!(row("forecast", 1, "coverage")[1], "0.00x");
    // Leaderboard: alice won 4000 (1 of 1), then bob (lost 1; 30
    // weighted open) before carol (nothing weighted).
    let leaders: Vec<Vec<String>> = tables(html, "leaders")[0][1..].to_vec();
    let names: Vec<&str> = leaders.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(
        leaders[0][1..],
        [
            "1",
            "7,200",
            "1",
            "4,000",
            "100.0%",
            "4,000",
            "10.0 days",
            "2"
        ]
    );
    assert_eq!(leaders[1][3..6], ["0", "0", "0.0%"]);
    // The whole page's tables, read once by a person and kept.
    insta::assert_snapshot!("dashboard_small_tables", all_tables(html));
}

#[test]
fn the_numbers_are_report_board_and_doctor_numbers() {
    let env = TestEnv::new();
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    let window = ["--since", "2026-06-01", "--until", "2026-11-27"];
    let dashboard = env.funnel_in(
        &demo,
        &[&["dashboard", "-o", "-"][..], &window].concat(),
        &[],
    );
    dashboard.success();
    let html = &dashboard.stdout;
    // Every line of the report, as `report` prints it.
    let report = env.funnel_in(
        &demo,
        &[&["report", "--format", "tsv"][..], &window].concat(),
        &[],
    );
    report.success();
    let figures: Vec<String> = tables(html, "figures")[0]
        .iter()
        .map(|r| r.join("\t"))
        .collect();
    // (Without the report's last column, its section.)
    let expected: Vec<&str> = report
        .stdout
        .lines()
        .map(|line| line.rsplit_once('\t').map_or(line, |(row, _)| row))
        .collect();
    assert_eq!(figures, expected);
    // The board's stages.
    let board = env.funnel_in(&demo, &["board", "--format", "tsv"], &[]);
    board.success();
    let funnel = &tables(html, "funnel")[0];
    for line in board.stdout.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let row = funnel
            .iter()
            .find(|r| r[0] == cells[0])
            .unwrap_or_else(|| panic!("no stage {}", cells[0]));
        let shown: Vec<String> = row[1..4].iter().map(|c| plain(c)).collect();
        let board: Vec<String> = cells[1..4].iter().map(|c| plain(c)).collect();
        assert_eq!(shown, board, "{}", cells[0]);
    }
    // The leaderboard: report --by owner, group by group.
    let by_owner = env.funnel_in(
        &demo,
        &[
            &["report", "--by", "owner", "--format", "json"][..],
            &window,
        ]
        .concat(),
        &[],
    );
    let doc: serde_json::Value = serde_json::from_str(&by_owner.stdout).unwrap();
    let leaders = &tables(html, "leaders")[0];
    let groups = doc["groups"].as_object().unwrap();
    assert_eq!(leaders.len() - 1, groups.len());
    for row in &leaders[1..] {
        let group = &groups[&row[0]];
        assert_eq!(row[3], group["win_rate"]["won"].to_string(), "{}", row[0]);
        assert_eq!(
            plain(&row[4]),
            group["win_rate"]["won_value"].as_str().unwrap(),
            "{}",
            row[0]
        );
    }
    // Doctor's findings: counted by kind, listed in its order.
    let doctor = env.funnel_in(&demo, &["doctor", "--format", "json"], &[]);
    let doc: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    for row in &tables(html, "findings")[0][1..] {
        let count = findings
            .iter()
            .filter(|f| f["kind"].as_str() == Some(&row[0]))
            .count();
        assert_eq!(row[2], count.to_string(), "{}", row[0]);
    }
    let listed = &tables(html, "findings")[1][1..];
    assert_eq!(listed.len(), findings.len().min(40));
    for (row, finding) in listed.iter().zip(findings) {
        assert_eq!(row[3], finding["message"].as_str().unwrap());
        assert_eq!(row[4], finding["fix"].as_str().unwrap());
    }
}

/// The demo pipeline with a deal whose title and owner are markup.
fn hostile_demo(env: &TestEnv) -> PathBuf {
    let demo = env.home.join("demo");
    env.funnel(&["demo", demo.to_str().unwrap()]).success();
    env.funnel_in(
        &demo,
        &[
            "add",
            "<script>alert(1)</script>",
            "--owner",
            "<img src=x onerror=alert(2)>",
            "--value",
            "90000",
            "--close",
            "2026-07-01",
            "--at",
            "2026-06-01",
        ],
        &[],
    )
    .success();
    demo
}

#[test]
fn user_strings_are_text_and_the_page_asks_for_nothing() {
    let env = TestEnv::new();
    let demo = hostile_demo(&env);
    let run = env.funnel_in(&demo, &["dashboard", "-o", "-"], &[]);
    run.success();
    let html = &run.stdout;
    // No script of funnel's and none of the deal's; no element from the owner.
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // Nothing that loads: no URL, no font, and a policy that refuses all.
    assert!(html.contains(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">"#
    ));
    for needle in ["http:", "https:", "//", "@import", "url(", "@font-face"] {
        let outside_text = html
            .match_indices(needle)
            .filter(|(at, _)| !html[..*at].ends_with("<code>funnel"))
            .count();
        assert_eq!(outside_text, 0, "{needle} in the page");
    }
    for chart in CHARTS {
        assert!(
            html.contains(&format!(r#"data-chart="{chart}""#)),
            "{chart}"
        );
    }
}

#[test]
fn the_file_is_written_whole_where_asked_and_the_same_twice() {
    let env = small_pipeline();
    // The default: dashboard.html in the current folder.
    let run = env.funnel(&["dashboard"]);
    run.success();
    assert!(
        run.stderr
            .starts_with("Wrote the dashboard to dashboard.html ("),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("; 5 deals, 2026-08-30 to 2026-11-27)\n"),
        "{}",
        run.stderr
    );
    let first = env.read("dashboard.html");
    assert!(first.starts_with("<!DOCTYPE html>"));
    env.funnel(&["dashboard"]).success();
    assert_eq!(env.read("dashboard.html"), first, "--today pins the page");
    let stdout = env.funnel(&["dashboard", "-o", "-"]);
    assert_eq!(stdout.stdout, first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(env.path("dashboard.html"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // No temporary file left beside it.
    let left: Vec<String> = std::fs::read_dir(&env.repo)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("dashboard") && n != "dashboard.html")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A folder that is missing, and a folder for a file.
    let missing = env.funnel(&["dashboard", "-o", "no/such/dir/x.html"]);
    missing.failure(1);
    assert_eq!(
        missing.stderr,
        "error: cannot write no/such/dir/x.html: there is no folder no/such/dir\nhint: create the folder first, or give -o a file in an existing folder\n"
    );
    let folder = env.funnel(&["dashboard", "-o", "lead"]);
    folder.failure(1);
    assert_eq!(
        folder.stderr,
        "error: cannot write lead: it is a folder\nhint: give a file name, such as -o lead/dashboard.html\n"
    );
    // A bad --by key is refused before anything is written.
    let by = env.funnel(&["dashboard", "--by", "ownr", "-o", "x.html"]);
    by.failure(1);
    assert_eq!(
        by.stderr,
        "error: unknown key `ownr` for --by\nhint: did you mean `owner`?\n"
    );
    assert!(!env.path("x.html").exists());
}

/// Chromium, when installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// What one headless Chromium run gave: stdout, the log on stderr, and the
/// network log (every request the browser made, as JSON).
struct Browsed {
    stdout: String,
    log: String,
    net: serde_json::Value,
}

/// Runs headless Chromium on `page` with `args` (a fresh profile, no
/// background traffic), killing it after two minutes.
fn browse(chromium: &Path, page: &Path, args: &[&str]) -> Browsed {
    let scratch = tempfile::tempdir().unwrap();
    let net = scratch.path().join("net.json");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", net.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    // Both pipes read on threads, so a full pipe never stalls it.
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let net_text = std::fs::read_to_string(&net).unwrap_or_default();
    Browsed {
        stdout: out.join().unwrap(),
        log: err.join().unwrap(),
        // Chromium may leave the log's closing brackets off when killed.
        net: serde_json::from_str(&net_text)
            .or_else(|_| {
                serde_json::from_str(&format!("{}]}}", net_text.trim_end().trim_end_matches(',')))
            })
            .unwrap_or(serde_json::Value::Null),
    }
}

fn drain<R: std::io::Read + Send + 'static>(mut pipe: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The requests the page made (Chromium's own background requests have
/// no page as their initiator).
fn page_requests(net: &serde_json::Value) -> Vec<String> {
    net["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let params = &e["params"];
            let url = params["url"].as_str()?;
            let from_page = params["initiator"].as_str() == Some("null")
                || params["network_isolation_key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("file://"));
            from_page.then(|| url.to_string())
        })
        .collect()
}

/// What the page wrote to the console (a page without script writes
/// nothing; a blocked request or a broken element would).
fn console(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn the_page_renders_in_chromium_without_requests_or_console_errors() {
    let Some(chromium) = chromium() else {
        skip(
            "dashboard in chromium: no chromium on PATH or in /usr/bin (Debian: apt-get install chromium)",
        );
        return;
    };
    let env = TestEnv::new();
    let demo = hostile_demo(&env);
    let page = env.home.join("dashboard.html");
    env.funnel_in(&demo, &["dashboard", "-o", page.to_str().unwrap()], &[])
        .success();

    // The harness sees what it must catch: a page that asks for an image
    // gets it refused by the policy, and says so on the console.
    let html = std::fs::read_to_string(&page).unwrap();
    let bait = env.home.join("bait.html");
    std::fs::write(
        &bait,
        html.replacen("<main>", r#"<main><img src="http://127.0.0.1:9/x.png">"#, 1),
    )
    .unwrap();
    let caught = browse(&chromium, &bait, &["--dump-dom"]);
    assert!(
        console(&caught.log)
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "a blocked request must show on the console:\n{}",
        caught.log
    );
    assert!(caught.net.is_object(), "chromium wrote no network log");

    // The page itself: no request, nothing on the console, every chart
    // in the rendered document, the markup of the deal as text.
    let rendered = browse(&chromium, &page, &["--dump-dom"]);
    assert_eq!(page_requests(&rendered.net), Vec::<String>::new());
    assert_eq!(
        console(&rendered.log),
        Vec::<&str>::new(),
        "{}",
        rendered.log
    );
    let dom = &rendered.stdout;
    for chart in CHARTS {
        assert!(
            dom.contains(&format!(r#"<svg class="chart" data-chart="{chart}""#)),
            "chart {chart} missing from the rendered page"
        );
    }
    assert!(!dom.to_lowercase().contains("<script"), "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );

    // Screenshots, to look at: a wide screen and a phone.
    let artifacts = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| crate_dir().join("target"), PathBuf::from)
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    for (name, size) in [
        ("dashboard.png", "1280,5600"),
        ("dashboard-phone.png", "390,12000"),
    ] {
        let shot = artifacts.join(name);
        let _ = std::fs::remove_file(&shot);
        let run = browse(
            &chromium,
            &page,
            &[
                &format!("--window-size={size}"),
                &format!("--screenshot={}", shot.display()),
            ],
        );
        assert!(
            shot.is_file(),
            "no screenshot {}: {}",
            shot.display(),
            run.log
        );
        assert_eq!(page_requests(&run.net), Vec::<String>::new());
    }
}
