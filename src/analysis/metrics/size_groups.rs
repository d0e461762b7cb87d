//! Deal-size groups: the deals open now and those won or lost in the
//! window, by the size of their value, with each group's win rate.
//!
//! The groups follow the 1-2-5 ladder (1,000, 2,000, 5,000, 10,000 ...)
//! from the step at or below the smallest value to the step above the
//! largest, the first group starting at 0, so the groups fit the pipeline
//! whatever its currency and scale. When that makes more than
//! [`MAX_GROUPS`] groups the ladder is decades (1,000, 10,000 ...), and
//! when even that does, the smallest groups are merged into the first.
//! Deals without a value are a group of their own, last.

use rust_decimal::Decimal;
use serde::Serialize;

use super::stats::{percent, ratio, total};
use super::{Facts, Figure, Window};
use crate::model::money::round;

/// At most this many groups of valued deals.
pub const MAX_GROUPS: usize = 8;

/// The deals of one size group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SizeGroup {
    /// The smallest value in the group (inclusive); `None` for the deals
    /// without a value.
    pub from: Option<Decimal>,
    /// The bound above the group (exclusive); `None` for the deals
    /// without a value.
    pub to: Option<Decimal>,
    /// Open now.
    pub open: usize,
    pub open_value: Decimal,
    /// Won in the window, by the value at close.
    pub won: usize,
    pub won_value: Decimal,
    /// Lost in the window, by the value at close.
    pub lost: usize,
    /// won / (won + lost), in percent.
    pub win_rate: Figure,
}

pub(super) fn size_groups(facts: &[Facts<'_>], window: &Window) -> Vec<SizeGroup> {
    // Each deal in scope with the value it is sized by.
    let sized: Vec<(&Facts<'_>, Option<Decimal>)> = facts
        .iter()
        .filter_map(|f| {
            if f.is_open() {
                Some((f, f.deal.value))
            } else if f.won_in(window) || f.lost_in(window) {
                Some((f, f.closed_value()))
            } else {
                None
            }
        })
        .collect();
    let values: Vec<Decimal> = sized.iter().filter_map(|(_, v)| *v).collect();
    let mut groups: Vec<(Option<Decimal>, Option<Decimal>)> = bounds(&values)
        .windows(2)
        .map(|pair| (Some(pair[0]), Some(pair[1])))
        .collect();
    if sized.iter().any(|(_, v)| v.is_none()) {
        groups.push((None, None));
    }
    groups
        .into_iter()
        .map(|(from, to)| {
            let members: Vec<&(&Facts<'_>, Option<Decimal>)> = sized
                .iter()
                .filter(|(_, v)| match (v, from, to) {
                    (Some(v), Some(from), Some(to)) => from <= *v && *v < to,
                    (None, None, None) => true,
                    _ => false,
                })
                .collect();
            let value_of = |keep: &dyn Fn(&Facts<'_>) -> bool| {
                let chosen: Vec<Decimal> = members
                    .iter()
                    .filter(|(f, _)| keep(f))
                    .map(|(_, v)| v.unwrap_or_default())
                    .collect();
                (chosen.len(), round(total(chosen.into_iter()), 2))
            };
            let (open, open_value) = value_of(&|f| f.is_open());
            let (won, won_value) = value_of(&|f| f.won_in(window));
            let (lost, _) = value_of(&|f| f.lost_in(window));
            let closed = won + lost;
            SizeGroup {
                from,
                to,
                open,
                open_value,
                won,
                won_value,
                lost,
                win_rate: Figure::percent(
                    ratio(Decimal::from(won), Decimal::from(closed)).map(percent),
                    closed,
                ),
            }
        })
        .collect()
}

/// The group bounds for `values`: 0, then ladder steps up to the one above
/// the largest value (empty without values).
fn bounds(values: &[Decimal]) -> Vec<Decimal> {
    let Some(&largest) = values.iter().max() else {
        return Vec::new();
    };
    let Some(smallest) = values.iter().copied().filter(|v| *v > Decimal::ZERO).min() else {
        // Only zeros.
        return vec![Decimal::ZERO, Decimal::ONE];
    };
    let mut steps = Vec::new();
    for ladder in [&[1, 2, 5][..], &[1][..]] {
        steps = ladder_steps(ladder, smallest, largest);
        if steps.len() - 1 <= MAX_GROUPS {
            break;
        }
    }
    // steps[0] <= smallest and every later step is a group's upper bound;
    // the first group starts at 0 instead, and takes in the groups cut off
    // when there are too many.
    let uppers = &steps[1..];
    let keep = uppers.len().min(MAX_GROUPS);
    let mut out = vec![Decimal::ZERO];
    out.extend_from_slice(&uppers[uppers.len() - keep..]);
    out
}

/// The steps `mantissa x 10^k` from the one at or below `smallest` to the
/// first one above `largest`.
fn ladder_steps(mantissas: &[i64], smallest: Decimal, largest: Decimal) -> Vec<Decimal> {
    let mut steps = Vec::new();
    let mut scale = Decimal::new(1, 6);
    // Amounts are at most 10^15 (model::value): the loop ends.
    while steps.last().is_none_or(|s: &Decimal| *s <= largest) {
        for &m in mantissas {
            let step = Decimal::from(m).saturating_mul(scale);
            if step > largest {
                steps.push(step);
                break;
            }
            steps.push(step);
        }
        scale = scale.saturating_mul(Decimal::TEN);
    }
    let first = steps.iter().rposition(|s| *s <= smallest).unwrap_or(0);
    steps.split_off(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

    fn groups(deals: &[DealRecord], window: &Window) -> Vec<SizeGroup> {
        let config = config();
        let facts: Vec<Facts<'_>> = deals.iter().map(|d| Facts::new(&config, d)).collect();
        size_groups(&facts, window)
    }

    #[test]
    fn the_ladder_fits_the_values() {
        let b = |values: &[&str]| {
            let values: Vec<Decimal> = values.iter().map(|v| dec(v)).collect();
            bounds(&values)
                .into_iter()
                .map(|d| d.normalize().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            b(&["1500", "4000", "12000"]),
            ["0", "2000", "5000", "10000", "20000"]
        );
        // A value on a step belongs to the group above it.
        assert_eq!(b(&["1000", "2000"]), ["0", "2000", "5000"]);
        assert_eq!(b(&["0"]), ["0", "1"]);
        assert_eq!(b(&["0.5", "3"]), ["0", "1", "2", "5"]);
        // 100 to 9,000,000 on the 1-2-5 ladder would be 12 groups: decades.
        assert_eq!(
            b(&["100", "9000000"]),
            ["0", "1000", "10000", "100000", "1000000", "10000000"]
        );
        // Even decades would be too many: the smallest merge into the first.
        assert_eq!(b(&["0.01", "999999999999"]).len(), MAX_GROUPS + 1);
        assert!(b(&[]).is_empty());
    }

    #[test]
    fn open_won_and_lost_deals_by_size() {
        // October: w1 1000, w2 2000 at close, w3 6000 won; l1 4000 lost;
        // o1 500 and o2 (no value) open; w0 won in September is out.
        let g = groups(&october_deals(), &october());
        let rows: Vec<_> = g
            .iter()
            .map(|g| {
                (
                    g.from.map(|d| d.normalize().to_string()),
                    g.open,
                    g.won,
                    g.lost,
                    g.win_rate.value,
                )
            })
            .collect();
        let from = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            [
                (from("0"), 1, 0, 0, None),
                (from("1000"), 0, 1, 0, some("100")),
                (from("2000"), 0, 1, 1, some("50")),
                (from("5000"), 0, 1, 0, some("100")),
                (None, 1, 0, 0, None),
            ]
        );
        assert_eq!(g[0].open_value, dec("500"));
        assert_eq!(g[2].won_value, dec("2000"));
        assert_eq!((g[4].from, g[4].to), (None, None));
    }
}
