/* The YAML loader of the config audits: libyaml's events become a tree that
 * keeps every node's line and column, aliases become copies placed where they
 * take effect (counted against CY_MAX_NODES before they are made, so an
 * exponential alias bomb stops at once), merge keys resolve as Ruby's Psych
 * (GitLab's loader) resolves them, and tags stay on their nodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <yaml.h>
#include "config.h"
#include "core/banned.h"

#define TAG_STR "tag:yaml.org,2002:str"

#define INDEX_MIN 16 /* mappings with more keys get a hash index */

struct cy_doc {
    struct moat_arena arena;
    struct cy_node *roots[CY_MAX_DOCS];
    size_t n;
    unsigned char hkey[crypto_shorthash_KEYBYTES]; /* random: keys cannot be chosen to collide */
};

/* Open addressing over key positions; copies made by aliases share it. */
struct cy_index {
    const unsigned char *hkey;
    size_t mask;
    uint32_t slot[]; /* position + 1; 0 is empty */
};

static size_t key_hash(const unsigned char *hkey, const char *k, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;

    crypto_shorthash(out, (const unsigned char *)k, len, hkey);
    memcpy(&h, out, sizeof(h));
    return (size_t)h;
}

/* A position in the input that follows libyaml's marks: `index` counts
 * characters as libyaml does (CR LF counts two), so the byte offset of any
 * mark is found by walking forward. `yline` counts lines as libyaml does;
 * `line` and `bol` count them at '\n' only, as moat reports them. Lines are
 * 0-based here. */
struct cursor {
    const unsigned char *p;
    size_t len;
    size_t off;   /* bytes */
    size_t index; /* libyaml's character index */
    size_t bol;   /* byte offset of the start of the line */
    unsigned line;
    unsigned yline;
};

/* A collection being built. Maps hold key, value, key, value... */
struct frame {
    struct cy_node *node;
    MOAT_VEC(struct cy_node *) items;
    size_t count;    /* nodes of the subtree after expansion, saturating */
    unsigned height; /* collection levels below and including this one */
    struct anchor *anchor;
};

struct anchor {
    struct cy_node *node;
    size_t count;
    unsigned height;
    bool open; /* still being built: an alias to it would be a cycle */
};

struct loader {
    struct cy_doc *doc;
    struct moat_arena *a;
    struct cursor cur;
    bool exact; /* UTF-8 input: marks map to bytes, so lines inside scalars are known */
    struct frame stack[CY_MAX_DEPTH];
    size_t depth;
    struct moat_map anchors;
    size_t nodes;
    struct cy_node *root;
    bool have_root;
    MOAT_VEC(char) scratch;
    MOAT_VEC(struct cy_lpos) lpos;
    struct moat_linemap lm; /* libyaml's lines to moat's */
    struct moat_err *err;
};

/* ---- positions ---- */

#define brk_len moat_yaml_break_len

static size_t utf8_width(unsigned char c)
{
    return c < 0x80             ? 1
           : (c & 0xe0) == 0xc0 ? 2
           : (c & 0xf0) == 0xe0 ? 3
           : (c & 0xf8) == 0xf0 ? 4
                                : 1;
}

static void cur_step(struct cursor *c)
{
    size_t rest = c->len - c->off, b = brk_len(c->p + c->off, rest), w;

    if (b) {
        c->index += c->p[c->off] == '\r' && b == 2 ? 2 : 1;
        c->off += b;
        c->yline++;
        if (c->p[c->off - 1] == '\n') {
            c->bol = c->off;
            c->line++;
        }
        return;
    }
    w = utf8_width(c->p[c->off]);
    c->off += w < rest ? w : rest;
    c->index++;
}

/* Walk forward to libyaml's character index; false if the input ends first
 * or the cursor is already past it (marks did not follow the input). */
static bool cur_seek(struct cursor *c, size_t index)
{
    if (c->index > index)
        return false;
    while (c->index < index && c->off < c->len)
        cur_step(c);
    return c->index == index;
}

static unsigned cur_col(const struct cursor *c)
{
    return (unsigned)(c->off - c->bol) + 1;
}

/* Line and column (1-based, bytes) of a byte offset, for reader errors,
 * which libyaml reports as offsets. */
static void offset_pos(const unsigned char *p, size_t len, size_t off, unsigned *line,
                       unsigned *col)
{
    size_t bol = 0;
    unsigned l = 1;

    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++)
        if (p[i] == '\n') {
            bol = i + 1;
            l++;
        }
    *line = l;
    *col = (unsigned)(off - bol) + 1;
}

/* moat's line and column of a libyaml mark */
static unsigned mk_line(const struct loader *ld, const yaml_mark_t *m)
{
    return moat_linemap_line(&ld->lm, m->line);
}

static unsigned mk_col(const struct loader *ld, const yaml_mark_t *m)
{
    return moat_linemap_col(&ld->lm, m->line, (unsigned)m->column + 1);
}

/* ---- errors ---- */

static int syntax_error(struct loader *ld, const yaml_parser_t *yp)
{
    const char *problem = yp->problem ? yp->problem : "malformed YAML";
    unsigned line, col;

    if (yp->error == YAML_MEMORY_ERROR)
        MOAT_BUG("libyaml out of memory");
    if (yp->error == YAML_READER_ERROR) {
        size_t off = yp->problem_offset;
        /* a bad trailing byte: point at the sequence it was meant to end */
        if (strstr(problem, "trailing"))
            for (int k = 0;
                 k < 3 && off > 0 && off < ld->cur.len && (ld->cur.p[off] & 0xc0) != 0xc0; k++)
                off--;
        offset_pos(ld->cur.p, ld->cur.len, off, &line, &col);
        if (yp->problem_value >= 0 && yp->problem_value <= 0xff)
            return moat_err_set(ld->err, MOAT_EPARSE,
                                "%u:%u: not valid UTF-8 text: %s (byte 0x%02x)", line, col, problem,
                                (unsigned)yp->problem_value);
        return moat_err_set(ld->err, MOAT_EPARSE, "%u:%u: not valid UTF-8 text: %s", line, col,
                            problem);
    }
    line = mk_line(ld, &yp->problem_mark);
    col = mk_col(ld, &yp->problem_mark);
    if (ld->exact) {
        /* a tab where indentation is expected gets its own message: libyaml
         * calls it a character that cannot start a token */
        struct cursor c = { ld->cur.p, ld->cur.len, 0, 0, 0, 0, 0 };
        if (ld->cur.len >= 3 && memcmp(ld->cur.p, "\xef\xbb\xbf", 3) == 0)
            c.off = c.bol = 3;
        if (cur_seek(&c, yp->problem_mark.index) && c.off < c.len && c.p[c.off] == '\t')
            return moat_err_set(ld->err, MOAT_EPARSE,
                                "%u:%u: tab character used for indentation (YAML allows only "
                                "spaces): %s",
                                line, col, problem);
    }
    if (yp->context)
        return moat_err_set(ld->err, MOAT_EPARSE, "%u:%u: %s (%s at %u:%u)", line, col, problem,
                            yp->context, mk_line(ld, &yp->context_mark),
                            mk_col(ld, &yp->context_mark));
    return moat_err_set(ld->err, MOAT_EPARSE, "%u:%u: %s", line, col, problem);
}

/* ---- nodes ---- */

static struct cy_node *node_new(struct loader *ld, enum cy_kind kind, const yaml_mark_t *m)
{
    struct cy_node *n = moat_arena_alloc(ld->a, sizeof(*n));

    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = n->src_line = mk_line(ld, m);
    n->col = mk_col(ld, m);
    return n;
}

static size_t sat_add(size_t a, size_t b)
{
    size_t s = a + b;
    return s < a || s > (size_t)CY_MAX_NODES + 1 ? (size_t)CY_MAX_NODES + 1 : s;
}

static int count_node(struct loader *ld, unsigned line, unsigned col)
{
    if (++ld->nodes > CY_MAX_NODES)
        return moat_err_set(ld->err, MOAT_ETOOBIG, "%u:%u: more than %d YAML nodes", line, col,
                            CY_MAX_NODES);
    return 0;
}

/* Hand a finished node to the collection that holds it (or make it the
 * document's root). */
static void add_child(struct loader *ld, struct cy_node *n, size_t count, unsigned height)
{
    struct frame *f;

    if (ld->depth == 0) {
        ld->root = n;
        ld->have_root = true;
        return;
    }
    f = &ld->stack[ld->depth - 1];
    MOAT_VEC_PUSH(&f->items, n);
    f->count = sat_add(f->count, count);
    if (height + 1 > f->height)
        f->height = height + 1;
}

/* The copy an alias stands for: every node of it takes effect at the alias,
 * so that is its line; src_line keeps where the text is. Strings and line
 * maps are shared. */
static struct cy_node *copy_tree(struct loader *ld, const struct cy_node *s, unsigned line,
                                 unsigned col)
{
    struct cy_node *n = moat_arena_alloc(ld->a, sizeof(*n));

    *n = *s;
    n->line = line;
    n->col = col;
    if (s->n && s->kind != CY_SCALAR) {
        n->items = moat_arena_alloc(ld->a, s->n * sizeof(*n->items));
        for (size_t i = 0; i < s->n; i++)
            n->items[i] = copy_tree(ld, s->items[i], line, col);
        if (s->kind == CY_MAP) {
            n->keys = moat_arena_alloc(ld->a, s->n * sizeof(*n->keys));
            for (size_t i = 0; i < s->n; i++)
                n->keys[i] = copy_tree(ld, s->keys[i], line, col);
        }
    }
    return n;
}

static struct anchor *register_anchor(struct loader *ld, const yaml_char_t *name, struct cy_node *n,
                                      bool open)
{
    struct anchor *a = moat_arena_alloc(ld->a, sizeof(*a));
    size_t len = strlen((const char *)name);

    a->node = n;
    a->count = 1;
    a->height = 0;
    a->open = open;
    /* a later anchor of the same name hides the earlier one, as in YAML */
    if (moat_map_put(&ld->anchors, (const char *)name, len, a)) {
        /* the earlier one stays in the arena, unreachable */
    }
    return a;
}

/* ---- scalars: where their text is and where each source line lands ---- */

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* From the start of a node's properties (&anchor, !tag), skip them, the
 * spaces, comments and line breaks after them, up to end. */
static void skip_props(struct cursor *c, size_t end)
{
    while (c->off < end) {
        unsigned char ch = c->p[c->off];
        if (is_ws(ch) || brk_len(c->p + c->off, c->len - c->off)) {
            cur_step(c);
        } else if (ch == '#') {
            while (c->off < end && !brk_len(c->p + c->off, c->len - c->off))
                cur_step(c);
        } else if (ch == '&' || ch == '!') {
            while (c->off < end && !is_ws(c->p[c->off]) && !brk_len(c->p + c->off, c->len - c->off))
                cur_step(c);
        } else {
            return;
        }
    }
}

static size_t line_end(const struct cursor *c, size_t from, size_t end)
{
    size_t i = from;

    while (i < end && !brk_len(c->p + i, c->len - i))
        i++;
    return i;
}

static unsigned hexval(unsigned char c)
{
    return c >= '0' && c <= '9'   ? (unsigned)(c - '0')
           : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                  : 16;
}

/* Decode the escapes of one line of a double-quoted scalar into out (no
 * longer than the input): the text as it appears in the value. */
static size_t unescape_double(const unsigned char *s, size_t n, char *out)
{
    static const char from[] = "0abtnvfre \"/\\\t", to[] = "\0\a\b\t\n\v\f\r\x1b \"/\\\t";
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        const char *k;
        size_t digits = 0;
        uint32_t cp = 0;
        if (s[i] != '\\' || i + 1 == n) {
            if (!(s[i] == '\\' && i + 1 == n)) /* an escaped line break adds nothing */
                out[o++] = (char)s[i];
            continue;
        }
        i++;
        if (s[i] != '\0' && (k = strchr(from, s[i])) != NULL) {
            out[o++] = to[k - from];
            continue;
        }
        digits = s[i] == 'x' ? 2 : s[i] == 'u' ? 4 : s[i] == 'U' ? 8 : 0;
        if (digits && i + digits < n) {
            size_t d;
            for (d = 1; d <= digits && hexval(s[i + d]) < 16; d++)
                cp = cp * 16 + hexval(s[i + d]);
            if (d > digits && cp <= 0x10ffff) {
                unsigned char u[4];
                size_t w = moat_utf8_encode(cp, u);
                memcpy(out + o, u, w);
                o += w;
                i += digits;
                continue;
            }
        }
        /* \N \_ \L \P and anything unknown: a character we do not spell out,
         * so matching this line stops here */
        return o;
    }
    return o;
}

/* A literal block keeps its lines one to one: value line i is source line
 * i after the header. The indentation is what the source line has that the
 * value line lacks, taken from the first line with text (an indentation
 * indicator may leave leading spaces in the value). c is at the first
 * content line. */
static void lit_lines(struct loader *ld, const struct cy_node *n, struct cursor c)
{
    const unsigned char *v = (const unsigned char *)n->str;
    size_t k = 0, ls = 0, indent = 0, o = 0, yline = c.yline;

    while (o <= n->len) {
        size_t b = o < n->len ? brk_len(v + o, n->len - o) : 0;
        if (o < n->len && !b) {
            o++;
            continue;
        }
        if (o > ls) {
            struct cursor f = c;
            size_t e;
            for (size_t i = 0; i < k && f.off < f.len; i++) {
                f.off = line_end(&f, f.off, f.len);
                if (f.off < f.len)
                    cur_step(&f);
            }
            e = line_end(&f, f.off, f.len);
            indent = e - f.off > o - ls ? e - f.off - (o - ls) : 0;
            break;
        }
        if (o == n->len)
            break;
        k++;
        o += b;
        ls = o;
    }
    for (o = 0, ls = 0;; ls = o) {
        struct cy_lpos p = { ls, moat_linemap_line(&ld->lm, yline),
                             moat_linemap_col(&ld->lm, yline, (unsigned)indent + 1) };
        yline++;
        MOAT_VEC_PUSH(&ld->lpos, p);
        while (o < n->len && !brk_len(v + o, n->len - o))
            o++;
        if (o >= n->len)
            break;
        o += brk_len(v + o, n->len - o);
        if (o >= n->len)
            break;
    }
}

/* Record where each source line of a scalar starts in its value. Block
 * scalars: every value line is the next source line after the header (a
 * literal keeps them one to one; folded text is matched line by line).
 * Flow scalars: each source line's text, trimmed and unescaped, is found in
 * the value after the previous one, past the spaces and breaks folding
 * made. Matching stops at the first line it cannot place, so the map is
 * never wrong, only shorter. */
static void map_lines(struct loader *ld, struct cy_node *n, struct cursor start, size_t end)
{
    struct cursor c = start;
    const unsigned char *v = (const unsigned char *)n->str;
    size_t vo = 0, ls, le;
    bool first = true, block = n->style == CY_LITERAL || n->style == CY_FOLDED;

    ld->lpos.n = 0;
    if (block) {
        /* the header line (| or > with its indicators and a comment) holds no content */
        c.off = line_end(&c, c.off, c.len);
        if (c.off >= c.len)
            return;
        cur_step(&c);
        if (n->style == CY_LITERAL) {
            lit_lines(ld, n, c);
            return;
        }
        first = false;
    }
    for (; c.off < end; first = false) {
        size_t cl, dl;
        unsigned line = c.line + 1;
        ls = c.off;
        le = line_end(&c, ls, end);
        if (first && (n->style == CY_SINGLE || n->style == CY_DOUBLE))
            ls++;
        if (le == end && (n->style == CY_SINGLE || n->style == CY_DOUBLE) && le > ls)
            le--; /* the closing quote */
        while (ls < le && is_ws(c.p[ls]))
            ls++;
        while (le > ls && is_ws(c.p[le - 1]))
            le--;
        cl = le - ls;
        if (ld->scratch.cap < cl + 1) {
            ld->scratch.cap = cl + 64;
            ld->scratch.v = moat_realloc(ld->scratch.v, ld->scratch.cap);
        }
        if (n->style == CY_DOUBLE) {
            dl = unescape_double(c.p + ls, cl, ld->scratch.v);
        } else if (n->style == CY_SINGLE) {
            dl = 0;
            for (size_t i = 0; i < cl; i++) {
                ld->scratch.v[dl++] = (char)c.p[ls + i];
                if (c.p[ls + i] == '\'' && i + 1 < cl && c.p[ls + i + 1] == '\'')
                    i++;
            }
        } else {
            dl = cl;
            memcpy(ld->scratch.v, c.p + ls, cl);
        }
        if (dl > 0) {
            size_t p = vo;
            for (;;) {
                if (p + dl <= n->len && memcmp(v + p, ld->scratch.v, dl) == 0)
                    break;
                if (p >= n->len || !(v[p] == ' ' || v[p] == '\n' || v[p] == '\t'))
                    return;
                p++;
            }
            struct cy_lpos lp = { p, line, (unsigned)(ls - c.bol) + 1 };
            MOAT_VEC_PUSH(&ld->lpos, lp);
            vo = p + dl;
        }
        c.off = line_end(&c, c.off, end);
        if (c.off >= end)
            break;
        cur_step(&c);
    }
}

static int on_scalar(struct loader *ld, const yaml_event_t *ev)
{
    const yaml_mark_t *sm = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    struct cy_node *n;
    struct cursor start, endc;
    int rc;

    if (len > CY_MAX_SCALAR)
        return moat_err_set(ld->err, MOAT_ETOOBIG,
                            "%u:%u: string of %zu bytes, over the %u-byte limit", mk_line(ld, sm),
                            mk_col(ld, sm), len, CY_MAX_SCALAR);
    if ((rc = count_node(ld, mk_line(ld, sm), mk_col(ld, sm))) != 0)
        return rc;
    n = node_new(ld, CY_SCALAR, sm);
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = CY_SINGLE; break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = CY_DOUBLE; break;
    case YAML_LITERAL_SCALAR_STYLE: n->style = CY_LITERAL; break;
    case YAML_FOLDED_SCALAR_STYLE: n->style = CY_FOLDED; break;
    default: n->style = CY_PLAIN; break;
    }
    n->str = moat_arena_strndup(ld->a, (const char *)ev->data.scalar.value, len);
    n->len = len;
    if (ev->data.scalar.tag)
        n->tag = moat_arena_strndup(ld->a, (const char *)ev->data.scalar.tag,
                                    strlen((const char *)ev->data.scalar.tag));
    if (ld->exact) {
        /* The event starts at the node's properties; the text may start
         * further on (a block scalar's header, the quote, the first word). */
        if (!cur_seek(&ld->cur, sm->index) || ld->cur.yline != sm->line) {
            ld->exact = false;
        } else {
            start = endc = ld->cur;
            if (!cur_seek(&endc, ev->end_mark.index)) {
                ld->exact = false;
            } else {
                if (ev->data.scalar.anchor || ev->data.scalar.tag)
                    skip_props(&start, endc.off);
                n->line = n->src_line = start.line + 1;
                n->col = cur_col(&start);
                if (n->style == CY_LITERAL || n->style == CY_FOLDED || endc.yline > start.yline) {
                    map_lines(ld, n, start, endc.off);
                    if (ld->lpos.n) {
                        struct cy_lpos *lp =
                            moat_arena_alloc(ld->a, ld->lpos.n * sizeof(*ld->lpos.v));
                        memcpy(lp, ld->lpos.v, ld->lpos.n * sizeof(*ld->lpos.v));
                        n->lpos = lp;
                        n->nlpos = ld->lpos.n;
                    }
                }
                ld->cur = endc;
            }
        }
    }
    if (ev->data.scalar.anchor)
        register_anchor(ld, ev->data.scalar.anchor, n, false);
    add_child(ld, n, 1, 0);
    return 0;
}

/* ---- collections ---- */

static int on_start(struct loader *ld, const yaml_event_t *ev, enum cy_kind kind)
{
    const yaml_mark_t *sm = &ev->start_mark;
    const yaml_char_t *anchor =
        kind == CY_SEQ ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    const yaml_char_t *tag =
        kind == CY_SEQ ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
    struct frame *f;
    int rc;

    if (ld->depth == CY_MAX_DEPTH)
        return moat_err_set(ld->err, MOAT_ETOOBIG, "%u:%u: nested deeper than %d levels",
                            mk_line(ld, sm), mk_col(ld, sm), CY_MAX_DEPTH);
    if ((rc = count_node(ld, mk_line(ld, sm), mk_col(ld, sm))) != 0)
        return rc;
    f = &ld->stack[ld->depth++];
    memset(f, 0, sizeof(*f));
    f->node = node_new(ld, kind, sm);
    f->count = 1;
    f->height = 1;
    if (tag)
        f->node->tag = moat_arena_strndup(ld->a, (const char *)tag, strlen((const char *)tag));
    if (anchor)
        f->anchor = register_anchor(ld, anchor, f->node, true);
    return 0;
}

/* Keys of one mapping, by value: a linear scan for small maps, a hash map
 * past 16 entries so a huge mapping stays linear. */
struct keyidx {
    struct cy_node **keys;
    size_t n;
    struct moat_map map; /* key -> position + 1 */
    bool hashed;
};

static size_t keyidx_find(struct keyidx *k, const struct cy_node *key)
{
    if (k->hashed)
        return (size_t)(uintptr_t)moat_map_get(&k->map, key->str, key->len);
    for (size_t i = 0; i < k->n; i++)
        if (k->keys[i]->len == key->len && memcmp(k->keys[i]->str, key->str, key->len) == 0)
            return i + 1;
    return 0;
}

static void keyidx_add(struct keyidx *k, size_t pos)
{
    if (!k->hashed && k->n > 16) {
        moat_map_init(&k->map);
        k->hashed = true;
        for (size_t i = 0; i < k->n; i++)
            if (moat_map_put(&k->map, k->keys[i]->str, k->keys[i]->len,
                             (void *)(uintptr_t)(i + 1))) {
                /* keys are unique */
            }
    }
    if (k->hashed &&
        moat_map_put(&k->map, k->keys[pos]->str, k->keys[pos]->len, (void *)(uintptr_t)(pos + 1))) {
        /* keys are unique */
    }
}

struct mapbuild {
    struct keyidx idx;
    MOAT_VEC(struct cy_node *) vals;
    MOAT_VEC(struct cy_node *) keys;
    MOAT_VEC(bool) explicit_key;
};

/* Set key to val: a key already there keeps its place and takes the new
 * key node and value, as a Ruby hash does. */
static void map_set(struct mapbuild *mb, struct cy_node *key, struct cy_node *val, bool expl)
{
    size_t at;

    mb->idx.keys = mb->keys.v;
    mb->idx.n = mb->keys.n;
    at = keyidx_find(&mb->idx, key);
    if (at) {
        mb->keys.v[at - 1] = key;
        mb->vals.v[at - 1] = val;
        mb->explicit_key.v[at - 1] = mb->explicit_key.v[at - 1] || expl;
        return;
    }
    MOAT_VEC_PUSH(&mb->keys, key);
    MOAT_VEC_PUSH(&mb->vals, val);
    MOAT_VEC_PUSH(&mb->explicit_key, expl);
    mb->idx.keys = mb->keys.v;
    mb->idx.n = mb->keys.n;
    keyidx_add(&mb->idx, mb->keys.n - 1);
}

static bool is_merge_key(const struct cy_node *k)
{
    return k->len == 2 && memcmp(k->str, "<<", 2) == 0 && !(k->tag && strcmp(k->tag, TAG_STR) == 0);
}

/* What Psych merges: a mapping, or a sequence of mappings; anything else
 * under << stays an ordinary key. */
static bool mergeable(const struct cy_node *v)
{
    if (v->kind == CY_MAP)
        return true;
    if (v->kind != CY_SEQ)
        return false;
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i]->kind != CY_MAP)
            return false;
    return true;
}

static void build_index(struct loader *ld, struct cy_node *m)
{
    size_t cap = 64;
    struct cy_index *x;

    while (cap < m->n * 2)
        cap *= 2;
    x = moat_arena_alloc(ld->a, sizeof(*x) + cap * sizeof(x->slot[0]));
    memset(x->slot, 0, cap * sizeof(x->slot[0]));
    x->hkey = ld->doc->hkey;
    x->mask = cap - 1;
    for (size_t i = 0; i < m->n; i++) {
        size_t h = key_hash(x->hkey, m->keys[i]->str, m->keys[i]->len) & x->mask;
        while (x->slot[h])
            h = (h + 1) & x->mask;
        x->slot[h] = (uint32_t)(i + 1);
    }
    m->idx = x;
}

/* Build a mapping in source order as Psych does: `<<: map` overwrites what
 * the mapping has so far, keys after it overwrite the merged ones, and in
 * `<<: [a, b]` the earlier mapping wins. The same key twice outside merges
 * is an error, since tools disagree on which one counts. */
static int finish_map(struct loader *ld, struct frame *f)
{
    struct mapbuild mb;
    struct cy_node **it = f->items.v;
    size_t npairs = f->items.n / 2;
    int rc = 0;

    memset(&mb, 0, sizeof(mb));
    for (size_t i = 0; i < npairs; i++) {
        struct cy_node *k = it[2 * i], *v = it[2 * i + 1];
        if (k->kind != CY_SCALAR) {
            rc = moat_err_set(ld->err, MOAT_EPARSE,
                              "%u:%u: expected a plain key, found a %s used as a mapping key",
                              k->line, k->col, k->kind == CY_MAP ? "mapping" : "sequence");
            goto out;
        }
        if (is_merge_key(k) && mergeable(v)) {
            struct keyidx seen = { 0 };
            MOAT_VEC(struct cy_node *) seen_keys = { 0 };
            size_t nm = v->kind == CY_MAP ? 1 : v->n;
            for (size_t m = 0; m < nm; m++) {
                const struct cy_node *src = v->kind == CY_MAP ? v : v->items[m];
                for (size_t j = 0; j < src->n; j++) {
                    seen.keys = seen_keys.v;
                    seen.n = seen_keys.n;
                    if (keyidx_find(&seen, src->keys[j]))
                        continue; /* an earlier mapping of the list set it */
                    MOAT_VEC_PUSH(&seen_keys, src->keys[j]);
                    seen.keys = seen_keys.v;
                    seen.n = seen_keys.n;
                    keyidx_add(&seen, seen_keys.n - 1);
                    map_set(&mb, src->keys[j], src->items[j], false);
                }
            }
            if (seen.hashed)
                moat_map_release(&seen.map, NULL);
            free(seen_keys.v);
            continue;
        }
        mb.idx.keys = mb.keys.v;
        mb.idx.n = mb.keys.n;
        {
            size_t at = keyidx_find(&mb.idx, k);
            if (at && mb.explicit_key.v[at - 1]) {
                const struct cy_node *first = NULL;
                /* the first explicit occurrence, for the message */
                for (size_t j = 0; j < i && !first; j++)
                    if (it[2 * j]->len == k->len && !is_merge_key(it[2 * j]) &&
                        memcmp(it[2 * j]->str, k->str, k->len) == 0)
                        first = it[2 * j];
                rc = moat_err_set(ld->err, MOAT_EPARSE,
                                  "%u:%u: duplicate key '%.*s' (first at line %u): tools disagree "
                                  "on which one counts",
                                  k->line, k->col, (int)(k->len > 64 ? 64 : k->len), k->str,
                                  first ? first->line : mb.keys.v[at - 1]->line);
                goto out;
            }
        }
        map_set(&mb, k, v, true);
    }
    f->node->n = mb.keys.n;
    if (mb.keys.n) {
        f->node->keys = moat_arena_alloc(ld->a, mb.keys.n * sizeof(*f->node->keys));
        f->node->items = moat_arena_alloc(ld->a, mb.keys.n * sizeof(*f->node->items));
        memcpy(f->node->keys, mb.keys.v, mb.keys.n * sizeof(*f->node->keys));
        memcpy(f->node->items, mb.vals.v, mb.keys.n * sizeof(*f->node->items));
    }
    if (mb.keys.n > INDEX_MIN)
        build_index(ld, f->node);
out:
    if (mb.idx.hashed)
        moat_map_release(&mb.idx.map, NULL);
    free(mb.keys.v);
    free(mb.vals.v);
    free(mb.explicit_key.v);
    return rc;
}

static int on_end(struct loader *ld)
{
    struct frame *f = &ld->stack[ld->depth - 1];
    struct cy_node *n = f->node;
    size_t count = f->count;
    unsigned height = f->height;
    int rc;

    if (n->kind == CY_MAP) {
        if ((rc = finish_map(ld, f)) != 0)
            return rc;
    } else if (f->items.n) {
        n->n = f->items.n;
        n->items = moat_arena_alloc(ld->a, n->n * sizeof(*n->items));
        memcpy(n->items, f->items.v, n->n * sizeof(*n->items));
    }
    if (f->anchor) {
        f->anchor->count = count;
        f->anchor->height = height;
        f->anchor->open = false;
    }
    free(f->items.v);
    f->items.v = NULL;
    f->items.n = f->items.cap = 0;
    ld->depth--;
    add_child(ld, n, count, height);
    return 0;
}

static int on_alias(struct loader *ld, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    unsigned line = mk_line(ld, &ev->start_mark), col = mk_col(ld, &ev->start_mark);
    struct anchor *a = moat_map_get(&ld->anchors, name, strlen(name));

    if (!a)
        return moat_err_set(ld->err, MOAT_EPARSE, "%u:%u: alias *%s names no anchor before it",
                            line, col, name);
    if (a->open)
        return moat_err_set(ld->err, MOAT_EPARSE,
                            "%u:%u: alias *%s is inside the node it names (a cycle)", line, col,
                            name);
    if (ld->depth + a->height > CY_MAX_DEPTH)
        return moat_err_set(ld->err, MOAT_ETOOBIG, "%u:%u: alias *%s nests deeper than %d levels",
                            line, col, name, CY_MAX_DEPTH);
    /* counted before copying, so an alias bomb never gets expanded */
    if (a->count > CY_MAX_NODES || ld->nodes + a->count > CY_MAX_NODES)
        return moat_err_set(ld->err, MOAT_ETOOBIG, "%u:%u: alias *%s expands past %d YAML nodes",
                            line, col, name, CY_MAX_NODES);
    ld->nodes += a->count;
    add_child(ld, copy_tree(ld, a->node, line, col), a->count, a->height);
    return 0;
}

/* ---- documents ---- */

static int on_event(struct loader *ld, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (ld->doc->n == CY_MAX_DOCS)
            return moat_err_set(ld->err, MOAT_ETOOBIG, "%u:%u: more than %d YAML documents",
                                mk_line(ld, &ev->start_mark), mk_col(ld, &ev->start_mark),
                                CY_MAX_DOCS);
        /* anchors belong to their document */
        moat_map_release(&ld->anchors, NULL);
        ld->root = NULL;
        ld->have_root = false;
        return 0;
    case YAML_DOCUMENT_END_EVENT: {
        struct cy_node *r = ld->root;
        /* an empty document is a null, untagged, empty plain scalar */
        if (r && r->kind == CY_SCALAR && r->style == CY_PLAIN && !r->tag && r->len == 0)
            r = NULL;
        ld->doc->roots[ld->doc->n++] = r;
        return 0;
    }
    case YAML_SCALAR_EVENT: return on_scalar(ld, ev);
    case YAML_SEQUENCE_START_EVENT: return on_start(ld, ev, CY_SEQ);
    case YAML_MAPPING_START_EVENT: return on_start(ld, ev, CY_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_end(ld);
    case YAML_ALIAS_EVENT: return on_alias(ld, ev);
    default: return 0;
    }
}

int cy_load(const unsigned char *data, size_t len, struct cy_doc **out, struct moat_err *err)
{
    struct loader ld;
    yaml_parser_t yp;
    yaml_event_t ev;
    bool done = false;
    int rc = 0;

    *out = NULL;
    if (len > CY_MAX_BYTES)
        return moat_err_set(err, MOAT_ETOOBIG,
                            "1:1: %zu bytes, over the %u-byte limit of a YAML file", len,
                            CY_MAX_BYTES);
    memset(&ld, 0, sizeof(ld));
    ld.doc = moat_calloc(1, sizeof(*ld.doc));
    moat_arena_init(&ld.doc->arena, 0);
    ld.a = &ld.doc->arena;
    ld.err = err;
    ld.cur.p = data;
    ld.cur.len = len;
    /* libyaml drops a UTF-8 BOM before counting; UTF-16 it decodes, and then
     * its marks no longer map to our bytes */
    ld.exact = !(len >= 2 &&
                 ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)));
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        ld.cur.off = ld.cur.bol = 3;
    if (ld.exact)
        moat_linemap_init(&ld.lm, data, len);
    moat_map_init(&ld.anchors); /* initializes libsodium too */
    moat_hash_seed(ld.doc->hkey, sizeof(ld.doc->hkey));
    if (!yaml_parser_initialize(&yp))
        MOAT_BUG("libyaml out of memory");
    yaml_parser_set_input_string(&yp, data, len);
    while (!done) {
        if (!yaml_parser_parse(&yp, &ev)) {
            rc = syntax_error(&ld, &yp);
            goto out;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&ld, &ev);
        yaml_event_delete(&ev);
        if (rc != 0)
            goto out;
    }
    *out = ld.doc; /* success: the caller owns the tree */
    ld.doc = NULL;
out:
    yaml_parser_delete(&yp);
    for (size_t i = 0; i < ld.depth; i++)
        free(ld.stack[i].items.v);
    moat_map_release(&ld.anchors, NULL);
    free(ld.scratch.v);
    free(ld.lpos.v);
    moat_linemap_release(&ld.lm);
    cy_free(ld.doc);
    return rc;
}

void cy_free(struct cy_doc *d)
{
    if (!d)
        return;
    moat_arena_release(&d->arena);
    free(d);
}

size_t cy_ndocs(const struct cy_doc *d)
{
    return d ? d->n : 0;
}

const struct cy_node *cy_root(const struct cy_doc *d, size_t i)
{
    return d && i < d->n ? d->roots[i] : NULL;
}

const struct cy_node *cy_get(const struct cy_node *m, const char *key)
{
    size_t len;

    if (!m || m->kind != CY_MAP || !key)
        return NULL;
    len = strlen(key);
    if (m->idx) {
        const struct cy_index *x = m->idx;
        for (size_t h = key_hash(x->hkey, key, len) & x->mask; x->slot[h]; h = (h + 1) & x->mask) {
            const struct cy_node *k = m->keys[x->slot[h] - 1];
            if (k->len == len && memcmp(k->str, key, len) == 0)
                return m->items[x->slot[h] - 1];
        }
        return NULL;
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->keys[i]->len == len && memcmp(m->keys[i]->str, key, len) == 0)
            return m->items[i];
    return NULL;
}

const char *cy_str(const struct cy_node *n)
{
    return n && n->kind == CY_SCALAR ? n->str : NULL;
}

bool cy_is(const struct cy_node *n, const char *s)
{
    return n && n->kind == CY_SCALAR && s && n->len == strlen(s) && memcmp(n->str, s, n->len) == 0;
}

/* The entry of the source line holding byte off, or NULL when the node has
 * no map or is a copy (which takes effect at the alias, all of it). */
static const struct cy_lpos *lpos_at(const struct cy_node *n, size_t off)
{
    size_t lo = 0, hi;

    if (!n || n->kind != CY_SCALAR || !n->nlpos || n->line != n->src_line)
        return NULL;
    hi = n->nlpos;
    /* the last entry starting at or before off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->lpos[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &n->lpos[lo];
}

unsigned cy_line_at(const struct cy_node *n, size_t off)
{
    const struct cy_lpos *p = lpos_at(n, off);

    if (!n)
        return 0;
    return p ? p->line : n->line;
}

unsigned cy_col_at(const struct cy_node *n, size_t off)
{
    const struct cy_lpos *p = lpos_at(n, off);

    if (!n)
        return 0;
    if (p)
        return p->col + (unsigned)(off > p->off ? off - p->off : 0);
    if (n->kind != CY_SCALAR || n->line != n->src_line || n->style == CY_LITERAL ||
        n->style == CY_FOLDED || off > n->len)
        return n->col;
    /* one source line: the quote, then the text (exact unless escaped) */
    return n->col + (unsigned)off + (n->style == CY_SINGLE || n->style == CY_DOUBLE ? 1 : 0);
}
