//! Date expressions, for `--at`, `--since`, `--until`, `--today`, filters and
//! date fields given on the command line.
//!
//! ISO dates (`2026-11-20`) and date-times (`2026-11-20T14:30`, with or
//! without an offset); `today`, `yesterday`, `tomorrow`; weekday names;
//! `eow`, `eom`, `eoq`; relative spans `+3d`, `-2w`, `+1m`, `-1y`. "Today"
//! is always passed in, never read from a clock here.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};

/// Why a date expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error(
        "cannot read `{0}` as a date: use 2026-12-15, today, yesterday, tomorrow, a weekday such as friday, eow, eom, eoq, or +3d, -2w, +1m, -1y"
    )]
    Unreadable(String),
    #[error("`{0}` is out of range: dates run from 1970 to 9999")]
    OutOfRange(String),
    /// The time zone has no such local time (a gap), or another jiff refusal.
    #[error("{0}")]
    Zone(String),
}

// Until every caller has a typed error of its own (metrics' windows).
impl From<DateError> for String {
    fn from(e: DateError) -> String {
        e.to_string()
    }
}

/// Which way a weekday name points: the next one (a due date) or the last
/// one (`--at`, `--since`). Both include today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lean {
    Future,
    Past,
}

/// What the expressions are relative to.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub today: Date,
    pub week_start: Weekday,
    pub timezone: TimeZone,
}

impl Calendar {
    /// Parses a date expression to a calendar date.
    pub fn date(&self, expr: &str, lean: Lean) -> Result<Date, DateError> {
        let expr = expr.trim();
        let lower = expr.to_ascii_lowercase();
        let date = match lower.as_str() {
            "today" => self.today,
            "yesterday" => self.add(self.today, (-1).days(), expr)?,
            "tomorrow" => self.add(self.today, 1.days(), expr)?,
            "eow" => {
                let end = self.week_start.wrapping_sub(1);
                self.add(
                    self.today,
                    (self.today.weekday().until(end) as i64).days(),
                    expr,
                )?
            }
            "eom" => self.today.last_of_month(),
            "eoq" => {
                let last_month = ((self.today.month() - 1) / 3) * 3 + 3;
                Date::new(self.today.year(), last_month, 1)
                    .map_err(|e| DateError::Zone(e.to_string()))?
                    .last_of_month()
            }
            _ => {
                if let Some(day) = crate::model::config::weekday(&lower) {
                    let days = match lean {
                        Lean::Future => self.today.weekday().until(day) as i64,
                        Lean::Past => -(day.until(self.today.weekday()) as i64),
                    };
                    self.add(self.today, days.days(), expr)?
                } else if let Some(span) = relative(&lower) {
                    self.add(self.today, span, expr)?
                } else if let Ok(date) = lower.parse::<Date>() {
                    date
                } else if let Ok(dt) = lower.replace(' ', "T").parse::<DateTime>() {
                    dt.date()
                } else if let Ok(ts) = lower.replace(' ', "T").parse::<Timestamp>() {
                    ts.to_zoned_datetime(self.timezone.clone()).date()
                } else {
                    return Err(unknown(expr));
                }
            }
        };
        check_range(date, expr)
    }

    /// Parses an expression to an instant: a date means midnight of that day
    /// in the pipeline's time zone; a date-time without an offset is read
    /// in that zone too.
    pub fn instant(&self, expr: &str, lean: Lean) -> Result<Timestamp, DateError> {
        let normal = expr.trim().replace(' ', "T");
        if let Ok(ts) = normal.parse::<Timestamp>() {
            check_range(ts.to_zoned_datetime(self.timezone.clone()).date(), expr)?;
            return Ok(ts);
        }
        if let Ok(dt) = normal.parse::<DateTime>()
            && normal.contains('T')
        {
            check_range(dt.date(), expr)?;
            return dt
                .to_zoned_datetime(self.timezone.clone())
                .map(|z| z.timestamp())
                .map_err(|e| DateError::Zone(e.to_string()));
        }
        let date = self.date(expr, lean)?;
        self.midnight(date)
    }

    /// Midnight at the start of `date` in the pipeline's time zone.
    pub fn midnight(&self, date: Date) -> Result<Timestamp, DateError> {
        date.to_zoned_datetime(self.timezone.clone())
            .map(|z| z.timestamp())
            .map_err(|e| DateError::Zone(e.to_string()))
    }

    fn add(&self, date: Date, span: Span, expr: &str) -> Result<Date, DateError> {
        date.checked_add(span)
            .map_err(|_| DateError::OutOfRange(expr.to_string()))
    }
}

/// `+3d`, `-2w`, `+1m`, `-1y`.
fn relative(expr: &str) -> Option<Span> {
    let sign = match expr.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let unit = expr.chars().last()?;
    let n: i64 = expr[1..expr.len() - 1].parse().ok()?;
    if n > 100_000 {
        return None;
    }
    let n = sign * n;
    Some(match unit {
        'd' => n.days(),
        'w' => n.weeks(),
        'm' => n.months(),
        'y' => n.years(),
        _ => return None,
    })
}

fn check_range(date: Date, expr: &str) -> Result<Date, DateError> {
    if (1970..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(DateError::OutOfRange(expr.to_string()))
    }
}

fn unknown(expr: &str) -> DateError {
    DateError::Unreadable(expr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn calendar() -> Calendar {
        // 2026-11-27 is a Friday.
        Calendar {
            today: date(2026, 11, 27),
            week_start: Weekday::Monday,
            timezone: TimeZone::UTC,
        }
    }

    #[test]
    fn reads_every_kind_of_expression() {
        let c = calendar();
        let d = |e: &str, lean| c.date(e, lean).unwrap();
        assert_eq!(d("2026-02-28", Lean::Past), date(2026, 2, 28));
        assert_eq!(d("today", Lean::Past), date(2026, 11, 27));
        assert_eq!(d("yesterday", Lean::Past), date(2026, 11, 26));
        assert_eq!(d("tomorrow", Lean::Past), date(2026, 11, 28));
        assert_eq!(d("monday", Lean::Future), date(2026, 11, 30));
        assert_eq!(d("monday", Lean::Past), date(2026, 11, 23));
        assert_eq!(d("friday", Lean::Past), date(2026, 11, 27));
        assert_eq!(d("eow", Lean::Future), date(2026, 11, 29));
        assert_eq!(d("eom", Lean::Future), date(2026, 11, 30));
        assert_eq!(d("eoq", Lean::Future), date(2026, 12, 31));
        assert_eq!(d("-3d", Lean::Past), date(2026, 11, 24));
        assert_eq!(d("+2w", Lean::Past), date(2026, 12, 11));
        assert_eq!(d("+1m", Lean::Past), date(2026, 12, 27));
        assert_eq!(d("-1y", Lean::Past), date(2025, 11, 27));
    }

    #[test]
    fn impossible_dates_are_errors() {
        let c = calendar();
        assert!(c.date("2026-02-30", Lean::Past).is_err());
        assert_eq!(
            c.date("1969-12-31", Lean::Past),
            Err(DateError::OutOfRange("1969-12-31".into()))
        );
        assert!(c.date("+99999999y", Lean::Past).is_err());
        assert_eq!(
            c.date("soon", Lean::Past),
            Err(DateError::Unreadable("soon".into()))
        );
    }

    #[test]
    fn instants_are_midnight_in_the_zone() {
        let mut c = calendar();
        c.timezone = TimeZone::get("Europe/Warsaw").unwrap();
        assert_eq!(
            c.instant("2026-11-20", Lean::Past).unwrap().to_string(),
            "2026-11-19T23:00:00Z"
        );
        assert_eq!(
            c.instant("2026-11-20T10:30", Lean::Past)
                .unwrap()
                .to_string(),
            "2026-11-20T09:30:00Z"
        );
        assert_eq!(
            c.instant("2026-11-20T10:30:00Z", Lean::Past)
                .unwrap()
                .to_string(),
            "2026-11-20T10:30:00Z"
        );
    }
}
