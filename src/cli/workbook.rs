//! The Excel workbook of `funnel export` (rust_xlsxwriter): the sheets
//! Deals, Stage log, Field changes, Report and Board with typed cells
//! (money in the pipeline's currency format, dates as Excel dates,
//! percents as percents), a frozen and filtered header row, column widths
//! from the contents, and two native charts. Every text a user wrote is a
//! string cell: `write_string` never makes a formula.

use std::collections::HashMap;
use std::str::FromStr;

use funnel::analysis::board::Board;
use funnel::analysis::export::{Export, FieldCell};
use funnel::analysis::metrics::Report;
use funnel::model::config::{Config, StageKind};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Chart, ChartType, ExcelDateTime, Format, Worksheet, XlsxError};

use super::export::{DEAL_FACTS, FIELD_CHANGES, STAGE_LOG, What};
use super::report::{Unit, lines};
use funnel::model::money::amount;

/// Excel's longest cell text, in UTF-16 units.
const MAX_TEXT: usize = 32_767;

/// `text` cut to Excel's longest cell text (counted in UTF-16 units, as
/// Excel counts: a text of emoji cut by characters made a workbook Excel
/// refuses).
fn cut(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_TEXT {
            return &text[..at];
        }
    }
    text
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;

pub struct Workbook<'a> {
    pub config: &'a Config,
    pub export: &'a Export<'a>,
    pub report: &'a Report,
    pub board: &'a Board,
    /// The data sheets to write; Report and Board come with `All`.
    pub what: What,
}

/// The cell formats, made once.
struct Formats {
    header: Format,
    date: Format,
    instant: Format,
    days: Format,
    percent: Format,
    ratio: Format,
    amount: Format,
    /// By currency code: `[$USD] #,##0.00`.
    money: HashMap<String, Format>,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            instant: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            days: Format::new().set_num_format("0.0"),
            percent: Format::new().set_num_format("0.0%"),
            ratio: Format::new().set_num_format("0.00\"x\""),
            amount: Format::new().set_num_format("#,##0.00"),
            money: HashMap::new(),
        }
    }

    /// The format [`Formats::money`] made for `currency` (a plain amount
    /// for one it did not make).
    fn money_in(&self, currency: &str) -> &Format {
        self.money.get(currency).unwrap_or(&self.amount)
    }

    /// Money in `currency`: the code in Excel's currency syntax, so every
    /// spreadsheet shows it (`USD 12,000.00`).
    fn money(&mut self, currency: &str) -> &Format {
        self.money.entry(currency.to_string()).or_insert_with(|| {
            // A code is three capitals (check refuses others); anything
            // else is kept out of the format string.
            let code: String = currency
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            Format::new().set_num_format(format!("[${code}] #,##0.00"))
        })
    }
}

/// A sheet being written: the next row, and each column's widest text.
struct Sheet<'w> {
    sheet: &'w mut Worksheet,
    row: u32,
    widths: Vec<usize>,
}

impl<'w> Sheet<'w> {
    fn new(
        sheet: &'w mut Worksheet,
        name: &str,
        columns: &[&str],
        header: &Format,
    ) -> Result<Sheet<'w>, XlsxError> {
        sheet.set_name(name)?;
        for (col, title) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *title, header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            sheet,
            row: 1,
            widths: columns.iter().map(|c| c.chars().count()).collect(),
        })
    }

    fn width(&mut self, col: u16, chars: usize) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(chars);
    }

    fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        let text = cut(text);
        self.width(
            col,
            text.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        );
        self.sheet.write_string(self.row, col, text)?;
        Ok(())
    }

    fn number(
        &mut self,
        col: u16,
        n: Decimal,
        format: Option<&Format>,
        shown: usize,
    ) -> Result<(), XlsxError> {
        let value = n.to_f64().unwrap_or(0.0);
        self.width(col, shown);
        match format {
            Some(format) => self
                .sheet
                .write_number_with_format(self.row, col, value, format)?,
            None => self.sheet.write_number(self.row, col, value)?,
        };
        Ok(())
    }

    fn money(&mut self, col: u16, n: Option<Decimal>, format: &Format) -> Result<(), XlsxError> {
        match n {
            // "USD 1,234,567.00"
            Some(n) => self.number(
                col,
                n,
                Some(format),
                n.trunc().to_string().len() * 4 / 3 + 8,
            ),
            None => Ok(()),
        }
    }

    fn days(&mut self, col: u16, n: Option<Decimal>, formats: &Formats) -> Result<(), XlsxError> {
        match n {
            Some(n) => self.number(col, n, Some(&formats.days), n.trunc().to_string().len() + 2),
            None => Ok(()),
        }
    }

    fn percent(&mut self, col: u16, n: Decimal, formats: &Formats) -> Result<(), XlsxError> {
        self.number(col, n / Decimal::ONE_HUNDRED, Some(&formats.percent), 7)
    }

    fn date(
        &mut self,
        col: u16,
        date: jiff::civil::Date,
        formats: &Formats,
    ) -> Result<(), XlsxError> {
        self.width(col, 10);
        let excel =
            ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
        self.sheet
            .write_datetime_with_format(self.row, col, &excel, &formats.date)?;
        Ok(())
    }

    fn instant(
        &mut self,
        col: u16,
        at: Option<&jiff::ZonedDateTime>,
        formats: &Formats,
    ) -> Result<(), XlsxError> {
        if let Some(at) = at {
            self.width(col, 16);
            let excel =
                ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)?
                    .and_hms(at.hour() as u16, at.minute() as u8, at.second() as u8)?;
            self.sheet
                .write_datetime_with_format(self.row, col, &excel, &formats.instant)?;
        }
        Ok(())
    }

    fn boolean(&mut self, col: u16, b: bool) -> Result<(), XlsxError> {
        self.width(col, 5);
        self.sheet.write_boolean(self.row, col, b)?;
        Ok(())
    }

    /// Ends the sheet: the filter over the header and the rows, and the
    /// column widths.
    fn finish(self) -> Result<&'w mut Worksheet, XlsxError> {
        let last_col = self.widths.len().saturating_sub(1) as u16;
        self.sheet.autofilter(0, 0, self.row - 1, last_col)?;
        for (col, chars) in self.widths.iter().enumerate() {
            let width = (*chars + 2).min(MAX_WIDTH) as f64;
            self.sheet.set_column_width(col as u16, width)?;
        }
        Ok(self.sheet)
    }
}

impl Workbook<'_> {
    /// The workbook as the bytes of an `.xlsx` file.
    pub fn bytes(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        // Compression level 3 instead of 6: deflate was a third of the time
        // at 20,000 deals; this saves an eighth of it for a file a tenth
        // larger (level 1: a quarter, for a file 60% larger).
        book.set_zip_compression_level(3);
        let mut formats = Formats::new();
        // Every currency's format made first, so the sheets share them.
        formats.money(&self.config.currency);
        for row in &self.export.deals {
            if let Some(currency) = row.deal.text("currency") {
                formats.money(currency);
            }
        }
        // The big sheets are written row by row to a temporary file each
        // ("constant memory": inline strings, no table of shared ones), one
        // thread a sheet.
        type Write<'a> = fn(&Workbook<'a>, &mut Worksheet, &Formats) -> Result<(), XlsxError>;
        let mut parts: Vec<Write> = Vec::new();
        if self.what.deals() {
            parts.push(Workbook::deals);
        }
        if self.what.stages() {
            parts.push(Workbook::stage_log);
        }
        if self.what.fields() {
            parts.push(Workbook::field_changes);
        }
        for _ in &parts {
            book.add_worksheet_with_constant_memory()?;
        }
        std::thread::scope(|scope| {
            let writing: Vec<_> = book
                .worksheets_mut()
                .iter_mut()
                .zip(&parts)
                .map(|(sheet, write)| scope.spawn(|| write(self, sheet, &formats)))
                .collect();
            writing
                .into_iter()
                .try_for_each(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        })?;
        if self.what == What::All {
            self.report_sheet(book.add_worksheet(), &mut formats)?;
            self.board_sheet(book.add_worksheet(), &mut formats)?;
        }
        book.save_to_buffer()
    }

    fn deals(&self, sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
        let export = self.export;
        let mut columns: Vec<&str> = vec!["id", "stage"];
        columns.extend(export.columns.iter().map(String::as_str));
        columns.extend(DEAL_FACTS);
        let mut sheet = Sheet::new(sheet, "Deals", &columns, &formats.header)?;
        let pipeline_money = formats.money_in(&self.config.currency);
        let first_fact = (2 + export.columns.len()) as u16;
        for row in &export.deals {
            sheet.text(0, &row.deal.id)?;
            sheet.text(1, &row.deal.stage)?;
            let currency = row.deal.text("currency").unwrap_or(&self.config.currency);
            for (i, cell) in row.cells.iter().enumerate() {
                let col = (2 + i) as u16;
                let Some(cell) = cell else { continue };
                match (export.columns[i].as_str(), cell) {
                    ("value", FieldCell::Number(n)) => {
                        sheet.money(col, Some(*n), formats.money_in(currency))?;
                    }
                    ("probability", FieldCell::Number(n)) => sheet.percent(col, *n, formats)?,
                    (_, FieldCell::Number(n)) => {
                        sheet.number(col, *n, None, n.to_string().len())?
                    }
                    (_, FieldCell::Text(t)) => sheet.text(col, t)?,
                    (_, FieldCell::Bool(b)) => sheet.boolean(col, *b)?,
                    (_, FieldCell::Date(d)) => sheet.date(col, *d, formats)?,
                }
            }
            let dates = &row.dates;
            let c = first_fact;
            sheet.money(c, row.converted_value, pipeline_money)?;
            sheet.money(c + 1, row.weighted_value, pipeline_money)?;
            sheet.percent(c + 2, row.probability, formats)?;
            sheet.instant(c + 3, Some(&dates.created_at), formats)?;
            sheet.instant(c + 4, Some(&dates.entered_stage_at), formats)?;
            sheet.instant(c + 5, dates.closed_at.as_ref(), formats)?;
            sheet.days(c + 6, dates.cycle_days, formats)?;
            sheet.days(c + 7, Some(dates.days_in_stage), formats)?;
            sheet.row += 1;
        }
        sheet.finish().map(|_| ())
    }

    fn stage_log(&self, sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
        let mut sheet = Sheet::new(sheet, "Stage log", STAGE_LOG, &formats.header)?;
        for change in &self.export.stage_log {
            sheet.text(0, &change.deal)?;
            sheet.text(1, change.from.as_deref().unwrap_or(""))?;
            sheet.text(2, &change.to)?;
            sheet.instant(3, Some(&change.at), formats)?;
            sheet.days(4, change.days_in_from, formats)?;
            sheet.text(5, &change.by)?;
            sheet.text(6, &change.commit)?;
            sheet.row += 1;
        }
        sheet.finish().map(|_| ())
    }

    fn field_changes(&self, sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
        let mut sheet = Sheet::new(sheet, "Field changes", FIELD_CHANGES, &formats.header)?;
        let money = formats.money_in(&self.config.currency);
        for row in &self.export.field_changes {
            let change = &row.change;
            sheet.text(0, &row.deal)?;
            sheet.text(1, &change.field)?;
            for (col, side) in [(2, &change.from), (3, &change.to)] {
                let Some(text) = side else { continue };
                // Values are amounts in the pipeline's currency, close
                // dates ISO dates (as `show` gives them).
                match (change.field.as_str(), Decimal::from_str(text), text.parse()) {
                    ("value", Ok(n), _) => sheet.money(col, Some(n), money)?,
                    ("expected_close", _, Ok(date)) => sheet.date(col, date, formats)?,
                    _ => sheet.text(col, text)?,
                }
            }
            sheet.boolean(4, change.pushed)?;
            sheet.instant(5, Some(&change.at), formats)?;
            sheet.text(6, &change.by)?;
            sheet.text(7, &change.commit)?;
            sheet.row += 1;
        }
        sheet.finish().map(|_| ())
    }

    fn report_sheet(&self, sheet: &mut Worksheet, formats: &mut Formats) -> Result<(), XlsxError> {
        let report = self.report;
        let money = formats.money(&self.config.currency).clone();
        let mut sheet = Sheet::new(
            sheet,
            "Report",
            &["metric", "value", "deals", "section"],
            &formats.header,
        )?;
        let window = &report.window;
        for (name, at) in [
            ("window: since", &window.since),
            ("window: until", &window.until),
        ] {
            sheet.text(0, name)?;
            sheet.text(1, at)?;
            sheet.row += 1;
        }
        // The lines as `report --format csv` writes them (exact amounts);
        // the figures as numbers are in the other sheets and beside.
        for line in lines(report, &amount) {
            sheet.text(0, &line.metric)?;
            match line.number {
                Some((n, Unit::Money(_))) => sheet.money(1, Some(n), &money)?,
                Some((n, Unit::Percent)) => sheet.percent(1, n, formats)?,
                Some((n, Unit::Days | Unit::DealsPerWeek)) => sheet.days(1, Some(n), formats)?,
                Some((n, Unit::Times)) => sheet.number(1, n, Some(&formats.ratio), 6)?,
                None => sheet.text(1, &line.value)?,
            }
            match line.deals.parse::<usize>() {
                Ok(deals) => {
                    sheet.number(2, Decimal::from(deals), None, line.deals.len())?;
                }
                Err(_) => sheet.text(2, &line.deals)?,
            }
            sheet.text(3, line.section)?;
            sheet.row += 1;
        }
        let sheet = sheet.finish()?;
        // Won value by month beside the figures, and its chart.
        let months = &report.revenue_growth;
        let (month_col, won_col) = (5, 6);
        sheet.write_string_with_format(0, month_col, "month", &formats.header)?;
        sheet.write_string_with_format(0, won_col, "won value", &formats.header)?;
        for (i, month) in months.iter().enumerate() {
            let row = 1 + i as u32;
            sheet.write_string(row, month_col, &month.month)?;
            let won = month.won_value.to_f64().unwrap_or(0.0);
            sheet.write_number_with_format(row, won_col, won, &money)?;
        }
        sheet.set_column_width(month_col, 10)?;
        sheet.set_column_width(won_col, 18)?;
        if !months.is_empty() {
            let last = months.len() as u32;
            let mut chart = Chart::new(ChartType::Column);
            chart.title().set_name("Won value by month");
            chart.legend().set_hidden();
            chart
                .add_series()
                .set_name("won value")
                .set_categories(("Report", 1, month_col, last, month_col))
                .set_values(("Report", 1, won_col, last, won_col));
            sheet.insert_chart(last + 2, month_col, &chart)?;
        }
        Ok(())
    }

    fn board_sheet(&self, sheet: &mut Worksheet, formats: &mut Formats) -> Result<(), XlsxError> {
        let board = self.board;
        let money = formats.money(&self.config.currency).clone();
        let columns = [
            "stage",
            "kind",
            "deals",
            "value",
            "weighted",
            "oldest_deal",
            "oldest_days",
            "stalled",
            "idle",
            "wip",
        ];
        let mut sheet = Sheet::new(sheet, "Board", &columns, &formats.header)?;
        // Open stages first, so the chart's range is one block.
        let mut stages: Vec<_> = board.stages.iter().collect();
        stages.sort_by_key(|s| s.kind != StageKind::Open);
        let open = stages.iter().filter(|s| s.kind == StageKind::Open).count() as u32;
        let count = |sheet: &mut Sheet<'_>, col: u16, n: usize| {
            sheet.number(col, Decimal::from(n), None, n.to_string().len())
        };
        for row in &stages {
            sheet.text(0, &row.stage)?;
            sheet.text(
                1,
                match row.kind {
                    StageKind::Open => "open",
                    StageKind::Won => "won",
                    StageKind::Lost => "lost",
                },
            )?;
            count(&mut sheet, 2, row.deals)?;
            sheet.money(3, Some(row.value), &money)?;
            sheet.money(4, row.weighted_value, &money)?;
            sheet.text(5, row.oldest_deal.as_deref().unwrap_or(""))?;
            if let Some(days) = row.oldest_days {
                sheet.number(6, Decimal::from(days), None, days.to_string().len())?;
            }
            if row.kind == StageKind::Open {
                count(&mut sheet, 7, row.stalled)?;
                count(&mut sheet, 8, row.idle)?;
            }
            sheet.text(9, row.wip.name())?;
            sheet.row += 1;
        }
        let totals = &board.open;
        sheet.text(0, "open")?;
        count(&mut sheet, 2, totals.deals)?;
        sheet.money(3, Some(totals.value), &money)?;
        sheet.money(4, Some(totals.weighted_value), &money)?;
        count(&mut sheet, 7, totals.stalled)?;
        count(&mut sheet, 8, totals.idle)?;
        sheet.row += 1;
        let below = sheet.row + 1;
        let sheet = sheet.finish()?;
        if open > 0 {
            let mut chart = Chart::new(ChartType::Column);
            chart.title().set_name("Open pipeline by stage");
            for (name, col) in [("value", 3), ("weighted", 4)] {
                chart
                    .add_series()
                    .set_name(name)
                    .set_categories(("Board", 1, 0, open, 0))
                    .set_values(("Board", 1, col, open, col));
            }
            sheet.insert_chart(below, 0, &chart)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_to_excels_limit_in_utf16_units() {
        let short = "Acme ü";
        assert_eq!(cut(short), short);
        let plain = "a".repeat(MAX_TEXT + 10);
        assert_eq!(cut(&plain).len(), MAX_TEXT);
        // Each emoji is two UTF-16 units: 16,383 of them fit (32,766 units).
        let emoji = "😀".repeat(20_000);
        let kept = cut(&emoji);
        assert_eq!(kept.chars().count(), 16_383);
        assert!(kept.encode_utf16().count() <= MAX_TEXT);
    }
}
