//! `diff`: what a change (a pull request, a branch, the work tree) does to
//! the pipeline, for a reviewer. The events between the two states (see
//! [`crate::analysis::changes`]), counted by kind; the open pipeline
//! (deals, value, weighted value) before and after; and `doctor`'s
//! findings that the change introduces or resolves, so a CI job can fail
//! on new errors.
//!
//! # Decisions
//!
//! - Both states are judged on the same "today", each with its own files,
//!   configuration and history (up to its commit; the work tree's is
//!   HEAD's), so a finding that only ages with time is neither introduced
//!   nor resolved.
//! - A finding is the same finding on both sides when its kind, stage and
//!   deals are: its numbers (days, amounts) may differ. A pipeline-wide
//!   finding (prospecting, balance) that changed only its numbers is
//!   therefore neither introduced nor resolved.
//! - Snoozed deals (the `snoozed` kind) are not findings to review.

use std::collections::BTreeSet;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::changes::Event;
use crate::analysis::doctor::{Finding, Kind, diagnose};
use crate::analysis::snapshot::Snapshot;
use crate::git::revs::Ends;

/// The open pipeline of one state: deals, value and weighted value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Open {
    pub deals: usize,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub value: Decimal,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub weighted_value: Decimal,
}

/// How many events of each kind, and the value they carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: usize,
    pub moved: usize,
    pub won: usize,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub won_value: Decimal,
    pub lost: usize,
    pub reopened: usize,
    pub removed: usize,
    pub renamed: usize,
    pub value_changed: usize,
    pub close_pushed: usize,
    pub edited: usize,
}

/// What `diff` shows: the change between two states of the pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The older side, as the user named it.
    pub from: String,
    /// A revision, or "work tree".
    pub to: String,
    /// The older side's commit (for `A...B`, where B forked from A).
    pub from_commit: String,
    /// The newer side's commit; null for the work tree.
    pub to_commit: Option<String>,
    pub currency: String,
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub today: Date,
    pub events: Vec<Event>,
    pub counts: Counts,
    pub before: Open,
    pub after: Open,
    /// Findings the change brings, most severe first.
    pub introduced: Vec<Finding>,
    /// Findings the change makes go away.
    pub resolved: Vec<Finding>,
    /// Why the history either side rests on is partial (a shallow clone).
    pub partial: Option<String>,
}

/// The review of the change from `before` to `after` (`events` between
/// them), judged on `today`.
pub fn review(
    (from, to): (String, String),
    ends: &Ends,
    events: Vec<Event>,
    before: &Snapshot,
    after: &Snapshot,
    today: Date,
) -> Review {
    let findings = |snapshot: &Snapshot| -> Vec<Finding> {
        diagnose(&snapshot.pipeline, today)
            .into_iter()
            .filter(|f| f.kind != Kind::Snoozed)
            .collect()
    };
    let (old, new) = (findings(before), findings(after));
    let keys = |list: &[Finding]| -> BTreeSet<(Kind, Option<String>, Vec<String>)> {
        list.iter().map(key).collect()
    };
    let (old_keys, new_keys) = (keys(&old), keys(&new));
    let introduced = new
        .into_iter()
        .filter(|f| !old_keys.contains(&key(f)))
        .collect();
    let resolved = old
        .into_iter()
        .filter(|f| !new_keys.contains(&key(f)))
        .collect();
    Review {
        from,
        to,
        from_commit: ends.from.to_string(),
        to_commit: ends.to.map(|c| c.to_string()),
        currency: after.pipeline.config.currency.clone(),
        today,
        counts: counts(&events),
        events,
        before: open(before),
        after: open(after),
        introduced,
        resolved,
        partial: before
            .history
            .partial
            .clone()
            .or_else(|| after.history.partial.clone()),
    }
}

/// What makes two findings the same (see the module doc).
fn key(f: &Finding) -> (Kind, Option<String>, Vec<String>) {
    let mut deals = f.deals.clone();
    deals.sort();
    (f.kind, f.stage.clone(), deals)
}

fn open(snapshot: &Snapshot) -> Open {
    let config = &snapshot.pipeline.config;
    let mut open = Open {
        deals: 0,
        value: Decimal::ZERO,
        weighted_value: Decimal::ZERO,
    };
    for deal in &snapshot.pipeline.deals {
        if config
            .stage(&deal.stage)
            .is_some_and(|s| s.kind == crate::model::config::StageKind::Open)
        {
            open.deals += 1;
            open.value += deal.value(config).unwrap_or_default();
            open.weighted_value += deal.weighted_value(config).unwrap_or_default();
        }
    }
    open
}

fn counts(events: &[Event]) -> Counts {
    let mut counts = Counts::default();
    for event in events {
        match event {
            Event::Added { .. } => counts.added += 1,
            Event::Moved { .. } => counts.moved += 1,
            Event::Won { value, .. } => {
                counts.won += 1;
                counts.won_value += value.unwrap_or_default();
            }
            Event::Lost { .. } => counts.lost += 1,
            Event::Reopened { .. } => counts.reopened += 1,
            Event::Removed { .. } => counts.removed += 1,
            Event::Renamed { .. } => counts.renamed += 1,
            Event::ValueChanged { .. } => counts.value_changed += 1,
            Event::CloseChanged { from, to, .. } => {
                if crate::analysis::changes::is_push(from.as_deref(), to.as_deref()) {
                    counts.close_pushed += 1;
                }
            }
            Event::Edited { .. } => counts.edited += 1,
        }
    }
    counts
}
