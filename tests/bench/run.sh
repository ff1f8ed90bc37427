#!/usr/bin/env bash
# tests/bench/run.sh: `make bench`. Runs tests/bench/bench.sh, the whole
# matrix in one run and one table (see its header). A missed target is
# reported by the bench itself, never a failed command; a bench that cannot
# run at all (a tool missing, a server that does not start or dies, wrong
# status codes) makes this script exit non-zero.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
exec bash tests/bench/bench.sh
