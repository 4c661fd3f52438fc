/* RubyGems versions, ordered as Gem::Version#<=> orders them: segments split
 * on dots and at letter/digit boundaries, a string segment makes a
 * prerelease (sorting below any number), trailing zeros do not count and
 * "-" reads as ".pre.". Strings Gem::Version.correct? refuses are refused. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

/* "-" adds a "pre" segment, so at most one segment per input byte */
#define MAX_SEGS (DEPS_MAX_VERSION + 1)

struct seg {
    const char *p;
    size_t n;
    bool num;
};

struct gem {
    struct seg s[MAX_SEGS];
    size_t n;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

/* Ruby's \s */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Gem::Version::ANCHORED_VERSION_PATTERN without its empty alternative:
 * [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? */
static bool valid(const char *p, const char *end)
{
    if (p == end || !is_digit(*p))
        return false;
    while (p < end && is_digit(*p))
        p++;
    while (p + 1 < end && *p == '.' && is_alnum(p[1])) {
        p++;
        while (p < end && is_alnum(*p))
            p++;
    }
    if (p < end && *p == '-') {
        do {
            const char *s = ++p;
            while (p < end && (is_alnum(*p) || *p == '-'))
                p++;
            if (p == s)
                return false;
        } while (p < end && *p == '.');
    }
    return p == end;
}

/* Gem::Version#canonical_segments: drop trailing zeros from the numeric
 * prefix and from the part from the first string segment on. */
static void canonical(struct gem *g)
{
    size_t first_str = 0, n = 0, keep;

    while (first_str < g->n && g->s[first_str].num)
        first_str++;
    keep = first_str;
    while (keep > 0 && deps_vnum_cmp(g->s[keep - 1].p, g->s[keep - 1].n, "0", 1) == 0)
        keep--;
    n = keep;
    if (first_str < g->n) {
        size_t last = g->n;
        while (last > first_str && g->s[last - 1].num &&
               deps_vnum_cmp(g->s[last - 1].p, g->s[last - 1].n, "0", 1) == 0)
            last--;
        memmove(&g->s[n], &g->s[first_str], (last - first_str) * sizeof(g->s[0]));
        n += last - first_str;
    }
    g->n = n;
}

static int parse(const char *s, struct gem *g)
{
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1);
    const char *p = s, *end = s + len;

    if (len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    /* "" is Gem::Version "0" for RubyGems, but no package has it: refused */
    if (!valid(p, end))
        return MOAT_EINVAL;
    g->n = 0;
    while (p < end) {
        struct seg *sg = &g->s[g->n];
        if (*p == '-') {
            *sg = (struct seg){ "pre", 3, false };
            g->n++;
            p++;
        } else if (is_alnum(*p)) {
            bool num = is_digit(*p);
            sg->p = p;
            while (p < end && is_alnum(*p) && is_digit(*p) == num)
                p++;
            sg->n = (size_t)(p - sg->p);
            sg->num = num;
            g->n++;
        } else {
            p++;
        }
    }
    canonical(g);
    return 0;
}

static int order(const struct gem *a, const struct gem *b)
{
    size_t n = a->n > b->n ? a->n : b->n;
    static const struct seg zero = { "0", 1, true };

    for (size_t i = 0; i < n; i++) {
        const struct seg *x = i < a->n ? &a->s[i] : &zero;
        const struct seg *y = i < b->n ? &b->s[i] : &zero;
        int r;

        if (x->num && y->num) {
            r = deps_vnum_cmp(x->p, x->n, y->p, y->n);
        } else if (x->num != y->num) {
            r = x->num ? 1 : -1; /* a string segment is a prerelease */
        } else {
            size_t m = x->n < y->n ? x->n : y->n;
            r = memcmp(x->p, y->p, m);
            r = r ? (r > 0 ? 1 : -1) : (x->n > y->n) - (x->n < y->n);
        }
        if (r)
            return r;
    }
    return 0;
}

int deps_vercmp_gem(const char *a, const char *b, int *cmp)
{
    struct gem ga, gb;

    if (parse(a, &ga) != 0 || parse(b, &gb) != 0)
        return MOAT_EINVAL;
    *cmp = order(&ga, &gb);
    return 0;
}
