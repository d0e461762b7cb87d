//! `funnel next`: a rep's work for today.

use clap::Args;
use funnel::analysis::next::next;

use funnel::model::money::amount;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, FilterArgs};

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
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Whose work (default: you); "all" for everyone's
    #[arg(long)]
    pub owner: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: NextArgs) -> CmdResult {
    let mut snapshot = env.snapshot(None)?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    snapshot.retain(&filter);
    let today = env.today(&snapshot.pipeline.config)?;
    let owner = match args.owner {
        Some(owner) => owner,
        None => snapshot
            .repo
            .as_ref()
            .and_then(|r| r.owner_name())
            .unwrap_or_else(|| "all".into()),
    };
    let work = next(&snapshot.pipeline, snapshot.facts(), today, &owner);
    let mut rows = Rows::new(vec!["at stake", "deal", "stage", "what", "fix"])
        .money(&[0], &snapshot.pipeline.config.currency);
    for item in &work.items {
        rows.rows.push(vec![
            item.at_stake.map(amount).unwrap_or_default(),
            item.deal.clone(),
            item.stage.clone(),
            item.what.clone(),
            item.fix.clone(),
        ]);
    }
    env.ui.rows_with(args.format, &rows, || &work)?;
    env.ui.status(&format!(
        "{} item(s) for {owner} on {today}",
        work.items.len()
    ));
    snapshot.leave();
    Ok(())
}
