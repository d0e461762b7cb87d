//! `demo`: several months of believable history for the example pipeline.
//!
//! The plan is deterministic (every random choice comes from a hash of the
//! deal's ID), so the same binary always builds the same repository: each
//! deal is added on its `created` date by its owner, walks the funnel up to
//! the stage its file is in (sometimes skipping a stage, lost deals dropping
//! out part-way), some values are raised along the way, and a few weeks of
//! moves happen on a review branch that is merged back with a merge commit.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{Span, Timestamp, ToSpan};

use crate::error::{Error, Result};
use crate::model::config::{Config, StageKind};
use crate::model::deal::Deal;

/// The branch some of the moves are made on.
pub const BRANCH: &str = "pipeline-review";

/// One commit of the plan.
#[derive(Debug, Clone)]
pub struct PlannedCommit {
    pub message: String,
    pub author: (String, String),
    pub at: Timestamp,
    /// Made on the review branch.
    pub side: bool,
    /// Paths (relative to the pipeline root) written or, with `None`, deleted.
    pub changes: Vec<(String, Option<String>)>,
}

#[derive(Debug)]
pub struct Plan {
    /// In author-date order.
    pub commits: Vec<PlannedCommit>,
    /// The review branch leaves main here ...
    pub fork_at: Timestamp,
    /// ... and is merged back here.
    pub merge_at: Timestamp,
}

/// Plans the history of `files` (the example pipeline: path and contents),
/// ending before `today`.
pub fn plan(files: &[(&str, &str)], today: Date) -> Result<Plan> {
    let config_text = files
        .iter()
        .find(|(p, _)| *p == crate::model::config::FILE_NAME)
        .map(|(_, t)| *t)
        .ok_or_else(|| Error::data("the example pipeline has no funnel.toml"))?;
    let config = Config::parse(config_text).map_err(Error::Problems)?;
    let tz = config.timezone.clone();
    let at = |date: Date, hour: i64| -> Result<Timestamp> {
        let midnight = date
            .to_zoned_datetime(tz.clone())
            .map_err(|e| Error::data(e.to_string()))?;
        Ok(midnight.timestamp() + hour.hours())
    };
    let today_at = at(today, 0)?;
    let fork_at = today_at - Span::new().hours(45 * 24);
    let merge_at = today_at - Span::new().hours(31 * 24);

    let mut deals = Vec::new();
    for (path, text) in files {
        let std_path = std::path::Path::new(path);
        if std_path.extension().is_some_and(|e| e == "toml")
            && std_path
                .parent()
                .and_then(|p| p.to_str())
                .is_some_and(|s| config.stage(s).is_some())
        {
            let deal = Deal::parse(std_path, text).map_err(Error::Problems)?;
            deals.push((deal, path.to_string(), text.to_string()));
        }
    }
    let first_created = deals
        .iter()
        .filter_map(|(d, _, _)| d.date("created"))
        .min()
        .unwrap_or(today - Span::new().days(120));
    let mut commits = vec![PlannedCommit {
        message: "init pipeline\n".into(),
        author: author("alice"),
        at: at(first_created - 7.days(), 9)?,
        side: false,
        changes: files
            .iter()
            .filter(|(p, _)| !p.ends_with(".toml") || *p == crate::model::config::FILE_NAME)
            .map(|(p, t)| (p.to_string(), Some(t.to_string())))
            .collect(),
    }];

    let open = config.stage_ids_of(StageKind::Open);
    for (deal, _, text) in &deals {
        let mut rng = Rng::new(&deal.id);
        let stage = config
            .stage(&deal.stage)
            .ok_or_else(|| Error::data("stage"))?;
        // The stages the deal walks through, ending where its file is.
        let mut path: Vec<&str> = match stage.kind {
            StageKind::Open => {
                open[..=open.iter().position(|s| *s == stage.id).unwrap_or(0)].to_vec()
            }
            StageKind::Won => open.clone(),
            StageKind::Lost => open[..=rng.below(open.len().min(4))].to_vec(),
        };
        if path.len() > 3 && rng.below(4) == 0 {
            path.remove(1 + rng.below(path.len() - 2));
        }
        if stage.kind != StageKind::Open {
            path.push(&stage.id);
        }
        let created = deal.date("created").unwrap_or(first_created);
        let start = at(created, 9 + rng.below(8) as i64)?;
        let end = match stage.kind {
            StageKind::Open => {
                let span = (today_at - start).as_hours().max(48);
                start + Span::new().hours(span * (40 + rng.below(50) as i64) / 100)
            }
            _ => {
                let close = deal
                    .date("expected_close")
                    .filter(|d| *d > created && *d < today)
                    .unwrap_or(created + 30.days());
                at(close.min(today - 1.days()), 10 + rng.below(7) as i64)?
            }
        }
        .max(start);
        let owner = author(deal.owner().unwrap_or("alice"));
        let rel = |stage: &str| format!("{stage}/{}.toml", deal.id);
        // A third of the deals start with a lower value, raised mid-way.
        let raised = deal
            .money("value")
            .filter(|v| v.fract().is_zero() && rng.below(3) == 0);
        let first_text = match raised {
            Some(v) => text.replacen(
                &format!("value = {v}"),
                &format!(
                    "value = {}",
                    crate::model::money::round(v * rust_decimal::Decimal::new(8, 1), 0)
                ),
                1,
            ),
            None => text.clone(),
        };
        let steps = path.len();
        let total = (end - start).as_hours().max(1);
        for (i, stage_id) in path.iter().enumerate() {
            let when = if i == 0 {
                start
            } else {
                let base = total * i as i64 / (steps - 1).max(1) as i64;
                let jitter = rng.below(12) as i64 - 6;
                (start + Span::new().hours((base + jitter).clamp(1, total))).min(end)
            };
            let content = if i + 1 < steps || raised.is_none() {
                &first_text
            } else {
                text
            };
            let (message, changes) = if i == 0 {
                (
                    format!("add {}: {stage_id}", deal.id),
                    vec![(rel(stage_id), Some(content.clone()))],
                )
            } else {
                (
                    format!("move {}: {} -> {stage_id}", deal.id, path[i - 1]),
                    vec![
                        (rel(path[i - 1]), None),
                        (rel(stage_id), Some(content.clone())),
                    ],
                )
            };
            commits.push(PlannedCommit {
                message: format!("{message}\n\nFunnel-Deal: {}\n", deal.id),
                author: owner.clone(),
                at: when,
                side: false,
                changes,
            });
        }
        if let Some(value) = raised.filter(|_| steps == 1) {
            commits.push(PlannedCommit {
                message: format!(
                    "set {}: value={value}\n\nFunnel-Deal: {}\n",
                    deal.id, deal.id
                ),
                author: owner.clone(),
                at: (start + Span::new().hours(total / 2 + 1)).min(today_at - 1.hours()),
                side: false,
                changes: vec![(rel(path[0]), Some(text.clone()))],
            });
        }
        // Every third deal that existed before the fork has its moves
        // during the review on the branch.
        if rng.below(3) == 0 && start < fork_at {
            let n = commits.len();
            for commit in commits[n - steps..].iter_mut() {
                commit.side = commit.at > fork_at && commit.at < merge_at;
            }
        }
    }
    commits.sort_by_key(|c| c.at);
    Ok(Plan {
        commits,
        fork_at,
        merge_at,
    })
}

/// The demo team: owner name to git identity.
fn author(owner: &str) -> (String, String) {
    let name = match owner {
        "alice" => "Alice Nowak",
        "bob" => "Bob Kowalski",
        "carol" => "Carol Smith",
        "dan" => "Dan Lee",
        other => other,
    };
    (name.to_string(), format!("{owner}@northwind.example"))
}

/// A small deterministic generator (SplitMix64 seeded by FNV-1a of a name).
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        Rng(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % n.max(1) as u64) as usize
    }
}

/// The files of every branch as the plan is replayed.
pub type Files = BTreeMap<String, String>;

/// Applies a commit's changes to a file map.
pub fn apply(files: &mut Files, commit: &PlannedCommit) {
    for (path, content) in &commit.changes {
        match content {
            Some(text) => {
                files.insert(path.clone(), text.clone());
            }
            None => {
                files.remove(path);
            }
        }
    }
}
