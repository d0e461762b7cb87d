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

/// Money as every table shows it: rounded to whole units of `currency`,
/// digits grouped by thousands, the currency's code after it (`94,100 USD`,
/// `-1,250 EUR`). Cents in a summary are spurious (a mean of 14,608.10 says
/// no more than 14,608), so tables leave them out; the files, JSON and CSV
/// keep the exact amount ([`amount`]).
pub fn shown(value: Decimal, currency: &str) -> String {
    // Rounded to a whole number (scale 0), its mantissa is the number,
    // and an integer's text is quicker to make than a Decimal's.
    let mut out = grouped(&round(value, 0).mantissa().to_string());
    out.push(' ');
    out.push_str(currency);
    out
}

/// A number's text with its whole part grouped by thousands (`1234567.5`
/// is `1,234,567.5`, a leading `-` or `+` kept); text that is not a plain
/// number comes back as it is.
pub fn grouped(number: &str) -> String {
    let (sign, rest) = match number.split_at_checked(1) {
        Some((sign @ ("-" | "+"), rest)) => (sign, rest),
        _ => ("", number),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) {
        return number.to_string();
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
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
    fn tables_show_whole_grouped_units_with_the_currency() {
        assert_eq!(shown(d("94100"), "USD"), "94,100 USD");
        assert_eq!(shown(d("14608.10"), "USD"), "14,608 USD");
        assert_eq!(shown(d("129500.50"), "EUR"), "129,501 EUR");
        assert_eq!(shown(d("-1250"), "USD"), "-1,250 USD");
        assert_eq!(shown(d("999"), "USD"), "999 USD");
        assert_eq!(shown(d("0.4"), "USD"), "0 USD");
        assert_eq!(shown(d("1234567"), "USD"), "1,234,567 USD");
        assert_eq!(shown(d("-0.4"), "USD"), "0 USD");
        assert_eq!(shown(d("-999.5"), "USD"), "-1,000 USD");
        assert_eq!(
            shown(d("79228162514264337593543950335"), "USD"),
            "79,228,162,514,264,337,593,543,950,335 USD"
        );
        assert_eq!(grouped("1234567.5"), "1,234,567.5");
        assert_eq!(grouped("-1000"), "-1,000");
        assert_eq!(grouped("+12000"), "+12,000");
        assert_eq!(grouped("n/a"), "n/a");
        assert_eq!(grouped("12d"), "12d");
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
