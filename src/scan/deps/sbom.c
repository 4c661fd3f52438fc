/* moat sbom: the packages the deps analyzer extracts, written as a
 * CycloneDX 1.5 or SPDX 2.3 JSON document. The tree is walked by the same
 * scan machinery (.gitignore, config excludes, the same parsers) with the
 * deps analyzer in collect mode; a package locked by several lockfiles is one
 * component, keyed by its purl. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <sodium.h>
#include <moat/moat.h>
#include "deps.h"
#include "core/banned.h"

/* ---- purls (https://github.com/package-url/purl-spec) ---- */

/* Percent-encode one purl segment: everything but unreserved characters. */
static int add_segment(struct moat_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_' || c == '~')
            rc = moat_buf_addch(out, (char)c);
        else if ((rc = moat_buf_addch(out, '%')) == 0 &&
                 (rc = moat_buf_addch(out, hex[c >> 4])) == 0)
            rc = moat_buf_addch(out, hex[c & 15]);
    }
    return rc;
}

/* A namespace: its '/'-separated parts encoded one by one. */
static int add_namespace(struct moat_buf *out, const char *s, size_t n)
{
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0;) {
        const char *slash = memchr(s + i, '/', n - i);
        size_t k = slash ? (size_t)(slash - (s + i)) : n - i;
        if ((rc = add_segment(out, s + i, k)) == 0)
            rc = moat_buf_addch(out, '/');
        i += k + (slash != NULL);
    }
    return rc;
}

/* The name as the purl type spells it (PURL-TYPES): pypi lowercased with
 * '_' as '-' (dots stay: that is PEP 503's lookup form, not the purl's),
 * composer and golang namespace and name lowercased (the golang type says
 * so, though the go command keeps case); every other type as the ecosystem
 * spells it. */
static int purl_name(enum deps_eco eco, const char *name, struct moat_buf *out)
{
    int rc;

    for (const char *s = name; *s; s++) {
        char c = *s;
        if ((eco == DEPS_ECO_PYPI || eco == DEPS_ECO_PACKAGIST || eco == DEPS_ECO_GO) && c >= 'A' &&
            c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (eco == DEPS_ECO_PYPI && c == '_')
            c = '-';
        if ((rc = moat_buf_addch(out, c)) != 0)
            return rc;
    }
    return moat_buf_addch(out, '\0');
}

int deps_purl(const struct deps_pkg *p, struct moat_buf *out)
{
    const char *name, *split = NULL;
    struct moat_buf norm = MOAT_BUF_INIT(DEPS_MAX_NAME + 1);
    int rc;

    if ((rc = purl_name(p->eco, p->name, &norm)) != 0)
        goto out;
    name = norm.data;
    /* where the namespace ends and the name begins, per purl type */
    switch (p->eco) {
    case DEPS_ECO_MAVEN: split = strrchr(name, ':'); break;
    case DEPS_ECO_NPM:
        if (name[0] == '@')
            split = strchr(name, '/');
        break;
    case DEPS_ECO_GO:
    case DEPS_ECO_PACKAGIST: split = strrchr(name, '/'); break;
    default: break;
    }
    if ((rc = moat_buf_addf(out, "pkg:%s/", deps_eco_purl_type(p->eco))) != 0)
        goto out;
    if (p->eco == DEPS_ECO_DEBIAN && (rc = moat_buf_addstr(out, "debian/")) != 0)
        goto out;
    if (split) {
        if ((rc = add_namespace(out, name, (size_t)(split - name))) != 0)
            goto out;
        name = split + 1;
    }
    if ((rc = add_segment(out, name, strlen(name))) != 0)
        goto out;
    if (p->version && ((rc = moat_buf_addch(out, '@')) != 0 ||
                       (rc = add_segment(out, p->version, strlen(p->version))) != 0))
        goto out;
out:
    moat_buf_release(&norm);
    return rc;
}

/* ---- collecting lockfiles from the scan's worker threads ---- */

struct collector {
    pthread_mutex_t mu;
    struct deps_lock *v;
    size_t n, cap;
};

static void collect(void *ctx, struct deps_lock *l)
{
    struct collector *c = ctx;

    pthread_mutex_lock(&c->mu);
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = moat_realloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n++] = *l; /* the lock's arena moves with it */
    pthread_mutex_unlock(&c->mu);
}

static int cmp_lock(const void *a, const void *b)
{
    return strcmp(((const struct deps_lock *)a)->path, ((const struct deps_lock *)b)->path);
}

/* ---- the document ---- */

/* Lockfiles are untrusted: a name that is not UTF-8 is written with its
 * non-ASCII bytes replaced, rather than failing the whole document. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");

    if (!j) {
        char *copy = moat_strdup(s);
        for (char *p = copy; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        j = json_string(copy);
        free(copy);
    }
    if (!j)
        MOAT_BUG("out of memory building the SBOM");
    return j;
}

static void jset(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) != 0)
        MOAT_BUG("out of memory building the SBOM");
}

static void jpush(json_t *a, json_t *v)
{
    if (!v || json_array_append_new(a, v) != 0)
        MOAT_BUG("out of memory building the SBOM");
}

/* One component per purl, in first-seen order (lockfiles sorted by path).
 * Its copies in several lockfiles are merged as the parsers merge copies
 * within one: DIRECT if any copy is, development-only or optional only if
 * every copy is (one production use makes it production), the hash of the
 * first copy that has one. */
struct component {
    const struct deps_pkg *pkg; /* the first copy: name, version, ecosystem */
    const char *lockfile;
    char *purl;
    const char *hash_alg, *hash;
    json_t *deps; /* purls it depends on (a JSON array, deduplicated) */
    bool direct;
    bool prod;    /* some copy is neither DEV nor OPTIONAL */
    bool all_dev; /* every copy is DEV */
};

/* How a component is used, from its merged copies. */
enum use { USE_REQUIRED, USE_OPTIONAL, USE_DEV };

static enum use use_of(const struct component *c)
{
    return c->prod ? USE_REQUIRED : c->all_dev ? USE_DEV : USE_OPTIONAL;
}

struct sbom {
    struct component *v;
    size_t n, cap;
    struct moat_map by_purl; /* purl -> index + 1 */
};

static char *purl_of(const struct deps_pkg *p)
{
    struct moat_buf b = MOAT_BUF_INIT(4 * (DEPS_MAX_NAME + DEPS_MAX_VERSION) + 64);

    if (deps_purl(p, &b) != 0) {
        moat_buf_release(&b);
        return NULL; /* over the name limits the parsers enforce: cannot happen */
    }
    return moat_buf_detach(&b, NULL);
}

static size_t component_of(struct sbom *s, const struct deps_lock *l, const struct deps_pkg *p)
{
    char *purl = purl_of(p);
    void *idx;

    if (!purl)
        MOAT_BUG("purl over its limit");
    if ((idx = moat_map_get(&s->by_purl, purl, strlen(purl)))) {
        struct component *c = &s->v[(size_t)(uintptr_t)idx - 1];
        free(purl);
        c->prod = c->prod || !(p->flags & (DEPS_PKG_DEV | DEPS_PKG_OPTIONAL));
        c->all_dev = c->all_dev && (p->flags & DEPS_PKG_DEV);
        if (!c->hash && p->hash && p->hash_alg) {
            c->hash = p->hash;
            c->hash_alg = p->hash_alg;
        }
        return (size_t)(uintptr_t)idx - 1;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = moat_realloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n] = (struct component){
        .pkg = p,
        .lockfile = l->path,
        .purl = purl,
        .hash_alg = p->hash ? p->hash_alg : NULL,
        .hash = p->hash_alg ? p->hash : NULL,
        .deps = json_array(),
        .prod = !(p->flags & (DEPS_PKG_DEV | DEPS_PKG_OPTIONAL)),
        .all_dev = (p->flags & DEPS_PKG_DEV) != 0,
    };
    if (moat_map_put(&s->by_purl, purl, strlen(purl), (void *)(uintptr_t)(s->n + 1)))
        MOAT_BUG("purl added twice");
    return s->n++;
}

static void depend(struct component *c, const char *purl)
{
    size_t i;
    json_t *v;

    json_array_foreach(c->deps, i, v)
    {
        if (strcmp(json_string_value(v), purl) == 0)
            return;
    }
    jpush(c->deps, jstr(purl));
}

static void build(struct sbom *s, const struct deps_lock *locks, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const struct deps_lock *l = &locks[k];
        size_t *idx = moat_calloc(l->n + 1, sizeof(*idx));

        for (size_t i = 0; i < l->n; i++) {
            idx[i] = component_of(s, l, &l->pkgs[i]);
            if (l->pkgs[i].flags & DEPS_PKG_DIRECT)
                s->v[idx[i]].direct = true;
        }
        for (size_t i = 0; i < l->n; i++)
            for (size_t d = 0; d < l->pkgs[i].ndeps; d++)
                depend(&s->v[idx[i]], s->v[idx[l->pkgs[i].deps[d]]].purl);
        free(idx);
    }
}

/* "SHA-512" for CycloneDX, "SHA512" for SPDX; NULL for what neither knows. */
static const char *hash_name(const char *alg, bool spdx)
{
    static const char *const names[][3] = {
        { "sha1", "SHA-1", "SHA1" },       { "sha256", "SHA-256", "SHA256" },
        { "sha384", "SHA-384", "SHA384" }, { "sha512", "SHA-512", "SHA512" },
        { "md5", "MD5", "MD5" },
    };

    for (size_t i = 0; alg && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(alg, names[i][0]) == 0)
            return names[i][spdx ? 2 : 1];
    return NULL;
}

/* Creation time: SOURCE_DATE_EPOCH when set, so builds can be reproducible.
 * A value that is no decimal number of seconds from 1970 up to the end of
 * year 9999 (the last an RFC 3339 date-time can hold) is ignored. */
static void timestamp(char out[32])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = time(NULL);
    struct tm tm;

    if (sde && *sde) {
        char *end = NULL;
        long long v = strtoll(sde, &end, 10);
        if (end && !*end && v >= 0 && v <= 253402300799LL)
            t = (time_t)v;
    }
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        MOAT_BUG("cannot format a timestamp");
}

static void uuid4(char out[37])
{
    unsigned char b[16];

    randombytes_buf(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    if (moat_snprintf(out, 37,
                      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                      b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                      b[13], b[14], b[15]) != 0)
        MOAT_BUG("uuid does not fit");
}

/* The scanned directory's own name ("." and "dir/" included, resolved on
 * disk), or "project" when it has none ("/"). The caller frees it. */
static char *project_name(const char *root)
{
    char *abs = realpath(root, NULL), *name;
    const char *p = abs ? abs : root, *end = p + strlen(p), *base;

    while (end > p && end[-1] == '/')
        end--;
    base = end;
    while (base > p && base[-1] != '/')
        base--;
    if (base == end || (end - base == 1 && *base == '.') ||
        (end - base == 2 && base[0] == '.' && base[1] == '.'))
        name = moat_strdup("project");
    else
        name = moat_strndup(base, (size_t)(end - base));
    free(abs);
    return name;
}

static json_t *cyclonedx(const struct sbom *s, const char *pname)
{
    json_t *doc = json_object(), *meta = json_object(), *tools = json_object();
    json_t *tool = json_object(), *tlist = json_array(), *comps = json_array();
    json_t *deps = json_array(), *rootc = json_object(), *rootdeps = json_array();
    char ts[32], uuid[37], *serial;

    timestamp(ts);
    uuid4(uuid);
    serial = moat_asprintf("urn:uuid:%s", uuid);
    jset(doc, "bomFormat", jstr("CycloneDX"));
    jset(doc, "specVersion", jstr("1.5"));
    jset(doc, "serialNumber", jstr(serial));
    jset(doc, "version", json_integer(1));
    jset(meta, "timestamp", jstr(ts));
    jset(tool, "type", jstr("application"));
    jset(tool, "name", jstr("moat"));
    jset(tool, "version", jstr(moat_version()));
    jpush(tlist, tool);
    jset(tools, "components", tlist);
    jset(meta, "tools", tools);
    jset(rootc, "type", jstr("application"));
    jset(rootc, "bom-ref", jstr("moat:project"));
    jset(rootc, "name", jstr(pname));
    jset(meta, "component", rootc);
    jset(doc, "metadata", meta);

    for (size_t i = 0; i < s->n; i++) {
        const struct component *c = &s->v[i];
        const struct deps_pkg *p = c->pkg;
        json_t *o = json_object(), *props = json_array(), *prop = json_object();
        json_t *d = json_object();
        const char *name = p->name, *sep = NULL;
        const char *alg = hash_name(c->hash_alg, false);

        jset(o, "type", jstr("library"));
        jset(o, "bom-ref", jstr(c->purl));
        /* group as CycloneDX's own generators write it: the Maven
         * groupId, the npm scope ("@babel"), the Composer vendor */
        if (p->eco == DEPS_ECO_MAVEN)
            sep = strchr(name, ':');
        else if ((p->eco == DEPS_ECO_NPM && name[0] == '@') || p->eco == DEPS_ECO_PACKAGIST)
            sep = strchr(name, '/');
        if (sep) {
            char *group = moat_strndup(name, (size_t)(sep - name));
            jset(o, "group", jstr(group));
            free(group);
            name = sep + 1;
        }
        jset(o, "name", jstr(name));
        if (p->version)
            jset(o, "version", jstr(p->version));
        /* CycloneDX 1.5: "excluded" is for test and other non-runtime use,
         * "optional" for what may not be installed at runtime */
        if (use_of(c) == USE_DEV)
            jset(o, "scope", jstr("excluded"));
        else if (use_of(c) == USE_OPTIONAL)
            jset(o, "scope", jstr("optional"));
        if (alg && c->hash) {
            json_t *hashes = json_array(), *h = json_object();
            jset(h, "alg", jstr(alg));
            jset(h, "content", jstr(c->hash));
            jpush(hashes, h);
            jset(o, "hashes", hashes);
        }
        jset(o, "purl", jstr(c->purl));
        jset(prop, "name", jstr("moat:lockfile"));
        jset(prop, "value", jstr(c->lockfile));
        jpush(props, prop);
        jset(o, "properties", props);
        jpush(comps, o);

        jset(d, "ref", jstr(c->purl));
        jset(d, "dependsOn", json_deep_copy(c->deps));
        jpush(deps, d);
        if (c->direct)
            jpush(rootdeps, jstr(c->purl));
    }
    jset(doc, "components", comps);
    {
        json_t *d = json_object();
        jset(d, "ref", jstr("moat:project"));
        jset(d, "dependsOn", rootdeps);
        jpush(deps, d);
    }
    jset(doc, "dependencies", deps);
    free(serial);
    return doc;
}

static json_t *relationship(const char *from, const char *type, const char *to)
{
    json_t *r = json_object();

    jset(r, "spdxElementId", jstr(from));
    jset(r, "relationshipType", jstr(type));
    jset(r, "relatedSpdxElement", jstr(to));
    return r;
}

static json_t *spdx_package(const char *id, const char *name, const char *version)
{
    json_t *o = json_object();

    jset(o, "SPDXID", jstr(id));
    jset(o, "name", jstr(name));
    if (version)
        jset(o, "versionInfo", jstr(version));
    jset(o, "downloadLocation", jstr("NOASSERTION"));
    jset(o, "filesAnalyzed", json_false());
    jset(o, "licenseConcluded", jstr("NOASSERTION"));
    jset(o, "licenseDeclared", jstr("NOASSERTION"));
    jset(o, "copyrightText", jstr("NOASSERTION"));
    return o;
}

static json_t *spdx(const struct sbom *s, const char *pname)
{
    json_t *doc = json_object(), *info = json_object(), *creators = json_array();
    json_t *pkgs = json_array(), *rels = json_array();
    struct moat_buf nsb = MOAT_BUF_INIT(3 * 4096 + 128);
    char ts[32], uuid[37], *ns, *creator;

    timestamp(ts);
    uuid4(uuid);
    /* a unique URI that is not meant to resolve, as the spec allows; the
     * directory name is percent-encoded (a space or '#' would make it no
     * URI, or one with a fragment, which the spec forbids) */
    if (moat_buf_addstr(&nsb, "https://spdx.org/spdxdocs/moat-") != 0 ||
        add_segment(&nsb, pname, strlen(pname)) != 0 || moat_buf_addf(&nsb, "-%s", uuid) != 0)
        MOAT_BUG("document namespace over its limit");
    ns = moat_buf_detach(&nsb, NULL);
    creator = moat_asprintf("Tool: moat-%s", moat_version());
    jset(doc, "spdxVersion", jstr("SPDX-2.3"));
    jset(doc, "dataLicense", jstr("CC0-1.0"));
    jset(doc, "SPDXID", jstr("SPDXRef-DOCUMENT"));
    jset(doc, "name", jstr(pname));
    jset(doc, "documentNamespace", jstr(ns));
    jpush(creators, jstr(creator));
    jset(info, "creators", creators);
    jset(info, "created", jstr(ts));
    jset(doc, "creationInfo", info);

    jpush(pkgs, spdx_package("SPDXRef-Project", pname, NULL));
    jpush(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Project"));
    for (size_t i = 0; i < s->n; i++) {
        const struct component *c = &s->v[i];
        const struct deps_pkg *p = c->pkg;
        const char *alg = hash_name(c->hash_alg, true);
        char *id = moat_asprintf("SPDXRef-Package-%zu", i + 1);
        json_t *o = spdx_package(id, p->name, p->version);
        json_t *refs = json_array(), *ref = json_object();
        size_t k;
        json_t *v;

        if (alg && c->hash) {
            json_t *sums = json_array(), *sum = json_object();
            jset(sum, "algorithm", jstr(alg));
            jset(sum, "checksumValue", jstr(c->hash));
            jpush(sums, sum);
            jset(o, "checksums", sums);
        }
        jset(ref, "referenceCategory", jstr("PACKAGE-MANAGER"));
        jset(ref, "referenceType", jstr("purl"));
        jset(ref, "referenceLocator", jstr(c->purl));
        jpush(refs, ref);
        jset(o, "externalRefs", refs);
        jpush(pkgs, o);
        /* DEV_ and OPTIONAL_DEPENDENCY_OF point from the dependency to the
         * project */
        if (c->direct && use_of(c) == USE_DEV)
            jpush(rels, relationship(id, "DEV_DEPENDENCY_OF", "SPDXRef-Project"));
        else if (c->direct && use_of(c) == USE_OPTIONAL)
            jpush(rels, relationship(id, "OPTIONAL_DEPENDENCY_OF", "SPDXRef-Project"));
        else if (c->direct)
            jpush(rels, relationship("SPDXRef-Project", "DEPENDS_ON", id));
        json_array_foreach(c->deps, k, v)
        {
            uintptr_t to = (uintptr_t)moat_map_get(&s->by_purl, json_string_value(v),
                                                   strlen(json_string_value(v)));
            char *toid = moat_asprintf("SPDXRef-Package-%zu", (size_t)to);
            jpush(rels, relationship(id, "DEPENDS_ON", toid));
            free(toid);
        }
        free(id);
    }
    jset(doc, "packages", pkgs);
    jset(doc, "relationships", rels);
    free(ns);
    free(creator);
    return doc;
}

int moat_sbom_write(const char *root, enum moat_sbom_format fmt, FILE *out, struct moat_err *err)
{
    struct collector col = { .mu = PTHREAD_MUTEX_INITIALIZER };
    struct moat_scan_opts opts = { 0 };
    struct moat_config *cfg = NULL;
    struct moat_scan *scan = NULL;
    struct moat_findings findings;
    struct sbom s = { 0 };
    json_t *doc = NULL;
    char *pname = NULL;
    int rc;

    moat_findings_init(&findings);
    moat_map_init(&s.by_purl);
    if (fmt != MOAT_SBOM_CYCLONEDX && fmt != MOAT_SBOM_SPDX) {
        rc = moat_err_set(err, MOAT_EINVAL, "unknown SBOM format");
        goto out;
    }
    if ((rc = moat_config_load(root, &cfg, err)) != 0)
        goto out;
    opts.root = root;
    opts.source = MOAT_SOURCE_TREE;
    opts.analyzers = MOAT_ANALYZER_DEPS;
    opts.config = cfg;
    if ((rc = moat_scan_new(&opts, &scan, err)) != 0)
        goto out;
    if (scan->nan != 1 || scan->an[0] != &scan_deps_analyzer)
        MOAT_BUG("the deps analyzer is missing from this build");
    ((struct deps_state *)scan->an_state[0])->collect = collect;
    ((struct deps_state *)scan->an_state[0])->collect_ctx = &col;
    if ((rc = moat_scan_run(scan, &findings, NULL, err)) != 0)
        goto out;
    if (col.n)
        qsort(col.v, col.n, sizeof(*col.v), cmp_lock);
    build(&s, col.v, col.n);
    pname = project_name(root);
    if (fmt == MOAT_SBOM_CYCLONEDX) {
        doc = cyclonedx(&s, pname);
    } else {
        doc = spdx(&s, pname);
    }
    if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0 || fputc('\n', out) == EOF ||
        fflush(out) != 0)
        rc = moat_err_set(err, MOAT_EIO, "cannot write the SBOM");
out:
    free(pname);
    json_decref(doc);
    for (size_t i = 0; i < s.n; i++) {
        free(s.v[i].purl);
        json_decref(s.v[i].deps);
    }
    free(s.v);
    moat_map_release(&s.by_purl, NULL);
    for (size_t i = 0; i < col.n; i++)
        deps_lock_release(&col.v[i]);
    free(col.v);
    moat_scan_free(scan);
    moat_findings_release(&findings);
    moat_config_free(cfg);
    return rc;
}
