//! `funnel next`: a rep's work for today.

use clap::Args;
use funnel::analysis::next::next;
use funnel::error::Error;

use funnel::model::money::amount;

use super::ui::{Format, Rows};
use super::{CmdResult, Env, FilterArgs};

/// Show today's work for a rep: next steps due, overdue promises, follow-ups, stalled and idle deals
///
/// Ranked by value at stake (value x probability), so the biggest deals
/// come first. Your deals by default: the owner is git config
/// funnel.owner, else the local part of user.email as .mailmap maps it
/// (the same mapping that names commit authors in log, show and export);
/// --owner NAME for someone else's, --all for everyone's.
///
/// JSON: {"owner", "today", "items": [{"deal", "stage", "what", "kind",
/// "fix", "at_stake"}]}; kind is "due_today" or a doctor finding kind.
#[derive(Debug, Args)]
pub struct NextArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Whose work (default: yours)
    #[arg(add = super::complete::with(super::complete::owners), long, value_name = "NAME", conflicts_with = "all")]
    pub owner: Option<String>,
    /// Everyone's work
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub as_of: super::AsOfArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(env: &mut Env, args: NextArgs) -> CmdResult {
    env.look_back(&args.as_of)?;
    let owner = match (args.all, args.owner) {
        (true, _) => "all".to_string(),
        (false, Some(owner)) => owner,
        (false, None) => funnel::git::Repo::open(&env.root()?)?
            .and_then(|r| r.owner_name())
            .ok_or_else(|| {
                Error::hinted(
                    "who are you? git has no funnel.owner and no user.email here",
                    "run `git config funnel.owner YOUR-NAME`, or pass --owner NAME or --all",
                )
            })?,
    };
    // One owner's work reads the doctor's keys of their deals alone.
    let mine = (owner != "all").then_some(owner.as_str());
    let mut snapshot = env.doctor_snapshot(&args.filter.terms, mine)?;
    let filter = env.filter(&snapshot.pipeline, &args.filter.terms)?;
    let today = env.today(&snapshot.pipeline.config)?;
    let deals = &snapshot.pipeline.deals;
    if owner != "all" && !deals.iter().any(|d| d.owner() == Some(owner.as_str())) {
        // Every deal kept its owner (`Env::doctor_snapshot`).
        let mut owners: Vec<&str> = deals.iter().filter_map(|d| d.owner()).collect();
        owners.sort_unstable();
        owners.dedup();
        env.ui.warning(&format!(
            "no deal has owner `{owner}`; the owners are: {} (--owner NAME, --all)",
            owners.join(", ")
        ));
    }
    snapshot.retain(&filter);
    let work = next(&snapshot.pipeline, today, &owner);
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
