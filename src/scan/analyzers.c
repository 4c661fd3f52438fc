/* The one table of analyzers `moat scan` runs. Adding an analyzer is one
 * line here plus its directory under src/scan/. */
#include "scan.h"
#include "config/config.h"
#include "deps/deps.h"
#include "secrets/secrets.h"
#include "core/banned.h"

const struct scan_analyzer *const scan_analyzers[] = {
    &scan_secrets_analyzer,
    &scan_config_analyzer,
    &scan_deps_analyzer,
};
const size_t scan_nanalyzers = sizeof(scan_analyzers) / sizeof(scan_analyzers[0]);
