/* Baselines: the fingerprints of findings a team has accepted, kept as JSON
 * sorted by fingerprint so the file diffs cleanly, and matched through a hash
 * set so applying one costs O(1) per finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <moat/findings.h>
#include "core/core.h"
#include "core/banned.h"

#define BASELINE_VERSION     1
#define BASELINE_MAX_BYTES   (64u << 20)
#define BASELINE_MAX_ENTRIES 1000000

struct moat_baseline {
    struct moat_map set; /* fingerprint -> &present */
};

static char present; /* a non-NULL value for the set's entries */

static bool valid_fingerprint(const char *s, size_t len)
{
    if (len != MOAT_FINGERPRINT_HEX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Check one entry of "findings"; only the fingerprint is used, the rest is
 * for the people reading the file, but it must still have the right types. */
static int check_entry(const char *name, size_t i, const json_t *e, struct moat_err *err)
{
    const json_t *fp, *v;

    if (!json_is_object(e))
        return moat_err_set(err, MOAT_EPARSE, "%s: findings[%zu]: expected an object", name, i);
    fp = json_object_get(e, "fingerprint");
    if (!fp)
        return moat_err_set(err, MOAT_EPARSE, "%s: findings[%zu]: missing \"fingerprint\"", name,
                            i);
    if (!json_is_string(fp) || !valid_fingerprint(json_string_value(fp), json_string_length(fp)))
        return moat_err_set(err, MOAT_EPARSE,
                            "%s: findings[%zu]: \"fingerprint\" must be %d lowercase hex digits",
                            name, i, MOAT_FINGERPRINT_HEX);
    if ((v = json_object_get(e, "rule_id")) && !json_is_string(v))
        return moat_err_set(err, MOAT_EPARSE, "%s: findings[%zu]: \"rule_id\": expected a string",
                            name, i);
    if ((v = json_object_get(e, "path")) && !json_is_string(v))
        return moat_err_set(err, MOAT_EPARSE, "%s: findings[%zu]: \"path\": expected a string",
                            name, i);
    v = json_object_get(e, "line");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
              json_integer_value(v) > (json_int_t)UINT32_MAX))
        return moat_err_set(err, MOAT_EPARSE,
                            "%s: findings[%zu]: \"line\": expected a non-negative integer", name,
                            i);
    return 0;
}

static int parse_named(const char *name, const char *data, size_t len, struct moat_baseline **out,
                       struct moat_err *err)
{
    struct moat_baseline *b = NULL;
    json_t *root = NULL, *findings, *v, *e;
    json_error_t jerr;
    size_t i;
    int rc = 0;

    *out = NULL;
    if (len > BASELINE_MAX_BYTES) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: %zu bytes, over the %u-byte limit", name, len,
                          BASELINE_MAX_BYTES);
        goto out;
    }
    root = json_loadb(data ? data : "", data ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc =
            moat_err_set(err, MOAT_EPARSE, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: expected a JSON object at the top level", name);
        goto out;
    }
    v = json_object_get(root, "version");
    if (!v) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: missing \"version\"", name);
        goto out;
    }
    if (!json_is_integer(v) || json_integer_value(v) != BASELINE_VERSION) {
        rc = json_is_integer(v)
                 ? moat_err_set(err, MOAT_EPARSE,
                                "%s: baseline version %lld is not supported (this moat reads "
                                "version %d)",
                                name, (long long)json_integer_value(v), BASELINE_VERSION)
                 : moat_err_set(err, MOAT_EPARSE, "%s: \"version\": expected an integer", name);
        goto out;
    }
    v = json_object_get(root, "tool");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "moat") != 0)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: \"tool\": expected \"moat\"", name);
        goto out;
    }
    findings = json_object_get(root, "findings");
    if (!json_is_array(findings)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s: \"findings\": expected an array", name);
        goto out;
    }
    if (json_array_size(findings) > BASELINE_MAX_ENTRIES) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: %zu findings, over the %d-entry limit", name,
                          json_array_size(findings), BASELINE_MAX_ENTRIES);
        goto out;
    }
    b = moat_calloc(1, sizeof(*b));
    moat_map_init(&b->set);
    for (i = 0; i < json_array_size(findings); i++) {
        const json_t *fp;
        e = json_array_get(findings, i);
        if ((rc = check_entry(name, i, e, err)) != 0)
            goto out;
        fp = json_object_get(e, "fingerprint");
        /* a repeated fingerprint just lands on the same entry */
        if (moat_map_put(&b->set, json_string_value(fp), json_string_length(fp), &present)) {
            /* already known: nothing to do */
        }
    }
    *out = b;
    b = NULL;
out:
    moat_baseline_free(b);
    json_decref(root);
    return rc;
}

int moat_baseline_parse(const char *data, size_t len, struct moat_baseline **out,
                        struct moat_err *err)
{
    return parse_named("baseline", data, len, out, err);
}

int moat_baseline_load(const char *path, struct moat_baseline **out, struct moat_err *err)
{
    struct moat_buf raw = MOAT_BUF_INIT(BASELINE_MAX_BYTES);
    int rc;

    *out = NULL;
    if ((rc = moat_fs_read(path, &raw, err)) != 0)
        goto out;
    rc = parse_named(path, raw.data, raw.len, out, err);
out:
    moat_buf_release(&raw);
    return rc;
}

void moat_baseline_free(struct moat_baseline *b)
{
    if (!b)
        return;
    moat_map_release(&b->set, NULL);
    free(b);
}

bool moat_baseline_contains(const struct moat_baseline *b, const char *fingerprint)
{
    if (!b || !fingerprint)
        return false;
    return moat_map_get(&b->set, fingerprint, strlen(fingerprint)) != NULL;
}

void moat_baseline_apply(const struct moat_baseline *b, struct moat_findings *fs)
{
    size_t keep = 0;

    if (!b)
        return;
    pthread_mutex_lock(&fs->mu);
    for (size_t i = 0; i < fs->n; i++) {
        struct moat_finding *f = fs->v[i];
        if (moat_baseline_contains(b, f->fingerprint)) {
            moat_finding_free(f);
            fs->suppressed_baseline++;
        } else {
            fs->v[keep++] = f;
        }
    }
    fs->n = keep;
    pthread_mutex_unlock(&fs->mu);
}

/* ---- writing ---- */

/* jansson returns NULL or -1 only when malloc fails; moat aborts on
 * out-of-memory everywhere, so these do too. */
static json_t *must(json_t *j)
{
    if (!j)
        MOAT_BUG("jansson: out of memory");
    return j;
}

static void set(json_t *obj, const char *key, json_t *val)
{
    if (json_object_set_new(obj, key, must(val)) != 0)
        MOAT_BUG("jansson: out of memory");
}

/* A JSON string of s; bytes that are not UTF-8 (a path may hold any) become
 * '?', since these fields are only there for people to read. */
static json_t *lossy_string(const char *s)
{
    json_t *j = json_string(s);
    char *copy;

    if (j)
        return j;
    copy = moat_strdup(s);
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    j = must(json_string(copy));
    free(copy);
    return j;
}

static int strcmp_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* By fingerprint, then location: the first of equal fingerprints is written,
 * and which one that is does not depend on the order of the scan. */
static int cmp_fp(const void *pa, const void *pb)
{
    const struct moat_finding *a = *(const struct moat_finding *const *)pa;
    const struct moat_finding *b = *(const struct moat_finding *const *)pb;
    int c;

    if ((c = strcmp(a->fingerprint, b->fingerprint)) != 0)
        return c;
    if ((c = strcmp_null(a->path, b->path)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return strcmp_null(a->rule_id, b->rule_id);
}

int moat_baseline_write(const struct moat_findings *fs, const char *path, struct moat_err *err)
{
    const struct moat_finding **v = moat_calloc(fs->n, sizeof(*v));
    json_t *root = must(json_object()), *arr = must(json_array());
    char *text = NULL;
    size_t n = 0, len = 0;
    FILE *mem;
    int rc;

    for (size_t i = 0; i < fs->n; i++) {
        const struct moat_finding *f = fs->v[i];
        if (valid_fingerprint(f->fingerprint, strlen(f->fingerprint)))
            v[n++] = f;
        else
            MOAT_LOG(WARN, "baseline", "%s:%u: %s finding has no fingerprint; not baselined",
                     f->path ? f->path : "?", f->line, f->rule_id ? f->rule_id : "?");
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_fp);
    for (size_t i = 0; i < n; i++) {
        json_t *e;
        if (i > 0 && strcmp(v[i]->fingerprint, v[i - 1]->fingerprint) == 0)
            continue;
        /* Never the secret nor its redacted form: the baseline is committed. */
        e = must(json_object());
        set(e, "fingerprint", json_string(v[i]->fingerprint));
        if (v[i]->rule_id)
            set(e, "rule_id", lossy_string(v[i]->rule_id));
        if (v[i]->path)
            set(e, "path", lossy_string(v[i]->path));
        set(e, "line", json_integer((json_int_t)v[i]->line));
        if (json_array_append_new(arr, e) != 0)
            MOAT_BUG("jansson: out of memory");
    }
    set(root, "version", json_integer(BASELINE_VERSION));
    set(root, "tool", json_string("moat"));
    set(root, "findings", arr);
    /* Dumped into memory, then written atomically: a crash never leaves half
     * a baseline behind. The trailing newline is what text files end with. */
    mem = open_memstream(&text, &len);
    if (!mem || json_dumpf(root, mem, JSON_SORT_KEYS | JSON_INDENT(2)) != 0 ||
        fputc('\n', mem) == EOF || fclose(mem) != 0)
        MOAT_BUG("out of memory writing the baseline");
    rc = moat_fs_write(path, text, len, err);
    free(text);
    json_decref(root);
    free(v);
    return rc;
}
