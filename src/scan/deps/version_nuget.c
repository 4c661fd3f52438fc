/* NuGet versions, parsed and ordered as NuGet.Versioning does
 * (NuGetVersion.TryParse, VersionComparer.Default): one to four numeric
 * parts, release labels compared case-insensitively, build metadata
 * ignored. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

#define MAX_LABELS (DEPS_MAX_VERSION / 2 + 1)

struct span {
    const char *p;
    size_t n;
};

struct nuget {
    struct span part[4]; /* missing parts are 0 */
    struct span label[MAX_LABELS];
    size_t nlabel;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_label(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* .NET's char.IsWhiteSpace over ASCII, which TryParse trims */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return n > 0;
}

/* Whether a digit run fits System.Version's int parts */
static bool fits_int32(const char *p, size_t n)
{
    return deps_vnum_cmp(p, n, "2147483647", 10) <= 0;
}

/* One dot-separated list of labels or metadata: each part non-empty,
 * [0-9A-Za-z-]; release labels may not be numbers with a leading zero. */
static bool parts(const char **p, const char *end, bool release, struct nuget *v)
{
    for (;;) {
        const char *s = *p;
        while (*p < end && is_label(**p))
            (*p)++;
        if (*p == s)
            return false;
        if (release) {
            if (*p - s > 1 && s[0] == '0' && all_digits(s, (size_t)(*p - s)))
                return false;
            v->label[v->nlabel++] = (struct span){ s, (size_t)(*p - s) };
        }
        if (*p == end || **p != '.')
            return true;
        (*p)++;
    }
}

static int parse(const char *s, struct nuget *v)
{
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1), n = 0;
    const char *p = s, *end = s + len;

    if (len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    memset(v, 0, sizeof(*v));
    for (;;) {
        const char *d = p;
        while (p < end && is_digit(*p))
            p++;
        if (p == d || n == 4 || !fits_int32(d, (size_t)(p - d)))
            return MOAT_EINVAL;
        v->part[n++] = (struct span){ d, (size_t)(p - d) };
        if (p == end || *p != '.')
            break;
        p++;
    }
    if (p < end && *p == '-') {
        p++;
        if (!parts(&p, end, true, v))
            return MOAT_EINVAL;
    }
    if (p < end && *p == '+') {
        p++;
        if (!parts(&p, end, false, v))
            return MOAT_EINVAL;
    }
    return p == end ? 0 : MOAT_EINVAL;
}

/* Int32.TryParse on a label: an optional '-' and digits within int range.
 * Labels may hold '-', so "-1" is the number -1, as NuGet reads it. */
static bool label_int(struct span l, bool *neg, struct span *mag)
{
    const char *p = l.p;
    size_t n = l.n;

    *neg = n > 0 && *p == '-';
    if (*neg) {
        p++;
        n--;
    }
    if (!all_digits(p, n))
        return false;
    *mag = (struct span){ p, n };
    return deps_vnum_cmp(p, n, *neg ? "2147483648" : "2147483647", 10) <= 0;
}

static int label_cmp(struct span a, struct span b)
{
    bool na, nb;
    struct span ma, mb;
    bool ia = label_int(a, &na, &ma), ib = label_int(b, &nb, &mb);
    size_t n;

    if (ia && ib) {
        bool za = deps_vnum_cmp(ma.p, ma.n, "0", 1) == 0;
        bool zb = deps_vnum_cmp(mb.p, mb.n, "0", 1) == 0;
        na = na && !za; /* -0 is 0 */
        nb = nb && !zb;
        if (na != nb)
            return na ? -1 : 1;
        return na ? -deps_vnum_cmp(ma.p, ma.n, mb.p, mb.n) : deps_vnum_cmp(ma.p, ma.n, mb.p, mb.n);
    }
    if (ia != ib)
        return ia ? -1 : 1; /* numbers before text */
    /* StringComparer.OrdinalIgnoreCase compares upper-cased characters */
    n = a.n < b.n ? a.n : b.n;
    for (size_t i = 0; i < n; i++) {
        char x = a.p[i], y = b.p[i];
        x = x >= 'a' && x <= 'z' ? (char)(x - 'a' + 'A') : x;
        y = y >= 'a' && y <= 'z' ? (char)(y - 'a' + 'A') : y;
        if (x != y)
            return (unsigned char)x < (unsigned char)y ? -1 : 1;
    }
    return (a.n > b.n) - (a.n < b.n);
}

static int order(const struct nuget *a, const struct nuget *b)
{
    int r;

    for (int i = 0; i < 4; i++)
        if ((r = deps_vnum_cmp(a->part[i].p, a->part[i].n, b->part[i].p, b->part[i].n)))
            return r;
    /* a release outranks its prereleases */
    if (!a->nlabel || !b->nlabel)
        return (!a->nlabel) - (!b->nlabel);
    for (size_t i = 0; i < a->nlabel && i < b->nlabel; i++)
        if ((r = label_cmp(a->label[i], b->label[i])))
            return r;
    return (a->nlabel > b->nlabel) - (a->nlabel < b->nlabel);
}

int deps_vercmp_nuget(const char *a, const char *b, int *cmp)
{
    struct nuget va, vb;

    if (parse(a, &va) != 0 || parse(b, &vb) != 0)
        return MOAT_EINVAL;
    *cmp = order(&va, &vb);
    return 0;
}
