//! What each column of an export means: the presets for the CRMs people
//! leave (the header names their exports write, matched forgivingly), and
//! `--map COLUMN=FIELD` on top of them.

use super::table::{Table, normal};
use crate::error::{Error, Result};
use crate::model::problem::did_you_mean;

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The deal's id in the source system (recorded as `import_id`).
    Id,
    Title,
    /// The deal's current stage, as the source names it.
    Stage,
    /// `open`, `won` or `lost` (Pipedrive's status).
    Status,
    /// `true`/`false` (Salesforce's IsWon, IsClosed).
    IsWon,
    IsClosed,
    /// When the deal was created.
    Created,
    /// When a won or lost deal closed; an open deal's expected close.
    CloseDate,
    /// When the deal entered this stage (a source name or a pipeline stage).
    Entered(String),
    /// When the deal entered its current stage.
    EnteredCurrent,
    /// When the deal was won / lost (used when it is).
    WonAt,
    LostAt,
    /// In a long-form history: when the row's stage was entered.
    At,
    /// A deal field: `value`, `account`, `owner` ... or a custom key.
    Field(String),
    Ignore,
}

impl std::str::FromStr for Target {
    type Err = Error;

    fn from_str(s: &str) -> Result<Target> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        if let Some(stage) = s.strip_prefix("entered:") {
            return Ok(Target::Entered(stage.trim().to_string()));
        }
        Ok(match lower.as_str() {
            "id" | "import_id" => Target::Id,
            "title" => Target::Title,
            "stage" => Target::Stage,
            "status" => Target::Status,
            "is_won" => Target::IsWon,
            "is_closed" => Target::IsClosed,
            "created" => Target::Created,
            "close_date" => Target::CloseDate,
            "entered" => Target::EnteredCurrent,
            "won_at" => Target::WonAt,
            "lost_at" => Target::LostAt,
            "at" => Target::At,
            "-" | "ignore" => Target::Ignore,
            _ => {
                crate::store::dealfile::check_key(s).map_err(|e| {
                    Error::hinted(
                        format!("--map: `{s}` is not a field: {e}"),
                        "fields: id, title, stage, status, is_won, is_closed, created, close_date, entered, entered:STAGE, won_at, lost_at, at, -, or a deal key such as value, account, owner, product",
                    )
                })?;
                Target::Field(s.to_string())
            }
        })
    }
}

/// The exports funnel knows by their column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// HubSpot's deals export, with its `Date entered "STAGE (PIPELINE)"` columns
    Hubspot,
    /// Salesforce's Opportunity export (and its OpportunityHistory with --history)
    Salesforce,
    /// Pipedrive's deals export (no stage history: created, last stage change, won/lost time)
    Pipedrive,
    /// A long-form history, one row per stage entry (deal, stage, at), such as Zoho's Stage History
    History,
    /// funnel's own `export` (deals, with --history its stage changes)
    Funnel,
}

impl std::str::FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Preset, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hubspot" => Ok(Preset::Hubspot),
            "salesforce" => Ok(Preset::Salesforce),
            "pipedrive" => Ok(Preset::Pipedrive),
            "history" | "zoho" => Ok(Preset::History),
            "funnel" => Ok(Preset::Funnel),
            _ => Err(format!(
                "`{s}` is not a preset: hubspot, salesforce, pipedrive, history (also zoho) or funnel"
            )),
        }
    }
}

impl Preset {
    /// The system's name in `import_id` (`hubspot:1234`).
    pub fn system(self) -> &'static str {
        match self {
            Preset::Hubspot => "hubspot",
            Preset::Salesforce => "salesforce",
            Preset::Pipedrive => "pipedrive",
            Preset::History => "history",
            Preset::Funnel => "funnel",
        }
    }

    fn columns(self) -> &'static [(&'static [&'static str], &'static str)] {
        match self {
            Preset::Hubspot => HUBSPOT,
            Preset::Salesforce => SALESFORCE,
            Preset::Pipedrive => PIPEDRIVE,
            Preset::History => HISTORY,
            Preset::Funnel => FUNNEL,
        }
    }

    /// The source's default stage names and the default pipeline's stage
    /// each is (used when the pipeline has that stage; `--stage-map` wins).
    pub fn stages(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::Hubspot => &[
                ("appointment scheduled", "lead"),
                ("appointmentscheduled", "lead"),
                ("qualified to buy", "qualified"),
                ("qualifiedtobuy", "qualified"),
                ("presentation scheduled", "contact"),
                ("presentationscheduled", "contact"),
                ("decision maker bought-in", "proposal"),
                ("decisionmakerboughtin", "proposal"),
                ("contract sent", "negotiation"),
                ("contractsent", "negotiation"),
                ("closed won", "won"),
                ("closedwon", "won"),
                ("closed lost", "lost"),
                ("closedlost", "lost"),
            ],
            Preset::Salesforce | Preset::History => &[
                ("prospecting", "lead"),
                ("qualification", "qualified"),
                ("needs analysis", "qualified"),
                ("value proposition", "contact"),
                ("id. decision makers", "contact"),
                ("identify decision makers", "contact"),
                ("perception analysis", "contact"),
                ("proposal/price quote", "proposal"),
                ("negotiation/review", "negotiation"),
                ("closed won", "won"),
                ("closed lost", "lost"),
                ("closed-lost to competition", "lost"),
            ],
            Preset::Pipedrive => &[
                ("qualified", "qualified"),
                ("contact made", "contact"),
                ("demo scheduled", "contact"),
                ("proposal made", "proposal"),
                ("negotiations started", "negotiation"),
            ],
            Preset::Funnel => &[],
        }
    }

    /// Whether the source's ids are funnel IDs, kept as the deals' IDs.
    pub fn keeps_ids(self) -> bool {
        self == Preset::Funnel
    }
}

const HUBSPOT: &[(&[&str], &str)] = &[
    (&["Record ID", "Deal ID", "hs_object_id"], "id"),
    (&["Deal Name", "dealname"], "title"),
    (&["Deal Stage", "dealstage"], "stage"),
    (&["Amount"], "value"),
    (&["Currency", "Deal currency code"], "currency"),
    (&["Close Date", "closedate"], "close_date"),
    (&["Create Date", "createdate"], "created"),
    (&["Deal owner", "hubspot_owner_id"], "owner"),
    (&["Closed Lost Reason", "closed_lost_reason"], "lost_reason"),
    (
        &[
            "Associated Company",
            "Associated Company (Primary)",
            "Company name",
        ],
        "account",
    ),
    (
        &["Original Source Type", "Original Traffic Source"],
        "source",
    ),
    (&["Pipeline"], "-"),
];

const SALESFORCE: &[(&[&str], &str)] = &[
    (&["Id", "Opportunity ID"], "id"),
    (&["Name", "Opportunity Name"], "title"),
    (&["StageName", "Stage"], "stage"),
    (&["Amount"], "value"),
    (&["CurrencyIsoCode", "Opportunity Currency"], "currency"),
    (&["CloseDate", "Close Date"], "close_date"),
    (&["CreatedDate", "Created Date"], "created"),
    (
        &[
            "Owner Name",
            "Opportunity Owner",
            "Owner.Name",
            "OwnerId",
            "Owner ID",
        ],
        "owner",
    ),
    (
        &["Account Name", "Account.Name", "AccountId", "Account ID"],
        "account",
    ),
    (&["IsWon", "Won"], "is_won"),
    (&["IsClosed", "Closed"], "is_closed"),
    (&["LeadSource", "Lead Source"], "source"),
];

const PIPEDRIVE: &[(&[&str], &str)] = &[
    (&["Deal - ID"], "id"),
    (&["Deal - Title"], "title"),
    (&["Deal - Value"], "value"),
    (&["Deal - Currency of Value", "Deal - Currency"], "currency"),
    (&["Deal - Stage"], "stage"),
    (&["Deal - Status"], "status"),
    (&["Deal - Deal created"], "created"),
    (&["Deal - Won time"], "won_at"),
    (&["Deal - Lost time"], "lost_at"),
    (&["Deal - Lost reason"], "lost_reason"),
    (&["Deal - Last stage change"], "entered"),
    (&["Deal - Expected close date"], "expected_close"),
    (&["Deal - Owner"], "owner"),
    (&["Deal - Organization"], "account"),
    (&["Deal - Source"], "source"),
];

/// Long-form histories: funnel's own, Zoho's Stage History, Salesforce's
/// OpportunityHistory, and hand-made ones.
const HISTORY: &[(&[&str], &str)] = &[
    (
        &[
            "deal",
            "deal id",
            "OpportunityId",
            "Opportunity ID",
            "Record Id",
            "Deal Name",
            "Potential Name",
        ],
        "id",
    ),
    (
        &["stage", "to", "to stage", "StageName", "Stage Name"],
        "stage",
    ),
    (
        &[
            "at",
            "date",
            "entered at",
            "changed at",
            "CreatedDate",
            "Created Date",
            "Modified Time",
            "Last Activity Time",
        ],
        "at",
    ),
    (&["Amount", "value"], "value"),
    (
        &["CloseDate", "Close Date", "Closing Date", "expected_close"],
        "expected_close",
    ),
];

/// `funnel export`'s deals table: `id`, `stage`, every field, then the
/// figures it works out (left out: the import works them out again).
const FUNNEL: &[(&[&str], &str)] = &[
    (&["id"], "id"),
    (&["title"], "title"),
    (&["stage"], "stage"),
    (&["created_at"], "created"),
    (&["entered_stage_at"], "entered"),
    (&["closed_at"], "-"),
    // Flattened to `name: ..., email: ...` text; not read back.
    (&["contacts"], "-"),
    (&["converted_value"], "-"),
    (&["weighted_value"], "-"),
    (&["effective_probability"], "-"),
    (&["cycle_days"], "-"),
    (&["days_in_stage"], "-"),
];

/// The columns of `table` and what each holds: the preset's, then every
/// `--map` (which wins). With `open_keys`, any other column whose header
/// is a deal key is that key (funnel's own export).
pub fn resolve(
    table: &Table,
    preset: Option<Preset>,
    maps: &[(String, String)],
) -> Result<Vec<(usize, Target)>> {
    let mut found: Vec<(usize, Target)> = Vec::new();
    if let Some(preset) = preset {
        for (names, target) in preset.columns() {
            if let Some(col) = table.column(names) {
                found.push((col, target.parse()?));
            }
        }
        for (col, header) in table.headers.iter().enumerate() {
            if found.iter().any(|(c, _)| *c == col) {
                continue;
            }
            if preset == Preset::Hubspot
                && let Some(target) = hubspot_stage_date(header)
            {
                found.push((col, target));
            } else if preset == Preset::Funnel {
                let key = normal(header).replace(' ', "_");
                if crate::store::dealfile::check_key(&key).is_ok() {
                    found.push((col, Target::Field(key)));
                }
            }
        }
    }
    for (column, field) in maps {
        let col = table.column(&[column.as_str()]).ok_or_else(|| {
            let close = did_you_mean(column, table.headers.iter().map(String::as_str));
            Error::hinted(
                format!("--map: {} has no column `{column}`", table.file.display()),
                match close {
                    Some(c) => format!(
                        "did you mean `{c}`? (its columns: {})",
                        table.headers.join(", ")
                    ),
                    None => format!("its columns: {}", table.headers.join(", ")),
                },
            )
        })?;
        found.retain(|(c, _)| *c != col);
        found.push((col, field.parse()?));
    }
    found.sort_by_key(|(c, _)| *c);
    Ok(found)
}

/// HubSpot's `Date entered "Closed Won (Sales Pipeline)"` (older exports
/// quote with `'`): the stage's entry; `Date exited ...` says nothing the
/// next entry does not.
fn hubspot_stage_date(header: &str) -> Option<Target> {
    let lower = normal(header);
    if lower.starts_with("date exited") || lower.starts_with("time in") {
        return Some(Target::Ignore);
    }
    let rest = lower.strip_prefix("date entered")?.trim();
    let name = rest.trim_matches(|c| c == '"' || c == '\'' || c == '“' || c == '”');
    let name = match name.rfind(" (") {
        Some(i) if name.ends_with(')') => &name[..i],
        _ => name,
    };
    Some(Target::Entered(name.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_stage_columns() {
        assert_eq!(
            hubspot_stage_date("Date entered \"Closed Won (Sales Pipeline)\""),
            Some(Target::Entered("closed won".into()))
        );
        assert_eq!(
            hubspot_stage_date("Date entered 'Contract sent (Sales Pipeline)'"),
            Some(Target::Entered("contract sent".into()))
        );
        assert_eq!(
            hubspot_stage_date("Date exited \"Closed Won (Sales Pipeline)\""),
            Some(Target::Ignore)
        );
        assert_eq!(hubspot_stage_date("Deal Name"), None);
    }

    #[test]
    fn map_targets() {
        assert_eq!(
            "entered:Won".parse::<Target>().unwrap(),
            Target::Entered("Won".into())
        );
        assert_eq!(
            "value".parse::<Target>().unwrap(),
            Target::Field("value".into())
        );
        assert_eq!("import_id".parse::<Target>().unwrap(), Target::Id);
        assert!("bad key!".parse::<Target>().is_err());
    }
}
