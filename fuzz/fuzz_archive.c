/* Fuzz target for the archive reader (src/scan/archive.c) at the level of
 * scan_archive_iterate, so it runs without the scan engine: members that
 * are archives themselves are opened too, two levels deep. */
#include <stdint.h>
#include <string.h>
#include "scan/scan.h"
#include "scan/archive_internal.h"
#include "fuzz.h"
#include "core/banned.h"

struct ctx {
    int depth;
    size_t *used;
    size_t sum; /* touch every byte, so reads past the data show up */
};

static const struct scan_archive_limits limits = { 1u << 20, 8u << 20 };

static void on_warn(void *ctx, const char *path, const char *what)
{
    (void)ctx;
    if (strlen(path) == 0 || strlen(what) == 0)
        __builtin_trap();
}

static void on_member(void *vctx, const char *path, const unsigned char *data, size_t len)
{
    struct ctx *c = vctx, inner = { c->depth + 1, c->used, 0 };
    const struct scan_archive_sink sink = { on_member, on_warn, &inner };

    if (!strchr(path, '!') || len > limits.max_member)
        __builtin_trap();
    for (size_t i = 0; i < len; i++)
        c->sum += data[i];
    if (c->depth < 2 && scan_archive_detect(data, len))
        scan_archive_iterate(data, len, path, &limits, c->used, &sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t used = 0;
    struct ctx c = { 0, &used, 0 };
    const struct scan_archive_sink sink = { on_member, on_warn, &c };

    /* also what detection would refuse: the reader must cope with anything */
    scan_archive_iterate(data, size, "fuzz", &limits, &used, &sink);
    return 0;
}
