/* libFuzzer target for the TOML subset reader (src/scan/deps/toml.c): any
 * bytes give a tree that keeps its invariants or an error with a
 * "path:line" message; the tree is walked without recursion. */
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "scan/deps/toml.h"
#include "fuzz.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct toml_doc *doc = (struct toml_doc *)&doc;
    struct moat_err err = { 0, "" };
    const struct toml_value **stack;
    size_t top = 0, cap = 64, seen = 0;
    unsigned lines = 1;
    int rc;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    rc = toml_parse("fuzz.toml", (const char *)data, size, &doc, &err);
    if (rc != 0) {
        if (doc || err.rc != rc || strncmp(err.msg, "fuzz.toml:", 10) != 0)
            abort();
        return 0;
    }
    stack = malloc(cap * sizeof(*stack));
    stack[top++] = toml_root(doc);
    while (top) {
        const struct toml_value *v = stack[--top];
        if (++seen > TOML_MAX_VALUES || v->line < 1 || v->line > lines)
            abort();
        switch (v->type) {
        case TOML_STRING:
            if (!v->str || strlen(v->str) != v->len)
                abort();
            break;
        case TOML_TABLE:
        case TOML_ARRAY:
            for (size_t i = 0; i < v->n; i++) {
                if (v->type == TOML_TABLE && toml_get(v, v->keys[i]) != v->items[i])
                    abort();
                if (top == cap) {
                    cap *= 2;
                    stack = realloc(stack, cap * sizeof(*stack));
                    if (!stack)
                        abort();
                }
                stack[top++] = v->items[i];
            }
            break;
        case TOML_INTEGER:
        case TOML_BOOLEAN: break;
        default: abort();
        }
    }
    free(stack);
    toml_free(doc);
    return 0;
}
