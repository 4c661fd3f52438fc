/* The step-level GitHub Actions audits: walks a job's steps in order, keeps
 * what earlier steps left behind (tainted env and outputs, pull request
 * checkouts, checkouts that kept credentials) and reports template
 * injection, untrusted checkouts followed by a build, $GITHUB_ENV writes,
 * pipe-to-shell, uploaded credentials and caches in release jobs. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_CHECKOUTS 16  /* remembered per job */
#define MAX_SHOWN     120 /* bytes of script quoted in a message */
#define WORD          256 /* bytes of a word or of "what runs" in messages */

/* Triggers where checking out the pull request hands it the base
 * repository's secrets and write token. */
#define EV_CHECKOUT (GHA_EV_PR_TARGET | GHA_EV_WORKFLOW_RUN | GHA_EV_ISSUE_COMMENT)
/* Triggers outsiders cause that run with the base repository's privileges. */
#define EV_PRIVILEGED (EV_CHECKOUT | GHA_EV_ISSUES | GHA_EV_DISCUSSION | GHA_EV_DISCUSSION_COMMENT)

struct checkout {
    const struct cy_node *node;
    size_t off;
    const char *what;
    const char *label;
    enum moat_conf conf;
    bool done;
};

struct job {
    struct gha_wf *w;
    const char *id;
    bool windows;
    const char *shell;
    bool guarded;        /* if: lets only same-repository pull requests in */
    const char *release; /* why a cache here can poison a release, or NULL */
    struct checkout co[MAX_CHECKOUTS];
    size_t nco;
    const char *persisted[MAX_CHECKOUTS]; /* checkout dirs with credentials in .git */
    size_t npersisted;
};

struct step {
    struct job *j;
    const struct cy_node *node;
    const char *label;
    const char *id; /* lowercased, or NULL */
    bool guarded;
    struct gha_srcs out; /* env and outputs it sets for the steps after it */
};

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static const char *trigger_name(const struct gha_wf *w, unsigned mask)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        { GHA_EV_PR_TARGET, "pull_request_target" },
        { GHA_EV_WORKFLOW_RUN, "workflow_run" },
        { GHA_EV_ISSUE_COMMENT, "issue_comment" },
        { GHA_EV_ISSUES, "issues" },
        { GHA_EV_DISCUSSION, "discussion" },
        { GHA_EV_DISCUSSION_COMMENT, "discussion_comment" },
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (w->ev & mask & names[i].bit)
            return names[i].name;
    return "a privileged event";
}

static bool checkout_trigger(const struct gha_wf *w)
{
    return !w->action && (w->ev & EV_CHECKOUT);
}

/* Whether an if: condition admits only same-repository pull requests. */
static bool guard(struct gha_wf *w, const struct cy_node *cond)
{
    const char *s = cy_str(cond);
    size_t n, b = 0;

    if (!s)
        return false;
    n = strlen(s);
    while (b < n && (s[b] == ' ' || s[b] == '\t'))
        b++;
    while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    if (n - b >= 5 && strncmp(s + b, "${{", 3) == 0 && strncmp(s + n - 2, "}}", 2) == 0) {
        b += 3;
        n -= 2;
    }
    return gha_expr_same_repo(gha_expr_parse(w->a, s + b, n - b));
}

/* s[from, to) up to its first newline, trimmed and cut for a message. */
static const char *shown(struct gha_wf *w, const char *s, size_t from, size_t to)
{
    const char *nl = memchr(s + from, '\n', to - from);

    if (nl)
        to = (size_t)(nl - s);
    while (from < to && (s[from] == ' ' || s[from] == '\t'))
        from++;
    while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t' || s[to - 1] == '\r'))
        to--;
    if (to - from > MAX_SHOWN)
        return gha_fmt(w, "%.*s...", MAX_SHOWN, s + from);
    return gha_dup(w, s + from, to - from);
}

/* The whole line of s[from] (to bounds s), as shown() shows it. */
static const char *line_of(struct gha_wf *w, const char *s, size_t from, size_t to)
{
    while (from > 0 && s[from - 1] != '\n')
        from--;
    return shown(w, s, from, to);
}

/* ---- untrusted checkout: a pull request checkout, then a build ---- */

static void add_checkout(struct step *st, const struct cy_node *node, size_t off, const char *what,
                         enum moat_conf conf)
{
    struct job *j = st->j;

    /* one per step: git fetch X && git checkout X is one checkout */
    if (j->guarded || st->guarded || j->nco == MAX_CHECKOUTS ||
        (j->nco > 0 && j->co[j->nco - 1].label == st->label))
        return;
    j->co[j->nco++] = (struct checkout){ node, off, what, st->label, conf, false };
}

static void build(struct step *st, const char *what)
{
    struct job *j = st->j;

    if (st->guarded)
        return;
    for (size_t i = 0; i < j->nco; i++) {
        struct checkout *co = &j->co[i];
        if (co->done)
            continue;
        co->done = true;
        gha_report(j->w, GHA_R_UNTRUSTED_CHECKOUT, -1, co->conf, co->node, co->off, co->what,
                   "%s checks out %s in a workflow triggered by %s, and %s then runs that "
                   "code (%s) with the workflow's secrets and token",
                   co->label, co->what, trigger_name(j->w, EV_CHECKOUT),
                   st->label == co->label ? "the same step" : st->label, what);
    }
}

static bool pr_ref_text(const char *s)
{
    const char *pull = strstr(s, "pull/");

    return strstr(s, "refs/pull") || (pull && (strstr(pull, "/head") || strstr(pull, "/merge")));
}

struct outputs_ref {
    bool found;
};

static void on_output_path(void *arg, const char *path)
{
    struct outputs_ref *o = arg;

    if (strncmp(path, "steps.", 6) == 0 || strncmp(path, "needs.", 6) == 0 ||
        strncmp(path, "env.", 4) == 0)
        o->found = true;
}

static void checkout_step(struct step *st, const struct cy_node *with)
{
    struct gha_wf *w = st->j->w;
    const struct cy_node *ref = cy_get(with, "ref"), *repo = cy_get(with, "repository");
    const struct cy_node *path = cy_get(with, "path");
    const char *r = cy_str(ref);
    struct gha_hit h = { 0 };

    if (!cy_is(cy_get(with, "persist-credentials"), "false") && st->j->npersisted < MAX_CHECKOUTS) {
        char *dir = gha_dup(w, cy_str(path) ? cy_str(path) : "", cy_str(path) ? path->len : 0);
        size_t n;
        while (strncmp(dir, "./", 2) == 0)
            dir += 2;
        n = strlen(dir);
        while (n > 0 && dir[n - 1] == '/')
            dir[--n] = '\0';
        st->j->persisted[st->j->npersisted++] = strcmp(dir, ".") == 0 ? "" : dir;
    }
    if (!checkout_trigger(w))
        return;
    if (r) {
        gha_taint_text(w, r, 0, ref->len, false, &h);
        if (h.flags & GHA_T_HEAD) {
            add_checkout(st, ref, 0, h.head, MOAT_CONF_HIGH);
            return;
        }
        if (pr_ref_text(r)) {
            add_checkout(st, ref, 0, gha_fmt(w, "the pull request (ref: %s)", r), MOAT_CONF_HIGH);
            return;
        }
    }
    if (cy_str(repo)) {
        struct gha_hit hr = { 0 };
        gha_taint_text(w, cy_str(repo), 0, repo->len, false, &hr);
        if (hr.flags & GHA_T_HEAD) {
            add_checkout(st, repo, 0, hr.head, MOAT_CONF_HIGH);
            return;
        }
    }
    /* issue_comment and workflow_run payloads do not name the pull request's
     * code: a ref computed by earlier steps almost always is it */
    if (r && (w->ev & (GHA_EV_ISSUE_COMMENT | GHA_EV_WORKFLOW_RUN))) {
        struct outputs_ref o = { false };
        size_t pos = 0, a, b;
        while (gha_expr_find(r, ref->len, &pos, &a, &b))
            gha_expr_paths(gha_expr_parse(w->a, r + a + 3, b - a - 5), on_output_path, &o);
        if (o.found)
            add_checkout(st, ref, 0, gha_fmt(w, "a ref computed by earlier steps (%s)", r),
                         MOAT_CONF_MEDIUM);
    }
}

struct run_ref {
    bool found;
};

static void on_run_path(void *arg, const char *path)
{
    struct run_ref *o = arg;

    if (strncmp(path, "github.event.workflow_run.", 26) == 0)
        o->found = true;
}

/* Whether a with: value names the run that triggered a workflow_run
 * workflow (github.event.workflow_run.id, .head_sha, ...). */
static bool names_triggering_run(struct gha_wf *w, const struct cy_node *v)
{
    const char *s = cy_str(v);
    struct run_ref o = { false };
    size_t pos = 0, a, b;

    while (s && gha_expr_find(s, v->len, &pos, &a, &b))
        gha_expr_paths(gha_expr_parse(w->a, s + a + 3, b - a - 5), on_run_path, &o);
    return o.found;
}

static bool workspace_dir(const struct cy_node *path)
{
    const char *p = cy_str(path);

    if (!p)
        return true;
    while (*p == ' ')
        p++;
    return !*p || strcmp(p, ".") == 0 || strcmp(p, "./") == 0 ||
           strcmp(p, "${{ github.workspace }}") == 0 || strcmp(p, "$GITHUB_WORKSPACE") == 0 ||
           strcmp(p, "${GITHUB_WORKSPACE}") == 0;
}

/* A workflow_run workflow that downloads the triggering run's artifact into
 * the workspace: what the pull request's build uploaded replaces the files
 * the later steps run (artifact poisoning). An artifact kept in its own
 * directory is data, unless something runs from there, which is not
 * followed. */
static void artifact_step(struct step *st, const char *uses, const struct cy_node *with)
{
    static const struct {
        const char *action, *run, *path;
    } dl[] = {
        { "actions/download-artifact", "run-id", "path" },
        { "dawidd6/action-download-artifact", "run_id", "path" },
    };
    struct gha_wf *w = st->j->w;

    if (w->action || !(w->ev & GHA_EV_WORKFLOW_RUN))
        return;
    for (size_t i = 0; i < sizeof(dl) / sizeof(dl[0]); i++) {
        const struct cy_node *run = cy_get(with, dl[i].run);
        if (!gha_uses_is(uses, dl[i].action) || !names_triggering_run(w, run) ||
            !workspace_dir(cy_get(with, dl[i].path)))
            continue;
        add_checkout(st, run, 0,
                     gha_fmt(w, "the artifact of the triggering run (%s: %s) into the workspace",
                             dl[i].run, cy_str(run)),
                     MOAT_CONF_MEDIUM);
    }
}

/* ---- artipacked: the workspace's .git uploaded with its token ---- */

/* Major and minor version of uses@vX.Y, or of a "# vX.Y" comment after a
 * uses: pinned by SHA; -1 where unknown. */
static void version(struct gha_wf *w, const struct cy_node *uses, int *major, int *minor)
{
    const char *u = cy_str(uses), *at = u ? strchr(u, '@') : NULL;
    char buf[64];
    const char *v;
    size_t n = 0;

    *major = *minor = -1;
    if (!at)
        return;
    if (at[1] == 'v' || at[1] == 'V' || (at[1] >= '0' && at[1] <= '9')) {
        v = at + 1;
        n = strlen(v);
    } else if (uses->line > 0 && uses->line <= w->nlines) {
        const char *d = (const char *)w->c->b->data;
        size_t ls = w->lines[uses->line - 1], len = w->c->b->len;
        const char *nl = memchr(d + ls, '\n', len - ls);
        const char *end = nl ? nl : d + len;
        v = memchr(d + ls, '#', (size_t)(end - (d + ls)));
        if (!v)
            return;
        n = (size_t)(end - v);
    } else {
        return;
    }
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    for (v = buf; *v == '#' || *v == ' ' || *v == '\t' || *v == 'v' || *v == 'V'; v++)
        ;
    if (!(*v >= '0' && *v <= '9'))
        return;
    for (*major = 0; *v >= '0' && *v <= '9' && *major < 1000; v++)
        *major = *major * 10 + (*v - '0');
    if (*v == '.' && v[1] >= '0' && v[1] <= '9')
        for (*minor = 0, v++; *v >= '0' && *v <= '9' && *minor < 1000; v++)
            *minor = *minor * 10 + (*v - '0');
}

/* Strip the workspace prefix and ./ from an upload path. */
static char *upload_path(struct gha_wf *w, const char *s, size_t n)
{
    char *p = gha_dup(w, s, n);
    size_t pos = 0, a, b;

    if (strncmp(p, "${{", 3) == 0 && gha_expr_find(p, strlen(p), &pos, &a, &b) && a == 0) {
        const struct gha_expr *e = gha_expr_parse(w->a, p + 3, b - 5);
        if (!e || e->k != GHA_E_PATH || strcmp(e->s, "github.workspace") != 0)
            return NULL;
        p += b;
    } else if (strncmp(p, "$GITHUB_WORKSPACE", 17) == 0) {
        p += 17;
    } else if (strncmp(p, "${GITHUB_WORKSPACE}", 19) == 0) {
        p += 19;
    } else if (strstr(p, "${{")) {
        return NULL;
    }
    for (;;) {
        if (p[0] == '/')
            p++;
        else if (strncmp(p, "./", 2) == 0)
            p += 2;
        else
            break;
    }
    n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        p[--n] = '\0';
    return p;
}

/* Whether an upload of path p takes dir/.git with it. */
static bool takes_git(const char *p, const char *dir)
{
    static const char *const everything[] = { "", ".", "*", "**", "**/*", ".*", "**/.*" };
    size_t dn = strlen(dir);

    for (size_t i = 0; i < sizeof(everything) / sizeof(everything[0]); i++)
        if (strcmp(p, everything[i]) == 0)
            return true;
    if (dn == 0)
        return strncmp(p, ".git", 4) == 0 && (p[4] == '\0' || p[4] == '/');
    if (strncmp(p, dir, dn) != 0)
        return false;
    p += dn;
    return p[0] == '\0' || strcmp(p, "/*") == 0 || strcmp(p, "/**") == 0 ||
           strcmp(p, "/**/*") == 0 ||
           (strncmp(p, "/.git", 5) == 0 && (p[5] == '\0' || p[5] == '/'));
}

static void upload(struct step *st, const struct cy_node *uses, const struct cy_node *with)
{
    struct gha_wf *w = st->j->w;
    const struct cy_node *path = cy_get(with, "path");
    bool hidden = cy_is(cy_get(with, "include-hidden-files"), "true");
    int major, minor;
    bool old, unknown;
    const char *s = cy_str(path);

    if (st->j->npersisted == 0 || !s)
        return;
    /* upload-artifact leaves hidden files (.git) out since v4.4 */
    version(w, uses, &major, &minor);
    unknown = major < 0;
    old = !unknown && (major < 4 || (major == 4 && minor >= 0 && minor < 4));
    if (!hidden && !old && !unknown)
        return;
    for (size_t ls = 0; ls < path->len;) {
        const char *nl = memchr(s + ls, '\n', path->len - ls);
        size_t le = nl ? (size_t)(nl - s) : path->len, t = ls, te = le;
        const char *p;
        while (t < te && (s[t] == ' ' || s[t] == '\t'))
            t++;
        while (te > t && (s[te - 1] == ' ' || s[te - 1] == '\t' || s[te - 1] == '\r'))
            te--;
        if (t < te && s[t] != '!' && s[t] != '#' && (p = upload_path(w, s + t, te - t))) {
            for (size_t i = 0; i < st->j->npersisted; i++) {
                if (!takes_git(p, st->j->persisted[i]))
                    continue;
                gha_report(w, GHA_R_ARTIPACKED, -1, unknown ? MOAT_CONF_LOW : MOAT_CONF_HIGH, path,
                           t, gha_dup(w, s + t, te - t),
                           "%s uploads '%.*s', which holds the .git directory where "
                           "actions/checkout kept the GITHUB_TOKEN (persist-credentials is not "
                           "false)%s",
                           st->label, (int)(te - t), s + t,
                           hidden ? " and include-hidden-files is true"
                           : old  ? "; upload-artifact before v4.4 keeps hidden files"
                                  : "; this upload-artifact version may keep hidden files");
                break;
            }
        }
        ls = le + 1;
    }
}

/* ---- scripts: run:, github-script's script: and the like ---- */

struct script {
    struct step *st;
    const struct cy_node *node;
    enum gha_lang lang;
    const char *code;         /* comments blanked */
    unsigned reported[64][2]; /* (rule, line) already reported in this script */
    size_t nreported;
};

/* Whether rule was reported on line already (and remember it if not). */
static bool seen(struct script *sc, int rule, size_t off)
{
    unsigned line = cy_line_at(sc->node, off);

    for (size_t i = 0; i < sc->nreported; i++)
        if (sc->reported[i][0] == (unsigned)rule && sc->reported[i][1] == line)
            return true;
    if (sc->nreported < sizeof(sc->reported) / sizeof(sc->reported[0])) {
        sc->reported[sc->nreported][0] = (unsigned)rule;
        sc->reported[sc->nreported][1] = line;
        sc->nreported++;
    }
    return false;
}

static void injection(struct script *sc, const unsigned char *cls, const char *sink)
{
    struct step *st = sc->st;
    struct gha_wf *w = st->j->w;
    const char *s = sc->node->str;
    size_t len = sc->node->len, pos = 0, a, b;

    while (gha_expr_find(s, len, &pos, &a, &b)) {
        struct gha_hit h = { 0 };
        /* a commented-out line is not code */
        if (cls[a] == GHA_SH_COMMENT)
            continue;
        gha_taint_text(w, s, a, b, false, &h);
        if (h.dflags & GHA_T_TEXT)
            gha_report(w, GHA_R_TEMPLATE_INJECTION, -1, MOAT_CONF_HIGH, sc->node, a,
                       gha_dup(w, s + a, b - a), "%s expands into the %s of %s", h.desc, sink,
                       st->label);
        else if ((h.dflags & GHA_T_INPUT) && w->c->pedantic)
            gha_report(w, GHA_R_TEMPLATE_INJECTION, MOAT_SEV_MEDIUM, MOAT_CONF_LOW, sc->node, a,
                       gha_dup(w, s + a, b - a),
                       "%s expands into the %s of %s; whoever supplies the input controls the "
                       "script",
                       h.desc, sink, st->label);
    }
}

static bool has_true(const char *s, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (strncasecmp(s + i, "true", 4) == 0)
            return true;
    return false;
}

static void on_write(void *arg, const struct gha_write *wr)
{
    static const char *const files[] = { "GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT" };
    struct script *sc = arg;
    struct step *st = sc->st;
    struct gha_wf *w = st->j->w;
    struct gha_hit h = { 0 };
    const char *v = sc->code + wr->value;
    char *name = wr->nlen ? gha_dup(w, sc->code + wr->name, wr->nlen) : NULL;

    gha_taint_text(w, sc->code, wr->value, wr->value + wr->vlen, true, &h);
    if (wr->names_file && wr->file != GHA_F_OUTPUT && !w->action && (w->ev & EV_PRIVILEGED) &&
        !seen(sc, GHA_R_GITHUB_ENV, wr->off)) {
        bool dynamic = memchr(v, '$', wr->vlen) || memchr(v, '`', wr->vlen) ||
                       memchr(v, '%', wr->vlen) || memchr(v, '(', wr->vlen);
        gha_report(w, GHA_R_GITHUB_ENV, -1,
                   (h.flags & GHA_T_TEXT) ? MOAT_CONF_HIGH
                   : dynamic              ? MOAT_CONF_MEDIUM
                                          : MOAT_CONF_LOW,
                   sc->node, wr->off, line_of(w, sc->code, wr->off, sc->node->len),
                   "%s writes to $%s in a workflow triggered by %s%s%s", st->label, files[wr->file],
                   trigger_name(w, EV_PRIVILEGED), h.desc ? "; the value carries " : "",
                   h.desc ? h.desc : "");
    }
    if (wr->file == GHA_F_ENV && name) {
        if (strcmp(name, "ACTIONS_ALLOW_UNSECURE_COMMANDS") == 0 && has_true(v, wr->vlen))
            gha_report(w, GHA_R_INSECURE_COMMANDS, -1, MOAT_CONF_HIGH, sc->node, wr->off,
                       "ACTIONS_ALLOW_UNSECURE_COMMANDS",
                       "%s turns on ACTIONS_ALLOW_UNSECURE_COMMANDS through $GITHUB_ENV for the "
                       "steps after it",
                       st->label);
        if (h.flags) {
            char *pattern = gha_fmt(w, "env.%s", name);
            lower(pattern);
            if (gha_src_add(w, &st->out, pattern, name, &h)) {
                /* later steps see it */
            }
        }
    }
    if (wr->file == GHA_F_OUTPUT && name && st->id && h.flags) {
        char *pattern = gha_fmt(w, "steps.%s.outputs.%s", st->id, name);
        lower(pattern);
        if (gha_src_add(w, &st->out, pattern, NULL, &h)) {
            /* later steps see it */
        }
    }
}

static void on_pipe(void *arg, size_t off)
{
    struct script *sc = arg;
    struct gha_wf *w = sc->st->j->w;

    if (seen(sc, GHA_R_PIPE_TO_SHELL, off))
        return;
    gha_report(w, GHA_R_PIPE_TO_SHELL, -1, MOAT_CONF_HIGH, sc->node, off,
               line_of(w, sc->code, off, sc->node->len),
               "%s runs a downloaded script without checking it: %s", sc->st->label,
               line_of(w, sc->code, off, sc->node->len));
}

/* git fetch/checkout/... of a ref that names the pull request's code. */
static const char *git_head(struct script *sc, const char *code, const struct gha_sh_cmd *c)
{
    static const char *const subs[] = { "fetch", "pull",     "checkout", "switch", "clone",
                                        "reset", "worktree", "merge",    "rebase" };
    struct gha_wf *w = sc->st->j->w;
    size_t i = gha_sh_argv0(code, c);
    char word[WORD];
    bool ok = false;

    gha_sh_word(code, c, i, word, sizeof(word));
    if (i >= c->n || strcmp(word, "git") != 0)
        return NULL;
    for (i++; i < c->n; i++) {
        gha_sh_word(code, c, i, word, sizeof(word));
        if (strcmp(word, "-c") == 0 || strcmp(word, "-C") == 0)
            i++;
        else if (word[0] != '-')
            break;
    }
    for (size_t k = 0; i < c->n && k < sizeof(subs) / sizeof(subs[0]); k++)
        ok |= strcmp(word, subs[k]) == 0;
    if (!ok)
        return NULL;
    for (i++; i < c->n; i++) {
        struct gha_hit h = { 0 };
        gha_taint_text(w, code, c->w[i].off, c->w[i].off + c->w[i].len, true, &h);
        if (h.flags & GHA_T_HEAD)
            return h.head;
    }
    return NULL;
}

static void on_cmd(void *arg, const char *code, const struct gha_sh_cmd *c)
{
    struct script *sc = arg;
    struct step *st = sc->st;
    struct gha_wf *w = st->j->w;
    const struct gha_sh_word *last = &c->w[c->n - 1];
    char what[WORD];
    const char *head;

    if (checkout_trigger(w)) {
        if (gha_sh_pr_checkout(code, c))
            add_checkout(
                st, sc->node, c->off,
                gha_fmt(w, "the pull request (%s)", shown(w, code, c->off, last->off + last->len)),
                MOAT_CONF_HIGH);
        else if ((head = git_head(sc, code, c)))
            add_checkout(st, sc->node, c->off, head, MOAT_CONF_HIGH);
    }
    if (gha_sh_builds(code, c, what, sizeof(what)))
        build(st, gha_dup(w, what, strlen(what)));
}

/* Variables a script assigns (x=..., export x=..., $x = ... in PowerShell)
 * from tainted values: later lines of it may write them to
 * $GITHUB_OUTPUT or $GITHUB_ENV. */
static void shell_vars(struct gha_wf *w, const char *code, size_t len)
{
    static const char *const kw[] = { "export ", "local ", "declare ", "readonly " };

    for (size_t ls = 0; ls < len;) {
        const char *nl = memchr(code + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - code) : len, t = ls, n = 0, eq;
        bool pwsh = false;

        while (t < le && (code[t] == ' ' || code[t] == '\t'))
            t++;
        for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
            if (le - t > strlen(kw[k]) && strncmp(code + t, kw[k], strlen(kw[k])) == 0)
                t += strlen(kw[k]);
        if (t < le && code[t] == '$') {
            pwsh = true; /* $name = value */
            t++;
        }
        while (t + n < le && (code[t + n] == '_' || (code[t + n] >= 'a' && code[t + n] <= 'z') ||
                              (code[t + n] >= 'A' && code[t + n] <= 'Z') ||
                              (n > 0 && code[t + n] >= '0' && code[t + n] <= '9')))
            n++;
        eq = t + n;
        while (pwsh && eq < le && code[eq] == ' ')
            eq++;
        if (n > 0 && eq < le && code[eq] == '=' && !(eq + 1 < le && code[eq + 1] == '=')) {
            struct gha_hit h = { 0 };
            char *name = gha_dup(w, code + t, n);
            gha_taint_text(w, code, eq + 1, le, true, &h);
            if (h.flags && gha_src_add(w, &w->loc, gha_fmt(w, "shell.%s", name), name, &h)) {
                /* until the script ends */
            }
        }
        ls = le + 1;
    }
}

static char *blank(const char *s, const unsigned char *cls, size_t len, int a, int b)
{
    char *out = moat_malloc(len + 1);

    for (size_t i = 0; i < len; i++)
        out[i] = s[i] != '\n' && (cls[i] == a || cls[i] == b) ? ' ' : s[i];
    out[len] = '\0';
    return out;
}

static const char *lang_name(enum gha_lang lang)
{
    switch (lang) {
    case GHA_LANG_SH: return "shell script";
    case GHA_LANG_PWSH: return "PowerShell script";
    case GHA_LANG_CMD: return "cmd script";
    case GHA_LANG_PYTHON: return "Python script";
    case GHA_LANG_JS: return "JavaScript";
    case GHA_LANG_OTHER: break;
    }
    return "script";
}

static void script(struct step *st, const struct cy_node *node, enum gha_lang lang,
                   const char *sink)
{
    struct gha_wf *w = st->j->w;
    struct script *sc;
    unsigned char *cls;
    char *code, *cmds;
    size_t mark;

    if (!node || node->kind != CY_SCALAR || !node->str)
        return;
    sc = moat_calloc(1, sizeof(*sc));
    sc->st = st;
    sc->node = node;
    sc->lang = lang;
    cls = gha_sh_classify(node->str, node->len, lang);
    injection(sc, cls, sink);
    code = blank(node->str, cls, node->len, GHA_SH_COMMENT, GHA_SH_COMMENT);
    cmds = blank(node->str, cls, node->len, GHA_SH_COMMENT, GHA_SH_HEREDOC);
    sc->code = code;
    /* the script's own variables live until it ends */
    mark = w->loc.n;
    if (lang == GHA_LANG_SH || lang == GHA_LANG_PWSH)
        shell_vars(w, cmds, node->len);
    gha_sh_writes(code, cls, node->len, lang, on_write, sc);
    if (lang == GHA_LANG_SH || lang == GHA_LANG_PWSH || lang == GHA_LANG_CMD) {
        gha_sh_pipe_to_shell(cmds, node->len, on_pipe, sc);
        gha_sh_commands(cmds, node->len, on_cmd, sc);
    }
    if (lang == GHA_LANG_JS && st->id && memmem(code, node->len, "return", 6)) {
        /* github-script: what the script returns is outputs.result, and it
         * is usually computed on other lines than the return */
        struct gha_hit h = { 0 };
        gha_taint_text(w, code, 0, node->len, true, &h);
        if (h.flags &&
            gha_src_add(w, &st->out, gha_fmt(w, "steps.%s.outputs.result", st->id), NULL, &h)) {
            /* later steps see it */
        }
    }
    w->loc.n = mark;
    free(cmds);
    free(code);
    free(cls);
    free(sc);
}

/* ---- steps ---- */

static enum gha_lang input_lang(const char *name)
{
    if (strcmp(name, "JavaScript") == 0)
        return GHA_LANG_JS;
    if (strcmp(name, "PowerShell script") == 0)
        return GHA_LANG_PWSH;
    if (strcmp(name, "Python script") == 0)
        return GHA_LANG_PYTHON;
    return GHA_LANG_SH;
}

static void known_outputs(struct step *st, const char *uses)
{
    static const char *const named[] = { "head_ref", "head_sha" };
    struct gha_wf *w = st->j->w;
    struct gha_hit h = { 0 };
    const char *what;

    if (!st->id)
        return;
    h.flags = gha_action_outputs(uses, NULL, &what);
    if (h.flags) {
        h.desc = h.root = gha_fmt(w, "outputs of %s, %s", uses, what);
        h.dflags = h.flags;
        if (gha_src_add(w, &st->out, gha_fmt(w, "steps.%s.outputs", st->id), NULL, &h)) {
            /* every output */
        }
        return;
    }
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        struct gha_hit o = { 0 };
        o.flags = gha_action_outputs(uses, named[i], &what);
        if (!o.flags)
            continue;
        o.desc = o.root = gha_fmt(w, "output %s of %s, %s", named[i], uses, what);
        o.dflags = o.flags & (GHA_T_TEXT | GHA_T_INPUT);
        o.head = o.head_root = o.desc;
        if (gha_src_add(w, &st->out, gha_fmt(w, "steps.%s.outputs.%s", st->id, named[i]), NULL,
                        &o)) {
            /* later steps see it */
        }
    }
}

static void step_uses(struct step *st, const struct cy_node *usesn, const struct cy_node *with)
{
    struct job *j = st->j;
    struct gha_wf *w = j->w;
    const char *uses = cy_str(usesn), *b, *cache;
    const struct cy_node *unsafe = cy_get(with, "allow-unsafe-pr-checkout");

    gha_check_pin(w, usesn, st->label);
    for (size_t i = 0; with && with->kind == CY_MAP && i < with->n; i++) {
        const char *lang = gha_script_input(uses, cy_str(with->keys[i]));
        if (lang)
            script(st, with->items[i], input_lang(lang),
                   gha_fmt(w, "%s (%s: of %.*s)", lang, cy_str(with->keys[i]),
                           (int)strcspn(uses, "@"), uses));
    }
    known_outputs(st, uses);
    if (gha_uses_is(uses, "actions/checkout"))
        checkout_step(st, with);
    artifact_step(st, uses, with);
    if (cy_is(unsafe, "true") && checkout_trigger(w))
        add_checkout(st, unsafe, 0,
                     gha_fmt(w, "the pull request (%s with allow-unsafe-pr-checkout)", uses),
                     MOAT_CONF_HIGH);
    if (gha_uses_is(uses, "actions/upload-artifact"))
        upload(st, usesn, with);
    if (j->release && (cache = gha_action_caches(uses, with)))
        gha_report(w, GHA_R_CACHE_POISONING, -1, MOAT_CONF_LOW, usesn, 0, uses,
                   "%s restores a cache (%s) in %s; a cache poisoned by an untrusted build "
                   "would end up in the release",
                   st->label, cache, j->release);
    b = strncmp(uses, "./", 2) == 0 && !strstr(uses, ".github/workflows/")
            ? gha_fmt(w, "the local action %s", uses)
            : gha_action_builds(uses, with);
    if (b)
        build(st, b);
}

static void walk_step(struct job *j, const struct cy_node *node, size_t index)
{
    struct gha_wf *w = j->w;
    struct step st = {
        j, node, gha_step_label(w, j->id, node, index), NULL, false, { NULL, 0, 0 }
    };
    const struct cy_node *uses = cy_get(node, "uses");
    size_t mark = w->loc.n;

    if (cy_str(cy_get(node, "id"))) {
        char *id = gha_dup(w, cy_str(cy_get(node, "id")), strlen(cy_str(cy_get(node, "id"))));
        lower(id);
        st.id = id;
    }
    st.guarded = guard(w, cy_get(node, "if"));
    gha_env(w, cy_get(node, "env"), &w->loc);
    if (cy_str(uses) && cy_str(uses)[0])
        step_uses(&st, uses, cy_get(node, "with"));
    if (cy_get(node, "run")) {
        const char *shell = cy_str(cy_get(node, "shell"));
        enum gha_lang lang = gha_shell_lang(shell ? shell : j->shell, j->windows);
        script(&st, cy_get(node, "run"), lang, lang_name(lang));
    }
    /* the step's own env: ends with it; what it wrote lives on */
    w->loc.n = mark;
    for (size_t i = 0; i < st.out.n; i++) {
        struct gha_hit h = { 0 };
        h.flags = st.out.v[i].flags;
        h.root = st.out.v[i].what;
        h.head_root = st.out.v[i].head;
        if (gha_src_add(w, &w->loc, st.out.v[i].pattern, st.out.v[i].shname, &h)) {
            /* new for the steps after it */
        }
    }
    free(st.out.v);
}

/* ---- jobs ---- */

static void on_publish(void *arg, const char *code, const struct gha_sh_cmd *c)
{
    char *what = arg;

    if (!what[0] && !gha_sh_publishes(code, c, what, WORD))
        what[0] = '\0';
}

/* Why caches restored in this job can end up in a release, or NULL. */
static const char *release_reason(struct gha_wf *w, const struct cy_node *steps)
{
    if (w->action)
        return NULL;
    if (w->tag_push)
        return "a workflow that tag pushes trigger";
    if (w->ev & GHA_EV_RELEASE)
        return "a workflow that release events trigger";
    for (size_t i = 0; steps && steps->kind == CY_SEQ && i < steps->n; i++) {
        const struct cy_node *st = steps->items[i], *run = cy_get(st, "run");
        const char *p = gha_action_publishes(cy_str(cy_get(st, "uses")), cy_get(st, "with"));
        if (p)
            return gha_fmt(w, "a job that publishes (%s)", p);
        if (cy_str(run)) {
            unsigned char *cls = gha_sh_classify(run->str, run->len, GHA_LANG_SH);
            char *cmds = blank(run->str, cls, run->len, GHA_SH_COMMENT, GHA_SH_HEREDOC);
            char what[WORD] = "";
            gha_sh_commands(cmds, run->len, on_publish, what);
            free(cmds);
            free(cls);
            if (what[0])
                return gha_fmt(w, "a job that publishes (%s)", what);
        }
    }
    return NULL;
}

static bool on_windows(const struct cy_node *runs_on)
{
    const char *s = cy_str(runs_on);

    if (s)
        return strcasestr(s, "windows") != NULL;
    for (size_t i = 0; runs_on && runs_on->kind == CY_SEQ && i < runs_on->n; i++)
        if (on_windows(runs_on->items[i]))
            return true;
    return false;
}

bool gha_walk_job(struct gha_wf *w, const char *id, const struct cy_node *job,
                  const struct cy_node *steps)
{
    struct job *j = moat_calloc(1, sizeof(*j));
    const struct cy_node *outputs = cy_get(job, "outputs");
    const char *shell = cy_str(cy_get(cy_get(cy_get(job, "defaults"), "run"), "shell"));
    bool changed = false;

    j->w = w;
    j->id = id;
    j->windows = on_windows(cy_get(job, "runs-on"));
    j->shell = shell ? shell : w->shell;
    j->guarded = id && guard(w, cy_get(job, "if"));
    j->release = release_reason(w, steps);
    w->loc.n = 0;
    if (id)
        gha_env(w, cy_get(job, "env"), &w->loc);
    for (size_t i = 0; steps && steps->kind == CY_SEQ && i < steps->n; i++)
        if (steps->items[i]->kind == CY_MAP)
            walk_step(j, steps->items[i], i);
    for (size_t i = 0; id && outputs && outputs->kind == CY_MAP && i < outputs->n; i++) {
        const char *name = cy_str(outputs->keys[i]), *v = cy_str(outputs->items[i]);
        struct gha_hit h = { 0 };
        char *pattern;
        if (!name || !v)
            continue;
        gha_taint_text(w, v, 0, outputs->items[i]->len, false, &h);
        if (!h.flags)
            continue;
        pattern = gha_fmt(w, "needs.%s.outputs.%s", id, name);
        lower(pattern);
        changed |= gha_src_add(w, &w->glob, pattern, NULL, &h);
    }
    free(j);
    return changed;
}
