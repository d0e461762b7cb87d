//! What is coming: the forecast (weighted value of open deals by expected
//! close month) and the coverage of the won target.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::midnight;
use super::stats::{ratio, total};
use super::{Context, Facts, Figure, NONE_GROUP};
use crate::model::money::round;

/// Open deals expected to close in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastMonth {
    /// `YYYY-MM`, or `(none)`.
    pub month: String,
    pub deals: usize,
    pub value: Decimal,
    pub weighted_value: Decimal,
    /// The month is over (before the month of "now"): its deals were
    /// expected to close already and did not.
    pub overdue: bool,
}

/// Open weighted value due in the window / what is left of the won target.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub due_deals: usize,
    pub due_weighted_value: Decimal,
    /// `targets.won_value` scaled to the whole window.
    pub target: Option<Decimal>,
    pub won_value: Decimal,
    /// target - won_value.
    pub remaining: Option<Decimal>,
    /// due_weighted_value / remaining; n/a without a target or when the
    /// target is already met.
    pub ratio: Figure,
}

pub(super) fn forecast(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<ForecastMonth> {
    let today = ctx.now.to_zoned_datetime(ctx.tz().clone()).date();
    let this_month = (today.year(), today.month());
    let mut months: BTreeMap<Option<String>, ForecastMonth> = BTreeMap::new();
    for fact in facts.iter().filter(|f| f.is_open()) {
        let month = fact
            .deal
            .expected_close
            .map(|d| format!("{:04}-{:02}", d.year(), d.month()));
        let overdue = fact
            .deal
            .expected_close
            .is_some_and(|d| (d.year(), d.month()) < this_month);
        let row = months
            .entry(month.clone())
            .or_insert_with(|| ForecastMonth {
                month: month.unwrap_or_else(|| NONE_GROUP.to_string()),
                deals: 0,
                value: Decimal::ZERO,
                weighted_value: Decimal::ZERO,
                overdue,
            });
        row.deals += 1;
        row.value = row
            .value
            .saturating_add(fact.deal.value.unwrap_or_default());
        row.weighted_value = row
            .weighted_value
            .saturating_add(fact.weighted_value().unwrap_or_default());
    }
    // `None` sorts first in the map; the deals without a date go last.
    let mut rows: Vec<ForecastMonth> = months.into_values().collect();
    if rows.first().is_some_and(|r| r.month == NONE_GROUP) {
        rows.rotate_left(1);
    }
    for row in &mut rows {
        row.value = round(row.value, 2);
        row.weighted_value = round(row.weighted_value, 2);
    }
    rows
}

pub(super) fn coverage(ctx: &Context<'_>, facts: &[Facts<'_>], won: &[&Facts<'_>]) -> Coverage {
    let tz = ctx.tz();
    let due: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| f.is_open())
        .filter(|f| {
            f.deal
                .expected_close
                .and_then(|d| midnight(d, tz))
                .is_some_and(|t| ctx.window.contains(t))
        })
        .collect();
    let due_weighted = total(due.iter().filter_map(|f| f.weighted_value()));
    let won_value = total(won.iter().filter_map(|f| f.closed_value()));
    let target = ctx
        .config
        .targets
        .won_value
        .as_ref()
        .map(|t| t.amount.saturating_mul(ctx.periods_in(ctx.window, t.per)));
    let remaining = target.map(|t| t.saturating_sub(won_value));
    let ratio = remaining
        .filter(|r| *r > Decimal::ZERO)
        .and_then(|r| ratio(due_weighted, r));
    Coverage {
        due_deals: due.len(),
        due_weighted_value: round(due_weighted, 2),
        target: target.map(|t| round(t, 2)),
        won_value: round(won_value, 2),
        remaining: remaining.map(|r| round(r, 2)),
        ratio: Figure::ratio(ratio, due.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

    #[test]
    fn forecast_groups_open_weighted_value_by_close_month() {
        let due = |mut record: DealRecord, close: Option<Date>| {
            record.expected_close = close;
            record
        };
        let deals = [
            due(
                weighted(deal("a", &[("proposal", "2026-10-01")]), "1000", 50),
                Some(date(2026, 12, 15)),
            ),
            due(
                weighted(deal("b", &[("lead", "2026-10-01")]), "2000", 10),
                Some(date(2026, 11, 2)),
            ),
            due(
                weighted(deal("c", &[("lead", "2026-10-01")]), "100", 100),
                None,
            ),
            due(
                deal("d", &[("lead", "2026-10-01")]),
                Some(date(2026, 12, 1)),
            ),
            due(
                weighted(deal("late", &[("lead", "2026-09-01")]), "300", 10),
                Some(date(2026, 10, 31)),
            ),
            due(
                weighted(deal("w", &[("won", "2026-10-01")]), "9000", 100),
                Some(date(2026, 11, 1)),
            ),
        ];
        let forecast = report(&config(), &deals, &october(), at("2026-11-01")).forecast;
        let row = |month: &str, deals, value: &str, weighted: &str| ForecastMonth {
            month: month.to_string(),
            deals,
            value: dec(value),
            weighted_value: dec(weighted),
            overdue: month != "(none)" && month < "2026-11",
        };
        // Now is in November: October's deal should have closed already.
        assert_eq!(
            forecast,
            [
                row("2026-10", 1, "300", "30"),
                row("2026-11", 1, "2000", "200"),
                row("2026-12", 2, "1000", "500"),
                row("(none)", 1, "100", "100"),
            ]
        );
    }

    #[test]
    fn coverage_is_due_weighted_value_over_the_remaining_target() {
        let due = |record: DealRecord, close: Date| {
            let mut record = record;
            record.expected_close = Some(close);
            record
        };
        let won = valued(
            deal("won", &[("lead", "2026-10-01"), ("won", "2026-11-05")]),
            "10000",
        );
        let mut deals = vec![
            won,
            due(
                weighted(deal("a", &[("proposal", "2026-10-01")]), "20000", 50),
                date(2026, 11, 20),
            ),
            due(
                weighted(deal("b", &[("lead", "2026-10-01")]), "40000", 25),
                date(2026, 11, 30),
            ),
            due(
                weighted(deal("c", &[("lead", "2026-10-01")]), "99000", 50),
                date(2026, 12, 1),
            ),
        ];
        let november = window("2026-11-01", "2026-12-01");
        let coverage = report(&config(), &deals, &november, at("2026-11-10")).coverage;
        assert_eq!(coverage.target, some("50000"));
        assert_eq!(coverage.won_value, dec("10000"));
        assert_eq!(coverage.remaining, some("40000"));
        assert_eq!(coverage.due_deals, 2);
        assert_eq!(coverage.due_weighted_value, dec("20000"));
        assert_eq!(
            coverage.ratio,
            Figure {
                value: some("0.5"),
                deals: 2
            }
        );

        // Target met: nothing left to cover.
        deals[0].value = Some(dec("60000"));
        let coverage = report(&config(), &deals, &november, at("2026-11-10")).coverage;
        assert_eq!(coverage.remaining, some("-10000"));
        assert_eq!(coverage.ratio.value, None);
    }
}
