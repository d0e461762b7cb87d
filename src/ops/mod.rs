//! The mutating operations: each reads under the pipeline's write lock,
//! validates everything first, and hands its new files to the one write
//! path (`store::write`), which makes exactly one commit or changes nothing.

pub mod demo;
mod error;
pub mod import;
pub mod sync;
pub mod undo;

pub use error::OpError;

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::analysis::check::missing_required;
use crate::error::{Error, Result};
use crate::git::trailers::{DEAL, RENAMED_FROM};
use crate::git::{CommitId, Repo};
use crate::model::config::{self, Config, StageKind};
use crate::model::dates::Calendar;
use crate::model::deal::Deal;
use crate::model::ident;
use crate::model::problem::{Problem, did_you_mean};
use crate::store::dealfile::{DealEdit, date_value, keep_line_endings, typed_value};
use crate::store::lock::{Wait, WriteLock};
use crate::store::pipeline::Pipeline;
use crate::store::write::{self, Change, Recovered};

/// A loaded pipeline with its repository, ready to change: the write lock
/// is held for as long as it lives.
pub struct Workspace {
    pub pipeline: Pipeline,
    pub repo: Repo,
    pub calendar: Calendar,
    /// The clock, for refusing changes dated in the future.
    pub now: Timestamp,
    /// Run the commit hooks (`--no-verify` turns them off).
    pub verify: bool,
    /// What was done about a command interrupted before this one.
    pub recovered: Option<Recovered>,
    lock: WriteLock,
}

/// What a mutating command did.
#[derive(Debug)]
pub struct Outcome {
    pub commit: CommitId,
    /// The commit message's subject.
    pub subject: String,
    /// The deal's file after the change (relative to the pipeline root).
    pub path: Option<PathBuf>,
}

/// How far a change may be dated ahead of the clock (clock skew between
/// machines).
const SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(5 * 60);

impl Workspace {
    /// Opens the pipeline at `root` for changes: takes the write lock
    /// (waiting as `wait` says), finishes or undoes an interrupted command,
    /// and refuses when committing is not safe.
    pub fn open(root: &Path, today: Date, now: Timestamp, wait: &Wait<'_>) -> Result<Workspace> {
        let repo = Repo::open_required(root)?;
        let lock = WriteLock::acquire(repo.common_dir(), wait)?;
        let recovered = write::recover_locked(&repo, &lock)?;
        let pipeline = Pipeline::config_only(root)?;
        // A commit refuses an index with conflicts itself, reading it once.
        repo.ensure_no_operation()?;
        let calendar = calendar(&pipeline.config, today);
        Ok(Workspace {
            pipeline,
            repo,
            calendar,
            now,
            verify: true,
            recovered,
            lock,
        })
    }

    /// The deal `id`, read from its own file only; refused when the same
    /// ID is in two stage folders.
    pub fn deal(&self, id: &str) -> Result<Deal> {
        let deal = self.pipeline.load_deal(id)?;
        let copies: Vec<String> = self
            .config()
            .stage_ids()
            .map(|s| Path::new(s).join(format!("{id}.toml")))
            .filter(|rel| std::fs::symlink_metadata(self.pipeline.root.join(rel)).is_ok())
            .map(|rel| rel.display().to_string())
            .collect();
        if copies.len() > 1 {
            return Err(OpError::InTwoStages {
                id: id.into(),
                copies,
            }
            .into());
        }
        Ok(deal)
    }

    fn config(&self) -> &Config {
        &self.pipeline.config
    }

    /// Commits `files` (with the deal's old paths that git still has but
    /// the work tree no longer does: a move or delete done by hand and not
    /// yet committed) through the write path.
    fn commit(
        &self,
        id: &str,
        mut files: Vec<(PathBuf, Option<String>)>,
        subject: String,
        trailers: Vec<(&'static str, String)>,
        at: Option<Timestamp>,
        path: Option<PathBuf>,
    ) -> Result<Outcome> {
        // Only folders the file is gone from can hold an old path (and a
        // folder of 30,000 deals is then not read to learn it is not there).
        let gone = |stage: &&str| {
            let rel = Path::new(stage).join(format!("{id}.toml"));
            std::fs::symlink_metadata(self.pipeline.root.join(&rel)).is_err()
                && !files.iter().any(|(p, _)| *p == rel)
        };
        let stages: Vec<&str> = self.config().stage_ids().filter(gone).collect();
        for old in self.repo.committed_paths(&stages, id)? {
            files.push((old, None));
        }
        let change = Change {
            files,
            subject: subject.clone(),
            trailers,
            at,
            verify: self.verify,
            series: Vec::new(),
        };
        let commit = write::commit(&self.repo, &self.lock, &change)?;
        Ok(Outcome {
            commit,
            subject,
            path,
        })
    }

    /// Refuses an `--at` in the future, or (for an existing deal) before
    /// the deal entered its current stage.
    pub fn check_at(&self, id: Option<&str>, at: Option<Timestamp>) -> Result<()> {
        let Some(at) = at else { return Ok(()) };
        let tz = self.calendar.timezone.clone();
        let shown = |t: Timestamp| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        };
        if at > self.now + SKEW || self.day_of(Some(at)) > self.calendar.today {
            return Err(OpError::AtInFuture { at: shown(at) }.into());
        }
        let Some(id) = id else { return Ok(()) };
        // The briefs know when each deal entered its stage: no history walk.
        let stages: Vec<&str> = self.config().stage_ids().collect();
        let briefs = crate::git::history::load_briefs(&self.repo, &stages, &mut |_, _| {})?;
        if let Some(brief) = briefs.get(id)
            && let Some((_, entered)) = brief.entered
            && at < entered
        {
            return Err(OpError::AtBeforeEntry {
                at: shown(at),
                id: id.into(),
                stage: briefs.stage(brief).unwrap_or_default().to_string(),
                entered: shown(entered),
            }
            .into());
        }
        Ok(())
    }

    fn stage(&self, id: &str) -> Result<&config::Stage> {
        self.config().stage(id).ok_or_else(|| {
            OpError::NoStage {
                id: id.into(),
                close: did_you_mean(id, self.config().stage_ids()).map(str::to_string),
                stages: self.config().stage_ids().map(str::to_string).collect(),
            }
            .into()
        })
    }

    fn check_reason(&self, reason: &str) -> Result<()> {
        let reasons = &self.config().lost_reasons;
        if reasons.is_empty() || reasons.iter().any(|r| r == reason) {
            return Ok(());
        }
        Err(OpError::NotALostReason {
            reason: reason.into(),
            reasons: reasons.clone(),
        }
        .into())
    }

    /// Refuses when `text` (the deal's new contents) is not a valid deal for
    /// `stage`: by the same rules as `check`.
    fn validate(&self, rel: &Path, text: &str, stage: &str, id: &str) -> Result<()> {
        let deal = Deal::parse(rel, text).map_err(Error::Problems)?;
        let missing = missing_required(&self.pipeline, &deal, stage);
        if !missing.is_empty() {
            return Err(OpError::Requires {
                stage: stage.into(),
                id: id.into(),
                missing: missing.iter().map(|k| k.to_string()).collect(),
            }
            .into());
        }
        let problems =
            crate::analysis::check::text_problems(&self.pipeline, &deal, text, self.calendar.today);
        if !problems.is_empty() {
            return Err(Error::Problems(problems));
        }
        Ok(())
    }

    /// Sets `next_step` and `next_step_due` from the stage's first follow-up.
    fn apply_follow_up(&self, edit: &mut DealEdit, stage: &config::Stage, on: Date) -> Result<()> {
        if let Some(first) = stage.follow_up.iter().min_by_key(|f| f.after_days) {
            let due = on
                .checked_add(jiff::Span::new().days(i64::from(first.after_days)))
                .map_err(|e| OpError::FollowUpOutOfRange(e.to_string()))?;
            edit.set("next_step", first.step.as_str().into());
            edit.set("next_step_due", date_value(due));
        }
        Ok(())
    }

    fn day_of(&self, at: Option<Timestamp>) -> Date {
        at.map_or(self.calendar.today, |t| {
            t.to_zoned_datetime(self.calendar.timezone.clone()).date()
        })
    }
}

/// A calendar for `config` with `today`.
pub fn calendar(config: &Config, today: Date) -> Calendar {
    Calendar {
        today,
        week_start: config.week_start,
        timezone: config.timezone.clone(),
    }
}

/// What `add` is asked to create.
#[derive(Debug, Default)]
pub struct NewDeal {
    pub title: String,
    /// Chosen ID; derived from the title when `None`.
    pub id: Option<String>,
    pub stage: Option<String>,
    /// `KEY=VALUE` pairs, typed like `set`.
    pub fields: Vec<(String, String)>,
}

pub fn add(ws: &Workspace, new: NewDeal, at: Option<Timestamp>) -> Result<Outcome> {
    if new.title.trim().is_empty() {
        return Err(OpError::NoTitle.into());
    }
    ws.check_at(None, at)?;
    let stage = match &new.stage {
        Some(s) => ws.stage(s)?,
        None => ws.config().first_stage(),
    };
    let id = match new.id {
        Some(id) => {
            if let Some(reason) = ident::invalid_reason(&id) {
                return Err(OpError::InvalidId {
                    slug: ident::slug(&id),
                    id,
                    reason: reason.to_string(),
                }
                .into());
            }
            if ws.pipeline.id_taken(&id) {
                return Err(OpError::IdChosenTaken { id }.into());
            }
            id
        }
        None => {
            // The same title again is most often the same deal entered
            // twice (or a retried add): refused unless an ID is chosen.
            let title = new.title.trim();
            let same = std::cell::RefCell::new(None);
            let id = ident::unique(&ident::slug(title), |c| {
                let taken = ws.pipeline.id_taken(c);
                if taken
                    && same.borrow().is_none()
                    && ws.pipeline.load_deal(c).is_ok_and(|d| {
                        d.text("title")
                            .is_some_and(|t| t.trim().eq_ignore_ascii_case(title))
                    })
                {
                    *same.borrow_mut() = Some(c.to_string());
                }
                taken
            });
            if let Some(existing) = same.into_inner() {
                return Err(OpError::TitleTaken {
                    title: title.into(),
                    existing,
                    next: id,
                }
                .into());
            }
            id
        }
    };
    let mut edit = DealEdit::new();
    edit.set("title", new.title.trim().into());
    let mut has_next_step = false;
    for (key, raw) in &new.fields {
        if raw.trim().is_empty() {
            continue;
        }
        crate::store::dealfile::check_key(key)?;
        if key == "lost_reason" {
            ws.check_reason(raw)?;
        }
        has_next_step |= key == "next_step";
        edit.set(key, typed_value(key, raw, &ws.calendar)?);
    }
    if !has_next_step {
        ws.apply_follow_up(&mut edit, stage, ws.day_of(at))?;
    }
    let rel = Path::new(&stage.id).join(format!("{id}.toml"));
    let text = edit.to_string();
    ws.validate(&rel, &text, &stage.id, &id)?;
    ws.commit(
        &id,
        vec![(rel.clone(), Some(text))],
        format!("add {id}: {}", stage.id),
        vec![(DEAL, id.clone())],
        at,
        Some(rel),
    )
}

pub fn move_deal(
    ws: &Workspace,
    id: &str,
    to: &str,
    reason: Option<&str>,
    at: Option<Timestamp>,
) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    let target = ws.stage(to)?;
    if deal.stage == target.id {
        return Err(OpError::AlreadyIn {
            id: id.into(),
            stage: to.into(),
        }
        .into());
    }
    ws.check_at(Some(id), at)?;
    let from = ws.stage(&deal.stage)?;
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = parse_edit(&deal.path, &text)?;
    match reason {
        Some(reason) if target.kind == StageKind::Lost => {
            ws.check_reason(reason)?;
            edit.set("lost_reason", reason.into());
        }
        Some(_) => {
            return Err(OpError::ReasonNotLost { stage: to.into() }.into());
        }
        None => {}
    }
    if from.kind == StageKind::Lost && target.kind != StageKind::Lost {
        // A reopened deal is no longer lost; the reason stays in history.
        edit.remove("lost_reason");
    }
    if from.kind != StageKind::Open
        && target.follow_up.is_empty()
        && deal
            .text("next_step")
            .is_some_and(|step| from.follow_up.iter().any(|f| f.step == step))
    {
        // The follow-up of the closed stage the deal leaves is no next step
        // of it (doctor::follow_up_left_behind). A target with follow-ups
        // of its own replaces it in place below.
        edit.remove("next_step");
        edit.remove("next_step_due");
    }
    ws.apply_follow_up(&mut edit, target, ws.day_of(at))?;
    let rel = Path::new(&target.id).join(format!("{id}.toml"));
    let new_text = keep_line_endings(&text, edit.to_string());
    ws.validate(&rel, &new_text, &target.id, id)?;
    ws.commit(
        id,
        vec![(rel.clone(), Some(new_text)), (deal.path.clone(), None)],
        format!("move {id}: {} -> {}", deal.stage, target.id),
        vec![(DEAL, id.to_string())],
        at,
        Some(rel),
    )
}

/// `KEY=VALUE` changes; an empty value removes the key.
pub fn set(
    ws: &Workspace,
    id: &str,
    changes: &[(String, String)],
    at: Option<Timestamp>,
) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    if changes.is_empty() {
        return Err(OpError::NothingToSet { id: id.into() }.into());
    }
    ws.check_at(Some(id), at)?;
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = parse_edit(&deal.path, &text)?;
    for (key, raw) in changes {
        crate::store::dealfile::check_key(key)?;
        if raw.trim().is_empty() {
            if key == "title" {
                return Err(OpError::CannotLoseTitle.into());
            }
            if !edit.remove(key) {
                return Err(OpError::NoKeyToRemove {
                    id: id.into(),
                    key: key.clone(),
                }
                .into());
            }
            continue;
        }
        if key == "lost_reason" {
            ws.check_reason(raw)?;
        }
        edit.set(key, typed_value(key, raw, &ws.calendar)?);
    }
    let new_text = keep_line_endings(&text, edit.to_string());
    if new_text == text {
        return Err(OpError::SameValues { id: id.into() }.into());
    }
    ws.validate(&deal.path, &new_text, &deal.stage, id)?;
    let summary: Vec<String> = changes
        .iter()
        .map(|(k, v)| {
            if v.trim().is_empty() {
                format!("-{k}")
            } else {
                format!("{k}={}", v.trim())
            }
        })
        .collect();
    ws.commit(
        id,
        vec![(deal.path.clone(), Some(new_text))],
        format!("set {id}: {}", summary.join(", ")),
        vec![(DEAL, id.to_string())],
        at,
        Some(deal.path.clone()),
    )
}

/// Replaces the deal's whole file (for `edit`) with `new_text`, when it
/// still holds `original` (the text the editor was given); refuses text
/// that is not a valid deal, with every problem located.
pub fn replace(
    ws: &Workspace,
    id: &str,
    original: &str,
    new_text: &str,
    at: Option<Timestamp>,
) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    ws.check_at(Some(id), at)?;
    if read(&ws.pipeline.root, &deal.path)? != original {
        return Err(OpError::ChangedWhileEditing {
            path: deal.path.clone(),
            id: id.into(),
        }
        .into());
    }
    ws.validate(&deal.path, new_text, &deal.stage, id)?;
    ws.commit(
        id,
        vec![(deal.path.clone(), Some(new_text.to_string()))],
        format!("edit {id}"),
        vec![(DEAL, id.to_string())],
        at,
        Some(deal.path.clone()),
    )
}

/// Problems `new_text` would have as deal `id` in `pipeline` (for `edit`'s
/// re-open loop, which runs without the write lock).
pub fn problems_in(
    pipeline: &Pipeline,
    id: &str,
    new_text: &str,
    today: Date,
) -> Result<Vec<Problem>> {
    let deal = &pipeline.load_deal(id)?;
    Ok(match Deal::parse(&deal.path, new_text) {
        Err(problems) => problems,
        Ok(edited) => {
            let missing = missing_required(pipeline, &edited, &deal.stage);
            let mut problems = Vec::new();
            if !missing.is_empty() {
                problems.push(Problem::file(
                    &deal.path,
                    format!("stage `{}` requires {}", deal.stage, missing.join(", ")),
                ));
            }
            problems.extend(crate::analysis::check::text_problems(
                pipeline, &edited, new_text, today,
            ));
            problems
        }
    })
}

pub fn rename(ws: &Workspace, old: &str, new: &str, at: Option<Timestamp>) -> Result<Outcome> {
    let deal = &ws.deal(old)?;
    if let Some(reason) = ident::invalid_reason(new) {
        return Err(OpError::InvalidId {
            id: new.into(),
            reason: reason.to_string(),
            slug: ident::slug(new),
        }
        .into());
    }
    if ws.pipeline.id_taken(new) {
        return Err(OpError::IdTaken { id: new.into() }.into());
    }
    ws.check_at(Some(old), at)?;
    let text = read(&ws.pipeline.root, &deal.path)?;
    let rel = Path::new(&deal.stage).join(format!("{new}.toml"));
    ws.commit(
        old,
        vec![(rel.clone(), Some(text)), (deal.path.clone(), None)],
        format!("rename {old} -> {new}"),
        vec![(DEAL, new.to_string()), (RENAMED_FROM, old.to_string())],
        at,
        Some(rel),
    )
}

pub fn remove(ws: &Workspace, id: &str, at: Option<Timestamp>) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    ws.check_at(Some(id), at)?;
    ws.commit(
        id,
        vec![(deal.path.clone(), None)],
        format!("rm {id}"),
        vec![(DEAL, id.to_string())],
        at,
        None,
    )
}

/// `funnel init`: the configuration and stage folders, `git init` when the
/// folder is in no repository, one commit through the write path.
pub fn init(dir: &Path, at: Option<Timestamp>, verify: bool, wait: &Wait<'_>) -> Result<Outcome> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if dir.join(config::FILE_NAME).exists() {
        return Err(OpError::AlreadyAPipeline {
            dir: dir.to_path_buf(),
            file: config::FILE_NAME,
        }
        .into());
    }
    let repo = match Repo::open(dir)? {
        Some(repo) => repo,
        None => Repo::init(dir)?,
    };
    let lock = WriteLock::acquire(repo.common_dir(), wait)?;
    write::recover_locked(&repo, &lock)?;
    let config = Config::parse(config::DEFAULT).map_err(Error::Problems)?;
    let mut files = vec![(
        PathBuf::from(config::FILE_NAME),
        Some(config::DEFAULT.to_string()),
    )];
    for stage in config.stage_ids() {
        files.push((Path::new(stage).join(".gitkeep"), Some(String::new())));
    }
    // The JSON Schemas and the taplo configuration, for editors.
    for (path, text) in crate::model::schema::files(&config) {
        files.push((PathBuf::from(path), Some(text)));
    }
    commit_files(&repo, &lock, files, "init pipeline", at, verify)
}

/// One commit of `files` that no deal is the subject of (no trailers).
fn commit_files(
    repo: &Repo,
    lock: &WriteLock,
    files: Vec<(PathBuf, Option<String>)>,
    subject: &str,
    at: Option<Timestamp>,
    verify: bool,
) -> Result<Outcome> {
    let change = Change {
        files,
        subject: subject.to_string(),
        trailers: Vec::new(),
        at,
        verify,
        series: Vec::new(),
    };
    let commit = write::commit(repo, lock, &change)?;
    Ok(Outcome {
        commit,
        subject: change.subject,
        path: None,
    })
}

/// Writes the editor schemas and `.taplo.toml` (`model::schema::files`)
/// as the configuration now asks, in one commit of the files that differ;
/// `None` when all are current.
pub fn write_schemas(ws: &Workspace, at: Option<Timestamp>) -> Result<Option<Outcome>> {
    let files: Vec<(PathBuf, Option<String>)> = stale_schemas(&ws.pipeline)
        .into_iter()
        .map(|(path, text)| (path, Some(text)))
        .collect();
    if files.is_empty() {
        return Ok(None);
    }
    let subject = "schema: editor schemas for funnel.toml as it is";
    commit_files(&ws.repo, &ws.lock, files, subject, at, ws.verify).map(Some)
}

/// The schema files (relative to the root) whose text on disk is not what
/// the configuration gives, with the text it gives.
pub fn stale_schemas(pipeline: &Pipeline) -> Vec<(PathBuf, String)> {
    crate::model::schema::files(&pipeline.config)
        .into_iter()
        .filter(|(path, text)| {
            std::fs::read_to_string(pipeline.root.join(path))
                .ok()
                .as_ref()
                != Some(text)
        })
        .map(|(path, text)| (PathBuf::from(path), text))
        .collect()
}

fn parse_edit(rel: &Path, text: &str) -> Result<DealEdit> {
    DealEdit::parse(text).map_err(|e| {
        OpError::NotToml {
            path: rel.to_path_buf(),
            error: e.to_string(),
        }
        .into()
    })
}

fn read(root: &Path, rel: &Path) -> Result<String> {
    let path = root.join(rel);
    std::fs::read_to_string(&path).map_err(|e| Error::io(path, e))
}

/// `funnel demo`: a new repository in `dir` (empty or missing) holding the
/// example pipeline with the history `demo::plan` makes for it.
pub fn demo(dir: &Path, files: &[(&str, &str)], today: Date) -> Result<()> {
    use crate::ops::demo::{BRANCH, Files, apply, plan};
    if dir
        .read_dir()
        .is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(OpError::DemoFolderNotEmpty {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let plan = plan(files, today)?;
    let repo = Repo::init(dir)?;
    let mut main: (Files, Option<CommitId>) = (Files::new(), None);
    let mut side: Option<(Files, Option<CommitId>)> = None;
    let mut side_paths = std::collections::BTreeSet::new();
    let mut merged = false;
    for commit in &plan.commits {
        if !merged && commit.at >= plan.merge_at {
            merged = merge(&repo, &mut main, &side, &side_paths, plan.merge_at)?;
        }
        let author = (commit.author.0.as_str(), commit.author.1.as_str());
        if commit.side && !merged {
            let (files, tip) = side.get_or_insert_with(|| (main.0.clone(), main.1));
            apply(files, commit);
            side_paths.extend(commit.changes.iter().map(|(p, _)| p.clone()));
            let parents: Vec<CommitId> = tip.iter().copied().collect();
            *tip = Some(repo.commit_files(files, &parents, author, commit.at, &commit.message)?);
        } else {
            apply(&mut main.0, commit);
            let parents: Vec<CommitId> = main.1.into_iter().collect();
            main.1 =
                Some(repo.commit_files(&main.0, &parents, author, commit.at, &commit.message)?);
        }
    }
    if !merged {
        merge(&repo, &mut main, &side, &side_paths, plan.merge_at)?;
    }
    let tip = main.1.ok_or(OpError::EmptyDemoPlan)?;
    repo.check_out_branch("main", tip)?;
    if let Some((_, Some(side_tip))) = side {
        repo.set_branch(BRANCH, side_tip)?;
    }
    Ok(())
}

/// Merges the review branch into main; `false` when there was no branch.
fn merge(
    repo: &Repo,
    main: &mut (crate::ops::demo::Files, Option<CommitId>),
    side: &Option<(crate::ops::demo::Files, Option<CommitId>)>,
    side_paths: &std::collections::BTreeSet<String>,
    at: Timestamp,
) -> Result<bool> {
    let (Some((side_files, Some(side_tip))), Some(main_tip)) = (side, main.1) else {
        return Ok(false);
    };
    for path in side_paths {
        match side_files.get(path) {
            Some(text) => main.0.insert(path.clone(), text.clone()),
            None => main.0.remove(path),
        };
    }
    let message = format!("Merge branch '{}'\n", crate::ops::demo::BRANCH);
    main.1 = Some(repo.commit_files(
        &main.0,
        &[main_tip, *side_tip],
        ("Carol Smith", "carol@northwind.example"),
        at,
        &message,
    )?);
    Ok(true)
}

/// Snoozes a deal until a date with a reason, or (with `None`) ends its
/// snooze. One commit: `snooze ID: until DATE` / `unsnooze ID`.
pub fn snooze(
    ws: &Workspace,
    id: &str,
    until: Option<(&str, &str)>,
    at: Option<Timestamp>,
) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    ws.check_at(Some(id), at)?;
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = parse_edit(&deal.path, &text)?;
    let subject = match until {
        Some((when, reason)) => {
            let date = ws.calendar.date(when, crate::model::dates::Lean::Future)?;
            if date <= ws.calendar.today {
                return Err(OpError::SnoozeNotAhead {
                    date: date.to_string(),
                }
                .into());
            }
            edit.set("snooze_until", date_value(date));
            edit.set("snooze_reason", reason.into());
            format!("snooze {id}: until {date}")
        }
        None => {
            let had = edit.remove("snooze_until") | edit.remove("snooze_reason");
            if !had {
                return Err(OpError::NotSnoozed { id: id.into() }.into());
            }
            format!("unsnooze {id}")
        }
    };
    let new_text = keep_line_endings(&text, edit.to_string());
    ws.validate(&deal.path, &new_text, &deal.stage, id)?;
    ws.commit(
        id,
        vec![(deal.path.clone(), Some(new_text))],
        subject,
        vec![(DEAL, id.to_string())],
        at,
        Some(deal.path.clone()),
    )
}
