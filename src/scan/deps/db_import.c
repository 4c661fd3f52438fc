/* `moat db import`: OSV advisories from .json files, JSON-lines files
 * (gzip or not), directory trees of .json files and zips of them (osv.dev's
 * all.zip) are merged by id into the store, the newest `modified` winning,
 * and the store is rewritten atomically. An invalid record is warned about
 * and skipped; an input with nothing valid in it fails the import. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include "deps.h"
#include "core/core.h"
#include "core/banned.h"

#define IMPORT_MAX_INPUT    ((uint64_t)4 << 30) /* bytes expanded from one input */
#define IMPORT_MAX_FILES    4000000             /* files or members of one input */
#define IMPORT_MAX_DIRDEPTH 16                  /* directory levels followed */
#define IMPORT_MAX_WARNINGS 20                  /* invalid records named per input */
#define IMPORT_CHUNK        (256u << 10)
#define DB_MAX_IMAGE        ((size_t)8 << 30)

/* One advisory of the merged set. rec points into the old store's mapping
 * or to owned (malloc'd) bytes. */
struct entry {
    const unsigned char *rec;
    size_t len;
    bool owned;
    struct deps_osv_time modified;
};

struct import {
    struct moat_map ids; /* id -> index + 1 in v */
    struct entry *v;
    size_t n, cap;
    struct moat_db_import_stats *st;
    struct moat_buf rec; /* scratch for one encoded record */
    /* the input being read */
    const char *input;
    size_t valid, invalid, warned, badtime;
    uint64_t expanded;
};

/* Control bytes of names from disk or from a zip are shown as '?'. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static void invalid(struct import *im, const char *where, const char *msg)
{
    char *w;

    im->invalid++;
    im->st->skipped++;
    if (++im->warned > IMPORT_MAX_WARNINGS)
        return;
    w = moat_strdup(where);
    clean(w);
    MOAT_LOG(WARN, "db", "%s: skipped: %s", w, msg);
    free(w);
}

/* Merge one encoded record (already checked) into the set. */
static int merge(struct import *im, const unsigned char *rec, size_t len, bool from_store,
                 struct moat_err *err)
{
    struct deps_rec r;
    struct deps_osv_time t;
    struct entry e = { rec, len, !from_store, { 0, 0 } };
    size_t idx;

    if (deps_rec_decode(rec, len, &r) != 0)
        return moat_err_set(err, MOAT_EPARSE, "%s: malformed record", im->input);
    if (deps_osv_time_parse(r.modified, &t) != 0) {
        t.sec = INT64_MIN; /* older than any readable time */
        t.nsec = 0;
        if (!from_store)
            im->badtime++;
    }
    e.modified = t;
    idx = (size_t)(uintptr_t)moat_map_get(&im->ids, r.id, strlen(r.id));
    if (!from_store) {
        e.rec = moat_malloc(len);
        memcpy((unsigned char *)e.rec, rec, len);
    }
    if (idx == 0) {
        if (im->n == im->cap) {
            im->cap = im->cap ? im->cap * 2 : 1024;
            im->v = moat_realloc(im->v, im->cap * sizeof(*im->v));
        }
        im->v[im->n++] = e;
        moat_map_put(&im->ids, r.id, strlen(r.id), (void *)(uintptr_t)im->n);
        if (!from_store)
            im->st->added++;
        return 0;
    }
    if (from_store)
        return moat_err_set(err, MOAT_EPARSE, "%s: advisory %s twice in the store", im->input,
                            r.id);
    if (deps_osv_time_cmp(&t, &im->v[idx - 1].modified) > 0) {
        if (im->v[idx - 1].owned)
            free((void *)im->v[idx - 1].rec);
        im->v[idx - 1] = e;
        im->st->updated++;
    } else {
        free((void *)e.rec);
        im->st->unchanged++;
    }
    return 0;
}

/* One advisory's JSON text from where (a file, line or member). */
static int take(struct import *im, const char *where, const char *text, size_t len,
                struct moat_err *err)
{
    struct moat_err rerr = { 0, "" };

    im->st->advisories++;
    moat_buf_reset(&im->rec);
    if (deps_osv_encode_text(text, len, &im->rec, &rerr) != 0) {
        invalid(im, where, rerr.msg);
        return 0;
    }
    im->valid++;
    return merge(im, (const unsigned char *)im->rec.data, im->rec.len, false, err);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* ---- gzip or plain streams (zlib reads uncompressed files as they are) ---- */

static int gz_fail(gzFile gz, const char *path, struct moat_err *err)
{
    int zerr = Z_OK;
    const char *msg = gzerror(gz, &zerr);

    if (zerr == Z_ERRNO)
        return moat_err_set(err, MOAT_EIO, "%s: %s", path, strerror(errno));
    return moat_err_set(err, MOAT_EPARSE, "%s: damaged or truncated gzip data (%s)", path,
                        msg ? msg : "?");
}

/* JSON lines: one advisory per line, blank lines ignored. */
static int read_lines(struct import *im, gzFile gz, struct moat_err *err)
{
    struct moat_buf line = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    char *chunk = moat_malloc(IMPORT_CHUNK), where[64];
    size_t lineno = 1;
    bool over = false;
    int rc = 0, n;

    while ((n = gzread(gz, chunk, IMPORT_CHUNK)) > 0) {
        const char *p = chunk, *end = chunk + n;
        if ((im->expanded += (uint64_t)n) > IMPORT_MAX_INPUT) {
            rc = moat_err_set(err, MOAT_ETOOBIG, "%s: expands to over %llu bytes", im->input,
                              (unsigned long long)IMPORT_MAX_INPUT);
            goto out;
        }
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t seg = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (!over && moat_buf_add(&line, p, seg) != 0) {
                over = true;
                if (moat_snprintf(where, sizeof(where), ":%zu", lineno) != 0)
                    where[0] = '\0';
                im->st->advisories++;
                {
                    char *w = moat_asprintf("%s%s", im->input, where);
                    invalid(im, w, "line over the size limit");
                    free(w);
                }
            }
            p += seg;
            if (!nl)
                break;
            p++;
            if (!over && !blank(line.data, line.len)) {
                char *w = moat_asprintf("%s:%zu", im->input, lineno);
                rc = take(im, w, line.data, line.len, err);
                free(w);
                if (rc != 0)
                    goto out;
            }
            moat_buf_reset(&line);
            over = false;
            lineno++;
        }
    }
    if (n < 0) {
        rc = gz_fail(gz, im->input, err);
        goto out;
    }
    {
        int zerr = Z_OK;
        if (gzerror(gz, &zerr) && zerr != Z_OK) {
            rc = gz_fail(gz, im->input, err);
            goto out;
        }
    }
    if (!over && !blank(line.data, line.len)) {
        char *w = moat_asprintf("%s:%zu", im->input, lineno);
        rc = take(im, w, line.data, line.len, err);
        free(w);
    }
out:
    moat_buf_release(&line);
    free(chunk);
    return rc;
}

/* A single-advisory .json (or .json.gz) file. */
static int read_whole(struct import *im, gzFile gz, const char *where, struct moat_err *err)
{
    struct moat_buf doc = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    char *chunk = moat_malloc(IMPORT_CHUNK);
    int rc = 0, n;

    while ((n = gzread(gz, chunk, IMPORT_CHUNK)) > 0) {
        if (moat_buf_add(&doc, chunk, (size_t)n) != 0) {
            im->st->advisories++;
            invalid(im, where, "over the size limit of one advisory");
            goto out;
        }
    }
    if (n < 0) {
        rc = gz_fail(gz, where, err);
        goto out;
    }
    rc = take(im, where, doc.data, doc.len, err);
out:
    moat_buf_release(&doc);
    free(chunk);
    return rc;
}

static int open_input(const char *path, int *fd, struct stat *st, struct moat_err *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0)
        return moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (fstat(*fd, st) != 0) {
        int rc = moat_err_set(err, MOAT_EIO, "%s: %s", path, strerror(errno));
        close(*fd);
        *fd = -1;
        return rc;
    }
    return 0;
}

/* Whether the name, less a ".gz", ends in ".json": one advisory. */
static bool single_json(const char *name)
{
    size_t n = strlen(name);

    if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
        n -= 3;
    return n >= 5 && strncmp(name + n - 5, ".json", 5) == 0;
}

static int read_stream(struct import *im, const char *path, int fd, bool whole,
                       struct moat_err *err)
{
    gzFile gz = gzdopen(fd, "rb");
    int rc;

    if (!gz) {
        close(fd);
        return moat_err_set(err, MOAT_EIO, "%s: cannot read", path);
    }
    if (gzbuffer(gz, IMPORT_CHUNK) != 0) {
        /* the default buffer works too, only slower */
    }
    im->st->files++;
    rc = whole ? read_whole(im, gz, path, err) : read_lines(im, gz, err);
    if (gzclose_r(gz) != Z_OK && rc == 0) {
        /* a read error was reported by gzread already */
    }
    return rc;
}

/* ---- zips ---- */

static int read_zip(struct import *im, const char *path, int fd, struct moat_err *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct moat_buf doc = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD);
    char *chunk = moat_malloc(IMPORT_CHUNK);
    size_t members = 0;
    int rc = 0, r;

    if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
        archive_read_open_fd(a, fd, IMPORT_CHUNK) != ARCHIVE_OK) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: not a readable zip (%s)", path,
                          archive_error_string(a) ? archive_error_string(a) : "?");
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        const char *name;
        char *where;
        la_ssize_t n;
        bool over = false;

        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = moat_err_set(err, MOAT_EPARSE, "%s: damaged zip (%s)", path,
                              archive_error_string(a) ? archive_error_string(a) : "?");
            goto out;
        }
        name = archive_entry_pathname(e);
        if (archive_entry_filetype(e) != AE_IFREG || !name || !single_json(name))
            continue;
        if (++members > IMPORT_MAX_FILES) {
            rc = moat_err_set(err, MOAT_ETOOBIG, "%s: over %u members", path, IMPORT_MAX_FILES);
            goto out;
        }
        im->st->files++;
        where = moat_asprintf("%s!%s", path, name);
        moat_buf_reset(&doc);
        while ((n = archive_read_data(a, chunk, IMPORT_CHUNK)) > 0) {
            if ((im->expanded += (uint64_t)n) > IMPORT_MAX_INPUT) {
                free(where);
                rc = moat_err_set(err, MOAT_ETOOBIG, "%s: expands to over %llu bytes", path,
                                  (unsigned long long)IMPORT_MAX_INPUT);
                goto out;
            }
            if (!over && moat_buf_add(&doc, chunk, (size_t)n) != 0)
                over = true;
        }
        if (n < 0) {
            /* a damaged or encrypted member: the next header tells whether
             * the rest of the zip can still be read */
            im->st->advisories++;
            invalid(im, where, archive_error_string(a) ? archive_error_string(a) : "unreadable");
        } else if (over) {
            im->st->advisories++;
            invalid(im, where, "over the size limit of one advisory");
        } else if ((rc = take(im, where, doc.data, doc.len, err)) != 0) {
            free(where);
            goto out;
        }
        free(where);
    }
out:
    if (archive_read_free(a) != ARCHIVE_OK) {
        /* nothing to release beyond what it freed */
    }
    close(fd);
    moat_buf_release(&doc);
    free(chunk);
    return rc;
}

/* ---- directories ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_dir(struct import *im, const char *dir, int depth, size_t *files,
                    struct moat_err *err)
{
    DIR *d;
    struct dirent *de;
    MOAT_VEC(char *) names = { 0 };
    int rc = 0;

    if (depth > IMPORT_MAX_DIRDEPTH) {
        char *w = moat_strdup(dir);
        clean(w);
        MOAT_LOG(WARN, "db", "%s: skipped: deeper than %d directories", w, IMPORT_MAX_DIRDEPTH);
        free(w);
        return 0;
    }
    if (!(d = opendir(dir)))
        return moat_err_set(err, moat_err_from_errno(errno), "%s: %s", dir, strerror(errno));
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and hidden files such as .git */
        MOAT_VEC_PUSH(&names, moat_strdup(de->d_name));
    }
    closedir(d);
    /* sorted, so the warnings come in the same order on every machine */
    if (names.n)
        qsort(names.v, names.n, sizeof(*names.v), by_name);
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *path = moat_asprintf("%s/%s", dir, names.v[i]);
        struct stat st;
        int fd;

        if (lstat(path, &st) != 0) {
            rc = moat_err_set(err, MOAT_EIO, "%s: %s", path, strerror(errno));
        } else if (S_ISLNK(st.st_mode)) {
            MOAT_LOG(DEBUG, "db", "%s: symbolic link not followed", path);
        } else if (S_ISDIR(st.st_mode)) {
            rc = read_dir(im, path, depth + 1, files, err);
        } else if (S_ISREG(st.st_mode) && single_json(names.v[i])) {
            if (++*files > IMPORT_MAX_FILES)
                rc = moat_err_set(err, MOAT_ETOOBIG, "%s: over %u files", im->input,
                                  IMPORT_MAX_FILES);
            else if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
                rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
            else
                rc = read_stream(im, path, fd, true, err);
        }
        free(path);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    return rc;
}

/* ---- one input ---- */

static int read_input(struct import *im, const char *path, struct moat_err *err)
{
    struct stat st;
    unsigned char magic[4] = { 0 };
    size_t files = 0;
    int fd, rc;

    im->input = path;
    im->valid = im->invalid = im->warned = im->badtime = 0;
    im->expanded = 0;
    if ((rc = open_input(path, &fd, &st, err)) != 0)
        return rc;
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        rc = read_dir(im, path, 0, &files, err);
    } else if (!S_ISREG(st.st_mode)) {
        close(fd);
        return moat_err_set(err, MOAT_EINVAL, "%s: not a file or directory", path);
    } else if (pread(fd, magic, 4, 0) == 4 && magic[0] == 'P' && magic[1] == 'K' &&
               ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6))) {
        rc = read_zip(im, path, fd, err);
    } else {
        rc = read_stream(im, path, fd, single_json(path), err);
    }
    if (rc != 0)
        return rc;
    if (im->warned > IMPORT_MAX_WARNINGS)
        MOAT_LOG(WARN, "db", "%s: %zu more invalid records skipped", path,
                 im->warned - IMPORT_MAX_WARNINGS);
    if (im->badtime)
        MOAT_LOG(WARN, "db",
                 "%s: %zu advisories have an unreadable `modified` time; kept, as older than "
                 "any other version of the same id",
                 path, im->badtime);
    if (im->valid == 0)
        return moat_err_set(err, MOAT_EPARSE, "%s: no valid OSV advisory in it (%zu skipped)", path,
                            im->invalid);
    return 0;
}

/* ---- writing ---- */

static int mkdir_parents(const char *path, struct moat_err *err)
{
    char *dir = moat_strdup(path);
    int rc = 0;

    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", dir, strerror(errno));
            break;
        }
        *p = '/';
    }
    free(dir);
    return rc;
}

/* Write data to path as a new file: temp file in the same directory,
 * fsync, rename, fsync of the directory, so a crash leaves the old store or
 * the new one, never half of one. */
static int write_atomic(const char *path, const void *data, size_t len, struct moat_err *err)
{
    char *tmp = moat_asprintf("%s.XXXXXX", path), *slash;
    const char *p = data;
    int fd, dfd, rc = 0;

    if (moat_test_fail("fs_write")) {
        rc = moat_err_set(err, MOAT_EIO, "%s: injected write failure", path);
        goto out;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0644) != 0)
        rc = moat_err_set(err, MOAT_EIO, "%s: %s", tmp, strerror(errno));
    while (rc == 0 && len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = moat_err_set(err, MOAT_EIO, "%s: %s", tmp, strerror(errno));
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = moat_err_set(err, MOAT_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = moat_err_set(err, MOAT_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (rc != 0) {
        if (unlink(tmp) != 0) {
            /* never created, or already gone */
        }
        goto out;
    }
    slash = strrchr(tmp, '/');
    if (slash)
        *slash = '\0';
    if ((dfd = open(slash ? (slash == tmp ? "/" : tmp) : ".",
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        if (fsync(dfd) != 0) {
            /* the rename is done; some file systems cannot sync a directory */
        }
        close(dfd);
    }
out:
    free(tmp);
    return rc;
}

static void import_release(struct import *im)
{
    for (size_t i = 0; i < im->n; i++)
        if (im->v[i].owned)
            free((void *)im->v[i].rec);
    free(im->v);
    moat_map_release(&im->ids, NULL);
    moat_buf_release(&im->rec);
}

int moat_db_import(const char *db_path, const char *const *inputs, size_t ninputs,
                   struct moat_db_import_stats *stats, struct moat_err *err)
{
    struct moat_db_import_stats st = { 0 };
    struct moat_err oerr = { 0, "" };
    struct import im = { .st = &st };
    struct deps_db *old = NULL;
    struct deps_db_in *in = NULL;
    struct moat_buf img = MOAT_BUF_INIT(DB_MAX_IMAGE);
    char *lock = NULL;
    int lfd = -1, rc;

    if (stats)
        memset(stats, 0, sizeof(*stats));
    moat_map_init(&im.ids);
    moat_buf_init(&im.rec, DEPS_OSV_MAX_RECORD);
    if (!db_path || !*db_path || ninputs == 0) {
        rc = moat_err_set(err, MOAT_EINVAL, "nothing to import");
        goto out;
    }
    if ((rc = mkdir_parents(db_path, err)) != 0)
        goto out;
    /* two imports at once would each rewrite the store from what they read:
     * the second waits for the first */
    lock = moat_asprintf("%s.lock", db_path);
    if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0 ||
        flock(lfd, LOCK_EX) != 0) {
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", lock, strerror(errno));
        goto out;
    }
    rc = deps_db_open(db_path, &old, &oerr);
    if (rc == MOAT_ENOENT) {
        rc = 0;
    } else if (rc != 0) {
        rc = moat_err_set(err, rc, "%s", oerr.msg);
        goto out;
    } else if ((rc = deps_db_verify(old, err)) != 0) {
        goto out;
    } else {
        im.input = db_path;
        for (size_t i = 0; i < deps_db_count(old); i++) {
            const unsigned char *p;
            size_t len;
            if ((rc = deps_db_record(old, i, &p, &len, err)) != 0 ||
                (rc = merge(&im, p, len, true, err)) != 0)
                goto out;
        }
    }
    for (size_t i = 0; i < ninputs; i++)
        if ((rc = read_input(&im, inputs[i], err)) != 0)
            goto out;
    if (old && st.added == 0 && st.updated == 0) {
        MOAT_LOG(DEBUG, "db", "%s: nothing new, store left as it is", db_path);
        goto done;
    }
    in = moat_calloc(im.n ? im.n : 1, sizeof(*in));
    for (size_t i = 0; i < im.n; i++) {
        in[i].rec = im.v[i].rec;
        in[i].len = im.v[i].len;
    }
    if ((rc = deps_db_build(in, im.n, &img, err)) != 0 ||
        (rc = write_atomic(db_path, img.data, img.len, err)) != 0)
        goto out;
done:
    if (stats)
        *stats = st;
out:
    free(in);
    moat_buf_release(&img);
    import_release(&im);
    deps_db_free(old);
    if (lfd >= 0)
        close(lfd); /* releases the lock */
    free(lock);
    return rc;
}
