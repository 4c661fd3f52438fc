/* Replays a fuzz target's checked-in corpus as an ordinary test (gcc and the
 * sanitizer build): feeds every file of fuzz/corpus/<name>/ to the target and
 * prints TAP. A crash fails the test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "fuzz.h"
#include "core/banned.h"

int main(int argc, char **argv)
{
    const char *self = strrchr(argv[0], '/');
    char dir[512];
    DIR *d;
    struct dirent *e;
    size_t n = 0;

    (void)argc;
    self = self ? self + 1 : argv[0];
    if (strncmp(self, "replay_", 7) != 0 ||
        moat_snprintf(dir, sizeof(dir), "fuzz/corpus/%s", self + 7) != 0)
        return 2;
    printf("1..1\n");
    if (!(d = opendir(dir))) {
        printf("not ok 1 - %s: no corpus\n", dir);
        return 1;
    }
    while ((e = readdir(d))) {
        struct moat_buf b = MOAT_BUF_INIT(1u << 24);
        char path[1024];
        if (e->d_name[0] == '.' || moat_snprintf(path, sizeof(path), "%s/%s", dir, e->d_name))
            continue;
        if (moat_fs_read(path, &b, NULL) == 0) {
            if (LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len) != 0) {
                /* libFuzzer targets return 0; anything else is ignored as libFuzzer does */
            }
            n++;
        }
        moat_buf_release(&b);
    }
    closedir(d);
    printf("ok 1 - %s: replayed %zu inputs\n", self + 7, n);
    return 0;
}
