//! A problem found in a file: where it is, what is wrong, how to fix it.
//!
//! Every bad input is reported the same way, in the style of hledger and
//! rustc: `FILE:LINE:COL: message`, the offending line with a caret under the
//! offending text, and a hint that says what to write instead.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// One problem in one file, located by line and column (both 1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, relative to the pipeline root (`lead/acme.toml`).
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending source line, without its line break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
    /// How many characters the caret underlines.
    #[serde(skip)]
    pub width: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Problem {
    /// A problem about a whole file (no better position than its start).
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Problem {
            file: file.into(),
            line: 1,
            column: 1,
            message: message.into(),
            source_line: None,
            width: 0,
            hint: None,
        }
    }

    /// A problem at a byte range of `text`, the file's contents.
    pub fn at(
        file: impl Into<PathBuf>,
        text: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_end);
        let width = text[start..end].chars().count().max(1);
        Problem {
            file: file.into(),
            line,
            column,
            message: message.into(),
            source_line: Some(
                text[line_start..line_end]
                    .trim_end_matches('\r')
                    .to_string(),
            ),
            width,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(source) = &self.source_line {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            write!(f, "\n{pad} |\n{number} | {source}\n{pad} | ")?;
            let indent: String = source
                .chars()
                .take(self.column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "{indent}{}", "^".repeat(self.width))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be the
/// likely intent (used for "did you mean" hints).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edits from `a` to `b`, a swap of neighbours counting as one
/// (optimal string alignment), so `valeu` is one edit from `value`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The byte range of a key's value in `text` (dotted keys look into
/// sub-tables); the start of the file when it cannot be found.
pub fn value_span(text: &str, key: &str) -> std::ops::Range<usize> {
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return 0..0;
    };
    let mut item = doc.as_item();
    for part in key.split('.') {
        match item.get(part) {
            Some(next) => item = next,
            None => return 0..0,
        }
    }
    item.span().unwrap_or(0..0)
}

/// What `check` warns about besides problems in files: something a person
/// should know (a partial history, time skew) or do (commit a change,
/// remove a lock left behind). Text: `message: fix`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub kind: NoteKind,
    /// The files it is about, relative to the pipeline root (or the work
    /// tree's root for git's own files).
    pub paths: Vec<String>,
    pub message: String,
    /// What resolves it, with the command, when something does.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    PartialHistory,
    TimeSkew,
    WriteInProgress,
    NotCommitted,
    Staged,
    Changed,
    TempFile,
    StaleLock,
    Lock,
    /// The editor schemas (`.funnel/schema`) say something else than
    /// `funnel.toml` now does.
    StaleSchema,
}

impl Note {
    pub fn new(kind: NoteKind, paths: Vec<String>, message: String, fix: Option<String>) -> Note {
        Note {
            kind,
            paths,
            message,
            fix,
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fix {
            Some(fix) => write!(f, "{}: {fix}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_caret_and_hint() {
        let text = "title = \"x\"\nvalue = true\n";
        let p = Problem::at("lead/x.toml", text, 20..24, "wrong type").with_hint("write a number");
        assert_eq!(
            p.to_string(),
            "lead/x.toml:2:9: wrong type\n  |\n2 | value = true\n  |         ^^^^\n  hint: write a number"
        );
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("proposel", ["lead", "proposal"]),
            Some("proposal")
        );
        assert_eq!(did_you_mean("banana", ["lead", "proposal"]), None);
        assert_eq!(did_you_mean("valeu", ["value", "owner"]), Some("value"));
    }
}
