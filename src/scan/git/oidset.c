/* A set of git object ids, the history walk's memory of what it has met.
 * The walk asks it about every entry of every new tree (millions in a long
 * history), so it is built for that: open addressing with linear probing over
 * an array of 8-byte tags (the id's first 8 bytes), the full ids beside them
 * and compared only when a tag matches; at most half full. The slot comes
 * from multiply-shift hashing of the tag under a random key: object ids are
 * chosen by whoever wrote the repository, and ids ground to share low bits
 * must not pile up in one run of slots. */
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <sodium.h>
#include "scan/git/git.h"
#include "core/banned.h"

void gitsrc_oidset_init(struct gitsrc_oidset *set)
{
    memset(set, 0, sizeof(*set));
    moat_hash_seed(&set->k0, sizeof(set->k0));
    moat_hash_seed(&set->k1, sizeof(set->k1));
    set->k1 |= 1;
}

void gitsrc_oidset_release(struct gitsrc_oidset *set)
{
    free(set->tag);
    free(set->id);
    memset(set, 0, sizeof(*set));
}

static uint64_t oid_tag(const git_oid *id, enum gitsrc_kind kind)
{
    uint64_t t;

    memcpy(&t, id->id, sizeof(t));
    return (t & ~(uint64_t)3) | (uint64_t)kind << 1 | 1;
}

/* Whether a and b are the same id. Inline: the walk asks this for most
 * entries it meets, and a call to memcmp costs more. */
static bool oid_eq(const git_oid *a, const git_oid *b)
{
    uint64_t a0, b0, a1, b1;
    uint32_t a2, b2;

    memcpy(&a0, a->id, 8);
    memcpy(&b0, b->id, 8);
    memcpy(&a1, a->id + 8, 8);
    memcpy(&b1, b->id + 8, 8);
    memcpy(&a2, a->id + 16, 4);
    memcpy(&b2, b->id + 16, 4);
    return a0 == b0 && a1 == b1 && a2 == b2;
}

static size_t oidset_slot(const struct gitsrc_oidset *set, uint64_t tag)
{
    return (size_t)(((tag ^ set->k0) * set->k1) >> set->shift);
}

static void oidset_grow(struct gitsrc_oidset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 4096, mask = cap - 1;
    uint64_t *tag = moat_calloc(cap, sizeof(*tag));
    git_oid *id = moat_malloc(cap * sizeof(*id));
    unsigned shift = 64;

    for (size_t c = cap; c > 1; c >>= 1)
        shift--;
    for (size_t i = 0; i < set->cap; i++) {
        size_t j;
        if (!set->tag[i])
            continue;
        j = (size_t)(((set->tag[i] ^ set->k0) * set->k1) >> shift);
        while (tag[j])
            j = (j + 1) & mask;
        tag[j] = set->tag[i];
        id[j] = set->id[i];
    }
    free(set->tag);
    free(set->id);
    set->tag = tag;
    set->id = id;
    set->cap = cap;
    set->shift = shift;
}

bool gitsrc_oidset_add(struct gitsrc_oidset *set, const git_oid *id, enum gitsrc_kind kind)
{
    uint64_t t = oid_tag(id, kind);
    size_t mask, i;

    if ((t & ~(uint64_t)3) == 0 && git_oid_is_zero(id))
        return false;
    if ((set->n + 1) * 2 > set->cap)
        oidset_grow(set);
    mask = set->cap - 1;
    for (i = oidset_slot(set, t); set->tag[i]; i = (i + 1) & mask)
        if (set->tag[i] == t && oid_eq(&set->id[i], id))
            return false;
    set->tag[i] = t;
    set->id[i] = *id;
    set->n++;
    return true;
}

bool gitsrc_oidset_has(const struct gitsrc_oidset *set, const git_oid *id, enum gitsrc_kind kind)
{
    uint64_t t = oid_tag(id, kind);
    size_t mask = set->cap - 1;

    if (!set->cap)
        return false;
    for (size_t i = oidset_slot(set, t); set->tag[i]; i = (i + 1) & mask)
        if (set->tag[i] == t && oid_eq(&set->id[i], id))
            return true;
    return false;
}
