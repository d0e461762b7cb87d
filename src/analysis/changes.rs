//! Pipeline changes in business terms, for `log` and `diff`: a deal added,
//! moved, won, lost, reopened, removed or renamed, its value changed, its
//! close date pushed or pulled, other fields edited.

use git2::Oid;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::git::DealChange;
use crate::model::config::{Config, StageKind};

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
                let pushed = matches!((from, to), (Some(a), Some(b)) if b > a);
                let verb = if pushed {
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
    read: &dyn Fn(Oid) -> Option<String>,
) -> Vec<Event> {
    let table = |oid: Oid| {
        read(oid)
            .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
            .unwrap_or_default()
    };
    let kind = |stage: &str| config.stage(stage).map(|s| s.kind);
    let renamed: Vec<&str> = message
        .lines()
        .filter_map(|l| l.strip_prefix("Funnel-Renamed-From:"))
        .map(str::trim)
        .collect();
    let mut out = Vec::new();
    for change in changes {
        match (&change.from, &change.to) {
            (None, Some((stage, blob))) => {
                let fields = table(*blob);
                let old = renamed
                    .iter()
                    .find(|old| changes.iter().any(|c| c.id == **old && c.to.is_none()));
                match old {
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
                let renamed_away = changes
                    .iter()
                    .any(|c| c.from.is_none() && renamed.contains(&c.id.as_str()))
                    || renamed.contains(&change.id.as_str());
                if !renamed_away {
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

/// Value, close-date and other field changes between two versions. Keys a
/// move sets itself (next step, lost reason) are not "edits" of a move.
fn field_events(deal: &str, old: &toml::Table, new: &toml::Table, moved: bool) -> Vec<Event> {
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
