#!/usr/bin/env bats
# moat scan over file trees: the gate, ignores, baselines, configuration,
# redaction, and the places secrets hide (archives, UTF-16, binaries,
# encodings). Fake credentials are assembled at run time.

setup() {
    : "${MOAT:=build/moat}"
    T="$BATS_TEST_TMPDIR/repo"
    mkdir -p "$T"
    AKID="AKIA""QYLPMN5HHHFPZAM2"
    AKID2="AKIA""R7TXW4K2JDZGBNV3"
}

json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

@test "a planted key fails the gate and the report names rule, file and line" {
    printf 'x = 1\nkey = "%s"\n' "$AKID" > "$T/app.py"
    run "$MOAT" scan "$T" --color never
    [ "$status" -eq 1 ]
    [[ "$output" == *"app.py"* ]]
    [[ "$output" == *"aws-access-key-id"* ]]
    [[ "$output" == *"2:"* ]]
}

@test "secret values are redacted in every format" {
    printf 'key = "%s"\n' "$AKID" > "$T/app.py"
    for f in text json sarif junit; do
        run "$MOAT" scan "$T" --format "$f"
        [ "$status" -eq 1 ]
        [[ "$output" != *"$AKID"* ]]
    done
}

@test "--show-secrets is refused when the output is not a terminal" {
    printf 'key = "%s"\n' "$AKID" > "$T/app.py"
    run "$MOAT" scan "$T" --show-secrets
    [ "$status" -eq 2 ]
    [[ "$output" != *"$AKID"* ]]
}

@test "--show-secrets shows the value on a terminal" {
    command -v script >/dev/null || skip "script(1) not installed"
    printf 'key = "%s"\n' "$AKID" > "$T/app.py"
    run script -qec "$MOAT scan $T --show-secrets --color never" /dev/null
    [[ "$output" == *"$AKID"* ]]
}

@test "a clean tree passes the gate" {
    printf 'print("hello")\n' > "$T/app.py"
    run "$MOAT" scan "$T"
    [ "$status" -eq 0 ]
}

@test "--fail-on decides which severities fail the gate" {
    printf 'key = "%s"\n' "$AKID" > "$T/app.py"
    "$MOAT" scan "$T" --format json -o "$T.json" || true
    sev=$(json "$T.json" "d['findings'][0]['severity']")
    run "$MOAT" scan "$T" --fail-on "$sev"
    [ "$status" -eq 1 ]
    if [ "$sev" != critical ]; then
        run "$MOAT" scan "$T" --fail-on critical
        [ "$status" -eq 0 ]
    fi
}

@test ".gitignore is honoured by default and --no-ignore scans everything" {
    printf 'ignored.txt\n' > "$T/.gitignore"
    printf 'key = "%s"\n' "$AKID" > "$T/ignored.txt"
    run "$MOAT" scan "$T"
    [ "$status" -eq 0 ]
    run "$MOAT" scan --no-ignore "$T"
    [ "$status" -eq 1 ]
}

@test "dotfiles are scanned" {
    printf 'AWS_ACCESS_KEY_ID=%s\n' "$AKID" > "$T/.env"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "d['findings'][0]['path']")" = ".env" ]
}

@test "moat:ignore with the rule id silences that finding and is counted" {
    printf 'key = "%s"  # moat:ignore aws-access-key-id test fixture\n' "$AKID" > "$T/a.py"
    printf '# moat:ignore[aws-access-key-id] documented sample\nkey = "%s"\n' "$AKID2" > "$T/b.py"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 0 ]
    [ "$(json "$T.json" "len(d['findings'])")" -eq 0 ]
    [ "$(json "$T.json" "d['summary']['suppressed_inline']")" -eq 2 ]
}

@test "inline-ignores: false in the config makes moat:ignore comments count for nothing" {
    mkdir -p "$T/.moat"
    printf 'key = "%s"  # moat:ignore aws-access-key-id test fixture\n' "$AKID" > "$T/a.py"
    printf 'inline-ignores: false\n' > "$T/.moat/config.yml"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "d['summary']['suppressed_inline']")" -eq 0 ]
}

@test "a config ignore by rule id and path accepts only the files it names" {
    mkdir -p "$T/.moat" "$T/fixtures"
    printf 'key = "%s"\n' "$AKID" > "$T/fixtures/a.py"
    printf 'key = "%s"\n' "$AKID2" > "$T/b.py"
    printf 'ignore:\n  - id: aws-access-key-id\n    path: fixtures/\n    reason: revoked sample keys\n' > "$T/.moat/config.yml"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "[f['path'] for f in d['findings']]")" = "['b.py']" ]
    [ "$(json "$T.json" "d['summary']['suppressed_config']")" -eq 1 ]
}

@test "moat:ignore naming another rule does not silence the finding" {
    printf 'key = "%s"  # moat:ignore github-pat wrong rule\n' "$AKID" > "$T/a.py"
    run "$MOAT" scan "$T"
    [ "$status" -eq 1 ]
}

@test "a baseline accepts old findings, survives edits above them, and fails on new ones" {
    printf 'key = "%s"\n' "$AKID" > "$T/a.py"
    run "$MOAT" scan "$T" --write-baseline "$T/../baseline.json"
    [ "$status" -eq 0 ]
    ! grep -q "$AKID" "$T/../baseline.json"
    printf '# a new first line\n\nkey = "%s"\n' "$AKID" > "$T/a.py"
    run "$MOAT" scan "$T" --baseline "$T/../baseline.json"
    [ "$status" -eq 0 ]
    printf 'other = "%s"\n' "$AKID2" > "$T/b.py"
    run "$MOAT" scan "$T" --baseline "$T/../baseline.json" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "len(d['findings'])")" -eq 1 ]
    [ "$(json "$T.json" "d['findings'][0]['path']")" = "b.py" ]
}

@test "the configuration sets the threshold, excludes paths and adds rules" {
    mkdir -p "$T/.moat" "$T/vendor"
    printf 'key = "%s"\n' "$AKID" > "$T/vendor/lib.py"
    printf 'token = "acme_%s"\n' "9f2c4e7a1b3d5f60a8c2e4b6d8f0a1c3" > "$T/app.py"
    cat > "$T/.moat/config.yml" <<'YML'
fail-on: medium
exclude:
  - vendor/
secrets:
  rules:
    - id: acme-api-key
      description: ACME internal API key
      regex: 'acme_(?<secret>[0-9a-f]{32})'
      severity: medium
YML
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "[f['rule_id'] for f in d['findings']]")" = "['acme-api-key']" ]
}

@test "a mistake in the configuration names file, line and what was expected" {
    mkdir -p "$T/.moat"
    printf 'exclude:\n  - vendor/\nfail-on: hihg\n' > "$T/.moat/config.yml"
    run "$MOAT" scan "$T"
    [ "$status" -eq 2 ]
    [[ "$output" == *"config.yml:3"* ]]
    [[ "$output" == *"hihg"* ]]
}

@test "secrets inside zip and tar.gz archives are found with the member path" {
    mkdir -p "$T/src"
    printf 'key = "%s"\n' "$AKID" > "$T/src/inner.properties"
    (cd "$T/src" && zip -q ../bundle.zip inner.properties && tar czf ../bundle.tar.gz inner.properties)
    rm -r "$T/src"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    paths=$(json "$T.json" "sorted(f['path'] for f in d['findings'])")
    [[ "$paths" == *"bundle.zip!inner.properties"* ]]
    [[ "$paths" == *"bundle.tar.gz!inner.properties"* ]]
}

@test "UTF-16 text and strings inside binaries are scanned" {
    printf 'key = "%s"\r\n' "$AKID" | iconv -f UTF-8 -t UTF-16 > "$T/win.txt"
    { head -c 300 /dev/zero; printf '%s' "$AKID2"; head -c 300 /dev/zero; } > "$T/blob.bin"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [ "$(json "$T.json" "sorted(f['path'] for f in d['findings'])")" = "['blob.bin', 'win.txt']" ]
}

@test "base64- and URL-encoded credentials are found" {
    printf 'key = "%s"\n' "$AKID" | base64 -w0 > "$T/b64.txt"
    # a Slack webhook URL, percent-encoded as a redirect parameter
    printf 'next=https%%3A%%2F%%2Fhooks.slack.com%%2Fservices%%2FT%s%%2FB%s%%2F%s\n' \
        "0AB3CD4EF" "1GH5IJ6KL" "Xk3Lm9Pq2Rs7Tv4Wx8Yz1Ab5" > "$T/url.txt"
    run "$MOAT" scan "$T" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    paths=$(json "$T.json" "sorted(set(f['path'] for f in d['findings']))")
    [[ "$paths" == *"b64.txt"* ]]
    [[ "$paths" == *"url.txt"* ]]
}

@test "CRLF files report the right line" {
    printf 'a\r\nb\r\nkey = "%s"\r\n' "$AKID" > "$T/crlf.txt"
    "$MOAT" scan "$T" --format json -o "$T.json" || true
    [ "$(json "$T.json" "d['findings'][0]['line']")" -eq 3 ]
}

@test "a very long minified line is scanned" {
    python3 -c "import sys; sys.stdout.write('var a=1;'*500000 + 'k=\"$AKID\";' + 'b=2;'*100000)" > "$T/bundle.min.js"
    run "$MOAT" scan "$T"
    [ "$status" -eq 1 ]
}

@test "symlink loops do not hang the walk and links are not followed" {
    mkdir -p "$T/d"
    ln -s .. "$T/d/loop"
    ln -s /etc/passwd "$T/d/passwd"
    run timeout 20 "$MOAT" scan "$T"
    [ "$status" -eq 0 ]
}

@test "a file over --max-file-size is skipped with a warning and exit 2" {
    printf 'key = "%s"\n' "$AKID" > "$T/big.txt"
    head -c 5000 /dev/zero | tr '\0' 'a' >> "$T/big.txt"
    run "$MOAT" scan "$T" --max-file-size 1k
    [ "$status" -eq 2 ]
    [[ "$output" == *"big.txt"* ]]
}

@test "one file can be scanned on its own" {
    printf 'key = "%s"\n' "$AKID" > "$T/one.py"
    run "$MOAT" scan "$T/one.py" --format json -o "$T.json"
    [ "$status" -eq 1 ]
}

@test "the look-alike tree produces no finding" {
    # secret look-alikes; its Dockerfile and workflow are audited elsewhere
    run "$MOAT" scan --only secrets --no-ignore "$BATS_TEST_DIRNAME/../data/lookalikes" --fail-on info --format json -o "$T.json"
    [ "$(json "$T.json" "len(d['findings'])")" -eq 0 ]
    [ "$status" -eq 0 ]
}

@test "the example repository's planted secrets are all found" {
    run "$MOAT" scan "$BATS_TEST_DIRNAME/../../examples/leaky-repo" --format json -o "$T.json"
    [ "$status" -eq 1 ]
    n=$(json "$T.json" "len(d['findings'])")
    [ "$n" -ge 8 ]
    # the documentation example key in its README is not a finding
    [ "$(json "$T.json" "len([f for f in d['findings'] if f['path']=='README.md'])")" -eq 0 ]
}

@test "an unreadable file is warned about, the rest is scanned, and the exit status says so" {
    # Root reads everything: drop to nobody for this test when we can.
    if [ "$(id -u)" -eq 0 ]; then
        command -v setpriv >/dev/null || skip "setpriv not installed"
        runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    else
        runas=()
    fi
    d=$(mktemp -d /tmp/moat-perm.XXXXXX)
    chmod 755 "$d"
    printf 'key = "%s"\n' "$AKID" > "$d/readable.py"
    printf 'key = "%s"\n' "$AKID2" > "$d/secret.py"
    chmod 644 "$d/readable.py"
    chmod 000 "$d/secret.py"
    bin=$(readlink -f "$MOAT")
    "${runas[@]}" test -x "$bin" || { rm -rf "$d"; skip "$bin is not executable by nobody"; }
    run "${runas[@]}" env MOAT_CACHE_DIR= "$bin" scan "$d" --fail-on critical --format json
    rm -rf "$d"
    [ "$status" -eq 2 ]
    [[ "$output" == *"secret.py"* ]]
    [[ "$output" == *"readable.py"* ]]
}

@test "a file deleted between the walk and its reading is warned about, and the rest is scanned" {
    printf 'key = "%s"\n' "$AKID" > "$T/a.py"
    printf 'key = "%s"\n' "$AKID2" > "$T/b.py"
    # the first file the only worker opens has vanished
    MOAT_TEST_FAIL=walk_open:1 run "$MOAT" scan "$T" -j 1 --format json -o "$T.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"vanished during the scan"* ]]
    [ "$(json "$T.json" "len(d['findings'])")" -eq 1 ]
}
