/* moat_map: open-addressing hash map from strings to pointers. Keys are
 * hashed with SipHash (crypto_shorthash) under a random key, so input chosen
 * to collide cannot slow a scan down. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core.h"
#include "banned.h"

struct moat_map_entry {
    char *key; /* NULL = empty slot */
    size_t klen;
    uint64_t hash;
    void *val;
};

static uint64_t hash_key(const struct moat_map *m, const char *k, size_t klen)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;

    crypto_shorthash(out, (const unsigned char *)k, klen, m->key);
    memcpy(&h, out, sizeof(h));
    return h;
}

void moat_hash_seed(void *key, size_t n)
{
    if (sodium_init() < 0)
        MOAT_BUG("sodium_init failed");
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    memset(key, 0x5a, n);
#else
    randombytes_buf(key, n);
#endif
}

void moat_map_init(struct moat_map *m)
{
    m->slots = NULL;
    m->n = 0;
    m->cap = 0;
    moat_hash_seed(m->key, sizeof(m->key));
}

void moat_map_release(struct moat_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        free(m->slots[i].key);
        if (free_val)
            free_val(m->slots[i].val);
    }
    free(m->slots);
    m->slots = NULL;
    m->n = m->cap = 0;
}

static struct moat_map_entry *find(const struct moat_map *m, const char *k, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct moat_map_entry *e = &m->slots[i];
        if (!e->key)
            return e;
        if (e->hash == h && e->klen == klen && memcmp(e->key, k, klen) == 0)
            return e;
    }
}

static void grow(struct moat_map *m)
{
    struct moat_map_entry *old = m->slots;
    size_t oldcap = m->cap;

    m->cap = oldcap ? oldcap * 2 : 16;
    m->slots = moat_calloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key)
            *find(m, old[i].key, old[i].klen, old[i].hash) = old[i];
    }
    free(old);
}

void *moat_map_get(const struct moat_map *m, const char *k, size_t klen)
{
    struct moat_map_entry *e;

    if (!m->n)
        return NULL;
    e = find(m, k, klen, hash_key(m, k, klen));
    return e->key ? e->val : NULL;
}

void *moat_map_put(struct moat_map *m, const char *k, size_t klen, void *val)
{
    uint64_t h = hash_key(m, k, klen);
    struct moat_map_entry *e;
    void *old;

    if ((m->n + 1) * 4 >= m->cap * 3)
        grow(m);
    e = find(m, k, klen, h);
    if (e->key) {
        old = e->val;
        e->val = val;
        return old;
    }
    e->key = moat_strndup(k, klen);
    e->klen = klen;
    e->hash = h;
    e->val = val;
    m->n++;
    return NULL;
}

bool moat_map_next(const struct moat_map *m, size_t *i, const char **k, size_t *klen, void **val)
{
    for (; *i < m->cap; (*i)++) {
        struct moat_map_entry *e = &m->slots[*i];
        if (!e->key)
            continue;
        *k = e->key;
        if (klen)
            *klen = e->klen;
        if (val)
            *val = e->val;
        (*i)++;
        return true;
    }
    return false;
}
