/* Maven pom.xml: the <dependencies> a project declares (profiles' ones as
 * OPTIONAL), named "groupId:artifactId", with ${property} substitution from
 * <properties> and project.* / project.parent.*, and versions taken from
 * <dependencyManagement> when a dependency has none. Parent POMs are read
 * only from disk (relativePath, below the scan root), never fetched. A
 * version that cannot be resolved here is UNPINNED, never guessed. Parsing
 * refuses any DOCTYPE, so no entity is ever declared, let alone expanded. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "lock_py.h"
#include "core/banned.h"

#define POM_MAX_TEXT    4096                    /* bytes of one coordinate, version or property */
#define POM_MAX_EXPAND  10000                   /* property lookups in one substitution */
#define POM_MAX_LOOKUPS (4u << 20)              /* property lookups in one POM, all substitutions */
#define POM_MAX_NESTING 16                      /* properties defined through properties */
#define POM_LEVELS      (DEPS_MAX_INCLUDES + 1) /* the POM and its parents */

struct mdep { /* one <dependencyManagement> entry, as written */
    char *g, *a, *v, *scope;
};

struct level {             /* what one POM of the parent chain contributes */
    struct moat_map props; /* name -> char * */
    MOAT_VEC(struct mdep) managed;
    char *rel; /* path relative to the lockfile's directory */
};

struct pom {
    const struct deps_source *src;
    struct deps_lock *l;
    struct moat_err *err;
    struct py_near near;
    struct level lv[POM_LEVELS]; /* [0] is the file being parsed */
    size_t nlv;
    char *g, *a, *v;         /* the project's coordinates (inherited when absent) */
    char *pg, *pa, *pv;      /* its <parent>'s */
    struct moat_map managed; /* "g:a" -> struct mdep * */
    struct moat_map seen;    /* "g:a\nversion" -> package index + 1 */
    size_t lookups;          /* left of POM_MAX_LOOKUPS: properties made of
                              * properties could otherwise cost each dependency
                              * POM_MAX_EXPAND lookups */
};

/* ---- XML ---- */

static void init_libxml(void)
{
    xmlInitParser();
}

static void quiet(void *user, xmlErrorPtr e)
{
    /* errors are read back with xmlCtxtGetLastError, never printed */
    (void)user;
    (void)e;
}

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    xmlParserCtxtPtr c = ctx;

    (void)name;
    (void)eid;
    (void)sid;
    *(bool *)c->_private = true;
    xmlStopParser(c);
}

/* Element depth, walked without recursion. */
static xmlNodePtr too_deep(xmlNodePtr root)
{
    xmlNodePtr n = root;
    int depth = 1;

    for (;;) {
        if (n->type == XML_ELEMENT_NODE && depth > DEPS_MAX_DEPTH)
            return n;
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            depth++;
            continue;
        }
        while (n != root && !n->next) {
            n = n->parent;
            depth--;
        }
        if (n == root)
            return NULL;
        n = n->next;
    }
}

static int load(const char *path, const char *data, size_t len, xmlDocPtr *out,
                struct moat_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc = NULL;
    xmlNodePtr deep;
    bool dtd = false;
    int rc = 0;

    *out = NULL;
    if (len > DEPS_MAX_LOCKFILE)
        return moat_err_set(err, MOAT_ETOOBIG, "%s: %zu bytes, over the %u-byte limit", path, len,
                            DEPS_MAX_LOCKFILE);
    if (pthread_once(&once, init_libxml) != 0)
        return moat_err_set(err, MOAT_EINTERNAL, "%s: libxml2 did not start", path);
    if (!(ctxt = xmlNewParserCtxt()))
        return moat_err_set(err, MOAT_EINTERNAL, "%s: out of memory", path);
    ctxt->_private = &dtd;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = refuse_dtd;
    ctxt->sax->serror = quiet;
    /* no NOENT (entities stay unexpanded), no DTDLOAD, no network */
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    if (dtd) {
        rc = moat_err_set(err, MOAT_EPARSE,
                          "%s:%d: DOCTYPE refused (a POM has none, and entities could expand "
                          "without bound)",
                          path, ctxt->input ? ctxt->input->line : 1);
    } else if (!doc || !ctxt->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char msg[128];
        size_t n = e && e->message ? strlen(e->message) : 0;
        while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
            n--;
        py_printable(e && e->message ? e->message : "malformed XML", e ? n : 13, msg, sizeof(msg));
        rc = moat_err_set(err, MOAT_EPARSE, "%s:%d: %s", path, e && e->line > 0 ? e->line : 1, msg);
    } else if (!xmlDocGetRootElement(doc)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s:1: no root element", path);
    } else if ((deep = too_deep(xmlDocGetRootElement(doc)))) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s:%ld: XML nested deeper than %d", path,
                          xmlGetLineNo(deep), DEPS_MAX_DEPTH);
    }
    xmlFreeParserCtxt(ctxt);
    if (rc != 0) {
        xmlFreeDoc(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

static unsigned line_of(xmlNodePtr n)
{
    long line = xmlGetLineNo(n);

    return line > 0 && line < (long)UINT32_MAX ? (unsigned)line : 1;
}

/* The trimmed text of n (malloc'd), or NULL when n is NULL. */
static int text(struct moat_err *err, const char *path, xmlNodePtr n, char **out)
{
    xmlChar *c;
    const char *s;
    size_t len;

    *out = NULL;
    if (!n)
        return 0;
    c = xmlNodeGetContent(n);
    s = c ? (const char *)c : "";
    len = strlen(s);
    while (len && strchr(" \t\r\n", *s))
        s++, len--;
    while (len && strchr(" \t\r\n", s[len - 1]))
        len--;
    if (len > POM_MAX_TEXT) {
        xmlFree(c);
        return moat_err_set(err, MOAT_ETOOBIG, "%s:%u: <%s> longer than %d bytes", path, line_of(n),
                            (const char *)n->name, POM_MAX_TEXT);
    }
    *out = moat_strndup(s, len);
    xmlFree(c);
    return 0;
}

static int child_text(struct moat_err *err, const char *path, xmlNodePtr n, const char *name,
                      char **out)
{
    return text(err, path, child(n, name), out);
}

/* ---- properties ---- */

/* project.* (and the old pom.* and bare forms), then <properties> from the
 * nearest POM up the parent chain. */
static const char *lookup(const struct pom *pm, const char *name)
{
    const char *n = name, *v = NULL;

    if (strncmp(n, "project.", 8) == 0)
        n += 8;
    else if (strncmp(n, "pom.", 4) == 0)
        n += 4;
    if (strcmp(n, "version") == 0)
        v = pm->v;
    else if (strcmp(n, "groupId") == 0)
        v = pm->g;
    else if (strcmp(n, "artifactId") == 0)
        v = pm->a;
    else if (strcmp(n, "parent.version") == 0)
        v = pm->pv;
    else if (strcmp(n, "parent.groupId") == 0)
        v = pm->pg;
    else if (strcmp(n, "parent.artifactId") == 0)
        v = pm->pa;
    for (size_t i = 0; !v && i < pm->nlv; i++)
        v = moat_map_get(&pm->lv[i].props, name, strlen(name));
    return v;
}

/* Substitute ${name} in s into out; a name that is unknown, cyclic or too
 * deep stays as written and sets *unresolved. */
static int expand(struct pom *pm, const char *s, struct moat_buf *out, int depth, size_t *steps,
                  bool *unresolved)
{
    char name[256];
    int rc;

    while (*s) {
        const char *st = strstr(s, "${"), *en, *val;
        if (!st)
            return moat_buf_addstr(out, s);
        if ((rc = moat_buf_add(out, s, (size_t)(st - s))) != 0)
            return rc;
        if (!(en = strchr(st + 2, '}'))) {
            *unresolved = true;
            return moat_buf_addstr(out, st);
        }
        val = NULL;
        if ((size_t)(en - st - 2) < sizeof(name)) {
            memcpy(name, st + 2, (size_t)(en - st - 2));
            name[en - st - 2] = '\0';
            val = lookup(pm, name);
        }
        if (pm->lookups)
            pm->lookups--;
        if (!val || depth >= POM_MAX_NESTING || ++*steps > POM_MAX_EXPAND || !pm->lookups) {
            *unresolved = true;
            if ((rc = moat_buf_add(out, st, (size_t)(en - st + 1))) != 0)
                return rc;
        } else if ((rc = expand(pm, val, out, depth + 1, steps, unresolved)) != 0) {
            return rc;
        }
        s = en + 1;
    }
    return 0;
}

/* s with properties substituted (malloc'd), or NULL when something stayed
 * unresolved or s is NULL. */
static char *interp(struct pom *pm, const char *s)
{
    struct moat_buf out = MOAT_BUF_INIT(POM_MAX_TEXT);
    bool unresolved = false;
    size_t steps = 0;
    char *r;

    if (!s)
        return NULL;
    if (expand(pm, s, &out, 0, &steps, &unresolved) != 0 || unresolved) {
        moat_buf_release(&out);
        return NULL;
    }
    r = moat_strndup(out.data, out.len);
    moat_buf_release(&out);
    return r;
}

/* ---- the parent chain ---- */

static void level_release(struct level *lv)
{
    moat_map_release(&lv->props, free);
    for (size_t i = 0; i < lv->managed.n; i++) {
        free(lv->managed.v[i].g);
        free(lv->managed.v[i].a);
        free(lv->managed.v[i].v);
        free(lv->managed.v[i].scope);
    }
    free(lv->managed.v);
    free(lv->rel);
}

/* <properties> and <dependencyManagement> of one POM into lv (initialized
 * by the caller, released by it on failure too). */
static int collect(struct moat_err *err, const char *path, xmlNodePtr project, struct level *lv)
{
    xmlNodePtr props = child(project, "properties");
    xmlNodePtr dm = child(child(project, "dependencyManagement"), "dependencies");
    int rc;

    for (xmlNodePtr c = props ? props->children : NULL; c; c = c->next) {
        char *v;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if ((rc = text(err, path, c, &v)) != 0)
            return rc;
        /* a repeated property: the last one counts, as in Maven */
        free(moat_map_put(&lv->props, (const char *)c->name, strlen((const char *)c->name), v));
    }
    for (xmlNodePtr c = dm ? dm->children : NULL; c; c = c->next) {
        struct mdep m = { 0 };
        if (!named(c, "dependency"))
            continue;
        rc = child_text(err, path, c, "groupId", &m.g);
        if (rc == 0)
            rc = child_text(err, path, c, "artifactId", &m.a);
        if (rc == 0)
            rc = child_text(err, path, c, "version", &m.v);
        if (rc == 0)
            rc = child_text(err, path, c, "scope", &m.scope);
        MOAT_VEC_PUSH(&lv->managed, m); /* freed with the level, even on failure */
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct parent_ref {
    char *g, *a, *relpath; /* relpath NULL: not looked for on disk */
};

static void ref_release(struct parent_ref *r)
{
    free(r->g);
    free(r->a);
    free(r->relpath);
    memset(r, 0, sizeof(*r));
}

static int parent_ref(struct moat_err *err, const char *path, xmlNodePtr project,
                      struct parent_ref *r)
{
    xmlNodePtr par = child(project, "parent"), rp = child(par, "relativePath");
    char *rel = NULL;
    int rc;

    memset(r, 0, sizeof(*r));
    if (!par)
        return 0;
    if ((rc = child_text(err, path, par, "groupId", &r->g)) != 0 ||
        (rc = child_text(err, path, par, "artifactId", &r->a)) != 0 ||
        (rc = text(err, path, rp, &rel)) != 0)
        return rc;
    if (rp && !rel[0])
        r->relpath = NULL; /* <relativePath/>: the parent comes from a repository */
    else if (!rel)
        r->relpath = moat_strdup("../pom.xml");
    else if (moat_str_endswith(rel, ".xml"))
        r->relpath = moat_strdup(rel);
    else
        r->relpath = moat_asprintf("%s/pom.xml", rel);
    free(rel);
    return 0;
}

/* Read the parent ref names, if it is on disk below the scan root and its
 * coordinates match, into the next level, and replace ref by that parent's
 * own parent. Returns 0 to go on, 1 to stop: a parent that is missing or
 * broken ends the chain, and the versions it would give stay unresolved. */
static int one_parent(struct pom *pm, struct parent_ref *ref)
{
    struct moat_buf rel = MOAT_BUF_INIT(8192), disp = MOAT_BUF_INIT(8192);
    struct moat_buf data = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    struct moat_err e = { 0, "" };
    struct level lv = { 0 };
    const char *why = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr pp = NULL;
    char *g = NULL, *a = NULL;
    int rc;

    moat_map_init(&lv.props);
    rc = py_near_resolve(&pm->near, pm->lv[pm->nlv - 1].rel, ref->relpath, strlen(ref->relpath),
                         &rel, &disp, &why);
    for (size_t i = 0; rc == 0 && i < pm->nlv; i++)
        if (strcmp(pm->lv[i].rel, rel.data) == 0)
            rc = 1, why = "a parent cycle";
    if (rc == 0)
        rc = py_near_read(&pm->near, rel.data, &data, &why, &e);
    if (rc == 0)
        rc = load(disp.data, data.data, data.len, &doc, &e);
    if (rc == 0) {
        pp = xmlDocGetRootElement(doc);
        if (!named(pp, "project"))
            rc = 1, why = "not a POM";
    }
    if (rc == 0 && (rc = child_text(&e, disp.data, pp, "artifactId", &a)) == 0 &&
        (rc = child_text(&e, disp.data, pp, "groupId", &g)) == 0 && !g)
        rc = child_text(&e, disp.data, child(pp, "parent"), "groupId", &g);
    if (rc == 0 && (!g || !a || strcmp(g, ref->g) != 0 || strcmp(a, ref->a) != 0))
        rc = 1, why = "another project's POM";
    if (rc == 0)
        rc = collect(&e, disp.data, pp, &lv);
    if (rc == 0) {
        ref_release(ref);
        rc = parent_ref(&e, disp.data, pp, ref);
    }
    if (rc == 0) {
        lv.rel = moat_strndup(rel.data, rel.len);
        pm->lv[pm->nlv++] = lv;
        memset(&lv, 0, sizeof(lv));
        moat_map_init(&lv.props);
    } else if (rc < 0) {
        MOAT_LOG(WARN, "deps", "%s: parent POM not used: %s", pm->src->path, e.msg);
        rc = 1;
    } else {
        MOAT_LOG(DEBUG, "deps", "%s: parent POM not read (%s)", pm->src->path, why);
    }
    level_release(&lv);
    free(g);
    free(a);
    xmlFreeDoc(doc);
    moat_buf_release(&rel);
    moat_buf_release(&disp);
    moat_buf_release(&data);
    return rc;
}

static int parents(struct pom *pm, xmlNodePtr project)
{
    struct parent_ref ref;
    int rc = parent_ref(pm->err, pm->src->path, project, &ref);

    while (rc == 0 && ref.relpath && ref.g && ref.a && pm->nlv < POM_LEVELS)
        rc = one_parent(pm, &ref);
    ref_release(&ref);
    return rc < 0 ? rc : 0;
}

/* dependencyManagement of the whole chain: the nearest POM wins. */
static void managed(struct pom *pm)
{
    for (size_t i = pm->nlv; i-- > 0;)
        for (size_t k = 0; k < pm->lv[i].managed.n; k++) {
            struct mdep *m = &pm->lv[i].managed.v[k];
            char *g = interp(pm, m->g), *a = interp(pm, m->a), *key;
            char *scope = interp(pm, m->scope);
            if (g && a && !(scope && strcmp(scope, "import") == 0)) {
                key = moat_asprintf("%s:%s", g, a);
                if (moat_map_put(&pm->managed, key, strlen(key), m)) {
                    /* a nearer POM overrides */
                }
                free(key);
            }
            free(g);
            free(a);
            free(scope);
        }
}

/* ---- dependencies ---- */

/* An exact version, or NULL for ranges and LATEST/RELEASE. "[1.2]" is exact. */
static const char *exact(char *v)
{
    size_t n = strlen(v);

    if (!n || strcmp(v, "LATEST") == 0 || strcmp(v, "RELEASE") == 0)
        return NULL;
    if (v[0] == '[' && v[n - 1] == ']' && !strchr(v, ',') && n > 2) {
        v[n - 1] = '\0';
        return v + 1;
    }
    if (strpbrk(v, "[](), \t\r\n"))
        return NULL;
    return v;
}

static int dependency(struct pom *pm, xmlNodePtr d, unsigned extra)
{
    char *gr = NULL, *ar = NULL, *vr = NULL, *sr = NULL, *opt = NULL;
    char *g = NULL, *a = NULL, *v = NULL, *scope = NULL, *name = NULL, *spec = NULL;
    const char *path = pm->src->path, *ver = NULL, *vraw;
    const struct mdep *m = NULL;
    struct deps_pkg p = { 0 };
    unsigned line = line_of(d);
    size_t idx;
    int rc;

    if ((rc = child_text(pm->err, path, d, "groupId", &gr)) != 0 ||
        (rc = child_text(pm->err, path, d, "artifactId", &ar)) != 0 ||
        (rc = child_text(pm->err, path, d, "version", &vr)) != 0 ||
        (rc = child_text(pm->err, path, d, "scope", &sr)) != 0 ||
        (rc = child_text(pm->err, path, d, "optional", &opt)) != 0)
        goto out;
    if (!gr || !ar || !gr[0] || !ar[0]) {
        rc = moat_err_set(pm->err, MOAT_EPARSE, "%s:%u: <dependency> without groupId/artifactId",
                          path, line);
        goto out;
    }
    g = interp(pm, gr);
    a = interp(pm, ar);
    if (g && a && g[0] && a[0]) {
        name = moat_asprintf("%s:%s", g, a);
        m = moat_map_get(&pm->managed, name, strlen(name));
    } else {
        name = moat_asprintf("%s:%s", gr, ar); /* as written: never matched to advisories */
    }
    vraw = vr ? vr : m ? m->v : NULL;
    v = interp(pm, vraw);
    scope = interp(pm, sr ? sr : m ? m->scope : NULL);
    if (g && a && v)
        ver = exact(v);
    if (!ver) /* a range, or a version that lives in a parent or BOM not here */
        spec = moat_asprintf("%s%s%s", name, vraw ? ":" : "", vraw ? vraw : "");
    if (strlen(name) > DEPS_MAX_NAME || (ver && strlen(ver) > DEPS_MAX_VERSION)) {
        rc = moat_err_set(pm->err, MOAT_ETOOBIG, "%s:%u: coordinates too long", path, line);
        goto out;
    }
    p.eco = DEPS_ECO_MAVEN;
    p.line = line;
    p.flags = DEPS_PKG_DIRECT | extra;
    if (scope && strcmp(scope, "test") == 0)
        p.flags |= DEPS_PKG_DEV;
    if (opt && strcmp(opt, "true") == 0)
        p.flags |= DEPS_PKG_OPTIONAL;
    p.name = deps_lock_strdup(pm->l, name, strlen(name));
    if (ver) {
        /* listed twice (a test-jar, a classifier): one package, and it is
         * dev or optional only if every listing is */
        char *key = moat_asprintf("%s\n%s", name, ver);
        void *hit = moat_map_get(&pm->seen, key, strlen(key));
        if (hit) {
            struct deps_pkg *q = &pm->l->pkgs[(uintptr_t)hit - 1];
            q->flags &= p.flags | ~(unsigned)(DEPS_PKG_DEV | DEPS_PKG_OPTIONAL);
        } else {
            p.version = deps_lock_strdup(pm->l, ver, strlen(ver));
            if ((rc = deps_lock_add(pm->l, &p, &idx)) == 0 &&
                moat_map_put(&pm->seen, key, strlen(key), (void *)(uintptr_t)(idx + 1))) {
                /* absent: checked above */
            }
        }
        free(key);
    } else {
        p.spec = deps_lock_strdup(pm->l, spec, strlen(spec));
        p.flags |= DEPS_PKG_UNPINNED;
        rc = deps_lock_add(pm->l, &p, &idx);
    }
    if (rc != 0)
        rc = moat_err_set(pm->err, rc, "%s:%u: more than %d packages", path, line,
                          DEPS_MAX_PACKAGES);
out:
    free(gr);
    free(ar);
    free(vr);
    free(sr);
    free(opt);
    free(g);
    free(a);
    free(v);
    free(scope);
    free(name);
    free(spec);
    return rc;
}

static int dependencies(struct pom *pm, xmlNodePtr deps, unsigned extra)
{
    int rc;

    for (xmlNodePtr d = deps ? deps->children : NULL; d; d = d->next)
        if (named(d, "dependency") && (rc = dependency(pm, d, extra)) != 0)
            return rc;
    return 0;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    const char *slash = strrchr(src->path, '/');
    struct pom pm = { 0 };
    xmlDocPtr doc = NULL;
    xmlNodePtr project;
    int rc;

    pm.src = src;
    pm.l = l;
    pm.err = err;
    pm.lookups = POM_MAX_LOOKUPS;
    moat_map_init(&pm.managed);
    moat_map_init(&pm.seen);
    py_near_init(&pm.near, src, l);
    l->format = "pom.xml";
    if ((rc = load(src->path, (const char *)src->data, src->len, &doc, err)) != 0)
        goto out;
    project = xmlDocGetRootElement(doc);
    if (!named(project, "project")) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s:%u: not a Maven POM (the root is not <project>)",
                          src->path, line_of(project));
        goto out;
    }
    moat_map_init(&pm.lv[0].props);
    pm.lv[0].rel = moat_strdup(slash ? slash + 1 : src->path);
    pm.nlv = 1;
    if ((rc = collect(err, src->path, project, &pm.lv[0])) != 0 ||
        (rc = child_text(err, src->path, project, "groupId", &pm.g)) != 0 ||
        (rc = child_text(err, src->path, project, "artifactId", &pm.a)) != 0 ||
        (rc = child_text(err, src->path, project, "version", &pm.v)) != 0 ||
        (rc = child_text(err, src->path, child(project, "parent"), "groupId", &pm.pg)) != 0 ||
        (rc = child_text(err, src->path, child(project, "parent"), "artifactId", &pm.pa)) != 0 ||
        (rc = child_text(err, src->path, child(project, "parent"), "version", &pm.pv)) != 0)
        goto out;
    if (!pm.g && pm.pg)
        pm.g = moat_strdup(pm.pg);
    if (!pm.v && pm.pv)
        pm.v = moat_strdup(pm.pv);
    if ((rc = parents(&pm, project)) != 0)
        goto out;
    managed(&pm);
    if ((rc = dependencies(&pm, child(project, "dependencies"), 0)) != 0)
        goto out;
    /* a profile's dependencies are there only when the profile is active */
    for (xmlNodePtr pr = child(child(project, "profiles"), "profile"); pr; pr = pr->next)
        if (named(pr, "profile") &&
            (rc = dependencies(&pm, child(pr, "dependencies"), DEPS_PKG_OPTIONAL)) != 0)
            goto out;
    if (!pm.lookups)
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: properties expand to more than %u lookups",
                          src->path, POM_MAX_LOOKUPS);
out:
    for (size_t i = 0; i < pm.nlv; i++)
        level_release(&pm.lv[i]);
    moat_map_release(&pm.managed, NULL);
    moat_map_release(&pm.seen, NULL);
    free(pm.g);
    free(pm.a);
    free(pm.v);
    free(pm.pg);
    free(pm.pa);
    free(pm.pv);
    xmlFreeDoc(doc);
    return rc;
}

const struct deps_format deps_format_pom_xml = {
    .name = "pom.xml",
    .parse = parse,
};
