/* Fuzz target for src/scan/decode.c: classifies the input, decodes it as
 * UTF-16 both ways and extracts its strings, and checks what comes out:
 * valid UTF-8, printable runs, NUL-terminated buffers within their caps. */
#include <stdint.h>
#include <stdlib.h>
#include "scan/scan.h"
#include "fuzz.h"
#include "core/banned.h"

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t need;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        need = 2;
        cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        need = 3;
        cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        need = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (need > n)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

static void check_buf(const struct moat_buf *b)
{
    if (b->len > b->max || b->data[b->len] != '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_buf out = MOAT_BUF_INIT(1u << 20), small = MOAT_BUF_INIT(64);
    enum scan_text_kind kind = scan_text_classify(data, size);

    if (kind != SCAN_TEXT && kind != SCAN_UTF16LE && kind != SCAN_UTF16BE && kind != SCAN_BINARY)
        abort();
    for (int be = 0; be < 2; be++) {
        moat_buf_reset(&out);
        if (scan_decode_utf16(data, size, be, &out) != 0 && size < (1u << 19))
            abort(); /* 3 bytes per unit at most: this much always fits */
        check_buf(&out);
        for (size_t i = 0; i < out.len;) {
            size_t k = utf8_seq((const unsigned char *)out.data + i, out.len - i);
            if (!k)
                abort();
            i += k;
        }
        moat_buf_reset(&small);
        if (scan_decode_utf16(data, size, be, &small) != 0) {
            /* over the small cap: what fitted must still be whole */
        }
        check_buf(&small);
    }
    for (size_t min = 0; min <= 16; min += 4) {
        moat_buf_reset(&out);
        if (scan_binary_strings(data, size, min, &out) != 0 && size < (1u << 19))
            abort(); /* never longer than twice the input */
        check_buf(&out);
        for (size_t i = 0; i < out.len; i++) {
            unsigned char c = (unsigned char)out.data[i];
            if (!((c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n'))
                abort();
        }
        if (out.len && out.data[out.len - 1] != '\n')
            abort();
    }
    moat_buf_reset(&small);
    if (scan_binary_strings(data, size, 4, &small) != 0) {
        /* over the small cap */
    }
    check_buf(&small);
    moat_buf_release(&out);
    moat_buf_release(&small);
    return 0;
}
