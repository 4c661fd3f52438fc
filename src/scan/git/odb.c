/* A libgit2 object database backend that serves objects from the packs with
 * our own reader (packread.c), for libgit2's revision walk: it reads every
 * commit of the history, and through libgit2's pack code that costs more than
 * the walk itself (its pack index search, window lock and allocations around
 * each inflate). libgit2 still parses what we serve, so the walk and the
 * commits it yields are libgit2's. Anything our reader does not do, or finds
 * wrong, is passed on to libgit2's own backends, which then say what is
 * wrong exactly as before. */
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_ODB_PRIORITY 3            /* before libgit2's packs (2), after grafts (1000) */
#define GITSRC_ODB_CACHE    (4u << 20)   /* bytes of delta bases kept */
#define GITSRC_ODB_MAX      (256u << 20) /* bytes of an object served */

struct pack_backend {
    git_odb_backend parent; /* first: libgit2 hands back this pointer */
    struct gitsrc_reader *rd;
    const struct gitsrc_commits *ahead; /* may be NULL */
};

static int pb_read(void **out, size_t *len, git_object_t *type, git_odb_backend *be,
                   const git_oid *id)
{
    struct pack_backend *pb = (struct pack_backend *)be;
    const struct gitsrc_commit *cm = pb->ahead ? gitsrc_commits_get(pb->ahead, id) : NULL;
    struct gitsrc_obj *obj = NULL;
    git_object_t t;
    size_t size;
    int rc;

    if (cm) {
        if (!(*out = git_odb_backend_data_alloc(be, cm->len)))
            return -1;
        memcpy(*out, cm->raw, cm->len);
        *len = cm->len;
        *type = GIT_OBJECT_COMMIT;
        return 0;
    }
    rc = gitsrc_reader_read(pb->rd, id, GITSRC_ODB_MAX, &obj, &t, &size, NULL);
    if (rc == MOAT_ENOENT)
        return GIT_ENOTFOUND;
    if (rc != 0)
        return GIT_PASSTHROUGH; /* libgit2's backends read it, or say what is wrong */
    if (!(*out = git_odb_backend_data_alloc(be, obj->len))) {
        gitsrc_obj_release(obj);
        return -1;
    }
    memcpy(*out, obj->data, obj->len);
    *len = obj->len;
    *type = obj->type;
    gitsrc_obj_release(obj);
    return 0;
}

static void pb_free(git_odb_backend *be)
{
    struct pack_backend *pb = (struct pack_backend *)be;

    gitsrc_reader_free(pb->rd);
    free(pb);
}

int gitsrc_odb_attach(git_repository *repo, const struct gitsrc_packs *ps,
                      const struct gitsrc_commits *c, struct moat_err *err)
{
    struct pack_backend *pb;
    git_odb *odb = NULL;
    int rc = 0;

    if (ps->n == 0)
        return 0;
    pb = moat_calloc(1, sizeof(*pb));
    if (git_odb_init_backend(&pb->parent, GIT_ODB_BACKEND_VERSION) != 0)
        MOAT_BUG("git_odb_init_backend refused its own version");
    pb->parent.read = pb_read;
    pb->parent.free = pb_free;
    pb->rd = gitsrc_reader_new(ps, GITSRC_ODB_CACHE);
    pb->ahead = c;
    if (git_repository_odb(&odb, repo) != 0 ||
        git_odb_add_backend(odb, &pb->parent, GITSRC_ODB_PRIORITY) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", git_repository_path(repo), gitsrc_msg());
        pb_free(&pb->parent);
    }
    git_odb_free(odb);
    return rc;
}
