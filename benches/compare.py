#!/usr/bin/env python3
"""Two funnel builds on the same pipeline, timed in one run.

    benches/compare.py OLD_FUNNEL NEW_FUNNEL REPO [--runs N]

REPO is a pipeline repository (for example one made by
../shared/bench/gen-pipeline.py, or benches/load.sh's BENCH_KEEP folder);
each build gets its own copy, so their caches never meet. Timed, with the
runs of the two builds interleaved so that load on the machine hits both
alike, medians of N (default 5):

  cold report   `report` with .git/funnel/ removed first (no caches)
  warm report   `report` with the caches a previous report left
  list --all    `list --all --format json` (warm)

Prints each figure for both builds and the ratio new/old. A benchmark, not
a test: it exits 0 whatever the numbers are.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def timed(cmd, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("repo")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="funnel-compare-")
    try:
        copies = {}
        for name in ("old", "new"):
            copies[name] = os.path.join(work, name)
            shutil.copytree(args.repo, copies[name], symlinks=True)
        builds = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
        report = ["report", "--today", "2026-11-27"]
        listing = ["list", "--all", "--format", "json"]
        times = {(b, m): [] for b in builds for m in ("cold report", "warm report", "list --all")}
        for _ in range(args.runs):
            for b, binary in builds.items():
                repo = copies[b]
                shutil.rmtree(os.path.join(repo, ".git", "funnel"), ignore_errors=True)
                times[(b, "cold report")].append(timed([binary, *report], repo))
                times[(b, "warm report")].append(timed([binary, *report], repo))
                timed([binary, *listing], repo)
                times[(b, "list --all")].append(timed([binary, *listing], repo))
        print(f"{'':14}{'old':>10}{'new':>10}{'new/old':>10}   (medians of {args.runs}, seconds)")
        for m in ("cold report", "warm report", "list --all"):
            old = statistics.median(times[("old", m)])
            new = statistics.median(times[("new", m)])
            print(f"{m:14}{old:10.3f}{new:10.3f}{new / old:10.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
