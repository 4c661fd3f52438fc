/* PyPI versions: PEP 440 parsing (with every alternate spelling the spec
 * normalizes) and ordering, as the `packaging` library does. A string that
 * is not PEP 440 is refused: pre-PEP 440 "legacy" versions are not guessed. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "deps.h"
#include "core/banned.h"

/* Each release or local segment takes at least two bytes but the first */
#define MAX_SEGS (DEPS_MAX_VERSION / 2 + 1)

struct span {
    const char *p;
    size_t n;
};

enum { PRE_A, PRE_B, PRE_RC };

struct pep440 {
    struct span epoch; /* n == 0: epoch 0 */
    struct span rel[MAX_SEGS];
    size_t nrel;
    bool has_pre, has_post, has_dev;
    int pre_kind;                /* PRE_* */
    struct span pre, post, dev;  /* numbers; n == 0 means 0 */
    struct span local[MAX_SEGS]; /* each lowercase-compared */
    size_t nlocal;               /* 0: no local version */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
    c = lower(c);
    return is_digit(c) || (c >= 'a' && c <= 'z');
}

/* Python's \s over ASCII, which packaging allows around a version */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool is_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

/* Case-insensitive prefix match of word at p; advances p on success. */
static bool word(const char **p, const char *end, const char *w)
{
    size_t n = strlen(w);

    if ((size_t)(end - *p) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((*p)[i]) != w[i])
            return false;
    *p += n;
    return true;
}

static void digits(const char **p, const char *end, struct span *out)
{
    out->p = *p;
    while (*p < end && is_digit(**p))
        (*p)++;
    out->n = (size_t)(*p - out->p);
}

static void opt_sep(const char **p, const char *end)
{
    if (*p < end && is_sep(**p))
        (*p)++;
}

/* The labels of one group, longest spelling first: a shorter one that is a
 * prefix ("a" of "alpha") would leave letters nothing else can take, so
 * trying the longest first picks what packaging's regex backtracks to. */
static bool pre_label(const char **p, const char *end, int *kind)
{
    static const struct {
        const char *w;
        int kind;
    } labels[] = {
        { "alpha", PRE_A },    { "a", PRE_A },    { "beta", PRE_B }, { "b", PRE_B },
        { "preview", PRE_RC }, { "pre", PRE_RC }, { "c", PRE_RC },   { "rc", PRE_RC },
    };

    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (word(p, end, labels[i].w)) {
            *kind = labels[i].kind;
            return true;
        }
    }
    return false;
}

/* Parse one version; every optional group consumes its separators greedily,
 * which accepts exactly what the PEP 440 regex accepts because the next
 * group's leading separator is optional too. */
static int parse(const char *s, struct pep440 *v)
{
    const char *p = s, *end, *save;
    struct span num;
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1);

    /* the segment arrays hold what DEPS_MAX_VERSION bytes can spell */
    if (len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    end = s + len;
    memset(v, 0, sizeof(*v));
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p < end && lower(*p) == 'v')
        p++;

    digits(&p, end, &num);
    if (num.n > 0 && p < end && *p == '!') {
        v->epoch = num;
        p++;
        digits(&p, end, &num);
    }
    if (num.n == 0)
        return MOAT_EINVAL;
    v->rel[v->nrel++] = num;
    while (p + 1 < end && *p == '.' && is_digit(p[1])) {
        p++;
        digits(&p, end, &v->rel[v->nrel++]);
    }

    save = p;
    opt_sep(&p, end);
    if (pre_label(&p, end, &v->pre_kind)) {
        v->has_pre = true;
        opt_sep(&p, end);
        digits(&p, end, &v->pre);
    } else {
        p = save;
    }

    if (p + 1 < end && *p == '-' && is_digit(p[1])) {
        p++; /* the implicit post release: 1.0-1 */
        v->has_post = true;
        digits(&p, end, &v->post);
    } else {
        save = p;
        opt_sep(&p, end);
        if (word(&p, end, "post") || word(&p, end, "rev") || word(&p, end, "r")) {
            v->has_post = true;
            opt_sep(&p, end);
            digits(&p, end, &v->post);
        } else {
            p = save;
        }
    }

    save = p;
    opt_sep(&p, end);
    if (word(&p, end, "dev")) {
        v->has_dev = true;
        opt_sep(&p, end);
        digits(&p, end, &v->dev);
    } else {
        p = save;
    }

    if (p < end && *p == '+') {
        do {
            struct span *seg = &v->local[v->nlocal++];
            p++;
            seg->p = p;
            while (p < end && is_alnum(*p))
                p++;
            seg->n = (size_t)(p - seg->p);
            if (seg->n == 0)
                return MOAT_EINVAL;
        } while (p < end && is_sep(*p));
    }
    return p == end ? 0 : MOAT_EINVAL;
}

static bool all_digits(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}

/* Lowercased bytewise order, as Python compares the lowered strings. */
static int text_cmp(struct span a, struct span b)
{
    size_t n = a.n < b.n ? a.n : b.n;

    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)lower(a.p[i]), y = (unsigned char)lower(b.p[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (a.n > b.n) - (a.n < b.n);
}

/* packaging's local key: numeric segments rank above alphanumeric ones;
 * a local version that extends another one ranks above it. */
static int local_cmp(const struct pep440 *a, const struct pep440 *b)
{
    size_t n = a->nlocal < b->nlocal ? a->nlocal : b->nlocal;

    for (size_t i = 0; i < n; i++) {
        bool da = all_digits(a->local[i]), db = all_digits(b->local[i]);
        int r;

        if (da && db)
            r = deps_vnum_cmp(a->local[i].p, a->local[i].n, b->local[i].p, b->local[i].n);
        else if (da != db)
            r = da ? 1 : -1;
        else
            r = text_cmp(a->local[i], b->local[i]);
        if (r)
            return r;
    }
    return (a->nlocal > b->nlocal) - (a->nlocal < b->nlocal);
}

/* Where the pre-release puts a version among its siblings: a dev release
 * of the final (1.0.dev0) comes before every pre-release of it, a version
 * without a pre-release after them all. */
static int pre_rank(const struct pep440 *v)
{
    if (v->has_pre)
        return 0;
    return !v->has_post && v->has_dev ? -1 : 1;
}

static int order(const struct pep440 *a, const struct pep440 *b)
{
    size_t n = a->nrel > b->nrel ? a->nrel : b->nrel;
    static const char zero[] = "0";
    int r;

    if ((r = deps_vnum_cmp(a->epoch.p, a->epoch.n, b->epoch.p, b->epoch.n)))
        return r;
    for (size_t i = 0; i < n; i++) {
        /* 1.0 == 1.0.0: a missing segment is a zero */
        struct span x = i < a->nrel ? a->rel[i] : (struct span){ zero, 1 };
        struct span y = i < b->nrel ? b->rel[i] : (struct span){ zero, 1 };
        if ((r = deps_vnum_cmp(x.p, x.n, y.p, y.n)))
            return r;
    }
    if (pre_rank(a) != pre_rank(b))
        return pre_rank(a) < pre_rank(b) ? -1 : 1;
    if (a->has_pre) {
        if (a->pre_kind != b->pre_kind)
            return a->pre_kind < b->pre_kind ? -1 : 1;
        if ((r = deps_vnum_cmp(a->pre.p, a->pre.n, b->pre.p, b->pre.n)))
            return r;
    }
    if (a->has_post != b->has_post)
        return a->has_post ? 1 : -1;
    if ((r = deps_vnum_cmp(a->post.p, a->post.n, b->post.p, b->post.n)))
        return r;
    if (a->has_dev != b->has_dev)
        return a->has_dev ? -1 : 1;
    if ((r = deps_vnum_cmp(a->dev.p, a->dev.n, b->dev.p, b->dev.n)))
        return r;
    return local_cmp(a, b);
}

int deps_vercmp_pypi(const char *a, const char *b, int *cmp)
{
    struct pep440 *v = moat_calloc(2, sizeof(*v));
    int rc;

    if ((rc = parse(a, &v[0])) == 0 && (rc = parse(b, &v[1])) == 0)
        *cmp = order(&v[0], &v[1]);
    free(v);
    return rc;
}
