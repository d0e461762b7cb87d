//! The integration tests: one binary (as ripgrep and jj have), so they
//! link once, with one module per area. Each runs the real `funnel` binary
//! in a temporary git repository (`support::TestEnv`) and asserts whole
//! outputs, files and commits.

mod support;

mod asof;
mod briefs;
mod check;
mod cli;
mod corpus;
mod daily;
mod dashboard;
mod doctor;
mod export;
mod history;
mod history_cli;
mod import;
mod output;
mod recovery;
mod stress;
mod team;
mod team_load;
mod write_path;
