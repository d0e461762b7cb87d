//! `funnel report`: the metrics of a window, from the history.

use clap::Args;
use funnel::analysis::metrics::{Figure, Report, Window, report, split_by, window_for};
use funnel::error::Error;
use funnel::model::config::{Config, Period};
use funnel::model::dates::Lean;
use funnel::model::money::{amount, fixed};
use funnel::store::pipeline::Pipeline;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde_json::json;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, FilterArgs};

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
/// expected close month, and coverage of the won target.
///
/// JSON: {"report": REPORT} or, with --by, {"by": KEY, "groups": {NAME:
/// REPORT}}; REPORT holds window, currency, deals, open_pipeline, deal_size,
/// cycle, win_rate, conversion, time_in_stage, velocity, lead_generation,
/// acquisition_cost, lifetime_value, revenue_growth, products, forecast and
/// coverage, each figure as {"value": decimal string or null, "deals": N}.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Split by owner, product, source, account or any field
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,
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
    let (window, now) = window(env, &args.window)?;
    // Of each deal, the keys the records read, or all of them for --by.
    let keys = args
        .by
        .is_none()
        .then_some(funnel::analysis::facts::RECORD_KEYS);
    let mut snapshot = env.snapshot(keys)?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    snapshot.retain(&filter);
    if let Some(why) = &snapshot.history.partial {
        env.ui.warning(&format!(
            "the history is partial ({why}): figures rest on the commits present"
        ));
    }
    let (pipeline, history) = (&snapshot.pipeline, &snapshot.history);
    let config = &pipeline.config;
    let values = |blobs: &[funnel::git::BlobId]| snapshot.version_values(blobs);
    let records =
        funnel::analysis::facts::records(pipeline, history, now, &values, args.by.is_some());
    let reports: Vec<(String, Report)> = match &args.by {
        None => vec![(String::new(), report(config, &records, &window, now))],
        Some(key) => split_by(&records, key)
            .map_err(|e| Error::hinted(e.to_string(), e.hint()))?
            .into_iter()
            .map(|(name, group)| (name, report(config, &group, &window, now)))
            .collect(),
    };
    let mut rows = Rows::new(if args.by.is_some() {
        vec!["group", "metric", "value", "deals"]
    } else {
        vec!["metric", "value", "deals"]
    });
    rows.numeric = if args.by.is_some() { vec![3] } else { vec![2] };
    for (group, report) in &reports {
        for (metric, value, deals) in lines(report) {
            let mut row = vec![metric, value, deals];
            if args.by.is_some() {
                row.insert(0, group.clone());
            }
            rows.rows.push(row);
        }
    }
    env.ui.rows(args.format, &rows, || match &args.by {
        None => json!({ "report": reports[0].1 }),
        Some(key) => json!({
            "by": key,
            "groups": reports.iter().map(|(g, r)| (g.clone(), serde_json::to_value(r).unwrap_or_default())).collect::<serde_json::Map<_, _>>(),
        }),
    })?;
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
    std::mem::forget((records, reports));
    snapshot.leave();
    Ok(())
}

/// The window the options ask for, and "now": the end of today, so
/// today's changes count. Read from the configuration alone (the window
/// and the stage folders the history follows need nothing else); on a bad
/// option, as ever, the warnings about the deal files come first, then the
/// error.
pub(super) fn window(env: &Env, args: &WindowArgs) -> Result<(Window, Timestamp), Error> {
    let outline = Pipeline::config_only(&env.root()?)?;
    window_in(env, &outline.config, args).or_else(|e| {
        env.load()?;
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

pub(super) fn figure(f: &Figure, show: impl Fn(Decimal) -> String) -> (String, String) {
    (f.value.map_or("n/a".to_string(), show), f.deals.to_string())
}

pub(super) fn days(d: Decimal) -> String {
    format!("{} d", fixed(d, 1))
}

pub(super) fn percent(d: Decimal) -> String {
    format!("{}%", fixed(d, 1))
}

/// The report as (metric, value, deals) lines.
pub(super) fn lines(r: &Report) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut push = |name: String, (value, deals): (String, String)| out.push((name, value, deals));
    for stage in &r.open_pipeline.stages {
        push(
            format!("open pipeline: {}", stage.stage),
            (
                format!(
                    "{} ({} weighted)",
                    amount(stage.value),
                    amount(stage.weighted_value)
                ),
                stage.deals.to_string(),
            ),
        );
    }
    let total = &r.open_pipeline.total;
    push(
        "open pipeline: total".into(),
        (
            format!(
                "{} ({} weighted)",
                amount(total.value),
                amount(total.weighted_value)
            ),
            total.deals.to_string(),
        ),
    );
    push(
        "average deal size: mean".into(),
        figure(&r.deal_size.mean, amount),
    );
    push(
        "average deal size: median".into(),
        figure(&r.deal_size.median, amount),
    );
    push(
        "sales cycle (won): mean".into(),
        figure(&r.cycle.won.mean, days),
    );
    push(
        "sales cycle (won): median".into(),
        figure(&r.cycle.won.median, days),
    );
    push(
        "sales cycle (won): 75th percentile".into(),
        figure(&r.cycle.won.p75, days),
    );
    push(
        "sales cycle (lost): median".into(),
        figure(&r.cycle.lost.median, days),
    );
    push(
        "age of open deals: median".into(),
        figure(&r.cycle.open_age.median, days),
    );
    push(
        format!(
            "win rate ({} won, {} lost)",
            r.win_rate.won, r.win_rate.lost
        ),
        figure(&r.win_rate.by_count, percent),
    );
    push(
        "win rate by value".into(),
        figure(&r.win_rate.by_value, percent),
    );
    push(
        format!(
            "cohort win rate ({} created, {} won)",
            r.win_rate.created, r.win_rate.created_won
        ),
        figure(&r.win_rate.cohort, percent),
    );
    for c in &r.conversion {
        push(
            format!(
                "conversion: {} ({} entered, {} on, {} lost, {} open)",
                c.stage, c.entered, c.advanced, c.lost, c.open
            ),
            figure(&c.rate, percent),
        );
    }
    for t in &r.time_in_stage {
        push(
            format!("time in {}: median ({} stays)", t.stage, t.stays),
            figure(&t.median, days),
        );
    }
    push(
        "sales velocity per day".into(),
        figure(&r.velocity.per_day, amount),
    );
    push(
        "sales velocity per month".into(),
        figure(&r.velocity.per_month, amount),
    );
    push(
        "new deals per week".into(),
        figure(&r.lead_generation.deals.per_week, |d| fixed(d, 1)),
    );
    push(
        "new value per day".into(),
        figure(&r.lead_generation.value.per_day, amount),
    );
    if let Some(target) = &r.lead_generation.value.target {
        push(
            "new value: target attainment".into(),
            figure(&target.attainment, percent),
        );
    }
    for p in &r.lead_generation.projection {
        push(
            format!("new value at this pace in {} month(s)", p.months),
            figure(&p.value, amount),
        );
    }
    push(
        format!(
            "customer acquisition cost ({} new customers)",
            r.acquisition_cost.new_customers
        ),
        figure(&r.acquisition_cost.cac, amount),
    );
    push(
        "customer lifetime value: historical".into(),
        figure(&r.lifetime_value.historical, amount),
    );
    push(
        "customer lifetime value: predicted".into(),
        figure(&r.lifetime_value.predicted, amount),
    );
    for m in &r.revenue_growth {
        push(
            format!("revenue growth {} (won {})", m.month, amount(m.won_value)),
            figure(&m.growth, percent),
        );
    }
    for p in &r.products {
        push(
            format!(
                "product {}: {} created, {} won, {} lost, won value {}",
                p.product,
                p.created,
                p.won,
                p.lost,
                amount(p.won_value)
            ),
            figure(&p.win_rate, percent),
        );
    }
    for f in &r.forecast {
        push(
            format!("forecast {}", f.month),
            (
                format!("{} weighted", amount(f.weighted_value)),
                f.deals.to_string(),
            ),
        );
    }
    push(
        "coverage of the won target".into(),
        figure(&r.coverage.ratio, |d| format!("{}x", fixed(d, 2))),
    );
    out
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
