/* Tests for src/scan/repo_config.c: tables of valid and invalid .moat/config.yml
 * texts with the exact message each mistake gives, the files in
 * tests/data/config/, loading from a repository, and the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <moat/config.h>
#include <moat/scan.h>
#include "core/core.h"
#include "core/banned.h"

#define SEC MOAT_ANALYZER_SECRETS
#define CFG MOAT_ANALYZER_CONFIG
#define DEP MOAT_ANALYZER_DEPS
#define SAS MOAT_ANALYZER_SAST

static struct moat_config *parse_ok(const char *text)
{
    struct moat_config *c = NULL;
    struct moat_err err = { 0, "" };
    int rc = moat_config_parse("c.yml", text, strlen(text), &c, &err);

    if (rc != 0)
        fail_msg("unexpected failure (%d) for:\n%s\n-> %s", rc, text, err.msg);
    assert_non_null(c);
    return c;
}

/* ---- valid inputs: what each one must set ---- */

static const struct valid_case {
    const char *text;
    unsigned on, off;
    int fail_on; /* -1: not set */
    const char *baseline;
    size_t nexclude, ndisabled, nrules, npaths, nregexes, nvalues;
} valid_cases[] = {
    { "", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "# only a comment\n\n   # another\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "---\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "~\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "---\n{}\n...\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "\xef\xbb\xbf"
      "fail-on: low\n",
      0, 0, MOAT_SEV_LOW, NULL, 0, 0, 0, 0, 0, 0 },
    { "analyzers:\n  secrets: true\n  config: false\n  deps: false\n  sast: true\n", SEC | SAS,
      CFG | DEP, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "analyzers: {config: false}\n", 0, CFG, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "analyzers:\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "fail-on: critical\n", 0, 0, MOAT_SEV_CRITICAL, NULL, 0, 0, 0, 0, 0, 0 },
    { "fail-on: info\n", 0, 0, MOAT_SEV_INFO, NULL, 0, 0, 0, 0, 0, 0 },
    { "fail-on: \"medium\"\n", 0, 0, MOAT_SEV_MEDIUM, NULL, 0, 0, 0, 0, 0, 0 },
    { "fail-on: HIGH\n", 0, 0, MOAT_SEV_HIGH, NULL, 0, 0, 0, 0, 0, 0 },
    { "baseline: .moat/baseline.json\n", 0, 0, -1, ".moat/baseline.json", 0, 0, 0, 0, 0, 0 },
    { "baseline: 'a/..b/c..'\n", 0, 0, -1, "a/..b/c..", 0, 0, 0, 0, 0, 0 },
    { "exclude:\n  - vendor/\n  - \"**/*.min.js\"\n  - '!keep.min.js'\n", 0, 0, -1, NULL, 3, 0, 0,
      0, 0, 0 },
    { "exclude: []\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "exclude:\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "secrets:\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    { "secrets:\n  disable: [generic-password, aws-access-key, a1]\n", 0, 0, -1, NULL, 0, 3, 0, 0,
      0, 0 },
    { "secrets:\n  rules:\n    - id: x\n      regex: y\n", 0, 0, -1, NULL, 0, 0, 1, 0, 0, 0 },
    { "secrets:\n  allowlist:\n    paths: [a/**, b]\n    regexes: ['^x']\n    values: [v1, v2, "
      "v3]\n",
      0, 0, -1, NULL, 0, 0, 0, 2, 1, 3 },
    { "secrets: {allowlist: {}}\n", 0, 0, -1, NULL, 0, 0, 0, 0, 0, 0 },
    /* an anchor alone is harmless; only aliases are refused */
    { "exclude: &ex [a]\n", 0, 0, -1, NULL, 1, 0, 0, 0, 0, 0 },
    { "%YAML 1.1\n---\nfail-on: low\n", 0, 0, MOAT_SEV_LOW, NULL, 0, 0, 0, 0, 0, 0 },
    { "fail-on: low\r\nexclude:\r\n  - a\r\n", 0, 0, MOAT_SEV_LOW, NULL, 1, 0, 0, 0, 0, 0 },
};

static void test_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *t = &valid_cases[i];
        struct moat_config *c = parse_ok(t->text);

        assert_string_equal(c->source, "c.yml");
        assert_int_equal(c->analyzers_on, t->on);
        assert_int_equal(c->analyzers_off, t->off);
        assert_int_equal(c->has_fail_on, t->fail_on >= 0);
        if (t->fail_on >= 0)
            assert_int_equal(c->fail_on, t->fail_on);
        if (t->baseline)
            assert_string_equal(c->baseline, t->baseline);
        else
            assert_null(c->baseline);
        assert_int_equal(c->nexclude, t->nexclude);
        assert_int_equal(c->ndisabled_rules, t->ndisabled);
        assert_int_equal(c->nrules, t->nrules);
        assert_int_equal(c->nallow_paths, t->npaths);
        assert_int_equal(c->nallow_regexes, t->nregexes);
        assert_int_equal(c->nallow_values, t->nvalues);
        moat_config_free(c);
    }
}

static void test_ignores(void **state)
{
    struct moat_config *c = parse_ok("ignore:\n"
                                     "  - id: CVE-2024-1234\n"
                                     "    reason: not reachable\n"
                                     "    expires: 2028-02-29\n"
                                     "  - id: gha-dangerous-trigger\n"
                                     "    path: .github/workflows/label.yml\n"
                                     "    reason: labels only\n"
                                     "inline-ignores: false\n"
                                     "deps:\n"
                                     "  max-db-age: 30\n");

    (void)state;
    assert_int_equal(c->nignores, 2);
    assert_string_equal(c->ignores[0].id, "CVE-2024-1234");
    assert_string_equal(c->ignores[0].reason, "not reachable");
    assert_string_equal(c->ignores[0].expires, "2028-02-29");
    assert_null(c->ignores[0].path);
    assert_int_equal(c->ignores[0].line, 2);
    assert_string_equal(c->ignores[1].path, ".github/workflows/label.yml");
    assert_string_equal(c->ignores[1].expires, "");
    assert_int_equal(c->ignores[1].line, 5);
    assert_true(c->no_inline_ignores);
    assert_int_equal(c->db_max_age_days, 30);
    moat_config_free(c);
}

/* ---- invalid inputs: the exact message, line included ---- */

static const struct invalid_case {
    const char *text;
    int rc;
    const char *msg;
} invalid_cases[] = {
    { "fail-on: high\nanalyzers:\n  secrets: true\nanalyser: {}\n", MOAT_EPARSE,
      "c.yml:4: unknown key 'analyser' (expected one of analyzers, fail-on, baseline, exclude, "
      "secrets, ignore, inline-ignores, deps)" },
    /* ignore entries, inline-ignores, deps */
    { "ignore:\n  - id: GHSA-aaaa-bbbb-cccc\n", MOAT_EPARSE,
      "c.yml:2: ignore[0]: missing 'reason' (say why the finding is accepted)" },
    { "ignore:\n  - reason: x\n", MOAT_EPARSE, "c.yml:2: ignore[0]: missing 'id'" },
    { "ignore:\n  - id: a b\n    reason: x\n", MOAT_EPARSE,
      "c.yml:2: ignore[0].id: expected a rule id or advisory id (letters, digits, - _ . :), got "
      "'a b'" },
    { "ignore:\n  - id: a\n    reason: x\n    expires: 2026-02-30\n", MOAT_EPARSE,
      "c.yml:4: ignore[0].expires: expected a date YYYY-MM-DD, got '2026-02-30'" },
    { "ignore:\n  - id: a\n    reason: x\n    expires: 2027-1-5\n", MOAT_EPARSE,
      "c.yml:4: ignore[0].expires: expected a date YYYY-MM-DD, got '2027-1-5'" },
    { "ignore:\n  - id: a\n    reason: x\n    until: 2027-01-05\n", MOAT_EPARSE,
      "c.yml:4: unknown key 'until' in ignore[0] (expected one of id, path, reason, expires)" },
    { "ignore:\n  - id: a\n    reason: x\n    path: \"a\\nb\"\n", MOAT_EPARSE,
      "c.yml:4: ignore[0].path: a pattern may not contain line breaks" },
    { "ignore: GHSA-x\n", MOAT_EPARSE,
      "c.yml:1: ignore: expected a list of entries with id and reason, got 'GHSA-x'" },
    { "inline-ignores: no\n", MOAT_EPARSE,
      "c.yml:1: inline-ignores: expected true or false, got 'no'" },
    { "deps:\n  max-db-age: 0\n", MOAT_EPARSE,
      "c.yml:2: deps.max-db-age: expected a number of days from 1 to 3650, got '0'" },
    { "deps:\n  max-db-age: 7d\n", MOAT_EPARSE,
      "c.yml:2: deps.max-db-age: expected a number of days from 1 to 3650, got '7d'" },
    { "# gate\n\n\n\n\n\nfail-on: hihg\n", MOAT_EPARSE,
      "c.yml:7: fail-on: expected one of info, low, medium, high, critical, got 'hihg'" },
    { "fail-on:\n", MOAT_EPARSE,
      "c.yml:1: fail-on: expected one of info, low, medium, high, critical, got nothing" },
    { "fail-on: [high]\n", MOAT_EPARSE,
      "c.yml:1: fail-on: expected one of info, low, medium, high, critical, got a list" },
    { "fail-on: low\nfail-on: high\n", MOAT_EPARSE,
      "c.yml:2: duplicate key 'fail-on' (first at line 1)" },
    { "- a\n- b\n", MOAT_EPARSE, "c.yml:1: expected a mapping at the top level, got a list" },
    { "hello\n", MOAT_EPARSE, "c.yml:1: expected a mapping at the top level, got 'hello'" },
    { "analyzers:\n  secret: true\n", MOAT_EPARSE,
      "c.yml:2: unknown analyzer 'secret' in analyzers (expected one of secrets, config, deps, "
      "sast)" },
    { "analyzers:\n  sast: true\n  sast: false\n", MOAT_EPARSE,
      "c.yml:3: duplicate analyzer 'sast' in analyzers (first at line 2)" },
    { "analyzers:\n  secrets: yes\n", MOAT_EPARSE,
      "c.yml:2: analyzers.secrets: expected true or false, got 'yes'" },
    { "analyzers:\n  secrets: True\n", MOAT_EPARSE,
      "c.yml:2: analyzers.secrets: expected true or false, got 'True'" },
    { "analyzers:\n  secrets: \"true\"\n", MOAT_EPARSE,
      "c.yml:2: analyzers.secrets: expected true or false, got a quoted string" },
    { "analyzers:\n  deps:\n", MOAT_EPARSE,
      "c.yml:2: analyzers.deps: expected true or false, got nothing" },
    { "analyzers: [secrets]\n", MOAT_EPARSE, "c.yml:1: analyzers: expected a mapping, got a list" },
    { "exclude:\n  vendor: true\n", MOAT_EPARSE,
      "c.yml:2: exclude: expected a list of strings, got a mapping" },
    { "exclude: vendor/\n", MOAT_EPARSE,
      "c.yml:1: exclude: expected a list of strings, got 'vendor/'" },
    { "exclude:\n  - a\n  - {b: c}\n", MOAT_EPARSE,
      "c.yml:3: exclude[1]: expected a string, got a mapping" },
    { "exclude:\n  - a\n  -\n", MOAT_EPARSE,
      "c.yml:3: exclude[1]: expected a string, got nothing" },
    { "exclude: ['']\n", MOAT_EPARSE, "c.yml:1: exclude[0]: expected a non-empty string" },
    { "exclude: [\"a\\nb\"]\n", MOAT_EPARSE,
      "c.yml:1: exclude[0]: a pattern may not contain line breaks" },
    { "baseline: /etc/passwd\n", MOAT_EPARSE,
      "c.yml:1: baseline: expected a relative path inside the repository, got '/etc/passwd'" },
    { "baseline: ../other/baseline.json\n", MOAT_EPARSE,
      "c.yml:1: baseline: expected a relative path inside the repository, got "
      "'../other/baseline.json'" },
    { "baseline: a/../../b\n", MOAT_EPARSE,
      "c.yml:1: baseline: expected a relative path inside the repository, got 'a/../../b'" },
    { "baseline: \"a\\tb\"\n", MOAT_EPARSE,
      "c.yml:1: baseline: expected a relative path inside the repository, got 'a?b'" },
    { "baseline:\n", MOAT_EPARSE, "c.yml:1: baseline: expected a string, got nothing" },
    { "secrets:\n  disable: [Generic_Password]\n", MOAT_EPARSE,
      "c.yml:2: secrets.disable[0]: invalid rule id 'Generic_Password' (expected kebab-case: "
      "a-z, 0-9 and single '-', at most 64 characters)" },
    { "secrets:\n  disable: [ok, -bad]\n", MOAT_EPARSE,
      "c.yml:2: secrets.disable[1]: invalid rule id '-bad' (expected kebab-case: a-z, 0-9 and "
      "single '-', at most 64 characters)" },
    { "secrets:\n  disable: [a--b]\n", MOAT_EPARSE,
      "c.yml:2: secrets.disable[0]: invalid rule id 'a--b' (expected kebab-case: a-z, 0-9 and "
      "single '-', at most 64 characters)" },
    { "secrets:\n  disabled: [x]\n", MOAT_EPARSE,
      "c.yml:2: unknown key 'disabled' in secrets (expected one of disable, rules, allowlist)" },
    { "secrets: [x]\n", MOAT_EPARSE, "c.yml:1: secrets: expected a mapping, got a list" },
    { "secrets:\n  rules:\n    id: x\n", MOAT_EPARSE,
      "c.yml:3: secrets.rules: expected a list of rules, got a mapping" },
    { "secrets:\n  rules:\n    - regex: 'x'\n", MOAT_EPARSE,
      "c.yml:3: secrets.rules[0]: missing 'id'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n    - id: c\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[1]: missing 'regex'" },
    { "secrets:\n  rules:\n    - id: Bad.Id\n      regex: b\n", MOAT_EPARSE,
      "c.yml:3: secrets.rules[0].id: invalid rule id 'Bad.Id' (expected kebab-case: a-z, 0-9 and "
      "single '-', at most 64 characters)" },
    { "secrets:\n  rules:\n    - id: a\n      regex: ''\n", MOAT_EPARSE,
      "c.yml:4: secrets.rules[0].regex: expected a non-empty string" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      severity: urgent\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].severity: expected one of info, low, medium, high, critical, "
      "got 'urgent'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      entropy: lots\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].entropy: expected a number from 0 to 8 (bits per character), "
      "got 'lots'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      entropy: 9\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].entropy: expected a number from 0 to 8 (bits per character), "
      "got '9'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      entropy: -1\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].entropy: expected a number from 0 to 8 (bits per character), "
      "got '-1'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      entropy: .nan\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].entropy: expected a number from 0 to 8 (bits per character), "
      "got '.nan'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      keywords: k\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[0].keywords: expected a list of strings, got 'k'" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n      pattern: c\n", MOAT_EPARSE,
      "c.yml:5: unknown key 'pattern' in secrets.rules[0] (expected one of id, description, "
      "regex, severity, keywords, entropy)" },
    { "secrets:\n  rules:\n    - id: a\n      regex: b\n    - id: a\n      regex: c\n", MOAT_EPARSE,
      "c.yml:5: secrets.rules[1]: duplicate rule id 'a' (first at line 3)" },
    { "secrets:\n  rules:\n    - acme\n", MOAT_EPARSE,
      "c.yml:3: secrets.rules[0]: expected a mapping with id and regex, got 'acme'" },
    { "secrets:\n  allowlist:\n    path: [x]\n", MOAT_EPARSE,
      "c.yml:3: unknown key 'path' in secrets.allowlist (expected one of paths, regexes, "
      "values)" },
    { "secrets:\n  allowlist:\n    values: not-a-list\n", MOAT_EPARSE,
      "c.yml:3: secrets.allowlist.values: expected a list of strings, got 'not-a-list'" },
    { "secrets:\n  allowlist: [a]\n", MOAT_EPARSE,
      "c.yml:2: secrets.allowlist: expected a mapping, got a list" },
    { "? [a, b]\n: c\n", MOAT_EPARSE, "c.yml:1: expected a key name, got a list" },
    { "~: x\n", MOAT_EPARSE, "c.yml:1: expected a key name, got nothing" },
    /* the first mistake in the file is the one reported */
    { "fail-on: hihg\nanalyser: {}\n", MOAT_EPARSE,
      "c.yml:1: fail-on: expected one of info, low, medium, high, critical, got 'hihg'" },
    { "secrets:\n  rules:\n    - id: A\n      bogus: 1\nbaseline: /x\n", MOAT_EPARSE,
      "c.yml:3: secrets.rules[0].id: invalid rule id 'A' (expected kebab-case: a-z, 0-9 and "
      "single '-', at most 64 characters)" },
    /* YAML bombs and other YAML features the config does not need */
    { "exclude: &a [x]\nsecrets:\n  disable: *a\n", MOAT_EPARSE,
      "c.yml:3: YAML aliases (*a) are not allowed in moat's config" },
    { "a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n", MOAT_EPARSE,
      "c.yml:2: YAML aliases (*a) are not allowed in moat's config" },
    { "fail-on: !!str high\n", MOAT_EPARSE,
      "c.yml:1: YAML tags (tag:yaml.org,2002:str) are not allowed in moat's config" },
    { "exclude: !custom [a]\n", MOAT_EPARSE,
      "c.yml:1: YAML tags (!custom) are not allowed in moat's config" },
    { "fail-on: low\n---\nfail-on: high\n", MOAT_EPARSE,
      "c.yml:2: expected one YAML document, found a second one" },
    { "exclude: [\"a\\0b\"]\n", MOAT_EPARSE, "c.yml:1: strings may not contain NUL bytes" },
    /* syntax errors carry the column and libyaml's own words */
    { "fail-on: high\n  exclude: [a]\n", MOAT_EPARSE,
      "c.yml:2:10: YAML syntax error: mapping values are not allowed in this context" },
    { "exclude: [a, b\n", MOAT_EPARSE,
      "c.yml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
      "sequence at line 1)" },
    { "fail-on: 'high\n", MOAT_EPARSE,
      "c.yml:2:1: YAML syntax error: found unexpected end of stream (while scanning a quoted "
      "scalar at line 1)" },
    { "fail-on: high\n\tbaseline: x\n", MOAT_EPARSE,
      "c.yml:2:1: YAML syntax error: found a tab character that violates indentation (while "
      "scanning a plain scalar at line 1)" },
    { "fail-on: high\nexclude: [\"\xff\xfe\"]\n", MOAT_EPARSE,
      "c.yml:2: invalid leading UTF-8 octet (byte offset 25)" },
};

static void test_invalid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const struct invalid_case *t = &invalid_cases[i];
        struct moat_config *c = (struct moat_config *)&c; /* must be reset to NULL */
        struct moat_err err = { 0, "" };
        int rc = moat_config_parse("c.yml", t->text, strlen(t->text), &c, &err);

        if (rc != t->rc || strcmp(err.msg, t->msg) != 0)
            fail_msg("case %zu:\n%s\nwant %d '%s'\ngot  %d '%s'", i, t->text, t->rc, t->msg, rc,
                     err.msg);
        assert_null(c);
        assert_int_equal(err.rc, rc);
    }
}

/* ---- whole files ---- */

static struct moat_config *parse_file(const char *path)
{
    struct moat_buf raw = MOAT_BUF_INIT(MOAT_CONFIG_MAX);
    struct moat_config *c = NULL;
    struct moat_err err = { 0, "" };

    assert_int_equal(moat_fs_read(path, &raw, NULL), 0);
    if (moat_config_parse(path, raw.data, raw.len, &c, &err) != 0)
        fail_msg("%s", err.msg);
    moat_buf_release(&raw);
    return c;
}

static void check_full(const struct moat_config *c)
{
    const struct moat_custom_rule *r;

    assert_int_equal(c->analyzers_on, SEC);
    assert_int_equal(c->analyzers_off, CFG);
    assert_true(c->has_fail_on);
    assert_int_equal(c->fail_on, MOAT_SEV_HIGH);
    assert_string_equal(c->baseline, ".moat/baseline.json");
    assert_int_equal(c->nexclude, 2);
    assert_string_equal(c->exclude[0], "vendor/");
    assert_string_equal(c->exclude[1], "**/*.min.js");
    assert_int_equal(c->ndisabled_rules, 1);
    assert_string_equal(c->disabled_rules[0], "generic-password");
    assert_int_equal(c->nrules, 2);
    r = &c->rules[0];
    assert_string_equal(r->id, "acme-api-key");
    assert_string_equal(r->description, "ACME internal API key");
    assert_string_equal(r->regex, "acme_(?<secret>[a-z0-9]{32})");
    assert_int_equal(r->sev, MOAT_SEV_HIGH);
    assert_int_equal(r->nkeywords, 1);
    assert_string_equal(r->keywords[0], "acme_");
    assert_true(r->min_entropy > 2.999 && r->min_entropy < 3.001);
    /* defaults of a rule that only has id and regex */
    r = &c->rules[1];
    assert_string_equal(r->id, "acme-session");
    assert_string_equal(r->description, "custom rule acme-session");
    assert_string_equal(r->regex, "acmes_[A-Za-z0-9]{40}");
    assert_int_equal(r->sev, MOAT_SEV_HIGH);
    assert_int_equal(r->nkeywords, 0);
    assert_null(r->keywords);
    assert_true(r->min_entropy == 0);
    assert_int_equal(c->nallow_paths, 1);
    assert_string_equal(c->allow_paths[0], "docs/examples/**");
    assert_int_equal(c->nallow_regexes, 1);
    assert_string_equal(c->allow_regexes[0], "^dummy");
    assert_int_equal(c->nallow_values, 1);
    assert_string_equal(c->allow_values[0], "not-a-real-secret");
}

static void test_files(void **state)
{
    struct moat_config *c;
    struct moat_buf raw = MOAT_BUF_INIT(MOAT_CONFIG_MAX);
    struct moat_err err = { 0, "" };

    (void)state;
    c = parse_file("tests/data/config/full.yml");
    assert_string_equal(c->source, "tests/data/config/full.yml");
    check_full(c);
    moat_config_free(c);

    c = parse_file("tests/data/config/flow.yml");
    check_full(c);
    moat_config_free(c);

    c = parse_file("tests/data/config/comments.yml");
    assert_int_equal(c->analyzers_on | c->analyzers_off, 0);
    assert_false(c->has_fail_on);
    assert_int_equal(c->nrules + c->nexclude, 0);
    moat_config_free(c);

    assert_int_equal(moat_fs_read("tests/data/config/typo.yml", &raw, NULL), 0);
    c = (struct moat_config *)&c;
    assert_int_equal(moat_config_parse("typo.yml", raw.data, raw.len, &c, &err), MOAT_EPARSE);
    assert_null(c);
    assert_string_equal(err.msg, "typo.yml:6: unknown key 'regexp' in secrets.rules[0] (expected "
                                 "one of id, description, regex, severity, keywords, entropy)");
    moat_buf_release(&raw);
}

/* ---- limits ---- */

static int parse_buf(const struct moat_buf *b, struct moat_err *err)
{
    struct moat_config *c = NULL;
    int rc = moat_config_parse("big.yml", b->data, b->len, &c, err);

    moat_config_free(c);
    return rc;
}

static void test_limits(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(8u << 20);
    struct moat_err err = { 0, "" };
    int i;

    (void)state;
    /* nesting: 32 levels are parsed (and then refused as unknown), 33 are not built */
    assert_int_equal(moat_buf_addstr(&b, "exclude: "), 0);
    for (i = 0; i < 31; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    for (i = 0; i < 31; i++)
        assert_int_equal(moat_buf_addch(&b, ']'), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_EPARSE);
    assert_string_equal(err.msg, "big.yml:1: exclude[0]: expected a string, got a list");
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "exclude: "), 0);
    for (i = 0; i < 100000; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "big.yml:1: nested deeper than 32 levels");

    /* 10,000 list items are fine, 10,001 are not */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "exclude:\n"), 0);
    for (i = 0; i < 10000; i++)
        assert_int_equal(moat_buf_addf(&b, "- p%d\n", i), 0);
    assert_int_equal(parse_buf(&b, &err), 0);
    assert_int_equal(moat_buf_addstr(&b, "- one-more\n"), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "big.yml:10002: more than 10000 entries in one list or mapping");

    /* 64 KiB strings are fine, one byte more is not */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "baseline: "), 0);
    for (i = 0; i < 65536; i++)
        assert_int_equal(moat_buf_addch(&b, 'a'), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_EPARSE); /* over the path limit, not the string's */
    assert_string_equal(err.msg, "big.yml:1: baseline: expected a relative path inside the "
                                 "repository, got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
    assert_int_equal(moat_buf_addch(&b, 'a'), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "big.yml:1: string of 65537 bytes, over the 65536-byte limit");

    /* the whole file */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addch(&b, '#'), 0);
    for (i = 0; i < (int)MOAT_CONFIG_MAX; i++)
        assert_int_equal(moat_buf_addch(&b, 'x'), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "big.yml: 1048577 bytes, over the 1048576-byte limit");

    /* many small lists: the node count is bounded too */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "x: ["), 0);
    for (i = 0; i < 9000; i++)
        assert_int_equal(moat_buf_addstr(&b, "[a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v],"), 0);
    assert_int_equal(moat_buf_addstr(&b, "]\n"), 0);
    assert_int_equal(parse_buf(&b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "big.yml:1: more than 200000 YAML nodes");
    moat_buf_release(&b);
}

/* ---- moat_config_load ---- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
    char *path = moat_asprintf("%s/%s", tmpdir, rel);

    assert_int_equal(moat_fs_write(path, text, strlen(text), NULL), 0);
    free(path);
}

static void remove_all(void)
{
    char *p;

    p = moat_asprintf("%s/.moat/config.yml", tmpdir);
    if (unlink(p) != 0) { /* may not exist in every test */
    }
    free(p);
    p = moat_asprintf("%s/.moat", tmpdir);
    if (unlink(p) != 0 && rmdir(p) != 0) { /* a symlink, a directory or nothing */
    }
    free(p);
    p = moat_asprintf("%s/elsewhere", tmpdir);
    if (unlink(p) != 0) { /* only the symlink test makes it */
    }
    free(p);
}

static int setup_tmp(void **state)
{
    (void)state;
    memcpy(tmpdir, "/tmp/moat-test-config-XXXXXX", sizeof("/tmp/moat-test-config-XXXXXX"));
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    remove_all();
    return rmdir(tmpdir);
}

static void test_load(void **state)
{
    struct moat_config *c = NULL;
    struct moat_err err = { 0, "" };
    char *dir = moat_asprintf("%s/.moat", tmpdir), *slash = moat_asprintf("%s//", tmpdir);
    char *want;

    (void)state;
    /* no .moat/: every default, no source, and err untouched */
    assert_int_equal(moat_config_load(tmpdir, &c, &err), 0);
    assert_non_null(c);
    assert_null(c->source);
    assert_int_equal(c->analyzers_on | c->analyzers_off, 0);
    assert_false(c->has_fail_on);
    assert_int_equal(err.rc, 0);
    moat_config_free(c);

    /* a .moat/ without config.yml is the same */
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(moat_config_load(tmpdir, &c, &err), 0);
    assert_null(c->source);
    moat_config_free(c);

    write_file(".moat/config.yml", "fail-on: critical\nexclude: [vendor/]\n");
    assert_int_equal(moat_config_load(slash, &c, &err), 0);
    want = moat_asprintf("%s/.moat/config.yml", tmpdir);
    assert_string_equal(c->source, want);
    assert_int_equal(c->fail_on, MOAT_SEV_CRITICAL);
    assert_int_equal(c->nexclude, 1);
    moat_config_free(c);

    /* messages name the file as it was found */
    write_file(".moat/config.yml", "fail-on: critical\nfail_on: low\n");
    c = (struct moat_config *)&c;
    assert_int_equal(moat_config_load(tmpdir, &c, &err), MOAT_EPARSE);
    assert_null(c);
    free(want);
    want = moat_asprintf("%s/.moat/config.yml:2: unknown key 'fail_on' (expected one of analyzers, "
                         "fail-on, baseline, exclude, secrets, ignore, inline-ignores, deps)",
                         tmpdir);
    assert_string_equal(err.msg, want);
    free(want);

    /* read errors are returned, not mistaken for a missing file */
    assert_int_equal(setenv("MOAT_TEST_FAIL", "fs_read:1", 1), 0);
    assert_int_equal(moat_config_load(tmpdir, &c, &err), MOAT_EIO);
    assert_int_equal(unsetenv("MOAT_TEST_FAIL"), 0);
    assert_null(c);
    assert_non_null(strstr(err.msg, "injected read failure"));

    /* over MOAT_CONFIG_MAX on disk */
    {
        char *big = moat_calloc(1, MOAT_CONFIG_MAX + 2);
        memset(big, '#', MOAT_CONFIG_MAX + 1);
        write_file(".moat/config.yml", big);
        free(big);
    }
    assert_int_equal(moat_config_load(tmpdir, &c, &err), MOAT_ETOOBIG);
    assert_null(c);

    /* a symlinked config.yml or .moat/ is refused: the config must live in the repository */
    remove_all();
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file("elsewhere", "fail-on: info\n");
    want = moat_asprintf("%s/.moat/config.yml", tmpdir);
    assert_int_equal(symlink("../elsewhere", want), 0);
    free(want);
    assert_int_equal(moat_config_load(tmpdir, &c, &err), MOAT_ELOOP);
    assert_null(c);
    remove_all();
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(".moat/config.yml", "fail-on: info\n");
    want = moat_asprintf("%s/moved", tmpdir);
    assert_int_equal(rename(dir, want), 0);
    assert_int_equal(symlink("moved", dir), 0);
    assert_int_equal(moat_config_load(tmpdir, &c, &err), MOAT_ELOOP);
    assert_null(c);
    assert_non_null(strstr(err.msg, "is a symbolic link"));
    assert_int_equal(unlink(dir), 0);
    assert_int_equal(rename(want, dir), 0);
    free(want);
    assert_int_equal(moat_config_load(tmpdir, &c, &err), 0);
    assert_int_equal(c->fail_on, MOAT_SEV_INFO);
    moat_config_free(c);

    free(dir);
    free(slash);
}

/* "." reads ".moat/config.yml" and messages say so, as the user sees it. */
static void test_load_cwd(void **state)
{
    struct moat_config *c = NULL;
    struct moat_err err = { 0, "" };
    char cwd[4096];

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmpdir), 0);
    write_file(".moat/config.yml", "secrets:\n  rules:\n    - id: x\n");
    assert_int_equal(moat_config_load(".", &c, &err), MOAT_EPARSE);
    assert_string_equal(err.msg, ".moat/config.yml:3: secrets.rules[0]: missing 'regex'");
    assert_int_equal(chdir(cwd), 0);
}

static void test_free_null(void **state)
{
    (void)state;
    moat_config_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_table), cmocka_unit_test(test_invalid_table),
        cmocka_unit_test(test_files),       cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load),        cmocka_unit_test(test_load_cwd),
        cmocka_unit_test(test_free_null),   cmocka_unit_test(test_ignores),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
