/* moat scan --staged: the blobs of the index that differ from HEAD, the
 * content about to be committed, as the pre-commit hook sees it. */
#include <stdlib.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

/* The index to scan. git runs a pre-commit hook with GIT_INDEX_FILE naming
 * the index being committed, which for "git commit -a" or "git commit FILE"
 * is a temporary one, not .git/index. */
static int open_index(git_repository *repo, git_index **out, struct moat_err *err)
{
    const char *file = getenv("GIT_INDEX_FILE");

    *out = NULL;
    if (file && *file) {
        if (git_index_open(out, file) != 0)
            return moat_err_set(err, MOAT_EGIT, "GIT_INDEX_FILE %s: %s", file, gitsrc_msg());
        return 0;
    }
    if (git_repository_is_bare(repo))
        return moat_err_set(err, MOAT_EGIT, "%s: a bare repository has no index to scan",
                            git_repository_path(repo));
    if (git_repository_index(out, repo) != 0)
        return moat_err_set(err, MOAT_EGIT, "index: %s", gitsrc_msg());
    return 0;
}

int scan_git_staged(struct moat_scan *s, struct moat_err *err)
{
    git_diff_options dopts;
    git_repository *repo = NULL;
    git_object *head = NULL;
    git_index *index = NULL;
    git_diff *diff = NULL;
    MOAT_VEC(struct gitsrc_blob) v = { 0 };
    int rc, e;

    if ((rc = gitsrc_setup(err)) != 0)
        return rc;
    if ((rc = gitsrc_repo_open(s->opts->root, &repo, err)) != 0 ||
        (rc = open_index(repo, &index, err)) != 0)
        goto out;
    /* No HEAD yet (the first commit): everything staged is new. */
    e = git_revparse_single(&head, repo, "HEAD^{tree}");
    if (e != 0 && e != GIT_ENOTFOUND && e != GIT_EUNBORNBRANCH) {
        rc = moat_err_set(err, MOAT_EGIT, "HEAD: %s", gitsrc_msg());
        goto out;
    }
    if (git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION) != 0)
        MOAT_BUG("git_diff_options_init refused its own version");
    dopts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE;
    dopts.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
    if (git_diff_tree_to_index(&diff, repo, (git_tree *)head, index, &dopts) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "comparing the index with HEAD: %s", gitsrc_msg());
        goto out;
    }
    for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        struct gitsrc_blob b = { 0 };

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
    rc = gitsrc_scan_blobs(s, repo, v.v, v.n, err);
out:
    free(v.v);
    git_diff_free(diff);
    git_object_free(head);
    git_index_free(index);
    git_repository_free(repo);
    return rc;
}
