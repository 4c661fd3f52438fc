#!/usr/bin/env bats
# moat scan --git and --staged from the command line: the introducing commit
# in the JSON report, each blob once, ranges, --since, the cache, staged
# changes, and the errors. Fake credentials are assembled at run time.

setup() {
    : "${MOAT:=build/moat}"
    T="$BATS_TEST_TMPDIR/repo"
    AKID="AKIA""Q3RVN7T2LX6HB4WD"
    AKID2="AKIA""W4TQ7ZP3KD6MR2XN"
    # git and libgit2 read no configuration of this machine; moat keeps its
    # compiled-rules cache where it was, or every test would compile them again
    export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
    export HOME="$BATS_TEST_TMPDIR" GIT_CONFIG_NOSYSTEM=1
    export GIT_AUTHOR_NAME="Alice Leak" GIT_AUTHOR_EMAIL=alice@example.com
    export GIT_COMMITTER_NAME="Carol Commit" GIT_COMMITTER_EMAIL=carol@example.com
    export GIT_AUTHOR_DATE="2021-02-03T04:05:06+0100" GIT_COMMITTER_DATE="2021-02-03T04:05:06+0100"
    unset GIT_INDEX_FILE GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_OBJECT_DIRECTORY
    git init -q -b main "$T"
}

commit() {
    git -C "$T" add -A
    git -C "$T" commit -q --allow-empty -m "$1"
}

# json FILE EXPR: print a Python expression over the report d
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

# c1 clean, c2 adds a key, c3 removes it, c4 changes something else
history() {
    echo hello > "$T/README.md"
    commit c1
    printf 'region = eu\naws_access_key_id = %s\n' "$AKID" > "$T/app.env"
    commit c2
    C2=$(git -C "$T" rev-parse HEAD)
    printf 'region = eu\n' > "$T/app.env"
    commit c3
    echo bye > "$T/README.md"
    commit c4
}

@test "a key added and later removed is found in history, with the commit that added it" {
    history
    run "$MOAT" scan --git "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "len(d['findings'])")" = 1 ]
    f="d['findings'][0]"
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "$f['rule_id']")" = aws-access-key-id ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "$f['commit']")" = "$C2" ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "$f['author']")" = "Alice Leak" ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "$f['date']")" = "2021-02-03T04:05:06+01:00" ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "$f['path']")" = app.env ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 4 ]
    # the value itself is in no report
    run "$MOAT" scan --git "$T"
    [ "$status" -eq 1 ]
    [[ "$output" != *"$AKID"* ]]
    [[ "$output" == *"${C2:0:7}"* ]]
    # and the work tree alone is clean
    run "$MOAT" scan "$T"
    [ "$status" -eq 0 ]
}

@test "the same blob in 50 commits is scanned and reported once" {
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/secret.env"
    for i in $(seq 1 50); do
        echo "$i" > "$T/counter.txt"
        commit "c$i"
    done
    run "$MOAT" scan --git "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "len(d['findings'])")" = 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 51 ]
}

@test "a revision range limits what is scanned" {
    history
    run "$MOAT" scan --git HEAD~1..HEAD "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 0 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 1 ]
    run "$MOAT" scan --git HEAD~3..HEAD~1 "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['findings'][0]['commit']")" = "$C2" ]
    # the range alone, from inside the repository
    cd "$T"
    run "$MOAT" scan --git HEAD~1..HEAD
    [ "$status" -eq 0 ]
}

@test "--since skips the history the last scan covered" {
    history
    run "$MOAT" scan --git --since "$C2" "$T"
    [ "$status" -eq 0 ]
    run "$MOAT" scan --git --since HEAD~3 "$T"
    [ "$status" -eq 1 ]
}

@test "--cache makes the second scan of the same history scan no blob" {
    echo a > "$T/a.txt"
    commit c1
    echo b > "$T/a.txt"
    commit c2
    cache="$BATS_TEST_TMPDIR/blobs"
    run "$MOAT" scan --git --cache "$cache" "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 0 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 2 ]
    run "$MOAT" scan --git --cache "$cache" "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 0 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 0 ]
    # a blob with a finding is never cached: the gate keeps failing on it
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/k.env"
    commit c3
    for i in 1 2; do
        run "$MOAT" scan --git --cache "$cache" "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
        [ "$status" -eq 1 ]
        [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['files']")" = 1 ]
    done
}

@test "--staged finds a staged key and ignores committed and unstaged ones" {
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/committed.env"
    echo clean > "$T/tracked.txt"
    commit c1
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/tracked.txt"
    printf 'aws_access_key_id = %s\n' "$AKID2" > "$T/staged.env"
    git -C "$T" add staged.env
    run "$MOAT" scan --staged "$T" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "len(d['findings'])")" = 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['findings'][0]['path']")" = staged.env ]
    git -C "$T" reset -q
    run "$MOAT" scan --staged "$T"
    [ "$status" -eq 0 ]
}

@test "--staged before the first commit scans everything staged" {
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/a.env"
    git -C "$T" add a.env
    run "$MOAT" scan --staged "$T"
    [ "$status" -eq 1 ]
    [[ "$output" == *"a.env"* ]]
}

@test "errors: not a repository, a bad range, an unknown --since" {
    mkdir -p "$BATS_TEST_TMPDIR/plain"
    run "$MOAT" scan --git "$BATS_TEST_TMPDIR/plain"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a git repository"* ]]
    run "$MOAT" scan --staged "$BATS_TEST_TMPDIR/plain"
    [ "$status" -eq 2 ]
    history
    run "$MOAT" scan --git nope..HEAD "$T"
    [ "$status" -eq 2 ]
    [[ "$output" == *"nope..HEAD"* ]]
    run "$MOAT" scan --git --since no-such-commit "$T"
    [ "$status" -eq 2 ]
    [[ "$output" == *"no-such-commit"* ]]
}

@test "a shallow clone is scanned as far as it goes" {
    history
    git clone -q --depth 3 "file://$T" "$BATS_TEST_TMPDIR/shallow"
    run "$MOAT" scan --git "$BATS_TEST_TMPDIR/shallow" --format json --output "$BATS_TEST_TMPDIR/r.json"
    [ "$status" -eq 1 ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['findings'][0]['commit']")" = "$C2" ]
    [ "$(json "$BATS_TEST_TMPDIR/r.json" "d['summary']['commits']")" = 3 ]
}
