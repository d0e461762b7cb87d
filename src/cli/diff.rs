//! `funnel diff`: what a change does to the pipeline, for a reviewer.

use clap::Args;
use funnel::analysis::doctor::Severity;

use super::doctor::finding_rows;
use funnel::analysis::review::{Review, review};
use funnel::analysis::snapshot::Snapshot;
use funnel::git::Repo;
use funnel::model::money::amount;
use rust_decimal::Decimal;

use super::ui::{Rows, markdown};
use super::{CmdResult, Env, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Markdown,
    Json,
}

/// Show what a change does to the pipeline, for reviewing a pull request
///
/// RANGE is read as `git diff` reads it: A..B compares A with B; A...B
/// compares B with where it forked from A (what B's branch brings, as a
/// pull request shows it: `funnel diff origin/main...HEAD`); one revision
/// (`funnel diff HEAD`, `funnel diff main`) compares it with the work
/// tree, changes not committed included; none is HEAD against the work
/// tree. An end left out is HEAD (`main..` is main..HEAD).
///
/// Shows, in business terms: the deals added, moved (from -> to), won,
/// lost, reopened, removed and renamed, value changes, close dates moved
/// (pushed when later); the open pipeline (deals, value, weighted value)
/// before and after; and `doctor`'s findings the change introduces or
/// resolves. Both sides are judged on the same today, each with its own
/// files and history; a finding is the same when its kind, stage and deals
/// are. --fail-on error exits 1 when the change introduces an error
/// finding: a CI job's gate (examples/github-actions/pr-review.yml).
///
/// --format markdown is a summary to paste into a pull request (tables,
/// no terminal escapes). JSON: {"from", "to", "from_commit", "to_commit"
/// (null for the work tree), "currency", "today",
/// "events": [EVENT] (see `funnel log`), "counts": {"added", "moved",
/// "won", "won_value", "lost", "reopened", "removed", "renamed",
/// "value_changed", "close_pushed", "edited"}, "before" and "after":
/// {"deals", "value", "weighted_value"} (open deals), "introduced" and
/// "resolved": [FINDING] (see `funnel doctor`), "partial": why the history
/// is partial, or null}; "to" is "work tree" for the work tree.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A..B, A...B, or one revision to compare with the work tree (default: HEAD)
    #[arg(value_name = "RANGE")]
    pub range: Option<String>,
    /// Exit with status 1 when the change introduces a finding at or above this severity
    #[arg(long, value_name = "SEVERITY", value_parser = super::doctor::severities())]
    pub fail_on: Option<Severity>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: DiffFormat,
}

pub fn run(env: &mut Env, args: DiffArgs) -> CmdResult {
    let (pipeline, repo) = super::log::repo(env)?;
    let spec = args.range.as_deref().unwrap_or("HEAD");
    let ends = repo.diff_ends(spec)?;
    let config = &pipeline.config;
    let today = env.today(config)?;
    let text = std::fs::read_to_string(pipeline.root.join("funnel.toml"))
        .map_err(|e| funnel::error::Error::io(pipeline.root.join("funnel.toml"), e))?;
    let open = || Repo::open_required(&pipeline.root);
    // The newer side first: the older one takes the deals whose files
    // did not change from it (most of them, in a review).
    let after = match ends.to {
        Some(to) => env.with_progress(|p| Snapshot::at(open()?, to, &text, None, p))?,
        None => {
            let snapshot = env.open_snapshot(funnel::model::deal::Keys::All)?;
            env.warn_skipped(&snapshot.pipeline);
            snapshot
        }
    };
    let events = funnel::analysis::changes::between(&repo, config, &ends, Some(&after.pipeline))?;
    let known = Some(&after.pipeline);
    let before = env.with_progress(|p| Snapshot::at(open()?, ends.from, &text, known, p))?;
    let (from, to) = match spec.split_once("...") {
        Some((a, b)) => (
            format!(
                "{} (where {} forked from {})",
                ends.from.short(),
                or_head(b),
                or_head(a)
            ),
            or_head(b).to_string(),
        ),
        None => match spec.split_once("..") {
            Some((a, b)) => (or_head(a).to_string(), or_head(b).to_string()),
            None => (spec.to_string(), "work tree".to_string()),
        },
    };
    let review = review((from, to), &ends, events, &before, &after, today);
    match args.format {
        DiffFormat::Json => env.ui.json(&review)?,
        DiffFormat::Markdown => env.ui.out(&markdown_text(&review))?,
        DiffFormat::Table => env.ui.out(&table_text(env, &review))?,
    }
    if let Some(why) = &review.partial {
        env.warn_partial(why);
    }
    env.ui.status(&format!(
        "{} change(s) from {} to {}; {} finding(s) introduced, {} resolved",
        review.events.len(),
        review.from,
        review.to,
        review.introduced.len(),
        review.resolved.len()
    ));
    let failing = args
        .fail_on
        .is_some_and(|t| review.introduced.iter().any(|f| f.severity >= t));
    before.leave();
    after.leave();
    if failing {
        return Err(Failure::Exit(1));
    }
    Ok(())
}

fn or_head(rev: &str) -> &str {
    if rev.is_empty() { "HEAD" } else { rev }
}

/// The events, one line each.
fn event_rows(review: &Review) -> Rows {
    let mut rows = Rows::new(vec!["change"]);
    for event in &review.events {
        rows.rows.push(vec![event.describe(&review.currency)]);
    }
    rows
}

/// The open pipeline before and after, with the change.
fn totals_rows(review: &Review) -> Rows {
    let mut rows =
        Rows::new(vec!["open pipeline", "before", "after", "change"]).numeric(&[1, 2, 3]);
    let (b, a) = (&review.before, &review.after);
    let line = |what: String, before: Decimal, after: Decimal| {
        let change = after - before;
        let sign = if change > Decimal::ZERO { "+" } else { "" };
        vec![
            what,
            amount(before),
            amount(after),
            format!("{sign}{}", amount(change)),
        ]
    };
    let currency = &review.currency;
    rows.rows.push(line(
        "deals".into(),
        Decimal::from(b.deals),
        Decimal::from(a.deals),
    ));
    rows.rows
        .push(line(format!("value ({currency})"), b.value, a.value));
    rows.rows.push(line(
        format!("weighted value ({currency})"),
        b.weighted_value,
        a.weighted_value,
    ));
    rows
}

/// One sentence of counts: "2 added, 1 won (12000 USD) ...".
fn summary(review: &Review) -> String {
    let c = &review.counts;
    let mut parts = Vec::new();
    let mut say = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    say(c.added, "added");
    say(c.moved, "moved");
    if c.won > 0 {
        parts.push(format!(
            "{} won ({} {})",
            c.won,
            amount(c.won_value),
            review.currency
        ));
    }
    let mut say = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    say(c.lost, "lost");
    say(c.reopened, "reopened");
    say(c.removed, "removed");
    say(c.renamed, "renamed");
    say(c.value_changed, "value change(s)");
    say(c.close_pushed, "close date(s) pushed");
    say(c.edited, "edited");
    if parts.is_empty() {
        "No pipeline changes.".to_string()
    } else {
        format!("{}.", parts.join(", "))
    }
}

fn table_text(env: &Env, review: &Review) -> String {
    let mut text = env.ui.table(&event_rows(review));
    text.push('\n');
    text.push_str(&env.ui.table(&totals_rows(review)));
    for (title, findings) in [
        ("findings introduced", &review.introduced),
        ("findings resolved", &review.resolved),
    ] {
        text.push_str(&format!("\n{title}: {}\n", findings.len()));
        if !findings.is_empty() {
            text.push_str(&env.ui.table(&finding_rows(findings)));
        }
    }
    text
}

fn markdown_text(review: &Review) -> String {
    let mut text = format!(
        "## Pipeline change: {} → {}\n\n{}\n\n",
        review.from,
        review.to,
        summary(review)
    );
    if let Some(why) = &review.partial {
        text.push_str(&format!(
            "> **Partial history**: {why}. Findings that rest on history (stalled, idle) count only the commits present.\n\n"
        ));
    }
    text.push_str(&markdown(&totals_rows(review)));
    if !review.events.is_empty() {
        text.push_str(&format!("\n### Changes ({})\n\n", review.events.len()));
        text.push_str(&markdown(&event_rows(review)));
    }
    text.push_str("\n### Doctor\n\n");
    if review.introduced.is_empty() && review.resolved.is_empty() {
        text.push_str("No findings introduced or resolved.\n");
    }
    for (title, findings) in [
        ("Introduced", &review.introduced),
        ("Resolved", &review.resolved),
    ] {
        if !findings.is_empty() {
            text.push_str(&format!("**{title}** ({})\n\n", findings.len()));
            text.push_str(&markdown(&finding_rows(findings)));
            text.push('\n');
        }
    }
    text
}
