//! `funnel export`: the deals, the stage-change log and the field-change
//! log as CSV, TSV, JSON or an Excel workbook (`workbook.rs`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use funnel::analysis::export::{Export, FieldCell};
use funnel::analysis::metrics::Window;
use funnel::error::Error;
use funnel::model::config::Config;
use funnel::model::money::amount;
use serde::Serialize;

use super::file::write_whole;
use super::report::WindowArgs;
use super::ui::delimited;
use super::{CmdResult, Env, FilterArgs};

/// Export the deals and their full history as an Excel workbook, CSV, TSV or JSON
///
/// Three tables: deals (one row each: id, stage, every field, custom ones
/// included, flattened as qualification.need; converted_value and
/// weighted_value in the pipeline's currency, effective_probability, and
/// from the history created_at, entered_stage_at, closed_at, cycle_days and
/// days_in_stage, as `funnel report` defines them), the stage log (every
/// stage change: deal, from, to, at, days_in_from, by, commit; `from` is
/// empty for the stage a deal was created in) and the field changes
/// (every value and expected_close change: deal, field, from, to, pushed,
/// at, by, commit). Filters pick the deals, as `funnel list` takes them;
/// --since/--until/--period/--last keep only the log entries in that
/// window (without them the logs are whole) and set the Report sheet's
/// window (the last 90 days by default).
///
/// The format comes from --format, else from the -o file's extension
/// (.xlsx, .csv, .tsv, .json); without both, CSV on stdout. A workbook
/// needs -o FILE.xlsx; it holds the sheets Deals, Stage log, Field
/// changes, Report (the lines of `report --format csv` for the window,
/// each figure a number in its unit's format, and the won value by month)
/// and Board, with
/// typed cells (money in the pipeline's currency format, dates as dates,
/// percents), a frozen, filtered header row and two charts (won value by
/// month, open pipeline by stage); --what deals|stages|fields writes only
/// that data sheet. CSV and TSV hold one table, --what deals by default;
/// --what all needs -o DIR and writes DIR/deals.csv, DIR/stage-log.csv and
/// DIR/field-changes.csv (or .tsv). Every file is written to a temporary
/// file beside it and renamed into place, so a failure never leaves half a
/// file; the export is not committed.
///
/// CSV follows RFC 4180 (UTF-8, lines ending in LF); --bom starts it with
/// a byte-order mark, so that Excel reads UTF-8. Dates are
/// `YYYY-MM-DD HH:MM:SS` in the pipeline's time zone. Against formula
/// injection, a text cell that starts with =, +, -, @, a tab, CR or LF
/// (also after leading spaces) gets a leading ' (numbers never do); in the
/// workbook every text is a string cell, never a formula.
///
/// JSON: {"currency", "today", "window": {"since", "until"} or null,
/// "deals": [DEAL], "stage_log": [{"deal", "from", "to", "at",
/// "days_in_from", "by", "commit"}], "field_changes": [{"deal", "date",
/// "at", "by", "commit", "field", "from", "to", "pushed"}]}; DEAL is the
/// deal object of `funnel list --format json` plus "created_at",
/// "entered_stage_at", "closed_at" (ISO 8601 instants with offset, null
/// while open), "cycle_days" (null while open) and "days_in_stage"
/// (decimal strings); the three lists are there as --what asks (all by
/// default), oldest first.
///
/// --as-of DATE exports the pipeline as it stood at the end of DATE (see
/// `funnel board --help`): the deals of then and their logs up to then.
///
/// Examples: `funnel export -o pipeline.xlsx`,
/// `funnel export owner:alice --since 2026-10-01 -o alice.xlsx`,
/// `funnel export --what stages --bom > stages.csv`,
/// `funnel export --what all --format csv -o exports/`,
/// `funnel export --format json | jq '.stage_log | length'`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Output format (default: from the -o file's extension, else csv)
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// Write to FILE (a folder for CSV or TSV with --what all) instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The tables to write (default: deals for CSV and TSV, all otherwise)
    #[arg(long, value_enum)]
    pub what: Option<What>,
    /// Start CSV and TSV with a UTF-8 byte-order mark (for Excel)
    #[arg(long)]
    pub bom: bool,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Xlsx,
    Csv,
    Tsv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    Deals,
    Stages,
    Fields,
    All,
}

impl What {
    pub fn deals(self) -> bool {
        matches!(self, What::Deals | What::All)
    }

    pub fn stages(self) -> bool {
        matches!(self, What::Stages | What::All)
    }

    pub fn fields(self) -> bool {
        matches!(self, What::Fields | What::All)
    }
}

pub fn run(env: &mut Env, args: ExportArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    let format = format_of(&args)?;
    let what = args.what.unwrap_or(match format {
        ExportFormat::Csv | ExportFormat::Tsv => What::Deals,
        ExportFormat::Xlsx | ExportFormat::Json => What::All,
    });
    check_target(&args, format, what)?;
    let mut snapshot = env.snapshot(funnel::model::deal::Keys::All)?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    snapshot.retain(&filter);
    if let Some(why) = &snapshot.history.partial {
        env.ui.warning(&format!(
            "the history is partial ({why}): the logs hold the commits present"
        ));
    }
    let config = &snapshot.pipeline.config;
    let (window, now) = super::report::window(env, &args.window)?;
    let today = env.today(config)?;
    let logs_window = args.window.given().then_some(window);
    let values = |blobs: &[funnel::git::BlobId]| snapshot.version_values(blobs);
    let records = funnel::analysis::facts::records(
        &snapshot.pipeline,
        &snapshot.history,
        now,
        &values,
        false,
    );
    let export = funnel::analysis::export::export(
        &snapshot.pipeline,
        &snapshot.history,
        &records,
        &|blobs| snapshot.all_version_values(blobs),
        logs_window.as_ref(),
        now,
    );
    let bom = if args.bom { "\u{feff}" } else { "" };
    match format {
        ExportFormat::Xlsx => {
            let path = args.output.as_deref().ok_or_else(no_workbook_file)?;
            let report = funnel::analysis::metrics::report(config, &records, &window, now);
            let board = funnel::analysis::board::board(&snapshot.pipeline, today);
            let book = super::workbook::Workbook {
                config,
                export: &export,
                report: &report,
                board: &board,
                what,
            };
            let bytes = book.bytes().map_err(|e| {
                Error::data(format!("cannot make the workbook {}: {e}", path.display()))
            })?;
            write_whole(path, &bytes, "pipeline.xlsx")?;
            env.ui.status(&format!(
                "wrote {} ({} deals, {} stage changes, {} field changes)",
                path.display(),
                export.deals.len(),
                export.stage_log.len(),
                export.field_changes.len()
            ));
        }
        ExportFormat::Json => {
            let doc = json(config, today, logs_window.as_ref(), &export, what);
            match &args.output {
                None => env.ui.json(&doc)?,
                Some(path) => {
                    let mut text = serde_json::to_vec_pretty(&doc)
                        .map_err(|e| Error::data(format!("cannot write JSON: {e}")))?;
                    text.push(b'\n');
                    write_whole(path, &text, "pipeline.json")?;
                    env.ui.status(&format!("wrote {}", path.display()));
                }
            }
        }
        ExportFormat::Csv | ExportFormat::Tsv => {
            let (sep, ext) = if format == ExportFormat::Csv {
                (b',', "csv")
            } else {
                (b'\t', "tsv")
            };
            let tables = tables(&export, what);
            match &args.output {
                None => {
                    let (_, table) = &tables[0];
                    env.ui.out(&format!("{bom}{}", table.text(sep)))?;
                }
                Some(path) if what == What::All => {
                    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
                    for (name, table) in &tables {
                        let file = path.join(format!("{name}.{ext}"));
                        write_whole(&file, format!("{bom}{}", table.text(sep)).as_bytes(), name)?;
                        env.ui.status(&format!("wrote {}", file.display()));
                    }
                }
                Some(path) => {
                    let (_, table) = &tables[0];
                    write_whole(
                        path,
                        format!("{bom}{}", table.text(sep)).as_bytes(),
                        "deals.csv",
                    )?;
                    env.ui.status(&format!("wrote {}", path.display()));
                }
            }
        }
    }
    std::mem::forget((export, records));
    snapshot.leave();
    Ok(())
}

/// The format `--format` names, else the one of the `-o` file's extension.
fn format_of(args: &ExportArgs) -> Result<ExportFormat, Error> {
    if let Some(format) = args.format {
        return Ok(format);
    }
    let Some(path) = &args.output else {
        return Ok(ExportFormat::Csv);
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("xlsx") => Ok(ExportFormat::Xlsx),
        Some("csv") => Ok(ExportFormat::Csv),
        Some("tsv") => Ok(ExportFormat::Tsv),
        Some("json") => Ok(ExportFormat::Json),
        _ => Err(Error::hinted(
            format!("cannot tell the format of {}", path.display()),
            "give --format xlsx, csv, tsv or json, or a file name ending in .xlsx, .csv, .tsv or .json",
        )),
    }
}

/// Refuses, before any work, the combinations that have no one sensible
/// result.
fn check_target(args: &ExportArgs, format: ExportFormat, what: What) -> Result<(), Error> {
    let delimited = matches!(format, ExportFormat::Csv | ExportFormat::Tsv);
    if args.bom && !delimited {
        return Err(Error::hinted(
            "--bom is for CSV and TSV",
            "a workbook and JSON are read as UTF-8 without it: drop --bom",
        ));
    }
    match (format, &args.output) {
        (ExportFormat::Xlsx, None) => Err(no_workbook_file()),
        (_, None) if delimited && what == What::All => Err(Error::hinted(
            "CSV and TSV hold one table; --what all writes three",
            "give -o DIR to write DIR/deals.csv, DIR/stage-log.csv and DIR/field-changes.csv, or pick one table with --what deals, stages or fields",
        )),
        (_, Some(path)) if delimited && what == What::All && path.extension().is_some() => {
            Err(Error::hinted(
                format!(
                    "--what all writes three tables, so -o names a folder, not the file {}",
                    path.display()
                ),
                "give a folder such as -o exports/, or pick one table with --what deals, stages or fields",
            ))
        }
        _ => Ok(()),
    }
}

fn no_workbook_file() -> Error {
    Error::hinted(
        "a workbook is written to a file, not to the terminal",
        "give -o FILE.xlsx, such as `funnel export -o pipeline.xlsx`",
    )
}

/// One table for CSV and TSV.
pub struct Table {
    pub columns: Vec<String>,
    /// Columns that hold numbers funnel wrote (never neutralised).
    pub numeric: Vec<usize>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn text(&self, sep: u8) -> String {
        let columns: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        delimited(&columns, &self.numeric, &self.rows, sep)
    }
}

/// An instant as CSV writes it: in the pipeline's zone, to the second.
fn instant(at: &jiff::ZonedDateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

fn decimal(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

/// Days with one decimal, as funnel shows them everywhere.
fn days(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| funnel::model::money::fixed(d, 1))
        .unwrap_or_default()
}

/// The columns of the deals table after the fields.
pub const DEAL_FACTS: &[&str] = &[
    "converted_value",
    "weighted_value",
    "effective_probability",
    "created_at",
    "entered_stage_at",
    "closed_at",
    "cycle_days",
    "days_in_stage",
];

pub const STAGE_LOG: &[&str] = &["deal", "from", "to", "at", "days_in_from", "by", "commit"];

pub const FIELD_CHANGES: &[&str] = &[
    "deal", "field", "from", "to", "pushed", "at", "by", "commit",
];

/// The tables `what` asks for, with their file names.
fn tables(export: &Export<'_>, what: What) -> Vec<(&'static str, Table)> {
    let mut out = Vec::new();
    if what.deals() {
        let mut columns = vec!["id".to_string(), "stage".to_string()];
        columns.extend(export.columns.iter().cloned());
        let first = columns.len();
        columns.extend(DEAL_FACTS.iter().map(|c| c.to_string()));
        let rows = export
            .deals
            .iter()
            .map(|row| {
                let mut cells = vec![row.deal.id.clone(), row.deal.stage.clone()];
                cells.extend(
                    row.cells
                        .iter()
                        .map(|c| c.as_ref().map(FieldCell::text).unwrap_or_default()),
                );
                let dates = &row.dates;
                cells.extend([
                    row.converted_value.map(amount).unwrap_or_default(),
                    row.weighted_value.map(amount).unwrap_or_default(),
                    decimal(Some(row.probability)),
                    instant(&dates.created_at),
                    instant(&dates.entered_stage_at),
                    dates.closed_at.as_ref().map(instant).unwrap_or_default(),
                    days(dates.cycle_days),
                    days(Some(dates.days_in_stage)),
                ]);
                cells
            })
            .collect();
        // converted_value .. effective_probability, cycle_days, days_in_stage
        let numeric = vec![first, first + 1, first + 2, first + 6, first + 7];
        out.push((
            "deals",
            Table {
                columns,
                numeric,
                rows,
            },
        ));
    }
    if what.stages() {
        let rows = export
            .stage_log
            .iter()
            .map(|c| {
                vec![
                    c.deal.clone(),
                    c.from.clone().unwrap_or_default(),
                    c.to.clone(),
                    instant(&c.at),
                    days(c.days_in_from),
                    c.by.clone(),
                    c.commit.clone(),
                ]
            })
            .collect();
        out.push((
            "stage-log",
            Table {
                columns: STAGE_LOG.iter().map(|c| c.to_string()).collect(),
                numeric: vec![4],
                rows,
            },
        ));
    }
    if what.fields() {
        let rows = export
            .field_changes
            .iter()
            .map(|row| {
                let c = &row.change;
                vec![
                    row.deal.clone(),
                    c.field.clone(),
                    c.from.clone().unwrap_or_default(),
                    c.to.clone().unwrap_or_default(),
                    c.pushed.to_string(),
                    instant(&c.at),
                    c.by.clone(),
                    c.commit.clone(),
                ]
            })
            .collect();
        out.push((
            "field-changes",
            Table {
                columns: FIELD_CHANGES.iter().map(|c| c.to_string()).collect(),
                numeric: Vec::new(),
                rows,
            },
        ));
    }
    out
}

#[derive(Serialize)]
struct ExportJson<'a> {
    currency: &'a str,
    #[serde(serialize_with = "funnel::model::json::serialize_display")]
    today: jiff::civil::Date,
    window: Option<WindowJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deals: Option<Vec<funnel::analysis::export::DealRowJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage_log: Option<&'a [funnel::analysis::export::StageChange]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field_changes: Option<&'a [funnel::analysis::export::FieldChangeRow]>,
}

#[derive(Serialize)]
struct WindowJson {
    since: String,
    until: String,
}

fn json<'a>(
    config: &'a Config,
    today: jiff::civil::Date,
    window: Option<&Window>,
    export: &'a Export<'a>,
    what: What,
) -> ExportJson<'a> {
    let show = |at: jiff::Timestamp| {
        funnel::model::json::iso(&at.to_zoned_datetime(config.timezone.clone()))
    };
    ExportJson {
        currency: &config.currency,
        today,
        window: window.map(|w| WindowJson {
            since: show(w.since),
            until: show(w.until),
        }),
        deals: what
            .deals()
            .then(|| export.deals.iter().map(|row| row.json(config)).collect()),
        stage_log: what.stages().then_some(export.stage_log.as_slice()),
        field_changes: what.fields().then_some(export.field_changes.as_slice()),
    }
}
