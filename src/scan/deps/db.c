/* The offline OSV store: one file, mmap'd read-only, that a scan opens in
 * well under a millisecond and reads only where its lockfiles point. The
 * layout (docs/internals/osv-store.md): a header, an index (sorted keys,
 * postings, the record table, ecosystem counts, names) checked as a whole at
 * open, and the records, each checked when it is read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "deps.h"
#include "core/core.h"
#include "core/banned.h"

#define DB_MAGIC     "MOATOSV\0"
#define DB_FORMAT    1
#define HDR_SIZE     256
#define HDR_HASHED   224 /* bytes of the header its own checksum covers */
#define KEY_SIZE     20
#define POST_SIZE    8
#define RECT_SIZE    32
#define ECO_SIZE     40
#define ECO_NAME     32
#define REC_HASH     16
#define SEC_HASH     32
#define DB_MAX_SIZE  ((uint64_t)8 << 30) /* bytes of a store we open */
#define DB_MAX_ECO   1024                /* ecosystem counts kept */
#define DB_MAX_COUNT (1u << 26)          /* records, keys or postings */

/* header offsets */
enum {
    H_FORMAT = 8,
    H_HSIZE = 12,
    H_FSIZE = 16,
    H_NREC = 24,
    H_NWD = 28,
    H_NKEYS = 32,
    H_NPOST = 36,
    H_NECO = 40,
    H_NAMES = 44,
    H_IDX_OFF = 48,
    H_IDX_LEN = 56,
    H_REC_OFF = 64,
    H_REC_LEN = 72,
    H_NEWEST = 80,
    H_NEWEST_SEC = 112,
    H_IDX_HASH = 120,
    H_REC_HASH = 152,
};

struct deps_db {
    const unsigned char *base;
    size_t size;
    bool mapped;
    char *name;
    uint32_t nrec, nwd, nkeys, npost, neco, names_len;
    const unsigned char *keys, *posts, *rect, *eco, *names, *records;
    uint64_t records_len;
    char newest[32];
    int64_t newest_sec;
};

static uint32_t ld32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const unsigned char *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void st64(unsigned char *p, uint64_t v)
{
    st32(p, (uint32_t)v);
    st32(p + 4, (uint32_t)(v >> 32));
}

/* BLAKE2b. sodium_init() picks the fastest implementation once; later
 * calls return at once. */
static void hash(unsigned char *out, size_t outlen, const unsigned char *in, uint64_t len)
{
    if (sodium_init() < 0 || crypto_generichash(out, outlen, in, len, NULL, 0) != 0)
        MOAT_BUG("crypto_generichash failed");
}

/* ---- opening ---- */

static int corrupt(const struct deps_db *db, struct moat_err *err, const char *what)
{
    return moat_err_set(err, MOAT_EPARSE,
                        "%s: the vulnerability database is damaged (%s); remove it and run "
                        "`moat db import` again",
                        db->name, what);
}

static int check(struct deps_db *db, struct moat_err *err)
{
    const unsigned char *h = db->base;
    unsigned char sum[SEC_HASH];
    uint64_t idx_off, idx_len, rec_off, rec_len, want;

    if (db->size < HDR_SIZE || memcmp(h, DB_MAGIC, 8) != 0)
        return moat_err_set(err, MOAT_EPARSE, "%s: not a moat vulnerability database", db->name);
    if (ld32(h + H_FORMAT) != DB_FORMAT)
        return moat_err_set(err, MOAT_EPARSE,
                            "%s: database format %u, this moat reads format %u: remove it and "
                            "run `moat db import` again",
                            db->name, ld32(h + H_FORMAT), DB_FORMAT);
    hash(sum, SEC_HASH, h, HDR_HASHED);
    if (sodium_memcmp(sum, h + HDR_HASHED, SEC_HASH) != 0)
        return corrupt(db, err, "header checksum mismatch");
    db->nrec = ld32(h + H_NREC);
    db->nwd = ld32(h + H_NWD);
    db->nkeys = ld32(h + H_NKEYS);
    db->npost = ld32(h + H_NPOST);
    db->neco = ld32(h + H_NECO);
    db->names_len = ld32(h + H_NAMES);
    idx_off = ld64(h + H_IDX_OFF);
    idx_len = ld64(h + H_IDX_LEN);
    rec_off = ld64(h + H_REC_OFF);
    rec_len = ld64(h + H_REC_LEN);
    if (ld32(h + H_HSIZE) != HDR_SIZE || ld64(h + H_FSIZE) != db->size)
        return corrupt(db, err, "truncated or extended");
    if (db->nrec > DB_MAX_COUNT || db->nkeys > DB_MAX_COUNT || db->npost > DB_MAX_COUNT ||
        db->nwd > db->nrec || db->neco > DB_MAX_ECO)
        return corrupt(db, err, "impossible counts");
    /* every count is under 2^26, so these sums cannot overflow */
    want = (uint64_t)db->nkeys * KEY_SIZE + (uint64_t)db->npost * POST_SIZE +
           (uint64_t)db->nrec * RECT_SIZE + (uint64_t)db->neco * ECO_SIZE + db->names_len;
    if (idx_off != HDR_SIZE || idx_len != want || rec_off != idx_off + idx_len ||
        rec_len != db->size - rec_off || rec_off > db->size)
        return corrupt(db, err, "sections out of place");
    {
        struct deps_osv_time t;
        if (!memchr(h + H_NEWEST, '\0', 32) ||
            (h[H_NEWEST] && deps_osv_time_parse((const char *)h + H_NEWEST, &t) != 0))
            return corrupt(db, err, "bad newest date");
    }
    hash(sum, SEC_HASH, h + idx_off, idx_len);
    if (sodium_memcmp(sum, h + H_IDX_HASH, SEC_HASH) != 0)
        return corrupt(db, err, "index checksum mismatch");
    db->keys = h + idx_off;
    db->posts = db->keys + (size_t)db->nkeys * KEY_SIZE;
    db->rect = db->posts + (size_t)db->npost * POST_SIZE;
    db->eco = db->rect + (size_t)db->nrec * RECT_SIZE;
    db->names = db->eco + (size_t)db->neco * ECO_SIZE;
    db->records = h + rec_off;
    db->records_len = rec_len;
    memcpy(db->newest, h + H_NEWEST, 32);
    db->newest_sec = (int64_t)ld64(h + H_NEWEST_SEC);
    return 0;
}

int deps_db_open_mem(const void *data, size_t len, const char *name, struct deps_db **out,
                     struct moat_err *err)
{
    struct deps_db *db = moat_calloc(1, sizeof(*db));
    int rc;

    *out = NULL;
    db->base = data;
    db->size = len;
    db->name = moat_strdup(name);
    if ((rc = check(db, err)) != 0)
        goto out;
    *out = db;
    db = NULL;
out:
    deps_db_free(db);
    return rc;
}

int deps_db_open(const char *path, struct deps_db **out, struct moat_err *err)
{
    struct deps_db *db = moat_calloc(1, sizeof(*db));
    struct stat st;
    void *m;
    int fd = -1, rc = 0;

    *out = NULL;
    db->name = moat_strdup(path);
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
        rc = errno == ENOENT
                 ? moat_err_set(err, MOAT_ENOENT,
                                "%s: no vulnerability database: run `moat db "
                                "import FILE`",
                                path)
                 : moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = moat_err_set(err, MOAT_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > DB_MAX_SIZE) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: %lld bytes, over the limit", path,
                          (long long)st.st_size);
        goto out;
    }
    if (st.st_size < HDR_SIZE) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: not a moat vulnerability database (%lld bytes)",
                          path, (long long)st.st_size);
        goto out;
    }
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        rc = moat_err_set(err, MOAT_EIO, "%s: mmap: %s", path, strerror(errno));
        goto out;
    }
    db->base = m;
    db->size = (size_t)st.st_size;
    db->mapped = true;
    if ((rc = check(db, err)) != 0)
        goto out;
    *out = db;
    db = NULL;
out:
    if (fd >= 0)
        close(fd);
    deps_db_free(db);
    return rc;
}

void deps_db_free(struct deps_db *db)
{
    if (!db)
        return;
    if (db->mapped && munmap((void *)db->base, db->size) != 0) {
        /* nothing to do: the mapping goes with the process */
    }
    free(db->name);
    free(db);
}

const char *deps_db_newest(const struct deps_db *db)
{
    return db->newest;
}

int64_t deps_db_newest_time(const struct deps_db *db)
{
    return db->newest[0] ? db->newest_sec : -1;
}

size_t deps_db_count(const struct deps_db *db)
{
    return db->nrec;
}

int deps_db_record(const struct deps_db *db, size_t i, const unsigned char **p, size_t *len,
                   struct moat_err *err)
{
    const unsigned char *e;
    unsigned char sum[REC_HASH];
    uint64_t off, n;

    *p = NULL;
    *len = 0;
    if (i >= db->nrec)
        return corrupt(db, err, "record number out of range");
    e = db->rect + i * RECT_SIZE;
    off = ld64(e);
    n = ld32(e + 8);
    if (off > db->records_len || n > db->records_len - off)
        return corrupt(db, err, "record out of bounds");
    hash(sum, REC_HASH, db->records + off, n);
    if (sodium_memcmp(sum, e + 16, REC_HASH) != 0)
        return corrupt(db, err, "record checksum mismatch");
    *p = db->records + off;
    *len = (size_t)n;
    return 0;
}

int deps_db_verify(const struct deps_db *db, struct moat_err *err)
{
    unsigned char sum[SEC_HASH];

    hash(sum, SEC_HASH, db->records, db->records_len);
    if (sodium_memcmp(sum, db->base + H_REC_HASH, SEC_HASH) != 0)
        return corrupt(db, err, "records checksum mismatch");
    return 0;
}

/* ---- lookup and matching ---- */

static int key_cmp(const struct deps_db *db, size_t k, unsigned eco, const char *name, size_t len,
                   bool *bad)
{
    const unsigned char *e = db->keys + k * KEY_SIZE;
    uint32_t off = ld32(e), n = ld32(e + 4);
    int c;

    if (off > db->names_len || n > db->names_len - off) {
        *bad = true;
        return 0;
    }
    if (e[16] != eco)
        return e[16] < eco ? -1 : 1;
    c = memcmp(db->names + off, name, n < len ? n : len);
    if (c != 0)
        return c;
    return n == len ? 0 : n < len ? -1 : 1;
}

/* The postings of (eco, name): binary search over the sorted key table. */
static int lookup(const struct deps_db *db, unsigned eco, const char *name, size_t len,
                  uint32_t *first, uint32_t *count, struct moat_err *err)
{
    size_t lo = 0, hi = db->nkeys;
    bool bad = false;

    *count = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(db, mid, eco, name, len, &bad);
        if (bad)
            return corrupt(db, err, "key out of bounds");
        if (c == 0) {
            const unsigned char *e = db->keys + mid * KEY_SIZE;
            *first = ld32(e + 8);
            *count = ld32(e + 12);
            if (*first > db->npost || *count > db->npost - *first)
                return corrupt(db, err, "postings out of bounds");
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void deps_matches_init(struct deps_matches *m)
{
    memset(m, 0, sizeof(*m));
    moat_arena_init(&m->arena, 4096);
}

void deps_matches_release(struct deps_matches *m)
{
    free(m->v);
    moat_arena_release(&m->arena);
    memset(m, 0, sizeof(*m));
}

static const char *mdup(struct deps_matches *m, const char *s)
{
    return s && *s ? moat_arena_strndup(&m->arena, s, strlen(s)) : NULL;
}

static void add_match(struct deps_matches *m, const struct deps_rec *r, const char *cvss,
                      bool informational, const char *fixed, const char *last)
{
    struct deps_match *x;
    const unsigned char *p = r->aliases;
    double score;

    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->v = moat_realloc(m->v, m->cap * sizeof(*m->v));
    }
    x = &m->v[m->n++];
    memset(x, 0, sizeof(*x));
    x->adv.id = mdup(m, r->id);
    x->adv.summary = mdup(m, r->summary);
    x->adv.modified = mdup(m, r->modified);
    x->adv.db_severity = mdup(m, r->db_severity);
    x->adv.cvss_vector = mdup(m, cvss);
    x->adv.cvss_score = cvss && deps_cvss3_score(cvss, &score) == 0 ? score : -1;
    x->adv.informational = informational;
    x->adv.aliases = moat_arena_alloc(&m->arena, (r->naliases + 1) * sizeof(char *));
    for (size_t i = 0; i < r->naliases; i++)
        x->adv.aliases[i] = mdup(m, deps_rec_alias(r, &p));
    x->adv.aliases[r->naliases] = NULL;
    x->adv.naliases = r->naliases;
    x->fixed = mdup(m, fixed);
    x->last_affected = fixed ? NULL : mdup(m, last);
}

int deps_db_match(const struct deps_db *db, enum deps_eco eco, const char *name,
                  const char *version, struct deps_matches *out, struct moat_err *err)
{
    struct moat_buf key = MOAT_BUF_INIT(DEPS_MAX_NAME * 4);
    uint32_t first = 0, count = 0;
    int rc = 0;

    if (!version || !*version || !name || (unsigned)eco >= DEPS_ECO_COUNT)
        goto out;
    if (deps_name_normalize(eco, name, strlen(name), &key) != 0)
        goto out; /* a name longer than any stored one matches nothing */
    if ((rc = lookup(db, (unsigned)eco, key.data, key.len, &first, &count, err)) != 0)
        goto out;
    /* postings are sorted by record, so one advisory's entries for this
     * package come together and are reported once */
    for (uint32_t i = 0; i < count;) {
        const unsigned char *pe = db->posts + (size_t)(first + i) * POST_SIZE, *rp;
        uint32_t rec = ld32(pe);
        const char *fixed = NULL, *last = NULL, *cvss = NULL;
        bool any = false, info = false;
        struct deps_rec r;
        size_t rlen;

        if ((rc = deps_db_record(db, rec, &rp, &rlen, err)) != 0)
            goto out;
        if (deps_rec_decode(rp, rlen, &r) != 0) {
            rc = corrupt(db, err, "malformed record");
            goto out;
        }
        for (; i < count && ld32(db->posts + (size_t)(first + i) * POST_SIZE) == rec; i++) {
            uint32_t aff = ld32(db->posts + (size_t)(first + i) * POST_SIZE + 4);
            struct deps_rec_affected a;
            const char *f, *l;
            bool hit;

            if (aff >= r.naffected) {
                rc = corrupt(db, err, "posting out of bounds");
                goto out;
            }
            deps_rec_affected_at(&r, aff, &a);
            deps_osv_affected_eval(eco, &a, version, &hit, &f, &l);
            if (!hit)
                continue;
            if (!last)
                last = l;
            if (any) {
                int c;
                if (f && (!fixed || (deps_version_cmp(eco, f, fixed, &c) == 0 && c < 0)))
                    fixed = f;
            } else {
                fixed = f;
            }
            any = true;
            info = info || a.informational;
            if (!cvss && *a.cvss)
                cvss = a.cvss;
        }
        if (any && !r.withdrawn)
            add_match(out, &r, cvss ? cvss : r.cvss, info, fixed, last);
    }
out:
    moat_buf_release(&key);
    return rc;
}

/* ---- status ---- */

int moat_db_status(const char *db_path, struct moat_db_status *out, struct moat_err *err)
{
    struct deps_db *db = NULL;
    struct moat_db_status s;
    size_t nslots = sizeof(s.eco) / sizeof(s.eco[0]);
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    if ((rc = deps_db_open(db_path, &db, err)) != 0 || (rc = deps_db_verify(db, err)) != 0)
        goto out;
    s.advisories = db->nrec;
    s.withdrawn = db->nwd;
    s.packages = db->nkeys;
    if (moat_snprintf(s.newest, sizeof(s.newest), "%s", db->newest) != 0)
        s.newest[0] = '\0';
    for (size_t i = 0; i < db->neco; i++) {
        const unsigned char *e = db->eco + i * ECO_SIZE;
        /* more ecosystems than slots: the last slot counts the rest */
        bool rest = db->neco > nslots && i >= nslots - 1;
        size_t slot = rest ? nslots - 1 : i;

        if (!memchr(e, '\0', ECO_NAME)) {
            rc = corrupt(db, err, "bad ecosystem name");
            goto out;
        }
        if (moat_snprintf(s.eco[slot].ecosystem, ECO_NAME, "%s",
                          rest ? "other" : (const char *)e) != 0)
            MOAT_BUG("short ecosystem slot");
        s.eco[slot].advisories += ld64(e + ECO_NAME);
        s.neco = slot + 1;
        for (char *c = s.eco[slot].ecosystem; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?'; /* printed to a terminal by `moat db status` */
    }
    *out = s;
out:
    deps_db_free(db);
    return rc;
}

char *moat_db_default_path(void)
{
    const char *v = getenv(MOAT_DB_ENV);

    if (v && *v)
        return moat_strdup(v);
    /* XDG: a relative XDG_DATA_HOME is invalid and ignored */
    if ((v = getenv("XDG_DATA_HOME")) && v[0] == '/')
        return moat_asprintf("%s/moat/osv.db", v);
    if ((v = getenv("HOME")) && *v)
        return moat_asprintf("%s/.local/share/moat/osv.db", v);
    return NULL;
}

/* ---- building ---- */

struct post {
    unsigned eco;
    const char *name;
    size_t len;
    uint32_t rec, aff;
};

struct sorted_rec {
    const unsigned char *p;
    size_t len;
    struct deps_rec r;
};

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct sorted_rec *)a)->r.id, ((const struct sorted_rec *)b)->r.id);
}

static int by_key(const void *a, const void *b)
{
    const struct post *x = a, *y = b;
    int c;

    if (x->eco != y->eco)
        return x->eco < y->eco ? -1 : 1;
    c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->rec != y->rec)
        return x->rec < y->rec ? -1 : 1;
    return x->aff < y->aff ? -1 : x->aff > y->aff;
}

struct eco_count {
    char name[ECO_NAME];
    uint64_t n;
};

static int by_eco_name(const void *a, const void *b)
{
    return strcmp(((const struct eco_count *)a)->name, ((const struct eco_count *)b)->name);
}

struct eco_vec {
    struct eco_count *v;
    size_t n, cap;
};

/* Count record r once under each base ecosystem it names ("Debian:12" is
 * Debian); past DB_MAX_ECO names, under "other". */
static void count_ecosystems(const struct deps_rec *r, struct eco_vec *ecos)
{
    const unsigned char *p = r->affected;
    size_t *seen = moat_calloc(r->naffected ? r->naffected : 1, sizeof(*seen));
    size_t nseen = 0;

    for (size_t i = 0; i < r->naffected; i++) {
        struct deps_rec_affected a;
        char base[ECO_NAME] = { 0 }; /* all of it is written to the file */
        size_t n, k, j;

        deps_rec_affected_next(&p, &a);
        n = strcspn(a.ecosystem, ":");
        if (n >= ECO_NAME)
            n = ECO_NAME - 1;
        memcpy(base, a.ecosystem, n);
        base[n] = '\0';
        for (k = 0; k < ecos->n && strcmp(ecos->v[k].name, base) != 0; k++)
            ;
        if (k == ecos->n && ecos->n >= DB_MAX_ECO - 1) {
            memset(base, 0, sizeof(base));
            memcpy(base, "other", 5);
            for (k = 0; k < ecos->n && strcmp(ecos->v[k].name, base) != 0; k++)
                ;
        }
        if (k == ecos->n) {
            struct eco_count e = { .n = 0 };
            memcpy(e.name, base, ECO_NAME);
            MOAT_VEC_PUSH(ecos, e);
        }
        for (j = 0; j < nseen && seen[j] != k; j++)
            ;
        if (j < nseen)
            continue; /* this advisory is counted there already */
        seen[nseen++] = k;
        ecos->v[k].n++;
    }
    free(seen);
}

int deps_db_build(struct deps_db_in *recs, size_t n, struct moat_buf *out, struct moat_err *err)
{
    struct sorted_rec *sr = NULL;
    MOAT_VEC(struct post) posts = { 0 };
    struct eco_vec ecos = { 0 };
    struct moat_arena names;
    struct moat_buf nb = MOAT_BUF_INIT(DEPS_MAX_NAME * 4);
    struct deps_osv_time newest = { 0, 0 }, t;
    uint64_t names_len = 0, nkeys = 0, rec_total = 0, idx_len;
    uint32_t nwd = 0;
    bool have_newest = false;
    unsigned char *img, *keys, *pst, *rect, *ecotab, *nm, *recs_at;
    size_t start = out->len;
    int rc = 0;

    moat_arena_init(&names, 64u << 10);
    if (n > DB_MAX_COUNT) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%zu advisories, over the limit of %u", n,
                          DB_MAX_COUNT);
        goto out;
    }
    sr = moat_calloc(n ? n : 1, sizeof(*sr));
    for (size_t i = 0; i < n; i++) {
        sr[i].p = recs[i].rec;
        sr[i].len = recs[i].len;
        if (deps_rec_decode(recs[i].rec, recs[i].len, &sr[i].r) != 0) {
            rc = moat_err_set(err, MOAT_EPARSE, "advisory %zu: malformed record", i);
            goto out;
        }
        if (deps_osv_time_parse(sr[i].r.modified, &t) == 0 &&
            (!have_newest || deps_osv_time_cmp(&t, &newest) > 0)) {
            newest = t;
            have_newest = true;
        }
        rec_total += recs[i].len;
    }
    if (n)
        qsort(sr, n, sizeof(*sr), by_id);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = sr[i].r.affected;
        if (i > 0 && strcmp(sr[i - 1].r.id, sr[i].r.id) == 0) {
            rc = moat_err_set(err, MOAT_EINVAL, "advisory %s twice", sr[i].r.id);
            goto out;
        }
        count_ecosystems(&sr[i].r, &ecos);
        if (sr[i].r.withdrawn) {
            nwd++;
            continue; /* kept, never matched: no postings */
        }
        for (size_t a = 0; a < sr[i].r.naffected; a++) {
            struct deps_rec_affected af;
            enum deps_eco e;
            struct post ps;

            deps_rec_affected_next(&p, &af);
            /* ecosystems moat cannot scan are stored, not indexed */
            if (deps_eco_parse(af.ecosystem, strlen(af.ecosystem), &e) != 0)
                continue;
            moat_buf_reset(&nb);
            if (deps_name_normalize(e, af.name, strlen(af.name), &nb) != 0)
                continue;
            if (posts.n >= DB_MAX_COUNT) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "over %u package entries", DB_MAX_COUNT);
                goto out;
            }
            ps.eco = (unsigned)e;
            ps.name = moat_arena_strndup(&names, nb.data, nb.len);
            ps.len = nb.len;
            ps.rec = (uint32_t)i;
            ps.aff = (uint32_t)a;
            MOAT_VEC_PUSH(&posts, ps);
        }
    }
    if (posts.n) /* qsort's array may not be NULL, even empty */
        qsort(posts.v, posts.n, sizeof(*posts.v), by_key);
    if (ecos.n)
        qsort(ecos.v, ecos.n, sizeof(*ecos.v), by_eco_name);
    for (size_t i = 0; i < posts.n; i++) {
        if (i == 0 || posts.v[i].eco != posts.v[i - 1].eco ||
            posts.v[i].len != posts.v[i - 1].len ||
            memcmp(posts.v[i].name, posts.v[i - 1].name, posts.v[i].len) != 0) {
            nkeys++;
            names_len += posts.v[i].len;
        }
    }
    if (names_len > UINT32_MAX) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "package names over 4 GiB");
        goto out;
    }
    idx_len = nkeys * KEY_SIZE + (uint64_t)posts.n * POST_SIZE + (uint64_t)n * RECT_SIZE +
              (uint64_t)ecos.n * ECO_SIZE + names_len;
    if (HDR_SIZE + idx_len + rec_total > DB_MAX_SIZE) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "the database would be over %llu bytes",
                          (unsigned long long)DB_MAX_SIZE);
        goto out;
    }
    if ((rc = moat_buf_grow(out, HDR_SIZE + idx_len + rec_total)) != 0) {
        rc = moat_err_set(err, rc, "the database would be over %zu bytes", out->max);
        goto out;
    }
    img = (unsigned char *)out->data + start;
    memset(img, 0, HDR_SIZE + idx_len + rec_total);
    keys = img + HDR_SIZE;
    pst = keys + nkeys * KEY_SIZE;
    rect = pst + posts.n * POST_SIZE;
    ecotab = rect + (size_t)n * RECT_SIZE;
    nm = ecotab + ecos.n * ECO_SIZE;
    recs_at = nm + names_len;
    {
        uint64_t off = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(recs_at + off, sr[i].p, sr[i].len);
            st64(rect + i * RECT_SIZE, off);
            st32(rect + i * RECT_SIZE + 8, (uint32_t)sr[i].len);
            hash(rect + i * RECT_SIZE + 16, REC_HASH, sr[i].p, sr[i].len);
            off += sr[i].len;
        }
    }
    for (size_t i = 0; i < ecos.n; i++) {
        memcpy(ecotab + i * ECO_SIZE, ecos.v[i].name, ECO_NAME);
        st64(ecotab + i * ECO_SIZE + ECO_NAME, ecos.v[i].n);
    }
    {
        size_t k = 0, noff = 0;
        for (size_t i = 0; i < posts.n; i++) {
            unsigned char *ke = keys + (k ? k - 1 : 0) * KEY_SIZE;
            if (i == 0 || posts.v[i].eco != posts.v[i - 1].eco ||
                posts.v[i].len != posts.v[i - 1].len ||
                memcmp(posts.v[i].name, posts.v[i - 1].name, posts.v[i].len) != 0) {
                ke = keys + k * KEY_SIZE;
                memcpy(nm + noff, posts.v[i].name, posts.v[i].len);
                st32(ke, (uint32_t)noff);
                st32(ke + 4, (uint32_t)posts.v[i].len);
                st32(ke + 8, (uint32_t)i);
                ke[16] = (unsigned char)posts.v[i].eco;
                noff += posts.v[i].len;
                k++;
            }
            st32(ke + 12, ld32(ke + 12) + 1);
            st32(pst + i * POST_SIZE, posts.v[i].rec);
            st32(pst + i * POST_SIZE + 4, posts.v[i].aff);
        }
    }
    memcpy(img, DB_MAGIC, 8);
    st32(img + H_FORMAT, DB_FORMAT);
    st32(img + H_HSIZE, HDR_SIZE);
    st64(img + H_FSIZE, HDR_SIZE + idx_len + rec_total);
    st32(img + H_NREC, (uint32_t)n);
    st32(img + H_NWD, nwd);
    st32(img + H_NKEYS, (uint32_t)nkeys);
    st32(img + H_NPOST, (uint32_t)posts.n);
    st32(img + H_NECO, (uint32_t)ecos.n);
    st32(img + H_NAMES, (uint32_t)names_len);
    st64(img + H_IDX_OFF, HDR_SIZE);
    st64(img + H_IDX_LEN, idx_len);
    st64(img + H_REC_OFF, HDR_SIZE + idx_len);
    st64(img + H_REC_LEN, rec_total);
    if (have_newest) {
        deps_osv_time_format(&newest, (char *)img + H_NEWEST, 32);
        st64(img + H_NEWEST_SEC, (uint64_t)newest.sec);
    }
    out->len = start + HDR_SIZE + idx_len + rec_total;
    out->data[out->len] = '\0';
    deps_db_reseal(img, out->len - start);
out:
    if (rc != 0)
        out->len = start;
    free(sr);
    free(posts.v);
    free(ecos.v);
    moat_arena_release(&names);
    moat_buf_release(&nb);
    return rc;
}

void deps_db_reseal(unsigned char *img, size_t len)
{
    uint64_t io, il, ro, rl;

    if (len < HDR_SIZE)
        return;
    io = ld64(img + H_IDX_OFF);
    il = ld64(img + H_IDX_LEN);
    ro = ld64(img + H_REC_OFF);
    rl = ld64(img + H_REC_LEN);
    if (io <= len && il <= len - io)
        hash(img + H_IDX_HASH, SEC_HASH, img + io, il);
    if (ro <= len && rl <= len - ro) {
        hash(img + H_REC_HASH, SEC_HASH, img + ro, rl);
        /* the record checksums live in the index: redo them, then the
         * index's own */
        if (io <= len && il <= len - io) {
            uint32_t nrec = ld32(img + H_NREC), nkeys = ld32(img + H_NKEYS);
            uint32_t npost = ld32(img + H_NPOST);
            uint64_t rt = io + (uint64_t)nkeys * KEY_SIZE + (uint64_t)npost * POST_SIZE;
            for (uint64_t i = 0; i < nrec && rt + (i + 1) * RECT_SIZE <= io + il; i++) {
                unsigned char *e = img + rt + i * RECT_SIZE;
                uint64_t off = ld64(e), n = ld32(e + 8);
                if (off <= rl && n <= rl - off)
                    hash(e + 16, REC_HASH, img + ro + off, n);
            }
            hash(img + H_IDX_HASH, SEC_HASH, img + io, il);
        }
    }
    hash(img + HDR_HASHED, SEC_HASH, img, HDR_HASHED);
}
