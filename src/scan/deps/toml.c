/* The TOML subset reader behind poetry.lock, uv.lock and pdm.lock (see
 * toml.h): one pass over the bytes with line tracking, recursion bounded by
 * TOML_MAX_DEPTH, values in one arena, and member lookup through one SipHash
 * map per document keyed by (table, key) so large tables stay linear. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "toml.h"
#include "core/banned.h"

enum {
    F_IMPLICIT = 1u << 0, /* parent of a [header]; may still be defined once */
    F_DEFINED = 1u << 1,  /* defined by its own [header] */
    F_DOTTED = 1u << 2,   /* created by a dotted key; no [header] may define it */
    F_FROZEN = 1u << 3,   /* inline table or static array: never extended */
    F_AOT = 1u << 4,      /* array of tables made by [[header]] */
    F_MAPPED = 1u << 5,   /* members are in the document's map */
};

/* Tables up to this many members are searched in place: most are a
 * package's few keys or a small inline table, and hashing each of their
 * members would cost more than it saves. */
#define SMALL_TABLE 8

struct toml_doc {
    struct moat_arena arena;
    struct moat_map members; /* (table pointer, key) -> value */
    struct toml_value *root;
};

struct parser {
    const char *path;
    const char *p, *end;
    unsigned line;
    struct toml_doc *doc;
    struct moat_err *err;
    size_t nvalues;
    int depth;
    struct moat_buf str; /* a string being decoded */
    struct moat_buf key; /* composite map keys */
};

struct keypart {
    const char *s;
    size_t len;
};

static int fail(struct parser *ps, int rc, const char *fmt, ...) MOAT_PRINTF(3, 4);
static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    va_start(ap, fmt);
    /* a cut message still says what failed */
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    return moat_err_set(ps->err, rc, "%s:%u: %s", ps->path, ps->line, msg);
}

static struct toml_value *new_value(struct parser *ps, enum toml_type type)
{
    struct toml_value *v;

    if (ps->nvalues >= TOML_MAX_VALUES)
        return NULL;
    ps->nvalues++;
    v = moat_arena_alloc(&ps->doc->arena, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->type = type;
    v->line = ps->line;
    if (type == TOML_ARRAY || type == TOML_TABLE)
        v->doc = ps->doc;
    return v;
}

/* Arrays in the arena double by copying; the total stays linear. */
static void push(struct toml_doc *d, struct toml_value *c, const char *key, struct toml_value *v)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        struct toml_value **items = moat_arena_alloc(&d->arena, cap * sizeof(*items));
        if (c->n)
            memcpy(items, c->items, c->n * sizeof(*items));
        c->items = items;
        if (c->type == TOML_TABLE) {
            const char **keys = moat_arena_alloc(&d->arena, cap * sizeof(*keys));
            if (c->n)
                memcpy(keys, c->keys, c->n * sizeof(*keys));
            c->keys = keys;
        }
        c->cap = cap;
    }
    if (c->type == TOML_TABLE)
        c->keys[c->n] = key;
    c->items[c->n++] = v;
}

static int member_key(struct moat_buf *b, const struct toml_value *t, const char *k, size_t klen)
{
    moat_buf_reset(b);
    if (moat_buf_add(b, &t, sizeof(t)) != 0 || moat_buf_add(b, k, klen) != 0)
        return MOAT_ETOOBIG;
    return 0;
}

static struct toml_value *scan_members(const struct toml_value *t, const char *k, size_t klen)
{
    for (size_t i = 0; i < t->n; i++)
        if (strncmp(t->keys[i], k, klen) == 0 && t->keys[i][klen] == '\0')
            return t->items[i];
    return NULL;
}

static struct toml_value *member(struct parser *ps, struct toml_value *t, const struct keypart *k)
{
    if (!(t->flags & F_MAPPED))
        return scan_members(t, k->s, k->len);
    if (member_key(&ps->key, t, k->s, k->len) != 0)
        return NULL;
    return moat_map_get(&ps->doc->members, ps->key.data, ps->key.len);
}

static int map_member(struct parser *ps, struct toml_value *t, const char *k, size_t klen,
                      struct toml_value *v)
{
    if (member_key(&ps->key, t, k, klen) != 0)
        return fail(ps, MOAT_ETOOBIG, "key too long");
    if (moat_map_put(&ps->doc->members, ps->key.data, ps->key.len, v)) {
        /* callers check for duplicates first */
    }
    return 0;
}

/* Add k = v to table t; the caller has checked that k is new. */
static int add_member(struct parser *ps, struct toml_value *t, const struct keypart *k,
                      struct toml_value *v)
{
    const char *key;
    int rc;

    if (!(t->flags & F_MAPPED) && t->n >= SMALL_TABLE) {
        for (size_t i = 0; i < t->n; i++)
            if ((rc = map_member(ps, t, t->keys[i], strlen(t->keys[i]), t->items[i])) != 0)
                return rc;
        t->flags |= F_MAPPED;
    }
    if ((t->flags & F_MAPPED) && (rc = map_member(ps, t, k->s, k->len, v)) != 0)
        return rc;
    key = moat_arena_strndup(&ps->doc->arena, k->s, k->len);
    push(ps->doc, t, key, v);
    return 0;
}

/* ---- lexing ---- */

static bool is_bare(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static bool is_ctrl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

static int skip_comment(struct parser *ps)
{
    if (ps->p >= ps->end || *ps->p != '#')
        return 0;
    for (ps->p++; ps->p < ps->end && *ps->p != '\n'; ps->p++) {
        if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
            break;
        if (is_ctrl((unsigned char)*ps->p))
            return fail(ps, MOAT_EPARSE, "control character in a comment");
    }
    return 0;
}

/* True (and past it) when at a newline. */
static bool newline(struct parser *ps)
{
    if (ps->p < ps->end && *ps->p == '\n') {
        ps->p++;
        ps->line++;
        return true;
    }
    if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n') {
        ps->p += 2;
        ps->line++;
        return true;
    }
    return false;
}

/* After a key/value pair or a header only a comment may follow on the line. */
static int end_of_line(struct parser *ps)
{
    int rc;

    skip_ws(ps);
    if ((rc = skip_comment(ps)) != 0)
        return rc;
    if (ps->p >= ps->end || newline(ps))
        return 0;
    return fail(ps, MOAT_EPARSE, "unexpected '%c' after a value", *ps->p);
}

/* Whitespace, newlines and comments, as allowed inside arrays. */
static int skip_space(struct parser *ps)
{
    int rc;

    for (;;) {
        skip_ws(ps);
        if ((rc = skip_comment(ps)) != 0)
            return rc;
        if (!newline(ps))
            return 0;
    }
}

static int escape(struct parser *ps)
{
    uint32_t cp = 0;
    int ndig;
    unsigned char u8[4];
    char c;

    if (ps->p >= ps->end)
        return fail(ps, MOAT_EPARSE, "unterminated string");
    c = *ps->p++;
    switch (c) {
    case 'b': return moat_buf_addch(&ps->str, '\b');
    case 't': return moat_buf_addch(&ps->str, '\t');
    case 'n': return moat_buf_addch(&ps->str, '\n');
    case 'f': return moat_buf_addch(&ps->str, '\f');
    case 'r': return moat_buf_addch(&ps->str, '\r');
    case '"': return moat_buf_addch(&ps->str, '"');
    case '\\': return moat_buf_addch(&ps->str, '\\');
    case 'u': ndig = 4; break;
    case 'U': ndig = 8; break;
    default: return fail(ps, MOAT_EPARSE, "invalid escape \\%c", c);
    }
    if (ps->end - ps->p < ndig)
        return fail(ps, MOAT_EPARSE, "short \\%c escape", c);
    for (int i = 0; i < ndig; i++) {
        int h = moat_hexval((unsigned char)*ps->p++);
        if (h < 0)
            return fail(ps, MOAT_EPARSE, "invalid \\%c escape", c);
        cp = cp << 4 | (uint32_t)h;
    }
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(ps, MOAT_EPARSE, "escape is not a usable Unicode scalar value");
    return moat_buf_add(&ps->str, u8, moat_utf8_encode(cp, u8));
}

/* Count a closing run of quotes q: TOML lets up to two quotes stand right
 * before the closing triple; returns how many belong to the content, or -1
 * when this is not the end. */
static int closing_run(struct parser *ps, char q)
{
    size_t run = 0;

    while (ps->p + run < ps->end && ps->p[run] == q)
        run++;
    if (run < 3)
        return -1;
    return (int)run - 3;
}

static int parse_string(struct parser *ps, const char **out, size_t *outlen, bool allow_multi)
{
    char q = *ps->p;
    bool multi = false, literal = (q == '\'');
    int rc = 0;

    moat_buf_reset(&ps->str);
    if (allow_multi && ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q) {
        multi = true;
        ps->p += 3;
        newline(ps); /* a newline right after the opening delimiter is trimmed */
    } else {
        ps->p++;
    }
    for (;;) {
        unsigned char c;
        if (ps->p >= ps->end)
            return fail(ps, MOAT_EPARSE, "unterminated string");
        c = (unsigned char)*ps->p;
        if (c == (unsigned char)q) {
            if (!multi) {
                ps->p++;
                break;
            }
            int extra = closing_run(ps, q);
            if (extra > 2)
                return fail(ps, MOAT_EPARSE, "too many quotes closing a string");
            if (extra >= 0) {
                if ((rc = moat_buf_add(&ps->str, ps->p, (size_t)extra)) != 0)
                    goto toobig;
                ps->p += extra + 3;
                break;
            }
            ps->p++;
            if ((rc = moat_buf_addch(&ps->str, (char)c)) != 0)
                goto toobig;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (!multi)
                return fail(ps, MOAT_EPARSE, "newline in a single-line string");
            if (!newline(ps))
                return fail(ps, MOAT_EPARSE, "bare carriage return in a string");
            if ((rc = moat_buf_addch(&ps->str, '\n')) != 0)
                goto toobig;
            continue;
        }
        if (is_ctrl(c))
            return fail(ps, MOAT_EPARSE, "control character in a string");
        if (c == '\\' && !literal) {
            const char *save = ++ps->p;
            if (multi) {
                /* a line-ending backslash trims the newline and the whitespace after it */
                while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
                    ps->p++;
                if (ps->p < ps->end && (*ps->p == '\n' || *ps->p == '\r')) {
                    if (!newline(ps))
                        return fail(ps, MOAT_EPARSE, "bare carriage return in a string");
                    while (ps->p < ps->end &&
                           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
                        if (!newline(ps)) {
                            if (*ps->p == '\r')
                                return fail(ps, MOAT_EPARSE, "bare carriage return in a string");
                            ps->p++;
                        }
                    continue;
                }
                ps->p = save;
            }
            if ((rc = escape(ps)) != 0) {
                if (rc == MOAT_ETOOBIG)
                    goto toobig;
                return rc;
            }
            continue;
        }
        ps->p++;
        if ((rc = moat_buf_addch(&ps->str, (char)c)) != 0)
            goto toobig;
    }
    *out = moat_arena_strndup(&ps->doc->arena, ps->str.data, ps->str.len);
    *outlen = ps->str.len;
    return 0;
toobig:
    return fail(ps, MOAT_ETOOBIG, "string too long");
}

static int parse_simple_key(struct parser *ps, struct keypart *k)
{
    const char *start = ps->p;

    if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\''))
        return parse_string(ps, &k->s, &k->len, false);
    while (ps->p < ps->end && is_bare(*ps->p))
        ps->p++;
    if (ps->p == start)
        return fail(ps, MOAT_EPARSE, "expected a key");
    k->s = start;
    k->len = (size_t)(ps->p - start);
    return 0;
}

static int parse_key(struct parser *ps, struct keypart *parts, size_t *n)
{
    int rc;

    *n = 0;
    for (;;) {
        if (*n >= TOML_MAX_DEPTH)
            return fail(ps, MOAT_ETOOBIG, "key has more than %d parts", TOML_MAX_DEPTH);
        skip_ws(ps);
        if ((rc = parse_simple_key(ps, &parts[(*n)++])) != 0)
            return rc;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '.')
            return 0;
        ps->p++;
    }
}

/* ---- values ---- */

static int parse_value(struct parser *ps, struct toml_value **out);

static int parse_integer(struct parser *ps, struct toml_value *v)
{
    const char *s = ps->p;
    int base = 10, ndig = 0;
    bool neg = false, last_us = false;
    unsigned long long acc = 0, lim;

    if (*s == '+' || *s == '-')
        neg = (*s++ == '-');
    if (ps->end - s >= 3 && (!strncmp(s, "inf", 3) || !strncmp(s, "nan", 3)))
        return fail(ps, MOAT_EUNSUP, "floats are not supported");
    if (s + 1 < ps->end && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
        if (s != ps->p)
            return fail(ps, MOAT_EPARSE, "a sign before a non-decimal integer");
        base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        s += 2;
    }
    lim = neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
    for (; s < ps->end; s++) {
        int d = moat_hexval((unsigned char)*s);
        if (*s == '_') {
            if (!ndig || last_us)
                return fail(ps, MOAT_EPARSE, "misplaced '_' in an integer");
            last_us = true;
            continue;
        }
        if (d < 0 || d >= base)
            break;
        if (base == 10 && ndig == 1 && acc == 0)
            return fail(ps, MOAT_EPARSE, "leading zero in an integer");
        if (acc > (lim - (unsigned)d) / (unsigned)base)
            return fail(ps, MOAT_EPARSE, "integer out of range");
        acc = acc * (unsigned)base + (unsigned)d;
        ndig++;
        last_us = false;
    }
    if (!ndig || last_us)
        return fail(ps, MOAT_EPARSE, "malformed integer");
    if (s < ps->end && (*s == '.' || *s == 'e' || *s == 'E'))
        return fail(ps, MOAT_EUNSUP, "floats are not supported");
    if (s < ps->end && (*s == '-' || *s == ':'))
        return fail(ps, MOAT_EUNSUP, "dates and times are not supported");
    if (s < ps->end && is_bare(*s))
        return fail(ps, MOAT_EPARSE, "malformed integer");
    v->integer = neg ? (long long)(0 - acc) : (long long)acc;
    ps->p = s;
    return 0;
}

static int keyval(struct parser *ps, struct toml_value *table);

static void freeze(struct toml_value *t)
{
    /* dotted sub-tables of an inline table are part of it; depth is bounded by
     * TOML_MAX_DEPTH key parts */
    t->flags |= F_FROZEN;
    for (size_t i = 0; i < t->n; i++)
        if (t->items[i]->type == TOML_TABLE && !(t->items[i]->flags & F_FROZEN))
            freeze(t->items[i]);
}

static int parse_inline_table(struct parser *ps, struct toml_value *t)
{
    int rc;
    bool first = true;

    ps->p++; /* '{' */
    for (;;) {
        /* newlines and a trailing comma inside inline tables are TOML 1.1 */
        if ((rc = skip_space(ps)) != 0)
            return rc;
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        if (!first) {
            if (ps->p >= ps->end || *ps->p != ',')
                return fail(ps, MOAT_EPARSE, "expected ',' or '}' in an inline table");
            ps->p++;
            if ((rc = skip_space(ps)) != 0)
                return rc;
            if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
                break;
            }
        }
        if (ps->p >= ps->end)
            return fail(ps, MOAT_EPARSE, "unterminated inline table");
        if ((rc = keyval(ps, t)) != 0)
            return rc;
        first = false;
    }
    freeze(t);
    return 0;
}

static int parse_array(struct parser *ps, struct toml_value *a)
{
    struct toml_value *v;
    int rc;

    ps->p++; /* '[' */
    for (;;) {
        if ((rc = skip_space(ps)) != 0)
            return rc;
        if (ps->p >= ps->end)
            return fail(ps, MOAT_EPARSE, "unterminated array");
        if (*ps->p == ']') {
            ps->p++;
            break;
        }
        if ((rc = parse_value(ps, &v)) != 0)
            return rc;
        push(ps->doc, a, NULL, v);
        if ((rc = skip_space(ps)) != 0)
            return rc;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        return fail(ps, MOAT_EPARSE, "expected ',' or ']' in an array");
    }
    a->flags |= F_FROZEN;
    return 0;
}

static int parse_value(struct parser *ps, struct toml_value **out)
{
    struct toml_value *v = NULL;
    char c;
    int rc = 0;

    *out = NULL;
    if (ps->p >= ps->end)
        return fail(ps, MOAT_EPARSE, "expected a value");
    c = *ps->p;
    if (c == '"' || c == '\'') {
        if (!(v = new_value(ps, TOML_STRING)))
            goto toomany;
        rc = parse_string(ps, &v->str, &v->len, true);
        if (rc == 0 && memchr(v->str, '\0', v->len))
            rc = fail(ps, MOAT_EPARSE, "NUL in a string");
    } else if (c == 't' || c == 'f') {
        const char *w = c == 't' ? "true" : "false";
        size_t wl = strlen(w);
        if (!(v = new_value(ps, TOML_BOOLEAN)))
            goto toomany;
        if ((size_t)(ps->end - ps->p) < wl || memcmp(ps->p, w, wl) != 0 ||
            ((size_t)(ps->end - ps->p) > wl && is_bare(ps->p[wl])))
            return fail(ps, MOAT_EPARSE, "expected a value");
        v->boolean = (c == 't');
        ps->p += wl;
    } else if (c == '[' || c == '{') {
        if (ps->depth >= TOML_MAX_DEPTH)
            return fail(ps, MOAT_ETOOBIG, "nested deeper than %d", TOML_MAX_DEPTH);
        if (!(v = new_value(ps, c == '[' ? TOML_ARRAY : TOML_TABLE)))
            goto toomany;
        ps->depth++;
        rc = c == '[' ? parse_array(ps, v) : parse_inline_table(ps, v);
        ps->depth--;
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n') {
        if (!(v = new_value(ps, TOML_INTEGER)))
            goto toomany;
        if ((c == 'i' || c == 'n') && ps->end - ps->p >= 3 &&
            (!strncmp(ps->p, "inf", 3) || !strncmp(ps->p, "nan", 3)))
            return fail(ps, MOAT_EUNSUP, "floats are not supported");
        if (c == 'i' || c == 'n')
            return fail(ps, MOAT_EPARSE, "expected a value");
        rc = parse_integer(ps, v);
    } else {
        return fail(ps, MOAT_EPARSE, "expected a value");
    }
    if (rc == 0)
        *out = v;
    return rc;
toomany:
    return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
}

/* key = value into table: dotted keys create (or extend) tables made by
 * dotted keys, never [header] tables or frozen ones. */
static int keyval(struct parser *ps, struct toml_value *table)
{
    struct keypart parts[TOML_MAX_DEPTH];
    struct toml_value *t = table, *v;
    size_t n;
    int rc;

    if ((rc = parse_key(ps, parts, &n)) != 0)
        return rc;
    for (size_t i = 0; i + 1 < n; i++) {
        struct toml_value *child = member(ps, t, &parts[i]);
        if (!child) {
            if (!(child = new_value(ps, TOML_TABLE)))
                return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
            child->flags = F_DOTTED;
            if ((rc = add_member(ps, t, &parts[i], child)) != 0)
                return rc;
        } else if (child->type != TOML_TABLE || !(child->flags & F_DOTTED) ||
                   (child->flags & F_FROZEN)) {
            return fail(ps, MOAT_EPARSE, "key \"%.*s\" cannot be extended here",
                        (int)(parts[i].len > 64 ? 64 : parts[i].len), parts[i].s);
        }
        t = child;
    }
    if (member(ps, t, &parts[n - 1]))
        return fail(ps, MOAT_EPARSE, "duplicate key \"%.*s\"",
                    (int)(parts[n - 1].len > 64 ? 64 : parts[n - 1].len), parts[n - 1].s);
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '=')
        return fail(ps, MOAT_EPARSE, "expected '=' after a key");
    ps->p++;
    skip_ws(ps);
    if ((rc = parse_value(ps, &v)) != 0)
        return rc;
    return add_member(ps, t, &parts[n - 1], v);
}

/* [a.b] or [[a.b]]: returns the table later key/value pairs go into. */
static int header(struct parser *ps, struct toml_value **cur)
{
    struct keypart parts[TOML_MAX_DEPTH];
    struct toml_value *t = ps->doc->root, *child, *nt;
    bool aot = false;
    size_t n;
    int rc;

    ps->p++;
    if (ps->p < ps->end && *ps->p == '[') {
        aot = true;
        ps->p++;
    }
    if ((rc = parse_key(ps, parts, &n)) != 0)
        return rc;
    if (ps->p >= ps->end || *ps->p != ']' || (aot && (ps->end - ps->p < 2 || ps->p[1] != ']')))
        return fail(ps, MOAT_EPARSE, "expected '%s' closing a table header", aot ? "]]" : "]");
    ps->p += aot ? 2 : 1;
    for (size_t i = 0; i + 1 < n; i++) {
        child = member(ps, t, &parts[i]);
        if (!child) {
            if (!(child = new_value(ps, TOML_TABLE)))
                return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
            child->flags = F_IMPLICIT;
            if ((rc = add_member(ps, t, &parts[i], child)) != 0)
                return rc;
        } else if (child->type == TOML_ARRAY && (child->flags & F_AOT)) {
            child = child->items[child->n - 1];
        } else if (child->type != TOML_TABLE || (child->flags & F_FROZEN)) {
            return fail(ps, MOAT_EPARSE, "key \"%.*s\" is not a table",
                        (int)(parts[i].len > 64 ? 64 : parts[i].len), parts[i].s);
        }
        t = child;
    }
    child = member(ps, t, &parts[n - 1]);
    if (aot) {
        if (!child) {
            if (!(child = new_value(ps, TOML_ARRAY)))
                return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
            child->flags = F_AOT;
            if ((rc = add_member(ps, t, &parts[n - 1], child)) != 0)
                return rc;
        } else if (child->type != TOML_ARRAY || !(child->flags & F_AOT)) {
            return fail(ps, MOAT_EPARSE, "[[%.*s]] names something that is not an array of tables",
                        (int)(parts[n - 1].len > 64 ? 64 : parts[n - 1].len), parts[n - 1].s);
        }
        if (!(nt = new_value(ps, TOML_TABLE)))
            return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
        nt->flags = F_DEFINED;
        push(ps->doc, child, NULL, nt);
        *cur = nt;
        return 0;
    }
    if (!child) {
        if (!(child = new_value(ps, TOML_TABLE)))
            return fail(ps, MOAT_ETOOBIG, "more than %u values", TOML_MAX_VALUES);
        if ((rc = add_member(ps, t, &parts[n - 1], child)) != 0)
            return rc;
    } else if (child->type != TOML_TABLE || (child->flags & (F_DEFINED | F_DOTTED | F_FROZEN))) {
        return fail(ps, MOAT_EPARSE, "table [%.*s] defined twice",
                    (int)(parts[n - 1].len > 64 ? 64 : parts[n - 1].len), parts[n - 1].s);
    }
    child->flags = (child->flags & ~(unsigned)F_IMPLICIT) | F_DEFINED;
    child->line = ps->line; /* an implicit table takes the line of its own header */
    *cur = child;
    return 0;
}

/* Length of the valid UTF-8 prefix of s. */
static size_t utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            n = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            n = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            n = 3, cp = c & 0x07, min = 0x10000;
        else
            return i;
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return i;
}

int toml_parse(const char *path, const char *data, size_t len, struct toml_doc **out,
               struct moat_err *err)
{
    struct parser ps = { 0 };
    struct toml_doc *doc;
    struct toml_value *cur;
    size_t ok;
    int rc = 0;

    *out = NULL;
    doc = moat_calloc(1, sizeof(*doc));
    moat_arena_init(&doc->arena, 64u << 10);
    moat_map_init(&doc->members);
    ps.path = path;
    ps.p = data;
    ps.end = data + len;
    ps.line = 1;
    ps.doc = doc;
    ps.err = err;
    moat_buf_init(&ps.str, len + 1);
    moat_buf_init(&ps.key, len + sizeof(void *) + 1);
    if ((ok = utf8_valid((const unsigned char *)data, len)) != len) {
        for (const char *q = data; q < data + ok; q++)
            ps.line += (*q == '\n');
        rc = fail(&ps, MOAT_EPARSE, "invalid UTF-8");
        goto out;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        ps.p += 3;
    doc->root = cur = new_value(&ps, TOML_TABLE);
    doc->root->flags = F_DEFINED;
    while (ps.p < ps.end) {
        skip_ws(&ps);
        if (ps.p >= ps.end)
            break;
        if (*ps.p == '#' || *ps.p == '\n' || *ps.p == '\r') {
            if ((rc = end_of_line(&ps)) != 0)
                goto out;
            continue;
        }
        if (*ps.p == '[')
            rc = header(&ps, &cur);
        else
            rc = keyval(&ps, cur);
        if (rc != 0 || (rc = end_of_line(&ps)) != 0)
            goto out;
    }
    *out = doc;
    doc = NULL;
out:
    moat_buf_release(&ps.str);
    moat_buf_release(&ps.key);
    toml_free(doc);
    return rc;
}

void toml_free(struct toml_doc *doc)
{
    if (!doc)
        return;
    moat_map_release(&doc->members, NULL);
    moat_arena_release(&doc->arena);
    free(doc);
}

const struct toml_value *toml_root(const struct toml_doc *doc)
{
    return doc->root;
}

const struct toml_value *toml_get(const struct toml_value *t, const char *key)
{
    size_t klen = strlen(key);
    char small[256], *buf = small;
    const struct toml_value *v;

    if (!t || t->type != TOML_TABLE || t->n == 0)
        return NULL;
    if (!(t->flags & F_MAPPED))
        return scan_members(t, key, klen);
    /* the map key is the table's address followed by the member's name */
    if (klen > sizeof(small) - sizeof(t))
        buf = moat_malloc(klen + sizeof(t));
    memcpy(buf, &t, sizeof(t));
    memcpy(buf + sizeof(t), key, klen);
    v = moat_map_get(&t->doc->members, buf, klen + sizeof(t));
    if (buf != small)
        free(buf);
    return v;
}

const struct toml_value *toml_get_type(const struct toml_value *t, const char *key,
                                       enum toml_type type)
{
    const struct toml_value *v = toml_get(t, key);

    return v && v->type == type ? v : NULL;
}

const char *toml_get_str(const struct toml_value *t, const char *key)
{
    const struct toml_value *v = toml_get_type(t, key, TOML_STRING);

    return v ? v->str : NULL;
}
