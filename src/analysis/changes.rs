//! Pipeline changes in business terms, for `log` and `diff`: a deal added,
//! moved, won, lost, reopened, removed or renamed, its value changed, its
//! close date pushed or pulled, other fields edited.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::git::revs::{Ends, Range};
use crate::git::trailers::renames;
use crate::git::{BlobId, DealChange, Repo};
use crate::model::config::{Config, StageKind};
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Added {
        deal: String,
        stage: String,
        #[serde(serialize_with = "crate::model::json::serialize_money")]
        value: Option<Decimal>,
    },
    Moved {
        deal: String,
        from: String,
        to: String,
    },
    Won {
        deal: String,
        from: String,
        to: String,
        #[serde(serialize_with = "crate::model::json::serialize_money")]
        value: Option<Decimal>,
    },
    Lost {
        deal: String,
        from: String,
        to: String,
        reason: Option<String>,
    },
    Reopened {
        deal: String,
        from: String,
        to: String,
    },
    Removed {
        deal: String,
        stage: String,
    },
    Renamed {
        deal: String,
        from_id: String,
    },
    ValueChanged {
        deal: String,
        #[serde(serialize_with = "crate::model::json::serialize_money")]
        from: Option<Decimal>,
        #[serde(serialize_with = "crate::model::json::serialize_money")]
        to: Option<Decimal>,
    },
    CloseChanged {
        deal: String,
        from: Option<String>,
        to: Option<String>,
    },
    Edited {
        deal: String,
        keys: Vec<String>,
    },
}

impl Event {
    /// One line for a person.
    pub fn describe(&self, currency: &str) -> String {
        let money = |v: &Option<Decimal>| {
            v.map_or("none".to_string(), |v| {
                format!("{} {currency}", crate::model::money::amount(v))
            })
        };
        match self {
            Event::Added { deal, stage, value } => {
                format!("new {deal} in {stage} ({})", money(value))
            }
            Event::Moved { deal, from, to } => format!("moved {deal}: {from} -> {to}"),
            Event::Won {
                deal, from, value, ..
            } => format!("won {deal} from {from} ({})", money(value)),
            Event::Lost {
                deal, from, reason, ..
            } => {
                format!(
                    "lost {deal} from {from}{}",
                    reason
                        .as_ref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                )
            }
            Event::Reopened { deal, from, to } => format!("reopened {deal}: {from} -> {to}"),
            Event::Removed { deal, stage } => format!("removed {deal} from {stage}"),
            Event::Renamed { deal, from_id } => format!("renamed {from_id} -> {deal}"),
            Event::ValueChanged { deal, from, to } => {
                format!("value of {deal}: {} -> {}", money(from), money(to))
            }
            Event::CloseChanged { deal, from, to } => {
                let verb = if is_push(from.as_deref(), to.as_deref()) {
                    "close date pushed"
                } else {
                    "close date"
                };
                format!(
                    "{verb} for {deal}: {} -> {}",
                    from.as_deref().unwrap_or("none"),
                    to.as_deref().unwrap_or("none")
                )
            }
            Event::Edited { deal, keys } => format!("edited {deal}: {}", keys.join(", ")),
        }
    }
}

/// The events of one commit (or one range). `message` is the commit
/// message, for `Funnel-Renamed-From` trailers; `read` gives a blob's text.
pub fn events(
    config: &Config,
    changes: &[DealChange],
    message: &str,
    read: &dyn Fn(BlobId) -> Option<String>,
) -> Vec<Event> {
    let table = |oid: BlobId| {
        read(oid)
            .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
            .unwrap_or_default()
    };
    let kind = |stage: &str| config.stage(stage).map(|s| s.kind);
    // Each rename pairs an added deal with a removed one: the trailer's
    // `Funnel-Deal` names the new ID (a hand-written message without it
    // pairs only when one deal was added).
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c.from.is_none() && c.to.is_some())
        .map(|c| c.id.as_str())
        .collect();
    let removed = |id: &str| {
        changes
            .iter()
            .any(|c| c.id == id && c.from.is_some() && c.to.is_none())
    };
    let pairs: Vec<(String, String)> = renames(message.as_bytes())
        .into_iter()
        .filter_map(|r| {
            let new = match r.new {
                Some(new) => new,
                None if added.len() == 1 => added[0].to_string(),
                None => return None,
            };
            (added.contains(&new.as_str()) && removed(&r.old)).then_some((new, r.old))
        })
        .collect();
    let mut out = Vec::new();
    for change in changes {
        match (&change.from, &change.to) {
            (None, Some((stage, blob))) => {
                let fields = table(*blob);
                let old = pairs.iter().find(|(new, _)| *new == change.id);
                match old.map(|(_, old)| old) {
                    Some(old) => out.push(Event::Renamed {
                        deal: change.id.clone(),
                        from_id: old.to_string(),
                    }),
                    None => out.push(Event::Added {
                        deal: change.id.clone(),
                        stage: stage.clone(),
                        value: fields.get("value").and_then(crate::model::value::money),
                    }),
                }
            }
            (Some((stage, _)), None) => {
                if !pairs.iter().any(|(_, old)| *old == change.id) {
                    out.push(Event::Removed {
                        deal: change.id.clone(),
                        stage: stage.clone(),
                    });
                }
            }
            (Some((from, old_blob)), Some((to, new_blob))) => {
                let (old, new) = (table(*old_blob), table(*new_blob));
                let deal = change.id.clone();
                if from != to {
                    let value = new.get("value").and_then(crate::model::value::money);
                    out.push(match (kind(from), kind(to)) {
                        (_, Some(StageKind::Won)) => Event::Won {
                            deal: deal.clone(),
                            from: from.clone(),
                            to: to.clone(),
                            value,
                        },
                        (_, Some(StageKind::Lost)) => Event::Lost {
                            deal: deal.clone(),
                            from: from.clone(),
                            to: to.clone(),
                            reason: new
                                .get("lost_reason")
                                .and_then(|v| v.as_str())
                                .map(str::to_string),
                        },
                        (Some(StageKind::Won | StageKind::Lost), _) => Event::Reopened {
                            deal: deal.clone(),
                            from: from.clone(),
                            to: to.clone(),
                        },
                        _ => Event::Moved {
                            deal: deal.clone(),
                            from: from.clone(),
                            to: to.clone(),
                        },
                    });
                }
                out.extend(field_events(&deal, &old, &new, from != to));
            }
            (None, None) => {}
        }
    }
    out
}

/// Whether a close date moved later: a push (the one definition, for
/// `log`, `diff` and `show`).
pub fn is_push(from: Option<&str>, to: Option<&str>) -> bool {
    matches!((from, to), (Some(a), Some(b)) if b > a)
}

/// Value, close-date and other field changes between two versions. Keys a
/// move sets itself (next step, lost reason) are not "edits" of a move.
pub fn field_events(deal: &str, old: &toml::Table, new: &toml::Table, moved: bool) -> Vec<Event> {
    let mut out = Vec::new();
    let money = |t: &toml::Table| t.get("value").and_then(crate::model::value::money);
    if money(old) != money(new) {
        out.push(Event::ValueChanged {
            deal: deal.to_string(),
            from: money(old),
            to: money(new),
        });
    }
    let close = |t: &toml::Table| {
        t.get("expected_close")
            .and_then(crate::model::value::date)
            .map(|d: Date| d.to_string())
    };
    if close(old) != close(new) {
        out.push(Event::CloseChanged {
            deal: deal.to_string(),
            from: close(old),
            to: close(new),
        });
    }
    let skip = |k: &str| {
        k == "value"
            || k == "expected_close"
            || (moved && ["next_step", "next_step_due", "lost_reason"].contains(&k))
    };
    let mut keys: Vec<String> = old
        .keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)))
        .filter(|k| !skip(k) && old.get(*k) != new.get(*k))
        .cloned()
        .collect();
    keys.sort();
    if !keys.is_empty() {
        out.push(Event::Edited {
            deal: deal.to_string(),
            keys,
        });
    }
    out
}

/// One commit of `log`, with its events (a merge has none: the commits
/// it brings in carry them).
#[derive(Debug, Clone, Serialize)]
pub struct CommitChanges {
    pub commit: String,
    /// The author date, ISO 8601 with the pipeline's offset.
    #[serde(serialize_with = "crate::model::json::serialize_instant")]
    pub at: jiff::ZonedDateTime,
    /// The author's email.
    pub author: String,
    /// The owner name of the author (the local part of the email the
    /// mailmap gives), for tables.
    #[serde(skip)]
    pub owner: String,
    pub subject: String,
    #[serde(skip)]
    pub merge: bool,
    pub events: Vec<Event>,
}

/// Which commits `log` shows, as `git log` takes them.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// The commits to walk.
    pub range: Range,
    /// At most this many commits (`-n`); the walk stops there.
    pub max: Option<usize>,
    /// Only commits whose author ("Name <email>") contains this, ignoring
    /// case.
    pub author: Option<String>,
    /// Only commits authored at or after this instant.
    pub since: Option<Timestamp>,
    /// Only commits authored at or before this instant.
    pub until: Option<Timestamp>,
}

/// The commits `query` names that changed deals (and merges), newest
/// first.
pub fn log(
    repo: &Repo,
    config: &Config,
    query: &LogQuery,
) -> crate::error::Result<Vec<CommitChanges>> {
    let stages: Vec<&str> = config.stage_ids().collect();
    let read = |oid| repo.blob_text(oid).ok();
    let author = query.author.as_ref().map(|a| a.to_lowercase());
    let mut out = Vec::new();
    crate::git::history::with_tree_reader(repo, &stages, |trees| {
        repo.walk_commits(&query.range, &mut |commit| {
            if query.max.is_some_and(|n| out.len() >= n) {
                return Ok(false);
            }
            let by = format!("{} <{}>", commit.author_name, commit.author_email).to_lowercase();
            if author.as_ref().is_some_and(|a| !by.contains(a.as_str()))
                || query.since.is_some_and(|t| commit.at < t)
                || query.until.is_some_and(|t| commit.at > t)
            {
                return Ok(true);
            }
            let merge = commit.parents > 1;
            let events = if merge {
                Vec::new()
            } else {
                events(
                    config,
                    &trees.commit_changes(commit.id)?,
                    &commit.message,
                    &read,
                )
            };
            if events.is_empty() && !merge {
                return Ok(true);
            }
            out.push(CommitChanges {
                commit: commit.id.to_string(),
                at: commit.at.to_zoned_datetime(config.timezone.clone()),
                owner: commit.owner,
                author: commit.author_email,
                subject: commit.summary,
                merge,
                events,
            });
            Ok(true)
        })
    })?;
    Ok(out)
}

/// The events between two commits, or a commit and the work tree; `known`
/// is the work tree's pipeline when it has been loaded (its deals' files
/// are not read again).
pub fn between(
    repo: &Repo,
    config: &Config,
    ends: &Ends,
    known: Option<&crate::store::pipeline::Pipeline>,
) -> crate::error::Result<Vec<Event>> {
    let stages: Vec<&str> = config.stage_ids().collect();
    Ok(match ends.to {
        Some(to) => {
            let changes = repo.deal_changes_between(ends.from, to, &stages)?;
            let read = |oid| repo.blob_text(oid).ok();
            events(config, &changes, "", &read)
        }
        None => {
            let blobs: crate::hasher::FxMap<(&str, &str), BlobId> = (known.iter())
                .flat_map(|pipeline| &pipeline.deals)
                .filter_map(|d| {
                    Some((
                        (d.stage.as_str(), d.id.as_str()),
                        BlobId::from_bytes(&d.blob?)?,
                    ))
                })
                .collect();
            let known = |stage: &str, id: &str| blobs.get(&(stage, id)).copied();
            let (changes, texts) = repo.deal_changes_to_worktree(ends.from, &stages, &known)?;
            let read = |oid| {
                texts
                    .get(&oid)
                    .cloned()
                    .or_else(|| repo.blob_text(oid).ok())
            };
            events(config, &changes, "", &read)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::HashMap;

    /// Deal files as blobs: each text stands for itself.
    struct Files(HashMap<BlobId, String>);

    impl Files {
        fn new() -> Files {
            Files(HashMap::new())
        }

        fn blob(&mut self, text: &str) -> BlobId {
            let id = BlobId::of(text.as_bytes());
            self.0.insert(id, text.to_string());
            id
        }
    }

    fn change(id: &str, from: Option<(&str, BlobId)>, to: Option<(&str, BlobId)>) -> DealChange {
        DealChange {
            id: id.to_string(),
            from: from.map(|(s, b)| (s.to_string(), b)),
            to: to.map(|(s, b)| (s.to_string(), b)),
        }
    }

    fn described(changes: &[DealChange], message: &str, files: &Files) -> Vec<String> {
        let config = Config::parse(crate::model::config::DEFAULT).unwrap();
        let read = |id: BlobId| files.0.get(&id).cloned();
        events(&config, changes, message, &read)
            .iter()
            .map(|e| e.describe("USD"))
            .collect()
    }

    #[test]
    fn two_renames_in_one_commit_pair_by_their_trailers() {
        let mut files = Files::new();
        let acme = files.blob("title = \"Acme\"\n");
        let globex = files.blob("title = \"Globex\"\n");
        let changes = [
            change("acme", Some(("lead", acme)), None),
            change("acme2", None, Some(("lead", acme))),
            change("globex", Some(("contact", globex)), None),
            change("globex2", None, Some(("contact", globex))),
        ];
        let message = "rename two\n\nFunnel-Deal: acme2\nFunnel-Renamed-From: acme\nFunnel-Deal: globex2\nFunnel-Renamed-From: globex\n";
        assert_eq!(
            described(&changes, message, &files),
            ["renamed acme -> acme2", "renamed globex -> globex2"]
        );
        // Lower-case keys are the same trailers.
        assert_eq!(
            described(&changes, &message.to_lowercase(), &files),
            ["renamed acme -> acme2", "renamed globex -> globex2"]
        );
        // Without trailers, the same files are one removal and one addition each.
        assert_eq!(
            described(&changes, "tidy up", &files),
            [
                "removed acme from lead",
                "new acme2 in lead (none)",
                "removed globex from contact",
                "new globex2 in contact (none)"
            ]
        );
    }

    #[test]
    fn moves_by_the_kind_of_stage_they_reach_or_leave() {
        let mut files = Files::new();
        let open = files.blob("title = \"A\"\nvalue = 5000\n");
        let lost = files.blob("title = \"A\"\nvalue = 5000\nlost_reason = \"price\"\n");
        let at = |stage, blob| Some((stage, blob));
        let cases = [
            (
                at("lead", open),
                at("qualified", open),
                "moved a: lead -> qualified",
            ),
            (
                at("negotiation", open),
                at("won", open),
                "won a from negotiation (5000 USD)",
            ),
            (
                at("proposal", open),
                at("lost", lost),
                "lost a from proposal (price)",
            ),
            (
                at("lost", lost),
                at("lead", open),
                "reopened a: lost -> lead",
            ),
        ];
        for (from, to, said) in cases {
            assert_eq!(
                described(&[change("a", from, to)], "", &files)
                    .first()
                    .map(String::as_str),
                Some(said)
            );
        }
    }

    #[test]
    fn field_changes_say_value_close_date_and_other_keys() {
        let mut files = Files::new();
        let old = files
            .blob("title = \"A\"\nvalue = 5000\nexpected_close = 2026-12-01\nowner = \"ann\"\n");
        let new = files.blob("title = \"A\"\nvalue = \"5500.50\"\nexpected_close = 2027-01-15\nowner = \"bob\"\nseats = 4\n");
        assert_eq!(
            described(
                &[change("a", Some(("lead", old)), Some(("lead", new)))],
                "",
                &files
            ),
            [
                "value of a: 5000 USD -> 5500.50 USD",
                "close date pushed for a: 2026-12-01 -> 2027-01-15",
                "edited a: owner, seats"
            ]
        );
        // A move's own follow-up keys are not edits.
        let moved = files.blob("title = \"A\"\nvalue = 5000\nexpected_close = 2026-12-01\nowner = \"ann\"\nnext_step = \"Call\"\n");
        assert_eq!(
            described(
                &[change("a", Some(("lead", old)), Some(("qualified", moved)))],
                "",
                &files
            ),
            ["moved a: lead -> qualified"]
        );
    }
}
