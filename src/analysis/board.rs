//! `board`: the pipeline at a glance, per stage: deals, value, weighted
//! value, the deal longest in the stage, stalled and idle deals, and the
//! stage's balance against its WIP limits; with the open stages' totals.
//! One typed result for the table and the JSON.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::doctor::Pace;
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

/// The top-level keys [`board`] reads of a deal: a pipeline loaded with
/// only these gives the same board.
pub const KEYS: &[&str] = &[
    "value",
    "currency",
    "probability",
    "created",
    "snooze_until",
];

/// The board of `pipeline` on `today`, with what the history says of each
/// deal (its facts; a deal git has not seen counts from its created date).
pub fn board(pipeline: &Pipeline, today: Date) -> Board {
    let config = &pipeline.config;
    let mut tallies: Vec<Tally<'_>> = config.stages.iter().map(|_| Tally::default()).collect();
    for (at, deal) in pipeline.staged() {
        let tally = &mut tallies[at];
        tally.deals += 1;
        // One pass over a cached deal's keys for the three.
        let [value, currency, probability] = deal.fields_of(["value", "currency", "probability"]);
        if let Some(value) = crate::model::deal::value_in(value, currency, config) {
            tally.value += value;
            let probability = crate::model::deal::probability_in(probability, &deal.stage, config);
            if let Some(weighted) = crate::model::money::weighted(value, probability) {
                tally.weighted += weighted;
            }
        }
        let pace = Pace::of(config, deal, today);
        // The most days in the stage; of those, the first ID.
        if let Some(days) = pace.in_stage
            && tally
                .oldest
                .is_none_or(|(most, id)| days > most || (days == most && deal.id.as_str() < id))
        {
            tally.oldest = Some((days, &deal.id));
        }
        tally.stalled += usize::from(pace.stalled.is_some());
        tally.idle += usize::from(pace.idle.is_some());
    }
    let mut open = Totals {
        deals: 0,
        value: Decimal::ZERO,
        weighted_value: Decimal::ZERO,
        stalled: 0,
        idle: 0,
    };
    let mut stages = Vec::new();
    for (stage, tally) in config.stages.iter().zip(tallies) {
        let is_open = stage.kind == StageKind::Open;
        if is_open {
            open.deals += tally.deals;
            open.value += tally.value;
            open.weighted_value += tally.weighted;
            open.stalled += tally.stalled;
            open.idle += tally.idle;
        }
        let wip = stage.wip(tally.deals);
        stages.push(StageRow {
            stage: stage.id.clone(),
            kind: stage.kind,
            deals: tally.deals,
            value: tally.value,
            weighted_value: is_open.then_some(tally.weighted),
            oldest_deal: tally.oldest.map(|(_, id)| id.to_string()),
            oldest_days: tally.oldest.map(|(days, _)| days),
            stalled: tally.stalled,
            idle: tally.idle,
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

/// One stage's deals, as [`board`] counts them.
#[derive(Default)]
struct Tally<'a> {
    deals: usize,
    value: Decimal,
    weighted: Decimal,
    /// Days in the stage and the deal's ID.
    oldest: Option<(i64, &'a str)>,
    stalled: usize,
    idle: usize,
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
            deal.fields_mut().retain(|key, _| KEYS.contains(&key));
        }
        let board_of = |deals: Vec<Deal>| {
            let pipeline = Pipeline {
                root: PathBuf::new(),
                config: Config::parse(&format!("{DEFAULT}\n[fx]\nEUR = \"1.1\"\n")).unwrap(),
                deals,
                problems: Vec::new(),
                hidden: 0,
                temp_files: Vec::new(),
            };
            let today = jiff::civil::date(2026, 11, 27);
            format!("{:?}", board(&pipeline, today))
        };
        let whole_board = board_of(whole);
        assert!(
            whole_board.contains("oldest_days: Some(118)"),
            "{whole_board}"
        );
        assert_eq!(board_of(some), whole_board);
    }
}
