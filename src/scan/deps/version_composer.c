/* Packagist versions, ordered as PHP's version_compare() orders them after
 * a leading "v" is dropped (what OSV's Packagist data is sorted with): the
 * version is canonicalized ("-", "_", "+" and letter/digit boundaries become
 * dots), then parts compare as numbers or as the special forms
 * (other words) < dev < alpha = a < beta = b < RC = rc < (number) < pl = p.
 * Where PHP is not an order, this is made one: numbers compare by value at
 * any length (PHP's strtol saturates), a trailing separator is ignored
 * (PHP finds "1.0." below itself, and both below and above "1.0.x"), and a
 * '#' right after a digit, which PHP keeps as a part tying with every
 * number, is refused. See docs/internals/versions.md. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

#define MAX_PARTS (DEPS_MAX_VERSION + 1)

struct span {
    const char *p;
    size_t n;
};

struct php {
    char buf[2 * DEPS_MAX_VERSION + 1];
    struct span part[MAX_PARTS];
    size_t n;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* php_canonicalize_version: the first byte is kept as it is; then
 * s/[-_+]/./g, a dot at each digit/non-digit boundary, any other
 * non-alphanumeric byte a dot, and never two dots in a row. */
static size_t canonicalize(const char *s, size_t len, char *out)
{
    size_t q = 0;
    char lp;

    out[q++] = lp = s[0];
    for (size_t i = 1; i < len; i++) {
        char c = s[i], lq = out[q - 1];
        bool dig = is_digit(c), ndig = !is_digit(c) && c != '.';
        bool ldig = is_digit(lp), lndig = !is_digit(lp) && lp != '.';

        if (c == '-' || c == '_' || c == '+') {
            if (lq != '.')
                out[q++] = '.';
        } else if ((lndig && dig) || (ldig && ndig)) {
            if (lq != '.')
                out[q++] = '.';
            out[q++] = c;
        } else if (!is_alnum(c)) {
            if (lq != '.')
                out[q++] = '.';
        } else {
            out[q++] = c;
        }
        lp = c;
    }
    return q;
}

static int parse(const char *s, struct php *v)
{
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1), n, start = 0;

    if (len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    /* what Composer strips from tags (v1.2.3) */
    if (len > 1 && (s[0] == 'v' || s[0] == 'V') && is_digit(s[1])) {
        s++;
        len--;
    }
    /* PHP reserves a leading '#' for its "#N#" marker (it skips
     * canonicalizing such a string), and keeps a '#' after a digit as the
     * start of a part, which then equals every number: 1.5.7 = 1.5# = 1.5.9 */
    if (len == 0 || s[0] == '#')
        return MOAT_EINVAL;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
            (s[i] == '#' && is_digit(s[i - 1])))
            return MOAT_EINVAL;
    n = canonicalize(s, len, v->buf);
    v->n = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || v->buf[i] == '.') {
            /* a trailing separator ends the version: no empty last part */
            if (i == n && start == n && v->n > 0)
                break;
            v->part[v->n++] = (struct span){ v->buf + start, i - start };
            start = i + 1;
        }
    }
    return 0;
}

/* compare_special_version_forms: the first form that prefixes the part
 * (case-sensitive, as PHP); -1 for none, below "dev". */
static int form(struct span p)
{
    static const struct {
        const char *name;
        int order;
    } forms[] = {
        { "dev", 0 }, { "alpha", 1 }, { "a", 1 }, { "beta", 2 }, { "b", 2 },
        { "RC", 3 },  { "rc", 3 },    { "#", 4 }, { "pl", 5 },   { "p", 5 },
    };

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        size_t k = strlen(forms[i].name);
        if (p.n >= k && !memcmp(p.p, forms[i].name, k))
            return forms[i].order;
    }
    return -1;
}

#define FORM_NUMBER 4 /* a number meets a name as the form "#N#" */

static bool numeric(struct span p)
{
    return p.n > 0 && is_digit(p.p[0]);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* The parts past the end of the shorter version: the first number decides
 * for the longer one; names weigh against a number ("1.0a1" < "1.0"). */
static int tail(const struct php *v, size_t from)
{
    for (size_t i = from; i < v->n; i++) {
        if (numeric(v->part[i]))
            return 1;
        if (form(v->part[i]) != FORM_NUMBER)
            return sign(form(v->part[i]) - FORM_NUMBER);
    }
    return 0;
}

static int order(const struct php *a, const struct php *b)
{
    size_t n = a->n < b->n ? a->n : b->n;

    for (size_t i = 0; i < n; i++) {
        struct span x = a->part[i], y = b->part[i];
        int r;

        if (numeric(x) && numeric(y))
            r = deps_vnum_cmp(x.p, x.n, y.p, y.n);
        else if (!numeric(x) && !numeric(y))
            r = sign(form(x) - form(y));
        else
            r = numeric(x) ? sign(FORM_NUMBER - form(y)) : sign(form(x) - FORM_NUMBER);
        if (r)
            return r;
    }
    if (a->n > n)
        return tail(a, n);
    if (b->n > n)
        return -tail(b, n);
    return 0;
}

int deps_vercmp_composer(const char *a, const char *b, int *cmp)
{
    struct php va, vb;

    if (parse(a, &va) != 0 || parse(b, &vb) != 0)
        return MOAT_EINVAL;
    *cmp = order(&va, &vb);
    return 0;
}
