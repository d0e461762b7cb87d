//! `funnel.toml`: the pipeline's name, currency, stages and targets.
//!
//! The file is parsed with serde into typed values; a wrong type is a
//! `Problem` located at the offending text. Unknown keys are found by a walk
//! of the document against [`KNOWN_KEYS`] (serde's `deny_unknown_fields`
//! stops at the first), so every one of them is listed, each with a "did
//! you mean" among the keys of its own table. Values are then checked
//! together: rates above zero, real spend months, `wip_min <= wip_max`,
//! currency codes, bounded amounts.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::model::problem::{Problem, did_you_mean};

/// The file that marks a pipeline's root.
pub const FILE_NAME: &str = "funnel.toml";

/// What `funnel init` writes: a classic B2B funnel.
pub const DEFAULT: &str = r#"# The pipeline's configuration. Each [[stage]] is a folder of deal files.
name = "Sales"
currency = "USD"                 # the pipeline's currency
timezone = "UTC"                 # dates and report windows are cut in this zone
week_start = "monday"
lost_reasons = ["price", "competitor", "no-decision", "no-budget", "timing", "unqualified"]

[[stage]]
id = "lead"
kind = "open"                    # open | won | lost
probability = 10                 # percent, for the weighted forecast
max_days = 14                    # days in this stage before a deal is stalled
idle_days = 7                    # days without any change before it is idle

[[stage]]
id = "qualified"
kind = "open"
probability = 25
max_days = 21
idle_days = 10
require = ["value", "qualification.need", "qualification.problem_agreed"]

[[stage]]
id = "contact"
kind = "open"
probability = 40
max_days = 21
idle_days = 10

[[stage]]
id = "proposal"
kind = "open"
probability = 60
max_days = 30
idle_days = 10
require = ["value", "expected_close"]

[[stage]]
id = "negotiation"
kind = "open"
probability = 80
max_days = 30
idle_days = 7

[[stage]]
id = "won"
kind = "won"
follow_up = [{ after_days = 0, step = "Send the welcome email series" },
             { after_days = 90, step = "Customer check-in call" }]

[[stage]]
id = "lost"
kind = "lost"
require = ["lost_reason"]
follow_up = [{ after_days = 90, step = "Check-in email" },
             { after_days = 180, step = "Check-in email" }]

[customers]
checkin_days = 90                # a won customer not contacted for longer is neglected
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Period {
    /// The nominal length in days, for rates and paces: a month is 30 days
    /// (the article's arithmetic: 250 a day is 7,500 a month and 45,000 in
    /// six months), a quarter 90, a year 365.
    pub const fn nominal_days(self) -> i64 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 30,
            Period::Quarter => 90,
            Period::Year => 365,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FollowUp {
    pub after_days: u32,
    pub step: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Stage {
    pub id: String,
    pub kind: StageKind,
    /// Percent, for weighted values; won counts 100 and lost 0 when unset.
    #[serde(default, deserialize_with = "opt_money")]
    pub probability: Option<Decimal>,
    pub max_days: Option<u32>,
    pub idle_days: Option<u32>,
    pub wip_max: Option<u32>,
    pub wip_min: Option<u32>,
    #[serde(default)]
    pub require: Vec<String>,
    #[serde(default)]
    pub follow_up: Vec<FollowUp>,
}

impl Stage {
    /// The stage's default probability in percent.
    pub fn default_probability(&self) -> Decimal {
        self.probability.unwrap_or(match self.kind {
            StageKind::Won => Decimal::ONE_HUNDRED,
            StageKind::Open | StageKind::Lost => Decimal::ZERO,
        })
    }

    /// The stage's balance with `count` deals in it, against its WIP limits.
    pub fn wip(&self, count: usize) -> Wip {
        match (self.wip_max, self.wip_min) {
            (Some(max), _) if count > max as usize => Wip::Over { limit: max },
            (_, Some(min)) if count < min as usize => Wip::Under { limit: min },
            _ => Wip::Ok,
        }
    }
}

/// A stage's balance: within its WIP limits, or over `wip_max`, or under
/// `wip_min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wip {
    Ok,
    Over { limit: u32 },
    Under { limit: u32 },
}

impl Wip {
    /// `ok`, `over` or `under`.
    pub fn name(self) -> &'static str {
        match self {
            Wip::Ok => "ok",
            Wip::Over { .. } => "over",
            Wip::Under { .. } => "under",
        }
    }

    /// The balance in words for a stage holding `deals`: `3 over the
    /// limit of 4`, `2 under the minimum of 5`; `None` when within limits.
    pub fn describe(self, deals: usize) -> Option<String> {
        match self {
            Wip::Ok => None,
            Wip::Over { limit } => Some(format!(
                "{} over the limit of {limit}",
                deals.saturating_sub(limit as usize)
            )),
            Wip::Under { limit } => Some(format!(
                "{} under the minimum of {limit}",
                (limit as usize).saturating_sub(deals)
            )),
        }
    }

    /// The limit that is crossed, if one is.
    pub fn limit(self) -> Option<u32> {
        match self {
            Wip::Ok => None,
            Wip::Over { limit } | Wip::Under { limit } => Some(limit),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CountTarget {
    pub count: u32,
    pub per: Period,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AmountTarget {
    #[serde(deserialize_with = "money")]
    pub amount: Decimal,
    pub per: Period,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProductTarget {
    pub new_deals: Option<u32>,
    pub won: Option<u32>,
    pub per: Period,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Targets {
    pub new_deals: Option<CountTarget>,
    pub new_value: Option<AmountTarget>,
    pub won_value: Option<AmountTarget>,
    #[serde(default)]
    pub products: BTreeMap<String, ProductTarget>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Customers {
    pub checkin_days: Option<u32>,
}

/// The parsed `funnel.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub currency: String,
    pub timezone: TimeZone,
    pub timezone_name: String,
    pub week_start: Weekday,
    pub lost_reasons: Vec<String>,
    pub stages: Vec<Stage>,
    pub targets: Targets,
    pub customers: Customers,
    /// Sales and marketing spend per month (`"2026-10"`), for CAC.
    pub spend: BTreeMap<String, Decimal>,
    /// Fixed rates into `currency`.
    pub fx: BTreeMap<String, Decimal>,
    pub doctor: Doctor,
}

/// `[doctor]`: how health findings are judged.
#[derive(Debug, Clone, Deserialize)]
pub struct Doctor {
    /// An open deal this many days past its expected_close is dead.
    #[serde(default = "default_dead_after_days")]
    pub dead_after_days: u32,
    /// Severity per finding kind, as written (`stalled = "error"`).
    #[serde(default, rename = "severity")]
    written: BTreeMap<String, String>,
    /// The same, typed: the defaults' overrides `doctor` applies.
    #[serde(skip)]
    pub severity: BTreeMap<crate::model::finding::Kind, crate::model::finding::Severity>,
}

impl Default for Doctor {
    fn default() -> Self {
        Doctor {
            dead_after_days: default_dead_after_days(),
            written: BTreeMap::new(),
            severity: BTreeMap::new(),
        }
    }
}

fn default_dead_after_days() -> u32 {
    30
}

#[derive(Deserialize)]
struct ConfigFile {
    name: Option<String>,
    currency: Option<String>,
    timezone: Option<String>,
    week_start: Option<String>,
    #[serde(default)]
    lost_reasons: Vec<String>,
    #[serde(default)]
    stage: Vec<Stage>,
    #[serde(default)]
    targets: Targets,
    #[serde(default)]
    customers: Customers,
    #[serde(default)]
    spend: BTreeMap<String, toml::Value>,
    #[serde(default)]
    fx: BTreeMap<String, toml::Value>,
    #[serde(default)]
    doctor: Doctor,
}

impl Config {
    /// Parses `text`, the contents of `funnel.toml`. Every problem found is
    /// returned; the path in them is `funnel.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Problem>> {
        let file = Path::new(FILE_NAME);
        let mut problems = unknown_keys(text);
        let raw: ConfigFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let problem =
                    serde_problem(file, text, e.message().trim(), e.span().unwrap_or(0..0));
                if !problems.contains(&problem) {
                    problems.push(problem);
                }
                sort(&mut problems);
                return Err(problems);
            }
        };
        let top = |key: &str| crate::model::problem::value_span(text, key);
        let locate = |needle: &str| {
            let at = text.find(needle).unwrap_or(0);
            at..at + needle.len()
        };

        let timezone_name = raw.timezone.unwrap_or_else(|| "UTC".to_string());
        // UTC (the default) is jiff's own: a look-up by name first lists
        // every zone of the system's database (~20 folders, a few ms on
        // every command).
        let found = match timezone_name.as_str() {
            "UTC" => Ok(TimeZone::UTC),
            name => TimeZone::get(name),
        };
        let timezone = match found {
            Ok(tz) => tz,
            Err(_) => {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        top("timezone"),
                        format!("unknown time zone `{timezone_name}`"),
                    )
                    .with_hint("use an IANA name such as \"UTC\" or \"Europe/Warsaw\""),
                );
                TimeZone::UTC
            }
        };
        let week_start_name = raw.week_start.unwrap_or_else(|| "monday".to_string());
        let week_start = match weekday(&week_start_name) {
            Some(day) => day,
            None => {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        top("week_start"),
                        format!("unknown weekday `{week_start_name}`"),
                    )
                    .with_hint("write a weekday name such as \"monday\" or \"sunday\""),
                );
                Weekday::Monday
            }
        };
        if raw.stage.is_empty() {
            problems.push(
                Problem::file(file, "no stages: the pipeline needs [[stage]] tables")
                    .with_hint("run `funnel init` in an empty folder to see the default stages"),
            );
        }
        for (i, stage) in raw.stage.iter().enumerate() {
            let span = stage_span(text, i, "id");
            if let Some(reason) = crate::model::ident::invalid_reason(&stage.id) {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        span.clone(),
                        format!("invalid stage id `{}`: {reason}", stage.id),
                    )
                    .with_hint("stage ids are folder names such as \"proposal\""),
                );
            }
            if raw.stage[..i].iter().any(|s| s.id == stage.id) {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        span.clone(),
                        format!("stage `{}` is declared twice", stage.id),
                    )
                    .with_hint("give each [[stage]] its own id, or remove one of them"),
                );
            }
            if let Some(p) = stage.probability
                && (p < Decimal::ZERO || p > Decimal::ONE_HUNDRED)
            {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        stage_span(text, i, "probability"),
                        format!("stage `{}` has probability {p}", stage.id),
                    )
                    .with_hint("a probability is a percent from 0 to 100"),
                );
            }
        }
        for kind in [StageKind::Won, StageKind::Lost] {
            if !raw.stage.is_empty() && !raw.stage.iter().any(|s| s.kind == kind) {
                let name = if kind == StageKind::Won {
                    "won"
                } else {
                    "lost"
                };
                problems.push(
                    Problem::file(file, format!("no stage of kind \"{name}\"")).with_hint(format!(
                        "add a [[stage]] with kind = \"{name}\" so deals can close"
                    )),
                );
            }
        }
        let mut doctor = raw.doctor;
        for (kind, severity) in &doctor.written {
            if let (Some(k), Some(s)) = (
                crate::model::finding::Kind::from_name(kind),
                crate::model::finding::Severity::parse(severity),
            ) {
                doctor.severity.insert(k, s);
            }
            if crate::model::finding::Kind::from_name(kind).is_none() {
                let names = crate::model::finding::Kind::ALL.map(|k| k.name());
                let hint = match did_you_mean(kind, names) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the kinds are: {}", names.join(", ")),
                };
                problems.push(
                    Problem::at(
                        file,
                        text,
                        locate(kind),
                        format!("unknown finding kind `{kind}` in [doctor] severity"),
                    )
                    .with_hint(hint),
                );
            }
            if crate::model::finding::Severity::parse(severity).is_none() {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        locate(&format!("\"{severity}\"")),
                        format!("unknown severity \"{severity}\""),
                    )
                    .with_hint("use \"info\", \"warning\" or \"error\""),
                );
            }
        }
        let currency = raw.currency.unwrap_or_else(|| "USD".to_string());
        if !crate::model::value::is_currency_code(&currency) {
            problems.push(
                Problem::at(
                    file,
                    text,
                    top("currency"),
                    format!("currency \"{currency}\" is not a currency code"),
                )
                .with_hint(currency_hint(&currency)),
            );
        }
        for (i, stage) in raw.stage.iter().enumerate() {
            if let (Some(min), Some(max)) = (stage.wip_min, stage.wip_max)
                && min > max
            {
                problems.push(
                    Problem::at(
                        file,
                        text,
                        stage_span(text, i, "wip_min"),
                        format!(
                            "stage `{}` has wip_min {min} above wip_max {max}",
                            stage.id
                        ),
                    )
                    .with_hint("wip_min is the fewest open deals a stage should hold and wip_max the most: make wip_min <= wip_max"),
                );
            }
        }
        let spend = spend_map(file, text, &raw.spend, &mut problems);
        let fx = fx_map(file, text, &raw.fx, &mut problems);
        if !problems.is_empty() {
            sort(&mut problems);
            return Err(problems);
        }
        Ok(Config {
            name: raw.name.unwrap_or_else(|| "Sales".to_string()),
            currency,
            timezone,
            timezone_name,
            week_start,
            lost_reasons: raw.lost_reasons,
            stages: raw.stage,
            targets: raw.targets,
            customers: raw.customers,
            spend,
            fx,
            doctor,
        })
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The position of a stage in the funnel, for ordering.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// Where new deals go unless told otherwise: the first open stage.
    pub fn first_stage(&self) -> &Stage {
        self.stages
            .iter()
            .find(|s| s.kind == StageKind::Open)
            .unwrap_or(&self.stages[0])
    }

    pub fn stage_ids(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|s| s.id.as_str())
    }

    /// The IDs of the stages of `kind`, in funnel order.
    pub fn stage_ids_of(&self, kind: StageKind) -> Vec<&str> {
        (self.stages.iter())
            .filter(|s| s.kind == kind)
            .map(|s| s.id.as_str())
            .collect()
    }

    /// `known` and the top-level keys the stages require (`qualification`
    /// for `qualification.need`), sorted, each once: the keys a command
    /// that checks deals against their stages reads.
    pub fn with_required_keys<'a>(&'a self, known: &[&'a str]) -> Vec<&'a str> {
        let required = (self.stages.iter())
            .flat_map(|stage| &stage.require)
            .map(|key| key.split('.').next().unwrap_or(key));
        let mut keys: Vec<&str> = known.iter().copied().chain(required).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The rate that converts `currency` into the pipeline's currency.
    pub fn rate(&self, currency: &str) -> Option<Decimal> {
        if currency.eq_ignore_ascii_case(&self.currency) {
            Some(Decimal::ONE)
        } else {
            self.fx
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(currency))
                .map(|(_, rate)| *rate)
        }
    }
}

/// A serde error as a problem: unknown keys and values get a "did you
/// mean" from the list serde expected, instead of the whole list.
fn serde_problem(file: &Path, text: &str, message: &str, span: std::ops::Range<usize>) -> Problem {
    for (prefix, what) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        let word = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let hint = match did_you_mean(word, expected.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None if expected.is_empty() => "remove it".to_string(),
            None => format!("use one of: {}", expected.join(", ")),
        };
        return Problem::at(file, text, span, format!("unknown {what} `{word}`")).with_hint(hint);
    }
    Problem::at(file, text, span, message)
}

/// The span of `key` in the `index`th `[[stage]]`.
fn stage_span(text: &str, index: usize, key: &str) -> std::ops::Range<usize> {
    toml_edit::Document::parse(text)
        .ok()
        .and_then(|doc| {
            doc.get("stage")?
                .as_array_of_tables()?
                .get(index)?
                .get(key)?
                .span()
        })
        .unwrap_or(0..0)
}

pub fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.to_ascii_lowercase().as_str() {
        "monday" | "mon" => Weekday::Monday,
        "tuesday" | "tue" => Weekday::Tuesday,
        "wednesday" | "wed" => Weekday::Wednesday,
        "thursday" | "thu" => Weekday::Thursday,
        "friday" | "fri" => Weekday::Friday,
        "saturday" | "sat" => Weekday::Saturday,
        "sunday" | "sun" => Weekday::Sunday,
        _ => return None,
    })
}

fn money<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let value = toml::Value::deserialize(d)?;
    crate::model::value::checked_money(&value).map_err(serde::de::Error::custom)
}

fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    money(d).map(Some)
}

/// Problems in the order of the file.
fn sort(problems: &mut [Problem]) {
    problems.sort_by_key(|p| (p.line, p.column));
}

fn currency_hint(code: &str) -> String {
    match crate::model::value::currency_fix(code) {
        Some(fixed) => format!("write the three-letter ISO 4217 code in capitals: {fixed}"),
        None => "write a three-letter ISO 4217 code in capitals, such as USD or EUR".to_string(),
    }
}

/// The span of `[table] key` (`key`'s name when `of_key`, else its value).
fn table_span(text: &str, table: &str, key: &str, of_key: bool) -> std::ops::Range<usize> {
    toml_edit::Document::parse(text)
        .ok()
        .and_then(|doc| {
            let table = doc.get(table)?.as_table_like()?;
            if of_key {
                table.key(key)?.span()
            } else {
                table.get(key)?.span()
            }
        })
        .unwrap_or(0..0)
}

/// `[spend]`: real months (`YYYY-MM`) and amounts of 0 or more, bounded.
fn spend_map(
    file: &Path,
    text: &str,
    raw: &BTreeMap<String, toml::Value>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Decimal> {
    let mut spend = BTreeMap::new();
    for (month, value) in raw {
        if !is_month(month) {
            problems.push(
                Problem::at(
                    file,
                    text,
                    table_span(text, "spend", month, true),
                    format!("spend month \"{month}\" is not a month"),
                )
                .with_hint("write the month as \"YYYY-MM\", such as \"2026-10\" = 10000"),
            );
        }
        let at = || table_span(text, "spend", month, false);
        match crate::model::value::checked_money(value) {
            Ok(amount) if amount < Decimal::ZERO => problems.push(
                Problem::at(
                    file,
                    text,
                    at(),
                    format!("spend for \"{month}\" is negative: {amount}"),
                )
                .with_hint("spend is an amount of 0 or more"),
            ),
            Ok(amount) => {
                spend.insert(month.clone(), amount);
            }
            Err(e) => problems.push(
                Problem::at(file, text, at(), format!("spend for \"{month}\": {e}"))
                    .with_hint(e.hint()),
            ),
        }
    }
    spend
}

/// `[fx]`: currency codes, rates above zero and bounded.
fn fx_map(
    file: &Path,
    text: &str,
    raw: &BTreeMap<String, toml::Value>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Decimal> {
    let mut fx = BTreeMap::new();
    for (code, value) in raw {
        if !crate::model::value::is_currency_code(code) {
            problems.push(
                Problem::at(
                    file,
                    text,
                    table_span(text, "fx", code, true),
                    format!("[fx] key \"{code}\" is not a currency code"),
                )
                .with_hint(currency_hint(code)),
            );
        }
        match crate::model::value::rate(value) {
            Ok(rate) => {
                fx.insert(code.clone(), rate);
            }
            Err(e) => {
                use crate::model::value::MoneyError;
                let hint = match e {
                    MoneyError::NotPositive { .. } => format!(
                        "a rate is what 1 {code} is worth in the pipeline's currency, above 0, such as {code} = 1.08"
                    ),
                    MoneyError::TooLarge { .. } | MoneyError::TooPrecise { .. } => format!(
                        "a rate is at most {} with at most {} decimal places",
                        crate::model::value::MAX_RATE,
                        crate::model::value::MAX_RATE_DECIMALS
                    ),
                    _ => format!("write a number such as {code} = 1.08"),
                };
                problems.push(
                    Problem::at(
                        file,
                        text,
                        table_span(text, "fx", code, false),
                        format!("exchange rate for {code}: {e}"),
                    )
                    .with_hint(hint),
                );
            }
        }
    }
    fx
}

/// `YYYY-MM`, a month from 1970 to 9999.
fn is_month(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && text[5..].bytes().all(|b| b.is_ascii_digit())
        && text[..4].parse::<u16>().is_ok_and(|y| y >= 1970)
        && text[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
}

/// The shape of `funnel.toml`: which keys each table may hold.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A value (its type is serde's to check).
    Value,
    /// A table with these keys.
    Keys(&'static [(&'static str, Shape)]),
    /// A table with keys of the user's choosing, each of this shape.
    AnyKeys(&'static Shape),
    /// An array of tables (`[[stage]]`, or inline) of this shape.
    Tables(&'static Shape),
}

const AMOUNT_TARGET: Shape = Shape::Keys(&[("amount", Shape::Value), ("per", Shape::Value)]);
const PRODUCT_TARGET: Shape = Shape::Keys(&[
    ("new_deals", Shape::Value),
    ("won", Shape::Value),
    ("per", Shape::Value),
]);
const FOLLOW_UP: Shape = Shape::Keys(&[("after_days", Shape::Value), ("step", Shape::Value)]);
const STAGE: Shape = Shape::Keys(&[
    ("id", Shape::Value),
    ("kind", Shape::Value),
    ("probability", Shape::Value),
    ("max_days", Shape::Value),
    ("idle_days", Shape::Value),
    ("wip_max", Shape::Value),
    ("wip_min", Shape::Value),
    ("require", Shape::Value),
    ("follow_up", Shape::Tables(&FOLLOW_UP)),
]);

/// Every key `funnel.toml` may hold, table by table.
const KNOWN_KEYS: &[(&str, Shape)] = &[
    ("name", Shape::Value),
    ("currency", Shape::Value),
    ("timezone", Shape::Value),
    ("week_start", Shape::Value),
    ("lost_reasons", Shape::Value),
    ("stage", Shape::Tables(&STAGE)),
    (
        "targets",
        Shape::Keys(&[
            (
                "new_deals",
                Shape::Keys(&[("count", Shape::Value), ("per", Shape::Value)]),
            ),
            ("new_value", AMOUNT_TARGET),
            ("won_value", AMOUNT_TARGET),
            ("products", Shape::AnyKeys(&PRODUCT_TARGET)),
        ]),
    ),
    ("customers", Shape::Keys(&[("checkin_days", Shape::Value)])),
    ("spend", Shape::AnyKeys(&Shape::Value)),
    ("fx", Shape::AnyKeys(&Shape::Value)),
    (
        "doctor",
        Shape::Keys(&[
            ("dead_after_days", Shape::Value),
            ("severity", Shape::AnyKeys(&Shape::Value)),
        ]),
    ),
];

/// Every key of `text` that [`KNOWN_KEYS`] does not know, located at the
/// key; none when the text is not TOML (serde reports that).
fn unknown_keys(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Ok(doc) = toml_edit::Document::parse(text) {
        walk(text, doc.as_table(), KNOWN_KEYS, &mut problems);
    }
    problems
}

fn walk(
    text: &str,
    table: &dyn toml_edit::TableLike,
    keys: &[(&str, Shape)],
    problems: &mut Vec<Problem>,
) {
    for (name, item) in table.iter() {
        match keys.iter().find(|(k, _)| *k == name) {
            Some((_, shape)) => walk_item(text, item, *shape, problems),
            None => {
                let names = keys.iter().map(|(k, _)| *k);
                let hint = match did_you_mean(name, names.clone()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!(
                        "remove it; the keys here are: {}",
                        names.collect::<Vec<_>>().join(", ")
                    ),
                };
                let span = table.key(name).and_then(|k| k.span()).unwrap_or(0..0);
                problems.push(
                    Problem::at(
                        Path::new(FILE_NAME),
                        text,
                        span,
                        format!("unknown key `{name}`"),
                    )
                    .with_hint(hint),
                );
            }
        }
    }
}

fn walk_item(text: &str, item: &toml_edit::Item, shape: Shape, problems: &mut Vec<Problem>) {
    match shape {
        Shape::Value => {}
        Shape::Keys(keys) => {
            if let Some(table) = item.as_table_like() {
                walk(text, table, keys, problems);
            }
        }
        Shape::AnyKeys(each) => {
            if let Some(table) = item.as_table_like() {
                for (_, value) in table.iter() {
                    walk_item(text, value, *each, problems);
                }
            }
        }
        Shape::Tables(each) => {
            let Shape::Keys(keys) = *each else { return };
            if let Some(tables) = item.as_array_of_tables() {
                for table in tables.iter() {
                    walk(text, table, keys, problems);
                }
            } else if let Some(array) = item.as_array() {
                for table in array.iter().filter_map(|v| v.as_inline_table()) {
                    walk(text, table, keys, problems);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_parses() {
        let config = Config::parse(DEFAULT).expect("default config");
        assert_eq!(
            config.stage_ids().collect::<Vec<_>>(),
            [
                "lead",
                "qualified",
                "contact",
                "proposal",
                "negotiation",
                "won",
                "lost"
            ]
        );
        assert_eq!(config.first_stage().id, "lead");
        assert_eq!(
            config.stage("won").map(|s| s.default_probability()),
            Some(Decimal::ONE_HUNDRED)
        );
    }

    #[test]
    fn a_misspelt_key_is_located_with_a_hint() {
        let problems = Config::parse("name = \"x\"\ncurency = \"USD\"\n").unwrap_err();
        let text = problems[1].to_string();
        assert!(
            text.starts_with("funnel.toml:2:1: unknown key `curency`"),
            "{text}"
        );
        assert!(text.contains("did you mean `currency`?"), "{text}");
    }

    #[test]
    fn every_unknown_key_is_listed() {
        let problems = Config::parse(&format!(
            "nmae = \"x\"\ncolour = 1\n{DEFAULT}\n[targets]\nnew_deal = {{ count = 1, per = \"week\", pr = 1 }}\n"
        ))
        .unwrap_err();
        let found: Vec<String> = problems
            .iter()
            .map(|p| {
                format!(
                    "{}:{} {} ({})",
                    p.line,
                    p.column,
                    p.message,
                    p.hint.as_deref().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                "1:1 unknown key `nmae` (did you mean `name`?)",
                "2:1 unknown key `colour` (remove it; the keys here are: name, currency, timezone, week_start, lost_reasons, stage, targets, customers, spend, fx, doctor)",
                "64:1 unknown key `new_deal` (did you mean `new_deals`?)",
            ]
        );
    }

    #[test]
    fn an_unknown_stage_kind_is_an_error() {
        let problems = Config::parse("[[stage]]\nid = \"lead\"\nkind = \"opn\"\n").unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .starts_with("funnel.toml:3:8: unknown value `opn`"),
            "{}",
            problems[0]
        );
    }
}
