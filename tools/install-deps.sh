#!/usr/bin/env bash
# Install every Debian 12 package that building, testing, fuzzing and
# benchmarking moat needs. Idempotent: safe to run again at any time.
set -euo pipefail

pkgs=(
    build-essential pkg-config git ca-certificates
    libhyperscan-dev libpcre2-dev libgit2-dev libyaml-dev libjansson-dev
    libarchive-dev libsodium-dev libxml2-dev zlib1g-dev
    libcmocka-dev bats
    clang llvm libclang-rt-14-dev clang-format clang-tidy cppcheck valgrind
    python3 python3-jsonschema ripgrep zip
    time hyperfine # bench/
)
# bench/ also runs secretlint from npm; a machine that has Node.js from
# elsewhere keeps it (Debian's npm conflicts with other Node.js packages).
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
