/* Fuzz target for the parsers of repository bytes in src/scan/git/: the first
 * input byte picks one (0 tree entries and the id set, 1 pack .idx, 2 pack
 * object header, 3 --cache file, 4 .git/shallow, 5 commit parent stripping,
 * 6 commit dates), the rest is its input. Each checks what it returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scan/git/git.h"
#include "fuzz.h"
#include "core/banned.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static const char cache_key[GITSRC_CACHE_KEY_HEX + 1] = "00112233445566778899aabbccddeeff";

/* Every entry of a raw tree; each id goes into an id set under the kind its
 * mode claims, and must then be found there under that kind. */
static void fuzz_tree(const unsigned char *data, size_t len)
{
    struct gitsrc_oidset set;
    struct gitsrc_entry e;
    size_t off = 0;
    int rc;

    gitsrc_oidset_init(&set);
    while ((rc = gitsrc_tree_entry(data + off, len - off, &e)) == 1) {
        enum gitsrc_kind kind = e.kind == GITSRC_ENTRY_TREE ? GITSRC_TREE : GITSRC_BLOB;
        CHECK(e.size > GIT_OID_RAWSZ && e.size <= len - off);
        CHECK(e.nlen > 0 && !memchr(e.name, '\0', e.nlen));
        CHECK((const unsigned char *)e.id + GIT_OID_RAWSZ == data + off + e.size);
        if (gitsrc_oidset_add(&set, e.id, kind) || git_oid_is_zero(e.id)) {
            /* new or null; either way has() answers below */
        }
        CHECK(gitsrc_oidset_has(&set, e.id, kind) == !git_oid_is_zero(e.id));
        off += e.size;
    }
    CHECK(rc == 0 ? off == len : rc == MOAT_EPARSE);
    gitsrc_oidset_release(&set);
}

/* Parse an index, then look up each id it lists and a few it does not. */
static void fuzz_idx(const unsigned char *data, size_t len)
{
    struct gitsrc_idx x;
    git_oid id;

    if (gitsrc_idx_parse(&x, data, len) != 0) {
        CHECK(x.n == 0 && x.data == NULL);
        return;
    }
    CHECK(x.off64 + x.n64 * 8 <= data + len);
    for (uint32_t i = 0; i < x.n; i++) {
        memcpy(id.id, x.ids + (size_t)i * GIT_OID_RAWSZ, GIT_OID_RAWSZ);
        if (gitsrc_idx_find(&x, &id) == UINT64_MAX) {
            /* a fanout table out of order hides ids: fine, it is a hint */
        }
    }
    for (int b = 0; b < 256; b++) {
        memset(id.id, b, GIT_OID_RAWSZ);
        if (gitsrc_idx_find(&x, &id) == UINT64_MAX) {
            /* as above */
        }
    }
}

/* The 8 bytes after the selector are an offset; the rest is a pack file.
 * Every offset near the start is tried too. */
static void fuzz_pack(const unsigned char *data, size_t len)
{
    uint64_t off = 0;

    if (len < 8)
        return;
    for (int i = 0; i < 8; i++)
        off = off << 8 | data[i];
    data += 8;
    len -= 8;
    if (off >= len)
        CHECK(gitsrc_pack_size_bound(data, len, off) == UINT64_MAX);
    else if (gitsrc_pack_size_bound(data, len, off) == UINT64_MAX) {
        /* unknown: libgit2 is asked instead */
    }
    for (uint64_t o = 0; o < len && o < 512; o++)
        if (gitsrc_pack_size_bound(data, len, o) == UINT64_MAX) {
            /* unknown: libgit2 is asked instead */
        }
}

/* A cache file under a fixed key; every id it accepted must be in the set. */
static void fuzz_cache(const unsigned char *data, size_t len)
{
    const char *text = (const char *)data;
    struct gitsrc_oidset set;
    struct moat_err err = { 0 };
    size_t added = 0;
    int rc;

    gitsrc_oidset_init(&set);
    rc = gitsrc_cache_parse(text, len, cache_key, "fuzz", &set, &added, &err);
    CHECK(rc == 0 || rc == MOAT_EUNSUP || (rc == MOAT_EPARSE && err.msg[0]));
    CHECK(rc == 0 ? added == set.n : added == 0);
    if (rc == 0) {
        const char *nl = memchr(text, '\n', len);
        for (const char *p = nl + 1, *end = text + len; p < end; p += GIT_OID_HEXSZ + 1) {
            git_oid id;
            CHECK(git_oid_fromstrn(&id, p, GIT_OID_HEXSZ) == 0);
            CHECK(git_oid_is_zero(&id) || gitsrc_oidset_has(&set, &id, GITSRC_BLOB));
        }
    }
    gitsrc_oidset_release(&set);
}

static void fuzz_shallow(const unsigned char *data, size_t len)
{
    git_oid *ids = NULL;
    size_t n = gitsrc_shallow_parse((const char *)data, len, &ids);

    CHECK(n * (GIT_OID_HEXSZ + 1) <= len + 1 && (n == 0) == (ids == NULL));
    free(ids);
}

/* The copy has no "parent" line before the blank line that ends the header:
 * the kept header lines are not empty, so the first "\n\n" of the copy (or
 * a "\n" at its start) is that blank line. */
static void fuzz_commit(const unsigned char *data, size_t len)
{
    size_t outlen = 0;
    char *out = gitsrc_strip_parents((const char *)data, len, &outlen);
    const char *blank = memmem(out, outlen, "\n\n", 2);
    size_t head = outlen && out[0] == '\n' ? 0 : blank ? (size_t)(blank - out) + 1 : outlen;

    CHECK(outlen <= len);
    for (size_t i = 0; i < head; i++)
        CHECK(!((i == 0 || out[i - 1] == '\n') && head - i >= 7 &&
                memcmp(out + i, "parent ", 7) == 0));
    free(out);
}

/* 8 bytes of time, 4 of offset, then a buffer length. */
static void fuzz_date(const unsigned char *data, size_t len)
{
    char buf[80];
    uint64_t t = 0;
    uint32_t off = 0;
    size_t blen;

    if (len < 13)
        return;
    for (int i = 0; i < 8; i++)
        t = t << 8 | data[i];
    for (int i = 8; i < 12; i++)
        off = off << 8 | data[i];
    blen = data[12] % sizeof(buf);
    if (gitsrc_iso_date((int64_t)t, (int)off, buf, blen) == 0)
        CHECK(strlen(buf) >= 25 && strlen(buf) < blen && buf[strlen(buf) - 3] == ':');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;

    if (!ready) {
        /* libgit2 keeps its error messages in state that git_libgit2_init
         * sets up; the id set's hash key needs libsodium */
        if (gitsrc_setup(NULL) != 0)
            __builtin_trap();
        ready = 1;
    }
    if (size == 0)
        return 0;
    switch (data[0] % 7) {
    case 0: fuzz_tree(data + 1, size - 1); break;
    case 1: fuzz_idx(data + 1, size - 1); break;
    case 2: fuzz_pack(data + 1, size - 1); break;
    case 3: fuzz_cache(data + 1, size - 1); break;
    case 4: fuzz_shallow(data + 1, size - 1); break;
    case 5: fuzz_commit(data + 1, size - 1); break;
    default: fuzz_date(data + 1, size - 1); break;
    }
    return 0;
}
