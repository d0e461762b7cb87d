#!/usr/bin/env bash
# benches/dashboard.sh: `funnel dashboard` against `funnel report` on a big
# pipeline, warm, in one run; and the size of the page.
#
#   benches/dashboard.sh [REPO]
#
# REPO is a pipeline repository; by default ../bench-keep/deals-20000 beside
# the crate when it is there, else a 20,000-deal one generated with
# ../shared/bench/gen-pipeline.py (about two minutes). REPO is never written:
# the script works on a copy (`cp -a`), since funnel keeps its caches under
# .git/funnel/.
#
# Measured, after one warm-up run of each (so the caches and the page cache
# are warm), with the runs of the two commands alternating so that load on
# the machine hits both alike, the median of BENCH_RUNS (default 5):
#
#   report     `funnel report --today LAST --last 365d` (LAST: the latest
#              author date), the table to /dev/null
#   dashboard  `funnel dashboard` with the same options, the page written to a file
#
# Goals (issue 9): the dashboard within 2x of the report; the page under
# 2 MB. This is a benchmark, not a test: it prints the numbers and exits 0
# whatever they are (non-zero only when something fails to run).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
runs=${BENCH_RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

repo=${1:-}
if [[ -z "$repo" && -d "$crate/../bench-keep/deals-20000" ]]; then
    repo="$crate/../bench-keep/deals-20000"
fi
if [[ -z "$repo" ]]; then
    gen="$crate/../shared/bench/gen-pipeline.py"
    if [[ ! -f "$gen" ]]; then
        echo "benches/dashboard.sh: skipped: no REPO given and the generator $gen is missing"
        exit 0
    fi
    echo "generating a 20,000-deal pipeline ..."
    python3 "$gen" "$work/generated" --deals 20000 --days 1460 >/dev/null
    repo="$work/generated"
fi

echo "building the release binary ..."
(cd "$crate" && cargo build --release --quiet)
funnel="$crate/target/release/funnel"

cp -a "$repo" "$work/repo"
cd "$work/repo"
page="$work/dashboard.html"
# The year up to the latest author date, so the window holds the
# history's activity (generated histories may run past today).
today=$(git log --format=%ad --date=short | sort | tail -1)

seconds() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    local end=$EPOCHREALTIME
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
report() { "$funnel" --today "$today" report --last 365d; }
dashboard() { "$funnel" --today "$today" dashboard --last 365d -o "$page"; }

report >/dev/null 2>&1
dashboard >/dev/null 2>&1
: >"$work/report"; : >"$work/dashboard"
for _ in $(seq "$runs"); do
    seconds report >>"$work/report"
    seconds dashboard >>"$work/dashboard"
done
report_s=$(median <"$work/report")
dashboard_s=$(median <"$work/dashboard")
bytes=$(wc -c <"$page")
deals=$(find . -mindepth 2 -maxdepth 2 -name '*.toml' | wc -l)

awk -v r="$report_s" -v d="$dashboard_s" -v bytes="$bytes" -v deals="$deals" \
    -v runs="$runs" -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" 'BEGIN {
    printf "\n%d deals; load average %s; median of %d runs, warm, wall clock:\n", deals, load, runs
    printf "  funnel report      %8.3f s\n", r
    ratio = d / r
    printf "  funnel dashboard   %8.3f s  %5.2fx report  (goal <= 2x)   %s\n", d, ratio, (ratio <= 2 ? "ok" : "MISSED")
    mb = bytes / 1048576
    printf "  dashboard.html     %8d bytes (%.2f MB)      (goal < 2 MB) %s\n", bytes, mb, (mb < 2 ? "ok" : "MISSED")
}'
