#!/usr/bin/env bash
# Runs moat's main job on the example repository: one scan with every
# analyzer (secrets, CI/CD and container config, vulnerable dependencies)
# that finds the planted problems and fails the gate. The vulnerability data
# comes from examples/advisories.jsonl, imported into a throw-away database
# under build/, so the example needs no network. Exit 0 when moat behaved as
# expected, so `make example` reads as a success.
set -uo pipefail
cd "$(dirname "$0")/.."
export MOAT_DB=build/example/osv.db
mkdir -p build/example
build/moat db import examples/advisories.jsonl || { echo "example: the import failed"; exit 1; }
echo
build/moat scan examples/leaky-repo
status=$?
echo
case $status in
1) echo "example: moat found the planted problems and failed the gate (exit 1), as it should." ;;
0) echo "example: the gate passed, but examples/leaky-repo holds planted problems"; exit 1 ;;
*) echo "example: moat exited with $status (error)"; exit 1 ;;
esac
