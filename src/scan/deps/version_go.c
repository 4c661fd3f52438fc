/* Go module versions, ordered as golang.org/x/mod/semver orders them: SemVer
 * with a required "v", where "+incompatible" is build metadata (no
 * precedence) and pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
 * v1.2.4-0.2019...) are ordinary prereleases, so their timestamps sort them. */
#include "deps.h"
#include "core/banned.h"

int deps_vercmp_go(const char *a, const char *b, int *cmp)
{
    struct deps_semver va, vb;

    if (deps_semver_parse(a, true, &va) != 0 || deps_semver_parse(b, true, &vb) != 0)
        return MOAT_EINVAL;
    *cmp = deps_semver_order(&va, &vb);
    return 0;
}
