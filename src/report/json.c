/* The JSON report: moat's own stable schema (docs/report-formats.md, version
 * 1). Unknown fields are omitted rather than written as null, so a consumer
 * tests for presence only. */
#include <math.h>
#include <string.h>
#include <moat/moat.h>
#include "core/core.h"
#include "report/report.h"
#include "core/banned.h"

/* Bump when a field changes meaning or disappears; adding fields does not. */
#define REPORT_JSON_VERSION 1

static json_t *finding_json(const struct moat_report *r, const struct moat_finding *fd)
{
    json_t *o = report_jobj();

    report_jset_str(o, "rule_id", fd->rule_id);
    report_jset_str(o, "analyzer", fd->analyzer);
    report_jset_str(o, "severity", moat_sev_name(fd->sev));
    report_jset_str(o, "confidence", moat_conf_name(fd->conf));
    report_jset_str(o, "title", fd->title);
    report_jset_str(o, "message", fd->message);
    report_jset_str(o, "path", fd->path);
    if (fd->line)
        report_jset(o, "line", report_jint(fd->line));
    if (fd->col)
        report_jset(o, "column", report_jint(fd->col));
    report_jset_str(o, "commit", fd->commit);
    report_jset_str(o, "author", fd->author);
    report_jset_str(o, "email", fd->email);
    report_jset_str(o, "date", fd->date);
    if (fd->fingerprint[0])
        report_jset_str(o, "fingerprint", fd->fingerprint);
    report_jset_str(o, "redacted", fd->redacted);
    if (r->show_secrets)
        report_jset_str(o, "secret", fd->secret);
    report_jset_str(o, "fix", fd->fix);
    report_jset_str(o, "cwe", fd->cwe);
    report_jset_dep(o, fd->dep);
    return o;
}

static json_t *summary_json(const struct moat_report *r)
{
    size_t nsev[MOAT_SEV_CRITICAL + 1] = { 0 };
    size_t n = report_nfindings(r);
    const struct moat_scan_stats *st = r->stats;
    json_t *o = report_jobj();

    for (size_t i = 0; i < n; i++)
        if ((unsigned)r->findings->v[i]->sev <= MOAT_SEV_CRITICAL)
            nsev[r->findings->v[i]->sev]++;
    report_jset(o, "total", report_jint((long long)n));
    for (int s = MOAT_SEV_INFO; s <= MOAT_SEV_CRITICAL; s++)
        report_jset(o, moat_sev_name((enum moat_sev)s), report_jint((long long)nsev[s]));
    report_jset(o, "suppressed_inline",
                report_jint(r->findings ? (long long)r->findings->suppressed_inline : 0));
    report_jset(o, "suppressed_baseline",
                report_jint(r->findings ? (long long)r->findings->suppressed_baseline : 0));
    report_jset(o, "suppressed_config",
                report_jint(r->findings ? (long long)r->findings->suppressed_config : 0));
    if (st) {
        report_jset(o, "files", report_jint((long long)st->files));
        report_jset(o, "bytes", report_jint((long long)st->bytes));
        report_jset(o, "skipped", report_jint((long long)st->skipped));
        report_jset(o, "errors", report_jint((long long)st->errors));
        report_jset(o, "commits", report_jint((long long)st->commits));
        /* Whole milliseconds: a JSON real would print as 0.10000000000000001. */
        report_jset(o, "duration_ms", report_jint(llround(st->seconds * 1000.0)));
    }
    return o;
}

int report_write_json(const struct moat_report *r, FILE *f, struct moat_err *err)
{
    json_t *root = report_jobj(), *tool = report_jobj(), *arr = report_jarr();
    json_t *gate = report_jobj();
    size_t n = report_nfindings(r);
    int rc;

    report_jset(root, "version", report_jint(REPORT_JSON_VERSION));
    report_jset_str(tool, "name", "moat");
    report_jset_str(tool, "version", moat_version());
    report_jset(root, "tool", tool);
    report_jset_str(root, "root", r->root);
    for (size_t i = 0; i < n; i++)
        report_jappend(arr, finding_json(r, r->findings->v[i]));
    report_jset(root, "findings", arr);
    report_jset(root, "summary", summary_json(r));
    report_jset_str(gate, "fail_on", moat_sev_name(r->fail_on));
    report_jset(gate, "passed", json_boolean(!r->gate_failed));
    report_jset(gate, "failing", report_jint((long long)report_failing(r)));
    report_jset(root, "gate", gate);

    rc = report_json_dump(root, f, "JSON", err);
    json_decref(root);
    return rc;
}
