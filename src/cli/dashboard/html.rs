//! The page's HTML pieces: escaping, tables, cards and the document around
//! them, with its stylesheet (`style.css`) inline and a Content Security
//! Policy that forbids every request: no script, no font, no image but
//! `data:`, so anything that tried to reach the network would be blocked
//! and show in the browser's console. The page has no script at all, so
//! text only ever needs HTML escaping.

use std::fmt::Write as _;

const STYLE: &str = include_str!("style.css");

/// The policy: nothing may load but the inline stylesheet (and `data:`
/// images, for the empty favicon that keeps browsers from asking for one).
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// `text` escaped for HTML content and for attribute values in double or
/// single quotes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table of cells that are HTML already (escape text with [`esc`]).
pub struct Table {
    columns: Vec<String>,
    numeric: Vec<usize>,
    rows: Vec<(Vec<String>, &'static str)>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| esc(c)).collect(),
            numeric: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Columns that hold numbers: right-aligned, digits of equal width.
    pub fn numeric(mut self, columns: &[usize]) -> Table {
        self.numeric = columns.to_vec();
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push((cells, ""));
    }

    /// A row set apart (a total).
    pub fn total(&mut self, cells: Vec<String>) {
        self.rows.push((cells, "total"));
    }

    pub fn html(&self) -> String {
        let class = |i: usize| {
            if self.numeric.contains(&i) {
                r#" class="num""#
            } else {
                ""
            }
        };
        let mut out = String::from(r#"<div class="scroll"><table><thead><tr>"#);
        for (i, column) in self.columns.iter().enumerate() {
            let _ = write!(out, "<th{}>{column}</th>", class(i));
        }
        out.push_str("</tr></thead><tbody>");
        for (cells, row_class) in &self.rows {
            if row_class.is_empty() {
                out.push_str("<tr>");
            } else {
                let _ = write!(out, r#"<tr class="{row_class}">"#);
            }
            for (i, cell) in cells.iter().enumerate() {
                let _ = write!(out, "<td{}>{cell}</td>", class(i));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>");
        out
    }
}

/// One card of the dashboard: a heading, a line saying what it shows, and
/// its body (a chart and its table). `wide` cards span the whole width.
pub fn card(id: &str, title: &str, intro: &str, body: &str, wide: bool) -> String {
    format!(
        r#"<section class="card{}" id="{id}"><h2>{}</h2><p class="intro">{}</p>{body}</section>"#,
        if wide { " wide" } else { "" },
        esc(title),
        esc(intro),
    )
}

/// The whole document: `head_title` in the tab, `header` (HTML) on top,
/// a jump list to `cards` (id, title), then the cards.
pub fn document(head_title: &str, header: &str, nav: &[(&str, &str)], body: &str) -> String {
    let mut links = String::new();
    for (id, title) in nav {
        let _ = write!(links, r##"<a href="#{id}">{}</a>"##, esc(title));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="funnel {version}">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
{STYLE}</style>
</head>
<body>
<header>{header}</header>
<nav>{links}</nav>
<main>
{body}
</main>
<footer>Made by funnel {version} from the pipeline's files and git history. Every figure is in a table beside its chart; <code>funnel report</code>, <code>funnel board</code> and <code>funnel doctor</code> print the same numbers.</footer>
</body>
</html>
"#,
        title = esc(head_title),
        version = env!("CARGO_PKG_VERSION"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_markup_character_is_escaped() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        // Nothing else changes: line separators are plain text in HTML.
        assert_eq!(esc("Zażółć\u{2028}ok"), "Zażółć\u{2028}ok");
    }

    #[test]
    fn tables_escape_headers_and_mark_numbers() {
        let mut t = Table::new(&["a<b", "n"]).numeric(&[1]);
        t.row(vec![esc("x&y"), "1".into()]);
        assert_eq!(
            t.html(),
            r#"<div class="scroll"><table><thead><tr><th>a&lt;b</th><th class="num">n</th></tr></thead><tbody><tr><td>x&amp;y</td><td class="num">1</td></tr></tbody></table></div>"#
        );
    }
}
