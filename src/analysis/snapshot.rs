//! The one way a read command opens the pipeline: a snapshot of its
//! configuration, its deals (through the parsed-deal cache, on another
//! core) and its history from git (on this one), with what history says
//! of each deal. `board`, `next`, `doctor`, `show` and `report` take one;
//! the command's own work is then one core function on it.

use std::path::{Path, PathBuf};

use crate::analysis::facts;
use crate::error::Result;
use crate::git::history::{self, Briefs, History};
use crate::git::{CommitId, Repo};
use crate::model::deal::Keys;
use crate::store::deal_cache::VersionFile;
use crate::store::pipeline::Pipeline;
use crate::store::status::{Changed, Differs};

pub struct Snapshot {
    pub pipeline: Pipeline,
    pub history: History,
    /// `None` outside a git repository (history is then empty).
    pub repo: Option<Repo>,
    /// Where funnel caches for this work tree (`.git/funnel/`).
    pub cache: Option<PathBuf>,
    /// For a snapshot opened with [`Snapshot::open_briefed`]: the briefs
    /// of the history, which then stand in for its timelines (`history`
    /// has none).
    pub briefs: Option<Briefs>,
    /// For a snapshot opened from briefs, until [`Snapshot::retain`] sets a
    /// deal aside: how its deal files differ from HEAD's.
    head_diff: Option<facts::HeadDiff>,
}

/// The pipeline at `root` through the deal cache in `cache` (on another
/// core) beside what `history` reads of `repo` for its stage folders (on
/// this one; the default outside a repository).
fn load_beside<H: Default>(
    root: &Path,
    repo: &Option<Repo>,
    cache: &Option<PathBuf>,
    keys: Keys<'_>,
    history: impl FnOnce(&Repo, &[&str]) -> Result<H>,
) -> Result<(Pipeline, H)> {
    // The configuration alone first: the history needs only its stages.
    let outline = Pipeline::config_only(root)?;
    let (pipeline, history) = crate::parallel::join(
        || Pipeline::load_cached(root, cache.as_deref(), keys),
        || match repo {
            None => Ok(H::default()),
            Some(repo) => {
                let stages: Vec<&str> = outline.config.stage_ids().collect();
                history(repo, &stages)
            }
        },
    );
    Ok((pipeline?, history?))
}

impl Snapshot {
    /// A snapshot of these parts, with no briefs, each deal's facts filled
    /// in from `history`.
    fn of(
        mut pipeline: Pipeline,
        history: History,
        repo: Option<Repo>,
        cache: Option<PathBuf>,
    ) -> Snapshot {
        if !history.deals.is_empty() {
            facts::fill_facts(&mut pipeline, &history);
        }
        Snapshot {
            pipeline,
            history,
            repo,
            cache,
            briefs: None,
            head_diff: None,
        }
    }

    /// Loads the pipeline at `root` in `repo` (the repository that holds
    /// it, already open; `None` outside one). Deals keep the top-level keys
    /// `keys` keeps (a report reads a few of each of 20,000 deals).
    /// `progress(done, total)` is called as a long first history walk
    /// goes.
    pub fn open(
        root: &Path,
        repo: Option<Repo>,
        keys: Keys<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Snapshot> {
        let cache = repo.as_ref().map(history::cache_dir);
        let (pipeline, history) = load_beside(root, &repo, &cache, keys, |repo, stages| {
            history::load_with_progress(repo, stages, progress)
        })?;
        Ok(Snapshot::of(pipeline, history, repo, cache))
    }

    /// [`Snapshot::open`] for a command that prints no timeline (`board`,
    /// `doctor`, `next`, `list`, `check`): the history as its briefs (see
    /// [`history::load_briefs`]), one small file read while HEAD stays
    /// where it was, instead of the history cache and a chase of every
    /// deal. Each deal's facts ([`crate::model::deal::Deal::facts`]) are the same.
    pub fn open_briefed(
        root: &Path,
        repo: Option<Repo>,
        keys: Keys<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Snapshot> {
        let cache = repo.as_ref().map(history::cache_dir);
        let (mut pipeline, briefs) = load_beside(root, &repo, &cache, keys, |repo, stages| {
            history::load_briefs(repo, stages, progress)
        })?;
        let head_diff = facts::fill_brief_facts(&mut pipeline, &briefs);
        let history = History {
            partial: briefs.partial.clone(),
            ..History::default()
        };
        Ok(Snapshot {
            briefs: Some(briefs),
            head_diff: Some(head_diff),
            ..Snapshot::of(pipeline, history, repo, cache)
        })
    }

    /// Whether every deal file in the work tree is the one committed at
    /// HEAD, in the same stage folder, and no committed one is missing:
    /// then the figures are HEAD's and git's status has nothing to say of
    /// the work tree. Known without git from the deal files' blob ids and
    /// the briefs; `false` when it cannot be told (no briefs, broken or
    /// hidden files, deals set aside by [`Snapshot::retain`]).
    pub fn matches_head(&self) -> bool {
        let pipeline = &self.pipeline;
        self.head_diff.as_ref().is_some_and(|diff| {
            pipeline.problems.is_empty()
                && pipeline.hidden == 0
                && diff.differing.is_empty()
                && diff.gone.is_empty()
        })
    }

    /// The deal files whose bytes or stage folder differ from HEAD's, as
    /// the load and the briefs tell them without git (sorted by path, each
    /// with how it differs): a deal whose file is new, changed (with its
    /// blob at HEAD) or moved (and where it was at HEAD), a deal committed
    /// at HEAD that has no file now, and each file or folder in a stage
    /// folder set aside as a problem. What the figures count differently
    /// from HEAD, so what git's status need be asked about. `None` when it
    /// cannot be told: no briefs, hidden deal files (never listed by name),
    /// a brief without its stage, a problem's path that is not UTF-8, or
    /// after a [`Snapshot::retain`] that set a deal aside.
    pub fn changed_files(&self) -> Option<Vec<Changed>> {
        let briefs = self.briefs.as_ref()?;
        let diff = self.head_diff.as_ref()?;
        let pipeline = &self.pipeline;
        if pipeline.hidden > 0 {
            return None;
        }
        let at = |stage: &str, id: &str, differs: Differs| Changed {
            path: format!("{stage}/{id}.toml"),
            differs,
        };
        let mut out = Vec::new();
        for &(n, brief) in &diff.differing {
            let deal = &pipeline.deals[n];
            let Some(brief) = brief else {
                out.push(at(&deal.stage, &deal.id, Differs::New));
                continue;
            };
            let brief = &briefs.deals[brief].1;
            let then = briefs.stage(brief)?;
            let same_blob = (brief.blob.zip(deal.blob)).is_some_and(|(a, b)| a.as_bytes() == b);
            if then != deal.stage {
                out.push(at(then, &deal.id, Differs::Committed));
                out.push(at(&deal.stage, &deal.id, Differs::Moved));
            } else if !same_blob {
                let differs = brief.blob.map_or(Differs::Committed, Differs::Edited);
                out.push(at(&deal.stage, &deal.id, differs));
            }
        }
        for &n in &diff.gone {
            let (id, brief) = &briefs.deals[n];
            out.push(at(briefs.stage(brief)?, id, Differs::Committed));
        }
        // Files set aside (broken, a second copy, a link) and folders
        // nested in a stage folder: git names what is in them.
        for problem in &pipeline.problems {
            let mut parts = problem.file.components();
            let in_stage = (parts.next()).is_some_and(|stage| {
                let stage = stage.as_os_str().to_str();
                stage.is_some_and(|stage| pipeline.config.stage(stage).is_some())
            });
            if in_stage && parts.next().is_some() {
                let path = problem.file.to_str()?.to_string();
                out.push(Changed {
                    path,
                    differs: Differs::Other,
                });
            }
        }
        // One entry a path: committed when a deal's file is there at HEAD
        // (a file set aside there is the file that took its place).
        out.sort_unstable_by(|a, b| (a.path.cmp(&b.path)).then(b.committed().cmp(&a.committed())));
        out.dedup_by(|next, first| next.path == first.path);
        Some(out)
    }

    /// The timelines whose stage entries contradict their order (see
    /// [`facts::contradictions`]), from the briefs or the history.
    pub fn skewed_timelines(&self) -> Vec<&history::Timeline> {
        match &self.briefs {
            Some(briefs) => briefs.skewed.iter().collect(),
            None => self.history.deals.values().collect(),
        }
    }

    /// The pipeline as it was at `commit` of `repo`: its files then (with
    /// `config` standing in for a `funnel.toml` it did not have yet) and
    /// the history up to it. For comparing two states (`diff`): the deals
    /// of `known` (the other state, whole deals) that a file then has the
    /// same bytes as are taken again, not read and parsed.
    pub fn at(
        repo: Repo,
        commit: CommitId,
        config: &str,
        known: Option<&Pipeline>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Snapshot> {
        let text = repo.config_at(commit);
        let then = crate::model::config::Config::parse(text.as_deref().unwrap_or(config))
            .map_err(crate::error::Error::Problems)?;
        let stages: Vec<&str> = then.stage_ids().collect();
        let files = repo.pipeline_blobs_at(commit, &stages)?;
        let root = repo.workdir.join(&repo.prefix);
        let read = |blobs: &[crate::git::BlobId]| repo.blobs(blobs);
        let pipeline = Pipeline::from_blobs(&root, then.clone(), &files, known, read)?;
        let history = history::load_at(&repo, commit, &stages, progress)?;
        Ok(Snapshot::of(pipeline, history, Some(repo), None))
    }

    /// The snapshot of one deal (`show ID`): the configuration, that deal's
    /// file alone and its own history, so that showing one deal costs the
    /// same in a pipeline of 100 deals or of 100,000. Refused, with a
    /// did-you-mean, when the file is broken or missing.
    pub fn open_deal(root: &Path, repo: Option<Repo>, id: &str) -> Result<Snapshot> {
        let mut pipeline = Pipeline::config_only(root)?;
        let deal = pipeline.load_deal(id)?;
        let history = match &repo {
            None => History::default(),
            Some(repo) => {
                let stages: Vec<&str> = pipeline.config.stage_ids().collect();
                history::load_deals(repo, &stages, &[deal.id.as_str()])?
            }
        };
        pipeline.deals.push(deal);
        let cache = repo.as_ref().map(history::cache_dir);
        Ok(Snapshot::of(pipeline, history, repo, cache))
    }

    /// The pipeline as it stood at `end` (see [`crate::analysis::asof`]):
    /// the deals of then, read from their committed versions, and the
    /// history cut there. Today's configuration; `keys` as in
    /// [`Snapshot::open`]. The one way every command, export and the
    /// dashboard look at the past.
    pub fn as_of(self, end: jiff::Timestamp, keys: Keys<'_>) -> Snapshot {
        let known = self.deal_cache();
        let Snapshot {
            pipeline: today,
            history,
            repo,
            cache,
            ..
        } = self;
        let history = crate::analysis::asof::history(history, end);
        let read = repo.as_ref();
        let texts = |blobs: &[crate::git::BlobId]| match read {
            Some(repo) => history::blob_texts(repo, blobs),
            None => vec![None; blobs.len()],
        };
        let known = |blob, path: &Path| known.deal_of_blob(blob, path);
        let (deals, problems) =
            crate::analysis::asof::deals(&today.config, &history, &known, &texts, keys);
        let pipeline = Pipeline {
            root: today.root,
            config: today.config,
            deals,
            problems,
            hidden: 0,
            temp_files: Vec::new(),
        };
        Snapshot::of(pipeline, history, repo, cache)
    }

    /// The deal cache of this pipeline (empty without a repository): the
    /// deals committed versions make when their bytes are a deal file's
    /// today ([`DealCache::deal_of_blob`]).
    pub fn deal_cache(&self) -> crate::store::deal_cache::DealCache {
        match &self.cache {
            Some(dir) => crate::store::deal_cache::DealCache::open(dir, &self.pipeline.root),
            None => Default::default(),
        }
    }

    /// [`Snapshot::open`] for a view of the past: the configuration and
    /// the history only (today's deal files are not read), then
    /// [`Snapshot::as_of`] `end`.
    pub fn open_as_of(
        root: &Path,
        repo: Option<Repo>,
        end: jiff::Timestamp,
        keys: Keys<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Snapshot> {
        let pipeline = Pipeline::config_only(root)?;
        let cache = repo.as_ref().map(history::cache_dir);
        let history = match &repo {
            None => History::default(),
            Some(repo) => {
                let stages: Vec<&str> = pipeline.config.stage_ids().collect();
                history::load_with_progress(repo, &stages, progress)?
            }
        };
        let snapshot = Snapshot::of(pipeline, history, repo, cache);
        Ok(snapshot.as_of(end, keys))
    }

    /// Ends the snapshot without freeing it: for a command whose process
    /// ends next, freeing 20,000 deals and timelines one allocation at a
    /// time would only add to the wait (the operating system takes the
    /// memory back at once).
    pub fn leave(self) {
        std::mem::forget(self);
    }

    /// Keeps only the deals `filter` matches: a board, a report or a rep's
    /// work on one segment of the pipeline.
    pub fn retain(&mut self, filter: &crate::analysis::filter::Filter) {
        if filter.is_empty() {
            return;
        }
        let config = &self.pipeline.config;
        let before = self.pipeline.deals.len();
        self.pipeline.deals.retain(|d| filter.matches(d, config));
        if self.pipeline.deals.len() != before {
            // Its positions are no more the deals'.
            self.head_diff = None;
        }
    }

    /// The IDs of the deals `filter` matches.
    pub fn matching(
        &self,
        filter: &crate::analysis::filter::Filter,
    ) -> std::collections::HashSet<String> {
        let config = &self.pipeline.config;
        self.pipeline
            .deals
            .iter()
            .filter(|d| filter.matches(d, config))
            .map(|d| d.id.clone())
            .collect()
    }

    /// What each committed version says for a forecast of the past, by
    /// blob (from the forecasts' own cache where it has them).
    pub fn version_figures(
        &self,
        blobs: &[crate::git::BlobId],
    ) -> Vec<Option<crate::model::deal::VersionValue>> {
        facts::version_values(
            self.repo.as_ref(),
            self.cache.as_deref(),
            crate::store::deal_cache::VersionFile::Forecasts,
            blobs,
        )
    }

    /// The value, currency and expected close each committed version
    /// says, by blob (from the cache where it has them).
    pub fn version_values(
        &self,
        blobs: &[crate::git::BlobId],
    ) -> Vec<Option<crate::model::deal::VersionValue>> {
        self.values_in(VersionFile::Closes, blobs)
    }

    /// [`Snapshot::version_values`] for every version of deals (the
    /// field-change log), kept in a cache file of its own, so that a
    /// report's values at close and an export's versions never evict
    /// each other.
    pub fn all_version_values(
        &self,
        blobs: &[crate::git::BlobId],
    ) -> Vec<Option<crate::model::deal::VersionValue>> {
        self.values_in(VersionFile::Versions, blobs)
    }

    fn values_in(
        &self,
        file: VersionFile,
        blobs: &[crate::git::BlobId],
    ) -> Vec<Option<crate::model::deal::VersionValue>> {
        facts::version_values(self.repo.as_ref(), self.cache.as_deref(), file, blobs)
    }
}
