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
#define POOL_MIN_SHIFT    8   /* the smallest block: 256 bytes */
#define INFLATE_SLACK     264 /* room past an object that zlib's fast loop wants (258) */
#define POOL_CLASSES      13  /* blocks of 256 B to 1 MiB are reused; larger ones freed */

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
    return o->cls < POOL_CLASSES ? (size_t)1 << (o->cls + POOL_MIN_SHIFT) : sizeof(*o) + o->len + 1;
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

/* A new object of len bytes, with room for slack more. */
static struct gitsrc_obj *obj_new(struct gitsrc_reader *r, git_object_t type, size_t len,
                                  size_t slack)
{
    size_t block = sizeof(struct gitsrc_obj) + len + 1 + slack;
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

    if (r->max == 0 || off > CACHE_KEY_MAX_OFF || o->len > r->max / CACHE_OBJ_SHARE)
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
    moat_hash_seed(&r->mul, sizeof(r->mul));
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

/* Inflate the zlib stream at data in pack x into out[0..len), out having
 * room for cap >= len bytes: the stream must give exactly len bytes and end
 * there. Room to spare matters: zlib decodes with its fast loop only while
 * 258 bytes of room are left, so a small object inflated into a buffer of
 * its exact size is decoded entirely by the slow one. */
static int inflate_to(struct gitsrc_reader *r, const struct gitsrc_pack *x, uint64_t data,
                      unsigned char *out, size_t len, size_t cap)
{
    uint64_t avail = x->packlen - GIT_OID_RAWSZ - data; /* data < that: gitsrc_pack_header */
    unsigned char sink;
    int zr;

    if (len > UINT_MAX)
        return MOAT_EUNSUP;
    if (cap > UINT_MAX)
        cap = len;
    if (inflateReset(&r->zs) != Z_OK)
        return MOAT_EPARSE;
    r->zs.next_in = x->packmap + data;
    r->zs.avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
    r->zs.next_out = cap ? out : &sink;
    r->zs.avail_out = (uInt)cap;
    zr = inflate(&r->zs, Z_FINISH);
    if (zr == Z_STREAM_END)
        return r->zs.total_out == len ? 0 : MOAT_EPARSE;
    if ((zr == Z_OK || zr == Z_BUF_ERROR) && r->zs.avail_out == 0 && cap == len) {
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
    if (*bufcap < l->h.size + INFLATE_SLACK) {
        free(*buf);
        *bufcap = (size_t)l->h.size + INFLATE_SLACK;
        *buf = moat_malloc(*bufcap);
    }
    return inflate_to(r, &r->ps->v[l->pack], l->h.data, *buf, (size_t)l->h.size, *bufcap);
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

/* What went wrong, and where, for the message. */
struct why {
    uint64_t off;
    const char *what;
};

static int corrupt(struct why *why, uint64_t off, const char *what)
{
    why->off = off;
    why->what = what;
    return MOAT_EPARSE;
}

/* Walk from the object at off in pack p down its deltas to one in the cache
 * (*cached, not referenced) or a whole object (the last link), into
 * r->chain. */
static int chain_down(struct gitsrc_reader *r, uint32_t p, uint64_t off, struct gitsrc_obj **cached,
                      struct why *why)
{
    *cached = NULL;
    r->chain.n = 0;
    for (;;) {
        const struct gitsrc_pack *x = &r->ps->v[p];
        struct link l = { .pack = p, .off = off };
        git_oid bid;

        if ((*cached = cache_get(r, p, off)))
            return 0;
        if (!x->packmap)
            return MOAT_EUNSUP;
        if (gitsrc_pack_header(x->packmap, x->packlen, off, &l.h) != 0)
            return corrupt(why, off, "bad object header");
        if (r->chain.n >= GITSRC_MAX_CHAIN)
            return corrupt(why, r->chain.v[0].off, "more than 10000 deltas on deltas (a cycle?)");
        MOAT_VEC_PUSH(&r->chain, l);
        if (whole(l.h.type))
            return 0;
        if (l.h.type == GITSRC_PACK_OFS_DELTA) {
            off = l.h.base_off;
            continue;
        }
        memcpy(bid.id, l.h.base_id, GIT_OID_RAWSZ);
        if (!gitsrc_packs_find(r->ps, &bid, &p, &off))
            return MOAT_EUNSUP; /* loose, or in an alternate: libgit2's */
    }
}

/* Build r->chain's objects bottom up, from base (referenced by the caller,
 * which this takes over; NULL when the last link is a whole object), into
 * *out. The first link's instructions, if it is a delta, are in r->top
 * (top_len bytes). Each object may be max bytes; dcap bounds instructions. */
static int chain_build(struct gitsrc_reader *r, struct gitsrc_obj *base, git_object_t type,
                       size_t max, size_t dcap, size_t top_len, struct gitsrc_obj **out,
                       struct why *why)
{
    uint64_t result, bsize;
    size_t hlen;
    int rc = 0;

    if (!base) {
        const struct link *l = &r->chain.v[--r->chain.n];
        if (l->h.size > max || l->h.size > UINT_MAX)
            return MOAT_EUNSUP; /* a base over the limit: libgit2 may read it */
        base = obj_new(r, type, (size_t)l->h.size, INFLATE_SLACK);
        if ((rc = inflate_to(r, &r->ps->v[l->pack], l->h.data, base->data, base->len,
                             obj_bytes(base) - sizeof(*base) - 1)) != 0) {
            if (rc == MOAT_EPARSE)
                corrupt(why, l->off, "corrupt data");
            goto out;
        }
        base->data[base->len] = '\0'; /* the slack may hold anything */
        cache_put(r, base, l->pack, l->off);
    }
    while (r->chain.n) {
        const struct link *l = &r->chain.v[--r->chain.n];
        const unsigned char *d = r->top;
        size_t dlen = top_len;
        struct gitsrc_obj *o;
        if (r->chain.n) {
            if ((rc = inflate_delta(r, l, dcap, &r->delta, &r->delta_cap)) != 0) {
                if (rc == MOAT_EPARSE)
                    corrupt(why, l->off, "corrupt data");
                goto out;
            }
            d = r->delta;
            dlen = (size_t)l->h.size;
        }
        if (gitsrc_delta_sizes(d, dlen, &bsize, &result, &hlen) != 0) {
            rc = corrupt(why, l->off, "corrupt delta");
            goto out;
        }
        if (result > max || result > UINT_MAX) {
            rc = MOAT_EUNSUP; /* a base over the limit */
            goto out;
        }
        o = obj_new(r, type, (size_t)result, 0);
        if (gitsrc_delta_apply(base->data, base->len, d, dlen, o->data, o->len) != 0) {
            gitsrc_obj_release(o);
            rc = corrupt(why, l->off, "delta does not fit its base");
            goto out;
        }
        cache_put(r, o, l->pack, l->off);
        gitsrc_obj_release(base);
        base = o;
    }
    *out = base;
    base = NULL;
out:
    gitsrc_obj_release(base);
    return rc;
}

int gitsrc_reader_read_at(struct gitsrc_reader *r, uint32_t p, uint64_t off, size_t max,
                          struct gitsrc_obj **out, git_object_t *type, size_t *size,
                          struct moat_err *err)
{
    /* A delta's instructions take at most 8 bytes per byte they make (a
     * copy of one byte), past the two sizes (at most 10 bytes each). */
    size_t dcap = max > (SIZE_MAX - 32) / 8 ? SIZE_MAX : max * 8 + 32;
    struct why why = { 0, NULL };
    struct gitsrc_obj *cached = NULL;
    const struct link *top;
    uint64_t result, bsize;
    size_t hlen, top_len = 0;
    int rc;

    *out = NULL;
    if (p >= r->ps->n)
        return MOAT_ENOENT;
    if ((rc = chain_down(r, p, off, &cached, &why)) != 0)
        goto out;
    *type = cached ? cached->type : (git_object_t)r->chain.v[r->chain.n - 1].h.type;
    /* Its size, before anything is built. */
    top = r->chain.n ? &r->chain.v[0] : NULL;
    if (!top) {
        result = cached->len; /* the object itself was in the cache */
    } else if (whole(top->h.type)) {
        result = top->h.size;
    } else {
        if ((rc = inflate_delta(r, top, dcap, &r->top, &r->top_cap)) != 0) {
            if (rc == MOAT_EPARSE)
                corrupt(&why, top->off, "corrupt data");
            goto out;
        }
        top_len = (size_t)top->h.size;
        if (gitsrc_delta_sizes(r->top, top_len, &bsize, &result, &hlen) != 0) {
            rc = corrupt(&why, top->off, "corrupt delta");
            goto out;
        }
    }
    *size = result > SIZE_MAX ? SIZE_MAX : (size_t)result;
    if (result > max) {
        rc = MOAT_ETOOBIG;
        goto out;
    }
    if (result > UINT_MAX) {
        rc = MOAT_EUNSUP; /* zlib's counts are 32 bits */
        goto out;
    }
    if (cached)
        cached->refs++; /* ours now, or chain_build's */
    if (!top)
        *out = cached;
    else
        rc = chain_build(r, cached, *type, max, dcap, top_len, out, &why);
out:
    if (rc == MOAT_EPARSE)
        return moat_err_set(err, rc, "pack object at offset %llu: %s", (unsigned long long)why.off,
                            why.what);
    return rc;
}
