/* The reporters' entry points: format names, dispatch to one writer per
 * format, and the helpers every writer shares (UTF-8 decoding, jansson
 * wrappers that abort on out-of-memory, write-error checks). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/core.h"
#include "report/report.h"
#include "core/banned.h"

static const char *const format_names[] = {
    [MOAT_REPORT_TEXT] = "text",
    [MOAT_REPORT_JSON] = "json",
    [MOAT_REPORT_SARIF] = "sarif",
    [MOAT_REPORT_JUNIT] = "junit",
};

int moat_report_parse_format(const char *s, enum moat_report_format *out)
{
    if (!s)
        return MOAT_EINVAL;
    for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
        if (strcasecmp(s, format_names[i]) == 0) {
            *out = (enum moat_report_format)i;
            return 0;
        }
    }
    return MOAT_EINVAL;
}

int moat_report_write(enum moat_report_format fmt, const struct moat_report *r, FILE *f,
                      struct moat_err *err)
{
    if (!r || !f)
        return moat_err_set(err, MOAT_EINVAL, "report: no report or no stream");
    switch (fmt) {
    case MOAT_REPORT_TEXT: return report_write_text(r, f, err);
    case MOAT_REPORT_JSON: return report_write_json(r, f, err);
    case MOAT_REPORT_SARIF: return report_write_sarif(r, f, err);
    case MOAT_REPORT_JUNIT: return report_write_junit(r, f, err);
    }
    return moat_err_set(err, MOAT_EINVAL, "report: unknown format %d", (int)fmt);
}

size_t report_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t n;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        c &= 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        goto bad;
    }
    if (len < n)
        goto bad;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            goto bad;
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not
     * UTF-8: a consumer that decodes them leniently could be fooled. */
    if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        goto bad;
    *cp = c;
    return n;
bad:
    /* Resynchronize on the next byte so one bad byte costs one U+FFFD. */
    *cp = REPORT_UTF8_INVALID;
    return 1;
}

static void *oom(void *p)
{
    if (!p)
        MOAT_BUG("jansson: out of memory");
    return p;
}

json_t *report_jstr(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    struct moat_buf b;
    json_t *j;

    j = json_stringn(s, len);
    if (j)
        return j;
    /* Not valid UTF-8 (a file name is any bytes): replace what is not. Each
     * byte becomes at most the 3 bytes of U+FFFD, so the cap always holds. */
    moat_buf_init(&b, 3 * len);
    while (i < len) {
        uint32_t cp;
        size_t n = report_utf8_next(p + i, len - i, &cp);

        if (cp == REPORT_UTF8_INVALID) {
            if (moat_buf_addstr(&b, "\xef\xbf\xbd") != 0)
                MOAT_BUG("sanitized string over its bound");
        } else if (moat_buf_add(&b, p + i, n) != 0) {
            MOAT_BUG("sanitized string over its bound");
        }
        i += n;
    }
    j = oom(json_stringn(b.data, b.len));
    moat_buf_release(&b);
    return j;
}

void report_jset(json_t *obj, const char *key, json_t *val)
{
    if (json_object_set_new(obj, key, oom(val)) != 0)
        MOAT_BUG("jansson: out of memory");
}

void report_jset_str(json_t *obj, const char *key, const char *s)
{
    if (s)
        report_jset(obj, key, report_jstr(s));
}

void report_jappend(json_t *arr, json_t *val)
{
    if (json_array_append_new(arr, oom(val)) != 0)
        MOAT_BUG("jansson: out of memory");
}

json_t *report_jobj(void)
{
    return oom(json_object());
}

json_t *report_jarr(void)
{
    return oom(json_array());
}

json_t *report_jint(long long v)
{
    return oom(json_integer(v));
}

void report_jset_dep(json_t *o, const struct moat_finding_dep *d)
{
    json_t *aliases = report_jarr();

    if (!d) {
        json_decref(aliases);
        return;
    }
    report_jset_str(o, "ecosystem", d->ecosystem);
    report_jset_str(o, "package", d->package);
    report_jset_str(o, "version", d->version);
    report_jset_str(o, "advisory", d->advisory);
    for (size_t i = 0; i < d->naliases; i++)
        report_jappend(aliases, report_jstr(d->aliases[i]));
    report_jset(o, "aliases", aliases);
    report_jset_str(o, "fixed", d->fixed);
    report_jset_str(o, "cvss", d->cvss);
    /* one decimal, as CVSS scores are written */
    if (d->score >= 0)
        report_jset(o, "cvss_score", oom(json_real(round(d->score * 10.0) / 10.0)));
    report_jset_str(o, "dependency", d->direct ? "direct" : d->transitive ? "transitive" : NULL);
    if (d->dev)
        report_jset(o, "dev", json_true());
}

int report_finish(FILE *f, const char *what, struct moat_err *err)
{
    errno = 0;
    if (fflush(f) != 0 || ferror(f)) {
        int e = errno;
        return moat_err_set(err, MOAT_EIO, "writing the %s report: %s", what,
                            e ? strerror(e) : "write error");
    }
    return 0;
}

int report_json_dump(json_t *j, FILE *f, const char *what, struct moat_err *err)
{
    errno = 0;
    if (json_dumpf(j, f, JSON_SORT_KEYS | JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF)
        return moat_err_set(err, MOAT_EIO, "writing the %s report: %s", what,
                            errno ? strerror(errno) : "write error");
    return report_finish(f, what, err);
}

const struct moat_rule_meta *report_find_rule(const struct moat_report *r, const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < r->nrules; i++)
        if (r->rules[i] && r->rules[i]->id && strcmp(r->rules[i]->id, id) == 0)
            return r->rules[i];
    return NULL;
}

size_t report_nfindings(const struct moat_report *r)
{
    return r->findings ? r->findings->n : 0;
}

size_t report_failing(const struct moat_report *r)
{
    return r->findings ? moat_gate_count(r->findings, r->fail_on) : 0;
}
