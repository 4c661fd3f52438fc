/* The package model every lockfile parser fills: a list of packages whose
 * strings and dependency arrays live in one arena, freed together. */
#include <stdlib.h>
#include <string.h>
#include "deps.h"
#include "core/banned.h"

void deps_lock_init(struct deps_lock *l, const char *path)
{
    memset(l, 0, sizeof(*l));
    moat_arena_init(&l->arena, 64u << 10);
    l->path = moat_arena_strndup(&l->arena, path, strlen(path));
}

void deps_lock_release(struct deps_lock *l)
{
    free(l->pkgs);
    moat_arena_release(&l->arena);
    memset(l, 0, sizeof(*l));
}

const char *deps_lock_strdup(struct deps_lock *l, const char *s, size_t len)
{
    return moat_arena_strndup(&l->arena, s, len);
}

int deps_lock_add(struct deps_lock *l, const struct deps_pkg *p, size_t *index)
{
    if (l->n >= DEPS_MAX_PACKAGES)
        return MOAT_ETOOBIG;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->pkgs = moat_realloc(l->pkgs, l->cap * sizeof(*l->pkgs));
    }
    l->pkgs[l->n] = *p;
    l->pkgs[l->n].deps = NULL;
    l->pkgs[l->n].ndeps = 0;
    if (index)
        *index = l->n;
    l->n++;
    return 0;
}

/* Arrays in the arena cannot grow in place, so they double by copying; the
 * old copy stays in the arena until release (at most the size of the new
 * one, so the total stays linear). */
void deps_lock_depend(struct deps_lock *l, size_t from, size_t to)
{
    struct deps_pkg *p;
    size_t *nv;

    if (from >= l->n || to >= l->n)
        MOAT_BUG("package index out of range");
    p = &l->pkgs[from];
    for (size_t i = 0; i < p->ndeps; i++)
        if (p->deps[i] == to)
            return;
    if (p->ndeps == 0 || (p->ndeps >= 4 && (p->ndeps & (p->ndeps - 1)) == 0)) {
        size_t cap = p->ndeps ? p->ndeps * 2 : 4;
        nv = moat_arena_alloc(&l->arena, cap * sizeof(*nv));
        if (p->ndeps)
            memcpy(nv, p->deps, p->ndeps * sizeof(*nv));
        p->deps = nv;
    }
    p->deps[p->ndeps++] = to;
}

size_t deps_bom_len(const unsigned char *data, size_t len)
{
    return len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

int deps_source_check_size(const struct deps_source *src, struct moat_err *err)
{
    if (src->len > DEPS_MAX_LOCKFILE)
        return moat_err_set(err, MOAT_ETOOBIG, "%s: %zu bytes, over the %u-byte limit", src->path,
                            src->len, DEPS_MAX_LOCKFILE);
    return 0;
}
