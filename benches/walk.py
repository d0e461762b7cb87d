#!/usr/bin/env python3
"""The history engine's cold walk: peak memory on a big pipeline, and time
on one of few commits and many files (issue 14).

    benches/walk.py [--repo REPO] [--runs N] [--funnel PATH] [--bench PATH]

With --repo (a pipeline made by ../shared/bench/gen-pipeline.py; it is
copied first, so nothing in it changes): a cold `funnel report` (no
.git/funnel) against `git log --raw --no-renames`, interleaved, medians of
N runs (default 3); goals: at or under 0.8x git log, peak memory under
400 MB at 50,000 deals.

Always (skipped, saying why, without ../shared): the Maven CRM sample
imported batched by day (427 commits, 8,800 deals), then cold against
`git log --raw`, interleaved: the history walk alone (the history-bench
example, no history cache), `funnel report` with only its history cache
removed, and `funnel report` with no cache at all. Goal: the cold walk at
most 1.5x git log --raw.

A benchmark, not a test: it exits 0 whatever the numbers are.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import tempfile

from interactive import run

GIT_LOG = ["git", "log", "--raw", "--no-renames", "--format=%H%x09%at"]


def interleaved(repo, runs, cases):
    """Median wall time and peak MB of each (label, before, cmd) case."""
    times = {label: [] for label, _, _ in cases}
    peaks = {label: 0.0 for label, _, _ in cases}
    for _ in range(runs):
        for label, before, cmd in cases:
            if before:
                before()
            wall, mb = run(cmd, repo)
            times[label].append(wall)
            peaks[label] = max(peaks[label], mb)
    return {label: (statistics.median(times[label]), peaks[label]) for label in times}


def table(rows, reference):
    print(f"| command | time | against `{reference[0]}` | ratio | peak MB |")
    print("| --- | --- | --- | --- | --- |")
    ref = rows[reference[0]][0]
    for label, (wall, mb) in rows.items():
        print(f"| `{label}` | {wall * 1000:,.0f} ms | {ref * 1000:,.0f} ms | {wall / ref:.2f}x | {mb:.0f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repo")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--funnel", default=None, help="the funnel binary (default: target/release/funnel)")
    p.add_argument("--bench", default=None, help="the history-bench example (default: target/release/examples)")
    a = p.parse_args()
    crate = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    funnel = a.funnel or os.path.join(crate, "target", "release", "funnel")
    bench = a.bench or os.path.join(crate, "target", "release", "examples", "history-bench")
    work = tempfile.mkdtemp(prefix="funnel-walk-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    os.environ.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", TZ="UTC", LANG="C")
    subprocess.run(["git", "config", "--global", "user.name", "Importer"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "importer@example.com"], check=True)
    try:
        if a.repo:
            repo = os.path.join(work, "repo")
            shutil.copytree(a.repo, repo, symlinks=True)
            cache = os.path.join(repo, ".git", "funnel")
            cold = lambda: shutil.rmtree(cache, ignore_errors=True)
            run(GIT_LOG, repo)  # the page cache
            rows = interleaved(
                repo,
                a.runs,
                [("git log --raw --no-renames", None, GIT_LOG), ("report, cold", cold, [funnel, "report"])],
            )
            print(f"\n{a.repo}, medians of {a.runs}; goals: report <= 0.8x git log, peak < 400 MB (50,000 deals)")
            table(rows, ("git log --raw --no-renames",))

        csv = os.path.join(crate, "..", "shared", "data", "maven-crm", "sales_pipeline.csv")
        if not os.path.exists(csv):
            print("\nskipping the Maven CRM import: ../shared/data/maven-crm is missing")
            return
        repo = os.path.join(work, "maven")
        subprocess.run([funnel, "init", repo, "--at", "2016-01-01"], check=True, capture_output=True)
        maps = "opportunity_id=id sales_agent=owner product=product account=account close_value=value"
        maps += " deal_stage=stage engage_date=entered:Engaging close_date=close_date"
        stages = "Prospecting=lead Engaging=contact Won=won Lost=lost"
        args = [funnel, "--today", "2017-12-31", "import", csv, "--at", "2017-12-31", "--batch", "day"]
        args += [x for m in maps.split() for x in ("--map", m)]
        args += [x for m in stages.split() for x in ("--stage-map", m)]
        subprocess.run(args, cwd=repo, check=True, capture_output=True)
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True, text=True)
        cache = os.path.join(repo, ".git", "funnel")
        report = [funnel, "report", "--today", "2017-12-31", "--since", "2016-01-01", "--until", "2017-12-31"]
        run(report, repo)

        def history_cache_only():
            for path in glob.glob(os.path.join(cache, "history-*")):
                os.remove(path)

        rows = interleaved(
            repo,
            max(a.runs, 5),
            [
                ("git log --raw", None, ["git", "log", "--raw"]),
                ("history walk, cold", lambda: shutil.rmtree(cache, ignore_errors=True), [bench, "."]),
                ("report, no cache at all", lambda: shutil.rmtree(cache, ignore_errors=True), report),
                ("report, no history cache", history_cache_only, report),
            ],
        )
        print(f"\nMaven CRM by day ({commits.stdout.strip()} commits), medians of {max(a.runs, 5)}; goal: the cold walk <= 1.5x git log --raw")
        table(rows, ("git log --raw",))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
