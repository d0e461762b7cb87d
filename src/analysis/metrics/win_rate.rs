//! Win rate: by count and by value over the deals closed in the window, and
//! the cohort rate over the deals created in it.

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio, total};
use super::{Context, Facts, Figure, kind_of};
use crate::model::config::StageKind;
use crate::model::money::round;

/// Win rates in percent.
#[derive(Debug, Clone, Serialize)]
pub struct WinRate {
    /// Deals won in the window.
    pub won: usize,
    /// Deals lost in the window.
    pub lost: usize,
    /// won / (won + lost).
    pub by_count: Figure,
    pub won_value: Decimal,
    pub lost_value: Decimal,
    /// won value / (won + lost value), over the closed deals with a value.
    pub by_value: Figure,
    /// Deals created in the window.
    pub created: usize,
    /// Of those, the deals won now.
    pub created_won: usize,
    /// created_won / created.
    pub cohort: Figure,
    /// Deals that closed in the window but have another status now
    /// (reopened, or closed the other way later); counted in neither rate.
    pub reopened: usize,
}

pub(super) fn win_rate(
    ctx: &Context<'_>,
    facts: &[Facts<'_>],
    won: &[&Facts<'_>],
    lost: &[&Facts<'_>],
) -> WinRate {
    let window = &ctx.window;
    let closed = won.len() + lost.len();
    let by_count = ratio(Decimal::from(won.len()), Decimal::from(closed)).map(percent);
    let won_values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    let lost_values: Vec<Decimal> = lost.iter().filter_map(|f| f.closed_value()).collect();
    let won_value = total(won_values.iter().copied());
    let lost_value = total(lost_values.iter().copied());
    let by_value = ratio(won_value, won_value.saturating_add(lost_value)).map(percent);
    let cohort: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| window.contains(f.deal.created))
        .collect();
    let cohort_won = cohort
        .iter()
        .filter(|f| f.status == Some(StageKind::Won))
        .count();
    let reopened = facts
        .iter()
        .filter(|f| !f.won_in(window) && !f.lost_in(window))
        .filter(|f| {
            f.entries.iter().any(|(s, t)| {
                window.contains(*t)
                    && matches!(
                        kind_of(ctx.config, s),
                        Some(StageKind::Won | StageKind::Lost)
                    )
            })
        })
        .count();
    WinRate {
        won: won.len(),
        lost: lost.len(),
        by_count: Figure::percent(by_count, closed),
        won_value: round(won_value, 2),
        lost_value: round(lost_value, 2),
        by_value: Figure::percent(by_value, won_values.len() + lost_values.len()),
        created: cohort.len(),
        created_won: cohort_won,
        cohort: Figure::percent(
            ratio(Decimal::from(cohort_won), Decimal::from(cohort.len())).map(percent),
            cohort.len(),
        ),
        reopened,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn win_rate_by_count_value_and_cohort() {
        let rate = october_report().win_rate;
        assert_eq!((rate.won, rate.lost, rate.reopened), (3, 1, 0));
        assert_eq!(
            rate.by_count,
            Figure {
                value: some("75"),
                deals: 4
            }
        );
        // 9000 won of 13000 closed.
        assert_eq!(rate.won_value, dec("9000"));
        assert_eq!(rate.lost_value, dec("4000"));
        assert_eq!(rate.by_value.value, some("69.2"));
        // Created in October: w2, w3, l1, o1; won now: w2, w3.
        assert_eq!((rate.created, rate.created_won), (4, 2));
        assert_eq!(
            rate.cohort,
            Figure {
                value: some("50"),
                deals: 4
            }
        );
    }
}
