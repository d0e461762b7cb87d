#!/usr/bin/env bash
# benches/load.sh: how fast funnel loads and changes a big pipeline.
#
# For 20,000 and 100,000 deals it builds a pipeline repository with
# ../../shared/bench/gen-pipeline.py (real history from `git fast-import`) and
# measures, in this one run, the median of 5 runs after a warm-up run (so the
# page cache is warm):
#
#   (a) loading: `funnel -C DIR list --all --format json > /dev/null`
#       against reading every deal file with
#       `find DIR -mindepth 2 -maxdepth 2 -name '*.toml' -print0 | xargs -0 cat`.
#       Goal: 0.5 s at 100,000 deals. The ratio to cat is printed beside it.
#   (b) a move: `funnel -C DIR move ID qualified` against
#       `git mv lead/ID.toml qualified/ID.toml && git commit -q -m MSG`
#       in the same repository, runs alternating, each on a different deal
#       of the same size, so every run does real work.
#       Goal: funnel within 1.5x of git.
#
# The generator's cost grows faster than linearly (fast-import writes a
# stage's whole tree again on every commit: 4,000 deals take 8 s, 20,000
# about two minutes, 100,000 did not finish in half an hour on 2 CPUs). So by
# default the 100,000-deal pipeline is the generated 20,000-deal one (its
# ~107,000 commits of history) with every deal file copied four more times
# under new IDs (ID-r1 ... ID-r4) in one more commit: the same files, folders,
# index and tree sizes a real 100,000-deal pipeline has. BENCH_FULL=1
# generates 100,000 deals directly instead.
#
# Times are wall clock on a shared machine: the load average is printed, and
# the ratios (both sides timed alternately in the same run) are the figures
# to compare between runs.
#
# Environment:
#   BENCH_SIZES="20000 100000"  the deal counts to measure
#   BENCH_RUNS=5                timed runs per measurement (median reported)
#   BENCH_FULL=1                generate every size directly (slow at 100k)
#   BENCH_KEEP=DIR              keep generated pipelines in DIR and reuse them
#                               (each is reset to its generated state first)
#
# This is a benchmark, not a test: it prints numbers and exits 0 whatever
# they are (non-zero only when something fails to run).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
gen="$crate/../shared/bench/gen-pipeline.py"

if [[ ! -f "$gen" ]]; then
    echo "benches/load.sh: skipped: the pipeline generator $gen is missing"
    exit 0
fi

sizes=(${BENCH_SIZES:-20000 100000})
runs=${BENCH_RUNS:-5}
days=1460   # four years of history: ~5 commits per deal

echo "building the release binary ..."
(cd "$crate" && cargo build --release --quiet)
funnel="$crate/target/release/funnel"

work="$(mktemp -d "${TMPDIR:-/tmp}/funnel-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
store="${BENCH_KEEP:-$work/pipelines}"
mkdir -p "$store"

# A clean git identity: no user or system config gets in, commits work.
export HOME="$work/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
git config --global user.name "Bench Mark"
git config --global user.email "bench@example.com"
git config --global gc.auto 0        # no background gc in the middle of a timing
export GIT_AUTHOR_NAME="Bench Mark" GIT_AUTHOR_EMAIL="bench@example.com"
export GIT_COMMITTER_NAME="Bench Mark" GIT_COMMITTER_EMAIL="bench@example.com"

now() { date +%s.%N; }

# seconds COMMAND...: wall-clock seconds the command took (its output dropped;
# its stderr shown, and the script stopped, when it fails).
seconds() {
    local start end
    start=$(now)
    if ! "$@" > /dev/null 2> "$work/stderr"; then
        echo "failed: $*" >&2
        cat "$work/stderr" >&2
        return 1
    fi
    end=$(now)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
fmt() { printf '%.3f' "$1"; }

# pipeline N: prints the path of a pipeline with N deals, in its generated
# state (building it, or resetting a kept one).
pipeline() {
    local n=$1 dir="$store/deals-$1"
    if [[ -f "$dir/.git/bench-base" ]]; then
        git -C "$dir" reset -q --hard "$(cat "$dir/.git/bench-base")"
        git -C "$dir" clean -q -fd
    else
        rm -rf "$dir"
        if [[ $n -le 20000 || -n "${BENCH_FULL:-}" ]]; then
            echo "generating $n deals over $days days ..." >&2
            python3 "$gen" "$dir" --deals "$n" --days "$days" >&2
        else
            local copies=$(( (n + 19999) / 20000 ))
            local base
            base="$(pipeline 20000)"
            echo "building $n deals: the 20000-deal pipeline x $copies ..." >&2
            git clone -q --no-local "$base" "$dir"
            python3 - "$dir" "$copies" <<'PY'
import glob, os, shutil, sys
root, copies = sys.argv[1], int(sys.argv[2])
for path in glob.glob(os.path.join(root, "*", "*.toml")):
    for k in range(1, copies):
        shutil.copyfile(path, f"{path[:-5]}-r{k}.toml")
PY
            git -C "$dir" add -A
            git -C "$dir" commit -q -m "copy every deal $((copies - 1)) more times"
        fi
        git -C "$dir" rev-parse HEAD > "$dir/.git/bench-base"
    fi
    echo "$dir"
}

list_funnel() { "$funnel" -C "$1" list --all --format json; }
list_cat() { find "$1" -mindepth 2 -maxdepth 2 -name '*.toml' -print0 | xargs -0 cat; }
move_funnel() { "$funnel" -C "$1" move "$2" qualified; }
move_git() { git -C "$1" mv "lead/$2.toml" "qualified/$2.toml" && git -C "$1" commit -q -m "move $2: lead -> qualified"; }

echo
echo "funnel $("$funnel" --version | awk '{print $2}') on $(nproc) CPUs" \
    "(load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown));" \
    "median of $runs runs after a warm-up"
declare -A summary
for n in "${sizes[@]}"; do
    dir="$(pipeline "$n")"
    deals=$(find "$dir" -mindepth 2 -maxdepth 2 -name '*.toml' | wc -l)
    commits=$(git -C "$dir" rev-list --count HEAD)
    echo
    echo "== $deals deals, $commits commits ($dir)"

    # (a) loading
    list_funnel "$dir" > /dev/null
    list_cat "$dir" > /dev/null
    f=() c=()
    for _ in $(seq "$runs"); do
        f+=("$(seconds list_funnel "$dir")")
        c+=("$(seconds list_cat "$dir")")
    done
    fl=$(median "${f[@]}") cl=$(median "${c[@]}")
    echo "list --all --format json  $(fmt "$fl") s"
    echo "find | xargs cat          $(fmt "$cl") s"
    echo "ratio funnel / cat        $(ratio "$fl" "$cl")x"

    # (b) a move: distinct deals of the lead stage, one per run (+1 warm-up each)
    mapfile -t ids < <(cd "$dir/lead" && ls | sed -n 's/\.toml$//p' | head -n $((2 * (runs + 1))))
    if [[ ${#ids[@]} -lt $((2 * (runs + 1))) ]]; then
        echo "move: too few deals in lead/ (${#ids[@]}), skipped"
        continue
    fi
    f=() g=()
    for i in $(seq 0 "$runs"); do
        tf=$(seconds move_funnel "$dir" "${ids[2 * i]}")
        tg=$(seconds move_git "$dir" "${ids[2 * i + 1]}")
        if [[ $i -gt 0 ]]; then f+=("$tf") g+=("$tg"); fi
    done
    fm=$(median "${f[@]}") gm=$(median "${g[@]}")
    echo "funnel move               $(fmt "$fm") s"
    echo "git mv + git commit       $(fmt "$gm") s"
    echo "ratio funnel / git        $(ratio "$fm" "$gm")x"
    summary[$n]="list $(fmt "$fl") s ($(ratio "$fl" "$cl")x cat), move $(ratio "$fm" "$gm")x git"
    last_list=$fl last_move_ratio=$(ratio "$fm" "$gm") last_n=$deals
done

echo
echo "== goals"
for n in "${sizes[@]}"; do
    if [[ -n "${summary[$n]:-}" ]]; then
        echo "$n deals: ${summary[$n]}"
    fi
done
if [[ -n "${last_list:-}" ]]; then
    verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "met" : "MISSED") }'; }
    note=""
    if [[ $last_n -lt 100000 ]]; then note="  (the goal is for 100,000 deals)"; fi
    echo "load $last_n deals in <= 0.5 s:   $(fmt "$last_list") s  $(verdict "$last_list" 0.5)$note"
    echo "move within 1.5x of git:        ${last_move_ratio}x  $(verdict "$last_move_ratio" 1.5)"
fi
