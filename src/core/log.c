/* Leveled logging to stderr, and redaction of values that may be secret. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "core.h"
#include "banned.h"

enum moat_log_level moat_log_level = MOAT_LOG_INFO;

static const char *const level_names[] = { "error", "warning", "info", "debug", "trace" };

void moat_log_set_level(enum moat_log_level lvl)
{
    moat_log_level = lvl;
}

int moat_log_parse_level(const char *s, enum moat_log_level *out)
{
    static const char *const names[] = { "error", "warn", "info", "debug", "trace" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (enum moat_log_level)i;
            return 0;
        }
    }
    return MOAT_EINVAL;
}

void moat_log_write(enum moat_log_level lvl, const char *subsys, const char *fmt, ...)
{
    va_list ap;
    char line[1024];

    va_start(ap, fmt);
    if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
        line[0] = '\0';
    va_end(ap);
    /* One fprintf per line keeps lines whole when workers log together. */
    fprintf(stderr, "moat: %s: %s: %s\n", level_names[lvl], subsys, line);
}

void moat_redact(const char *val, size_t len, char *out, size_t outlen)
{
    size_t show = len >= 16 ? 4 : len >= 8 ? 2 : 0;
    int n;

    if (outlen == 0)
        return;
    n = snprintf(out, outlen, "%.*s****(%zu chars)", (int)show, val, len);
    if (n < 0)
        out[0] = '\0';
}
