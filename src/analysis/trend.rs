//! `report --trend`: the headline metrics per calendar period, so a
//! manager sees the direction, not one number.
//!
//! # Decisions
//!
//! - Each period (the calendar weeks, months or quarters that overlap the
//!   window, cut to it) is reported as it stood at its end: its figures are
//!   those of `report --as-of END --since START --until END`, with the
//!   deals and their stages of then (see [`crate::analysis::asof`]) and
//!   the definitions of SPEC 5. A period that holds "now" ends at now.
//! - The headline metrics: win rate (by count), average deal size (mean),
//!   sales cycle (mean days to win), sales velocity (per day), new value
//!   (created in the period) and won value.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::asof;
use crate::analysis::facts;
use crate::analysis::metrics::{Figure, Window, periods, report};
use crate::git::BlobId;
use crate::git::history::History;
use crate::model::config::{Config, Period};
use crate::model::deal::{Keys, VersionValue};
use crate::store::pipeline::Pipeline;

/// One period's headline figures.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodFigures {
    /// The period's first day and last day (inclusive), `YYYY-MM-DD`.
    pub since: String,
    pub until: String,
    pub win_rate: Figure,
    pub deal_size: Figure,
    pub cycle_days: Figure,
    pub velocity_per_day: Figure,
    /// Value created in the period (the deals it rests on in `deals`).
    pub new_value: Figure,
    /// Value won in the period.
    pub won_value: Figure,
}

/// Where the history and committed versions come from.
pub struct Sources<'a> {
    pub history: &'a History,
    /// The deal a version's bytes make when known already (see
    /// [`asof::deals`]).
    pub known: &'a (dyn Fn(BlobId, &std::path::Path) -> Option<crate::model::deal::Deal> + Sync),
    /// Blobs' texts, all asked for at once.
    pub texts: &'a dyn Fn(&[BlobId]) -> Vec<Option<String>>,
    /// What versions say of their value (see [`facts::version_values`]).
    pub values: &'a dyn Fn(&[BlobId]) -> Vec<Option<VersionValue>>,
}

/// The headline figures of each `per` period of `window`, up to `now`.
pub fn trend(
    pipeline: &Pipeline,
    sources: &Sources<'_>,
    window: &Window,
    per: Period,
    now: Timestamp,
) -> Vec<PeriodFigures> {
    let config: &Config = &pipeline.config;
    let day = |at: Timestamp| at.to_zoned_datetime(config.timezone.clone()).date();
    let second = jiff::SignedDuration::from_secs(1);
    periods(window, per, &config.timezone, config.week_start)
        .into_iter()
        .filter(|period| period.since <= now)
        .map(|period| {
            let end = (period.until - second).min(now);
            let history = asof::history(sources.history.clone(), end);
            let (deals, problems) = asof::deals(
                config,
                &history,
                sources.known,
                sources.texts,
                Keys::Only(facts::RECORD_KEYS),
            );
            let then = Pipeline {
                root: pipeline.root.clone(),
                config: config.clone(),
                deals,
                problems,
                hidden: 0,
                temp_files: Vec::new(),
            };
            let records = facts::records(&then, &history, end, sources.values, false);
            let figures = report(config, &records, &period, end);
            let won = &figures.win_rate;
            let money = |value: Decimal, deals: usize| Figure {
                value: Some(value),
                deals,
            };
            PeriodFigures {
                since: day(period.since).to_string(),
                until: day(period.until - second).to_string(),
                win_rate: won.by_count,
                deal_size: figures.deal_size.mean,
                cycle_days: figures.cycle.won.mean,
                velocity_per_day: figures.velocity.per_day,
                new_value: money(
                    figures.lead_generation.value.total,
                    decimal_count(figures.lead_generation.deals.total),
                ),
                won_value: money(won.won_value, won.won),
            }
        })
        .collect()
}

fn decimal_count(n: Decimal) -> usize {
    use rust_decimal::prelude::ToPrimitive;
    n.to_usize().unwrap_or(0)
}
