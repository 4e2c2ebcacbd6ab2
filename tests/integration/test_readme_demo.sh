#!/usr/bin/env bash
# ctest test_readme_demo: the README's first command ends with the demo
# (scripts/setup.sh runs scripts/demo.sh); this runs that demo against the
# already built tree, in a temp dir, twice (it must be idempotent), and checks
# what it prints: connected, acme.web.hello allowed, secret.x refused, the
# server stopped. Then `natsauth connect-test` on its own against the demo's
# server: --json with publishes and subscriptions, and a refused connection
# (creds of another operator: "authorization violation", exit 1).
#
#   test_readme_demo.sh <repo root> <build dir holding natsauth>
#
# NATS_SERVER_BIN must name a nats-server 2.10 binary (ctest passes it; no
# server is a failure, not a skip).
set -uo pipefail

pass=0
failed=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() { echo "$pass passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
fatal() { bad "$*"; finish; }

[ $# -eq 2 ] || fatal "usage: $0 <repo root> <build dir>"
ROOT=$1
BUILD=$2
NA=$BUILD/natsauth
[ -x "$NA" ] || fatal "no natsauth at $NA"
[ -n "${NATS_SERVER_BIN:-}" ] && [ -x "$NATS_SERVER_BIN" ] \
    || fatal "NATS_SERVER_BIN is not set to an executable nats-server (run scripts/fetch-nats-server.sh)"
command -v python3 >/dev/null 2>&1 || fatal "python3 not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/natsauth-demo.XXXXXX") || fatal "mktemp failed"
srv_pid=
cleanup() {
    if [ -n "$srv_pid" ]; then
        kill "$srv_pid" 2>/dev/null
        wait "$srv_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

SEED_RE='S[OAUNCX][A-Z2-7]{56}'

# check_run N: the demo's output in $tmp/run$N.out, exit code in rc
check_run() {
    local n=$1 out=$tmp/run$1.out pid
    if [ "$rc" -eq 0 ]; then ok "run $n: demo.sh exits 0"; else bad "run $n: demo.sh exited $rc"; sed 's/^/     /' "$out"; fi
    if grep -Eq '^  connected as U[A-Z2-7]{55} to nats://127\.0\.0\.1:[0-9]+$' "$out"; then
        ok "run $n: connected as the app's user"
    else
        bad "run $n: no 'connected as U... to nats://127.0.0.1:PORT' line"
    fi
    if grep -qx '  publish acme.web.hello: allowed' "$out"; then
        ok "run $n: publish acme.web.hello: allowed"
    else
        bad "run $n: no 'publish acme.web.hello: allowed' line"
    fi
    if grep -qx '  publish secret.x: refused (Permissions Violation for Publish to "secret.x")' "$out"; then
        ok "run $n: publish secret.x: refused (Permissions Violation ...)"
    else
        bad "run $n: no 'publish secret.x: refused (Permissions Violation for Publish to \"secret.x\")' line"
    fi
    if grep -qx '  (nats-server stopped)' "$out"; then ok "run $n: says the server was stopped"; else bad "run $n: no '(nats-server stopped)' line"; fi
    pid=$(sed -n 's/.* listening on 127\.0\.0\.1:[0-9]* (pid \([0-9]*\),.*/\1/p' "$out")
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
        ok "run $n: nats-server (pid $pid) is gone"
    else
        bad "run $n: nats-server pid '${pid}' still running or not shown"
    fi
    if grep -Eq "$SEED_RE" "$out"; then bad "run $n: the output contains a seed"; else ok "run $n: no seed in the output"; fi
    if grep -q '^The demo worked' "$out"; then ok "run $n: prints the summary"; else bad "run $n: no summary"; fi
}

# ---- the demo, twice --------------------------------------------------------------
rc=0
NATSAUTH_BIN= bash "$ROOT/scripts/demo.sh" --build "$BUILD" --dir "$tmp/demo" >"$tmp/run1.out" 2>&1 || rc=$?
check_run 1
for f in store.db web.creds server.conf nats-server.conf; do
    if [ -f "$tmp/demo/$f" ]; then ok "run 1: demo/$f written"; else bad "run 1: demo/$f missing"; fi
done
mode=$(stat -c %a "$tmp/demo/web.creds" 2>/dev/null)
if [ "$mode" = 600 ]; then ok "run 1: web.creds is mode 0600"; else bad "run 1: web.creds is mode '$mode'"; fi
user1=$(sed -n 's/^  connected as \(U[A-Z2-7]*\) .*/\1/p' "$tmp/run1.out")

rc=0
NATSAUTH_BIN= bash "$ROOT/scripts/demo.sh" --build "$BUILD" --dir "$tmp/demo" >"$tmp/run2.out" 2>&1 || rc=$?
check_run 2
if grep -q "nothing to do: store 'demo/store.db' already initialised" "$tmp/run2.out" &&
    grep -q "unchanged: organisation 'acme'" "$tmp/run2.out" &&
    grep -q "unchanged: app 'web' in organisation 'acme'" "$tmp/run2.out" &&
    grep -q "unchanged: user 'web' in account 'acme'" "$tmp/run2.out"; then
    ok "run 2: the store is reused (init, adds and edit change nothing)"
else
    bad "run 2: the re-run changed the store"
    sed 's/^/     /' "$tmp/run2.out"
fi
user2=$(sed -n 's/^  connected as \(U[A-Z2-7]*\) .*/\1/p' "$tmp/run2.out")
if [ -n "$user1" ] && [ "$user1" = "$user2" ]; then ok "run 2: the same app user"; else bad "run 2: user '$user2' is not '$user1'"; fi

# ---- connect-test on its own, against the demo's server -----------------------------
cd "$tmp" || fatal "cd $tmp"
: >demo/nats-server.log
"$NATS_SERVER_BIN" -c demo/nats-server.conf -l demo/nats-server.log >/dev/null 2>&1 &
srv_pid=$!
port=
for _ in $(seq 1 100); do
    kill -0 "$srv_pid" 2>/dev/null || break
    if grep -q 'Server is ready' demo/nats-server.log; then
        port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' demo/nats-server.log | tail -n 1)
        [ -n "$port" ] && break
    fi
    sleep 0.1
done
[ -n "$port" ] || { sed 's/^/     /' demo/nats-server.log; fatal "nats-server did not start from demo/nats-server.conf"; }
url=nats://127.0.0.1:$port

rc=0
"$NA" connect-test --json --server "$url" --creds demo/web.creds --pub acme.web.a --sub 'acme.>' \
    --pub other.b --pub acme.web.c >json.out 2>json.err || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s json.err ]; then ok "connect-test --json exits 0, nothing on stderr"; else bad "connect-test --json: exit $rc, stderr: $(cat json.err)"; fi
if python3 - "$url" "$user1" json.out <<'EOF'
import json, sys
url, user, path = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.load(open(path))
want = {
    "connected": True, "server": url, "user": user, "error": None,
    "publish": [
        {"subject": "acme.web.a", "allowed": True, "error": None},
        {"subject": "other.b", "allowed": False,
         "error": 'Permissions Violation for Publish to "other.b"'},
        {"subject": "acme.web.c", "allowed": True, "error": None},
    ],
    "subscribe": [{"subject": "acme.>", "allowed": True, "error": None}],
}
if j != want:
    print("     got:  " + json.dumps(j), file=sys.stderr)
    print("     want: " + json.dumps(want), file=sys.stderr)
    sys.exit(1)
EOF
then ok "connect-test --json: publishes and the subscription as expected"; else bad "connect-test --json: unexpected JSON"; fi

# a subscribe permission: a second app whose user may subscribe to acme.> only
"$NA" --store demo/store.db --conflict idempotent tenant app add acme reader >/dev/null 2>&1 &&
    "$NA" --store demo/store.db user edit acme reader --allow-sub 'acme.>' >/dev/null 2>&1 &&
    "$NA" --store demo/store.db creds acme reader -o reader.creds >/dev/null 2>&1 ||
    bad "could not make the 'reader' app"
rc=0
out=$("$NA" connect-test --server "$url" --creds reader.creds --sub acme.x --sub secret.y --pub z 2>&1) || rc=$?
if [ "$rc" -eq 0 ] &&
    grep -qx 'subscribe acme.x: allowed' <<<"$out" &&
    grep -qx 'subscribe secret.y: refused (Permissions Violation for Subscription to "secret.y")' <<<"$out" &&
    grep -qx 'publish z: allowed' <<<"$out"; then
    ok "connect-test: subscriptions allowed and refused"
else
    bad "connect-test --sub: exit $rc:"; sed 's/^/     /' <<<"$out"
fi

# another operator's user: the server refuses the connection
"$NA" --store other.db init --operator other >/dev/null 2>&1 &&
    "$NA" --store other.db --conflict idempotent tenant add zed >/dev/null 2>&1 &&
    "$NA" --store other.db tenant app add zed app >/dev/null 2>&1 &&
    "$NA" --store other.db creds zed app -o other.creds >/dev/null 2>&1 ||
    bad "could not make the other operator's creds"
rc=0
out=$("$NA" connect-test --server "$url" --creds other.creds --pub a 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^natsauth: cannot connect to '$url' as U[A-Z2-7]*: authorization violation$" <<<"$out"; then
    ok "connect-test: a refused connection is 'authorization violation', exit 1"
else
    bad "connect-test with another operator's creds: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
rc=0
out=$("$NA" connect-test --json --server "$url" --creds other.creds 2>/dev/null) || rc=$?
if [ "$rc" -eq 1 ] && grep -q '"connected":false' <<<"$out" && grep -q '"error":"authorization violation"' <<<"$out"; then
    ok "connect-test --json: the refusal as JSON, exit 1"
else
    bad "connect-test --json refused: exit $rc: $out"
fi

finish
