//! `funnel show`: one deal's fields.

use clap::Args;
use funnel::model::deal::plain;
use funnel::model::json;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show a deal: its fields, its stage history and its value and close-date changes
///
/// The stage history comes from git: when the deal entered each stage, when
/// it left, the days it spent there and who moved it. Field changes list
/// every change of value and expected close date (a later date is a push).
/// CSV and TSV hold the fields only.
///
/// JSON: the deal object of `funnel list --format json` (id, stage, path,
/// title, value and weighted_value as decimal strings in the pipeline's
/// currency, probability, fields) plus "history": [{"stage", "entered",
/// "left", "days", "by", "commit"}] and "changes": [{"date", "at", "by",
/// "commit", "field", "from", "to", "pushed"}] (pushed: an expected_close moved later); entered, left and at are ISO 8601 instants with the
/// offset of the pipeline's time zone (2026-11-27T12:00:00+00:00), left is
/// null while the deal is still in the stage.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The deal's ID
    #[arg(add = super::complete::with(super::complete::deal_ids))]
    pub id: String,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: ShowArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    // One deal's file and history, unless the past is asked for: the deal
    // of then may be one removed since.
    let snapshot = if env.is_as_of() {
        env.snapshot(funnel::model::deal::Keys::All)?
    } else {
        env.deal_snapshot(&args.id)?
    };
    let pipeline = &snapshot.pipeline;
    let config = &pipeline.config;
    let deal = match (pipeline.deal(&args.id), &args.as_of.as_of) {
        (None, Some(_)) => {
            let day = env.today(config)?;
            return Err(funnel::error::Error::hinted(
                format!(
                    "no deal `{}` on {day}: created later, removed by then, or never",
                    args.id
                ),
                format!("`funnel list --all --as-of {day}` shows the deals of then"),
            )
            .into());
        }
        _ => pipeline.require_deal(&args.id)?,
    };
    let mut rows = Rows::new(vec!["field", "value"]);
    let mut push = |k: &str, v: String| rows.rows.push(vec![k.to_string(), v]);
    push("id", deal.id.clone());
    push("stage", deal.stage.clone());
    push("file", deal.path.display().to_string());
    for (key, value) in funnel::model::deal::flat_fields(deal.fields()) {
        // A list of tables (contacts): one row per element.
        match value.as_array() {
            Some(items) if items.iter().any(toml::Value::is_table) => {
                for item in items {
                    push(&key, plain(item));
                }
            }
            _ => push(&key, plain(value)),
        }
    }
    if let Some(weighted) = deal.weighted_value(config) {
        push(
            "weighted value",
            format!(
                "{} ({}%)",
                if args.format == Format::Table {
                    funnel::model::money::shown(weighted, &config.currency)
                } else {
                    format!(
                        "{} {}",
                        funnel::model::money::amount(weighted),
                        config.currency
                    )
                },
                deal.probability(config).normalize()
            ),
        );
    }
    let today = env.today(config)?;
    let now = env.now_for(config, today)?;
    let (stays, changes) = match snapshot.history.deals.get(&deal.id) {
        Some(timeline) => {
            let repo = snapshot.repo.as_ref();
            let read = |oid| {
                repo.and_then(|r| r.blob_text(oid).ok())
                    .and_then(|text| funnel::model::deal::VersionValue::of(&text))
            };
            (
                funnel::analysis::facts::stays(config, timeline, now),
                funnel::analysis::facts::field_changes(config, timeline, &read),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    env.ui.rows(args.format, &rows, || {
        let mut doc = json::deal(deal, config);
        doc["history"] = serde_json::to_value(&stays).unwrap_or_default();
        doc["changes"] = serde_json::to_value(&changes).unwrap_or_default();
        doc
    })?;
    if args.format == Format::Table {
        let mut history = Rows::new(vec!["stage", "entered", "left", "days", "by"]).numeric(&[3]);
        for stay in &stays {
            history.rows.push(vec![
                stay.stage.clone(),
                minute(&stay.entered),
                stay.left.as_ref().map_or_else(|| "(now)".into(), minute),
                funnel::model::money::fixed(stay.days, 1),
                stay.by.clone(),
            ]);
        }
        let mut text = format!("\n{}", env.ui.table(&history));
        if !changes.is_empty() {
            let mut rows = Rows::new(vec!["date", "field", "from", "to"]);
            for change in &changes {
                let field = match change.field.as_str() {
                    "expected_close" if change.pushed => "expected_close (pushed)".to_string(),
                    other => other.to_string(),
                };
                rows.rows.push(vec![
                    change.date.clone(),
                    field,
                    change.from.clone().unwrap_or_default(),
                    change.to.clone().unwrap_or_default(),
                ]);
            }
            text.push_str(&format!("\n{}", env.ui.table(&rows)));
        }
        env.ui.out(&text)?;
    }
    snapshot.leave();
    Ok(())
}

/// An instant to the minute, as the history table shows it.
fn minute(at: &jiff::ZonedDateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}
