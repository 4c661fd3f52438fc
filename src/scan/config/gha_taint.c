/* Taint tracking for the GitHub Actions audits: what a `${{ }}` expression or
 * a line of script can carry, from the attacker-controlled event fields of
 * gha_data.c through env: variables, $GITHUB_ENV, step outputs and job
 * outputs of the same workflow. */
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_NAME 128 /* bytes of a variable name or payload path we look up */

static bool is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void note(struct gha_hit *h, unsigned flags, const char *desc, const char *root,
                 const char *head_root)
{
    h->flags |= flags;
    if ((flags & GHA_T_HEAD) && !h->head) {
        h->head = desc;
        h->head_root = head_root ? head_root : root;
    }
    if (!(flags & (GHA_T_TEXT | GHA_T_INPUT)))
        return;
    /* name the worst one: attacker text before inputs */
    if (!h->desc || ((flags & GHA_T_TEXT) && !(h->dflags & GHA_T_TEXT))) {
        h->desc = desc;
        h->root = root;
        h->dflags = flags & (GHA_T_TEXT | GHA_T_INPUT);
    }
}

/* Whether inputs.NAME is declared with a type that cannot hold text. */
static bool typed_input(struct gha_wf *w, const char *path)
{
    static const char *const types[] = { "boolean", "number", "choice", "environment" };
    const char *name = strncmp(path, "inputs.", 7) == 0                 ? path + 7
                       : strncmp(path, "github.event.inputs.", 20) == 0 ? path + 20
                                                                        : NULL;
    size_t n;

    if (!name)
        return false;
    n = strcspn(name, ".");
    for (size_t k = 0; k < 3; k++) {
        const struct cy_node *in = w->inputs[k];
        for (size_t i = 0; in && in->kind == CY_MAP && i < in->n; i++) {
            const char *key = cy_str(in->keys[i]), *type;
            if (!key || strlen(key) != n || strncasecmp(key, name, n) != 0)
                continue;
            type = cy_str(cy_get(in->items[i], "type"));
            for (size_t t = 0; type && t < sizeof(types) / sizeof(types[0]); t++)
                if (strcmp(type, types[t]) == 0)
                    return true;
        }
    }
    return false;
}

static void dynamic(struct gha_wf *w, const struct gha_srcs *v, const char *path, struct gha_hit *h)
{
    for (size_t i = v->n; i-- > 0;) {
        enum gha_pm pm = gha_path_match(path, v->v[i].pattern);
        unsigned f = v->v[i].flags;
        if (pm == GHA_PM_NONE)
            continue;
        if (pm == GHA_PM_CONTAINS)
            f &= ~GHA_T_HEAD;
        if (f)
            note(h, f, gha_fmt(w, "%s (set from %s)", path, v->v[i].what), v->v[i].what,
                 v->v[i].head);
    }
}

static void classify(struct gha_wf *w, const char *path, struct gha_hit *h)
{
    dynamic(w, &w->loc, path, h);
    dynamic(w, &w->glob, path, h);
    for (size_t i = 0; i < gha_nsources; i++) {
        const struct gha_source *s = &gha_sources[i];
        enum gha_pm pm;
        unsigned f = s->flags;

        /* a field no trigger of the workflow sets is empty */
        if (w->ev_known && s->events && !(s->events & w->ev))
            continue;
        if ((pm = gha_path_match(path, s->pattern)) == GHA_PM_NONE)
            continue;
        if (pm == GHA_PM_CONTAINS)
            f &= ~GHA_T_HEAD;
        else if ((f & GHA_T_INPUT) && typed_input(w, path))
            continue;
        if (!f)
            continue;
        if (pm == GHA_PM_CONTAINS)
            note(h, f, gha_fmt(w, "%s (which holds the %s)", path, s->what),
                 gha_fmt(w, "%s, which holds the %s", path, s->what), NULL);
        else
            note(h, f, gha_fmt(w, "%s (%s)", path, s->what), gha_fmt(w, "%s, %s", path, s->what),
                 NULL);
    }
}

struct cb {
    struct gha_wf *w;
    struct gha_hit *h;
};

static void on_value(void *arg, const char *path)
{
    struct cb *cb = arg;
    classify(cb->w, path, cb->h);
}

void gha_taint_expr(struct gha_wf *w, const struct gha_expr *e, struct gha_hit *h)
{
    struct cb cb = { w, h };
    gha_expr_values(e, on_value, &cb);
}

/* An expression that does not parse: every dotted name in it counts as a
 * value (GitHub would refuse the workflow, but our grammar may lag). */
static void fallback(struct gha_wf *w, const char *s, size_t n, struct gha_hit *h)
{
    for (size_t i = 0; i < n;) {
        char path[MAX_NAME];
        size_t k = 0;
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) ||
            (i > 0 && (is_name(s[i - 1]) || s[i - 1] == '\''))) {
            i++;
            continue;
        }
        while (i < n && (is_name(s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '*')) {
            if (k < sizeof(path) - 1)
                path[k++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
            i++;
        }
        path[k] = '\0';
        if (strchr(path, '.'))
            classify(w, path, h);
    }
}

static void env_var(struct gha_wf *w, const char *name, size_t n, bool any_case, struct gha_hit *h)
{
    const struct gha_srcs *vs[2] = { &w->loc, &w->glob };

    for (size_t k = 0; k < 2; k++)
        for (size_t i = vs[k]->n; i-- > 0;) {
            const struct gha_src *s = &vs[k]->v[i];
            if (!s->shname || strlen(s->shname) != n ||
                (any_case ? strncasecmp(s->shname, name, n) : strncmp(s->shname, name, n)) != 0)
                continue;
            note(h, s->flags, gha_fmt(w, "$%s (set from %s)", s->shname, s->what), s->what,
                 s->head);
            return;
        }
}

/* A dotted path of the event payload at s[i] (after "context.payload" or
 * a jq filter's "."), looked up as github.event.<path>. */
static void payload_path(struct gha_wf *w, const char *s, size_t i, size_t to, struct gha_hit *h)
{
    char path[MAX_NAME] = "github.event";
    size_t k = strlen(path);

    while (i < to && s[i] == '.' && i + 1 < to && is_name(s[i + 1])) {
        if (k < sizeof(path) - 1)
            path[k++] = '.';
        for (i++; i < to && is_name(s[i]); i++)
            if (k < sizeof(path) - 1)
                path[k++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        /* jq's .commits[].message */
        if (i + 1 < to && s[i] == '[' && s[i + 1] == ']') {
            if (k < sizeof(path) - 2) {
                path[k++] = '.';
                path[k++] = '*';
            }
            i += 2;
        }
    }
    path[k] = '\0';
    if (k > strlen("github.event"))
        classify(w, path, h);
}

static void script_refs(struct gha_wf *w, const char *s, size_t from, size_t to, struct gha_hit *h)
{
    bool event_file = memmem(s + from, to - from, "GITHUB_EVENT_PATH", 17) != NULL;

    for (size_t i = from; i < to; i++) {
        size_t j;
        if (s[i] == '$' && i + 1 < to && s[i + 1] == '{' && !(i + 2 < to && s[i + 2] == '{')) {
            for (j = i + 2; j < to && is_name(s[j]); j++)
                ;
            env_var(w, s + i + 2, j - i - 2, false, h);
        } else if (s[i] == '$' && to - i > 5 && strncasecmp(s + i + 1, "env:", 4) == 0) {
            for (j = i + 5; j < to && is_name(s[j]); j++)
                ;
            env_var(w, s + i + 5, j - i - 5, true, h);
        } else if (s[i] == '$' && i + 1 < to && is_name(s[i + 1])) {
            for (j = i + 1; j < to && is_name(s[j]); j++)
                ;
            env_var(w, s + i + 1, j - i - 1, false, h);
        } else if (s[i] == '%' && i + 1 < to && is_name(s[i + 1])) {
            for (j = i + 1; j < to && is_name(s[j]); j++)
                ;
            if (j < to && s[j] == '%')
                env_var(w, s + i + 1, j - i - 1, true, h);
        } else if (to - i > 12 && strncmp(s + i, "process.env.", 12) == 0) {
            for (j = i + 12; j < to && is_name(s[j]); j++)
                ;
            env_var(w, s + i + 12, j - i - 12, false, h);
        } else if (to - i > 15 && strncmp(s + i, "context.payload", 15) == 0) {
            payload_path(w, s, i + 15, to, h);
        } else if (event_file && s[i] == '.' && i + 1 < to && is_name(s[i + 1]) && i > from &&
                   (s[i - 1] == ' ' || s[i - 1] == '\'' || s[i - 1] == '"' || s[i - 1] == '|')) {
            payload_path(w, s, i, to, h);
        }
    }
}

void gha_taint_text(struct gha_wf *w, const char *s, size_t from, size_t to, bool script,
                    struct gha_hit *h)
{
    size_t pos = from, a, b;

    while (gha_expr_find(s, to, &pos, &a, &b)) {
        const struct gha_expr *e = gha_expr_parse(w->a, s + a + 3, b - a - 5);
        if (e)
            gha_taint_expr(w, e, h);
        else
            fallback(w, s + a + 3, b - a - 5, h);
    }
    if (script)
        script_refs(w, s, from, to, h);
}

bool gha_src_add(struct gha_wf *w, struct gha_srcs *v, const char *pattern, const char *shname,
                 const struct gha_hit *h)
{
    struct gha_src s;

    if (!h->flags)
        return false;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].pattern, pattern) == 0) {
            unsigned before = v->v[i].flags;
            v->v[i].flags |= h->flags;
            return v->v[i].flags != before;
        }
    s.pattern = gha_dup(w, pattern, strlen(pattern));
    s.shname = shname ? gha_dup(w, shname, strlen(shname)) : NULL;
    s.what = h->root ? h->root : h->head_root ? h->head_root : "an untrusted value";
    s.head = h->head_root;
    s.flags = h->flags;
    MOAT_VEC_PUSH(v, s);
    return true;
}

void gha_env(struct gha_wf *w, const struct cy_node *env, struct gha_srcs *v)
{
    for (size_t i = 0; env && env->kind == CY_MAP && i < env->n; i++) {
        const char *name = cy_str(env->keys[i]), *val = cy_str(env->items[i]);
        struct gha_hit h = { 0 };
        char *pattern;

        if (!name || !val)
            continue;
        if (strcmp(name, "ACTIONS_ALLOW_UNSECURE_COMMANDS") == 0 &&
            (strcasecmp(val, "true") == 0 || strstr(val, "${{")))
            gha_report(w, GHA_R_INSECURE_COMMANDS, -1,
                       strstr(val, "${{") ? MOAT_CONF_MEDIUM : MOAT_CONF_HIGH, env->items[i], 0,
                       "ACTIONS_ALLOW_UNSECURE_COMMANDS",
                       "ACTIONS_ALLOW_UNSECURE_COMMANDS is set to '%s': any step output can "
                       "set environment variables and PATH through ::set-env/::add-path",
                       val);
        gha_taint_text(w, val, 0, strlen(val), false, &h);
        if (!h.flags)
            continue;
        pattern = gha_fmt(w, "env.%s", name);
        for (char *p = pattern; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (gha_src_add(w, v, pattern, name, &h)) {
            /* a new variable: nothing else to do */
        }
    }
}
