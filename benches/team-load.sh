#!/usr/bin/env bash
# benches/team-load.sh: the team load test (tests/it/team_load.rs).
#
# 20 clones of one bare remote each make 25 changes (10 new deals, 5 lost,
# 10 value changes, each with its own author time) and run `funnel sync`
# after every fifth, all 20 at once; a sync that finds the remote moved
# before its push fetches, rebases and pushes again (up to --retries), and
# the test runs a sync again when it gave up. Afterwards the remote must
# hold all 500 changes exactly once, the history engine must attribute each
# stage entry to its author at its author time, and `check` must be clean.
#
# Ignored in `cargo test` (it starts some 2,000 git and funnel processes:
# well over a minute on 2 shared cores); this script runs it in a release
# build and prints its wall time and retries, with the load average (the
# machine is shared: compare runs with that in mind).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo test --release --test it team_load -- --ignored --nocapture 2>&1 |
    grep -E "team load:|test result|panicked|assert" || true
