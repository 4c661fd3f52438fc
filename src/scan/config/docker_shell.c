/* A small POSIX shell reader for the Dockerfile audits: it splits the script
 * of a RUN, CMD or ENTRYPOINT into pipelines of simple commands (quotes,
 * escapes, redirections, here-documents, comments), and follows $(...),
 * `...`, <(...) and >(...), so an audit sees `curl | sh` wherever it hides.
 * It never fails: what it does not understand becomes words. */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "core/banned.h"

struct span {
    size_t off, len;
};

struct pending {
    const char *delim;
    bool strip; /* <<-: leading tabs before the delimiter */
    const struct cd_sh_cmd *cmd;
};

struct walker {
    const char *t;
    size_t len, base, pos;
    int depth;
    const struct cd_sh_visit *v;
    struct moat_arena *a;
    struct moat_buf word;
    MOAT_VEC(struct cd_sh_word) words;
    MOAT_VEC(struct cd_sh_cmd) pipe;
    MOAT_VEC(struct span) subst;
    MOAT_VEC(struct pending) hd;
};

static void walk(struct walker *W);

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool ends_word(char c)
{
    return blank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
           c == '<' || c == '>';
}

static void add(struct walker *W, const char *s, size_t n)
{
    if (moat_buf_add(&W->word, s, n) != 0) {
        /* longer than the script: cannot happen, the buffer's cap is the script */
    }
}

/* Index of the ')' closing a "$(" or "<(" whose body starts at i (or len). */
static size_t close_paren(const char *t, size_t len, size_t i)
{
    int d = 1;

    while (i < len) {
        char c = t[i];
        if (c == '\\' && i + 1 < len) {
            i += 2;
        } else if (c == '\'') {
            for (i++; i < len && t[i] != '\''; i++)
                ;
            i++;
        } else if (c == '"') {
            for (i++; i < len && t[i] != '"'; i++)
                if (t[i] == '\\')
                    i++;
            i++;
        } else if (c == '`') {
            for (i++; i < len && t[i] != '`'; i++)
                if (t[i] == '\\')
                    i++;
            i++;
        } else if (c == '(') {
            d++;
            i++;
        } else if (c == ')') {
            if (--d == 0)
                return i;
            i++;
        } else {
            i++;
        }
    }
    return len;
}

static size_t close_brace(const char *t, size_t len, size_t i)
{
    int d = 1;

    while (i < len) {
        char c = t[i];
        if (c == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (c == '{')
            d++;
        else if (c == '}' && --d == 0)
            return i;
        i++;
    }
    return len;
}

static size_t close_backtick(const char *t, size_t len, size_t i)
{
    while (i < len && t[i] != '`')
        i += (t[i] == '\\' && i + 1 < len) ? 2 : 1;
    return i < len ? i : len;
}

static void note_subst(struct walker *W, size_t from, size_t to)
{
    struct span s = { from, to - from };

    if (to > from)
        MOAT_VEC_PUSH(&W->subst, s);
}

/* A $-expression at t[*i] == '$' (outside single quotes): copied as
 * written; command substitutions are noted for walking. */
static unsigned dollar(struct walker *W, size_t *i)
{
    const char *t = W->t;
    size_t k = *i, e;

    if (k + 1 < W->len && t[k + 1] == '(') {
        e = close_paren(t, W->len, k + 2);
        if (!(k + 2 < W->len && t[k + 2] == '(')) /* $(( )) is arithmetic */
            note_subst(W, k + 2, e);
        e = e < W->len ? e + 1 : W->len;
        add(W, t + k, e - k);
        *i = e;
        return CD_SH_SUBST;
    }
    if (k + 1 < W->len && t[k + 1] == '{') {
        e = close_brace(t, W->len, k + 2);
        e = e < W->len ? e + 1 : W->len;
        add(W, t + k, e - k);
        *i = e;
        return 0;
    }
    add(W, t + k, 1);
    *i = k + 1;
    return 0;
}

static unsigned backtick(struct walker *W, size_t *i)
{
    size_t k = *i, e = close_backtick(W->t, W->len, k + 1);

    note_subst(W, k + 1, e);
    e = e < W->len ? e + 1 : W->len;
    add(W, W->t + k, e - k);
    *i = e;
    return CD_SH_SUBST;
}

/* One word from W->pos; returns its flags, the text in W->word. */
static unsigned read_word(struct walker *W)
{
    const char *t = W->t;
    size_t i = W->pos, len = W->len;
    unsigned flags = 0;

    moat_buf_reset(&W->word);
    /* <(...) and >(...) are words of their own */
    if (i + 1 < len && (t[i] == '<' || t[i] == '>') && t[i + 1] == '(') {
        size_t e = close_paren(t, len, i + 2);
        note_subst(W, i + 2, e);
        e = e < len ? e + 1 : len;
        add(W, t + i, e - i);
        W->pos = e;
        return CD_SH_SUBST;
    }
    while (i < len && !ends_word(t[i])) {
        char c = t[i];
        if (c == '\\') {
            if (i + 1 < len && t[i + 1] == '\n') {
                i += 2;
                continue;
            }
            flags |= CD_SH_QUOTED;
            if (i + 1 < len)
                add(W, t + i + 1, 1);
            i += i + 1 < len ? 2 : 1;
        } else if (c == '\'') {
            size_t e = i + 1;
            while (e < len && t[e] != '\'')
                e++;
            add(W, t + i + 1, e - i - 1);
            flags |= CD_SH_QUOTED;
            i = e < len ? e + 1 : len;
        } else if (c == '$' && i + 1 < len && t[i + 1] == '\'') {
            /* $'...' with C escapes: the common ones, the rest as written */
            flags |= CD_SH_QUOTED;
            for (i += 2; i < len && t[i] != '\''; i++) {
                char ch = t[i];
                if (ch == '\\' && i + 1 < len) {
                    i++;
                    ch = t[i] == 'n' ? '\n' : t[i] == 't' ? '\t' : t[i];
                }
                add(W, &ch, 1);
            }
            i += i < len;
        } else if (c == '"') {
            flags |= CD_SH_QUOTED;
            i++;
            while (i < len && t[i] != '"') {
                if (t[i] == '\\' && i + 1 < len && strchr("$`\"\\\n", t[i + 1]) && t[i + 1]) {
                    if (t[i + 1] != '\n')
                        add(W, t + i + 1, 1);
                    i += 2;
                } else if (t[i] == '$') {
                    flags |= dollar(W, &i);
                } else if (t[i] == '`') {
                    flags |= backtick(W, &i);
                } else {
                    add(W, t + i, 1);
                    i++;
                }
            }
            i += i < len;
        } else if (c == '$') {
            flags |= dollar(W, &i);
        } else if (c == '`') {
            flags |= backtick(W, &i);
        } else {
            add(W, t + i, 1);
            i++;
        }
    }
    W->pos = i;
    return flags;
}

static bool is_assignment(const char *t, size_t len, size_t i)
{
    size_t k = i;

    if (k >= len || !((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z') || t[k] == '_'))
        return false;
    while (k < len && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z') ||
                       (t[k] >= '0' && t[k] <= '9') || t[k] == '_'))
        k++;
    if (k < len && t[k] == '+')
        k++;
    return k < len && t[k] == '=';
}

static void push_word(struct walker *W, struct cd_sh_word *w)
{
    if (W->words.n < CD_MAX_ARGV)
        MOAT_VEC_PUSH(&W->words, *w);
}

static void word(struct walker *W)
{
    struct cd_sh_word w = { 0 };
    size_t start = W->pos;
    bool first = true;

    for (size_t k = 0; k < W->words.n; k++)
        if (!(W->words.v[k].flags & (CD_SH_ASSIGN | CD_SH_REDIR)))
            first = false;
    w.flags = read_word(W);
    w.s = moat_arena_strndup(W->a, W->word.data, W->word.len);
    w.off = W->base + start;
    w.end = W->base + W->pos;
    if (first && is_assignment(W->t, W->len, start))
        w.flags |= CD_SH_ASSIGN;
    push_word(W, &w);
}

static void redirection(struct walker *W)
{
    const char *t = W->t;
    size_t i = W->pos, op0 = W->pos;
    struct cd_sh_word w = { 0 };
    static const char *const ops[] = { "&>>", "&>", "<<<", "<<-", "<<", "<>",
                                       "<&",  "<",  ">>",  ">&",  ">|", ">" };

    while (i < W->len && t[i] >= '0' && t[i] <= '9')
        i++;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        size_t n = strlen(ops[k]);
        if (i + n <= W->len && memcmp(t + i, ops[k], n) == 0) {
            i += n;
            break;
        }
    }
    w.op = moat_arena_strndup(W->a, t + op0, i - op0);
    w.flags = CD_SH_REDIR;
    while (i < W->len && blank(t[i]))
        i++;
    W->pos = i;
    if (i < W->len && !ends_word(t[i])) {
        w.flags |= read_word(W);
        w.s = moat_arena_strndup(W->a, W->word.data, W->word.len);
    } else {
        w.s = "";
    }
    w.off = W->base + op0;
    w.end = W->base + W->pos;
    if (strstr(w.op, "<<") && !strstr(w.op, "<<<") && w.s[0]) {
        struct pending p = { w.s, strstr(w.op, "<<-") != NULL, NULL };
        w.flags |= CD_SH_HEREDOC;
        MOAT_VEC_PUSH(&W->hd, p);
    }
    push_word(W, &w);
}

static bool reserved(const struct cd_sh_word *w, const char *list)
{
    size_t n = strlen(w->s);

    if (w->flags & (CD_SH_QUOTED | CD_SH_REDIR | CD_SH_ASSIGN | CD_SH_SUBST))
        return false;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && memcmp(p, w->s, n) == 0)
            return true;
        p += m + (e ? 1 : 0);
    }
    return false;
}

static void end_command(struct walker *W)
{
    struct cd_sh_word *v = W->words.v;
    size_t n = W->words.n, skip = 0;
    struct cd_sh_cmd *cmd;

    W->words.n = 0;
    while (skip < n && reserved(&v[skip], "! { } if then else elif fi do done while until time "
                                          "esac in"))
        skip++;
    /* for NAME in ...; case WORD in; function NAME: no command to run */
    if (skip < n && reserved(&v[skip], "for select case function"))
        skip = n;
    if (skip == n) {
        /* here-documents of a dropped command: bodies skipped, not handed over */
        static const struct cd_sh_cmd none = { NULL, 0 };
        for (size_t k = 0; k < W->hd.n; k++)
            if (!W->hd.v[k].cmd)
                W->hd.v[k].cmd = &none;
        return;
    }
    cmd = moat_arena_alloc(W->a, sizeof(*cmd));
    {
        struct cd_sh_word *c = moat_arena_alloc(W->a, (n - skip) * sizeof(*c));
        memcpy(c, v + skip, (n - skip) * sizeof(*c));
        cmd->w = c;
        cmd->n = n - skip;
    }
    for (size_t k = 0; k < W->hd.n; k++)
        if (!W->hd.v[k].cmd)
            W->hd.v[k].cmd = cmd;
    MOAT_VEC_PUSH(&W->pipe, *cmd);
}

static void walk_spans(struct walker *W, const struct span *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct walker sub = { 0 };
        if (W->depth + 1 >= CD_MAX_SH_DEPTH)
            return;
        sub.t = W->t + s[k].off;
        sub.len = s[k].len;
        sub.base = W->base + s[k].off;
        sub.depth = W->depth + 1;
        sub.v = W->v;
        sub.a = W->a;
        walk(&sub);
    }
}

static void end_pipeline(struct walker *W)
{
    struct span *spans;
    size_t n = W->subst.n;

    end_command(W);
    if (W->pipe.n && W->v->pipeline)
        W->v->pipeline(W->v->ctx, W->pipe.v, W->pipe.n, W->depth);
    W->pipe.n = 0;
    if (!n)
        return;
    /* walking may note more substitutions of this level: take these first */
    spans = moat_arena_alloc(W->a, n * sizeof(*spans));
    memcpy(spans, W->subst.v, n * sizeof(*spans));
    W->subst.n = 0;
    walk_spans(W, spans, n);
}

/* After a newline: the bodies of the here-documents named on that line. */
static void heredoc_bodies(struct walker *W)
{
    for (size_t k = 0; k < W->hd.n; k++) {
        const struct pending *p = &W->hd.v[k];
        size_t start = W->pos, dl = strlen(p->delim);

        while (W->pos < W->len) {
            const char *s = W->t + W->pos, *nl = memchr(s, '\n', W->len - W->pos);
            size_t n = nl ? (size_t)(nl - s) : W->len - W->pos, b = 0, m = n;
            if (p->strip)
                while (b < n && s[b] == '\t')
                    b++;
            while (m > b && s[m - 1] == '\r')
                m--;
            if (m - b == dl && memcmp(s + b, p->delim, dl) == 0) {
                if (W->v->data && p->cmd && p->cmd->n)
                    W->v->data(W->v->ctx, W->t + start, (size_t)(s - W->t) - start, W->base + start,
                               p->cmd, W->depth);
                W->pos += n + (nl ? 1 : 0);
                goto next;
            }
            W->pos += n + (nl ? 1 : 0);
        }
        /* unterminated: the body runs to the end of the script */
        if (W->v->data && p->cmd && p->cmd->n)
            W->v->data(W->v->ctx, W->t + start, W->len - start, W->base + start, p->cmd, W->depth);
    next:;
    }
    W->hd.n = 0;
}

static void walk(struct walker *W)
{
    const char *t = W->t;

    moat_buf_init(&W->word, W->len + 1);
    while (W->pos < W->len) {
        char c = t[W->pos], d = W->pos + 1 < W->len ? t[W->pos + 1] : '\0';
        if (blank(c)) {
            W->pos++;
        } else if (c == '\\' && d == '\n') {
            W->pos += 2;
        } else if (c == '\\' && d == '\r' && W->pos + 2 < W->len && t[W->pos + 2] == '\n') {
            W->pos += 3;
        } else if (c == '\n') {
            end_pipeline(W);
            W->pos++;
            heredoc_bodies(W);
        } else if (c == '#') {
            while (W->pos < W->len && t[W->pos] != '\n')
                W->pos++;
        } else if (c == ';') {
            end_pipeline(W);
            W->pos += 1 + (d == ';' || d == '&');
        } else if (c == '&' && d == '&') {
            end_pipeline(W);
            W->pos += 2;
        } else if (c == '&' && d == '>') {
            redirection(W);
        } else if (c == '&') {
            end_pipeline(W);
            W->pos++;
        } else if (c == '|' && d == '|') {
            end_pipeline(W);
            W->pos += 2;
        } else if (c == '|') {
            end_command(W);
            W->pos += 1 + (d == '&');
        } else if (c == '(' || c == ')') {
            end_pipeline(W);
            W->pos++;
        } else if ((c == '<' || c == '>') && d == '(') {
            word(W);
        } else if (c == '<' || c == '>') {
            redirection(W);
        } else if (c >= '0' && c <= '9') {
            size_t k = W->pos;
            while (k < W->len && t[k] >= '0' && t[k] <= '9')
                k++;
            if (k < W->len && (t[k] == '<' || t[k] == '>') && !(k + 1 < W->len && t[k + 1] == '('))
                redirection(W);
            else
                word(W);
        } else {
            word(W);
        }
    }
    end_pipeline(W);
    /* here-documents opened on the last line have no body */
    W->hd.n = 0;
    moat_buf_release(&W->word);
    free(W->words.v);
    free(W->pipe.v);
    free(W->subst.v);
    free(W->hd.v);
}

void cd_sh_walk(const char *script, size_t len, size_t base, int depth, const struct cd_sh_visit *v)
{
    struct moat_arena a;
    struct walker W = { 0 };

    if (depth >= CD_MAX_SH_DEPTH || len == 0)
        return;
    moat_arena_init(&a, 16u << 10);
    W.t = script;
    W.len = len;
    W.base = base;
    W.depth = depth;
    W.v = v;
    W.a = &a;
    walk(&W);
    moat_arena_release(&a);
}
