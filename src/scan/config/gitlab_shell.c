/* The shell reader of the GitLab script audits: reads a script the way the
 * runner's shell (bash or sh) will, word by word, with quotes, escapes,
 * comments, $(...), backticks, heredocs and pipelines, and tells the caller
 * where a variable's value is run as code (eval, sh -c, interpreters, ssh,
 * piped into a shell), becomes the command name, or is split into words,
 * and where a download is piped or fed to a shell. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define SH_MAX_WORDS    128 /* words of one simple command we look at */
#define SH_MAX_EXPS     128 /* expansions of one simple command */
#define SH_MAX_HEREDOCS 8   /* heredocs pending on one line */
#define SH_NO_WORD      SIZE_MAX

enum {
    W_REDIR = 1 << 0,   /* a redirection's target */
    W_HERESTR = 1 << 1, /* the word after <<< */
    W_DLSUBST = 1 << 2, /* holds $(...) or `...` that downloads */
    W_DLPROC = 1 << 3,  /* a <(...) that downloads */
    W_ASSIGN = 1 << 4,  /* NAME=value before the command name */
};

enum {
    SH_F_DOWNLOAD = 1 << 0, /* some command of the script downloads */
};

struct word {
    size_t at;     /* index in the text of its first byte */
    size_t ib, il; /* its text after quote removal, in cmd.in */
    unsigned flags;
};

struct exp {
    size_t at; /* index of the $ */
    const char *name;
    size_t len;
    bool quoted; /* inside "..." or a heredoc */
    size_t word; /* SH_NO_WORD: in a heredoc body */
};

struct cmd {
    struct word w[SH_MAX_WORDS];
    size_t nw;
    struct exp e[SH_MAX_EXPS];
    size_t ne;
    /* the words with quotes removed, expansions as '_', and where each
     * byte came from: what a shell running the word as code reads */
    MOAT_VEC(char) in;
    MOAT_VEC(size_t) inmap;
    bool pipe_in;
};

struct heredoc {
    char delim[64];
    size_t dlen;
    bool quoted, strip;
    bool code;     /* its body is run: fed to a shell or interpreter */
    bool catlike;  /* fed to cat/tee, whose output may go on to a shell */
    bool pipeline; /* its pipeline is still being read */
    char sink[40]; /* what runs it, for the message */
};

/* A pipeline's memory of its earlier stages. */
struct pipe {
    bool download;
    size_t dl_at;
    char dl_name[16];
    bool taint; /* an earlier stage prints attacker text */
    struct exp tx;
};

struct shx {
    const struct gl_sh_ops *ops;
    const char *s;
    size_t n;
    const size_t *map; /* origin of each byte, or NULL: base + i */
    size_t base;
    unsigned depth;
    /* a command substitution's script: where it records the first
     * attacker-controlled expansion it prints to its output (NULL: not one) */
    struct exp *printed;
};

static unsigned sh_script(struct shx *x);

static size_t org(const struct shx *x, size_t i)
{
    return x->map ? x->map[i] : x->base + i;
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static void in_add(struct cmd *c, char ch, size_t origin)
{
    MOAT_VEC_PUSH(&c->in, ch);
    MOAT_VEC_PUSH(&c->inmap, origin);
}

static void add_exp(struct shx *x, struct cmd *c, size_t at, size_t name, size_t len, bool quoted)
{
    struct exp *e;

    if (c->ne == SH_MAX_EXPS)
        return;
    e = &c->e[c->ne++];
    e->at = at;
    e->name = x->s + name;
    e->len = len;
    e->quoted = quoted;
    e->word = c->nw; /* the word being read */
}

/* Analyze s[a, b) as a script of its own (a command substitution, a
 * process substitution). With out, the first attacker-controlled expansion
 * the script prints (echo "$X") is put there, at its index in x, and its
 * name set; otherwise out->name stays NULL. */
static unsigned sub(const struct shx *x, size_t a, size_t b, struct exp *out)
{
    struct shx y = *x;
    unsigned f;

    if (out)
        out->name = NULL;
    if (x->depth + 1 >= GL_SH_MAX_DEPTH || b <= a)
        return 0;
    y.s = x->s + a;
    y.n = b - a;
    y.map = x->map ? x->map + a : NULL;
    y.base = x->base + a;
    y.depth = x->depth + 1;
    y.printed = out;
    f = sh_script(&y);
    if (out && out->name)
        out->at += a;
    return f;
}

/* A command substitution $(...) or `...` in s[a, b), part of the word
 * being read: its output is that word's text, so what it prints from an
 * attacker-controlled variable ($(echo "$X")) is an expansion of the word,
 * quoted or not as the substitution is. */
static void subst(struct shx *x, struct cmd *c, size_t a, size_t b, bool quoted, unsigned *wflags)
{
    struct exp e;

    if (sub(x, a, b, &e) & SH_F_DOWNLOAD)
        *wflags |= W_DLSUBST;
    if (e.name && c->ne < SH_MAX_EXPS) {
        e.quoted = quoted;
        e.word = c->nw;
        c->e[c->ne++] = e;
    }
}

/* Index of the byte closing what opened just before i (')' for "$(" and
 * "<(", '}' for "${"), skipping quotes and nested pairs; n if none. */
static size_t find_close(const struct shx *x, size_t i, char open, char close)
{
    unsigned depth = 1;

    while (i < x->n) {
        char ch = x->s[i];
        if (ch == '\\') {
            i += 2;
            continue;
        }
        if (ch == '\'') {
            const char *q = memchr(x->s + i + 1, '\'', x->n - i - 1);
            i = q ? (size_t)(q - x->s) + 1 : x->n;
            continue;
        }
        if (ch == '"') {
            for (i++; i < x->n && x->s[i] != '"'; i++)
                if (x->s[i] == '\\')
                    i++;
            i++;
            continue;
        }
        if (ch == open)
            depth++;
        else if (ch == close && --depth == 0)
            return i;
        i++;
    }
    return x->n;
}

static size_t find_backtick(const struct shx *x, size_t i)
{
    for (; i < x->n; i++) {
        if (x->s[i] == '\\')
            i++;
        else if (x->s[i] == '`')
            return i;
    }
    return x->n;
}

static void hit(struct shx *x, enum gl_sh_event ev, size_t at, const char *var, size_t vlen,
                const char *sink, size_t slen)
{
    struct gl_sh_hit h;

    h.ev = ev;
    h.off = org(x, at);
    h.var = var;
    h.var_len = vlen;
    if (slen >= sizeof(h.sink))
        slen = sizeof(h.sink) - 1;
    memcpy(h.sink, sink, slen);
    h.sink[slen] = '\0';
    x->ops->hit(x->ops->arg, &h);
}

/* $((...)): arithmetic evaluates a variable's value as an expression,
 * and bash runs $(...) inside an array subscript of it, so attacker text
 * there is code. */
static void arith(struct shx *x, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        size_t j;
        if (!is_name_start(x->s[i]) || (i > a && is_name_char(x->s[i - 1])))
            continue;
        for (j = i; j < b && is_name_char(x->s[j]); j++)
            ;
        if (x->ops->tainted(x->ops->arg, x->s + i, j - i))
            hit(x, GL_SH_CODE, i > a && x->s[i - 1] == '$' ? i - 1 : i, x->s + i, j - i,
                "arithmetic expansion", 20);
        i = j;
    }
}

static size_t read_dquote(struct shx *x, struct cmd *c, size_t i, size_t end, bool to_quote,
                          unsigned *wflags);

/* A $ at i: an expansion, a substitution or a plain dollar sign. Returns
 * the index after it. */
static size_t read_dollar(struct shx *x, struct cmd *c, size_t i, bool quoted, unsigned *wflags)
{
    size_t j, n = x->n;
    char nx = i + 1 < n ? x->s[i + 1] : '\0';

    if (nx == '(' && i + 2 < n && x->s[i + 2] == '(') {
        j = find_close(x, i + 3, '(', ')');
        arith(x, i + 3, j);
        in_add(c, '_', org(x, i));
        /* past the second ')' */
        return j + 2 <= n ? j + 2 : n;
    }
    if (nx == '(') {
        j = find_close(x, i + 2, '(', ')');
        subst(x, c, i + 2, j, quoted, wflags);
        in_add(c, '_', org(x, i));
        return j < n ? j + 1 : n;
    }
    if (nx == '{') {
        size_t k = i + 2;
        j = find_close(x, i + 2, '{', '}');
        /* ${#X} is a length and ${!X} an indirection: neither is X's text */
        if (k < j && x->s[k] != '#' && x->s[k] != '!') {
            size_t e = k;
            while (e < j && is_name_char(x->s[e]))
                e++;
            if (e > k && is_name_start(x->s[k]))
                add_exp(x, c, i, k, e - k, quoted);
        }
        in_add(c, '_', org(x, i));
        return j < n ? j + 1 : n;
    }
    if (!quoted && nx == '\'') {
        /* $'...': ANSI-C quoting, no expansion inside */
        for (j = i + 2; j < n && x->s[j] != '\''; j++) {
            if (x->s[j] == '\\' && j + 1 < n)
                j++;
            in_add(c, x->s[j], org(x, j));
        }
        return j < n ? j + 1 : n;
    }
    if (!quoted && nx == '"')
        return read_dquote(x, c, i + 2, n, true, wflags);
    if (i + 5 < n && strncasecmp(x->s + i + 1, "env:", 4) == 0 && is_name_start(x->s[i + 5])) {
        /* PowerShell's $env:NAME (Windows runners): never split, but code
         * for iex and Invoke-Expression */
        for (j = i + 5; j < n && is_name_char(x->s[j]); j++)
            ;
        add_exp(x, c, i, i + 5, j - i - 5, true);
        in_add(c, '_', org(x, i));
        return j;
    }
    if (is_name_start(nx)) {
        for (j = i + 1; j < n && is_name_char(x->s[j]); j++)
            ;
        add_exp(x, c, i, i + 1, j - i - 1, quoted);
        in_add(c, '_', org(x, i));
        return j;
    }
    if (nx && strchr("0123456789@*#?$!-", nx)) {
        in_add(c, '_', org(x, i));
        return i + 2;
    }
    in_add(c, '$', org(x, i));
    return i + 1;
}

/* Double-quoted text from i (past the quote) to the closing quote, or a
 * heredoc body to end: expansions are not split, backslash escapes only
 * $ ` " \ and newline. Returns the index after the closing quote. */
static size_t read_dquote(struct shx *x, struct cmd *c, size_t i, size_t end, bool to_quote,
                          unsigned *wflags)
{
    while (i < end && !(to_quote && x->s[i] == '"')) {
        char ch = x->s[i];
        if (ch == '\\' && i + 1 < end && strchr("$`\"\\\n", x->s[i + 1])) {
            if (x->s[i + 1] != '\n')
                in_add(c, x->s[i + 1], org(x, i + 1));
            i += 2;
        } else if (ch == '$') {
            i = read_dollar(x, c, i, true, wflags);
        } else if (ch == '`') {
            size_t j = find_backtick(x, i + 1);
            subst(x, c, i + 1, j, true, wflags);
            in_add(c, '_', org(x, i));
            i = j + 1;
        } else {
            in_add(c, ch, org(x, i));
            i++;
        }
    }
    return i < end ? i + 1 : end;
}

/* (texts here are views: never NUL-terminated) */
static bool all_digits(const struct shx *x, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (x->s[i] < '0' || x->s[i] > '9')
            return false;
    return b > a;
}

static bool is_word_end(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ';' || ch == '&' ||
           ch == '|' || ch == '(' || ch == ')' || ch == '<' || ch == '>';
}

/* One word from i; returns the index after it. */
static size_t read_word(struct shx *x, struct cmd *c, size_t i, unsigned flags)
{
    struct word w;
    size_t n = x->n;

    w.at = i;
    w.ib = c->in.n;
    w.flags = flags;
    while (i < n && !is_word_end(x->s[i])) {
        char ch = x->s[i];
        if (ch == '\\') {
            if (i + 1 < n && x->s[i + 1] != '\n')
                in_add(c, x->s[i + 1], org(x, i + 1));
            i += 2;
        } else if (ch == '\'') {
            size_t j;
            for (j = i + 1; j < n && x->s[j] != '\''; j++)
                in_add(c, x->s[j], org(x, j));
            i = j < n ? j + 1 : n;
        } else if (ch == '"') {
            i = read_dquote(x, c, i + 1, n, true, &w.flags);
        } else if (ch == '`') {
            size_t j = find_backtick(x, i + 1);
            subst(x, c, i + 1, j, false, &w.flags);
            in_add(c, '_', org(x, i));
            i = j < n ? j + 1 : n;
        } else if (ch == '$') {
            i = read_dollar(x, c, i, false, &w.flags);
        } else {
            in_add(c, ch, org(x, i));
            i++;
        }
    }
    if (i > n)
        i = n;
    w.il = c->in.n - w.ib;
    if (c->nw < SH_MAX_WORDS)
        c->w[c->nw++] = w;
    return i;
}

/* ---- what a command is ---- */

struct text {
    const char *p;
    size_t n;
};

static struct text wtext(const struct cmd *c, size_t i)
{
    struct text t = { "", 0 };

    if (i < c->nw && c->w[i].il) {
        t.p = c->in.v + c->w[i].ib;
        t.n = c->w[i].il;
    }
    return t;
}

/* The command's name without its directory: /usr/bin/env -> env. */
static struct text wbase(const struct cmd *c, size_t i)
{
    struct text t = wtext(c, i);
    const char *slash = t.n ? memrchr(t.p, '/', t.n) : NULL;

    if (slash) {
        t.n -= (size_t)(slash + 1 - t.p);
        t.p = slash + 1;
    }
    return t;
}

static bool is(struct text t, const char *s)
{
    return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

static bool is_one_of(struct text t, const char *const *v)
{
    for (; *v; v++)
        if (is(t, *v))
            return true;
    return false;
}

static bool is_ci(struct text t, const char *s)
{
    return t.n == strlen(s) && strncasecmp(t.p, s, t.n) == 0;
}

static const char *const shells[] = { "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", NULL };
static const char *const downloaders[] = { "curl",  "wget", "fetch", "http",
                                           "https", "iwr",  "irm",   NULL };

/* python3.11 and the like count as python */
static bool is_python(struct text t)
{
    if (t.n < 6 || memcmp(t.p, "python", 6) != 0)
        return false;
    for (size_t i = 6; i < t.n; i++)
        if (!((t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '.'))
            return false;
    return true;
}

/* Interpreters and the option that takes code as its argument. */
static const char *interp_code_opt(struct text t)
{
    if (is_python(t) || is(t, "pypy") || is(t, "pypy3"))
        return "c";
    if (is(t, "perl") || is(t, "ruby") || is(t, "lua") || is(t, "node") || is(t, "nodejs"))
        return "e";
    if (is(t, "php"))
        return "r";
    if (is_ci(t, "pwsh") || is_ci(t, "powershell") || is_ci(t, "powershell.exe"))
        return "Command";
    return NULL;
}

/* Commands that run the file named by their argument. */
static bool runs_file(struct text t)
{
    return is_one_of(t, shells) || interp_code_opt(t) || is(t, "source") || is(t, ".");
}

static bool is_download(struct text t)
{
    return is_one_of(t, downloaders) || is_ci(t, "invoke-webrequest") ||
           is_ci(t, "invoke-restmethod") || is_ci(t, "curl.exe") || is_ci(t, "wget.exe");
}

static bool is_assignment(struct text t)
{
    size_t i = 0;

    if (!t.n || !is_name_start(t.p[0]))
        return false;
    while (i < t.n && is_name_char(t.p[i]))
        i++;
    if (i < t.n && t.p[i] == '[') { /* a[i]=v */
        const char *close = memchr(t.p + i, ']', t.n - i);
        i = close ? (size_t)(close - t.p) + 1 : t.n;
    }
    if (i < t.n && t.p[i] == '+')
        i++;
    return i < t.n && t.p[i] == '=';
}

static size_t assign_name_len(struct text t)
{
    size_t i = 0;
    while (i < t.n && is_name_char(t.p[i]))
        i++;
    return i;
}

/* Index of the command word, past assignments, keywords and commands that
 * run the next word as the command (sudo, env, timeout...). */
static size_t command_index(struct cmd *c)
{
    static const char *const keywords[] = { "if",      "then",  "else",      "elif",
                                            "do",      "while", "until",     "!",
                                            "{",       "time",  "exec",      "command",
                                            "builtin", "nohup", "nocorrect", NULL };
    size_t i = 0;

    for (;;) {
        struct text t;
        while (i < c->nw && (c->w[i].flags & W_REDIR))
            i++;
        if (i < c->nw && is_assignment(wtext(c, i))) {
            c->w[i].flags |= W_ASSIGN;
            i++;
            continue;
        }
        t = wbase(c, i);
        if (i >= c->nw)
            return i;
        if (is_one_of(t, keywords)) {
            i++;
        } else if (is(t, "sudo") || is(t, "doas")) {
            static const char *const with_arg[] = { "-u", "-g", "-C", "-D", "-h", "-p",
                                                    "-r", "-t", "-U", "-T", NULL };
            for (i++; i < c->nw && wtext(c, i).n && wtext(c, i).p[0] == '-'; i++)
                if (is_one_of(wtext(c, i), with_arg))
                    i++;
        } else if (is(t, "env")) {
            for (i++; i < c->nw &&
                      (is_assignment(wtext(c, i)) || (wtext(c, i).n && wtext(c, i).p[0] == '-'));
                 i++)
                if (is(wtext(c, i), "-u") || is(wtext(c, i), "-C"))
                    i++;
        } else if (is(t, "timeout") || is(t, "nice") || is(t, "stdbuf") || is(t, "xargs") ||
                   is(t, "ionice") || is(t, "chronic")) {
            bool timeout = is(t, "timeout");
            static const char *const with_arg[] = { "-n", "-s", "-k", "-I", "-P", "-L",
                                                    "-d", "-E", "-a", "-c", NULL };
            for (i++; i < c->nw && wtext(c, i).n && wtext(c, i).p[0] == '-'; i++)
                if (is_one_of(wtext(c, i), with_arg))
                    i++;
            if (timeout)
                i++; /* the duration */
        } else {
            return i;
        }
    }
}

/* Whether word i of a shell command's options holds -c (sh -ec, bash -lc). */
static bool shell_c_opt(struct text t)
{
    if (t.n < 2 || t.p[0] != '-' || t.p[1] == '-')
        return false;
    return memchr(t.p + 1, 'c', t.n - 1) != NULL;
}

struct sink {
    bool code[SH_MAX_WORDS]; /* words run as code */
    bool shell_code;         /* and run by a shell: read them as scripts too */
    bool stdin_code;         /* the command runs what it reads on stdin */
    char name[48];
};

static void sink_name(struct sink *k, struct text a, const char *b)
{
    size_t n = a.n < 24 ? a.n : 24;

    memcpy(k->name, a.p, n);
    k->name[n] = '\0';
    if (b) {
        size_t m = strlen(b);
        if (n + m < sizeof(k->name)) {
            memcpy(k->name + n, b, m + 1);
        }
    }
}

/* A shell at word i: -c makes the first word after the options code; with
 * no script to run (or -s, or -), it runs stdin. */
static void shell_sink(const struct cmd *c, size_t i, struct sink *k)
{
    bool cflag = false, sflag = false;
    size_t j;

    for (j = i + 1; j < c->nw; j++) {
        struct text t = wtext(c, j);
        if (c->w[j].flags & (W_REDIR | W_HERESTR))
            continue;
        if (t.n < 2 || (t.p[0] != '-' && t.p[0] != '+') || is(t, "--"))
            break;
        if (shell_c_opt(t))
            cflag = true;
        if (t.p[0] == '-' && t.p[1] != '-' && memchr(t.p + 1, 's', t.n - 1))
            sflag = true;
        if (is(t, "-o") || is(t, "+o") || is(t, "-O") || is(t, "+O"))
            j++;
    }
    if (j < c->nw && is(wtext(c, j), "--"))
        j++;
    if (cflag) {
        if (j < c->nw) {
            k->code[j] = true;
            k->shell_code = true;
            sink_name(k, wbase(c, i), " -c");
        }
        return;
    }
    while (j < c->nw && (c->w[j].flags & (W_REDIR | W_HERESTR)))
        j++;
    if (sflag || j >= c->nw || is(wtext(c, j), "-") || is(wtext(c, j), "/dev/stdin")) {
        k->stdin_code = true;
        sink_name(k, wbase(c, i), NULL);
    }
}

static void interp_sink(const struct cmd *c, size_t i, const char *opt, struct sink *k)
{
    size_t j, olen = strlen(opt);

    for (j = i + 1; j < c->nw; j++) {
        struct text t = wtext(c, j);
        if (c->w[j].flags & (W_REDIR | W_HERESTR))
            continue;
        if (t.n < 2 || t.p[0] != '-')
            break;
        /* -c, -e, combined flags ending in it (perl -ne), --eval, -Command */
        if ((t.n == olen + 1 && strncasecmp(t.p + 1, opt, olen) == 0) ||
            (olen == 1 && t.p[1] != '-' && t.p[t.n - 1] == opt[0]) || is(t, "--eval") ||
            is(t, "--print") || (olen > 1 && is_ci(t, "-c"))) {
            if (j + 1 < c->nw) {
                char o[16];
                size_t n = t.n < sizeof(o) - 2 ? t.n : sizeof(o) - 2;
                o[0] = ' ';
                memcpy(o + 1, t.p, n);
                o[n + 1] = '\0';
                k->code[j + 1] = true;
                sink_name(k, wbase(c, i), o);
            }
            return;
        }
    }
    while (j < c->nw && (c->w[j].flags & (W_REDIR | W_HERESTR)))
        j++;
    if (j >= c->nw || is(wtext(c, j), "-") || is(wtext(c, j), "/dev/stdin")) {
        k->stdin_code = true;
        sink_name(k, wbase(c, i), NULL);
    }
}

/* ssh host cmd...: the remote shell parses the words after the host. */
static void ssh_sink(const struct cmd *c, size_t i, struct sink *k)
{
    size_t j;

    for (j = i + 1; j < c->nw; j++) {
        struct text t = wtext(c, j);
        if (t.n < 2 || t.p[0] != '-')
            break;
        if (t.n == 2 && t.p[1] && strchr("BbcDEeFIiJLlmOopQRSWw", t.p[1]))
            j++;
    }
    for (j++; j < c->nw; j++) {
        k->code[j] = true;
        k->shell_code = true;
        sink_name(k, wbase(c, i), NULL);
    }
}

static void find_sink(const struct cmd *c, size_t ci, struct sink *k)
{
    struct text t = wbase(c, ci);
    const char *opt;

    memset(k, 0, sizeof(*k));
    if (ci >= c->nw)
        return;
    if (is(t, "eval")) {
        for (size_t j = ci + 1; j < c->nw; j++)
            k->code[j] = !(c->w[j].flags & W_REDIR);
        k->shell_code = true;
        sink_name(k, t, NULL);
    } else if (is_one_of(t, shells)) {
        shell_sink(c, ci, k);
    } else if ((opt = interp_code_opt(t)) != NULL) {
        interp_sink(c, ci, opt, k);
    } else if (is(t, "ssh")) {
        ssh_sink(c, ci, k);
    } else if (is(t, "source") || is(t, ".")) {
        if (ci + 1 >= c->nw || is(wtext(c, ci + 1), "/dev/stdin") || is(wtext(c, ci + 1), "-")) {
            k->stdin_code = true;
            sink_name(k, t, NULL);
        }
    } else if (is_ci(t, "iex") || is_ci(t, "invoke-expression")) {
        for (size_t j = ci + 1; j < c->nw; j++)
            k->code[j] = true;
        k->stdin_code = true;
        sink_name(k, t, NULL);
    } else if (is(t, "su")) {
        for (size_t j = ci + 1; j + 1 < c->nw; j++)
            if (is(wtext(c, j), "-c") || is(wtext(c, j), "--command")) {
                k->code[j + 1] = true;
                k->shell_code = true;
                sink_name(k, t, " -c");
            }
    } else {
        /* a shell started by another command: docker exec c sh -c '...',
         * kubectl exec pod -- bash -c "...", find -exec sh -c '...' */
        for (size_t j = ci + 1; j + 1 < c->nw; j++)
            if (is_one_of(wbase(c, j), shells) && shell_c_opt(wtext(c, j + 1))) {
                struct sink inner;
                memset(&inner, 0, sizeof(inner));
                shell_sink(c, j, &inner);
                memcpy(k->code, inner.code, sizeof(k->code));
                k->shell_code = inner.shell_code;
                memcpy(k->name, inner.name, sizeof(k->name));
                break;
            }
    }
}

/* ---- a simple command, read to its end ---- */

static void cmd_reset(struct cmd *c)
{
    c->nw = 0;
    c->ne = 0;
    c->in.n = 0;
    c->inmap.n = 0;
    c->pipe_in = false;
}

static bool prints(struct text t)
{
    return is(t, "echo") || is(t, "printf") || is(t, "cat") || is(t, "tee") ||
           is_ci(t, "write-output");
}

static void cmd_end(struct shx *x, struct cmd *c, struct pipe *p, struct heredoc *hd, size_t nhd,
                    bool pipe_out, unsigned *flags)
{
    struct sink k;
    struct text name;
    size_t ci;
    bool declare, redirected = false;

    if (c->nw == 0 && c->ne == 0)
        goto pipeline;
    for (size_t j = 0; j < c->nw; j++)
        redirected = redirected || (c->w[j].flags & W_REDIR);
    ci = command_index(c);
    name = wbase(c, ci);
    find_sink(c, ci, &k);
    declare = is(name, "export") || is(name, "local") || is(name, "declare") ||
              is(name, "typeset") || is(name, "readonly");
    for (size_t i = 0; i < c->ne; i++) {
        const struct exp *e = &c->e[i];
        const struct word *w = e->word < c->nw ? &c->w[e->word] : NULL;
        if (!w || !x->ops->tainted(x->ops->arg, e->name, e->len))
            continue;
        if ((w->flags & W_ASSIGN) ||
            (declare && e->word > ci && is_assignment(wtext(c, e->word)))) {
            struct text t = wtext(c, e->word);
            x->ops->assigned(x->ops->arg, t.p, assign_name_len(t), e->name, e->len);
            continue;
        }
        if (k.code[e->word] || ((w->flags & W_HERESTR) && k.stdin_code)) {
            hit(x, GL_SH_CODE, e->at, e->name, e->len, k.name, strlen(k.name));
        } else if (e->word == ci && !e->quoted) {
            hit(x, GL_SH_COMMAND, e->at, e->name, e->len, "the command name", 16);
        } else if (!e->quoted && !(w->flags & W_HERESTR) && !is(name, "[[") && !is(name, "case") &&
                   !declare) {
            hit(x, GL_SH_UNQUOTED, e->at, e->name, e->len, name.p, name.n);
        }
        if (!p->taint && prints(name) && e->word > ci) {
            p->taint = true;
            p->tx = *e;
        }
        /* $(echo "$X"): the substitution's output is X's text */
        if (x->printed && !x->printed->name && !pipe_out && e->word > ci && !redirected &&
            (is(name, "echo") || is(name, "printf") || is_ci(name, "write-output")))
            *x->printed = *e;
    }
    /* words run by a shell are scripts of their own: sh -c 'echo $X'. The
     * map holds origins already, so there is no base to add. */
    if (k.shell_code && x->depth + 1 < GL_SH_MAX_DEPTH)
        for (size_t j = 0; j < c->nw; j++)
            if (k.code[j] && c->w[j].il) {
                struct shx y = *x;
                y.s = c->in.v + c->w[j].ib;
                y.n = c->w[j].il;
                y.map = c->inmap.v + c->w[j].ib;
                y.base = 0;
                y.depth = x->depth + 1;
                y.printed = NULL;
                (void)sh_script(&y);
            }
    /* what a download prints, run: sh -c "$(curl ..)", bash <(curl ..) */
    for (size_t j = 0; j < c->nw; j++) {
        if (((c->w[j].flags & W_DLSUBST) && k.code[j]) ||
            ((c->w[j].flags & W_DLPROC) && j > ci && runs_file(name)))
            hit(x, GL_SH_DOWNLOAD, c->w[j].at, NULL, 0, name.p, name.n);
    }
    if (k.stdin_code && c->pipe_in) {
        if (p->download) {
            char s[48];
            size_t dl = strlen(p->dl_name), nn = name.n < 20 ? name.n : 20;
            memcpy(s, p->dl_name, dl);
            memcpy(s + dl, " | ", 3);
            memcpy(s + dl + 3, name.p, nn);
            hit(x, GL_SH_DOWNLOAD, p->dl_at, NULL, 0, s, dl + 3 + nn);
        }
        if (p->taint)
            hit(x, GL_SH_CODE, p->tx.at, p->tx.name, p->tx.len, k.name, strlen(k.name));
    }
    /* a heredoc run by this command, or by a later stage it pipes to */
    for (size_t h = 0; h < nhd; h++) {
        if (!hd[h].pipeline)
            continue;
        if (k.stdin_code && c->pipe_in && hd[h].catlike) {
            hd[h].code = true;
            memcpy(hd[h].sink, k.name, sizeof(hd[h].sink) - 1);
        }
    }
    if (ci < c->nw && is_download(name)) {
        *flags |= SH_F_DOWNLOAD;
        if (pipe_out && !p->download) {
            p->download = true;
            p->dl_at = c->w[ci].at;
            memcpy(p->dl_name, name.p, name.n < 15 ? name.n : 15);
            p->dl_name[name.n < 15 ? name.n : 15] = '\0';
        }
    }
pipeline:
    cmd_reset(c);
    if (pipe_out) {
        c->pipe_in = true;
        return;
    }
    memset(p, 0, sizeof(*p));
    for (size_t h = 0; h < nhd; h++)
        hd[h].pipeline = false;
}

/* The heredoc word after << (quotes removed; any quote disables expansion
 * in the body). Returns the index after it. */
static size_t read_heredoc_word(const struct shx *x, size_t i, struct heredoc *h)
{
    h->dlen = 0;
    while (i < x->n && (x->s[i] == ' ' || x->s[i] == '\t'))
        i++;
    while (i < x->n && !is_word_end(x->s[i])) {
        char ch = x->s[i++];
        if (ch == '\'' || ch == '"' || ch == '\\') {
            h->quoted = true;
            if (ch == '\\' && i < x->n && h->dlen < sizeof(h->delim) - 1)
                h->delim[h->dlen++] = x->s[i++];
            continue;
        }
        if (h->dlen < sizeof(h->delim) - 1)
            h->delim[h->dlen++] = ch;
    }
    h->delim[h->dlen] = '\0';
    return i;
}

/* The bodies of the heredocs opened on the line that ends at i (the
 * newline). Returns the index after the last body. */
static size_t heredoc_bodies(struct shx *x, struct cmd *c, struct heredoc *hd, size_t nhd, size_t i)
{
    i++;
    for (size_t h = 0; h < nhd && i < x->n; h++) {
        size_t body = i, end = x->n;
        size_t next = end;
        while (i < x->n) {
            size_t ls = i, le;
            const char *nl = memchr(x->s + i, '\n', x->n - i);
            le = nl ? (size_t)(nl - x->s) : x->n;
            if (hd[h].strip)
                while (ls < le && x->s[ls] == '\t')
                    ls++;
            if (le - ls == hd[h].dlen && memcmp(x->s + ls, hd[h].delim, hd[h].dlen) == 0) {
                end = i;
                next = le < x->n ? le + 1 : x->n;
                break;
            }
            i = le < x->n ? le + 1 : x->n;
        }
        if (hd[h].quoted) {
            if (hd[h].code)
                (void)sub(x, body, end, NULL);
        } else {
            unsigned wf = 0;
            cmd_reset(c);
            c->nw = SH_MAX_WORDS; /* expansions of the body belong to no word */
            (void)read_dquote(x, c, body, end, false, &wf);
            for (size_t e = 0; e < c->ne; e++)
                if (hd[h].code && x->ops->tainted(x->ops->arg, c->e[e].name, c->e[e].len))
                    hit(x, GL_SH_CODE, c->e[e].at, c->e[e].name, c->e[e].len, hd[h].sink,
                        strlen(hd[h].sink));
            cmd_reset(c);
        }
        i = next;
    }
    return i;
}

static unsigned sh_script(struct shx *x)
{
    struct cmd *c = moat_calloc(1, sizeof(*c));
    struct pipe p;
    struct heredoc hd[SH_MAX_HEREDOCS];
    size_t nhd = 0, i = 0;
    unsigned flags = 0, next = 0;

    memset(&p, 0, sizeof(p));
    while (i < x->n) {
        char ch = x->s[i], nx = i + 1 < x->n ? x->s[i + 1] : '\0';
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            i++;
        } else if (ch == '\\' && nx == '\n') {
            i += 2;
        } else if (ch == '#') {
            const char *nl = memchr(x->s + i, '\n', x->n - i);
            i = nl ? (size_t)(nl - x->s) : x->n;
        } else if (ch == '\n') {
            cmd_end(x, c, &p, hd, nhd, false, &flags);
            i = nhd ? heredoc_bodies(x, c, hd, nhd, i) : i + 1;
            nhd = 0;
        } else if ((ch == '&' && nx == '>') || ch == '<' || ch == '>') {
            if (ch == '<' && nx == '<' && i + 2 < x->n && x->s[i + 2] == '<') {
                i += 3;
                next = W_HERESTR;
            } else if (ch == '<' && nx == '<') {
                struct heredoc h;
                memset(&h, 0, sizeof(h));
                i += 2;
                if (i < x->n && x->s[i] == '-') {
                    h.strip = true;
                    i++;
                }
                i = read_heredoc_word(x, i, &h);
                if (nhd < SH_MAX_HEREDOCS) {
                    struct text t = wbase(c, command_index(c));
                    struct sink k;
                    find_sink(c, command_index(c), &k);
                    /* the command so far: sh <<EOF, or cat <<EOF | sh */
                    h.code = k.stdin_code;
                    memcpy(h.sink, k.name, sizeof(h.sink) - 1);
                    h.catlike = is(t, "cat") || is(t, "tee");
                    h.pipeline = true;
                    hd[nhd++] = h;
                }
            } else if ((ch == '<' || ch == '>') && nx == '(') {
                size_t j = find_close(x, i + 2, '(', ')');
                unsigned f = sub(x, i + 2, j, NULL);
                struct word w = { i, c->in.n, 0, (f & SH_F_DOWNLOAD) ? W_DLPROC : 0 };
                in_add(c, '_', org(x, i));
                w.il = 1;
                if (c->nw < SH_MAX_WORDS)
                    c->w[c->nw++] = w;
                i = j < x->n ? j + 1 : x->n;
            } else {
                while (i < x->n && x->s[i] && strchr("<>&|", x->s[i]))
                    i++;
                next = W_REDIR;
            }
        } else if (ch == '|' || ch == ';' || ch == '&' || ch == '(' || ch == ')') {
            bool pipe = ch == '|' && nx != '|';
            cmd_end(x, c, &p, hd, nhd, pipe, &flags);
            i += (nx == ch || (ch == '|' && nx == '&') || (ch == ';' && nx == '&')) ? 2 : 1;
        } else {
            size_t nw = c->nw, at = i;
            i = read_word(x, c, i, next);
            next = 0;
            /* 2>file: the digits name a file descriptor, not an argument */
            if (c->nw > nw && i < x->n && (x->s[i] == '<' || x->s[i] == '>') &&
                all_digits(x, at, i))
                c->nw--;
        }
    }
    cmd_end(x, c, &p, hd, nhd, false, &flags);
    free(c->in.v);
    free(c->inmap.v);
    free(c);
    return flags;
}

static bool has_ci(const char *p, size_t n, const char *needle)
{
    return moat_memcasemem(p, n, needle, strlen(needle));
}

/* PowerShell's iex (...download...) on one line: a Windows runner's way of
 * running a downloaded script, which the pipeline reading above misses. */
static void pwsh_iex(struct shx *x)
{
    static const char *const iex[] = { "invoke-expression", "iex", NULL };
    static const char *const dl[] = { "downloadstring",
                                      "invoke-webrequest",
                                      "invoke-restmethod",
                                      "iwr ",
                                      "irm ",
                                      "curl ",
                                      "wget ",
                                      NULL };

    for (size_t ls = 0; ls < x->n;) {
        const char *nl = memchr(x->s + ls, '\n', x->n - ls);
        size_t le = nl ? (size_t)(nl - x->s) : x->n;
        bool download = false;
        /* one look for a download per line keeps long lines linear */
        for (const char *const *d = dl; *d && !download; d++)
            download = has_ci(x->s + ls, le - ls, *d);
        for (const char *const *t = iex; *t && download; t++) {
            size_t tl = strlen(*t);
            for (size_t i = ls; i + tl <= le; i++) {
                size_t j = i + tl;
                if (strncasecmp(x->s + i, *t, tl) != 0 ||
                    (i > ls && (is_name_char(x->s[i - 1]) || x->s[i - 1] == '-')))
                    continue;
                while (j < le && x->s[j] == ' ')
                    j++;
                if (j < le && x->s[j] == '(') {
                    hit(x, GL_SH_DOWNLOAD, i, NULL, 0, *t, tl);
                    return;
                }
            }
        }
        ls = le + 1;
    }
}

void gl_sh_audit(const char *text, size_t len, const struct gl_sh_ops *ops)
{
    struct shx x = { ops, text, len, NULL, 0, 0, NULL };

    if (!text || !len)
        return;
    (void)sh_script(&x);
    pwsh_iex(&x);
}
