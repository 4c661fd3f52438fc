/* The repository's pack files as we read them: each .idx mapped and checked
 * (to find an object's offset), each .pack mapped and checked against its
 * index, the header of an object in a pack, and the order to read blobs in.
 * Every parser here reads bytes of the repository. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_MAX_PACKS 4096                        /* pack indexes read for the reading order */
#define IDX_HEAD         (8 + (size_t)256 * 4)       /* magic, version, fanout table */
#define IDX_TAIL         ((size_t)2 * GIT_OID_RAWSZ) /* the pack's and the index's checksums */
#define PACK_HEAD        12                          /* "PACK", version, object count */

/* Blobs are read in the order they sit in the pack files: a blob's delta base
 * then was usually read just before it and is still in the reader's cache
 * (packread.c). In commit order, a long history reads ten times slower, each
 * blob rebuilding its delta chain. The order comes from the packs' .idx files
 * (version 2). It is only a hint: an index we cannot read or do not
 * understand is skipped, and objects outside packs are read last. */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int gitsrc_idx_parse(struct gitsrc_idx *x, const unsigned char *data, size_t len)
{
    uint32_t n;

    memset(x, 0, sizeof(*x));
    if (len < IDX_HEAD + IDX_TAIL)
        return MOAT_EPARSE;
    n = be32(data + 8 + (size_t)255 * 4);
    /* 20-byte id, 4-byte CRC and 4-byte offset per object */
    if (memcmp(data, "\377tOc", 4) != 0 || be32(data + 4) != 2 ||
        (uint64_t)n * 28 > len - IDX_HEAD - IDX_TAIL)
        return MOAT_EPARSE;
    x->data = data;
    x->len = len;
    x->n = n;
    x->ids = data + IDX_HEAD;
    x->off32 = x->ids + (size_t)n * 24;
    x->off64 = x->off32 + (size_t)n * 4;
    x->n64 = (len - IDX_TAIL - (size_t)(x->off64 - data)) / 8;
    return 0;
}

/* The first 8 bytes of an id as a number, for comparing and interpolating. */
static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* How the id at position i of x compares with id, whose first 8 bytes are key. */
static int idx_cmp(const struct gitsrc_idx *x, uint32_t i, const git_oid *id, uint64_t key)
{
    const unsigned char *p = x->ids + (size_t)i * GIT_OID_RAWSZ;
    uint64_t k = be64(p);

    return k < key ? -1 : k > key ? 1 : memcmp(p, id->id, GIT_OID_RAWSZ);
}

bool gitsrc_idx_pos(const struct gitsrc_idx *x, const git_oid *id, uint32_t *pos)
{
    const unsigned char *fan = x->data + 8;
    uint32_t lo = id->id[0] ? be32(fan + (size_t)(id->id[0] - 1) * 4) : 0;
    uint32_t hi = be32(fan + (size_t)id->id[0] * 4);
    uint64_t key = be64(id->id);

    if (hi > x->n || lo > hi)
        return false;
    /* Ids are uniform: a guess in proportion to the key lands a few entries
     * from it, and a search outwards from there (steps of 1, 2, 4, ...)
     * stays within a few cache lines, where a binary search over the
     * fanout's range would miss the cache at every step. */
    if (hi - lo > 16) {
        /* the bucket's ids share their first byte: the other 56 bits of
         * the key place it in [lo, hi) */
        uint64_t frac = key & ((UINT64_C(1) << 56) - 1);
        uint32_t g = lo + (uint32_t)((frac >> 24) * (uint64_t)(hi - lo) >> 32);
        int c = idx_cmp(x, g, id, key);

        if (c == 0) {
            *pos = g;
            return true;
        }
        if (c < 0) {
            /* in (g, hi) */
            lo = g + 1;
            for (uint32_t step = 1; step < hi - g; step <<= 1) {
                uint32_t q = g + step;
                if (idx_cmp(x, q, id, key) >= 0) {
                    hi = q + 1;
                    break;
                }
                lo = q + 1;
            }
        } else {
            /* in [lo, g) */
            hi = g;
            for (uint32_t step = 1; step <= g - lo; step <<= 1) {
                uint32_t q = g - step;
                if (idx_cmp(x, q, id, key) <= 0) {
                    lo = q;
                    break;
                }
                hi = q;
            }
        }
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = idx_cmp(x, mid, id, key);
        if (c == 0) {
            *pos = mid;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

uint64_t gitsrc_idx_offset(const struct gitsrc_idx *x, uint32_t pos)
{
    uint64_t off = be32(x->off32 + (size_t)pos * 4);

    if (off & 0x80000000u) {
        size_t k = off & 0x7fffffffu;
        if (k >= x->n64)
            return UINT64_MAX;
        off = be64(x->off64 + k * 8);
    }
    return off;
}

uint64_t gitsrc_idx_find(const struct gitsrc_idx *x, const git_oid *id)
{
    uint32_t pos;

    return gitsrc_idx_pos(x, id, &pos) ? gitsrc_idx_offset(x, pos) : UINT64_MAX;
}

uint64_t gitsrc_pack_size_bound(const unsigned char *data, size_t len, uint64_t off)
{
    const unsigned char *p, *end;
    unsigned type, shift = 4;
    uint64_t size;
    unsigned char c;

    if (!data || len < PACK_HEAD + GIT_OID_RAWSZ || off < PACK_HEAD || off >= len - GIT_OID_RAWSZ)
        return UINT64_MAX;
    p = data + off;
    end = data + len - GIT_OID_RAWSZ;
    c = *p++;
    type = (c >> 4) & 7;
    size = c & 15;
    while (c & 0x80) {
        if (p >= end || shift > 57)
            return UINT64_MAX;
        c = *p++;
        size |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    }
    switch (type) {
    case 3: return size; /* a whole blob */
    case 6:              /* a delta against an offset */
    case 7: /* a delta against an id */ return size > (UINT64_MAX >> 16) ? UINT64_MAX : size << 16;
    default: return UINT64_MAX; /* not a blob: let libgit2 say so */
    }
}

int gitsrc_pack_header(const unsigned char *data, size_t len, uint64_t off,
                       struct gitsrc_pack_hdr *h)
{
    const unsigned char *p, *end;
    unsigned shift = 4;
    unsigned char c;

    memset(h, 0, sizeof(*h));
    if (!data || len < PACK_HEAD + GIT_OID_RAWSZ || off < PACK_HEAD || off >= len - GIT_OID_RAWSZ)
        return MOAT_EPARSE;
    p = data + off;
    end = data + len - GIT_OID_RAWSZ;
    c = *p++;
    h->type = (enum gitsrc_pack_type)((c >> 4) & 7);
    h->size = c & 15;
    while (c & 0x80) {
        if (p >= end || shift > 57)
            return MOAT_EPARSE;
        c = *p++;
        h->size |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    }
    switch (h->type) {
    case GITSRC_PACK_COMMIT:
    case GITSRC_PACK_TREE:
    case GITSRC_PACK_BLOB:
    case GITSRC_PACK_TAG: break;
    case GITSRC_PACK_OFS_DELTA: {
        /* how far back the base starts: big-endian 7-bit groups, each
         * continuation adding one (git's offset encoding) */
        uint64_t rel;
        if (p >= end)
            return MOAT_EPARSE;
        c = *p++;
        rel = c & 0x7f;
        while (c & 0x80) {
            if (p >= end || rel >= (UINT64_MAX >> 7) - 1)
                return MOAT_EPARSE;
            c = *p++;
            rel = ((rel + 1) << 7) | (c & 0x7f);
        }
        if (rel == 0 || rel > off - PACK_HEAD)
            return MOAT_EPARSE;
        h->base_off = off - rel;
        break;
    }
    case GITSRC_PACK_REF_DELTA:
        if ((size_t)(end - p) < GIT_OID_RAWSZ)
            return MOAT_EPARSE;
        h->base_id = p;
        p += GIT_OID_RAWSZ;
        break;
    default: return MOAT_EPARSE; /* 0 and 5 are reserved */
    }
    if (p >= end)
        return MOAT_EPARSE; /* no room for the data */
    h->data = (uint64_t)(p - data);
    return 0;
}

/* Map a whole regular file read-only; false if that cannot be done. */
static bool map_file(const char *path, size_t min, unsigned char **map, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    struct stat st;
    void *m;

    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)min ||
        (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return false;
    }
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return false;
    *map = m;
    *len = (size_t)st.st_size;
    return true;
}

static void pack_close(struct gitsrc_pack *x)
{
    if (x->owned && x->idxmap)
        munmap(x->idxmap, x->idxlen);
    if (x->owned && x->packmap)
        munmap(x->packmap, x->packlen);
    memset(x, 0, sizeof(*x));
}

/* Whether the pack file matches its index: git writes the pack's checksum
 * (its last 20 bytes) into the index, just before the index's own. A pack
 * rewritten under us, or an index of another pack, fails this, and its
 * objects are left to libgit2. */
static bool pack_matches(const struct gitsrc_pack *x)
{
    const unsigned char *d = x->packmap;
    uint32_t version;

    if (x->packlen < PACK_HEAD + GIT_OID_RAWSZ || memcmp(d, "PACK", 4) != 0)
        return false;
    version = be32(d + 4);
    return (version == 2 || version == 3) && be32(d + 8) == x->idx.n &&
           memcmp(d + x->packlen - GIT_OID_RAWSZ, x->idxmap + x->idxlen - IDX_TAIL,
                  GIT_OID_RAWSZ) == 0;
}

/* Open the index at path ("pack-X.idx") and its pack. */
static bool pack_open(struct gitsrc_pack *x, const char *path)
{
    char *packpath;
    bool ok;

    memset(x, 0, sizeof(*x));
    x->owned = true;
    if (!map_file(path, IDX_HEAD + IDX_TAIL, &x->idxmap, &x->idxlen))
        return false;
    if (gitsrc_idx_parse(&x->idx, x->idxmap, x->idxlen) != 0) {
        pack_close(x);
        return false;
    }
    packpath = moat_asprintf("%.*spack", (int)(strlen(path) - 3), path);
    ok = map_file(packpath, PACK_HEAD + GIT_OID_RAWSZ, &x->packmap, &x->packlen);
    free(packpath);
    if (ok && !pack_matches(x)) {
        munmap(x->packmap, x->packlen);
        ok = false;
    }
    if (!ok) {
        x->packmap = NULL; /* the order is still good; libgit2 reads the objects */
        x->packlen = 0;
    }
    return true;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gitsrc_packs_open(struct gitsrc_packs *ps, git_repository *repo)
{
    MOAT_VEC(struct gitsrc_pack) packs = { 0 };
    MOAT_VEC(char *) names = { 0 };
    struct dirent *de;
    char *dir;
    DIR *d;

    memset(ps, 0, sizeof(*ps));
    dir = moat_asprintf("%sobjects/pack", git_repository_commondir(repo));
    d = opendir(dir);
    while (d && (de = readdir(d)) && names.n < GITSRC_MAX_PACKS)
        if (moat_str_endswith(de->d_name, ".idx"))
            MOAT_VEC_PUSH(&names, moat_strdup(de->d_name));
    if (d)
        closedir(d);
    /* readdir's order is the file system's: sorted, the reading order is the
     * same from one run to the next */
    if (names.n)
        qsort(names.v, names.n, sizeof(*names.v), name_cmp);
    for (size_t i = 0; i < names.n; i++) {
        struct gitsrc_pack x;
        char *path = moat_asprintf("%s/%s", dir, names.v[i]);
        if (pack_open(&x, path))
            MOAT_VEC_PUSH(&packs, x);
        free(path);
        free(names.v[i]);
    }
    free(names.v);
    free(dir);
    ps->v = packs.v;
    ps->n = packs.n;
}

void gitsrc_packs_release(struct gitsrc_packs *ps)
{
    for (size_t p = 0; p < ps->n; p++)
        pack_close(&ps->v[p]);
    free(ps->v);
    memset(ps, 0, sizeof(*ps));
}

bool gitsrc_packs_find(const struct gitsrc_packs *ps, const git_oid *id, uint32_t *pack,
                       uint64_t *off)
{
    for (size_t p = 0; p < ps->n; p++) {
        uint64_t o = gitsrc_idx_find(&ps->v[p].idx, id);
        if (o != UINT64_MAX) {
            *pack = (uint32_t)p;
            *off = o;
            return true;
        }
    }
    return false;
}

static int order_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct gitsrc_blob *)a)->order, y = ((const struct gitsrc_blob *)b)->order;

    return x < y ? -1 : x > y;
}

void gitsrc_sort_pack_order(const struct gitsrc_packs *ps, struct gitsrc_blob *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t p;
        uint64_t off;
        v[i].order = UINT64_MAX; /* loose, or in no pack we could read: last */
        if (gitsrc_packs_find(ps, &v[i].id, &p, &off) && off <= GITSRC_ORDER_MAX_OFF)
            v[i].order = GITSRC_ORDER(p, off);
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), order_cmp);
}
