//! JSON Schemas (draft-07, the subset draft 4 also has: what taplo, the
//! TOML language server behind "Even Better TOML", validates with) of deal
//! files and `funnel.toml`, so editors validate and complete them while
//! people edit by hand. Descriptions are SPEC sections 2 and 3.
//!
//! Inside a pipeline the schemas know its configuration: lost reasons as
//! an enum, and for a stage folder the fields that stage `require`s (a deal
//! in `lost/` must have a `lost_reason`). A TOML date is a string of
//! format `date` to a validator (taplo and the tests turn TOML into JSON
//! that way). The schemas describe what `funnel check` refuses; `check`
//! stays the authority (bounds such as 10^15 with 6 decimals, dates after
//! 1970, a `created` in the future are its own).

use serde_json::{Map, Value, json};

use crate::model::config::{Config, Stage, StageKind};
use crate::model::deal::{FieldType, KNOWN_FIELDS};
use crate::model::finding::{Kind, Severity};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// What a known field of a deal file means (SPEC 3).
fn field_description(key: &str) -> &'static str {
    match key {
        "title" => "The deal's name, shown in every listing. Required, not blank.",
        "account" => "The customer: the company the deal is with.",
        "contacts" => "The people at the account: { name, email, role }.",
        "owner" => {
            "Who works the deal: a short name (git config funnel.owner, or the local part of an email)."
        }
        "value" => {
            "The deal's value in `currency`: an exact decimal (12000 or \"12000.50\"), 0 or more, at most 10^15, at most 6 decimal places; no thousands separators."
        }
        "currency" => "A three-letter code in capitals; the pipeline's currency when missing.",
        "probability" => {
            "Percent (0 to 100) for the weighted forecast; overrides the stage's probability."
        }
        "product" => "The product category, for product balance.",
        "source" => "The lead source or channel.",
        "created" => "When the deal was created; the commit that added the file when missing.",
        "expected_close" => "When the deal is expected to close: its forecast month.",
        "next_step" => "The next thing to do for the deal.",
        "next_step_due" => "When the next step is due; an overdue one is a broken promise.",
        "last_contact" => "The last contact with the customer.",
        "snooze_until" => "A known pause: no stalled or idle finding until this day.",
        "snooze_reason" => "Why the deal is snoozed.",
        "lost_reason" => "Why the deal was lost; required in a lost stage.",
        "tags" => "Labels, for filters (+tag, -tag).",
        "notes" => "Free text about the deal.",
        "import_id" => {
            "Where `funnel import` brought the deal from: SYSTEM:ID (hubspot:1234); a later import of the same source finds the deal by it."
        }
        "qualification" => "BANT plus the three questions of a real need.",
        "qualification.budget" => "The customer has a budget for it.",
        "qualification.authority" => "We talk to who decides.",
        "qualification.need" => "The need, in the customer's words.",
        "qualification.timing" => "When the customer wants it solved.",
        "qualification.problem_agreed" => "The customer agrees they have the problem.",
        _ => "",
    }
}

/// An amount: an integer, a float or a decimal string.
fn money(minimum: Option<u32>) -> Value {
    let mut number = json!({ "type": "number", "maximum": 1e15 });
    let mut text = json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" });
    if let Some(min) = minimum {
        number["minimum"] = json!(min);
        text["pattern"] = json!("^[0-9]+(\\.[0-9]+)?$");
    }
    json!({ "anyOf": [number, text] })
}

fn date() -> Value {
    json!({ "type": "string", "format": "date" })
}

/// The schema of a value of type `ty`.
fn typed(ty: FieldType) -> Value {
    match ty {
        FieldType::Text => json!({ "type": "string" }),
        FieldType::Money => money(Some(0)),
        FieldType::Percent => json!({
            "anyOf": [
                { "type": "number", "minimum": 0, "maximum": 100 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$" },
            ]
        }),
        FieldType::Date => date(),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::TextList => json!({ "type": "array", "items": { "type": "string" } }),
        FieldType::Contacts => json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": { "type": "string" },
                    "email": { "type": "string" },
                    "role": { "type": "string" },
                },
            },
        }),
        FieldType::Table => json!({ "type": "object" }),
    }
}

/// The schema of a deal file: in any stage (`stage` `None`), or in one
/// stage's folder, with what that stage requires. `config` is the
/// pipeline's, when there is one.
pub fn deal(config: Option<&Config>, stage: Option<&Stage>) -> Value {
    let mut top = Map::new();
    let mut qualification = Map::new();
    for (key, ty) in KNOWN_FIELDS {
        let mut schema = typed(*ty);
        schema["description"] = json!(field_description(key));
        match key.split_once('.') {
            Some((_, sub)) => {
                qualification.insert(sub.to_string(), schema);
            }
            None => {
                top.insert(key.to_string(), schema);
            }
        }
    }
    top["title"]["pattern"] = json!("\\S");
    top["currency"]["pattern"] = json!("^[A-Z]{3}$");
    if let Some(config) = config {
        top["lost_reason"]["enum"] = json!(config.lost_reasons);
    }
    let mut required = vec!["title".to_string()];
    let mut required_inside: Vec<String> = Vec::new();
    if let Some(stage) = stage {
        if stage.kind == StageKind::Lost && !stage.require.iter().any(|r| r == "lost_reason") {
            required.push("lost_reason".into());
        }
        for key in &stage.require {
            match key.split_once('.') {
                Some(("qualification", sub)) => required_inside.push(sub.to_string()),
                // Another table's key: the table itself is required.
                Some((table, _)) => required.push(table.to_string()),
                None => required.push(key.clone()),
            }
        }
        if !required_inside.is_empty() {
            required.push("qualification".into());
        }
        required.dedup();
    }
    let mut qualification_schema = json!({
        "type": "object",
        "description": field_description("qualification"),
        "properties": qualification,
    });
    if !required_inside.is_empty() {
        qualification_schema["required"] = json!(required_inside);
    }
    top.insert("qualification".into(), qualification_schema);
    let title = match stage {
        Some(stage) => format!("A funnel deal file in the `{}` stage", stage.id),
        None => "A funnel deal file".to_string(),
    };
    let mut description = "A deal: one TOML file STAGE/ID.toml, its ID the file name. Keys not listed here are custom fields, kept and usable in filters.".to_string();
    if let Some(stage) = stage.filter(|s| !s.require.is_empty() || s.kind == StageKind::Lost) {
        description.push_str(&format!(
            " Entering `{}` requires: {}.",
            stage.id,
            required[1..].join(", ")
        ));
    }
    json!({
        "$schema": DRAFT,
        "title": title,
        "description": description,
        "type": "object",
        "required": required,
        "properties": top,
    })
}

/// The schema of `funnel.toml` (SPEC 2). Unknown keys are refused, as
/// `funnel check` refuses them.
pub fn config() -> Value {
    let period = json!({ "type": "string", "enum": ["day", "week", "month", "quarter", "year"] });
    let count = json!({ "type": "integer", "minimum": 0 });
    let amount_target = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["amount", "per"],
        "properties": { "amount": money(Some(0)), "per": period },
    });
    let severity = json!({
        "type": "string",
        "enum": [Severity::Info.name(), Severity::Warning.name(), Severity::Error.name()],
    });
    let kinds: Map<String, Value> = Kind::ALL
        .iter()
        .map(|k| (k.name().to_string(), severity.clone()))
        .collect();
    json!({
        "$schema": DRAFT,
        "title": "funnel.toml",
        "description": "A funnel pipeline's configuration: its name, currency, time zone, lost reasons and stages (each a folder of deal files), plus targets, spend and exchange rates. Top-level keys come before the first [table].",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": { "type": "string", "description": "The pipeline's name." },
            "currency": { "type": "string", "pattern": "^[A-Z]{3}$", "description": "The pipeline's currency: every figure is in it." },
            "timezone": { "type": "string", "description": "An IANA time zone name (default UTC): days, weeks and months are cut in it." },
            "week_start": {
                "type": "string",
                "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                "description": "The first day of a week, for weekly windows.",
            },
            "lost_reasons": {
                "type": "array",
                "items": { "type": "string" },
                "description": "The reasons a lost deal may give (its lost_reason).",
            },
            "stage": {
                "type": "array",
                "description": "The stages in funnel order; each is a folder of deal files.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "kind"],
                    "properties": {
                        "id": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$", "description": "The stage's folder name." },
                        "kind": { "type": "string", "enum": ["open", "won", "lost"], "description": "open, won or lost." },
                        "probability": { "type": "number", "minimum": 0, "maximum": 100, "description": "Percent, for the weighted forecast." },
                        "max_days": { "type": "integer", "minimum": 0, "description": "Days in this stage before a deal is stalled." },
                        "idle_days": { "type": "integer", "minimum": 0, "description": "Days without any change before a deal is idle." },
                        "wip_max": { "type": "integer", "minimum": 0, "description": "Balance: more open deals than this is a finding." },
                        "wip_min": { "type": "integer", "minimum": 0, "description": "Balance: fewer open deals than this is a finding." },
                        "require": { "type": "array", "items": { "type": "string" }, "description": "Fields a deal must have to enter this stage (dotted for qualification.need)." },
                        "follow_up": {
                            "type": "array",
                            "description": "Steps due after a deal enters the stage.",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "required": ["after_days", "step"],
                                "properties": { "after_days": count, "step": { "type": "string" } },
                            },
                        },
                    },
                },
            },
            "targets": {
                "type": "object",
                "additionalProperties": false,
                "description": "Lead generation and results, per day, week, month or quarter.",
                "properties": {
                    "new_deals": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["count", "per"],
                        "properties": { "count": count, "per": period },
                    },
                    "new_value": amount_target,
                    "won_value": amount_target,
                    "products": {
                        "type": "object",
                        "description": "Per product: new deals and deals won per period.",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["per"],
                            "properties": { "new_deals": count, "won": count, "per": period },
                        },
                    },
                },
            },
            "customers": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "checkin_days": { "type": "integer", "minimum": 0, "description": "A won customer not contacted for longer is neglected." },
                },
            },
            "spend": {
                "type": "object",
                "description": "Sales and marketing spend per month (\"2026-10\" = 10000), for the customer acquisition cost.",
                "additionalProperties": false,
                "patternProperties": { "^[0-9]{4}-(0[1-9]|1[0-2])$": money(Some(0)) },
            },
            "fx": {
                "type": "object",
                "description": "Fixed exchange rates into `currency` (EUR = 1.08), for reproducible reports.",
                "additionalProperties": false,
                "patternProperties": {
                    "^[A-Z]{3}$": {
                        "anyOf": [
                            { "type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000 },
                            { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$" },
                        ],
                    },
                },
            },
            "doctor": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "dead_after_days": { "type": "integer", "minimum": 0, "description": "An open deal this many days past its expected_close is dead (default 30)." },
                    "severity": {
                        "type": "object",
                        "description": "The severity of each kind of finding.",
                        "additionalProperties": false,
                        "properties": kinds,
                    },
                },
            },
        },
    })
}

/// The schema files a pipeline keeps for editors, with their text:
/// `.funnel/schema/config.json`, `.funnel/schema/deal.json`, one
/// `deal-STAGE.json` per stage that requires fields (and lost stages), and
/// the `.taplo.toml` that binds them to the files.
pub fn files(config: &Config) -> Vec<(String, String)> {
    let text = |value: &Value| {
        let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
        text.push('\n');
        text
    };
    let mut files = vec![
        (format!("{DIR}/config.json"), text(&self::config())),
        (format!("{DIR}/deal.json"), text(&deal(Some(config), None))),
    ];
    let mut taplo = String::from(
        "# Written by funnel (`funnel init`, `funnel schema --write`): editors that use\n\
         # taplo, the TOML language server of \"Even Better TOML\", validate and\n\
         # complete funnel.toml and the deal files with these JSON Schemas.\n\
         # Later rules win.\n",
    );
    let mut rule = |include: &[String], schema: &str| {
        let include: Vec<String> = include.iter().map(|i| format!("{i:?}")).collect();
        taplo.push_str(&format!(
            "\n[[rule]]\ninclude = [{}]\n\n[rule.schema]\npath = \"{DIR}/{schema}\"\n",
            include.join(", ")
        ));
    };
    rule(&["funnel.toml".to_string()], "config.json");
    let folders: Vec<String> = config.stage_ids().map(|s| format!("{s}/*.toml")).collect();
    rule(&folders, "deal.json");
    for stage in &config.stages {
        if stage.require.is_empty() && stage.kind != StageKind::Lost {
            continue;
        }
        let name = format!("deal-{}.json", stage.id);
        rule(&[format!("{}/*.toml", stage.id)], &name);
        files.push((
            format!("{DIR}/{name}"),
            text(&deal(Some(config), Some(stage))),
        ));
    }
    files.push((TAPLO.to_string(), taplo));
    files
}

/// Where the schema files live, relative to the pipeline root.
pub const DIR: &str = ".funnel/schema";
/// The taplo configuration that binds them.
pub const TAPLO: &str = ".taplo.toml";
