/* Maven versions, ordered as org.apache.maven.artifact.versioning.
 * ComparableVersion (Maven 3.9) orders them: the version becomes a list of
 * numbers, qualifiers and nested lists ("-" and letter/digit transitions
 * open a sub-list), trailing null items are dropped, and items compare by
 * kind and value. Refuses only what cannot be a version string: control
 * characters, spaces and non-ASCII bytes. */
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "deps.h"
#include "core/banned.h"

/* Each input byte opens at most three items (list, qualifier, list) */
#define MAX_ITEMS (3 * DEPS_MAX_VERSION + 8)

enum { IT_INT, IT_STR, IT_LIST };

struct item {
    int type;
    const char *s; /* IT_INT: digits without leading zeros; IT_STR: qualifier */
    size_t n;
    size_t first, count; /* IT_LIST: its items are kid[first .. first + count) */
};

struct mvn {
    char low[DEPS_MAX_VERSION + 1];
    struct item it[MAX_ITEMS];
    size_t kid[MAX_ITEMS];
    size_t lists[MAX_ITEMS]; /* every list, in the order parsing opened them */
    size_t nit, nkid, nlists;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t new_item(struct mvn *m, int type, const char *s, size_t n)
{
    size_t i = m->nit++;

    m->it[i] = (struct item){ type, s, n, 0, 0 };
    return i;
}

/* A list's items stay contiguous in kid[]: parsing only ever adds to the
 * newest list, so no other list grows while one is being filled. */
static void add(struct mvn *m, size_t list, size_t item)
{
    struct item *l = &m->it[list];

    if (l->count == 0)
        l->first = m->nkid;
    m->kid[m->nkid++] = item;
    l->count++;
}

static size_t open_list(struct mvn *m, size_t parent)
{
    size_t l = new_item(m, IT_LIST, NULL, 0);

    add(m, parent, l);
    m->lists[m->nlists++] = l;
    return l;
}

static size_t number(struct mvn *m, const char *s, size_t n)
{
    while (n > 1 && *s == '0') {
        s++;
        n--;
    }
    return new_item(m, IT_INT, s, n);
}

/* StringItem: a, b, m right before a digit are alpha, beta, milestone; ga,
 * final and release mean no qualifier; cr is rc. */
static size_t qualifier(struct mvn *m, const char *s, size_t n, bool followed_by_digit)
{
    if (followed_by_digit && n == 1) {
        if (*s == 'a')
            return new_item(m, IT_STR, "alpha", 5);
        if (*s == 'b')
            return new_item(m, IT_STR, "beta", 4);
        if (*s == 'm')
            return new_item(m, IT_STR, "milestone", 9);
    }
    if ((n == 2 && !memcmp(s, "ga", 2)) || (n == 5 && !memcmp(s, "final", 5)) ||
        (n == 7 && !memcmp(s, "release", 7)))
        return new_item(m, IT_STR, "", 0);
    if (n == 2 && !memcmp(s, "cr", 2))
        return new_item(m, IT_STR, "rc", 2);
    return new_item(m, IT_STR, s, n);
}

static size_t parse_item(struct mvn *m, bool digit, const char *s, size_t n)
{
    return digit ? number(m, s, n) : qualifier(m, s, n, false);
}

/* The known qualifiers in order; "" (a release) is index 5. */
static int known(const struct item *q)
{
    static const char *const order[] = { "alpha", "beta", "milestone", "rc", "snapshot", "", "sp" };

    for (int i = 0; i < 7; i++)
        if (strlen(order[i]) == q->n && !memcmp(order[i], q->s, q->n))
            return i;
    return -1;
}

/* comparableQualifier(a).compareTo(comparableQualifier(b)): known ones by
 * index, then unknown ones ("7-<name>") in lexical order. */
static int qual_cmp(const struct item *a, const struct item *b)
{
    int ka = known(a), kb = known(b), r;

    if (ka >= 0 && kb >= 0)
        return (ka > kb) - (ka < kb);
    if (ka >= 0 || kb >= 0)
        return ka >= 0 ? -1 : 1;
    r = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return r ? (r > 0 ? 1 : -1) : (a->n > b->n) - (a->n < b->n);
}

static bool is_null(const struct item *it)
{
    switch (it->type) {
    case IT_INT: return it->n == 1 && it->s[0] == '0';
    case IT_STR: return it->n == 0;
    default: return it->count == 0;
    }
}

/* ListItem.normalize: from the end, drop null items (0, "", empty lists)
 * until an item that is neither null nor a list. */
static void normalize(struct mvn *m, size_t list)
{
    struct item *l = &m->it[list];

    for (size_t i = l->count; i-- > 0;) {
        const struct item *it = &m->it[m->kid[l->first + i]];
        if (is_null(it)) {
            memmove(&m->kid[l->first + i], &m->kid[l->first + i + 1],
                    (l->count - i - 1) * sizeof(m->kid[0]));
            l->count--;
        } else if (it->type != IT_LIST) {
            break;
        }
    }
}

/* ComparableVersion.parseVersion, on the lowercased string */
static int parse(const char *s, struct mvn *m)
{
    size_t len = strnlen(s, DEPS_MAX_VERSION + 1), start = 0, list;
    bool digit = false;
    const char *v = m->low;

    if (len == 0 || len > DEPS_MAX_VERSION)
        return MOAT_EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f)
            return MOAT_EINVAL;
        m->low[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    m->low[len] = '\0';
    m->nit = m->nkid = m->nlists = 0;
    list = new_item(m, IT_LIST, NULL, 0);
    m->lists[m->nlists++] = list;

    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (c == '.' || c == '-') {
            if (i == start)
                add(m, list, new_item(m, IT_INT, "0", 1));
            else
                add(m, list, parse_item(m, digit, v + start, i - start));
            start = i + 1;
            if (c == '-')
                list = open_list(m, list);
        } else if (is_digit(c)) {
            if (!digit && i > start) {
                /* 1.0.0.X1 < 1.0.0-X2: a qualifier after a dot nests too */
                if (m->it[list].count)
                    list = open_list(m, list);
                add(m, list, qualifier(m, v + start, i - start, true));
                start = i;
                list = open_list(m, list);
            }
            digit = true;
        } else {
            if (digit && i > start) {
                add(m, list, number(m, v + start, i - start));
                start = i;
                list = open_list(m, list);
            }
            digit = false;
        }
    }
    if (len > start) {
        if (!digit && m->it[list].count)
            list = open_list(m, list);
        add(m, list, parse_item(m, digit, v + start, len - start));
    }
    /* innermost first, so a list emptied by its own normalize is null to
     * its parent's */
    for (size_t i = m->nlists; i-- > 0;)
        normalize(m, m->lists[i]);
    return 0;
}

static int cmp_null(const struct mvn *m, const struct item *it)
{
    static const struct item release = { IT_STR, "", 0, 0, 0 };

    switch (it->type) {
    case IT_INT: return is_null(it) ? 0 : 1;
    case IT_STR: return qual_cmp(it, &release);
    default:
        /* MNG-6964: every item decides, not just the first */
        for (size_t i = 0; i < it->count; i++) {
            int r = cmp_null(m, &m->it[m->kid[it->first + i]]);
            if (r)
                return r;
        }
        return 0;
    }
}

/* Item.compareTo between a of version ma and b of version mb */
static int cmp_item(const struct mvn *ma, const struct item *a, const struct mvn *mb,
                    const struct item *b)
{
    switch (a->type) {
    case IT_INT:
        if (b->type == IT_INT)
            return deps_vnum_cmp(a->s, a->n, b->s, b->n);
        return 1;
    case IT_STR:
        if (b->type == IT_STR)
            return qual_cmp(a, b);
        return -1;
    default:
        if (b->type == IT_INT)
            return -1;
        if (b->type == IT_STR)
            return 1;
        for (size_t i = 0; i < a->count || i < b->count; i++) {
            int r;
            if (i >= a->count)
                r = -cmp_null(mb, &mb->it[mb->kid[b->first + i]]);
            else if (i >= b->count)
                r = cmp_null(ma, &ma->it[ma->kid[a->first + i]]);
            else
                r = cmp_item(ma, &ma->it[ma->kid[a->first + i]], mb,
                             &mb->it[mb->kid[b->first + i]]);
            if (r)
                return r;
        }
        return 0;
    }
}

int deps_vercmp_maven(const char *a, const char *b, int *cmp)
{
    struct mvn *m = moat_malloc(2 * sizeof(*m));
    int rc = MOAT_EINVAL;

    if (parse(a, &m[0]) == 0 && parse(b, &m[1]) == 0) {
        *cmp = cmp_item(&m[0], &m[0].it[0], &m[1], &m[1].it[0]);
        rc = 0;
    }
    free(m);
    return rc;
}
