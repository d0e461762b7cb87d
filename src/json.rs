//! JSON forms of the domain's values, by SPEC section 10: snake_case keys,
//! dates as ISO 8601 strings, money as decimal strings.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::deal::Deal;

/// A TOML value as JSON (dates as ISO strings).
pub fn toml_value(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_value).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_value(v))).collect())
        }
    }
}

pub fn money(amount: Option<Decimal>) -> Value {
    amount.map_or(Value::Null, |a| Value::from(plain_amount(a)))
}

/// A deal: `id`, `stage`, `path`, `title`, `value` and `weighted_value` in
/// the pipeline's currency, `probability` (percent), and `fields`: every key
/// of the file as written (a `value` field keeps its own currency there).
pub fn deal(deal: &Deal, config: &Config) -> Value {
    let mut fields = Map::new();
    for (key, value) in &deal.fields {
        fields.insert(key.clone(), toml_value(value));
    }
    json!({
        "id": deal.id,
        "stage": deal.stage,
        "path": deal.path.to_string_lossy().replace('\\', "/"),
        "title": deal.title(),
        "value": money(deal.value(config)),
        "weighted_value": money(deal.weighted_value(config)),
        "probability": deal.probability(config).normalize().to_string(),
        "fields": fields,
    })
}

/// Serde helper: money as a decimal string, or null.
pub fn serialize_money<S: serde::Serializer>(
    amount: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    money(*amount).serialize(s)
}

/// An amount for messages: cents only when there are any.
pub fn plain_amount(value: Decimal) -> String {
    let cents = value.round_dp(2);
    if cents.fract().is_zero() {
        cents.trunc().to_string()
    } else {
        format!("{cents:.2}")
    }
}
