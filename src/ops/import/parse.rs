//! Reading the dates and amounts that exports hold, one column at a time:
//! a column's date format and decimal separator are decided from all its
//! values, so `3/4/2017` is read the same way on every row, and a column
//! where it could be March or April is refused until `--date-format` says.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use rust_decimal::Decimal;

use crate::model::dates::Calendar;

/// How the dates of a column are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `2017-03-01`, with or without a time and offset.
    Iso,
    /// `3/1/2017` (US).
    MonthFirst,
    /// `1/3/2017`.
    DayFirst,
    /// `1.3.2017` (German and others).
    Dotted,
}

impl std::str::FromStr for DateFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "ISO" | "YYYY-MM-DD" => Ok(DateFormat::Iso),
            "M/D/YYYY" | "MM/DD/YYYY" | "M/D/Y" => Ok(DateFormat::MonthFirst),
            "D/M/YYYY" | "DD/MM/YYYY" | "D/M/Y" => Ok(DateFormat::DayFirst),
            "D.M.YYYY" | "DD.MM.YYYY" | "D.M.Y" => Ok(DateFormat::Dotted),
            _ => Err(format!(
                "`{s}` is not a date format: use YYYY-MM-DD, M/D/YYYY, D/M/YYYY or D.M.YYYY"
            )),
        }
    }
}

/// Why a column's dates cannot be read one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// Every value reads as month-first and as day-first (`3/4/2017`).
    Ambiguous { example: String },
    /// Some values only read month-first, others only day-first.
    Mixed {
        month_first: String,
        day_first: String,
    },
}

/// The format of a column's `values` (blanks skipped); `None` when there
/// is no value. Values that fit no format are left to [`instant`] to
/// refuse one by one.
pub fn detect(values: &[&str]) -> Result<Option<DateFormat>, FormatError> {
    let (mut iso, mut dotted, mut slashed) = (false, false, Vec::new());
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let date = value.split([' ', 'T']).next().unwrap_or(value);
        if date.len() >= 8 && date.as_bytes().get(4) == Some(&b'-') {
            iso = true;
        } else if date.contains('.') {
            dotted = true;
        } else if let Some((a, b, _)) = parts(date, '/') {
            slashed.push((a, b, value));
        }
    }
    if !slashed.is_empty() {
        let month_first = slashed.iter().find(|(_, b, _)| *b > 12);
        let day_first = slashed.iter().find(|(a, _, _)| *a > 12);
        return match (month_first, day_first) {
            (Some(m), Some(d)) => Err(FormatError::Mixed {
                month_first: m.2.to_string(),
                day_first: d.2.to_string(),
            }),
            (Some(_), None) => Ok(Some(DateFormat::MonthFirst)),
            (None, Some(_)) => Ok(Some(DateFormat::DayFirst)),
            (None, None) => Err(FormatError::Ambiguous {
                example: slashed[0].2.to_string(),
            }),
        };
    }
    Ok(if dotted {
        Some(DateFormat::Dotted)
    } else if iso {
        Some(DateFormat::Iso)
    } else {
        None
    })
}

fn parts(date: &str, sep: char) -> Option<(u32, u32, i16)> {
    let mut it = date.split(sep);
    let a = it.next()?.trim().parse().ok()?;
    let b = it.next()?.trim().parse().ok()?;
    let y = it.next()?.trim().parse().ok()?;
    it.next().is_none().then_some((a, b, y))
}

/// A value read as a date: its instant (midnight in the pipeline's zone
/// for a date alone) and whether it had a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub at: Timestamp,
    pub date: Date,
}

/// Reads `value` in `format`; the error says what was expected.
pub fn instant(value: &str, format: DateFormat, calendar: &Calendar) -> Result<Stamp, String> {
    let value = value.trim();
    let refuse = || {
        let shape = match format {
            DateFormat::Iso => "2026-03-01 or 2026-03-01 14:30",
            DateFormat::MonthFirst => "3/1/2026 or 3/1/2026 2:30 PM (month first)",
            DateFormat::DayFirst => "1/3/2026 or 1/3/2026 14:30 (day first)",
            DateFormat::Dotted => "1.3.2026 or 1.3.2026 14:30",
        };
        format!("cannot read `{value}` as a date like the rest of its column: {shape}")
    };
    let stamp = match format {
        DateFormat::Iso => {
            let at = calendar
                .instant(value, crate::model::dates::Lean::Past)
                .map_err(|_| refuse())?;
            let date = at.to_zoned_datetime(calendar.timezone.clone()).date();
            Stamp { at, date }
        }
        _ => {
            let (day_part, time_part) = match value.split_once([' ', 'T']) {
                Some((d, t)) => (d, Some(t.trim())),
                None => (value, None),
            };
            let sep = if format == DateFormat::Dotted {
                '.'
            } else {
                '/'
            };
            let (a, b, year) = parts(day_part, sep).ok_or_else(refuse)?;
            let (month, day) = match format {
                DateFormat::MonthFirst => (a, b),
                _ => (b, a),
            };
            let year = if year < 100 { 2000 + year } else { year };
            let date = Date::new(year, month as i8, day as i8).map_err(|_| refuse())?;
            let time = match time_part {
                Some(t) if !t.is_empty() => clock(t).ok_or_else(refuse)?,
                _ => Time::midnight(),
            };
            let at = DateTime::from_parts(date, time)
                .to_zoned_datetime(calendar.timezone.clone())
                .map_err(|e| e.to_string())?
                .timestamp();
            Stamp { at, date }
        }
    };
    if stamp.date.year() < 1970 {
        return Err(format!("`{value}` is before 1970"));
    }
    Ok(stamp)
}

/// `14:30`, `14:30:05`, `2:30 PM`.
fn clock(text: &str) -> Option<Time> {
    let upper = text.to_ascii_uppercase();
    let (text, pm) = match (upper.strip_suffix("PM"), upper.strip_suffix("AM")) {
        (Some(t), _) => (t.trim().to_string(), Some(true)),
        (_, Some(t)) => (t.trim().to_string(), Some(false)),
        _ => (upper.clone(), None),
    };
    let mut it = text.split(':');
    let mut hour: i8 = it.next()?.trim().parse().ok()?;
    let minute: i8 = it.next()?.trim().parse().ok()?;
    let second: i8 = match it.next() {
        Some(s) => s.split('.').next()?.trim().parse().ok()?,
        None => 0,
    };
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    Time::new(hour, minute, second, 0).ok()
}

/// Whether a column of amounts writes its decimals after a comma
/// (`1.234,50`, `12,5`): decided from all its values.
pub fn decimal_comma(values: &[&str]) -> bool {
    values.iter().any(|v| {
        let v: String = v
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
            .collect();
        match (v.rfind(','), v.rfind('.')) {
            (Some(c), Some(p)) => c > p,
            (Some(c), None) => {
                let decimals = v.len() - c - 1;
                v.matches(',').count() == 1 && decimals != 3
            }
            _ => false,
        }
    })
}

/// An amount as exports write it: `$12,000`, `1.234,50 €`, `EUR 99`,
/// `12 000`; the result is checked as funnel's own amounts are.
pub fn amount(raw: &str, comma_decimals: bool) -> Result<Decimal, String> {
    let trimmed = raw.trim();
    let mut text: String = without_code(trimmed)
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '$' | '€' | '£' | '¥' | '₹' | '\'' | '\u{a0}' | '\u{202f}' | ' '
            )
        })
        .collect();
    if comma_decimals {
        text = text.replace('.', "").replace(',', ".");
    } else {
        text = text.replace(',', "");
    }
    crate::model::value::parse_money(&text)
        .map_err(|e| format!("cannot read `{trimmed}` as an amount: {e}"))
}

/// `text` without a leading or trailing currency code (`EUR 99`, `99 USD`).
fn without_code(text: &str) -> &str {
    let code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase());
    let text = match text.get(..3) {
        Some(head) if code(head) => text[3..].trim_start(),
        _ => text,
    };
    match text.len().checked_sub(3).and_then(|i| text.get(i..)) {
        Some(tail) if code(tail) => text[..text.len() - 3].trim_end(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> Calendar {
        Calendar {
            today: Date::constant(2026, 11, 30),
            week_start: jiff::civil::Weekday::Monday,
            timezone: jiff::tz::TimeZone::UTC,
        }
    }

    #[test]
    fn formats_are_detected_per_column() {
        assert_eq!(
            detect(&["10/20/2016", "3/1/2017", ""]),
            Ok(Some(DateFormat::MonthFirst))
        );
        assert_eq!(
            detect(&["20/10/2016", "1/3/2017"]),
            Ok(Some(DateFormat::DayFirst))
        );
        assert_eq!(
            detect(&["3/4/2017", "5/6/2017"]),
            Err(FormatError::Ambiguous {
                example: "3/4/2017".into()
            })
        );
        assert!(matches!(
            detect(&["3/24/2017", "24/3/2017"]),
            Err(FormatError::Mixed { .. })
        ));
        assert_eq!(detect(&["2017-03-01 10:00"]), Ok(Some(DateFormat::Iso)));
        assert_eq!(detect(&["1.3.2017"]), Ok(Some(DateFormat::Dotted)));
        assert_eq!(detect(&["", " "]), Ok(None));
    }

    #[test]
    fn a_date_alone_is_midnight_and_times_are_read() {
        let cal = utc();
        let s = instant("3/1/2017", DateFormat::MonthFirst, &cal).unwrap();
        assert_eq!(s.at.to_string(), "2017-03-01T00:00:00Z");
        let s = instant("3/1/2017 2:30 PM", DateFormat::MonthFirst, &cal).unwrap();
        assert_eq!(s.at.to_string(), "2017-03-01T14:30:00Z");
        let s = instant("1.3.2017 14:30", DateFormat::Dotted, &cal).unwrap();
        assert_eq!(s.at.to_string(), "2017-03-01T14:30:00Z");
        let s = instant("2017-03-01T10:00:00.000Z", DateFormat::Iso, &cal).unwrap();
        assert_eq!(s.at.to_string(), "2017-03-01T10:00:00Z");
        assert!(instant("13/1/2017", DateFormat::MonthFirst, &cal).is_err());
        assert!(instant("soon", DateFormat::Iso, &cal).is_err());
    }

    #[test]
    fn amounts_as_exports_write_them() {
        let dec = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(amount("$12,000", false), Ok(dec("12000")));
        assert_eq!(amount("1.234,50 €", true), Ok(dec("1234.50")));
        assert_eq!(amount("EUR 99", false), Ok(dec("99")));
        assert_eq!(amount("12 000.5", false), Ok(dec("12000.5")));
        assert!(amount("about 5", false).is_err());
        assert!(decimal_comma(&["1.234,50", "99"]));
        assert!(decimal_comma(&["12,5"]));
        assert!(!decimal_comma(&["12,000", "$1,234.50"]));
    }
}
