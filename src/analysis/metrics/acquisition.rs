//! What a customer costs and brings: customer acquisition cost (spend / new
//! customers) and customer lifetime value (historical and predicted).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::{Month, data_months, days_between};
use super::stats::{mean, ratio};
use super::{Context, Facts, Figure};
use crate::model::money::round;

/// Spend in the window's months / new customers.
#[derive(Debug, Clone, Serialize)]
pub struct AcquisitionCost {
    /// `YYYY-MM` of every month that overlaps the window and has spend.
    pub months: Vec<String>,
    /// Months overlapping the window (since the first deal, up to now) that
    /// `[spend]` does not name.
    pub months_without_spend: Vec<String>,
    /// `None` when `[spend]` names none of the window's months.
    pub spend: Option<Decimal>,
    pub new_customers: usize,
    /// `deals` is the number of new customers.
    pub cac: Figure,
}

/// Customer lifetime value over the won deals closed before the window's end.
#[derive(Debug, Clone, Serialize)]
pub struct LifetimeValue {
    pub accounts: usize,
    /// Mean total won value per account.
    pub historical: Figure,
    /// Mean won deal value.
    pub average_deal_size: Figure,
    /// Mean over accounts of wins per year of lifespan.
    pub purchases_per_year: Figure,
    /// Mean over accounts of first to last win, at least 1 year.
    pub lifespan_years: Figure,
    /// average_deal_size x purchases_per_year x lifespan_years.
    pub predicted: Figure,
}

pub(super) fn acquisition_cost(ctx: &Context<'_>, facts: &[Facts<'_>]) -> AcquisitionCost {
    let tz = ctx.tz();
    let window = ctx.window;
    let mut spend_months = Vec::new();
    let mut spend: Option<Decimal> = None;
    for (key, amount) in &ctx.config.spend {
        let Some(month) = Month::parse(key) else {
            continue;
        };
        if month.overlaps(window, tz) {
            spend_months.push(month.key());
            spend = Some(spend.unwrap_or(Decimal::ZERO).saturating_add(*amount));
        }
    }
    let spent: BTreeSet<&str> = spend_months.iter().map(String::as_str).collect();
    let months_without_spend = data_months(ctx, facts)
        .into_iter()
        .map(|m| m.key())
        .filter(|k| !spent.contains(k.as_str()))
        .collect();
    let mut first_win: BTreeMap<String, Timestamp> = BTreeMap::new();
    for fact in facts {
        if let Some(at) = fact.won_at() {
            let first = first_win.entry(fact.customer()).or_insert(at);
            *first = (*first).min(at);
        }
    }
    let new_customers = first_win.values().filter(|t| window.contains(**t)).count();
    let cac = spend.and_then(|s| ratio(s, Decimal::from(new_customers)));
    AcquisitionCost {
        months: spend_months,
        months_without_spend,
        spend: spend.map(|s| round(s, 2)),
        new_customers,
        cac: Figure::money(cac, new_customers),
    }
}

pub(super) fn lifetime_value(ctx: &Context<'_>, facts: &[Facts<'_>]) -> LifetimeValue {
    struct Account {
        value: Decimal,
        valued: bool,
        wins: usize,
        first: Timestamp,
        last: Timestamp,
    }
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut values = Vec::new();
    for fact in facts {
        let Some(at) = fact.won_at().filter(|t| *t < ctx.window.until) else {
            continue;
        };
        let account = accounts.entry(fact.customer()).or_insert(Account {
            value: Decimal::ZERO,
            valued: false,
            wins: 0,
            first: at,
            last: at,
        });
        account.wins += 1;
        account.first = account.first.min(at);
        account.last = account.last.max(at);
        if let Some(value) = fact.closed_value() {
            account.value = account.value.saturating_add(value);
            account.valued = true;
            values.push(value);
        }
    }
    let totals: Vec<Decimal> = accounts
        .values()
        .filter(|a| a.valued)
        .map(|a| a.value)
        .collect();
    let year = Decimal::new(36525, 2);
    let lifespans: Vec<Decimal> = accounts
        .values()
        .map(|a| (days_between(a.first, a.last) / year).max(Decimal::ONE))
        .collect();
    let rates: Vec<Decimal> = accounts
        .values()
        .zip(&lifespans)
        .map(|(a, years)| Decimal::from(a.wins) / *years)
        .collect();
    let size = mean(&values);
    let purchases = mean(&rates);
    let lifespan = mean(&lifespans);
    let predicted = match (size, purchases, lifespan) {
        (Some(s), Some(p), Some(l)) => s.checked_mul(p).and_then(|v| v.checked_mul(l)),
        _ => None,
    };
    LifetimeValue {
        accounts: accounts.len(),
        historical: Figure::money(mean(&totals), totals.len()),
        average_deal_size: Figure::money(size, values.len()),
        purchases_per_year: Figure::ratio(purchases, accounts.len()),
        lifespan_years: Figure::ratio(lifespan, accounts.len()),
        predicted: Figure::money(predicted, values.len()),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn acquisition_cost_counts_whole_months_and_new_accounts() {
        let mut acme = deal("acme", &[("lead", "2026-09-01"), ("won", "2026-10-10")]);
        acme.account = Some("Acme".to_string());
        let mut globex_old = deal("globex-1", &[("lead", "2026-09-01"), ("won", "2026-09-15")]);
        globex_old.account = Some("Globex".to_string());
        let mut globex_new = deal("globex-2", &[("lead", "2026-09-01"), ("won", "2026-10-20")]);
        globex_new.account = Some(" globex ".to_string());
        let lone = deal("lone", &[("lead", "2026-09-01"), ("won", "2026-10-05")]);
        let deals = [acme, globex_old, globex_new, lone];

        let cost = report(&config(), &deals, &october(), at("2026-11-01")).acquisition_cost;
        assert_eq!(cost.months, ["2026-10"]);
        assert!(cost.months_without_spend.is_empty());
        assert_eq!(cost.spend, some("10000"));
        // Acme and the deal without an account; Globex first won in September.
        assert_eq!(cost.new_customers, 2);
        assert_eq!(
            cost.cac,
            Figure {
                value: some("5000"),
                deals: 2
            }
        );

        // Half of October and half of November: both months count in full.
        // Only Globex won in it, and Globex is no new customer: n/a.
        let straddle = window("2026-10-15", "2026-11-15");
        let cost = report(&config(), &deals, &straddle, at("2026-11-15")).acquisition_cost;
        assert_eq!(cost.months, ["2026-10", "2026-11"]);
        assert_eq!(cost.spend, some("22000"));
        assert_eq!(cost.new_customers, 0);
        assert_eq!(cost.cac.value, None);

        let autumn = window("2026-09-01", "2026-11-01");
        let cost = report(&config(), &deals, &autumn, at("2026-11-01")).acquisition_cost;
        assert_eq!(cost.months_without_spend, ["2026-09"]);
        assert_eq!(cost.new_customers, 3);
    }

    #[test]
    fn lifetime_value_historical_and_predicted() {
        let won = |id: &str, account: &str, when: &str, value: &str| {
            let mut record = valued(deal(id, &[("lead", "2023-12-01"), ("won", when)]), value);
            record.account = Some(account.to_string());
            record
        };
        let deals = [
            // Acme: two wins exactly two years (730.5 days) apart.
            won("a1", "Acme", "2024-01-01", "1000"),
            won("a2", "Acme", "2025-12-31T12:00", "3000"),
            // Globex: one win, lifespan counted as one year.
            won("g1", "Globex", "2026-06-01", "2000"),
            // Initech: three wins within a year.
            won("i1", "Initech", "2026-01-01", "1000"),
            won("i2", "Initech", "2026-02-01", "1000"),
            won("i3", "Initech", "2026-03-01", "1000"),
            // After the window's end: not yet history.
            won("late", "Acme", "2027-02-01", "50000"),
        ];
        let year = window("2026-01-01", "2027-01-01");
        let clv = report(&config(), &deals, &year, at("2027-01-01")).lifetime_value;
        assert_eq!(clv.accounts, 3);
        // (4000 + 2000 + 3000) / 3.
        assert_eq!(
            clv.historical,
            Figure {
                value: some("3000"),
                deals: 3
            }
        );
        assert_eq!(clv.average_deal_size.value, some("1500"));
        // (1 + 1 + 3) / 3 wins a year, (2 + 1 + 1) / 3 years.
        assert_eq!(clv.purchases_per_year.value, some("1.67"));
        assert_eq!(clv.lifespan_years.value, some("1.33"));
        // 1500 x 5/3 x 4/3.
        assert_eq!(clv.predicted.value, some("3333.33"));
    }
}
