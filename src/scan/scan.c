/* The scan engine: prepares the enabled analyzers once, dispatches to the
 * source (tree, git history, staged index), and runs each blob through the
 * analyzers; scan_emit is the one place findings enter the list, so inline
 * ignores, allowlisted paths and fingerprints apply to every analyzer alike. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "scan.h"
#include "core/banned.h"

int moat_scan_parse_analyzers(const char *list, unsigned *out, struct moat_err *err)
{
    const char *p = list;
    unsigned bits = 0;

    *out = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < scan_nanalyzers; i++) {
            const char *name = scan_analyzers[i]->name;
            if (strlen(name) == n && strncmp(p, name, n) == 0) {
                bits |= scan_analyzers[i]->bit;
                found = true;
            }
        }
        if (!found && n > 0)
            return moat_err_set(err, MOAT_EINVAL,
                                "unknown analyzer '%.*s' (see `moat help scan` for the list)",
                                (int)n, p);
        p += n;
        if (*p == ',')
            p++;
    }
    *out = bits;
    return 0;
}

unsigned moat_scan_available_analyzers(void)
{
    unsigned bits = 0;

    for (size_t i = 0; i < scan_nanalyzers; i++)
        bits |= scan_analyzers[i]->bit;
    return bits;
}

/* Join a config list into one gitignore text, the form scan_ignore_add takes. */
static int add_patterns(struct scan_ignore **ig, char *const *pats, size_t n, struct moat_err *err)
{
    struct moat_buf text = MOAT_BUF_INIT(64u << 20);
    int rc = 0;

    if (!n)
        return 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((rc = moat_buf_addstr(&text, pats[i])) == 0)
            rc = moat_buf_addch(&text, '\n');
    if (rc == 0)
        rc = scan_ignore_add(ig, "", text.data, text.len, err);
    else
        moat_err_set(err, rc, "configured path patterns are too large");
    moat_buf_release(&text);
    return rc;
}

/* A config `ignore` entry in force, its path pattern compiled. */
struct scan_cfg_ignore {
    const struct moat_config_ignore *entry;
    struct scan_ignore *path; /* NULL: everywhere */
};

/* Today in UTC as "YYYY-MM-DD", the form expiry dates are written in. */
static void today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;

    if (!gmtime_r(&now, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        MOAT_BUG("cannot format today's date");
}

/* Compile the config's ignore entries; an expired one is left out with a
 * warning, so an accepted risk comes back when its time is up. */
static int compile_ignores(struct moat_scan *s, struct moat_err *err)
{
    const struct moat_config *c = s->config;
    char now[11];
    int rc;

    today(now);
    s->ignores = moat_calloc(c->nignores + 1, sizeof(*s->ignores));
    for (size_t i = 0; i < c->nignores; i++) {
        const struct moat_config_ignore *e = &c->ignores[i];
        struct scan_cfg_ignore *ig = &s->ignores[s->nignores];

        if (e->expires[0] && strcmp(e->expires, now) < 0) {
            MOAT_LOG(WARN, "config",
                     "%s:%u: the ignore of %s expired on %s; its findings are reported again",
                     c->source ? c->source : MOAT_CONFIG_PATH, e->line, e->id, e->expires);
            continue;
        }
        ig->entry = e;
        if (e->path && (rc = scan_ignore_add(&ig->path, "", e->path, strlen(e->path), err)) != 0)
            return rc;
        s->nignores++;
    }
    return 0;
}

/* Whether a config ignore accepts f: its id names the rule, the advisory or
 * one of the advisory's aliases, and its path (if any) matches. */
static bool ignored_by_config(const struct moat_scan *s, const struct moat_finding *f)
{
    for (size_t i = 0; i < s->nignores; i++) {
        const struct scan_cfg_ignore *ig = &s->ignores[i];
        const char *id = ig->entry->id;
        bool hit = f->rule_id && strcmp(f->rule_id, id) == 0;

        if (!hit && f->dep) {
            hit = f->dep->advisory && strcmp(f->dep->advisory, id) == 0;
            for (size_t a = 0; !hit && a < f->dep->naliases; a++)
                hit = strcmp(f->dep->aliases[a], id) == 0;
        }
        if (hit && (!ig->path || (f->path && scan_ignore_match_file(ig->path, f->path))))
            return true;
    }
    return false;
}

int moat_scan_new(const struct moat_scan_opts *opts, struct moat_scan **out, struct moat_err *err)
{
    struct moat_scan *s = moat_calloc(1, sizeof(*s));
    struct stat st;
    int rc = 0;

    *out = NULL;
    s->opts = opts;
    if (!opts->config)
        s->default_config = moat_calloc(1, sizeof(*s->default_config));
    s->config = opts->config ? opts->config : s->default_config;
    s->root_is_dir = opts->root && stat(opts->root, &st) == 0 && S_ISDIR(st.st_mode);
    for (size_t i = 0; i < scan_nanalyzers; i++) {
        const struct scan_analyzer *an = scan_analyzers[i];
        const struct moat_rule_meta *const *rules;
        size_t n;

        if (!(opts->analyzers & an->bit))
            continue;
        if (s->nan == sizeof(s->an) / sizeof(s->an[0]))
            MOAT_BUG("too many analyzers");
        if ((rc = an->prepare(opts, &s->an_state[s->nan], err)) != 0)
            goto out;
        s->an[s->nan] = an;
        n = an->rules(s->an_state[s->nan], &rules);
        s->rules = moat_realloc(s->rules, (s->nrules + n) * sizeof(*s->rules));
        memcpy(s->rules + s->nrules, rules, n * sizeof(*rules));
        s->nrules += n;
        s->nan++;
    }
    if ((rc = add_patterns(&s->exclude, s->config->exclude, s->config->nexclude, err)) != 0)
        goto out;
    if ((rc = add_patterns(&s->allow_paths, s->config->allow_paths, s->config->nallow_paths,
                           err)) != 0)
        goto out;
    if ((rc = compile_ignores(s, err)) != 0)
        goto out;
    *out = s;
    s = NULL;
out:
    moat_scan_free(s);
    return rc;
}

void moat_scan_free(struct moat_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nan; i++)
        s->an[i]->release(s->an_state[i]);
    scan_ignore_free(s->exclude);
    scan_ignore_free(s->allow_paths);
    for (size_t i = 0; i < s->nignores; i++)
        scan_ignore_free(s->ignores[i].path);
    free(s->ignores);
    free(s->rules);
    free(s->default_config);
    free(s);
}

size_t moat_scan_rules(const struct moat_scan *s, const struct moat_rule_meta *const **out)
{
    *out = s->rules;
    return s->nrules;
}

int moat_scan_run(struct moat_scan *s, struct moat_findings *out, struct moat_scan_stats *stats,
                  struct moat_err *err)
{
    double t0 = moat_now();
    int rc;

    s->out = out;
    switch (s->opts->source) {
    case MOAT_SOURCE_TREE: rc = scan_walk_tree(s, err); break;
    case MOAT_SOURCE_GIT: rc = scan_git_history(s, err); break;
    case MOAT_SOURCE_STAGED: rc = scan_git_staged(s, err); break;
    default: rc = moat_err_set(err, MOAT_EINVAL, "unknown scan source");
    }
    moat_findings_sort(out);
    if (stats) {
        stats->files = s->files;
        stats->bytes = s->bytes;
        stats->skipped = s->skipped;
        stats->errors = s->errors;
        stats->commits = s->commits;
        stats->seconds = moat_now() - t0;
    }
    return rc;
}

int scan_worker_init(struct moat_scan *s, struct scan_worker *w, struct moat_err *err)
{
    int rc = 0;

    memset(w, 0, sizeof(*w));
    w->scan = s;
    moat_buf_init(&w->decoded, SCAN_DEFAULT_MAX_FILE);
    for (size_t i = 0; i < s->nan; i++) {
        if ((rc = s->an[i]->worker_init(s->an_state[i], &w->an_wstate[i], err)) != 0) {
            scan_worker_release(w);
            return rc;
        }
    }
    return 0;
}

void scan_worker_release(struct scan_worker *w)
{
    if (!w->scan)
        return;
    for (size_t i = 0; i < w->scan->nan; i++)
        if (w->an_wstate[i])
            w->scan->an[i]->worker_free(w->an_wstate[i]);
    moat_buf_release(&w->decoded);
    memset(w, 0, sizeof(*w));
}

static void run_analyzers(struct scan_worker *w, const struct scan_blob *b)
{
    struct moat_scan *s = w->scan;

    /* a reused read buffer must not reuse line counts */
    w->line_blob = NULL;
    w->at_blob = NULL;
    w->ign_blob = NULL;
    for (size_t i = 0; i < s->nan; i++)
        s->an[i]->scan(s->an_state[i], w->an_wstate[i], w, b);
}

void scan_blob_run(struct scan_worker *w, const struct scan_blob *b)
{
    struct scan_blob dec = *b;
    enum scan_text_kind kind;
    int rc = 0;

    if (scan_archive_detect(b->data, b->len)) {
        scan_archive_run(w, b);
        return;
    }
    kind = scan_text_classify(b->data, b->len);
    if (kind == SCAN_TEXT) {
        run_analyzers(w, b);
        return;
    }
    moat_buf_reset(&w->decoded);
    if (kind == SCAN_BINARY)
        rc = scan_binary_strings(b->data, b->len, SCAN_MIN_BINARY_STRING, &w->decoded);
    else
        rc = scan_decode_utf16(b->data, b->len, kind == SCAN_UTF16BE, &w->decoded);
    if (rc != 0) {
        scan_warn(w->scan, b->path, "could not decode; scanned as is");
        run_analyzers(w, b);
        return;
    }
    /* run even when a binary has no strings: a binary where a workflow or a
     * lockfile should be is worth a warning */
    dec.data = (const unsigned char *)(w->decoded.len ? w->decoded.data : "");
    dec.len = w->decoded.len;
    dec.binary = kind == SCAN_BINARY;
    run_analyzers(w, &dec);
}

char *scan_disk_dir(const struct moat_scan *s, const struct scan_blob *b)
{
    const char *slash = strrchr(b->path, '/');
    int dlen = slash ? (int)(slash - b->path) : 0;

    if (s->opts->source != MOAT_SOURCE_TREE || b->depth > 0 || b->origin)
        return NULL;
    /* a single file is scanned under its own name, relative to the cwd */
    if (!s->root_is_dir)
        return slash ? moat_strndup(b->path, (size_t)dlen) : moat_strdup(".");
    return slash ? moat_asprintf("%s/%.*s", s->opts->root, dlen, b->path)
                 : moat_strdup(s->opts->root);
}

void scan_warn(struct moat_scan *s, const char *path, const char *what)
{
    s->errors++;
    MOAT_LOG(WARN, "scan", "%s: %s", path, what);
}

/* Line number (1-based) and start offset of the line holding off. Findings
 * of one blob arrive in increasing offset order per analyzer, so counting
 * resumes from the last answer when it can. */
static unsigned locate_line(struct scan_worker *w, const struct scan_blob *b, size_t off,
                            size_t *line_start)
{
    const unsigned char *p = b->data;
    size_t from = 0, start;
    unsigned line = 1;

    if (w->line_blob == b->data && w->line_off <= off) {
        from = w->line_off;
        line = w->line_no;
    }
    for (const unsigned char *q = p + from; (q = memchr(q, '\n', off - (size_t)(q - p)));) {
        line++;
        q++;
    }
    w->line_blob = b->data;
    w->line_off = off;
    w->line_no = line;
    start = off;
    while (start > 0 && p[start - 1] != '\n')
        start--;
    *line_start = start;
    return line;
}

/* Whether a "moat:ignore" marker in [p, p+len) names rule (or no rule at all:
 * then it silences every rule on the line). Accepts "moat:ignore rule reason"
 * and "moat:ignore[rule] reason". */
static bool ignore_marker(const unsigned char *p, size_t len, const char *rule)
{
    static const char tag[] = "moat:ignore";
    const size_t tlen = sizeof(tag) - 1, rlen = strlen(rule);
    const unsigned char *end = p + len, *q = p;

    while ((q = memmem(q, (size_t)(end - q), tag, tlen))) {
        const unsigned char *id;
        size_t n = 0;

        q += tlen;
        if (q < end && *q == '[')
            q++;
        else
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
        id = q;
        /* rule ids are kebab-case; advisory ids (GHSA-..., PYSEC-2021-1) are not */
        while (id + n < end && (id[n] == '-' || id[n] == '_' || id[n] == '.' || id[n] == ':' ||
                                (id[n] >= 'a' && id[n] <= 'z') || (id[n] >= 'A' && id[n] <= 'Z') ||
                                (id[n] >= '0' && id[n] <= '9')))
            n++;
        if (n == 0 || (n == rlen && memcmp(id, rule, n) == 0) || (n == 3 && !memcmp(id, "all", 3)))
            return true;
    }
    return false;
}

/* Whether the line at line_start or the one above holds a marker at all.
 * Cached per line: a minified line with thousands of findings is searched
 * once, not once per finding. */
static bool marker_near(struct scan_worker *w, const struct scan_blob *b, size_t line_start)
{
    const unsigned char *p = b->data, *eol;
    size_t from = line_start, to;

    if (w->ign_blob == b->data && w->ign_line == line_start)
        return w->ign_has;
    eol = memchr(p + line_start, '\n', b->len - line_start);
    to = eol ? (size_t)(eol - p) : b->len;
    if (from > 0) /* the line above */
        for (from--; from > 0 && p[from - 1] != '\n'; from--)
            ;
    w->ign_blob = b->data;
    w->ign_line = line_start;
    w->ign_has = memmem(p + from, to - from, "moat:ignore", 11) != NULL;
    return w->ign_has;
}

static bool suppressed_inline(const struct scan_blob *b, size_t line_start, const char *rule)
{
    const unsigned char *p = b->data;
    const unsigned char *eol = memchr(p + line_start, '\n', b->len - line_start);
    size_t line_end = eol ? (size_t)(eol - p) : b->len;
    size_t prev;

    if (line_end - line_start > 11 && ignore_marker(p + line_start, line_end - line_start, rule))
        return true;
    if (line_start == 0)
        return false;
    prev = line_start - 1;
    while (prev > 0 && p[prev - 1] != '\n')
        prev--;
    return ignore_marker(p + prev, line_start - 1 - prev, rule);
}

static void count_suppressed(struct moat_scan *s, size_t *counter)
{
    pthread_mutex_lock(&s->out->mu);
    (*counter)++;
    pthread_mutex_unlock(&s->out->mu);
}

/* The one way into the findings list: line and column are known here. */
static void emit(struct scan_worker *w, const struct scan_blob *b, size_t line_start,
                 struct moat_finding *f, const void *content, size_t clen)
{
    struct moat_scan *s = w->scan;

    if (!s->config->no_inline_ignores && marker_near(w, b, line_start) &&
        suppressed_inline(b, line_start, f->rule_id)) {
        count_suppressed(s, &s->out->suppressed_inline);
        moat_finding_free(f);
        return;
    }
    if (s->allow_paths && scan_ignore_match_file(s->allow_paths, b->path)) {
        moat_finding_free(f);
        return;
    }
    free(f->path);
    f->path = moat_strdup(b->path);
    if (ignored_by_config(s, f)) {
        count_suppressed(s, &s->out->suppressed_config);
        moat_finding_free(f);
        return;
    }
    if (b->origin) {
        f->commit = b->origin->commit ? moat_strdup(b->origin->commit) : NULL;
        f->author = b->origin->author ? moat_strdup(b->origin->author) : NULL;
        f->email = b->origin->email ? moat_strdup(b->origin->email) : NULL;
        f->date = b->origin->date ? moat_strdup(b->origin->date) : NULL;
    }
    moat_finding_fingerprint(f, content, clen);
    moat_findings_add(s->out, f);
}

void scan_emit(struct scan_worker *w, const struct scan_blob *b, size_t off, struct moat_finding *f,
               const void *content, size_t clen)
{
    size_t line_start;

    if (off > b->len)
        off = b->len;
    f->line = locate_line(w, b, off, &line_start);
    f->col = (unsigned)(off - line_start) + 1;
    emit(w, b, line_start, f, content, clen);
}

void scan_emit_at(struct scan_worker *w, const struct scan_blob *b, unsigned line, unsigned col,
                  struct moat_finding *f, const void *content, size_t clen)
{
    const unsigned char *p = b->data, *q = p, *end = p + b->len;
    unsigned l = 1;

    /* Parsers report in line order, mostly: resume from the last answer. */
    if (w->at_blob == b->data && w->at_line <= line) {
        q = p + w->at_off;
        l = w->at_line;
    }
    /* the start of line `line`, or the end of the blob if it has fewer */
    for (; l < line && q < end; l++) {
        const unsigned char *nl = memchr(q, '\n', (size_t)(end - q));
        q = nl ? nl + 1 : end;
    }
    w->at_blob = b->data;
    w->at_off = (size_t)(q - p);
    w->at_line = l;
    f->line = line;
    f->col = col;
    emit(w, b, (size_t)(q - p), f, content, clen);
}
