/* The SARIF 2.1.0 report, shaped for GitHub code scanning: rule metadata with
 * help and security-severity, relative URIs against %SRCROOT%, and moat's
 * line-independent fingerprint. The only place moat writes SARIF. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <moat/moat.h>
#include "core/core.h"
#include "report/report.h"
#include "core/banned.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
/* The project's home page, shown by SARIF viewers next to the tool name. */
#define SARIF_SRCROOT "%SRCROOT%"

static const char *sarif_level(enum moat_sev s)
{
    switch (s) {
    case MOAT_SEV_CRITICAL:
    case MOAT_SEV_HIGH: return "error";
    case MOAT_SEV_MEDIUM: return "warning";
    case MOAT_SEV_LOW:
    case MOAT_SEV_INFO: return "note";
    }
    return "none";
}

/* GitHub ranks security alerts by this CVSS-like score: > 9.0 critical,
 * 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. It must be a string. */
static const char *security_severity(enum moat_sev s)
{
    switch (s) {
    case MOAT_SEV_CRITICAL: return "9.5";
    case MOAT_SEV_HIGH: return "8.0";
    case MOAT_SEV_MEDIUM: return "5.5";
    case MOAT_SEV_LOW: return "3.0";
    case MOAT_SEV_INFO: return "1.0";
    }
    return "0.0";
}

/* Percent-encode a path for a URI reference (RFC 3986). "/" and the
 * sub-delimiters stay, so "a.zip!dir/f" reads as it is; ":" is encoded since
 * in a first segment it would read as a scheme. Returns a malloc'd string. */
static char *uri_escape(const char *path)
{
    static const char keep[] = "-._~/!$&'()*+,;=@";
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *out = moat_malloc(3 * len + 1), *o = out;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

static json_t *text_obj(const char *key, const char *s)
{
    json_t *o = report_jobj();

    report_jset_str(o, key, s);
    return o;
}

/* file:// URI of the directory the relative paths are under, or NULL when
 * unknown. A relative root is resolved; a single file stands for its
 * directory. An absolute root is taken as the user wrote it. */
static char *srcroot_uri(const char *root)
{
    char *abs = NULL, *esc, *uri;
    struct stat st;

    if (!root)
        return NULL;
    abs = root[0] == '/' ? moat_strdup(root) : realpath(root, NULL);
    if (!abs)
        return NULL;
    if (stat(abs, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char *slash = strrchr(abs, '/');
        if (slash)
            slash[slash == abs ? 1 : 0] = '\0';
    }
    esc = uri_escape(abs);
    /* A base URI must end in "/" or the last segment is replaced on resolving. */
    uri = moat_asprintf("file://%s%s", esc, moat_str_endswith(esc, "/") ? "" : "/");
    free(esc);
    free(abs);
    return uri;
}

static json_t *location_json(const struct moat_finding *fd)
{
    json_t *loc = report_jobj(), *phys = report_jobj(), *art = report_jobj();
    const char *path = fd->path;
    char *uri;

    while (path[0] == '.' && path[1] == '/')
        path += 2;
    uri = uri_escape(path);
    if (path[0] == '/') {
        char *abs = moat_asprintf("file://%s", uri);
        report_jset_str(art, "uri", abs);
        free(abs);
    } else {
        report_jset_str(art, "uri", uri);
        report_jset_str(art, "uriBaseId", SARIF_SRCROOT);
    }
    free(uri);
    report_jset(phys, "artifactLocation", art);
    if (fd->line) {
        json_t *region = report_jobj();

        report_jset(region, "startLine", report_jint(fd->line));
        if (fd->col)
            report_jset(region, "startColumn", report_jint(fd->col));
        report_jset(phys, "region", region);
    }
    report_jset(loc, "physicalLocation", phys);
    return loc;
}

static json_t *result_json(const struct moat_finding *fd, const char *rule_id, size_t index)
{
    json_t *res = report_jobj(), *props = report_jobj();
    const char *msg = fd->message ? fd->message : fd->title ? fd->title : rule_id;

    report_jset_str(res, "ruleId", rule_id);
    report_jset(res, "ruleIndex", report_jint((long long)index));
    report_jset_str(res, "level", sarif_level(fd->sev));
    /* The redacted value tells two findings on one line apart; the raw
     * secret never goes into SARIF, which is uploaded and kept elsewhere. */
    if (fd->redacted) {
        char *text = moat_asprintf("%s: %s", msg, fd->redacted);
        report_jset(res, "message", text_obj("text", text));
        free(text);
    } else {
        report_jset(res, "message", text_obj("text", msg));
    }
    if (fd->path) {
        json_t *locs = report_jarr();

        report_jappend(locs, location_json(fd));
        report_jset(res, "locations", locs);
    }
    if (fd->fingerprint[0]) {
        json_t *fp = report_jobj();

        report_jset_str(fp, "moat/v1", fd->fingerprint);
        report_jset(res, "partialFingerprints", fp);
    }
    report_jset_str(props, "severity", moat_sev_name(fd->sev));
    report_jset_str(props, "confidence", moat_conf_name(fd->conf));
    report_jset_str(props, "commit", fd->commit);
    report_jset_str(props, "author", fd->author);
    report_jset_str(props, "date", fd->date);
    report_jset_str(props, "fix", fd->fix);
    report_jset_dep(props, fd->dep);
    report_jset(res, "properties", props);
    return res;
}

/* "aws_access_key" -> "AwsAccessKey": SARIF wants a name, distinct from the
 * id, that reads as an identifier. */
static char *rule_name(const char *id)
{
    char *out = moat_malloc(strlen(id) + 1), *o = out;
    bool up = true;

    for (const char *p = id; *p; p++) {
        if (*p == '_' || *p == '-' || *p == '.' || *p == ' ') {
            up = true;
            continue;
        }
        *o++ = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
    }
    *o = '\0';
    return out;
}

static const char *const precision_names[] = { "low", "medium", "high" };

/* The help GitHub shows beside an alert: what it is, how to fix it, where
 * the rule is documented, and the CWE. */
static char *rule_markdown(const struct moat_rule_meta *m, const char *title, const char *text)
{
    char *fix = m->fix ? moat_asprintf("\n\n**Fix:** %s", m->fix) : NULL;
    char *doc =
        m->doc ? moat_asprintf("\n\nDocumentation: `%s` in the moat repository.", m->doc) : NULL;
    char *cwe = m->cwe && moat_str_startswith(m->cwe, "CWE-")
                    ? moat_asprintf("\n\n[%s](https://cwe.mitre.org/data/definitions/%s.html)",
                                    m->cwe, m->cwe + 4)
                    : NULL;
    char *md = moat_asprintf("**%s**\n\n%s%s%s%s", title, text, fix ? fix : "", doc ? doc : "",
                             cwe ? cwe : "");

    free(fix);
    free(doc);
    free(cwe);
    return md;
}

static json_t *rule_json(const struct moat_rule_meta *m, int min_conf)
{
    json_t *rule = report_jobj(), *help = report_jobj(), *cfg = report_jobj();
    json_t *props = report_jobj(), *tags = report_jarr();
    const char *title = m->title ? m->title : m->id;
    const char *text = m->help ? m->help : title;
    char *name = rule_name(m->id), *md;

    report_jset_str(rule, "id", m->id);
    report_jset_str(rule, "name", name);
    report_jset(rule, "shortDescription", text_obj("text", title));
    report_jset(rule, "fullDescription", text_obj("text", text));
    report_jset_str(help, "text", text);
    md = rule_markdown(m, title, text);
    report_jset_str(help, "markdown", md);
    free(md);
    report_jset(rule, "help", help);
    report_jset_str(cfg, "level", sarif_level(m->sev));
    report_jset(rule, "defaultConfiguration", cfg);

    report_jappend(tags, report_jstr("security"));
    if (m->analyzer)
        report_jappend(tags, report_jstr(m->analyzer));
    if (m->cwe && moat_str_startswith(m->cwe, "CWE-")) {
        /* GitHub lists CWEs from tags of this form. */
        char *tag = moat_asprintf("external/cwe/cwe-%s", m->cwe + 4);
        report_jappend(tags, report_jstr(tag));
        free(tag);
    }
    report_jset(props, "tags", tags);
    report_jset_str(props, "security-severity", security_severity(m->sev));
    /* Rule metadata carries no confidence, so precision comes from this run's
     * findings (the lowest, to be conservative) and is left out otherwise. */
    if (min_conf >= 0 && min_conf < 3)
        report_jset_str(props, "precision", precision_names[min_conf]);
    report_jset(rule, "properties", props);
    free(name);
    return rule;
}

/* The rules of the run: every rule passed in, then one made from the first
 * finding of any rule id the caller did not describe. */
struct rule_table {
    MOAT_VEC(const struct moat_rule_meta *) v;
    MOAT_VEC(struct moat_rule_meta *) made;
    struct moat_map index; /* id -> index + 1 */
};

static size_t rule_add(struct rule_table *t, const struct moat_rule_meta *m)
{
    void *hit = moat_map_get(&t->index, m->id, strlen(m->id));

    if (hit)
        return (size_t)(uintptr_t)hit - 1;
    MOAT_VEC_PUSH(&t->v, m);
    moat_map_put(&t->index, m->id, strlen(m->id), (void *)(uintptr_t)t->v.n);
    return t->v.n - 1;
}

static size_t rule_for_finding(struct rule_table *t, const struct moat_finding *fd, const char *id)
{
    void *hit = moat_map_get(&t->index, id, strlen(id));
    struct moat_rule_meta *m;

    if (hit)
        return (size_t)(uintptr_t)hit - 1;
    m = moat_calloc(1, sizeof(*m));
    m->id = id;
    m->analyzer = fd->analyzer;
    m->title = fd->title;
    m->help = fd->fix;
    m->cwe = fd->cwe;
    m->sev = fd->sev;
    MOAT_VEC_PUSH(&t->made, m);
    return rule_add(t, m);
}

static json_t *invocation_json(const struct moat_report *r)
{
    json_t *inv = report_jobj(), *arr = report_jarr();

    report_jset(inv, "executionSuccessful", json_true());
    if (r->stats && r->stats->errors) {
        json_t *notes = report_jarr(), *note = report_jobj();
        char *text = moat_asprintf("%zu file%s could not be scanned; the log names them",
                                   r->stats->errors, r->stats->errors == 1 ? "" : "s");

        report_jset_str(note, "level", "warning");
        report_jset(note, "message", text_obj("text", text));
        free(text);
        report_jappend(notes, note);
        report_jset(inv, "toolExecutionNotifications", notes);
    }
    report_jappend(arr, inv);
    return arr;
}

int report_write_sarif(const struct moat_report *r, FILE *f, struct moat_err *err)
{
    json_t *root = report_jobj(), *runs = report_jarr(), *run = report_jobj();
    json_t *tool = report_jobj(), *driver = report_jobj(), *rules = report_jarr();
    json_t *results = report_jarr();
    struct rule_table t = { 0 };
    size_t n = report_nfindings(r);
    int *min_conf = NULL;
    char *base;
    int rc;

    moat_map_init(&t.index);
    for (size_t i = 0; i < r->nrules; i++)
        if (r->rules[i] && r->rules[i]->id)
            rule_add(&t, r->rules[i]);
    for (size_t i = 0; i < n; i++) {
        const struct moat_finding *fd = r->findings->v[i];
        const char *id = fd->rule_id ? fd->rule_id : "unknown";
        size_t idx = rule_for_finding(&t, fd, id);

        report_jappend(results, result_json(fd, id, idx));
    }

    min_conf = moat_malloc((t.v.n ? t.v.n : 1) * sizeof(*min_conf));
    for (size_t i = 0; i < t.v.n; i++)
        min_conf[i] = -1;
    for (size_t i = 0; i < n; i++) {
        const struct moat_finding *fd = r->findings->v[i];
        const char *id = fd->rule_id ? fd->rule_id : "unknown";
        size_t idx = (size_t)(uintptr_t)moat_map_get(&t.index, id, strlen(id)) - 1;

        if (min_conf[idx] < 0 || (int)fd->conf < min_conf[idx])
            min_conf[idx] = (int)fd->conf;
    }
    for (size_t i = 0; i < t.v.n; i++)
        report_jappend(rules, rule_json(t.v.v[i], min_conf[i]));

    report_jset_str(driver, "name", "moat");
    report_jset_str(driver, "version", moat_version());
    report_jset(driver, "rules", rules);
    report_jset(tool, "driver", driver);
    report_jset(run, "tool", tool);
    if ((base = srcroot_uri(r->root)) != NULL) {
        json_t *ids = report_jobj(), *loc = report_jobj();

        report_jset_str(loc, "uri", base);
        report_jset(ids, SARIF_SRCROOT, loc);
        report_jset(run, "originalUriBaseIds", ids);
        free(base);
    }
    report_jset(run, "invocations", invocation_json(r));
    report_jset(run, "results", results);
    report_jappend(runs, run);
    report_jset_str(root, "$schema", SARIF_SCHEMA);
    report_jset_str(root, "version", "2.1.0");
    report_jset(root, "runs", runs);

    rc = report_json_dump(root, f, "SARIF", err);
    json_decref(root);
    free(min_conf);
    for (size_t i = 0; i < t.made.n; i++)
        free(t.made.v[i]);
    free(t.made.v);
    free(t.v.v);
    moat_map_release(&t.index, NULL);
    return rc;
}
