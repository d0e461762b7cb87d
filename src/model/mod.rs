//! The domain's plain data, the lowest layer: IDs, money and other values,
//! dates, the configuration, a deal, a located problem. Nothing here reads
//! git or the work tree, and nothing here names a higher layer.

pub mod config;
pub mod dates;
pub mod deal;
pub mod finding;
pub mod ident;
pub mod json;
pub mod money;
pub mod packed;
pub mod problem;
pub mod schema;
pub mod value;
