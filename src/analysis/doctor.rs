//! `doctor`: the pipeline's health, as findings a person can act on.
//!
//! Each of the sales mistakes funnel is built against becomes a finding
//! kind (SPEC section 6): not prospecting, unqualified deals kept, lost
//! balance (WIP limits, stalled and idle deals), dead deals not dropped,
//! missing data, neglected customers, product imbalance; plus broken
//! promises (overdue next steps) and follow-ups that are due. "Watching the
//! wrong metrics" is no check: `report` shows the right ones. Every finding
//! names its deals, the numbers behind it, a severity and the exact command
//! that resolves it. Pure: "today" and the history facts are passed in.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::metrics::{PROJECTION_MONTHS, ahead};
use crate::model::config::{Config, Period, Stage, StageKind, Wip};
use crate::model::deal::Deal;
use crate::model::money::{amount, round};
use crate::store::pipeline::Pipeline;

pub use crate::model::finding::{Kind, Severity};

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// The deals it names (empty for pipeline-wide findings).
    pub deals: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// What is wrong, with the numbers behind it.
    pub message: String,
    /// The command that resolves it.
    pub fix: String,
    /// Value x probability of the deal, for ranking (pipeline currency).
    #[serde(serialize_with = "crate::model::json::serialize_money")]
    pub at_stake: Option<Decimal>,
}

/// The top-level keys of a closed deal's file that [`diagnose`] and `next`
/// read: its checks of open deals (qualification, stages' required keys,
/// expected close, snoozes) are not made of closed ones.
pub const CLOSED_KEYS: &[&str] = &[
    "account",
    "created",
    "currency",
    "last_contact",
    "next_step",
    "next_step_due",
    "owner",
    "probability",
    "product",
    "value",
];

/// The top-level keys of a deal file that [`diagnose`] and `next` read,
/// for `config` (whose stages name the keys they require): a pipeline
/// loaded with only these gives the same findings.
pub fn keys(config: &crate::model::config::Config) -> Vec<&str> {
    config.with_required_keys(&[
        "value",
        "currency",
        "probability",
        "owner",
        "account",
        "product",
        "created",
        "expected_close",
        "last_contact",
        "next_step",
        "next_step_due",
        "snooze_until",
        "snooze_reason",
        "qualification",
    ])
}

/// Every finding for the pipeline on `today`, most severe first, then by
/// value at stake.
pub fn diagnose(pipeline: &Pipeline, today: Date) -> Vec<Finding> {
    diagnose_some(pipeline, today, None)
}

/// The findings of the deals of `owner` on `today`, and the neglected
/// customers (which span owners, so all won deals count), in the order
/// of [`diagnose`]: one rep's work. The pipeline's own findings (balance,
/// prospecting, products) are nobody's and not made.
pub fn diagnose_owner(pipeline: &Pipeline, today: Date, owner: &str) -> Vec<Finding> {
    diagnose_some(pipeline, today, Some(owner))
}

fn diagnose_some(pipeline: &Pipeline, today: Date, owner: Option<&str>) -> Vec<Finding> {
    let config = &pipeline.config;
    let mut out = Findings {
        config,
        findings: Vec::new(),
    };
    let deals = (pipeline.staged()).filter(|(_, d)| owner.is_none_or(|o| d.owner() == Some(o)));
    for (n, deal) in deals {
        let stage = &config.stages[n];
        if stage.kind == StageKind::Open {
            open_deal(&mut out, pipeline, deal, today);
        } else {
            follow_ups(&mut out, deal, stage, today);
        }
    }
    if owner.is_none() {
        balance(&mut out, pipeline);
        prospecting(&mut out, pipeline, today);
    }
    customers(&mut out, pipeline, today);
    if owner.is_none() {
        products(&mut out, pipeline, today);
    }
    let mut findings = out.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.at_stake.cmp(&a.at_stake))
            .then(a.kind.cmp(&b.kind))
            .then(a.deals.cmp(&b.deals))
    });
    findings
}

struct Findings<'a> {
    config: &'a Config,
    findings: Vec<Finding>,
}

impl Findings<'_> {
    fn push(&mut self, kind: Kind, deal: Option<&Deal>, message: String, fix: String) {
        let severity = self
            .config
            .doctor
            .severity
            .get(&kind)
            .copied()
            .unwrap_or(kind.default_severity());
        self.findings.push(Finding {
            kind,
            severity,
            deals: deal.map(|d| vec![d.id.clone()]).unwrap_or_default(),
            owner: deal.and_then(|d| d.owner().map(str::to_string)),
            stage: deal.map(|d| d.stage.clone()),
            message,
            fix,
            at_stake: deal.and_then(|d| d.weighted_value(self.config)),
        });
    }
}

/// How an open deal moves: days in its stage and since its last change,
/// and the limits it is over (`None` when within them or unknown).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pace {
    pub in_stage: Option<i64>,
    pub since_change: Option<i64>,
    /// The stage's max_days, when the deal is over it.
    pub stalled: Option<u32>,
    /// The stage's idle_days, when the deal is over it.
    pub idle: Option<u32>,
    /// Snoozed until a date after today: stalled and idle do not count.
    pub snoozed: bool,
}

impl Pace {
    pub fn of(config: &Config, deal: &Deal, today: Date) -> Pace {
        let facts = &deal.facts;
        let Some(stage) = config
            .stage(&deal.stage)
            .filter(|s| s.kind == StageKind::Open)
        else {
            return Pace::default();
        };
        let in_stage = facts
            .entered_stage
            .or_else(|| deal.date("created"))
            .map(|d| days(d, today));
        let since_change = facts.last_change.map(|d| days(d, today));
        let snoozed = deal
            .date("snooze_until")
            .is_some_and(|until| until >= today);
        let over = |limit: Option<u32>, value: Option<i64>| {
            limit.filter(|l| !snoozed && value.is_some_and(|v| v > i64::from(*l)))
        };
        Pace {
            in_stage,
            since_change,
            stalled: over(stage.max_days, in_stage),
            idle: over(stage.idle_days, since_change),
            snoozed,
        }
    }
}

/// Whether the deal's `next_step` is a follow-up of a closed stage it is
/// no longer in (and not one of its own stage's). A reopened lost deal keeps
/// no lost follow-up: "Check-in email" 90 days after the loss is no promise
/// once the deal is open again, so doctor counts no broken promise for it
/// and counts the deal as having no next step, and `next` lists nothing due.
/// `move` drops such a step when a deal leaves the stage; this covers the
/// files moved before it did, and moves made with git.
pub fn follow_up_left_behind(config: &Config, deal: &Deal) -> bool {
    let Some(step) = deal.text("next_step") else {
        return false;
    };
    let has_step = |s: &Stage| s.follow_up.iter().any(|f| f.step == step);
    let own = config.stage(&deal.stage).is_some_and(has_step);
    !own && config
        .stages
        .iter()
        .filter(|s| s.kind != StageKind::Open && s.id != deal.stage)
        .any(has_step)
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).get_days() as i64
}

fn open_deal(out: &mut Findings<'_>, pipeline: &Pipeline, deal: &Deal, today: Date) {
    let config = out.config;
    let id = &deal.id;
    let snoozed = deal.date("snooze_until").filter(|until| *until >= today);
    // 2. Unqualified deals kept.
    if config.stage_index(&deal.stage) > config.stage_index(&config.first_stage().id) {
        let mut gaps = Vec::new();
        if deal
            .get("qualification.problem_agreed")
            .and_then(|v| v.as_bool())
            != Some(true)
        {
            gaps.push("no agreed problem".to_string());
        }
        if !deal.has_field("qualification.need") {
            gaps.push("no need".to_string());
        }
        let missing = crate::analysis::check::missing_required(pipeline, deal, &deal.stage);
        if !missing.is_empty() {
            gaps.push(format!("missing {}", missing.join(", ")));
        }
        if !gaps.is_empty() {
            let fix = if deal.has_field("qualification.need") {
                format!("funnel set {id} qualification.problem_agreed=true")
            } else {
                format!(
                    "funnel set {id} qualification.need=\"...\" qualification.problem_agreed=true"
                )
            };
            out.push(
                Kind::Unqualified,
                Some(deal),
                format!("{id} is in {} with {}", deal.stage, gaps.join(", ")),
                format!("{fix}, or funnel move {id} lost --reason unqualified"),
            );
        }
    }
    // 3. Stalled and idle, unless snoozed.
    let pace = Pace::of(config, deal, today);
    let stalled = pace
        .stalled
        .map(|max| (max, pace.in_stage.unwrap_or_default()));
    let far_gone = stalled.is_some_and(|(max, d)| d > 2 * i64::from(max));
    if let Some(until) = snoozed {
        let reason = deal
            .text("snooze_reason")
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        out.push(
            Kind::Snoozed,
            Some(deal),
            format!("{id} is snoozed until {until}{reason}"),
            format!("funnel unsnooze {id}"),
        );
    } else if let Some((max, d)) = stalled.filter(|_| !far_gone) {
        out.push(
            Kind::Stalled,
            Some(deal),
            format!("{id}: {d} days in {}, limit {max}", deal.stage),
            format!("move it on, or funnel snooze {id} +2w --reason \"...\""),
        );
    } else if let (Some(limit), Some(idle), false) = (pace.idle, pace.since_change, far_gone) {
        // A stalled deal is idle too; the stall says more.
        out.push(
            Kind::Idle,
            Some(deal),
            format!("{id}: no change for {idle} days, limit {limit}"),
            format!("funnel set {id} last_contact=today next_step=\"...\" next_step_due=friday"),
        );
    }
    // 4. Dead deals.
    let lost = config
        .stages
        .iter()
        .find(|s| s.kind == StageKind::Lost)
        .map_or("lost", |s| s.id.as_str());
    let past_close = deal
        .date("expected_close")
        .map(|d| days(d, today))
        .filter(|d| *d > i64::from(config.doctor.dead_after_days));
    if let Some(late) = past_close {
        out.push(
            Kind::DeadDeal,
            Some(deal),
            format!(
                "{id}: {late} days past its expected close {}",
                deal.date("expected_close")
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            format!("funnel move {id} {lost} --reason no-decision"),
        );
    } else if far_gone && snoozed.is_none() {
        let (max, d) = stalled.unwrap_or_default();
        out.push(
            Kind::DeadDeal,
            Some(deal),
            format!(
                "{id}: {d} days in {}, more than twice the limit of {max}",
                deal.stage
            ),
            format!("funnel move {id} {lost} --reason no-decision"),
        );
    }
    // 5. Missing data; a follow-up left behind is no next step.
    let left_behind = follow_up_left_behind(config, deal);
    let missing: Vec<&str> = ["value", "owner", "expected_close", "next_step"]
        .into_iter()
        .filter(|k| !deal.has_field(k) || (*k == "next_step" && left_behind))
        .collect();
    if !missing.is_empty() {
        let sets: Vec<String> = missing
            .iter()
            .map(|k| match *k {
                "expected_close" => "expected_close=eom".to_string(),
                "next_step" => "next_step=\"...\" next_step_due=friday".to_string(),
                k => format!("{k}=..."),
            })
            .collect();
        out.push(
            Kind::MissingData,
            Some(deal),
            format!("{id} has no {}", missing.join(", ")),
            format!("funnel set {id} {}", sets.join(" ")),
        );
    }
    // Broken promises.
    if let Some(due) = deal
        .date("next_step_due")
        .filter(|d| *d < today && !left_behind)
    {
        let step = deal.text("next_step").unwrap_or("the next step");
        out.push(
            Kind::BrokenPromise,
            Some(deal),
            format!(
                "{id}: \"{step}\" was due {due}, {} days ago",
                days(due, today)
            ),
            format!("funnel set {id} next_step_due=friday"),
        );
    }
}

/// Follow-ups of a closed deal: each step of its stage's follow_up list is
/// due `after_days` after the close and done once `last_contact` is on or
/// after its due date.
fn follow_ups(out: &mut Findings<'_>, deal: &Deal, stage: &Stage, today: Date) {
    let facts = &deal.facts;
    // Most closed stages have no steps: nothing of the deal is read then.
    if stage.follow_up.is_empty() {
        return;
    }
    let Some(closed) = facts.entered_stage else {
        return;
    };
    let contacted = deal.date("last_contact");
    for step in &stage.follow_up {
        let due = closed + i64::from(step.after_days).days();
        if due <= today && contacted.is_none_or(|c| c < due) && days(due, today) <= 30 {
            out.push(
                Kind::FollowUpDue,
                Some(deal),
                format!(
                    "{}: \"{}\" due {due} ({} days after it was {})",
                    deal.id, step.step, step.after_days, deal.stage
                ),
                format!("funnel set {} last_contact=today", deal.id),
            );
        }
    }
}

fn balance(out: &mut Findings<'_>, pipeline: &Pipeline) {
    let mut counts = vec![0; out.config.stages.len()];
    for (n, _) in pipeline.staged() {
        counts[n] += 1;
    }
    let stages = out.config.stages.iter().zip(counts);
    for (stage, count) in stages.filter(|(s, _)| s.kind == StageKind::Open) {
        match stage.wip(count) {
            Wip::Ok => {}
            Wip::Over { limit } => out.push(
                Kind::Balance,
                None,
                format!(
                    "{}: {count} open deals, more than wip_max {limit}",
                    stage.id
                ),
                format!(
                    "funnel list stage:{} --sort expected_close, then move or drop the stuck ones",
                    stage.id
                ),
            ),
            Wip::Under { limit } => out.push(
                Kind::Balance,
                None,
                format!(
                    "{}: {count} open deals, fewer than wip_min {limit}",
                    stage.id
                ),
                format!(
                    "funnel list stage:{} --all; feed the stage from the one before it",
                    stage.id
                ),
            ),
        }
    }
}

/// Days in a period, for paces (see [`Period::nominal_days`]).
fn period_days(period: Period) -> Decimal {
    Decimal::from(period.nominal_days())
}

fn created(deal: &Deal) -> Option<Date> {
    deal.date("created").or(deal.facts.created)
}

/// Lead generation: this week's and this month's pace against the targets,
/// with what the pipeline gains at that pace in 1, 3 and 6 months.
fn prospecting(out: &mut Findings<'_>, pipeline: &Pipeline, today: Date) {
    let config = out.config;
    let week_start = today - i64::from(config.week_start.until(today.weekday())).days();
    let month_start = today.first_of_month();
    // Only deals created since the week or month began count: the value
    // of no other is worked out.
    let first = week_start.min(month_start);
    let created: Vec<(Date, Option<Decimal>)> = (pipeline.deals.iter())
        .filter_map(|d| Some((created(d).filter(|c| (first..=today).contains(c))?, d)))
        .map(|(created, d)| (created, d.value(config)))
        .collect();
    let since = |start: Date| {
        created
            .iter()
            .filter(move |(c, _)| *c >= start && *c <= today)
    };
    let elapsed = |start: Date| Decimal::from(days(start, today) + 1);
    let month = |pace: Decimal| -> String {
        PROJECTION_MONTHS
            .map(|m| amount(round(ahead(pace, m).unwrap_or(Decimal::MAX), 0)))
            .join(", ")
    };
    if let Some(target) = &config.targets.new_deals {
        let per_day = Decimal::from(target.count) / period_days(target.per);
        for (name, start) in [("this week", week_start), ("this month", month_start)] {
            let count = since(start).count();
            let pace = Decimal::from(count as u64) / elapsed(start);
            if pace < per_day {
                out.push(
                    Kind::NotProspecting,
                    None,
                    format!(
                        "{count} new deals {name} ({} a {}), target {} a {}: at this pace {} more in 1, 3 and 6 months, target {}",
                        round(pace.saturating_mul(period_days(target.per)), 1),
                        target.per.name(),
                        target.count,
                        target.per.name(),
                        month(pace),
                        month(per_day)
                    ),
                    "funnel add \"TITLE\" --source outbound   # prospect: book time for new leads".to_string(),
                );
                break;
            }
        }
    }
    if let Some(target) = &config.targets.new_value {
        let per_day = target.amount / period_days(target.per);
        for (name, start) in [("this week", week_start), ("this month", month_start)] {
            let value: Decimal = since(start).filter_map(|(_, v)| *v).sum();
            let pace = value / elapsed(start);
            if pace < per_day {
                out.push(
                    Kind::NotProspecting,
                    None,
                    format!(
                        "{} {} of new deals {name} ({} a {}), target {} a {}: at this pace {} more in 1, 3 and 6 months, target {}",
                        amount(value),
                        config.currency,
                        amount(round(pace.saturating_mul(period_days(target.per)), 0)),
                        target.per.name(),
                        amount(target.amount),
                        target.per.name(),
                        month(round(pace, 0)),
                        month(per_day)
                    ),
                    "funnel add \"TITLE\" --value AMOUNT   # prospect: book time for new leads".to_string(),
                );
                break;
            }
        }
    }
}

/// Won accounts whose last contact (the newest `last_contact` of their won
/// deals, else the win) is older than `checkin_days`.
fn customers(out: &mut Findings<'_>, pipeline: &Pipeline, today: Date) {
    let Some(limit) = out.config.customers.checkin_days else {
        return;
    };
    let stages = &out.config.stages;
    let won = pipeline
        .staged()
        .filter(|(n, _)| stages[*n].kind == StageKind::Won);
    let mut accounts: BTreeMap<&str, (Date, &Deal)> = BTreeMap::new();
    for (_, deal) in won {
        let account = deal.text("account").unwrap_or(&deal.id);
        let Some(contact) = deal.date("last_contact").or(deal.facts.entered_stage) else {
            continue;
        };
        let entry = accounts.entry(account).or_insert((contact, deal));
        if contact > entry.0 {
            *entry = (contact, deal);
        }
    }
    for (account, (contact, deal)) in accounts {
        let gap = days(contact, today);
        if gap > i64::from(limit) {
            out.push(
                Kind::NeglectedCustomer,
                Some(deal),
                format!(
                    "{account}: no contact for {gap} days (since {contact}), check in every {limit}"
                ),
                format!(
                    "funnel set {} last_contact=today   # after the check-in call",
                    deal.id
                ),
            );
        }
    }
}

/// Products below their targets this month (targets per other periods are
/// scaled to the days elapsed in the period).
fn products(out: &mut Findings<'_>, pipeline: &Pipeline, today: Date) {
    let config = out.config;
    for (product, target) in &config.targets.products {
        let start = today
            - (period_days(target.per) - Decimal::ONE)
                .try_into()
                .map(|d: i64| d.days())
                .unwrap_or(0.days());
        let of_product: Vec<&Deal> = pipeline
            .deals
            .iter()
            .filter(|d| d.text("product") == Some(product.as_str()))
            .collect();
        let new = of_product
            .iter()
            .filter(|d| created(d).is_some_and(|c| c >= start))
            .count();
        let won = of_product
            .iter()
            .filter(|d| {
                config
                    .stage(&d.stage)
                    .is_some_and(|s| s.kind == StageKind::Won)
            })
            .filter(|d| d.facts.entered_stage.is_some_and(|e| e >= start))
            .count();
        let mut gaps = Vec::new();
        if let Some(t) = target.new_deals.filter(|t| new < *t as usize) {
            gaps.push(format!("{new} new deals, target {t}"));
        }
        if let Some(t) = target.won.filter(|t| won < *t as usize) {
            gaps.push(format!("{won} won, target {t}"));
        }
        if !gaps.is_empty() {
            out.push(
                Kind::ProductImbalance,
                None,
                format!(
                    "{product}: {} in the last {} days",
                    gaps.join(", "),
                    period_days(target.per)
                ),
                format!("funnel list product:{product} --all; prospect for {product}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use jiff::civil::date;

    use super::*;
    use crate::model::deal::DealFacts;

    /// Two open stages with limits, won and lost with follow-ups, and
    /// targets of 10 new deals and 7,000 of new value a week.
    const CONFIG: &str = r#"
name = "Test"
currency = "USD"
timezone = "UTC"
week_start = "monday"

[[stage]]
id = "lead"
kind = "open"
probability = 10
max_days = 14
idle_days = 7
wip_min = 2

[[stage]]
id = "proposal"
kind = "open"
probability = 60
max_days = 30
idle_days = 10
wip_max = 1

[[stage]]
id = "won"
kind = "won"
follow_up = [{ after_days = 0, step = "Send the welcome email series" },
             { after_days = 90, step = "Customer check-in call" }]

[[stage]]
id = "lost"
kind = "lost"
follow_up = [{ after_days = 90, step = "Check-in email" }]
"#;

    const TARGETS: &str = r#"
[targets]
new_deals = { count = 10, per = "week" }
new_value = { amount = 7000, per = "week" }
"#;

    /// Friday 2026-11-27; the week began on Monday 2026-11-23.
    fn today() -> Date {
        date(2026, 11, 27)
    }

    /// Every field doctor asks an open deal for, due in the future.
    const COMPLETE: &str = "owner = \"alice\"\nvalue = 1000\nexpected_close = 2026-12-31\nnext_step = \"Call\"\nnext_step_due = 2026-12-04\n";

    /// The deal `STAGE/ID.toml` with a title and `text`.
    fn deal(path: &str, text: &str) -> Deal {
        Deal::parse(Path::new(path), &format!("title = \"T\"\n{text}")).expect("test deal")
    }

    fn pipeline(config: &str, deals: Vec<Deal>) -> Pipeline {
        Pipeline {
            root: PathBuf::new(),
            config: Config::parse(config).expect("test config"),
            deals,
            problems: Vec::new(),
            hidden: 0,
            temp_files: Vec::new(),
        }
    }

    /// What the history says: entered the present stage, last changed.
    fn history(entered: Date, last_change: Date) -> DealFacts {
        DealFacts {
            created: None,
            last_change: Some(last_change),
            entered_stage: Some(entered),
        }
    }

    /// The findings of `kind`: (deals, message, fix).
    fn found(
        pipeline: &Pipeline,
        facts: &[(&str, DealFacts)],
        kind: Kind,
    ) -> Vec<(String, String, String)> {
        let deals = (pipeline.deals.iter())
            .map(|deal| {
                let mut deal = deal.clone();
                if let Some((_, f)) = facts.iter().find(|(id, _)| *id == deal.id) {
                    deal.facts = *f;
                }
                deal
            })
            .collect();
        let pipeline = Pipeline {
            root: pipeline.root.clone(),
            config: pipeline.config.clone(),
            deals,
            problems: Vec::new(),
            hidden: 0,
            temp_files: Vec::new(),
        };
        diagnose(&pipeline, today())
            .into_iter()
            .filter(|f| f.kind == kind)
            .map(|f| (f.deals.join(","), f.message, f.fix))
            .collect()
    }

    fn row(deals: &str, message: &str, fix: &str) -> (String, String, String) {
        (deals.to_string(), message.to_string(), fix.to_string())
    }

    /// Four lead deals against max_days 14 and idle_days 7.
    fn lead_deals() -> (Pipeline, Vec<(&'static str, DealFacts)>) {
        let snoozed =
            format!("{COMPLETE}snooze_until = 2026-12-01\nsnooze_reason = \"holidays\"\n");
        let p = pipeline(
            CONFIG,
            vec![
                deal("lead/stalled.toml", COMPLETE),
                deal("lead/idle.toml", COMPLETE),
                deal("lead/napping.toml", &snoozed),
                deal("lead/gone.toml", COMPLETE),
            ],
        );
        let facts = vec![
            // 2026-11-10 to 11-27: 17 days in lead, over 14 (and idle 17
            // days, over 7: the stall says more, so no idle finding).
            ("stalled", history(date(2026, 11, 10), date(2026, 11, 10))),
            // 7 days in lead (not over 14); no change for 8 days, over 7.
            ("idle", history(date(2026, 11, 20), date(2026, 11, 19))),
            // 26 days in lead, but snoozed until after today.
            ("napping", history(date(2026, 11, 1), date(2026, 11, 1))),
            // 38 days in lead: over twice 14 (28), so a dead deal instead.
            ("gone", history(date(2026, 10, 20), date(2026, 10, 20))),
        ];
        (p, facts)
    }

    #[test]
    fn stalled_idle_snoozed_and_far_gone_deals() {
        let (p, facts) = lead_deals();
        assert_eq!(
            found(&p, &facts, Kind::Stalled),
            [row(
                "stalled",
                "stalled: 17 days in lead, limit 14",
                "move it on, or funnel snooze stalled +2w --reason \"...\""
            )]
        );
        assert_eq!(
            found(&p, &facts, Kind::Idle),
            [row(
                "idle",
                "idle: no change for 8 days, limit 7",
                "funnel set idle last_contact=today next_step=\"...\" next_step_due=friday"
            )]
        );
        assert_eq!(
            found(&p, &facts, Kind::Snoozed),
            [row(
                "napping",
                "napping is snoozed until 2026-12-01: holidays",
                "funnel unsnooze napping"
            )]
        );
        assert_eq!(
            found(&p, &facts, Kind::DeadDeal),
            [row(
                "gone",
                "gone: 38 days in lead, more than twice the limit of 14",
                "funnel move gone lost --reason no-decision"
            )]
        );
    }

    #[test]
    fn balance_is_a_stage_over_wip_max_or_under_wip_min() {
        // lead holds 1 deal (wip_min 2); proposal 2 (wip_max 1). Won deals
        // count in no open stage.
        let p = pipeline(
            CONFIG,
            vec![
                deal("lead/a.toml", COMPLETE),
                deal("proposal/b.toml", COMPLETE),
                deal("proposal/c.toml", COMPLETE),
                deal("won/d.toml", COMPLETE),
            ],
        );
        assert_eq!(
            found(&p, &[], Kind::Balance),
            [
                row(
                    "",
                    "lead: 1 open deals, fewer than wip_min 2",
                    "funnel list stage:lead --all; feed the stage from the one before it"
                ),
                row(
                    "",
                    "proposal: 2 open deals, more than wip_max 1",
                    "funnel list stage:proposal --sort expected_close, then move or drop the stuck ones"
                ),
            ]
        );
        // At the limits: 2 in lead, 1 in proposal.
        let p = pipeline(
            CONFIG,
            vec![
                deal("lead/a.toml", COMPLETE),
                deal("lead/b.toml", COMPLETE),
                deal("proposal/c.toml", COMPLETE),
            ],
        );
        assert_eq!(found(&p, &[], Kind::Balance), []);
    }

    #[test]
    fn missing_data_names_each_missing_field_and_its_fix() {
        let p = pipeline(
            CONFIG,
            vec![
                deal("lead/bare.toml", ""),
                // A blank owner is no owner; a value of 0 is a value.
                deal(
                    "lead/blank.toml",
                    "owner = \"  \"\nvalue = 0\nexpected_close = 2026-12-31\nnext_step = \"Call\"\n",
                ),
                deal("lead/full.toml", COMPLETE),
                // Closed deals are not asked for them.
                deal("won/closed.toml", ""),
            ],
        );
        // Ranked by value at stake: 0 (blank) before none (bare).
        assert_eq!(
            found(&p, &[], Kind::MissingData),
            [
                row("blank", "blank has no owner", "funnel set blank owner=..."),
                row(
                    "bare",
                    "bare has no value, owner, expected_close, next_step",
                    "funnel set bare value=... owner=... expected_close=eom next_step=\"...\" next_step_due=friday"
                ),
            ]
        );
    }

    #[test]
    fn a_broken_promise_is_a_next_step_due_before_today() {
        let p = pipeline(
            CONFIG,
            vec![
                // Due 2026-11-26: one day before 11-27.
                deal(
                    "lead/late.toml",
                    &COMPLETE.replace("2026-12-04", "2026-11-26"),
                ),
                // Due today: not broken yet.
                deal(
                    "proposal/today.toml",
                    &COMPLETE.replace("2026-12-04", "2026-11-27"),
                ),
                deal("lead/later.toml", COMPLETE),
            ],
        );
        assert_eq!(
            found(&p, &[], Kind::BrokenPromise),
            [row(
                "late",
                "late: \"Call\" was due 2026-11-26, 1 days ago",
                "funnel set late next_step_due=friday"
            )]
        );
    }

    #[test]
    fn follow_ups_are_due_from_the_close_until_contact_or_30_days() {
        let p = pipeline(
            CONFIG,
            vec![
                deal("won/fresh.toml", ""),
                deal("won/called.toml", "last_contact = 2026-11-21\n"),
                deal("won/older.toml", ""),
                deal("lost/lost.toml", ""),
            ],
        );
        let facts = [
            // Won 11-20: step 0 due 11-20 (7 days ago); step 90 due 2027-02-18.
            ("fresh", history(date(2026, 11, 20), date(2026, 11, 20))),
            // The same, but contacted on 11-21, after the step was due.
            ("called", history(date(2026, 11, 20), date(2026, 11, 21))),
            // Won 08-01: step 0 was due 118 days ago (over 30, dropped);
            // step 90 due 2026-10-30, 28 days ago.
            ("older", history(date(2026, 8, 1), date(2026, 8, 1))),
            // Lost 08-29: 90 days later is today.
            ("lost", history(date(2026, 8, 29), date(2026, 8, 29))),
        ];
        let mut due = found(&p, &facts, Kind::FollowUpDue);
        due.sort();
        assert_eq!(
            due,
            [
                row(
                    "fresh",
                    "fresh: \"Send the welcome email series\" due 2026-11-20 (0 days after it was won)",
                    "funnel set fresh last_contact=today"
                ),
                row(
                    "lost",
                    "lost: \"Check-in email\" due 2026-11-27 (90 days after it was lost)",
                    "funnel set lost last_contact=today"
                ),
                row(
                    "older",
                    "older: \"Customer check-in call\" due 2026-10-30 (90 days after it was won)",
                    "funnel set older last_contact=today"
                ),
            ]
        );
    }

    #[test]
    fn a_reopened_lost_deal_has_no_lost_follow_up() {
        // Lost on 08-22, reopened into lead: its file still says "Check-in
        // email" due 2026-11-20 (90 days after the loss), a week ago.
        let left = "owner = \"alice\"\nvalue = 1000\nexpected_close = 2026-12-31\nnext_step = \"Check-in email\"\nnext_step_due = 2026-11-20\n";
        let p = pipeline(
            CONFIG,
            vec![
                deal("lead/reopened.toml", left),
                deal("lost/still.toml", left),
                deal(
                    "lead/promise.toml",
                    &COMPLETE.replace("2026-12-04", "2026-11-20"),
                ),
            ],
        );
        let config = &p.config;
        assert!(follow_up_left_behind(config, &p.deals[0]));
        // In the lost stage it is the deal's own follow-up.
        assert!(!follow_up_left_behind(config, &p.deals[1]));
        assert!(!follow_up_left_behind(config, &p.deals[2]));
        let facts = [
            ("reopened", history(date(2026, 11, 25), date(2026, 11, 25))),
            ("still", history(date(2026, 8, 22), date(2026, 8, 22))),
        ];
        // No broken promise for the lost follow-up; the real one stays.
        assert_eq!(
            found(&p, &facts, Kind::BrokenPromise),
            [row(
                "promise",
                "promise: \"Call\" was due 2026-11-20, 7 days ago",
                "funnel set promise next_step_due=friday"
            )]
        );
        // The reopened deal has no next step of its own.
        assert_eq!(
            found(&p, &facts, Kind::MissingData),
            [row(
                "reopened",
                "reopened has no next_step",
                "funnel set reopened next_step=\"...\" next_step_due=friday"
            )]
        );
        // The deal still lost keeps its follow-up: due 08-22 + 90 = 11-20.
        assert_eq!(
            found(&p, &facts, Kind::FollowUpDue),
            [row(
                "still",
                "still: \"Check-in email\" due 2026-11-20 (90 days after it was lost)",
                "funnel set still last_contact=today"
            )]
        );
    }

    #[test]
    fn not_prospecting_compares_the_pace_with_the_targets() {
        let created = |id: &str, day: &str, value: &str| {
            deal(
                &format!("lead/{id}.toml"),
                &format!("{COMPLETE}created = {day}\n").replace("value = 1000", value),
            )
        };
        // This week (Monday 11-23 to Friday 11-27, 5 days): 3 deals of 1000.
        // Deals: 3 / 5 = 0.6 a day, below 10 / 7 = 1.43; 0.6 x 7 = 4.2 a
        // week; at this pace 0.6 x 30, 90, 180 = 18, 54, 108; the target
        // 1.4286 x 30, 90, 180 = 42.86, 128.57, 257.14, rounded 43, 129, 257.
        // Value: 3000 / 5 = 600 a day, below 7000 / 7 = 1000; 600 x 7 = 4200
        // a week; 600 x 30, 90, 180 = 18000, 54000, 108000 against 30000,
        // 90000, 180000. An older deal (11-02) counts in neither week.
        let week = format!("{CONFIG}{TARGETS}");
        let p = pipeline(
            &week,
            vec![
                created("a", "2026-11-23", "value = 1000"),
                created("b", "2026-11-24", "value = 1000"),
                created("c", "2026-11-25", "value = 1000"),
                created("old", "2026-11-02", "value = 1000"),
            ],
        );
        let fix_deals =
            "funnel add \"TITLE\" --source outbound   # prospect: book time for new leads";
        let fix_value = "funnel add \"TITLE\" --value AMOUNT   # prospect: book time for new leads";
        assert_eq!(
            found(&p, &[], Kind::NotProspecting),
            [
                row(
                    "",
                    "3 new deals this week (4.2 a week), target 10 a week: at this pace 18, 54, 108 more in 1, 3 and 6 months, target 43, 129, 257",
                    fix_deals
                ),
                row(
                    "",
                    "3000 USD of new deals this week (4200 a week), target 7000 a week: at this pace 18000, 54000, 108000 more in 1, 3 and 6 months, target 30000, 90000, 180000",
                    fix_value
                ),
            ]
        );
        // 10 deals this week: 10 / 5 = 2 a day meets 1.43, so the month
        // speaks: 10 in 27 days (11-01 to 11-27) = 0.37 a day; x 7 = 2.59,
        // shown 2.6 a week; x 30, 90, 180 = 11.1, 33.3, 66.7, rounded 11,
        // 33, 67. Values of 800: 8000 / 5 = 1600 a day meets 1000, and the
        // month's 8000 / 27 = 296.30 a day does not: x 7 = 2074.07, shown
        // 2074; the pace rounded to 296, x 30, 90, 180 = 8880, 26640, 53280.
        let p = pipeline(
            &week,
            (0..10)
                .map(|n| created(&format!("d{n}"), "2026-11-24", "value = 800"))
                .collect(),
        );
        assert_eq!(
            found(&p, &[], Kind::NotProspecting),
            [
                row(
                    "",
                    "10 new deals this month (2.6 a week), target 10 a week: at this pace 11, 33, 67 more in 1, 3 and 6 months, target 43, 129, 257",
                    fix_deals
                ),
                row(
                    "",
                    "8000 USD of new deals this month (2074 a week), target 7000 a week: at this pace 8880, 26640, 53280 more in 1, 3 and 6 months, target 30000, 90000, 180000",
                    fix_value
                ),
            ]
        );
        // Without targets, no finding.
        assert_eq!(
            found(&pipeline(CONFIG, Vec::new()), &[], Kind::NotProspecting),
            []
        );
    }
}

#[cfg(test)]
mod key_tests {
    use std::collections::HashSet;

    use super::*;

    /// The example pipeline's deals with every key, and with only
    /// [`keys`] (or only one owner's deals with them): the same findings
    /// and the same work for each owner, on days that make different
    /// findings. Two won deals of one account with different owners: the
    /// other owner's recent contact keeps the account from being neglected.
    #[test]
    fn deals_loaded_with_the_doctor_keys_alone_give_the_same_findings_and_work() {
        use crate::model::deal::{Keys, Pick};
        let temp = crate::store::pipeline::example_copy();
        let root = temp.path().to_path_buf();
        let shared = |owner: &str, contact: &str| {
            format!(
                "title = \"Shared Harbor\"\naccount = \"Shared Harbor\"\nowner = \"{owner}\"\nvalue = 1000\ncreated = 2026-01-05\nlast_contact = {contact}\n"
            )
        };
        std::fs::write(
            root.join("won/shared-old.toml"),
            shared("alice", "2026-08-25"),
        )
        .unwrap();
        std::fs::write(
            root.join("won/shared-new.toml"),
            shared("bob", "2026-11-20"),
        )
        .unwrap();
        // A deal lost this week, with a next step due on the first day:
        // every key a closed deal keeps counts somewhere (new deals and
        // value, a product's new deals, the item due and its stake).
        std::fs::write(
            root.join("lost/recent-loss.toml"),
            "title = \"Recent Loss\"\naccount = \"Recent Loss Co\"\nowner = \"dan\"\nvalue = 5000\ncurrency = \"EUR\"\nprobability = 40\nproduct = \"crm\"\ncreated = 2026-11-24\nlost_reason = \"price\"\nnext_step = \"Call the new CFO\"\nnext_step_due = 2026-11-27\n",
        )
        .unwrap();
        // Without a history the deals' facts are unknown: each deal entered
        // its stage on one day, so that follow-ups fall due and open deals
        // stall.
        let dated = |mut pipeline: Pipeline| {
            for deal in &mut pipeline.deals {
                deal.facts.entered_stage = Some(jiff::civil::date(2026, 8, 20));
            }
            pipeline
        };
        let whole = dated(Pipeline::load(&root).unwrap());
        let keys = keys(&whole.config);
        // As `doctor` loads: closed deals keep fewer keys.
        let open = whole.config.stage_ids_of(StageKind::Open);
        let split = Keys::Split {
            pick: Pick::Stages(&open),
            wide: &Keys::Only(&keys),
            narrow: &Keys::Only(CLOSED_KEYS),
        };
        let won = whole.config.stage_ids_of(StageKind::Won);
        let others = Keys::Split {
            pick: Pick::Stages(&won),
            wide: &Keys::Only(crate::analysis::next::OTHERS_KEYS),
            narrow: &Keys::Only(&[]),
        };
        let some = dated(Pipeline::load_cached(&root, None, split).unwrap());
        assert_eq!(some.deals.len(), whole.deals.len());
        let owners: HashSet<&str> = whole.deals.iter().filter_map(|d| d.owner()).collect();
        let mut kinds = HashSet::new();
        for today in [
            jiff::civil::date(2026, 11, 27),
            jiff::civil::date(2027, 3, 1),
        ] {
            let findings = diagnose(&whole, today);
            kinds.extend(findings.iter().map(|f| f.kind));
            assert_eq!(
                format!("{:?}", diagnose(&some, today)),
                format!("{findings:?}")
            );
            for owner in owners.iter().copied().chain(["all"]) {
                let work = format!("{:?}", crate::analysis::next::next(&whole, today, owner));
                assert_eq!(
                    format!("{:?}", crate::analysis::next::next(&some, today, owner)),
                    work
                );
                if owner == "all" {
                    continue;
                }
                // One owner's findings are those of the whole diagnosis.
                let theirs = |findings: Vec<Finding>| -> Vec<String> {
                    (findings.into_iter())
                        .filter(|f| f.owner.as_deref() == Some(owner))
                        .map(|f| format!("{f:?}"))
                        .collect()
                };
                assert_eq!(
                    theirs(diagnose_owner(&whole, today, owner)),
                    theirs(diagnose(&whole, today))
                );
                // Only the owner's deals with the doctor keys (as `next`
                // loads: the others' with what spans owners).
                let mine = Keys::Split {
                    pick: Pick::Owner(owner),
                    wide: &split,
                    narrow: &others,
                };
                let theirs = dated(Pipeline::load_cached(&root, None, mine).unwrap());
                assert_eq!(
                    format!("{:?}", crate::analysis::next::next(&theirs, today, owner)),
                    work
                );
            }
        }
        assert!(kinds.len() >= 6, "{kinds:?}");
    }
}
