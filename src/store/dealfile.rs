//! The one module that writes deal files.
//!
//! Edits go through `toml_edit`, so the user's comments, key order and
//! layout survive and only the changed keys change in the diff. The files
//! reach the disk through the one write path, `store::write`.

use jiff::civil::Date;
use rust_decimal::Decimal;
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::error::Error;
use crate::model::dates::{Calendar, Lean};
use crate::model::deal::{FieldType, field_type};

/// A deal file open for format-preserving edits.
pub struct DealEdit {
    doc: DocumentMut,
}

impl DealEdit {
    pub fn parse(text: &str) -> std::result::Result<DealEdit, toml_edit::TomlError> {
        Ok(DealEdit { doc: text.parse()? })
    }

    /// A new, empty deal file.
    pub fn new() -> DealEdit {
        DealEdit {
            doc: DocumentMut::new(),
        }
    }

    /// Sets `key` (dotted keys go into a sub-table, created when missing).
    /// A replaced value keeps its comments and spacing.
    pub fn set(&mut self, key: &str, mut value: Value) {
        let (table, name) = self.table_for(key);
        match table.get_mut(name) {
            Some(Item::Value(old)) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            _ => {
                table.insert(name, Item::Value(value));
            }
        }
    }

    /// Removes `key`; `false` when it was not there.
    pub fn remove(&mut self, key: &str) -> bool {
        let (table, name) = self.table_for(key);
        table.remove(name).is_some()
    }

    fn table_for<'k>(&mut self, key: &'k str) -> (&mut dyn toml_edit::TableLike, &'k str) {
        let mut parts: Vec<&str> = key.split('.').collect();
        let name = parts.pop().unwrap_or(key);
        let mut table: &mut dyn toml_edit::TableLike = self.doc.as_table_mut();
        for part in parts {
            if !table.get(part).is_some_and(|i| i.is_table_like()) {
                table.insert(part, Item::Table(Table::new()));
            }
            table = table
                .get_mut(part)
                .and_then(Item::as_table_like_mut)
                .expect("the sub-table was just made");
        }
        (table, name)
    }
}

impl Default for DealEdit {
    fn default() -> Self {
        DealEdit::new()
    }
}

impl std::fmt::Display for DealEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.doc)
    }
}

/// Why a value given on the command line cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// `value=12,5`: not an amount, or out of bounds.
    #[error("`{key}`: {source}")]
    Money {
        key: String,
        source: crate::model::value::MoneyError,
    },
    /// `value=-5`: a deal's value is never below zero.
    #[error("`{key}` cannot be negative: `{raw}`")]
    Negative { key: String, raw: String },
    #[error("`{key}` takes a percent from 0 to 100, not `{raw}`")]
    Percent { key: String, raw: String },
    /// A date expression that does not read (the reason from the calendar).
    #[error("`{key}`: {reason}")]
    Date {
        key: String,
        reason: crate::model::dates::DateError,
    },
    /// `created` after today or before 1970.
    #[error("`{key}` cannot be {date}: {why}")]
    DateOutOfRange {
        key: String,
        date: Date,
        why: &'static str,
    },
    #[error("`{key}` takes true or false, not `{raw}`")]
    Bool { key: String, raw: String },
    /// `title=`: text that must not be blank.
    #[error("`{key}` cannot be empty")]
    Blank { key: String },
    /// `currency=usd`: not an ISO 4217 code.
    #[error("`{key}` takes a currency code such as USD or EUR, not `{raw}`")]
    Currency { key: String, raw: String },
    #[error("`{key}` is a table or a list of tables")]
    Table { key: String },
}

impl ValueError {
    /// What to write instead.
    pub fn hint(&self) -> String {
        match self {
            ValueError::Money { source, .. } => source.hint(),
            ValueError::Negative { key, .. } => {
                format!("write an amount of 0 or more, such as {key}=12000")
            }
            ValueError::Percent { key, .. } => format!("write a whole percent such as {key}=40"),
            ValueError::Date { .. } => {
                "write a date such as 2026-12-15, today, friday or +2w".to_string()
            }
            ValueError::DateOutOfRange { key, .. } => {
                format!("give a date from 1970-01-01 to today, such as {key}=today")
            }
            ValueError::Bool { key, .. } => format!("write {key}=true or {key}=false"),
            ValueError::Blank { key } => format!("give it some text, such as {key}=\"Acme Corp\""),
            ValueError::Currency { raw, .. } => match crate::model::value::currency_fix(raw) {
                Some(fixed) => format!("write the three-letter code in capitals: {fixed}"),
                None => "write a three-letter ISO 4217 code in capitals, such as USD".to_string(),
            },
            ValueError::Table { .. } => "change it with `funnel edit`".to_string(),
        }
    }
}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Error::hinted(e.to_string(), e.hint())
    }
}

/// The message alone, for callers that take a message (prefer
/// `Error::from`, which keeps the hint).
impl From<ValueError> for String {
    fn from(e: ValueError) -> Self {
        e.to_string()
    }
}

/// The TOML value a person means by `raw` for `key`: typed by the key's
/// known type, inferred for custom keys. Date fields take date expressions.
/// Values `check` would reject are refused here with the same rule: a
/// negative or unbounded `value`, a blank `title`, a `created` after today
/// or before 1970, a `currency` that is not a code.
pub fn typed_value(
    key: &str,
    raw: &str,
    calendar: &Calendar,
) -> std::result::Result<Value, ValueError> {
    let raw = raw.trim();
    let key_s = || key.to_string();
    match field_type(key) {
        Some(FieldType::Text) => {
            if raw.is_empty() {
                return Err(ValueError::Blank { key: key_s() });
            }
            if key == "currency" && !crate::model::value::is_currency_code(raw) {
                return Err(ValueError::Currency {
                    key: key_s(),
                    raw: raw.to_string(),
                });
            }
            Ok(Value::from(raw))
        }
        Some(FieldType::Money) => {
            let amount =
                crate::model::value::parse_money(raw).map_err(|source| ValueError::Money {
                    key: key_s(),
                    source,
                })?;
            if amount.is_sign_negative() && !amount.is_zero() {
                return Err(ValueError::Negative {
                    key: key_s(),
                    raw: raw.to_string(),
                });
            }
            Ok(money_value(amount))
        }
        Some(FieldType::Percent) => {
            let percent =
                crate::model::value::parse_money(raw).map_err(|source| ValueError::Money {
                    key: key_s(),
                    source,
                })?;
            if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
                return Err(ValueError::Percent {
                    key: key_s(),
                    raw: raw.to_string(),
                });
            }
            Ok(money_value(percent))
        }
        Some(FieldType::Date) => {
            let date = calendar
                .date(raw, Lean::Future)
                .map_err(|reason| ValueError::Date {
                    key: key_s(),
                    reason,
                })?;
            if let Some(why) = date_rule(key, date, calendar.today) {
                return Err(ValueError::DateOutOfRange {
                    key: key_s(),
                    date,
                    why,
                });
            }
            Ok(date_value(date))
        }
        Some(FieldType::Bool) => boolean(raw).map(Value::from).ok_or(ValueError::Bool {
            key: key_s(),
            raw: raw.to_string(),
        }),
        Some(FieldType::TextList) => Ok(Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
        )),
        Some(FieldType::Contacts) | Some(FieldType::Table) => {
            Err(ValueError::Table { key: key_s() })
        }
        None => Ok(infer(raw)),
    }
}

/// Why a date is not allowed for `key`, `check`'s rule: every date is from
/// 1970 on, and `created` is not after `today`.
pub fn date_rule(key: &str, date: Date, today: Date) -> Option<&'static str> {
    if date.year() < 1970 {
        Some("dates start in 1970")
    } else if key == "created" && date > today {
        Some("it is after today")
    } else {
        None
    }
}

/// An amount as TOML: an integer when whole, else an exact decimal string;
/// `None` when `raw` is not an amount (see [`crate::model::value::parse_money`]).
pub fn money(raw: &str) -> Option<Value> {
    let amount = crate::model::value::parse_money(raw).ok()?;
    Some(money_value(amount))
}

/// An amount as TOML: an integer when whole, else an exact decimal string
/// (`"12000.50"`, never a float).
pub fn money_value(amount: Decimal) -> Value {
    let normal = amount.normalize();
    match i64::try_from(normal) {
        Ok(i) if normal.fract().is_zero() => Value::from(i),
        _ => Value::from(amount.to_string()),
    }
}

pub fn date_value(date: Date) -> Value {
    let d = toml_edit::Date {
        year: date.year() as u16,
        month: date.month() as u8,
        day: date.day() as u8,
    };
    Value::from(toml_edit::Datetime {
        date: Some(d),
        time: None,
        offset: None,
    })
}

fn boolean(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" => Some(true),
        "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// A custom key's value: integer, boolean, date or float when it reads as
/// one, else a string.
pub fn infer(raw: &str) -> Value {
    if let Ok(i) = raw.parse::<i64>() {
        return Value::from(i);
    }
    if let Some(b) = boolean(raw).filter(|_| raw.len() > 1) {
        return Value::from(b);
    }
    if let Ok(date) = raw.parse::<Date>() {
        return date_value(date);
    }
    if raw.contains('.') && raw.parse::<f64>().is_ok_and(f64::is_finite) {
        return Value::from(raw.parse::<f64>().unwrap_or_default());
    }
    Value::from(raw)
}

/// `new` with the line endings of `original`: a file written with CRLF
/// stays CRLF, so an edit changes only the lines it changes.
pub fn keep_line_endings(original: &str, new: String) -> String {
    if !original.contains("\r\n") {
        return new;
    }
    new.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Why a key cannot be set with `set`/`add --set`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// `stage` and `id` are the file's folder and name, not keys.
    #[error("`{key}` is not a field: a deal's {key} is its file's {place}")]
    Reserved { key: String, place: &'static str },
    #[error("`{key}` is not a key path: {reason}")]
    Malformed { key: String, reason: &'static str },
    /// `title.x`: would replace a known field with a table.
    #[error("`{key}` would turn `{parent}` into a table, and `{parent}` is {what}")]
    NotATable {
        key: String,
        parent: String,
        what: &'static str,
    },
}

impl KeyError {
    /// What to do instead.
    pub fn hint(&self) -> String {
        match self {
            KeyError::Reserved { key, .. } if key == "stage" => {
                "move the deal instead: funnel move ID STAGE".to_string()
            }
            KeyError::Reserved { .. } => {
                "rename the deal instead: funnel rename OLD NEW".to_string()
            }
            KeyError::Malformed { .. } => {
                "a key is words of letters, digits, `_` and `-`, joined by dots: value, qualification.need".to_string()
            }
            KeyError::NotATable { parent, .. } => {
                format!("set `{parent}` itself, or choose another key name")
            }
        }
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Error::hinted(e.to_string(), e.hint())
    }
}

/// Whether `key` may be set with `set`/`add --set`: not `stage` or `id`, a
/// well-formed dotted path (segments of `[A-Za-z0-9_-]`), and not inside a
/// known field that is not a table (`title.x`, `contacts.x`).
pub fn check_key(key: &str) -> std::result::Result<(), KeyError> {
    let malformed = |reason| KeyError::Malformed {
        key: key.to_string(),
        reason,
    };
    if key.is_empty() {
        return Err(malformed("it is empty"));
    }
    if key.starts_with('.') {
        return Err(malformed("it starts with a dot"));
    }
    if key.ends_with('.') {
        return Err(malformed("it ends with a dot"));
    }
    if key.contains("..") {
        return Err(malformed("it has two dots in a row"));
    }
    if !key.split('.').all(|segment| {
        segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }) {
        return Err(malformed(
            "only letters, digits, `_` and `-` may be between the dots",
        ));
    }
    let first = key.split('.').next().unwrap_or(key);
    match first {
        "stage" => {
            return Err(KeyError::Reserved {
                key: first.to_string(),
                place: "folder",
            });
        }
        "id" => {
            return Err(KeyError::Reserved {
                key: first.to_string(),
                place: "name",
            });
        }
        _ => {}
    }
    // Every proper prefix must be a table, if it is a known field.
    let mut end = 0;
    while let Some(dot) = key[end..].find('.') {
        let parent = &key[..end + dot];
        if let Some(ty) = field_type(parent)
            && ty != FieldType::Table
        {
            return Err(KeyError::NotATable {
                key: key.to_string(),
                parent: parent.to_string(),
                what: ty.describe(),
            });
        }
        end += dot + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Acme's rollout\ntitle = \"Acme\"   # the name\nvalue = 12000    # list price\n\n[qualification]\nneed = \"x\"\n";

    #[test]
    fn set_keeps_comments_and_layout() {
        let mut edit = DealEdit::parse(FILE).unwrap();
        edit.set("value", Value::from(15000));
        edit.set("qualification.budget", Value::from(true));
        edit.set("owner", Value::from("alice"));
        assert_eq!(
            edit.to_string(),
            "# Acme's rollout\ntitle = \"Acme\"   # the name\nvalue = 15000    # list price\nowner = \"alice\"\n\n[qualification]\nneed = \"x\"\nbudget = true\n"
        );
    }

    #[test]
    fn remove_deletes_one_key() {
        let mut edit = DealEdit::parse(FILE).unwrap();
        assert!(edit.remove("qualification.need"));
        assert!(!edit.remove("nothing"));
        assert_eq!(
            edit.to_string(),
            "# Acme's rollout\ntitle = \"Acme\"   # the name\nvalue = 12000    # list price\n\n[qualification]\n"
        );
    }

    #[test]
    fn values_are_typed_by_key() {
        let calendar = Calendar {
            today: jiff::civil::date(2026, 11, 27),
            week_start: jiff::civil::Weekday::Monday,
            timezone: jiff::tz::TimeZone::UTC,
        };
        let v = |k: &str, r: &str| typed_value(k, r, &calendar).map(|v| v.to_string());
        assert_eq!(v("value", "12000.50"), Ok("\"12000.50\"".into()));
        assert_eq!(v("value", "12000"), Ok("12000".into()));
        assert_eq!(v("next_step_due", "monday"), Ok("2026-11-30".into()));
        assert_eq!(v("qualification.budget", "yes"), Ok("true".into()));
        assert_eq!(v("tags", "a, b"), Ok("[\"a\", \"b\"]".into()));
        assert_eq!(v("seats", "40"), Ok("40".into()));
        assert_eq!(v("region", "emea"), Ok("\"emea\"".into()));
        assert_eq!(v("probability", "40"), Ok("40".into()));
        assert_eq!(v("probability", "12.5"), Ok("\"12.5\"".into()));
        let e = |k: &str, r: &str| {
            let e = typed_value(k, r, &calendar).unwrap_err();
            format!("{e}; {}", e.hint())
        };
        assert_eq!(
            e("value", "lots"),
            "`value`: `lots` is not an amount; write a number such as 12000 or 12000.50"
        );
        assert_eq!(
            e("value", "12,5"),
            "`value`: `12,5` has a decimal comma; use a decimal point: 12.5"
        );
        assert_eq!(
            e("value", "12,000.50"),
            "`value`: `12,000.50` has thousands separators; write 12000.50 without thousands separators"
        );
        assert_eq!(
            e("value", "-5"),
            "`value` cannot be negative: `-5`; write an amount of 0 or more, such as value=12000"
        );
        assert_eq!(
            e("probability", "140"),
            "`probability` takes a percent from 0 to 100, not `140`; write a whole percent such as probability=40"
        );
        assert_eq!(
            e("probability", "150.5"),
            "`probability` takes a percent from 0 to 100, not `150.5`; write a whole percent such as probability=40"
        );
        assert_eq!(
            e("created", "tomorrow"),
            "`created` cannot be 2026-11-28: it is after today; give a date from 1970-01-01 to today, such as created=today"
        );
        assert_eq!(
            e("currency", "usd"),
            "`currency` takes a currency code such as USD or EUR, not `usd`; write the three-letter code in capitals: USD"
        );
        assert_eq!(
            e("title", " "),
            "`title` cannot be empty; give it some text, such as title=\"Acme Corp\""
        );
        // Custom keys: a float beyond a float's range stays text.
        assert_eq!(v("ratio", "0.5"), Ok("0.5".into()));
        assert_eq!(v("ratio", "1.5e400"), Ok("\"1.5e400\"".into()));
        assert_eq!(v("code", "12,5"), Ok("\"12,5\"".into()));
    }

    #[test]
    fn keys_are_checked() {
        let e = |k: &str| {
            let e = check_key(k).unwrap_err();
            format!("{e}; {}", e.hint())
        };
        for ok in ["value", "qualification.need", "x-y_z.a1", "custom.deep.key"] {
            assert_eq!(check_key(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            e("stage"),
            "`stage` is not a field: a deal's stage is its file's folder; move the deal instead: funnel move ID STAGE"
        );
        assert_eq!(
            e("id"),
            "`id` is not a field: a deal's id is its file's name; rename the deal instead: funnel rename OLD NEW"
        );
        assert!(e("a..b").starts_with("`a..b` is not a key path: it has two dots in a row;"));
        assert!(e(".x").starts_with("`.x` is not a key path: it starts with a dot;"));
        assert!(e("x.").starts_with("`x.` is not a key path: it ends with a dot;"));
        assert!(e("").starts_with("`` is not a key path: it is empty;"));
        assert!(e("a b").contains("only letters, digits"));
        assert!(e("näme").contains("only letters, digits"));
        assert_eq!(
            e("title.x"),
            "`title.x` would turn `title` into a table, and `title` is a string; set `title` itself, or choose another key name"
        );
        assert!(e("value.y").starts_with("`value.y` would turn `value` into a table"));
        assert!(e("contacts.x").starts_with("`contacts.x` would turn `contacts` into a table"));
        assert!(
            e("qualification.need.x")
                .starts_with("`qualification.need.x` would turn `qualification.need` into a table")
        );
    }
}
