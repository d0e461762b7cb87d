//! Loads the stage history of the pipeline in a folder and prints how many
//! deals and stage entries it holds, for `benches/history.sh`.
//!
//! Usage: `history-bench DIR [--entries]` (DIR holds `funnel.toml`);
//! `--entries` prints every stage entry instead, one `DEAL STAGE UNIX-SECONDS`
//! a line, sorted, to compare with the generator's `--truth`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: history-bench DIR");
        return ExitCode::from(2);
    };
    let entries = std::env::args().nth(2).is_some_and(|a| a == "--entries");
    match run(&dir, entries) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("history-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &std::path::Path, list: bool) -> funnel::error::Result<String> {
    let root = funnel::store::pipeline::find_root(dir)?;
    let config = funnel::store::pipeline::load_config(&root)?;
    let stages: Vec<&str> = config.stage_ids().collect();
    let repo = funnel::git::Repo::open_required(&root)?;
    let started = std::time::Instant::now();
    let history = funnel::git::history::load(&repo, &stages)?;
    let elapsed = started.elapsed();
    if list {
        let mut lines: Vec<String> = history
            .deals
            .values()
            .flat_map(|t| {
                t.entries
                    .iter()
                    .map(|e| format!("{} {} {}", t.id, e.stage, e.at.as_second()))
            })
            .collect();
        lines.sort();
        return Ok(lines.join("\n"));
    }
    let entries: usize = history.deals.values().map(|t| t.entries.len()).sum();
    let summary = format!(
        "{} deals, {entries} stage entries, {} skewed commits{} ({:.3} s)",
        history.deals.len(),
        history.skew.len(),
        history
            .partial
            .as_ref()
            .map(|why| format!(", partial: {why}"))
            .unwrap_or_default(),
        elapsed.as_secs_f64()
    );
    // The process ends right after: freeing 20,000 timelines one by one
    // would only add to the time measured from outside.
    std::mem::forget(history);
    Ok(summary)
}
