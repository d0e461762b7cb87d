//! The metrics of SPEC section 5, computed from plain data.
//!
//! The caller (the report command, the dashboard, the doctor) derives one
//! [`DealRecord`] per deal from the pipeline and its git history and picks a
//! [`Window`] with [`window_for`]; [`report`] then returns every figure as a
//! serialisable [`Report`]. Nothing here reads a clock, the environment, git
//! or files, and nothing prints: "now" is an argument, so every report can be
//! reproduced. Money is `Decimal` throughout; days are exact seconds divided
//! by 86,400, as `Decimal` too.
//!
//! Every figure carries the number of deals (or accounts, for per-account
//! figures) it rests on, and `None` ("n/a") where its denominator is zero:
//! no figure is ever NaN, infinite or a panic.
//!
//! # Decisions
//!
//! Where SPEC section 5 leaves room, these are the rules, written once here
//! and repeated on the items they govern.
//!
//! - **Status and close.** A deal's status is the kind of the stage it is in
//!   now (`DealRecord::stage`). A deal is *won in the window* when it is in a
//!   won stage now and its latest entry into a won stage lies in the window;
//!   *lost in the window* likewise. A reopened deal keeps every close event
//!   in its history, but only the close that gave it its present status
//!   counts: a deal lost in October, reopened and won in December counts as
//!   won in December and not as lost in October, so no deal is ever counted
//!   both won and lost. Close events in the window that no longer decide the
//!   status are shown as [`WinRate::reopened`]. Deals in a stage that
//!   `funnel.toml` does not declare have no status and count in no
//!   status-based figure.
//! - **Cycle length** runs from `created` to the close that gave the deal its
//!   status (for a deal never reopened, the SPEC's `closed`, its first
//!   close). A deal created directly in a won stage usually has a cycle of 0
//!   days.
//! - **History.** `entries` are taken in the order given (the history engine
//!   orders them by the commit graph, which wins over dates); a deal with no
//!   entries counts as having entered its present stage at `created`. Every
//!   duration is clamped at 0, so contradictory dates never give a negative
//!   number of days.
//! - **Values.** A closed deal's value is `value_at_close`, else `value`; an
//!   open deal's is `value`. Deals without a value count in deal counts and
//!   are left out of value sums and means (the figure's `deals` says how
//!   many values it rests on).
//! - **Rounding.** Figures are rounded half away from zero once, when the
//!   figure is made: money to 2 decimals, days and percents to 1, ratios and
//!   rates to 2. Intermediate results (velocity's inputs) are not rounded.
//! - **Percentiles** (median, 75th) interpolate linearly between the two
//!   nearest ranks (as spreadsheets' PERCENTILE.INC); the median of an even
//!   count is the mean of the middle two.
//! - **Stage conversion.** For each open stage S, in funnel order, a deal
//!   *enters* S at its first entry into S or into any stage beyond S (an
//!   open stage declared after S, or any won stage), whichever comes first:
//!   a skipped stage counts as entered and passed at the moment the deal
//!   jumped past it. A deal that entered S in the window has *advanced* when
//!   it ever reached a stage beyond S (even if it was lost later); otherwise
//!   it is *lost* when it is in a lost stage now, else still *open* (its own
//!   bucket). A lost stage is never "beyond", whatever its position.
//! - **Time in stage** covers open stages only, over the stays that began in
//!   the window: a completed stay runs to the next entry, the current one to
//!   `now`.
//! - **Velocity** = open deals now x average deal size x win rate (by count,
//!   as a fraction) / mean cycle length, per day; per month is 30 days. It is
//!   n/a when any input is, or the mean cycle is 0 days.
//! - **Lead generation** measures the window up to `now` (a current month
//!   counts the days elapsed so far). Rates use nominal period lengths: a day,
//!   a week of 7 days, a month of 30 days, a quarter of 90 and a year of 365,
//!   so that 250 a day is 7,500 a month and 45,000 in six months, as in the
//!   article. Targets are converted between periods with the same lengths.
//! - **Targets for a window** (attainment, coverage, products) are scaled by
//!   the calendar: a window counts each calendar period of the target's `per`
//!   by the share of it that the window covers, cut in the pipeline's time
//!   zone, so a `--period month` window holds exactly one monthly target and
//!   a quarter exactly three. Attainment compares the elapsed window; coverage
//!   the whole window.
//! - **Customer acquisition cost** counts the `[spend]` of every month that
//!   overlaps the window in full. A customer is an account (trimmed,
//!   case-insensitive; a deal without an account is its own customer); a new
//!   customer is one whose first win (over deals won now) lies in the window.
//! - **Lifetime value** uses every won deal closed before the window's end.
//!   Historical: the mean total won value per account. Predicted: the mean won
//!   deal value x the mean over accounts of wins per year x the mean lifespan
//!   in years, where an account's lifespan runs from its first to its last
//!   win, at least 1 year (365.25 days).
//! - **Revenue growth** lists the calendar months that overlap the window,
//!   from the month of the first deal's creation to the month of `now`, each
//!   month counted in full; the first month is compared with the month
//!   before it even when that month lies outside the window.
//! - **Forecast** groups all open deals by `expected_close` month; deals
//!   without one fall in `(none)`, listed last. A month before the month of
//!   `now` is *overdue*: its deals should have closed and did not. **Coverage** takes open
//!   deals whose `expected_close` falls in the window (overdue deals do not).
//! - **Deal-size groups** size open deals by their value and deals won or
//!   lost in the window by their value at close, on a 1-2-5 ladder of
//!   bounds that fits the values (`size_groups` says how).
//! - **Month by month** (the dashboard's trend) each calendar month is a
//!   window of its own for lead generation, win rate and won value; the
//!   trend is the twelve months up to the window's last month, or the whole
//!   window when it is longer, from the month of the first deal's creation.
//! - **Lost reasons** group the deals lost in the window by `lost_reason`
//!   (`(none)` without one).
//! - **Windows.** `--since DATE` starts at midnight of that day and
//!   `--until DATE` is inclusive (the window ends at midnight after it);
//!   `--last N` is the N days ending today, today included; `--period P` is
//!   the calendar period holding `--since` or else today; with no option the
//!   window is the last 90 days.
//!
//! # Where each figure is computed
//!
//! This file holds what every figure shares: [`DealRecord`], [`Figure`],
//! [`Report`] and the per-deal facts (status, close, value) the rules above
//! define. Each figure has a file of its own: `open_pipeline`, `size`,
//! `cycle`, `win_rate`, `conversion`, `time_in_stage`, `velocity`,
//! `lead_generation`, `acquisition` (CAC and lifetime value), `growth`,
//! `products`, `forecast` (forecast and coverage); `window` reads the window
//! options, `groups` splits by `--by`, `calendar` and `stats` hold the
//! arithmetic they share. The dashboard's [`Breakdown`] adds
//! `size_groups` (deals by value), `monthly` (the figures month by month)
//! and `lost_reasons`.

use std::borrow::Borrow;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::config::{Config, Period, StageKind};
use crate::model::money::{round, weighted};
use calendar::{days_between, periods_in};

mod acquisition;
mod calendar;
mod conversion;
mod cycle;
mod forecast;
mod groups;
mod growth;
mod lead_generation;
mod lost_reasons;
mod monthly;
mod open_pipeline;
mod products;
mod size;
mod size_groups;
mod stats;
mod time_in_stage;
mod velocity;
mod win_rate;
mod window;

#[cfg(test)]
mod testing;

pub use acquisition::{AcquisitionCost, LifetimeValue};
pub use calendar::periods;
pub use conversion::StageConversion;
pub use cycle::{SalesCycle, Spread};
pub use forecast::{Coverage, ForecastMonth};
pub use groups::{GROUP_KEYS, UnknownKey, split_by};
pub use growth::MonthRevenue;
pub use lead_generation::{LeadGeneration, Pace, PaceTarget, Projection};
pub use lost_reasons::LostReason;
pub use monthly::{MonthTrend, TREND_MONTHS};
pub use open_pipeline::{OpenPipeline, StageLoad};
pub use products::ProductBalance;
pub use size::DealSize;
pub use size_groups::{MAX_GROUPS, SizeGroup};
pub use time_in_stage::StageTime;
pub use velocity::Velocity;
pub use win_rate::WinRate;
pub use window::{Window, parse_last, window_for};

/// The group of deals that have no value for a `--by` key, and the forecast
/// month of deals without an expected close.
pub const NONE_GROUP: &str = "(none)";

/// The window when none is asked for: the last 90 days.
pub const DEFAULT_LAST_DAYS: u32 = 90;

/// The horizons of the lead-generation projection, in 30-day months.
pub const PROJECTION_MONTHS: [u32; 3] = [1, 3, 6];

/// What a daily pace brings in `months` nominal months: the one projection
/// of the lead generation, for `report` and `doctor` (`None` on overflow).
pub fn ahead(per_day: Decimal, months: u32) -> Option<Decimal> {
    per_day.checked_mul(Decimal::from(i64::from(months) * DAYS_PER_MONTH))
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Days in a nominal month, for rates and projections (the article's
/// arithmetic: 250 a day is 7,500 a month).
const DAYS_PER_MONTH: i64 = Period::Month.nominal_days();

/// One deal as the metrics see it: plain data derived by the caller from the
/// deal file and its git history.
#[derive(Debug, Clone)]
pub struct DealRecord {
    pub id: String,
    /// The stage it is in now; its kind is the deal's status.
    pub stage: String,
    /// The value now, in the pipeline's currency.
    pub value: Option<Decimal>,
    /// The value when it last closed, when known; else `value` is used.
    pub value_at_close: Option<Decimal>,
    /// The effective probability in percent (the deal's own or its stage's).
    pub probability: Decimal,
    /// The `created` field (midnight in the pipeline's zone) or the author
    /// time of the commit that added the file.
    pub created: Timestamp,
    /// Every entry into a stage, oldest first, the first one included.
    pub entries: Vec<(String, Timestamp)>,
    pub expected_close: Option<Date>,
    pub owner: Option<String>,
    pub product: Option<String>,
    pub source: Option<String>,
    pub account: Option<String>,
    pub lost_reason: Option<String>,
    /// Every key of the deal file, for `--by FIELD`.
    pub fields: toml::Table,
}

impl DealRecord {
    /// A deal in `stage` since `created`, with nothing else known.
    pub fn new(id: impl Into<String>, stage: impl Into<String>, created: Timestamp) -> DealRecord {
        let stage = stage.into();
        DealRecord {
            id: id.into(),
            entries: vec![(stage.clone(), created)],
            stage,
            value: None,
            value_at_close: None,
            probability: Decimal::ZERO,
            created,
            expected_close: None,
            owner: None,
            product: None,
            source: None,
            account: None,
            lost_reason: None,
            fields: toml::Table::new(),
        }
    }
}

/// One number, `None` meaning "n/a", and how many deals it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub value: Option<Decimal>,
    /// The deals (for per-account figures, the accounts) it rests on.
    pub deals: usize,
}

impl Figure {
    fn rounded(value: Option<Decimal>, places: u32, deals: usize) -> Figure {
        Figure {
            value: value.map(|v| round(v, places)),
            deals,
        }
    }

    fn money(value: Option<Decimal>, deals: usize) -> Figure {
        Figure::rounded(value, 2, deals)
    }

    fn days(value: Option<Decimal>, deals: usize) -> Figure {
        Figure::rounded(value, 1, deals)
    }

    fn percent(value: Option<Decimal>, deals: usize) -> Figure {
        Figure::rounded(value, 1, deals)
    }

    fn ratio(value: Option<Decimal>, deals: usize) -> Figure {
        Figure::rounded(value, 2, deals)
    }
}

/// Everything `funnel report` shows for one window (and one `--by` group).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub window: ReportWindow,
    pub currency: String,
    /// The deals the report was computed from.
    pub deals: usize,
    pub open_pipeline: OpenPipeline,
    pub deal_size: DealSize,
    pub cycle: SalesCycle,
    pub win_rate: WinRate,
    /// Per open stage, in funnel order.
    pub conversion: Vec<StageConversion>,
    /// Per open stage, in funnel order.
    pub time_in_stage: Vec<StageTime>,
    pub velocity: Velocity,
    pub lead_generation: LeadGeneration,
    pub acquisition_cost: AcquisitionCost,
    pub lifetime_value: LifetimeValue,
    /// Per calendar month, oldest first.
    pub revenue_growth: Vec<MonthRevenue>,
    /// Per product, by name, `(none)` for deals without one.
    pub products: Vec<ProductBalance>,
    /// Per expected-close month, oldest first, `(none)` last.
    pub forecast: Vec<ForecastMonth>,
    pub coverage: Coverage,
}

/// The window as shown: instants in the pipeline's zone (ISO 8601 with
/// offset), the window's length and the part of it up to `now`, in days.
#[derive(Debug, Clone, Serialize)]
pub struct ReportWindow {
    pub since: String,
    pub until: String,
    pub now: String,
    pub days: Decimal,
    pub elapsed_days: Decimal,
    #[serde(skip)]
    pub bounds: Window,
}

/// Computes every metric of SPEC section 5 over `deals` for `window`, with
/// `now` as the present. See the module documentation for the rules.
pub fn report<D: Borrow<DealRecord>>(
    config: &Config,
    deals: &[D],
    window: &Window,
    now: Timestamp,
) -> Report {
    let facts = Facts::all(config, deals);
    let ctx = Context {
        config,
        window: *window,
        now,
    };
    let won: Vec<&Facts<'_>> = facts.iter().filter(|f| f.won_in(window)).collect();
    let lost: Vec<&Facts<'_>> = facts.iter().filter(|f| f.lost_in(window)).collect();
    let deal_size = size::deal_size(&won);
    let cycle = cycle::sales_cycle(&ctx, &facts, &won, &lost);
    let win_rate = win_rate::win_rate(&ctx, &facts, &won, &lost);
    Report {
        window: ctx.report_window(),
        currency: config.currency.clone(),
        deals: facts.len(),
        open_pipeline: open_pipeline::open_pipeline(config, &facts),
        velocity: velocity::velocity(&facts, &won, &lost),
        deal_size,
        cycle,
        win_rate,
        conversion: conversion::conversion(&ctx, &facts),
        time_in_stage: time_in_stage::time_in_stage(&ctx, &facts),
        lead_generation: lead_generation::lead_generation(&ctx, &facts),
        acquisition_cost: acquisition::acquisition_cost(&ctx, &facts),
        lifetime_value: acquisition::lifetime_value(&ctx, &facts),
        revenue_growth: growth::revenue_growth(&ctx, &facts),
        products: products::product_balance(&ctx, &facts),
        forecast: forecast::forecast(&ctx, &facts),
        coverage: forecast::coverage(&ctx, &facts, &won),
    }
}

/// What the dashboard shows beside the report: the deals by size, the
/// figures month by month, the reasons deals were lost.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    /// Open deals, and deals won or lost in the window, by value.
    pub size_groups: Vec<SizeGroup>,
    /// The months of the trend, oldest first.
    pub months: Vec<MonthTrend>,
    /// Deals lost in the window by `lost_reason`, most first.
    pub lost_reasons: Vec<LostReason>,
}

/// The [`Breakdown`] of `deals` for `window`, with `now` as the present,
/// by the rules of the module documentation.
pub fn breakdown<D: Borrow<DealRecord>>(
    config: &Config,
    deals: &[D],
    window: &Window,
    now: Timestamp,
) -> Breakdown {
    let facts = Facts::all(config, deals);
    let ctx = Context {
        config,
        window: *window,
        now,
    };
    Breakdown {
        size_groups: size_groups::size_groups(&facts, window),
        months: monthly::months(&ctx, &facts),
        lost_reasons: lost_reasons::lost_reasons(&facts, window),
    }
}

/// One deal's dates as the metrics define them (see "Decisions"): for an
/// export, so that a spreadsheet's cycle days are the report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DealDates {
    pub created: Timestamp,
    /// The latest entry into the stage it is in now.
    pub entered_stage: Timestamp,
    /// For a deal won or lost now: its latest entry into a stage of that
    /// kind (the close that gave it its status); `None` while open.
    pub closed: Option<Timestamp>,
    /// Days from `created` to `closed`, one decimal.
    pub cycle_days: Option<Decimal>,
    /// Days from `entered_stage` to `now`, one decimal (as `show`'s
    /// last stay).
    pub days_in_stage: Decimal,
}

/// The dates of `deal` with `now` as the present.
pub fn deal_dates(config: &Config, deal: &DealRecord, now: Timestamp) -> DealDates {
    let facts = Facts::new(config, deal);
    let entered_stage = facts.entries.last().map_or(deal.created, |(_, at)| *at);
    DealDates {
        created: deal.created,
        entered_stage,
        closed: facts.closed_at,
        cycle_days: facts.cycle_days().map(|d| round(d, 1)),
        days_in_stage: round(days_between(entered_stage, now), 1),
    }
}

/// What every metric needs besides the deals.
struct Context<'a> {
    config: &'a Config,
    window: Window,
    now: Timestamp,
}

impl Context<'_> {
    fn tz(&self) -> &TimeZone {
        &self.config.timezone
    }

    /// The window up to `now`: what lead generation and attainment measure.
    fn elapsed(&self) -> Window {
        let until = self.window.until.min(self.now.max(self.window.since));
        Window {
            since: self.window.since,
            until,
        }
    }

    fn report_window(&self) -> ReportWindow {
        let show = |at: Timestamp| {
            at.to_zoned_datetime(self.tz().clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        ReportWindow {
            since: show(self.window.since),
            until: show(self.window.until),
            now: show(self.now),
            days: round(self.window.days(), 1),
            elapsed_days: round(self.elapsed().days(), 1),
            bounds: self.window,
        }
    }

    /// How many of `per` the window holds, by the calendar.
    fn periods_in(&self, window: Window, per: Period) -> Decimal {
        periods_in(window, per, self.tz(), self.config.week_start).unwrap_or(Decimal::ZERO)
    }
}

/// One deal with what the metrics derive from it.
struct Facts<'a> {
    deal: &'a DealRecord,
    /// `entries`, or the present stage at `created` when there are none.
    entries: Vec<(&'a str, Timestamp)>,
    status: Option<StageKind>,
    /// For a deal won or lost now: its latest entry into a stage of that kind.
    closed_at: Option<Timestamp>,
}

impl<'a> Facts<'a> {
    /// The facts of every deal.
    fn all<D: Borrow<DealRecord>>(config: &Config, deals: &'a [D]) -> Vec<Facts<'a>> {
        deals
            .iter()
            .map(|d| Facts::new(config, d.borrow()))
            .collect()
    }

    fn new(config: &Config, deal: &'a DealRecord) -> Facts<'a> {
        let mut entries: Vec<(&str, Timestamp)> =
            deal.entries.iter().map(|(s, t)| (s.as_str(), *t)).collect();
        if entries.is_empty() {
            entries.push((deal.stage.as_str(), deal.created));
        }
        let status = kind_of(config, &deal.stage);
        let closed_at = match status {
            Some(kind @ (StageKind::Won | StageKind::Lost)) => entries
                .iter()
                .rev()
                .find(|(s, _)| kind_of(config, s) == Some(kind))
                .map(|(_, t)| *t),
            _ => None,
        };
        Facts {
            deal,
            entries,
            status,
            closed_at,
        }
    }

    fn is_open(&self) -> bool {
        self.status == Some(StageKind::Open)
    }

    fn won_at(&self) -> Option<Timestamp> {
        self.closed_at
            .filter(|_| self.status == Some(StageKind::Won))
    }

    fn won_in(&self, window: &Window) -> bool {
        self.won_at().is_some_and(|t| window.contains(t))
    }

    fn lost_in(&self, window: &Window) -> bool {
        self.status == Some(StageKind::Lost) && self.closed_at.is_some_and(|t| window.contains(t))
    }

    fn closed_value(&self) -> Option<Decimal> {
        self.deal.value_at_close.or(self.deal.value)
    }

    /// Days from `created` to the close that gave the deal its status.
    fn cycle_days(&self) -> Option<Decimal> {
        self.closed_at.map(|t| days_between(self.deal.created, t))
    }

    fn weighted_value(&self) -> Option<Decimal> {
        self.deal
            .value
            .and_then(|v| weighted(v, self.deal.probability))
    }

    /// The customer the deal belongs to.
    fn customer(&self) -> String {
        match self.deal.account.as_deref().map(str::trim) {
            Some(account) if !account.is_empty() => {
                format!("account:{}", account.to_lowercase())
            }
            _ => format!("deal:{}", self.deal.id),
        }
    }
}

fn kind_of(config: &Config, stage: &str) -> Option<StageKind> {
    config.stage(stage).map(|s| s.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

    #[test]
    fn a_reopened_deal_counts_by_its_present_status() {
        let deals = [
            // Lost, reopened, won in November.
            valued(
                deal(
                    "r1",
                    &[
                        ("lead", "2026-10-01"),
                        ("lost", "2026-10-05"),
                        ("lead", "2026-10-10"),
                        ("won", "2026-11-15"),
                    ],
                ),
                "1000",
            ),
            // Won, then lost: lost in October, 19 days after creation.
            valued(
                deal(
                    "r2",
                    &[
                        ("lead", "2026-10-01"),
                        ("won", "2026-10-03"),
                        ("lost", "2026-10-20"),
                    ],
                ),
                "2000",
            ),
        ];
        let now = at("2026-12-01");
        let october = report(&config(), &deals, &october(), now);
        assert_eq!(
            (
                october.win_rate.won,
                october.win_rate.lost,
                october.win_rate.reopened
            ),
            (0, 1, 1)
        );
        assert_eq!(october.win_rate.by_count.value, some("0"));
        assert_eq!(october.cycle.lost.mean.value, some("19"));
        // Both reached a stage past `lead` (won), whatever came after.
        assert_eq!(october.conversion[0].advanced, 2);

        let november = report(&config(), &deals, &window("2026-11-01", "2026-12-01"), now);
        assert_eq!((november.win_rate.won, november.win_rate.lost), (1, 0));
        assert_eq!(november.win_rate.by_count.value, some("100"));
        // The cycle runs to the win that counts: 45 days.
        assert_eq!(november.cycle.won.mean.value, some("45"));
        assert_eq!(november.deal_size.mean.value, some("1000"));
    }

    #[test]
    fn a_deal_created_as_won_passes_every_stage_at_once() {
        let deals = [
            valued(deal("x", &[("won", "2026-10-10")]), "5000"),
            valued(deal("open", &[("lead", "2026-10-01")]), "100"),
        ];
        let r = report(&config(), &deals, &october(), at("2026-11-01"));
        assert_eq!(r.win_rate.won, 1);
        assert_eq!(r.deal_size.mean.value, some("5000"));
        assert_eq!(r.cycle.won.mean.value, some("0"));
        for row in &r.conversion[1..] {
            assert_eq!((row.entered, row.advanced), (1, 1), "{}", row.stage);
        }
        assert_eq!((r.conversion[0].entered, r.conversion[0].advanced), (2, 1));
        // A cycle of 0 days gives no velocity rather than infinity.
        assert_eq!(r.velocity.per_day.value, None);
    }

    #[test]
    fn without_won_deals_the_won_figures_are_n_a() {
        let deals = [
            valued(
                deal("l", &[("lead", "2026-10-01"), ("lost", "2026-10-11")]),
                "4000",
            ),
            valued(deal("o", &[("lead", "2026-10-01")]), "500"),
        ];
        let r = report(&config(), &deals, &october(), at("2026-11-01"));
        assert_eq!(
            r.deal_size.mean,
            Figure {
                value: None,
                deals: 0
            }
        );
        assert_eq!(r.deal_size.median.value, None);
        assert_eq!(r.cycle.won.mean.value, None);
        assert_eq!(r.cycle.won.p75.value, None);
        // One deal lost and none won is a win rate of 0, not n/a.
        assert_eq!(r.win_rate.by_count.value, some("0"));
        assert_eq!(r.win_rate.by_value.value, some("0"));
        assert_eq!(r.velocity.per_day.value, None);
        assert_eq!(r.velocity.per_month.value, None);
        assert_eq!(
            r.acquisition_cost.cac,
            Figure {
                value: None,
                deals: 0
            }
        );
        assert_eq!(r.lifetime_value.historical.value, None);
        assert_eq!(r.lifetime_value.predicted.value, None);
        assert_eq!(r.revenue_growth[0].growth.value, None);
    }

    #[test]
    fn an_empty_window_and_no_deals_give_n_a_not_nan() {
        let none: [DealRecord; 0] = [];
        let r = report(&config(), &none, &october(), at("2026-11-01"));
        assert_eq!(r.deals, 0);
        assert_eq!(
            r.win_rate.by_count,
            Figure {
                value: None,
                deals: 0
            }
        );
        assert_eq!(r.win_rate.cohort.value, None);
        assert!(r.conversion.iter().all(|c| c.rate.value.is_none()));
        assert!(r.time_in_stage.iter().all(|t| t.mean.value.is_none()));
        assert_eq!(r.lead_generation.value.per_day.value, some("0"));
        assert!(r.revenue_growth.is_empty());
        assert!(r.forecast.is_empty());
        // Nothing due against the whole target: a coverage of 0, not n/a.
        assert_eq!(r.coverage.remaining, some("50000"));
        assert_eq!(r.coverage.ratio.value, some("0"));

        let deals = october_deals();
        let instant = window("2026-10-15", "2026-10-15");
        let r = report(&config(), &deals, &instant, at("2026-11-01"));
        assert_eq!(r.window.days, dec("0"));
        assert_eq!((r.win_rate.won, r.win_rate.lost), (0, 0));
        assert_eq!(r.lead_generation.value.per_day.value, None);
        assert_eq!(r.lead_generation.projection[0].value.value, None);
        let target = r.lead_generation.value.target.expect("value target");
        assert_eq!(target.for_window, dec("0"));
        assert_eq!(target.attainment.value, None);
        assert_eq!(r.coverage.ratio.value, None);
        assert!(r.revenue_growth.is_empty());
    }

    #[test]
    fn negative_durations_are_clamped_at_zero() {
        // A `created` date after the win, stages entered against the clock,
        // and a deal created after "now".
        let mut late = deal("late", &[("lead", "2026-10-01"), ("won", "2026-10-10")]);
        late.created = at("2026-10-20");
        let backwards = deal(
            "backwards",
            &[("lead", "2026-10-15"), ("proposal", "2026-10-05")],
        );
        let future = deal("future", &[("lead", "2026-12-01")]);
        let deals = [late, backwards, future];
        let r = report(&config(), &deals, &october(), at("2026-11-01"));
        assert_eq!(r.cycle.won.mean.value, some("0"));
        // Lead stays: 9 days (late) and 0, not -10 (backwards).
        assert_eq!(r.time_in_stage[0].mean.value, some("4.5"));
        assert_eq!(r.time_in_stage[0].stays, 2);
        // Open ages: 17 days (backwards) and 0, not -30 (future).
        assert_eq!(r.cycle.open_age.mean.value, some("8.5"));
        assert_eq!(r.cycle.open_age.mean.deals, 2);
    }

    #[test]
    fn the_report_serialises_money_as_strings_and_n_a_as_null() {
        let mut config = config();
        config.timezone = TimeZone::get("Europe/Warsaw").expect("tz");
        let r = report(&config, &october_deals(), &october(), at("2026-11-01"));
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["window"]["since"], "2026-10-01T02:00:00+02:00");
        assert_eq!(json["win_rate"]["by_count"]["value"], "75");
        assert_eq!(json["win_rate"]["by_count"]["deals"], 4);
        assert_eq!(
            json["time_in_stage"][1]["mean"]["value"],
            serde_json::Value::Null
        );
        assert_eq!(json["open_pipeline"]["total"]["value"], "500");
    }
}
