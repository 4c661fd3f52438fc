#!/usr/bin/env bash
# Runs moat's main job on the example repository: a scan that finds the
# planted (fake) secrets and fails the gate. Exit 0 when moat behaved as
# expected, so `make example` reads as a success.
set -uo pipefail
cd "$(dirname "$0")/.."
build/moat scan examples/leaky-repo
status=$?
echo
case $status in
1) echo "example: moat found the planted secrets and failed the gate (exit 1), as it should." ;;
0) echo "example: the gate passed, but examples/leaky-repo holds planted secrets"; exit 1 ;;
*) echo "example: moat exited with $status (error)"; exit 1 ;;
esac
