/* The deps analyzer's one internal header: ecosystems and their version
 * orderings, the package model every lockfile parser produces, the offline
 * OSV store, advisory matching, CVSS scoring and SBOM writing.
 *
 * Sections are owned by one file group each (named in the section title);
 * add declarations only to the section of the files you change. */
#ifndef MOAT_SCAN_DEPS_H
#define MOAT_SCAN_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <moat/buf.h>
#include <moat/deps.h>
#include <moat/err.h>
#include "scan/scan.h"

#define DEPS_MAX_LOCKFILE (64u << 20) /* bytes of one lockfile or manifest */
#define DEPS_MAX_DEPTH    64          /* JSON/YAML/XML nesting we follow */
#define DEPS_MAX_PACKAGES 200000      /* packages in one lockfile */
#define DEPS_MAX_VERSION  256         /* bytes of one version string */
#define DEPS_MAX_NAME     512         /* bytes of one package name */
#define DEPS_MAX_INCLUDES 16          /* requirements.txt -r/-c nesting */

/* The analyzer `moat scan` runs (listed in src/scan/analyzers.c). */
extern const struct scan_analyzer scan_deps_analyzer;

struct deps_lock;

/* The analyzer's per-scan state (analyzer.c). moat sbom sets collect to
 * receive every parsed lockfile instead of matching it. */
struct deps_state {
    struct deps_db *db; /* NULL when there is none */
    char *db_path;
    char *db_missing; /* why there is no database, for the warning */
    char *db_stale;   /* the warning that it is older than deps.max-db-age */
    _Atomic bool warned_missing, warned_stale;
    /* Takes over l (the callee releases it); called from worker threads. */
    void (*collect)(void *ctx, struct deps_lock *l);
    void *collect_ctx;
};

/* ---- ecosystems (eco.c) ---- */

enum deps_eco {
    DEPS_ECO_NPM,
    DEPS_ECO_PYPI,
    DEPS_ECO_GO,
    DEPS_ECO_CRATES,
    DEPS_ECO_RUBYGEMS,
    DEPS_ECO_PACKAGIST,
    DEPS_ECO_MAVEN,
    DEPS_ECO_DEBIAN,
    DEPS_ECO_NUGET,
    DEPS_ECO_COUNT,
};

/* OSV's ecosystem name: "npm", "PyPI", "Go", "crates.io", "RubyGems",
 * "Packagist", "Maven", "Debian", "NuGet". */
const char *deps_eco_name(enum deps_eco e);
/* The purl type: "npm", "pypi", "golang", "cargo", "gem", "composer",
 * "maven", "deb", "nuget". */
const char *deps_eco_purl_type(enum deps_eco e);
/* Parse an OSV ecosystem name; a ":suffix" (Debian:12) is ignored.
 * Returns 0 or MOAT_EUNSUP. */
MOAT_NODISCARD int deps_eco_parse(const char *s, size_t len, enum deps_eco *out);
/* Append the name normalized for lookup: PEP 503 for PyPI (lowercase, runs
 * of -_. become -), lowercase for Packagist, NuGet, and Maven kept as is
 * ("group:artifact"), npm and Go and crates kept as is. Returns 0 or
 * MOAT_ETOOBIG. */
MOAT_NODISCARD int deps_name_normalize(enum deps_eco e, const char *name, size_t len,
                                       struct moat_buf *out);

/* ---- version ordering (version*.c) ---- */

/* Compare two versions by the ecosystem's own rules; *cmp gets -1, 0 or 1.
 * Returns 0, or MOAT_EINVAL when either string is not a version of that
 * ecosystem (the caller then treats the package as unmatchable, never
 * guesses). */
MOAT_NODISCARD int deps_version_cmp(enum deps_eco e, const char *a, const char *b, int *cmp);
/* SemVer 2.0 precedence (OSV range type SEMVER, whatever the ecosystem);
 * a leading "v" is accepted. */
MOAT_NODISCARD int deps_semver_cmp(const char *a, const char *b, int *cmp);

/* The families behind deps_version_cmp, one per version_<family>.c, with
 * its contract; a and b are non-NULL, non-empty and at most
 * DEPS_MAX_VERSION bytes (deps_version_cmp checks that first). */
MOAT_NODISCARD int deps_vercmp_go(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_pypi(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_gem(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_maven(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_composer(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_debian(const char *a, const char *b, int *cmp);
MOAT_NODISCARD int deps_vercmp_nuget(const char *a, const char *b, int *cmp);

/* A SemVer version split into its parts, pointing into the parsed string
 * (build metadata is checked, then dropped: it has no precedence). */
struct deps_semver {
    const char *major, *minor, *patch, *pre; /* pre: after the '-', NULL if none */
    size_t nmajor, nminor, npatch, npre;
};
/* Parse s as SemVer 2.0 with an optional leading "v", or with go set as Go
 * does (golang.org/x/mod/semver: "v" required, "v1" and "v1.2" shorthands
 * for v1.0.0 and v1.2.0). Returns 0 or MOAT_EINVAL. */
MOAT_NODISCARD int deps_semver_parse(const char *s, bool go, struct deps_semver *out);
/* SemVer precedence of two parsed versions: -1, 0 or 1. */
int deps_semver_order(const struct deps_semver *a, const struct deps_semver *b);
/* Compare two runs of ASCII digits by value without converting them, so
 * that no length overflows: leading zeros are ignored, an empty run is 0.
 * Returns -1, 0 or 1. */
int deps_vnum_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* ---- the package model (pkg.c) ---- */

enum {
    DEPS_PKG_DIRECT = 1u << 0,     /* the project names it itself */
    DEPS_PKG_TRANSITIVE = 1u << 1, /* pulled in by another package */
    DEPS_PKG_DEV = 1u << 2,        /* needed only for development or tests */
    DEPS_PKG_UNPINNED = 1u << 3,   /* no exact version (requirements.txt ranges) */
    DEPS_PKG_OPTIONAL = 1u << 4,
};

/* One locked package. Strings are owned by the deps_lock's arena. */
struct deps_pkg {
    enum deps_eco eco;
    const char *name;     /* as the ecosystem spells it: "@scope/x", "group:artifact" */
    const char *version;  /* exact version; NULL when unpinned */
    const char *spec;     /* unpinned: the requirement as written ("flask>=2"), else NULL */
    unsigned line;        /* 1-based line of the entry in the file it came from */
    const char *path;     /* that file (an -r include may differ from the lockfile) */
    unsigned flags;       /* DEPS_PKG_* */
    const char *hash_alg; /* "sha512", "sha256", "sha1" or NULL */
    const char *hash;     /* lowercase hex */
    size_t *deps;         /* indexes into deps_lock.pkgs this one depends on */
    size_t ndeps;
};

struct deps_lock {
    const char *path;   /* display path of the lockfile */
    const char *format; /* "package-lock.json v3", "yarn.lock v1", ... */
    struct deps_pkg *pkgs;
    size_t n, cap;
    struct moat_arena arena; /* owns every string and array above */
};

void deps_lock_init(struct deps_lock *l, const char *path);
void deps_lock_release(struct deps_lock *l);
/* Copy a string into the lock's arena. */
const char *deps_lock_strdup(struct deps_lock *l, const char *s, size_t len);
/* Append a package (strings already in the arena); returns its index, or
 * MOAT_ETOOBIG past DEPS_MAX_PACKAGES. */
MOAT_NODISCARD int deps_lock_add(struct deps_lock *l, const struct deps_pkg *p, size_t *index);
/* Record that pkgs[from] depends on pkgs[to]. */
void deps_lock_depend(struct deps_lock *l, size_t from, size_t to);

/* ---- lockfile formats (lock_*.c; the table is in formats.c) ---- */

/* Everything a parser may need besides the bytes: the directory the file
 * is in on disk (for requirements.txt -r includes and go.sum's sibling
 * go.mod), or NULL when scanning something that is not a directory tree. */
struct deps_source {
    const char *path;     /* display path */
    const char *disk_dir; /* directory on disk holding the file, or NULL */
    const unsigned char *data;
    size_t len;
};

struct deps_format {
    const char *name; /* "package-lock.json" */
    /* Whether this parser takes a file of this base name (and, for shared
     * names like *.json SBOMs, these first bytes). NULL: it takes the files
     * named exactly name. */
    bool (*match)(const char *base, const unsigned char *data, size_t len);
    /* Fill l; returns 0, MOAT_EPARSE, MOAT_ETOOBIG (message names the file
     * and, where known, the line). */
    MOAT_NODISCARD int (*parse)(const struct deps_source *src, struct deps_lock *l,
                                struct moat_err *err);
};

/* MOAT_ETOOBIG, naming the file, when src is over DEPS_MAX_LOCKFILE; every
 * parser checks this first. */
MOAT_NODISCARD int deps_source_check_size(const struct deps_source *src, struct moat_err *err);

/* 3 when data starts with a UTF-8 byte order mark, else 0. Editors on
 * Windows write one and npm and pip read past it, so the analyzer
 * strips it before any parser sees the file (line 1 stays line 1). */
size_t deps_bom_len(const unsigned char *data, size_t len);

/* NULL-terminated tables, one per group of parsers. */
extern const struct deps_format *const deps_formats_js[]; /* lock_js*.c, lock_other*.c */
extern const struct deps_format
    *const deps_formats_py[]; /* lock_py*.c, lock_jvm*.c, lock_sbom*.c */
/* Whether f takes the file of base name base starting with data. */
bool deps_format_takes(const struct deps_format *f, const char *base, const unsigned char *data,
                       size_t len);
/* The parser for a file, or NULL if it is not a lockfile we know. */
const struct deps_format *deps_format_find(const char *path, const unsigned char *data, size_t len);

/* ---- the OSV store (db.c, osv.c, cvss.c) ---- */

struct deps_db;

/* One advisory as the matcher sees it, decoded from the store. */
struct deps_advisory {
    const char *id;
    const char **aliases;
    size_t naliases;
    const char *summary;
    const char *modified;
    const char *cvss_vector; /* "CVSS:3.1/..." or "CVSS:4.0/..." or NULL */
    double cvss_score;       /* v3 base score computed by moat; -1 when none */
    bool informational;      /* RUSTSEC unmaintained/unsound/notice */
    const char *db_severity; /* the database's own word ("HIGH", "MODERATE") or NULL */
};

/* Open the store at path read-only (mmap; nothing is loaded up front).
 * Returns 0, MOAT_ENOENT (no database: run `moat db import`), MOAT_EPARSE
 * (corrupt), MOAT_EIO. */
MOAT_NODISCARD int deps_db_open(const char *path, struct deps_db **out, struct moat_err *err);
void deps_db_free(struct deps_db *db);
/* The newest `modified` of any advisory, "YYYY-MM-DDTHH:MM:SSZ" (read from
 * the store's header; "" for an empty store). */
const char *deps_db_newest(const struct deps_db *db);
/* The same instant in seconds since the epoch, or -1 for an empty store. */
int64_t deps_db_newest_time(const struct deps_db *db);

/* One hit: an advisory that affects pkg at its version. Strings valid until
 * deps_matches_release. */
struct deps_match {
    struct deps_advisory adv;
    const char *fixed; /* smallest fixed version above the installed one, or NULL */
    /* with no fixed version: the last affected one (versions above it are
     * not affected), or NULL */
    const char *last_affected;
};
struct deps_matches {
    struct deps_match *v;
    size_t n, cap;
    struct moat_arena arena;
};
void deps_matches_init(struct deps_matches *m);
void deps_matches_release(struct deps_matches *m);
/* Find the non-withdrawn advisories affecting (eco, name, version): a
 * logarithmic lookup by (ecosystem, normalized name), then exact OSV range
 * evaluation. Returns 0 or MOAT_EPARSE (a corrupt record). */
MOAT_NODISCARD int deps_db_match(const struct deps_db *db, enum deps_eco eco, const char *name,
                                 const char *version, struct deps_matches *out,
                                 struct moat_err *err);

/* CVSS v3.0/v3.1 base score of a vector string ("CVSS:3.1/AV:N/..."; temporal
 * and environmental metrics are checked and ignored); returns 0 or
 * MOAT_EPARSE (missing, repeated or unknown metric or value). */
MOAT_NODISCARD int deps_cvss3_score(const char *vector, double *score);

/* -- internal to db*.c and osv*.c (and their tests and fuzzers) -- */

#define DEPS_OSV_MAX_RECORD   (8u << 20) /* bytes of one advisory's JSON */
#define DEPS_OSV_MAX_AFFECTED 4096       /* affected[] entries of one advisory */
#define DEPS_OSV_MAX_RANGES   256        /* ranges of one affected entry */
#define DEPS_OSV_MAX_EVENTS   512        /* events of one range */
#define DEPS_OSV_MAX_VERSIONS 200000     /* versions[] of one affected entry */
#define DEPS_OSV_MAX_ALIASES  256
#define DEPS_OSV_MAX_ID       128  /* bytes of an id or alias */
#define DEPS_OSV_MAX_SUMMARY  1024 /* bytes of summary kept (longer ones are cut) */

/* A timestamp of OSV's `modified`: RFC 3339, compared as (sec, nsec). */
struct deps_osv_time {
    int64_t sec;
    int32_t nsec;
};
/* Parse "2024-02-16T08:07:52.686694Z" (a "+hh:mm" offset is accepted too,
 * and near misses seen in published data: one-digit fields, "T+1200Z").
 * Returns 0 or MOAT_EPARSE. A record whose `modified` does not parse is
 * kept, and ranks as older than any version of its id that does. */
MOAT_NODISCARD int deps_osv_time_parse(const char *s, struct deps_osv_time *out);
int deps_osv_time_cmp(const struct deps_osv_time *a, const struct deps_osv_time *b);
/* "YYYY-MM-DDTHH:MM:SSZ" of t into out (at least 21 bytes). */
void deps_osv_time_format(const struct deps_osv_time *t, char *out, size_t n);

/* Turn one OSV advisory (a JSON object) into the store's binary record,
 * appended to rec: only what matching and findings need (ids, summary,
 * severities, SEMVER and ECOSYSTEM ranges, versions lists). Returns 0, or
 * MOAT_EPARSE / MOAT_ETOOBIG with a message saying what is wrong (without
 * the source's name: the caller adds file and line). */
struct json_t;
MOAT_NODISCARD int deps_osv_encode(struct json_t *adv, struct moat_buf *rec, struct moat_err *err);
/* Parse text (one JSON value of at most DEPS_OSV_MAX_RECORD bytes and
 * DEPS_MAX_DEPTH nesting) and encode it as deps_osv_encode does. */
MOAT_NODISCARD int deps_osv_encode_text(const char *text, size_t len, struct moat_buf *rec,
                                        struct moat_err *err);

/* A decoded record: a view into its bytes (every string NUL-terminated in
 * place), walked with the cursor functions below. */
enum deps_range_type { DEPS_RANGE_SEMVER = 0, DEPS_RANGE_ECOSYSTEM = 1 };
enum deps_event_kind {
    DEPS_EV_INTRODUCED = 0,
    DEPS_EV_FIXED = 1,
    DEPS_EV_LAST_AFFECTED = 2,
    DEPS_EV_LIMIT = 3,
};
struct deps_rec {
    const char *id, *modified, *summary, *cvss, *db_severity;
    bool withdrawn;
    size_t naliases, naffected;
    const unsigned char *aliases, *affected; /* cursors to the lists */
    const unsigned char *end;
};
struct deps_rec_event {
    enum deps_event_kind kind;
    const char *version;
};
struct deps_rec_range {
    enum deps_range_type type;
    size_t nevents;
    const unsigned char *events;
};
struct deps_rec_affected {
    const char *ecosystem, *name, *cvss;
    bool informational;
    size_t nranges, nversions;
    const unsigned char *ranges, *versions, *end;
};
/* Check that len bytes are a well-formed record and decode its head.
 * Returns 0 or MOAT_EPARSE. Once a record passed, the cursors below cannot
 * fail or step outside it. */
MOAT_NODISCARD int deps_rec_decode(const unsigned char *p, size_t len, struct deps_rec *out);
const char *deps_rec_alias(const struct deps_rec *r, const unsigned char **cur);
void deps_rec_affected_next(const unsigned char **cur, struct deps_rec_affected *out);
void deps_rec_range_next(const unsigned char **cur, struct deps_rec_range *out);
void deps_rec_event_next(const unsigned char **cur, struct deps_rec_event *out);
const char *deps_rec_version_next(const unsigned char **cur);
/* Affected entry number i of r (0-based, i < r->naffected). */
void deps_rec_affected_at(const struct deps_rec *r, size_t i, struct deps_rec_affected *out);

/* Evaluate one affected entry for eco at version with OSV's algorithm
 * (versions list, then each SEMVER or ECOSYSTEM range: events sorted,
 * introduced/fixed/last_affected, limit). *hit says whether it applies;
 * *fixed (may be NULL) gets the smallest fixed version above version in a
 * matching range, pointing into the record; when there is none, *last (may
 * be NULL) gets a last_affected version at or above it. Ranges whose
 * versions the comparator rejects never match. */
void deps_osv_affected_eval(enum deps_eco eco, const struct deps_rec_affected *a,
                            const char *version, bool *hit, const char **fixed, const char **last);

/* Open a store image in memory (not copied: it must outlive the db).
 * Same checks and errors as deps_db_open; name is used in messages. */
MOAT_NODISCARD int deps_db_open_mem(const void *data, size_t len, const char *name,
                                    struct deps_db **out, struct moat_err *err);
/* Check the checksum of every record (the open checks the header and the
 * index only). Returns 0 or MOAT_EPARSE. */
MOAT_NODISCARD int deps_db_verify(const struct deps_db *db, struct moat_err *err);
/* Number of records and record i (id order) of an open store, checksum
 * checked. Returns 0 or MOAT_EPARSE. */
size_t deps_db_count(const struct deps_db *db);
MOAT_NODISCARD int deps_db_record(const struct deps_db *db, size_t i, const unsigned char **p,
                                  size_t *len, struct moat_err *err);
/* Serialize records (encoded advisories with distinct ids, any order) into a
 * store image. Returns 0 or MOAT_ETOOBIG / MOAT_EPARSE. */
struct deps_db_in {
    const unsigned char *rec;
    size_t len;
};
MOAT_NODISCARD int deps_db_build(struct deps_db_in *recs, size_t n, struct moat_buf *out,
                                 struct moat_err *err);
/* Recompute every checksum of a store image in place, so tests and fuzzers
 * can reach the structural checks behind them. */
void deps_db_reseal(unsigned char *img, size_t len);

/* ---- SBOM output (sbom.c) ---- */
/* Append the purl of a package as the purl spec's PURL-TYPES spell it:
 * pkg:npm/%40scope/name@1.0.0, pkg:pypi/ names lowercased with '_' as '-',
 * pkg:composer/ lowercased, pkg:golang/ module paths with their case, every
 * segment percent-encoded ('+' as %2B). Returns 0 or MOAT_ETOOBIG. */
MOAT_NODISCARD int deps_purl(const struct deps_pkg *p, struct moat_buf *out);

#endif
