/* yarn.lock, both generations: v1 (yarn classic's own indented format,
 * parsed line by line) and berry (yarn 2+, YAML with a __metadata entry,
 * loaded with the lock_yaml.c tree). Each entry lists the specifiers
 * ("name@range") it satisfies; dependencies name a specifier, which is how
 * relations are resolved. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

/* Split "name@range" at the '@' that ends the name (a scoped name starts
 * with '@'). Without one, the whole is the name and the range is empty. */
static void split_spec(const char *s, size_t n, size_t *name_len, const char **range,
                       size_t *range_len)
{
    const char *at = n > 1 ? memchr(s + 1, '@', n - 1) : NULL;

    *name_len = at ? (size_t)(at - s) : n;
    *range = at ? at + 1 : s + n;
    *range_len = at ? n - (size_t)(at + 1 - s) : 0;
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);

    return n >= pl && memcmp(s, p, pl) == 0;
}

/* ---- shared by both: specifier -> entry, then edges ---- */

struct dep {
    const char *name, *range; /* in the scratch arena, NUL-terminated */
    size_t entry;             /* the entry that names it */
};

struct yentry {
    bool have, workspace;
    size_t pkg;
};

struct yarn {
    const struct deps_source *src;
    struct deps_lock *l;
    struct lockjs_pkgs pkgs;
    struct moat_arena scratch;
    struct moat_map specs; /* "name@range" -> entry index + 1 */
    /* per entry: whether it is a package (and which), or a workspace */
    MOAT_VEC(struct yentry) entries;
    MOAT_VEC(struct dep) deps;
    struct moat_buf buf;
};

static void add_spec(struct yarn *y, const char *s, size_t n)
{
    /* first entry wins: a specifier listed twice is a corrupt lockfile, and
     * either answer is as good */
    if (!moat_map_get(&y->specs, s, n))
        moat_map_put(&y->specs, s, n, (void *)(uintptr_t)y->entries.n);
}

static void add_dep(struct yarn *y, const char *name, size_t nlen, const char *range, size_t rlen)
{
    struct dep d = { moat_arena_strndup(&y->scratch, name, nlen),
                     moat_arena_strndup(&y->scratch, range, rlen), y->entries.n - 1 };
    MOAT_VEC_PUSH(&y->deps, d);
}

/* The entry a dependency (name, range) refers to. Berry writes ranges with
 * their protocol ("npm:^1.0.0") in new lockfiles and without it in older
 * ones, whose keys still carry "npm:". */
static const struct yentry *find_dep(struct yarn *y, const struct dep *d)
{
    void *v;

    moat_buf_reset(&y->buf);
    if (moat_buf_addstr(&y->buf, d->name) || moat_buf_addch(&y->buf, '@') ||
        moat_buf_addstr(&y->buf, d->range))
        return NULL;
    if (!(v = moat_map_get(&y->specs, y->buf.data, y->buf.len))) {
        moat_buf_reset(&y->buf);
        if (moat_buf_addstr(&y->buf, d->name) || moat_buf_addstr(&y->buf, "@npm:") ||
            moat_buf_addstr(&y->buf, d->range))
            return NULL;
        v = moat_map_get(&y->specs, y->buf.data, y->buf.len);
    }
    return v ? &y->entries.v[(uintptr_t)v - 1] : NULL;
}

/* Edges between packages; what workspaces depend on is direct. *ws_deps
 * tells whether any workspace named a dependency. */
static int link_deps(struct yarn *y, bool *ws_deps, struct moat_err *err)
{
    int rc;

    *ws_deps = false;

    for (size_t i = 0; i < y->deps.n; i++) {
        const struct yentry *from = &y->entries.v[y->deps.v[i].entry];
        const struct yentry *to = find_dep(y, &y->deps.v[i]);
        if (from->workspace)
            *ws_deps = true;
        if (!to || !to->have)
            continue;
        if (from->workspace)
            y->l->pkgs[to->pkg].flags |= DEPS_PKG_DIRECT;
        else if (from->have && (rc = lockjs_depend(&y->pkgs, from->pkg, to->pkg, err)) != 0)
            return rc;
    }
    return 0;
}

/* What package.json beside the lockfile asks for is direct (unless
 * workspace entries said it already), and what only its devDependencies
 * reach is for development. Without it, a package nothing else needs is
 * there because the project asks for it; so too with workspaces, whose
 * members' manifests are not read. */
static void mark_asked(struct yarn *y, bool ws_deps)
{
    struct lockjs_manifest m;
    unsigned char *root;

    if (!lockjs_manifest_load(y->src, "package.json", lockjs_npm_prod, lockjs_npm_dev, &m)) {
        if (!ws_deps)
            lockjs_mark_roots(y->l, NULL);
        lockjs_manifest_release(&m);
        return;
    }
    root = moat_calloc(y->l->n ? y->l->n : 1, 1);
    for (size_t i = 0; i < m.v.n; i++) {
        struct dep d = { m.v.v[i].name, m.v.v[i].range, 0 };
        const struct yentry *e = find_dep(y, &d);
        if (e && e->have)
            root[e->pkg] |= m.v.v[i].bits;
    }
    if (!ws_deps) {
        lockjs_mark_asked(y->l, root);
        if (m.workspaces)
            lockjs_mark_roots(y->l, NULL);
    }
    if (!m.workspaces)
        lockjs_mark_dev(y->l, root);
    free(root);
    lockjs_manifest_release(&m);
}

/* ---- v1 ---- */

/* One token at *p: a "quoted string" (JSON escapes) or a bare word up to
 * whitespace or a comma. The result is in the scratch arena. */
static int token(struct yarn *y, const char **p, const char *end, unsigned line, const char **out,
                 size_t *olen, bool *quoted, struct moat_err *err)
{
    const char *s = *p;

    *quoted = s < end && *s == '"';
    if (*quoted) {
        const char *close;
        char *o;
        size_t n = 0;
        /* find the end first, so the copy is the string's size, not the
         * rest of the line's */
        for (close = s + 1; close < end && *close != '"'; close++)
            if (*close == '\\' && close + 1 < end)
                close++;
        if (close >= end)
            return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "unterminated string");
        o = moat_arena_alloc(&y->scratch, (size_t)(close - s));
        for (s++; s < close; s++) {
            if (*s == '\\' && s + 1 < close)
                s++;
            o[n++] = *s;
        }
        o[n] = '\0';
        *out = o;
        *olen = n;
        *p = close + 1;
        return 0;
    }
    while (s < end && *s != ' ' && *s != '\t' && *s != ',')
        s++;
    *out = moat_arena_strndup(&y->scratch, *p, (size_t)(s - *p));
    *olen = (size_t)(s - *p);
    *p = s;
    return 0;
}

struct v1entry {
    unsigned line;
    const char *spec; /* the first specifier */
    size_t spec_len;
    const char *version, *resolved, *integrity;
    size_t version_len, resolved_len, integrity_len;
};

static int v1_finish(struct yarn *y, struct v1entry *e, struct moat_err *err)
{
    struct lockjs_entry pe = { .eco = DEPS_ECO_NPM, .line = e->line };
    struct yentry *ye = &y->entries.v[y->entries.n - 1];
    const char *range;
    size_t rlen;
    int rc;

    if (!e->version)
        return lockjs_fail(err, MOAT_EPARSE, y->src->path, e->line, "entry has no version");
    split_spec(e->spec, e->spec_len, &pe.name_len, &range, &rlen);
    pe.name = e->spec;
    if (has_prefix(range, rlen, "npm:")) {
        /* an alias, "alias@npm:real@^1.0.0": the package is real */
        size_t real_len;
        const char *r2;
        size_t r2len;
        split_spec(range + 4, rlen - 4, &real_len, &r2, &r2len);
        pe.name = range + 4;
        pe.name_len = real_len;
        range = r2;
        rlen = r2len;
    }
    if (has_prefix(range, rlen, "file:") || has_prefix(range, rlen, "link:"))
        return 0; /* the project's own files */
    pe.version = e->version;
    pe.version_len = e->version_len;
    if (!(e->integrity &&
          lockjs_sri(y->l, e->integrity, e->integrity_len, &pe.hash_alg, &pe.hash)) &&
        e->resolved) {
        /* older entries carry only the tarball's sha1 after a '#' */
        const char *h = memchr(e->resolved, '#', e->resolved_len);
        if (h && (pe.hash =
                      lockjs_hex(y->l, h + 1, e->resolved_len - (size_t)(h + 1 - e->resolved), 20)))
            pe.hash_alg = "sha1";
    }
    if ((rc = lockjs_pkgs_add(&y->pkgs, &pe, &ye->pkg, err)) != 0)
        return rc;
    ye->have = true;
    return 0;
}

static int parse_v1(struct yarn *y, struct moat_err *err)
{
    const char *p = (const char *)y->src->data, *end = p + y->src->len;
    struct v1entry cur = { 0 };
    bool in_entry = false, opened = false;
    size_t prev_indent = 0;
    /* the block open at indent 2 ("dependencies:"), which decides what an
     * indent-4 line means */
    enum { B_NONE, B_DEPS, B_OTHER } block = B_NONE;
    unsigned line = 0;
    int rc = 0;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *le;
        size_t indent;
        eol = eol ? eol : end;
        le = eol;
        p = eol < end ? eol + 1 : end;
        line++;
        if (le > s && le[-1] == '\r')
            le--;
        while (le > s && (le[-1] == ' ' || le[-1] == '\t'))
            le--;
        for (indent = 0; s + indent < le && s[indent] == ' '; indent++)
            ;
        if (s + indent == le || s[indent] == '#')
            continue;
        if (s[indent] == '\t' || indent % 2)
            return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "bad indentation");
        if (indent > prev_indent && !(opened && indent == prev_indent + 2))
            return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "unexpected indentation");
        s += indent;
        opened = le[-1] == ':';
        prev_indent = indent;

        if (indent == 0) {
            /* "spec1, "spec2":" starts an entry */
            struct yentry ye = { 0 };
            const char *hs = s, *he = le - 1;
            if (!opened)
                return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "expected \"specifier:\"");
            if (in_entry && (rc = v1_finish(y, &cur, err)) != 0)
                return rc;
            memset(&cur, 0, sizeof(cur));
            cur.line = line;
            in_entry = true;
            block = B_NONE;
            MOAT_VEC_PUSH(&y->entries, ye);
            while (hs < he) {
                const char *spec;
                size_t slen;
                bool q;
                if ((rc = token(y, &hs, he, line, &spec, &slen, &q, err)) != 0)
                    return rc;
                if (slen == 0)
                    return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "empty specifier");
                if (!cur.spec) {
                    cur.spec = spec;
                    cur.spec_len = slen;
                }
                add_spec(y, spec, slen);
                while (hs < he && (*hs == ' ' || *hs == ','))
                    hs++;
            }
            if (!cur.spec)
                return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "empty specifier");
            continue;
        }
        if (!in_entry)
            return lockjs_fail(err, MOAT_EPARSE, y->src->path, line, "field outside an entry");
        if (indent == 2) {
            const char *k, *v;
            size_t klen, vlen;
            bool q;
            if ((rc = token(y, &s, le, line, &k, &klen, &q, err)) != 0)
                return rc;
            if (opened && (s == le || (s + 1 == le && *s == ':'))) {
                if (!q && klen && k[klen - 1] == ':')
                    klen--;
                block = (klen == 12 && memcmp(k, "dependencies", 12) == 0) ||
                                (klen == 20 && memcmp(k, "optionalDependencies", 20) == 0)
                            ? B_DEPS
                            : B_OTHER;
                continue;
            }
            block = B_NONE;
            while (s < le && (*s == ' ' || *s == '\t'))
                s++;
            if ((rc = token(y, &s, le, line, &v, &vlen, &q, err)) != 0)
                return rc;
            if (klen == 7 && memcmp(k, "version", 7) == 0) {
                cur.version = v;
                cur.version_len = vlen;
            } else if (klen == 8 && memcmp(k, "resolved", 8) == 0) {
                cur.resolved = v;
                cur.resolved_len = vlen;
            } else if (klen == 9 && memcmp(k, "integrity", 9) == 0) {
                cur.integrity = v;
                cur.integrity_len = vlen;
            }
            continue;
        }
        if (indent == 4 && block == B_DEPS) {
            const char *k, *v;
            size_t klen, vlen;
            bool q;
            if ((rc = token(y, &s, le, line, &k, &klen, &q, err)) != 0)
                return rc;
            while (s < le && (*s == ' ' || *s == '\t'))
                s++;
            if ((rc = token(y, &s, le, line, &v, &vlen, &q, err)) != 0)
                return rc;
            add_dep(y, k, klen, v, vlen);
        }
        /* deeper lines (dependenciesMeta and the like) carry nothing we use */
    }
    if (in_entry && (rc = v1_finish(y, &cur, err)) != 0)
        return rc;
    return 0;
}

/* ---- berry ---- */

static const char *const local_protocols[] = { "workspace:", "link:", "portal:", "file:", "exec:" };

static int berry_entry(struct yarn *y, const struct lockjs_ynode *k, const struct lockjs_ynode *v,
                       struct moat_err *err)
{
    struct lockjs_entry pe = { .eco = DEPS_ECO_NPM, .line = k->line };
    const struct lockjs_ynode *res = lockjs_yget(v, "resolution");
    const struct lockjs_ynode *ver = lockjs_yget(v, "version");
    const struct lockjs_ynode *sum = lockjs_yget(v, "checksum");
    struct yentry ye = { 0 };
    const char *range, *sp, *se;
    size_t rlen, idx = y->entries.n;
    int rc;

    MOAT_VEC_PUSH(&y->entries, ye);
    if (k->kind != LOCKJS_YSCALAR || v->kind != LOCKJS_YMAP)
        return lockjs_fail(err, MOAT_EPARSE, y->src->path, k->line,
                           "entry is not \"specifiers\": {fields}");
    if (!lockjs_yscalar(res))
        return lockjs_fail(err, MOAT_EPARSE, y->src->path, k->line, "entry has no resolution");
    /* the key lists every specifier this entry satisfies, ", "-separated */
    for (sp = k->str, se = k->str + k->len; sp < se;) {
        const char *c = memchr(sp, ',', (size_t)(se - sp));
        const char *e = c ? c : se;
        while (sp < e && *sp == ' ')
            sp++;
        if (e > sp)
            add_spec(y, sp, (size_t)(e - sp));
        sp = c ? c + 1 : se;
    }
    split_spec(res->str, res->len, &pe.name_len, &range, &rlen);
    pe.name = res->str;
    for (size_t i = 0; i < sizeof(local_protocols) / sizeof(local_protocols[0]); i++)
        if (has_prefix(range, rlen, local_protocols[i])) {
            /* the project's own code; a workspace's dependencies are direct */
            y->entries.v[idx].workspace = i == 0;
            return 0;
        }
    /* patch: and npm: alike, "version" is the registry version underneath */
    if (!lockjs_yscalar(ver))
        return lockjs_fail(err, MOAT_EPARSE, y->src->path, k->line, "entry has no version");
    pe.version = ver->str;
    pe.version_len = ver->len;
    if (lockjs_yscalar(sum)) {
        /* "10c0/<sha512 hex>": cache key, then the hash of yarn's zip */
        const char *h = memchr(sum->str, '/', sum->len);
        h = h ? h + 1 : sum->str;
        if ((pe.hash = lockjs_hex(y->l, h, sum->len - (size_t)(h - sum->str), 64)))
            pe.hash_alg = "sha512";
    }
    if ((rc = lockjs_pkgs_add(&y->pkgs, &pe, &y->entries.v[idx].pkg, err)) != 0)
        return rc;
    y->entries.v[idx].have = true;
    return 0;
}

static int berry_deps(struct yarn *y, const struct lockjs_ynode *v, struct moat_err *err)
{
    static const char *const fields[] = { "dependencies", "optionalDependencies" };

    for (size_t f = 0; f < 2; f++) {
        const struct lockjs_ynode *d = lockjs_yget(v, fields[f]);
        if (!d || (d->kind == LOCKJS_YSCALAR && !lockjs_yscalar(d)))
            continue;
        if (d->kind != LOCKJS_YMAP)
            return lockjs_fail(err, MOAT_EPARSE, y->src->path, d->line, "%s is not a map",
                               fields[f]);
        for (size_t i = 0; i < d->n; i++) {
            const struct lockjs_ynode *dk = d->kids[2 * i], *dv = d->kids[2 * i + 1];
            if (!lockjs_yscalar(dk) || !lockjs_yscalar(dv))
                return lockjs_fail(err, MOAT_EPARSE, y->src->path, dk->line,
                                   "dependency is not \"name: range\"");
            add_dep(y, dk->str, dk->len, dv->str, dv->len);
        }
    }
    return 0;
}

static int parse_berry(struct yarn *y, struct moat_err *err)
{
    struct lockjs_ydoc doc;
    const struct lockjs_ynode *root;
    int rc;

    if ((rc = lockjs_yaml_load(y->src, &doc, err)) != 0)
        goto out;
    root = doc.root;
    if (!root || root->kind != LOCKJS_YMAP) {
        rc = lockjs_fail(err, MOAT_EPARSE, y->src->path, root ? root->line : 0,
                         "top level is not a map");
        goto out;
    }
    for (size_t i = 0; i < root->n; i++) {
        const struct lockjs_ynode *k = root->kids[2 * i], *v = root->kids[2 * i + 1];
        if (lockjs_yis(k, "__metadata"))
            continue;
        if ((rc = berry_entry(y, k, v, err)) != 0 || (rc = berry_deps(y, v, err)) != 0)
            goto out;
    }
out:
    lockjs_yaml_release(&doc);
    return rc;
}

/* Berry has a __metadata entry at the top level; v1 never does. */
static bool is_berry(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i + 11 <= n; i++) {
        if ((i == 0 || d[i - 1] == '\n') && memcmp(d + i, "__metadata:", 11) == 0)
            return true;
        const unsigned char *nl = memchr(d + i, '\n', n - i);
        if (!nl)
            break;
        i = (size_t)(nl - d);
    }
    return false;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct yarn y = { .src = src, .l = l };
    bool berry, ws_deps;
    int rc;

    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    berry = is_berry(src->data, src->len);
    lockjs_pkgs_init(&y.pkgs, l, src->path);
    moat_arena_init(&y.scratch, 256u << 10);
    moat_map_init(&y.specs);
    y.buf = (struct moat_buf)MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    if ((rc = berry ? parse_berry(&y, err) : parse_v1(&y, err)) != 0)
        goto out;
    /* what the project asks for is only recorded for berry workspaces */
    if ((rc = link_deps(&y, &ws_deps, err)) != 0)
        goto out;
    mark_asked(&y, ws_deps);
    lockjs_finish(l);
    l->format = berry ? "yarn.lock berry" : "yarn.lock v1";
out:
    moat_buf_release(&y.buf);
    moat_map_release(&y.specs, NULL);
    moat_arena_release(&y.scratch);
    free(y.entries.v);
    free(y.deps.v);
    lockjs_pkgs_release(&y.pkgs);
    return rc;
}

const struct deps_format lock_yarn_format = {
    .name = "yarn.lock",
    .parse = parse,
};
