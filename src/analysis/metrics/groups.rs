//! `--by`: splitting the deals into groups by a key or a field.

use std::collections::{BTreeMap, BTreeSet};

use super::{DealRecord, NONE_GROUP};
use crate::model::deal::KNOWN_FIELDS;
use crate::model::problem::did_you_mean;

/// The keys `--by` knows besides the fields of the deal files.
pub const GROUP_KEYS: [&str; 5] = ["owner", "product", "source", "account", "stage"];

/// A `--by` key that is neither one of [`GROUP_KEYS`], nor a key SPEC
/// section 3 defines, nor a key any deal file has: most likely a typo, which
/// would otherwise put every deal under `(none)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key `{key}` for --by")]
pub struct UnknownKey {
    pub key: String,
    /// The closest known or custom key, when one is close.
    pub suggestion: Option<String>,
}

impl UnknownKey {
    pub fn hint(&self) -> String {
        match &self.suggestion {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("use {}, or a key of the deal files", GROUP_KEYS.join(", ")),
        }
    }
}

/// Splits deals by `key` for `--by`: `owner`, `product`, `source`,
/// `account`, `stage`, or any field of the deal file (dotted keys look into
/// tables). A deal without a value for the key, or with an empty one, goes to
/// `(none)`; a list puts the deal in the group of each element (so groups
/// may overlap when splitting by a list such as `tags`). A key that no deal
/// has and SPEC section 3 does not define is an [`UnknownKey`].
pub fn split_by<'a>(
    deals: &'a [DealRecord],
    key: &str,
) -> Result<BTreeMap<String, Vec<&'a DealRecord>>, UnknownKey> {
    check_key(deals, key)?;
    let mut groups: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in deals {
        let names = group_names(deal, key);
        if names.is_empty() {
            groups.entry(NONE_GROUP.to_string()).or_default().push(deal);
        }
        for name in names {
            groups.entry(name).or_default().push(deal);
        }
    }
    Ok(groups)
}

fn check_key(deals: &[DealRecord], key: &str) -> Result<(), UnknownKey> {
    let known = GROUP_KEYS
        .into_iter()
        .chain(KNOWN_FIELDS.iter().map(|(k, _)| *k));
    if known.clone().any(|k| k == key) || deals.iter().any(|d| field(d, key).is_some()) {
        return Ok(());
    }
    let mut custom = BTreeSet::new();
    for deal in deals {
        dotted_keys("", &deal.fields, &mut custom);
    }
    Err(UnknownKey {
        key: key.to_string(),
        suggestion: did_you_mean(key, known.chain(custom.iter().map(String::as_str)))
            .map(str::to_string),
    })
}

/// Every key of `table`, and of its sub-tables dotted, under `prefix`.
fn dotted_keys(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        let key = format!("{prefix}{key}");
        if let Some(sub) = value.as_table() {
            dotted_keys(&format!("{key}."), sub, out);
        }
        out.insert(key);
    }
}

/// The value at dotted `key` in the deal file.
fn field<'a>(deal: &'a DealRecord, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut current = parts.next().and_then(|first| deal.fields.get(first));
    for part in parts {
        current = current.and_then(|v| v.as_table()).and_then(|t| t.get(part));
    }
    current
}

fn group_names(deal: &DealRecord, key: &str) -> Vec<String> {
    let known = match key {
        "owner" => Some(&deal.owner),
        "product" => Some(&deal.product),
        "source" => Some(&deal.source),
        "account" => Some(&deal.account),
        _ => None,
    };
    let names = if let Some(known) = known {
        known.iter().cloned().collect()
    } else if key == "stage" {
        vec![deal.stage.clone()]
    } else {
        match field(deal, key) {
            Some(toml::Value::Array(items)) => items.iter().filter_map(scalar_name).collect(),
            Some(value) => scalar_name(value).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let mut names: Vec<String> = names
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn scalar_name(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

    #[test]
    fn split_by_known_keys_fields_and_lists() {
        let mut a = deal("a", &[("lead", "2026-10-01")]);
        a.owner = Some("alice".to_string());
        a.fields =
            toml::from_str("tags = [\"enterprise\", \"eu\"]\n[qualification]\nbudget = true\n")
                .expect("fields");
        let mut b = deal("b", &[("won", "2026-10-01")]);
        b.owner = Some("bob".to_string());
        b.fields = toml::from_str("tags = []\n[qualification]\nbudget = false\n").expect("fields");
        let mut c = deal("c", &[("lead", "2026-10-01")]);
        c.owner = Some("  ".to_string());
        let deals = [a, b, c];
        let ids = |key: &str| -> Vec<(String, Vec<String>)> {
            split_by(&deals, key)
                .expect("a known key")
                .into_iter()
                .map(|(group, deals)| (group, deals.iter().map(|d| d.id.clone()).collect()))
                .collect()
        };
        let owned = |pairs: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            pairs
                .iter()
                .map(|(g, ids)| (g.to_string(), ids.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        assert_eq!(
            ids("owner"),
            owned(&[("(none)", &["c"]), ("alice", &["a"]), ("bob", &["b"])])
        );
        assert_eq!(
            ids("qualification.budget"),
            owned(&[("(none)", &["c"]), ("false", &["b"]), ("true", &["a"])])
        );
        assert_eq!(
            ids("tags"),
            owned(&[
                ("(none)", &["b", "c"]),
                ("enterprise", &["a"]),
                ("eu", &["a"])
            ])
        );
        assert_eq!(
            ids("stage"),
            owned(&[("lead", &["a", "c"]), ("won", &["b"])])
        );
        // Each group is a report of its own.
        let groups = split_by(&deals, "owner").expect("owner");
        let alice = report(&config(), &groups["alice"], &october(), at("2026-11-01"));
        assert_eq!(alice.deals, 1);
    }

    #[test]
    fn an_unknown_key_is_an_error_with_the_closest_known_or_custom_key() {
        let mut a = deal("a", &[("lead", "2026-10-01")]);
        a.fields =
            toml::from_str("region = \"eu\"\n[qualification]\nbudget = true\n").expect("fields");
        let deals = [a, deal("b", &[("lead", "2026-10-01")])];
        let unknown = |key: &str| split_by(&deals, key).expect_err("unknown key");
        // A typo of a --by key, of a SPEC key, of a custom key and of a
        // custom sub-table key.
        for (typo, close) in [
            ("ownr", "owner"),
            ("expected_clse", "expected_close"),
            ("regoin", "region"),
            ("qualification.budgte", "qualification.budget"),
        ] {
            let error = unknown(typo);
            assert_eq!(
                (error.to_string(), error.hint()),
                (
                    format!("unknown key `{typo}` for --by"),
                    format!("did you mean `{close}`?")
                )
            );
        }
        let error = unknown("nosuchfield");
        assert_eq!(error.suggestion, None);
        assert_eq!(
            error.hint(),
            "use owner, product, source, account, stage, or a key of the deal files"
        );
        // Known without any deal having it: a SPEC key, and a custom key of one deal.
        assert_eq!(
            split_by(&deals, "lost_reason").expect("spec key")["(none)"].len(),
            2
        );
        assert_eq!(
            split_by(&deals, "region").expect("custom key")["eu"].len(),
            1
        );
    }
}
