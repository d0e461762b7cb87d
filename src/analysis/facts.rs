//! What the history says about each deal, in the forms the rest of funnel
//! uses: `DealFacts` for filters and health checks, `DealRecord`s for the
//! metrics. A deal that git has not seen yet (added by hand, not committed)
//! counts as created now, in the stage its file is in.

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::analysis::metrics::DealRecord;
use crate::git::history::{Briefs, History, Timeline};
use crate::model::config::Config;
use crate::model::deal::VersionValue;
use crate::model::deal::{Deal, DealFacts};
use crate::model::money::round;
use crate::parallel::{self, Split};
use crate::store::deal_cache::{CloseCache, VersionFile};
use crate::store::pipeline::Pipeline;

/// Up to 8 cores, at least 64 deals each.
const ON_EVERY_CORE: Split = Split {
    threads: 8,
    min_chunk: 64,
};

fn day(config: &Config, at: Timestamp) -> Date {
    config.timezone.to_datetime(at).date()
}

/// Fills in each deal's facts from its timeline in `history` (a deal git
/// has not seen keeps unknown facts).
pub fn fill_facts(pipeline: &mut Pipeline, history: &History) {
    let config = &pipeline.config;
    // A look-up in a map of every deal waits on memory: on every core.
    let found = parallel::map(&pipeline.deals, ON_EVERY_CORE, |deal| {
        let timeline = history.deals.get(&deal.id)?;
        let entered = timeline
            .entries
            .last()
            .filter(|e| e.stage == deal.stage)
            .map(|e| e.at);
        Some(facts_of(
            config,
            timeline.added_at,
            timeline.last_change,
            entered,
        ))
    });
    for (deal, facts) in pipeline.deals.iter_mut().zip(found) {
        if let Some(facts) = facts {
            deal.facts = facts;
        }
    }
}

/// [`fill_facts`] from the briefs of the history (the same facts: a brief
/// is what they need of a timeline). Returns which deals are not the file
/// committed at HEAD in the stage folder it is in there (the same blob id),
/// and which committed ones are gone.
pub fn fill_brief_facts(pipeline: &mut Pipeline, briefs: &Briefs) -> HeadDiff {
    let config = &pipeline.config;
    let found = briefs.matched(&pipeline.deals, ON_EVERY_CORE, |deal| &deal.id);
    let facts = parallel::map_indexed(&pipeline.deals, ON_EVERY_CORE, |n, deal| {
        let brief = &briefs.deals[found[n]?].1;
        let same_stage = briefs.stage(brief) == Some(deal.stage.as_str());
        let entered = brief.entered.filter(|_| same_stage).map(|(_, at)| at);
        let facts = facts_of(config, brief.added_at, brief.last_change, entered);
        let same_blob = (brief.blob.zip(deal.blob)).is_some_and(|(a, b)| a.as_bytes() == b);
        Some((facts, same_stage && same_blob))
    });
    let mut differing = Vec::new();
    for (n, (deal, facts)) in pipeline.deals.iter_mut().zip(facts).enumerate() {
        match facts {
            Some((facts, same)) => {
                deal.facts = facts;
                if !same {
                    differing.push((n, found[n]));
                }
            }
            None => differing.push((n, None)),
        }
    }
    // A brief is matched once at most (a deal's ID is there once): those
    // not matched are of deals gone.
    let mut gone = Vec::new();
    if found.iter().flatten().count() < briefs.deals.len() {
        let mut matched = vec![false; briefs.deals.len()];
        for n in found.iter().flatten() {
            matched[*n] = true;
        }
        gone = (matched.iter().enumerate())
            .filter(|(_, matched)| !**matched)
            .map(|(n, _)| n)
            .collect();
    }
    HeadDiff { differing, gone }
}

/// How a pipeline's deal files differ from HEAD's, by position, as the
/// briefs tell it ([`fill_brief_facts`]).
#[derive(Debug, Clone, Default)]
pub struct HeadDiff {
    /// Each deal (its position in the pipeline) whose file is not the one
    /// committed at HEAD in the same stage folder (new, moved or changed),
    /// with the position of its brief (none: new).
    pub differing: Vec<(usize, Option<usize>)>,
    /// The briefs (positions) no deal matched: deals committed at HEAD
    /// that have no file now.
    pub gone: Vec<usize>,
}

fn facts_of(
    config: &Config,
    added: Timestamp,
    last_change: Timestamp,
    entered: Option<Timestamp>,
) -> DealFacts {
    DealFacts {
        created: Some(day(config, added)),
        last_change: Some(day(config, last_change)),
        entered_stage: entered.map(|at| day(config, at)),
    }
}

/// The top-level keys of a deal file that [`records`] reads, besides the
/// whole table for `--by FIELD`: a deal loaded with only these keys gives
/// the same record.
pub const RECORD_KEYS: &[&str] = crate::model::deal::Figures::KEYS;

/// A metrics record per deal. `created` is the deal's `created` field
/// (midnight in the pipeline's zone), else the commit that added it. A
/// closed deal's value at close is that of the version committed when it
/// closed, when the file changed after that (`values` gives what versions
/// say, all asked for at once: see [`version_values`]). Each deal's whole
/// table is copied into `fields` only when `fields` is set (for `--by
/// FIELD`).
pub fn records(
    pipeline: &Pipeline,
    history: &History,
    now: Timestamp,
    values: &dyn Fn(&[crate::git::BlobId]) -> Vec<Option<VersionValue>>,
    fields: bool,
) -> Vec<DealRecord> {
    let config = &pipeline.config;
    // Each deal with its timeline and the blob of its version at close.
    let deals = parallel::map(&pipeline.deals, ON_EVERY_CORE, |deal| {
        let timeline = history.deals.get(&deal.id);
        let at_close = timeline.and_then(|t| version_at_close(config, deal, t));
        (deal, timeline, at_close)
    });
    let wanted: Vec<crate::git::BlobId> = deals.iter().filter_map(|(_, _, blob)| *blob).collect();
    let mut then = values(&wanted).into_iter();
    let deals: Vec<_> = deals
        .into_iter()
        .map(|(deal, timeline, blob)| {
            let at_close = blob.and_then(|_| then.next().flatten());
            (deal, timeline, at_close.and_then(|then| then.value(config)))
        })
        .collect();
    parallel::map(
        &deals,
        ON_EVERY_CORE,
        |&(deal, timeline, value_at_close)| {
            let figures = deal.figures();
            let created = figures
                .created()
                .and_then(|d| d.to_zoned_datetime(config.timezone.clone()).ok())
                .map(|z| z.timestamp())
                .or(timeline.map(|t| t.added_at))
                .unwrap_or(now);
            let mut entries: Vec<(String, Timestamp)> = timeline
                .map(|t| t.entries.iter().map(|e| (e.stage.clone(), e.at)).collect())
                .unwrap_or_default();
            if entries.last().is_none_or(|(stage, _)| *stage != deal.stage) {
                entries.push((deal.stage.clone(), now));
            }
            let mut record = DealRecord::new(deal.id.clone(), deal.stage.clone(), created);
            record.entries = entries;
            record.value = figures.value(config);
            record.value_at_close = value_at_close;
            record.probability = figures.probability(&deal.stage, config);
            record.expected_close = figures.expected_close();
            record.owner = figures.owner().map(str::to_string);
            record.product = figures.product().map(str::to_string);
            record.source = figures.source().map(str::to_string);
            record.account = figures.account().map(str::to_string);
            record.lost_reason = figures.lost_reason().map(str::to_string);
            if fields {
                record.fields = deal.fields().clone();
            }
            record
        },
    )
}

/// What each of `blobs` (committed versions of deal files) says about its
/// value: from the cache `file` in `cache` (the git dir's `funnel/`) when
/// it has them, else read from `repo` and parsed on every core, the cache
/// then updated. `None` for a blob that cannot be read or is no deal.
pub fn version_values(
    repo: Option<&crate::git::Repo>,
    cache: Option<&Path>,
    file: VersionFile,
    blobs: &[crate::git::BlobId],
) -> Vec<Option<VersionValue>> {
    if blobs.is_empty() {
        return Vec::new();
    }
    let known = cache
        .map(|dir| CloseCache::open(dir, file))
        .unwrap_or_default();
    let mut found: HashMap<crate::git::BlobId, Option<VersionValue>> =
        HashMap::with_capacity(blobs.len());
    let mut missing = Vec::new();
    for &blob in blobs {
        if found.contains_key(&blob) {
            continue;
        }
        match known.get(blob) {
            Some(value) => {
                found.insert(blob, value);
            }
            None => {
                found.insert(blob, None);
                missing.push(blob);
            }
        }
    }
    let mut read_all = true;
    if let (Some(repo), false) = (repo, missing.is_empty()) {
        let texts = crate::git::history::blob_texts(repo, &missing);
        read_all = texts.iter().all(Option::is_some);
        let values = parallel::map(&texts, ON_EVERY_CORE, |text| {
            text.as_deref().and_then(VersionValue::of)
        });
        for ((blob, text), value) in missing.iter().zip(&texts).zip(values) {
            if text.is_some() {
                found.insert(*blob, value);
            }
        }
    }
    // A blob that could not be read is not recorded: it may be readable
    // later (a fetch, an unpacked object).
    if let Some(dir) = cache
        && repo.is_some()
        && read_all
        && (!missing.is_empty() || known.len() != found.len())
    {
        let mut values: Vec<_> = found.iter().map(|(b, v)| (*b, v)).collect();
        values.sort_unstable_by_key(|(blob, _)| *blob);
        let _ = crate::store::deal_cache::save_closes(dir, file, values.into_iter());
    }
    blobs
        .iter()
        .map(|b| found.get(b).cloned().flatten())
        .collect()
}

/// A stay in one stage: entered, left (`None`: still there), days, who
/// moved the deal in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stay {
    pub stage: String,
    /// In the pipeline's time zone; ISO 8601 with offset in JSON.
    #[serde(serialize_with = "crate::model::json::serialize_instant")]
    pub entered: jiff::ZonedDateTime,
    #[serde(serialize_with = "crate::model::json::serialize_instant_opt")]
    pub left: Option<jiff::ZonedDateTime>,
    /// Exact days with one decimal; negative spans from clock skew count 0.
    pub days: Decimal,
    pub by: String,
    pub commit: String,
}

/// The deal's stays, oldest first; the last one runs to `now`.
pub fn stays(
    config: &Config,
    timeline: &crate::git::history::Timeline,
    now: Timestamp,
) -> Vec<Stay> {
    let show = |at: Timestamp| at.to_zoned_datetime(config.timezone.clone());
    timeline
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let end = timeline.entries.get(i + 1).map(|next| next.at);
            let seconds = (end.unwrap_or(now) - entry.at).as_secs().max(0);
            Stay {
                stage: entry.stage.clone(),
                entered: show(entry.at),
                left: end.map(show),
                days: round(Decimal::from(seconds) / Decimal::from(86_400), 1),
                by: crate::git::owner_from_email(&entry.author_email).unwrap_or_default(),
                commit: entry.commit.to_string(),
            }
        })
        .collect()
}

/// A change of value or expected close between two committed versions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    /// The day of `at`, in the pipeline's time zone.
    pub date: String,
    /// The commit's author time in the pipeline's zone; ISO 8601 in JSON.
    #[serde(serialize_with = "crate::model::json::serialize_instant")]
    pub at: jiff::ZonedDateTime,
    /// The commit's author, as an owner name.
    pub by: String,
    pub commit: String,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// An expected_close moved later.
    pub pushed: bool,
}

/// Value and expected-close changes over the deal's committed versions
/// (`read` gives what a blob says; a version that is no deal is passed
/// over). A value change compares amounts as written; a later
/// expected_close is a push.
pub fn field_changes(
    config: &Config,
    timeline: &crate::git::history::Timeline,
    read: &dyn Fn(crate::git::BlobId) -> Option<VersionValue>,
) -> Vec<FieldChange> {
    use crate::analysis::changes::is_push;
    let mut out = Vec::new();
    let mut previous: Option<VersionValue> = None;
    for (i, (commit, at, blob)) in timeline.versions.iter().enumerate() {
        let Some(version) = read(*blob) else {
            continue;
        };
        if let Some(old) = &previous {
            let by = timeline
                .version_authors
                .get(i)
                .and_then(|email| crate::git::owner_from_email(email))
                .unwrap_or_default();
            let change = |field: &str, from: Option<String>, to: Option<String>| FieldChange {
                date: day(config, *at).to_string(),
                at: at.to_zoned_datetime(config.timezone.clone()),
                by: by.clone(),
                commit: commit.to_string(),
                field: field.to_string(),
                pushed: field == "expected_close" && is_push(from.as_deref(), to.as_deref()),
                from,
                to,
            };
            let amount = |v: Option<Decimal>| v.map(crate::model::money::amount);
            if old.amount != version.amount {
                out.push(change("value", amount(old.amount), amount(version.amount)));
            }
            if old.expected_close != version.expected_close {
                let date = |d: Option<Date>| d.map(|d| d.to_string());
                out.push(change(
                    "expected_close",
                    date(old.expected_close),
                    date(version.expected_close),
                ));
            }
        }
        previous = Some(version);
    }
    out
}

/// Deals whose stage entries go back in time (a move dated before the
/// previous one, by clock skew, a rebase or a late `--at`): the graph order
/// wins and the stay counts 0 days. One line per contradiction.
pub fn contradictions<'t>(
    config: &Config,
    timelines: impl IntoIterator<Item = &'t Timeline>,
) -> Vec<crate::model::problem::Note> {
    let show = |at: Timestamp| {
        at.to_zoned_datetime(config.timezone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let mut out: Vec<crate::model::problem::Note> = timelines
        .into_iter()
        .flat_map(|timeline| {
            timeline.entries.windows(2).filter(|pair| pair[1].at < pair[0].at).map(|pair| {
                crate::model::problem::Note::new(
                    crate::model::problem::NoteKind::TimeSkew,
                    Vec::new(),
                    format!(
                        "{}: entered {} at {} (commit {}), before it entered {} at {}; the stay in {} counts 0 days",
                        timeline.id,
                        pair[1].stage,
                        show(pair[1].at),
                        &pair[1].commit.to_string()[..7],
                        pair[0].stage,
                        show(pair[0].at),
                        pair[0].stage
                    ),
                    None,
                )
            })
        })
        .collect();
    out.sort_by(|a, b| a.message.cmp(&b.message));
    out
}

/// The blob of a closed deal's version committed when it closed, when its
/// file changed after that (else the current value is the value at close).
fn version_at_close(
    config: &Config,
    deal: &Deal,
    timeline: &Timeline,
) -> Option<crate::git::BlobId> {
    let stage = config.stage(&deal.stage)?;
    if stage.kind == crate::model::config::StageKind::Open {
        return None;
    }
    let close = timeline.entries.last().filter(|e| e.stage == deal.stage)?;
    let at = timeline
        .versions
        .iter()
        .position(|(commit, _, _)| *commit == close.commit)?;
    if at + 1 == timeline.versions.len() {
        return None;
    }
    Some(timeline.versions[at].2)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn pipeline(deals: Vec<Deal>) -> Pipeline {
        Pipeline {
            root: PathBuf::from("."),
            config: Config::parse(&format!(
                "{}\n[fx]\nEUR = \"2\"\n",
                crate::model::config::DEFAULT
            ))
            .unwrap(),
            deals,
            problems: Vec::new(),
            hidden: 0,
            temp_files: Vec::new(),
        }
    }

    #[test]
    fn a_deal_loaded_with_the_record_keys_alone_gives_the_same_record() {
        let text = r#"title = "Acme"
account = "Acme Corp"
contacts = [{ name = "Jane Doe", email = "jane@acme.example" }]
owner = "ann"
value = "12000.50"
currency = "EUR"
probability = 40
product = "platform"
source = "referral"
created = 2026-01-05
expected_close = 2026-12-15
next_step = "call"
next_step_due = 2026-11-20
last_contact = 2026-11-01
snooze_until = 2026-11-10
snooze_reason = "holiday"
lost_reason = "price"
tags = ["enterprise"]
notes = "n"
seats = 40
[qualification]
budget = true
need = "x"
"#;
        let whole = Deal::parse(Path::new("proposal/acme.toml"), text).unwrap();
        let mut some = whole.clone();
        some.fields_mut()
            .retain(|key, _| RECORD_KEYS.contains(&key));
        assert!(some.fields().len() < whole.fields().len());
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let history = History::default();
        let none = |blobs: &[crate::git::BlobId]| vec![None; blobs.len()];
        let records = |deal: Deal| {
            format!(
                "{:?}",
                records(&pipeline(vec![deal]), &history, now, &none, false)
            )
        };
        assert_eq!(records(some), records(whole));
    }

    #[test]
    fn values_at_close_come_from_the_cache_and_a_damaged_one_is_rebuilt() {
        let temp = tempfile::tempdir().unwrap();
        let repo = crate::git::Repo::init(temp.path()).unwrap();
        let blob = repo
            .write_blob(b"title = \"Acme\"\nvalue = 100\ncurrency = \"EUR\"\n")
            .unwrap();
        let broken = repo.write_blob(b"value = [\n").unwrap();
        let cache = temp.path().join("cache");
        let want = vec![
            Some(VersionValue {
                amount: Some(Decimal::from(100)),
                currency: Some("EUR".to_string()),
                expected_close: None,
                probability: None,
            }),
            None,
        ];
        let blobs = [blob, broken];
        assert_eq!(
            version_values(Some(&repo), Some(&cache), VersionFile::Closes, &blobs),
            want
        );
        // Recorded: the repository is no longer needed.
        assert_eq!(
            version_values(None, Some(&cache), VersionFile::Closes, &blobs),
            want
        );
        let path = cache.join("closes-v3");
        let good = std::fs::read(&path).unwrap();
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert_eq!(
            version_values(None, Some(&cache), VersionFile::Closes, &blobs),
            [None, None]
        );
        assert_eq!(
            version_values(Some(&repo), Some(&cache), VersionFile::Closes, &blobs),
            want
        );
        assert_eq!(std::fs::read(&path).unwrap(), good, "rebuilt");
        let config = pipeline(Vec::new()).config;
        assert_eq!(
            want[0].as_ref().unwrap().value(&config),
            Some(Decimal::from(200))
        );
    }
}
