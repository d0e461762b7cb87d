//! Finding a pipeline's root and loading its configuration and deals.
//!
//! Loading is the hot path of every command (100,000 deals must load in half
//! a second), so files are read and parsed on all cores, and a broken file
//! is set aside as a `Problem` instead of stopping the load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::deal::Deal;
use crate::error::{Error, Result};
use crate::problem::{Problem, did_you_mean};

#[derive(Debug)]
pub struct Pipeline {
    /// The folder that holds `funnel.toml`.
    pub root: PathBuf,
    pub config: Config,
    /// Every deal that loaded, in stage order, then by ID.
    pub deals: Vec<Deal>,
    /// Files that could not be loaded, folders that are not stages, and IDs
    /// found in two stages (the later copy is set aside).
    pub problems: Vec<Problem>,
}

/// The nearest folder from `start` upward that holds `funnel.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    let start = std::fs::canonicalize(start).map_err(|e| Error::io(start, e))?;
    start
        .ancestors()
        .find(|dir| dir.join(config::FILE_NAME).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Error::hinted(
                format!(
                    "no {} in {} or any folder above it",
                    config::FILE_NAME,
                    start.display()
                ),
                "run `funnel init` to start a pipeline, or point at one with -C DIR or FUNNEL_DIR",
            )
        })
}

/// Reads and parses `funnel.toml` in `root`.
pub fn load_config(root: &Path) -> Result<Config> {
    let path = root.join(config::FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Config::parse(&text).map_err(Error::Problems)
}

impl Pipeline {
    /// Loads the pipeline at `root` (the folder holding `funnel.toml`).
    pub fn load(root: &Path) -> Result<Pipeline> {
        let config = load_config(root)?;
        let (files, mut problems) = deal_files(root, &config)?;
        let loaded = parse_all(root, &files);
        let mut deals = Vec::with_capacity(loaded.len());
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for result in loaded {
            match result {
                Ok(deal) => {
                    if let Some(first) = seen.get(&deal.id) {
                        problems.push(
                            Problem::file(
                                &deal.path,
                                format!("duplicate ID `{}`: also {}", deal.id, first.display()),
                            )
                            .with_hint(format!(
                                "a deal lives in one stage: delete one copy, or rename it with `git mv {} {}/NEW-ID.toml`",
                                deal.path.display(),
                                deal.stage
                            )),
                        );
                        continue;
                    }
                    seen.insert(deal.id.clone(), deal.path.clone());
                    deals.push(deal);
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        Ok(Pipeline {
            root: root.to_path_buf(),
            config,
            deals,
            problems,
        })
    }

    /// The configuration alone, no deal read: what a mutating command
    /// needs, with `load_deal` for the one file it changes, so a change
    /// costs the same in a pipeline of 100 deals or of 100,000.
    pub fn config_only(root: &Path) -> Result<Pipeline> {
        Ok(Pipeline {
            root: root.to_path_buf(),
            config: load_config(root)?,
            deals: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// The deal called `id`, read from its file alone: `STAGE/ID.toml` in
    /// stage order, the first copy when there are two (as `load` keeps it);
    /// refused when that file is broken or there is none.
    pub fn load_deal(&self, id: &str) -> Result<Deal> {
        if let Some(deal) = self.deal(id) {
            return Ok(deal.clone());
        }
        let file = crate::ident::invalid_reason(id)
            .is_none()
            .then(|| {
                self.config
                    .stages
                    .iter()
                    .map(|s| Path::new(&s.id).join(format!("{id}.toml")))
                    .find(|rel| self.root.join(rel).is_file())
            })
            .flatten();
        let Some(rel) = file else {
            let (files, _) = deal_files(&self.root, &self.config)?;
            let ids: Vec<&str> = files
                .iter()
                .filter_map(|f| f.file_stem().and_then(|s| s.to_str()))
                .collect();
            let hint = match did_you_mean(id, ids.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "`funnel list --all` shows every deal's ID".to_string(),
            };
            return Err(Error::hinted(format!("no deal `{id}`"), hint));
        };
        read_deal(&self.root, &rel).map_err(Error::Problems)
    }

    pub fn deal(&self, id: &str) -> Option<&Deal> {
        self.deals.iter().find(|d| d.id == id)
    }

    /// The deal called `id`, refusing when its file is broken or missing.
    pub fn require_deal(&self, id: &str) -> Result<&Deal> {
        if let Some(deal) = self.deal(id) {
            return Ok(deal);
        }
        let stem = format!("{id}.toml");
        let broken: Vec<Problem> = self
            .problems
            .iter()
            .filter(|p| p.file.file_name().is_some_and(|f| f == stem.as_str()))
            .cloned()
            .collect();
        if !broken.is_empty() {
            return Err(Error::Problems(broken));
        }
        let hint = match did_you_mean(id, self.deals.iter().map(|d| d.id.as_str())) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "`funnel list --all` shows every deal's ID".to_string(),
        };
        Err(Error::hinted(format!("no deal `{id}`"), hint))
    }

    /// Whether an ID is taken by any file, broken ones included.
    pub fn id_taken(&self, id: &str) -> bool {
        self.deal(id).is_some()
            || self
                .config
                .stages
                .iter()
                .any(|s| self.root.join(&s.id).join(format!("{id}.toml")).exists())
    }
}

/// The deal files of every stage folder, in stage order then by name, and
/// problems for `.toml` files where no deal can be.
fn deal_files(root: &Path, config: &Config) -> Result<(Vec<PathBuf>, Vec<Problem>)> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for stage in &config.stages {
        let dir = root.join(&stage.id);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            let rel = Path::new(&stage.id).join(&name);
            let Some(name) = name.to_str() else {
                problems.push(Problem::file(&rel, "file name is not valid UTF-8"));
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir {
                if holds_toml(&entry.path()) {
                    problems.push(
                        Problem::file(&rel, "deal files are one level deep: STAGE/ID.toml")
                            .with_hint(format!(
                                "move the files in {}/ up into {}/",
                                rel.display(),
                                stage.id
                            )),
                    );
                }
                continue;
            }
            let Some(id) = name.strip_suffix(".toml") else {
                continue;
            };
            if let Some(reason) = crate::ident::invalid_reason(id) {
                let fixed = crate::ident::slug(id);
                problems.push(
                    Problem::file(&rel, format!("invalid ID `{id}`: {reason}")).with_hint(format!(
                        "rename the file: git mv {} {}/{fixed}.toml",
                        rel.display(),
                        stage.id
                    )),
                );
                continue;
            }
            names.push(name.to_string());
        }
        // Sorting the names as strings, not as paths (component by
        // component), is the same order at a tenth of the cost.
        names.sort_unstable();
        let stage_dir = Path::new(&stage.id);
        files.extend(names.iter().map(|name| stage_dir.join(name)));
    }
    for entry in walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| Error::io(root, e.into()))?;
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_dir() || name.starts_with('.') || config.stage(&name).is_some() {
            continue;
        }
        if holds_toml(entry.path()) {
            let hint = match did_you_mean(&name, config.stage_ids()) {
                Some(stage) => format!(
                    "did you mean `{stage}`? Move the files with `git mv {name}/* {stage}/`"
                ),
                None => format!(
                    "declare it as a [[stage]] in funnel.toml, or move its files into one of: {}",
                    config.stage_ids().collect::<Vec<_>>().join(", ")
                ),
            };
            problems.push(
                Problem::file(
                    name.as_ref(),
                    format!("`{name}` is not a stage, but holds deal files"),
                )
                .with_hint(hint),
            );
        }
    }
    Ok((files, problems))
}

fn holds_toml(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "toml"))
    })
}

/// Reads and parses one deal file (`rel` is relative to `root`).
fn read_deal(root: &Path, rel: &Path) -> Result<Deal, Vec<Problem>> {
    match std::fs::read(root.join(rel)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Deal::parse(rel, &text),
            Err(_) => Err(vec![
                Problem::file(rel, "the file is not valid UTF-8").with_hint("save it as UTF-8"),
            ]),
        },
        Err(e) => Err(vec![Problem::file(
            rel,
            format!("cannot read the file: {e}"),
        )]),
    }
}

/// Reads and parses `files` on every core, keeping their order.
fn parse_all(root: &Path, files: &[PathBuf]) -> Vec<Result<Deal, Vec<Problem>>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(threads).max(256);
    let parse = |rel: &PathBuf| read_deal(root, rel);
    if files.len() <= chunk {
        return files.iter().map(parse).collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(parse).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
