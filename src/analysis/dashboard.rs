//! The dashboard: what `report`, `board` and `doctor` say about the
//! pipeline, with the metrics' [`Breakdown`] and a leaderboard, gathered in
//! one typed result that the HTML page renders. Nothing is computed twice:
//! the report is [`metrics::report`], the board [`board::board`], the
//! leaderboard one report per group of `--by` (as `report --by` makes
//! them), the findings `doctor`'s. It aggregates: at most
//! [`LEADERS`] groups and [`FINDINGS_SHOWN`] findings are listed, the
//! rest summed, so the page stays small whatever the pipeline's size.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::board::{self, Board};
use crate::analysis::doctor::{Finding, Kind, Severity};
use crate::analysis::metrics::{self, Breakdown, DealRecord, Report, UnknownKey, Window, split_by};
use crate::store::pipeline::Pipeline;

/// Groups listed in the leaderboard; the others are merged into one row.
pub const LEADERS: usize = 15;

/// Findings listed one by one; all of them are counted by kind.
pub const FINDINGS_SHOWN: usize = 40;

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The pipeline's name (`name` in funnel.toml).
    pub name: String,
    pub currency: String,
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub today: Date,
    /// The window's first and last day (inclusive).
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub since: Date,
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub until: Date,
    /// The report of the window, as `funnel report` prints it.
    pub report: Report,
    pub breakdown: Breakdown,
    /// The board today, as `funnel board` prints it.
    pub board: Board,
    /// The WIP limits of the open stages, from funnel.toml.
    pub limits: Vec<WipLimits>,
    /// The key of the leaderboard (`owner` unless `--by` says otherwise).
    pub by: String,
    /// One row per group, the best first: most won value in the window,
    /// then most open weighted value, then by name.
    pub leaders: Vec<Leader>,
    pub findings: FindingSummary,
}

/// A stage's WIP limits.
#[derive(Debug, Clone, Serialize)]
pub struct WipLimits {
    pub stage: String,
    pub wip_min: Option<u32>,
    pub wip_max: Option<u32>,
}

/// One row of the leaderboard: a group's report.
#[derive(Debug, Clone, Serialize)]
pub struct Leader {
    /// The group's name, or for the merged rest, how many groups it holds.
    pub name: String,
    /// How many groups the row holds: 1, or more for the merged rest.
    pub groups: usize,
    pub report: Report,
}

/// `doctor`'s findings: counted by kind, the first [`FINDINGS_SHOWN`]
/// listed in doctor's order (most severe, then most at stake).
#[derive(Debug, Clone, Serialize)]
pub struct FindingSummary {
    pub total: usize,
    pub kinds: Vec<KindCount>,
    pub shown: Vec<Finding>,
    /// The title of each deal a shown finding names.
    pub titles: BTreeMap<String, String>,
}

/// The findings of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: Kind,
    /// Their severity (`[doctor] severity` sets it per kind).
    pub severity: Severity,
    pub findings: usize,
    /// The weighted value of the deals they name.
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub at_stake: Decimal,
}

/// When and how the dashboard looks.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub window: Window,
    pub now: Timestamp,
    pub today: Date,
    /// The leaderboard's key: owner, product, source, account, stage or a field.
    pub by: &'a str,
}

/// The dashboard of `pipeline` (its deals already filtered, with their
/// history facts) and metric `records`, and `findings` (doctor's, already
/// filtered as doctor filters them).
pub fn dashboard(
    pipeline: &Pipeline,
    records: &[DealRecord],
    findings: Vec<Finding>,
    scope: Scope<'_>,
) -> Result<Dashboard, UnknownKey> {
    let config = &pipeline.config;
    let report = |deals: &[&DealRecord]| metrics::report(config, deals, &scope.window, scope.now);
    let mut ranked: Vec<(String, Vec<&DealRecord>, Report)> = split_by(records, scope.by)?
        .into_iter()
        .map(|(name, deals)| {
            let r = report(&deals);
            (name, deals, r)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.2.win_rate
            .won_value
            .cmp(&a.2.win_rate.won_value)
            .then(
                b.2.open_pipeline
                    .total
                    .weighted_value
                    .cmp(&a.2.open_pipeline.total.weighted_value),
            )
            .then(a.0.cmp(&b.0))
    });
    let rest = if ranked.len() > LEADERS {
        ranked.split_off(LEADERS)
    } else {
        Vec::new()
    };
    let mut leaders: Vec<Leader> = ranked
        .into_iter()
        .map(|(name, _, report)| Leader {
            name,
            groups: 1,
            report,
        })
        .collect();
    if !rest.is_empty() {
        // A deal in several groups (a list such as tags) counts once.
        let mut seen = HashSet::new();
        let deals: Vec<&DealRecord> = rest
            .iter()
            .flat_map(|(_, deals, _)| deals.iter().copied())
            .filter(|d| seen.insert(d.id.as_str()))
            .collect();
        leaders.push(Leader {
            name: format!("{} others", rest.len()),
            groups: rest.len(),
            report: report(&deals),
        });
    }
    let day = |at: Timestamp| at.to_zoned_datetime(config.timezone.clone()).date();
    let last = scope
        .window
        .until
        .checked_sub(jiff::SignedDuration::from_nanos(1))
        .unwrap_or(scope.window.until)
        .max(scope.window.since);
    Ok(Dashboard {
        name: config.name.clone(),
        since: day(scope.window.since),
        until: day(last),
        currency: config.currency.clone(),
        today: scope.today,
        report: metrics::report(config, records, &scope.window, scope.now),
        breakdown: metrics::breakdown(config, records, &scope.window, scope.now),
        board: board::board(pipeline, scope.today),
        limits: config
            .stages
            .iter()
            .map(|s| WipLimits {
                stage: s.id.clone(),
                wip_min: s.wip_min,
                wip_max: s.wip_max,
            })
            .collect(),
        by: scope.by.to_string(),
        leaders,
        findings: summary(pipeline, findings),
    })
}

fn summary(pipeline: &Pipeline, findings: Vec<Finding>) -> FindingSummary {
    let mut kinds: BTreeMap<Kind, KindCount> = BTreeMap::new();
    for f in &findings {
        let count = kinds.entry(f.kind).or_insert(KindCount {
            kind: f.kind,
            severity: f.severity,
            findings: 0,
            at_stake: Decimal::ZERO,
        });
        count.severity = count.severity.max(f.severity);
        count.findings += 1;
        count.at_stake = count
            .at_stake
            .saturating_add(f.at_stake.unwrap_or_default());
    }
    let mut kinds: Vec<KindCount> = kinds.into_values().collect();
    kinds.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.findings.cmp(&a.findings))
            .then(a.kind.cmp(&b.kind))
    });
    let total = findings.len();
    let mut shown = findings;
    shown.truncate(FINDINGS_SHOWN);
    let named: HashSet<&str> = shown
        .iter()
        .flat_map(|f| f.deals.iter().map(String::as_str))
        .collect();
    let titles = pipeline
        .deals
        .iter()
        .filter(|d| named.contains(d.id.as_str()))
        .filter_map(|d| Some((d.id.clone(), d.text("title")?.to_string())))
        .collect();
    FindingSummary {
        total,
        kinds,
        shown,
        titles,
    }
}
