/* Internal interface of the git sources (src/scan/git/): what the history and
 * staged scans share (the blob list, the object id set, the libgit2 plumbing)
 * and the parsers of repository bytes, visible to their tests and fuzz target. */
#ifndef MOAT_SCAN_GIT_H
#define MOAT_SCAN_GIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <git2.h>
#include "scan/scan.h"

#define GITSRC_PATH_MAX      4096         /* bytes of one path inside a commit's tree */
#define GITSRC_CACHE_MAX     (256u << 20) /* bytes of a --cache file: ~6.5 million blob ids */
#define GITSRC_CACHE_KEY_HEX 32           /* hex digits of the --cache key */

/* ---- libgit2 plumbing (repo.c) ---- */

/* Initialize libgit2 and libsodium (once per process), which everything
 * below needs: libgit2 functions, even git_oid_fromstrn, crash without it.
 * Returns 0 or MOAT_EGIT. */
MOAT_NODISCARD int gitsrc_setup(struct moat_err *err);

/* libgit2's last error message for this thread; never NULL. */
const char *gitsrc_msg(void);

/* Open the repository holding root (NULL or "": the current directory),
 * searching parents. Sets *out (the caller frees it) only on success.
 * Returns 0 or MOAT_EGIT. */
MOAT_NODISCARD int gitsrc_repo_open(const char *root, git_repository **out, struct moat_err *err);

/* A repository handle and odb of one's own on the git directory of repo, for
 * another thread: libgit2 objects are not shared across threads. The caller
 * frees both. Returns 0 or MOAT_EGIT. */
MOAT_NODISCARD int gitsrc_repo_handle(git_repository *repo, git_repository **out, git_odb **odb,
                                      struct moat_err *err);

/* Threads worth starting for work items, one per per_thread of them at
 * least, at most the scan's thread count; at least 1. */
size_t gitsrc_thread_count(const struct moat_scan *s, size_t work, size_t per_thread);

/* Warn that what (e.g. "blob") at path is missing from the object database.
 * *missing counts them: the first few are named, the rest only counted. */
void gitsrc_warn_missing(struct moat_scan *s, _Atomic size_t *missing, const char *path,
                         const char *what);

/* Log how many missing objects gitsrc_warn_missing did not name. */
void gitsrc_log_missing(size_t missing);

/* Warn "what: <libgit2's message>" about path. */
void gitsrc_warn_git(struct moat_scan *s, const char *path, const char *what);

/* ---- a set of object ids (oidset.c) ----
 * Members are (id, kind) pairs: a tree entry's mode says "tree" or "blob",
 * and a forged entry that calls a blob a tree (or the reverse) must not mark
 * the real object seen, or it would hide that blob from the rest of the walk. */
enum gitsrc_kind { GITSRC_BLOB, GITSRC_TREE };

struct gitsrc_oidset {
    uint64_t *tag; /* 0 = empty slot; bit 0 set when used, bit 1 the kind */
    git_oid *id;
    size_t n, cap;
    unsigned shift;  /* 64 - log2(cap) */
    uint64_t k0, k1; /* hash key; k1 odd */
};

/* An empty set with a fresh random hash key. */
void gitsrc_oidset_init(struct gitsrc_oidset *set);
void gitsrc_oidset_release(struct gitsrc_oidset *set);

/* Add (id, kind); true when it was not in the set yet. The null id, which
 * names no object, is never added. */
bool gitsrc_oidset_add(struct gitsrc_oidset *set, const git_oid *id, enum gitsrc_kind kind);

/* Whether (id, kind) is in the set. */
bool gitsrc_oidset_has(const struct gitsrc_oidset *set, const git_oid *id, enum gitsrc_kind kind);

/* ---- scanning a list of blobs in parallel (blobs.c) ---- */

struct gitsrc_packs;
struct gitsrc_reader;

/* One blob to read and scan. */
struct gitsrc_blob {
    git_oid id;
    const char *path;                 /* path in the introducing commit */
    const struct scan_origin *origin; /* that commit; NULL for the index or a ref's tree */
    uint64_t order; /* GITSRC_ORDER() in the packs, UINT64_MAX when in none: the reading order */
    bool clean;     /* read and scanned (findings or not) */
};

/* Read and scan the n blobs in v on the scan's threads, in the order they
 * sit in the packs of repo (v is sorted so), each thread with its own pack
 * reader and repository handle. Sets v[i].clean. Missing and unreadable
 * blobs are warnings. Returns 0 or MOAT_EGIT (or the analyzers' errors) when
 * a thread cannot be set up. */
MOAT_NODISCARD int gitsrc_scan_blobs(struct moat_scan *s, git_repository *repo,
                                     struct gitsrc_blob *v, size_t n, struct moat_err *err);

/* The same, driven by the caller: state for nthreads workers that read
 * blobs from the packs ps (borrowed) or through repo, and scan them. */
struct gitsrc_scanner;
MOAT_NODISCARD int gitsrc_scanner_new(struct moat_scan *s, git_repository *repo,
                                      const struct gitsrc_packs *ps, size_t nthreads,
                                      struct gitsrc_scanner **out, struct moat_err *err);
/* Read and scan v[0..n) on worker (< nthreads; one thread per worker at a
 * time). v[i].order says where each is in ps (UINT64_MAX: look it up). */
void gitsrc_scanner_run(struct gitsrc_scanner *sc, int worker, struct gitsrc_blob *v, size_t n);
/* Worker's pack reader and libgit2 odb, for other reads on its thread. */
struct gitsrc_reader *gitsrc_scanner_reader(struct gitsrc_scanner *sc, int worker);
git_odb *gitsrc_scanner_odb(struct gitsrc_scanner *sc, int worker);
/* Log the missing blobs not named yet, and free sc (NULL is fine). */
void gitsrc_scanner_free(struct gitsrc_scanner *sc);

/* ---- tree objects (history.c) ---- */

enum gitsrc_entry_kind {
    GITSRC_ENTRY_OTHER, /* a submodule's commit, or a mode we do not follow */
    GITSRC_ENTRY_TREE,
    GITSRC_ENTRY_BLOB, /* files and symlinks */
};

/* One entry of a raw tree; name and id point into the tree's bytes. */
struct gitsrc_entry {
    enum gitsrc_entry_kind kind;
    const char *name; /* nlen bytes, not empty, no NUL; may hold '/' (forged) */
    size_t nlen;
    const git_oid *id;
    size_t size; /* bytes of data the entry took */
};

/* Parse the entry at the start of the raw tree bytes data[0..len),
 * "<octal mode> <name>\0<20-byte id>". Returns 1 with *e set, 0 when len is
 * 0 (the end of the tree), or MOAT_EPARSE when the rest is malformed. */
MOAT_NODISCARD int gitsrc_tree_entry(const unsigned char *data, size_t len, struct gitsrc_entry *e);

/* Format a commit's time (secs since the epoch, offset in minutes east of
 * UTC) as ISO 8601 in that offset, as git log --date=iso-strict prints it,
 * into buf. Returns 0, or MOAT_EINVAL for a forged time or offset (the date
 * is then unknown) or a buf too small. */
MOAT_NODISCARD int gitsrc_iso_date(int64_t secs, int offset, char *buf, size_t len);

/* ---- pack files: their indexes, object headers and order (pack.c) ---- */

/* A pack index (.idx, version 2) checked by gitsrc_idx_parse; borrows its bytes. */
struct gitsrc_idx {
    const unsigned char *data; /* the whole file; the fanout table at data + 8 */
    size_t len;
    uint32_t n;                               /* objects, from the last fanout entry */
    const unsigned char *ids, *off32, *off64; /* the tables that follow */
    size_t n64;                               /* 8-byte offsets the file has room for */
};

/* Check that data[0..len) is a version 2 pack index whose tables fit in it,
 * and point *x at them. The fanout table is checked at each lookup, not
 * here. Returns 0, or MOAT_EPARSE (*x is then zeroed). */
MOAT_NODISCARD int gitsrc_idx_parse(struct gitsrc_idx *x, const unsigned char *data, size_t len);

/* The offset of id in the pack that x (parsed) indexes, or UINT64_MAX when
 * it is not there or the index contradicts itself (a fanout entry out of
 * order or past the object count, a large offset past the table). */
uint64_t gitsrc_idx_find(const struct gitsrc_idx *x, const git_oid *id);

/* The position of id in the index x (parsed), in *pos; false when it is
 * not there or the index contradicts itself. */
bool gitsrc_idx_pos(const struct gitsrc_idx *x, const git_oid *id, uint32_t *pos);

/* The pack offset of the object at position pos (< x->n) of the index x, or
 * UINT64_MAX when a large offset points past the table. */
uint64_t gitsrc_idx_offset(const struct gitsrc_idx *x, uint32_t pos);

/* An upper bound of the size of the blob whose header is at off in the pack
 * file data[0..len) (12-byte header, objects, 20-byte checksum), from that
 * object header alone: whole objects state their size; a delta can produce
 * at most 64 KiB per byte of instructions. UINT64_MAX when unknown: not a
 * blob, off outside the objects, a size field that runs off the end. */
uint64_t gitsrc_pack_size_bound(const unsigned char *data, size_t len, uint64_t off);

/* Object types as a pack stores them (the first four are git_object_t's). */
enum gitsrc_pack_type {
    GITSRC_PACK_COMMIT = 1,
    GITSRC_PACK_TREE = 2,
    GITSRC_PACK_BLOB = 3,
    GITSRC_PACK_TAG = 4,
    GITSRC_PACK_OFS_DELTA = 6, /* a delta against the object base_off */
    GITSRC_PACK_REF_DELTA = 7, /* a delta against the object base_id */
};

/* The header of one object in a pack. */
struct gitsrc_pack_hdr {
    enum gitsrc_pack_type type;
    uint64_t size;                /* of the object, or of the delta's instructions */
    uint64_t base_off;            /* OFS_DELTA: where its base starts, before off */
    const unsigned char *base_id; /* REF_DELTA: 20 bytes in the pack */
    uint64_t data;                /* where the zlib stream starts */
};

/* Parse the header of the object at off in the pack file data[0..len)
 * (12-byte header, objects, 20-byte checksum). Returns 0, or MOAT_EPARSE:
 * off outside the objects, an unknown type, a size over 64 bits, a base
 * offset at or before the pack header or not before off, a header that runs
 * into the checksum. */
MOAT_NODISCARD int gitsrc_pack_header(const unsigned char *data, size_t len, uint64_t off,
                                      struct gitsrc_pack_hdr *h);

/* One pack of the repository, both files mapped read-only. */
struct gitsrc_pack {
    unsigned char *idxmap, *packmap; /* packmap NULL when the pack cannot be read */
    size_t idxlen, packlen;
    struct gitsrc_idx idx;
    bool owned; /* mapped by gitsrc_packs_open: unmapped on release */
};

/* The packs of a repository, read-only once opened and shared by threads. */
struct gitsrc_packs {
    struct gitsrc_pack *v;
    size_t n;
};

/* Map the packs of repo (objects/pack/\*.idx and their .pack), up to 4096.
 * An index we cannot read is skipped (libgit2 still reads its objects); a
 * pack that does not match its index (header, object count, checksum) keeps
 * its index for the reading order but is not read by gitsrc_reader. Never
 * fails: with no pack, every read goes to libgit2. */
void gitsrc_packs_open(struct gitsrc_packs *ps, git_repository *repo);
void gitsrc_packs_release(struct gitsrc_packs *ps);

/* Where id sits: the first pack holding it (an index into ps->v) and the
 * offset there. Returns false when no pack we read holds it. */
bool gitsrc_packs_find(const struct gitsrc_packs *ps, const git_oid *id, uint32_t *pack,
                       uint64_t *off);

/* Set v[i].order to where each blob sits in ps (UINT64_MAX when in no pack),
 * then sort v by it: blobs are read fastest in the order of the packs. */
void gitsrc_sort_pack_order(const struct gitsrc_packs *ps, struct gitsrc_blob *v, size_t n);

/* v[i].order of a blob at off in pack p, and back. */
#define GITSRC_ORDER(p, off) ((uint64_t)(p) << 44 | (off))
#define GITSRC_ORDER_PACK(o) ((uint32_t)((o) >> 44))
#define GITSRC_ORDER_OFF(o)  ((o) & ((UINT64_C(1) << 44) - 1))
#define GITSRC_ORDER_MAX_OFF ((UINT64_C(1) << 44) - 1) /* past it: order is only a hint */

/* ---- deltas (delta.c) ---- */

/* Read the two sizes that open a delta: the base's and the result's. Sets
 * *hlen to the bytes they took. Returns 0, or MOAT_EPARSE when one runs off
 * the end or past 64 bits. */
MOAT_NODISCARD int gitsrc_delta_sizes(const unsigned char *delta, size_t len, uint64_t *base_size,
                                      uint64_t *result_size, size_t *hlen);

/* Apply delta[0..dlen) to base[0..blen) into out[0..olen). The delta's two
 * sizes must be blen and olen. Returns 0, or MOAT_EPARSE: a size that does
 * not match, a copy from outside the base, an insert or a copy past the end
 * of out, the reserved instruction 0, instructions cut short, or out not
 * filled. out is then partly written. */
MOAT_NODISCARD int gitsrc_delta_apply(const unsigned char *base, size_t blen,
                                      const unsigned char *delta, size_t dlen, unsigned char *out,
                                      size_t olen);

/* ---- reading objects from the packs ourselves (packread.c) ---- */

struct gitsrc_reader;

/* An object read by a gitsrc_reader. Counted references: the reader's cache
 * holds one while it keeps the object, each caller one. Used and released on
 * the reader's thread, before the reader is freed. */
struct gitsrc_obj {
    unsigned refs;
    git_object_t type;
    size_t len;
    /* the reader's: its cache's key, hash chain and LRU list, its pool */
    struct gitsrc_reader *rd;
    unsigned cls;
    uint64_t key;
    struct gitsrc_obj *hnext, *prev, *next;
    unsigned char data[]; /* len bytes, then a NUL */
};

/* Drop a reference to o (NULL is fine). */
void gitsrc_obj_release(struct gitsrc_obj *o);

/* struct gitsrc_reader: one thread's reader of the objects in packs, a zlib
 * stream and a cache of the objects it built last, the next deltas' bases. */

/* A reader of the packs ps (borrowed; they outlive it) keeping up to
 * cache_max bytes of objects. */
struct gitsrc_reader *gitsrc_reader_new(const struct gitsrc_packs *ps, size_t cache_max);
void gitsrc_reader_free(struct gitsrc_reader *r);

/* Read the object id, or the object at off in pack p (ps->v index), of at
 * most max bytes. Returns 0 with *out set (release it); or, with *out NULL:
 * MOAT_ENOENT when no pack we read holds it; MOAT_ETOOBIG when it is over
 * max (*type and *size set; nothing was built); MOAT_EUNSUP for what we
 * leave to libgit2 (a delta base in no pack we read, a base over max, an
 * object over 4 GiB); MOAT_EPARSE for a corrupt pack (err says what: bad
 * zlib data, a size that does not match, a delta outside its base, a chain
 * of deltas that is too long or a cycle). */
MOAT_NODISCARD int gitsrc_reader_read(struct gitsrc_reader *r, const git_oid *id, size_t max,
                                      struct gitsrc_obj **out, git_object_t *type, size_t *size,
                                      struct moat_err *err);
MOAT_NODISCARD int gitsrc_reader_read_at(struct gitsrc_reader *r, uint32_t p, uint64_t off,
                                         size_t max, struct gitsrc_obj **out, git_object_t *type,
                                         size_t *size, struct moat_err *err);

/* ---- commits read ahead (commits.c) ---- */

/* A signature as a commit holds it; name and email point into its bytes. */
struct gitsrc_sig {
    const char *name, *email;
    size_t nlen, elen;
    int64_t time; /* seconds since the epoch */
    int offset;   /* minutes east of UTC */
};

/* Parse a commit object's bytes if they are what git writes: "tree <id>",
 * any "parent <id>" lines, one "author" line, then a "committer" line, each
 * signature "Name <email> <seconds> <+-hhmm>" with nothing for libgit2 to
 * trim or guess. Then *tree and *author are what libgit2 parses, and true is
 * returned. false for anything else: libgit2 is to parse it. */
bool gitsrc_commit_parse(const unsigned char *data, size_t len, git_oid *tree,
                         struct gitsrc_sig *author);

/* One commit read ahead. */
struct gitsrc_commit {
    bool parsed; /* gitsrc_commit_parse took it: tree, author and date are set */
    git_oid tree;
    struct gitsrc_sig author;
    char date[32]; /* the author's, as gitsrc_iso_date writes it; "" when forged */
    size_t len;
    unsigned char raw[]; /* the object's len bytes, then a NUL */
};

/* The whole commits in the packs ps (borrowed), by index position. */
struct gitsrc_commits {
    const struct gitsrc_packs *ps;
    struct gitsrc_commit **slot; /* NULL: not a commit we read */
    size_t *first;               /* the first slot of each pack, and the count */
    size_t n;
};

/* Read and parse every whole commit (up to 1 MiB) of ps on nthreads threads.
 * Objects that cannot be read are left out (libgit2 reads them, or says
 * why not). Never fails. */
void gitsrc_commits_load(struct gitsrc_commits *c, const struct gitsrc_packs *ps, size_t nthreads);
/* The commit id as read ahead, or NULL. */
const struct gitsrc_commit *gitsrc_commits_get(const struct gitsrc_commits *c, const git_oid *id);
void gitsrc_commits_release(struct gitsrc_commits *c);

/* ---- serving libgit2 from our reader (odb.c) ---- */

/* Add a backend to repo's object database, ahead of libgit2's packs, that
 * serves the commits of c (NULL: none) and reads other objects from ps with
 * a reader of its own; both are borrowed and must outlive repo. What it
 * cannot read is passed on to libgit2's backends. Use repo from one thread
 * at a time, as always. Returns 0 or MOAT_EGIT. */
MOAT_NODISCARD int gitsrc_odb_attach(git_repository *repo, const struct gitsrc_packs *ps,
                                     const struct gitsrc_commits *c, struct moat_err *err);

/* ---- shallow clones (shallow.c) ---- */

/* If repo is a shallow clone, serve its boundary commits without their
 * parents, so that libgit2 can walk the history. Returns 0, or MOAT_EGIT or
 * the error of reading .git/shallow. */
MOAT_NODISCARD int gitsrc_graft_shallow(git_repository *repo, struct moat_err *err);

/* The commit ids listed in the bytes of a .git/shallow file, one 40-digit
 * hex id per line; other lines are skipped. Sets *out to a new array (the
 * caller frees it; NULL when there is none) and returns its length. */
size_t gitsrc_shallow_parse(const char *data, size_t len, git_oid **out);

/* A copy of the commit object data[0..len) without its "parent" header
 * lines; the message is copied as it is. Sets *outlen; the caller frees the
 * result. */
char *gitsrc_strip_parents(const char *data, size_t len, size_t *outlen);

/* ---- --cache: ids of blobs scanned clean before (cache.c) ---- */

struct gitsrc_cache {
    char key[GITSRC_CACHE_KEY_HEX + 1]; /* this scan's: see gitsrc_cache_load */
    struct moat_buf raw;                /* the file as read, to write back */
    size_t cached;                      /* blob ids read */
    struct moat_map dirty;              /* "commit\0path" of blobs with findings */
};

void gitsrc_cache_init(struct gitsrc_cache *c);
void gitsrc_cache_release(struct gitsrc_cache *c);

/* Read the file s->opts->cache into c and add its blob ids to set. A missing
 * file is an empty cache; one written under another key (moat version,
 * analyzers, rules, configuration) is ignored and replaced after the scan.
 * Returns 0, MOAT_EPARSE for a malformed file, or the error of reading it. */
MOAT_NODISCARD int gitsrc_cache_load(struct gitsrc_cache *c, const struct moat_scan *s,
                                     struct gitsrc_oidset *set, struct moat_err *err);

/* Parse the bytes of a cache file: the header line "# moat blob cache v1
 * <key>\n", then one 40-digit hex blob id per line, each added to set.
 * path names the file in messages. Returns 0 with *added set to the ids new
 * to set; MOAT_EUNSUP when the header is not one with this key (nothing is
 * added); MOAT_EPARSE for a malformed line ("path:line: ..." in err; the ids
 * before it stay in set). */
MOAT_NODISCARD int gitsrc_cache_parse(const char *data, size_t len, const char *key,
                                      const char *path, struct gitsrc_oidset *set, size_t *added,
                                      struct moat_err *err);

/* Remember the blobs that findings fs come from, which must not enter the
 * cache. Call it before findings are dropped as duplicates. */
void gitsrc_cache_mark(struct gitsrc_cache *c, const struct moat_findings *fs);

/* Write the cache back atomically: the ids it had, plus every blob of v
 * that was scanned clean and has no finding. Over GITSRC_CACHE_MAX it is left
 * as it was (a warning). Returns 0 or the error of writing it. */
MOAT_NODISCARD int gitsrc_cache_save(struct gitsrc_cache *c, const struct moat_scan *s,
                                     const struct gitsrc_blob *v, size_t n, struct moat_err *err);

#endif
