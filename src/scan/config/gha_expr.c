/* The `${{ }}` expression scanner of the GitHub Actions audits: finds the
 * expressions in a string, parses them into a small tree (the grammar of
 * GitHub's expression language), and tells which context values can reach
 * the result, as opposed to the ones that are only tested. */
#include <string.h>
#include "config.h"
#include "core/banned.h"

#define PATH_MAX_LEN 512 /* of one normalized path; longer paths are cut */
#define MAX_ARGS     64  /* of one call, and computed indexes of one path */

bool gha_expr_find(const char *s, size_t len, size_t *pos, size_t *start, size_t *end)
{
    for (size_t i = *pos; i + 3 <= len; i++) {
        bool quoted = false;
        size_t j;

        if (s[i] != '$' || s[i + 1] != '{' || s[i + 2] != '{')
            continue;
        for (j = i + 3; j < len; j++) {
            if (quoted) {
                /* '' is a quote inside a string */
                if (s[j] == '\'' && j + 1 < len && s[j + 1] == '\'')
                    j++;
                else if (s[j] == '\'')
                    quoted = false;
            } else if (s[j] == '\'') {
                quoted = true;
            } else if (s[j] == '}' && j + 1 < len && s[j + 1] == '}') {
                break;
            }
        }
        if (j >= len)
            break;
        *start = i;
        *end = j + 2;
        *pos = j + 2;
        return true;
    }
    *pos = len;
    return false;
}

struct parser {
    struct moat_arena *a;
    const char *s;
    size_t len, i;
    int depth;
    bool bad;
};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_ws(struct parser *p)
{
    while (p->i < p->len && is_space(p->s[p->i]))
        p->i++;
}

static bool peek(struct parser *p, const char *tok)
{
    size_t n = strlen(tok);

    skip_ws(p);
    return p->len - p->i >= n && memcmp(p->s + p->i, tok, n) == 0;
}

static bool accept(struct parser *p, const char *tok)
{
    if (!peek(p, tok))
        return false;
    p->i += strlen(tok);
    return true;
}

static void expect(struct parser *p, const char *tok)
{
    if (!accept(p, tok))
        p->bad = true;
}

static struct gha_expr *node(struct parser *p, enum gha_ek k, const char *s, size_t n)
{
    struct gha_expr *e = moat_arena_alloc(p->a, sizeof(*e));

    e->k = k;
    e->s = s;
    e->n = n;
    e->a = n ? moat_arena_alloc(p->a, n * sizeof(*e->a)) : NULL;
    for (size_t i = 0; i < n; i++)
        e->a[i] = NULL;
    return e;
}

static struct gha_expr *binary(struct parser *p, enum gha_ek k, const char *op, struct gha_expr *l,
                               struct gha_expr *r)
{
    struct gha_expr *e = node(p, k, op, 2);

    e->a[0] = l;
    e->a[1] = r;
    return e;
}

static struct gha_expr *parse_or(struct parser *p);

/* 'it''s' -> it's */
static struct gha_expr *string_lit(struct parser *p)
{
    size_t start = ++p->i, n = 0;
    char *v;

    for (; p->i < p->len; p->i++) {
        if (p->s[p->i] == '\'') {
            if (p->i + 1 < p->len && p->s[p->i + 1] == '\'') {
                p->i++;
                continue;
            }
            break;
        }
    }
    if (p->i >= p->len) {
        p->bad = true;
        return NULL;
    }
    v = moat_arena_alloc(p->a, p->i - start + 1);
    for (size_t j = start; j < p->i; j++) {
        v[n++] = p->s[j];
        if (p->s[j] == '\'')
            j++;
    }
    v[n] = '\0';
    p->i++;
    return node(p, GHA_E_STR, v, 0);
}

static struct gha_expr *number_lit(struct parser *p)
{
    size_t start = p->i;

    if (p->s[p->i] == '-' || p->s[p->i] == '+')
        p->i++;
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (is_ident(c) || c == '.' || ((c == '+' || c == '-') && (lower(p->s[p->i - 1]) == 'e')))
            p->i++;
        else
            break;
    }
    return node(p, GHA_E_LIT, moat_arena_strndup(p->a, p->s + start, p->i - start), 0);
}

static void path_add(char *buf, size_t *bl, const char *seg, size_t n, bool dot)
{
    if (dot && *bl < PATH_MAX_LEN - 1)
        buf[(*bl)++] = '.';
    for (size_t i = 0; i < n && *bl < PATH_MAX_LEN - 1; i++)
        buf[(*bl)++] = lower(seg[i]);
    buf[*bl] = '\0';
}

/* A computed index: a string literal is a property name, anything else
 * (numbers, expressions) could be any element. */
static const char *index_seg(const struct gha_expr *ix, size_t *n)
{
    if (ix && ix->k == GHA_E_STR) {
        *n = strlen(ix->s);
        return ix->s;
    }
    *n = 1;
    return "*";
}

/* Context access: ident ( .ident | .* | [expr] )*, built as one path. */
static struct gha_expr *path_expr(struct parser *p)
{
    char buf[PATH_MAX_LEN];
    struct gha_expr *dyn[MAX_ARGS], *e;
    size_t bl = 0, ndyn = 0, start = p->i;

    while (p->i < p->len && is_ident(p->s[p->i]))
        p->i++;
    path_add(buf, &bl, p->s + start, p->i - start, false);
    for (;;) {
        if (accept(p, ".")) {
            skip_ws(p);
            if (p->i < p->len && p->s[p->i] == '*') {
                p->i++;
                path_add(buf, &bl, "*", 1, true);
            } else if (p->i < p->len && is_ident_start(p->s[p->i])) {
                start = p->i;
                while (p->i < p->len && is_ident(p->s[p->i]))
                    p->i++;
                path_add(buf, &bl, p->s + start, p->i - start, true);
            } else {
                p->bad = true;
                return NULL;
            }
        } else if (accept(p, "[")) {
            struct gha_expr *ix = parse_or(p);
            const char *seg;
            size_t n;
            expect(p, "]");
            if (p->bad)
                return NULL;
            seg = index_seg(ix, &n);
            path_add(buf, &bl, seg, n, true);
            if (ix->k != GHA_E_STR && ix->k != GHA_E_LIT && ndyn < MAX_ARGS)
                dyn[ndyn++] = ix;
        } else {
            break;
        }
    }
    e = node(p, GHA_E_PATH, moat_arena_strndup(p->a, buf, bl), ndyn);
    for (size_t i = 0; i < ndyn; i++)
        e->a[i] = dyn[i];
    return e;
}

static struct gha_expr *call_expr(struct parser *p, const char *name, size_t nlen)
{
    struct gha_expr *args[MAX_ARGS], *e;
    size_t n = 0;
    char *lname = moat_arena_strndup(p->a, name, nlen);

    for (size_t i = 0; i < nlen; i++)
        lname[i] = lower(lname[i]);
    expect(p, "(");
    if (!accept(p, ")")) {
        do {
            struct gha_expr *arg = parse_or(p);
            if (p->bad)
                return NULL;
            if (n < MAX_ARGS)
                args[n++] = arg;
        } while (accept(p, ","));
        expect(p, ")");
    }
    if (p->bad)
        return NULL;
    e = node(p, GHA_E_CALL, lname, n);
    for (size_t i = 0; i < n; i++)
        e->a[i] = args[i];
    return e;
}

static struct gha_expr *primary(struct parser *p)
{
    char c;

    skip_ws(p);
    if (p->i >= p->len) {
        p->bad = true;
        return NULL;
    }
    c = p->s[p->i];
    if (c == '(') {
        struct gha_expr *e;
        p->i++;
        e = parse_or(p);
        expect(p, ")");
        return p->bad ? NULL : e;
    }
    if (c == '\'')
        return string_lit(p);
    if (is_digit(c) || ((c == '-' || c == '+' || c == '.') && p->i + 1 < p->len &&
                        (is_digit(p->s[p->i + 1]) || p->s[p->i + 1] == '.')))
        return number_lit(p);
    if (is_ident_start(c)) {
        size_t start = p->i, n;
        const char *w = p->s + start;
        while (p->i < p->len && is_ident(p->s[p->i]))
            p->i++;
        n = p->i - start;
        if (peek(p, "("))
            return call_expr(p, w, n);
        if ((n == 4 && (memcmp(w, "true", 4) == 0 || memcmp(w, "null", 4) == 0)) ||
            (n == 5 && memcmp(w, "false", 5) == 0) || (n == 8 && memcmp(w, "Infinity", 8) == 0) ||
            (n == 3 && memcmp(w, "NaN", 3) == 0))
            return node(p, GHA_E_LIT, moat_arena_strndup(p->a, w, n), 0);
        p->i = start;
        return path_expr(p);
    }
    p->bad = true;
    return NULL;
}

/* Properties and indexes of what is not a context (a call's result, a
 * parenthesized expression). */
static struct gha_expr *postfix(struct parser *p)
{
    /* a context's own properties are already part of its path */
    struct gha_expr *e = primary(p);

    while (!p->bad) {
        struct gha_expr *m;
        if (accept(p, ".")) {
            skip_ws(p);
            if (p->i < p->len && p->s[p->i] == '*')
                p->i++;
            else if (p->i < p->len && is_ident_start(p->s[p->i]))
                while (p->i < p->len && is_ident(p->s[p->i]))
                    p->i++;
            else
                p->bad = true;
            m = node(p, GHA_E_MEMBER, ".", 1);
            m->a[0] = e;
            e = m;
        } else if (accept(p, "[")) {
            struct gha_expr *ix = parse_or(p);
            expect(p, "]");
            m = node(p, GHA_E_MEMBER, "[", 2);
            m->a[0] = e;
            m->a[1] = ix;
            e = m;
        } else {
            break;
        }
    }
    return p->bad ? NULL : e;
}

static struct gha_expr *unary(struct parser *p)
{
    struct gha_expr *e;

    if (!peek(p, "!=") && accept(p, "!")) {
        if (++p->depth > GHA_EXPR_MAX_DEPTH) {
            p->bad = true;
            return NULL;
        }
        e = node(p, GHA_E_NOT, "!", 1);
        e->a[0] = unary(p);
        p->depth--;
        return p->bad ? NULL : e;
    }
    return postfix(p);
}

static struct gha_expr *relational(struct parser *p)
{
    struct gha_expr *e = unary(p);
    static const char *const ops[] = { "<=", ">=", "<", ">" };

    while (!p->bad) {
        size_t k;
        for (k = 0; k < 4; k++)
            if (accept(p, ops[k]))
                break;
        if (k == 4)
            break;
        e = binary(p, GHA_E_CMP, ops[k], e, unary(p));
    }
    return e;
}

static struct gha_expr *equality(struct parser *p)
{
    struct gha_expr *e = relational(p);

    while (!p->bad) {
        if (accept(p, "=="))
            e = binary(p, GHA_E_CMP, "==", e, relational(p));
        else if (accept(p, "!="))
            e = binary(p, GHA_E_CMP, "!=", e, relational(p));
        else
            break;
    }
    return e;
}

static struct gha_expr *conjunction(struct parser *p)
{
    struct gha_expr *e = equality(p);

    while (!p->bad && accept(p, "&&"))
        e = binary(p, GHA_E_AND, "&&", e, equality(p));
    return e;
}

static struct gha_expr *parse_or(struct parser *p)
{
    struct gha_expr *e;

    if (++p->depth > GHA_EXPR_MAX_DEPTH) {
        p->bad = true;
        return NULL;
    }
    e = conjunction(p);
    while (!p->bad && accept(p, "||"))
        e = binary(p, GHA_E_OR, "||", e, conjunction(p));
    p->depth--;
    return p->bad ? NULL : e;
}

struct gha_expr *gha_expr_parse(struct moat_arena *a, const char *s, size_t len)
{
    struct parser p = { a, s, len, 0, 0, false };
    struct gha_expr *e = parse_or(&p);

    skip_ws(&p);
    if (p.bad || !e || p.i != p.len)
        return NULL;
    return e;
}

/* Functions whose result is a boolean, a number or a hash: whatever goes in,
 * no attacker text comes out. */
static bool opaque_call(const char *name)
{
    static const char *const names[] = { "contains", "startswith", "endswith",  "success",
                                         "always",   "failure",    "cancelled", "hashfiles" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

void gha_expr_values(const struct gha_expr *e, void (*fn)(void *arg, const char *path), void *arg)
{
    if (!e)
        return;
    switch (e->k) {
    case GHA_E_LIT:
    case GHA_E_STR:
    case GHA_E_NOT:
    case GHA_E_CMP: break;
    case GHA_E_PATH: fn(arg, e->s); break;
    case GHA_E_MEMBER: gha_expr_values(e->a[0], fn, arg); break;
    case GHA_E_AND:
        /* a && b yields a only when a is falsy: '', 0, null, false */
        gha_expr_values(e->a[1], fn, arg);
        break;
    case GHA_E_OR:
        gha_expr_values(e->a[0], fn, arg);
        gha_expr_values(e->a[1], fn, arg);
        break;
    case GHA_E_CALL:
        if (opaque_call(e->s))
            break;
        for (size_t i = 0; i < e->n; i++) {
            /* case(pred, value, ..., default): predicates are only tested */
            if (strcmp(e->s, "case") == 0 && i % 2 == 0 && !(e->n % 2 == 1 && i == e->n - 1))
                continue;
            gha_expr_values(e->a[i], fn, arg);
        }
        break;
    }
}

void gha_expr_paths(const struct gha_expr *e, void (*fn)(void *arg, const char *path), void *arg)
{
    if (!e)
        return;
    if (e->k == GHA_E_PATH)
        fn(arg, e->s);
    for (size_t i = 0; i < e->n; i++)
        gha_expr_paths(e->a[i], fn, arg);
}

static bool path_ends(const struct gha_expr *e, const char *suffix)
{
    size_t n, m = strlen(suffix);

    if (!e || e->k != GHA_E_PATH)
        return false;
    n = strlen(e->s);
    return n >= m && strcmp(e->s + n - m, suffix) == 0 && (n == m || e->s[n - m - 1] == '.');
}

static bool path_is(const struct gha_expr *e, const char *path)
{
    return e && e->k == GHA_E_PATH && strcmp(e->s, path) == 0;
}

static bool lit_is(const struct gha_expr *e, const char *v)
{
    return e && (e->k == GHA_E_LIT || e->k == GHA_E_STR) && strcmp(e->s, v) == 0;
}

static bool head_repo(const struct gha_expr *e, const char *field)
{
    char a[64], b[64];

    if (moat_snprintf(a, sizeof(a), "head.repo.%s", field) != 0 ||
        moat_snprintf(b, sizeof(b), "head_repository.%s", field) != 0)
        return false;
    return path_ends(e, a) || path_ends(e, b);
}

/* The repository itself: github.repository, or its name written out. */
static bool this_repo(const struct gha_expr *e)
{
    return path_is(e, "github.repository") || (e && e->k == GHA_E_STR && strchr(e->s, '/'));
}

/* The pull request's author is Dependabot, which only opens pull requests from
 * branches of the repository itself. Unlike github.actor (whoever caused the
 * latest event, which Dependabot can be on a fork's branch), the author cannot
 * be spoofed. */
static bool dependabot_author(const struct gha_expr *l, const struct gha_expr *r)
{
    return path_is(l, "github.event.pull_request.user.login") && r &&
           (r->k == GHA_E_LIT || r->k == GHA_E_STR) && strcasecmp(r->s, "dependabot[bot]") == 0;
}

static bool same_repo_cmp(const struct gha_expr *e)
{
    const struct gha_expr *l = e->a[0], *r = e->a[1];

    if (strcmp(e->s, "==") == 0) {
        if (dependabot_author(l, r) || dependabot_author(r, l))
            return true;
        if ((head_repo(l, "full_name") && this_repo(r)) ||
            (head_repo(r, "full_name") && this_repo(l)))
            return true;
        if ((head_repo(l, "owner.login") && path_is(r, "github.repository_owner")) ||
            (head_repo(r, "owner.login") && path_is(l, "github.repository_owner")))
            return true;
        if ((head_repo(l, "id") && path_is(r, "github.repository_id")) ||
            (head_repo(r, "id") && path_is(l, "github.repository_id")))
            return true;
        if ((head_repo(l, "fork") && lit_is(r, "false")) ||
            (head_repo(r, "fork") && lit_is(l, "false")))
            return true;
    }
    if (strcmp(e->s, "!=") == 0)
        return (head_repo(l, "fork") && lit_is(r, "true")) ||
               (head_repo(r, "fork") && lit_is(l, "true"));
    return false;
}

bool gha_expr_same_repo(const struct gha_expr *e)
{
    if (!e)
        return false;
    switch (e->k) {
    case GHA_E_AND: return gha_expr_same_repo(e->a[0]) || gha_expr_same_repo(e->a[1]);
    case GHA_E_OR: return gha_expr_same_repo(e->a[0]) && gha_expr_same_repo(e->a[1]);
    case GHA_E_NOT: return head_repo(e->a[0], "fork");
    case GHA_E_CMP: return same_repo_cmp(e);
    default: return false;
    }
}

static void secrets_value(void *arg, const char *path)
{
    if (strcmp(path, "secrets") == 0)
        *(bool *)arg = true;
}

static bool dumps(const struct gha_expr *e)
{
    if (!e)
        return false;
    if (e->k == GHA_E_CALL && strcmp(e->s, "tojson") == 0 && e->n >= 1 &&
        path_is(e->a[0], "secrets"))
        return true;
    for (size_t i = 0; i < e->n; i++)
        if (dumps(e->a[i]))
            return true;
    return false;
}

bool gha_expr_dumps_secrets(const struct gha_expr *e)
{
    bool whole = false;

    /* ${{ secrets }} renders the context as JSON too */
    gha_expr_values(e, secrets_value, &whole);
    return whole || dumps(e);
}

/* Next segment of a dotted path: [*p, end). */
static size_t seg(const char **p)
{
    const char *s = *p, *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);

    *p = dot ? dot + 1 : s + n;
    return n;
}

enum gha_pm gha_path_match(const char *path, const char *pattern)
{
    const char *p = path, *q = pattern;

    /* most paths and patterns differ at once: github.* vs env.*, steps.* */
    if (p[0] && q[0] && p[0] != q[0] && p[0] != '*' && q[0] != '*')
        return GHA_PM_NONE;
    for (;;) {
        const char *ps = p, *qs = q;
        bool pend = *p == '\0', qend = *q == '\0';
        size_t pn, qn;

        if (qend)
            return GHA_PM_MATCH; /* the pattern or below it */
        if (pend)
            return GHA_PM_CONTAINS;
        pn = seg(&p);
        qn = seg(&q);
        if ((pn == 1 && ps[0] == '*') || (qn == 1 && qs[0] == '*'))
            continue;
        if (pn != qn || memcmp(ps, qs, pn) != 0)
            return GHA_PM_NONE;
    }
}
