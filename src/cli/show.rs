//! `funnel show`: one deal's fields.

use clap::Args;
use funnel::json;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show a deal's fields
///
/// JSON: the deal object of `funnel list --format json` (id, stage, path,
/// title, value and weighted_value as decimal strings in the pipeline's
/// currency, probability, fields).
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The deal's ID
    pub id: String,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: ShowArgs) -> CmdResult {
    let pipeline = env.load()?;
    let deal = pipeline.require_deal(&args.id)?;
    let config = &pipeline.config;
    let mut rows = Rows::new(vec!["field", "value"]);
    let mut push = |k: &str, v: String| rows.rows.push(vec![k.to_string(), v]);
    push("id", deal.id.clone());
    push("stage", deal.stage.clone());
    push("file", deal.path.display().to_string());
    for (key, value) in &deal.fields {
        flatten(key, value, &mut push);
    }
    if let Some(weighted) = deal.weighted_value(config) {
        push(
            "weighted value",
            format!(
                "{} {} ({}%)",
                super::ui::amount(weighted),
                config.currency,
                deal.probability(config).normalize()
            ),
        );
    }
    env.ui
        .rows(args.format, &rows, || json::deal(deal, config))?;
    Ok(())
}

/// One row per scalar; sub-tables as dotted keys, lists of tables one row
/// per element.
fn flatten(key: &str, value: &toml::Value, push: &mut impl FnMut(&str, String)) {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                flatten(&format!("{key}.{k}"), v, push);
            }
        }
        toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
            for item in items {
                let parts: Vec<String> = item
                    .as_table()
                    .map(|t| {
                        t.iter()
                            .map(|(k, v)| format!("{k}: {}", plain(v)))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![plain(item)]);
                push(key, parts.join(", "));
            }
        }
        other => push(key, plain(other)),
    }
}

/// A value as a person reads it: strings without quotes, lists joined.
pub fn plain(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.trim_end().to_string(),
        toml::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
