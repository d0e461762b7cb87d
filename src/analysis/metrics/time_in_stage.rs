//! Time in stage: mean and median days per open stage over the stays that
//! began in the window, completed or current.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::days_between;
use super::stats::{mean, percentile};
use super::{Context, Facts, Figure};
use crate::model::config::StageKind;

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

pub(super) fn time_in_stage(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<StageTime> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

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
}
