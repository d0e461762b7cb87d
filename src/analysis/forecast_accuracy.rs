//! Forecast accuracy: for each closed month, what the weighted forecast
//! said it would bring, at its start and a month earlier, against what was
//! won in it, and the deals that slipped out of it.
//!
//! # Decisions
//!
//! - A month is *closed* when it ended by "now"; the months reported are
//!   the closed months that overlap the report's window.
//! - The *forecast* for month M as of an instant: the weighted value
//!   (value x probability) of the deals open then whose `expected_close`
//!   falls in M, read as [`crate::analysis::asof`] reads the past. It is
//!   taken at the start of M's first day (before anything that day) and
//!   at the start of the same day a month earlier.
//! - *Won in M*: every move into a won stage (from a stage that is not
//!   won) dated in M, at the value of the version committed with it; a
//!   deal won, reopened and won again counts each time.
//! - *Ratio*: won / forecast at the start of M (n/a when the forecast is
//!   zero); also against the forecast a month earlier.
//! - *Slipped*: deals in the forecast at M's start (open, expected to close
//!   in M) that were still open at its end: neither won nor lost, nor
//!   removed. Each with its stage, value and expected close at M's end.
//! - A committed version that does not load as a deal (broken TOML, a
//!   wrong type) is left out of every figure.
//! - The whole pipeline's history counts: filters and `--by` do not split
//!   forecast accuracy (the deals of a past month are not today's).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::asof::state_at;
use crate::analysis::metrics::Window;
use crate::git::BlobId;
use crate::git::history::{History, Timeline};
use crate::model::config::{Config, StageKind};
use crate::model::deal::VersionValue;
use crate::model::money::{round, weighted};

/// One closed month's forecast against its result.
#[derive(Debug, Clone, Serialize)]
pub struct MonthAccuracy {
    /// `YYYY-MM`.
    pub month: String,
    /// The weighted forecast at the start of the month's first day.
    pub forecast: Forecast,
    /// The weighted forecast one month earlier.
    pub forecast_month_before: Forecast,
    /// Value won in the month, in the pipeline's currency.
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub won: Decimal,
    /// Wins counted in `won`.
    pub won_deals: usize,
    /// won / forecast, with 4 decimals (`null` when the forecast is 0).
    #[serde(serialize_with = "crate::model::json::serialize_display_opt")]
    pub ratio: Option<Decimal>,
    /// won / the forecast a month earlier.
    #[serde(serialize_with = "crate::model::json::serialize_display_opt")]
    pub ratio_month_before: Option<Decimal>,
    /// Oldest ID first.
    pub slipped: Vec<Slipped>,
}

/// The weighted value of the deals expected to close in a month, as of an
/// instant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Forecast {
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub weighted: Decimal,
    pub deals: usize,
}

/// A deal that was expected to close in the month and was still open at
/// its end.
#[derive(Debug, Clone, Serialize)]
pub struct Slipped {
    pub deal: String,
    /// Where it stood at the month's end.
    pub stage: String,
    #[serde(serialize_with = "crate::model::json::serialize_money")]
    pub value: Option<Decimal>,
    #[serde(serialize_with = "crate::model::json::serialize_display_opt")]
    pub expected_close: Option<Date>,
}

/// Each closed month of `window` (by `now`), oldest first. `figures`
/// gives what versions say (all asked for at once: see
/// [`crate::analysis::facts::version_values_for`]).
pub fn forecast_accuracy(
    config: &Config,
    history: &History,
    figures: &dyn Fn(&[BlobId]) -> Vec<Option<VersionValue>>,
    window: &Window,
    now: Timestamp,
) -> Vec<MonthAccuracy> {
    let zone = &config.timezone;
    let start_of = |day: Date| {
        day.to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp())
            .ok()
    };
    let second = jiff::SignedDuration::from_secs(1);
    // The closed months that overlap the window, as (first day, start,
    // end, start a month earlier).
    let mut months = Vec::new();
    let mut month = window
        .since
        .to_zoned_datetime(zone.clone())
        .date()
        .first_of_month();
    while let (Some(start), Ok(next)) = (
        start_of(month),
        month.checked_add(jiff::Span::new().months(1)),
    ) {
        let Some(end) = start_of(next) else { break };
        if start >= window.until || end > now {
            break;
        }
        let Some(before) = month
            .checked_sub(jiff::Span::new().months(1))
            .ok()
            .and_then(start_of)
        else {
            break;
        };
        months.push((month, start, end, before));
        month = next;
    }
    if months.is_empty() {
        return Vec::new();
    }
    let timelines: Vec<&Timeline> = history.deals.values().chain(&history.removed).collect();
    // Each deal once: where it stood at every instant any month asks about
    // (each month's start, end and start a month earlier), kept only when
    // it was open then, and its wins in the months.
    let instants: Vec<Timestamp> = months
        .iter()
        .flat_map(|&(_, start, end, before)| [start - second, end - second, before - second])
        .collect();
    let (first, last) = (months[0].1, months[months.len() - 1].2);
    let seen: Vec<Seen<'_>> = crate::parallel::map(
        &timelines,
        crate::parallel::Split {
            threads: 8,
            min_chunk: 256,
        },
        |timeline| Seen::of(config, timeline, &instants, (first, last)),
    );
    // Every version any month looks at, read once.
    let mut blobs: Vec<BlobId> = seen
        .iter()
        .flat_map(|s| {
            let states = s.states.iter().flatten().map(|(_, blob)| *blob);
            states.chain(s.wins.iter().map(|(_, blob)| *blob))
        })
        .collect();
    blobs.sort_unstable();
    blobs.dedup();
    // A version that does not load as a deal counts as none.
    let deals: HashMap<BlobId, VersionValue> = blobs
        .iter()
        .zip(figures(&blobs))
        .filter_map(|(b, v)| Some((*b, v?)))
        .collect();
    months
        .iter()
        .enumerate()
        .map(|(m, &(month, start, end, _))| {
            let due = |deal: &VersionValue| {
                deal.expected_close
                    .is_some_and(|d| d.year() == month.year() && d.month() == month.month())
            };
            // The deals open and due in the month at instant `n` of it.
            let forecast_at = |n: usize| {
                let mut forecast = Forecast::default();
                for s in &seen {
                    let Some((stage, blob)) = s.states[3 * m + n] else {
                        continue;
                    };
                    let Some(deal) = deals.get(&blob).filter(|d| due(d)) else {
                        continue;
                    };
                    let value = deal.value(config).unwrap_or_default();
                    let probability = deal.probability_in(stage, config);
                    forecast.weighted += weighted(value, probability).unwrap_or_default();
                    forecast.deals += 1;
                }
                forecast
            };
            let forecast = forecast_at(0);
            let forecast_month_before = forecast_at(2);
            let mut won = Decimal::ZERO;
            let mut won_deals = 0;
            for s in &seen {
                for (_, blob) in s.wins.iter().filter(|(at, _)| start <= *at && *at < end) {
                    won += deals
                        .get(blob)
                        .and_then(|d| d.value(config))
                        .unwrap_or_default();
                    won_deals += 1;
                }
            }
            let mut slipped: Vec<Slipped> = seen
                .iter()
                .filter(|s| {
                    s.states[3 * m].is_some_and(|(_, blob)| deals.get(&blob).is_some_and(&due))
                })
                .filter_map(|s| {
                    let (stage, blob) = s.states[3 * m + 1]?;
                    let deal = deals.get(&blob)?;
                    Some(Slipped {
                        deal: s.id.to_string(),
                        stage: stage.to_string(),
                        value: deal.value(config),
                        expected_close: deal.expected_close,
                    })
                })
                .collect();
            slipped.sort_by(|a, b| a.deal.cmp(&b.deal));
            let ratio = |forecast: &Forecast| {
                (!forecast.weighted.is_zero()).then(|| round(won / forecast.weighted, 4))
            };
            MonthAccuracy {
                month: format!("{:04}-{:02}", month.year(), month.month()),
                ratio: ratio(&forecast),
                ratio_month_before: ratio(&forecast_month_before),
                forecast,
                forecast_month_before,
                won,
                won_deals,
                slipped,
            }
        })
        .collect()
}

/// What one deal's history says at the instants forecast accuracy asks
/// about.
struct Seen<'h> {
    id: &'h str,
    /// At each instant: its stage and version, when it was open then.
    states: Vec<Option<(&'h str, BlobId)>>,
    /// Its moves into a won stage (from one that is not) in [first, last),
    /// each with the blob committed with it.
    wins: Vec<(Timestamp, BlobId)>,
}

impl<'h> Seen<'h> {
    fn of(
        config: &Config,
        timeline: &'h Timeline,
        instants: &[Timestamp],
        (first, last): (Timestamp, Timestamp),
    ) -> Seen<'h> {
        let kind = |stage: &str| config.stage(stage).map(|s| s.kind);
        // A deal added after every instant has nothing to say.
        let states = if instants.iter().all(|&at| timeline.added_at > at) {
            vec![None; instants.len()]
        } else {
            instants
                .iter()
                .map(|&at| {
                    state_at(timeline, at).filter(|(stage, _)| kind(stage) == Some(StageKind::Open))
                })
                .collect()
        };
        let mut wins = Vec::new();
        let mut before = None;
        for entry in &timeline.entries {
            let here = kind(&entry.stage);
            if here == Some(StageKind::Won)
                && before != Some(StageKind::Won)
                && first <= entry.at
                && entry.at < last
                && let Some(version) = timeline.versions.iter().find(|v| v.0 == entry.commit)
            {
                wins.push((entry.at, version.2));
            }
            before = here;
        }
        Seen {
            id: &timeline.id,
            states,
            wins,
        }
    }
}
