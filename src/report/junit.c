/* The JUnit XML report for CI test views: one testcase per finding, failed
 * when it fails the gate, skipped when it is below the threshold. Every
 * string is escaped into well-formed XML 1.0, whatever bytes it holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "report/report.h"
#include "core/banned.h"

/* XML 1.0 allows tab, newline, carriage return and these ranges only. */
static bool xml_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Write s escaped for XML character data or an attribute value (attr: also
 * tab and newline).
 * What XML cannot hold, and invalid UTF-8, becomes U+FFFD. */
static void put_xml(FILE *f, const char *s, bool attr)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = report_utf8_next(p + i, len - i, &cp);

        if (cp == REPORT_UTF8_INVALID || !xml_char_ok(cp)) {
            fputs("\xef\xbf\xbd", f);
        } else {
            switch (cp) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            /* ">" only matters in "]]>", but escaping it always is simpler. */
            case '>': fputs("&gt;", f); break;
            case '"': fputs("&quot;", f); break;
            case '\'': fputs("&apos;", f); break;
            /* A parser turns a raw CR into LF, and whitespace in attributes
             * into spaces: character references keep them. */
            case '\r': fputs("&#13;", f); break;
            case '\t':
            case '\n':
                if (attr)
                    fprintf(f, "&#%u;", (unsigned)cp);
                else
                    fputc((int)cp, f);
                break;
            default: fwrite(p + i, 1, n, f);
            }
        }
        i += n;
    }
}

static void attr(FILE *f, const char *name, const char *val)
{
    fprintf(f, " %s=\"", name);
    put_xml(f, val, true);
    fputc('"', f);
}

/* "label: value" lines of a finding's details, never the raw secret: JUnit
 * files are archived and shown by the CI server. */
static void detail(FILE *f, const char *label, const char *val)
{
    if (!val)
        return;
    fprintf(f, "%s: ", label);
    put_xml(f, val, false);
    fputc('\n', f);
}

static void write_details(const struct moat_finding *fd, FILE *f)
{
    char where[64] = "";
    int rc = 0;

    if (fd->line && fd->col)
        rc = moat_snprintf(where, sizeof(where), ":%u:%u", fd->line, fd->col);
    else if (fd->line)
        rc = moat_snprintf(where, sizeof(where), ":%u", fd->line);
    if (rc != 0)
        MOAT_BUG("location buffer too small for two unsigned ints");
    detail(f, "rule", fd->rule_id);
    detail(f, "title", fd->title);
    detail(f, "message", fd->message);
    if (fd->path) {
        fputs("location: ", f);
        put_xml(f, fd->path, false);
        fprintf(f, "%s\n", where);
    }
    fprintf(f, "severity: %s, confidence: %s\n", moat_sev_name(fd->sev), moat_conf_name(fd->conf));
    detail(f, "value", fd->redacted);
    detail(f, "commit", fd->commit);
    detail(f, "author", fd->author);
    detail(f, "date", fd->date);
    detail(f, "cwe", fd->cwe);
    if (fd->fingerprint[0])
        detail(f, "fingerprint", fd->fingerprint);
    detail(f, "fix", fd->fix);
}

static void write_testcase(const struct moat_report *r, const struct moat_finding *fd, FILE *f)
{
    const char *id = fd->rule_id ? fd->rule_id : "unknown";
    const char *msg = fd->message ? fd->message : fd->title ? fd->title : id;
    char *name = fd->line ? moat_asprintf("%s at line %u", id, fd->line) : moat_strdup(id);

    fputs("    <testcase", f);
    attr(f, "classname", fd->path ? fd->path : "(no file)");
    attr(f, "name", name);
    if (fd->path)
        attr(f, "file", fd->path);
    if (fd->line)
        fprintf(f, " line=\"%u\"", fd->line);
    fputs(" time=\"0\">\n", f);
    if (fd->sev >= r->fail_on) {
        fputs("      <failure", f);
        attr(f, "message", msg);
        attr(f, "type", moat_sev_name(fd->sev));
        fputs(">", f);
        write_details(fd, f);
        fputs("</failure>\n", f);
    } else {
        /* Reported but not failing the gate: a failure here would turn the
         * CI view red while the build passes. */
        char *why = moat_asprintf("%s: below the gate threshold (%s)", moat_sev_name(fd->sev),
                                  moat_sev_name(r->fail_on));
        fputs("      <skipped", f);
        attr(f, "message", why);
        fputs("/>\n      <system-out>", f);
        write_details(fd, f);
        fputs("</system-out>\n", f);
        free(why);
    }
    fputs("    </testcase>\n", f);
    free(name);
}

int report_write_junit(const struct moat_report *r, FILE *f, struct moat_err *err)
{
    size_t n = report_nfindings(r), failing = 0;
    double secs = r->stats ? r->stats->seconds : 0;

    for (size_t i = 0; i < n; i++)
        if (r->findings->v[i]->sev >= r->fail_on)
            failing++;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(
        f, "<testsuites name=\"moat\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
        n ? n : 1, failing, secs);
    fprintf(f,
            "  <testsuite name=\"moat\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"%zu\" time=\"%.3f\">\n",
            n ? n : 1, failing, n - failing, secs);
    fputs("    <properties>\n", f);
    if (r->root) {
        fputs("      <property name=\"root\"", f);
        attr(f, "value", r->root);
        fputs("/>\n", f);
    }
    fprintf(f, "      <property name=\"fail_on\" value=\"%s\"/>\n    </properties>\n",
            moat_sev_name(r->fail_on));
    for (size_t i = 0; i < n; i++)
        write_testcase(r, r->findings->v[i], f);
    /* A suite with no testcase is hidden by some CI servers: show that the
     * scan ran and passed. */
    if (n == 0)
        fputs("    <testcase classname=\"moat\" name=\"moat scan\" time=\"0\"/>\n", f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    return report_finish(f, "JUnit", err);
}
