//! Fixtures for the metrics' unit tests: a five-stage configuration and
//! deals built from their stage paths, and what the tests name.

pub(super) use std::str::FromStr;

pub(super) use jiff::Timestamp;
pub(super) use jiff::civil::{Date, Weekday, date};
pub(super) use jiff::tz::TimeZone;
pub(super) use rust_decimal::Decimal;

pub(super) use super::*;
pub(super) use crate::model::config::Config;

pub(super) const CONFIG: &str = r#"
name = "Test"
currency = "USD"
timezone = "UTC"
week_start = "monday"

[[stage]]
id = "lead"
kind = "open"
probability = 10

[[stage]]
id = "qualified"
kind = "open"
probability = 25

[[stage]]
id = "proposal"
kind = "open"
probability = 60

[[stage]]
id = "won"
kind = "won"

[[stage]]
id = "lost"
kind = "lost"

[targets]
new_deals = { count = 10, per = "week" }
new_value = { amount = 250, per = "day" }
won_value = { amount = 50000, per = "month" }
products = { crm = { new_deals = 5, won = 2, per = "month" } }

[spend]
"2026-10" = 10000
"2026-11" = 12000
"#;

pub(super) fn config() -> Config {
    Config::parse(CONFIG).expect("test config")
}

/// `2026-10-01` (midnight UTC) or `2026-10-01T12:00`.
pub(super) fn at(text: &str) -> Timestamp {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        format!("{text}:00Z")
    };
    full.parse().expect("test instant")
}

pub(super) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("test decimal")
}

pub(super) fn some(text: &str) -> Option<Decimal> {
    Some(dec(text))
}

/// A deal that went through `path` (stage, when), created at its start.
pub(super) fn deal(id: &str, path: &[(&str, &str)]) -> DealRecord {
    let entries: Vec<(String, Timestamp)> =
        path.iter().map(|(s, t)| (s.to_string(), at(t))).collect();
    let mut record = DealRecord::new(id, entries[entries.len() - 1].0.clone(), entries[0].1);
    record.entries = entries;
    record
}

pub(super) fn valued(mut record: DealRecord, value: &str) -> DealRecord {
    record.value = Some(dec(value));
    record
}

pub(super) fn weighted(record: DealRecord, value: &str, probability: u32) -> DealRecord {
    let mut record = valued(record, value);
    record.probability = Decimal::from(probability);
    record
}

pub(super) fn window(since: &str, until: &str) -> Window {
    Window {
        since: at(since),
        until: at(until),
    }
}

pub(super) fn october() -> Window {
    window("2026-10-01", "2026-11-01")
}

/// Three won, one lost and two open deals around October 2026.
pub(super) fn october_deals() -> Vec<DealRecord> {
    let mut w2 = valued(
        deal(
            "w2",
            &[
                ("lead", "2026-10-01"),
                ("proposal", "2026-10-05"),
                ("won", "2026-10-21"),
            ],
        ),
        "3000",
    );
    w2.value_at_close = Some(dec("2000"));
    vec![
        valued(
            deal("w1", &[("lead", "2026-09-01"), ("won", "2026-10-11")]),
            "1000",
        ),
        w2,
        valued(
            deal("w3", &[("lead", "2026-10-01"), ("won", "2026-10-31T12:00")]),
            "6000",
        ),
        valued(
            deal("l1", &[("lead", "2026-10-01"), ("lost", "2026-10-11")]),
            "4000",
        ),
        valued(deal("o1", &[("lead", "2026-10-21")]), "500"),
        deal("o2", &[("proposal", "2026-09-01")]),
        valued(
            deal("w0", &[("lead", "2026-09-01"), ("won", "2026-09-15")]),
            "9999",
        ),
    ]
}

pub(super) fn october_report() -> Report {
    report(&config(), &october_deals(), &october(), at("2026-11-01"))
}
