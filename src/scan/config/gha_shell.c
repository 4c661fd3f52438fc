/* The scripts of GitHub Actions run: steps as the audits read them: which
 * bytes are comments or here-document data, and the simple commands with
 * their words and program. A reader, not a shell: it errs towards seeing
 * code where there is code. What commands do is in gha_cmds.c, writes to
 * the runner's files in gha_writes.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_HEREDOCS 8   /* pending on one line */
#define MAX_DELIM    128 /* bytes of a here-document delimiter */
#define MAX_NEST     64  /* quotes and $( ) inside one word */
#define WORD_MAX     256 /* bytes of an unquoted word argv0 compares */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

enum gha_lang gha_shell_lang(const char *shell, bool windows)
{
    char w[32];
    size_t n = 0;
    const char *p, *slash;

    if (!shell || !shell[0])
        return windows ? GHA_LANG_PWSH : GHA_LANG_SH;
    while (*shell == ' ' || *shell == '\t')
        shell++;
    for (p = shell; *p && *p != ' ' && *p != '\t'; p++)
        ;
    slash = memrchr(shell, '/', (size_t)(p - shell));
    if (slash)
        shell = slash + 1;
    for (; shell < p && n < sizeof(w) - 1; shell++)
        w[n++] = lower(*shell);
    w[n] = '\0';
    if (strcmp(w, "bash") == 0 || strcmp(w, "sh") == 0 || strcmp(w, "zsh") == 0 ||
        strcmp(w, "dash") == 0 || strcmp(w, "ksh") == 0)
        return GHA_LANG_SH;
    if (strcmp(w, "pwsh") == 0 || strcmp(w, "powershell") == 0)
        return GHA_LANG_PWSH;
    if (strcmp(w, "cmd") == 0)
        return GHA_LANG_CMD;
    if (strncmp(w, "python", 6) == 0)
        return GHA_LANG_PYTHON;
    if (strcmp(w, "node") == 0 || strcmp(w, "deno") == 0 || strcmp(w, "bun") == 0)
        return GHA_LANG_JS;
    return GHA_LANG_OTHER;
}

/* Length of the `${{ }}` at s[i], or 0. */
static size_t expr_at(const char *s, size_t len, size_t i)
{
    size_t pos = i, start, end;

    if (i + 2 >= len || s[i] != '$' || s[i + 1] != '{' || s[i + 2] != '{')
        return 0;
    if (!gha_expr_find(s, len, &pos, &start, &end) || start != i)
        return 0;
    return end - start;
}

static size_t line_end(const char *s, size_t len, size_t i)
{
    const char *nl = memchr(s + i, '\n', len - i);
    return nl ? (size_t)(nl - s) : len;
}

static void mark(unsigned char *cls, size_t from, size_t to, unsigned char v)
{
    memset(cls + from, v, to - from);
}

struct heredoc {
    char delim[MAX_DELIM];
    size_t dlen;
    bool strip_tabs;
};

/* The bodies of the here-documents opened on the line that ended at i:
 * each runs to a line that is its delimiter. Returns where code resumes. */
static size_t heredoc_bodies(const char *s, size_t len, size_t i, unsigned char *cls,
                             const struct heredoc *hd, size_t nhd)
{
    for (size_t h = 0; h < nhd && i < len; h++) {
        while (i < len) {
            size_t e = line_end(s, len, i), t = i, te = e;
            if (hd[h].strip_tabs)
                while (t < e && s[t] == '\t')
                    t++;
            if (te > t && s[te - 1] == '\r')
                te--;
            mark(cls, i, e, GHA_SH_HEREDOC);
            i = e < len ? e + 1 : len;
            if (te - t == hd[h].dlen && memcmp(s + t, hd[h].delim, hd[h].dlen) == 0)
                break;
        }
    }
    return i;
}

/* <<[-] WORD at s[i] (i at the first '<'): records the delimiter without
 * its quotes. Returns the offset past it. */
static size_t heredoc_start(const char *s, size_t len, size_t i, struct heredoc *hd, size_t *nhd)
{
    struct heredoc h = { "", 0, false };
    size_t j = i + 2;

    if (j < len && s[j] == '-') {
        h.strip_tabs = true;
        j++;
    }
    while (j < len && (s[j] == ' ' || s[j] == '\t'))
        j++;
    for (; j < len; j++) {
        char c = s[j];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' ||
            c == '<' || c == '>' || c == '(' || c == ')')
            break;
        if (c == '\'' || c == '"' || c == '\\')
            continue;
        if (h.dlen < MAX_DELIM - 1)
            h.delim[h.dlen++] = c;
    }
    if (h.dlen > 0 && *nhd < MAX_HEREDOCS)
        hd[(*nhd)++] = h;
    return j;
}

static bool word_break(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' ||
           c == '(' || c == ')';
}

/* POSIX shells (and, with pwsh set, PowerShell's quoting and comments). */
static void classify_shell(const char *s, size_t len, unsigned char *cls, bool pwsh)
{
    struct heredoc hd[MAX_HEREDOCS];
    size_t nhd = 0, i = 0, n;
    char q = 0, prev = '\n';

    while (i < len) {
        char c = s[i];
        /* GitHub substitutes expressions before any shell reads the text */
        if ((n = expr_at(s, len, i)) > 0) {
            i += n;
            prev = 'x';
            continue;
        }
        if (q == '\'') {
            if (c == '\'')
                q = 0;
            i++;
            continue;
        }
        if (q) {
            if (c == (pwsh ? '`' : '\\'))
                i++;
            else if (c == q)
                q = 0;
            i++;
            continue;
        }
        if (c == (pwsh ? '`' : '\\')) {
            i += 2;
            prev = 'x';
            continue;
        }
        if (pwsh && c == '<' && i + 1 < len && s[i + 1] == '#') {
            const char *end = memmem(s + i + 2, len - i - 2, "#>", 2);
            size_t e = end ? (size_t)(end - s) + 2 : len;
            mark(cls, i, e, GHA_SH_COMMENT);
            i = e;
            continue;
        }
        if (c == '#' && word_break(prev)) {
            size_t e = line_end(s, len, i);
            mark(cls, i, e, GHA_SH_COMMENT);
            i = e;
            continue;
        }
        if (c == '\'' || c == '"' || (!pwsh && c == '`')) {
            q = c;
            prev = c;
            i++;
            continue;
        }
        if (!pwsh && c == '<' && i + 1 < len && s[i + 1] == '<') {
            if (i + 2 < len && s[i + 2] == '<') {
                i += 3;
                continue;
            }
            i = heredoc_start(s, len, i, hd, &nhd);
            prev = 'x';
            continue;
        }
        i++;
        prev = c;
        if (c == '\n' && nhd > 0) {
            i = heredoc_bodies(s, len, i, cls, hd, nhd);
            nhd = 0;
        }
    }
}

/* Languages where only whole comment lines are recognized. */
static void classify_lines(const char *s, size_t len, unsigned char *cls, enum gha_lang lang)
{
    for (size_t i = 0; i < len;) {
        size_t e = line_end(s, len, i), t = i;
        bool comment;

        while (t < e && (s[t] == ' ' || s[t] == '\t'))
            t++;
        if (lang == GHA_LANG_JS)
            comment = e - t >= 2 && s[t] == '/' && s[t + 1] == '/';
        else if (lang == GHA_LANG_CMD)
            comment = (e - t >= 2 && s[t] == ':' && s[t + 1] == ':') ||
                      (e - t >= 3 && strncasecmp(s + t, "rem", 3) == 0 &&
                       (e - t == 3 || s[t + 3] == ' ' || s[t + 3] == '\t'));
        else
            comment = t < e && s[t] == '#';
        if (comment)
            mark(cls, t, e, GHA_SH_COMMENT);
        i = e + 1;
    }
}

unsigned char *gha_sh_classify(const char *s, size_t len, enum gha_lang lang)
{
    unsigned char *cls = moat_calloc(len ? len : 1, 1);

    if (lang == GHA_LANG_SH || lang == GHA_LANG_PWSH)
        classify_shell(s, len, cls, lang == GHA_LANG_PWSH);
    else
        classify_lines(s, len, cls, lang);
    return cls;
}

/* One word at code[i]: returns its end. Quotes, $( ), <( ), ${ } and
 * backquotes nest; `${{ }}` is opaque. */
static size_t word_end(const char *code, size_t len, size_t i)
{
    char st[MAX_NEST];
    size_t depth = 0, n;

    while (i < len) {
        char c = code[i], top = depth ? st[depth - 1] : 0;
        char next = i + 1 < len ? code[i + 1] : 0;

        if ((n = expr_at(code, len, i)) > 0) {
            i += n;
            continue;
        }
        if (top == '\'') {
            if (c == '\'')
                depth--;
            i++;
            continue;
        }
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (top == '"' || top == '`') {
            if (c == top)
                depth--;
            else if (c == '$' && next == '(' && depth < MAX_NEST)
                st[depth++] = '(', i++;
            i++;
            continue;
        }
        if (top == '(' || top == '{') {
            if ((top == '(' && c == ')') || (top == '{' && c == '}'))
                depth--;
            else if ((c == '(' || c == '\'' || c == '"' || c == '`') && depth < MAX_NEST)
                st[depth++] = c;
            i++;
            continue;
        }
        /* at word level */
        if (c == '&' && ((i > 0 && (code[i - 1] == '>' || code[i - 1] == '<')) || next == '>')) {
            i++;
            continue;
        }
        if (word_break(c) && !(c == '(' && i > 0 && code[i - 1] == '='))
            break;
        if ((c == '\'' || c == '"' || c == '`') && depth < MAX_NEST) {
            st[depth++] = c;
        } else if ((c == '$' || c == '<' || c == '>' || c == '=') && next == '(' &&
                   depth < MAX_NEST) {
            st[depth++] = '(';
            i++;
        } else if (c == '(' && depth < MAX_NEST) {
            st[depth++] = '(';
        } else if (c == '$' && next == '{' && depth < MAX_NEST) {
            st[depth++] = '{';
            i++;
        }
        i++;
    }
    return i < len ? i : len;
}

void gha_sh_commands(const char *code, size_t len,
                     void (*fn)(void *arg, const char *code, const struct gha_sh_cmd *c), void *arg)
{
    struct gha_sh_cmd c = { 0, false, 0, { { 0, 0 } } };
    bool piped = false;
    size_t i = 0;

    while (i < len) {
        char ch = code[i], next = i + 1 < len ? code[i + 1] : 0;
        bool sep = true, pipe = false;

        if (ch == ' ' || ch == '\t' || ch == '\r' || (ch == '\\' && next == '\n')) {
            i += ch == '\\' ? 2 : 1;
            continue;
        }
        if (ch == '|' && next == '|')
            i += 2;
        else if (ch == '|')
            i += next == '&' ? 2 : 1, pipe = true;
        else if (ch == '&' && next == '&')
            i += 2;
        else if (ch == '&' && next == '>')
            sep = false; /* &> file: a redirection */
        else if (ch == '\n' || ch == ';' || (ch == '&' && next != '>') || ch == '(' || ch == ')')
            i++;
        else
            sep = false;
        if (sep) {
            if (c.n > 0)
                fn(arg, code, &c);
            c.n = 0;
            piped = pipe;
            continue;
        }
        {
            size_t e = word_end(code, len, i);
            if (e == i)
                e = i + 1;
            if (c.n == 0) {
                c.off = i;
                c.piped = piped;
            }
            if (c.n < GHA_SH_MAXW) {
                c.w[c.n].off = i;
                c.w[c.n].len = e - i;
                c.n++;
            }
            i = e;
        }
    }
    if (c.n > 0)
        fn(arg, code, &c);
}

void gha_sh_word(const char *code, const struct gha_sh_cmd *c, size_t i, char *out, size_t outlen)
{
    size_t n = 0;

    if (outlen == 0)
        return;
    if (i < c->n) {
        const char *w = code + c->w[i].off;
        for (size_t j = 0; j < c->w[i].len && n < outlen - 1; j++) {
            if (w[j] == '\'' || w[j] == '"')
                continue;
            if (w[j] == '\\' && j + 1 < c->w[i].len)
                j++;
            out[n++] = w[j];
        }
    }
    out[n] = '\0';
}

static bool in_list(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(w, *list) == 0)
            return true;
    return false;
}

static bool is_assignment(const char *w)
{
    const char *eq = strchr(w, '=');

    if (!eq || eq == w ||
        !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') || w[0] == '_'))
        return false;
    for (const char *p = w; p < eq; p++)
        if (!is_name(*p) && !(*p == '+' && p + 1 == eq))
            return false;
    return true;
}

size_t gha_sh_argv0(const char *code, const struct gha_sh_cmd *c)
{
    static const char *const plain[] = { "time",     "nohup",  "exec",   "command",   "builtin",
                                         "then",     "do",     "else",   "elif",      "if",
                                         "while",    "until",  "!",      "{",         "}",
                                         "xvfb-run", "stdbuf", "ionice", "eatmydata", NULL };
    /* wrappers whose options take an argument */
    static const char *const sudo_arg[] = { "-u", "-g", "-C", "-D", "-h",
                                            "-p", "-r", "-t", "-U", NULL };
    char w[WORD_MAX];
    size_t i = 0;

    while (i < c->n) {
        gha_sh_word(code, c, i, w, sizeof(w));
        if (is_assignment(w) || in_list(w, plain)) {
            i++;
        } else if (strcmp(w, "sudo") == 0 || strcmp(w, "env") == 0 || strcmp(w, "nice") == 0 ||
                   strcmp(w, "timeout") == 0) {
            bool takes_duration = strcmp(w, "timeout") == 0;
            bool is_env = strcmp(w, "env") == 0;
            for (i++; i < c->n; i++) {
                gha_sh_word(code, c, i, w, sizeof(w));
                if (w[0] == '-') {
                    if (in_list(w, sudo_arg) || (is_env && strcmp(w, "-u") == 0) ||
                        strcmp(w, "-n") == 0)
                        i++;
                } else if (!(is_env && is_assignment(w))) {
                    break;
                }
            }
            if (takes_duration && i < c->n)
                i++;
        } else {
            break;
        }
    }
    return i;
}
