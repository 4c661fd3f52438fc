/* Unit tests for what the deps analyzer (analyzer.c) does before a parser
 * sees a file: a UTF-8 byte order mark, which editors on Windows put at the
 * start of a lockfile, is skipped for every format (a go.sum read beside
 * its go.mod included), so the packages are those of the same file without
 * it. Checked end to end through moat_sbom_write, which runs the analyzer.
 * Runs from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include <moat/moat.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

#define DATA "tests/data/deps/lock/"
#define BOM  "\xef\xbb\xbf"

static char tmpdir[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(moat_snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-analyzer.XXXXXX"), 0);
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    return 0;
}

/* Copy src to dir/name, after a byte order mark when bom. */
static void put(const char *dir, const char *name, const char *src, bool bom)
{
    struct moat_buf in = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE), out = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    char *path = moat_asprintf("%s/%s", dir, name);
    struct moat_err err;

    if (moat_fs_read(src, &in, &err) != 0)
        fail_msg("cannot read %s: %s", src, err.msg);
    assert_int_equal(deps_bom_len((const unsigned char *)in.data, in.len), 0);
    if (bom)
        assert_int_equal(moat_buf_add(&out, BOM, 3), 0);
    assert_int_equal(moat_buf_add(&out, in.data, in.len), 0);
    if (moat_fs_write(path, out.data, out.len, &err) != 0)
        fail_msg("cannot write %s: %s", path, err.msg);
    free(path);
    moat_buf_release(&in);
    moat_buf_release(&out);
}

/* The components of the CycloneDX SBOM of dir. */
static json_t *components(const char *dir)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct moat_err err;
    json_error_t jerr;
    json_t *bom, *c;

    assert_non_null(f);
    if (moat_sbom_write(dir, MOAT_SBOM_CYCLONEDX, f, &err) != 0)
        fail_msg("sbom of %s: %s", dir, err.msg);
    assert_int_equal(fclose(f), 0);
    bom = json_loadb(text, len, 0, &jerr);
    if (!bom)
        fail_msg("sbom of %s: %s", dir, jerr.text);
    c = json_incref(json_object_get(bom, "components"));
    json_decref(bom);
    free(text);
    assert_true(json_is_array(c));
    return c;
}

static void test_bom_len(void **state)
{
    (void)state;
    assert_int_equal(deps_bom_len((const unsigned char *)BOM "{}", 5), 3);
    assert_int_equal(deps_bom_len((const unsigned char *)BOM, 3), 3);
    assert_int_equal(deps_bom_len((const unsigned char *)"\xef\xbb", 2), 0);
    assert_int_equal(deps_bom_len((const unsigned char *)"{}", 2), 0);
    assert_int_equal(deps_bom_len((const unsigned char *)"", 0), 0);
}

/* Every format: the same packages, hashes and relations with a BOM. */
static void test_bom_every_format(void **state)
{
    /* file name in the scan, fixture; a NULL name shares the previous dir */
    static const char *const files[][2] = {
        { "package-lock.json", DATA "npm/v3-workspaces.json" },
        { "yarn.lock", DATA "yarn/v1.lock" },
        { "yarn.lock", DATA "yarn/berry.lock" },
        { "pnpm-lock.yaml", DATA "pnpm/v9.yaml" },
        { "Cargo.lock", DATA "cargo/Cargo.lock" },
        { "Cargo.lock", DATA "cargo/Cargo-v1.lock" },
        { "go.mod", DATA "go/replace/go.mod" },
        { NULL, DATA "go/replace/go.sum" }, /* its hashes, read beside go.mod */
        { "go.sum", DATA "go/sumonly/go.sum" },
        { "Gemfile.lock", DATA "gem/Gemfile.lock" },
        { "composer.lock", DATA "composer/composer.lock" },
        { "requirements.txt", DATA "requirements/requirements-compiled.txt" },
        { "Pipfile.lock", DATA "pipenv/Pipfile.lock" },
        { "poetry.lock", DATA "poetry/v1/poetry.lock" },
        { "poetry.lock", DATA "poetry/v2/poetry.lock" },
        { "uv.lock", DATA "uv/uv.lock" },
        { "pdm.lock", DATA "pdm/pdm.lock" },
        { "pom.xml", DATA "maven/standalone/pom.xml" },
        { "gradle.lockfile", DATA "gradle/gradle.lockfile" },
        { "app.cdx.json", DATA "sbom/app.cdx.json" },
        { "app.spdx.json", DATA "sbom/app.spdx.json" },
        /* a *.json taken for an SBOM by its first bytes, after the BOM */
        { "inventory.json", DATA "sbom/inventory.json" },
    };
    char *plain = NULL, *bom = NULL;

    (void)state;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        const char *name = files[f][0] ? files[f][0] : strrchr(files[f][1], '/') + 1;
        json_t *a, *b;

        if (files[f][0]) {
            free(plain);
            free(bom);
            plain = moat_asprintf("%s/plain%zu", tmpdir, f);
            bom = moat_asprintf("%s/bom%zu", tmpdir, f);
            assert_int_equal(mkdir(plain, 0700), 0);
            assert_int_equal(mkdir(bom, 0700), 0);
        }
        put(plain, name, files[f][1], false);
        put(bom, name, files[f][1], true);
        if (f + 1 < sizeof(files) / sizeof(files[0]) && !files[f + 1][0])
            continue; /* the directory is not complete yet */
        a = components(plain);
        b = components(bom);
        if (json_array_size(a) == 0 || !json_equal(a, b))
            fail_msg("%s: %zu packages, %zu with a byte order mark", files[f][1],
                     json_array_size(a), json_array_size(b));
        json_decref(a);
        json_decref(b);
    }
    free(plain);
    free(bom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_len),
        cmocka_unit_test(test_bom_every_format),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
