/* Error codes and the optional error-message struct shared by every moat API.
 * Fallible functions return MOAT_OK or a negative MOAT_E* code. */
#ifndef MOAT_ERR_H
#define MOAT_ERR_H

#include <stddef.h>

#define MOAT_NODISCARD    __attribute__((warn_unused_result))
#define MOAT_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum {
    MOAT_OK = 0,
    MOAT_EINVAL = -1,  /* bad argument or usage */
    MOAT_ENOENT = -2,  /* no such file or object */
    MOAT_EIO = -3,     /* read or write failed */
    MOAT_ETOOBIG = -4, /* input over a hard limit */
    MOAT_EPARSE = -5,  /* malformed input */
    MOAT_EPERM = -6,   /* permission denied */
    MOAT_ELOOP = -7,   /* symlink loop or symlink refused */
    MOAT_EUNSUP = -8,  /* format or feature not supported */
    MOAT_EGIT = -9,    /* git object database error */
    MOAT_EREGEX = -10, /* a pattern did not compile */
    MOAT_EEXIST = -11, /* already exists */
    MOAT_EINTERNAL = -12,
};

struct moat_err {
    int rc;
    char msg[256];
};

/* Record rc and a formatted message in err (which may be NULL); returns rc so
 * that failing is one statement: return moat_err_set(err, MOAT_EIO, "..."). */
int moat_err_set(struct moat_err *err, int rc, const char *fmt, ...) MOAT_PRINTF(3, 4);

/* Short, static description of a MOAT_E* code. */
const char *moat_strerror(int rc);

/* Translate an errno value into a MOAT_E* code. */
int moat_err_from_errno(int e);

/* Abort with file:line for a broken invariant; never for bad input. */
#define MOAT_BUG(msg) moat_bug(__FILE__, __LINE__, (msg))
__attribute__((noreturn)) void moat_bug(const char *file, int line, const char *msg);

#endif
