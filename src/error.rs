//! The library's error type. Each error says what went wrong and, where a
//! person can act on it, a hint that says how to fix it.

use std::path::PathBuf;

use crate::model::problem::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad data or a request that cannot be done (exit status 1).
    #[error("{message}")]
    Data {
        message: String,
        hint: Option<String>,
    },
    /// Files that are broken, each located (exit status 1).
    #[error("{} problem(s) in the pipeline's files", .0.len())]
    Problems(Vec<Problem>),
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// What libgit2 said (its error type stays inside `git/`).
    #[error("git: {0}")]
    Git(String),
}

impl Error {
    pub fn data(message: impl Into<String>) -> Self {
        Error::Data {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Data {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::model::dates::DateError> for Error {
    fn from(e: crate::model::dates::DateError) -> Self {
        Error::data(e.to_string())
    }
}
