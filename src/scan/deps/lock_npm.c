/* npm's package-lock.json and npm-shrinkwrap.json: v1 (nested
 * "dependencies") and v2/v3 ("packages" keyed by node_modules paths, with
 * workspaces, links and aliases). Dependency relations follow Node's module
 * resolution (a name is looked up in the nearest node_modules going up), so
 * they name the copy npm actually installed. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

static bool match(const char *base, const unsigned char *data, size_t len)
{
    (void)data;
    (void)len;
    return strcmp(base, "package-lock.json") == 0 || strcmp(base, "npm-shrinkwrap.json") == 0;
}

struct npm {
    const struct deps_source *src;
    struct deps_lock *l;
    struct lockjs_json j;
    struct lockjs_pkgs pkgs;
    struct moat_buf buf;
};

/* The line of v, else of its container (scalars have none recorded). */
static unsigned line_of(const struct npm *n, const json_t *v, const json_t *parent)
{
    unsigned line = lockjs_json_line(&n->j, v);

    return line ? line : lockjs_json_line(&n->j, parent);
}

static void set_hash(struct npm *n, const json_t *obj, struct lockjs_entry *e)
{
    const char *s;
    size_t len;

    if (lockjs_json_str(obj, "integrity", &s, &len) == 1)
        (void)lockjs_sri(n->l, s, len, &e->hash_alg, &e->hash);
}

/* A "version" that points at the project's own files, not a package. */
static bool local_spec(const char *v)
{
    return strncmp(v, "file:", 5) == 0 || strncmp(v, "link:", 5) == 0;
}

/* ---- v2 and v3: "packages" ---- */

enum kind { K_NONE, K_PKG, K_MEMBER, K_LINK };

struct path_info {
    enum kind kind;
    const char *path;
    const json_t *obj;
    size_t loc;    /* where it sits in the folder tree */
    size_t pkg;    /* K_PKG */
    size_t target; /* K_LINK: the location it points at */
    bool have_target;
};

/* The install's folder tree. A location is the root, a folder under a
 * location ('d': "packages", then "a"), or a package in a location's
 * node_modules ('n': "@scope/x" is one segment). Each segment is interned
 * under its parent's id, so a path costs its length once and a lookup one
 * short hash, however deep the nesting. */
struct loc {
    size_t parent; /* the root is its own parent */
    size_t entry;  /* index + 1 of the lockfile entry at this location, or 0 */
};

struct tree {
    MOAT_VEC(struct loc) v;
    struct moat_map seg; /* parent id, kind, name -> id + 1 */
    struct moat_buf key;
};

static void tree_init(struct tree *t)
{
    struct loc root = { 0, 0 };

    memset(t, 0, sizeof(*t));
    MOAT_VEC_PUSH(&t->v, root);
    moat_map_init(&t->seg);
    t->key = (struct moat_buf)MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
}

static void tree_release(struct tree *t)
{
    free(t->v.v);
    moat_map_release(&t->seg, NULL);
    moat_buf_release(&t->key);
}

static bool seg_key(struct tree *t, size_t parent, char kind, const char *name, size_t len)
{
    moat_buf_reset(&t->key);
    return moat_buf_add(&t->key, &parent, sizeof(parent)) == 0 &&
           moat_buf_addch(&t->key, kind) == 0 && moat_buf_add(&t->key, name, len) == 0;
}

static bool seg_find(struct tree *t, size_t parent, char kind, const char *name, size_t len,
                     size_t *id)
{
    void *v;

    if (!seg_key(t, parent, kind, name, len) ||
        !(v = moat_map_get(&t->seg, t->key.data, t->key.len)))
        return false;
    *id = (uintptr_t)v - 1;
    return true;
}

static size_t seg_intern(struct tree *t, size_t parent, char kind, const char *name, size_t len)
{
    struct loc l = { parent, 0 };
    size_t id;

    if (seg_find(t, parent, kind, name, len, &id))
        return id;
    id = t->v.n;
    MOAT_VEC_PUSH(&t->v, l);
    if (seg_key(t, parent, kind, name, len))
        moat_map_put(&t->seg, t->key.data, t->key.len, (void *)(uintptr_t)(id + 1));
    return id;
}

/* The location of a lockfile path ("", "packages/a",
 * "node_modules/a/node_modules/@s/b"). *name is the last package segment
 * when the path ends in one, else NULL; *in_nm tells whether any segment is
 * a package (else the path is the project's own folder). Returns 0 or
 * MOAT_ETOOBIG past DEPS_MAX_DEPTH segments. */
static int path_loc(struct tree *t, const char *path, size_t *loc, const char **name, size_t *nlen,
                    bool *in_nm)
{
    const char *s = path, *e = path + strlen(path);
    size_t cur = 0, depth = 0;

    *in_nm = false;
    *name = NULL;
    *nlen = 0;
    while (s < e) {
        const char *p = s, *end;
        bool pkg = e - s > 13 && memcmp(s, "node_modules/", 13) == 0;
        if (++depth > DEPS_MAX_DEPTH)
            return MOAT_ETOOBIG;
        if (pkg) {
            p = s + 13;
            end = memchr(p, '/', (size_t)(e - p));
            if (end && *p == '@')
                end = memchr(end + 1, '/', (size_t)(e - end - 1));
        } else {
            end = memchr(p, '/', (size_t)(e - p));
        }
        end = end ? end : e;
        cur = seg_intern(t, cur, pkg ? 'n' : 'd', p, (size_t)(end - p));
        *in_nm |= pkg;
        *name = pkg ? p : NULL;
        *nlen = pkg ? (size_t)(end - p) : 0;
        s = end < e ? end + 1 : e;
    }
    *loc = cur;
    return 0;
}

/* What Node finds for `name` required from location `from`: the package
 * in from's node_modules, else in each enclosing folder's. A link is
 * followed once. NULL when nothing usable is installed there (an optional
 * or peer dependency left out, a workspace). */
static const struct path_info *resolve(struct tree *t, const struct path_info *infos, size_t from,
                                       const char *name, size_t nlen)
{
    for (size_t cur = from;; cur = t->v.v[cur].parent) {
        size_t id;
        if (seg_find(t, cur, 'n', name, nlen, &id) && t->v.v[id].entry) {
            const struct path_info *pi = &infos[t->v.v[id].entry - 1];
            if (pi->kind == K_LINK)
                pi = pi->have_target && t->v.v[pi->target].entry
                         ? &infos[t->v.v[pi->target].entry - 1]
                         : NULL;
            return pi && pi->kind == K_PKG ? pi : NULL;
        }
        if (cur == 0)
            return NULL;
    }
}

static int add_package(struct npm *n, const char *dir_name, size_t dlen, const json_t *obj,
                       unsigned line, bool *have, size_t *idx, struct moat_err *err)
{
    struct lockjs_entry e = { .eco = DEPS_ECO_NPM, .line = line };
    int r;

    *have = false;
    if ((r = lockjs_json_str(obj, "name", &e.name, &e.name_len)) < 0)
        return lockjs_fail(err, MOAT_EPARSE, n->src->path, line, "\"name\" is not a string");
    if (r == 0) {
        /* "node_modules/@scope/x" installs @scope/x; an alias's real name is
         * in "name", taken above */
        e.name = dir_name;
        e.name_len = dlen;
    }
    if ((r = lockjs_json_str(obj, "version", &e.version, &e.version_len)) < 0)
        return lockjs_fail(err, MOAT_EPARSE, n->src->path, line, "\"version\" is not a string");
    if (r == 0 || local_spec(e.version))
        return 0; /* nothing installed from a registry to name */
    if (lockjs_json_true(obj, "dev"))
        e.flags |= DEPS_PKG_DEV;
    /* devOptional: a dev dependency that production also installs when it
     * can (optionally), so not dev-only */
    if (lockjs_json_true(obj, "optional") || lockjs_json_true(obj, "devOptional"))
        e.flags |= DEPS_PKG_OPTIONAL;
    set_hash(n, obj, &e);
    if ((r = lockjs_pkgs_add(&n->pkgs, &e, idx, err)) != 0)
        return r;
    *have = true;
    return 0;
}

static int parse_packages(struct npm *n, const json_t *packages, struct moat_err *err)
{
    static const char *const fields[] = { "dependencies", "optionalDependencies",
                                          "peerDependencies", "devDependencies" };
    MOAT_VEC(struct path_info) infos = { 0 };
    struct tree t;
    bool *eligible = NULL;
    size_t members = 0;
    const char *key;
    json_t *val;
    int rc = 0;

    tree_init(&t);
    json_object_foreach((json_t *)packages, key, val)
    {
        struct path_info pi = { .path = key, .obj = val };
        unsigned line = line_of(n, val, packages);
        const char *name, *tgt;
        size_t nlen, tlen;
        bool have, in_nm;

        if (!json_is_object(val)) {
            rc = lockjs_fail(err, MOAT_EPARSE, n->src->path, line,
                             "packages[\"%.200s\"] is not an object", key);
            goto out;
        }
        if (path_loc(&t, key, &pi.loc, &name, &nlen, &in_nm) != 0) {
            rc = lockjs_fail(err, MOAT_ETOOBIG, n->src->path, line,
                             "path nested deeper than %d levels", DEPS_MAX_DEPTH);
            goto out;
        }
        if (t.v.v[pi.loc].entry) {
            /* "node_modules/a" and "node_modules/a/" name one folder: the
             * first one stands */
            continue;
        }
        if (lockjs_json_true(val, "link")) {
            pi.kind = K_LINK;
            if (lockjs_json_str(val, "resolved", &tgt, &tlen) == 1 &&
                path_loc(&t, tgt, &pi.target, &name, &nlen, &in_nm) == 0)
                pi.have_target = true;
        } else if (!in_nm) {
            pi.kind = K_MEMBER; /* the root "" or a workspace: the project itself */
            members++;
        } else if (name) {
            if ((rc = add_package(n, name, nlen, val, line, &have, &pi.pkg, err)) != 0)
                goto out;
            pi.kind = have ? K_PKG : K_NONE;
        } else {
            pi.kind = K_NONE; /* a folder inside a package: nothing installed */
        }
        MOAT_VEC_PUSH(&infos, pi);
        t.v.v[pi.loc].entry = infos.n;
    }

    for (size_t i = 0; i < infos.n; i++) {
        const struct path_info *from = &infos.v[i];
        size_t nf = from->kind == K_MEMBER ? 4 : 3;
        if (from->kind != K_MEMBER && from->kind != K_PKG)
            continue;
        for (size_t f = 0; f < nf; f++) {
            const json_t *deps = json_object_get(from->obj, fields[f]);
            const char *name;
            size_t nlen;
            json_t *spec;
            if (!deps || json_is_null(deps))
                continue;
            if (!json_is_object(deps)) {
                rc = lockjs_fail(err, MOAT_EPARSE, n->src->path, line_of(n, deps, from->obj),
                                 "\"%s\" of \"%.200s\" is not an object", fields[f], from->path);
                goto out;
            }
            json_object_keylen_foreach((json_t *)deps, name, nlen, spec)
            {
                const struct path_info *to = resolve(&t, infos.v, from->loc, name, nlen);
                if (!to)
                    continue;
                if (from->kind == K_MEMBER)
                    n->l->pkgs[to->pkg].flags |= DEPS_PKG_DIRECT;
                else if ((rc = lockjs_depend(&n->pkgs, from->pkg, to->pkg, err)) != 0)
                    goto out;
            }
        }
    }
    if (members == 0) {
        /* no root entry to say what the project asks for: fall back to the
         * hoisted packages nothing else needs */
        eligible = moat_calloc(n->l->n ? n->l->n : 1, sizeof(*eligible));
        for (size_t i = 0; i < infos.n; i++)
            if (infos.v[i].kind == K_PKG && t.v.v[infos.v[i].loc].parent == 0)
                eligible[infos.v[i].pkg] = true;
        lockjs_mark_roots(n->l, eligible);
    }
out:
    free(eligible);
    tree_release(&t);
    free(infos.v);
    return rc;
}

/* ---- v1: nested "dependencies" ---- */

struct node {
    size_t parent; /* index of the enclosing node, or TOP */
    const json_t *obj;
    bool have;
    size_t pkg;
};
#define TOP ((size_t)-1)

/* Map key for `name` declared in the "dependencies" of node `scope`. */
static int scope_key(struct moat_buf *b, size_t scope, const char *name)
{
    moat_buf_reset(b);
    if (moat_buf_add(b, &scope, sizeof(scope)) || moat_buf_addstr(b, name))
        return MOAT_ETOOBIG;
    return 0;
}

static int v1_package(struct npm *n, const char *key, const json_t *obj, unsigned line,
                      struct node *nd, struct moat_err *err)
{
    struct lockjs_entry e = { .eco = DEPS_ECO_NPM, .line = line };
    const char *v, *at;
    size_t vlen;
    int r;

    if ((r = lockjs_json_str(obj, "version", &v, &vlen)) < 0)
        return lockjs_fail(err, MOAT_EPARSE, n->src->path, line, "\"version\" is not a string");
    if (r == 0 || local_spec(v))
        return 0;
    e.name = key;
    e.name_len = strlen(key);
    e.version = v;
    e.version_len = vlen;
    if (strncmp(v, "npm:", 4) == 0) {
        /* an alias: "npm:real-name@1.2.3" (the name may be @scoped) */
        at = strrchr(v + 4, '@');
        if (!at || at == v + 4)
            return lockjs_fail(err, MOAT_EPARSE, n->src->path, line,
                               "alias \"%.200s\" has no name@version", v);
        e.name = v + 4;
        e.name_len = (size_t)(at - (v + 4));
        e.version = at + 1;
        e.version_len = vlen - (size_t)(at + 1 - v);
    }
    if (lockjs_json_true(obj, "dev"))
        e.flags |= DEPS_PKG_DEV;
    if (lockjs_json_true(obj, "optional"))
        e.flags |= DEPS_PKG_OPTIONAL;
    set_hash(n, obj, &e);
    if ((r = lockjs_pkgs_add(&n->pkgs, &e, &nd->pkg, err)) != 0)
        return r;
    nd->have = true;
    return 0;
}

static int parse_v1(struct npm *n, const json_t *top, struct moat_err *err)
{
    struct walk {
        const json_t *deps;
        size_t parent;
    };
    MOAT_VEC(struct walk) todo = { 0 };
    MOAT_VEC(struct node) nodes = { 0 };
    struct moat_map scope;
    struct lockjs_manifest m = { 0 };
    bool *eligible = NULL;
    int rc = 0;

    moat_map_init(&scope);
    if (top)
        MOAT_VEC_PUSH(&todo, ((struct walk){ top, TOP }));
    /* breadth-first over the nesting, iteratively; the JSON depth limit
     * already bounds how deep it goes */
    for (size_t t = 0; t < todo.n; t++) {
        const json_t *deps = todo.v[t].deps;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)deps, key, val)
        {
            struct node nd = { .parent = todo.v[t].parent, .obj = val };
            unsigned line = line_of(n, val, deps);
            const json_t *sub;
            if (!json_is_object(val)) {
                rc = lockjs_fail(err, MOAT_EPARSE, n->src->path, line,
                                 "dependencies[\"%.200s\"] is not an object", key);
                goto out;
            }
            if ((rc = v1_package(n, key, val, line, &nd, err)) != 0)
                goto out;
            if ((rc = scope_key(&n->buf, nd.parent, key)) != 0)
                goto out;
            moat_map_put(&scope, n->buf.data, n->buf.len, (void *)(uintptr_t)(nodes.n + 1));
            sub = json_object_get(val, "dependencies");
            if (sub && !json_is_null(sub)) {
                if (!json_is_object(sub)) {
                    rc = lockjs_fail(err, MOAT_EPARSE, n->src->path, line_of(n, sub, val),
                                     "\"dependencies\" of \"%.200s\" is not an object", key);
                    goto out;
                }
                MOAT_VEC_PUSH(&todo, ((struct walk){ sub, nodes.n }));
            }
            MOAT_VEC_PUSH(&nodes, nd);
        }
    }

    /* "requires" names what each package needs; Node finds it in the package's
     * own nested dependencies, then in each enclosing level's */
    for (size_t i = 0; i < nodes.n; i++) {
        const json_t *req = json_object_get(nodes.v[i].obj, "requires");
        const char *name;
        json_t *range;
        if (!nodes.v[i].have || !json_is_object(req))
            continue;
        json_object_foreach((json_t *)req, name, range)
        {
            for (size_t s = i;; s = nodes.v[s].parent) {
                void *hit;
                if ((rc = scope_key(&n->buf, s, name)) != 0)
                    goto out;
                if ((hit = moat_map_get(&scope, n->buf.data, n->buf.len))) {
                    const struct node *to = &nodes.v[(uintptr_t)hit - 1];
                    if (to->have &&
                        (rc = lockjs_depend(&n->pkgs, nodes.v[i].pkg, to->pkg, err)) != 0)
                        goto out;
                    break;
                }
                if (s == TOP)
                    break;
            }
        }
    }
    /* v1 does not say what package.json asks for: when it is beside the
     * lockfile, the top-level packages it names are direct; else a
     * top-level package no other package requires can only be there
     * because the project asks for it */
    if (lockjs_manifest_load(n->src, "package.json", lockjs_npm_prod, lockjs_npm_dev, &m)) {
        unsigned char *root = moat_calloc(n->l->n ? n->l->n : 1, 1);
        for (size_t i = 0; i < m.v.n; i++) {
            void *hit;
            if ((rc = scope_key(&n->buf, TOP, m.v.v[i].name)) != 0) {
                free(root);
                goto out;
            }
            hit = moat_map_get(&scope, n->buf.data, n->buf.len);
            if (hit && nodes.v[(uintptr_t)hit - 1].have)
                root[nodes.v[(uintptr_t)hit - 1].pkg] |= m.v.v[i].bits;
        }
        lockjs_mark_asked(n->l, root);
        free(root);
    } else {
        eligible = moat_calloc(n->l->n ? n->l->n : 1, sizeof(*eligible));
        for (size_t i = 0; i < nodes.n; i++)
            if (nodes.v[i].have && nodes.v[i].parent == TOP)
                eligible[nodes.v[i].pkg] = true;
        lockjs_mark_roots(n->l, eligible);
    }
out:
    lockjs_manifest_release(&m);
    free(eligible);
    moat_map_release(&scope, NULL);
    free(nodes.v);
    free(todo.v);
    return rc;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct npm n = { .src = src, .l = l };
    const json_t *ver, *packages, *deps;
    long long v = 1;
    char fmt[64];
    int rc;

    n.buf = (struct moat_buf)MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    lockjs_pkgs_init(&n.pkgs, l, src->path);
    if ((rc = lockjs_json_load(src, NULL, &n.j, err)) != 0)
        goto out;
    if (!json_is_object(n.j.root)) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, 1, "top level is not an object");
        goto out;
    }
    ver = json_object_get(n.j.root, "lockfileVersion");
    if (ver && !json_is_integer(ver)) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, 0, "\"lockfileVersion\" is not a number");
        goto out;
    }
    if (ver)
        v = json_integer_value(ver);
    if (v < 1 || v > 99) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, 0, "unknown lockfileVersion %lld", v);
        goto out;
    }
    packages = json_object_get(n.j.root, "packages");
    deps = json_object_get(n.j.root, "dependencies");
    if (packages && !json_is_null(packages)) {
        if (!json_is_object(packages)) {
            rc = lockjs_fail(err, MOAT_EPARSE, src->path, line_of(&n, packages, n.j.root),
                             "\"packages\" is not an object");
            goto out;
        }
        rc = parse_packages(&n, packages, err);
    } else {
        if (deps && !json_is_null(deps) && !json_is_object(deps)) {
            rc = lockjs_fail(err, MOAT_EPARSE, src->path, line_of(&n, deps, n.j.root),
                             "\"dependencies\" is not an object");
            goto out;
        }
        rc = parse_v1(&n, json_is_object(deps) ? deps : NULL, err);
    }
    if (rc != 0)
        goto out;
    lockjs_finish(l);
    if ((rc = moat_snprintf(fmt, sizeof(fmt), "%s v%lld",
                            strcmp(lockjs_base(src->path), "npm-shrinkwrap.json") == 0
                                ? "npm-shrinkwrap.json"
                                : "package-lock.json",
                            v)) != 0)
        goto out;
    l->format = deps_lock_strdup(l, fmt, strlen(fmt));
out:
    lockjs_json_release(&n.j);
    lockjs_pkgs_release(&n.pkgs);
    moat_buf_release(&n.buf);
    return rc;
}

const struct deps_format lock_npm_format = {
    .name = "package-lock.json",
    .match = match,
    .parse = parse,
};
