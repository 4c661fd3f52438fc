#!/usr/bin/env bats
# The deps analyzer and moat sbom end to end: the shared example lockfiles
# against the shared OSV advisories must give exactly the findings of
# ../shared/osv/lockfiles/expected.json; reports carry the dependency fields;
# SBOMs validate against the CycloneDX 1.5 and SPDX 2.3 schemas.

setup_file() {
    export SHARED="$BATS_TEST_DIRNAME/../../../shared"
    export MOAT="${MOAT:-$BATS_TEST_DIRNAME/../../build/moat}"
    export MOAT_DB="$BATS_FILE_TMPDIR/osv.db"
    "$MOAT" db import "$SHARED/osv/advisories.jsonl.gz" >/dev/null 2>&1
}

setup() {
    T="$BATS_TEST_TMPDIR"
    LOCKS="$SHARED/osv/lockfiles"
    TREE="$BATS_TEST_DIRNAME/../data/deps/sbom-tree"
}

@test "the shared lockfiles give exactly the expected findings" {
    run "$MOAT" scan --only deps -f json -o "$T/out.json" "$LOCKS"
    [ "$status" -eq 1 ]
    python3 - "$LOCKS/expected.json" "$T/out.json" <<'EOF'
import json, sys
want = set()
for path, f in json.load(open(sys.argv[1]))["files"].items():
    for x in f["findings"]:
        want.add((path, x["ecosystem"], x["package"], x["version"], x["id"]))
got = set()
for x in json.load(open(sys.argv[2]))["findings"]:
    if x["rule_id"] == "deps-unpinned":
        continue
    got.add((x["path"], x["ecosystem"], x["package"], x["version"], x["advisory"]))
for m in sorted(want - got): print("missing:", m)
for m in sorted(got - want): print("unexpected:", m)
print(len(want), "expected,", len(got), "reported")
sys.exit(want != got)
EOF
}

@test "a dependency finding carries package, advisory, fix and lockfile line" {
    run "$MOAT" scan --only deps -f json -o "$T/out.json" "$LOCKS/npm-v3"
    [ "$status" -eq 1 ]
    python3 - "$T/out.json" <<'EOF'
import json, sys
fs = json.load(open(sys.argv[1]))["findings"]
assert fs, "no findings"
for f in fs:
    for k in ("ecosystem", "package", "version", "advisory", "aliases", "path", "line",
              "severity", "fingerprint"):
        assert k in f, (k, f)
    assert f["analyzer"] == "deps" and f["rule_id"] == f["advisory"]
    assert f["path"] == "package-lock.json" and f["line"] > 1
    assert isinstance(f["aliases"], list)
assert any("fixed" in f for f in fs)
EOF
}

@test "SARIF results carry the dependency fields in properties, and validate" {
    run "$MOAT" scan --only deps -f sarif -o "$T/out.sarif" "$LOCKS/cargo"
    [ "$status" -eq 1 ]
    validate "$SHARED/schemas/sarif-schema-2.1.0.json" "$T/out.sarif"
    python3 - "$T/out.sarif" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
assert run["results"]
for r in run["results"]:
    p = r["properties"]
    for k in ("ecosystem", "package", "version", "advisory", "aliases"):
        assert k in p, (k, p)
    assert r["ruleId"] == p["advisory"]
EOF
}

@test "unpinned requirements are reported as unpinned, never guessed" {
    run "$MOAT" scan --only deps -f json -o "$T/out.json" "$LOCKS/requirements"
    python3 - "$T/out.json" <<'EOF'
import json, sys
fs = json.load(open(sys.argv[1]))["findings"]
un = [f for f in fs if f["rule_id"] == "deps-unpinned"]
assert [f["package"] for f in un] == ["uvicorn"], un
assert all("version" not in f for f in un)
EOF
}

@test "a config ignore with a reason hides an advisory until it expires" {
    mkdir -p "$T/r/.moat"
    cp "$LOCKS/cargo/Cargo.lock" "$T/r/"
    "$MOAT" scan --only deps -f json -o "$T/all.json" "$T/r" || true
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["findings"][0]["advisory"])' "$T/all.json")
    printf 'ignore:\n  - id: %s\n    reason: not reachable from our code\n    expires: 2999-01-01\n' "$id" >"$T/r/.moat/config.yml"
    run "$MOAT" scan --only deps -f json -o "$T/ign.json" "$T/r"
    python3 - "$T/all.json" "$T/ign.json" "$id" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert all(f["advisory"] != sys.argv[3] for f in b["findings"])
assert len(b["findings"]) < len(a["findings"])
assert b["summary"]["suppressed_config"] >= 1
EOF
    printf 'ignore:\n  - id: %s\n    reason: not reachable\n    expires: 2020-01-01\n' "$id" >"$T/r/.moat/config.yml"
    run "$MOAT" scan --only deps -f json -o "$T/exp.json" "$T/r"
    [[ "$output" == *"expired on 2020-01-01"* ]]
    grep -q "\"$id\"" "$T/exp.json"
}

@test "an ignore without a reason is a config error naming the line" {
    mkdir -p "$T/r/.moat"
    printf 'ignore:\n  - id: GHSA-aaaa-bbbb-cccc\n' >"$T/r/.moat/config.yml"
    run "$MOAT" scan --only deps "$T/r"
    [ "$status" -eq 2 ]
    [[ "$output" == *"config.yml:2"*"reason"* ]]
}

@test "a broken lockfile is named and the scan goes on" {
    mkdir -p "$T/r/a" "$T/r/b"
    printf '{"lockfileVersion": 3, "packages": {"node_modules/x": ' >"$T/r/a/package-lock.json"
    cp "$LOCKS/cargo/Cargo.lock" "$T/r/b/"
    run "$MOAT" scan --only deps -f json -o "$T/out.json" "$T/r"
    # a failed gate outranks "could not be scanned" (docs/cli/moat.md)
    [ "$status" -eq 1 ]
    [[ "$output" == *"a/package-lock.json"*"invalid JSON"* ]]
    grep -q '"ecosystem": "crates.io"' "$T/out.json"
}

@test "without a database, lockfiles are named as not checked" {
    cp -r "$LOCKS/cargo" "$T/r"
    MOAT_DB="$T/none.db" run "$MOAT" scan --only deps "$T/r"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not checked"*"moat db import"* ]]
}

@test "one scan runs secrets, config and deps together" {
    mkdir -p "$T/r"
    cp "$LOCKS/cargo/Cargo.lock" "$T/r/"
    printf 'FROM node\nRUN curl -fsSL https://example.org/i.sh | sh\n' >"$T/r/Dockerfile"
    printf 'aws_access_key_id = %s\n' "AKIA""QYLPMN5HHHFPZAM2" >"$T/r/creds.ini"
    run "$MOAT" scan -f json -o "$T/out.json" "$T/r"
    python3 - "$T/out.json" <<'EOF'
import json, sys
an = {f["analyzer"] for f in json.load(open(sys.argv[1]))["findings"]}
assert an == {"secrets", "config", "deps"}, an
EOF
}

validate() {
    python3 - "$@" <<'EOF'
import json, sys, pathlib, warnings, jsonschema
warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver, the API Debian 12's 4.10 has
schema_path, doc_path = pathlib.Path(sys.argv[1]), sys.argv[2]
schema = json.load(open(schema_path))
# the CycloneDX schema refers to its sibling schemas by file name
store = {}
for p in schema_path.parent.glob("*.json"):
    s = json.load(open(p))
    store[p.name] = s
    for key in ("$id", "id"):  # draft-04 schemas (SARIF) name themselves with "id"
        if isinstance(s.get(key), str):
            store[s[key]] = s
resolver = jsonschema.RefResolver.from_schema(schema, store=store)
cls = jsonschema.validators.validator_for(schema)
v = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
errs = list(v.iter_errors(json.load(open(doc_path))))
for e in errs[:20]:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errs else 0)
EOF
}

@test "moat sbom writes valid CycloneDX 1.5 with purls, hashes and relations" {
    run "$MOAT" sbom -o "$T/bom.json" "$LOCKS"
    [ "$status" -eq 0 ]
    validate "$SHARED/schemas/cyclonedx-bom-1.5.schema.json" "$T/bom.json"
    python3 - "$T/bom.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["components"]
purls = [x["purl"] for x in c]
assert len(purls) == len(set(purls))
assert "pkg:npm/lodash@4.17.20" in purls or any(p.startswith("pkg:npm/") for p in purls)
assert any(p.startswith("pkg:pypi/") for p in purls)
assert any(p.startswith("pkg:maven/") for p in purls)
assert any(p.startswith("pkg:golang/") for p in purls)
assert any("hashes" in x for x in c)
assert any(dep["dependsOn"] for dep in d["dependencies"])
EOF
}

@test "moat sbom writes valid SPDX 2.3" {
    run "$MOAT" sbom --format spdx -o "$T/spdx.json" "$LOCKS"
    [ "$status" -eq 0 ]
    validate "$SHARED/schemas/spdx-2.3-schema.json" "$T/spdx.json"
    python3 - "$T/spdx.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ids = [p["SPDXID"] for p in d["packages"]]
assert len(ids) == len(set(ids)) and len(ids) > 50
rel = {(r["spdxElementId"], r["relationshipType"]) for r in d["relationships"]}
assert ("SPDXRef-DOCUMENT", "DESCRIBES") in rel
assert any(t == "DEPENDS_ON" for _, t in rel)
EOF
}

@test "moat sbom: purls follow the purl spec of each type" {
    run "$MOAT" sbom -o "$T/bom.json" "$TREE"
    [ "$status" -eq 0 ]
    python3 - "$T/bom.json" <<'EOF'
import json, sys
purls = {c["purl"] for c in json.load(open(sys.argv[1]))["components"]}
want = {
    "pkg:npm/%40babel/core@7.24.0",            # scope '@' encoded
    "pkg:npm/string-width@4.2.3",              # the alias's real package
    "pkg:npm/semverish@1.0.0%2Bbuild.5",       # build metadata
    "pkg:pypi/django-rest.framework@3.14.0",   # lowercase, '_' as '-', dots kept
    "pkg:pypi/zope.interface@6.1",
    "pkg:pypi/torch@2.1.0%2Bcpu",              # PEP 440 local version
    "pkg:golang/github.com/burntsushi/toml@v1.3.2",
    "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible",
    "pkg:golang/gopkg.in/yaml.v3@v3.0.1",
    "pkg:cargo/wasi@0.9.0%2Bwasi-snapshot-preview1",
    "pkg:cargo/wasi@0.11.0%2Bwasi-snapshot-preview1",
    "pkg:gem/mini_portile2@2.8.5",
    "pkg:composer/monolog/monolog@2.9.2",      # vendor and name lowercased
}
missing = want - purls
assert not missing, (missing, sorted(purls))
# group as CycloneDX generators write it: npm scope, Composer vendor
c = {x["purl"]: x for x in json.load(open(sys.argv[1]))["components"]}
assert (c["pkg:npm/%40babel/core@7.24.0"]["group"], c["pkg:npm/%40babel/core@7.24.0"]["name"]) \
    == ("@babel", "core")
assert c["pkg:composer/monolog/monolog@2.9.2"]["group"] == "monolog"
EOF
}

@test "moat sbom: a package any lockfile uses in production is required; dev is excluded" {
    run "$MOAT" sbom -o "$T/bom.json" "$TREE"
    [ "$status" -eq 0 ]
    run "$MOAT" sbom --format spdx -o "$T/spdx.json" "$TREE"
    [ "$status" -eq 0 ]
    python3 - "$T/bom.json" "$T/spdx.json" <<'EOF'
import json, sys
c = {x["purl"]: x for x in json.load(open(sys.argv[1]))["components"]}
# dev in tools/ (read first), production in web/: required, and the hash
# comes from the copy that has one
babel = c["pkg:npm/%40babel/core@7.24.0"]
assert "scope" not in babel, babel
assert babel["hashes"][0]["alg"] == "SHA-512", babel
assert "scope" not in c["pkg:npm/jest@29.7.0"]          # production in tools/, dev in web/
assert c["pkg:npm/semver@7.6.0"]["scope"] == "excluded"  # dev only: CycloneDX's non-runtime
assert c["pkg:npm/fsevents@2.3.3"]["scope"] == "optional"
d = json.load(open(sys.argv[2]))
ids = {p["externalRefs"][0]["referenceLocator"]: p["SPDXID"]
       for p in d["packages"] if p.get("externalRefs")}
rel = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
       for r in d["relationships"]}
assert (ids["pkg:npm/fsevents@2.3.3"], "OPTIONAL_DEPENDENCY_OF", "SPDXRef-Project") in rel
assert ("SPDXRef-Project", "DEPENDS_ON", ids["pkg:npm/%40babel/core@7.24.0"]) in rel
EOF
    # moat reads its own output back with the same scopes
    mkdir "$T/again"
    cp "$T/bom.json" "$T/again/bom.cdx.json"
    run "$MOAT" sbom -o "$T/bom2.json" "$T/again"
    [ "$status" -eq 0 ]
    python3 - "$T/bom.json" "$T/bom2.json" <<'EOF'
import json, sys
a, b = ({x["purl"]: x.get("scope") for x in json.load(open(f))["components"]} for f in sys.argv[1:])
assert a == b, set(a.items()) ^ set(b.items())
EOF
}

@test "moat sbom: references resolve, ids are valid, output is deterministic and valid" {
    for f in cyclonedx spdx; do
        for n in 1 2; do
            run "$MOAT" sbom --format $f -o "$T/$f.$n.json" "$TREE"
            [ "$status" -eq 0 ]
        done
    done
    validate "$SHARED/schemas/cyclonedx-bom-1.5.schema.json" "$T/cyclonedx.1.json"
    validate "$SHARED/schemas/spdx-2.3-schema.json" "$T/spdx.1.json"
    python3 - "$T" <<'EOF'
import json, re, sys
T = sys.argv[1]
def load(f, n): return json.load(open(f"{T}/{f}.{n}.json"))
c1, c2, s1, s2 = load("cyclonedx", 1), load("cyclonedx", 2), load("spdx", 1), load("spdx", 2)
assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                    c1["serialNumber"])
assert c1["serialNumber"] != c2["serialNumber"]
assert s1["documentNamespace"] != s2["documentNamespace"]
refs = [x["bom-ref"] for x in c1["components"]] + [c1["metadata"]["component"]["bom-ref"]]
assert len(refs) == len(set(refs))
assert {d["ref"] for d in c1["dependencies"]} == set(refs)
for d in c1["dependencies"]:
    assert set(d["dependsOn"]) <= set(refs), d
hexlen = {"SHA-1": 40, "SHA-256": 64, "SHA-512": 128}
for x in c1["components"]:
    for h in x.get("hashes", []):
        assert re.fullmatch("[0-9a-f]{%d}" % hexlen[h["alg"]], h["content"]), (x["purl"], h)
ids = {p["SPDXID"] for p in s1["packages"]} | {"SPDXRef-DOCUMENT"}
assert len(ids) == len(s1["packages"]) + 1
assert all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i) for i in ids)
for r in s1["relationships"]:
    assert r["spdxElementId"] in ids and r["relatedSpdxElement"] in ids, r
for p in s1["packages"]:
    assert p["filesAnalyzed"] is False and p["downloadLocation"] == "NOASSERTION"
def strip(d):
    d.pop("serialNumber", None); d.get("metadata", {}).pop("timestamp", None)
    d.pop("documentNamespace", None); d.get("creationInfo", {}).pop("created", None)
    return d
assert strip(c1) == strip(c2) and strip(s1) == strip(s2)
EOF
    # SOURCE_DATE_EPOCH fixes the time; one past year 9999 is ignored, not fatal
    SOURCE_DATE_EPOCH=0 run "$MOAT" sbom -o "$T/epoch.json" "$TREE/rust"
    [ "$status" -eq 0 ]
    grep -q '"timestamp": "1970-01-01T00:00:00Z"' "$T/epoch.json"
    SOURCE_DATE_EPOCH=99999999999999999 run "$MOAT" sbom -o "$T/far.json" "$TREE/rust"
    [ "$status" -eq 0 ]
    validate "$SHARED/schemas/cyclonedx-bom-1.5.schema.json" "$T/far.json"
    grep -Eq '"timestamp": "[0-9]{4}-' "$T/far.json"
}

@test "moat sbom names the project after its directory, encoded in the SPDX namespace" {
    mkdir -p "$T/my app#1"
    cp "$LOCKS/cargo/Cargo.lock" "$T/my app#1/"
    cd "$T/my app#1"
    run "$MOAT" sbom -o "$T/bom.json" .
    [ "$status" -eq 0 ]
    run "$MOAT" sbom --format spdx -o "$T/spdx.json" ./
    [ "$status" -eq 0 ]
    validate "$SHARED/schemas/spdx-2.3-schema.json" "$T/spdx.json"
    python3 - "$T/bom.json" "$T/spdx.json" <<'EOF'
import json, sys
c, s = (json.load(open(f)) for f in sys.argv[1:])
assert c["metadata"]["component"]["name"] == "my app#1", c["metadata"]
assert s["name"] == "my app#1"
ns = s["documentNamespace"]
assert ns.startswith("https://spdx.org/spdxdocs/moat-my%20app%231-"), ns
assert " " not in ns and "#" not in ns
EOF
}

@test "moat sbom refuses an unknown format" {
    run "$MOAT" sbom --format xml
    [ "$status" -eq 2 ]
    [[ "$output" == *"cyclonedx or spdx"* ]]
}

@test "a stale database is warned about, once, unless deps.max-db-age allows it" {
    mkdir -p "$T/r/a" "$T/r/b/.moat"
    cp "$LOCKS/cargo/Cargo.lock" "$T/r/a/"
    cp "$LOCKS/npm-v3/package-lock.json" "$T/r/"
    run "$MOAT" scan --only deps "$T/r"
    [ "$(grep -c 'days old' <<<"$output")" -eq 1 ]
    cp "$LOCKS/cargo/Cargo.lock" "$T/r/b/"
    printf 'deps:\n  max-db-age: 3650\n' >"$T/r/b/.moat/config.yml"
    run "$MOAT" scan --only deps "$T/r/b"
    [[ "$output" != *"days old"* ]]
}
