/* Which parser takes which file: the lockfile groups' tables, consulted in
 * order; the first parser whose match() accepts the file wins. */
#include <string.h>
#include "deps.h"
#include "core/banned.h"

static const struct deps_format *const *const groups[] = {
    deps_formats_js,
    deps_formats_py,
};

bool deps_format_takes(const struct deps_format *f, const char *base, const unsigned char *data,
                       size_t len)
{
    return f->match ? f->match(base, data, len) : strcmp(base, f->name) == 0;
}

const struct deps_format *deps_format_find(const char *path, const unsigned char *data, size_t len)
{
    const char *base = strrchr(path, '/');

    base = base ? base + 1 : path;
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        for (const struct deps_format *const *f = groups[g]; *f; f++)
            if (deps_format_takes(*f, base, data, len))
                return *f;
    return NULL;
}
