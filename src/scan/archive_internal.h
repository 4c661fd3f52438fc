/* The archive reader under scan_archive_run, visible to its unit test and
 * fuzz target: walks the members of an in-memory archive with callbacks, so
 * it can be exercised without the rest of the scan. */
#ifndef MOAT_SCAN_ARCHIVE_INTERNAL_H
#define MOAT_SCAN_ARCHIVE_INTERNAL_H

#include <stddef.h>

struct scan_archive_limits {
    size_t max_member; /* bytes of one member; larger ones are skipped */
    size_t max_total;  /* bytes expanded in all, shared by nested archives */
};

/* Where members and warnings go. path is the display path "outer!member";
 * data is valid only during the call. */
struct scan_archive_sink {
    void (*member)(void *ctx, const char *path, const unsigned char *data, size_t len);
    void (*warn)(void *ctx, const char *path, const char *what);
    void *ctx;
};

/* Open data (an archive or a compressed file) from memory and hand each
 * regular-file member to sink->member, in archive order. *used counts the
 * bytes expanded so far and is shared with nested calls; once it passes
 * lim->max_total the walk stops and *used is set to SIZE_MAX, which stops the
 * enclosing walks without a second warning. Corrupt data, encrypted members
 * and members over a limit are reported to sink->warn; nothing fails.
 * Honours MOAT_TEST_FAIL=archive:N. */
void scan_archive_iterate(const unsigned char *data, size_t len, const char *outer,
                          const struct scan_archive_limits *lim, size_t *used,
                          const struct scan_archive_sink *sink);

/* Tests only, not thread-safe: the limits scan_archive_run uses; NULL
 * restores SCAN_MAX_ARCHIVE_MEMBER and SCAN_MAX_ARCHIVE_TOTAL. */
void scan_archive_set_limits(const struct scan_archive_limits *lim);

#endif
