/* Unit tests for src/scan/deps/osv.c and osv_match.c: OSV's evaluation
 * algorithm on the hand-made advisories of tests/data/deps/osv/good/ (one
 * per case: each event type, limit, last_affected, several ranges and
 * affected entries, versions lists, withdrawn, SEMVER vs ECOSYSTEM, name
 * normalization, ecosystem suffixes), and the records the encoder refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>
#include <jansson.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "core/banned.h"

#define GOOD "tests/data/deps/osv/good"
#define BAD  "tests/data/deps/osv/bad/"

static struct moat_buf image = MOAT_BUF_INIT(64u << 20);
static struct deps_db *db;

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A store built in memory from every advisory of good/. */
static int setup(void **state)
{
    MOAT_VEC(char *) names = { 0 };
    struct deps_db_in in[64];
    struct moat_buf recs[64];
    struct moat_err err = { 0, "" };
    struct dirent *e;
    DIR *d = opendir(GOOD);
    size_t n = 0;

    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (moat_str_endswith(e->d_name, ".json"))
            MOAT_VEC_PUSH(&names, moat_strdup(e->d_name));
    closedir(d);
    qsort(names.v, names.n, sizeof(*names.v), by_str);
    assert_true(names.n >= 13 && names.n <= 64);
    for (size_t i = 0; i < names.n; i++) {
        struct moat_buf text = MOAT_BUF_INIT(1u << 20);
        char *path = moat_asprintf(GOOD "/%s", names.v[i]);
        assert_int_equal(moat_fs_read(path, &text, NULL), 0);
        moat_buf_init(&recs[n], DEPS_OSV_MAX_RECORD);
        if (deps_osv_encode_text(text.data, text.len, &recs[n], &err) != 0)
            fail_msg("%s: %s", path, err.msg);
        in[n].rec = (const unsigned char *)recs[n].data;
        in[n].len = recs[n].len;
        n++;
        moat_buf_release(&text);
        free(path);
        free(names.v[i]);
    }
    free(names.v);
    if (deps_db_build(in, n, &image, &err) != 0)
        fail_msg("build: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        moat_buf_release(&recs[i]);
    if (deps_db_open_mem(image.data, image.len, "test.db", &db, &err) != 0)
        fail_msg("open: %s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    deps_db_free(db);
    moat_buf_release(&image);
    return 0;
}

/* "ID@fixed ID@-" for the advisories affecting (eco, name, version). */
static char *hits(enum deps_eco eco, const char *name, const char *version)
{
    static char out[1024];
    struct deps_matches m;
    struct moat_err err = { 0, "" };
    size_t at = 0;

    out[0] = '\0';
    deps_matches_init(&m);
    if (deps_db_match(db, eco, name, version, &m, &err) != 0)
        fail_msg("match %s %s: %s", name, version, err.msg);
    for (size_t i = 0; i < m.n; i++) {
        int k = snprintf(out + at, sizeof(out) - at, "%s%s@%s", i ? " " : "", m.v[i].adv.id,
                         m.v[i].fixed ? m.v[i].fixed : "-");
        assert_true(k > 0 && (size_t)k < sizeof(out) - at);
        at += (size_t)k;
    }
    deps_matches_release(&m);
    return out;
}

static void test_introduced_fixed(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "0.9.9"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "1.0.0"), "TEST-SEMVER-1@1.2.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "1.1.9"), "TEST-SEMVER-1@1.2.0");
    /* a pre-release of the fixed version is below it, so still affected */
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "1.2.0-rc.1"), "TEST-SEMVER-1@1.2.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "1.2.0"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "2.0.0"), "");
    /* other packages and ecosystems do not see it */
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pa", "1.0.0"), "");
    assert_string_equal(hits(DEPS_ECO_CRATES, "left-pad", "1.0.0"), "");
}

static void test_introduced_zero(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_NPM, "zero-pkg", "0.0.0"), "TEST-ZERO-1@2.0.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "zero-pkg", "0.0.1-alpha"), "TEST-ZERO-1@2.0.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "zero-pkg", "1.99.99"), "TEST-ZERO-1@2.0.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "zero-pkg", "2.0.0"), "");
}

static void test_last_affected(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_MAVEN, "com.h2database:h2", "1.4.200"), "TEST-LAST-1@-");
    assert_string_equal(hits(DEPS_ECO_MAVEN, "com.h2database:h2", "2.1.214"), "TEST-LAST-1@-");
    assert_string_equal(hits(DEPS_ECO_MAVEN, "com.h2database:h2", "2.1.220"), "");
}

static void test_limit(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "0.9.0"), "");
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "1.0.0"), "TEST-LIMIT-1@-");
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "1.4.9"), "TEST-LIMIT-1@-");
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "1.5.0"), "");
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "2.0.0"), "");
    /* limit "*" is infinity */
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "3.0.0"), "TEST-LIMIT-1@-");
    assert_string_equal(hits(DEPS_ECO_CRATES, "limited", "99.0.0"), "TEST-LIMIT-1@-");
}

static void test_multiple_ranges(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "0.9.0"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "1.0.1"), "TEST-MULTI-1@1.0.2");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "1.0.2"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "2.5.0"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "3.0.0"), "TEST-MULTI-1@3.2.5");
    /* inside a range of the second affected entry too: one finding, the
     * smallest fixed version above the installed one */
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "3.1.2"), "TEST-MULTI-1@3.1.4");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "3.1.5"), "TEST-MULTI-1@3.2.5");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "3.2.5"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "5.0.2"), "TEST-MULTI-1@5.0.3");
    assert_string_equal(hits(DEPS_ECO_NPM, "multi", "5.0.3"), "");
    /* the same advisory names a PyPI package of the same name */
    assert_string_equal(hits(DEPS_ECO_PYPI, "multi", "8.0"), "TEST-MULTI-1@9.0");
}

static void test_versions_list(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_NPM, "listed", "1.0.0"), "TEST-VERSIONS-1@-");
    assert_string_equal(hits(DEPS_ECO_NPM, "listed", "1.0.1-beta.1"), "TEST-VERSIONS-1@-");
    assert_string_equal(hits(DEPS_ECO_NPM, "listed", "1.0.1"), "");
    /* exact strings: no version ordering, so even a non-version matches */
    assert_string_equal(hits(DEPS_ECO_NPM, "listed", "weird build 7"), "TEST-VERSIONS-1@-");
    assert_string_equal(hits(DEPS_ECO_NPM, "listed", "1.0"), "");
    /* go.mod writes v1.4.0, OSV writes 1.4.0 */
    assert_string_equal(hits(DEPS_ECO_GO, "example.com/mod", "v1.4.0"), "TEST-VERSIONS-1@-");
    assert_string_equal(hits(DEPS_ECO_GO, "example.com/mod", "1.4.0"), "TEST-VERSIONS-1@-");
    assert_string_equal(hits(DEPS_ECO_GO, "example.com/mod", "v1.4.1"), "");
}

static void test_pypi_ecosystem_and_names(void **state)
{
    (void)state;
    /* PEP 440 order: 1.0rc1 < 1.0 < 1.0.post1; PEP 503 names */
    assert_string_equal(hits(DEPS_ECO_PYPI, "foo-bar-baz", "1.0"), "TEST-PYPI-1@1.0.post1");
    assert_string_equal(hits(DEPS_ECO_PYPI, "Foo.Bar_Baz", "1.0rc1"), "TEST-PYPI-1@1.0.post1");
    assert_string_equal(hits(DEPS_ECO_PYPI, "FOO__BAR--BAZ", "1.0rc2"), "TEST-PYPI-1@1.0.post1");
    assert_string_equal(hits(DEPS_ECO_PYPI, "foo-bar-baz", "1.0b9"), "");
    assert_string_equal(hits(DEPS_ECO_PYPI, "foo-bar-baz", "1.0.post1"), "");
    assert_string_equal(hits(DEPS_ECO_PYPI, "foobarbaz", "1.0"), "");
    /* a version PEP 440 rejects is not guessed */
    assert_string_equal(hits(DEPS_ECO_PYPI, "foo-bar-baz", "not a version"), "");
}

static void test_semver_vs_ecosystem(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_PYPI, "typed", "1.5.0"), "TEST-TYPES-1@2.0.0");
    /* "1.5" is a fine PyPI version but not SemVer: the SEMVER range cannot
     * order it, so it does not match */
    assert_string_equal(hits(DEPS_ECO_PYPI, "typed", "1.5"), "");
    assert_string_equal(hits(DEPS_ECO_PYPI, "typed", "2.0.0"), "");
}

static void test_withdrawn_and_git(void **state)
{
    (void)state;
    /* TEST-WITHDRAWN-1 names left-pad from 0 on: never reported */
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "0.1.0"), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", "1.0.0"), "TEST-SEMVER-1@1.2.0");
    assert_string_equal(hits(DEPS_ECO_NPM, "gitty", "1.0.0"), "");
}

static void test_ecosystem_suffix(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_DEBIAN, "openssl", "3.0.11-1~deb12u1"),
                        "TEST-DEBIAN-1@3.0.11-1~deb12u2");
    assert_string_equal(hits(DEPS_ECO_DEBIAN, "openssl", "3.0.11-1~deb12u2"), "");
    assert_string_equal(hits(DEPS_ECO_DEBIAN, "openssl", "3.0.11-1"), "");
}

/* What a finding shows: aliases, summary, CVSS vector and score, the
 * database's word, the informational flag. */
static void test_advisory_fields(void **state)
{
    struct deps_matches m;
    struct moat_err err = { 0, "" };

    (void)state;
    deps_matches_init(&m);
    assert_int_equal(deps_db_match(db, DEPS_ECO_NPM, "left-pad", "1.1.0", &m, &err), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.v[0].adv.summary, "introduced and fixed");
    assert_int_equal(m.v[0].adv.naliases, 2);
    assert_string_equal(m.v[0].adv.aliases[0], "CVE-2024-0001");
    assert_string_equal(m.v[0].adv.aliases[1], "GHSA-aaaa-bbbb-cccc");
    assert_string_equal(m.v[0].adv.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_true(m.v[0].adv.cvss_score > 9.75 && m.v[0].adv.cvss_score < 9.85);
    assert_false(m.v[0].adv.informational);
    assert_string_equal(m.v[0].adv.modified, "2024-01-01T00:00:00Z");
    /* matches accumulate until released */
    assert_int_equal(deps_db_match(db, DEPS_ECO_CRATES, "oldcrate", "0.1.0", &m, &err), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[1].adv.id, "TEST-RUSTSEC-1");
    assert_true(m.v[1].adv.informational);
    assert_string_equal(m.v[1].adv.cvss_vector, "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_true(m.v[1].adv.cvss_score > 8.05 && m.v[1].adv.cvss_score < 8.15);
    assert_null(m.v[1].adv.db_severity);
    assert_int_equal(deps_db_match(db, DEPS_ECO_DEBIAN, "openssl", "1.0", &m, &err), 0);
    assert_int_equal(m.n, 3);
    /* a v4 vector is shown as given and not scored */
    assert_string_equal(m.v[2].adv.cvss_vector,
                        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert_true(m.v[2].adv.cvss_score < 0);
    assert_string_equal(m.v[2].adv.db_severity, "HIGH");
    assert_int_equal(deps_db_match(db, DEPS_ECO_PYPI, "foo-bar-baz", "1.0", &m, &err), 0);
    assert_int_equal(m.n, 4);
    assert_string_equal(m.v[3].adv.summary, "No summary: the first line of details stands in.");
    assert_null(m.v[3].adv.cvss_vector);
    assert_true(m.v[3].adv.cvss_score < 0);
    assert_int_equal(m.v[3].adv.naliases, 0);
    assert_null(m.v[3].adv.aliases[0]);
    deps_matches_release(&m);
}

static void test_no_version(void **state)
{
    (void)state;
    assert_string_equal(hits(DEPS_ECO_NPM, "left-pad", ""), "");
    assert_string_equal(hits(DEPS_ECO_NPM, "", "1.0.0"), "");
}

static int encode_file(const char *name, struct moat_err *err)
{
    struct moat_buf text = MOAT_BUF_INIT(1u << 20), rec = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    char *path = moat_asprintf(BAD "%s", name);
    int rc;

    assert_int_equal(moat_fs_read(path, &text, NULL), 0);
    rc = deps_osv_encode_text(text.data, text.len, &rec, err);
    if (rc != 0)
        assert_int_equal(rec.len, 0); /* nothing half-written */
    moat_buf_release(&text);
    moat_buf_release(&rec);
    free(path);
    return rc;
}

static int encode_str(const char *s, struct moat_err *err)
{
    struct moat_buf rec = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    int rc = deps_osv_encode_text(s, strlen(s), &rec, err);

    moat_buf_release(&rec);
    return rc;
}

static void test_invalid_records(void **state)
{
    struct moat_err err = { 0, "" };
    char *deep;
    size_t n = 0;

    (void)state;
    assert_int_equal(encode_file("truncated.json", &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "not valid JSON"));
    assert_int_equal(encode_file("two-key-event.json", &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "TEST-BAD-EVENT"));
    assert_non_null(strstr(err.msg, "affected[0].ranges[0].events[0]"));
    assert_int_equal(encode_file("no-id.json", &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "id"));
    assert_int_equal(encode_str("[]", &err), MOAT_EPARSE);
    assert_int_equal(encode_str("{\"id\": \"A B\", \"modified\": \"2024-01-01T00:00:00Z\"}", &err),
                     MOAT_EPARSE);
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                                "\"affected\": {}}",
                                &err),
                     MOAT_EPARSE);
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                                "\"affected\": [{\"package\": {\"ecosystem\": \"npm\"}}]}",
                                &err),
                     MOAT_EPARSE);
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                                "\"affected\": [{\"package\": {\"ecosystem\": \"npm\", \"name\": "
                                "\"x\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": "
                                "[{\"introduced\": \"\"}]}]}]}",
                                &err),
                     MOAT_EPARSE);
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                                "\"affected\": [{\"package\": {\"ecosystem\": \"npm\", \"name\": "
                                "\"x\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": "
                                "[{\"patched\": \"1.0.0\"}]}]}]}",
                                &err),
                     MOAT_EPARSE);
    /* duplicate keys are refused rather than resolved silently */
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"id\": \"X-2\", \"modified\": "
                                "\"2024-01-01T00:00:00Z\"}",
                                &err),
                     MOAT_EPARSE);
    /* nesting over DEPS_MAX_DEPTH is refused before parsing */
    deep = moat_malloc(4096);
    n += (size_t)snprintf(deep, 4096,
                          "{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                          "\"x\": ");
    for (int i = 0; i < DEPS_MAX_DEPTH + 5; i++)
        deep[n++] = '[';
    for (int i = 0; i < DEPS_MAX_DEPTH + 5; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    assert_int_equal(encode_str(deep, &err), MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "nested"));
    free(deep);
    /* a bracket inside a string does not count as nesting */
    assert_int_equal(encode_str("{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\", "
                                "\"summary\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}",
                                &err),
                     0);
}

static void test_record_limits(void **state)
{
    struct moat_buf rec = MOAT_BUF_INIT(256); /* a record cap far below the advisory */
    struct moat_err err = { 0, "" };
    struct moat_buf text = MOAT_BUF_INIT(1u << 20);
    json_t *j = json_object(), *aff = json_array();

    (void)state;
    assert_int_equal(moat_fs_read(GOOD "/multi-range.json", &text, NULL), 0);
    assert_int_equal(deps_osv_encode_text(text.data, text.len, &rec, &err), MOAT_ETOOBIG);
    assert_int_equal(rec.len, 0);
    assert_non_null(strstr(err.msg, "TEST-MULTI-1"));
    /* too many affected entries */
    for (int i = 0; i <= DEPS_OSV_MAX_AFFECTED; i++)
        assert_int_equal(json_array_append_new(aff, json_object()), 0);
    assert_int_equal(json_object_set_new(j, "id", json_string("X-1")), 0);
    assert_int_equal(json_object_set_new(j, "modified", json_string("2024-01-01T00:00:00Z")), 0);
    assert_int_equal(json_object_set_new(j, "affected", aff), 0);
    assert_int_equal(deps_osv_encode(j, &rec, &err), MOAT_ETOOBIG);
    json_decref(j);
    moat_buf_release(&rec);
    moat_buf_release(&text);
}

/* A stored record is checked once; damage anywhere in it is refused. */
static void test_decode_damage(void **state)
{
    struct moat_buf text = MOAT_BUF_INIT(1u << 20), rec = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    struct moat_err err = { 0, "" };
    struct deps_rec r;
    unsigned char *copy;

    (void)state;
    assert_int_equal(moat_fs_read(GOOD "/multi-range.json", &text, NULL), 0);
    assert_int_equal(deps_osv_encode_text(text.data, text.len, &rec, &err), 0);
    assert_int_equal(deps_rec_decode((unsigned char *)rec.data, rec.len, &r), 0);
    assert_string_equal(r.id, "TEST-MULTI-1");
    assert_int_equal(r.naffected, 3);
    copy = moat_malloc(rec.len);
    /* every truncation fails */
    for (size_t n = 0; n < rec.len; n++) {
        memcpy(copy, rec.data, n);
        if (deps_rec_decode(copy, n, &r) == 0)
            fail_msg("a record cut to %zu of %zu bytes was accepted", n, rec.len);
    }
    /* each single byte set to 0xff either fails or still decodes in bounds */
    for (size_t i = 0; i < rec.len; i++) {
        memcpy(copy, rec.data, rec.len);
        copy[i] = 0xff;
        if (deps_rec_decode(copy, rec.len, &r) == 0) {
            const unsigned char *p = r.affected;
            for (size_t k = 0; k < r.naffected; k++) {
                struct deps_rec_affected a;
                bool hit;
                deps_rec_affected_next(&p, &a);
                assert_true(a.end <= copy + rec.len);
                deps_osv_affected_eval(DEPS_ECO_NPM, &a, "1.0.1", &hit, NULL, NULL);
            }
        }
    }
    free(copy);
    moat_buf_release(&text);
    moat_buf_release(&rec);
}

static void test_times(void **state)
{
    struct deps_osv_time a, b;
    char out[32];

    (void)state;
    assert_int_equal(deps_osv_time_parse("2024-02-16T08:07:52.686694Z", &a), 0);
    assert_int_equal(deps_osv_time_parse("2024-02-16T08:07:52Z", &b), 0);
    /* byte order would put ".6Z" before "Z": the parsed order does not */
    assert_int_equal(deps_osv_time_cmp(&a, &b), 1);
    deps_osv_time_format(&a, out, sizeof(out));
    assert_string_equal(out, "2024-02-16T08:07:52Z");
    assert_int_equal(deps_osv_time_parse("2024-02-16T10:07:52+02:00", &a), 0);
    assert_int_equal(deps_osv_time_cmp(&a, &b), 0);
    assert_int_equal(deps_osv_time_parse("1970-01-01T00:00:00Z", &a), 0);
    assert_true(a.sec == 0);
    assert_int_equal(deps_osv_time_parse("2000-02-29T23:59:59Z", &a), 0);
    deps_osv_time_format(&a, out, sizeof(out));
    assert_string_equal(out, "2000-02-29T23:59:59Z");
    /* near misses found in published data */
    assert_int_equal(deps_osv_time_parse("2015-07-24T0:41:41Z", &a), 0);
    deps_osv_time_format(&a, out, sizeof(out));
    assert_string_equal(out, "2015-07-24T00:41:41Z");
    assert_int_equal(deps_osv_time_parse("2015-05-29T12:53:14T+1200Z", &a), 0);
    deps_osv_time_format(&a, out, sizeof(out));
    assert_string_equal(out, "2015-05-29T00:53:14Z");
    assert_int_equal(deps_osv_time_parse("2017-11-1T19:02:00Z", &a), 0);
    /* and what is not a time */
    assert_int_equal(deps_osv_time_parse("nullZ", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("2023-02-29T00:00:00Z", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("2024-13-01T00:00:00Z", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("2024-01-01T00:00:00", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("2024-01-01T00:00:00Zjunk", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("2024-01-01", &a), MOAT_EPARSE);
    assert_int_equal(deps_osv_time_parse("", &a), MOAT_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_introduced_fixed),
        cmocka_unit_test(test_introduced_zero),
        cmocka_unit_test(test_last_affected),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_multiple_ranges),
        cmocka_unit_test(test_versions_list),
        cmocka_unit_test(test_pypi_ecosystem_and_names),
        cmocka_unit_test(test_semver_vs_ecosystem),
        cmocka_unit_test(test_withdrawn_and_git),
        cmocka_unit_test(test_ecosystem_suffix),
        cmocka_unit_test(test_advisory_fields),
        cmocka_unit_test(test_no_version),
        cmocka_unit_test(test_invalid_records),
        cmocka_unit_test(test_record_limits),
        cmocka_unit_test(test_decode_damage),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
