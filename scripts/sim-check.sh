#!/usr/bin/env bash
# The simulator's part of CI: many seeds under all faults with a
# determinism check, and proof that a planted bug is found and that the
# printed replay command reproduces it exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SIM_SEEDS:-100}"
sim() { cargo run -q -p guocedb-sim -- "$@"; }

# Every seed runs twice: both runs must pass and give the same hash.
sim --seeds "0..$SEEDS" --faults all --check-determinism

# A planted bug (commits acknowledged before they are synced) must be found
# within 50 seeds ...
out="$(sim --seeds 0..50 --faults all --plant ack-before-sync --expect-failure)" || {
    echo "$out"
    echo "sim-check: the planted bug was not found in 50 seeds" >&2
    exit 1
}
echo "$out" | grep -E "FAILED|problem: list-append|replay:" | head -5
replay="$(echo "$out" | sed -n 's/^  replay: //p' | head -1)"
hash="$(echo "$out" | sed -n 's/^seed [0-9]*: FAILED hash=\([0-9a-f]*\).*/\1/p' | head -1)"
[ -n "$replay" ] && [ -n "$hash" ] || { echo "sim-check: no replay command printed" >&2; exit 1; }
# ... and its replay command must fail the same way, with the same hash.
again="$(eval "${replay/cargo run -p/cargo run -q -p}" || true)"
echo "$again" | grep -q "FAILED hash=$hash" || {
    echo "$again"
    echo "sim-check: replaying '$replay' did not reproduce hash $hash" >&2
    exit 1
}
echo "sim-check: planted bug found and replayed exactly ($replay)"
