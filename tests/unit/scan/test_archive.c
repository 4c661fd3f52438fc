/* Unit tests for src/scan/archive.c against the fixtures in
 * tests/data/archive/ (made by gen.py there): detection, member names,
 * nesting, the size, total and depth limits, damaged and encrypted input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scan/scan.h"
#include "scan/archive_internal.h"
#include "core/banned.h"

#define FIXTURES "tests/data/archive/"

struct seen {
    char *path;
    char *data;
    size_t len;
    int depth;
    const struct scan_origin *origin;
};

static struct {
    MOAT_VEC(struct seen) members;
    MOAT_VEC(struct seen) warnings; /* data holds the message */
} rec;

static void rec_clear(void)
{
    for (size_t i = 0; i < rec.members.n; i++) {
        free(rec.members.v[i].path);
        free(rec.members.v[i].data);
    }
    for (size_t i = 0; i < rec.warnings.n; i++) {
        free(rec.warnings.v[i].path);
        free(rec.warnings.v[i].data);
    }
    free(rec.members.v);
    free(rec.warnings.v);
    memset(&rec, 0, sizeof(rec));
}

static void rec_member(const char *path, const unsigned char *data, size_t len, int depth,
                       const struct scan_origin *origin)
{
    struct seen s = { moat_strdup(path), moat_malloc(len + 1), len, depth, origin };

    if (len)
        memcpy(s.data, data, len);
    s.data[len] = '\0';
    MOAT_VEC_PUSH(&rec.members, s);
}

static void rec_warn(const char *path, const char *what)
{
    struct seen s = { moat_strdup(path), moat_strdup(what), strlen(what), 0, NULL };

    MOAT_VEC_PUSH(&rec.warnings, s);
}

/* Stand-ins for the scan engine's two functions (src/scan/scan.c) that
 * archive.c calls. This file defines them, so the linker never pulls scan.o
 * out of libmoat.a for this binary: the archive code is tested alone. Like
 * the real one, scan_blob_run opens archives it is handed. */
void scan_blob_run(struct scan_worker *w, const struct scan_blob *b)
{
    rec_member(b->path, b->data, b->len, b->depth, b->origin);
    if (scan_archive_detect(b->data, b->len))
        scan_archive_run(w, b);
}

void scan_warn(struct moat_scan *s, const char *path, const char *what)
{
    assert_non_null(s);
    rec_warn(path, what);
}

static void sink_member(void *ctx, const char *path, const unsigned char *data, size_t len)
{
    (void)ctx;
    rec_member(path, data, len, -1, NULL);
}

static void sink_warn(void *ctx, const char *path, const char *what)
{
    (void)ctx;
    rec_warn(path, what);
}

static const struct scan_archive_sink sink = { sink_member, sink_warn, NULL };
static const struct scan_archive_limits big = { 64u << 20, 1u << 30 };

static struct moat_buf load(const char *name)
{
    struct moat_buf b = MOAT_BUF_INIT(1 << 20);
    char path[256];

    assert_int_equal(moat_snprintf(path, sizeof(path), FIXTURES "%s", name), 0);
    assert_int_equal(moat_fs_read(path, &b, NULL), 0);
    return b;
}

/* Walk one fixture with the given limits; returns the budget used. */
static size_t walk(const char *name, const struct scan_archive_limits *lim)
{
    struct moat_buf b = load(name);
    size_t used = 0;

    rec_clear();
    scan_archive_iterate((const unsigned char *)b.data, b.len, name, lim, &used, &sink);
    moat_buf_release(&b);
    return used;
}

static const struct seen *member(const char *path)
{
    for (size_t i = 0; i < rec.members.n; i++)
        if (strcmp(rec.members.v[i].path, path) == 0)
            return &rec.members.v[i];
    fail_msg("no member %s", path);
    return NULL;
}

static bool warned(const char *path, const char *part)
{
    for (size_t i = 0; i < rec.warnings.n; i++)
        if (strcmp(rec.warnings.v[i].path, path) == 0 && strstr(rec.warnings.v[i].data, part))
            return true;
    return false;
}

/* Fill in a tar header's checksum field (offset 148, octal). */
static void set_tar_checksum(unsigned char *h)
{
    unsigned sum = 0;

    memset(h + 148, ' ', 8);
    for (size_t k = 0; k < 512; k++)
        sum += h[k];
    assert_int_equal(moat_snprintf((char *)h + 148, 8, "%06o", sum), 0);
}

static void test_detect(void **state)
{
    static const char *const yes[] = { "plain.zip",     "app.jar",       "bundle.tar.gz",
                                       "nested.tar.gz", "note.txt.gz",   "small.tar.bz2",
                                       "small.tar.xz",  "truncated.zip", "empty.zip",
                                       "encrypted.zip", "garbage.zip" };
    unsigned char tar[600] = { 0 };
    static const unsigned char sevenz[] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4 };

    (void)state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        struct moat_buf b = load(yes[i]);
        if (!scan_archive_detect((const unsigned char *)b.data, b.len))
            fail_msg("%s not detected", yes[i]);
        moat_buf_release(&b);
    }
    assert_true(scan_archive_detect(sevenz, sizeof(sevenz)));
    memcpy(tar + 257,
           "ustar\0"
           "00",
           8);
    set_tar_checksum(tar);
    assert_true(scan_archive_detect(tar, sizeof(tar)));
    assert_true(scan_archive_detect((const unsigned char *)"BZh91AY&SYxx", 12));
    assert_true(scan_archive_detect((const unsigned char *)"\xfd"
                                                           "7zXZ\0\0",
                                    7));
    /* look-alikes */
    assert_false(scan_archive_detect(tar, 261));
    tar[0] = 'x'; /* "ustar" where tar has it, but the header checksum is wrong */
    assert_false(scan_archive_detect(tar, sizeof(tar)));
    memset(tar, 0, sizeof(tar));
    memcpy(tar + 256, "ustar", 5);
    assert_false(scan_archive_detect(tar, sizeof(tar)));
    assert_false(scan_archive_detect((const unsigned char *)"BZh9 is how this text starts", 28));
    assert_false(scan_archive_detect((const unsigned char *)"\x1f\x8b\x07rest", 7));
    assert_false(scan_archive_detect((const unsigned char *)"PK\x03", 3));
    assert_false(scan_archive_detect((const unsigned char *)"PKZIP is a name\n", 16));
    assert_false(scan_archive_detect((const unsigned char *)"\x89PNG\r\n\x1a\n", 8));
    assert_false(scan_archive_detect((const unsigned char *)"plain text", 10));
    assert_false(scan_archive_detect(NULL, 0));
}

static void test_zip(void **state)
{
    (void)state;
    walk("plain.zip", &big);
    assert_int_equal(rec.members.n, 2); /* the directory entry is not a member */
    assert_int_equal(rec.warnings.n, 0);
    assert_string_equal(rec.members.v[0].path, "plain.zip!config/app.env");
    assert_string_equal(rec.members.v[0].data, "AWS_ACCESS_KEY_ID=AKIAQ7RZ3XK9WD2MB5TF\n");
    assert_string_equal(rec.members.v[1].path, "plain.zip!README.txt");
    assert_string_equal(rec.members.v[1].data, "hello from a zip\n");
    walk("app.jar", &big);
    assert_int_equal(rec.members.n, 2);
    assert_string_equal(member("app.jar!BOOT-INF/classes/application.properties")->data,
                        "db.password=fake-not-a-real-password\n");
    walk("empty.zip", &big);
    assert_int_equal(rec.members.n, 0);
    assert_int_equal(rec.warnings.n, 0);
    rec_clear();
}

/* Leading "/" and "./" go, ".." stays literal, control bytes show as '?',
 * and only regular files with data of their own are members. */
static void test_tar_names(void **state)
{
    (void)state;
    walk("bundle.tar.gz", &big);
    assert_int_equal(rec.warnings.n, 0);
    assert_int_equal(rec.members.n, 5);
    assert_string_equal(member("bundle.tar.gz!etc/app.conf")->data, "conf\n");
    assert_string_equal(member("bundle.tar.gz!abs/path.txt")->data, "absolute\n");
    assert_string_equal(member("bundle.tar.gz!../escape.txt")->data, "dotdot\n");
    assert_string_equal(member("bundle.tar.gz!bad?name?.txt")->data, "control\n");
    assert_int_equal(member("bundle.tar.gz!empty.txt")->len, 0);
    rec_clear();
}

static void test_compressed_files(void **state)
{
    (void)state;
    walk("note.txt.gz", &big);
    assert_int_equal(rec.members.n, 1);
    assert_int_equal(rec.warnings.n, 0);
    assert_string_equal(member("note.txt.gz!note.txt")->data,
                        "a note with AKIAQ7RZ3XK9WD2MB5TF in it\n");
    walk("small.tar.bz2", &big);
    assert_string_equal(member("small.tar.bz2!b.txt")->data, "from bzip2\n");
    walk("small.tar.xz", &big);
    assert_string_equal(member("small.tar.xz!x.txt")->data, "from xz\n");
    assert_int_equal(rec.warnings.n, 0);
    rec_clear();
}

static void run(const char *name, int depth, const struct scan_origin *origin)
{
    struct moat_buf b = load(name);
    struct moat_scan scan;
    struct scan_worker w;
    struct scan_blob blob = { .path = name,
                              .data = (const unsigned char *)b.data,
                              .len = b.len,
                              .origin = origin,
                              .depth = depth };

    memset(&scan, 0, sizeof(scan));
    memset(&w, 0, sizeof(w));
    w.scan = &scan;
    rec_clear();
    scan_archive_run(&w, &blob);
    moat_buf_release(&b);
}

static void test_nested(void **state)
{
    static const struct scan_origin origin = { "c0ffee", "A U Thor", "a@example.org",
                                               "2020-01-01T00:00:00Z" };

    (void)state;
    run("nested.tar.gz", 0, &origin);
    assert_int_equal(rec.warnings.n, 0);
    assert_int_equal(rec.members.n, 3);
    assert_string_equal(rec.members.v[0].path, "nested.tar.gz!lib/inner.zip");
    assert_int_equal(rec.members.v[0].depth, 1);
    assert_string_equal(rec.members.v[1].path, "nested.tar.gz!lib/inner.zip!secret.txt");
    assert_string_equal(rec.members.v[1].data, "token=fake-inner-token\n");
    assert_int_equal(rec.members.v[1].depth, 2);
    assert_string_equal(rec.members.v[2].path, "nested.tar.gz!lib/inner.zip!notes.txt");
    for (size_t i = 0; i < rec.members.n; i++)
        assert_ptr_equal(rec.members.v[i].origin, &origin);
    rec_clear();
}

static void test_depth(void **state)
{
    (void)state;
    run("deep.zip", 0, NULL);
    assert_int_equal(rec.members.n, 3);
    assert_string_equal(rec.members.v[2].path, "deep.zip!l1.zip!l2.zip!l3.zip");
    assert_int_equal(rec.members.v[2].depth, SCAN_MAX_ARCHIVE_DEPTH);
    assert_int_equal(rec.warnings.n, 1);
    assert_true(warned("deep.zip!l1.zip!l2.zip!l3.zip", "not opened"));
    /* handed in already too deep: not opened at all */
    run("plain.zip", SCAN_MAX_ARCHIVE_DEPTH, NULL);
    assert_int_equal(rec.members.n, 0);
    assert_true(warned("plain.zip", "not opened"));
    run("plain.zip", SCAN_MAX_ARCHIVE_DEPTH - 1, NULL);
    assert_int_equal(rec.members.n, 2);
    assert_int_equal(rec.members.v[0].depth, SCAN_MAX_ARCHIVE_DEPTH);
    rec_clear();
}

static void test_member_limit(void **state)
{
    static const struct scan_archive_limits lim = { 1u << 20, 100u << 20 };

    (void)state;
    walk("bomb.zip", &lim);
    assert_int_equal(rec.members.n, 1);
    assert_string_equal(member("bomb.zip!small.txt")->data, "after the bomb\n");
    assert_int_equal(rec.warnings.n, 1);
    assert_true(warned("bomb.zip!zeros.bin", "over 1048576 bytes"));
    /* no size to skip by: the member and the rest are left */
    walk("letters.txt.gz", &lim);
    assert_int_equal(rec.members.n, 0);
    assert_true(warned("letters.txt.gz!letters.txt", "the rest not scanned"));
    /* under the limits everything is read, and counted */
    assert_true(walk("bomb.zip", &big) >= (2u << 20));
    assert_int_equal(rec.members.n, 2);
    assert_int_equal(member("bomb.zip!zeros.bin")->len, 2u << 20);
    assert_int_equal(rec.warnings.n, 0);
    rec_clear();
}

static void test_total_limit(void **state)
{
    static const struct scan_archive_limits lim = { 1u << 20, 1u << 20 };

    (void)state;
    assert_int_equal(walk("many.tar.gz", &lim), SIZE_MAX);
    assert_int_equal(rec.members.n, 3); /* 3 x 300 KB fit in 1 MB, the 4th does not */
    assert_int_equal(rec.warnings.n, 1);
    assert_true(warned("many.tar.gz", "more than 1048576 bytes"));
    rec_clear();
}

/* Nested archives draw from one budget, and the warning comes once. */
static void test_total_shared(void **state)
{
    static const struct scan_archive_limits lim = { 1u << 20, 1u << 20 };

    (void)state;
    scan_archive_set_limits(&lim);
    run("shared.zip", 0, NULL);
    scan_archive_set_limits(NULL);
    assert_int_equal(rec.warnings.n, 1);
    assert_true(warned("shared.zip!two.zip", "more than 1048576 bytes"));
    assert_int_equal(member("shared.zip!one.zip!fill.bin")->len, 700u << 10);
    for (size_t i = 0; i < rec.members.n; i++)
        assert_null(strstr(rec.members.v[i].path, "after.txt"));
    /* the next top-level archive starts with a fresh budget */
    run("shared.zip", 0, NULL);
    assert_int_equal(rec.warnings.n, 0);
    assert_string_equal(member("shared.zip!after.txt")->data, "late\n");
    rec_clear();
}

static void test_encrypted(void **state)
{
    (void)state;
    walk("encrypted.zip", &big);
    assert_int_equal(rec.members.n, 0);
    assert_true(warned("encrypted.zip!secret.txt", "encrypted"));
    rec_clear();
}

static void test_damaged(void **state)
{
    (void)state;
    walk("truncated.zip", &big);
    assert_true(rec.warnings.n >= 1);
    assert_string_equal(member("truncated.zip!first.txt")->data, "first member, whole\n");
    walk("garbage.zip", &big);
    assert_int_equal(rec.members.n, 0);
    assert_true(warned("garbage.zip", "archive"));
    rec_clear();
}

/* Damage fixtures at random: whatever comes out, nothing crashes (the
 * sanitizer build checks memory) and every walk ends. */
static void test_random_damage(void **state)
{
    static const char *const names[] = { "plain.zip", "bundle.tar.gz", "nested.tar.gz",
                                         "small.tar.xz", "app.jar" };
    static const struct scan_archive_limits lim = { 1u << 20, 4u << 20 };

    (void)state;
    srand(11);
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        struct moat_buf b = load(names[k]);
        unsigned char *copy = moat_malloc(b.len);
        for (int round = 0; round < 300; round++) {
            size_t used = 0, cut = b.len - (size_t)rand() % (b.len / 4 + 1);
            memcpy(copy, b.data, b.len);
            for (int f = 0; f < 1 + round % 4; f++)
                copy[(size_t)rand() % b.len] ^= (unsigned char)(1 + rand() % 255);
            scan_archive_iterate(copy, round % 2 ? cut : b.len, names[k], &lim, &used, &sink);
            rec_clear();
        }
        free(copy);
        moat_buf_release(&b);
    }
}

static void test_fault_injection(void **state)
{
    (void)state;
    assert_int_equal(setenv("MOAT_TEST_FAIL", "archive:1", 1), 0);
    walk("plain.zip", &big);
    assert_int_equal(unsetenv("MOAT_TEST_FAIL"), 0);
    assert_int_equal(rec.members.n, 0);
    assert_true(warned("plain.zip", "injected"));
    walk("plain.zip", &big);
    assert_int_equal(rec.members.n, 2);
    rec_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),          cmocka_unit_test(test_zip),
        cmocka_unit_test(test_tar_names),       cmocka_unit_test(test_compressed_files),
        cmocka_unit_test(test_nested),          cmocka_unit_test(test_depth),
        cmocka_unit_test(test_member_limit),    cmocka_unit_test(test_total_limit),
        cmocka_unit_test(test_total_shared),    cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_damaged),         cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
