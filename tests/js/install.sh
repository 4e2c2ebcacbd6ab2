#!/usr/bin/env bash
# Install the JS second-opinion checker's dependencies (@nats-io/jwt,
# @nats-io/nkeys) into tests/js/node_modules (gitignored).
# Idempotent: returns at once when the pinned versions are already installed.
# The registry is whatever npm is configured with; none is named here.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"

die() { echo "tests/js/install.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node not found (install nodejs, see scripts/deps.sh)"
command -v npm >/dev/null 2>&1 || die "npm not found (install npm, see scripts/deps.sh)"

# Versions wanted, from package.json.
want() { node -e 'const p=require("./package.json");process.stdout.write(p.dependencies[process.argv[1]]||"")' "$1"; }
have() { node -e 'try{process.stdout.write(require("./node_modules/"+process.argv[1]+"/package.json").version)}catch(e){}' "$1"; }

ok=1
for pkg in @nats-io/jwt @nats-io/nkeys; do
    w=$(want "$pkg"); h=$(have "$pkg")
    if [ -z "$h" ] || [ "$h" != "$w" ]; then ok=0; fi
done
if [ "$ok" = 1 ] && [ -d node_modules/tweetnacl ]; then
    echo "tests/js: dependencies already installed" >&2
    exit 0
fi

echo "tests/js: npm install" >&2
if [ -f package-lock.json ]; then
    # exact versions and integrity hashes from the lockfile
    npm ci --no-audit --no-fund >&2 || npm install --no-audit --no-fund >&2
else
    npm install --no-audit --no-fund >&2
fi
node -e 'require("@nats-io/jwt"); require("@nats-io/nkeys")' \
    || die "npm install finished but @nats-io/jwt cannot be loaded"
echo "tests/js: installed @nats-io/jwt $(have @nats-io/jwt), @nats-io/nkeys $(have @nats-io/nkeys)" >&2
