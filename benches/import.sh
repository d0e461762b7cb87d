#!/usr/bin/env bash
# `funnel import` of the Maven CRM sample (../shared/data/maven-crm, 8,800
# deals) with one commit per history event, measured three ways:
#
#   time   wall clock of the import (median of --runs fresh imports)   goal < 30 s
#   size   .git after the import against a copy after
#          `git gc --aggressive`                                          goal <= 2x
#   report `funnel report` cold (no cache) against
#          `git log --raw --no-renames` on the result, interleaved    (reported)
#
# Exit status 1 when a goal is missed.
#
# Usage: benches/import.sh [--runs R]   (default 3)
set -euo pipefail

crate=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
csv="$crate/../shared/data/maven-crm/sales_pipeline.csv"
if [ ! -f "$csv" ]; then
    echo "skipping: ../shared not found"
    exit 0
fi
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--runs R]" >&2; exit 2 ;;
    esac
done

echo "building funnel (release)..."
(cd "$crate" && cargo build --release --quiet --bin funnel)
target=$(cd "$crate" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
funnel="$target/release/funnel"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 TZ=UTC LANG=C
mkdir -p "$HOME"
git config --global user.name "Importer"
git config --global user.email "importer@example.com"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

import() {
    rm -rf "$work/maven"
    "$funnel" init "$work/maven" --at 2016-01-01 >/dev/null 2>&1
    cd "$work/maven"
    "$funnel" --today 2017-12-31 import "$csv" --map opportunity_id=id --map sales_agent=owner \
        --map product=product --map account=account --map close_value=value --map deal_stage=stage \
        --map engage_date=entered:Engaging --map close_date=close_date --stage-map Prospecting=lead \
        --stage-map Engaging=contact --stage-map Won=won --stage-map Lost=lost --at 2017-12-31
    cd "$work"
}

times=()
for _ in $(seq "$runs"); do
    sync
    times+=("$(seconds import)")
done
time_median=$(printf '%s\n' "${times[@]}" | median)
commits=$(git -C "$work/maven" rev-list --count HEAD)
echo "import: $commits commits; wall ${times[*]} s; median $time_median s (goal < 30 s)"

size=$(du -sk "$work/maven/.git" | cut -f1)
cp -a "$work/maven" "$work/gc"
git -C "$work/gc" gc --aggressive --quiet
gc_size=$(du -sk "$work/gc/.git" | cut -f1)
ratio=$(echo "scale=2; $size / $gc_size" | bc)
echo ".git: $size KiB after import, $gc_size KiB after gc --aggressive: ${ratio}x (goal <= 2x)"

cd "$work/maven"
report=() log=()
for _ in $(seq "$runs"); do
    log+=("$(seconds git log --raw --no-renames --format=%H%x09%at)")
    rm -rf .git/funnel
    report+=("$(seconds "$funnel" report --today 2017-12-31 --since 2016-01-01 --until 2017-12-31)")
done
r=$(printf '%s\n' "${report[@]}" | median)
l=$(printf '%s\n' "${log[@]}" | median)
echo "report cold: ${report[*]} s (median $r); git log --raw --no-renames: ${log[*]} s (median $l); $(echo "scale=2; $r / $l" | bc)x"

status=0
[ "$(echo "$time_median < 30" | bc)" = 1 ] || { echo "MISSED: import time"; status=1; }
[ "$(echo "$ratio <= 2" | bc)" = 1 ] || { echo "MISSED: .git size"; status=1; }
exit $status
