//! Storing the pipeline: the write lock and the one write path.

pub mod lock;
pub mod write;
