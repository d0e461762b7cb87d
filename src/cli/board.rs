//! `funnel board`: the pipeline at a glance.

use clap::Args;
use funnel::config::StageKind;
use funnel::json::money;
use rust_decimal::Decimal;
use serde_json::json;

use super::ui::{Format, Rows, amount};
use super::{CmdResult, Env};

/// Show the pipeline at a glance: per stage count, value, weighted value, oldest deal, WIP state
///
/// Values are in the pipeline's currency (other currencies converted with
/// [fx]); weighted value is value x probability. "oldest" is the age in days
/// of the stage's oldest deal by its created date. "wip" says when a stage
/// holds more deals than its wip_max or fewer than its wip_min.
///
/// JSON: {"currency", "today", "stages": [{"stage", "kind", "deals", "value",
/// "weighted_value", "oldest_deal", "oldest_days", "wip"}], "open": {"deals",
/// "value", "weighted_value"}}; money as decimal strings, wip "ok", "over" or
/// "under".
#[derive(Debug, Args)]
pub struct BoardArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: BoardArgs) -> CmdResult {
    let pipeline = env.load()?;
    let config = &pipeline.config;
    let today = env.today(config)?;
    let mut rows = Rows::new(vec!["stage", "deals", "value", "weighted", "oldest", "wip"])
        .numeric(&[1, 2, 3, 4]);
    let mut stages = Vec::new();
    let (mut open_deals, mut open_value, mut open_weighted) = (0, Decimal::ZERO, Decimal::ZERO);
    for stage in &config.stages {
        let deals: Vec<_> = pipeline
            .deals
            .iter()
            .filter(|d| d.stage == stage.id)
            .collect();
        let value: Decimal = deals.iter().filter_map(|d| d.value(config)).sum();
        let weighted: Decimal = deals.iter().filter_map(|d| d.weighted_value(config)).sum();
        let oldest = if stage.kind == StageKind::Open {
            deals
                .iter()
                .filter_map(|d| Some((d.date("created")?, &d.id)))
                .min()
                .map(|(created, id)| ((today - created).get_days(), id.clone()))
        } else {
            None
        };
        let wip = match (stage.wip_max, stage.wip_min) {
            (Some(max), _) if deals.len() > max as usize => format!("over {max}"),
            (_, Some(min)) if deals.len() < min as usize => format!("under {min}"),
            _ => String::new(),
        };
        if stage.kind == StageKind::Open {
            open_deals += deals.len();
            open_value += value;
            open_weighted += weighted;
        }
        rows.rows.push(vec![
            stage.id.clone(),
            deals.len().to_string(),
            amount(value),
            if stage.kind == StageKind::Open {
                amount(weighted)
            } else {
                String::new()
            },
            oldest
                .as_ref()
                .map(|(days, id)| format!("{days}d {id}"))
                .unwrap_or_default(),
            wip.clone(),
        ]);
        stages.push(json!({
            "stage": stage.id,
            "kind": stage.kind,
            "deals": deals.len(),
            "value": money(Some(value)),
            "weighted_value": if stage.kind == StageKind::Open { money(Some(weighted)) } else { serde_json::Value::Null },
            "oldest_deal": oldest.as_ref().map(|(_, id)| id.clone()),
            "oldest_days": oldest.as_ref().map(|(days, _)| *days),
            "wip": wip.split(' ').next().filter(|w| !w.is_empty()).unwrap_or("ok"),
        }));
    }
    rows.rows.push(vec![
        "open".to_string(),
        open_deals.to_string(),
        amount(open_value),
        amount(open_weighted),
        String::new(),
        String::new(),
    ]);
    env.ui.rows(args.format, &rows, || {
        json!({
            "currency": config.currency,
            "today": today.to_string(),
            "stages": stages,
            "open": { "deals": open_deals, "value": money(Some(open_value)), "weighted_value": money(Some(open_weighted)) },
        })
    })?;
    Ok(())
}
