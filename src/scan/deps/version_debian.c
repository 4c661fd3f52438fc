/* Debian package versions ([epoch:]upstream[-revision]), parsed and ordered
 * as dpkg does (lib/dpkg/parsehelp.c parseversion, lib/dpkg/version.c
 * verrevcmp): '~' sorts before everything, even the end of the string,
 * letters before other characters, digit runs by value. What dpkg only
 * warns about (an upstream not starting with a digit, a stray character)
 * is refused here, so a malformed version never matches a range. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

struct deb {
    const char *epoch, *up, *rev;
    size_t nepoch, nup, nrev;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool chars_ok(const char *p, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]) && !is_alpha(p[i]) && (!p[i] || !strchr(extra, p[i])))
            return false;
    return true;
}

static int parse(const char *s, struct deb *d)
{
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1);
    const char *p = s, *end = s + len, *colon, *hyphen;

    if (len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    while (p < end && is_blank(*p))
        p++;
    while (end > p && is_blank(end[-1]))
        end--;
    if (p == end)
        return MOAT_EINVAL;
    *d = (struct deb){ "0", "", "", 1, 0, 0 };
    colon = memchr(p, ':', (size_t)(end - p));
    if (colon) {
        /* dpkg keeps the epoch in an int: at most INT_MAX */
        if (colon == p || deps_vnum_cmp(p, (size_t)(colon - p), "2147483647", 10) > 0)
            return MOAT_EINVAL;
        for (const char *q = p; q < colon; q++)
            if (!is_digit(*q))
                return MOAT_EINVAL;
        d->epoch = p;
        d->nepoch = (size_t)(colon - p);
        p = colon + 1;
    }
    hyphen = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '-')
            hyphen = q;
    d->up = p;
    d->nup = (size_t)((hyphen ? hyphen : end) - p);
    if (hyphen) {
        d->rev = hyphen + 1;
        d->nrev = (size_t)(end - d->rev);
        if (d->nrev == 0)
            return MOAT_EINVAL;
    }
    if (d->nup == 0 || !is_digit(d->up[0]) || !chars_ok(d->up, d->nup, ".-+~:") ||
        !chars_ok(d->rev, d->nrev, ".+~"))
        return MOAT_EINVAL;
    return 0;
}

/* dpkg's order(): the weight of one character of a non-digit run; the end
 * of the string weighs 0, so only '~' sorts before it. */
static int weight(const char *p, const char *end)
{
    if (p >= end || is_digit(*p))
        return 0;
    if (is_alpha(*p))
        return (unsigned char)*p;
    if (*p == '~')
        return -1;
    return (unsigned char)*p + 256;
}

static int verrevcmp(const char *a, size_t na, const char *b, size_t nb)
{
    const char *ea = a + na, *eb = b + nb;

    while (a < ea || b < eb) {
        const char *da, *db;
        int r;

        while ((a < ea && !is_digit(*a)) || (b < eb && !is_digit(*b))) {
            int wa = weight(a, ea), wb = weight(b, eb);
            if (wa != wb)
                return wa < wb ? -1 : 1;
            a++;
            b++;
        }
        da = a;
        db = b;
        while (a < ea && is_digit(*a))
            a++;
        while (b < eb && is_digit(*b))
            b++;
        if ((r = deps_vnum_cmp(da, (size_t)(a - da), db, (size_t)(b - db))))
            return r;
    }
    return 0;
}

int deps_vercmp_debian(const char *a, const char *b, int *cmp)
{
    struct deb da, db;
    int r;

    if (parse(a, &da) != 0 || parse(b, &db) != 0)
        return MOAT_EINVAL;
    if (!(r = deps_vnum_cmp(da.epoch, da.nepoch, db.epoch, db.nepoch)) &&
        !(r = verrevcmp(da.up, da.nup, db.up, db.nup)))
        r = verrevcmp(da.rev, da.nrev, db.rev, db.nrev);
    *cmp = r;
    return 0;
}
