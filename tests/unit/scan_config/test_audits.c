/* The table-driven test of the config analyzer's audits. Every top-level
 * file under tests/data/config/<kind>/ is scanned as the kind of file it
 * stands for, and its findings must be exactly the `<line> <rule-id>` lines
 * of the sidecar <file>.expect (no sidecar: no findings). Files whose name
 * holds ".pedantic." are scanned with --pedantic. Files in subdirectories
 * are not cases: they are what cases include. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "scan/config/config.h"
#include "core/banned.h"

#define DATA "tests/data/config/"

struct kind {
    const char *dir;
    /* the path the case is scanned as, from its file name */
    char *(*scan_path)(const char *base);
};

static char *as_workflow(const char *base)
{
    return moat_asprintf(".github/workflows/%s", base);
}

static char *as_action(const char *base)
{
    const char *dot = strchr(base, '.');
    return moat_asprintf("%.*s/action.yml", dot ? (int)(dot - base) : (int)strlen(base), base);
}

static char *as_gitlab(const char *base)
{
    (void)base;
    return moat_strdup(".gitlab-ci.yml");
}

static char *as_dockerfile(const char *base)
{
    return moat_asprintf("%s.Dockerfile", base);
}

static const struct kind kinds[] = {
    { "gha", as_workflow },
    { "gha-action", as_action },
    { "gitlab", as_gitlab },
    { "docker", as_dockerfile },
};

/* "12 gha-template-injection" lines, sorted, so two lists compare as sets
 * with repeats. */
struct expect {
    char **v;
    size_t n, cap;
};

static void expect_add(struct expect *e, unsigned line, const char *rule)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->v = moat_realloc(e->v, e->cap * sizeof(*e->v));
    }
    e->v[e->n++] = moat_asprintf("%u %s", line, rule);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void expect_free(struct expect *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
}

static void load_expect(const char *path, struct expect *e)
{
    struct moat_buf raw = MOAT_BUF_INIT(1u << 20);
    char *line, *save = NULL;

    if (moat_fs_read(path, &raw, NULL) != 0) {
        moat_buf_release(&raw);
        return;
    }
    if (moat_buf_addch(&raw, '\0') != 0)
        fail_msg("%s: too big", path);
    for (line = strtok_r(raw.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned n = 0;
        char rule[128];
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "%u %127s", &n, rule) != 2 || n == 0)
            fail_msg("%s: bad line '%s' (expected '<line> <rule-id>')", path, line);
        expect_add(e, n, rule);
    }
    moat_buf_release(&raw);
}

/* Scan one case; returns the number of mismatches, each printed. */
static size_t run_case(const struct kind *k, const char *dir, const char *base,
                       struct moat_map *covered)
{
    char *file = moat_asprintf("%s/%s", dir, base);
    char *exp_path = moat_asprintf("%s.expect", file);
    struct moat_scan_opts opts = { 0 };
    struct moat_buf data = MOAT_BUF_INIT(64u << 20);
    struct moat_findings out;
    struct moat_scan *s = NULL;
    struct scan_worker w;
    struct scan_blob b = { 0 };
    struct expect want = { 0 }, got = { 0 };
    struct moat_err err = { 0, "" };
    size_t bad = 0, i = 0, j = 0;

    opts.root = dir;
    opts.source = MOAT_SOURCE_TREE;
    opts.analyzers = MOAT_ANALYZER_CONFIG;
    opts.threads = 1;
    opts.pedantic = strstr(base, ".pedantic.") != NULL;
    assert_int_equal(moat_fs_read(file, &data, NULL), 0);
    load_expect(exp_path, &want);
    for (size_t x = 0; x < want.n; x++) {
        const char *rule = strchr(want.v[x], ' ') + 1;
        if (moat_map_put(covered, rule, strlen(rule), (void *)1)) {
            /* already covered by another case */
        }
    }
    moat_findings_init(&out);
    if (moat_scan_new(&opts, &s, &err) != 0)
        fail_msg("%s: %s", file, err.msg);
    s->out = &out;
    assert_int_equal(scan_worker_init(s, &w, &err), 0);
    b.path = k->scan_path(base);
    b.data = (const unsigned char *)data.data;
    b.len = data.len;
    scan_blob_run(&w, &b);
    scan_worker_release(&w);
    for (size_t x = 0; x < out.n; x++)
        expect_add(&got, out.v[x]->line, out.v[x]->rule_id);

    if (want.n)
        qsort(want.v, want.n, sizeof(*want.v), cmp_str);
    if (got.n)
        qsort(got.v, got.n, sizeof(*got.v), cmp_str);
    while (i < want.n || j < got.n) {
        int c = i == want.n ? 1 : j == got.n ? -1 : strcmp(want.v[i], got.v[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        bad++;
        if (c < 0)
            print_error("%s: missing finding at %s\n", file, want.v[i++]);
        else
            print_error("%s: unexpected finding at %s\n", file, got.v[j++]);
    }
    free((char *)b.path);
    expect_free(&want);
    expect_free(&got);
    moat_scan_free(s);
    moat_findings_release(&out);
    moat_buf_release(&data);
    free(file);
    free(exp_path);
    return bad;
}

static bool is_case(const char *dir, const char *name)
{
    char *path;
    struct stat st;
    bool ok;

    if (name[0] == '.' || strstr(name, ".expect") || strstr(name, ".md"))
        return false;
    path = moat_asprintf("%s/%s", dir, name);
    ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

static void test_fixtures(void **state)
{
    struct moat_map covered;
    size_t bad = 0, cases = 0;

    (void)state;
    moat_map_init(&covered);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        char *dir = moat_asprintf(DATA "%s", kinds[k].dir);
        struct dirent **names = NULL;
        int n = scandir(dir, &names, NULL, alphasort);

        for (int i = 0; i < n; i++) {
            if (is_case(dir, names[i]->d_name)) {
                bad += run_case(&kinds[k], dir, names[i]->d_name, &covered);
                cases++;
            }
            free(names[i]);
        }
        free(names);
        free(dir);
    }
    print_message("%zu cases, %zu mismatches\n", cases, bad);
    assert_int_equal(bad, 0);

    /* every audit has at least one positive case */
    {
        const struct moat_rule_meta *tables[] = { cfg_gha_rules, cfg_gitlab_rules,
                                                  cfg_docker_rules };
        const size_t sizes[] = { cfg_gha_nrules, cfg_gitlab_nrules, cfg_docker_nrules };
        for (size_t t = 0; t < 3; t++)
            for (size_t r = 0; r < sizes[t]; r++)
                if (!moat_map_get(&covered, tables[t][r].id, strlen(tables[t][r].id))) {
                    print_error("rule %s has no positive case\n", tables[t][r].id);
                    bad++;
                }
    }
    moat_map_release(&covered, NULL);
    assert_int_equal(bad, 0);
}

/* What SARIF and the docs need from every audit. */
static void test_rule_metadata(void **state)
{
    const struct moat_rule_meta *tables[] = { cfg_gha_rules, cfg_gitlab_rules, cfg_docker_rules };
    const size_t sizes[] = { cfg_gha_nrules, cfg_gitlab_nrules, cfg_docker_nrules };
    struct moat_map ids;

    (void)state;
    moat_map_init(&ids);
    for (size_t t = 0; t < 3; t++) {
        assert_true(sizes[t] > 0);
        for (size_t r = 0; r < sizes[t]; r++) {
            const struct moat_rule_meta *m = &tables[t][r];
            struct stat st;
            assert_non_null(m->id);
            assert_null(moat_map_put(&ids, m->id, strlen(m->id), (void *)m));
            assert_string_equal(m->analyzer, "config");
            assert_non_null(m->title);
            assert_non_null(m->help);
            assert_non_null(m->fix);
            assert_non_null(m->doc);
            if (stat(m->doc, &st) != 0)
                fail_msg("rule %s: docs page %s is missing", m->id, m->doc);
        }
    }
    moat_map_release(&ids, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_metadata),
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
