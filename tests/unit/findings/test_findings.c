/* Tests for src/findings/finding.c: fingerprints (stable, independent of the
 * line, sensitive to rule, path and content), severities, sort order, the
 * gate count and adding from several threads at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <sodium.h>
#include <moat/findings.h>
#include "core/core.h"
#include "core/banned.h"

static struct moat_finding *mk(const char *rule, const char *path, unsigned line, unsigned col,
                               const char *content)
{
    struct moat_finding *f = moat_finding_new();

    f->rule_id = rule ? moat_strdup(rule) : NULL;
    f->path = path ? moat_strdup(path) : NULL;
    f->line = line;
    f->col = col;
    moat_finding_fingerprint(f, content, strlen(content));
    return f;
}

/* The documented recipe (docs/baseline.md): BLAKE2b-128 over
 * rule id, NUL, path, NUL, matched value; lowercase hex. */
static void recipe(const char *rule, const char *path, const char *content, char *out)
{
    unsigned char h[16];
    size_t rl = strlen(rule), pl = strlen(path), cl = strlen(content);
    unsigned char *msg = moat_malloc(rl + pl + cl + 2);

    memcpy(msg, rule, rl);
    msg[rl] = 0;
    memcpy(msg + rl + 1, path, pl);
    msg[rl + 1 + pl] = 0;
    memcpy(msg + rl + pl + 2, content, cl);
    assert_int_equal(crypto_generichash(h, sizeof(h), msg, rl + pl + cl + 2, NULL, 0), 0);
    moat_hex(h, sizeof(h), out);
    free(msg);
}

static void test_fingerprint(void **state)
{
    struct moat_finding *a = mk("aws-access-key", "src/a.py", 3, 5, "AKIAQWERTYUIOPASDFGH");
    struct moat_finding *b;
    char want[MOAT_FINGERPRINT_HEX + 1];

    (void)state;
    assert_int_equal(strlen(a->fingerprint), MOAT_FINGERPRINT_HEX);
    for (const char *c = a->fingerprint; *c; c++)
        assert_true((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'));
    recipe("aws-access-key", "src/a.py", "AKIAQWERTYUIOPASDFGH", want);
    assert_string_equal(a->fingerprint, want);

    /* moved to another line and column, another commit: same fingerprint */
    b = mk("aws-access-key", "src/a.py", 300, 1, "AKIAQWERTYUIOPASDFGH");
    b->commit = moat_strdup("0123456789abcdef0123456789abcdef01234567");
    moat_finding_fingerprint(b, "AKIAQWERTYUIOPASDFGH", 20);
    assert_string_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);

    /* any of rule, path or content changes it */
    b = mk("aws-secret-key", "src/a.py", 3, 5, "AKIAQWERTYUIOPASDFGH");
    assert_string_not_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);
    b = mk("aws-access-key", "src/b.py", 3, 5, "AKIAQWERTYUIOPASDFGH");
    assert_string_not_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);
    b = mk("aws-access-key", "src/a.py", 3, 5, "AKIAQWERTYUIOPASDFGX");
    assert_string_not_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);
    moat_finding_free(a);

    /* the separators keep "ab"+"c" apart from "a"+"bc" */
    a = mk("ab", "c", 1, 1, "v");
    b = mk("a", "bc", 1, 1, "v");
    assert_string_not_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);
    b = mk("ab", "", 1, 1, "cv");
    assert_string_not_equal(a->fingerprint, b->fingerprint);
    moat_finding_free(b);
    moat_finding_free(a);

    /* unknown rule and path hash as empty strings */
    a = mk(NULL, NULL, 0, 0, "x");
    recipe("", "", "x", want);
    assert_string_equal(a->fingerprint, want);
    moat_finding_free(a);
    moat_finding_free(NULL);
}

static void test_sev(void **state)
{
    static const char *const names[] = { "info", "low", "medium", "high", "critical" };
    enum moat_sev s;

    (void)state;
    for (int i = 0; i < 5; i++) {
        assert_string_equal(moat_sev_name((enum moat_sev)i), names[i]);
        s = MOAT_SEV_INFO;
        assert_int_equal(moat_sev_parse(names[i], &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(moat_sev_parse("CRITICAL", &s), 0);
    assert_int_equal(s, MOAT_SEV_CRITICAL);
    assert_int_equal(moat_sev_parse("Medium", &s), 0);
    assert_int_equal(s, MOAT_SEV_MEDIUM);
    s = MOAT_SEV_LOW;
    assert_int_equal(moat_sev_parse("hihg", &s), MOAT_EINVAL);
    assert_int_equal(moat_sev_parse("", &s), MOAT_EINVAL);
    assert_int_equal(moat_sev_parse("high ", &s), MOAT_EINVAL);
    assert_int_equal(s, MOAT_SEV_LOW); /* untouched on failure */
    assert_string_equal(moat_sev_name((enum moat_sev)5), "unknown");
    assert_string_equal(moat_sev_name((enum moat_sev) - 1), "unknown");
    assert_true(MOAT_SEV_INFO < MOAT_SEV_LOW && MOAT_SEV_LOW < MOAT_SEV_MEDIUM &&
                MOAT_SEV_MEDIUM < MOAT_SEV_HIGH && MOAT_SEV_HIGH < MOAT_SEV_CRITICAL);
    assert_string_equal(moat_conf_name(MOAT_CONF_LOW), "low");
    assert_string_equal(moat_conf_name(MOAT_CONF_MEDIUM), "medium");
    assert_string_equal(moat_conf_name(MOAT_CONF_HIGH), "high");
    assert_string_equal(moat_conf_name((enum moat_conf)7), "unknown");
}

static void test_sort(void **state)
{
    struct moat_findings fs;
    struct moat_finding *f;
    /* added in scrambled order; message holds the index into in[] */
    static const struct {
        const char *rule, *path, *commit;
        unsigned line, col;
    } in[] = {
        { "r", "b.txt", NULL, 1, 1 }, { "r", "a.txt", NULL, 10, 1 }, { "r", "a.txt", NULL, 2, 9 },
        { "r", "a.txt", NULL, 2, 1 }, { "q", "a.txt", NULL, 2, 1 },  { "r", NULL, NULL, 99, 1 },
        { "r", "a.txt", "c2", 2, 1 }, { "r", "a.txt", NULL, 9, 1 },
    };
    /* NULL path first; then path, line (9 before 10), column, rule, commit (none first) */
    static const int order[] = { 5, 4, 3, 6, 2, 7, 1, 0 };

    (void)state;
    moat_findings_init(&fs);
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        f = mk(in[i].rule, in[i].path, in[i].line, in[i].col, "v");
        if (in[i].commit)
            f->commit = moat_strdup(in[i].commit);
        f->col = in[i].col;
        f->message = moat_asprintf("%zu", i);
        moat_findings_add(&fs, f);
    }
    moat_findings_sort(&fs);
    assert_int_equal(fs.n, 8);
    for (size_t i = 0; i < fs.n; i++) {
        char want[8];
        assert_int_equal(moat_snprintf(want, sizeof(want), "%d", order[i]), 0);
        assert_string_equal(fs.v[i]->message, want);
    }
    moat_findings_release(&fs);
    /* sorting nothing or one is fine */
    moat_findings_init(&fs);
    moat_findings_sort(&fs);
    moat_findings_add(&fs, mk("r", "a", 1, 1, "v"));
    moat_findings_sort(&fs);
    assert_int_equal(fs.n, 1);
    moat_findings_release(&fs);
}

static void test_gate(void **state)
{
    struct moat_findings fs;
    static const enum moat_sev sevs[] = { MOAT_SEV_INFO, MOAT_SEV_LOW, MOAT_SEV_HIGH, MOAT_SEV_HIGH,
                                          MOAT_SEV_CRITICAL };

    (void)state;
    moat_findings_init(&fs);
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_INFO), 0);
    for (size_t i = 0; i < 5; i++) {
        struct moat_finding *f = mk("r", "p", (unsigned)i, 1, "v");
        f->sev = sevs[i];
        moat_findings_add(&fs, f);
    }
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_INFO), 5);
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_LOW), 4);
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_MEDIUM), 3);
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_HIGH), 3);
    assert_int_equal(moat_gate_count(&fs, MOAT_SEV_CRITICAL), 1);
    moat_findings_release(&fs);
}

#define NTHREADS   4
#define PER_THREAD 20000

struct adder {
    struct moat_findings *fs;
    unsigned base;
};

static void *add_many(void *arg)
{
    struct adder *a = arg;

    for (unsigned i = 0; i < PER_THREAD; i++) {
        struct moat_finding *f = moat_finding_new();
        f->line = a->base + i;
        moat_findings_add(a->fs, f);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct moat_findings fs;
    pthread_t t[NTHREADS];
    struct adder a[NTHREADS];

    (void)state;
    moat_findings_init(&fs);
    for (int i = 0; i < NTHREADS; i++) {
        a[i].fs = &fs;
        a[i].base = (unsigned)i * PER_THREAD;
        assert_int_equal(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    /* every finding exactly once: after sorting, lines are 0..N-1 */
    assert_int_equal(fs.n, NTHREADS * PER_THREAD);
    moat_findings_sort(&fs);
    for (size_t i = 0; i < fs.n; i++)
        assert_int_equal(fs.v[i]->line, i);
    moat_findings_release(&fs);
    assert_int_equal(fs.n, 0);
    assert_null(fs.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint), cmocka_unit_test(test_sev),
        cmocka_unit_test(test_sort),        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
