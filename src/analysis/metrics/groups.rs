//! `--by`: splitting the deals into groups by a key or a field.

use std::collections::BTreeMap;

use super::{DealRecord, NONE_GROUP};

/// Splits deals by `key` for `--by`: `owner`, `product`, `source`,
/// `account`, `stage`, or any field of the deal file (dotted keys look into
/// tables). A deal without a value for the key, or with an empty one, goes to
/// `(none)`; a list puts the deal in the group of each element (so groups
/// may overlap when splitting by a list such as `tags`).
pub fn split_by<'a>(deals: &'a [DealRecord], key: &str) -> BTreeMap<String, Vec<&'a DealRecord>> {
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
    groups
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
        let mut parts = key.split('.');
        let mut current = parts.next().and_then(|first| deal.fields.get(first));
        for part in parts {
            current = current.and_then(|v| v.as_table()).and_then(|t| t.get(part));
        }
        match current {
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
        let groups = split_by(&deals, "owner");
        let alice = report(&config(), &groups["alice"], &october(), at("2026-11-01"));
        assert_eq!(alice.deals, 1);
    }
}
