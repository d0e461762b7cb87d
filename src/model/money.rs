//! Money arithmetic and display, one place for each idea: the weighted
//! value of a deal, the rounding every figure uses, and the forms an amount
//! or a figure takes in text. Reading money from TOML and typed text is
//! `model::value`'s.
//!
//! # Rounding
//!
//! Half away from zero (`0.125` to 2 places is `0.13`, `-0.125` is
//! `-0.13`), as people and spreadsheets round, not rust_decimal's default
//! banker's rounding (`round_dp`, which gives `0.12`). Every rounded number
//! funnel shows goes through [`round`], and text with a fixed number of
//! decimals through [`fixed`]: rust_decimal's `{:.1}` cuts the digits off
//! instead of rounding (`134.79` would print as `134.7`), so a `Decimal` is
//! never formatted with a precision directly.

use rust_decimal::{Decimal, RoundingStrategy};

/// Value x probability (in percent) / 100: what a deal is worth to the
/// forecast. `None` only on overflow, which bounded amounts (see
/// `model::value`) never reach.
pub fn weighted(value: Decimal, probability: Decimal) -> Option<Decimal> {
    value
        .checked_mul(probability)?
        .checked_div(Decimal::ONE_HUNDRED)
}

/// `value` rounded half away from zero to `places` decimals, without
/// trailing zeros (`2.50` is `2.5`).
pub fn round(value: Decimal, places: u32) -> Decimal {
    value
        .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// An amount as text: whole, or with two decimals when it has cents
/// (`1234`, `1234.50`), rounded to the cent.
pub fn amount(value: Decimal) -> String {
    let cents = round(value, 2);
    if cents.fract().is_zero() {
        cents.trunc().to_string()
    } else {
        fixed(cents, 2)
    }
}

/// `value` rounded to `places` decimals and shown with exactly that many
/// (`134.79` to 1 place is `134.8`, `2` is `2.0`).
pub fn fixed(value: Decimal, places: u32) -> String {
    let mut rounded = round(value, places);
    rounded.rescale(places);
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test decimal")
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round(d("0.125"), 2), d("0.13"));
        assert_eq!(round(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round(d("2.5"), 0), d("3"));
        assert_eq!(round(d("3.5"), 0), d("4"));
        assert_eq!(round(d("134.79"), 1), d("134.8"));
        assert_eq!(round(d("0.124999"), 2), d("0.12"));
        // No trailing zeros.
        assert_eq!(round(d("2.50"), 2).to_string(), "2.5");
    }

    #[test]
    fn fixed_rounds_before_it_shows_the_decimals() {
        // rust_decimal's own `{:.1}` cuts: the bug this function exists for.
        assert_eq!(format!("{:.1}", d("134.79")), "134.7");
        assert_eq!(fixed(d("134.79"), 1), "134.8");
        assert_eq!(fixed(d("2"), 1), "2.0");
        assert_eq!(fixed(d("0.05"), 1), "0.1");
        assert_eq!(fixed(d("-0.05"), 1), "-0.1");
        assert_eq!(fixed(d("1.255"), 2), "1.26");
        assert_eq!(fixed(d("7"), 0), "7");
    }

    #[test]
    fn amounts_show_cents_only_when_there_are_any() {
        assert_eq!(amount(d("1234")), "1234");
        assert_eq!(amount(d("1234.00")), "1234");
        assert_eq!(amount(d("1234.5")), "1234.50");
        assert_eq!(amount(d("0.125")), "0.13");
        assert_eq!(amount(d("0.004")), "0");
        assert_eq!(amount(d("-12.345")), "-12.35");
    }

    #[test]
    fn weighted_value_is_value_times_probability_percent() {
        // 5000 x 60 / 100 = 3000; 999.99 x 12.5 / 100 = 124.99875.
        assert_eq!(weighted(d("5000"), d("60")), Some(d("3000")));
        assert_eq!(weighted(d("999.99"), d("12.5")), Some(d("124.99875")));
        assert_eq!(weighted(d("1000"), Decimal::ZERO), Some(Decimal::ZERO));
        assert_eq!(weighted(Decimal::MAX, d("100")), None);
    }
}
