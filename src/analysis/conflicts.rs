//! Deals that collide when two people's work meets (a rebase, a merge):
//! which deals git could not merge, what each side did to them, and the
//! commands that resolve each. `check` reports them as problems while git
//! is stopped; `sync` explains them when its rebase or merge stops.
//!
//! A deal's conflict is read from the index's conflict entries grouped by
//! the deal's ID, so a deal moved to two different stages (git sees two
//! renames of one file) is one collision, not three paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analysis::changes::{Event, events};
use crate::error::Result;
use crate::git::command::Conflict;
use crate::git::{CommitId, Repo};
use crate::model::config::Config;
use crate::model::problem::Problem;

/// How one deal collides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Collision {
    /// Both sides moved it, to different stages: its file is in both
    /// (`gone`: the old paths git keeps in conflict until removed).
    MovedBoth {
        ours: String,
        theirs: String,
        gone: Vec<String>,
    },
    /// Both sides changed the same file: it holds conflict markers.
    EditedBoth { path: String },
    /// One side removed (or moved away) the file the other changed.
    RemovedOneSide { path: String },
    /// Both sides moved it away from `path`, which git still lists.
    OldPathLeft { path: String },
}

/// A deal git stopped on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DealConflict {
    pub deal: String,
    #[serde(flatten)]
    pub collision: Collision,
}

impl DealConflict {
    /// What happened, in a sentence.
    pub fn message(&self) -> String {
        let deal = &self.deal;
        match &self.collision {
            Collision::MovedBoth { ours, theirs, .. } => format!(
                "`{deal}` was moved by both sides: to {} and to {}",
                stage_of(ours),
                stage_of(theirs)
            ),
            Collision::EditedBoth { path } => {
                format!("`{deal}` was changed on both sides: {path} holds conflict markers")
            }
            Collision::RemovedOneSide { path } => format!(
                "`{deal}` was removed or moved away on one side and changed on the other ({path})"
            ),
            Collision::OldPathLeft { path } => {
                format!("`{deal}` was moved away from {path} by both sides; git still lists it")
            }
        }
    }

    /// The commands that resolve it; `next` goes on with the operation
    /// (`git rebase --continue`).
    pub fn fix(&self, next: &str) -> String {
        match &self.collision {
            Collision::MovedBoth { ours, theirs, gone } => {
                let gone: String = gone.iter().map(|p| format!(" {p}")).collect();
                format!(
                    "keep one stage: `git rm {theirs}{gone}` keeps {} (or `git rm {ours}{gone}` keeps {}), then `git add` the kept file, `funnel check` and `{next}`",
                    stage_of(ours),
                    stage_of(theirs)
                )
            }
            Collision::EditedBoth { path } => format!(
                "edit {path}: keep the right lines between <<<<<<< and >>>>>>> and delete the markers (`funnel check` points at them), then `git add {path}`, `funnel check` and `{next}`"
            ),
            Collision::RemovedOneSide { path } => format!(
                "`git rm {path}` keeps it removed, or `git add {path}` keeps the changed deal; then `funnel check` and `{next}`"
            ),
            Collision::OldPathLeft { path } => {
                format!("`git rm {path}`, then `funnel check` and `{next}`")
            }
        }
    }
}

/// The stage folder of a path `STAGE/ID.toml`.
fn stage_of(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// The deals in `conflicts` (the index's, [`Repo::conflicts`]), by ID
/// (deal files only).
pub fn deal_conflicts(conflicts: &[Conflict], stages: &[&str]) -> Vec<DealConflict> {
    #[derive(Default)]
    struct Sides {
        ours: BTreeSet<String>,
        theirs: BTreeSet<String>,
        base: BTreeSet<String>,
    }
    let deal_of = |path: &str| -> Option<String> {
        let (stage, name) = path.split_once('/')?;
        let id = name.strip_suffix(".toml")?;
        (stages.contains(&stage) && !id.contains('/')).then(|| id.to_string())
    };
    let mut by_deal: BTreeMap<String, Sides> = BTreeMap::new();
    for conflict in conflicts {
        for (path, side) in [
            (&conflict.base, 0),
            (&conflict.ours, 1),
            (&conflict.theirs, 2),
        ] {
            let Some(path) = path else { continue };
            let Some(id) = deal_of(path) else { continue };
            let sides = by_deal.entry(id).or_default();
            match side {
                1 => sides.ours.insert(path.to_string()),
                2 => sides.theirs.insert(path.to_string()),
                _ => sides.base.insert(path.to_string()),
            };
        }
    }
    by_deal
        .into_iter()
        .map(|(deal, sides)| {
            let first = |set: &BTreeSet<String>| set.iter().next().cloned();
            let collision = match (first(&sides.ours), first(&sides.theirs)) {
                (Some(ours), Some(theirs)) if ours != theirs => {
                    let gone = sides
                        .base
                        .iter()
                        .filter(|p| **p != ours && **p != theirs)
                        .cloned()
                        .collect();
                    Collision::MovedBoth { ours, theirs, gone }
                }
                (Some(path), Some(_)) => Collision::EditedBoth { path },
                (Some(path), None) | (None, Some(path)) => Collision::RemovedOneSide { path },
                (None, None) => Collision::OldPathLeft {
                    path: first(&sides.base).unwrap_or_default(),
                },
            };
            DealConflict { deal, collision }
        })
        .collect()
}

/// The collisions among `conflicts` (the index's) as `check` problems,
/// each with the commands that resolve it.
pub fn problems(repo: &Repo, conflicts: &[Conflict], stages: &[&str]) -> Vec<Problem> {
    let next = repo.continue_command();
    deal_conflicts(conflicts, stages)
        .into_iter()
        .map(|c| {
            let file = match &c.collision {
                Collision::MovedBoth { ours, .. } => ours.clone(),
                Collision::EditedBoth { path }
                | Collision::RemovedOneSide { path }
                | Collision::OldPathLeft { path } => path.clone(),
            };
            Problem::file(file, c.message()).with_hint(c.fix(next))
        })
        .collect()
}

/// What one side did to a deal between the common ancestor and its tip,
/// and who did it.
#[derive(Debug, Clone, Serialize)]
pub struct SideChanges {
    pub events: Vec<Event>,
    /// The owner names of the commits' authors, in order of first change.
    pub by: Vec<String>,
}

/// A deal git stopped on, with what each side did to it.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    #[serde(flatten)]
    pub conflict: DealConflict,
    pub upstream: SideChanges,
    pub local: SideChanges,
}

/// Each deal in `conflicts` (the index's, [`Repo::conflicts`]) with what
/// the upstream (`base..upstream`) and the local commits (`base..local`)
/// did to it.
pub fn explain(
    repo: &Repo,
    config: &Config,
    conflicts: &[Conflict],
    base: CommitId,
    upstream: CommitId,
    local: CommitId,
) -> Result<Vec<Explained>> {
    let stages: Vec<&str> = config.stage_ids().collect();
    let conflicts = deal_conflicts(conflicts, &stages);
    let wanted: BTreeSet<&str> = conflicts.iter().map(|c| c.deal.as_str()).collect();
    let side = |tip: CommitId| -> Result<BTreeMap<String, SideChanges>> {
        let mut out: BTreeMap<String, SideChanges> = BTreeMap::new();
        let read = |oid| repo.blob_text(oid).ok();
        let range = crate::git::revs::Range {
            include: vec![tip],
            exclude: vec![base],
        };
        let mut commits = Vec::new();
        repo.walk_commits(&range, &mut |commit| {
            if commit.parents <= 1 {
                commits.push(commit);
            }
            Ok(true)
        })?;
        // Oldest first, so the events read in the order they were made.
        for commit in commits.into_iter().rev() {
            let changes = repo.deal_changes(commit.id, &stages)?;
            let who = crate::git::owner_from_email(&commit.author_email)
                .unwrap_or_else(|| commit.author_name.clone());
            for event in events(config, &changes, &commit.message, &read) {
                let deal = event_deal(&event);
                if !wanted.contains(deal) {
                    continue;
                }
                let entry = out.entry(deal.to_string()).or_insert(SideChanges {
                    events: Vec::new(),
                    by: Vec::new(),
                });
                if !entry.by.contains(&who) {
                    entry.by.push(who.clone());
                }
                entry.events.push(event);
            }
        }
        Ok(out)
    };
    let (mut theirs, mut mine) = (side(upstream)?, side(local)?);
    let empty = || SideChanges {
        events: Vec::new(),
        by: Vec::new(),
    };
    Ok(conflicts
        .into_iter()
        .map(|conflict| Explained {
            upstream: theirs.remove(&conflict.deal).unwrap_or_else(empty),
            local: mine.remove(&conflict.deal).unwrap_or_else(empty),
            conflict,
        })
        .collect())
}

/// The deal an event is about.
fn event_deal(event: &Event) -> &str {
    match event {
        Event::Added { deal, .. }
        | Event::Moved { deal, .. }
        | Event::Won { deal, .. }
        | Event::Lost { deal, .. }
        | Event::Reopened { deal, .. }
        | Event::Removed { deal, .. }
        | Event::Renamed { deal, .. }
        | Event::ValueChanged { deal, .. }
        | Event::CloseChanged { deal, .. }
        | Event::Edited { deal, .. } => deal,
    }
}
