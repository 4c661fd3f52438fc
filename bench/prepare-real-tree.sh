#!/usr/bin/env bash
# Build the real source tree that bench/secrets-tree.sh scans: the node_modules
# of a dozen large npm packages (typescript, aws-sdk, googleapis, monaco-editor,
# firebase, ...), at the exact versions of bench/real-tree/package-lock.json,
# installed with `npm ci --ignore-scripts` (nothing from the packages runs) into
# bench/out/real/node_modules. Idempotent: does nothing when the installed
# lockfile already matches. Prints the tree's size and file count.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=$here/out/real
tree=$dest/node_modules

die() { echo "prepare-real-tree: $*" >&2; exit 2; }

command -v npm >/dev/null || die "npm is missing (Debian: apt-get install nodejs npm)"

report() {
    local bytes files
    bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    files=$(find "$tree" -type f | wc -l)
    echo "prepare-real-tree: $tree: $((bytes / 1048576)) MiB ($bytes bytes), $files files"
}

if [ -d "$tree" ] && [ -f "$dest/.installed.lock" ] &&
    cmp -s "$here/real-tree/package-lock.json" "$dest/.installed.lock"; then
    echo "prepare-real-tree: up to date"
    report
    exit 0
fi

mkdir -p "$dest"
rm -rf "$tree" "$dest/.installed.lock"
cp "$here/real-tree/package.json" "$here/real-tree/package-lock.json" "$dest/"
echo "prepare-real-tree: npm ci into $dest (about 560 MiB to download the first time)"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cp "$here/real-tree/package-lock.json" "$dest/.installed.lock"
report
