//! `funnel export`: the deals, the stage log and the field changes as CSV,
//! TSV and JSON on a small pipeline whose dates are set by hand (so the
//! days are computed here by hand); the workbook read back by LibreOffice;
//! spreadsheet safety of every CSV and TSV; control characters kept off
//! the terminal.

use std::path::Path;
use std::process::Command;

use crate::support::TestEnv;

/// A deal that went lead -> qualified -> won and one still in lead whose
/// title is a formula, with a value change and a pushed close date.
///
/// acme: added 2026-11-02 00:00 (lead), qualified 2026-11-05 (3.0 days in
/// lead), value 1000 -> 1500 on 2026-11-06, won 2026-11-12 (7.0 days in
/// qualified); cycle 2026-11-02 .. 2026-11-12 = 10.0 days; days in won at
/// "now" (2026-11-27 23:59:59, the end of --today) = 15.99999 -> 16.0.
/// The formula deal: added 2026-11-20 (lead), close 2026-12-15 pushed to
/// 2027-01-15 on 2026-11-21; 7.99999 -> 8.0 days in lead.
fn sample() -> TestEnv {
    let env = TestEnv::pipeline();
    let ok = |args: &[&str]| {
        env.funnel(args).success();
    };
    ok(&[
        "add",
        "Acme",
        "--value",
        "1000",
        "--owner",
        "alice",
        "--account",
        "Acme Corp",
        "--set",
        "region=emea",
        "--at",
        "2026-11-02",
    ]);
    ok(&[
        "set",
        "acme",
        "qualification.need=Replace spreadsheets",
        "qualification.problem_agreed=yes",
        "--at",
        "2026-11-04",
    ]);
    ok(&["move", "acme", "qualified", "--at", "2026-11-05"]);
    ok(&["set", "acme", "value=1500", "--at", "2026-11-06"]);
    ok(&["move", "acme", "won", "--at", "2026-11-12"]);
    ok(&[
        "add",
        "=HYPERLINK(\"http://x\",\"y\")",
        "--id",
        "formula",
        "--value",
        "500",
        "--owner=-bob",
        "--close",
        "2026-12-15",
        "--at",
        "2026-11-20",
    ]);
    ok(&[
        "set",
        "formula",
        "expected_close=2027-01-15",
        "--at",
        "2026-11-21",
    ]);
    env
}

#[track_caller]
fn prints(env: &TestEnv, args: &[&str]) -> String {
    let run = env.funnel(args);
    run.success();
    assert_eq!(run.stderr, "", "{args:?}");
    run.stdout
}

#[test]
fn export_csv_tables_with_hand_computed_days() {
    let env = sample();
    let deals = prints(&env, &["export"]);
    insta::assert_snapshot!("export-deals-csv", deals);
    let stages = prints(&env, &["export", "--what", "stages"]);
    insta::assert_snapshot!("export-stages-csv", stages);
    let fields = prints(&env, &["export", "--what", "fields", "--format", "tsv"]);
    insta::assert_snapshot!("export-fields-tsv", fields);
    // The figures worked out above.
    let acme = deals.lines().find(|l| l.starts_with("acme,")).unwrap();
    assert!(
        acme.ends_with(",2026-11-02 00:00:00,2026-11-12 00:00:00,2026-11-12 00:00:00,10.0,16.0"),
        "{acme}"
    );
    assert!(stages.contains("acme,lead,qualified,2026-11-05 00:00:00,3.0,alice,"));
    assert!(stages.contains("acme,qualified,won,2026-11-12 00:00:00,7.0,alice,"));
    assert!(fields.contains("acme\tvalue\t1000\t1500\tfalse\t2026-11-06 00:00:00\talice\t"));
    assert!(fields.contains(
        "formula\texpected_close\t2026-12-15\t2027-01-15\ttrue\t2026-11-21 00:00:00\talice\t"
    ));
}

#[test]
fn export_json_and_windows() {
    let env = sample();
    let json = prints(&env, &["export", "--format", "json"]);
    insta::assert_snapshot!("export-json", json);
    // A window keeps the log entries in it.
    let run = prints(
        &env,
        &[
            "export",
            "--what",
            "stages",
            "--since",
            "2026-11-05",
            "--until",
            "2026-11-20",
        ],
    );
    assert_eq!(
        run.lines()
            .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>(),
        [
            "deal,from,to",
            "acme,lead,qualified",
            "acme,qualified,won",
            "formula,,lead"
        ]
    );
    // Filters pick the deals.
    let alice = prints(&env, &["export", "owner:alice", "--what", "stages"]);
    assert!(!alice.contains("formula"), "{alice}");
}

#[test]
fn export_refuses_what_it_cannot_write_whole() {
    let env = sample();
    let fails = |args: &[&str], stderr: &str| {
        let run = env.funnel(args);
        assert_eq!(
            (run.status, run.stdout.as_str(), run.stderr.as_str()),
            (1, "", stderr),
            "{args:?}"
        );
    };
    fails(
        &["export", "--format", "xlsx"],
        "error: a workbook is written to a file, not to the terminal\nhint: give -o FILE.xlsx, such as `funnel export -o pipeline.xlsx`\n",
    );
    fails(
        &["export", "--what", "all"],
        "error: CSV and TSV hold one table; --what all writes three\nhint: give -o DIR to write DIR/deals.csv, DIR/stage-log.csv and DIR/field-changes.csv, or pick one table with --what deals, stages or fields\n",
    );
    fails(
        &["export", "-o", "out.txt"],
        "error: cannot tell the format of out.txt\nhint: give --format xlsx, csv, tsv or json, or a file name ending in .xlsx, .csv, .tsv or .json\n",
    );
    fails(
        &["export", "--format", "json", "--bom"],
        "error: --bom is for CSV and TSV\nhint: a workbook and JSON are read as UTF-8 without it: drop --bom\n",
    );
    // Into a folder that does not exist: nothing is written.
    let run = env.funnel(&["export", "-o", "missing/deals.csv"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(!env.path("missing").exists());
    assert_eq!(env.status(), "");
}

#[test]
fn export_writes_files_whole_and_a_bom_on_request() {
    let env = sample();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("tables");
    let dir_arg = dir.to_str().unwrap();
    let run = env.funnel(&[
        "export", "--what", "all", "--format", "csv", "--bom", "-o", dir_arg,
    ]);
    run.success();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["deals.csv", "field-changes.csv", "stage-log.csv"]);
    let deals = std::fs::read_to_string(dir.join("deals.csv")).unwrap();
    assert_eq!(
        deals.strip_prefix('\u{feff}'),
        Some(prints(&env, &["export"]).as_str())
    );
    let json = out.path().join("all.json");
    env.funnel(&["export", "-o", json.to_str().unwrap()])
        .success();
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        prints(&env, &["export", "--format", "json"])
    );
}

/// CSV injection (OWASP): text cells that would run as formulas get a
/// leading ', in every command's CSV and TSV; numbers never do.
#[test]
fn csv_and_tsv_cells_never_run_as_formulas() {
    let env = sample();
    // A tab before the formula, as a file written by hand can hold it.
    env.write("lead/tabbed.toml", "title = \"\\t=1+2\"\nvalue = 1\n");
    env.commit_all("a deal by hand");
    env.funnel(&["add", "+1 555 0100", "--id", "phone", "--at", "2026-11-20"])
        .success();
    env.funnel(&["add", "@SUM(A1)", "--id", "at-sign", "--at", "2026-11-20"])
        .success();
    let list = prints(&env, &["list", "--format", "csv"]);
    insta::assert_snapshot!("export-list-csv-safe", list);
    let tsv = prints(&env, &["list", "--format", "tsv"]);
    assert!(tsv.contains("tabbed\tlead\t' =1+2\t"), "{tsv}");
    assert!(
        tsv.contains("formula\tlead\t'=HYPERLINK(\"http://x\",\"y\")\t'-bob\t500\t"),
        "{tsv}"
    );
    let board = prints(&env, &["board", "--format", "csv"]);
    assert!(!board.lines().any(|l| l.contains(",'")), "{board}");
    let export = prints(&env, &["export"]);
    assert!(
        export.contains("formula,lead,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,'-bob,500,"),
        "{export}"
    );
    // Revenue growth can be negative: a number, left as it is.
    let report = env.funnel(&["report", "--format", "csv"]).stdout;
    assert!(!report.contains(",'"), "{report}");
}

/// A title holding an escape sequence reaches the terminal escaped, in
/// tables and in status lines.
#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let env = sample();
    let run = env.funnel(&[
        "add",
        "Red \u{1b}[31malert",
        "--id",
        "red",
        "--at",
        "2026-11-20",
    ]);
    run.success();
    // Errors and status lines too.
    let run = env.funnel(&["show", "red\u{1b}[31m"]);
    assert_eq!(run.status, 1);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains("red\\u{1b}[31m"), "{:?}", run.stderr);
    for args in [&["list"][..], &["show", "red"]] {
        let run = env.funnel(args);
        run.success();
        assert!(!run.stdout.contains('\u{1b}'), "{args:?}: {:?}", run.stdout);
        assert!(
            run.stdout.contains("Red \\u{1b}[31malert"),
            "{args:?}: {}",
            run.stdout
        );
    }
    // JSON escapes it itself; CSV to a file or pipe keeps the data exact.
    let json = prints(&env, &["list", "--format", "json"]);
    assert!(json.contains("Red \\u001b[31malert"), "{json}");
}

/// Where LibreOffice is: `soffice` on PATH.
fn soffice() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("soffice"))
        .find(|p| p.is_file())
}

/// Every sheet of `book` as CSV, by sheet name, read by LibreOffice with
/// raw values (not "as shown"): numbers plain, dates as the cell format
/// shows them, percents with %.
fn sheets(soffice: &Path, book: &Path, out: &Path) -> std::collections::HashMap<String, String> {
    let profile = out.join("profile");
    let status = Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to"])
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1")
        .arg("--outdir")
        .arg(out)
        .arg(book)
        .output()
        .expect("run soffice");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stem = book.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let sheet = name
                .strip_prefix(&format!("{stem}-"))?
                .strip_suffix(".csv")?;
            Some((
                sheet.to_string(),
                std::fs::read_to_string(out.join(&name)).ok()?,
            ))
        })
        .collect()
}

/// funnel's CSV cell as LibreOffice shows the workbook's typed cell.
fn as_spreadsheet(column: &str, cell: &str) -> String {
    match (column, cell) {
        (_, "true") => "TRUE".into(),
        (_, "false") => "FALSE".into(),
        ("probability" | "effective_probability", c) if !c.is_empty() => format!("{c}%"),
        // Raw numbers: 16.0 is 16.
        ("cycle_days" | "days_in_stage" | "days_in_from", c) if !c.is_empty() => {
            c.parse::<f64>().map_or(c.to_string(), |d| d.to_string())
        }
        (_, c) => c.strip_prefix('\'').unwrap_or(c).to_string(),
    }
}

#[test]
fn the_workbook_opens_in_libreoffice_with_the_csv_values() {
    let Some(soffice) = soffice() else {
        eprintln!(
            "skipped: soffice (LibreOffice) is not installed; apt-get install libreoffice-calc-nogui"
        );
        return;
    };
    let env = sample();
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("pipeline.xlsx");
    let run = env.funnel(&["export", "-o", book.to_str().unwrap()]);
    run.success();
    assert_eq!(
        run.stderr,
        format!(
            "wrote {} (2 deals, 4 stage changes, 2 field changes)\n",
            book.display()
        )
    );
    let converted = out.path().join("csv");
    let sheets = sheets(&soffice, &book, &converted);
    let mut names: Vec<&String> = sheets.keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["Board", "Deals", "Field changes", "Report", "Stage log"]
    );
    for (sheet, what) in [
        ("Deals", "deals"),
        ("Stage log", "stages"),
        ("Field changes", "fields"),
    ] {
        let csv = prints(&env, &["export", "--what", what]);
        let mut expected = Vec::new();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        expected.push(header.join(","));
        for record in csv::Reader::from_reader(csv.as_bytes()).records() {
            let record = record.unwrap();
            let cells: Vec<String> = record
                .iter()
                .zip(&header)
                .map(|(cell, column)| {
                    let cell = as_spreadsheet(column, cell);
                    if cell.contains([',', '"']) {
                        format!("\"{}\"", cell.replace('"', "\"\""))
                    } else {
                        cell
                    }
                })
                .collect();
            expected.push(cells.join(","));
        }
        let got: Vec<&str> = sheets[sheet].lines().collect();
        assert_eq!(got, expected, "{sheet}");
    }
    // The formula title is text, not a live formula (which would show "y").
    assert!(sheets["Deals"].contains("formula,lead,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""));
    // The Report sheet holds `report --format csv`'s lines for the same
    // (default) window, after the window's two rows, each figure a typed
    // number: LibreOffice shows it without the unit `report` writes.
    let report = &sheets["Report"];
    let typed = |cell: &str| -> String {
        let (number, percent) = match cell.strip_suffix('%') {
            Some(n) => (n, "%"),
            None => (
                [" days", "/day", "/month", " weighted", " deals/week", "x"]
                    .iter()
                    .find_map(|unit| cell.strip_suffix(unit))
                    .unwrap_or(cell),
                "",
            ),
        };
        match number.parse::<f64>() {
            Ok(n) if !number.contains(' ') => format!("{n}{percent}"),
            _ => cell.to_string(),
        }
    };
    let lines = |text: &str, value: &dyn Fn(&str) -> String| -> Vec<Vec<String>> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| {
                let r = r.unwrap();
                r.iter()
                    .take(4)
                    .enumerate()
                    .map(|(n, c)| {
                        if n == 1 {
                            value(c)
                        } else {
                            as_spreadsheet("", c)
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let printed = env.funnel(&["report", "--format", "csv"]);
    printed.success();
    // The cell holds the exact number; `report` prints it rounded to its
    // last decimal (0.16 deals/week prints as 0.2).
    let close = |cell: &str, printed: &str| {
        let number = |t: &str| t.trim_end_matches('%').parse::<f64>().ok();
        match (number(cell), number(printed)) {
            (Some(a), Some(b)) => {
                (a - b).abs() <= 0.05 && cell.ends_with('%') == printed.ends_with('%')
            }
            _ => cell == printed,
        }
    };
    let (got, want) = (
        lines(report, &|c| c.to_string()),
        lines(&printed.stdout, &typed),
    );
    assert_eq!(got.len(), want.len() + 2, "{report}");
    for (got, want) in got[2..].iter().zip(&want) {
        assert!(
            got[0] == want[0] && close(&got[1], &want[1]) && got[2..] == want[2..],
            "{got:?} against {want:?}"
        );
    }
    // Some of them by hand: one deal won in the window at 1500 after 10
    // days; the open pipeline is the formula deal, 500 at 10%.
    for line in [
        "lead: value / weighted value,500 / 50,1,pipeline",
        "mean value of a deal won,1500,1,deal size",
        "won deals: mean,10,1,cycle",
    ] {
        assert!(
            report.lines().any(|l| l.starts_with(line)),
            "{line} in\n{report}"
        );
    }
    assert!(
        report.contains(",2026-11,1500"),
        "won value by month\n{report}"
    );
    assert_eq!(
        sheets["Board"].lines().take(2).collect::<Vec<_>>(),
        [
            "stage,kind,deals,value,weighted,oldest_deal,oldest_days,stalled,idle,wip",
            "lead,open,1,500,50,formula,7,0,0,ok"
        ]
    );
}
