/* Private to the Python, JVM and SBOM-input lockfile parsers (lock_py.c,
 * lock_requirements.c, lock_poetry.c, lock_pipenv.c, lock_uv.c, lock_pdm.c,
 * lock_maven.c, lock_gradle.c, lock_sbom.c): their format structs and the
 * helpers they share — line numbers, hashes, PyPI names, a name index, and
 * byte positions inside JSON that jansson does not report. */
#ifndef MOAT_SCAN_DEPS_LOCK_PY_H
#define MOAT_SCAN_DEPS_LOCK_PY_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "core/core.h"
#include "deps.h"

extern const struct deps_format deps_format_requirements;
extern const struct deps_format deps_format_pipfile_lock;
extern const struct deps_format deps_format_poetry_lock;
extern const struct deps_format deps_format_uv_lock;
extern const struct deps_format deps_format_pdm_lock;
extern const struct deps_format deps_format_pom_xml;
extern const struct deps_format deps_format_gradle_lockfile;
extern const struct deps_format deps_format_sbom;

/* ---- line numbers from byte offsets ----
 * A cursor that counts newlines forward from the last offset it was asked
 * about, so a walk in document order costs one pass over the bytes. */
struct py_lines {
    const char *data;
    size_t len;
    size_t off;
    unsigned line;
};
void py_lines_init(struct py_lines *c, const char *data, size_t len);
/* 1-based line holding byte off (clamped to the end). */
unsigned py_lines_at(struct py_lines *c, size_t off);

/* ---- hashes ---- */
struct py_hash {
    int rank;        /* 0 none, 1 sha1, 2 sha256, 3 sha512 */
    const char *alg; /* "sha1", "sha256", "sha512" */
    char hex[129];
};
/* Offer one digest; the strongest algorithm wins, the first of equal
 * strength stays. alg is matched without case and without '-' ("SHA-256").
 * Unknown algorithms (md5, sha384) are ignored. Returns 0, or MOAT_EPARSE
 * when a known algorithm's digest is not hex of its length. */
MOAT_NODISCARD int py_hash_offer(struct py_hash *h, const char *alg, size_t alglen, const char *hex,
                                 size_t hexlen);
/* The "alg:hex" form (pip, poetry, pdm, uv, Pipfile.lock). */
MOAT_NODISCARD int py_hash_offer_str(struct py_hash *h, const char *s, size_t len);
/* Copy the chosen hash (if any) into p's fields, strings in l's arena. */
void py_hash_apply(struct deps_lock *l, struct deps_pkg *p, const struct py_hash *h);

/* ---- names ---- */
/* PEP 503: lowercase, every run of '-', '_', '.' becomes one '-'. Returns 0
 * or MOAT_ETOOBIG past DEPS_MAX_NAME. */
MOAT_NODISCARD int py_pep503(const char *s, size_t len, struct moat_buf *out);
/* Whether s is a PEP 508 distribution name. */
bool py_valid_name(const char *s, size_t len);

/* Package indexes by key (a normalized name, a bom-ref, an SPDX id); one key
 * may name several packages. */
struct py_index {
    struct moat_map map; /* key -> (head index + 1) */
    size_t *next;        /* next[i]: the next package with i's key, or SIZE_MAX */
    size_t cap;
};
void py_index_init(struct py_index *ix);
void py_index_release(struct py_index *ix);
void py_index_add(struct py_index *ix, const char *key, size_t klen, size_t idx);
/* The first package under key, then the next one; SIZE_MAX at the end. */
size_t py_index_first(const struct py_index *ix, const char *key, size_t klen);
size_t py_index_next(const struct py_index *ix, size_t idx);

/* ---- files a lockfile names (requirements -r/-c, a POM's parent) ----
 * They are read only from disk, only below the scan root (a relative display
 * path says how deep the lockfile sits), never through a symbolic link, and
 * never from a URL or an absolute path. */
struct py_near {
    const char *disk_dir; /* src->disk_dir, or NULL: nothing is read */
    const char *disp_dir; /* directory part of src->path, "" when none */
    unsigned root_up;     /* how many ".." an include may climb */
};
void py_near_init(struct py_near *n, const struct deps_source *src, struct deps_lock *l);
/* Resolve name, written in the file at from_rel (a path relative to the
 * lockfile's directory; the lockfile itself is its base name): rel gets the
 * folded path relative to the lockfile's directory, disp the display path.
 * Returns 0, 1 when the file is not to be read (*why says why), or
 * MOAT_ETOOBIG for an absurdly long path. */
MOAT_NODISCARD int py_near_resolve(const struct py_near *n, const char *from_rel, const char *name,
                                   size_t nlen, struct moat_buf *rel, struct moat_buf *disp,
                                   const char **why);
/* Read rel (from py_near_resolve) into data, whose max is the cap. Returns
 * 0, 1 when it is missing, a symbolic link or unreadable (*why says why), or
 * MOAT_ETOOBIG / MOAT_EIO with err set. */
MOAT_NODISCARD int py_near_read(const struct py_near *n, const char *rel, struct moat_buf *data,
                                const char **why, struct moat_err *err);
/* Printable ASCII of untrusted text for a message, bounded by outlen. */
const char *py_printable(const char *s, size_t n, char *out, size_t outlen);

/* ---- dependency edges ----
 * Linking is charged to a budget: deps_lock_depend's duplicate check is
 * linear in the edges already recorded, and one name may stand for many
 * packages, so a hostile lockfile could otherwise make linking quadratic. */
#define PY_MAX_WORK (32u << 20) /* steps spent linking one lockfile */
/* Spend one step; MOAT_ETOOBIG when the budget is gone. */
MOAT_NODISCARD int py_work(size_t *budget);
/* deps_lock_depend(l, from, to), charged to *budget. Returns 0 or
 * MOAT_ETOOBIG. */
MOAT_NODISCARD int py_depend(struct deps_lock *l, size_t from, size_t to, size_t *budget);

/* ---- the TOML lockfiles (poetry.lock, pdm.lock, uv.lock) ----
 * What their parsers share: the parsed file, where errors go, the PEP 503
 * name index, a buffer for normalized names and the linking budget. */
struct toml_doc;
struct py_toml {
    const struct deps_source *src;
    struct deps_lock *l;
    struct moat_err *err;
    struct toml_doc *doc;
    struct py_index names; /* PEP 503 name -> packages */
    struct moat_buf norm;
    size_t budget; /* PY_MAX_WORK */
};
/* Check src's size and parse it into t->doc. t must be closed either way. */
MOAT_NODISCARD int py_toml_open(struct py_toml *t, const struct deps_source *src,
                                struct deps_lock *l, struct moat_err *err);
void py_toml_close(struct py_toml *t);
/* "path:line: what" as MOAT_EPARSE. */
int py_toml_bad(const struct py_toml *t, unsigned line, const char *what);
/* The linking budget ran out at line: MOAT_ETOOBIG. */
int py_toml_too_many(const struct py_toml *t, unsigned line);

/* One package, one role: a package the project names is DIRECT even when
 * another package needs it too, so TRANSITIVE is cleared where DIRECT is
 * set (the rule of every deps parser). */
void py_direct_wins(struct deps_lock *l);

/* ---- JSON ---- */
/* Parse src as JSON after checking its size (DEPS_MAX_LOCKFILE) and nesting
 * (DEPS_MAX_DEPTH); duplicate keys are refused, so jansson's key order (which
 * is insertion order) matches the text one for one. Returns 0, MOAT_EPARSE or
 * MOAT_ETOOBIG, with "path:line: ..." in err. */
MOAT_NODISCARD int py_json_load(const struct deps_source *src, json_t **out, struct moat_err *err);

/* Walks the members of one object or array in the text, in step with
 * jansson's iteration of the same container, to learn byte offsets. */
struct py_jiter {
    const char *d;
    size_t len;
    size_t off;   /* next byte to read */
    size_t val;   /* offset of the current member's value */
    bool pending; /* the current value has not been skipped yet */
    bool object;
    bool done;
};
/* at: offset of the '{' or '['. Returns 0 or MOAT_EPARSE. */
MOAT_NODISCARD int py_jiter_open(struct py_jiter *it, const char *d, size_t len, size_t at);
/* Step to the next member: *off gets the offset of its key (objects) or its
 * value (arrays); when key is not NULL the member's key must equal it (a
 * check that text and tree are in step). Returns 1, 0 at the end, or
 * MOAT_EPARSE. */
MOAT_NODISCARD int py_jiter_next(struct py_jiter *it, const char *key, size_t *off);
/* Offset of the current member's value (the place to open a child walk). */
size_t py_jiter_value(const struct py_jiter *it);
/* Tell the walk that the current value ends at end (a finished child walk's
 * off), so it is not skimmed twice. */
void py_jiter_skip_to(struct py_jiter *it, size_t end);

#endif
