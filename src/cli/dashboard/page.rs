//! The dashboard page: one card per figure, each a chart with its numbers
//! in a table beside it, written from the typed [`Dashboard`] with the same
//! text forms `report`, `board` and `doctor` print (amounts, `12.5 d`,
//! `33.3%`, `n/a`). Every user string (names, IDs, titles, reasons, fields)
//! goes through [`esc`].

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use funnel::analysis::dashboard::{Dashboard, FINDINGS_SHOWN, Leader};
use funnel::analysis::doctor::Severity;
use funnel::analysis::metrics::{Figure, SizeGroup};
use funnel::model::config::{StageKind, Wip};
use funnel::model::money::{amount, fixed};

use super::html::{Table, card, document, esc};
use super::svg::{self, Axis, HBar, Series, compact};
use crate::cli::report::{days, figure, percent};
use funnel::model::money::grouped;

/// What the page shows besides the dashboard itself.
pub struct Page<'a> {
    pub dashboard: &'a Dashboard,
    /// The report's lines (metric, value, deals) as `funnel report` prints them.
    pub lines: Vec<(String, String, String)>,
    /// The filter terms the deals were chosen by.
    pub filter: &'a [String],
}

/// The cards, in page order: (id, title in the jump list).
const CARDS: [(&str, &str); 14] = [
    ("summary", "Summary"),
    ("funnel", "Funnel"),
    ("balance", "Balance"),
    ("sizes", "Deal sizes"),
    ("cycle", "Sales cycle"),
    ("stages", "Time in stage"),
    ("won", "Won by month"),
    ("leads", "Lead generation"),
    ("forecast", "Forecast"),
    ("lost", "Lost reasons"),
    ("products", "Products"),
    ("leaders", "Leaderboard"),
    ("findings", "Findings"),
    ("figures", "All figures"),
];

/// The whole HTML document.
pub fn render(page: &Page<'_>) -> String {
    let d = page.dashboard;
    let cards = [
        summary(d),
        funnel(d),
        balance(d),
        sizes(d),
        cycle(d),
        stages(d),
        won(d),
        leads(d),
        forecast(d),
        lost(d),
        products(d),
        leaders(d),
        findings(d),
        figures(page),
    ];
    document(
        &format!("{} dashboard", d.name),
        &header(page),
        &CARDS,
        &cards.join("\n"),
    )
}

fn header(page: &Page<'_>) -> String {
    let d = page.dashboard;
    let filter = if page.filter.is_empty() {
        String::new()
    } else {
        format!(
            " · deals matching <code>{}</code>",
            esc(&page.filter.join(" "))
        )
    };
    format!(
        r#"<h1>{}</h1><p class="meta">Today {} · window {} to {} ({} days) · {} deals{} · money in {}</p>"#,
        esc(&d.name),
        d.today,
        d.since,
        d.until,
        d.report.window.days,
        d.report.deals,
        filter,
        esc(&d.currency),
    )
}

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn fig_num(f: &Figure) -> Option<f64> {
    f.value.map(num)
}

fn text(f: &Figure, show: fn(Decimal) -> String) -> String {
    esc(&figure(f, show).0)
}

fn count_fmt(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn percent_fmt(v: f64) -> String {
    format!("{v:.0}%")
}

const MONEY: Axis<'static> = Axis {
    fmt: &compact,
    whole: false,
    top: None,
};

const COUNT: Axis<'static> = Axis {
    fmt: &count_fmt,
    whole: true,
    top: None,
};

const DAYS: Axis<'static> = Axis {
    fmt: &count_fmt,
    whole: false,
    top: None,
};

const PERCENT: Axis<'static> = Axis {
    fmt: &percent_fmt,
    whole: false,
    top: Some(100.0),
};

/// An amount as `funnel report` prints it, grouped by thousands as in
/// funnel's tables: `1,234,567.50`.
fn money(value: Decimal) -> String {
    grouped(&amount(value))
}

fn summary(d: &Dashboard) -> String {
    let r = &d.report;
    let open = &r.open_pipeline.total;
    // A kind's findings all have its severity (set per kind).
    let count = |severity: Severity| {
        d.findings
            .kinds
            .iter()
            .filter(|k| k.severity == severity)
            .map(|k| k.findings)
            .sum::<usize>()
    };
    let lead = &r.lead_generation.deals;
    let tiles = [
        (
            "Open pipeline",
            money(open.value),
            format!(
                "{} deals · {} weighted",
                open.deals,
                money(open.weighted_value)
            ),
        ),
        (
            "Won in the window",
            money(r.win_rate.won_value),
            format!("{} deals", r.win_rate.won),
        ),
        (
            "Win rate",
            figure(&r.win_rate.by_count, percent).0,
            format!("{} won · {} lost", r.win_rate.won, r.win_rate.lost),
        ),
        (
            "Average deal size",
            figure(&r.deal_size.mean, money).0,
            format!("median {}", figure(&r.deal_size.median, money).0),
        ),
        (
            "Sales cycle",
            figure(&r.cycle.won.median, days).0,
            format!("median · mean {}", figure(&r.cycle.won.mean, days).0),
        ),
        (
            "New deals",
            fixed(lead.total, 0),
            match &lead.target {
                Some(t) => format!("{} of target", figure(&t.attainment, percent).0),
                None => "no target set".to_string(),
            },
        ),
        (
            "Coverage",
            figure(&r.coverage.ratio, |c| format!("{}x", fixed(c, 2))).0,
            "of the won target".to_string(),
        ),
        (
            "Findings",
            d.findings.total.to_string(),
            format!(
                "{} error, {} warning, {} info",
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info)
            ),
        ),
    ];
    let mut body = String::from(r#"<div class="kpis">"#);
    for (name, value, sub) in tiles {
        body.push_str(&format!(
            r#"<div class="kpi"><div class="name">{}</div><div class="value">{}</div><div class="sub">{}</div></div>"#,
            esc(name),
            esc(&value),
            esc(&sub)
        ));
    }
    body.push_str("</div>");
    card(
        "summary",
        "Summary",
        "The open pipeline today; results and rates of the window.",
        &body,
        true,
    )
}

fn funnel(d: &Dashboard) -> String {
    // The funnel of the window: the deals that entered each open stage
    // (a skipped stage counts as passed), then those won.
    let r = &d.report;
    let mut rows: Vec<HBar> = r
        .conversion
        .iter()
        .map(|c| HBar {
            label: c.stage.clone(),
            value: c.entered as f64,
            note: format!("{} · {} on", c.entered, figure(&c.rate, percent).0),
            class: "c1",
            marks: Vec::new(),
        })
        .collect();
    rows.push(HBar {
        label: "won".to_string(),
        value: r.win_rate.won as f64,
        note: r.win_rate.won.to_string(),
        class: "c2",
        marks: Vec::new(),
    });
    let chart = svg::hbars(
        "funnel",
        "Deals that entered each stage in the window, and deals won",
        &rows,
        true,
    );
    let mut table = Table::new(&[
        "stage",
        "deals",
        "value",
        "weighted",
        "entered",
        "went on",
        "conversion",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6]);
    for s in &d.board.stages {
        let conversion = d.report.conversion.iter().find(|c| c.stage == s.stage);
        table.row(vec![
            esc(&s.stage),
            s.deals.to_string(),
            money(s.value),
            s.weighted_value.map(money).unwrap_or_default(),
            conversion
                .map(|c| c.entered.to_string())
                .unwrap_or_default(),
            conversion
                .map(|c| c.advanced.to_string())
                .unwrap_or_default(),
            conversion
                .map(|c| text(&c.rate, percent))
                .unwrap_or_default(),
        ]);
    }
    let open = &d.board.open;
    table.total(vec![
        "open".into(),
        open.deals.to_string(),
        money(open.value),
        money(open.weighted_value),
        String::new(),
        String::new(),
        String::new(),
    ]);
    card(
        "funnel",
        "The funnel by stage",
        "The window's funnel: the deals that entered each stage (a skipped stage counts as passed) and the share that went further, then the deals won. The table adds each stage's deals, value and weighted value today.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn balance(d: &Dashboard) -> String {
    let open = || d.board.stages.iter().filter(|s| s.kind == StageKind::Open);
    let limits = |stage: &str| {
        d.limits
            .iter()
            .find(|l| l.stage == stage)
            .map_or((None, None), |l| (l.wip_min, l.wip_max))
    };
    let rows: Vec<HBar> = open()
        .map(|s| HBar {
            label: s.stage.clone(),
            value: s.deals as f64,
            note: match (s.wip, limits(&s.stage)) {
                (Wip::Over { limit }, _) => format!("{} > max {limit}", s.deals),
                (Wip::Under { limit }, _) => format!("{} < min {limit}", s.deals),
                (Wip::Ok, (Some(min), Some(max))) => format!("{} in {min}–{max}", s.deals),
                (Wip::Ok, (None, Some(max))) => format!("{} ≤ max {max}", s.deals),
                (Wip::Ok, (Some(min), None)) => format!("{} ≥ min {min}", s.deals),
                (Wip::Ok, (None, None)) => s.deals.to_string(),
            },
            class: match s.wip {
                Wip::Ok => "c1",
                Wip::Over { .. } => "c3",
                Wip::Under { .. } => "c4",
            },
            marks: <[Option<u32>; 2]>::from(limits(&s.stage))
                .into_iter()
                .flatten()
                .map(f64::from)
                .collect(),
        })
        .collect();
    let chart = svg::hbars(
        "balance",
        "Open deals per stage against wip_min and wip_max",
        &rows,
        false,
    );
    let mut table = Table::new(&[
        "stage", "deals", "wip_min", "wip_max", "state", "stalled", "idle", "oldest",
    ])
    .numeric(&[1, 2, 3, 5, 6]);
    for s in open() {
        let state = match s.wip {
            Wip::Ok => "ok".to_string(),
            Wip::Over { limit } => format!(r#"<span class="wip-over">over {limit}</span>"#),
            Wip::Under { limit } => format!(r#"<span class="wip-under">under {limit}</span>"#),
        };
        let (min, max) = limits(&s.stage);
        table.row(vec![
            esc(&s.stage),
            s.deals.to_string(),
            min.map(|n| n.to_string()).unwrap_or_default(),
            max.map(|n| n.to_string()).unwrap_or_default(),
            state,
            s.stalled.to_string(),
            s.idle.to_string(),
            match (&s.oldest_deal, s.oldest_days) {
                (Some(id), Some(days)) => format!("{days}d {}", esc(id)),
                _ => String::new(),
            },
        ]);
    }
    card(
        "balance",
        "Stage balance",
        "Open deals per stage against the stage's wip_min and wip_max (dashed marks); stalled: longer in the stage than max_days, idle: unchanged for longer than idle_days.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn size_label(g: &SizeGroup) -> String {
    match (g.from, g.to) {
        (Some(from), Some(to)) if from.is_zero() => format!("< {}", compact(num(to))),
        (Some(from), Some(to)) => format!("{}–{}", compact(num(from)), compact(num(to))),
        _ => "no value".to_string(),
    }
}

fn sizes(d: &Dashboard) -> String {
    let groups = &d.breakdown.size_groups;
    let labels: Vec<String> = groups.iter().map(size_label).collect();
    let series = |name, class, f: fn(&SizeGroup) -> usize| Series {
        name,
        class,
        values: groups.iter().map(|g| Some(f(g) as f64)).collect(),
    };
    let chart = svg::bars(
        "sizes",
        "Deals per size group: open now, won and lost in the window",
        &labels,
        &[
            series("open", "c1", |g| g.open),
            series("won", "c2", |g| g.won),
            series("lost", "c3", |g| g.lost),
        ],
        None,
        true,
        &COUNT,
    );
    let mut table = Table::new(&[
        "value from",
        "under",
        "open",
        "open value",
        "won",
        "won value",
        "lost",
        "win rate",
    ])
    .numeric(&[0, 1, 2, 3, 4, 5, 6, 7]);
    for g in groups {
        table.row(vec![
            g.from.map_or("no value".to_string(), money),
            g.to.map(money).unwrap_or_default(),
            g.open.to_string(),
            money(g.open_value),
            g.won.to_string(),
            money(g.won_value),
            g.lost.to_string(),
            text(&g.win_rate, percent),
        ]);
    }
    card(
        "sizes",
        "Deal-size groups",
        "Open deals by their value, deals won or lost in the window by their value at close.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn cycle(d: &Dashboard) -> String {
    let c = &d.report.cycle;
    // (the table's name, the chart's shorter one, the figure)
    let spreads = [
        ("won: mean", "won, mean", &c.won.mean),
        ("won: median", "won, median", &c.won.median),
        ("won: 75th percentile", "won, 75th pct", &c.won.p75),
        ("lost: median", "lost, median", &c.lost.median),
        ("open deals' age: median", "open, age", &c.open_age.median),
    ];
    let rows: Vec<HBar> = spreads
        .iter()
        .filter_map(|(name, short, f)| {
            Some(HBar {
                label: short.to_string(),
                value: fig_num(f)?,
                note: figure(f, days).0,
                class: if name.starts_with("won") {
                    "c2"
                } else if name.starts_with("lost") {
                    "c3"
                } else {
                    "c1"
                },
                marks: Vec::new(),
            })
        })
        .collect();
    let chart = svg::hbars(
        "cycle",
        "Days from created to won or lost, and the age of open deals",
        &rows,
        false,
    );
    let mut table = Table::new(&["figure", "days", "deals"]).numeric(&[1, 2]);
    for (name, _, f) in spreads {
        let (value, deals) = figure(f, days);
        table.row(vec![esc(name), esc(&value), deals]);
    }
    card(
        "cycle",
        "Sales cycle",
        "Days from a deal's creation to its close, over the deals won and lost in the window; open deals' age today.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn stages(d: &Dashboard) -> String {
    let times = &d.report.time_in_stage;
    let labels: Vec<String> = times.iter().map(|t| t.stage.clone()).collect();
    let chart = svg::bars(
        "stages",
        "Days in each open stage: median and mean",
        &labels,
        &[
            Series {
                name: "median",
                class: "c1",
                values: times.iter().map(|t| fig_num(&t.median)).collect(),
            },
            Series {
                name: "mean",
                class: "c5",
                values: times.iter().map(|t| fig_num(&t.mean)).collect(),
            },
        ],
        None,
        false,
        &DAYS,
    );
    let mut table =
        Table::new(&["stage", "stays", "still there", "median", "mean"]).numeric(&[1, 2, 3, 4]);
    for t in times {
        table.row(vec![
            esc(&t.stage),
            t.stays.to_string(),
            t.current.to_string(),
            text(&t.median, days),
            text(&t.mean, days),
        ]);
    }
    card(
        "stages",
        "Time in stage",
        "Days per stay in each open stage, over the stays that began in the window (a current stay counts up to now).",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn won(d: &Dashboard) -> String {
    let months = &d.breakdown.months;
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    let value_chart = svg::bars(
        "won-value",
        "Won value per month against the won target",
        &labels,
        &[Series {
            name: "won value",
            class: "c2",
            values: months.iter().map(|m| Some(num(m.won_value))).collect(),
        }],
        Some(&Series {
            name: "target",
            class: "c4",
            values: months.iter().map(|m| m.won_target.map(num)).collect(),
        }),
        false,
        &MONEY,
    );
    let rate_chart = svg::lines(
        "win-rate",
        "Win rate per month, in percent",
        &labels,
        &[Series {
            name: "win rate",
            class: "c1",
            values: months.iter().map(|m| fig_num(&m.win_rate)).collect(),
        }],
        &PERCENT,
    );
    let mut table = Table::new(&["month", "won", "lost", "win rate", "won value", "target"])
        .numeric(&[1, 2, 3, 4, 5]);
    for m in months {
        table.row(vec![
            esc(&m.month),
            m.won.to_string(),
            m.lost.to_string(),
            text(&m.win_rate, percent),
            money(m.won_value),
            m.won_target.map(money).unwrap_or_default(),
        ]);
    }
    card(
        "won",
        "Won value and win rate by month",
        "Each month on its own: deals won and lost in it, won / (won + lost), the value at close of the deals won, against [targets] won_value (the current month so far against the whole month's target).",
        &format!("{value_chart}{rate_chart}{}", table.html()),
        false,
    )
}

fn leads(d: &Dashboard) -> String {
    let months = &d.breakdown.months;
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    let chart = |name: &'static str, title: &str, new: Vec<Option<f64>>, target, axis| {
        svg::bars(
            name,
            title,
            &labels,
            &[Series {
                name: "new",
                class: "c1",
                values: new,
            }],
            Some(&Series {
                name: "target",
                class: "c4",
                values: target,
            }),
            false,
            axis,
        )
    };
    let deals_chart = chart(
        "new-deals",
        "New deals per month against the target",
        months.iter().map(|m| Some(num(m.new_deals))).collect(),
        months.iter().map(|m| m.new_deals_target.map(num)).collect(),
        &COUNT,
    );
    let value_chart = chart(
        "new-value",
        "New value per month against the target",
        months.iter().map(|m| Some(num(m.new_value))).collect(),
        months.iter().map(|m| m.new_value_target.map(num)).collect(),
        &MONEY,
    );
    let mut table =
        Table::new(&["month", "new deals", "target", "new value", "target"]).numeric(&[1, 2, 3, 4]);
    for m in months {
        table.row(vec![
            esc(&m.month),
            m.new_deals.to_string(),
            m.new_deals_target.map(money).unwrap_or_default(),
            money(m.new_value),
            m.new_value_target.map(money).unwrap_or_default(),
        ]);
    }
    let lead = &d.report.lead_generation;
    let mut pace = Table::new(&["in the window", "deals", "value"]).numeric(&[1, 2]);
    let decimal = |v: Decimal| fixed(v, 1);
    pace.row(vec![
        "created".into(),
        money(lead.deals.total),
        money(lead.value.total),
    ]);
    for (name, deals, value) in [
        ("per day", &lead.deals.per_day, &lead.value.per_day),
        ("per week", &lead.deals.per_week, &lead.value.per_week),
        ("per month", &lead.deals.per_month, &lead.value.per_month),
    ] {
        pace.row(vec![name.into(), text(deals, decimal), text(value, money)]);
    }
    if lead.deals.target.is_some() || lead.value.target.is_some() {
        pace.row(vec![
            "target for the window".into(),
            lead.deals
                .target
                .as_ref()
                .map(|t| money(t.for_window))
                .unwrap_or_default(),
            lead.value
                .target
                .as_ref()
                .map(|t| money(t.for_window))
                .unwrap_or_default(),
        ]);
        pace.row(vec![
            "attainment".into(),
            lead.deals
                .target
                .as_ref()
                .map(|t| text(&t.attainment, percent))
                .unwrap_or_default(),
            lead.value
                .target
                .as_ref()
                .map(|t| text(&t.attainment, percent))
                .unwrap_or_default(),
        ]);
    }
    for p in &lead.projection {
        pace.row(vec![
            format!("at this pace in {} month(s)", p.months),
            text(&p.deals, decimal),
            text(&p.value, money),
        ]);
    }
    card(
        "leads",
        "Lead generation",
        "Deals and value created per month against [targets] new_deals and new_value (the current month so far); the window's pace against the target, and what it brings in 1, 3 and 6 months.",
        &format!("{deals_chart}{value_chart}{}{}", table.html(), pace.html()),
        false,
    )
}

fn forecast(d: &Dashboard) -> String {
    let months = &d.report.forecast;
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    let chart = svg::bars(
        "forecast",
        "Open value and weighted value by expected close month",
        &labels,
        &[
            Series {
                name: "value",
                class: "c5",
                values: months.iter().map(|m| Some(num(m.value))).collect(),
            },
            Series {
                name: "weighted",
                class: "c1",
                values: months.iter().map(|m| Some(num(m.weighted_value))).collect(),
            },
        ],
        None,
        false,
        &MONEY,
    );
    let mut table = Table::new(&["close month", "deals", "value", "weighted"]).numeric(&[1, 2, 3]);
    for m in months {
        table.row(vec![
            esc(&m.month),
            m.deals.to_string(),
            money(m.value),
            money(m.weighted_value),
        ]);
    }
    let c = &d.report.coverage;
    let mut coverage = Table::new(&["coverage of the won target", "value"]).numeric(&[1]);
    let optional = |v: Option<Decimal>| v.map_or("n/a".to_string(), money);
    for (name, value) in [
        (
            format!(
                "open weighted value due in the window ({} deals)",
                c.due_deals
            ),
            money(c.due_weighted_value),
        ),
        ("won target for the window".to_string(), optional(c.target)),
        ("won in the window".to_string(), money(c.won_value)),
        ("target remaining".to_string(), optional(c.remaining)),
        (
            "coverage".to_string(),
            figure(&c.ratio, |r| format!("{}x", fixed(r, 2))).0,
        ),
    ] {
        coverage.row(vec![esc(&name), esc(&value)]);
    }
    card(
        "forecast",
        "Forecast",
        "Open deals by expected close month, weighted by probability; coverage is the weighted value due in the window over what is left of the won target.",
        &format!("{chart}{}{}", table.html(), coverage.html()),
        false,
    )
}

fn lost(d: &Dashboard) -> String {
    let reasons = &d.breakdown.lost_reasons;
    let rows: Vec<HBar> = reasons
        .iter()
        .map(|r| HBar {
            label: r.reason.clone(),
            value: r.deals as f64,
            note: format!("{} · {}", r.deals, figure(&r.share, percent).0),
            class: "c3",
            marks: Vec::new(),
        })
        .collect();
    let chart = svg::hbars("lost", "Deals lost in the window by reason", &rows, false);
    let mut table = Table::new(&["reason", "deals", "share", "value"]).numeric(&[1, 2, 3]);
    for r in reasons {
        table.row(vec![
            esc(&r.reason),
            r.deals.to_string(),
            text(&r.share, percent),
            money(r.value),
        ]);
    }
    card(
        "lost",
        "Lost reasons",
        "Deals lost in the window by their lost_reason, with their value at close.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn leaders(d: &Dashboard) -> String {
    let rows: Vec<HBar> = d
        .leaders
        .iter()
        .map(|l| HBar {
            label: l.name.clone(),
            value: num(l.report.win_rate.won_value),
            note: money(l.report.win_rate.won_value),
            class: if l.groups > 1 { "c5" } else { "c2" },
            marks: Vec::new(),
        })
        .collect();
    let chart = svg::hbars(
        "leaders",
        &format!("Won value in the window by {}", d.by),
        &rows,
        false,
    );
    let mut table = Table::new(&[
        &d.by,
        "open deals",
        "weighted",
        "won",
        "won value",
        "win rate",
        "deal size",
        "cycle (median)",
        "new deals",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for l in &d.leaders {
        table.row(leader_row(l));
    }
    card(
        "leaders",
        "Leaderboard",
        &format!(
            "Per {}: the open pipeline today and the results of the window, as `funnel report --by {}` computes them; most won value first.",
            d.by, d.by
        ),
        &format!(r#"<div class="narrow">{chart}</div>{}"#, table.html()),
        true,
    )
}

/// A chart and its table side by side (one above the other on a narrow
/// screen), for the wide cards.
fn pair(chart: &str, table: &str) -> String {
    format!(r#"<div class="pair"><div>{chart}</div><div>{table}</div></div>"#)
}

fn leader_row(l: &Leader) -> Vec<String> {
    let r = &l.report;
    let name = if l.groups > 1 {
        format!(r#"<span class="muted">{}</span>"#, esc(&l.name))
    } else {
        esc(&l.name)
    };
    vec![
        name,
        r.open_pipeline.total.deals.to_string(),
        money(r.open_pipeline.total.weighted_value),
        r.win_rate.won.to_string(),
        money(r.win_rate.won_value),
        text(&r.win_rate.by_count, percent),
        text(&r.deal_size.mean, money),
        text(&r.cycle.won.median, days),
        r.win_rate.created.to_string(),
    ]
}

fn products(d: &Dashboard) -> String {
    let products = &d.report.products;
    let labels: Vec<String> = products.iter().map(|p| p.product.clone()).collect();
    let chart = svg::bars(
        "products",
        "Deals created and won per product in the window",
        &labels,
        &[
            Series {
                name: "created",
                class: "c1",
                values: products.iter().map(|p| Some(p.created as f64)).collect(),
            },
            Series {
                name: "won",
                class: "c2",
                values: products.iter().map(|p| Some(p.won as f64)).collect(),
            },
        ],
        None,
        false,
        &COUNT,
    );
    let mut table = Table::new(&[
        "product",
        "created",
        "new target",
        "won",
        "won target",
        "lost",
        "win rate",
        "won value",
        "share",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for p in products {
        table.row(vec![
            esc(&p.product),
            p.created.to_string(),
            p.target_new_deals.map(money).unwrap_or_default(),
            p.won.to_string(),
            p.target_won.map(money).unwrap_or_default(),
            p.lost.to_string(),
            text(&p.win_rate, percent),
            money(p.won_value),
            text(&p.share, percent),
        ]);
    }
    card(
        "products",
        "Products",
        "Per product in the window: deals created and won against [targets] products, lost, win rate, won value, share of the deals created.",
        &format!("{chart}{}", table.html()),
        false,
    )
}

fn severity(name: &str) -> String {
    format!(r#"<span class="sev {name}">{name}</span>"#)
}

fn findings(d: &Dashboard) -> String {
    let f = &d.findings;
    let rows: Vec<HBar> = f
        .kinds
        .iter()
        .map(|k| HBar {
            label: k.kind.name().to_string(),
            value: k.findings as f64,
            note: k.findings.to_string(),
            class: match k.severity {
                Severity::Error => "c3",
                Severity::Warning => "c4",
                Severity::Info => "c1",
            },
            marks: Vec::new(),
        })
        .collect();
    let chart = svg::hbars("findings", "Findings by kind", &rows, false);
    let mut kinds =
        Table::new(&["kind", "severity", "findings", "weighted value at stake"]).numeric(&[2, 3]);
    for k in &f.kinds {
        kinds.row(vec![
            esc(k.kind.name()),
            severity(k.severity.name()),
            k.findings.to_string(),
            money(k.at_stake),
        ]);
    }
    let mut list = Table::new(&["severity", "kind", "deal", "finding", "fix"]);
    for finding in &f.shown {
        let deals: Vec<String> = finding
            .deals
            .iter()
            .map(|id| match f.titles.get(id) {
                Some(title) => {
                    format!("{}<br><span class=\"muted\">{}</span>", esc(id), esc(title))
                }
                None => esc(id),
            })
            .collect();
        list.row(vec![
            severity(finding.severity.name()),
            esc(finding.kind.name()),
            deals.join("<br>"),
            esc(&finding.message),
            format!("<code>{}</code>", esc(&finding.fix)),
        ]);
    }
    let more = if f.total > f.shown.len() {
        format!(
            r#"<p class="intro">The first {} of {} findings; <code>funnel doctor</code> lists them all.</p>"#,
            FINDINGS_SHOWN, f.total
        )
    } else {
        String::new()
    };
    card(
        "findings",
        "Findings",
        "The pipeline's health as funnel doctor sees it: the sales mistakes as findings, each with the command that fixes it; most severe and most at stake first.",
        &format!("{}{more}{}", pair(&chart, &kinds.html()), list.html()),
        true,
    )
}

fn figures(page: &Page<'_>) -> String {
    let mut table = Table::new(&["metric", "value", "deals"]).numeric(&[2]);
    for (metric, value, deals) in &page.lines {
        table.row(vec![esc(metric), esc(value), esc(deals)]);
    }
    card(
        "figures",
        "All figures",
        "Every figure of the window as funnel report prints it, with the deals it rests on.",
        &format!(
            "<details open><summary>The report's {} figures</summary>{}</details>",
            page.lines.len(),
            table.html()
        ),
        true,
    )
}
