/* Version ordering for every ecosystem the deps analyzer matches: checks the
 * limits every family shares, then hands the pair to the family's own
 * comparator (version_<family>.c). See docs/internals/versions.md. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

int deps_vnum_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int r;

    while (alen > 0 && *a == '0') {
        a++;
        alen--;
    }
    while (blen > 0 && *b == '0') {
        b++;
        blen--;
    }
    /* without leading zeros, a longer run is a bigger number */
    if (alen != blen)
        return alen < blen ? -1 : 1;
    r = alen ? memcmp(a, b, alen) : 0;
    return (r > 0) - (r < 0);
}

/* Every family refuses what cannot be a version before looking at it, so
 * that no parser sees more than DEPS_MAX_VERSION bytes. */
static bool plausible(const char *s)
{
    size_t n;

    if (!s)
        return false;
    n = strnlen(s, DEPS_MAX_VERSION + 1);
    return n > 0 && n <= DEPS_MAX_VERSION;
}

int deps_version_cmp(enum deps_eco e, const char *a, const char *b, int *cmp)
{
    if (!plausible(a) || !plausible(b))
        return MOAT_EINVAL;
    switch (e) {
    case DEPS_ECO_NPM:
    case DEPS_ECO_CRATES: return deps_semver_cmp(a, b, cmp);
    case DEPS_ECO_GO: return deps_vercmp_go(a, b, cmp);
    case DEPS_ECO_PYPI: return deps_vercmp_pypi(a, b, cmp);
    case DEPS_ECO_RUBYGEMS: return deps_vercmp_gem(a, b, cmp);
    case DEPS_ECO_PACKAGIST: return deps_vercmp_composer(a, b, cmp);
    case DEPS_ECO_MAVEN: return deps_vercmp_maven(a, b, cmp);
    case DEPS_ECO_DEBIAN: return deps_vercmp_debian(a, b, cmp);
    case DEPS_ECO_NUGET: return deps_vercmp_nuget(a, b, cmp);
    case DEPS_ECO_COUNT: break;
    }
    return MOAT_EINVAL;
}
