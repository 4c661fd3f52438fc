/* Git's delta format, as packs store most objects: the base's size, the
 * result's size, then instructions that copy a range of the base or insert
 * bytes of their own. The bytes come from the repository, so every size and
 * range is checked against the buffers before it is used. */
#include <string.h>
#include "scan/git/git.h"
#include "core/banned.h"

/* A size: 7 bits a byte, least significant first, the top bit says more. */
static int delta_varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned char c;

    do {
        if (*p >= end || shift > 63)
            return MOAT_EPARSE;
        c = *(*p)++;
        if (shift == 63 && (c & 0x7e))
            return MOAT_EPARSE; /* bits past 64 */
        v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    *out = v;
    return 0;
}

int gitsrc_delta_sizes(const unsigned char *delta, size_t len, uint64_t *base_size,
                       uint64_t *result_size, size_t *hlen)
{
    const unsigned char *p = delta, *end = delta + len;

    if (delta_varint(&p, end, base_size) != 0 || delta_varint(&p, end, result_size) != 0)
        return MOAT_EPARSE;
    *hlen = (size_t)(p - delta);
    return 0;
}

int gitsrc_delta_apply(const unsigned char *base, size_t blen, const unsigned char *delta,
                       size_t dlen, unsigned char *out, size_t olen)
{
    const unsigned char *p, *end = delta + dlen;
    uint64_t bsize, rsize;
    size_t hlen, left = olen;
    unsigned char *o = out;

    if (gitsrc_delta_sizes(delta, dlen, &bsize, &rsize, &hlen) != 0 || bsize != blen ||
        rsize != olen)
        return MOAT_EPARSE;
    p = delta + hlen;
    while (p < end) {
        unsigned char cmd = *p++;

        if (cmd & 0x80) {
            /* copy: bits 0-3 say which offset bytes follow, 4-6 which size bytes */
            uint64_t off = 0;
            size_t size = 0;
            for (unsigned i = 0; i < 4; i++)
                if (cmd & (1u << i)) {
                    if (p >= end)
                        return MOAT_EPARSE;
                    off |= (uint64_t)*p++ << (8 * i);
                }
            for (unsigned i = 0; i < 3; i++)
                if (cmd & (0x10u << i)) {
                    if (p >= end)
                        return MOAT_EPARSE;
                    size |= (size_t)*p++ << (8 * i);
                }
            if (size == 0)
                size = 0x10000;
            if (off > blen || size > blen - off || size > left)
                return MOAT_EPARSE;
            memcpy(o, base + off, size);
            o += size;
            left -= size;
        } else if (cmd) {
            /* insert the next cmd bytes */
            if (cmd > (size_t)(end - p) || cmd > left)
                return MOAT_EPARSE;
            memcpy(o, p, cmd);
            p += cmd;
            o += cmd;
            left -= cmd;
        } else {
            return MOAT_EPARSE; /* reserved */
        }
    }
    return left == 0 ? 0 : MOAT_EPARSE;
}
