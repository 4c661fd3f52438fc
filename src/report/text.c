/* The text report for people: findings grouped by file, the fix for each rule
 * once, then a summary and the gate's verdict. Everything that came from the
 * scanned files is escaped, so a hostile file name cannot drive the terminal. */
#include <stdio.h>
#include <string.h>
#include "core/core.h"
#include "report/report.h"
#include "core/banned.h"

#define BOLD  "\033[1m"
#define DIM   "\033[2m"
#define RED   "\033[31m"
#define GREEN "\033[32m"
#define YEL   "\033[33m"
#define CYAN  "\033[36m"
#define RESET "\033[0m"

/* Codes a terminal may act on: C1 controls, and the bidirectional overrides
 * that make text display in another order than it reads (Trojan Source). */
static bool unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Write s with control bytes and invalid UTF-8 as \xNN and unsafe code
 * points as \u{NNNN}. With indent, a newline starts an indented line instead
 * of being escaped (for multi-line fix text). */
static void put_safe(FILE *f, const char *s, const char *indent)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = report_utf8_next(p + i, len - i, &cp);

        if (cp == '\n' && indent)
            fprintf(f, "\n%s", indent);
        else if (cp == REPORT_UTF8_INVALID || cp < 0x20 || cp == 0x7f)
            fprintf(f, "\\x%02x", p[i]);
        else if (unsafe_cp(cp))
            fprintf(f, "\\u{%04x}", (unsigned)cp);
        else
            fwrite(p + i, 1, n, f);
        i += n;
    }
}

static const char *color(const struct moat_report *r, const char *code)
{
    return r->color ? code : "";
}

static const char *sev_color(enum moat_sev s)
{
    switch (s) {
    case MOAT_SEV_CRITICAL: return BOLD RED;
    case MOAT_SEV_HIGH: return RED;
    case MOAT_SEV_MEDIUM: return YEL;
    case MOAT_SEV_LOW: return CYAN;
    case MOAT_SEV_INFO: return DIM;
    }
    return "";
}

static void format_loc(const struct moat_finding *fd, char *out, size_t n)
{
    int rc;

    if (fd->line && fd->col)
        rc = moat_snprintf(out, n, "%u:%u", fd->line, fd->col);
    else if (fd->line)
        rc = moat_snprintf(out, n, "%u", fd->line);
    else
        rc = moat_snprintf(out, n, "-");
    if (rc != 0)
        MOAT_BUG("location buffer too small for two unsigned ints");
}

static void write_finding(const struct moat_report *r, const struct moat_finding *fd, int locw,
                          FILE *f)
{
    const struct moat_rule_meta *rule = report_find_rule(r, fd->rule_id);
    const char *title = fd->title ? fd->title : rule ? rule->title : NULL;
    const char *pad = "  ";
    char loc[32];

    format_loc(fd, loc, sizeof(loc));
    fprintf(f, "%s%-*s  %s%-8s%s  %s", pad, locw, loc, color(r, sev_color(fd->sev)),
            moat_sev_name(fd->sev), color(r, RESET), fd->rule_id ? "" : "(no rule)");
    if (fd->rule_id)
        put_safe(f, fd->rule_id, NULL);
    if (title) {
        fputs("  ", f);
        put_safe(f, title, NULL);
    }
    fputc('\n', f);

    /* Detail lines line up under the severity. */
    pad = "    ";
    if (fd->message && (!title || strcmp(fd->message, title) != 0)) {
        fprintf(f, "%s%*s", pad, locw, "");
        put_safe(f, fd->message, NULL);
        fputc('\n', f);
    }
    if (r->show_secrets && fd->secret) {
        fprintf(f, "%s%*s%svalue:%s ", pad, locw, "", color(r, DIM), color(r, RESET));
        put_safe(f, fd->secret, NULL);
        fputc('\n', f);
    } else if (fd->redacted) {
        fprintf(f, "%s%*s%svalue:%s ", pad, locw, "", color(r, DIM), color(r, RESET));
        put_safe(f, fd->redacted, NULL);
        fputc('\n', f);
    }
    if (fd->commit || fd->author || fd->date) {
        fprintf(f, "%s%*s%s", pad, locw, "", color(r, DIM));
        if (fd->commit) {
            /* 12 hex digits name a commit unambiguously in practice. */
            char shortc[13];
            if (moat_snprintf(shortc, sizeof(shortc), "%.12s", fd->commit) != 0)
                MOAT_BUG("short commit buffer");
            fputs("commit ", f);
            put_safe(f, shortc, NULL);
        }
        if (fd->author) {
            fputs(fd->commit ? " by " : "by ", f);
            put_safe(f, fd->author, NULL);
            if (fd->email) {
                fputs(" <", f);
                put_safe(f, fd->email, NULL);
                fputc('>', f);
            }
        }
        if (fd->date) {
            fputs(fd->commit || fd->author ? " on " : "on ", f);
            put_safe(f, fd->date, NULL);
        }
        fprintf(f, "%s\n", color(r, RESET));
    }
}

/* The fix for each rule, once, in the order the rules first appear. */
static void write_fixes(const struct moat_report *r, FILE *f)
{
    const struct moat_findings *fs = r->findings;
    struct moat_map seen;
    bool any = false;

    moat_map_init(&seen);
    for (size_t i = 0; i < fs->n; i++) {
        const struct moat_finding *fd = fs->v[i];

        if (!fd->rule_id || !fd->fix || moat_map_get(&seen, fd->rule_id, strlen(fd->rule_id)))
            continue;
        moat_map_put(&seen, fd->rule_id, strlen(fd->rule_id), (void *)fd);
        if (!any)
            fprintf(f, "%sHow to fix:%s\n", color(r, BOLD), color(r, RESET));
        any = true;
        fputs("  ", f);
        put_safe(f, fd->rule_id, NULL);
        fputs(": ", f);
        put_safe(f, fd->fix, "    ");
        fputc('\n', f);
    }
    if (any)
        fputc('\n', f);
    moat_map_release(&seen, NULL);
}

static void human_bytes(size_t n, char *out, size_t len)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    size_t u = 0;
    int rc;

    if (n < 1024) {
        rc = moat_snprintf(out, len, "%zu bytes", n);
    } else {
        v /= 1024;
        while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
            v /= 1024;
            u++;
        }
        rc = moat_snprintf(out, len, "%.1f %s", v, units[u]);
    }
    if (rc != 0)
        MOAT_BUG("byte count buffer too small");
}

static void write_summary(const struct moat_report *r, FILE *f)
{
    size_t nsev[MOAT_SEV_CRITICAL + 1] = { 0 };
    size_t n = report_nfindings(r), failing = report_failing(r);
    const struct moat_scan_stats *st = r->stats;

    for (size_t i = 0; i < n; i++)
        if ((unsigned)r->findings->v[i]->sev <= MOAT_SEV_CRITICAL)
            nsev[r->findings->v[i]->sev]++;
    if (n == 0)
        fprintf(f, "%sNo findings.%s\n", color(r, BOLD), color(r, RESET));
    else
        fprintf(f, "%zu finding%s: %zu critical, %zu high, %zu medium, %zu low, %zu info\n", n,
                n == 1 ? "" : "s", nsev[MOAT_SEV_CRITICAL], nsev[MOAT_SEV_HIGH],
                nsev[MOAT_SEV_MEDIUM], nsev[MOAT_SEV_LOW], nsev[MOAT_SEV_INFO]);
    if (st) {
        char bytes[32];

        human_bytes(st->bytes, bytes, sizeof(bytes));
        fputs("scanned ", f);
        if (r->root) {
            put_safe(f, r->root, NULL);
            fputs(": ", f);
        }
        fprintf(f, "%zu file%s", st->files, st->files == 1 ? "" : "s");
        if (st->commits)
            fprintf(f, " from %zu commit%s", st->commits, st->commits == 1 ? "" : "s");
        fprintf(f, ", %s in %.2f s", bytes, st->seconds);
        if (st->skipped)
            fprintf(f, "; %zu skipped", st->skipped);
        if (st->errors)
            fprintf(f, "; %s%zu could not be scanned%s", color(r, YEL), st->errors,
                    color(r, RESET));
        fputc('\n', f);
    }
    if (r->findings && (r->findings->suppressed_inline || r->findings->suppressed_baseline))
        fprintf(f, "suppressed: %zu by inline ignores, %zu by the baseline\n",
                r->findings->suppressed_inline, r->findings->suppressed_baseline);
    if (r->gate_failed && failing)
        fprintf(f, "gate: %sFAILED%s (%zu finding%s at or above %s)\n", color(r, BOLD RED),
                color(r, RESET), failing, failing == 1 ? "" : "s", moat_sev_name(r->fail_on));
    else if (r->gate_failed)
        fprintf(f, "gate: %sFAILED%s\n", color(r, BOLD RED), color(r, RESET));
    else
        fprintf(f, "gate: %spassed%s (nothing at or above %s)\n", color(r, BOLD GREEN),
                color(r, RESET), moat_sev_name(r->fail_on));
}

int report_write_text(const struct moat_report *r, FILE *f, struct moat_err *err)
{
    size_t n = report_nfindings(r);
    int locw = 1;

    for (size_t i = 0; i < n; i++) {
        char loc[32];
        int w;

        format_loc(r->findings->v[i], loc, sizeof(loc));
        w = (int)strlen(loc);
        locw = w > locw ? w : locw;
    }
    for (size_t i = 0; i < n; i++) {
        const struct moat_finding *fd = r->findings->v[i];
        const char *prev = i ? r->findings->v[i - 1]->path : NULL;
        const char *path = fd->path ? fd->path : "(no file)";

        /* Findings are sorted by path, so a group starts where it changes. */
        if (i == 0 || strcmp(prev ? prev : "(no file)", path) != 0) {
            if (i)
                fputc('\n', f);
            fputs(color(r, BOLD), f);
            put_safe(f, path, NULL);
            fprintf(f, "%s\n", color(r, RESET));
        }
        write_finding(r, fd, locw, f);
    }
    if (n) {
        fputc('\n', f);
        write_fixes(r, f);
    }
    write_summary(r, f);
    return report_finish(f, "text", err);
}
