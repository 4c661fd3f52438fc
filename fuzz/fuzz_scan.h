/* One config-analyzer worker, set up as `moat scan --pedantic` runs it, for
 * the fuzz targets that feed the audits one file at a time. Findings go to
 * *out; the scan lives as long as the fuzzer. */
#ifndef MOAT_FUZZ_SCAN_H
#define MOAT_FUZZ_SCAN_H
#include <stdlib.h>
#include "scan/config/config.h"

static inline struct scan_worker *fuzz_config_worker(const char *root, struct moat_findings *out)
{
    static struct moat_scan_opts opts;
    static struct scan_worker worker;
    struct moat_scan *scan;

    opts.root = root;
    opts.source = MOAT_SOURCE_TREE;
    opts.analyzers = MOAT_ANALYZER_CONFIG;
    opts.threads = 1;
    opts.pedantic = true;
    moat_findings_init(out);
    if (moat_scan_new(&opts, &scan, NULL) != 0)
        abort();
    scan->out = out;
    if (scan_worker_init(scan, &worker, NULL) != 0)
        abort();
    return &worker;
}
#endif
