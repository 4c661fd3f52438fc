/* Error codes, messages and the abort for broken invariants. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <moat/err.h>
#include "banned.h"

int moat_err_set(struct moat_err *err, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return rc;
    err->rc = rc;
    va_start(ap, fmt);
    /* A message cut short is still a message: truncation is acceptable here. */
    if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
        err->msg[0] = '\0';
    va_end(ap);
    return rc;
}

const char *moat_strerror(int rc)
{
    switch (rc) {
    case MOAT_OK: return "success";
    case MOAT_EINVAL: return "invalid argument";
    case MOAT_ENOENT: return "not found";
    case MOAT_EIO: return "input/output error";
    case MOAT_ETOOBIG: return "over a size limit";
    case MOAT_EPARSE: return "malformed input";
    case MOAT_EPERM: return "permission denied";
    case MOAT_ELOOP: return "symbolic link refused";
    case MOAT_EUNSUP: return "not supported";
    case MOAT_EGIT: return "git error";
    case MOAT_EREGEX: return "invalid pattern";
    case MOAT_EEXIST: return "already exists";
    case MOAT_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

int moat_err_from_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR: return MOAT_ENOENT;
    case EACCES:
    case EPERM: return MOAT_EPERM;
    case ELOOP: return MOAT_ELOOP;
    case EFBIG:
    case ENAMETOOLONG: return MOAT_ETOOBIG;
    case EINVAL: return MOAT_EINVAL;
    case EEXIST: return MOAT_EEXIST;
    }
    return MOAT_EIO;
}

void moat_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "moat: BUG at %s:%d: %s\n", file, line, msg);
    abort();
}
