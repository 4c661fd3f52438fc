/* Leveled logging to stderr. The level is checked before formatting, so a
 * disabled MOAT_LOG costs one comparison. Findings never go to the log, and
 * values that may be secret go through moat_redact() first. */
#ifndef MOAT_LOG_H
#define MOAT_LOG_H

#include <stddef.h>
#include "err.h"

enum moat_log_level {
    MOAT_LOG_ERROR,
    MOAT_LOG_WARN,
    MOAT_LOG_INFO,
    MOAT_LOG_DEBUG,
    MOAT_LOG_TRACE,
};

extern enum moat_log_level moat_log_level;

void moat_log_set_level(enum moat_log_level lvl);
/* Parse "error|warn|info|debug|trace"; returns 0 or MOAT_EINVAL. */
MOAT_NODISCARD int moat_log_parse_level(const char *s, enum moat_log_level *out);
void moat_log_write(enum moat_log_level lvl, const char *subsys, const char *fmt, ...)
    MOAT_PRINTF(3, 4);

#define MOAT_LOG(lvl, subsys, ...)                                                                 \
    do {                                                                                           \
        if (MOAT_LOG_##lvl <= moat_log_level)                                                      \
            moat_log_write(MOAT_LOG_##lvl, (subsys), __VA_ARGS__);                                 \
    } while (0)

/* Write a redacted form of a possibly secret value into out (first 4
 * characters, then "…(N chars)"); never more than outlen bytes. */
void moat_redact(const char *val, size_t len, char *out, size_t outlen);

#endif
