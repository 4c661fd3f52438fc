/* --cache: a file of the ids of blobs scanned clean before, under a key of
 * everything that decides what a blob's scan reports, so that repeated scans
 * of a growing history read only the new blobs. */
#include <stdint.h>
#include <string.h>
#include <git2.h>
#include <sodium.h>
#include "scan/git/git.h"
#include "moat_version.h"
#include "core/banned.h"

#define CACHE_MAGIC "# moat blob cache v1 "

void gitsrc_cache_init(struct gitsrc_cache *c)
{
    memset(c, 0, sizeof(*c));
    moat_buf_init(&c->raw, GITSRC_CACHE_MAX);
    moat_map_init(&c->dirty);
}

void gitsrc_cache_release(struct gitsrc_cache *c)
{
    moat_map_release(&c->dirty, NULL);
    moat_buf_release(&c->raw);
}

static void key_str(crypto_generichash_state *st, const char *str)
{
    uint64_t n = str ? strlen(str) + 1 : 0; /* NULL and "" hash differently */

    crypto_generichash_update(st, (const unsigned char *)&n, sizeof(n));
    if (str)
        crypto_generichash_update(st, (const unsigned char *)str, n - 1);
}

static void key_list(crypto_generichash_state *st, char *const *v, size_t n)
{
    key_str(st, "list");
    for (size_t i = 0; i < n; i++)
        key_str(st, v[i]);
}

/* A digest of everything that decides what a blob's scan reports: moat's
 * version, the analyzers, the rules and the configuration. A cache written
 * under another key says nothing about this scan. */
static void cache_key(const struct moat_scan *s, char out[GITSRC_CACHE_KEY_HEX + 1])
{
    const struct moat_config *c = s->config;
    unsigned char k[GITSRC_CACHE_KEY_HEX / 2];
    crypto_generichash_state st;
    char num[64];

    crypto_generichash_init(&st, NULL, 0, sizeof(k));
    key_str(&st, MOAT_VERSION);
    if (moat_snprintf(num, sizeof(num), "%u %d", s->opts->analyzers, s->opts->pedantic) != 0)
        MOAT_BUG("key number truncated");
    key_str(&st, num);
    for (size_t i = 0; i < s->nrules; i++)
        key_str(&st, s->rules[i]->id);
    for (size_t i = 0; c && i < c->nrules; i++) {
        const struct moat_custom_rule *r = &c->rules[i];
        key_str(&st, r->id);
        key_str(&st, r->regex);
        key_list(&st, r->keywords, r->nkeywords);
        if (moat_snprintf(num, sizeof(num), "%a %d", r->min_entropy, (int)r->sev) != 0)
            MOAT_BUG("key number truncated");
        key_str(&st, num);
    }
    if (c) {
        key_list(&st, c->exclude, c->nexclude);
        key_list(&st, c->disabled_rules, c->ndisabled_rules);
        key_list(&st, c->allow_paths, c->nallow_paths);
        key_list(&st, c->allow_regexes, c->nallow_regexes);
        key_list(&st, c->allow_values, c->nallow_values);
    }
    crypto_generichash_final(&st, k, sizeof(k));
    moat_hex(k, sizeof(k), out);
}

int gitsrc_cache_parse(const char *data, size_t len, const char *key, const char *path,
                       struct gitsrc_oidset *set, size_t *added, struct moat_err *err)
{
    const size_t hlen = sizeof(CACHE_MAGIC) - 1 + GITSRC_CACHE_KEY_HEX + 1;
    size_t lineno = 1, n = 0;
    const char *p, *end;

    *added = 0;
    if (len < hlen || memcmp(data, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0 ||
        memcmp(data + sizeof(CACHE_MAGIC) - 1, key, GITSRC_CACHE_KEY_HEX) != 0 ||
        data[hlen - 1] != '\n')
        return MOAT_EUNSUP;
    for (p = data + hlen, end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        git_oid id;

        lineno++;
        if (!nl || nl - p != GIT_OID_HEXSZ || git_oid_fromstrn(&id, p, GIT_OID_HEXSZ) != 0)
            return moat_err_set(err, MOAT_EPARSE,
                                "%s:%zu: expected a 40-digit hex blob id (delete the file to "
                                "start over)",
                                path, lineno);
        if (gitsrc_oidset_add(set, &id, GITSRC_BLOB))
            n++;
        p = nl + 1;
    }
    *added = n;
    return 0;
}

/* Read the cache file: a header line with the key, then one 40-digit hex blob
 * id per line. A missing file is an empty cache; one written under another
 * key is ignored (and replaced after the scan). */
int gitsrc_cache_load(struct gitsrc_cache *c, const struct moat_scan *s, struct gitsrc_oidset *set,
                      struct moat_err *err)
{
    const char *path = s->opts->cache;
    struct moat_err e2 = { 0 };
    int rc;

    cache_key(s, c->key);
    if ((rc = moat_fs_read(path, &c->raw, &e2)) != 0) {
        if (rc == MOAT_ENOENT)
            return 0;
        return moat_err_set(err, rc, "--cache: %s", e2.msg);
    }
    rc = gitsrc_cache_parse(c->raw.data, c->raw.len, c->key, path, set, &c->cached, err);
    if (rc == MOAT_EUNSUP) {
        MOAT_LOG(INFO, "git",
                 "%s: written by another moat version, rule set or configuration; "
                 "scanning every blob again",
                 path);
        moat_buf_reset(&c->raw);
        return 0;
    }
    if (rc != 0) {
        moat_buf_reset(&c->raw);
        return rc;
    }
    MOAT_LOG(DEBUG, "git", "%s: %zu blobs scanned before", path, c->cached);
    return 0;
}

/* "commit\0path" keys of blobs with findings: they stay out of the cache, so
 * the next scan reports them again (and fails again) until they are fixed,
 * suppressed or baselined. A path inside an archive ("a.zip!x") also marks
 * the archive. */
void gitsrc_cache_mark(struct gitsrc_cache *c, const struct moat_findings *fs)
{
    struct moat_buf k = MOAT_BUF_INIT((size_t)2 * GITSRC_PATH_MAX + 64);

    for (size_t i = 0; fs && i < fs->n; i++) {
        const struct moat_finding *f = fs->v[i];
        const char *path = f->path ? f->path : "";
        size_t plen = strlen(path);

        for (size_t cut = 0; cut <= plen; cut++) {
            if (cut < plen && path[cut] != '!')
                continue;
            moat_buf_reset(&k);
            if (moat_buf_addstr(&k, f->commit ? f->commit : "") != 0 ||
                moat_buf_addch(&k, '\0') != 0 || moat_buf_add(&k, path, cut) != 0)
                continue; /* longer than any blob path we record */
            if (moat_map_put(&c->dirty, k.data, k.len, &c->dirty) != NULL) {
                /* seen already: two findings in one blob */
            }
        }
    }
    moat_buf_release(&k);
}

static bool blob_dirty(const struct moat_map *dirty, const struct gitsrc_blob *b,
                       struct moat_buf *k)
{
    moat_buf_reset(k);
    if (moat_buf_addstr(k, b->origin && b->origin->commit ? b->origin->commit : "") != 0 ||
        moat_buf_addch(k, '\0') != 0 || moat_buf_addstr(k, b->path) != 0)
        return true;
    return moat_map_get(dirty, k->data, k->len) != NULL;
}

/* Write the cache back atomically: the ids it had, plus every blob this scan
 * read and scanned without a finding (c->dirty holds those with one). */
int gitsrc_cache_save(struct gitsrc_cache *c, const struct moat_scan *s,
                      const struct gitsrc_blob *v, size_t n, struct moat_err *err)
{
    const char *path = s->opts->cache;
    struct moat_buf out = MOAT_BUF_INIT(GITSRC_CACHE_MAX),
                    k = MOAT_BUF_INIT((size_t)2 * GITSRC_PATH_MAX);
    size_t added = 0;
    int rc = 0;

    if (c->raw.len) {
        rc = moat_buf_add(&out, c->raw.data, c->raw.len);
    } else {
        rc = moat_buf_addf(&out, "%s%s\n", CACHE_MAGIC, c->key);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct gitsrc_blob *b = &v[i];
        char hex[GIT_OID_HEXSZ + 1];

        if (!b->clean || blob_dirty(&c->dirty, b, &k))
            continue;
        git_oid_tostr(hex, sizeof(hex), &b->id);
        if ((rc = moat_buf_addf(&out, "%s\n", hex)) == 0)
            added++;
    }
    if (rc == MOAT_ETOOBIG) {
        MOAT_LOG(WARN, "git", "%s: the cache would grow over %u bytes; not updated", path,
                 GITSRC_CACHE_MAX);
        rc = 0;
        goto out;
    }
    if (rc == 0 && (added || !c->raw.len))
        rc = moat_fs_write(path, out.data, out.len, err);
    MOAT_LOG(DEBUG, "git", "%s: %zu blobs added", path, added);
out:
    moat_buf_release(&k);
    moat_buf_release(&out);
    return rc;
}
