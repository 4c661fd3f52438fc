/* Tests for src/scan/deps/sbom.c: the purl of a package of every ecosystem,
 * as the purl spec's PURL-TYPES spell it (namespace split, name
 * normalization, percent-encoding of every segment). The documents
 * themselves are tested end to end in tests/e2e/deps.bats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

static void expect_purl(enum deps_eco eco, const char *name, const char *version, const char *want)
{
    struct deps_pkg p = { .eco = eco, .name = name, .version = version };
    struct moat_buf b = MOAT_BUF_INIT(4096);

    assert_int_equal(deps_purl(&p, &b), 0);
    assert_int_equal(moat_buf_addch(&b, '\0'), 0);
    if (strcmp(b.data, want) != 0)
        fail_msg("%s %s: got %s, want %s", name, version ? version : "(none)", b.data, want);
    moat_buf_release(&b);
}

static void test_npm(void **state)
{
    (void)state;
    /* the scope is the namespace, its '@' percent-encoded */
    expect_purl(DEPS_ECO_NPM, "@babel/core", "7.24.0", "pkg:npm/%40babel/core@7.24.0");
    expect_purl(DEPS_ECO_NPM, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21");
    /* npm kept the case of names published before it forbade capitals */
    expect_purl(DEPS_ECO_NPM, "JSONStream", "1.3.5", "pkg:npm/JSONStream@1.3.5");
    /* semver build metadata: '+' is not left bare */
    expect_purl(DEPS_ECO_NPM, "x", "1.0.0+build.5", "pkg:npm/x@1.0.0%2Bbuild.5");
    expect_purl(DEPS_ECO_NPM, "x", "1.0.0-rc.1", "pkg:npm/x@1.0.0-rc.1");
    /* unpinned: no version at all */
    expect_purl(DEPS_ECO_NPM, "@types/node", NULL, "pkg:npm/%40types/node");
}

static void test_pypi(void **state)
{
    (void)state;
    /* lowercased, '_' as '-'; dots are kept (PEP 503's lookup form drops
     * them, the purl spec does not) */
    expect_purl(DEPS_ECO_PYPI, "Django_Rest.Framework", "3.14.0",
                "pkg:pypi/django-rest.framework@3.14.0");
    expect_purl(DEPS_ECO_PYPI, "zope.interface", "6.1", "pkg:pypi/zope.interface@6.1");
    expect_purl(DEPS_ECO_PYPI, "PyYAML", "6.0.1", "pkg:pypi/pyyaml@6.0.1");
    expect_purl(DEPS_ECO_PYPI, "typing_extensions", "4.9.0", "pkg:pypi/typing-extensions@4.9.0");
    /* PEP 440 local version */
    expect_purl(DEPS_ECO_PYPI, "torch", "2.1.0+cpu", "pkg:pypi/torch@2.1.0%2Bcpu");
    expect_purl(DEPS_ECO_PYPI, "Flask", NULL, "pkg:pypi/flask");
}

static void test_go(void **state)
{
    (void)state;
    /* the module path: namespace up to the last '/', case kept */
    expect_purl(DEPS_ECO_GO, "github.com/BurntSushi/toml", "v1.3.2",
                "pkg:golang/github.com/burntsushi/toml@v1.3.2");
    expect_purl(DEPS_ECO_GO, "github.com/docker/docker", "v24.0.7+incompatible",
                "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible");
    expect_purl(DEPS_ECO_GO, "gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1");
    expect_purl(DEPS_ECO_GO, "golang.org/x/sys", "v0.0.0-20220412211240-33da011f77ad",
                "pkg:golang/golang.org/x/sys@v0.0.0-20220412211240-33da011f77ad");
    /* each segment is encoded on its own */
    expect_purl(DEPS_ECO_GO, "example.com/a b/c@d", "v1.0.0",
                "pkg:golang/example.com/a%20b/c%40d@v1.0.0");
}

static void test_others(void **state)
{
    (void)state;
    expect_purl(DEPS_ECO_MAVEN, "org.apache.logging.log4j:log4j-core", "2.14.1",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    expect_purl(DEPS_ECO_CRATES, "wasi", "0.11.0+wasi-snapshot-preview1",
                "pkg:cargo/wasi@0.11.0%2Bwasi-snapshot-preview1");
    expect_purl(DEPS_ECO_RUBYGEMS, "mini_portile2", "2.8.5", "pkg:gem/mini_portile2@2.8.5");
    /* composer: vendor and name lowercased */
    expect_purl(DEPS_ECO_PACKAGIST, "Monolog/Monolog", "2.9.2",
                "pkg:composer/monolog/monolog@2.9.2");
    expect_purl(DEPS_ECO_PACKAGIST, "symfony/http-foundation", "v4.4.0",
                "pkg:composer/symfony/http-foundation@v4.4.0");
    expect_purl(DEPS_ECO_DEBIAN, "openssl", "1:1.1.1n-0+deb11u4",
                "pkg:deb/debian/openssl@1%3A1.1.1n-0%2Bdeb11u4");
    expect_purl(DEPS_ECO_NUGET, "Newtonsoft.Json", "13.0.1", "pkg:nuget/Newtonsoft.Json@13.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npm),
        cmocka_unit_test(test_pypi),
        cmocka_unit_test(test_go),
        cmocka_unit_test(test_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
