/* Allocation that aborts on out-of-memory (as redis and git do), so the rest
 * of the code has no NULL checks after allocating. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "banned.h"

static void oom(size_t n)
{
    fprintf(stderr, "moat: out of memory allocating %zu bytes\n", n);
    abort();
}

void *moat_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *moat_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *moat_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *moat_strdup(const char *s)
{
    return moat_strndup(s, strlen(s));
}

char *moat_strndup(const char *s, size_t n)
{
    char *p = moat_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *moat_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return s;
}
