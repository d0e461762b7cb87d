//! A deal: one TOML file `STAGE/ID.toml`.
//!
//! The file's whole table is kept, so custom keys survive and can be shown
//! and filtered; the known keys of SPEC section 3 have fixed types, checked
//! once when the file is loaded, and typed accessors read them.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::model::config::Config;
use crate::model::packed::{Field, Packed};
use crate::model::problem::{Problem, value_span};
use crate::model::value;

/// The type a known key must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// An amount: integer, decimal string or float.
    Money,
    /// A percent from 0 to 100.
    Percent,
    Date,
    Bool,
    TextList,
    Contacts,
    Table,
}

impl FieldType {
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Text => "a string",
            FieldType::Money => "an amount (a number or a decimal string)",
            FieldType::Percent => "a percent from 0 to 100",
            FieldType::Date => "a date (2026-12-15, without quotes)",
            FieldType::Bool => "true or false",
            FieldType::TextList => "a list of strings",
            FieldType::Contacts => {
                "a list of tables such as { name = \"Jane Doe\", email = \"jane@acme.example\" }"
            }
            FieldType::Table => "a table",
        }
    }

    fn example(self, key: &str) -> String {
        let name = key.rsplit('.').next().unwrap_or(key);
        match self {
            FieldType::Text => format!("{name} = \"...\""),
            FieldType::Money => format!("{name} = 12000 or {name} = \"12000.50\""),
            FieldType::Percent => format!("{name} = 40"),
            FieldType::Date => format!("{name} = 2026-12-15"),
            FieldType::Bool => format!("{name} = true"),
            FieldType::TextList => format!("{name} = [\"enterprise\"]"),
            FieldType::Contacts => {
                format!("{name} = [{{ name = \"Jane Doe\", email = \"jane@acme.example\" }}]")
            }
            FieldType::Table => format!("[{key}]"),
        }
    }
}

/// The keys SPEC section 3 defines, with their types. Dotted keys live in a
/// sub-table.
pub const KNOWN_FIELDS: &[(&str, FieldType)] = &[
    ("title", FieldType::Text),
    ("account", FieldType::Text),
    ("contacts", FieldType::Contacts),
    ("owner", FieldType::Text),
    ("value", FieldType::Money),
    ("currency", FieldType::Text),
    ("probability", FieldType::Percent),
    ("product", FieldType::Text),
    ("source", FieldType::Text),
    ("created", FieldType::Date),
    ("expected_close", FieldType::Date),
    ("next_step", FieldType::Text),
    ("next_step_due", FieldType::Date),
    ("last_contact", FieldType::Date),
    ("snooze_until", FieldType::Date),
    ("snooze_reason", FieldType::Text),
    ("lost_reason", FieldType::Text),
    ("tags", FieldType::TextList),
    ("import_id", FieldType::Text),
    ("notes", FieldType::Text),
    ("qualification", FieldType::Table),
    ("qualification.budget", FieldType::Bool),
    ("qualification.authority", FieldType::Bool),
    ("qualification.need", FieldType::Text),
    ("qualification.timing", FieldType::Date),
    ("qualification.problem_agreed", FieldType::Bool),
];

pub fn field_type(key: &str) -> Option<FieldType> {
    KNOWN_FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| *t)
}

/// Whether `value` has type `ty`.
pub fn has_type(value: &toml::Value, ty: FieldType) -> bool {
    match ty {
        FieldType::Text => value.is_str(),
        FieldType::Money => value::money(value).is_some(),
        FieldType::Percent => {
            value::money(value).is_some_and(|p| p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED)
        }
        FieldType::Date => value::date(value).is_some(),
        FieldType::Bool => value.is_bool(),
        FieldType::TextList => value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| v.is_str())),
        FieldType::Contacts => value.as_array().is_some_and(|a| {
            a.iter()
                .all(|c| c.as_table().is_some_and(|t| t.values().all(|v| v.is_str())))
        }),
        FieldType::Table => value.is_table(),
    }
}

/// A deal's fields as `(dotted key, value)` pairs in the file's order:
/// sub-tables become dotted keys (`qualification.need`), every other value
/// (lists included) stays as it is.
pub fn flat_fields(fields: &toml::Table) -> Vec<(String, &toml::Value)> {
    fn walk<'a>(key: String, value: &'a toml::Value, out: &mut Vec<(String, &'a toml::Value)>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    walk(format!("{key}.{k}"), v, out);
                }
            }
            other => out.push((key, other)),
        }
    }
    let mut out = Vec::with_capacity(fields.len());
    for (key, value) in fields {
        walk(key.clone(), value, &mut out);
    }
    out
}

/// A value as a person reads it: strings without quotes (trailing white
/// space dropped), lists joined with ", ", a table as `key: value` pairs.
pub fn plain(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.trim_end().to_string(),
        toml::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        toml::Value::Table(table) => table
            .iter()
            .map(|(k, v)| format!("{k}: {}", plain(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Deal {
    /// The file stem: the deal's identity.
    pub id: String,
    /// The folder the file is in.
    pub stage: String,
    /// `STAGE/ID.toml`, relative to the pipeline root.
    pub path: PathBuf,
    /// Every key of the file, custom ones included ([`Deal::fields`]).
    fields: Fields,
    /// The git object id of the file's bytes as read (a blob's id), when
    /// the deal was loaded from a work-tree file: whether the file is the
    /// committed version is then one comparison.
    pub blob: Option<[u8; 20]>,
    /// What the history says of the deal, filled in by the snapshot that
    /// loaded it (unknown, all `None`, until then and for a deal git has
    /// not seen).
    pub facts: DealFacts,
}

/// A deal file's keys: its parsed table, or (from the deal cache) the
/// table in tagged bytes, read where a key is asked for.
#[derive(Debug, Clone)]
enum Fields {
    Table(toml::Table),
    Packed(Packed),
}

/// Facts about a deal that come from outside its file (its history); None
/// when unknown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DealFacts {
    /// When the file was added, for a deal without a `created` key.
    pub created: Option<Date>,
    /// The date of the last commit that changed the file.
    pub last_change: Option<Date>,
    /// When the deal entered the stage it is in now.
    pub entered_stage: Option<Date>,
}

/// The top-level keys of each parsed deal file that a load keeps: a
/// command that reads a few known keys of every deal holds a fraction of
/// the tables of the files it parses (checks and problems are still those
/// of whole files). A deal from the deal cache keeps every key, in the
/// cache's bytes, and builds no table for a key read
/// ([`crate::model::packed`]).
#[derive(Debug, Clone, Copy, Default)]
pub enum Keys<'a> {
    /// Every key.
    #[default]
    All,
    /// These keys of every deal.
    Only(&'a [&'a str]),
    /// What `wide` keeps of the deals `pick` picks, what `narrow` keeps
    /// of the others.
    Split {
        pick: Pick<'a>,
        wide: &'a Keys<'a>,
        narrow: &'a Keys<'a>,
    },
}

/// Which deals a [`Keys::Split`] load keeps more keys of.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// The deals whose `owner` is this (`next` for one owner: the others'
    /// deals count only for what spans owners, such as an account's last
    /// contact).
    Owner(&'a str),
    /// The deals in these stages (`doctor`: most of its checks are of open
    /// deals).
    Stages(&'a [&'a str]),
}

impl<'a> Keys<'a> {
    /// The keys kept of a deal in `stage` whose `owner` key is `owner`;
    /// `None`: every key.
    pub fn of(self, stage: &str, owner: Option<&str>) -> Option<&'a [&'a str]> {
        match self {
            Keys::All => None,
            Keys::Only(keys) => Some(keys),
            Keys::Split { pick, wide, narrow } => match pick {
                Pick::Owner(whose) if owner == Some(whose) => wide.of(stage, owner),
                Pick::Stages(stages) if stages.contains(&stage) => wide.of(stage, owner),
                _ => narrow.of(stage, owner),
            },
        }
    }

    /// Drops the keys of a parsed `deal` that are not kept. (A deal from
    /// the deal cache keeps them all: it holds no table of its own.)
    pub fn retain(self, deal: &mut Deal) {
        let owner = deal.owner();
        if let (Some(keys), Fields::Table(table)) = (self.of(&deal.stage, owner), &mut deal.fields)
        {
            table.retain(|key, _| keys.contains(&key));
        }
    }
}

impl Deal {
    /// Parses a deal file. `path` is relative to the pipeline root and names
    /// the file in problems: TOML syntax, conflict markers, wrong types of
    /// known keys and a missing title, every one of them.
    pub fn parse(path: &Path, text: &str) -> Result<Deal, Vec<Problem>> {
        if let Some(problem) = conflict_markers(path, text) {
            return Err(vec![problem]);
        }
        let fields: toml::Table = parse_table(text).map_err(|e| {
            vec![
                Problem::at(path, text, e.span().unwrap_or(0..0), e.message().trim())
                    .with_hint("fix the TOML syntax at the caret"),
            ]
        })?;
        let deal = Deal::from_table(path, fields);
        let problems = deal.type_problems(text);
        if problems.is_empty() {
            Ok(deal)
        } else {
            Err(problems)
        }
    }

    /// The deal in the file `path` whose table is `fields`, as `parse` makes
    /// it.
    pub fn from_table(path: &Path, fields: toml::Table) -> Deal {
        Deal::from_fields(path, Fields::Table(fields))
    }

    /// The deal in the file `path` whose table `parse` returned before, as
    /// the deal cache keeps it.
    pub fn from_packed(path: &Path, fields: Packed) -> Deal {
        Deal::from_fields(path, Fields::Packed(fields))
    }

    /// The deal of a file with the same bytes as this deal's at `path`
    /// (a committed version of it, or of it moved): its keys (shared when
    /// packed) and blob, its facts unknown.
    pub fn moved_to(&self, path: &Path) -> Deal {
        let mut deal = Deal::from_fields(path, self.fields.clone());
        deal.blob = self.blob;
        deal
    }

    fn from_fields(path: &Path, fields: Fields) -> Deal {
        // `STAGE/ID.toml` is read as text: taking a path apart component
        // by component costs more than the rest of a cached deal's load.
        let plain = (path.to_str().and_then(|p| p.split_once('/')))
            .and_then(|(stage, name)| Some((stage, name.strip_suffix(".toml")?)))
            .filter(|(stage, id)| {
                ![*stage, *id]
                    .iter()
                    .any(|part| part.is_empty() || part.contains('/') || part.starts_with('.'))
            });
        let (stage, id) = match plain {
            Some((stage, id)) => (stage.to_string(), id.to_string()),
            None => (
                (path.parent().and_then(|p| p.to_str()))
                    .unwrap_or("")
                    .to_string(),
                (path.file_stem().and_then(|s| s.to_str()))
                    .unwrap_or("")
                    .to_string(),
            ),
        };
        Deal {
            id,
            stage,
            path: path.to_path_buf(),
            fields,
            blob: None,
            facts: DealFacts::default(),
        }
    }

    /// Known keys with the wrong type or a value out of range, located in
    /// `text`: amounts beyond the bounds of [`crate::model::value`], a negative
    /// `value`, a blank `title`, a date before 1970. (A `created` after
    /// today needs "today", so `check` applies it.)
    fn type_problems(&self, text: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let at = |key: &str, message: String| {
            Problem::at(&self.path, text, value_span(text, key), message)
        };
        for (key, ty) in KNOWN_FIELDS {
            let Some(found) = self.get(key) else { continue };
            if let Some(problem) = self.range_problem(key, *ty, found, &at) {
                problems.push(problem);
                continue;
            }
            if has_type(found, *ty) {
                continue;
            }
            let message = if *ty == FieldType::Percent && value::money(found).is_some() {
                format!(
                    "`{key}` is {found}, out of range: expected {}",
                    ty.describe()
                )
            } else {
                format!(
                    "wrong type for `{key}`: expected {}, found {}",
                    ty.describe(),
                    value::type_name(found)
                )
            };
            problems.push(at(key, message).with_hint(format!("write {}", ty.example(key))));
        }
        match self.fields().get("title") {
            None => problems.push(
                Problem::file(&self.path, "missing `title`")
                    .with_hint(format!("add a line such as title = \"{}\"", self.id)),
            ),
            Some(toml::Value::String(title)) if title.trim().is_empty() => problems.push(
                at("title", "`title` is empty".to_string()).with_hint(format!(
                    "give the deal a name: funnel set {} title=\"...\"",
                    self.id
                )),
            ),
            Some(_) => {}
        }
        problems
    }

    /// The problem with a known key whose value has the right kind but is
    /// out of range: an amount that is not one funnel reads (too large, too
    /// precise, a decimal comma), a negative value, a date before 1970.
    fn range_problem(
        &self,
        key: &str,
        ty: FieldType,
        found: &toml::Value,
        at: &impl Fn(&str, String) -> Problem,
    ) -> Option<Problem> {
        let fix = |what: &str| format!("{what}: funnel set {} {key}=...", self.id);
        match ty {
            FieldType::Money | FieldType::Percent => {
                if !matches!(
                    found,
                    toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::String(_)
                ) {
                    return None;
                }
                match value::checked_money(found) {
                    // A string that is no number at all is a wrong type.
                    Err(value::MoneyError::NotANumber { .. } | value::MoneyError::Empty)
                        if found.is_str() =>
                    {
                        None
                    }
                    Err(e) => Some(at(key, format!("`{key}`: {e}")).with_hint(format!(
                        "{}; fix it with: funnel set {} {key}={}",
                        e.hint(),
                        self.id,
                        e.fixed().unwrap_or("...")
                    ))),
                    Ok(amount) if ty == FieldType::Money && amount < Decimal::ZERO => Some(
                        at(key, format!("`{key}` is negative: {amount}"))
                            .with_hint(fix("a deal's value is 0 or more")),
                    ),
                    Ok(_) => None,
                }
            }
            FieldType::Date => {
                let date = value::date(found)?;
                (date.year() < 1970).then(|| {
                    at(key, format!("`{key}` is {date}, before 1970"))
                        .with_hint(fix("dates start in 1970; give the real date"))
                })
            }
            _ => None,
        }
    }

    /// Every key of the file (built the first time for a deal from the
    /// deal cache: [`Deal::field`] and the accessors read keys without).
    pub fn fields(&self) -> &toml::Table {
        match &self.fields {
            Fields::Table(table) => table,
            Fields::Packed(packed) => packed.table(),
        }
    }

    /// [`Deal::fields`], to change.
    pub fn fields_mut(&mut self) -> &mut toml::Table {
        if let Fields::Packed(packed) = &self.fields {
            self.fields = Fields::Table(packed.table().clone());
        }
        match &mut self.fields {
            Fields::Table(table) => table,
            Fields::Packed(_) => unreachable!("made a table above"),
        }
    }

    /// A key's value; dotted keys look into sub-tables (`qualification.need`).
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        let mut parts = key.split('.');
        // Comparing a few keys in turn costs less than hashing the key.
        let first = parts.next()?;
        let fields = self.fields();
        let mut current = match fields.len() {
            ..=16 => (fields.iter()).find_map(|(k, v)| (k == first).then_some(v))?,
            _ => fields.get(first)?,
        };
        for part in parts {
            current = current.as_table()?.get(part)?;
        }
        Some(current)
    }

    /// [`Deal::get`], without building the table of a deal from the deal
    /// cache for a top-level key.
    pub fn field(&self, key: &str) -> Option<Field<'_>> {
        match &self.fields {
            Fields::Packed(packed) if !key.contains('.') => packed.get(key),
            _ => self.get(key).map(Field::Value),
        }
    }

    /// [`Deal::field`] of each of the top-level `keys`, found in one pass
    /// over a deal from the deal cache.
    pub fn fields_of<const N: usize>(&self, keys: [&str; N]) -> [Option<Field<'_>>; N] {
        let mut found = [None; N];
        match &self.fields {
            Fields::Packed(packed) => {
                // Only keys that may be there are looked for, until found.
                let mut left = keys.iter().filter(|k| packed.may_have(k)).count();
                let at = |key: &[u8]| keys.iter().position(|k| k.as_bytes() == key);
                let mut fields = packed.select(|key| at(key).is_some());
                while left > 0
                    && let Some((key, field)) = fields.next()
                {
                    if let Some(n) = at(key) {
                        found[n] = Some(field);
                        left -= 1;
                    }
                }
            }
            Fields::Table(_) => {
                for (slot, key) in found.iter_mut().zip(keys) {
                    *slot = self.field(key);
                }
            }
        }
        found
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.field(key).and_then(Field::as_str)
    }

    pub fn date(&self, key: &str) -> Option<Date> {
        self.field(key).and_then(value::field_date)
    }

    pub fn money(&self, key: &str) -> Option<Decimal> {
        self.field(key).and_then(|f| value::money(&f.value()))
    }

    pub fn title(&self) -> &str {
        self.text("title").unwrap_or(&self.id)
    }

    pub fn owner(&self) -> Option<&str> {
        self.text("owner")
    }

    pub fn tags(&self) -> Vec<&str> {
        self.get("tags")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default()
    }

    /// The deal's value in the pipeline's currency (`None` when the deal has
    /// no value or its currency has no rate in `[fx]`).
    pub fn value(&self, config: &Config) -> Option<Decimal> {
        value_in(self.field("value"), self.field("currency"), config)
    }

    /// Percent: the deal's own `probability`, else its stage's default.
    pub fn probability(&self, config: &Config) -> Decimal {
        probability_in(self.field("probability"), &self.stage, config)
    }

    /// The keys the metrics read, found in one pass over the table.
    pub fn figures(&self) -> Figures<'_> {
        let mut found = Figures::default();
        match &self.fields {
            Fields::Table(table) => {
                for (key, value) in table {
                    if let Some(slot) = found.slot(key.as_bytes()) {
                        *slot = Some(Field::Value(value));
                    }
                }
            }
            Fields::Packed(packed) => {
                let wanted = |key: &[u8]| Figures::default().slot(key).is_some();
                for (key, value) in packed.select(wanted) {
                    if let Some(slot) = found.slot(key) {
                        *slot = Some(value);
                    }
                }
            }
        }
        found
    }

    /// Value x probability, in the pipeline's currency.
    pub fn weighted_value(&self, config: &Config) -> Option<Decimal> {
        crate::model::money::weighted(self.value(config)?, self.probability(config))
    }

    /// Whether the deal has a non-empty value for a `require` entry.
    pub fn has_field(&self, key: &str) -> bool {
        match self.field(key) {
            None => false,
            Some(Field::Str(s)) => !s.trim().is_empty(),
            Some(Field::Value(toml::Value::String(s))) => !s.trim().is_empty(),
            Some(Field::Value(toml::Value::Array(a))) => !a.is_empty(),
            Some(_) => true,
        }
    }
}

/// A deal's value in the pipeline's currency, from its `value` and
/// `currency` ([`Deal::value`], for keys found with [`Deal::fields_of`]).
pub fn value_in(
    amount: Option<Field<'_>>,
    currency: Option<Field<'_>>,
    config: &Config,
) -> Option<Decimal> {
    let amount = value::money(&amount?.value())?;
    in_currency(amount, currency.and_then(Field::as_str), config)
}

/// `amount` in `currency` (the pipeline's when `None`) in the pipeline's
/// currency, as [`Deal::value`] gives it.
pub fn in_currency(amount: Decimal, currency: Option<&str>, config: &Config) -> Option<Decimal> {
    let rate = config.rate(currency.unwrap_or(&config.currency))?;
    amount.checked_mul(rate)
}

/// A deal's probability in `stage`, from its `probability`
/// ([`Deal::probability`], for a key found with [`Deal::fields_of`]).
pub fn probability_in(probability: Option<Field<'_>>, stage: &str, config: &Config) -> Decimal {
    probability
        .and_then(|p| value::money(&p.value()))
        .or_else(|| config.stage(stage).map(|s| s.default_probability()))
        .unwrap_or(Decimal::ZERO)
}

/// The known keys of a deal that the metrics read, found in one pass over
/// its table: nine look-ups in each of 20,000 tables cost more (a hash and
/// cache misses each). The accessors are the deal's own.
#[derive(Debug, Default, Clone, Copy)]
pub struct Figures<'a> {
    value: Option<Field<'a>>,
    currency: Option<Field<'a>>,
    probability: Option<Field<'a>>,
    created: Option<Field<'a>>,
    expected_close: Option<Field<'a>>,
    owner: Option<Field<'a>>,
    product: Option<Field<'a>>,
    source: Option<Field<'a>>,
    account: Option<Field<'a>>,
    lost_reason: Option<Field<'a>>,
}

impl<'a> Figures<'a> {
    /// The keys it reads.
    pub const KEYS: &'static [&'static str] = &[
        "value",
        "currency",
        "probability",
        "created",
        "expected_close",
        "owner",
        "product",
        "source",
        "account",
        "lost_reason",
    ];

    /// Where the value of `key` goes, if it is one of [`Figures::KEYS`].
    fn slot(&mut self, key: &[u8]) -> Option<&mut Option<Field<'a>>> {
        Some(match key {
            b"value" => &mut self.value,
            b"currency" => &mut self.currency,
            b"probability" => &mut self.probability,
            b"created" => &mut self.created,
            b"expected_close" => &mut self.expected_close,
            b"owner" => &mut self.owner,
            b"product" => &mut self.product,
            b"source" => &mut self.source,
            b"account" => &mut self.account,
            b"lost_reason" => &mut self.lost_reason,
            _ => return None,
        })
    }

    /// [`Deal::value`].
    pub fn value(&self, config: &Config) -> Option<Decimal> {
        value_in(self.value, self.currency, config)
    }

    /// [`Deal::probability`] of a deal in `stage`.
    pub fn probability(&self, stage: &str, config: &Config) -> Decimal {
        probability_in(self.probability, stage, config)
    }

    pub fn created(&self) -> Option<Date> {
        self.created.and_then(value::field_date)
    }

    pub fn expected_close(&self) -> Option<Date> {
        self.expected_close.and_then(value::field_date)
    }

    pub fn owner(&self) -> Option<&'a str> {
        self.owner.and_then(Field::as_str)
    }

    pub fn product(&self) -> Option<&'a str> {
        self.product.and_then(Field::as_str)
    }

    pub fn source(&self) -> Option<&'a str> {
        self.source.and_then(Field::as_str)
    }

    pub fn account(&self) -> Option<&'a str> {
        self.account.and_then(Field::as_str)
    }

    pub fn lost_reason(&self) -> Option<&'a str> {
        self.lost_reason.and_then(Field::as_str)
    }
}

/// A TOML document as a table, as `toml::from_str` reads it, at half the
/// cost: toml's own parser, then a direct conversion instead of the serde
/// layer. A value that conversion refuses (an integer beyond 64 bits, a
/// float that overflows) is left to `toml::from_str`, for its exact error.
pub fn parse_table(text: &str) -> Result<toml::Table, toml::de::Error> {
    let document = toml::de::DeTable::parse(text)?;
    match convert_table(document.into_inner()) {
        Some(table) => Ok(table),
        None => toml::from_str(text),
    }
}

fn convert_table(table: toml::de::DeTable<'_>) -> Option<toml::Table> {
    let mut out = toml::Table::with_capacity(table.len());
    for (key, value) in table {
        out.insert(
            key.into_inner().into_owned(),
            convert_value(value.into_inner())?,
        );
    }
    Some(out)
}

fn convert_value(value: toml::de::DeValue<'_>) -> Option<toml::Value> {
    use toml::de::DeValue;
    Some(match value {
        DeValue::String(s) => toml::Value::String(s.into_owned()),
        DeValue::Integer(i) => {
            toml::Value::Integer(i64::from_str_radix(i.as_str(), i.radix()).ok()?)
        }
        DeValue::Float(f) => {
            let x: f64 = f.as_str().parse().ok()?;
            if x.is_infinite() && !f.as_str().contains("inf") {
                return None;
            }
            toml::Value::Float(x)
        }
        DeValue::Boolean(b) => toml::Value::Boolean(b),
        DeValue::Datetime(d) => toml::Value::Datetime(d),
        DeValue::Array(items) => toml::Value::Array(
            items
                .into_iter()
                .map(|v| convert_value(v.into_inner()))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(t) => toml::Value::Table(convert_table(t)?),
    })
}

/// The first line of an unresolved git conflict, if any.
fn conflict_markers(path: &Path, text: &str) -> Option<Problem> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("<<<<<<<") {
            return Some(
                Problem::at(path, text, offset..offset + 7, "unresolved git conflict markers")
                    .with_hint("keep the right version between <<<<<<<, ======= and >>>>>>>, delete the markers, then `git add` the file"),
            );
        }
        offset += line.len();
    }
    None
}

/// What a committed version of a deal file says about its value: its
/// `value` and `currency` as the deal loads them, its `expected_close`
/// (for the field-change log and forecasts of the past) and its own
/// `probability` (for forecasts of the past).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionValue {
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub expected_close: Option<Date>,
    pub probability: Option<Decimal>,
}

impl VersionValue {
    /// What the version `text` says; `None` when it does not load as a
    /// deal (broken TOML, a wrong type, no title). Whether it loads does
    /// not depend on the file's name, so none is needed (and a blob is
    /// the same whatever file it was committed as).
    pub fn of(text: &str) -> Option<VersionValue> {
        let deal = Deal::parse(Path::new("version.toml"), text).ok()?;
        Some(VersionValue {
            amount: deal.money("value"),
            currency: deal.text("currency").map(str::to_string),
            expected_close: deal.date("expected_close"),
            probability: deal.money("probability"),
        })
    }

    /// The probability of a deal in `stage` with this version, as
    /// [`Deal::probability`] gives it.
    pub fn probability_in(&self, stage: &str, config: &Config) -> Decimal {
        self.probability
            .or_else(|| config.stage(stage).map(|s| s.default_probability()))
            .unwrap_or(Decimal::ZERO)
    }

    /// The value in the pipeline's currency, as [`Deal::value`] gives it.
    pub fn value(&self, config: &Config) -> Option<Decimal> {
        crate::model::deal::in_currency(self.amount?, self.currency.as_deref(), config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_have_a_slot_for_each_of_their_keys_alone() {
        for key in Figures::KEYS {
            assert!(Figures::default().slot(key.as_bytes()).is_some(), "{key}");
        }
        assert!(Figures::default().slot(b"title").is_none());
        assert!(Figures::default().slot(b"valu").is_none());
    }

    #[test]
    fn a_cached_deal_reads_as_the_parsed_one() {
        let text = "title = \"Acme\"\nowner = \"ann\"\nvalue = \"1200.50\"\ncurrency = \"EUR\"\nprobability = 40\ncreated = 2026-10-01\ntags = [\"eu\", \"smb\"]\nlost_reason = \"\"\n[qualification]\nneed = \"x\"\n";
        let parsed = Deal::parse(Path::new("lead/acme.toml"), text).unwrap();
        let mut w = crate::cache_file::Writer::piece(64);
        crate::model::packed::put_table(&mut w, parsed.fields());
        let bytes = w.into_bytes();
        let len = bytes.len();
        let packed = Packed::new(std::sync::Arc::new(bytes), 0..len).unwrap();
        let cached = Deal::from_packed(Path::new("lead/acme.toml"), packed);
        let config = Config::parse(&format!(
            "{}\n[fx]\nEUR = \"1.1\"\n",
            crate::model::config::DEFAULT
        ))
        .unwrap();
        for deal in [&parsed, &cached] {
            assert_eq!(deal.title(), "Acme");
            assert_eq!(deal.owner(), Some("ann"));
            assert_eq!(deal.value(&config), Some(Decimal::new(132055, 2)));
            assert_eq!(deal.probability(&config), Decimal::from(40));
            assert_eq!(deal.date("created"), Some(jiff::civil::date(2026, 10, 1)));
            assert_eq!(deal.tags(), ["eu", "smb"]);
            assert_eq!(deal.text("qualification.need"), Some("x"));
            assert!(deal.has_field("qualification") && deal.has_field("tags"));
            assert!(!deal.has_field("lost_reason") && !deal.has_field("next_step"));
            let [value, missing, owner] = deal.fields_of(["value", "missing", "owner"]);
            assert_eq!(value.and_then(Field::as_str), Some("1200.50"));
            assert!(missing.is_none());
            assert_eq!(owner.and_then(Field::as_str), Some("ann"));
            let figures = deal.figures();
            assert_eq!(figures.value(&config), Some(Decimal::new(132055, 2)));
            assert_eq!(figures.probability("lead", &config), Decimal::from(40));
            assert_eq!(figures.created(), Some(jiff::civil::date(2026, 10, 1)));
            assert_eq!(
                (figures.owner(), figures.lost_reason()),
                (Some("ann"), Some(""))
            );
            assert_eq!((figures.product(), figures.expected_close()), (None, None));
        }
        assert_eq!(
            format!("{:?}", cached.fields()),
            format!("{:?}", parsed.fields())
        );
    }

    fn parse(text: &str) -> Result<Deal, Vec<Problem>> {
        Deal::parse(Path::new("lead/acme.toml"), text)
    }

    #[test]
    fn keeps_custom_keys_and_reads_known_ones() {
        let deal = parse("title = \"Acme\"\nvalue = \"12000.50\"\nseats = 40\ncreated = 2026-09-14\n[qualification]\nneed = \"x\"\n").unwrap();
        assert_eq!(deal.id, "acme");
        assert_eq!(deal.stage, "lead");
        assert_eq!(
            deal.money("value").map(|v| v.to_string()),
            Some("12000.50".into())
        );
        assert_eq!(deal.get("seats").and_then(|v| v.as_integer()), Some(40));
        assert_eq!(deal.date("created"), Some(jiff::civil::date(2026, 9, 14)));
        assert_eq!(deal.text("qualification.need"), Some("x"));
    }

    #[test]
    fn a_wrong_type_points_at_the_value() {
        let problems =
            parse("title = \"Acme\"\n\n[qualification]\nbudget = \"yes\"\n").unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "lead/acme.toml:4:10: wrong type for `qualification.budget`: expected true or false, found a string\n  |\n4 | budget = \"yes\"\n  |          ^^^^^\n  hint: write budget = true"
        );
    }

    #[test]
    fn the_fast_parser_reads_what_toml_reads() {
        for text in [
            "title = \"Acme\"\nvalue = 12000\nf = 1.5e3\nx = 0x1F\nd = 2026-11-20\nt = 2026-11-20T10:00:00Z\n",
            "a = [1, [2, 3], { b = \"c\" }]\n[q]\nneed = \"x\"\n[[c]]\nname = \"J\"\n",
            "big = 99999999999999999999\n",
            "s = '''\nmulti\nline'''\ninf = inf\nn = nan\n",
            "broken = \n",
        ] {
            // Debug strings, so NaN equals NaN.
            assert_eq!(
                format!("{:?}", parse_table(text).map_err(|e| e.to_string())),
                format!(
                    "{:?}",
                    toml::from_str::<toml::Table>(text).map_err(|e| e.to_string())
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn figures_read_what_the_accessors_read() {
        let config = Config::parse(&format!(
            "{}\n[fx]\nEUR = \"2\"\n",
            crate::model::config::DEFAULT
        ))
        .unwrap();
        for text in [
            "title = \"A\"\n",
            "title = \"A\"\nvalue = \"12000.50\"\ncurrency = \"EUR\"\nprobability = 30\ncreated = 2026-01-05\nexpected_close = 2026-12-15T10:00:00Z\nowner = \"ann\"\nproduct = \"p\"\nsource = \"s\"\naccount = \"Acme\"\n",
            "title = \"A\"\nvalue = 1.5\ncurrency = \"GBP\"\n[qualification]\nneed = \"x\"\n",
        ] {
            let deal = parse(text).unwrap();
            let figures = deal.figures();
            assert_eq!(figures.value(&config), deal.value(&config), "{text}");
            assert_eq!(
                figures.probability(&deal.stage, &config),
                deal.probability(&config)
            );
            assert_eq!(figures.created(), deal.date("created"));
            assert_eq!(figures.expected_close(), deal.date("expected_close"));
            assert_eq!(figures.owner(), deal.owner());
            for key in ["product", "source", "account"] {
                let found = match key {
                    "product" => figures.product(),
                    "source" => figures.source(),
                    _ => figures.account(),
                };
                assert_eq!(found, deal.text(key), "{key}");
            }
        }
    }

    #[test]
    fn conflict_markers_are_named() {
        let problems =
            parse("title = \"Acme\"\n<<<<<<< HEAD\nvalue = 1\n=======\nvalue = 2\n>>>>>>> x\n")
                .unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .starts_with("lead/acme.toml:2:1: unresolved git conflict markers")
        );
    }
}
