#!/usr/bin/env bash
# Fetch a nats-server binary for the integration tests, from Debian trixie's
# nats-server package (2.10.x), WITHOUT touching the system's apt setup:
# a private apt configuration (sources.list, lists, caches) lives under
# .cache/apt-trixie/ in the repo (gitignored), the .deb is unpacked with
# `dpkg -x` into .cache/nats-server/. Nothing is installed system-wide.
#
#   scripts/fetch-nats-server.sh        # prints the absolute binary path (last line of stdout)
#
# Environment:
#   NATS_SERVER_BIN   if set: must be executable; it is printed and nothing is fetched
#   DEBIAN_MIRROR     Debian mirror base URL (default: read from the system's apt sources)
#   NATS_SERVER_SUITE Debian suite to take the package from (default: trixie)
#   NATS_SERVER_DEB_VERSION  exact Debian version to download (default: newest in the suite)
#   NATSAUTH_CACHE    cache root (default: <repo>/.cache)
#
# Idempotent: when the extracted binary exists and `--version` runs, it only
# prints the path. Progress goes to stderr, the path alone to stdout.
set -euo pipefail

die() { echo "fetch-nats-server.sh: error: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${NATSAUTH_CACHE:-$ROOT/.cache}
SUITE=${NATS_SERVER_SUITE:-trixie}
APTDIR=$CACHE/apt-$SUITE
DEST=$CACHE/nats-server

# 0. explicit binary
if [ -n "${NATS_SERVER_BIN:-}" ]; then
    if [ ! -f "$NATS_SERVER_BIN" ] || [ ! -x "$NATS_SERVER_BIN" ]; then
        die "NATS_SERVER_BIN=$NATS_SERVER_BIN is not an executable file"
    fi
    case $NATS_SERVER_BIN in
        /*) printf '%s\n' "$NATS_SERVER_BIN" ;;
        *)  printf '%s/%s\n' "$(cd "$(dirname "$NATS_SERVER_BIN")" && pwd)" "$(basename "$NATS_SERVER_BIN")" ;;
    esac
    exit 0
fi

find_bin() {
    local c
    for c in "$DEST/usr/sbin/nats-server" "$DEST/usr/bin/nats-server"; do
        if [ -f "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}

bin_ok() { "$1" --version >/dev/null 2>&1; }

# 1. already extracted?
if bin=$(find_bin) && bin_ok "$bin"; then
    printf '%s\n' "$bin"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found (this script needs Debian's apt)"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found"

# shellcheck source=scripts/lib-apt-private.sh
. "$HERE/lib-apt-private.sh"

mkdir -p "$APTDIR"
# serialize concurrent runs (parallel CI jobs sharing one checkout)
if command -v flock >/dev/null 2>&1; then
    exec 9>"$APTDIR/.lock"
    flock 9
    # another run may have finished the job while we waited
    if bin=$(find_bin) && bin_ok "$bin"; then
        printf '%s\n' "$bin"
        exit 0
    fi
fi

MIRROR=$(apt_private_mirror) || die "cannot determine the Debian mirror (set DEBIAN_MIRROR)"
apt_private_setup "$APTDIR" "$MIRROR" "$SUITE" || die "private apt setup in $APTDIR failed"

# newest .deb in the current directory matching the glob $1 (empty if none)
newest_deb() { find . -maxdepth 1 -type f -name "$1" -printf '%f\n' | sort -V | tail -n1; }

# 2. download the .deb (reuse one that is already there)
cd "$APTDIR/debs"
if [ -n "${NATS_SERVER_DEB_VERSION:-}" ]; then
    fver=${NATS_SERVER_DEB_VERSION//:/%3a}
    pat="nats-server_${fver}_*.deb"
    spec="nats-server=$NATS_SERVER_DEB_VERSION"
else
    pat="nats-server_*.deb"
    spec="nats-server/$SUITE"
fi
deb=$(newest_deb "$pat")
if [ -z "$deb" ]; then
    apt_private_update "$APTDIR" || die "apt-get update for $SUITE failed (mirror $MIRROR)"
    echo ">> apt-get download $spec" >&2
    if ! apt-get -q "${APT_PRIVATE_OPTS[@]}" download "$spec" >&2; then
        # stale lists (version removed from the mirror): refresh once and retry
        apt_private_update "$APTDIR" 0 || die "apt-get update for $SUITE failed (mirror $MIRROR)"
        apt-get -q "${APT_PRIVATE_OPTS[@]}" download "$spec" >&2 \
            || die "apt-get download $spec failed (mirror $MIRROR, private config $APTDIR)"
    fi
    deb=$(newest_deb "$pat")
    [ -n "$deb" ] || die "apt-get download reported success but no $pat in $APTDIR/debs"
fi
[ "$(dpkg-deb -f "$deb" Package)" = nats-server ] || die "$APTDIR/debs/$deb is not a nats-server package"
ver=$(dpkg-deb -f "$deb" Version)
echo ">> using $deb (nats-server $ver from $SUITE)" >&2

# 3. extract into a fresh directory, then swap it in
tmp=$CACHE/.nats-server.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
if ! dpkg -x "$deb" "$tmp"; then
    rm -f "$deb"   # likely a truncated download: fetch it again next time
    die "dpkg -x $APTDIR/debs/$deb failed (removed it; run again to re-download)"
fi
printf '%s\n' "$ver" > "$tmp/.deb-version"
rm -rf "$DEST"
mv "$tmp" "$DEST"
trap - EXIT

bin=$(find_bin) || die "no nats-server binary in $deb (looked in $DEST/usr/{s,}bin)"
if ! out=$("$bin" --version 2>&1); then
    die "extracted $bin does not run here: $out"
fi
echo ">> $out" >&2
printf '%s\n' "$bin"
