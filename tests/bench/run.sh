#!/usr/bin/env bash
# tests/bench/run.sh: `make bench`. Runs every tests/bench/bench_*.sh in turn
# and prints their reports. A missed target is reported by the bench itself,
# never a failed command; a bench that cannot run at all (a tool missing, a
# server that does not start) makes this script exit non-zero.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
rc=0
for b in tests/bench/bench_*.sh; do
    [ -e "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    if ! bash "$b"; then
        echo "bench: $(basename "$b") could not run" >&2
        rc=1
    fi
done
exit $rc
