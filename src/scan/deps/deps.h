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

#define DEPS_MAX_LOCKFILE   (64u << 20) /* bytes of one lockfile or manifest */
#define DEPS_MAX_DEPTH      64          /* JSON/YAML/XML nesting we follow */
#define DEPS_MAX_PACKAGES   200000      /* packages in one lockfile */
#define DEPS_MAX_VERSION    256         /* bytes of one version string */
#define DEPS_MAX_NAME       512         /* bytes of one package name */
#define DEPS_MAX_INCLUDES   16          /* requirements.txt -r/-c nesting */

/* The analyzer `moat scan` runs (listed in src/scan/analyzers.c). */
extern const struct scan_analyzer scan_deps_analyzer;

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

/* ---- the package model (pkg.c) ---- */

enum {
    DEPS_PKG_DIRECT = 1u << 0,       /* the project names it itself */
    DEPS_PKG_TRANSITIVE = 1u << 1,   /* pulled in by another package */
    DEPS_PKG_DEV = 1u << 2,          /* needed only for development or tests */
    DEPS_PKG_UNPINNED = 1u << 3,     /* no exact version (requirements.txt ranges) */
    DEPS_PKG_OPTIONAL = 1u << 4,
};

/* One locked package. Strings are owned by the deps_lock's arena. */
struct deps_pkg {
    enum deps_eco eco;
    const char *name;    /* as the ecosystem spells it: "@scope/x", "group:artifact" */
    const char *version; /* exact version; NULL when unpinned */
    const char *spec;    /* unpinned: the requirement as written ("flask>=2"), else NULL */
    unsigned line;       /* 1-based line of the entry in the file it came from */
    const char *path;    /* that file (an -r include may differ from the lockfile) */
    unsigned flags;      /* DEPS_PKG_* */
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
     * names like *.json SBOMs, these first bytes). */
    bool (*match)(const char *base, const unsigned char *data, size_t len);
    /* Fill l; returns 0, MOAT_EPARSE, MOAT_ETOOBIG (message names the file
     * and, where known, the line). */
    MOAT_NODISCARD int (*parse)(const struct deps_source *src, struct deps_lock *l,
                                struct moat_err *err);
};

/* NULL-terminated tables, one per group of parsers. */
extern const struct deps_format *const deps_formats_js[];   /* lock_js*.c, lock_other*.c */
extern const struct deps_format *const deps_formats_py[];   /* lock_py*.c, lock_jvm*.c, lock_sbom*.c */
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
};

/* Open the store at path read-only (mmap; nothing is loaded up front).
 * Returns 0, MOAT_ENOENT (no database: run `moat db import`), MOAT_EPARSE
 * (corrupt), MOAT_EIO. */
MOAT_NODISCARD int deps_db_open(const char *path, struct deps_db **out, struct moat_err *err);
void deps_db_free(struct deps_db *db);
/* The newest `modified` of any advisory, "YYYY-MM-DDTHH:MM:SSZ". */
const char *deps_db_newest(const struct deps_db *db);

/* One hit: an advisory that affects pkg at its version. Strings valid until
 * deps_matches_release. */
struct deps_match {
    struct deps_advisory adv;
    const char *fixed; /* smallest fixed version above the installed one, or NULL */
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

/* CVSS v3.0/v3.1 base score of a vector string; returns 0 or MOAT_EPARSE. */
MOAT_NODISCARD int deps_cvss3_score(const char *vector, double *score);

/* ---- SBOM output (sbom.c) ---- */
/* The purl of a package: pkg:npm/%40scope/name@1.0.0 etc. */
MOAT_NODISCARD int deps_purl(const struct deps_pkg *p, struct moat_buf *out);

#endif
