/* The config analyzer's one internal header: a YAML loader that keeps line
 * numbers and resolves what GitLab users write (anchors, aliases, merge keys,
 * !reference, multi-document files), the Dockerfile parser, and the audits
 * of GitHub Actions workflows, GitLab CI files and Dockerfiles.
 *
 * Sections are owned by one file group each (named in the section title);
 * add declarations only to the section of the files you change. */
#ifndef MOAT_SCAN_CONFIG_H
#define MOAT_SCAN_CONFIG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <moat/findings.h>
#include "scan/scan.h"

/* The analyzer `moat scan` runs (listed in src/scan/analyzers.c). */
extern const struct scan_analyzer scan_config_analyzer;

/* ---- YAML documents (yaml.c) ---- */

#define CY_MAX_BYTES  (8u << 20)  /* bytes of one YAML file */
#define CY_MAX_DEPTH  64          /* nesting of collections */
#define CY_MAX_NODES  1000000     /* nodes after alias expansion (billion laughs) */
#define CY_MAX_SCALAR (1u << 20)  /* bytes of one scalar */
#define CY_MAX_DOCS   16          /* documents in one file */

enum cy_kind {
    CY_SCALAR,
    CY_SEQ,
    CY_MAP,
};

enum cy_style {
    CY_PLAIN,
    CY_SINGLE,  /* 'x' */
    CY_DOUBLE,  /* "x" */
    CY_LITERAL, /* | block: each '\n' in str is one source line */
    CY_FOLDED,  /* > block */
};

/* One node. A node reached through an alias is a copy whose line is where
 * the alias is (where it takes effect), and whose src_line is where the
 * anchored text is. Map entries keep source order; with a merge key (<<)
 * the merged entries come after the explicit ones and explicit keys win
 * (duplicates are dropped). */
struct cy_node {
    enum cy_kind kind;
    enum cy_style style;      /* scalars */
    const char *tag;          /* "!reference" etc., or NULL */
    unsigned line, col;       /* 1-based, where it takes effect */
    unsigned src_line;        /* 1-based, where its text is */
    const char *str;          /* scalar value, NUL-terminated (may hold NULs: use len) */
    size_t len;
    struct cy_node **items;   /* CY_SEQ items; CY_MAP values */
    struct cy_node **keys;    /* CY_MAP keys (scalars) */
    size_t n;
};

struct cy_doc;

/* Load every document of a YAML file. Errors (MOAT_EPARSE with "line:col:
 * what", MOAT_ETOOBIG for a limit above) leave *out NULL. */
MOAT_NODISCARD int cy_load(const unsigned char *data, size_t len, struct cy_doc **out,
                           struct moat_err *err);
void cy_free(struct cy_doc *d);
size_t cy_ndocs(const struct cy_doc *d);
const struct cy_node *cy_root(const struct cy_doc *d, size_t i); /* NULL for an empty doc */
/* Map lookup by key; NULL if absent or m is not a map. */
const struct cy_node *cy_get(const struct cy_node *m, const char *key);
/* The scalar's text, or NULL if n is NULL or not a scalar. */
const char *cy_str(const struct cy_node *n);
/* Whether n is a scalar equal to s. */
bool cy_is(const struct cy_node *n, const char *s);
/* Line of byte off inside a scalar: exact for literal blocks, the scalar's
 * first line otherwise. */
unsigned cy_line_at(const struct cy_node *n, size_t off);

/* ---- reporting (analyzer.c) ---- */

/* What an audit works on: one file. */
struct cfg_ctx {
    struct scan_worker *w;
    const struct scan_blob *b;
    void *state; /* the analyzer's */
    void *wstate;
    bool pedantic;
    const char *disk_dir; /* directory of the file on disk (GitLab local
                           * includes), or NULL for git blobs */
};

/* Report rule at line/col of the current file. sev overrides the rule's
 * default when >= 0. The message names the untrusted value and the sink;
 * evidence is the text the fingerprint is taken from (the expression, the
 * instruction), never a secret value. */
void cfg_report(struct cfg_ctx *c, const struct moat_rule_meta *rule, int sev, enum moat_conf conf,
                unsigned line, unsigned col, const char *evidence, const char *fmt, ...)
    MOAT_PRINTF(8, 9);
/* Whether value is a secret the secret rules recognize (or, with name, a
 * secret-like name holding a literal, random-looking value). On a hit,
 * *rule_id names the secret rule (static). */
bool cfg_is_secret(struct cfg_ctx *c, const char *name, const char *value, size_t len,
                   const char **rule_id);

/* ---- GitHub Actions (gha*.c) ---- */
extern const struct moat_rule_meta cfg_gha_rules[];
extern const size_t cfg_gha_nrules;
/* Audit a workflow (.github/workflows/*) or a composite action (action.yml). */
void cfg_gha_audit(struct cfg_ctx *c, const struct cy_doc *d, bool action);

/* ---- GitLab CI (gitlab*.c) ---- */
extern const struct moat_rule_meta cfg_gitlab_rules[];
extern const size_t cfg_gitlab_nrules;
void cfg_gitlab_audit(struct cfg_ctx *c, const struct cy_doc *d);

/* ---- Dockerfiles (docker*.c) ---- */
extern const struct moat_rule_meta cfg_docker_rules[];
extern const size_t cfg_docker_nrules;
void cfg_docker_audit(struct cfg_ctx *c, const unsigned char *data, size_t len);

#endif
