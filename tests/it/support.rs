//! A test environment like jj's: a temporary folder with a pinned HOME, git
//! config, time zone and author dates, and a builder to run `funnel` in it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The stages `funnel init` writes, in funnel order.
pub const STAGES: [&str; 7] = [
    "lead",
    "qualified",
    "contact",
    "proposal",
    "negotiation",
    "won",
    "lost",
];

pub struct TestEnv {
    _temp: tempfile::TempDir,
    pub home: PathBuf,
    /// The work tree the tests run in.
    pub repo: PathBuf,
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.status, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn failure(&self, status: i32) -> &Self {
        assert_eq!(
            self.status, status,
            "expected status {status}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestEnv {
    /// An empty repository with a configured author (Alice).
    pub fn new() -> TestEnv {
        let temp = tempfile::tempdir().expect("temp dir");
        let home = temp.path().join("home");
        let repo = temp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Alice Nowak\n\temail = alice@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        let env = TestEnv {
            _temp: temp,
            home,
            repo,
        };
        env.git(&["init", "-q"]);
        env
    }

    /// A repository with `funnel init` done at 2026-11-01.
    pub fn pipeline() -> TestEnv {
        let env = TestEnv::new();
        env.funnel(&["init", "--at", "2026-11-01"]).success();
        env
    }

    fn pin(&self, cmd: &mut Command) {
        cmd.current_dir(&self.repo)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TZ", "UTC")
            .env("LANG", "C")
            .env("GIT_COMMITTER_DATE", "2026-11-27T12:00:00Z");
    }

    /// `funnel ARGS` in the repository, today pinned to 2026-11-27.
    pub fn funnel(&self, args: &[&str]) -> Run {
        self.funnel_with(args, &[], None)
    }

    /// `funnel ARGS` with extra environment variables and stdin.
    pub fn funnel_with(&self, args: &[&str], vars: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_funnel"));
        self.pin(&mut cmd);
        cmd.env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .arg("--today")
            .arg("2026-11-27")
            .args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run funnel");
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        run(child.wait_with_output().unwrap())
    }

    /// `git ARGS` in the repository; panics when git fails.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args, &[]);
        assert_eq!(out.status, 0, "git {args:?} failed: {}", out.stderr);
        out.stdout
    }

    pub fn git_output(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new("git");
        self.pin(&mut cmd);
        cmd.env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(cmd.output().expect("run git"))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.repo.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `git status --porcelain`: empty when the tree is clean.
    pub fn status(&self) -> String {
        self.git(&["status", "--porcelain", "--untracked-files=all"])
    }

    /// The last commit: subject and body, author date, and the paths it changed.
    pub fn last_commit(&self) -> String {
        self.git(&[
            "show",
            "--no-renames",
            "--name-status",
            "--format=%B%n@ %ad",
            "--date=iso-strict",
            "HEAD",
        ])
    }

    /// The last commit's subject and the paths it changed.
    pub fn last_change(&self) -> String {
        self.git(&[
            "show",
            "--no-renames",
            "--name-status",
            "--format=%s",
            "HEAD",
        ])
    }

    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }
}

fn run(out: Output) -> Run {
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The crate's root.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl TestEnv {
    /// `funnel ARGS` started in `dir` instead of the repository, with extra
    /// environment variables; today pinned to 2026-11-27.
    pub fn funnel_in(&self, dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = self.funnel_command(args);
        cmd.current_dir(dir).stdin(Stdio::null());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(cmd.output().expect("run funnel"))
    }

    /// Starts `funnel ARGS` in the repository with stdout and stderr piped,
    /// for tests that read only part of the output.
    pub fn spawn_funnel(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = self.funnel_command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().expect("run funnel")
    }

    /// Runs the shell command `script` in the repository under a
    /// pseudo-terminal (util-linux `script`), with `$FUNNEL` naming the
    /// binary. What the terminal showed is `stdout` (stderr and stdout
    /// mixed, lines ending in \r\n). `None` when util-linux `script` is not
    /// installed, so the caller can skip.
    pub fn in_terminal(&self, script: &str, vars: &[(&str, &str)]) -> Option<Run> {
        let version = Command::new("script").arg("--version").output().ok()?;
        if !String::from_utf8_lossy(&version.stdout).contains("util-linux") {
            return None;
        }
        let mut cmd = Command::new("script");
        self.pin(&mut cmd);
        cmd.env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .env("FUNNEL", env!("CARGO_BIN_EXE_funnel"))
            .args(["-q", "-e", "-c", script, "/dev/null"])
            .stdin(Stdio::null());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        Some(run(cmd.output().expect("run script")))
    }

    /// `git add -A` and a commit, as a person would record files written by hand.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-qm", message]);
    }

    fn funnel_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_funnel"));
        self.pin(&mut cmd);
        cmd.env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .arg("--today")
            .arg("2026-11-27")
            .args(args);
        cmd
    }
}

impl TestEnv {
    /// `git ARGS` in `dir`; panics when git fails.
    #[track_caller]
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_in_output(dir, args);
        assert_eq!(
            out.status,
            0,
            "git {args:?} in {} failed: {}",
            dir.display(),
            out.stderr
        );
        out.stdout
    }

    /// `git ARGS` in `dir`, whatever its outcome.
    pub fn git_in_output(&self, dir: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new("git");
        self.pin(&mut cmd);
        cmd.current_dir(dir)
            .env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .args(args);
        run(cmd.output().expect("run git"))
    }
}

impl TestEnv {
    /// Starts `funnel ARGS` with extra environment variables, stderr piped
    /// (for tests that stop it at a failpoint and kill it).
    pub fn spawn_funnel_with(&self, args: &[&str], vars: &[(&str, &str)]) -> std::process::Child {
        let mut cmd = self.funnel_command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.spawn().expect("run funnel")
    }
}

impl TestEnv {
    /// `funnel ARGS` as a user that file permissions apply to. When the
    /// tests run as root (which ignores `chmod 555`), the whole test folder
    /// is handed to `nobody` and funnel runs as `nobody` through util-linux
    /// `setpriv`; git in the test then trusts the folder (`safe.directory`).
    /// `None` when that is needed but `setpriv` is missing, so the caller
    /// can skip.
    pub fn funnel_unprivileged(&self, args: &[&str]) -> Option<Run> {
        if !running_as_root() {
            return Some(self.funnel(args));
        }
        Command::new("setpriv").arg("--version").output().ok()?;
        let top = self.home.parent().expect("the test folder");
        let chown = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(top)
            .status()
            .ok()?;
        assert!(chown.success(), "chown -R nobody {}", top.display());
        let config = self.home.join(".gitconfig");
        let text = std::fs::read_to_string(&config).unwrap_or_default();
        if !text.contains("safe") {
            std::fs::write(&config, text + "[safe]\n\tdirectory = *\n").unwrap();
        }
        let mut cmd = Command::new("setpriv");
        self.pin(&mut cmd);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_funnel"))
            .env("GIT_AUTHOR_DATE", "2026-11-27T12:00:00Z")
            .args(["--today", "2026-11-27"])
            .args(args)
            .stdin(Stdio::null());
        Some(run(cmd.output().expect("run setpriv funnel")))
    }
}

/// Whether this process runs as root, for which file modes do not apply.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// Says why a test did not run, where the person running the tests sees
/// it: straight to stderr, past the test harness's capture (which would
/// show it only for a failing test).
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "skipped: {why}");
}
