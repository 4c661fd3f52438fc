#!/usr/bin/env bats
# moat hook install: the pre-commit hook it writes, reinstalling, someone
# else's hook, and the hook at work: it blocks a commit that adds a fake key
# and lets a clean one through. Fake credentials are assembled at run time.

setup() {
    : "${MOAT:=build/moat}"
    # the hook runs $MOAT from the repository's directory: make it absolute
    MOAT="$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")"
    export MOAT
    T="$BATS_TEST_TMPDIR/repo"
    HOOK="$T/.git/hooks/pre-commit"
    AKID="AKIA""Q3RVN7T2LX6HB4WD"
    # git and libgit2 read no configuration of this machine; moat keeps its
    # compiled-rules cache where it was, or every test would compile them again
    export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
    export HOME="$BATS_TEST_TMPDIR" GIT_CONFIG_NOSYSTEM=1
    export GIT_AUTHOR_NAME="Alice Leak" GIT_AUTHOR_EMAIL=alice@example.com
    export GIT_COMMITTER_NAME="Alice Leak" GIT_COMMITTER_EMAIL=alice@example.com
    unset GIT_INDEX_FILE GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_OBJECT_DIRECTORY
    git init -q -b main "$T"
    echo hello > "$T/README.md"
    git -C "$T" add README.md
    git -C "$T" commit -q -m first
}

@test "install writes an executable pre-commit hook that runs moat scan --staged" {
    run "$MOAT" hook install "$T"
    [ "$status" -eq 0 ]
    [ -x "$HOOK" ]
    grep -qx '# installed by moat' "$HOOK"
    grep -q 'scan --staged' "$HOOK"
    sh -n "$HOOK"
    # again: nothing changes, nothing is backed up
    cp "$HOOK" "$BATS_TEST_TMPDIR/first"
    run "$MOAT" hook install "$T"
    [ "$status" -eq 0 ]
    cmp "$HOOK" "$BATS_TEST_TMPDIR/first"
    [ ! -e "$HOOK.moat-backup" ]
}

@test "someone else's hook is kept unless --force, which backs it up" {
    printf '#!/bin/sh\necho theirs\n' > "$HOOK"
    chmod +x "$HOOK"
    run "$MOAT" hook install "$T"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--force"* ]]
    grep -q theirs "$HOOK"
    run "$MOAT" hook install --force "$T"
    [ "$status" -eq 0 ]
    grep -q theirs "$HOOK.moat-backup"
    grep -qx '# installed by moat' "$HOOK"
}

@test "the hook blocks a commit that stages a key, and says how to get past it" {
    "$MOAT" hook install "$T"
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/app.env"
    git -C "$T" add app.env
    run git -C "$T" commit -q -m "add config"
    [ "$status" -ne 0 ]
    [[ "$output" == *"app.env"* ]]
    [[ "$output" == *"--no-verify"* ]]
    [[ "$output" == *"moat:ignore"* ]]
    [[ "$output" != *"$AKID"* ]]
    [ "$(git -C "$T" rev-list --count HEAD)" = 1 ]
}

@test "the hook lets a clean commit through" {
    "$MOAT" hook install "$T"
    echo 'print("hello")' > "$T/app.py"
    git -C "$T" add app.py
    run git -C "$T" commit -q -m "clean change"
    [ "$status" -eq 0 ]
    [ "$(git -C "$T" rev-list --count HEAD)" = 2 ]
}

@test "the hook checks what git commit -a is about to commit" {
    "$MOAT" hook install "$T"
    printf 'aws_access_key_id = %s\n' "$AKID" > "$T/README.md"
    run git -C "$T" commit -q -a -m "edit"
    [ "$status" -ne 0 ]
    [[ "$output" == *"README.md"* ]]
    [ "$(git -C "$T" rev-list --count HEAD)" = 1 ]
}

@test "a key silenced with moat:ignore does not block the commit" {
    "$MOAT" hook install "$T"
    printf 'aws_access_key_id = %s  # moat:ignore aws-access-key-id test fixture\n' "$AKID" \
        > "$T/fixture.env"
    git -C "$T" add fixture.env
    run git -C "$T" commit -q -m "fixture"
    [ "$status" -eq 0 ]
}

@test "without moat to run, the hook blocks and says why" {
    "$MOAT" hook install "$T"
    echo 'x' > "$T/x.txt"
    git -C "$T" add x.txt
    mkdir -p "$BATS_TEST_TMPDIR/empty"
    run env -u MOAT PATH="$BATS_TEST_TMPDIR/empty" "$(command -v git)" -C "$T" commit -q -m x
    [ "$status" -ne 0 ]
    [[ "$output" == *"not in PATH"* ]]
}

@test "install honours core.hooksPath and refuses a directory that is not a repository" {
    git -C "$T" config core.hooksPath .githooks
    run "$MOAT" hook install "$T"
    [ "$status" -eq 0 ]
    [ -x "$T/.githooks/pre-commit" ]
    mkdir -p "$BATS_TEST_TMPDIR/plain"
    run "$MOAT" hook install "$BATS_TEST_TMPDIR/plain"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a git repository"* ]]
}
