/* Unit tests for the parsers of repository bytes in src/scan/git/ (git.h):
 * tree entries, pack .idx files, pack object headers, the --cache file,
 * .git/shallow, commits without their parents and commit dates, and the id
 * set, each fed well-formed and malformed input (truncated, huge sizes, bad
 * modes and names, offsets past the end, a bad fanout table). Inputs are
 * copied to buffers of their exact length, so the ASan build sees overreads. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define KEY "00112233445566778899aabbccddeeff"
#define HDR "# moat blob cache v1 " KEY "\n"
#define ID1 "ce013625030ba8dba906f756967f9e9ca394464a"
#define ID2 "8d14cbf983b3fad683171c9418998d9f68340823"

/* A heap copy of len bytes of p, exactly len long. */
static unsigned char *dup_exact(const void *p, size_t len)
{
    unsigned char *d = moat_malloc(len ? len : 1);

    if (len)
        memcpy(d, p, len);
    return d;
}

/* ---- tree entries ---- */

/* Append "<mode> <name>\0<id of 20 fill bytes>" to t. */
static void tree_add(struct moat_buf *t, const char *mode, const char *name, size_t nlen,
                     unsigned char fill)
{
    unsigned char id[GIT_OID_RAWSZ];

    memset(id, fill, sizeof(id));
    assert_int_equal(moat_buf_addf(t, "%s ", mode), 0);
    assert_int_equal(moat_buf_add(t, name, nlen), 0);
    assert_int_equal(moat_buf_addch(t, '\0'), 0);
    assert_int_equal(moat_buf_add(t, (const char *)id, sizeof(id)), 0);
}

/* Parse every entry of data[0..len) into kinds (up to max); returns the
 * count, or -1 when the tree turned out malformed. */
static int tree_parse_all(const void *data, size_t len, struct gitsrc_entry *out, int max)
{
    unsigned char *copy = dup_exact(data, len);
    struct gitsrc_entry e;
    size_t off = 0;
    int n = 0, rc;

    while ((rc = gitsrc_tree_entry(copy + off, len - off, &e)) == 1) {
        assert_true(e.size <= len - off);
        if (n < max) {
            out[n] = e;
            out[n].name = (const char *)data + (e.name - (const char *)copy);
            out[n].id = (const git_oid *)((const unsigned char *)data +
                                          ((const unsigned char *)e.id - copy));
        }
        n++;
        off += e.size;
    }
    free(copy);
    if (rc == 0) {
        assert_int_equal(off, len);
        return n;
    }
    assert_int_equal(rc, MOAT_EPARSE);
    return -1;
}

static void test_tree_entries(void **state)
{
    struct moat_buf t = MOAT_BUF_INIT(1 << 16);
    struct gitsrc_entry e[8];

    (void)state;
    tree_add(&t, "100644", "a.txt", 5, 1);
    tree_add(&t, "40000", "dir", 3, 2);
    tree_add(&t, "120000", "link", 4, 3);
    tree_add(&t, "160000", "sub", 3, 4);
    tree_add(&t, "100755", "run.sh", 6, 5);
    assert_int_equal(tree_parse_all(t.data, t.len, e, 8), 5);
    assert_int_equal(e[0].kind, GITSRC_ENTRY_BLOB);
    assert_int_equal(e[0].nlen, 5);
    assert_memory_equal(e[0].name, "a.txt", 5);
    assert_int_equal(e[0].id->id[0], 1);
    assert_int_equal(e[0].size, 7 + 6 + 20);
    assert_int_equal(e[1].kind, GITSRC_ENTRY_TREE);
    assert_int_equal(e[1].id->id[19], 2);
    assert_int_equal(e[2].kind, GITSRC_ENTRY_BLOB); /* a symlink's target can hold a key */
    assert_int_equal(e[3].kind, GITSRC_ENTRY_OTHER);
    assert_int_equal(e[4].kind, GITSRC_ENTRY_BLOB);
    assert_int_equal(tree_parse_all("", 0, e, 8), 0);
    moat_buf_release(&t);
}

/* Every proper prefix of a tree that does not end between two entries is
 * malformed; none is read past its end. */
static void test_tree_truncated(void **state)
{
    struct moat_buf t = MOAT_BUF_INIT(1 << 16);
    struct gitsrc_entry e[4];
    size_t first;

    (void)state;
    tree_add(&t, "100644", "a.txt", 5, 1);
    first = t.len;
    tree_add(&t, "40000", "dir", 3, 2);
    for (size_t len = 0; len < t.len; len++) {
        int n = tree_parse_all(t.data, len, e, 4);
        if (len == 0)
            assert_int_equal(n, 0);
        else if (len == first)
            assert_int_equal(n, 1);
        else
            assert_int_equal(n, -1);
    }
    moat_buf_release(&t);
}

static void test_tree_bad_modes(void **state)
{
    static const char *const bad[] = { "",        "1006a4", "100644x",   "8",
                                       "-100644", "+40000", "1000000000" };
    struct moat_buf t = MOAT_BUF_INIT(1 << 16);
    struct gitsrc_entry e[2];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        moat_buf_reset(&t);
        tree_add(&t, bad[i], "x", 1, 1);
        assert_int_equal(tree_parse_all(t.data, t.len, e, 2), -1);
    }
    /* no space after the mode at all */
    assert_int_equal(tree_parse_all("100644", 6, e, 2), -1);
    /* odd but well-formed modes: the type bits decide */
    moat_buf_reset(&t);
    tree_add(&t, "0", "zero", 4, 1);
    tree_add(&t, "77777777", "max", 3, 1);  /* 8 digits: every type bit set */
    tree_add(&t, "140000", "socket", 6, 1); /* no such thing in git */
    tree_add(&t, "0100644", "lead0", 5, 1); /* a leading zero */
    tree_add(&t, "40755", "dirperm", 7, 1); /* permission bits on a tree */
    tree_add(&t, "100000", "noperm", 6, 1); /* a file without permissions */
    assert_int_equal(tree_parse_all(t.data, t.len, e, 0), 6);
    {
        struct gitsrc_entry all[6];
        assert_int_equal(tree_parse_all(t.data, t.len, all, 6), 6);
        assert_int_equal(all[0].kind, GITSRC_ENTRY_OTHER);
        assert_int_equal(all[1].kind, GITSRC_ENTRY_OTHER);
        assert_int_equal(all[2].kind, GITSRC_ENTRY_OTHER);
        assert_int_equal(all[3].kind, GITSRC_ENTRY_BLOB);
        assert_int_equal(all[4].kind, GITSRC_ENTRY_TREE);
        assert_int_equal(all[5].kind, GITSRC_ENTRY_BLOB);
    }
    moat_buf_release(&t);
}

static void test_tree_names(void **state)
{
    struct moat_buf t = MOAT_BUF_INIT(1 << 18);
    struct gitsrc_entry e[2];
    char *longname;

    (void)state;
    /* an empty name */
    tree_add(&t, "100644", "", 0, 1);
    assert_int_equal(tree_parse_all(t.data, t.len, e, 2), -1);
    /* names git fsck refuses are taken as they are: the blob is still in
     * the repository, and is scanned */
    moat_buf_reset(&t);
    tree_add(&t, "100644", "a/b", 3, 1);
    tree_add(&t, "40000", "..", 2, 2);
    assert_int_equal(tree_parse_all(t.data, t.len, e, 2), 2);
    assert_int_equal(e[0].nlen, 3);
    assert_memory_equal(e[0].name, "a/b", 3);
    assert_int_equal(e[1].nlen, 2);
    /* a NUL inside the name ends it: what follows is taken as the id, and
     * the rest of the tree no longer parses */
    moat_buf_reset(&t);
    tree_add(&t, "100644", "a\0b", 3, 1);
    assert_int_equal(tree_parse_all(t.data, t.len, e, 2), -1);
    assert_int_equal(gitsrc_tree_entry((const unsigned char *)t.data, t.len, &e[0]), 1);
    assert_int_equal(e[0].nlen, 1);
    assert_int_equal(e[0].id->id[0], 'b');
    /* a name with no NUL after it, and one with too few id bytes */
    assert_int_equal(tree_parse_all("100644 name", 11, e, 2), -1);
    moat_buf_reset(&t);
    tree_add(&t, "100644", "x", 1, 1);
    assert_int_equal(tree_parse_all(t.data, t.len - 1, e, 2), -1);
    /* a huge name is the walk's problem (GITSRC_PATH_MAX), not the parser's */
    longname = moat_malloc(100000);
    memset(longname, 'n', 100000);
    moat_buf_reset(&t);
    tree_add(&t, "100644", longname, 100000, 1);
    assert_int_equal(tree_parse_all(t.data, t.len, e, 2), 1);
    assert_int_equal(e[0].nlen, 100000);
    free(longname);
    moat_buf_release(&t);
}

/* ---- pack .idx ---- */

/* A version 2 index of n objects whose ids are ids[i] (sorted), offsets
 * off[i]; offsets of 2^31 or more go to the 8-byte table. */
static unsigned char *make_idx(const git_oid *ids, const uint64_t *off, uint32_t n, size_t *len)
{
    size_t n64 = 0, size, p = 0;
    unsigned char *d;
    uint32_t fan[256] = { 0 };

    for (uint32_t i = 0; i < n; i++)
        n64 += off[i] >= 0x80000000u;
    size = 8 + 256 * 4 + (size_t)n * 28 + n64 * 8 + 40;
    d = moat_calloc(1, size);
    memcpy(d, "\377tOc\0\0\0\2", 8);
    for (uint32_t i = 0; i < n; i++)
        for (int b = ids[i].id[0]; b < 256; b++)
            fan[b]++;
    for (int b = 0; b < 256; b++) {
        uint32_t v = fan[b];
        d[8 + b * 4] = (unsigned char)(v >> 24);
        d[9 + b * 4] = (unsigned char)(v >> 16);
        d[10 + b * 4] = (unsigned char)(v >> 8);
        d[11 + b * 4] = (unsigned char)v;
    }
    p = 8 + 1024;
    for (uint32_t i = 0; i < n; i++, p += 20)
        memcpy(d + p, ids[i].id, 20);
    p += (size_t)n * 4; /* CRCs */
    for (uint32_t i = 0, k = 0; i < n; i++, p += 4) {
        uint32_t v = off[i] >= 0x80000000u ? 0x80000000u | k++ : (uint32_t)off[i];
        d[p] = (unsigned char)(v >> 24);
        d[p + 1] = (unsigned char)(v >> 16);
        d[p + 2] = (unsigned char)(v >> 8);
        d[p + 3] = (unsigned char)v;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (off[i] < 0x80000000u)
            continue;
        for (int b = 0; b < 8; b++)
            d[p + (size_t)b] = (unsigned char)(off[i] >> (56 - 8 * b));
        p += 8;
    }
    *len = size;
    return d;
}

static void set_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static git_oid ids[4];
static const uint64_t offs[4] = { 12, 0x1234, UINT64_C(0x100000010), 0x7fffffff };

static void make_ids(void)
{
    memset(ids, 0, sizeof(ids));
    ids[0].id[0] = 0x00, ids[0].id[19] = 1;
    ids[1].id[0] = 0x11, ids[1].id[19] = 2;
    ids[2].id[0] = 0x11, ids[2].id[19] = 3;
    ids[3].id[0] = 0xff, ids[3].id[19] = 4;
}

static void test_idx_valid(void **state)
{
    struct gitsrc_idx x;
    git_oid absent;
    size_t len;
    unsigned char *d;

    (void)state;
    make_ids();
    d = make_idx(ids, offs, 4, &len);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    assert_int_equal(x.n, 4);
    assert_int_equal(x.n64, 1);
    for (int i = 0; i < 4; i++)
        assert_true(gitsrc_idx_find(&x, &ids[i]) == offs[i]);
    absent = ids[1];
    absent.id[5] = 9;
    assert_true(gitsrc_idx_find(&x, &absent) == UINT64_MAX);
    absent.id[0] = 0x80;
    assert_true(gitsrc_idx_find(&x, &absent) == UINT64_MAX);
    free(d);
    /* an empty index */
    d = make_idx(ids, offs, 0, &len);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    assert_true(gitsrc_idx_find(&x, &ids[0]) == UINT64_MAX);
    free(d);
}

/* Cut short anywhere, an index either fails to parse or answers only from
 * what is there: the 8-byte offset once its table is gone. */
static void test_idx_truncated(void **state)
{
    struct gitsrc_idx x;
    size_t len;
    unsigned char *d;

    (void)state;
    make_ids();
    d = make_idx(ids, offs, 4, &len);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *c = dup_exact(d, cut);
        int rc = gitsrc_idx_parse(&x, c, cut);
        if (cut < 8 + 1024 + 4 * 28 + 40) {
            assert_int_equal(rc, MOAT_EPARSE);
            assert_null(x.data);
        } else {
            assert_int_equal(rc, 0);
            assert_true(gitsrc_idx_find(&x, &ids[1]) == offs[1]);
            assert_true(gitsrc_idx_find(&x, &ids[2]) == (x.n64 ? offs[2] : UINT64_MAX));
        }
        free(c);
    }
    free(d);
}

static void test_idx_bad_header(void **state)
{
    struct gitsrc_idx x;
    size_t len;
    unsigned char *d;

    (void)state;
    make_ids();
    d = make_idx(ids, offs, 4, &len);
    d[0] = 'X'; /* magic */
    assert_int_equal(gitsrc_idx_parse(&x, d, len), MOAT_EPARSE);
    d[0] = 0377;
    set_be32(d + 4, 1); /* a version 1 index has no magic: not understood */
    assert_int_equal(gitsrc_idx_parse(&x, d, len), MOAT_EPARSE);
    set_be32(d + 4, 3);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), MOAT_EPARSE);
    set_be32(d + 4, 2);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    free(d);
}

static void test_idx_bad_fanout(void **state)
{
    struct gitsrc_idx x;
    size_t len;
    unsigned char *d;

    (void)state;
    make_ids();
    d = make_idx(ids, offs, 4, &len);
    /* an object count the file has no room for */
    set_be32(d + 8 + 255 * 4, 5);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), MOAT_EPARSE);
    set_be32(d + 8 + 255 * 4, 0xffffffffu);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), MOAT_EPARSE);
    set_be32(d + 8 + 255 * 4, 4);
    /* an entry past the count: the ids of that first byte are not found */
    set_be32(d + 8 + 0x11 * 4, 0x7fffffffu);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    assert_true(gitsrc_idx_find(&x, &ids[1]) == UINT64_MAX);
    assert_true(gitsrc_idx_find(&x, &ids[0]) == offs[0]);
    /* out of order: fanout[0x11] < fanout[0x10] */
    set_be32(d + 8 + 0x11 * 4, 3);
    set_be32(d + 8 + 0x10 * 4, 4);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    assert_true(gitsrc_idx_find(&x, &ids[1]) == UINT64_MAX);
    assert_true(gitsrc_idx_find(&x, &ids[3]) == offs[3]);
    /* a table that says nothing is there */
    memset(d + 8, 0, 255 * 4);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    assert_true(gitsrc_idx_find(&x, &ids[0]) == UINT64_MAX);
    free(d);
}

static void test_idx_bad_offsets(void **state)
{
    struct gitsrc_idx x;
    size_t len;
    unsigned char *d;

    (void)state;
    make_ids();
    d = make_idx(ids, offs, 4, &len);
    assert_int_equal(gitsrc_idx_parse(&x, d, len), 0);
    /* ids[2]'s large-offset index points past the 8-byte table */
    set_be32(d + 8 + 1024 + 4 * 24 + 2 * 4, 0x80000000u | 1);
    assert_true(gitsrc_idx_find(&x, &ids[2]) == UINT64_MAX);
    set_be32(d + 8 + 1024 + 4 * 24 + 2 * 4, 0xffffffffu);
    assert_true(gitsrc_idx_find(&x, &ids[2]) == UINT64_MAX);
    free(d);
}

/* ---- pack object headers ---- */

/* A pack file: the 12-byte header, the object header bytes, then n more
 * bytes of data and the 20-byte checksum. */
static unsigned char *make_pack(const unsigned char *obj, size_t olen, size_t pad, size_t *len)
{
    unsigned char *d;

    *len = 12 + olen + pad + 20;
    d = moat_calloc(1, *len);
    memcpy(d, "PACK\0\0\0\2\0\0\0\1", 12);
    memcpy(d + 12, obj, olen);
    return d;
}

static uint64_t bound_of(const unsigned char *obj, size_t olen, size_t pad)
{
    size_t len;
    unsigned char *d = make_pack(obj, olen, pad, &len);
    uint64_t b = gitsrc_pack_size_bound(d, len, 12);

    free(d);
    return b;
}

static void test_pack_header(void **state)
{
    static const unsigned char blob5[] = { 0x35 }, blob21[] = { 0xb5, 0x01 }, ofs10[] = { 0x6a },
                               ref3[] = { 0x73 }, commit[] = { 0x15 }, tree[] = { 0x25 },
                               tag[] = { 0x45 }, none[] = { 0x05 }, five[] = { 0x55 },
                               big[] = { 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
                               huge[] = { 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
                               hugedelta[] = { 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };

    (void)state;
    assert_true(bound_of(blob5, 1, 0) == 5);
    assert_true(bound_of(blob21, 2, 0) == 21);
    assert_true(bound_of(ofs10, 1, 0) == (uint64_t)10 << 16);
    assert_true(bound_of(ref3, 1, 0) == (uint64_t)3 << 16);
    assert_true(bound_of(commit, 1, 0) == UINT64_MAX);
    assert_true(bound_of(tree, 1, 0) == UINT64_MAX);
    assert_true(bound_of(tag, 1, 0) == UINT64_MAX);
    assert_true(bound_of(none, 1, 0) == UINT64_MAX);
    assert_true(bound_of(five, 1, 0) == UINT64_MAX);
    /* a size of 60 bits is still a size; past 64 bits it is not */
    assert_true(bound_of(big, sizeof(big), 0) == (UINT64_C(1) << 60) - 1);
    assert_true(bound_of(huge, sizeof(huge), 0) == UINT64_MAX);
    /* a delta too large to bound */
    assert_true(bound_of(hugedelta, sizeof(hugedelta), 0) == UINT64_MAX);
}

static void test_pack_truncated(void **state)
{
    static const unsigned char cont[] = { 0xb5, 0x81, 0x81 };
    size_t len;
    unsigned char *d;

    (void)state;
    /* a size that runs into the checksum */
    d = make_pack(cont, sizeof(cont), 0, &len);
    assert_true(gitsrc_pack_size_bound(d, len, 12) == UINT64_MAX);
    free(d);
    /* offsets outside the objects */
    d = make_pack((const unsigned char *)"\x35", 1, 0, &len);
    assert_true(gitsrc_pack_size_bound(d, len, 12) == 5);
    assert_true(gitsrc_pack_size_bound(d, len, 0) == UINT64_MAX);
    assert_true(gitsrc_pack_size_bound(d, len, 11) == UINT64_MAX);
    assert_true(gitsrc_pack_size_bound(d, len, len - 20) == UINT64_MAX);
    assert_true(gitsrc_pack_size_bound(d, len, len) == UINT64_MAX);
    assert_true(gitsrc_pack_size_bound(d, len, UINT64_MAX) == UINT64_MAX);
    assert_true(gitsrc_pack_size_bound(d, len, (uint64_t)1 << 40) == UINT64_MAX);
    /* a file too short to hold any object, and no file */
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *c = dup_exact(d, cut);
        assert_true(gitsrc_pack_size_bound(c, cut, 12) == UINT64_MAX);
        free(c);
    }
    assert_true(gitsrc_pack_size_bound(NULL, 0, 12) == UINT64_MAX);
    free(d);
}

/* ---- the --cache file ---- */

static int cache_parse(const char *text, size_t len, struct gitsrc_oidset *set, size_t *added,
                       struct moat_err *err)
{
    unsigned char *copy = dup_exact(text, len);
    int rc = gitsrc_cache_parse((const char *)copy, len, KEY, "c", set, added, err);

    free(copy);
    return rc;
}

static void test_cache_parse(void **state)
{
    static const char ok[] = HDR ID1 "\n" ID2 "\n" ID1 "\n";
    struct gitsrc_oidset set;
    struct moat_err err = { 0 };
    size_t added = 99;
    git_oid id;

    (void)state;
    gitsrc_oidset_init(&set);
    assert_int_equal(cache_parse(ok, strlen(ok), &set, &added, &err), 0);
    assert_int_equal(added, 2);
    assert_int_equal(git_oid_fromstr(&id, ID2), 0);
    assert_true(gitsrc_oidset_has(&set, &id, GITSRC_BLOB));
    assert_false(gitsrc_oidset_has(&set, &id, GITSRC_TREE));
    /* the header alone: an empty cache */
    assert_int_equal(cache_parse(HDR, strlen(HDR), &set, &added, &err), 0);
    assert_int_equal(added, 0);
    gitsrc_oidset_release(&set);
}

static void test_cache_other_key(void **state)
{
    static const char *const other[] = {
        "# moat blob cache v1 ffffffffffffffffffffffffffffffff\n" ID1 "\n",
        "# moat blob cache v2 " KEY "\n" ID1 "\n",
        "# moat blob cache v1 " KEY " \n",
        "# moat blob cache v1 " KEY,
        "# moat blob cache v1 0011",
        "",
        ID1 "\n",
    };
    struct gitsrc_oidset set;
    size_t added = 99;

    (void)state;
    gitsrc_oidset_init(&set);
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_equal(cache_parse(other[i], strlen(other[i]), &set, &added, NULL), MOAT_EUNSUP);
        assert_int_equal(added, 0);
    }
    assert_int_equal(set.n, 0);
    gitsrc_oidset_release(&set);
}

static void test_cache_malformed(void **state)
{
    static const char *const bad[] = {
        HDR ID1 "\n"
                "ce013625030ba8dba906f756967f9e9ca394464\n", /* 39 digits */
        HDR ID1 "\n"
                "ce013625030ba8dba906f756967f9e9ca394464a0\n", /* 41 */
        HDR ID1 "\n"
                "ce013625030ba8dba906f756967f9e9ca394464g\n", /* not hex */
        HDR ID1 "\n" ID2,                                     /* no newline */
        HDR ID1 "\n" ID2 "\r\n",                              /* CRLF */
        HDR ID1 "\n"
                "\n", /* blank line */
    };
    struct gitsrc_oidset set;
    struct moat_err err = { 0 };
    size_t added = 99;

    (void)state;
    gitsrc_oidset_init(&set);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(cache_parse(bad[i], strlen(bad[i]), &set, &added, &err), MOAT_EPARSE);
        assert_int_equal(added, 0);
        assert_non_null(strstr(err.msg, "c:3: expected a 40-digit hex blob id"));
    }
    /* a NUL inside an id */
    {
        char nul[sizeof(HDR ID1 "\n")];
        memcpy(nul, HDR ID1 "\n", sizeof(nul));
        nul[sizeof(HDR) + 4] = '\0';
        assert_int_equal(cache_parse(nul, sizeof(nul) - 1, &set, &added, &err), MOAT_EPARSE);
        assert_non_null(strstr(err.msg, "c:2:"));
    }
    gitsrc_oidset_release(&set);
}

/* ---- .git/shallow ---- */

static void test_shallow_parse(void **state)
{
    static const char text[] = ID1 "\n"
                                   "not an id\n"
                                   "\n" ID1 "0\n"
                                   "8D14CBF983B3FAD683171C9418998D9F68340823\n"
                                   "zz14cbf983b3fad683171c9418998d9f68340823\n" ID2;
    unsigned char *copy = dup_exact(text, strlen(text));
    git_oid *ids_out = NULL, id;
    size_t n;

    (void)state;
    n = gitsrc_shallow_parse((const char *)copy, strlen(text), &ids_out);
    assert_int_equal(n, 3);
    assert_int_equal(git_oid_fromstr(&id, ID1), 0);
    assert_true(git_oid_equal(&ids_out[0], &id));
    assert_int_equal(git_oid_fromstr(&id, ID2), 0);
    assert_true(git_oid_equal(&ids_out[1], &id)); /* upper case */
    assert_true(git_oid_equal(&ids_out[2], &id)); /* no final newline */
    free(ids_out);
    free(copy);
    for (size_t cut = 0; cut < 40; cut++) {
        copy = dup_exact(ID1, cut);
        assert_int_equal(gitsrc_shallow_parse((const char *)copy, cut, &ids_out), 0);
        assert_null(ids_out);
        free(copy);
    }
}

/* ---- commits without parents ---- */

static void check_strip(const char *in, const char *want)
{
    unsigned char *copy = dup_exact(in, strlen(in));
    size_t outlen = 99;
    char *out = gitsrc_strip_parents((const char *)copy, strlen(in), &outlen);

    assert_int_equal(outlen, strlen(want));
    assert_memory_equal(out, want, outlen);
    free(out);
    free(copy);
}

static void test_strip_parents(void **state)
{
    (void)state;
    check_strip("tree " ID1 "\nparent " ID2 "\nparent " ID1 "\nauthor A <a> 1 +0000\n\n"
                "msg\nparent " ID2 "\n",
                "tree " ID1 "\nauthor A <a> 1 +0000\n\nmsg\nparent " ID2 "\n");
    /* no blank line: every line is the header */
    check_strip("tree x\nparent y\nparent z", "tree x\n");
    check_strip("parent y", "");
    /* only whole "parent " lines go */
    check_strip("parents x\nparent\nxparent y\n", "parents x\nparent\nxparent y\n");
    check_strip("\nparent y\n", "\nparent y\n");
    check_strip("", "");
}

/* ---- commit dates ---- */

static void test_iso_date(void **state)
{
    char buf[64];

    (void)state;
    assert_int_equal(gitsrc_iso_date(0, 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1970-01-01T00:00:00+00:00");
    assert_int_equal(gitsrc_iso_date(1612321200, 60, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2021-02-03T04:00:00+01:00");
    assert_int_equal(gitsrc_iso_date(1612321200, -330, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2021-02-02T21:30:00-05:30");
    assert_int_equal(gitsrc_iso_date(0, 5999, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1970-01-05T03:59:00+99:59");
    /* forged offsets and times: the date is unknown */
    assert_int_equal(gitsrc_iso_date(0, 6000, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(0, -6000, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(0, INT_MIN, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(0, INT_MAX, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(INT64_MAX, 0, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(INT64_MIN, 0, buf, sizeof(buf)), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(INT64_MAX / 2, 0, buf, sizeof(buf)), MOAT_EINVAL);
    /* a buffer too small */
    assert_int_equal(gitsrc_iso_date(0, 0, buf, 25), MOAT_EINVAL);
    assert_int_equal(gitsrc_iso_date(0, 0, buf, 26), 0);
}

/* ---- the id set ---- */

static void test_oidset(void **state)
{
    struct gitsrc_oidset set;
    git_oid id, zero;

    (void)state;
    memset(&zero, 0, sizeof(zero));
    gitsrc_oidset_init(&set);
    assert_false(gitsrc_oidset_has(&set, &zero, GITSRC_BLOB));
    assert_false(gitsrc_oidset_add(&set, &zero, GITSRC_BLOB)); /* names no object */
    assert_false(gitsrc_oidset_has(&set, &zero, GITSRC_BLOB));
    /* ids that share their first 8 bytes (the tag) are told apart by the
     * rest; and many ids, through growth */
    for (uint32_t i = 0; i < 2000; i++) {
        memset(&id, 0x5a, sizeof(id));
        memcpy(id.id + 16, &i, sizeof(i));
        assert_true(gitsrc_oidset_add(&set, &id, GITSRC_BLOB));
        assert_false(gitsrc_oidset_add(&set, &id, GITSRC_BLOB));
    }
    for (uint32_t i = 0; i < 50000; i++) {
        memset(&id, 0, sizeof(id));
        memcpy(id.id, &i, sizeof(i));
        id.id[19] = 1;
        assert_true(gitsrc_oidset_add(&set, &id, GITSRC_TREE));
    }
    assert_int_equal(set.n, 52000);
    for (uint32_t i = 0; i < 2000; i += 7) {
        memset(&id, 0x5a, sizeof(id));
        memcpy(id.id + 16, &i, sizeof(i));
        assert_true(gitsrc_oidset_has(&set, &id, GITSRC_BLOB));
        /* a forged tree entry naming the blob does not mark the tree seen */
        assert_false(gitsrc_oidset_has(&set, &id, GITSRC_TREE));
    }
    for (uint32_t i = 0; i < 50000; i += 13) {
        memset(&id, 0, sizeof(id));
        memcpy(id.id, &i, sizeof(i));
        id.id[19] = 1;
        assert_true(gitsrc_oidset_has(&set, &id, GITSRC_TREE));
        assert_false(gitsrc_oidset_has(&set, &id, GITSRC_BLOB));
    }
    gitsrc_oidset_release(&set);
}

static int setup(void **state)
{
    (void)state;
    return gitsrc_setup(NULL) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_entries),    cmocka_unit_test(test_tree_truncated),
        cmocka_unit_test(test_tree_bad_modes),  cmocka_unit_test(test_tree_names),
        cmocka_unit_test(test_idx_valid),       cmocka_unit_test(test_idx_truncated),
        cmocka_unit_test(test_idx_bad_header),  cmocka_unit_test(test_idx_bad_fanout),
        cmocka_unit_test(test_idx_bad_offsets), cmocka_unit_test(test_pack_header),
        cmocka_unit_test(test_pack_truncated),  cmocka_unit_test(test_cache_parse),
        cmocka_unit_test(test_cache_other_key), cmocka_unit_test(test_cache_malformed),
        cmocka_unit_test(test_shallow_parse),   cmocka_unit_test(test_strip_parents),
        cmocka_unit_test(test_iso_date),        cmocka_unit_test(test_oidset),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
