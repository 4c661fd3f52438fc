/* The scripts of GitHub Actions run: steps as the audits need to read them:
 * which bytes are comments or here-document data, the simple commands and
 * their words, and what a command does (builds the checked-out code,
 * publishes, checks out a pull request, pipes a download into a shell,
 * writes the runner's $GITHUB_ENV / $GITHUB_PATH / $GITHUB_OUTPUT files).
 * A reader, not a shell: it errs towards seeing code where there is code. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define MAX_HEREDOCS 8   /* pending on one line */
#define MAX_DELIM    128 /* bytes of a here-document delimiter */
#define MAX_NEST     64  /* quotes and $( ) inside one word */
#define WORD_MAX     256 /* bytes of an unquoted word the checks compare */

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
                     void (*fn)(void *arg, const char *code, const struct gha_sh_cmd *c),
                     void *arg)
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
        else if (ch == '\n' || ch == ';' || ch == '&' || ch == '(' || ch == ')')
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

static void word_lower(const char *code, const struct gha_sh_cmd *c, size_t i, char *out,
                       size_t outlen)
{
    gha_sh_word(code, c, i, out, outlen);
    for (; *out; out++)
        *out = lower(*out);
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

    if (!eq || eq == w || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') ||
                            w[0] == '_'))
        return false;
    for (const char *p = w; p < eq; p++)
        if (!is_name(*p) && !(*p == '+' && p + 1 == eq))
            return false;
    return true;
}

size_t gha_sh_argv0(const char *code, const struct gha_sh_cmd *c)
{
    static const char *const plain[] = { "time",  "nohup", "exec",  "command", "builtin", "then",
                                         "do",    "else",  "elif",  "if",      "while",   "until",
                                         "!",     "{",     "}",     "xvfb-run", "stdbuf", "ionice",
                                         "eatmydata", NULL };
    /* wrappers whose options take an argument */
    static const char *const sudo_arg[] = { "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U",
                                            NULL };
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

/* The program's name, lowercased, without its directory; *local is set
 * when it is a path inside the checked-out tree (./x, scripts/x). */
static void program(const char *code, const struct gha_sh_cmd *c, size_t i, char *out,
                    size_t outlen, bool *local)
{
    char w[WORD_MAX];
    const char *slash;

    gha_sh_word(code, c, i, w, sizeof(w));
    *local = (strchr(w, '/') && w[0] != '/' && w[0] != '~' && w[0] != '$') ||
             strncmp(w, "$GITHUB_WORKSPACE/", 18) == 0 ||
             strncmp(w, "${GITHUB_WORKSPACE}/", 20) == 0 ||
             (strncmp(w, "${{", 3) == 0 && strstr(w, "workspace"));
    slash = strrchr(w, '/');
    if (moat_snprintf(out, outlen, "%s", slash ? slash + 1 : w) != 0) {
        /* a cut name matches nothing */
    }
    for (char *p = out; *p; p++)
        *p = lower(*p);
}

/* The first argument after word i that is not an option, lowercased. */
static size_t subcommand(const char *code, const struct gha_sh_cmd *c, size_t i, char *out,
                         size_t outlen)
{
    for (i++; i < c->n; i++) {
        word_lower(code, c, i, out, outlen);
        if (out[0] != '-')
            return i;
    }
    out[0] = '\0';
    return c->n;
}

static bool has_word(const char *code, const struct gha_sh_cmd *c, size_t from, const char *w)
{
    char buf[WORD_MAX];

    for (size_t i = from; i < c->n; i++) {
        word_lower(code, c, i, buf, sizeof(buf));
        if (strcmp(buf, w) == 0)
            return true;
    }
    return false;
}

static bool has_word_prefix(const char *code, const struct gha_sh_cmd *c, size_t from,
                            const char *prefix)
{
    char buf[WORD_MAX];

    for (size_t i = from; i < c->n; i++) {
        word_lower(code, c, i, buf, sizeof(buf));
        if (strncmp(buf, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

/* pip install of something in the tree: -r file, -e ., ., ./x, path/x */
static bool pip_local(const char *code, const struct gha_sh_cmd *c, size_t from)
{
    char buf[WORD_MAX];

    for (size_t i = from; i < c->n; i++) {
        word_lower(code, c, i, buf, sizeof(buf));
        if (strcmp(buf, "-r") == 0 || strcmp(buf, "-e") == 0 || strcmp(buf, "--editable") == 0 ||
            strncmp(buf, "--requirement", 13) == 0 || strcmp(buf, "-c") == 0 ||
            strcmp(buf, ".") == 0 || strncmp(buf, "./", 2) == 0 || strncmp(buf, ".[", 2) == 0 ||
            (buf[0] != '-' && strchr(buf, '/') && !strstr(buf, "://")))
            return true;
    }
    return false;
}

static bool set_what(char *what, size_t wlen, const char *a, const char *b)
{
    if (moat_snprintf(what, wlen, "%s%s%s", a, b[0] ? " " : "", b) != 0) {
        /* a cut description still says what it is */
    }
    return true;
}

static bool is_interp(const char *p)
{
    static const char *const names[] = { "sh",   "bash", "zsh",  "dash", "ksh",  "fish",
                                         "ash",  "mksh", "perl", "ruby", "node", "php",
                                         "pwsh", "powershell", NULL };
    return in_list(p, names) || strncmp(p, "python", 6) == 0;
}

/* Whether the interpreter gets its code from an option (-c, -e) rather
 * than a file or its input. */
static bool inline_code(const char *code, const struct gha_sh_cmd *c, size_t i, const char *p)
{
    char w[WORD_MAX];

    for (size_t j = i + 1; j < c->n; j++) {
        word_lower(code, c, j, w, sizeof(w));
        if (w[0] != '-')
            return false;
        if (strncmp(p, "python", 6) == 0 && (strcmp(w, "-c") == 0 || strcmp(w, "-m") == 0))
            return true;
        if ((strcmp(p, "node") == 0) &&
            (strcmp(w, "-e") == 0 || strcmp(w, "-p") == 0 || strncmp(w, "--eval", 6) == 0 ||
             strncmp(w, "--print", 7) == 0))
            return true;
        if ((strcmp(p, "perl") == 0 || strcmp(p, "ruby") == 0) && w[1] != '-' && strchr(w, 'e'))
            return true;
        if (strcmp(p, "php") == 0 && strcmp(w, "-r") == 0)
            return true;
        if ((strcmp(p, "pwsh") == 0 || strcmp(p, "powershell") == 0) &&
            (strcmp(w, "-c") == 0 || strcmp(w, "-command") == 0))
            return true;
        if (!is_interp(p) || strcmp(w, "-c") == 0)
            return strcmp(w, "-c") == 0;
    }
    return false;
}

static bool build_js(const char *p, const char *sub, char *what, size_t wlen)
{
    static const char *const npm[] = { "install", "i",       "ci",   "run",   "run-script", "test",
                                       "t",       "tst",     "start", "build", "exec",      "x",
                                       "rebuild", "rb",      "restart", "stop", "pack",     "publish",
                                       "install-test", "it", "install-ci-test", "cit", "add",
                                       "prepare", NULL };
    static const char *const yarn_safe[] = { "--version", "-v", "config", "info", "why", "cache",
                                             "list", "outdated", "audit", "set", "policies", "help",
                                             "login", "logout", "owner", "tag", "team", "licenses",
                                             "bin", "dlx", "--help", "-h", NULL };

    if (strcmp(p, "npm") == 0 && in_list(sub, npm))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "yarn") == 0 && !in_list(sub, yarn_safe))
        return set_what(what, wlen, p, sub[0] ? sub : "install");
    if ((strcmp(p, "pnpm") == 0 || strcmp(p, "bun") == 0) &&
        (in_list(sub, npm) || (strcmp(p, "bun") == 0 && strchr(sub, '.'))))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "npx") == 0 || strcmp(p, "pnpx") == 0 || strcmp(p, "bunx") == 0)
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "deno") == 0 && (strcmp(sub, "run") == 0 || strcmp(sub, "task") == 0 ||
                                   strcmp(sub, "test") == 0 || strcmp(sub, "compile") == 0))
        return set_what(what, wlen, p, sub);
    return false;
}

static bool build_python(const char *code, const struct gha_sh_cmd *c, size_t i, const char *p,
                         char *what, size_t wlen)
{
    static const char *const harmless_modules[] = { "json.tool", "http.server", "venv", "twine",
                                                    "zipfile", "tarfile", "base64", "ensurepip",
                                                    "site", "virtualenv", NULL };
    char w[WORD_MAX];

    for (size_t j = i + 1; j < c->n; j++) {
        word_lower(code, c, j, w, sizeof(w));
        if (strcmp(w, "-c") == 0 || strcmp(w, "--version") == 0 || strcmp(w, "-v") == 0)
            return false;
        if (strcmp(w, "-m") == 0) {
            word_lower(code, c, j + 1, w, sizeof(w));
            if (strcmp(w, "pip") == 0) {
                char sub[WORD_MAX];
                size_t k = subcommand(code, c, j + 1, sub, sizeof(sub));
                return strcmp(sub, "install") == 0 && pip_local(code, c, k + 1) &&
                       set_what(what, wlen, "pip install", "");
            }
            return !in_list(w, harmless_modules) && set_what(what, wlen, "python -m", w);
        }
        if (w[0] != '-')
            return set_what(what, wlen, p, w);
    }
    return false;
}

bool gha_sh_builds(const char *code, const struct gha_sh_cmd *c, char *what, size_t wlen)
{
    static const char *const tools[] = {
        "make",     "gmake",     "cmake",    "ninja",   "meson",    "bazel",      "bazelisk",
        "buck",     "buck2",     "scons",    "just",    "task",     "rake",       "gradle",
        "gradlew",  "mvn",       "mvnw",     "ant",     "sbt",      "lein",       "tox",
        "nox",      "pytest",    "py.test",  "jest",    "mocha",    "vitest",     "playwright",
        "cypress",  "webpack",   "vite",     "rollup",  "eslint",   "grunt",      "gulp",
        "nx",       "turbo",     "lerna",    "tsx",     "ts-node",  "phpunit",    "rspec",
        "fastlane", "xcodebuild", "msbuild", "pre-commit", "hatch", "rebar3",     "cabal",
        "stack",    "mix",       "sphinx-build", "configure", "setup.py", "nodemon", "pod",
        "tuist",    "earthly",   "skaffold", "tilt",    "invoke",   "nosetests",  "behave",
        NULL };
    static const char *const scripts[] = { "sh",  "bash", "zsh",  "dash", "ksh", "pwsh",
                                           "powershell", "perl", "ruby", "node", "php", "source",
                                           ".",   NULL };
    char p[WORD_MAX], sub[WORD_MAX];
    size_t i = gha_sh_argv0(code, c), k;
    bool local;

    if (i >= c->n)
        return false;
    program(code, c, i, p, sizeof(p), &local);
    if (local)
        return set_what(what, wlen, p, "");
    k = subcommand(code, c, i, sub, sizeof(sub));
    if (in_list(p, tools))
        return set_what(what, wlen, p, sub);
    if (build_js(p, sub, what, wlen))
        return true;
    if (strncmp(p, "python", 6) == 0 || strcmp(p, "py") == 0)
        return build_python(code, c, i, p, what, wlen);
    if ((strcmp(p, "pip") == 0 || strcmp(p, "pip3") == 0) && strcmp(sub, "install") == 0)
        return pip_local(code, c, k + 1) && set_what(what, wlen, "pip install", "");
    if (strcmp(p, "uv") == 0 && strcmp(sub, "pip") == 0) {
        k = subcommand(code, c, k, sub, sizeof(sub));
        return strcmp(sub, "install") == 0 && pip_local(code, c, k + 1) &&
               set_what(what, wlen, "uv pip install", "");
    }
    if ((strcmp(p, "poetry") == 0 || strcmp(p, "pipenv") == 0 || strcmp(p, "uv") == 0 ||
         strcmp(p, "pdm") == 0) &&
        (strcmp(sub, "install") == 0 || strcmp(sub, "run") == 0 || strcmp(sub, "sync") == 0 ||
         strcmp(sub, "build") == 0))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "go") == 0 && (strcmp(sub, "build") == 0 || strcmp(sub, "test") == 0 ||
                                 strcmp(sub, "run") == 0 || strcmp(sub, "generate") == 0 ||
                                 strcmp(sub, "install") == 0))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "cargo") == 0) {
        static const char *const cargo[] = { "build", "b",     "test",    "t",       "run",
                                             "r",     "check", "c",       "clippy",  "bench",
                                             "doc",   "d",     "publish", "package", "nextest",
                                             NULL };
        if (in_list(sub, cargo) ||
            (strcmp(sub, "install") == 0 && has_word(code, c, k + 1, "--path")))
            return set_what(what, wlen, p, sub);
        return false;
    }
    if (strcmp(p, "dotnet") == 0) {
        static const char *const dn[] = { "build", "test", "run", "restore", "publish", "pack",
                                          "msbuild", NULL };
        return in_list(sub, dn) && set_what(what, wlen, p, sub);
    }
    if (strcmp(p, "bundle") == 0 || strcmp(p, "bundler") == 0)
        return (sub[0] == '\0' || strcmp(sub, "install") == 0 || strcmp(sub, "exec") == 0) &&
               set_what(what, wlen, p, sub[0] ? sub : "install");
    if (strcmp(p, "gem") == 0)
        return strcmp(sub, "build") == 0 && set_what(what, wlen, p, sub);
    if (strcmp(p, "composer") == 0) {
        static const char *const cp[] = { "install", "i", "update", "u", "run", "run-script",
                                          "test", NULL };
        return (sub[0] == '\0' || in_list(sub, cp)) && set_what(what, wlen, p, sub);
    }
    if (strcmp(p, "docker") == 0 || strcmp(p, "podman") == 0 || strcmp(p, "docker-compose") == 0 ||
        strcmp(p, "buildah") == 0) {
        if (strcmp(sub, "build") == 0 || strcmp(sub, "bud") == 0)
            return set_what(what, wlen, p, sub);
        if ((strcmp(sub, "buildx") == 0 && (has_word(code, c, k + 1, "build") ||
                                            has_word(code, c, k + 1, "bake"))) ||
            (strcmp(sub, "compose") == 0 &&
             (has_word(code, c, k + 1, "build") || has_word(code, c, k + 1, "up") ||
              has_word(code, c, k + 1, "run"))) ||
            (strcmp(p, "docker-compose") == 0 && (strcmp(sub, "up") == 0 ||
                                                  strcmp(sub, "run") == 0)))
            return set_what(what, wlen, p, sub);
        return false;
    }
    if ((strcmp(p, "swift") == 0 || strcmp(p, "flutter") == 0 || strcmp(p, "dart") == 0) &&
        (strcmp(sub, "build") == 0 || strcmp(sub, "test") == 0 || strcmp(sub, "run") == 0))
        return set_what(what, wlen, p, sub);
    if ((strcmp(p, "mkdocs") == 0 || strcmp(p, "jekyll") == 0) &&
        (strcmp(sub, "build") == 0 || strcmp(sub, "serve") == 0 || strcmp(sub, "gh-deploy") == 0))
        return set_what(what, wlen, p, sub);
    /* an interpreter given a script of the tree (not -c code, not stdin) */
    if (in_list(p, scripts) && sub[0] && !inline_code(code, c, i, p) &&
        !(sub[0] == '/' || sub[0] == '<' || sub[0] == '$' || sub[0] == '~'))
        return set_what(what, wlen, p, sub);
    return false;
}

bool gha_sh_publishes(const char *code, const struct gha_sh_cmd *c, char *what, size_t wlen)
{
    char p[WORD_MAX], sub[WORD_MAX];
    size_t i = gha_sh_argv0(code, c), k;
    bool local;

    if (i >= c->n)
        return false;
    program(code, c, i, p, sizeof(p), &local);
    k = subcommand(code, c, i, sub, sizeof(sub));
    if ((strcmp(p, "npm") == 0 || strcmp(p, "pnpm") == 0 || strcmp(p, "bun") == 0 ||
         strcmp(p, "poetry") == 0 || strcmp(p, "uv") == 0 || strcmp(p, "flit") == 0 ||
         strcmp(p, "hatch") == 0 || strcmp(p, "pdm") == 0 || strcmp(p, "cargo") == 0 ||
         strcmp(p, "vsce") == 0 || strcmp(p, "ovsx") == 0 || strcmp(p, "lerna") == 0 ||
         strcmp(p, "changeset") == 0) &&
        strcmp(sub, "publish") == 0)
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "yarn") == 0 && (strcmp(sub, "publish") == 0 ||
                                   (strcmp(sub, "npm") == 0 && has_word(code, c, k, "publish"))))
        return set_what(what, wlen, p, "publish");
    if ((strcmp(p, "twine") == 0 && strcmp(sub, "upload") == 0) ||
        (strncmp(p, "python", 6) == 0 && has_word(code, c, i, "twine") &&
         has_word(code, c, i, "upload")))
        return set_what(what, wlen, "twine", "upload");
    if (strcmp(p, "gem") == 0 && strcmp(sub, "push") == 0)
        return set_what(what, wlen, p, sub);
    if ((strcmp(p, "docker") == 0 || strcmp(p, "podman") == 0) &&
        (strcmp(sub, "push") == 0 || has_word(code, c, k, "--push") ||
         (strcmp(sub, "image") == 0 && has_word(code, c, k, "push")) ||
         (strcmp(sub, "manifest") == 0 && has_word(code, c, k, "push"))))
        return set_what(what, wlen, p, "push");
    if (strcmp(p, "goreleaser") == 0 && (sub[0] == '\0' || strcmp(sub, "release") == 0))
        return set_what(what, wlen, p, "release");
    if ((strcmp(p, "mvn") == 0 || strcmp(p, "mvnw") == 0) && has_word(code, c, i, "deploy"))
        return set_what(what, wlen, p, "deploy");
    if ((strcmp(p, "gradle") == 0 || strcmp(p, "gradlew") == 0) &&
        has_word_prefix(code, c, i + 1, "publish"))
        return set_what(what, wlen, p, "publish");
    if ((strcmp(p, "dotnet") == 0 || strcmp(p, "nuget") == 0) && has_word(code, c, i, "push"))
        return set_what(what, wlen, p, "nuget push");
    if (strcmp(p, "gh") == 0 && strcmp(sub, "release") == 0 &&
        (has_word(code, c, k, "create") || has_word(code, c, k, "upload")))
        return set_what(what, wlen, p, "release");
    if (strcmp(p, "helm") == 0 && strcmp(sub, "push") == 0)
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "semantic-release") == 0 ||
        (strcmp(p, "npx") == 0 && strcmp(sub, "semantic-release") == 0))
        return set_what(what, wlen, "semantic-release", "");
    return false;
}

static bool pr_ref(const char *w)
{
    const char *pull = strstr(w, "pull/");

    if (strstr(w, "refs/pull"))
        return true;
    return pull && (strstr(pull, "/head") || strstr(pull, "/merge"));
}

bool gha_sh_pr_checkout(const char *code, const struct gha_sh_cmd *c)
{
    static const char *const git_subs[] = { "fetch",  "pull",  "checkout", "switch",
                                            "clone",  "worktree", "reset", "merge",
                                            "rebase", "cherry-pick", NULL };
    char p[WORD_MAX], w[WORD_MAX];
    size_t i = gha_sh_argv0(code, c);
    bool local;

    if (i >= c->n)
        return false;
    program(code, c, i, p, sizeof(p), &local);
    if ((strcmp(p, "gh") == 0 || strcmp(p, "hub") == 0) && has_word(code, c, i + 1, "pr") &&
        has_word(code, c, i + 1, "checkout"))
        return true;
    if (strcmp(p, "git") != 0)
        return false;
    /* git [-C dir] [-c k=v] sub ... */
    for (i++; i < c->n; i++) {
        word_lower(code, c, i, w, sizeof(w));
        if (strcmp(w, "-c") == 0) /* -c k=v and -C dir */
            i++;
        else if (w[0] != '-')
            break;
    }
    if (i >= c->n || !in_list(w, git_subs))
        return false;
    for (i++; i < c->n; i++) {
        word_lower(code, c, i, w, sizeof(w));
        if (pr_ref(w))
            return true;
    }
    return false;
}

static bool is_downloader(const char *p)
{
    static const char *const names[] = { "curl",  "wget", "fetch", "iwr", "irm",
                                         "invoke-webrequest", "invoke-restmethod", "http", NULL };
    return in_list(p, names);
}

/* Where a download starts inside a substitution in w ("<(curl", "$(wget",
 * "`curl"): offset in w or -1. */
static long substituted_download(const char *w, size_t n)
{
    static const char *const dl[] = { "curl", "wget", "fetch" };

    for (size_t i = 0; i < n; i++) {
        size_t j = i + 1;
        if (!((w[i] == '(' && i > 0 && (w[i - 1] == '<' || w[i - 1] == '$')) || w[i] == '`'))
            continue;
        while (j < n && (w[j] == ' ' || w[j] == '\t'))
            j++;
        for (size_t k = 0; k < sizeof(dl) / sizeof(dl[0]); k++) {
            size_t m = strlen(dl[k]);
            if (n - j > m && strncmp(w + j, dl[k], m) == 0 && (w[j + m] == ' ' || w[j + m] == '\t'))
                return (long)j;
        }
    }
    return -1;
}

/* Offset of a PowerShell download in [from, to) (iwr, DownloadString, ...), or -1. */
static long pwsh_download(const char *s, size_t from, size_t to)
{
    static const char *const pw[] = { "iwr",  "invoke-webrequest", "irm", "invoke-restmethod",
                                      "downloadstring", "curl", "wget" };

    for (size_t i = from; i < to; i++)
        for (size_t k = 0; k < sizeof(pw) / sizeof(pw[0]); k++) {
            size_t m = strlen(pw[k]);
            if (to - i >= m && strncasecmp(s + i, pw[k], m) == 0 &&
                (i == from || !is_name(s[i - 1])) && (i + m == to || !is_name(s[i + m])))
                return (long)i;
        }
    return -1;
}

struct pipe_state {
    void (*fn)(void *arg, size_t off);
    void *arg;
    bool have_dl;
    size_t dl_off;
};

static void pipe_cmd(void *arg, const char *code, const struct gha_sh_cmd *c)
{
    static const char *const passthrough[] = { "tee", "cat", "tr", "sed", "gunzip", "zcat", NULL };
    struct pipe_state *ps = arg;
    size_t i = gha_sh_argv0(code, c);
    char p[WORD_MAX];
    bool local, pwsh_eval;

    if (!c->piped)
        ps->have_dl = false;
    if (i >= c->n)
        return;
    program(code, c, i, p, sizeof(p), &local);
    pwsh_eval = strcmp(p, "iex") == 0 || strcmp(p, "invoke-expression") == 0;
    if (c->piped && ps->have_dl && (is_interp(p) || pwsh_eval) && !inline_code(code, c, i, p)) {
        ps->fn(ps->arg, ps->dl_off);
        ps->have_dl = false;
        return;
    }
    if (is_downloader(p)) {
        ps->have_dl = true;
        ps->dl_off = c->w[i].off;
    } else if (!in_list(p, passthrough)) {
        ps->have_dl = false;
    }
    if (is_interp(p) || strcmp(p, "eval") == 0 || strcmp(p, "source") == 0 ||
        strcmp(p, ".") == 0) {
        for (size_t j = i + 1; j < c->n; j++) {
            long at = substituted_download(code + c->w[j].off, c->w[j].len);
            if (at >= 0) {
                ps->fn(ps->arg, c->w[j].off + (size_t)at);
                break;
            }
        }
    }
}

void gha_sh_pipe_to_shell(const char *code, size_t len, void (*fn)(void *arg, size_t off),
                          void *arg)
{
    struct pipe_state ps = { fn, arg, false, 0 };

    gha_sh_commands(code, len, pipe_cmd, &ps);
    /* iex (iwr $url) and iex ((New-Object Net.WebClient).DownloadString($url))
     * put the download in parentheses, which split commands */
    for (size_t i = 0; i < len;) {
        size_t e = line_end(code, len, i);
        for (size_t j = i; j < e; j++) {
            long at;
            if (!((e - j >= 3 && strncasecmp(code + j, "iex", 3) == 0 &&
                   (j + 3 == e || !is_name(code[j + 3]))) ||
                  (e - j >= 17 && strncasecmp(code + j, "invoke-expression", 17) == 0)) ||
                (j > i && (is_name(code[j - 1]) || code[j - 1] == '-')))
                continue;
            if ((at = pwsh_download(code, i, e)) >= 0)
                fn(arg, (size_t)at);
            break;
        }
        i = e + 1;
    }
}

/* ---- writes to the runner's files ---- */

static const char *const file_names[] = { "GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT" };

/* Offset of a reference to the file variable in [from, to), or -1. */
static long file_ref(const char *s, size_t from, size_t to, enum gha_file f)
{
    const char *name = file_names[f];
    size_t n = strlen(name);

    for (size_t i = from; i + n <= to; i++) {
        if (memcmp(s + i, name, n) != 0)
            continue;
        if ((i > from && is_name(s[i - 1])) || (i + n < to && is_name(s[i + n])))
            continue;
        return (long)i;
    }
    return -1;
}

static bool writes_line(const char *s, size_t from, size_t to)
{
    static const char *const verbs[] = { "tee",      "add-content", "out-file", "set-content",
                                         "open(",    "appendfile",  "writefile", ">" };

    for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
        size_t m = strlen(verbs[k]);
        for (size_t i = from; i + m <= to; i++)
            if (strncasecmp(s + i, verbs[k], m) == 0)
                return true;
    }
    return false;
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
        if (s[i - 1] == '>' || s[i - 1] == '|')
            return i - 1;
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
        if (e - t == 1 && code[t] == '{')
            group = e + 1;
        for (int f = GHA_F_ENV; f <= GHA_F_OUTPUT; f++) {
            long ref = file_ref(code, t, e, (enum gha_file)f);
            if (ref < 0 || !writes_line(code, t, e))
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
