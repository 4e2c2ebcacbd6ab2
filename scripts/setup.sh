#!/usr/bin/env bash
# From a fresh clone, as root on Debian bookworm: install every dependency,
# build natsauth, and show it working against a real nats-server.
#
#   sudo bash scripts/setup.sh                  # deps + build + demos
#   bash scripts/setup.sh --demo-only [BUILD]   # only the demos, on a built tree
#                                               # (default BUILD: build)
#
# 1. dependencies: scripts/deps.sh --with-js (Debian packages, the JS test
#    libraries, nats-server 2.10 fetched into .cache/ -- nothing of it is
#    installed system-wide); its output goes to .cache/setup-deps.log
# 2. build: cmake into build/ (RelWithDebInfo); output in .cache/setup-build.log
# 3. demo: scripts/demo.sh -- in ./demo/ (gitignored) a store with an
#    organisation 'acme' whose app 'web' may publish only to acme.web.>, its
#    .creds file and a nats-server config; a nats-server on 127.0.0.1 (a free
#    port, always stopped afterwards); `natsauth connect-test` showing a
#    publish to acme.web.hello allowed and one to secret.x refused.
# 4. auth callout demo: scripts/demo-callout.sh -- in ./demo/callout/ a grants
#    file (user alice, a bcrypt password, may publish to orders.alice.>), the
#    `natsauth callout serve` daemon and a nats-server whose auth_callout asks
#    it (both always stopped afterwards); `natsauth connect-test --user alice`
#    showing orders.alice.1 allowed, orders.bob.1 refused, and a wrong
#    password refused (authorization violation).
#
# Re-running is safe: every step is idempotent (the demo reuses its store).
# Exit 0 when everything worked; on a failure the step says what failed and
# shows the end of its log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { printf '\nsetup.sh: error: %s\n' "$*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }

case ${1:-} in
    --demo-only)
        [ $# -le 2 ] || die "usage: $0 --demo-only [BUILD_DIR]"
        bash "$ROOT/scripts/demo.sh" --build "${2:-$ROOT/build}" || die "the demo failed"
        printf '\n'
        bash "$ROOT/scripts/demo-callout.sh" --build "${2:-$ROOT/build}" || die "the auth callout demo failed"
        exit 0 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    '') ;;
    *) die "unknown argument: $1 (try --help)" ;;
esac

mkdir -p .cache
LOGS=$ROOT/.cache

# Run a step's command with its output in a log; on failure show the log's end.
logged() { # logfile command...
    local log=$1; shift
    if ! "$@" >"$log" 2>&1; then
        printf '  failed; the end of %s:\n' "${log#"$ROOT"/}" >&2
        tail -n 25 "$log" | sed 's/^/    /' >&2
        return 1
    fi
}

printf 'natsauth setup in %s\n' "$ROOT"

step "1/4 dependencies: scripts/deps.sh --with-js"
logged "$LOGS/setup-deps.log" bash scripts/deps.sh --with-js || die "installing the dependencies failed"
NATS_SERVER_BIN=$(grep -v '^[[:space:]]*$' "$LOGS/setup-deps.log" | tail -n 1)
[ -x "$NATS_SERVER_BIN" ] || die "scripts/deps.sh did not end with a nats-server path (see .cache/setup-deps.log)"
export NATS_SERVER_BIN
printf '  Debian packages, JS test libraries: ok\n'
printf '  nats-server: %s (%s)\n' "${NATS_SERVER_BIN#"$ROOT"/}" "$("$NATS_SERVER_BIN" --version)"

step "2/4 build: cmake -S . -B build && cmake --build build"
logged "$LOGS/setup-build.log" \
    sh -c 'cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j "$(nproc 2>/dev/null || echo 2)"' \
    || die "the build failed"
printf '  build/natsauth: %s\n' "$(build/natsauth --version)"

step "3/4 demo: scripts/demo.sh (an org, its app, creds, a real nats-server)"
bash scripts/demo.sh --build build || die "the demo failed"

step "4/4 auth callout demo: scripts/demo-callout.sh (a grants file, natsauth callout serve, a real nats-server)"
bash scripts/demo-callout.sh --build build || die "the auth callout demo failed"

step "done"
cat <<'EOF'
  the tool:   build/natsauth help                (every command: natsauth COMMAND --help)
  the demo:   bash scripts/demo.sh               (again, any time; its files are in demo/)
  callout:    bash scripts/demo-callout.sh       (again, any time; its files are in demo/callout/)
              docs/callout.md                    (the daemon: grants, tokens, operator mode)
  the tests:  sudo bash scripts/test.sh          (normal + ASan/UBSan builds, real nats-server)
EOF
