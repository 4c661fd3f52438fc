/* What a command of a run: script does, for the GitHub Actions audits:
 * whether it runs code of the checked-out tree (builds, installs, tests),
 * publishes a release, checks out a pull request, or pipes a download into
 * an interpreter. Commands come from gha_sh_commands (gha_shell.c). */
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define WORD_MAX 256 /* bytes of an unquoted word the checks compare */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t line_end(const char *s, size_t len, size_t i)
{
    const char *nl = memchr(s + i, '\n', len - i);
    return nl ? (size_t)(nl - s) : len;
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
    static const char *const names[] = { "sh",   "bash", "zsh",  "dash",       "ksh",
                                         "fish", "ash",  "mksh", "perl",       "ruby",
                                         "node", "php",  "pwsh", "powershell", NULL };
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

static bool build_js(const char *p, const char *sub, const char *first, char *what, size_t wlen)
{
    static const char *const npm[] = { "install",
                                       "i",
                                       "ci",
                                       "run",
                                       "run-script",
                                       "test",
                                       "t",
                                       "tst",
                                       "start",
                                       "build",
                                       "exec",
                                       "x",
                                       "rebuild",
                                       "rb",
                                       "restart",
                                       "stop",
                                       "pack",
                                       "publish",
                                       "install-test",
                                       "it",
                                       "install-ci-test",
                                       "cit",
                                       "add",
                                       "prepare",
                                       NULL };
    static const char *const yarn_safe[] = { "--version", "-v",   "config",   "info",   "why",
                                             "cache",     "list", "outdated", "audit",  "set",
                                             "policies",  "help", "login",    "logout", "owner",
                                             "tag",       "team", "licenses", "bin",    "dlx",
                                             "--help",    "-h",   NULL };

    if (strcmp(p, "npm") == 0 && in_list(sub, npm))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "yarn") == 0 && !in_list(sub, yarn_safe) && !in_list(first, yarn_safe))
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
    static const char *const harmless_modules[] = { "json.tool",  "http.server", "venv",
                                                    "twine",      "zipfile",     "tarfile",
                                                    "base64",     "ensurepip",   "site",
                                                    "virtualenv", NULL };
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
        "make",       "gmake",        "cmake",      "ninja",      "meson",
        "bazel",      "bazelisk",     "buck",       "buck2",      "scons",
        "just",       "task",         "rake",       "gradle",     "gradlew",
        "mvn",        "mvnw",         "ant",        "sbt",        "lein",
        "tox",        "nox",          "pytest",     "py.test",    "jest",
        "mocha",      "vitest",       "playwright", "cypress",    "webpack",
        "vite",       "rollup",       "eslint",     "grunt",      "gulp",
        "nx",         "turbo",        "lerna",      "tsx",        "ts-node",
        "phpunit",    "rspec",        "fastlane",   "xcodebuild", "msbuild",
        "pre-commit", "hatch",        "rebar3",     "cabal",      "stack",
        "mix",        "sphinx-build", "configure",  "setup.py",   "nodemon",
        "pod",        "tuist",        "earthly",    "skaffold",   "tilt",
        "invoke",     "nosetests",    "behave",     NULL
    };
    static const char *const scripts[] = { "sh",   "bash",       "zsh",  "dash", "ksh",
                                           "pwsh", "powershell", "perl", "ruby", "node",
                                           "php",  "source",     ".",    NULL };
    char p[WORD_MAX], sub[WORD_MAX], first[WORD_MAX];
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
    word_lower(code, c, i + 1, first, sizeof(first));
    if (build_js(p, sub, first, what, wlen))
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
    if (strcmp(p, "go") == 0 &&
        (strcmp(sub, "build") == 0 || strcmp(sub, "test") == 0 || strcmp(sub, "run") == 0 ||
         strcmp(sub, "generate") == 0 || strcmp(sub, "install") == 0))
        return set_what(what, wlen, p, sub);
    if (strcmp(p, "cargo") == 0) {
        static const char *const cargo[] = { "build",   "b",       "test",    "t",     "run", "r",
                                             "check",   "c",       "clippy",  "bench", "doc", "d",
                                             "publish", "package", "nextest", NULL };
        if (in_list(sub, cargo) ||
            (strcmp(sub, "install") == 0 && has_word(code, c, k + 1, "--path")))
            return set_what(what, wlen, p, sub);
        return false;
    }
    if (strcmp(p, "dotnet") == 0) {
        static const char *const dn[] = { "build",   "test", "run",     "restore",
                                          "publish", "pack", "msbuild", NULL };
        return in_list(sub, dn) && set_what(what, wlen, p, sub);
    }
    if (strcmp(p, "bundle") == 0 || strcmp(p, "bundler") == 0)
        return (sub[0] == '\0' || strcmp(sub, "install") == 0 || strcmp(sub, "exec") == 0) &&
               set_what(what, wlen, p, sub[0] ? sub : "install");
    if (strcmp(p, "gem") == 0)
        return strcmp(sub, "build") == 0 && set_what(what, wlen, p, sub);
    if (strcmp(p, "composer") == 0) {
        static const char *const cp[] = { "install", "i",          "update", "u",
                                          "run",     "run-script", "test",   NULL };
        return (sub[0] == '\0' || in_list(sub, cp)) && set_what(what, wlen, p, sub);
    }
    if (strcmp(p, "docker") == 0 || strcmp(p, "podman") == 0 || strcmp(p, "docker-compose") == 0 ||
        strcmp(p, "buildah") == 0) {
        if (strcmp(sub, "build") == 0 || strcmp(sub, "bud") == 0)
            return set_what(what, wlen, p, sub);
        if ((strcmp(sub, "buildx") == 0 &&
             (has_word(code, c, k + 1, "build") || has_word(code, c, k + 1, "bake"))) ||
            (strcmp(sub, "compose") == 0 &&
             (has_word(code, c, k + 1, "build") || has_word(code, c, k + 1, "up") ||
              has_word(code, c, k + 1, "run"))) ||
            (strcmp(p, "docker-compose") == 0 &&
             (strcmp(sub, "up") == 0 || strcmp(sub, "run") == 0)))
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
    static const char *const git_subs[] = { "fetch",  "pull",        "checkout", "switch",
                                            "clone",  "worktree",    "reset",    "merge",
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
    static const char *const names[] = {
        "curl", "wget", "fetch", "iwr", "irm", "invoke-webrequest", "invoke-restmethod",
        "http", NULL
    };
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
    static const char *const pw[] = {
        "iwr", "invoke-webrequest", "irm", "invoke-restmethod", "downloadstring", "curl", "wget"
    };

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
    if (is_interp(p) || strcmp(p, "eval") == 0 || strcmp(p, "source") == 0 || strcmp(p, ".") == 0) {
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
            size_t k = j;
            if (e - j >= 3 && strncasecmp(code + j, "iex", 3) == 0)
                k = j + 3;
            else if (e - j >= 17 && strncasecmp(code + j, "invoke-expression", 17) == 0)
                k = j + 17;
            if (k == j || (k < e && is_name(code[k])) ||
                (j > i && (is_name(code[j - 1]) || code[j - 1] == '-')))
                continue;
            while (k < e && (code[k] == ' ' || code[k] == '\t'))
                k++;
            /* "| iex" was seen as a pipe; here iex takes the download as argument */
            if (k < e && code[k] != '|' && code[k] != ';' && (at = pwsh_download(code, k, e)) >= 0)
                fn(arg, (size_t)at);
            break;
        }
        i = e + 1;
    }
}
