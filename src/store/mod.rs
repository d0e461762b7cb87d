//! Storing the pipeline in the work tree: finding and loading it, the
//! parsed-deal cache, format-preserving edits of deal files, the write
//! lock, the one write path, and which deal files differ from HEAD.

pub mod deal_cache;
pub mod dealfile;
pub mod lock;
pub mod pipeline;
pub mod status;
pub mod vocabulary;
pub mod write;
