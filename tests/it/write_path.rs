//! Reproducers for the write path's defects (issue 7), one test per defect:
//! what a mutating command must do when git's own locks are held, when
//! folders are read-only, with CRLF files, read-only files, duplicate IDs,
//! `--at` dates out of order, git hooks, a detached HEAD and symbolic links.
//!
//! Each test states the whole outcome a user should see: exit status, the
//! exact message (a proposal; the write path's author may reword it), the
//! commits made and the files left. Those that fail on the code before the
//! write-path rewrite are ignored with "write path: pending".

use crate::support::TestEnv;

/// A pipeline holding one deal `x` in `lead`, added on 2026-11-20.
fn with_x() -> TestEnv {
    let env = TestEnv::pipeline();
    env.funnel(&["add", "X Corp: pilot", "--id", "x", "--at", "2026-11-20"])
        .success();
    env
}

fn head(env: &TestEnv) -> String {
    env.git(&["rev-parse", "HEAD"])
}

/// Asserts that `x` is still only in `lead`, as committed, and nothing is
/// uncommitted.
#[track_caller]
fn x_untouched(env: &TestEnv, before: &str, text: &str) {
    assert_eq!(head(env), before, "a commit was made");
    assert_eq!(env.read("lead/x.toml"), text);
    assert!(!env.path("contact/x.toml").exists(), "a copy in contact/");
    assert_eq!(env.status(), "");
    assert_eq!(env.git(&["diff", "--cached", "--name-status"]), "");
}

// (a) ---------------------------------------------------------------------

#[test]
fn move_refuses_while_git_index_is_locked_and_commits_nothing() {
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    env.write(".git/index.lock", "");
    let run = env.funnel(&["move", "x", "contact"]);
    run.failure(1);
    assert!(
        env.path(".git/index.lock").exists(),
        "funnel must never remove git's own lock"
    );
    std::fs::remove_file(env.path(".git/index.lock")).unwrap();
    x_untouched(&env, &before, &text);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: git holds .git/index.lock (another git command is running): nothing was changed\n\
         hint: run the command again when git has finished; if no git command is running, \
         the lock is left from a crash: rm .git/index.lock\n"
    );
}

// (b) ---------------------------------------------------------------------

#[test]
fn move_refuses_when_the_branch_cannot_be_updated_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    let heads = env.path(".git/refs/heads");
    std::fs::set_permissions(&heads, std::fs::Permissions::from_mode(0o555)).unwrap();
    let Some(run) = env.funnel_unprivileged(&["move", "x", "contact"]) else {
        crate::support::skip("running as root without setpriv");
        return;
    };
    std::fs::set_permissions(&heads, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.failure(1);
    x_untouched(&env, &before, &text);
    assert!(
        run.stderr
            .starts_with("error: cannot update branch `main`: ")
            && run.stderr.contains(".git/refs/heads")
            && run.stderr.contains("nothing was changed"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("failed to lock file"),
        "{}",
        run.stderr
    );
}

// (c) ---------------------------------------------------------------------

#[test]
fn move_out_of_a_read_only_stage_folder_leaves_one_copy() {
    use std::os::unix::fs::PermissionsExt;
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    let lead = env.path("lead");
    std::fs::set_permissions(&lead, std::fs::Permissions::from_mode(0o555)).unwrap();
    let Some(run) = env.funnel_unprivileged(&["move", "x", "contact"]) else {
        crate::support::skip("running as root without setpriv");
        return;
    };
    std::fs::set_permissions(&lead, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.failure(1);
    x_untouched(&env, &before, &text);
    assert!(
        run.stderr.starts_with("error: cannot remove lead/x.toml: ")
            && run.stderr.contains("ermission denied")
            && run.stderr.contains("nothing was changed"),
        "{}",
        run.stderr
    );
    let contact: Vec<_> = std::fs::read_dir(env.path("contact"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(contact, [".gitkeep"], "nothing new in contact/");
}

// (d) ---------------------------------------------------------------------

#[test]
fn set_keeps_crlf_line_endings_on_every_line() {
    let env = TestEnv::pipeline();
    env.write(
        "lead/x.toml",
        "title = \"X Corp: pilot\"\r\n# the buyer's words\r\nowner = \"alice\"\r\nvalue = 100\r\n",
    );
    env.commit_all("x by hand, on Windows");
    env.funnel(&["set", "x", "value=5", "product=crm"])
        .success();
    let text = env.read("lead/x.toml");
    assert_eq!(
        text,
        "title = \"X Corp: pilot\"\r\n# the buyer's words\r\nowner = \"alice\"\r\nvalue = 5\r\nproduct = \"crm\"\r\n"
    );
    assert_eq!(env.git(&["show", "HEAD:lead/x.toml"]), text);
    assert_eq!(env.status(), "");
}

// (e) ---------------------------------------------------------------------

#[test]
fn set_keeps_a_read_only_file_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let env = with_x();
    let path = env.path("lead/x.toml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    env.funnel(&["set", "x", "value=5"]).success();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(format!("{mode:o}"), "444");
    assert!(env.read("lead/x.toml").contains("\nvalue = 5\n"));
    assert_eq!(env.status(), "");
}

// (f) ---------------------------------------------------------------------

#[test]
fn move_refuses_an_id_that_is_in_two_stage_folders() {
    let env = with_x();
    env.write("contact/x.toml", "title = \"X Corp: the other pilot\"\n");
    env.commit_all("a second x, by hand");
    let before = head(&env);
    let (lead, contact) = (env.read("lead/x.toml"), env.read("contact/x.toml"));
    for target in ["contact", "negotiation"] {
        let run = env.funnel(&["move", "x", target]);
        run.failure(1);
        assert_eq!(
            run.stderr,
            "error: `x` is in 2 stages at once: lead/x.toml and contact/x.toml\n\
             hint: keep the one in the right stage and delete the other (git rm FILE), \
             then run the command again; `funnel check` lists every duplicate\n",
            "move x {target}"
        );
    }
    assert_eq!(head(&env), before);
    assert_eq!(env.read("lead/x.toml"), lead);
    assert_eq!(env.read("contact/x.toml"), contact);
    assert_eq!(env.status(), "");
}

// (g) ---------------------------------------------------------------------

#[test]
fn at_takes_a_negative_span_as_written() {
    let env = with_x();
    let run = env.funnel(&["move", "x", "contact", "--at", "-3d"]);
    run.success();
    let commit = env.last_commit();
    assert!(
        commit.starts_with("move x: lead -> contact\n\nFunnel-Deal: x\n\n@ 2026-11-24T00:00:00Z\n"),
        "{commit}"
    );
}

// (h) ---------------------------------------------------------------------

#[test]
fn at_in_the_future_is_refused() {
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    for date in ["2036-11-27", "2026-11-28"] {
        let at = if date.starts_with("2036") {
            "+10y"
        } else {
            "tomorrow"
        };
        let run = env.funnel(&["move", "x", "contact", "--at", at]);
        run.failure(1);
        assert_eq!(
            run.stderr,
            format!(
                "error: --at {date} 00:00 is in the future\n\
                 hint: record what has happened: --at takes a past date such as yesterday, -3d or 2026-11-20\n"
            )
        );
        x_untouched(&env, &before, &text);
    }
}

// (i) ---------------------------------------------------------------------

#[test]
fn at_before_the_last_stage_entry_is_refused_with_its_date() {
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    let run = env.funnel(&["move", "x", "contact", "--at", "2026-11-10"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: --at 2026-11-10 00:00 is before `x` entered `lead` on 2026-11-20 00:00\n\
         hint: give a time after 2026-11-20 00:00 (or leave out --at to record it now)\n"
    );
    x_untouched(&env, &before, &text);
}

// (j) ---------------------------------------------------------------------

fn hook(env: &TestEnv, dir: &str, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let rel = format!("{dir}/{name}");
    env.write(&rel, &format!("#!/bin/sh\n{script}\n"));
    std::fs::set_permissions(env.path(&rel), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_failing_pre_commit_hook_refuses_set_and_no_verify_skips_it() {
    let env = with_x();
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    hook(
        &env,
        ".git/hooks",
        "pre-commit",
        "echo 'pre-commit: not today' >&2\nexit 1",
    );
    let run = env.funnel(&["set", "x", "value=5"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "pre-commit: not today\n\
         error: the pre-commit hook failed (exit status 1): nothing was changed\n\
         hint: fix what it reports, or skip the hooks with --no-verify\n"
    );
    assert_eq!(head(&env), before);
    assert_eq!(env.read("lead/x.toml"), text);
    assert_eq!(env.status(), "");

    env.funnel(&["set", "x", "value=5", "--no-verify"])
        .success();
    assert!(
        env.git(&["show", "HEAD:lead/x.toml"])
            .contains("\nvalue = 5\n")
    );
    assert_eq!(env.status(), "");
}

#[test]
fn hooks_see_the_change_and_the_message_as_with_git_commit() {
    let env = with_x();
    hook(
        &env,
        ".git/hooks",
        "pre-commit",
        "git diff --cached --name-only > .git/pre-commit-saw",
    );
    hook(
        &env,
        ".git/hooks",
        "commit-msg",
        "cp \"$1\" .git/commit-msg-saw",
    );
    hook(
        &env,
        ".git/hooks",
        "post-commit",
        "git log -1 --format=%s > .git/post-commit-saw",
    );
    env.funnel(&["set", "x", "value=5"]).success();
    assert_eq!(env.read(".git/pre-commit-saw"), "lead/x.toml\n");
    assert_eq!(
        env.read(".git/commit-msg-saw"),
        "set x: value=5\n\nFunnel-Deal: x\n"
    );
    assert_eq!(env.read(".git/post-commit-saw"), "set x: value=5\n");
    assert_eq!(env.status(), "");
}

#[test]
fn hooks_come_from_core_hooks_path() {
    let env = with_x();
    env.git(&["config", "core.hooksPath", ".githooks"]);
    hook(
        &env,
        ".githooks",
        "post-commit",
        "touch .git/post-commit-ran",
    );
    hook(
        &env,
        ".git/hooks",
        "post-commit",
        "touch .git/wrong-hook-ran",
    );
    env.commit_all("shared hooks");
    // That commit ran the hook (git honours core.hooksPath): start afresh.
    std::fs::remove_file(env.path(".git/post-commit-ran")).unwrap();
    env.funnel(&["set", "x", "value=5"]).success();
    assert!(env.path(".git/post-commit-ran").exists());
    assert!(!env.path(".git/wrong-hook-ran").exists());
}

// (k) ---------------------------------------------------------------------

#[test]
fn set_on_a_detached_head_is_refused_with_a_hint() {
    let env = with_x();
    env.git(&["checkout", "-q", "--detach"]);
    let (before, text) = (head(&env), env.read("lead/x.toml"));
    let run = env.funnel(&["set", "x", "value=5"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "error: HEAD is detached: funnel commits only to a branch\n\
         hint: switch to a branch first: git switch BRANCH (git switch -c NEW-BRANCH starts one here)\n"
    );
    assert_eq!(head(&env), before);
    assert_eq!(env.read("lead/x.toml"), text);
    assert_eq!(env.status(), "");
    assert_eq!(env.git(&["rev-parse", "main"]), before);
}

// (l) ---------------------------------------------------------------------

#[test]

fn a_symlinked_deal_file_is_reported_and_never_followed() {
    let env = with_x();
    let outside = env.home.join("outside.toml");
    std::fs::write(&outside, "title = \"SECRET outside content\"\n").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", env.path("lead/evil.toml")).unwrap();
    std::os::unix::fs::symlink(&outside, env.path("lead/outside.toml")).unwrap();
    env.commit_all("links, by hand");
    let before = head(&env);

    let check = env.funnel(&["check"]);
    check.failure(1);
    let said = format!("{}{}", check.stdout, check.stderr);
    for link in ["lead/evil.toml", "lead/outside.toml"] {
        assert!(
            said.lines()
                .any(|l| l.starts_with(link) && l.contains("symbolic link")),
            "check names {link} as a symbolic link:\n{said}"
        );
    }
    assert!(
        !said.contains("root:"),
        "check printed /etc/passwd:\n{said}"
    );
    assert!(
        !said.contains("SECRET"),
        "check printed the outside file:\n{said}"
    );

    for (id, args) in [
        ("evil", vec!["set", "evil", "title=x"]),
        ("outside", vec!["set", "outside", "title=x"]),
        ("outside", vec!["move", "outside", "contact"]),
    ] {
        let run = env.funnel(&args);
        run.failure(1);
        assert!(
            run.stderr.starts_with(&format!(
                "error: lead/{id}.toml is a symbolic link: funnel never follows links\n"
            )),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("root:") && !run.stderr.contains("SECRET"));
    }
    assert_eq!(head(&env), before);
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "title = \"SECRET outside content\"\n"
    );
    assert_eq!(env.status(), "");
}

#[test]
fn a_write_is_refused_while_the_index_holds_conflicts() {
    // `git stash pop` onto a changed file leaves conflicts in the index
    // with no merge under way: the write path itself must refuse.
    let env = TestEnv::pipeline();
    env.funnel(&["add", "Acme", "--value", "100"]).success();
    env.funnel(&["add", "Initech"]).success();
    let acme = env.read("lead/acme.toml");
    env.write("lead/acme.toml", &acme.replace("100", "200"));
    env.git(&["stash", "-q"]);
    env.write("lead/acme.toml", &acme.replace("100", "300"));
    env.git(&["commit", "-qam", "300"]);
    assert_ne!(env.git_output(&["stash", "pop"], &[]).status, 0);
    let before = env.commit_count();
    let conflicted = env.read("lead/acme.toml");
    // The conflicted deal itself is refused for its markers, by line.
    let run = env.funnel(&["set", "acme", "owner=ann"]);
    run.failure(1);
    assert_eq!(
        run.stderr,
        "lead/acme.toml:3:1: unresolved git conflict markers\n  |\n3 | <<<<<<< Updated upstream\n  | ^^^^^^^\n  hint: keep the right version between <<<<<<<, ======= and >>>>>>>, delete the markers, then `git add` the file\nerror: 1 problem(s) in the file(s) above\nhint: fix them first; `funnel check` lists every problem in the pipeline\n"
    );
    // Any other write, by the index, read under its lock before any file
    // is written.
    for args in [
        &["set", "initech", "owner=ann"][..],
        &["move", "initech", "contact"],
        &["add", "Globex"],
    ] {
        let run = env.funnel(args);
        run.failure(1);
        assert_eq!(
            run.stderr,
            "error: the index holds unresolved conflicts: funnel changes nothing until they are resolved\nhint: edit the conflicted files, `git add` them and commit; `funnel check` shows conflict markers\n",
            "{args:?}"
        );
    }
    assert_eq!(env.commit_count(), before);
    assert_eq!(env.read("lead/acme.toml"), conflicted);
    assert!(!env.path("lead/globex.toml").exists());
}

/// After each kind of write, git's index is HEAD's tree with each written
/// file's stat data: `git diff-files` (which never refreshes the index, as
/// `git status` does) finds no file whose stat data differs, so git does
/// not read the files again; the index keeps its version, and every other
/// entry is as it was.
#[test]
fn a_write_leaves_the_index_with_the_files_stat_data() {
    let env = with_x();
    env.funnel(&[
        "add",
        "Acme",
        "--id",
        "acme",
        "--set",
        "qualification.need=Spreadsheets",
        "--set",
        "qualification.problem_agreed=yes",
    ])
    .success();
    // Version 4 (`feature.manyFiles`), which git writes paths compressed in.
    env.git(&["update-index", "--index-version", "4"]);
    let entries = |env: &TestEnv| env.git(&["ls-files", "--stage"]);
    let others = entries(&env).replace("lead/x.toml", "");
    for args in [
        &["set", "acme", "value=7000"][..],
        &["move", "acme", "qualified"],
        &["add", "Globex", "--id", "globex"],
        &["rename", "globex", "globex-emea"],
        &["rm", "globex-emea"],
    ] {
        env.funnel(args).success();
        assert_eq!(
            env.git(&["diff-files", "--name-status"]),
            "",
            "{args:?}: stat data"
        );
        assert_eq!(
            env.git(&["diff-index", "--cached", "--name-status", "HEAD"]),
            "",
            "{args:?}"
        );
        assert_eq!(
            env.git(&["update-index", "--show-index-version"]).trim(),
            "4",
            "{args:?}"
        );
    }
    assert!(!env.path(".git/funnel/index.next").exists());
    assert!(!env.path(".git/funnel/index.next.lock").exists());
    let now = entries(&env);
    assert!(now.contains("\tlead/x.toml"), "{now}");
    assert!(now.contains("\tqualified/acme.toml"), "{now}");
    assert!(!now.contains("globex"), "{now}");
    // funnel.toml and the rest, untouched.
    for line in others.lines().filter(|l| !l.contains("acme")) {
        assert!(now.contains(line), "{line} lost from {now}");
    }
}
