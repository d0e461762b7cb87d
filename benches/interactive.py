#!/usr/bin/env python3
"""The commands a rep types all day, against git on the same repository.

    benches/interactive.py REPO [--funnel PATH] [--runs N] [--cold]

REPO is a pipeline repository (for example one made by
../shared/bench/gen-pipeline.py); it is copied first, so nothing in it
changes. Each command runs after one warm-up run (caches filled), then N
times (default 5) interleaved with its reference, so load on the machine
hits both alike. Printed per command: the median wall time of funnel and
of the reference, their ratio, funnel's goal (a ratio, or an absolute time
for the commands typed one deal at a time), funnel's peak memory, and
whether the goal is met. With --cold, a cold `report` (no cache) is timed
against `git log --raw --no-renames` too (slow on big repositories).

A benchmark, not a test: it exits 0 whatever the numbers are. Issue 14 of
the project's tracker states the goals; benches/README.md keeps the table.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def run(cmd, cwd):
    """Wall seconds and peak resident memory (MB) of one command; its CPU
    seconds (user and system) in CPU[-1]."""
    start = time.perf_counter()
    # Shell completion is asked for through the environment (clap's
    # protocol), as a shell's TAB key does.
    env = None
    if cmd[1:3] == ["--", "funnel"]:
        env = dict(os.environ, COMPLETE="bash", _CLAP_COMPLETE_INDEX=str(len(cmd) - 3), _CLAP_IFS="\n")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    CPU.append(usage.ru_utime + usage.ru_stime)
    if status != 0 and cmd[0] not in ("git", "sh"):
        # doctor and check exit 1 when they find problems: still a run.
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed with {code}")
    return wall, usage.ru_maxrss / 1024


CPU = []


def first_deal(repo, stage):
    names = sorted(n for n in os.listdir(os.path.join(repo, stage)) if n.endswith(".toml"))
    return names[0][: -len(".toml")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("repo")
    p.add_argument("--funnel", default=None, help="the funnel binary (default: target/release/funnel)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cold", action="store_true")
    a = p.parse_args()
    crate = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    funnel = a.funnel or os.path.join(crate, "target", "release", "funnel")
    work = tempfile.mkdtemp(prefix="funnel-interactive-")
    try:
        repo = os.path.join(work, "repo")
        shutil.copytree(a.repo, repo, symlinks=True)
        # The copy written to disk before anything is timed: the kernel's
        # write-back of a 50,000-deal repository otherwise runs through
        # the first commands.
        os.sync()
        # The deal cache records only files that have been still for 3 s
        # (git's racy-clean rule): files copied just now would be parsed
        # again by every run of the first command that reads them all.
        time.sleep(4)
        deal = first_deal(repo, "proposal")
        owner = subprocess.run(
            [funnel, "show", deal, "--format", "json"], cwd=repo, capture_output=True, text=True
        )
        if owner.returncode != 0:
            raise SystemExit(f"funnel show {deal}: {owner.stderr}")
        owner = json.loads(owner.stdout)["fields"].get("owner", "alice")
        status = ["git", "status", "--porcelain"]
        status_and_listing = ["sh", "-c", "git status --porcelain && git ls-files --stage"]
        # (label, funnel args, reference, goal): a goal is a ratio (float)
        # or milliseconds ("100 ms").
        cases = [
            ("log -n 20", ["log", "-n", "20"], ["git", "log", "-n", "20", "--raw"], 2.0),
            ("log HEAD~100..HEAD", ["log", "HEAD~100..HEAD"], ["git", "log", "--raw", "HEAD~100..HEAD"], 2.0),
            ("show ID", ["show", deal], status, "100 ms"),
            (f"next --owner {owner}", ["next", "--owner", owner], status, "100 ms"),
            ("board", ["board"], status, 1.5),
            ("doctor", ["doctor"], status, 1.5),
            ("list --all", ["list", "--all"], status, 1.5),
            # The same against git knowing which files changed and then
            # printing a line per file, as `list --all` prints a line per
            # deal (`git status` prints nothing on a clean tree).
            ("list --all (listing)", ["list", "--all"], status_and_listing, 1.5),
            ("check", ["check"], status, 1.5),
            ("report (warm)", ["report"], ["git", "log", "--raw", "--no-renames", "--format=%H%x09%at"], 0.02),
            ("next --all", ["next", "--all"], status, 1.5),
            # A rep's work tree: a deal file edited by hand and a new one,
            # not committed (git's status then has something to say).
            ("board, 2 files changed", ["board"], status, 1.5),
            ("check, 2 files changed", ["check"], status, 1.5),
            ("complete ID", ["--", "funnel", "show", deal[:3]], status, "100 ms"),
            ("set ID", ["set", deal, "next_step=call back"], status, "100 ms"),
            ("board after a set", ["board"], status, 1.5),
            # Last: on a generated repository dated after today, a move
            # dates an entry before the one it follows (clock skew), so the
            # first read after it loads the history again.
            ("move ID", ["move", deal, "negotiation"], status, "100 ms"),
            ("add", ["add", "Bench deal"], status, "100 ms"),
        ]
        rows = []
        edited = os.path.join(repo, "proposal", deal + ".toml")
        for label, args, reference, goal in cases:
            if label == "board, 2 files changed":
                with open(edited, "a") as f:
                    f.write("# edited by hand\n")
                with open(os.path.join(repo, "lead", "bench-new-by-hand.toml"), "w") as f:
                    f.write("title = \"New by hand\"\n")
            if label == "set ID":
                # Back to a clean work tree.
                os.remove(os.path.join(repo, "lead", "bench-new-by-hand.toml"))
                subprocess.run(["git", "checkout", "-q", "--", edited], cwd=repo, check=True)
            cmd = [funnel] + args
            run(cmd, repo)
            run(reference, repo)
            ours, theirs, peak, our_cpu, their_cpu = [], [], 0.0, [], []
            for n in range(a.runs):
                if label == "set ID":
                    # a change each time, so each run commits
                    cmd = [funnel, "set", deal, f"next_step=call back {n}"]
                if label == "move ID":
                    # back and forth, so each run moves the deal
                    cmd = [funnel, "move", deal, ("proposal", "negotiation")[n % 2]]
                if label == "add":
                    cmd = [funnel, "add", f"Bench deal {n}"]
                if label == "board after a set":
                    # a new commit before each board (not timed)
                    run([funnel, "set", deal, f"next_step=call again {n}"], repo)
                wall, mem = run(cmd, repo)
                our_cpu.append(CPU[-1])
                ours.append(wall)
                peak = max(peak, mem)
                theirs.append(run(reference, repo)[0])
                their_cpu.append(CPU[-1])
            rows.append(
                (label, statistics.median(ours), statistics.median(theirs), goal, peak,
                 statistics.median(our_cpu), statistics.median(their_cpu))
            )
        if a.cold:
            cache = os.path.join(repo, ".git", "funnel")
            ours, theirs, peak, our_cpu, their_cpu = [], [], 0.0, [], []
            for _ in range(max(1, a.runs // 2)):
                shutil.rmtree(cache, ignore_errors=True)
                wall, mem = run([funnel, "report"], repo)
                our_cpu.append(CPU[-1])
                ours.append(wall)
                peak = max(peak, mem)
                theirs.append(run(["git", "log", "--raw", "--no-renames", "--format=%H%x09%at"], repo)[0])
                their_cpu.append(CPU[-1])
            rows.append(
                ("report (cold)", statistics.median(ours), statistics.median(theirs), 0.8, peak,
                 statistics.median(our_cpu), statistics.median(their_cpu))
            )
        # CPU time is what a loaded machine does not blur: the CPU columns
        # compare the same work when wall times wander.
        print("| command | funnel | reference | ratio | goal | peak MB | met | CPU funnel | CPU ref | CPU ratio |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for label, ours, theirs, goal, peak, cpu_ours, cpu_theirs in rows:
            ratio = ours / theirs if theirs else float("inf")
            if isinstance(goal, str):
                met = ours * 1000 <= float(goal.split()[0])
            else:
                met = ratio <= goal
            goal_text = goal if isinstance(goal, str) else f"{goal}x"
            print(
                f"| `{label}` | {ours * 1000:.0f} ms | {theirs * 1000:.0f} ms | {ratio:.2f}x "
                f"| {goal_text} | {peak:.0f} | {'yes' if met else 'no'} "
                f"| {cpu_ours * 1000:.0f} ms | {cpu_theirs * 1000:.0f} ms "
                f"| {cpu_ours / cpu_theirs if cpu_theirs else float('inf'):.2f}x |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
