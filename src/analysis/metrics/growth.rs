//! Revenue growth: won value per calendar month against the month before.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::{Month, data_months};
use super::stats::{percent, ratio};
use super::{Context, Facts, Figure};
use crate::model::money::round;

/// Won value in one calendar month against the month before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRevenue {
    /// `YYYY-MM`.
    pub month: String,
    pub deals: usize,
    pub won_value: Decimal,
    pub previous_value: Decimal,
    /// In percent; n/a when the month before is zero.
    pub growth: Figure,
}

pub(super) fn revenue_growth(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<MonthRevenue> {
    let tz = ctx.tz();
    let mut won: BTreeMap<Month, (usize, Decimal)> = BTreeMap::new();
    for fact in facts {
        if let Some(at) = fact.won_at() {
            let slot = won.entry(Month::of(at, tz)).or_default();
            slot.0 += 1;
            if let Some(value) = fact.closed_value() {
                slot.1 = slot.1.saturating_add(value);
            }
        }
    }
    data_months(ctx, facts)
        .into_iter()
        .map(|month| {
            let (deals, value) = won.get(&month).copied().unwrap_or_default();
            let previous = won
                .get(&month.previous())
                .map(|(_, v)| *v)
                .unwrap_or_default();
            let growth = value
                .checked_sub(previous)
                .and_then(|change| ratio(change, previous))
                .map(percent);
            MonthRevenue {
                month: month.key(),
                deals,
                won_value: round(value, 2),
                previous_value: round(previous, 2),
                growth: Figure::percent(growth, deals),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn revenue_growth_is_undefined_after_a_zero_month() {
        let won = |id: &str, when: &str, value: &str| {
            valued(deal(id, &[("lead", "2026-08-01"), ("won", when)]), value)
        };
        let deals = [
            won("aug", "2026-08-10", "1000"),
            won("sep", "2026-09-05", "2000"),
            won("nov", "2026-11-20", "3000"),
        ];
        let autumn = window("2026-09-01", "2026-12-01");
        let growth = report(&config(), &deals, &autumn, at("2026-12-01")).revenue_growth;
        let rows: Vec<_> = growth
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    m.won_value,
                    m.previous_value,
                    m.growth.value,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-09", dec("2000"), dec("1000"), some("100")),
                ("2026-10", dec("0"), dec("2000"), some("-100")),
                ("2026-11", dec("3000"), dec("0"), None),
            ]
        );
    }
}
