/* The finding model every analyzer emits, and what works on it alone:
 * fingerprints, baselines and the policy gate. Reporters and the gate never
 * see analyzer-specific types. */
#ifndef MOAT_FINDINGS_H
#define MOAT_FINDINGS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum moat_sev {
    MOAT_SEV_INFO,
    MOAT_SEV_LOW,
    MOAT_SEV_MEDIUM,
    MOAT_SEV_HIGH,
    MOAT_SEV_CRITICAL,
};

enum moat_conf {
    MOAT_CONF_LOW,
    MOAT_CONF_MEDIUM,
    MOAT_CONF_HIGH,
};

/* What a reporter needs to know about a rule (SARIF rule metadata). Built-in
 * rules point at static strings; custom rules are owned by the scan. */
struct moat_rule_meta {
    const char *id;       /* stable interface: SARIF ruleId, ignores, config */
    const char *analyzer; /* "secrets", "config", ... */
    const char *title;    /* one line */
    const char *help;     /* what it finds and how to fix it */
    const char *cwe;      /* "CWE-798" or NULL */
    enum moat_sev sev;
    enum moat_conf conf; /* default confidence (MOAT_CONF_LOW is 0: set it) */
    const char *fix;     /* how to fix it, one or two sentences, or NULL */
    const char *doc;     /* docs page in the repository ("docs/rules/config.md#id") or NULL */
};

#define MOAT_FINGERPRINT_HEX 32

/* What a dependency finding adds: the vulnerable package and the advisory. */
struct moat_finding_dep {
    char *ecosystem; /* OSV name: "npm", "PyPI", ... */
    char *package;
    char *version;  /* installed */
    char *advisory; /* OSV id */
    char **aliases; /* CVE, GHSA, ... */
    size_t naliases;
    char *fixed;  /* smallest fixed version above the installed one, or NULL */
    char *cvss;   /* the CVSS vector as given, or NULL */
    double score; /* CVSS v3 base score computed by moat; < 0 when there is none */
    bool direct;  /* named by the project itself (else transitive or unknown) */
    bool transitive;
    bool dev; /* needed only for development */
};

/* One finding. Every string is owned by the finding (moat_finding_free frees
 * them); NULL means "not known". */
struct moat_finding {
    char *rule_id;
    char *analyzer;
    char *title;   /* the rule's one-line title */
    char *message; /* what was found, never containing a secret value */
    char *fix;     /* suggested fix or NULL */
    char *cwe;
    char *path;    /* relative to the scan root; "a.zip!dir/f" inside archives */
    unsigned line; /* 1-based; 0 if unknown */
    unsigned col;  /* 1-based, in bytes */
    char *commit;  /* git: the commit that introduced it */
    char *author;
    char *email;
    char *date;     /* ISO 8601 */
    char *redacted; /* the matched value, redacted: safe to show anywhere */
    char *secret;   /* the raw value: set only when the user asked to see it */
    enum moat_sev sev;
    enum moat_conf conf;
    struct moat_finding_dep *dep; /* dependency findings only */
    char fingerprint[MOAT_FINGERPRINT_HEX + 1];
};

struct moat_finding *moat_finding_new(void);
void moat_finding_free(struct moat_finding *f);

/* Set f->fingerprint from rule id, path and the matched content: independent
 * of line numbers and commits, so it survives edits above the finding and is
 * the same in a tree scan and a history scan. */
void moat_finding_fingerprint(struct moat_finding *f, const void *content, size_t len);

const char *moat_sev_name(enum moat_sev s);
/* "info|low|medium|high|critical" (any case); returns 0 or MOAT_EINVAL. */
MOAT_NODISCARD int moat_sev_parse(const char *s, enum moat_sev *out);
const char *moat_conf_name(enum moat_conf c);

/* A thread-safe list of findings; add takes ownership. */
struct moat_findings {
    struct moat_finding **v;
    size_t n, cap;
    size_t suppressed_inline;   /* dropped by moat:ignore comments */
    size_t suppressed_baseline; /* dropped because the baseline knows them */
    size_t suppressed_config;   /* dropped by an `ignore` entry of the config */
    pthread_mutex_t mu;
};

void moat_findings_init(struct moat_findings *fs);
void moat_findings_release(struct moat_findings *fs);
void moat_findings_add(struct moat_findings *fs, struct moat_finding *f);
/* Order by path, line, column, rule id: reports are stable across runs.
 * Exact duplicates (same place, rule, commit and fingerprint) are dropped. */
void moat_findings_sort(struct moat_findings *fs);

/* Baseline: the fingerprints of findings a team has accepted. */
struct moat_baseline;
/* Load a baseline written by moat_baseline_write. Returns 0, MOAT_EPARSE,
 * MOAT_ETOOBIG, or moat_fs_read's errors (MOAT_ENOENT, MOAT_EIO, ...). */
MOAT_NODISCARD int moat_baseline_load(const char *path, struct moat_baseline **out,
                                      struct moat_err *err);
MOAT_NODISCARD int moat_baseline_parse(const char *data, size_t len, struct moat_baseline **out,
                                       struct moat_err *err);
void moat_baseline_free(struct moat_baseline *b);
bool moat_baseline_contains(const struct moat_baseline *b, const char *fingerprint);
/* Drop findings the baseline contains, counting them in suppressed_baseline. */
void moat_baseline_apply(const struct moat_baseline *b, struct moat_findings *fs);
MOAT_NODISCARD int moat_baseline_write(const struct moat_findings *fs, const char *path,
                                       struct moat_err *err);

/* The policy gate: number of findings at or above threshold (0 = pass). */
size_t moat_gate_count(const struct moat_findings *fs, enum moat_sev threshold);

#endif
