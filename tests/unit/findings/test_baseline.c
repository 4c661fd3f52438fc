/* Tests for src/findings/baseline.c: write -> load -> apply round trips, the
 * exact file format, findings that move keep being suppressed, and every kind
 * of malformed baseline with its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <moat/findings.h>
#include "core/core.h"
#include "core/banned.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    memcpy(tmpdir, "/tmp/moat-test-baseline-XXXXXX", sizeof("/tmp/moat-test-baseline-XXXXXX"));
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    static const char *const files[] = { "b.json", "c.json", "bad.json", "none.json" };

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *p = moat_asprintf("%s/%s", tmpdir, files[i]);
        if (unlink(p) != 0) { /* not every test leaves every file */
        }
        free(p);
    }
    return rmdir(tmpdir);
}

static struct moat_finding *mk(const char *rule, const char *path, unsigned line,
                               const char *secret)
{
    struct moat_finding *f = moat_finding_new();

    f->rule_id = moat_strdup(rule);
    f->path = moat_strdup(path);
    f->line = line;
    f->sev = MOAT_SEV_HIGH;
    f->secret = moat_strdup(secret);
    f->redacted = moat_asprintf("%.4s...(%zu chars)", secret, strlen(secret));
    moat_finding_fingerprint(f, secret, strlen(secret));
    return f;
}

static char *slurp(const char *path)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);

    assert_int_equal(moat_fs_read(path, &b, NULL), 0);
    return moat_buf_detach(&b, NULL);
}

/* One entry as moat writes it: keys sorted, two-space indent. */
static void add_entry(struct moat_buf *b, const struct moat_finding *f, bool last)
{
    assert_int_equal(moat_buf_addf(b,
                                   "    {\n"
                                   "      \"fingerprint\": \"%s\",\n"
                                   "      \"line\": %u,\n"
                                   "      \"path\": \"%s\",\n"
                                   "      \"rule_id\": \"%s\"\n"
                                   "    }%s\n",
                                   f->fingerprint, f->line, f->path, f->rule_id, last ? "" : ","),
                     0);
}

static void test_round_trip(void **state)
{
    struct moat_findings fs, again;
    struct moat_baseline *b = NULL;
    struct moat_err err = { 0, "" };
    struct moat_finding *f[4], *sorted[3];
    struct moat_buf want = MOAT_BUF_INIT(1u << 20);
    char *path = moat_asprintf("%s/b.json", tmpdir), *path2 = moat_asprintf("%s/c.json", tmpdir);
    char *text, *text2;

    (void)state;
    moat_findings_init(&fs);
    f[0] = mk("github-pat", "src/app.py", 12, "ghp_secretvalue1");
    f[1] = mk("aws-access-key", "deploy/env.sh", 3, "AKIASECRETVALUE00002");
    f[2] = mk("slack-webhook", "README.md", 40, "https://hooks.slack.example/3");
    /* the same leak twice in one file: one fingerprint, written once */
    f[3] = mk("github-pat", "src/app.py", 80, "ghp_secretvalue1");
    for (int i = 0; i < 4; i++)
        moat_findings_add(&fs, f[i]);
    assert_int_equal(moat_baseline_write(&fs, path, &err), 0);

    /* the exact bytes: sorted by fingerprint, deduplicated, no secret in sight */
    memcpy(sorted, f, sizeof(sorted));
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (strcmp(sorted[j]->fingerprint, sorted[i]->fingerprint) < 0) {
                struct moat_finding *t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    assert_int_equal(moat_buf_addstr(&want, "{\n  \"findings\": [\n"), 0);
    for (int i = 0; i < 3; i++)
        add_entry(&want, sorted[i], i == 2);
    assert_int_equal(moat_buf_addstr(&want, "  ],\n  \"tool\": \"moat\",\n  \"version\": 1\n}\n"),
                     0);
    text = slurp(path);
    assert_string_equal(text, want.data);
    for (int i = 0; i < 4; i++) {
        assert_null(strstr(text, f[i]->secret));
        assert_null(strstr(text, f[i]->redacted));
    }

    /* the order of the scan does not change the file */
    moat_findings_init(&again);
    for (int i = 3; i >= 0; i--)
        moat_findings_add(&again, mk(f[i]->rule_id, f[i]->path, f[i]->line, f[i]->secret));
    assert_int_equal(moat_baseline_write(&again, path2, &err), 0);
    text2 = slurp(path2);
    assert_string_equal(text, text2);
    free(text2);
    moat_findings_release(&again);

    /* load and apply: the known leaks go, wherever they moved; new ones stay */
    assert_int_equal(moat_baseline_load(path, &b, &err), 0);
    for (int i = 0; i < 4; i++)
        assert_true(moat_baseline_contains(b, f[i]->fingerprint));
    assert_false(moat_baseline_contains(b, "00000000000000000000000000000000"));
    assert_false(moat_baseline_contains(b, NULL));
    assert_false(moat_baseline_contains(NULL, f[0]->fingerprint));

    moat_findings_init(&again);
    moat_findings_add(&again, mk("github-pat", "src/app.py", 200, "ghp_secretvalue1")); /* moved */
    moat_findings_add(&again, mk("github-pat", "src/app.py", 13, "ghp_secretvalue9"));  /* new */
    moat_findings_add(&again, mk("aws-access-key", "deploy/env.sh", 1, "AKIASECRETVALUE00002"));
    moat_findings_add(&again, mk("aws-access-key", "deploy/prod.sh", 3, "AKIASECRETVALUE00002"));
    moat_findings_add(&again,
                      mk("slack-webhook", "README.md", 41, "https://hooks.slack.example/3"));
    moat_baseline_apply(b, &again);
    assert_int_equal(again.suppressed_baseline, 3);
    assert_int_equal(again.n, 2);
    assert_string_equal(again.v[0]->secret, "ghp_secretvalue9");
    /* the same key pasted into another file is a new leak */
    assert_string_equal(again.v[1]->path, "deploy/prod.sh");
    moat_baseline_apply(b, &again); /* applying twice changes nothing more */
    assert_int_equal(again.n, 2);
    assert_int_equal(again.suppressed_baseline, 3);
    moat_baseline_apply(NULL, &again);
    assert_int_equal(again.n, 2);
    moat_findings_release(&again);
    moat_baseline_free(b);
    moat_baseline_free(NULL);

    free(text);
    moat_buf_release(&want);
    moat_findings_release(&fs);
    free(path);
    free(path2);
}

static void test_write_edge_cases(void **state)
{
    struct moat_findings fs;
    struct moat_baseline *b = NULL;
    struct moat_err err = { 0, "" };
    struct moat_finding *f;
    char *path = moat_asprintf("%s/b.json", tmpdir), *text;

    (void)state;
    moat_log_set_level(MOAT_LOG_ERROR); /* the skipped finding's warnings are expected */
    /* nothing to accept is an empty list, which loads */
    moat_findings_init(&fs);
    assert_int_equal(moat_baseline_write(&fs, path, &err), 0);
    text = slurp(path);
    assert_string_equal(text,
                        "{\n  \"findings\": [],\n  \"tool\": \"moat\",\n  \"version\": 1\n}\n");
    free(text);
    assert_int_equal(moat_baseline_load(path, &b, &err), 0);
    moat_baseline_free(b);

    /* a finding without a fingerprint cannot be matched, so it is left out;
     * a path that is not UTF-8 is written lossily; a finding with no rule
     * or path still has its fingerprint written */
    f = moat_finding_new();
    f->rule_id = moat_strdup("r");
    moat_findings_add(&fs, f);
    f = mk("r", "caf\xe9.txt", 2, "s3cr3t-value");
    moat_findings_add(&fs, f);
    f = moat_finding_new();
    moat_finding_fingerprint(f, "x", 1);
    moat_findings_add(&fs, f);
    assert_int_equal(moat_baseline_write(&fs, path, &err), 0);
    text = slurp(path);
    assert_non_null(strstr(text, "\"path\": \"caf?.txt\""));
    assert_non_null(strstr(text, fs.v[1]->fingerprint));
    assert_non_null(strstr(text, fs.v[2]->fingerprint));
    free(text);
    assert_int_equal(moat_baseline_load(path, &b, &err), 0);
    assert_true(moat_baseline_contains(b, fs.v[1]->fingerprint));
    assert_true(moat_baseline_contains(b, fs.v[2]->fingerprint));
    moat_baseline_free(b);

    /* a failed write reports it and leaves the old file alone */
    assert_int_equal(setenv("MOAT_TEST_FAIL", "fs_write:1", 1), 0);
    moat_findings_add(&fs, mk("q", "a", 1, "zzzzzzzz"));
    assert_int_equal(moat_baseline_write(&fs, path, &err), MOAT_EIO);
    assert_int_equal(unsetenv("MOAT_TEST_FAIL"), 0);
    assert_non_null(strstr(err.msg, "injected write failure"));
    assert_int_equal(moat_baseline_load(path, &b, &err), 0);
    assert_false(moat_baseline_contains(b, fs.v[3]->fingerprint));
    moat_baseline_free(b);

    /* a directory that does not exist */
    free(path);
    path = moat_asprintf("%s/no/such/dir/b.json", tmpdir);
    assert_int_equal(moat_baseline_write(&fs, path, &err), MOAT_ENOENT);

    moat_log_set_level(MOAT_LOG_INFO);
    moat_findings_release(&fs);
    free(path);
}

static const struct bad_case {
    const char *text;
    int rc;
    const char *msg;
} bad_cases[] = {
    { "", MOAT_EPARSE, "baseline:1:0: '[' or '{' expected near end of file" },
    { "{\"version\": 1, \"tool\": \"moat\", \"findings\": [", MOAT_EPARSE,
      "baseline:1:44: ']' expected near end of file" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123", MOAT_EPARSE,
      "baseline:1:49: premature end of input near '\"0123'" },
    { "[]", MOAT_EPARSE, "baseline: expected a JSON object at the top level" },
    { "{\"findings\": []}", MOAT_EPARSE, "baseline: missing \"version\"" },
    { "{\"version\": 2, \"findings\": []}", MOAT_EPARSE,
      "baseline: baseline version 2 is not supported (this moat reads version 1)" },
    { "{\"version\": 0, \"findings\": []}", MOAT_EPARSE,
      "baseline: baseline version 0 is not supported (this moat reads version 1)" },
    { "{\"version\": \"1\", \"findings\": []}", MOAT_EPARSE,
      "baseline: \"version\": expected an integer" },
    { "{\"version\": 1.0, \"findings\": []}", MOAT_EPARSE,
      "baseline: \"version\": expected an integer" },
    { "{\"version\": 1, \"tool\": \"gitleaks\", \"findings\": []}", MOAT_EPARSE,
      "baseline: \"tool\": expected \"moat\"" },
    { "{\"version\": 1}", MOAT_EPARSE, "baseline: \"findings\": expected an array" },
    { "{\"version\": 1, \"findings\": {}}", MOAT_EPARSE,
      "baseline: \"findings\": expected an array" },
    { "{\"version\": 1, \"version\": 1, \"findings\": []}", MOAT_EPARSE,
      "baseline:1:24: duplicate object key near '\"version\"'" },
    { "{\"version\": 1, \"findings\": [\"0123456789abcdef0123456789abcdef\"]}", MOAT_EPARSE,
      "baseline: findings[0]: expected an object" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\"}, "
      "{\"rule_id\": \"r\"}]}",
      MOAT_EPARSE, "baseline: findings[1]: missing \"fingerprint\"" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789ABCDEF0123456789abcdef\"}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"fingerprint\" must be 32 lowercase hex digits" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcde\"}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"fingerprint\" must be 32 lowercase hex digits" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef0\"}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"fingerprint\" must be 32 lowercase hex digits" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdeg\"}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"fingerprint\" must be 32 lowercase hex digits" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": 12345}]}", MOAT_EPARSE,
      "baseline: findings[0]: \"fingerprint\" must be 32 lowercase hex digits" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\", "
      "\"line\": -1}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"line\": expected a non-negative integer" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\", "
      "\"line\": \"3\"}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"line\": expected a non-negative integer" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\", "
      "\"path\": 7}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"path\": expected a string" },
    { "{\"version\": 1, \"findings\": [{\"fingerprint\": \"0123456789abcdef0123456789abcdef\", "
      "\"rule_id\": null}]}",
      MOAT_EPARSE, "baseline: findings[0]: \"rule_id\": expected a string" },
    { "{\"version\": 1, \"findings\": []} trailing", MOAT_EPARSE,
      "baseline:1:39: end of file expected near 'trailing'" },
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *t = &bad_cases[i];
        struct moat_baseline *b = (struct moat_baseline *)&b; /* must be reset to NULL */
        struct moat_err err = { 0, "" };
        int rc = moat_baseline_parse(t->text, strlen(t->text), &b, &err);

        if (rc != t->rc || strcmp(err.msg, t->msg) != 0)
            fail_msg("case %zu: %s\nwant %d '%s'\ngot  %d '%s'", i, t->text, t->rc, t->msg, rc,
                     err.msg);
        assert_null(b);
    }
}

static void test_parse_ok(void **state)
{
    static const char text[] =
        "{\"version\": 1, \"tool\": \"moat\", \"note\": \"kept for humans\", \"findings\": [\n"
        " {\"fingerprint\": \"0123456789abcdef0123456789abcdef\", \"line\": 0, \"extra\": [1]},\n"
        " {\"fingerprint\": \"0123456789abcdef0123456789abcdef\"},\n"
        " {\"fingerprint\": \"ffffffffffffffffffffffffffffffff\", \"path\": \"a\", \"rule_id\": "
        "\"r\"}]}";
    struct moat_baseline *b = NULL;
    struct moat_err err = { 0, "" };

    (void)state;
    /* unknown keys are ignored, duplicates merge, "tool" is optional */
    assert_int_equal(moat_baseline_parse(text, strlen(text), &b, &err), 0);
    assert_true(moat_baseline_contains(b, "0123456789abcdef0123456789abcdef"));
    assert_true(moat_baseline_contains(b, "ffffffffffffffffffffffffffffffff"));
    assert_false(moat_baseline_contains(b, "0123456789abcdef0123456789abcdee"));
    assert_false(moat_baseline_contains(b, "0123456789abcdef"));
    moat_baseline_free(b);
    assert_int_equal(moat_baseline_parse("{\"version\":1,\"findings\":[]}", 27, &b, &err), 0);
    assert_false(moat_baseline_contains(b, "ffffffffffffffffffffffffffffffff"));
    moat_baseline_free(b);
}

static void test_limits(void **state)
{
    struct moat_buf buf = MOAT_BUF_INIT(1u << 24);
    struct moat_baseline *b = NULL;
    struct moat_err err = { 0, "" };
    char *big;

    (void)state;
    /* 1,000,000 entries are read (the first is then refused), one more is over */
    assert_int_equal(moat_buf_addstr(&buf, "{\"version\":1,\"findings\":[0"), 0);
    for (int i = 1; i < 1000000; i++)
        assert_int_equal(moat_buf_add(&buf, ",0", 2), 0);
    assert_int_equal(moat_buf_addstr(&buf, "]}"), 0);
    assert_int_equal(moat_baseline_parse(buf.data, buf.len, &b, &err), MOAT_EPARSE);
    assert_string_equal(err.msg, "baseline: findings[0]: expected an object");
    buf.len -= 2;
    assert_int_equal(moat_buf_addstr(&buf, ",0]}"), 0);
    assert_int_equal(moat_baseline_parse(buf.data, buf.len, &b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "baseline: 1000001 findings, over the 1000000-entry limit");
    assert_null(b);
    moat_buf_release(&buf);

    /* the size is checked before anything is parsed */
    big = moat_malloc((64u << 20) + 1);
    memset(big, ' ', (64u << 20) + 1);
    assert_int_equal(moat_baseline_parse(big, (64u << 20) + 1, &b, &err), MOAT_ETOOBIG);
    assert_string_equal(err.msg, "baseline: 67108865 bytes, over the 67108864-byte limit");
    free(big);
    assert_null(b);
}

static void test_load_errors(void **state)
{
    struct moat_baseline *b = (struct moat_baseline *)&b;
    struct moat_err err = { 0, "" };
    char *path = moat_asprintf("%s/none.json", tmpdir), *want;

    (void)state;
    assert_int_equal(moat_baseline_load(path, &b, &err), MOAT_ENOENT);
    assert_null(b);
    free(path);

    /* messages name the file */
    path = moat_asprintf("%s/bad.json", tmpdir);
    assert_int_equal(moat_fs_write(path, "{\"version\": 1, \"findings\": [{}]}", 32, NULL), 0);
    assert_int_equal(moat_baseline_load(path, &b, &err), MOAT_EPARSE);
    want = moat_asprintf("%s: findings[0]: missing \"fingerprint\"", path);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(moat_fs_write(path, "{\"version\": 1,\n \"findings\": [}", 30, NULL), 0);
    assert_int_equal(moat_baseline_load(path, &b, &err), MOAT_EPARSE);
    want = moat_asprintf("%s:2:15: unexpected token near '}'", path);
    assert_string_equal(err.msg, want);
    free(want);
    assert_null(b);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_write_edge_cases),
        cmocka_unit_test(test_malformed),  cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_limits),     cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
