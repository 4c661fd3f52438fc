/* Internal interface of the reporters: one writer per format, and the helpers
 * they share (UTF-8 decoding for sanitizing, jansson wrappers, rule lookup,
 * write-error checking). Other subsystems use include/moat/report.h only. */
#ifndef MOAT_REPORT_INTERNAL_H
#define MOAT_REPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <moat/report.h>

/* Each writer: write r to f. Returns 0 or MOAT_EIO. */
MOAT_NODISCARD int report_write_text(const struct moat_report *r, FILE *f, struct moat_err *err);
MOAT_NODISCARD int report_write_json(const struct moat_report *r, FILE *f, struct moat_err *err);
MOAT_NODISCARD int report_write_sarif(const struct moat_report *r, FILE *f, struct moat_err *err);
MOAT_NODISCARD int report_write_junit(const struct moat_report *r, FILE *f, struct moat_err *err);

/* The replacement for what cannot be shown as it is (U+FFFD). */
#define REPORT_UTF8_INVALID UINT32_MAX

/* Decode the UTF-8 character at s (len > 0 bytes left). Sets *cp to the code
 * point, or to REPORT_UTF8_INVALID for a byte that does not start a valid,
 * shortest-form, non-surrogate sequence. Returns the bytes consumed (>= 1). */
size_t report_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/* A jansson string of s (not NULL); invalid UTF-8 becomes U+FFFD, since
 * paths are bytes and jansson refuses what is not UTF-8. Aborts on OOM. */
json_t *report_jstr(const char *s);
/* obj[key] = val (stealing val); aborts on OOM. */
void report_jset(json_t *obj, const char *key, json_t *val);
/* obj[key] = s, unless s is NULL: unknown fields are omitted, not null. */
void report_jset_str(json_t *obj, const char *key, const char *s);
void report_jappend(json_t *arr, json_t *val);
json_t *report_jobj(void);
json_t *report_jarr(void);
json_t *report_jint(long long v);
/* Set a dependency finding's fields (ecosystem, package, version, advisory,
 * aliases, fixed, cvss, cvss_score, dependency, dev) on o; nothing if d is
 * NULL. The JSON report and SARIF properties carry the same fields. */
void report_jset_dep(json_t *o, const struct moat_finding_dep *d);

/* json_dumpf with the project's flags, a final newline, then the stream
 * check. Returns 0 or MOAT_EIO. */
MOAT_NODISCARD int report_json_dump(json_t *j, FILE *f, const char *what, struct moat_err *err);
/* Flush f and check it for write errors. Returns 0 or MOAT_EIO. */
MOAT_NODISCARD int report_finish(FILE *f, const char *what, struct moat_err *err);

/* The rule metadata for id among r->rules, or NULL. */
const struct moat_rule_meta *report_find_rule(const struct moat_report *r, const char *id);
/* Number of findings (r->findings may be NULL: no findings). */
size_t report_nfindings(const struct moat_report *r);
/* Findings at or above r->fail_on. */
size_t report_failing(const struct moat_report *r);

#endif
