//! Lead generation: deals and value created in the elapsed window per day,
//! week and month against `[targets]`, and the article's projection: at this
//! pace, what 1, 3 and 6 months bring.

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio, total};
use super::{Context, DAYS_PER_MONTH, Facts, Figure, PROJECTION_MONTHS};
use crate::model::config::Period;
use crate::model::money::round;

/// New deals and value created in the elapsed window, against targets.
#[derive(Debug, Clone, Serialize)]
pub struct LeadGeneration {
    /// The elapsed window's length, the pace's denominator.
    pub days: Decimal,
    pub deals: Pace,
    pub value: Pace,
    /// At the current daily pace, what 1, 3 and 6 months bring.
    pub projection: Vec<Projection>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pace {
    /// Created in the window (deals, or value in the pipeline's currency).
    pub total: Decimal,
    pub per_day: Figure,
    pub per_week: Figure,
    /// Per 30-day month.
    pub per_month: Figure,
    /// `None` when `[targets]` sets none.
    pub target: Option<PaceTarget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaceTarget {
    pub per_day: Decimal,
    pub per_week: Decimal,
    pub per_month: Decimal,
    /// The target for the elapsed window, scaled by the calendar.
    pub for_window: Decimal,
    /// total / for_window, in percent.
    pub attainment: Figure,
}

#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub months: u32,
    pub days: u32,
    pub deals: Figure,
    pub value: Figure,
}

pub(super) fn lead_generation(ctx: &Context<'_>, facts: &[Facts<'_>]) -> LeadGeneration {
    let elapsed = ctx.elapsed();
    let days = elapsed.days();
    let created: Vec<&Facts<'_>> = facts
        .iter()
        .filter(|f| ctx.window.contains(f.deal.created))
        .collect();
    let values: Vec<Decimal> = created.iter().filter_map(|f| f.deal.value).collect();
    let deal_count = Decimal::from(created.len());
    let value_total = total(values.iter().copied());
    let deals_per_day = ratio(deal_count, days);
    let value_per_day = ratio(value_total, days);
    let targets = &ctx.config.targets;
    let deals_target = targets
        .new_deals
        .as_ref()
        .map(|t| (Decimal::from(t.count), t.per));
    let value_target = targets.new_value.as_ref().map(|t| (t.amount, t.per));
    let pace = |total: Decimal,
                per_day: Option<Decimal>,
                n: usize,
                places: u32,
                target: Option<(Decimal, Period)>| {
        let scaled = |per: i64| per_day.and_then(|v| v.checked_mul(Decimal::from(per)));
        Pace {
            total: round(total, places),
            per_day: Figure::rounded(per_day, places, n),
            per_week: Figure::rounded(scaled(7), places, n),
            per_month: Figure::rounded(scaled(DAYS_PER_MONTH), places, n),
            target: target.map(|(amount, per)| {
                let daily = amount / Decimal::from(per.nominal_days());
                let for_window = amount.saturating_mul(ctx.periods_in(elapsed, per));
                PaceTarget {
                    per_day: round(daily, places),
                    per_week: round(daily.saturating_mul(Decimal::from(7)), places),
                    per_month: round(daily.saturating_mul(Decimal::from(DAYS_PER_MONTH)), places),
                    for_window: round(for_window, places),
                    attainment: Figure::percent(ratio(total, for_window).map(percent), n),
                }
            }),
        }
    };
    let projection = PROJECTION_MONTHS
        .iter()
        .map(|&months| {
            let ahead = |per_day: Option<Decimal>| per_day.and_then(|v| super::ahead(v, months));
            Projection {
                months,
                days: months * DAYS_PER_MONTH as u32,
                deals: Figure::ratio(ahead(deals_per_day), created.len()),
                value: Figure::money(ahead(value_per_day), values.len()),
            }
        })
        .collect();
    LeadGeneration {
        days: round(days, 1),
        deals: pace(deal_count, deals_per_day, created.len(), 2, deals_target),
        value: pace(value_total, value_per_day, values.len(), 2, value_target),
        projection,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn lead_generation_follows_the_articles_arithmetic() {
        // Five deals worth 500 each in the ten days elapsed of October: 250 a day.
        let deals: Vec<DealRecord> = (1..=5)
            .map(|i| valued(deal(&format!("d{i}"), &[("lead", "2026-10-02")]), "500"))
            .collect();
        let leads = report(&config(), &deals, &october(), at("2026-10-11")).lead_generation;
        assert_eq!(leads.days, dec("10"));
        assert_eq!(leads.value.total, dec("2500"));
        assert_eq!(leads.value.per_day.value, some("250"));
        assert_eq!(leads.value.per_week.value, some("1750"));
        assert_eq!(leads.value.per_month.value, some("7500"));
        let projected: Vec<_> = leads
            .projection
            .iter()
            .map(|p| (p.months, p.days, p.value.value, p.deals.value))
            .collect();
        assert_eq!(
            projected,
            [
                (1, 30, some("7500"), some("15")),
                (3, 90, some("22500"), some("45")),
                (6, 180, some("45000"), some("90")),
            ]
        );
        // new_value = 250 a day: ten days hold 2500, met exactly.
        let value_target = leads.value.target.expect("value target");
        assert_eq!(
            (
                value_target.per_day,
                value_target.per_week,
                value_target.per_month
            ),
            (dec("250"), dec("1750"), dec("7500"))
        );
        assert_eq!(value_target.for_window, dec("2500"));
        assert_eq!(value_target.attainment.value, some("100"));
        // new_deals = 10 a week; October 1-10 covers 4/7 and 6/7 of two
        // Monday weeks: 100/7 deals, of which 5 were made.
        let deals_target = leads.deals.target.expect("deals target");
        assert_eq!(deals_target.per_day, dec("1.43"));
        assert_eq!(deals_target.per_week, dec("10"));
        assert_eq!(deals_target.per_month, dec("42.86"));
        assert_eq!(deals_target.for_window, dec("14.29"));
        assert_eq!(deals_target.attainment.value, some("35"));
    }
}
