/* pip requirements files (requirements*.txt, *constraints*.txt): `==`/`===`
 * pins with --hash digests, unpinned lines kept as UNPINNED with their spec,
 * -r/-c includes read from disk (bounded, no symlinks, no cycles, never
 * above the scan root), and pip-compile's "# via" notes for direct,
 * transitive and the dependency edges. See docs/deps/lockfiles-py.md. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lock_py.h"
#include "core/banned.h"

#define REQ_MAX_SPEC 1024 /* bytes of an unpinned requirement kept as its spec */

enum role {
    ROLE_REQ,        /* packages the project asks for */
    ROLE_CONSTRAINT, /* pins for whatever gets pulled in (-c) */
};

struct via { /* pip-compile: child is pulled in by a package named parent */
    size_t child;
    const char *parent;
};

struct req {
    const struct deps_source *src;
    struct deps_lock *l;
    struct moat_err *err;
    struct py_near near;
    const char *stack[DEPS_MAX_INCLUDES + 1];
    size_t depth;
    struct moat_map seen; /* files already read, by path relative to the top file */
    MOAT_VEC(struct via) vias;
};

struct file {
    const char *data;
    size_t len;
    const char *rel;     /* path relative to the top file's directory */
    const char *path;    /* deps_pkg.path: NULL for the top file */
    const char *errpath; /* for messages */
    enum role role;
};

/* State of one file's pip-compile annotations. */
struct annot {
    size_t pkg;   /* the package the next "# via" lines describe, or SIZE_MAX */
    bool block;   /* inside a multi-line "# via" block */
    bool started; /* a via source was seen for pkg */
};

static int read_file(struct req *r, const struct file *f);

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && (is_space((*s)[*n - 1]) || (*s)[*n - 1] == '\r'))
        (*n)--;
}

/* -r / -c: read the named file and parse it with the given role. */
static int include(struct req *r, const struct file *f, unsigned line, const char *arg, size_t n,
                   enum role role)
{
    struct moat_buf rel = MOAT_BUF_INIT(8192), disp = MOAT_BUF_INIT(8192);
    struct moat_buf data = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    struct moat_err e = { 0, "" };
    const char *why = NULL;
    char shown[128];
    struct file inc;
    int rc;

    py_printable(arg, n, shown, sizeof(shown));
    if (n == 0)
        return moat_err_set(r->err, MOAT_EPARSE, "%s:%u: include without a file name", f->errpath,
                            line);
    if ((rc = py_near_resolve(&r->near, f->rel, arg, n, &rel, &disp, &why)) < 0) {
        rc = moat_err_set(r->err, rc, "%s:%u: include path too long", f->errpath, line);
        goto out;
    }
    if (rc == 1)
        goto skip;
    for (size_t i = 0; i < r->depth; i++)
        if (strcmp(r->stack[i], rel.data) == 0) {
            rc = moat_err_set(r->err, MOAT_EPARSE, "%s:%u: %s includes itself (an -r/-c cycle)",
                              f->errpath, line, shown);
            goto out;
        }
    if (moat_map_get(&r->seen, rel.data, rel.len)) {
        rc = 0; /* read already through another include: its packages are listed */
        goto out;
    }
    if (r->depth >= DEPS_MAX_INCLUDES + 1) {
        rc = moat_err_set(r->err, MOAT_ETOOBIG, "%s:%u: includes nested deeper than %d", f->errpath,
                          line, DEPS_MAX_INCLUDES);
        goto out;
    }
    if ((rc = py_near_read(&r->near, rel.data, &data, &why, &e)) < 0) {
        rc = moat_err_set(r->err, rc, "%s:%u: %s", f->errpath, line, e.msg);
        goto out;
    }
    if (rc == 1)
        goto skip;
    inc.data = data.data;
    inc.len = data.len;
    inc.rel = deps_lock_strdup(r->l, rel.data, rel.len);
    inc.path = deps_lock_strdup(r->l, disp.data, disp.len);
    inc.errpath = inc.path;
    inc.role = f->role == ROLE_CONSTRAINT ? ROLE_CONSTRAINT : role;
    if (moat_map_put(&r->seen, rel.data, rel.len, (void *)1)) {
        /* was absent: checked above */
    }
    r->stack[r->depth++] = inc.rel;
    rc = read_file(r, &inc);
    r->depth--;
    goto out;
skip:
    /* the packages of the including file still count; say what was not read */
    MOAT_LOG(WARN, "deps", "%s:%u: %s not read (%s)", f->errpath, line, shown, why);
    rc = 0;
out:
    moat_buf_release(&rel);
    moat_buf_release(&disp);
    moat_buf_release(&data);
    return rc;
}

/* ---- one requirement ---- */

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static bool is_version_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '+' || c == '!' || c == '-' || c == '_';
}

/* Something pip installs from a path or URL, not from an index by name. */
static bool is_location(const char *s, size_t n)
{
    static const char *const exts[] = { ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz" };
    const char *semi = memchr(s, ';', n);
    size_t m = semi ? (size_t)(semi - s) : n;

    while (m && is_space(s[m - 1]))
        m--;
    if (memmem(s, m, "://", 3) || s[0] == '.' || s[0] == '/' || s[0] == '~' || memchr(s, '/', m) ||
        memchr(s, '\\', m))
        return true;
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t el = strlen(exts[i]);
        if (m >= el && strncasecmp(s + m - el, exts[i], el) == 0)
            return true;
    }
    return false;
}

static const char *const ops[] = { "===", "==", "!=", "<=", ">=", "~=", "<", ">" };

/* The version a specifier list pins (one == or === clause, no wildcard,
 * nothing pip would expand), or NULL. Returns MOAT_EPARSE when a clause is
 * not a specifier at all. */
static int pinned(const char *s, size_t n, const char **ver, size_t *vlen)
{
    size_t exact = 0;

    *ver = NULL;
    *vlen = 0;
    while (n) {
        const char *comma = memchr(s, ',', n);
        size_t cl = comma ? (size_t)(comma - s) : n, oplen = 0;
        const char *c = s;
        size_t k = cl;
        bool is_exact = false, clean = true;

        trim(&c, &k);
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
            if (k >= strlen(ops[i]) && strncmp(c, ops[i], strlen(ops[i])) == 0) {
                oplen = strlen(ops[i]);
                is_exact = (i <= 1);
                break;
            }
        if (!oplen)
            return MOAT_EPARSE;
        c += oplen;
        k -= oplen;
        trim(&c, &k);
        if (!k)
            return MOAT_EPARSE;
        for (size_t i = 0; i < k; i++)
            if (!is_version_char(c[i]))
                clean = false;
        if (is_exact) {
            exact++;
            if (clean) {
                *ver = c;
                *vlen = k;
            } else {
                *ver = NULL; /* "==1.*", "==${V}": a range or unknown */
                exact++;
            }
        }
        if (!comma)
            break;
        s = comma + 1;
        n -= cl + 1;
    }
    if (exact != 1) {
        *ver = NULL;
        *vlen = 0;
    }
    if (*vlen > DEPS_MAX_VERSION)
        return MOAT_ETOOBIG;
    return 0;
}

/* text: the requirement tokens; opts: what follows them (--hash ...). */
static int requirement(struct req *r, const struct file *f, unsigned line, const char *text,
                       size_t tn, const char *opts, size_t on, struct annot *an)
{
    struct deps_pkg p = { 0 };
    struct py_hash h = { 0 };
    const char *s = text, *end = text + tn, *name, *ver;
    size_t nlen, vlen, idx;
    int rc;

    an->pkg = SIZE_MAX; /* notes under a line with no package describe nothing */
    if (is_location(text, tn))
        return 0;
    if (tn >= 2 && text[0] == '$' && text[1] == '{') {
        /* pip expands environment variables; the scan has none to expand */
        MOAT_LOG(WARN, "deps", "%s:%u: requirement named by a variable not read", f->errpath, line);
        return 0;
    }
    name = s;
    while (s < end && is_name_char(*s))
        s++;
    nlen = (size_t)(s - name);
    if (!py_valid_name(name, nlen))
        return moat_err_set(r->err, MOAT_EPARSE, "%s:%u: invalid requirement", f->errpath, line);
    while (s < end && is_space(*s))
        s++;
    if (s < end && *s == '[') {
        const char *close = memchr(s, ']', (size_t)(end - s));
        if (!close)
            return moat_err_set(r->err, MOAT_EPARSE, "%s:%u: unclosed extras", f->errpath, line);
        s = close + 1;
        while (s < end && is_space(*s))
            s++;
    }
    if (s < end && *s == '@')
        return 0; /* name @ URL: not from an index */
    {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *se = semi ? semi : end, *sp = s;
        size_t sl;
        if (sp < se && *sp == '(') { /* the old "name (>=1.0)" form */
            const char *close = memchr(sp, ')', (size_t)(se - sp));
            if (!close)
                return moat_err_set(r->err, MOAT_EPARSE, "%s:%u: unclosed '('", f->errpath, line);
            sp++;
            se = close;
        }
        sl = (size_t)(se - sp);
        trim(&sp, &sl);
        if (sl && (rc = pinned(sp, sl, &ver, &vlen)) != 0)
            return moat_err_set(r->err, rc, "%s:%u: invalid requirement (name[extras] specifiers)",
                                f->errpath, line);
        if (!sl)
            ver = NULL, vlen = 0;
    }
    while (on) {
        const char *tok = opts, *v;
        size_t tl = 0, vl;
        while (tl < on && !is_space(tok[tl]))
            tl++;
        opts += tl;
        on -= tl;
        while (on && is_space(*opts))
            opts++, on--;
        if (tl > 7 && strncmp(tok, "--hash=", 7) == 0) {
            v = tok + 7;
            vl = tl - 7;
        } else if (tl == 6 && strncmp(tok, "--hash", 6) == 0) {
            v = opts;
            for (vl = 0; vl < on && !is_space(v[vl]); vl++)
                ;
            opts += vl;
            on -= vl;
            while (on && is_space(*opts))
                opts++, on--;
        } else {
            continue; /* --global-option and the like say nothing about the version */
        }
        if (py_hash_offer_str(&h, v, vl) != 0)
            return moat_err_set(r->err, MOAT_EPARSE, "%s:%u: malformed --hash", f->errpath, line);
    }
    p.eco = DEPS_ECO_PYPI;
    p.name = deps_lock_strdup(r->l, name, nlen);
    p.line = line;
    p.path = f->path;
    p.flags = f->role == ROLE_CONSTRAINT ? DEPS_PKG_TRANSITIVE : DEPS_PKG_DIRECT;
    if (ver) {
        p.version = deps_lock_strdup(r->l, ver, vlen);
    } else {
        const char *semi = memchr(text, ';', tn);
        size_t sl = semi ? (size_t)(semi - text) : tn;
        const char *sp = text;
        trim(&sp, &sl);
        if (sl > REQ_MAX_SPEC)
            return moat_err_set(r->err, MOAT_ETOOBIG, "%s:%u: requirement longer than %d bytes",
                                f->errpath, line, REQ_MAX_SPEC);
        p.flags |= DEPS_PKG_UNPINNED;
        p.spec = deps_lock_strdup(r->l, sp, sl);
    }
    py_hash_apply(r->l, &p, &h);
    if ((rc = deps_lock_add(r->l, &p, &idx)) != 0)
        return moat_err_set(r->err, rc, "%s:%u: more than %d packages", f->errpath, line,
                            DEPS_MAX_PACKAGES);
    an->pkg = f->role == ROLE_REQ ? idx : SIZE_MAX;
    an->block = false;
    an->started = false;
    return 0;
}

/* One "# via" source for the package above it. */
static void via_source(struct req *r, struct annot *an, const char *s, size_t n)
{
    struct deps_pkg *p;

    trim(&s, &n);
    if (!n || an->pkg == SIZE_MAX)
        return;
    p = &r->l->pkgs[an->pkg];
    if (!an->started) {
        p->flags &= ~(unsigned)(DEPS_PKG_DIRECT | DEPS_PKG_TRANSITIVE);
        an->started = true;
    }
    if (n > 2 && s[0] == '-' && s[1] == 'c')
        return; /* listed in a constraints file: says nothing about who needs it */
    if ((n > 2 && s[0] == '-' && s[1] == 'r') || memchr(s, '(', n)) {
        p->flags |= DEPS_PKG_DIRECT; /* "-r requirements.in", "myproj (pyproject.toml)" */
        return;
    }
    if (!py_valid_name(s, n))
        return;
    p->flags |= DEPS_PKG_TRANSITIVE;
    MOAT_VEC_PUSH(&r->vias, ((struct via){ an->pkg, deps_lock_strdup(r->l, s, n) }));
}

/* A comment line: pip-compile writes "# via a, b", or "# via" followed by
 * "#   a" lines, under each pin. */
static void comment(struct req *r, struct annot *an, const char *s, size_t n)
{
    trim(&s, &n);
    s++, n--; /* '#' */
    if (n >= 4 && (s[0] == ' ') && strncmp(s + 1, "via", 3) == 0 && (n == 4 || is_space(s[4]))) {
        s += 4, n -= 4;
        trim(&s, &n);
        an->block = (n == 0);
        while (n) {
            const char *comma = memchr(s, ',', n);
            size_t k = comma ? (size_t)(comma - s) : n;
            via_source(r, an, s, k);
            if (!comma)
                break;
            s = comma + 1;
            n -= k + 1;
        }
        return;
    }
    if (an->block && n >= 3 && s[0] == ' ' && s[1] == ' ') {
        via_source(r, an, s, n);
        return;
    }
    an->block = false;
}

/* pip: a '#' at the start or after whitespace starts a comment. */
static size_t strip_comment(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '#' && (i == 0 || is_space(s[i - 1])))
            return i;
    return n;
}

static int logical_line(struct req *r, const struct file *f, unsigned line, const char *s, size_t n,
                        struct annot *an)
{
    const char *opt, *note;
    size_t on, cut = strip_comment(s, n), nn;
    int rc;

    note = s + cut;
    nn = n - cut;
    n = cut;
    trim(&s, &n);
    if (!n)
        return 0;
    if (s[0] != '-') {
        /* pip splits at the first token that starts with '-' (the options) */
        size_t i = 0;
        while (i < n && !(s[i] == '-' && (i == 0 || is_space(s[i - 1]))))
            i++;
        opt = s + i;
        on = n - i;
        n = i;
        trim(&s, &n);
        if ((rc = requirement(r, f, line, s, n, opt, on, an)) != 0)
            return rc;
        if (nn)
            comment(r, an, note, nn); /* old pip-compile: "pkg==1.0  # via parent" */
        return 0;
    }
    an->pkg = SIZE_MAX;
    {
        static const struct {
            const char *opt;
            enum role role;
        } incs[] = { { "--requirement", ROLE_REQ },
                     { "--constraint", ROLE_CONSTRAINT },
                     { "-r", ROLE_REQ },
                     { "-c", ROLE_CONSTRAINT } };
        for (size_t i = 0; i < sizeof(incs) / sizeof(incs[0]); i++) {
            size_t ol = strlen(incs[i].opt);
            const char *a;
            size_t al;
            if (n < ol || strncmp(s, incs[i].opt, ol) != 0)
                continue;
            a = s + ol;
            al = n - ol;
            if (ol > 2 && al && *a == '=')
                a++, al--;
            else if (ol > 2 && al && !is_space(*a))
                continue; /* --requirementX is some other option */
            trim(&a, &al);
            /* the file name is one token; anything after it is ignored like pip does */
            for (size_t k = 0; k < al; k++)
                if (is_space(a[k])) {
                    al = k;
                    break;
                }
            return include(r, f, line, a, al, incs[i].role);
        }
    }
    return 0; /* -e, -i/--index-url, --find-links, --hash-only lines...: no package */
}

/* Walk physical lines, joining backslash continuations the way pip does: a
 * comment line ends a continuation, and the logical line is numbered by its
 * first physical line. */
static int read_file(struct req *r, const struct file *f)
{
    struct moat_buf join = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE + 2);
    struct annot an = { SIZE_MAX, false, false };
    const char *p = f->data, *end = f->data + f->len;
    unsigned line = 0, first = 0;
    bool cont = false;
    int rc = 0;

    if (f->len > DEPS_MAX_LOCKFILE) {
        rc = moat_err_set(r->err, MOAT_ETOOBIG, "%s: %zu bytes, over the %u-byte limit", f->errpath,
                          f->len, DEPS_MAX_LOCKFILE);
        goto out;
    }
    if (memchr(f->data, '\0', f->len)) {
        rc = moat_err_set(r->err, MOAT_EPARSE, "%s: binary data, not a requirements file",
                          f->errpath);
        goto out;
    }
    if (f->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *s = p;
        size_t n = (size_t)(le - p), tn;
        bool is_comment, backslash;

        p = nl ? nl + 1 : end;
        line++;
        if (n && s[n - 1] == '\r')
            n--;
        {
            const char *t = s;
            tn = n;
            trim(&t, &tn);
            is_comment = tn && t[0] == '#';
        }
        backslash = n && s[n - 1] == '\\' && !is_comment;
        if (is_comment && !cont) {
            comment(r, &an, s, n);
            continue;
        }
        if (!cont) {
            first = line;
            moat_buf_reset(&join);
        }
        /* pip puts a space before a comment that ends a continuation, so it
         * still reads as a comment */
        if ((is_comment && (rc = moat_buf_addch(&join, ' ')) != 0) ||
            (rc = moat_buf_add(&join, s, backslash ? n - 1 : n)) != 0) {
            rc = moat_err_set(r->err, rc, "%s:%u: line too long", f->errpath, line);
            goto out;
        }
        if (backslash) {
            cont = true;
            continue;
        }
        cont = false;
        if ((rc = logical_line(r, f, first, join.data, join.len, &an)) != 0)
            goto out;
    }
    if (cont)
        rc = logical_line(r, f, first, join.data, join.len, &an);
out:
    moat_buf_release(&join);
    return rc;
}

static bool match(const char *base, const unsigned char *data, size_t len)
{
    size_t n = strlen(base);

    (void)data;
    (void)len;
    if (n < 4 || strcasecmp(base + n - 4, ".txt") != 0)
        return false;
    return moat_memcasemem(base, n, "requirements", 12) ||
           moat_memcasemem(base, n, "constraints", 11);
}

/* Link pip-compile's "# via parent" notes now that every package is known. */
static int link_vias(struct req *r)
{
    struct py_index ix;
    struct moat_buf norm = MOAT_BUF_INIT(DEPS_MAX_NAME + 1);
    size_t budget = PY_MAX_WORK;
    int rc = 0;

    if (!r->vias.n)
        return 0;
    py_index_init(&ix);
    for (size_t i = 0; i < r->l->n; i++)
        if (py_pep503(r->l->pkgs[i].name, strlen(r->l->pkgs[i].name), &norm) == 0)
            py_index_add(&ix, norm.data, norm.len, i);
    for (size_t i = 0; i < r->vias.n; i++) {
        const struct via *v = &r->vias.v[i];
        if (py_pep503(v->parent, strlen(v->parent), &norm) != 0)
            continue;
        for (size_t k = py_index_first(&ix, norm.data, norm.len); k != SIZE_MAX && rc == 0;
             k = py_index_next(&ix, k))
            if (k != v->child && py_depend(r->l, k, v->child, &budget) != 0)
                rc = moat_err_set(r->err, MOAT_ETOOBIG, "%s: too many \"# via\" links",
                                  r->src->path);
    }
    moat_buf_release(&norm);
    py_index_release(&ix);
    return rc;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct req r = { 0 };
    struct file top = { 0 };
    const char *slash = strrchr(src->path, '/');
    const char *base = slash ? slash + 1 : src->path;
    int rc;

    r.src = src;
    r.l = l;
    r.err = err;
    py_near_init(&r.near, src, l);
    moat_map_init(&r.seen);
    top.data = (const char *)src->data;
    top.len = src->len;
    top.rel = base;
    top.path = NULL;
    top.errpath = src->path;
    top.role = (moat_memcasemem(base, strlen(base), "constraints", 11) &&
                !moat_memcasemem(base, strlen(base), "requirements", 12))
                   ? ROLE_CONSTRAINT
                   : ROLE_REQ;
    if (moat_map_put(&r.seen, base, strlen(base), (void *)1)) {
        /* empty map */
    }
    r.stack[r.depth++] = base;
    l->format = "requirements.txt";
    if ((rc = read_file(&r, &top)) == 0)
        rc = link_vias(&r);
    py_direct_wins(l);
    free(r.vias.v);
    moat_map_release(&r.seen, NULL);
    return rc;
}

const struct deps_format deps_format_requirements = {
    .name = "requirements.txt",
    .match = match,
    .parse = parse,
};
