/* The ecosystems the deps analyzer knows: their OSV and purl names, and the
 * spelling of package names under which advisories are looked up. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

static const struct {
    const char *osv, *purl;
} ecos[DEPS_ECO_COUNT] = {
    [DEPS_ECO_NPM] = { "npm", "npm" },           [DEPS_ECO_PYPI] = { "PyPI", "pypi" },
    [DEPS_ECO_GO] = { "Go", "golang" },          [DEPS_ECO_CRATES] = { "crates.io", "cargo" },
    [DEPS_ECO_RUBYGEMS] = { "RubyGems", "gem" }, [DEPS_ECO_PACKAGIST] = { "Packagist", "composer" },
    [DEPS_ECO_MAVEN] = { "Maven", "maven" },     [DEPS_ECO_DEBIAN] = { "Debian", "deb" },
    [DEPS_ECO_NUGET] = { "NuGet", "nuget" },
};

const char *deps_eco_name(enum deps_eco e)
{
    return (unsigned)e < DEPS_ECO_COUNT ? ecos[e].osv : "unknown";
}

const char *deps_eco_purl_type(enum deps_eco e)
{
    return (unsigned)e < DEPS_ECO_COUNT ? ecos[e].purl : "generic";
}

int deps_eco_parse(const char *s, size_t len, enum deps_eco *out)
{
    const char *colon = s ? memchr(s, ':', len) : NULL;

    if (!s)
        return MOAT_EUNSUP;
    /* "Debian:12", "Ubuntu:22.04:LTS": the release does not change how
     * names and versions compare */
    if (colon)
        len = (size_t)(colon - s);
    /* OSV names are case-sensitive: "pypi" is not an OSV ecosystem */
    for (int e = 0; e < DEPS_ECO_COUNT; e++) {
        if (strlen(ecos[e].osv) == len && memcmp(ecos[e].osv, s, len) == 0) {
            *out = (enum deps_eco)e;
            return 0;
        }
    }
    return MOAT_EUNSUP;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool pep503_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

int deps_name_normalize(enum deps_eco e, const char *name, size_t len, struct moat_buf *out)
{
    char tmp[DEPS_MAX_NAME];
    size_t n = 0;

    if (len > DEPS_MAX_NAME)
        return MOAT_ETOOBIG;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        switch (e) {
        case DEPS_ECO_PYPI:
            /* PEP 503: a run of -, _ and . is one - */
            if (pep503_sep(c)) {
                while (i + 1 < len && pep503_sep(name[i + 1]))
                    i++;
                c = '-';
            }
            c = lower(c);
            break;
        case DEPS_ECO_PACKAGIST:
        case DEPS_ECO_NUGET: c = lower(c); break;
        default: break;
        }
        tmp[n++] = c;
    }
    /* one append, so a failure leaves out as it was */
    return moat_buf_add(out, tmp, n);
}
