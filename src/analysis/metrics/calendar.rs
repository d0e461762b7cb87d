//! The calendar under the metrics: months, midnights, calendar periods
//! and how many of them a window holds, exact durations in days.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rust_decimal::Decimal;

use super::stats::ratio;
use super::{Context, Facts, SECONDS_PER_DAY, Window};
use crate::model::config::Period;

/// The calendar months that overlap the window, from the month of the
/// earliest deal creation to the month of `now`.
pub(super) fn data_months(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<Month> {
    let tz = ctx.tz();
    let Some(earliest) = facts.iter().map(|f| f.deal.created).min() else {
        return Vec::new();
    };
    let Some(last_instant) = last_instant(ctx.window) else {
        return Vec::new();
    };
    let first = Month::of(ctx.window.since, tz).max(Month::of(earliest, tz));
    let last = Month::of(last_instant, tz).min(Month::of(ctx.now, tz));
    let mut months = Vec::new();
    let mut month = first;
    while month <= last {
        months.push(month);
        month = month.next();
    }
    months
}

/// A calendar month, as months since year 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Month(i32);

impl Month {
    pub(super) fn of(at: Timestamp, tz: &TimeZone) -> Month {
        let date = at.to_zoned_datetime(tz.clone()).date();
        Month(i32::from(date.year()) * 12 + i32::from(date.month()) - 1)
    }

    /// `YYYY-MM`, as the keys of `[spend]`.
    pub(super) fn parse(key: &str) -> Option<Month> {
        let (year, month) = key.trim().split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let month: i32 = month.parse().ok()?;
        ((1..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month(year * 12 + month - 1))
    }

    pub(super) fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub(super) fn month(self) -> i32 {
        self.0.rem_euclid(12) + 1
    }

    pub(super) fn key(self) -> String {
        format!("{:04}-{:02}", self.year(), self.month())
    }

    pub(super) fn next(self) -> Month {
        Month(self.0 + 1)
    }

    pub(super) fn previous(self) -> Month {
        Month(self.0 - 1)
    }

    pub(super) fn start(self, tz: &TimeZone) -> Option<Timestamp> {
        let year = i16::try_from(self.year()).ok()?;
        let month = i8::try_from(self.month()).ok()?;
        midnight(Date::new(year, month, 1).ok()?, tz)
    }

    pub(super) fn overlaps(self, window: Window, tz: &TimeZone) -> bool {
        match (self.start(tz), self.next().start(tz)) {
            (Some(start), Some(end)) => start < window.until && window.since < end,
            _ => false,
        }
    }
}

/// Midnight at the start of `date` in `tz`.
pub(super) fn midnight(date: Date, tz: &TimeZone) -> Option<Timestamp> {
    date.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The last instant inside a non-empty window.
pub(super) fn last_instant(window: Window) -> Option<Timestamp> {
    if window.until <= window.since {
        return None;
    }
    window.until.checked_sub(SignedDuration::from_nanos(1)).ok()
}

/// The first day of the calendar period that holds `date`.
pub(super) fn period_start(date: Date, period: Period, week_start: Weekday) -> Option<Date> {
    match period {
        Period::Day => Some(date),
        Period::Week => date
            .checked_sub(i64::from(week_start.until(date.weekday())).days())
            .ok(),
        Period::Month => Some(date.first_of_month()),
        Period::Quarter => Date::new(date.year(), (date.month() - 1) / 3 * 3 + 1, 1).ok(),
        Period::Year => Some(date.first_of_year()),
    }
}

/// The first day of the period after the one that starts on `start`.
pub(super) fn period_next(start: Date, period: Period) -> Option<Date> {
    let span = match period {
        Period::Day => 1.days(),
        Period::Week => 1.weeks(),
        Period::Month => 1.months(),
        Period::Quarter => 3.months(),
        Period::Year => 1.years(),
    };
    start.checked_add(span).ok()
}

/// How many calendar periods `window` holds: whole periods count 1, the
/// periods at its ends the share of their length that lies in the window.
pub(super) fn periods_in(
    window: Window,
    per: Period,
    tz: &TimeZone,
    week_start: Weekday,
) -> Option<Decimal> {
    let last = last_instant(window)?;
    let local = |at: Timestamp| at.to_zoned_datetime(tz.clone()).date();
    let first = period_start(local(window.since), per, week_start)?;
    let last = period_start(local(last), per, week_start)?;
    let bounds = |start: Date| -> Option<(Timestamp, Timestamp)> {
        Some((
            midnight(start, tz)?,
            midnight(period_next(start, per)?, tz)?,
        ))
    };
    let share = |from: Timestamp, to: Timestamp, (start, end): (Timestamp, Timestamp)| {
        ratio(seconds(from, to), seconds(start, end))
    };
    let (first_start, first_end) = bounds(first)?;
    if first == last {
        return share(window.since, window.until, (first_start, first_end));
    }
    let (last_start, last_end) = bounds(last)?;
    let civil_days = last.duration_since(first).as_secs() / SECONDS_PER_DAY;
    let month_index = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month());
    let apart = match per {
        Period::Day => civil_days,
        Period::Week => civil_days / 7,
        Period::Month => month_index(last) - month_index(first),
        Period::Quarter => (month_index(last) - month_index(first)) / 3,
        Period::Year => i64::from(last.year()) - i64::from(first.year()),
    };
    let head = share(window.since, first_end, (first_start, first_end))?;
    let tail = share(last_start, window.until, (last_start, last_end))?;
    Some(head + Decimal::from(apart - 1) + tail)
}

/// Seconds from `from` to `to`, never negative.
pub(super) fn seconds(from: Timestamp, to: Timestamp) -> Decimal {
    Decimal::from((to.as_second() - from.as_second()).max(0))
}

/// Days from `from` to `to`, never negative.
pub(super) fn days_between(from: Timestamp, to: Timestamp) -> Decimal {
    seconds(from, to) / Decimal::from(SECONDS_PER_DAY)
}

/// The calendar periods of length `per` that overlap `window`, each cut
/// to the window, oldest first (for `report --trend`).
pub fn periods(window: &Window, per: Period, tz: &TimeZone, week_start: Weekday) -> Vec<Window> {
    let Some(last) = last_instant(*window) else {
        return Vec::new();
    };
    let local = |at: Timestamp| at.to_zoned_datetime(tz.clone()).date();
    let midnight = |date: Date| {
        date.to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| z.timestamp())
    };
    let mut out = Vec::new();
    let mut start = period_start(local(window.since), per, week_start);
    let last = period_start(local(last), per, week_start);
    while let (Some(first), Some(last)) = (start, last) {
        if first > last {
            break;
        }
        let next = period_next(first, per);
        let (Some(since), Some(until)) = (midnight(first), next.and_then(midnight)) else {
            break;
        };
        out.push(Window {
            since: since.max(window.since),
            until: until.min(window.until),
        });
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::testing::*;

    #[test]
    fn targets_scale_by_the_calendar() {
        let tz = TimeZone::UTC;
        let n = |since: &str, until: &str, per| {
            periods_in(window(since, until), per, &tz, Weekday::Monday)
        };
        assert_eq!(n("2026-10-01", "2026-11-01", Period::Month), some("1"));
        assert_eq!(n("2026-10-15", "2026-12-15", Period::Month), some("2"));
        assert_eq!(n("2026-10-01", "2027-01-01", Period::Month), some("3"));
        assert_eq!(n("2026-10-01", "2027-01-01", Period::Quarter), some("1"));
        assert_eq!(n("2026-01-01", "2027-01-01", Period::Year), some("1"));
        assert_eq!(n("2026-10-01", "2026-11-01", Period::Day), some("31"));
        assert_eq!(n("2026-11-02", "2026-11-16", Period::Week), some("2"));
        assert_eq!(n("2026-10-01", "2026-10-01", Period::Month), None);
        // In Warsaw, October 2026 has 745 hours; it still counts as one month.
        let warsaw = TimeZone::get("Europe/Warsaw").expect("tz");
        let since = midnight(date(2026, 10, 1), &warsaw).expect("midnight");
        let until = midnight(date(2026, 11, 1), &warsaw).expect("midnight");
        let october = Window { since, until };
        assert_eq!(
            periods_in(october, Period::Month, &warsaw, Weekday::Monday),
            some("1")
        );
    }
}
