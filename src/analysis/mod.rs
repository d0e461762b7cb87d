//! What the pipeline and its history mean: check's rules, filters, the
//! facts history gives each deal, the metrics, the health findings and the
//! changes between revisions. Pure functions of loaded data and "now".

pub mod asof;
pub mod board;
pub mod changes;
pub mod check;
pub mod conflicts;
pub mod dashboard;
pub mod doctor;
pub mod export;
pub mod facts;
pub mod filter;
pub mod flow;
pub mod forecast_accuracy;
pub mod metrics;
pub mod next;
pub mod review;
pub mod snapshot;
pub mod trend;
