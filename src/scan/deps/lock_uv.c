/* uv.lock: [[package]] tables with a source, dependencies, optional and dev
 * dependency groups. Editable, virtual and workspace packages are the
 * project itself: they are not listed, but their dependency lists decide
 * DIRECT (named by a project package), DEV (reachable only from dev groups)
 * and OPTIONAL (reachable only from extras); TRANSITIVE marks packages
 * another locked package depends on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lock_py.h"
#include "toml.h"
#include "core/banned.h"

enum kind { K_PROD, K_OPT, K_DEV };

struct edge {
    size_t from, to; /* [[package]] positions */
    enum kind kind;
};

struct ctx {
    struct py_toml t; /* names: PEP 503 name -> [[package]] positions */
    const struct toml_value *pkgs;
    size_t *pkg; /* deps_lock index of each [[package]], SIZE_MAX for project packages */
    bool *root;  /* [[package]] is the project (editable, virtual, workspace) */
    MOAT_VEC(struct edge) edges;
};

static bool is_root(const struct toml_value *source)
{
    const struct toml_value *ws = toml_get(source, "workspace");

    return toml_get(source, "editable") || toml_get(source, "virtual") ||
           (ws && ws->type == TOML_BOOLEAN && ws->boolean);
}

static int hash_of(struct ctx *c, const struct toml_value *t, struct py_hash *h)
{
    const struct toml_value *sd = toml_get(t, "sdist"), *wh = toml_get(t, "wheels"), *hv;

    if (sd && sd->type != TOML_TABLE)
        return py_toml_bad(&c->t, sd->line, "\"sdist\" is not a table");
    if (wh && wh->type != TOML_ARRAY)
        return py_toml_bad(&c->t, wh->line, "\"wheels\" is not an array");
    if ((hv = toml_get(sd, "hash")) &&
        (hv->type != TOML_STRING || py_hash_offer_str(h, hv->str, hv->len) != 0))
        return py_toml_bad(&c->t, hv->line, "malformed hash");
    for (size_t i = 0; wh && i < wh->n; i++) {
        if (wh->items[i]->type != TOML_TABLE)
            return py_toml_bad(&c->t, wh->items[i]->line, "a wheels entry is not a table");
        if ((hv = toml_get(wh->items[i], "hash")) &&
            (hv->type != TOML_STRING || py_hash_offer_str(h, hv->str, hv->len) != 0))
            return py_toml_bad(&c->t, hv->line, "malformed hash");
    }
    return 0;
}

static int package(struct ctx *c, size_t i)
{
    const struct toml_value *t = c->pkgs->items[i], *name, *ver, *source;
    struct deps_pkg p = { 0 };
    struct py_hash h = { 0 };
    int rc;

    c->pkg[i] = SIZE_MAX;
    if (t->type != TOML_TABLE)
        return py_toml_bad(&c->t, t->line, "[[package]] entry is not a table");
    name = toml_get_type(t, "name", TOML_STRING);
    if (!name || !py_valid_name(name->str, name->len))
        return py_toml_bad(&c->t, t->line, "package without a valid name");
    if ((rc = py_pep503(name->str, name->len, &c->t.norm)) != 0)
        return py_toml_bad(&c->t, t->line, "package name too long");
    py_index_add(&c->t.names, c->t.norm.data, c->t.norm.len, i);
    source = toml_get(t, "source");
    if (source && source->type != TOML_TABLE)
        return py_toml_bad(&c->t, source->line, "\"source\" is not a table");
    if ((c->root[i] = is_root(source)))
        return 0;
    ver = toml_get(t, "version");
    if (ver && (ver->type != TOML_STRING || ver->len == 0 || ver->len > DEPS_MAX_VERSION))
        return py_toml_bad(&c->t, ver->line, "malformed version");
    p.eco = DEPS_ECO_PYPI;
    p.name = deps_lock_strdup(c->t.l, name->str, name->len);
    p.line = t->line;
    if (ver) {
        p.version = deps_lock_strdup(c->t.l, ver->str, ver->len);
    } else {
        /* a source tree with a dynamic version: uv records none, we guess none */
        p.flags = DEPS_PKG_UNPINNED;
        p.spec = p.name;
    }
    if ((rc = hash_of(c, t, &h)) != 0)
        return rc;
    py_hash_apply(c->t.l, &p, &h);
    if ((rc = deps_lock_add(c->t.l, &p, &c->pkg[i])) != 0)
        return moat_err_set(c->t.err, rc, "%s:%u: more than %d packages", c->t.src->path, t->line,
                            DEPS_MAX_PACKAGES);
    return 0;
}

/* One dependency list: [{name = "x", version = "1", marker = ...}, ...]. */
static int dep_list(struct ctx *c, size_t from, const struct toml_value *arr, enum kind kind)
{
    if (arr->type != TOML_ARRAY)
        return py_toml_bad(&c->t, arr->line, "a dependency list is not an array");
    for (size_t i = 0; i < arr->n; i++) {
        const struct toml_value *d = arr->items[i], *name;
        const char *ver;
        if (d->type != TOML_TABLE || !(name = toml_get_type(d, "name", TOML_STRING)))
            return py_toml_bad(&c->t, d->line, "a dependency without a name");
        ver = toml_get_str(d, "version");
        if (py_pep503(name->str, name->len, &c->t.norm) != 0)
            continue;
        for (size_t k = py_index_first(&c->t.names, c->t.norm.data, c->t.norm.len); k != SIZE_MAX;
             k = py_index_next(&c->t.names, k)) {
            const char *kv = toml_get_str(c->pkgs->items[k], "version");
            if (py_work(&c->t.budget) != 0)
                return py_toml_too_many(&c->t, d->line);
            /* several releases of one name: the entry says which */
            if (k == from || (ver && kv && strcmp(ver, kv) != 0))
                continue;
            MOAT_VEC_PUSH(&c->edges, ((struct edge){ from, k, kind }));
        }
    }
    return 0;
}

static int groups(struct ctx *c, size_t from, const struct toml_value *t, const char *key,
                  enum kind kind)
{
    const struct toml_value *g = toml_get(t, key);
    int rc;

    if (!g)
        return 0;
    if (g->type != TOML_TABLE)
        return py_toml_bad(&c->t, g->line, "a dependency group table is not a table");
    for (size_t i = 0; i < g->n; i++)
        if ((rc = dep_list(c, from, g->items[i], kind)) != 0)
            return rc;
    return 0;
}

static int cmp_edge(const void *a, const void *b)
{
    const struct edge *x = a, *y = b;

    return x->from < y->from ? -1 : x->from > y->from;
}

/* Breadth-first from the project's edges of one kind; reach[i] |= bit for
 * every [[package]] reached. Project packages reached through a project
 * dependency (workspace members) pass on their own production edges. */
static void reach(struct ctx *c, const size_t *start, enum kind kind, unsigned char *seen,
                  unsigned char bit)
{
    size_t n = c->pkgs->n, head = 0, tail = 0;
    size_t *queue = moat_malloc((n ? n : 1) * sizeof(*queue));

    for (size_t r = 0; r < n; r++) {
        if (!c->root[r])
            continue;
        for (size_t e = start[r]; e < start[r + 1]; e++)
            if (c->edges.v[e].kind == kind && !(seen[c->edges.v[e].to] & bit)) {
                seen[c->edges.v[e].to] |= bit;
                queue[tail++] = c->edges.v[e].to;
            }
    }
    while (head < tail) {
        size_t u = queue[head++];
        for (size_t e = start[u]; e < start[u + 1]; e++) {
            size_t v = c->edges.v[e].to;
            if ((c->root[u] && c->edges.v[e].kind != K_PROD) || (seen[v] & bit))
                continue;
            seen[v] |= bit;
            queue[tail++] = v;
        }
    }
    free(queue);
}

static int flags(struct ctx *c)
{
    size_t n = c->pkgs->n;
    size_t *start = moat_calloc(n + 1, sizeof(*start));
    unsigned char *seen = moat_calloc(n ? n : 1, 1);
    bool any_root = false;
    int rc = 0;

    if (c->edges.n)
        qsort(c->edges.v, c->edges.n, sizeof(*c->edges.v), cmp_edge);
    for (size_t e = 0; e < c->edges.n; e++)
        start[c->edges.v[e].from + 1]++;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    for (size_t i = 0; i < n; i++)
        any_root |= c->root[i];
    for (size_t e = 0; e < c->edges.n; e++) {
        const struct edge *ed = &c->edges.v[e];
        size_t to = c->pkg[ed->to];
        if (to == SIZE_MAX)
            continue;
        if (c->root[ed->from])
            c->t.l->pkgs[to].flags |= DEPS_PKG_DIRECT;
        else if (c->pkg[ed->from] != SIZE_MAX) {
            c->t.l->pkgs[to].flags |= DEPS_PKG_TRANSITIVE;
            if ((rc = py_depend(c->t.l, c->pkg[ed->from], to, &c->t.budget)) != 0) {
                rc = py_toml_too_many(&c->t, c->pkgs->items[ed->from]->line);
                goto out;
            }
        }
    }
    if (any_root) {
        reach(c, start, K_PROD, seen, 1);
        reach(c, start, K_OPT, seen, 2);
        reach(c, start, K_DEV, seen, 4);
        for (size_t i = 0; i < n; i++) {
            if (c->pkg[i] == SIZE_MAX || (seen[i] & 1))
                continue;
            if (seen[i] & 2)
                c->t.l->pkgs[c->pkg[i]].flags |= DEPS_PKG_OPTIONAL;
            else if (seen[i] & 4)
                c->t.l->pkgs[c->pkg[i]].flags |= DEPS_PKG_DEV;
        }
    }
out:
    free(start);
    free(seen);
    return rc;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct ctx c = { 0 };
    const struct toml_value *root, *v;
    int rc;

    if ((rc = py_toml_open(&c.t, src, l, err)) != 0)
        goto out;
    root = toml_root(c.t.doc);
    v = toml_get_type(root, "version", TOML_INTEGER);
    l->format = "uv.lock";
    if (v && v->integer >= 0 && v->integer < 1000) {
        char fmt[32];
        if (moat_snprintf(fmt, sizeof(fmt), "uv.lock v%lld", v->integer) == 0)
            l->format = deps_lock_strdup(l, fmt, strlen(fmt));
    }
    c.pkgs = toml_get(root, "package");
    if (!c.pkgs)
        goto out;
    if (c.pkgs->type != TOML_ARRAY) {
        rc = py_toml_bad(&c.t, c.pkgs->line, "\"package\" is not an array of tables");
        goto out;
    }
    c.pkg = moat_calloc(c.pkgs->n ? c.pkgs->n : 1, sizeof(*c.pkg));
    c.root = moat_calloc(c.pkgs->n ? c.pkgs->n : 1, sizeof(*c.root));
    for (size_t i = 0; i < c.pkgs->n; i++)
        if ((rc = package(&c, i)) != 0)
            goto out;
    for (size_t i = 0; i < c.pkgs->n; i++) {
        const struct toml_value *t = c.pkgs->items[i];
        if ((v = toml_get(t, "dependencies")) && (rc = dep_list(&c, i, v, K_PROD)) != 0)
            goto out;
        if ((rc = groups(&c, i, t, "optional-dependencies", K_OPT)) != 0 ||
            (rc = groups(&c, i, t, "dev-dependencies", K_DEV)) != 0)
            goto out;
    }
    rc = flags(&c);
    py_direct_wins(l);
out:
    free(c.pkg);
    free(c.root);
    free(c.edges.v);
    py_toml_close(&c.t);
    return rc;
}

const struct deps_format deps_format_uv_lock = {
    .name = "uv.lock",
    .parse = parse,
};
