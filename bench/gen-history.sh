#!/bin/sh
# Generate a git repository with a long, realistic history for
# bench/git-history.sh: a few hundred source files of varying size, each commit
# changing 1-3 of them (now and then adding or deleting a file), a few side
# branches and tags, and about 20 fake secrets each added and removed later.
#
# usage: bench/gen-history.sh [COMMITS] [OUT]     (default 20000, bench/out/history)
#
# The history is a pure function of COMMITS: it is written as one `git
# fast-import` stream by the Python program below (seeded PRNG, fixed dates),
# then repacked the way a server packs a clone. OUT.stamp records COMMITS, so
# a second run with the same one does nothing; OUT.secrets lists where the
# fake secrets went (commit mark, path, kind; never the value).
set -eu

commits=${1:-20000}
out=${2:-bench/out/history}
gen_version=1

case $commits in
'' | *[!0-9]*) echo "gen-history: COMMITS must be a number, got '$commits'" >&2; exit 2 ;;
esac
if [ "$commits" -lt 10 ]; then
    echo "gen-history: COMMITS must be at least 10" >&2
    exit 2
fi
for tool in git python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "gen-history: $tool not found" >&2; exit 2; }
done

stamp="$out.stamp"
want="gen-history v$gen_version commits=$commits"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$out/.git" ]; then
    exit 0
fi
rm -rf "$out" "$stamp" "$out.secrets"
mkdir -p "$out"
git init -q -b main "$out"

start=$(date +%s)
python3 - "$commits" "$out.secrets" <<'PY' | git -C "$out" fast-import --quiet --done
import random
import sys

N = int(sys.argv[1])
secrets_out = open(sys.argv[2], "w")
rnd = random.Random(20240601)
w = sys.stdout.buffer

DIRS = ["src/core", "src/net", "src/db", "src/api", "src/ui", "src/util", "lib/auth",
        "lib/cache", "lib/parse", "tests/unit", "tests/e2e", "config", "docs",
        "scripts", "tools/build"]
EXT = {"src": ".py", "lib": ".go", "tests": ".py", "config": ".yml", "docs": ".md",
       "scripts": ".sh", "tools": ".js"}
WORDS = ("value index config result buffer request response handler client server token "
         "session cache entry record offset length count items parser reader writer "
         "context options status error logger metrics timeout retry limit queue worker "
         "user account order payment invoice report table column schema query").split()
AUTHORS = [("Ada Lovelace", "ada@example.com"), ("Alan Turing", "alan@example.com"),
           ("Grace Hopper", "grace@example.com"), ("Ken Thompson", "ken@example.com"),
           ("Barbara Liskov", "barbara@example.com"), ("Dennis Ritchie", "dmr@example.com")]
UPPER_NUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def ident():
    return "_".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 3)))


def line(ext):
    i = " " * (4 * rnd.randint(0, 3))
    k = rnd.random()
    if ext == ".md":
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 14))).capitalize() + "."
    if ext == ".yml":
        return "%s%s: %s" % (i[:4], ident(), rnd.choice([str(rnd.randint(0, 9999)), ident(), "true"]))
    if k < 0.15:
        return i + "# " + " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 10)))
    if k < 0.35:
        return "%sif %s > %d:" % (i, ident(), rnd.randint(0, 500))
    if k < 0.55:
        return "%s%s = %s(%s, %s)" % (i, ident(), ident(), ident(), ident())
    if k < 0.7:
        return '%slog.info("%s %%s", %s)' % (i, " ".join(rnd.choice(WORDS) for _ in range(4)), ident())
    if k < 0.8:
        return "%sreturn %s" % (i, ident())
    return "%s%s.%s(%s=%d)" % (i, ident(), ident(), ident(), rnd.randint(0, 1 << 16))


def new_file(ext):
    # sizes spread like a real tree: many small files, a few large ones
    nlines = min(2000, int(rnd.lognormvariate(4.3, 0.9)) + 5)
    return [line(ext) for _ in range(nlines)]


def fake_secret():
    kind = rnd.choice(["aws", "aws", "assign"])
    if kind == "aws":
        key = "AKIA" + "".join(rnd.choice(UPPER_NUM) for _ in range(16))
        return kind, 'aws_access_key_id = "%s"' % key
    val = "".join(rnd.choice(ALNUM) for _ in range(32))
    return kind, 'api_secret = "%s"' % val


files = {}  # path -> list of lines
for d in DIRS:
    for k in range(rnd.randint(12, 28)):
        ext = EXT[d.split("/")[0]]
        files["%s/%s_%d%s" % (d, rnd.choice(WORDS), k, ext)] = None
paths = sorted(files)
for p in paths:
    files[p] = new_file(p[p.rfind("."):])

mark = 0
when = 1500000000
planted = {}  # commit index -> list of (path, line)
removals = {}  # commit index -> list of (path, line)
for k in range(20):
    at = rnd.randint(N // 20, N - N // 10)
    planted.setdefault(at, []).append(None)


def emit_commit(ref, msg, changes, parent=None):
    global mark, when
    mark += 1
    when += rnd.randint(60, 7200)
    name, email = rnd.choice(AUTHORS)
    m = msg.encode()
    w.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
    w.write(b"author %s <%s> %d +0000\n" % (name.encode(), email.encode(), when))
    w.write(b"committer %s <%s> %d +0000\n" % (name.encode(), email.encode(), when))
    w.write(b"data %d\n%s\n" % (len(m), m))
    if parent is not None:
        w.write(b"from :%d\n" % parent)
    for path, content in changes:
        if content is None:
            w.write(b"D %s\n" % path.encode())
        else:
            data = ("\n".join(content) + "\n").encode()
            w.write(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
            w.write(data)
            w.write(b"\n")
    return mark


def mutate(lines, ext):
    at = rnd.randint(0, max(0, len(lines) - 1))
    n = rnd.randint(1, 6)
    new = [line(ext) for _ in range(rnd.randint(0, 8))]
    lines[at:at + n] = new
    if not lines:
        lines.append(line(ext))


# the first commit holds the whole tree
emit_commit("refs/heads/main", "initial import", [(p, files[p]) for p in paths])
main_marks = [mark]
branches = []
i = 1
while i < N:
    # now and then a side branch of 20-60 commits that is never merged
    if rnd.random() < 0.0015 and len(main_marks) > 10:
        base = main_marks[-1]
        ref = "refs/heads/feature-%d" % len(branches)
        side = {p: list(c) for p, c in files.items()}
        first = True
        for _ in range(rnd.randint(20, 60)):
            if i >= N:
                break
            p = rnd.choice(sorted(side))
            mutate(side[p], p[p.rfind("."):])
            emit_commit(ref, "wip: %s" % ident(), [(p, side[p])], base if first else None)
            first = False
            i += 1
        branches.append(ref)
        continue
    changes = []
    k = rnd.random()
    if k < 0.01:
        d = rnd.choice(DIRS)
        p = "%s/%s_%d%s" % (d, rnd.choice(WORDS), i, EXT[d.split("/")[0]])
        files[p] = new_file(p[p.rfind("."):])
        paths.append(p)
        changes.append((p, files[p]))
    elif k < 0.015 and len(paths) > 100:
        p = paths.pop(rnd.randrange(len(paths)))
        del files[p]
        changes.append((p, None))
    else:
        for p in rnd.sample(paths, rnd.randint(1, 3)):
            mutate(files[p], p[p.rfind("."):])
            changes.append((p, files[p]))
    for _ in planted.get(i, []):
        p = rnd.choice([q for q in paths if not q.endswith(".md")])
        kind, text = fake_secret()
        at = rnd.randint(0, len(files[p]))
        files[p].insert(at, text)
        removals.setdefault(i + rnd.randint(5, 400), []).append((p, text))
        changes.append((p, files[p]))
        secrets_out.write("%d %s %s\n" % (mark + 1, p, kind))
    for p, text in removals.pop(i, []):
        if p in files and text in files[p]:
            files[p].remove(text)
            changes.append((p, files[p]))
    # one change per path per commit: the last version wins
    seen = {}
    for p, c in changes:
        seen[p] = c
    emit_commit("refs/heads/main", "%s: %s" % (rnd.choice(["fix", "feat", "refactor", "docs"]),
                                              " ".join(rnd.choice(WORDS) for _ in range(5))),
                sorted(seen.items()))
    main_marks.append(mark)
    if i % 1000 == 0:
        w.write(b"reset refs/tags/v%d.0\nfrom :%d\n\n" % (i // 1000, mark))
    i += 1
w.write(b"done\n")
PY
# Pack it the way a server does for a clone (newest versions whole, older
# ones as deltas against them), not the way fast-import left it.
git -C "$out" repack -adf -q --window=10 --depth=50
git -C "$out" checkout -q main
echo "$want" > "$stamp"
echo "gen-history: $commits commits in $out ($(( $(date +%s) - start )) s)" >&2
