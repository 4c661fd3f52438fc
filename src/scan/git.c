/* Git sources for moat scan: every blob reachable from the refs (or a revision
 * range), read once from the object database by parallel workers and credited
 * to the commit that introduced it; and the staged index about to be committed. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <sodium.h>
#include "scan.h"
#include "moat_version.h"
#include "core/banned.h"

#define GITSRC_CACHE_MAX   (256u << 20) /* bytes of a --cache file: ~6.5 million blob ids */
#define GITSRC_SHALLOW_MAX (16u << 20)  /* bytes of .git/shallow */
#define GITSRC_PATH_MAX    4096         /* bytes of one path inside a commit's tree */
#define GITSRC_MAX_BLOBS   (64u << 20)  /* unique blobs in one scan (~4 GB of bookkeeping) */
#define GITSRC_CHUNK       32           /* blobs a worker takes at a time */
#define GITSRC_MIN_SEGMENT 512          /* commits worth a walking thread of their own */
#define GITSRC_MAX_PACKS   4096         /* pack indexes read for the reading order */
#define GITSRC_MISSING_LOG 10           /* missing objects named one by one, then counted */
#define CACHE_MAGIC        "# moat blob cache v1 "
#define CACHE_KEY_HEX      32

/* The empty blob: nothing to scan, and an index may name it without the
 * object existing (git add -N). */
static const git_oid empty_blob = {
    { 0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b,
      0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91 }
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static int git_init_rc;

/* libgit2 is initialized once and never shut down: the process is short-lived.
 * Hash verification is off because it hashes every byte read a second time
 * (SHA-1 with collision detection: slower than the scan itself); a scanner
 * gains nothing from it, and the shallow graft below needs it off. The object
 * cache keeps commits, which the revision walk reads just before we do, but
 * not trees, which the walk never asks for twice, nor blobs (libgit2's
 * default). */
static void git_init_once(void)
{
    if (git_libgit2_init() < 0 || sodium_init() < 0 ||
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) < 0 ||
        git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)0) < 0)
        git_init_rc = -1;
}

static int git_setup(struct moat_err *err)
{
    pthread_once(&git_once, git_init_once);
    if (git_init_rc != 0)
        return moat_err_set(err, MOAT_EGIT, "libgit2 failed to initialize");
    return 0;
}

/* libgit2's last error message for this thread. */
static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

static int repo_open(const char *root, git_repository **out, struct moat_err *err)
{
    const char *path = root && *root ? root : ".";
    int e;

    *out = NULL;
    e = git_repository_open_ext(out, path, 0, NULL);
    if (e == GIT_ENOTFOUND)
        return moat_err_set(err, MOAT_EGIT, "%s: not a git repository (nor any parent directory)",
                            path);
    if (e == GIT_EOWNER)
        return moat_err_set(err, MOAT_EGIT,
                            "%s: the repository belongs to another user; if you trust it, run "
                            "'git config --global --add safe.directory <dir>'",
                            path);
    if (e != 0)
        return moat_err_set(err, MOAT_EGIT, "%s: %s", path, git_msg());
    return 0;
}

/* ---- a set of object ids ----
 * The walk asks it about every entry of every new tree (millions in a long
 * history), so it is built for that: open addressing with linear probing over
 * an array of 8-byte tags (the id's first 8 bytes), the full ids beside them
 * and compared only when a tag matches; at most half full. The slot comes
 * from multiply-shift hashing of the tag under a random key: object ids are
 * chosen by whoever wrote the repository, and ids ground to share low bits
 * must not pile up in one run of slots.
 *
 * Members are (id, kind) pairs: a tree entry's mode says "tree" or "blob",
 * and a forged entry that calls a blob a tree (or the reverse) must not mark
 * the real object seen, or it would hide that blob from the rest of the walk. */
enum oid_kind { OID_BLOB, OID_TREE };

struct oidset {
    uint64_t *tag; /* 0 = empty slot; bit 0 set when used, bit 1 the kind */
    git_oid *id;
    size_t n, cap;
    unsigned shift;  /* 64 - log2(cap) */
    uint64_t k0, k1; /* hash key; k1 odd */
};

static void oidset_init(struct oidset *set)
{
    memset(set, 0, sizeof(*set));
    randombytes_buf(&set->k0, sizeof(set->k0));
    randombytes_buf(&set->k1, sizeof(set->k1));
    set->k1 |= 1;
}

static void oidset_release(struct oidset *set)
{
    free(set->tag);
    free(set->id);
    memset(set, 0, sizeof(*set));
}

static uint64_t oid_tag(const git_oid *id, enum oid_kind kind)
{
    uint64_t t;

    memcpy(&t, id->id, sizeof(t));
    return (t & ~(uint64_t)3) | (uint64_t)kind << 1 | 1;
}

/* Whether a and b are the same id. Inline: the walk asks this for most
 * entries it meets, and a call to memcmp costs more. */
static bool oid_eq(const git_oid *a, const git_oid *b)
{
    uint64_t a0, b0, a1, b1;
    uint32_t a2, b2;

    memcpy(&a0, a->id, 8);
    memcpy(&b0, b->id, 8);
    memcpy(&a1, a->id + 8, 8);
    memcpy(&b1, b->id + 8, 8);
    memcpy(&a2, a->id + 16, 4);
    memcpy(&b2, b->id + 16, 4);
    return a0 == b0 && a1 == b1 && a2 == b2;
}

static size_t oidset_slot(const struct oidset *set, uint64_t tag)
{
    return (size_t)(((tag ^ set->k0) * set->k1) >> set->shift);
}

static void oidset_grow(struct oidset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 4096, mask = cap - 1;
    uint64_t *tag = moat_calloc(cap, sizeof(*tag));
    git_oid *id = moat_malloc(cap * sizeof(*id));
    unsigned shift = 64;

    for (size_t c = cap; c > 1; c >>= 1)
        shift--;
    for (size_t i = 0; i < set->cap; i++) {
        size_t j;
        if (!set->tag[i])
            continue;
        j = (size_t)(((set->tag[i] ^ set->k0) * set->k1) >> shift);
        while (tag[j])
            j = (j + 1) & mask;
        tag[j] = set->tag[i];
        id[j] = set->id[i];
    }
    free(set->tag);
    free(set->id);
    set->tag = tag;
    set->id = id;
    set->cap = cap;
    set->shift = shift;
}

/* Add (id, kind); true when it was not in the set yet. The null id, which
 * names no object, is never added. */
static bool oidset_add(struct oidset *set, const git_oid *id, enum oid_kind kind)
{
    uint64_t t = oid_tag(id, kind);
    size_t mask, i;

    if ((t & ~(uint64_t)3) == 0 && git_oid_is_zero(id))
        return false;
    if ((set->n + 1) * 2 > set->cap)
        oidset_grow(set);
    mask = set->cap - 1;
    for (i = oidset_slot(set, t); set->tag[i]; i = (i + 1) & mask)
        if (set->tag[i] == t && oid_eq(&set->id[i], id))
            return false;
    set->tag[i] = t;
    set->id[i] = *id;
    set->n++;
    return true;
}

/* Whether (id, kind) is in the set. */
static bool oidset_has(const struct oidset *set, const git_oid *id, enum oid_kind kind)
{
    uint64_t t = oid_tag(id, kind);
    size_t mask = set->cap - 1;

    if (!set->cap)
        return false;
    for (size_t i = oidset_slot(set, t); set->tag[i]; i = (i + 1) & mask)
        if (set->tag[i] == t && oid_eq(&set->id[i], id))
            return true;
    return false;
}

/* ---- scanning a list of blobs in parallel ---- */

/* One blob to read and scan. */
struct gblob {
    git_oid id;
    const char *path;                 /* path in the introducing commit */
    const struct scan_origin *origin; /* that commit; NULL for the index or a ref's tree */
    uint64_t order;                   /* where it sits in the packs: the reading order */
    uint64_t bound;                   /* its size is at most this; 0 when not known */
    bool clean;                       /* read and scanned (findings or not) */
};

struct gworker {
    git_repository *repo; /* libgit2 objects are not shared across threads */
    git_odb *odb;
    struct scan_worker w;
};

struct gjob {
    struct moat_scan *s;
    struct gblob *v;
    size_t n;
    _Atomic size_t next;
    _Atomic size_t missing;
    size_t max_file;
    struct gworker *wk;
};

/* A missing object is what a shallow or partial clone looks like: warn, go on.
 * The first few are named; the rest are counted, so a partial clone with
 * every blob missing does not flood the log. */
static void warn_missing(struct moat_scan *s, _Atomic size_t *missing, const char *path,
                         const char *what)
{
    if (atomic_fetch_add(missing, 1) < GITSRC_MISSING_LOG) {
        char msg[160];
        if (moat_snprintf(msg, sizeof(msg),
                          "%s missing from the object database (shallow or partial clone?); "
                          "skipped",
                          what) != 0)
            MOAT_BUG("missing-object message truncated");
        scan_warn(s, path, msg);
    } else {
        s->errors++;
    }
}

static void log_missing(size_t missing)
{
    if (missing > GITSRC_MISSING_LOG)
        MOAT_LOG(WARN, "git", "%zu more objects missing from the object database",
                 missing - GITSRC_MISSING_LOG);
}

static void warn_git(struct moat_scan *s, const char *path, const char *what)
{
    char msg[256];

    if (moat_snprintf(msg, sizeof(msg), "%s: %s", what, git_msg()) != 0) {
        /* a truncated libgit2 message still says enough */
    }
    scan_warn(s, path, msg);
}

static void scan_one(struct gjob *j, struct gworker *wk, struct gblob *b)
{
    struct moat_scan *s = j->s;
    git_odb_object *obj = NULL;
    struct scan_blob blob;
    git_object_t type;
    size_t size;
    char msg[128];
    int e;

    if (git_oid_equal(&b->id, &empty_blob)) {
        b->clean = true;
        return;
    }
    if (moat_test_fail("git_read")) {
        scan_warn(s, b->path, "injected git read failure");
        return;
    }
    /* The size first, so a huge blob is refused before it is inflated. */
    if (b->bound && b->bound <= j->max_file) {
        e = 0;
        size = 0;
        type = GIT_OBJECT_BLOB; /* checked once read */
    } else {
        e = git_odb_read_header(&size, &type, wk->odb, &b->id);
    }
    if (e == 0 && type != GIT_OBJECT_BLOB) {
        scan_warn(s, b->path, "tree entry names an object that is not a blob; skipped");
        return;
    }
    if (e == 0 && size > j->max_file) {
        if (moat_snprintf(msg, sizeof(msg), "%zu bytes, over --max-file-size (%zu); skipped", size,
                          j->max_file) != 0)
            MOAT_BUG("size message truncated");
        scan_warn(s, b->path, msg);
        return;
    }
    if (e == 0)
        e = git_odb_read(&obj, wk->odb, &b->id);
    if (e == GIT_ENOTFOUND) {
        warn_missing(s, &j->missing, b->path, "blob");
        return;
    }
    if (e != 0) {
        warn_git(s, b->path, "cannot read blob");
        return;
    }
    if (git_odb_object_type(obj) != GIT_OBJECT_BLOB ||
        git_odb_object_size(obj) > j->max_file) { /* only a corrupt pack gets here */
        scan_warn(s, b->path, "object does not match its pack header; skipped");
        git_odb_object_free(obj);
        return;
    }
    blob.path = b->path;
    blob.data = git_odb_object_data(obj);
    blob.len = git_odb_object_size(obj);
    blob.origin = b->origin;
    blob.depth = 0;
    scan_blob_run(&wk->w, &blob);
    s->files++;
    s->bytes += blob.len;
    b->clean = true;
    git_odb_object_free(obj);
}

static void scan_task(void *arg, int worker)
{
    struct gjob *j = arg;
    struct gworker *wk = &j->wk[worker];

    for (;;) {
        size_t i = atomic_fetch_add(&j->next, GITSRC_CHUNK), end;
        if (i >= j->n)
            break;
        end = i + GITSRC_CHUNK < j->n ? i + GITSRC_CHUNK : j->n;
        for (; i < end; i++)
            scan_one(j, wk, &j->v[i]);
    }
}

/* A repository handle of one's own on the git directory of repo. */
static int repo_clone_handle(git_repository *repo, git_repository **out, git_odb **odb,
                             struct moat_err *err)
{
    const char *gitdir = git_repository_path(repo);

    *out = NULL;
    *odb = NULL;
    if (git_repository_open_ext(
            out, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE, NULL) != 0 ||
        git_repository_odb(odb, *out) != 0) {
        git_repository_free(*out);
        *out = NULL;
        return moat_err_set(err, MOAT_EGIT, "%s: %s", gitdir, git_msg());
    }
    return 0;
}

static size_t thread_count(const struct moat_scan *s, size_t work, size_t per_thread)
{
    size_t n = s->opts->threads > 0 ? (size_t)s->opts->threads : (size_t)moat_cpu_count();
    size_t most = (work + per_thread - 1) / per_thread;

    if (n > most)
        n = most;
    return n ? n : 1;
}

/* Read and scan the n blobs in v, in that order, on the scan's threads, each
 * with its own repository handle on repo's git directory. Sets v[i].clean. */
static int scan_blobs(struct moat_scan *s, git_repository *repo, struct gblob *v, size_t n,
                      struct moat_err *err)
{
    struct gjob j = { .s = s, .v = v, .n = n };
    struct moat_pool *pool = NULL;
    size_t nthreads, ready = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    nthreads = thread_count(s, n, GITSRC_CHUNK);
    j.max_file = s->opts->max_file_size ? s->opts->max_file_size : SCAN_DEFAULT_MAX_FILE;
    j.wk = moat_calloc(nthreads, sizeof(*j.wk));
    for (; ready < nthreads; ready++) {
        struct gworker *wk = &j.wk[ready];
        if ((rc = repo_clone_handle(repo, &wk->repo, &wk->odb, err)) != 0)
            goto out;
        if ((rc = scan_worker_init(s, &wk->w, err)) != 0) {
            ready++; /* its handle is released below */
            goto out;
        }
    }
    pool = moat_pool_new((int)nthreads, nthreads);
    for (size_t i = 0; i < nthreads; i++)
        moat_pool_submit(pool, scan_task, &j);
    moat_pool_wait(pool);
    log_missing(j.missing);
out:
    moat_pool_free(pool);
    for (size_t i = 0; i < ready; i++) {
        scan_worker_release(&j.wk[i].w);
        git_odb_free(j.wk[i].odb);
        git_repository_free(j.wk[i].repo);
    }
    free(j.wk);
    return rc;
}

/* ---- pack order ----
 * Blobs are read in the order they sit in the pack files: a blob's delta base
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
    unsigned char *idx, *pack;
    size_t idxlen, packlen;
    uint32_t n;
    const unsigned char *ids, *off32, *off64;
    size_t n64;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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
    if (x->idx)
        munmap(x->idx, x->idxlen);
    if (x->pack)
        munmap(x->pack, x->packlen);
    memset(x, 0, sizeof(*x));
}

/* Open the index at path ("pack-X.idx") and its pack. */
static bool pack_open(struct pack *x, const char *path)
{
    const size_t head = 8 + (size_t)256 * 4, tail = (size_t)2 * GIT_OID_RAWSZ;
    char *packpath;
    bool ok;

    memset(x, 0, sizeof(*x));
    if (!map_file(path, head + tail, &x->idx, &x->idxlen))
        return false;
    x->n = be32(x->idx + 8 + (size_t)255 * 4);
    /* 20-byte id, 4-byte CRC and 4-byte offset per object */
    if (memcmp(x->idx, "\377tOc", 4) != 0 || be32(x->idx + 4) != 2 ||
        (uint64_t)x->n * 28 > x->idxlen - head - tail) {
        pack_close(x);
        return false;
    }
    x->ids = x->idx + head;
    x->off32 = x->ids + (size_t)x->n * 24;
    x->off64 = x->off32 + (size_t)x->n * 4;
    x->n64 = (x->idxlen - tail - (size_t)(x->off64 - x->idx)) / 8;
    packpath = moat_asprintf("%.*spack", (int)(strlen(path) - 3), path);
    ok = map_file(packpath, 12 + GIT_OID_RAWSZ, &x->pack, &x->packlen);
    free(packpath);
    if (!ok)
        x->pack = NULL; /* the order is still good; sizes come from libgit2 */
    return true;
}

/* The offset of id in the pack, or UINT64_MAX. */
static uint64_t pack_find(const struct pack *x, const git_oid *id)
{
    const unsigned char *fan = x->idx + 8;
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

/* An upper bound of the size of the blob at off, or UINT64_MAX if unknown. */
static uint64_t pack_size_bound(const struct pack *x, uint64_t off)
{
    const unsigned char *p, *end;
    unsigned type, shift = 4;
    uint64_t size;
    unsigned char c;

    if (!x->pack || off < 12 || off >= x->packlen - GIT_OID_RAWSZ)
        return UINT64_MAX;
    p = x->pack + off;
    end = x->pack + x->packlen - GIT_OID_RAWSZ;
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

static int order_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct gblob *)a)->order, y = ((const struct gblob *)b)->order;

    return x < y ? -1 : x > y;
}

/* Sort v into the order the blobs sit in the packs of repo, and bound their
 * sizes. */
static void sort_pack_order(git_repository *repo, struct gblob *v, size_t n)
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
            uint64_t off = pack_find(&packs.v[p], &v[i].id);
            if (off != UINT64_MAX) {
                v[i].order = (uint64_t)p << 44 | (off & ((UINT64_C(1) << 44) - 1));
                v[i].bound = pack_size_bound(&packs.v[p], off);
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

/* ---- shallow clones ----
 * libgit2 1.5 cannot walk a shallow clone: its revision walk fails on the
 * missing parents of the boundary commits listed in .git/shallow. git grafts
 * those commits as parentless; we do the same by serving them, without their
 * "parent" lines, from a small in-memory backend placed before the real ones. */
struct graft_commit {
    git_oid id;
    char *data;
    size_t len;
};

struct graft {
    git_odb_backend parent; /* first: libgit2 hands back this pointer */
    struct graft_commit *v; /* sorted by id */
    size_t n;
};

static int graft_cmp(const void *a, const void *b)
{
    return git_oid_cmp(&((const struct graft_commit *)a)->id,
                       &((const struct graft_commit *)b)->id);
}

static const struct graft_commit *graft_find(git_odb_backend *be, const git_oid *id)
{
    const struct graft *g = (const struct graft *)be;
    struct graft_commit key = { .data = NULL };

    git_oid_cpy(&key.id, id);
    return bsearch(&key, g->v, g->n, sizeof(*g->v), graft_cmp);
}

static int graft_read(void **out, size_t *len, git_object_t *type, git_odb_backend *be,
                      const git_oid *id)
{
    const struct graft_commit *c = graft_find(be, id);

    if (!c)
        return GIT_ENOTFOUND;
    if (!(*out = git_odb_backend_data_alloc(be, c->len)))
        return -1;
    memcpy(*out, c->data, c->len);
    *len = c->len;
    *type = GIT_OBJECT_COMMIT;
    return 0;
}

static int graft_read_header(size_t *len, git_object_t *type, git_odb_backend *be,
                             const git_oid *id)
{
    const struct graft_commit *c = graft_find(be, id);

    if (!c)
        return GIT_ENOTFOUND;
    *len = c->len;
    *type = GIT_OBJECT_COMMIT;
    return 0;
}

static int graft_exists(git_odb_backend *be, const git_oid *id)
{
    return graft_find(be, id) != NULL;
}

static void graft_free(git_odb_backend *be)
{
    struct graft *g = (struct graft *)be;

    for (size_t i = 0; i < g->n; i++)
        free(g->v[i].data);
    free(g->v);
    free(g);
}

/* Copy a commit object without its "parent" header lines. */
static char *strip_parents(const char *data, size_t len, size_t *outlen)
{
    char *out = moat_malloc(len ? len : 1);
    size_t i = 0, o = 0;

    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t l = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
        if (l == 1) /* the blank line: the message follows, copied as is */
            break;
        if (!(l >= 7 && memcmp(data + i, "parent ", 7) == 0)) {
            memcpy(out + o, data + i, l);
            o += l;
        }
        i += l;
    }
    memcpy(out + o, data + i, len - i);
    *outlen = o + (len - i);
    return out;
}

static int graft_shallow(git_repository *repo, struct moat_err *err)
{
    struct moat_buf raw = MOAT_BUF_INIT(GITSRC_SHALLOW_MAX);
    char *path = moat_asprintf("%sshallow", git_repository_commondir(repo));
    struct moat_err e2 = { 0 };
    struct graft *g = NULL;
    git_odb *real = NULL, *odb = NULL;
    const char *p, *end;
    int rc;

    if ((rc = moat_fs_read(path, &raw, &e2)) != 0) {
        if (rc == MOAT_ENOENT)
            rc = 0; /* not a shallow clone */
        else
            moat_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    /* The originals come from a second handle: the repository's own odb
     * would cache them and serve them instead of the grafts. */
    {
        char *objdir = moat_asprintf("%sobjects", git_repository_commondir(repo));
        int e = git_odb_open(&real, objdir);
        free(objdir);
        if (e != 0) {
            rc = moat_err_set(err, MOAT_EGIT, "%s: %s", path, git_msg());
            goto out;
        }
    }
    g = moat_calloc(1, sizeof(*g));
    if (git_odb_init_backend(&g->parent, GIT_ODB_BACKEND_VERSION) != 0)
        MOAT_BUG("git_odb_init_backend refused its own version");
    g->parent.read = graft_read;
    g->parent.read_header = graft_read_header;
    g->parent.exists = graft_exists;
    g->parent.free = graft_free;
    for (p = raw.data, end = raw.data + raw.len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        git_odb_object *obj = NULL;
        git_oid id;

        if (l == GIT_OID_HEXSZ && git_oid_fromstrn(&id, p, l) == 0 &&
            git_odb_read(&obj, real, &id) == 0 && git_odb_object_type(obj) == GIT_OBJECT_COMMIT) {
            struct graft_commit *c;
            g->v = moat_realloc(g->v, (g->n + 1) * sizeof(*g->v));
            c = &g->v[g->n++];
            git_oid_cpy(&c->id, &id);
            c->data = strip_parents(git_odb_object_data(obj), git_odb_object_size(obj), &c->len);
        }
        /* a line that names no commit we have grafts nothing: the walk warns
         * about whatever it then cannot find */
        git_odb_object_free(obj);
        p += l + 1;
    }
    if (g->n == 0)
        goto out;
    qsort(g->v, g->n, sizeof(*g->v), graft_cmp);
    if (git_repository_odb(&odb, repo) != 0 || git_odb_add_backend(odb, &g->parent, 1000) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", path, git_msg());
        goto out;
    }
    MOAT_LOG(DEBUG, "git", "shallow clone: %zu boundary commits grafted as roots", g->n);
    g = NULL; /* the odb owns it now */
out:
    if (g)
        graft_free(&g->parent);
    git_odb_free(odb);
    git_odb_free(real);
    moat_buf_release(&raw);
    free(path);
    return rc;
}

/* ---- the history walk ----
 * Commits are listed oldest first (libgit2's revision walk), each with its
 * tree and its origin. Their trees are then walked depth first, skipping every
 * tree and blob already seen: the first commit whose tree holds a blob is the
 * one that introduced it. The list is cut into one segment per thread, each
 * walked with its own repository handle and seen set; a blob met in several
 * segments is credited to the earliest, so the result is the same as one
 * walk's. Each segment repeats the walk of its first full tree: a few hundred
 * objects against tens of thousands saved. */

struct gcommit {
    git_oid tree; /* zero when the commit could not be read */
    struct scan_origin origin;
};

struct frame {
    git_odb_object *obj;
    const unsigned char *p, *end; /* the entries not parsed yet */
    size_t plen;                  /* length of this tree's path in walker.path */
};

struct hist;

/* One thread's walk. */
struct walker {
    struct hist *h;
    git_repository *repo; /* borrowed when own is NULL */
    git_odb *odb;
    git_repository *own;
    struct oidset *seen;       /* what this walk has met */
    const struct oidset *base; /* met before it began: cached and hidden; or NULL */
    struct oidset own_seen;
    struct moat_arena arena; /* paths */
    struct moat_map paths;
    MOAT_VEC(struct gblob) found; /* new blobs, in commit order */
    MOAT_VEC(struct frame) stack;
    char path[GITSRC_PATH_MAX + 1];
    size_t prefix; /* bytes of path before the tree's own paths ("ref:") */
    const struct scan_origin *origin;
    size_t from, to; /* the segment of h->commits */
    int rc;
    struct moat_err err;
};

struct hist {
    struct moat_scan *s;
    git_repository *repo;
    git_odb *odb;
    struct oidset base;      /* the cache's blobs, and all that hidden commits hold */
    struct oidset uniq;      /* every blob and tree to scan or walked past */
    struct moat_arena arena; /* origins and their strings */
    struct moat_map strings; /* interned names and e-mails */
    struct gcommit *commits;
    size_t ncommits;
    struct walker *walkers;
    size_t nwalkers;
    struct walker main; /* hidden commits and refs to trees, on this thread */
    MOAT_VEC(struct gblob) blobs;
    _Atomic size_t missing;
    /* --cache */
    char key[CACHE_KEY_HEX + 1];
    struct moat_buf cache; /* the ids read, to write back */
    size_t cached;
};

static void walker_init(struct walker *w, struct hist *h, struct oidset *seen,
                        const struct oidset *base)
{
    memset(w, 0, sizeof(*w));
    w->h = h;
    w->repo = h->repo;
    w->odb = h->odb;
    oidset_init(&w->own_seen);
    w->seen = seen ? seen : &w->own_seen;
    w->base = base;
    moat_arena_init(&w->arena, 0);
    moat_map_init(&w->paths);
}

static void walker_release(struct walker *w)
{
    if (!w->h)
        return;
    for (size_t i = 0; i < w->stack.n; i++)
        git_odb_object_free(w->stack.v[i].obj);
    free(w->stack.v);
    free(w->found.v);
    moat_map_release(&w->paths, NULL);
    moat_arena_release(&w->arena);
    oidset_release(&w->own_seen);
    git_odb_free(w->own ? w->odb : NULL);
    git_repository_free(w->own);
    memset(w, 0, sizeof(*w));
}

static void hist_init(struct hist *h, struct moat_scan *s)
{
    memset(h, 0, sizeof(*h));
    h->s = s;
    oidset_init(&h->base);
    oidset_init(&h->uniq);
    moat_arena_init(&h->arena, 0);
    moat_map_init(&h->strings);
    moat_buf_init(&h->cache, GITSRC_CACHE_MAX);
}

static void hist_release(struct hist *h)
{
    walker_release(&h->main);
    for (size_t i = 0; i < h->nwalkers; i++)
        walker_release(&h->walkers[i]);
    free(h->walkers);
    free(h->commits);
    free(h->blobs.v);
    moat_map_release(&h->strings, NULL);
    moat_arena_release(&h->arena);
    oidset_release(&h->base);
    oidset_release(&h->uniq);
    moat_buf_release(&h->cache);
    git_odb_free(h->odb);
    git_repository_free(h->repo);
}

static const char *intern(struct moat_map *m, struct moat_arena *a, const char *str, size_t len)
{
    char *p = moat_map_get(m, str, len);

    if (!p) {
        p = moat_arena_strndup(a, str, len);
        if (moat_map_put(m, str, len, p) != NULL)
            MOAT_BUG("interned string was already there");
    }
    return p;
}

/* ISO 8601 in the author's own offset, as git log --date=iso-strict prints it. */
static const char *iso_date(struct moat_arena *a, const git_time *t)
{
    int off = t->offset, aoff = off < 0 ? -off : off;
    char buf[64];
    struct tm tm;
    time_t when;

    if (t->time > INT64_MAX / 2 || t->time < INT64_MIN / 2 || aoff >= 100 * 60)
        return NULL; /* a forged timestamp: the date is unknown */
    when = (time_t)(t->time + (git_time_t)off * 60);
    if (!gmtime_r(&when, &tm))
        return NULL;
    if (moat_snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, off < 0 ? '-' : '+', aoff / 60, aoff % 60) != 0)
        return NULL;
    return moat_arena_strndup(a, buf, strlen(buf));
}

/* Whether this walk meets id for the first time. */
static bool first_visit(struct walker *w, const git_oid *id, enum oid_kind kind)
{
    if (!oidset_add(w->seen, id, kind))
        return false;
    return !(w->base && oidset_has(w->base, id, kind));
}

/* Read a tree; a missing or unreadable one is warned about and yields NULL. */
static git_odb_object *tree_read(struct walker *w, const git_oid *id, const char *where)
{
    git_odb_object *obj = NULL;
    int e = git_odb_read(&obj, w->odb, id);

    if (e == GIT_ENOTFOUND) {
        warn_missing(w->h->s, &w->h->missing, where, "tree");
        return NULL;
    }
    if (e != 0) {
        warn_git(w->h->s, where, "cannot read tree");
        return NULL;
    }
    if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
        scan_warn(w->h->s, where, "tree entry names an object that is not a tree; skipped");
        git_odb_object_free(obj);
        return NULL;
    }
    return obj;
}

static void push_frame(struct walker *w, git_odb_object *obj, size_t plen)
{
    const unsigned char *p = git_odb_object_data(obj);
    struct frame f = { obj, p, p + git_odb_object_size(obj), plen };

    MOAT_VEC_PUSH(&w->stack, f);
}

enum { ENTRY_OTHER, ENTRY_TREE, ENTRY_BLOB };

/* Parse the next entry of a raw tree, "<octal mode> <name>\0<20-byte id>".
 * Returns 1, 0 at the end, or -1 when the rest of the tree is malformed. We
 * parse trees ourselves: libgit2's tree objects cost an allocation per tree
 * and a copy of every entry, a third of the walk. */
static int tree_next(struct frame *f, int *kind, const char **name, size_t *nlen,
                     const git_oid **id)
{
    const unsigned char *p = f->p, *end = f->end, *nul;
    unsigned mode = 0;
    int digits = 0;

    if (p == end)
        return 0;
    for (; p < end && *p >= '0' && *p <= '7' && digits < 8; p++, digits++)
        mode = mode * 8 + (unsigned)(*p - '0');
    if (digits == 0 || p == end || *p != ' ')
        return -1;
    p++;
    nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul || nul == p || (size_t)(end - nul) < 1 + GIT_OID_RAWSZ)
        return -1;
    switch (mode & 0170000) {
    case 0040000: *kind = ENTRY_TREE; break;
    case 0100000:
    case 0120000: *kind = ENTRY_BLOB; break; /* files and symlinks */
    default: *kind = ENTRY_OTHER;            /* 0160000: a submodule's commit */
    }
    *name = (const char *)p;
    *nlen = (size_t)(nul - p);
    *id = (const git_oid *)(nul + 1);
    f->p = nul + 1 + GIT_OID_RAWSZ;
    return 1;
}

/* Visit the tree root (named where in warnings; paths start with
 * w->path[0..w->prefix)) depth first, skipping every tree and blob already
 * seen. With record, each new blob is added to w->found, credited to
 * w->origin; without, they are only marked seen. */
static int walk_tree(struct walker *w, const git_oid *root, const char *where, bool record,
                     struct moat_err *err)
{
    struct moat_scan *s = w->h->s;
    git_odb_object *obj;
    int rc = 0;

    if (!first_visit(w, root, OID_TREE))
        return 0;
    w->path[w->prefix] = '\0';
    if (!(obj = tree_read(w, root, where)))
        return 0;
    push_frame(w, obj, w->prefix);
    while (w->stack.n) {
        struct frame *f = &w->stack.v[w->stack.n - 1];
        const git_oid *id;
        const char *name;
        size_t nlen, plen;
        int kind, more;
        bool sep;

        if ((more = tree_next(f, &kind, &name, &nlen, &id)) <= 0) {
            if (more < 0) {
                w->path[f->plen] = '\0';
                scan_warn(s, f->plen ? w->path : where, "malformed tree; rest skipped");
            }
            git_odb_object_free(f->obj);
            w->stack.n--;
            continue;
        }
        if (kind == ENTRY_OTHER)
            continue;
        sep = w->stack.n > 1; /* entries of the root tree follow the prefix directly */
        plen = f->plen + sep + nlen;
        if (plen > GITSRC_PATH_MAX) {
            w->path[f->plen] = '\0';
            scan_warn(s, f->plen ? w->path : where, "path in the tree too long; skipped");
            continue;
        }
        if (sep)
            w->path[f->plen] = '/';
        memcpy(w->path + f->plen + sep, name, nlen);
        w->path[plen] = '\0';
        if (record && s->exclude &&
            scan_ignore_match(s->exclude, w->path + w->prefix, kind == ENTRY_TREE)) {
            /* checked before the seen set: the same tree or blob may also
             * sit at a path that is not excluded */
            continue;
        }
        if (!first_visit(w, id, kind == ENTRY_TREE ? OID_TREE : OID_BLOB))
            continue;
        if (kind == ENTRY_TREE) {
            git_odb_object *sub = tree_read(w, id, w->path);
            if (sub)
                push_frame(w, sub, plen); /* invalidates f */
        } else if (record) {
            struct gblob b = { .origin = w->origin };
            if (w->found.n >= GITSRC_MAX_BLOBS) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                                  GITSRC_MAX_BLOBS);
                break;
            }
            git_oid_cpy(&b.id, id);
            b.path = intern(&w->paths, &w->arena, w->path, plen);
            MOAT_VEC_PUSH(&w->found, b);
        }
    }
    while (w->stack.n)
        git_odb_object_free(w->stack.v[--w->stack.n].obj);
    return rc;
}

/* Peel what spec names to a commit id. */
static int peel_commit(git_object *obj, const char *spec, git_oid *out, struct moat_err *err)
{
    git_object *c = NULL;

    if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) != 0)
        return moat_err_set(err, MOAT_EINVAL, "'%s' does not name a commit", spec);
    git_oid_cpy(out, git_object_id(c));
    git_object_free(c);
    return 0;
}

/* Hide id and everything reachable from it, and mark what its tree holds as
 * seen, so that blobs it already had are not scanned when a newer commit
 * still holds them. */
static int hide_commit(struct hist *h, git_revwalk *walk, const git_oid *id, struct moat_err *err)
{
    git_commit *c = NULL;
    char hex[GIT_OID_HEXSZ + 1];
    int rc;

    git_oid_tostr(hex, sizeof(hex), id);
    if (git_revwalk_hide(walk, id) != 0 || git_commit_lookup(&c, h->repo, id) != 0)
        return moat_err_set(err, MOAT_EGIT, "%s: %s", hex, git_msg());
    h->main.prefix = 0;
    rc = walk_tree(&h->main, git_commit_tree_id(c), hex, false, err);
    git_commit_free(c);
    return rc;
}

static int push_commit(git_revwalk *walk, const git_oid *id, struct moat_err *err)
{
    char hex[GIT_OID_HEXSZ + 1];

    if (git_revwalk_push(walk, id) != 0)
        return moat_err_set(err, MOAT_EGIT, "%s: %s", git_oid_tostr(hex, sizeof(hex), id),
                            git_msg());
    return 0;
}

/* What to walk: the range ("A..B", "A...B", or one revision and its history)
 * or every ref and HEAD; minus --since. */
static int walk_setup(struct hist *h, git_revwalk *walk, struct moat_err *err)
{
    const struct moat_scan_opts *o = h->s->opts;
    git_revspec spec = { 0 };
    git_object *since = NULL;
    git_oid from, to, base;
    int rc = 0, e;

    if (git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) != 0)
        return moat_err_set(err, MOAT_EGIT, "revision walk: %s", git_msg());
    if (o->since) {
        if (git_revparse_single(&since, h->repo, o->since) != 0) {
            rc = moat_err_set(err, MOAT_EINVAL, "--since: unknown revision '%s': %s", o->since,
                              git_msg());
            goto out;
        }
        if ((rc = peel_commit(since, o->since, &from, err)) != 0 ||
            (rc = hide_commit(h, walk, &from, err)) != 0)
            goto out;
    }
    if (!o->git_range) {
        if (git_revwalk_push_glob(walk, "refs/*") != 0) {
            rc = moat_err_set(err, MOAT_EGIT, "listing refs: %s", git_msg());
            goto out;
        }
        e = git_revwalk_push_head(walk);
        if (e != 0 && e != GIT_ENOTFOUND && e != GIT_EUNBORNBRANCH)
            rc = moat_err_set(err, MOAT_EGIT, "HEAD: %s", git_msg());
        goto out;
    }
    if (git_revparse(&spec, h->repo, o->git_range) != 0) {
        rc = moat_err_set(err, MOAT_EINVAL, "bad revision range '%s': %s", o->git_range, git_msg());
        goto out;
    }
    if (spec.flags & GIT_REVSPEC_SINGLE) {
        if ((rc = peel_commit(spec.from, o->git_range, &to, err)) == 0)
            rc = push_commit(walk, &to, err);
        goto out;
    }
    if ((rc = peel_commit(spec.from, o->git_range, &from, err)) != 0 ||
        (rc = peel_commit(spec.to, o->git_range, &to, err)) != 0 ||
        (rc = push_commit(walk, &to, err)) != 0)
        goto out;
    if (!(spec.flags & GIT_REVSPEC_MERGE_BASE)) {
        rc = hide_commit(h, walk, &from, err);
        goto out;
    }
    /* A...B: what either side has that their merge base has not */
    if ((rc = push_commit(walk, &from, err)) != 0)
        goto out;
    e = git_merge_base(&base, h->repo, &from, &to);
    if (e == 0)
        rc = hide_commit(h, walk, &base, err);
    else if (e != GIT_ENOTFOUND)
        rc = moat_err_set(err, MOAT_EGIT, "merge base of '%s': %s", o->git_range, git_msg());
out:
    git_object_free(since);
    git_object_free(spec.from);
    git_object_free(spec.to);
    return rc;
}

/* List the commits oldest first, each with its tree and origin. The commits
 * come from the object cache: the revision walk has just read them. */
static int list_commits(struct hist *h, git_revwalk *walk, struct moat_err *err)
{
    MOAT_VEC(git_oid) ids = { 0 };
    git_oid id;
    int rc = 0, e;

    while ((e = git_revwalk_next(&id, walk)) == 0)
        MOAT_VEC_PUSH(&ids, id);
    if (e != GIT_ITEROVER) {
        rc = moat_err_set(err, MOAT_EGIT, "walking the history: %s", git_msg());
        goto out;
    }
    h->commits = moat_calloc(ids.n ? ids.n : 1, sizeof(*h->commits));
    h->ncommits = ids.n;
    for (size_t i = 0; i < ids.n; i++) {
        struct gcommit *gc = &h->commits[i];
        const git_signature *a;
        git_commit *c = NULL;
        char *hex = moat_arena_alloc(&h->arena, GIT_OID_HEXSZ + 1);

        git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &ids.v[i]);
        gc->origin.commit = hex;
        h->s->commits++;
        if ((e = git_commit_lookup(&c, h->repo, &ids.v[i])) != 0) {
            if (e == GIT_ENOTFOUND)
                warn_missing(h->s, &h->missing, hex, "commit");
            else
                warn_git(h->s, hex, "cannot read commit");
            continue;
        }
        git_oid_cpy(&gc->tree, git_commit_tree_id(c));
        if ((a = git_commit_author(c))) {
            if (a->name)
                gc->origin.author = intern(&h->strings, &h->arena, a->name, strlen(a->name));
            if (a->email)
                gc->origin.email = intern(&h->strings, &h->arena, a->email, strlen(a->email));
            gc->origin.date = iso_date(&h->arena, &a->when);
        }
        git_commit_free(c);
    }
out:
    free(ids.v);
    return rc;
}

static void walk_segment(void *arg, int worker)
{
    struct walker *w = arg;

    (void)worker;
    for (size_t i = w->from; i < w->to && w->rc == 0; i++) {
        const struct gcommit *c = &w->h->commits[i];
        if (git_oid_is_zero(&c->tree))
            continue;
        w->origin = &c->origin;
        w->prefix = 0;
        w->rc = walk_tree(w, &c->tree, c->origin.commit, true, &w->err);
    }
}

/* Walk the commits' trees, one segment per thread, and merge what the
 * segments found into h->blobs, earliest first. */
static int walk_commits(struct hist *h, struct moat_err *err)
{
    size_t n = thread_count(h->s, h->ncommits, GITSRC_MIN_SEGMENT);
    struct moat_pool *pool = NULL;
    int rc = 0;

    h->walkers = moat_calloc(n, sizeof(*h->walkers));
    for (size_t i = 0; i < n; i++) {
        struct walker *w = &h->walkers[i];
        walker_init(w, h, NULL, &h->base);
        h->nwalkers++;
        w->from = h->ncommits * i / n;
        w->to = h->ncommits * (i + 1) / n;
        if (n > 1 && (rc = repo_clone_handle(h->repo, &w->own, &w->odb, err)) != 0)
            goto out;
        if (w->own)
            w->repo = w->own;
    }
    if (n == 1) {
        walk_segment(&h->walkers[0], 0);
    } else {
        pool = moat_pool_new((int)n, n);
        for (size_t i = 0; i < n; i++)
            moat_pool_submit(pool, walk_segment, &h->walkers[i]);
        moat_pool_wait(pool);
    }
    for (size_t i = 0; i < n; i++) {
        struct walker *w = &h->walkers[i];
        if (w->rc != 0) {
            rc = moat_err_set(err, w->rc, "%s", w->err.msg);
            goto out;
        }
        for (size_t k = 0; k < w->found.n; k++) {
            if (!oidset_add(&h->uniq, &w->found.v[k].id, OID_BLOB))
                continue;
            if (h->blobs.n >= GITSRC_MAX_BLOBS) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                                  GITSRC_MAX_BLOBS);
                goto out;
            }
            MOAT_VEC_PUSH(&h->blobs, w->found.v[k]);
        }
        free(w->found.v);
        w->found.v = NULL;
        w->found.n = w->found.cap = 0;
    }
out:
    moat_pool_free(pool);
    return rc;
}

/* Refs that point (through tags) straight at a tree or a blob are reachable
 * too, though no commit holds them: a favourite place to park a key. Their
 * blobs are named "refname" or "refname:path", with no origin. */
static int walk_ref_objects(struct hist *h, struct moat_err *err)
{
    struct walker *w = &h->main;
    git_reference_iterator *it = NULL;
    git_reference *ref;
    int rc = 0;

    /* Blobs already found are in uniq: seen. Trees held by commits are
     * not, and would be walked again; refs to trees are rare. */
    w->seen = &h->uniq;
    w->base = &h->base;
    w->origin = NULL;
    if (git_reference_iterator_new(&it, h->repo) != 0)
        return moat_err_set(err, MOAT_EGIT, "listing refs: %s", git_msg());
    while (rc == 0 && git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL, *peeled = NULL;
        const char *name = git_reference_name(ref);
        size_t nlen = strlen(name);

        if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && nlen + 1 < GITSRC_PATH_MAX &&
            git_object_lookup(&obj, h->repo, git_reference_target(ref), GIT_OBJECT_ANY) == 0) {
            const git_object *target = obj;
            const git_oid *id;
            if (git_object_type(obj) == GIT_OBJECT_TAG &&
                git_tag_peel(&peeled, (git_tag *)obj) == 0)
                target = peeled;
            id = git_object_id(target);
            if (git_object_type(target) == GIT_OBJECT_BLOB && first_visit(w, id, OID_BLOB)) {
                struct gblob b = { .origin = NULL };
                git_oid_cpy(&b.id, id);
                b.path = intern(&w->paths, &w->arena, name, nlen);
                MOAT_VEC_PUSH(&w->found, b);
            } else if (git_object_type(target) == GIT_OBJECT_TREE) {
                memcpy(w->path, name, nlen);
                w->path[nlen] = ':';
                w->prefix = nlen + 1;
                rc = walk_tree(w, id, name, true, err);
                w->prefix = 0;
            }
        }
        git_object_free(peeled);
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    for (size_t k = 0; rc == 0 && k < w->found.n; k++)
        MOAT_VEC_PUSH(&h->blobs, w->found.v[k]);
    return rc;
}

/* One finding per secret: a secret that stays in a file through later edits
 * is in every later version of the file, each a blob of its own. Of the
 * findings with one fingerprint (rule, path, content), those of the earliest
 * commit, the one that introduced the secret, are kept. */
static void dedupe_findings(struct hist *h)
{
    struct moat_findings *fs = h->s->out;
    struct moat_map order, first;
    size_t kept = 0;

    if (!fs || fs->n < 2)
        return;
    moat_map_init(&order);
    moat_map_init(&first);
    for (size_t i = 0; i < h->ncommits; i++)
        if (moat_map_put(&order, h->commits[i].origin.commit, GIT_OID_HEXSZ,
                         (void *)(uintptr_t)(i + 1)) != NULL) {
            /* a commit is listed once; nothing to replace */
        }
    /* the order of each finding's commit, 0 for findings outside the walk */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < fs->n; i++) {
            struct moat_finding *f = fs->v[i];
            const char *fp = f->fingerprint;
            uintptr_t o =
                f->commit ? (uintptr_t)moat_map_get(&order, f->commit, strlen(f->commit)) : 0;
            uintptr_t min = o ? (uintptr_t)moat_map_get(&first, fp, strlen(fp)) : 0;

            if (pass == 0 && o && (!min || o < min)) {
                if (moat_map_put(&first, fp, strlen(fp), (void *)o) != NULL) {
                    /* an earlier commit replaces a later one */
                }
            } else if (pass == 1 && o && o != min) {
                moat_finding_free(f);
            } else if (pass == 1) {
                fs->v[kept++] = f;
            }
        }
    }
    if (kept != fs->n)
        MOAT_LOG(DEBUG, "git", "%zu findings were later versions of earlier ones", fs->n - kept);
    fs->n = kept;
    moat_map_release(&first, NULL);
    moat_map_release(&order, NULL);
}

/* ---- --cache: ids of blobs scanned clean before ---- */

static void key_str(crypto_generichash_state *st, const char *str)
{
    uint64_t n = str ? strlen(str) + 1 : 0; /* NULL and "" hash differently */

    crypto_generichash_update(st, (const unsigned char *)&n, sizeof(n));
    if (str)
        crypto_generichash_update(st, (const unsigned char *)str, n - 1);
}

static void key_list(crypto_generichash_state *st, char *const *v, size_t n)
{
    key_str(st, "list");
    for (size_t i = 0; i < n; i++)
        key_str(st, v[i]);
}

/* A digest of everything that decides what a blob's scan reports: moat's
 * version, the analyzers, the rules and the configuration. A cache written
 * under another key says nothing about this scan. */
static void cache_key(const struct moat_scan *s, char out[CACHE_KEY_HEX + 1])
{
    const struct moat_config *c = s->config;
    unsigned char k[CACHE_KEY_HEX / 2];
    crypto_generichash_state st;
    char num[64];

    crypto_generichash_init(&st, NULL, 0, sizeof(k));
    key_str(&st, MOAT_VERSION);
    if (moat_snprintf(num, sizeof(num), "%u %d", s->opts->analyzers, s->opts->pedantic) != 0)
        MOAT_BUG("key number truncated");
    key_str(&st, num);
    for (size_t i = 0; i < s->nrules; i++)
        key_str(&st, s->rules[i]->id);
    for (size_t i = 0; c && i < c->nrules; i++) {
        const struct moat_custom_rule *r = &c->rules[i];
        key_str(&st, r->id);
        key_str(&st, r->regex);
        key_list(&st, r->keywords, r->nkeywords);
        if (moat_snprintf(num, sizeof(num), "%a %d", r->min_entropy, (int)r->sev) != 0)
            MOAT_BUG("key number truncated");
        key_str(&st, num);
    }
    if (c) {
        key_list(&st, c->exclude, c->nexclude);
        key_list(&st, c->disabled_rules, c->ndisabled_rules);
        key_list(&st, c->allow_paths, c->nallow_paths);
        key_list(&st, c->allow_regexes, c->nallow_regexes);
        key_list(&st, c->allow_values, c->nallow_values);
    }
    crypto_generichash_final(&st, k, sizeof(k));
    moat_hex(k, sizeof(k), out);
}

/* Read the cache file: a header line with the key, then one 40-digit hex blob
 * id per line. A missing file is an empty cache; one written under another
 * key is ignored (and replaced after the scan). */
static int cache_load(struct hist *h, struct moat_err *err)
{
    const char *path = h->s->opts->cache;
    const size_t hlen = sizeof(CACHE_MAGIC) - 1 + CACHE_KEY_HEX + 1;
    struct moat_err e2 = { 0 };
    size_t lineno = 1;
    const char *p, *end;
    int rc;

    cache_key(h->s, h->key);
    if ((rc = moat_fs_read(path, &h->cache, &e2)) != 0) {
        if (rc == MOAT_ENOENT)
            return 0;
        return moat_err_set(err, rc, "--cache: %s", e2.msg);
    }
    if (h->cache.len < hlen || memcmp(h->cache.data, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0 ||
        memcmp(h->cache.data + sizeof(CACHE_MAGIC) - 1, h->key, CACHE_KEY_HEX) != 0 ||
        h->cache.data[hlen - 1] != '\n') {
        MOAT_LOG(INFO, "git",
                 "%s: written by another moat version, rule set or configuration; "
                 "scanning every blob again",
                 path);
        moat_buf_reset(&h->cache);
        return 0;
    }
    for (p = h->cache.data + hlen, end = h->cache.data + h->cache.len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        git_oid id;

        lineno++;
        if (!nl || nl - p != GIT_OID_HEXSZ || git_oid_fromstrn(&id, p, GIT_OID_HEXSZ) != 0) {
            rc = moat_err_set(err, MOAT_EPARSE,
                              "%s:%zu: expected a 40-digit hex blob id (delete the file to "
                              "start over)",
                              path, lineno);
            moat_buf_reset(&h->cache);
            return rc;
        }
        if (oidset_add(&h->base, &id, OID_BLOB))
            h->cached++;
        p = nl + 1;
    }
    MOAT_LOG(DEBUG, "git", "%s: %zu blobs scanned before", path, h->cached);
    return 0;
}

/* "commit\0path" keys of blobs with findings: they stay out of the cache, so
 * the next scan reports them again (and fails again) until they are fixed,
 * suppressed or baselined. A path inside an archive ("a.zip!x") also marks
 * the archive. */
static void dirty_keys(const struct moat_findings *fs, struct moat_map *dirty)
{
    struct moat_buf k = MOAT_BUF_INIT((size_t)2 * GITSRC_PATH_MAX + 64);

    for (size_t i = 0; fs && i < fs->n; i++) {
        const struct moat_finding *f = fs->v[i];
        const char *path = f->path ? f->path : "";
        size_t plen = strlen(path);

        for (size_t cut = 0; cut <= plen; cut++) {
            if (cut < plen && path[cut] != '!')
                continue;
            moat_buf_reset(&k);
            if (moat_buf_addstr(&k, f->commit ? f->commit : "") != 0 ||
                moat_buf_addch(&k, '\0') != 0 || moat_buf_add(&k, path, cut) != 0)
                continue; /* longer than any blob path we record */
            if (moat_map_put(dirty, k.data, k.len, dirty) != NULL) {
                /* seen already: two findings in one blob */
            }
        }
    }
    moat_buf_release(&k);
}

static bool blob_dirty(const struct moat_map *dirty, const struct gblob *b, struct moat_buf *k)
{
    moat_buf_reset(k);
    if (moat_buf_addstr(k, b->origin && b->origin->commit ? b->origin->commit : "") != 0 ||
        moat_buf_addch(k, '\0') != 0 || moat_buf_addstr(k, b->path) != 0)
        return true;
    return moat_map_get(dirty, k->data, k->len) != NULL;
}

/* Write the cache back atomically: the ids it had, plus every blob this scan
 * read and scanned without a finding (dirty holds those with one). */
static int cache_save(struct hist *h, const struct moat_map *dirty, struct moat_err *err)
{
    const char *path = h->s->opts->cache;
    struct moat_buf out = MOAT_BUF_INIT(GITSRC_CACHE_MAX),
                    k = MOAT_BUF_INIT((size_t)2 * GITSRC_PATH_MAX);
    size_t added = 0;
    int rc = 0;

    if (h->cache.len) {
        rc = moat_buf_add(&out, h->cache.data, h->cache.len);
    } else {
        rc = moat_buf_addf(&out, "%s%s\n", CACHE_MAGIC, h->key);
    }
    for (size_t i = 0; rc == 0 && i < h->blobs.n; i++) {
        const struct gblob *b = &h->blobs.v[i];
        char hex[GIT_OID_HEXSZ + 1];

        if (!b->clean || blob_dirty(dirty, b, &k))
            continue;
        git_oid_tostr(hex, sizeof(hex), &b->id);
        if ((rc = moat_buf_addf(&out, "%s\n", hex)) == 0)
            added++;
    }
    if (rc == MOAT_ETOOBIG) {
        MOAT_LOG(WARN, "git", "%s: the cache would grow over %u bytes; not updated", path,
                 GITSRC_CACHE_MAX);
        rc = 0;
        goto out;
    }
    if (rc == 0 && (added || !h->cache.len))
        rc = moat_fs_write(path, out.data, out.len, err);
    MOAT_LOG(DEBUG, "git", "%s: %zu blobs added", path, added);
out:
    moat_buf_release(&k);
    moat_buf_release(&out);
    return rc;
}

int scan_git_history(struct moat_scan *s, struct moat_err *err)
{
    git_revwalk *walk = NULL;
    double t0 = moat_now();
    struct moat_map dirty;
    struct hist h;
    int rc;

    if ((rc = git_setup(err)) != 0)
        return rc;
    hist_init(&h, s);
    moat_map_init(&dirty);
    if ((rc = repo_open(s->opts->root, &h.repo, err)) != 0 ||
        (rc = graft_shallow(h.repo, err)) != 0)
        goto out;
    if (git_repository_odb(&h.odb, h.repo) != 0 || git_revwalk_new(&walk, h.repo) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", git_repository_path(h.repo), git_msg());
        goto out;
    }
    walker_init(&h.main, &h, &h.base, NULL);
    if (s->opts->cache && (rc = cache_load(&h, err)) != 0)
        goto out;
    if ((rc = walk_setup(&h, walk, err)) != 0 || (rc = list_commits(&h, walk, err)) != 0)
        goto out;
    MOAT_LOG(DEBUG, "git", "%zu commits listed in %.3f s", h.ncommits, moat_now() - t0);
    if ((rc = walk_commits(&h, err)) != 0)
        goto out;
    if (!s->opts->git_range && (rc = walk_ref_objects(&h, err)) != 0)
        goto out;
    log_missing(h.missing);
    MOAT_LOG(DEBUG, "git", "%zu commits walked in %.3f s, %zu new blobs to scan",
             (size_t)s->commits, moat_now() - t0, h.blobs.n);
    sort_pack_order(h.repo, h.blobs.v, h.blobs.n);
    if ((rc = scan_blobs(s, h.repo, h.blobs.v, h.blobs.n, err)) != 0)
        goto out;
    if (s->opts->cache)
        dirty_keys(s->out, &dirty); /* before dedupe drops findings of dirty blobs */
    dedupe_findings(&h);
    if (s->opts->cache)
        rc = cache_save(&h, &dirty, err);
out:
    moat_map_release(&dirty, NULL);
    git_revwalk_free(walk);
    hist_release(&h);
    return rc;
}

/* ---- --staged ---- */

/* The index to scan. git runs a pre-commit hook with GIT_INDEX_FILE naming
 * the index being committed, which for "git commit -a" or "git commit FILE"
 * is a temporary one, not .git/index. */
static int open_index(git_repository *repo, git_index **out, struct moat_err *err)
{
    const char *file = getenv("GIT_INDEX_FILE");

    *out = NULL;
    if (file && *file) {
        if (git_index_open(out, file) != 0)
            return moat_err_set(err, MOAT_EGIT, "GIT_INDEX_FILE %s: %s", file, git_msg());
        return 0;
    }
    if (git_repository_is_bare(repo))
        return moat_err_set(err, MOAT_EGIT, "%s: a bare repository has no index to scan",
                            git_repository_path(repo));
    if (git_repository_index(out, repo) != 0)
        return moat_err_set(err, MOAT_EGIT, "index: %s", git_msg());
    return 0;
}

int scan_git_staged(struct moat_scan *s, struct moat_err *err)
{
    git_diff_options dopts;
    git_repository *repo = NULL;
    git_object *head = NULL;
    git_index *index = NULL;
    git_diff *diff = NULL;
    MOAT_VEC(struct gblob) v = { 0 };
    int rc, e;

    if ((rc = git_setup(err)) != 0)
        return rc;
    if ((rc = repo_open(s->opts->root, &repo, err)) != 0 ||
        (rc = open_index(repo, &index, err)) != 0)
        goto out;
    /* No HEAD yet (the first commit): everything staged is new. */
    e = git_revparse_single(&head, repo, "HEAD^{tree}");
    if (e != 0 && e != GIT_ENOTFOUND && e != GIT_EUNBORNBRANCH) {
        rc = moat_err_set(err, MOAT_EGIT, "HEAD: %s", git_msg());
        goto out;
    }
    if (git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION) != 0)
        MOAT_BUG("git_diff_options_init refused its own version");
    dopts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE;
    dopts.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
    if (git_diff_tree_to_index(&diff, repo, (git_tree *)head, index, &dopts) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "comparing the index with HEAD: %s", git_msg());
        goto out;
    }
    for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        struct gblob b = { 0 };

        if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED &&
            d->status != GIT_DELTA_TYPECHANGE && d->status != GIT_DELTA_RENAMED &&
            d->status != GIT_DELTA_COPIED)
            continue;
        if (d->new_file.mode == GIT_FILEMODE_COMMIT || !d->new_file.path)
            continue;
        if (s->exclude && scan_ignore_match(s->exclude, d->new_file.path, false)) {
            s->skipped++;
            continue;
        }
        git_oid_cpy(&b.id, &d->new_file.id);
        b.path = d->new_file.path; /* owned by diff, which outlives the scan */
        MOAT_VEC_PUSH(&v, b);
    }
    rc = scan_blobs(s, repo, v.v, v.n, err);
out:
    free(v.v);
    git_diff_free(diff);
    git_object_free(head);
    git_index_free(index);
    git_repository_free(repo);
    return rc;
}
