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
//!   without one fall in `(none)`, listed last. **Coverage** takes open
//!   deals whose `expected_close` falls in the window (overdue deals do not).
//! - **Windows.** `--since DATE` starts at midnight of that day and
//!   `--until DATE` is inclusive (the window ends at midnight after it);
//!   `--last N` is the N days ending today, today included; `--period P` is
//!   the calendar period holding `--since` or else today; with no option the
//!   window is the last 90 days.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, ToSpan};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::model::config::{Config, Period, StageKind};
use crate::model::dates::Calendar;

/// The group of deals that have no value for a `--by` key, and the forecast
/// month of deals without an expected close.
pub const NONE_GROUP: &str = "(none)";

/// The window when none is asked for: the last 90 days.
pub const DEFAULT_LAST_DAYS: u32 = 90;

/// The horizons of the lead-generation projection, in 30-day months.
pub const PROJECTION_MONTHS: [u32; 3] = [1, 3, 6];

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
            fields: toml::Table::new(),
        }
    }
}

/// A half-open span of time `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: Timestamp,
    pub until: Timestamp,
}

impl Window {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.since <= at && at < self.until
    }

    /// The window's length in days (0 when it is empty).
    pub fn days(&self) -> Decimal {
        days_between(self.since, self.until)
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

/// Open deals now, per open stage in funnel order, whatever the window.
#[derive(Debug, Clone, Serialize)]
pub struct OpenPipeline {
    pub stages: Vec<StageLoad>,
    pub total: StageLoad,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageLoad {
    pub stage: String,
    pub deals: usize,
    pub value: Decimal,
    /// Value x probability / 100.
    pub weighted_value: Decimal,
    /// Deals left out of `value` because they have none.
    pub without_value: usize,
}

/// Mean and median value of the deals won in the window.
#[derive(Debug, Clone, Serialize)]
pub struct DealSize {
    pub mean: Figure,
    pub median: Figure,
}

/// Days: mean, median and 75th percentile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub mean: Figure,
    pub median: Figure,
    pub p75: Figure,
}

/// Sales cycle length in days.
#[derive(Debug, Clone, Serialize)]
pub struct SalesCycle {
    /// `closed - created` over deals won in the window.
    pub won: Spread,
    /// `closed - created` over deals lost in the window.
    pub lost: Spread,
    /// `now - created` over deals open now.
    pub open_age: Spread,
}

/// Win rates in percent.
#[derive(Debug, Clone, Serialize)]
pub struct WinRate {
    /// Deals won in the window.
    pub won: usize,
    /// Deals lost in the window.
    pub lost: usize,
    /// won / (won + lost).
    pub by_count: Figure,
    pub won_value: Decimal,
    pub lost_value: Decimal,
    /// won value / (won + lost value), over the closed deals with a value.
    pub by_value: Figure,
    /// Deals created in the window.
    pub created: usize,
    /// Of those, the deals won now.
    pub created_won: usize,
    /// created_won / created.
    pub cohort: Figure,
    /// Deals that closed in the window but have another status now
    /// (reopened, or closed the other way later); counted in neither rate.
    pub reopened: usize,
}

/// Stage conversion for one open stage: of the deals that entered it in the
/// window, how many went past it, were lost before, or are still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageConversion {
    pub stage: String,
    pub entered: usize,
    pub advanced: usize,
    pub lost: usize,
    pub open: usize,
    /// advanced / entered, in percent.
    pub rate: Figure,
    /// advanced / (advanced + lost), in percent: the rate among decided deals.
    pub decided_rate: Figure,
}

/// Days in one open stage over the stays that began in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageTime {
    pub stage: String,
    pub stays: usize,
    /// Of those, the stays still going on (measured to now).
    pub current: usize,
    pub mean: Figure,
    pub median: Figure,
}

/// Sales velocity: value the pipeline turns into wins per day and month.
#[derive(Debug, Clone, Serialize)]
pub struct Velocity {
    pub open_deals: usize,
    pub average_deal_size: Figure,
    pub win_rate: Figure,
    pub cycle_days: Figure,
    pub per_day: Figure,
    /// Per 30-day month.
    pub per_month: Figure,
}

/// New deals and value created in the elapsed window, against targets.
#[derive(Debug, Clone, Serialize)]
pub struct LeadGeneration {
    /// The elapsed window's length, the pace's denominator.
    pub days: Decimal,
    pub deals: Pace,
    pub value: Pace,
    /// At the current daily pace, what 1, 3 and 6 months bring.
    pub projection: Vec<Projection>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pace {
    /// Created in the window (deals, or value in the pipeline's currency).
    pub total: Decimal,
    pub per_day: Figure,
    pub per_week: Figure,
    /// Per 30-day month.
    pub per_month: Figure,
    /// `None` when `[targets]` sets none.
    pub target: Option<PaceTarget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaceTarget {
    pub per_day: Decimal,
    pub per_week: Decimal,
    pub per_month: Decimal,
    /// The target for the elapsed window, scaled by the calendar.
    pub for_window: Decimal,
    /// total / for_window, in percent.
    pub attainment: Figure,
}

#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub months: u32,
    pub days: u32,
    pub deals: Figure,
    pub value: Figure,
}

/// Spend in the window's months / new customers.
#[derive(Debug, Clone, Serialize)]
pub struct AcquisitionCost {
    /// `YYYY-MM` of every month that overlaps the window and has spend.
    pub months: Vec<String>,
    /// Months overlapping the window (since the first deal, up to now) that
    /// `[spend]` does not name.
    pub months_without_spend: Vec<String>,
    /// `None` when `[spend]` names none of the window's months.
    pub spend: Option<Decimal>,
    pub new_customers: usize,
    /// `deals` is the number of new customers.
    pub cac: Figure,
}

/// Customer lifetime value over the won deals closed before the window's end.
#[derive(Debug, Clone, Serialize)]
pub struct LifetimeValue {
    pub accounts: usize,
    /// Mean total won value per account.
    pub historical: Figure,
    /// Mean won deal value.
    pub average_deal_size: Figure,
    /// Mean over accounts of wins per year of lifespan.
    pub purchases_per_year: Figure,
    /// Mean over accounts of first to last win, at least 1 year.
    pub lifespan_years: Figure,
    /// average_deal_size x purchases_per_year x lifespan_years.
    pub predicted: Figure,
}

/// Won value in one calendar month against the month before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    pub month: String,
    pub deals: usize,
    pub won_value: Decimal,
    pub previous_value: Decimal,
    /// In percent; n/a when the month before is zero.
    pub growth: Figure,
}

/// One product's results in the window against its targets.
#[derive(Debug, Clone, Serialize)]
pub struct ProductBalance {
    pub product: String,
    pub created: usize,
    pub won: usize,
    pub lost: usize,
    pub win_rate: Figure,
    pub won_value: Decimal,
    /// The product's share of the deals created in the window, in percent.
    pub share: Figure,
    /// `targets.products.P.new_deals`, scaled to the elapsed window.
    pub target_new_deals: Option<Decimal>,
    pub new_deals_attainment: Figure,
    /// `targets.products.P.won`, scaled to the elapsed window.
    pub target_won: Option<Decimal>,
    pub won_attainment: Figure,
}

/// Open deals expected to close in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastMonth {
    /// `YYYY-MM`, or `(none)`.
    pub month: String,
    pub deals: usize,
    pub value: Decimal,
    pub weighted_value: Decimal,
}

/// Open weighted value due in the window / what is left of the won target.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub due_deals: usize,
    pub due_weighted_value: Decimal,
    /// `targets.won_value` scaled to the whole window.
    pub target: Option<Decimal>,
    pub won_value: Decimal,
    /// target - won_value.
    pub remaining: Option<Decimal>,
    /// due_weighted_value / remaining; n/a without a target or when the
    /// target is already met.
    pub ratio: Figure,
}

/// Computes every metric of SPEC section 5 over `deals` for `window`, with
/// `now` as the present. See the module documentation for the rules.
pub fn report<D: Borrow<DealRecord>>(
    config: &Config,
    deals: &[D],
    window: &Window,
    now: Timestamp,
) -> Report {
    let facts: Vec<Facts<'_>> = deals
        .iter()
        .map(|d| Facts::new(config, d.borrow()))
        .collect();
    let ctx = Context {
        config,
        window: *window,
        now,
    };
    let won: Vec<&Facts<'_>> = facts.iter().filter(|f| f.won_in(window)).collect();
    let lost: Vec<&Facts<'_>> = facts.iter().filter(|f| f.lost_in(window)).collect();
    let deal_size = deal_size(&won);
    let cycle = sales_cycle(&ctx, &facts, &won, &lost);
    let win_rate = win_rate(&ctx, &facts, &won, &lost);
    Report {
        window: ctx.report_window(),
        currency: config.currency.clone(),
        deals: facts.len(),
        open_pipeline: open_pipeline(config, &facts),
        velocity: velocity(&facts, &won, &lost),
        deal_size,
        cycle,
        win_rate,
        conversion: conversion(&ctx, &facts),
        time_in_stage: time_in_stage(&ctx, &facts),
        lead_generation: lead_generation(&ctx, &facts),
        acquisition_cost: acquisition_cost(&ctx, &facts),
        lifetime_value: lifetime_value(&ctx, &facts),
        revenue_growth: revenue_growth(&ctx, &facts),
        products: product_balance(&ctx, &facts),
        forecast: forecast(&facts),
        coverage: coverage(&ctx, &facts, &won),
    }
}

/// Splits deals by `key` for `--by`: `owner`, `product`, `source`,
/// `account`, `stage`, or any field of the deal file (dotted keys look into
/// tables). A deal without a value for the key, or with an empty one, goes to
/// `(none)`; a list puts the deal in the group of each element (so groups
/// may overlap when splitting by a list such as `tags`).
pub fn split_by<'a>(deals: &'a [DealRecord], key: &str) -> BTreeMap<String, Vec<&'a DealRecord>> {
    let mut groups: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in deals {
        let names = group_names(deal, key);
        if names.is_empty() {
            groups.entry(NONE_GROUP.to_string()).or_default().push(deal);
        }
        for name in names {
            groups.entry(name).or_default().push(deal);
        }
    }
    groups
}

fn group_names(deal: &DealRecord, key: &str) -> Vec<String> {
    let known = match key {
        "owner" => Some(&deal.owner),
        "product" => Some(&deal.product),
        "source" => Some(&deal.source),
        "account" => Some(&deal.account),
        _ => None,
    };
    let names = if let Some(known) = known {
        known.iter().cloned().collect()
    } else if key == "stage" {
        vec![deal.stage.clone()]
    } else {
        let mut parts = key.split('.');
        let mut current = parts.next().and_then(|first| deal.fields.get(first));
        for part in parts {
            current = current.and_then(|v| v.as_table()).and_then(|t| t.get(part));
        }
        match current {
            Some(toml::Value::Array(items)) => items.iter().filter_map(scalar_name).collect(),
            Some(value) => scalar_name(value).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let mut names: Vec<String> = names
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn scalar_name(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

/// The window for `--since`, `--until`, `--period` and `--last N` (days),
/// cut in the calendar's time zone. `--since` starts at midnight of its day;
/// `--until` is inclusive (the window ends at the following midnight);
/// `--last N` is the N days ending today, today included; `--period` is the
/// calendar period (weeks start on `week_start`) that holds `--since`, or
/// today; without any option, the last [`DEFAULT_LAST_DAYS`] days.
/// `--since` alone runs to the end of today; `--until` alone starts at
/// 1970-01-01.
pub fn window_for(
    calendar: &Calendar,
    since: Option<Date>,
    until: Option<Date>,
    period: Option<Period>,
    last_days: Option<u32>,
) -> Result<Window, String> {
    let end_of = |date: Date| {
        date.tomorrow()
            .map_err(|_| format!("{date} is out of range"))
            .and_then(|next| Ok(calendar.midnight(next)?))
    };
    let last = |days: u32| -> Result<Window, String> {
        if days == 0 {
            return Err("--last needs at least one day, such as 90d".to_string());
        }
        let first = calendar
            .today
            .checked_sub(
                Span::new()
                    .try_days(i64::from(days - 1))
                    .map_err(|_| format!("--last {days}d reaches out of range"))?,
            )
            .map_err(|_| format!("--last {days}d reaches out of range"))?;
        Ok(Window {
            since: calendar.midnight(first)?,
            until: end_of(calendar.today)?,
        })
    };
    if let Some(days) = last_days {
        if since.is_some() || until.is_some() || period.is_some() {
            return Err("--last cannot be combined with --since, --until or --period".to_string());
        }
        return last(days);
    }
    if let Some(period) = period {
        if until.is_some() {
            return Err(
                "--period cannot be combined with --until: use --since to pick the period"
                    .to_string(),
            );
        }
        let anchor = since.unwrap_or(calendar.today);
        let start = period_start(anchor, period, calendar.week_start)
            .ok_or_else(|| format!("{anchor} is out of range"))?;
        let next = period_next(start, period).ok_or_else(|| format!("{anchor} is out of range"))?;
        return Ok(Window {
            since: calendar.midnight(start)?,
            until: calendar.midnight(next)?,
        });
    }
    if since.is_none() && until.is_none() {
        return last(DEFAULT_LAST_DAYS);
    }
    let first = since.unwrap_or(jiff::civil::date(1970, 1, 1));
    let last_day = until.unwrap_or(calendar.today);
    if first > last_day {
        return Err(match until {
            Some(_) => format!("--since {first} is after --until {last_day}: the window is empty"),
            None => format!(
                "--since {first} is after today ({last_day}): give --until too, or --period"
            ),
        });
    }
    Ok(Window {
        since: calendar.midnight(first)?,
        until: end_of(last_day)?,
    })
}

/// Reads the argument of `--last`: `90d`, `12w` or a bare number of days.
pub fn parse_last(text: &str) -> Result<u32, String> {
    let text = text.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = text.strip_suffix('d') {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('w') {
        (n, 7)
    } else {
        (text.as_str(), 1)
    };
    number
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|n| (1..=3_660_000).contains(n))
        .ok_or_else(|| {
            format!(
                "cannot read `{text}` as a span: use a number of days or weeks such as 90d or 12w"
            )
        })
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
            .map(|v| v.saturating_mul(self.deal.probability / Decimal::ONE_HUNDRED))
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

fn open_pipeline(config: &Config, facts: &[Facts<'_>]) -> OpenPipeline {
    let mut total = StageLoad {
        stage: "total".to_string(),
        deals: 0,
        value: Decimal::ZERO,
        weighted_value: Decimal::ZERO,
        without_value: 0,
    };
    let mut stages = Vec::new();
    for stage in config.stages.iter().filter(|s| s.kind == StageKind::Open) {
        let mut load = StageLoad {
            stage: stage.id.clone(),
            deals: 0,
            value: Decimal::ZERO,
            weighted_value: Decimal::ZERO,
            without_value: 0,
        };
        for fact in facts.iter().filter(|f| f.deal.stage == stage.id) {
            load.deals += 1;
            match (fact.deal.value, fact.weighted_value()) {
                (Some(value), Some(weighted)) => {
                    load.value = load.value.saturating_add(value);
                    load.weighted_value = load.weighted_value.saturating_add(weighted);
                }
                _ => load.without_value += 1,
            }
        }
        total.deals += load.deals;
        total.value = total.value.saturating_add(load.value);
        total.weighted_value = total.weighted_value.saturating_add(load.weighted_value);
        total.without_value += load.without_value;
        load.value = round(load.value, 2);
        load.weighted_value = round(load.weighted_value, 2);
        stages.push(load);
    }
    total.value = round(total.value, 2);
    total.weighted_value = round(total.weighted_value, 2);
    OpenPipeline { stages, total }
}

/// Mean and median value of the deals won in the window.
fn deal_size(won: &[&Facts<'_>]) -> DealSize {
    let values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    DealSize {
        mean: Figure::money(mean(&values), values.len()),
        median: Figure::money(percentile(&values, Decimal::new(5, 1)), values.len()),
    }
}

fn sales_cycle(
    ctx: &Context<'_>,
    facts: &[Facts<'_>],
    won: &[&Facts<'_>],
    lost: &[&Facts<'_>],
) -> SalesCycle {
    let cycles = |deals: &[&Facts<'_>]| -> Vec<Decimal> {
        deals.iter().filter_map(|f| f.cycle_days()).collect()
    };
    let ages: Vec<Decimal> = facts
        .iter()
        .filter(|f| f.is_open())
        .map(|f| days_between(f.deal.created, ctx.now))
        .collect();
    SalesCycle {
        won: spread(&cycles(won)),
        lost: spread(&cycles(lost)),
        open_age: spread(&ages),
    }
}

fn win_rate(
    ctx: &Context<'_>,
    facts: &[Facts<'_>],
    won: &[&Facts<'_>],
    lost: &[&Facts<'_>],
) -> WinRate {
    let window = &ctx.window;
    let closed = won.len() + lost.len();
    let by_count = ratio(Decimal::from(won.len()), Decimal::from(closed)).map(percent);
    let won_values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    let lost_values: Vec<Decimal> = lost.iter().filter_map(|f| f.closed_value()).collect();
    let won_value = total(won_values.iter().copied());
    let lost_value = total(lost_values.iter().copied());
    let by_value = ratio(won_value, won_value.saturating_add(lost_value)).map(percent);
    let cohort: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| window.contains(f.deal.created))
        .collect();
    let cohort_won = cohort
        .iter()
        .filter(|f| f.status == Some(StageKind::Won))
        .count();
    let reopened = facts
        .iter()
        .filter(|f| !f.won_in(window) && !f.lost_in(window))
        .filter(|f| {
            f.entries.iter().any(|(s, t)| {
                window.contains(*t)
                    && matches!(
                        kind_of(ctx.config, s),
                        Some(StageKind::Won | StageKind::Lost)
                    )
            })
        })
        .count();
    WinRate {
        won: won.len(),
        lost: lost.len(),
        by_count: Figure::percent(by_count, closed),
        won_value: round(won_value, 2),
        lost_value: round(lost_value, 2),
        by_value: Figure::percent(by_value, won_values.len() + lost_values.len()),
        created: cohort.len(),
        created_won: cohort_won,
        cohort: Figure::percent(
            ratio(Decimal::from(cohort_won), Decimal::from(cohort.len())).map(percent),
            cohort.len(),
        ),
        reopened,
    }
}

fn conversion(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<StageConversion> {
    let config = ctx.config;
    let mut rows = Vec::new();
    for (index, stage) in config.stages.iter().enumerate() {
        if stage.kind != StageKind::Open {
            continue;
        }
        // Beyond S: an open stage declared after it, or any won stage.
        let beyond = |id: &str| match config.stage_index(id) {
            Some(i) => match config.stages[i].kind {
                StageKind::Won => true,
                StageKind::Open => i > index,
                StageKind::Lost => false,
            },
            None => false,
        };
        let mut row = StageConversion {
            stage: stage.id.clone(),
            entered: 0,
            advanced: 0,
            lost: 0,
            open: 0,
            rate: Figure::percent(None, 0),
            decided_rate: Figure::percent(None, 0),
        };
        // Deals in an undeclared stage have no status to bucket them by.
        for fact in facts.iter().filter(|f| f.status.is_some()) {
            let entry = fact
                .entries
                .iter()
                .find(|(s, _)| *s == stage.id || beyond(s));
            let Some((_, at)) = entry else { continue };
            if !ctx.window.contains(*at) {
                continue;
            }
            row.entered += 1;
            if fact.entries.iter().any(|(s, _)| beyond(s)) || fact.status == Some(StageKind::Won) {
                row.advanced += 1;
            } else if fact.status == Some(StageKind::Lost) {
                row.lost += 1;
            } else {
                row.open += 1;
            }
        }
        row.rate = Figure::percent(
            ratio(Decimal::from(row.advanced), Decimal::from(row.entered)).map(percent),
            row.entered,
        );
        let decided = row.advanced + row.lost;
        row.decided_rate = Figure::percent(
            ratio(Decimal::from(row.advanced), Decimal::from(decided)).map(percent),
            decided,
        );
        rows.push(row);
    }
    rows
}

fn time_in_stage(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<StageTime> {
    let mut stays: BTreeMap<&str, (Vec<Decimal>, usize)> = BTreeMap::new();
    for fact in facts {
        for (i, (stage, entered)) in fact.entries.iter().enumerate() {
            if !ctx.window.contains(*entered) {
                continue;
            }
            let (left, current) = match fact.entries.get(i + 1) {
                Some((_, next)) => (*next, false),
                None => (ctx.now, true),
            };
            let slot = stays.entry(stage).or_default();
            slot.0.push(days_between(*entered, left));
            slot.1 += usize::from(current);
        }
    }
    ctx.config
        .stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|stage| {
            let (days, current) = stays.remove(stage.id.as_str()).unwrap_or_default();
            StageTime {
                stage: stage.id.clone(),
                stays: days.len(),
                current,
                mean: Figure::days(mean(&days), days.len()),
                median: Figure::days(percentile(&days, Decimal::new(5, 1)), days.len()),
            }
        })
        .collect()
}

fn velocity(facts: &[Facts<'_>], won: &[&Facts<'_>], lost: &[&Facts<'_>]) -> Velocity {
    let open = facts.iter().filter(|f| f.is_open()).count();
    let values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    let size = mean(&values);
    let closed = won.len() + lost.len();
    let rate = ratio(Decimal::from(won.len()), Decimal::from(closed));
    let cycles: Vec<Decimal> = won.iter().filter_map(|f| f.cycle_days()).collect();
    let cycle = mean(&cycles);
    let per_day = match (size, rate, cycle) {
        (Some(size), Some(rate), Some(cycle)) => Decimal::from(open)
            .checked_mul(size)
            .and_then(|v| v.checked_mul(rate))
            .and_then(|v| v.checked_div(cycle)),
        _ => None,
    };
    let per_month = per_day.and_then(|v| v.checked_mul(Decimal::from(DAYS_PER_MONTH)));
    Velocity {
        open_deals: open,
        average_deal_size: Figure::money(size, values.len()),
        win_rate: Figure::percent(rate.map(percent), closed),
        cycle_days: Figure::days(cycle, cycles.len()),
        per_day: Figure::money(per_day, closed),
        per_month: Figure::money(per_month, closed),
    }
}

fn lead_generation(ctx: &Context<'_>, facts: &[Facts<'_>]) -> LeadGeneration {
    let elapsed = ctx.elapsed();
    let days = elapsed.days();
    let created: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| ctx.window.contains(f.deal.created))
        .collect();
    let values: Vec<Decimal> = created.iter().filter_map(|f| f.deal.value).collect();
    let deal_count = Decimal::from(created.len());
    let value_total = total(values.iter().copied());
    let deals_per_day = ratio(deal_count, days);
    let value_per_day = ratio(value_total, days);
    let targets = &ctx.config.targets;
    let deals_target = targets
        .new_deals
        .as_ref()
        .map(|t| (Decimal::from(t.count), t.per));
    let value_target = targets.new_value.as_ref().map(|t| (t.amount, t.per));
    let pace = |total: Decimal,
                per_day: Option<Decimal>,
                n: usize,
                places: u32,
                target: Option<(Decimal, Period)>| {
        let scaled = |per: i64| per_day.and_then(|v| v.checked_mul(Decimal::from(per)));
        Pace {
            total: round(total, places),
            per_day: Figure::rounded(per_day, places, n),
            per_week: Figure::rounded(scaled(7), places, n),
            per_month: Figure::rounded(scaled(DAYS_PER_MONTH), places, n),
            target: target.map(|(amount, per)| {
                let daily = amount / Decimal::from(per.nominal_days());
                let for_window = amount.saturating_mul(ctx.periods_in(elapsed, per));
                PaceTarget {
                    per_day: round(daily, places),
                    per_week: round(daily.saturating_mul(Decimal::from(7)), places),
                    per_month: round(daily.saturating_mul(Decimal::from(DAYS_PER_MONTH)), places),
                    for_window: round(for_window, places),
                    attainment: Figure::percent(ratio(total, for_window).map(percent), n),
                }
            }),
        }
    };
    let projection = PROJECTION_MONTHS
        .iter()
        .map(|&months| {
            let days = i64::from(months) * DAYS_PER_MONTH;
            let ahead =
                |per_day: Option<Decimal>| per_day.and_then(|v| v.checked_mul(Decimal::from(days)));
            Projection {
                months,
                days: months * DAYS_PER_MONTH as u32,
                deals: Figure::ratio(ahead(deals_per_day), created.len()),
                value: Figure::money(ahead(value_per_day), values.len()),
            }
        })
        .collect();
    LeadGeneration {
        days: round(days, 1),
        deals: pace(deal_count, deals_per_day, created.len(), 2, deals_target),
        value: pace(value_total, value_per_day, values.len(), 2, value_target),
        projection,
    }
}

fn acquisition_cost(ctx: &Context<'_>, facts: &[Facts<'_>]) -> AcquisitionCost {
    let tz = ctx.tz();
    let window = ctx.window;
    let mut spend_months = Vec::new();
    let mut spend: Option<Decimal> = None;
    for (key, amount) in &ctx.config.spend {
        let Some(month) = Month::parse(key) else {
            continue;
        };
        if month.overlaps(window, tz) {
            spend_months.push(month.key());
            spend = Some(spend.unwrap_or(Decimal::ZERO).saturating_add(*amount));
        }
    }
    let spent: BTreeSet<&str> = spend_months.iter().map(String::as_str).collect();
    let months_without_spend = data_months(ctx, facts)
        .into_iter()
        .map(|m| m.key())
        .filter(|k| !spent.contains(k.as_str()))
        .collect();
    let mut first_win: BTreeMap<String, Timestamp> = BTreeMap::new();
    for fact in facts {
        if let Some(at) = fact.won_at() {
            let first = first_win.entry(fact.customer()).or_insert(at);
            *first = (*first).min(at);
        }
    }
    let new_customers = first_win.values().filter(|t| window.contains(**t)).count();
    let cac = spend.and_then(|s| ratio(s, Decimal::from(new_customers)));
    AcquisitionCost {
        months: spend_months,
        months_without_spend,
        spend: spend.map(|s| round(s, 2)),
        new_customers,
        cac: Figure::money(cac, new_customers),
    }
}

fn lifetime_value(ctx: &Context<'_>, facts: &[Facts<'_>]) -> LifetimeValue {
    struct Account {
        value: Decimal,
        valued: bool,
        wins: usize,
        first: Timestamp,
        last: Timestamp,
    }
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut values = Vec::new();
    for fact in facts {
        let Some(at) = fact.won_at().filter(|t| *t < ctx.window.until) else {
            continue;
        };
        let account = accounts.entry(fact.customer()).or_insert(Account {
            value: Decimal::ZERO,
            valued: false,
            wins: 0,
            first: at,
            last: at,
        });
        account.wins += 1;
        account.first = account.first.min(at);
        account.last = account.last.max(at);
        if let Some(value) = fact.closed_value() {
            account.value = account.value.saturating_add(value);
            account.valued = true;
            values.push(value);
        }
    }
    let totals: Vec<Decimal> = accounts
        .values()
        .filter(|a| a.valued)
        .map(|a| a.value)
        .collect();
    let year = Decimal::new(36525, 2);
    let lifespans: Vec<Decimal> = accounts
        .values()
        .map(|a| (days_between(a.first, a.last) / year).max(Decimal::ONE))
        .collect();
    let rates: Vec<Decimal> = accounts
        .values()
        .zip(&lifespans)
        .map(|(a, years)| Decimal::from(a.wins) / *years)
        .collect();
    let size = mean(&values);
    let purchases = mean(&rates);
    let lifespan = mean(&lifespans);
    let predicted = match (size, purchases, lifespan) {
        (Some(s), Some(p), Some(l)) => s.checked_mul(p).and_then(|v| v.checked_mul(l)),
        _ => None,
    };
    LifetimeValue {
        accounts: accounts.len(),
        historical: Figure::money(mean(&totals), totals.len()),
        average_deal_size: Figure::money(size, values.len()),
        purchases_per_year: Figure::ratio(purchases, accounts.len()),
        lifespan_years: Figure::ratio(lifespan, accounts.len()),
        predicted: Figure::money(predicted, values.len()),
    }
}

fn revenue_growth(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<MonthRevenue> {
    let tz = ctx.tz();
    let mut won: BTreeMap<Month, (usize, Decimal)> = BTreeMap::new();
    for fact in facts {
        if let Some(at) = fact.won_at() {
            let slot = won.entry(Month::of(at, tz)).or_default();
            slot.0 += 1;
            if let Some(value) = fact.closed_value() {
                slot.1 = slot.1.saturating_add(value);
            }
        }
    }
    data_months(ctx, facts)
        .into_iter()
        .map(|month| {
            let (deals, value) = won.get(&month).copied().unwrap_or_default();
            let previous = won
                .get(&month.previous())
                .map(|(_, v)| *v)
                .unwrap_or_default();
            let growth = value
                .checked_sub(previous)
                .and_then(|change| ratio(change, previous))
                .map(percent);
            MonthRevenue {
                month: month.key(),
                deals,
                won_value: round(value, 2),
                previous_value: round(previous, 2),
                growth: Figure::percent(growth, deals),
            }
        })
        .collect()
}

/// The calendar months that overlap the window, from the month of the
/// earliest deal creation to the month of `now`.
fn data_months(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<Month> {
    let tz = ctx.tz();
    let Some(earliest) = facts.iter().map(|f| f.deal.created).min() else {
        return Vec::new();
    };
    let Some(last_instant) = last_instant(ctx.window) else {
        return Vec::new();
    };
    let first = Month::of(ctx.window.since, tz).max(Month::of(earliest, tz));
    let last = Month::of(last_instant, tz).min(Month::of(ctx.now, tz));
    let mut months = Vec::new();
    let mut month = first;
    while month <= last {
        months.push(month);
        month = month.next();
    }
    months
}

fn product_balance(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<ProductBalance> {
    let window = &ctx.window;
    let elapsed = ctx.elapsed();
    let name = |f: &Facts<'_>| {
        f.deal
            .product
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(NONE_GROUP)
            .to_string()
    };
    let mut names: BTreeSet<String> = facts.iter().map(name).collect();
    names.extend(ctx.config.targets.products.keys().cloned());
    let created_total = facts
        .iter()
        .filter(|f| window.contains(f.deal.created))
        .count();
    names
        .into_iter()
        .map(|product| {
            let deals: Vec<&Facts<'_>> = facts.iter().filter(|f| name(f) == product).collect();
            let created = deals
                .iter()
                .filter(|f| window.contains(f.deal.created))
                .count();
            let won: Vec<&&Facts<'_>> = deals.iter().filter(|f| f.won_in(window)).collect();
            let lost = deals.iter().filter(|f| f.lost_in(window)).count();
            let won_value = total(won.iter().filter_map(|f| f.closed_value()));
            let target = ctx.config.targets.products.get(&product);
            let scale = |count: Option<u32>, per: Period| {
                count.map(|c| round(Decimal::from(c) * ctx.periods_in(elapsed, per), 2))
            };
            let target_new_deals = target.and_then(|t| scale(t.new_deals, t.per));
            let target_won = target.and_then(|t| scale(t.won, t.per));
            let attainment = |actual: usize, target: Option<Decimal>| {
                Figure::percent(
                    target.and_then(|t| ratio(Decimal::from(actual), t).map(percent)),
                    actual,
                )
            };
            let closed = won.len() + lost;
            ProductBalance {
                created,
                won: won.len(),
                lost,
                win_rate: Figure::percent(
                    ratio(Decimal::from(won.len()), Decimal::from(closed)).map(percent),
                    closed,
                ),
                won_value: round(won_value, 2),
                share: Figure::percent(
                    ratio(Decimal::from(created), Decimal::from(created_total)).map(percent),
                    created,
                ),
                new_deals_attainment: attainment(created, target_new_deals),
                won_attainment: attainment(won.len(), target_won),
                target_new_deals,
                target_won,
                product,
            }
        })
        .collect()
}

fn forecast(facts: &[Facts<'_>]) -> Vec<ForecastMonth> {
    let mut months: BTreeMap<Option<String>, ForecastMonth> = BTreeMap::new();
    for fact in facts.iter().filter(|f| f.is_open()) {
        let month = fact
            .deal
            .expected_close
            .map(|d| format!("{:04}-{:02}", d.year(), d.month()));
        let row = months
            .entry(month.clone())
            .or_insert_with(|| ForecastMonth {
                month: month.unwrap_or_else(|| NONE_GROUP.to_string()),
                deals: 0,
                value: Decimal::ZERO,
                weighted_value: Decimal::ZERO,
            });
        row.deals += 1;
        row.value = row
            .value
            .saturating_add(fact.deal.value.unwrap_or_default());
        row.weighted_value = row
            .weighted_value
            .saturating_add(fact.weighted_value().unwrap_or_default());
    }
    // `None` sorts first in the map; the deals without a date go last.
    let mut rows: Vec<ForecastMonth> = months.into_values().collect();
    if rows.first().is_some_and(|r| r.month == NONE_GROUP) {
        rows.rotate_left(1);
    }
    for row in &mut rows {
        row.value = round(row.value, 2);
        row.weighted_value = round(row.weighted_value, 2);
    }
    rows
}

fn coverage(ctx: &Context<'_>, facts: &[Facts<'_>], won: &[&Facts<'_>]) -> Coverage {
    let tz = ctx.tz();
    let due: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| f.is_open())
        .filter(|f| {
            f.deal
                .expected_close
                .and_then(|d| midnight(d, tz))
                .is_some_and(|t| ctx.window.contains(t))
        })
        .collect();
    let due_weighted = total(due.iter().filter_map(|f| f.weighted_value()));
    let won_value = total(won.iter().filter_map(|f| f.closed_value()));
    let target = ctx
        .config
        .targets
        .won_value
        .as_ref()
        .map(|t| t.amount.saturating_mul(ctx.periods_in(ctx.window, t.per)));
    let remaining = target.map(|t| t.saturating_sub(won_value));
    let ratio = remaining
        .filter(|r| *r > Decimal::ZERO)
        .and_then(|r| ratio(due_weighted, r));
    Coverage {
        due_deals: due.len(),
        due_weighted_value: round(due_weighted, 2),
        target: target.map(|t| round(t, 2)),
        won_value: round(won_value, 2),
        remaining: remaining.map(|r| round(r, 2)),
        ratio: Figure::ratio(ratio, due.len()),
    }
}

/// A calendar month, as months since year 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Month(i32);

impl Month {
    fn of(at: Timestamp, tz: &TimeZone) -> Month {
        let date = at.to_zoned_datetime(tz.clone()).date();
        Month(i32::from(date.year()) * 12 + i32::from(date.month()) - 1)
    }

    /// `YYYY-MM`, as the keys of `[spend]`.
    fn parse(key: &str) -> Option<Month> {
        let (year, month) = key.trim().split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let month: i32 = month.parse().ok()?;
        ((1..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month(year * 12 + month - 1))
    }

    fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    fn month(self) -> i32 {
        self.0.rem_euclid(12) + 1
    }

    fn key(self) -> String {
        format!("{:04}-{:02}", self.year(), self.month())
    }

    fn next(self) -> Month {
        Month(self.0 + 1)
    }

    fn previous(self) -> Month {
        Month(self.0 - 1)
    }

    fn start(self, tz: &TimeZone) -> Option<Timestamp> {
        let year = i16::try_from(self.year()).ok()?;
        let month = i8::try_from(self.month()).ok()?;
        midnight(Date::new(year, month, 1).ok()?, tz)
    }

    fn overlaps(self, window: Window, tz: &TimeZone) -> bool {
        match (self.start(tz), self.next().start(tz)) {
            (Some(start), Some(end)) => start < window.until && window.since < end,
            _ => false,
        }
    }
}

/// Midnight at the start of `date` in `tz`.
fn midnight(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    date.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The last instant inside a non-empty window.
fn last_instant(window: Window) -> Option<Timestamp> {
    if window.until <= window.since {
        return None;
    }
    window.until.checked_sub(SignedDuration::from_nanos(1)).ok()
}

/// The first day of the calendar period that holds `date`.
fn period_start(date: Date, period: Period, week_start: Weekday) -> Option<Date> {
    match period {
        Period::Day => Some(date),
        Period::Week => date
            .checked_sub(i64::from(week_start.until(date.weekday())).days())
            .ok(),
        Period::Month => Some(date.first_of_month()),
        Period::Quarter => Date::new(date.year(), (date.month() - 1) / 3 * 3 + 1, 1).ok(),
        Period::Year => Some(date.first_of_year()),
    }
}

/// The first day of the period after the one that starts on `start`.
fn period_next(start: Date, period: Period) -> Option<Date> {
    let span = match period {
        Period::Day => 1.days(),
        Period::Week => 1.weeks(),
        Period::Month => 1.months(),
        Period::Quarter => 3.months(),
        Period::Year => 1.years(),
    };
    start.checked_add(span).ok()
}

/// How many calendar periods `window` holds: whole periods count 1, the
/// periods at its ends the share of their length that lies in the window.
fn periods_in(window: Window, per: Period, tz: &TimeZone, week_start: Weekday) -> Option<Decimal> {
    let last = last_instant(window)?;
    let local = |at: Timestamp| at.to_zoned_datetime(tz.clone()).date();
    let first = period_start(local(window.since), per, week_start)?;
    let last = period_start(local(last), per, week_start)?;
    let bounds = |start: Date| -> Option<(Timestamp, Timestamp)> {
        Some((
            midnight(start, tz)?,
            midnight(period_next(start, per)?, tz)?,
        ))
    };
    let share = |from: Timestamp, to: Timestamp, (start, end): (Timestamp, Timestamp)| {
        ratio(seconds(from, to), seconds(start, end))
    };
    let (first_start, first_end) = bounds(first)?;
    if first == last {
        return share(window.since, window.until, (first_start, first_end));
    }
    let (last_start, last_end) = bounds(last)?;
    let civil_days = last.duration_since(first).as_secs() / SECONDS_PER_DAY;
    let month_index = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month());
    let apart = match per {
        Period::Day => civil_days,
        Period::Week => civil_days / 7,
        Period::Month => month_index(last) - month_index(first),
        Period::Quarter => (month_index(last) - month_index(first)) / 3,
        Period::Year => i64::from(last.year()) - i64::from(first.year()),
    };
    let head = share(window.since, first_end, (first_start, first_end))?;
    let tail = share(last_start, window.until, (last_start, last_end))?;
    Some(head + Decimal::from(apart - 1) + tail)
}

/// Seconds from `from` to `to`, never negative.
fn seconds(from: Timestamp, to: Timestamp) -> Decimal {
    Decimal::from((to.as_second() - from.as_second()).max(0))
}

/// Days from `from` to `to`, never negative.
fn days_between(from: Timestamp, to: Timestamp) -> Decimal {
    seconds(from, to) / Decimal::from(SECONDS_PER_DAY)
}

fn round(value: Decimal, places: u32) -> Decimal {
    value
        .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

fn percent(fraction: Decimal) -> Decimal {
    fraction.saturating_mul(Decimal::ONE_HUNDRED)
}

/// `num / den`, `None` when `den` is zero.
fn ratio(num: Decimal, den: Decimal) -> Option<Decimal> {
    if den.is_zero() {
        None
    } else {
        num.checked_div(den)
    }
}

fn total(values: impl Iterator<Item = Decimal>) -> Decimal {
    values.fold(Decimal::ZERO, Decimal::saturating_add)
}

fn mean(values: &[Decimal]) -> Option<Decimal> {
    ratio(total(values.iter().copied()), Decimal::from(values.len()))
}

/// The `q` quantile (0 to 1), interpolated linearly between nearest ranks.
fn percentile(values: &[Decimal], q: Decimal) -> Option<Decimal> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let position = q * Decimal::from(n - 1);
    let below = position.floor();
    let index = below.to_usize()?.min(n - 1);
    let low = sorted[index];
    let high = sorted[(index + 1).min(n - 1)];
    high.checked_sub(low)?
        .checked_mul(position - below)?
        .checked_add(low)
}

fn spread(days: &[Decimal]) -> Spread {
    let n = days.len();
    Spread {
        mean: Figure::days(mean(days), n),
        median: Figure::days(percentile(days, Decimal::new(5, 1)), n),
        p75: Figure::days(percentile(days, Decimal::new(75, 2)), n),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use jiff::civil::date;

    use super::*;

    const CONFIG: &str = r#"
name = "Test"
currency = "USD"
timezone = "UTC"
week_start = "monday"

[[stage]]
id = "lead"
kind = "open"
probability = 10

[[stage]]
id = "qualified"
kind = "open"
probability = 25

[[stage]]
id = "proposal"
kind = "open"
probability = 60

[[stage]]
id = "won"
kind = "won"

[[stage]]
id = "lost"
kind = "lost"

[targets]
new_deals = { count = 10, per = "week" }
new_value = { amount = 250, per = "day" }
won_value = { amount = 50000, per = "month" }
products = { crm = { new_deals = 5, won = 2, per = "month" } }

[spend]
"2026-10" = 10000
"2026-11" = 12000
"#;

    fn config() -> Config {
        Config::parse(CONFIG).expect("test config")
    }

    /// `2026-10-01` (midnight UTC) or `2026-10-01T12:00`.
    fn at(text: &str) -> Timestamp {
        let full = if text.len() == 10 {
            format!("{text}T00:00:00Z")
        } else {
            format!("{text}:00Z")
        };
        full.parse().expect("test instant")
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test decimal")
    }

    fn some(text: &str) -> Option<Decimal> {
        Some(dec(text))
    }

    /// A deal that went through `path` (stage, when), created at its start.
    fn deal(id: &str, path: &[(&str, &str)]) -> DealRecord {
        let entries: Vec<(String, Timestamp)> =
            path.iter().map(|(s, t)| (s.to_string(), at(t))).collect();
        let mut record = DealRecord::new(id, entries[entries.len() - 1].0.clone(), entries[0].1);
        record.entries = entries;
        record
    }

    fn valued(mut record: DealRecord, value: &str) -> DealRecord {
        record.value = Some(dec(value));
        record
    }

    fn weighted(record: DealRecord, value: &str, probability: u32) -> DealRecord {
        let mut record = valued(record, value);
        record.probability = Decimal::from(probability);
        record
    }

    fn window(since: &str, until: &str) -> Window {
        Window {
            since: at(since),
            until: at(until),
        }
    }

    fn october() -> Window {
        window("2026-10-01", "2026-11-01")
    }

    /// Three won, one lost and two open deals around October 2026.
    fn october_deals() -> Vec<DealRecord> {
        let mut w2 = valued(
            deal(
                "w2",
                &[
                    ("lead", "2026-10-01"),
                    ("proposal", "2026-10-05"),
                    ("won", "2026-10-21"),
                ],
            ),
            "3000",
        );
        w2.value_at_close = Some(dec("2000"));
        vec![
            valued(
                deal("w1", &[("lead", "2026-09-01"), ("won", "2026-10-11")]),
                "1000",
            ),
            w2,
            valued(
                deal("w3", &[("lead", "2026-10-01"), ("won", "2026-10-31T12:00")]),
                "6000",
            ),
            valued(
                deal("l1", &[("lead", "2026-10-01"), ("lost", "2026-10-11")]),
                "4000",
            ),
            valued(deal("o1", &[("lead", "2026-10-21")]), "500"),
            deal("o2", &[("proposal", "2026-09-01")]),
            valued(
                deal("w0", &[("lead", "2026-09-01"), ("won", "2026-09-15")]),
                "9999",
            ),
        ]
    }

    fn october_report() -> Report {
        report(&config(), &october_deals(), &october(), at("2026-11-01"))
    }

    #[test]
    fn open_pipeline_counts_values_and_weights_per_open_stage() {
        let deals = [
            weighted(deal("a", &[("lead", "2026-10-01")]), "1000", 10),
            deal("b", &[("lead", "2026-10-01")]),
            weighted(deal("c", &[("proposal", "2026-10-01")]), "5000", 60),
            weighted(deal("d", &[("won", "2026-10-01")]), "7000", 100),
        ];
        let pipeline = report(&config(), &deals, &october(), at("2026-11-01")).open_pipeline;
        let row = |stage: &str, deals, value: &str, weighted: &str, without| StageLoad {
            stage: stage.to_string(),
            deals,
            value: dec(value),
            weighted_value: dec(weighted),
            without_value: without,
        };
        assert_eq!(
            pipeline.stages,
            [
                row("lead", 2, "1000", "100", 1),
                row("qualified", 0, "0", "0", 0),
                row("proposal", 1, "5000", "3000", 0),
            ]
        );
        assert_eq!(pipeline.total, row("total", 3, "6000", "3100", 1));
    }

    #[test]
    fn deal_size_uses_the_value_at_close_of_deals_won_in_the_window() {
        let size = october_report().deal_size;
        // w1 1000, w2 2000 (at close; 3000 now), w3 6000; w0 won in September.
        assert_eq!(
            size.mean,
            Figure {
                value: some("3000"),
                deals: 3
            }
        );
        assert_eq!(
            size.median,
            Figure {
                value: some("2000"),
                deals: 3
            }
        );
    }

    #[test]
    fn sales_cycle_spreads_won_lost_and_open_age() {
        let cycle = october_report().cycle;
        // Won: 40, 20 and 30.5 days.
        assert_eq!(cycle.won.mean.value, some("30.2"));
        assert_eq!(cycle.won.median.value, some("30.5"));
        // Between 30.5 and 40, three quarters of the way: 35.25.
        assert_eq!(cycle.won.p75.value, some("35.3"));
        assert_eq!(cycle.won.mean.deals, 3);
        assert_eq!(
            cycle.lost.mean,
            Figure {
                value: some("10"),
                deals: 1
            }
        );
        // Open: 11 and 61 days old.
        assert_eq!(cycle.open_age.mean.value, some("36"));
        assert_eq!(cycle.open_age.median.value, some("36"));
        assert_eq!(cycle.open_age.p75.value, some("48.5"));
    }

    #[test]
    fn win_rate_by_count_value_and_cohort() {
        let rate = october_report().win_rate;
        assert_eq!((rate.won, rate.lost, rate.reopened), (3, 1, 0));
        assert_eq!(
            rate.by_count,
            Figure {
                value: some("75"),
                deals: 4
            }
        );
        // 9000 won of 13000 closed.
        assert_eq!(rate.won_value, dec("9000"));
        assert_eq!(rate.lost_value, dec("4000"));
        assert_eq!(rate.by_value.value, some("69.2"));
        // Created in October: w2, w3, l1, o1; won now: w2, w3.
        assert_eq!((rate.created, rate.created_won), (4, 2));
        assert_eq!(
            rate.cohort,
            Figure {
                value: some("50"),
                deals: 4
            }
        );
    }

    #[test]
    fn stage_conversion_counts_skipped_stages_as_passed() {
        let conversion = october_report().conversion;
        let row = |stage: &str, entered, advanced, lost, open| {
            let found = conversion
                .iter()
                .find(|r| r.stage == stage)
                .expect("stage row");
            assert_eq!(
                (found.entered, found.advanced, found.lost, found.open),
                (entered, advanced, lost, open),
                "{stage}"
            );
            found
        };
        // w2, w3, l1, o1 entered the lead stage in October (w1 in September).
        let lead = row("lead", 4, 2, 1, 1);
        assert_eq!(
            lead.rate,
            Figure {
                value: some("50"),
                deals: 4
            }
        );
        assert_eq!(lead.decided_rate.value, some("66.7"));
        // Nobody entered `qualified`: w1, w2, w3 skipped it in October.
        assert_eq!(row("qualified", 3, 3, 0, 0).rate.value, some("100"));
        assert_eq!(row("proposal", 3, 3, 0, 0).rate.value, some("100"));
        assert_eq!(
            conversion
                .iter()
                .map(|r| r.stage.as_str())
                .collect::<Vec<_>>(),
            ["lead", "qualified", "proposal"]
        );
    }

    #[test]
    fn time_in_stage_covers_completed_and_current_stays() {
        let times = october_report().time_in_stage;
        // Lead stays begun in October: 4 (w2), 30.5 (w3), 10 (l1), 11 (o1, current).
        assert_eq!(
            times[0],
            StageTime {
                stage: "lead".to_string(),
                stays: 4,
                current: 1,
                mean: Figure {
                    value: some("13.9"),
                    deals: 4
                },
                median: Figure {
                    value: some("10.5"),
                    deals: 4
                },
            }
        );
        assert_eq!(times[1].stays, 0);
        assert_eq!(times[1].mean.value, None);
        assert_eq!(
            times[2].mean,
            Figure {
                value: some("16"),
                deals: 1
            }
        );
    }

    #[test]
    fn velocity_is_open_deals_times_size_times_rate_over_cycle() {
        let velocity = october_report().velocity;
        // 2 open x 3000 x 0.75 / (90.5 / 3) days = 27000 / 181 a day.
        assert_eq!(velocity.open_deals, 2);
        assert_eq!(
            velocity.per_day,
            Figure {
                value: some("149.17"),
                deals: 4
            }
        );
        assert_eq!(velocity.per_month.value, some("4475.14"));
        assert_eq!(velocity.cycle_days.value, some("30.2"));
    }

    #[test]
    fn lead_generation_follows_the_articles_arithmetic() {
        // Five deals worth 500 each in the ten days elapsed of October: 250 a day.
        let deals: Vec<DealRecord> = (1..=5)
            .map(|i| valued(deal(&format!("d{i}"), &[("lead", "2026-10-02")]), "500"))
            .collect();
        let leads = report(&config(), &deals, &october(), at("2026-10-11")).lead_generation;
        assert_eq!(leads.days, dec("10"));
        assert_eq!(leads.value.total, dec("2500"));
        assert_eq!(leads.value.per_day.value, some("250"));
        assert_eq!(leads.value.per_week.value, some("1750"));
        assert_eq!(leads.value.per_month.value, some("7500"));
        let projected: Vec<_> = leads
            .projection
            .iter()
            .map(|p| (p.months, p.days, p.value.value, p.deals.value))
            .collect();
        assert_eq!(
            projected,
            [
                (1, 30, some("7500"), some("15")),
                (3, 90, some("22500"), some("45")),
                (6, 180, some("45000"), some("90")),
            ]
        );
        // new_value = 250 a day: ten days hold 2500, met exactly.
        let value_target = leads.value.target.expect("value target");
        assert_eq!(
            (
                value_target.per_day,
                value_target.per_week,
                value_target.per_month
            ),
            (dec("250"), dec("1750"), dec("7500"))
        );
        assert_eq!(value_target.for_window, dec("2500"));
        assert_eq!(value_target.attainment.value, some("100"));
        // new_deals = 10 a week; October 1-10 covers 4/7 and 6/7 of two
        // Monday weeks: 100/7 deals, of which 5 were made.
        let deals_target = leads.deals.target.expect("deals target");
        assert_eq!(deals_target.per_day, dec("1.43"));
        assert_eq!(deals_target.per_week, dec("10"));
        assert_eq!(deals_target.per_month, dec("42.86"));
        assert_eq!(deals_target.for_window, dec("14.29"));
        assert_eq!(deals_target.attainment.value, some("35"));
    }

    #[test]
    fn acquisition_cost_counts_whole_months_and_new_accounts() {
        let mut acme = deal("acme", &[("lead", "2026-09-01"), ("won", "2026-10-10")]);
        acme.account = Some("Acme".to_string());
        let mut globex_old = deal("globex-1", &[("lead", "2026-09-01"), ("won", "2026-09-15")]);
        globex_old.account = Some("Globex".to_string());
        let mut globex_new = deal("globex-2", &[("lead", "2026-09-01"), ("won", "2026-10-20")]);
        globex_new.account = Some(" globex ".to_string());
        let lone = deal("lone", &[("lead", "2026-09-01"), ("won", "2026-10-05")]);
        let deals = [acme, globex_old, globex_new, lone];

        let cost = report(&config(), &deals, &october(), at("2026-11-01")).acquisition_cost;
        assert_eq!(cost.months, ["2026-10"]);
        assert!(cost.months_without_spend.is_empty());
        assert_eq!(cost.spend, some("10000"));
        // Acme and the deal without an account; Globex first won in September.
        assert_eq!(cost.new_customers, 2);
        assert_eq!(
            cost.cac,
            Figure {
                value: some("5000"),
                deals: 2
            }
        );

        // Half of October and half of November: both months count in full.
        // Only Globex won in it, and Globex is no new customer: n/a.
        let straddle = window("2026-10-15", "2026-11-15");
        let cost = report(&config(), &deals, &straddle, at("2026-11-15")).acquisition_cost;
        assert_eq!(cost.months, ["2026-10", "2026-11"]);
        assert_eq!(cost.spend, some("22000"));
        assert_eq!(cost.new_customers, 0);
        assert_eq!(cost.cac.value, None);

        let autumn = window("2026-09-01", "2026-11-01");
        let cost = report(&config(), &deals, &autumn, at("2026-11-01")).acquisition_cost;
        assert_eq!(cost.months_without_spend, ["2026-09"]);
        assert_eq!(cost.new_customers, 3);
    }

    #[test]
    fn lifetime_value_historical_and_predicted() {
        let won = |id: &str, account: &str, when: &str, value: &str| {
            let mut record = valued(deal(id, &[("lead", "2023-12-01"), ("won", when)]), value);
            record.account = Some(account.to_string());
            record
        };
        let deals = [
            // Acme: two wins exactly two years (730.5 days) apart.
            won("a1", "Acme", "2024-01-01", "1000"),
            won("a2", "Acme", "2025-12-31T12:00", "3000"),
            // Globex: one win, lifespan counted as one year.
            won("g1", "Globex", "2026-06-01", "2000"),
            // Initech: three wins within a year.
            won("i1", "Initech", "2026-01-01", "1000"),
            won("i2", "Initech", "2026-02-01", "1000"),
            won("i3", "Initech", "2026-03-01", "1000"),
            // After the window's end: not yet history.
            won("late", "Acme", "2027-02-01", "50000"),
        ];
        let year = window("2026-01-01", "2027-01-01");
        let clv = report(&config(), &deals, &year, at("2027-01-01")).lifetime_value;
        assert_eq!(clv.accounts, 3);
        // (4000 + 2000 + 3000) / 3.
        assert_eq!(
            clv.historical,
            Figure {
                value: some("3000"),
                deals: 3
            }
        );
        assert_eq!(clv.average_deal_size.value, some("1500"));
        // (1 + 1 + 3) / 3 wins a year, (2 + 1 + 1) / 3 years.
        assert_eq!(clv.purchases_per_year.value, some("1.67"));
        assert_eq!(clv.lifespan_years.value, some("1.33"));
        // 1500 x 5/3 x 4/3.
        assert_eq!(clv.predicted.value, some("3333.33"));
    }

    #[test]
    fn revenue_growth_is_undefined_after_a_zero_month() {
        let won = |id: &str, when: &str, value: &str| {
            valued(deal(id, &[("lead", "2026-08-01"), ("won", when)]), value)
        };
        let deals = [
            won("aug", "2026-08-10", "1000"),
            won("sep", "2026-09-05", "2000"),
            won("nov", "2026-11-20", "3000"),
        ];
        let autumn = window("2026-09-01", "2026-12-01");
        let growth = report(&config(), &deals, &autumn, at("2026-12-01")).revenue_growth;
        let rows: Vec<_> = growth
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    m.won_value,
                    m.previous_value,
                    m.growth.value,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-09", dec("2000"), dec("1000"), some("100")),
                ("2026-10", dec("0"), dec("2000"), some("-100")),
                ("2026-11", dec("3000"), dec("0"), None),
            ]
        );
    }

    #[test]
    fn product_balance_against_targets_and_share() {
        let product = |mut record: DealRecord, name: &str| {
            record.product = Some(name.to_string());
            record
        };
        let deals = [
            product(
                valued(
                    deal("c1", &[("lead", "2026-10-01"), ("won", "2026-10-10")]),
                    "800",
                ),
                "crm",
            ),
            product(
                deal("c2", &[("lead", "2026-10-01"), ("lost", "2026-10-10")]),
                "crm",
            ),
            product(deal("c3", &[("lead", "2026-10-02")]), "crm"),
            product(deal("e1", &[("lead", "2026-10-03")]), "erp"),
            deal("n1", &[("lead", "2026-09-01"), ("won", "2026-10-04")]),
        ];
        let products = report(&config(), &deals, &october(), at("2026-11-01")).products;
        let names: Vec<&str> = products.iter().map(|p| p.product.as_str()).collect();
        assert_eq!(names, ["(none)", "crm", "erp"]);
        let crm = &products[1];
        assert_eq!((crm.created, crm.won, crm.lost), (3, 1, 1));
        assert_eq!(crm.win_rate.value, some("50"));
        assert_eq!(crm.won_value, dec("800"));
        assert_eq!(crm.share.value, some("75"));
        assert_eq!(crm.target_new_deals, some("5"));
        assert_eq!(crm.new_deals_attainment.value, some("60"));
        assert_eq!(crm.target_won, some("2"));
        assert_eq!(crm.won_attainment.value, some("50"));
        let erp = &products[2];
        assert_eq!(erp.share.value, some("25"));
        assert_eq!(
            (erp.target_new_deals, erp.new_deals_attainment.value),
            (None, None)
        );
        let none = &products[0];
        assert_eq!((none.created, none.won), (0, 1));
        assert_eq!(none.win_rate.value, some("100"));
    }

    #[test]
    fn forecast_groups_open_weighted_value_by_close_month() {
        let due = |mut record: DealRecord, close: Option<Date>| {
            record.expected_close = close;
            record
        };
        let deals = [
            due(
                weighted(deal("a", &[("proposal", "2026-10-01")]), "1000", 50),
                Some(date(2026, 12, 15)),
            ),
            due(
                weighted(deal("b", &[("lead", "2026-10-01")]), "2000", 10),
                Some(date(2026, 11, 2)),
            ),
            due(
                weighted(deal("c", &[("lead", "2026-10-01")]), "100", 100),
                None,
            ),
            due(
                deal("d", &[("lead", "2026-10-01")]),
                Some(date(2026, 12, 1)),
            ),
            due(
                weighted(deal("w", &[("won", "2026-10-01")]), "9000", 100),
                Some(date(2026, 11, 1)),
            ),
        ];
        let forecast = report(&config(), &deals, &october(), at("2026-11-01")).forecast;
        let row = |month: &str, deals, value: &str, weighted: &str| ForecastMonth {
            month: month.to_string(),
            deals,
            value: dec(value),
            weighted_value: dec(weighted),
        };
        assert_eq!(
            forecast,
            [
                row("2026-11", 1, "2000", "200"),
                row("2026-12", 2, "1000", "500"),
                row("(none)", 1, "100", "100"),
            ]
        );
    }

    #[test]
    fn coverage_is_due_weighted_value_over_the_remaining_target() {
        let due = |record: DealRecord, close: Date| {
            let mut record = record;
            record.expected_close = Some(close);
            record
        };
        let won = valued(
            deal("won", &[("lead", "2026-10-01"), ("won", "2026-11-05")]),
            "10000",
        );
        let mut deals = vec![
            won,
            due(
                weighted(deal("a", &[("proposal", "2026-10-01")]), "20000", 50),
                date(2026, 11, 20),
            ),
            due(
                weighted(deal("b", &[("lead", "2026-10-01")]), "40000", 25),
                date(2026, 11, 30),
            ),
            due(
                weighted(deal("c", &[("lead", "2026-10-01")]), "99000", 50),
                date(2026, 12, 1),
            ),
        ];
        let november = window("2026-11-01", "2026-12-01");
        let coverage = report(&config(), &deals, &november, at("2026-11-10")).coverage;
        assert_eq!(coverage.target, some("50000"));
        assert_eq!(coverage.won_value, dec("10000"));
        assert_eq!(coverage.remaining, some("40000"));
        assert_eq!(coverage.due_deals, 2);
        assert_eq!(coverage.due_weighted_value, dec("20000"));
        assert_eq!(
            coverage.ratio,
            Figure {
                value: some("0.5"),
                deals: 2
            }
        );

        // Target met: nothing left to cover.
        deals[0].value = Some(dec("60000"));
        let coverage = report(&config(), &deals, &november, at("2026-11-10")).coverage;
        assert_eq!(coverage.remaining, some("-10000"));
        assert_eq!(coverage.ratio.value, None);
    }

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
    fn targets_scale_by_the_calendar() {
        let tz = TimeZone::UTC;
        let n = |since: &str, until: &str, per| {
            periods_in(window(since, until), per, &tz, Weekday::Monday)
        };
        assert_eq!(n("2026-10-01", "2026-11-01", Period::Month), some("1"));
        assert_eq!(n("2026-10-15", "2026-12-15", Period::Month), some("2"));
        assert_eq!(n("2026-10-01", "2027-01-01", Period::Month), some("3"));
        assert_eq!(n("2026-10-01", "2027-01-01", Period::Quarter), some("1"));
        assert_eq!(n("2026-01-01", "2027-01-01", Period::Year), some("1"));
        assert_eq!(n("2026-10-01", "2026-11-01", Period::Day), some("31"));
        assert_eq!(n("2026-11-02", "2026-11-16", Period::Week), some("2"));
        assert_eq!(n("2026-10-01", "2026-10-01", Period::Month), None);
        // In Warsaw, October 2026 has 745 hours; it still counts as one month.
        let warsaw = TimeZone::get("Europe/Warsaw").expect("tz");
        let since = midnight(date(2026, 10, 1), &warsaw).expect("midnight");
        let until = midnight(date(2026, 11, 1), &warsaw).expect("midnight");
        let october = Window { since, until };
        assert_eq!(
            periods_in(october, Period::Month, &warsaw, Weekday::Monday),
            some("1")
        );
    }

    fn calendar() -> Calendar {
        // 2026-11-27 is a Friday.
        Calendar {
            today: date(2026, 11, 27),
            week_start: Weekday::Monday,
            timezone: TimeZone::UTC,
        }
    }

    fn bounds(window: Window) -> (String, String) {
        (window.since.to_string(), window.until.to_string())
    }

    fn span(since: &str, until: &str) -> (String, String) {
        bounds(window(since, until))
    }

    #[test]
    fn windows_for_periods() {
        let c = calendar();
        let period = |p| bounds(window_for(&c, None, None, Some(p), None).expect("window"));
        assert_eq!(period(Period::Day), span("2026-11-27", "2026-11-28"));
        assert_eq!(period(Period::Week), span("2026-11-23", "2026-11-30"));
        assert_eq!(period(Period::Month), span("2026-11-01", "2026-12-01"));
        assert_eq!(period(Period::Quarter), span("2026-10-01", "2027-01-01"));
        assert_eq!(period(Period::Year), span("2026-01-01", "2027-01-01"));
        let sunday = Calendar {
            week_start: Weekday::Sunday,
            ..calendar()
        };
        assert_eq!(
            bounds(window_for(&sunday, None, None, Some(Period::Week), None).expect("week")),
            span("2026-11-22", "2026-11-29")
        );
        // --since picks the period.
        assert_eq!(
            bounds(
                window_for(&c, Some(date(2026, 2, 10)), None, Some(Period::Month), None)
                    .expect("february")
            ),
            span("2026-02-01", "2026-03-01")
        );
        // Cut in the pipeline's zone.
        let warsaw = Calendar {
            timezone: TimeZone::get("Europe/Warsaw").expect("tz"),
            ..calendar()
        };
        let month = window_for(&warsaw, None, None, Some(Period::Month), None).expect("month");
        assert_eq!(
            bounds(month),
            (
                "2026-10-31T23:00:00Z".to_string(),
                "2026-11-30T23:00:00Z".to_string()
            )
        );
    }

    #[test]
    fn windows_for_last_days_and_since_until() {
        let c = calendar();
        let last = window_for(&c, None, None, None, Some(90)).expect("last 90");
        assert_eq!(bounds(last), span("2026-08-30", "2026-11-28"));
        assert_eq!(last.days(), dec("90"));
        assert_eq!(
            window_for(&c, None, None, None, None).expect("default"),
            last
        );
        let since = Some(date(2026, 10, 1));
        let until = Some(date(2026, 10, 31));
        assert_eq!(
            bounds(window_for(&c, since, until, None, None).expect("since/until")),
            span("2026-10-01", "2026-11-01")
        );
        assert_eq!(
            bounds(window_for(&c, since, None, None, None).expect("since")),
            span("2026-10-01", "2026-11-28")
        );
        assert_eq!(
            bounds(window_for(&c, None, until, None, None).expect("until")),
            span("1970-01-01", "2026-11-01")
        );
        // One day: --since and --until the same date.
        assert_eq!(
            window_for(&c, until, until, None, None)
                .expect("one day")
                .days(),
            dec("1")
        );
    }

    #[test]
    fn conflicting_window_options_are_errors() {
        let c = calendar();
        let day = Some(date(2026, 10, 1));
        assert!(window_for(&c, day, None, None, Some(90)).is_err());
        assert!(window_for(&c, None, None, Some(Period::Month), Some(90)).is_err());
        assert!(window_for(&c, None, day, Some(Period::Month), None).is_err());
        assert!(window_for(&c, None, None, None, Some(0)).is_err());
        assert!(window_for(&c, None, None, None, Some(u32::MAX)).is_err());
        let error = window_for(&c, Some(date(2026, 11, 2)), day, None, None).unwrap_err();
        assert!(error.contains("after --until"), "{error}");
        let error = window_for(&c, Some(date(2026, 12, 1)), None, None, None).unwrap_err();
        assert!(error.contains("after today (2026-11-27)"), "{error}");
    }

    #[test]
    fn last_spans_read_days_and_weeks() {
        assert_eq!(parse_last("90d"), Ok(90));
        assert_eq!(parse_last("12w"), Ok(84));
        assert_eq!(parse_last("30"), Ok(30));
        assert!(parse_last("0d").is_err());
        assert!(parse_last("3m").unwrap_err().contains("90d or 12w"));
        assert!(parse_last("lots").is_err());
    }

    #[test]
    fn split_by_known_keys_fields_and_lists() {
        let mut a = deal("a", &[("lead", "2026-10-01")]);
        a.owner = Some("alice".to_string());
        a.fields =
            toml::from_str("tags = [\"enterprise\", \"eu\"]\n[qualification]\nbudget = true\n")
                .expect("fields");
        let mut b = deal("b", &[("won", "2026-10-01")]);
        b.owner = Some("bob".to_string());
        b.fields = toml::from_str("tags = []\n[qualification]\nbudget = false\n").expect("fields");
        let mut c = deal("c", &[("lead", "2026-10-01")]);
        c.owner = Some("  ".to_string());
        let deals = [a, b, c];
        let ids = |key: &str| -> Vec<(String, Vec<String>)> {
            split_by(&deals, key)
                .into_iter()
                .map(|(group, deals)| (group, deals.iter().map(|d| d.id.clone()).collect()))
                .collect()
        };
        let owned = |pairs: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            pairs
                .iter()
                .map(|(g, ids)| (g.to_string(), ids.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        assert_eq!(
            ids("owner"),
            owned(&[("(none)", &["c"]), ("alice", &["a"]), ("bob", &["b"])])
        );
        assert_eq!(
            ids("qualification.budget"),
            owned(&[("(none)", &["c"]), ("false", &["b"]), ("true", &["a"])])
        );
        assert_eq!(
            ids("tags"),
            owned(&[
                ("(none)", &["b", "c"]),
                ("enterprise", &["a"]),
                ("eu", &["a"])
            ])
        );
        assert_eq!(
            ids("stage"),
            owned(&[("lead", &["a", "c"]), ("won", &["b"])])
        );
        // Each group is a report of its own.
        let groups = split_by(&deals, "owner");
        let alice = report(&config(), &groups["alice"], &october(), at("2026-11-01"));
        assert_eq!(alice.deals, 1);
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
