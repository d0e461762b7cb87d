//! Stage conversion: of the deals that entered an open stage in the window,
//! the share that went past it (skipped stages count as passed).

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio};
use super::{Context, Facts, Figure};
use crate::model::config::StageKind;

/// Stage conversion for one open stage: of the deals that entered it in the
/// window, how many went past it, were lost before, or are still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageConversion {
    pub stage: String,
    pub entered: usize,
    pub advanced: usize,
    pub lost: usize,
    pub open: usize,
    /// advanced / entered, in percent.
    pub rate: Figure,
    /// advanced / (advanced + lost), in percent: the rate among decided deals.
    pub decided_rate: Figure,
}

pub(super) fn conversion(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<StageConversion> {
    let config = ctx.config;
    let mut rows = Vec::new();
    for (index, stage) in config.stages.iter().enumerate() {
        if stage.kind != StageKind::Open {
            continue;
        }
        // Beyond S: an open stage declared after it, or any won stage.
        let beyond = |id: &str| match config.stage_index(id) {
            Some(i) => match config.stages[i].kind {
                StageKind::Won => true,
                StageKind::Open => i > index,
                StageKind::Lost => false,
            },
            None => false,
        };
        let mut row = StageConversion {
            stage: stage.id.clone(),
            entered: 0,
            advanced: 0,
            lost: 0,
            open: 0,
            rate: Figure::percent(None, 0),
            decided_rate: Figure::percent(None, 0),
        };
        // Deals in an undeclared stage have no status to bucket them by.
        for fact in facts.iter().filter(|f| f.status.is_some()) {
            let entry = fact
                .entries
                .iter()
                .find(|(s, _)| *s == stage.id || beyond(s));
            let Some((_, at)) = entry else { continue };
            if !ctx.window.contains(*at) {
                continue;
            }
            row.entered += 1;
            if fact.entries.iter().any(|(s, _)| beyond(s)) || fact.status == Some(StageKind::Won) {
                row.advanced += 1;
            } else if fact.status == Some(StageKind::Lost) {
                row.lost += 1;
            } else {
                row.open += 1;
            }
        }
        row.rate = Figure::percent(
            ratio(Decimal::from(row.advanced), Decimal::from(row.entered)).map(percent),
            row.entered,
        );
        let decided = row.advanced + row.lost;
        row.decided_rate = Figure::percent(
            ratio(Decimal::from(row.advanced), Decimal::from(decided)).map(percent),
            decided,
        );
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn stage_conversion_counts_skipped_stages_as_passed() {
        let conversion = october_report().conversion;
        let row = |stage: &str, entered, advanced, lost, open| {
            let found = conversion
                .iter()
                .find(|r| r.stage == stage)
                .expect("stage row");
            assert_eq!(
                (found.entered, found.advanced, found.lost, found.open),
                (entered, advanced, lost, open),
                "{stage}"
            );
            found
        };
        // w2, w3, l1, o1 entered the lead stage in October (w1 in September).
        let lead = row("lead", 4, 2, 1, 1);
        assert_eq!(
            lead.rate,
            Figure {
                value: some("50"),
                deals: 4
            }
        );
        assert_eq!(lead.decided_rate.value, some("66.7"));
        // Nobody entered `qualified`: w1, w2, w3 skipped it in October.
        assert_eq!(row("qualified", 3, 3, 0, 0).rate.value, some("100"));
        assert_eq!(row("proposal", 3, 3, 0, 0).rate.value, some("100"));
        assert_eq!(
            conversion
                .iter()
                .map(|r| r.stage.as_str())
                .collect::<Vec<_>>(),
            ["lead", "qualified", "proposal"]
        );
    }
}
