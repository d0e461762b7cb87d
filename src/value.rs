//! Conversions from TOML values to the domain's types: exact money and
//! calendar dates.

use std::str::FromStr;

use jiff::civil::Date;
use rust_decimal::Decimal;

/// Money as written in a file: an integer, a decimal string or a float.
/// Floats go through their shortest decimal form, so `0.1` is exactly 0.1.
pub fn money(value: &toml::Value) -> Option<Decimal> {
    match value {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{f:e}")))
            .ok(),
        toml::Value::String(s) => parse_money(s),
        _ => None,
    }
}

/// A decimal amount typed by a person: `12000`, `12000.50`, `12_000`, `12,000.50`.
pub fn parse_money(text: &str) -> Option<Decimal> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    Decimal::from_str(&cleaned).ok()
}

/// A TOML local date (`2026-11-20`); a date-time counts as its date.
pub fn date(value: &toml::Value) -> Option<Date> {
    let toml::Value::Datetime(dt) = value else {
        return None;
    };
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

    #[test]
    fn money_is_exact() {
        assert_eq!(
            money(&toml::Value::Float(0.1)),
            Decimal::from_str("0.1").ok()
        );
        assert_eq!(
            money(&toml::Value::Integer(12000)),
            Some(Decimal::from(12000))
        );
        assert_eq!(
            money(&toml::Value::String("12,000.50".into())),
            Decimal::from_str("12000.50").ok()
        );
        assert_eq!(money(&toml::Value::String("lots".into())), None);
        assert_eq!(money(&toml::Value::Boolean(true)), None);
    }
}
