//! Product balance: per product, created, won, lost, win rate and won value
//! in the window, against the product targets.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio, total};
use super::{Context, Facts, Figure, NONE_GROUP};
use crate::model::config::Period;
use crate::model::money::round;

/// One product's results in the window against its targets.
#[derive(Debug, Clone, Serialize)]
pub struct ProductBalance {
    pub product: String,
    pub created: usize,
    pub won: usize,
    pub lost: usize,
    pub win_rate: Figure,
    pub won_value: Decimal,
    /// The product's share of the deals created in the window, in percent.
    pub share: Figure,
    /// `targets.products.P.new_deals`, scaled to the elapsed window.
    pub target_new_deals: Option<Decimal>,
    pub new_deals_attainment: Figure,
    /// `targets.products.P.won`, scaled to the elapsed window.
    pub target_won: Option<Decimal>,
    pub won_attainment: Figure,
}

pub(super) fn product_balance(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<ProductBalance> {
    let window = &ctx.window;
    let elapsed = ctx.elapsed();
    let name = |f: &Facts<'_>| {
        f.deal
            .product
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(NONE_GROUP)
            .to_string()
    };
    let mut names: BTreeSet<String> = facts.iter().map(name).collect();
    names.extend(ctx.config.targets.products.keys().cloned());
    let created_total = facts
        .iter()
        .filter(|f| window.contains(f.deal.created))
        .count();
    names
        .into_iter()
        .map(|product| {
            let deals: Vec<&Facts<'_>> = facts.iter().filter(|f| name(f) == product).collect();
            let created = deals
                .iter()
                .filter(|f| window.contains(f.deal.created))
                .count();
            let won: Vec<&&Facts<'_>> = deals.iter().filter(|f| f.won_in(window)).collect();
            let lost = deals.iter().filter(|f| f.lost_in(window)).count();
            let won_value = total(won.iter().filter_map(|f| f.closed_value()));
            let target = ctx.config.targets.products.get(&product);
            let scale = |count: Option<u32>, per: Period| {
                count.map(|c| round(Decimal::from(c) * ctx.periods_in(elapsed, per), 2))
            };
            let target_new_deals = target.and_then(|t| scale(t.new_deals, t.per));
            let target_won = target.and_then(|t| scale(t.won, t.per));
            let attainment = |actual: usize, target: Option<Decimal>| {
                Figure::percent(
                    target.and_then(|t| ratio(Decimal::from(actual), t).map(percent)),
                    actual,
                )
            };
            let closed = won.len() + lost;
            ProductBalance {
                created,
                won: won.len(),
                lost,
                win_rate: Figure::percent(
                    ratio(Decimal::from(won.len()), Decimal::from(closed)).map(percent),
                    closed,
                ),
                won_value: round(won_value, 2),
                share: Figure::percent(
                    ratio(Decimal::from(created), Decimal::from(created_total)).map(percent),
                    created,
                ),
                new_deals_attainment: attainment(created, target_new_deals),
                won_attainment: attainment(won.len(), target_won),
                target_new_deals,
                target_won,
                product,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn product_balance_against_targets_and_share() {
        let product = |mut record: DealRecord, name: &str| {
            record.product = Some(name.to_string());
            record
        };
        let deals = [
            product(
                valued(
                    deal("c1", &[("lead", "2026-10-01"), ("won", "2026-10-10")]),
                    "800",
                ),
                "crm",
            ),
            product(
                deal("c2", &[("lead", "2026-10-01"), ("lost", "2026-10-10")]),
                "crm",
            ),
            product(deal("c3", &[("lead", "2026-10-02")]), "crm"),
            product(deal("e1", &[("lead", "2026-10-03")]), "erp"),
            deal("n1", &[("lead", "2026-09-01"), ("won", "2026-10-04")]),
        ];
        let products = report(&config(), &deals, &october(), at("2026-11-01")).products;
        let names: Vec<&str> = products.iter().map(|p| p.product.as_str()).collect();
        assert_eq!(names, ["(none)", "crm", "erp"]);
        let crm = &products[1];
        assert_eq!((crm.created, crm.won, crm.lost), (3, 1, 1));
        assert_eq!(crm.win_rate.value, some("50"));
        assert_eq!(crm.won_value, dec("800"));
        assert_eq!(crm.share.value, some("75"));
        assert_eq!(crm.target_new_deals, some("5"));
        assert_eq!(crm.new_deals_attainment.value, some("60"));
        assert_eq!(crm.target_won, some("2"));
        assert_eq!(crm.won_attainment.value, some("50"));
        let erp = &products[2];
        assert_eq!(erp.share.value, some("25"));
        assert_eq!(
            (erp.target_new_deals, erp.new_deals_attainment.value),
            (None, None)
        );
        let none = &products[0];
        assert_eq!((none.created, none.won), (0, 1));
        assert_eq!(none.win_rate.value, some("100"));
    }
}
