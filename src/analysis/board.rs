//! `board`: the pipeline at a glance, per stage: deals, value, weighted
//! value, the deal longest in the stage, stalled and idle deals, and the
//! stage's balance against its WIP limits; with the open stages' totals.
//! One typed result for the table and the JSON.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::doctor::Pace;
use crate::analysis::filter::DealFacts;
use crate::model::config::{StageKind, Wip};
use crate::store::pipeline::Pipeline;

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub currency: String,
    #[serde(serialize_with = "crate::model::json::serialize_display")]
    pub today: Date,
    pub stages: Vec<StageRow>,
    pub open: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageRow {
    pub stage: String,
    pub kind: StageKind,
    pub deals: usize,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub value: Decimal,
    /// For open stages only.
    #[serde(serialize_with = "crate::model::json::serialize_money")]
    pub weighted_value: Option<Decimal>,
    pub oldest_deal: Option<String>,
    pub oldest_days: Option<i64>,
    pub stalled: usize,
    pub idle: usize,
    #[serde(serialize_with = "serialize_wip")]
    pub wip: Wip,
    /// The WIP limit crossed (`wip_max` when over, `wip_min` when under).
    pub wip_limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub deals: usize,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub value: Decimal,
    #[serde(serialize_with = "crate::model::json::serialize_amount")]
    pub weighted_value: Decimal,
    pub stalled: usize,
    pub idle: usize,
}

fn serialize_wip<S: serde::Serializer>(wip: &Wip, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(wip.name())
}

/// The board of `pipeline` on `today`, with what the history says of each
/// deal (`facts`; a deal git has not seen counts from its created date).
/// The top-level keys [`board`] reads of a deal: a pipeline loaded with
/// only these gives the same board.
pub const KEYS: &[&str] = &[
    "value",
    "currency",
    "probability",
    "created",
    "snooze_until",
];

pub fn board(pipeline: &Pipeline, facts: &HashMap<String, DealFacts>, today: Date) -> Board {
    let config = &pipeline.config;
    let none = DealFacts::default();
    let mut open = Totals {
        deals: 0,
        value: Decimal::ZERO,
        weighted_value: Decimal::ZERO,
        stalled: 0,
        idle: 0,
    };
    let mut stages = Vec::new();
    for stage in &config.stages {
        let deals: Vec<_> = pipeline
            .deals
            .iter()
            .filter(|d| d.stage == stage.id)
            .collect();
        let value: Decimal = deals.iter().filter_map(|d| d.value(config)).sum();
        let weighted: Decimal = deals.iter().filter_map(|d| d.weighted_value(config)).sum();
        let paces: Vec<(Pace, &String)> = deals
            .iter()
            .map(|d| {
                let facts = facts.get(&d.id).unwrap_or(&none);
                (Pace::of(config, d, facts, today), &d.id)
            })
            .collect();
        // The longest stay; on a tie, the first ID.
        let oldest = paces
            .iter()
            .filter_map(|(p, id)| Some((p.in_stage?, *id)))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)));
        let stalled = paces.iter().filter(|(p, _)| p.stalled.is_some()).count();
        let idle = paces.iter().filter(|(p, _)| p.idle.is_some()).count();
        let is_open = stage.kind == StageKind::Open;
        if is_open {
            open.deals += deals.len();
            open.value += value;
            open.weighted_value += weighted;
            open.stalled += stalled;
            open.idle += idle;
        }
        let wip = stage.wip(deals.len());
        stages.push(StageRow {
            stage: stage.id.clone(),
            kind: stage.kind,
            deals: deals.len(),
            value,
            weighted_value: is_open.then_some(weighted),
            oldest_deal: oldest.map(|(_, id)| id.clone()),
            oldest_days: oldest.map(|(days, _)| days),
            stalled,
            idle,
            wip,
            wip_limit: wip.limit(),
        });
    }
    Board {
        currency: config.currency.clone(),
        today,
        stages,
        open,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::model::config::{Config, DEFAULT};
    use crate::model::deal::Deal;

    #[test]
    fn deals_loaded_with_the_board_keys_alone_give_the_same_board() {
        let deal = |path: &str, text: &str| Deal::parse(Path::new(path), text).unwrap();
        let whole = vec![
            deal(
                "lead/acme.toml",
                "title = \"Acme\"\nvalue = 1200\ncurrency = \"EUR\"\nowner = \"ann\"\ncreated = 2026-08-01\nnotes = \"n\"\n",
            ),
            deal(
                "proposal/globex.toml",
                "title = \"Globex\"\nvalue = \"800.50\"\nprobability = 70\ncreated = 2026-10-01\nexpected_close = 2026-12-01\nsnooze_until = 2026-12-01\n[qualification]\nneed = \"x\"\n",
            ),
            deal("won/initech.toml", "title = \"Initech\"\nvalue = 300\n"),
        ];
        let mut some = whole.clone();
        for deal in &mut some {
            deal.fields.retain(|key, _| KEYS.contains(&key));
        }
        let board_of = |deals: Vec<Deal>| {
            let pipeline = Pipeline {
                root: PathBuf::new(),
                config: Config::parse(&format!("{DEFAULT}\n[fx]\nEUR = \"1.1\"\n")).unwrap(),
                deals,
                problems: Vec::new(),
                hidden: 0,
            };
            let today = jiff::civil::date(2026, 11, 27);
            format!("{:?}", board(&pipeline, &HashMap::new(), today))
        };
        let whole_board = board_of(whole);
        assert!(
            whole_board.contains("oldest_days: Some(118)"),
            "{whole_board}"
        );
        assert_eq!(board_of(some), whole_board);
    }
}
