/* The secrets analyzer as `moat scan` sees it: builds the engine once per scan
 * and a scratch per thread, and turns each confirmed secret into a finding
 * (redacted; the raw value only when the user asked to see it). */
#include <stdlib.h>
#include <string.h>
#include "secrets.h"
#include "core/banned.h"

struct state {
    struct secrets_engine *engine;
    bool show_secrets;
    struct moat_rule_meta *meta;
    const struct moat_rule_meta **metap;
    char **help;
    size_t n;
};

struct emit_ctx {
    const struct state *st;
    struct scan_worker *w;
    const struct scan_blob *b;
};

static char *fix_text(const struct secrets_rule *r)
{
    return moat_asprintf("Treat it as compromised: revoke or rotate it at %s first, then remove it "
                         "from the code and from the git history, and load it at run time from a "
                         "secret store or the CI's secret variables.",
                         r->provider);
}

static void release(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    secrets_engine_release(st->engine);
    for (size_t i = 0; i < st->n; i++)
        free(st->help[i]);
    free(st->help);
    free(st->meta);
    free(st->metap);
    free(st);
}

static int prepare(const struct moat_scan_opts *opts, void **out, struct moat_err *err)
{
    struct state *st = moat_calloc(1, sizeof(*st));
    const struct secrets_rule *rules;
    int rc;

    *out = NULL;
    if ((rc = secrets_engine_acquire(opts->config, &st->engine, err)) != 0)
        goto out;
    st->show_secrets = opts->show_secrets;
    st->n = secrets_engine_rules(st->engine, &rules);
    st->meta = moat_calloc(st->n + 1, sizeof(*st->meta));
    st->metap = moat_calloc(st->n + 1, sizeof(*st->metap));
    st->help = moat_calloc(st->n + 1, sizeof(*st->help));
    for (size_t i = 0; i < st->n; i++) {
        char *fix = fix_text(&rules[i]);
        st->help[i] = moat_asprintf("Finds a %s in any text file, archive member or git blob, "
                                    "also inside base64, URL encoding and JSON strings. %s",
                                    rules[i].title, fix);
        free(fix);
        st->meta[i] = (struct moat_rule_meta){ .id = rules[i].id,
                                               .analyzer = "secrets",
                                               .title = rules[i].title,
                                               .help = st->help[i],
                                               .cwe = "CWE-798",
                                               .sev = rules[i].sev,
                                               .conf = rules[i].conf,
                                               .doc = "docs/rules/secrets.md" };
        st->metap[i] = &st->meta[i];
    }
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
    if ((rc = secrets_scratch_new(st->engine, &s, err)) != 0)
        return rc;
    *wstate = s;
    return 0;
}

static void worker_free(void *wstate)
{
    secrets_scratch_free(wstate);
}

static const char *layer_note(enum secrets_layer l)
{
    switch (l) {
    case SECRETS_LAYER_PLAIN: return "";
    case SECRETS_LAYER_BASE64: return " (base64-encoded)";
    case SECRETS_LAYER_URL: return " (URL-encoded)";
    case SECRETS_LAYER_JSON: return " (in an escaped string)";
    }
    return "";
}

static void on_secret(void *p, const struct secrets_match *m)
{
    const struct emit_ctx *ctx = p;
    const struct secrets_rule *r = m->rule;
    struct moat_finding *f = moat_finding_new();
    char red[64];

    moat_redact((const char *)m->secret, m->secret_len, red, sizeof(red));
    f->rule_id = moat_strdup(r->id);
    f->analyzer = moat_strdup("secrets");
    f->title = moat_strdup(r->title);
    f->message = moat_asprintf("%s found%s%s", r->title, layer_note(m->layer),
                               m->conf < r->conf ? " (its structure does not check out: a damaged, "
                                                   "truncated or made-up key)"
                                                 : "");
    f->fix = fix_text(r);
    f->cwe = moat_strdup("CWE-798");
    f->redacted = moat_strdup(red);
    if (ctx->st->show_secrets)
        f->secret = moat_strndup((const char *)m->secret, m->secret_len);
    f->sev = r->sev;
    f->conf = m->conf;
    scan_emit(ctx->w, ctx->b, m->off, f, m->secret, m->secret_len);
}

static void scan(void *state, void *wstate, struct scan_worker *w, const struct scan_blob *b)
{
    const struct state *st = state;
    struct emit_ctx ctx = { st, w, b };

    unsigned flags = secrets_path_is_example(b->path) ? SECRETS_SCAN_NO_GENERIC : 0;

    if (secrets_engine_scan(st->engine, wstate, b->data, b->len, flags, on_secret, &ctx) == 0) {
        /* nothing found: the common case */
    }
}

static size_t rules(void *state, const struct moat_rule_meta *const **out)
{
    const struct state *st = state;

    *out = st->metap;
    return st->n;
}

const struct scan_analyzer scan_secrets_analyzer = {
    .name = "secrets",
    .bit = MOAT_ANALYZER_SECRETS,
    .prepare = prepare,
    .release = release,
    .worker_init = worker_init,
    .worker_free = worker_free,
    .scan = scan,
    .rules = rules,
};
