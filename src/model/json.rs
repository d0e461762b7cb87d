//! JSON forms of the domain's values, by SPEC section 10: snake_case keys,
//! dates as ISO 8601 strings, money as decimal strings.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::model::config::Config;
use crate::model::deal::Deal;

pub fn money(amount: Option<Decimal>) -> Value {
    amount.map_or(Value::Null, |a| Value::from(crate::model::money::amount(a)))
}

/// A deal as a JSON value (see [`DealJson`]), for documents that add to it.
pub fn deal(deal: &Deal, config: &Config) -> Value {
    serde_json::to_value(DealJson(deal, config)).unwrap_or_default()
}

/// Serde helper: money as a decimal string, or null.
pub fn serialize_money<S: serde::Serializer>(
    amount: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    money(*amount).serialize(s)
}

/// For `#[serde(serialize_with)]` on an amount that is always there.
pub fn serialize_amount<S: serde::Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    serialize_money(&Some(*amount), s)
}

/// For `#[serde(serialize_with)]` on a value JSON shows as its text (a
/// calendar date: `2026-11-27`).
pub fn serialize_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// For `#[serde(serialize_with)]` on a value that may be missing (null).
pub fn serialize_display_opt<T: std::fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => s.collect_str(value),
        None => s.serialize_none(),
    }
}

/// An instant as SPEC 10 writes it in JSON: ISO 8601 with the offset of
/// the pipeline's time zone (`2026-11-27T12:00:00+00:00`).
pub fn iso(at: &jiff::ZonedDateTime) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// For `#[serde(serialize_with)]` on an instant.
pub fn serialize_instant<S: serde::Serializer>(
    at: &jiff::ZonedDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&iso(at))
}

/// For `#[serde(serialize_with)]` on an instant that may be missing.
pub fn serialize_instant_opt<S: serde::Serializer>(
    at: &Option<jiff::ZonedDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&iso(at)),
        None => serializer.serialize_none(),
    }
}

/// A deal: `id`, `stage`, `path`, `title`, `value` and `weighted_value` in
/// the pipeline's currency, `probability` (percent), and `fields`: every key
/// of the file as written (a `value` field keeps its own currency there;
/// dates as ISO strings). Written straight to a serializer, without a
/// `Value` tree first (`list --all --format json` on 100,000 deals).
pub struct DealJson<'a>(pub &'a Deal, pub &'a Config);

impl serde::Serialize for DealJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let DealJson(deal, config) = *self;
        let money = |amount: Option<Decimal>| amount.map(crate::model::money::amount);
        // Keys in the order a `serde_json::Map` (a BTreeMap) keeps them.
        let mut map = s.serialize_map(Some(8))?;
        map.serialize_entry("fields", &TomlJson::Table(deal.fields()))?;
        map.serialize_entry("id", &deal.id)?;
        map.serialize_entry("path", &deal.path.to_string_lossy().replace('\\', "/"))?;
        map.serialize_entry(
            "probability",
            &deal.probability(config).normalize().to_string(),
        )?;
        map.serialize_entry("stage", &deal.stage)?;
        map.serialize_entry("title", deal.title())?;
        map.serialize_entry("value", &money(deal.value(config)))?;
        map.serialize_entry("weighted_value", &money(deal.weighted_value(config)))?;
        map.end()
    }
}

/// A TOML value as JSON: dates as ISO strings, table keys sorted.
enum TomlJson<'a> {
    Value(&'a toml::Value),
    Table(&'a toml::Table),
}

impl serde::Serialize for TomlJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            TomlJson::Table(table) => {
                let mut keys: Vec<(&String, &toml::Value)> = table.iter().collect();
                keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(keys.len()))?;
                for (key, value) in keys {
                    map.serialize_entry(key, &TomlJson::Value(value))?;
                }
                map.end()
            }
            TomlJson::Value(value) => match value {
                toml::Value::String(v) => s.serialize_str(v),
                toml::Value::Integer(v) => s.serialize_i64(*v),
                toml::Value::Float(v) => s.serialize_f64(*v),
                toml::Value::Boolean(v) => s.serialize_bool(*v),
                toml::Value::Datetime(v) => s.collect_str(v),
                toml::Value::Array(a) => s.collect_seq(a.iter().map(TomlJson::Value)),
                toml::Value::Table(t) => TomlJson::Table(t).serialize(s),
            },
        }
    }
}
