/* The file-tree source: walks the tree under the scan root on the calling
 * thread, honouring .gitignore files and the configured excludes, and hands
 * batches of files to the worker pool, which reads and scans them. The pool's
 * bounded queue keeps memory flat however large the tree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scan.h"
#include "core/banned.h"

#define WALK_BATCH      32         /* files per pool task: amortizes queue locking */
#define WALK_MAX_DEPTH  256        /* directory nesting we follow */
#define WALK_MMAP_MIN   (1u << 20) /* files this big are mapped, not read */
#define WALK_MAX_IGNORE (1u << 20) /* bytes of one .gitignore */

struct walk {
    struct moat_scan *s;
    struct moat_pool *pool;
    struct scan_worker *workers;
    struct moat_buf *bufs; /* one read buffer per worker */
    const char *root;
    struct scan_ignore *ignore; /* .gitignore patterns seen so far */
    size_t max_file;
};

struct batch {
    struct walk *wk;
    size_t n;
    char *paths[WALK_BATCH]; /* relative to the root */
};

/* Read or map one file and scan it. path_disp is what findings show. */
static void scan_file(struct walk *wk, int worker, const char *full, const char *path_disp)
{
    struct moat_scan *s = wk->s;
    struct moat_buf *buf = &wk->bufs[worker];
    struct scan_blob blob = { .path = path_disp };
    struct stat st;
    void *map = NULL;
    int fd;

    if (moat_test_fail("walk_open")) { /* the file is deleted between walk and open */
        fd = -1;
        errno = ENOENT;
    } else {
        fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (fd < 0) {
        if (errno == ENOENT) /* vanished since the walk saw it: nothing to scan */
            MOAT_LOG(WARN, "scan", "%s: vanished during the scan", path_disp);
        else
            scan_warn(s, path_disp, strerror(errno));
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        s->skipped++;
        goto out;
    }
    if ((size_t)st.st_size > wk->max_file) {
        char msg[128];
        if (moat_snprintf(msg, sizeof(msg), "%lld bytes, over --max-file-size (%zu); skipped",
                          (long long)st.st_size, wk->max_file) != 0)
            msg[0] = '\0';
        scan_warn(s, path_disp, msg);
        goto out;
    }
    if (st.st_size == 0)
        goto counted;
    if (st.st_size >= WALK_MMAP_MIN) {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            map = NULL;
            scan_warn(s, path_disp, strerror(errno));
            goto out;
        }
        (void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
        blob.data = map;
        blob.len = (size_t)st.st_size;
    } else {
        ssize_t n;
        moat_buf_reset(buf);
        if (moat_buf_grow(buf, (size_t)st.st_size + 1) != 0) {
            scan_warn(s, path_disp, "too large to read");
            goto out;
        }
        /* A file that grew since fstat is read up to the size we saw. */
        do
            n = read(fd, buf->data, (size_t)st.st_size);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            scan_warn(s, path_disp, strerror(errno));
            goto out;
        }
        buf->len = (size_t)n;
        buf->data[n] = '\0';
        blob.data = (const unsigned char *)buf->data;
        blob.len = buf->len;
    }
    scan_blob_run(&wk->workers[worker], &blob);
counted:
    s->files++;
    s->bytes += (size_t)st.st_size;
out:
    if (map)
        munmap(map, (size_t)st.st_size);
    close(fd);
}

static void run_batch(void *arg, int worker)
{
    struct batch *b = arg;
    struct walk *wk = b->wk;

    for (size_t i = 0; i < b->n; i++) {
        char *full = moat_asprintf("%s/%s", wk->root, b->paths[i]);
        scan_file(wk, worker, full, b->paths[i]);
        free(full);
        free(b->paths[i]);
    }
    free(b);
}

static void flush(struct walk *wk, struct batch **b)
{
    if (*b && (*b)->n)
        moat_pool_submit(wk->pool, run_batch, *b);
    else
        free(*b);
    *b = NULL;
}

static void load_gitignore(struct walk *wk, const char *dir_full, const char *dir_rel,
                           const char *name)
{
    struct moat_buf text = MOAT_BUF_INIT(WALK_MAX_IGNORE);
    struct moat_err err = { 0 };
    char *path = moat_asprintf("%s/%s", dir_full, name);
    int rc = moat_fs_read(path, &text, &err);

    if (rc == 0)
        rc = scan_ignore_add(&wk->ignore, dir_rel, text.data, text.len, &err);
    if (rc != 0 && rc != MOAT_ENOENT)
        MOAT_LOG(WARN, "scan", "%s: ignored: %s", path, err.msg);
    free(path);
    moat_buf_release(&text);
}

static bool excluded(struct walk *wk, const char *rel, bool is_dir)
{
    if (wk->s->exclude && scan_ignore_match(wk->s->exclude, rel, is_dir))
        return true;
    return wk->ignore && scan_ignore_match(wk->ignore, rel, is_dir);
}

static void walk_dir(struct walk *wk, const char *rel, int depth, struct batch **b)
{
    struct moat_scan *s = wk->s;
    char *full = *rel ? moat_asprintf("%s/%s", wk->root, rel) : moat_strdup(wk->root);
    DIR *d;
    struct dirent *e;

    if (depth > WALK_MAX_DEPTH) {
        scan_warn(s, rel, "nested too deep; not descended into");
        goto out;
    }
    if (!(d = opendir(full))) {
        scan_warn(s, *rel ? rel : wk->root, strerror(errno));
        goto out;
    }
    if (!s->opts->no_ignore) {
        if (depth == 0)
            load_gitignore(wk, full, rel, ".git/info/exclude");
        load_gitignore(wk, full, rel, ".gitignore");
    }
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        unsigned char type = e->d_type;
        char *child;

        if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
            continue;
        if (type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            type = S_ISDIR(st.st_mode)   ? DT_DIR
                   : S_ISREG(st.st_mode) ? DT_REG
                   : S_ISLNK(st.st_mode) ? DT_LNK
                                         : DT_UNKNOWN;
        }
        if (type == DT_DIR && strcmp(name, ".git") == 0)
            continue; /* git's own object store: history is scanned with --git */
        if (type != DT_DIR && type != DT_REG) {
            s->skipped++; /* symlinks are not followed: no loops, no escaping the tree */
            continue;
        }
        child = *rel ? moat_asprintf("%s/%s", rel, name) : moat_strdup(name);
        if (excluded(wk, child, type == DT_DIR)) {
            s->skipped++;
            free(child);
            continue;
        }
        if (type == DT_DIR) {
            walk_dir(wk, child, depth + 1, b);
            free(child);
            continue;
        }
        if (!*b) {
            *b = moat_calloc(1, sizeof(**b));
            (*b)->wk = wk;
        }
        (*b)->paths[(*b)->n++] = child;
        if ((*b)->n == WALK_BATCH)
            flush(wk, b);
    }
    closedir(d);
out:
    free(full);
}

int scan_walk_tree(struct moat_scan *s, struct moat_err *err)
{
    struct walk wk = { .s = s, .root = s->opts->root };
    struct batch *b = NULL;
    struct stat st;
    int nthreads = s->opts->threads > 0 ? s->opts->threads : moat_cpu_count();
    int rc = 0, ninit = 0;

    wk.max_file = s->opts->max_file_size ? s->opts->max_file_size : SCAN_DEFAULT_MAX_FILE;
    if (stat(wk.root, &st) != 0)
        return moat_err_set(err, moat_err_from_errno(errno), "%s: %s", wk.root, strerror(errno));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return moat_err_set(err, MOAT_EINVAL, "%s: not a file or directory", wk.root);
    wk.workers = moat_calloc((size_t)nthreads, sizeof(*wk.workers));
    wk.bufs = moat_calloc((size_t)nthreads, sizeof(*wk.bufs));
    for (; ninit < nthreads; ninit++) {
        moat_buf_init(&wk.bufs[ninit], WALK_MMAP_MIN + 1);
        if ((rc = scan_worker_init(s, &wk.workers[ninit], err)) != 0)
            goto out;
    }
    if (S_ISREG(st.st_mode)) {
        /* One file: findings show the path as the user typed it. */
        wk.root = ".";
        scan_file(&wk, 0, s->opts->root, s->opts->root);
        goto out;
    }
    wk.pool = moat_pool_new(nthreads, 4 * (size_t)nthreads);
    walk_dir(&wk, "", 0, &b);
    flush(&wk, &b);
    moat_pool_wait(wk.pool);
    moat_pool_free(wk.pool);
out:
    for (int i = 0; i < ninit; i++) {
        scan_worker_release(&wk.workers[i]);
        moat_buf_release(&wk.bufs[i]);
    }
    if (ninit < nthreads)
        moat_buf_release(&wk.bufs[ninit]);
    scan_ignore_free(wk.ignore);
    free(wk.workers);
    free(wk.bufs);
    return rc;
}
