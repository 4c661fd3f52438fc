#!/usr/bin/env python3
"""Write a package-lock.json (v3) with N packages for bench/deps-scan.sh.

Names come from the npm advisories of an OSV .jsonl.gz (so lookups hit real
keys and some packages are vulnerable) and then from made-up names (most
packages of a real project have no advisory). Versions are real-looking
SemVer; about one in three packages depends on two others. The output is the
same for the same arguments.

usage: gen-package-lock.py OSV.jsonl.gz N OUT
"""
import gzip
import json
import random
import sys


def main():
    osv, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(1)
    names = []
    with gzip.open(osv, "rt") as f:
        for line in f:
            adv = json.loads(line)
            for a in adv.get("affected", []):
                p = a.get("package", {})
                if p.get("ecosystem") == "npm" and p["name"] not in names:
                    names.append(p["name"])
    names = names[: n // 5]
    i = 0
    while len(names) < n:
        names.append(f"bench-pkg-{i}")
        i += 1
    pkgs = {"": {"name": "bench", "version": "1.0.0",
                 "dependencies": {names[k]: "*" for k in range(0, n, 50)}}}
    for k, name in enumerate(names):
        e = {"version": f"{rnd.randint(0, 4)}.{rnd.randint(0, 20)}.{rnd.randint(0, 30)}",
             "resolved": f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}.tgz",
             "integrity": "sha512-" + "A" * 86 + "==", "license": "MIT"}
        if rnd.random() < 0.3:
            e["dependencies"] = {names[rnd.randrange(n)]: "^1.0.0" for _ in range(2)}
        if rnd.random() < 0.2:
            e["dev"] = True
        pkgs[f"node_modules/{name}"] = e
    doc = {"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
           "packages": pkgs}
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


main()
