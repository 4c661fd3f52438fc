/* An on-disk cache of the compiled Hyperscan database. Compiling every rule
 * takes about a second, far longer than scanning a typical repository, so
 * the serialized database is kept under $XDG_CACHE_HOME/moat (or
 * ~/.cache/moat, or $MOAT_CACHE_DIR; an empty MOAT_CACHE_DIR turns the cache
 * off), named by a hash of every pattern, flag, the Hyperscan version and the
 * CPU it was compiled for. A file is used only when it is the user's own, not
 * writable by others, and its content hash checks out; anything else means
 * compiling again. The newest CACHE_KEEP files are kept. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "secrets.h"
#include "core/banned.h"

#define CACHE_MAGIC "MOATHS01"
#define CACHE_MAX   (256u << 20) /* bytes of a cache file we read */
#define CACHE_KEEP  8            /* databases kept: one per rule set (config) in use */
#define HASH_LEN    32

/* The cache directory, created if needed; NULL when there is none. */
static char *cache_dir(void)
{
    const char *env = getenv("MOAT_CACHE_DIR"), *home;
    char *dir = NULL, *parent = NULL;

    if (env) {
        if (!*env)
            return NULL;
        dir = moat_strdup(env);
    } else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') {
        dir = moat_asprintf("%s/moat", env);
    } else if ((home = getenv("HOME")) && *home == '/') {
        parent = moat_asprintf("%s/.cache", home);
        if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
            free(parent);
            return NULL;
        }
        dir = moat_asprintf("%s/moat", parent);
    } else {
        return NULL;
    }
    free(parent);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    return dir;
}

static char *cache_path(const unsigned char key[SECRETS_CACHE_KEY])
{
    char hex[2 * SECRETS_CACHE_KEY + 1];
    char *dir = cache_dir(), *path;

    if (!dir)
        return NULL;
    moat_hex(key, SECRETS_CACHE_KEY, hex);
    path = moat_asprintf("%s/secrets-%s.hsdb", dir, hex);
    free(dir);
    return path;
}

static void put32(struct moat_buf *b, uint32_t v, int *rc)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    if (*rc == 0)
        *rc = moat_buf_add(b, x, 4);
}

static uint32_t get32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

bool secrets_cache_load(const unsigned char key[SECRETS_CACHE_KEY], struct secrets_width *w,
                        size_t n, hs_database_t **db)
{
    char *path = cache_path(key);
    struct moat_buf b = MOAT_BUF_INIT(CACHE_MAX);
    struct stat st;
    unsigned char hash[HASH_LEN];
    const unsigned char *p;
    size_t hdr = 8 + HASH_LEN + 4, dblen;
    bool ok = false;

    *db = NULL;
    if (!path || lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022) || moat_fs_read(path, &b, NULL) != 0)
        goto out;
    p = (const unsigned char *)b.data;
    if (b.len < hdr + 8 || memcmp(p, CACHE_MAGIC, 8) != 0)
        goto out;
    crypto_generichash(hash, sizeof(hash), p + 8 + HASH_LEN, b.len - 8 - HASH_LEN, NULL, 0);
    if (sodium_memcmp(hash, p + 8, HASH_LEN) != 0 || get32(p + 8 + HASH_LEN) != n ||
        b.len < hdr + 10 * n + 8)
        goto out;
    p += hdr;
    for (size_t i = 0; i < n; i++, p += 10) {
        w[i].minw = get32(p);
        w[i].maxw = get32(p + 4);
        w[i].hs = p[8];
        w[i].prefilter = p[9];
    }
    dblen = ((size_t)get32(p) << 32) | get32(p + 4);
    p += 8;
    if (dblen != b.len - (size_t)(p - (const unsigned char *)b.data))
        goto out;
    ok = hs_deserialize_database((const char *)p, dblen, db) == HS_SUCCESS;
out:
    moat_buf_release(&b);
    free(path);
    return ok;
}

/* Keep the CACHE_KEEP most recently written databases: each edit of a
 * custom rule makes a new one, and the old ones are never read again. */
static void prune(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *names[64];
    time_t mtimes[64];
    size_t n = 0;

    if (!d)
        return;
    while ((de = readdir(d)) && n < 64) {
        struct stat st;
        char *path;
        if (strncmp(de->d_name, "secrets-", 8) != 0 || !moat_str_endswith(de->d_name, ".hsdb"))
            continue;
        path = moat_asprintf("%s/%s", dir, de->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
            names[n] = path;
            mtimes[n++] = st.st_mtime;
        } else {
            free(path);
        }
    }
    closedir(d);
    while (n > CACHE_KEEP) {
        size_t oldest = 0;
        for (size_t i = 1; i < n; i++)
            if (mtimes[i] < mtimes[oldest])
                oldest = i;
        if (unlink(names[oldest]) != 0) {
            /* another moat removed it first */
        }
        free(names[oldest]);
        names[oldest] = names[--n];
        mtimes[oldest] = mtimes[n];
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
}

void secrets_cache_save(const unsigned char key[SECRETS_CACHE_KEY], const struct secrets_width *w,
                        size_t n, const hs_database_t *db)
{
    char *path = cache_path(key), *bytes = NULL;
    struct moat_buf b = MOAT_BUF_INIT(CACHE_MAX);
    size_t len = 0;
    int rc = 0;

    if (!path || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        goto out;
    rc = moat_buf_add(&b, CACHE_MAGIC, 8);
    if (rc == 0) {
        static const unsigned char zero[HASH_LEN];
        rc = moat_buf_add(&b, zero, HASH_LEN); /* the hash, once the rest is written */
    }
    put32(&b, (uint32_t)n, &rc);
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char f[2] = { w[i].hs, w[i].prefilter };
        put32(&b, (uint32_t)w[i].minw, &rc);
        put32(&b, (uint32_t)w[i].maxw, &rc);
        if (rc == 0)
            rc = moat_buf_add(&b, f, 2);
    }
    put32(&b, (uint32_t)((uint64_t)len >> 32), &rc);
    put32(&b, (uint32_t)len, &rc);
    if (rc == 0)
        rc = moat_buf_add(&b, bytes, len);
    if (rc != 0)
        goto out;
    crypto_generichash((unsigned char *)b.data + 8, HASH_LEN,
                       (const unsigned char *)b.data + 8 + HASH_LEN, b.len - 8 - HASH_LEN, NULL, 0);
    if (moat_fs_write(path, b.data, b.len, NULL) != 0)
        goto out; /* a read-only or full disk: the next scan compiles again */
    {
        char *dir = cache_dir();
        if (dir)
            prune(dir);
        free(dir);
    }
out:
    free(bytes);
    moat_buf_release(&b);
    free(path);
}
