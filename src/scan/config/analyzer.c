/* The config analyzer as `moat scan` sees it: recognizes pipeline and
 * container definitions by path, loads them (YAML or Dockerfile), hands them
 * to the GitHub Actions, GitLab CI and Dockerfile audits, and turns what the
 * audits report into findings. A file that does not load is warned about and
 * the scan goes on. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "scan/secrets/secrets.h"
#include "core/banned.h"

enum file_kind {
    FILE_OTHER,
    FILE_WORKFLOW,
    FILE_ACTION,
    FILE_GITLAB,
    FILE_DOCKER,
};

struct state {
    bool pedantic;
    bool show_secrets;
    struct secrets_engine *secrets; /* cfg_is_secret */
    const struct moat_rule_meta **rules;
    size_t nrules;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool yaml_name(const char *base)
{
    return ends_with(base, ".yml") || ends_with(base, ".yaml");
}

/* Docker's own default names plus the conventions of monorepos
 * (api.Dockerfile, Dockerfile.prod) and Podman's Containerfile. */
static bool docker_name(const char *base)
{
    static const char *const names[] = { "Dockerfile", "Containerfile", "dockerfile",
                                         "containerfile" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i]);
        if (strncmp(base, names[i], n) == 0 && (base[n] == '\0' || base[n] == '.'))
            return base[n] == '\0' || !(ends_with(base, ".md") || ends_with(base, ".txt") ||
                                        ends_with(base, ".dockerignore"));
    }
    return ends_with(base, ".Dockerfile") || ends_with(base, ".dockerfile") ||
           ends_with(base, ".Containerfile");
}

static enum file_kind classify(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *wf;

    base = base ? base + 1 : path;
    /* GitHub reads workflows only directly inside .github/workflows/ */
    wf = strstr(path, ".github/workflows/");
    if (wf && (wf == path || wf[-1] == '/') && yaml_name(base) &&
        !strchr(wf + sizeof(".github/workflows/") - 1, '/'))
        return FILE_WORKFLOW;
    if (strcmp(base, "action.yml") == 0 || strcmp(base, "action.yaml") == 0)
        return FILE_ACTION;
    if (strcmp(base, ".gitlab-ci.yml") == 0 || strcmp(base, ".gitlab-ci.yaml") == 0)
        return FILE_GITLAB;
    if (docker_name(base))
        return FILE_DOCKER;
    return FILE_OTHER;
}

static void release(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    secrets_engine_release(st->secrets);
    free(st->rules);
    free(st);
}

static void add_rules(struct state *st, const struct moat_rule_meta *v, size_t n)
{
    st->rules = moat_realloc(st->rules, (st->nrules + n) * sizeof(*st->rules));
    for (size_t i = 0; i < n; i++)
        st->rules[st->nrules++] = &v[i];
}

static int prepare(const struct moat_scan_opts *opts, void **out, struct moat_err *err)
{
    struct state *st = moat_calloc(1, sizeof(*st));
    int rc;

    *out = NULL;
    st->pedantic = opts->pedantic;
    st->show_secrets = opts->show_secrets;
    /* the secret rules judge literal values in variables, ENV and ARG */
    if ((rc = secrets_engine_acquire(opts->config, &st->secrets, err)) != 0)
        goto out;
    add_rules(st, cfg_gha_rules, cfg_gha_nrules);
    add_rules(st, cfg_gitlab_rules, cfg_gitlab_nrules);
    add_rules(st, cfg_docker_rules, cfg_docker_nrules);
    *out = st;
    st = NULL;
out:
    release(st);
    return rc;
}

static int worker_init(void *state, void **wstate, struct moat_err *err)
{
    const struct state *st = state;
    struct secrets_scratch *s = NULL;
    int rc;

    *wstate = NULL;
    if ((rc = secrets_scratch_new(st->secrets, &s, err)) != 0)
        return rc;
    *wstate = s;
    return 0;
}

static void worker_free(void *wstate)
{
    secrets_scratch_free(wstate);
}

static void audit_yaml(struct cfg_ctx *c, enum file_kind kind)
{
    struct cy_doc *doc = NULL;
    struct moat_err err = { 0, "" };
    char what[320];

    if (cy_load(c->b->data, c->b->len, &doc, &err) != 0) {
        if (moat_snprintf(what, sizeof(what), "not audited: %s", err.msg) != 0) {
            /* a message cut short still names the file and the problem */
        }
        scan_warn(c->w->scan, c->b->path, what);
        return;
    }
    if (kind == FILE_GITLAB)
        cfg_gitlab_audit(c, doc);
    else
        cfg_gha_audit(c, doc, kind == FILE_ACTION);
    cy_free(doc);
}

static void scan(void *state, void *wstate, struct scan_worker *w, const struct scan_blob *b)
{
    struct state *st = state;
    enum file_kind kind = classify(b->path);
    struct cfg_ctx c = { w, b, st, wstate, st->pedantic, NULL };
    char *dir;

    /* Pipelines packed in archives never run, and a history scan looks for
     * secrets that were ever committed, not for configuration since
     * replaced. */
    if (kind == FILE_OTHER || b->depth > 0 || w->scan->opts->source == MOAT_SOURCE_GIT)
        return;
    if (b->binary) {
        scan_warn(w->scan, b->path, "not audited: a binary file, not a text file");
        return;
    }
    dir = scan_disk_dir(w->scan, b);
    c.disk_dir = dir;
    if (kind == FILE_DOCKER)
        cfg_docker_audit(&c, b->data, b->len);
    else
        audit_yaml(&c, kind);
    free(dir);
}

static size_t rules(void *state, const struct moat_rule_meta *const **out)
{
    const struct state *st = state;

    *out = st->rules;
    return st->nrules;
}

const struct scan_analyzer scan_config_analyzer = {
    .name = "config",
    .bit = MOAT_ANALYZER_CONFIG,
    .prepare = prepare,
    .release = release,
    .worker_init = worker_init,
    .worker_free = worker_free,
    .scan = scan,
    .rules = rules,
};

void cfg_report(struct cfg_ctx *c, const struct moat_rule_meta *rule, int sev, enum moat_conf conf,
                unsigned line, unsigned col, const char *evidence, const char *fmt, ...)
{
    struct moat_finding *f = moat_finding_new();
    va_list ap;
    char msg[1024];

    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    f->rule_id = moat_strdup(rule->id);
    f->analyzer = moat_strdup("config");
    f->title = moat_strdup(rule->title);
    f->message = moat_strdup(msg[0] ? msg : rule->title);
    f->fix = rule->fix ? moat_strdup(rule->fix) : NULL;
    f->cwe = rule->cwe ? moat_strdup(rule->cwe) : NULL;
    f->sev = sev >= 0 ? (enum moat_sev)sev : rule->sev;
    f->conf = conf;
    /* the fingerprint hangs on the offending text, not on its line */
    scan_emit_at(c->w, c->b, line, col ? col : 1, f, evidence ? evidence : msg,
                 strlen(evidence ? evidence : msg));
}

struct secret_hit {
    const char *rule_id;
};

static void on_secret(void *p, const struct secrets_match *m)
{
    struct secret_hit *h = p;

    if (!h->rule_id)
        h->rule_id = m->rule->id;
}

bool cfg_is_secret(struct cfg_ctx *c, const char *name, const char *value, size_t len,
                   const char **rule_id)
{
    const struct state *st = c->state;
    struct secret_hit hit = { NULL };
    struct moat_buf text = MOAT_BUF_INIT(CY_MAX_SCALAR + 1024);

    *rule_id = NULL;
    /* As an assignment, so the generic rule weighs the name with the value
     * and the secret rules' filters (placeholders, references) apply. */
    if ((name && (moat_buf_addstr(&text, name) != 0 || moat_buf_addstr(&text, " = \"") != 0)) ||
        moat_buf_add(&text, value, len) != 0 || (name && moat_buf_addstr(&text, "\"\n") != 0)) {
        moat_buf_release(&text);
        return false; /* over the scalar limit: the loader refused it already */
    }
    if (secrets_engine_scan(st->secrets, c->wstate, (const unsigned char *)text.data, text.len, 0,
                            on_secret, &hit) > 0)
        *rule_id = hit.rule_id;
    moat_buf_release(&text);
    return *rule_id != NULL;
}
