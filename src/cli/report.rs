//! `funnel report`: the metrics of a window, from the history.

use clap::Args;
use funnel::analysis::metrics::{Figure, Report, Window, report, split_by, window_for};
use funnel::error::Error;
use funnel::model::config::{Config, Period};
use funnel::model::dates::Lean;
use funnel::model::deal::Keys;
use funnel::model::money::{amount, fixed, shown};
use funnel::store::pipeline::Pipeline;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::json;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, Failure, FilterArgs};

/// Report the metrics that matter: deal size, cycle length, win rate, conversion, velocity and more
///
/// Every figure says how many deals it rests on; a figure whose
/// denominator is zero prints as n/a. The window defaults to the last 90
/// days; --since/--until (inclusive dates), --period (the calendar week,
/// month, quarter or year holding --since, or today) and --last 90d set it.
/// --today pins "now", so the same report twice is byte-identical. --by
/// splits every figure by owner, product, source, account or any field.
///
/// Metrics: open pipeline (count, value, weighted value per stage), average
/// deal size (mean, median of deals won), sales cycle (mean, median, 75th
/// percentile days from created to won; lost and open ages beside), win
/// rate (by count, by value, and the cohort created in the window), stage
/// conversion (of deals that entered a stage, the share that went further),
/// time in stage, sales velocity (open deals x deal size x win rate / cycle
/// days), lead generation (pace against [targets], projected 1, 3 and 6
/// months), customer acquisition cost ([spend] / new customers), customer
/// lifetime value, revenue growth per month, product balance, forecast by
/// expected close month (a month already past marked overdue), and
/// coverage of the won target.
///
/// A table prints each section under its heading, every row saying what
/// the number is and its unit; money in whole units of the pipeline's
/// currency, grouped (94,100 USD). CSV and TSV hold the same rows with
/// exact amounts and a last column, section.
///
/// Forecast accuracy (after the metrics): for each closed month of the
/// window (one that ended by today), the weighted forecast for that month
/// (value x probability of the deals open then whose expected_close falls
/// in it) as it stood at the start of its first day and at the start of
/// the same day a month earlier, the value won in it (every move into a
/// won stage dated in it, at the value committed with the move), the ratio
/// won / forecast, and the deals that slipped: in the forecast at the
/// month's start, still open at its end (neither won, lost nor removed).
/// It covers the whole pipeline: filters and --by do not split it.
///
/// --trend month|quarter adds each headline metric (win rate, deal size,
/// cycle, velocity, new value, won value) per calendar month or quarter of
/// the window, each period as it stood at its end (the figures `report
/// --as-of END --since START --until END` gives).
///
/// --as-of DATE reports the pipeline as it stood at the end of DATE, with
/// DATE as today (see `funnel board --help`).
///
/// JSON: {"report": REPORT, "forecast_accuracy": [MONTH], "trend": [PERIOD]
/// or null} or, with --by, {"by": KEY, "groups": {NAME: REPORT},
/// "forecast_accuracy", "trend"}; REPORT holds window, currency, deals,
/// open_pipeline, deal_size, cycle, win_rate, conversion, time_in_stage,
/// velocity, lead_generation, acquisition_cost, lifetime_value,
/// revenue_growth, products, forecast and coverage, each figure as
/// {"value": decimal string or null, "deals": N}; a forecast month has
/// "overdue": true when it is past. MONTH is {"month": "YYYY-MM",
/// "forecast": {"weighted", "deals"}, "forecast_month_before", "won",
/// "won_deals", "ratio" and "ratio_month_before" (decimal strings, null
/// when the forecast is 0), "slipped": [{"deal", "stage", "value",
/// "expected_close"}]}; PERIOD is {"since", "until", "win_rate",
/// "deal_size", "cycle_days", "velocity_per_day", "new_value",
/// "won_value"}, each a figure.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Split by owner, product, source, account or any field
    #[arg(add = super::complete::with(super::complete::group_keys), long, value_name = "KEY")]
    pub by: Option<String>,
    /// Also show the headline metrics per month or quarter of the window, each period as it stood at its end
    #[arg(long, value_name = "PERIOD", value_parser = super::trend::trend_periods())]
    pub trend: Option<Period>,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The options that set a report's window (SPEC 5), for `report` and
/// `dashboard`.
#[derive(Debug, Default, Args)]
pub struct WindowArgs {
    /// Start of the window (a date expression)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// End of the window, inclusive (a date expression)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// A calendar period: week, month, quarter or year
    #[arg(long, value_name = "PERIOD", value_parser = periods())]
    pub period: Option<Period>,
    /// The last N days (90d), weeks (12w)
    #[arg(long, value_name = "SPAN")]
    pub last: Option<String>,
}

pub fn run(env: &mut Env, args: ReportArgs) -> CmdResult {
    print(env, args).map(drop)
}

/// Prints the report and returns it (the whole report's, or the first
/// group's with --by), for `demo`'s summary.
pub fn print(env: &mut Env, args: ReportArgs) -> Result<Option<Report>, Failure> {
    env.look_back(&args.as_of)?;
    let (window, now) = window(env, &args.window)?;
    // Of each deal, the keys the records read, or all of them for --by.
    let keys = args
        .by
        .is_none()
        .then_some(funnel::analysis::facts::RECORD_KEYS);
    let mut snapshot = env.snapshot(keys.map_or(Keys::All, Keys::Only))?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    snapshot.retain(&filter);
    let (pipeline, history) = (&snapshot.pipeline, &snapshot.history);
    let config = &pipeline.config;
    let values = |blobs: &[funnel::git::BlobId]| snapshot.version_values(blobs);
    let records =
        funnel::analysis::facts::records(pipeline, history, now, &values, args.by.is_some());
    // The report on one core, the forecasts' accuracy (which reads old
    // versions through the repository) on the other.
    let (reports, accuracy) = funnel::parallel::join(
        || -> Result<Vec<(String, Report)>, Error> {
            Ok(match &args.by {
                None => vec![(String::new(), report(config, &records, &window, now))],
                Some(key) => split_by(&records, key)
                    .map_err(|e| Error::hinted(e.to_string(), e.hint()))?
                    .into_iter()
                    .map(|(name, group)| (name, report(config, &group, &window, now)))
                    .collect(),
            })
        },
        || super::forecast_accuracy::compute(&snapshot, &window, now),
    );
    let reports = reports?;
    let trend = args
        .trend
        .map(|per| super::trend::compute(&snapshot, &window, per, now));
    let rows = rows(&reports, args.by.is_some(), args.format, &config.currency);
    env.ui.rows(args.format, &rows, || match &args.by {
        None => json!({ "report": reports[0].1, "forecast_accuracy": accuracy, "trend": trend }),
        Some(key) => json!({
            "forecast_accuracy": accuracy,
            "trend": trend,
            "by": key,
            "groups": reports.iter().map(|(g, r)| (g.clone(), serde_json::to_value(r).unwrap_or_default())).collect::<serde_json::Map<_, _>>(),
        }),
    })?;
    if args.format == Format::Table {
        super::forecast_accuracy::print(env, config, &accuracy)?;
        if let (Some(trend), Some(per)) = (&trend, args.trend) {
            super::trend::print(env, &config.currency, per, trend)?;
        }
    }
    // The window is every group's; the deals are the whole report's (the
    // groups may overlap, when split by a list such as tags).
    if let Some((_, report)) = reports.first() {
        env.ui.status(&format!(
            "window {} .. {} ({} days), {} deals, in {}",
            report.window.since,
            report.window.until,
            report.window.days,
            records.len(),
            config.currency
        ));
    }
    // The process ends right after: freeing 20,000 deals, timelines and
    // records one allocation at a time would only add to the wait.
    let first = reports.first().map(|(_, report)| report.clone());
    std::mem::forget((records, reports));
    snapshot.leave();
    Ok(first)
}

impl WindowArgs {
    /// Whether any option sets the window.
    pub fn given(&self) -> bool {
        self.since.is_some() || self.until.is_some() || self.period.is_some() || self.last.is_some()
    }
}

/// The window the options ask for, and "now": the end of today, so
/// today's changes count. Read from the configuration alone (the window
/// and the stage folders the history follows need nothing else); on a bad
/// option, as ever, the warnings about the deal files come first, then the
/// error.
pub(super) fn window(env: &Env, args: &WindowArgs) -> Result<(Window, Timestamp), Error> {
    let outline = Pipeline::config_only(&env.root()?)?;
    window_in(env, &outline.config, args).or_else(|e| {
        env.load(Keys::All)?;
        Err(e)
    })
}

fn window_in(env: &Env, config: &Config, args: &WindowArgs) -> Result<(Window, Timestamp), Error> {
    let today = env.today(config)?;
    let calendar = funnel::ops::calendar(config, today);
    let date = |expr: &Option<String>, name: &str| {
        expr.as_ref()
            .map(|e| {
                calendar.date(e, Lean::Past).map_err(|m| {
                    Error::hinted(format!("--{name}: {m}"), "give a date such as 2026-10-01")
                })
            })
            .transpose()
    };
    let since = date(&args.since, "since")?;
    let until = date(&args.until, "until")?;
    let period = args.period;
    let last = args
        .last
        .as_deref()
        .map(funnel::analysis::metrics::parse_last)
        .transpose()
        .map_err(|m| Error::hinted(format!("--last: {m}"), "write a span such as 90d or 12w"))?;
    let window = window_for(&calendar, since, until, period, last)
        .map_err(|e| Error::data(e.to_string()))?;
    Ok((window, env.now_for(config, today)?))
}

/// The report's rows: a table shows each section under its heading and
/// money the one way tables show it; CSV and TSV carry the same rows with
/// exact amounts and a `section` column.
fn rows(reports: &[(String, Report)], by: bool, format: Format, currency: &str) -> Rows {
    let mut columns = vec!["metric", "value", "deals", "section"];
    if by {
        columns.insert(0, "group");
    }
    let mut rows = Rows::new(columns).numeric(&[if by { 3 } else { 2 }]);
    let table = |d: Decimal| shown(d, currency);
    let money: &dyn Fn(Decimal) -> String = if format == Format::Table {
        &table
    } else {
        &amount
    };
    for (group, report) in reports {
        for line in lines(report, money) {
            let section = SECTIONS.iter().find(|(key, _)| *key == line.section);
            let new_section = rows.rows.last().is_none_or(|last| {
                last[if by { 4 } else { 3 }] != line.section || (by && last[0] != *group)
            });
            if new_section && let Some((_, heading)) = section {
                rows.headings.push((rows.rows.len(), heading.to_string()));
            }
            let mut row = vec![
                line.metric,
                line.value,
                line.deals,
                line.section.to_string(),
            ];
            if by {
                row.insert(0, group.clone());
            }
            rows.rows.push(row);
        }
    }
    if format == Format::Table {
        // The section is the heading above the rows.
        let at = rows.columns.len() - 1;
        rows.columns.truncate(at);
        for row in &mut rows.rows {
            row.truncate(at);
        }
    }
    rows
}

/// The report's sections, in order: the key in the `section` column of
/// CSV and TSV, and the heading a table prints above them.
const SECTIONS: [(&str, &str); 12] = [
    (
        "pipeline",
        "Pipeline: open deals now by stage, value and weighted value (x probability)",
    ),
    ("deal size", "Deal size: deals won in the window"),
    ("cycle", "Sales cycle: days from created to closed"),
    ("win rate", "Win rate: deals closed in the window"),
    (
        "conversion",
        "Conversion: of deals that entered a stage in the window, the share that went further",
    ),
    (
        "time in stage",
        "Time in stage: days per stay, finished and current",
    ),
    (
        "velocity",
        "Velocity: open deals x average deal size x win rate / cycle days",
    ),
    (
        "lead generation",
        "Lead generation: new deals and their value",
    ),
    (
        "acquisition cost and lifetime value",
        "Acquisition cost ([spend] / new customers) and lifetime value per account",
    ),
    ("growth", "Growth: won value against the month before"),
    ("products", "Products: deals by product category"),
    (
        "forecast",
        "Forecast: weighted value of open deals by expected close month",
    ),
];

/// One row of the report: its section, what the number is, the number
/// with its unit, and how many deals it rests on.
pub(super) struct Line {
    pub(super) section: &'static str,
    pub(super) metric: String,
    pub(super) value: String,
    pub(super) deals: String,
    /// The number behind `value` and its unit, for a typed spreadsheet
    /// cell; `None` for n/a and for lines that hold two numbers.
    pub(super) number: Option<(Decimal, Unit)>,
}

/// What a report line's number is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The pipeline's currency, per a period (`""`, `"/day"`, `"/month"`).
    Money(&'static str),
    Percent,
    Days,
    DealsPerWeek,
    /// A ratio such as coverage (`0.47x`).
    Times,
}

/// The lines of a report as they are written, section by section, with
/// money in one form (`money`).
pub(super) struct Lines<'a> {
    out: Vec<Line>,
    section: &'static str,
    money: &'a dyn Fn(Decimal) -> String,
}

impl Lines<'_> {
    fn section(&mut self, key: &'static str) {
        self.section = key;
    }

    /// A line of text that holds no single number.
    fn push(&mut self, metric: String, (value, deals): (String, String)) {
        self.out.push(Line {
            section: self.section,
            metric,
            value,
            deals,
            number: None,
        });
    }

    /// A line of one number in `unit`.
    fn number(&mut self, metric: String, value: Option<Decimal>, deals: usize, unit: Unit) {
        let shown = match value {
            None => "n/a".to_string(),
            Some(d) => match unit {
                Unit::Money(per) => format!("{}{per}", self.money(d)),
                Unit::Percent => percent(d),
                Unit::Days => days(d),
                Unit::DealsPerWeek => format!("{} deals/week", fixed(d, 1)),
                Unit::Times => format!("{}x", fixed(d, 2)),
            },
        };
        self.out.push(Line {
            section: self.section,
            metric,
            value: shown,
            deals: deals.to_string(),
            number: value.map(|d| (d, unit)),
        });
    }

    /// A line of one figure in `unit`.
    fn figure(&mut self, metric: impl Into<String>, f: &Figure, unit: Unit) {
        self.number(metric.into(), f.value, f.deals, unit);
    }

    fn money(&self, d: Decimal) -> String {
        (self.money)(d)
    }
}

pub(super) fn figure(f: &Figure, show: impl Fn(Decimal) -> String) -> (String, String) {
    (f.value.map_or("n/a".to_string(), show), f.deals.to_string())
}

pub(super) fn days(d: Decimal) -> String {
    format!("{} days", fixed(d, 1))
}

pub(super) fn percent(d: Decimal) -> String {
    format!("{}%", fixed(d, 1))
}

/// The report as lines, section by section, money shown by `money`.
pub(super) fn lines(r: &Report, money: &dyn Fn(Decimal) -> String) -> Vec<Line> {
    let mut l = Lines {
        out: Vec::new(),
        section: "",
        money,
    };
    pipeline(&mut l, r);
    deal_size(&mut l, r);
    cycle(&mut l, r);
    win_rate(&mut l, r);
    conversion(&mut l, r);
    time_in_stage(&mut l, r);
    velocity(&mut l, r);
    lead_generation(&mut l, r);
    acquisition(&mut l, r);
    growth(&mut l, r);
    products(&mut l, r);
    forecast(&mut l, r);
    l.out
}

fn pipeline(l: &mut Lines, r: &Report) {
    l.section("pipeline");
    let total = &r.open_pipeline.total;
    for (name, stage) in r
        .open_pipeline
        .stages
        .iter()
        .map(|s| (s.stage.as_str(), s))
        .chain([("total", total)])
    {
        let value = format!(
            "{} / {}",
            l.money(stage.value),
            l.money(stage.weighted_value)
        );
        l.push(
            format!("{name}: value / weighted value"),
            (value, stage.deals.to_string()),
        );
    }
}

fn deal_size(l: &mut Lines, r: &Report) {
    l.section("deal size");
    l.figure(
        "mean value of a deal won",
        &r.deal_size.mean,
        Unit::Money(""),
    );
    l.figure(
        "median value of a deal won",
        &r.deal_size.median,
        Unit::Money(""),
    );
}

fn cycle(l: &mut Lines, r: &Report) {
    l.section("cycle");
    let c = &r.cycle;
    l.figure("won deals: mean", &c.won.mean, Unit::Days);
    l.figure("won deals: median", &c.won.median, Unit::Days);
    l.figure("won deals: 75th percentile", &c.won.p75, Unit::Days);
    l.figure("lost deals: median", &c.lost.median, Unit::Days);
    l.figure("open deals: median age", &c.open_age.median, Unit::Days);
}

fn win_rate(l: &mut Lines, r: &Report) {
    l.section("win rate");
    let w = &r.win_rate;
    l.figure(
        format!("by count: won / closed ({} won, {} lost)", w.won, w.lost),
        &w.by_count,
        Unit::Percent,
    );
    l.figure(
        "by value: won value / closed value",
        &w.by_value,
        Unit::Percent,
    );
    l.figure(
        format!(
            "cohort: won / created in the window ({} created, {} won)",
            w.created, w.created_won
        ),
        &w.cohort,
        Unit::Percent,
    );
}

fn conversion(l: &mut Lines, r: &Report) {
    l.section("conversion");
    for c in &r.conversion {
        l.figure(
            format!(
                "{}: went further ({} of {}; {} lost, {} open)",
                c.stage, c.advanced, c.entered, c.lost, c.open
            ),
            &c.rate,
            Unit::Percent,
        );
    }
}

fn time_in_stage(l: &mut Lines, r: &Report) {
    l.section("time in stage");
    for t in &r.time_in_stage {
        l.figure(
            format!("{}: median ({} stays)", t.stage, t.stays),
            &t.median,
            Unit::Days,
        );
    }
}

fn velocity(l: &mut Lines, r: &Report) {
    l.section("velocity");
    l.figure(
        "value won per day at this pace",
        &r.velocity.per_day,
        Unit::Money("/day"),
    );
    l.figure(
        "value won per month at this pace",
        &r.velocity.per_month,
        Unit::Money("/month"),
    );
}

fn lead_generation(l: &mut Lines, r: &Report) {
    l.section("lead generation");
    let g = &r.lead_generation;
    l.figure("new deals per week", &g.deals.per_week, Unit::DealsPerWeek);
    l.figure("new value per day", &g.value.per_day, Unit::Money("/day"));
    if let Some(target) = &g.value.target {
        l.figure(
            "new value: share of its target reached",
            &target.attainment,
            Unit::Percent,
        );
    }
    for p in &g.projection {
        let months = if p.months == 1 { "month" } else { "months" };
        l.figure(
            format!("new value in the next {} {months} at this pace", p.months),
            &p.value,
            Unit::Money(""),
        );
    }
}

fn acquisition(l: &mut Lines, r: &Report) {
    l.section("acquisition cost and lifetime value");
    l.figure(
        format!(
            "acquisition cost per new customer ({} new)",
            r.acquisition_cost.new_customers
        ),
        &r.acquisition_cost.cac,
        Unit::Money(""),
    );
    l.figure(
        "lifetime value: historical (won value per account)",
        &r.lifetime_value.historical,
        Unit::Money(""),
    );
    l.figure(
        "lifetime value: predicted (size x purchases x years)",
        &r.lifetime_value.predicted,
        Unit::Money(""),
    );
}

fn growth(l: &mut Lines, r: &Report) {
    l.section("growth");
    for m in &r.revenue_growth {
        let won = l.money(m.won_value);
        l.figure(
            format!("{}: won {won}, change on the month before", m.month),
            &m.growth,
            Unit::Percent,
        );
    }
}

fn products(l: &mut Lines, r: &Report) {
    l.section("products");
    for p in &r.products {
        let won = l.money(p.won_value);
        l.figure(
            format!(
                "{}: win rate ({} new, {} won, {} lost; won {won})",
                p.product, p.created, p.won, p.lost
            ),
            &p.win_rate,
            Unit::Percent,
        );
    }
}

fn forecast(l: &mut Lines, r: &Report) {
    l.section("forecast");
    for f in &r.forecast {
        let what = if f.overdue {
            "overdue (its month is past)"
        } else if f.month == funnel::analysis::metrics::NONE_GROUP {
            "no expected close date"
        } else {
            "expected to close"
        };
        l.number(
            format!("{}: {what}", f.month),
            Some(f.weighted_value),
            f.deals,
            Unit::Money(" weighted"),
        );
    }
    l.figure(
        "coverage: weighted value due / won target left",
        &r.coverage.ratio,
        Unit::Times,
    );
}

/// The calendar periods `--period` takes, listed in `--help`, the man page
/// and completions.
fn periods() -> impl clap::builder::TypedValueParser<Value = Period> {
    use clap::builder::TypedValueParser as _;
    let all = [Period::Week, Period::Month, Period::Quarter, Period::Year];
    clap::builder::PossibleValuesParser::new(all.map(Period::name)).try_map(move |name| {
        all.into_iter()
            .find(|p| p.name() == name)
            .ok_or("no such period")
    })
}
