/* libFuzzer target for moat_baseline_parse (baseline JSON): any bytes give a
 * baseline or an error with a message; never a crash, leak or overread. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <moat/findings.h>
#include "fuzz.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_baseline *b = (struct moat_baseline *)&b;
    struct moat_err err = { 0, "" };
    json_t *root, *findings;
    int rc = moat_baseline_parse((const char *)data, size, &b, &err);

    if (rc != 0) {
        if (b || err.rc != rc || !err.msg[0])
            abort();
        return 0;
    }
    /* a lookup never matches something that is not a fingerprint */
    if (moat_baseline_contains(b, "") || moat_baseline_contains(b, "not-hex"))
        abort();
    /* every fingerprint in the file is found: read it again with jansson alone */
    root = json_loadb((const char *)data, size, 0, NULL);
    findings = json_object_get(root, "findings");
    if (!json_is_array(findings))
        abort();
    for (size_t i = 0; i < json_array_size(findings); i++) {
        const char *fp =
            json_string_value(json_object_get(json_array_get(findings, i), "fingerprint"));
        if (!fp || !moat_baseline_contains(b, fp))
            abort();
    }
    json_decref(root);
    moat_baseline_free(b);
    return 0;
}
