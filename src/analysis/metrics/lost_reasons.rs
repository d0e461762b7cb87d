//! Lost reasons: the deals lost in the window by their `lost_reason`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio};
use super::{Facts, Figure, NONE_GROUP, Window};
use crate::model::money::round;

/// The deals lost in the window for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostReason {
    /// The `lost_reason`, or `(none)`.
    pub reason: String,
    pub deals: usize,
    /// Their value at close.
    pub value: Decimal,
    /// Their share of the deals lost in the window, in percent.
    pub share: Figure,
}

/// Most deals first, then by reason.
pub(super) fn lost_reasons(facts: &[Facts<'_>], window: &Window) -> Vec<LostReason> {
    let mut reasons: BTreeMap<&str, (usize, Decimal)> = BTreeMap::new();
    let mut lost = 0;
    for fact in facts.iter().filter(|f| f.lost_in(window)) {
        lost += 1;
        let reason = fact
            .deal
            .lost_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(NONE_GROUP);
        let slot = reasons.entry(reason).or_default();
        slot.0 += 1;
        slot.1 = slot
            .1
            .saturating_add(fact.closed_value().unwrap_or_default());
    }
    let mut rows: Vec<LostReason> = reasons
        .into_iter()
        .map(|(reason, (deals, value))| LostReason {
            reason: reason.to_string(),
            deals,
            value: round(value, 2),
            share: Figure::percent(
                ratio(Decimal::from(deals), Decimal::from(lost)).map(percent),
                lost,
            ),
        })
        .collect();
    rows.sort_by(|a, b| b.deals.cmp(&a.deals).then(a.reason.cmp(&b.reason)));
    rows
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn lost_deals_by_reason() {
        let lost = |id: &str, when: &str, value: &str, reason: Option<&str>| {
            let mut d = valued(deal(id, &[("lead", "2026-09-01"), ("lost", when)]), value);
            d.lost_reason = reason.map(str::to_string);
            d
        };
        let deals = [
            lost("a", "2026-10-02", "1000", Some("price")),
            lost("b", "2026-10-03", "500", Some("price")),
            lost("c", "2026-10-04", "700", Some("timing")),
            lost("d", "2026-10-05", "300", None),
            // Lost before the window.
            lost("e", "2026-09-20", "9000", Some("competitor")),
        ];
        let reasons = breakdown(&config(), &deals, &october(), at("2026-11-01")).lost_reasons;
        let rows: Vec<_> = reasons
            .iter()
            .map(|r| (r.reason.as_str(), r.deals, r.value, r.share.value))
            .collect();
        // Shares of 4 lost: 2/4, 1/4, 1/4; ties by name.
        assert_eq!(
            rows,
            [
                ("price", 2, dec("1500"), some("50")),
                ("(none)", 1, dec("300"), some("25")),
                ("timing", 1, dec("700"), some("25")),
            ]
        );
    }
}
