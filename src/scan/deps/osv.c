/* OSV advisories in and out of the store's record format: a JSON advisory is
 * checked and boiled down to what matching and findings need (ids, summary,
 * one CVSS vector, SEMVER/ECOSYSTEM ranges, versions lists), and a stored
 * record is checked once and then walked in place without copying. */
#include <string.h>
#include <jansson.h>
#include "deps.h"
#include "core/core.h"
#include "core/banned.h"

#define MAX_ECOSYSTEM      64  /* bytes of an ecosystem name ("Debian:12") */
#define MAX_VECTOR         256 /* bytes of a CVSS vector */
#define MAX_DB_SEVERITY    16  /* bytes of a database's own severity word */
#define TITLE_FROM_DETAILS 160 /* bytes of details' first line used as summary */
#define MAX_TIME           64  /* bytes of a timestamp */

#define REC_WITHDRAWN     1u
#define AFF_INFORMATIONAL 1u

/* ---- timestamps ---- */

/* One to max digits at *p. */
static bool num(const char **p, int max, int *out)
{
    int v = 0, n = 0;

    while (n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (*(*p)++ - '0');
        n++;
    }
    *out = v;
    return n > 0;
}

static bool lit(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no time zone or libc locale is involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dm[m - 1];
}

/* RFC 3339, and the near misses real databases publish: one-digit fields
 * ("2015-07-24T0:41:41Z") and "T+1200Z" zones. */
int deps_osv_time_parse(const char *s, struct deps_osv_time *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    int32_t nsec = 0;
    int64_t off = 0;
    const char *p = s;

    if (!num(&p, 4, &y) || p - s != 4 || !lit(&p, '-') || !num(&p, 2, &mo) || !lit(&p, '-') ||
        !num(&p, 2, &d) || !(lit(&p, 'T') || lit(&p, 't') || lit(&p, ' ')) || !num(&p, 2, &h) ||
        !lit(&p, ':') || !num(&p, 2, &mi) || !lit(&p, ':') || !num(&p, 2, &sec))
        return MOAT_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return MOAT_EPARSE;
    if (lit(&p, '.')) {
        int32_t scale = 100000000;
        if (*p < '0' || *p > '9')
            return MOAT_EPARSE;
        for (; *p >= '0' && *p <= '9'; p++) {
            nsec += (*p - '0') * scale; /* digits past nanoseconds add nothing */
            scale /= 10;
        }
    }
    if (lit(&p, 'T')) {
        /* "T+1200Z": a zone after a stray T */
    }
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '+' ? 1 : -1;
        if (!num(&p, 2, &oh) || (!lit(&p, ':') && (*p < '0' || *p > '9')) || !num(&p, 2, &om) ||
            oh > 23 || om > 59)
            return MOAT_EPARSE;
        off = sign * (int64_t)(oh * 3600 + om * 60);
        if (lit(&p, 'Z') || lit(&p, 'z')) {
            /* "+1200Z" */
        }
    } else if (!lit(&p, 'Z') && !lit(&p, 'z')) {
        return MOAT_EPARSE;
    }
    if (*p)
        return MOAT_EPARSE;
    out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    out->nsec = nsec;
    return 0;
}

int deps_osv_time_cmp(const struct deps_osv_time *a, const struct deps_osv_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

void deps_osv_time_format(const struct deps_osv_time *t, char *out, size_t n)
{
    int64_t days = t->sec / 86400, rem = t->sec % 86400, z, era, doe, yoe, y, doy, mp, d, m;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil_from_days, the inverse of days_from_civil */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (moat_snprintf(out, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
                      (long long)m, (long long)d, (long long)(rem / 3600),
                      (long long)(rem / 60 % 60), (long long)(rem % 60)) != 0)
        out[0] = '\0';
}

/* ---- encoding ---- */

static int put_u8(struct moat_buf *b, unsigned v)
{
    return moat_buf_addch(b, (char)(unsigned char)v);
}

static int put_u32(struct moat_buf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    return moat_buf_add(b, x, 4);
}

static int put_str(struct moat_buf *b, const char *s, size_t len)
{
    int rc;

    if ((rc = put_u32(b, (uint32_t)len)) != 0 || (rc = moat_buf_add(b, s, len)) != 0)
        return rc;
    return moat_buf_addch(b, '\0');
}

static void set_u32(struct moat_buf *b, size_t at, uint32_t v)
{
    unsigned char *p = (unsigned char *)b->data + at;

    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* An id or alias: printable ASCII without spaces, so it is safe to print
 * and to use as a rule id. */
static bool valid_id(const char *s, size_t len)
{
    if (len == 0 || len > DEPS_OSV_MAX_ID)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* Length of s cut to at most max bytes at a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* The summary as stored: one line, control characters (terminal escapes)
 * shown as spaces, at most DEPS_OSV_MAX_SUMMARY bytes. Without a summary,
 * the first line of details stands in, shorter. */
static int put_summary(struct moat_buf *b, json_t *adv)
{
    json_t *v = json_object_get(adv, "summary");
    const char *s = "";
    size_t len = 0, max = DEPS_OSV_MAX_SUMMARY;
    size_t at = b->len;
    int rc;

    if (json_is_string(v) && json_string_length(v) > 0) {
        s = json_string_value(v);
        len = json_string_length(v);
    } else if (json_is_string(v = json_object_get(adv, "details"))) {
        s = json_string_value(v);
        len = strcspn(s, "\r\n");
        max = TITLE_FROM_DETAILS;
    }
    len = utf8_cut(s, len, max);
    if ((rc = put_str(b, s, len)) != 0)
        return rc;
    for (size_t i = at + 4; i < at + 4 + len; i++)
        if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
            b->data[i] = ' ';
    return 0;
}

static bool is_vector(json_t *v, const char *prefix)
{
    return json_is_string(v) && json_string_length(v) <= MAX_VECTOR &&
           moat_str_startswith(json_string_value(v), prefix) &&
           printable_ascii(json_string_value(v), json_string_length(v));
}

/* The vector to show for a list of OSV severity entries plus a
 * database_specific object: the first v3 vector moat can score, else the
 * first v4 vector, else none. */
static const char *pick_cvss(json_t *severity, json_t *dbspec)
{
    const char *v4 = NULL;
    double score;
    json_t *e, *cands[2];
    size_t i;

    json_array_foreach(severity, i, e)
    {
        json_t *sc = json_object_get(e, "score");
        if (is_vector(sc, "CVSS:3.") && deps_cvss3_score(json_string_value(sc), &score) == 0)
            return json_string_value(sc);
        if (!v4 && is_vector(sc, "CVSS:4.0/"))
            v4 = json_string_value(sc);
    }
    cands[0] = json_object_get(dbspec, "cvss");
    cands[1] = json_object_get(dbspec, "severity");
    for (i = 0; i < 2; i++) {
        if (is_vector(cands[i], "CVSS:3.") &&
            deps_cvss3_score(json_string_value(cands[i]), &score) == 0)
            return json_string_value(cands[i]);
        if (!v4 && is_vector(cands[i], "CVSS:4.0/"))
            v4 = json_string_value(cands[i]);
    }
    return v4;
}

static int put_opt(struct moat_buf *b, const char *s)
{
    return put_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* Optional member of an object that must be an array when present. */
static int get_array(json_t *obj, const char *key, json_t **out, const char *where,
                     struct moat_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v && !json_is_array(v) && !json_is_null(v))
        return moat_err_set(err, MOAT_EPARSE, "%s%s is not an array", where, key);
    *out = json_is_array(v) ? v : NULL;
    return 0;
}

static int encode_range(struct moat_buf *b, json_t *r, const char *where, struct moat_err *err)
{
    json_t *events, *e, *t = json_object_get(r, "type");
    static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
    size_t i;
    int rc;

    if ((rc = get_array(r, "events", &events, where, err)) != 0)
        return rc;
    if (json_array_size(events) > DEPS_OSV_MAX_EVENTS)
        return moat_err_set(err, MOAT_ETOOBIG, "%s: %zu events, over the limit of %u", where,
                            json_array_size(events), DEPS_OSV_MAX_EVENTS);
    if ((rc = put_u8(b, strcmp(json_string_value(t), "SEMVER") == 0 ? DEPS_RANGE_SEMVER
                                                                    : DEPS_RANGE_ECOSYSTEM)) != 0 ||
        (rc = put_u32(b, (uint32_t)json_array_size(events))) != 0)
        return rc;
    json_array_foreach(events, i, e)
    {
        const char *key;
        json_t *val = NULL, *ev = NULL;
        unsigned k = 4;

        if (!json_is_object(e) || json_object_size(e) != 1)
            return moat_err_set(err, MOAT_EPARSE, "%sevents[%zu] is not an object with one key",
                                where, i);
        json_object_foreach(e, key, ev)
        {
            for (unsigned j = 0; j < 4; j++)
                if (strcmp(key, kinds[j]) == 0)
                    k = j;
            val = ev;
        }
        if (k == 4)
            return moat_err_set(err, MOAT_EPARSE, "%sevents[%zu]: unknown event", where, i);
        if (!json_is_string(val) || json_string_length(val) == 0 ||
            json_string_length(val) > DEPS_MAX_VERSION)
            return moat_err_set(err, MOAT_EPARSE, "%sevents[%zu].%s is not a version", where, i,
                                kinds[k]);
        if ((rc = put_u8(b, k)) != 0 ||
            (rc = put_str(b, json_string_value(val), json_string_length(val))) != 0)
            return rc;
    }
    return 0;
}

static int encode_affected(struct moat_buf *b, json_t *a, size_t idx, struct moat_err *err)
{
    json_t *pkg = json_object_get(a, "package"), *eco, *name, *ranges, *versions, *r, *v, *dbspec;
    json_t *info;
    char where[64];
    size_t i, at, nranges = 0, nranges_at;
    int rc;

    if (moat_snprintf(where, sizeof(where), "affected[%zu].", idx) != 0)
        MOAT_BUG("short location buffer");
    eco = json_object_get(pkg, "ecosystem");
    name = json_object_get(pkg, "name");
    if (!json_is_string(eco) || json_string_length(eco) == 0 ||
        json_string_length(eco) > MAX_ECOSYSTEM ||
        !printable_ascii(json_string_value(eco), json_string_length(eco)))
        return moat_err_set(err, MOAT_EPARSE, "%spackage.ecosystem is missing or not a name",
                            where);
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) > DEPS_MAX_NAME)
        return moat_err_set(err, MOAT_EPARSE, "%spackage.name is missing or too long", where);
    if ((rc = get_array(a, "ranges", &ranges, where, err)) != 0 ||
        (rc = get_array(a, "versions", &versions, where, err)) != 0)
        return rc;
    if (json_array_size(ranges) > DEPS_OSV_MAX_RANGES)
        return moat_err_set(err, MOAT_ETOOBIG, "%sranges: %zu, over the limit of %u", where,
                            json_array_size(ranges), DEPS_OSV_MAX_RANGES);
    if (json_array_size(versions) > DEPS_OSV_MAX_VERSIONS)
        return moat_err_set(err, MOAT_ETOOBIG, "%sversions: %zu, over the limit of %u", where,
                            json_array_size(versions), DEPS_OSV_MAX_VERSIONS);
    dbspec = json_object_get(a, "database_specific");
    info = json_object_get(dbspec, "informational");
    at = b->len;
    if ((rc = put_u32(b, 0)) != 0 ||
        (rc = put_str(b, json_string_value(eco), json_string_length(eco))) != 0 ||
        (rc = put_str(b, json_string_value(name), json_string_length(name))) != 0 ||
        (rc = put_opt(b, pick_cvss(json_object_get(a, "severity"), dbspec))) != 0 ||
        (rc = put_u8(b, json_is_string(info) && json_string_length(info) ? AFF_INFORMATIONAL
                                                                         : 0)) != 0)
        return rc;
    nranges_at = b->len;
    if ((rc = put_u32(b, 0)) != 0)
        return rc;
    json_array_foreach(ranges, i, r)
    {
        json_t *t = json_object_get(r, "type");
        char rwhere[96];

        if (moat_snprintf(rwhere, sizeof(rwhere), "%sranges[%zu].", where, i) != 0)
            MOAT_BUG("short location buffer");
        if (!json_is_object(r) || !json_is_string(t))
            return moat_err_set(err, MOAT_EPARSE, "%s is not a range with a type", rwhere);
        /* GIT ranges need the repository's history; other types are not
         * defined yet. Neither can match a package version. */
        if (strcmp(json_string_value(t), "SEMVER") != 0 &&
            strcmp(json_string_value(t), "ECOSYSTEM") != 0)
            continue;
        if ((rc = encode_range(b, r, rwhere, err)) != 0)
            return rc;
        nranges++;
    }
    set_u32(b, nranges_at, (uint32_t)nranges);
    if ((rc = put_u32(b, (uint32_t)json_array_size(versions))) != 0)
        return rc;
    json_array_foreach(versions, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) > DEPS_MAX_VERSION)
            return moat_err_set(err, MOAT_EPARSE, "%sversions[%zu] is not a version", where, i);
        if ((rc = put_str(b, json_string_value(v), json_string_length(v))) != 0)
            return rc;
    }
    if (b->len - at - 4 > UINT32_MAX)
        return moat_err_set(err, MOAT_ETOOBIG, "%s: too big", where);
    set_u32(b, at, (uint32_t)(b->len - at - 4));
    return 0;
}

int deps_osv_encode(struct json_t *adv, struct moat_buf *rec, struct moat_err *err)
{
    json_t *id, *mod, *wd, *aliases, *affected, *v, *dbspec, *dbsev;
    size_t i, start = rec->len, naff = 0, naff_at, nal = 0, nal_at;
    const char *sev = NULL;
    int rc;

    if (!json_is_object(adv)) {
        rc = moat_err_set(err, MOAT_EPARSE, "not a JSON object");
        goto out;
    }
    id = json_object_get(adv, "id");
    mod = json_object_get(adv, "modified");
    wd = json_object_get(adv, "withdrawn");
    if (!json_is_string(id) || !valid_id(json_string_value(id), json_string_length(id))) {
        rc = moat_err_set(err, MOAT_EPARSE, "id is missing or not an advisory id");
        goto out;
    }
    /* a modified time that does not parse ("nullZ" is out there) does not
     * make the ranges wrong: the record is kept, as the oldest of its id */
    if (!json_is_string(mod) || json_string_length(mod) == 0 ||
        json_string_length(mod) > MAX_TIME) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: modified is missing", json_string_value(id));
        goto out;
    }
    if (wd && !json_is_null(wd) && !json_is_string(wd)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: withdrawn is not a time", json_string_value(id));
        goto out;
    }
    if ((rc = get_array(adv, "aliases", &aliases, "", err)) != 0 ||
        (rc = get_array(adv, "affected", &affected, "", err)) != 0)
        goto out;
    if (json_array_size(affected) > DEPS_OSV_MAX_AFFECTED ||
        json_array_size(aliases) > DEPS_OSV_MAX_ALIASES) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: too many affected or aliases entries",
                          json_string_value(id));
        goto out;
    }
    dbspec = json_object_get(adv, "database_specific");
    dbsev = json_object_get(dbspec, "severity");
    if (json_is_string(dbsev) && json_string_length(dbsev) <= MAX_DB_SEVERITY &&
        json_string_length(dbsev) > 0 &&
        strspn(json_string_value(dbsev), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == json_string_length(dbsev))
        sev = json_string_value(dbsev);
    if ((rc = put_u8(rec, json_is_string(wd) ? REC_WITHDRAWN : 0)) != 0 ||
        (rc = put_str(rec, json_string_value(id), json_string_length(id))) != 0 ||
        (rc = put_str(rec, json_string_value(mod), json_string_length(mod))) != 0 ||
        (rc = put_summary(rec, adv)) != 0 ||
        (rc = put_opt(rec, pick_cvss(json_object_get(adv, "severity"), dbspec))) != 0 ||
        (rc = put_opt(rec, sev)) != 0)
        goto toobig;
    nal_at = rec->len;
    if ((rc = put_u32(rec, 0)) != 0)
        goto toobig;
    json_array_foreach(aliases, i, v)
    {
        if (!json_is_string(v)) {
            rc = moat_err_set(err, MOAT_EPARSE, "%s: aliases[%zu] is not a string",
                              json_string_value(id), i);
            goto out;
        }
        /* an alias that is not a plain id is left out, not a reason to drop
         * the advisory */
        if (!valid_id(json_string_value(v), json_string_length(v)))
            continue;
        if ((rc = put_str(rec, json_string_value(v), json_string_length(v))) != 0)
            goto toobig;
        nal++;
    }
    set_u32(rec, nal_at, (uint32_t)nal);
    naff_at = rec->len;
    if ((rc = put_u32(rec, 0)) != 0)
        goto toobig;
    json_array_foreach(affected, i, v)
    {
        struct moat_err aerr = { 0, "" };
        if (!json_is_object(v)) {
            rc = moat_err_set(err, MOAT_EPARSE, "%s: affected[%zu] is not an object",
                              json_string_value(id), i);
            goto out;
        }
        /* entries without a package (GIT-only, for C libraries) cannot
         * match a package version */
        if (!json_object_get(v, "package"))
            continue;
        if ((rc = encode_affected(rec, v, i, &aerr)) != 0) {
            if (rc == MOAT_ETOOBIG && !aerr.msg[0])
                goto toobig;
            rc = moat_err_set(err, rc, "%s: %s", json_string_value(id), aerr.msg);
            goto out;
        }
        naff++;
    }
    set_u32(rec, naff_at, (uint32_t)naff);
    rc = 0;
    goto out;
toobig:
    rc = moat_err_set(err, rc, "%s: record over %zu bytes", json_string_value(id), rec->max);
out:
    if (rc != 0)
        rec->len = start; /* nothing half-written stays behind */
    if (rec->len < rec->cap)
        rec->data[rec->len] = '\0';
    return rc;
}

/* Nesting depth of a JSON text, counted before jansson builds the tree (its
 * own limit is 2048 levels). */
static bool depth_ok(const char *s, size_t len, int max)
{
    int depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

int deps_osv_encode_text(const char *text, size_t len, struct moat_buf *rec, struct moat_err *err)
{
    json_error_t jerr;
    json_t *j = NULL;
    int rc;

    if (len > DEPS_OSV_MAX_RECORD) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%zu bytes, over the limit of %u", len,
                          DEPS_OSV_MAX_RECORD);
        goto out;
    }
    if (!depth_ok(text, len, DEPS_MAX_DEPTH)) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "nested deeper than %d levels", DEPS_MAX_DEPTH);
        goto out;
    }
    if (!(j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
        rc = moat_err_set(err, MOAT_EPARSE, "not valid JSON: %s (column %d)", jerr.text,
                          jerr.column);
        goto out;
    }
    rc = deps_osv_encode(j, rec, err);
out:
    json_decref(j);
    return rc;
}

/* ---- decoding ---- */

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct rd {
    const unsigned char *p, *end;
    bool bad;
};

static unsigned rd_u8(struct rd *r)
{
    if (r->bad || r->end - r->p < 1) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

static uint32_t rd_u32(struct rd *r)
{
    uint32_t v;

    if (r->bad || r->end - r->p < 4) {
        r->bad = true;
        return 0;
    }
    v = get_u32(r->p);
    r->p += 4;
    return v;
}

/* A stored string: its length, its bytes without a NUL, then a NUL. */
static const char *rd_str(struct rd *r, size_t max)
{
    uint32_t n = rd_u32(r);
    const char *s;

    if (r->bad || n > max || (size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != '\0' ||
        memchr(r->p, '\0', n)) {
        r->bad = true;
        return "";
    }
    s = (const char *)r->p;
    r->p += n + 1;
    return s;
}

static bool check_affected(struct rd *r)
{
    uint32_t blen = rd_u32(r), nranges, nversions;
    const unsigned char *end;
    const char *eco;

    if (r->bad || blen > (size_t)(r->end - r->p))
        return false;
    end = r->p + blen;
    eco = rd_str(r, MAX_ECOSYSTEM);
    if (!*eco || !*rd_str(r, DEPS_MAX_NAME))
        return false;
    rd_str(r, MAX_VECTOR);
    if (rd_u8(r) > AFF_INFORMATIONAL || (nranges = rd_u32(r)) > DEPS_OSV_MAX_RANGES)
        return false;
    for (uint32_t i = 0; i < nranges && !r->bad; i++) {
        uint32_t nev;
        if (rd_u8(r) > DEPS_RANGE_ECOSYSTEM || (nev = rd_u32(r)) > DEPS_OSV_MAX_EVENTS)
            return false;
        for (uint32_t k = 0; k < nev && !r->bad; k++)
            if (rd_u8(r) > DEPS_EV_LIMIT || !*rd_str(r, DEPS_MAX_VERSION))
                return false;
    }
    if ((nversions = rd_u32(r)) > DEPS_OSV_MAX_VERSIONS)
        return false;
    for (uint32_t i = 0; i < nversions && !r->bad; i++)
        rd_str(r, DEPS_MAX_VERSION);
    return !r->bad && r->p == end;
}

int deps_rec_decode(const unsigned char *p, size_t len, struct deps_rec *out)
{
    struct rd r = { p, p + len, false };
    struct deps_rec d;
    unsigned flags;

    memset(&d, 0, sizeof(d));
    flags = rd_u8(&r);
    d.withdrawn = (flags & REC_WITHDRAWN) != 0;
    d.id = rd_str(&r, DEPS_OSV_MAX_ID);
    d.modified = rd_str(&r, MAX_TIME);
    d.summary = rd_str(&r, DEPS_OSV_MAX_SUMMARY);
    d.cvss = rd_str(&r, MAX_VECTOR);
    d.db_severity = rd_str(&r, MAX_DB_SEVERITY);
    if (r.bad || flags > REC_WITHDRAWN || !d.id[0] || !d.modified[0])
        return MOAT_EPARSE;
    d.naliases = rd_u32(&r);
    d.aliases = r.p;
    if (d.naliases > DEPS_OSV_MAX_ALIASES)
        return MOAT_EPARSE;
    for (size_t i = 0; i < d.naliases && !r.bad; i++)
        rd_str(&r, DEPS_OSV_MAX_ID);
    d.naffected = rd_u32(&r);
    d.affected = r.p;
    if (r.bad || d.naffected > DEPS_OSV_MAX_AFFECTED)
        return MOAT_EPARSE;
    for (size_t i = 0; i < d.naffected; i++)
        if (!check_affected(&r))
            return MOAT_EPARSE;
    if (r.p != r.end)
        return MOAT_EPARSE;
    d.end = r.end;
    *out = d;
    return 0;
}

/* The cursors below run over a record deps_rec_decode accepted, so the
 * lengths they read are known to be in bounds. */
static const char *cur_str(const unsigned char **cur)
{
    uint32_t n = get_u32(*cur);
    const char *s = (const char *)*cur + 4;

    *cur += 4 + (size_t)n + 1;
    return s;
}

const char *deps_rec_alias(const struct deps_rec *r, const unsigned char **cur)
{
    (void)r;
    return cur_str(cur);
}

void deps_rec_affected_next(const unsigned char **cur, struct deps_rec_affected *out)
{
    const unsigned char *p = *cur;
    uint32_t blen = get_u32(p);

    p += 4;
    out->end = p + blen;
    out->ecosystem = cur_str(&p);
    out->name = cur_str(&p);
    out->cvss = cur_str(&p);
    out->informational = (*p++ & AFF_INFORMATIONAL) != 0;
    out->nranges = get_u32(p);
    p += 4;
    out->ranges = p;
    for (size_t i = 0; i < out->nranges; i++) {
        struct deps_rec_range rg;
        deps_rec_range_next(&p, &rg);
    }
    out->nversions = get_u32(p);
    out->versions = p + 4;
    *cur = out->end;
}

void deps_rec_affected_at(const struct deps_rec *r, size_t i, struct deps_rec_affected *out)
{
    const unsigned char *p = r->affected;

    if (i >= r->naffected)
        MOAT_BUG("affected index out of range");
    for (size_t k = 0; k < i; k++)
        p += 4 + (size_t)get_u32(p);
    deps_rec_affected_next(&p, out);
}

void deps_rec_range_next(const unsigned char **cur, struct deps_rec_range *out)
{
    const unsigned char *p = *cur;

    out->type = (enum deps_range_type)p[0];
    out->nevents = get_u32(p + 1);
    out->events = p + 5;
    p += 5;
    for (size_t i = 0; i < out->nevents; i++) {
        p++;
        cur_str(&p);
    }
    *cur = p;
}

void deps_rec_event_next(const unsigned char **cur, struct deps_rec_event *out)
{
    out->kind = (enum deps_event_kind) * (*cur)++;
    out->version = cur_str(cur);
}

const char *deps_rec_version_next(const unsigned char **cur)
{
    return cur_str(cur);
}
