/* A small, strict, bounded reader for the subset of TOML that lockfiles use
 * (poetry.lock, uv.lock, pdm.lock; Cargo.lock could share it): tables,
 * arrays of tables, dotted keys, basic/literal/multi-line strings, integers,
 * booleans, arrays, inline tables and comments, each value with its line.
 * Floats and dates are refused as unsupported. */
#ifndef MOAT_SCAN_DEPS_TOML_H
#define MOAT_SCAN_DEPS_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <moat/err.h>

#define TOML_MAX_VALUES (2u << 20) /* values in one document: bounds memory */
#define TOML_MAX_DEPTH  64         /* nesting of arrays, inline tables, key segments */

enum toml_type {
    TOML_STRING,
    TOML_INTEGER,
    TOML_BOOLEAN,
    TOML_ARRAY,
    TOML_TABLE,
};

struct toml_doc;

/* One value. Everything is owned by the toml_doc and valid until toml_free.
 * Read the members of the union that type names. */
struct toml_value {
    enum toml_type type;
    unsigned line;  /* 1-based: the key's line, or a [table] header's line */
    unsigned flags; /* private to toml.c */
    union {
        struct {
            const char *str; /* TOML_STRING: NUL-terminated (TOML NULs are refused) */
            size_t len;
        };
        long long integer; /* TOML_INTEGER */
        bool boolean;      /* TOML_BOOLEAN */
        struct {
            size_t n;                  /* elements (TOML_ARRAY), members (TOML_TABLE) */
            struct toml_value **items; /* in document order */
            const char **keys;         /* TOML_TABLE: keys[i] names items[i] */
            size_t cap;                /* private to toml.c */
            struct toml_doc *doc;      /* private to toml.c */
        };
    };
};

/* Parse len bytes of data; path names the file in error messages
 * ("path:line: ..."). Returns 0 (and *out, freed with toml_free), MOAT_EPARSE,
 * MOAT_EUNSUP (floats, dates) or MOAT_ETOOBIG (over TOML_MAX_VALUES or
 * TOML_MAX_DEPTH). */
MOAT_NODISCARD int toml_parse(const char *path, const char *data, size_t len, struct toml_doc **out,
                              struct moat_err *err);
void toml_free(struct toml_doc *doc);
/* The root table. */
const struct toml_value *toml_root(const struct toml_doc *doc);
/* The member key of table t in constant time, or NULL when t is NULL, not a
 * table, or has no such member. */
const struct toml_value *toml_get(const struct toml_value *t, const char *key);
/* toml_get narrowed to one type: NULL when absent or of another type. */
const struct toml_value *toml_get_type(const struct toml_value *t, const char *key,
                                       enum toml_type type);
/* The string member key of t, or NULL. */
const char *toml_get_str(const struct toml_value *t, const char *key);

#endif
