/* pnpm-lock.yaml: v5 ("/name/version" keys, "_peer" suffixes), v6
 * ("/name@version(peer@1.0.0)") and v9 ("packages" without peers plus
 * "snapshots" with them and the dependency lists), in one document or, from
 * pnpm 11, two (an "env" document first, then the project's). "importers"
 * (or the top-level dependency maps of a single project) say what is direct
 * and what is for development. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

struct pnpm {
    const struct deps_source *src;
    struct deps_lock *l;
    struct lockjs_pkgs pkgs;
    bool v5;               /* "/name/version_peers" keys */
    bool dev_flags;        /* some package says dev: true/false */
    struct moat_map bykey; /* key without '/' and peers -> pkg + 1 */
    struct moat_buf buf;
    unsigned char *root; /* per package: 1 production, 2 development */
    size_t root_cap;
};

static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);

    return n >= pl && memcmp(s, p, pl) == 0;
}

/* A package key without its leading '/' and peer suffix; its name and
 * version when it has the registry form (else *vlen is 0). */
static void parse_key(const struct pnpm *p, const char *k, size_t n, size_t *klen, size_t *name_len,
                      const char **ver, size_t *vlen)
{
    const char *at, *cut;

    *vlen = 0;
    *ver = k + n;
    *name_len = n;
    if (p->v5) {
        const char *slash = NULL;
        for (size_t i = n; i-- > 1;)
            if (k[i] == '/') {
                slash = k + i;
                break;
            }
        if (slash) {
            *name_len = (size_t)(slash - k);
            *ver = slash + 1;
            cut = memchr(*ver, '_', n - (size_t)(*ver - k));
            *vlen = cut ? (size_t)(cut - *ver) : n - (size_t)(*ver - k);
        }
    } else {
        /* only a scope's leading '@' can come before the one ending the name */
        at = n > 1 ? memchr(k + 1, '@', n - 1) : NULL;
        if (at) {
            *name_len = (size_t)(at - k);
            *ver = at + 1;
            cut = memchr(*ver, '(', n - (size_t)(*ver - k));
            *vlen = cut ? (size_t)(cut - *ver) : n - (size_t)(*ver - k);
        }
    }
    *klen = *vlen ? (size_t)(*ver + *vlen - k) : n;
}

static const char *skip_slash(const char *s, size_t *n)
{
    if (*n && s[0] == '/') {
        (*n)--;
        return s + 1;
    }
    return s;
}

/* The package a dependency reference names: "1.0.0(peer@2)" (v6, v9),
 * "1.0.0_peer@2" (v5), an alias "/real@1.0.0" (v6) or "real@1.0.0" (v9),
 * "link:../dir" (none). */
static bool find_ref(struct pnpm *p, const char *name, const char *ref, size_t rlen, size_t *pkg)
{
    const char *paren = memchr(ref, '(', rlen);
    size_t head = paren ? (size_t)(paren - ref) : rlen;
    size_t klen, nlen, vlen;
    const char *ver, *k;
    void *v;

    if (has_prefix(ref, rlen, "link:") || has_prefix(ref, rlen, "file:"))
        return false;
    moat_buf_reset(&p->buf);
    if (ref[0] == '/' || (!p->v5 && head > 1 && memchr(ref + 1, '@', head - 1))) {
        if (moat_buf_add(&p->buf, ref, rlen))
            return false;
    } else if (moat_buf_addstr(&p->buf, name) || moat_buf_addch(&p->buf, p->v5 ? '/' : '@') ||
               moat_buf_add(&p->buf, ref, rlen)) {
        return false;
    }
    klen = p->buf.len;
    k = skip_slash(p->buf.data, &klen);
    parse_key(p, k, klen, &klen, &nlen, &ver, &vlen);
    if ((v = moat_map_get(&p->bykey, k, klen)) ||
        (vlen && lockjs_pkgs_find(&p->pkgs, k, nlen, ver, vlen, pkg))) {
        if (v)
            *pkg = (uintptr_t)v - 1;
        return true;
    }
    /* a git or tarball dependency is referred to by its package key */
    klen = rlen;
    k = skip_slash(ref, &klen);
    parse_key(p, k, klen, &klen, &nlen, &ver, &vlen);
    if ((v = moat_map_get(&p->bykey, k, klen))) {
        *pkg = (uintptr_t)v - 1;
        return true;
    }
    return false;
}

static int add_entry(struct pnpm *p, const struct lockjs_ynode *k, const struct lockjs_ynode *v,
                     bool *have, size_t *pkg, struct moat_err *err)
{
    struct lockjs_entry e = { .eco = DEPS_ECO_NPM, .line = k->line };
    const struct lockjs_ynode *res, *f;
    size_t n = k->len, klen;
    const char *key = skip_slash(k->str, &n);
    int rc;

    *have = false;
    if (!lockjs_yscalar(k) || v->kind == LOCKJS_YSEQ || lockjs_yscalar(v))
        return lockjs_fail(err, MOAT_EPARSE, p->src->path, k->line,
                           "package entry is not \"key: {fields}\"");
    parse_key(p, key, n, &klen, &e.name_len, &e.version, &e.version_len);
    e.name = key;
    res = lockjs_yget(v, "resolution");
    if (has_prefix(key, n, "file:") || has_prefix(key, n, "link:") ||
        has_prefix(e.version, e.version_len, "file:") ||
        has_prefix(e.version, e.version_len, "link:") || lockjs_yget(res, "directory"))
        return 0; /* the project's own folders */
    /* tarball and git entries are keyed by URL and carry name and version */
    if (lockjs_yscalar(f = lockjs_yget(v, "name"))) {
        e.name = f->str;
        e.name_len = f->len;
    }
    if (lockjs_yscalar(f = lockjs_yget(v, "version"))) {
        e.version = f->str;
        e.version_len = f->len;
    }
    if (!e.version_len)
        return lockjs_fail(err, MOAT_EPARSE, p->src->path, k->line,
                           "package key \"%.200s\" has no version", k->str);
    if ((f = lockjs_yget(v, "dev")) && lockjs_yscalar(f)) {
        p->dev_flags = true;
        if (lockjs_yis(f, "true"))
            e.flags |= DEPS_PKG_DEV;
    }
    if (lockjs_yis(lockjs_yget(v, "optional"), "true"))
        e.flags |= DEPS_PKG_OPTIONAL;
    if (lockjs_yscalar(f = lockjs_yget(res, "integrity")))
        (void)lockjs_sri(p->l, f->str, f->len, &e.hash_alg, &e.hash);
    if ((rc = lockjs_pkgs_add(&p->pkgs, &e, pkg, err)) != 0)
        return rc;
    moat_map_put(&p->bykey, key, klen, (void *)(uintptr_t)(*pkg + 1));
    *have = true;
    return 0;
}

/* Edges from the dependency maps of one package or snapshot. */
static int add_edges(struct pnpm *p, size_t from, const struct lockjs_ynode *v,
                     struct moat_err *err)
{
    static const char *const fields[] = { "dependencies", "optionalDependencies" };
    int rc;

    for (size_t f = 0; f < 2; f++) {
        const struct lockjs_ynode *d = lockjs_yget(v, fields[f]);
        if (!d || !(d->kind == LOCKJS_YMAP || lockjs_yscalar(d)))
            continue;
        if (d->kind != LOCKJS_YMAP)
            return lockjs_fail(err, MOAT_EPARSE, p->src->path, d->line, "%s is not a map",
                               fields[f]);
        for (size_t i = 0; i < d->n; i++) {
            const struct lockjs_ynode *dk = d->kids[2 * i], *dv = d->kids[2 * i + 1];
            size_t to;
            if (!lockjs_yscalar(dk) || !lockjs_yscalar(dv))
                return lockjs_fail(err, MOAT_EPARSE, p->src->path, dk->line,
                                   "dependency is not \"name: version\"");
            if (find_ref(p, dk->str, dv->str, dv->len, &to) &&
                (rc = lockjs_depend(&p->pkgs, from, to, err)) != 0)
                return rc;
        }
    }
    return 0;
}

/* One importer's (or a single project's top-level) dependency maps. */
static int add_direct(struct pnpm *p, const struct lockjs_ynode *imp, struct moat_err *err)
{
    /* the env document's importer names pnpm itself and the config
     * dependencies: both installed, neither for development only */
    static const char *const fields[] = { "dependencies", "optionalDependencies",
                                          "configDependencies", "packageManagerDependencies",
                                          "devDependencies" };
    const size_t ndev = 4; /* fields[4] is the development one */

    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        const struct lockjs_ynode *d = lockjs_yget(imp, fields[f]);
        if (!d || !(d->kind == LOCKJS_YMAP || lockjs_yscalar(d)))
            continue;
        if (d->kind != LOCKJS_YMAP)
            return lockjs_fail(err, MOAT_EPARSE, p->src->path, d->line, "%s is not a map",
                               fields[f]);
        for (size_t i = 0; i < d->n; i++) {
            const struct lockjs_ynode *dk = d->kids[2 * i], *dv = d->kids[2 * i + 1];
            size_t to;
            /* v6 and v9: {specifier, version}; v5: the version alone */
            if (dv->kind == LOCKJS_YMAP)
                dv = lockjs_yget(dv, "version");
            if (!lockjs_yscalar(dk) || !lockjs_yscalar(dv))
                return lockjs_fail(err, MOAT_EPARSE, p->src->path, dk->line,
                                   "dependency is not \"name: version\"");
            if (!find_ref(p, dk->str, dv->str, dv->len, &to))
                continue;
            p->l->pkgs[to].flags |= DEPS_PKG_DIRECT;
            p->root[to] |= f == ndev ? 2 : 1;
        }
    }
    return 0;
}

static int check_map(struct pnpm *p, const struct lockjs_ynode *m, const char *what,
                     struct moat_err *err)
{
    if (m && (m->kind == LOCKJS_YSEQ || lockjs_yscalar(m)))
        return lockjs_fail(err, MOAT_EPARSE, p->src->path, m->line, "%s is not a map", what);
    return 0;
}

/* A document's lockfileVersion: sets the key syntax (p->v5) and the
 * format. */
static int doc_version(struct pnpm *p, const struct lockjs_ynode *root, struct moat_err *err)
{
    const struct lockjs_ynode *lv;
    char fmt[64];
    int rc;

    if (!root || root->kind != LOCKJS_YMAP)
        return lockjs_fail(err, MOAT_EPARSE, p->src->path, root ? root->line : 0,
                           "top level is not a map");
    lv = lockjs_yget(root, "lockfileVersion");
    if (!lockjs_yscalar(lv) || lv->len == 0 || lv->len > 16 || lv->str[0] < '1' || lv->str[0] > '9')
        return lockjs_fail(err, MOAT_EPARSE, p->src->path, lv ? lv->line : root->line,
                           "missing or bad lockfileVersion");
    p->v5 = lv->str[0] < '6' && (lv->len == 1 || lv->str[1] == '.');
    if ((rc = moat_snprintf(fmt, sizeof(fmt), "pnpm-lock.yaml v%s", lv->str)) != 0)
        return rc;
    p->l->format = deps_lock_strdup(p->l, fmt, strlen(fmt));
    return 0;
}

/* One document's packages, snapshots and the edges between them. */
static int doc_packages(struct pnpm *p, const struct lockjs_ynode *root, struct moat_err *err)
{
    const struct lockjs_ynode *packages, *snapshots, *importers;
    MOAT_VEC(size_t) idx = { 0 }; /* packages[i] -> pkg, or SIZE_MAX */
    int rc = 0;

    if ((rc = doc_version(p, root, err)) != 0)
        return rc;
    packages = lockjs_yget(root, "packages");
    snapshots = lockjs_yget(root, "snapshots");
    importers = lockjs_yget(root, "importers");
    if ((rc = check_map(p, packages, "packages", err)) != 0 ||
        (rc = check_map(p, snapshots, "snapshots", err)) != 0 ||
        (rc = check_map(p, importers, "importers", err)) != 0)
        return rc;

    if (packages && packages->kind == LOCKJS_YMAP)
        for (size_t i = 0; i < packages->n; i++) {
            size_t pkg = (size_t)-1;
            bool have;
            if ((rc = add_entry(p, packages->kids[2 * i], packages->kids[2 * i + 1], &have, &pkg,
                                err)) != 0)
                goto out;
            MOAT_VEC_PUSH(&idx, have ? pkg : (size_t)-1);
        }
    /* v9: snapshots name the same packages with their peers resolved, and
     * hold the dependency lists; one missing from packages is added */
    if (snapshots && snapshots->kind == LOCKJS_YMAP)
        for (size_t i = 0; i < snapshots->n; i++) {
            const struct lockjs_ynode *k = snapshots->kids[2 * i], *v = snapshots->kids[2 * i + 1];
            size_t pkg, n, klen, nlen, vlen;
            const char *key, *ver;
            bool have = true;
            void *hit;
            if (!lockjs_yscalar(k)) {
                rc = lockjs_fail(err, MOAT_EPARSE, p->src->path, k->line,
                                 "snapshot key is not a string");
                goto out;
            }
            n = k->len;
            key = skip_slash(k->str, &n);
            parse_key(p, key, n, &klen, &nlen, &ver, &vlen);
            hit = moat_map_get(&p->bykey, key, klen);
            if (hit)
                pkg = (uintptr_t)hit - 1;
            else if ((rc = add_entry(p, k, v, &have, &pkg, err)) != 0)
                goto out;
            if (!have)
                continue;
            if (lockjs_yis(lockjs_yget(v, "optional"), "true"))
                p->l->pkgs[pkg].flags |= DEPS_PKG_OPTIONAL;
            if (v->kind == LOCKJS_YMAP && (rc = add_edges(p, pkg, v, err)) != 0)
                goto out;
        }
    if (packages && packages->kind == LOCKJS_YMAP)
        for (size_t i = 0; i < packages->n; i++)
            if (idx.v[i] != (size_t)-1 &&
                (rc = add_edges(p, idx.v[i], packages->kids[2 * i + 1], err)) != 0)
                goto out;
out:
    free(idx.v);
    return rc;
}

/* One document's direct dependencies: its importers, or a single
 * project's top-level maps. */
static int doc_direct(struct pnpm *p, const struct lockjs_ynode *root, struct moat_err *err)
{
    const struct lockjs_ynode *importers = lockjs_yget(root, "importers");
    int rc;

    if ((rc = doc_version(p, root, err)) != 0)
        return rc;
    if (!importers || importers->kind != LOCKJS_YMAP)
        return add_direct(p, root, err);
    for (size_t i = 0; i < importers->n; i++)
        if ((rc = add_direct(p, importers->kids[2 * i + 1], err)) != 0)
            return rc;
    return 0;
}

/* pnpm 11 and later may write two documents: the "env" one (pnpm itself
 * and config dependencies) and the project's. Both are installed, so the
 * packages of every document count; the format is the last one's. */
static bool empty_doc(const struct lockjs_ynode *root)
{
    return root->kind == LOCKJS_YSCALAR && !lockjs_yscalar(root);
}

static int parse_docs(struct pnpm *p, const struct lockjs_ydoc *doc, struct moat_err *err)
{
    size_t nonempty = 0;
    int rc;

    for (size_t d = 0; d < doc->ndocs; d++)
        nonempty += !empty_doc(doc->docs[d]);
    if (nonempty == 0) /* an empty file, or only "---" */
        return doc_version(p, doc->root, err);
    for (size_t d = 0; d < doc->ndocs; d++)
        if (!empty_doc(doc->docs[d]) && (rc = doc_packages(p, doc->docs[d], err)) != 0)
            return rc;
    p->root = moat_calloc(p->l->n ? p->l->n : 1, 1);
    for (size_t d = 0; d < doc->ndocs; d++)
        if (!empty_doc(doc->docs[d]) && (rc = doc_direct(p, doc->docs[d], err)) != 0)
            return rc;
    /* v9 dropped the per-package dev flag: what only devDependencies reach
     * is development-only */
    if (!p->dev_flags)
        lockjs_mark_dev(p->l, p->root);
    return 0;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct pnpm p = { .src = src, .l = l };
    struct lockjs_ydoc doc;
    int rc;

    lockjs_pkgs_init(&p.pkgs, l, src->path);
    moat_map_init(&p.bykey);
    p.buf = (struct moat_buf)MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    if ((rc = lockjs_yaml_load(src, &doc, err)) != 0)
        goto out;
    if ((rc = parse_docs(&p, &doc, err)) != 0)
        goto out;
    lockjs_finish(l);
out:
    lockjs_yaml_release(&doc);
    free(p.root);
    moat_buf_release(&p.buf);
    moat_map_release(&p.bykey, NULL);
    lockjs_pkgs_release(&p.pkgs);
    return rc;
}

const struct deps_format lock_pnpm_format = {
    .name = "pnpm-lock.yaml",
    .parse = parse,
};
