//! Reading a CSV export (with the `csv` crate) into rows that know their
//! line, and finding columns by forgiving header names: case, surrounding
//! spaces and quotes, a byte-order mark, runs of spaces and `_` do not
//! matter (`Deal Stage`, ` deal_stage`, `DEAL STAGE` are one header).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::problem::Problem;

/// A CSV file read whole.
#[derive(Debug)]
pub struct Table {
    /// As the user named it, for messages.
    pub file: PathBuf,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// The file's lines, for showing the offending one.
    lines: Vec<String>,
}

#[derive(Debug)]
pub struct Row {
    /// 1-based line of the file where the row starts.
    pub line: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The trimmed cell of column `index`; empty when the row is short.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", |c| c.trim())
    }
}

/// A header as it is compared: lower case, `_` and runs of spaces as one
/// space, no byte-order mark or surrounding quotes.
pub fn normal(header: &str) -> String {
    let header = header.trim_start_matches('\u{feff}').trim();
    let header = header.trim_matches('"').trim();
    header
        .to_lowercase()
        .replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Table {
    pub fn read(path: &Path) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Spreadsheets on Windows still write Latin-1 / Windows-1252.
            Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
        };
        let text = text.trim_start_matches('\u{feff}');
        let delimiter = sniff_delimiter(text.lines().next().unwrap_or(""));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad_csv(path, &e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(Error::hinted(
                format!("{}: the first line holds no column names", path.display()),
                "an export starts with a line of column names such as `Record ID,Deal Name,Deal Stage`",
            ));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| bad_csv(path, &e))?;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line() as usize);
            rows.push(Row {
                line,
                cells: record.iter().map(str::to_string).collect(),
            });
        }
        Ok(Table {
            file: path.to_path_buf(),
            headers,
            rows,
            lines: text.lines().map(str::to_string).collect(),
        })
    }

    /// Takes back the `'` that `funnel export` puts before a text cell
    /// starting with `=`, `+`, `-`, `@`, a tab, CR or LF (against formula
    /// injection in spreadsheets).
    pub fn unneutralise(&mut self) {
        for cell in self.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
            if let Some(rest) = cell.strip_prefix('\'')
                && rest
                    .trim_start_matches(' ')
                    .starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
            {
                *cell = rest.to_string();
            }
        }
    }

    /// The index of the first column whose header is one of `names`
    /// (compared by [`normal`]).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| {
            let want = normal(name);
            self.headers.iter().position(|h| normal(h) == want)
        })
    }

    /// A problem at the cell of `row` in `column` (or the row's start).
    pub fn problem(&self, row: &Row, column: Option<usize>, message: String) -> Problem {
        self.problem_at(row.line, column, message)
    }

    /// A problem at the cell of the row starting at `line` in `column`.
    pub fn problem_at(&self, line: usize, column: Option<usize>, message: String) -> Problem {
        let source = self.lines.get(line.saturating_sub(1)).cloned();
        let (start, width) = match (column, &source) {
            (Some(col), Some(line)) => cell_span(line, col),
            _ => (0, 1),
        };
        let message = match column.and_then(|c| self.headers.get(c)) {
            Some(header) => format!("column `{header}`: {message}"),
            None => message,
        };
        Problem {
            file: self.file.clone(),
            line: line.max(1),
            column: start + 1,
            message,
            source_line: source,
            width: width.max(1),
            hint: None,
        }
    }
}

fn bad_csv(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    Error::hinted(
        format!(
            "{}:{line}: cannot read the file as CSV: {e}",
            path.display()
        ),
        "export it again as CSV (comma- or semicolon-separated, UTF-8)",
    )
}

/// `,` unless the header line has more `;` or tabs (a spreadsheet saved
/// in a locale whose decimal point is a comma).
fn sniff_delimiter(header: &str) -> u8 {
    let count = |c| header.matches(c).count();
    [(',', b','), (';', b';'), ('\t', b'\t')]
        .into_iter()
        .max_by_key(|(c, _)| count(*c))
        .filter(|(c, _)| count(*c) > 0)
        .map_or(b',', |(_, b)| b)
}

/// The character column and width of field `index` in a raw CSV line
/// (quotes honoured); the line's end when it has fewer fields.
fn cell_span(line: &str, index: usize) -> (usize, usize) {
    let mut field = 0;
    let mut quoted = false;
    let mut start = 0;
    let chars: Vec<char> = line.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '"' => quoted = !quoted,
            ',' | ';' | '\t' if !quoted => {
                if field == index {
                    return (start, i - start);
                }
                field += 1;
                start = i + 1;
            }
            _ => {}
        }
    }
    if field == index {
        (start, chars.len() - start)
    } else {
        (chars.len(), 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_compare_forgivingly() {
        assert_eq!(normal("\u{feff} Deal  Stage "), "deal stage");
        assert_eq!(normal("deal_stage"), "deal stage");
        assert_eq!(normal("\"Record ID\""), "record id");
    }

    #[test]
    fn cells_are_located_in_the_raw_line() {
        assert_eq!(cell_span("a,\"b,c\",dd", 2), (8, 2));
        assert_eq!(cell_span("a,\"b,c\",dd", 1), (2, 5));
        assert_eq!(cell_span("a,b", 5), (3, 1));
    }

    #[test]
    fn the_delimiter_is_sniffed() {
        assert_eq!(sniff_delimiter("a;b;c"), b';');
        assert_eq!(sniff_delimiter("a,b"), b',');
        assert_eq!(sniff_delimiter("a"), b',');
    }
}
