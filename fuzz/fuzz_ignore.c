/* Fuzz target for src/scan/ignore.c: the input up to the first NUL is a
 * .gitignore, added at several directories; each line after the NUL is a
 * path matched as a file and as a directory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scan/scan.h"
#include "fuzz.h"
#include "core/banned.h"

static void match_both(const struct scan_ignore *ig, const char *path)
{
    if (scan_ignore_match(ig, path, false) && scan_ignore_match(ig, path, true)) {
        /* only the calls matter: ASan and UBSan watch them */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = { "a",         "a/b",
                                         "sub/x.log", "sub/deep/file.c",
                                         ".env",      "node_modules/x/y.js",
                                         "g3/q",      "build/out/a.o" };
    static const char *const dirs[] = { "", "sub", "sub/deep", "./g0/", "/build" };
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t plen = nul ? (size_t)(nul - text) : size;
    struct scan_ignore *ig = NULL;
    char dir[16];

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (scan_ignore_add(&ig, dirs[i], text, plen, NULL) != 0) {
            /* over a limit: the struct stays as it was */
        }
    /* odd first byte: enough directories for the hashed lookup path */
    for (int i = 0; size && (data[0] & 1) && i < 16; i++)
        if (moat_snprintf(dir, sizeof(dir), "g%d", i) != 0 ||
            scan_ignore_add(&ig, dir, text, plen, NULL) != 0) {
            /* as above */
        }
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        match_both(ig, paths[i]);
    /* the paths after the NUL, or else the pattern lines themselves */
    for (const char *p = nul ? nul + 1 : text, *end = text + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *path = moat_strndup(p, n);
        match_both(ig, path);
        free(path);
        p += n + 1;
    }
    scan_ignore_free(ig);
    return 0;
}
