/* .moat/config.yml: libyaml's event stream is read into a small bounded tree
 * (no aliases, no tags, limited depth, lengths and counts), which is then
 * checked key by key so every mistake names its file, line and what was expected. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include <moat/config.h>
#include <moat/scan.h>
#include "core/core.h"
#include "core/banned.h"

#define CFG_MAX_DEPTH   32     /* nested mappings and lists */
#define CFG_MAX_ITEMS   10000  /* entries in one list or mapping */
#define CFG_MAX_NODES   200000 /* nodes in the whole document */
#define CFG_MAX_STRING  (64u << 10)
#define CFG_MAX_RULE_ID 64
#define CFG_MAX_PATH    4096
#define CFG_MAX_ENTROPY 8.0 /* bits per byte cannot exceed 8 */

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ };

/* One node of the parsed document. A mapping's children alternate key and
 * value, which libyaml guarantees (a missing value is an empty scalar). */
struct ynode {
    enum ykind kind;
    bool plain;    /* unquoted scalar: only these can mean true, false or null */
    unsigned line; /* 1-based */
    const char *s; /* scalar text, NUL-terminated; never contains NUL */
    size_t len;
    size_t n; /* number of children */
    struct ynode *first, *last, *next;
};

struct cfgp {
    const char *name;
    struct moat_err *err;
    struct moat_arena arena; /* the tree; freed when parsing ends */
    size_t nodes;
    struct moat_linemap lm; /* libyaml's lines to moat's */
};

static int fail(const struct cfgp *p, int rc, unsigned line, const char *fmt, ...)
    MOAT_PRINTF(4, 5);

static int fail(const struct cfgp *p, int rc, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    /* A message cut short is still a message: truncation is acceptable here. */
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    if (line)
        return moat_err_set(p->err, rc, "%s:%u: %s", p->name, line, msg);
    return moat_err_set(p->err, rc, "%s: %s", p->name, msg);
}

/* Copy at most 40 bytes of s into out (48 bytes) for a message: control
 * characters become '?', and a cut never splits a UTF-8 sequence. */
static const char *quote(const char *s, size_t len, char *out)
{
    size_t n = len > 40 ? 40 : len, i;

    if (n < len)
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (n < len) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

static bool is_null(const struct ynode *n)
{
    if (!n)
        return true;
    if (n->kind != Y_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
           strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0;
}

/* "a mapping", "a list", "nothing" or the quoted scalar, for "got ..." */
static const char *got(const struct ynode *n, char *buf)
{
    char q[48];

    if (is_null(n))
        return "nothing";
    if (n->kind == Y_MAP)
        return "a mapping";
    if (n->kind == Y_SEQ)
        return "a list";
    if (moat_snprintf(buf, 64, "'%s'", quote(n->s, n->len, q)) != 0) {
        /* cannot happen: quote() output is at most 47 bytes */
    }
    return buf;
}

/* ---- building the tree from libyaml events ---- */

static int syntax_error(const struct cfgp *p, const yaml_parser_t *yp, const char *data, size_t len)
{
    const char *problem = yp->problem ? yp->problem : "unknown error";
    unsigned line = 1, col;

    switch (yp->error) {
    case YAML_MEMORY_ERROR: return fail(p, MOAT_EINTERNAL, 0, "libyaml ran out of memory");
    case YAML_READER_ERROR:
        /* the reader reports a byte offset, not a line: count the lines */
        for (size_t i = 0; i < yp->problem_offset && i < len; i++)
            line += data[i] == '\n';
        return fail(p, MOAT_EPARSE, line, "%s (byte offset %zu)", problem, yp->problem_offset);
    default: break;
    }
    line = moat_linemap_line(&p->lm, yp->problem_mark.line);
    col = moat_linemap_col(&p->lm, yp->problem_mark.line, (unsigned)yp->problem_mark.column + 1);
    if (yp->context)
        return moat_err_set(p->err, MOAT_EPARSE, "%s:%u:%u: YAML syntax error: %s (%s at line %u)",
                            p->name, line, col, problem, yp->context,
                            moat_linemap_line(&p->lm, yp->context_mark.line));
    return moat_err_set(p->err, MOAT_EPARSE, "%s:%u:%u: YAML syntax error: %s", p->name, line, col,
                        problem);
}

static struct ynode *node_new(struct cfgp *p, enum ykind kind, const yaml_event_t *ev)
{
    struct ynode *n = moat_arena_alloc(&p->arena, sizeof(*n));

    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = moat_linemap_line(&p->lm, ev->start_mark.line);
    return n;
}

/* Hang n under the innermost open collection, or make it the root. */
static int attach(struct cfgp *p, struct ynode **stack, size_t depth, struct ynode **root,
                  struct ynode *n)
{
    struct ynode *parent;

    if (++p->nodes > CFG_MAX_NODES)
        return fail(p, MOAT_ETOOBIG, n->line, "more than %d YAML nodes", CFG_MAX_NODES);
    if (depth == 0) {
        *root = n;
        return 0;
    }
    parent = stack[depth - 1];
    if (parent->n >= (parent->kind == Y_MAP ? 2 * CFG_MAX_ITEMS : CFG_MAX_ITEMS))
        return fail(p, MOAT_ETOOBIG, n->line, "more than %d entries in one list or mapping",
                    CFG_MAX_ITEMS);
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->n++;
    return 0;
}

static int check_tag(const struct cfgp *p, const yaml_event_t *ev, const yaml_char_t *tag)
{
    char q[48];

    if (!tag)
        return 0;
    return fail(p, MOAT_EPARSE, moat_linemap_line(&p->lm, ev->start_mark.line),
                "YAML tags (%s) are not allowed in moat's config",
                quote((const char *)tag, strlen((const char *)tag), q));
}

static int on_event(struct cfgp *p, const yaml_event_t *ev, struct ynode **stack, size_t *depth,
                    struct ynode **root, int *ndocs, bool *done)
{
    unsigned line = moat_linemap_line(&p->lm, ev->start_mark.line);
    struct ynode *n;
    char q[48];
    int rc;

    switch (ev->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT: return 0;
    case YAML_STREAM_END_EVENT: *done = true; return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++*ndocs > 1)
            return fail(p, MOAT_EPARSE, line, "expected one YAML document, found a second one");
        return 0;
    case YAML_ALIAS_EVENT: {
        const char *a = (const char *)ev->data.alias.anchor;
        /* Refused outright: expanding aliases is how YAML bombs explode. */
        return fail(p, MOAT_EPARSE, line, "YAML aliases (*%s) are not allowed in moat's config",
                    quote(a, strlen(a), q));
    }
    case YAML_SCALAR_EVENT:
        if ((rc = check_tag(p, ev, ev->data.scalar.tag)) != 0)
            return rc;
        if (ev->data.scalar.length > CFG_MAX_STRING)
            return fail(p, MOAT_ETOOBIG, line, "string of %zu bytes, over the %u-byte limit",
                        ev->data.scalar.length, CFG_MAX_STRING);
        if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
            return fail(p, MOAT_EPARSE, line, "strings may not contain NUL bytes");
        n = node_new(p, Y_SCALAR, ev);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->s = moat_arena_strndup(&p->arena, (const char *)ev->data.scalar.value,
                                  ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        return attach(p, stack, *depth, root, n);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        rc = check_tag(p, ev,
                       ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                                                             : ev->data.mapping_start.tag);
        if (rc != 0)
            return rc;
        if (*depth >= CFG_MAX_DEPTH)
            return fail(p, MOAT_ETOOBIG, line, "nested deeper than %d levels", CFG_MAX_DEPTH);
        n = node_new(p, ev->type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP, ev);
        if ((rc = attach(p, stack, *depth, root, n)) != 0)
            return rc;
        stack[(*depth)++] = n;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (*depth == 0)
            MOAT_BUG("libyaml closed a collection it never opened");
        (*depth)--;
        return 0;
    }
    return 0;
}

static int build_tree(struct cfgp *p, const char *data, size_t len, struct ynode **root)
{
    struct ynode *stack[CFG_MAX_DEPTH];
    yaml_parser_t yp;
    yaml_event_t ev;
    size_t depth = 0;
    int ndocs = 0, rc = 0;
    bool done = false;

    *root = NULL;
    if (!yaml_parser_initialize(&yp))
        return fail(p, MOAT_EINTERNAL, 0, "libyaml ran out of memory");
    yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&yp, (const unsigned char *)data, len);
    moat_linemap_init(&p->lm, (const unsigned char *)data, len);
    while (!done) {
        if (!yaml_parser_parse(&yp, &ev)) {
            rc = syntax_error(p, &yp, data, len);
            break;
        }
        rc = on_event(p, &ev, stack, &depth, root, &ndocs, &done);
        yaml_event_delete(&ev);
        if (rc != 0)
            break;
    }
    yaml_parser_delete(&yp);
    moat_linemap_release(&p->lm);
    return rc;
}

/* ---- checking the tree against the schema ---- */

/* Called for each key of a mapping, in the order of the file, with the key's
 * index in the key table and its value; errors then come in file order. */
typedef int (*field_fn)(const struct cfgp *p, size_t idx, const struct ynode *val, void *arg);

/* Walk a mapping whose keys must come from keys[], each at most once. null
 * is an empty mapping. ctx names the mapping in messages (NULL at the top
 * level); noun is "key" or "analyzer". */
static int map_walk(const struct cfgp *p, const struct ynode *map, const char *ctx,
                    const char *noun, const char *const *keys, size_t nkeys, field_fn fn, void *arg)
{
    const struct ynode *seen[8] = { NULL };
    char q[48], g[64];
    int rc;

    if (nkeys > 8)
        MOAT_BUG("map_walk: too many keys");
    if (is_null(map))
        return 0;
    if (map->kind != Y_MAP) {
        if (!ctx)
            return fail(p, MOAT_EPARSE, map->line, "expected a mapping at the top level, got %s",
                        got(map, g));
        return fail(p, MOAT_EPARSE, map->line, "%s: expected a mapping, got %s", ctx, got(map, g));
    }
    for (const struct ynode *k = map->first; k; k = k->next->next) {
        size_t i;
        if (!k->next)
            MOAT_BUG("libyaml produced a key without a value");
        if (k->kind != Y_SCALAR || is_null(k))
            return fail(p, MOAT_EPARSE, k->line, "%s%sexpected a key name, got %s", ctx ? ctx : "",
                        ctx ? ": " : "", got(k, g));
        for (i = 0; i < nkeys; i++)
            if (strcmp(k->s, keys[i]) == 0)
                break;
        if (i == nkeys) {
            char list[128] = "";
            size_t off = 0;
            for (size_t j = 0; j < nkeys; j++) {
                if (moat_snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "", keys[j]))
                    MOAT_BUG("map_walk: key list too long");
                off += strlen(list + off);
            }
            return fail(p, MOAT_EPARSE, k->line, "unknown %s '%s'%s%s (expected one of %s)", noun,
                        quote(k->s, k->len, q), ctx ? " in " : "", ctx ? ctx : "", list);
        }
        if (seen[i])
            return fail(p, MOAT_EPARSE, k->line, "duplicate %s '%s'%s%s (first at line %u)", noun,
                        keys[i], ctx ? " in " : "", ctx ? ctx : "", seen[i]->line);
        seen[i] = k;
        if ((rc = fn(p, i, k->next, arg)) != 0)
            return rc;
    }
    return 0;
}

enum {
    STR_PATTERN = 1 << 0, /* one line: joined with newlines into gitignore text */
    STR_RULE_ID = 1 << 1, /* kebab-case rule id */
    STR_RELPATH = 1 << 2, /* path inside the repository */
};

static bool valid_rule_id(const char *s, size_t len)
{
    if (len == 0 || len > CFG_MAX_RULE_ID || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '-' && s[i + 1] == '-')
            return false;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return false;
    }
    return true;
}

/* A relative path that stays inside the repository: no leading '/', no ".."
 * component, no control characters. */
static bool valid_relpath(const char *s, size_t len)
{
    const char *c = s;

    if (len > CFG_MAX_PATH || s[0] == '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    while (*c) {
        size_t seg = strcspn(c, "/");
        if (seg == 2 && c[0] == '.' && c[1] == '.')
            return false;
        c += seg;
        c += *c == '/';
    }
    return true;
}

/* Check that n is a non-empty string scalar that fits flags. */
static int want_string(const struct cfgp *p, const struct ynode *n, const char *ctx, unsigned flags)
{
    char q[48], g[64];

    if (is_null(n) || n->kind != Y_SCALAR)
        return fail(p, MOAT_EPARSE, n ? n->line : 0, "%s: expected a string, got %s", ctx,
                    got(n, g));
    if (n->len == 0)
        return fail(p, MOAT_EPARSE, n->line, "%s: expected a non-empty string", ctx);
    if ((flags & STR_PATTERN) && strpbrk(n->s, "\r\n"))
        return fail(p, MOAT_EPARSE, n->line, "%s: a pattern may not contain line breaks", ctx);
    if ((flags & STR_RULE_ID) && !valid_rule_id(n->s, n->len))
        return fail(p, MOAT_EPARSE, n->line,
                    "%s: invalid rule id '%s' (expected kebab-case: a-z, 0-9 and single '-', at "
                    "most %d characters)",
                    ctx, quote(n->s, n->len, q), CFG_MAX_RULE_ID);
    if ((flags & STR_RELPATH) && !valid_relpath(n->s, n->len))
        return fail(p, MOAT_EPARSE, n->line,
                    "%s: expected a relative path inside the repository, got '%s'", ctx,
                    quote(n->s, n->len, q));
    return 0;
}

/* Fill *out and *nout from a list of strings; null means an empty list. *out is
 * owned by the config being built, so a failure halfway leaks nothing. */
static int str_list(const struct cfgp *p, const struct ynode *n, const char *ctx, unsigned flags,
                    char ***out, size_t *nout)
{
    char g[64], ictx[128];
    int rc;

    if (is_null(n))
        return 0;
    if (n->kind != Y_SEQ)
        return fail(p, MOAT_EPARSE, n->line, "%s: expected a list of strings, got %s", ctx,
                    got(n, g));
    *out = moat_calloc(n->n, sizeof(**out));
    for (const struct ynode *it = n->first; it; it = it->next) {
        if (moat_snprintf(ictx, sizeof(ictx), "%s[%zu]", ctx, *nout) != 0) {
            /* a context cut short only shortens the message */
        }
        if ((rc = want_string(p, it, ictx, flags)) != 0)
            return rc;
        (*out)[(*nout)++] = moat_strndup(it->s, it->len);
    }
    return 0;
}

static int want_bool(const struct cfgp *p, const struct ynode *n, const char *ctx, bool *out)
{
    char g[64];

    if (n && n->kind == Y_SCALAR && n->plain && strcmp(n->s, "true") == 0)
        *out = true;
    else if (n && n->kind == Y_SCALAR && n->plain && strcmp(n->s, "false") == 0)
        *out = false;
    else if (n && n->kind == Y_SCALAR && !n->plain)
        return fail(p, MOAT_EPARSE, n->line, "%s: expected true or false, got a quoted string",
                    ctx);
    else
        return fail(p, MOAT_EPARSE, n ? n->line : 0, "%s: expected true or false, got %s", ctx,
                    got(n, g));
    return 0;
}

static int want_sev(const struct cfgp *p, const struct ynode *n, const char *ctx,
                    enum moat_sev *out)
{
    char g[64];

    if (is_null(n) || n->kind != Y_SCALAR || moat_sev_parse(n->s, out) != 0)
        return fail(p, MOAT_EPARSE, n ? n->line : 0,
                    "%s: expected one of info, low, medium, high, critical, got %s", ctx,
                    got(n, g));
    return 0;
}

static int want_entropy(const struct cfgp *p, const struct ynode *n, const char *ctx, double *out)
{
    char *end = NULL;
    char g[64];
    double x = 0;

    if (!is_null(n) && n->kind == Y_SCALAR && n->len > 0) {
        errno = 0;
        x = strtod(n->s, &end);
    }
    if (!end || end != n->s + n->len || errno != 0 || !(x >= 0 && x <= CFG_MAX_ENTROPY))
        return fail(p, MOAT_EPARSE, n ? n->line : 0,
                    "%s: expected a number from 0 to 8 (bits per character), got %s", ctx,
                    got(n, g));
    *out = x;
    return 0;
}

static const char *const analyzer_keys[] = { "secrets", "config", "deps", "sast" };
static const unsigned analyzer_bits[] = { MOAT_ANALYZER_SECRETS, MOAT_ANALYZER_CONFIG,
                                          MOAT_ANALYZER_DEPS, MOAT_ANALYZER_SAST };
#define NANALYZERS (sizeof(analyzer_keys) / sizeof(analyzer_keys[0]))

static int analyzer_field(const struct cfgp *p, size_t i, const struct ynode *v, void *arg)
{
    struct moat_config *c = arg;
    char ctx[32];
    bool on = false;
    int rc;

    if (moat_snprintf(ctx, sizeof(ctx), "analyzers.%s", analyzer_keys[i]) != 0)
        MOAT_BUG("analyzer name too long");
    if ((rc = want_bool(p, v, ctx, &on)) != 0)
        return rc;
    if (on)
        c->analyzers_on |= analyzer_bits[i];
    else
        c->analyzers_off |= analyzer_bits[i];
    return 0;
}

enum { R_ID, R_DESCRIPTION, R_REGEX, R_SEVERITY, R_KEYWORDS, R_ENTROPY, R_NKEYS };
static const char *const rule_keys[R_NKEYS] = { "id",       "description", "regex",
                                                "severity", "keywords",    "entropy" };

struct rule_arg {
    const char *ctx; /* "secrets.rules[N]" */
    struct moat_custom_rule *r;
};

static int rule_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct rule_arg *a = arg;
    struct moat_custom_rule *r = a->r;
    char sub[128];
    int rc = 0;

    if (moat_snprintf(sub, sizeof(sub), "%s.%s", a->ctx, rule_keys[k]) != 0) {
        /* a context cut short only shortens the message */
    }
    switch (k) {
    case R_ID:
        if ((rc = want_string(p, v, sub, STR_RULE_ID)) == 0)
            r->id = moat_strndup(v->s, v->len);
        break;
    case R_DESCRIPTION:
        if ((rc = want_string(p, v, sub, 0)) == 0)
            r->description = moat_strndup(v->s, v->len);
        break;
    case R_REGEX:
        /* stored as written: the secrets engine compiles it and reports errors */
        if ((rc = want_string(p, v, sub, 0)) == 0)
            r->regex = moat_strndup(v->s, v->len);
        break;
    case R_SEVERITY: rc = want_sev(p, v, sub, &r->sev); break;
    case R_KEYWORDS: rc = str_list(p, v, sub, 0, &r->keywords, &r->nkeywords); break;
    case R_ENTROPY: rc = want_entropy(p, v, sub, &r->min_entropy); break;
    default: MOAT_BUG("rule_field: unknown key index");
    }
    return rc;
}

static int parse_rule(const struct cfgp *p, const struct ynode *n, const char *ctx,
                      struct moat_custom_rule *r)
{
    struct rule_arg a = { ctx, r };
    char g[64];
    int rc;

    if (is_null(n) || n->kind != Y_MAP)
        return fail(p, MOAT_EPARSE, n->line, "%s: expected a mapping with id and regex, got %s",
                    ctx, got(n, g));
    r->sev = MOAT_SEV_HIGH; /* a leaked credential, unless the team says otherwise */
    if ((rc = map_walk(p, n, ctx, "key", rule_keys, R_NKEYS, rule_field, &a)) != 0)
        return rc;
    if (!r->id)
        return fail(p, MOAT_EPARSE, n->line, "%s: missing 'id'", ctx);
    if (!r->regex)
        return fail(p, MOAT_EPARSE, n->line, "%s: missing 'regex'", ctx);
    if (!r->description)
        r->description = moat_asprintf("custom rule %s", r->id);
    return 0;
}

static int parse_rules(const struct cfgp *p, const struct ynode *n, struct moat_config *c)
{
    struct moat_map ids;
    char ctx[64], g[64];
    int rc = 0;

    if (is_null(n))
        return 0;
    if (n->kind != Y_SEQ)
        return fail(p, MOAT_EPARSE, n->line, "secrets.rules: expected a list of rules, got %s",
                    got(n, g));
    moat_map_init(&ids);
    c->rules = moat_calloc(n->n, sizeof(*c->rules));
    for (const struct ynode *it = n->first; it; it = it->next) {
        struct moat_custom_rule *r = &c->rules[c->nrules++]; /* zeroed: safe to free */
        void *first;
        if (moat_snprintf(ctx, sizeof(ctx), "secrets.rules[%zu]", c->nrules - 1) != 0)
            MOAT_BUG("rule index too long");
        if ((rc = parse_rule(p, it, ctx, r)) != 0)
            goto out;
        /* the value is the line of the first definition, which is never 0 */
        first = moat_map_put(&ids, r->id, strlen(r->id), (void *)(uintptr_t)it->line);
        if (first) {
            rc = fail(p, MOAT_EPARSE, it->line, "%s: duplicate rule id '%s' (first at line %u)",
                      ctx, r->id, (unsigned)(uintptr_t)first);
            goto out;
        }
    }
out:
    moat_map_release(&ids, NULL);
    return rc;
}

enum { A_PATHS, A_REGEXES, A_VALUES, A_NKEYS };
static const char *const allow_keys[A_NKEYS] = { "paths", "regexes", "values" };

static int allow_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct moat_config *c = arg;

    switch (k) {
    case A_PATHS:
        return str_list(p, v, "secrets.allowlist.paths", STR_PATTERN, &c->allow_paths,
                        &c->nallow_paths);
    case A_REGEXES:
        return str_list(p, v, "secrets.allowlist.regexes", 0, &c->allow_regexes,
                        &c->nallow_regexes);
    case A_VALUES:
        return str_list(p, v, "secrets.allowlist.values", 0, &c->allow_values, &c->nallow_values);
    }
    MOAT_BUG("allow_field: unknown key index");
}

enum { S_DISABLE, S_RULES, S_ALLOWLIST, S_NKEYS };
static const char *const secrets_keys[S_NKEYS] = { "disable", "rules", "allowlist" };

static int secrets_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct moat_config *c = arg;

    switch (k) {
    case S_DISABLE:
        return str_list(p, v, "secrets.disable", STR_RULE_ID, &c->disabled_rules,
                        &c->ndisabled_rules);
    case S_RULES: return parse_rules(p, v, c);
    case S_ALLOWLIST:
        return map_walk(p, v, "secrets.allowlist", "key", allow_keys, A_NKEYS, allow_field, c);
    }
    MOAT_BUG("secrets_field: unknown key index");
}

/* Advisory ids and aliases (GHSA-xxxx-..., CVE-2024-1234, PYSEC-2021-1,
 * RUSTSEC-2020-0001) are not kebab-case, so ignore ids take a wider set. */
static bool valid_ignore_id(const char *s, size_t len)
{
    if (len == 0 || len > 128)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("-_.:", s[i])))
            return false;
    return true;
}

/* A real calendar date: "2026-02-30" is refused rather than read as March. */
static bool valid_date(const char *s, size_t len)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d;

    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

enum { I_ID, I_PATH, I_REASON, I_EXPIRES, I_NKEYS };
static const char *const ignore_keys[I_NKEYS] = { "id", "path", "reason", "expires" };

struct ignore_arg {
    const char *ctx; /* "ignore[N]" */
    struct moat_config_ignore *ig;
};

static int ignore_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct ignore_arg *a = arg;
    char sub[64], q[48];
    int rc;

    if (moat_snprintf(sub, sizeof(sub), "%s.%s", a->ctx, ignore_keys[k]) != 0) {
        /* a context cut short only shortens the message */
    }
    /* a date is a YAML timestamp, which libyaml hands over as a plain string */
    if ((rc = want_string(p, v, sub, k == I_PATH ? STR_PATTERN : 0)) != 0)
        return rc;
    switch (k) {
    case I_ID:
        if (!valid_ignore_id(v->s, v->len))
            return fail(p, MOAT_EPARSE, v->line,
                        "%s: expected a rule id or advisory id (letters, digits, - _ . :), got "
                        "'%s'",
                        sub, quote(v->s, v->len, q));
        a->ig->id = moat_strndup(v->s, v->len);
        return 0;
    case I_PATH: a->ig->path = moat_strndup(v->s, v->len); return 0;
    case I_REASON: a->ig->reason = moat_strndup(v->s, v->len); return 0;
    case I_EXPIRES:
        if (!valid_date(v->s, v->len))
            return fail(p, MOAT_EPARSE, v->line, "%s: expected a date YYYY-MM-DD, got '%s'", sub,
                        quote(v->s, v->len, q));
        memcpy(a->ig->expires, v->s, 10);
        a->ig->expires[10] = '\0';
        return 0;
    }
    MOAT_BUG("ignore_field: unknown key index");
}

static int parse_ignores(const struct cfgp *p, const struct ynode *n, struct moat_config *c)
{
    char ctx[32], g[64];
    int rc;

    if (is_null(n))
        return 0;
    if (n->kind != Y_SEQ)
        return fail(p, MOAT_EPARSE, n->line,
                    "ignore: expected a list of entries with id and reason, got %s", got(n, g));
    c->ignores = moat_calloc(n->n, sizeof(*c->ignores));
    for (const struct ynode *it = n->first; it; it = it->next) {
        struct moat_config_ignore *ig = &c->ignores[c->nignores++]; /* zeroed: safe to free */
        struct ignore_arg a = { ctx, ig };
        if (moat_snprintf(ctx, sizeof(ctx), "ignore[%zu]", c->nignores - 1) != 0)
            MOAT_BUG("ignore index too long");
        ig->line = it->line;
        if (is_null(it) || it->kind != Y_MAP)
            return fail(p, MOAT_EPARSE, it->line,
                        "%s: expected a mapping with id and reason, got %s", ctx, got(it, g));
        if ((rc = map_walk(p, it, ctx, "key", ignore_keys, I_NKEYS, ignore_field, &a)) != 0)
            return rc;
        if (!ig->id)
            return fail(p, MOAT_EPARSE, it->line, "%s: missing 'id'", ctx);
        if (!ig->reason)
            return fail(p, MOAT_EPARSE, it->line,
                        "%s: missing 'reason' (say why the finding is accepted)", ctx);
    }
    return 0;
}

#define CFG_MAX_DB_AGE 3650 /* days */

enum { D_MAX_DB_AGE, D_NKEYS };
static const char *const deps_keys[D_NKEYS] = { "max-db-age" };

static int deps_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct moat_config *c = arg;
    char g[64], *end = NULL;
    unsigned long days = 0;

    if (k != D_MAX_DB_AGE)
        MOAT_BUG("deps_field: unknown key index");
    if (!is_null(v) && v->kind == Y_SCALAR && v->plain && v->len > 0 && v->s[0] >= '0' &&
        v->s[0] <= '9') {
        errno = 0;
        days = strtoul(v->s, &end, 10);
    }
    if (!end || *end || errno != 0 || days < 1 || days > CFG_MAX_DB_AGE)
        return fail(p, MOAT_EPARSE, v ? v->line : 0,
                    "deps.max-db-age: expected a number of days from 1 to %d, got %s",
                    CFG_MAX_DB_AGE, got(v, g));
    c->db_max_age_days = (unsigned)days;
    return 0;
}

enum {
    T_ANALYZERS,
    T_FAIL_ON,
    T_BASELINE,
    T_EXCLUDE,
    T_SECRETS,
    T_IGNORE,
    T_INLINE_IGNORES,
    T_DEPS,
    T_NKEYS
};
static const char *const top_keys[T_NKEYS] = { "analyzers", "fail-on", "baseline",       "exclude",
                                               "secrets",   "ignore",  "inline-ignores", "deps" };

static int top_field(const struct cfgp *p, size_t k, const struct ynode *v, void *arg)
{
    struct moat_config *c = arg;
    int rc;

    switch (k) {
    case T_ANALYZERS:
        return map_walk(p, v, "analyzers", "analyzer", analyzer_keys, NANALYZERS, analyzer_field,
                        c);
    case T_FAIL_ON:
        if ((rc = want_sev(p, v, "fail-on", &c->fail_on)) != 0)
            return rc;
        c->has_fail_on = true;
        return 0;
    case T_BASELINE:
        if ((rc = want_string(p, v, "baseline", STR_RELPATH)) != 0)
            return rc;
        c->baseline = moat_strndup(v->s, v->len);
        return 0;
    case T_EXCLUDE: return str_list(p, v, "exclude", STR_PATTERN, &c->exclude, &c->nexclude);
    case T_SECRETS:
        return map_walk(p, v, "secrets", "key", secrets_keys, S_NKEYS, secrets_field, c);
    case T_IGNORE: return parse_ignores(p, v, c);
    case T_INLINE_IGNORES: {
        bool on = true;
        if ((rc = want_bool(p, v, "inline-ignores", &on)) != 0)
            return rc;
        c->no_inline_ignores = !on;
        return 0;
    }
    case T_DEPS: return map_walk(p, v, "deps", "key", deps_keys, D_NKEYS, deps_field, c);
    }
    MOAT_BUG("top_field: unknown key index");
}

int moat_config_parse(const char *name, const char *data, size_t len, struct moat_config **out,
                      struct moat_err *err)
{
    struct cfgp p = { name ? name : "<config>", err, { NULL, 0 }, 0, { NULL, NULL, 0 } };
    struct moat_config *c = NULL;
    struct ynode *root = NULL;
    int rc;

    *out = NULL;
    moat_arena_init(&p.arena, 0);
    if (len > MOAT_CONFIG_MAX) {
        rc = fail(&p, MOAT_ETOOBIG, 0, "%zu bytes, over the %u-byte limit", len, MOAT_CONFIG_MAX);
        goto out;
    }
    /* libyaml asserts its input is not NULL, even when empty */
    if ((rc = build_tree(&p, data ? data : "", data ? len : 0, &root)) != 0)
        goto out;
    c = moat_calloc(1, sizeof(*c));
    c->source = moat_strdup(p.name);
    if ((rc = map_walk(&p, root, NULL, "key", top_keys, T_NKEYS, top_field, c)) != 0)
        goto out;
    *out = c;
    c = NULL;
out:
    moat_config_free(c);
    moat_arena_release(&p.arena);
    return rc;
}

int moat_config_load(const char *root, struct moat_config **out, struct moat_err *err)
{
    struct moat_buf raw = MOAT_BUF_INIT(MOAT_CONFIG_MAX);
    struct moat_err rerr = { 0, "" };
    size_t rlen = strlen(root);
    char *dir = NULL, *path = NULL;
    struct stat st;
    int rc;

    *out = NULL;
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (rlen == 0 || (rlen == 1 && root[0] == '.')) {
        /* messages then read ".moat/config.yml:3: ...", as users see the path */
        dir = moat_strdup(".moat");
        path = moat_strdup(MOAT_CONFIG_PATH);
    } else {
        const char *sep = root[rlen - 1] == '/' ? "" : "/";
        dir = moat_asprintf("%.*s%s.moat", (int)rlen, root, sep);
        path = moat_asprintf("%.*s%s%s", (int)rlen, root, sep, MOAT_CONFIG_PATH);
    }
    /* moat_fs_read refuses a symlinked config.yml; refuse a symlinked .moat/
     * too, so a repository cannot point moat at a config outside itself. */
    if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
        rc =
            moat_err_set(err, MOAT_ELOOP, "%s: is a symbolic link; refusing to read %s", dir, path);
        goto out;
    }
    rc = moat_fs_read(path, &raw, &rerr);
    if (rc == MOAT_ENOENT) {
        *out = moat_calloc(1, sizeof(**out)); /* no config: every default */
        rc = MOAT_OK;
        goto out;
    }
    if (rc != 0) {
        moat_err_set(err, rc, "%s", rerr.msg);
        goto out;
    }
    rc = moat_config_parse(path, raw.data, raw.len, out, err);
out:
    moat_buf_release(&raw);
    free(dir);
    free(path);
    return rc;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void moat_config_free(struct moat_config *c)
{
    if (!c)
        return;
    free(c->source);
    free(c->baseline);
    free_strv(c->exclude, c->nexclude);
    for (size_t i = 0; i < c->nrules; i++) {
        struct moat_custom_rule *r = &c->rules[i];
        free(r->id);
        free(r->description);
        free(r->regex);
        free_strv(r->keywords, r->nkeywords);
    }
    free(c->rules);
    free_strv(c->disabled_rules, c->ndisabled_rules);
    free_strv(c->allow_paths, c->nallow_paths);
    free_strv(c->allow_regexes, c->nallow_regexes);
    free_strv(c->allow_values, c->nallow_values);
    for (size_t i = 0; i < c->nignores; i++) {
        free(c->ignores[i].id);
        free(c->ignores[i].path);
        free(c->ignores[i].reason);
    }
    free(c->ignores);
    free(c);
}
