/* The table of JavaScript, Rust, Go, Ruby and PHP lockfile parsers, and the
 * helpers they share (declared in lock_js.h): messages, hash decoding,
 * deduplication by (name, version) and the dependency-graph passes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

const struct deps_format *const deps_formats_js[] = {
    &lock_npm_format,   &lock_yarn_format,     &lock_pnpm_format,
    &lock_cargo_format, &lock_gomod_format,    &lock_gosum_format,
    &lock_gem_format,   &lock_composer_format, NULL,
};

int lockjs_fail(struct moat_err *err, int rc, const char *path, unsigned line, const char *fmt, ...)
{
    char msg[224];
    va_list ap;

    va_start(ap, fmt);
    /* a cut message still says what went wrong; err->msg is no longer anyway */
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    if (line)
        return moat_err_set(err, rc, "%s:%u: %s", path, line, msg);
    return moat_err_set(err, rc, "%s: %s", path, msg);
}

const char *lockjs_base(const char *path)
{
    const char *b = strrchr(path, '/');

    return b ? b + 1 : path;
}

/* ---- hashes ---- */

const char *lockjs_hex(struct deps_lock *l, const char *s, size_t n, size_t bytes)
{
    char *out;

    if (n != bytes * 2)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (moat_hexval((unsigned char)s[i]) < 0)
            return NULL;
    out = moat_arena_alloc(&l->arena, n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = "0123456789abcdef"[moat_hexval((unsigned char)s[i])];
    out[n] = '\0';
    return out;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

const char *lockjs_b64_hex(struct deps_lock *l, const char *s, size_t n, size_t bytes)
{
    unsigned char raw[64];
    size_t nraw = 0, nbits = 0;
    uint32_t acc = 0;
    char *out;

    if (bytes > sizeof(raw))
        return NULL;
    while (n && s[n - 1] == '=')
        n--;
    /* n base64 digits carry 6n bits: exactly `bytes` bytes plus < 8 bits */
    if (n * 6 / 8 != bytes || n * 6 % 8 >= 6)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            raw[nraw++] = (unsigned char)(acc >> nbits);
            acc &= (1u << nbits) - 1;
        }
    }
    if (nraw != bytes)
        return NULL;
    out = moat_arena_alloc(&l->arena, bytes * 2 + 1);
    moat_hex(raw, bytes, out);
    return out;
}

bool lockjs_sri(struct deps_lock *l, const char *s, size_t n, const char **alg, const char **hex)
{
    static const struct {
        const char *name;
        size_t bytes;
    } algs[] = { { "sha512", 64 }, { "sha256", 32 }, { "sha1", 20 } };
    int best = -1;
    const char *best_hex = NULL;
    size_t i = 0;

    while (i < n) {
        size_t start, end, dash, q;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            i++;
        end = i;
        for (dash = start; dash < end && s[dash] != '-'; dash++)
            ;
        if (dash == end)
            continue;
        /* "?opt" after the digest is allowed by SRI and carries nothing we use */
        for (q = dash + 1; q < end && s[q] != '?'; q++)
            ;
        for (int a = 0; a < 3; a++) {
            const char *h;
            if (strlen(algs[a].name) != dash - start ||
                memcmp(algs[a].name, s + start, dash - start) != 0 || (best >= 0 && a >= best))
                continue;
            if ((h = lockjs_b64_hex(l, s + dash + 1, q - dash - 1, algs[a].bytes))) {
                best = a;
                best_hex = h;
            }
        }
    }
    if (best < 0)
        return false;
    *alg = algs[best].name;
    *hex = best_hex;
    return true;
}

/* ---- packages ---- */

void lockjs_pkgs_init(struct lockjs_pkgs *s, struct deps_lock *l, const char *path)
{
    s->l = l;
    s->path = path;
    moat_map_init(&s->by);
}

void lockjs_pkgs_release(struct lockjs_pkgs *s)
{
    moat_map_release(&s->by, NULL);
}

static bool clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* "name\0version" in buf, for the map. */
static int key(struct moat_buf *buf, const char *name, size_t nlen, const char *ver, size_t vlen)
{
    int rc;

    moat_buf_reset(buf);
    if ((rc = moat_buf_add(buf, name, nlen)) != 0 || (rc = moat_buf_addch(buf, '\0')) != 0 ||
        (rc = moat_buf_add(buf, ver, vlen)) != 0)
        return rc;
    return 0;
}

bool lockjs_pkgs_find(const struct lockjs_pkgs *s, const char *name, size_t nlen,
                      const char *version, size_t vlen, size_t *index)
{
    struct moat_buf k = MOAT_BUF_INIT(DEPS_MAX_NAME + DEPS_MAX_VERSION + 2);
    void *v = NULL;

    if (key(&k, name, nlen, version, vlen) == 0)
        v = moat_map_get(&s->by, k.data, k.len);
    moat_buf_release(&k);
    if (!v)
        return false;
    *index = (size_t)((uintptr_t)v - 1);
    return true;
}

int lockjs_pkgs_add(struct lockjs_pkgs *s, const struct lockjs_entry *e, size_t *index,
                    struct moat_err *err)
{
    struct moat_buf k = MOAT_BUF_INIT(DEPS_MAX_NAME + DEPS_MAX_VERSION + 2);
    struct deps_pkg p;
    size_t idx;
    void *v;
    int rc = 0;

    if (e->name_len == 0 || e->version_len == 0) {
        rc = lockjs_fail(err, MOAT_EPARSE, s->path, e->line, "empty package %s",
                         e->name_len ? "version" : "name");
        goto out;
    }
    if (e->name_len > DEPS_MAX_NAME || e->version_len > DEPS_MAX_VERSION) {
        rc = lockjs_fail(err, MOAT_ETOOBIG, s->path, e->line, "package %s longer than %u bytes",
                         e->name_len > DEPS_MAX_NAME ? "name" : "version",
                         e->name_len > DEPS_MAX_NAME ? DEPS_MAX_NAME : DEPS_MAX_VERSION);
        goto out;
    }
    if (!clean(e->name, e->name_len) || !clean(e->version, e->version_len)) {
        rc = lockjs_fail(err, MOAT_EPARSE, s->path, e->line,
                         "control character in a package name or version");
        goto out;
    }
    if ((rc = key(&k, e->name, e->name_len, e->version, e->version_len)) != 0)
        goto out;
    if ((v = moat_map_get(&s->by, k.data, k.len))) {
        struct deps_pkg *q = &s->l->pkgs[(uintptr_t)v - 1];
        unsigned keep = DEPS_PKG_DEV | DEPS_PKG_OPTIONAL;
        q->flags = (q->flags & ~keep) | (q->flags & e->flags & keep) | (e->flags & DEPS_PKG_DIRECT);
        if (!q->hash && e->hash && e->hash_alg) {
            q->hash_alg = e->hash_alg;
            q->hash = e->hash;
        }
        idx = (uintptr_t)v - 1;
        goto done;
    }
    memset(&p, 0, sizeof(p));
    p.eco = e->eco;
    p.name = deps_lock_strdup(s->l, e->name, e->name_len);
    p.version = deps_lock_strdup(s->l, e->version, e->version_len);
    p.line = e->line;
    p.path = s->l->path;
    p.flags = e->flags & (DEPS_PKG_DEV | DEPS_PKG_OPTIONAL | DEPS_PKG_DIRECT);
    if (e->hash && e->hash_alg) {
        p.hash_alg = e->hash_alg;
        p.hash = e->hash;
    }
    if ((rc = deps_lock_add(s->l, &p, &idx)) != 0) {
        rc = lockjs_fail(err, rc, s->path, e->line, "more than %u packages", DEPS_MAX_PACKAGES);
        goto out;
    }
    moat_map_put(&s->by, k.data, k.len, (void *)(uintptr_t)(idx + 1));
done:
    if (index)
        *index = idx;
out:
    moat_buf_release(&k);
    return rc;
}

int lockjs_depend(struct lockjs_pkgs *s, size_t from, size_t to, struct moat_err *err)
{
    const struct deps_pkg *p = &s->l->pkgs[from];

    if (from == to)
        return 0;
    if (p->ndeps >= LOCKJS_MAX_DEPS) {
        for (size_t i = 0; i < p->ndeps; i++)
            if (p->deps[i] == to)
                return 0;
        return lockjs_fail(err, MOAT_ETOOBIG, s->path, p->line,
                           "%.200s depends on more than %d packages", p->name, LOCKJS_MAX_DEPS);
    }
    deps_lock_depend(s->l, from, to);
    return 0;
}

/* ---- graph passes ---- */

void lockjs_mark_roots(struct deps_lock *l, const bool *eligible)
{
    bool *needed = moat_calloc(l->n ? l->n : 1, sizeof(*needed));

    for (size_t i = 0; i < l->n; i++)
        for (size_t d = 0; d < l->pkgs[i].ndeps; d++)
            if (l->pkgs[i].deps[d] != i)
                needed[l->pkgs[i].deps[d]] = true;
    for (size_t i = 0; i < l->n; i++)
        if (!needed[i] && (!eligible || eligible[i]))
            l->pkgs[i].flags |= DEPS_PKG_DIRECT;
    free(needed);
}

void lockjs_mark_asked(struct deps_lock *l, const unsigned char *root)
{
    for (size_t i = 0; i < l->n; i++)
        if (root[i])
            l->pkgs[i].flags |= DEPS_PKG_DIRECT;
}

/* Set bit in seen[] for everything reachable from the packages whose root
 * has that bit; an explicit stack, each package pushed at most once. */
static void reach(const struct deps_lock *l, const unsigned char *root, unsigned char bit,
                  unsigned char *seen, size_t *stack)
{
    size_t top = 0;

    for (size_t i = 0; i < l->n; i++)
        if ((root[i] & bit) && !(seen[i] & bit)) {
            seen[i] |= bit;
            stack[top++] = i;
        }
    while (top) {
        const struct deps_pkg *p = &l->pkgs[stack[--top]];
        for (size_t d = 0; d < p->ndeps; d++)
            if (!(seen[p->deps[d]] & bit)) {
                seen[p->deps[d]] |= bit;
                stack[top++] = p->deps[d];
            }
    }
}

void lockjs_mark_dev(struct deps_lock *l, const unsigned char *root)
{
    unsigned char *seen = moat_calloc(l->n ? l->n : 1, 1);
    size_t *stack = moat_calloc(l->n ? l->n : 1, sizeof(*stack));

    reach(l, root, 1, seen, stack);
    reach(l, root, 2, seen, stack);
    for (size_t i = 0; i < l->n; i++) {
        if (seen[i] & 1)
            l->pkgs[i].flags &= ~(unsigned)DEPS_PKG_DEV;
        else if (seen[i] & 2)
            l->pkgs[i].flags |= DEPS_PKG_DEV;
    }
    free(stack);
    free(seen);
}

void lockjs_finish(struct deps_lock *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->pkgs[i].flags & DEPS_PKG_DIRECT)
            l->pkgs[i].flags &= ~(unsigned)DEPS_PKG_TRANSITIVE;
        else
            l->pkgs[i].flags |= DEPS_PKG_TRANSITIVE;
    }
}

/* ---- the manifest beside a lockfile ---- */

const char *const lockjs_npm_prod[] = { "dependencies", "optionalDependencies", "peerDependencies",
                                        NULL };
const char *const lockjs_npm_dev[] = { "devDependencies", NULL };

static void want_section(struct lockjs_manifest *m, const json_t *root, const char *key,
                         unsigned char bits)
{
    const json_t *sec = json_object_get(root, key), *range;
    const char *name;

    if (!json_is_object(sec))
        return;
    json_object_foreach((json_t *)sec, name, range)
    {
        struct lockjs_want w = { 0 };
        const char *r = json_is_string(range) ? json_string_value(range) : "";
        size_t nl = strlen(name), rl = strlen(r);
        if (nl == 0 || nl > DEPS_MAX_NAME || rl > DEPS_MAX_VERSION * 4)
            continue;
        w.name = moat_arena_strndup(&m->arena, name, nl);
        w.range = moat_arena_strndup(&m->arena, r, rl);
        w.bits = bits;
        MOAT_VEC_PUSH(&m->v, w);
    }
}

bool lockjs_manifest_load(const struct deps_source *src, const char *file, const char *const *prod,
                          const char *const *dev, struct lockjs_manifest *m)
{
    struct moat_buf b = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    json_t *root = NULL;
    char path[4096];
    bool ok = false;

    memset(m, 0, sizeof(*m));
    moat_arena_init(&m->arena, 0);
    /* moat_fs_read refuses a symlink and anything over the cap */
    if (!src->disk_dir || moat_snprintf(path, sizeof(path), "%s/%s", src->disk_dir, file) != 0 ||
        moat_fs_read(path, &b, NULL) != 0)
        goto out;
    /* jansson bounds nesting itself; duplicate keys make the intent unclear */
    root = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root))
        goto out;
    for (size_t i = 0; prod[i]; i++)
        want_section(m, root, prod[i], 1);
    for (size_t i = 0; dev[i]; i++)
        want_section(m, root, dev[i], 2);
    m->workspaces = json_object_get(root, "workspaces") != NULL;
    ok = true;
out:
    json_decref(root);
    moat_buf_release(&b);
    if (!ok)
        m->v.n = 0;
    return ok;
}

void lockjs_manifest_release(struct lockjs_manifest *m)
{
    free(m->v.v);
    moat_arena_release(&m->arena);
    memset(m, 0, sizeof(*m));
}
