/* libFuzzer target for the GitHub Actions and GitLab CI audits, run through
 * the config analyzer as `moat scan --pedantic` does. The first byte picks
 * the file ('0' a workflow, '1' a composite action, '2' .gitlab-ci.yml; any
 * byte works, modulo three), the rest is its text. Whatever the YAML holds
 * (wrong types, odd expressions, scripts that are not shell), the audits
 * give findings of their own rules on lines of the file, or a warning that
 * names it; nothing crashes, leaks or reads past the input. Local GitLab
 * includes are looked up in an empty directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scan/config/config.h"
#include "fuzz.h"
#include "fuzz_scan.h"
#include "core/banned.h"

static const struct {
    const char *path, *prefix;
} kinds[] = {
    { ".github/workflows/ci.yml", "gha-" },
    { "action.yml", "gha-" },
    { ".gitlab-ci.yml", "gitlab-" },
};

static struct scan_worker *worker;
static struct moat_findings found;
static char root[] = "/tmp/moat-fuzz-XXXXXX";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_blob b = { 0 };
    unsigned lines = 1;
    size_t k;

    if (size == 0)
        return 0;
    if (!worker) {
        if (!mkdtemp(root))
            abort();
        worker = fuzz_config_worker(root, &found);
    }
    k = data[0] % (sizeof(kinds) / sizeof(kinds[0]));
    b.path = kinds[k].path;
    b.data = data + 1;
    b.len = size - 1;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    scan_blob_run(worker, &b);
    for (size_t i = 0; i < found.n; i++) {
        const struct moat_finding *x = found.v[i];
        if (!x->rule_id || !x->message || x->line < 1)
            abort();
        /* secrets written into the file are the secrets analyzer's: here
         * only this file's audits may speak */
        if (strncmp(x->rule_id, kinds[k].prefix, strlen(kinds[k].prefix)) != 0)
            abort();
        /* UTF-16 is audited as decoded text, with its own lines */
        if (scan_text_classify(b.data, b.len) == SCAN_TEXT && x->line > lines)
            abort();
    }
    moat_findings_release(&found);
    moat_findings_init(&found);
    return 0;
}
