/* Fuzz target for reading objects from pack files ourselves (src/scan/git/
 * delta.c, pack.c, packread.c, commits.c): the first input byte picks one
 * (0 a delta applied to a base, 1 a pack read through an index made from the
 * input, 2 the strict commit parse, 3 object headers), the rest is its input.
 * Each checks what it returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scan/git/git.h"
#include "fuzz.h"
#include "core/banned.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_OBJECTS 32
#define MAX_READ    (1u << 16)

/* Two bytes of base length, the base, then the delta. */
static void fuzz_delta(const unsigned char *data, size_t len)
{
    uint64_t bsize, rsize;
    size_t blen, hlen;
    unsigned char *out;

    if (len < 2)
        return;
    blen = (size_t)data[0] | (size_t)data[1] << 8;
    data += 2;
    len -= 2;
    if (blen > len)
        blen = len;
    if (gitsrc_delta_sizes(data + blen, len - blen, &bsize, &rsize, &hlen) != 0)
        return;
    CHECK(hlen <= len - blen);
    if (rsize > MAX_READ)
        return;
    out = moat_malloc(rsize ? rsize : 1);
    if (gitsrc_delta_apply(data, blen, data + blen, len - blen, out, (size_t)rsize) == 0)
        CHECK(bsize == blen);
    free(out);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A count n, n 4-byte offsets, then a pack file. Object i (1..n) has the id
 * of 20 bytes i, at the i-th offset: REF_DELTA bases in the pack can name
 * them, and make chains and cycles. Every object is read, by id and by
 * offset, through a reader with a cache and one without. */
static void fuzz_read(const unsigned char *data, size_t len)
{
    size_t n, xlen;
    unsigned char *x, *pack;
    struct gitsrc_pack one = { 0 };
    struct gitsrc_packs ps = { &one, 1 };
    struct gitsrc_reader *r[2];

    if (len < 1)
        return;
    n = data[0] % (MAX_OBJECTS + 1);
    if (len < 1 + 4 * n)
        return;
    /* the index: header, fanout, ids, CRCs, offsets, two checksums */
    xlen = 8 + 256 * 4 + n * 28 + 40;
    x = moat_calloc(1, xlen);
    memcpy(x, "\377tOc", 4);
    put_be32(x + 4, 2);
    for (unsigned f = 0; f < 256; f++)
        put_be32(x + 8 + f * 4, (uint32_t)(f < 1 ? 0 : f > n ? n : f));
    for (size_t i = 0; i < n; i++) {
        memset(x + 8 + 1024 + i * 20, (int)(i + 1), 20);
        memcpy(x + 8 + 1024 + n * 24 + i * 4, data + 1 + 4 * i, 4);
        x[8 + 1024 + n * 24 + i * 4] &= 0x7f; /* 31-bit offsets only */
    }
    data += 1 + 4 * n;
    len -= 1 + 4 * n;
    pack = moat_malloc(len ? len : 1);
    if (len)
        memcpy(pack, data, len);
    one.idxmap = x;
    one.idxlen = xlen;
    one.packmap = pack;
    one.packlen = len;
    CHECK(gitsrc_idx_parse(&one.idx, x, xlen) == 0);
    r[0] = gitsrc_reader_new(&ps, 1u << 16);
    r[1] = gitsrc_reader_new(&ps, 0);
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 2; k++) {
                struct gitsrc_obj *o = NULL;
                git_object_t type = GIT_OBJECT_INVALID;
                size_t size = 0;
                git_oid id;
                int rc;
                memset(id.id, (int)(i + 1), 20);
                rc = round
                         ? gitsrc_reader_read_at(r[k], 0, gitsrc_idx_offset(&one.idx, (uint32_t)i),
                                                 MAX_READ, &o, &type, &size, NULL)
                         : gitsrc_reader_read(r[k], &id, MAX_READ, &o, &type, &size, NULL);
                if (rc == 0) {
                    CHECK(o != NULL && o->len <= MAX_READ && o->data[o->len] == '\0');
                    CHECK(o->type >= GIT_OBJECT_COMMIT && o->type <= GIT_OBJECT_TAG);
                    gitsrc_obj_release(o);
                } else {
                    CHECK(o == NULL);
                    CHECK(rc == MOAT_ENOENT || rc == MOAT_ETOOBIG || rc == MOAT_EUNSUP ||
                          rc == MOAT_EPARSE);
                    CHECK(rc != MOAT_ETOOBIG || size > MAX_READ);
                }
            }
    gitsrc_reader_free(r[0]);
    gitsrc_reader_free(r[1]);
    free(pack);
    free(x);
}

static void fuzz_commit(const unsigned char *data, size_t len)
{
    unsigned char *copy = moat_malloc(len ? len : 1);
    struct gitsrc_sig a;
    git_oid tree;

    if (len)
        memcpy(copy, data, len);
    if (gitsrc_commit_parse(copy, len, &tree, &a)) {
        const char *end = (const char *)copy + len;
        CHECK(a.name >= (const char *)copy && a.name + a.nlen <= end && a.nlen > 0);
        CHECK(a.email >= (const char *)copy && a.email + a.elen <= end && a.elen > 0);
        CHECK(!memchr(a.name, '<', a.nlen) && !memchr(a.email, '>', a.elen));
        CHECK(a.time >= 0 && a.offset >= -(14 * 60 + 59) && a.offset <= 14 * 60 + 59);
    }
    free(copy);
}

static void fuzz_headers(const unsigned char *data, size_t len)
{
    unsigned char *copy = moat_malloc(len ? len : 1);

    if (len)
        memcpy(copy, data, len);
    for (uint64_t off = 0; off < len && off < 4096; off++) {
        struct gitsrc_pack_hdr h;
        if (gitsrc_pack_header(copy, len, off, &h) != 0)
            continue;
        CHECK(off >= 12 && h.data > off && h.data < len - 20);
        CHECK(h.type != GITSRC_PACK_OFS_DELTA || (h.base_off >= 12 && h.base_off < off));
        CHECK(h.type != GITSRC_PACK_REF_DELTA || h.base_id + 20 <= copy + h.data);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;

    if (!ready) {
        /* the reader's cache key comes from libsodium, set up here */
        if (gitsrc_setup(NULL) != 0)
            __builtin_trap();
        ready = 1;
    }
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0: fuzz_delta(data + 1, size - 1); break;
    case 1: fuzz_read(data + 1, size - 1); break;
    case 2: fuzz_commit(data + 1, size - 1); break;
    default: fuzz_headers(data + 1, size - 1); break;
    }
    return 0;
}
