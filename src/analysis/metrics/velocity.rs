//! Sales velocity: open deals x average deal size x win rate / cycle length,
//! in value per day and per 30-day month.

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{mean, percent, ratio};
use super::{DAYS_PER_MONTH, Facts, Figure};

/// Sales velocity: value the pipeline turns into wins per day and month.
#[derive(Debug, Clone, Serialize)]
pub struct Velocity {
    pub open_deals: usize,
    pub average_deal_size: Figure,
    pub win_rate: Figure,
    pub cycle_days: Figure,
    pub per_day: Figure,
    /// Per 30-day month.
    pub per_month: Figure,
}

pub(super) fn velocity(facts: &[Facts<'_>], won: &[&Facts<'_>], lost: &[&Facts<'_>]) -> Velocity {
    let open = facts.iter().filter(|f| f.is_open()).count();
    let values: Vec<Decimal> = won.iter().filter_map(|f| f.closed_value()).collect();
    let size = mean(&values);
    let closed = won.len() + lost.len();
    let rate = ratio(Decimal::from(won.len()), Decimal::from(closed));
    let cycles: Vec<Decimal> = won.iter().filter_map(|f| f.cycle_days()).collect();
    let cycle = mean(&cycles);
    let per_day = match (size, rate, cycle) {
        (Some(size), Some(rate), Some(cycle)) => Decimal::from(open)
            .checked_mul(size)
            .and_then(|v| v.checked_mul(rate))
            .and_then(|v| v.checked_div(cycle)),
        _ => None,
    };
    let per_month = per_day.and_then(|v| v.checked_mul(Decimal::from(DAYS_PER_MONTH)));
    Velocity {
        open_deals: open,
        average_deal_size: Figure::money(size, values.len()),
        win_rate: Figure::percent(rate.map(percent), closed),
        cycle_days: Figure::days(cycle, cycles.len()),
        per_day: Figure::money(per_day, closed),
        per_month: Figure::money(per_month, closed),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn velocity_is_open_deals_times_size_times_rate_over_cycle() {
        let velocity = october_report().velocity;
        // 2 open x 3000 x 0.75 / (90.5 / 3) days = 27000 / 181 a day.
        assert_eq!(velocity.open_deals, 2);
        assert_eq!(
            velocity.per_day,
            Figure {
                value: some("149.17"),
                deals: 4
            }
        );
        assert_eq!(velocity.per_month.value, some("4475.14"));
        assert_eq!(velocity.cycle_days.value, some("30.2"));
    }
}
