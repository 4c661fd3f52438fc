#!/bin/sh
# Time moat's git history scan against `git log -p --all | rg` with the same
# patterns, in one run, on the history bench/gen-history.sh makes (20,000
# commits unless COMMITS says otherwise), with a warm page cache and every
# core. Then time a repeated scan with --cache, the way CI runs it.
#
# usage: bench/git-history.sh      env: MOAT (build/moat), COMMITS (20000), RUNS (5)
#
# Prints, for example:
#   git-history: moat 1.23 s, git log -p | rg 9.87 s, ratio 8.0x (target >= 5x)
# then the repeated run's time, the CPU time of both, and the load average.
set -eu

cd "$(dirname "$0")/.."
MOAT=${MOAT:-build/moat}
COMMITS=${COMMITS:-20000}
RUNS=${RUNS:-5}
repo=bench/out/history
[ "$COMMITS" = 20000 ] || repo="bench/out/history-$COMMITS"
work=bench/out/git-history.tmp

die() {
    echo "git-history: $*" >&2
    exit 2
}

[ -x "$MOAT" ] || die "$MOAT is not built (run make, or set MOAT)"
for tool in git rg python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (tools/install-deps.sh installs it)"
done
case $MOAT in /*) ;; *) MOAT="$PWD/$MOAT" ;; esac

bench/gen-history.sh "$COMMITS" "$repo"
rm -rf "$work"
mkdir -p "$work"
pats="$work/patterns"
# rg gets exactly moat's rules, one regex per line
if ! "$MOAT" rules --patterns > "$pats" 2> "$work/rules.err" || [ ! -s "$pats" ]; then
    cat "$work/rules.err" >&2
    die "'moat rules --patterns' gave no patterns; rg needs the same rules as moat"
fi

moat_cmd="'$MOAT' scan --git --only secrets --format json --output /dev/null '$repo'"
peer_cmd="git -C '$repo' log -p --all | rg --no-unicode -c -f '$pats'"
cache="$work/blobs.cache"
cached_cmd="'$MOAT' scan --git --cache '$cache' --only secrets --format json --output /dev/null '$repo'"

# Warm the page cache, check that both sides see the planted keys, and fill
# the blob cache for the incremental run.
"$MOAT" scan --git --only secrets --format json --output "$work/report.json" "$repo" || true
found=$(git -C "$repo" log -p --all | rg --no-unicode -c -f "$pats" || true)
"$MOAT" scan --git --cache "$cache" --only secrets --format json --output /dev/null "$repo" || true
python3 - "$work/report.json" "$found" "$repo.secrets" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
planted = sum(1 for _ in open(sys.argv[3]))
print("git-history: %d commits, %d unique blobs (%.0f MB); moat: %d findings (%d keys planted), "
      "rg: %s matching lines" % (s.get("commits", 0), s["files"], s.get("bytes", 0) / 1e6,
                                 len(d["findings"]), planted, sys.argv[2] or 0))

PY

# The numbers mean something only on an otherwise idle machine: say how busy
# it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

# median seconds of each command, in the order given
cpu=""
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --style none --warmup 1 --runs "$RUNS" -i --export-json "$work/times.json" \
        "$moat_cmd" "$peer_cmd" "$cached_cmd" > "$work/hyperfine.log" 2>&1 ||
        { cat "$work/hyperfine.log" >&2; die "hyperfine failed"; }
    times=$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.3f" % r["median"])' "$work/times.json")
    # CPU time (user+sys, mean) of moat and of the pipeline: less noisy than
    # the wall clock when other jobs share the cores
    cpu=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("git-history: CPU time (user+sys, mean): moat %.2f s, git log -p | rg %.2f s"
      % (r[0]["user"] + r[0]["system"], r[1]["user"] + r[1]["system"]))' "$work/times.json")
else
    times=""
    for cmd in "$moat_cmd" "$peer_cmd" "$cached_cmd"; do
        t=$(python3 - "$cmd" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
cmd, runs = sys.argv[1], int(sys.argv[2])
ts = []
for _ in range(runs):
    t0 = time.monotonic()
    subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.monotonic() - t0)
print("%.3f" % statistics.median(ts))
PY
)
        times="$times $t"
    done
fi
# shellcheck disable=SC2086
set -- $times
python3 - "$1" "$2" "$3" <<'PY'
import sys
moat, peer, cached = (float(x) for x in sys.argv[1:4])
print("git-history: moat %.2f s, git log -p | rg %.2f s, ratio %.1fx (target >= 5x)"
      % (moat, peer, peer / moat))
print("git-history: moat --cache, second run %.2f s, ratio %.1fx" % (cached, peer / cached))
PY
[ -z "$cpu" ] || echo "$cpu"
echo "git-history: load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
