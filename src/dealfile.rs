//! The one module that writes deal files.
//!
//! Edits go through `toml_edit`, so the user's comments, key order and
//! layout survive and only the changed keys change in the diff. Every write
//! of a command is part of a `Transaction` that can put the files back as
//! they were when a later step (the commit) fails.

use jiff::civil::Date;
use rust_decimal::Decimal;
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::dates::{Calendar, Lean};
use crate::deal::{FieldType, field_type};
use crate::error::{Error, Result};

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

/// The TOML value a person means by `raw` for `key`: typed by the key's
/// known type, inferred for custom keys. Date fields take date expressions.
pub fn typed_value(
    key: &str,
    raw: &str,
    calendar: &Calendar,
) -> std::result::Result<Value, String> {
    let raw = raw.trim();
    match field_type(key) {
        Some(FieldType::Text) => Ok(Value::from(raw)),
        Some(FieldType::Money) => money(raw).ok_or_else(|| {
            format!("`{key}` takes an amount such as 12000 or 12000.50, not `{raw}`")
        }),
        Some(FieldType::Percent) => money(raw)
            .filter(|v| {
                v.as_integer().is_some_and(|p| (0..=100).contains(&p)) || v.as_str().is_some()
            })
            .ok_or_else(|| format!("`{key}` takes a percent from 0 to 100, not `{raw}`")),
        Some(FieldType::Date) => calendar.date(raw, Lean::Future).map(date_value),
        Some(FieldType::Bool) => boolean(raw)
            .map(Value::from)
            .ok_or_else(|| format!("`{key}` takes true or false, not `{raw}`")),
        Some(FieldType::TextList) => Ok(Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
        )),
        Some(FieldType::Contacts) | Some(FieldType::Table) => Err(format!(
            "`{key}` is a table or a list of tables: change it with `funnel edit`"
        )),
        None => Ok(infer(raw)),
    }
}

/// An amount as TOML: an integer when whole, else an exact decimal string.
pub fn money(raw: &str) -> Option<Value> {
    let amount = crate::value::parse_money(raw)?;
    Some(money_value(amount))
}

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
fn infer(raw: &str) -> Value {
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

/// Refuses a key that `set` cannot write: the reserved `stage` and `id`
/// (the folder and the file name say those), and malformed key paths.
pub fn check_key(key: &str) -> Result<()> {
    match key {
        "stage" => {
            return Err(Error::hinted(
                "`stage` is not a field: the deal's folder is its stage",
                "move it: funnel move ID STAGE",
            ));
        }
        "id" => {
            return Err(Error::hinted(
                "`id` is not a field: the deal's file name is its ID",
                "rename it: funnel rename OLD NEW",
            ));
        }
        _ => {}
    }
    let good = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !key.split('.').all(good) {
        return Err(Error::hinted(
            format!("`{key}` is not a key name"),
            "keys are words of letters, digits, _ and -, joined by dots for a sub-table: qualification.need",
        ));
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
        assert_eq!(v("value", "12,000.50"), Ok("\"12000.50\"".into()));
        assert_eq!(v("value", "12000"), Ok("12000".into()));
        assert_eq!(v("next_step_due", "monday"), Ok("2026-11-30".into()));
        assert_eq!(v("qualification.budget", "yes"), Ok("true".into()));
        assert_eq!(v("tags", "a, b"), Ok("[\"a\", \"b\"]".into()));
        assert_eq!(v("seats", "40"), Ok("40".into()));
        assert_eq!(v("region", "emea"), Ok("\"emea\"".into()));
        assert_eq!(
            v("value", "lots"),
            Err("`value` takes an amount such as 12000 or 12000.50, not `lots`".into())
        );
        assert!(v("probability", "140").is_err());
    }
}
