#!/usr/bin/env bats
# moat db: import of every input form into a temporary store, status,
# idempotent re-import, --db and $MOAT_DB, and clear errors for damaged
# stores and inputs. The shared osv.dev subset is used when it is there.

setup() {
    : "${MOAT:=build/moat}"
    D="$BATS_TEST_DIRNAME/../data/deps/osv"
    SHARED="$BATS_TEST_DIRNAME/../../../shared/osv/advisories.jsonl.gz"
    export MOAT_DB="$BATS_TEST_TMPDIR/osv.db"
}

@test "import of the shared osv.dev subset, then status" {
    [ -f "$SHARED" ] || skip "no ../shared/osv"
    run "$MOAT" db import "$SHARED"
    [ "$status" -eq 0 ]
    [[ "$output" == *"11573 advisories read from 1 files: 11573 added, 0 updated, 0 unchanged, 0 invalid skipped"* ]]
    run "$MOAT" db status
    [ "$status" -eq 0 ]
    [[ "$output" == *"store:       $MOAT_DB"* ]]
    [[ "$output" == *"advisories:  11573 (40 withdrawn"* ]]
    [[ "$output" == *"newest:      20"*"Z"* ]]
    [[ "$output" =~ crates\.io\ +1206 ]]
    [[ "$output" =~ npm\ +467 ]]
}

@test "re-import changes nothing, byte for byte" {
    run "$MOAT" db import "$D/packed/all.zip"
    [ "$status" -eq 0 ]
    a=$(sha256sum < "$MOAT_DB")
    run "$MOAT" db import "$D/good" "$D/packed/advisories.jsonl.gz"
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 added, 0 updated, 26 unchanged"* ]]
    [ "$(sha256sum < "$MOAT_DB")" = "$a" ]
}

@test "every input form gives the same store" {
    "$MOAT" db import --db "$BATS_TEST_TMPDIR/a.db" "$D/good"
    "$MOAT" db import --db "$BATS_TEST_TMPDIR/b.db" "$D/packed/all.zip"
    "$MOAT" db import --db "$BATS_TEST_TMPDIR/c.db" "$D/packed/advisories.jsonl.gz"
    cmp "$BATS_TEST_TMPDIR/a.db" "$BATS_TEST_TMPDIR/b.db"
    cmp "$BATS_TEST_TMPDIR/a.db" "$BATS_TEST_TMPDIR/c.db"
}

@test "invalid records are warned about with file and line, the rest imported" {
    run "$MOAT" db import "$D/bad/mixed.jsonl"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mixed.jsonl:2: skipped: not valid JSON"* ]]
    [[ "$output" == *"mixed.jsonl:4: skipped: not a JSON object"* ]]
    [[ "$output" == *"mixed.jsonl:6: skipped: TEST-LINE-3"* ]]
    [[ "$output" == *"3 added, 0 updated, 0 unchanged, 3 invalid skipped"* ]]
    run "$MOAT" db import "$D/packed/all.zip"
    [[ "$output" == *"all.zip!BAD-1.json: skipped"* ]]
}

@test "a truncated JSON file is an error naming the file, and nothing is written" {
    run "$MOAT" db import "$D/bad/truncated.json"
    [ "$status" -eq 2 ]
    [[ "$output" == *"truncated.json"*"no valid OSV advisory"* ]]
    [ ! -e "$MOAT_DB" ]
    run "$MOAT" db import "$D/packed/truncated.jsonl.gz"
    [ "$status" -eq 2 ]
    [[ "$output" == *"truncated.jsonl.gz: damaged or truncated gzip data"* ]]
    [ ! -e "$MOAT_DB" ]
}

@test "a damaged store is a clear error, and import does not overwrite it" {
    "$MOAT" db import "$D/good"
    size=$(stat -c %s "$MOAT_DB")
    # flip one byte in the records, at the end of the file
    printf '\xff' | dd of="$MOAT_DB" bs=1 seek=$((size - 3)) conv=notrunc status=none
    run "$MOAT" db status
    [ "$status" -eq 2 ]
    [[ "$output" == *"$MOAT_DB: the vulnerability database is damaged"*"moat db import"* ]]
    run "$MOAT" db import "$D/good"
    [ "$status" -eq 2 ]
    [[ "$output" == *"damaged"* ]]
    # a truncated store fails at open already
    head -c 1000 "$BATS_TEST_TMPDIR/osv.db" > "$BATS_TEST_TMPDIR/cut.db"
    run "$MOAT" db status --db "$BATS_TEST_TMPDIR/cut.db"
    [ "$status" -eq 2 ]
    [[ "$output" == *"cut.db"*"damaged"* ]]
    echo "not a database at all, just some text to fill the header" > "$BATS_TEST_TMPDIR/t.db"
    printf '%0300d' 0 >> "$BATS_TEST_TMPDIR/t.db"
    run "$MOAT" db status --db "$BATS_TEST_TMPDIR/t.db"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a moat vulnerability database"* ]]
}

@test "--db overrides MOAT_DB, XDG_DATA_HOME and HOME give the default" {
    run "$MOAT" db import --db "$BATS_TEST_TMPDIR/other.db" "$D/good/limit.json"
    [ "$status" -eq 0 ]
    [ -f "$BATS_TEST_TMPDIR/other.db" ]
    [ ! -e "$MOAT_DB" ]
    run env -u MOAT_DB XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg" "$MOAT" db import "$D/good/limit.json"
    [ "$status" -eq 0 ]
    [ -f "$BATS_TEST_TMPDIR/xdg/moat/osv.db" ]
    run env -u MOAT_DB -u XDG_DATA_HOME HOME="$BATS_TEST_TMPDIR/home" "$MOAT" db status
    [ "$status" -eq 2 ]
    [[ "$output" == *"$BATS_TEST_TMPDIR/home/.local/share/moat/osv.db: no vulnerability database"* ]]
    run env -u MOAT_DB -u XDG_DATA_HOME -u HOME "$MOAT" db status
    [ "$status" -eq 2 ]
    [[ "$output" == *"no database path"* ]]
}

@test "usage errors exit 2" {
    run "$MOAT" db
    [ "$status" -eq 2 ]
    run "$MOAT" db import
    [ "$status" -eq 2 ]
    [[ "$output" == *"at least one FILE or DIR"* ]]
    run "$MOAT" db frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown subcommand 'frobnicate'"* ]]
    run "$MOAT" db status extra
    [ "$status" -eq 2 ]
    run "$MOAT" db status --bogus
    [ "$status" -eq 2 ]
    run "$MOAT" db import "$BATS_TEST_TMPDIR/missing.jsonl"
    [ "$status" -eq 2 ]
    [[ "$output" == *"missing.jsonl"* ]]
}

@test "moat help db and moat db --help show the page" {
    run "$MOAT" help db
    [ "$status" -eq 0 ]
    [[ "$output" == *"usage: moat db import"* ]]
    a=$("$MOAT" help db)
    b=$("$MOAT" db --help)
    [ "$a" = "$b" ]
}
