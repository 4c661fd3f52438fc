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
