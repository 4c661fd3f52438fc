/* libFuzzer target for moat_config_parse (.moat/config.yml): any bytes give a
 * config that keeps its invariants or an error with a message, and nothing
 * crashes, leaks or reads past the input. */
#include <stdlib.h>
#include <string.h>
#include <moat/config.h>
#include "fuzz.h"
#include "core/banned.h"

static void check_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !v[i][0])
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_config *c = (struct moat_config *)&c;
    struct moat_err err = { 0, "" };
    int rc = moat_config_parse("fuzz.yml", (const char *)data, size, &c, &err);

    if (rc != 0) {
        /* a failure leaves no config behind and always says why */
        if (c || err.rc != rc || !err.msg[0] || strncmp(err.msg, "fuzz.yml:", 9) != 0)
            abort();
        return 0;
    }
    /* each analyzer is set at most once, so it cannot be both on and off */
    if (!c || (c->analyzers_on & c->analyzers_off) || strcmp(c->source, "fuzz.yml") != 0)
        abort();
    if (c->baseline && (!c->baseline[0] || c->baseline[0] == '/'))
        abort();
    check_strings(c->exclude, c->nexclude);
    check_strings(c->disabled_rules, c->ndisabled_rules);
    check_strings(c->allow_paths, c->nallow_paths);
    check_strings(c->allow_regexes, c->nallow_regexes);
    check_strings(c->allow_values, c->nallow_values);
    for (size_t i = 0; i < c->nrules; i++) {
        const struct moat_custom_rule *r = &c->rules[i];
        if (!r->id || !r->id[0] || !r->regex || !r->regex[0] || !r->description)
            abort();
        if (strspn(r->id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(r->id))
            abort();
        if (!(r->min_entropy >= 0 && r->min_entropy <= 8) || r->sev > MOAT_SEV_CRITICAL)
            abort();
        check_strings(r->keywords, r->nkeywords);
    }
    moat_config_free(c);
    return 0;
}
