#!/usr/bin/env bash
# benches/kill-loop.sh: SIGKILL funnel's mutating commands at random points
# and check that the next ordinary command leaves nothing to fix by hand.
#
# For N trials (default 200) it copies a prepared ~50-deal pipeline, starts a
# random mutating command (add, move, set, rm, rename, snooze), SIGKILLs its
# process group after a delay drawn uniformly from 0 .. that command's
# measured typical duration, runs one ordinary funnel command (`list` unless
# --next says otherwise), then checks with no hand fix: clean `git status`,
# index equal to HEAD, no *.funnel-tmp, no stale git lock, `funnel check`
# exit 0, no deal lost or doubled, and that retrying the killed command
# succeeds or says "already"/"no deal" consistently with HEAD.
#
# It prints the counts (trials, killed mid-command, completed before the
# kill, recovered by the next command and what it said, hand fixes needed
# with the failing checks per trial, lost: N) and exits 1 when any hand fix
# was needed or any deal was lost.
#
# Needs git, python3 and a funnel binary: $FUNNEL, default
# target/release/funnel (built with cargo when missing).
#
#   benches/kill-loop.sh                 200 trials, random seed
#   benches/kill-loop.sh -n 50 --seed 7  50 trials, reproducible
#   FUNNEL=target/debug/funnel benches/kill-loop.sh --keep /tmp/kept
#
# The trials themselves are in kill-loop.py (`--help` lists the options).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"

if [[ -n "${FUNNEL:-}" ]]; then
    funnel="$FUNNEL"
    if [[ ! -x "$funnel" ]]; then
        echo "benches/kill-loop.sh: FUNNEL=$funnel is not an executable" >&2
        exit 2
    fi
else
    funnel="$crate/target/release/funnel"
    if [[ ! -x "$funnel" ]]; then
        echo "building the release binary ..." >&2
        (cd "$crate" && cargo build --release --quiet)
    fi
fi

funnel="$(cd "$(dirname "$funnel")" && pwd)/$(basename "$funnel")"
exec python3 "$here/kill-loop.py" --funnel "$funnel" "$@"
