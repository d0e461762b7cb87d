//! `funnel list`: deals as a table, filtered and sorted.

use std::cmp::Ordering;

use clap::Args;
use funnel::error::Error;
use funnel::model::config::StageKind;
use funnel::model::deal::{Deal, Keys};
use funnel::model::packed::Field;
use funnel::store::pipeline::Pipeline;

use super::ui::{Cells, Format, Rows};
use super::{CmdResult, Env};

/// List deals, filtered and sorted
///
/// Shows open deals unless --all is given or a filter names a stage.
/// Filters (all must hold): key:value (case-insensitive; lists match any
/// element), key!=value, key>N, key>=N, key<N, key<=N for numbers and dates
/// (date expressions allowed: due<today), key: for "missing", +tag / -tag,
/// and bare words matching the title or account. A filter that starts with
/// '-' goes after `--`, like any argument that looks like an option:
/// `funnel list --all -- -smb`. Aliases: stage, due (next_step_due), close
/// (expected_close), age (days since created, from the field or the commit
/// that added the deal), idle (days since the last commit that changed it).
/// Custom keys work the same way.
///
/// Examples: `funnel list stage:proposal owner:alice value>5000`,
/// `funnel list due<today`, `funnel list --all product:crm --sort -value`.
///
/// JSON: an array of deal objects (see `funnel show`).
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Filter terms
    #[arg(add = super::complete::with(super::complete::filter_terms), value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Include closed (won and lost) deals
    #[arg(long, short = 'a')]
    pub all: bool,
    /// Sort by a key (any field or alias); prefix with '-' for descending
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    pub sort: Option<String>,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: ListArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    // The past comes with its history; today's files are read alone.
    let (mut pipeline, past) = if env.is_as_of() {
        (env.snapshot(Keys::All)?.pipeline, true)
    } else {
        // A table of deals without terms or a sort reads its columns' keys
        // alone (JSON prints every key).
        let keys = (args.filters.is_empty() && args.sort.is_none() && args.format != Format::Json)
            .then_some(&COLUMN_KEYS[..]);
        (env.load(keys.map_or(Keys::All, Keys::Only))?, false)
    };
    let filter = env.filter(&pipeline, &args.filters)?;
    if !past && filter.needs_history() {
        env.fill_facts(&mut pipeline)?;
    }
    let config = &pipeline.config;
    let show_closed = args.all || filter.names_stage();
    let mut deals: Vec<&Deal> = pipeline
        .deals
        .iter()
        .filter(|d| {
            show_closed
                || config
                    .stage(&d.stage)
                    .is_some_and(|s| s.kind == StageKind::Open)
        })
        .filter(|d| filter.matches(d, config))
        .collect();
    if let Some(sort) = &args.sort {
        let (key, descending) = sort
            .strip_prefix('-')
            .map_or((sort.as_str(), false), |k| (k, true));
        let key = match key {
            "close" => "expected_close",
            "due" => "next_step_due",
            other => other,
        };
        if !(funnel::model::deal::field_type(key).is_some()
            || pipeline.field_keys().contains(key)
            || ["id", "stage"].contains(&key))
        {
            return Err(Error::hinted(
                format!("cannot sort by `{key}`: no deal has it"),
                "sort by id, stage, close, due or a field such as value or owner",
            )
            .into());
        }
        deals.sort_by(|a, b| compare(&pipeline, a, b, key, descending));
    }
    let rows = Rows::new(vec![
        "id",
        "stage",
        "title",
        "owner",
        "value",
        "close",
        "next step",
        "due",
    ])
    .money(&[4], &config.currency);
    // Each deal's row, its keys found in one pass.
    let row = |deal: &&Deal, cells: &mut Cells| {
        fn text(f: Option<Field<'_>>) -> &str {
            f.and_then(Field::as_str).unwrap_or("")
        }
        let [title, owner, value, currency, close, next_step, due] = deal.fields_of(COLUMN_KEYS);
        let date = |f: Option<Field<'_>>| f.and_then(funnel::model::value::field_date);
        cells.push(&deal.id);
        cells.push(&deal.stage);
        cells.push(title.and_then(Field::as_str).unwrap_or(&deal.id));
        cells.push(text(owner));
        cells.money(funnel::model::deal::value_in(value, currency, config));
        cells.display(date(close));
        cells.push(text(next_step));
        cells.display(date(due));
    };
    env.ui.rows_of(args.format, rows, &deals, row, || {
        SerializeSeq(
            deals
                .iter()
                .map(|d| funnel::model::json::DealJson(d, config)),
        )
    })?;
    // The process ends next: freeing 100,000 parsed deals one by one
    // would only cost time (a tenth of a second).
    drop(deals);
    std::mem::forget(pipeline);
    Ok(())
}

/// The keys the table's columns read.
const COLUMN_KEYS: [&str; 7] = [
    "title",
    "owner",
    "value",
    "currency",
    "expected_close",
    "next_step",
    "next_step_due",
];

/// Orders two deals by `key`: numbers and dates by value, text
/// case-insensitively, stages by their order; a missing value sorts last
/// either way, and ties go by ID.
fn compare(pipeline: &Pipeline, a: &Deal, b: &Deal, key: &str, descending: bool) -> Ordering {
    let config = &pipeline.config;
    let present = |d: &Deal| match key {
        "id" | "stage" => true,
        "value" => d.value(config).is_some(),
        _ => d.get(key).is_some(),
    };
    match (present(a), present(b)) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => return a.id.cmp(&b.id),
        (true, true) => {}
    }
    let order = match key {
        "id" => a.id.cmp(&b.id),
        "stage" => config
            .stage_index(&a.stage)
            .cmp(&config.stage_index(&b.stage)),
        "value" => a.value(config).cmp(&b.value(config)),
        _ => match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) => match (
                funnel::model::value::money(x),
                funnel::model::value::money(y),
            ) {
                (Some(m), Some(n)) if !x.is_str() || !y.is_str() => m.cmp(&n),
                _ => match (funnel::model::value::date(x), funnel::model::value::date(y)) {
                    (Some(m), Some(n)) => m.cmp(&n),
                    _ => funnel::model::deal::plain(x)
                        .to_lowercase()
                        .cmp(&funnel::model::deal::plain(y).to_lowercase()),
                },
            },
            _ => Ordering::Equal,
        },
    };
    if descending { order.reverse() } else { order }.then_with(|| a.id.cmp(&b.id))
}

/// Serializes an iterator's items as a JSON array, one by one.
struct SerializeSeq<I>(I);

impl<I: Iterator<Item = T> + Clone, T: serde::Serialize> serde::Serialize for SerializeSeq<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}
