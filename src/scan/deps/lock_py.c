/* The table of Python, JVM and SBOM-input parsers, and the helpers they share
 * (lock_py.h): line cursors, hash selection, PyPI names, a package index, and
 * a JSON skimmer that finds the byte offsets jansson does not report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lock_py.h"
#include "toml.h"
#include "core/banned.h"

const struct deps_format *const deps_formats_py[] = {
    &deps_format_requirements,    &deps_format_pipfile_lock, &deps_format_poetry_lock,
    &deps_format_uv_lock,         &deps_format_pdm_lock,     &deps_format_pom_xml,
    &deps_format_gradle_lockfile, &deps_format_sbom,         NULL,
};

/* ---- lines ---- */

void py_lines_init(struct py_lines *c, const char *data, size_t len)
{
    c->data = data;
    c->len = len;
    c->off = 0;
    c->line = 1;
}

unsigned py_lines_at(struct py_lines *c, size_t off)
{
    const char *p, *end;

    if (off > c->len)
        off = c->len;
    if (off < c->off) {
        c->off = 0;
        c->line = 1;
    }
    p = c->data + c->off;
    end = c->data + off;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c->line++;
        p++;
    }
    c->off = off;
    return c->line;
}

/* ---- hashes ---- */

static int alg_rank(const char *alg, size_t len, const char **name, size_t *hexlen)
{
    static const struct {
        const char *name;
        size_t hexlen;
        int rank;
    } algs[] = { { "sha1", 40, 1 }, { "sha256", 64, 2 }, { "sha512", 128, 3 } };
    char norm[16];
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = alg[i];
        if (c == '-' || c == '_')
            continue;
        if (n + 1 >= sizeof(norm))
            return 0;
        norm[n++] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
        if (strcmp(norm, algs[i].name) == 0) {
            *name = algs[i].name;
            *hexlen = algs[i].hexlen;
            return algs[i].rank;
        }
    return 0;
}

int py_hash_offer(struct py_hash *h, const char *alg, size_t alglen, const char *hex, size_t hexlen)
{
    const char *name;
    size_t want;
    int rank = alg_rank(alg, alglen, &name, &want);

    if (!rank)
        return 0;
    if (hexlen != want)
        return MOAT_EPARSE;
    for (size_t i = 0; i < hexlen; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return MOAT_EPARSE;
    }
    if (rank <= h->rank)
        return 0;
    h->rank = rank;
    h->alg = name;
    for (size_t i = 0; i < hexlen; i++)
        h->hex[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] - 'A' + 'a' : hex[i]);
    h->hex[hexlen] = '\0';
    return 0;
}

int py_hash_offer_str(struct py_hash *h, const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);

    if (!colon)
        return MOAT_EPARSE;
    return py_hash_offer(h, s, (size_t)(colon - s), colon + 1, len - (size_t)(colon - s) - 1);
}

void py_hash_apply(struct deps_lock *l, struct deps_pkg *p, const struct py_hash *h)
{
    if (!h->rank)
        return;
    p->hash_alg = deps_lock_strdup(l, h->alg, strlen(h->alg));
    p->hash = deps_lock_strdup(l, h->hex, strlen(h->hex));
}

/* ---- names ---- */

int py_pep503(const char *s, size_t len, struct moat_buf *out)
{
    moat_buf_reset(out);
    return deps_name_normalize(DEPS_ECO_PYPI, s, len, out);
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool py_valid_name(const char *s, size_t len)
{
    if (len == 0 || len > DEPS_MAX_NAME || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* ---- index ---- */

void py_index_init(struct py_index *ix)
{
    moat_map_init(&ix->map);
    ix->next = NULL;
    ix->cap = 0;
}

void py_index_release(struct py_index *ix)
{
    moat_map_release(&ix->map, NULL);
    free(ix->next);
    ix->next = NULL;
    ix->cap = 0;
}

void py_index_add(struct py_index *ix, const char *key, size_t klen, size_t idx)
{
    uintptr_t head = (uintptr_t)moat_map_get(&ix->map, key, klen);

    if (idx >= ix->cap) {
        size_t cap = ix->cap ? ix->cap : 64;
        while (cap <= idx)
            cap *= 2;
        ix->next = moat_realloc(ix->next, cap * sizeof(*ix->next));
        ix->cap = cap;
    }
    ix->next[idx] = head ? (size_t)(head - 1) : SIZE_MAX;
    if (moat_map_put(&ix->map, key, klen, (void *)(uintptr_t)(idx + 1))) {
        /* the old head is now reachable through next[idx] */
    }
}

size_t py_index_first(const struct py_index *ix, const char *key, size_t klen)
{
    uintptr_t head = (uintptr_t)moat_map_get(&ix->map, key, klen);

    return head ? (size_t)(head - 1) : SIZE_MAX;
}

size_t py_index_next(const struct py_index *ix, size_t idx)
{
    return idx < ix->cap ? ix->next[idx] : SIZE_MAX;
}

/* ---- nearby files ---- */

const char *py_printable(const char *s, size_t n, char *out, size_t outlen)
{
    size_t k = 0;

    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[k] = '\0';
    return out;
}

void py_near_init(struct py_near *n, const struct deps_source *src, struct deps_lock *l)
{
    const char *slash = strrchr(src->path, '/'), *d;

    n->disk_dir = src->disk_dir;
    n->disp_dir = slash ? deps_lock_strdup(l, src->path, (size_t)(slash - src->path)) : "";
    n->root_up = 0;
    if (src->path[0] == '/')
        return;
    /* a relative display path is relative to the scan root */
    for (d = n->disp_dir; *d;) {
        const char *e = strchr(d, '/');
        size_t k = e ? (size_t)(e - d) : strlen(d);
        if (k == 2 && d[0] == '.' && d[1] == '.') {
            n->root_up = 0;
            return;
        }
        if (k && !(k == 1 && d[0] == '.'))
            n->root_up++;
        d += k + (e ? 1 : 0);
    }
}

/* Join dir and rel lexically ("." and ".." folded) into out; *ups gets the
 * number of leading ".." left. Returns 0 or MOAT_ETOOBIG. */
static int join_path(const char *dir, const char *rel, size_t rlen, struct moat_buf *out,
                     unsigned *ups)
{
    struct moat_buf in = MOAT_BUF_INIT(8192);
    size_t i = 0;
    int rc;

    *ups = 0;
    moat_buf_reset(out);
    if ((rc = moat_buf_addstr(&in, dir)) != 0 || (rc = moat_buf_addch(&in, '/')) != 0 ||
        (rc = moat_buf_add(&in, rel, rlen)) != 0)
        goto out;
    while (i < in.len) {
        const char *c = in.data + i;
        size_t j = i, n;
        while (j < in.len && in.data[j] != '/')
            j++;
        n = j - i;
        i = j + 1;
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            char *last = out->len ? memrchr(out->data, '/', out->len) : NULL;
            const char *lc = last ? last + 1 : out->data;
            if (out->len && strcmp(lc, "..") != 0) {
                out->len = last ? (size_t)(last - out->data) : 0;
                out->data[out->len] = '\0';
                continue;
            }
            (*ups)++;
        }
        if ((out->len && (rc = moat_buf_addch(out, '/')) != 0) ||
            (rc = moat_buf_add(out, c, n)) != 0)
            goto out;
    }
out:
    moat_buf_release(&in);
    return rc;
}

int py_near_resolve(const struct py_near *n, const char *from_rel, const char *name, size_t nlen,
                    struct moat_buf *rel, struct moat_buf *disp, const char **why)
{
    const char *slash = strrchr(from_rel, '/');
    struct moat_buf dir = MOAT_BUF_INIT(8192);
    unsigned ups, dups;
    int rc;

    *why = NULL;
    if (memmem(name, nlen, "://", 3) || memchr(name, '$', nlen))
        *why = "URLs and variables are not followed";
    else if (nlen && name[0] == '/')
        *why = "absolute path";
    else if (memchr(name, '\0', nlen) || nlen == 0)
        *why = "no file name";
    else if (!n->disk_dir)
        *why = "not on disk";
    if (*why)
        return 1;
    if ((rc = moat_buf_add(&dir, from_rel, slash ? (size_t)(slash - from_rel) : 0)) != 0 ||
        (rc = join_path(dir.data, name, nlen, rel, &ups)) != 0 ||
        (rc = join_path(n->disp_dir, rel->data, rel->len, disp, &dups)) != 0) {
        moat_buf_release(&dir);
        return MOAT_ETOOBIG;
    }
    moat_buf_release(&dir);
    if (ups > n->root_up) {
        *why = "outside the scanned tree";
        return 1;
    }
    return 0;
}

/* A symlink anywhere on the way is refused: O_NOFOLLOW in moat_fs_read only
 * guards the last component. */
static bool has_symlink(const char *disk_dir, const char *rel)
{
    struct moat_buf p = MOAT_BUF_INIT(16384);
    bool link = false;

    for (const char *s = strchr(rel, '/'); s && !link; s = strchr(s + 1, '/')) {
        struct stat st;
        if (s - rel >= 2 && memcmp(s - 2, "..", 2) == 0 && (s - rel == 2 || s[-3] == '/'))
            continue;
        moat_buf_reset(&p);
        if (moat_buf_addf(&p, "%s/%.*s", disk_dir, (int)(s - rel), rel) != 0)
            link = true; /* a path this long is not worth following */
        else if (lstat(p.data, &st) == 0 && S_ISLNK(st.st_mode))
            link = true;
    }
    moat_buf_release(&p);
    return link;
}

int py_near_read(const struct py_near *n, const char *rel, struct moat_buf *data, const char **why,
                 struct moat_err *err)
{
    struct moat_buf disk = MOAT_BUF_INIT(16384);
    struct moat_err e = { 0, "" };
    int rc;

    *why = NULL;
    if (!n->disk_dir) {
        *why = "not on disk";
        return 1;
    }
    if (moat_buf_addf(&disk, "%s/%s", n->disk_dir, rel) != 0) {
        moat_buf_release(&disk);
        return moat_err_set(err, MOAT_ETOOBIG, "%s: path too long", rel);
    }
    if (has_symlink(n->disk_dir, rel)) {
        *why = "symbolic link";
        rc = 1;
    } else if ((rc = moat_fs_read(disk.data, data, &e)) != 0) {
        if (rc == MOAT_ENOENT || rc == MOAT_ELOOP || rc == MOAT_EPERM) {
            *why = rc == MOAT_ELOOP ? "symbolic link" : moat_strerror(rc);
            rc = 1;
        } else {
            rc = moat_err_set(err, rc, "%s", e.msg);
        }
    }
    moat_buf_release(&disk);
    return rc;
}

/* ---- edges ---- */

int py_work(size_t *budget)
{
    if (*budget == 0)
        return MOAT_ETOOBIG;
    (*budget)--;
    return 0;
}

int py_depend(struct deps_lock *l, size_t from, size_t to, size_t *budget)
{
    size_t cost = 1 + l->pkgs[from].ndeps;

    if (*budget < cost)
        return MOAT_ETOOBIG;
    *budget -= cost;
    deps_lock_depend(l, from, to);
    return 0;
}

int py_toml_open(struct py_toml *t, const struct deps_source *src, struct deps_lock *l,
                 struct moat_err *err)
{
    int rc;

    t->src = src;
    t->l = l;
    t->err = err;
    t->doc = NULL;
    t->budget = PY_MAX_WORK;
    moat_buf_init(&t->norm, DEPS_MAX_NAME + 1);
    py_index_init(&t->names);
    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    return toml_parse(src->path, (const char *)src->data, src->len, &t->doc, err);
}

void py_toml_close(struct py_toml *t)
{
    toml_free(t->doc);
    t->doc = NULL;
    py_index_release(&t->names);
    moat_buf_release(&t->norm);
}

int py_toml_bad(const struct py_toml *t, unsigned line, const char *what)
{
    return moat_err_set(t->err, MOAT_EPARSE, "%s:%u: %s", t->src->path, line, what);
}

int py_toml_too_many(const struct py_toml *t, unsigned line)
{
    return moat_err_set(t->err, MOAT_ETOOBIG, "%s:%u: dependency graph too large", t->src->path,
                        line);
}

void py_direct_wins(struct deps_lock *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->pkgs[i].flags & DEPS_PKG_DIRECT)
            l->pkgs[i].flags &= ~(unsigned)DEPS_PKG_TRANSITIVE;
}

/* ---- JSON ---- */

static size_t skip_ws(const char *d, size_t len, size_t off)
{
    while (off < len && (d[off] == ' ' || d[off] == '\t' || d[off] == '\n' || d[off] == '\r'))
        off++;
    return off;
}

/* off is at '"'; returns the offset after the closing quote, or 0 when the
 * string does not end (no string ends at offset 0). */
static size_t skip_string(const char *d, size_t len, size_t off)
{
    for (off++; off < len; off++) {
        if (d[off] == '\\')
            off++;
        else if (d[off] == '"')
            return off + 1;
    }
    return 0;
}

/* Skip one value without recursion: brackets are counted, strings skipped. */
static int skip_value(const char *d, size_t len, size_t off, size_t *end)
{
    size_t depth = 0;

    if (off >= len)
        return MOAT_EPARSE;
    if (d[off] != '"' && d[off] != '{' && d[off] != '[') {
        while (off < len && !strchr(",]} \t\r\n", d[off]))
            off++;
        *end = off;
        return 0;
    }
    while (off < len) {
        char c = d[off];
        if (c == '"') {
            if ((off = skip_string(d, len, off)) == 0)
                return MOAT_EPARSE;
        } else {
            off++;
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && depth > 0)
                depth--;
        }
        if (depth == 0) {
            *end = off;
            return 0;
        }
    }
    return MOAT_EPARSE;
}

static int json_depth(const char *d, size_t len, size_t max, size_t *bad)
{
    size_t depth = 0;

    for (size_t off = 0; off < len;) {
        char c = d[off];
        if (c == '"') {
            if ((off = skip_string(d, len, off)) == 0)
                return 0; /* unterminated: jansson says where */
            continue;
        }
        if (c == '{' || c == '[') {
            if (++depth > max) {
                *bad = off;
                return MOAT_ETOOBIG;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
        off++;
    }
    return 0;
}

int py_json_load(const struct deps_source *src, json_t **out, struct moat_err *err)
{
    json_error_t je;
    size_t bad = 0;
    json_t *j;
    int rc;

    *out = NULL;
    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    if (json_depth((const char *)src->data, src->len, DEPS_MAX_DEPTH, &bad) != 0) {
        struct py_lines lc;
        py_lines_init(&lc, (const char *)src->data, src->len);
        return moat_err_set(err, MOAT_ETOOBIG, "%s:%u: JSON nested deeper than %d", src->path,
                            py_lines_at(&lc, bad), DEPS_MAX_DEPTH);
    }
    j = json_loadb((const char *)src->data, src->len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return moat_err_set(err, MOAT_EPARSE, "%s:%d: %s", src->path, je.line > 0 ? je.line : 1,
                            je.text);
    *out = j;
    return 0;
}

int py_jiter_open(struct py_jiter *it, const char *d, size_t len, size_t at)
{
    memset(it, 0, sizeof(*it));
    it->d = d;
    it->len = len;
    it->done = true;
    if (at >= len || (d[at] != '{' && d[at] != '['))
        return MOAT_EPARSE;
    it->object = d[at] == '{';
    it->off = at + 1;
    it->val = SIZE_MAX; /* no member yet */
    it->done = false;
    return 0;
}

int py_jiter_next(struct py_jiter *it, const char *key, size_t *off)
{
    size_t o, kend;
    const char *d = it->d;

    if (it->done)
        return 0;
    if (it->pending) {
        if (skip_value(d, it->len, it->val, &it->off) != 0)
            return MOAT_EPARSE;
        it->pending = false;
    }
    o = skip_ws(d, it->len, it->off);
    if (o >= it->len)
        return MOAT_EPARSE;
    if (d[o] == (it->object ? '}' : ']')) {
        it->off = o + 1;
        it->done = true;
        return 0;
    }
    if (it->val != SIZE_MAX) {
        if (d[o] != ',')
            return MOAT_EPARSE;
        o = skip_ws(d, it->len, o + 1);
    }
    *off = o;
    if (it->object) {
        if (o >= it->len || d[o] != '"')
            return MOAT_EPARSE;
        if ((kend = skip_string(d, it->len, o)) == 0)
            return MOAT_EPARSE;
        if (key && !memchr(d + o + 1, '\\', kend - o - 1) &&
            (strlen(key) != kend - o - 2 || memcmp(d + o + 1, key, kend - o - 2) != 0))
            return MOAT_EPARSE;
        o = skip_ws(d, it->len, kend);
        if (o >= it->len || d[o] != ':')
            return MOAT_EPARSE;
        o = skip_ws(d, it->len, o + 1);
    }
    if (o >= it->len)
        return MOAT_EPARSE;
    it->val = o;
    it->pending = true;
    return 1;
}

size_t py_jiter_value(const struct py_jiter *it)
{
    return it->val;
}

void py_jiter_skip_to(struct py_jiter *it, size_t end)
{
    if (it->pending && end > it->val && end <= it->len) {
        it->off = end;
        it->pending = false;
    }
}
