#!/usr/bin/env bash
# Install the JS callout responder's dependency (@nats-io/transport-node,
# pinned in package.json, exact versions in package-lock.json) into
# bench/js/node_modules (ignored by git: bench/js/.gitignore).
# Idempotent: returns at once when the pinned version is already installed.
# The registry is whatever npm is configured with; none is named here.
# 3.3.1 is the newest release whose dependencies support node 20 (3.4.0
# pulls @nats-io/nuid 3, which requires node >= 22).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"

die() { echo "bench/js/install.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node not found (install nodejs, see scripts/deps.sh)"
command -v npm >/dev/null 2>&1 || die "npm not found (install npm, see scripts/deps.sh)"

pkg=@nats-io/transport-node
want=$(node -e 'process.stdout.write(require("./package.json").dependencies[process.argv[1]]||"")' "$pkg")
have=$(node -e 'try{process.stdout.write(require("./node_modules/"+process.argv[1]+"/package.json").version)}catch(e){}' "$pkg")
if [ -n "$have" ] && [ "$have" = "$want" ]; then
    echo "bench/js: $pkg $have already installed" >&2
    exit 0
fi

echo "bench/js: npm install" >&2
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund >&2 || npm install --no-audit --no-fund >&2
else
    npm install --no-audit --no-fund >&2
fi
node --input-type=module -e 'await import("@nats-io/transport-node")' \
    || die "npm install finished but $pkg cannot be loaded"
echo "bench/js: installed $pkg $(node -e 'process.stdout.write(require("./node_modules/@nats-io/transport-node/package.json").version)')" >&2
