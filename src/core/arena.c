/* moat_arena: bump allocation for short-lived clusters (one file's scan, one
 * parsed document), freed together. */
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "banned.h"

struct moat_arena_block {
    struct moat_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

void moat_arena_init(struct moat_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
}

void moat_arena_release(struct moat_arena *a)
{
    struct moat_arena_block *b = a->head, *next;

    for (; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

void *moat_arena_alloc(struct moat_arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    struct moat_arena_block *b = a->head;
    size_t need = (n + align - 1) & ~(align - 1);
    void *p;

    if (need < n)
        MOAT_BUG("arena allocation overflow");
    if (!b || b->size - b->used < need) {
        size_t size = need > a->block_size ? need : a->block_size;
        b = moat_malloc(sizeof(*b) + size);
        b->used = 0;
        b->size = size;
        b->next = a->head;
        a->head = b;
    }
    p = (char *)b->data + b->used;
    b->used += need;
    return p;
}

char *moat_arena_strndup(struct moat_arena *a, const char *s, size_t n)
{
    char *p = moat_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
