/* Growable byte buffer with a hard size cap. data is never NULL after init and
 * is always NUL-terminated; growing past max fails with MOAT_ETOOBIG. */
#ifndef MOAT_BUF_H
#define MOAT_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "err.h"

struct moat_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

extern char moat_buf_empty[];
#define MOAT_BUF_INIT(maxlen)                                                                      \
    {                                                                                              \
        moat_buf_empty, 0, 0, (maxlen)                                                             \
    }

void moat_buf_init(struct moat_buf *b, size_t max);
void moat_buf_release(struct moat_buf *b);
/* Empty the buffer but keep its memory. */
void moat_buf_reset(struct moat_buf *b);
/* Make room for n more bytes. Returns 0 or MOAT_ETOOBIG. */
MOAT_NODISCARD int moat_buf_grow(struct moat_buf *b, size_t n);
MOAT_NODISCARD int moat_buf_add(struct moat_buf *b, const void *p, size_t n);
MOAT_NODISCARD int moat_buf_addstr(struct moat_buf *b, const char *s);
MOAT_NODISCARD int moat_buf_addch(struct moat_buf *b, char c);
MOAT_NODISCARD int moat_buf_addf(struct moat_buf *b, const char *fmt, ...) MOAT_PRINTF(2, 3);
/* Hand the bytes to the caller (free() them) and leave b empty. */
char *moat_buf_detach(struct moat_buf *b, size_t *len);

#endif
