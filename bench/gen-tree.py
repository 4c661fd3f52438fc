#!/usr/bin/env python3
"""Generate a synthetic source tree for bench/secrets-tree.sh.

The tree looks like a monorepo of many projects: code in several languages,
pretty-printed JSON, YAML, lockfiles with integrity hashes, markdown, minified
JavaScript bundles with very long lines, dotfiles (.env, .github/), .gitignore
files, and some binary files. A sprinkling of fake secrets of several formats
(AWS key ids, GitHub tokens with valid CRC32 checksums, PEM private keys,
Slack bot tokens, Stripe live keys, Google API keys, password assignments) is
planted at random places. Everything is deterministic from --seed and --size:
the same arguments give byte-identical trees.

The list of planted secrets goes to OUT.secrets.json next to the tree (not in
it), and OUT.stamp records the arguments, so a second run with the same ones
does nothing. Python 3 standard library only.

usage: gen-tree.py [--size 600M] [--seed 1] [--force] [OUT]   (default OUT: bench/out/gen)
"""

import argparse
import base64
import json
import math
import os
import random
import shutil
import string
import sys
import time
import zlib

GEN_VERSION = 2  # bump when the output for the same arguments changes

ALNUM = string.ascii_letters + string.digits
UPPER_B32 = string.ascii_uppercase + "234567"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = string.ascii_letters + string.digits + "+/"
HEX = "0123456789abcdef"


def parse_size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().rstrip("B").rstrip("I")
    num, unit = (t[:-1], t[-1]) if t and t[-1] in units else (t, "")
    try:
        value = float(num) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError("bad size %r (e.g. 600M, 1G)" % text)
    if value < 1 << 20:
        raise argparse.ArgumentTypeError("size must be at least 1M")
    return int(value)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def word(self):
        return self.r.choice(self.vocab)

    def rstr(self, alphabet, n):
        return "".join(self.r.choices(alphabet, k=n))

    # ---- vocabularies and line pools -------------------------------------

    def build_pools(self):
        r = self.r
        syll = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "de", "fa", "gu", "ho", "ji",
                "ba", "ce", "vo", "ze", "xi", "qu", "wa", "ly", "tor", "ser", "con", "pre",
                "get", "set", "buf", "req", "res", "ctx", "cfg", "map", "list", "node", "key",
                "val", "item", "user", "file", "path", "name", "id", "count", "size", "data"]
        vocab = set()
        while len(vocab) < 3000:
            parts = [r.choice(syll) for _ in range(r.randint(1, 3))]
            style = r.random()
            if style < 0.4:
                w = "_".join(parts)
            elif style < 0.8:
                w = parts[0] + "".join(p.capitalize() for p in parts[1:])
            else:
                w = "".join(parts)
            vocab.add(w)
        self.vocab = sorted(vocab)
        words = ("the a of to and in is for on with that this by from are be as at it "
                 "config value request handler returns error file when should must can "
                 "update build test install server client cache token user session").split()
        self.prose_words = words + self.vocab[:400]
        self.code_lines = [self.code_line() for _ in range(40000)]
        self.py_lines = [self.py_line() for _ in range(15000)]
        self.prose_lines = [self.prose_line() for _ in range(8000)]
        self.json_records = [self.json_record() for _ in range(6000)]
        self.yaml_blocks = [self.yaml_block() for _ in range(3000)]
        self.lock_entries = [self.lock_entry() for _ in range(4000)]
        self.min_frags = [self.min_frag() for _ in range(30000)]

    def code_line(self):
        r, w = self.r, self.word
        ind = "    " * r.randint(0, 4)
        k = r.random()
        if k < 0.12:
            return ind + "/* %s %s %s %s */" % (w(), w(), w(), w())
        if k < 0.2:
            return ind + "// %s the %s before %s" % (w(), w(), w())
        if k < 0.35:
            return ind + "const %s = %s(%s, %d);" % (w(), w(), w(), r.randint(0, 99999))
        if k < 0.45:
            return ind + "if (%s->%s != %s) {" % (w(), w(), w())
        if k < 0.55:
            return ind + "return %s(%s, \"%s %s\");" % (w(), w(), w(), w())
        if k < 0.62:
            return ind + "}"
        if k < 0.7:
            return ind + "let %s = \"%s\";" % (w(), self.rstr(HEX, r.choice([7, 12, 40, 64])))
        if k < 0.78:
            return ind + "for (size_t %s = 0; %s < %s; %s++)" % ("i", "i", w(), "i")
        if k < 0.84:
            return ""
        if k < 0.9:
            return ind + "import { %s, %s } from './%s/%s';" % (w(), w(), w(), w())
        if k < 0.95:
            return ind + "%s.%s(%s => %s.%s);" % (w(), w(), "x", "x", w())
        return ind + "throw new Error(\"%s: %s %s\");" % (w(), w(), w())

    def py_line(self):
        r, w = self.r, self.word
        ind = "    " * r.randint(0, 3)
        k = r.random()
        if k < 0.15:
            return ind + "# %s %s %s" % (w(), w(), w())
        if k < 0.35:
            return ind + "%s = %s(%s, %s=%d)" % (w(), w(), w(), w(), r.randint(0, 999))
        if k < 0.45:
            return ind + "def %s(self, %s, %s=None):" % (w(), w(), w())
        if k < 0.6:
            return ind + "return self.%s[%r]" % (w(), w())
        if k < 0.7:
            return ""
        if k < 0.8:
            return ind + "if %s is not None and %s > %d:" % (w(), w(), r.randint(0, 100))
        if k < 0.9:
            return ind + "%s.append(f\"{%s}-%s\")" % (w(), w(), w())
        return ind + "raise ValueError(\"%s %s\")" % (w(), w())

    def prose_line(self):
        r = self.r
        n = r.randint(4, 16)
        return " ".join(r.choices(self.prose_words, k=n)).capitalize() + "."

    def json_record(self):
        r, w = self.r, self.word
        fields = []
        for _ in range(r.randint(3, 8)):
            k = r.random()
            if k < 0.3:
                v = json.dumps("%s %s" % (w(), w()))
            elif k < 0.5:
                v = str(r.randint(0, 10 ** 6))
            elif k < 0.6:
                v = r.choice(["true", "false", "null"])
            elif k < 0.75:
                v = json.dumps("%s-%s-4%s-a%s-%s" % (self.rstr(HEX, 8), self.rstr(HEX, 4),
                                                       self.rstr(HEX, 3), self.rstr(HEX, 3),
                                                       self.rstr(HEX, 12)))
            elif k < 0.85:
                v = json.dumps(self.rstr(HEX, 40))
            else:
                v = json.dumps("https://%s.example.org/%s/%s" % (w(), w(), w()))
            fields.append('    "%s": %s' % (w(), v))
        return "  {\n" + ",\n".join(fields) + "\n  }"

    def yaml_block(self):
        r, w = self.r, self.word
        lines = ["%s:" % w()]
        for _ in range(r.randint(2, 8)):
            k = r.random()
            if k < 0.4:
                lines.append("  %s: %s" % (w(), w()))
            elif k < 0.6:
                lines.append("  %s: %d" % (w(), r.randint(0, 65535)))
            elif k < 0.8:
                lines.append("  - name: %s\n    image: %s:%d.%d" % (w(), w(), r.randint(1, 9),
                                                                   r.randint(0, 30)))
            else:
                lines.append("  %s: ${{ secrets.%s }}" % (w(), w().upper()))
        return "\n".join(lines)

    def lock_entry(self):
        r, w = self.r, self.word
        name = w()
        ver = "%d.%d.%d" % (r.randint(0, 12), r.randint(0, 30), r.randint(0, 40))
        integ = "sha512-" + self.rstr(B64, 86) + "=="
        return ('    "node_modules/%s": {\n      "version": "%s",\n'
                '      "resolved": "https://registry.npmjs.org/%s/-/%s-%s.tgz",\n'
                '      "integrity": "%s"\n    }' % (name, ver, name, name, ver, integ))

    def min_frag(self):
        r = self.r
        a, b, c = (self.rstr(string.ascii_letters, r.randint(1, 2)) for _ in range(3))
        k = r.random()
        if k < 0.3:
            return "function %s(%s,%s){return %s.%s(%s)}" % (a, b, c, b, self.word(), c)
        if k < 0.5:
            return "var %s=\"%s\"" % (a, " ".join(self.r.choices(self.prose_words, k=3)))
        if k < 0.7:
            return "%s=%s?%s:%d" % (a, b, c, r.randint(0, 9999))
        if k < 0.85:
            return "%s.%s=function(%s){this.%s=%s}" % (a, self.word(), b, self.word(), b)
        return "if(%s&&%s.%s)%s.push(%s)" % (a, a, self.word(), b, c)

    # ---- file bodies -----------------------------------------------------

    def lines_body(self, pool, size, header="", footer=""):
        # Average line length of the pool decides how many lines to draw.
        avg = self.avg_len.get(id(pool))
        if avg is None:
            avg = sum(len(x) + 1 for x in pool[:500]) / 500
            self.avg_len[id(pool)] = avg
        n = max(1, int(size / avg))
        return header + "\n".join(self.r.choices(pool, k=n)) + "\n" + footer

    def body(self, kind, size):
        r, w = self.r, self.word
        if kind in ("c", "js", "ts", "go", "java"):
            hdr = "/* %s.%s: %s %s */\n" % (w(), kind, w(), w())
            return self.lines_body(self.code_lines, size, hdr)
        if kind == "py":
            return self.lines_body(self.py_lines, size, '"""%s %s."""\n' % (w(), w()))
        if kind == "md":
            return self.lines_body(self.prose_lines, size, "# %s\n\n" % w())
        if kind == "json":
            avg = 150
            n = max(1, size // avg)
            return "[\n" + ",\n".join(r.choices(self.json_records, k=n)) + "\n]\n"
        if kind == "yml":
            n = max(1, size // 120)
            return "\n".join(r.choices(self.yaml_blocks, k=n)) + "\n"
        if kind == "lock":
            n = max(1, size // 230)
            return ('{\n  "name": "%s",\n  "lockfileVersion": 3,\n  "packages": {\n' % w() +
                    ",\n".join(r.choices(self.lock_entries, k=n)) + "\n  }\n}\n")
        if kind == "min.js":
            # A bundle: one to three very long lines.
            n = max(1, size // 32)
            frags = r.choices(self.min_frags, k=n)
            cuts = sorted(r.sample(range(1, n), min(2, n - 1))) if n > 2 else []
            out, last = [], 0
            for c in cuts + [n]:
                out.append(";".join(frags[last:c]))
                last = c
            return "\n".join(out) + "\n"
        if kind == "env":
            return "".join("%s=%s\n" % (w().upper(), w()) for _ in range(max(1, size // 24)))
        raise ValueError(kind)

    # ---- secrets ---------------------------------------------------------

    def github_token(self):
        body = self.rstr(ALNUM, 30)
        crc = zlib.crc32(body.encode())
        enc = ""
        while crc:
            crc, d = divmod(crc, 62)
            enc = B62[d] + enc
        return "ghp_" + body + enc.rjust(6, "0")

    def pem(self, label):
        # A body with the structure real keys have, so that scanners which
        # check it (DER SEQUENCE, OpenSSH magic) see a key: random contents.
        r = self.r
        if label == "OPENSSH PRIVATE KEY":
            der, width = b"openssh-key-v1\x00" + r.randbytes(r.randint(300, 1600)), 70
        else:
            n = r.randint(120, 1200)
            der, width = b"\x30\x82" + n.to_bytes(2, "big") + r.randbytes(n), 64
        b = base64.b64encode(der).decode()
        lines = [b[i:i + width] for i in range(0, len(b), width)]
        return ("-----BEGIN %s-----\n" % label + "\n".join(lines) +
                "\n-----END %s-----" % label)

    def secret(self, kind):
        r, w = self.r, self.word
        if kind == "aws":
            return "aws_access_key_id = AKIA" + self.rstr(UPPER_B32, 16)
        if kind == "github":
            return "GITHUB_TOKEN=" + self.github_token()
        if kind == "pem":
            return self.pem(r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY",
                                      "OPENSSH PRIVATE KEY"]))
        if kind == "slack":
            return "slack_token: xoxb-%d-%d-%s" % (r.randint(10 ** 10, 10 ** 11),
                                                   r.randint(10 ** 12, 10 ** 13),
                                                   self.rstr(ALNUM, 24))
        if kind == "stripe":
            return 'stripe.api_key = "sk_live_%s"' % self.rstr(ALNUM, r.randint(24, 34))
        if kind == "google":
            return 'const mapsKey = "AIza%s";' % self.rstr(ALNUM + "-_", 35)
        if kind == "password":
            val = self.rstr(ALNUM + "!#%&*+-.:;=?@^_~", r.randint(14, 24))
            return r.choice(['password = "%s"', "db_password: '%s'", "DB_PASSWORD=%s",
                             '"password": "%s"']) % val
        raise ValueError(kind)


SECRET_KINDS = ["aws", "github", "pem", "slack", "stripe", "google", "password"]

# (kind, extension, share of the bytes, median file size)
KINDS = [
    ("c", ".c", 0.10, 9000), ("js", ".js", 0.14, 7000), ("ts", ".ts", 0.10, 6000),
    ("go", ".go", 0.05, 8000), ("java", ".java", 0.05, 10000), ("py", ".py", 0.08, 6000),
    ("md", ".md", 0.05, 4000), ("json", ".json", 0.10, 12000), ("yml", ".yml", 0.04, 2500),
    ("lock", "package-lock.json", 0.05, 90000), ("min.js", ".min.js", 0.14, 400000),
    ("bin", None, 0.09, 30000), ("env", ".env", 0.01, 600),
]
DIRS = ["src", "lib", "src/core", "src/util", "test", "tests/data", "docs", "config",
        "dist", "assets", "internal", "pkg/api", "scripts", ".github/workflows"]
BIN_EXT = [".png", ".woff2", ".bin", ".o", ".ico", ".pdf"]


def plan(g, total):
    """Decide every file's path, kind and size before writing anything."""
    r = g.r
    kinds = [k for k in KINDS]
    weights = [k[2] / k[3] for k in kinds]  # file count share ~ byte share / median size
    files, used, names = [], 0, set()
    nproj = max(4, min(60, total // (12 << 20)))
    projects = ["%s-%02d" % (g.word().replace("_", "-"), i) for i in range(nproj)]
    while used < total:
        kind, ext, _, median = r.choices(kinds, weights=weights)[0]
        size = int(median * math.exp(r.gauss(0, 1.0)))
        size = max(64, min(size, 6 << 20))
        size = min(size, total - used + 64)
        proj = r.choice(projects)
        d = r.choice(DIRS)
        if kind == "env":
            name = r.choice([".env", ".env.local", ".env.production", "app.env"])
            d = r.choice(["", "config", "deploy"])
        elif kind == "lock":
            name = ext
            d = r.choice(["", "web", "api", "tools"])
        elif kind == "bin":
            name = g.word() + r.choice(BIN_EXT)
        else:
            name = g.word() + ext
        path = "/".join(x for x in (proj, d, name) if x)
        if path in names:
            continue
        names.add(path)
        files.append({"path": path, "kind": kind, "size": size})
        used += size
    # A few .gitignore files (the benchmark scans with --no-ignore, so they
    # only matter when comparing the default, ignoring mode).
    for proj in projects[: max(1, nproj // 3)]:
        files.append({"path": proj + "/.gitignore", "kind": "gitignore", "size": 0})
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=None, help="output directory (bench/out/gen)")
    ap.add_argument("--size", type=parse_size, default=parse_size("600M"),
                    help="total bytes, e.g. 600M or 1G (default 600M)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secrets-per-mb", type=float, default=0.5,
                    help="planted secrets per MiB (default 0.5; at least 20)")
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    a = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.abspath(a.out or os.path.join(here, "out", "gen"))
    stamp_path = out + ".stamp"
    manifest_path = out + ".secrets.json"
    stamp = {"version": GEN_VERSION, "size": a.size, "seed": a.seed,
             "secrets_per_mb": a.secrets_per_mb}
    if not a.force and os.path.isdir(out) and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            try:
                if json.load(f) == stamp:
                    print("gen-tree: %s is up to date (%d MiB, seed %d)" %
                          (out, a.size >> 20, a.seed))
                    return 0
            except ValueError:
                pass
    if os.path.exists(out):
        shutil.rmtree(out)
    for p in (stamp_path, manifest_path):
        if os.path.exists(p):
            os.remove(p)

    t0 = time.time()
    g = Gen(a.seed)
    g.avg_len = {}
    g.build_pools()
    files = plan(g, a.size)

    text_idx = [i for i, f in enumerate(files) if f["kind"] not in ("bin", "gitignore")]
    nsecrets = max(20, int(a.secrets_per_mb * a.size / (1 << 20)))
    placed = {}
    for _ in range(nsecrets):
        i = g.r.choice(text_idx)
        kind = g.r.choice(SECRET_KINDS)
        if files[i]["kind"] == "env" and g.r.random() < 0.5:
            kind = "password"
        placed.setdefault(i, []).append(kind)

    manifest = []
    total = 0
    made_dirs = set()
    for i, f in enumerate(files):
        path = os.path.join(out, f["path"])
        d = os.path.dirname(path)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        kind = f["kind"]
        if kind == "gitignore":
            data = b"dist/\n*.o\n.env.local\n"
        elif kind == "bin":
            magic = g.r.choice([b"\x89PNG\r\n\x1a\n", b"wOF2\x00\x01\x00\x00",
                                b"\x7fELF\x02\x01\x01\x00", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"])
            data = magic + g.r.randbytes(f["size"])
        else:
            body = g.body(kind, f["size"])
            planted = []
            for skind in placed.get(i, []):
                secret = g.secret(skind)
                if kind == "min.js":
                    # Inside a long line, as a bundled config would carry it.
                    pos = g.r.randrange(len(body) // 2 + 1)
                    pos = body.find(";", pos)
                    pos = pos + 1 if pos >= 0 else len(body) - 1
                    if skind == "pem":  # a JSON-escaped string, newlines as \\n
                        secret = 'var key="%s";' % secret.replace("\n", "\\n")
                    else:  # key: "value"
                        k, v = secret.replace(":", "=", 1).split("=", 1)
                        k = k.strip().split()[-1].strip('"')
                        secret = 'var cfg={%s:"%s"};' % (k, v.strip().rstrip(";").strip('"\''))
                else:
                    pos = g.r.randrange(len(body) + 1)
                    pos = body.rfind("\n", 0, pos) + 1  # start of a line
                    secret += "\n"
                body = body[:pos] + secret + body[pos:]
                planted.append((skind, secret))
            for skind, secret in planted:  # lines once every secret is in place
                line = body.count("\n", 0, body.find(secret)) + 1
                manifest.append({"path": f["path"], "line": line, "kind": skind})
            data = body.encode()
        with open(path, "wb") as fh:
            fh.write(data)
        total += len(data)

    manifest.sort(key=lambda m: (m["path"], m["line"]))
    with open(manifest_path, "w") as fh:
        json.dump({"seed": a.seed, "size": a.size, "files": len(files), "bytes": total,
                   "secrets": manifest}, fh, indent=1, sort_keys=True)
        fh.write("\n")
    with open(stamp_path, "w") as fh:
        json.dump(stamp, fh, sort_keys=True)
        fh.write("\n")
    dt = time.time() - t0
    print("gen-tree: wrote %s: %d files, %.1f MiB, %d secrets planted in %.1f s "
          "(list: %s)" % (out, len(files), total / (1 << 20), len(manifest), dt,
                          manifest_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
