#!/usr/bin/env bash
# Secret-scan speed on file trees: moat against ripgrep and secretlint, side by
# side in one run, warm page cache, on
#   - the real tree: node_modules of pinned npm packages (prepare-real-tree.sh),
#   - the generated tree: gen-tree.py, with planted fake secrets,
# plus secretlint on a ~25 MB part of each tree, and moat's peak memory on
# generated trees of two sizes. Prints throughputs (MB = 10^6 bytes) and the
# ratios against the targets of issue 2. See bench/README.md.
#
# Environment: MOAT (default build/moat), RUNS (timed runs of moat, 5),
# RG_RUNS (of rg, 2), SL_RUNS (of secretlint, 1), GEN_SIZE (600M), GEN_SMALL_SIZE (100M),
# SUBSET_MB (25), SKIP_SECRETLINT=1. Results and logs: bench/out/results/secrets-tree/.
# Exit status: 0 every target met, 1 some target missed, 2 could not measure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$here/out
res=$work/results/secrets-tree
MOAT=${MOAT:-$top/build/moat}
RUNS=${RUNS:-5}
RG_RUNS=${RG_RUNS:-2}
SL_RUNS=${SL_RUNS:-1}
GEN_SIZE=${GEN_SIZE:-600M}
GEN_SMALL_SIZE=${GEN_SMALL_SIZE:-100M}
SUBSET_MB=${SUBSET_MB:-25}
SKIP_SECRETLINT=${SKIP_SECRETLINT:-0}

die() { echo "secrets-tree: $*" >&2; exit 2; }
say() { echo "secrets-tree: $*" >&2; }

# ---- tools ---------------------------------------------------------------

[ -x "$MOAT" ] || die "$MOAT not found: build moat first (make), or set MOAT=/path/to/moat"
MOAT=$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")
command -v rg >/dev/null || die "ripgrep missing (tools/install-deps.sh installs it)"
command -v python3 >/dev/null || die "python3 missing"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package 'time')"
if [ "$SKIP_SECRETLINT" != 1 ]; then
    { command -v node && command -v npm; } >/dev/null ||
        die "node/npm missing (Debian packages nodejs npm), or set SKIP_SECRETLINT=1"
fi
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

load_before=$(cut -d' ' -f1 /proc/loadavg)
mkdir -p "$res"
rm -f "$res"/*.json "$res"/*.tsv "$res"/*.txt "$res"/*.log "$res"/*.out "$res/verdict"

pat=$res/patterns.txt
if ! "$MOAT" rules --patterns >"$pat" 2>"$res/patterns.err"; then
    cat "$res/patterns.err" >&2
    die "'$MOAT rules --patterns' failed: this moat cannot print its rule regexes yet"
fi
npat=$(grep -c . "$pat" || true)
[ "$npat" -gt 0 ] || die "'$MOAT rules --patterns' printed no patterns"

# ripgrep's default engine must accept every pattern, or the comparison is
# not of the same regexes. Exit 2 from rg means a pattern did not compile.
rgpat=$pat
set +e
rg --no-unicode -c -f "$pat" /dev/null >/dev/null 2>"$res/rg-patterns.err"
rc=$?
set -e
dropped=""
if [ $rc -eq 2 ]; then
    # Find the offenders one by one and leave them out of rg's set only:
    # rg then does less work than moat, which favours rg.
    rgpat=$res/patterns-rg.txt
    : >"$rgpat"
    while IFS= read -r re; do
        if printf '%s\n' "$re" | rg --no-unicode -c -f - /dev/null >/dev/null 2>&1 ||
            [ $? -eq 1 ]; then
            printf '%s\n' "$re" >>"$rgpat"
        else
            dropped="$dropped$re"$'\n'
        fi
    done <"$pat"
    say "WARNING: ripgrep rejects $(printf '%s' "$dropped" | grep -c .) of $npat patterns;" \
        "they are left out of rg's set (see $res/patterns-rg-dropped.txt)"
    printf '%s' "$dropped" >"$res/patterns-rg-dropped.txt"
fi

moat_version=$("$MOAT" --version 2>/dev/null | head -1 || echo unknown)
rg_version=$(rg --version | head -1)

# ---- trees ---------------------------------------------------------------

"$here/prepare-real-tree.sh" >&2
python3 "$here/gen-tree.py" --size "$GEN_SIZE" "$work/gen" >&2
python3 "$here/gen-tree.py" --size "$GEN_SMALL_SIZE" "$work/gen-small" >&2
real=$work/real/node_modules
gen=$work/gen
gen_small=$work/gen-small

# Bytes and files the way both tools see the tree: regular files (symlinks
# are not followed by either), hidden ones included, .git directories left out.
tree_bytes() { find "$1" -name .git -prune -o -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
tree_files() { find "$1" -name .git -prune -o -type f -print | wc -l; }

# A SUBSET_MB part of a tree for secretlint, as hard links under
# work/subset-NAME: whole directories (npm packages, projects) in byte order of
# their paths, descending into a directory that would overshoot the target by
# more than a quarter. secretlint skips every node_modules/ and .git/
# directory and follows symlinks, so those are removed from the copy: all tools
# then scan the same files.
make_subset() { # SRC DST
    local want=$((SUBSET_MB * 1000000))
    subset_have=0
    rm -rf "$2"
    mkdir -p "$2"
    subset_add "$1" "$2" "" "$want"
    find "$2" \( -name node_modules -o -name .git \) -type d -prune -exec rm -rf {} +
    find "$2" -type l -delete
}

subset_add() { # SRC DST REL WANT
    local src=$1 dst=$2 rel=$3 want=$4 d e sz
    while IFS= read -r d; do
        [ "$subset_have" -ge "$want" ] && return
        e=${rel:+$rel/}$d
        sz=$(tree_bytes "$src/$e")
        if [ $((subset_have + sz)) -gt $((want * 5 / 4)) ]; then
            subset_add "$src" "$dst" "$e" "$want"
            continue
        fi
        mkdir -p "$dst/$(dirname "$e")"
        cp -al "$src/$e" "$dst/$e"
        subset_have=$((subset_have + sz))
    done < <(find "$src/${rel:-.}" -mindepth 1 -maxdepth 1 -type d ! -name '.*' \
        ! -name node_modules -printf '%f\n' | LC_ALL=C sort)
}

warm() { find "$1" -type f -print0 | xargs -0 -r cat >/dev/null; }

# ---- timing --------------------------------------------------------------

# bench NAME RUNS WARMUP label1 cmd1 [label2 cmd2 ...]: appends "label<TAB>median
# seconds" lines to $res/times.tsv. Uses hyperfine when present, else the
# median of RUNS runs timed by bash after WARMUP untimed ones. A command that
# fails stops the benchmark: the commands check their own exit status
# (moat and rg exit 1 when they find something, see moat_cmd and rg_cmd).
bench() {
    local name=$1 runs=$2 warmup=$3
    shift 3
    if [ $have_hyperfine = 1 ]; then
        local args=()
        while [ $# -gt 0 ]; do
            args+=(-n "$1" "$2")
            shift 2
        done
        # --output=pipe: no /dev/null shortcut for any tool.
        hyperfine --style basic --output=pipe --runs "$runs" --warmup "$warmup" \
            --export-json "$res/$name.json" "${args[@]}" >&2 ||
            die "$name: a command failed (its exit status is above)"
        python3 - "$res/$name.json" >>"$res/times.tsv" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.6f" % (r["command"], r["median"]))
EOF
    else
        while [ $# -gt 0 ]; do
            local label=$1 cmd=$2 i t0 t1 ts=()
            shift 2
            for ((i = 0; i < warmup; i++)); do
                bash -c "$cmd" >/dev/null 2>&1 || die "$label failed: $cmd"
            done
            for ((i = 0; i < runs; i++)); do
                t0=$EPOCHREALTIME
                bash -c "$cmd" 2>/dev/null | cat >/dev/null || die "$label failed: $cmd"
                t1=$EPOCHREALTIME
                ts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')")
            done
            printf '%s\t%s\n' "$label" "$(printf '%s\n' "${ts[@]}" | sort -g |
                awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')" \
                >>"$res/times.tsv"
            say "$label: median of $runs runs: $(tail -1 "$res/times.tsv" | cut -f2) s"
        done
    fi
}

# validate_moat LABEL REPORT CMD: run moat once untimed (this also warms every
# cache it touches), keep its report and stderr. Exit status 0 or 1 (found
# something) is fine; 2 with a complete report that counts unscannable files
# (summary.errors > 0) is a warning, not a stop: moat scanned everything else,
# and the summary shows the count. Anything else stops the benchmark.
validate_moat() {
    local rc=0 nerr
    bash -c "$3" >/dev/null 2>"$res/$1.log" || rc=$?
    [ $rc -le 1 ] && return 0
    nerr=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["errors"])' \
        "$2" 2>/dev/null || echo 0)
    if [ $rc -eq 2 ] && [ "$nerr" -gt 0 ]; then
        say "WARNING: $1: moat could not scan $nerr file(s); timing it anyway:"
        grep -i warn "$res/$1.log" | head -5 >&2
        return 0
    fi
    tail -5 "$res/$1.log" >&2
    die "$1 exited with status $rc: $3"
}

q() { printf '%q' "$1"; }

moat_cmd() { # TREE THREADS(0 = default) OUT
    local t=""
    [ "$2" -gt 0 ] && t=" --threads $2"
    echo "$(q "$MOAT") scan $(q "$1") --only secrets --no-ignore$t --format json --output $(q "$3")"
}
# For timing: 1 = found something; 2 = some file could not be scanned, which
# validate_moat has already accepted (or stopped on) for this tree.
moat_timed() { echo "$(moat_cmd "$@"); [ \$? -le 2 ]"; }
rg_cmd() { # TREE JOBS(0 = default)
    local j=""
    [ "$2" -gt 0 ] && j=" -j$2"
    echo "rg --no-unicode --no-ignore --hidden -g '!.git'$j -c -f $(q "$rgpat") $(q "$1")"
}
rg_timed() { echo "$(rg_cmd "$@"); [ \$? -le 1 ]"; }

: >"$res/times.tsv"
declare -A BYTES FILES RGFILES

run_tree() { # NAME TREE
    local name=$1 tree=$2
    BYTES[$name]=$(tree_bytes "$tree")
    FILES[$name]=$(tree_files "$tree")
    RGFILES[$name]=$(rg --no-ignore --hidden -g '!.git' --files "$tree" | wc -l)
    say "$name: $tree: ${BYTES[$name]} bytes, ${FILES[$name]} files (rg lists ${RGFILES[$name]})"
    warm "$tree"
    validate_moat "$name-moat" "$res/$name-findings.json" \
        "$(moat_cmd "$tree" 0 "$res/$name-findings.json")"
    bench "$name" "$RUNS" 1 \
        "$name moat" "$(moat_timed "$tree" 0 /dev/null)" \
        "$name moat-t1" "$(moat_timed "$tree" 1 /dev/null)"
    # rg is slow with moat's whole rule set (one big alternation), so fewer
    # runs; the cache is warm already.
    bench "$name-rg" "$RG_RUNS" 0 \
        "$name rg" "$(rg_timed "$tree" 0)" \
        "$name rg-j1" "$(rg_timed "$tree" 1)"
}

run_subset() { # NAME TREE
    local name=$1 tree=$2 sub=$work/subset-$1 sl=$work/secretlint
    make_subset "$tree" "$sub"
    BYTES[$name-sub]=$(tree_bytes "$sub")
    FILES[$name-sub]=$(tree_files "$sub")
    say "$name subset for secretlint: $sub: ${BYTES[$name-sub]} bytes, ${FILES[$name-sub]} files"
    warm "$sub"
    local slc
    slc="cd $(q "$sub") && node $(q "$sl/node_modules/secretlint/bin/secretlint.js")"
    slc="$slc --secretlintrc $(q "$here/secretlint/.secretlintrc.json") --format json"
    validate_moat "$name-sub-moat" "$res/$name-sub-findings.json" \
        "$(moat_cmd "$sub" 0 "$res/$name-sub-findings.json")"
    bench "$name-sub" "$RUNS" 1 "$name-sub moat" "$(moat_timed "$sub" 0 /dev/null)"
    bench "$name-sub-rg" "$RG_RUNS" 0 "$name-sub rg" "$(rg_timed "$sub" 0)"
    # With --output, secretlint exits 0 whatever it finds; 2 is an error.
    bench "$name-sub-sl" "$SL_RUNS" 0 "$name-sub secretlint" \
        "$slc --output $(q "$res/$name-sub-secretlint.json") '**/*'"
}

# Peak resident memory of one moat scan (default threads), in KiB.
peak_kib() { # TREE
    /usr/bin/time -f %M -o "$res/time.out" \
        "$MOAT" scan "$1" --only secrets --no-ignore --format json --output /dev/null || true
    tail -1 "$res/time.out"
}

run_tree real "$real"
run_tree gen "$gen"

if [ "$SKIP_SECRETLINT" != 1 ]; then
    sl=$work/secretlint
    if ! [ -f "$sl/.installed.lock" ] || ! cmp -s "$here/secretlint/package-lock.json" \
        "$sl/.installed.lock"; then
        rm -rf "$sl"
        mkdir -p "$sl"
        cp "$here/secretlint/package.json" "$here/secretlint/package-lock.json" "$sl/"
        (cd "$sl" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
        cp "$here/secretlint/package-lock.json" "$sl/.installed.lock"
    fi
    sl_version=$(node "$sl/node_modules/secretlint/bin/secretlint.js" --version)
    run_subset real "$real"
    run_subset gen "$gen"
fi

BYTES[gen-small]=$(tree_bytes "$gen_small")
FILES[gen-small]=$(tree_files "$gen_small")
warm "$gen_small"
mem_small=$(peak_kib "$gen_small")
mem_gen=$(peak_kib "$gen")
mem_real=$(peak_kib "$real")

# ---- summary -------------------------------------------------------------

export RES=$res SKIP_SECRETLINT NPAT=$npat RUNS RG_RUNS SL_RUNS
export MOAT_VERSION="$moat_version" RG_VERSION="$rg_version" SL_VERSION="${sl_version:-}"
export HAVE_HYPERFINE=$have_hyperfine DROPPED="$dropped"
export LOAD_BEFORE=$load_before GEN_MANIFEST=$gen.secrets.json MEM_SMALL=$mem_small MEM_GEN=$mem_gen MEM_REAL=$mem_real
for k in "${!BYTES[@]}"; do
    echo "$k ${BYTES[$k]} ${FILES[$k]} ${RGFILES[$k]:-}"
done >"$res/trees.txt"

python3 - >"$res/summary.txt" <<'EOF'
import json, os, platform, time
res = os.environ["RES"]
t = {}
cpu = {}
for name in ("real", "gen"):
    try:
        for r in json.load(open(os.path.join(res, name + ".json")))["results"]:
            cpu[r["command"]] = r["user"] + r["system"]
    except (OSError, ValueError, KeyError):
        pass
for line in open(os.path.join(res, "times.tsv")):
    k, v = line.rstrip("\n").split("\t")
    t[k] = float(v)
trees = {}
for line in open(os.path.join(res, "trees.txt")):
    p = line.split()
    trees[p[0]] = (int(p[1]), int(p[2]), int(p[3]) if len(p) > 3 else None)

def mbs(name, secs):
    return trees[name][0] / 1e6 / secs

def verdict(ok):
    return "PASS" if ok else "FAIL"

model = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
out = []
out.append("== moat secrets tree benchmark: %s, %s, %d cores, %s ==" % (
    time.strftime("%Y-%m-%d %H:%M"), model, os.cpu_count(), platform.node()))
out.append("load average before/after: %s / %s (other jobs on the machine skew timings)" % (
    os.environ["LOAD_BEFORE"], open("/proc/loadavg").read().split()[0]))
out.append("versions: %s | %s | secretlint %s | timing: %s" % (
    os.environ["MOAT_VERSION"], os.environ["RG_VERSION"], os.environ["SL_VERSION"] or "-",
    "%s: median of %s moat runs after 1 warmup, %s rg, %s secretlint" % (
        "hyperfine" if os.environ["HAVE_HYPERFINE"] == "1" else "bash time",
        os.environ["RUNS"], os.environ["RG_RUNS"], os.environ["SL_RUNS"])))
dropped = [d for d in os.environ["DROPPED"].split("\n") if d]
out.append("patterns: %s regexes from `moat rules --patterns`%s" % (
    os.environ["NPAT"], "; %d rejected by rg's engine and left out of rg's set (favours rg)"
    % len(dropped) if dropped else ", all given to rg as one alternation (-f)"))
ok_all = True
for name, label in (("real", "real tree"), ("gen", "generated tree")):
    b, f, rgf = trees[name]
    m, m1, r, r1 = (t["%s %s" % (name, c)] for c in ("moat", "moat-t1", "rg", "rg-j1"))
    # The 1 GB/s target is for the real tree; the generated one is shown.
    ok_speed = mbs(name, m) >= 1000 or name != "real"
    ok2, ok1 = r / m >= 2.5, r1 / m1 >= 2.5
    ok_all &= ok_speed and ok2 and ok1
    out.append("%s (%d MB, %d files; rg lists %d): moat %.3f s (%.0f MB/s%s)"
               % (label, b / 1e6, f, rgf, m, mbs(name, m),
                  ", target >= 1000: " + verdict(ok_speed) if name == "real" else ""))
    try:
        rep = json.load(open(os.path.join(res, name + "-findings.json")))
        sm = rep.get("summary", {})
        line = "  moat scanned %s files, %s bytes (skipped %s, errors %s); %d findings" % (
            sm.get("files", "?"), sm.get("bytes", "?"), sm.get("skipped", "?"),
            sm.get("errors", "?"), len(rep.get("findings", [])))
        if name == "gen":
            planted = json.load(open(os.environ["GEN_MANIFEST"]))["secrets"]
            got = {(fd.get("path"), fd.get("line")) for fd in rep.get("findings", [])}
            hit = [p for p in planted
                   if any((p["path"], p["line"] + d) in got for d in (-1, 0, 1))]
            kinds = {}
            for p in planted:
                k = kinds.setdefault(p["kind"], [0, 0])
                k[1] += 1
                k[0] += p in hit
            line += "; planted secrets found: %d of %d (%s)" % (len(hit), len(planted), ", ".join(
                "%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(kinds.items())))
        out.append(line)
    except (OSError, ValueError, KeyError) as e:
        out.append("  (could not read moat's JSON report: %s)" % e)
    out.append("  default threads: moat %.3f s (%.0f MB/s) | rg %.3f s (%.0f MB/s) | "
               "ratio %.2fx (target >= 2.5x) %s" % (m, mbs(name, m), r, mbs(name, r), r / m,
                                                     verdict(ok2)))
    if name + " moat" in cpu:
        c = cpu[name + " moat"]
        out.append("  moat CPU time (user+sys, mean): %.3f s, %.0f MB per CPU-second; CPU/wall "
                   "%.2f (near 1 with several threads: the cores were busy elsewhere)" % (
                       c, b / 1e6 / c, c / m))
    out.append("  one thread     : moat %.3f s (%.0f MB/s) | rg -j1 %.3f s (%.0f MB/s) | "
               "ratio %.2fx (target >= 2.5x) %s" % (m1, mbs(name, m1), r1, mbs(name, r1),
                                                     r1 / m1, verdict(ok1)))
if os.environ["SKIP_SECRETLINT"] != "1":
    for name, label in (("real", "real"), ("gen", "generated")):
        sub = name + "-sub"
        b, f, _ = trees[sub]
        sl, m, r = t[sub + " secretlint"], t[sub + " moat"], t[sub + " rg"]
        thr = mbs(name, t[name + " moat"]) / mbs(sub, sl)
        same = sl / m
        ok_all &= thr >= 100 and same >= 100
        out.append("secretlint on a part of the %s tree (%.1f MB, %d files): secretlint %.2f s "
                   "(%.2f MB/s) | moat %.3f s | rg %.3f s" % (label, b / 1e6, f, sl,
                                                              mbs(sub, sl), m, r))
        out.append("  moat/secretlint: throughput (moat on the whole tree) %.0fx, same part "
                   "%.0fx (target >= 100x) %s" % (thr, same, verdict(thr >= 100 and same >= 100)))
ms, mg, mr = (int(os.environ[k]) for k in ("MEM_SMALL", "MEM_GEN", "MEM_REAL"))
flat = mg <= 1.5 * ms
ok_all &= flat
out.append("memory (moat peak RSS, default threads): generated %d MB: %.1f MiB | generated %d MB:"
           " %.1f MiB | real %d MB: %.1f MiB | %.1fx the bytes, %.2fx the memory "
           "(target: flat, <= 1.5x) %s" % (
               trees["gen-small"][0] / 1e6, ms / 1024, trees["gen"][0] / 1e6, mg / 1024,
               trees["real"][0] / 1e6, mr / 1024, trees["gen"][0] / trees["gen-small"][0],
               mg / ms, verdict(flat)))
out.append("overall: %s" % ("every target met" if ok_all else "some targets NOT met"))
print("\n".join(out))
open(os.path.join(res, "verdict"), "w").write("pass\n" if ok_all else "fail\n")
EOF
echo
cat "$res/summary.txt"
# 0: every target met, 1: some not met (like moat's gate), 2: could not measure.
[ "$(cat "$res/verdict")" = pass ]
