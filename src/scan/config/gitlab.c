/* The GitLab CI audits: builds the pipeline GitLab would run from a
 * .gitlab-ci.yml (local includes, extends, default:, !reference, hidden
 * jobs, the spec: header) without flattening it, so every finding stays at
 * the file, line and column of the text that causes it, then checks
 * includes, images, variables and scripts (read by gitlab_shell.c). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "config.h"
#include "core/banned.h"

#define GL_MAX_INCLUDES   150 /* GitLab's own limit of includes per pipeline */
#define GL_MAX_INC_DEPTH  16  /* local includes inside local includes */
#define GL_MAX_GLOB       64  /* files one wildcard include may bring in */
#define GL_MAX_GLOB_DEPTH 8   /* directory levels a ** include searches */
#define GL_MAX_EXTENDS    11  /* GitLab's limit of extends levels */
#define GL_MAX_LAYERS     64  /* files x extends layers of one job */
#define GL_MAX_REF_DEPTH  10  /* !reference inside !reference (GitLab's limit) */
#define GL_MAX_VAR_DEPTH  8   /* variables defined from variables */
#define GL_MAX_EVIDENCE   160

enum {
    R_INCLUDE,
    R_INJECTION,
    R_DEBUG,
    R_SECRET,
    R_IMAGE,
    R_PIPE,
};

const struct moat_rule_meta cfg_gitlab_rules[] = {
    [R_INCLUDE] = { "gitlab-unpinned-include", "config",
                    "GitLab include not pinned to a commit or a checksum",
                    "An include of another project's file at a branch, a tag or no ref, a remote "
                    "file without an integrity hash, or a CI/CD component at ~latest or a branch "
                    "pulls in whatever that source holds when the pipeline runs, so whoever can "
                    "change it runs code in your pipeline with its secrets.",
                    "CWE-829", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                    "Pin include:project with ref: <full commit SHA>, give remote: includes an "
                    "integrity: sha256-... hash, and use components at a commit SHA or an exact "
                    "released version.",
                    "docs/rules/config/gitlab-unpinned-include.md" },
    [R_INJECTION] = { "gitlab-script-injection", "config",
                      "Attacker-controlled CI variable run as code in a GitLab script",
                      "Merge request titles and descriptions, commit messages, branch and tag "
                      "names and user names are chosen by whoever opens the merge request or "
                      "pushes; passed to eval, sh -c or an interpreter, run as a command, split "
                      "unquoted, or pasted into the script by $[[ inputs | expand_vars ]], they "
                      "become commands or arguments in a job that holds the project's secrets.",
                      "CWE-78", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                      "Quote the expansion (\"$CI_COMMIT_MESSAGE\"), never hand it to eval, sh -c "
                      "or an interpreter's -c/-e, and read inputs from an environment variable "
                      "instead of expand_vars.",
                      "docs/rules/config/gitlab-script-injection.md" },
    [R_DEBUG] = { "gitlab-debug-trace", "config", "CI debug tracing turned on in a GitLab pipeline",
                  "CI_DEBUG_TRACE or CI_DEBUG_SERVICES set to true makes the runner print every "
                  "command with its variables expanded, so masked and protected secrets appear in "
                  "the job log, readable by everyone who can see the pipeline.",
                  "CWE-532", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                  "Remove CI_DEBUG_TRACE and CI_DEBUG_SERVICES from the file and set them for one "
                  "manual run when needed; rotate any secret a traced job printed.",
                  "docs/rules/config/gitlab-debug-trace.md" },
    [R_SECRET] = { "gitlab-secret-in-variables", "config", "Literal secret in GitLab CI variables",
                   "A credential written in the variables: of a GitLab CI file is readable by "
                   "everyone who can read the repository or its history, and is not masked in "
                   "job logs.",
                   "CWE-798", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                   "Revoke the secret, store it as a masked and protected CI/CD variable (or in a "
                   "secrets manager) and refer to it by name.",
                   "docs/rules/config/gitlab-secret-in-variables.md" },
    [R_IMAGE] = { "gitlab-unpinned-image", "config", "GitLab job image not pinned",
                  "An image or service with no tag or with latest runs whatever the registry "
                  "serves when the job starts, so a changed or compromised image runs in the job "
                  "with its secrets, and builds are not reproducible.",
                  "CWE-829", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                  "Pin the image by digest (name:tag@sha256:...) or at least to an explicit "
                  "version tag.",
                  "docs/rules/config/gitlab-unpinned-image.md" },
    [R_PIPE] = { "gitlab-pipe-to-shell", "config", "Download piped to a shell in a GitLab script",
                 "Output of curl or wget fed straight to sh, bash or an interpreter runs whatever "
                 "the server, or anyone who can tamper with it, returns at that moment, with no "
                 "version or checksum to hold it to.",
                 "CWE-494", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                 "Download to a file, check it against a pinned checksum or signature, then run "
                 "it; or install a packaged, pinned version of the tool.",
                 "docs/rules/config/gitlab-pipe-to-shell.md" },
};
const size_t cfg_gitlab_nrules = sizeof(cfg_gitlab_rules) / sizeof(cfg_gitlab_rules[0]);

/* Predefined variables whose text whoever pushes or opens a merge request
 * chooses. CI_COMMIT_REF_SLUG and CI_COMMIT_SHORT_SHA are left out: GitLab
 * reduces the slug to [a-z0-9-], and SHAs are hex. Git ref names (refname)
 * cannot hold spaces, tabs, newlines, * ? or [, so the shell neither splits
 * nor globs them: unquoted, they are one plain word. They still hold $ ( ) ;
 * | ` and quotes, which is code once eval or sh -c parses them. */
struct taint {
    const char *name;
    const char *what;
    bool refname;
};

static const struct taint taints[] = {
    { "CI_COMMIT_MESSAGE", "attacker-controlled commit message", false },
    { "CI_COMMIT_TITLE", "attacker-controlled commit title", false },
    { "CI_COMMIT_DESCRIPTION", "attacker-controlled commit description", false },
    { "CI_COMMIT_TAG_MESSAGE", "attacker-controlled tag message", false },
    { "CI_COMMIT_AUTHOR", "attacker-controlled commit author", false },
    { "CI_COMMIT_BRANCH", "attacker-controlled branch name", true },
    { "CI_COMMIT_REF_NAME", "attacker-controlled branch or tag name", true },
    { "CI_COMMIT_TAG", "attacker-controlled tag name", true },
    { "CI_MERGE_REQUEST_TITLE", "attacker-controlled merge request title", false },
    { "CI_MERGE_REQUEST_DESCRIPTION", "attacker-controlled merge request description", false },
    { "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "attacker-controlled merge request source branch",
      true },
    { "CI_MERGE_REQUEST_LABELS", "attacker-influenced merge request labels", false },
    { "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
      "attacker-controlled pull request source branch", true },
    { "GITLAB_USER_NAME", "attacker-controlled name of the user who started the pipeline", false },
    { "GITLAB_USER_EMAIL", "attacker-controlled email of the user who started the pipeline",
      false },
};

/* One file of the pipeline: the scanned one, or a local include. */
struct src {
    struct cfg_ctx ctx; /* reports go to this file */
    struct scan_blob blob;
    struct cy_doc *doc; /* owned, for includes */
    struct moat_buf raw;
    char *path; /* display path */
    const struct cy_node *root;
};

struct gl {
    struct cfg_ctx *c;
    struct src **srcs; /* lowest precedence first, the scanned file last */
    size_t nsrcs;
    size_t nincludes;
    struct moat_map included; /* project-relative paths already loaded */
    struct moat_map reported; /* findings already reported, by place */
    unsigned ref_depth;
    bool warned_limit;
};

struct val {
    const struct cy_node *n;
    struct src *src;
};

struct layers {
    struct val v[GL_MAX_LAYERS];
    size_t n;
};

/* A job while it is audited. */
struct job {
    struct gl *g;
    const char *name;
    struct layers L;
    struct moat_map local; /* shell variables the script set from attacker text */
    struct moat_map memo;  /* var_taint of names, so long chains are read once */
    unsigned var_depth;
};

static const struct taint no_taint = { "", "", false };

static struct val no_val(void)
{
    struct val v = { NULL, NULL };
    return v;
}

/* ---- reporting ---- */

/* The top-level section (job, variables, default...) a line of s is in:
 * the last top-level key at or above it. */
static const char *section_of(const struct src *s, unsigned line)
{
    const struct cy_node *best = NULL;

    for (size_t i = 0; s->root && i < s->root->n; i++)
        if (s->root->keys[i]->line <= line && (!best || s->root->keys[i]->line >= best->line))
            best = s->root->keys[i];
    return best ? best->str : "";
}

/* Report once per rule and place: a template that many jobs extend, or a
 * default: section all jobs inherit, is one finding. The evidence (what the
 * fingerprint is taken from) is the offending text and the section it is
 * written in, so it survives edits elsewhere and differs between jobs. */
static void report(struct gl *g, struct src *s, int rule, int sev, enum moat_conf conf,
                   unsigned line, unsigned col, const char *what, const char *fmt, ...)
    MOAT_PRINTF(9, 10);

static void report(struct gl *g, struct src *s, int rule, int sev, enum moat_conf conf,
                   unsigned line, unsigned col, const char *what, const char *fmt, ...)
{
    char *evidence = moat_asprintf("%s: %s", section_of(s, line), what);
    char *key = moat_asprintf("%d|%s|%u|%u|%s", rule, s->blob.path, line, col, evidence);
    char msg[768];
    va_list ap;

    if (moat_map_get(&g->reported, key, strlen(key)))
        goto out;
    if (moat_map_put(&g->reported, key, strlen(key), (void *)1)) {
        /* new key: nothing was there */
    }
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    cfg_report(&s->ctx, &cfg_gitlab_rules[rule], sev, conf, line, col, evidence, "%s", msg);
out:
    free(key);
    free(evidence);
}

/* ---- the pipeline model ---- */

static const char *const reserved[] = {
    "default", "include",       "stages",       "variables", "workflow", "image", "services",
    "cache",   "before_script", "after_script", "types",     "spec",     NULL
};

static bool is_reserved(const struct cy_node *k)
{
    for (const char *const *r = reserved; *r; r++)
        if (cy_is(k, *r))
            return true;
    return false;
}

/* The pipeline of a file: the document after a spec: header, else the
 * first one. */
static const struct cy_node *pipeline_root(const struct cy_doc *d)
{
    const struct cy_node *r = cy_root(d, 0);

    if (cy_ndocs(d) >= 2 && r && cy_get(r, "spec"))
        r = cy_root(d, 1);
    return r && r->kind == CY_MAP ? r : NULL;
}

static struct layers *layers_new(void)
{
    return moat_calloc(1, sizeof(struct layers));
}

static void push_layer(struct layers *L, const struct cy_node *n, struct src *s)
{
    if (L->n < GL_MAX_LAYERS) {
        L->v[L->n].n = n;
        L->v[L->n].src = s;
        L->n++;
    }
}

/* A top-level key in every file, highest precedence first. */
static void top_layers(struct gl *g, const char *name, struct layers *L)
{
    for (size_t i = g->nsrcs; i-- > 0;) {
        const struct cy_node *v = cy_get(g->srcs[i]->root, name);
        if (v)
            push_layer(L, v, g->srcs[i]);
    }
}

/* The layers of job name, highest precedence first: the job in each file,
 * then what it extends, the last parent first, each with its own parents
 * below it, which is how GitLab's deep merge orders them. A cycle or a
 * chain deeper than GitLab allows stops there. */
static void job_layers(struct gl *g, const char *name, struct layers *L, unsigned depth,
                       const char **chain)
{
    size_t own = L->n;
    const struct cy_node *ext = NULL;

    if (depth > GL_MAX_EXTENDS)
        return;
    for (unsigned i = 0; i < depth; i++)
        if (strcmp(chain[i], name) == 0)
            return;
    chain[depth] = name;
    for (size_t i = g->nsrcs; i-- > 0;) {
        const struct cy_node *v = cy_get(g->srcs[i]->root, name);
        if (v && v->kind == CY_MAP)
            push_layer(L, v, g->srcs[i]);
    }
    for (size_t i = own; i < L->n && !ext; i++)
        ext = cy_get(L->v[i].n, "extends");
    if (!ext)
        return;
    if (ext->kind == CY_SCALAR) {
        job_layers(g, ext->str, L, depth + 1, chain);
    } else if (ext->kind == CY_SEQ) {
        for (size_t i = ext->n; i-- > 0;)
            if (ext->items[i]->kind == CY_SCALAR)
                job_layers(g, ext->items[i]->str, L, depth + 1, chain);
    }
}

static struct val lookup(struct gl *g, const struct layers *L, const char *const *path, size_t np);

/* What a !reference [job, key, ...] stands for; anything else is itself. */
static struct val deref(struct gl *g, const struct cy_node *n, struct src *s)
{
    struct val v = { n, s };
    const char *path[16];
    const char *chain[GL_MAX_EXTENDS + 2];
    struct layers *L;

    if (!n || n->kind != CY_SEQ || !n->tag || strcmp(n->tag, "!reference") != 0)
        return v;
    if (n->n < 2 || n->n > 16 || g->ref_depth >= GL_MAX_REF_DEPTH)
        return no_val();
    for (size_t i = 0; i < n->n; i++) {
        if (n->items[i]->kind != CY_SCALAR)
            return no_val();
        path[i] = n->items[i]->str;
    }
    L = layers_new();
    job_layers(g, path[0], L, 0, chain);
    g->ref_depth++;
    v = lookup(g, L, path + 1, n->n - 1);
    g->ref_depth--;
    free(L);
    return v;
}

/* path in the deep merge of layers: the first layer that has it wins; a
 * layer where a step of the path is not a mapping replaces the lower
 * layers there, so the path does not exist. */
static struct val lookup(struct gl *g, const struct layers *L, const char *const *path, size_t np)
{
    for (size_t i = 0; i < L->n; i++) {
        struct val v = { L->v[i].n, L->v[i].src };
        size_t k;
        for (k = 0; k < np; k++) {
            v = deref(g, v.n, v.src);
            if (!v.n || v.n->kind != CY_MAP) {
                if (k > 0)
                    return no_val();
                break;
            }
            v.n = cy_get(v.n, path[k]);
            if (!v.n)
                break;
        }
        if (k == np)
            return deref(g, v.n, v.src);
    }
    return no_val();
}

static struct val lookup1(struct gl *g, const struct layers *L, const char *key)
{
    return lookup(g, L, &key, 1);
}

/* Whether the job takes key from default: (what = "default") or global
 * variable key (what = "variables"), after inherit:. */
static bool inherits(struct job *j, const char *what, const char *key)
{
    const char *path[2] = { "inherit", what };
    struct val v = lookup(j->g, &j->L, path, 2);

    if (!v.n)
        return true;
    if (v.n->kind == CY_SCALAR)
        return !cy_is(v.n, "false");
    if (v.n->kind == CY_SEQ) {
        for (size_t i = 0; i < v.n->n; i++)
            if (cy_is(v.n->items[i], key))
                return true;
        return false;
    }
    return true;
}

/* A job keyword, from the job (and what it extends), else from default:
 * (or the old top-level form) when the job inherits it. */
static struct val job_key(struct job *j, const char *key, bool defaultable, bool *from_default)
{
    struct val v = lookup1(j->g, &j->L, key);
    struct layers *D;

    *from_default = false;
    if (v.n || !defaultable || !inherits(j, "default", key))
        return v;
    D = layers_new();
    top_layers(j->g, "default", D);
    v = lookup1(j->g, D, key);
    free(D);
    if (!v.n) {
        D = layers_new();
        top_layers(j->g, key, D);
        v = D->n ? deref(j->g, D->v[0].n, D->v[0].src) : no_val();
        free(D);
    }
    *from_default = v.n != NULL;
    return v;
}

/* ---- variables and taint ---- */

static const struct taint *predefined(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(taints) / sizeof(taints[0]); i++)
        if (strlen(taints[i].name) == len && memcmp(taints[i].name, name, len) == 0)
            return &taints[i];
    return NULL;
}

/* The text of a variable definition (value or {value: ...}); NULL when
 * expand: false keeps it literal, or it is not text. */
static const struct cy_node *var_text(struct gl *g, struct val def, bool *literal)
{
    const struct cy_node *n = def.n, *e;

    *literal = false;
    if (n && n->kind == CY_MAP) {
        e = cy_get(n, "expand");
        *literal = e && cy_is(e, "false");
        n = deref(g, cy_get(n, "value"), def.src).n;
    }
    return n && n->kind == CY_SCALAR ? n : NULL;
}

static const struct taint *var_taint(struct job *j, const char *name, size_t len);

/* Whether text refers ($X, ${X}) to a tainted variable; $$ is a literal $. */
static const struct taint *text_taint(struct job *j, const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        size_t a, b;
        const struct taint *t;
        if (s[i] != '$')
            continue;
        if (s[i + 1] == '$') {
            i++;
            continue;
        }
        a = i + 1 + (s[i + 1] == '{');
        for (b = a; b < n && (s[b] == '_' || (s[b] >= 'A' && s[b] <= 'Z') ||
                              (s[b] >= 'a' && s[b] <= 'z') || (s[b] >= '0' && s[b] <= '9'));
             b++)
            ;
        if (b > a && (t = var_taint(j, s + a, b - a)) != NULL)
            return t;
    }
    return NULL;
}

static const struct taint *def_taint(struct job *j, struct val def)
{
    bool literal;
    const struct cy_node *t = var_text(j->g, def, &literal);

    if (!t || literal)
        return NULL;
    return text_taint(j, t->str, t->len);
}

/* Definitions of variable name in a rules: list (each rule may set it). */
static const struct taint *rules_taint(struct job *j, struct val rules, const char *name,
                                       bool *defined)
{
    if (!rules.n || rules.n->kind != CY_SEQ)
        return NULL;
    for (size_t i = 0; i < rules.n->n; i++) {
        struct val r = deref(j->g, rules.n->items[i], rules.src);
        struct val vars = deref(j->g, cy_get(r.n, "variables"), r.src);
        struct val def = { cy_get(vars.n, name), vars.src };
        const struct taint *t;
        if (!def.n)
            continue;
        *defined = true;
        if ((t = def_taint(j, deref(j->g, def.n, def.src))) != NULL)
            return t;
    }
    return NULL;
}

/* Where the value of variable name comes from, if attacker text: rules
 * variables (any rule may match), the job's variables, workflow rules,
 * the global variables it inherits, else the predefined variable. A
 * definition with literal text hides the predefined one. */
static const struct taint *var_taint(struct job *j, const char *name, size_t len)
{
    char key[128];
    const char *path[2] = { "variables", key };
    const struct taint *t = NULL;
    struct layers *G;
    struct val def;
    bool defined = false;

    if (len >= sizeof(key) || j->var_depth >= GL_MAX_VAR_DEPTH)
        return NULL;
    if ((t = moat_map_get(&j->local, name, len)) != NULL)
        return t;
    if (j->var_depth == 0 && (t = moat_map_get(&j->memo, name, len)) != NULL)
        return t == &no_taint ? NULL : t;
    memcpy(key, name, len);
    key[len] = '\0';
    j->var_depth++;
    if ((t = rules_taint(j, lookup1(j->g, &j->L, "rules"), key, &defined)) != NULL)
        goto out;
    def = lookup(j->g, &j->L, path, 2);
    if (def.n) {
        t = def_taint(j, def);
        goto out;
    }
    G = layers_new();
    top_layers(j->g, "workflow", G);
    {
        const char *wr[1] = { "rules" };
        t = rules_taint(j, lookup(j->g, G, wr, 1), key, &defined);
    }
    if (!t && strcmp(key, "CI_PIPELINE_NAME") == 0) {
        /* workflow:name is the pipeline's name, expanded */
        const char *wn[1] = { "name" };
        struct val n = lookup(j->g, G, wn, 1);
        if (n.n && n.n->kind == CY_SCALAR)
            t = text_taint(j, n.n->str, n.n->len);
    }
    free(G);
    if (t)
        goto out;
    if (inherits(j, "variables", key)) {
        G = layers_new();
        top_layers(j->g, "variables", G);
        def = lookup(j->g, G, (const char *const *)&path[1], 1);
        free(G);
        if (def.n) {
            t = def_taint(j, def);
            goto out;
        }
    }
    t = predefined(name, len);
out:
    j->var_depth--;
    if (j->var_depth == 0 &&
        moat_map_put(&j->memo, name, len, (void *)(uintptr_t)(t ? t : &no_taint))) {
        /* computed once: nothing was there */
    }
    return t;
}

/* ---- scripts ---- */

struct sh_hit {
    enum gl_sh_event ev;
    size_t off;
    char var[64];
    char sink[48];
};

struct shrun {
    struct job *j;
    MOAT_VEC(struct sh_hit) hits;
};

static bool sh_tainted(void *arg, const char *name, size_t len)
{
    struct shrun *r = arg;
    return var_taint(r->j, name, len) != NULL;
}

static void sh_assigned(void *arg, const char *name, size_t len, const char *var, size_t vlen)
{
    struct shrun *r = arg;
    const struct taint *t = var_taint(r->j, var, vlen);

    if (t && len && moat_map_put(&r->j->local, name, len, (void *)t)) {
        /* assigned again: the latest source counts */
    }
}

static void sh_hit(void *arg, const struct gl_sh_hit *h)
{
    struct shrun *r = arg;
    struct sh_hit x;
    size_t n = h->var_len < sizeof(x.var) - 1 ? h->var_len : sizeof(x.var) - 1;

    memset(&x, 0, sizeof(x));
    x.ev = h->ev;
    x.off = h->off;
    if (h->var)
        memcpy(x.var, h->var, n);
    memcpy(x.sink, h->sink, sizeof(x.sink));
    MOAT_VEC_PUSH(&r->hits, x);
}

static int hit_rank(enum gl_sh_event ev)
{
    return ev == GL_SH_UNQUOTED ? 1 : 2;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct sh_hit *x = a, *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if ((x->ev == GL_SH_DOWNLOAD) != (y->ev == GL_SH_DOWNLOAD))
        return x->ev == GL_SH_DOWNLOAD ? 1 : -1;
    return hit_rank(y->ev) - hit_rank(x->ev);
}

/* The line of the script holding off, trimmed: a finding's evidence. On
 * a very long line, the text around off (so this stays linear). */
static void script_line(const struct cy_node *n, size_t off, char *out, size_t outlen)
{
    size_t a = off, b = off, len;

    while (a > 0 && n->str[a - 1] != '\n' && off - a < outlen / 2)
        a--;
    while (b < n->len && n->str[b] != '\n' && b - a < outlen - 1)
        b++;
    while (a < b && (n->str[a] == ' ' || n->str[a] == '\t'))
        a++;
    while (b > a && (n->str[b - 1] == ' ' || n->str[b - 1] == '\t' || n->str[b - 1] == '\r'))
        b--;
    len = b - a < outlen - 1 ? b - a : outlen - 1;
    memcpy(out, n->str + a, len);
    out[len] = '\0';
}

/* "X (attacker-controlled ...)" or "X (carries Y, attacker-controlled ...)" */
static void describe(const char *var, const struct taint *t, char *out, size_t outlen)
{
    if (!t || strcmp(var, t->name) == 0) {
        if (moat_snprintf(out, outlen, "%s (%s)", var, t ? t->what : "attacker-controlled") != 0) {
            /* cut short: still names the variable */
        }
    } else if (moat_snprintf(out, outlen, "%s (carries %s, %s)", var, t->name, t->what) != 0) {
        /* cut short: still names the variable */
    }
}

/* $[[ inputs.x | expand_vars ]]: GitLab pastes the input, with CI
 * variables expanded, into the script text before any shell reads it, so
 * quoting cannot help. Without expand_vars only the pipeline's own inputs
 * are pasted: reported when pedantic. */
static void audit_inputs(struct job *j, const struct cy_node *n, struct src *s, const char *where)
{
    for (const char *p = n->str, *end; (p = strstr(p, "$[[")) != NULL; p = end + 2) {
        size_t off = (size_t)(p - n->str);
        char ev[GL_MAX_EVIDENCE];
        bool ev_vars;
        if (!(end = strstr(p, "]]")))
            break;
        ev_vars = moat_memcasemem(p, (size_t)(end - p), "expand_vars", 11);
        if (!ev_vars && !s->ctx.pedantic)
            continue;
        if (moat_snprintf(ev, sizeof(ev), "%.*s]]", (int)(end - p), p) != 0) {
            /* a long expression: its start is evidence enough */
        }
        if (ev_vars)
            report(j->g, s, R_INJECTION, -1, MOAT_CONF_HIGH, cy_line_at(n, off), cy_col_at(n, off),
                   ev,
                   "%s pastes variables (branch names, commit text) into the %s of job '%s' "
                   "before the shell reads it",
                   ev, where, j->name);
        else
            report(j->g, s, R_INJECTION, MOAT_SEV_MEDIUM, MOAT_CONF_LOW, cy_line_at(n, off),
                   cy_col_at(n, off), ev,
                   "%s pastes an input into the %s of job '%s' before the shell reads it; "
                   "whoever runs the pipeline chooses it",
                   ev, where, j->name);
    }
}

static void audit_script_line(struct job *j, const struct cy_node *n, struct src *s,
                              const char *where)
{
    struct shrun r;
    struct gl_sh_ops ops = { &r, sh_tainted, sh_assigned, sh_hit };

    memset(&r, 0, sizeof(r));
    r.j = j;
    gl_sh_audit(n->str, n->len, &ops);
    audit_inputs(j, n, s, where);
    if (r.hits.n)
        qsort(r.hits.v, r.hits.n, sizeof(*r.hits.v), cmp_hit);
    for (size_t i = 0; i < r.hits.n; i++) {
        const struct sh_hit *h = &r.hits.v[i];
        const struct taint *t;
        char ev[GL_MAX_EVIDENCE], what[256];
        unsigned line = cy_line_at(n, h->off), col = cy_col_at(n, h->off);
        /* one finding per place: the strongest reading of it (sorted first) */
        if (i > 0 && r.hits.v[i - 1].off == h->off &&
            (r.hits.v[i - 1].ev == GL_SH_DOWNLOAD) == (h->ev == GL_SH_DOWNLOAD))
            continue;
        script_line(n, h->off, ev, sizeof(ev));
        if (h->ev == GL_SH_DOWNLOAD) {
            report(j->g, s, R_PIPE, -1, MOAT_CONF_HIGH, line, col, ev,
                   "download run unverified by %s in the %s of job '%s'", h->sink, where, j->name);
            continue;
        }
        t = var_taint(j, h->var, strlen(h->var));
        /* a ref name is one word unquoted: nothing to split or glob */
        if (h->ev == GL_SH_UNQUOTED && t && t->refname)
            continue;
        describe(h->var, t, what, sizeof(what));
        switch (h->ev) {
        case GL_SH_CODE:
            report(j->g, s, R_INJECTION, -1, MOAT_CONF_HIGH, line, col, ev,
                   "%s is run as code by %s in the %s of job '%s'", what, h->sink, where, j->name);
            break;
        case GL_SH_COMMAND:
            report(j->g, s, R_INJECTION, -1, MOAT_CONF_HIGH, line, col, ev,
                   "%s is run as the command in the %s of job '%s'", what, where, j->name);
            break;
        default:
            report(j->g, s, R_INJECTION, MOAT_SEV_MEDIUM, MOAT_CONF_MEDIUM, line, col, ev,
                   "%s expanded unquoted (split into words and globbed) as an argument of %s "
                   "in the %s of job '%s'",
                   what, h->sink[0] ? h->sink : "a command", where, j->name);
            break;
        }
    }
    free(r.hits.v);
}

/* Every line of a script: a string, a list, lists in lists (GitLab
 * flattens them) and !reference tags, each read where its text is. */
static void audit_script(struct job *j, struct val v, const char *where, unsigned depth)
{
    v = deref(j->g, v.n, v.src);
    if (!v.n || depth > GL_MAX_REF_DEPTH)
        return;
    if (v.n->kind == CY_SCALAR) {
        audit_script_line(j, v.n, v.src, where);
    } else if (v.n->kind == CY_SEQ) {
        for (size_t i = 0; i < v.n->n; i++) {
            struct val it = { v.n->items[i], v.src };
            audit_script(j, it, where, depth + 1);
        }
    }
}

static void job_script(struct job *j, const char *key, bool defaultable)
{
    bool from_default;
    struct val v = job_key(j, key, defaultable, &from_default);
    char where[64];

    if (moat_snprintf(where, sizeof(where), "%s%s", key, from_default ? " (from default)" : "") !=
        0) {
        /* the key names fit */
    }
    audit_script(j, v, where, 0);
}

/* ---- variables: debug tracing and secrets ---- */

/* Go's strconv.ParseBool, which the runner uses, plus YAML 1.1's
 * booleans, which GitLab's YAML loader turns into "true". */
static bool is_true(const struct cy_node *n)
{
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True", NULL };
    static const char *const yaml11[] = { "yes", "Yes", "YES", "on", "On", "ON", "y", "Y", NULL };

    for (const char *const *p = yes; *p; p++)
        if (cy_is(n, *p))
            return true;
    if (n->style == CY_PLAIN)
        for (const char *const *p = yaml11; *p; p++)
            if (cy_is(n, *p))
                return true;
    return false;
}

/* A value that only names other variables ("$TOKEN", "${A}/${B}") holds
 * no secret of its own. */
static bool only_references(const struct cy_node *n)
{
    const char *s = n->str;
    size_t i = 0;

    while (i < n->len) {
        if (s[i] != '$')
            return false;
        i++;
        if (i < n->len && s[i] == '{') {
            const char *close = memchr(s + i, '}', n->len - i);
            if (!close)
                return false;
            i = (size_t)(close - s) + 1;
        } else {
            size_t a = i;
            while (i < n->len && (s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
                                  (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
                i++;
            if (i == a)
                return false;
        }
        while (i < n->len && strchr("/:@.-_", s[i]) && i + 1 < n->len && s[i + 1] == '$')
            i++;
    }
    return n->len > 0;
}

static void audit_vars(struct gl *g, struct val vars, const char *where, bool secrets_only)
{
    vars = deref(g, vars.n, vars.src);
    if (!vars.n || vars.n->kind != CY_MAP)
        return;
    for (size_t i = 0; i < vars.n->n; i++) {
        const struct cy_node *k = vars.n->keys[i];
        struct val d = deref(g, vars.n->items[i], vars.src);
        const struct cy_node *v = d.n;
        const char *rid;
        char ev[160];
        if (v && v->kind == CY_MAP)
            v = deref(g, cy_get(v, "value"), d.src).n;
        if (!v || v->kind != CY_SCALAR || !d.src)
            continue;
        if (!secrets_only && (cy_is(k, "CI_DEBUG_TRACE") || cy_is(k, "CI_DEBUG_SERVICES")) &&
            is_true(v)) {
            report(g, d.src, R_DEBUG, -1, MOAT_CONF_HIGH, v->line, v->col, k->str,
                   "%s is set to %s in %s: the job log shows every variable, secrets included",
                   k->str, v->str, where);
            continue;
        }
        if (v->len < 8 || only_references(v))
            continue;
        if (moat_snprintf(ev, sizeof(ev), "variables.%s", k->str) != 0) {
            /* a long name: its start is evidence enough */
        }
        if (cfg_is_secret(&d.src->ctx, k->str, v->str, v->len, &rid))
            report(g, d.src, R_SECRET, -1, MOAT_CONF_HIGH, v->line, v->col, ev,
                   "variable %s in %s holds a literal secret (%s)", k->str, where, rid);
    }
}

static void audit_rules_vars(struct gl *g, struct val rules, const char *where)
{
    if (!rules.n || rules.n->kind != CY_SEQ)
        return;
    for (size_t i = 0; i < rules.n->n; i++) {
        struct val r = deref(g, rules.n->items[i], rules.src);
        if (r.n && r.n->kind == CY_MAP) {
            struct val v = { cy_get(r.n, "variables"), r.src };
            audit_vars(g, v, where, false);
        }
    }
}

/* ---- images ---- */

/* Registry paths GitLab fills in, which never hold a tag. */
static const char *known_prefix(const char *name, size_t len)
{
    static const char *const v[][2] = {
        { "CI_REGISTRY", "registry.invalid" },
        { "CI_REGISTRY_IMAGE", "registry.invalid/group/project" },
        { "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX", "registry.invalid/group/dependency_proxy" },
        { "CI_DEPENDENCY_PROXY_DIRECT_GROUP_IMAGE_PREFIX",
          "registry.invalid/group/dependency_proxy" },
        { "CI_DEPENDENCY_PROXY_SERVER", "registry.invalid" },
        { "CI_TEMPLATE_REGISTRY_HOST", "registry.invalid" },
        { "CI_SERVER_HOST", "gitlab.invalid" },
        { "CI_SERVER_FQDN", "gitlab.invalid" },
        { "CI_PROJECT_PATH", "group/project" },
        { "CI_PROJECT_NAMESPACE", "group" },
        { "CI_PROJECT_ROOT_NAMESPACE", "group" },
    };

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strlen(v[i][0]) == len && memcmp(v[i][0], name, len) == 0)
            return v[i][1];
    return NULL;
}

/* The literal text of variable name in the job (or globally), if it has
 * one that names no other variable. */
static const char *var_literal(struct gl *g, struct job *j, const char *name)
{
    const char *path[2] = { "variables", name };
    struct val def = no_val();
    struct layers *G;
    const struct cy_node *t;
    bool literal;

    if (j)
        def = lookup(g, &j->L, path, 2);
    if (!def.n && (!j || inherits(j, "variables", name))) {
        G = layers_new();
        top_layers(g, "variables", G);
        def = lookup(g, G, path + 1, 1);
        free(G);
    }
    t = def.n ? var_text(g, def, &literal) : NULL;
    if (!t || (!literal && memchr(t->str, '$', t->len)))
        return NULL;
    return t->str;
}

/* The image name with the variables we know filled in; unknown ones stay
 * as "$". */
static void resolve_image(struct gl *g, struct job *j, const char *s, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; s[i] && o + 1 < outlen;) {
        char name[128];
        size_t a, b;
        const char *val;
        if (s[i] != '$') {
            out[o++] = s[i++];
            continue;
        }
        a = i + 1 + (s[i + 1] == '{');
        for (b = a; s[b] == '_' || (s[b] >= 'A' && s[b] <= 'Z') || (s[b] >= 'a' && s[b] <= 'z') ||
                    (s[b] >= '0' && s[b] <= '9');
             b++)
            ;
        if (b == a || b - a >= sizeof(name)) {
            out[o++] = s[i++];
            continue;
        }
        memcpy(name, s + a, b - a);
        name[b - a] = '\0';
        val = var_literal(g, j, name);
        if (!val)
            val = known_prefix(name, b - a);
        if (!val)
            val = "$";
        for (; *val && o + 1 < outlen; val++)
            out[o++] = *val;
        i = b + (s[a - 1] == '{' && s[b] == '}');
    }
    out[o] = '\0';
}

static void audit_image_name(struct gl *g, struct job *j, struct val v, const char *what,
                             const char *owner)
{
    char img[512];
    const char *last, *colon;

    if (!v.n || v.n->kind != CY_SCALAR || !v.src || v.n->len == 0 || v.n->len >= sizeof(img))
        return;
    resolve_image(g, j, v.n->str, img, sizeof(img));
    if (strstr(img, "@sha256:") || strstr(img, "@sha512:"))
        return;
    last = strrchr(img, '/');
    last = last ? last + 1 : img;
    /* a variable names the image or its tag: not guessed */
    if (strchr(last, '$') || !*last)
        return;
    colon = strchr(last, ':');
    if (!colon) {
        report(g, v.src, R_IMAGE, -1, MOAT_CONF_HIGH, v.n->line, v.n->col, v.n->str,
               "%s '%s' of %s has no tag, so it runs whatever latest is when the job starts", what,
               v.n->str, owner);
    } else if (strcmp(colon + 1, "latest") == 0) {
        report(g, v.src, R_IMAGE, -1, MOAT_CONF_HIGH, v.n->line, v.n->col, v.n->str,
               "%s '%s' of %s uses the moving tag latest", what, v.n->str, owner);
    } else if (v.src->ctx.pedantic) {
        report(g, v.src, R_IMAGE, MOAT_SEV_LOW, MOAT_CONF_LOW, v.n->line, v.n->col, v.n->str,
               "%s '%s' of %s is pinned to a tag, which can be moved; pin it by digest", what,
               v.n->str, owner);
    }
}

/* image: as a string or {name: ...}; layers give the deep merge of a job. */
static void audit_image(struct gl *g, struct job *j, const struct layers *L, const char *owner)
{
    const char *path[2] = { "image", "name" };
    struct val v = lookup(g, L, path, 1);

    if (v.n && v.n->kind == CY_MAP)
        v = lookup(g, L, path, 2);
    audit_image_name(g, j, v, "image", owner);
}

static void audit_services(struct gl *g, struct job *j, struct val v, const char *owner)
{
    if (!v.n || v.n->kind != CY_SEQ)
        return;
    for (size_t i = 0; i < v.n->n; i++) {
        struct val s = deref(g, v.n->items[i], v.src);
        if (s.n && s.n->kind == CY_MAP)
            s = deref(g, cy_get(s.n, "name"), s.src);
        audit_image_name(g, j, s, "service", owner);
    }
}

/* ---- includes ---- */

static bool is_hex(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

static bool is_sha(const char *s)
{
    return is_hex(s, 40) || is_hex(s, 64);
}

/* 1.2.3, 1.2.3-rc.1, 1.2.3+build (optionally v1.2.3): an exact release. */
static bool is_exact_semver(const char *s)
{
    int parts = 0;

    if (*s == 'v')
        s++;
    for (;;) {
        size_t d = strspn(s, "0123456789");
        if (!d)
            return false;
        s += d;
        parts++;
        if (*s != '.' || parts == 3)
            break;
        s++;
    }
    if (parts != 3)
        return false;
    if (*s == '-' || *s == '+')
        return s[1] && strspn(s + 1, "0123456789abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+") == strlen(s + 1);
    return *s == '\0';
}

static bool is_partial_semver(const char *s)
{
    size_t d = strspn(s, "0123456789");

    if (!d)
        return false;
    if (s[d] == '\0')
        return true;
    return s[d] == '.' && strspn(s + d + 1, "0123456789") == strlen(s + d + 1) && s[d + 1];
}

/* A ref or version after the variables we know are filled in; NULL when
 * one is unknown (not guessed). */
static const char *resolve_ref(struct gl *g, const char *s, char *out, size_t outlen)
{
    resolve_image(g, NULL, s, out, outlen);
    return strchr(out, '$') ? NULL : out;
}

static void audit_component(struct gl *g, struct src *s, const struct cy_node *n)
{
    const char *at, *ver;
    char buf[256];

    if (n->kind != CY_SCALAR || n->len >= sizeof(buf))
        return;
    at = strrchr(n->str, '@');
    if (!at) {
        report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, n->line, n->col, n->str,
               "component '%s' has no @version", n->str);
        return;
    }
    if (!(ver = resolve_ref(g, at + 1, buf, sizeof(buf))))
        return;
    if (is_sha(ver))
        return;
    if (strcmp(ver, "~latest") == 0)
        report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, n->line, n->col, n->str,
               "component '%s' follows ~latest: every new release runs in this pipeline", n->str);
    else if (is_exact_semver(ver)) {
        if (s->ctx.pedantic)
            report(g, s, R_INCLUDE, MOAT_SEV_LOW, MOAT_CONF_LOW, n->line, n->col, n->str,
                   "component '%s' is pinned to a release tag, which its project can move; pin "
                   "a commit SHA",
                   n->str);
    } else if (is_partial_semver(ver))
        report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, n->line, n->col, n->str,
               "component '%s' takes the latest release matching %s, which changes as new "
               "releases come out",
               n->str, ver);
    else
        report(g, s, R_INCLUDE, -1, MOAT_CONF_MEDIUM, n->line, n->col, n->str,
               "component '%s' is at '%s', a branch or tag that can move; pin a commit SHA", n->str,
               ver);
}

static bool is_url(const char *s)
{
    return strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0;
}

static void audit_include_entry(struct gl *g, struct src *s, struct val e)
{
    const struct cy_node *p, *r, *ref;
    char buf[256], ev[300];

    e = deref(g, e.n, e.src);
    if (!e.n)
        return;
    if (e.n->kind == CY_SCALAR) {
        if (is_url(e.n->str))
            report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, e.n->line, e.n->col, e.n->str,
                   "remote include '%s' has no integrity hash: the pipeline runs whatever the "
                   "server returns",
                   e.n->str);
        return;
    }
    if (e.n->kind != CY_MAP)
        return;
    if ((p = cy_get(e.n, "project")) != NULL && p->kind == CY_SCALAR) {
        ref = cy_get(e.n, "ref");
        if (!ref) {
            report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, p->line, p->col, p->str,
                   "include of project '%s' has no ref: it runs whatever the default branch "
                   "holds",
                   p->str);
        } else if (ref->kind == CY_SCALAR && ref->len < sizeof(buf)) {
            const char *v = resolve_ref(g, ref->str, buf, sizeof(buf));
            if (moat_snprintf(ev, sizeof(ev), "%s@%s", p->str, ref->str) != 0) {
                /* long names: the start is evidence enough */
            }
            if (v && !is_sha(v))
                report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, ref->line, ref->col, ev,
                       "include of project '%s' at ref '%s': a branch or tag can move; pin a "
                       "full commit SHA",
                       p->str, ref->str);
        }
    }
    if ((r = cy_get(e.n, "remote")) != NULL && r->kind == CY_SCALAR && !cy_get(e.n, "integrity"))
        report(g, s, R_INCLUDE, -1, MOAT_CONF_HIGH, r->line, r->col, r->str,
               "remote include '%s' has no integrity hash: the pipeline runs whatever the server "
               "returns",
               r->str);
    if ((r = cy_get(e.n, "component")) != NULL)
        audit_component(g, s, r);
}

/* The entries of an include: (or a job's trigger:include:), written in s. */
static void audit_include_list(struct gl *g, struct src *s, struct val inc)
{
    inc = deref(g, inc.n, inc.src);
    if (!inc.n)
        return;
    if (inc.n->kind == CY_SEQ) {
        for (size_t i = 0; i < inc.n->n; i++) {
            struct val e = { inc.n->items[i], inc.src };
            audit_include_entry(g, s, e);
        }
    } else {
        audit_include_entry(g, s, inc);
    }
}

static void audit_includes(struct gl *g, struct src *s)
{
    struct val inc = { cy_get(s->root, "include"), s };

    audit_include_list(g, s, inc);
}

/* ---- loading local includes ---- */

static void src_free(struct src *s)
{
    if (!s)
        return;
    cy_free(s->doc);
    moat_buf_release(&s->raw);
    free(s->path);
    free(s);
}

/* A project-relative path that stays inside the project: no "..", no
 * empty or absolute remainder. Returns a new string or NULL. */
static char *clean_rel(const char *p)
{
    const char *seg;

    while (*p == '/')
        p++;
    if (!*p || strchr(p, '$') || strchr(p, '\\'))
        return NULL;
    for (seg = p; *seg;) {
        size_t n = strcspn(seg, "/");
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return NULL;
        seg += n;
        while (*seg == '/')
            seg++;
    }
    return moat_strdup(p);
}

/* Refuse a path with a symlink anywhere below the project directory: an
 * include must not read outside the checkout. */
static bool no_symlink(const char *dir, const char *rel)
{
    char *path = moat_asprintf("%s/%s", dir, rel);
    size_t base = strlen(dir) + 1;
    bool ok = true;

    for (size_t i = base;; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            struct stat st;
            char c = path[i];
            path[i] = '\0';
            if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
                ok = false;
            path[i] = c;
            if (!ok || c == '\0')
                break;
        }
    }
    free(path);
    return ok;
}

static void load_src(struct gl *g, struct src *s, unsigned depth);

static void add_src(struct gl *g, struct src *s)
{
    g->srcs = moat_realloc(g->srcs, (g->nsrcs + 1) * sizeof(*g->srcs));
    g->srcs[g->nsrcs++] = s;
}

/* Load one local include (project-relative path rel, already clean). */
static void include_file(struct gl *g, const char *rel, unsigned depth)
{
    struct moat_err err = { 0, "" };
    struct src *s;
    const char *dir = g->c->disk_dir, *slash = strrchr(g->c->b->path, '/');
    char *full;

    if (moat_map_get(&g->included, rel, strlen(rel)))
        return;
    if (g->nincludes >= GL_MAX_INCLUDES || depth >= GL_MAX_INC_DEPTH) {
        if (!g->warned_limit)
            scan_warn(g->c->w->scan, g->c->b->path,
                      "more local includes than GitLab allows: the rest are not audited");
        g->warned_limit = true;
        return;
    }
    if (moat_map_put(&g->included, rel, strlen(rel), (void *)1)) {
        /* new key */
    }
    g->nincludes++;
    s = moat_calloc(1, sizeof(*s));
    moat_buf_init(&s->raw, CY_MAX_BYTES);
    s->path = slash ? moat_asprintf("%.*s/%s", (int)(slash - g->c->b->path), g->c->b->path, rel)
                    : moat_strdup(rel);
    full = moat_asprintf("%s/%s", dir, rel);
    if (!no_symlink(dir, rel)) {
        scan_warn(g->c->w->scan, s->path, "include not followed: a symlink or missing");
        goto fail;
    }
    if (moat_fs_read(full, &s->raw, &err) != 0) {
        scan_warn(g->c->w->scan, s->path, err.msg);
        goto fail;
    }
    if (cy_load((const unsigned char *)s->raw.data, s->raw.len, &s->doc, &err) != 0) {
        char what[320];
        if (moat_snprintf(what, sizeof(what), "include not audited: %s", err.msg) != 0) {
            /* cut short, still says why */
        }
        scan_warn(g->c->w->scan, s->path, what);
        goto fail;
    }
    s->root = pipeline_root(s->doc);
    s->blob.path = s->path;
    s->blob.data = (const unsigned char *)s->raw.data;
    s->blob.len = s->raw.len;
    s->blob.origin = NULL;
    s->blob.depth = 0;
    s->ctx = *g->c;
    s->ctx.b = &s->blob;
    free(full);
    load_src(g, s, depth + 1);
    return;
fail:
    free(full);
    src_free(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add to set the positions of pat a star at a position in set may skip to. */
static void wild_close(const char *pat, bool *set, size_t np)
{
    for (size_t i = 0; i < np; i++)
        if (set[i] && pat[i] == '*')
            set[i + (pat[i + 1] == '*' ? 2 : 1)] = true;
}

/* Whether path matches a wildcard local include the way GitLab matches it
 * (a regular expression built from the pattern): ** is any text, slashes
 * included, * any text without a slash, and every other byte (?, [) is
 * itself. */
static bool wild_match(const char *pat, const char *path)
{
    size_t np = strlen(pat);
    bool *cur = moat_calloc(np + 1, sizeof(*cur)), *next = moat_calloc(np + 1, sizeof(*next));
    bool ok;

    /* the pattern's positions reachable so far (a star's second '*' is
     * never one: the first stands for both) */
    cur[0] = true;
    wild_close(pat, cur, np);
    for (; *path; path++) {
        bool *t;
        memset(next, 0, (np + 1) * sizeof(*next));
        for (size_t i = 0; i < np; i++) {
            if (!cur[i])
                continue;
            if (pat[i] == '*')
                next[i] = next[i] || pat[i + 1] == '*' || *path != '/';
            else if (pat[i] == *path)
                next[i + 1] = true;
        }
        wild_close(pat, next, np);
        t = cur;
        cur = next;
        next = t;
    }
    ok = cur[np];
    free(cur);
    free(next);
    return ok;
}

/* Files of the project under rel matching a wildcard local include, down
 * to depth levels of subdirectories. */
static void glob_dir(struct gl *g, const char *root, const char *rel, const char *pat,
                     unsigned depth, unsigned level, char ***out, size_t *n)
{
    char *path = rel[0] ? moat_asprintf("%s/%s", root, rel) : moat_strdup(root);
    DIR *d = opendir(path);
    struct dirent *e;

    free(path);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL && *n < GL_MAX_GLOB) {
        char *child;
        struct stat st;
        if (e->d_name[0] == '.' &&
            (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        child = rel[0] ? moat_asprintf("%s/%s", rel, e->d_name) : moat_strdup(e->d_name);
        path = moat_asprintf("%s/%s", root, child);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && level < depth) {
            glob_dir(g, root, child, pat, depth, level + 1, out, n);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && wild_match(pat, child)) {
            *out = moat_realloc(*out, (*n + 1) * sizeof(**out));
            (*out)[(*n)++] = child;
            child = NULL;
        }
        free(path);
        free(child);
    }
    closedir(d);
}

static void include_local(struct gl *g, const struct cy_node *n, unsigned depth)
{
    char *rel;

    if (!n || n->kind != CY_SCALAR || is_url(n->str) || strchr(n->str, '$'))
        return;
    if (!(rel = clean_rel(n->str))) {
        scan_warn(g->c->w->scan, g->c->b->path, "local include outside the project not followed");
        return;
    }
    if (strchr(rel, '*')) {
        char **files = NULL;
        size_t nf = 0;
        const char *star = strchr(rel, '*'), *slash = star;
        unsigned levels = 0;
        char *dir;
        /* start in the literal directory before the first wildcard; go
         * down as many levels as slashes follow it, or GL_MAX_GLOB_DEPTH for ** */
        while (slash > rel && slash[-1] != '/')
            slash--;
        dir = moat_strndup(rel, slash > rel ? (size_t)(slash - rel - 1) : 0);
        for (const char *p = star; *p; p++)
            levels += *p == '/';
        glob_dir(g, g->c->disk_dir, dir, rel, strstr(star, "**") ? GL_MAX_GLOB_DEPTH : levels, 0,
                 &files, &nf);
        if (nf)
            qsort(files, nf, sizeof(*files), cmp_str);
        for (size_t i = 0; i < nf; i++) {
            include_file(g, files[i], depth);
            free(files[i]);
        }
        free(files);
        free(dir);
    } else {
        include_file(g, rel, depth);
    }
    free(rel);
}

/* The files s includes come before it (they have lower precedence), each
 * after its own includes. */
static void load_src(struct gl *g, struct src *s, unsigned depth)
{
    const struct cy_node *inc = cy_get(s->root, "include");

    if (inc && g->c->disk_dir) {
        size_t n = inc->kind == CY_SEQ ? inc->n : 1;
        for (size_t i = 0; i < n; i++) {
            const struct cy_node *e = inc->kind == CY_SEQ ? inc->items[i] : inc;
            if (e->kind == CY_SCALAR)
                include_local(g, e, depth);
            else if (e->kind == CY_MAP)
                include_local(g, cy_get(e, "local"), depth);
        }
    }
    add_src(g, s);
}

/* ---- jobs ---- */

static void audit_job(struct gl *g, const char *name, bool secrets_only)
{
    struct job j;
    const char *chain[GL_MAX_EXTENDS + 2];
    char owner[256];
    bool from_default;

    memset(&j, 0, sizeof(j));
    j.g = g;
    j.name = name;
    moat_map_init(&j.memo);
    job_layers(g, name, &j.L, 0, chain);
    if (moat_snprintf(owner, sizeof(owner), "job '%s'", name) != 0) {
        /* a long job name, cut */
    }
    for (size_t i = 0; i < j.L.n; i++) {
        struct val v = { cy_get(j.L.v[i].n, "variables"), j.L.v[i].src };
        audit_vars(g, v, owner, secrets_only);
    }
    if (secrets_only)
        goto out;
    audit_rules_vars(g, lookup1(g, &j.L, "rules"), owner);
    moat_map_init(&j.local);
    /* before_script and script run in one shell; after_script in another */
    job_script(&j, "before_script", true);
    job_script(&j, "script", false);
    moat_map_release(&j.local, NULL);
    moat_map_init(&j.local);
    job_script(&j, "after_script", true);
    {
        const char *hp[2] = { "hooks", "pre_get_sources_script" };
        struct val v = lookup(g, &j.L, hp, 2);
        if (!v.n && inherits(&j, "default", "hooks")) {
            struct layers *D = layers_new();
            top_layers(g, "default", D);
            v = lookup(g, D, hp, 2);
            free(D);
        }
        audit_script(&j, v, "pre_get_sources_script", 0);
    }
    moat_map_release(&j.local, NULL);
    {
        /* a child pipeline's configuration runs with this project's
         * variables as much as an include: does */
        const char *tp[2] = { "trigger", "include" };
        struct val v = lookup(g, &j.L, tp, 2);
        if (v.n)
            audit_include_list(g, v.src, v);
    }
    /* images from default: are audited once, with the default section */
    {
        struct val v = job_key(&j, "image", false, &from_default);
        if (v.n)
            audit_image(g, &j, &j.L, owner);
        v = job_key(&j, "services", false, &from_default);
        audit_services(g, &j, v, owner);
    }
out:
    moat_map_release(&j.memo, NULL);
}

static void audit_globals(struct gl *g, struct src *s)
{
    struct val v;
    const struct cy_node *d = cy_get(s->root, "default"), *w = cy_get(s->root, "workflow");
    struct layers L;

    audit_includes(g, s);
    v.n = cy_get(s->root, "variables");
    v.src = s;
    audit_vars(g, v, "the global variables", false);
    if (w && w->kind == CY_MAP) {
        v.n = cy_get(w, "rules");
        audit_rules_vars(g, v, "workflow rules");
    }
    /* default: and the old top-level image:/services: */
    for (int i = 0; i < 2; i++) {
        const struct cy_node *m = i == 0 ? d : s->root;
        const char *owner = i == 0 ? "default" : "the pipeline";
        if (!m || m->kind != CY_MAP)
            continue;
        L.n = 0;
        push_layer(&L, m, s);
        if (cy_get(m, "image"))
            audit_image(g, NULL, &L, owner);
        v.n = cy_get(m, "services");
        audit_services(g, NULL, deref(g, v.n, s), owner);
    }
}

void cfg_gitlab_audit(struct cfg_ctx *c, const struct cy_doc *d)
{
    struct gl g;
    struct src *main_src = moat_calloc(1, sizeof(*main_src));
    struct moat_map names;
    bool visible = false;

    memset(&g, 0, sizeof(g));
    g.c = c;
    moat_map_init(&g.included);
    moat_map_init(&g.reported);
    moat_map_init(&names);
    main_src->ctx = *c;
    main_src->blob = *c->b;
    main_src->ctx.b = &main_src->blob;
    main_src->root = pipeline_root(d);
    moat_buf_init(&main_src->raw, 0);
    if (!main_src->root) {
        src_free(main_src);
        goto out;
    }
    {
        /* the scanned file is not included again by a file it includes */
        const char *slash = strrchr(c->b->path, '/');
        const char *base = slash ? slash + 1 : c->b->path;
        if (moat_map_put(&g.included, base, strlen(base), (void *)1)) {
            /* new key */
        }
    }
    load_src(&g, main_src, 0);
    for (size_t i = g.nsrcs; i-- > 0;)
        audit_globals(&g, g.srcs[i]);
    /* jobs: every top-level mapping that is not a keyword, once by name,
     * from the scanned file first */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = g.nsrcs; i-- > 0;) {
            const struct cy_node *r = g.srcs[i]->root;
            for (size_t k = 0; r && k < r->n; k++) {
                const struct cy_node *key = r->keys[k];
                bool hidden = key->str[0] == '.';
                if (is_reserved(key) || r->items[k]->kind != CY_MAP)
                    continue;
                if (pass == 0 && !hidden) {
                    if (moat_map_get(&names, key->str, key->len))
                        continue;
                    if (moat_map_put(&names, key->str, key->len, (void *)1)) {
                        /* new key */
                    }
                    visible = true;
                    audit_job(&g, key->str, false);
                } else if (pass == 1 && hidden && !visible) {
                    /* a file of templates only: they run where it is included */
                    if (moat_map_get(&names, key->str, key->len))
                        continue;
                    if (moat_map_put(&names, key->str, key->len, (void *)1)) {
                        /* new key */
                    }
                    audit_job(&g, key->str, false);
                } else if (pass == 2 && hidden) {
                    /* a secret in a template is committed whether used or not */
                    audit_job(&g, key->str, true);
                }
            }
        }
    }
out:
    for (size_t i = 0; i < g.nsrcs; i++)
        src_free(g.srcs[i]);
    free(g.srcs);
    moat_map_release(&names, NULL);
    moat_map_release(&g.included, NULL);
    moat_map_release(&g.reported, NULL);
}
