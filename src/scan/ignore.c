/* gitignore-style patterns (man gitignore) for .gitignore files, config
 * excludes and allowlist paths: each pattern is parsed once into a literal
 * fast path or a per-component glob, and matched without recursion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scan/scan.h"
#include "core/banned.h"

#define IGNORE_MAX_PATTERN  4096   /* bytes of one pattern line */
#define IGNORE_MAX_DIR      4096   /* bytes of the directory a file applies to */
#define IGNORE_MAX_PATTERNS 100000 /* patterns in one struct scan_ignore */
/* Up to this many groups a linear scan is cheaper than hashing ancestors. */
#define IGNORE_LINEAR_GROUPS  16
#define IGNORE_MAX_CANDIDATES 64

enum kind {
    K_EXACT,  /* lit is the whole name or path */
    K_SUFFIX, /* "*" + lit, basename patterns only */
    K_PREFIX, /* lit + "*": the rest holds no '/' */
    K_UNDER,  /* lit + "**" where lit ends in '/': anything below it */
    K_STARTS, /* lit + "**" where lit does not end in '/': lit + anything */
    K_GLOB,   /* general; lit is a literal prefix every match starts with */
    K_NEVER,  /* malformed (unclosed "[", trailing "\"): git never matches it */
};

/* One '/'-separated piece of an anchored glob; "**" is a globstar. */
struct comp {
    const char *p;
    size_t len;
    bool globstar;
    bool min1; /* a globstar before an escaped '/': it must match a directory or more */
};

struct pattern {
    const char *glob; /* without "!", the leading and trailing '/'; escapes kept */
    size_t globlen;
    const char *lit; /* unescaped, see enum kind */
    size_t litlen;
    const struct comp *comps; /* K_GLOB and anchored only */
    size_t ncomps;
    size_t comp_off; /* text bytes the comps skip: matched by lit */
    enum kind kind;
    bool negate, dir_only;
    bool basename; /* no '/' in the pattern: matches the last component at any depth */
};

/* The patterns of one scan_ignore_add call, which share a directory. */
struct group {
    const char *base; /* "" or "a/b" */
    size_t baselen;
    size_t first, n;       /* pats.v[first .. first + n) */
    size_t prev_same_base; /* index + 1 of the previous group with this base, 0 if none */
};

struct scan_ignore {
    struct moat_arena arena;
    MOAT_VEC(struct pattern) pats;
    MOAT_VEC(struct group) groups;
    struct moat_map by_base; /* base -> (index + 1) of its latest group */
};

static bool is_special(char c)
{
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

static bool posix_class(const char *name, size_t len, unsigned char c, bool *known)
{
    static const char *const names[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                         "lower", "print", "punct", "space", "upper", "xdigit" };
    size_t k;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (strlen(names[k]) == len && memcmp(names[k], name, len) == 0)
            break;
    *known = k < sizeof(names) / sizeof(names[0]);
    /* ASCII only, as git does outside a UTF-8 aware build: no locale lookups */
    switch (k) {
    case 0: return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    case 1: return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    case 2: return c == ' ' || c == '\t';
    case 3: return c < 0x20 || c == 0x7f;
    case 4: return c >= '0' && c <= '9';
    case 5: return c > 0x20 && c < 0x7f;
    case 6: return c >= 'a' && c <= 'z';
    case 7: return c >= 0x20 && c < 0x7f;
    case 8:
        return c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') &&
               !((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    case 9: return c == ' ' || (c >= '\t' && c <= '\r');
    case 10: return c >= 'A' && c <= 'Z';
    case 11: return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    default: return false;
    }
}

/* Walk the bracket expression that opens at p[i] == '[' as git's wildmatch
 * does, testing c against it. Returns the index just past its ']', or 0 if
 * it is malformed (not closed, or an unknown "[:name:]"): wildmatch then
 * matches nothing at all. *hit, if not NULL, says whether c is a member. */
static size_t bracket(const char *p, size_t plen, size_t i, unsigned char c, bool *hit)
{
    size_t j = i + 1;
    unsigned char ch, prev = 0;
    bool negate = false, matched = false;

    if (j < plen && (p[j] == '!' || p[j] == '^')) {
        negate = true;
        j++;
    }
    if (j >= plen)
        return 0;
    ch = (unsigned char)p[j];
    do { /* do-while: a ']' right after "[" or "[!" is a member */
        if (ch == '\\') {
            if (++j >= plen)
                return 0;
            ch = (unsigned char)p[j];
            matched |= c == ch;
        } else if (ch == '-' && prev && j + 1 < plen && p[j + 1] != ']') {
            ch = (unsigned char)p[++j];
            if (ch == '\\') {
                if (++j >= plen)
                    return 0;
                ch = (unsigned char)p[j];
            }
            matched |= c >= prev && c <= ch;
            ch = 0; /* a range cannot start another range */
        } else if (ch == '[' && j + 1 < plen && p[j + 1] == ':') {
            size_t s = j + 2, k = s;
            bool known;
            while (k < plen && p[k] != ']')
                k++;
            if (k >= plen)
                return 0;
            if (k == s || p[k - 1] != ':') {
                matched |= c == '['; /* no ":]": a plain '[' */
            } else {
                matched |= posix_class(p + s, k - 1 - s, c, &known);
                if (!known)
                    return 0;
                j = k;
                ch = 0;
            }
        } else {
            matched |= c == ch;
        }
        prev = ch;
        if (++j >= plen)
            return 0;
        ch = (unsigned char)p[j];
    } while (ch != ']');
    /* '/' never matches a class, but components never hold one */
    if (hit)
        *hit = matched != negate;
    return j + 1;
}

static size_t class_end(const char *p, size_t plen, size_t i)
{
    return bracket(p, plen, i, 0, NULL);
}

/* Match the one-character item at p[*i] (not '*') against c and step past it. */
static bool item_match(const char *p, size_t plen, size_t *i, unsigned char c)
{
    size_t j = *i;
    bool hit = false;

    switch (p[j]) {
    case '?': *i = j + 1; return true;
    case '[': *i = bracket(p, plen, j, c, &hit); return hit; /* validated: never 0 here */
    case '\\': *i = j + 2; return (unsigned char)p[j + 1] == c;
    default: *i = j + 1; return (unsigned char)p[j] == c;
    }
}

/* Glob p against one path component t (neither holds '/'). Iterative, and
 * only the last '*' is ever backtracked to: an earlier star could not match
 * anything the later one cannot, so the cost is O(plen * tlen) at worst. */
static bool match_component(const char *p, size_t plen, const char *t, size_t tlen)
{
    size_t pi = 0, ti = 0, star_p = SIZE_MAX, star_t = 0;

    while (ti < tlen) {
        size_t np = pi;
        if (pi < plen && p[pi] == '*') {
            while (pi < plen && p[pi] == '*')
                pi++;
            if (pi == plen)
                return true;
            star_p = pi;
            star_t = ti;
            continue;
        }
        if (pi < plen && item_match(p, plen, &np, (unsigned char)t[ti])) {
            pi = np;
            ti++;
            continue;
        }
        if (star_p == SIZE_MAX)
            return false;
        pi = star_p;
        ti = ++star_t;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

static size_t comp_end(const char *t, size_t tlen, size_t from)
{
    const char *s = from < tlen ? memchr(t + from, '/', tlen - from) : NULL;
    return s ? (size_t)(s - t) : tlen;
}

/* An anchored glob against the path t, component by component. A globstar
 * matches zero or more whole components (one or more when it ends the
 * pattern: a trailing globstar needs something below); the same last-star backtracking
 * as match_component keeps it polynomial. */
static bool match_comps(const struct comp *c, size_t n, const char *t, size_t tlen)
{
    size_t ci = 0, ti = 0, star_c = SIZE_MAX, star_t = 0, e;

    /* ti is where the next text component starts; ti > tlen: none left */
    for (;;) {
        if (ci < n && c[ci].globstar) {
            if (ci == n - 1)
                return ti <= tlen;
            if (c[ci].min1) {
                if (ti > tlen)
                    return false; /* backtracking would only leave less text */
                ti = comp_end(t, tlen, ti) + 1;
            }
            star_c = ++ci;
            star_t = ti;
            continue;
        }
        if (ti > tlen)
            return ci == n;
        e = comp_end(t, tlen, ti);
        if (ci < n && match_component(c[ci].p, c[ci].len, t + ti, e - ti)) {
            ci++;
            ti = e + 1;
            continue;
        }
        if (star_c == SIZE_MAX)
            return false;
        e = comp_end(t, tlen, star_t);
        if (e >= tlen)
            return false;
        star_t = e + 1;
        ti = star_t;
        ci = star_c;
    }
}

static bool all_stars(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != '*')
            return false;
    return len > 0;
}

/* Unescape p[0 .. len) (no specials but '\') into the arena. */
static const char *unescape(struct moat_arena *a, const char *p, size_t len, size_t *outlen)
{
    char *o = moat_arena_alloc(a, len + 1);
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\' && i + 1 < len)
            i++;
        o[n++] = p[i];
    }
    o[n] = '\0';
    *outlen = n;
    return o;
}

/* Length of the literal run at the start of p (up to the first special,
 * escapes included), and whether that run is all of p. */
static size_t literal_run(const char *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        if (p[i] == '\\') {
            i += 2;
            continue;
        }
        if (is_special(p[i]))
            break;
        i++;
    }
    return i < len ? i : len;
}

/* Validate escapes and classes, and split into components outside classes. */
static bool check_syntax(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\') {
            if (++i == len)
                return false; /* a trailing lone backslash */
        } else if (p[i] == '[') {
            size_t e = class_end(p, len, i);
            if (!e)
                return false;
            i = e - 1;
        }
    }
    return true;
}

/* Split at '/' and "\\/" outside bracket expressions. */
static void split_comps(struct moat_arena *a, struct pattern *pt, const char *p, size_t len)
{
    size_t n = 1, k = 0, start = 0;
    struct comp *c;

    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\')
            n += p[++i] == '/';
        else if (p[i] == '[')
            i = class_end(p, len, i) - 1;
        else if (p[i] == '/')
            n++;
    }
    c = moat_arena_alloc(a, n * sizeof(*c));
    for (size_t i = 0; i <= len; i++) {
        bool escaped = i + 1 < len && p[i] == '\\' && p[i + 1] == '/';
        if (i < len && p[i] == '\\' && !escaped) {
            i++;
            continue;
        }
        if (i < len && p[i] == '[') {
            i = class_end(p, len, i) - 1;
            continue;
        }
        if (i == len || p[i] == '/' || escaped) {
            c[k].p = p + start;
            c[k].len = i - start;
            c[k].globstar = c[k].len >= 2 && all_stars(c[k].p, c[k].len);
            c[k].min1 = c[k].globstar && escaped;
            k++;
            i += escaped;
            start = i + 1;
        }
    }
    pt->comps = c;
    pt->ncomps = k;
}

/* Pick the fast path for a parsed pattern (glob, basename set). */
static void classify(struct moat_arena *a, struct pattern *pt)
{
    const char *p = pt->glob;
    size_t len = pt->globlen, lit = literal_run(p, len), i;

    if (!check_syntax(p, len)) {
        pt->kind = K_NEVER;
        return;
    }
    if (lit == len) {
        pt->kind = K_EXACT;
        pt->lit = unescape(a, p, len, &pt->litlen);
        return;
    }
    if (pt->basename && p[0] == '*') {
        for (i = 0; i < len && p[i] == '*'; i++)
            ;
        if (literal_run(p + i, len - i) == len - i) {
            pt->kind = K_SUFFIX;
            pt->lit = unescape(a, p + i, len - i, &pt->litlen);
            return;
        }
    }
    if (!pt->basename) {
        /* git compares the literal head of a pattern (up to the first of
         * "*?[\\") itself and hands only the rest to wildmatch, where "**"
         * at the start is a globstar even if the head did not end in '/':
         * "x" + "**" + "/y" matches "xy" and "xa/b/y". Mirror that quirk. */
        size_t q = 0, st;
        while (q < len && !is_special(p[q]))
            q++;
        for (st = q; st < len && p[st] == '*'; st++)
            ;
        if (q > 0 && p[q - 1] != '/' && st - q >= 2 &&
            (st == len || p[st] == '/' || (p[st] == '\\' && st + 1 < len && p[st + 1] == '/'))) {
            pt->lit = unescape(a, p, q, &pt->litlen);
            if (st == len) {
                pt->kind = K_STARTS;
                return;
            }
            pt->kind = K_GLOB;
            pt->comp_off = q;
            split_comps(a, pt, p + q, len - q);
            return;
        }
    }
    if (p[lit] == '*' && all_stars(p + lit, len - lit)) {
        /* dir + "/" + "**" is everything below dir (and "**" alone everything);
         * "foo*" and "foo**" stay inside one component */
        bool under = !pt->basename && (lit == 0 || p[lit - 1] == '/') && len - lit >= 2;
        pt->kind = under ? K_UNDER : K_PREFIX;
        pt->lit = unescape(a, p, lit, &pt->litlen);
        return;
    }
    pt->kind = K_GLOB;
    pt->lit = unescape(a, p, lit, &pt->litlen);
    if (!pt->basename)
        split_comps(a, pt, p, len);
}

/* git's trim_trailing_spaces: drop unescaped trailing spaces. */
static size_t trim_trailing_spaces(const char *s, size_t n)
{
    size_t last_space = SIZE_MAX;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            if (last_space == SIZE_MAX)
                last_space = i;
        } else if (s[i] == '\\') {
            if (++i == n)
                return n;
            last_space = SIZE_MAX;
        } else {
            last_space = SIZE_MAX;
        }
    }
    return last_space == SIZE_MAX ? n : last_space;
}

/* Parse one line into *pt. Returns 1 for a pattern, 0 for a blank or
 * comment line, or MOAT_ETOOBIG. */
static int parse_line(struct scan_ignore *ig, const char *s, size_t n, struct pattern *pt,
                      size_t lineno, struct moat_err *err)
{
    char *g;
    size_t gl = 0;
    bool anchored;

    memset(pt, 0, sizeof(*pt));
    if (n && s[n - 1] == '\r')
        n--;
    if (n == 0 || s[0] == '#')
        return 0;
    n = trim_trailing_spaces(s, n);
    if (n > IGNORE_MAX_PATTERN)
        return moat_err_set(err, MOAT_ETOOBIG, "line %zu: pattern over %d bytes", lineno,
                            IGNORE_MAX_PATTERN);
    if (n && s[0] == '!') {
        pt->negate = true;
        s++;
        n--;
    }
    if (n && s[n - 1] == '/') {
        pt->dir_only = true;
        n--;
    }
    /* a '/' at the start or in the middle anchors the pattern to its directory */
    anchored = memchr(s, '/', n) != NULL;
    if (n && s[0] == '/') {
        s++;
        n--;
    }
    if (n == 0)
        return 0;
    g = moat_arena_strndup(&ig->arena, s, n);
    gl = n;
    /* "**" + "/x" with no other '/' is x at any depth: a basename pattern */
    if (anchored && gl >= 3) {
        size_t st = 0;
        while (st < gl && g[st] == '*')
            st++;
        if (st >= 2 && st < gl - 1 && g[st] == '/' && !memchr(g + st + 1, '/', gl - st - 1)) {
            g += st + 1;
            gl -= st + 1;
            anchored = false;
        }
    }
    pt->glob = g;
    pt->globlen = gl;
    pt->basename = !anchored;
    classify(&ig->arena, pt);
    return 1;
}

static struct scan_ignore *ignore_new(void)
{
    struct scan_ignore *ig = moat_calloc(1, sizeof(*ig));

    moat_arena_init(&ig->arena, (size_t)16 << 10);
    moat_map_init(&ig->by_base);
    return ig;
}

void scan_ignore_free(struct scan_ignore *ig)
{
    if (!ig)
        return;
    moat_map_release(&ig->by_base, NULL);
    moat_arena_release(&ig->arena);
    free(ig->pats.v);
    free(ig->groups.v);
    free(ig);
}

int scan_ignore_add(struct scan_ignore **igp, const char *dir, const char *text, size_t len,
                    struct moat_err *err)
{
    struct scan_ignore *ig = *igp;
    bool created = false;
    size_t old_n, dlen, lineno = 0, pos = 0;
    struct group g = { 0 };
    int rc = 0;

    if (!ig) {
        ig = ignore_new();
        created = true;
    }
    old_n = ig->pats.n;
    /* tolerate "./x", "/x" and "x/" for the documented "x" */
    while (dir[0] == '/' || (dir[0] == '.' && (dir[1] == '/' || dir[1] == '\0')))
        dir++;
    dlen = strlen(dir);
    while (dlen && dir[dlen - 1] == '/')
        dlen--;
    if (dlen > IGNORE_MAX_DIR) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "directory name over %d bytes", IGNORE_MAX_DIR);
        goto out;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* git skips a UTF-8 byte order mark */
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        struct pattern pt;
        pos += n + 1;
        lineno++;
        if ((rc = parse_line(ig, s, n, &pt, lineno, err)) < 0)
            goto out;
        if (rc == 0)
            continue;
        rc = 0;
        if (ig->pats.n >= IGNORE_MAX_PATTERNS) {
            rc = moat_err_set(err, MOAT_ETOOBIG, "over %d ignore patterns", IGNORE_MAX_PATTERNS);
            goto out;
        }
        MOAT_VEC_PUSH(&ig->pats, pt);
    }
    if (ig->pats.n == old_n)
        goto out;
    g.base = moat_arena_strndup(&ig->arena, dir, dlen);
    g.baselen = dlen;
    g.first = old_n;
    g.n = ig->pats.n - old_n;
    g.prev_same_base = (uintptr_t)moat_map_get(&ig->by_base, g.base, dlen);
    MOAT_VEC_PUSH(&ig->groups, g);
    if (moat_map_put(&ig->by_base, g.base, dlen, (void *)(uintptr_t)ig->groups.n)) {
        /* the previous head of this base's list is already in prev_same_base */
    }
out:
    if (rc != 0) {
        ig->pats.n = old_n; /* all or nothing; the arena keeps a little garbage */
        if (created)
            scan_ignore_free(ig);
        return rc;
    }
    *igp = ig;
    return 0;
}

/* Whether t starts with lit; the first byte is compared inline because most
 * patterns fail there and a libc call costs more than the test. */
static bool has_prefix(const char *t, size_t tlen, const char *lit, size_t litlen)
{
    return tlen >= litlen && (!litlen || (t[0] == lit[0] && memcmp(t, lit, litlen) == 0));
}

static bool pattern_match(const struct pattern *pt, const char *rel, size_t rlen, const char *bn,
                          size_t bnlen)
{
    const char *t = pt->basename ? bn : rel;
    size_t tlen = pt->basename ? bnlen : rlen, n = pt->litlen;

    switch (pt->kind) {
    case K_EXACT: return tlen == n && has_prefix(t, tlen, pt->lit, n);
    case K_SUFFIX:
        return tlen >= n && (!n || t[tlen - 1] == pt->lit[n - 1]) &&
               memcmp(t + tlen - n, pt->lit, n) == 0;
    case K_PREFIX: return has_prefix(t, tlen, pt->lit, n) && !memchr(t + n, '/', tlen - n);
    case K_UNDER: return tlen > n && has_prefix(t, tlen, pt->lit, n);
    case K_STARTS: return has_prefix(t, tlen, pt->lit, n);
    case K_GLOB:
        if (!has_prefix(t, tlen, pt->lit, n))
            return false;
        if (pt->basename)
            return match_component(pt->glob, pt->globlen, t, tlen);
        return match_comps(pt->comps, pt->ncomps, t + pt->comp_off, tlen - pt->comp_off);
    case K_NEVER: return false;
    }
    return false;
}

/* Decide with one group: 1 ignored, 0 re-included, -1 no pattern matched. */
static int group_match(const struct scan_ignore *ig, const struct group *g, const char *path,
                       size_t len, const char *bn, size_t bnlen, bool is_dir)
{
    const char *rel = path;
    size_t rlen = len;

    if (g->baselen) {
        if (len <= g->baselen || path[g->baselen] != '/' || memcmp(path, g->base, g->baselen) != 0)
            return -1;
        rel += g->baselen + 1;
        rlen -= g->baselen + 1;
    }
    for (size_t i = g->first + g->n; i-- > g->first;) {
        const struct pattern *pt = &ig->pats.v[i];
        if (pt->dir_only && !is_dir)
            continue;
        if (pattern_match(pt, rel, rlen, bn, bnlen))
            return !pt->negate;
    }
    return -1;
}

/* The groups whose base is an ancestor of path, newest first; false if
 * there are more than fit in cand. */
static bool ancestor_groups(const struct scan_ignore *ig, const char *path, size_t len,
                            size_t *cand, size_t *ncand)
{
    size_t n = 0, from = 0, dl = 0;
    const char *s;

    /* the root's groups, then each proper prefix that ends before a '/' */
    for (;;) {
        size_t gi = (uintptr_t)moat_map_get(&ig->by_base, path, dl);
        for (; gi; gi = ig->groups.v[gi - 1].prev_same_base) {
            if (n == IGNORE_MAX_CANDIDATES)
                return false;
            cand[n++] = gi - 1;
        }
        do {
            if (!(s = memchr(path + from, '/', len - from)))
                goto sort;
            dl = (size_t)(s - path);
            from = dl + 1;
        } while (dl == 0);
    }
sort:
    /* insertion sort, descending: later groups take precedence */
    for (size_t i = 1; i < n; i++) {
        size_t v = cand[i], j = i;
        for (; j > 0 && cand[j - 1] < v; j--)
            cand[j] = cand[j - 1];
        cand[j] = v;
    }
    *ncand = n;
    return true;
}

bool scan_ignore_match(const struct scan_ignore *ig, const char *relpath, bool is_dir)
{
    size_t len, bnlen, cand[IGNORE_MAX_CANDIDATES], ncand;
    const char *bn;
    int r;

    if (!ig || !relpath || !relpath[0])
        return false;
    len = strlen(relpath);
    bn = strrchr(relpath, '/');
    bn = bn ? bn + 1 : relpath;
    bnlen = len - (size_t)(bn - relpath);
    if (ig->groups.n > IGNORE_LINEAR_GROUPS && ancestor_groups(ig, relpath, len, cand, &ncand)) {
        for (size_t i = 0; i < ncand; i++)
            if ((r = group_match(ig, &ig->groups.v[cand[i]], relpath, len, bn, bnlen, is_dir)) >= 0)
                return r;
        return false;
    }
    for (size_t i = ig->groups.n; i-- > 0;)
        if ((r = group_match(ig, &ig->groups.v[i], relpath, len, bn, bnlen, is_dir)) >= 0)
            return r;
    return false;
}

bool scan_ignore_match_file(const struct scan_ignore *ig, const char *relpath)
{
    char dir[4097];
    size_t n = strlen(relpath);

    /* the file itself, then each directory above it, as the walker would
     * have met them ("vendor/" names a directory, never a file) */
    if (scan_ignore_match(ig, relpath, false))
        return true;
    if (n >= sizeof(dir))
        return false;
    memcpy(dir, relpath, n + 1);
    for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
        *slash = '\0';
        if (scan_ignore_match(ig, dir, true))
            return true;
    }
    return false;
}
