//! Why a mutating operation refused: one variant per refusal, with the data
//! its message and its hint need. The hint is a method, never text to split
//! back out of the message.

use std::path::PathBuf;

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("`{id}` is in {} stages at once: {}", copies.len(), copies.join(" and "))]
    InTwoStages { id: String, copies: Vec<String> },
    #[error("--at {at} is in the future")]
    AtInFuture { at: String },
    #[error("--at {at} is before `{id}` entered `{stage}` on {entered}")]
    AtBeforeEntry {
        at: String,
        id: String,
        stage: String,
        entered: String,
    },
    #[error("no stage `{id}`")]
    NoStage {
        id: String,
        close: Option<String>,
        stages: Vec<String>,
    },
    #[error("`{reason}` is not one of the lost_reasons")]
    NotALostReason {
        reason: String,
        reasons: Vec<String>,
    },
    #[error("stage `{stage}` requires {}", missing.join(", "))]
    Requires {
        stage: String,
        id: String,
        missing: Vec<String>,
    },
    #[error("a deal needs a title")]
    NoTitle,
    #[error("invalid ID `{id}`: {reason}")]
    InvalidId {
        id: String,
        reason: String,
        slug: String,
    },
    /// `--id` names a deal that exists.
    #[error("a deal `{id}` exists already")]
    IdChosenTaken { id: String },
    /// `rename`'s new ID exists.
    #[error("a deal `{id}` exists already")]
    IdTaken { id: String },
    #[error("a deal titled \"{title}\" exists already: `{existing}`")]
    TitleTaken {
        title: String,
        existing: String,
        next: String,
    },
    #[error("`{id}` is already in `{stage}`")]
    AlreadyIn { id: String, stage: String },
    #[error("--reason is for lost stages, and `{stage}` is not one")]
    ReasonNotLost { stage: String },
    #[error("nothing to set")]
    NothingToSet { id: String },
    #[error("a deal cannot lose its title")]
    CannotLoseTitle,
    #[error("`{id}` has no `{key}` to remove")]
    NoKeyToRemove { id: String, key: String },
    #[error("`{id}` already has those values: nothing to commit")]
    SameValues { id: String },
    #[error("{} changed while you were editing it: nothing was committed", path.display())]
    ChangedWhileEditing { path: PathBuf, id: String },
    #[error("{} already holds a {file}", dir.display())]
    AlreadyAPipeline { dir: PathBuf, file: &'static str },
    #[error("{} is not valid TOML: {error}", path.display())]
    NotToml { path: PathBuf, error: String },
    #[error("{} is not empty", dir.display())]
    DemoFolderNotEmpty { dir: PathBuf },
    #[error("the demo plan is empty")]
    EmptyDemoPlan,
    #[error("{date} is not in the future")]
    SnoozeNotAhead { date: String },
    #[error("`{id}` is not snoozed")]
    NotSnoozed { id: String },
    #[error("a follow-up's due date is out of range: {0}")]
    FollowUpOutOfRange(String),
}

impl OpError {
    /// What to do instead, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            OpError::InTwoStages { .. } => "keep the one in the right stage and delete the other (git rm FILE), then run the command again; `funnel check` lists every duplicate".into(),
            OpError::AtInFuture { .. } => {
                "record what has happened: --at takes a past date such as yesterday, -3d or 2026-11-20".into()
            }
            OpError::AtBeforeEntry { entered, .. } => {
                format!("give a time after {entered} (or leave out --at to record it now)")
            }
            OpError::NoStage { close, stages, .. } => match close {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the stages are: {}", stages.join(", ")),
            },
            OpError::NotALostReason { reasons, .. } => format!(
                "use one of: {} (or add it to lost_reasons in funnel.toml)",
                reasons.join(", ")
            ),
            OpError::Requires { stage, id, missing } => {
                let sets: Vec<String> = missing.iter().map(|k| format!("{k}=...")).collect();
                let hint = format!("give them: funnel set {id} {}", sets.join(" "));
                if missing.iter().any(|k| k == "lost_reason") {
                    format!("{hint}, or say why: funnel move {id} {stage} --reason REASON")
                } else {
                    hint
                }
            }
            OpError::NoTitle => "funnel add \"Acme Corp: CRM rollout\"".into(),
            OpError::InvalidId { slug, .. } => format!("try `{slug}`"),
            OpError::IdChosenTaken { .. } => "choose another --id".into(),
            OpError::TitleTaken { title, next, .. } => format!(
                "to add another deal with this title, give it an ID: funnel add \"{title}\" --id {next}"
            ),
            OpError::NothingToSet { id } => {
                format!("funnel set {id} value=15000 next_step_due=friday")
            }
            OpError::ChangedWhileEditing { id, .. } => format!("run `funnel edit {id}` again"),
            OpError::AlreadyAPipeline { .. } => {
                "funnel init starts a new pipeline; this one is ready to use".into()
            }
            OpError::NotToml { .. } => {
                "`funnel check` shows where; fix it by hand or with `funnel edit`".into()
            }
            OpError::DemoFolderNotEmpty { .. } => {
                "give `funnel demo` a new folder, or none for a temporary one".into()
            }
            OpError::SnoozeNotAhead { .. } => "snooze until a later date: +2w, eom, 2027-01-15".into(),
            OpError::IdTaken { .. }
            | OpError::AlreadyIn { .. }
            | OpError::ReasonNotLost { .. }
            | OpError::CannotLoseTitle
            | OpError::NoKeyToRemove { .. }
            | OpError::SameValues { .. }
            | OpError::EmptyDemoPlan
            | OpError::NotSnoozed { .. }
            | OpError::FollowUpOutOfRange(_) => return None,
        })
    }
}

impl From<OpError> for Error {
    fn from(e: OpError) -> Self {
        Error::Data {
            message: e.to_string(),
            hint: e.hint(),
        }
    }
}
