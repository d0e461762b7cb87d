#!/usr/bin/env bash
# benches/completion.sh PIPELINE [FUNNEL]: how fast shell completion answers
# on a big pipeline (issue 13's goal: under 100 ms on 20,000 deals, so that
# TAB feels instant).
#
# In this one run, after a warm-up of each (warm page cache and deal
# cache), it times alternately, BENCH_RUNS times (default 7), and prints
# the median of each in milliseconds with its ratio to the reference:
#
#   reference  `ls STAGE...` of the pipeline's stage folders: listing the
#              folders, the least any completion of deal IDs must do
#   ids        `funnel move dunder-<TAB>` (bash protocol): deal IDs
#   stages     `funnel move ID <TAB>`: stages (funnel.toml only)
#   owners     `funnel list owner:<TAB>`: owners, from the deal cache
#   fields     `funnel set ID <TAB>`: every field, custom ones from the
#              deal cache
#
# PIPELINE is written to (the deal cache lives in its .git/funnel): give a
# copy of /work/bench-keep/deals-20000 (`cp -a`), never the original.
# FUNNEL defaults to target/release/funnel. A benchmark, not a test: it
# prints numbers and exits 0 whatever they are.
set -euo pipefail
dir=${1:?usage: benches/completion.sh PIPELINE [FUNNEL]}
funnel=$(realpath "${2:-target/release/funnel}")
runs=${BENCH_RUNS:-7}
cd "$dir"
stages=$(sed -n 's/^id = "\(.*\)".*/\1/p' funnel.toml | tr '\n' ' ')
first=$(ls lead | head -1)
first=${first%.toml}

complete() { # INDEX WORDS...
    local index=$1
    shift
    COMPLETE=bash _CLAP_COMPLETE_INDEX=$index _CLAP_IFS=$'\n' "$funnel" -- "$@"
}
declare -A cmd=(
    [reference]="ls $stages"
    [ids]="complete 2 funnel move dunder-"
    [stages]="complete 3 funnel move $first ''"
    [owners]="complete 2 funnel list owner:"
    [fields]="complete 3 funnel set $first ''"
)
order=(reference ids stages owners fields)
ms() { # COMMAND: wall time in ms
    local start end
    start=$(date +%s%N)
    eval "$1" > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
declare -A times
for name in "${order[@]}"; do
    eval "${cmd[$name]}" > /dev/null # warm-up
    times[$name]=""
done
echo "candidates: ids $(eval "${cmd[ids]}" | wc -l), owners $(eval "${cmd[owners]}" | wc -l), fields $(eval "${cmd[fields]}" | wc -l)"
for _ in $(seq "$runs"); do
    for name in "${order[@]}"; do
        times[$name]+="$(ms "${cmd[$name]}") "
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ref=$(echo "${times[reference]}" | median)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${order[@]}"; do
    m=$(echo "${times[$name]}" | median)
    printf '%-10s median %4d ms  (%s)  ratio to reference %s\n' "$name" "$m" "${times[$name]% }" \
        "$(awk -v a="$m" -v b="$ref" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }')"
done
