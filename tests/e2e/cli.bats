#!/usr/bin/env bats
# The command table, help pages, version and exit statuses of moat's CLI.

setup() {
    : "${MOAT:=build/moat}"
}

@test "moat help lists every command of the table" {
    run "$MOAT" help
    [ "$status" -eq 0 ]
    for c in scan rules hook version help; do
        [[ "$output" == *"  $c "* ]]
    done
    [[ "$output" == *"Exit status"* ]]
}

@test "moat help scan shows the scan page" {
    run "$MOAT" help scan
    [ "$status" -eq 0 ]
    [[ "$output" == *"usage: moat scan"* ]]
    [[ "$output" == *"--fail-on"* ]]
    [[ "$output" == *"--baseline"* ]]
}

@test "moat scan --help equals moat help scan" {
    a=$("$MOAT" help scan)
    b=$("$MOAT" scan --help)
    [ "$a" = "$b" ]
}

@test "moat --version prints the version" {
    run "$MOAT" --version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^moat\ [0-9a-z.-]+ ]]
}

@test "every command has a docs/cli page" {
    for c in scan rules hook version help; do
        [ -f "$BATS_TEST_DIRNAME/../../docs/cli/$c.md" ]
    done
}

@test "an unknown command is a usage error (exit 2)" {
    run "$MOAT" frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown command 'frobnicate'"* ]]
}

@test "an unknown option is a usage error (exit 2)" {
    run "$MOAT" scan --frobnicate .
    [ "$status" -eq 2 ]
}

@test "bad option values name the option and what was expected" {
    run "$MOAT" scan --fail-on hihg "$BATS_TEST_TMPDIR"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--fail-on"*"hihg"* ]]
    run "$MOAT" scan --format xml "$BATS_TEST_TMPDIR"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--format"* ]]
    run "$MOAT" scan --only secretz "$BATS_TEST_TMPDIR"
    [ "$status" -eq 2 ]
    [[ "$output" == *"secretz"* ]]
}

@test "scanning a path that does not exist is an error (exit 2)" {
    run "$MOAT" scan "$BATS_TEST_TMPDIR/nope"
    [ "$status" -eq 2 ]
    [[ "$output" == *"nope"* ]]
}

@test "moat rules lists more than 150 secret rules" {
    run "$MOAT" rules
    [ "$status" -eq 0 ]
    n=$(printf '%s\n' "$output" | grep -c ' secrets ')
    [ "$n" -ge 150 ]
}

@test "moat rules --patterns prints one pattern per rule, usable by grep -P" {
    "$MOAT" rules --patterns > "$BATS_TEST_TMPDIR/p.txt"
    n=$(wc -l < "$BATS_TEST_TMPDIR/p.txt")
    [ "$n" -ge 150 ]
    echo "nothing here" > "$BATS_TEST_TMPDIR/x.txt"
    run rg --no-unicode -f "$BATS_TEST_TMPDIR/p.txt" "$BATS_TEST_TMPDIR/x.txt"
    [ "$status" -eq 1 ] # no match, but every pattern compiled (2 would be an error)
}
