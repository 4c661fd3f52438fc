/* Cargo.lock: the TOML subset Cargo writes — a top-level "version = N",
 * [[package]] tables (name, version, source, checksum, dependencies as
 * "name", "name version" or "name version (source)") and v1's [metadata]
 * checksums (and its [root], the root crate of Cargo before 1.23). Every
 * [[package]] counts, the project's own crates (no source) included; what
 * they depend on is direct. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

struct cur {
    const char *s, *end;
    unsigned line;
    const char *path;
    struct moat_arena *a;
};

struct crate {
    unsigned line, name_line;
    const char *name, *version, *source, *checksum; /* arena strings or NULL */
    MOAT_VEC(const char *) deps;
};

/* Spaces, tabs and a comment; newlines too when nl. */
static void skip(struct cur *c, bool nl)
{
    while (c->s < c->end) {
        if (*c->s == '#') {
            while (c->s < c->end && *c->s != '\n')
                c->s++;
        } else if (*c->s == '\n' && nl) {
            c->line++;
            c->s++;
        } else if (*c->s == ' ' || *c->s == '\t' || *c->s == '\r') {
            c->s++;
        } else {
            return;
        }
    }
}

/* A basic "..." or literal '...' string on one line; *out in the arena. */
static int string(struct cur *c, const char **out, struct moat_err *err)
{
    const char *close = c->s + 1;
    char q = *c->s, *o;
    size_t n = 0;

    if (c->end - c->s >= 3 && c->s[1] == q && c->s[2] == q)
        return lockjs_fail(err, MOAT_EPARSE, c->path, c->line,
                           "multi-line strings are not used in Cargo.lock");
    /* find the end first, so the copy is the string's size */
    for (; close < c->end && *close != q && *close != '\n'; close++)
        if (q == '"' && *close == '\\' && close + 1 < c->end && close[1] != '\n')
            close++;
    if (close >= c->end || *close != q)
        return lockjs_fail(err, MOAT_EPARSE, c->path, c->line, "unterminated string");
    o = moat_arena_alloc(c->a, (size_t)(close - c->s));
    for (c->s++; c->s < close; c->s++) {
        if (q == '"' && *c->s == '\\' && c->s + 1 < close) {
            c->s++;
            switch (*c->s) {
            case 'n': o[n++] = '\n'; break;
            case 't': o[n++] = '\t'; break;
            default: o[n++] = *c->s; break;
            }
            continue;
        }
        o[n++] = *c->s;
    }
    c->s = close + 1;
    o[n] = '\0';
    *out = o;
    return 0;
}

/* A value: a string (*str set, *quoted true), an array of strings (pushed
 * to arr when not NULL; *str NULL), or a bare scalar such as a number (*str
 * set, *quoted false). */
static int value(struct cur *c, const char **str, bool *quoted, struct crate *arr,
                 struct moat_err *err)
{
    const char *b0;
    int rc;

    *str = NULL;
    *quoted = false;
    if (c->s >= c->end || *c->s == '\n')
        return lockjs_fail(err, MOAT_EPARSE, c->path, c->line, "missing value");
    if (*c->s == '"' || *c->s == '\'') {
        *quoted = true;
        return string(c, str, err);
    }
    if (*c->s == '[') {
        unsigned open = c->line;
        c->s++;
        for (;;) {
            const char *s;
            skip(c, true);
            if (c->s >= c->end)
                return lockjs_fail(err, MOAT_EPARSE, c->path, open, "unterminated array");
            if (*c->s == ']') {
                c->s++;
                return 0;
            }
            if (*c->s != '"' && *c->s != '\'')
                return lockjs_fail(err, MOAT_EPARSE, c->path, c->line,
                                   "expected a string in the array");
            if ((rc = string(c, &s, err)) != 0)
                return rc;
            if (arr)
                MOAT_VEC_PUSH(&arr->deps, s);
            skip(c, true);
            if (c->s < c->end && *c->s == ',')
                c->s++;
            else if (c->s < c->end && *c->s != ']')
                return lockjs_fail(err, MOAT_EPARSE, c->path, c->line, "expected ',' or ']'");
        }
    }
    if (*c->s == '{')
        return lockjs_fail(err, MOAT_EPARSE, c->path, c->line,
                           "inline tables are not used in Cargo.lock");
    for (b0 = c->s; c->s < c->end && *c->s != '\n' && *c->s != '#' && *c->s != ' ' &&
                    *c->s != '\t' && *c->s != '\r';
         c->s++)
        ;
    *str = moat_arena_strndup(c->a, b0, (size_t)(c->s - b0));
    return 0;
}

static bool is_bare(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

struct cargo {
    const struct deps_source *src;
    struct deps_lock *l;
    struct lockjs_pkgs pkgs;
    struct moat_arena scratch;
    MOAT_VEC(struct crate) crates;
    struct moat_map meta; /* v1 [metadata]: "name version" -> checksum */
    long long version;
    bool have_meta;
};

/* v1 keeps checksums apart: "checksum NAME VERSION (SOURCE)" = "hex". */
static void meta_checksum(struct cargo *g, const char *key, const char *val)
{
    const char *n, *v, *e;

    if (strncmp(key, "checksum ", 9) != 0 || !val)
        return;
    n = key + 9;
    if (!(v = strchr(n, ' ')))
        return;
    e = strchr(v + 1, ' ');
    e = e ? e : v + strlen(v);
    moat_map_put(&g->meta, n, (size_t)(e - n), (void *)val);
}

static int parse_text(struct cargo *g, struct moat_err *err)
{
    struct cur c = { (const char *)g->src->data, (const char *)g->src->data + g->src->len, 1,
                     g->src->path, &g->scratch };
    enum { S_TOP, S_PACKAGE, S_METADATA, S_OTHER } sec = S_TOP;
    int rc;

    for (;;) {
        struct crate *cr = sec == S_PACKAGE ? &g->crates.v[g->crates.n - 1] : NULL;
        const char *key, *val;
        unsigned line;
        bool quoted;
        skip(&c, true);
        if (c.s >= c.end)
            return 0;
        line = c.line;
        if (*c.s == '[') {
            const char *nl = memchr(c.s, '\n', (size_t)(c.end - c.s));
            const char *e = nl ? nl : c.end, *h = c.s;
            size_t hl;
            while (e > h && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
            hl = (size_t)(e - h);
            /* Cargo before 1.23 wrote the workspace's root crate as [root] */
            if ((hl == 11 && memcmp(h, "[[package]]", 11) == 0) ||
                (hl == 6 && memcmp(h, "[root]", 6) == 0)) {
                struct crate nc = { .line = line };
                MOAT_VEC_PUSH(&g->crates, nc);
                sec = S_PACKAGE;
            } else if (hl == 10 && memcmp(h, "[metadata]", 10) == 0) {
                sec = S_METADATA;
                g->have_meta = true;
            } else if ((hl >= 4 && h[1] == '[' && e[-2] == ']' && e[-1] == ']') ||
                       (hl >= 2 && h[1] != '[' && e[-1] == ']' && e[-2] != ']')) {
                sec = S_OTHER;
            } else {
                return lockjs_fail(err, MOAT_EPARSE, c.path, line, "bad table header");
            }
            c.s = e;
            continue;
        }
        if (*c.s == '"' || *c.s == '\'') {
            if ((rc = string(&c, &key, err)) != 0)
                return rc;
        } else {
            const char *k0 = c.s;
            while (c.s < c.end && is_bare(*c.s))
                c.s++;
            if (c.s == k0)
                return lockjs_fail(err, MOAT_EPARSE, c.path, line, "expected key = value");
            key = moat_arena_strndup(&g->scratch, k0, (size_t)(c.s - k0));
        }
        skip(&c, false);
        if (c.s >= c.end || *c.s != '=')
            return lockjs_fail(err, MOAT_EPARSE, c.path, line, "expected '=' after the key");
        c.s++;
        skip(&c, false);
        if ((rc = value(&c, &val, &quoted, cr && strcmp(key, "dependencies") == 0 ? cr : NULL,
                        err)) != 0)
            return rc;
        skip(&c, false);
        if (c.s < c.end && *c.s != '\n')
            return lockjs_fail(err, MOAT_EPARSE, c.path, line, "junk after the value");
        if (sec == S_TOP && strcmp(key, "version") == 0 && val && !quoted) {
            char *end;
            g->version = strtoll(val, &end, 10);
            if (*end || g->version < 1 || g->version > 99)
                return lockjs_fail(err, MOAT_EPARSE, c.path, line, "bad lockfile version");
        } else if (sec == S_METADATA) {
            meta_checksum(g, key, quoted ? val : NULL);
        } else if (cr && val && quoted) {
            if (strcmp(key, "name") == 0) {
                cr->name = val;
                cr->name_line = line;
            } else if (strcmp(key, "version") == 0) {
                cr->version = val;
            } else if (strcmp(key, "source") == 0) {
                cr->source = val;
            } else if (strcmp(key, "checksum") == 0) {
                cr->checksum = val;
            }
        }
    }
}

/* A dependency "name", "name version" or "name version (source)". */
static bool find_dep(struct cargo *g, struct moat_map *names, const char *d, size_t *to)
{
    const char *sp = strchr(d, ' ');
    const char *ve;
    void *v;

    if (!sp) {
        v = moat_map_get(names, d, strlen(d));
        if (!v || v == (void *)(uintptr_t)-1)
            return false; /* unknown, or ambiguous (Cargo would have said the version) */
        *to = (uintptr_t)v - 1;
        return true;
    }
    ve = strchr(sp + 1, ' ');
    ve = ve ? ve : sp + strlen(sp);
    return lockjs_pkgs_find(&g->pkgs, d, (size_t)(sp - d), sp + 1, (size_t)(ve - sp - 1), to);
}

static int build(struct cargo *g, struct moat_err *err)
{
    struct moat_map names; /* name -> pkg + 1, or -1 when several versions */
    size_t *idx = moat_calloc(g->crates.n ? g->crates.n : 1, sizeof(*idx));
    int rc = 0;

    moat_map_init(&names);
    for (size_t i = 0; i < g->crates.n; i++) {
        struct crate *cr = &g->crates.v[i];
        struct lockjs_entry e = { .eco = DEPS_ECO_CRATES, .line = cr->name_line };
        const char *sum = cr->checksum;
        void *old;
        if (!cr->name || !cr->version) {
            rc = lockjs_fail(err, MOAT_EPARSE, g->src->path, cr->line,
                             "[[package]] without a name and version");
            goto out;
        }
        e.name = cr->name;
        e.name_len = strlen(cr->name);
        e.version = cr->version;
        e.version_len = strlen(cr->version);
        /* no source: a crate of this workspace, which the project names itself */
        if (!cr->source)
            e.flags |= DEPS_PKG_DIRECT;
        if (!sum) {
            char k[DEPS_MAX_NAME + DEPS_MAX_VERSION + 2];
            if (moat_snprintf(k, sizeof(k), "%s %s", cr->name, cr->version) == 0)
                sum = moat_map_get(&g->meta, k, strlen(k));
        }
        if (sum && (e.hash = lockjs_hex(g->l, sum, strlen(sum), 32)))
            e.hash_alg = "sha256";
        if ((rc = lockjs_pkgs_add(&g->pkgs, &e, &idx[i], err)) != 0)
            goto out;
        old = moat_map_get(&names, e.name, e.name_len);
        moat_map_put(&names, e.name, e.name_len,
                     old && (uintptr_t)old - 1 != idx[i] ? (void *)(uintptr_t)-1
                                                         : (void *)(uintptr_t)(idx[i] + 1));
    }
    for (size_t i = 0; i < g->crates.n; i++) {
        const struct crate *cr = &g->crates.v[i];
        for (size_t d = 0; d < cr->deps.n; d++) {
            size_t to;
            if (!find_dep(g, &names, cr->deps.v[d], &to) || to == idx[i])
                continue;
            if ((rc = lockjs_depend(&g->pkgs, idx[i], to, err)) != 0)
                goto out;
            if (!cr->source)
                g->l->pkgs[to].flags |= DEPS_PKG_DIRECT;
        }
    }
out:
    moat_map_release(&names, NULL);
    free(idx);
    return rc;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct cargo g = { .src = src, .l = l };
    char fmt[48];
    int rc;

    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    lockjs_pkgs_init(&g.pkgs, l, src->path);
    moat_arena_init(&g.scratch, 256u << 10);
    moat_map_init(&g.meta);
    if ((rc = parse_text(&g, err)) != 0 || (rc = build(&g, err)) != 0)
        goto out;
    lockjs_finish(l);
    /* v1 has [metadata] checksums and no version key; v2 has neither */
    if ((rc = moat_snprintf(fmt, sizeof(fmt), "Cargo.lock v%lld",
                            g.version > 0 ? g.version
                            : g.have_meta ? 1
                                          : 2)) != 0)
        goto out;
    l->format = deps_lock_strdup(l, fmt, strlen(fmt));
out:
    for (size_t i = 0; i < g.crates.n; i++)
        free(g.crates.v[i].deps.v);
    free(g.crates.v);
    moat_map_release(&g.meta, NULL);
    moat_arena_release(&g.scratch);
    lockjs_pkgs_release(&g.pkgs);
    return rc;
}

const struct deps_format lock_cargo_format = {
    .name = "Cargo.lock",
    .parse = parse,
};
