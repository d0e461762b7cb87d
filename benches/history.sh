#!/usr/bin/env bash
# The history engine against `git log --raw --no-renames`, timed in the same
# run on the large generated pipeline (../shared/bench/gen-pipeline.py):
#
#   cold  no cache: every commit read and diffed          goal <= 0.8x git log
#   warm  the caches from before 100 new commits          goal <= 0.02x git log
#
# both for the history engine alone (examples/history-bench.rs) and for the
# whole `funnel report` (loading every deal, the history and every metric).
#
# Each figure is the median of --runs runs (wall clock, whole process);
# git log, cold and warm runs are interleaved so load on the machine hits
# them alike. Exit status 1 when a goal is missed.
#
# Usage: benches/history.sh [--deals N] [--days D] [--runs R]
#        (defaults: 20000 deals over 1460 days, about 100,000 commits; 3 runs)
set -euo pipefail

crate=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
generator="$crate/../shared/bench/gen-pipeline.py"
if [ ! -f "$generator" ]; then
    echo "skipping: ../shared not found"
    exit 0
fi

deals=20000
days=1460
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --deals) deals=$2; shift 2 ;;
        --days) days=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--deals N] [--days D] [--runs R]" >&2; exit 2 ;;
    esac
done

echo "building funnel and the history-bench example (release)..."
(cd "$crate" && cargo build --release --quiet --example history-bench --bin funnel)
target=$(cd "$crate" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bench="$target/release/examples/history-bench"
funnel="$target/release/funnel"

# git with no user or system configuration (after cargo, which needs HOME).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 TZ=UTC LANG=C
mkdir -p "$HOME"

repo="$work/pipeline"
echo "generating $deals deals over $days days..."
python3 "$generator" "$repo" --deals "$deals" --days "$days"
cd "$repo"

# The caches as they are before 100 new commits: what a warm load starts
# from (the history cache, and the parsed deals a previous report kept; the
# generator finished long enough ago for its files to count as settled).
"$bench" . >/dev/null
"$funnel" report --today 2030-01-01 --last 365d >/dev/null
cp -r .git/funnel "$work/cache-before"

# 100 new commits, each moving an open deal one stage on.
python3 - "$work/stream" <<'EOF'
import subprocess, sys
git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, check=True).stdout
stages = ["lead", "qualified", "contact", "proposal", "negotiation", "won"]
moves = []
for here, there in zip(stages, stages[1:]):
    for line in git("ls-tree", "HEAD", here + "/").splitlines():
        mode, _, blob, path = line.split(None, 3)
        if path.endswith(".toml") and len(moves) < 100:
            moves.append((mode, blob, path, there + "/" + path.split("/", 1)[1]))
t = int(git("log", "-1", "--format=%at"))
with open(sys.argv[1], "w") as out:
    for n, (mode, blob, old, new) in enumerate(moves):
        msg = f"move {old} -> {new}\n"
        out.write(f"commit refs/heads/main\nauthor Bench <bench@example.com> {t + 3600 * (n + 1)} +0000\n"
                  f"committer Bench <bench@example.com> {t + 3600 * (n + 1)} +0000\n"
                  f"data {len(msg.encode())}\n{msg}")
        if n == 0:
            out.write("from refs/heads/main^0\n")
        out.write(f"D {old}\nM {mode} {blob} {new}\n\n")
EOF
git fast-import --quiet <"$work/stream"
commits=$(git rev-list --count HEAD)

seconds() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null
    local end=$EPOCHREALTIME
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# The caches are set up before each timed run, not inside it (copying
# them back took ~25 ms of a ~300 ms warm report at 20,000 deals).
none() { rm -rf .git/funnel; }
before() { rm -rf .git/funnel; cp -r "$work/cache-before" .git/funnel; sync; }
walk() { "$bench" .; }
report() { "$funnel" report --today 2030-01-01 --last 365d; }

git log --raw --no-renames --format=%H%x09%at >/dev/null # fill the page cache
: >"$work/log"; : >"$work/cold"; : >"$work/warm"; : >"$work/rcold"; : >"$work/rwarm"
for _ in $(seq "$runs"); do
    seconds git log --raw --no-renames --format=%H%x09%at >>"$work/log"
    none; seconds walk >>"$work/cold"
    before; seconds walk >>"$work/warm"
    none; seconds report >>"$work/rcold"
    before; seconds report >>"$work/rwarm"
done
log=$(median <"$work/log")
cold_s=$(median <"$work/cold")
warm_s=$(median <"$work/warm")
rcold_s=$(median <"$work/rcold")
rwarm_s=$(median <"$work/rwarm")
before; summary=$(walk)

awk -v log_s="$log" -v cold="$cold_s" -v warm="$warm_s" -v commits="$commits" \
    -v rcold="$rcold_s" -v rwarm="$rwarm_s" \
    -v summary="$summary" -v runs="$runs" 'BEGIN {
    printf "\n%s commits (the last 100 new for the warm load); %s\n", commits, summary
    printf "median of %d runs, wall clock:\n", runs
    printf "  git log --raw --no-renames  %8.3f s\n", log_s
    c = cold / log_s; w = warm / log_s
    printf "  history, cold (no cache)    %8.3f s  %6.3fx git log  (goal <= 0.8x)  %s\n", cold, c, (c <= 0.8 ? "ok" : "MISSED")
    printf "  history, warm (+100 new)    %8.3f s  %6.3fx git log  (goal <= 0.02x) %s\n", warm, w, (w <= 0.02 ? "ok" : "MISSED")
    rc = rcold / log_s; rw = rwarm / log_s
    printf "  funnel report, cold         %8.3f s  %6.3fx git log  (goal <= 0.8x)  %s\n", rcold, rc, (rc <= 0.8 ? "ok" : "MISSED")
    printf "  funnel report, warm         %8.3f s  %6.3fx git log  (goal <= 0.02x) %s\n", rwarm, rw, (rw <= 0.02 ? "ok" : "MISSED")
    exit (c <= 0.8 && w <= 0.02 && rc <= 0.8 && rw <= 0.02) ? 0 : 1
}'
