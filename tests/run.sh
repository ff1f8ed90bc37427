#!/usr/bin/env bash
# tests/run.sh: every test of `make test`, on throw-away servers.
#
#   1. start a private PostgreSQL, Redis and s3rver on free ports in a fresh
#      folder under build/ (never the `make run` data in ./var);
#   2. the include checker (scripts/layers.sh) over the tree and over its
#      fixtures, which it must reject; then cmocka unit tests of the debug
#      build, then of the ASan+UBSan build;
#   3. fuzz smoke runs (a few seconds per target) when clang's libFuzzer is there;
#   4. integration tests (node's test runner over real HTTP) against the
#      ASan+UBSan adserverd, which each test file starts on its own ports;
#   5. stop everything started here, also on failure or Ctrl-C;
#   6. print one line "N passed, N failed, N skipped" counting test cases
#      across the whole run; exit non-zero when anything failed.
#
# Environment: TEST_FILTER (substring of integration test file names),
# FUZZ_SMOKE_SECONDS (default 5), KEEP_VAR=1 (leave the servers' folder),
# DEBUG_OUT / ASAN_OUT (build folders, default build/debug and build/asan),
# SKIP_UNIT=1, SKIP_FUZZ=1 (integration tests only, while developing).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
mkdir -p build
VAR=$(mktemp -d "$ROOT/build/test-var.XXXXXX")
LOGS="$VAR/logs"
mkdir -p "$LOGS"
PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    bash scripts/svc.sh clean "$VAR" >/dev/null 2>&1 || bash scripts/svc.sh stop "$VAR" || true
    if [ "${KEEP_VAR:-0}" != 1 ]; then rm -rf "$VAR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

section() { printf '\n== %s\n' "$*"; }

section "servers"
if ! bash scripts/svc.sh start --test "$VAR" pg redis s3; then
    echo "could not start the test servers" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck disable=SC1091
. "$VAR/env.sh"
export ROOT VAR

section "schema"
if ! JWT_SECRET=migrate "${DEBUG_OUT:-build/debug}/bin/adserverd" migrate 2>&1 | sed 's/^/  /'; then
    echo "migrations failed" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# Count one cmocka binary's results from its summary lines.
run_cmocka() {
    local bin=$1 label=$2 out rc p f s
    out=$("$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed "s|^|  [$label] |"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed.*/\1/p' | tail -1)
    s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed.*/\1/p' | tail -1)
    p=${p:-0} f=${f:-0} s=${s:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or failed before its summary
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    if [ "$f" -gt 0 ]; then FAILED_NAMES+=("$label $(basename "$bin")"); fi
}

# The include checker, one counted test: the tree must pass, and each
# fixture under tests/fixtures/layers/ (an up-edge, a cycle, a sibling
# include, an unknown folder, a reach into another program, an include of
# a file that does not exist) must fail with
# its own message while the clean fixture passes.
run_layers() {
    local ok=1 out name want
    if out=$(bash scripts/layers.sh --graph 2>&1); then
        printf '%s\n' "$out" | sed 's/^/  /'
    else
        printf '%s\n' "$out" | sed 's/^/  /'
        ok=0
    fi
    for name in up cycle sibling unknown program missing good; do
        case $name in
        up) want="points up" ;;
        cycle) want="cycle: db/a -> db/b -> db/c -> db/a" ;;
        sibling) want="joins siblings" ;;
        unknown) want="is not in the layer table" ;;
        program) want="reaches into another program" ;;
        missing) want="names no file of the tree" ;;
        good) want="layers: ok" ;;
        esac
        out=$(bash scripts/layers.sh "tests/fixtures/layers/$name" 2>&1)
        rc=$?
        if { [ "$name" = good ] && [ "$rc" -eq 0 ]; } || { [ "$name" != good ] && [ "$rc" -eq 1 ]; } &&
            printf '%s\n' "$out" | grep -qF -- "$want"; then
            echo "  ok   fixture $name: $(printf '%s\n' "$out" | head -1)"
        else
            echo "  FAIL fixture $name (exit $rc, wanted \"$want\"):"
            printf '%s\n' "$out" | sed 's/^/    /'
            ok=0
        fi
    done
    if [ "$ok" = 1 ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("include checker")
    fi
}

section "include checker"
run_layers

DEBUG_OUT=${DEBUG_OUT:-build/debug}
ASAN_OUT=${ASAN_OUT:-build/asan}
for build in debug asan; do
    [ "${SKIP_UNIT:-0}" = 1 ] && break
    section "unit tests ($build build)"
    out=$DEBUG_OUT
    [ "$build" = asan ] && out=$ASAN_OUT
    for t in "$out"/tests/test_*; do
        [ -x "$t" ] || continue
        FIXTURES_DIR="$ROOT/tests/fixtures" run_cmocka "$t" "$build"
    done
done

section "fuzz smoke"
if [ "${SKIP_FUZZ:-0}" = 1 ]; then
    echo "  skipped (SKIP_FUZZ=1)"
elif make --no-print-directory fuzz-build >"$LOGS/fuzz-build.log" 2>&1; then
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        name=${f##*/fuzz_}
        seeds=""
        [ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
        if [ "$name" = sniff ]; then seeds="$seeds tests/fixtures/media"; fi
        mkdir -p "$VAR/corpus-$name"
        if "$f" -max_total_time="${FUZZ_SMOKE_SECONDS:-5}" -print_final_stats=1 "$VAR/corpus-$name" \
            $seeds >"$LOGS/fuzz-$name.log" 2>&1; then
            echo "  ok   fuzz_$name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$LOGS/fuzz-$name.log" | awk '{print $2}') runs)"
            PASSED=$((PASSED + 1))
        else
            echo "  FAIL fuzz_$name"
            tail -30 "$LOGS/fuzz-$name.log" | sed 's/^/    /'
            FAILED=$((FAILED + 1))
            FAILED_NAMES+=("fuzz_$name")
        fi
    done
else
    echo "  fuzz targets did not build:"
    tail -20 "$LOGS/fuzz-build.log" | sed 's/^/    /'
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("fuzz build")
fi

section "integration tests (ASan+UBSan adserverd)"
export ADSERVERD_BIN="$ROOT/$ASAN_OUT/bin/adserverd"
export CTVCTL_BIN="$ROOT/$ASAN_OUT/bin/ctvctl"
export CTVTUI_BIN="$ROOT/$ASAN_OUT/bin/ctvtui"
export SHARED_DIR="${SHARED_DIR:-$ROOT/../shared}"
files=()
for f in tests/integration/t*.test.mjs; do
    case "$f" in *"${TEST_FILTER:-}"*) files+=("$f") ;; esac
done
if [ "${#files[@]}" -gt 0 ]; then
    node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" >"$LOGS/integration.tap" 2>&1
    rc=$?
    # Show failures in full and a line per passing test.
    grep -E '^(not ok|ok) |^# Subtest' "$LOGS/integration.tap" | grep -v '^# Subtest' | sed 's/^/  /'
    # What the tests measured (their console.log lines starting with "# ").
    grep -E '^# \\# ' "$LOGS/integration.tap" | sed 's/^# \\# /  measured: /'
    if [ "$rc" -ne 0 ]; then
        echo "  --- failure details ---"
        awk '/^ *not ok /{p=1} p&&/^ *(ok|# Subtest)/{p=0} p' "$LOGS/integration.tap" | head -200 |
            sed 's/^/  /'
    fi
    p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$LOGS/integration.tap" | tail -1)
    f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$LOGS/integration.tap" | tail -1)
    s=$(sed -n 's/^# skipped \([0-9]*\)/\1/p' "$LOGS/integration.tap" | tail -1)
    p=${p:-0} f=${f:-0} s=${s:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    if [ "$f" -gt 0 ]; then FAILED_NAMES+=("integration"); fi
fi

section "summary"
for n in "${FAILED_NAMES[@]+"${FAILED_NAMES[@]}"}"; do echo "  failed: $n"; done
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
