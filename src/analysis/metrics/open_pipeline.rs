//! The open pipeline: count, value and weighted value of the open deals now,
//! per open stage in funnel order, whatever the window.

use rust_decimal::Decimal;
use serde::Serialize;

use super::Facts;
use crate::model::config::{Config, StageKind};
use crate::model::money::round;

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

pub(super) fn open_pipeline(config: &Config, facts: &[Facts<'_>]) -> OpenPipeline {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

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
}
