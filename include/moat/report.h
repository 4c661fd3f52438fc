/* Reports of findings: text, JSON, SARIF 2.1.0 and JUnit XML. */
#ifndef MOAT_REPORT_H
#define MOAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "err.h"
#include "findings.h"
#include "scan.h"

enum moat_report_format {
    MOAT_REPORT_TEXT,
    MOAT_REPORT_JSON,
    MOAT_REPORT_SARIF,
    MOAT_REPORT_JUNIT,
};

struct moat_report {
    const struct moat_findings *findings; /* sorted */
    const struct moat_rule_meta *const *rules;
    size_t nrules;
    const struct moat_scan_stats *stats;
    const char *root;      /* what was scanned, as the user named it */
    enum moat_sev fail_on; /* the gate's threshold */
    bool gate_failed;
    bool color;        /* text: ANSI colours */
    bool show_secrets; /* print finding->secret where set */
};

/* "text|json|sarif|junit"; returns 0 or MOAT_EINVAL. */
MOAT_NODISCARD int moat_report_parse_format(const char *s, enum moat_report_format *out);
/* Write the report to f. Returns 0 or MOAT_EIO. */
MOAT_NODISCARD int moat_report_write(enum moat_report_format fmt, const struct moat_report *r,
                                     FILE *f, struct moat_err *err);

#endif
