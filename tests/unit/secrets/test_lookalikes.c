/* Scans every file of tests/data/lookalikes/ (lockfiles, templates, sealed
 * and SOPS values, documentation examples, images, certificates, code that
 * reads the environment) through the secrets engine and expects nothing.
 * Failures name the file, the rule and the offset, never the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "secrets/fixture.h"
#include "core/banned.h"

#define ROOT      "tests/data/lookalikes"
#define MIN_FILES 25

struct walk {
    const struct secrets_engine *e;
    struct secrets_scratch *s;
    size_t files, findings;
};

static void walk_dir(struct walk *w, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    assert_non_null(d);
    assert_true(depth < 16);
    while ((de = readdir(d))) {
        char path[1024];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/%s", dir, de->d_name), 0);
        assert_int_equal(lstat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk_dir(w, path, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            size_t len;
            char *text = read_all(path, &len);
            struct found f;
            assert_non_null(text);
            scan_text(w->e, w->s, text, len, &f);
            assert_true(f.n != SIZE_MAX);
            for (size_t i = 0; i < f.n; i++)
                print_error("%s: %s at byte %zu (layer %d)\n", path, f.id[i], f.off[i],
                            (int)f.layer[i]);
            w->findings += f.n;
            w->files++;
            free(text);
        }
    }
    closedir(d);
}

static void test_lookalikes_quiet(void **state)
{
    struct walk w = { NULL, NULL, 0, 0 };
    struct secrets_engine *e = NULL;

    (void)state;
    assert_int_equal(secrets_engine_new(NULL, &e, NULL), 0);
    assert_int_equal(secrets_scratch_new(e, &w.s, NULL), 0);
    w.e = e;
    walk_dir(&w, ROOT, 0);
    print_message("# %zu look-alike files scanned\n", w.files);
    secrets_scratch_free(w.s);
    secrets_engine_free(e);
    assert_true(w.files >= MIN_FILES);
    assert_int_equal(w.findings, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookalikes_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
