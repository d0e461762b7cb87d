//! The team workflow: the README's tour as written, `diff` between
//! branches (whole markdown and JSON), `log`'s git conventions, `undo`,
//! and two clones of one bare remote moving, pushing, pulling and
//! `sync`ing, with and without conflicts; the pull-request recipe in
//! examples/; shallow clones saying their history is partial.

use std::path::{Path, PathBuf};

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{TestEnv, crate_dir};

/// The ```sh blocks of the README from the tour's heading to the next
/// section, in order.
fn tour_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).unwrap();
    let start = readme.find("## A five-minute tour").expect("the tour");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |n| n + 3);
    let mut blocks = Vec::new();
    let mut text = &rest[..end];
    while let Some(open) = text.find("```sh\n") {
        let body = &text[open + 6..];
        let close = body.find("```").expect("a closed block");
        blocks.push(body[..close].to_string());
        text = &body[close + 3..];
    }
    blocks
}

/// A shell with the built funnel first on PATH, the test's HOME and git
/// identity, in `dir`.
fn shell(env: &TestEnv, dir: &Path, script: &str) -> crate::support::Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_funnel")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &env.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("EDITOR", "true")
        .output()
        .unwrap();
    crate::support::Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let env = TestEnv::new();
    // A user whose git has no init.defaultBranch: funnel init makes `main`.
    std::fs::write(
        env.home.join(".gitconfig"),
        "[user]\n\tname = Alice Nowak\n\temail = alice@example.com\n",
    )
    .unwrap();
    let blocks = tour_blocks();
    assert!(blocks.len() >= 3, "{blocks:?}");
    let script = blocks.join("\n");
    assert!(script.contains("funnel diff main..feature"));
    let run = shell(&env, &env.repo, &script);
    run.success();
    let sales = env.repo.join("sales");
    assert_eq!(
        env.git_in(&sales, &["branch", "--show-current"]).trim(),
        "feature"
    );
    let log = env.git_in(&sales, &["log", "--format=%s", "main..feature"]);
    assert_eq!(
        log,
        "Globex: call booked\nundo: set globex-renewal: value=9000\nset globex-renewal: value=9000\nadd globex-renewal: lead\n"
    );
    assert!(
        run.stdout
            .contains("| `new globex-renewal in lead (8000 USD)` |")
            || run.stdout.contains("new globex-renewal in lead (8000 USD)"),
        "{}",
        run.stdout
    );
}
