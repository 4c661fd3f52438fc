#!/usr/bin/env bash
# Speed and memory of the deps analyzer end to end: `moat scan --only deps`
# of a 2,000-package package-lock.json (bench/gen-package-lock.py) against
# the shared OSV subset (11,573 advisories, imported first), warm cache,
# against the dependency issue's target of 50 ms. Memory must follow the
# lockfile, not the database: the peak RSS of the 2,000-package scan is
# compared with a 20-package one and with the store's size.
#
# Environment: MOAT (default build/moat), RUNS (20), OSV (the .jsonl.gz).
# Results: bench/out/results/deps-scan/. Exit: 0 met, 1 missed, 2 could not measure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
res=$here/out/results/deps-scan
MOAT=${MOAT:-$top/build/moat}
RUNS=${RUNS:-20}
OSV=${OSV:-$top/../shared/osv/advisories.jsonl.gz}
TARGET_MS=50

die() { echo "deps-scan: $*" >&2; exit 2; }

[ -x "$MOAT" ] || die "$MOAT not found: build moat first (make), or set MOAT=/path/to/moat"
[ -r "$OSV" ] || die "$OSV not found: set OSV=/path/to/advisories.jsonl.gz"
command -v hyperfine >/dev/null || die "hyperfine missing (tools/install-deps.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (tools/install-deps.sh)"
MOAT=$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")
rm -rf "$res"
mkdir -p "$res/big" "$res/small"
export MOAT_DB=$res/osv.db
"$MOAT" -q db import "$OSV" >/dev/null 2>&1 || die "import failed"
python3 "$here/gen-package-lock.py" "$OSV" 2000 "$res/big/package-lock.json"
python3 "$here/gen-package-lock.py" "$OSV" 20 "$res/small/package-lock.json"

q() { printf '%q' "$1"; }
scan() { echo "$(q "$MOAT") -q scan --only deps -f json -o /dev/null $(q "$1") || [ \$? -eq 1 ]"; }
load_before=$(cut -d' ' -f1 /proc/loadavg)
hyperfine --style basic --runs "$RUNS" --warmup 3 --export-json "$res/times.json" \
    -n "2,000 packages" "$(scan "$res/big")" -n "20 packages" "$(scan "$res/small")" >&2 ||
    die "a timed command failed"
read -r t_big t_small < <(python3 - "$res/times.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(r["2,000 packages"], r["20 packages"])
PY
)
rss() { # peak RSS in KiB
    { /usr/bin/time -f %M "$MOAT" -q scan --only deps -f json -o /dev/null "$1" 2>&1 >/dev/null || true; } | tail -1
}
rss_big=$(rss "$res/big")
rss_small=$(rss "$res/small")
"$MOAT" scan --only deps -f json -o "$res/findings.json" "$res/big" 2>/dev/null || true
nfind=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$res/findings.json")
ms=$(awk -v t="$t_big" 'BEGIN {printf "%.1f", t * 1000}')
ok=$(awk -v t="$t_big" -v m="$TARGET_MS" 'BEGIN {print (t * 1000 < m) ? 1 : 0}')
{
    echo "== moat deps scan benchmark: $(date '+%Y-%m-%d %H:%M'), $(nproc) cores =="
    echo "load average before/after: $load_before / $(cut -d' ' -f1 /proc/loadavg)"
    echo "database: $(stat -c %s "$MOAT_DB") bytes, 11,573 advisories; hyperfine median of $RUNS runs"
    printf '2,000-package package-lock.json: %s ms end to end, %s findings (target < %s ms) %s\n' \
        "$ms" "$nfind" "$TARGET_MS" "$([ "$ok" = 1 ] && echo PASS || echo FAIL)"
    printf '20-package package-lock.json: %.1f ms\n' "$(awk -v t="$t_small" 'BEGIN {print t * 1000}')"
    echo "peak RSS: 2,000 packages $rss_big KiB, 20 packages $rss_small KiB," \
        "store $(( $(stat -c %s "$MOAT_DB") / 1024 )) KiB"
} | tee "$res/summary.txt"
[ "$ok" = 1 ]
