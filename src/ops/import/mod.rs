//! `funnel import`: deals from a CRM's CSV export, with their real
//! creation, stage-entry and close dates as backdated commits, so that
//! cycle length, time in stage, conversion and velocity are true from the
//! first day (every figure comes from commits, SPEC 4).
//!
//! # Decisions
//!
//! - **One write.** The whole import is one call of the write path
//!   (`store::write::commit`): its commits but the last are built first as
//!   a series in the object database (`git fast-import` through the user's
//!   git, one pack, nothing reachable), then the last is committed on top
//!   of them as any command's commit is (journal, index lock, files, hooks,
//!   compare-and-swap of the branch from the old tip). Killed at any point,
//!   the import leaves the old state (an unreachable pack that `git gc`
//!   drops) or the whole import; running it again imports what is missing.
//!   The pre-commit hook runs once, on the final tree.
//! - **Commits.** `--batch event` (the default): one commit per event, the
//!   deal's `add ID: STAGE` at its creation and a `move ID: A -> B` at each
//!   stage entry, dated when it happened. `--batch day`: one commit per day
//!   holding that day's events (a deal created and moved on one day then
//!   shows as created in the later stage).
//! - **Dates.** A date alone is midnight in the pipeline's time zone, for
//!   the field and for the commit: engaged on the 1st, won on the 31st is a
//!   30-day cycle. Each column's format is detected from all its values
//!   (ISO, `M/D/YYYY`, `D/M/YYYY`, `D.M.YYYY`, each with or without a time);
//!   a column that reads both ways needs `--date-format`.
//! - **History.** A deal is created when the source says (`created`), else
//!   at its first dated stage entry, in the first stage its history names;
//!   then it moves at each later entry. A deal with no date at all (an open
//!   lead) is created at the export's time (`--at`, default now). A won or
//!   lost deal without a close date is an unusable row.
//! - **Identity.** Each deal records `import_id = "SYSTEM:ID"` (the preset's
//!   name, `csv` without one). Running the same file again changes
//!   nothing. A newer export adds new deals, a move for each stage entry
//!   dated after the deal's last one in funnel (or, for a deal the source
//!   dates nothing of, a move at the export's time when its stage
//!   differs), and a `set` at the export's time for changed values of the
//!   mapped columns (the source wins for them).
//! - **Bad rows.** Every unusable cell is one problem with its line and
//!   column; one such row and nothing is imported, unless `--skip-bad`,
//!   which imports the rest and lists what it left out. Values that `check`
//!   would flag in the result (a stage's `require`d field the export does
//!   not have, a `lost_reason` not in `lost_reasons`) are imported as the
//!   source has them and named as warnings.

mod columns;
mod parse;
mod rows;
mod table;

pub use columns::{Preset, Target};
pub use parse::DateFormat;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;
use toml_edit::Value;

use self::rows::{Entry, Reading, SourceDeal, Stages};
use self::table::Table;
use super::{SKEW, Workspace};
use crate::analysis::check::{missing_required, text_problems};
use crate::error::{Error, Result};
use crate::git::CommitId;
use crate::git::series::SeriesCommit;
use crate::git::trailers::{DEAL, IMPORT, message};
use crate::model::config::StageKind;
use crate::model::deal::{Deal, KNOWN_FIELDS};
use crate::model::ident;
use crate::model::problem::Problem;
use crate::store::dealfile::{DealEdit, keep_line_endings, typed_value};
use crate::store::pipeline::Pipeline;
use crate::store::write::{self, Change};

/// How many commits an import makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Batch {
    /// One per event (a deal created, a stage entered).
    #[default]
    Event,
    /// One per day.
    Day,
}

/// What to import and how to read it.
#[derive(Debug, Default)]
pub struct Options {
    pub preset: Option<Preset>,
    /// `COLUMN=FIELD`, on top of the preset's.
    pub maps: Vec<(String, String)>,
    /// `SOURCE STAGE=STAGE`.
    pub stage_map: Vec<(String, String)>,
    /// `SOURCE NAME=OWNER`.
    pub owner_map: Vec<(String, String)>,
    /// `KEY=VALUE` for deals whose row has none.
    pub defaults: Vec<(String, String)>,
    pub date_format: Option<DateFormat>,
    /// A long-form stage history of the same deals.
    pub history: Option<PathBuf>,
    pub batch: Batch,
    /// When the export was taken (default now).
    pub at: Option<Timestamp>,
}

/// One change of the import.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// `add`, `move` or `set`.
    pub kind: &'static str,
    pub id: String,
    pub import_id: String,
    /// The source's line that names the deal.
    pub line: usize,
    #[serde(serialize_with = "crate::model::json::serialize_instant")]
    pub at: jiff::ZonedDateTime,
    pub from: Option<String>,
    pub stage: String,
    /// For `set`: the keys that change.
    pub keys: Vec<String>,
}

/// What an import would do, worked out before anything is written.
#[derive(Debug, Serialize)]
pub struct Plan {
    /// The rows that cannot be imported.
    pub skipped: Vec<Problem>,
    /// Problems `check` will report in the imported files.
    pub warnings: Vec<Problem>,
    /// What the import leaves out of usable rows (blank accounts).
    pub notes: Vec<String>,
    /// In commit order.
    pub actions: Vec<Action>,
    /// Deals of this source per stage once imported, in stage order.
    pub stages: Vec<(String, usize)>,
    pub created: usize,
    /// Stage entries of the new deals after their creation.
    pub entries: usize,
    pub moved: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Commits it makes.
    pub commits: usize,
    #[serde(skip)]
    events: Vec<Event>,
    #[serde(skip)]
    batch: Batch,
}

#[derive(Debug, Clone)]
struct Event {
    at: Timestamp,
    subject: String,
    trailers: Vec<(&'static str, String)>,
    files: Vec<(PathBuf, Option<String>)>,
}

/// Reads `file` (and `--history`) and works out every change, writing
/// nothing.
pub fn plan(ws: &Workspace, file: &Path, options: &Options) -> Result<Plan> {
    let config = &ws.pipeline.config;
    let stages = Stages::new(config, &options.stage_map, options.preset)?;
    let reading = Reading {
        calendar: &ws.calendar,
        stages: &stages,
        owners: &options.owner_map,
        date_format: options.date_format,
        latest: ws.now + SKEW,
    };
    let funnel_export = options.preset == Some(Preset::Funnel);
    let mut table = Table::read(file)?;
    if funnel_export {
        table.unneutralise();
    }
    let mut columns = columns::resolve(&table, options.preset, &options.maps)?;
    if funnel_export && options.history.is_some() {
        // The stage log dates the first entry to the second; the deals
        // table's `created_at` is the `created` day when the file has one.
        columns.retain(|(_, t)| *t != Target::Created);
    }
    let (mut deals, mut skipped) = rows::deals(&table, &columns, &reading)?;
    if let Some(path) = &options.history {
        let mut history = Table::read(path)?;
        if funnel_export {
            history.unneutralise();
        }
        let columns = columns::resolve(&history, Some(Preset::History), &[])?;
        for needed in [Target::Stage, Target::At] {
            if !columns.iter().any(|(_, t)| *t == needed) {
                return Err(Error::hinted(
                    format!(
                        "{}: a history needs a deal, a stage and a date column",
                        path.display()
                    ),
                    "name them deal, stage, at (or OpportunityId, StageName, CreatedDate)",
                ));
            }
        }
        let (entries, problems) = rows::deals(&history, &columns, &reading)?;
        skipped.extend(problems);
        let index: HashMap<String, usize> = deals
            .iter()
            .enumerate()
            .map(|(i, d)| (d.source_id.clone(), i))
            .collect();
        for extra in entries {
            match index.get(&extra.source_id) {
                Some(&i) => {
                    let deal = &mut deals[i];
                    deal.entries.extend(extra.entries);
                    deal.entries.sort_by_key(|e| e.at);
                }
                None => skipped.push(history.problem_at(
                    extra.line,
                    None,
                    format!(
                        "deal `{}` is not in {}",
                        extra.source_id,
                        table.file.display()
                    ),
                )),
            }
        }
    }
    for deal in &mut deals {
        for (key, raw) in &options.defaults {
            if !deal.fields.iter().any(|(k, _)| k == key) {
                let value = typed_value(key, raw, &ws.calendar)
                    .map_err(|e| Error::hinted(format!("--default {key}={raw}: {e}"), e.hint()))?;
                deal.fields.push((key.clone(), value));
            }
        }
    }
    let mut notes = Vec::new();
    let account_mapped = columns
        .iter()
        .any(|(_, t)| *t == Target::Field("account".into()));
    let blank: Vec<String> = deals
        .iter()
        .filter(|d| account_mapped && !d.fields.iter().any(|(k, _)| k == "account"))
        .map(|d| d.line.to_string())
        .collect();
    if !blank.is_empty() {
        let shown = blank.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        let more = if blank.len() > 5 { " ..." } else { "" };
        notes.push(format!(
            "{} deal(s) have no account (lines {shown}{more}): imported without one; `funnel list account:` lists them",
            blank.len()
        ));
    }
    let system = options.preset.map_or("csv", Preset::system);
    let pipeline = Pipeline::load(&ws.pipeline.root)?;
    let mut planner = Planner {
        ws,
        pipeline: &pipeline,
        export_at: options.at.unwrap_or(ws.now),
        keeps_ids: options.preset.is_some_and(Preset::keeps_ids),
        taken: HashSet::new(),
        events: Vec::new(),
        actions: Vec::new(),
        warnings: Vec::new(),
        finals: HashMap::new(),
        counts: [0; 4],
        entries: 0,
        history: None,
    };
    let existing: HashMap<&str, &Deal> = pipeline
        .deals
        .iter()
        .filter_map(|d| d.text("import_id").map(|i| (i, d)))
        .collect();
    for deal in &deals {
        let import_id = format!("{system}:{}", deal.source_id);
        let Some(stage) = deal
            .stage
            .clone()
            .or_else(|| deal.entries.last().map(|e| e.stage.clone()))
        else {
            skipped.push(table.problem_at(
                deal.line,
                None,
                "no stage: map the column that has it (--map COLUMN=stage)".into(),
            ));
            continue;
        };
        match existing.get(import_id.as_str()) {
            Some(found) => planner.update(found, deal, &import_id, &stage)?,
            None => planner.create(deal, &import_id, &stage)?,
        }
    }
    // Commit order: by date, a deal's own events in their order.
    let mut order: Vec<usize> = (0..planner.events.len()).collect();
    order.sort_by_key(|&i| (planner.events[i].at, i));
    let events: Vec<Event> = order.iter().map(|&i| planner.events[i].clone()).collect();
    let actions: Vec<Action> = order.iter().map(|&i| planner.actions[i].clone()).collect();
    let mut per_stage: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    for stage in planner.finals.values() {
        let rank = config
            .stage_ids()
            .position(|s| s == stage)
            .unwrap_or(usize::MAX);
        per_stage.entry(rank).or_insert((stage.clone(), 0)).1 += 1;
    }
    let commits = batches(&events, options.batch, ws).len();
    let [created, moved, updated, unchanged] = planner.counts;
    Ok(Plan {
        skipped,
        warnings: planner.warnings,
        notes,
        actions,
        stages: per_stage.into_values().collect(),
        created,
        entries: planner.entries,
        moved,
        updated,
        unchanged,
        commits,
        events,
        batch: options.batch,
    })
}

/// Writes `plan` through the one write path; `None` when it changes
/// nothing.
pub fn apply(ws: &Workspace, plan: &Plan) -> Result<Option<CommitId>> {
    let mut commits = batches(&plan.events, plan.batch, ws);
    let Some(last) = commits.pop() else {
        return Ok(None);
    };
    let mut files: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    for event in &plan.events {
        for (path, content) in &event.files {
            files.insert(path.clone(), content.clone());
        }
    }
    let series = commits
        .into_iter()
        .map(|c| SeriesCommit {
            message: message(
                &c.subject,
                &c.trailers
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            ),
            files: c.files,
            at: c.at,
        })
        .collect();
    let change = Change {
        files: files.into_iter().collect(),
        subject: last.subject,
        trailers: last.trailers,
        at: Some(last.at),
        verify: ws.verify,
        series,
    };
    write::commit(&ws.repo, &ws.lock, &change).map(Some)
}

/// The events as commits: one each, or one per day (in the pipeline's
/// zone) holding that day's files.
fn batches(events: &[Event], batch: Batch, ws: &Workspace) -> Vec<Event> {
    if batch == Batch::Event {
        return events.to_vec();
    }
    let tz = ws.calendar.timezone.clone();
    let mut days: Vec<(jiff::civil::Date, Event, usize)> = Vec::new();
    for event in events {
        let day = event.at.to_zoned_datetime(tz.clone()).date();
        match days.last_mut() {
            Some((d, merged, n)) if *d == day => {
                for (path, content) in &event.files {
                    merged.files.retain(|(p, _)| p != path);
                    merged.files.push((path.clone(), content.clone()));
                }
                merged.at = event.at;
                *n += 1;
            }
            _ => days.push((day, event.clone(), 1)),
        }
    }
    days.into_iter()
        .map(|(day, mut event, n)| {
            if n > 1 {
                event.subject = format!("import {day}: {n} changes");
                event.trailers.clear();
            }
            event
        })
        .collect()
}

struct Planner<'a> {
    ws: &'a Workspace,
    pipeline: &'a Pipeline,
    export_at: Timestamp,
    keeps_ids: bool,
    /// IDs given to new deals so far.
    taken: HashSet<String>,
    events: Vec<Event>,
    actions: Vec<Action>,
    warnings: Vec<Problem>,
    /// Each imported deal's stage once imported.
    finals: HashMap<String, String>,
    /// created, moved, updated, unchanged.
    counts: [usize; 4],
    entries: usize,
    history: Option<crate::git::history::History>,
}

impl Planner<'_> {
    fn create(&mut self, deal: &SourceDeal, import_id: &str, stage: &str) -> Result<()> {
        let mut entries = collapse(&deal.entries);
        if entries.last().is_none_or(|e| e.stage != stage) {
            let at = entries
                .last()
                .map_or(self.export_at, |e| e.at.max(self.export_at));
            entries.push(Entry {
                at,
                stage: stage.to_string(),
                fields: Vec::new(),
            });
        }
        let created = match deal.created {
            Some(c) => c.min(entries[0].at),
            None => entries[0].at,
        };
        // Created before it closed, with nothing dated between: it was open
        // in the first stage (else its cycle would be nought).
        let config = &self.pipeline.config;
        if created < entries[0].at
            && config
                .stage(&entries[0].stage)
                .is_some_and(|s| s.kind != StageKind::Open)
        {
            entries.insert(
                0,
                Entry {
                    at: created,
                    stage: config.first_stage().id.clone(),
                    fields: Vec::new(),
                },
            );
        }
        let title = title_of(deal);
        let id = self.new_id(deal, &title);
        let mut fields = deal.fields.clone();
        overlay(&mut fields, &entries[0].fields);
        let text = |fields: &[(String, Value)]| {
            let mut edit = DealEdit::new();
            edit.set("title", title.as_str().into());
            // Known keys in SPEC 3's order, then custom ones as the columns are.
            let rank = |key: &str| {
                KNOWN_FIELDS
                    .iter()
                    .position(|(k, _)| *k == key)
                    .unwrap_or(usize::MAX)
            };
            let mut fields = fields.to_vec();
            fields.sort_by_key(|(key, _)| rank(key));
            for (key, value) in &fields {
                edit.set(key, value.clone());
            }
            edit.set("import_id", import_id.into());
            edit.to_string()
        };
        let last = entries.len() - 1;
        let mut path = Path::new(&entries[0].stage).join(format!("{id}.toml"));
        if last == 0 {
            overlay(&mut fields, &deal.fields);
        }
        self.push(
            Event {
                at: created,
                subject: format!("add {id}: {}", entries[0].stage),
                trailers: trailers(&id, import_id),
                files: vec![(path.clone(), Some(text(&fields)))],
            },
            action(
                "add",
                &id,
                import_id,
                deal,
                self.zoned(created),
                None,
                &entries[0].stage,
            ),
        );
        for (n, pair) in entries.windows(2).enumerate() {
            let (from, to) = (&pair[0], &pair[1]);
            overlay(&mut fields, &to.fields);
            if n + 1 == last {
                overlay(&mut fields, &deal.fields);
            }
            let new_path = Path::new(&to.stage).join(format!("{id}.toml"));
            self.push(
                Event {
                    at: to.at,
                    subject: format!("move {id}: {} -> {}", from.stage, to.stage),
                    trailers: trailers(&id, import_id),
                    files: vec![(new_path.clone(), Some(text(&fields))), (path, None)],
                },
                action(
                    "move",
                    &id,
                    import_id,
                    deal,
                    self.zoned(to.at),
                    Some(&from.stage),
                    &to.stage,
                ),
            );
            self.entries += 1;
            path = new_path;
        }
        self.counts[0] += 1;
        self.check(&path, &text(&fields), &id);
        self.finals.insert(import_id.to_string(), stage.to_string());
        Ok(())
    }

    fn update(
        &mut self,
        found: &Deal,
        deal: &SourceDeal,
        import_id: &str,
        stage: &str,
    ) -> Result<()> {
        let id = found.id.clone();
        let rel = found.path.clone();
        let full = self.pipeline.root.join(&rel);
        let old = std::fs::read_to_string(&full).map_err(|e| Error::io(&full, e))?;
        let mut edit =
            DealEdit::parse(&old).map_err(|e| Error::data(format!("{}: {e}", rel.display())))?;
        let mut keys = Vec::new();
        let mut fields = deal.fields.clone();
        if let Some(title) = &deal.title {
            fields.insert(0, ("title".into(), title.as_str().into()));
        }
        for (key, value) in &fields {
            let same = found
                .get(key)
                .is_some_and(|v| v.to_string() == value.to_string().trim());
            if !same {
                keys.push(key.clone());
                edit.set(key, value.clone());
            }
        }
        let text = keep_line_endings(&old, edit.to_string());
        let last_entry = self.last_entry(&id)?;
        let entries = collapse(&deal.entries);
        let mut moves: Vec<(Timestamp, String)> = entries
            .iter()
            .filter(|e| last_entry.is_none_or(|t| e.at > t))
            .map(|e| (e.at, e.stage.clone()))
            .collect();
        if entries.is_empty() && stage != found.stage {
            moves.push((self.export_at, stage.to_string()));
        }
        let mut current = found.stage.clone();
        let mut path = rel.clone();
        let mut first = true;
        for (at, to) in moves {
            if to == current {
                continue;
            }
            let new_path = Path::new(&to).join(format!("{id}.toml"));
            self.push(
                Event {
                    at,
                    subject: format!("move {id}: {current} -> {to}"),
                    trailers: trailers(&id, import_id),
                    files: vec![(new_path.clone(), Some(text.clone())), (path.clone(), None)],
                },
                action(
                    "move",
                    &id,
                    import_id,
                    deal,
                    self.zoned(at),
                    Some(&current),
                    &to,
                ),
            );
            if first {
                self.counts[1] += 1;
                first = false;
            }
            current = to;
            path = new_path;
        }
        if first && !keys.is_empty() {
            self.push(
                Event {
                    at: self.export_at,
                    subject: format!("set {id}: {}", keys.join(", ")),
                    trailers: trailers(&id, import_id),
                    files: vec![(rel, Some(text.clone()))],
                },
                Action {
                    keys: keys.clone(),
                    ..action(
                        "set",
                        &id,
                        import_id,
                        deal,
                        self.zoned(self.export_at),
                        None,
                        &current,
                    )
                },
            );
            self.counts[2] += 1;
        } else if first {
            self.counts[3] += 1;
        }
        if !first || !keys.is_empty() {
            self.check(&path, &text, &id);
        }
        self.finals.insert(import_id.to_string(), current);
        Ok(())
    }

    /// When the deal last entered a stage, by funnel's history.
    fn last_entry(&mut self, id: &str) -> Result<Option<Timestamp>> {
        if self.history.is_none() {
            let stages: Vec<&str> = self.pipeline.config.stage_ids().collect();
            self.history = Some(crate::git::history::load(&self.ws.repo, &stages)?);
        }
        Ok(self
            .history
            .as_ref()
            .and_then(|h| h.deals.get(id))
            .and_then(|t| t.entries.last())
            .map(|e| e.at))
    }

    fn new_id(&mut self, deal: &SourceDeal, title: &str) -> String {
        let pipeline = self.pipeline;
        let taken = |c: &str| self.taken.contains(c) || pipeline.id_taken(c);
        let id = if self.keeps_ids
            && ident::invalid_reason(&deal.source_id).is_none()
            && !taken(&deal.source_id)
        {
            deal.source_id.clone()
        } else {
            ident::unique(&ident::slug(title), taken)
        };
        self.taken.insert(id.clone());
        id
    }

    fn zoned(&self, at: Timestamp) -> jiff::ZonedDateTime {
        at.to_zoned_datetime(self.ws.calendar.timezone.clone())
    }

    fn push(&mut self, event: Event, action: Action) {
        self.events.push(event);
        self.actions.push(action);
    }

    /// What `check` will say of the imported file, as warnings.
    fn check(&mut self, rel: &Path, text: &str, id: &str) {
        let Ok(parsed) = Deal::parse(rel, text) else {
            return;
        };
        let stage = rel
            .parent()
            .map(|s| s.display().to_string())
            .unwrap_or_default();
        let missing = missing_required(self.pipeline, &parsed, &stage);
        if !missing.is_empty() {
            self.warnings.push(Problem::file(
                rel,
                format!(
                    "{id}: missing {} required in stage `{stage}`",
                    missing.join(", ")
                ),
            ));
        }
        self.warnings.extend(text_problems(
            self.pipeline,
            &parsed,
            text,
            self.ws.calendar.today,
        ));
    }
}

fn trailers(id: &str, import_id: &str) -> Vec<(&'static str, String)> {
    vec![(DEAL, id.to_string()), (IMPORT, import_id.to_string())]
}

fn action(
    kind: &'static str,
    id: &str,
    import_id: &str,
    deal: &SourceDeal,
    at: jiff::ZonedDateTime,
    from: Option<&str>,
    stage: &str,
) -> Action {
    Action {
        kind,
        id: id.to_string(),
        import_id: import_id.to_string(),
        line: deal.line,
        at,
        from: from.map(str::to_string),
        stage: stage.to_string(),
        keys: Vec::new(),
    }
}

/// Entries without repeats: a stage entered again right after itself
/// (two columns dating one entry) counts once, at its first date.
fn collapse(entries: &[Entry]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for entry in entries {
        match out.last_mut() {
            Some(last) if last.stage == entry.stage => overlay(&mut last.fields, &entry.fields),
            _ => out.push(entry.clone()),
        }
    }
    out
}

fn overlay(fields: &mut Vec<(String, Value)>, with: &[(String, Value)]) {
    for (key, value) in with {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.clone(),
            None => fields.push((key.clone(), value.clone())),
        }
    }
}

/// The deal's title: its title column, else `ACCOUNT: PRODUCT` (or the one
/// of them it has), else its source id.
fn title_of(deal: &SourceDeal) -> String {
    if let Some(title) = &deal.title {
        return title.clone();
    }
    let text = |key: &str| {
        deal.fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    };
    match (text("account"), text("product")) {
        (Some(a), Some(p)) => format!("{a}: {p}"),
        (Some(one), None) | (None, Some(one)) => format!("{one} ({})", deal.source_id),
        (None, None) => deal.source_id.clone(),
    }
}
