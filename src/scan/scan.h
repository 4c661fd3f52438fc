/* Internal interface of the scan subsystem: the blob every source produces,
 * the analyzer table, and the helpers sources and analyzers share (ignore
 * rules, archives, text decoding, emitting findings). */
#ifndef MOAT_SCAN_INTERNAL_H
#define MOAT_SCAN_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <moat/scan.h>
#include "core/core.h"

#define SCAN_DEFAULT_MAX_FILE   (256u << 20) /* bytes read from one file */
#define SCAN_MAX_ARCHIVE_DEPTH  3            /* archives inside archives */
#define SCAN_MAX_ARCHIVE_MEMBER (64u << 20)  /* bytes of one archive member */
#define SCAN_MAX_ARCHIVE_TOTAL  (1u << 30)   /* bytes expanded from one archive */
#define SCAN_MIN_BINARY_STRING  16           /* printable run long enough to hold a key */

/* Where a blob came from in git history; NULL for files on disk. */
struct scan_origin {
    const char *commit;
    const char *author;
    const char *email;
    const char *date; /* ISO 8601 */
};

/* Bytes to analyze: a file, a git blob or an archive member. */
struct scan_blob {
    const char *path; /* display path relative to the scan root */
    const unsigned char *data;
    size_t len;
    const struct scan_origin *origin;
    int depth;   /* archive nesting level, 0 for a plain file */
    bool binary; /* data holds only the printable strings of a binary file */
};

struct scan_worker;

/* One analyzer. prepare runs once per scan, worker_init once per thread; scan
 * is called for every text blob and ignores the ones it has no use for. */
struct scan_analyzer {
    const char *name;
    unsigned bit; /* MOAT_ANALYZER_* */
    MOAT_NODISCARD int (*prepare)(const struct moat_scan_opts *opts, void **state,
                                  struct moat_err *err);
    void (*release)(void *state);
    MOAT_NODISCARD int (*worker_init)(void *state, void **wstate, struct moat_err *err);
    void (*worker_free)(void *wstate);
    void (*scan)(void *state, void *wstate, struct scan_worker *w, const struct scan_blob *b);
    size_t (*rules)(void *state, const struct moat_rule_meta *const **out);
};

/* The analyzers this build has, in one table (src/scan/analyzers.c). */
extern const struct scan_analyzer *const scan_analyzers[];
extern const size_t scan_nanalyzers;

struct moat_scan {
    const struct moat_scan_opts *opts;
    struct moat_config *default_config; /* used when opts->config is NULL */
    const struct moat_config *config;
    const struct scan_analyzer *an[8];
    void *an_state[8];
    size_t nan;
    const struct moat_rule_meta **rules;
    size_t nrules;
    struct scan_ignore *exclude;     /* config exclude patterns */
    struct scan_ignore *allow_paths; /* config allowlist paths */
    struct scan_cfg_ignore *ignores; /* config `ignore` entries still in force */
    size_t nignores;
    struct moat_findings *out;
    bool root_is_dir; /* else the root is the one file scanned */
    _Atomic size_t files, bytes, skipped, errors, commits;
};

/* Per-thread state: each analyzer's worker state and scratch buffers. */
struct scan_worker {
    struct moat_scan *scan;
    void *an_wstate[8];
    struct moat_buf decoded; /* UTF-16 or binary strings, reused */
    /* line lookup cache for scan_emit */
    const unsigned char *line_blob;
    size_t line_off;
    unsigned line_no;
    /* line start cache for scan_emit_at */
    const unsigned char *at_blob;
    size_t at_off;
    unsigned at_line;
    /* whether the last line asked about (or the one above) has a moat:ignore */
    const unsigned char *ign_blob;
    size_t ign_line;
    bool ign_has;
};

MOAT_NODISCARD int scan_worker_init(struct moat_scan *s, struct scan_worker *w,
                                    struct moat_err *err);
void scan_worker_release(struct scan_worker *w);

/* Run every analyzer over one blob: binaries are reduced to their printable
 * strings, UTF-16 is decoded, archives are opened and their members scanned
 * (to SCAN_MAX_ARCHIVE_DEPTH). */
void scan_blob_run(struct scan_worker *w, const struct scan_blob *b);

/* Report a finding found at byte offset off of blob b. Fills path, line,
 * column and the git origin; drops it if a moat:ignore comment on that line
 * or the line above names its rule (or no rule), or a config allowlist path
 * matches; sets the fingerprint from content. Takes ownership of f. */
void scan_emit(struct scan_worker *w, const struct scan_blob *b, size_t off, struct moat_finding *f,
               const void *content, size_t clen);
/* The same, for analyzers that know the line (1-based) and column rather
 * than the byte offset: parsers of YAML, lockfiles and Dockerfiles. */
void scan_emit_at(struct scan_worker *w, const struct scan_blob *b, unsigned line, unsigned col,
                  struct moat_finding *f, const void *content, size_t clen);

/* The directory holding b on disk (for formats that include other files),
 * or NULL when b is not a file on disk: a git blob or an archive member. */
char *scan_disk_dir(const struct moat_scan *s, const struct scan_blob *b);

/* Warn about something that could not be scanned and count it. */
void scan_warn(struct moat_scan *s, const char *path, const char *what);

/* ---- gitignore-style patterns (src/scan/ignore.c) ---- */
struct scan_ignore;
/* Parse patterns (one per line, gitignore syntax) that apply below the
 * directory dir ("" for the root; relative, no trailing slash). Returns 0,
 * MOAT_ETOOBIG (a line or dir over 4096 bytes, or over 100,000 patterns).
 * All or nothing: on error nothing is added and *ig is unchanged. */
MOAT_NODISCARD int scan_ignore_add(struct scan_ignore **ig, const char *dir, const char *text,
                                   size_t len, struct moat_err *err);
/* Whether relpath (relative to the root) is ignored: the last matching
 * pattern decides, "!" re-includes. Parent directories are not consulted;
 * the walker never descends into an ignored directory. */
bool scan_ignore_match(const struct scan_ignore *ig, const char *relpath, bool is_dir);
/* Whether the file at relpath, or a directory above it, is matched: for
 * patterns applied to findings rather than during the walk. As in git, a
 * file under a matched directory cannot be re-included by a "!" pattern.
 * Paths over 4096 bytes are matched as files only. */
bool scan_ignore_match_file(const struct scan_ignore *ig, const char *relpath);
void scan_ignore_free(struct scan_ignore *ig);

/* ---- archives (src/scan/archive.c) ---- */
/* Whether b looks like an archive or compressed file we open (zip, jar, war,
 * tar, 7z, gz, tgz, bz2, xz) from its magic bytes. */
bool scan_archive_detect(const unsigned char *data, size_t len);
/* Scan each member of the archive in b with scan_blob_run, as
 * "outer!member" paths, within the SCAN_MAX_ARCHIVE_* limits; anything over a
 * limit or corrupt is warned about and skipped. */
void scan_archive_run(struct scan_worker *w, const struct scan_blob *b);

/* ---- text decoding (src/scan/decode.c) ---- */
enum scan_text_kind {
    SCAN_TEXT,    /* scan as is */
    SCAN_UTF16LE, /* decode to UTF-8 first */
    SCAN_UTF16BE,
    SCAN_BINARY, /* scan only printable strings */
};
/* Looks at the first 8 KB only. */
enum scan_text_kind scan_text_classify(const unsigned char *data, size_t len);
/* Append UTF-16 decoded to UTF-8 to out; invalid units become U+FFFD.
 * Returns 0 or MOAT_ETOOBIG; out then holds the whole characters that fit. */
MOAT_NODISCARD int scan_decode_utf16(const unsigned char *data, size_t len, bool big_endian,
                                     struct moat_buf *out);
/* Append runs of at least min printable ASCII bytes to out, one per line.
 * Returns 0 or MOAT_ETOOBIG; out then holds the whole runs that fit. */
MOAT_NODISCARD int scan_binary_strings(const unsigned char *data, size_t len, size_t min,
                                       struct moat_buf *out);

/* ---- git sources (src/scan/git/) ---- */
MOAT_NODISCARD int scan_git_history(struct moat_scan *s, struct moat_err *err);
MOAT_NODISCARD int scan_git_staged(struct moat_scan *s, struct moat_err *err);

/* ---- file tree walk (src/scan/walk.c) ---- */
MOAT_NODISCARD int scan_walk_tree(struct moat_scan *s, struct moat_err *err);

#endif
