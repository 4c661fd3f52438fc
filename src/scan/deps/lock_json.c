/* JSON lockfiles with line numbers. jansson validates and builds the tree but
 * keeps no positions, so a second pass walks the (now known valid) text next
 * to the tree, looking each member up by its key, and records the line of
 * every object, array and string in a pointer map. One pass, no searching,
 * and exact even when the same key text appears many times in the file. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

/* ---- json_t * -> line ---- */

static size_t slot(const json_t *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p;

    h ^= h >> 29;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 17) & (cap - 1);
}

static void put(struct lockjs_json *j, const json_t *p, unsigned line)
{
    size_t i;

    if ((j->n + 1) * 2 > j->cap) {
        const json_t **ok = j->keys;
        unsigned *ol = j->lines;
        size_t ocap = j->cap;
        j->cap = ocap ? ocap * 2 : 1024;
        j->keys = moat_calloc(j->cap, sizeof(*j->keys));
        j->lines = moat_calloc(j->cap, sizeof(*j->lines));
        j->n = 0;
        for (size_t k = 0; k < ocap; k++)
            if (ok[k])
                put(j, ok[k], ol[k]);
        free(ok);
        free(ol);
    }
    for (i = slot(p, j->cap); j->keys[i] && j->keys[i] != p; i = (i + 1) & (j->cap - 1))
        ;
    if (!j->keys[i])
        j->n++;
    j->keys[i] = p;
    j->lines[i] = line;
}

unsigned lockjs_json_line(const struct lockjs_json *j, const json_t *v)
{
    if (!v || !j->cap)
        return 0;
    for (size_t i = slot(v, j->cap); j->keys[i]; i = (i + 1) & (j->cap - 1))
        if (j->keys[i] == v)
            return j->lines[i];
    return 0;
}

/* ---- the text walk ---- */

struct walk {
    const char *s;
    size_t n, pos;
    unsigned line;
};

static void ws(struct walk *w)
{
    while (w->pos < w->n) {
        char c = w->s[w->pos];
        if (c == '\n')
            w->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            return;
        w->pos++;
    }
}

/* At an opening quote: move past the closing one; *bs tells whether there
 * was an escape. JSON strings hold no raw newlines, so the line stays. */
static void skip_string(struct walk *w, bool *bs)
{
    *bs = false;
    for (w->pos++; w->pos < w->n; w->pos++) {
        if (w->s[w->pos] == '\\') {
            *bs = true;
            w->pos++;
        } else if (w->s[w->pos] == '"') {
            w->pos++;
            return;
        }
    }
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
    }
    return v;
}

/* Decode the escapes of a key (s..e, between the quotes) into out, the way
 * jansson stored it. */
static int unescape(const char *s, const char *e, struct moat_buf *out)
{
    unsigned char u8[4];
    int rc = 0;

    moat_buf_reset(out);
    while (s < e && rc == 0) {
        if (*s != '\\') {
            rc = moat_buf_addch(out, *s++);
            continue;
        }
        if (e - s < 2)
            break;
        s++;
        switch (*s) {
        case 'b': rc = moat_buf_addch(out, '\b'); break;
        case 'f': rc = moat_buf_addch(out, '\f'); break;
        case 'n': rc = moat_buf_addch(out, '\n'); break;
        case 'r': rc = moat_buf_addch(out, '\r'); break;
        case 't': rc = moat_buf_addch(out, '\t'); break;
        case 'u': {
            uint32_t cp;
            if (e - s < 5)
                return MOAT_EPARSE;
            cp = hex4(s + 1);
            s += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && e - s >= 7 && s[1] == '\\' && s[2] == 'u') {
                uint32_t lo = hex4(s + 3);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    s += 6;
                }
            }
            rc = moat_buf_add(out, u8, moat_utf8_encode(cp, u8));
            break;
        }
        default: rc = moat_buf_addch(out, *s); break;
        }
        s++;
    }
    return rc;
}

/* Objects and arrays always; strings only as the value of the key the
 * caller asked for, as they are most of a lockfile and the map's cost. */
static void record(struct lockjs_json *j, const json_t *v, unsigned line, bool named)
{
    if (v && (json_is_object(v) || json_is_array(v) || (named && json_is_string(v))))
        put(j, v, line);
}

struct frame {
    json_t *node; /* NULL: a part of the tree we do not follow */
    bool array;
    size_t index;
};

/* Walk text the jansson tree came from. The text is valid JSON of depth at
 * most DEPS_MAX_DEPTH, so anything unexpected means the two disagree: stop,
 * leaving the remaining lines unknown (0) rather than wrong. */
static void walk_lines(struct lockjs_json *j, const char *text, size_t len)
{
    struct frame st[DEPS_MAX_DEPTH + 2];
    struct walk w = { text, len, 0, 1 };
    struct moat_buf key = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    size_t depth = 0;
    json_t *cur = j->root;
    bool named = false; /* cur is the value of j->string_key */
    unsigned vline;

    ws(&w);
    vline = w.line;
    for (;;) {
        /* a value for cur starts at w.pos */
        char c;
        bool bs;
        if (w.pos >= w.n)
            goto out;
        c = w.s[w.pos];
        record(j, cur, vline, named);
        if (c == '{' || c == '[') {
            if (depth >= DEPS_MAX_DEPTH + 1)
                goto out;
            st[depth].node = cur;
            st[depth].array = c == '[';
            st[depth].index = 0;
            depth++;
            w.pos++;
            ws(&w);
            if (w.pos < w.n && (w.s[w.pos] == '}' || w.s[w.pos] == ']')) {
                w.pos++;
                depth--;
                goto after_value;
            }
            goto member;
        }
        if (c == '"')
            skip_string(&w, &bs);
        else
            while (w.pos < w.n && !strchr(",]} \t\r\n", w.s[w.pos]))
                w.pos++;
    after_value:
        for (;;) {
            if (depth == 0)
                goto out;
            ws(&w);
            if (w.pos >= w.n)
                goto out;
            if (w.s[w.pos] == ',') {
                w.pos++;
                break;
            }
            if (w.s[w.pos] != '}' && w.s[w.pos] != ']')
                goto out;
            w.pos++;
            depth--;
        }
    member:
        ws(&w);
        if (st[depth - 1].array) {
            json_t *a = st[depth - 1].node;
            cur = a ? json_array_get(a, st[depth - 1].index) : NULL;
            named = false;
            st[depth - 1].index++;
            vline = w.line;
        } else {
            json_t *o = st[depth - 1].node;
            size_t k0;
            if (w.pos >= w.n || w.s[w.pos] != '"')
                goto out;
            vline = w.line;
            k0 = w.pos + 1;
            skip_string(&w, &bs);
            cur = NULL;
            if (o && bs && unescape(w.s + k0, w.s + w.pos - 1, &key) == 0)
                cur = json_object_getn(o, key.data, key.len);
            else if (o && !bs)
                cur = json_object_getn(o, w.s + k0, w.pos - 1 - k0);
            named = cur && j->string_key && json_is_string(cur) &&
                    json_object_get(o, j->string_key) == cur;
            ws(&w);
            if (w.pos >= w.n || w.s[w.pos] != ':')
                goto out;
            w.pos++;
            ws(&w);
        }
    }
out:
    moat_buf_release(&key);
}

/* Nesting depth check before jansson (whose recursive parser would go to
 * 2048 levels), so the message can name the line. */
static int check_depth(const struct deps_source *src, struct moat_err *err)
{
    const char *s = (const char *)src->data;
    unsigned line = 1, depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < src->len; i++) {
        char c = s[i];
        if (c == '\n')
            line++;
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > DEPS_MAX_DEPTH)
                return lockjs_fail(err, MOAT_ETOOBIG, src->path, line,
                                   "nesting deeper than %d levels", DEPS_MAX_DEPTH);
        } else if ((c == '}' || c == ']') && depth) {
            depth--;
        }
    }
    return 0;
}

int lockjs_json_load(const struct deps_source *src, const char *string_key, struct lockjs_json *j,
                     struct moat_err *err)
{
    json_error_t jerr;
    int rc;

    memset(j, 0, sizeof(*j));
    j->string_key = string_key;
    if ((rc = deps_source_check_size(src, err)) != 0 || (rc = check_depth(src, err)) != 0)
        return rc;
    j->root = json_loadb((const char *)src->data, src->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j->root)
        return lockjs_fail(err, MOAT_EPARSE, src->path, jerr.line > 0 ? (unsigned)jerr.line : 0,
                           "invalid JSON: %s", jerr.text);
    walk_lines(j, (const char *)src->data, src->len);
    return 0;
}

void lockjs_json_release(struct lockjs_json *j)
{
    json_decref(j->root);
    free(j->keys);
    free(j->lines);
    memset(j, 0, sizeof(*j));
}

int lockjs_json_str(const json_t *obj, const char *key, const char **s, size_t *n)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return 1;
}

bool lockjs_json_true(const json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}
