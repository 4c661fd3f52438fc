/* Reading and scanning a list of git blobs in parallel: each worker thread
 * takes the next few blobs of the list, in the list's order, through its own
 * repository handle, and hands them to the analyzers. */
#include <stdatomic.h>
#include <stdlib.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_CHUNK 32 /* blobs a worker takes at a time */

/* The empty blob: nothing to scan, and an index may name it without the
 * object existing (git add -N). */
static const git_oid empty_blob = {
    { 0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b,
      0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91 }
};

struct gworker {
    git_repository *repo; /* libgit2 objects are not shared across threads */
    git_odb *odb;
    struct scan_worker w;
};

struct gjob {
    struct moat_scan *s;
    struct gitsrc_blob *v;
    size_t n;
    _Atomic size_t next;
    _Atomic size_t missing;
    size_t max_file;
    struct gworker *wk;
};

static void scan_one(struct gjob *j, struct gworker *wk, struct gitsrc_blob *b)
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
        gitsrc_warn_missing(s, &j->missing, b->path, "blob");
        return;
    }
    if (e != 0) {
        gitsrc_warn_git(s, b->path, "cannot read blob");
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

int gitsrc_scan_blobs(struct moat_scan *s, git_repository *repo, struct gitsrc_blob *v, size_t n,
                      struct moat_err *err)
{
    struct gjob j = { .s = s, .v = v, .n = n };
    struct moat_pool *pool = NULL;
    size_t nthreads, ready = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    nthreads = gitsrc_thread_count(s, n, GITSRC_CHUNK);
    j.max_file = s->opts->max_file_size ? s->opts->max_file_size : SCAN_DEFAULT_MAX_FILE;
    j.wk = moat_calloc(nthreads, sizeof(*j.wk));
    for (; ready < nthreads; ready++) {
        struct gworker *wk = &j.wk[ready];
        if ((rc = gitsrc_repo_handle(repo, &wk->repo, &wk->odb, err)) != 0)
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
    gitsrc_log_missing(j.missing);
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
