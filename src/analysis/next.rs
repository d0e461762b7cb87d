//! `next`: a rep's work for today: next steps due today, then the findings
//! a rep acts on (broken promises, follow-ups, dead, stalled and idle deals,
//! neglected customers), ranked by the value at stake so the biggest deals
//! come first. One typed result for the table and the JSON.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::doctor::{Kind, diagnose, diagnose_owner, follow_up_left_behind};
use crate::store::pipeline::Pipeline;

/// The finding kinds that are a rep's work.
const KINDS: [Kind; 6] = [
    Kind::BrokenPromise,
    Kind::FollowUpDue,
    Kind::DeadDeal,
    Kind::Stalled,
    Kind::Idle,
    Kind::NeglectedCustomer,
];

/// The top-level keys `next` for one owner reads of other owners' won
/// deals: who owns them, and what a neglected customer spans (an
/// account's last contact among all its won deals); of their other deals
/// none. Their own findings are not that owner's work; the
/// owner's deals are loaded as doctor loads them
/// ([`crate::analysis::doctor::keys`] when open, else
/// [`crate::analysis::doctor::CLOSED_KEYS`]).
pub const OTHERS_KEYS: &[&str] = &["account", "last_contact", "owner"];

#[derive(Debug, Clone, Serialize)]
pub struct Work {
    /// Whose work: an owner name, or "all".
    pub owner: String,
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub today: Date,
    /// Ranked: the most value at stake first, then by deal.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub deal: String,
    pub stage: String,
    pub what: String,
    #[serde(serialize_with = "serialize_kind")]
    pub kind: ItemKind,
    pub fix: String,
    /// Value x probability (pipeline currency).
    #[serde(serialize_with = "crate::model::json::serialize_money")]
    pub at_stake: Option<Decimal>,
}

/// A next step due today, or a finding of `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    DueToday,
    Finding(Kind),
}

impl ItemKind {
    /// `due_today` or the finding's kind.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::DueToday => "due_today",
            ItemKind::Finding(kind) => kind.name(),
        }
    }
}

fn serialize_kind<S: serde::Serializer>(kind: &ItemKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.name())
}

/// The work of `owner` (`"all"`: everyone's) on `today`.
pub fn next(pipeline: &Pipeline, today: Date, owner: &str) -> Work {
    let config = &pipeline.config;
    let mine = |o: Option<&str>| owner == "all" || o == Some(owner);
    let mut items = Vec::new();
    for deal in pipeline.deals.iter().filter(|d| mine(d.owner())) {
        if deal.date("next_step_due") == Some(today) && !follow_up_left_behind(config, deal) {
            items.push(Item {
                deal: deal.id.clone(),
                stage: deal.stage.clone(),
                what: format!(
                    "due today: {}",
                    deal.text("next_step").unwrap_or("the next step")
                ),
                kind: ItemKind::DueToday,
                fix: format!(
                    "funnel set {} next_step=\"...\" next_step_due=...   # when done",
                    deal.id
                ),
                at_stake: deal.weighted_value(config),
            });
        }
    }
    let findings = match owner {
        "all" => diagnose(pipeline, today),
        owner => diagnose_owner(pipeline, today, owner),
    };
    for f in findings {
        if KINDS.contains(&f.kind) && mine(f.owner.as_deref()) {
            items.push(Item {
                deal: f.deals.join(", "),
                stage: f.stage.unwrap_or_default(),
                what: f.message,
                kind: ItemKind::Finding(f.kind),
                fix: f.fix,
                at_stake: f.at_stake,
            });
        }
    }
    items.sort_by(|a, b| b.at_stake.cmp(&a.at_stake).then(a.deal.cmp(&b.deal)));
    Work {
        owner: owner.to_string(),
        today,
        items,
    }
}
