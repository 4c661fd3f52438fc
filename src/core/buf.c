/* moat_buf: growable bytes with a hard cap. See include/moat/buf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "banned.h"

char moat_buf_empty[1];

void moat_buf_init(struct moat_buf *b, size_t max)
{
    b->data = moat_buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void moat_buf_release(struct moat_buf *b)
{
    if (b->cap)
        free(b->data);
    moat_buf_init(b, b->max);
}

void moat_buf_reset(struct moat_buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

int moat_buf_grow(struct moat_buf *b, size_t n)
{
    size_t want, ncap;

    if (n > b->max || b->len > b->max - n)
        return MOAT_ETOOBIG;
    want = b->len + n + 1;
    if (want <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 64;
    while (ncap < want)
        ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
    if (b->cap) {
        b->data = moat_realloc(b->data, ncap);
    } else {
        b->data = moat_malloc(ncap);
        b->data[0] = '\0';
    }
    b->cap = ncap;
    return 0;
}

int moat_buf_add(struct moat_buf *b, const void *p, size_t n)
{
    int rc = moat_buf_grow(b, n);

    if (rc != 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int moat_buf_addstr(struct moat_buf *b, const char *s)
{
    return moat_buf_add(b, s, strlen(s));
}

int moat_buf_addch(struct moat_buf *b, char c)
{
    return moat_buf_add(b, &c, 1);
}

int moat_buf_addf(struct moat_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return MOAT_EINVAL;
    if ((size_t)n < sizeof(small))
        return moat_buf_add(b, small, (size_t)n);
    if ((rc = moat_buf_grow(b, (size_t)n)) != 0)
        return rc;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MOAT_EINVAL;
    b->len += (size_t)n;
    return 0;
}

char *moat_buf_detach(struct moat_buf *b, size_t *len)
{
    char *p = b->cap ? b->data : moat_strdup("");

    if (len)
        *len = b->len;
    moat_buf_init(b, b->max);
    return p;
}
