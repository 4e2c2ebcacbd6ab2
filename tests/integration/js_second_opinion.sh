#!/usr/bin/env bash
# ctest test_js_second_opinion: natsauth-made tokens of every claim type,
# checked by the official JS library (@nats-io/jwt via tests/js/verify.mjs).
#
#   js_second_opinion.sh <gen_tokens binary> <tests/js dir>
#
# Passes when verify.mjs answers "OK <type> <sub>" for every token, with the
# types gen_tokens says it made, in order, and when a token with a corrupted
# signature is answered FAIL (so the checker really checks). node or
# tests/js/node_modules missing is a failure (CI installs them:
# scripts/deps.sh --with-js, or bash tests/js/install.sh).
set -uo pipefail

fail() { echo "test_js_second_opinion: FAIL: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[ $# -eq 2 ] || fail "usage: $0 <gen_tokens> <tests/js dir>"
GEN=$1
JSDIR=$2
NODE=${NODE:-node}

command -v "$NODE" >/dev/null 2>&1 \
    || fail "node not found (NODE=$NODE); install nodejs (scripts/deps.sh --with-js)"
[ -f "$JSDIR/verify.mjs" ] || fail "$JSDIR/verify.mjs is missing"
[ -d "$JSDIR/node_modules/@nats-io/jwt" ] \
    || fail "$JSDIR/node_modules/@nats-io/jwt is missing; run: bash tests/js/install.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/natsauth-js.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

"$GEN" > "$tmp/tokens" || fail "gen_tokens failed"
"$GEN" --types > "$tmp/types" || fail "gen_tokens --types failed"
n=$(wc -l < "$tmp/tokens")
[ "$n" -ge 7 ] || fail "gen_tokens printed only $n tokens"

# every claim type must be there
for t in operator account user activation authorization_request authorization_response generic; do
    grep -qx "$t" "$tmp/types" || fail "gen_tokens made no $t token"
done

"$NODE" "$JSDIR/verify.mjs" < "$tmp/tokens" > "$tmp/out" 2> "$tmp/err"
rc=$?
cat "$tmp/out"
cat "$tmp/err" >&2
[ "$rc" -eq 0 ] || fail "verify.mjs exited $rc"
grep -v '^OK ' "$tmp/out" && fail "verify.mjs reported a failure"
[ "$(wc -l < "$tmp/out")" -eq "$n" ] || fail "verify.mjs answered $(wc -l < "$tmp/out") of $n tokens"
awk '{print $2}' "$tmp/out" | diff -u "$tmp/types" - \
    || fail "claim types seen by the JS library differ from those natsauth made"

# negative control: a corrupted signature must be refused
"$GEN" --tampered > "$tmp/tampered" || fail "gen_tokens --tampered failed"
"$NODE" "$JSDIR/verify.mjs" < "$tmp/tampered" > "$tmp/tout" 2>/dev/null
trc=$?
cat "$tmp/tout"
[ "$trc" -eq 1 ] && grep -q '^FAIL ' "$tmp/tout" \
    || fail "verify.mjs accepted a token with a corrupted signature (exit $trc)"

echo "test_js_second_opinion: $n tokens OK, corrupted signature refused"
echo "2 passed, 0 failed"
