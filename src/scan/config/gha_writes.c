/* Writes of run: scripts to the runner's files for the GitHub Actions
 * audits: $GITHUB_ENV, $GITHUB_PATH and $GITHUB_OUTPUT in every spelling
 * (redirections, tee, PowerShell cmdlets, { } groups, here-documents,
 * NAME<<DELIM values, @actions/core calls), with the name and value written. */
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_DELIM 128 /* bytes of a NAME<<DELIM delimiter */

static bool is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t line_end(const char *s, size_t len, size_t i)
{
    const char *nl = memchr(s + i, '\n', len - i);
    return nl ? (size_t)(nl - s) : len;
}

static const char *const file_names[] = { "GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT" };

/* The github context names the same files: ${{ github.env }}, ${{ github.path }}. */
static const char *const context_names[] = { "github.env", "github.path", NULL };

static bool word_at(const char *s, size_t from, size_t to, size_t i, const char *w, bool icase)
{
    size_t n = strlen(w);

    if (i + n > to || (icase ? strncasecmp(s + i, w, n) : memcmp(s + i, w, n)) != 0)
        return false;
    return !(i > from && (is_name(s[i - 1]) || s[i - 1] == '.')) &&
           !(i + n < to && is_name(s[i + n]));
}

/* Offset of the next reference to the file in [from, to), or -1. */
static long file_ref(const char *s, size_t from, size_t to, enum gha_file f)
{
    for (size_t i = from; i < to; i++)
        if (word_at(s, from, to, i, file_names[f], false) ||
            (context_names[f] && word_at(s, from, to, i, context_names[f], true)))
            return (long)i;
    return -1;
}

/* Whether the reference at ref is a redirection target: `> "$X"`,
 * `>> ${X}`, `>> $env:X`, `>> %X%`, `>> ${{ github.env }}`. */
static bool redirected(const char *s, size_t from, size_t ref)
{
    size_t i = ref;

    while (i > from) {
        char c = s[i - 1];
        if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '{' || c == '$' || c == '%')
            i--;
        else if (i - from >= 4 && strncasecmp(s + i - 4, "env:", 4) == 0)
            i -= 4;
        else
            return c == '>';
    }
    return false;
}

/* Python's open(..., "a"): a mode string after the file that writes
 * ("a", "w", "x", "r+", mode="at"); other strings (encoding="utf-8") are
 * skipped. */
static bool open_mode_writes(const char *s, size_t ref, size_t to)
{
    const char *comma = memchr(s + ref, ',', to - ref);

    for (size_t i = comma ? (size_t)(comma - s) + 1 : to; i < to && s[i] != ')'; i++) {
        char q = s[i];
        bool mode = true, writes = false;

        if (q != '"' && q != '\'')
            continue;
        for (i++; i < to && s[i] != q; i++) {
            mode = mode && s[i] != '\0' && strchr("rwaxbtU+", s[i]) != NULL;
            writes = writes || (s[i] != '\0' && strchr("awx+", s[i]) != NULL);
        }
        if (mode && writes)
            return true;
    }
    return false;
}

/* Whether the line [from, to) writes to the file named at ref: a
 * redirection to it, or a writer (tee, PowerShell cmdlets, JavaScript's
 * fs calls, Python's open() in a write mode) before it. Reading the file
 * (`cat "$GITHUB_ENV" > dump`, `grep X "$GITHUB_ENV"`, `open(...).read()`)
 * is not a write. */
static bool writes_to(const char *s, size_t from, size_t to, size_t ref)
{
    static const char *const verbs[] = { "tee", "add-content", "out-file", "set-content" };

    if (redirected(s, from, ref))
        return true;
    for (size_t i = from; i < ref; i++) {
        for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
            if (word_at(s, from, to, i, verbs[k], true))
                return true;
        if (strncasecmp(s + i, "appendfile", 10) == 0 || strncasecmp(s + i, "writefile", 9) == 0)
            return true;
        if (strncmp(s + i, "open(", 5) == 0 && open_mode_writes(s, ref, to))
            return true;
    }
    return false;
}

/* The first reference in [from, to) that the line writes to, or -1. */
static long write_ref(const char *s, size_t from, size_t to, enum gha_file f)
{
    for (long ref = file_ref(s, from, to, f); ref >= 0; ref = file_ref(s, (size_t)ref + 1, to, f))
        if (writes_to(s, from, to, (size_t)ref))
            return ref;
    return -1;
}

struct multi {
    bool on;
    size_t name, nlen;
    char delim[MAX_DELIM];
    size_t dlen;
};

struct writes {
    const char *s;
    size_t len;
    void (*fn)(void *arg, const struct gha_write *wr);
    void *arg;
    struct multi multi[3];
    bool names_file; /* what emit sets names_file to */
};

/* NAME=value or NAME<<DELIM in [from, to): the first name that starts a
 * word (or follows a quote) and is followed by = or <<. */
static bool assignment(const char *s, size_t from, size_t to, size_t *name, size_t *nlen,
                       size_t *op)
{
    for (size_t i = from; i < to; i++) {
        size_t j = i;
        char pc = i > from ? s[i - 1] : ' ';

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
            continue;
        if (!(pc == ' ' || pc == '\t' || pc == '"' || pc == '\'' || pc == '(' || pc == '`'))
            continue;
        while (j < to && (is_name(s[j]) || s[j] == '-'))
            j++;
        if (j < to && (s[j] == '=' || (j + 1 < to && s[j] == '<' && s[j + 1] == '<'))) {
            *name = i;
            *nlen = j - i;
            *op = j;
            return true;
        }
        i = j;
    }
    return false;
}

/* Where the written text ends: the redirection (or pipe) that sends it to the file. */
static size_t value_end(const char *s, size_t from, size_t to, size_t ref)
{
    size_t e = ref < to ? ref : to;

    for (size_t i = e; i > from; i--)
        if (s[i - 1] == '>' || s[i - 1] == '|') {
            /* >> and 2> belong to the redirection */
            for (i--; i > from && (s[i - 1] == '>' || (s[i - 1] >= '0' && s[i - 1] <= '9'));)
                i--;
            return i;
        }
    return e;
}

static void emit(struct writes *w, enum gha_file f, size_t off, size_t name, size_t nlen,
                 size_t value, size_t vlen)
{
    struct gha_write wr = { f, off, name, nlen, value, vlen, w->names_file };
    w->fn(w->arg, &wr);
}

/* A line [from, to) that sends text to file f (ref: where it names it). */
static void write_line(struct writes *w, enum gha_file f, size_t from, size_t to, size_t ref)
{
    const char *s = w->s;
    struct multi *m = &w->multi[f];
    size_t name, nlen, op, vend = value_end(s, from, to, ref);

    if (assignment(s, from, vend, &name, &nlen, &op)) {
        if (s[op] == '<') {
            /* NAME<<DELIM: the lines up to DELIM are the value */
            size_t d = op + 2, dl = 0;
            m->on = true;
            m->name = name;
            m->nlen = nlen;
            while (d < vend && dl < MAX_DELIM - 1 && s[d] != '"' && s[d] != '\'' && s[d] != ' ')
                m->delim[dl++] = s[d++];
            m->dlen = dl;
            emit(w, f, ref, name, nlen, op, 0);
            return;
        }
        emit(w, f, ref, name, nlen, op + 1, vend - op - 1);
        return;
    }
    if (m->on) {
        if (m->dlen > 0 && memmem(s + from, vend - from, m->delim, m->dlen)) {
            size_t t = from;
            /* echo EOF >> ...: the end of the value */
            while (t < vend && (s[t] == ' ' || s[t] == '\t'))
                t++;
            if (vend - t < m->dlen + 16) {
                m->on = false;
                emit(w, f, ref, 0, 0, from, 0);
                return;
            }
        }
        emit(w, f, ref, m->name, m->nlen, from, vend - from);
        return;
    }
    emit(w, f, ref, 0, 0, from, vend - from);
}

/* JavaScript (actions/github-script): @actions/core's writers. */
static void js_writes(struct writes *w, size_t from, size_t to)
{
    static const struct {
        const char *call;
        enum gha_file f;
    } calls[] = {
        { "exportVariable(", GHA_F_ENV },
        { "addPath(", GHA_F_PATH },
        { "setOutput(", GHA_F_OUTPUT },
    };
    const char *s = w->s;

    for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
        const char *hit = memmem(s + from, to - from, calls[k].call, strlen(calls[k].call));
        size_t i, name = 0, nlen = 0;

        if (!hit)
            continue;
        i = (size_t)(hit - s) + strlen(calls[k].call);
        while (i < to && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i < to && (s[i] == '\'' || s[i] == '"' || s[i] == '`')) {
            char q = s[i++];
            name = i;
            while (i < to && s[i] != q)
                i++;
            nlen = i - name;
            if (i < to)
                i++;
        }
        if (calls[k].f == GHA_F_PATH)
            nlen = 0;
        emit(w, calls[k].f, (size_t)(hit - s), name, nlen, i, to - i);
    }
}

/* The deprecated workflow commands printed to the log: ::set-output
 * (still honoured) and ::set-env (with ACTIONS_ALLOW_UNSECURE_COMMANDS). */
static void workflow_commands(struct writes *w, size_t from, size_t to)
{
    static const struct {
        const char *cmd;
        enum gha_file f;
    } cmds[] = {
        { "::set-output name=", GHA_F_OUTPUT },
        { "::set-env name=", GHA_F_ENV },
    };
    const char *s = w->s;

    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
        size_t m = strlen(cmds[k].cmd);
        const char *hit = memmem(s + from, to - from, cmds[k].cmd, m);
        const char *sep;
        size_t name, value;

        if (!hit)
            continue;
        name = (size_t)(hit - s) + m;
        sep = memmem(s + name, to - name, "::", 2);
        if (!sep)
            continue;
        value = (size_t)(sep - s) + 2;
        /* not a write to a file: nothing for the file audits to report */
        w->names_file = false;
        emit(w, cmds[k].f, (size_t)(hit - s), name, (size_t)(sep - s) - name, value, to - value);
        w->names_file = true;
    }
}

void gha_sh_writes(const char *code, const unsigned char *cls, size_t len, enum gha_lang lang,
                   void (*fn)(void *arg, const struct gha_write *wr), void *arg)
{
    struct writes w = { code, len, fn, arg, { { false, 0, 0, "", 0 } }, true };
    long heredoc_file = -1;
    size_t group = (size_t)-1; /* where a { ... } block opened */

    for (size_t i = 0; i < len;) {
        size_t e = line_end(code, len, i), t = i;
        bool any = false;

        while (t < e && (code[t] == ' ' || code[t] == '\t'))
            t++;
        if (t < e && cls[t] == GHA_SH_HEREDOC) {
            /* cat <<EOF >> "$GITHUB_OUTPUT": the body is what is written */
            if (heredoc_file >= 0) {
                w.names_file = false;
                write_line(&w, (enum gha_file)heredoc_file, t, e, e);
                w.names_file = true;
            }
            i = e + 1;
            continue;
        }
        heredoc_file = -1;
        if (lang == GHA_LANG_JS)
            js_writes(&w, t, e);
        workflow_commands(&w, t, e);
        if (e - t == 1 && code[t] == '{')
            group = e + 1;
        for (int f = GHA_F_ENV; f <= GHA_F_OUTPUT; f++) {
            long ref = write_ref(code, t, e, (enum gha_file)f);
            if (ref < 0)
                continue;
            any = true;
            if (e + 1 < len && cls[e + 1] == GHA_SH_HEREDOC) {
                heredoc_file = f;
                emit(&w, (enum gha_file)f, (size_t)ref, 0, 0, (size_t)ref, 0);
            } else if (code[t] == '}' && group != (size_t)-1) {
                /* { echo a=1; echo b=2; } >> $GITHUB_OUTPUT */
                w.names_file = false;
                for (size_t g = group; g < t;) {
                    size_t ge = line_end(code, len, g);
                    write_line(&w, (enum gha_file)f, g, ge, ge);
                    g = ge + 1;
                }
                w.names_file = true;
                emit(&w, (enum gha_file)f, (size_t)ref, 0, 0, (size_t)ref, 0);
            } else {
                write_line(&w, (enum gha_file)f, t, e, (size_t)ref);
            }
        }
        if (any || (t < e && code[t] == '}'))
            group = (size_t)-1;
        i = e + 1;
    }
}
