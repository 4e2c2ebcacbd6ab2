#!/usr/bin/env bash
# Run natsauth's whole test suite: a normal build and an ASan+UBSan build,
# each through ctest (unit, vectors, cli, integration against a real
# nats-server 2.10), then a short libFuzzer smoke run of every fuzz target.
#
#   bash scripts/test.sh            # what CI runs (after scripts/deps.sh)
#
# Environment: NATS_SERVER_BIN (else fetched by scripts/fetch-nats-server.sh),
# FUZZ_SECONDS (per target, default 15; 0 skips the fuzz smoke),
# NATSAUTH_SKIP_ASAN=1 to skip the sanitizer build (local use only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/build-ci
JOBS=${JOBS:-2}

step() { printf '\n==> %s\n' "$*"; }

NATS_SERVER_BIN=$(bash scripts/fetch-nats-server.sh | tail -n 1)
export NATS_SERVER_BIN
step "nats-server: $NATS_SERVER_BIN ($("$NATS_SERVER_BIN" --version))"
if [ ! -d tests/js/node_modules/@nats-io/jwt ]; then
    step "installing the JS second-opinion libraries"
    bash tests/js/install.sh
fi

run_suite() { # name, cmake args...
    local name=$1; shift
    step "configure + build ($name)"
    cmake -S . -B "$OUT/$name" "$@" -DNATS_SERVER_BIN="$NATS_SERVER_BIN" >/dev/null
    cmake --build "$OUT/$name" -j "$JOBS"
    step "ctest ($name)"
    ctest --test-dir "$OUT/$name" --output-on-failure -j "$JOBS"
}

run_suite normal -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${NATSAUTH_SKIP_ASAN:-0}" != 1 ]; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_suite asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DNATSAUTH_SANITIZE=ON
fi

FUZZ_SECONDS=${FUZZ_SECONDS:-15}
if [ "$FUZZ_SECONDS" != 0 ]; then
    step "fuzz smoke (${FUZZ_SECONDS}s per target)"
    cmake -S . -B "$OUT/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
        -DNATSAUTH_FUZZ=ON -DNATSAUTH_TESTS=OFF >/dev/null
    cmake --build "$OUT/fuzz" -j "$JOBS"
    bash fuzz/smoke.sh "$OUT/fuzz" "$FUZZ_SECONDS"
fi
step "all suites passed"
