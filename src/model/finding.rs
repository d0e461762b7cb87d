//! The vocabulary of `doctor`'s findings: their kinds (the sales mistakes
//! they answer) and severities. Here, below the configuration, because
//! `funnel.toml`'s `[doctor] severity` names them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(name: &str) -> Option<Severity> {
        match name {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The kinds of finding, with the mistake each answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 1. Not prospecting: new deals or value below the lead-generation targets.
    NotProspecting,
    /// 2. Unqualified deals kept: past the first stage without an agreed problem, a need, or required fields.
    Unqualified,
    /// 3. Lost balance: a stage over its wip_max or under its wip_min.
    Balance,
    /// 3. Lost balance: longer in its stage than the stage's max_days.
    Stalled,
    /// 3. Lost balance: no change for longer than the stage's idle_days.
    Idle,
    /// 4. Afraid to drop dead deals: long past expected_close, or stalled far beyond max_days.
    DeadDeal,
    /// 5. Not tracking data: an open deal without value, owner, expected_close or next_step.
    MissingData,
    /// 6. Neglected customers: a won account not contacted for longer than checkin_days.
    NeglectedCustomer,
    /// 8. Product imbalance: a product below its targets.
    ProductImbalance,
    /// A next step whose due date has passed.
    BrokenPromise,
    /// A stage's follow_up step (after winning or losing) that is due.
    FollowUpDue,
    /// A deal whose stalled and idle findings are snoozed (shown with --all).
    Snoozed,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::NotProspecting,
        Kind::Unqualified,
        Kind::Balance,
        Kind::Stalled,
        Kind::Idle,
        Kind::DeadDeal,
        Kind::MissingData,
        Kind::NeglectedCustomer,
        Kind::ProductImbalance,
        Kind::BrokenPromise,
        Kind::FollowUpDue,
        Kind::Snoozed,
    ];

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::NotProspecting => "not_prospecting",
            Kind::Unqualified => "unqualified",
            Kind::Balance => "balance",
            Kind::Stalled => "stalled",
            Kind::Idle => "idle",
            Kind::DeadDeal => "dead_deal",
            Kind::MissingData => "missing_data",
            Kind::NeglectedCustomer => "neglected_customer",
            Kind::ProductImbalance => "product_imbalance",
            Kind::BrokenPromise => "broken_promise",
            Kind::FollowUpDue => "follow_up_due",
            Kind::Snoozed => "snoozed",
        }
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Kind::DeadDeal => Severity::Error,
            Kind::Idle | Kind::ProductImbalance | Kind::FollowUpDue | Kind::Snoozed => {
                Severity::Info
            }
            _ => Severity::Warning,
        }
    }
}
