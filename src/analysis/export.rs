//! What `funnel export` hands over, whole: every deal with its fields
//! flattened (`qualification.need`) and its dates from the history
//! (created, entered its stage, closed, cycle days, days in stage, as the
//! metrics define them), the stage-change log and the field-change log
//! (value and expected-close changes). One typed result; the command
//! renders it as CSV, JSON or a workbook.
//!
//! The logs come from the same code as `show`'s history and changes
//! ([`facts::stays`], [`facts::field_changes`]); what the versions of every
//! deal file say is asked for at once (from a cache, else read through the
//! pack reader on every core).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::facts::{self, FieldChange};
use crate::analysis::metrics::{DealDates, DealRecord, Window, deal_dates};
use crate::git::BlobId;
use crate::git::history::History;
use crate::model::config::Config;
use crate::model::deal::{Deal, KNOWN_FIELDS, VersionValue, flat_fields, plain};
use crate::model::json::{DealJson, serialize_instant, serialize_instant_opt};
use crate::parallel::{self, Split};
use crate::store::pipeline::Pipeline;

const ON_EVERY_CORE: Split = Split {
    threads: 8,
    min_chunk: 64,
};

/// One flattened field of a deal, typed as a spreadsheet wants it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldCell {
    Text(String),
    /// Integers, floats and amounts (`value`, `probability`), exact.
    Number(Decimal),
    Bool(bool),
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    Date(Date),
}

impl FieldCell {
    fn of(key: &str, value: &toml::Value) -> FieldCell {
        let number = matches!(value, toml::Value::Integer(_) | toml::Value::Float(_))
            || matches!(
                crate::model::deal::field_type(key),
                Some(crate::model::deal::FieldType::Money | crate::model::deal::FieldType::Percent)
            );
        if number && let Some(n) = crate::model::value::money(value) {
            return FieldCell::Number(n);
        }
        match value {
            toml::Value::Boolean(b) => FieldCell::Bool(*b),
            toml::Value::Datetime(_) => crate::model::value::date(value)
                .map_or_else(|| FieldCell::Text(value.to_string()), FieldCell::Date),
            // A list of tables (contacts): one element after the other.
            toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
                FieldCell::Text(items.iter().map(plain).collect::<Vec<_>>().join("; "))
            }
            other => FieldCell::Text(plain(other)),
        }
    }

    /// The cell as CSV text: numbers as plain decimals, dates ISO.
    pub fn text(&self) -> String {
        match self {
            FieldCell::Text(s) => s.clone(),
            FieldCell::Number(n) => n.normalize().to_string(),
            FieldCell::Bool(b) => b.to_string(),
            FieldCell::Date(d) => d.to_string(),
        }
    }
}

/// A deal: its fields by column, and what the history says.
#[derive(Debug, Clone)]
pub struct DealRow<'a> {
    pub deal: &'a Deal,
    /// One cell per [`Export::columns`] entry.
    pub cells: Vec<Option<FieldCell>>,
    /// The value in the pipeline's currency ([fx] applied).
    pub converted_value: Option<Decimal>,
    pub weighted_value: Option<Decimal>,
    /// The deal's own probability or its stage's, in percent.
    pub probability: Decimal,
    pub dates: Dates,
}

/// [`DealDates`] in the pipeline's time zone.
#[derive(Debug, Clone, Serialize)]
pub struct Dates {
    #[serde(serialize_with = "serialize_instant")]
    pub created_at: jiff::ZonedDateTime,
    #[serde(serialize_with = "serialize_instant")]
    pub entered_stage_at: jiff::ZonedDateTime,
    #[serde(serialize_with = "serialize_instant_opt")]
    pub closed_at: Option<jiff::ZonedDateTime>,
    pub cycle_days: Option<Decimal>,
    pub days_in_stage: Decimal,
}

/// A stage change: the deal entered `to` (from `from`, `None` for the
/// stage it was created in) at `at`, after `days_in_from` days in `from`.
#[derive(Debug, Clone, Serialize)]
pub struct StageChange {
    pub deal: String,
    pub from: Option<String>,
    pub to: String,
    #[serde(serialize_with = "serialize_instant")]
    pub at: jiff::ZonedDateTime,
    pub days_in_from: Option<Decimal>,
    /// The commit's author, as an owner name.
    pub by: String,
    pub commit: String,
}

/// A value or expected-close change of a deal.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChangeRow {
    pub deal: String,
    #[serde(flatten)]
    pub change: FieldChange,
}

/// What `funnel export` writes.
#[derive(Debug, Clone)]
pub struct Export<'a> {
    /// The flattened field keys that any exported deal has, in column
    /// order: the keys SPEC 3 defines in its order, then custom keys by name.
    pub columns: Vec<String>,
    pub deals: Vec<DealRow<'a>>,
    /// Oldest first (ties in the deals' order).
    pub stage_log: Vec<StageChange>,
    /// Oldest first (ties in the deals' order).
    pub field_changes: Vec<FieldChangeRow>,
}

/// The export of `pipeline`'s deals (already filtered) with `records` (one
/// per deal, in the same order, from [`facts::records`]); the logs hold
/// only events in `window` when one is given. `values` says what
/// committed versions hold, for the field-change log (see
/// [`crate::analysis::snapshot::Snapshot::all_version_values`]).
pub fn export<'a>(
    pipeline: &'a Pipeline,
    history: &History,
    records: &[DealRecord],
    values: &dyn Fn(&[BlobId]) -> Vec<Option<VersionValue>>,
    window: Option<&Window>,
    now: Timestamp,
) -> Export<'a> {
    let config = &pipeline.config;
    let columns = columns(&pipeline.deals);
    let index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let pairs: Vec<(&Deal, &DealRecord)> = pipeline.deals.iter().zip(records).collect();
    let deals = parallel::map(&pairs, ON_EVERY_CORE, |&(deal, record)| {
        let mut cells = vec![None; columns.len()];
        for (key, value) in flat_fields(deal.fields()) {
            if let Some(&i) = index.get(key.as_str()) {
                cells[i] = Some(FieldCell::of(&key, value));
            }
        }
        DealRow {
            deal,
            cells,
            converted_value: deal.value(config),
            weighted_value: deal.weighted_value(config),
            probability: deal.probability(config),
            dates: zoned(config, deal_dates(config, record, now)),
        }
    });
    let inside = |at: Timestamp| window.is_none_or(|w| w.contains(at));
    let timelines: Vec<_> = pipeline
        .deals
        .iter()
        .filter_map(|d| history.deals.get(&d.id))
        .collect();
    let mut stage_log: Vec<StageChange> = timelines
        .iter()
        .flat_map(|timeline| {
            let stays = facts::stays(config, timeline, now);
            let mut out = Vec::with_capacity(stays.len());
            for (i, stay) in stays.iter().enumerate() {
                let before = i.checked_sub(1).and_then(|p| stays.get(p));
                out.push(StageChange {
                    deal: timeline.id.clone(),
                    from: before.map(|b| b.stage.clone()),
                    to: stay.stage.clone(),
                    at: stay.entered.clone(),
                    days_in_from: before.map(|b| b.days),
                    by: stay.by.clone(),
                    commit: stay.commit.clone(),
                });
            }
            out
        })
        .filter(|change| inside(change.at.timestamp()))
        .collect();
    stage_log.sort_by_key(|change| change.at.timestamp());
    let said = versions(&timelines, values);
    let read = |blob: BlobId| said.get(&blob).cloned();
    let mut field_changes: Vec<FieldChangeRow> =
        parallel::map(&timelines, ON_EVERY_CORE, |timeline| {
            facts::field_changes(config, timeline, &read)
                .into_iter()
                .map(|change| FieldChangeRow {
                    deal: timeline.id.clone(),
                    change,
                })
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .filter(|row| inside(row.change.at.timestamp()))
        .collect();
    field_changes.sort_by_key(|row| row.change.at.timestamp());
    Export {
        columns,
        deals,
        stage_log,
        field_changes,
    }
}

/// The field columns of `deals`: known keys in SPEC 3's order, then
/// custom keys by name.
fn columns(deals: &[Deal]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    for deal in deals {
        for (key, _) in flat_fields(deal.fields()) {
            if !seen.contains(&key) {
                seen.insert(key);
            }
        }
    }
    let mut columns: Vec<String> = KNOWN_FIELDS
        .iter()
        .filter(|(key, _)| seen.remove(*key))
        .map(|(key, _)| key.to_string())
        .collect();
    columns.extend(seen);
    columns
}

fn zoned(config: &Config, dates: DealDates) -> Dates {
    let show = |at: Timestamp| at.to_zoned_datetime(config.timezone.clone());
    Dates {
        created_at: show(dates.created),
        entered_stage_at: show(dates.entered_stage),
        closed_at: dates.closed.map(show),
        cycle_days: dates.cycle_days,
        days_in_stage: dates.days_in_stage,
    }
}

/// What every committed version of the timelines' files says, by blob
/// (`values` gives them for a list of blobs, all at once).
fn versions(
    timelines: &[&crate::git::history::Timeline],
    values: &dyn Fn(&[BlobId]) -> Vec<Option<VersionValue>>,
) -> HashMap<BlobId, VersionValue> {
    // A deal with one version has no changes to read.
    let mut blobs: Vec<BlobId> = timelines
        .iter()
        .filter(|t| t.versions.len() > 1)
        .flat_map(|t| t.versions.iter().map(|(_, _, blob)| *blob))
        .collect();
    blobs.sort_unstable();
    blobs.dedup();
    let said = values(&blobs);
    blobs
        .into_iter()
        .zip(said)
        .filter_map(|(blob, value)| Some((blob, value?)))
        .collect()
}

/// A deal row as JSON: the deal object of `funnel list --format json`
/// plus its dates.
#[derive(Serialize)]
pub struct DealRowJson<'a> {
    #[serde(flatten)]
    pub deal: DealJson<'a>,
    #[serde(flatten)]
    pub dates: &'a Dates,
}

impl<'a> DealRow<'a> {
    pub fn json(&'a self, config: &'a Config) -> DealRowJson<'a> {
        DealRowJson {
            deal: DealJson(self.deal, config),
            dates: &self.dates,
        }
    }
}
