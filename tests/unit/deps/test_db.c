/* Unit tests for src/scan/deps/db.c and db_import.c: the store's path,
 * import from every input form (.json, .jsonl, .jsonl.gz, directory tree,
 * zip), invalid records and inputs, idempotent re-import and the newest
 * `modified` winning, damage to the store at every place, and the shared
 * osv.dev subset (../shared/osv) against its expected findings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "core/banned.h"

#define DATA   "tests/data/deps/osv/"
#define SHARED "../shared/osv/"
#define NGOOD  13 /* advisories in good/ */

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    assert_int_equal(moat_snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-db.XXXXXX"), 0);
    assert_non_null(mkdtemp(tmpdir));
    moat_log_set_level(MOAT_LOG_ERROR); /* the invalid records are warned about */
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    return 0;
}

static char *tmp(const char *name)
{
    return moat_asprintf("%s/%s", tmpdir, name);
}

static int import1(const char *db, const char *input, struct moat_db_import_stats *st,
                   struct moat_err *err)
{
    const char *in[1] = { input };
    return moat_db_import(db, in, 1, st, err);
}

/* ---- the path ---- */

static void test_default_path(void **state)
{
    char *p;

    (void)state;
    assert_int_equal(setenv("MOAT_DB", "/x/custom.db", 1), 0);
    assert_int_equal(setenv("XDG_DATA_HOME", "/xdg", 1), 0);
    assert_int_equal(setenv("HOME", "/home/u", 1), 0);
    p = moat_db_default_path();
    assert_string_equal(p, "/x/custom.db");
    free(p);
    assert_int_equal(setenv("MOAT_DB", "", 1), 0);
    p = moat_db_default_path();
    assert_string_equal(p, "/xdg/moat/osv.db");
    free(p);
    /* XDG says a relative XDG_DATA_HOME is ignored */
    assert_int_equal(setenv("XDG_DATA_HOME", "rel", 1), 0);
    p = moat_db_default_path();
    assert_string_equal(p, "/home/u/.local/share/moat/osv.db");
    free(p);
    assert_int_equal(unsetenv("XDG_DATA_HOME"), 0);
    assert_int_equal(unsetenv("HOME"), 0);
    assert_null(moat_db_default_path());
    assert_int_equal(unsetenv("MOAT_DB"), 0);
}

/* ---- inputs ---- */

static void expect_good(const char *db)
{
    struct moat_db_status s;
    struct moat_err err = { 0, "" };
    size_t seen = 0;

    if (moat_db_status(db, &s, &err) != 0)
        fail_msg("status: %s", err.msg);
    assert_int_equal(s.advisories, NGOOD);
    assert_int_equal(s.withdrawn, 1);
    assert_string_equal(s.newest, "2024-01-13T00:00:00Z");
    for (size_t i = 0; i < s.neco; i++) {
        if (strcmp(s.eco[i].ecosystem, "npm") == 0) {
            assert_int_equal(s.eco[i].advisories, 6);
            seen++;
        } else if (strcmp(s.eco[i].ecosystem, "SwiftURL") == 0 ||
                   strcmp(s.eco[i].ecosystem, "Debian") == 0) {
            assert_int_equal(s.eco[i].advisories, 1);
            seen++;
        }
    }
    assert_int_equal(seen, 3);
    /* npm left-pad, zero-pkg, multi, listed, gitty; PyPI multi, foo-bar-baz,
     * typed; Maven h2; crates limited, oldcrate; Go mod; Debian openssl (the
     * withdrawn one and SwiftURL are not keys, gitty is) */
    assert_int_equal(s.packages, 13);
}

static void test_import_dir(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("dir.db");

    (void)state;
    if (import1(db, DATA "good", &st, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(st.files, NGOOD);
    assert_int_equal(st.advisories, NGOOD);
    assert_int_equal(st.added, NGOOD);
    assert_int_equal(st.skipped, 0);
    expect_good(db);
    free(db);
}

static void test_import_zip_and_gz(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("zip.db"), *db2 = tmp("gz.db");
    struct moat_buf a = MOAT_BUF_INIT(1u << 24), b = MOAT_BUF_INIT(1u << 24);

    (void)state;
    if (import1(db, DATA "packed/all.zip", &st, &err) != 0)
        fail_msg("%s", err.msg);
    /* README.txt is not a .json member; BAD-1.json is invalid */
    assert_int_equal(st.files, NGOOD + 1);
    assert_int_equal(st.added, NGOOD);
    assert_int_equal(st.skipped, 1);
    expect_good(db);
    if (import1(db2, DATA "packed/advisories.jsonl.gz", &st, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.added, NGOOD);
    expect_good(db2);
    /* the same advisories make the same bytes, whatever the input form */
    assert_int_equal(moat_fs_read(db, &a, NULL), 0);
    assert_int_equal(moat_fs_read(db2, &b, NULL), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    moat_buf_release(&a);
    moat_buf_release(&b);
    free(db);
    free(db2);
}

static void test_import_lines(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    struct deps_db *d = NULL;
    struct deps_matches m;
    char *db = tmp("lines.db");

    (void)state;
    if (import1(db, DATA "bad/mixed.jsonl", &st, &err) != 0)
        fail_msg("%s", err.msg);
    /* line 2 is not JSON, line 4 not an object, line 6 has a number for a
     * version; line 3 is blank */
    assert_int_equal(st.advisories, 6);
    assert_int_equal(st.added, 3);
    assert_int_equal(st.skipped, 3);
    assert_int_equal(deps_db_open(db, &d, &err), 0);
    /* line 7's modified time is unreadable: kept, not counted as newest */
    assert_string_equal(deps_db_newest(d), "2024-02-02T00:00:00Z");
    deps_matches_init(&m);
    assert_int_equal(deps_db_match(d, DEPS_ECO_NPM, "lines", "9.9.9", &m, &err), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.v[0].adv.id, "TEST-LINE-4");
    assert_int_equal(deps_db_match(d, DEPS_ECO_NPM, "lines", "0.5.0", &m, &err), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.v[1].adv.id, "TEST-LINE-1");
    deps_matches_release(&m);
    deps_db_free(d);
    free(db);
}

static void test_bad_inputs(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("bad.db"), *empty = tmp("empty.jsonl");
    FILE *f;
    struct stat sb;

    (void)state;
    /* a truncated single advisory: nothing valid in the input */
    assert_int_equal(import1(db, DATA "bad/truncated.json", &st, &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "bad/truncated.json"));
    assert_non_null(strstr(err.msg, "no valid OSV advisory"));
    /* a truncated gzip stream is damage, not a short file */
    assert_int_equal(import1(db, DATA "packed/truncated.jsonl.gz", &st, &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "truncated.jsonl.gz"));
    assert_non_null(strstr(err.msg, "gzip"));
    assert_int_equal(import1(db, DATA "no-such-file.json", &st, &err), MOAT_ENOENT);
    assert_non_null(strstr(err.msg, "no-such-file.json"));
    f = fopen(empty, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(import1(db, empty, &st, &err), MOAT_EPARSE);
    /* a failed import writes nothing */
    assert_int_equal(stat(db, &sb), -1);
    /* one bad input fails the whole import, good inputs included */
    {
        const char *in[2] = { DATA "good", DATA "bad/truncated.json" };
        assert_int_equal(moat_db_import(db, in, 2, &st, &err), MOAT_EPARSE);
        assert_int_equal(stat(db, &sb), -1);
    }
    assert_int_equal(moat_db_import(db, NULL, 0, &st, &err), MOAT_EINVAL);
    free(db);
    free(empty);
}

static void test_dir_tree(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("tree.db"), *root = tmp("tree"), *deep = NULL, *p;
    struct moat_buf text = MOAT_BUF_INIT(1u << 20);

    (void)state;
    assert_int_equal(moat_fs_read(DATA "good/semver-basic.json", &text, NULL), 0);
    assert_int_equal(mkdir(root, 0755), 0);
    p = moat_asprintf("%s/a", root);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
    p = moat_asprintf("%s/a/one.json", root);
    assert_int_equal(moat_fs_write(p, text.data, text.len, NULL), 0);
    free(p);
    /* hidden files, other names and symbolic links are left alone */
    p = moat_asprintf("%s/.hidden.json", root);
    assert_int_equal(moat_fs_write(p, "junk", 4, NULL), 0);
    free(p);
    p = moat_asprintf("%s/notes.txt", root);
    assert_int_equal(moat_fs_write(p, "junk", 4, NULL), 0);
    free(p);
    p = moat_asprintf("%s/link.json", root);
    assert_int_equal(symlink("/etc/passwd", p), 0);
    free(p);
    /* deeper than the limit: not followed */
    deep = moat_strdup(root);
    for (int i = 0; i < 20; i++) {
        char *next = moat_asprintf("%s/d", deep);
        assert_int_equal(mkdir(next, 0755), 0);
        free(deep);
        deep = next;
    }
    p = moat_asprintf("%s/deep.json", deep);
    assert_int_equal(moat_fs_write(p, "{", 1, NULL), 0);
    free(p);
    if (import1(db, root, &st, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.skipped, 0);
    moat_buf_release(&text);
    free(deep);
    free(root);
    free(db);
}

/* ---- re-import ---- */

static void test_reimport(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("re.db"), *newer = tmp("newer.json"), *older = tmp("older.json");
    struct moat_buf a = MOAT_BUF_INIT(1u << 24), b = MOAT_BUF_INIT(1u << 24);
    struct deps_db *d = NULL;
    struct deps_matches m;
    static const char newer_json[] =
        "{\"id\": \"TEST-SEMVER-1\", \"modified\": \"2024-06-01T00:00:00.5Z\", \"summary\": "
        "\"revised\", \"affected\": [{\"package\": {\"ecosystem\": \"npm\", \"name\": "
        "\"left-pad\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"introduced\": "
        "\"1.0.0\"}, {\"fixed\": \"1.3.0\"}]}]}]}";
    static const char older_json[] =
        "{\"id\": \"TEST-SEMVER-1\", \"modified\": \"2023-01-01T00:00:00Z\", \"summary\": "
        "\"stale\", \"affected\": []}";

    (void)state;
    assert_int_equal(import1(db, DATA "good", &st, &err), 0);
    assert_int_equal(moat_fs_read(db, &a, NULL), 0);
    /* the same input again: nothing changes, byte for byte */
    assert_int_equal(import1(db, DATA "good", &st, &err), 0);
    assert_int_equal(st.added + st.updated, 0);
    assert_int_equal(st.unchanged, NGOOD);
    assert_int_equal(moat_fs_read(db, &b, NULL), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* a newer version of one id replaces it */
    assert_int_equal(moat_fs_write(newer, newer_json, strlen(newer_json), NULL), 0);
    assert_int_equal(import1(db, newer, &st, &err), 0);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.added, 0);
    /* an older one does not */
    assert_int_equal(moat_fs_write(older, older_json, strlen(older_json), NULL), 0);
    assert_int_equal(import1(db, older, &st, &err), 0);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(deps_db_open(db, &d, &err), 0);
    assert_string_equal(deps_db_newest(d), "2024-06-01T00:00:00Z");
    assert_true(deps_db_newest_time(d) == 1717200000);
    deps_matches_init(&m);
    assert_int_equal(deps_db_match(d, DEPS_ECO_NPM, "left-pad", "1.2.5", &m, &err), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.v[0].adv.summary, "revised");
    assert_string_equal(m.v[0].fixed, "1.3.0");
    deps_matches_release(&m);
    deps_db_free(d);
    moat_buf_release(&a);
    moat_buf_release(&b);
    free(db);
    free(newer);
    free(older);
}

/* A failed write (MOAT_TEST_FAIL=fs_write:1) leaves the old store as it was
 * and no temporary file behind. */
static void test_write_failure(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("wf.db");
    struct moat_buf a = MOAT_BUF_INIT(1u << 24), b = MOAT_BUF_INIT(1u << 24);
    struct dirent *e;
    DIR *d;

    (void)state;
    assert_int_equal(import1(db, DATA "good/limit.json", &st, &err), 0);
    assert_int_equal(moat_fs_read(db, &a, NULL), 0);
    assert_int_equal(setenv("MOAT_TEST_FAIL", "fs_write:1", 1), 0);
    assert_int_equal(import1(db, DATA "good", &st, &err), MOAT_EIO);
    assert_int_equal(unsetenv("MOAT_TEST_FAIL"), 0);
    assert_non_null(strstr(err.msg, "injected"));
    assert_int_equal(moat_fs_read(db, &b, NULL), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    d = opendir(tmpdir);
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "wf.db.", 6) == 0) /* only wf.db and wf.db.lock */
            assert_string_equal(e->d_name, "wf.db.lock");
    closedir(d);
    moat_buf_release(&a);
    moat_buf_release(&b);
    free(db);
}

/* ---- damage ---- */

static void write_file(const char *path, const void *data, size_t len)
{
    assert_int_equal(moat_fs_write(path, data, len, NULL), 0);
}

static void test_damage(void **state)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    char *db = tmp("dmg.db"), *bad = tmp("dmg-copy.db");
    struct moat_buf img = MOAT_BUF_INIT(1u << 24);
    struct deps_db *d = NULL;
    struct deps_matches m;
    struct moat_db_status s;
    unsigned char *c;
    size_t rec_off;

    (void)state;
    assert_int_equal(import1(db, DATA "good", &st, &err), 0);
    assert_int_equal(moat_fs_read(db, &img, NULL), 0);
    c = moat_malloc(img.len);
    /* no store */
    assert_int_equal(deps_db_open(bad, &d, &err), MOAT_ENOENT);
    assert_non_null(strstr(err.msg, "moat db import"));
    assert_int_equal(moat_db_status(bad, &s, &err), MOAT_ENOENT);
    /* not a store at all */
    write_file(bad, "hello", 5);
    assert_int_equal(deps_db_open(bad, &d, &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "dmg-copy.db"));
    /* every truncation is caught at open */
    for (size_t n = 0; n < img.len; n += 97) {
        write_file(bad, img.data, n);
        if (deps_db_open(bad, &d, &err) != MOAT_EPARSE)
            fail_msg("a store cut to %zu bytes opened", n);
    }
    /* a flipped byte in the header or the index fails the open */
    rec_off = 0;
    for (size_t i = 0; i < img.len; i++) {
        int rc;
        memcpy(c, img.data, img.len);
        c[i] ^= 0x20;
        rc = deps_db_open_mem(c, img.len, "mem", &d, &err);
        if (rc == 0) {
            deps_db_free(d);
            if (!rec_off)
                rec_off = i; /* the first byte the open does not check */
            continue;
        }
        assert_int_equal(rc, MOAT_EPARSE);
        assert_non_null(strstr(err.msg, "mem"));
        assert_true(rec_off == 0); /* everything before the records is checked */
    }
    assert_true(rec_off > 256);
    /* in the records, the damage shows when the record is read, and in a
     * full check (status) */
    memcpy(c, img.data, img.len);
    for (size_t i = rec_off; i < img.len; i++)
        c[i] ^= 0x01;
    write_file(bad, c, img.len);
    assert_int_equal(deps_db_open(bad, &d, &err), 0);
    deps_matches_init(&m);
    assert_int_equal(deps_db_match(d, DEPS_ECO_NPM, "left-pad", "1.0.0", &m, &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "damaged"));
    assert_non_null(strstr(err.msg, "moat db import"));
    deps_matches_release(&m);
    assert_int_equal(deps_db_verify(d, &err), MOAT_EPARSE);
    deps_db_free(d);
    assert_int_equal(moat_db_status(bad, &s, &err), MOAT_EPARSE);
    /* an import onto a damaged store refuses to go on: it would lose data */
    assert_int_equal(import1(bad, DATA "good/limit.json", &st, &err), MOAT_EPARSE);
    assert_non_null(strstr(err.msg, "damaged"));
    free(c);
    moat_buf_release(&img);
    free(db);
    free(bad);
}

/* Damage with the checksums made right again (deps_db_reseal): what the
 * structural checks behind them catch, without crashing. */
static void test_resealed_damage(void **state)
{
    struct moat_err err = { 0, "" };
    struct moat_buf img = MOAT_BUF_INIT(1u << 24);
    struct moat_db_import_stats st;
    char *db = tmp("seal.db");
    unsigned char *c;
    static const char *const names[] = { "left-pad", "multi", "limited", "openssl", "zz" };

    (void)state;
    assert_int_equal(import1(db, DATA "good", &st, &err), 0);
    assert_int_equal(moat_fs_read(db, &img, NULL), 0);
    c = moat_malloc(img.len);
    /* the format version is checked before anything else */
    memcpy(c, img.data, img.len);
    c[8] = 2;
    deps_db_reseal(c, img.len);
    {
        struct deps_db *d = NULL;
        assert_int_equal(deps_db_open_mem(c, img.len, "v2", &d, &err), MOAT_EPARSE);
        assert_non_null(strstr(err.msg, "format 2"));
    }
    for (size_t i = 0; i < img.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            struct deps_db *d = NULL;
            memcpy(c, img.data, img.len);
            c[i] ^= (unsigned char)(1u << bit);
            deps_db_reseal(c, img.len);
            if (deps_db_open_mem(c, img.len, "mem", &d, &err) != 0)
                continue;
            for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                for (int e = 0; e < DEPS_ECO_COUNT; e++) {
                    struct deps_matches m;
                    deps_matches_init(&m);
                    if (deps_db_match(d, (enum deps_eco)e, names[k], "1.0.1", &m, &err) != 0)
                        assert_non_null(strstr(err.msg, "damaged"));
                    deps_matches_release(&m);
                }
            }
            deps_db_free(d);
        }
    }
    free(c);
    moat_buf_release(&img);
    free(db);
}

/* ---- the shared osv.dev subset ---- */

static bool have_shared(void)
{
    struct stat sb;
    return stat(SHARED "advisories.jsonl.gz", &sb) == 0;
}

static void test_shared_import(void **state)
{
    struct moat_db_import_stats st;
    struct moat_db_status s;
    struct moat_err err = { 0, "" };
    char *db = tmp("shared.db");
    double t0;

    (void)state;
    if (!have_shared()) {
        skip();
        return;
    }
    t0 = moat_now();
    if (import1(db, SHARED "advisories.jsonl.gz", &st, &err) != 0)
        fail_msg("%s", err.msg);
    print_message("# imported %zu advisories in %.2f s\n", st.added, moat_now() - t0);
    assert_int_equal(st.advisories, 11573);
    assert_int_equal(st.added, 11573);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(moat_db_status(db, &s, &err), 0);
    assert_int_equal(s.advisories, 11573);
    assert_int_equal(s.withdrawn, 40);
    for (size_t i = 0; i < s.neco; i++)
        if (strcmp(s.eco[i].ecosystem, "crates.io") == 0)
            assert_int_equal(s.eco[i].advisories, 1206);
    free(db);
}

/* Every (ecosystem, package, version) of expected.json gets exactly the
 * advisory ids listed for it. */
static void test_shared_expected(void **state)
{
    struct moat_err err = { 0, "" };
    char *db = tmp("shared.db");
    struct deps_db *d = NULL;
    json_t *root, *files, *file, *f;
    json_error_t jerr;
    const char *fname;
    size_t i, checked = 0, triples = 0;

    (void)state;
    if (!have_shared()) {
        skip();
        return;
    }
    assert_int_equal(deps_db_open(db, &d, &err), 0);
    root = json_load_file(SHARED "lockfiles/expected.json", 0, &jerr);
    assert_non_null(root);
    files = json_object_get(root, "files");
    json_object_foreach(files, fname, file)
    {
        json_t *findings = json_object_get(file, "findings");
        json_array_foreach(findings, i, f)
        {
            const char *eco_s = json_string_value(json_object_get(f, "ecosystem"));
            const char *pkg = json_string_value(json_object_get(f, "package"));
            const char *ver = json_string_value(json_object_get(f, "version"));
            struct deps_matches m;
            enum deps_eco eco;
            size_t want = 0, k;
            json_t *g;

            assert_int_equal(deps_eco_parse(eco_s, strlen(eco_s), &eco), 0);
            /* only the first finding of each triple drives the check */
            json_array_foreach(findings, k, g)
            {
                if (strcmp(json_string_value(json_object_get(g, "package")), pkg) == 0 &&
                    strcmp(json_string_value(json_object_get(g, "version")), ver) == 0 &&
                    strcmp(json_string_value(json_object_get(g, "ecosystem")), eco_s) == 0) {
                    if (k < i)
                        break;
                    want++;
                }
            }
            if (k < i)
                continue;
            triples++;
            deps_matches_init(&m);
            if (deps_db_match(d, eco, pkg, ver, &m, &err) != 0)
                fail_msg("%s %s %s: %s", eco_s, pkg, ver, err.msg);
            for (size_t x = 0; x < m.n; x++) {
                bool listed = false;
                json_array_foreach(findings, k, g)
                {
                    listed =
                        listed ||
                        (strcmp(json_string_value(json_object_get(g, "package")), pkg) == 0 &&
                         strcmp(json_string_value(json_object_get(g, "version")), ver) == 0 &&
                         strcmp(json_string_value(json_object_get(g, "id")), m.v[x].adv.id) == 0);
                }
                if (!listed)
                    fail_msg("%s: %s %s@%s: %s reported, not expected", fname, eco_s, pkg, ver,
                             m.v[x].adv.id);
            }
            if (m.n != want)
                fail_msg("%s: %s %s@%s: %zu advisories, %zu expected", fname, eco_s, pkg, ver, m.n,
                         want);
            checked += m.n;
            deps_matches_release(&m);
        }
    }
    print_message("# %zu findings of %zu packages as expected\n", checked, triples);
    assert_true(checked > 200);
    json_decref(root);
    deps_db_free(d);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_import_dir),
        cmocka_unit_test(test_import_zip_and_gz),
        cmocka_unit_test(test_import_lines),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_dir_tree),
        cmocka_unit_test(test_reimport),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_resealed_damage),
        cmocka_unit_test(test_shared_import),
        cmocka_unit_test(test_shared_expected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
