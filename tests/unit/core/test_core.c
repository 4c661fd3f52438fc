/* Unit tests for src/core: buffers and their caps, the arena, the map, the
 * pool, file reading with its limits and fault injection, and helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/core.h"
#include "core/banned.h"

static void test_buf_cap(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(8);

    (void)state;
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(moat_buf_addstr(&b, "abcd"), 0);
    assert_int_equal(moat_buf_addf(&b, "%d", 123), 0);
    assert_string_equal(b.data, "abcd123");
    /* one more byte fits, two do not: the cap is exact and failure changes nothing */
    assert_int_equal(moat_buf_addstr(&b, "xy"), MOAT_ETOOBIG);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(moat_buf_addch(&b, 'z'), 0);
    assert_int_equal(b.len, 8);
    assert_int_equal(moat_buf_addch(&b, 'q'), MOAT_ETOOBIG);
    moat_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    moat_buf_release(&b);
}

static void test_buf_addf_long(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(4096);
    char *s;
    size_t n;

    (void)state;
    assert_int_equal(moat_buf_addf(&b, "%0600d", 7), 0);
    assert_int_equal(b.len, 600);
    assert_int_equal(b.data[599], '7');
    s = moat_buf_detach(&b, &n);
    assert_int_equal(n, 600);
    assert_int_equal(b.len, 0);
    free(s);
    assert_int_equal(moat_buf_addf(&b, "%05000d", 1), MOAT_ETOOBIG);
    moat_buf_release(&b);
}

static void test_arena(void **state)
{
    struct moat_arena a;
    char *p[1000];

    (void)state;
    moat_arena_init(&a, 256);
    for (int i = 0; i < 1000; i++) {
        p[i] = moat_arena_strndup(&a, "hello world", (size_t)(i % 11));
        assert_true(((uintptr_t)p[i] % _Alignof(max_align_t)) == 0);
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(strlen(p[i]), (size_t)(i % 11));
    assert_non_null(moat_arena_alloc(&a, 10000)); /* bigger than a block */
    moat_arena_release(&a);
}

static void test_map(void **state)
{
    struct moat_map m;
    char key[32];
    size_t i = 0, seen = 0;
    const char *k;
    void *v;

    (void)state;
    moat_map_init(&m);
    assert_null(moat_map_get(&m, "x", 1));
    for (intptr_t n = 1; n <= 5000; n++) {
        assert_int_equal(moat_snprintf(key, sizeof(key), "key-%ld", (long)n), 0);
        assert_null(moat_map_put(&m, key, strlen(key), (void *)n));
    }
    assert_int_equal(m.n, 5000);
    assert_ptr_equal(moat_map_get(&m, "key-4321", 8), (void *)4321);
    assert_ptr_equal(moat_map_put(&m, "key-1", 5, (void *)7), (void *)1);
    assert_ptr_equal(moat_map_get(&m, "key-1", 5), (void *)7);
    assert_null(moat_map_get(&m, "key-5001", 8));
    /* keys are byte strings: embedded NULs count */
    assert_null(moat_map_put(&m, "a\0b", 3, (void *)9));
    assert_null(moat_map_get(&m, "a\0c", 3));
    while (moat_map_next(&m, &i, &k, NULL, &v))
        seen++;
    assert_int_equal(seen, 5001);
    moat_map_release(&m, NULL);
}

static _Atomic long pool_sum;

static void add_task(void *arg, int worker)
{
    assert_true(worker >= 0 && worker < 3);
    pool_sum += (long)(intptr_t)arg;
}

static void test_pool(void **state)
{
    struct moat_pool *p = moat_pool_new(3, 4); /* queue smaller than the work: submit blocks */

    (void)state;
    assert_int_equal(moat_pool_threads(p), 3);
    for (intptr_t i = 1; i <= 1000; i++)
        moat_pool_submit(p, add_task, (void *)i);
    moat_pool_wait(p);
    assert_int_equal(pool_sum, 500500);
    moat_pool_free(p);
    moat_pool_free(NULL);
}

static void test_fs_read_limits(void **state)
{
    char dir[] = "/tmp/moat-core-XXXXXX";
    char path[128], link[128];
    struct moat_buf b = MOAT_BUF_INIT(16);
    struct moat_err err = { 0 };

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(moat_snprintf(path, sizeof(path), "%s/f", dir), 0);
    assert_int_equal(moat_snprintf(link, sizeof(link), "%s/l", dir), 0);
    assert_int_equal(moat_fs_write(path, "0123456789", 10, &err), 0);
    assert_int_equal(moat_fs_read(path, &b, &err), 0);
    assert_string_equal(b.data, "0123456789");
    moat_buf_release(&b);

    assert_int_equal(moat_fs_write(path, "0123456789abcdefXYZ", 19, &err), 0);
    assert_int_equal(moat_fs_read(path, &b, &err), MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "limit"));

    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(moat_fs_read(link, &b, &err), MOAT_ELOOP);
    assert_int_equal(moat_fs_read("/nonexistent/x", &b, &err), MOAT_ENOENT);
    moat_buf_release(&b);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_fault_injection(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1 << 20);
    struct moat_err err = { 0 };

    (void)state;
    setenv("MOAT_TEST_FAIL", "fs_read:2", 1);
    assert_int_equal(moat_fs_read("/etc/hostname", &b, &err), 0);
    moat_buf_reset(&b);
    assert_int_equal(moat_fs_read("/etc/hostname", &b, &err), MOAT_EIO);
    assert_non_null(strstr(err.msg, "injected"));
    assert_int_equal(moat_fs_read("/etc/hostname", &b, &err), 0);
    unsetenv("MOAT_TEST_FAIL");
    moat_buf_release(&b);
}

static void test_helpers(void **state)
{
    char hex[9];
    char red[64];

    (void)state;
    assert_true(moat_entropy((const unsigned char *)"aaaaaaaa", 8) == 0.0);
    assert_true(moat_entropy((const unsigned char *)"abcdefgh", 8) == 3.0);
    moat_hex((const unsigned char *)"\x01\xab\xff\x00", 4, hex);
    assert_string_equal(hex, "01abff00");
    assert_int_equal(moat_snprintf(hex, sizeof(hex), "%s", "123456789"), MOAT_ETOOBIG);
    assert_true(moat_str_endswith("a.min.js", ".js"));
    assert_false(moat_str_endswith("js", ".js"));
    assert_true(moat_memcasemem("xxPassWordyy", 12, "password", 8));
    moat_redact("abcdefghijklmnopqrst", 20, red, sizeof(red));
    assert_string_equal(red, "abcd****(20 chars)");
    moat_redact("short", 5, red, sizeof(red));
    assert_null(strstr(red, "sh"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_addf_long),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_fs_read_limits),
        cmocka_unit_test(test_fault_injection),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
