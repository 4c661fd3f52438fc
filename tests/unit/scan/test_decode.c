/* Unit tests for src/scan/decode.c: text/UTF-16/binary classification,
 * UTF-16 decoding (surrogates, BOMs, odd lengths, the size cap) and the
 * printable strings pulled out of binaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scan/scan.h"
#include "core/banned.h"

#define U(s) ((const unsigned char *)(s))

/* Classify a string literal, NULs included. */
#define CL(s) scan_text_classify(U(s), sizeof(s) - 1)

static enum scan_text_kind classify(const char *s, size_t n)
{
    return scan_text_classify(U(s), n);
}

static void test_classify_text(void **state)
{
    char big[9000];

    (void)state;
    assert_int_equal(scan_text_classify(U(""), 0), SCAN_TEXT);
    assert_int_equal(CL("hello world\n"), SCAN_TEXT);
    /* invalid UTF-8 and Latin-1 are still text */
    assert_int_equal(CL("abc\xc3\x28\xa0\xa1 caf\xe9\n"), SCAN_TEXT);
    assert_int_equal(CL("\xef\xbb\xbfkey = value\r\n"), SCAN_TEXT);
    /* tabs, CRLF, form feeds and colour escapes are text */
    assert_int_equal(CL("\t\t\x1b[31mred\x1b[0m\r\n\f\v\b"), SCAN_TEXT);
    /* a NUL past the first 8 KB is not looked for */
    memset(big, 'a', sizeof(big));
    big[8500] = '\0';
    assert_int_equal(classify(big, sizeof(big)), SCAN_TEXT);
    big[100] = '\0';
    assert_int_equal(classify(big, sizeof(big)), SCAN_BINARY);
}

static void test_classify_binary(void **state)
{
    char ctl[100];

    (void)state;
    assert_int_equal(CL("\x7f"
                        "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
                     SCAN_BINARY);
    assert_int_equal(CL("\0"), SCAN_BINARY);
    assert_int_equal(CL("ab\0"), SCAN_BINARY);
    /* UTF-32LE: half the units are zero, so it is not UTF-16 */
    assert_int_equal(CL("a\0\0\0b\0\0\0c\0\0\0d\0\0\0"), SCAN_BINARY);
    /* more than one byte in ten an odd control byte */
    memset(ctl, 'x', sizeof(ctl));
    for (int i = 0; i < 11; i++)
        ctl[i * 9] = '\x01';
    assert_int_equal(classify(ctl, sizeof(ctl)), SCAN_BINARY);
    memset(ctl, 'x', sizeof(ctl));
    for (int i = 0; i < 10; i++)
        ctl[i * 9 + 3] = '\x7f';
    assert_int_equal(classify(ctl, sizeof(ctl)), SCAN_TEXT);
    ctl[99] = '\x02';
    assert_int_equal(classify(ctl, sizeof(ctl)), SCAN_BINARY);
}

/* The control-byte count is exact at the threshold, whatever surrounds the
 * bytes (high bytes, allowed controls) and wherever they sit in a word. */
static void test_classify_threshold(void **state)
{
    static const unsigned char odd[] = {
        0x01, 0x02, 0x06, 0x07, 0x0e, 0x13, 0x1a, 0x1c, 0x1f, 0x7f
    };
    static const unsigned char fill[] = { 'a', ' ', '~', '\t', '\n', '\r', 0x1b, 0x80, 0xc3, 0xff };
    unsigned char buf[1003];

    (void)state;
    srand(7);
    for (int round = 0; round < 200; round++) {
        size_t n = sizeof(buf) - (size_t)(round % 4), placed = 0;
        for (size_t i = 0; i < n; i++)
            buf[i] = fill[rand() % (int)sizeof(fill)];
        while (placed < n / 10) {
            size_t at = (size_t)rand() % n;
            if (buf[at] >= 0x20 && buf[at] != 0x7f) {
                buf[at] = odd[rand() % (int)sizeof(odd)];
                placed++;
            } else if (buf[at] == '\t' || buf[at] == '\n' || buf[at] == '\r' || buf[at] == 0x1b) {
                buf[at] = 'b';
            }
        }
        assert_int_equal(scan_text_classify(buf, n), SCAN_TEXT);
        for (size_t i = 0; i < n; i++)
            if (buf[i] >= 0x20 && buf[i] != 0x7f) {
                buf[i] = odd[round % (int)sizeof(odd)];
                break;
            }
        assert_int_equal(scan_text_classify(buf, n), SCAN_BINARY);
    }
}

static void test_classify_utf16(void **state)
{
    unsigned char le[40], be[40];

    (void)state;
    assert_int_equal(CL("\xff\xfeh\0i\0"), SCAN_UTF16LE);
    assert_int_equal(CL("\xfe\xff\0h\0i"), SCAN_UTF16BE);
    assert_int_equal(CL("\xff\xfe"), SCAN_UTF16LE);
    /* no BOM: most units are ASCII with a zero high byte */
    assert_int_equal(CL("h\0e\0l\0l\0o\0\r\0\n\0"), SCAN_UTF16LE);
    assert_int_equal(CL("\0h\0e\0l\0l\0o\0\n"), SCAN_UTF16BE);
    /* one unit in twenty not ASCII still counts; a third does not */
    for (int i = 0; i < 20; i++) {
        le[2 * i] = 'a';
        le[2 * i + 1] = 0;
        be[2 * i] = 0;
        be[2 * i + 1] = 'a';
    }
    le[10] = 0xe9;
    be[11] = 0xe9;
    assert_int_equal(scan_text_classify(le, sizeof(le)), SCAN_UTF16LE);
    assert_int_equal(scan_text_classify(be, sizeof(be)), SCAN_UTF16BE);
    for (int i = 0; i < 7; i++)
        le[6 * i] = 0x80;
    assert_int_equal(scan_text_classify(le, sizeof(le)), SCAN_BINARY);
    /* a single unit is too little to tell */
    assert_int_equal(CL("a\0"), SCAN_BINARY);
}

/* Decode into a fresh buffer and compare the bytes. */
static void check_utf16(const char *in, size_t n, bool be, const char *want, size_t wantlen)
{
    struct moat_buf out = MOAT_BUF_INIT(1 << 20);

    assert_int_equal(scan_decode_utf16(U(in), n, be, &out), 0);
    assert_int_equal(out.len, wantlen);
    assert_memory_equal(out.data, want, wantlen);
    assert_int_equal(out.data[out.len], '\0');
    moat_buf_release(&out);
}

static void test_utf16(void **state)
{
    (void)state;
    check_utf16("h\0i\0", 4, false, "hi", 2);
    check_utf16("\0h\0i", 4, true, "hi", 2);
    check_utf16("\xff\xfeh\0", 4, false, "h", 1); /* BOM skipped */
    check_utf16("\xfe\xff\0h", 4, true, "h", 1);
    check_utf16("h\0\xff\xfe", 4, false, "h\xef\xbb\xbf", 4);           /* not at the start: kept */
    check_utf16("\xe9\0\xac\x20", 4, false, "\xc3\xa9\xe2\x82\xac", 5); /* é € */
    check_utf16("\x3d\xd8\x00\xde", 4, false, "\xf0\x9f\x98\x80", 4);   /* U+1F600 */
    check_utf16("\xd8\x3d\xde\x00", 4, true, "\xf0\x9f\x98\x80", 4);
    check_utf16("\xff\xdb\xff\xdf", 4, false, "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
    check_utf16("", 0, false, "", 0);
    check_utf16("x", 1, false, "", 0);
    check_utf16("h\0i", 3, false, "h", 1); /* odd last byte dropped */
    check_utf16("\0\0", 2, false, "\0", 1);
}

static void test_utf16_malformed(void **state)
{
    (void)state;
    /* a high surrogate at the end, before a non-surrogate, before another high */
    check_utf16("\x3d\xd8", 2, false, "\xef\xbf\xbd", 3);
    check_utf16("\x3d\xd8"
                "A\0",
                4, false,
                "\xef\xbf\xbd"
                "A",
                4);
    check_utf16("\x3d\xd8\x3d\xd8\x00\xde", 6, false, "\xef\xbf\xbd\xf0\x9f\x98\x80", 7);
    /* a low surrogate alone */
    check_utf16("\x00\xde"
                "A\0",
                4, false,
                "\xef\xbf\xbd"
                "A",
                4);
    /* a high surrogate and a dangling odd byte */
    check_utf16("\x3d\xd8\x00", 3, false, "\xef\xbf\xbd", 3);
}

static void test_utf16_append_and_cap(void **state)
{
    struct moat_buf out = MOAT_BUF_INIT(4);

    (void)state;
    assert_int_equal(moat_buf_addstr(&out, "x"), 0);
    assert_int_equal(scan_decode_utf16(U("h\0i\0"), 4, false, &out), 0);
    assert_string_equal(out.data, "xhi");
    assert_int_equal(scan_decode_utf16(U("a\0b\0c\0"), 6, false, &out), MOAT_ETOOBIG);
    assert_string_equal(out.data, "xhia"); /* what fitted */
    moat_buf_release(&out);
    /* a character never goes in half */
    moat_buf_init(&out, 4);
    assert_int_equal(scan_decode_utf16(U("\xe9\0\xac\x20"), 4, false, &out), MOAT_ETOOBIG);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "\xc3\xa9", 2);
    moat_buf_release(&out);
}

static void test_utf16_large(void **state)
{
    size_t n = 1 << 20;
    unsigned char *in = moat_malloc(n);
    struct moat_buf out = MOAT_BUF_INIT(n);

    (void)state;
    for (size_t i = 0; i < n; i += 2) {
        in[i] = (unsigned char)('a' + (i / 2) % 26);
        in[i + 1] = 0;
    }
    assert_int_equal(scan_decode_utf16(in, n, false, &out), 0);
    assert_int_equal(out.len, n / 2);
    assert_int_equal(out.data[27], 'b');
    moat_buf_release(&out);
    free(in);
}

static void test_binary_strings(void **state)
{
    static const char bin[] = "\0\x01hello world, this is long\0ab\0\xff"
                              "key=AKIAQ7RZ3XK9WD2MB5TF\x02"
                              "tab\there\xe9"
                              "abcd\nefgh";
    struct moat_buf out = MOAT_BUF_INIT(1 << 20);

    (void)state;
    assert_int_equal(scan_binary_strings(U(bin), sizeof(bin) - 1, 4, &out), 0);
    assert_string_equal(out.data, "hello world, this is long\n"
                                  "key=AKIAQ7RZ3XK9WD2MB5TF\n"
                                  "tab\there\n"
                                  "abcd\n"
                                  "efgh\n");
    /* exactly min is kept, one less is not */
    moat_buf_reset(&out);
    assert_int_equal(scan_binary_strings(U("\0abcd\0abc\0"), 10, 4, &out), 0);
    assert_string_equal(out.data, "abcd\n");
    /* min 0 means 1; appending to what is there */
    assert_int_equal(scan_binary_strings(U("x\0y"), 3, 0, &out), 0);
    assert_string_equal(out.data, "abcd\nx\ny\n");
    /* nothing printable */
    moat_buf_reset(&out);
    assert_int_equal(scan_binary_strings(U("\0\1\2\3"), 4, 1, &out), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(scan_binary_strings(U(""), 0, 1, &out), 0);
    assert_int_equal(out.len, 0);
    moat_buf_release(&out);
}

static void test_binary_strings_cap(void **state)
{
    struct moat_buf out = MOAT_BUF_INIT(12);

    (void)state;
    assert_int_equal(scan_binary_strings(U("first\0second\0third"), 18, 3, &out), MOAT_ETOOBIG);
    assert_string_equal(out.data, "first\n");
    moat_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_text),
        cmocka_unit_test(test_classify_binary),
        cmocka_unit_test(test_classify_threshold),
        cmocka_unit_test(test_classify_utf16),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_utf16_malformed),
        cmocka_unit_test(test_utf16_append_and_cap),
        cmocka_unit_test(test_utf16_large),
        cmocka_unit_test(test_binary_strings),
        cmocka_unit_test(test_binary_strings_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
