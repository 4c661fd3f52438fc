/* Unit tests for reading objects from pack files ourselves (delta.c, pack.c,
 * packread.c, commits.c): delta instructions, pack object headers, index
 * lookups, the reader with its delta chains and cache, and the strict commit
 * parse checked against libgit2's. Packs are built here byte by byte, so
 * each kind of damage can be made on purpose: bad zlib data, sizes that lie,
 * deltas that copy from outside their base, chains that loop, truncation at
 * every byte. Inputs are copied to buffers of their exact length, so the
 * ASan build sees overreads. */
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "scan/git/git.h"
#include "core/banned.h"

/* A heap copy of len bytes of p, exactly len long. */
static unsigned char *dup_exact(const void *p, size_t len)
{
    unsigned char *d = moat_malloc(len ? len : 1);

    if (len)
        memcpy(d, p, len);
    return d;
}

/* ---- building bytes ---- */

struct bytes {
    unsigned char *v;
    size_t n, cap;
};

static void put(struct bytes *b, const void *p, size_t len)
{
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2 + 64;
        b->v = moat_realloc(b->v, b->cap);
    }
    if (len)
        memcpy(b->v + b->n, p, len);
    b->n += len;
}

static void put1(struct bytes *b, unsigned c)
{
    unsigned char x = (unsigned char)c;

    put(b, &x, 1);
}

static void put_be32(struct bytes *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };

    put(b, x, 4);
}

/* A delta's size: 7 bits a byte, least significant first. */
static void put_varint(struct bytes *b, uint64_t v)
{
    do {
        put1(b, (unsigned)(v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

/* A copy instruction of size bytes (0: 64 KiB) from off. */
static void d_copy(struct bytes *b, uint32_t off, uint32_t size)
{
    unsigned cmd = 0x80;
    unsigned char arg[7];
    size_t n = 0;

    for (unsigned i = 0; i < 4; i++)
        if ((off >> (8 * i)) & 0xff) {
            cmd |= 1u << i;
            arg[n++] = (unsigned char)(off >> (8 * i));
        }
    for (unsigned i = 0; i < 3; i++)
        if ((size >> (8 * i)) & 0xff) {
            cmd |= 0x10u << i;
            arg[n++] = (unsigned char)(size >> (8 * i));
        }
    put1(b, cmd);
    put(b, arg, n);
}

static void d_insert(struct bytes *b, const char *s)
{
    put1(b, (unsigned)strlen(s));
    put(b, s, strlen(s));
}

/* ---- deltas ---- */

static int apply(const char *base, const struct bytes *d, char *out, size_t olen)
{
    unsigned char *bc = dup_exact(base, strlen(base)), *dc = dup_exact(d->v, d->n);
    int rc = gitsrc_delta_apply(bc, strlen(base), dc, d->n, (unsigned char *)out, olen);

    free(bc);
    free(dc);
    return rc;
}

static void test_delta_apply(void **state)
{
    struct bytes d = { 0 };
    char out[64];

    (void)state;
    /* "hello world" -> "hello there, world!" */
    put_varint(&d, 11);
    put_varint(&d, 19);
    d_copy(&d, 0, 6);
    d_insert(&d, "there,");
    d_copy(&d, 5, 6);
    d_insert(&d, "!");
    memset(out, 0, sizeof(out));
    assert_int_equal(apply("hello world", &d, out, 19), 0);
    assert_memory_equal(out, "hello there, world!", 19);
    /* the two sizes must be the buffers' */
    assert_int_equal(apply("hello worlds", &d, out, 19), MOAT_EPARSE);
    assert_int_equal(apply("hello world", &d, out, 20), MOAT_EPARSE);
    assert_int_equal(apply("hello world", &d, out, 18), MOAT_EPARSE);
    free(d.v);
}

static void test_delta_copy_64k(void **state)
{
    unsigned char *base = moat_malloc(0x10000), *out = moat_malloc(0x10000);
    struct bytes d = { 0 };

    (void)state;
    for (size_t i = 0; i < 0x10000; i++)
        base[i] = (unsigned char)(i * 7);
    put_varint(&d, 0x10000);
    put_varint(&d, 0x10000);
    put1(&d, 0x80); /* no offset, no size: 64 KiB from 0 */
    assert_int_equal(gitsrc_delta_apply(base, 0x10000, d.v, d.n, out, 0x10000), 0);
    assert_memory_equal(out, base, 0x10000);
    free(d.v);
    free(base);
    free(out);
}

static void test_delta_malformed(void **state)
{
    struct bytes d = { 0 };
    char out[64];
    uint64_t a, b;
    size_t hlen;
    static const unsigned char long_size[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                               0xff, 0xff, 0xff, 0x01, 0x05 };
    static const unsigned char past64[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0xff, 0xff, 0x03, 0x05 };
    static const unsigned char bit64[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                           0x80, 0x80, 0x80, 0x02, 0x05 };

    (void)state;
    /* copies from outside the base */
    put_varint(&d, 11);
    put_varint(&d, 5);
    d_copy(&d, 8, 5);
    assert_int_equal(apply("hello world", &d, out, 5), MOAT_EPARSE);
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 5);
    d_copy(&d, 0xffffffffu, 5);
    assert_int_equal(apply("hello world", &d, out, 5), MOAT_EPARSE);
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 5);
    d_copy(&d, 12, 0); /* 64 KiB past the end */
    assert_int_equal(apply("hello world", &d, out, 5), MOAT_EPARSE);
    /* more than the result holds: a copy, an insert */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 4);
    d_copy(&d, 0, 5);
    assert_int_equal(apply("hello world", &d, out, 4), MOAT_EPARSE);
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 2);
    d_insert(&d, "abc");
    assert_int_equal(apply("hello world", &d, out, 2), MOAT_EPARSE);
    /* an insert that runs off the delta */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 5);
    put1(&d, 5);
    put(&d, "ab", 2);
    assert_int_equal(apply("hello world", &d, out, 5), MOAT_EPARSE);
    /* a copy whose argument bytes are cut off */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 5);
    put1(&d, 0x91);
    put1(&d, 1);
    assert_int_equal(apply("hello world", &d, out, 5), MOAT_EPARSE);
    /* the reserved instruction 0 */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 1);
    put1(&d, 0);
    assert_int_equal(apply("hello world", &d, out, 1), MOAT_EPARSE);
    /* fewer bytes made than the header says */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 6);
    d_copy(&d, 0, 5);
    assert_int_equal(apply("hello world", &d, out, 6), MOAT_EPARSE);
    /* sizes: cut short, empty, past 64 bits; the largest is fine */
    assert_int_equal(gitsrc_delta_sizes((const unsigned char *)"\x85", 1, &a, &b, &hlen),
                     MOAT_EPARSE);
    assert_int_equal(gitsrc_delta_sizes((const unsigned char *)"", 0, &a, &b, &hlen), MOAT_EPARSE);
    assert_int_equal(gitsrc_delta_sizes(bit64, sizeof(bit64), &a, &b, &hlen), MOAT_EPARSE);
    assert_int_equal(gitsrc_delta_sizes(past64, sizeof(past64), &a, &b, &hlen), MOAT_EPARSE);
    assert_int_equal(gitsrc_delta_sizes(long_size, sizeof(long_size), &a, &b, &hlen), 0);
    assert_true(a == UINT64_MAX && b == 5 && hlen == sizeof(long_size));
    d.n = 0;
    assert_int_equal(apply("", &d, out, 0), MOAT_EPARSE);
    free(d.v);
}

/* ---- pack object headers ---- */

/* A pack holding obj (len bytes) at offset 12, with its 20-byte trailer. */
static unsigned char *pack_with(const void *obj, size_t len, size_t *plen)
{
    struct bytes b = { 0 };

    put(&b, "PACK", 4);
    put_be32(&b, 2);
    put_be32(&b, 1);
    put(&b, obj, len);
    for (int i = 0; i < GIT_OID_RAWSZ; i++)
        put1(&b, 0xee);
    *plen = b.n;
    return b.v;
}

/* The header at off of a pack holding obj; base_id is then pointed at a
 * copy of the base id (the pack itself is freed). */
static int header_of(const void *obj, size_t len, uint64_t off, struct gitsrc_pack_hdr *h)
{
    static unsigned char id[GIT_OID_RAWSZ];
    size_t plen;
    unsigned char *p = pack_with(obj, len, &plen), *e = dup_exact(p, plen);
    int rc = gitsrc_pack_header(e, plen, off, h);

    if (rc == 0 && h->base_id) {
        assert_true(h->base_id >= e && h->base_id + GIT_OID_RAWSZ <= e + plen - GIT_OID_RAWSZ);
        memcpy(id, h->base_id, GIT_OID_RAWSZ);
        h->base_id = id;
    }
    if (rc == 0)
        assert_true(h->data < plen - GIT_OID_RAWSZ);
    free(p);
    free(e);
    return rc;
}

static void test_pack_header(void **state)
{
    struct gitsrc_pack_hdr h;
    static const unsigned char blob[] = { 0xb5, 0x01, 0x78 }, /* blob of 21 bytes */
        tree[] = { 0x25, 0x78 },                              /* tree of 5 */
        ofs[] = { 0x6a, 0x01, 0x78 },                         /* delta of 10, base 1 back */
        ofs_far[] = { 0x6a, 0x81, 0x00, 0x78 },               /* base 256 back */
        ofs_zero[] = { 0x6a, 0x00, 0x78 },                    /* base 0 back: itself */
        ofs_long[] = { 0x6a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x78 },
                               none[] = { 0x05, 0x78 },
                               five[] = { 0x55, 0x78 }, big[] = { 0xbf, 0xff, 0xff, 0xff, 0xff,
                                                                  0xff, 0xff, 0xff, 0x7f, 0x78 },
                               huge[] = { 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0x01, 0x78 };
    unsigned char ref[1 + GIT_OID_RAWSZ + 1];
    unsigned char pad[300];

    (void)state;
    assert_int_equal(header_of(blob, sizeof(blob), 12, &h), 0);
    assert_true(h.type == GITSRC_PACK_BLOB && h.size == 21 && h.data == 14);
    assert_int_equal(header_of(tree, sizeof(tree), 12, &h), 0);
    assert_true(h.type == GITSRC_PACK_TREE && h.size == 5 && h.data == 13);
    /* a base offset must point after the pack header and before the object */
    assert_int_equal(header_of(ofs, sizeof(ofs), 12, &h), MOAT_EPARSE); /* 11: in the header */
    memset(pad, 0x78, sizeof(pad));
    memcpy(pad + 280, ofs, sizeof(ofs));
    assert_int_equal(header_of(pad, sizeof(pad), 12 + 280, &h), 0);
    assert_true(h.type == GITSRC_PACK_OFS_DELTA && h.size == 10 && h.base_off == 12 + 279);
    memcpy(pad + 280, ofs_far, sizeof(ofs_far));
    assert_int_equal(header_of(pad, sizeof(pad), 12 + 280, &h), 0);
    assert_true(h.base_off == 12 + 280 - 256);
    memcpy(pad + 280, ofs_zero, sizeof(ofs_zero));
    assert_int_equal(header_of(pad, sizeof(pad), 12 + 280, &h), MOAT_EPARSE);
    assert_int_equal(header_of(ofs_long, sizeof(ofs_long), 12, &h), MOAT_EPARSE);
    /* a base id must fit before the trailer */
    ref[0] = 0x73;
    memset(ref + 1, 0xab, GIT_OID_RAWSZ);
    ref[1 + GIT_OID_RAWSZ] = 0x78;
    assert_int_equal(header_of(ref, sizeof(ref), 12, &h), 0);
    assert_true(h.type == GITSRC_PACK_REF_DELTA && h.base_id && h.base_id[0] == 0xab);
    assert_int_equal(header_of(ref, sizeof(ref) - 1, 12, &h), MOAT_EPARSE); /* no data */
    assert_int_equal(header_of(ref, 10, 12, &h), MOAT_EPARSE);
    /* reserved types, and sizes past 64 bits */
    assert_int_equal(header_of(none, sizeof(none), 12, &h), MOAT_EPARSE);
    assert_int_equal(header_of(five, sizeof(five), 12, &h), MOAT_EPARSE);
    assert_int_equal(header_of(big, sizeof(big), 12, &h), 0);
    assert_true(h.size == (UINT64_C(1) << 60) - 1);
    assert_int_equal(header_of(huge, sizeof(huge), 12, &h), MOAT_EPARSE);
    /* offsets outside the objects */
    assert_int_equal(header_of(blob, sizeof(blob), 0, &h), MOAT_EPARSE);
    assert_int_equal(header_of(blob, sizeof(blob), 11, &h), MOAT_EPARSE);
    assert_int_equal(header_of(blob, sizeof(blob), 15, &h), MOAT_EPARSE);
    assert_int_equal(header_of(blob, sizeof(blob), UINT64_MAX, &h), MOAT_EPARSE);
    assert_int_equal(gitsrc_pack_header(NULL, 0, 12, &h), MOAT_EPARSE);
}

/* ---- a pack and its index, built in memory ---- */

#define MAXOBJ 64

struct tpack {
    struct bytes b;
    git_oid id[MAXOBJ];
    uint64_t off[MAXOBJ];
    size_t n;
    unsigned char *pack, *idx; /* exact copies, once finished */
    struct gitsrc_pack one;
    struct gitsrc_packs ps;
};

static void tp_init(struct tpack *t)
{
    memset(t, 0, sizeof(*t));
    put(&t->b, "PACK", 4);
    put_be32(&t->b, 2);
    put_be32(&t->b, 0); /* the count, set by tp_finish */
}

static void make_id(git_oid *id, unsigned fill)
{
    memset(id->id, (int)fill, GIT_OID_RAWSZ);
}

/* Start an object: its id (fill byte), type and size; returns its offset. */
static uint64_t tp_head(struct tpack *t, unsigned fill, unsigned type, uint64_t size)
{
    uint64_t off = t->b.n;
    unsigned c = (type << 4) | (unsigned)(size & 15);

    assert_true(t->n < MAXOBJ);
    make_id(&t->id[t->n], fill);
    t->off[t->n++] = off;
    size >>= 4;
    while (size) {
        put1(&t->b, c | 0x80);
        c = (unsigned)(size & 0x7f);
        size >>= 7;
    }
    put1(&t->b, c);
    return off;
}

static void tp_zlib(struct tpack *t, const void *data, size_t len)
{
    uLongf zlen = compressBound((uLong)len);
    unsigned char *z = moat_malloc(zlen);

    assert_int_equal(compress2(z, &zlen, data, (uLong)len, 6), Z_OK);
    put(&t->b, z, zlen);
    free(z);
}

static uint64_t tp_whole(struct tpack *t, unsigned fill, unsigned type, const void *data,
                         size_t len)
{
    uint64_t off = tp_head(t, fill, type, len);

    tp_zlib(t, data, len);
    return off;
}

/* How far back an OFS_DELTA's base is: git's offset encoding. */
static void put_rel(struct bytes *b, uint64_t rel)
{
    unsigned char enc[16];
    size_t n = 0;

    enc[15 - n++] = (unsigned char)(rel & 0x7f);
    while (rel >>= 7) {
        rel--;
        enc[15 - n++] = (unsigned char)(0x80 | (rel & 0x7f));
    }
    put(b, enc + 16 - n, n);
}

static uint64_t tp_ofs(struct tpack *t, unsigned fill, uint64_t base, const struct bytes *d)
{
    uint64_t off = tp_head(t, fill, GITSRC_PACK_OFS_DELTA, d->n);

    put_rel(&t->b, off - base);
    tp_zlib(t, d->v, d->n);
    return off;
}

static uint64_t tp_ref(struct tpack *t, unsigned fill, unsigned base_fill, const struct bytes *d)
{
    uint64_t off = tp_head(t, fill, GITSRC_PACK_REF_DELTA, d->n);
    git_oid base;

    make_id(&base, base_fill);
    put(&t->b, base.id, GIT_OID_RAWSZ);
    tp_zlib(t, d->v, d->n);
    return off;
}

/* The trailer, the index (version 2, ids sorted), and t->ps over both. */
static void tp_finish(struct tpack *t)
{
    struct bytes x = { 0 };
    size_t order[MAXOBJ];

    t->b.v[8] = (unsigned char)(t->n >> 24);
    t->b.v[9] = (unsigned char)(t->n >> 16);
    t->b.v[10] = (unsigned char)(t->n >> 8);
    t->b.v[11] = (unsigned char)t->n;
    for (int i = 0; i < GIT_OID_RAWSZ; i++)
        put1(&t->b, 0xc5);
    for (size_t i = 0; i < t->n; i++)
        order[i] = i;
    for (size_t i = 1; i < t->n; i++) /* insertion sort by id */
        for (size_t k = i; k > 0 && git_oid_cmp(&t->id[order[k - 1]], &t->id[order[k]]) > 0; k--) {
            size_t tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    put(&x, "\377tOc", 4);
    put_be32(&x, 2);
    for (unsigned f = 0; f < 256; f++) {
        uint32_t c = 0;
        for (size_t i = 0; i < t->n; i++)
            c += t->id[i].id[0] <= f;
        put_be32(&x, c);
    }
    for (size_t i = 0; i < t->n; i++)
        put(&x, t->id[order[i]].id, GIT_OID_RAWSZ);
    for (size_t i = 0; i < t->n; i++)
        put_be32(&x, 0); /* CRCs, unread */
    for (size_t i = 0; i < t->n; i++)
        put_be32(&x, (uint32_t)t->off[order[i]]);
    put(&x, t->b.v + t->b.n - GIT_OID_RAWSZ, GIT_OID_RAWSZ);
    for (int i = 0; i < GIT_OID_RAWSZ; i++)
        put1(&x, 0);
    t->pack = dup_exact(t->b.v, t->b.n);
    t->idx = dup_exact(x.v, x.n);
    t->one.packmap = t->pack;
    t->one.packlen = t->b.n;
    t->one.idxmap = t->idx;
    t->one.idxlen = x.n;
    assert_int_equal(gitsrc_idx_parse(&t->one.idx, t->idx, x.n), 0);
    t->ps.v = &t->one;
    t->ps.n = 1;
    free(x.v);
}

static void tp_release(struct tpack *t)
{
    free(t->b.v);
    free(t->pack);
    free(t->idx);
}

/* Read fill's object: expect rc and, when 0, the type and bytes. */
static void expect_read(struct gitsrc_reader *r, unsigned fill, size_t max, int rc,
                        git_object_t type, const char *data)
{
    struct moat_err err = { 0 };
    struct gitsrc_obj *o = NULL;
    git_object_t t = GIT_OBJECT_INVALID;
    size_t size = 0;
    git_oid id;

    make_id(&id, fill);
    assert_int_equal(gitsrc_reader_read(r, &id, max, &o, &t, &size, &err), rc);
    if (rc != 0) {
        assert_null(o);
        if (rc == MOAT_EPARSE)
            assert_true(err.msg[0] != '\0');
        return;
    }
    assert_non_null(o);
    assert_int_equal(o->type, type);
    assert_int_equal(o->len, strlen(data));
    assert_memory_equal(o->data, data, o->len);
    assert_int_equal(o->data[o->len], '\0');
    gitsrc_obj_release(o);
}

/* "hello world" and two generations of deltas on it, by offset and by id,
 * read in every order, with a cache and without. */
static void test_reader_chains(void **state)
{
    struct bytes d1 = { 0 }, d2 = { 0 }, d3 = { 0 };
    struct tpack t;
    uint64_t b, o1;

    (void)state;
    tp_init(&t);
    b = tp_whole(&t, 0x10, GITSRC_PACK_BLOB, "hello world", 11);
    put_varint(&d1, 11);
    put_varint(&d1, 13);
    d_copy(&d1, 0, 11);
    d_insert(&d1, "!!");
    o1 = tp_ofs(&t, 0x20, b, &d1); /* "hello world!!" */
    put_varint(&d2, 13);
    put_varint(&d2, 5);
    d_copy(&d2, 6, 5);
    tp_ofs(&t, 0x30, o1, &d2); /* "world" */
    put_varint(&d3, 11);
    put_varint(&d3, 3);
    d_insert(&d3, "hey");
    tp_ref(&t, 0x40, 0x10, &d3); /* "hey", on the blob by id */
    tp_whole(&t, 0x50, GITSRC_PACK_TREE, "", 0);
    tp_finish(&t);
    for (size_t cache = 0; cache <= 1; cache++) {
        struct gitsrc_reader *r = gitsrc_reader_new(&t.ps, cache ? 1u << 20 : 0);
        for (int round = 0; round < 2; round++) {
            expect_read(r, 0x30, 100, 0, GIT_OBJECT_BLOB, "world");
            expect_read(r, 0x20, 100, 0, GIT_OBJECT_BLOB, "hello world!!");
            expect_read(r, 0x10, 100, 0, GIT_OBJECT_BLOB, "hello world");
            expect_read(r, 0x40, 100, 0, GIT_OBJECT_BLOB, "hey");
            expect_read(r, 0x50, 100, 0, GIT_OBJECT_TREE, "");
        }
        /* over max: refused before anything is built, the size said */
        {
            struct gitsrc_obj *o = NULL;
            git_object_t type;
            size_t size = 0;
            git_oid id;
            make_id(&id, 0x20);
            assert_int_equal(gitsrc_reader_read(r, &id, 12, &o, &type, &size, NULL), MOAT_ETOOBIG);
            assert_true(o == NULL && size == 13 && type == GIT_OBJECT_BLOB);
        }
        /* a base over max is left to libgit2 */
        expect_read(r, 0x30, 12, cache ? 0 : MOAT_EUNSUP, GIT_OBJECT_BLOB, "world");
        /* not in the pack */
        expect_read(r, 0x99, 100, MOAT_ENOENT, GIT_OBJECT_BLOB, NULL);
        gitsrc_reader_free(r);
    }
    free(d1.v);
    free(d2.v);
    free(d3.v);
    tp_release(&t);
}

/* Objects that hold on to each other past the reader's next reads. */
static void test_reader_refs(void **state)
{
    struct gitsrc_obj *o[40] = { 0 };
    struct bytes d = { 0 };
    struct tpack t;
    struct gitsrc_reader *r;
    uint64_t b;
    git_object_t type;
    size_t size;
    char text[64];

    (void)state;
    tp_init(&t);
    b = tp_whole(&t, 1, GITSRC_PACK_BLOB, "0123456789abcdef0123456789abcdef", 32);
    for (unsigned i = 2; i < 40; i++) {
        d.n = 0;
        put_varint(&d, 32);
        put_varint(&d, 33);
        d_copy(&d, 0, 32);
        put1(&d, 1);
        put1(&d, 'A' + i % 26);
        tp_ofs(&t, i, b, &d);
    }
    tp_finish(&t);
    r = gitsrc_reader_new(&t.ps, 512); /* holds a few objects at most */
    for (unsigned i = 1; i < 40; i++) {
        git_oid id;
        make_id(&id, i);
        assert_int_equal(gitsrc_reader_read(r, &id, 100, &o[i], &type, &size, NULL), 0);
    }
    for (unsigned i = 2; i < 40; i++) {
        assert_int_equal(moat_snprintf(text, sizeof(text), "%s%c",
                                       "0123456789abcdef0123456789abcdef", 'A' + i % 26),
                         0);
        assert_int_equal(o[i]->len, 33);
        assert_memory_equal(o[i]->data, text, 33);
    }
    for (unsigned i = 1; i < 40; i++)
        gitsrc_obj_release(o[i]);
    gitsrc_reader_free(r);
    free(d.v);
    tp_release(&t);
}

/* Deltas whose bases loop, point outside their base, or lie about sizes. */
static void test_reader_malformed(void **state)
{
    struct bytes d = { 0 };
    struct tpack t;
    struct gitsrc_reader *r;
    uint64_t b;

    (void)state;
    tp_init(&t);
    b = tp_whole(&t, 0x10, GITSRC_PACK_BLOB, "hello world", 11);
    /* two deltas, each the other's base; and one its own base */
    put_varint(&d, 3);
    put_varint(&d, 3);
    d_copy(&d, 0, 3);
    tp_ref(&t, 0x20, 0x21, &d);
    tp_ref(&t, 0x21, 0x20, &d);
    tp_ref(&t, 0x22, 0x22, &d);
    /* a copy from past the end of the base */
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, 6);
    d_copy(&d, 7, 6);
    tp_ofs(&t, 0x30, b, &d);
    /* a delta for another base size */
    d.n = 0;
    put_varint(&d, 12);
    put_varint(&d, 2);
    d_copy(&d, 0, 2);
    tp_ofs(&t, 0x31, b, &d);
    /* a base in no pack: libgit2's */
    tp_ref(&t, 0x32, 0x77, &d);
    /* zlib data that is not, and whole objects whose size lies */
    tp_head(&t, 0x40, GITSRC_PACK_BLOB, 11);
    put(&t.b, "not zlib data at all", 20);
    tp_head(&t, 0x41, GITSRC_PACK_BLOB, 12);
    tp_zlib(&t, "hello world", 11);
    tp_head(&t, 0x42, GITSRC_PACK_BLOB, 10);
    tp_zlib(&t, "hello world", 11);
    /* sizes that would not fit in memory */
    tp_head(&t, 0x43, GITSRC_PACK_BLOB, UINT64_C(1) << 40);
    tp_zlib(&t, "x", 1);
    d.n = 0;
    put_varint(&d, 11);
    put_varint(&d, UINT64_C(1) << 40);
    d_copy(&d, 0, 11);
    tp_ofs(&t, 0x44, b, &d);
    /* a delta whose instructions would take 1 TiB: libgit2's to refuse */
    put_rel(&t.b, tp_head(&t, 0x45, GITSRC_PACK_OFS_DELTA, UINT64_C(1) << 40) - b);
    tp_zlib(&t, "x", 1);
    /* an object of a reserved type, and a delta on it */
    tp_head(&t, 0x46, 0, 1);
    tp_zlib(&t, "y", 1);
    d.n = 0;
    put_varint(&d, 1);
    put_varint(&d, 1);
    d_copy(&d, 0, 1);
    tp_ref(&t, 0x47, 0x46, &d);
    tp_whole(&t, 0x48, GITSRC_PACK_BLOB, "y", 1);
    tp_finish(&t);
    r = gitsrc_reader_new(&t.ps, 1u << 20);
    for (int round = 0; round < 2; round++) {
        struct gitsrc_obj *o = NULL;
        git_object_t type;
        size_t size = 0;
        git_oid id;

        expect_read(r, 0x20, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x21, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x22, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x30, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x31, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x32, 100, MOAT_EUNSUP, 0, NULL);
        expect_read(r, 0x40, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x41, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x42, 100, MOAT_EPARSE, 0, NULL);
        make_id(&id, 0x43);
        assert_int_equal(gitsrc_reader_read(r, &id, 1u << 20, &o, &type, &size, NULL),
                         MOAT_ETOOBIG);
        assert_true(o == NULL && size == (size_t)1 << 40 && type == GIT_OBJECT_BLOB);
        assert_int_equal(gitsrc_reader_read(r, &id, SIZE_MAX, &o, &type, &size, NULL),
                         MOAT_EUNSUP); /* over 4 GiB: libgit2's, which will refuse it */
        make_id(&id, 0x44);
        assert_int_equal(gitsrc_reader_read(r, &id, 1u << 20, &o, &type, &size, NULL),
                         MOAT_ETOOBIG);
        assert_true(o == NULL && size == (size_t)1 << 40);
        expect_read(r, 0x45, 100, MOAT_EUNSUP, 0, NULL);
        expect_read(r, 0x46, 100, MOAT_EPARSE, 0, NULL);
        expect_read(r, 0x47, 100, MOAT_EPARSE, 0, NULL);
        /* the good objects are still read right after all that */
        expect_read(r, 0x10, 100, 0, GIT_OBJECT_BLOB, "hello world");
        expect_read(r, 0x48, 100, 0, GIT_OBJECT_BLOB, "y");
    }
    gitsrc_reader_free(r);
    free(d.v);
    tp_release(&t);
}

/* A pack cut short at every byte: every read fails or succeeds, none
 * reads past the end. */
static void test_reader_truncated(void **state)
{
    struct bytes d = { 0 };
    struct tpack t;
    uint64_t b, o1;
    size_t full;

    (void)state;
    tp_init(&t);
    b = tp_whole(&t, 0x10, GITSRC_PACK_BLOB, "hello world, hello pack", 23);
    put_varint(&d, 23);
    put_varint(&d, 25);
    d_copy(&d, 0, 23);
    d_insert(&d, "!!");
    o1 = tp_ofs(&t, 0x20, b, &d);
    d.n = 0;
    put_varint(&d, 25);
    put_varint(&d, 5);
    d_copy(&d, 0, 5);
    tp_ofs(&t, 0x30, o1, &d);
    d.n = 0;
    put_varint(&d, 5);
    put_varint(&d, 3);
    d_copy(&d, 2, 3);
    tp_ref(&t, 0x40, 0x30, &d);
    tp_finish(&t);
    full = t.b.n;
    for (size_t cut = 0; cut <= full; cut++) {
        unsigned char *p = dup_exact(t.pack, cut);
        struct gitsrc_pack one = t.one;
        struct gitsrc_packs ps = { &one, 1 };
        struct gitsrc_reader *r = gitsrc_reader_new(&ps, 1u << 16);

        one.packmap = p;
        one.packlen = cut;
        for (unsigned fill = 0x10; fill <= 0x40; fill += 0x10) {
            struct gitsrc_obj *o = NULL;
            git_object_t type;
            size_t size;
            git_oid id;
            int rc;
            make_id(&id, fill);
            rc = gitsrc_reader_read(r, &id, 100, &o, &type, &size, NULL);
            assert_true(rc == 0 ? o != NULL : o == NULL);
            if (cut == full)
                assert_int_equal(rc, 0);
            gitsrc_obj_release(o);
        }
        gitsrc_reader_free(r);
        free(p);
    }
    free(d.v);
    tp_release(&t);
}

/* ---- index lookups ---- */

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, GIT_OID_RAWSZ);
}

/* Build an index of n ids and check every lookup against a linear search,
 * for ids there and not there. */
static void check_idx(unsigned char *ids, uint32_t n, const unsigned char *absent, size_t nabsent)
{
    struct bytes x = { 0 };
    struct gitsrc_idx idx;
    unsigned char *copy;

    qsort(ids, n, GIT_OID_RAWSZ, id_cmp);
    put(&x, "\377tOc", 4);
    put_be32(&x, 2);
    for (unsigned f = 0, k = 0; f < 256; f++) {
        while (k < n && ids[(size_t)k * GIT_OID_RAWSZ] <= f)
            k++;
        put_be32(&x, k);
    }
    put(&x, ids, (size_t)n * GIT_OID_RAWSZ);
    for (uint32_t i = 0; i < n; i++)
        put_be32(&x, 0);
    for (uint32_t i = 0; i < n; i++)
        put_be32(&x, 1000 + i);
    for (int i = 0; i < 2 * GIT_OID_RAWSZ; i++)
        put1(&x, 0);
    copy = dup_exact(x.v, x.n);
    assert_int_equal(gitsrc_idx_parse(&idx, copy, x.n), 0);
    for (uint32_t i = 0; i < n; i++) {
        git_oid id;
        uint32_t pos = UINT32_MAX;
        memcpy(id.id, ids + (size_t)i * GIT_OID_RAWSZ, GIT_OID_RAWSZ);
        assert_true(gitsrc_idx_pos(&idx, &id, &pos));
        /* duplicates are not made here: the position is i */
        assert_int_equal(pos, i);
        assert_true(gitsrc_idx_find(&idx, &id) == 1000 + (uint64_t)i);
    }
    for (size_t i = 0; i < nabsent; i++) {
        git_oid id;
        uint32_t pos;
        memcpy(id.id, absent + i * GIT_OID_RAWSZ, GIT_OID_RAWSZ);
        if (!bsearch(id.id, ids, n, GIT_OID_RAWSZ, id_cmp))
            assert_false(gitsrc_idx_pos(&idx, &id, &pos));
    }
    free(copy);
    free(x.v);
}

static void test_idx_lookup(void **state)
{
    const uint32_t n = 20000;
    unsigned char *ids = moat_malloc((size_t)n * GIT_OID_RAWSZ);
    unsigned char *absent = moat_malloc((size_t)n * GIT_OID_RAWSZ);
    uint64_t s = 0x9e3779b97f4a7c15u;

    (void)state;
    /* uniform ids, as SHA-1 makes them */
    for (size_t i = 0; i < (size_t)n * GIT_OID_RAWSZ; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        ids[i] = (unsigned char)s;
        absent[i] = (unsigned char)(s >> 8);
    }
    for (uint32_t i = 0; i < n; i++) /* unique */
        memcpy(ids + (size_t)i * GIT_OID_RAWSZ + 16, &i, 4);
    check_idx(ids, n, absent, n);
    /* ids ground to crowd one end of a bucket, or to share 8 bytes: the
     * guess is far off, the search from it still finds them */
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *p = ids + (size_t)i * GIT_OID_RAWSZ;
        memset(p, i % 3 ? 0x42 : 0x41, 8);
        p[1] = i % 5 ? 0xff : 0x00;
        memcpy(p + 16, &i, 4);
    }
    check_idx(ids, n, absent, n);
    check_idx(ids, 17, ids + 17 * GIT_OID_RAWSZ, 100);
    check_idx(ids, 1, absent, 10);
    free(ids);
    free(absent);
}

/* ---- commits: our strict parse against libgit2's ---- */

static git_repository *repo;
static char repo_dir[256];

static void check_commit(const char *text, bool accepted)
{
    git_oid tree, id;
    struct gitsrc_sig a;
    git_odb *odb = NULL;
    git_commit *c = NULL;
    unsigned char *copy = dup_exact(text, strlen(text));
    bool ours = gitsrc_commit_parse(copy, strlen(text), &tree, &a);

    assert_int_equal(ours, accepted);
    assert_int_equal(git_repository_odb(&odb, repo), 0);
    assert_int_equal(git_odb_write(&id, odb, text, strlen(text), GIT_OBJECT_COMMIT), 0);
    git_odb_free(odb);
    if (git_commit_lookup(&c, repo, &id) != 0) {
        assert_false(ours); /* libgit2 refuses it: so must we */
    } else if (ours) {
        const git_signature *s = git_commit_author(c);
        assert_true(git_oid_equal(&tree, git_commit_tree_id(c)));
        assert_int_equal(strlen(s->name), a.nlen);
        assert_memory_equal(s->name, a.name, a.nlen);
        assert_int_equal(strlen(s->email), a.elen);
        assert_memory_equal(s->email, a.email, a.elen);
        assert_true(s->when.time == a.time);
        assert_int_equal(s->when.offset, a.offset);
    }
    git_commit_free(c);
    free(copy);
}

#define TREE   "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
#define PARENT "parent 8d14cbf983b3fad683171c9418998d9f68340823\n"
#define CMTR   "committer C O <c@example.com> 1600000000 +0000\n"

static void test_commit_parse(void **state)
{
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        { TREE "author Alice Leak <alice@example.com> 1612321506 +0100\n" CMTR "\nmsg\n", true },
        { TREE PARENT PARENT "author A <a@x> 0 -0830\n" CMTR "gpgsig -----BEGIN\n \n\nm", true },
        { TREE "author Ünï Cödé <u@x> 1 +1400\n" CMTR "encoding latin1\n\nm", true },
        { "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\nauthor A <a@x> 5 +0000\n" CMTR, true },
        { TREE "author A <a@x> 999999999999999999 +0000\n" CMTR, true },
        /* left to libgit2: it trims, guesses or refuses */
        { TREE "author  Spaced  <a@x> 1 +0000\n" CMTR, false },
        { TREE "author Dot. <a@x> 1 +0000\n" CMTR, false },
        { TREE "author A <.a@x> 1 +0000\n" CMTR, false },
        { TREE "author A <a@x> 1\n" CMTR, false },
        { TREE "author A <a@x> 1 +9999\n" CMTR, false },
        { TREE "author A <a@x> 1 +01000\n" CMTR, false },
        { TREE "author A <a@x> -1 +0100\n" CMTR, false },
        { TREE "author A <a@x> 9999999999999999999 +0000\n" CMTR, false },
        { TREE "author A <a@x>1 +0000\n" CMTR, false },
        { TREE "author A<a@x> 1 +0000\n" CMTR, false },
        { TREE "author A <a<b@x> 1 +0000\n" CMTR, false },
        { TREE "author <a@x> 1 +0000\n" CMTR, false },
        { TREE "author A <> 1 +0000\n" CMTR, false },
        { TREE "author A <a@x> 1 +0000\nauthor B <b@x> 1 +0000\n" CMTR, false },
        { TREE "author A <a@x> 1 +0000\n", false },
        { TREE "author A <a@x> 1 +0000", false },
        { TREE "committer C <c@x> 1 +0000\n", false },
        { TREE "parent 8d14\nauthor A <a@x> 1 +0000\n" CMTR, false },
        { "tree 4b825dc642cb6eb9a060e54bf8d69288fbee49\nauthor A <a@x> 1 +0000\n" CMTR, false },
        { "tree 4b825dc642cb6eb9a060e54bf8d69288fbee490g\nauthor A <a@x> 1 +0000\n" CMTR, false },
        { "author A <a@x> 1 +0000\n" CMTR, false },
        { "", false },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_commit(cases[i].text, cases[i].ok);
}

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");

    (void)state;
    if (gitsrc_setup(NULL) != 0)
        return -1;
    if (moat_snprintf(repo_dir, sizeof(repo_dir), "%s/moat-packread-XXXXXX", tmp ? tmp : "/tmp") !=
            0 ||
        !mkdtemp(repo_dir))
        return -1;
    return git_repository_init(&repo, repo_dir, true) == 0 ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown(void **state)
{
    (void)state;
    git_repository_free(repo);
    return nftw(repo_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_apply),      cmocka_unit_test(test_delta_copy_64k),
        cmocka_unit_test(test_delta_malformed),  cmocka_unit_test(test_pack_header),
        cmocka_unit_test(test_reader_chains),    cmocka_unit_test(test_reader_refs),
        cmocka_unit_test(test_reader_malformed), cmocka_unit_test(test_reader_truncated),
        cmocka_unit_test(test_idx_lookup),       cmocka_unit_test(test_commit_parse),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
