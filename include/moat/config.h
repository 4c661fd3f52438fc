/* The repository's .moat/config.yml: analyzers on and off, the gate's
 * threshold, excluded paths, custom secret rules and allowlists. */
#ifndef MOAT_CONFIG_H
#define MOAT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "findings.h"

#define MOAT_CONFIG_PATH ".moat/config.yml"
#define MOAT_CONFIG_MAX  (1u << 20) /* bytes of config.yml we accept */

struct moat_custom_rule {
    char *id;
    char *description;
    char *regex;     /* PCRE2 syntax; the secret is group "secret", else group 1, else all */
    char **keywords; /* optional: any must appear (case-insensitive) near the match */
    size_t nkeywords;
    double min_entropy; /* bits per character of the secret; 0 = no check */
    enum moat_sev sev;
};

/* An `ignore` entry: findings of rule (or advisory, or one of its aliases)
 * id, under path if given, are accepted until expires. */
struct moat_config_ignore {
    char *id;
    char *path;       /* gitignore-style pattern, or NULL for everywhere */
    char *reason;     /* required: why it is accepted */
    char expires[11]; /* "YYYY-MM-DD" (the last day it applies) or "" for never */
    unsigned line;    /* of the entry in the config file, for messages */
};

struct moat_config {
    char *source;           /* file it came from, for messages */
    unsigned analyzers_on;  /* MOAT_ANALYZER_* bits set true in the file */
    unsigned analyzers_off; /* bits set false */
    bool has_fail_on;
    enum moat_sev fail_on;
    char *baseline; /* baseline path relative to the repo, or NULL */
    char **exclude; /* gitignore-style patterns */
    size_t nexclude;
    struct moat_custom_rule *rules;
    size_t nrules;
    char **disabled_rules; /* rule ids switched off */
    size_t ndisabled_rules;
    char **allow_paths; /* gitignore-style patterns never reported */
    size_t nallow_paths;
    char **allow_regexes; /* PCRE2 patterns; a secret value matching one is not reported */
    size_t nallow_regexes;
    char **allow_values; /* literal values (stopwords) never reported */
    size_t nallow_values;
    struct moat_config_ignore *ignores;
    size_t nignores;
    bool no_inline_ignores;   /* inline-ignores: false (a central policy overrides them) */
    unsigned db_max_age_days; /* deps.max-db-age; 0 = the default */
};

/* Parse config text; name is used in messages ("file:line: expected ...").
 * Returns 0, MOAT_EPARSE or MOAT_ETOOBIG. */
MOAT_NODISCARD int moat_config_parse(const char *name, const char *data, size_t len,
                                     struct moat_config **out, struct moat_err *err);
/* Load root/.moat/config.yml; a missing file yields the defaults. Returns 0,
 * moat_config_parse's errors, or moat_fs_read's (MOAT_EIO, MOAT_EPERM,
 * MOAT_ELOOP: a symlinked .moat/ is refused). */
MOAT_NODISCARD int moat_config_load(const char *root, struct moat_config **out,
                                    struct moat_err *err);
void moat_config_free(struct moat_config *c);

#endif
