/* Reading objects straight from the mapped pack files: the history scan's
 * trees and blobs, inflated with zlib and rebuilt from their delta chains by
 * each thread on its own.
 *
 * Why not libgit2: it reads every pack object under one process-wide lock
 * (the mwindow mutex), so threads wait on each other, and its delta-base
 * cache, shared and small, misses often, so long chains are inflated again.
 * Here each thread has a zlib stream and an LRU cache of the objects it built
 * last: read in pack order, a blob's base is almost always the object read
 * just before it. Anything unusual (an object in no pack we mapped, a base in
 * another repository, an object over 4 GiB) is left to libgit2; bytes that
 * cannot be right (bad zlib data, sizes that do not match, a delta that
 * copies from outside its base, a chain that loops) are an error the caller
 * reports as a warning. */
#define ZLIB_CONST
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sodium.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_MAX_CHAIN  10000 /* deltas on deltas; git writes at most 4095 */
#define CACHE_SLOTS       4096  /* hash slots, and most objects kept */
#define CACHE_OBJ_SHARE   4     /* an object over max/4 is not kept */
#define CACHE_KEY_MAX_OFF ((UINT64_C(1) << 52) - 1)
#define POOL_MIN_SHIFT    8  /* the smallest block: 256 bytes */
#define POOL_CLASSES      13 /* blocks of 256 B to 1 MiB are reused; larger ones freed */

struct link {
    uint32_t pack;
    uint64_t off;
    struct gitsrc_pack_hdr h;
};

struct gitsrc_reader {
    const struct gitsrc_packs *ps;
    z_stream zs;
    MOAT_VEC(struct link) chain; /* the object read, then its bases */
    unsigned char *top, *delta;  /* instructions of the object read, and of a base */
    size_t top_cap, delta_cap;
    struct gitsrc_obj *slot[CACHE_SLOTS];
    struct gitsrc_obj *head, *tail; /* most and least recently used */
    size_t bytes, count, max;
    uint64_t mul; /* hash multiplier, random and odd: offsets are chosen by the repository */
    /* Blocks of objects released, by power-of-two size, for the next ones:
     * the cache drops an object for almost every one it takes, and malloc
     * and free (and the page faults of a heap that grows and shrinks) cost
     * as much as inflating. */
    struct gitsrc_obj *pool[POOL_CLASSES];
    size_t pooled, pool_max;
};

/* The memory o takes. */
static size_t obj_bytes(const struct gitsrc_obj *o)
{
    return o->cls < POOL_CLASSES ? (size_t)1 << (o->cls + POOL_MIN_SHIFT)
                                 : sizeof(*o) + o->len + 1;
}

void gitsrc_obj_release(struct gitsrc_obj *o)
{
    struct gitsrc_reader *r;

    if (!o || --o->refs > 0)
        return;
    r = o->rd;
    if (o->cls < POOL_CLASSES && r->pooled + obj_bytes(o) <= r->pool_max) {
        o->next = r->pool[o->cls];
        r->pool[o->cls] = o;
        r->pooled += obj_bytes(o);
        return;
    }
    free(o);
}

/* A block's size class: the smallest power of two that holds it. */
static unsigned pool_class(size_t block)
{
    unsigned c = 0;

    while (c < POOL_CLASSES && ((size_t)1 << (c + POOL_MIN_SHIFT)) < block)
        c++;
    return c;
}

static struct gitsrc_obj *obj_new(struct gitsrc_reader *r, git_object_t type, size_t len)
{
    size_t block = sizeof(struct gitsrc_obj) + len + 1;
    unsigned cls = pool_class(block);
    struct gitsrc_obj *o;

    if (cls < POOL_CLASSES && (o = r->pool[cls])) {
        r->pool[cls] = o->next;
        r->pooled -= (size_t)1 << (cls + POOL_MIN_SHIFT);
    } else {
        o = moat_malloc(cls < POOL_CLASSES ? (size_t)1 << (cls + POOL_MIN_SHIFT) : block);
    }
    memset(o, 0, sizeof(*o));
    o->refs = 1;
    o->rd = r;
    o->cls = cls;
    o->type = type;
    o->len = len;
    o->data[len] = '\0';
    return o;
}

/* ---- the cache: objects by (pack, offset), least recently used dropped ---- */

static size_t cache_slot(const struct gitsrc_reader *r, uint64_t key)
{
    return (size_t)((key * r->mul) >> 52) & (CACHE_SLOTS - 1);
}

static void lru_unlink(struct gitsrc_reader *r, struct gitsrc_obj *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        r->head = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        r->tail = o->prev;
    o->prev = o->next = NULL;
}

static void lru_push(struct gitsrc_reader *r, struct gitsrc_obj *o)
{
    o->prev = NULL;
    o->next = r->head;
    if (r->head)
        r->head->prev = o;
    else
        r->tail = o;
    r->head = o;
}

static struct gitsrc_obj *cache_get(struct gitsrc_reader *r, uint32_t pack, uint64_t off)
{
    uint64_t key = off << 12 | pack;

    if (off > CACHE_KEY_MAX_OFF)
        return NULL;
    for (struct gitsrc_obj *o = r->slot[cache_slot(r, key)]; o; o = o->hnext)
        if (o->key == key) {
            if (r->head != o) {
                lru_unlink(r, o);
                lru_push(r, o);
            }
            return o;
        }
    return NULL;
}

static void cache_drop(struct gitsrc_reader *r, struct gitsrc_obj *o)
{
    struct gitsrc_obj **pp = &r->slot[cache_slot(r, o->key)];

    while (*pp != o)
        pp = &(*pp)->hnext;
    *pp = o->hnext;
    o->hnext = NULL;
    lru_unlink(r, o);
    r->bytes -= obj_bytes(o);
    r->count--;
    gitsrc_obj_release(o);
}

/* Keep o (a new object, not in the cache) as the one at off in pack. */
static void cache_put(struct gitsrc_reader *r, struct gitsrc_obj *o, uint32_t pack, uint64_t off)
{
    size_t slot;

    if (off > CACHE_KEY_MAX_OFF || o->len > r->max / CACHE_OBJ_SHARE)
        return;
    o->key = off << 12 | pack;
    while (r->tail && (r->bytes + obj_bytes(o) > r->max || r->count >= CACHE_SLOTS))
        cache_drop(r, r->tail);
    slot = cache_slot(r, o->key);
    o->hnext = r->slot[slot];
    r->slot[slot] = o;
    lru_push(r, o);
    o->refs++;
    r->bytes += obj_bytes(o);
    r->count++;
}

/* ---- the reader ---- */

struct gitsrc_reader *gitsrc_reader_new(const struct gitsrc_packs *ps, size_t cache_max)
{
    struct gitsrc_reader *r = moat_calloc(1, sizeof(*r));

    r->ps = ps;
    r->max = cache_max;
    r->pool_max = cache_max / 4;
    randombytes_buf(&r->mul, sizeof(r->mul));
    r->mul |= 1;
    if (inflateInit(&r->zs) != Z_OK)
        MOAT_BUG("zlib cannot allocate its state"); /* only out of memory gets here */
    return r;
}

void gitsrc_reader_free(struct gitsrc_reader *r)
{
    if (!r)
        return;
    while (r->tail)
        cache_drop(r, r->tail);
    for (unsigned c = 0; c < POOL_CLASSES; c++)
        while (r->pool[c]) {
            struct gitsrc_obj *o = r->pool[c];
            r->pool[c] = o->next;
            free(o);
        }
    if (inflateEnd(&r->zs) != Z_OK) {
        /* the stream was set up; nothing is left to free */
    }
    free(r->chain.v);
    free(r->top);
    free(r->delta);
    free(r);
}

/* Inflate the zlib stream at data in pack x into out[0..len): it must give
 * exactly len bytes and end there. */
static int inflate_to(struct gitsrc_reader *r, const struct gitsrc_pack *x, uint64_t data,
                      unsigned char *out, size_t len)
{
    uint64_t avail = x->packlen - GIT_OID_RAWSZ - data; /* data < that: gitsrc_pack_header */
    unsigned char sink;
    int zr;

    if (len > UINT_MAX)
        return MOAT_EUNSUP;
    if (inflateReset(&r->zs) != Z_OK)
        return MOAT_EPARSE;
    r->zs.next_in = x->packmap + data;
    r->zs.avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
    r->zs.next_out = len ? out : &sink;
    r->zs.avail_out = (uInt)len;
    zr = inflate(&r->zs, Z_FINISH);
    if (zr == Z_STREAM_END)
        return r->zs.avail_out == 0 || len == 0 ? 0 : MOAT_EPARSE;
    if ((zr == Z_OK || zr == Z_BUF_ERROR) && r->zs.avail_out == 0) {
        /* out is full: the stream may still hold its end (the checksum);
         * one byte more of output would mean the object is longer */
        r->zs.next_out = &sink;
        r->zs.avail_out = 1;
        if (inflate(&r->zs, Z_FINISH) == Z_STREAM_END && r->zs.avail_out == 1)
            return 0;
    }
    return MOAT_EPARSE;
}

/* Inflate the instructions of the delta l into *buf (grown as needed); they
 * may not be over cap bytes. */
static int inflate_delta(struct gitsrc_reader *r, const struct link *l, size_t cap,
                         unsigned char **buf, size_t *bufcap)
{
    if (l->h.size > cap)
        return MOAT_EUNSUP;
    if (*bufcap < l->h.size + 1) {
        free(*buf);
        *bufcap = (size_t)l->h.size + 1;
        *buf = moat_malloc(*bufcap);
    }
    return inflate_to(r, &r->ps->v[l->pack], l->h.data, *buf, (size_t)l->h.size);
}

int gitsrc_reader_read(struct gitsrc_reader *r, const git_oid *id, size_t max,
                       struct gitsrc_obj **out, git_object_t *type, size_t *size,
                       struct moat_err *err)
{
    uint32_t p;
    uint64_t off;

    *out = NULL;
    if (!gitsrc_packs_find(r->ps, id, &p, &off))
        return MOAT_ENOENT;
    return gitsrc_reader_read_at(r, p, off, max, out, type, size, err);
}

static bool whole(enum gitsrc_pack_type t)
{
    return t >= GITSRC_PACK_COMMIT && t <= GITSRC_PACK_TAG;
}

int gitsrc_reader_read_at(struct gitsrc_reader *r, uint32_t p, uint64_t off, size_t max,
                          struct gitsrc_obj **out, git_object_t *type, size_t *size,
                          struct moat_err *err)
{
    /* A delta's instructions take at most 8 bytes per byte they make (a
     * copy of one byte), past the two sizes (at most 10 bytes each). */
    size_t dcap = max > (SIZE_MAX - 32) / 8 ? SIZE_MAX : max * 8 + 32;
    struct gitsrc_obj *base = NULL, *o;
    uint64_t result, bsize;
    git_object_t btype;
    size_t hlen, top_len = 0;
    int rc;

    *out = NULL;
    r->chain.n = 0;
    if (p >= r->ps->n)
        return MOAT_ENOENT;
    /* Down the chain to a base in the cache or a whole object. */
    for (uint32_t cp = p;;) {
        const struct gitsrc_pack *x = &r->ps->v[cp];
        struct link l = { .pack = cp, .off = off };
        if ((base = cache_get(r, cp, off)))
            break;
        if (!x->packmap)
            return MOAT_EUNSUP;
        if (gitsrc_pack_header(x->packmap, x->packlen, off, &l.h) != 0)
            return moat_err_set(err, MOAT_EPARSE, "pack object at offset %llu: bad header",
                                (unsigned long long)off);
        if (r->chain.n >= GITSRC_MAX_CHAIN)
            return moat_err_set(err, MOAT_EPARSE,
                                "pack object at offset %llu: more than %d deltas on deltas "
                                "(a cycle?)",
                                (unsigned long long)r->chain.v[0].off, GITSRC_MAX_CHAIN);
        MOAT_VEC_PUSH(&r->chain, l);
        if (whole(l.h.type))
            break;
        if (l.h.type == GITSRC_PACK_OFS_DELTA) {
            off = l.h.base_off;
        } else {
            git_oid bid;
            memcpy(bid.id, l.h.base_id, GIT_OID_RAWSZ);
            if (!gitsrc_packs_find(r->ps, &bid, &cp, &off))
                return MOAT_EUNSUP; /* loose, or in an alternate: libgit2's */
        }
    }
    btype = base ? base->type : (git_object_t)r->chain.v[r->chain.n - 1].h.type;
    *type = btype;
    if (r->chain.n == 0) {
        /* the object itself was in the cache */
        *size = base->len;
        if (base->len > max)
            return MOAT_ETOOBIG;
        base->refs++;
        *out = base;
        return 0;
    }
    /* Its size, before anything is built. */
    if (whole(r->chain.v[0].h.type)) {
        result = r->chain.v[0].h.size;
    } else {
        const struct link *l = &r->chain.v[0];
        off = l->off;
        if ((rc = inflate_delta(r, l, dcap, &r->top, &r->top_cap)) != 0)
            goto corrupt;
        top_len = (size_t)l->h.size;
        if (gitsrc_delta_sizes(r->top, top_len, &bsize, &result, &hlen) != 0) {
            rc = MOAT_EPARSE;
            goto corrupt;
        }
    }
    *size = result > SIZE_MAX ? SIZE_MAX : (size_t)result;
    if (result > max)
        return MOAT_ETOOBIG;
    if (result > UINT_MAX)
        return MOAT_EUNSUP; /* zlib's counts are 32 bits */
    /* Up the chain: the whole object at the bottom, then each delta. */
    if (base) {
        base->refs++;
    } else {
        const struct link *l = &r->chain.v[--r->chain.n];
        if (l->h.size > max || l->h.size > UINT_MAX)
            return MOAT_EUNSUP; /* a base over the limit: libgit2 may read it */
        base = obj_new(r, btype, (size_t)l->h.size);
        if ((rc = inflate_to(r, &r->ps->v[l->pack], l->h.data, base->data, base->len)) != 0) {
            gitsrc_obj_release(base);
            off = l->off;
            goto corrupt;
        }
        cache_put(r, base, l->pack, l->off);
    }
    while (r->chain.n) {
        const struct link *l = &r->chain.v[--r->chain.n];
        const unsigned char *d = r->top;
        size_t dlen = top_len;
        off = l->off;
        if (r->chain.n) {
            if ((rc = inflate_delta(r, l, dcap, &r->delta, &r->delta_cap)) != 0)
                goto corrupt_base;
            d = r->delta;
            dlen = (size_t)l->h.size;
        }
        if (gitsrc_delta_sizes(d, dlen, &bsize, &result, &hlen) != 0) {
            rc = MOAT_EPARSE;
            goto corrupt_base;
        }
        if (result > max || result > UINT_MAX) {
            rc = MOAT_EUNSUP; /* a base over the limit */
            goto corrupt_base;
        }
        o = obj_new(r, btype, (size_t)result);
        if (gitsrc_delta_apply(base->data, base->len, d, dlen, o->data, o->len) != 0) {
            gitsrc_obj_release(o);
            rc = MOAT_EPARSE;
            goto corrupt_base;
        }
        cache_put(r, o, l->pack, l->off);
        gitsrc_obj_release(base);
        base = o;
    }
    *out = base;
    return 0;
corrupt_base:
    gitsrc_obj_release(base);
corrupt:
    if (rc == MOAT_EPARSE)
        return moat_err_set(err, rc, "pack object at offset %llu: corrupt data or delta",
                            (unsigned long long)off);
    return rc;
}
