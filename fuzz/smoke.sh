#!/bin/sh
# smoke.sh - run every libFuzzer target for a short while over a copy of its
# seed corpus (the repository is never modified). Exits non-zero if a target
# is missing or finds a crash, leak, timeout or property violation; the
# failing input is kept under BUILD_DIR/fuzz/artifacts/.
#
# usage: fuzz/smoke.sh BUILD_DIR [SECONDS]    (SECONDS per target, default 20)
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build=$1
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
targets="fuzz_jwt_decode fuzz_creds_parse fuzz_nkey_decode fuzz_xkey_open fuzz_claims_json fuzz_callout"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/natsauth-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
artifacts=$build/fuzz/artifacts
status=0

for t in $targets; do
    bin=$build/fuzz/$t
    if [ ! -x "$bin" ]; then
        echo "FAIL $t: $bin not built (configure with -DNATSAUTH_FUZZ=ON)"
        status=1
        continue
    fi
    mkdir -p "$tmp/$t" "$artifacts"
    if [ -d "$here/corpus/$t" ]; then
        cp "$here/corpus/$t"/* "$tmp/$t"/ 2>/dev/null
    fi
    "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$t-" "$tmp/$t" >"$tmp/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        echo "FAIL $t (exit $rc, ${execs:-?} execs); log tail:"
        tail -n 40 "$tmp/$t.log"
        status=1
    else
        echo "ok   $t: ${execs:-?} execs in ${secs}s"
    fi
done
exit $status
