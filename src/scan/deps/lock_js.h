/* Private to the lock_*.c parsers of deps_formats_js[] (npm, yarn, pnpm,
 * Cargo, Go, Bundler, Composer): error messages that name the file and line,
 * hash decoding, package deduplication, JSON with line numbers, a small YAML
 * tree with alias limits, and the dependency-graph passes that set
 * DEPS_PKG_DIRECT/TRANSITIVE/DEV. Nothing outside those files includes it. */
#ifndef MOAT_SCAN_DEPS_LOCK_JS_H
#define MOAT_SCAN_DEPS_LOCK_JS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "core/core.h"
#include "deps.h"

/* Nodes one YAML document may expand to, aliases counted at their full size
 * each time they are used: far above a 64 MB pnpm-lock.yaml, far below what
 * a "billion laughs" document would expand to. */
#define LOCKJS_MAX_YAML_NODES (8u << 20)

/* Packages one package may depend on. deps_lock_depend() scans the list
 * it appends to, so this bounds the work a hostile file can ask for; real
 * packages stay in the hundreds. */
#define LOCKJS_MAX_DEPS 4096

extern const struct deps_format lock_npm_format;
extern const struct deps_format lock_yarn_format;
extern const struct deps_format lock_pnpm_format;
extern const struct deps_format lock_cargo_format;
extern const struct deps_format lock_gomod_format;
extern const struct deps_format lock_gosum_format;
extern const struct deps_format lock_gem_format;
extern const struct deps_format lock_composer_format;

/* Record "path:line: message" (or "path: message" when line is 0) in err;
 * returns rc. */
int lockjs_fail(struct moat_err *err, int rc, const char *path, unsigned line, const char *fmt, ...)
    MOAT_PRINTF(5, 6);

/* The base name of a path (after the last '/'). */
const char *lockjs_base(const char *path);

/* ---- hashes: the results live in l's arena ---- */

/* Lowercase hex of n bytes of hex digits (either case), when there are
 * exactly 2*bytes of them; NULL otherwise. */
const char *lockjs_hex(struct deps_lock *l, const char *s, size_t n, size_t bytes);
/* Standard base64 (padding optional) of exactly `bytes` bytes, as hex; NULL
 * when s is not that. */
const char *lockjs_b64_hex(struct deps_lock *l, const char *s, size_t n, size_t bytes);
/* An SRI integrity string ("sha512-<base64>", several separated by spaces):
 * the strongest of sha512, sha256 and sha1 in it. Returns false (and leaves
 * *alg, *hex alone) when none decodes. */
bool lockjs_sri(struct deps_lock *l, const char *s, size_t n, const char **alg, const char **hex);

/* ---- packages, deduplicated by (name, version) ---- */

/* One package as a parser found it; strings need not be in the arena nor be
 * NUL-terminated. */
struct lockjs_entry {
    enum deps_eco eco;
    const char *name;
    size_t name_len;
    const char *version;
    size_t version_len;
    unsigned line;
    unsigned flags;       /* DEPS_PKG_DEV, DEPS_PKG_OPTIONAL, DEPS_PKG_DIRECT */
    const char *hash_alg; /* static string, or NULL */
    const char *hash;     /* in the lock's arena, or NULL */
};

struct lockjs_pkgs {
    struct deps_lock *l;
    const char *path;   /* for messages */
    struct moat_map by; /* "name\0version" -> index + 1 */
};

void lockjs_pkgs_init(struct lockjs_pkgs *s, struct deps_lock *l, const char *path);
void lockjs_pkgs_release(struct lockjs_pkgs *s);
/* Add e, or merge it into the package already there with the same name and
 * version: the first line and hash stay, DIRECT is kept if either has it,
 * DEV and OPTIONAL only if both have them (one production use makes a
 * package production). Names and versions must be 1..DEPS_MAX_NAME and
 * 1..DEPS_MAX_VERSION bytes without control characters. *index (may be
 * NULL) gets the package's index. Returns 0, MOAT_EPARSE or MOAT_ETOOBIG. */
MOAT_NODISCARD int lockjs_pkgs_add(struct lockjs_pkgs *s, const struct lockjs_entry *e,
                                   size_t *index, struct moat_err *err);
/* The index of (name, version), or false. */
bool lockjs_pkgs_find(const struct lockjs_pkgs *s, const char *name, size_t nlen,
                      const char *version, size_t vlen, size_t *index);

/* Record that package from depends on package to (nothing when they are
 * the same). Returns 0 or MOAT_ETOOBIG past LOCKJS_MAX_DEPS. */
MOAT_NODISCARD int lockjs_depend(struct lockjs_pkgs *s, size_t from, size_t to,
                                 struct moat_err *err);

/* ---- dependency-graph passes over l->pkgs[].deps ---- */

/* Mark DIRECT every package that no other package depends on, among those
 * whose eligible[i] is true (eligible NULL: all). Used where the lockfile
 * does not say what the project asked for itself: a locked package nothing
 * needs can only be there because the project names it. */
void lockjs_mark_roots(struct deps_lock *l, const bool *eligible);
/* root[i]: bit 1 = the project needs package i in production, bit 2 = for
 * development. Sets DEPS_PKG_DEV on every package reachable only from
 * development roots and clears it on those reachable from a production one.
 * Iterative; cycles are fine. */
void lockjs_mark_dev(struct deps_lock *l, const unsigned char *root);
/* Every package that is not DIRECT becomes TRANSITIVE (exactly one of the
 * two is set). */
void lockjs_finish(struct deps_lock *l);

/* ---- the manifest beside a lockfile ----
 * npm v1, yarn and composer lockfiles do not copy what package.json or
 * composer.json asks for. When the manifest is on disk beside the lockfile,
 * it says which locked packages are direct (and, for yarn, which are only
 * for development); otherwise the parsers fall back to lockjs_mark_roots. */

struct lockjs_want {
    const char *name;   /* as the manifest spells it */
    const char *range;  /* the version range asked for */
    unsigned char bits; /* 1 production (dependencies, require), 2 development */
};

struct lockjs_manifest {
    MOAT_VEC(struct lockjs_want) v;
    bool workspaces; /* package.json "workspaces": its members ask for more */
    struct moat_arena arena;
};

/* Read `file` from the lockfile's directory: the objects named in prod[]
 * (bit 1) and dev[] (bit 2), NULL-terminated. False, with m empty, when
 * there is no directory (a staged or archived lockfile), no such regular
 * file, or it is not a JSON object of at most DEPS_MAX_LOCKFILE bytes; a
 * manifest is a hint, so that is not an error. m must be released either
 * way. */
bool lockjs_manifest_load(const struct deps_source *src, const char *file, const char *const *prod,
                          const char *const *dev, struct lockjs_manifest *m);
void lockjs_manifest_release(struct lockjs_manifest *m);
/* The package.json sections: dependencies, optionalDependencies and
 * peerDependencies are production; devDependencies development. */
extern const char *const lockjs_npm_prod[], *const lockjs_npm_dev[];
/* DIRECT for every package i with root[i] set (bits as lockjs_want). */
void lockjs_mark_asked(struct deps_lock *l, const unsigned char *root);

/* ---- JSON with line numbers ---- */

struct lockjs_json {
    json_t *root;
    const char *string_key; /* strings under this key get lines too */
    /* open addressing, json_t * -> 1-based line of its key (object members),
     * or of the value itself (array elements, the root) */
    const json_t **keys;
    unsigned *lines;
    size_t n, cap;
};

/* Parse src (an object or array at the top) with jansson, rejecting
 * duplicate keys and nesting deeper than DEPS_MAX_DEPTH, and record the line
 * of every object and array in it, and of every string that is the value of
 * a string_key member (NULL: none). Returns 0, MOAT_EPARSE or MOAT_ETOOBIG;
 * j must be released either way. */
MOAT_NODISCARD int lockjs_json_load(const struct deps_source *src, const char *string_key,
                                    struct lockjs_json *j, struct moat_err *err);
void lockjs_json_release(struct lockjs_json *j);
/* The line of v, or 0 for values not recorded (scalars, but for strings
 * under string_key). */
unsigned lockjs_json_line(const struct lockjs_json *j, const json_t *v);
/* obj[key] when it is a string: 1 and *s, *n set; 0 when absent or null;
 * -1 when it is another type. obj must be an object. */
int lockjs_json_str(const json_t *obj, const char *key, const char **s, size_t *n);
/* obj[key] is JSON true. */
bool lockjs_json_true(const json_t *obj, const char *key);

/* ---- a YAML document as a tree (libyaml events; anchors shared, not
 * copied, and counted at full size against LOCKJS_MAX_YAML_NODES) ---- */

enum lockjs_ykind { LOCKJS_YSCALAR, LOCKJS_YSEQ, LOCKJS_YMAP };

struct lockjs_ynode {
    enum lockjs_ykind kind;
    unsigned line;   /* 1-based */
    bool plain;      /* an unquoted scalar (so "~" and "null" mean null) */
    const char *str; /* scalar: NUL-terminated copy (may hold NULs before len) */
    size_t len;
    struct lockjs_ynode **kids; /* seq: n items; map: n pairs as key, value */
    size_t n;
    size_t weight; /* nodes under this one, aliases expanded (saturating) */
};

struct lockjs_ydoc {
    struct lockjs_ynode *root;  /* the first document; NULL for an empty stream */
    struct lockjs_ynode **docs; /* every document's root, in order */
    size_t ndocs;
    struct moat_arena arena;
};

/* Load every document of src (root is the first). Returns 0, MOAT_EPARSE (with libyaml's
 * line) or MOAT_ETOOBIG (nesting over DEPS_MAX_DEPTH, expansion over
 * LOCKJS_MAX_YAML_NODES); doc must be released either way. */
MOAT_NODISCARD int lockjs_yaml_load(const struct deps_source *src, struct lockjs_ydoc *doc,
                                    struct moat_err *err);
void lockjs_yaml_release(struct lockjs_ydoc *doc);
/* map[key] (the first such key), or NULL when map is not a map or has none. */
const struct lockjs_ynode *lockjs_yget(const struct lockjs_ynode *map, const char *key);
/* A scalar that is not a YAML null. */
bool lockjs_yscalar(const struct lockjs_ynode *n);
/* A scalar equal to s. */
bool lockjs_yis(const struct lockjs_ynode *n, const char *s);

#endif
