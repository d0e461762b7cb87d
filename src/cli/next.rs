//! `funnel next`: a rep's work for today.

use clap::Args;
use funnel::analysis::doctor::{Kind, diagnose};
use serde_json::json;

use funnel::model::money::amount;

use super::ui::{Format, Rows};
use super::{CmdResult, Env};

/// Show today's work for a rep: next steps due, overdue promises, follow-ups, stalled and idle deals
///
/// Ranked by value at stake (value x probability), so the biggest deals
/// come first. The owner defaults to you: git config funnel.owner, else the
/// local part of user.email.
///
/// JSON: {"owner", "today", "items": [{"deal", "stage", "what", "kind",
/// "fix", "at_stake"}]}; kind is "due_today" or a doctor finding kind.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// Whose work (default: you); "all" for everyone's
    #[arg(long)]
    pub owner: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

const KINDS: [Kind; 6] = [
    Kind::BrokenPromise,
    Kind::FollowUpDue,
    Kind::DeadDeal,
    Kind::Stalled,
    Kind::Idle,
    Kind::NeglectedCustomer,
];

pub fn run(env: &mut Env, args: NextArgs) -> CmdResult {
    let pipeline = env.load()?;
    let config = &pipeline.config;
    let today = env.today(config)?;
    let facts = env.facts(&pipeline)?;
    let owner = match args.owner {
        Some(owner) => owner,
        None => funnel::git::Repo::open(&pipeline.root)?
            .and_then(|r| r.owner_name())
            .unwrap_or_else(|| "all".into()),
    };
    let mine = |o: Option<&str>| owner == "all" || o == Some(owner.as_str());
    let mut items: Vec<(
        Option<rust_decimal::Decimal>,
        String,
        String,
        String,
        String,
        String,
    )> = Vec::new();
    for deal in pipeline.deals.iter().filter(|d| mine(d.owner())) {
        if deal.date("next_step_due") == Some(today)
            && !funnel::analysis::doctor::follow_up_left_behind(config, deal)
        {
            items.push((
                deal.weighted_value(config),
                deal.id.clone(),
                deal.stage.clone(),
                format!(
                    "due today: {}",
                    deal.text("next_step").unwrap_or("the next step")
                ),
                "due_today".into(),
                format!(
                    "funnel set {} next_step=\"...\" next_step_due=...   # when done",
                    deal.id
                ),
            ));
        }
    }
    for f in diagnose(&pipeline, &facts, today) {
        if KINDS.contains(&f.kind) && mine(f.owner.as_deref()) {
            items.push((
                f.at_stake,
                f.deals.join(", "),
                f.stage.unwrap_or_default(),
                f.message,
                f.kind.name().into(),
                f.fix,
            ));
        }
    }
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut rows = Rows::new(vec!["at stake", "deal", "stage", "what", "fix"]).numeric(&[0]);
    for (stake, deal, stage, what, _, fix) in &items {
        rows.rows.push(vec![
            stake.map(amount).unwrap_or_default(),
            deal.clone(),
            stage.clone(),
            what.clone(),
            fix.clone(),
        ]);
    }
    env.ui.rows(args.format, &rows, || {
        json!({
            "owner": owner,
            "today": today.to_string(),
            "items": items.iter().map(|(stake, deal, stage, what, kind, fix)| json!({
                "deal": deal, "stage": stage, "what": what, "kind": kind, "fix": fix,
                "at_stake": funnel::model::json::money(*stake),
            })).collect::<Vec<_>>(),
        })
    })?;
    env.ui
        .status(&format!("{} item(s) for {owner} on {today}", items.len()));
    Ok(())
}
