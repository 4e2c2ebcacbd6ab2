#!/usr/bin/env bash
# The natsauth demo (the main job of scripts/setup.sh), on an already built
# tree: a store in a local folder with an organisation "acme" whose app "web"
# may publish only to acme.web.>, its .creds file and a nats-server config;
# then a real nats-server on 127.0.0.1 (a free port) and `natsauth
# connect-test` showing one publish allowed and one refused.
#
#   bash scripts/demo.sh [--build DIR] [--dir DEMO_DIR]
#
#   --build DIR   the build tree holding natsauth (default: <repo>/build;
#                 $NATSAUTH_BIN, if set, names the binary instead)
#   --dir DIR     where the store, creds and configs go (default: <repo>/demo);
#                 the commands run from its parent, so they read demo/...
#
# nats-server: $NATS_SERVER_BIN, else the one scripts/fetch-nats-server.sh
# leaves in <repo>/.cache, else nats-server on PATH.
#
# Idempotent: a re-run reuses the store (init does nothing, the adds are
# --conflict idempotent, the edit changes nothing) and rewrites the creds and
# configs. The server is always stopped (trap), its log kept in the folder.
# Exit 0 when the publish to acme.web.hello was allowed and the one to
# secret.x refused; 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
DEMO=$ROOT/demo

DEMO_NAME=demo.sh
DEMO_HELP_LINES=2,23p
# shellcheck source=scripts/lib-demo.sh
. "$ROOT/scripts/lib-demo.sh"
demo_args "$@"
demo_find_bins

umask 077 # the store and the creds hold seeds
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd)
cd "$(dirname "$DEMO")"
D=$(basename "$DEMO") # commands below read "demo/..." (relative to here)
STORE=$D/store.db

# Show a command the way a person would type it (quoted where the shell
# needs it), run it, indent its output.
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
run() { # run ARGS... of natsauth
    local out rc=0
    show natsauth "$@"
    out=$("$NA" "$@" 2>&1) || rc=$?
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  /'
    [ "$rc" -eq 0 ] || die "'$(quote natsauth "$@")' failed (exit $rc)"
}

printf 'natsauth demo: %s, store in %s/\n' "$("$NA" --version)" "$D"

# -- the store: operator, an organisation (an account) and its app (a user) --
run --store "$STORE" init --operator demo
run --store "$STORE" --conflict idempotent tenant add acme
run --store "$STORE" --conflict idempotent tenant app add acme web
run --store "$STORE" user edit acme web --allow-pub 'acme.web.>'
run --store "$STORE" creds acme web -o "$D/web.creds"
printf '  (wrote %s: the user JWT and its seed)\n' "$D/web.creds"
run --store "$STORE" config --resolver memory -o "$D/server.conf"
printf '  (wrote %s: operator JWT, system account, every account JWT preloaded)\n' "$D/server.conf"

# -- nats-server on 127.0.0.1, a free port (port -1: the server picks one) --
conf=$D/nats-server.conf
log=$D/nats-server.log
printf 'port: -1\nhost: 127.0.0.1\ninclude server.conf\n' >"$conf"
: >"$log"
show nats-server -c "$conf"
"$NS" -c "$conf" -l "$log" >/dev/null 2>&1 &
pid=$!
stop_server() {
    if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        printf '  (nats-server stopped)\n'
    fi
    pid=
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

demo_wait_server "$pid" "$log"

# -- the app's creds against the server --
url=nats://127.0.0.1:$port
show natsauth connect-test --server "$url" --creds "$D/web.creds" --pub acme.web.hello --pub secret.x
rc=0
out=$("$NA" connect-test --server "$url" --creds "$D/web.creds" --pub acme.web.hello --pub secret.x 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/  /'
stop_server

[ "$rc" -eq 0 ] || die "connect-test failed (exit $rc)"
grep -qx 'publish acme.web.hello: allowed' <<<"$out" || die "the publish to acme.web.hello was not allowed"
grep -qx 'publish secret.x: refused (Permissions Violation for Publish to "secret.x")' <<<"$out" \
    || die "the publish to secret.x was not refused"
user=$(sed -n 's/^connected as \(U[A-Z2-7]*\) .*/\1/p' <<<"$out")
na_shown=${NA#"$PWD"/}

row() { printf '  %-22s %s\n' "$1" "$2"; }
printf '\nThe demo worked: app %s of organisation %s may publish only to\n' "'web'" "'acme'"
printf 'acme.web.>, and nats-server enforced it. Created in %s/:\n' "$DEMO"
row "$D/store.db" "the store: operator 'demo', system account 'SYS' (user 'sys'),"
row "" "organisation 'acme' (account 'acme') and its app 'web', a user:"
row "" "$user"
row "$D/web.creds" "the app's credentials: user JWT + seed (mode 0600; a secret)"
row "$D/server.conf" "nats-server config fragment: operator JWT, memory resolver, accounts"
row "$D/nats-server.conf" "the wrapper used here (127.0.0.1, a free port, include server.conf)"
row "$D/nats-server.log" "the server's log"
printf 'Next: %s --store %s tenant list acme\n' "$na_shown" "$STORE"
printf '      %s --store %s user show acme web\n' "$na_shown" "$STORE"
printf '      %s help\n' "$na_shown"
