/* libFuzzer target for the secrets engine: every input goes through the
 * whole engine (Hyperscan, PCRE2 confirmation, validators, filters and the
 * base64 / URL / JSON decoders). Findings are only counted. */
#include <stdint.h>
#include <stdlib.h>
#include "core/core.h"
#include "scan/secrets/secrets.h"
#include "fuzz.h"
#include "core/banned.h"

static struct secrets_engine *engine;
static struct secrets_scratch *scratch;

static void count(void *ctx, const struct secrets_match *m)
{
    size_t *n = ctx;

    /* touch what a reporter would read */
    if (m->secret_len && m->secret[0] == 0 && m->rule->id[0] == 0)
        abort();
    (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;

    if (!engine) {
        if (secrets_engine_new(NULL, &engine, NULL) != 0 ||
            secrets_scratch_new(engine, &scratch, NULL) != 0)
            abort();
    }
    if (secrets_engine_scan(engine, scratch, data, size, 0, count, &n) != n)
        abort();
    /* the example-path mode takes the same code paths minus generic rules */
    n = 0;
    if (secrets_engine_scan(engine, scratch, data, size, SECRETS_SCAN_NO_GENERIC, count, &n) != n)
        abort();
    return 0;
}
