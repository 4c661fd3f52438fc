/* Text decoding for the scanner: tells text from UTF-16 and binary, decodes
 * UTF-16 to UTF-8, and pulls printable strings out of binaries. Offsets in
 * decoded text do not map back to the file's bytes; lines of decoded UTF-16
 * are the lines an editor shows, which is what findings report. */
#include <stdint.h>
#include <string.h>
#include "scan/scan.h"
#include "core/banned.h"

#define SNIFF_BINARY 8192 /* bytes looked at for NULs and control bytes (git: 8000) */
#define SNIFF_UTF16  4096 /* bytes looked at for BOM-less UTF-16 */
#define SNIFF_CTRL   1024 /* bytes counted for control bytes: NUL-free binaries are rare */

/* Control bytes that plain text holds: \b \t \n \v \f \r and ESC (colour
 * codes in logs). Any other byte below 0x20, and DEL, counts as binary. */
#define TEXT_CONTROLS                                                                              \
    ((1u << '\b') | (1u << '\t') | (1u << '\n') | (1u << '\v') | (1u << '\f') | (1u << '\r') |     \
     (1u << 0x1b))

static bool is_odd_control(unsigned char c)
{
    return (c < 0x20 && !((TEXT_CONTROLS >> c) & 1)) || c == 0x7f;
}

/* Any byte below 0x20 or equal to 0x7f among the 8 bytes of w: a cheap
 * filter so that most words of text are not looked at byte by byte. */
static bool word_has_control(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t del = w ^ (0x7f * ones);

    return (((w - 0x20 * ones) & ~w & highs) | ((del - ones) & ~del & highs)) != 0;
}

static size_t count_odd_controls(const unsigned char *p, size_t n)
{
    size_t i = 0, count = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (!word_has_control(w))
            continue;
        for (size_t k = 0; k < 8; k++)
            count += is_odd_control(p[i + k]);
    }
    for (; i < n; i++)
        count += is_odd_control(p[i]);
    return count;
}

static bool is_ascii_text(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

/* BOM-less UTF-16: nine in ten code units are ASCII text with a zero high
 * byte (which side is zero gives the byte order). */
static enum scan_text_kind sniff_utf16(const unsigned char *d, size_t len)
{
    size_t n = (len < SNIFF_UTF16 ? len : SNIFF_UTF16) / 2, le = 0, be = 0;

    if (n < 2)
        return SCAN_BINARY;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = d[2 * i], b = d[2 * i + 1];
        le += b == 0 && is_ascii_text(a);
        be += a == 0 && is_ascii_text(b);
    }
    if (le * 10 >= n * 9)
        return SCAN_UTF16LE;
    if (be * 10 >= n * 9)
        return SCAN_UTF16BE;
    return SCAN_BINARY;
}

enum scan_text_kind scan_text_classify(const unsigned char *data, size_t len)
{
    size_t n = len < SNIFF_BINARY ? len : SNIFF_BINARY;

    if (len >= 2 && data[0] == 0xff && data[1] == 0xfe)
        return SCAN_UTF16LE;
    if (len >= 2 && data[0] == 0xfe && data[1] == 0xff)
        return SCAN_UTF16BE;
    /* text with no NUL in its first 8 KB cannot be mostly-ASCII UTF-16 */
    if (memchr(data, 0, n))
        return sniff_utf16(data, len);
    /* over one byte in ten an unusual control byte: not text */
    n = len < SNIFF_CTRL ? len : SNIFF_CTRL;
    if (count_odd_controls(data, n) * 10 > n)
        return SCAN_BINARY;
    return SCAN_TEXT;
}

static uint32_t unit_at(const unsigned char *d, size_t i, bool be)
{
    return be ? (uint32_t)d[i] << 8 | d[i + 1] : (uint32_t)d[i + 1] << 8 | d[i];
}

/* Appends to out. A leading BOM is skipped, an odd last byte dropped, and
 * unpaired surrogates become U+FFFD. Returns 0, or MOAT_ETOOBIG when out
 * would pass out->max; out then holds what fitted. */
int scan_decode_utf16(const unsigned char *data, size_t len, bool big_endian, struct moat_buf *out)
{
    size_t i = 0, n = len & ~(size_t)1, room = out->max - out->len, need;
    int rc;

    if (n >= 2 && unit_at(data, 0, big_endian) == 0xfeff)
        i = 2;
    /* one unit is at most 3 bytes of UTF-8 (a pair of them 4): grow once */
    need = (n - i) / 2 * 3;
    if ((rc = moat_buf_grow(out, need < room ? need : room)) != 0)
        return rc;
    for (; i < n; i += 2) {
        uint32_t u = unit_at(data, i, big_endian), cp = u;
        unsigned char tmp[4];
        size_t k;
        if (u >= 0xd800 && u <= 0xdbff) {
            uint32_t lo = i + 4 <= n ? unit_at(data, i + 2, big_endian) : 0;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            } else {
                cp = 0xfffd; /* high surrogate without its low half */
            }
        } else if (u >= 0xdc00 && u <= 0xdfff) {
            cp = 0xfffd; /* low surrogate on its own */
        }
        k = moat_utf8_encode(cp, tmp);
        if ((rc = moat_buf_add(out, tmp, k)) != 0)
            return rc;
    }
    return 0;
}

static bool is_printable(unsigned char c)
{
    return (c >= 0x20 && c <= 0x7e) || c == '\t';
}

/* Appends each run, then '\n'. Returns 0, or MOAT_ETOOBIG when out would
 * pass out->max; out then holds the runs that fitted. */
int scan_binary_strings(const unsigned char *data, size_t len, size_t min, struct moat_buf *out)
{
    size_t i = 0;
    int rc;

    if (min == 0)
        min = 1;
    while (i < len) {
        size_t start;
        while (i < len && !is_printable(data[i]))
            i++;
        start = i;
        while (i < len && is_printable(data[i]))
            i++;
        if (i - start < min)
            continue;
        if ((rc = moat_buf_grow(out, i - start + 1)) != 0)
            return rc;
        memcpy(out->data + out->len, data + start, i - start);
        out->len += i - start;
        out->data[out->len++] = '\n';
        out->data[out->len] = '\0';
    }
    return 0;
}
