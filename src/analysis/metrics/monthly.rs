//! Month by month: new deals and value against the lead-generation
//! targets, deals won and lost, the win rate and the won value against the
//! won target, for each calendar month of the trend (the twelve months up
//! to the window's end, or the whole window when it is longer).
//!
//! Each month is a window of its own for the same figures `report` uses
//! (`lead_generation`, `win_rate`), so a month reads as `report --period
//! month --since FIRST` of that month does. The current month counts up to
//! `now`, against its whole month's targets (month to date against the
//! month's goal).

use rust_decimal::Decimal;
use serde::Serialize;

use super::calendar::{Month, data_months, last_instant};
use super::{Context, Facts, Figure, Window, lead_generation, win_rate};
use crate::model::money::round;

/// Months in the trend when the window is shorter.
pub const TREND_MONTHS: usize = 12;

/// One calendar month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthTrend {
    /// `YYYY-MM`.
    pub month: String,
    /// Deals created in the month.
    pub new_deals: Decimal,
    /// Their value.
    pub new_value: Decimal,
    /// `targets.new_deals` for the whole month, when set.
    pub new_deals_target: Option<Decimal>,
    /// `targets.new_value` for the whole month, when set.
    pub new_value_target: Option<Decimal>,
    /// Deals won and lost in the month, and won / (won + lost) in percent.
    pub won: usize,
    pub lost: usize,
    pub win_rate: Figure,
    /// The value at close of the deals won in the month.
    pub won_value: Decimal,
    /// `targets.won_value` for the whole month, when set.
    pub won_target: Option<Decimal>,
}

pub(super) fn months(ctx: &Context<'_>, facts: &[Facts<'_>]) -> Vec<MonthTrend> {
    let tz = ctx.tz();
    let trend = Context {
        config: ctx.config,
        window: trend_window(ctx),
        now: ctx.now,
    };
    data_months(&trend, facts)
        .into_iter()
        .filter_map(|month| {
            let window = Window {
                since: month.start(tz)?,
                until: month.next().start(tz)?,
            };
            let ctx = Context {
                config: ctx.config,
                window,
                now: ctx.now,
            };
            let won: Vec<&Facts<'_>> = facts.iter().filter(|f| f.won_in(&window)).collect();
            let lost: Vec<&Facts<'_>> = facts.iter().filter(|f| f.lost_in(&window)).collect();
            let rate = win_rate::win_rate(&ctx, facts, &won, &lost);
            let leads = lead_generation::lead_generation(&ctx, facts);
            // The whole month's target, as `report --period month` scales it.
            let target =
                |amount: Decimal, per| round(amount.saturating_mul(ctx.periods_in(window, per)), 2);
            let targets = &ctx.config.targets;
            Some(MonthTrend {
                month: month.key(),
                new_deals: leads.deals.total,
                new_value: leads.value.total,
                new_deals_target: targets
                    .new_deals
                    .as_ref()
                    .map(|t| target(Decimal::from(t.count), t.per)),
                new_value_target: targets.new_value.as_ref().map(|t| target(t.amount, t.per)),
                won_target: targets.won_value.as_ref().map(|t| target(t.amount, t.per)),
                won: rate.won,
                lost: rate.lost,
                win_rate: rate.by_count,
                won_value: rate.won_value,
            })
        })
        .collect()
}

/// The window of the trend: from the first of the month
/// [`TREND_MONTHS`] - 1 months before the window's last month, or the
/// window's start when that is earlier, to the window's end.
fn trend_window(ctx: &Context<'_>) -> Window {
    let window = ctx.window;
    let Some(last) = last_instant(window) else {
        return window;
    };
    let mut first = Month::of(last, ctx.tz());
    for _ in 1..TREND_MONTHS {
        first = first.previous();
    }
    let since = first
        .start(ctx.tz())
        .map_or(window.since, |start| start.min(window.since));
    Window {
        since,
        until: window.until,
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::testing::*;

    #[test]
    fn each_month_is_a_window_of_its_own() {
        // October's deals seen from mid-November, with the October window:
        // the trend runs from the first deal (September) to the window's end.
        let deals = october_deals();
        let now = at("2026-11-16");
        let b = breakdown(&config(), &deals, &october(), now);
        let rows: Vec<_> = b
            .months
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    m.new_deals,
                    m.new_value,
                    m.won,
                    m.lost,
                    m.win_rate.value,
                    m.won_value,
                    m.won_target,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                // Created: w1, o2, w0 (no value for o2); won: w0 9999.
                (
                    "2026-09",
                    dec("3"),
                    dec("10999"),
                    1,
                    0,
                    some("100"),
                    dec("9999"),
                    some("50000")
                ),
                // As the October report: 3 won of 4 closed, 9000 won; created
                // w2 (3000 now), w3, l1, o1.
                (
                    "2026-10",
                    dec("4"),
                    dec("13500"),
                    3,
                    1,
                    some("75"),
                    dec("9000"),
                    some("50000")
                ),
            ]
        );
        // The month's lead-generation targets, as `report` scales them:
        // 250 a day over October's 31 days.
        assert_eq!(b.months[1].new_value_target, some("7750"));
        let october = report(&config(), &deals, &october(), now);
        assert_eq!(b.months[1].win_rate, october.win_rate.by_count);
        assert_eq!(
            b.months[1].new_deals_target,
            october.lead_generation.deals.target.map(|t| t.for_window)
        );
    }

    #[test]
    fn the_trend_covers_twelve_months_or_a_longer_window() {
        let deals = [deal("old", &[("lead", "2024-01-15")])];
        let now = at("2026-11-16");
        let months = |w: Window| -> Vec<String> {
            breakdown(&config(), &deals, &w, now)
                .months
                .into_iter()
                .map(|m| m.month)
                .collect()
        };
        let twelve = months(october());
        assert_eq!(twelve.len(), 12);
        assert_eq!(
            (twelve[0].as_str(), twelve[11].as_str()),
            ("2025-11", "2026-10")
        );
        let long = months(window("2025-01-01", "2026-11-01"));
        assert_eq!((long.len(), long[0].as_str()), (22, "2025-01"));
    }
}
