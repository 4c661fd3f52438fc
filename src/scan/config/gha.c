/* The GitHub Actions audits of the config analyzer: reads a workflow's
 * triggers, permissions and jobs (or a composite action's steps), runs the
 * workflow- and job-level audits here (triggers, permissions, pinning,
 * runners, containers, secrets) and hands the steps to gha_steps.c, after
 * propagating taint through job outputs until nothing changes. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_PASSES 8 /* of taint through job outputs (needs chains) */
#define MSG_MAX    1024

/* Triggers that run with the base repository's secrets and write token on
 * events outsiders cause. */
#define EV_DANGEROUS (GHA_EV_PR_TARGET | GHA_EV_WORKFLOW_RUN)
/* Triggers a fork's pull request (or anyone's comment on it) starts. */
#define EV_FORKS                                                                                   \
    (GHA_EV_PR | GHA_EV_PR_TARGET | GHA_EV_PR_REVIEW | GHA_EV_PR_REVIEW_COMMENT |                  \
     GHA_EV_ISSUE_COMMENT)

char *gha_dup(struct gha_wf *w, const char *s, size_t n)
{
    return moat_arena_strndup(w->a, s, n);
}

char *gha_fmt(struct gha_wf *w, const char *fmt, ...)
{
    char buf[MSG_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        buf[0] = '\0';
    return gha_dup(w, buf, strlen(buf));
}

static void index_lines(struct gha_wf *w)
{
    const unsigned char *d = w->c->b->data;
    size_t len = w->c->b->len, n = 1;

    for (size_t i = 0; i < len; i++)
        n += d[i] == '\n';
    w->lines = moat_arena_alloc(w->a, n * sizeof(*w->lines));
    w->lines[0] = 0;
    w->nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (d[i] == '\n')
            w->lines[w->nlines++] = i + 1;
}

/* The column of byte off of n on its line in the file: where the text that
 * follows off appears there (literal blocks lose their indentation). */
static unsigned column(struct gha_wf *w, const struct cy_node *n, size_t off, unsigned line)
{
    const char *d = (const char *)w->c->b->data;
    size_t len = w->c->b->len, ls, le, from, nl = 0;
    const char *nle, *hit;

    if (!n->str || line == 0 || line > w->nlines)
        return n->col;
    ls = w->lines[line - 1];
    nle = memchr(d + ls, '\n', len - ls);
    le = nle ? (size_t)(nle - d) : len;
    while (off + nl < n->len && nl < 16 && n->str[off + nl] != '\n')
        nl++;
    if (nl == 0)
        return line == n->line ? n->col : 1;
    from = line == n->line && n->col > 0 && ls + n->col - 1 <= le ? ls + n->col - 1 : ls;
    hit = memmem(d + from, le - from, n->str + off, nl);
    if (hit)
        return (unsigned)(hit - (d + ls)) + 1;
    return line == n->line ? n->col : 1;
}

void gha_report(struct gha_wf *w, int rule, int sev, enum moat_conf conf, const struct cy_node *n,
                size_t off, const char *evidence, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    unsigned line;

    if (!w->report || !n)
        return;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    line = n->kind == CY_SCALAR ? cy_line_at(n, off) : n->line;
    cfg_report(w->c, &cfg_gha_rules[rule], sev, conf, line,
               n->kind == CY_SCALAR ? column(w, n, off, line) : n->col, evidence, "%s", msg);
}

const char *gha_step_label(struct gha_wf *w, const char *job, const struct cy_node *step,
                           size_t index)
{
    const char *name = cy_str(cy_get(step, "name"));
    const char *id = cy_str(cy_get(step, "id"));
    const char *uses = cy_str(cy_get(step, "uses"));
    const char *what = name ? name : id ? id : uses ? gha_dup(w, uses, strcspn(uses, "@")) : NULL;

    if (job)
        return what ? gha_fmt(w, "step '%s' in job '%s'", what, job)
                    : gha_fmt(w, "step %zu in job '%s'", index + 1, job);
    return what ? gha_fmt(w, "step '%s'", what) : gha_fmt(w, "step %zu", index + 1);
}

/* ---- triggers ---- */

static void trigger(struct gha_wf *w, const struct cy_node *name, const struct cy_node *conf)
{
    const char *ev = cy_str(name);
    unsigned bit;

    if (!ev)
        return;
    bit = gha_event_bit(ev);
    w->ev |= bit;
    if (bit & EV_DANGEROUS)
        gha_report(w, GHA_R_DANGEROUS_TRIGGER, -1, MOAT_CONF_HIGH, name, 0, ev,
                   "the workflow runs on %s, with the base repository's secrets and a write "
                   "token, for events outsiders cause",
                   ev);
    if (bit == GHA_EV_PUSH && cy_get(conf, "tags"))
        w->tag_push = true;
    if (bit == GHA_EV_WORKFLOW_DISPATCH)
        w->inputs[0] = cy_get(conf, "inputs");
    if (bit == GHA_EV_WORKFLOW_CALL)
        w->inputs[1] = cy_get(conf, "inputs");
}

static void triggers(struct gha_wf *w)
{
    const struct cy_node *on = cy_get(w->root, "on");

    /* a YAML 1.1 reader would have made the key a boolean */
    if (!on)
        on = cy_get(w->root, "true");
    w->ev_known = on != NULL;
    if (!on)
        return;
    if (on->kind == CY_SCALAR)
        trigger(w, on, NULL);
    for (size_t i = 0; on->kind == CY_SEQ && i < on->n; i++)
        trigger(w, on->items[i], NULL);
    for (size_t i = 0; on->kind == CY_MAP && i < on->n; i++)
        trigger(w, on->keys[i], on->items[i]);
    /* a reusable workflow runs on whatever event its caller had */
    if (w->ev & GHA_EV_WORKFLOW_CALL)
        w->ev_known = false;
}

/* ---- permissions ---- */

static void permissions(struct gha_wf *w, const struct cy_node *jobs)
{
    const struct cy_node *perms = cy_get(w->root, "permissions");
    const char *first = NULL;
    size_t inherit = 0;

    for (size_t i = 0; jobs && jobs->kind == CY_MAP && i < jobs->n; i++) {
        const char *id = cy_str(jobs->keys[i]);
        const struct cy_node *jp = cy_get(jobs->items[i], "permissions");
        if (!id || jobs->items[i]->kind != CY_MAP)
            continue;
        if (cy_is(jp, "write-all"))
            gha_report(w, GHA_R_EXCESSIVE_PERMISSIONS, -1, MOAT_CONF_HIGH, jp, 0, "write-all",
                       "job '%s' grants its token every write permission (write-all)", id);
        if (jp)
            continue;
        if (!first)
            first = id;
        inherit++;
        if (perms) {
            /* the workflow's permissions apply */
        } else if (w->ev != GHA_EV_WORKFLOW_CALL) {
            gha_report(w, GHA_R_MISSING_PERMISSIONS, -1, MOAT_CONF_HIGH, jobs->keys[i], 0, id,
                       "job '%s' has no permissions: and neither has the workflow, so its token "
                       "gets the repository's default (possibly read-write) scopes",
                       id);
        } else if (w->c->pedantic) {
            /* only reusable: its token is the caller's, and the calling job
             * is where a missing permissions: is reported */
            gha_report(w, GHA_R_MISSING_PERMISSIONS, MOAT_SEV_LOW, MOAT_CONF_LOW, jobs->keys[i], 0,
                       id,
                       "job '%s' of a reusable workflow has no permissions: it runs with "
                       "whatever token its caller passes",
                       id);
        }
    }
    if (!perms || inherit == 0)
        return;
    if (cy_is(perms, "write-all"))
        gha_report(w, GHA_R_EXCESSIVE_PERMISSIONS, -1, MOAT_CONF_HIGH, perms, 0, "write-all",
                   "permissions: write-all at workflow level gives every write scope to the "
                   "token of job '%s'%s",
                   first, inherit > 1 ? gha_fmt(w, " and %zu more", inherit - 1) : "");
    for (size_t i = 0; perms->kind == CY_MAP && i < perms->n; i++) {
        const char *scope = cy_str(perms->keys[i]);
        if (!scope || !cy_is(perms->items[i], "write"))
            continue;
        gha_report(w, GHA_R_EXCESSIVE_PERMISSIONS, -1, MOAT_CONF_HIGH, perms->items[i], 0,
                   gha_fmt(w, "%s: write", scope),
                   "workflow-level '%s: write' is inherited by job '%s'%s, which declares no "
                   "permissions of its own",
                   scope, first, inherit > 1 ? gha_fmt(w, " and %zu more", inherit - 1) : "");
    }
}

/* ---- pinning ---- */

static bool full_sha(const char *ref)
{
    size_t n = 0;

    for (; ref[n]; n++)
        if (!((ref[n] >= '0' && ref[n] <= '9') || (ref[n] >= 'a' && ref[n] <= 'f') ||
              (ref[n] >= 'A' && ref[n] <= 'F')))
            return false;
    return n == 40;
}

static bool short_sha(const char *ref)
{
    size_t n = 0;

    for (; ref[n]; n++)
        if (!((ref[n] >= '0' && ref[n] <= '9') || (ref[n] >= 'a' && ref[n] <= 'f')))
            return false;
    return n >= 7 && n < 40;
}

void gha_check_pin(struct gha_wf *w, const struct cy_node *node, const char *where)
{
    const char *u = cy_str(node), *at, *slash;
    bool first_party;

    if (!u || !u[0] || strncmp(u, "./", 2) == 0 || strstr(u, "${{"))
        return;
    if (strncmp(u, "docker://", 9) == 0) {
        if (!strstr(u, "@sha256:"))
            gha_report(w, GHA_R_UNPINNED_ACTION, MOAT_SEV_HIGH, MOAT_CONF_HIGH, node, 0, u,
                       "%s uses the image %s by tag, not by @sha256: digest, so its publisher "
                       "can change what runs",
                       where, u + 9);
        return;
    }
    at = strchr(u, '@');
    slash = strchr(u, '/');
    first_party = slash && ((slash - u == 7 && strncasecmp(u, "actions", 7) == 0) ||
                            (slash - u == 6 && strncasecmp(u, "github", 6) == 0));
    if (at && full_sha(at + 1))
        return;
    gha_report(w, GHA_R_UNPINNED_ACTION, first_party ? MOAT_SEV_MEDIUM : MOAT_SEV_HIGH,
               MOAT_CONF_HIGH, node, 0, u, "%s uses %s, %s", where, u,
               !at                 ? "with no version at all"
               : short_sha(at + 1) ? "pinned to a short commit SHA, which is resolved like a "
                                     "branch name and can be shadowed; pin the full 40-character "
                                     "SHA"
                                   : gha_fmt(w,
                                             "pinned to '%s', a tag or branch its owner (or "
                                             "anyone who takes over the repository) can move",
                                             at + 1));
}

/* ---- runners ---- */

static bool self_hosted(const struct cy_node *n)
{
    const char *s = cy_str(n);

    if (s)
        return strcasecmp(s, "self-hosted") == 0;
    for (size_t i = 0; n && n->kind == CY_SEQ && i < n->n; i++)
        if (self_hosted(n->items[i]))
            return true;
    return false;
}

struct matrix_ref {
    const char *key;
};

static void on_matrix(void *arg, const char *path)
{
    struct matrix_ref *m = arg;

    if (!m->key && strncmp(path, "matrix.", 7) == 0 && !strchr(path + 7, '.'))
        m->key = path + 7;
}

/* Whether ${{ matrix.KEY }} in a runs-on label can be self-hosted. */
static bool matrix_self_hosted(struct gha_wf *w, const struct cy_node *job, const char *label)
{
    const struct cy_node *matrix = cy_get(cy_get(job, "strategy"), "matrix");
    struct matrix_ref m = { NULL };
    size_t pos = 0, a, b;

    while (gha_expr_find(label, strlen(label), &pos, &a, &b))
        gha_expr_values(gha_expr_parse(w->a, label + a + 3, b - a - 5), on_matrix, &m);
    if (!m.key || !matrix || matrix->kind != CY_MAP)
        return false;
    for (size_t i = 0; i < matrix->n; i++) {
        const char *k = cy_str(matrix->keys[i]);
        if (k && strcasecmp(k, m.key) == 0 && self_hosted(matrix->items[i]))
            return true;
    }
    for (size_t i = 0; i < matrix->n; i++) {
        const struct cy_node *inc = matrix->items[i];
        if (!cy_is(matrix->keys[i], "include"))
            continue;
        for (size_t j = 0; inc->kind == CY_SEQ && j < inc->n; j++)
            for (size_t k = 0; inc->items[j]->kind == CY_MAP && k < inc->items[j]->n; k++) {
                const char *key = cy_str(inc->items[j]->keys[k]);
                if (key && strcasecmp(key, m.key) == 0 && self_hosted(inc->items[j]->items[k]))
                    return true;
            }
    }
    return false;
}

/* Whether the literal label[i..j] of the expression label[a, b) is an
 * operand of == or != (compared with, not chosen). */
static bool compared(const char *label, size_t a, size_t b, size_t i, size_t j)
{
    size_t p = i, q = j + 1;

    while (p > a && (label[p - 1] == ' ' || label[p - 1] == '\t'))
        p--;
    while (q < b && (label[q] == ' ' || label[q] == '\t'))
        q++;
    return (p > a && label[p - 1] == '=') ||
           (q + 1 < b && (label[q] == '=' || label[q] == '!') && label[q + 1] == '=');
}

/* Whether a string literal of an expression in label names a self-hosted
 * runner: 'self-hosted' chosen by a condition
 * (cond && 'self-hosted' || 'ubuntu-latest'), or inside a JSON list
 * (fromJSON('["self-hosted", "linux"]')). */
static bool expr_self_hosted(const char *label)
{
    static const char want[] = "self-hosted";
    size_t len = strlen(label), pos = 0, a, b;

    while (gha_expr_find(label, len, &pos, &a, &b))
        for (size_t i = a; i < b; i++) {
            size_t j;
            if (label[i] != '\'')
                continue;
            /* a literal, '' standing for a quote inside it */
            for (j = i + 1; j < b; j++) {
                if (label[j] == '\'' && j + 1 < b && label[j + 1] == '\'')
                    j++;
                else if (label[j] == '\'')
                    break;
            }
            if (compared(label, a, b, i, j)) {
                i = j;
                continue;
            }
            if ((j - i - 1 == sizeof(want) - 1 &&
                 strncasecmp(label + i + 1, want, sizeof(want) - 1) == 0) ||
                moat_memcasemem(label + i + 1, j - i - 1, "\"self-hosted\"", sizeof(want) + 1))
                return true;
            i = j;
        }
    return false;
}

/* The runs-on node (or label) that names a self-hosted runner, or NULL. */
static const struct cy_node *self_hosted_label(struct gha_wf *w, const struct cy_node *job,
                                               const struct cy_node *n)
{
    const char *s = cy_str(n);

    if (s)
        return self_hosted(n) ||
                       (strstr(s, "${{") && (matrix_self_hosted(w, job, s) || expr_self_hosted(s)))
                   ? n
                   : NULL;
    for (size_t i = 0; n && n->kind == CY_SEQ && i < n->n; i++)
        if (self_hosted_label(w, job, n->items[i]))
            return n->items[i];
    if (n && n->kind == CY_MAP) {
        const struct cy_node *labels = cy_get(n, "labels");
        return labels ? self_hosted_label(w, job, labels) : NULL;
    }
    return NULL;
}

static const char *fork_triggers(struct gha_wf *w)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        { GHA_EV_PR, "pull_request" },
        { GHA_EV_PR_TARGET, "pull_request_target" },
        { GHA_EV_PR_REVIEW, "pull_request_review" },
        { GHA_EV_PR_REVIEW_COMMENT, "pull_request_review_comment" },
        { GHA_EV_ISSUE_COMMENT, "issue_comment" },
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (w->ev & names[i].bit)
            return names[i].name;
    return "a pull request event";
}

static void runner(struct gha_wf *w, const char *id, const struct cy_node *job)
{
    const struct cy_node *runs_on = cy_get(job, "runs-on"), *hit;

    if (!runs_on || !(w->ev & EV_FORKS))
        return;
    hit = self_hosted_label(w, job, runs_on);
    if (hit) {
        gha_report(w, GHA_R_SELF_HOSTED_RUNNER, -1, MOAT_CONF_HIGH, hit, 0, "self-hosted",
                   "job '%s' runs on a self-hosted runner in a workflow that pull requests "
                   "from forks can start (%s)",
                   id, fork_triggers(w));
        return;
    }
    /* runner groups hold self-hosted runners, or GitHub's larger runners */
    if (w->c->pedantic && runs_on->kind == CY_MAP && cy_get(runs_on, "group"))
        gha_report(w, GHA_R_SELF_HOSTED_RUNNER, -1, MOAT_CONF_LOW, cy_get(runs_on, "group"), 0,
                   "group",
                   "job '%s' runs in runner group '%s' (possibly self-hosted) in a "
                   "workflow that pull requests from forks can start (%s)",
                   id, cy_str(cy_get(runs_on, "group")) ? cy_str(cy_get(runs_on, "group")) : "?",
                   fork_triggers(w));
}

/* ---- containers and services ---- */

static void image(struct gha_wf *w, const struct cy_node *n, const char *what)
{
    const char *img = cy_str(n), *ref, *slash, *colon;

    if (!img || !img[0] || strstr(img, "${{"))
        return;
    ref = strncmp(img, "docker://", 9) == 0 ? img + 9 : img;
    if (strstr(ref, "@sha256:"))
        return;
    slash = strrchr(ref, '/');
    colon = strrchr(slash ? slash : ref, ':');
    if (!colon || strcasecmp(colon + 1, "latest") == 0)
        gha_report(w, GHA_R_UNPINNED_IMAGE, -1, MOAT_CONF_HIGH, n, 0, img,
                   "%s uses the image '%s' %s, so it runs whatever the registry serves", what, img,
                   colon ? "tagged latest" : "without a tag (latest)");
    else if (w->c->pedantic)
        gha_report(w, GHA_R_UNPINNED_IMAGE, -1, MOAT_CONF_LOW, n, 0, img,
                   "%s uses the image '%s' by its tag, which its publisher can move; pin it "
                   "by @sha256: digest",
                   what, img);
}

static void container(struct gha_wf *w, const struct cy_node *c, const char *what)
{
    const struct cy_node *pw = cy_get(cy_get(c, "credentials"), "password");
    const char *p = cy_str(pw);

    if (!c)
        return;
    image(w, c->kind == CY_SCALAR ? c : cy_get(c, "image"), what);
    if (p && p[0] && !strstr(p, "${{"))
        gha_report(w, GHA_R_HARDCODED_CONTAINER_CREDENTIALS, -1, MOAT_CONF_HIGH, pw, 0,
                   gha_fmt(w, "%s credentials.password", what),
                   "%s has its registry password written in the workflow", what);
}

/* ---- toJSON(secrets) anywhere ---- */

static void secrets_dump(struct gha_wf *w, const struct cy_node *n, const char *key, int depth)
{
    if (!n || depth > CY_MAX_DEPTH)
        return;
    if (n->kind == CY_SCALAR && n->str) {
        size_t pos = 0, a, b;
        bool found = false;
        /* if: takes a bare expression */
        if (key && strcmp(key, "if") == 0 && !strstr(n->str, "${{")) {
            if (gha_expr_dumps_secrets(gha_expr_parse(w->a, n->str, n->len)))
                gha_report(w, GHA_R_OVERPROVISIONED_SECRETS, -1, MOAT_CONF_HIGH, n, 0, n->str,
                           "if: serializes every secret with toJSON(secrets)");
            return;
        }
        while (!found && gha_expr_find(n->str, n->len, &pos, &a, &b)) {
            const struct gha_expr *e = gha_expr_parse(w->a, n->str + a + 3, b - a - 5);
            if (gha_expr_dumps_secrets(e)) {
                gha_report(
                    w, GHA_R_OVERPROVISIONED_SECRETS, -1, MOAT_CONF_HIGH, n, a,
                    gha_dup(w, n->str + a, b - a), "%s hands every secret of the workflow to %s",
                    gha_dup(w, n->str + a, b - a), key ? gha_fmt(w, "'%s'", key) : "one value");
            }
        }
        return;
    }
    for (size_t i = 0; i < n->n; i++)
        secrets_dump(w, n->items[i], n->kind == CY_MAP ? cy_str(n->keys[i]) : key, depth + 1);
}

/* ---- jobs ---- */

static void job_audits(struct gha_wf *w, const char *id, const struct cy_node *job)
{
    const struct cy_node *uses = cy_get(job, "uses"), *sec = cy_get(job, "secrets");
    const struct cy_node *services = cy_get(job, "services");

    if (uses)
        gha_check_pin(w, uses, gha_fmt(w, "job '%s'", id));
    if (cy_is(sec, "inherit"))
        gha_report(w, GHA_R_SECRETS_INHERIT, -1, MOAT_CONF_HIGH, sec, 0,
                   gha_fmt(w, "%s secrets: inherit", cy_str(uses) ? cy_str(uses) : id),
                   "job '%s' passes every secret of the repository to %s", id,
                   cy_str(uses) ? cy_str(uses) : "the called workflow");
    runner(w, id, job);
    container(w, cy_get(job, "container"), gha_fmt(w, "the container of job '%s'", id));
    for (size_t i = 0; services && services->kind == CY_MAP && i < services->n; i++)
        container(w, services->items[i],
                  gha_fmt(w, "service '%s' of job '%s'",
                          cy_str(services->keys[i]) ? cy_str(services->keys[i]) : "?", id));
}

/* Calls fn(arg, dependency index) for each job that job i needs. */
static void each_need(const struct moat_map *index, const struct cy_node *job,
                      void (*fn)(void *arg, size_t dep), void *arg)
{
    const struct cy_node *needs = cy_get(job, "needs");
    size_t n = needs && needs->kind == CY_SEQ ? needs->n : 1;

    for (size_t k = 0; needs && k < n; k++) {
        const char *name = cy_str(needs->kind == CY_SEQ ? needs->items[k] : needs);
        void *v = name ? moat_map_get(index, name, strlen(name)) : NULL;
        if (v)
            fn(arg, (size_t)(uintptr_t)v - 1);
    }
}

struct graph {
    size_t *indeg, *outdeg, *start, *edges, *fill;
    size_t self; /* the job whose needs are being visited */
};

static void count_edge(void *arg, size_t dep)
{
    struct graph *g = arg;

    g->outdeg[dep]++;
    g->indeg[g->self]++;
}

static void add_edge(void *arg, size_t dep)
{
    struct graph *g = arg;

    g->edges[g->start[dep] + g->fill[dep]++] = g->self;
}

/* Job indexes with every job after the jobs it needs (Kahn's algorithm);
 * jobs on a cycle come last, in file order. */
static size_t *needs_order(struct gha_wf *w, const struct cy_node *jobs)
{
    size_t n = jobs->n, nedges = 0, head = 0, tail = 0;
    size_t *order = moat_arena_alloc(w->a, (n ? n : 1) * sizeof(*order));
    struct graph g;
    struct moat_map index;
    unsigned char *placed = moat_arena_alloc(w->a, n ? n : 1);

    moat_map_init(&index);
    g.indeg = moat_arena_alloc(w->a, 4 * (n ? n : 1) * sizeof(size_t));
    g.outdeg = g.indeg + n;
    g.start = g.outdeg + n;
    g.fill = g.start + n;
    memset(g.indeg, 0, 4 * n * sizeof(size_t));
    memset(placed, 0, n);
    for (size_t i = 0; i < n; i++) {
        const char *id = cy_str(jobs->keys[i]);
        if (id && moat_map_put(&index, id, strlen(id), (void *)(uintptr_t)(i + 1))) {
            /* a duplicate key: the loader refuses those */
        }
    }
    for (g.self = 0; g.self < n; g.self++)
        each_need(&index, jobs->items[g.self], count_edge, &g);
    for (size_t i = 0; i < n; i++) {
        g.start[i] = nedges;
        nedges += g.outdeg[i];
    }
    g.edges = moat_arena_alloc(w->a, (nedges ? nedges : 1) * sizeof(size_t));
    for (g.self = 0; g.self < n; g.self++)
        each_need(&index, jobs->items[g.self], add_edge, &g);
    for (size_t i = 0; i < n; i++)
        if (g.indeg[i] == 0)
            order[tail++] = i, placed[i] = 1;
    while (head < tail) {
        size_t j = order[head++];
        for (size_t e = g.start[j]; e < g.start[j] + g.outdeg[j]; e++)
            if (--g.indeg[g.edges[e]] == 0 && !placed[g.edges[e]])
                order[tail++] = g.edges[e], placed[g.edges[e]] = 1;
    }
    for (size_t i = 0; i < n; i++)
        if (!placed[i])
            order[tail++] = i;
    moat_map_release(&index, NULL);
    return order;
}

static void workflow(struct gha_wf *w)
{
    const struct cy_node *jobs = cy_get(w->root, "jobs");
    size_t *order;

    w->shell = cy_str(cy_get(cy_get(cy_get(w->root, "defaults"), "run"), "shell"));
    triggers(w);
    secrets_dump(w, w->root, NULL, 0);
    gha_env(w, cy_get(w->root, "env"), &w->glob);
    if (!jobs || jobs->kind != CY_MAP)
        return;
    permissions(w, jobs);
    for (size_t i = 0; i < jobs->n; i++)
        if (cy_str(jobs->keys[i]) && jobs->items[i]->kind == CY_MAP)
            job_audits(w, cy_str(jobs->keys[i]), jobs->items[i]);
    /* outputs of one job feed the jobs that need it: walked in that order,
     * one pass settles them; only cycles (invalid) take more */
    order = needs_order(w, jobs);
    w->report = false;
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        bool changed = false;
        for (size_t k = 0; k < jobs->n; k++) {
            size_t i = order[k];
            if (cy_str(jobs->keys[i]) && jobs->items[i]->kind == CY_MAP)
                changed |= gha_walk_job(w, cy_str(jobs->keys[i]), jobs->items[i],
                                        cy_get(jobs->items[i], "steps"));
        }
        if (!changed)
            break;
    }
    w->report = true;
    for (size_t k = 0; k < jobs->n; k++) {
        size_t i = order[k];
        if (cy_str(jobs->keys[i]) && jobs->items[i]->kind == CY_MAP &&
            gha_walk_job(w, cy_str(jobs->keys[i]), jobs->items[i],
                         cy_get(jobs->items[i], "steps"))) {
            /* taint settled in the passes above */
        }
    }
}

static void action(struct gha_wf *w)
{
    const struct cy_node *runs = cy_get(w->root, "runs");

    w->ev_known = false;
    w->inputs[2] = cy_get(w->root, "inputs");
    secrets_dump(w, w->root, NULL, 0);
    if (!cy_is(cy_get(runs, "using"), "composite"))
        return;
    if (gha_walk_job(w, NULL, runs, cy_get(runs, "steps"))) {
        /* an action has no job outputs to propagate */
    }
}

void cfg_gha_audit(struct cfg_ctx *c, const struct cy_doc *d, bool is_action)
{
    for (size_t i = 0; i < cy_ndocs(d); i++) {
        const struct cy_node *root = cy_root(d, i);
        struct moat_arena arena;
        struct gha_wf w;

        if (!root || root->kind != CY_MAP)
            continue;
        memset(&w, 0, sizeof(w));
        moat_arena_init(&arena, 0);
        w.c = c;
        w.a = &arena;
        w.root = root;
        w.action = is_action;
        w.report = true;
        index_lines(&w);
        if (is_action)
            action(&w);
        else
            workflow(&w);
        free(w.glob.v);
        free(w.loc.v);
        moat_arena_release(&arena);
    }
}
