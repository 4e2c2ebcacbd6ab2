#!/usr/bin/env bash
# ctest test_readme_demo: the README's first command ends with the demos
# (scripts/setup.sh runs scripts/demo.sh, then scripts/demo-callout.sh); this
# runs them against the already built tree, in a temp dir, twice each (they
# must be idempotent), and checks what they print: connected, acme.web.hello
# allowed, secret.x refused, the server stopped; for the callout demo alice's
# orders.alice.1 allowed, orders.bob.1 refused, a wrong password refused, the
# daemon and the server stopped, no secret in the output. Then `natsauth
# connect-test` on its own against the demos' servers: --json with publishes
# and subscriptions, and a refused connection (creds of another operator:
# "authorization violation", exit 1); --user/--password --json through the
# callout; and the operator-mode sentinel flow (the callout account's
# sentinel creds + a store app token, `natsauth callout serve` with the store
# authorizer): creds + token connects into the app's account, a bad token,
# the token alone and the creds alone are refused.
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
d_pid=
stop_pid() { # stop_pid PID: stop a process this script started
    if [ -n "$1" ]; then
        kill "$1" 2>/dev/null
        wait "$1" 2>/dev/null
    fi
}
cleanup() {
    stop_pid "$d_pid"
    stop_pid "$srv_pid"
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
# start_server CONF LOG: nats-server in the background (srv_pid), its URL in url
start_server() {
    local port=
    : >"$2"
    "$NATS_SERVER_BIN" -c "$1" -l "$2" >/dev/null 2>&1 &
    srv_pid=$!
    for _ in $(seq 1 100); do
        kill -0 "$srv_pid" 2>/dev/null || break
        if grep -q 'Server is ready' "$2"; then
            port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$2" | tail -n 1)
            [ -n "$port" ] && break
        fi
        sleep 0.1
    done
    [ -n "$port" ] || { sed 's/^/     /' "$2"; fatal "nats-server did not start from $1"; }
    url=nats://127.0.0.1:$port
}
start_server demo/nats-server.conf demo/nats-server.log

rc=0
"$NA" connect-test --json --server "$url" --creds demo/web.creds --pub acme.web.a --sub 'acme.>' \
    --pub other.b --pub acme.web.c >json.out 2>json.err || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s json.err ]; then ok "connect-test --json exits 0, nothing on stderr"; else bad "connect-test --json: exit $rc, stderr: $(cat json.err)"; fi
if python3 - "$url" "$user1" json.out <<'EOF'
import json, sys
url, user, path = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.load(open(path))
want = {
    "connected": True, "server": url, "user": user, "login": None, "token": False,
    "error": None,
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

stop_pid "$srv_pid"
srv_pid=

# ---- the auth callout demo, twice ----------------------------------------------------
# check_callout_run N: the callout demo's output in $tmp/callout$N.out, exit code in rc
check_callout_run() {
    local n=$1 out=$tmp/callout$1.out pid url_re='nats://127\.0\.0\.1:[0-9]+' secret
    if [ "$rc" -eq 0 ]; then ok "callout run $n: demo-callout.sh exits 0"; else bad "callout run $n: demo-callout.sh exited $rc"; sed 's/^/     /' "$out"; fi
    if grep -Eq "^  connected as alice to $url_re\$" "$out" &&
        grep -qx '  publish orders.alice.1: allowed' "$out" &&
        grep -qx '  publish orders.bob.1: refused (Permissions Violation for Publish to "orders.bob.1")' "$out"; then
        ok "callout run $n: alice connected, orders.alice.1 allowed, orders.bob.1 refused"
    else
        bad "callout run $n: alice's connect-test lines missing"
    fi
    if grep -Eq "^  natsauth: cannot connect to '$url_re' as alice: authorization violation\$" "$out"; then
        ok "callout run $n: the wrong password is refused (authorization violation)"
    else
        bad "callout run $n: no refusal of the wrong password"
    fi
    if grep -qx '  (natsauth callout serve stopped)' "$out" && grep -qx '  (nats-server stopped)' "$out"; then
        ok "callout run $n: says the daemon and the server were stopped"
    else
        bad "callout run $n: no '(natsauth callout serve stopped)' / '(nats-server stopped)' lines"
    fi
    for pid in $(sed -n 's/.* listening on 127\.0\.0\.1:[0-9]* (pid \([0-9]*\),.*/\1/p; s/^  serving (pid \([0-9]*\),.*/\1/p' "$out"); do
        if kill -0 "$pid" 2>/dev/null; then bad "callout run $n: process $pid still running"; else ok "callout run $n: process $pid is gone"; fi
    done
    if grep -Eq "$SEED_RE" "$out"; then bad "callout run $n: the output contains a seed"; else ok "callout run $n: no seed in the output"; fi
    for secret in "$tmp/demo/callout/alice.pw" "$tmp/demo/callout/auth.pw"; do
        if [ -s "$secret" ] && ! grep -qF "$(head -n 1 "$secret")" "$out" "$tmp/demo/callout/callout.log"; then
            ok "callout run $n: the password in ${secret##*/} is not in the output or the daemon's log"
        else
            bad "callout run $n: the password in ${secret##*/} is missing or was printed"
        fi
    done
    if grep -q '^The auth callout demo worked' "$out"; then ok "callout run $n: prints the summary"; else bad "callout run $n: no summary"; fi
}

rc=0
NATSAUTH_BIN= bash "$ROOT/scripts/demo-callout.sh" --build "$BUILD" --dir "$tmp/demo/callout" >"$tmp/callout1.out" 2>&1 || rc=$?
check_callout_run 1
for f in issuer.seed auth.pw alice.pw grants.json callout.json nats-server.conf; do
    mode=$(stat -c %a "$tmp/demo/callout/$f" 2>/dev/null)
    if [ "$mode" = 600 ]; then ok "callout run 1: callout/$f written, mode 0600"; else bad "callout run 1: callout/$f mode '$mode'"; fi
done
issuer1=$(cat "$tmp/demo/callout/issuer.seed" 2>/dev/null)
rc=0
NATSAUTH_BIN= bash "$ROOT/scripts/demo-callout.sh" --build "$BUILD" --dir "$tmp/demo/callout" >"$tmp/callout2.out" 2>&1 || rc=$?
check_callout_run 2
if [ -n "$issuer1" ] && [ "$issuer1" = "$(cat "$tmp/demo/callout/issuer.seed")" ]; then
    ok "callout run 2: the issuer seed is reused"
else
    bad "callout run 2: the issuer seed changed or is missing"
fi

# ---- connect-test --user/--password through the callout demo's daemon ---------------------
start_server demo/callout/nats-server.conf demo/callout/nats-server.log
sed -i "s|\"url\": \"nats://127\.0\.0\.1:[0-9]*\"|\"url\": \"$url\"|" demo/callout/callout.json
# start_daemon CONFIG LOG: natsauth callout serve in the background (d_pid)
start_daemon() {
    : >"$2"
    "$NA" callout serve --config "$1" 2>"$2" >/dev/null &
    d_pid=$!
    for _ in $(seq 1 150); do
        kill -0 "$d_pid" 2>/dev/null || break
        grep -q '"serving"' "$2" && return 0
        sleep 0.1
    done
    sed 's/^/     /' "$2"
    fatal "natsauth callout serve did not start with $1"
}
start_daemon demo/callout/callout.json demo/callout/callout.log
rc=0
"$NA" connect-test --json --server "$url" --user alice --password demo/callout/alice.pw \
    --pub orders.alice.x --sub 'orders.bob.>' >json.out 2>json.err || rc=$?
if [ "$rc" -eq 0 ] && [ ! -s json.err ] && python3 - "$url" json.out <<'PY'
import json, sys
url, path = sys.argv[1], sys.argv[2]
j = json.load(open(path))
want = {
    "connected": True, "server": url, "user": None, "login": "alice", "token": False,
    "error": None,
    "publish": [{"subject": "orders.alice.x", "allowed": True, "error": None}],
    "subscribe": [{"subject": "orders.bob.>", "allowed": False,
                   "error": 'Permissions Violation for Subscription to "orders.bob.>"'}],
}
if j != want:
    print("     got:  " + json.dumps(j), file=sys.stderr)
    print("     want: " + json.dumps(want), file=sys.stderr)
    sys.exit(1)
PY
then ok "connect-test --user --password --json: alice's grant"; else bad "connect-test --user --json: exit $rc $(cat json.err)"; fi
rc=0
out=$(ALICE_PW=$(cat demo/callout/alice.pw) "$NA" connect-test --server "$url" --user alice --password env:ALICE_PW --pub orders.alice.y 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -qx 'publish orders.alice.y: allowed' <<<"$out"; then
    ok "connect-test --password env:NAME"
else
    bad "connect-test --password env:NAME: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
rc=0
out=$("$NA" connect-test --json --server "$url" --user alice --password demo/callout/wrong.pw 2>/dev/null) || rc=$?
if [ "$rc" -eq 1 ] && grep -q '"connected":false' <<<"$out" && grep -q '"login":"alice"' <<<"$out" &&
    grep -q '"error":"authorization violation"' <<<"$out"; then
    ok "connect-test --json: a wrong password refused, exit 1"
else
    bad "connect-test --json with a wrong password: exit $rc: $out"
fi
stop_pid "$d_pid"
d_pid=
stop_pid "$srv_pid"
srv_pid=

# ---- operator mode: sentinel creds + a store app token ------------------------------------
# the store: callout account AUTH (a signing key of it signs the answers), its
# callout user and a sentinel user that may do nothing; organisation acme
# with app web (publish web.>); AUTH's authorization block names both
mkdir -m 700 op && cd op || fatal "mkdir op"
S=(--store s.db)
if "$NA" "${S[@]}" init --account AUTH >/dev/null 2>&1 &&
    "$NA" "${S[@]}" tenant add acme >/dev/null 2>&1 &&
    "$NA" "${S[@]}" tenant app add acme web >/dev/null 2>&1 &&
    "$NA" "${S[@]}" user edit acme web --allow-pub 'web.>' >/dev/null 2>&1 &&
    "$NA" "${S[@]}" user add AUTH callout >/dev/null 2>&1 &&
    "$NA" "${S[@]}" user add AUTH sentinel --deny-pub '>' --deny-sub '>' >/dev/null 2>&1 &&
    "$NA" "${S[@]}" creds AUTH callout -o callout.creds >/dev/null 2>&1 &&
    "$NA" "${S[@]}" creds AUTH sentinel -o sentinel.creds >/dev/null 2>&1 &&
    "$NA" "${S[@]}" sk add AUTH >/dev/null 2>&1 &&
    "$NA" "${S[@]}" export-keys AUTH --env auth.env >/dev/null 2>&1; then
    ok "operator mode: store, callout and sentinel users, AUTH signing key"
else
    fatal "operator mode: could not make the store"
fi
(umask 077 && sed -n 's/^NATS_ACCOUNT_SIGNING_KEY=//p' auth.env >issuer.seed)
auth_pub=$(sed -n 's/^NATS_ACCOUNT=//p' auth.env)
pub_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["pub"])'; }
callout_user=$("$NA" "${S[@]}" user show AUTH callout --json | pub_of)
sentinel=$("$NA" "${S[@]}" user show AUTH sentinel --json | pub_of)
acme_pub=$("$NA" "${S[@]}" account show acme --json | pub_of)
"$NA" "${S[@]}" account edit AUTH --auth-user "$callout_user" --allowed-account "$acme_pub" >/dev/null 2>&1 &&
    "$NA" "${S[@]}" config --resolver memory -o server.conf >/dev/null 2>&1 ||
    fatal "operator mode: could not set AUTH's authorization or write the server config"
printf 'port: -1\nhost: 127.0.0.1\ninclude server.conf\n' >nats-server.conf
start_server nats-server.conf nats-server.log
cat >callout.json <<JSON
{"nats": {"url": "$url", "creds": "callout.creds"}, "mode": "operator",
 "issuer": {"seed_file": "issuer.seed", "account": "$auth_pub"},
 "authorizers": [{"type": "store", "path": "s.db"}]}
JSON
start_daemon callout.json callout.log
(umask 077 && "$NA" "${S[@]}" tenant app token acme web --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' >web.token) ||
    bad "operator mode: no app token"
rc=0
out=$("$NA" connect-test --server "$url" --creds sentinel.creds --token web.token --pub web.1 --pub other.1 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -qx "connected as $sentinel with a token to $url" <<<"$out" &&
    grep -qx 'publish web.1: allowed' <<<"$out" &&
    grep -qx 'publish other.1: refused (Permissions Violation for Publish to "other.1")' <<<"$out"; then
    ok "operator mode: sentinel creds + app token get the app's permissions"
else
    bad "operator mode: sentinel + token: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
rc=0
out=$("$NA" connect-test --json --server "$url" --creds sentinel.creds --token - --pub web.2 <web.token 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -q "\"user\":\"$sentinel\",\"login\":null,\"token\":true" <<<"$out" &&
    grep -q '{"subject":"web.2","allowed":true,"error":null}' <<<"$out"; then
    ok "operator mode: --token - (stdin); --json says token: true"
else
    bad "operator mode: --token - --json: exit $rc: $out"
fi
(umask 077 && echo nat_not-a-real-token >bad.token)
rc=0
out=$("$NA" connect-test --server "$url" --creds sentinel.creds --token bad.token 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -qx "natsauth: cannot connect to '$url' as $sentinel with a token: authorization violation" <<<"$out"; then
    ok "operator mode: an unknown token is refused"
else
    bad "operator mode: bad token: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
rc=0
out=$("$NA" connect-test --server "$url" --token web.token 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -qx "natsauth: cannot connect to '$url' with a token: authorization violation" <<<"$out"; then
    ok "operator mode: the token without the sentinel creds is refused"
else
    bad "operator mode: token alone: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
rc=0
out=$("$NA" connect-test --server "$url" --creds sentinel.creds 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -qx "natsauth: cannot connect to '$url' as $sentinel: authorization violation" <<<"$out"; then
    ok "operator mode: the sentinel creds without a token are refused"
else
    bad "operator mode: sentinel alone: exit $rc:"; sed 's/^/     /' <<<"$out"
fi
if [ -s web.token ] && ! grep -qF "$(cat web.token)" callout.log; then
    ok "operator mode: the token is not in the daemon's log"
else
    bad "operator mode: no token, or the token is in the daemon's log"
fi

finish
