//! Filters: the terms that pick deals for `list`, `next`, `report` and
//! `export` (SPEC section 10).
//!
//! A filter is parsed once, against the keys the pipeline knows and the
//! calendar that date expressions are relative to, so a typo is an error
//! before any deal is read. Matching then cannot fail: a term that cannot
//! hold for a deal (a missing key, a string compared with `>`) simply does
//! not match it.

use std::cmp::Ordering;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::config::Config;
use crate::model::dates::DateError;
use crate::model::dates::{Calendar, Lean};
use crate::model::deal::{Deal, FieldType, KNOWN_FIELDS, field_type};
use crate::model::problem::did_you_mean;
use crate::model::value;

/// Keys that are not fields of a deal file, or are short for one.
const ALIASES: [&str; 5] = ["stage", "due", "close", "age", "idle"];

/// The forms a term can take, for hints.
const FORMS: &str =
    "write key:value, key!=value, key>N, key>=N, key<N, key<=N, key:, +tag, -tag or a word";

/// Why a filter was refused: what is wrong with which term, and (in
/// [`FilterError::hint`]) how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown stage `{raw}` in `stage{op}{raw}`")]
    UnknownStage {
        raw: String,
        op: &'static str,
        close: Option<String>,
        stages: Vec<String>,
    },
    #[error("missing tag in `{term}`")]
    MissingTag { term: String },
    #[error("missing stage in `{term}`")]
    MissingStage { term: String },
    #[error("missing value in `{term}`")]
    MissingValue { term: String, op: &'static str },
    #[error("missing key in `{term}`")]
    MissingKey { term: String },
    #[error("bad key `{name}` in `{term}`")]
    BadKey { name: String, term: String },
    #[error("unknown key `{name}` in `{term}`")]
    UnknownKey {
        name: String,
        term: String,
        close: Option<String>,
    },
    #[error("cannot read `{raw}` as a number in `{term}`")]
    NotANumber {
        raw: String,
        term: String,
        /// The amount's own hint, when it says more than "a number".
        money_hint: Option<String>,
    },
    #[error("bad date in `{term}`")]
    BadDate { term: String, cause: DateError },
    #[error("cannot order `{name}` in `{term}`")]
    CannotOrder {
        name: String,
        raw: String,
        term: String,
    },
    #[error("cannot read `{raw}` as true or false in `{term}`")]
    NotABool {
        name: String,
        raw: String,
        term: String,
    },
    #[error("cannot read `{raw}` as a number or a date in `{term}`")]
    NotNumberOrDate { raw: String, term: String },
}

impl FilterError {
    /// How to write the term instead.
    pub fn hint(&self) -> String {
        match self {
            FilterError::UnknownStage { close, stages, .. } => match close {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the stages are {}", stages.join(", ")),
            },
            FilterError::MissingTag { .. } => "write +tag or -tag, such as +enterprise".into(),
            FilterError::MissingStage { term } => {
                format!("write {term}ID, such as {term}proposal")
            }
            FilterError::MissingValue { op, .. } => {
                format!("write a number or a date after `{op}`, such as value>5000 or due<today")
            }
            FilterError::MissingKey { .. } => FORMS.into(),
            FilterError::BadKey { .. } => {
                "keys are lowercase letters, digits, `_`, `.` and `-`".into()
            }
            FilterError::UnknownKey { close, .. } => match close {
                Some(close) => format!("did you mean `{close}`?"),
                None => "use a key of the deal files, or stage, due, close, age or idle".into(),
            },
            FilterError::NotANumber { money_hint, .. } => money_hint
                .clone()
                .unwrap_or_else(|| "write a number such as 5000 or 12000.50".into()),
            FilterError::BadDate { cause, .. } => cause.to_string(),
            FilterError::CannotOrder { name, raw, .. } => {
                format!(">, >=, < and <= compare numbers and dates: use {name}:{raw} to match it")
            }
            FilterError::NotABool { name, .. } => {
                format!("write {name}:true or {name}:false")
            }
            FilterError::NotNumberOrDate { .. } => {
                "write a number such as 5000 or a date such as 2026-12-15 or today".into()
            }
        }
    }
}

impl From<FilterError> for crate::error::Error {
    fn from(e: FilterError) -> Self {
        crate::error::Error::hinted(e.to_string(), e.hint())
    }
}

/// Terms that must all hold for a deal to match.
#[derive(Debug, Clone)]
pub struct Filter {
    terms: Vec<Term>,
    /// What `age` and `idle` count days to.
    today: Date,
}

impl Filter {
    /// Parses space-separated terms (each CLI argument may itself hold several terms separated by spaces).
    ///
    /// `known_keys` says whether a key outside SPEC section 3 (a custom key)
    /// is used by the pipeline. Stage ids are checked against the
    /// configuration by [`Filter::check_stages`].
    pub fn parse(
        args: &[String],
        known_keys: &dyn Fn(&str) -> bool,
        calendar: &Calendar,
    ) -> Result<Filter, FilterError> {
        let terms = args
            .iter()
            .flat_map(|arg| arg.split_whitespace())
            .map(|term| Term::parse(term, known_keys, calendar))
            .collect::<Result<_, _>>()?;
        Ok(Filter {
            terms,
            today: calendar.today,
        })
    }

    /// Checks that every `stage:ID` and `stage!=ID` names a configured stage.
    pub fn check_stages(&self, config: &Config) -> Result<(), FilterError> {
        for term in &self.terms {
            let Term::Compare {
                key: Key::Stage,
                op,
                operand,
            } = term
            else {
                continue;
            };
            if config
                .stage_ids()
                .any(|id| id.eq_ignore_ascii_case(&operand.raw))
            {
                continue;
            }
            return Err(FilterError::UnknownStage {
                raw: operand.raw.clone(),
                op: op.symbol(),
                close: did_you_mean(&operand.lower, config.stage_ids()).map(str::to_string),
                stages: config.stage_ids().map(str::to_string).collect(),
            });
        }
        Ok(())
    }

    /// Whether `deal` matches; terms on its history read `deal.facts`.
    pub fn matches(&self, deal: &Deal, config: &Config) -> bool {
        let context = Context {
            deal,
            config,
            today: self.today,
        };
        self.terms.iter().all(|term| term.holds(&context))
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether any term needs facts from the history (`age`, `idle`,
    /// `created`), so callers load it only then.
    pub fn needs_history(&self) -> bool {
        self.terms.iter().any(|term| match term {
            Term::Compare { key, .. } | Term::Missing { key, .. } => {
                matches!(key, Key::Age | Key::Idle)
                    || matches!(key, Key::Field(name) if name == "created")
            }
            _ => false,
        })
    }

    /// Whether any term names `stage` (list shows closed stages then, without --all)
    pub fn names_stage(&self) -> bool {
        // `stage:` alone is an error, so only comparisons name it.
        self.terms.iter().any(|term| {
            matches!(
                term,
                Term::Compare {
                    key: Key::Stage,
                    ..
                }
            )
        })
    }
}

#[derive(Debug, Clone)]
enum Term {
    /// A bare word, lowercased: a substring of the title or the account.
    Word(String),
    /// `+tag` (`has`) or `-tag`, lowercased.
    Tag {
        tag: String,
        has: bool,
    },
    /// `key:` (`missing`) or `key!=` (present).
    Missing {
        key: Key,
        missing: bool,
    },
    Compare {
        key: Key,
        op: Op,
        operand: Operand,
    },
}

impl Term {
    fn parse(
        term: &str,
        known_keys: &dyn Fn(&str) -> bool,
        calendar: &Calendar,
    ) -> Result<Term, FilterError> {
        if let Some(tag) = term.strip_prefix('+').or_else(|| term.strip_prefix('-')) {
            if tag.is_empty() {
                return Err(FilterError::MissingTag { term: term.into() });
            }
            return Ok(Term::Tag {
                tag: tag.to_lowercase(),
                has: term.starts_with('+'),
            });
        }
        let Some((at, op)) = find_operator(term) else {
            return Ok(Term::Word(term.to_lowercase()));
        };
        let (name, raw) = (&term[..at], &term[at + op.symbol().len()..]);
        let key = Key::parse(name, term, known_keys)?;
        if raw.is_empty() {
            return match op {
                Op::Eq | Op::Ne if key == Key::Stage => {
                    Err(FilterError::MissingStage { term: term.into() })
                }
                Op::Eq | Op::Ne => Ok(Term::Missing {
                    key,
                    missing: op == Op::Eq,
                }),
                _ => Err(FilterError::MissingValue {
                    term: term.into(),
                    op: op.symbol(),
                }),
            };
        }
        let operand = Operand::parse(raw, key.kind(), op, name, term, calendar)?;
        Ok(Term::Compare { key, op, operand })
    }

    fn holds(&self, context: &Context) -> bool {
        let deal = context.deal;
        match self {
            Term::Word(word) => [Some(deal.title()), deal.text("account")]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(word.as_str())),
            Term::Tag { tag, has } => deal.tags().iter().any(|t| t.to_lowercase() == *tag) == *has,
            Term::Missing { key, missing } => key.is_missing(context) == *missing,
            Term::Compare {
                key,
                op: Op::Ne,
                operand,
            } => !key
                .lookup(context)
                .is_some_and(|found| found.holds(Op::Eq, operand)),
            Term::Compare { key, op, operand } => key
                .lookup(context)
                .is_some_and(|found| found.holds(*op, operand)),
        }
    }
}

/// The leftmost operator in `term` and its byte offset; at one position the
/// two-character operators win over `>` and `<`.
fn find_operator(term: &str) -> Option<(usize, Op)> {
    term.char_indices().find_map(|(at, _)| {
        Op::ALL
            .iter()
            .find(|op| term[at..].starts_with(op.symbol()))
            .map(|op| (at, *op))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    /// In order of recognition.
    const ALL: [Op; 6] = [Op::Ne, Op::Ge, Op::Le, Op::Gt, Op::Lt, Op::Eq];

    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => ":",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    /// Whether `found <op> operand` holds, given how they compare.
    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering.is_eq(),
            Op::Ne => ordering.is_ne(),
            Op::Gt => ordering.is_gt(),
            Op::Ge => ordering.is_ge(),
            Op::Lt => ordering.is_lt(),
            Op::Le => ordering.is_le(),
        }
    }
}

/// What a term looks at in a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// The folder the deal is in.
    Stage,
    /// `value` in the pipeline's currency.
    Value,
    /// Days since created.
    Age,
    /// Days since the last change.
    Idle,
    /// A key of the file, known or custom; dotted keys reach sub-tables.
    Field(String),
}

/// What a key's values are, for checking a term's right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Date,
    Bool,
    Text,
    /// A custom key: whatever each file holds.
    Any,
}

impl Key {
    fn parse(
        name: &str,
        term: &str,
        known_keys: &dyn Fn(&str) -> bool,
    ) -> Result<Key, FilterError> {
        if name.is_empty() {
            return Err(FilterError::MissingKey { term: term.into() });
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
        {
            return Err(FilterError::BadKey {
                name: name.into(),
                term: term.into(),
            });
        }
        Ok(match name {
            "stage" => Key::Stage,
            "value" => Key::Value,
            "age" => Key::Age,
            "idle" => Key::Idle,
            "due" => Key::Field("next_step_due".to_string()),
            "close" => Key::Field("expected_close".to_string()),
            _ if field_type(name).is_some() || known_keys(name) => Key::Field(name.to_string()),
            _ => {
                let candidates = KNOWN_FIELDS.iter().map(|(k, _)| *k).chain(ALIASES);
                return Err(FilterError::UnknownKey {
                    name: name.into(),
                    term: term.into(),
                    close: did_you_mean(name, candidates).map(str::to_string),
                });
            }
        })
    }

    fn kind(&self) -> Kind {
        match self {
            Key::Stage => Kind::Text,
            Key::Value | Key::Age | Key::Idle => Kind::Number,
            Key::Field(name) => match field_type(name) {
                Some(FieldType::Money | FieldType::Percent) => Kind::Number,
                Some(FieldType::Date) => Kind::Date,
                Some(FieldType::Bool) => Kind::Bool,
                Some(_) => Kind::Text,
                None => Kind::Any,
            },
        }
    }

    /// The deal's value for the key, if it has one.
    fn lookup<'a>(&self, context: &Context<'a>) -> Option<Found<'a>> {
        let Context {
            deal,
            config,
            today,
        } = *context;
        let facts = &deal.facts;
        let created = || deal.date("created").or(facts.created);
        let days_since = |date: Date| {
            today
                .since(date)
                .ok()
                .map(|span| Found::Number(span.get_days().into()))
        };
        match self {
            Key::Stage => Some(Found::Text(&deal.stage)),
            Key::Value => deal.value(config).map(Found::Number),
            Key::Age => created().and_then(days_since),
            Key::Idle => facts.last_change.and_then(days_since),
            Key::Field(name) => match field_type(name) {
                Some(FieldType::Money | FieldType::Percent) => deal.money(name).map(Found::Number),
                _ if name == "created" => created().map(Found::Date),
                _ => deal.get(name).map(Found::of),
            },
        }
    }

    /// Absent, or an empty string or list.
    fn is_missing(&self, context: &Context) -> bool {
        // A value in a currency without a rate is still there.
        let found = match self {
            Key::Value => context.deal.get("value").map(Found::of),
            _ => self.lookup(context),
        };
        match found {
            None => true,
            Some(Found::Text(text)) => text.trim().is_empty(),
            Some(Found::List(items)) => items.is_empty(),
            Some(_) => false,
        }
    }
}

/// The right-hand side of a comparison, read every way it can be.
#[derive(Debug, Clone)]
struct Operand {
    raw: String,
    lower: String,
    number: Option<Decimal>,
    date: Option<Date>,
}

impl Operand {
    /// Reads `raw` and checks that it suits a key of `kind` compared with `op`.
    fn parse(
        raw: &str,
        kind: Kind,
        op: Op,
        name: &str,
        term: &str,
        calendar: &Calendar,
    ) -> Result<Operand, FilterError> {
        let date = calendar.date(raw, Lean::Past);
        let number = value::parse_money(raw);
        let operand = Operand {
            raw: raw.to_string(),
            lower: raw.to_lowercase(),
            number: number.as_ref().ok().copied(),
            date: date.as_ref().ok().copied(),
        };
        let ordering = !matches!(op, Op::Eq | Op::Ne);
        match kind {
            Kind::Number if operand.number.is_none() => Err(FilterError::NotANumber {
                raw: raw.into(),
                term: term.into(),
                money_hint: match number {
                    Err(e)
                        if e.fixed().is_some()
                            || matches!(
                                e,
                                value::MoneyError::AmbiguousComma { .. }
                                    | value::MoneyError::TooLarge { .. }
                                    | value::MoneyError::TooPrecise { .. }
                            ) =>
                    {
                        Some(e.hint())
                    }
                    _ => None,
                },
            }),
            Kind::Date => date.map(|_| operand).map_err(|cause| FilterError::BadDate {
                term: term.into(),
                cause,
            }),
            Kind::Text | Kind::Bool if ordering => Err(FilterError::CannotOrder {
                name: name.into(),
                raw: raw.into(),
                term: term.into(),
            }),
            Kind::Bool if operand.lower != "true" && operand.lower != "false" => {
                Err(FilterError::NotABool {
                    name: name.into(),
                    raw: raw.into(),
                    term: term.into(),
                })
            }
            Kind::Any if ordering && operand.number.is_none() && operand.date.is_none() => {
                Err(FilterError::NotNumberOrDate {
                    raw: raw.into(),
                    term: term.into(),
                })
            }
            _ => Ok(operand),
        }
    }
}

/// What a term is matched against.
#[derive(Clone, Copy)]
struct Context<'a> {
    deal: &'a Deal,
    config: &'a Config,
    today: Date,
}

/// A deal's value for a key, reduced to what terms compare.
enum Found<'a> {
    Number(Decimal),
    Date(Date),
    /// Strings, and booleans as `true` / `false`.
    Text(&'a str),
    List(&'a [toml::Value]),
    /// Tables: nothing to compare.
    Other,
}

impl<'a> Found<'a> {
    fn of(value: &'a toml::Value) -> Found<'a> {
        match value {
            toml::Value::String(text) => Found::Text(text),
            toml::Value::Boolean(b) => Found::Text(if *b { "true" } else { "false" }),
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                value::money(value).map_or(Found::Other, Found::Number)
            }
            toml::Value::Datetime(_) => value::date(value).map_or(Found::Other, Found::Date),
            toml::Value::Array(items) => Found::List(items),
            toml::Value::Table(_) => Found::Other,
        }
    }

    /// Whether `self <op> operand` holds: text only for equality, ignoring
    /// case; a list when any element does.
    fn holds(&self, op: Op, operand: &Operand) -> bool {
        let ordering = match self {
            Found::Number(n) => operand.number.map(|o| n.cmp(&o)),
            Found::Date(d) => operand.date.map(|o| d.cmp(&o)),
            Found::Text(text) => return op == Op::Eq && text.to_lowercase() == operand.lower,
            Found::List(items) => {
                return items.iter().any(|item| Found::of(item).holds(op, operand));
            }
            Found::Other => None,
        };
        ordering.is_some_and(|o| op.accepts(o))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use jiff::civil::{Weekday, date};
    use jiff::tz::TimeZone;

    use super::*;
    use crate::model::deal::DealFacts;

    fn calendar() -> Calendar {
        // A Friday.
        Calendar {
            today: date(2026, 11, 27),
            week_start: Weekday::Monday,
            timezone: TimeZone::UTC,
        }
    }

    /// The filter, or its error as "message; hint".
    fn filter(terms: &str) -> Result<Filter, String> {
        let custom = |key: &str| ["seats", "region", "renewal"].contains(&key);
        Filter::parse(&[terms.to_string()], &custom, &calendar()).map_err(|e| said(&e))
    }

    fn said(e: &FilterError) -> String {
        format!("{e}; {}", e.hint())
    }

    /// The ids of the deals `terms` matches, in order.
    fn picks(terms: &str) -> String {
        let config = Config::parse(&format!(
            "{}\n[fx]\nEUR = \"1.10\"\n",
            crate::model::config::DEFAULT
        ))
        .unwrap();
        let filter = filter(terms).unwrap();
        let acme = "title = \"Acme Corp: CRM rollout\"\naccount = \"Acme Corp\"\nowner = \"alice\"\n\
            value = \"5000.00\"\nprobability = 40\ncreated = 2026-09-14\nexpected_close = 2026-11-30\n\
            next_step_due = 2026-11-20\ntags = [\"Enterprise\", \"crm\"]\nseats = 40\nregion = \"EMEA\"\n\
            renewal = 2027-01-31\n[qualification]\nbudget = true\n";
        let bolt = "title = \"Logistics renewal\"\naccount = \"Bolt\"\nvalue = 5000\ncurrency = \"EUR\"\n\
            expected_close = 2026-12-15\nnext_step_due = 2026-11-27\ntags = [\"smb\"]\nseats = 12.5\n";
        let cargo = "title = \"Cargo\"\nowner = \"\"\ntags = []\nregion = [\"apac\", \"emea\"]\n";
        let deals = [
            (
                "lead/acme.toml",
                acme,
                DealFacts {
                    created: None,
                    last_change: Some(date(2026, 11, 17)),
                    entered_stage: None,
                },
            ),
            (
                "proposal/bolt.toml",
                bolt,
                DealFacts {
                    created: Some(date(2026, 10, 28)),
                    last_change: None,
                    entered_stage: None,
                },
            ),
            ("won/cargo.toml", cargo, DealFacts::default()),
        ];
        let ids: Vec<String> = deals
            .iter()
            .map(|(path, text, facts)| {
                let mut deal = Deal::parse(Path::new(path), text).unwrap();
                deal.facts = *facts;
                deal
            })
            .filter(|deal| filter.matches(deal, &config))
            .map(|deal| deal.id)
            .collect();
        ids.join(" ")
    }

    #[test]
    fn words_match_title_or_account_and_tags_ignore_case() {
        assert_eq!(picks(""), "acme bolt cargo");
        assert_eq!(picks("CORP"), "acme");
        assert_eq!(picks("bolt"), "bolt");
        assert_eq!(picks("+enterprise"), "acme");
        assert_eq!(picks("-ENTERPRISE"), "bolt cargo");
        assert_eq!(picks("acme +crm -smb"), "acme");
        assert_eq!(picks("acme +smb"), "");
    }

    #[test]
    fn equality_ignores_case_and_lists_match_any_element() {
        assert_eq!(picks("owner:ALICE"), "acme");
        assert_eq!(picks("tags:crm"), "acme");
        assert_eq!(picks("region:emea"), "acme cargo");
        assert_eq!(picks("region!=emea"), "bolt");
        assert_eq!(picks("qualification.budget:true"), "acme");
        assert_eq!(picks("qualification.budget!=true"), "bolt cargo");
    }

    #[test]
    fn numbers_compare_numerically_in_the_pipeline_currency() {
        assert_eq!(picks("value:5000"), "acme");
        assert_eq!(picks("value:5500"), "bolt");
        assert_eq!(picks("value>=5000"), "acme bolt");
        assert_eq!(picks("value<5500"), "acme");
        assert_eq!(picks("value!=5000"), "bolt cargo");
        assert_eq!(picks("probability:40 probability<=40"), "acme");
        assert_eq!(picks("probability>40"), "");
        assert_eq!(picks("seats>20"), "acme");
        assert_eq!(picks("seats<=12.5"), "bolt");
        // Strings are never ordered.
        assert_eq!(picks("region>5"), "");
    }

    #[test]
    fn dates_compare_as_dates_with_date_expressions() {
        assert_eq!(picks("due<today"), "acme");
        assert_eq!(picks("due:today"), "bolt");
        assert_eq!(picks("due:friday"), "bolt");
        assert_eq!(picks("close<=eom"), "acme");
        assert_eq!(picks("close>eom"), "bolt");
        assert_eq!(picks("created<2026-10-01"), "acme");
        assert_eq!(picks("created>=-30d"), "bolt");
        assert_eq!(picks("created>-30d"), "");
        assert_eq!(picks("renewal>+1m"), "acme");
    }

    #[test]
    fn aliases_stage_age_and_idle() {
        assert_eq!(picks("stage:PROPOSAL"), "bolt");
        assert_eq!(picks("stage!=lead"), "bolt cargo");
        assert_eq!(picks("age:74"), "acme");
        assert_eq!(picks("age:30"), "bolt");
        assert_eq!(picks("age<100"), "acme bolt");
        assert_eq!(picks("idle>=10"), "acme");
        assert_eq!(picks("idle<5"), "");
    }

    #[test]
    fn an_empty_value_means_missing() {
        assert_eq!(picks("owner:"), "bolt cargo");
        assert_eq!(picks("owner!="), "acme");
        assert_eq!(picks("tags:"), "cargo");
        assert_eq!(picks("value:"), "cargo");
        assert_eq!(picks("age:"), "cargo");
        assert_eq!(picks("idle:"), "bolt cargo");
    }

    #[test]
    fn terms_come_from_every_argument() {
        let args = ["value>1000  +smb".to_string(), "stage:proposal".to_string()];
        let parsed = Filter::parse(&args, &|_| false, &calendar()).unwrap();
        assert_eq!(parsed.terms.len(), 3);
        assert!(parsed.names_stage());
        assert!(!parsed.is_empty());
        assert!(filter("").unwrap().is_empty());
        assert!(!filter("due<today acme").unwrap().names_stage());
    }

    #[test]
    fn stages_are_checked_against_the_config() {
        let config = Config::parse(crate::model::config::DEFAULT).unwrap();
        let check = |terms: &str| {
            filter(terms)
                .unwrap()
                .check_stages(&config)
                .map_err(|e| said(&e))
        };
        assert_eq!(check("stage:won stage!=Lead"), Ok(()));
        assert_eq!(
            check("stage:proposel"),
            Err(
                "unknown stage `proposel` in `stage:proposel`; did you mean `proposal`?"
                    .to_string()
            )
        );
        assert_eq!(
            check("stage!=x"),
            Err("unknown stage `x` in `stage!=x`; the stages are lead, qualified, contact, proposal, negotiation, won, lost".to_string())
        );
    }

    #[test]
    fn bad_terms_are_errors_with_a_hint() {
        let error = |terms: &str| filter(terms).unwrap_err();
        assert_eq!(
            error("valeu>5000"),
            "unknown key `valeu` in `valeu>5000`; did you mean `value`?"
        );
        assert_eq!(
            error("zzz:1"),
            "unknown key `zzz` in `zzz:1`; use a key of the deal files, or stage, due, close, age or idle"
        );
        assert_eq!(
            error("Value>5"),
            "bad key `Value` in `Value>5`; keys are lowercase letters, digits, `_`, `.` and `-`"
        );
        assert_eq!(error(">5"), format!("missing key in `>5`; {FORMS}"));
        assert_eq!(
            error("value>"),
            "missing value in `value>`; write a number or a date after `>`, such as value>5000 or due<today"
        );
        assert_eq!(
            error("+"),
            "missing tag in `+`; write +tag or -tag, such as +enterprise"
        );
        assert_eq!(
            error("stage:"),
            "missing stage in `stage:`; write stage:ID, such as stage:proposal"
        );
        assert_eq!(
            error("value>abc"),
            "cannot read `abc` as a number in `value>abc`; write a number such as 5000 or 12000.50"
        );
        assert_eq!(
            error("idle:soon"),
            "cannot read `soon` as a number in `idle:soon`; write a number such as 5000 or 12000.50"
        );
        assert_eq!(
            error("due<someday"),
            "bad date in `due<someday`; cannot read `someday` as a date: use 2026-12-15, today, yesterday, tomorrow, a weekday such as friday, eow, eom, eoq, or +3d, -2w, +1m, -1y"
        );
        assert_eq!(
            error("title>abc"),
            "cannot order `title` in `title>abc`; >, >=, < and <= compare numbers and dates: use title:abc to match it"
        );
        assert_eq!(
            error("qualification.budget:yes"),
            "cannot read `yes` as true or false in `qualification.budget:yes`; write qualification.budget:true or qualification.budget:false"
        );
        assert_eq!(
            error("seats>many"),
            "cannot read `many` as a number or a date in `seats>many`; write a number such as 5000 or a date such as 2026-12-15 or today"
        );
    }
}
