#!/usr/bin/env bash
# The auth callout demo (scripts/setup.sh runs it after scripts/demo.sh), on
# an already built tree: a grants file giving user "alice" (a bcrypt
# password) the right to publish to orders.alice.> in account APP, the
# `natsauth callout serve` daemon answering for a real nats-server on
# 127.0.0.1 (a free port, config mode), and `natsauth connect-test` showing
# what alice gets: orders.alice.1 allowed, orders.bob.1 refused, and a wrong
# password refused with "authorization violation".
#
#   bash scripts/demo-callout.sh [--build DIR] [--dir DEMO_DIR]
#
#   --build DIR   the build tree holding natsauth (default: <repo>/build;
#                 $NATSAUTH_BIN, if set, names the binary instead)
#   --dir DIR     where the keys, grants and configs go (default:
#                 <repo>/demo/callout); the commands run from its parent
#
# nats-server: $NATS_SERVER_BIN, else the one scripts/fetch-nats-server.sh
# leaves in <repo>/.cache, else nats-server on PATH.
#
# The bcrypt hash of alice's password is made with python3's crypt module
# (python3 and libcrypt are in scripts/deps.sh; Debian bookworm's
# python3.11 has the module), else `mkpasswd -m bcrypt` or `htpasswd -B`
# when one of them is installed. Passwords are random, kept in 0600 files
# (reused by a re-run) and never printed or put on a command line.
#
# Idempotent: a re-run reuses the issuer seed and the passwords and rewrites
# the grants and configs. The server and the daemon are always stopped
# (trap), their logs kept in the folder. Exit 0 when every verdict was as
# expected; 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
DEMO=$ROOT/demo/callout

DEMO_NAME=demo-callout.sh
DEMO_HELP_LINES=2,29p
# shellcheck source=scripts/lib-demo.sh
. "$ROOT/scripts/lib-demo.sh"
demo_args "$@"
demo_find_bins

umask 077 # seeds and passwords
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd)
cd "$(dirname "$DEMO")"
D=$(basename "$DEMO") # paths below read "callout/..." (relative to here)

quote() {
    local a out=
    for a in "$@"; do
        case $a in
            *[!A-Za-z0-9._/:=@,+-]*|'') out+=" '$a'" ;;
            *) out+=" $a" ;;
        esac
    done
    printf '%s' "${out# }"
}
show() { printf '\n$ %s\n' "$(quote "$@")"; }
note() { printf '  (%s)\n' "$*"; }

# bcrypt of the password on stdin (never on a command line), on stdout
bcrypt_hash() {
    if python3 -W ignore -c 'import crypt' 2>/dev/null; then
        python3 -W ignore -c '
import crypt, sys
pw = sys.stdin.readline().rstrip("\n")
h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))
sys.exit(1) if not h or not h.startswith("$2") else print(h)'
    elif command -v mkpasswd >/dev/null 2>&1; then
        mkpasswd -m bcrypt -R 10 --stdin
    elif command -v htpasswd >/dev/null 2>&1; then
        htpasswd -niB -C 10 x | sed -n 's/^x://p'
    else
        return 1
    fi
}

# a random password in FILE (0600), unless FILE already holds one
password_file() {
    [ -s "$1" ] && return 0
    head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$1.tmp"
    mv "$1.tmp" "$1"
}

printf 'natsauth auth callout demo: %s, files in %s/\n' "$("$NA" --version)" "$D"

# -- keys and secrets ----------------------------------------------------------------
if [ ! -s "$D/issuer.seed" ]; then
    show natsauth keys gen account -o "$D/issuer.seed"
    issuer=$("$NA" keys gen account -o "$D/issuer.seed") || die "natsauth keys gen failed"
else
    show natsauth keys pub "$D/issuer.seed"
    issuer=$("$NA" keys pub "$D/issuer.seed") || die "natsauth keys pub failed"
fi
issuer=$(printf '%s\n' "$issuer" | grep -Eo 'A[A-Z2-7]{55}' | head -n 1)
[ -n "$issuer" ] || die "no account public key for $D/issuer.seed"
printf '  %s\n' "$issuer"
note "the issuer: the account key that signs the daemon's answers; its seed is $D/issuer.seed (0600)"
password_file "$D/auth.pw"
password_file "$D/alice.pw"
note "random passwords: $D/auth.pw (the daemon's own NATS user 'auth'), $D/alice.pw (alice's)"

alice_hash=$(bcrypt_hash <"$D/alice.pw") \
    || die "cannot make a bcrypt hash: python3 has no crypt module and neither mkpasswd nor htpasswd is installed"
case $alice_hash in '$2'*) ;; *) die "the bcrypt tool gave no \$2...\$ hash" ;; esac

# -- the grants: what alice gets -------------------------------------------------------
cat >"$D/grants.json" <<EOF
{
  "grants": [
    {
      "user": "alice",
      "password_hash": "$alice_hash",
      "account": "APP",
      "name": "alice",
      "permissions": {
        "pub": { "allow": ["orders.{{name}}.>"] },
        "sub": { "allow": ["orders.{{name}}.>", "_INBOX_{{name}}.>"] }
      },
      "ttl": "1h"
    }
  ]
}
EOF
note "wrote $D/grants.json: alice (bcrypt password) -> account APP, publish orders.alice.>"

# -- nats-server: the auth user, the callout, the accounts -------------------------------
auth_pw=$(head -n 1 "$D/auth.pw")
cat >"$D/nats-server.conf" <<EOF
# written by scripts/demo-callout.sh
port: -1
host: 127.0.0.1
accounts {
  AUTH { users: [ { user: auth, password: "$auth_pw" } ] }
  APP {}
}
authorization {
  auth_callout {
    issuer: $issuer
    auth_users: [ auth ]
    account: AUTH
  }
}
EOF
unset auth_pw
note "wrote $D/nats-server.conf: accounts AUTH (the daemon's user) and APP; every other client goes to the callout"

# -- start nats-server ------------------------------------------------------------------------
srv_log=$D/nats-server.log
d_log=$D/callout.log
: >"$srv_log"
: >"$d_log"
srv_pid=
d_pid=
d_rc=0 # the daemon's exit status after SIGTERM (0: a clean stop)
stop_all() {
    if [ -n "${d_pid:-}" ] && kill -0 "$d_pid" 2>/dev/null; then
        kill "$d_pid" 2>/dev/null || true
        wait "$d_pid" 2>/dev/null || d_rc=$?
        if [ "$d_rc" -eq 0 ]; then
            note "natsauth callout serve stopped"
        else
            note "natsauth callout serve stopped with exit status $d_rc"
        fi
    fi
    d_pid=
    if [ -n "${srv_pid:-}" ] && kill -0 "$srv_pid" 2>/dev/null; then
        kill "$srv_pid" 2>/dev/null || true
        wait "$srv_pid" 2>/dev/null || true
        note "nats-server stopped"
    fi
    srv_pid=
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show nats-server -c "$D/nats-server.conf"
"$NS" -c "$D/nats-server.conf" -l "$srv_log" >/dev/null 2>&1 &
srv_pid=$!
demo_wait_server "$srv_pid" "$srv_log"
url=nats://127.0.0.1:$port

# -- the daemon's config and the daemon -----------------------------------------------------
cat >"$D/callout.json" <<EOF
{
  "nats": { "url": "$url", "user": "auth", "password": "auth.pw" },
  "mode": "config",
  "issuer": { "seed_file": "issuer.seed" },
  "workers": 2,
  "deadline": "3s",
  "default_ttl": "10m",
  "max_ttl": "1h",
  "stats_subject": "natsauth.callout.stats",
  "authorizers": [ { "type": "file", "path": "grants.json" } ],
  "default": "deny"
}
EOF
note "wrote $D/callout.json: the daemon's config (config mode, the grants file, default deny)"

show natsauth callout check --config "$D/callout.json"
out=$("$NA" callout check --config "$D/callout.json" 2>&1) || { printf '%s\n' "$out" | sed 's/^/  /'; die "the daemon's config is not valid"; }
printf '%s\n' "$out" | sed 's/^/  /'

show natsauth callout serve --config "$D/callout.json"
"$NA" callout serve --config "$D/callout.json" 2>"$d_log" >/dev/null &
d_pid=$!
ready=
for _ in $(seq 1 150); do # up to 15 s
    kill -0 "$d_pid" 2>/dev/null || break
    if grep -q '"serving"' "$d_log" 2>/dev/null; then ready=1; break; fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    printf '  the daemon did not start; its log (%s):\n' "$d_log"
    sed 's/^/    /' "$d_log" | tail -n 20
    die "natsauth callout serve did not start"
fi
printf '  serving (pid %s, JSON log lines in %s)\n' "$d_pid" "$d_log"

# -- clients ------------------------------------------------------------------------------------
failures=0
verdict() { # verdict OK|FAIL text
    if [ "$1" = OK ]; then printf '  => as expected: %s\n' "$2"; else printf '  => NOT as expected: %s\n' "$2"; failures=$((failures + 1)); fi
}
connect_test() { # connect_test ARGS... ; output in $ct_out, exit status in $ct_rc
    show natsauth connect-test "$@"
    ct_rc=0
    ct_out=$("$NA" connect-test "$@" 2>&1) || ct_rc=$?
    printf '%s\n' "$ct_out" | sed 's/^/  /'
}

connect_test --server "$url" --user alice --password "$D/alice.pw" \
    --pub orders.alice.1 --pub orders.bob.1 --sub 'orders.alice.>' --sub 'orders.>'
if [ "$ct_rc" -eq 0 ] && grep -qx "connected as alice to $url" <<<"$ct_out" &&
    grep -qx 'publish orders.alice.1: allowed' <<<"$ct_out" &&
    grep -qx 'publish orders.bob.1: refused (Permissions Violation for Publish to "orders.bob.1")' <<<"$ct_out" &&
    grep -qx 'subscribe orders.alice.>: allowed' <<<"$ct_out" &&
    grep -qx 'subscribe orders.>: refused (Permissions Violation for Subscription to "orders.>")' <<<"$ct_out"; then
    verdict OK "alice connected; orders.alice.1 allowed, orders.bob.1 refused (and subscribing likewise)"
else
    verdict FAIL "alice should connect, publish to orders.alice.1 and be refused orders.bob.1 (exit $ct_rc)"
fi

printf 'a-wrong-password\n' >"$D/wrong.pw"
connect_test --server "$url" --user alice --password "$D/wrong.pw" --pub orders.alice.1
if [ "$ct_rc" -eq 1 ] && grep -q "^natsauth: cannot connect to '$url' as alice: authorization violation$" <<<"$ct_out"; then
    verdict OK "a wrong password is refused: authorization violation"
else
    verdict FAIL "alice with a wrong password should be refused with 'authorization violation' (exit $ct_rc)"
fi

connect_test --server "$url" --user mallory --password "$D/alice.pw"
if [ "$ct_rc" -eq 1 ] && grep -q "^natsauth: cannot connect to '$url' as mallory: authorization violation$" <<<"$ct_out"; then
    verdict OK "a user the grants do not know is refused (default deny)"
else
    verdict FAIL "mallory should be refused with 'authorization violation' (exit $ct_rc)"
fi

# -- the daemon's counters ------------------------------------------------------------------------
show natsauth callout status --config "$D/callout.json"
st_rc=0
st_out=$("$NA" callout status --config "$D/callout.json" 2>&1) || st_rc=$?
if [ "$st_rc" -eq 0 ]; then
    printf '%s\n' "$st_out" | sed 's/^/  /'
else
    note "no counters: natsauth callout status failed (exit $st_rc): $(head -n 1 <<<"$st_out")"
fi
decisions=$(grep -c '"result"' "$d_log" || true)
note "the daemon logged $decisions decisions in $d_log"

stop_all
[ "$d_rc" -eq 0 ] || failures=$((failures + 1))
[ "$failures" -eq 0 ] || die "$failures verdict(s) were not as expected (logs: $d_log, $srv_log)"

na_shown=${NA#"$PWD"/}
row() { printf '  %-26s %s\n' "$1" "$2"; }
printf '\nThe auth callout demo worked: nats-server asked natsauth callout serve about\n'
printf 'every client, and alice got exactly what %s grants. In %s/:\n' "$D/grants.json" "$DEMO"
row "$D/grants.json" "the grants: alice's bcrypt hash, account APP, publish orders.alice.>"
row "$D/callout.json" "the daemon's config (docs/callout.md)"
row "$D/nats-server.conf" "nats-server: accounts AUTH and APP, authorization.auth_callout"
row "$D/issuer.seed" "the issuer account seed (mode 0600; a secret)"
row "$D/auth.pw, alice.pw" "the daemon's and alice's passwords (mode 0600; secrets)"
row "$D/callout.log" "the daemon's JSON log: a decision line per connect"
row "$D/nats-server.log" "the server's log"
printf 'Next: %s connect-test --server URL --user alice --password %s --sub orders.alice.x\n' "$na_shown" "$D/alice.pw"
printf '      docs/callout.md (tokens, operator mode, the store authorizer)\n'
