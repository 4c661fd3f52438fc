/* Tests for src/scan/deps/eco.c: OSV and purl names of every ecosystem,
 * parsing OSV names (with a ":release" suffix), and the name spellings
 * advisories are looked up under. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

static const struct {
    enum deps_eco eco;
    const char *osv, *purl;
} names[] = {
    { DEPS_ECO_NPM, "npm", "npm" },           { DEPS_ECO_PYPI, "PyPI", "pypi" },
    { DEPS_ECO_GO, "Go", "golang" },          { DEPS_ECO_CRATES, "crates.io", "cargo" },
    { DEPS_ECO_RUBYGEMS, "RubyGems", "gem" }, { DEPS_ECO_PACKAGIST, "Packagist", "composer" },
    { DEPS_ECO_MAVEN, "Maven", "maven" },     { DEPS_ECO_DEBIAN, "Debian", "deb" },
    { DEPS_ECO_NUGET, "NuGet", "nuget" },
};

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(sizeof(names) / sizeof(names[0]), DEPS_ECO_COUNT);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        enum deps_eco e = DEPS_ECO_COUNT;

        assert_string_equal(deps_eco_name(names[i].eco), names[i].osv);
        assert_string_equal(deps_eco_purl_type(names[i].eco), names[i].purl);
        assert_int_equal(deps_eco_parse(names[i].osv, strlen(names[i].osv), &e), 0);
        assert_int_equal(e, names[i].eco);
    }
}

static void test_parse(void **state)
{
    enum deps_eco e = DEPS_ECO_COUNT;
    /* only the first 6 bytes are the name: the length is honoured */
    const char buf[] = "DebianXYZ";

    (void)state;
    assert_int_equal(deps_eco_parse("Debian:12", 9, &e), 0);
    assert_int_equal(e, DEPS_ECO_DEBIAN);
    assert_int_equal(deps_eco_parse("Maven:https://repo1.maven.org/maven2/", 37, &e), 0);
    assert_int_equal(e, DEPS_ECO_MAVEN);
    assert_int_equal(deps_eco_parse(buf, 6, &e), 0);
    assert_int_equal(e, DEPS_ECO_DEBIAN);

    e = DEPS_ECO_COUNT;
    /* OSV names are case-sensitive, and only the ones moat matches */
    static const char *const bad[] = { "pypi", "NPM",   "go",  "crates", "Ubuntu:22.04", "",
                                       ":12",  "PyPI ", "Hex", "Pub",    "Alpine:v3.18" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(deps_eco_parse(bad[i], strlen(bad[i]), &e), MOAT_EUNSUP);
    assert_int_equal(deps_eco_parse(buf, 7, &e), MOAT_EUNSUP);
    assert_int_equal(deps_eco_parse(NULL, 0, &e), MOAT_EUNSUP);
    assert_int_equal(e, DEPS_ECO_COUNT);
}

static void expect_name(enum deps_eco e, const char *in, const char *want)
{
    struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_NAME);

    assert_int_equal(moat_buf_addstr(&b, "<"), 0);
    assert_int_equal(deps_name_normalize(e, in, strlen(in), &b), 0);
    /* it appends: what was in the buffer stays */
    assert_memory_equal(b.data, "<", 1);
    assert_string_equal(b.data + 1, want);
    moat_buf_release(&b);
}

static void test_normalize(void **state)
{
    (void)state;
    /* PEP 503 */
    expect_name(DEPS_ECO_PYPI, "Flask", "flask");
    expect_name(DEPS_ECO_PYPI, "zope.interface", "zope-interface");
    expect_name(DEPS_ECO_PYPI, "Foo__Bar-.-baz", "foo-bar-baz");
    expect_name(DEPS_ECO_PYPI, "_private_", "-private-");
    expect_name(DEPS_ECO_PYPI, "A1.B2", "a1-b2");
    expect_name(DEPS_ECO_PACKAGIST, "Symfony/HTTP-Kernel", "symfony/http-kernel");
    expect_name(DEPS_ECO_NUGET, "Newtonsoft.Json", "newtonsoft.json");
    /* as written: npm, Go, crates.io, RubyGems, Maven, Debian */
    expect_name(DEPS_ECO_NPM, "@Scope/Left_Pad", "@Scope/Left_Pad");
    expect_name(DEPS_ECO_GO, "github.com/BurntSushi/toml", "github.com/BurntSushi/toml");
    expect_name(DEPS_ECO_CRATES, "serde_json", "serde_json");
    expect_name(DEPS_ECO_RUBYGEMS, "ActiveSupport", "ActiveSupport");
    expect_name(DEPS_ECO_MAVEN, "org.Apache.logging:log4j-core", "org.Apache.logging:log4j-core");
    expect_name(DEPS_ECO_DEBIAN, "libssl3", "libssl3");
}

static void test_normalize_limits(void **state)
{
    struct moat_buf small = MOAT_BUF_INIT(4);
    struct moat_buf big = MOAT_BUF_INIT(4 * DEPS_MAX_NAME);
    char name[DEPS_MAX_NAME + 1];

    (void)state;
    memset(name, 'A', sizeof(name));
    /* over DEPS_MAX_NAME, or over the buffer's cap: nothing is written */
    assert_int_equal(deps_name_normalize(DEPS_ECO_PYPI, name, DEPS_MAX_NAME + 1, &big),
                     MOAT_ETOOBIG);
    assert_int_equal(big.len, 0);
    assert_int_equal(deps_name_normalize(DEPS_ECO_NUGET, name, DEPS_MAX_NAME, &big), 0);
    assert_int_equal(big.len, DEPS_MAX_NAME);
    assert_int_equal(big.data[0], 'a');
    assert_int_equal(moat_buf_addstr(&small, "ab"), 0);
    assert_int_equal(deps_name_normalize(DEPS_ECO_NPM, "cde", 3, &small), MOAT_ETOOBIG);
    assert_string_equal(small.data, "ab");
    assert_int_equal(small.len, 2);
    assert_int_equal(deps_name_normalize(DEPS_ECO_NPM, "cd", 2, &small), 0);
    assert_string_equal(small.data, "abcd");
    moat_buf_release(&small);
    moat_buf_release(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
