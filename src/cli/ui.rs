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
        self.out_parts(&[text])
    }

    /// Writes data to stdout, one part after another.
    fn out_parts<T: AsRef<str>>(&mut self, parts: &[T]) -> Result<(), Closed> {
        let mut lock = self.stdout.lock();
        let written = (parts.iter()).try_for_each(|part| lock.write_all(part.as_ref().as_bytes()));
        match written.and_then(|()| lock.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Closed),
            // Any other stdout failure cannot be reported anywhere better.
            _ => Ok(()),
        }
    }

    /// A status message on stderr (what a command did); control
    /// characters in it (from a deal's title, say) are shown escaped.
    pub fn status(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{}", printable(text));
    }

    /// A problem report on stderr (see [`Ui::problem_text`]).
    pub fn problem(&self, problem: &funnel::model::problem::Problem) {
        let _ = writeln!(std::io::stderr(), "{}", self.problem_text(problem, false));
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
        let text = printable(text);
        let _ = writeln!(std::io::stderr(), "{} {text}", self.paint("33", "warning:"));
    }

    pub fn error(&self, text: &str, hint: Option<&str>) {
        let mut err = std::io::stderr();
        let text = printable(text);
        let _ = writeln!(err, "{} {text}", self.paint("1;31", "error:"));
        if let Some(hint) = hint.map(printable) {
            let _ = writeln!(err, "{} {hint}", self.paint("36", "hint:"));
        }
    }

    /// An error as one line of JSON on stderr (`--format json`).
    pub fn error_json(&self, error: &serde_json::Value) {
        let _ = writeln!(std::io::stderr(), "{error}");
    }

    /// A problem report (`FILE:LINE:COL: ...`) for stderr, or with
    /// `on_stdout` as data (`check`); control characters of the file's
    /// line shown escaped, before funnel's own colours are added.
    pub fn problem_text(
        &self,
        problem: &funnel::model::problem::Problem,
        on_stdout: bool,
    ) -> String {
        let text = printable(&problem.to_string()).into_owned();
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
            // Written part by part (a table of 50,000 rows is megabytes).
            Format::Table => return self.out_parts(&self.table_parts(rows)),
            Format::Json => return self.json(&json()),
            Format::Csv | Format::Tsv => {
                let sep = if format == Format::Csv { b',' } else { b'\t' };
                let text = delimited(&rows.columns, &rows.numeric, &rows.rows, sep);
                // Data for a file or a pipe stays exact; on a terminal its
                // control characters are shown escaped.
                if std::io::stdout().is_terminal() {
                    printable(&text).into_owned()
                } else {
                    text
                }
            }
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
        self.table_parts(rows).concat()
    }

    /// [`Ui::table`] in parts (the header, each part's rows, or "(none)").
    fn table_parts(&self, rows: &Rows) -> Vec<String> {
        if let Some(width) = self.wraps(rows) {
            // Wrapped: its widths depend on every cell, as comfy-table
            // weighs them.
            let mut text = String::new();
            for line in self.part(rows, &rows.rows, Some(width)).lines() {
                text.push_str(line.trim_end());
                text.push('\n');
            }
            if rows.rows.is_empty() {
                text.push_str("(none)\n");
            }
            return vec![text];
        }
        let columns = rows.columns.len();
        let parts = cells_of(rows, &rows.rows, true, |row, cells| {
            for i in 0..columns {
                cells.push(row.get(i).map_or("", String::as_str));
            }
        });
        self.laid_out(rows, &parts)
    }

    /// The width a table of `rows` is wrapped to: the terminal's, except
    /// for a table with headings (the report's: its labels fit 100
    /// columns); `None` when stdout is a file or a pipe.
    fn wraps(&self, rows: &Rows) -> Option<u16> {
        self.width.filter(|_| rows.headings.is_empty())
    }

    /// Prints `items` in `format`, each a row of `rows`' columns made by
    /// `row` on every core (`rows` has no rows of its own); `json` is the
    /// command's JSON document. A table that is not wrapped is laid out
    /// from the cells as they are made, with no string per cell: what
    /// keeps a table of 50,000 deals quick.
    pub fn rows_of<I: Sync, T: serde::Serialize>(
        &mut self,
        format: Format,
        mut rows: Rows,
        items: &[I],
        row: impl Fn(&I, &mut Cells) + Sync,
        json: impl FnOnce() -> T,
    ) -> Result<(), Closed> {
        match format {
            Format::Json => self.json(&json()),
            Format::Table if self.wraps(&rows).is_none() => {
                let parts = cells_of(&rows, items, true, row);
                let parts = self.laid_out(&rows, &parts);
                self.out_parts(&parts)
            }
            _ => {
                let parts = cells_of(&rows, items, false, row);
                // Each part's rows as strings on its own core too.
                let made = funnel::parallel::map(&parts, EACH_PART, |part| {
                    let rows = part.rows().map(|row| row.map(str::to_string).collect());
                    rows.collect::<Vec<Vec<String>>>()
                });
                rows.rows = made.into_iter().flatten().collect();
                self.rows_with(format, &rows, json)
            }
        }
    }

    /// The lines of a table that is not wrapped: the header, then each
    /// part's rows (or "(none)"), each column as wide as its widest cell,
    /// which is comfy-table's layout of it (a test holds the two equal).
    /// The header and its rule are comfy-table's; the rows are padded
    /// here, a part on each core: 50,000 rows in a comfy-table were 75 MB
    /// of cells and most of `list --all`, even in parts on every core.
    fn laid_out(&self, rows: &Rows, parts: &[Cells]) -> Vec<String> {
        let mut widest: Vec<usize> = (rows.columns.iter())
            .map(|c| width(&printable(c)))
            .collect();
        for part in parts {
            for (most, width) in widest.iter_mut().zip(&part.widths) {
                *most = (*width).max(*most);
            }
        }
        // At least 1 wide, as comfy-table has it.
        let widest: Vec<usize> = widest.into_iter().map(|w| w.max(1)).collect();
        let mut header = self.part(rows, &[], None);
        for (i, width) in widest.iter().enumerate() {
            if let Some(column) = header.column_mut(i) {
                // A boundary counts the padding too.
                let width = u16::try_from(*width).unwrap_or(u16::MAX);
                column.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
                    comfy_table::Width::Fixed(width.saturating_add(column.padding_width())),
                ));
            }
        }
        let starts = parts.iter().scan(0, |start, part| {
            let first = *start;
            *start += part.ends.len() / rows.columns.len().max(1);
            Some(first)
        });
        let parts: Vec<(usize, &Cells)> = starts.zip(parts).collect();
        let bodies = funnel::parallel::map(&parts, EACH_PART, |&(start, part)| {
            self.lay_out(rows, start, part, &widest)
        });
        let mut text = String::new();
        for line in header.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        if parts.iter().all(|(_, part)| part.ends.is_empty()) {
            text.push_str("(none)\n");
        }
        let mut parts = vec![text];
        parts.extend(bodies);
        parts
    }

    /// The lines of the rows of `cells`, the first row `start` of `rows`,
    /// each column `widths` wide (as comfy-table lays out `STYLE`: a space
    /// each side of a cell and between columns, numbers to the right),
    /// each section's heading above its first row.
    fn lay_out(&self, rows: &Rows, start: usize, cells: &Cells, widths: &[usize]) -> String {
        let line = widths.iter().sum::<usize>() + 3 * widths.len();
        let mut text = String::with_capacity(cells.ends.len() / widths.len().max(1) * line);
        let headings = rows.headings.iter();
        let mut headings = headings.skip_while(|(at, _)| *at < start).peekable();
        for (n, row) in (start..).zip(cells.rows()) {
            while let Some((_, heading)) = headings.next_if(|(at, _)| *at == n) {
                if n != 0 {
                    text.push('\n');
                }
                text.push_str(&self.paint_out("1", heading));
                text.push('\n');
            }
            // A cell of several lines makes as many lines of the row.
            let height = match cells.plain {
                true => 1,
                false => row
                    .clone()
                    .map(|c| c.split('\n').count())
                    .max()
                    .unwrap_or(1),
            };
            for k in 0..height {
                let from = text.len();
                for (i, (cell, width)) in row.clone().zip(widths).enumerate() {
                    // A plain cell is as wide as it is long.
                    let (part, part_width) = match cells.plain {
                        true => (cell, cell.len()),
                        false => {
                            let line = cell.split('\n').nth(k).unwrap_or("");
                            (line, self::width(line))
                        }
                    };
                    let pad = width.saturating_sub(part_width);
                    let (left, right) = match rows.numeric.contains(&i) {
                        true => (pad, 0),
                        false => (0, pad),
                    };
                    // Columns are apart by a space, as well as padded.
                    let apart = usize::from(i > 0);
                    spaces(&mut text, apart + left + 1);
                    text.push_str(part);
                    spaces(&mut text, right + 1);
                }
                let kept = text[from..].trim_end().len();
                text.truncate(from + kept);
                text.push('\n');
            }
        }
        text
    }

    /// The table of the header of `rows` and the rows `part`, wrapped to
    /// `wrap` columns when given.
    fn part(&self, rows: &Rows, part: &[Vec<String>], wrap: Option<u16>) -> Table {
        let mut table = Table::new();
        table.load_style(STYLE);
        if let Some(width) = wrap {
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
            let cell = Cell::new(printable(c));
            if self.color_out {
                cell.add_attribute(comfy_table::Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in part {
            table.add_row((row.iter().enumerate()).map(|(i, v)| {
                let cell = Cell::new_owned(cell_text(rows, i, v).into_owned());
                match rows.numeric.contains(&i) {
                    true => cell.set_alignment(CellAlignment::Right),
                    false => cell,
                }
            }));
        }
        for i in &rows.numeric {
            if let Some(column) = table.column_mut(*i) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
    }
}

/// `n` spaces on the end of `text` (a slice at a time, not a char).
fn spaces(text: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let now = n.min(SPACES.len());
        text.push_str(&SPACES[..now]);
        n -= now;
    }
}

/// Rows of a table as they are made, a part of them on each core: their
/// cells' text one after another in one string (no string per cell), as
/// a table shows them (money formatted, control characters escaped,
/// each column's widest width kept) or as they are (for CSV and TSV).
pub struct Cells<'a> {
    rows: &'a Rows,
    shown: bool,
    text: String,
    /// Where each cell's text ends in `text`.
    ends: Vec<u32>,
    /// The widest cell of each column (when shown).
    widths: Vec<usize>,
    /// Whether every cell is printable ASCII on one line: a column a byte.
    plain: bool,
    /// The next cell's column.
    column: usize,
}

impl Cells<'_> {
    /// The next cell of the row: `v` as a table of `rows` shows it
    /// ([`cell_text`]) or as it is.
    pub fn push(&mut self, v: &str) {
        if self.as_is(v) {
            self.text.push_str(v);
            self.end(v.len(), true);
        } else {
            let text = cell_text(self.rows, self.column, v);
            let plain = plain(&text);
            self.text.push_str(&text);
            self.end(if plain { text.len() } else { width(&text) }, plain);
        }
    }

    /// The next cell, `value`'s text (a date, say; empty for none),
    /// written in place.
    pub fn display(&mut self, value: Option<impl std::fmt::Display>) {
        use std::fmt::Write;
        let from = self.text.len();
        if let Some(value) = value {
            let _ = write!(self.text, "{value}");
        }
        if self.as_is(&self.text[from..]) {
            self.end(self.text.len() - from, true);
        } else {
            let cell = self.text.split_off(from);
            self.push(&cell);
        }
    }

    /// Whether the next cell's text is `v` as it is, of one column a byte.
    fn as_is(&self, v: &str) -> bool {
        let i = self.column;
        !self.shown
            || (plain(v) && !self.rows.money.contains(&i) && !self.rows.numeric.contains(&i))
    }

    /// The next cell, an amount of money in `rows`' currency: shown as
    /// every table shows money ([`money::shown`]) or as its exact text
    /// ([`money::amount`]); empty for none.
    pub fn money(&mut self, value: Option<rust_decimal::Decimal>) {
        let Some(value) = value else {
            return self.end(0, true);
        };
        // The table shows the amount CSV carries, rounded to the cent
        // (whole units of an amount in cents are its own).
        let cents = match value.scale() > 2 {
            true => money::round(value, 2),
            false => value,
        };
        let text = match self.shown {
            true => money::shown(cents, &self.rows.currency),
            false => money::amount(value),
        };
        self.text.push_str(&text);
        self.end(text.len(), plain(&text));
    }

    /// Ends the cell whose text was written last.
    fn end(&mut self, width: usize, plain: bool) {
        let i = self.column;
        self.column = if i + 1 == self.widths.len() { 0 } else { i + 1 };
        self.ends
            .push(u32::try_from(self.text.len()).expect("a part under 4 GiB"));
        if let Some(most) = self.widths.get_mut(i) {
            *most = width.max(*most);
        }
        self.plain &= plain;
    }

    /// Each row's cells.
    fn rows(&self) -> impl Iterator<Item = impl Iterator<Item = &str> + Clone> {
        let columns = self.rows.columns.len().max(1);
        (self.ends.chunks(columns).enumerate()).map(move |(n, ends)| {
            let mut from = (n * columns)
                .checked_sub(1)
                .map_or(0, |e| self.ends[e] as usize);
            ends.iter().map(move |end| {
                let cell = &self.text[from..*end as usize];
                from = *end as usize;
                cell
            })
        })
    }
}

/// A table's parts, one to a thread (each is a core's share of the rows).
const EACH_PART: funnel::parallel::Split = funnel::parallel::Split {
    threads: 8,
    min_chunk: 1,
};

/// `items` made into rows of `rows`' columns by `row`, in parts on every
/// core, shown as a table shows them or as they are (see [`Cells`]).
fn cells_of<'a, I: Sync>(
    rows: &'a Rows,
    items: &[I],
    shown: bool,
    row: impl Fn(&I, &mut Cells) + Sync,
) -> Vec<Cells<'a>> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let part = items.len().div_ceil(cores).max(2048);
    let parts: Vec<&[I]> = items.chunks(part).collect();
    let columns = rows.columns.len();
    funnel::parallel::map(&parts, EACH_PART, |part| {
        let mut cells = Cells {
            rows,
            shown,
            text: String::with_capacity(part.len() * columns * 12),
            ends: Vec::with_capacity(part.len() * columns),
            widths: vec![0; columns],
            plain: true,
            column: 0,
        };
        for item in *part {
            row(item, &mut cells);
            assert_eq!(cells.column, 0, "a row has a cell per column");
        }
        cells
    })
}

/// Whether `text` is printable ASCII alone (no control character, no
/// line break): shown as it is, a column a byte.
fn plain(text: &str) -> bool {
    text.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// The text of a table's cell `v` in column `i` of `rows`.
fn cell_text<'a>(rows: &Rows, i: usize, v: &'a str) -> std::borrow::Cow<'a, str> {
    if rows.money.contains(&i) {
        let value = v.parse::<rust_decimal::Decimal>();
        value.map_or(v.into(), |value| money::shown(value, &rows.currency).into())
    } else if rows.numeric.contains(&i) {
        money::grouped(v).into()
    } else {
        printable(v)
    }
}

/// The width of `text` in a table: its widest line, as comfy-table
/// measures it.
fn width(text: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    match text.is_ascii() && !text.contains('\n') {
        // Printable ASCII (`printable` escaped the rest): a column each.
        true => text.len(),
        false => text.split('\n').map(|line| line.width()).max().unwrap_or(0),
    }
}

pub fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// CSV (RFC 4180, through the `csv` crate; lines end in `\n`) or TSV
/// (tabs and line breaks inside a cell become spaces: TSV has no quoting),
/// every text cell made safe for spreadsheets ([`spreadsheet_safe`]).
/// Cells of the `numeric` columns are numbers funnel wrote and are left
/// as they are.
pub fn delimited(columns: &[&str], numeric: &[usize], rows: &[Vec<String>], sep: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(sep)
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(if sep == b'\t' {
            csv::QuoteStyle::Never
        } else {
            csv::QuoteStyle::Necessary
        })
        .from_writer(Vec::new());
    let cell = |i: usize, v: &str| -> String {
        let safe = if numeric.contains(&i) {
            std::borrow::Cow::Borrowed(v)
        } else {
            spreadsheet_safe(v)
        };
        if sep == b'\t' {
            safe.replace(['\t', '\n', '\r'], " ")
        } else {
            safe.into_owned()
        }
    };
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(columns.iter().enumerate().map(|(i, c)| cell(i, c)));
    for row in rows {
        let _ = writer.write_record(row.iter().enumerate().map(|(i, c)| cell(i, c)));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A text cell a spreadsheet would run as a formula (OWASP's CSV
/// injection), neutralised with a leading `'`: one that starts with `=`,
/// `+`, `-`, `@`, a tab, CR or LF, or with one of `=+-@` after leading
/// white space (which spreadsheets may trim). A plain number (`-12.5`,
/// `-12.5%`) is no formula and stays as it is.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = text.trim_start_matches([' ', '\t', '\r', '\n']);
    let risky = text.starts_with(['\t', '\r', '\n'])
        || (trimmed.starts_with(['=', '+', '-', '@']) && !is_plain_number(trimmed));
    if risky {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `-12`, `-12.5`, `+3`, `-12.5%`: a number and nothing else.
fn is_plain_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let number = unsigned.strip_suffix('%').unwrap_or(unsigned);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match number.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(number),
    }
}

/// Text for a terminal: control characters (ESC, tabs, CR, C1 codes) shown
/// escaped (`\u{1b}`), never sent raw; line breaks kept.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if plain(text) || !text.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\n' {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A GitHub-flavoured Markdown table (numbers right-aligned, grouped), fit
/// to paste into a pull request: `|` escaped, line breaks and every
/// control character (terminal escapes included) turned into spaces.
pub fn markdown(rows: &Rows) -> String {
    let cell = |v: &str| -> String {
        v.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .replace('|', "\\|")
    };
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(rows.columns.iter().map(|c| cell(c)).collect());
    out.push_str(&line(
        (0..rows.columns.len())
            .map(|i| {
                if rows.numeric.contains(&i) {
                    "---:"
                } else {
                    "---"
                }
                .to_string()
            })
            .collect(),
    ));
    for row in &rows.rows {
        out.push_str(&line(
            row.iter()
                .enumerate()
                .map(|(i, v)| {
                    if rows.numeric.contains(&i) {
                        cell(&money::grouped(v))
                    } else {
                        cell(v)
                    }
                })
                .collect(),
        ));
    }
    out
}

fn paint(code: &str, text: &str) -> String {
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table that is not wrapped, laid out here in parts, is the table
    /// comfy-table lays out whole: each column as wide as its widest cell
    /// of all (here, cells of the last part and of the first alone, a
    /// cell's second line, wide characters, a header wider than its
    /// cells), numbers to the right, a cell of two lines making two lines,
    /// trailing blanks cut, in plain text and in colour; with no rows, the
    /// header alone and "(none)".
    #[test]
    fn a_table_not_wrapped_is_laid_out_as_comfy_table_lays_it_out() {
        let mut rows = Rows::new(vec!["deal", "stage", "value", "n", "next step"])
            .money(&[2], "EUR")
            .numeric(&[3]);
        for n in 0..9_000 {
            let deal = match n {
                8_999 => "the longest deal name of all, in the last part".to_string(),
                8_998 => {
                    "two\nlines, the second the widest of the column by far, wider still".into()
                }
                _ => format!("deal-{n}"),
            };
            let stage = if n == 3 {
                "négociation 漢字"
            } else {
                "lead"
            };
            let step = if n % 1000 == 7 { "call" } else { "" };
            rows.rows.push(vec![
                deal,
                stage.into(),
                format!("{}.5", n * 7),
                n.to_string(),
                step.into(),
            ]);
        }
        let none = Rows::new(vec!["deal", "value"]).numeric(&[1]);
        for color_out in [false, true] {
            let ui = Ui {
                color: false,
                color_out,
                width: None,
                stdout: std::io::stdout(),
            };
            let whole = |rows: &Rows| -> String {
                (ui.part(rows, &rows.rows, None).lines())
                    .map(|line| format!("{}\n", line.trim_end()))
                    .collect()
            };
            let text = ui.table(&rows);
            assert_eq!(text.lines().count(), 9_003);
            assert!(text == whole(&rows), "colour: {color_out}");
            assert_eq!(ui.table(&none), whole(&none) + "(none)\n");
        }
    }

    #[test]
    fn markdown_tables_escape_pipes_and_drop_terminal_escapes() {
        let mut rows = Rows::new(vec!["deal", "value"]).numeric(&[1]);
        rows.rows
            .push(vec!["a|b\x1b[31mred\nline".into(), "+12000".into()]);
        assert_eq!(
            markdown(&rows),
            "| deal | value |\n| --- | ---: |\n| a\\|b [31mred line | +12,000 |\n"
        );
    }
}
