//! funnel: a sales pipeline kept as plain text in git.
//!
//! This library is the whole domain: the pipeline's configuration and deal
//! files, loading and validating them, date expressions and filters, the one
//! module that talks to git and the one that writes deal files. It returns
//! data and never prints; the `funnel` binary is a thin shell around it.

pub mod cache_file;
pub mod changes;
pub mod check;
pub mod config;
pub mod dates;
pub mod deal;
pub mod deal_cache;
pub mod dealfile;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod facts;
pub mod filter;
pub mod git;
pub mod ident;
pub mod json;
pub mod metrics;
pub mod ops;
pub mod pipeline;
pub mod problem;
pub mod store;
pub mod value;
