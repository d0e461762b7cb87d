//! `funnel add`: create a deal.

use clap::Args;
use funnel::ops::NewDeal;

use super::{CmdResult, CommitArgs, Env, assignments};

/// Create a deal file and commit it
///
/// The ID is derived from the title (ASCII, lowercase, words joined by '-',
/// with -2, -3 on collision) unless --id is given. The owner defaults to
/// you (git config funnel.owner, else the local part of user.email). The
/// stage's `require`d fields must be given, and its follow_up sets the next
/// step unless --next-step is given.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The deal's title, such as "Acme Corp: CRM rollout"
    pub title: String,
    /// The deal's ID (default: derived from the title)
    #[arg(long)]
    pub id: Option<String>,
    /// The stage (default: the first open stage)
    #[arg(add = super::complete::with(super::complete::stages), long)]
    pub stage: Option<String>,
    /// The deal's value in the pipeline's currency (or --currency)
    #[arg(long, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// The value's currency, when not the pipeline's
    #[arg(long)]
    pub currency: Option<String>,
    /// The customer's company
    #[arg(long)]
    pub account: Option<String>,
    /// Who owns the deal (default: you)
    #[arg(add = super::complete::with(super::complete::owners), long)]
    pub owner: Option<String>,
    /// The product category
    #[arg(long)]
    pub product: Option<String>,
    /// The lead source or channel
    #[arg(long)]
    pub source: Option<String>,
    /// The expected close date (a date expression)
    #[arg(long, value_name = "DATE")]
    pub close: Option<String>,
    /// The next step
    #[arg(long, value_name = "TEXT")]
    pub next_step: Option<String>,
    /// When the next step is due (a date expression)
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// Any other field, KEY=VALUE (repeatable)
    #[arg(add = super::complete::with(super::complete::assignments), long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub commit: CommitArgs,
}

pub fn run(env: &mut Env, args: AddArgs) -> CmdResult {
    let (ws, at) = env.workspace(&args.commit)?;
    let owner = args.owner.clone().or_else(|| ws.repo.owner_name());
    let mut fields: Vec<(String, String)> = [
        ("account", args.account),
        ("owner", owner),
        ("value", args.value),
        ("currency", args.currency),
        ("product", args.product),
        ("source", args.source),
        ("expected_close", args.close),
        ("next_step", args.next_step),
        ("next_step_due", args.due),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
    .collect();
    fields.extend(assignments(&args.set)?);
    let outcome = funnel::ops::add(
        &ws,
        NewDeal {
            title: args.title,
            id: args.id,
            stage: args.stage,
            fields,
        },
        at,
    )?;
    env.committed(&outcome);
    if let Some(path) = &outcome.path {
        env.ui.out(&format!("{}\n", path.display()))?;
    }
    Ok(())
}
