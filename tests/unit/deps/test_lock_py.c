/* Unit tests for the Python, JVM and SBOM-input lockfile parsers
 * (deps_formats_py[]): the shared OSV examples against expected.json, one
 * fixture per tricky case under tests/data/deps/lock/, malformed inputs that
 * must fail with "path:line:" messages, limits, and every truncation of
 * every fixture. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

#define DATA   "tests/data/deps/lock/"
#define SHARED "../shared/osv/lockfiles/"

static const struct deps_format *fmt(const char *name)
{
    for (const struct deps_format *const *f = deps_formats_py; *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return *f;
    fail_msg("no parser named %s", name);
    return NULL;
}

/* The parser of this group that takes a file (NULL if none). */
static const struct deps_format *match(const char *path, const char *data)
{
    const char *base = strrchr(path, '/');

    base = base ? base + 1 : path;
    for (const struct deps_format *const *f = deps_formats_py; *f; f++)
        if (deps_format_takes(*f, base, (const unsigned char *)data, strlen(data)))
            return *f;
    return NULL;
}

static int parse_mem(const struct deps_format *f, const char *display, const char *disk_dir,
                     const void *data, size_t len, struct deps_lock *l, struct moat_err *err)
{
    struct deps_source src = { display, disk_dir, data, len };
    int rc;

    deps_lock_init(l, display);
    err->rc = 0;
    err->msg[0] = '\0';
    rc = f->parse(&src, l, err);
    if (rc != 0) {
        /* a failure always says where */
        assert_int_equal(err->rc, rc);
        assert_true(strncmp(err->msg, display, strlen(display)) == 0 ||
                    strstr(err->msg, DATA) != NULL);
    }
    return rc;
}

/* Parse a file on disk; display is the path shown (defaults to path), and
 * includes are read relative to the file's directory when with_disk. */
static int parse_file(const struct deps_format *f, const char *path, const char *display,
                      bool with_disk, struct deps_lock *l, struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT(128u << 20);
    char dir[1024];
    const char *slash = strrchr(path, '/');
    int rc;

    assert_int_equal(moat_fs_read(path, &b, NULL), 0);
    assert_int_equal(moat_snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
                                   slash ? path : "."),
                     0);
    if (!f)
        f = match(path, b.data);
    assert_non_null(f);
    rc = parse_mem(f, display ? display : path, with_disk ? dir : NULL, b.data, b.len, l, err);
    moat_buf_release(&b);
    return rc;
}

/* The package name@version (version NULL: the unpinned one). */
static const struct deps_pkg *find(const struct deps_lock *l, const char *name, const char *version)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct deps_pkg *p = &l->pkgs[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (version ? (p->version && strcmp(p->version, version) == 0) : !p->version)
            return p;
    }
    return NULL;
}

static const struct deps_pkg *get(const struct deps_lock *l, const char *name, const char *version)
{
    const struct deps_pkg *p = find(l, name, version);

    if (!p)
        fail_msg("%s: no package %s %s", l->path, name, version ? version : "(unpinned)");
    return p;
}

static bool depends(const struct deps_lock *l, const struct deps_pkg *from,
                    const struct deps_pkg *to)
{
    for (size_t i = 0; i < from->ndeps; i++)
        if (&l->pkgs[from->deps[i]] == to)
            return true;
    return false;
}

static void expect_fail(const struct deps_format *f, const char *path, int rc, const char *where,
                        const char *what)
{
    struct deps_lock l;
    struct moat_err err;

    assert_int_equal(parse_file(f, path, NULL, true, &l, &err), rc);
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        fail_msg("%s: message \"%s\" lacks \"%s\" or \"%s\"", path, err.msg, where, what);
    deps_lock_release(&l);
}

/* ---- the shared examples against expected.json ---- */

static void test_shared_examples(void **state)
{
    static const char *const files[] = {
        "requirements/requirements.txt",
        "requirements/requirements-base.txt",
        "poetry/poetry.lock",
        "pipenv/Pipfile.lock",
        "uv/uv.lock",
        "maven/pom.xml",
        "gradle/gradle.lockfile",
    };
    json_error_t je;
    json_t *exp = json_load_file(SHARED "expected.json", 0, &je);

    (void)state;
    if (!exp)
        fail_msg("%s: %s", SHARED "expected.json", je.text);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        json_t *e = json_object_get(json_object_get(exp, "files"), files[i]), *fi;
        char path[512];
        struct deps_lock l;
        struct moat_err err;
        size_t own = 0, k;

        assert_non_null(e);
        assert_int_equal(moat_snprintf(path, sizeof(path), SHARED "%s", files[i]), 0);
        assert_int_equal(parse_file(NULL, path, NULL, true, &l, &err), 0);
        /* expected.json counts the == pins each file itself holds: packages
         * an -r include brought in carry that file's path and are counted
         * there */
        for (size_t p = 0; p < l.n; p++)
            if (!l.pkgs[p].path && l.pkgs[p].version)
                own++;
        if (own != (size_t)json_integer_value(json_object_get(e, "packages")))
            fail_msg("%s: %zu packages, expected %lld", path, own,
                     json_integer_value(json_object_get(e, "packages")));
        json_array_foreach(json_object_get(e, "findings"), k, fi)
        {
            const char *name = json_string_value(json_object_get(fi, "package"));
            const char *ver = json_string_value(json_object_get(fi, "version"));
            const struct deps_pkg *p = get(&l, name, ver);
            assert_null(p->path);
            assert_int_equal(
                p->eco, strcmp(json_string_value(json_object_get(fi, "ecosystem")), "Maven") == 0
                            ? DEPS_ECO_MAVEN
                            : DEPS_ECO_PYPI);
        }
        if (strcmp(files[i], "requirements/requirements.txt") == 0) {
            const struct deps_pkg *idna = get(&l, "idna", "2.8");
            assert_string_equal(idna->path, SHARED "requirements/requirements-base.txt");
            assert_int_equal(idna->line, 2);
            assert_string_equal(idna->hash_alg, "sha256");
            assert_non_null(get(&l, "uvicorn", NULL)->spec);
        }
        deps_lock_release(&l);
    }
    json_decref(exp);
}

static void test_match(void **state)
{
    static const struct {
        const char *path, *data, *format; /* format NULL: not ours */
    } cases[] = {
        { "requirements.txt", "", "requirements.txt" },
        { "a/requirements-dev.txt", "", "requirements.txt" },
        { "dev-requirements.txt", "", "requirements.txt" },
        { "requirements_test.TXT", "", "requirements.txt" },
        { "constraints.txt", "", "requirements.txt" },
        { "requirements.in", "", NULL },
        { "notes.txt", "", NULL },
        { "Pipfile.lock", "", "Pipfile.lock" },
        { "Pipfile", "", NULL },
        { "poetry.lock", "", "poetry.lock" },
        { "uv.lock", "", "uv.lock" },
        { "pdm.lock", "", "pdm.lock" },
        { "x/pom.xml", "", "pom.xml" },
        { "settings.xml", "", NULL },
        { "gradle.lockfile", "", "gradle.lockfile" },
        { "buildscript-gradle.lockfile", "", "gradle.lockfile" },
        { "app.cdx.json", "", "CycloneDX/SPDX JSON" },
        { "bom.json", "", "CycloneDX/SPDX JSON" },
        { "app.spdx.json", "", "CycloneDX/SPDX JSON" },
        { "sbom.json", "\n {\"bomFormat\": \"CycloneDX\"}", "CycloneDX/SPDX JSON" },
        { "out.json", "{\"spdxVersion\": \"SPDX-2.3\"}", "CycloneDX/SPDX JSON" },
        { "package.json", "{\"name\": \"x\"}", NULL },
        { "list.json", "[\"bomFormat\"]", NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct deps_format *f = match(cases[i].path, cases[i].data);
        if (!cases[i].format ? f != NULL : !f || strcmp(f->name, cases[i].format) != 0)
            fail_msg("%s: matched %s", cases[i].path, f ? f->name : "nothing");
    }
}

/* ---- requirements.txt ---- */

static void test_requirements_tricky(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p;

    (void)state;
    assert_int_equal(parse_file(fmt("requirements.txt"),
                                DATA "requirements/requirements-tricky.txt", NULL, true, &l, &err),
                     0);
    assert_string_equal(l.format, "requirements.txt");
    assert_int_equal(l.n, 13);         /* -e, paths, URLs and name @ URL are not index packages */
    p = get(&l, "requests", "2.31.0"); /* extras and a marker */
    assert_int_equal(p->line, 4);
    assert_int_equal(p->eco, DEPS_ECO_PYPI);
    assert_int_equal(p->flags, DEPS_PKG_DIRECT);
    assert_null(p->spec);
    assert_null(p->path);
    assert_int_equal(get(&l, "Django", "4.2.7")->line, 5); /* === */
    p = get(&l, "urllib3", "1.26.18");                     /* continuation lines, strongest hash */
    assert_int_equal(p->line, 6);
    assert_string_equal(p->hash_alg, "sha512");
    assert_int_equal(strlen(p->hash), 128);
    assert_true(moat_str_endswith(p->hash, "abcd"));
    assert_int_equal(get(&l, "Jinja2", "3.1.2")->line, 10); /* (==3.1.2) */
    assert_int_equal(get(&l, "zope.interface", "6.0")->line, 11);
    p = get(&l, "MarkupSafe", NULL);
    assert_int_equal(p->flags, DEPS_PKG_DIRECT | DEPS_PKG_UNPINNED);
    assert_string_equal(p->spec, "MarkupSafe>=2.0,<3.0");
    assert_string_equal(get(&l, "six", NULL)->spec, "six");
    assert_string_equal(get(&l, "numpy", NULL)->spec, "numpy==1.*"); /* a wildcard is a range */
    assert_int_equal(get(&l, "attrs", "23.1.0")->line, 15);
    p = get(&l, "cryptography", "41.0.7"); /* --hash with a space */
    assert_string_equal(p->hash_alg, "sha256");
    assert_string_equal(p->hash,
                        "13f93ce9bea8016c253b34afc6bd6a75993e5c40672ed5405a9c832f0d4a00bc");
    assert_int_equal(get(&l, "typing_extensions", "4.8.0")->line, 22);
    assert_int_equal(get(&l, "certifi", "2023.7.22")->line, 23); /* a comment ends the \ */
    assert_int_equal(get(&l, "idna", "3.4")->line, 25);
    assert_null(find(&l, "click", NULL));
    assert_null(find(&l, "pydantic", NULL));
    deps_lock_release(&l);
}

static void test_requirements_compiled(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *req, *flask;

    (void)state;
    assert_int_equal(parse_file(fmt("requirements.txt"),
                                DATA "requirements/requirements-compiled.txt", NULL, true, &l,
                                &err),
                     0);
    assert_int_equal(l.n, 7);
    req = get(&l, "requests", "2.31.0");
    flask = get(&l, "flask", "2.3.3");
    /* pip-compile's "# via": -r means the project asked for it */
    assert_int_equal(req->flags, DEPS_PKG_DIRECT);
    assert_int_equal(flask->flags, DEPS_PKG_DIRECT);
    assert_int_equal(get(&l, "certifi", "2023.7.22")->flags, DEPS_PKG_TRANSITIVE);
    /* asked for and also pulled in: direct, and the edge says the rest */
    assert_int_equal(get(&l, "idna", "3.4")->flags, DEPS_PKG_DIRECT);
    assert_true(depends(&l, req, get(&l, "idna", "3.4")));
    assert_int_equal(get(&l, "urllib3", "2.0.7")->flags, DEPS_PKG_TRANSITIVE);
    assert_int_equal(get(&l, "werkzeug", "3.0.1")->flags, DEPS_PKG_TRANSITIVE);
    assert_int_equal(req->ndeps, 4);
    assert_true(depends(&l, req, get(&l, "urllib3", "2.0.7")));
    assert_true(depends(&l, req, get(&l, "idna", "3.4")));
    assert_true(depends(&l, flask, get(&l, "werkzeug", "3.0.1")));
    assert_int_equal(get(&l, "certifi", "2023.7.22")->ndeps, 0);
    /* the note under the URL line describes no package (not werkzeug
     * above it): requests keeps its 4 edges, checked above */
    assert_int_equal(get(&l, "werkzeug", "3.0.1")->flags, DEPS_PKG_TRANSITIVE);
    deps_lock_release(&l);
}

static void test_requirements_includes(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p;

    (void)state;
    assert_int_equal(parse_file(fmt("requirements.txt"),
                                DATA "requirements/include/requirements.txt", NULL, true, &l, &err),
                     0);
    /* common.txt is reached twice (a diamond) and listed once; the
     * missing include is skipped with a warning */
    assert_int_equal(l.n, 6);
    p = get(&l, "pyyaml", "6.0.1");
    assert_string_equal(p->path, DATA "requirements/include/common.txt");
    assert_int_equal(p->line, 2);
    assert_int_equal(p->flags, DEPS_PKG_DIRECT);
    p = get(&l, "requests", "2.31.0");
    assert_string_equal(p->path, DATA "requirements/include/sub/base.txt");
    assert_int_equal(p->line, 2);
    assert_string_equal(get(&l, "redis", "5.0.1")->path, DATA "requirements/include/lib/extra.txt");
    p = get(&l, "flask", "2.3.3"); /* from -c: a pin for whatever pulls it in */
    assert_string_equal(p->path, DATA "requirements/include/constraints.txt");
    assert_int_equal(p->flags, DEPS_PKG_TRANSITIVE);
    p = get(&l, "flask", NULL);
    assert_null(p->path);
    assert_int_equal(p->line, 6);
    assert_int_equal(get(&l, "gunicorn", "21.2.0")->line, 7);
    deps_lock_release(&l);

    /* without a directory on disk (a git blob) includes are not followed */
    assert_int_equal(parse_file(fmt("requirements.txt"),
                                DATA "requirements/include/requirements.txt", NULL, false, &l,
                                &err),
                     0);
    assert_int_equal(l.n, 2);
    deps_lock_release(&l);
}

static void test_requirements_scan_root(void **state)
{
    struct deps_lock l;
    struct moat_err err;

    (void)state;
    /* shown as "outside.txt", the file sits at the scan root: ../ leaves it */
    assert_int_equal(parse_file(fmt("requirements.txt"), DATA "requirements/include/outside.txt",
                                "outside.txt", true, &l, &err),
                     0);
    assert_int_equal(l.n, 1);
    assert_non_null(get(&l, "sqlalchemy", "2.0.23"));
    deps_lock_release(&l);
    /* one level down, the same include stays inside */
    assert_int_equal(parse_file(fmt("requirements.txt"), DATA "requirements/include/outside.txt",
                                "include/outside.txt", true, &l, &err),
                     0);
    assert_int_equal(l.n, 14);
    assert_string_equal(get(&l, "Django", "4.2.7")->path, "requirements-tricky.txt");
    deps_lock_release(&l);
}

static void test_requirements_cycle_depth(void **state)
{
    (void)state;
    expect_fail(fmt("requirements.txt"), DATA "requirements/cycle/a.txt", MOAT_EPARSE,
                DATA "requirements/cycle/c.txt:1:", "cycle");
    expect_fail(fmt("requirements.txt"), DATA "requirements/deep/0.txt", MOAT_ETOOBIG,
                DATA "requirements/deep/16.txt:1:", "deeper than 16");
}

static void test_requirements_symlink(void **state)
{
    char dir[] = "/tmp/moat-lockpy-XXXXXX", path[256];
    struct deps_lock l;
    struct moat_err err;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/real", dir), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/real/base.txt", dir), 0);
    assert_non_null(f = fopen(path, "w"));
    fputs("secret==1.0\n", f);
    fclose(f);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/link.txt", dir), 0);
    assert_int_equal(symlink("real/base.txt", path), 0);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/linkdir", dir), 0);
    assert_int_equal(symlink("real", path), 0);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/requirements.txt", dir), 0);
    assert_non_null(f = fopen(path, "w"));
    fputs("-r link.txt\n-r linkdir/base.txt\n-r real/base.txt\nok==1.0\n", f);
    fclose(f);
    assert_int_equal(parse_file(fmt("requirements.txt"), path, "requirements.txt", true, &l, &err),
                     0);
    /* only the include that goes through no link is read */
    assert_int_equal(l.n, 2);
    assert_string_equal(get(&l, "secret", "1.0")->path, "real/base.txt");
    deps_lock_release(&l);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/requirements.txt", dir), 0);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/link.txt", dir), 0);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/linkdir", dir), 0);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/real/base.txt", dir), 0);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/real", dir), 0);
    rmdir(path);
    rmdir(dir);
}

/* A failed read of an include is an error that names the including line. */
static void test_requirements_fault(void **state)
{
    struct deps_lock l;
    struct moat_err err;

    (void)state;
    /* read 1 is the file itself (by the test), read 2 the first include */
    assert_int_equal(setenv("MOAT_TEST_FAIL", "fs_read:2", 1), 0);
    assert_int_equal(parse_file(fmt("requirements.txt"),
                                DATA "requirements/include/requirements.txt", NULL, true, &l, &err),
                     MOAT_EIO);
    assert_int_equal(unsetenv("MOAT_TEST_FAIL"), 0);
    assert_non_null(strstr(err.msg, DATA "requirements/include/requirements.txt:2: "));
    assert_non_null(strstr(err.msg, "sub/base.txt: injected"));
    deps_lock_release(&l);
}

static void test_requirements_malformed(void **state)
{
    static const struct {
        const char *file, *where, *what;
    } cases[] = {
        { "bad-hash.txt", ":2:", "--hash" },         { "bad-spec.txt", ":2:", "invalid" },
        { "prose.txt", ":3:", "invalid" },           { "unclosed-extras.txt", ":2:", "extras" },
        { "empty-include.txt", ":2:", "file name" },
    };
    char path[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            moat_snprintf(path, sizeof(path), DATA "requirements/malformed/%s", cases[i].file), 0);
        expect_fail(fmt("requirements.txt"), path, MOAT_EPARSE, cases[i].where, cases[i].what);
    }
}

/* ---- poetry.lock ---- */

static void test_poetry(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p, *req;

    (void)state;
    assert_int_equal(
        parse_file(fmt("poetry.lock"), DATA "poetry/v1/poetry.lock", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "poetry.lock v1.1");
    assert_int_equal(l.n, 6); /* the directory package is the user's own */
    assert_null(find(&l, "mylib", "0.1.0"));
    p = get(&l, "certifi", "2021.10.8");
    assert_int_equal(p->line, 1);
    assert_int_equal(p->flags, 0);
    assert_string_equal(p->hash,
                        "d62a0163eb4c2344ac042ab2bdf75399a71a2d8c7d47eac2e2ee91b9d6339569");
    p = get(&l, "pytest", "6.2.5");
    assert_int_equal(p->flags, DEPS_PKG_DEV); /* category = "dev" */
    assert_null(p->hash);                     /* md5 is not kept */
    assert_true(depends(&l, p, get(&l, "toml", "0.10.2")));
    p = get(&l, "PySocks", "1.7.1"); /* [metadata.files] key "pysocks" */
    assert_int_equal(p->flags, DEPS_PKG_OPTIONAL);
    assert_string_equal(p->hash,
                        "2725bd0a9925919b9b51739eea5f9e2bae91e83288108a9ad338b2e3a4435ee5");
    req = get(&l, "requests", "2.27.1");
    assert_int_equal(req->line, 53);
    assert_int_equal(req->ndeps, 3);
    assert_true(depends(&l, req, p));
    assert_true(depends(&l, req, get(&l, "charset-normalizer", "2.0.12")));
    deps_lock_release(&l);

    assert_int_equal(
        parse_file(fmt("poetry.lock"), DATA "poetry/v2/poetry.lock", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "poetry.lock v2.1");
    assert_int_equal(l.n, 6);
    p = get(&l, "black", "24.1.1");
    assert_int_equal(p->line, 3);
    assert_int_equal(p->flags, DEPS_PKG_DEV); /* groups = ["dev"] */
    assert_true(depends(&l, p, get(&l, "click", "8.1.7")));
    assert_int_equal(get(&l, "click", "8.1.7")->flags, 0); /* main and dev */
    assert_int_equal(get(&l, "mkdocs", "1.5.3")->flags, DEPS_PKG_DEV);
    assert_int_equal(get(&l, "numpy", "1.26.3")->line, 44);
    assert_non_null(get(&l, "internal-tool", "0.3.0")); /* git: still third-party code */
    deps_lock_release(&l);

    expect_fail(fmt("poetry.lock"), DATA "poetry/malformed/no-version.lock", MOAT_EPARSE,
                ":5:", "version");
    expect_fail(fmt("poetry.lock"), DATA "poetry/malformed/unterminated.lock", MOAT_EPARSE,
                ":3:", "string");
    expect_fail(fmt("poetry.lock"), DATA "poetry/malformed/bad-hash.lock", MOAT_EPARSE,
                ":5:", "hash");
    expect_fail(fmt("poetry.lock"), DATA "poetry/malformed/wrong-type.lock", MOAT_EPARSE,
                ":1:", "array");
    expect_fail(fmt("poetry.lock"), DATA "poetry/malformed/redefined.lock", MOAT_EPARSE,
                ":5:", "twice");
}

/* ---- Pipfile.lock ---- */

static void test_pipenv(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p;

    (void)state;
    assert_int_equal(
        parse_file(fmt("Pipfile.lock"), DATA "pipenv/Pipfile.lock", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "Pipfile.lock v6");
    assert_int_equal(l.n, 6); /* editable, git and the develop copy of sqlparse are not */
    p = get(&l, "django", "4.2.7");
    assert_int_equal(p->line, 9);
    assert_int_equal(p->flags, 0);
    assert_string_equal(p->hash_alg, "sha512");
    p = get(&l, "six", NULL);
    assert_int_equal(p->flags, DEPS_PKG_UNPINNED);
    assert_string_equal(p->spec, "six");
    p = get(&l, "sqlparse", "0.4.4");
    assert_int_equal(p->line, 21);
    assert_int_equal(p->flags, 0);                         /* in default too: not dev-only */
    assert_int_equal(get(&l, "escaped", "1.0")->line, 22); /* "esc\u0061ped" */
    p = get(&l, "pytest", "7.4.3");
    assert_int_equal(p->line, 26);
    assert_int_equal(p->flags, DEPS_PKG_DEV);
    assert_int_equal(get(&l, "sphinx", "7.2.6")->flags, DEPS_PKG_OPTIONAL);
    assert_null(find(&l, "my-app", NULL));
    assert_null(find(&l, "internal-lib", NULL));
    deps_lock_release(&l);

    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/truncated.json", MOAT_EPARSE,
                ":5:", "expected");
    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/version-number.json", MOAT_EPARSE,
                ":3:", "string");
    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/default-array.json", MOAT_EPARSE,
                ":2:", "object");
    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/duplicate.json", MOAT_EPARSE,
                ":4:", "duplicate");
    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/bad-hash.json", MOAT_EPARSE,
                ":3:", "hash");
    expect_fail(fmt("Pipfile.lock"), DATA "pipenv/malformed/not-object.json", MOAT_EPARSE,
                ":1:", "object");
}

/* ---- uv.lock ---- */

static void test_uv(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *httpx, *pytest;

    (void)state;
    assert_int_equal(parse_file(fmt("uv.lock"), DATA "uv/uv.lock", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "uv.lock v1");
    assert_int_equal(l.n, 11); /* the virtual root and the editable member are the project */
    assert_null(find(&l, "app", "0.1.0"));
    assert_null(find(&l, "shared", "0.2.0"));
    httpx = get(&l, "httpx", "0.26.0");
    assert_int_equal(httpx->line, 54);
    assert_int_equal(httpx->flags, DEPS_PKG_DIRECT);
    assert_string_equal(httpx->hash,
                        "8915f5a3627c4d47b73e8202457cb28f1266982d1159bd5779d86a80c0eab1cd");
    assert_true(depends(&l, httpx, get(&l, "anyio", "4.2.0")));
    assert_true(depends(&l, httpx, get(&l, "idna", "3.6")));
    assert_int_equal(get(&l, "anyio", "4.2.0")->flags, DEPS_PKG_TRANSITIVE);
    /* reached from production and from dev: production wins */
    assert_int_equal(get(&l, "idna", "3.6")->flags, DEPS_PKG_TRANSITIVE);
    /* the root names numpy by version: only 2.0.0 is direct */
    assert_int_equal(get(&l, "numpy", "2.0.0")->flags, DEPS_PKG_DIRECT);
    assert_int_equal(get(&l, "numpy", "1.26.4")->flags, 0);
    /* a workspace member's dependency is the project's */
    assert_int_equal(get(&l, "pydantic", "2.5.3")->flags, DEPS_PKG_DIRECT);
    pytest = get(&l, "pytest", "7.4.4");
    assert_int_equal(pytest->flags, DEPS_PKG_DIRECT | DEPS_PKG_DEV);
    assert_true(depends(&l, pytest, get(&l, "pluggy", "1.3.0")));
    assert_int_equal(get(&l, "pluggy", "1.3.0")->flags, DEPS_PKG_TRANSITIVE | DEPS_PKG_DEV);
    assert_int_equal(get(&l, "ruff", "0.1.14")->flags, DEPS_PKG_DIRECT | DEPS_PKG_DEV);
    assert_int_equal(get(&l, "socksio", "1.0.0")->flags, DEPS_PKG_DIRECT | DEPS_PKG_OPTIONAL);
    assert_int_equal(get(&l, "vendored", NULL)->flags, DEPS_PKG_UNPINNED);
    deps_lock_release(&l);

    expect_fail(fmt("uv.lock"), DATA "uv/malformed/dep-without-name.lock", MOAT_EPARSE,
                ":8:", "name");
    expect_fail(fmt("uv.lock"), DATA "uv/malformed/float.lock", MOAT_EUNSUP, ":5:", "float");
    expect_fail(fmt("uv.lock"), DATA "uv/malformed/source-string.lock", MOAT_EPARSE,
                ":6:", "source");
}

/* ---- pdm.lock ---- */

static void test_pdm(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *req;

    (void)state;
    assert_int_equal(parse_file(fmt("pdm.lock"), DATA "pdm/pdm.lock", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "pdm.lock v4.4.1");
    assert_int_equal(l.n, 6); /* the editable project is not; requests[socks] is folded */
    assert_null(find(&l, "myproject", "0.1.0"));
    assert_int_equal(get(&l, "certifi", "2023.11.17")->line, 10);
    assert_int_equal(get(&l, "coverage", "7.4.0")->flags, DEPS_PKG_DEV);
    req = get(&l, "requests", "2.31.0");
    assert_int_equal(req->line, 44);
    assert_int_equal(req->flags, 0);
    assert_true(depends(&l, req, get(&l, "certifi", "2023.11.17")));
    assert_true(depends(&l, req, get(&l, "urllib3", "2.1.0")));
    assert_true(depends(&l, req, get(&l, "PySocks", "1.7.1"))); /* from the extras entry */
    assert_int_equal(req->ndeps, 3);
    assert_true(depends(&l, get(&l, "pytest-cov", "4.1.0"), get(&l, "coverage", "7.4.0")));
    deps_lock_release(&l);

    assert_int_equal(parse_file(fmt("pdm.lock"), DATA "pdm/old/pdm.lock", NULL, true, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(get(&l, "idna", "3.4")->hash,
                        "90b77e79eaa3eba6de819a0c442c0b4ceefc341a7a2ab77d7562bf49f425c5c2");
    assert_null(get(&l, "sniffio", "1.3.0")->hash); /* its files name another version */
    deps_lock_release(&l);

    expect_fail(fmt("pdm.lock"), DATA "pdm/malformed/dep-number.lock", MOAT_EPARSE,
                ":5:", "string");
    expect_fail(fmt("pdm.lock"), DATA "pdm/malformed/groups-string.lock", MOAT_EPARSE,
                ":4:", "groups");
}

/* ---- pom.xml ---- */

static void test_maven(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p;

    (void)state;
    /* the parent is on disk next to the module */
    assert_int_equal(
        parse_file(fmt("pom.xml"), DATA "maven/parent/module/pom.xml", NULL, true, &l, &err), 0);
    assert_int_equal(l.n, 6);
    p = get(&l, "com.fasterxml.jackson.core:jackson-databind", "2.12.1");
    assert_int_equal(p->eco, DEPS_ECO_MAVEN);
    assert_int_equal(p->line, 16);
    assert_int_equal(p->flags, DEPS_PKG_DIRECT); /* managed by the parent, property of the child */
    assert_int_equal(get(&l, "org.springframework:spring-core", "5.3.20")->line, 20);
    assert_non_null(get(&l, "com.example:sibling", "1.0.0"));
    /* the managed scope applies */
    assert_int_equal(get(&l, "com.google.guava:guava", "31.0-jre")->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_DEV);
    p = get(&l, "org.unknown:thing", NULL);
    assert_int_equal(p->flags, DEPS_PKG_DIRECT | DEPS_PKG_UNPINNED);
    assert_string_equal(p->spec, "org.unknown:thing:${undefined.version}");
    assert_string_equal(get(&l, "org.nomgmt:lib", NULL)->spec, "org.nomgmt:lib");
    assert_null(find(&l, "org.slf4j:slf4j-api", "1.7.36")); /* the parent's own, not inherited */
    deps_lock_release(&l);

    /* without the disk, what the parent defines stays unresolved */
    assert_int_equal(
        parse_file(fmt("pom.xml"), DATA "maven/parent/module/pom.xml", NULL, false, &l, &err), 0);
    assert_int_equal(l.n, 6);
    assert_non_null(get(&l, "com.fasterxml.jackson.core:jackson-databind", NULL));
    assert_string_equal(get(&l, "org.springframework:spring-core", NULL)->spec,
                        "org.springframework:spring-core:${spring.version}");
    assert_non_null(get(&l, "com.example:sibling", "1.0.0")); /* the <parent> version is here */
    assert_int_equal(get(&l, "com.google.guava:guava", NULL)->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_UNPINNED);
    deps_lock_release(&l);

    assert_int_equal(
        parse_file(fmt("pom.xml"), DATA "maven/standalone/pom.xml", NULL, true, &l, &err), 0);
    assert_int_equal(l.n, 10); /* the plugin's dependency is not the project's */
    assert_null(find(&l, "org.codehaus.mojo:extra-enforcer-rules", "1.3"));
    assert_int_equal(get(&l, "org.acme:chained", "1.2.3")->line, 20);
    assert_string_equal(get(&l, "org.acme:looped", NULL)->spec, "org.acme:looped:${loop.one}");
    assert_non_null(get(&l, "org.acme:core", "3.2.1")); /* ${project.version} = ${revision} */
    assert_string_equal(get(&l, "commons-collections:commons-collections", NULL)->spec,
                        "commons-collections:commons-collections:[3.0,4.0)");
    assert_non_null(get(&l, "org.apache.logging.log4j:log4j-core", "2.14.1")); /* [x] */
    assert_int_equal(get(&l, "javax.servlet:javax.servlet-api", "4.0.1")->flags,
                     DEPS_PKG_DIRECT); /* provided is still run */
    assert_int_equal(get(&l, "org.postgresql:postgresql", "42.2.5")->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_OPTIONAL);
    p = get(&l, "org.acme:testkit", "1.0"); /* test-jar in test + plain: one, not dev */
    assert_int_equal(p->flags, DEPS_PKG_DIRECT);
    assert_int_equal(p->line, 57);
    assert_int_equal(get(&l, "org.hamcrest:hamcrest", "2.2")->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_DEV);
    assert_int_equal(get(&l, "com.h2database:h2", "1.4.200")->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_OPTIONAL);
    deps_lock_release(&l);

    expect_fail(fmt("pom.xml"), DATA "maven/malformed/bomb.xml", MOAT_EPARSE, ":2:", "DOCTYPE");
    expect_fail(fmt("pom.xml"), DATA "maven/malformed/xxe.xml", MOAT_EPARSE, ":2:", "DOCTYPE");
    expect_fail(fmt("pom.xml"), DATA "maven/malformed/truncated.xml", MOAT_EPARSE, ":6:", "end");
    expect_fail(fmt("pom.xml"), DATA "maven/malformed/not-a-pom.xml", MOAT_EPARSE,
                ":2:", "<project>");
    expect_fail(fmt("pom.xml"), DATA "maven/malformed/no-artifact.xml", MOAT_EPARSE,
                ":4:", "artifactId");
    expect_fail(fmt("pom.xml"), DATA "maven/malformed/deep.xml", MOAT_ETOOBIG, ":2:", "deeper");
}

/* A parent that names itself, or that is another project, ends the chain. */
static void test_maven_parent_checks(void **state)
{
    static const char child[] =
        "<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version>"
        "<relativePath>%s</relativePath></parent><artifactId>c</artifactId>\n"
        "<dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>"
        "<version>${v}</version></dependency></dependencies></project>\n";
    static const char parent[] = "<project><groupId>g</groupId><artifactId>%s</artifactId>"
                                 "<properties><v>9.9</v></properties></project>\n";
    char dir[] = "/tmp/moat-lockpy-XXXXXX", path[256], text[1024];
    struct deps_lock l;
    struct moat_err err;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/m", dir), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    for (int round = 0; round < 3; round++) {
        /* 0: parent matches; 1: parent is another artifact; 2: a self cycle */
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/pom.xml", dir), 0);
        assert_non_null(f = fopen(path, "w"));
        fprintf(f, parent, round == 1 ? "other" : "p");
        fclose(f);
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/m/pom.xml", dir), 0);
        assert_non_null(f = fopen(path, "w"));
        fprintf(f, child, round == 2 ? "pom.xml" : "..");
        fclose(f);
        assert_int_equal(moat_snprintf(text, sizeof(text), "m/pom.xml"), 0);
        assert_int_equal(parse_file(fmt("pom.xml"), path, text, true, &l, &err), 0);
        assert_int_equal(l.n, 1);
        if (round == 0)
            assert_non_null(get(&l, "x:y", "9.9"));
        else
            assert_non_null(get(&l, "x:y", NULL));
        deps_lock_release(&l);
    }
    /* shown at the scan root, the parent above it is not read */
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/m/pom.xml", dir), 0);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, child, "..");
    fclose(f);
    assert_int_equal(parse_file(fmt("pom.xml"), path, "pom.xml", true, &l, &err), 0);
    assert_non_null(get(&l, "x:y", NULL));
    deps_lock_release(&l);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/pom.xml", dir), 0);
    unlink(path);
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/m", dir), 0);
    rmdir(path);
    rmdir(dir);
}

/* ---- gradle.lockfile ---- */

static void test_gradle(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *p;

    (void)state;
    assert_int_equal(
        parse_file(fmt("gradle.lockfile"), DATA "gradle/gradle.lockfile", NULL, true, &l, &err), 0);
    assert_int_equal(l.n, 5);
    p = get(&l, "com.fasterxml.jackson.core:jackson-databind", "2.13.4.2");
    assert_int_equal(p->eco, DEPS_ECO_MAVEN);
    assert_int_equal(p->line, 4);
    assert_int_equal(p->flags, 0); /* runtime and test */
    assert_int_equal(get(&l, "junit:junit", "4.13.2")->flags, DEPS_PKG_DEV);
    assert_int_equal(get(&l, "org.mockito:mockito-core", "5.8.0")->flags, DEPS_PKG_DEV);
    assert_int_equal(get(&l, "org.projectlombok:lombok", "1.18.30")->flags, 0);
    p = get(&l, "org.hamcrest:hamcrest-core", "1.3");
    assert_int_equal(p->line, 9);
    assert_int_equal(p->flags, DEPS_PKG_DEV);
    deps_lock_release(&l);

    assert_int_equal(parse_file(fmt("gradle.lockfile"), DATA "gradle/buildscript-gradle.lockfile",
                                NULL, true, &l, &err),
                     0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.pkgs[0].flags, DEPS_PKG_DEV); /* the build's own classpath */
    deps_lock_release(&l);

    expect_fail(fmt("gradle.lockfile"), DATA "gradle/malformed/two-parts.lockfile", MOAT_EPARSE,
                ":2:", "group:artifact:version");
    expect_fail(fmt("gradle.lockfile"), DATA "gradle/malformed/four-parts.lockfile", MOAT_EPARSE,
                ":2:", "group:artifact:version");
    expect_fail(fmt("gradle.lockfile"), DATA "gradle/malformed/empty-part.lockfile", MOAT_EPARSE,
                ":2:", "group:artifact:version");
}

/* ---- SBOMs ---- */

static void test_cyclonedx(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *babel, *spring;

    (void)state;
    assert_int_equal(parse_file(NULL, DATA "sbom/app.cdx.json", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "CycloneDX 1.5");
    /* not: the product itself, Ubuntu's openssl, apk, a file without purl */
    assert_int_equal(l.n, 8);
    babel = get(&l, "@babel/core", "7.23.0");
    assert_int_equal(babel->eco, DEPS_ECO_NPM);
    assert_int_equal(babel->line, 16);
    assert_int_equal(babel->flags, DEPS_PKG_DIRECT);
    assert_string_equal(babel->hash_alg, "sha512");
    assert_int_equal(strspn(babel->hash, "a"), 128); /* lowercased */
    assert_true(depends(&l, babel, get(&l, "lodash", "4.17.20")));
    assert_int_equal(get(&l, "lodash", "4.17.20")->flags, DEPS_PKG_TRANSITIVE);
    spring = get(&l, "org.springframework:spring-core", "5.3.18");
    assert_int_equal(spring->eco, DEPS_ECO_MAVEN);
    /* nested, its version from the component since the purl has none */
    assert_int_equal(get(&l, "org.springframework:spring-jcl", "5.3.18")->line, 43);
    assert_true(depends(&l, spring, get(&l, "org.springframework:spring-jcl", "5.3.18")));
    assert_int_equal(get(&l, "github.com/gin-gonic/gin", "v1.7.0")->flags,
                     DEPS_PKG_DIRECT | DEPS_PKG_OPTIONAL);
    assert_int_equal(get(&l, "pytest", "7.4.4")->flags, DEPS_PKG_DEV); /* scope excluded */
    assert_int_equal(get(&l, "openssl", "1.1.1n-0+deb11u4")->eco, DEPS_ECO_DEBIAN);
    assert_int_equal(get(&l, "rand", "0.8.5")->eco, DEPS_ECO_CRATES);
    deps_lock_release(&l);

    expect_fail(NULL, DATA "sbom/malformed/bad-purl.cdx.json", MOAT_EPARSE, ":6:", "purl");
    expect_fail(NULL, DATA "sbom/malformed/bad-escape.cdx.json", MOAT_EPARSE, ":4:", "purl");
    expect_fail(NULL, DATA "sbom/malformed/components-object.cdx.json", MOAT_EPARSE,
                ":3:", "array");
    expect_fail(NULL, DATA "sbom/malformed/bad-hash.cdx.json", MOAT_EPARSE, ":1:", "hash");
    expect_fail(fmt("CycloneDX/SPDX JSON"), DATA "sbom/malformed/other-format.json", MOAT_EPARSE,
                ":1:", "CycloneDX");
}

static void test_spdx(void **state)
{
    struct deps_lock l;
    struct moat_err err;
    const struct deps_pkg *req;

    (void)state;
    assert_int_equal(parse_file(NULL, DATA "sbom/app.spdx.json", NULL, true, &l, &err), 0);
    assert_string_equal(l.format, "SPDX-2.3");
    assert_int_equal(l.n, 3); /* the described app and the purl-less package are not */
    req = get(&l, "requests", "2.25.0");
    assert_int_equal(req->line, 19);
    assert_int_equal(req->flags, DEPS_PKG_DIRECT);
    assert_string_equal(req->hash,
                        "27973dd4a904a4f13b263a19c866c13b92a39ed1c964655f025f3f8d3d75b804");
    assert_true(depends(&l, req, get(&l, "urllib3", "1.26.4"))); /* DEPENDENCY_OF, reversed */
    assert_int_equal(get(&l, "urllib3", "1.26.4")->flags, DEPS_PKG_TRANSITIVE);
    assert_int_equal(get(&l, "pytest", "7.4.4")->flags, DEPS_PKG_DIRECT | DEPS_PKG_DEV);
    deps_lock_release(&l);

    assert_int_equal(parse_file(NULL, DATA "sbom/inventory.json", NULL, true, &l, &err), 0);
    assert_int_equal(l.n, 4);
    assert_int_equal(get(&l, "serde", "1.0.190")->line, 3); /* the purl's version wins */
    assert_int_equal(get(&l, "guzzlehttp/guzzle", "7.4.0")->eco, DEPS_ECO_PACKAGIST);
    assert_int_equal(get(&l, "Newtonsoft.Json", "12.0.1")->eco, DEPS_ECO_NUGET);
    assert_int_equal(get(&l, "rails", "7.0.4")->eco, DEPS_ECO_RUBYGEMS); /* pkg://gem/... */
    deps_lock_release(&l);
}

static void test_purl_forms(void **state)
{
    static const struct {
        const char *purl, *name, *version; /* name NULL: skipped; "!" malformed */
        enum deps_eco eco;
    } cases[] = {
        { "pkg:npm/@scope/name@1.0.0", "@scope/name", "1.0.0", DEPS_ECO_NPM },
        { "pkg:npm/%40scope/na%6De@1.0.0%2Bbuild", "@scope/name", "1.0.0+build", DEPS_ECO_NPM },
        { "pkg:PyPI/Django@4.0?x=1&y=%20#sub/path", "Django", "4.0", DEPS_ECO_PYPI },
        { "pkg:maven/org.apache/commons@1.2?classifier=sources", "org.apache:commons", "1.2",
          DEPS_ECO_MAVEN },
        { "pkg:golang/golang.org/x/net@v0.17.0", "golang.org/x/net", "v0.17.0", DEPS_ECO_GO },
        { "pkg:deb/debian/curl@7.74.0-1.3%2Bdeb11u7", "curl", "7.74.0-1.3+deb11u7",
          DEPS_ECO_DEBIAN },
        { "pkg:deb/ubuntu/curl@7.81.0", NULL, NULL, DEPS_ECO_DEBIAN },
        { "pkg:github/actions/checkout@v4", NULL, NULL, DEPS_ECO_NPM },
        { "pkg:maven/commons@1.2", "!", NULL, DEPS_ECO_MAVEN },
        { "pkg:npm/x@", "!", NULL, DEPS_ECO_NPM },
        { "pkg:npm/x%4@1", "!", NULL, DEPS_ECO_NPM },
        { "pkg:npm/x@1?=v", "!", NULL, DEPS_ECO_NPM },
        { "pkg:/", "!", NULL, DEPS_ECO_NPM },
        { "npm/x@1", "!", NULL, DEPS_ECO_NPM },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[512];
        struct deps_lock l;
        struct moat_err err;
        int rc;
        assert_int_equal(moat_snprintf(doc, sizeof(doc),
                                       "{\"bomFormat\": \"CycloneDX\",\n \"components\": "
                                       "[\n{\"purl\": \"%s\"}]}",
                                       cases[i].purl),
                         0);
        rc = parse_mem(fmt("CycloneDX/SPDX JSON"), "t.cdx.json", NULL, doc, strlen(doc), &l, &err);
        if (cases[i].name && strcmp(cases[i].name, "!") == 0) {
            if (rc != MOAT_EPARSE || !strstr(err.msg, "t.cdx.json:3:"))
                fail_msg("%s: rc %d, %s", cases[i].purl, rc, err.msg);
        } else if (rc != 0 || l.n != (cases[i].name ? 1u : 0u)) {
            fail_msg("%s: rc %d, %zu packages", cases[i].purl, rc, l.n);
        } else if (cases[i].name) {
            assert_string_equal(l.pkgs[0].name, cases[i].name);
            assert_string_equal(l.pkgs[0].version, cases[i].version);
            assert_int_equal(l.pkgs[0].eco, cases[i].eco);
        }
        deps_lock_release(&l);
    }
}

/* ---- limits and robustness, for every parser ---- */

static void test_limits(void **state)
{
    size_t big = (size_t)DEPS_MAX_LOCKFILE + 1;
    char *data = calloc(big, 1); /* zero pages: nothing is touched before the check */
    struct moat_buf deep = MOAT_BUF_INIT(1 << 20);

    (void)state;
    assert_non_null(data);
    for (const struct deps_format *const *f = deps_formats_py; *f; f++) {
        struct deps_lock l;
        struct moat_err err;
        assert_int_equal(parse_mem(*f, "big", NULL, data, big, &l, &err), MOAT_ETOOBIG);
        deps_lock_release(&l);
    }
    free(data);
    /* JSON nested past DEPS_MAX_DEPTH is refused before jansson sees it */
    assert_int_equal(moat_buf_addstr(&deep, "{\"default\": {\"a\":\n"), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(moat_buf_addch(&deep, '['), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(moat_buf_addch(&deep, ']'), 0);
    assert_int_equal(moat_buf_addstr(&deep, "}}"), 0);
    {
        struct deps_lock l;
        struct moat_err err;
        assert_int_equal(
            parse_mem(fmt("Pipfile.lock"), "Pipfile.lock", NULL, deep.data, deep.len, &l, &err),
            MOAT_ETOOBIG);
        assert_non_null(strstr(err.msg, "Pipfile.lock:2:"));
        deps_lock_release(&l);
    }
    moat_buf_release(&deep);
}

/* Inputs built to make work grow faster than their size are cut off. */
static void test_work_limits(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(16u << 20);
    struct deps_lock l;
    struct moat_err err;

    (void)state;
    /* each ${a0} costs 2^13 lookups: 600 dependencies need more than allowed */
    assert_int_equal(moat_buf_addstr(&b, "<project><properties>"), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(moat_buf_addf(&b, "<a%d>${a%d}${a%d}</a%d>", i, i + 1, i + 1, i), 0);
    assert_int_equal(moat_buf_addstr(&b, "<a12></a12></properties><dependencies>"), 0);
    for (int i = 0; i < 600; i++)
        assert_int_equal(moat_buf_addf(&b,
                                       "<dependency><groupId>g</groupId><artifactId>a%d</"
                                       "artifactId><version>1${a0}</version></dependency>\n",
                                       i),
                         0);
    assert_int_equal(moat_buf_addstr(&b, "</dependencies></project>\n"), 0);
    assert_int_equal(parse_mem(fmt("pom.xml"), "pom.xml", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "lookups"));
    deps_lock_release(&l);

    /* 3000 components under one bom-ref, each depending on all of them */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "{\"bomFormat\": \"CycloneDX\", \"components\": ["), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(moat_buf_addf(&b, "%s{\"bom-ref\": \"x\", \"purl\": \"pkg:npm/p%d@1\"}",
                                       i ? "," : "", i),
                         0);
    assert_int_equal(
        moat_buf_addstr(&b, "],\n\"dependencies\": [{\"ref\": \"x\", \"dependsOn\": ["), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(moat_buf_addstr(&b, i ? ",\"x\"" : "\"x\""), 0);
    assert_int_equal(moat_buf_addstr(&b, "]}]}"), 0);
    assert_int_equal(
        parse_mem(fmt("CycloneDX/SPDX JSON"), "bom.json", NULL, b.data, b.len, &l, &err),
        MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "bom.json:2: dependency graph too large"));
    deps_lock_release(&l);
    moat_buf_release(&b);
}

/* Every prefix of every fixture: a package list or a "path:line:" error,
 * never a crash (the SAN build makes "never" strict). */
static void truncations(const char *path)
{
    struct moat_buf b = MOAT_BUF_INIT(1 << 20);
    const struct deps_format *f;
    size_t step;

    assert_int_equal(moat_fs_read(path, &b, NULL), 0);
    f = match(path, b.data);
    if (!f)
        f = fmt(strstr(path, "/maven/")    ? "pom.xml"
                : strstr(path, "/pipenv/") ? "Pipfile.lock"
                : strstr(path, "/poetry/") ? "poetry.lock"
                : strstr(path, "/uv/")     ? "uv.lock"
                : strstr(path, "/pdm/")    ? "pdm.lock"
                : strstr(path, "/gradle/") ? "gradle.lockfile"
                : strstr(path, "/sbom/")   ? "CycloneDX/SPDX JSON"
                                           : "requirements.txt");
    step = b.len > 6000 ? b.len / 3000 : 1;
    for (size_t n = 0; n <= b.len; n += step) {
        char *copy = malloc(n ? n : 1);
        struct deps_lock l;
        struct moat_err err;
        memcpy(copy, b.data, n);
        if (parse_mem(f, path, NULL, copy, n, &l, &err) == 0) {
            for (size_t i = 0; i < l.n; i++) {
                const struct deps_pkg *p = &l.pkgs[i];
                assert_true(p->name && p->name[0]);
                assert_true(p->line >= 1);
                assert_true(p->version || (p->flags & DEPS_PKG_UNPINNED));
                for (size_t k = 0; k < p->ndeps; k++)
                    assert_true(p->deps[k] < l.n);
            }
        }
        deps_lock_release(&l);
        free(copy);
    }
    moat_buf_release(&b);
}

static void test_truncations(void **state)
{
    static const char *const files[] = {
        SHARED "requirements/requirements-base.txt",
        SHARED "poetry/poetry.lock",
        SHARED "pipenv/Pipfile.lock",
        SHARED "uv/uv.lock",
        SHARED "maven/pom.xml",
        SHARED "gradle/gradle.lockfile",
        DATA "requirements/requirements-tricky.txt",
        DATA "requirements/requirements-compiled.txt",
        DATA "poetry/v1/poetry.lock",
        DATA "poetry/v2/poetry.lock",
        DATA "pipenv/Pipfile.lock",
        DATA "uv/uv.lock",
        DATA "pdm/pdm.lock",
        DATA "pdm/old/pdm.lock",
        DATA "maven/standalone/pom.xml",
        DATA "maven/parent/module/pom.xml",
        DATA "gradle/gradle.lockfile",
        DATA "sbom/app.cdx.json",
        DATA "sbom/app.spdx.json",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        truncations(files[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_examples),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_requirements_tricky),
        cmocka_unit_test(test_requirements_compiled),
        cmocka_unit_test(test_requirements_includes),
        cmocka_unit_test(test_requirements_scan_root),
        cmocka_unit_test(test_requirements_cycle_depth),
        cmocka_unit_test(test_requirements_symlink),
        cmocka_unit_test(test_requirements_fault),
        cmocka_unit_test(test_requirements_malformed),
        cmocka_unit_test(test_poetry),
        cmocka_unit_test(test_pipenv),
        cmocka_unit_test(test_uv),
        cmocka_unit_test(test_pdm),
        cmocka_unit_test(test_maven),
        cmocka_unit_test(test_maven_parent_checks),
        cmocka_unit_test(test_gradle),
        cmocka_unit_test(test_cyclonedx),
        cmocka_unit_test(test_spdx),
        cmocka_unit_test(test_purl_forms),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_work_limits),
        cmocka_unit_test(test_truncations),
    };

    moat_log_set_level(MOAT_LOG_ERROR); /* the skipped includes warn on purpose */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
