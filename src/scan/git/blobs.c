/* Reading and scanning git blobs in parallel: each worker thread has its own
 * pack reader (packread.c) and repository handle, takes the next few blobs
 * of a list in the list's order, and hands them to the analyzers. */
#include <stdatomic.h>
#include <stdlib.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_CHUNK      32          /* blobs a worker takes at a time */
#define GITSRC_READ_CACHE (16u << 20) /* bytes of delta bases each worker keeps */

/* The empty blob: nothing to scan, and an index may name it without the
 * object existing (git add -N). */
static const git_oid empty_blob = {
    { 0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b,
      0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91 }
};

struct gworker {
    git_repository *repo; /* libgit2 objects are not shared across threads */
    git_odb *odb;
    struct gitsrc_reader *rd;
    struct scan_worker w;
};

struct gitsrc_scanner {
    struct moat_scan *s;
    const struct gitsrc_packs *ps;
    size_t max_file;
    _Atomic size_t missing;
    struct gworker *wk;
    size_t nwk;
};

static void warn_size(struct moat_scan *s, const char *path, size_t size, size_t max)
{
    char msg[128];

    if (moat_snprintf(msg, sizeof(msg), "%zu bytes, over --max-file-size (%zu); skipped", size,
                      max) != 0)
        MOAT_BUG("size message truncated");
    scan_warn(s, path, msg);
}

static void warn_not_blob(struct moat_scan *s, const char *path)
{
    scan_warn(s, path, "tree entry names an object that is not a blob; skipped");
}

static void scan_data(struct gworker *wk, struct gitsrc_blob *b, const unsigned char *data,
                      size_t len)
{
    struct moat_scan *s = wk->w.scan;
    struct scan_blob blob = { .path = b->path, .data = data, .len = len, .origin = b->origin };

    scan_blob_run(&wk->w, &blob);
    s->files++;
    s->bytes += blob.len;
    b->clean = true;
}

/* Read b through libgit2: a loose object, one in an alternate, or anything
 * our reader leaves to it. */
static void scan_libgit2(struct gitsrc_scanner *sc, struct gworker *wk, struct gitsrc_blob *b)
{
    struct moat_scan *s = sc->s;
    git_odb_object *obj = NULL;
    git_object_t type;
    size_t size;
    int e;

    /* The size first, so a huge blob is refused before it is inflated. */
    e = git_odb_read_header(&size, &type, wk->odb, &b->id);
    if (e == 0 && type != GIT_OBJECT_BLOB) {
        warn_not_blob(s, b->path);
        return;
    }
    if (e == 0 && size > sc->max_file) {
        warn_size(s, b->path, size, sc->max_file);
        return;
    }
    if (e == 0)
        e = git_odb_read(&obj, wk->odb, &b->id);
    if (e == GIT_ENOTFOUND) {
        gitsrc_warn_missing(s, &sc->missing, b->path, "blob");
        return;
    }
    if (e != 0) {
        gitsrc_warn_git(s, b->path, "cannot read blob");
        return;
    }
    if (git_odb_object_type(obj) != GIT_OBJECT_BLOB ||
        git_odb_object_size(obj) > sc->max_file) { /* only a corrupt pack gets here */
        scan_warn(s, b->path, "object does not match its pack header; skipped");
        git_odb_object_free(obj);
        return;
    }
    scan_data(wk, b, git_odb_object_data(obj), git_odb_object_size(obj));
    git_odb_object_free(obj);
}

static void scan_one(struct gitsrc_scanner *sc, struct gworker *wk, struct gitsrc_blob *b)
{
    struct moat_scan *s = sc->s;
    struct moat_err err = { 0 };
    struct gitsrc_obj *obj = NULL;
    git_object_t type = GIT_OBJECT_INVALID;
    size_t size = 0;
    int rc;

    if (git_oid_equal(&b->id, &empty_blob)) {
        b->clean = true;
        return;
    }
    if (moat_test_fail("git_read")) {
        scan_warn(s, b->path, "injected git read failure");
        return;
    }
    if (b->order != UINT64_MAX)
        rc = gitsrc_reader_read_at(wk->rd, GITSRC_ORDER_PACK(b->order), GITSRC_ORDER_OFF(b->order),
                                   sc->max_file, &obj, &type, &size, &err);
    else
        rc = gitsrc_reader_read(wk->rd, &b->id, sc->max_file, &obj, &type, &size, &err);
    switch (rc) {
    case 0:
        if (obj->type != GIT_OBJECT_BLOB)
            warn_not_blob(s, b->path);
        else
            scan_data(wk, b, obj->data, obj->len);
        gitsrc_obj_release(obj);
        break;
    case MOAT_ETOOBIG:
        if (type != GIT_OBJECT_BLOB)
            warn_not_blob(s, b->path);
        else
            warn_size(s, b->path, size, sc->max_file);
        break;
    case MOAT_EPARSE: {
        char msg[320];
        if (moat_snprintf(msg, sizeof(msg), "cannot read blob: %s", err.msg) != 0) {
            /* a truncated message still says enough */
        }
        scan_warn(s, b->path, msg);
        break;
    }
    default: scan_libgit2(sc, wk, b); /* not in a pack we read, or unusual */
    }
}

int gitsrc_scanner_new(struct moat_scan *s, git_repository *repo, const struct gitsrc_packs *ps,
                       size_t nthreads, struct gitsrc_scanner **out, struct moat_err *err)
{
    struct gitsrc_scanner *sc = moat_calloc(1, sizeof(*sc));
    int rc = 0;

    *out = NULL;
    sc->s = s;
    sc->ps = ps;
    sc->max_file = s->opts->max_file_size ? s->opts->max_file_size : SCAN_DEFAULT_MAX_FILE;
    sc->wk = moat_calloc(nthreads, sizeof(*sc->wk));
    for (; sc->nwk < nthreads; sc->nwk++) {
        struct gworker *wk = &sc->wk[sc->nwk];
        if ((rc = gitsrc_repo_handle(repo, &wk->repo, &wk->odb, err)) != 0)
            goto out;
        if ((rc = scan_worker_init(s, &wk->w, err)) != 0) {
            sc->nwk++; /* its handle is released below */
            goto out;
        }
        wk->rd = gitsrc_reader_new(ps, GITSRC_READ_CACHE);
    }
    *out = sc;
    sc = NULL;
out:
    gitsrc_scanner_free(sc);
    return rc;
}

void gitsrc_scanner_run(struct gitsrc_scanner *sc, int worker, struct gitsrc_blob *v, size_t n)
{
    struct gworker *wk = &sc->wk[worker];

    for (size_t i = 0; i < n; i++)
        scan_one(sc, wk, &v[i]);
}

struct gitsrc_reader *gitsrc_scanner_reader(struct gitsrc_scanner *sc, int worker)
{
    return sc->wk[worker].rd;
}

git_odb *gitsrc_scanner_odb(struct gitsrc_scanner *sc, int worker)
{
    return sc->wk[worker].odb;
}

void gitsrc_scanner_free(struct gitsrc_scanner *sc)
{
    if (!sc)
        return;
    gitsrc_log_missing(sc->missing);
    for (size_t i = 0; i < sc->nwk; i++) {
        struct gworker *wk = &sc->wk[i];
        gitsrc_reader_free(wk->rd);
        scan_worker_release(&wk->w);
        git_odb_free(wk->odb);
        git_repository_free(wk->repo);
    }
    free(sc->wk);
    free(sc);
}

struct gjob {
    struct gitsrc_scanner *sc;
    struct gitsrc_blob *v;
    size_t n;
    _Atomic size_t next;
};

static void scan_task(void *arg, int worker)
{
    struct gjob *j = arg;

    for (;;) {
        size_t i = atomic_fetch_add(&j->next, GITSRC_CHUNK);
        if (i >= j->n)
            break;
        gitsrc_scanner_run(j->sc, worker, j->v + i,
                           j->n - i < GITSRC_CHUNK ? j->n - i : GITSRC_CHUNK);
    }
}

int gitsrc_scan_blobs(struct moat_scan *s, git_repository *repo, struct gitsrc_blob *v, size_t n,
                      struct moat_err *err)
{
    struct gjob j = { .v = v, .n = n };
    struct gitsrc_packs ps;
    struct moat_pool *pool = NULL;
    size_t nthreads;
    int rc;

    if (n == 0)
        return 0;
    gitsrc_packs_open(&ps, repo);
    gitsrc_sort_pack_order(&ps, v, n);
    nthreads = gitsrc_thread_count(s, n, GITSRC_CHUNK);
    if ((rc = gitsrc_scanner_new(s, repo, &ps, nthreads, &j.sc, err)) != 0)
        goto out;
    pool = moat_pool_new((int)nthreads, nthreads);
    for (size_t i = 0; i < nthreads; i++)
        moat_pool_submit(pool, scan_task, &j);
    moat_pool_wait(pool);
out:
    moat_pool_free(pool);
    gitsrc_scanner_free(j.sc);
    gitsrc_packs_release(&ps);
    return rc;
}
