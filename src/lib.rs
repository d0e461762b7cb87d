//! funnel: a sales pipeline kept as plain text in git.
//!
//! This library is the whole domain: the pipeline's configuration and deal
//! files, loading and validating them, date expressions and filters, the one
//! module that talks to git and the one that writes deal files. It returns
//! data and never prints; the `funnel` binary is a thin shell around it.

pub mod analysis;
pub mod cache_file;
pub mod error;
pub mod git;
pub mod hasher;
pub mod model;
pub mod ops;
pub mod parallel;
pub mod store;

#[cfg(test)]
mod layers {
    //! The folders are the layers: a module never names a module of a
    //! higher layer (ARCHITECTURE.md). Read from the sources, so a new
    //! import that breaks the order fails here.

    use std::path::Path;

    /// Lowest first; `cli` (the binary) may use them all.
    const ORDER: [&str; 7] = ["model", "error", "git", "store", "analysis", "ops", "cli"];

    fn rank(module: &str) -> usize {
        let top = match module {
            "cache_file" => "model",
            "hasher" | "parallel" => "error",
            other => other,
        };
        ORDER.iter().position(|l| *l == top).unwrap_or(0)
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_module_names_a_higher_layer() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for file in files {
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let layer = rel.split(['/', '.']).next().unwrap_or("").to_string();
            if matches!(layer.as_str(), "lib" | "main") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests may reach anywhere; the code before them may not.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (at, _) in code.match_indices("crate::") {
                let named: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if rank(&named) > rank(&layer) {
                    wrong.push(format!("{rel} names crate::{named}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
