#!/usr/bin/env bash
# Install every dependency (Debian packages; nats-server 2.10 from trixie into
# .cache/ through a private apt configuration), build natsauth, and show it
# working: a fresh operator, account and user, a creds file, and a verified
# decode of the user's JWT against its account and operator.
#
#   sudo bash scripts/setup.sh      # as root on Debian bookworm
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/deps.sh --with-js >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j 2 >/dev/null
NA=$ROOT/build/natsauth

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
umask 077
cd "$demo"
"$NA" keys gen operator >op.nk
"$NA" keys gen account >acct.nk
"$NA" keys gen user >user.nk
OP=$("$NA" keys pub op.nk)
ACCT=$("$NA" keys pub acct.nk)
USER=$("$NA" keys pub user.nk)
printf '{"sub":"%s","name":"demo-operator"}' "$OP" | "$NA" jwt sign --type operator --seed op.nk - >op.jwt
printf '{"sub":"%s","name":"demo-account","nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1}}}' "$ACCT" \
    | "$NA" jwt sign --type account --seed op.nk - >acct.jwt
printf '{"sub":"%s","name":"demo-user","nats":{"pub":{"allow":["orders.>"]},"sub":{"allow":["_INBOX.>"]},"subs":-1,"data":-1,"payload":-1}}' "$USER" \
    | "$NA" jwt sign --type user --seed acct.nk --expiry 1h - >user.jwt
"$NA" creds --jwt user.jwt --seed user.nk -o user.creds
echo "natsauth $("$NA" --version): operator $OP"
echo "  account $ACCT"
echo "  user    $USER (creds written, mode $(stat -c %a user.creds))"
echo
"$NA" decode --verify --operator op.jwt --account acct.jwt user.creds
