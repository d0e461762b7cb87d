//! The mutating operations: each validates everything first, writes its
//! files through a `Transaction`, and makes exactly one commit; when the
//! commit fails the files are put back, so nothing is lost or half-done.

use std::path::{Path, PathBuf};

use git2::Oid;
use jiff::Timestamp;
use jiff::civil::Date;

use crate::check::missing_required;
use crate::config::{self, Config, StageKind};
use crate::dates::Calendar;
use crate::deal::Deal;
use crate::dealfile::{DealEdit, Transaction, date_value, typed_value};
use crate::error::{Error, Result};
use crate::git::{Repo, message};
use crate::ident;
use crate::pipeline::Pipeline;
use crate::problem::{Problem, did_you_mean};

/// A loaded pipeline with its repository, ready to change.
pub struct Workspace {
    pub pipeline: Pipeline,
    pub repo: Repo,
    pub calendar: Calendar,
}

/// What a mutating command did.
#[derive(Debug)]
pub struct Outcome {
    pub commit: Oid,
    /// The commit message's subject.
    pub subject: String,
    /// The deal's file after the change (relative to the pipeline root).
    pub path: Option<PathBuf>,
}

impl Workspace {
    /// Opens the pipeline at `root` for changes: the repository must exist
    /// and be in a state where committing is safe.
    pub fn open(root: &Path, today: Date) -> Result<Workspace> {
        let pipeline = Pipeline::config_only(root)?;
        let repo = Repo::open_required(root)?;
        repo.ensure_writable()?;
        let calendar = calendar(&pipeline.config, today);
        Ok(Workspace {
            pipeline,
            repo,
            calendar,
        })
    }

    /// The deal `id`, read from its own file only.
    pub fn deal(&self, id: &str) -> Result<Deal> {
        self.pipeline.load_deal(id)
    }

    fn config(&self) -> &Config {
        &self.pipeline.config
    }

    /// Commits the files of `tx`, or puts them back when that fails.
    fn commit(
        &self,
        tx: Transaction,
        subject: String,
        trailers: &[(&str, &str)],
        at: Option<Timestamp>,
        path: Option<PathBuf>,
    ) -> Result<Outcome> {
        let result = self.repo.author(at).and_then(|author| {
            self.repo
                .commit(&tx.paths(), &message(&subject, trailers), &author)
        });
        match result {
            Ok(commit) => Ok(Outcome {
                commit,
                subject,
                path,
            }),
            Err(e) => {
                tx.rollback();
                Err(e)
            }
        }
    }

    /// A new transaction that also commits the removal of the deal's old
    /// paths that git still has but the work tree no longer does (a move
    /// or delete done by hand and not yet committed).
    fn transaction(&self, id: &str) -> Result<Transaction> {
        let mut tx = Transaction::new(&self.pipeline.root);
        let stages: Vec<&str> = self.config().stage_ids().collect();
        for path in self.repo.committed_paths(&stages, id)? {
            if !self.pipeline.root.join(&path).exists() {
                tx.touch(&path)?;
            }
        }
        Ok(tx)
    }

    fn stage(&self, id: &str) -> Result<&config::Stage> {
        self.config().stage(id).ok_or_else(|| {
            let hint = match did_you_mean(id, self.config().stage_ids()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the stages are: {}",
                    self.config().stage_ids().collect::<Vec<_>>().join(", ")
                ),
            };
            Error::hinted(format!("no stage `{id}`"), hint)
        })
    }

    fn check_reason(&self, reason: &str) -> Result<()> {
        let reasons = &self.config().lost_reasons;
        if reasons.is_empty() || reasons.iter().any(|r| r == reason) {
            return Ok(());
        }
        Err(Error::hinted(
            format!("`{reason}` is not one of the lost_reasons"),
            format!(
                "use one of: {} (or add it to lost_reasons in funnel.toml)",
                reasons.join(", ")
            ),
        ))
    }

    /// Refuses when `text` (the deal's new contents) is not a valid deal for
    /// `stage`.
    fn validate(&self, rel: &Path, text: &str, stage: &str, id: &str) -> Result<()> {
        let deal = Deal::parse(rel, text).map_err(Error::Problems)?;
        let missing = missing_required(&self.pipeline, &deal, stage);
        if !missing.is_empty() {
            let sets: Vec<String> = missing.iter().map(|k| format!("{k}=...")).collect();
            return Err(Error::hinted(
                format!("stage `{stage}` requires {}", missing.join(", ")),
                format!("give them: funnel set {id} {}", sets.join(" ")),
            ));
        }
        Ok(())
    }

    /// Sets `next_step` and `next_step_due` from the stage's first follow-up.
    fn apply_follow_up(&self, edit: &mut DealEdit, stage: &config::Stage, on: Date) -> Result<()> {
        if let Some(first) = stage.follow_up.iter().min_by_key(|f| f.after_days) {
            let due = on
                .checked_add(jiff::Span::new().days(i64::from(first.after_days)))
                .map_err(|e| Error::data(e.to_string()))?;
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
        return Err(Error::hinted(
            "a deal needs a title",
            "funnel add \"Acme Corp: CRM rollout\"",
        ));
    }
    let stage = match &new.stage {
        Some(s) => ws.stage(s)?,
        None => ws.config().first_stage(),
    };
    let id = match new.id {
        Some(id) => {
            if let Some(reason) = ident::invalid_reason(&id) {
                return Err(Error::hinted(
                    format!("invalid ID `{id}`: {reason}"),
                    format!("try `{}`", ident::slug(&id)),
                ));
            }
            if ws.pipeline.id_taken(&id) {
                return Err(Error::hinted(
                    format!("a deal `{id}` exists already"),
                    "choose another --id",
                ));
            }
            id
        }
        None => ident::unique(&ident::slug(&new.title), |c| ws.pipeline.id_taken(c)),
    };
    let mut edit = DealEdit::new();
    edit.set("title", new.title.trim().into());
    let mut has_next_step = false;
    for (key, raw) in &new.fields {
        if raw.trim().is_empty() {
            continue;
        }
        if key == "lost_reason" {
            ws.check_reason(raw)?;
        }
        has_next_step |= key == "next_step";
        edit.set(
            key,
            typed_value(key, raw, &ws.calendar).map_err(Error::data)?,
        );
    }
    if !has_next_step {
        ws.apply_follow_up(&mut edit, stage, ws.day_of(at))?;
    }
    let rel = Path::new(&stage.id).join(format!("{id}.toml"));
    let text = edit.to_string();
    ws.validate(&rel, &text, &stage.id, &id)?;
    let mut tx = ws.transaction(&id)?;
    tx.write(&rel, &text)?;
    ws.commit(
        tx,
        format!("add {id}: {}", stage.id),
        &[("Funnel-Deal", &id)],
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
        return Err(Error::data(format!("`{id}` is already in `{to}`")));
    }
    let from = ws.stage(&deal.stage)?;
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = DealEdit::parse(&text).map_err(|e| Error::data(e.to_string()))?;
    match reason {
        Some(reason) if target.kind == StageKind::Lost => {
            ws.check_reason(reason)?;
            edit.set("lost_reason", reason.into());
        }
        Some(_) => {
            return Err(Error::data(format!(
                "--reason is for lost stages, and `{to}` is not one"
            )));
        }
        None => {}
    }
    if from.kind == StageKind::Lost && target.kind != StageKind::Lost {
        // A reopened deal is no longer lost; the reason stays in history.
        edit.remove("lost_reason");
    }
    ws.apply_follow_up(&mut edit, target, ws.day_of(at))?;
    let rel = Path::new(&target.id).join(format!("{id}.toml"));
    let new_text = edit.to_string();
    ws.validate(&rel, &new_text, &target.id, id)
        .map_err(|e| match e {
            Error::Data { message, hint }
                if target.kind == StageKind::Lost && message.contains("lost_reason") =>
            {
                Error::Data {
                    message,
                    hint: Some(
                        hint.map_or(String::new(), |h| h + ", or ")
                            + &format!("say why: funnel move {id} {to} --reason REASON"),
                    ),
                }
            }
            other => other,
        })?;
    let mut tx = ws.transaction(id)?;
    tx.write(&rel, &new_text)?;
    tx.remove(&deal.path)?;
    ws.commit(
        tx,
        format!("move {id}: {} -> {}", deal.stage, target.id),
        &[("Funnel-Deal", id)],
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
        return Err(Error::hinted(
            "nothing to set",
            format!("funnel set {id} value=15000 next_step_due=friday"),
        ));
    }
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = DealEdit::parse(&text).map_err(|e| Error::data(e.to_string()))?;
    for (key, raw) in changes {
        if raw.trim().is_empty() {
            if key == "title" {
                return Err(Error::data("a deal cannot lose its title"));
            }
            if !edit.remove(key) {
                return Err(Error::data(format!("`{id}` has no `{key}` to remove")));
            }
            continue;
        }
        if key == "lost_reason" {
            ws.check_reason(raw)?;
        }
        edit.set(
            key,
            typed_value(key, raw, &ws.calendar).map_err(Error::data)?,
        );
    }
    let new_text = edit.to_string();
    if new_text == text {
        return Err(Error::data(format!(
            "`{id}` already has those values: nothing to commit"
        )));
    }
    ws.validate(&deal.path, &new_text, &deal.stage, id)?;
    let mut tx = ws.transaction(id)?;
    tx.write(&deal.path, &new_text)?;
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
        tx,
        format!("set {id}: {}", summary.join(", ")),
        &[("Funnel-Deal", id)],
        at,
        Some(deal.path.clone()),
    )
}

/// Replaces the deal's whole file (for `edit`); refuses text that is not a
/// valid deal, with every problem located.
pub fn replace(ws: &Workspace, id: &str, new_text: &str, at: Option<Timestamp>) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    ws.validate(&deal.path, new_text, &deal.stage, id)?;
    let mut tx = ws.transaction(id)?;
    tx.write(&deal.path, new_text)?;
    ws.commit(
        tx,
        format!("edit {id}"),
        &[("Funnel-Deal", id)],
        at,
        Some(deal.path.clone()),
    )
}

/// Problems `new_text` would have as deal `id` (for `edit`'s re-open loop).
pub fn problems_in(ws: &Workspace, id: &str, new_text: &str) -> Result<Vec<Problem>> {
    let deal = &ws.deal(id)?;
    Ok(match Deal::parse(&deal.path, new_text) {
        Err(problems) => problems,
        Ok(edited) => {
            let missing = missing_required(&ws.pipeline, &edited, &deal.stage);
            let mut problems = Vec::new();
            if !missing.is_empty() {
                problems.push(Problem::file(
                    &deal.path,
                    format!("stage `{}` requires {}", deal.stage, missing.join(", ")),
                ));
            }
            problems.extend(
                crate::check::deal_problems(&ws.pipeline, &edited)
                    .into_iter()
                    .filter(|p| !p.message.starts_with("missing ")),
            );
            problems
        }
    })
}

pub fn rename(ws: &Workspace, old: &str, new: &str, at: Option<Timestamp>) -> Result<Outcome> {
    let deal = &ws.deal(old)?;
    if let Some(reason) = ident::invalid_reason(new) {
        return Err(Error::hinted(
            format!("invalid ID `{new}`: {reason}"),
            format!("try `{}`", ident::slug(new)),
        ));
    }
    if ws.pipeline.id_taken(new) {
        return Err(Error::data(format!("a deal `{new}` exists already")));
    }
    let text = read(&ws.pipeline.root, &deal.path)?;
    let rel = Path::new(&deal.stage).join(format!("{new}.toml"));
    let mut tx = ws.transaction(old)?;
    tx.write(&rel, &text)?;
    tx.remove(&deal.path)?;
    ws.commit(
        tx,
        format!("rename {old} -> {new}"),
        &[("Funnel-Deal", new), ("Funnel-Renamed-From", old)],
        at,
        Some(rel),
    )
}

pub fn remove(ws: &Workspace, id: &str, at: Option<Timestamp>) -> Result<Outcome> {
    let deal = &ws.deal(id)?;
    let mut tx = ws.transaction(id)?;
    tx.remove(&deal.path)?;
    ws.commit(tx, format!("rm {id}"), &[("Funnel-Deal", id)], at, None)
}

/// `funnel init`: the configuration and stage folders, `git init` when the
/// folder is in no repository, one commit.
pub fn init(dir: &Path, at: Option<Timestamp>) -> Result<Outcome> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    if dir.join(config::FILE_NAME).exists() {
        return Err(Error::hinted(
            format!("{} already holds a {}", dir.display(), config::FILE_NAME),
            "funnel init starts a new pipeline; this one is ready to use",
        ));
    }
    let repo = match Repo::open(dir)? {
        Some(repo) => repo,
        None => Repo::init(dir)?,
    };
    repo.ensure_writable()?;
    let author = repo.author(at)?;
    let config = Config::parse(config::DEFAULT).map_err(Error::Problems)?;
    let mut tx = Transaction::new(dir);
    tx.write(Path::new(config::FILE_NAME), config::DEFAULT)?;
    for stage in config.stage_ids() {
        tx.write(&Path::new(stage).join(".gitkeep"), "")?;
    }
    match repo.commit(&tx.paths(), &message("init pipeline", &[]), &author) {
        Ok(commit) => Ok(Outcome {
            commit,
            subject: "init pipeline".into(),
            path: None,
        }),
        Err(e) => {
            tx.rollback();
            Err(e)
        }
    }
}

fn read(root: &Path, rel: &Path) -> Result<String> {
    let path = root.join(rel);
    std::fs::read_to_string(&path).map_err(|e| Error::io(path, e))
}

/// `funnel demo`: a new repository in `dir` (empty or missing) holding the
/// example pipeline with the history `demo::plan` makes for it.
pub fn demo(dir: &Path, files: &[(&str, &str)], today: Date) -> Result<()> {
    use crate::demo::{BRANCH, Files, apply, plan};
    if dir
        .read_dir()
        .is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(Error::hinted(
            format!("{} is not empty", dir.display()),
            "give `funnel demo` a new folder, or none for a temporary one",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let plan = plan(files, today)?;
    let repo = Repo::init(dir)?;
    let mut main: (Files, Option<Oid>) = (Files::new(), None);
    let mut side: Option<(Files, Oid)> = None;
    let mut side_paths = std::collections::BTreeSet::new();
    let mut merged = false;
    for commit in &plan.commits {
        if !merged && commit.at >= plan.merge_at {
            merged = merge(&repo, &mut main, &side, &side_paths, plan.merge_at)?;
        }
        let author = (commit.author.0.as_str(), commit.author.1.as_str());
        if commit.side && !merged {
            let (files, tip) =
                side.get_or_insert_with(|| (main.0.clone(), main.1.unwrap_or(Oid::ZERO_SHA1)));
            apply(files, commit);
            side_paths.extend(commit.changes.iter().map(|(p, _)| p.clone()));
            *tip = repo.commit_files(files, &[*tip], author, commit.at, &commit.message)?;
        } else {
            apply(&mut main.0, commit);
            let parents: Vec<Oid> = main.1.into_iter().collect();
            main.1 =
                Some(repo.commit_files(&main.0, &parents, author, commit.at, &commit.message)?);
        }
    }
    if !merged {
        merge(&repo, &mut main, &side, &side_paths, plan.merge_at)?;
    }
    let tip = main
        .1
        .ok_or_else(|| Error::data("the demo plan is empty"))?;
    repo.check_out_branch("main", tip)?;
    if let Some((_, side_tip)) = side {
        repo.set_branch(BRANCH, side_tip)?;
    }
    Ok(())
}

/// Merges the review branch into main; `false` when there was no branch.
fn merge(
    repo: &Repo,
    main: &mut (crate::demo::Files, Option<Oid>),
    side: &Option<(crate::demo::Files, Oid)>,
    side_paths: &std::collections::BTreeSet<String>,
    at: Timestamp,
) -> Result<bool> {
    let (Some((side_files, side_tip)), Some(main_tip)) = (side, main.1) else {
        return Ok(false);
    };
    for path in side_paths {
        match side_files.get(path) {
            Some(text) => main.0.insert(path.clone(), text.clone()),
            None => main.0.remove(path),
        };
    }
    let message = format!("Merge branch '{}'\n", crate::demo::BRANCH);
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
    let text = read(&ws.pipeline.root, &deal.path)?;
    let mut edit = DealEdit::parse(&text).map_err(|e| Error::data(e.to_string()))?;
    let subject = match until {
        Some((when, reason)) => {
            let date = ws
                .calendar
                .date(when, crate::dates::Lean::Future)
                .map_err(Error::data)?;
            if date <= ws.calendar.today {
                return Err(Error::hinted(
                    format!("{date} is not in the future"),
                    "snooze until a later date: +2w, eom, 2027-01-15",
                ));
            }
            edit.set("snooze_until", date_value(date));
            edit.set("snooze_reason", reason.into());
            format!("snooze {id}: until {date}")
        }
        None => {
            let had = edit.remove("snooze_until") | edit.remove("snooze_reason");
            if !had {
                return Err(Error::data(format!("`{id}` is not snoozed")));
            }
            format!("unsnooze {id}")
        }
    };
    let new_text = edit.to_string();
    ws.validate(&deal.path, &new_text, &deal.stage, id)?;
    let mut tx = ws.transaction(id)?;
    tx.write(&deal.path, &new_text)?;
    ws.commit(
        tx,
        subject,
        &[("Funnel-Deal", id)],
        at,
        Some(deal.path.clone()),
    )
}
