#!/usr/bin/env bash
# Run every moat benchmark in one go and print all their summaries at the end:
# the real tree (prepare-real-tree.sh), the tree scan against ripgrep and
# secretlint (secrets-tree.sh), the git-history scan against git log -p | rg
# (git-history.sh), the config audit against actionlint (config-tree.sh), and
# the dependency targets (deps-import.sh, deps-scan.sh). Each script prints its progress on stderr and its summary on
# stdout; the summaries are kept in bench/out/results/<script>.summary.
# Exit status: 0 every target met, 1 some target missed, 2 a script failed.
# The environment (MOAT, RUNS, GEN_SIZE, ...) is passed on to the scripts.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/out/results
mkdir -p "$out"

status=0
ran=()
run() { # NAME COMMAND...
    local name=$1 rc=0
    shift
    echo "==== $name ====" >&2
    "$@" | tee "$out/$name.summary" || rc=$?
    [ $rc -gt 2 ] && rc=2 # killed, or a shell error: could not measure
    echo "run-all: $name exited with status $rc" >&2
    [ $rc -gt $status ] && status=$rc
    ran+=("$name:$rc")
}

run prepare-real-tree bash "$here/prepare-real-tree.sh"
run secrets-tree bash "$here/secrets-tree.sh"
run git-history bash "$here/git-history.sh"
run config-tree bash "$here/config-tree.sh"
run deps-import bash "$here/deps-import.sh"
run deps-scan bash "$here/deps-scan.sh"

echo
echo "==================== moat benchmarks: summaries ===================="
for r in "${ran[@]}"; do
    name=${r%%:*}
    [ "$name" = prepare-real-tree ] && continue
    echo
    echo "---- $name (exit status ${r##*:}) ----"
    cat "$out/$name.summary"
done
exit $status
