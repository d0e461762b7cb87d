//! Report windows: `--since`, `--until`, `--period` and `--last`, cut in the
//! pipeline's time zone.

use jiff::Span;
use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;

use super::DEFAULT_LAST_DAYS;
use super::calendar::{days_between, period_next, period_start};
use crate::model::config::Period;
use crate::model::dates::Calendar;

/// A half-open span of time `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: Timestamp,
    pub until: Timestamp,
}

impl Window {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.since <= at && at < self.until
    }

    /// The window's length in days (0 when it is empty).
    pub fn days(&self) -> Decimal {
        days_between(self.since, self.until)
    }
}

/// The window for `--since`, `--until`, `--period` and `--last N` (days),
/// cut in the calendar's time zone. `--since` starts at midnight of its day;
/// `--until` is inclusive (the window ends at the following midnight);
/// `--last N` is the N days ending today, today included; `--period` is the
/// calendar period (weeks start on `week_start`) that holds `--since`, or
/// today; without any option, the last [`DEFAULT_LAST_DAYS`] days.
/// `--since` alone runs to the end of today; `--until` alone starts at
/// 1970-01-01.
/// Why the options give no window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("{0} is out of range")]
    OutOfRange(Date),
    #[error("--last needs at least one day, such as 90d")]
    EmptyLast,
    #[error("--last {0}d reaches out of range")]
    LastOutOfRange(u32),
    #[error("--last cannot be combined with --since, --until or --period")]
    LastCombined,
    #[error("--period cannot be combined with --until: use --since to pick the period")]
    PeriodWithUntil,
    #[error("--since {since} is after --until {until}: the window is empty")]
    Empty { since: Date, until: Date },
    #[error("--since {since} is after today ({today}): give --until too, or --period")]
    SinceAfterToday { since: Date, today: Date },
    #[error(transparent)]
    Date(#[from] crate::model::dates::DateError),
    #[error("cannot read `{0}` as a span: use a number of days or weeks such as 90d or 12w")]
    BadSpan(String),
}

pub fn window_for(
    calendar: &Calendar,
    since: Option<Date>,
    until: Option<Date>,
    period: Option<Period>,
    last_days: Option<u32>,
) -> Result<Window, WindowError> {
    let end_of = |date: Date| {
        date.tomorrow()
            .map_err(|_| WindowError::OutOfRange(date))
            .and_then(|next| Ok(calendar.midnight(next)?))
    };
    let last = |days: u32| -> Result<Window, WindowError> {
        if days == 0 {
            return Err(WindowError::EmptyLast);
        }
        let first = calendar
            .today
            .checked_sub(
                Span::new()
                    .try_days(i64::from(days - 1))
                    .map_err(|_| WindowError::LastOutOfRange(days))?,
            )
            .map_err(|_| WindowError::LastOutOfRange(days))?;
        Ok(Window {
            since: calendar.midnight(first)?,
            until: end_of(calendar.today)?,
        })
    };
    if let Some(days) = last_days {
        if since.is_some() || until.is_some() || period.is_some() {
            return Err(WindowError::LastCombined);
        }
        return last(days);
    }
    if let Some(period) = period {
        if until.is_some() {
            return Err(WindowError::PeriodWithUntil);
        }
        let anchor = since.unwrap_or(calendar.today);
        let start = period_start(anchor, period, calendar.week_start)
            .ok_or(WindowError::OutOfRange(anchor))?;
        let next = period_next(start, period).ok_or(WindowError::OutOfRange(anchor))?;
        return Ok(Window {
            since: calendar.midnight(start)?,
            until: calendar.midnight(next)?,
        });
    }
    if since.is_none() && until.is_none() {
        return last(DEFAULT_LAST_DAYS);
    }
    let first = since.unwrap_or(jiff::civil::date(1970, 1, 1));
    let last_day = until.unwrap_or(calendar.today);
    if first > last_day {
        return Err(match until {
            Some(_) => WindowError::Empty {
                since: first,
                until: last_day,
            },
            None => WindowError::SinceAfterToday {
                since: first,
                today: last_day,
            },
        });
    }
    Ok(Window {
        since: calendar.midnight(first)?,
        until: end_of(last_day)?,
    })
}

/// Reads the argument of `--last`: `90d`, `12w` or a bare number of days.
pub fn parse_last(text: &str) -> Result<u32, WindowError> {
    let text = text.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = text.strip_suffix('d') {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('w') {
        (n, 7)
    } else {
        (text.as_str(), 1)
    };
    number
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|n| (1..=3_660_000).contains(n))
        .ok_or_else(|| WindowError::BadSpan(text.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;
    use crate::model::dates::Calendar;

    fn calendar() -> Calendar {
        // 2026-11-27 is a Friday.
        Calendar {
            today: date(2026, 11, 27),
            week_start: Weekday::Monday,
            timezone: TimeZone::UTC,
        }
    }

    fn bounds(window: Window) -> (String, String) {
        (window.since.to_string(), window.until.to_string())
    }

    fn span(since: &str, until: &str) -> (String, String) {
        bounds(window(since, until))
    }

    #[test]
    fn windows_for_periods() {
        let c = calendar();
        let period = |p| bounds(window_for(&c, None, None, Some(p), None).expect("window"));
        assert_eq!(period(Period::Day), span("2026-11-27", "2026-11-28"));
        assert_eq!(period(Period::Week), span("2026-11-23", "2026-11-30"));
        assert_eq!(period(Period::Month), span("2026-11-01", "2026-12-01"));
        assert_eq!(period(Period::Quarter), span("2026-10-01", "2027-01-01"));
        assert_eq!(period(Period::Year), span("2026-01-01", "2027-01-01"));
        let sunday = Calendar {
            week_start: Weekday::Sunday,
            ..calendar()
        };
        assert_eq!(
            bounds(window_for(&sunday, None, None, Some(Period::Week), None).expect("week")),
            span("2026-11-22", "2026-11-29")
        );
        // --since picks the period.
        assert_eq!(
            bounds(
                window_for(&c, Some(date(2026, 2, 10)), None, Some(Period::Month), None)
                    .expect("february")
            ),
            span("2026-02-01", "2026-03-01")
        );
        // Cut in the pipeline's zone.
        let warsaw = Calendar {
            timezone: TimeZone::get("Europe/Warsaw").expect("tz"),
            ..calendar()
        };
        let month = window_for(&warsaw, None, None, Some(Period::Month), None).expect("month");
        assert_eq!(
            bounds(month),
            (
                "2026-10-31T23:00:00Z".to_string(),
                "2026-11-30T23:00:00Z".to_string()
            )
        );
    }

    #[test]
    fn windows_for_last_days_and_since_until() {
        let c = calendar();
        let last = window_for(&c, None, None, None, Some(90)).expect("last 90");
        assert_eq!(bounds(last), span("2026-08-30", "2026-11-28"));
        assert_eq!(last.days(), dec("90"));
        assert_eq!(
            window_for(&c, None, None, None, None).expect("default"),
            last
        );
        let since = Some(date(2026, 10, 1));
        let until = Some(date(2026, 10, 31));
        assert_eq!(
            bounds(window_for(&c, since, until, None, None).expect("since/until")),
            span("2026-10-01", "2026-11-01")
        );
        assert_eq!(
            bounds(window_for(&c, since, None, None, None).expect("since")),
            span("2026-10-01", "2026-11-28")
        );
        assert_eq!(
            bounds(window_for(&c, None, until, None, None).expect("until")),
            span("1970-01-01", "2026-11-01")
        );
        // One day: --since and --until the same date.
        assert_eq!(
            window_for(&c, until, until, None, None)
                .expect("one day")
                .days(),
            dec("1")
        );
    }

    #[test]
    fn conflicting_window_options_are_errors() {
        let c = calendar();
        let day = Some(date(2026, 10, 1));
        assert!(window_for(&c, day, None, None, Some(90)).is_err());
        assert!(window_for(&c, None, None, Some(Period::Month), Some(90)).is_err());
        assert!(window_for(&c, None, day, Some(Period::Month), None).is_err());
        assert!(window_for(&c, None, None, None, Some(0)).is_err());
        assert!(window_for(&c, None, None, None, Some(u32::MAX)).is_err());
        assert_eq!(
            window_for(&c, Some(date(2026, 11, 2)), day, None, None).unwrap_err(),
            WindowError::Empty {
                since: date(2026, 11, 2),
                until: date(2026, 10, 1)
            }
        );
        assert_eq!(
            window_for(&c, Some(date(2026, 12, 1)), None, None, None)
                .unwrap_err()
                .to_string(),
            "--since 2026-12-01 is after today (2026-11-27): give --until too, or --period"
        );
    }

    #[test]
    fn last_spans_read_days_and_weeks() {
        assert_eq!(parse_last("90d"), Ok(90));
        assert_eq!(parse_last("12w"), Ok(84));
        assert_eq!(parse_last("30"), Ok(30));
        assert!(parse_last("0d").is_err());
        assert_eq!(parse_last("3m"), Err(WindowError::BadSpan("3m".into())));
        assert!(parse_last("lots").is_err());
    }
}
