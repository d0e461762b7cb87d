//! All terminal output goes through here: data on stdout, messages on
//! stderr, colour by `--color` and `NO_COLOR`, tables in four formats.
//! A closed stdout (`funnel list | head`) ends the program quietly.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use comfy_table::{Cell, CellAlignment, Table};
use funnel::model::money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Tsv,
}

/// Rows of a listing: the same data printed as a table, CSV or TSV (JSON
/// has each command's own documented shape).
pub struct Rows {
    pub columns: Vec<&'static str>,
    /// Columns that hold numbers, right-aligned in tables.
    pub numeric: Vec<usize>,
    /// Columns that hold amounts of money (exact decimal text), shown in
    /// tables the one way money is shown ([`money::shown`]) in `currency`.
    pub money: Vec<usize>,
    pub currency: String,
    /// Headings printed above rows in tables: (row index, heading), in
    /// row order. CSV and TSV carry their rows only.
    pub headings: Vec<(usize, String)>,
    pub rows: Vec<Vec<String>>,
}

impl Rows {
    pub fn new(columns: Vec<&'static str>) -> Rows {
        Rows {
            columns,
            numeric: Vec::new(),
            money: Vec::new(),
            currency: String::new(),
            headings: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Marks `columns` as amounts of money in `currency` (right-aligned).
    pub fn money(mut self, columns: &[usize], currency: &str) -> Rows {
        self.money = columns.to_vec();
        self.numeric.extend_from_slice(columns);
        self.currency = currency.to_string();
        self
    }

    pub fn numeric(mut self, columns: &[usize]) -> Rows {
        self.numeric = columns.to_vec();
        self
    }
}

/// Columns separated by space, one rule under the header: quiet enough to
/// read every morning, and it pastes into a pull request as it is.
const STYLE: comfy_table::TableStyle = comfy_table::TableStyle::new()
    .header_separator(comfy_table::LineStyle::none().fill('─').junction(' '));

pub struct Ui {
    /// Colour in messages on stderr.
    color: bool,
    /// Colour in data on stdout.
    color_out: bool,
    /// The width tables wrap their cells to: `COLUMNS`, else the
    /// terminal's; `None` (never wrap) when stdout is a file or pipe.
    width: Option<u16>,
    stdout: std::io::Stdout,
}

/// The stdout reader went away: stop quietly.
#[derive(Debug)]
pub struct Closed;

impl Ui {
    pub fn new(choice: ColorChoice) -> Ui {
        let auto = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let decide = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => auto && terminal,
        };
        Ui {
            color: decide(std::io::stderr().is_terminal()),
            color_out: decide(std::io::stdout().is_terminal()),
            width: std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<u16>().ok())
                .filter(|w| *w > 0)
                .or_else(|| Table::new().width()),
            stdout: std::io::stdout(),
        }
    }

    /// Writes data to stdout.
    pub fn out(&mut self, text: &str) -> Result<(), Closed> {
        let mut lock = self.stdout.lock();
        match lock.write_all(text.as_bytes()).and_then(|()| lock.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Closed),
            // Any other stdout failure cannot be reported anywhere better.
            _ => Ok(()),
        }
    }

    /// A status message on stderr (what a command did).
    pub fn status(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    /// A progress bar on stderr, only on a terminal; `true` when shown.
    pub fn progress(&self, what: &str, done: usize, total: usize) -> bool {
        let mut err = std::io::stderr();
        if !err.is_terminal() || total == 0 {
            return false;
        }
        let filled = done * 30 / total;
        let _ = write!(
            err,
            "\r{what} [{}{}] {done}/{total} commits",
            "#".repeat(filled),
            " ".repeat(30 - filled)
        );
        let _ = err.flush();
        true
    }

    /// Says, on a terminal, that a command waits for another's write lock.
    pub fn waiting(&self, pid: Option<u32>) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let who = pid.map_or("another funnel command".to_string(), |pid| {
            format!("another funnel command (pid {pid})")
        });
        self.status(&format!("waiting for {who} to finish ..."));
    }

    /// Clears the progress bar's line.
    pub fn progress_done(&self) {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }

    pub fn warning(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{} {text}", self.paint("33", "warning:"));
    }

    pub fn error(&self, text: &str, hint: Option<&str>) {
        let mut err = std::io::stderr();
        let _ = writeln!(err, "{} {text}", self.paint("1;31", "error:"));
        if let Some(hint) = hint {
            let _ = writeln!(err, "{} {hint}", self.paint("36", "hint:"));
        }
    }

    /// An error as one line of JSON on stderr (`--format json`).
    pub fn error_json(&self, error: &serde_json::Value) {
        let _ = writeln!(std::io::stderr(), "{error}");
    }

    /// A problem report (`FILE:LINE:COL: ...`) for stderr, or with
    /// `on_stdout` as data (`check`).
    pub fn problem_text(
        &self,
        problem: &funnel::model::problem::Problem,
        on_stdout: bool,
    ) -> String {
        let text = problem.to_string();
        if !(if on_stdout {
            self.color_out
        } else {
            self.color
        }) {
            return text;
        }
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        let mut out = paint("1", first);
        for line in lines {
            out.push('\n');
            out.push_str(&if line.trim_start().starts_with("hint:") {
                paint("36", line)
            } else if line.trim_start().starts_with('|') && line.contains('^') {
                paint("31", line)
            } else {
                line.to_string()
            });
        }
        out
    }

    /// `text` painted for stdout (data), when colour is on there.
    fn paint_out(&self, code: &str, text: &str) -> String {
        if self.color_out {
            paint(code, text)
        } else {
            text.to_string()
        }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            paint(code, text)
        } else {
            text.to_string()
        }
    }

    /// Prints rows in `format`; `json` is the command's JSON document.
    pub fn rows(
        &mut self,
        format: Format,
        rows: &Rows,
        json: impl FnOnce() -> serde_json::Value,
    ) -> Result<(), Closed> {
        self.rows_with(format, rows, json)
    }

    /// `rows`, with any serializable JSON document, written to stdout as it
    /// is serialized (no `Value` tree or whole text in memory).
    pub fn rows_with<T: serde::Serialize>(
        &mut self,
        format: Format,
        rows: &Rows,
        json: impl FnOnce() -> T,
    ) -> Result<(), Closed> {
        let text = match format {
            Format::Table => self.table(rows),
            Format::Json => return self.json(&json()),
            Format::Csv => delimited(rows, ','),
            Format::Tsv => delimited(rows, '\t'),
        };
        self.out(&text)
    }

    /// Pretty JSON and a newline on stdout, written as it is serialized.
    pub fn json<T: serde::Serialize>(&mut self, value: &T) -> Result<(), Closed> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, self.stdout.lock());
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Closed),
            _ => Ok(()),
        }
    }

    pub fn table(&self, rows: &Rows) -> String {
        let mut table = Table::new();
        table.load_style(STYLE);
        // Wrap cells to the terminal, except under headings: those are
        // placed by line, one line per row (the report's labels fit 100).
        if let Some(width) = self.width.filter(|_| rows.headings.is_empty()) {
            table
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(width);
        }
        if self.color_out {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(rows.columns.iter().map(|c| {
            let cell = Cell::new(c);
            if self.color_out {
                cell.add_attribute(comfy_table::Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &rows.rows {
            table.add_row(row.iter().enumerate().map(|(i, v)| {
                if rows.money.contains(&i) {
                    let text = v
                        .parse::<rust_decimal::Decimal>()
                        .map_or_else(|_| v.clone(), |value| money::shown(value, &rows.currency));
                    Cell::new(text).set_alignment(CellAlignment::Right)
                } else if rows.numeric.contains(&i) {
                    Cell::new(money::grouped(v)).set_alignment(CellAlignment::Right)
                } else {
                    Cell::new(v)
                }
            }));
        }
        for i in &rows.numeric {
            if let Some(column) = table.column_mut(*i) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        // The header and its rule, then one line per row (cells hold no
        // line breaks), each section's heading above its first row.
        let mut headings = rows.headings.iter().peekable();
        let mut text = String::new();
        for (i, line) in table.lines().enumerate() {
            let row = i.checked_sub(2);
            while let Some((_, heading)) = headings.next_if(|(at, _)| Some(*at) == row) {
                if row != Some(0) {
                    text.push('\n');
                }
                text.push_str(&self.paint_out("1", heading));
                text.push('\n');
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        if rows.rows.is_empty() {
            text.push_str("(none)\n");
        }
        text
    }
}

pub fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// CSV (RFC 4180 quoting) or TSV (tabs and line breaks become spaces).
fn delimited(rows: &Rows, sep: char) -> String {
    let field = |v: &str| -> String {
        if sep == '\t' {
            v.replace(['\t', '\n', '\r'], " ")
        } else if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let mut out = String::new();
    let header: Vec<String> = rows.columns.iter().map(|c| field(c)).collect();
    out.push_str(&header.join(&sep.to_string()));
    out.push('\n');
    for row in &rows.rows {
        let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
        out.push_str(&cells.join(&sep.to_string()));
        out.push('\n');
    }
    out
}

fn paint(code: &str, text: &str) -> String {
    format!("\x1b[{code}m{text}\x1b[0m")
}
