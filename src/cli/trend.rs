//! `funnel report --trend`: the headline metrics per period, computed
//! from the snapshot's history and printed as their own table.

use funnel::analysis::metrics::{Figure, Window};
use funnel::analysis::snapshot::Snapshot;
use funnel::analysis::trend::{PeriodFigures, Sources, trend};
use funnel::model::config::Period;
use funnel::model::money::{fixed, grouped, round};
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::Env;
use super::ui::{Closed, Rows};

/// `--trend`'s values: month or quarter.
pub fn trend_periods() -> impl clap::builder::TypedValueParser<Value = Period> {
    use clap::builder::TypedValueParser as _;
    let all = [Period::Month, Period::Quarter];
    clap::builder::PossibleValuesParser::new(all.map(Period::name)).try_map(move |name| {
        all.into_iter()
            .find(|p| p.name() == name)
            .ok_or("no such period")
    })
}

/// Each period's figures, as it stood at its end.
pub fn compute(
    snapshot: &Snapshot,
    window: &Window,
    per: Period,
    now: Timestamp,
) -> Vec<PeriodFigures> {
    let repo = snapshot.repo.as_ref();
    let texts = |blobs: &[funnel::git::BlobId]| match repo {
        Some(repo) => funnel::git::history::blob_texts(repo, blobs),
        None => vec![None; blobs.len()],
    };
    let values = |blobs: &[funnel::git::BlobId]| snapshot.version_values(blobs);
    let cache = snapshot.deal_cache();
    let known = |blob, path: &std::path::Path| cache.deal_of_blob(blob, path);
    let sources = Sources {
        history: &snapshot.history,
        known: &known,
        texts: &texts,
        values: &values,
    };
    trend(&snapshot.pipeline, &sources, window, per, now)
}

/// The periods as a table: one row per period, one column per metric,
/// each value with the deals it rests on (money in whole units of the
/// pipeline's currency, as the report's tables).
pub fn print(
    env: &mut Env,
    currency: &str,
    per: Period,
    periods: &[PeriodFigures],
) -> Result<(), Closed> {
    if periods.is_empty() {
        return Ok(());
    }
    let show = |f: &Figure, form: &dyn Fn(Decimal) -> String| {
        let value = f.value.map_or("n/a".to_string(), form);
        format!("{value} ({})", f.deals)
    };
    let money = |d: Decimal| grouped(&round(d, 0).to_string());
    let percent = |d: Decimal| format!("{}%", fixed(d, 1));
    let days = |d: Decimal| format!("{} d", fixed(d, 1));
    let mut rows = Rows::new(vec![
        "period",
        "win rate",
        "deal size",
        "cycle",
        "velocity/day",
        "new value",
        "won value",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6]);
    for p in periods {
        rows.rows.push(vec![
            label(p, per),
            show(&p.win_rate, &percent),
            show(&p.deal_size, &money),
            show(&p.cycle_days, &days),
            show(&p.velocity_per_day, &money),
            show(&p.new_value, &money),
            show(&p.won_value, &money),
        ]);
    }
    let text = format!(
        "\nTrend: each period as it stood at its end ({currency}; deals in brackets; * part of it)\n{}",
        env.ui.table(&rows)
    );
    env.ui.out(&text)
}

/// A period as people name it: `2026-06` for a month, `2026-Q3` for a
/// quarter, with `*` when the window holds only part of it.
fn label(p: &PeriodFigures, per: Period) -> String {
    let day = |text: &str| jiff::civil::Date::strptime("%Y-%m-%d", text).ok();
    let (Some(since), Some(until)) = (day(&p.since), day(&p.until)) else {
        return format!("{}..{}", p.since, p.until);
    };
    let quarter = per == Period::Quarter;
    let name = if quarter {
        format!("{}-Q{}", since.year(), (since.month() - 1) / 3 + 1)
    } else {
        format!("{}-{:02}", since.year(), since.month())
    };
    let last =
        until.tomorrow().is_ok_and(|next| next.day() == 1) && (!quarter || until.month() % 3 == 0);
    let first = since.day() == 1 && (!quarter || (since.month() - 1) % 3 == 0);
    if first && last {
        name
    } else {
        format!("{name}*")
    }
}
