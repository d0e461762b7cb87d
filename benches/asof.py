#!/usr/bin/env python3
"""The past against the present, timed in one run.

    benches/asof.py FUNNEL REPO [--runs N]

REPO is a pipeline repository (for example /work/bench-keep/deals-20000 or
one made by ../shared/bench/gen-pipeline.py); it is copied first, since
funnel writes its caches into the git dir. "Today" is pinned to the day of
the newest commit. After one warm-up run of each command (caches built,
page cache warm), the runs of each pair are interleaved so that load on
the machine hits both alike; medians of N (default 5):

  board --as-of    `board --as-of TODAY-6m` against `board`         goal <= 2x
  flow             `flow --period quarter --since Q` against
                   `report --period quarter --since Q` (Q: the last whole
                   quarter before today)                              goal <= 2x

Prints each median and the ratio. A benchmark, not a test: it exits 0
whatever the numbers are.
"""

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import tempfile

from compare import timed  # benches/compare.py, beside this script


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("funnel")
    p.add_argument("repo")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    funnel = os.path.abspath(args.funnel)
    with tempfile.TemporaryDirectory(prefix="funnel-asof-") as temp:
        repo = os.path.join(temp, "repo")
        shutil.copytree(args.repo, repo, symlinks=True)
        newest = subprocess.run(["git", "log", "-1", "--format=%at"], cwd=repo,
                                capture_output=True, text=True, check=True).stdout.strip()
        today = datetime.datetime.fromtimestamp(int(newest), datetime.timezone.utc).date()
        quarter_start = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        last_quarter = (quarter_start - datetime.timedelta(days=1)).replace(day=1)
        base = [funnel, "--today", today.isoformat()]
        pairs = [
            ("board --as-of -6m", base + ["board", "--as-of", "-6m"], "board", base + ["board"]),
            ("flow (quarter)", base + ["flow", "--period", "quarter", "--since", last_quarter.isoformat()],
             "report (quarter)", base + ["report", "--period", "quarter", "--since", last_quarter.isoformat()]),
        ]
        load = os.getloadavg()[0]
        print(f"repo {args.repo}, today {today}, quarter from {last_quarter}, {args.runs} runs, load {load:.1f}")
        for name, cmd, ref_name, ref in pairs:
            timed(cmd, repo)
            timed(ref, repo)
            ours, theirs = [], []
            for _ in range(args.runs):
                ours.append(timed(cmd, repo))
                theirs.append(timed(ref, repo))
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"  {name:<20} {a:7.3f} s   {ref_name:<18} {b:7.3f} s   ratio {a / b:.2f}x")


if __name__ == "__main__":
    main()
