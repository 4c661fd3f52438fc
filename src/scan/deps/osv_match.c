/* OSV's evaluation algorithm on one stored affected entry: the versions list
 * by exact string, then each SEMVER or ECOSYSTEM range with its events
 * sorted by the range's ordering. A version either side cannot order is
 * never guessed: the range does not match. */
#include <string.h>
#include "deps.h"
#include "core/core.h"
#include "core/banned.h"

struct ev {
    enum deps_event_kind kind;
    const char *v;
    bool zero; /* introduced "0": before every version */
};

static int vcmp(enum deps_eco eco, enum deps_range_type t, const char *a, const char *b, int *c)
{
    return t == DEPS_RANGE_SEMVER ? deps_semver_cmp(a, b, c) : deps_version_cmp(eco, a, b, c);
}

static int ev_cmp(enum deps_eco eco, enum deps_range_type t, const struct ev *a, const struct ev *b,
                  int *c)
{
    if (a->zero || b->zero) {
        *c = a->zero == b->zero ? 0 : a->zero ? -1 : 1;
        return 0;
    }
    return vcmp(eco, t, a->v, b->v, c);
}

/* OSV's BeforeLimits: no limit means "*"; otherwise the version must be
 * below one of them. */
static bool before_limits(enum deps_eco eco, const struct deps_rec_range *rg, const char *version,
                          bool *ok)
{
    const unsigned char *p = rg->events;
    bool any = false;
    int c;

    *ok = true;
    for (size_t i = 0; i < rg->nevents; i++) {
        struct deps_rec_event e;
        deps_rec_event_next(&p, &e);
        if (e.kind != DEPS_EV_LIMIT)
            continue;
        any = true;
        if (strchr(e.version, '*'))
            return true;
        if (vcmp(eco, rg->type, version, e.version, &c) != 0) {
            *ok = false;
            return false;
        }
        if (c < 0)
            return true;
    }
    return !any;
}

/* One range: whether version is in it, and the first fixed event above
 * version (the events are sorted, so it is the smallest); failing that, the
 * last_affected event at or above it, after which versions are safe. */
static bool range_hit(enum deps_eco eco, const struct deps_rec_range *rg, const char *version,
                      const char **fixed, const char **last)
{
    struct ev evs[DEPS_OSV_MAX_EVENTS];
    const unsigned char *p = rg->events;
    size_t n = 0;
    bool ok, vulnerable = false;
    int c;

    *fixed = NULL;
    *last = NULL;
    if (!before_limits(eco, rg, version, &ok) || !ok)
        return false;
    for (size_t i = 0; i < rg->nevents && n < DEPS_OSV_MAX_EVENTS; i++) {
        struct deps_rec_event e;
        deps_rec_event_next(&p, &e);
        if (e.kind == DEPS_EV_LIMIT)
            continue;
        evs[n].kind = e.kind;
        evs[n].v = e.version;
        evs[n].zero = e.kind == DEPS_EV_INTRODUCED && strcmp(e.version, "0") == 0;
        n++;
    }
    /* insertion sort: stable, so equal versions keep the advisory's order,
     * and it can stop at the first pair the comparator cannot order */
    for (size_t i = 1; i < n; i++) {
        struct ev x = evs[i];
        size_t j = i;
        while (j > 0) {
            if (ev_cmp(eco, rg->type, &evs[j - 1], &x, &c) != 0)
                return false;
            if (c <= 0)
                break;
            evs[j] = evs[j - 1];
            j--;
        }
        evs[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        if (evs[i].zero) {
            vulnerable = true;
            continue;
        }
        if (vcmp(eco, rg->type, version, evs[i].v, &c) != 0)
            return false;
        if (evs[i].kind == DEPS_EV_INTRODUCED && c >= 0)
            vulnerable = true;
        else if (evs[i].kind == DEPS_EV_FIXED && c >= 0)
            vulnerable = false;
        else if (evs[i].kind == DEPS_EV_LAST_AFFECTED && c > 0)
            vulnerable = false;
    }
    if (!vulnerable)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (evs[i].kind == DEPS_EV_FIXED && vcmp(eco, rg->type, version, evs[i].v, &c) == 0 &&
            c < 0) {
            *fixed = evs[i].v;
            break;
        }
    }
    for (size_t i = 0; !*fixed && i < n; i++) {
        if (evs[i].kind == DEPS_EV_LAST_AFFECTED &&
            vcmp(eco, rg->type, version, evs[i].v, &c) == 0 && c <= 0) {
            *last = evs[i].v;
            break;
        }
    }
    return true;
}

/* The smaller of two fixed versions from possibly different range types:
 * the ecosystem's order, else SemVer; if neither orders them, the first. */
static const char *min_fixed(enum deps_eco eco, const char *a, const char *b)
{
    int c;

    if (!a)
        return b;
    if (!b)
        return a;
    if (deps_version_cmp(eco, a, b, &c) == 0 || deps_semver_cmp(a, b, &c) == 0)
        return c <= 0 ? a : b;
    return a;
}

/* Go versions in OSV carry no "v"; go.mod's do. */
static bool in_versions(enum deps_eco eco, const struct deps_rec_affected *a, const char *version)
{
    const unsigned char *p = a->versions;
    const char *bare = eco == DEPS_ECO_GO && version[0] == 'v' ? version + 1 : NULL;

    for (size_t i = 0; i < a->nversions; i++) {
        const char *v = deps_rec_version_next(&p);
        if (strcmp(v, version) == 0 || (bare && strcmp(v, bare) == 0))
            return true;
    }
    return false;
}

void deps_osv_affected_eval(enum deps_eco eco, const struct deps_rec_affected *a,
                            const char *version, bool *hit, const char **fixed, const char **last)
{
    const unsigned char *p = a->ranges;
    const char *best = NULL, *best_last = NULL;
    bool any = in_versions(eco, a, version);

    for (size_t i = 0; i < a->nranges; i++) {
        struct deps_rec_range rg;
        const char *f, *l;
        deps_rec_range_next(&p, &rg);
        if (range_hit(eco, &rg, version, &f, &l)) {
            any = true;
            best = min_fixed(eco, best, f);
            if (l && !best_last)
                best_last = l;
        }
    }
    *hit = any;
    if (fixed)
        *fixed = any ? best : NULL;
    if (last)
        *last = any && !best ? best_last : NULL;
}
