#!/usr/bin/env bats
# The reports as other tools read them: SARIF against the SARIF 2.1.0 schema
# (plus what GitHub code scanning needs), JSON with its documented keys, JUnit
# as well-formed XML. First the unit tests' golden files, then `moat scan`.

setup() {
    SCHEMA="$BATS_TEST_DIRNAME/../../../shared/schemas/sarif-schema-2.1.0.json"
    DATA="$BATS_TEST_DIRNAME/../data/report"
    MOAT="${MOAT:-$BATS_TEST_DIRNAME/../../build/moat}"
    T="$BATS_TEST_TMPDIR"
    # Built here so no credential-shaped string sits in the repository.
    AWS_KEY="AKIA""QYLPMN5HHHFPZAM2"
}

# Validate SARIF files against the schema, then check what GitHub code
# scanning relies on: rule ids unique, ruleIndex pointing at the rule of the
# same id, every location a relative URI under %SRCROOT%, a moat fingerprint.
validate_sarif() {
    python3 - "$SCHEMA" "$@" <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
v = cls(schema, format_checker=jsonschema.FormatChecker())
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    for e in v.iter_errors(doc):
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        bad += 1
    if doc.get("version") != "2.1.0" or len(doc.get("runs", [])) != 1:
        print(f"{path}: expected version 2.1.0 and one run"); bad += 1; continue
    run = doc["runs"][0]
    rules = run["tool"]["driver"].get("rules", [])
    ids = [r["id"] for r in rules]
    if len(ids) != len(set(ids)):
        print(f"{path}: duplicate rule ids"); bad += 1
    for r in rules:
        sev = r.get("properties", {}).get("security-severity")
        if not isinstance(sev, str) or not 0.0 <= float(sev) <= 10.0:
            print(f"{path}: rule {r['id']}: security-severity {sev!r}"); bad += 1
    for res in run["results"]:
        if ids[res["ruleIndex"]] != res["ruleId"]:
            print(f"{path}: ruleIndex {res['ruleIndex']} is not {res['ruleId']}"); bad += 1
        if "moat/v1" not in res.get("partialFingerprints", {}):
            print(f"{path}: result without a moat/v1 fingerprint"); bad += 1
        for loc in res.get("locations", []):
            art = loc["physicalLocation"]["artifactLocation"]
            if art.get("uriBaseId") != "%SRCROOT%" or art["uri"].startswith("/"):
                print(f"{path}: location {art} is not relative to %SRCROOT%"); bad += 1
sys.exit(1 if bad else 0)
EOF
}

# JSON reports: the documented top-level keys, finding keys from the
# documented set, required ones present, no null anywhere.
check_json() {
    python3 - "$@" <<'EOF'
import json, sys
top = {"version", "tool", "findings", "summary", "gate"}
required = {"rule_id", "severity", "confidence"}
known = required | {"analyzer", "title", "message", "path", "line", "column", "commit",
                    "author", "email", "date", "fingerprint", "redacted", "secret", "fix", "cwe"}
summary = {"total", "critical", "high", "medium", "low", "info", "suppressed_inline",
           "suppressed_baseline"}
def nulls(x):
    if x is None: return True
    if isinstance(x, dict): return any(nulls(v) for v in x.values())
    if isinstance(x, list): return any(nulls(v) for v in x)
    return False
bad = 0
for path in sys.argv[1:]:
    doc = json.load(open(path))
    if not top <= set(doc) or not set(doc) <= top | {"root"}:
        print(f"{path}: top-level keys {sorted(doc)}"); bad += 1; continue
    if doc["version"] != 1 or doc["tool"]["name"] != "moat":
        print(f"{path}: version/tool"); bad += 1
    if nulls(doc):
        print(f"{path}: null value"); bad += 1
    if not summary <= set(doc["summary"]):
        print(f"{path}: summary keys {sorted(doc['summary'])}"); bad += 1
    if set(doc["gate"]) != {"fail_on", "passed", "failing"}:
        print(f"{path}: gate keys {sorted(doc['gate'])}"); bad += 1
    if doc["summary"]["total"] != len(doc["findings"]):
        print(f"{path}: total != number of findings"); bad += 1
    for f in doc["findings"]:
        if not required <= set(f) or not set(f) <= known:
            print(f"{path}: finding keys {sorted(f)}"); bad += 1
sys.exit(1 if bad else 0)
EOF
}

# JUnit reports: well-formed XML, one testsuite named moat whose counts match
# its testcases.
check_junit() {
    python3 - "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
bad = 0
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    suites = root.findall("testsuite")
    if root.tag != "testsuites" or len(suites) != 1 or suites[0].get("name") != "moat":
        print(f"{path}: expected <testsuites> holding one <testsuite name=moat>"); bad += 1
        continue
    s = suites[0]
    cases = s.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    if int(s.get("tests")) != len(cases) or int(s.get("failures")) != len(failures) or not cases:
        print(f"{path}: counts do not match the testcases"); bad += 1
sys.exit(1 if bad else 0)
EOF
}

# Fail if file $1 holds the string $2 (a bare `! grep` does not fail a bats test).
refute_contains() {
    if grep -qF -- "$2" "$1"; then
        echo "$1 contains $2"
        return 1
    fi
}

plant() {
    mkdir -p "$T/leaky/src" "$T/clean/src"
    printf 'import os\naws_access_key_id = "%s"\n' "$AWS_KEY" > "$T/leaky/src/settings.py"
    printf 'print("hello")\n' > "$T/clean/src/main.py"
}

@test "the SARIF 2.1.0 schema is where CI puts it" {
    [ -f "$SCHEMA" ]
}

@test "golden SARIF reports validate against the SARIF 2.1.0 schema" {
    run validate_sarif "$DATA"/*.sarif
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "the validator rejects SARIF that is not valid" {
    printf '{"version": "2.1.0", "runs": [{"results": []}]}\n' > "$T/bad.sarif"
    run validate_sarif "$T/bad.sarif"
    [ "$status" -ne 0 ]
    [[ "$output" == *"'tool' is a required property"* ]]
}

@test "golden JSON reports have the documented keys" {
    run check_json "$DATA"/*.json
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "golden JUnit reports are well-formed XML" {
    run check_junit "$DATA"/*.junit.xml
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "the JUnit checker rejects malformed XML" {
    printf '<testsuites><testsuite name="moat" tests="1" failures="0"><testcase name="a&b"/></testsuite></testsuites>\n' > "$T/bad.xml"
    run check_junit "$T/bad.xml"
    [ "$status" -ne 0 ]
}

@test "moat scan --format sarif of a planted secret validates and fails the gate" {
    plant
    run "$MOAT" scan "$T/leaky" --fail-on low --format sarif --output "$T/leaky.sarif"
    echo "$output"
    [ "$status" -eq 1 ]
    run validate_sarif "$T/leaky.sarif"
    echo "$output"
    [ "$status" -eq 0 ]
    run python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["runs"][0]["results"]; sys.exit(0 if r and r[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/settings.py" else 1)' "$T/leaky.sarif"
    [ "$status" -eq 0 ]
    # Redacted: neither the key nor its tail is in the report.
    refute_contains "$T/leaky.sarif" "${AWS_KEY:4}"
}

@test "moat scan --format sarif of a clean tree validates, with no results" {
    plant
    run "$MOAT" scan "$T/clean" --fail-on low --format sarif --output "$T/clean.sarif"
    echo "$output"
    [ "$status" -eq 0 ]
    run validate_sarif "$T/clean.sarif"
    echo "$output"
    [ "$status" -eq 0 ]
    run python3 -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$T/clean.sarif"
    [ "$status" -eq 0 ]
}

@test "moat scan --format json reports the planted secret with the documented keys" {
    plant
    run "$MOAT" scan "$T/leaky" --fail-on low --format json --output "$T/leaky.json"
    [ "$status" -eq 1 ]
    run check_json "$T/leaky.json"
    echo "$output"
    [ "$status" -eq 0 ]
    run python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["findings"] and d["gate"]["passed"] is False else 1)' "$T/leaky.json"
    [ "$status" -eq 0 ]
    refute_contains "$T/leaky.json" "${AWS_KEY:4}"
}

@test "moat scan --format junit writes well-formed XML with a failure" {
    plant
    run "$MOAT" scan "$T/leaky" --fail-on low --format junit --output "$T/leaky.xml"
    [ "$status" -eq 1 ]
    run check_junit "$T/leaky.xml"
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '<failure ' "$T/leaky.xml"
    refute_contains "$T/leaky.xml" "${AWS_KEY:4}"
    run "$MOAT" scan "$T/clean" --format junit --output "$T/clean.xml"
    [ "$status" -eq 0 ]
    run check_junit "$T/clean.xml"
    [ "$status" -eq 0 ]
    grep -q 'name="moat scan"' "$T/clean.xml"
}
