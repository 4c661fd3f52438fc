/* The order to read blobs in: the order they sit in the pack files, found by
 * reading the packs' .idx files, and a bound of each blob's size from its
 * object header in the pack. Both parsers read bytes of the repository. */
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
 * then was usually read just before it and is still in libgit2's delta base
 * cache. In commit order, a long history reads ten times slower, each blob
 * rebuilding its delta chain. The order comes from the packs' .idx files
 * (version 2). It is only a hint: an index we cannot read or do not
 * understand is skipped, and objects outside packs are read last.
 *
 * The pack also bounds each blob's size from the object's header alone, which
 * spares most blobs libgit2's read_header (a walk down the delta chain): whole
 * objects state their size; a delta can produce at most 64 KiB per byte of
 * instructions (one copy instruction of one byte copies 64 KiB). */
struct pack {
    unsigned char *idxmap, *packmap; /* packmap may be NULL */
    size_t idxlen, packlen;
    struct gitsrc_idx idx;
};

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

uint64_t gitsrc_idx_find(const struct gitsrc_idx *x, const git_oid *id)
{
    const unsigned char *fan = x->data + 8;
    uint32_t lo = id->id[0] ? be32(fan + (size_t)(id->id[0] - 1) * 4) : 0;
    uint32_t hi = be32(fan + (size_t)id->id[0] * 4);
    uint64_t off;

    if (hi > x->n || lo > hi)
        return UINT64_MAX;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(x->ids + (size_t)mid * GIT_OID_RAWSZ, id->id, GIT_OID_RAWSZ);
        if (c == 0) {
            off = be32(x->off32 + (size_t)mid * 4);
            if (off & 0x80000000u) {
                size_t k = off & 0x7fffffffu;
                if (k >= x->n64)
                    return UINT64_MAX;
                off = (uint64_t)be32(x->off64 + k * 8) << 32 | be32(x->off64 + k * 8 + 4);
            }
            return off;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return UINT64_MAX;
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

static void pack_close(struct pack *x)
{
    if (x->idxmap)
        munmap(x->idxmap, x->idxlen);
    if (x->packmap)
        munmap(x->packmap, x->packlen);
    memset(x, 0, sizeof(*x));
}

/* Open the index at path ("pack-X.idx") and its pack. */
static bool pack_open(struct pack *x, const char *path)
{
    char *packpath;
    bool ok;

    memset(x, 0, sizeof(*x));
    if (!map_file(path, IDX_HEAD + IDX_TAIL, &x->idxmap, &x->idxlen))
        return false;
    if (gitsrc_idx_parse(&x->idx, x->idxmap, x->idxlen) != 0) {
        pack_close(x);
        return false;
    }
    packpath = moat_asprintf("%.*spack", (int)(strlen(path) - 3), path);
    ok = map_file(packpath, PACK_HEAD + GIT_OID_RAWSZ, &x->packmap, &x->packlen);
    free(packpath);
    if (!ok)
        x->packmap = NULL; /* the order is still good; sizes come from libgit2 */
    return true;
}

static int order_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct gitsrc_blob *)a)->order, y = ((const struct gitsrc_blob *)b)->order;

    return x < y ? -1 : x > y;
}

void gitsrc_sort_pack_order(git_repository *repo, struct gitsrc_blob *v, size_t n)
{
    MOAT_VEC(struct pack) packs = { 0 };
    struct dirent *de;
    char *dir;
    DIR *d;

    if (n == 0)
        return;
    dir = moat_asprintf("%sobjects/pack", git_repository_commondir(repo));
    d = opendir(dir);
    while (d && (de = readdir(d)) && packs.n < GITSRC_MAX_PACKS) {
        struct pack x;
        char *path;
        if (!moat_str_endswith(de->d_name, ".idx"))
            continue;
        path = moat_asprintf("%s/%s", dir, de->d_name);
        if (pack_open(&x, path))
            MOAT_VEC_PUSH(&packs, x);
        free(path);
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < n; i++) {
        v[i].order = UINT64_MAX; /* loose, or in no pack we could read: last */
        v[i].bound = 0;
        for (size_t p = 0; p < packs.n; p++) {
            const struct pack *x = &packs.v[p];
            uint64_t off = gitsrc_idx_find(&x->idx, &v[i].id);
            if (off != UINT64_MAX) {
                v[i].order = (uint64_t)p << 44 | (off & ((UINT64_C(1) << 44) - 1));
                v[i].bound = gitsrc_pack_size_bound(x->packmap, x->packlen, off);
                break;
            }
        }
    }
    qsort(v, n, sizeof(*v), order_cmp);
    for (size_t p = 0; p < packs.n; p++)
        pack_close(&packs.v[p]);
    free(packs.v);
    free(dir);
}
