//! The arithmetic of the figures: ratios that are n/a rather than a
//! division by zero, saturating totals, means and percentiles. Rounding is
//! `model::money`'s.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

pub(super) fn percent(fraction: Decimal) -> Decimal {
    fraction.saturating_mul(Decimal::ONE_HUNDRED)
}

/// `num / den`, `None` when `den` is zero.
pub(super) fn ratio(num: Decimal, den: Decimal) -> Option<Decimal> {
    if den.is_zero() {
        None
    } else {
        num.checked_div(den)
    }
}

pub(super) fn total(values: impl Iterator<Item = Decimal>) -> Decimal {
    values.fold(Decimal::ZERO, Decimal::saturating_add)
}

pub(super) fn mean(values: &[Decimal]) -> Option<Decimal> {
    ratio(total(values.iter().copied()), Decimal::from(values.len()))
}

/// The `q` quantile (0 to 1), interpolated linearly between nearest ranks.
pub(super) fn percentile(values: &[Decimal], q: Decimal) -> Option<Decimal> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let position = q * Decimal::from(n - 1);
    let below = position.floor();
    let index = below.to_usize()?.min(n - 1);
    let low = sorted[index];
    let high = sorted[(index + 1).min(n - 1)];
    high.checked_sub(low)?
        .checked_mul(position - below)?
        .checked_add(low)
}
