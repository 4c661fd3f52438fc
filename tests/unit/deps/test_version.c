/* Tests for src/scan/deps/version*.c: every ordered pair of the public
 * version vectors in ../shared/osv/version-vectors (both directions), Go's
 * own rules, and the strings each ecosystem refuses. Vectors whose strings
 * the reference implementation itself rejects, or whose answer differs from
 * it, are listed below with the reason and checked for that answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

/* Tests run from the repository root; shared/ sits beside it. */
#define VECTORS "../shared/osv/version-vectors/"

/* Strings in the vectors that the ecosystem's reference refuses, so
 * deps_version_cmp gives MOAT_EINVAL for any pair holding one. */
static const struct {
    enum deps_eco eco;
    const char *v;
} refused[] = {
    /* SemVer 2.0 needs major.minor.patch: node-semver and the semver crate
     * refuse these (the vectors come from a lenient parser) */
    { DEPS_ECO_NPM, "999999999999999999999999999991" },
    { DEPS_ECO_NPM, "999999999999999999999999999999" },
    { DEPS_ECO_NPM, "1.1.3.4.5" },
    /* NuGet parses the numeric parts with System.Version: at most int32 */
    { DEPS_ECO_NUGET, "999999999999999999999999999991" },
    { DEPS_ECO_NUGET, "999999999999999999999999999999" },
    { DEPS_ECO_NUGET, "999999999999999999999999999991.999999999999999999999999999991."
                      "999999999999999999999999999991" },
    { DEPS_ECO_NUGET, "999999999999999999999999999999.999999999999999999999999999991."
                      "999999999999999999999999999991" },
    /* Gem::Version.correct? is false: a letter right after the number */
    { DEPS_ECO_RUBYGEMS, "1beta" },
    { DEPS_ECO_RUBYGEMS, "1gamma" },
    /* not PEP 440 (packaging.version.Version raises InvalidVersion); the
     * vectors keep them from the LegacyVersion days */
    { DEPS_ECO_PYPI, "-class.-jw.util.version.Version-" },
    { DEPS_ECO_PYPI, "-class.-jw.util.version.version-dev" },
    { DEPS_ECO_PYPI, "-class.-jw.util.version.version-pre" },
    { DEPS_ECO_PYPI, "-class.-jw.util.version.version-preview" },
    { DEPS_ECO_PYPI, "0.0.1-test1" },
    { DEPS_ECO_PYPI, "0.1-bulbasaur" },
    { DEPS_ECO_PYPI, "0.1-charmander" },
    { DEPS_ECO_PYPI, "0.3.1-p1" },
    { DEPS_ECO_PYPI, "0.3m1" },
    { DEPS_ECO_PYPI, "0.3m2" },
    { DEPS_ECO_PYPI, "0.3m3" },
    { DEPS_ECO_PYPI, "0.3m4" },
    { DEPS_ECO_PYPI, "0.3m5" },
    { DEPS_ECO_PYPI, "0.4.0-p1" },
    { DEPS_ECO_PYPI, "0.4m1" },
    { DEPS_ECO_PYPI, "0.4m2" },
    { DEPS_ECO_PYPI, "0.4m3" },
    { DEPS_ECO_PYPI, "0.4m4" },
    { DEPS_ECO_PYPI, "0.4m5" },
    { DEPS_ECO_PYPI, "0.5m1" },
    { DEPS_ECO_PYPI, "0.5m2" },
    { DEPS_ECO_PYPI, "0.5m3" },
    { DEPS_ECO_PYPI, "0.5m4" },
    { DEPS_ECO_PYPI, "0.5m5" },
    { DEPS_ECO_PYPI, "0.6m1" },
    { DEPS_ECO_PYPI, "0.6m2" },
    { DEPS_ECO_PYPI, "0.6m3" },
    { DEPS_ECO_PYPI, "0.6m4" },
    { DEPS_ECO_PYPI, "0.6m5" },
    { DEPS_ECO_PYPI, "0.6m6" },
    { DEPS_ECO_PYPI, "0.7.1.fix1" },
    { DEPS_ECO_PYPI, "0.7.10p1" },
    { DEPS_ECO_PYPI, "0.7.11p1" },
    { DEPS_ECO_PYPI, "0.7.11p2" },
    { DEPS_ECO_PYPI, "0.7.11p3" },
    { DEPS_ECO_PYPI, "0.7.4.svn.r2010" },
    { DEPS_ECO_PYPI, "0.8.1p1" },
    { DEPS_ECO_PYPI, "0.8.3p1" },
    { DEPS_ECO_PYPI, "0.8.4p1" },
    { DEPS_ECO_PYPI, "0.8.4p2" },
    { DEPS_ECO_PYPI, "0.8.6p1" },
    { DEPS_ECO_PYPI, "0.8.7p1" },
    { DEPS_ECO_PYPI, "0.9-doduo" },
    { DEPS_ECO_PYPI, "0.9-eevee" },
    { DEPS_ECO_PYPI, "0.9-fearow" },
    { DEPS_ECO_PYPI, "0.9-gyarados" },
    { DEPS_ECO_PYPI, "0.9-horsea" },
    { DEPS_ECO_PYPI, "0.9-ivysaur" },
    { DEPS_ECO_PYPI, "1.0beta6.1" },
    { DEPS_ECO_PYPI, "1.3.1-STAGING" },
    { DEPS_ECO_PYPI, "2.0.0-final" },
    { DEPS_ECO_PYPI, "2.0.1rc2-git" },
    { DEPS_ECO_PYPI, "2013-01-21T20:33:09+0100" },
    { DEPS_ECO_PYPI, "2013-01-23T17:11:52+0100" },
    { DEPS_ECO_PYPI, "2013-02-01T20:50:46+0100" },
    { DEPS_ECO_PYPI, "2013-02-02T19:59:03+0100" },
    { DEPS_ECO_PYPI, "2013-02-02T20:23:17+0100" },
    { DEPS_ECO_PYPI, "2013-02-08T17:40:57+0000" },
    { DEPS_ECO_PYPI, "2013-03-27T16:32:26+0100" },
    { DEPS_ECO_PYPI, "2013-05-09T12:47:53+0200" },
    { DEPS_ECO_PYPI, "2013-05-10T17:55:56+0200" },
    { DEPS_ECO_PYPI, "2013-05-14T20:16:05+0200" },
    { DEPS_ECO_PYPI, "2013-06-01T10:32:51+0200" },
    { DEPS_ECO_PYPI, "2013-07-19T09:11:08+0000" },
    { DEPS_ECO_PYPI, "2013-08-12T21:48:56+0200" },
    { DEPS_ECO_PYPI, "2013-09-11T19-27-10" },
    { DEPS_ECO_PYPI, "2013-12-23T17-51-15" },
    { DEPS_ECO_PYPI, "2014-01-12T15-52-10" },
    { DEPS_ECO_PYPI, "4.11-final" },
    { DEPS_ECO_PYPI, "5.0-final" },
    { DEPS_ECO_PYPI, "a3" },
    { DEPS_ECO_PYPI, "trunk" },
};

/* Vectors whose answer is not the reference implementation's; the test
 * checks the answer given here instead, and the reason says why. */
static const struct {
    enum deps_eco eco;
    const char *line;
    int want;
} disputed[] = {
    /* PHP 8.2's version_compare gives -1: a '#' after a dot is only a
     * separator to PHP, so this is 1.2.3 against 1.2.3.1; the vector follows
     * osv-scalibr's port, which keeps "#" as a part. (PHP also says -1 for
     * "1.2.3.# = 1.2.3" and "1.2.3.# = 1.2.3.#", not being an order with a
     * trailing separator; moat ignores one and agrees with the vectors.) */
    { DEPS_ECO_PACKAGIST, "1.2.3.# = 1.2.3.1", -1 },
    /* Maven 3.8.7's maven-artifact jar (run on each of these) gives 1, as
     * does the 3.9 ComparableVersion implemented here. The generated ones
     * come from Maven 3.8.6, before MNG-7644 made ".X1" order like "-X1"
     * (6.1.12.rc5 > 6.1.12rc1 since); "1-1 = 1-ga-1" follows the POM
     * reference's prose (ga dropped), not ComparableVersion, where
     * [1, [1]] > [1, [[1]]]. */
    { DEPS_ECO_MAVEN, "1-1 = 1-ga-1", 1 },
    { DEPS_ECO_MAVEN, "1.0.0-RC16 < 1.0.0.RC8-beta", 1 },
    { DEPS_ECO_MAVEN, "1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3", 1 },
    { DEPS_ECO_MAVEN, "2.9.0-1 < 2.9.0.RC1", 1 },
    { DEPS_ECO_MAVEN, "6.1.12.rc5 < 6.1.12rc1", 1 },
    { DEPS_ECO_MAVEN, "1.1.31.sec10 < 1.1.31_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.1.34.sec10 < 1.1.34_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.1.46.sec10 < 1.1.46_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.8.sec10_noneautotype < 1.2.8_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.31.sec10 < 1.2.31_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.48.sec10 < 1.2.48_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.50.sec10 < 1.2.50_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.54.sec10 < 1.2.54_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.57.sec10 < 1.2.57_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.60.sec10 < 1.2.60_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.2.67.sec10 < 1.2.67_noneautotype", 1 },
    { DEPS_ECO_MAVEN, "1.0.0rc0 < 1.0.beta8", 1 },
    { DEPS_ECO_MAVEN, "1.5.9.RC1 < 1.5.9-RC0", 1 },
    { DEPS_ECO_MAVEN, "1.1.0-01-glassfish < 1.1.0.Beta1", 1 },
};

struct tally {
    size_t checked, refused, disputed;
};

static bool is_refused(enum deps_eco eco, const char *v)
{
    /* npm and crates.io share one comparator, and so one list */
    if (eco == DEPS_ECO_CRATES)
        eco = DEPS_ECO_NPM;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (refused[i].eco == eco && strcmp(refused[i].v, v) == 0)
            return true;
    return false;
}

static bool find_disputed(enum deps_eco eco, const char *line, int *want)
{
    for (size_t i = 0; i < sizeof(disputed) / sizeof(disputed[0]); i++) {
        if (disputed[i].eco == eco && strcmp(disputed[i].line, line) == 0) {
            *want = disputed[i].want;
            return true;
        }
    }
    return false;
}

static int want_of(const char *op)
{
    if (strcmp(op, "<") == 0)
        return -1;
    if (strcmp(op, "=") == 0)
        return 0;
    if (strcmp(op, ">") == 0)
        return 1;
    fail_msg("unknown operator '%s'", op);
    return 2;
}

/* One "a op b" vector, in both directions. */
static void check_pair(enum deps_eco eco, const char *file, size_t lineno, const char *line,
                       const char *a, const char *op, const char *b, struct tally *t)
{
    int want = want_of(op), got = 7, back = 7, rc1, rc2;

    rc1 = deps_version_cmp(eco, a, b, &got);
    rc2 = deps_version_cmp(eco, b, a, &back);
    if (is_refused(eco, a) || is_refused(eco, b)) {
        if (rc1 != MOAT_EINVAL || rc2 != MOAT_EINVAL)
            fail_msg("%s:%zu: %s: expected MOAT_EINVAL, got %d/%d", file, lineno, line, rc1, rc2);
        t->refused++;
        return;
    }
    if (find_disputed(eco, line, &want))
        t->disputed++;
    if (rc1 != 0 || rc2 != 0)
        fail_msg("%s:%zu: %s: %s refused it (%d/%d)", file, lineno, line, deps_eco_name(eco), rc1,
                 rc2);
    if (got != want || back != -want)
        fail_msg("%s:%zu: %s: got %d, reversed %d", file, lineno, line, got, back);
    /* deps_semver_cmp is the same order for npm and crates.io */
    if (eco == DEPS_ECO_NPM) {
        assert_int_equal(deps_semver_cmp(a, b, &got), 0);
        assert_int_equal(got, want);
    }
    t->checked++;
}

static void run_file(enum deps_eco eco, const char *name, struct tally *t)
{
    struct moat_buf raw = MOAT_BUF_INIT(16u << 20);
    char *path = moat_asprintf(VECTORS "%s", name), *line, *next;
    size_t lineno = 0, before = t->checked + t->refused;

    if (moat_fs_read(path, &raw, NULL) != 0)
        fail_msg("cannot read %s (tests run from the repository root, beside ../shared)", path);
    for (line = raw.data; line && *line; line = next) {
        char *end, *a, *op, *b, *extra, copy[2 * DEPS_MAX_VERSION + 8];

        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        end = line + strlen(line);
        while (end > line && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        /* blank lines and "# " or "// " comments, including the vectors the
         * generators commented out as unsupported */
        if (!*line || *line == '#' || strncmp(line, "//", 2) == 0)
            continue;
        assert_true(strlen(line) < sizeof(copy));
        memcpy(copy, line, strlen(line) + 1);
        a = line;
        op = strchr(a, ' ');
        assert_non_null(op);
        *op++ = '\0';
        b = strchr(op, ' ');
        assert_non_null(b);
        *b++ = '\0';
        extra = strchr(b, ' ');
        if (extra)
            fail_msg("%s:%zu: more than three fields", path, lineno);
        check_pair(eco, name, lineno, copy, a, op, b, t);
    }
    /* every file holds vectors: an empty read would pass vacuously */
    assert_true(t->checked + t->refused > before);
    free(path);
    moat_buf_release(&raw);
}

static void run_eco(enum deps_eco eco, const char *const *files, size_t nexpect_min)
{
    struct tally t = { 0, 0, 0 };

    for (size_t i = 0; files[i]; i++)
        run_file(eco, files[i], &t);
    print_message("# %s: %zu vectors checked both ways (%zu of them disputed), %zu refused\n",
                  deps_eco_name(eco), t.checked, t.disputed, t.refused);
    assert_true(t.checked >= nexpect_min);
}

static void test_vectors_semver(void **state)
{
    static const char *const files[] = { "semver-versions.txt", NULL };

    (void)state;
    run_eco(DEPS_ECO_NPM, files, 80);
    run_eco(DEPS_ECO_CRATES, files, 80);
}

static void test_vectors_pypi(void **state)
{
    static const char *const files[] = { "pypi-versions.txt", "pypi-versions-generated.txt", NULL };

    (void)state;
    run_eco(DEPS_ECO_PYPI, files, 12000);
}

static void test_vectors_maven(void **state)
{
    static const char *const files[] = { "maven-versions.txt", "maven-versions-generated.txt",
                                         NULL };

    (void)state;
    run_eco(DEPS_ECO_MAVEN, files, 14000);
}

static void test_vectors_packagist(void **state)
{
    static const char *const files[] = { "packagist-versions.txt",
                                         "packagist-versions-generated.txt", NULL };

    (void)state;
    run_eco(DEPS_ECO_PACKAGIST, files, 10000);
}

static void test_vectors_rubygems(void **state)
{
    static const char *const files[] = { "rubygems-versions.txt", "rubygems-versions-generated.txt",
                                         NULL };

    (void)state;
    run_eco(DEPS_ECO_RUBYGEMS, files, 4000);
}

static void test_vectors_debian(void **state)
{
    static const char *const files[] = { "debian-versions.txt", "debian-versions-generated.txt",
                                         NULL };

    (void)state;
    run_eco(DEPS_ECO_DEBIAN, files, 14000);
}

static void test_vectors_nuget(void **state)
{
    static const char *const files[] = { "nuget-versions.txt", NULL };

    (void)state;
    run_eco(DEPS_ECO_NUGET, files, 30);
}

/* An ordering written as in the vector files, "a < b = c < d", checked for
 * every pair of its versions in both directions. */
static void check_chain(enum deps_eco eco, const char *chain)
{
    char buf[1024], *v[64], *save = NULL, *tok;
    int rank[64], r = 0;
    size_t n = 0;

    assert_true(strlen(chain) < sizeof(buf));
    memcpy(buf, chain, strlen(chain) + 1);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (strcmp(tok, "<") == 0) {
            r++;
        } else if (strcmp(tok, "=") != 0) {
            assert_true(n < 64);
            rank[n] = r;
            v[n++] = tok;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int want = (rank[i] > rank[j]) - (rank[i] < rank[j]), got = 7;
            if (deps_version_cmp(eco, v[i], v[j], &got) != 0)
                fail_msg("%s: %s or %s refused", deps_eco_name(eco), v[i], v[j]);
            if (got != want)
                fail_msg("%s: %s vs %s: got %d, want %d", deps_eco_name(eco), v[i], v[j], got,
                         want);
        }
    }
}

static void test_go(void **state)
{
    int c = 7;

    (void)state;
    /* pseudo-versions are prereleases, ordered by their timestamp: of no
     * tag yet (v0.0.0-), after a release (vX.Y.(Z+1)-0.), after a
     * prerelease (vX.Y.Z-pre.0.) */
    check_chain(DEPS_ECO_GO, "v0.0.0-20191109021931-daa7c04131f5 < "
                             "v0.0.0-20200101000000-000000000000 < v0.0.0 < v0.1.0 < "
                             "v1.2.3-pre < v1.2.3-pre.0.20191109021931-daa7c04131f5 < v1.2.3 < "
                             "v1.2.4-0.20191109021931-daa7c04131f5 < "
                             "v1.2.4-0.20200101000000-000000000000 < v1.2.4");
    /* +incompatible is build metadata; v1 and v1.2 are Go shorthands */
    check_chain(DEPS_ECO_GO, "v1 = v1.0 = v1.0.0 < v1.2 = v1.2.0 < v1.10.0 < "
                             "v2.0.0+incompatible = v2.0.0 < v3.0.0-rc.1+incompatible < v3.0.0");
    check_chain(DEPS_ECO_GO, "v1.0.0-alpha < v1.0.0-alpha.1 < v1.0.0-alpha.beta < v1.0.0-beta < "
                             "v1.0.0-beta.2 < v1.0.0-beta.11 < v1.0.0-rc.1 < v1.0.0");
    static const char *const bad[] = { "1.2.3",   "V1.2.3",   "v1.2.3.4", "v01.2.3",
                                       "v1.02.3", "v1.2-pre", "v1-pre",   "v1.2.3-01",
                                       "v1.2.3-", "v1.2.3+",  "v",        "v1.2.3-a..b",
                                       "v1.",     "v1.2.",    "v1.2.3 ",  "vv1.2.3" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (deps_version_cmp(DEPS_ECO_GO, bad[i], "v1.0.0", &c) != MOAT_EINVAL ||
            deps_version_cmp(DEPS_ECO_GO, "v1.0.0", bad[i], &c) != MOAT_EINVAL)
            fail_msg("Go accepted '%s'", bad[i]);
    }
    /* OSV writes Go ranges without the "v"; its SEMVER order takes both */
    assert_int_equal(deps_semver_cmp("0.0.0-20191109021931-daa7c04131f5", "v0.0.0", &c), 0);
    assert_int_equal(c, -1);
    assert_int_equal(deps_semver_cmp("1.2.3", "v1.2.3+incompatible", &c), 0);
    assert_int_equal(c, 0);
}

static void test_semver(void **state)
{
    (void)state;
    check_chain(DEPS_ECO_NPM, "0.0.0-0 < 0.0.0 < 0.0.1 < 0.1.0 < 1.0.0-0 < 1.0.0-0.0 < "
                              "1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0--- < 1.0.0-A < 1.0.0-a < "
                              "1.0.0-a.0 < 1.0.0-a.a < 1.0.0 = v1.0.0 = 1.0.0+build.01 < 1.0.1 < "
                              "1.10.0 < 2.0.0");
    /* numbers of any length, compared by value without overflow */
    check_chain(DEPS_ECO_CRATES, "18446744073709551615.0.0 < 18446744073709551616.0.0 < "
                                 "99999999999999999999999999999999.0.0 < "
                                 "100000000000000000000000000000000.0.0");
}

static void test_pypi(void **state)
{
    (void)state;
    /* every spelling PEP 440 normalizes, in one ordering */
    check_chain(DEPS_ECO_PYPI,
                "1.0.dev0 = 1.0-dev = 1.0_DEV_0 = 1.0dev < 1.0.dev1 < 1.0a0.dev1 < 1.0a0 < "
                "1.0a1 = 1.0.alpha.1 = 1.0-ALPHA_1 = 1.0a.1 = 1.0A1 < 1.0a1.post0.dev0 < "
                "1.0a1.post0 < 1.0b1 = 1.0beta1 = 1.0.b-1 < 1.0rc1 = 1.0c1 = 1.0pre1 = "
                "1.0preview1 = 1.0-RC-1 < 1.0rc2 < 1.0 = 1.0.0 = 1.0.0.0 = v1.0 = V1.0.0 = "
                "0!1.0 < 1.0+abc < 1.0+abc.1 < 1.0+1 = 1.0+01 < 1.0+1.a < 1.0+1.1 < "
                "1.0.post0.dev1 < 1.0.post0 = 1.0.post = 1.0-0 = 1.0.rev0 = 1.0r < 1.0.post1 = "
                "1.0-1 = 1.0post1 = 1.0_r_1 = 1.0.REV.1 < 1.0.1 < 1.1.dev0 < 1.1 < 2 < "
                "99999999999999999999999999 < 1!0.0.1 < 2!0.dev0");
    check_chain(DEPS_ECO_PYPI, "1.0+Ubuntu.1 = 1.0+ubuntu-1 = 1.0+ubuntu_1 < 1.0+ubuntu.2");
    /* surrounding whitespace is allowed, as packaging allows it */
    int c = 7;
    assert_int_equal(deps_version_cmp(DEPS_ECO_PYPI, "  1.0a1\t", "1.0a1", &c), 0);
    assert_int_equal(c, 0);
}

static void test_maven(void **state)
{
    (void)state;
    /* ComparableVersion's qualifier order; ga, final, release are no
     * qualifier, unknown ones sort after sp, numbers after qualifiers */
    check_chain(DEPS_ECO_MAVEN,
                "1.0-alpha-1 = 1.0a1 = 1.0-ALPHA1 < 1.0-beta-1 = 1.0b1 < 1.0-milestone-1 = "
                "1.0m1 < 1.0-rc-1 = 1.0-cr-1 = 1.0RC1 < 1.0-SNAPSHOT < 1.0 = 1 = 1.0.0 = "
                "1.0-ga = 1.0-final = 1.0-release = 1.0-0 = 01.0 < 1.0-sp < 1.0-abc < 1.0-zzz "
                "< 1.0-1 < 1.0-1.1 < 1.0.1 < 1.1");
    /* MNG-7644: 1.0.RC2 < 1.0-RC3 < 1.0.1, for any qualifier */
    check_chain(DEPS_ECO_MAVEN, "2.0.RC2 < 2.0-RC3 < 2.0.1");
    check_chain(DEPS_ECO_MAVEN, "999999999 < 1000000000 < 999999999999999999 < "
                                "1000000000000000000 < 123456789012345678901234567890");
}

static void test_packagist(void **state)
{
    int c = 7;

    (void)state;
    /* version_compare's special forms; a number weighs between RC and pl */
    check_chain(DEPS_ECO_PACKAGIST,
                "1.0.0-foo = 1.0.0-Dev < 1.0.0-dev < 1.0.0-alpha1 = 1.0.0a1 = 1.0.0.a.1 < "
                "1.0.0-beta1 = 1.0.0b1 < 1.0.0-RC1 = 1.0.0rc1 = v1.0.0-RC1 < 1.0.0 = V1.0.0 = "
                "1.0.0. = 1.0.0- < 1.0.0.1 < 1.0.0-pl1 = 1.0.0-patch1 = 1.0.0p1 < 1.0.1");
    /* PHP, not Composer: no padding, and a longer release is newer */
    check_chain(DEPS_ECO_PACKAGIST, "1 < 1.0 < 1.0.0 < 1.0.0.0");
    check_chain(DEPS_ECO_PACKAGIST, "dev-master < 0.1 < 99999999999999999999 < "
                                    "100000000000000000000");
    /* "v" is dropped only before a digit */
    assert_int_equal(deps_version_cmp(DEPS_ECO_PACKAGIST, "vfoo", "v1", &c), 0);
    assert_int_equal(c, -1);
}

static void test_rubygems(void **state)
{
    int c = 7;

    (void)state;
    /* a string segment makes a prerelease; "-" reads as ".pre." */
    check_chain(DEPS_ECO_RUBYGEMS, "1.0.a = 1.0a < 1.0.a.1 = 1.0.a1 < 1.0.b < 1.0.pre < "
                                   "1.0-1 = 1.0.pre.1 < 1.0.rc1 < 1.0 = 1 = 1.0.0 = 01 < 1.0.1 < "
                                   "1.10 < 99999999999999999999999");
    /* segments compare as Ruby strings, case and all */
    check_chain(DEPS_ECO_RUBYGEMS, "1.A < 1.Z < 1.a < 1.z < 1");
    assert_int_equal(deps_version_cmp(DEPS_ECO_RUBYGEMS, " 1.0 ", "1", &c), 0);
    assert_int_equal(c, 0);
}

static void test_debian(void **state)
{
    (void)state;
    /* '~' before everything, even the end; letters before other marks */
    check_chain(DEPS_ECO_DEBIAN, "1.0~~ < 1.0~~a < 1.0~ < 1.0~beta1 < 1.0 = 0:1.0 = 1.0-0 = "
                                 "1.0-00 < 1.0-1~deb10u1 < 1.0-1 < 1.0-1a < 1.0-1+deb10u1 < "
                                 "1.0-2 < 1.0-10 < 1.0a < 1.0+ < 1.0. < 1.0.1 < 1.00001.1 < "
                                 "1:0.1 < 2147483647:0");
    /* hyphens in the upstream part when a revision follows; the last one
     * splits, and colons are allowed once an epoch is given */
    check_chain(DEPS_ECO_DEBIAN, "1:2.0-rc1-1 < 1:2.0-rc1-2 < 1:2.0:x-1 < 1:2.01-1");
}

static void test_nuget(void **state)
{
    (void)state;
    check_chain(DEPS_ECO_NUGET,
                "1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0-ALPHA = 1.0.0-alpha = 1.0.0-Alpha+x < "
                "1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.1 < 1.0.0 = 1.0 = 1 = 1.0.0.0 = "
                "1.0.0+build = 01.00.000 < 1.0.0.1-alpha < 1.0.0.1 < 1.0.1 < 2147483647.0");
    /* Int32.TryParse reads a label "-1" as minus one, before "0"; digits
     * past int32 make a label text */
    check_chain(DEPS_ECO_NUGET, "1.0.0--2 < 1.0.0--1 < 1.0.0-0 < 1.0.0-2147483647 < 1.0.0--x < "
                                "1.0.0-2147483648 < 1.0.0-a");
}

/* What every ecosystem refuses: nothing, too much, and non-versions. */
static void test_invalid(void **state)
{
    static const struct {
        enum deps_eco eco;
        const char *v;
    } bad[] = {
        { DEPS_ECO_NPM, "1.2" },
        { DEPS_ECO_NPM, "1.2.3.4" },
        { DEPS_ECO_NPM, "01.2.3" },
        { DEPS_ECO_NPM, "1.2.3-" },
        { DEPS_ECO_NPM, "1.2.3-01" },
        { DEPS_ECO_NPM, "1.2.3-a..b" },
        { DEPS_ECO_NPM, "1.2.3+" },
        { DEPS_ECO_NPM, "1.2.3+a_b" },
        { DEPS_ECO_NPM, "=1.2.3" },
        { DEPS_ECO_NPM, " 1.2.3" },
        { DEPS_ECO_NPM, "latest" },
        { DEPS_ECO_CRATES, "1.2.3 " },
        { DEPS_ECO_CRATES, "^1.2.3" },
        { DEPS_ECO_PYPI, "1.0-" },
        { DEPS_ECO_PYPI, "1.0." },
        { DEPS_ECO_PYPI, "1..0" },
        { DEPS_ECO_PYPI, "1.0+" },
        { DEPS_ECO_PYPI, "1.0+a..b" },
        { DEPS_ECO_PYPI, "1.0+a b" },
        { DEPS_ECO_PYPI, "!1.0" },
        { DEPS_ECO_PYPI, "1!" },
        { DEPS_ECO_PYPI, "1.0a1a1" },
        { DEPS_ECO_PYPI, "1.0_final" },
        { DEPS_ECO_PYPI, "1.0.post1.post2" },
        { DEPS_ECO_PYPI, "1.0.dev1.a1" },
        { DEPS_ECO_PYPI, "vv1.0" },
        { DEPS_ECO_PYPI, "latest" },
        { DEPS_ECO_RUBYGEMS, "1.0." },
        { DEPS_ECO_RUBYGEMS, "1..0" },
        { DEPS_ECO_RUBYGEMS, "a1" },
        { DEPS_ECO_RUBYGEMS, "1.0-" },
        { DEPS_ECO_RUBYGEMS, "1.0-a..b" },
        { DEPS_ECO_RUBYGEMS, "1 0" },
        { DEPS_ECO_RUBYGEMS, "-1" },
        { DEPS_ECO_RUBYGEMS, "1.0_1" },
        { DEPS_ECO_RUBYGEMS, "   " },
        { DEPS_ECO_PACKAGIST, "#1" },
        { DEPS_ECO_PACKAGIST, "1.5#" },
        { DEPS_ECO_PACKAGIST, "1#2" },
        { DEPS_ECO_PACKAGIST, "1 0" },
        { DEPS_ECO_PACKAGIST, "1.0\t" },
        { DEPS_ECO_PACKAGIST, "1.0\x01" },
        { DEPS_ECO_PACKAGIST, "1.0\xc3\xa9" },
        { DEPS_ECO_MAVEN, "1 0" },
        { DEPS_ECO_MAVEN, "1.0\n" },
        { DEPS_ECO_MAVEN, "1.0-\xc3\xa9" },
        { DEPS_ECO_DEBIAN, "a1.0" },
        { DEPS_ECO_DEBIAN, "1.0-" },
        { DEPS_ECO_DEBIAN, "1:" },
        { DEPS_ECO_DEBIAN, ":1.0" },
        { DEPS_ECO_DEBIAN, "x:1.0" },
        { DEPS_ECO_DEBIAN, "-1:1.0" },
        { DEPS_ECO_DEBIAN, "2147483648:1.0" },
        { DEPS_ECO_DEBIAN, "1.0 2" },
        { DEPS_ECO_DEBIAN, "1.0_1" },
        { DEPS_ECO_DEBIAN, "1.0-1:2" },
        { DEPS_ECO_DEBIAN, "1.0-1_2" },
        { DEPS_ECO_DEBIAN, "-1" },
        { DEPS_ECO_DEBIAN, " \t" },
        { DEPS_ECO_NUGET, "1.2.3.4.5" },
        { DEPS_ECO_NUGET, "1.0-" },
        { DEPS_ECO_NUGET, "1.0+" },
        { DEPS_ECO_NUGET, "1.0-01" },
        { DEPS_ECO_NUGET, "1.0-a..b" },
        { DEPS_ECO_NUGET, "1.0-a_b" },
        { DEPS_ECO_NUGET, "v1.0" },
        { DEPS_ECO_NUGET, ".1" },
        { DEPS_ECO_NUGET, "1..0" },
        { DEPS_ECO_NUGET, "1." },
        { DEPS_ECO_NUGET, "2147483648.0" },
        { DEPS_ECO_NUGET, "1.0-+x" },
    };
    char *huge = moat_malloc(DEPS_MAX_VERSION + 2);
    int c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *good = bad[i].eco == DEPS_ECO_GO ? "v1.0.0" : "1.0.0";
        c = 7;
        if (deps_version_cmp(bad[i].eco, bad[i].v, good, &c) != MOAT_EINVAL ||
            deps_version_cmp(bad[i].eco, good, bad[i].v, &c) != MOAT_EINVAL ||
            deps_version_cmp(bad[i].eco, bad[i].v, bad[i].v, &c) != MOAT_EINVAL)
            fail_msg("%s accepted '%s'", deps_eco_name(bad[i].eco), bad[i].v);
        /* the result is left alone on failure */
        assert_int_equal(c, 7);
    }
    /* DEPS_MAX_VERSION bytes is a version, one more is not */
    memset(huge, '1', DEPS_MAX_VERSION + 1);
    huge[DEPS_MAX_VERSION + 1] = '\0';
    for (int e = 0; e < DEPS_ECO_COUNT; e++) {
        const char *good = e == DEPS_ECO_GO ? "v1.0.0" : "1.0.0";
        char *ok = moat_malloc(DEPS_MAX_VERSION + 1);

        /* the longest valid version of each: digits, dotted where needed */
        memset(ok, '1', DEPS_MAX_VERSION);
        ok[DEPS_MAX_VERSION] = '\0';
        if (e == DEPS_ECO_NPM || e == DEPS_ECO_CRATES || e == DEPS_ECO_GO) {
            ok[0] = e == DEPS_ECO_GO ? 'v' : '1';
            ok[2] = ok[4] = '.';
        } else if (e == DEPS_ECO_NUGET) {
            /* 2-aaa...: a long release label */
            memset(ok, 'a', DEPS_MAX_VERSION);
            ok[0] = '2';
            ok[1] = '-';
        }
        c = 7;
        if (deps_version_cmp((enum deps_eco)e, ok, good, &c) != 0)
            fail_msg("%s refused a %d-byte version", deps_eco_name((enum deps_eco)e),
                     DEPS_MAX_VERSION);
        assert_int_equal(c, 1);
        free(ok);
        c = 7;
        assert_int_equal(deps_version_cmp((enum deps_eco)e, huge, good, &c), MOAT_EINVAL);
        assert_int_equal(deps_version_cmp((enum deps_eco)e, good, huge, &c), MOAT_EINVAL);
        assert_int_equal(deps_version_cmp((enum deps_eco)e, "", good, &c), MOAT_EINVAL);
        assert_int_equal(deps_version_cmp((enum deps_eco)e, good, "", &c), MOAT_EINVAL);
        assert_int_equal(deps_version_cmp((enum deps_eco)e, NULL, good, &c), MOAT_EINVAL);
        assert_int_equal(c, 7);
    }
    assert_int_equal(deps_semver_cmp(huge, "1.0.0", &c), MOAT_EINVAL);
    assert_int_equal(deps_semver_cmp("", "1.0.0", &c), MOAT_EINVAL);
    assert_int_equal(deps_semver_cmp(NULL, "1.0.0", &c), MOAT_EINVAL);
    assert_int_equal(deps_version_cmp(DEPS_ECO_COUNT, "1", "1", &c), MOAT_EINVAL);
    assert_int_equal(c, 7);
    free(huge);
}

static void test_vnum(void **state)
{
    (void)state;
    assert_int_equal(deps_vnum_cmp("0", 1, "", 0), 0);
    assert_int_equal(deps_vnum_cmp("000", 3, "0", 1), 0);
    assert_int_equal(deps_vnum_cmp("007", 3, "7", 1), 0);
    assert_int_equal(deps_vnum_cmp("10", 2, "9", 1), 1);
    assert_int_equal(deps_vnum_cmp("9", 1, "10", 2), -1);
    assert_int_equal(deps_vnum_cmp("123", 3, "124", 3), -1);
    assert_int_equal(deps_vnum_cmp("99999999999999999999999", 23, "0099999999999999999999998", 25),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_semver),
        cmocka_unit_test(test_vectors_pypi),
        cmocka_unit_test(test_vectors_maven),
        cmocka_unit_test(test_vectors_packagist),
        cmocka_unit_test(test_vectors_rubygems),
        cmocka_unit_test(test_vectors_debian),
        cmocka_unit_test(test_vectors_nuget),
        cmocka_unit_test(test_go),
        cmocka_unit_test(test_semver),
        cmocka_unit_test(test_pypi),
        cmocka_unit_test(test_maven),
        cmocka_unit_test(test_packagist),
        cmocka_unit_test(test_rubygems),
        cmocka_unit_test(test_debian),
        cmocka_unit_test(test_nuget),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_vnum),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
