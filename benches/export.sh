#!/usr/bin/env bash
# benches/export.sh: `funnel export --format xlsx` against `funnel report`
# on the same 20,000-deal repository, warm, in this one run.
#
# Goal (issue 9): the export within 2x of the report. Both read the whole
# pipeline and its history; the export also reads every committed version
# of every deal file (the field-change log) and writes the workbook.
#
# The repository is copied first (funnel keeps caches under .git/funnel/,
# and the one given may be read-only): BENCH_REPO names it, by default the
# generated 20,000-deal pipeline at ../../bench-keep/deals-20000 (make one
# with ../../shared/bench/gen-pipeline.py, see its README). Each command
# runs once to warm the caches, then BENCH_RUNS times (5) alternately; the
# medians and their ratio are printed, with the workbook's size.
#
# This is a benchmark, not a test: it prints numbers and exits 0 whatever
# they are (non-zero only when something fails to run).
set -euo pipefail
crate=$(cd "$(dirname "$0")/.." && pwd)
source_repo=${BENCH_REPO:-$crate/../bench-keep/deals-20000}
runs=${BENCH_RUNS:-5}
[ -d "$source_repo/.git" ] || { echo "no repository at $source_repo: set BENCH_REPO" >&2; exit 1; }

(cd "$crate" && cargo build --release -q)
target=$(cd "$crate" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
funnel="$target/release/funnel"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$source_repo" "$work/pipeline"
cd "$work/pipeline"
export TZ=UTC LANG=C

today=$(git log -1 --format=%ad --date=short)
report() { "$funnel" --today "$today" report >/dev/null 2>&1; }
export_xlsx() { "$funnel" --today "$today" export -o "$work/pipeline.xlsx" >/dev/null 2>&1; }

# Warm: the caches written, the files in the page cache.
report
export_xlsx

seconds() { local start end; start=$(date +%s.%N); "$@"; end=$(date +%s.%N); echo "$end - $start" | bc; }
r=(); e=()
for _ in $(seq "$runs"); do
    r+=("$(seconds report)")
    e+=("$(seconds export_xlsx)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mr=$(median "${r[@]}")
me=$(median "${e[@]}")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "deals: $(find . -mindepth 2 -maxdepth 2 -name '*.toml' -not -path './.git/*' | wc -l), commits: $(git rev-list --count HEAD)"
echo "report:        median ${mr}s  (runs: ${r[*]})"
echo "export xlsx:   median ${me}s  (runs: ${e[*]})"
echo "ratio export/report: $(echo "scale=2; $me / $mr" | bc)  (goal: 2 or less)"
echo "workbook: $(stat -c %s "$work/pipeline.xlsx") bytes"
