//! The command line: parse, call the library, render. One file per command;
//! this file holds the shared options, the dispatch and error printing.

mod add;
mod board;
mod check;
mod complete;
mod completions;
mod dashboard;
mod demo;
mod diff;
mod doctor;
mod edit;
mod export;
mod file;
mod flow;
mod forecast_accuracy;
mod import;
mod init;
mod list;
mod log;
mod man;
mod move_;
mod next;
mod rename;
mod report;
mod rm;
mod schema;
mod set;
mod show;
mod snooze;
mod sync;
mod trend;
pub mod ui;
mod undo;
mod workbook;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use funnel::analysis::filter::Filter;
use funnel::error::Error;
use funnel::model::config::StageKind;
use funnel::model::dates::Lean;
use funnel::model::deal::{Keys, Pick};
use funnel::ops::Outcome;
use funnel::store::pipeline::Pipeline;
use jiff::Timestamp;
use jiff::civil::Date;

use funnel::analysis::snapshot::Snapshot;
use funnel::store::lock::Wait;
use ui::{Closed, ColorChoice, Ui};

const AFTER_HELP: &str = "\
Exit status: 0 success; 1 the command ran and found problems (check, doctor --fail-on) or failed on data; 2 usage error.

With --format json, an error is one JSON object on the last line of stderr: {\"error\", \"file\", \"line\", \"column\", \"hint\"} (null when unknown; \"problems\" lists every broken file's problem).

Environment: FUNNEL_DIR (like -C), NO_COLOR (no colour), EDITOR/VISUAL (for edit), GIT_AUTHOR_* and GIT_COMMITTER_* (like git).";

/// Keep a sales pipeline as plain text in git
///
/// Each deal is a TOML file in a folder named after its stage (lead/,
/// qualified/, proposal/, won/, lost/ ...). funnel moves files between
/// folders, commits every change with git, and checks the files.
#[derive(Debug, Parser)]
#[command(name = "funnel", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR (the pipeline is found upward from there)
    #[arg(short = 'C', global = true, value_name = "DIR", env = "FUNNEL_DIR")]
    pub dir: Option<PathBuf>,

    /// When to colour output
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,

    /// Take DATE as today (a date expression), so output is reproducible
    #[arg(long, global = true, value_name = "DATE")]
    pub today: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Add(Box<add::AddArgs>),
    Move(move_::MoveArgs),
    Set(set::SetArgs),
    Edit(edit::EditArgs),
    Rename(rename::RenameArgs),
    Rm(rm::RmArgs),
    Show(show::ShowArgs),
    List(list::ListArgs),
    Board(board::BoardArgs),
    Log(log::LogArgs),
    Diff(diff::DiffArgs),
    Report(report::ReportArgs),
    Flow(flow::FlowArgs),
    Next(next::NextArgs),
    Check(check::CheckArgs),
    Doctor(doctor::DoctorArgs),
    Dashboard(dashboard::DashboardArgs),
    Export(export::ExportArgs),
    Sync(sync::SyncArgs),
    Undo(undo::UndoArgs),
    Snooze(snooze::SnoozeArgs),
    Unsnooze(snooze::UnsnoozeArgs),
    Import(Box<import::ImportArgs>),
    Demo(demo::DemoArgs),
    Schema(schema::SchemaArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
}

/// Why a command stopped.
pub enum Failure {
    /// A library error, printed with its hint (exit 1).
    Error(Error),
    /// Already reported; exit with this status.
    Exit(i32),
    /// stdout was closed by its reader.
    Closed,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e)
    }
}

impl From<Closed> for Failure {
    fn from(_: Closed) -> Self {
        Failure::Closed
    }
}

pub type CmdResult = Result<(), Failure>;

/// What every command gets: the terminal, the global options, and "now".
pub struct Env {
    pub ui: Ui,
    pub start: PathBuf,
    today: Option<String>,
    /// `--as-of`: the day snapshots show, and "today" for the command.
    as_of: Option<String>,
    pub now: Timestamp,
}

impl Env {
    /// The pipeline root, found upward from the start folder.
    pub fn root(&self) -> Result<PathBuf, Error> {
        funnel::store::pipeline::find_root(&self.start)
    }

    /// Loads the pipeline for a read-only command, warning about files it
    /// had to skip.
    /// Deals keep the top-level keys `keys` keeps (see
    /// [`Pipeline::load_cached`]).
    pub fn load(&self, keys: Keys<'_>) -> Result<Pipeline, Error> {
        let root = self.root()?;
        // Deal files unchanged since the last run come from the deal cache.
        let cache = self
            .recover(&root)
            .ok()
            .flatten()
            .map(|repo| funnel::git::history::cache_dir(&repo));
        let pipeline = Pipeline::load_cached(&root, cache.as_deref(), keys)?;
        self.warn_skipped(&pipeline);
        Ok(pipeline)
    }

    /// Names, on stderr, the deal files a read-only command had to skip.
    pub fn warn_skipped(&self, pipeline: &Pipeline) {
        let files = skipped_files(pipeline);
        if !files.is_empty() {
            self.ui.warning(&format!(
                "skipped {} broken file(s): {}; `funnel check` explains",
                files.len(),
                files.join(", ")
            ));
        }
    }

    /// Opens the pipeline for a read command that needs its history: the
    /// deals through the cache while the history loads (with a progress
    /// bar when a first walk is long), after finishing an interrupted
    /// command, warning about files it had to skip.
    pub fn snapshot(&self, keys: Keys<'_>) -> Result<Snapshot, Error> {
        self.warned(self.open_snapshot(keys)?)
    }

    /// [`Env::snapshot`] for a command that prints no timeline (`board`,
    /// `doctor`, `next`, `list`): the history as briefs, see
    /// [`Snapshot::open_briefed`].
    /// Deals keep the top-level keys `keys` keeps (see
    /// [`Snapshot::open`]).
    pub fn briefed_snapshot(&self, keys: Keys<'_>) -> Result<Snapshot, Error> {
        self.warned(self.open_briefed_snapshot(keys)?)
    }

    /// [`Env::briefed_snapshot`] for `doctor` and `next`: without filter
    /// terms (which may name any key) open deals keep only the keys
    /// doctor's checks read ([`funnel::analysis::doctor::keys`]), closed
    /// ones fewer ([`funnel::analysis::doctor::CLOSED_KEYS`]); for one
    /// `owner`'s work, so do their deals, and the others' won deals keep
    /// what spans owners ([`funnel::analysis::next::OTHERS_KEYS`]), their
    /// other deals no key (`next` reads their owners again only to list
    /// the owners when `owner` has no deal).
    pub fn doctor_snapshot(
        &self,
        terms: &[String],
        owner: Option<&str>,
    ) -> Result<Snapshot, Error> {
        if !terms.is_empty() {
            return self.briefed_snapshot(Keys::All);
        }
        let config = funnel::store::pipeline::load_config(&self.root()?)?;
        let wide = funnel::analysis::doctor::keys(&config);
        let open = config.stage_ids_of(StageKind::Open);
        let won = config.stage_ids_of(StageKind::Won);
        let doctor = Keys::Split {
            pick: Pick::Stages(&open),
            wide: &Keys::Only(&wide),
            narrow: &Keys::Only(funnel::analysis::doctor::CLOSED_KEYS),
        };
        // The others' deals keep their owner at least: `next` names the
        // owners when the one asked for has no deal.
        let others = Keys::Split {
            pick: Pick::Stages(&won),
            wide: &Keys::Only(funnel::analysis::next::OTHERS_KEYS),
            narrow: &Keys::Only(&["owner"]),
        };
        self.briefed_snapshot(match owner {
            Some(owner) => Keys::Split {
                pick: Pick::Owner(owner),
                wide: &doctor,
                narrow: &others,
            },
            None => doctor,
        })
    }

    /// [`Env::open_snapshot`] with the history as briefs (`check`).
    pub fn open_briefed_snapshot(&self, keys: Keys<'_>) -> Result<Snapshot, Error> {
        if self.as_of.is_some() {
            return self.open_snapshot(keys);
        }
        let root = self.root()?;
        let repo = self.recover(&root)?;
        self.with_progress(|progress| Snapshot::open_briefed(&root, repo, keys, progress))
    }

    /// `snapshot` after the warnings about skipped files and a partial
    /// history.
    fn warned(&self, snapshot: Snapshot) -> Result<Snapshot, Error> {
        self.warn_skipped(&snapshot.pipeline);
        if let Some(why) = &snapshot.history.partial {
            self.warn_partial(why);
        }
        Ok(snapshot)
    }

    /// The snapshot of the one deal `id` (`show`): its file and its own
    /// history, after finishing an interrupted command.
    pub fn deal_snapshot(&self, id: &str) -> Result<Snapshot, Error> {
        let root = self.root()?;
        let repo = self.recover(&root)?;
        let snapshot = Snapshot::open_deal(&root, repo, id)?;
        if let Some(why) = &snapshot.history.partial {
            self.warn_partial(why);
        }
        Ok(snapshot)
    }

    /// Says, on stderr, that what follows rests on a partial history
    /// (`why`: a shallow clone, grafts) and how to complete it.
    pub fn warn_partial(&self, why: &str) {
        self.ui.warning(&format!(
            "the history is partial: {why}; days in stage, stalled and idle deals, cycle times and other figures from history count only the commits present"
        ));
    }

    /// [`Env::snapshot`] without the warning about skipped files (for
    /// `check`, which lists their problems).
    pub fn open_snapshot(&self, keys: Keys<'_>) -> Result<Snapshot, Error> {
        let root = self.root()?;
        let repo = self.recover(&root)?;
        if self.as_of.is_some() {
            let config = funnel::store::pipeline::load_config(&root)?;
            let end = self.now_for(&config, self.today(&config)?)?;
            return self
                .with_progress(|progress| Snapshot::open_as_of(&root, repo, end, keys, progress));
        }
        self.with_progress(|progress| Snapshot::open(&root, repo, keys, progress))
    }

    /// Takes `--as-of` (when given) as the day to look at: snapshots then
    /// show the pipeline at its end, and it is "today" for ages, stalls
    /// and windows. A relative date counts from today (or `--today`).
    pub fn look_back(&mut self, args: &AsOfArgs) -> Result<(), Error> {
        self.as_of = args.as_of.clone();
        Ok(())
    }

    /// Whether `--as-of` was given.
    pub fn is_as_of(&self) -> bool {
        self.as_of.is_some()
    }

    /// The filter that `terms` (SPEC 10) make for `pipeline`: the same
    /// grammar, errors and hints for every command that takes filters.
    pub fn filter(&self, pipeline: &Pipeline, terms: &[String]) -> Result<Filter, Error> {
        let config = &pipeline.config;
        let calendar = funnel::ops::calendar(config, self.today(config)?);
        // The keys deals have are gathered only when a term names a key.
        let keys = std::cell::OnceCell::new();
        let known = |key: &str| keys.get_or_init(|| pipeline.field_keys()).contains(key);
        let filter = Filter::parse(terms, &known, &calendar)?;
        filter.check_stages(config)?;
        Ok(filter)
    }

    /// The pipeline's stage history from git (empty outside a repository).
    pub fn history(&self, pipeline: &Pipeline) -> Result<funnel::git::history::History, Error> {
        match funnel::git::Repo::open(&pipeline.root)? {
            None => Ok(funnel::git::history::History::default()),
            Some(repo) => {
                let stages: Vec<&str> = pipeline.config.stage_ids().collect();
                let history = self.with_progress(|progress| {
                    funnel::git::history::load_with_progress(&repo, &stages, progress)
                })?;
                if let Some(why) = &history.partial {
                    self.warn_partial(why);
                }
                Ok(history)
            }
        }
    }

    /// Runs a history load with a progress bar on stderr once it has taken
    /// a second (on a terminal), cleared when it is done.
    pub fn with_progress<T>(&self, load: impl FnOnce(&mut dyn FnMut(usize, usize)) -> T) -> T {
        let started = std::time::Instant::now();
        let mut shown = false;
        let mut progress = |done: usize, total: usize| {
            if started.elapsed() > std::time::Duration::from_secs(1) {
                shown |= self.ui.progress("reading the history", done, total);
            }
        };
        let loaded = load(&mut progress);
        if shown {
            self.ui.progress_done();
        }
        loaded
    }

    /// Fills in what the history says about each deal (when it was
    /// created, entered its stage, last changed).
    pub fn fill_facts(&self, pipeline: &mut Pipeline) -> Result<(), Error> {
        let Some(repo) = funnel::git::Repo::open(&pipeline.root)? else {
            return Ok(());
        };
        let stages: Vec<&str> = pipeline.config.stage_ids().collect();
        let briefs = self.with_progress(|progress| {
            funnel::git::history::load_briefs(&repo, &stages, progress)
        })?;
        if let Some(why) = &briefs.partial {
            self.warn_partial(why);
        }
        funnel::analysis::facts::fill_brief_facts(pipeline, &briefs);
        Ok(())
    }

    /// "Now" for reports: the clock, or the last second of `--today`, so a
    /// report with --today reads the same whenever it runs.
    pub fn now_for(
        &self,
        config: &funnel::model::config::Config,
        today: Date,
    ) -> Result<Timestamp, Error> {
        if self.today.is_none() && self.as_of.is_none() {
            return Ok(self.now);
        }
        let calendar = funnel::ops::calendar(config, today);
        let tomorrow = today.tomorrow().map_err(|e| Error::data(e.to_string()))?;
        let end = calendar.midnight(tomorrow)?;
        Ok(end - jiff::SignedDuration::from_secs(1))
    }

    /// Today in the pipeline's time zone, or `--today`; the `--as-of` day
    /// when one is given (refused when it is after today).
    pub fn today(&self, config: &funnel::model::config::Config) -> Result<Date, Error> {
        let clock = self.now.to_zoned_datetime(config.timezone.clone()).date();
        let day = |flag: &str, expr: &str, today: Date| {
            funnel::ops::calendar(config, today)
                .date(expr, Lean::Past)
                .map_err(|e| {
                    Error::hinted(format!("{flag}: {e}"), "give a date such as 2026-11-27")
                })
        };
        let today = match &self.today {
            None => clock,
            Some(expr) => day("--today", expr, clock)?,
        };
        let Some(expr) = &self.as_of else {
            return Ok(today);
        };
        let then = day("--as-of", expr, today)?;
        if then > today {
            return Err(Error::hinted(
                format!("--as-of {then} is after today ({today})"),
                "give a past day, such as -6m or 2026-06-30",
            ));
        }
        Ok(then)
    }

    /// Opens the pipeline for a mutating command: waits for the write
    /// lock (saying so on a terminal), says what it did about an
    /// interrupted command, and reads `--at`.
    pub fn workspace(
        &self,
        commit: &CommitArgs,
    ) -> Result<(funnel::ops::Workspace, Option<Timestamp>), Error> {
        let root = self.root()?;
        let config = funnel::store::pipeline::load_config(&root)?;
        let on_wait = |pid: Option<u32>| self.ui.waiting(pid);
        let wait = self.lock_wait(&on_wait);
        let today = self.today(&config)?;
        let now = self.now_for(&config, today)?;
        let mut ws = funnel::ops::Workspace::open(&root, today, now, &wait)?;
        ws.verify = !commit.no_verify;
        if let Some(recovered) = &ws.recovered {
            self.ui.status(&format!("funnel: {recovered}"));
        }
        let at = commit.at(&ws.calendar)?;
        Ok((ws, at))
    }

    /// How long a mutating command waits for another: FUNNEL_LOCK_TIMEOUT
    /// seconds, 30 by default.
    pub fn lock_wait<'a>(&self, on_wait: &'a dyn Fn(Option<u32>)) -> Wait<'a> {
        let seconds = std::env::var("FUNNEL_LOCK_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(30);
        Wait {
            timeout: std::time::Duration::from_secs(seconds),
            on_wait,
        }
    }

    /// Finishes or undoes a command that was interrupted, before a read
    /// command looks at the files, and says so; returns the repository it
    /// opened for that (`None` outside one), for the command to use.
    pub fn recover(&self, root: &std::path::Path) -> Result<Option<funnel::git::Repo>, Error> {
        let Some(repo) = funnel::git::Repo::open(root)? else {
            return Ok(None);
        };
        match funnel::store::write::recover(&repo) {
            Ok(Some(recovered)) => self.ui.status(&format!("funnel: {recovered}")),
            Ok(None) => {}
            Err(e) => self.ui.warning(&format!(
                "an interrupted funnel command could not be finished or undone: {e}"
            )),
        }
        Ok(Some(repo))
    }

    /// Reports a commit a command made.
    pub fn committed(&self, outcome: &Outcome) {
        let short = outcome.commit.to_string();
        self.ui.status(&format!(
            "[{}] {}",
            &short[..7.min(short.len())],
            outcome.subject
        ));
    }
}

fn skipped_files(pipeline: &Pipeline) -> Vec<String> {
    let mut files: Vec<String> = pipeline
        .problems
        .iter()
        .map(|p| p.file.display().to_string())
        .collect();
    files.sort();
    files.dedup();
    files
}

impl Command {
    /// The command was asked for JSON (`--format json`): its errors are
    /// printed as a JSON object too, for bots.
    fn wants_json(&self) -> bool {
        let json = |format: &ui::Format| *format == ui::Format::Json;
        match self {
            Command::Show(a) => json(&a.format),
            Command::List(a) => json(&a.format),
            Command::Board(a) => json(&a.format),
            Command::Log(a) => json(&a.format),
            Command::Diff(a) => a.format == diff::DiffFormat::Json,
            Command::Report(a) => json(&a.format),
            Command::Next(a) => json(&a.format),
            Command::Doctor(a) => json(&a.format),
            Command::Check(a) => a.format == check::CheckFormat::Json,
            Command::Sync(a) => a.format == sync::SyncFormat::Json,
            _ => false,
        }
    }
}

pub fn run() -> i32 {
    // `COMPLETE=bash funnel ...`: the shell asks for completions (see
    // `funnel completions`); prints them and exits.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let json_errors = cli.command.wants_json();
    let start = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut env = Env {
        ui: Ui::new(cli.color),
        start,
        today: cli.today.clone(),
        as_of: None,
        now: Timestamp::now(),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&mut env, args),
        Command::Add(args) => add::run(&mut env, *args),
        Command::Move(args) => move_::run(&mut env, args),
        Command::Set(args) => set::run(&mut env, args),
        Command::Edit(args) => edit::run(&mut env, args),
        Command::Rename(args) => rename::run(&mut env, args),
        Command::Rm(args) => rm::run(&mut env, args),
        Command::Show(args) => show::run(&mut env, args),
        Command::List(args) => list::run(&mut env, args),
        Command::Board(args) => board::run(&mut env, args),
        Command::Log(args) => log::log(&mut env, args),
        Command::Diff(args) => diff::run(&mut env, args),
        Command::Report(args) => report::run(&mut env, args),
        Command::Flow(args) => flow::run(&mut env, args),
        Command::Next(args) => next::run(&mut env, args),
        Command::Check(args) => check::run(&mut env, args),
        Command::Doctor(args) => doctor::run(&mut env, args),
        Command::Dashboard(args) => dashboard::run(&mut env, args),
        Command::Export(args) => export::run(&mut env, args),
        Command::Sync(args) => sync::run(&mut env, args),
        Command::Undo(args) => undo::run(&mut env, args),
        Command::Snooze(args) => snooze::snooze(&mut env, args),
        Command::Unsnooze(args) => snooze::unsnooze(&mut env, args),
        Command::Import(args) => import::run(&mut env, *args),
        Command::Demo(args) => demo::run(&mut env, args),
        Command::Schema(args) => schema::run(&mut env, args),
        Command::Completions(args) => completions::run(&mut env, args),
        Command::Man(args) => man::run(&mut env, args),
    };
    match result {
        Ok(()) | Err(Failure::Closed) => 0,
        Err(Failure::Exit(code)) => code,
        Err(Failure::Error(e)) if json_errors => {
            env.ui.error_json(&error_json(e));
            1
        }
        Err(Failure::Error(e)) => {
            report(&env.ui, e);
            1
        }
    }
}

/// A usage error from clap (exit status 2), as a JSON object when the
/// command line asks for `--format json`; help and version print as ever.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::{ContextKind, ErrorKind};
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json");
    if !json || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let message = e.kind().as_str().map_or_else(
        || e.to_string(),
        |kind| match e
            .get(ContextKind::InvalidArg)
            .or_else(|| e.get(ContextKind::InvalidSubcommand))
        {
            Some(arg) => format!("{kind}: {arg}"),
            None => kind.to_string(),
        },
    );
    let hint = e
        .get(ContextKind::SuggestedValue)
        .or_else(|| e.get(ContextKind::SuggestedArg))
        .or_else(|| e.get(ContextKind::SuggestedSubcommand))
        .map(|s| format!("did you mean `{s}`?"))
        .unwrap_or_else(|| "see `funnel --help`".to_string());
    let ui = Ui::new(ui::ColorChoice::Never);
    ui.error_json(&serde_json::json!({
        "error": message,
        "file": null,
        "line": null,
        "column": null,
        "hint": hint,
    }));
    e.exit_code()
}

/// An error as the JSON object bots read: {"error", "file", "line",
/// "column", "hint"} (null when unknown); broken files add "problems", each
/// located, the first one's place as the error's.
fn error_json(e: Error) -> serde_json::Value {
    use serde_json::{Value, json};
    match e {
        Error::Data { message, hint } => {
            json!({ "error": message, "file": null, "line": null, "column": null, "hint": hint })
        }
        Error::Problems(problems) => {
            let first = problems.first();
            let message = match problems.as_slice() {
                [one] => one.message.clone(),
                many => format!("{} problem(s) in the pipeline's files", many.len()),
            };
            json!({
                "error": message,
                "file": first.map(|p| p.file.display().to_string()),
                "line": first.map(|p| p.line),
                "column": first.map(|p| p.column),
                "hint": first.and_then(|p| p.hint.clone()).unwrap_or_else(|| {
                    "fix them first; `funnel check` lists every problem in the pipeline".into()
                }),
                "problems": problems,
            })
        }
        Error::Io { ref path, .. } => json!({
            "error": e.to_string(),
            "file": path.display().to_string(),
            "line": null,
            "column": null,
            "hint": Value::Null,
        }),
        other => {
            json!({ "error": other.to_string(), "file": null, "line": null, "column": null, "hint": null })
        }
    }
}

fn report(ui: &Ui, e: Error) {
    match e {
        Error::Data { message, hint } => ui.error(&message, hint.as_deref()),
        Error::Problems(problems) => {
            for problem in &problems {
                ui.problem(problem);
            }
            ui.error(
                &format!("{} problem(s) in the file(s) above", problems.len()),
                Some("fix them first; `funnel check` lists every problem in the pipeline"),
            );
        }
        other => ui.error(&other.to_string(), None),
    }
}

/// `KEY=VALUE` arguments.
pub fn assignments(args: &[String]) -> Result<Vec<(String, String)>, Error> {
    args.iter()
        .map(|arg| {
            let (key, value) = arg.split_once('=').ok_or_else(|| {
                Error::hinted(
                    format!("`{arg}` is not KEY=VALUE"),
                    "write value=15000, or value= to remove a key",
                )
            })?;
            let key = key.trim();
            funnel::store::dealfile::check_key(key)?;
            Ok((key.to_string(), value.to_string()))
        })
        .collect()
}

/// The options of every command that commits.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Record the change as made at DATE (a date expression: 2026-11-20, yesterday, -3d), for changes entered late; not in the future, nor before the deal entered its stage
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub at: Option<String>,
    /// Skip the repository's pre-commit and commit-msg hooks, as git commit --no-verify does
    #[arg(long)]
    pub no_verify: bool,
}

impl CommitArgs {
    /// `--at` as an instant in the pipeline's zone.
    pub fn at(
        &self,
        calendar: &funnel::model::dates::Calendar,
    ) -> Result<Option<Timestamp>, Error> {
        self.at
            .as_deref()
            .map(|expr| {
                calendar.instant(expr, Lean::Past).map_err(|e| {
                    Error::hinted(
                        format!("--at: {e}"),
                        "give when it happened, such as 2026-11-20, yesterday or -3d",
                    )
                })
            })
            .transpose()
    }
}

/// The day a read command looks at.
#[derive(Debug, Default, Args)]
pub struct AsOfArgs {
    /// Show the pipeline as it stood at the end of DATE (a date expression: 2026-06-30, -6m, counted back from --today): each deal in its stage and with its values of then, from the commits; DATE is today for ages, stalls and windows
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub as_of: Option<String>,
}

/// Filter terms, as `funnel list` takes them.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only deals these terms match (all must hold), as `funnel list` takes them: owner:alice product:crm value>5000 due<today +tag; a term starting with '-' goes after `--`
    #[arg(add = complete::with(complete::filter_terms), value_name = "FILTER")]
    pub terms: Vec<String>,
}
