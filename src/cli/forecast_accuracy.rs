//! `funnel report`'s forecast accuracy: computed from the snapshot's
//! history and printed as its own tables after the report.

use funnel::analysis::forecast_accuracy::{MonthAccuracy, forecast_accuracy};
use funnel::analysis::metrics::Window;
use funnel::analysis::snapshot::Snapshot;
use funnel::model::config::Config;
use funnel::model::money::{fixed, grouped, round};
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::Env;
use super::ui::{Closed, Rows};

/// The closed months of `window` with their forecast, result and slips.
pub fn compute(snapshot: &Snapshot, window: &Window, now: Timestamp) -> Vec<MonthAccuracy> {
    let figures = |blobs: &[funnel::git::BlobId]| snapshot.version_figures(blobs);
    forecast_accuracy(
        &snapshot.pipeline.config,
        &snapshot.history,
        &figures,
        window,
        now,
    )
}

/// The months as a table, then the deals that slipped out of each (money
/// in whole units of the pipeline's currency, as the report's tables).
pub fn print(env: &mut Env, config: &Config, months: &[MonthAccuracy]) -> Result<(), Closed> {
    if months.is_empty() {
        return Ok(());
    }
    let money = |d: Decimal| grouped(&round(d, 0).to_string());
    let with = |d: Decimal, n: usize| format!("{} ({n})", money(d));
    let percent = |ratio: Option<Decimal>| {
        ratio.map_or("n/a".to_string(), |r| {
            format!("{}%", fixed(r * Decimal::ONE_HUNDRED, 1))
        })
    };
    let mut rows = Rows::new(vec![
        "month",
        "forecast (deals)",
        "a month before",
        "won (wins)",
        "accuracy",
        "vs before",
        "slipped",
    ])
    .numeric(&[1, 2, 3, 4, 5, 6]);
    let mut slipped =
        Rows::new(vec!["month", "deal", "stage at its end", "value", "close"]).numeric(&[3]);
    for month in months {
        rows.rows.push(vec![
            month.month.clone(),
            with(month.forecast.weighted, month.forecast.deals),
            with(
                month.forecast_month_before.weighted,
                month.forecast_month_before.deals,
            ),
            with(month.won, month.won_deals),
            percent(month.ratio),
            percent(month.ratio_month_before),
            month.slipped.len().to_string(),
        ]);
        for deal in &month.slipped {
            slipped.rows.push(vec![
                month.month.clone(),
                deal.deal.clone(),
                deal.stage.clone(),
                deal.value.map(money).unwrap_or_default(),
                deal.expected_close
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    let mut text = format!(
        "\nForecast accuracy: each closed month's weighted forecast against the value won ({})\n{}",
        config.currency,
        env.ui.table(&rows)
    );
    if !slipped.rows.is_empty() {
        text.push_str(&format!(
            "\nSlipped: expected to close in the month, still open at its end\n{}",
            env.ui.table(&slipped)
        ));
    }
    env.ui.out(&text)
}
