/* The table-driven test of every built-in secret rule: each rule has
 * tests/data/secrets/<id>.hit and <id>.miss; every .hit example must yield
 * that rule and no .miss example may. Failures name the rule and example
 * number, never the example's value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <hs/hs.h>
#include "secrets/fixture.h"
#include "core/banned.h"

#define DATA         "tests/data/secrets/"
#define MIN_RULES    150
#define MAX_EXAMPLES 512
#define MAX_WIDTH    20000 /* widest match a built-in trigger may have */

static void test_rule_table(void **state)
{
    (void)state;
    assert_true(secrets_builtin_count >= MIN_RULES);
    for (size_t i = 0; i < secrets_builtin_count; i++) {
        const struct secrets_rule *r = &secrets_builtin_rules[i];
        const char *id = NULL;

        assert_non_null(r->id);
        for (const char *p = r->id; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(r->id, secrets_builtin_rules[k].id);
        assert_non_null(r->title);
        assert_non_null(r->provider);
        assert_non_null(moat_secrets_pattern(i, &id));
        assert_string_equal(id, r->id);
    }
    assert_null(moat_secrets_pattern(secrets_builtin_count, NULL));
}

static void check_bounded(const char *id, const char *pat)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;

    if (hs_expression_info(pat, HS_FLAG_MULTILINE, &info, &ce) != HS_SUCCESS) {
        print_error("rule %s: Hyperscan: %s\n", id, ce->message);
        hs_free_compile_error(ce);
        fail();
    }
    if (info->max_width == UINT_MAX || info->max_width > MAX_WIDTH)
        print_error("rule %s: unbounded match width\n", id);
    assert_true(info->max_width <= MAX_WIDTH);
    free(info);
}

/* Every pattern (trigger and regex) has a bounded match width, so the
 * confirming window is bounded, and Hyperscan takes it as it is (no
 * prefilter approximation). A trigger starts where its regex starts. */
static void test_patterns_bounded(void **state)
{
    (void)state;
    for (size_t i = 0; i < secrets_builtin_count; i++) {
        const struct secrets_rule *r = &secrets_builtin_rules[i];
        check_bounded(r->id, r->regex);
        if (r->trigger)
            check_bounded(r->id, r->trigger);
    }
}

/* The patterns are valid for ripgrep too: the benchmark runs them there. */
static void test_patterns_ripgrep(void **state)
{
    char path[] = "/tmp/moat-rg-XXXXXX";
    int fd, status = 0;
    pid_t pid;

    (void)state;
    if (access("/usr/bin/rg", X_OK) != 0) {
        skip();
        return;
    }
    fd = mkstemp(path);
    assert_true(fd >= 0);
    for (size_t i = 0; i < secrets_builtin_count; i++) {
        const char *pat = moat_secrets_pattern(i, NULL);
        assert_null(strchr(pat, '\n'));
        assert_int_equal(write(fd, pat, strlen(pat)), (ssize_t)strlen(pat));
        assert_int_equal(write(fd, "\n", 1), 1);
    }
    close(fd);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execl("/usr/bin/rg", "rg", "--no-unicode", "-f", path, "/dev/null", (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(path);
    /* 1: compiled, nothing matched /dev/null; 2: a pattern was rejected */
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

static size_t check_file(const struct secrets_engine *e, struct secrets_scratch *s,
                         const struct secrets_rule *r, bool hit, size_t *failures)
{
    char path[256], *text, *ex[MAX_EXAMPLES];
    size_t len, n;
    struct found f;

    assert_int_equal(moat_snprintf(path, sizeof(path), DATA "%s.%s", r->id, hit ? "hit" : "miss"),
                     0);
    if (!(text = read_all(path, &len))) {
        print_error("rule %s: no %s\n", r->id, path);
        (*failures)++;
        return 0;
    }
    n = split_examples(text, ex, MAX_EXAMPLES);
    for (size_t i = 0; i < n; i++) {
        scan_text(e, s, ex[i], strlen(ex[i]), &f);
        assert_true(f.n != SIZE_MAX);
        if (found_has(&f, r->id) != hit) {
            print_error("rule %s: %s example %zu %s\n", r->id, path, i + 1,
                        hit ? "not found" : "reported");
            (*failures)++;
        }
    }
    if (n == 0) {
        print_error("rule %s: %s has no examples\n", r->id, path);
        (*failures)++;
    }
    free(text);
    return n;
}

static void test_fixtures(void **state)
{
    struct secrets_engine *e = NULL;
    struct secrets_scratch *s = NULL;
    size_t failures = 0, hits = 0, misses = 0;

    (void)state;
    assert_int_equal(secrets_engine_new(NULL, &e, NULL), 0);
    assert_int_equal(secrets_scratch_new(e, &s, NULL), 0);
    for (size_t i = 0; i < secrets_builtin_count; i++) {
        hits += check_file(e, s, &secrets_builtin_rules[i], true, &failures);
        misses += check_file(e, s, &secrets_builtin_rules[i], false, &failures);
    }
    print_message("# %zu rules, %zu positive and %zu negative examples\n", secrets_builtin_count,
                  hits, misses);
    secrets_scratch_free(s);
    secrets_engine_free(e);
    assert_int_equal(failures, 0);
}

/* Every fixture file belongs to a rule: a renamed rule leaves none behind. */
static void test_no_orphan_fixtures(void **state)
{
    DIR *d = opendir(DATA);
    struct dirent *de;
    size_t orphans = 0;

    (void)state;
    assert_non_null(d);
    while ((de = readdir(d))) {
        const char *dot = strrchr(de->d_name, '.');
        bool known = false;
        if (de->d_name[0] == '.' || !dot)
            continue;
        for (size_t i = 0; i < secrets_builtin_count && !known; i++) {
            size_t n = strlen(secrets_builtin_rules[i].id);
            known = (size_t)(dot - de->d_name) == n &&
                    strncmp(de->d_name, secrets_builtin_rules[i].id, n) == 0 &&
                    (strcmp(dot, ".hit") == 0 || strcmp(dot, ".miss") == 0);
        }
        if (!known) {
            print_error("orphan fixture %s%s\n", DATA, de->d_name);
            orphans++;
        }
    }
    closedir(d);
    assert_int_equal(orphans, 0);
}

/* docs/rules/secrets.md lists every rule (tests/unit/secrets/gen_docs.py). */
static void test_docs_list_every_rule(void **state)
{
    size_t len, missing = 0;
    char *doc = read_all("docs/rules/secrets.md", &len);

    (void)state;
    assert_non_null(doc);
    for (size_t i = 0; i < secrets_builtin_count; i++) {
        char cell[128];
        assert_int_equal(moat_snprintf(cell, sizeof(cell), "| `%s` |", secrets_builtin_rules[i].id),
                         0);
        if (!strstr(doc, cell)) {
            print_error("docs/rules/secrets.md does not list %s\n", secrets_builtin_rules[i].id);
            missing++;
        }
    }
    free(doc);
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),         cmocka_unit_test(test_patterns_bounded),
        cmocka_unit_test(test_patterns_ripgrep),   cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_no_orphan_fixtures), cmocka_unit_test(test_docs_list_every_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
