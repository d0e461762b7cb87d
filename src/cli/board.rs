//! `funnel board`: the pipeline at a glance.

use clap::Args;
use funnel::analysis::doctor::Pace;
use funnel::model::config::StageKind;
use funnel::model::json::money;
use rust_decimal::Decimal;
use serde_json::json;

use funnel::model::money::amount;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show the pipeline at a glance: per stage count, value, weighted value, oldest deal, stalled, idle, WIP state
///
/// Values are in the pipeline's currency (other currencies converted with
/// [fx]); weighted value is value x probability. "oldest" is the deal that
/// has been in the stage longest and its days there, from the git history
/// (its created date when git has not seen it). "stalled" counts deals in
/// the stage longer than its max_days, "idle" deals unchanged for longer
/// than its idle_days; snoozed deals count in neither. "wip" says when a
/// stage holds more deals than its wip_max or fewer than its wip_min.
/// Deal files changed but not committed count as they are, and a note on
/// stderr names them, as `git status --short` would.
///
/// JSON: {"currency", "today", "stages": [{"stage", "kind", "deals", "value",
/// "weighted_value", "oldest_deal", "oldest_days", "stalled", "idle",
/// "wip"}], "open": {"deals", "value", "weighted_value", "stalled",
/// "idle"}}; money as decimal strings (weighted_value null for closed
/// stages), wip "ok", "over" or "under".
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
    let facts = env.facts(&pipeline)?;
    let none = funnel::analysis::filter::DealFacts::default();
    let mut rows = Rows::new(vec![
        "stage", "deals", "value", "weighted", "oldest", "stalled", "idle", "wip",
    ])
    .numeric(&[1, 2, 3, 5, 6]);
    let mut stages = Vec::new();
    let (mut open_deals, mut open_value, mut open_weighted) = (0, Decimal::ZERO, Decimal::ZERO);
    let (mut open_stalled, mut open_idle) = (0, 0);
    for stage in &config.stages {
        let deals: Vec<_> = pipeline
            .deals
            .iter()
            .filter(|d| d.stage == stage.id)
            .collect();
        let value: Decimal = deals.iter().filter_map(|d| d.value(config)).sum();
        let weighted: Decimal = deals.iter().filter_map(|d| d.weighted_value(config)).sum();
        let paces: Vec<(Pace, &String)> = deals
            .iter()
            .map(|d| {
                (
                    Pace::of(config, d, facts.get(&d.id).unwrap_or(&none), today),
                    &d.id,
                )
            })
            .collect();
        let oldest = paces
            .iter()
            .filter_map(|(p, id)| Some((p.in_stage?, *id)))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)))
            .map(|(days, id)| (days, id.clone()));
        let stalled = paces.iter().filter(|(p, _)| p.stalled.is_some()).count();
        let idle = paces.iter().filter(|(p, _)| p.idle.is_some()).count();
        let wip = match (stage.wip_max, stage.wip_min) {
            (Some(max), _) if deals.len() > max as usize => format!("over {max}"),
            (_, Some(min)) if deals.len() < min as usize => format!("under {min}"),
            _ => String::new(),
        };
        if stage.kind == StageKind::Open {
            open_deals += deals.len();
            open_value += value;
            open_weighted += weighted;
            open_stalled += stalled;
            open_idle += idle;
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
            if stage.kind == StageKind::Open {
                stalled.to_string()
            } else {
                String::new()
            },
            if stage.kind == StageKind::Open {
                idle.to_string()
            } else {
                String::new()
            },
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
            "stalled": stalled,
            "idle": idle,
            "wip": wip.split(' ').next().filter(|w| !w.is_empty()).unwrap_or("ok"),
        }));
    }
    rows.rows.push(vec![
        "open".to_string(),
        open_deals.to_string(),
        amount(open_value),
        amount(open_weighted),
        String::new(),
        open_stalled.to_string(),
        open_idle.to_string(),
        String::new(),
    ]);
    if let Some(repo) = funnel::git::Repo::open(&pipeline.root)? {
        let stages: Vec<&str> = config.stage_ids().collect();
        let changed = repo.uncommitted(&stages)?;
        if !changed.is_empty() {
            env.ui.status(&format!(
                "note: counted as they are in the work tree, not committed yet: {}",
                changed.join(", ")
            ));
        }
    }
    env.ui.rows(args.format, &rows, || {
        json!({
            "currency": config.currency,
            "today": today.to_string(),
            "stages": stages,
            "open": {
                "deals": open_deals,
                "value": money(Some(open_value)),
                "weighted_value": money(Some(open_weighted)),
                "stalled": open_stalled,
                "idle": open_idle,
            },
        })
    })?;
    Ok(())
}
