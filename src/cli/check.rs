//! `funnel check`: validate every file.

use clap::Args;
use serde_json::json;

use super::ui::json_text;
use funnel::model::problem::{Note, NoteKind};
use funnel::store::status::Known;

use super::{CmdResult, Env, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// Validate the configuration and every deal file; exit 1 on any problem
///
/// Lists every problem in every file as FILE:LINE:COL: message, with the
/// line, a caret and a hint: TOML syntax, wrong types of known keys,
/// invalid IDs, an ID in two stages, folders that are not stages, fields a
/// stage requires, lost reasons not in lost_reasons, currencies without a
/// rate, unresolved git conflict markers. After a merge or rebase that
/// stopped on conflicts, each deal git could not merge (moved by both
/// sides to different stages, changed on both sides, removed on one side
/// and changed on the other) with the commands that resolve it. For a
/// pre-commit hook and CI.
///
/// Warnings that do not fail the check: a partial history (a shallow clone
/// or grafts); deals whose stage entries go back in time (clock skew, a
/// rebase): the graph order wins and such a stay counts 0 days; deal files
/// with changes not committed (staged or not), temporary files of an
/// interrupted command, and git lock files left by a git command that
/// ended, each with the command that resolves it. A funnel command that
/// was interrupted is finished or undone first, and said so.
///
/// JSON: {"deals": N, "problems": [{"file", "line", "column", "message",
/// "source_line", "hint"}], "notes": [TEXT], "warnings": [{"kind",
/// "paths", "message", "fix"}]}; source_line and hint only when known;
/// notes are the warnings as text; a warning's kind is partial_history,
/// time_skew, write_in_progress, not_committed, staged, changed,
/// temp_file, stale_lock or lock, and its fix null when nothing is to do.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
}

pub fn run(env: &mut Env, args: CheckArgs) -> CmdResult {
    // Deals keep only the keys the rules read (a file's syntax and types
    // are checked as it is parsed, before the others are dropped).
    let opened = env.root().and_then(|root| {
        let config = funnel::store::pipeline::load_config(&root)?;
        env.open_briefed_snapshot(funnel::model::deal::Keys::Only(
            &funnel::analysis::check::keys(&config),
        ))
    });
    let snapshot = match opened {
        Ok(snapshot) => snapshot,
        Err(funnel::error::Error::Problems(problems)) => {
            // The configuration itself is broken: report it like any file.
            return finish(env, args.format, 0, &problems, &[]);
        }
        Err(e) => return Err(e.into()),
    };
    let pipeline = &snapshot.pipeline;
    let mut problems = funnel::analysis::check::check_on(pipeline, env.today(&pipeline.config)?);
    let stages: Vec<&str> = pipeline.config.stage_ids().collect();
    // What is known of the files that differ from HEAD before git is
    // asked: when the index is known to hold no conflict there is none to
    // read it for.
    let known = match &snapshot.repo {
        Some(repo) => funnel::store::status::known(repo, &stages, snapshot.matches_head(), || {
            snapshot.changed_files()
        }),
        None => Known::Clean,
    };
    let conflicts = match (&snapshot.repo, &known) {
        (Some(repo), Known::Unknown) => repo.conflicts()?,
        _ => Vec::new(),
    };
    if let Some(repo) = &snapshot.repo
        && !conflicts.is_empty()
    {
        // After a merge or rebase that stopped: the deals git could not
        // merge, each with the commands that resolve it.
        problems.extend(funnel::analysis::conflicts::problems(
            repo, &conflicts, &stages,
        ));
        problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    }
    let history = &snapshot.history;
    let mut notes =
        funnel::analysis::facts::contradictions(&pipeline.config, snapshot.skewed_timelines());
    if let Some(why) = &history.partial {
        notes.insert(
            0,
            Note::new(
                NoteKind::PartialHistory,
                Vec::new(),
                format!("the history is partial: {why}"),
                None,
            ),
        );
    }
    if let Some(repo) = &snapshot.repo {
        let hook_of = std::env::var("FUNNEL_WRITER")
            .ok()
            .and_then(|p| p.parse().ok());
        // In a git hook (git sets GIT_INDEX_FILE) the files being committed
        // are not committed yet: saying so at every commit is noise.
        let in_git_hook = std::env::var_os("GIT_INDEX_FILE").is_some();
        // Files git stopped on are problems above; "not committed" about
        // them would only point the wrong way.
        let conflicted: Vec<&String> = (conflicts.iter())
            .flat_map(|c| [&c.base, &c.ours, &c.theirs])
            .flatten()
            .collect();
        notes.extend(
            funnel::store::write::state_notes(
                repo,
                &stages,
                hook_of,
                in_git_hook,
                &known,
                &pipeline.temp_files,
            )?
            .into_iter()
            .filter(|n| n.paths.is_empty() || !n.paths.iter().all(|p| conflicted.contains(&p))),
        );
    }
    // The editor schemas, when the pipeline keeps them, follow funnel.toml.
    if pipeline.root.join(funnel::model::schema::DIR).is_dir() {
        let stale = funnel::ops::stale_schemas(pipeline);
        if !stale.is_empty() {
            notes.push(Note::new(
                NoteKind::StaleSchema,
                stale.iter().map(|(p, _)| p.display().to_string()).collect(),
                "the editor schemas do not follow funnel.toml as it is now".to_string(),
                Some("run `funnel schema --write`".to_string()),
            ));
        }
    }
    for note in &notes {
        env.ui.warning(&note.to_string());
    }
    let deals = pipeline.deals.len();
    snapshot.leave();
    finish(env, args.format, deals, &problems, &notes)
}

fn finish(
    env: &mut Env,
    format: CheckFormat,
    deals: usize,
    problems: &[funnel::model::problem::Problem],
    notes: &[Note],
) -> CmdResult {
    match format {
        CheckFormat::Json => env.ui.out(&json_text(&json!({
            "deals": deals,
            "problems": problems,
            "notes": notes.iter().map(Note::to_string).collect::<Vec<_>>(),
            "warnings": notes,
        })))?,
        CheckFormat::Text => {
            let text: String = problems
                .iter()
                .map(|p| format!("{}\n\n", env.ui.problem_text(p, true)))
                .collect();
            env.ui.out(&text)?;
        }
    }
    if problems.is_empty() {
        env.ui.status(&format!("ok: {deals} deals, no problems"));
        Ok(())
    } else {
        let mut files: Vec<_> = problems.iter().map(|p| &p.file).collect();
        files.sort();
        files.dedup();
        env.ui.status(&format!(
            "{} problem(s) in {} file(s)",
            problems.len(),
            files.len()
        ));
        Err(Failure::Exit(1))
    }
}
