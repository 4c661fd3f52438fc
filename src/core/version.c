/* moat's version string, generated from git describe at build time. */
#include <moat/moat.h>
#include "moat_version.h"
#include "banned.h"

const char *moat_version(void)
{
    return MOAT_VERSION;
}
