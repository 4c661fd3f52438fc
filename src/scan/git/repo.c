/* The libgit2 plumbing both git sources share: setting libgit2 up once,
 * opening the repository and per-thread handles on it, and the warnings
 * about objects that cannot be read. */
#include <stdatomic.h>
#include <string.h>
#include <git2.h>
#include <sodium.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_MISSING_LOG 10 /* missing objects named one by one, then counted */

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static int git_init_rc;

/* libgit2 is initialized once and never shut down: the process is short-lived.
 * Hash verification is off because it hashes every byte read a second time
 * (SHA-1 with collision detection: slower than the scan itself); a scanner
 * gains nothing from it, and the shallow graft (shallow.c) needs it off. The
 * object cache keeps commits, which the revision walk reads just before we
 * do, but not trees, which the walk never asks for twice, nor blobs
 * (libgit2's default). */
static void git_init_once(void)
{
    if (git_libgit2_init() < 0 || sodium_init() < 0 ||
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) < 0 ||
        git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)0) < 0)
        git_init_rc = -1;
}

int gitsrc_setup(struct moat_err *err)
{
    pthread_once(&git_once, git_init_once);
    if (git_init_rc != 0)
        return moat_err_set(err, MOAT_EGIT, "libgit2 failed to initialize");
    return 0;
}

const char *gitsrc_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

int gitsrc_repo_open(const char *root, git_repository **out, struct moat_err *err)
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
        return moat_err_set(err, MOAT_EGIT, "%s: %s", path, gitsrc_msg());
    return 0;
}

int gitsrc_repo_handle(git_repository *repo, git_repository **out, git_odb **odb,
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
        return moat_err_set(err, MOAT_EGIT, "%s: %s", gitdir, gitsrc_msg());
    }
    return 0;
}

size_t gitsrc_thread_count(const struct moat_scan *s, size_t work, size_t per_thread)
{
    size_t n = s->opts->threads > 0 ? (size_t)s->opts->threads : (size_t)moat_cpu_count();
    size_t most = (work + per_thread - 1) / per_thread;

    if (n > most)
        n = most;
    return n ? n : 1;
}

/* A missing object is what a shallow or partial clone looks like: warn, go on.
 * The first few are named; the rest are counted, so a partial clone with
 * every blob missing does not flood the log. */
void gitsrc_warn_missing(struct moat_scan *s, _Atomic size_t *missing, const char *path,
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

void gitsrc_log_missing(size_t missing)
{
    if (missing > GITSRC_MISSING_LOG)
        MOAT_LOG(WARN, "git", "%zu more objects missing from the object database",
                 missing - GITSRC_MISSING_LOG);
}

void gitsrc_warn_git(struct moat_scan *s, const char *path, const char *what)
{
    char msg[256];

    if (moat_snprintf(msg, sizeof(msg), "%s: %s", what, gitsrc_msg()) != 0) {
        /* a truncated libgit2 message still says enough */
    }
    scan_warn(s, path, msg);
}
