#!/usr/bin/env bash
# Source checks clang-format cannot do: banned calls outside banned.h,
# TODO without an issue number, trailing whitespace, missing file header.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
files=$(git ls-files 'src/*.[ch]' 'include/*.h' 'tests/unit/*.[ch]' 'fuzz/*.[ch]')
if grep -nE '\b(strcpy|strcat|strncpy|sprintf|vsprintf|strtok|gets|atoi|system|popen|mktemp|tmpnam)\s*\(' $files \
    | grep -v 'src/core/banned.h' | grep -vE '(snprintf|vsnprintf|asprintf)'; then
    echo "checksrc: banned function used"; fail=1
fi
if grep -nE 'TODO(\s|:)' $files | grep -vE 'TODO\(#[0-9]+\)'; then
    echo "checksrc: TODO without an issue number, write TODO(#N)"; fail=1
fi
if grep -nE '[[:space:]]+$' $files; then
    echo "checksrc: trailing whitespace"; fail=1
fi
for f in $files; do
    head -1 "$f" | grep -q '^/\*' || { echo "checksrc: $f: no comment on its first line"; fail=1; }
done
exit $fail
