/* The table of Python, JVM and SBOM-input parsers. */
#include "deps.h"
#include "core/banned.h"

const struct deps_format *const deps_formats_py[] = {
    NULL,
};
