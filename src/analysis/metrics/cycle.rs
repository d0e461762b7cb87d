//! Sales cycle length: days from `created` to the close that gave a deal
//! its status, over deals won (and lost) in the window, and the age of open
//! deals beside it.

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::days_between;
use super::stats::{mean, percentile};
use super::{Context, Facts, Figure};

/// Days: mean, median and 75th percentile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub mean: Figure,
    pub median: Figure,
    pub p75: Figure,
}

/// Sales cycle length in days.
#[derive(Debug, Clone, Serialize)]
pub struct SalesCycle {
    /// `closed - created` over deals won in the window.
    pub won: Spread,
    /// `closed - created` over deals lost in the window.
    pub lost: Spread,
    /// `now - created` over deals open now.
    pub open_age: Spread,
}

pub(super) fn sales_cycle(
    ctx: &Context<'_>,
    facts: &[Facts<'_>],
    won: &[&Facts<'_>],
    lost: &[&Facts<'_>],
) -> SalesCycle {
    let cycles = |deals: &[&Facts<'_>]| -> Vec<Decimal> {
        deals.iter().filter_map(|f| f.cycle_days()).collect()
    };
    let ages: Vec<Decimal> = facts
        .iter()
        .filter(|f| f.is_open())
        .map(|f| days_between(f.deal.created, ctx.now))
        .collect();
    SalesCycle {
        won: spread(&cycles(won)),
        lost: spread(&cycles(lost)),
        open_age: spread(&ages),
    }
}

pub(super) fn spread(days: &[Decimal]) -> Spread {
    let n = days.len();
    Spread {
        mean: Figure::days(mean(days), n),
        median: Figure::days(percentile(days, Decimal::new(5, 1)), n),
        p75: Figure::days(percentile(days, Decimal::new(75, 2)), n),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn sales_cycle_spreads_won_lost_and_open_age() {
        let cycle = october_report().cycle;
        // Won: 40, 20 and 30.5 days.
        assert_eq!(cycle.won.mean.value, some("30.2"));
        assert_eq!(cycle.won.median.value, some("30.5"));
        // Between 30.5 and 40, three quarters of the way: 35.25.
        assert_eq!(cycle.won.p75.value, some("35.3"));
        assert_eq!(cycle.won.mean.deals, 3);
        assert_eq!(
            cycle.lost.mean,
            Figure {
                value: some("10"),
                deals: 1
            }
        );
        // Open: 11 and 61 days old.
        assert_eq!(cycle.open_age.mean.value, some("36"));
        assert_eq!(cycle.open_age.median.value, some("36"));
        assert_eq!(cycle.open_age.p75.value, some("48.5"));
    }
}
