#!/usr/bin/env bash
# What scripts/demo.sh and scripts/demo-callout.sh share (sourced, not run):
# their options (--build DIR, --dir DIR, --help) and finding the natsauth and
# nats-server binaries. The caller sets, before sourcing:
#   DEMO_NAME        its name, for messages ("demo.sh")
#   BUILD, DEMO      the default build tree and demo folder
#   DEMO_HELP_LINES  the lines of its header comment --help prints ("2,23p")
# and then calls: demo_args "$@"; demo_find_bins   (sets NA and NS, absolute)

die() { printf '%s: error: %s\n' "$DEMO_NAME" "$*" >&2; exit 1; }

demo_args() {
    while [ $# -gt 0 ]; do
        case $1 in
            --build) [ $# -ge 2 ] || die "--build needs a directory"; BUILD=$2; shift 2 ;;
            --dir)   [ $# -ge 2 ] || die "--dir needs a directory"; DEMO=$2; shift 2 ;;
            -h|--help) sed -n "$DEMO_HELP_LINES" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) die "unknown argument: $1 (try --help)" ;;
        esac
    done
}

demo_find_bins() {
    NA=${NATSAUTH_BIN:-$BUILD/natsauth}
    case $NA in /*) ;; *) NA=$PWD/$NA ;; esac
    [ -x "$NA" ] || die "no natsauth binary at $NA (build first: cmake -S . -B build && cmake --build build)"

    NS=${NATS_SERVER_BIN:-}
    if [ -z "$NS" ]; then
        local c
        for c in "$ROOT/.cache/nats-server/usr/sbin/nats-server" "$ROOT/.cache/nats-server/usr/bin/nats-server" \
                 "$(command -v nats-server 2>/dev/null || true)"; do
            if [ -n "$c" ] && [ -x "$c" ]; then NS=$c; break; fi
        done
    fi
    [ -n "$NS" ] && [ -x "$NS" ] || die "no nats-server (set NATS_SERVER_BIN, or run scripts/fetch-nats-server.sh)"
    case $NS in /*) ;; *) NS=$PWD/$NS ;; esac
}

# Wait (at most 10 s) until the nats-server with pid $1 logging to $2 is
# ready; sets port and prints one line about it. Dies with the log's tail
# when it does not come up.
demo_wait_server() {
    local pid=$1 log=$2
    port=
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        if grep -q 'Server is ready' "$log" 2>/dev/null; then
            port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
            [ -n "$port" ] && break
        fi
        sleep 0.1
    done
    if [ -z "$port" ]; then
        printf '  nats-server did not start; its log (%s):\n' "$log"
        sed 's/^/    /' "$log" | tail -n 20
        die "nats-server did not start"
    fi
    printf '  %s listening on 127.0.0.1:%s (pid %s, log %s)\n' "$("$NS" --version)" "$port" "$pid" "$log"
}
