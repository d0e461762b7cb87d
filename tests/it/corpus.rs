//! The bad-input corpus (issue 7): every kind of bad input a person or a
//! tool can give funnel, each with the error it must get, in the spirit of
//! hledger's and beancount's one-reproducer-per-error tests.
//!
//! One test per area, each with one repository set up once and reused:
//! deal files (one `check` run reads every case), `funnel.toml` (one file
//! per case, through `check` and through a command that loads it),
//! command-line values for `set`/`add`/`move`, filters for `list`, and
//! date expressions. Every case asserts its exit status and its error text
//! exactly (the whole stderr, or its key line with its hint), and that
//! nothing panicked. Cases that need the new write path wired into the
//! commands (keys refused by `dealfile::check_key`, hints of
//! `dealfile::ValueError`, `check::deal_problems_on` in `ops` and in
//! `check`) are in `needs_write_path_wiring`, ignored until then.

use crate::support::{Run, TestEnv};

/// Asserts that `run` ended without a panic (Rust exits 101 on one).
#[track_caller]
fn assert_no_panic(run: &Run, what: &str) {
    assert_ne!(run.status, 101, "{what} panicked:\n{}", run.stderr);
    assert!(
        !run.stderr.contains("panicked"),
        "{what} panicked:\n{}",
        run.stderr
    );
}

/// The problems in `check`'s report: each one's `FILE:LINE:COL: message`
/// line and its hint (empty when it has none).
fn problems(stdout: &str) -> Vec<(String, String)> {
    stdout
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let key = block.lines().next().unwrap_or("").to_string();
            let hint = block
                .lines()
                .find_map(|l| l.strip_prefix("  hint: "))
                .unwrap_or("")
                .to_string();
            (key, hint)
        })
        .collect()
}

fn owned(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, h)| (k.to_string(), h.to_string()))
        .collect()
}

// Deal files.

/// A deal file and the problems `check` reports for it (none: the file is
/// valid, an edge case that must stay accepted).
struct DealCase {
    file: &'static str,
    text: &'static str,
    problems: &'static [(&'static str, &'static str)],
}

const DEAL_FILES: &[DealCase] = &[
    DealCase {
        file: "lead/value-decimal-comma.toml",
        text: "title = \"A\"\nvalue = \"12,5\"\n",
        problems: &[(
            "lead/value-decimal-comma.toml:2:9: `value`: `12,5` has a decimal comma",
            "use a decimal point: 12.5; fix it with: funnel set value-decimal-comma value=12.5",
        )],
    },
    DealCase {
        file: "lead/value-thousands.toml",
        text: "title = \"A\"\nvalue = \"12,000.50\"\n",
        problems: &[(
            "lead/value-thousands.toml:2:9: `value`: `12,000.50` has thousands separators",
            "write 12000.50 without thousands separators; fix it with: funnel set value-thousands value=12000.50",
        )],
    },
    DealCase {
        file: "lead/value-commas.toml",
        text: "title = \"A\"\nvalue = \"1,2,3\"\n",
        problems: &[(
            "lead/value-commas.toml:2:9: `value`: `1,2,3` has thousands separators",
            "write 123 without thousands separators; fix it with: funnel set value-commas value=123",
        )],
    },
    DealCase {
        file: "lead/value-ambiguous-comma.toml",
        text: "title = \"A\"\nvalue = \"12,500\"\n",
        problems: &[(
            "lead/value-ambiguous-comma.toml:2:9: `value`: `12,500` has a comma",
            "write 12500 without thousands separators, or 12.500 with a decimal point; fix it with: funnel set value-ambiguous-comma value=...",
        )],
    },
    DealCase {
        file: "lead/value-underscores.toml",
        text: "title = \"A\"\nvalue = \"12_000\"\n",
        problems: &[(
            "lead/value-underscores.toml:2:9: `value`: `12_000` has thousands separators",
            "write 12000 without thousands separators; fix it with: funnel set value-underscores value=12000",
        )],
    },
    DealCase {
        file: "lead/value-huge-string.toml",
        text: "title = \"A\"\nvalue = \"79228162514264337593543950335\"\n",
        problems: &[(
            "lead/value-huge-string.toml:2:9: `value`: `79228162514264337593543950335` is too large",
            "amounts are at most 1000000000000000 (10^15) in absolute value; fix it with: funnel set value-huge-string value=...",
        )],
    },
    DealCase {
        file: "lead/value-over-bound.toml",
        text: "title = \"A\"\nvalue = 1000000000000001\n",
        problems: &[(
            "lead/value-over-bound.toml:2:9: `value`: `1000000000000001` is too large",
            "amounts are at most 1000000000000000 (10^15) in absolute value; fix it with: funnel set value-over-bound value=...",
        )],
    },
    DealCase {
        file: "lead/value-huge-float.toml",
        text: "title = \"A\"\nvalue = 1e300\n",
        problems: &[(
            "lead/value-huge-float.toml:2:9: `value`: `1e300` is too large",
            "amounts are at most 1000000000000000 (10^15) in absolute value; fix it with: funnel set value-huge-float value=...",
        )],
    },
    DealCase {
        file: "lead/value-float-over-bound.toml",
        text: "title = \"A\"\nvalue = 2e15\n",
        problems: &[(
            "lead/value-float-over-bound.toml:2:9: `value`: `2e15` is too large",
            "amounts are at most 1000000000000000 (10^15) in absolute value; fix it with: funnel set value-float-over-bound value=...",
        )],
    },
    DealCase {
        file: "lead/value-too-precise.toml",
        text: "title = \"A\"\nvalue = \"0.1234567\"\n",
        problems: &[(
            "lead/value-too-precise.toml:2:9: `value`: `0.1234567` has 7 decimal places",
            "round it to at most 6 decimal places; fix it with: funnel set value-too-precise value=...",
        )],
    },
    DealCase {
        file: "lead/value-float-too-precise.toml",
        text: "title = \"A\"\nvalue = 0.1234567\n",
        problems: &[(
            "lead/value-float-too-precise.toml:2:9: `value`: `0.1234567` has 7 decimal places",
            "round it to at most 6 decimal places; fix it with: funnel set value-float-too-precise value=...",
        )],
    },
    DealCase {
        file: "lead/value-negative.toml",
        text: "title = \"A\"\nvalue = -5\n",
        problems: &[(
            "lead/value-negative.toml:2:9: `value` is negative: -5",
            "a deal's value is 0 or more: funnel set value-negative value=...",
        )],
    },
    DealCase {
        file: "lead/value-negative-string.toml",
        text: "title = \"A\"\nvalue = \"-0.5\"\n",
        problems: &[(
            "lead/value-negative-string.toml:2:9: `value` is negative: -0.5",
            "a deal's value is 0 or more: funnel set value-negative-string value=...",
        )],
    },
    DealCase {
        file: "lead/value-plus-sign.toml",
        text: "title = \"A\"\nvalue = \"+5\"\n",
        problems: &[(
            "lead/value-plus-sign.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a string",
            "write value = 12000 or value = \"12000.50\"",
        )],
    },
    DealCase {
        file: "lead/value-word.toml",
        text: "title = \"A\"\nvalue = \"lots\"\n",
        problems: &[(
            "lead/value-word.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a string",
            "write value = 12000 or value = \"12000.50\"",
        )],
    },
    DealCase {
        file: "lead/value-boolean.toml",
        text: "title = \"A\"\nvalue = true\n",
        problems: &[(
            "lead/value-boolean.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a boolean",
            "write value = 12000 or value = \"12000.50\"",
        )],
    },
    DealCase {
        file: "lead/value-inf.toml",
        text: "title = \"A\"\nvalue = inf\n",
        problems: &[(
            "lead/value-inf.toml:2:9: `value`: `inf` is not an amount",
            "write a number such as 12000 or 12000.50; fix it with: funnel set value-inf value=...",
        )],
    },
    DealCase {
        file: "lead/value-nan.toml",
        text: "title = \"A\"\nvalue = nan\n",
        problems: &[(
            "lead/value-nan.toml:2:9: `value`: `nan` is not an amount",
            "write a number such as 12000 or 12000.50; fix it with: funnel set value-nan value=...",
        )],
    },
    DealCase {
        file: "lead/value-empty.toml",
        text: "title = \"A\"\nvalue = \"\"\n",
        problems: &[(
            "lead/value-empty.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a string",
            "write value = 12000 or value = \"12000.50\"",
        )],
    },
    DealCase {
        file: "lead/value-exponent-string.toml",
        text: "title = \"A\"\nvalue = \"1e3\"\n",
        problems: &[(
            "lead/value-exponent-string.toml:2:9: wrong type for `value`: expected an amount (a number or a decimal string), found a string",
            "write value = 12000 or value = \"12000.50\"",
        )],
    },
    DealCase {
        file: "lead/value-at-the-bound.toml",
        text: "title = \"A\"\nvalue = 1000000000000000\n",
        problems: &[],
    },
    DealCase {
        file: "lead/value-six-places.toml",
        text: "title = \"A\"\nvalue = \"0.000001\"\n",
        problems: &[],
    },
    DealCase {
        file: "lead/value-zero.toml",
        text: "title = \"A\"\nvalue = 0\n",
        problems: &[],
    },
    DealCase {
        file: "lead/title-empty.toml",
        text: "title = \"\"\nvalue = 5\n",
        problems: &[(
            "lead/title-empty.toml:1:9: `title` is empty",
            "give the deal a name: funnel set title-empty title=\"...\"",
        )],
    },
    DealCase {
        file: "lead/title-blank.toml",
        text: "title = \"   \"\n",
        problems: &[(
            "lead/title-blank.toml:1:9: `title` is empty",
            "give the deal a name: funnel set title-blank title=\"...\"",
        )],
    },
    DealCase {
        file: "lead/title-missing.toml",
        text: "value = 5\n",
        problems: &[(
            "lead/title-missing.toml:1:1: missing `title`",
            "add a line such as title = \"title-missing\"",
        )],
    },
    DealCase {
        file: "lead/title-number.toml",
        text: "title = 5\n",
        problems: &[(
            "lead/title-number.toml:1:9: wrong type for `title`: expected a string, found an integer",
            "write title = \"...\"",
        )],
    },
    DealCase {
        file: "lead/created-year-one.toml",
        text: "title = \"A\"\ncreated = 0001-01-01\n",
        problems: &[(
            "lead/created-year-one.toml:2:11: `created` is 0001-01-01, before 1970",
            "dates start in 1970; give the real date: funnel set created-year-one created=...",
        )],
    },
    DealCase {
        file: "lead/created-1969.toml",
        text: "title = \"A\"\ncreated = 1969-12-31\n",
        problems: &[(
            "lead/created-1969.toml:2:11: `created` is 1969-12-31, before 1970",
            "dates start in 1970; give the real date: funnel set created-1969 created=...",
        )],
    },
    DealCase {
        file: "lead/close-1900.toml",
        text: "title = \"A\"\nexpected_close = 1900-01-01\n",
        problems: &[(
            "lead/close-1900.toml:2:18: `expected_close` is 1900-01-01, before 1970",
            "dates start in 1970; give the real date: funnel set close-1900 expected_close=...",
        )],
    },
    DealCase {
        file: "lead/created-quoted.toml",
        text: "title = \"A\"\ncreated = \"2026-01-01\"\n",
        problems: &[(
            "lead/created-quoted.toml:2:11: wrong type for `created`: expected a date (2026-12-15, without quotes), found a string",
            "write created = 2026-12-15",
        )],
    },
    DealCase {
        file: "lead/probability-140.toml",
        text: "title = \"A\"\nprobability = 140\n",
        problems: &[(
            "lead/probability-140.toml:2:15: `probability` is 140, out of range: expected a percent from 0 to 100",
            "write probability = 40",
        )],
    },
    DealCase {
        file: "lead/probability-negative.toml",
        text: "title = \"A\"\nprobability = -5\n",
        problems: &[(
            "lead/probability-negative.toml:2:15: `probability` is -5, out of range: expected a percent from 0 to 100",
            "write probability = 40",
        )],
    },
    DealCase {
        file: "lead/probability-comma.toml",
        text: "title = \"A\"\nprobability = \"12,5\"\n",
        problems: &[(
            "lead/probability-comma.toml:2:15: `probability`: `12,5` has a decimal comma",
            "use a decimal point: 12.5; fix it with: funnel set probability-comma probability=12.5",
        )],
    },
    DealCase {
        file: "lead/probability-word.toml",
        text: "title = \"A\"\nprobability = \"high\"\n",
        problems: &[(
            "lead/probability-word.toml:2:15: wrong type for `probability`: expected a percent from 0 to 100, found a string",
            "write probability = 40",
        )],
    },
    DealCase {
        file: "lead/probability-too-precise.toml",
        text: "title = \"A\"\nprobability = 33.3333333\n",
        problems: &[(
            "lead/probability-too-precise.toml:2:15: `probability`: `33.3333333` has 7 decimal places",
            "round it to at most 6 decimal places; fix it with: funnel set probability-too-precise probability=...",
        )],
    },
    DealCase {
        file: "lead/currency-lowercase.toml",
        text: "title = \"A\"\nvalue = 5\ncurrency = \"usd\"\n",
        problems: &[(
            "lead/currency-lowercase.toml:3:12: currency \"usd\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals: funnel set currency-lowercase currency=USD",
        )],
    },
    DealCase {
        file: "lead/currency-long.toml",
        text: "title = \"A\"\nvalue = 5\ncurrency = \"EURO\"\n",
        problems: &[(
            "lead/currency-long.toml:3:12: currency \"EURO\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals: funnel set currency-long currency=USD",
        )],
    },
    DealCase {
        file: "lead/currency-empty.toml",
        text: "title = \"A\"\ncurrency = \"\"\n",
        problems: &[(
            "lead/currency-empty.toml:2:12: currency \"\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals: funnel set currency-empty currency=USD",
        )],
    },
    DealCase {
        file: "lead/currency-without-rate.toml",
        text: "title = \"A\"\nvalue = 5\ncurrency = \"XYZ\"\n",
        problems: &[(
            "lead/currency-without-rate.toml:3:12: no exchange rate for currency \"XYZ\"",
            "add `XYZ = RATE` under [fx] in funnel.toml (1 XYZ in USD)",
        )],
    },
    DealCase {
        file: "lost/reason-unknown.toml",
        text: "title = \"A\"\nlost_reason = \"pricey\"\n",
        problems: &[(
            "lost/reason-unknown.toml:2:15: lost_reason \"pricey\" is not in lost_reasons",
            "did you mean \"price\"? The reasons are: price, competitor, no-decision, no-budget, timing, unqualified",
        )],
    },
    DealCase {
        file: "lost/reason-missing.toml",
        text: "title = \"A\"\n",
        problems: &[(
            "lost/reason-missing.toml:1:1: missing `lost_reason` required in stage `lost`",
            "set it: funnel set reason-missing lost_reason=...",
        )],
    },
    DealCase {
        file: "lead/budget-string.toml",
        text: "title = \"A\"\n\n[qualification]\nbudget = \"yes\"\n",
        problems: &[(
            "lead/budget-string.toml:4:10: wrong type for `qualification.budget`: expected true or false, found a string",
            "write budget = true",
        )],
    },
    DealCase {
        file: "lead/contacts-string.toml",
        text: "title = \"A\"\ncontacts = \"Jane Doe\"\n",
        problems: &[(
            "lead/contacts-string.toml:2:12: wrong type for `contacts`: expected a list of tables such as { name = \"Jane Doe\", email = \"jane@acme.example\" }, found a string",
            "write contacts = [{ name = \"Jane Doe\", email = \"jane@acme.example\" }]",
        )],
    },
    DealCase {
        file: "lead/tags-numbers.toml",
        text: "title = \"A\"\ntags = [1, 2]\n",
        problems: &[(
            "lead/tags-numbers.toml:2:8: wrong type for `tags`: expected a list of strings, found an array",
            "write tags = [\"enterprise\"]",
        )],
    },
    DealCase {
        file: "lead/toml-syntax.toml",
        text: "title = \"A\"\nvalue =\n",
        problems: &[(
            "lead/toml-syntax.toml:2:8: string values must be quoted, expected literal string",
            "fix the TOML syntax at the caret",
        )],
    },
    DealCase {
        file: "lead/key-twice.toml",
        text: "title = \"A\"\nvalue = 1\nvalue = 2\n",
        problems: &[(
            "lead/key-twice.toml:3:1: duplicate key",
            "fix the TOML syntax at the caret",
        )],
    },
    DealCase {
        file: "lead/conflict.toml",
        text: "title = \"A\"\n<<<<<<< HEAD\nvalue = 1\n=======\nvalue = 2\n>>>>>>> theirs\n",
        problems: &[(
            "lead/conflict.toml:2:1: unresolved git conflict markers",
            "keep the right version between <<<<<<<, ======= and >>>>>>>, delete the markers, then `git add` the file",
        )],
    },
    DealCase {
        file: "lead/Bad_ID.toml",
        text: "title = \"A\"\n",
        problems: &[(
            "lead/Bad_ID.toml:1:1: invalid ID `Bad_ID`: an ID starts with a lowercase letter or a digit",
            "rename the file: git mv lead/Bad_ID.toml lead/bad-id.toml",
        )],
    },
    DealCase {
        file: "lead/nested/deal.toml",
        text: "title = \"A\"\n",
        problems: &[(
            "lead/nested:1:1: deal files are one level deep: STAGE/ID.toml",
            "move the files in lead/nested/ up into lead/",
        )],
    },
];

/// Symbolic links where deal files or stage folders belong: never read.
/// (Made in the test: the link, where it points, and the problem.)
const LINKS: &[(&str, &str, (&str, &str))] = &[
    (
        "lead/evil.toml",
        "/etc/passwd",
        (
            "lead/evil.toml:1:1: lead/evil.toml is a symbolic link: funnel never follows links",
            "replace it with the deal file itself",
        ),
    ),
    (
        "lead/linked-deal.toml",
        "OUTSIDE/outside.toml",
        (
            "lead/linked-deal.toml:1:1: lead/linked-deal.toml is a symbolic link: funnel never follows links",
            "replace it with the deal file itself",
        ),
    ),
    (
        "lead/linked-folder",
        "OUTSIDE",
        (
            "lead/linked-folder:1:1: lead/linked-folder is a symbolic link: funnel never follows links",
            "move it out of the stage folder",
        ),
    ),
    (
        "negotiation",
        "OUTSIDE",
        (
            "negotiation:1:1: negotiation is a symbolic link: funnel never follows links",
            "replace the link with the stage folder itself",
        ),
    ),
];

#[test]
fn deal_files() {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Good deal", "--value", "5000"])
        .success();
    for case in DEAL_FILES {
        env.write(case.file, case.text);
    }
    let outside = env.home.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("outside.toml"),
        "title = \"Outside\"\nvalue = 1\n",
    )
    .unwrap();
    std::fs::remove_dir_all(env.path("negotiation")).unwrap();
    for (link, target, _) in LINKS {
        let target = target.replace("OUTSIDE", &outside.display().to_string());
        std::os::unix::fs::symlink(target, env.path(link)).unwrap();
    }
    // Committed as they are, as CI sees them (files not committed are
    // also named, as warnings).
    env.commit_all("the bad files");

    let run = env.funnel(&["check"]);
    assert_no_panic(&run, "check");
    let found = problems(&run.stdout);
    let mut expected = Vec::new();
    for case in DEAL_FILES {
        // The file a problem names: the folder, for a nested file.
        let named = case
            .problems
            .first()
            .and_then(|(key, _)| key.split(':').next())
            .unwrap_or(case.file);
        let mine: Vec<_> = found
            .iter()
            .filter(|(key, _)| key.split(':').next() == Some(named))
            .cloned()
            .collect();
        assert_eq!(mine, owned(case.problems), "{}:\n{}", case.file, case.text);
        expected.extend(owned(case.problems));
    }
    for (link, _, problem) in LINKS {
        let mine: Vec<_> = found
            .iter()
            .filter(|(key, _)| key.split(':').next() == Some(link))
            .cloned()
            .collect();
        assert_eq!(mine, owned(&[*problem]), "{link}");
        expected.push((problem.0.to_string(), problem.1.to_string()));
    }
    expected.sort();
    assert_eq!(found, expected, "nothing else is reported");
    assert!(
        !run.stdout.contains("root:"),
        "the content of /etc/passwd is never shown"
    );
    let files = DEAL_FILES.iter().filter(|c| !c.problems.is_empty()).count() + LINKS.len();
    // Files that do not load; a deal that breaks only a rule of the
    // configuration (currency, lost_reason, a required field) still loads.
    let skipped = files - 6;
    assert_eq!(
        run.stderr,
        format!("{} problem(s) in {files} file(s)\n", found.len())
    );
    assert_eq!(run.status, 1);

    // The read-only commands skip every broken file and say so; none panics.
    for args in [
        &["board"][..],
        &["next"],
        &["doctor"],
        &["list", "--all"],
        &["report"],
    ] {
        let run = env.funnel(args);
        assert_no_panic(&run, &args.join(" "));
        assert!(
            run.stderr.starts_with(&format!(
                "warning: skipped {skipped} broken file(s): lead/Bad_ID.toml, "
            )),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(
            run.status,
            if args[0] == "doctor" { run.status } else { 0 },
            "{args:?}: {}",
            run.stderr
        );
    }
    // `log` reads the versions the commits hold, not the files.
    let run = env.funnel(&["log"]);
    assert_eq!((run.status, run.stderr.as_str()), (0, ""));
    // `show` reads the one deal's file, so the others, broken or not, are
    // not its business.
    let run = env.funnel(&["show", "good-deal"]);
    assert_eq!((run.status, run.stderr.as_str()), (0, ""));
    // A broken deal named by a command: its problems, exit 1.
    let run = env.funnel(&["show", "value-huge-string"]);
    assert_no_panic(&run, "show value-huge-string");
    assert!(
        run.stderr.contains(
            "lead/value-huge-string.toml:2:9: `value`: `79228162514264337593543950335` is too large\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.status, 1);
    // Mutating commands refuse a link.
    let run = env.funnel(&["set", "evil", "value=5"]);
    assert_no_panic(&run, "set evil");
    assert_eq!(
        run.stderr,
        "error: lead/evil.toml is a symbolic link: funnel never follows links\nhint: replace it with the deal file itself\n"
    );
    assert_eq!(run.status, 1);
}

// funnel.toml.

/// How a case changes the `funnel.toml` that `funnel init` writes.
enum Edit {
    Append(&'static str),
    /// Replaces the first occurrence of the one with the other.
    Replace(&'static str, &'static str),
}

struct ConfigCase {
    name: &'static str,
    edit: Edit,
    problems: &'static [(&'static str, &'static str)],
}

const CONFIG_FILES: &[ConfigCase] = &[
    ConfigCase {
        name: "fx-rate-zero",
        edit: Edit::Append("\n[fx]\nEUR = 0\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: `0` is not above zero",
            "a rate is what 1 EUR is worth in the pipeline's currency, above 0, such as EUR = 1.08",
        )],
    },
    ConfigCase {
        name: "fx-rate-negative",
        edit: Edit::Append("\n[fx]\nEUR = -1.5\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: `-1.5` is not above zero",
            "a rate is what 1 EUR is worth in the pipeline's currency, above 0, such as EUR = 1.08",
        )],
    },
    ConfigCase {
        name: "fx-rate-decimal-comma",
        edit: Edit::Append("\n[fx]\nEUR = \"1,08\"\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: `1,08` has a decimal comma",
            "write a number such as EUR = 1.08",
        )],
    },
    ConfigCase {
        name: "fx-rate-too-large",
        edit: Edit::Append("\n[fx]\nEUR = 10000000\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: `10000000` is too large",
            "a rate is at most 1000000 with at most 12 decimal places",
        )],
    },
    ConfigCase {
        name: "fx-rate-too-precise",
        edit: Edit::Append("\n[fx]\nEUR = \"0.0000000000001\"\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: `0.0000000000001` has 13 decimal places",
            "a rate is at most 1000000 with at most 12 decimal places",
        )],
    },
    ConfigCase {
        name: "fx-rate-boolean",
        edit: Edit::Append("\n[fx]\nEUR = true\n"),
        problems: &[(
            "funnel.toml:62:7: exchange rate for EUR: expected an amount (a number or a decimal string), found a boolean",
            "write a number such as EUR = 1.08",
        )],
    },
    ConfigCase {
        name: "fx-code-lowercase",
        edit: Edit::Append("\n[fx]\neur = 1.08\n"),
        problems: &[(
            "funnel.toml:62:1: [fx] key \"eur\" is not a currency code",
            "write the three-letter ISO 4217 code in capitals: EUR",
        )],
    },
    ConfigCase {
        name: "fx-code-four-letters",
        edit: Edit::Append("\n[fx]\nEURO = 1.08\n"),
        problems: &[(
            "funnel.toml:62:1: [fx] key \"EURO\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals, such as USD or EUR",
        )],
    },
    ConfigCase {
        name: "spend-month-13",
        edit: Edit::Append("\n[spend]\n\"2026-13\" = 100\n"),
        problems: &[(
            "funnel.toml:62:1: spend month \"2026-13\" is not a month",
            "write the month as \"YYYY-MM\", such as \"2026-10\" = 10000",
        )],
    },
    ConfigCase {
        name: "spend-month-name",
        edit: Edit::Append("\n[spend]\noctober = 100\n"),
        problems: &[(
            "funnel.toml:62:1: spend month \"october\" is not a month",
            "write the month as \"YYYY-MM\", such as \"2026-10\" = 10000",
        )],
    },
    ConfigCase {
        name: "spend-month-1969",
        edit: Edit::Append("\n[spend]\n\"1969-12\" = 100\n"),
        problems: &[(
            "funnel.toml:62:1: spend month \"1969-12\" is not a month",
            "write the month as \"YYYY-MM\", such as \"2026-10\" = 10000",
        )],
    },
    ConfigCase {
        name: "spend-negative",
        edit: Edit::Append("\n[spend]\n\"2026-10\" = -5\n"),
        problems: &[(
            "funnel.toml:62:13: spend for \"2026-10\" is negative: -5",
            "spend is an amount of 0 or more",
        )],
    },
    ConfigCase {
        name: "spend-too-large",
        edit: Edit::Append("\n[spend]\n\"2026-10\" = 1e20\n"),
        problems: &[(
            "funnel.toml:62:13: spend for \"2026-10\": `1e20` is too large",
            "amounts are at most 1000000000000000 (10^15) in absolute value",
        )],
    },
    ConfigCase {
        name: "spend-thousands",
        edit: Edit::Append("\n[spend]\n\"2026-10\" = \"10,000\"\n"),
        problems: &[(
            "funnel.toml:62:13: spend for \"2026-10\": `10,000` has a comma",
            "write 10000 without thousands separators, or 10.000 with a decimal point",
        )],
    },
    ConfigCase {
        name: "wip-min-above-max",
        edit: Edit::Replace("max_days = 14 ", "wip_max = 2\nwip_min = 3\nmax_days = 14 "),
        problems: &[(
            "funnel.toml:13:11: stage `lead` has wip_min 3 above wip_max 2",
            "wip_min is the fewest open deals a stage should hold and wip_max the most: make wip_min <= wip_max",
        )],
    },
    ConfigCase {
        name: "currency-empty",
        edit: Edit::Replace("currency = \"USD\"", "currency = \"\""),
        problems: &[(
            "funnel.toml:3:12: currency \"\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals, such as USD or EUR",
        )],
    },
    ConfigCase {
        name: "currency-lowercase",
        edit: Edit::Replace("currency = \"USD\"", "currency = \"usd\""),
        problems: &[(
            "funnel.toml:3:12: currency \"usd\" is not a currency code",
            "write the three-letter ISO 4217 code in capitals: USD",
        )],
    },
    ConfigCase {
        name: "currency-four-letters",
        edit: Edit::Replace("currency = \"USD\"", "currency = \"EURO\""),
        problems: &[(
            "funnel.toml:3:12: currency \"EURO\" is not a currency code",
            "write a three-letter ISO 4217 code in capitals, such as USD or EUR",
        )],
    },
    ConfigCase {
        name: "currency-number",
        edit: Edit::Replace("currency = \"USD\"", "currency = 840"),
        problems: &[(
            "funnel.toml:3:12: invalid type: integer `840`, expected a string",
            "",
        )],
    },
    ConfigCase {
        name: "two-unknown-top-level-keys",
        edit: Edit::Replace("name = \"Sales\"", "nmae = \"Sales\"\ncolour = \"blue\""),
        problems: &[
            (
                "funnel.toml:2:1: unknown key `nmae`",
                "did you mean `name`?",
            ),
            (
                "funnel.toml:3:1: unknown key `colour`",
                "remove it; the keys here are: name, currency, timezone, week_start, lost_reasons, stage, targets, customers, spend, fx, doctor",
            ),
        ],
    },
    ConfigCase {
        name: "unknown-keys-in-two-tables",
        edit: Edit::Replace(
            "checkin_days = 90",
            "checkin_days = 90\nnotify = true\n\n[targets]\nnew_deals = { count = 5, per = \"week\" }\nwon_valu = { amount = 5, per = \"month\" }",
        ),
        problems: &[
            (
                "funnel.toml:60:1: unknown key `notify`",
                "remove it; the keys here are: checkin_days",
            ),
            (
                "funnel.toml:64:1: unknown key `won_valu`",
                "did you mean `won_value`?",
            ),
        ],
    },
    ConfigCase {
        name: "unknown-target",
        edit: Edit::Append("\n[targets]\nnew_deal = { count = 5, per = \"week\" }\n"),
        problems: &[(
            "funnel.toml:62:1: unknown key `new_deal`",
            "did you mean `new_deals`?",
        )],
    },
    ConfigCase {
        name: "unknown-follow-up-key",
        edit: Edit::Replace(
            "{ after_days = 0, step = \"Send the welcome email series\" }",
            "{ after_days = 0, stepp = \"Send the welcome email series\" }",
        ),
        problems: &[
            ("funnel.toml:48:14: missing field `step`", ""),
            (
                "funnel.toml:48:32: unknown key `stepp`",
                "did you mean `step`?",
            ),
        ],
    },
    ConfigCase {
        name: "unknown-customers-key",
        edit: Edit::Replace("checkin_days = 90", "checkin_day = 90"),
        problems: &[(
            "funnel.toml:59:1: unknown key `checkin_day`",
            "did you mean `checkin_days`?",
        )],
    },
    ConfigCase {
        name: "unknown-doctor-key",
        edit: Edit::Append("\n[doctor]\ndead_after = 30\n"),
        problems: &[(
            "funnel.toml:62:1: unknown key `dead_after`",
            "did you mean `dead_after_days`?",
        )],
    },
    ConfigCase {
        name: "target-amount-too-large",
        edit: Edit::Append("\n[targets]\nwon_value = { amount = 1e20, per = \"month\" }\n"),
        problems: &[("funnel.toml:62:24: `1e20` is too large", "")],
    },
    ConfigCase {
        name: "stage-probability-over-100",
        edit: Edit::Replace("probability = 10 ", "probability = 110"),
        problems: &[(
            "funnel.toml:11:15: stage `lead` has probability 110",
            "a probability is a percent from 0 to 100",
        )],
    },
    ConfigCase {
        name: "week-start-unknown",
        edit: Edit::Replace("week_start = \"monday\"", "week_start = \"moonday\""),
        problems: &[(
            "funnel.toml:5:14: unknown weekday `moonday`",
            "write a weekday name such as \"monday\" or \"sunday\"",
        )],
    },
    ConfigCase {
        name: "stage-id-invalid",
        edit: Edit::Replace("id = \"lead\"", "id = \"Lead!\""),
        problems: &[(
            "funnel.toml:9:6: invalid stage id `Lead!`: an ID starts with a lowercase letter or a digit",
            "stage ids are folder names such as \"proposal\"",
        )],
    },
    ConfigCase {
        name: "toml-syntax",
        edit: Edit::Replace("name = \"Sales\"", "name = \"Sales"),
        problems: &[("funnel.toml:2:14: invalid basic string, expected `\"`", "")],
    },
];

#[test]
fn config_files() {
    let env = TestEnv::pipeline();
    let default = funnel::model::config::DEFAULT;
    for case in CONFIG_FILES {
        let text = match case.edit {
            Edit::Append(more) => format!("{default}{more}"),
            Edit::Replace(from, to) => {
                assert!(default.contains(from), "{}: no {from:?}", case.name);
                default.replacen(from, to, 1)
            }
        };
        env.write("funnel.toml", &text);
        let run = env.funnel(&["check"]);
        assert_no_panic(&run, case.name);
        assert_eq!(problems(&run.stdout), owned(case.problems), "{}", case.name);
        assert_eq!(
            run.stderr,
            format!("{} problem(s) in 1 file(s)\n", case.problems.len()),
            "{}",
            case.name
        );
        assert_eq!(run.status, 1, "{}", case.name);
        // Every command that loads the configuration refuses it the same way.
        let run = env.funnel(&["list"]);
        assert_no_panic(&run, case.name);
        assert_eq!(
            run.stderr.lines().next(),
            Some(case.problems[0].0),
            "{}",
            case.name
        );
        assert!(
            run.stderr.ends_with(&format!(
                "error: {} problem(s) in the file(s) above\nhint: fix them first; `funnel check` lists every problem in the pipeline\n",
                case.problems.len()
            )),
            "{}: {}",
            case.name,
            run.stderr
        );
        assert_eq!(run.status, 1, "{}", case.name);
    }
}

// Command-line values.

/// Which part of a command-line case holds today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wired {
    /// The whole stderr, now.
    Yes,
    /// The error line now; its hint once the write path prints
    /// `ValueError::hint`.
    HintLater,
    /// Nothing yet: the write path must call `dealfile::check_key` or
    /// `check::deal_problems_on` first.
    Later,
}

/// A command, its exit status, its error line and hint (stderr is
/// `error: ERROR\nhint: HINT\n`), and what holds today.
struct CliCase {
    args: &'static [&'static str],
    status: i32,
    error: &'static str,
    hint: Option<&'static str>,
    wired: Wired,
}

const fn case(
    args: &'static [&'static str],
    error: &'static str,
    hint: Option<&'static str>,
    wired: Wired,
) -> CliCase {
    CliCase {
        args,
        status: 1,
        error,
        hint,
        wired,
    }
}

use Wired::{HintLater, Later, Yes};

const WRITE_WITHOUT_SEPARATORS: Option<&str> = Some("write 12000.50 without thousands separators");
const A_NUMBER: Option<&str> = Some("write a number such as 12000 or 12000.50");
const TOO_LARGE: Option<&str> =
    Some("amounts are at most 1000000000000000 (10^15) in absolute value");
const DATE_FORMS: &str = "use 2026-12-15, today, yesterday, tomorrow, a weekday such as friday, eow, eom, eoq, or +3d, -2w, +1m, -1y";
const A_DATE: Option<&str> = Some("write a date such as 2026-12-15, today, friday or +2w");

const COMMAND_LINE: &[CliCase] = &[
    // Money.
    case(
        &["set", "acme", "value=12,5"],
        "`value`: `12,5` has a decimal comma",
        Some("use a decimal point: 12.5"),
        HintLater,
    ),
    case(
        &["set", "acme", "value=1,2,3"],
        "`value`: `1,2,3` has thousands separators",
        Some("write 123 without thousands separators"),
        HintLater,
    ),
    case(
        &["set", "acme", "value=12,000.50"],
        "`value`: `12,000.50` has thousands separators",
        WRITE_WITHOUT_SEPARATORS,
        HintLater,
    ),
    case(
        &["set", "acme", "value=12,500"],
        "`value`: `12,500` has a comma",
        Some("write 12500 without thousands separators, or 12.500 with a decimal point"),
        HintLater,
    ),
    case(
        &["set", "acme", "value=-5"],
        "`value` cannot be negative: `-5`",
        Some("write an amount of 0 or more, such as value=12000"),
        HintLater,
    ),
    case(
        &["set", "acme", "value=1e3"],
        "`value`: `1e3` is not an amount",
        A_NUMBER,
        HintLater,
    ),
    case(
        &["set", "acme", "value=+5"],
        "`value`: `+5` is not an amount",
        A_NUMBER,
        HintLater,
    ),
    case(
        &["set", "acme", "value=lots"],
        "`value`: `lots` is not an amount",
        A_NUMBER,
        HintLater,
    ),
    case(
        &["set", "acme", "value=79228162514264337593543950335"],
        "`value`: `79228162514264337593543950335` is too large",
        TOO_LARGE,
        HintLater,
    ),
    case(
        &["set", "acme", "value=0.1234567"],
        "`value`: `0.1234567` has 7 decimal places",
        Some("round it to at most 6 decimal places"),
        HintLater,
    ),
    case(
        &["add", "Beta", "--value", "12,5"],
        "`value`: `12,5` has a decimal comma",
        Some("use a decimal point: 12.5"),
        HintLater,
    ),
    case(
        &["add", "Beta", "--value=-1"],
        "`value` cannot be negative: `-1`",
        Some("write an amount of 0 or more, such as value=12000"),
        HintLater,
    ),
    case(
        &["add", "Beta", "--value", "1000000000000001"],
        "`value`: `1000000000000001` is too large",
        TOO_LARGE,
        HintLater,
    ),
    // Percents.
    case(
        &["set", "acme", "probability=140"],
        "`probability` takes a percent from 0 to 100, not `140`",
        Some("write a whole percent such as probability=40"),
        HintLater,
    ),
    case(
        &["set", "acme", "probability=-1"],
        "`probability` takes a percent from 0 to 100, not `-1`",
        Some("write a whole percent such as probability=40"),
        HintLater,
    ),
    case(
        &["set", "acme", "probability=150.5"],
        "`probability` takes a percent from 0 to 100, not `150.5`",
        Some("write a whole percent such as probability=40"),
        HintLater,
    ),
    case(
        &["set", "acme", "probability=12,5"],
        "`probability`: `12,5` has a decimal comma",
        Some("use a decimal point: 12.5"),
        HintLater,
    ),
    // Dates.
    case(
        &["set", "acme", "next_step_due=2026-02-30"],
        "`next_step_due`: cannot read `2026-02-30` as a date: DATE_FORMS",
        A_DATE,
        HintLater,
    ),
    case(
        &["set", "acme", "expected_close=someday"],
        "`expected_close`: cannot read `someday` as a date: DATE_FORMS",
        A_DATE,
        HintLater,
    ),
    case(
        &["set", "acme", "created=tomorrow"],
        "`created` cannot be 2026-11-28: it is after today",
        Some("give a date from 1970-01-01 to today, such as created=today"),
        HintLater,
    ),
    case(
        &["set", "acme", "created=1969-12-31"],
        "`created`: `1969-12-31` is out of range: dates run from 1970 to 9999",
        A_DATE,
        HintLater,
    ),
    case(
        &["add", "Beta", "--close", "2026-02-30"],
        "`expected_close`: cannot read `2026-02-30` as a date: DATE_FORMS",
        A_DATE,
        HintLater,
    ),
    // Other types.
    case(
        &["set", "acme", "qualification.budget=maybe"],
        "`qualification.budget` takes true or false, not `maybe`",
        Some("write qualification.budget=true or qualification.budget=false"),
        HintLater,
    ),
    case(
        &["set", "acme", "currency=usd"],
        "`currency` takes a currency code such as USD or EUR, not `usd`",
        Some("write the three-letter code in capitals: USD"),
        HintLater,
    ),
    case(
        &["set", "acme", "currency=EURO"],
        "`currency` takes a currency code such as USD or EUR, not `EURO`",
        Some("write a three-letter ISO 4217 code in capitals, such as USD"),
        HintLater,
    ),
    case(
        &["set", "acme", "contacts=Jane"],
        "`contacts` is a table or a list of tables",
        Some("change it with `funnel edit`"),
        HintLater,
    ),
    case(
        &["set", "acme", "title="],
        "a deal cannot lose its title",
        None,
        Yes,
    ),
    case(
        &["add", "  "],
        "a deal needs a title",
        Some("funnel add \"Acme Corp: CRM rollout\""),
        Yes,
    ),
    // Arguments, deals and stages.
    case(
        &["set", "acme", "value"],
        "`value` is not KEY=VALUE",
        Some("write value=15000, or value= to remove a key"),
        Yes,
    ),
    case(
        &["set", "nobody", "value=5"],
        "no deal `nobody`",
        Some("`funnel list --all` shows every deal's ID"),
        Yes,
    ),
    case(
        &["move", "acme", "nowhere"],
        "no stage `nowhere`",
        Some("the stages are: lead, qualified, contact, proposal, negotiation, won, lost"),
        Yes,
    ),
    case(
        &["move", "acme", "lost", "--reason", "pricey"],
        "`pricey` is not one of the lost_reasons",
        Some(
            "use one of: price, competitor, no-decision, no-budget, timing, unqualified (or add it to lost_reasons in funnel.toml)",
        ),
        Yes,
    ),
    case(
        &["move", "acme", "lost"],
        "stage `lost` requires lost_reason",
        Some(
            "give them: funnel set acme lost_reason=..., or say why: funnel move acme lost --reason REASON",
        ),
        Yes,
    ),
    // Keys.
    case(
        &["set", "acme", "stage=won"],
        "`stage` is not a field: a deal's stage is its file's folder",
        Some("move the deal instead: funnel move ID STAGE"),
        Later,
    ),
    case(
        &["set", "acme", "id=other"],
        "`id` is not a field: a deal's id is its file's name",
        Some("rename the deal instead: funnel rename OLD NEW"),
        Later,
    ),
    case(
        &["set", "acme", "a..b=1"],
        "`a..b` is not a key path: it has two dots in a row",
        Some(KEY_FORM),
        Later,
    ),
    case(
        &["set", "acme", ".x=1"],
        "`.x` is not a key path: it starts with a dot",
        Some(KEY_FORM),
        Later,
    ),
    case(
        &["set", "acme", "x.=1"],
        "`x.` is not a key path: it ends with a dot",
        Some(KEY_FORM),
        Later,
    ),
    case(
        &["set", "acme", "na me=1"],
        "`na me` is not a key path: only letters, digits, `_` and `-` may be between the dots",
        Some(KEY_FORM),
        Later,
    ),
    case(
        &["set", "acme", "title.x=1"],
        "`title.x` would turn `title` into a table, and `title` is a string",
        Some("set `title` itself, or choose another key name"),
        Later,
    ),
    case(
        &["set", "acme", "value.y=1"],
        "`value.y` would turn `value` into a table, and `value` is an amount (a number or a decimal string)",
        Some("set `value` itself, or choose another key name"),
        Later,
    ),
    case(
        &["set", "acme", "contacts.x=1"],
        "`contacts.x` would turn `contacts` into a table, and `contacts` is a list of tables such as { name = \"Jane Doe\", email = \"jane@acme.example\" }",
        Some("set `contacts` itself, or choose another key name"),
        Later,
    ),
    case(
        &["add", "Beta", "--set", "stage=won"],
        "`stage` is not a field: a deal's stage is its file's folder",
        Some("move the deal instead: funnel move ID STAGE"),
        Later,
    ),
];

const KEY_FORM: &str =
    "a key is words of letters, digits, `_` and `-`, joined by dots: value, qualification.need";

/// A repository with the deal `acme` (lead, value 5000), committed.
fn with_acme() -> TestEnv {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "5000"]).success();
    env
}

/// Runs `case` and asserts that it changed nothing; `whole` asserts the
/// whole stderr, else its first line.
#[track_caller]
fn assert_cli_case(env: &TestEnv, case: &CliCase, whole: bool) {
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env.funnel(case.args);
    let what = case.args.join(" ");
    assert_no_panic(&run, &what);
    let error = format!("error: {}", case.error.replace("DATE_FORMS", DATE_FORMS));
    if whole {
        let expected = match case.hint {
            Some(hint) => format!("{error}\nhint: {hint}\n"),
            None => format!("{error}\n"),
        };
        assert_eq!(run.stderr, expected, "{what}");
    } else {
        assert_eq!(run.stderr.lines().next(), Some(error.as_str()), "{what}");
    }
    assert_eq!(run.status, case.status, "{what}: {}", run.stderr);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "{what}: no commit");
    assert_eq!(env.status(), "", "{what}: the work tree is as it was");
}

#[test]
fn command_line_values() {
    let env = with_acme();
    for case in COMMAND_LINE.iter().filter(|c| c.wired != Later) {
        assert_cli_case(&env, case, case.wired == Yes);
    }
}

// Filters.

/// `list ARGS`: exit 1 and exactly this stderr.
const FILTERS: &[(&str, &str)] = &[
    (
        "value>12,5",
        "error: cannot read `12,5` as a number in `value>12,5`\nhint: use a decimal point: 12.5\n",
    ),
    (
        "value>12,000.50",
        "error: cannot read `12,000.50` as a number in `value>12,000.50`\nhint: write 12000.50 without thousands separators\n",
    ),
    (
        "value>1000000000000001",
        "error: cannot read `1000000000000001` as a number in `value>1000000000000001`\nhint: amounts are at most 1000000000000000 (10^15) in absolute value\n",
    ),
    (
        "value>abc",
        "error: cannot read `abc` as a number in `value>abc`\nhint: write a number such as 5000 or 12000.50\n",
    ),
    (
        "value>1e99",
        "error: cannot read `1e99` as a number in `value>1e99`\nhint: write a number such as 5000 or 12000.50\n",
    ),
    (
        "age>x",
        "error: cannot read `x` as a number in `age>x`\nhint: write a number such as 5000 or 12000.50\n",
    ),
    (
        "valeu>5",
        "error: unknown key `valeu` in `valeu>5`\nhint: did you mean `value`?\n",
    ),
    (
        "owner>alice",
        "error: cannot order `owner` in `owner>alice`\nhint: >, >=, < and <= compare numbers and dates: use owner:alice to match it\n",
    ),
    (
        "stage:nowhere",
        "error: unknown stage `nowhere` in `stage:nowhere`\nhint: the stages are lead, qualified, contact, proposal, negotiation, won, lost\n",
    ),
    (
        "due<someday",
        "error: bad date in `due<someday`\nhint: cannot read `someday` as a date: DATE_FORMS\n",
    ),
    (
        "close<2026-02-30",
        "error: bad date in `close<2026-02-30`\nhint: cannot read `2026-02-30` as a date: DATE_FORMS\n",
    ),
    (
        "due<1969-12-31",
        "error: bad date in `due<1969-12-31`\nhint: `1969-12-31` is out of range: dates run from 1970 to 9999\n",
    ),
    (
        ":x",
        "error: missing key in `:x`\nhint: write key:value, key!=value, key>N, key>=N, key<N, key<=N, key:, +tag, -tag or a word\n",
    ),
    (
        "value>",
        "error: missing value in `value>`\nhint: write a number or a date after `>`, such as value>5000 or due<today\n",
    ),
    (
        "+",
        "error: missing tag in `+`\nhint: write +tag or -tag, such as +enterprise\n",
    ),
];

#[test]
fn filters() {
    let env = with_acme();
    for (filter, stderr) in FILTERS {
        let run = env.funnel(&["list", filter]);
        assert_no_panic(&run, filter);
        assert_eq!(
            run.stderr,
            stderr.replace("DATE_FORMS", DATE_FORMS),
            "{filter}"
        );
        assert_eq!(run.stdout, "", "{filter}");
        assert_eq!(run.status, 1, "{filter}");
    }
}

// Date expressions.

/// `funnel ARGS` (with `--today 2026-11-27` unless ARGS give one): exit 1
/// and exactly this stderr.
const DATES: &[(&[&str], &str)] = &[
    (
        &["--today", "2026-02-30", "board"],
        "error: --today: cannot read `2026-02-30` as a date: DATE_FORMS\nhint: give a date such as 2026-11-27\n",
    ),
    (
        &["--today", "someday", "board"],
        "error: --today: cannot read `someday` as a date: DATE_FORMS\nhint: give a date such as 2026-11-27\n",
    ),
    (
        &["--today", "", "board"],
        "error: --today: cannot read `` as a date: DATE_FORMS\nhint: give a date such as 2026-11-27\n",
    ),
    (
        &["--today", "10000-01-01", "board"],
        "error: --today: cannot read `10000-01-01` as a date: DATE_FORMS\nhint: give a date such as 2026-11-27\n",
    ),
    (
        &["report", "--since", "1969-12-31"],
        "error: --since: `1969-12-31` is out of range: dates run from 1970 to 9999\nhint: give a date such as 2026-10-01\n",
    ),
    (
        &["report", "--since", "+10000y"],
        "error: --since: `+10000y` is out of range: dates run from 1970 to 9999\nhint: give a date such as 2026-10-01\n",
    ),
    (
        &["report", "--since", "2026-11-27T25:00"],
        "error: --since: cannot read `2026-11-27T25:00` as a date: DATE_FORMS\nhint: give a date such as 2026-10-01\n",
    ),
    (
        &["report", "--until", "99999-01-01"],
        "error: --until: cannot read `99999-01-01` as a date: DATE_FORMS\nhint: give a date such as 2026-10-01\n",
    ),
    (
        &["report", "--since", "2026-12-01", "--until", "2026-11-01"],
        "error: --since 2026-12-01 is after --until 2026-11-01: the window is empty\n",
    ),
    (
        &["report", "--last", "0d"],
        "error: --last: cannot read `0d` as a span: use a number of days or weeks such as 90d or 12w\nhint: write a span such as 90d or 12w\n",
    ),
    (
        &["move", "acme", "contact", "--at", "2026-13-01"],
        "error: --at: cannot read `2026-13-01` as a date: DATE_FORMS\nhint: give when it happened, such as 2026-11-20, yesterday or -3d\n",
    ),
    (
        &["move", "acme", "contact", "--at", "0000-01-01"],
        "error: --at: `0000-01-01` is out of range: dates run from 1970 to 9999\nhint: give when it happened, such as 2026-11-20, yesterday or -3d\n",
    ),
    (
        &["move", "acme", "contact", "--at", "next tuesday"],
        "error: --at: cannot read `next tuesday` as a date: DATE_FORMS\nhint: give when it happened, such as 2026-11-20, yesterday or -3d\n",
    ),
];

#[test]
fn date_expressions() {
    let env = with_acme();
    let head = env.git(&["rev-parse", "HEAD"]);
    for (args, stderr) in DATES {
        let run = if args[0] == "--today" {
            funnel_unpinned(&env, args)
        } else {
            env.funnel(args)
        };
        let what = args.join(" ");
        assert_no_panic(&run, &what);
        assert_eq!(
            run.stderr,
            stderr.replace("DATE_FORMS", DATE_FORMS),
            "{what}"
        );
        assert_eq!(run.status, 1, "{what}");
    }
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "no commit");
}

/// `funnel ARGS` in `env`'s repository, as `TestEnv::funnel` runs it but
/// without its `--today`.
fn funnel_unpinned(env: &TestEnv, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_funnel"))
        .current_dir(&env.repo)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &env.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC")
        .env("LANG", "C")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run funnel");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// Waiting for the write path.

/// The cases that hold once the write path calls `dealfile::check_key`
/// for every key, prints `ValueError::hint`, and runs
/// `check::deal_problems_on` (in `ops` before a write, and in `check`).
#[test]
fn needs_write_path_wiring() {
    let env = with_acme();
    for case in COMMAND_LINE {
        assert_cli_case(&env, case, true);
    }
    // A currency without a rate: `check` would reject the file.
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env.funnel(&["set", "acme", "currency=XYZ"]);
    assert_no_panic(&run, "set acme currency=XYZ");
    assert!(
        run.stderr.lines().any(|l| l.starts_with("lead/acme.toml:")
            && l.ends_with(": no exchange rate for currency \"XYZ\"")),
        "{}",
        run.stderr
    );
    assert_eq!(run.status, 1);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "no commit");
    // `created` after today, written by hand: `check` needs today.
    env.write(
        "lead/created-future.toml",
        "title = \"A\"\ncreated = 2026-12-01\n",
    );
    let run = env.funnel(&["check"]);
    assert_no_panic(&run, "check");
    assert_eq!(
        problems(&run.stdout),
        owned(&[(
            "lead/created-future.toml:2:11: `created` is 2026-12-01, after today (2026-11-27)",
            "a deal is created on or before today: funnel set created-future created=today",
        )])
    );
    assert_eq!(run.status, 1);
}
