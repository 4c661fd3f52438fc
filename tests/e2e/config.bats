#!/usr/bin/env bats
# The config analyzer end to end: workflows, GitLab CI files and Dockerfiles
# found anywhere in the tree, audited in the same pass as the secret scan;
# inline and config ignores; --pedantic; SARIF rule metadata for every audit;
# files that do not load are named and the scan goes on. The audits
# themselves are tested case by case in tests/unit/scan_config/.

setup() {
    MOAT="${MOAT:-$BATS_TEST_DIRNAME/../../build/moat}"
    T="$BATS_TEST_TMPDIR"
    mkdir -p "$T/r/svc/.github/workflows" "$T/r/deploy"
    cat >"$T/r/svc/.github/workflows/triage.yml" <<'EOF'
on: issues
permissions:
  issues: write
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "checking"
          echo "${{ github.event.issue.title }}"
EOF
    printf 'FROM alpine\nRUN wget -qO- https://example.org/i.sh | sh\n' >"$T/r/deploy/api.Dockerfile"
}

json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

@test "workflows and Dockerfiles in subdirectories are audited, at the exact line" {
    run "$MOAT" scan --only config -f json -o "$T/out.json" "$T/r"
    [ "$status" -eq 1 ]
    [ "$(json "$T/out.json" "sorted((f['path'], f['line'], f['rule_id']) for f in d['findings'])")" = \
      "[('deploy/api.Dockerfile', 1, 'docker-root-user'), ('deploy/api.Dockerfile', 1, 'docker-unpinned-base'), ('deploy/api.Dockerfile', 2, 'docker-pipe-to-shell'), ('svc/.github/workflows/triage.yml', 3, 'gha-excessive-permissions'), ('svc/.github/workflows/triage.yml', 10, 'gha-template-injection')]" ]
}

@test "the message names the untrusted value and the sink" {
    run "$MOAT" scan --only config --color never "$T/r"
    [[ "$output" == *"github.event.issue.title"*"shell script"* ]]
}

@test "# moat:ignore[<id>] on the line above silences that audit only" {
    sed -i 's|^RUN wget|# moat:ignore[docker-pipe-to-shell] vendor script, checked by hand\nRUN wget|' "$T/r/deploy/api.Dockerfile"
    run "$MOAT" scan --only config -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "[f['rule_id'] for f in d['findings'] if f['path'].endswith('Dockerfile')]")" = \
      "['docker-root-user', 'docker-unpinned-base']" ]
    [ "$(json "$T/out.json" "d['summary']['suppressed_inline']")" -eq 1 ]
}

@test "a config ignore by id and path, and inline-ignores: false" {
    mkdir -p "$T/r/.moat"
    printf 'ignore:\n  - id: docker-root-user\n    path: deploy/\n    reason: runs in a rootless sandbox\n' >"$T/r/.moat/config.yml"
    run "$MOAT" scan --only config -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "'docker-root-user' in [f['rule_id'] for f in d['findings']]")" = False ]
    sed -i 's|^RUN wget|# moat:ignore[docker-pipe-to-shell] checked\nRUN wget|' "$T/r/deploy/api.Dockerfile"
    printf 'inline-ignores: false\n' >>"$T/r/.moat/config.yml"
    run "$MOAT" scan --only config -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "'docker-pipe-to-shell' in [f['rule_id'] for f in d['findings']]")" = True ]
}

@test "--pedantic adds the hygiene audits" {
    printf 'FROM debian:12.5@sha256:%s\nRUN apt-get update && apt-get install -y curl\nUSER 10001\n' \
        "$(printf 'a%.0s' {1..64})" >"$T/r/Dockerfile"
    run "$MOAT" scan --only config -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "[f['rule_id'] for f in d['findings'] if f['path'] == 'Dockerfile']")" = "[]" ]
    run "$MOAT" scan --only config --pedantic -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "[f['rule_id'] for f in d['findings'] if f['path'] == 'Dockerfile']")" = \
      "['docker-unpinned-package']" ]
}

@test "SARIF describes every audit with help, fix and a docs page, and validates" {
    run "$MOAT" scan --only config -f sarif -o "$T/out.sarif" "$T/r"
    python3 - "$BATS_TEST_DIRNAME/../../../shared/schemas/sarif-schema-2.1.0.json" "$T/out.sarif" <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
errs = list(cls(schema, format_checker=jsonschema.FormatChecker()).iter_errors(json.load(open(sys.argv[2]))))
for e in errs[:10]:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errs else 0)
EOF
    python3 - "$T/out.sarif" "$BATS_TEST_DIRNAME/../.." <<'EOF'
import json, os, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
ids = [i for i in rules if i.split("-")[0] in ("gha", "gitlab", "docker")]
assert len(ids) >= 29, len(ids)
for i in ids:
    md = rules[i]["help"]["markdown"]
    assert "**Fix:**" in md and f"docs/rules/config/{i}.md" in md, i
    assert os.path.exists(os.path.join(sys.argv[2], "docs/rules/config", i + ".md")), i
    assert rules[i]["properties"]["security-severity"]
for r in run["results"]:
    assert r["ruleId"] in rules
EOF
}

@test "a YAML bomb, a duplicate key and a non-YAML workflow are named; the scan goes on" {
    w="$T/r/svc/.github/workflows"
    {
        echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
        for i in b c d e f g h i j; do
            prev=$(printf '%s' "$i" | tr 'b-j' 'a-i')
            echo "$i: &$i [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
        done
    } >"$w/bomb.yml"
    printf 'on: push\non: pull_request\njobs: {}\n' >"$w/dup.yml"
    printf '\x7fELF\x02\x01\x01\x00binary\xff\xfe' >"$w/notyaml.yml"
    run timeout 20 "$MOAT" scan --only config "$T/r"
    [ "$status" -eq 1 ] # the gate still fails on the real findings
    [[ "$output" == *"bomb.yml"* ]]
    [[ "$output" == *"dup.yml"*"duplicate key"* ]]
    [[ "$output" == *"notyaml.yml"* ]]
    [[ "$output" == *"gha-template-injection"* ]]
    [[ "$output" == *"could not be scanned"* ]] || [[ "$output" == *"3 could not"* ]]
}

@test "config and secrets run in one pass over the tree" {
    printf 'ENV STRIPE_KEY=%s\n' "sk_live_""4eC39HqLyjWDarjtT1zdp7dc" >>"$T/r/deploy/api.Dockerfile"
    run "$MOAT" scan --only secrets,config -f json -o "$T/out.json" "$T/r"
    [ "$(json "$T/out.json" "sorted({f['analyzer'] for f in d['findings']})")" = "['config', 'secrets']" ]
    [ "$(json "$T/out.json" "d['summary']['files']")" -eq 2 ]
}
