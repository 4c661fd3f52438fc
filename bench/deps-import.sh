#!/usr/bin/env bash
# Import speed of the offline OSV store: `moat db import` of the shared
# osv.dev subset (../shared/osv/advisories.jsonl.gz, 11,573 advisories,
# 17.9 MB of JSON) into a new store, warm page cache, against the target of
# the dependency-scanning issue: under 2 s on this machine. Also times a
# re-import into the full store (nothing changes, nothing is rewritten) and
# `moat db status` (which checks every checksum). Prints the medians.
#
# Environment: MOAT (default build/moat), RUNS (10), OSV (the .jsonl.gz).
# Results and logs: bench/out/results/deps-import/.
# Exit status: 0 target met, 1 target missed, 2 could not measure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
res=$here/out/results/deps-import
MOAT=${MOAT:-$top/build/moat}
RUNS=${RUNS:-10}
OSV=${OSV:-$top/../shared/osv/advisories.jsonl.gz}
TARGET=2.0

die() { echo "deps-import: $*" >&2; exit 2; }

[ -x "$MOAT" ] || die "$MOAT not found: build moat first (make), or set MOAT=/path/to/moat"
[ -r "$OSV" ] || die "$OSV not found: set OSV=/path/to/advisories.jsonl.gz"
OSV=$(realpath "$OSV")
command -v python3 >/dev/null || die "python3 missing"
MOAT=$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")
mkdir -p "$res"
rm -f "$res"/*.json "$res"/*.log "$res"/*.db "$res"/*.db.lock "$res/summary.txt"
db=$res/osv.db
load_before=$(cut -d' ' -f1 /proc/loadavg)
cat "$OSV" >/dev/null # warm the page cache

q() { printf '%q' "$1"; }
fresh="rm -f $(q "$db"); $(q "$MOAT") -q db import --db $(q "$db") $(q "$OSV") >/dev/null"
again="$(q "$MOAT") -q db import --db $(q "$db") $(q "$OSV") >/dev/null"
status="$(q "$MOAT") db status --db $(q "$db") >/dev/null"

# One untimed run, kept: it must succeed and import everything.
"$MOAT" db import --db "$db" "$OSV" >"$res/import.log" 2>&1 ||
    { cat "$res/import.log" >&2; die "the import failed"; }
"$MOAT" db status --db "$db" >"$res/status.log" 2>&1 ||
    { cat "$res/status.log" >&2; die "status failed"; }

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

if command -v hyperfine >/dev/null; then
    timer="hyperfine"
    hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$res/times.json" \
        -n "fresh import" "$fresh" -n "re-import" "$again" -n "status" "$status" >&2 ||
        die "a timed command failed"
    read -r t_fresh t_again t_status < <(python3 - "$res/times.json" <<'EOF'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(r["fresh import"], r["re-import"], r["status"])
EOF
)
else
    timer="bash time"
    t() {
        local i t0 t1
        for ((i = 0; i < RUNS; i++)); do
            t0=$EPOCHREALTIME
            bash -c "$1" || die "failed: $1"
            t1=$EPOCHREALTIME
            awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f\n", b - a}'
        done | median
    }
    t_fresh=$(t "$fresh")
    t_again=$(t "$again")
    t_status=$(t "$status")
fi

ok=$(awk -v t="$t_fresh" -v m="$TARGET" 'BEGIN {print (t < m) ? 1 : 0}')
{
    echo "== moat OSV import benchmark: $(date '+%Y-%m-%d %H:%M'), $(nproc) cores =="
    echo "load average before/after: $load_before / $(cut -d' ' -f1 /proc/loadavg)" \
        "(other jobs on the machine skew timings)"
    echo "input: $OSV ($(stat -c %s "$OSV") bytes); timing: $timer, median of $RUNS runs"
    echo "moat: $(grep 'advisories read' "$res/import.log")"
    printf 'fresh import: %.3f s (target < %s s) %s\n' "$t_fresh" "$TARGET" \
        "$([ "$ok" = 1 ] && echo PASS || echo FAIL)"
    printf 're-import (no change): %.3f s\n' "$t_again"
    printf 'status (full checksum walk): %.3f s\n' "$t_status"
    echo "store: $(stat -c %s "$db") bytes"
} | tee "$res/summary.txt"
[ "$ok" = 1 ]
