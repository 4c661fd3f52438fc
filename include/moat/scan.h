/* moat scan: walk a source (file tree, git history, staged index), run every
 * enabled analyzer over each file in one pass, and collect findings. */
#ifndef MOAT_SCAN_H
#define MOAT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "err.h"
#include "findings.h"

enum {
    MOAT_ANALYZER_SECRETS = 1u << 0,
    MOAT_ANALYZER_CONFIG = 1u << 1,
    MOAT_ANALYZER_DEPS = 1u << 2,
    MOAT_ANALYZER_SAST = 1u << 3,
};

/* Parse "secrets,config" into analyzer bits. MOAT_EINVAL names the unknown one. */
MOAT_NODISCARD int moat_scan_parse_analyzers(const char *list, unsigned *out, struct moat_err *err);
/* Bits of the analyzers this build has. */
unsigned moat_scan_available_analyzers(void);

enum moat_scan_source {
    MOAT_SOURCE_TREE,   /* the files under root */
    MOAT_SOURCE_GIT,    /* every blob reachable from refs or a revision range */
    MOAT_SOURCE_STAGED, /* the index: what is about to be committed */
};

struct moat_scan_opts {
    const char *root; /* directory or single file */
    enum moat_scan_source source;
    const char *git_range;            /* e.g. "main..HEAD"; NULL = all refs */
    const char *since;                /* with git: skip history reachable from this commit */
    const char *cache;                /* with git: file of already-scanned blob ids, or NULL */
    unsigned analyzers;               /* MOAT_ANALYZER_* bits to run */
    int threads;                      /* 0 = online CPUs */
    bool no_ignore;                   /* do not honour .gitignore */
    bool show_secrets;                /* keep raw values in findings */
    bool pedantic;                    /* hygiene audits too */
    size_t max_file_size;             /* bytes read from one file; 0 = default */
    const struct moat_config *config; /* borrowed; NULL = defaults */
    const char *db_path;              /* deps: the OSV store; NULL = moat_db_default_path() */
};

struct moat_scan_stats {
    size_t files;   /* files (or blobs) scanned */
    size_t bytes;   /* bytes scanned */
    size_t skipped; /* ignored, excluded, binary without strings */
    size_t errors;  /* files that could not be scanned (a warning was logged) */
    size_t commits; /* git: commits walked */
    double seconds;
};

struct moat_scan;

/* Prepare a scan: compile the analyzers' rules. opts and opts->config must
 * outlive the scan. Returns 0, MOAT_EINVAL, MOAT_EREGEX. */
MOAT_NODISCARD int moat_scan_new(const struct moat_scan_opts *opts, struct moat_scan **out,
                                 struct moat_err *err);
void moat_scan_free(struct moat_scan *s);
/* Run it, adding findings to out. Files that cannot be read are warned about
 * and counted in stats->errors; the scan goes on. */
MOAT_NODISCARD int moat_scan_run(struct moat_scan *s, struct moat_findings *out,
                                 struct moat_scan_stats *stats, struct moat_err *err);
/* Every rule the enabled analyzers may report (borrowed from the scan). */
size_t moat_scan_rules(const struct moat_scan *s, const struct moat_rule_meta *const **out);

/* The i-th built-in secret rule's id and regular expression (PCRE2 syntax,
 * ASCII semantics), so the same patterns can be run through another tool.
 * Returns NULL past the last rule. */
const char *moat_secrets_pattern(size_t i, const char **id);

/* Install the pre-commit hook into the git repository at root.
 * MOAT_EEXIST if a different hook is present and !force. */
MOAT_NODISCARD int moat_hook_install(const char *root, bool force, struct moat_err *err);

#endif
