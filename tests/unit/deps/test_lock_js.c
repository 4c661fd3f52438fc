/* Unit tests for the lockfile parsers of deps_formats_js[] (npm, yarn, pnpm,
 * Cargo, Go, Bundler, Composer): the shared OSV examples against
 * expected.json, fixtures in tests/data/deps/lock/ for each tricky case
 * (aliases, workspaces, nested node_modules, peer suffixes, platform gems,
 * replace directives, dev flags, lines, hashes, relations), and malformed
 * input (truncation at every point, wrong types, deep nesting, YAML bombs,
 * cycles, 100 MB). Runs from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "core/core.h"
#include "scan/deps/deps.h"
#include "core/banned.h"

#define SHARED "../shared/osv/lockfiles/"
#define DATA   "tests/data/deps/lock/"

#define DIRECT DEPS_PKG_DIRECT
#define TRANS  DEPS_PKG_TRANSITIVE
#define DEV    DEPS_PKG_DEV
#define OPT    DEPS_PKG_OPTIONAL

static bool is_js_format(const struct deps_format *f)
{
    for (const struct deps_format *const *p = deps_formats_js; *p; p++)
        if (*p == f)
            return true;
    return false;
}

/* Parse len bytes (copied to a buffer of exactly that size, so reading past
 * the end is caught by the sanitizers) with the parser for file name `as`. */
static int parse_mem(const char *as, const char *path, const char *disk_dir, const void *data,
                     size_t len, struct deps_lock *l, struct moat_err *err)
{
    const struct deps_format *f = deps_format_find(as, data, len);
    unsigned char *copy = moat_malloc(len ? len : 1);
    struct deps_source src = { path, disk_dir, copy, len };
    int rc;

    assert_non_null(f);
    assert_true(is_js_format(f));
    memcpy(copy, data, len);
    deps_lock_init(l, path);
    err->rc = 0;
    err->msg[0] = '\0';
    rc = f->parse(&src, l, err);
    free(copy);
    return rc;
}

static int parse_file(const char *as, const char *path, const char *disk_dir, struct deps_lock *l,
                      struct moat_err *err)
{
    struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    int rc;

    if (moat_fs_read(path, &b, err) != 0)
        fail_msg("cannot read %s: %s", path, err->msg);
    rc = parse_mem(as, path, disk_dir, b.data, b.len, l, err);
    moat_buf_release(&b);
    return rc;
}

static void parse_ok(const char *as, const char *path, const char *disk_dir, struct deps_lock *l)
{
    struct moat_err err;

    if (parse_file(as, path, disk_dir, l, &err) != 0)
        fail_msg("%s: %s", path, err.msg);
}

static const struct deps_pkg *find(const struct deps_lock *l, const char *name, const char *ver)
{
    const struct deps_pkg *hit = NULL;

    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->pkgs[i].name, name) == 0 && strcmp(l->pkgs[i].version, ver) == 0) {
            if (hit)
                fail_msg("%s@%s listed twice", name, ver);
            hit = &l->pkgs[i];
        }
    return hit;
}

static const struct deps_pkg *expect(const struct deps_lock *l, const char *name, const char *ver,
                                     unsigned line, unsigned flags)
{
    const struct deps_pkg *p = find(l, name, ver);

    if (!p)
        fail_msg("%s: %s@%s not found", l->path, name, ver);
    if (p->line != line || p->flags != flags)
        fail_msg("%s: %s@%s: line %u flags %#x, expected line %u flags %#x", l->path, name, ver,
                 p->line, p->flags, line, flags);
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

static void expect_hash(const struct deps_pkg *p, const char *alg, const char *hex)
{
    if (!alg) {
        assert_null(p->hash_alg);
        assert_null(p->hash);
        return;
    }
    assert_non_null(p->hash_alg);
    assert_string_equal(p->hash_alg, alg);
    assert_string_equal(p->hash, hex);
}

/* What holds for any successful parse of data (NULL: lines unchecked). */
static void invariants(const struct deps_lock *l, const unsigned char *data, size_t len,
                       bool flags_known)
{
    unsigned lines = data ? 1 : UINT32_MAX;

    for (size_t i = 0; data && i < len; i++)
        lines += data[i] == '\n';
    assert_non_null(l->format);
    for (size_t i = 0; i < l->n; i++) {
        const struct deps_pkg *p = &l->pkgs[i];
        assert_true(p->name && p->name[0] && strlen(p->name) <= DEPS_MAX_NAME);
        assert_true(p->version && p->version[0] && strlen(p->version) <= DEPS_MAX_VERSION);
        assert_true(p->line >= 1 && p->line <= lines);
        assert_true(p->path == l->path);
        if (flags_known)
            assert_int_equal(!!(p->flags & DIRECT) + !!(p->flags & TRANS), 1);
        assert_true(!p->hash == !p->hash_alg);
        if (p->hash) {
            size_t want = strcmp(p->hash_alg, "sha512") == 0   ? 128
                          : strcmp(p->hash_alg, "sha256") == 0 ? 64
                                                               : 40;
            assert_int_equal(strlen(p->hash), want);
            assert_int_equal(strspn(p->hash, "0123456789abcdef"), want);
        }
        for (size_t d = 0; d < p->ndeps; d++)
            assert_true(p->deps[d] < l->n && p->deps[d] != i);
    }
}

/* ---- the shared examples against expected.json ---- */

static void test_shared_examples(void **state)
{
    json_error_t jerr;
    json_t *exp = json_load_file(SHARED "expected.json", 0, &jerr), *files, *v;
    const char *key;
    size_t tested = 0;

    (void)state;
    if (!exp)
        fail_msg("expected.json: %s", jerr.text);
    files = json_object_get(exp, "files");
    json_object_foreach(files, key, v)
    {
        char path[512], dir[512];
        const char *slash = strrchr(key, '/');
        const json_t *finding;
        struct deps_lock l;
        struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
        struct moat_err err;
        size_t i;

        assert_int_equal(moat_snprintf(path, sizeof(path), SHARED "%s", key), 0);
        assert_int_equal(moat_snprintf(dir, sizeof(dir), SHARED "%.*s", (int)(slash - key), key),
                         0);
        assert_int_equal(moat_fs_read(path, &b, NULL), 0);
        if (!is_js_format(deps_format_find(path, (unsigned char *)b.data, b.len))) {
            moat_buf_release(&b);
            continue; /* another group's format */
        }
        if (parse_mem(path, path, dir, b.data, b.len, &l, &err) != 0)
            fail_msg("%s: %s", key, err.msg);
        if (l.n != (size_t)json_integer_value(json_object_get(v, "packages")))
            fail_msg("%s: %zu packages, expected %lld", key, l.n,
                     json_integer_value(json_object_get(v, "packages")));
        assert_string_equal(l.format, json_string_value(json_object_get(v, "format")));
        json_array_foreach(json_object_get(v, "findings"), i, finding)
        {
            const char *name = json_string_value(json_object_get(finding, "package"));
            const char *ver = json_string_value(json_object_get(finding, "version"));
            if (!find(&l, name, ver))
                fail_msg("%s: %s@%s not extracted", key, name, ver);
        }
        invariants(&l, (unsigned char *)b.data, b.len, true);
        deps_lock_release(&l);
        moat_buf_release(&b);
        tested++;
    }
    /* npm v1-v3, yarn v1 and berry, pnpm v6 and v9, Cargo, go.mod, Bundler,
     * Composer */
    assert_int_equal(tested, 11);
    json_decref(exp);
}

/* go.sum is read only without a go.mod beside it; its hashes go to go.mod. */
static void test_shared_gosum(void **state)
{
    struct deps_lock l;
    const struct deps_pkg *p;

    (void)state;
    parse_ok("go.sum", SHARED "go/go.sum", SHARED "go", &l);
    assert_int_equal(l.n, 0);
    deps_lock_release(&l);

    parse_ok("go.sum", SHARED "go/go.sum", NULL, &l);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.format, "go.sum");
    p = expect(&l, "github.com/gin-gonic/gin", "v1.7.0", 1, 0);
    expect_hash(p, "sha256", "f13cbc682fc351fbf07cd429b73bb67f5e9e16a919c72c95606bff805b99b306");
    invariants(&l, NULL, 0, false);
    deps_lock_release(&l);

    parse_ok("go.mod", SHARED "go/go.mod", SHARED "go", &l);
    p = expect(&l, "github.com/gin-gonic/gin", "v1.7.0", 6, DIRECT);
    expect_hash(p, "sha256", "f13cbc682fc351fbf07cd429b73bb67f5e9e16a919c72c95606bff805b99b306");
    expect(&l, "golang.org/x/text", "v0.3.5", 13, TRANS);
    deps_lock_release(&l);
}

/* ---- npm ---- */

static void test_npm_v3_workspaces(void **state)
{
    const struct deps_pkg *express, *dbg2, *dbg4, *ms2, *ms20, *p;
    struct deps_lock l;

    (void)state;
    parse_ok("package-lock.json", DATA "npm/v3-workspaces.json", NULL, &l);
    assert_string_equal(l.format, "package-lock.json v3");
    assert_int_equal(l.n, 10);
    p = expect(&l, "@types/node", "20.10.5", 22, DIRECT | DEV);
    expect_hash(
        p, "sha512",
        "2cddd216eba64b580c753dd1731a2233e486a736b840541017a7a23b98d0059bab7e06047a7fc270e40"
        "7fcf06ed1263ee7896e9fd044bcb065f495f57e4fe18e");
    assert_int_equal(p->eco, DEPS_ECO_NPM);
    express = expect(&l, "express", "4.18.2", 28, DIRECT);
    /* of sha1 and sha512, the stronger */
    expect_hash(express, "sha512",
                "e7f3ec2fa8863dd7d0fe528cd54ba27a5620bf7054a097f3d5a53053dbc767e27b832bf07505c51012"
                "0421ac5e19fd0621cade013372044c6d6a58ac0dbb8ca9");
    dbg2 = expect(&l, "debug", "2.6.9", 36, TRANS);
    /* the workspace app-a asks for debug ^4: hoisted to the root */
    dbg4 = expect(&l, "debug", "4.3.4", 42, DIRECT);
    /* one production copy makes ms@2.1.2 production */
    ms2 = expect(&l, "ms", "2.1.2", 48, TRANS);
    ms20 = expect(&l, "ms", "2.0.0", 51, TRANS);
    /* the alias str-alias installs string-width */
    expect(&l, "string-width", "4.2.3", 54, DIRECT);
    assert_null(find(&l, "str-alias", "4.2.3"));
    expect(&l, "fsevents", "2.3.3", 58, DIRECT | OPT);
    expect(&l, "typescript", "5.3.3", 62, DIRECT | OPT);
    expect(&l, "left-pad", "1.3.0", 82, DIRECT);
    /* workspaces, links and file: entries are the project itself */
    assert_null(find(&l, "app-a", "0.1.0"));
    assert_null(find(&l, "app-b", "0.2.0"));
    for (size_t i = 0; i < l.n; i++)
        assert_string_not_equal(l.pkgs[i].name, "local-thing");
    /* Node's resolution: nested copies first, then the enclosing levels */
    assert_true(depends(&l, express, dbg2));
    assert_true(depends(&l, express, ms20));
    assert_true(depends(&l, dbg2, ms20));
    assert_true(depends(&l, dbg4, ms2));
    assert_false(depends(&l, dbg4, ms20));
    assert_int_equal(express->ndeps, 2);
    deps_lock_release(&l);
}

static void test_npm_v1_alias(void **state)
{
    const struct deps_pkg *acc, *mt, *sw, *ar5;
    struct deps_lock l;

    (void)state;
    parse_ok("package-lock.json", DATA "npm/v1-alias.json", NULL, &l);
    assert_string_equal(l.format, "package-lock.json v1");
    assert_int_equal(l.n, 9);
    acc = expect(&l, "accepts", "1.3.8", 7, DIRECT);
    expect_hash(acc, "sha1", "dc6e01b90adbd2223969a8c49fca86e731801ecd");
    mt = expect(&l, "mime-types", "2.1.35", 15, TRANS);
    expect(&l, "mime-db", "1.52.0", 21, TRANS);
    expect(&l, "negotiator", "0.6.3", 24, TRANS | DEV);
    sw = expect(&l, "string-width", "4.2.3", 28, DIRECT);
    ar5 = expect(&l, "ansi-regex", "5.0.1", 34, TRANS);
    expect(&l, "ansi-regex", "6.0.1", 39, DIRECT | OPT);
    expect(&l, "@other/real", "2.0.0", 43, DIRECT);
    expect(&l, "gitdep",
           "git+https://github.com/user/gitdep.git#0123456789abcdef0123456789abcdef01234567", 49,
           DIRECT);
    assert_true(depends(&l, acc, mt));
    assert_true(depends(&l, mt, find(&l, "mime-db", "1.52.0")));
    /* the nested ansi-regex, not the top-level one */
    assert_true(depends(&l, sw, ar5));
    assert_int_equal(sw->ndeps, 1);
    deps_lock_release(&l);
}

static void test_npm_shrinkwrap_cycle(void **state)
{
    const struct deps_pkg *a, *b;
    struct deps_lock l;

    (void)state;
    parse_ok("npm-shrinkwrap.json", DATA "npm/shrinkwrap/npm-shrinkwrap.json", NULL, &l);
    assert_string_equal(l.format, "npm-shrinkwrap.json v2");
    assert_int_equal(l.n, 2);
    a = expect(&l, "a", "1.0.0", 6, DIRECT);
    b = expect(&l, "b", "1.0.0", 7, DIRECT);
    assert_true(depends(&l, a, b) && depends(&l, b, a));
    deps_lock_release(&l);
}

/* Escaped keys, no root entry, nesting past the limit. */
static void test_npm_edges(void **state)
{
    static const char lock[] = "{\n"
                               " \"lockfileVersion\": 2,\n"
                               " \"packages\": {\n"
                               "  \"node_modules/\\u0061\": {\"version\": \"1.0.0\",\n"
                               "    \"dependencies\": {\"b\": \"2\"}},\n"
                               "  \"node_modules/a/node_modules/b\": {\"version\": \"2.0.0\"},\n"
                               "  \"node_modules/b\": {\"version\": \"1.0.0\"},\n"
                               "  \"node_modules/c\": {\"version\": \"1.0.0\", \"dependencies\":\n"
                               "    {\"a\": \"1\"}}\n"
                               " }\n"
                               "}\n";
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);
    const struct deps_pkg *a, *c;
    struct moat_err err;
    struct deps_lock l;

    (void)state;
    if (parse_mem("package-lock.json", "edge.json", NULL, lock, sizeof(lock) - 1, &l, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(l.n, 4);
    /* without a root entry, the hoisted packages nothing needs are direct */
    a = expect(&l, "a", "1.0.0", 4, TRANS);
    expect(&l, "b", "2.0.0", 6, TRANS);
    expect(&l, "b", "1.0.0", 7, DIRECT);
    c = expect(&l, "c", "1.0.0", 8, DIRECT);
    assert_true(depends(&l, a, find(&l, "b", "2.0.0")) && depends(&l, c, a));
    assert_int_equal(a->ndeps, 1);
    deps_lock_release(&l);

    /* a node_modules path 70 levels deep */
    assert_int_equal(moat_buf_addstr(&b, "{\"lockfileVersion\": 3, \"packages\": {\n\""), 0);
    for (int i = 0; i < 70; i++)
        assert_int_equal(moat_buf_addstr(&b, i ? "/node_modules/x" : "node_modules/x"), 0);
    assert_int_equal(moat_buf_addstr(&b, "\": {\"version\": \"1.0.0\"}}}"), 0);
    assert_int_equal(parse_mem("package-lock.json", "nest.json", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "nest.json:2: path nested deeper than 64"));
    deps_lock_release(&l);

    /* one package depending on 5000 others */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "{\"lockfileVersion\": 3, \"packages\": {\n"
                                         "\"node_modules/hub\": {\"version\": \"1.0.0\",\n"
                                         "\"dependencies\": {"),
                     0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(moat_buf_addf(&b, "%s\"d%d\": \"1\"", i ? "," : "", i), 0);
    assert_int_equal(moat_buf_addstr(&b, "}}"), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(moat_buf_addf(&b, ",\n\"node_modules/d%d\": {\"version\": \"1\"}", i), 0);
    assert_int_equal(moat_buf_addstr(&b, "}}"), 0);
    assert_int_equal(parse_mem("package-lock.json", "hub.json", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "hub.json:2: hub depends on more than 4096 packages"));
    deps_lock_release(&l);
    moat_buf_release(&b);
}

/* Windows line endings change nothing, lines included. */
static void test_crlf(void **state)
{
    static const char *const files[][2] = {
        { "yarn.lock", DATA "yarn/v1.lock" },
        { "yarn.lock", DATA "yarn/berry.lock" },
        { "pnpm-lock.yaml", DATA "pnpm/v6.yaml" },
        { "pnpm-lock.yaml", DATA "pnpm/v11-env.yaml" },
        { "Cargo.lock", DATA "cargo/Cargo.lock" },
        { "go.mod", DATA "go/replace/go.mod" },
        { "go.sum", DATA "go/sumonly/go.sum" },
        { "Gemfile.lock", DATA "gem/Gemfile.lock" },
        { "package-lock.json", DATA "npm/v1-alias.json" },
    };

    (void)state;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE),
                        crlf = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
        struct deps_lock l1, l2;
        struct moat_err err;
        assert_int_equal(moat_fs_read(files[f][1], &b, NULL), 0);
        for (size_t i = 0; i < b.len; i++)
            assert_int_equal(b.data[i] == '\n' ? moat_buf_add(&crlf, "\r\n", 2)
                                               : moat_buf_addch(&crlf, b.data[i]),
                             0);
        if (parse_mem(files[f][0], files[f][1], NULL, b.data, b.len, &l1, &err) != 0 ||
            parse_mem(files[f][0], files[f][1], NULL, crlf.data, crlf.len, &l2, &err) != 0)
            fail_msg("%s: %s", files[f][1], err.msg);
        assert_int_equal(l1.n, l2.n);
        assert_true(l1.n > 0);
        for (size_t i = 0; i < l1.n; i++) {
            assert_string_equal(l1.pkgs[i].name, l2.pkgs[i].name);
            assert_string_equal(l1.pkgs[i].version, l2.pkgs[i].version);
            assert_int_equal(l1.pkgs[i].line, l2.pkgs[i].line);
            assert_int_equal(l1.pkgs[i].flags, l2.pkgs[i].flags);
            assert_int_equal(l1.pkgs[i].ndeps, l2.pkgs[i].ndeps);
        }
        deps_lock_release(&l1);
        deps_lock_release(&l2);
        moat_buf_release(&b);
        moat_buf_release(&crlf);
    }
}

/* YAML breaks lines at a lone CR too; moat reports the line grep -n shows */
static void test_yaml_lone_cr(void **state)
{
    static const char *const files[][2] = {
        { "yarn.lock", DATA "yarn/berry.lock" },
        { "pnpm-lock.yaml", DATA "pnpm/v6.yaml" },
        { "pnpm-lock.yaml", DATA "pnpm/v11-env.yaml" },
    };

    (void)state;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE), cr = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
        struct deps_lock l1, l2;
        struct moat_err err;
        assert_int_equal(moat_fs_read(files[f][1], &b, NULL), 0);
        /* two YAML lines (two comments), one line of text */
        assert_int_equal(moat_buf_add(&cr, "# a\r# b\n", 8), 0);
        assert_int_equal(moat_buf_add(&cr, b.data, b.len), 0);
        if (parse_mem(files[f][0], files[f][1], NULL, b.data, b.len, &l1, &err) != 0 ||
            parse_mem(files[f][0], files[f][1], NULL, cr.data, cr.len, &l2, &err) != 0)
            fail_msg("%s: %s", files[f][1], err.msg);
        assert_int_equal(l1.n, l2.n);
        for (size_t i = 0; i < l1.n; i++)
            assert_int_equal(l1.pkgs[i].line + 1, l2.pkgs[i].line);
        deps_lock_release(&l1);
        deps_lock_release(&l2);
        moat_buf_release(&b);
        moat_buf_release(&cr);
    }
}

/* ---- yarn ---- */

static void test_yarn_v1(void **state)
{
    const struct deps_pkg *cf, *hl, *ch, *sw, *jt, *ca, *cb, *p;
    struct deps_lock l;

    (void)state;
    parse_ok("yarn.lock", DATA "yarn/v1.lock", NULL, &l);
    assert_string_equal(l.format, "yarn.lock v1");
    assert_int_equal(l.n, 9);
    cf = expect(&l, "@babel/code-frame", "7.23.5", 5, DIRECT);
    expect_hash(cf, "sha512",
                "0a01f7b356bde8b8a91c29925266053f063b30dc7c0b76af92aee2e1697771f6baeb695db547b854cd"
                "533d75fbd297e6ae55936fa8cba9362b6724f665324180");
    hl = expect(&l, "@babel/highlight", "7.23.4", 13, TRANS);
    /* no integrity: the sha1 after '#' in resolved */
    expect_hash(hl, "sha1", "edaadf4d8232e1a961432db785091207ead0621b");
    ch = expect(&l, "chalk", "2.4.2", 20, TRANS);
    p = expect(&l, "escape-string-regexp", "1.0.5", 29, TRANS);
    expect_hash(p, NULL, NULL);
    expect(&l, "fsevents", "2.3.3", 33, TRANS);
    jt = expect(&l, "js-tokens", "4.0.0", 37, TRANS);
    /* "string-width-cjs@npm:string-width@^4.2.0" is string-width */
    sw = expect(&l, "string-width", "4.2.3", 41, DIRECT);
    assert_null(find(&l, "my-lib", "0.0.1"));
    ca = expect(&l, "cyc-a", "1.0.0", 52, TRANS);
    cb = expect(&l, "cyc-b", "1.0.0", 57, TRANS);
    assert_true(depends(&l, cf, hl) && depends(&l, cf, ch) && depends(&l, hl, jt));
    assert_true(depends(&l, ch, find(&l, "fsevents", "2.3.3")));
    /* a quoted specifier with spaces */
    assert_true(depends(&l, sw, jt));
    assert_true(depends(&l, ca, cb) && depends(&l, cb, ca));
    deps_lock_release(&l);
}

static void test_yarn_berry(void **state)
{
    const struct deps_pkg *tr, *res, *p;
    struct deps_lock l;

    (void)state;
    parse_ok("yarn.lock", DATA "yarn/berry.lock", NULL, &l);
    assert_string_equal(l.format, "yarn.lock berry");
    assert_int_equal(l.n, 5);
    tr = expect(&l, "@types/react", "18.2.45", 8, DIRECT);
    expect_hash(tr, "sha512",
                "40b256bdce67b026348022b4f8616a693afdad88cf493b77f7b4e6c5f4b0e4ba13a6068e690b9b9457"
                "2920840ff30d501ea3d8518e1f21cc8fb8204d4b140c8a");
    p = expect(&l, "csstype", "3.1.3", 17, TRANS);
    assert_true(depends(&l, tr, p));
    /* the patch: entry is the same npm version */
    res = expect(&l, "resolve", "1.22.8", 34, DIRECT);
    p = expect(&l, "is-core-module", "2.13.1", 52, TRANS);
    assert_true(depends(&l, res, p));
    /* an alias in a workspace's dependencies */
    expect(&l, "react", "18.2.0", 67, DIRECT);
    assert_null(find(&l, "mono", "0.0.0-use.local"));
    assert_null(find(&l, "local", "0.0.0-use.local"));
    deps_lock_release(&l);
}

/* ---- pnpm ---- */

static void test_pnpm_v6(void **state)
{
    const struct deps_pkg *rd, *re, *le, *p;
    struct deps_lock l;

    (void)state;
    parse_ok("pnpm-lock.yaml", DATA "pnpm/v6.yaml", NULL, &l);
    assert_string_equal(l.format, "pnpm-lock.yaml v6.0");
    assert_int_equal(l.n, 7);
    p = expect(&l, "js-tokens", "4.0.0", 36, TRANS);
    le = expect(&l, "loose-envify", "1.4.0", 40, TRANS);
    assert_true(depends(&l, le, p));
    /* two peer variants, one of them dev: one production package */
    rd = expect(&l, "react-dom", "18.2.0", 47, DIRECT);
    expect_hash(rd, "sha512",
                "e88313ae2526bec8c752336d103b9d65fb83414a165d5c4a1e194419293cd67e18152fabfca97df705"
                "e2c25557b4f06d25e9e8cefd8ffa1c43b30f5e03b5e8ea");
    re = expect(&l, "react", "18.2.0", 62, DIRECT);
    assert_true(depends(&l, rd, le) && depends(&l, rd, re) && depends(&l, re, le));
    expect(&l, "string-width", "4.2.3", 69, DIRECT);
    expect(&l, "vitest", "1.0.4", 73, DIRECT | DEV | OPT);
    /* keyed by URL, named by its fields, referred to by its key */
    expect(&l, "tarball-pkg", "2.0.0", 78, DIRECT);
    assert_null(find(&l, "local", "0.0.0"));
    deps_lock_release(&l);
}

static void test_pnpm_v9(void **state)
{
    const struct deps_pkg *es, *ej, *jt, *le;
    struct deps_lock l;

    (void)state;
    parse_ok("pnpm-lock.yaml", DATA "pnpm/v9.yaml", NULL, &l);
    assert_string_equal(l.format, "pnpm-lock.yaml v9.0");
    assert_int_equal(l.n, 8);
    /* only devDependencies reach eslint and @eslint/js */
    ej = expect(&l, "@eslint/js", "8.56.0", 28, TRANS | DEV);
    es = expect(&l, "eslint", "8.56.0", 31, DIRECT | DEV);
    expect(&l, "fsevents", "2.3.3", 35, DIRECT | OPT);
    /* reached from eslint and from loose-envify: production */
    jt = expect(&l, "js-tokens", "4.0.0", 40, TRANS);
    le = expect(&l, "loose-envify", "1.4.0", 43, TRANS);
    expect(&l, "react-dom", "18.2.0", 47, DIRECT);
    expect(&l, "react", "18.2.0", 52, TRANS);
    expect(&l, "string-width", "4.2.3", 56, DIRECT);
    assert_true(depends(&l, es, ej) && depends(&l, es, jt) && depends(&l, le, jt));
    deps_lock_release(&l);
}

static void test_pnpm_v5(void **state)
{
    const struct deps_pkg *rd, *re;
    struct deps_lock l;

    (void)state;
    parse_ok("pnpm-lock.yaml", DATA "pnpm/v5.yaml", NULL, &l);
    assert_string_equal(l.format, "pnpm-lock.yaml v5.4");
    assert_int_equal(l.n, 3);
    expect(&l, "@babel/core", "7.23.7", 15, DIRECT | DEV);
    rd = expect(&l, "react-dom", "17.0.2", 19, DIRECT);
    re = expect(&l, "react", "17.0.2", 27, TRANS);
    assert_true(depends(&l, rd, re));
    deps_lock_release(&l);
}

/* pnpm 11 and later: an "env" document (pnpm itself, config dependencies)
 * before the project's; both are installed, so both count. */
static void test_pnpm_env_document(void **state)
{
    const struct deps_pkg *exe, *lo;
    struct deps_lock l;

    (void)state;
    parse_ok("pnpm-lock.yaml", DATA "pnpm/v11-env.yaml", NULL, &l);
    assert_string_equal(l.format, "pnpm-lock.yaml v9.0");
    assert_int_equal(l.n, 5);
    exe = expect(&l, "@pnpm/exe", "11.0.3", 18, DIRECT);
    expect(&l, "@pnpm/plugin-trusted-deps", "0.2.0", 22, DIRECT);
    /* in both documents: one package, at its first line */
    lo = expect(&l, "lodash", "4.17.21", 25, DIRECT);
    expect_hash(lo, "sha512",
                "bf690311ee7b95e713ba568322e3533f2dd1cb880b189e99d4edef13592b81764daec43e2c54"
                "c61d5c558dc5cfb35ecb85b65519e74026ff17675b6f8f916f4a");
    assert_true(depends(&l, exe, lo));
    expect(&l, "minimatch", "3.0.2", 65, DIRECT | DEV);
    expect(&l, "semver", "4.3.1", 68, DIRECT);
    deps_lock_release(&l);
}

/* ---- Cargo ---- */

static void test_cargo(void **state)
{
    const struct deps_pkg *app, *s1, *s0, *sd, *ca, *cb;
    struct deps_lock l;

    (void)state;
    parse_ok("Cargo.lock", DATA "cargo/Cargo.lock", NULL, &l);
    assert_string_equal(l.format, "Cargo.lock v3");
    assert_int_equal(l.n, 8);
    app = expect(&l, "app", "0.1.0", 6, DIRECT);
    assert_int_equal(app->eco, DEPS_ECO_CRATES);
    expect(&l, "util", "0.1.0", 16, DIRECT);
    s1 = expect(&l, "serde", "1.0.195", 23, DIRECT);
    expect_hash(s1, "sha256", "04653efc8deb0316eff1c929fea5125e45e666f00e806e0b8122cbbd6fffcb50");
    s0 = expect(&l, "serde", "0.9.15", 32, DIRECT);
    sd = expect(&l, "serde_derive", "1.0.195", 38, TRANS);
    expect(&l, "git-dep", "0.3.0", 44, DIRECT);
    ca = expect(&l, "cyc-a", "1.0.0", 49, DIRECT);
    cb = expect(&l, "cyc-b", "1.0.0", 55, TRANS);
    assert_null(find(&l, "unused", "9.9.9"));
    assert_true(depends(&l, app, s1) && depends(&l, app, s0) && depends(&l, s1, sd));
    assert_true(depends(&l, ca, cb) && depends(&l, cb, ca));
    assert_int_equal(app->ndeps, 4);
    deps_lock_release(&l);

    parse_ok("Cargo.lock", DATA "cargo/Cargo-v1.lock", NULL, &l);
    assert_string_equal(l.format, "Cargo.lock v1");
    assert_int_equal(l.n, 2);
    expect_hash(expect(&l, "libc", "0.2.40", 9, DIRECT), "sha256",
                "6fd41f331ac7c5b8ac259b8bf82c75c0fb2e469bbf37d2becbba9a6a2221965b");
    deps_lock_release(&l);

    /* Cargo before 1.23: the root crate is a [root] table, after the others */
    parse_ok("Cargo.lock", DATA "cargo/Cargo-root.lock", NULL, &l);
    assert_string_equal(l.format, "Cargo.lock v1");
    assert_int_equal(l.n, 3);
    app = expect(&l, "legacy", "0.0.1", 15, DIRECT);
    s1 = expect(&l, "hyper", "0.9.18", 2, DIRECT);
    s0 = expect(&l, "time", "0.1.45", 10, TRANS);
    expect_hash(s0, "sha256", "1b9bf64f730d6ee4b0528a5f0a316363da9d8104318731509d4ccc86248f82b4");
    assert_true(depends(&l, app, s1) && depends(&l, s1, s0));
    deps_lock_release(&l);
}

/* ---- Go ---- */

static void test_gomod_replace(void **state)
{
    struct deps_lock l;
    const struct deps_pkg *p;

    (void)state;
    parse_ok("go.mod", DATA "go/replace/go.mod", NULL, &l);
    assert_string_equal(l.format, "go.mod");
    assert_int_equal(l.n, 7);
    p = expect(&l, "github.com/pkg/errors", "v0.9.1", 8, DIRECT);
    assert_int_equal(p->eco, DEPS_ECO_GO);
    expect_hash(p, NULL, NULL);
    /* a replacement naming the version wins over one for all versions */
    expect(&l, "golang.org/x/net", "v0.18.0", 11, DIRECT);
    expect(&l, "golang.org/x/text", "v0.13.0", 12, TRANS);
    expect(&l, "github.com/quoted/mod", "v1.2.3", 13, DIRECT);
    expect(&l, "github.com/new/name", "v1.4.2", 14, DIRECT);
    expect(&l, "github.com/pinned/only", "v1.1.0", 16, DIRECT);
    expect(&l, "github.com/pinned/fixed", "v1.1.1", 17, DIRECT);
    /* replaced by a local directory: not a package */
    assert_null(find(&l, "github.com/local/fork", "v0.5.0"));
    deps_lock_release(&l);

    /* with its directory known, go.sum lends the hashes */
    parse_ok("go.mod", DATA "go/replace/go.mod", DATA "go/replace", &l);
    expect_hash(find(&l, "github.com/pkg/errors", "v0.9.1"), "sha256",
                "14404bc75cd2db5e28c298f2eeab017a2c5b51192e850030acae54c0b193c2de");
    deps_lock_release(&l);
}

static void test_gosum(void **state)
{
    struct deps_lock l;

    (void)state;
    /* a go.sum alone (no go.mod in its directory) */
    parse_ok("go.sum", DATA "go/sumonly/go.sum", DATA "go/sumonly", &l);
    assert_int_equal(l.n, 3);
    expect_hash(expect(&l, "github.com/pkg/errors", "v0.9.1", 1, 0), "sha256",
                "14404bc75cd2db5e28c298f2eeab017a2c5b51192e850030acae54c0b193c2de");
    /* a version only named for its go.mod still counts, without a hash */
    expect_hash(expect(&l, "github.com/only/gomod", "v1.0.0", 3, 0), NULL, NULL);
    expect_hash(expect(&l, "golang.org/x/text", "v0.13.0", 5, 0), "sha256",
                "69b950a1251dd2d45d2b165ec0ff3407e05aa9e289b9586e4718ff764aee9f79");
    deps_lock_release(&l);
}

/* ---- Bundler ---- */

static void test_gemfile(void **state)
{
    const struct deps_pkg *nk, *rs;
    struct deps_lock l;

    (void)state;
    parse_ok("Gemfile.lock", DATA "gem/Gemfile.lock", NULL, &l);
    assert_string_equal(l.format, "Gemfile.lock");
    assert_int_equal(l.n, 7);
    expect_hash(expect(&l, "mini_portile2", "2.8.5", 20, TRANS), "sha256",
                "43385991f0be5fed6db7fb640c5f510d41bcaac6ecca6c842a0c2a2d2d2bf510");
    /* three platform builds, one version; mygem (PATH) needs it */
    nk = expect(&l, "nokogiri", "1.13.10", 21, DIRECT);
    assert_int_equal(nk->eco, DEPS_ECO_RUBYGEMS);
    expect_hash(nk, "sha256", "1ff08d28e41dac416998a14f3fab30e8bfbfdea7860657508878f07448334658");
    expect(&l, "racc", "1.7.3", 28, TRANS);
    expect_hash(expect(&l, "rack", "2.2.8", 29, DIRECT), NULL, NULL);
    rs = expect(&l, "rspec", "3.12.0", 30, DIRECT);
    expect(&l, "rspec-core", "3.12.2", 32, TRANS);
    expect(&l, "thor", "1.3.0.pre.1", 33, TRANS);
    assert_true(depends(&l, nk, find(&l, "racc", "1.7.3")));
    assert_true(depends(&l, nk, find(&l, "mini_portile2", "2.8.5")));
    assert_true(depends(&l, rs, find(&l, "rspec-core", "3.12.2")));
    /* GIT and PATH gems are not from the registry */
    assert_null(find(&l, "rails", "7.2.0.alpha"));
    assert_null(find(&l, "mygem", "0.1.0"));
    deps_lock_release(&l);
}

/* ---- Composer ---- */

static void test_composer(void **state)
{
    const struct deps_pkg *mono, *lara, *unit, *p;
    struct deps_lock l;

    (void)state;
    parse_ok("composer.lock", DATA "composer/composer.lock", NULL, &l);
    assert_string_equal(l.format, "composer.lock");
    assert_int_equal(l.n, 6);
    mono = expect(&l, "monolog/monolog", "2.9.2", 6, TRANS);
    assert_int_equal(mono->eco, DEPS_ECO_PACKAGIST);
    expect_hash(mono, "sha1", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    /* in packages and packages-dev: production */
    p = expect(&l, "psr/log", "3.0.0", 24, TRANS);
    expect_hash(p, NULL, NULL);
    expect(&l, "symfony/polyfill-mbstring", "v1.28.0", 29, TRANS);
    lara = expect(&l, "laravel/framework", "v10.0.0", 34, DIRECT);
    unit = expect(&l, "phpunit/phpunit", "9.6.15", 45, DIRECT | DEV);
    expect(&l, "sebastian/diff", "4.0.5", 50, TRANS | DEV);
    assert_true(depends(&l, mono, p));
    assert_true(depends(&l, lara, mono));
    /* through "replace" */
    assert_true(depends(&l, lara, find(&l, "symfony/polyfill-mbstring", "v1.28.0")));
    assert_true(depends(&l, unit, find(&l, "sebastian/diff", "4.0.5")));
    deps_lock_release(&l);
}

/* ---- the manifest beside the lockfile ---- */

#define MANIFEST "tests/data/deps/manifest/"

/* package.json says what is direct, and what only devDependencies reach is
 * for development; the lockfile alone (test_yarn_v1) cannot tell */
static void test_yarn_v1_manifest(void **state)
{
    struct deps_lock l;

    (void)state;
    parse_ok("yarn.lock", DATA "yarn/v1.lock", MANIFEST "yarn", &l);
    expect(&l, "@babel/code-frame", "7.23.5", 5, DIRECT | DEV);
    expect(&l, "@babel/highlight", "7.23.4", 13, TRANS | DEV);
    /* needed by a dev package too, but asked for by the project */
    expect(&l, "chalk", "2.4.2", 20, DIRECT);
    expect(&l, "escape-string-regexp", "1.0.5", 29, TRANS);
    /* reached from code-frame (dev) and string-width (production) */
    expect(&l, "js-tokens", "4.0.0", 37, TRANS);
    /* asked for under an alias */
    expect(&l, "string-width", "4.2.3", 41, DIRECT);
    /* locked, but nothing the manifest names reaches them */
    expect(&l, "cyc-a", "1.0.0", 52, TRANS);
    deps_lock_release(&l);

    /* workspace members' manifests are not read: the root's names are
     * direct, and so is what nothing else needs; nothing is called dev */
    parse_ok("yarn.lock", DATA "yarn/v1.lock", MANIFEST "yarn-workspaces", &l);
    expect(&l, "@babel/code-frame", "7.23.5", 5, DIRECT);
    expect(&l, "@babel/highlight", "7.23.4", 13, TRANS);
    expect(&l, "string-width", "4.2.3", 41, DIRECT);
    deps_lock_release(&l);

    /* a manifest that is not JSON is a hint lost, not an error: the
     * lockfile alone */
    parse_ok("yarn.lock", DATA "yarn/v1.lock", MANIFEST "broken", &l);
    expect(&l, "chalk", "2.4.2", 20, TRANS);
    expect(&l, "@babel/code-frame", "7.23.5", 5, DIRECT);
    deps_lock_release(&l);

    /* no manifest there: the lockfile alone */
    parse_ok("yarn.lock", DATA "yarn/v1.lock", MANIFEST "composer", &l);
    expect(&l, "chalk", "2.4.2", 20, TRANS);
    expect(&l, "@babel/code-frame", "7.23.5", 5, DIRECT);
    deps_lock_release(&l);
}

static void test_npm_v1_manifest(void **state)
{
    struct deps_lock l;

    (void)state;
    parse_ok("package-lock.json", DATA "npm/v1-alias.json", MANIFEST "npm", &l);
    expect(&l, "accepts", "1.3.8", 7, DIRECT);
    /* required by accepts, and by the project itself */
    expect(&l, "mime-types", "2.1.35", 15, DIRECT);
    expect(&l, "mime-db", "1.52.0", 21, TRANS);
    /* the lockfile's own dev flag stays */
    expect(&l, "negotiator", "0.6.3", 24, TRANS | DEV);
    /* asked for under its alias */
    expect(&l, "string-width", "4.2.3", 28, DIRECT);
    /* top-level, but the project does not name it */
    expect(&l, "@other/real", "2.0.0", 43, TRANS);
    deps_lock_release(&l);
}

static void test_composer_manifest(void **state)
{
    struct deps_lock l;

    (void)state;
    parse_ok("composer.lock", DATA "composer/composer.lock", MANIFEST "composer", &l);
    /* names compare without case, as Composer's do */
    expect(&l, "laravel/framework", "v10.0.0", 34, DIRECT);
    expect(&l, "monolog/monolog", "2.9.2", 6, DIRECT);
    expect(&l, "psr/log", "3.0.0", 24, TRANS);
    expect(&l, "phpunit/phpunit", "9.6.15", 45, DIRECT | DEV);
    expect(&l, "sebastian/diff", "4.0.5", 50, TRANS | DEV);
    deps_lock_release(&l);
}

/* ---- malformed input ---- */

struct bad {
    const char *as;
    const char *text;
    int rc;
    const char *where; /* expected in the message after the path, e.g. ":3:" */
};

static void test_malformed(void **state)
{
    static const struct bad cases[] = {
        /* wrong types */
        { "package-lock.json", "{\"lockfileVersion\": 3,\n \"packages\": []}", MOAT_EPARSE,
          ":2: \"packages\" is not an object" },
        { "package-lock.json", "{\"lockfileVersion\": \"3\"}", MOAT_EPARSE, "lockfileVersion" },
        { "package-lock.json",
          "{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules/a\": {\"version\": 1}}}",
          MOAT_EPARSE, ":2: \"version\" is not a string" },
        { "package-lock.json", "{\"packages\": {\"node_modules/a\": 7}}", MOAT_EPARSE,
          "is not an object" },
        { "package-lock.json", "{\"dependencies\": {\"a\": {\"version\": \"npm:@1\"}}}",
          MOAT_EPARSE, "alias" },
        { "package-lock.json", "[1, 2]", MOAT_EPARSE, ":1: top level is not an object" },
        { "package-lock.json", "{\"a\": 1, \"a\": 2}", MOAT_EPARSE, "duplicate" },
        { "package-lock.json", "{\"dependencies\": {\"x\": {\"version\": \"1\\u0007\"}}}",
          MOAT_EPARSE, "control character" },
        { "composer.lock", "{\"packages\": {}}", MOAT_EPARSE, "is not an array" },
        { "composer.lock", "{\"packages\": [\n{\"name\": \"a/b\"}]}", MOAT_EPARSE,
          ":2: packages[0] has no" },
        { "composer.lock", "{}", MOAT_EPARSE, "no \"packages\"" },
        { "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  - a\n", MOAT_EPARSE,
          ":3: packages is not a map" },
        { "pnpm-lock.yaml", "packages: {}\n", MOAT_EPARSE, "lockfileVersion" },
        { "pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    dev: [\n",
          MOAT_EPARSE, "invalid YAML" },
        { "pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n  /nover: {}\n", MOAT_EPARSE,
          ":3: package key" },
        { "pnpm-lock.yaml", "a: *nowhere\n", MOAT_EPARSE, ":1: unknown YAML alias" },
        /* every document is read: a broken second one is an error */
        { "pnpm-lock.yaml", "lockfileVersion: '9.0'\n---\npackages: [\n", MOAT_EPARSE,
          "invalid YAML" },
        { "pnpm-lock.yaml", "lockfileVersion: '9.0'\n---\npackages: {}\n", MOAT_EPARSE,
          ":3: missing or bad lockfileVersion" },
        /* an anchor names a node of its own document only */
        { "pnpm-lock.yaml", "lockfileVersion: &v '9.0'\n---\nlockfileVersion: *v\n", MOAT_EPARSE,
          ":3: unknown YAML alias" },
        { "yarn.lock", "a@1:\n  version \"1\n", MOAT_EPARSE, ":2: unterminated string" },
        { "yarn.lock", "a@1:\n  resolved \"x\"\n", MOAT_EPARSE, ":1: entry has no version" },
        { "yarn.lock", "a@1:\n      version \"1\"\n", MOAT_EPARSE, ":2: unexpected indentation" },
        { "yarn.lock", "  version \"1\"\n", MOAT_EPARSE, "indentation" },
        { "yarn.lock", "a@1\n", MOAT_EPARSE, ":1: expected" },
        { "yarn.lock", "__metadata:\n  version: 6\n\"a@npm:1\":\n  version: 1\n", MOAT_EPARSE,
          ":3: entry has no resolution" },
        { "yarn.lock", "__metadata:\n  version: 6\n\"a@npm:1\": [1]\n", MOAT_EPARSE, ":3:" },
        { "Cargo.lock", "[[package]]\nname = \"a\n", MOAT_EPARSE, ":2: unterminated string" },
        { "Cargo.lock", "[[package]]\nversion = \"1\"\n", MOAT_EPARSE, ":1: [[package]] without" },
        { "Cargo.lock", "[[package]\n", MOAT_EPARSE, ":1: bad table header" },
        { "Cargo.lock", "[[package]]\nname = \"a\"\ndependencies = [\n \"b\",\n", MOAT_EPARSE,
          ":3: unterminated array" },
        { "Cargo.lock", "version = x3\n", MOAT_EPARSE, ":1: bad lockfile version" },
        { "Cargo.lock", "[[package]]\nname \"a\"\n", MOAT_EPARSE, ":2: expected '='" },
        { "go.mod", "module m\n\nrequire (\n\ta v1\n", MOAT_EPARSE, ":3: block is never closed" },
        { "go.mod", "module m\nfrobnicate x\n", MOAT_EPARSE, ":2: unknown directive" },
        { "go.mod", "require a\n", MOAT_EPARSE, ":1: expected \"require" },
        { "go.mod", "replace a => \n", MOAT_EPARSE, ":1: expected \"replace" },
        { "go.mod", "require \"a v1.0.0\n", MOAT_EPARSE, ":1: unterminated string" },
        { "go.sum", "a v1.0.0\n", MOAT_EPARSE, ":1: expected" },
        { "Gemfile.lock", "GEM\n  specs:\n    rack 2.0\n", MOAT_EPARSE, ":3: expected" },
        { "Gemfile.lock", "GEM\n  specs:\n      rack (>= 1)\n", MOAT_EPARSE,
          ":3: unexpected indentation" },
        { "Gemfile.lock", "GEM\n  specs:\n\track (1.0)\n", MOAT_EPARSE, ":3: tab" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bad *c = &cases[i];
        size_t len = strlen(c->text);
        struct moat_err err;
        struct deps_lock l;
        char path[64];
        int rc;

        assert_int_equal(moat_snprintf(path, sizeof(path), "bad/%s", c->as), 0);
        rc = parse_mem(c->as, path, NULL, c->text, len, &l, &err);
        if (rc != c->rc || strncmp(err.msg, path, strlen(path)) != 0 ||
            !strstr(err.msg + strlen(path), c->where))
            fail_msg("case %zu (%s): rc %d, message \"%s\"", i, c->as, rc, err.msg);
        deps_lock_release(&l);
    }
}

/* Every prefix of every example and fixture: an error naming the file, or a
 * lock that keeps the invariants; never a crash or an overread. */
static void test_truncated(void **state)
{
    static const char *const files[][2] = {
        { "package-lock.json", SHARED "npm-v1/package-lock.json" },
        { "package-lock.json", DATA "npm/v3-workspaces.json" },
        { "package-lock.json", DATA "npm/v1-alias.json" },
        { "yarn.lock", DATA "yarn/v1.lock" },
        { "yarn.lock", DATA "yarn/berry.lock" },
        { "pnpm-lock.yaml", DATA "pnpm/v6.yaml" },
        { "pnpm-lock.yaml", DATA "pnpm/v9.yaml" },
        { "pnpm-lock.yaml", DATA "pnpm/v5.yaml" },
        { "pnpm-lock.yaml", DATA "pnpm/v11-env.yaml" },
        { "Cargo.lock", DATA "cargo/Cargo.lock" },
        { "Cargo.lock", DATA "cargo/Cargo-root.lock" },
        { "go.mod", DATA "go/replace/go.mod" },
        { "go.sum", DATA "go/sumonly/go.sum" },
        { "Gemfile.lock", DATA "gem/Gemfile.lock" },
        { "composer.lock", DATA "composer/composer.lock" },
    };

    (void)state;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
        size_t fails = 0;
        assert_int_equal(moat_fs_read(files[f][1], &b, NULL), 0);
        for (size_t cut = 0; cut < b.len; cut++) {
            struct moat_err err;
            struct deps_lock l;
            int rc = parse_mem(files[f][0], files[f][1], NULL, b.data, cut, &l, &err);
            if (rc != 0) {
                assert_true(rc == MOAT_EPARSE || rc == MOAT_ETOOBIG);
                assert_int_equal(err.rc, rc);
                assert_memory_equal(err.msg, files[f][1], strlen(files[f][1]));
                fails++;
            } else {
                /* go.sum alone cannot tell direct from transitive */
                invariants(&l, (unsigned char *)b.data, cut, strcmp(files[f][0], "go.sum") != 0);
            }
            deps_lock_release(&l);
        }
        /* JSON cut before its last brace is never valid */
        if (strstr(files[f][1], ".json") || strstr(files[f][1], "composer"))
            assert_int_equal(fails, (size_t)(strrchr(b.data, '}') - b.data) + 1);
        moat_buf_release(&b);
    }
}

static void test_deep_nesting(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);
    struct moat_err err;
    struct deps_lock l;

    (void)state;
    /* JSON: 100 levels under "packages" */
    assert_int_equal(moat_buf_addstr(&b, "{\"lockfileVersion\": 3, \"packages\":\n"), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(moat_buf_addstr(&b, "{\"a\":"), 0);
    assert_int_equal(moat_buf_addstr(&b, "1"), 0);
    for (int i = 0; i < 101; i++)
        assert_int_equal(moat_buf_addch(&b, '}'), 0);
    assert_int_equal(parse_mem("package-lock.json", "deep.json", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "deep.json:2: nesting deeper than 64"));
    deps_lock_release(&l);
    assert_int_equal(parse_mem("composer.lock", "deep.json", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    deps_lock_release(&l);

    /* YAML: block and flow nesting */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "lockfileVersion: '9.0'\npackages:\n"), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(moat_buf_addf(&b, "%*sk%d:\n", 2 * (i + 1), "", i), 0);
    assert_int_equal(parse_mem("pnpm-lock.yaml", "deep.yaml", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "deep.yaml:"));
    assert_non_null(strstr(err.msg, "nesting deeper than 64"));
    deps_lock_release(&l);
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "__metadata:\n  version: 6\nx: "), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    assert_int_equal(parse_mem("yarn.lock", "deep.lock", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    deps_lock_release(&l);
    moat_buf_release(&b);
}

/* "Billion laughs": 10 aliases to 10 aliases to ... would expand to 10^9. */
static void test_yaml_bomb(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);
    struct moat_err err;
    struct deps_lock l;

    (void)state;
    assert_int_equal(moat_buf_addstr(&b, "lockfileVersion: '9.0'\nl0: &l0 [x,x,x,x,x,x,x,x,x,x]\n"),
                     0);
    for (int i = 1; i < 10; i++) {
        assert_int_equal(moat_buf_addf(&b, "l%d: &l%d [", i, i), 0);
        for (int k = 0; k < 10; k++)
            assert_int_equal(moat_buf_addf(&b, "%s*l%d", k ? "," : "", i - 1), 0);
        assert_int_equal(moat_buf_addstr(&b, "]\n"), 0);
    }
    assert_int_equal(moat_buf_addstr(&b, "packages: *l9\n"), 0);
    assert_int_equal(parse_mem("pnpm-lock.yaml", "bomb.yaml", NULL, b.data, b.len, &l, &err),
                     MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "bomb.yaml:"));
    assert_non_null(strstr(err.msg, "aliases"));
    deps_lock_release(&l);

    /* a few aliases are fine, and they may point at a package map */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "lockfileVersion: '6.0'\n"
                                         "x: &deps {a: 1.0.0}\n"
                                         "packages:\n"
                                         "  /a@1.0.0: {dev: false}\n"
                                         "  /b@2.0.0:\n"
                                         "    dependencies: *deps\n"
                                         "dependencies: {b: 2.0.0}\n"),
                     0);
    if (parse_mem("pnpm-lock.yaml", "alias.yaml", NULL, b.data, b.len, &l, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(l.n, 2);
    assert_true(depends(&l, find(&l, "b", "2.0.0"), find(&l, "a", "1.0.0")));
    deps_lock_release(&l);
    moat_buf_release(&b);
}

/* Over DEPS_MAX_LOCKFILE: refused up front, by every parser. */
static void test_too_big(void **state)
{
    size_t len = 100u << 20;
    char *big = moat_malloc(len);

    (void)state;
    memset(big, ' ', len);
    for (const struct deps_format *const *f = deps_formats_js; *f; f++) {
        struct deps_source src = { "big/lockfile", NULL, (unsigned char *)big, len };
        struct moat_err err = { 0, "" };
        struct deps_lock l;
        deps_lock_init(&l, src.path);
        assert_int_equal((*f)->parse(&src, &l, &err), MOAT_ETOOBIG);
        assert_non_null(strstr(err.msg, "big/lockfile: "));
        deps_lock_release(&l);
    }
    free(big);
}

/* A large valid lockfile parses whole, lines exact at the end. */
static void test_large(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    const size_t n = 40000;
    struct moat_err err;
    struct deps_lock l;
    char name[32];

    (void)state;
    assert_int_equal(moat_buf_addstr(&b, "{\n\"lockfileVersion\": 3,\n\"packages\": {\n"
                                         "\"\": {\"dependencies\": {\"p0\": \"1\"}},\n"),
                     0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(moat_buf_addf(&b,
                                       "\"node_modules/p%zu\": {\n\"version\": \"1.0.%zu\",\n"
                                       "\"dependencies\": {\"p%zu\": \"1\"}\n},\n",
                                       i, i, (i + 1) % n),
                         0);
    assert_int_equal(moat_buf_addstr(&b, "\"node_modules/z\": {\"version\": \"1\"}\n}\n}\n"), 0);
    if (parse_mem("package-lock.json", "large.json", NULL, b.data, b.len, &l, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(l.n, n + 1);
    assert_int_equal(moat_snprintf(name, sizeof(name), "1.0.%zu", n - 1), 0);
    expect(&l, "p39999", name, 5 + 4 * (unsigned)(n - 1), TRANS);
    expect(&l, "p0", "1.0.0", 5, DIRECT);
    /* a ring of n packages */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(l.pkgs[i].ndeps, 1);
    deps_lock_release(&l);
    moat_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_examples),
        cmocka_unit_test(test_shared_gosum),
        cmocka_unit_test(test_npm_v3_workspaces),
        cmocka_unit_test(test_npm_v1_alias),
        cmocka_unit_test(test_npm_shrinkwrap_cycle),
        cmocka_unit_test(test_npm_edges),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_yaml_lone_cr),
        cmocka_unit_test(test_yarn_v1),
        cmocka_unit_test(test_yarn_v1_manifest),
        cmocka_unit_test(test_npm_v1_manifest),
        cmocka_unit_test(test_composer_manifest),
        cmocka_unit_test(test_yarn_berry),
        cmocka_unit_test(test_pnpm_v6),
        cmocka_unit_test(test_pnpm_v9),
        cmocka_unit_test(test_pnpm_v5),
        cmocka_unit_test(test_pnpm_env_document),
        cmocka_unit_test(test_cargo),
        cmocka_unit_test(test_gomod_replace),
        cmocka_unit_test(test_gosum),
        cmocka_unit_test(test_gemfile),
        cmocka_unit_test(test_composer),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_yaml_bomb),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_large),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
