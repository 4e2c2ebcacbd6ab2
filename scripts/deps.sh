#!/usr/bin/env bash
# Install everything natsauth needs on Debian bookworm, then fetch a
# nats-server binary for the integration tests (scripts/fetch-nats-server.sh).
#
#   scripts/deps.sh [--with-js]
#
# Runs as root (or through `sudo -n`). Non-interactive (CI runs it with no
# stdin and CI=true). Idempotent: when every package is already installed the
# apt work is skipped entirely (no `apt-get update`), so a repeated run takes
# well under a second once nats-server has been fetched.
#
# --with-js (or NATSAUTH_DEPS_JS=1) also runs tests/js/install.sh (npm install
# of @nats-io/jwt + @nats-io/nkeys for the JS second-opinion check).
#
# The last line on stdout is the absolute path of the nats-server binary.
set -euo pipefail

die() { echo "deps.sh: error: $*" >&2; exit 1; }
log() { echo "deps.sh: $*" >&2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

WITH_JS=${NATSAUTH_DEPS_JS:-0}
for a in "$@"; do
    case $a in
        --with-js) WITH_JS=1 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $a" ;;
    esac
done

# All of these exist in bookworm main (checked with apt-cache policy):
#   build-essential cmake pkg-config git ca-certificates  -- toolchain
#   libsodium-dev libjansson-dev libssl-dev libnats-dev libsqlite3-dev libcmocka-dev
#   libcurl4-openssl-dev libcrypt-dev -- callout daemon: webhook (libcurl), bcrypt (libxcrypt)
#   clang libclang-rt-14-dev   -- clang 14 + compiler-rt (libFuzzer, ASan/UBSan/LSan)
#   nodejs npm                 -- JS second-opinion check (tests/js)
#   python3 curl               -- test helpers (python3's crypt module: the callout demo's bcrypt hash)
#   openssl                    -- the callout TLS test makes its throwaway certificates with it
#   dpkg-dev                   -- dpkg-deb (used by fetch-nats-server.sh; also pulled by build-essential)
#   debian-archive-keyring     -- verifies the trixie index fetched by fetch-nats-server.sh
#   util-linux                 -- flock (essential, normally present)
PKGS=(
    build-essential cmake pkg-config git ca-certificates
    libsodium-dev libjansson-dev libssl-dev libnats-dev libsqlite3-dev libcmocka-dev
    libcurl4-openssl-dev libcrypt-dev
    clang libclang-rt-14-dev
    nodejs npm
    python3 curl openssl
    dpkg-dev debian-archive-keyring
)

[ -r /etc/debian_version ] || die "this script is for Debian (bookworm); /etc/debian_version not found"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found; not a Debian system?"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        die "must run as root (or with passwordless sudo) to install packages"
    fi
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# npm: NodeSource's nodejs package ships npm itself and declares
# "Provides/Conflicts: npm"; installing Debian's npm next to it would fail.
# So npm counts as present when the npm command exists or nodejs provides it.
npm_satisfied() {
    command -v npm >/dev/null 2>&1 && return 0
    dpkg-query -W -f='${Provides}' nodejs 2>/dev/null | grep -Eq '(^|[ ,])npm([ ,(]|$)'
}
# nodejs: a node already on PATH (any install method) is accepted.
nodejs_satisfied() { is_installed nodejs || command -v node >/dev/null 2>&1; }

missing=()
for p in "${PKGS[@]}"; do
    case $p in
        npm)    npm_satisfied    || missing+=("$p") ;;
        nodejs) nodejs_satisfied || missing+=("$p") ;;
        *)      is_installed "$p" || missing+=("$p") ;;
    esac
done

if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#PKGS[@]} packages already installed; skipping apt"
else
    log "missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    "${SUDO[@]}" apt-get -q update >&2 || die "apt-get update failed"
    # Keep only packages apt knows (all exist in bookworm; this guards other releases).
    install=()
    for p in "${missing[@]}"; do
        cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
            log "WARNING: package $p has no installation candidate here; skipping it"
        else
            install+=("$p")
        fi
    done
    if [ ${#install[@]} -gt 0 ]; then
        log "apt-get install ${install[*]}"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${install[@]}" </dev/null >&2 \
            || die "apt-get install failed for: ${install[*]}"
    fi
    for p in "${install[@]}"; do
        case $p in
            npm)    npm_satisfied    || die "npm still missing after apt-get install" ;;
            nodejs) nodejs_satisfied || die "nodejs still missing after apt-get install" ;;
            *)      is_installed "$p" || die "package $p still not installed after apt-get install" ;;
        esac
    done
fi

if [ "$WITH_JS" = 1 ]; then
    "$ROOT/tests/js/install.sh" || die "tests/js/install.sh failed"
fi

# nats-server for the integration tests (private apt config, nothing installed)
"$HERE/fetch-nats-server.sh" || die "scripts/fetch-nats-server.sh failed"
