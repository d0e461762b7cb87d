//! `undo`: revert the current user's last funnel commit as a new commit.
//!
//! The commit undone is the newest commit reachable from HEAD (first
//! parents only: the branch's own line) that funnel made (it has a
//! `Funnel-Deal` trailer) and whose author email is the user's
//! (`user.email`, or GIT_AUTHOR_EMAIL). Every deal file it touched, however
//! many (a rename, a bulk change), gets back the content it had before, in
//! one new commit through the write path: history stays append-only, so a
//! teammate who pulled it is not rewritten. Undoing an undo redoes.
//!
//! Refused, changing nothing, when a later commit changes one of the same
//! deals (the undo would throw that work away or contradict it), and when
//! one of its files has changes not committed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::CommitId;
use crate::git::trailers::{DEAL, RENAMED_FROM, deals, renames};
use crate::store::write::{self, Change};

use super::{Outcome, Workspace};

/// What `undo` did: the new commit, and the commit it reverted.
#[derive(Debug)]
pub struct Undone {
    pub outcome: Outcome,
    pub undid: CommitId,
    pub undid_subject: String,
}

/// Reverts the user's last funnel commit (see the module doc).
pub fn undo(ws: &Workspace) -> Result<Undone> {
    let repo = &ws.repo;
    let me = repo.author(None)?;
    let email = me.email().unwrap_or("").to_lowercase();
    let stages: Vec<&str> = ws.pipeline.config.stage_ids().collect();
    let range = repo.range(&[])?;
    let mut later = Vec::new();
    let mut found = None;
    repo.walk_commits(&range, &mut |commit| {
        let ours = commit.parents == 1
            && commit.author_email.to_lowercase() == email
            && !deals(&commit.message).is_empty();
        if ours {
            found = Some(commit);
            return Ok(false);
        }
        later.push(commit);
        Ok(true)
    })?;
    let Some(target) = found else {
        return Err(Error::hinted(
            format!("no funnel commit by {email} on this branch: nothing to undo"),
            "`funnel log --author EMAIL` lists who changed what; `git revert COMMIT` reverts any commit",
        ));
    };
    let changes = repo.deal_changes(target.id, &stages)?;
    let touched: BTreeSet<&str> = changes.iter().map(|c| c.id.as_str()).collect();
    // A later commit that changes the same deals depends on this one.
    let mut blocking = Vec::new();
    for commit in &later {
        let theirs = repo.deal_changes(commit.id, &stages)?;
        let shared: BTreeSet<&str> = theirs
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| touched.contains(id))
            .collect();
        if !shared.is_empty() {
            blocking.push(format!(
                "{} `{}` by {} ({})",
                commit.id.short(),
                commit.summary,
                commit.author_name,
                shared.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if !blocking.is_empty() {
        return Err(Error::hinted(
            format!(
                "cannot undo {} `{}`: later commits change the same deals: {}",
                target.id.short(),
                target.summary,
                blocking.join("; ")
            ),
            "undo those first, or change the deals back with `funnel move`/`funnel set`",
        ));
    }
    // Each file back as it was before the commit: a new file goes, a
    // removed or changed one comes back.
    let mut files: Vec<(PathBuf, Option<String>)> = Vec::new();
    for change in &changes {
        if let Some((stage, _)) = &change.to {
            files.push((path(stage, &change.id), None));
        }
    }
    for change in &changes {
        if let Some((stage, blob)) = &change.from {
            let text = repo.blob_text(*blob)?;
            let at = path(stage, &change.id);
            files.retain(|(p, _)| *p != at);
            files.push((at, Some(text)));
        }
    }
    let status = repo.deal_status(&stages)?;
    let dirty: Vec<String> = status
        .iter()
        .filter(|s| files.iter().any(|(p, _)| Path::new(&s.path) == p))
        .map(|s| s.path.clone())
        .collect();
    if !dirty.is_empty() {
        return Err(Error::hinted(
            format!(
                "{} ha{} changes not committed: undo would overwrite them",
                dirty.join(", "),
                if dirty.len() == 1 { "s" } else { "ve" }
            ),
            "commit them or drop them (`git restore --staged --worktree FILE`), then `funnel undo`",
        ));
    }
    let mut trailers: Vec<(&'static str, String)> = Vec::new();
    let reversed = renames(target.message.as_bytes());
    for id in &touched {
        trailers.push((DEAL, id.to_string()));
    }
    // A rename undone is a rename back, so history still follows the deal.
    for rename in &reversed {
        if let Some(new) = &rename.new {
            trailers.retain(|(k, v)| !(*k == DEAL && (v == &rename.old || v == new)));
            trailers.push((DEAL, rename.old.clone()));
            trailers.push((RENAMED_FROM, new.clone()));
        }
    }
    let subject = format!("undo: {}", target.summary);
    let change = Change {
        files,
        subject: subject.clone(),
        trailers,
        at: None,
        verify: ws.verify,
        series: Vec::new(),
    };
    let commit = write::commit(repo, &ws.lock, &change)?;
    Ok(Undone {
        outcome: Outcome {
            commit,
            subject,
            path: None,
        },
        undid: target.id,
        undid_subject: target.summary,
    })
}

fn path(stage: &str, id: &str) -> PathBuf {
    Path::new(stage).join(format!("{id}.toml"))
}
