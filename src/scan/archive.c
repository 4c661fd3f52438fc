/* Archives and compressed files, opened from memory with libarchive: every
 * regular member is scanned like a file under the path "outer!member",
 * within limits on member size, total expansion and nesting depth. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "scan/scan.h"
#include "scan/archive_internal.h"
#include "core/banned.h"

#define ARCHIVE_MAX_NAME 4096        /* bytes of a member name kept for display */
#define ARCHIVE_CHUNK    (64u << 10) /* bytes asked of libarchive per read */

static struct scan_archive_limits limits = { SCAN_MAX_ARCHIVE_MEMBER, SCAN_MAX_ARCHIVE_TOTAL };

/* The expansion budget of the outermost archive this thread is scanning;
 * the archives nested in it draw from the same budget, so a zip of zips
 * cannot multiply it. */
static _Thread_local size_t budget_used;
static _Thread_local int nesting;

void scan_archive_set_limits(const struct scan_archive_limits *lim)
{
    static const struct scan_archive_limits defaults = { SCAN_MAX_ARCHIVE_MEMBER,
                                                         SCAN_MAX_ARCHIVE_TOTAL };
    limits = lim ? *lim : defaults;
}

/* A tar header's checksum: the byte sum of the 512-byte header with the
 * checksum field counted as spaces, stored in octal at offset 148. Checked so
 * that a source file that mentions "ustar" (a tar library) is not taken for
 * an archive. */
static bool tar_checksum_ok(const unsigned char *h)
{
    unsigned long sum = 0, want = 0;
    size_t i = 148;

    for (size_t k = 0; k < 512; k++)
        sum += (k >= 148 && k < 156) ? ' ' : h[k];
    while (i < 156 && h[i] == ' ')
        i++;
    if (i == 156 || h[i] < '0' || h[i] > '7')
        return false;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
        want = want * 8 + (unsigned long)(h[i] - '0');
    return want == sum;
}

bool scan_archive_detect(const unsigned char *d, size_t len)
{
    static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    static const unsigned char sevenz[] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c };
    /* bzip2 is "BZh" + level + the magic of a block or of the stream end:
     * three letters alone would take text files for archives */
    static const unsigned char bz_block[] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
    static const unsigned char bz_end[] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

    if (!d)
        return false;
    if (len >= 4 && d[0] == 'P' && d[1] == 'K' &&
        ((d[2] == 3 && d[3] == 4) || (d[2] == 5 && d[3] == 6)))
        return true; /* a zip (jar, war, apk, ...) or an empty one */
    if (len >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 8)
        return true; /* gzip, deflate: the only method there is */
    if (len >= 10 && memcmp(d, "BZh", 3) == 0 && d[3] >= '1' && d[3] <= '9' &&
        (memcmp(d + 4, bz_block, 6) == 0 || memcmp(d + 4, bz_end, 6) == 0))
        return true;
    if (len >= 6 && (memcmp(d, xz, 6) == 0 || memcmp(d, sevenz, 6) == 0))
        return true;
    return len >= 512 && memcmp(d + 257, "ustar", 5) == 0 && tar_checksum_ok(d);
}

/* Format a warning, show control bytes from archive names or libarchive
 * messages as '?', and pass it on. A long message is cut short, which is
 * fine for a warning. */
static void warnf(const struct scan_archive_sink *sink, const char *path, const char *fmt, ...)
    MOAT_PRINTF(3, 4);
static void warnf(const struct scan_archive_sink *sink, const char *path, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
        what[0] = '\0';
    va_end(ap);
    for (char *p = what; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    sink->warn(sink->ctx, path, what);
}

/* "outer!name", with leading "/" and "./" dropped from name and control
 * bytes shown as '?'. ".." stays as it is: the path is only displayed, never
 * opened. NULL for a name that is empty once stripped. */
static char *member_path(const char *outer, const char *name)
{
    size_t olen = strlen(outer), n;
    char *p;

    for (;;) {
        if (name[0] == '/')
            name++;
        else if (name[0] == '.' && name[1] == '/')
            name += 2;
        else
            break;
    }
    n = strnlen(name, ARCHIVE_MAX_NAME);
    if (n == 0)
        return NULL;
    p = moat_malloc(olen + n + 2);
    memcpy(p, outer, olen);
    p[olen] = '!';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        p[olen + 1 + i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    p[olen + 1 + n] = '\0';
    return p;
}

/* A compressed single file has no member name (libarchive says "data"):
 * name it after the file less its suffix, "notes.txt.gz" -> "notes.txt". */
static char *raw_member_path(const char *outer)
{
    static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".lzma", ".zst", ".Z" };
    const char *base = outer, *p;
    size_t blen;

    for (p = outer; *p; p++)
        if (*p == '/' || *p == '!')
            base = p + 1;
    blen = strlen(base);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t sl = strlen(suffixes[i]);
        if (blen > sl && strcmp(base + blen - sl, suffixes[i]) == 0) {
            char *name = moat_strndup(base, blen - sl), *path = member_path(outer, name);
            free(name);
            if (path)
                return path;
        }
    }
    return member_path(outer, "data");
}

enum read_result { READ_OK, READ_OVER, READ_DAMAGED, READ_FAILED };

/* Read the current member into buf, at most cap bytes: READ_OVER when there
 * is more (buf then holds cap + 1 bytes), READ_DAMAGED when libarchive read
 * it all but warned (a bad CRC), READ_FAILED when it could not go on. */
static enum read_result read_member(struct archive *a, struct moat_buf *buf, size_t cap,
                                    size_t size_hint)
{
    moat_buf_reset(buf);
    if (size_hint && size_hint <= cap && moat_buf_grow(buf, size_hint) != 0)
        MOAT_BUG("member buffer smaller than its cap");
    for (;;) {
        size_t want = cap + 1 - buf->len;
        la_ssize_t n;
        if (want == 0)
            return READ_OVER;
        if (want > ARCHIVE_CHUNK)
            want = ARCHIVE_CHUNK;
        if (moat_buf_grow(buf, want) != 0)
            MOAT_BUG("member buffer smaller than its cap");
        n = archive_read_data(a, buf->data + buf->len, want);
        if (n == ARCHIVE_WARN)
            return READ_DAMAGED;
        if (n < 0)
            return READ_FAILED;
        if (n == 0)
            return READ_OK;
        buf->len += (size_t)n;
        buf->data[buf->len] = '\0';
    }
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - 1 - b ? SIZE_MAX - 1 : a + b;
}

struct walk {
    struct archive *a;
    size_t *used;
    size_t accounted; /* this archive's share of *used so far */
    size_t expanded;  /* bytes of members read, or skipped at a decompression cost */
    bool compressed;  /* a compression filter runs under the format */
    bool skip_costly; /* skipping a member decompresses it (a filter, or 7z's solid blocks) */
};

/* Bring *used up to date. Through a compression filter, entry headers and
 * skipped members cost decompression too, and the filter's byte count sees
 * them all. */
static void account(struct walk *w)
{
    size_t now = w->expanded;

    if (w->compressed) {
        la_int64_t f = archive_filter_bytes(w->a, 0);
        if (f > 0 && (uint64_t)f > now)
            now = (uint64_t)f > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)f;
    }
    if (*w->used != SIZE_MAX && now > w->accounted)
        *w->used = add_sat(*w->used, now - w->accounted);
    w->accounted = now;
}

/* Stop at the total: warn once, and mark *used so the enclosing walks stop
 * quietly. */
static void over_total(struct walk *w, const struct scan_archive_sink *sink, const char *outer,
                       const struct scan_archive_limits *lim)
{
    warnf(sink, outer, "archive expands to more than %zu bytes; the rest is not scanned",
          lim->max_total);
    *w->used = SIZE_MAX;
}

/* Not the _all() variants: the mtree format opens files named in the
 * archive on this machine, and filters without a built-in codec run an
 * external program. These cover zip, jar, war, tar, gz, tgz, bz2, xz, 7z. */
static int (*const filters[])(struct archive *) = {
    archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
    archive_read_support_filter_xz,   archive_read_support_filter_lzma,
    archive_read_support_filter_zstd, archive_read_support_filter_compress,
};
static int (*const formats[])(struct archive *) = {
    archive_read_support_format_tar,  archive_read_support_format_zip,
    archive_read_support_format_7zip, archive_read_support_format_cpio,
    archive_read_support_format_raw,
};
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))
static bool builtin[NFILTERS];
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

/* A filter that answers ARCHIVE_WARN would run a program on untrusted
 * bytes; find those once and leave them out. */
static void probe_filters(void)
{
    for (size_t i = 0; i < NFILTERS; i++) {
        struct archive *a = archive_read_new();
        if (!a)
            MOAT_BUG("archive_read_new: out of memory");
        builtin[i] = filters[i](a) == ARCHIVE_OK;
        archive_read_free(a);
    }
}

static int open_archive(struct archive *a, const unsigned char *data, size_t len)
{
    if (pthread_once(&builtin_once, probe_filters) != 0)
        MOAT_BUG("pthread_once failed");
    for (size_t i = 0; i < NFILTERS; i++)
        if (builtin[i] && filters[i](a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i](a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
    return archive_read_open_memory(a, data, len);
}

void scan_archive_iterate(const unsigned char *data, size_t len, const char *outer,
                          const struct scan_archive_limits *lim, size_t *used,
                          const struct scan_archive_sink *sink)
{
    struct moat_buf buf;
    struct walk w = { .used = used };
    struct archive_entry *e;
    char *path = NULL;
    bool first = true;
    int r;

    moat_buf_init(&buf, lim->max_member < SIZE_MAX - 1 ? lim->max_member + 1 : SIZE_MAX);
    if (moat_test_fail("archive")) {
        warnf(sink, outer, "archive not opened (injected failure)");
        goto out;
    }
    if (!(w.a = archive_read_new()))
        MOAT_BUG("archive_read_new: out of memory");
    if (open_archive(w.a, data, len) != ARCHIVE_OK) {
        warnf(sink, outer, "not a readable archive: %s", archive_error_string(w.a));
        goto out;
    }
    for (;;) {
        la_int64_t size;
        size_t known = 0, cap;
        enum read_result rr;

        account(&w);
        if (*used == SIZE_MAX)
            break; /* a nested archive used up the budget and said so */
        if (*used > lim->max_total) {
            over_total(&w, sink, outer, lim);
            break;
        }
        r = archive_read_next_header(w.a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            warnf(sink, outer, "damaged archive: %s; the rest is not scanned",
                  archive_error_string(w.a));
            break;
        }
        if (first) {
            first = false;
            w.compressed = archive_filter_count(w.a) > 1;
            w.skip_costly = w.compressed || archive_format(w.a) == ARCHIVE_FORMAT_7ZIP;
            /* the raw format takes anything; without a filter under it, the
             * magic bytes lied */
            if (archive_format(w.a) == ARCHIVE_FORMAT_RAW && !w.compressed) {
                warnf(sink, outer, "not a readable archive: unknown format");
                break;
            }
        }
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
            continue; /* directories, links, devices: nothing to read */
        free(path);
        if (archive_format(w.a) == ARCHIVE_FORMAT_RAW) {
            path = raw_member_path(outer);
        } else {
            const char *name = archive_entry_pathname(e);
            if (!name)
                name = archive_entry_pathname_utf8(e);
            path = member_path(outer, name ? name : "?");
        }
        if (!path)
            continue;
        size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        if (size > 0)
            known = (uint64_t)size > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)size;
        if (archive_entry_is_encrypted(e)) {
            warnf(sink, path, "encrypted archive member; not scanned");
            if (w.skip_costly)
                w.expanded = add_sat(w.expanded, known); /* skipping it decompresses it */
            continue;
        }
        if (known > lim->max_member) {
            warnf(sink, path, "archive member over %zu bytes; not scanned", lim->max_member);
            if (w.skip_costly)
                w.expanded = add_sat(w.expanded, known);
            continue;
        }
        /* the smaller of the member limit and what is left of the total */
        cap = lim->max_member < SIZE_MAX / 2 ? lim->max_member : SIZE_MAX / 2;
        if (lim->max_total - *used < cap)
            cap = lim->max_total - *used;
        rr = read_member(w.a, &buf, cap, known);
        w.expanded = add_sat(w.expanded, buf.len);
        if (rr == READ_OVER && cap == lim->max_total - *used && cap < lim->max_member) {
            account(&w);
            over_total(&w, sink, outer, lim);
            break;
        }
        if (rr == READ_OVER) {
            if (size < 0) {
                /* no size: skipping the rest could decompress without end */
                warnf(sink, path, "archive member over %zu bytes; it and the rest not scanned",
                      lim->max_member);
                break;
            }
            warnf(sink, path, "archive member over %zu bytes; not scanned", lim->max_member);
            if (w.skip_costly && known > buf.len)
                w.expanded = add_sat(w.expanded, known - buf.len);
            continue;
        }
        /* what was read before damage can still hold a secret */
        if (buf.len || rr == READ_OK)
            sink->member(sink->ctx, path, (const unsigned char *)buf.data, buf.len);
        if (rr == READ_DAMAGED)
            warnf(sink, path, "damaged archive member: %s", archive_error_string(w.a));
        if (rr == READ_FAILED) {
            warnf(sink, path, "damaged archive: %s; the rest is not scanned",
                  archive_error_string(w.a));
            break;
        }
    }
out:
    free(path);
    if (w.a)
        archive_read_free(w.a);
    moat_buf_release(&buf);
}

struct run {
    struct scan_worker *w;
    const struct scan_blob *b;
};

static void run_member(void *ctx, const char *path, const unsigned char *data, size_t len)
{
    const struct run *r = ctx;
    struct scan_blob m = {
        .path = path,
        .data = data,
        .len = len,
        .origin = r->b->origin,
        .depth = r->b->depth + 1,
    };

    scan_blob_run(r->w, &m);
}

static void run_warn(void *ctx, const char *path, const char *what)
{
    const struct run *r = ctx;

    scan_warn(r->w->scan, path, what);
}

void scan_archive_run(struct scan_worker *w, const struct scan_blob *b)
{
    struct run r = { w, b };
    const struct scan_archive_sink sink = { run_member, run_warn, &r };

    if (b->depth >= SCAN_MAX_ARCHIVE_DEPTH) {
        warnf(&sink, b->path, "archive nested in %d others; not opened", b->depth);
        return;
    }
    if (nesting++ == 0)
        budget_used = 0;
    scan_archive_iterate(b->data, b->len, b->path, &limits, &budget_used, &sink);
    nesting--;
}
