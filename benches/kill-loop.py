#!/usr/bin/env python3
"""benches/kill-loop.py: the randomized SIGKILL loop behind kill-loop.sh.

Each trial:

1. copies the prepared template pipeline (`cp -a`, ~50 deals in lead,
   contact and negotiation, one commit of history on top of `funnel init`);
2. starts one random mutating command in its own process group: add, move,
   set, rm, rename or snooze;
3. SIGKILLs the group after a delay drawn uniformly from 0 .. the median
   duration measured for that command before the trials (so most kills land
   mid-command); a command that exited first "completed before the kill";
4. notes whether the repository is dirty right then (read with
   `git --no-optional-locks`, so looking changes nothing);
5. runs ONE ordinary funnel command (`funnel list --all` by default,
   `--next` to change it) and records what it said on stderr;
6. checks, with no hand fix:
     status  `git status --porcelain --untracked-files=all` is empty
     index   `git diff --cached HEAD` names no file
     temp    no *.funnel-tmp file anywhere
     locks   no *.lock file under .git (git's index, HEAD, config and ref
             locks), except under .git/funnel/ (funnel's own lock, which the
             retry below proves stale or absent)
     check   `funnel check` exits 0
     commits at most one commit was added, and it is the killed command's
     effect   HEAD shows the command fully done (its commit) or not at all
     deals   every deal of the template is in HEAD once, in one stage
             folder, unless the killed command's commit removed or renamed
             it (a missing one is LOST, a doubled one a hand fix)
7. retries the killed command: when its commit is in HEAD the retry must
   succeed or refuse with "already" / "no deal" (and never make a second
   deal for a retried add); when it is not, the retry must succeed. Then the
   status, index, check and deals checks run again.

Prints the counts and, per trial that needed a hand fix, the failing checks;
exits 1 when any trial needed a hand fix or lost a deal.
"""

import argparse
import collections
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

STAGES = ["lead", "contact", "negotiation", "won"]  # stages with no `require`
ALL_STAGES = ["lead", "qualified", "contact", "proposal", "negotiation", "won", "lost"]
KINDS = ["add", "move", "set", "rm", "rename", "snooze"]
TODAY = "2026-11-27"
DEALS = 50


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--funnel", required=True, help="the funnel binary")
    p.add_argument("-n", "--trials", type=int, default=200, help="number of trials (200)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    p.add_argument("--next", default="list --all",
                   help="the ordinary funnel command run after the kill (default: 'list --all')")
    p.add_argument("--keep", metavar="DIR",
                   help="copy each trial that needed a hand fix into DIR/trial-N")
    p.add_argument("--samples", type=int, default=5,
                   help="runs per command to measure its typical duration (5)")
    p.add_argument("--delay-scale", type=float, default=1.0,
                   help="multiply each drawn delay (a large value such as 100 kills nothing: "
                        "a control run of the checks)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every trial")
    return p.parse_args()


class Env:
    """A pinned environment: HOME with a git identity, UTC, C locale."""

    def __init__(self, work, funnel):
        self.funnel_bin = funnel
        self.home = os.path.join(work, "home")
        os.makedirs(self.home)
        with open(os.path.join(self.home, ".gitconfig"), "w") as f:
            f.write("[user]\n\tname = Alice Nowak\n\temail = alice@example.com\n"
                    "[init]\n\tdefaultBranch = main\n")
        self.vars = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "GIT_CONFIG_NOSYSTEM": "1",
            "TZ": "UTC",
            "LANG": "C",
            "GIT_AUTHOR_DATE": "2026-11-27T12:00:00Z",
            "GIT_COMMITTER_DATE": "2026-11-27T12:00:00Z",
        }

    def funnel_argv(self, args):
        return [self.funnel_bin, "--today", TODAY] + args

    def run(self, argv, cwd, check=False):
        r = subprocess.run(argv, cwd=cwd, env=self.vars, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace")
        if check and r.returncode != 0:
            sys.exit(f"kill-loop: {' '.join(argv)} failed in {cwd}:\n{r.stderr}")
        return r

    def git(self, repo, *args, check=True):
        return self.run(["git", "--no-optional-locks", *args], repo, check=check)

    def funnel(self, repo, args, check=False):
        return self.run(self.funnel_argv(args), repo, check=check)


def make_template(env, path):
    """`funnel init` and one commit of DEALS deals in three stages."""
    os.makedirs(path)
    env.git(path, "init", "-q")
    env.funnel(path, ["init", "--at", "2026-11-01"], check=True)
    deals = {}
    for i in range(DEALS):
        stage = "lead" if i < 25 else "contact" if i < 40 else "negotiation"
        deal = f"deal-{i:02}"
        with open(os.path.join(path, stage, deal + ".toml"), "w") as f:
            f.write(f'title = "Deal {i:02}"\n'
                    f'# a comment funnel must keep\n'
                    f'owner = "alice"\n'
                    f'value = {1000 * (i + 1)}\n'
                    f'next_step = "Call the buyer"\n'
                    f'next_step_due = 2026-12-0{1 + i % 9}\n')
        deals[deal] = stage
    env.git(path, "add", "-A")
    env.git(path, "commit", "-qm", "seed deals")
    r = env.funnel(path, ["check"])
    if r.returncode != 0:
        sys.exit(f"kill-loop: the template does not pass funnel check:\n{r.stdout}{r.stderr}")
    return deals


def pick(rng, trial, deals):
    """A random mutating command: (kind, argv, subject prefix, details)."""
    kind = rng.choice(KINDS)
    deal = rng.choice(sorted(deals))
    if kind == "add":
        new = f"kill-trial-{trial}"
        return kind, ["add", f"Kill trial {trial}"], {"id": new, "title": f"Kill trial {trial}"}
    if kind == "move":
        to = rng.choice([s for s in STAGES if s != deals[deal]])
        return kind, ["move", deal, to], {"id": deal, "to": to}
    if kind == "set":
        key, value = f"f{trial}", f"v{trial}"
        return kind, ["set", deal, f"{key}={value}"], {"id": deal, "line": f'{key} = "{value}"'}
    if kind == "rm":
        return kind, ["rm", deal], {"id": deal}
    if kind == "rename":
        return kind, ["rename", deal, f"{deal}-r{trial}"], {"id": deal, "new": f"{deal}-r{trial}"}
    return kind, ["snooze", deal, "+2w", "--reason", "kill loop"], {"id": deal}


def fresh_copy(template, dest):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    subprocess.run(["cp", "-a", template, dest], check=True)


def measure(env, template, scratch, deals, samples):
    """The median wall time of each kind of command, spawn to exit."""
    rng = random.Random(0)
    durations = {}
    for kind in KINDS:
        times = []
        for s in range(samples):
            fresh_copy(template, scratch)
            while True:
                k, args, _ = pick(rng, 900000 + s, deals)
                if k == kind:
                    break
            start = time.monotonic()
            r = env.funnel(scratch, args)
            times.append(time.monotonic() - start)
            if r.returncode != 0:
                sys.exit(f"kill-loop: `funnel {' '.join(args)}` fails on the template:\n{r.stderr}")
        durations[kind] = statistics.median(times)
    return durations


def head_deals(env, repo):
    """Deal ID -> the stage folders it is in, at HEAD."""
    out = env.git(repo, "ls-tree", "-r", "--name-only", "HEAD").stdout
    found = collections.defaultdict(list)
    for path in out.splitlines():
        parts = path.split("/")
        if len(parts) == 2 and parts[0] in ALL_STAGES and parts[1].endswith(".toml"):
            found[parts[1][:-5]].append(parts[0])
    return found


def leftovers(repo):
    """(temp files, git lock files) under the repository."""
    temps, locks = [], []
    for root, dirs, files in os.walk(repo):
        rel_root = os.path.relpath(root, repo)
        for name in files:
            rel = os.path.normpath(os.path.join(rel_root, name))
            if ".funnel-tmp" in name:
                temps.append(rel)
            elif (rel.startswith(".git" + os.sep) and name.endswith(".lock")
                  and not rel.startswith(os.path.join(".git", "funnel") + os.sep)):
                locks.append(rel)
    return temps, locks


def state_problems(env, repo):
    """The repository checks: name -> what is wrong (empty when clean)."""
    problems = {}
    status = env.git(repo, "status", "--porcelain", "--untracked-files=all", check=False)
    if status.returncode != 0:
        problems["status"] = "git status failed: " + status.stderr.strip()
    elif status.stdout.strip():
        problems["status"] = status.stdout.strip().replace("\n", "; ")
    cached = env.git(repo, "diff", "--cached", "--name-status", "HEAD", check=False)
    if cached.returncode != 0:
        problems["index"] = "git diff --cached failed: " + cached.stderr.strip()
    elif cached.stdout.strip():
        problems["index"] = cached.stdout.strip().replace("\n", "; ").replace("\t", " ")
    temps, locks = leftovers(repo)
    if temps:
        problems["temp"] = ", ".join(temps)
    if locks:
        problems["locks"] = ", ".join(locks)
    return problems


def dirty(env, repo):
    return bool(state_problems(env, repo))


def commits_since(env, repo, base):
    out = env.git(repo, "log", "--format=%s", f"{base}..HEAD", check=False)
    return [l for l in out.stdout.splitlines() if l]


def done_subject(kind, detail, subject):
    """Whether `subject` is the commit the killed command makes."""
    if kind == "add":
        return subject == f"add {detail['id']}: lead"
    if kind == "move":
        return subject.startswith(f"move {detail['id']}: ") and subject.endswith(f" -> {detail['to']}")
    if kind == "set":
        return subject == f"set {detail['id']}: {detail['line'].replace(' = ', '=').replace(chr(34), '')}"
    if kind == "rm":
        return subject == f"rm {detail['id']}"
    if kind == "rename":
        return subject == f"rename {detail['id']} -> {detail['new']}"
    return subject.startswith(f"snooze {detail['id']}: until ")


def deal_problems(env, repo, kind, detail, done, template_deals, lost):
    """Checks `deals` and `effect` against what the command did (done) or not."""
    problems = {}
    found = head_deals(env, repo)
    gone = set()
    if done and kind in ("rm", "rename"):
        gone.add(detail["id"])
    missing = [d for d in template_deals if d not in found and d not in gone]
    doubled = [f"{d} in {'+'.join(s)}" for d, s in found.items() if len(s) > 1]
    if missing:
        lost.extend(missing)
        problems["deals"] = "LOST " + ", ".join(missing)
    if doubled:
        problems["deals"] = (problems.get("deals", "") + " doubled " + ", ".join(doubled)).strip()
    deal = detail["id"]
    effect = None
    if kind == "add":
        titled = titles(env, repo, found, detail["title"])
        if done and titled != 1:
            effect = f"{titled} deals titled {detail['title']!r}, not 1"
        if not done and titled != 0:
            effect = f"{titled} deals titled {detail['title']!r} without the add's commit"
    elif kind == "move":
        where = found.get(deal, [])
        want = detail["to"] if done else template_deals[deal]
        if where != [want]:
            effect = f"{deal} is in {where or 'no stage'}, not {want}"
    elif kind == "set":
        has = detail["line"] in blob(env, repo, found, deal).splitlines()
        if has != done:
            effect = f"HEAD's {deal} {'lacks' if done else 'has'} {detail['line']!r}"
    elif kind == "rm":
        if (deal in found) == done:
            effect = f"{deal} {'still in' if done else 'missing from'} HEAD"
    elif kind == "rename":
        new_there = detail["new"] in found
        if new_there != done or (deal in found) == done:
            effect = f"{deal} in HEAD: {deal in found}, {detail['new']}: {new_there}"
    elif kind == "snooze":
        has = any(l.startswith("snooze_until") for l in blob(env, repo, found, deal).splitlines())
        if has != done:
            effect = f"HEAD's {deal} {'lacks' if done else 'has'} snooze_until"
    if effect:
        problems["effect"] = effect
    return problems


def blob(env, repo, found, deal):
    stages = found.get(deal)
    if not stages:
        return ""
    return env.git(repo, "show", f"HEAD:{stages[0]}/{deal}.toml", check=False).stdout


def titles(env, repo, found, title):
    want = f'title = "{title}"'
    return sum(1 for d in found if d.startswith("kill-trial-")
               and want in blob(env, repo, found, d).splitlines())


def normalise(line):
    """A stderr line with hashes, numbers and IDs blurred, for counting."""
    line = re.sub(r"\[[0-9a-f]{7,40}\]", "[HASH]", line)
    line = re.sub(r"\b[0-9a-f]{7,40}\b", "HASH", line)
    line = re.sub(r"/tmp/\S+", "PATH", line)
    line = re.sub(r"deal-\d\d(-r\d+)?", "ID", line)
    line = re.sub(r"kill-trial-\d+|Kill trial \d+", "NEW", line)
    line = re.sub(r"\bf\d+=v\d+", "fN=vN", line)
    line = re.sub(r"pid \d+", "pid N", line)
    return line


def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="funnel-kill-loop-")
    try:
        return run_trials(args, seed, rng, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_trials(args, seed, rng, work):
    env = Env(work, args.funnel)
    template = os.path.join(work, "template")
    deals = make_template(env, template)
    base = env.git(template, "rev-parse", "HEAD").stdout.strip()
    repo = os.path.join(work, "trial")
    durations = measure(env, template, repo, deals, args.samples)
    print(f"kill-loop: {args.trials} trials, seed {seed}, funnel {args.funnel}, "
          f"next command `funnel {args.next}`")
    print("  typical duration (median of %d): " % args.samples
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in durations.items()))

    counts = collections.Counter()
    said = collections.Counter()
    hand_fixes = []
    by_check = collections.Counter()
    lost = []
    for trial in range(1, args.trials + 1):
        kind, cmd, detail = pick(rng, trial, deals)
        fresh_copy(template, repo)
        delay = rng.uniform(0, durations[kind]) * args.delay_scale
        proc = subprocess.Popen(env.funnel_argv(cmd), cwd=repo, env=env.vars,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            mid = proc.returncode == -signal.SIGKILL
        else:
            mid = False
        counts["killed mid-command" if mid else "completed before the kill"] += 1
        was_dirty = dirty(env, repo)
        counts["dirty right after the kill"] += was_dirty

        nxt = env.funnel(repo, args.next.split())
        for line in nxt.stderr.splitlines():
            said[normalise(line)] += 1
        problems = {}
        if nxt.returncode != 0:
            problems["next"] = f"`funnel {args.next}` exited {nxt.returncode}: " + \
                " / ".join(nxt.stderr.strip().splitlines()[:2])
        problems.update(state_problems(env, repo))
        chk = env.funnel(repo, ["check"])
        if chk.returncode != 0:
            problems["check"] = f"exit {chk.returncode}: " + \
                " / ".join((chk.stdout + chk.stderr).strip().splitlines()[:3])
        subjects = commits_since(env, repo, base)
        done = len(subjects) == 1 and done_subject(kind, detail, subjects[0])
        if len(subjects) > 1 or (subjects and not done):
            problems["commits"] = "; ".join(subjects)
        trial_lost = []
        problems.update(deal_problems(env, repo, kind, detail, done, deals, trial_lost))
        counts["commit made"] += done
        if was_dirty and not problems:
            counts["recovered by the next command"] += 1

        # The retry, and the state after it.
        retry = env.funnel(repo, cmd)
        if retry.returncode != 0:
            ok = done and re.search(r"already|no deal", retry.stderr)
            if not ok:
                problems["retry"] = f"exit {retry.returncode} ({'done' if done else 'not done'}): " + \
                    " / ".join(retry.stderr.strip().splitlines()[:2])
        after = state_problems(env, repo)
        chk = env.funnel(repo, ["check"])
        if chk.returncode != 0:
            after["check"] = f"exit {chk.returncode}"
        redone = retry.returncode == 0 or done
        after.update(deal_problems(env, repo, kind, detail, redone, deals, trial_lost))
        for name, what in after.items():
            problems.setdefault("after retry: " + name, what)
        lost.extend(sorted(set(trial_lost)))

        line = (f"#{trial} `funnel {' '.join(cmd)}` "
                f"{'killed at' if mid else 'done before'} {delay * 1000:.1f} ms"
                f"{' (commit made)' if done else ''}")
        if problems:
            hand_fixes.append((line, problems))
            for name in problems:
                by_check[name] += 1
            if args.keep:
                keep = os.path.join(args.keep, f"trial-{trial}")
                shutil.rmtree(keep, ignore_errors=True)
                subprocess.run(["cp", "-a", repo, keep], check=False)
        if args.verbose:
            print(line + (": " + "; ".join(f"{k}: {v}" for k, v in problems.items())
                          if problems else ": ok"))

    print(f"  trials: {args.trials}")
    print(f"  killed mid-command: {counts['killed mid-command']}")
    print(f"  completed before the kill: {counts['completed before the kill']}")
    print(f"  commit made (killed or not): {counts['commit made']}")
    print(f"  dirty right after the kill: {counts['dirty right after the kill']}")
    print(f"  recovered by the next command: {counts['recovered by the next command']}")
    if said:
        print(f"  the next command said on stderr:")
        for line, n in said.most_common(8):
            print(f"    {n:4} x {line}")
    print(f"  hand fixes needed: {len(hand_fixes)}"
          + (" (" + ", ".join(f"{k} {n}" for k, n in by_check.most_common()) + ")"
             if by_check else ""))
    for line, problems in hand_fixes:
        print(f"    {line}")
        for name, what in problems.items():
            print(f"      {name}: {what[:200]}")
    print(f"  lost: {len(lost)}" + (" (" + ", ".join(lost) + ")" if lost else ""))
    return 1 if hand_fixes or lost else 0


if __name__ == "__main__":
    sys.exit(main())
