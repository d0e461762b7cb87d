//! What the history says about each deal, in the forms the rest of funnel
//! uses: `DealFacts` for filters and health checks, `DealRecord`s for the
//! metrics. A deal that git has not seen yet (added by hand, not committed)
//! counts as created now, in the stage its file is in.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::config::Config;
use crate::filter::DealFacts;
use crate::git::history::History;
use crate::metrics::DealRecord;
use crate::pipeline::Pipeline;

fn day(config: &Config, at: Timestamp) -> Date {
    at.to_zoned_datetime(config.timezone.clone()).date()
}

/// Facts per deal ID.
pub fn deal_facts(pipeline: &Pipeline, history: &History) -> HashMap<String, DealFacts> {
    let config = &pipeline.config;
    pipeline
        .deals
        .iter()
        .filter_map(|deal| {
            let timeline = history.deals.get(&deal.id)?;
            let entered = timeline
                .entries
                .last()
                .filter(|e| e.stage == deal.stage)
                .map(|e| day(config, e.at));
            Some((
                deal.id.clone(),
                DealFacts {
                    created: Some(day(config, timeline.added_at)),
                    last_change: Some(day(config, timeline.last_change)),
                    entered_stage: entered,
                },
            ))
        })
        .collect()
}

/// A metrics record per deal. `created` is the deal's `created` field
/// (midnight in the pipeline's zone), else the commit that added it. A
/// closed deal's value at close is read from the version committed when it
/// closed, when the file changed after that (`read` gives a blob's text).
pub fn records(
    pipeline: &Pipeline,
    history: &History,
    now: Timestamp,
    read: &dyn Fn(git2::Oid) -> Option<String>,
) -> Vec<DealRecord> {
    let config = &pipeline.config;
    pipeline
        .deals
        .iter()
        .map(|deal| {
            let timeline = history.deals.get(&deal.id);
            let created = deal
                .date("created")
                .and_then(|d| d.to_zoned_datetime(config.timezone.clone()).ok())
                .map(|z| z.timestamp())
                .or(timeline.map(|t| t.added_at))
                .unwrap_or(now);
            let mut entries: Vec<(String, Timestamp)> = timeline
                .map(|t| t.entries.iter().map(|e| (e.stage.clone(), e.at)).collect())
                .unwrap_or_default();
            if entries.last().is_none_or(|(stage, _)| *stage != deal.stage) {
                entries.push((deal.stage.clone(), now));
            }
            let mut record = DealRecord::new(deal.id.clone(), deal.stage.clone(), created);
            record.entries = entries;
            record.value = deal.value(config);
            record.value_at_close = timeline.and_then(|t| value_at_close(config, deal, t, read));
            record.probability = deal.probability(config);
            record.expected_close = deal.date("expected_close");
            record.owner = deal.owner().map(str::to_string);
            record.product = deal.text("product").map(str::to_string);
            record.source = deal.text("source").map(str::to_string);
            record.account = deal.text("account").map(str::to_string);
            record.fields = deal.fields.clone();
            record
        })
        .collect()
}

/// A stay in one stage: entered, left (`None`: still there), days, who
/// moved the deal in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stay {
    pub stage: String,
    pub entered: String,
    pub left: Option<String>,
    /// Exact days with one decimal; negative spans from clock skew count 0.
    pub days: rust_decimal::Decimal,
    pub by: String,
    pub commit: String,
}

/// The deal's stays, oldest first; the last one runs to `now`.
pub fn stays(
    config: &Config,
    timeline: &crate::git::history::Timeline,
    now: Timestamp,
) -> Vec<Stay> {
    let show = |at: Timestamp| {
        at.to_zoned_datetime(config.timezone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    timeline
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let end = timeline.entries.get(i + 1).map(|next| next.at);
            let seconds = (end.unwrap_or(now) - entry.at).as_secs().max(0);
            Stay {
                stage: entry.stage.clone(),
                entered: show(entry.at),
                left: end.map(show),
                days: (rust_decimal::Decimal::from(seconds) / rust_decimal::Decimal::from(86_400))
                    .round_dp(1),
                by: crate::git::owner_from_email(&entry.author_email).unwrap_or_default(),
                commit: entry.commit.to_string(),
            }
        })
        .collect()
}

/// A change of value or expected close between two committed versions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    pub date: String,
    pub commit: String,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Value and expected-close changes over the deal's committed versions
/// (`read` gives a blob's text). A later expected_close is a push.
pub fn field_changes(
    config: &Config,
    timeline: &crate::git::history::Timeline,
    read: &dyn Fn(git2::Oid) -> Option<String>,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut previous: Option<(Option<String>, Option<String>)> = None;
    for (commit, at, blob) in &timeline.versions {
        let Some(table) = read(*blob).and_then(|t| toml::from_str::<toml::Table>(&t).ok()) else {
            continue;
        };
        let value = table
            .get("value")
            .and_then(crate::value::money)
            .map(crate::json::plain_amount);
        let close = table
            .get("expected_close")
            .and_then(crate::value::date)
            .map(|d| d.to_string());
        if let Some((old_value, old_close)) = &previous {
            let date = day(config, *at).to_string();
            for (field, old, new) in [
                ("value", old_value, &value),
                ("expected_close", old_close, &close),
            ] {
                if old != new {
                    out.push(FieldChange {
                        date: date.clone(),
                        commit: commit.to_string(),
                        field: field.to_string(),
                        from: old.clone(),
                        to: new.clone(),
                    });
                }
            }
        }
        previous = Some((value, close));
    }
    out
}

/// Deals whose stage entries go back in time (a move dated before the
/// previous one, by clock skew, a rebase or a late `--at`): the graph order
/// wins and the stay counts 0 days. One line per contradiction.
pub fn contradictions(config: &Config, history: &History) -> Vec<String> {
    let show = |at: Timestamp| {
        at.to_zoned_datetime(config.timezone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let mut out: Vec<String> = history
        .deals
        .values()
        .flat_map(|timeline| {
            timeline.entries.windows(2).filter(|pair| pair[1].at < pair[0].at).map(|pair| {
                format!(
                    "{}: entered {} at {} (commit {}), before it entered {} at {}; the stay in {} counts 0 days",
                    timeline.id,
                    pair[1].stage,
                    show(pair[1].at),
                    &pair[1].commit.to_string()[..7],
                    pair[0].stage,
                    show(pair[0].at),
                    pair[0].stage
                )
            })
        })
        .collect();
    out.sort();
    out
}

/// The value of a closed deal as committed when it closed, when its file
/// changed after that; `None` when the current value is that value.
fn value_at_close(
    config: &Config,
    deal: &crate::deal::Deal,
    timeline: &crate::git::history::Timeline,
    read: &dyn Fn(git2::Oid) -> Option<String>,
) -> Option<rust_decimal::Decimal> {
    let stage = config.stage(&deal.stage)?;
    if stage.kind == crate::config::StageKind::Open {
        return None;
    }
    let close = timeline.entries.last().filter(|e| e.stage == deal.stage)?;
    let at = timeline
        .versions
        .iter()
        .position(|(commit, _, _)| *commit == close.commit)?;
    if at + 1 == timeline.versions.len() {
        return None;
    }
    let text = read(timeline.versions[at].2)?;
    crate::deal::Deal::parse(&deal.path, &text)
        .ok()?
        .value(config)
}
