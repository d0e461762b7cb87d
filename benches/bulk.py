#!/usr/bin/env python3
"""One commit of many deal files against the same files in many commits.

    benches/bulk.py [--deals N] [--commits C] [--runs R] [--funnel PATH]

Builds two pipelines with `git fast-import` that end with the same N deal
files (default 30,000, spread over the stage folders): one where they all
came in a single commit (a bulk import) and every open deal then moved one
stage on in a single commit (a mass `git mv`), one where the same came in
C commits each (default 30). A commit touching N deal files must cost O(N)
on every history read, so each command on the one-commit pipeline should
take about what it takes on the C-commit one (issue 14's goal: within
1.3x). Timed,
interleaved, medians of R runs (default 3): `board` and `report` warm (after
one run that fills the caches), and a cold `report` (no .git/funnel).
Printed: the median wall time on each, the ratio, the peak memory.

A benchmark, not a test: it exits 0 whatever the numbers are.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from interactive import run

STAGES = ["lead", "qualified", "contact", "proposal", "negotiation", "won", "lost"]

CONFIG = """name = "Bulk"
currency = "USD"
lost_reasons = ["price", "timing"]
""" + "".join(
    f'\n[[stage]]\nid = "{s}"\nkind = "{k}"\n' + ('require = ["lost_reason"]\n' if s == "lost" else "")
    for s, k in zip(STAGES, ["open"] * 5 + ["won", "lost"])
)

# Author times: the one-commit pipeline's last commit and the others' are
# the same second.
START = 1_700_000_000


def deal(n):
    stage = STAGES[n % len(STAGES)]
    text = (
        f'title = "Bulk deal {n}"\nowner = "{["alice", "bob", "carol"][n % 3]}"\n'
        f"value = {1000 + n % 97 * 100}\nexpected_close = 2026-{1 + n % 12:02}-15\n"
    )
    if stage == "lost":
        text += 'lost_reason = "price"\n'
    return f"{stage}/deal-{n:06}.toml", text


def build(path, deals, commits):
    """A pipeline whose `deals` files came in `commits` commits, then
    whose open deals moved one stage on in `commits` commits."""
    os.makedirs(path)
    git = lambda *a: subprocess.run(["git", *a], cwd=path, check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    out = []

    def data(text):
        raw = text.encode()
        out.append(f"data {len(raw)}\n".encode() + raw + b"\n")

    def commit(n, message, files, deleted=()):
        at = START - (2 * commits - 1 - n) * 3600
        out.append(b"commit refs/heads/main\n")
        out.append(f"author Bulk <bulk@example.com> {at} +0000\n".encode())
        out.append(f"committer Bulk <bulk@example.com> {at} +0000\n".encode())
        data(message)
        for name in deleted:
            out.append(f"D {name}\n".encode())
        for name, text in files:
            out.append(f"M 100644 inline {name}\n".encode())
            data(text)
        out.append(b"\n")

    files = [deal(n) for n in range(deals)]
    per = -(-deals // commits)
    for n in range(commits):
        part = files[n * per : (n + 1) * per]
        if n == 0:
            part = [("funnel.toml", CONFIG)] + part
        commit(n, f"add deals {n * per} to {n * per + len(part)}", part)
    moves = []
    for name, text in files:
        stage, file = name.split("/")
        at = STAGES.index(stage)
        if at < 5:
            moves.append((name, f"{STAGES[at + 1]}/{file}", text))
    per = -(-len(moves) // commits)
    for n in range(commits):
        part = moves[n * per : (n + 1) * per]
        commit(commits + n, f"move {len(part)} deals on", [(new, text) for _, new, text in part], [old for old, _, _ in part])
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True)
    git("checkout", "-q", "-f", "main")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--deals", type=int, default=30_000)
    p.add_argument("--commits", type=int, default=30)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--funnel", default=None, help="the funnel binary (default: target/release/funnel)")
    a = p.parse_args()
    crate = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    funnel = a.funnel or os.path.join(crate, "target", "release", "funnel")
    work = tempfile.mkdtemp(prefix="funnel-bulk-")
    env_home = os.path.join(work, "home")
    os.makedirs(env_home)
    os.environ.update(HOME=env_home, GIT_CONFIG_NOSYSTEM="1", TZ="UTC", LANG="C")
    try:
        one, many = os.path.join(work, "one"), os.path.join(work, "many")
        print(f"building {a.deals} deals in 1 commit and in {a.commits} commits...")
        build(one, a.deals, 1)
        build(many, a.deals, a.commits)
        # The deal cache records only files that have been still for 3 s
        # (git's racy-clean rule): files checked out just now would be
        # parsed again by every timed run.
        time.sleep(4)
        report = [funnel, "report", "--today", "2026-01-01", "--last", "365d"]
        cold = lambda repo: shutil.rmtree(os.path.join(repo, ".git", "funnel"), ignore_errors=True)
        cases = [("board", [funnel, "board"], None), ("report", report, None), ("report, cold", report, cold)]
        for repo in (one, many):
            for _, cmd, _ in cases:
                run(cmd, repo)  # fills the caches (and the page cache)
        print(f"medians of {a.runs} interleaved runs, wall clock; goal: 1 commit within 1.3x of {a.commits}")
        print(f"{'command':<14} {'1 commit':>10} {f'{a.commits} commits':>12} {'ratio':>7} {'peak MB':>12}  goal")
        for name, cmd, before in cases:
            times = {one: [], many: []}
            peak = {one: 0.0, many: 0.0}
            for _ in range(a.runs):
                for repo in (one, many):
                    if before:
                        before(repo)
                    wall, mb = run(cmd, repo)
                    times[repo].append(wall)
                    peak[repo] = max(peak[repo], mb)
            t1, tn = statistics.median(times[one]), statistics.median(times[many])
            ratio = t1 / tn
            print(
                f"{name:<14} {t1 * 1000:>8.0f} ms {tn * 1000:>9.0f} ms {ratio:>6.2f}x "
                f"{peak[one]:>5.0f} / {peak[many]:<5.0f} {'met' if ratio <= 1.3 else 'MISSED'}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
