/* Shallow clones: libgit2 1.5 cannot walk a shallow clone: its revision walk
 * fails on the missing parents of the boundary commits listed in .git/shallow.
 * git grafts those commits as parentless; we do the same by serving them,
 * without their "parent" lines, from a small in-memory backend placed before
 * the real ones. */
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_SHALLOW_MAX (16u << 20) /* bytes of .git/shallow */

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

char *gitsrc_strip_parents(const char *data, size_t len, size_t *outlen)
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

size_t gitsrc_shallow_parse(const char *data, size_t len, git_oid **out)
{
    MOAT_VEC(git_oid) ids = { 0 };

    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        git_oid id;

        if (l == GIT_OID_HEXSZ && git_oid_fromstrn(&id, p, l) == 0)
            MOAT_VEC_PUSH(&ids, id);
        p += l + 1;
    }
    *out = ids.v;
    return ids.n;
}

int gitsrc_graft_shallow(git_repository *repo, struct moat_err *err)
{
    struct moat_buf raw = MOAT_BUF_INIT(GITSRC_SHALLOW_MAX);
    char *path = moat_asprintf("%sshallow", git_repository_commondir(repo));
    struct moat_err e2 = { 0 };
    struct graft *g = NULL;
    git_odb *real = NULL, *odb = NULL;
    git_oid *ids = NULL;
    size_t n;
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
            rc = moat_err_set(err, MOAT_EGIT, "%s: %s", path, gitsrc_msg());
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
    n = gitsrc_shallow_parse(raw.data, raw.len, &ids);
    for (size_t i = 0; i < n; i++) {
        git_odb_object *obj = NULL;

        if (git_odb_read(&obj, real, &ids[i]) == 0 &&
            git_odb_object_type(obj) == GIT_OBJECT_COMMIT) {
            struct graft_commit *c;
            g->v = moat_realloc(g->v, (g->n + 1) * sizeof(*g->v));
            c = &g->v[g->n++];
            git_oid_cpy(&c->id, &ids[i]);
            c->data =
                gitsrc_strip_parents(git_odb_object_data(obj), git_odb_object_size(obj), &c->len);
        }
        /* an id that names no commit we have grafts nothing: the walk warns
         * about whatever it then cannot find */
        git_odb_object_free(obj);
    }
    if (g->n == 0)
        goto out;
    qsort(g->v, g->n, sizeof(*g->v), graft_cmp);
    if (git_repository_odb(&odb, repo) != 0 || git_odb_add_backend(odb, &g->parent, 1000) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", path, gitsrc_msg());
        goto out;
    }
    MOAT_LOG(DEBUG, "git", "shallow clone: %zu boundary commits grafted as roots", g->n);
    g = NULL; /* the odb owns it now */
out:
    if (g)
        graft_free(&g->parent);
    free(ids);
    git_odb_free(odb);
    git_odb_free(real);
    moat_buf_release(&raw);
    free(path);
    return rc;
}
