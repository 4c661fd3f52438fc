/* moat_hook_install: write the git pre-commit hook that runs
 * `moat scan --staged` and blocks a commit whose staged files hold a secret. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include "scan.h"
#include "core/banned.h"

#define HOOK_MARKER   "# installed by moat"
#define HOOK_MAX_READ (1u << 20) /* bytes of an existing hook we look at */

/* POSIX sh: git runs it at the top of the work tree with the index being
 * committed in GIT_INDEX_FILE, which `moat scan --staged` reads. */
static const char hook_script[] =
    "#!/bin/sh\n" HOOK_MARKER "\n"
    "# `moat hook install` wrote this file and replaces it on reinstall.\n"
    "# It blocks a commit whose staged changes hold a secret (moat scan --staged).\n"
    "# Runs $MOAT if set, else moat from PATH.\n"
    "moat=${MOAT:-}\n"
    "if [ -z \"$moat\" ]; then\n"
    "    moat=$(command -v moat 2>/dev/null) || moat=\n"
    "fi\n"
    "if [ -z \"$moat\" ]; then\n"
    "    echo 'moat pre-commit hook: moat is not in PATH (or set MOAT=/path/to/moat).' >&2\n"
    "    echo 'To commit without the check: git commit --no-verify' >&2\n"
    "    exit 1\n"
    "fi\n"
    "\"$moat\" scan --staged\n"
    "status=$?\n"
    "if [ \"$status\" -eq 0 ]; then\n"
    "    exit 0\n"
    "fi\n"
    "if [ \"$status\" -eq 1 ]; then\n"
    "    echo 'moat: commit blocked: the staged changes hold secrets (listed above).' >&2\n"
    "    echo 'Remove them, and rotate any real credential first.' >&2\n"
    "    echo 'For a false positive: a \"moat:ignore <rule> <reason>\" comment on its line.' >&2\n"
    "else\n"
    "    echo \"moat: commit blocked: the scan failed (exit $status).\" >&2\n"
    "fi\n"
    "echo 'To commit anyway: git commit --no-verify' >&2\n"
    "exit 1\n";

static pthread_once_t hook_once = PTHREAD_ONCE_INIT;
static int hook_init_rc;

static void hook_init_once(void)
{
    if (git_libgit2_init() < 0)
        hook_init_rc = -1;
}

static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

/* mkdir -p, for a core.hooksPath that does not exist yet. */
static int make_dirs(const char *dir, struct moat_err *err)
{
    char *p = moat_strdup(dir);
    int rc = 0;

    for (char *q = p + 1;; q++) {
        char c = *q;
        if (c != '/' && c != '\0')
            continue;
        *q = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", p, strerror(errno));
            break;
        }
        *q = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* The hooks directory: core.hooksPath (relative to the work tree, as git
 * takes it) or the repository's own hooks/. */
static int hooks_dir(git_repository *repo, char **out, struct moat_err *err)
{
    git_config *cfg = NULL;
    git_buf buf = { 0 };
    int rc = 0, e;

    *out = NULL;
    if (git_repository_config_snapshot(&cfg, repo) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "git config: %s", git_msg());
        goto out;
    }
    e = git_config_get_path(&buf, cfg, "core.hooksPath");
    if (e == 0 && buf.size > 0) {
        const char *base = git_repository_workdir(repo);
        if (buf.ptr[0] == '/' || !base)
            *out = buf.ptr[0] == '/' ? moat_strdup(buf.ptr)
                                     : moat_asprintf("%s%s", git_repository_path(repo), buf.ptr);
        else
            *out = moat_asprintf("%s%s", base, buf.ptr);
        goto out;
    }
    if (e != 0 && e != GIT_ENOTFOUND) {
        rc = moat_err_set(err, MOAT_EGIT, "core.hooksPath: %s", git_msg());
        goto out;
    }
    git_buf_dispose(&buf);
    if (git_repository_item_path(&buf, repo, GIT_REPOSITORY_ITEM_HOOKS) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "hooks directory: %s", git_msg());
        goto out;
    }
    *out = moat_strdup(buf.ptr);
out:
    git_buf_dispose(&buf);
    git_config_free(cfg);
    return rc;
}

/* Whether the file at path is a hook moat installed: MOAT_ENOENT when there
 * is none, 1 when it is ours, 0 when it is someone else's (a symlink, which
 * moat never writes, counts as someone else's). */
static int hook_state(const char *path, struct moat_err *err)
{
    struct moat_buf raw = MOAT_BUF_INIT(HOOK_MAX_READ);
    struct moat_err e2 = { 0 };
    struct stat st;
    int rc;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return MOAT_ENOENT;
        return moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return 0;
    rc = moat_fs_read(path, &raw, &e2);
    if (rc == MOAT_ETOOBIG) {
        rc = 0; /* far bigger than ours */
    } else if (rc != 0) {
        moat_err_set(err, rc, "%s", e2.msg);
    } else {
        const char *m = strstr(raw.data, "\n" HOOK_MARKER "\n");
        rc = m != NULL;
    }
    moat_buf_release(&raw);
    return rc;
}

int moat_hook_install(const char *root, bool force, struct moat_err *err)
{
    const char *start = root && *root ? root : ".";
    git_repository *repo = NULL;
    char *dir = NULL, *path = NULL, *backup = NULL;
    struct stat st;
    int rc, e;

    pthread_once(&hook_once, hook_init_once);
    if (hook_init_rc != 0)
        return moat_err_set(err, MOAT_EGIT, "libgit2 failed to initialize");
    e = git_repository_open_ext(&repo, start, 0, NULL);
    if (e == GIT_ENOTFOUND) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: not a git repository (nor any parent directory)",
                          start);
        goto out;
    }
    if (e != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", start, git_msg());
        goto out;
    }
    if ((rc = hooks_dir(repo, &dir, err)) != 0 || (rc = make_dirs(dir, err)) != 0)
        goto out;
    path = moat_asprintf("%s%spre-commit", dir, moat_str_endswith(dir, "/") ? "" : "/");
    rc = hook_state(path, err);
    if (rc < 0 && rc != MOAT_ENOENT)
        goto out;
    if (rc == 0) { /* someone else's hook */
        backup = moat_asprintf("%s.moat-backup", path);
        if (!force) {
            rc = moat_err_set(err, MOAT_EEXIST,
                              "%s: a pre-commit hook moat did not write is in place; rerun with "
                              "--force to replace it (it is kept as %s)",
                              path, backup);
            goto out;
        }
        if (lstat(backup, &st) == 0) {
            rc = moat_err_set(err, MOAT_EEXIST,
                              "%s: exists from an earlier --force; move it away first", backup);
            goto out;
        }
        if (rename(path, backup) != 0) {
            rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", backup, strerror(errno));
            goto out;
        }
    }
    if ((rc = moat_fs_write(path, hook_script, sizeof(hook_script) - 1, err)) != 0)
        goto out;
    if (chmod(path, 0755) != 0) {
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(backup);
    free(path);
    free(dir);
    git_repository_free(repo);
    return rc;
}
