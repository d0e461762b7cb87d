//! The pipeline as it stood at an instant in the past (`--as-of`, `flow`,
//! forecast accuracy): each deal in the stage it was in then, with the
//! field values of the version of its file committed by then.
//!
//! # Decisions
//!
//! - "By then" follows SPEC 4: all commits reachable from HEAD count, each
//!   at its author time, and the graph order wins when dates contradict
//!   it. A deal's events (its committed versions, its stage entries, its
//!   removal) are taken in graph order, and an event counts as happened by
//!   an instant when it and every event before it in that order are dated
//!   at or before it: a skewed commit dated earlier than its parent counts
//!   from its parent's date (the same reading that makes a skewed stay
//!   count 0 days).
//! - Deals created later are absent; deals removed later (their file
//!   deleted, neither moved nor renamed) are present; a deal removed by
//!   then is absent. A deal renamed with `funnel rename` keeps its present
//!   ID. Only committed versions count (the working tree is today's).
//! - The configuration (stages, probabilities, time zone) is today's
//!   `funnel.toml`: a view of the past is today's rules applied to the
//!   deals of then.
//! - A version that no longer parses is skipped and named like a broken
//!   file, with its path and the commit it comes from.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::git::BlobId;
use crate::git::history::{History, Timeline};
use crate::hasher::FxMap;
use crate::model::config::Config;
use crate::model::deal::{Deal, Keys};
use crate::model::problem::Problem;
use crate::parallel::{self, Split};

const ON_EVERY_CORE: Split = Split {
    threads: 8,
    min_chunk: 64,
};

/// How many of `times` (in graph order) had happened by `end`: the
/// longest prefix whose running maximum is at or before it.
pub fn happened(times: impl Iterator<Item = Timestamp>, end: Timestamp) -> usize {
    let mut latest = Timestamp::MIN;
    let mut count = 0;
    for at in times {
        latest = latest.max(at);
        if latest > end {
            break;
        }
        count += 1;
    }
    count
}

/// `timeline` as it stood at `end`: its entries and versions by then;
/// `None` when the deal did not exist then (created later, or removed by
/// then).
pub fn cut(mut timeline: Timeline, end: Timestamp) -> Option<Timeline> {
    let (versions, entries) = reached(&timeline, end)?;
    timeline.entries.truncate(entries);
    timeline.versions.truncate(versions);
    timeline.version_authors.truncate(versions);
    timeline.last_change = timeline.versions.last().map_or(timeline.added_at, |v| v.1);
    timeline.removed = None;
    Some(timeline)
}

/// The history as it stood at `end`: every deal that existed then (those
/// at HEAD and those removed later), its timeline cut at `end`, by ID.
pub fn history(history: History, end: Timestamp) -> History {
    let History {
        deals: at_head,
        removed,
        partial,
        skew,
    } = history;
    let mut deals: FxMap<String, Timeline> = at_head
        .into_iter()
        .filter_map(|(id, timeline)| Some((id, cut(timeline, end)?)))
        .collect();
    // Newest removal first: an ID removed twice is the incarnation of then.
    for timeline in removed.into_iter().filter_map(|t| cut(t, end)) {
        deals.entry(timeline.id.clone()).or_insert(timeline);
    }
    History {
        deals,
        removed: Vec::new(),
        partial,
        skew,
    }
}

/// The stage a cut timeline leaves its deal in, and the blob of its last
/// version.
pub fn state(timeline: &Timeline) -> Option<(&str, BlobId)> {
    let stage = timeline.entries.last()?.stage.as_str();
    let blob = timeline.versions.last()?.2;
    Some((stage, blob))
}

/// The deals of `history` (a history cut by [`history`]) read from their
/// versions, in the order a pipeline keeps them: stage order, then ID,
/// with the top-level keys `keys` keeps. `known(blob, path)` is the deal a
/// version's bytes make when they are known already (the deal cache: most
/// closed deals' versions are today's files); the others are read with
/// `texts` (blobs' texts, all asked for at once) and parsed. Versions that
/// do not parse come back as problems.
pub fn deals(
    config: &Config,
    history: &History,
    known: &(dyn Fn(BlobId, &Path) -> Option<Deal> + Sync),
    texts: &dyn Fn(&[BlobId]) -> Vec<Option<String>>,
    keys: Keys<'_>,
) -> (Vec<Deal>, Vec<Problem>) {
    let mut wanted: Vec<(&Timeline, &str, BlobId)> = history
        .deals
        .values()
        .filter_map(|t| state(t).map(|(stage, blob)| (t, stage, blob)))
        .filter(|(_, stage, _)| config.stage(stage).is_some())
        .collect();
    let rank = |stage: &str| config.stage_ids().position(|s| s == stage);
    wanted.sort_by(|a, b| (rank(a.1), &a.0.id).cmp(&(rank(b.1), &b.0.id)));
    let found = parallel::map(&wanted, ON_EVERY_CORE, |(timeline, stage, blob)| {
        let path = PathBuf::from(format!("{stage}/{}.toml", timeline.id));
        let deal = known(*blob, &path);
        (path, deal)
    });
    let missing: Vec<(&Timeline, &Path, BlobId)> = (wanted.iter().zip(&found))
        .filter(|(_, (_, deal))| deal.is_none())
        .map(|((timeline, _, blob), (path, _))| (*timeline, path.as_path(), *blob))
        .collect();
    let blobs: Vec<BlobId> = missing.iter().map(|m| m.2).collect();
    let texts = texts(&blobs);
    let read = parallel::map(
        &missing.iter().zip(texts).collect::<Vec<_>>(),
        ON_EVERY_CORE,
        |((timeline, path, _), text)| {
            let commit = timeline.versions.last().map(|v| v.0.to_string());
            let Some(text) = text else {
                return Err(vec![Problem::file(
                    path,
                    format!(
                        "the version of commit {} could not be read",
                        commit.as_deref().unwrap_or("?")
                    ),
                )]);
            };
            Deal::parse(path, text).map(|mut deal| {
                keys.retain(&mut deal);
                deal
            })
        },
    );
    let mut read = read.into_iter();
    let parsed: Vec<_> = (found.into_iter())
        .filter_map(|(_, deal)| match deal {
            Some(deal) => Some(Ok(deal)),
            None => read.next(),
        })
        .collect();
    let mut deals = Vec::with_capacity(parsed.len());
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for deal in parsed {
        match deal {
            Ok(deal) if seen.insert(deal.id.clone()) => deals.push(deal),
            Ok(_) => {}
            Err(found) => problems.extend(found),
        }
    }
    (deals, problems)
}

/// Where `timeline`'s deal stood at `end` without cutting it: its stage and
/// the blob of its version then; `None` when it did not exist then.
pub fn state_at(timeline: &Timeline, end: Timestamp) -> Option<(&str, BlobId)> {
    let (versions, entries) = reached(timeline, end)?;
    let stage = timeline.entries.get(entries - 1)?.stage.as_str();
    Some((stage, timeline.versions[versions - 1].2))
}

/// How many of `timeline`'s versions and stage entries had happened by
/// `end` (at least one entry); `None` when the deal did not exist then.
fn reached(timeline: &Timeline, end: Timestamp) -> Option<(usize, usize)> {
    let versions = happened(timeline.versions.iter().map(|v| v.1), end);
    if versions == 0 {
        return None;
    }
    if let Some((at, _)) = timeline.removed {
        let all = timeline.versions.iter().map(|v| v.1).chain([at]);
        if happened(all, end) > timeline.versions.len() {
            return None;
        }
    }
    let entries = happened(timeline.entries.iter().map(|e| e.at), end).max(1);
    Some((versions, entries.min(timeline.entries.len().max(1))))
}
