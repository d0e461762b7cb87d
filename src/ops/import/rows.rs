//! From rows to the deals the source describes: every cell read by its
//! column's meaning, every unusable cell one located problem, rows of one
//! deal (a long-form history, `--history`) gathered by its source id.

use std::collections::HashMap;

use jiff::Timestamp;
use toml_edit::Value;

use super::columns::{Preset, Target};
use super::parse::{self, DateFormat, FormatError, Stamp};
use super::table::{Row, Table, normal};
use crate::error::{Error, Result};
use crate::model::config::{Config, StageKind};
use crate::model::dates::Calendar;
use crate::model::deal::{FieldType, field_type};
use crate::model::problem::{Problem, did_you_mean};
use crate::store::dealfile::{date_value, money_value, typed_value};

/// A stage entry the source dates, with the values the deal had then
/// (a long-form history's row may carry its amount and close date).
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: Timestamp,
    pub stage: String,
    pub fields: Vec<(String, Value)>,
}

/// One deal as the source has it.
#[derive(Debug, Clone)]
pub struct SourceDeal {
    /// The first line of the source that names it.
    pub line: usize,
    pub source_id: String,
    pub title: Option<String>,
    /// The pipeline stage it is in now.
    pub stage: Option<String>,
    pub created: Option<Timestamp>,
    /// Oldest first.
    pub entries: Vec<Entry>,
    /// Its values now, in column order.
    pub fields: Vec<(String, Value)>,
}

/// How source stage names become pipeline stages: `--stage-map`, then the
/// preset's names for the default stages, then the pipeline's own IDs.
pub struct Stages<'a> {
    config: &'a Config,
    map: Vec<(String, String)>,
}

impl<'a> Stages<'a> {
    pub fn new(
        config: &'a Config,
        user: &[(String, String)],
        preset: Option<Preset>,
    ) -> Result<Stages<'a>> {
        let mut map = Vec::new();
        for (from, to) in user {
            if config.stage(to.trim()).is_none() {
                return Err(Error::hinted(
                    format!("--stage-map {from}={to}: the pipeline has no stage `{to}`"),
                    format!(
                        "its stages: {}",
                        config.stage_ids().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            map.push((normal(from), to.trim().to_string()));
        }
        for (from, to) in preset.map_or(&[][..], |p| p.stages()) {
            if config.stage(to).is_some() {
                map.push((normal(from), (*to).to_string()));
            }
        }
        Ok(Stages { config, map })
    }

    /// The pipeline stage a source stage name is; the error names the
    /// closest known name.
    pub fn resolve(&self, raw: &str) -> std::result::Result<String, (String, String)> {
        let want = normal(raw);
        if let Some((_, to)) = self.map.iter().find(|(from, _)| *from == want) {
            return Ok(to.clone());
        }
        if let Some(id) = self.config.stage_ids().find(|id| normal(id) == want) {
            return Ok(id.to_string());
        }
        let known: Vec<&str> = self
            .map
            .iter()
            .map(|(from, _)| from.as_str())
            .chain(self.config.stage_ids())
            .collect();
        let close = did_you_mean(&want, known.iter().copied());
        let hint = match close {
            Some(c) => format!(
                "did you mean `{c}`? Otherwise say which stage it is: --stage-map '{raw}=STAGE' (stages: {})",
                self.config.stage_ids().collect::<Vec<_>>().join(", ")
            ),
            None => format!(
                "say which stage it is: --stage-map '{raw}=STAGE' (stages: {})",
                self.config.stage_ids().collect::<Vec<_>>().join(", ")
            ),
        };
        Err((format!("stage `{raw}` is not known"), hint))
    }

    fn kind(&self, stage: &str) -> Option<StageKind> {
        self.config.stage(stage).map(|s| s.kind)
    }

    fn first_of(&self, kind: StageKind) -> Option<String> {
        self.config
            .stage_ids()
            .find(|id| self.kind(id) == Some(kind))
            .map(str::to_string)
    }
}

/// What the rows are read with.
pub struct Reading<'a> {
    pub calendar: &'a Calendar,
    pub stages: &'a Stages<'a>,
    pub owners: &'a [(String, String)],
    pub date_format: Option<DateFormat>,
    /// Later than this (the clock plus skew) is refused.
    pub latest: Timestamp,
}

/// The deals in `table`, and a problem for every unusable cell or row.
pub fn deals(
    table: &Table,
    columns: &[(usize, Target)],
    reading: &Reading<'_>,
) -> Result<(Vec<SourceDeal>, Vec<Problem>)> {
    let Some(id_col) = columns
        .iter()
        .find(|(_, t)| *t == Target::Id)
        .map(|(c, _)| *c)
    else {
        return Err(Error::hinted(
            format!("{}: no column holds the deals' ids", table.file.display()),
            format!(
                "name it: --map COLUMN=id (its columns: {})",
                table.headers.join(", ")
            ),
        ));
    };
    let formats = date_formats(table, columns, reading.date_format)?;
    let commas = comma_columns(table, columns);
    let entered = entered_stages(table, columns, reading.stages)?;
    let long_form = columns.iter().any(|(_, t)| *t == Target::At);
    let mut problems = Vec::new();
    let mut deals: Vec<SourceDeal> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let id = row.cell(id_col).to_string();
        if id.is_empty() {
            problems.push(table.problem(
                row,
                Some(id_col),
                "no id: a deal needs its id in the source system".into(),
            ));
            continue;
        }
        let read = RowReader {
            table,
            row,
            reading,
            formats: &formats,
            commas: &commas,
            problems: Vec::new(),
        };
        let (deal, mut row_problems) = read.deal(id.clone(), columns, &entered, long_form);
        if !row_problems.is_empty() {
            problems.append(&mut row_problems);
            // The row is unusable: its deal is left out as a whole.
            if let Some(&i) = index.get(&id) {
                deals[i].line = usize::MAX;
            } else {
                index.insert(id, deals.len());
                deals.push(SourceDeal {
                    line: usize::MAX,
                    ..deal
                });
            }
            continue;
        }
        match index.get(&id) {
            Some(&i) if long_form => merge(&mut deals[i], deal),
            Some(&i) => {
                let first = deals[i].line;
                let shown = if first == usize::MAX {
                    "another line".to_string()
                } else {
                    format!("line {first}")
                };
                problems.push(
                    table
                        .problem(row, Some(id_col), format!("id `{id}` is on {shown} too"))
                        .with_hint("each deal once: remove the duplicate row, or keep it out with --skip-bad"),
                );
                deals[i].line = usize::MAX;
            }
            None => {
                index.insert(id, deals.len());
                deals.push(deal);
            }
        }
    }
    deals.retain(|d| d.line != usize::MAX);
    Ok((deals, problems))
}

/// A later row of a long-form history: its entry, and its values as the
/// deal's latest.
fn merge(into: &mut SourceDeal, row: SourceDeal) {
    into.entries.extend(row.entries);
    into.entries.sort_by_key(|e| e.at);
    if row.title.is_some() {
        into.title = row.title;
    }
    for (key, value) in row.fields {
        into.fields.retain(|(k, _)| *k != key);
        into.fields.push((key, value));
    }
    into.created = match (into.created, row.created) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if into.entries.last().is_some() {
        into.stage = into.entries.last().map(|e| e.stage.clone());
    }
}

struct RowReader<'a> {
    table: &'a Table,
    row: &'a Row,
    reading: &'a Reading<'a>,
    formats: &'a HashMap<usize, DateFormat>,
    commas: &'a HashMap<usize, bool>,
    problems: Vec<Problem>,
}

impl RowReader<'_> {
    fn fail(&mut self, col: usize, message: String, hint: Option<String>) {
        let mut problem = self.table.problem(self.row, Some(col), message);
        problem.hint = hint;
        self.problems.push(problem);
    }

    /// The date in `col`; one of the past (an event) unless `ahead`.
    fn stamp(&mut self, col: usize) -> Option<Stamp> {
        self.date(col, false)
    }

    fn date(&mut self, col: usize, ahead: bool) -> Option<Stamp> {
        let raw = self.row.cell(col);
        if raw.is_empty() {
            return None;
        }
        let format = self.formats.get(&col).copied().unwrap_or(DateFormat::Iso);
        match parse::instant(raw, format, self.reading.calendar) {
            Ok(stamp) if !ahead && stamp.at > self.reading.latest => {
                self.future(col);
                None
            }
            Ok(stamp) => Some(stamp),
            Err(why) => {
                self.fail(col, why, None);
                None
            }
        }
    }

    fn future(&mut self, col: usize) {
        let raw = self.row.cell(col).to_string();
        self.fail(
            col,
            format!("`{raw}` is in the future, and this column dates what happened"),
            Some("check the export's dates (and --date-format)".into()),
        );
    }

    fn yes(&mut self, col: usize) -> Option<bool> {
        match self.row.cell(col).to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "1" | "yes" | "y" => Some(true),
            "false" | "0" | "no" | "n" => Some(false),
            other => {
                let other = other.to_string();
                self.fail(col, format!("`{other}` is not true or false"), None);
                None
            }
        }
    }

    fn field(&mut self, col: usize, key: &str) -> Option<Value> {
        let raw = self.row.cell(col);
        if raw.is_empty() {
            return None;
        }
        let raw = if key == "owner" {
            self.reading
                .owners
                .iter()
                .find(|(from, _)| normal(from) == normal(raw))
                .map_or(raw, |(_, to)| to.as_str())
        } else {
            raw
        };
        let result = match field_type(key) {
            Some(FieldType::Money) | Some(FieldType::Percent) => {
                parse::amount(raw, self.commas.get(&col).copied().unwrap_or(false)).and_then(
                    |amount| {
                        typed_value(key, &amount.to_string(), self.reading.calendar)
                            .map(|_| money_value(amount))
                            .map_err(|e| e.to_string())
                    },
                )
            }
            Some(FieldType::Date) => {
                return self.date(col, true).map(|s| date_value(s.date));
            }
            _ => typed_value(key, raw, self.reading.calendar).map_err(|e| e.to_string()),
        };
        match result {
            Ok(value) => Some(value),
            Err(why) => {
                self.fail(col, why, None);
                None
            }
        }
    }

    fn stage(&mut self, col: usize, raw: &str) -> Option<String> {
        match self.reading.stages.resolve(raw) {
            Ok(stage) => Some(stage),
            Err((message, hint)) => {
                self.fail(col, message, Some(hint));
                None
            }
        }
    }

    fn deal(
        mut self,
        source_id: String,
        columns: &[(usize, Target)],
        entered: &HashMap<usize, String>,
        long_form: bool,
    ) -> (SourceDeal, Vec<Problem>) {
        let mut deal = SourceDeal {
            line: self.row.line,
            source_id,
            title: None,
            stage: None,
            created: None,
            entries: Vec::new(),
            fields: Vec::new(),
        };
        let (mut outcome, mut is_won, mut is_closed) = (None, None, None);
        let (mut close, mut current, mut won_at, mut lost_at, mut at) =
            (None, None, None, None, None);
        let mut stage_col = None;
        for (col, target) in columns {
            let col = *col;
            let raw = self.row.cell(col).to_string();
            match target {
                Target::Id | Target::Ignore => {}
                Target::Title => deal.title = (!raw.is_empty()).then_some(raw),
                Target::Stage if !raw.is_empty() => {
                    stage_col = Some(col);
                    deal.stage = self.stage(col, &raw);
                }
                Target::Stage => {}
                Target::Status => match raw.to_ascii_lowercase().as_str() {
                    "" | "open" => {}
                    "won" => outcome = Some(StageKind::Won),
                    "lost" => outcome = Some(StageKind::Lost),
                    other => {
                        let other = other.to_string();
                        self.fail(
                            col,
                            format!("status `{other}` is not open, won or lost"),
                            Some(
                                "a deleted deal is not imported: keep it out with --skip-bad"
                                    .into(),
                            ),
                        )
                    }
                },
                Target::IsWon => is_won = self.yes(col),
                Target::IsClosed => is_closed = self.yes(col),
                Target::Created => deal.created = self.stamp(col).map(|s| s.at),
                Target::CloseDate => close = self.date(col, true).map(|s| (s, col)),
                Target::Entered(_) => {
                    if let (Some(stamp), Some(stage)) = (self.stamp(col), entered.get(&col)) {
                        deal.entries.push(Entry {
                            at: stamp.at,
                            stage: stage.clone(),
                            fields: Vec::new(),
                        });
                    }
                }
                Target::EnteredCurrent => current = self.stamp(col).map(|s| s.at),
                Target::WonAt => won_at = self.stamp(col).map(|s| s.at),
                Target::LostAt => lost_at = self.stamp(col).map(|s| s.at),
                Target::At => at = self.stamp(col).map(|s| (s.at, col)),
                Target::Field(key) => {
                    if let Some(value) = self.field(col, key) {
                        deal.fields.push((key.clone(), value));
                    }
                }
            }
        }
        if is_closed == Some(true) {
            outcome = Some(if is_won == Some(true) {
                StageKind::Won
            } else {
                StageKind::Lost
            });
        }
        let stages = self.reading.stages;
        if let Some(kind) = outcome
            && deal.stage.as_deref().and_then(|s| stages.kind(s)) != Some(kind)
        {
            // The stage column names where the deal was when it closed
            // (Pipedrive): entered at its last stage change, else created.
            if let (Some(named), Some(at)) = (deal.stage.take(), current.take().or(deal.created)) {
                deal.entries.push(Entry {
                    at,
                    stage: named,
                    fields: Vec::new(),
                });
            }
            deal.stage = stages.first_of(kind);
        }
        let kind = deal.stage.as_deref().and_then(|s| stages.kind(s));
        let closed = matches!(kind, Some(StageKind::Won | StageKind::Lost));
        if let Some((stamp, col)) = close {
            if closed && stamp.at > self.reading.latest {
                self.future(col);
            } else if closed {
                current = current.or(Some(stamp.at));
            } else {
                deal.fields
                    .push(("expected_close".into(), date_value(stamp.date)));
            }
        }
        match kind {
            Some(StageKind::Won) => current = won_at.or(current),
            Some(StageKind::Lost) => current = lost_at.or(current),
            _ => {}
        }
        if long_form {
            match (at, &deal.stage) {
                (Some((at, _)), Some(stage)) => deal.entries.push(Entry {
                    at,
                    stage: stage.clone(),
                    fields: deal.fields.clone(),
                }),
                (None, _) => {
                    let col = columns
                        .iter()
                        .find(|(_, t)| *t == Target::At)
                        .map(|(c, _)| *c);
                    if let Some(col) = col
                        && self.row.cell(col).is_empty()
                    {
                        self.fail(
                            col,
                            "no date: a history row says when the deal entered its stage".into(),
                            None,
                        );
                    }
                }
                (_, None) => {
                    if stage_col.is_none() && self.problems.is_empty() {
                        let col = columns
                            .iter()
                            .find(|(_, t)| *t == Target::Stage)
                            .map_or(0, |(c, _)| *c);
                        self.fail(
                            col,
                            "no stage: a history row names the stage entered".into(),
                            None,
                        );
                    }
                }
            }
        } else if let (Some(at), Some(stage)) = (current, &deal.stage) {
            // A column that dates this very entry (HubSpot's `Date entered`)
            // is more precise than a close date, which is often a day.
            if deal.entries.iter().any(|e| e.stage == *stage) {
                deal.entries.sort_by_key(|e| e.at);
                return (deal, self.problems);
            }
            deal.entries.push(Entry {
                at,
                stage: stage.clone(),
                fields: Vec::new(),
            });
        } else if closed && current.is_none() && self.problems.is_empty() {
            let col = close.map(|(_, c)| c).or(stage_col).unwrap_or(0);
            let stage = deal.stage.clone().unwrap_or_default();
            self.fail(
                col,
                format!("no date for when the deal was closed (it is in `{stage}`)"),
                Some("a won or lost deal needs its close date: fill the cell, map the column that has it (--map COLUMN=close_date), or keep the row out with --skip-bad".into()),
            );
        }
        deal.entries.sort_by_key(|e| e.at);
        (deal, self.problems)
    }
}

/// Each date column's format: detected from its values, or the one
/// `--date-format` gives. A column that could be read two ways is refused.
fn date_formats(
    table: &Table,
    columns: &[(usize, Target)],
    given: Option<DateFormat>,
) -> Result<HashMap<usize, DateFormat>> {
    let mut formats = HashMap::new();
    for (col, target) in columns {
        let is_date = match target {
            Target::Created
            | Target::CloseDate
            | Target::Entered(_)
            | Target::EnteredCurrent
            | Target::WonAt
            | Target::LostAt
            | Target::At => true,
            Target::Field(key) => field_type(key) == Some(FieldType::Date),
            _ => false,
        };
        if !is_date {
            continue;
        }
        let values: Vec<&str> = table.rows.iter().map(|r| r.cell(*col)).collect();
        let header = &table.headers[*col];
        let format = match (parse::detect(&values), given) {
            (Ok(Some(DateFormat::Iso)), _) => DateFormat::Iso,
            (_, Some(given)) => given,
            (Ok(Some(found)), None) => found,
            (Ok(None), None) => continue,
            (Err(FormatError::Ambiguous { example }), None) => {
                return Err(Error::hinted(
                    format!(
                        "{}: column `{header}`: every date in it reads month first and day first (`{example}`)",
                        table.file.display()
                    ),
                    "say which: --date-format M/D/YYYY (US) or --date-format D/M/YYYY",
                ));
            }
            (
                Err(FormatError::Mixed {
                    month_first,
                    day_first,
                }),
                None,
            ) => {
                return Err(Error::hinted(
                    format!(
                        "{}: column `{header}` mixes month-first dates (`{month_first}`) and day-first ones (`{day_first}`)",
                        table.file.display()
                    ),
                    "fix the column in the export, or say which with --date-format and keep the others out with --skip-bad",
                ));
            }
        };
        formats.insert(*col, format);
    }
    Ok(formats)
}

/// The amount columns whose decimals follow a comma.
fn comma_columns(table: &Table, columns: &[(usize, Target)]) -> HashMap<usize, bool> {
    columns
        .iter()
        .filter(|(_, t)| {
            matches!(t, Target::Field(k) if matches!(field_type(k), Some(FieldType::Money | FieldType::Percent)))
        })
        .map(|(col, _)| {
            let values: Vec<&str> = table.rows.iter().map(|r| r.cell(*col)).collect();
            (*col, parse::decimal_comma(&values))
        })
        .collect()
}

/// The pipeline stage of each `entered:STAGE` column that holds dates.
fn entered_stages(
    table: &Table,
    columns: &[(usize, Target)],
    stages: &Stages<'_>,
) -> Result<HashMap<usize, String>> {
    let mut found = HashMap::new();
    for (col, target) in columns {
        let Target::Entered(name) = target else {
            continue;
        };
        if table.rows.iter().all(|r| r.cell(*col).is_empty()) {
            continue;
        }
        match stages.resolve(name) {
            Ok(stage) => {
                found.insert(*col, stage);
            }
            Err((message, hint)) => {
                return Err(Error::hinted(
                    format!(
                        "{}: column `{}`: {message}",
                        table.file.display(),
                        table.headers[*col]
                    ),
                    hint,
                ));
            }
        }
    }
    Ok(found)
}
