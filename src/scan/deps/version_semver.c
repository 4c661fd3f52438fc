/* SemVer 2.0 (semver.org) parsing and precedence, used for npm, crates.io,
 * OSV's SEMVER ranges and, with Go's spelling rules, for Go modules. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A numeric identifier: "0" or digits without a leading zero, since SemVer
 * forbids "01" (it would compare equal to "1" while spelled differently). */
static bool number(const char **p, const char **start, size_t *len)
{
    const char *s = *p;

    while (is_digit(**p))
        (*p)++;
    *start = s;
    *len = (size_t)(*p - s);
    return *len > 0 && !(*len > 1 && s[0] == '0');
}

/* Dot-separated non-empty identifiers; numeric ones of a prerelease may not
 * have leading zeros, those of build metadata may. */
static bool idents(const char **p, bool prerelease)
{
    for (;;) {
        const char *s = *p;
        bool digits = true;

        while (is_ident(**p)) {
            digits = digits && is_digit(**p);
            (*p)++;
        }
        if (*p == s || (prerelease && digits && *p - s > 1 && s[0] == '0'))
            return false;
        if (**p != '.')
            return true;
        (*p)++;
    }
}

int deps_semver_parse(const char *s, bool go, struct deps_semver *out)
{
    struct deps_semver v = { 0 };
    const char *p = s;

    if (!s || strnlen(s, DEPS_MAX_VERSION + 1) > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    if (*p == 'v')
        p++;
    else if (go)
        return MOAT_EINVAL;
    if (!number(&p, &v.major, &v.nmajor))
        return MOAT_EINVAL;
    /* Go reads "v1" and "v1.2" as v1.0.0 and v1.2.0, without a suffix */
    v.minor = v.patch = "0";
    v.nminor = v.npatch = 1;
    if (go && *p == '\0')
        goto done;
    if (*p++ != '.' || !number(&p, &v.minor, &v.nminor))
        return MOAT_EINVAL;
    if (go && *p == '\0')
        goto done;
    if (*p++ != '.' || !number(&p, &v.patch, &v.npatch))
        return MOAT_EINVAL;
    if (*p == '-') {
        v.pre = ++p;
        if (!idents(&p, true))
            return MOAT_EINVAL;
        v.npre = (size_t)(p - v.pre);
    }
    if (*p == '+') {
        p++;
        if (!idents(&p, false))
            return MOAT_EINVAL;
    }
    if (*p != '\0')
        return MOAT_EINVAL;
done:
    *out = v;
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* SemVer 2.0 rule 11: identifiers left to right; numeric ones by value and
 * below alphanumeric ones, which compare in ASCII order; a shorter list
 * whose identifiers all match is lower. */
static int prerelease_order(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i = 0, j = 0;

    while (i < na && j < nb) {
        size_t ei = i, ej = j;
        bool da, db;
        int r;

        while (ei < na && a[ei] != '.')
            ei++;
        while (ej < nb && b[ej] != '.')
            ej++;
        da = all_digits(a + i, ei - i);
        db = all_digits(b + j, ej - j);
        if (da && db) {
            r = deps_vnum_cmp(a + i, ei - i, b + j, ej - j);
        } else if (da != db) {
            r = da ? -1 : 1;
        } else {
            size_t la = ei - i, lb = ej - j;
            r = memcmp(a + i, b + j, la < lb ? la : lb);
            r = r ? r : (la > lb) - (la < lb);
        }
        if (r)
            return r > 0 ? 1 : -1;
        i = ei + (ei < na);
        j = ej + (ej < nb);
    }
    if (i < na)
        return 1;
    if (j < nb)
        return -1;
    return 0;
}

int deps_semver_order(const struct deps_semver *a, const struct deps_semver *b)
{
    int r;

    if ((r = deps_vnum_cmp(a->major, a->nmajor, b->major, b->nmajor)) ||
        (r = deps_vnum_cmp(a->minor, a->nminor, b->minor, b->nminor)) ||
        (r = deps_vnum_cmp(a->patch, a->npatch, b->patch, b->npatch)))
        return r;
    /* a release outranks every prerelease of it */
    if (!a->pre || !b->pre)
        return (!a->pre) - (!b->pre);
    return prerelease_order(a->pre, a->npre, b->pre, b->npre);
}

int deps_semver_cmp(const char *a, const char *b, int *cmp)
{
    struct deps_semver va, vb;

    if (deps_semver_parse(a, false, &va) != 0 || deps_semver_parse(b, false, &vb) != 0)
        return MOAT_EINVAL;
    *cmp = deps_semver_order(&va, &vb);
    return 0;
}
