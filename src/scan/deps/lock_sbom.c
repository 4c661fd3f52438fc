/* SBOMs as input: CycloneDX JSON (components, nested components, the
 * dependencies graph) and SPDX 2.x JSON (packages with a purl external
 * reference, DEPENDS_ON and *_DEPENDENCY_OF relationships). A package is
 * what its purl says: type -> ecosystem, namespace/name -> name, version
 * (percent-decoded; qualifiers and subpath checked and set aside). Entries
 * without a purl of an ecosystem moat knows are left out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lock_py.h"
#include "core/banned.h"

/* ---- purl ---- */

/* Percent-decode s[0..n) onto out; NUL and control bytes are refused. */
static int decode(const char *s, size_t n, struct moat_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return MOAT_EPARSE;
            if ((hi = moat_hexval((unsigned char)s[i + 1])) < 0 ||
                (lo = moat_hexval((unsigned char)s[i + 2])) < 0)
                return MOAT_EPARSE;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return MOAT_EPARSE;
        if (moat_buf_addch(out, (char)c) != 0)
            return MOAT_ETOOBIG;
    }
    return 0;
}

struct purl {
    enum deps_eco eco;
    struct moat_buf name;    /* as the ecosystem spells it */
    struct moat_buf version; /* empty when the purl has none */
};

/* Parse a purl. Returns 0, 1 when it is valid but of a type (or Debian
 * derivative) moat has no advisories for, or MOAT_EPARSE. */
static int purl_parse(const char *s, size_t n, struct purl *pu)
{
    struct moat_buf ns = MOAT_BUF_INIT(DEPS_MAX_NAME), nm = MOAT_BUF_INIT(DEPS_MAX_NAME);
    const char *p, *end = s + n, *q, *at, *slash, *type_end;
    char type[32];
    size_t tl;
    int rc = MOAT_EPARSE, e;

    moat_buf_reset(&pu->name);
    moat_buf_reset(&pu->version);
    if (n < 4 || strncasecmp(s, "pkg:", 4) != 0 || memchr(s, '\0', n))
        goto out;
    p = s + 4;
    while (p < end && *p == '/')
        p++; /* "pkg://type/..." is tolerated by the spec */
    if ((q = memrchr(p, '#', (size_t)(end - p))))
        end = q; /* the subpath names a file inside the package */
    if ((q = memchr(p, '?', (size_t)(end - p)))) {
        /* qualifiers: key=value pairs; they refine, never rename, a package */
        for (const char *k = q + 1; k < end;) {
            const char *amp = memchr(k, '&', (size_t)(end - k)), *ke = amp ? amp : end;
            const char *eq = memchr(k, '=', (size_t)(ke - k));
            if (ke > k && (!eq || eq == k))
                goto out;
            for (const char *c = k; eq && c < eq; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_'))
                    goto out;
            if (eq) {
                struct moat_buf v = MOAT_BUF_INIT(4096);
                e = decode(eq + 1, (size_t)(ke - eq - 1), &v);
                moat_buf_release(&v);
                if (e == MOAT_EPARSE)
                    goto out;
            }
            k = ke + 1;
        }
        end = q;
    }
    while (end > p && end[-1] == '/')
        end--;
    if (!(type_end = memchr(p, '/', (size_t)(end - p))) || type_end == p ||
        (tl = (size_t)(type_end - p)) >= sizeof(type))
        goto out;
    for (size_t i = 0; i < tl; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-'))
            goto out;
        type[i] = c;
    }
    type[tl] = '\0';
    p = type_end + 1;
    while (p < end && *p == '/')
        p++;
    slash = memrchr(p, '/', (size_t)(end - p));
    /* the version follows the last '@' after the last '/': "@scope/x@1" */
    at = memrchr(slash ? slash : p, '@', (size_t)(end - (slash ? slash : p)));
    if (at && (e = decode(at + 1, (size_t)(end - at - 1), &pu->version)) != 0) {
        rc = e;
        goto out;
    }
    if (at)
        end = at;
    if (slash && (e = decode(p, (size_t)(slash - p), &ns)) != 0) {
        rc = e;
        goto out;
    }
    if ((e = decode(slash ? slash + 1 : p, (size_t)(end - (slash ? slash + 1 : p)), &nm)) != 0) {
        rc = e;
        goto out;
    }
    if (nm.len == 0 || (at && pu->version.len == 0))
        goto out;
    rc = 1;
    for (int i = 0; i < DEPS_ECO_COUNT; i++)
        if (strcmp(type, deps_eco_purl_type((enum deps_eco)i)) == 0) {
            pu->eco = (enum deps_eco)i;
            rc = 0;
        }
    if (rc != 0)
        goto out;
    switch (pu->eco) {
    case DEPS_ECO_MAVEN: /* group:artifact */
        if (!ns.len) {
            rc = MOAT_EPARSE;
            goto out;
        }
        e = moat_buf_addf(&pu->name, "%s:%s", ns.data, nm.data);
        break;
    case DEPS_ECO_NPM:
    case DEPS_ECO_GO:
    case DEPS_ECO_PACKAGIST: /* @scope/name, module/path, vendor/name */
        e = moat_buf_addf(&pu->name, "%s%s%s", ns.data, ns.len ? "/" : "", nm.data);
        break;
    case DEPS_ECO_DEBIAN:
        /* Ubuntu and other derivatives carry their own versions */
        if (strcasecmp(ns.data, "debian") != 0) {
            rc = 1;
            goto out;
        }
        e = moat_buf_addstr(&pu->name, nm.data);
        break;
    default: e = moat_buf_addf(&pu->name, "%s%s%s", ns.data, ns.len ? "/" : "", nm.data); break;
    }
    if (e != 0 || pu->version.len > DEPS_MAX_VERSION)
        rc = MOAT_ETOOBIG;
out:
    moat_buf_release(&ns);
    moat_buf_release(&nm);
    return rc;
}

/* ---- shared ---- */

struct ctx {
    const struct deps_source *src;
    struct deps_lock *l;
    struct moat_err *err;
    struct py_lines lines;
    struct purl pu;
    struct py_index refs; /* bom-ref / SPDXID -> packages */
    size_t budget;        /* PY_MAX_WORK */
};

static int bad(struct ctx *c, size_t off, const char *what)
{
    return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: %s", c->src->path, py_lines_at(&c->lines, off),
                        what);
}

static int step_error(struct ctx *c, size_t off)
{
    return bad(c, off, "malformed JSON structure");
}

/* Add the package a purl names (version from the purl, else fallback). */
static int add(struct ctx *c, const char *purl, const char *fallback, unsigned flags,
               const struct py_hash *h, const char *ref, size_t off, size_t *idx)
{
    struct deps_pkg p = { 0 };
    const char *ver;
    int rc;

    *idx = SIZE_MAX;
    rc = purl_parse(purl, strlen(purl), &c->pu);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return rc == MOAT_ETOOBIG ? moat_err_set(c->err, rc, "%s:%u: purl too long", c->src->path,
                                                 py_lines_at(&c->lines, off))
                                  : bad(c, off, "malformed purl");
    ver = c->pu.version.len ? c->pu.version.data : fallback;
    p.eco = c->pu.eco;
    p.name = deps_lock_strdup(c->l, c->pu.name.data, c->pu.name.len);
    p.line = py_lines_at(&c->lines, off);
    p.flags = flags;
    if (ver && *ver && strlen(ver) <= DEPS_MAX_VERSION) {
        p.version = deps_lock_strdup(c->l, ver, strlen(ver));
    } else {
        p.flags |= DEPS_PKG_UNPINNED;
        p.spec = deps_lock_strdup(c->l, purl, strnlen(purl, DEPS_MAX_NAME));
    }
    py_hash_apply(c->l, &p, h);
    if ((rc = deps_lock_add(c->l, &p, idx)) != 0)
        return moat_err_set(c->err, rc, "%s:%u: more than %d packages", c->src->path, p.line,
                            DEPS_MAX_PACKAGES);
    if (ref)
        py_index_add(&c->refs, ref, strlen(ref), *idx);
    return 0;
}

static int too_many(struct ctx *c, size_t off)
{
    return moat_err_set(c->err, MOAT_ETOOBIG, "%s:%u: dependency graph too large", c->src->path,
                        py_lines_at(&c->lines, off));
}

static int link(struct ctx *c, const char *from, const char *to, size_t off)
{
    for (size_t f = py_index_first(&c->refs, from, strlen(from)); f != SIZE_MAX;
         f = py_index_next(&c->refs, f)) {
        if (py_work(&c->budget) != 0)
            return too_many(c, off);
        for (size_t t = py_index_first(&c->refs, to, strlen(to)); t != SIZE_MAX;
             t = py_index_next(&c->refs, t))
            if ((f != t && py_depend(c->l, f, t, &c->budget) != 0) || py_work(&c->budget) != 0)
                return too_many(c, off);
    }
    return 0;
}

/* Set flags on every package a ref names (one, unless refs repeat). */
static int mark(struct ctx *c, const char *ref, unsigned flags, size_t off)
{
    for (size_t i = py_index_first(&c->refs, ref, strlen(ref)); i != SIZE_MAX;
         i = py_index_next(&c->refs, i)) {
        if (py_work(&c->budget) != 0)
            return too_many(c, off);
        c->l->pkgs[i].flags |= flags;
    }
    return 0;
}

/* ---- CycloneDX ---- */

static int cdx_hashes(struct ctx *c, json_t *hs, size_t off, struct py_hash *h)
{
    size_t i;
    json_t *x;

    if (hs && !json_is_array(hs))
        return bad(c, off, "\"hashes\" is not an array");
    json_array_foreach(hs, i, x)
    {
        json_t *alg = json_object_get(x, "alg"), *ct = json_object_get(x, "content");
        if (!json_is_string(alg) || !json_is_string(ct))
            return bad(c, off, "a hash without alg and content");
        if (py_hash_offer(h, json_string_value(alg), json_string_length(alg), json_string_value(ct),
                          json_string_length(ct)) != 0)
            return bad(c, off, "malformed hash");
    }
    return 0;
}

static int cdx_components(struct ctx *c, json_t *arr, struct py_jiter *parent);

/* One component at text offset off; its nested components follow. */
static int cdx_component(struct ctx *c, json_t *comp, struct py_jiter *parent)
{
    size_t off = py_jiter_value(parent), moff, idx;
    struct py_hash h = { 0 };
    json_t *purl, *scope, *ver, *ref, *v;
    struct py_jiter it;
    const char *key;
    unsigned flags = 0;
    int rc;

    if (!json_is_object(comp))
        return bad(c, off, "a component is not an object");
    purl = json_object_get(comp, "purl");
    scope = json_object_get(comp, "scope");
    ver = json_object_get(comp, "version");
    ref = json_object_get(comp, "bom-ref");
    if ((purl && !json_is_string(purl)) || (scope && !json_is_string(scope)) ||
        (ver && !json_is_string(ver)) || (ref && !json_is_string(ref)))
        return bad(c, off, "purl, scope, version and bom-ref must be strings");
    if (scope && strcmp(json_string_value(scope), "optional") == 0)
        flags |= DEPS_PKG_OPTIONAL;
    if (scope && strcmp(json_string_value(scope), "excluded") == 0)
        flags |= DEPS_PKG_DEV; /* CycloneDX: not part of the runtime (tests, tooling) */
    if ((rc = cdx_hashes(c, json_object_get(comp, "hashes"), off, &h)) != 0)
        return rc;
    if (purl && (rc = add(c, json_string_value(purl), json_string_value(ver), flags, &h,
                          json_string_value(ref), off, &idx)) != 0)
        return rc;
    if (!json_object_get(comp, "components"))
        return 0;
    /* find the nested array's place in the text, walking in step */
    if (py_jiter_open(&it, (const char *)c->src->data, c->src->len, off) != 0)
        return step_error(c, off);
    json_object_foreach(comp, key, v)
    {
        if (py_jiter_next(&it, key, &moff) != 1)
            return step_error(c, it.off);
        if (strcmp(key, "components") == 0 && (rc = cdx_components(c, v, &it)) != 0)
            return rc;
    }
    if (py_jiter_next(&it, NULL, &moff) != 0)
        return step_error(c, it.off);
    py_jiter_skip_to(parent, it.off);
    return 0;
}

static int cdx_components(struct ctx *c, json_t *arr, struct py_jiter *parent)
{
    struct py_jiter it;
    size_t i, off;
    json_t *comp;
    int rc;

    if (!json_is_array(arr))
        return bad(c, py_jiter_value(parent), "\"components\" is not an array");
    if (py_jiter_open(&it, (const char *)c->src->data, c->src->len, py_jiter_value(parent)) != 0)
        return step_error(c, py_jiter_value(parent));
    json_array_foreach(arr, i, comp)
    {
        if (py_jiter_next(&it, NULL, &off) != 1)
            return step_error(c, it.off);
        if ((rc = cdx_component(c, comp, &it)) != 0)
            return rc;
    }
    if (py_jiter_next(&it, NULL, &off) != 0)
        return step_error(c, it.off);
    py_jiter_skip_to(parent, it.off);
    return 0;
}

static int cdx_dependencies(struct ctx *c, json_t *deps, const char *root, size_t off)
{
    size_t i, k;
    json_t *d, *t;
    int rc;

    if (!json_is_array(deps))
        return bad(c, off, "\"dependencies\" is not an array");
    json_array_foreach(deps, i, d)
    {
        json_t *ref = json_object_get(d, "ref"), *on = json_object_get(d, "dependsOn");
        bool from_root, from_pkg;
        if (!json_is_string(ref) || (on && !json_is_array(on)))
            return bad(c, off, "a dependency without a ref string and a dependsOn array");
        from_root = root && strcmp(json_string_value(ref), root) == 0;
        /* a ref that is neither the product nor a listed package says nothing */
        from_pkg =
            py_index_first(&c->refs, json_string_value(ref), json_string_length(ref)) != SIZE_MAX;
        json_array_foreach(on, k, t)
        {
            if (!json_is_string(t))
                return bad(c, off, "a dependsOn entry is not a string");
            if ((from_root || from_pkg) &&
                (rc = mark(c, json_string_value(t),
                           from_root ? DEPS_PKG_DIRECT : DEPS_PKG_TRANSITIVE, off)) != 0)
                return rc;
            if (from_pkg && (rc = link(c, json_string_value(ref), json_string_value(t), off)))
                return rc;
        }
    }
    return 0;
}

static int cyclonedx(struct ctx *c, json_t *root, struct py_jiter *it)
{
    json_t *spec = json_object_get(root, "specVersion"), *v, *deps = NULL;
    const char *rootref = json_string_value(json_object_get(
        json_object_get(json_object_get(root, "metadata"), "component"), "bom-ref"));
    size_t off, deps_off = 0;
    const char *key;
    int rc;

    if (json_is_string(spec) && json_string_length(spec) < 16) {
        char fmt[32];
        if (moat_snprintf(fmt, sizeof(fmt), "CycloneDX %s", json_string_value(spec)) == 0)
            c->l->format = deps_lock_strdup(c->l, fmt, strlen(fmt));
    }
    json_object_foreach(root, key, v)
    {
        if (py_jiter_next(it, key, &off) != 1)
            return step_error(c, it->off);
        if (strcmp(key, "components") == 0 && (rc = cdx_components(c, v, it)) != 0)
            return rc;
        if (strcmp(key, "dependencies") == 0)
            deps = v, deps_off = off;
    }
    /* edges once every bom-ref is known, wherever "dependencies" stands */
    return deps ? cdx_dependencies(c, deps, rootref, deps_off) : 0;
}

/* ---- SPDX ---- */

static const char *spdx_purl(json_t *pkg)
{
    size_t i;
    json_t *r;

    json_array_foreach(json_object_get(pkg, "externalRefs"), i, r)
    {
        const char *type = json_string_value(json_object_get(r, "referenceType"));
        const char *loc = json_string_value(json_object_get(r, "referenceLocator"));
        if (type && loc && strcmp(type, "purl") == 0)
            return loc;
    }
    return NULL;
}

/* What a relationship means for its target: 0 when it is no dependency. */
static bool spdx_edge(const char *type, bool *reverse, unsigned *flags)
{
    static const struct {
        const char *type;
        bool reverse; /* "A X_OF B": B depends on A */
        unsigned flags;
    } kinds[] = {
        { "DEPENDS_ON", false, 0 },
        { "DEPENDENCY_OF", true, 0 },
        { "RUNTIME_DEPENDENCY_OF", true, 0 },
        { "PROVIDED_DEPENDENCY_OF", true, 0 },
        { "DEV_DEPENDENCY_OF", true, DEPS_PKG_DEV },
        { "TEST_DEPENDENCY_OF", true, DEPS_PKG_DEV },
        { "BUILD_DEPENDENCY_OF", true, DEPS_PKG_DEV },
        { "OPTIONAL_DEPENDENCY_OF", true, DEPS_PKG_OPTIONAL },
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(type, kinds[i].type) == 0) {
            *reverse = kinds[i].reverse;
            *flags = kinds[i].flags;
            return true;
        }
    return false;
}

static int spdx(struct ctx *c, json_t *root, const char *version, struct py_jiter *it)
{
    json_t *rels = json_object_get(root, "relationships"), *v, *x;
    struct moat_map subject; /* SPDXIDs the document describes: the product itself */
    unsigned char *runtime = NULL, *special = NULL; /* per package: plain / dev-optional use */
    size_t off, i, n_subjects = 0;
    const char *key;
    int rc = 0;

    moat_map_init(&subject);
    c->l->format = deps_lock_strdup(c->l, version, strnlen(version, 31));
    json_array_foreach(json_object_get(root, "documentDescribes"), i,
                       x) if (json_is_string(x) && !moat_map_put(&subject, json_string_value(x),
                                                                 json_string_length(x), (void *)1))
        n_subjects++;
    json_array_foreach(rels, i, x)
    {
        const char *a = json_string_value(json_object_get(x, "spdxElementId"));
        const char *t = json_string_value(json_object_get(x, "relationshipType"));
        const char *b = json_string_value(json_object_get(x, "relatedSpdxElement"));
        if (!a || !t || !b)
            continue;
        if (strcmp(t, "DESCRIBES") == 0 && strcmp(a, "SPDXRef-DOCUMENT") == 0 &&
            !moat_map_put(&subject, b, strlen(b), (void *)1))
            n_subjects++;
        if (strcmp(t, "DESCRIBED_BY") == 0 && strcmp(b, "SPDXRef-DOCUMENT") == 0 &&
            !moat_map_put(&subject, a, strlen(a), (void *)1))
            n_subjects++;
    }
    json_object_foreach(root, key, v)
    {
        struct py_jiter pit;
        json_t *pkg;
        size_t poff;
        if (py_jiter_next(it, key, &off) != 1) {
            rc = step_error(c, it->off);
            goto out;
        }
        if (strcmp(key, "packages") != 0)
            continue;
        if (!json_is_array(v)) {
            rc = bad(c, off, "\"packages\" is not an array");
            goto out;
        }
        if (py_jiter_open(&pit, (const char *)c->src->data, c->src->len, py_jiter_value(it))) {
            rc = step_error(c, off);
            goto out;
        }
        json_array_foreach(v, i, pkg)
        {
            struct py_hash h = { 0 };
            const char *id, *purl;
            size_t k, idx;
            if (py_jiter_next(&pit, NULL, &poff) != 1) {
                rc = step_error(c, pit.off);
                goto out;
            }
            if (!json_is_object(pkg)) {
                rc = bad(c, poff, "a package is not an object");
                goto out;
            }
            id = json_string_value(json_object_get(pkg, "SPDXID"));
            /* the product the document describes is not its own dependency,
             * unless the document describes every package it lists */
            if (id && n_subjects < json_array_size(v) && moat_map_get(&subject, id, strlen(id)))
                continue;
            if (!(purl = spdx_purl(pkg)))
                continue;
            json_array_foreach(json_object_get(pkg, "checksums"), k, x)
            {
                json_t *alg = json_object_get(x, "algorithm");
                json_t *val = json_object_get(x, "checksumValue");
                if (!json_is_string(alg) || !json_is_string(val) ||
                    py_hash_offer(&h, json_string_value(alg), json_string_length(alg),
                                  json_string_value(val), json_string_length(val)) != 0) {
                    rc = bad(c, poff, "malformed checksum");
                    goto out;
                }
            }
            if ((rc = add(c, purl, json_string_value(json_object_get(pkg, "versionInfo")), 0, &h,
                          id, poff, &idx)) != 0)
                goto out;
        }
        if (py_jiter_next(&pit, NULL, &poff) != 0) {
            rc = step_error(c, pit.off);
            goto out;
        }
        py_jiter_skip_to(it, pit.off);
    }
    if (rels && !json_is_array(rels)) {
        rc = moat_err_set(c->err, MOAT_EPARSE, "%s: \"relationships\" is not an array",
                          c->src->path);
        goto out;
    }
    runtime = moat_calloc(c->l->n ? c->l->n : 1, 1);
    special = moat_calloc(c->l->n ? c->l->n : 1, 1);
    json_array_foreach(rels, i, x)
    {
        const char *a = json_string_value(json_object_get(x, "spdxElementId"));
        const char *t = json_string_value(json_object_get(x, "relationshipType"));
        const char *b = json_string_value(json_object_get(x, "relatedSpdxElement"));
        const char *from, *to;
        bool reverse;
        unsigned fl;
        if (!a || !t || !b || !spdx_edge(t, &reverse, &fl))
            continue;
        from = reverse ? b : a;
        to = reverse ? a : b;
        for (size_t k = py_index_first(&c->refs, to, strlen(to)); k != SIZE_MAX;
             k = py_index_next(&c->refs, k)) {
            if (py_work(&c->budget) != 0) {
                rc = too_many(c, 0);
                goto out;
            }
            if (fl)
                special[k] |= (unsigned char)fl;
            else
                runtime[k] = 1;
        }
        if (moat_map_get(&subject, from, strlen(from)))
            rc = mark(c, to, DEPS_PKG_DIRECT, 0);
        else if (py_index_first(&c->refs, from, strlen(from)) != SIZE_MAX)
            rc = mark(c, to, DEPS_PKG_TRANSITIVE, 0);
        if (rc != 0 || (rc = link(c, from, to, 0)) != 0)
            goto out;
    }
    /* dev or optional only when no relationship needs it at run time */
    for (size_t k = 0; k < c->l->n; k++)
        if (!runtime[k])
            c->l->pkgs[k].flags |= special[k];
out:
    free(runtime);
    free(special);
    moat_map_release(&subject, NULL);
    return rc;
}

/* ---- entry ---- */

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct ctx c = { 0 };
    const char *d = (const char *)src->data, *bf, *sv;
    struct py_jiter it;
    json_t *root = NULL;
    size_t start = 0;
    int rc;

    c.src = src;
    c.l = l;
    c.err = err;
    c.budget = PY_MAX_WORK;
    moat_buf_init(&c.pu.name, DEPS_MAX_NAME + 1);
    moat_buf_init(&c.pu.version, DEPS_MAX_VERSION + 1);
    py_index_init(&c.refs);
    if ((rc = py_json_load(src, &root, err)) != 0)
        goto out;
    py_lines_init(&c.lines, d, src->len);
    bf = json_string_value(json_object_get(root, "bomFormat"));
    sv = json_string_value(json_object_get(root, "spdxVersion"));
    if (!json_is_object(root) ||
        (!(bf && strcmp(bf, "CycloneDX") == 0) && !(sv && strncmp(sv, "SPDX-2.", 7) == 0))) {
        rc = moat_err_set(err, MOAT_EPARSE,
                          "%s:1: not a CycloneDX or SPDX 2.x JSON document (no bomFormat "
                          "\"CycloneDX\" or spdxVersion \"SPDX-2.x\")",
                          src->path);
        goto out;
    }
    while (start < src->len && d[start] != '{')
        start++;
    if (py_jiter_open(&it, d, src->len, start) != 0) {
        rc = step_error(&c, start);
        goto out;
    }
    l->format = bf ? "CycloneDX" : "SPDX";
    rc = bf ? cyclonedx(&c, root, &it) : spdx(&c, root, sv, &it);
    py_direct_wins(l);
out:
    json_decref(root);
    py_index_release(&c.refs);
    moat_buf_release(&c.pu.name);
    moat_buf_release(&c.pu.version);
    return rc;
}

static bool match(const char *base, const unsigned char *data, size_t len)
{
    size_t n = strlen(base), i = 0, window = len < 4096 ? len : 4096;

    if ((n > 9 && strcmp(base + n - 9, ".cdx.json") == 0) || strcmp(base, "bom.json") == 0 ||
        (n > 10 && strcmp(base + n - 10, ".spdx.json") == 0))
        return true;
    if (n < 5 || strcmp(base + n - 5, ".json") != 0)
        return false;
    while (i < window && data[i] && strchr(" \t\r\n", data[i]))
        i++;
    return i < window && data[i] == '{' &&
           (memmem(data, window, "\"bomFormat\"", 11) ||
            memmem(data, window, "\"spdxVersion\"", 13));
}

const struct deps_format deps_format_sbom = {
    .name = "CycloneDX/SPDX JSON",
    .match = match,
    .parse = parse,
};
