//! Shell completion of what users type most, from the pipeline in the
//! current folder: deal IDs, stage names, owners, products, sources, fields
//! and lost reasons (clap_complete's dynamic completion: the shell runs
//! `COMPLETE=bash funnel -- funnel move ac` and funnel prints candidates).
//!
//! Fast on big pipelines: deal IDs and stages come from `funnel.toml` and a
//! listing of the stage folders (no deal file is read); owners, products,
//! sources and custom fields from the vocabulary file in the git dir
//! (`store::vocabulary`), rebuilt through the deal cache when deal files
//! changed.
//! Completion never fails loudly: outside a pipeline there is nothing to
//! offer.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use funnel::model::config::Config;
use funnel::store::vocabulary::Vocabulary;

/// Where the command line being completed starts: `-C DIR` on it, else
/// `FUNNEL_DIR`, else the current folder.
fn start() -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let given = args
        .iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.as_str() {
            "-C" => args.get(i + 1).cloned(),
            other => other
                .strip_prefix("-C")
                .filter(|d| !d.is_empty())
                .map(String::from),
        });
    given
        .or_else(|| std::env::var("FUNNEL_DIR").ok())
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// The pipeline's root and configuration, if the completion runs in one.
fn config() -> Option<(PathBuf, Config)> {
    let root = funnel::store::pipeline::find_root(&start()).ok()?;
    let config = funnel::store::pipeline::load_config(&root).ok()?;
    Some((root, config))
}

/// The words the deals use (owners, products, custom keys ...), from the
/// vocabulary file in the git dir while no deal file has changed.
fn vocabulary() -> Vocabulary {
    let Some((root, config)) = config() else {
        return Vocabulary::default();
    };
    let cache = funnel::git::Repo::open(&root)
        .ok()
        .flatten()
        .map(|repo| funnel::git::history::cache_dir(&repo));
    funnel::store::vocabulary::vocabulary(&root, &config, cache.as_deref())
}

/// The candidates among `values` that start with `current`, each once, in
/// the order given (stages in funnel order; values sorted by the caller).
fn matching(
    current: &OsStr,
    values: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .filter(|(value, _)| value.starts_with(current.as_ref()) && seen.insert(value.clone()))
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(|h| h.into())))
        .collect()
}

/// Deal IDs, each with its stage as help: the stage folders' file names.
pub fn deal_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((root, config)) = config() else {
        return Vec::new();
    };
    let paths = funnel::store::pipeline::deal_paths(&root, &config).unwrap_or_default();
    let prefix = current.to_string_lossy();
    let mut ids: Vec<(String, Option<String>)> = paths
        .iter()
        .filter_map(|path| {
            let id = path.file_stem()?.to_str()?;
            let stage = path.parent()?.to_str()?;
            id.starts_with(prefix.as_ref())
                .then(|| (id.to_string(), Some(stage.to_string())))
        })
        .collect();
    ids.sort_unstable();
    matching(current, ids)
}

/// Stage names, each with its kind.
pub fn stages(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((_, config)) = config() else {
        return Vec::new();
    };
    matching(current, stage_names(&config))
}

fn stage_names(config: &Config) -> Vec<(String, Option<String>)> {
    config
        .stages
        .iter()
        .map(|s| {
            let kind = match s.kind {
                funnel::model::config::StageKind::Open => "open stage",
                funnel::model::config::StageKind::Won => "won stage",
                funnel::model::config::StageKind::Lost => "lost stage",
            };
            (s.id.clone(), Some(kind.to_string()))
        })
        .collect()
}

/// The lost reasons of `funnel.toml`.
pub fn lost_reasons(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((_, config)) = config() else {
        return Vec::new();
    };
    matching(
        current,
        config.lost_reasons.iter().map(|r| (r.clone(), None)),
    )
}

/// The values the deals have for `key` (owner, product, source, currency).
fn values_of(key: &str) -> Vec<(String, Option<String>)> {
    vocabulary()
        .values_of(key)
        .iter()
        .map(|v| (v.clone(), None))
        .collect()
}

/// The owners the deals name.
pub fn owners(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(current, values_of("owner"))
}

/// Every field a deal file may have (SPEC 3's and the custom keys the
/// deals use), each with its type or "custom field".
fn fields() -> Vec<(String, Option<String>)> {
    let known = funnel::model::deal::KNOWN_FIELDS
        .iter()
        .filter(|(_, ty)| *ty != funnel::model::deal::FieldType::Table)
        .map(|(key, ty)| (key.to_string(), Some(ty.describe().to_string())));
    let custom = vocabulary()
        .keys
        .into_iter()
        .filter(|k| funnel::model::deal::field_type(k).is_none())
        .map(|k| (k, Some("custom field".to_string())));
    known.chain(custom).collect()
}

/// `KEY=VALUE` for `set`: the fields as `KEY=`, then the stage, lost
/// reasons and owners after `stage=` ... as values.
pub fn assignments(current: &OsStr) -> Vec<CompletionCandidate> {
    let text = current.to_string_lossy();
    match text.split_once('=') {
        None => matching(
            current,
            fields()
                .into_iter()
                .map(|(k, help)| (format!("{k}="), help)),
        ),
        Some((key, _)) => {
            let values = field_values(key);
            matching(
                current,
                values
                    .into_iter()
                    .map(|(v, help)| (format!("{key}={v}"), help)),
            )
        }
    }
}

/// The values worth offering for a field: lost reasons, stages, and the
/// values the deals have for owner, product and source.
fn field_values(key: &str) -> Vec<(String, Option<String>)> {
    match key {
        "lost_reason" => config()
            .map(|(_, c)| c.lost_reasons.iter().map(|r| (r.clone(), None)).collect())
            .unwrap_or_default(),
        "stage" => config().map(|(_, c)| stage_names(&c)).unwrap_or_default(),
        "owner" | "product" | "source" | "currency" => values_of(key),
        _ => Vec::new(),
    }
}

/// Filter terms (`owner:alice stage:proposal`): the keys as `KEY:`, then
/// values after `stage:`, `owner:`, `product:`, `source:`, `lost_reason:`.
pub fn filter_terms(current: &OsStr) -> Vec<CompletionCandidate> {
    let text = current.to_string_lossy();
    match text.split_once(':') {
        None => {
            let aliases = ["stage", "due", "close", "age", "idle"]
                .map(|a| (a.to_string(), Some("filter key".to_string())));
            matching(
                current,
                fields()
                    .into_iter()
                    .chain(aliases)
                    .map(|(k, help)| (format!("{k}:"), help)),
            )
        }
        Some((key, _)) => matching(
            current,
            field_values(key)
                .into_iter()
                .map(|(v, help)| (format!("{key}:{v}"), help)),
        ),
    }
}

/// `--by` keys: the group keys and every field.
pub fn group_keys(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(current, fields())
}

/// A completer for clap's `add = ...`.
pub fn with(f: fn(&OsStr) -> Vec<CompletionCandidate>) -> ArgValueCompleter {
    ArgValueCompleter::new(f)
}
