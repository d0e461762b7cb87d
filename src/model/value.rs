//! Conversions from TOML values and typed text to the domain's types:
//! exact, bounded money and calendar dates.
//!
//! # Money is bounded
//!
//! An amount is at most [`MAX_AMOUNT`] (10^15) in absolute value with at
//! most [`MAX_DECIMALS`] (6) decimal places, and an exchange rate at most
//! [`MAX_RATE`] (10^6) with at most [`MAX_RATE_DECIMALS`] (12). A value in
//! the pipeline's currency is then below 10^21, and a sum over ten million
//! deals below 10^28, inside rust_decimal's range (7.9 x 10^28): no sum,
//! product with a probability (at most 100) or rate can overflow. Every
//! amount a command reads goes through [`money`] or [`parse_money`], so a
//! larger one (in a file, in an old commit, on the command line) is an
//! error or is not an amount at all, never a panic.
//!
//! Text is strict: one optional leading `-`, digits, at most one decimal
//! point. `12,5` and `12,000.50` are refused with a hint that says what to
//! write, since the comma means a decimal point in half the world and a
//! thousands separator in the other half.

use std::str::FromStr;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::packed::Field;

/// The largest amount, in absolute value: 10^15.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);
/// The most decimal places an amount may have.
pub const MAX_DECIMALS: u32 = 6;
/// The largest exchange rate: 10^6.
pub const MAX_RATE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// The most decimal places an exchange rate may have.
pub const MAX_RATE_DECIMALS: u32 = 12;

/// Why a text or a TOML value is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the amount is empty")]
    Empty,
    #[error("`{text}` is not an amount")]
    NotANumber { text: String },
    /// `12,5`: a comma where a decimal point belongs.
    #[error("`{text}` has a decimal comma")]
    DecimalComma { text: String, fixed: String },
    /// `12,500`: a thousands separator or a decimal comma; either way not
    /// what funnel reads.
    #[error("`{text}` has a comma")]
    AmbiguousComma {
        text: String,
        thousands: String,
        decimal: String,
    },
    /// `12,000.50`, `1,2,3`, `12_000`: thousands separators.
    #[error("`{text}` has thousands separators")]
    Separators { text: String, fixed: String },
    #[error("`{text}` is too large")]
    TooLarge { text: String },
    #[error("`{text}` has {decimals} decimal places")]
    TooPrecise { text: String, decimals: u32 },
    /// A value that must not be below zero (a deal's value, spend).
    #[error("`{text}` is negative")]
    Negative { text: String },
    /// A value that must be above zero (an exchange rate).
    #[error("`{text}` is not above zero")]
    NotPositive { text: String },
    #[error("expected an amount (a number or a decimal string), found {found}")]
    WrongType { found: &'static str },
}

impl MoneyError {
    /// The amount as funnel reads it, when the error knows it (`12.5` for
    /// `12,5`).
    pub fn fixed(&self) -> Option<&str> {
        match self {
            MoneyError::DecimalComma { fixed, .. } | MoneyError::Separators { fixed, .. } => {
                Some(fixed)
            }
            _ => None,
        }
    }

    /// What to write instead.
    pub fn hint(&self) -> String {
        match self {
            MoneyError::Empty | MoneyError::NotANumber { .. } | MoneyError::WrongType { .. } => {
                "write a number such as 12000 or 12000.50".to_string()
            }
            MoneyError::DecimalComma { fixed, .. } => format!("use a decimal point: {fixed}"),
            MoneyError::AmbiguousComma {
                thousands, decimal, ..
            } => format!(
                "write {thousands} without thousands separators, or {decimal} with a decimal point"
            ),
            MoneyError::Separators { fixed, .. } => {
                format!("write {fixed} without thousands separators")
            }
            MoneyError::TooLarge { .. } => {
                format!("amounts are at most {MAX_AMOUNT} (10^15) in absolute value")
            }
            MoneyError::TooPrecise { .. } => {
                format!("round it to at most {MAX_DECIMALS} decimal places")
            }
            MoneyError::Negative { .. } => "write an amount of 0 or more".to_string(),
            MoneyError::NotPositive { .. } => "write a number above 0".to_string(),
        }
    }
}

/// Money as written in a file: an integer, a decimal string or a float,
/// within the bounds; `None` for anything else. Floats go through their
/// shortest decimal form, so `0.1` is exactly 0.1.
pub fn money(value: &toml::Value) -> Option<Decimal> {
    checked_money(value).ok()
}

/// [`money`], saying why a value is not an amount.
pub fn checked_money(value: &toml::Value) -> Result<Decimal, MoneyError> {
    let amount = decimal(value)?;
    bounded(amount, MAX_AMOUNT, MAX_DECIMALS, || display(value))
}

/// An exchange rate as written in `[fx]`: above zero, at most
/// [`MAX_RATE`], at most [`MAX_RATE_DECIMALS`] decimal places.
pub fn rate(value: &toml::Value) -> Result<Decimal, MoneyError> {
    let rate = bounded(decimal(value)?, MAX_RATE, MAX_RATE_DECIMALS, || {
        display(value)
    })?;
    if rate <= Decimal::ZERO {
        return Err(MoneyError::NotPositive {
            text: display(value),
        });
    }
    Ok(rate)
}

/// The exact decimal a TOML value holds, unbounded.
fn decimal(value: &toml::Value) -> Result<Decimal, MoneyError> {
    match value {
        toml::Value::Integer(i) => Ok(Decimal::from(*i)),
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
            .map_err(|_| MoneyError::TooLarge {
                text: display(value),
            }),
        toml::Value::Float(_) => Err(MoneyError::NotANumber {
            text: display(value),
        }),
        toml::Value::String(s) => strict_decimal(s),
        other => Err(MoneyError::WrongType {
            found: type_name(other),
        }),
    }
}

/// A value as its text in messages (a string without its quotes).
fn display(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Float(f) if f.abs() >= 1e15 => format!("{f:e}"),
        other => other.to_string(),
    }
}

fn bounded(
    amount: Decimal,
    max: Decimal,
    decimals: u32,
    text: impl Fn() -> String,
) -> Result<Decimal, MoneyError> {
    if amount.abs() > max {
        return Err(MoneyError::TooLarge { text: text() });
    }
    let places = amount.normalize().scale();
    if places > decimals {
        return Err(MoneyError::TooPrecise {
            text: text(),
            decimals: places,
        });
    }
    Ok(amount)
}

/// A decimal amount typed by a person: `12000`, `-12000.50`, `0.5`, within
/// the bounds. Thousands separators and decimal commas are errors whose
/// hint is the amount written as funnel reads it.
pub fn parse_money(text: &str) -> Result<Decimal, MoneyError> {
    let amount = strict_decimal(text)?;
    bounded(amount, MAX_AMOUNT, MAX_DECIMALS, || text.trim().to_string())
}

/// `-?DIGITS(.DIGITS)?`, unbounded (the bound comes after, so a long
/// number is "too large", not "not an amount").
fn strict_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    let not_a_number = || MoneyError::NotANumber {
        text: text.to_string(),
    };
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !well_formed(unsigned) {
        return Err(separator_error(text).unwrap_or_else(not_a_number));
    }
    // Digits only: the one failure left is a number beyond 96 bits.
    Decimal::from_str(unsigned)
        .map(|d| if text.starts_with('-') { -d } else { d })
        .map_err(|_| MoneyError::TooLarge {
            text: text.to_string(),
        })
}

/// Digits, then optionally a point and digits.
fn well_formed(unsigned: &str) -> bool {
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits_only(whole) && digits_only(fraction),
        None => digits_only(unsigned),
    }
}

fn digits_only(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The error for an amount written with commas, underscores or spaces
/// between its digits, when taking them out leaves a number.
fn separator_error(text: &str) -> Option<MoneyError> {
    let is_separator = |c: char| c == ',' || c == '_' || c == ' ' || c == '\'';
    if !text.contains(is_separator) {
        return None;
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let sign = if text.starts_with('-') { "-" } else { "" };
    let others = |c: char| c == '_' || c == ' ' || c == '\'';
    if unsigned.matches(',').count() == 1 && !unsigned.contains('.') {
        // One comma and no point: a decimal comma, unless it could be a
        // thousands separator too (`12,500`).
        let (whole, fraction) = unsigned.split_once(',')?;
        if !whole.split(others).all(digits_only) || !digits_only(fraction) {
            return None;
        }
        let whole: String = whole.chars().filter(|c| !others(*c)).collect();
        let decimal = format!("{sign}{whole}.{fraction}");
        return Some(if fraction.len() == 3 && !unsigned.contains(others) {
            MoneyError::AmbiguousComma {
                text: text.to_string(),
                thousands: format!("{sign}{whole}{fraction}"),
                decimal,
            }
        } else {
            MoneyError::DecimalComma {
                text: text.to_string(),
                fixed: decimal,
            }
        });
    }
    // Separators in the whole part, between digits: `1,2,3`, `12_000.50`.
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let groups_ok = whole.split(is_separator).all(digits_only);
    if !groups_ok || !fraction.is_none_or(digits_only) {
        return None;
    }
    let fixed: String = text.chars().filter(|c| !is_separator(*c)).collect();
    Some(MoneyError::Separators {
        text: text.to_string(),
        fixed,
    })
}

/// Whether `code` is shaped as an ISO 4217 currency code: three ASCII
/// capital letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// `usd` as it should be written (`USD`), when capitals are all it lacks.
pub fn currency_fix(code: &str) -> Option<String> {
    let upper = code.trim().to_ascii_uppercase();
    is_currency_code(&upper).then_some(upper)
}

/// A TOML local date (`2026-11-20`); a date-time counts as its date.
pub fn date(value: &toml::Value) -> Option<Date> {
    let toml::Value::Datetime(dt) = value else {
        return None;
    };
    datetime_date(dt)
}

/// [`date`] of a deal's [`Field`].
pub fn field_date(field: Field<'_>) -> Option<Date> {
    datetime_date(&field.as_datetime()?)
}

fn datetime_date(dt: &toml::value::Datetime) -> Option<Date> {
    let d = dt.date?;
    Date::new(d.year as i16, d.month as i8, d.day as i8).ok()
}

/// The TOML name of a value's type, for error messages.
pub fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_bounds_are_what_they_say() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_000i64));
        assert_eq!(MAX_RATE, Decimal::from(1_000_000));
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(money(&toml::Value::Float(0.1)), Some(d("0.1")));
        assert_eq!(
            money(&toml::Value::Integer(12000)),
            Some(Decimal::from(12000))
        );
        assert_eq!(
            money(&toml::Value::String("12000.50".into())),
            Some(d("12000.50"))
        );
        assert_eq!(money(&toml::Value::String("12,000.50".into())), None);
        assert_eq!(money(&toml::Value::String("lots".into())), None);
        assert_eq!(money(&toml::Value::Boolean(true)), None);
        assert_eq!(
            checked_money(&toml::Value::Float(1e300)),
            Err(MoneyError::TooLarge {
                text: "1e300".into()
            })
        );
        assert_eq!(
            checked_money(&toml::Value::Float(f64::NAN)),
            Err(MoneyError::NotANumber { text: "nan".into() })
        );
    }

    #[test]
    fn typed_amounts_are_strict() {
        assert_eq!(parse_money(" 12000 "), Ok(d("12000")));
        assert_eq!(parse_money("-12000.50"), Ok(d("-12000.50")));
        assert_eq!(parse_money("0.000001"), Ok(d("0.000001")));
        assert_eq!(parse_money("1000000000000000"), Ok(MAX_AMOUNT));
        assert_eq!(parse_money("-1000000000000000"), Ok(-MAX_AMOUNT));
        let hint = |s: &str| {
            let e = parse_money(s).unwrap_err();
            format!("{e}; {}", e.hint())
        };
        assert_eq!(
            hint("12,5"),
            "`12,5` has a decimal comma; use a decimal point: 12.5"
        );
        assert_eq!(
            hint("-0,75"),
            "`-0,75` has a decimal comma; use a decimal point: -0.75"
        );
        assert_eq!(
            hint("12,500"),
            "`12,500` has a comma; write 12500 without thousands separators, or 12.500 with a decimal point"
        );
        assert_eq!(
            hint("1,2,3"),
            "`1,2,3` has thousands separators; write 123 without thousands separators"
        );
        assert_eq!(
            hint("12,000.50"),
            "`12,000.50` has thousands separators; write 12000.50 without thousands separators"
        );
        assert_eq!(
            hint("12_000"),
            "`12_000` has thousands separators; write 12000 without thousands separators"
        );
        assert_eq!(
            hint("1000000000000001"),
            "`1000000000000001` is too large; amounts are at most 1000000000000000 (10^15) in absolute value"
        );
        assert_eq!(
            hint("79228162514264337593543950336"),
            "`79228162514264337593543950336` is too large; amounts are at most 1000000000000000 (10^15) in absolute value"
        );
        assert_eq!(
            hint("0.1234567"),
            "`0.1234567` has 7 decimal places; round it to at most 6 decimal places"
        );
        assert_eq!(
            hint("1 000,5"),
            "`1 000,5` has a decimal comma; use a decimal point: 1000.5"
        );
        assert_eq!(
            hint(""),
            "the amount is empty; write a number such as 12000 or 12000.50"
        );
        for bad in [
            "+5",
            "1e3",
            "12.",
            ".5",
            "1.2.3",
            "--1",
            "12.000,50",
            "12,,0",
            ",5",
            "0x10",
            "NaN",
            "inf",
        ] {
            assert!(
                matches!(parse_money(bad), Err(MoneyError::NotANumber { .. })),
                "{bad}: {:?}",
                parse_money(bad)
            );
        }
        // Trailing zeros are not decimal places that count.
        assert_eq!(parse_money("1.50000000"), Ok(d("1.50000000")));
    }

    #[test]
    fn rates_are_above_zero_and_bounded() {
        assert_eq!(rate(&toml::Value::Float(1.08)), Ok(d("1.08")));
        assert_eq!(
            rate(&toml::Value::String("0.0000625".into())),
            Ok(d("0.0000625"))
        );
        assert_eq!(
            rate(&toml::Value::Integer(0)),
            Err(MoneyError::NotPositive { text: "0".into() })
        );
        assert_eq!(
            rate(&toml::Value::Float(-1.5)),
            Err(MoneyError::NotPositive {
                text: "-1.5".into()
            })
        );
        assert!(matches!(
            rate(&toml::Value::Integer(10_000_000)),
            Err(MoneyError::TooLarge { .. })
        ));
    }

    /// The bound's promise: the largest values, converted at the largest
    /// rate with the most decimal places, summed over ten million deals
    /// and weighted by 100 percent, stay inside rust_decimal.
    #[test]
    fn the_largest_sums_do_not_overflow() {
        let amount = MAX_AMOUNT - d("0.000001");
        let rate = MAX_RATE - d("0.000000000001");
        let value = amount.checked_mul(rate).unwrap();
        let weighted = value
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
            .unwrap();
        let mut sum = Decimal::ZERO;
        for _ in 0..10_000 {
            sum = sum.checked_add(weighted).unwrap();
        }
        let mut total = Decimal::ZERO;
        for _ in 0..1_000 {
            total = total.checked_add(sum).unwrap();
        }
        assert!(total < Decimal::MAX);
    }
}
