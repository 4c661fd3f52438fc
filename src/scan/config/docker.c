/* The Dockerfile audits of the config analyzer: a final stage that runs as
 * root, unpinned base images, remote ADD without a checksum, remote scripts
 * piped into a shell, secrets in ENV/ARG or copied key and .env files,
 * disabled TLS or signature checks, and (pedantic) unpinned packages. Stages,
 * ARG and ENV are followed the way BuildKit resolves them, and every finding
 * points at the physical line of the offending command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "core/banned.h"

#define MAX_FINDINGS 1000 /* per file: a generated file cannot flood the report */

enum {
    R_ROOT,
    R_BASE,
    R_ADD,
    R_PIPE,
    R_SECRET,
    R_TLS,
    R_PKG,
    R_N,
};

#define DOC(id) "docs/rules/config/" id ".md"

const struct moat_rule_meta cfg_docker_rules[] = {
    [R_ROOT] = { "docker-root-user", "config", "Container runs as root",
                 "A container whose final stage runs as root turns any code-execution bug in "
                 "the service into root inside the container: it can rewrite the image's files, "
                 "and a kernel or runtime flaw away from the host.",
                 "CWE-250", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                 "Create an unprivileged user and end the final stage with USER <name or uid> "
                 "(e.g. USER 10001), or build on an image that runs as non-root "
                 "(gcr.io/distroless/...:nonroot).",
                 DOC("docker-root-user") },
    [R_BASE] = { "docker-unpinned-base", "config", "Base image not pinned",
                 "FROM without a tag or with :latest builds on whatever the registry serves "
                 "that day, so a compromised or silently changed upstream image flows into "
                 "the build unnoticed and builds cannot be reproduced.",
                 "CWE-1357", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                 "Pin a version tag, better also the digest (FROM node:20.11-alpine@sha256:...), "
                 "and let Renovate or Dependabot propose updates.",
                 DOC("docker-unpinned-base") },
    [R_ADD] = { "docker-remote-add", "config", "ADD downloads without a checksum",
                "ADD with a URL fetches it at every build and trusts whatever the server, "
                "anyone on the network path or a new owner of the domain returns: nothing "
                "checks that it is the file that was reviewed.",
                "CWE-494", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                "Add --checksum=sha256:<hash> (Dockerfile syntax 1.6 or later), or download "
                "with curl and check it with sha256sum -c; pin git sources to a full commit "
                "SHA.",
                DOC("docker-remote-add") },
    [R_PIPE] = { "docker-pipe-to-shell", "config", "Remote script piped into an interpreter",
                 "curl ... | sh runs whatever the server returns at build time, unreviewed and "
                 "unverified: whoever controls the server, the domain or the network path runs "
                 "code in the build, with its secrets and its network.",
                 "CWE-494", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                 "Download to a file, check its checksum or signature (sha256sum -c, gpg "
                 "--verify), then run it; better, install a pinned package.",
                 DOC("docker-pipe-to-shell") },
    [R_SECRET] = { "docker-secret-in-env", "config", "Secret baked into the image",
                   "Values of ENV and ARG and files added with COPY or ADD are stored in the "
                   "image's layers and history, where anyone who can pull the image reads "
                   "them, even when a later step deletes them.",
                   "CWE-798", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                   "Pass secrets with RUN --mount=type=secret (keys with --mount=type=ssh) at "
                   "build time and from the orchestrator's secret store at run time; rotate "
                   "the exposed secret; list key and .env files in .dockerignore.",
                   DOC("docker-secret-in-env") },
    [R_TLS] = { "docker-disabled-verification", "config", "TLS or signature checks disabled",
                "Turning off certificate, host-key or package-signature checks lets anyone on "
                "the network path (a proxy, a compromised mirror, a hijacked DNS name) swap "
                "the software the build downloads and installs.",
                "CWE-295", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                "Remove the flag or setting; if a private CA is the reason, add its "
                "certificate to the trust store (update-ca-certificates, curl --cacert, "
                "NODE_EXTRA_CA_CERTS, pip --cert).",
                DOC("docker-disabled-verification") },
    [R_PKG] = { "docker-unpinned-package", "config", "Package installed without a version",
                "Installing packages without versions takes whatever is newest at build time: "
                "builds drift, and a malicious or broken release is picked up automatically.",
                "CWE-1357", MOAT_SEV_LOW, MOAT_CONF_MEDIUM,
                "Pin versions (apt-get install pkg=1.2.3-1, apk add pkg=1.2.3-r0, pip install "
                "pkg==1.2.3 or -r requirements.txt --require-hashes, npm ci with a lockfile).",
                DOC("docker-unpinned-package") },
};
const size_t cfg_docker_nrules = R_N;

/* ---- state of one file ---- */

struct var {
    const char *name;
    const char *val; /* NULL: declared without a value */
    bool env;
};

struct stage {
    const char *name;  /* AS name, lowercase, or NULL */
    const char *image; /* the FROM reference, substituted */
    bool image_known;
    int parent; /* the earlier stage this one builds on, or -1 */
    const struct cd_instr *from;
    const char *user; /* last USER (its user part), or NULL */
    bool user_known;
    const struct cd_instr *user_in;
    struct {
        struct var *v;
        size_t n, cap;
    } vars;
};

struct seen {
    int rule;
    unsigned line;
};

struct dk {
    struct cfg_ctx *c;
    struct cd_file *f;
    struct moat_arena *a;
    char esc;
    struct {
        struct var *v;
        size_t n, cap;
    } globals;
    MOAT_VEC(struct stage) stages;
    const struct cd_instr *in;   /* the instruction being audited */
    const struct cd_heredoc *hd; /* offsets are in this body, else in in->text */
    bool run;                    /* RUN (packages are installed), not CMD/ENTRYPOINT */
    size_t nfound;
    MOAT_VEC(struct seen) seen;
    /* while set, disabled-verification hits of one command are gathered
     * here and reported once, at the first */
    struct gather {
        bool on;
        size_t n, off;
        char ev[160], list[400], first[768];
    } g;
};

static bool ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool in_list(const char *s, size_t n, const char *list)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, '|');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && strncasecmp(p, s, n) == 0)
            return true;
        p += m + (e ? 1 : 0);
    }
    return false;
}

static bool one_of(const char *s, const char *list)
{
    return in_list(s, strlen(s), list);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static void where(struct dk *D, size_t off, unsigned *line, unsigned *col)
{
    if (D->hd)
        cd_heredoc_pos(D->hd, off, line, col);
    else
        cd_pos(D->in, off, line, col);
}

/* A short, safe rendering of s for messages and evidence: control bytes and
 * CD_UNKNOWN shown as '?', cut at n - 1 bytes. */
static const char *brief(const char *s, char *out, size_t n)
{
    size_t k = 0;

    for (; *s && k + 1 < n; s++)
        out[k++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    if (*s && n > 4) {
        out[n - 4] = out[n - 3] = out[n - 2] = '.';
        k = n - 1;
    }
    out[k] = '\0';
    return out;
}

/* A URL without user info, query or fragment: what a message may show. */
static const char *url_brief(const char *u, char *out, size_t n)
{
    const char *p = strstr(u, "://"), *host = p ? p + 3 : u, *at, *end;
    char tmp[512];
    size_t k = 0;

    end = host + strcspn(host, "?#");
    at = memchr(host, '@', (size_t)(end - host));
    if (at && !memchr(host, '/', (size_t)(at - host)))
        host = at + 1;
    if (p) {
        for (const char *q = u; q < p + 3 && k + 1 < sizeof(tmp); q++)
            tmp[k++] = *q;
    }
    for (const char *q = host; q < end && k + 1 < sizeof(tmp); q++)
        tmp[k++] = *q;
    tmp[k] = '\0';
    return brief(tmp, out, n);
}

/* Report rule at offset off of the current text. A rule reports a line once:
 * the first finding there stands for the others (two pipes on one line, a
 * -c script walked twice, two secret files in one COPY). */
static void report(struct dk *D, int rule, enum moat_conf conf, size_t off, const char *evidence,
                   const char *fmt, ...) MOAT_PRINTF(6, 7);

static void report(struct dk *D, int rule, enum moat_conf conf, size_t off, const char *evidence,
                   const char *fmt, ...)
{
    struct seen s;
    unsigned line, col;
    char msg[768];
    va_list ap;

    if (D->nfound >= MAX_FINDINGS)
        return;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    if (rule == R_TLS && D->g.on) {
        size_t k = strlen(D->g.list);
        if (D->g.n == 0) {
            D->g.off = off;
            brief(evidence, D->g.ev, sizeof(D->g.ev));
            memcpy(D->g.first, msg, sizeof(msg));
        }
        if (!strstr(D->g.list, evidence)) {
            D->g.n++;
            if (k + strlen(evidence) + 3 < sizeof(D->g.list) &&
                moat_snprintf(D->g.list + k, sizeof(D->g.list) - k, "%s%s", k ? ", " : "",
                              evidence) != 0) {
                /* checked above: it fits */
            }
        }
        return;
    }
    where(D, off, &line, &col);
    s.rule = rule;
    s.line = line;
    for (size_t i = 0; i < D->seen.n; i++)
        if (D->seen.v[i].rule == rule && D->seen.v[i].line == line)
            return;
    MOAT_VEC_PUSH(&D->seen, s);
    D->nfound++;
    cfg_report(D->c, &cfg_docker_rules[rule], -1, conf, line, col, evidence, "%s", msg);
}

/* ---- variables ---- */

static const char *find_var(const struct var *v, size_t n, const char *name, size_t len,
                            bool env_only, bool *found)
{
    for (size_t i = n; i-- > 0;)
        if ((!env_only || v[i].env) && strlen(v[i].name) == len &&
            memcmp(v[i].name, name, len) == 0) {
            *found = true;
            return v[i].val;
        }
    *found = false;
    return NULL;
}

static const char *global_lookup(void *ctx, const char *name, size_t n)
{
    struct dk *D = ctx;
    bool found;

    return find_var(D->globals.v, D->globals.n, name, n, false, &found);
}

/* ENV wins over ARG of the same name, whatever their order. */
static const char *stage_lookup(void *ctx, const char *name, size_t n)
{
    struct dk *D = ctx;
    struct stage *s;
    const char *v;
    bool found;

    if (!D->stages.n)
        return global_lookup(ctx, name, n);
    s = &D->stages.v[D->stages.n - 1];
    v = find_var(s->vars.v, s->vars.n, name, n, true, &found);
    if (found)
        return v;
    return find_var(s->vars.v, s->vars.n, name, n, false, &found);
}

/* COPY --from and --mount=from: the stage's variables, then the global ones. */
static const char *from_lookup(void *ctx, const char *name, size_t n)
{
    const char *v = stage_lookup(ctx, name, n);
    return v ? v : global_lookup(ctx, name, n);
}

static char *value(struct dk *D, const char *raw, size_t n, cd_lookup_fn fn, bool *complete)
{
    return cd_word_value(D->a, raw, n, D->esc, fn, D, complete);
}

/* ---- disabled verification: settings that switch checks off ---- */

enum { SEP_EQ = 1, SEP_SPACE = 2 };

struct kv {
    const char *key;  /* any case; not inside a longer name */
    const char *vals; /* "a|b" in any case, or NULL for any value */
    unsigned sep;
    const char *what;
};

static const struct kv kvs[] = {
    { "NODE_TLS_REJECT_UNAUTHORIZED", "0", SEP_EQ, "Node.js TLS certificate checks" },
    /* git reads only whether it is set, whatever the value */
    { "GIT_SSL_NO_VERIFY", NULL, SEP_EQ, "git TLS certificate checks" },
    { "PYTHONHTTPSVERIFY", "0", SEP_EQ, "Python HTTPS certificate checks" },
    { "PIP_TRUSTED_HOST", NULL, SEP_EQ, "pip TLS checks (trusted host)" },
    { "trusted-host", NULL, SEP_EQ | SEP_SPACE, "pip TLS checks (trusted host)" },
    { "sslverify", "false|0|no|off", SEP_EQ | SEP_SPACE, "TLS certificate checks (sslVerify)" },
    { "strict-ssl", "false|0|no", SEP_EQ | SEP_SPACE, "npm/yarn TLS certificate checks" },
    { "npm_config_strict_ssl", "false|0|no", SEP_EQ, "npm TLS certificate checks" },
    { "yarn_strict_ssl", "false|0|no", SEP_EQ, "yarn TLS certificate checks" },
    { "enableStrictSsl", "false|0", SEP_EQ | SEP_SPACE, "yarn TLS certificate checks" },
    { "gpgcheck", "0|false|no|off", SEP_EQ, "RPM package signature checks" },
    /* apt's [trusted=yes]; only "yes", so an app's `trusted: true` is not taken for it */
    { "trusted", "yes", SEP_EQ, "APT repository signature checks" },
    { "allow-insecure", "yes", SEP_EQ, "APT repository signature checks" },
    { "AllowInsecureRepositories", "true|1|yes", SEP_EQ | SEP_SPACE,
      "APT repository signature checks" },
    { "AllowDowngradeToInsecureRepositories", "true|1|yes", SEP_EQ | SEP_SPACE,
      "APT repository signature checks" },
    { "AllowUnauthenticated", "true|1|yes", SEP_EQ | SEP_SPACE, "APT package signature checks" },
    { "Verify-Peer", "false|0|no", SEP_EQ | SEP_SPACE, "APT TLS certificate checks" },
    { "Verify-Host", "false|0|no", SEP_EQ | SEP_SPACE, "APT TLS host name checks" },
    { "check_certificate", "off|0|false|no", SEP_EQ | SEP_SPACE, "wget TLS certificate checks" },
    { "check-certificate", "false|off|0|no", SEP_EQ, "TLS certificate checks" },
    { "ssl_verify", "false|0|no|off", SEP_EQ | SEP_SPACE, "conda TLS certificate checks" },
    { "verify_ssl", "false|0|no", SEP_EQ, "pipenv TLS certificate checks" },
    { "StrictHostKeyChecking", "no|off|false", SEP_EQ | SEP_SPACE, "SSH host key checks" },
    { "ANSIBLE_HOST_KEY_CHECKING", "false|0|no|off", SEP_EQ, "SSH host key checks (Ansible)" },
    { "GOINSECURE", NULL, SEP_EQ, "Go module TLS and checksum checks" },
    { "GOSUMDB", "off", SEP_EQ, "Go checksum database checks" },
    { "tls-verify", "false|0", SEP_EQ, "container registry TLS checks" },
    { "insecure-skip-tls-verify", "true|1", SEP_EQ, "Kubernetes API TLS checks" },
    { "secure-http", "false|0", SEP_EQ | SEP_SPACE, "Composer HTTPS-only downloads" },
    { "disable-tls", "true|1", SEP_EQ | SEP_SPACE, "Composer TLS" },
    { "maven.wagon.http.ssl.insecure", "true", SEP_EQ, "Maven TLS certificate checks" },
    { "maven.wagon.http.ssl.allowall", "true", SEP_EQ, "Maven TLS host name checks" },
    /* OpenSSL's VERIFY_NONE for Bundler and RubyGems (BUNDLE_SSL_VERIFY_MODE, .gemrc) */
    { "ssl_verify_mode", "0", SEP_EQ | SEP_SPACE, "RubyGems/Bundler TLS certificate checks" },
    { "BUNDLE_SSL_VERIFY_MODE", "0", SEP_EQ, "Bundler TLS certificate checks" },
};

static bool ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool val_end(char c)
{
    return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' ||
           c == ';' || c == ',' || c == ']' || c == ')' || c == '}' || c == '&' || c == '|' ||
           c == '\\';
}

/* If key kv occurs at s[p] with a value it names, the end of that value;
 * else 0. */
static size_t kv_at(const char *s, size_t len, size_t p, const struct kv *kv)
{
    size_t m = strlen(kv->key), q = p + m, v0;
    bool space = false, sep = false;

    if (p + m > len || strncasecmp(s + p, kv->key, m) != 0)
        return 0;
    if ((p > 0 && ident(s[p - 1])) || (q < len && (ident(s[q]) || s[q] == '-' || s[q] == '.')))
        return 0;
    while (q < len && (s[q] == ' ' || s[q] == '\t' || s[q] == '"' || s[q] == '\'')) {
        space |= s[q] == ' ' || s[q] == '\t';
        q++;
    }
    if (q < len && (s[q] == '=' || s[q] == ':') && (kv->sep & SEP_EQ)) {
        q++;
        sep = true;
    } else if (space && (kv->sep & SEP_SPACE)) {
        sep = true;
    }
    if (!sep)
        return 0;
    while (q < len && (s[q] == ' ' || s[q] == '\t' || s[q] == '"' || s[q] == '\''))
        q++;
    v0 = q;
    while (q < len && !val_end(s[q]))
        q++;
    if (q == v0 || (kv->vals && !in_list(s + v0, q - v0, kv->vals)))
        return 0;
    return q;
}

/* Where a setting was found: offsets of s map to the current text through
 * base (fixed: every hit is reported at base) or through the words of a
 * joined command (map: word i starts at starts[i] in s, at map[i] in the
 * text). */
struct kv_hit {
    struct dk *D;
    const char *s;
    size_t base;
    bool fixed;
    const size_t *map, *starts;
    size_t nmap;
};

static void kv_found(struct kv_hit *h, size_t p, size_t end, const struct kv *kv)
{
    size_t off = h->fixed ? h->base : h->base + p;
    char shown[128], ev[128];
    size_t n = end - p < sizeof(shown) - 1 ? end - p : sizeof(shown) - 1;

    if (h->map) {
        size_t w = 0;
        while (w + 1 < h->nmap && h->starts[w + 1] <= p)
            w++;
        off = h->map[w];
    }
    memcpy(shown, h->s + p, n);
    shown[n] = '\0';
    brief(shown, ev, sizeof(ev));
    report(h->D, R_TLS, MOAT_CONF_HIGH, off, ev, "%s turns off %s", ev, kv->what);
}

/* Every setting of the table in h->s[0..len). */
static void kv_scan(struct kv_hit *h, size_t len)
{
    const char *s = h->s;

    for (size_t p = 0; p < len; p++) {
        char c = lower(s[p]);
        if (p > 0 && ident(s[p - 1]))
            continue;
        for (size_t k = 0; k < sizeof(kvs) / sizeof(kvs[0]); k++) {
            size_t end;
            if (lower(kvs[k].key[0]) == c && (end = kv_at(s, len, p, &kvs[k])) != 0)
                kv_found(h, p, end, &kvs[k]);
        }
    }
}

static void kv_text(struct dk *D, const char *s, size_t len, size_t base)
{
    struct kv_hit h = { D, s, base, false, NULL, NULL, 0 };
    kv_scan(&h, len);
}

/* ---- commands ---- */

struct view {
    const struct cd_sh_cmd *c;
    size_t k;      /* index of the command name in c->w (c->n: none) */
    char name[48]; /* its base name, lowercase, without .exe */
};

static const struct cd_sh_word *word_at(const struct view *v, size_t i)
{
    return i < v->c->n ? &v->c->w[i] : NULL;
}

/* Next argument after index *i (redirections skipped), or NULL. */
static const struct cd_sh_word *next_arg(const struct view *v, size_t *i)
{
    while (++*i < v->c->n)
        if (!(v->c->w[*i].flags & CD_SH_REDIR))
            return &v->c->w[*i];
    return NULL;
}

static void set_name(struct view *v, const char *s)
{
    const char *b = strrchr(s, '/');
    size_t n;

    b = b ? b + 1 : s;
    n = strlen(b);
    if (n >= sizeof(v->name))
        n = sizeof(v->name) - 1;
    for (size_t i = 0; i < n; i++)
        v->name[i] = lower(b[i]);
    v->name[n] = '\0';
    if (ends_with(v->name, ".exe"))
        v->name[n - 4] = '\0';
}

/* Options of a wrapper that take a value, as "-u|-g|...". */
static void skip_opts(const struct view *v, size_t *i, const char *with_arg)
{
    const struct cd_sh_word *w;
    size_t j = *i;

    while ((w = next_arg(v, &j)) != NULL) {
        if (strcmp(w->s, "--") == 0) {
            *i = j;
            return;
        }
        if (w->s[0] != '-' || !w->s[1])
            return;
        if (one_of(w->s, with_arg))
            (void)next_arg(v, &j);
        *i = j;
    }
}

/* The command a simple command runs: assignments, redirections and
 * wrappers (sudo, env, nohup, exec, ...) skipped. */
static void view(const struct cd_sh_cmd *c, struct view *v)
{
    size_t i = 0;

    v->c = c;
    v->k = c->n;
    v->name[0] = '\0';
    while (i < c->n && (c->w[i].flags & (CD_SH_ASSIGN | CD_SH_REDIR)))
        i++;
    for (int guard = 0; i < c->n && guard < 8; guard++) {
        const struct cd_sh_word *w;
        size_t j = i;
        set_name(v, c->w[i].s);
        if (one_of(v->name, "sudo|doas")) {
            skip_opts(v, &j, "-u|-g|-C|-D|-h|-p|-r|-t|-U|-T");
        } else if (strcmp(v->name, "env") == 0) {
            skip_opts(v, &j, "-u|-C|-S|--unset|--chdir|--split-string");
            while ((w = word_at(v, j + 1)) != NULL && strchr(w->s, '=') && w->s[0] != '=' &&
                   w->s[0] != '-')
                j++;
        } else if (one_of(v->name, "nohup|builtin|setsid|unbuffer|eatmydata|chronic|busybox")) {
            /* the next word is the command */
        } else if (strcmp(v->name, "exec") == 0) {
            skip_opts(v, &j, "-a");
        } else if (strcmp(v->name, "command") == 0) {
            if ((w = word_at(v, i + 1)) != NULL &&
                (strcmp(w->s, "-v") == 0 || strcmp(w->s, "-V") == 0))
                break; /* a lookup, nothing runs */
            skip_opts(v, &j, "");
        } else if (strcmp(v->name, "time") == 0) {
            skip_opts(v, &j, "-f|-o");
        } else if (strcmp(v->name, "nice") == 0) {
            skip_opts(v, &j, "-n");
        } else if (strcmp(v->name, "ionice") == 0) {
            skip_opts(v, &j, "-c|-n|-p");
        } else if (strcmp(v->name, "stdbuf") == 0) {
            skip_opts(v, &j, "-i|-o|-e");
        } else if (strcmp(v->name, "timeout") == 0) {
            skip_opts(v, &j, "-k|-s|--kill-after|--signal");
            (void)next_arg(v, &j); /* the duration */
        } else if (one_of(v->name, "gosu|su-exec|chroot")) {
            (void)next_arg(v, &j); /* the user or directory */
        } else {
            v->k = i;
            return;
        }
        if (!next_arg(v, &j))
            break;
        i = j;
    }
    v->name[0] = '\0';
    v->k = c->n;
}

static bool is_shell(const char *n)
{
    return one_of(n, "sh|bash|zsh|dash|ash|ksh|mksh|fish|csh|tcsh|yash|posh");
}

static bool is_python(const char *n)
{
    return strncmp(n, "python", 6) == 0 || strncmp(n, "pypy", 4) == 0;
}

static bool is_interp(const char *n)
{
    return is_shell(n) || is_python(n) ||
           one_of(n, "perl|ruby|node|nodejs|php|pwsh|powershell|deno|bun|lua|tclsh");
}

/* Letters of the single-dash option group w that take a value (the rest of
 * the group, or the next word) stop the scan. Returns the letter found of
 * `want`, or 0. */
static char short_has(const char *w, const char *want, const char *with_arg, bool *takes_next)
{
    *takes_next = false;
    if (w[0] != '-' || w[1] == '-' || !w[1])
        return 0;
    for (const char *p = w + 1; *p; p++) {
        if (strchr(want, *p))
            return *p;
        if (strchr(with_arg, *p)) {
            *takes_next = p[1] == '\0';
            return 0;
        }
    }
    return 0;
}

/* Where an interpreter takes its program from. */
enum prog { PROG_STDIN, PROG_ARG, PROG_FILE, PROG_NONE };

/* The program source of interpreter v; *pw is the word holding it (the -c
 * string or the script operand). */
static enum prog program(const struct view *v, const struct cd_sh_word **pw)
{
    const struct cd_sh_word *w;
    size_t i = v->k;
    bool next_is_prog = false, py = is_python(v->name), sh = is_shell(v->name);
    const char *code_opts = "e", *with_arg = "";

    if (sh) {
        code_opts = "c";
        with_arg = "oO";
    } else if (py) {
        code_opts = "cm";
        with_arg = "WX";
    } else if (strcmp(v->name, "perl") == 0) {
        code_opts = "eE";
        with_arg = "MmIi";
    } else if (strcmp(v->name, "ruby") == 0) {
        with_arg = "rICE";
    } else if (one_of(v->name, "node|nodejs|deno|bun")) {
        code_opts = "ep";
        with_arg = "r";
    } else if (strcmp(v->name, "php") == 0) {
        code_opts = "rf";
        with_arg = "cdz";
    } else if (strcmp(v->name, "lua") == 0) {
        with_arg = "l";
    }

    *pw = NULL;
    if (one_of(v->name, "pwsh|powershell")) {
        while ((w = next_arg(v, &i)) != NULL) {
            if (ieq(w->s, "-") || ((ieq(w->s, "-command") || ieq(w->s, "-c") ||
                                    ieq(w->s, "-file") || ieq(w->s, "-f")) &&
                                   word_at(v, i + 1) && strcmp(v->c->w[i + 1].s, "-") == 0))
                return PROG_STDIN;
            if (ieq(w->s, "-command") || ieq(w->s, "-c") || ieq(w->s, "-encodedcommand") ||
                ieq(w->s, "-e") || ieq(w->s, "-ec")) {
                *pw = next_arg(v, &i);
                return PROG_ARG;
            }
            if (ieq(w->s, "-file") || ieq(w->s, "-f") || w->s[0] != '-') {
                *pw = w[0].s[0] != '-' ? w : next_arg(v, &i);
                return PROG_FILE;
            }
        }
        return PROG_STDIN;
    }
    while ((w = next_arg(v, &i)) != NULL) {
        bool takes;
        char c;
        if (next_is_prog) {
            *pw = w;
            return PROG_ARG;
        }
        if (strcmp(w->s, "-") == 0)
            return PROG_STDIN;
        if (strcmp(w->s, "--") == 0) {
            if (sh)
                break;
            continue;
        }
        if (w->s[0] == '-' && w->s[1] == '-') {
            if (one_of(w->s, "--eval|--print|--command"))
                next_is_prog = true;
            else if (one_of(w->s, "--require|--import|--rcfile|--init-file"))
                (void)next_arg(v, &i);
            continue;
        }
        if ((w->s[0] == '-' || (sh && w->s[0] == '+')) && w->s[1]) {
            if (sh && strchr(w->s, 's') && w->s[0] == '-' && !strchr(w->s, 'c'))
                return PROG_STDIN;
            c = short_has(w->s, code_opts, with_arg, &takes);
            if (c == 'm' || c == 'f') {
                *pw = next_arg(v, &i);
                return PROG_FILE;
            }
            if (c) {
                /* -c CODE, -e CODE, -ecode (perl) */
                const char *rest = strchr(w->s, c) + 1;
                if (*rest && !sh && !py) {
                    *pw = w;
                    return PROG_ARG;
                }
                next_is_prog = true;
                continue;
            }
            if (takes)
                (void)next_arg(v, &i);
            continue;
        }
        *pw = w;
        if (one_of(w->s, "/dev/stdin|/proc/self/fd/0|/dev/fd/0"))
            return PROG_STDIN;
        return PROG_FILE;
    }
    return next_is_prog ? PROG_NONE : PROG_STDIN;
}

/* Whether downloader v writes what it downloads to stdout. */
static bool to_stdout(const struct view *v)
{
    const struct cd_sh_word *w;
    size_t i = v->k;

    if (strcmp(v->name, "curl") == 0) {
        bool out = true;
        while ((w = next_arg(v, &i)) != NULL) {
            bool takes;
            const char *s = w->s;
            if (one_of(s, "--output|-o")) {
                const struct cd_sh_word *x = next_arg(v, &i);
                out = x && one_of(x->s, "-|/dev/stdout");
            } else if (strncmp(s, "--output=", 9) == 0) {
                out = one_of(s + 9, "-|/dev/stdout");
            } else if (one_of(s, "--remote-name|--remote-name-all|-O")) {
                out = false;
            } else if (s[0] == '-' && s[1] != '-') {
                char c = short_has(s, "Oo", "EKHbcCdDeFmPQrtTuUwxXyYzA", &takes);
                if (c == 'O') {
                    out = false;
                } else if (c == 'o') {
                    const char *rest = strchr(s, 'o') + 1;
                    const struct cd_sh_word *x = *rest ? NULL : next_arg(v, &i);
                    out = one_of(*rest ? rest : x ? x->s : "", "-|/dev/stdout");
                } else if (takes) {
                    (void)next_arg(v, &i);
                }
            }
        }
        return out;
    }
    if (strcmp(v->name, "wget") == 0 || strcmp(v->name, "fetch") == 0) {
        char opt = v->name[0] == 'w' ? 'O' : 'o';
        const char *with_arg = v->name[0] == 'w' ? "oaeiBtTwQPUlARDXIO" : "oNSTm";
        while ((w = next_arg(v, &i)) != NULL) {
            bool takes;
            const char *s = w->s;
            if (strncmp(s, "--output-document=", 18) == 0 && v->name[0] == 'w')
                return one_of(s + 18, "-|/dev/stdout");
            if (strcmp(s, "--output-document") == 0 && v->name[0] == 'w') {
                const struct cd_sh_word *x = next_arg(v, &i);
                return x && one_of(x->s, "-|/dev/stdout");
            }
            if (s[0] != '-' || s[1] == '-' || (v->name[0] == 'w' && s[1] == 'n'))
                continue;
            if (short_has(s, (char[]){ opt, '\0' }, with_arg, &takes) == opt || takes) {
                const char *at = strchr(s, opt);
                if (at && at[1])
                    return one_of(at + 1, "-|/dev/stdout");
                if (at) {
                    const struct cd_sh_word *x = next_arg(v, &i);
                    return x && one_of(x->s, "-|/dev/stdout");
                }
                (void)next_arg(v, &i);
            }
        }
        return false;
    }
    return false;
}

static bool downloader(const struct view *v)
{
    return one_of(v->name, "curl|wget|fetch") && to_stdout(v);
}

static const char *first_url(const struct view *v)
{
    const struct cd_sh_word *w;
    size_t i = v->k;

    while ((w = next_arg(v, &i)) != NULL)
        if (strstr(w->s, "://"))
            return w->s;
    return NULL;
}

/* ---- does a piece of script download something to stdout? ---- */

struct dl_probe {
    bool hit;
    char url[128]; /* a copy: the walk's words are gone when it returns */
};

static void probe_pipeline(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth)
{
    struct dl_probe *p = ctx;

    (void)depth;
    for (size_t i = 0; i < n && !p->hit; i++) {
        struct view v;
        view(&cmds[i], &v);
        if (v.k < cmds[i].n && downloader(&v)) {
            const char *u = first_url(&v);
            p->hit = true;
            url_brief(u ? u : "", p->url, sizeof(p->url));
        }
    }
}

/* Whether word w is one substitution as a whole ("$(...)", `...`, <(...))
 * whose script downloads to stdout. */
static bool fetched_program(const struct cd_sh_word *w, int depth, char *url, size_t urln)
{
    const char *s = w->s;
    size_t n = strlen(s), a, b;
    struct dl_probe p = { false, "" };
    struct cd_sh_visit pv = { probe_pipeline, NULL, &p };

    if (!(w->flags & CD_SH_SUBST) || n < 3)
        return false;
    if (strncmp(s, "$(", 2) == 0 || strncmp(s, "<(", 2) == 0) {
        a = 2;
        b = n - 1;
        if (s[b] != ')')
            return false;
    } else if (s[0] == '`' && s[n - 1] == '`') {
        a = 1;
        b = n - 1;
    } else {
        return false;
    }
    cd_sh_walk(s + a, b - a, 0, depth + 1, &pv);
    if (p.hit && moat_snprintf(url, urln, "%s", p.url) != 0) {
        /* cut short: still names the host */
    }
    return p.hit;
}

/* ---- the audits of one command ---- */

struct flagrule {
    const char *cmds;
    const char *flag;
    const char *what;
};

static const struct flagrule flagrules[] = {
    { "curl", "--insecure", "TLS certificate checks" },
    { "curl", "--proxy-insecure", "proxy TLS certificate checks" },
    { "curl", "--doh-insecure", "DNS-over-HTTPS TLS certificate checks" },
    { "wget", "--no-check-certificate", "TLS certificate checks" },
    { "apt-get|apt|aptitude", "--allow-unauthenticated", "package signature checks" },
    { "apt-get|apt", "--allow-insecure-repositories", "repository signature checks" },
    { "apt-get|apt|aptitude", "--force-yes",
      "package signature checks (--force-yes installs "
      "unauthenticated packages)" },
    { "apk", "--allow-untrusted", "package signature checks" },
    { "yum|dnf|dnf5|microdnf|tdnf|yum-config-manager|yumdownloader|repoquery", "--nogpgcheck",
      "package signature checks" },
    { "zypper", "--no-gpg-checks", "package signature checks" },
    { "rpm", "--nosignature", "package signature checks" },
    { "npm|yarn|pnpm", "--no-strict-ssl", "TLS certificate checks" },
    { "helm|kubectl|oc", "--insecure-skip-tls-verify", "Kubernetes API TLS checks" },
    { "go", "-insecure", "TLS and checksum checks" },
    { "invoke-webrequest|iwr|invoke-restmethod|irm", "-SkipCertificateCheck",
      "TLS certificate checks" },
};

static void insecure_flags(struct dk *D, const struct view *v)
{
    const struct cd_sh_word *w;
    size_t i = v->k;
    char ev[96];

    while ((w = next_arg(v, &i)) != NULL) {
        if (strcmp(v->name, "curl") == 0) {
            bool takes;
            if (short_has(w->s, "k", "EKHbcCdDeFmoPQrtTuUwxXyYzA", &takes) == 'k') {
                if (moat_snprintf(ev, sizeof(ev), "curl %s", w->s) != 0)
                    brief("curl -k", ev, sizeof(ev));
                report(D, R_TLS, MOAT_CONF_HIGH, w->off, ev, "%s turns off TLS certificate checks",
                       ev);
                continue;
            }
            if (takes)
                (void)next_arg(v, &i);
        }
        for (size_t k = 0; k < sizeof(flagrules) / sizeof(flagrules[0]); k++)
            /* any case: PowerShell's parameters ignore it, and no other tool has
             * a flag that differs from one of these only in case */
            if (one_of(v->name, flagrules[k].cmds) && ieq(w->s, flagrules[k].flag)) {
                if (moat_snprintf(ev, sizeof(ev), "%s %s", v->name, w->s) != 0)
                    brief(w->s, ev, sizeof(ev));
                report(D, R_TLS, MOAT_CONF_HIGH, w->off, ev, "%s turns off %s", ev,
                       flagrules[k].what);
            }
    }
}

/* ---- pedantic: packages without versions ---- */

/* An exact version: major.minor.patch and more, no ranges or wildcards. */
static bool exact_version(const char *v)
{
    int dots = 0;

    if (*v == 'v')
        v++;
    if (!(*v >= '0' && *v <= '9'))
        return false;
    for (const char *p = v; *p; p++) {
        if (!(ident(*p) || *p == '.' || *p == '-' || *p == '+') || *p == '_')
            return false;
        if ((*p == 'x' || *p == 'X') && p[-1] == '.' && (p[1] == '\0' || p[1] == '.'))
            return false;
        dots += *p == '.';
    }
    return dots >= 2;
}

static bool local_or_url(const char *s)
{
    return s[0] == '.' || s[0] == '/' || s[0] == '~' || strstr(s, "://") ||
           strncmp(s, "file:", 5) == 0 || strncmp(s, "git+", 4) == 0 || ends_with(s, ".deb") ||
           ends_with(s, ".apk") || ends_with(s, ".rpm") || ends_with(s, ".whl") ||
           ends_with(s, ".tar.gz") || ends_with(s, ".tgz") || ends_with(s, ".zip");
}

static bool pinned(const char *mgr, const char *pkg)
{
    if (strchr(pkg, '$') || strchr(pkg, '`') || local_or_url(pkg))
        return true; /* a variable or a file: not judged */
    if (one_of(mgr, "apt-get|apt|aptitude"))
        return strchr(pkg, '=') && !strchr(pkg, '*');
    if (strcmp(mgr, "apk") == 0)
        return strpbrk(pkg, "=~<>") != NULL;
    if (strcmp(mgr, "pip") == 0) {
        const char *eq = strstr(pkg, "==");
        return (eq && !strchr(eq, '*')) || strchr(pkg, '@');
    }
    if (one_of(mgr, "npm|yarn|pnpm")) {
        const char *at = strrchr(pkg, '@');
        if (!at || at == pkg)
            return false;
        if (strchr(at, '#'))
            return true;
        return exact_version(at + 1);
    }
    if (strcmp(mgr, "go") == 0) {
        const char *at = strrchr(pkg, '@');
        return at && strcmp(at + 1, "latest") != 0 && strcmp(at + 1, "master") != 0 &&
               strcmp(at + 1, "main") != 0;
    }
    if (strcmp(mgr, "gem") == 0)
        return strchr(pkg, ':') != NULL;
    return true;
}

static void unpinned_packages(struct dk *D, const struct view *v)
{
    const struct cd_sh_word *w, *verb = NULL;
    size_t i = v->k, bad = 0;
    const char *mgr = v->name, *with_arg = "", *verbs = "";
    const char *first = NULL;
    char list[160] = "", ev[200], tmp[64];
    bool any_version = false;

    if (is_python(mgr)) {
        /* python -m pip install */
        w = next_arg(v, &i);
        if (!w || strcmp(w->s, "-m") != 0 || !(w = next_arg(v, &i)) || strcmp(w->s, "pip") != 0)
            return;
        mgr = "pip";
    } else if (strncmp(mgr, "pip", 3) == 0 && strspn(mgr + 3, "0123456789.") == strlen(mgr + 3)) {
        mgr = "pip";
    } else if (strcmp(mgr, "uv") == 0) {
        if (!(w = next_arg(v, &i)) || strcmp(w->s, "pip") != 0)
            return;
        mgr = "pip";
    }
    if (one_of(mgr, "apt-get|apt|aptitude")) {
        verbs = "install";
        with_arg = "-o|-t|-c|--target-release|--option|--config-file";
    } else if (strcmp(mgr, "apk") == 0) {
        verbs = "add";
        with_arg = "-t|--virtual|-X|--repository|-p|--root|--arch|--cache-dir|--keys-dir|"
                   "--repositories-file";
    } else if (strcmp(mgr, "pip") == 0) {
        verbs = "install";
        with_arg = "-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|-t|--target|"
                   "--prefix|--root|--platform|--python-version|--implementation|--abi|--src|"
                   "--upgrade-strategy|--progress-bar|--cache-dir|--log|--proxy|--retries|"
                   "--timeout|--exists-action|--cert|--client-cert|--global-option|"
                   "--install-option|-C|--config-settings|--only-binary|--no-binary|--python";
    } else if (strcmp(mgr, "npm") == 0) {
        verbs = "install|i|add|isntall|in";
        with_arg = "--prefix|--registry|--cache|--tag|-w|--workspace|--userconfig";
    } else if (one_of(mgr, "yarn|pnpm")) {
        verbs = "add|global";
        with_arg = "--registry|--cache-folder|--modules-folder|--filter|-F";
    } else if (strcmp(mgr, "gem") == 0) {
        verbs = "install|i";
        with_arg = "-i|--install-dir|-n|--bindir|-s|--source|-P|--trust-policy|--platform";
    } else if (strcmp(mgr, "go") == 0) {
        verbs = "install";
    } else {
        return;
    }
    /* the verb: the first operand */
    while ((w = next_arg(v, &i)) != NULL) {
        if (w->s[0] != '-') {
            verb = w;
            break;
        }
        if (one_of(w->s, with_arg))
            (void)next_arg(v, &i);
    }
    if (!verb || !one_of(verb->s, verbs))
        return;
    if (one_of(mgr, "yarn|pnpm") && strcmp(verb->s, "global") == 0) {
        if (!(w = next_arg(v, &i)) || strcmp(w->s, "add") != 0)
            return;
    }
    while ((w = next_arg(v, &i)) != NULL) {
        if (w->s[0] == '-') {
            if (strcmp(mgr, "pip") == 0 &&
                one_of(w->s, "-r|--requirement|-c|--constraint|--require-hashes|-e|--editable"))
                return; /* a requirements or constraints file, or local sources */
            if (strcmp(mgr, "gem") == 0 &&
                (one_of(w->s, "-v|--version") || strncmp(w->s, "--version=", 10) == 0))
                any_version = true;
            if (one_of(w->s, with_arg))
                (void)next_arg(v, &i);
            continue;
        }
        if (!w->s[0] || pinned(mgr, w->s))
            continue;
        if (!first)
            first = w->s;
        if (bad++ < 6 && strlen(list) + strlen(w->s) + 3 < sizeof(list)) {
            if (list[0])
                memcpy(list + strlen(list), ", ", 3);
            memcpy(list + strlen(list), w->s, strlen(w->s) + 1);
        }
    }
    if (!bad || any_version)
        return;
    if (moat_snprintf(ev, sizeof(ev), "%s %s %s", mgr, verb->s, list) != 0) {
        /* cut: the first names still tell the findings apart */
    }
    report(D, R_PKG, MOAT_CONF_MEDIUM, v->c->w[v->k].off, ev, "%s %s without a version: %s%s", mgr,
           verb->s, brief(list, tmp, sizeof(tmp)), bad > 6 ? ", ..." : "");
}

/* ---- walking scripts ---- */

static void on_pipeline(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth);
static void on_data(void *ctx, const char *s, size_t len, size_t off, const struct cd_sh_cmd *cmd,
                    int depth);

static void walk(struct dk *D, const char *s, size_t len, size_t base, int depth)
{
    struct cd_sh_visit v = { on_pipeline, on_data, D };
    cd_sh_walk(s, len, base, depth, &v);
}

static bool word_is(const char *s, size_t n, size_t p, const char *w)
{
    size_t m = strlen(w);
    return p + m <= n && strncasecmp(s + p, w, m) == 0 &&
           (p == 0 || !(ident(s[p - 1]) || s[p - 1] == '-')) &&
           (p + m == n || !(ident(s[p + m]) || s[p + m] == '-'));
}

/* Where the first of the NULL-terminated words (ws) or texts (ts, matched
 * anywhere, any case) starts in s[0..n), or n when none is there. */
static size_t first_of(const char *s, size_t n, const char *const *ws, const char *const *ts)
{
    for (size_t p = 0; p < n; p++) {
        for (size_t k = 0; ws[k]; k++)
            if (word_is(s, n, p, ws[k]))
                return p;
        for (size_t k = 0; ts[k]; k++)
            if (p + strlen(ts[k]) <= n && strncasecmp(s + p, ts[k], strlen(ts[k])) == 0)
                return p;
    }
    return n;
}

static bool has_text(const char *s, size_t n, const char *w)
{
    return moat_memcasemem(s, n, w, strlen(w));
}

/* PowerShell: iex / Invoke-Expression on something downloaded, in one
 * statement. The finding is at whichever comes first, so a statement
 * continued over several lines is reported on the line that holds it. */
static void powershell(struct dk *D, const char *s, size_t len, size_t base)
{
    static const char *const exec_w[] = { "iex", "invoke-expression", NULL };
    static const char *const exec_t[] = { "[scriptblock]::create", NULL };
    static const char *const dl_w[] = { "iwr", "irm", "curl", "wget", NULL };
    static const char *const dl_t[] = { "downloadstring",    "downloaddata",  "invoke-webrequest",
                                        "invoke-restmethod", "net.webclient", NULL };
    size_t a = 0;

    while (a < len) {
        size_t b = a;
        while (b < len && s[b] != ';' && s[b] != '\n' &&
               !(b + 1 < len &&
                 ((s[b] == '&' && s[b + 1] == '&') || (s[b] == '|' && s[b + 1] == '|'))))
            b++;
        {
            const char *p = s + a;
            size_t n = b - a;
            size_t exec = first_of(p, n, exec_w, exec_t);
            size_t dl = first_of(p, n, dl_w, dl_t);
            if (exec < n && dl < n)
                report(D, R_PIPE, MOAT_CONF_HIGH, base + a + (exec < dl ? exec : dl),
                       "powershell iex download",
                       "PowerShell runs downloaded code with Invoke-Expression (iex)");
            /* a validation callback that accepts every certificate */
            if (has_text(p, n, "servercertificatevalidationcallback") && has_text(p, n, "$true"))
                report(D, R_TLS, MOAT_CONF_HIGH, base + a, "ServerCertificateValidationCallback",
                       "ServerCertificateValidationCallback = {$true} turns off TLS certificate "
                       "checks for PowerShell and .NET");
        }
        a = b + 1;
    }
}

/* A heredoc of the instruction named by a <<NAME word of a command. */
static const struct cd_heredoc *instr_heredoc(struct dk *D, const struct cd_sh_word *w)
{
    if (D->hd || !D->in)
        return NULL;
    for (size_t k = 0; k < D->in->nheredocs; k++)
        if (strcmp(D->in->heredocs[k].name, w->s) == 0)
            return &D->in->heredocs[k];
    return NULL;
}

/* Whether a heredoc script runs in a shell: no #! line, or one naming a
 * shell ("#!/usr/bin/env -S bash -e" names bash). */
static bool shebang_shell(const char *s, size_t len)
{
    size_t e = 0, p = 2;
    char first[64];
    struct view v = { 0 };

    if (len < 2 || s[0] != '#' || s[1] != '!')
        return true;
    while (e < len && s[e] != '\n')
        e++;
    while (p < e) {
        size_t q, n;
        while (p < e && (s[p] == ' ' || s[p] == '\t'))
            p++;
        q = p;
        while (q < e && s[q] != ' ' && s[q] != '\t' && s[q] != '\r')
            q++;
        n = q - p < sizeof(first) - 1 ? q - p : sizeof(first) - 1;
        memcpy(first, s + p, n);
        first[n] = '\0';
        set_name(&v, first);
        if (strcmp(v.name, "env") != 0 && first[0] != '-')
            break;
        p = q;
    }
    return is_shell(v.name);
}

static void script_body(struct dk *D, const struct cd_heredoc *h, int depth)
{
    const struct cd_heredoc *saved = D->hd;

    D->hd = h;
    if (shebang_shell(h->body, h->len)) {
        walk(D, h->body, h->len, 0, depth);
        powershell(D, h->body, h->len, 0);
    } else {
        kv_text(D, h->body, h->len, 0);
    }
    D->hd = saved;
}

static void curlrc(struct dk *D, const char *s, size_t len, size_t base)
{
    for (size_t a = 0; a < len;) {
        size_t b = a, x, y;
        while (b < len && s[b] != '\n')
            b++;
        x = a;
        y = b;
        while (x < y && (s[x] == ' ' || s[x] == '\t' || s[x] == '"' || s[x] == '\''))
            x++;
        while (y > x && (s[y - 1] == ' ' || s[y - 1] == '\t' || s[y - 1] == '\r' ||
                         s[y - 1] == '"' || s[y - 1] == '\''))
            y--;
        if (in_list(s + x, y - x, "insecure|-k|--insecure"))
            report(D, R_TLS, MOAT_CONF_HIGH, base + x, ".curlrc insecure",
                   "insecure in .curlrc turns off TLS certificate checks for every curl");
        a = b + 1;
    }
}

/* The file a command writes to, from > or >> (or tee's operand). */
static const char *write_target(const struct view *v)
{
    for (size_t i = 0; i < v->c->n; i++) {
        const struct cd_sh_word *w = &v->c->w[i];
        if ((w->flags & CD_SH_REDIR) && w->op && strchr(w->op, '>') && !strchr(w->op, '&'))
            return w->s;
    }
    if (strcmp(v->name, "tee") == 0) {
        size_t i = v->k;
        const struct cd_sh_word *w;
        while ((w = next_arg(v, &i)) != NULL)
            if (w->s[0] != '-')
                return w->s;
    }
    return NULL;
}

/* The replacement parts of sed's s/a/b/ expressions: what sed writes. */
static void sed_replacements(struct dk *D, const struct cd_sh_word *w)
{
    const char *s = w->s;

    for (const char *p = s; *p; p++) {
        char d;
        const char *a, *b;
        if (*p != 's' || (p > s && ident(p[-1])) || !p[1] || ident(p[1]) || p[1] == ' ' ||
            p[1] == '\\')
            continue;
        d = p[1];
        a = p + 2;
        while (*a && *a != d)
            a += (*a == '\\' && a[1]) ? 2 : 1;
        if (!*a)
            return;
        b = a + 1;
        while (*b && *b != d)
            b += (*b == '\\' && b[1]) ? 2 : 1;
        {
            /* offsets inside a sed expression are approximate: report at the word */
            struct kv_hit h = { D, a + 1, w->off, true, NULL, NULL, 0 };
            kv_scan(&h, (size_t)(b - a - 1));
        }
        p = *b ? b : b - 1;
    }
}

/* The settings table over the words of a command, joined by spaces. */
static void command_settings(struct dk *D, const struct view *v)
{
    struct moat_buf j = MOAT_BUF_INIT(CD_MAX_INSTR);
    MOAT_VEC(size_t) starts = { 0 };
    MOAT_VEC(size_t) offs = { 0 };
    const struct cd_sh_cmd *c = v->c;

    if (one_of(v->name, "grep|egrep|fgrep|rg|ag|test|[|[[|unset|sed|awk|gawk|find|which"))
        goto sed;
    for (size_t i = 0; i < c->n; i++) {
        const struct cd_sh_word *w = &c->w[i];
        if (w->flags & CD_SH_REDIR)
            continue;
        if (j.len && moat_buf_addch(&j, ' ') != 0)
            break;
        MOAT_VEC_PUSH(&starts, j.len);
        MOAT_VEC_PUSH(&offs, w->off);
        if (moat_buf_addstr(&j, w->s) != 0)
            break;
    }
    if (j.len) {
        struct kv_hit h = { D, j.data, 0, false, offs.v, starts.v, offs.n };
        kv_scan(&h, j.len);
    }
sed:
    if (strcmp(v->name, "sed") == 0) {
        size_t i = v->k;
        const struct cd_sh_word *w;
        while ((w = next_arg(v, &i)) != NULL)
            if (w->s[0] != '-')
                sed_replacements(D, w);
    }
    moat_buf_release(&j);
    free(starts.v);
    free(offs.v);
}

static void audit_command(struct dk *D, const struct cd_sh_cmd *c, int depth)
{
    struct view v;
    const struct cd_sh_word *pw = NULL;
    const char *target;

    view(c, &v);
    /* one disabled-verification finding per command, naming every setting */
    memset(&D->g, 0, sizeof(D->g));
    D->g.on = true;
    if (v.k < c->n)
        insecure_flags(D, &v);
    command_settings(D, &v);
    target = write_target(&v);
    if (target && ends_with(target, "curlrc") && strcmp(v.name, "tee") != 0) {
        size_t i = v.k;
        const struct cd_sh_word *w;
        while ((w = next_arg(&v, &i)) != NULL)
            curlrc(D, w->s, strlen(w->s), w->off);
    }
    D->g.on = false;
    if (D->g.n == 1)
        report(D, R_TLS, MOAT_CONF_HIGH, D->g.off, D->g.ev, "%s", D->g.first);
    else if (D->g.n > 1)
        report(D, R_TLS, MOAT_CONF_HIGH, D->g.off, D->g.ev, "%s turn off TLS or signature checks",
               D->g.list);
    if (v.k >= c->n)
        return;
    if (D->run && D->c->pedantic)
        unpinned_packages(D, &v);

    /* an interpreter whose program is a download: sh -c "$(curl ...)",
     * bash <(curl ...), eval "$(wget -O- ...)", source <(curl ...) */
    if (is_interp(v.name) || one_of(v.name, "eval|source|.|su|runuser")) {
        enum prog src = PROG_NONE;
        char url[128];
        if (one_of(v.name, "eval")) {
            size_t i = v.k;
            const struct cd_sh_word *w;
            while ((w = next_arg(&v, &i)) != NULL)
                if (fetched_program(w, depth, url, sizeof(url))) {
                    report(D, R_PIPE, MOAT_CONF_HIGH, c->w[v.k].off, "eval download",
                           "eval runs a script downloaded from %s", url[0] ? url : "the network");
                    break;
                }
            return;
        }
        if (one_of(v.name, "source|.")) {
            size_t i = v.k;
            pw = next_arg(&v, &i);
            src = PROG_FILE;
        } else if (one_of(v.name, "su|runuser")) {
            size_t i = v.k;
            const struct cd_sh_word *w;
            while ((w = next_arg(&v, &i)) != NULL)
                if (one_of(w->s, "-c|--command")) {
                    pw = next_arg(&v, &i);
                    src = PROG_ARG;
                    break;
                }
            if (src != PROG_ARG)
                return;
        } else {
            src = program(&v, &pw);
        }
        if (pw && (src == PROG_ARG || src == PROG_FILE) &&
            fetched_program(pw, depth, url, sizeof(url))) {
            char ev[96];
            if (moat_snprintf(ev, sizeof(ev), "%s runs download", v.name) != 0)
                brief("runs download", ev, sizeof(ev));
            report(D, R_PIPE, MOAT_CONF_HIGH, c->w[v.k].off, ev,
                   "%s runs a script downloaded from %s", v.name, url[0] ? url : "the network");
            return;
        }
        /* sh -c "script": the script is shell too */
        if (pw && src == PROG_ARG && (is_shell(v.name) || one_of(v.name, "su|runuser")))
            walk(D, pw->s, strlen(pw->s), pw->off + ((pw->flags & CD_SH_QUOTED) ? 1 : 0),
                 depth + 1);
        if (pw && src == PROG_ARG && one_of(v.name, "pwsh|powershell"))
            powershell(D, pw->s, strlen(pw->s), pw->off + ((pw->flags & CD_SH_QUOTED) ? 1 : 0));
    }

    /* stdin from a heredoc of the instruction: RUN bash <<EOF, cat > f <<EOF */
    for (size_t i = 0; i < c->n; i++) {
        const struct cd_heredoc *h;
        if (!(c->w[i].flags & CD_SH_HEREDOC) || !(h = instr_heredoc(D, &c->w[i])))
            continue;
        if (is_shell(v.name) && program(&v, &pw) == PROG_STDIN) {
            script_body(D, h, depth + 1);
        } else if (!is_interp(v.name)) {
            const struct cd_heredoc *saved = D->hd;
            D->hd = h;
            kv_text(D, h->body, h->len, 0);
            if (target && ends_with(target, "curlrc"))
                curlrc(D, h->body, h->len, 0);
            D->hd = saved;
        }
    }
}

static void on_pipeline(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth)
{
    struct dk *D = ctx;
    struct view dl;
    size_t dl_at = n;

    for (size_t i = 0; i < n; i++)
        audit_command(D, &cmds[i], depth);
    /* curl ... | [anything |] sh: the first downloader stands for the later
     * ones (one finding per pipeline), so this is one pass */
    for (size_t j = 0; j < n; j++) {
        struct view v;
        const struct cd_sh_word *pw;
        view(&cmds[j], &v);
        if (v.k >= cmds[j].n)
            continue;
        if (dl_at == n) {
            if (downloader(&v)) {
                dl_at = j;
                dl = v;
            }
        } else if (is_interp(v.name) && program(&v, &pw) == PROG_STDIN) {
            const char *u = first_url(&dl);
            char url[128], ev[200];
            url_brief(u ? u : "", url, sizeof(url));
            if (moat_snprintf(ev, sizeof(ev), "%s %s | %s", dl.name, url, v.name) != 0) {
                /* cut: still names the tools */
            }
            report(D, R_PIPE, MOAT_CONF_HIGH, cmds[dl_at].w[dl.k].off, ev,
                   "%s output%s%s is piped into %s", dl.name, url[0] ? " from " : "", url, v.name);
            break;
        }
    }
}

static void on_data(void *ctx, const char *s, size_t len, size_t off, const struct cd_sh_cmd *cmd,
                    int depth)
{
    struct dk *D = ctx;
    struct view v;
    const struct cd_sh_word *pw;
    const char *target;

    view(cmd, &v);
    if (v.k < cmd->n && is_shell(v.name) && program(&v, &pw) == PROG_STDIN) {
        walk(D, s, len, off, depth + 1);
        return;
    }
    if (v.k < cmd->n && is_interp(v.name))
        return; /* a Python or Perl program: not shell */
    kv_text(D, s, len, off);
    target = write_target(&v);
    if (target && ends_with(target, "curlrc"))
        curlrc(D, s, len, off);
}

/* ---- instructions ---- */

/* RUN, CMD, ENTRYPOINT. */
static void audit_script(struct dk *D)
{
    const struct cd_instr *in = D->in;
    const char *t = in->text;
    size_t a = in->args, pos, ws, we, ws2, we2;

    if (in->json) {
        struct cd_sh_word *w;
        struct cd_sh_cmd c;
        if (!in->argc)
            return;
        w = moat_arena_alloc(D->a, in->argc * sizeof(*w));
        for (size_t i = 0; i < in->argc; i++) {
            w[i].s = in->argv[i];
            w[i].op = NULL;
            w[i].off = in->argv_off[i];
            w[i].end = in->argv_off[i] + 1;
            w[i].flags = CD_SH_QUOTED;
        }
        c.w = w;
        c.n = in->argc;
        on_pipeline(D, &c, 1, 0);
        return;
    }
    pos = a;
    /* RUN <<EOF alone: the body is the script (or a file run by its #!) */
    if (in->nheredocs == 1 && cd_word_next(t, in->len, '\\', &pos, &ws, &we) &&
        ws == in->heredocs[0].word && !cd_word_next(t, in->len, '\\', &pos, &ws2, &we2)) {
        script_body(D, &in->heredocs[0], 0);
        return;
    }
    walk(D, t + a, in->len - a, a, 0);
    powershell(D, t + a, in->len - a, a);
}

static void add_var(struct dk *D, bool global, const char *name, const char *val, bool env)
{
    struct var v = { name, val, env };

    if (global) {
        MOAT_VEC_PUSH(&D->globals, v);
    } else if (D->stages.n) {
        MOAT_VEC_PUSH(&D->stages.v[D->stages.n - 1].vars, v);
    }
}

/* A literal value worth judging as a secret: no references, not empty. */
static void secret_value(struct dk *D, const char *kw, const char *name, const char *raw,
                         size_t rawn, size_t off)
{
    bool complete;
    const char *lit = value(D, raw, rawn, NULL, &complete), *rid = NULL;
    char ev[160], setting[512];

    if (!complete || !lit[0])
        return;
    if (moat_snprintf(ev, sizeof(ev), "%s %s", kw, name) != 0)
        brief(name, ev, sizeof(ev));
    if (cfg_is_secret(D->c, name, lit, strlen(lit), &rid))
        report(D, R_SECRET, MOAT_CONF_HIGH, off, ev,
               "%s holds a secret (%s); %s values stay in the image's history", ev,
               rid ? rid : "secret", kw);
    /* NAME=value against the settings table */
    if (moat_snprintf(setting, sizeof(setting), "%s=%s", name, lit) == 0) {
        struct kv_hit h = { D, setting, off, true, NULL, NULL, 0 };
        kv_scan(&h, strlen(setting));
    }
}

/* ARG name[=value] ... */
static void audit_arg(struct dk *D, bool global)
{
    const struct cd_instr *in = D->in;
    size_t pos = in->args, ws, we;

    while (cd_word_next(in->text, in->len, D->esc, &pos, &ws, &we)) {
        const char *eq = memchr(in->text + ws, '=', we - ws);
        size_t ne = eq ? (size_t)(eq - in->text) : we;
        const char *name = moat_arena_strndup(D->a, in->text + ws, ne - ws);
        const char *val = NULL;
        bool complete = true;

        if (!name[0])
            continue;
        if (eq) {
            val = value(D, eq + 1, we - ne - 1, global ? global_lookup : stage_lookup, &complete);
            if (!complete)
                val = NULL;
            secret_value(D, "ARG", name, eq + 1, we - ne - 1, ws);
        } else if (!global) {
            /* ARG NAME in a stage takes the global default */
            val = global_lookup(D, name, strlen(name));
        }
        if (!in->onbuild)
            add_var(D, global, name, val, false);
    }
}

/* ENV name=value ... or the legacy ENV name value. */
static void audit_env(struct dk *D)
{
    const struct cd_instr *in = D->in;
    size_t pos = in->args, ws, we;

    if (!cd_word_next(in->text, in->len, D->esc, &pos, &ws, &we))
        return;
    if (!memchr(in->text + ws, '=', we - ws)) {
        const char *name = moat_arena_strndup(D->a, in->text + ws, we - ws);
        size_t v0 = pos, v1 = in->len;
        bool complete;
        const char *val;
        while (v0 < v1 && (in->text[v0] == ' ' || in->text[v0] == '\t'))
            v0++;
        while (v1 > v0 && (in->text[v1 - 1] == ' ' || in->text[v1 - 1] == '\t'))
            v1--;
        val = value(D, in->text + v0, v1 - v0, stage_lookup, &complete);
        secret_value(D, "ENV", name, in->text + v0, v1 - v0, ws);
        if (!in->onbuild)
            add_var(D, false, name, complete ? val : NULL, true);
        return;
    }
    pos = in->args;
    while (cd_word_next(in->text, in->len, D->esc, &pos, &ws, &we)) {
        const char *eq = memchr(in->text + ws, '=', we - ws);
        size_t ne;
        const char *name, *val;
        bool complete;
        if (!eq)
            continue;
        ne = (size_t)(eq - in->text);
        name = moat_arena_strndup(D->a, in->text + ws, ne - ws);
        val = value(D, eq + 1, we - ne - 1, stage_lookup, &complete);
        secret_value(D, "ENV", name, eq + 1, we - ne - 1, ws);
        if (!in->onbuild)
            add_var(D, false, name, complete ? val : NULL, true);
    }
}

/* ---- images ---- */

/* The tag of an image reference, or why there is none. */
enum pin { PIN_YES, PIN_NO_TAG, PIN_LATEST, PIN_UNKNOWN };

static enum pin image_pin(const char *ref)
{
    const char *at = strchr(ref, '@'), *last, *colon;
    size_t n = at ? (size_t)(at - ref) : strlen(ref);

    if (at && strchr(at, ':'))
        return PIN_YES; /* a digest */
    last = ref;
    for (size_t i = 0; i < n; i++)
        if (ref[i] == '/')
            last = ref + i + 1;
    colon = memchr(last, ':', n - (size_t)(last - ref));
    if (!colon)
        return memchr(last, CD_UNKNOWN, n - (size_t)(last - ref)) ? PIN_UNKNOWN : PIN_NO_TAG;
    if (memchr(colon, CD_UNKNOWN, n - (size_t)(colon - ref)))
        return PIN_UNKNOWN;
    return (size_t)(ref + n - colon - 1) == 6 && strncmp(colon + 1, "latest", 6) == 0 ? PIN_LATEST
                                                                                      : PIN_YES;
}

static int stage_index(struct dk *D, const char *ref, size_t before)
{
    for (size_t i = before; i-- > 0;)
        if (D->stages.v[i].name && ieq(D->stages.v[i].name, ref))
            return (int)i;
    return -1;
}

static void check_image(struct dk *D, const char *ref, size_t off, const char *kw)
{
    enum pin p;
    char shown[160], ev[200];

    if (!ref[0] || ieq(ref, "scratch") || stage_index(D, ref, D->stages.n) >= 0)
        return;
    p = image_pin(ref);
    if (p != PIN_NO_TAG && p != PIN_LATEST)
        return;
    brief(ref, shown, sizeof(shown));
    if (moat_snprintf(ev, sizeof(ev), "%s %s", kw, shown) != 0) {
        /* cut: the image name still tells findings apart */
    }
    if (p == PIN_LATEST)
        report(D, R_BASE, MOAT_CONF_HIGH, off, ev,
               "%s %s uses the moving tag latest: pin a version and digest", kw, shown);
    else
        report(D, R_BASE, MOAT_CONF_HIGH, off, ev,
               "%s %s has no tag, so it means latest: pin a version and digest", kw, shown);
}

static void audit_from(struct dk *D)
{
    const struct cd_instr *in = D->in;
    size_t pos = in->args, ws, we, s2, e2;
    struct stage st = { 0 };
    bool complete;
    const char *img;

    if (!cd_word_next(in->text, in->len, D->esc, &pos, &ws, &we))
        return;
    img = value(D, in->text + ws, we - ws, global_lookup, &complete);
    if (cd_word_next(in->text, in->len, D->esc, &pos, &s2, &e2) && e2 - s2 == 2 &&
        strncasecmp(in->text + s2, "as", 2) == 0 &&
        cd_word_next(in->text, in->len, D->esc, &pos, &s2, &e2)) {
        char *name = moat_arena_strndup(D->a, in->text + s2, e2 - s2);
        for (char *k = name; *k; k++)
            *k = lower(*k);
        st.name = name;
    }
    st.image = img;
    st.image_known = complete;
    st.parent = complete ? stage_index(D, img, D->stages.n) : -1;
    st.from = in;
    if (st.parent < 0)
        check_image(D, img, ws, "FROM");
    if (st.parent >= 0) {
        const struct stage *p = &D->stages.v[st.parent];
        for (size_t i = 0; i < p->vars.n; i++)
            if (p->vars.v[i].env)
                MOAT_VEC_PUSH(&st.vars, p->vars.v[i]);
    }
    MOAT_VEC_PUSH(&D->stages, st);
}

static void audit_user(struct dk *D)
{
    const struct cd_instr *in = D->in;
    size_t a = in->args, b = in->len;
    struct stage *st;
    bool complete;
    char *u, *colon;

    if (!D->stages.n || in->onbuild)
        return;
    while (b > a && (in->text[b - 1] == ' ' || in->text[b - 1] == '\t'))
        b--;
    if (a == b)
        return;
    u = value(D, in->text + a, b - a, stage_lookup, &complete);
    if ((colon = strchr(u, ':')) != NULL)
        *colon = '\0';
    st = &D->stages.v[D->stages.n - 1];
    st->user = u;
    st->user_known = !strchr(u, CD_UNKNOWN) && u[0];
    st->user_in = in;
}

static bool root_user(const char *u)
{
    size_t z = strspn(u, "0");
    return ieq(u, "root") || (z > 0 && u[z] == '\0') || ieq(u, "ContainerAdministrator");
}

/* Base images whose default user is not root, by their name or tag. */
static bool nonroot_image(const char *ref)
{
    char low[512];
    size_t n = 0;

    for (; ref[n] && n + 1 < sizeof(low); n++)
        low[n] = lower(ref[n]);
    low[n] = '\0';
    if (strstr(low, "nonroot") || strstr(low, "non-root") || strstr(low, "rootless") ||
        strstr(low, "unprivileged") || strstr(low, "chiseled") || strstr(low, "nanoserver"))
        return true;
    /* Chainguard images run as nonroot; their -dev variants as root */
    if (strncmp(low, "cgr.dev/chainguard/", 19) == 0) {
        const char *tag = strrchr(low, ':');
        return !(tag && strstr(tag, "dev"));
    }
    return false;
}

static void audit_root(struct dk *D)
{
    const struct stage *st, *s;
    char shown[160], ev[200];

    if (!D->stages.n)
        return;
    st = &D->stages.v[D->stages.n - 1];
    for (s = st; s; s = s->parent >= 0 ? &D->stages.v[s->parent] : NULL) {
        if (!s->user_in)
            continue;
        if (!s->user_known || !root_user(s->user))
            return;
        D->in = s->user_in;
        D->hd = NULL;
        if (moat_snprintf(ev, sizeof(ev), "USER %s", brief(s->user, shown, sizeof(shown))) != 0) {
            /* cut */
        }
        report(D, R_ROOT, MOAT_CONF_HIGH, 0, ev,
               "the final stage runs as %s (USER %s is the last user set)", shown, shown);
        return;
    }
    /* no USER anywhere up the chain: the base image's default user */
    for (s = st; s->parent >= 0; s = &D->stages.v[s->parent])
        ;
    if (s->image_known && !ieq(s->image, "scratch") && nonroot_image(s->image))
        return;
    D->in = st->from;
    D->hd = NULL;
    brief(s->image, shown, sizeof(shown));
    if (moat_snprintf(ev, sizeof(ev), "FROM %s no USER", shown) != 0) {
        /* cut */
    }
    if (ieq(s->image, "scratch"))
        report(D, R_ROOT, MOAT_CONF_MEDIUM, 0, ev,
               "the final stage is FROM scratch with no USER: the process runs as uid 0");
    else
        report(D, R_ROOT, s->image_known ? MOAT_CONF_HIGH : MOAT_CONF_MEDIUM, 0, ev,
               "the final stage sets no USER, so it runs as the base image's user (%s: root)",
               shown);
}

/* ---- COPY and ADD ---- */

static bool git_url(const char *s)
{
    const char *h = strchr(s, '#');
    size_t n = h ? (size_t)(h - s) : strlen(s);
    char buf[1024];

    if (strncasecmp(s, "git://", 6) == 0 || strncasecmp(s, "ssh://", 6) == 0 ||
        strncasecmp(s, "git@", 4) == 0)
        return true;
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    buf[strcspn(buf, "?")] = '\0';
    return ends_with(buf, ".git") || (h && strstr(buf, "://"));
}

static bool full_sha(const char *ref)
{
    size_t n = strcspn(ref, ":");
    return n == 40 && strspn(ref, "0123456789abcdef") >= 40;
}

static bool has_flag(const struct cd_instr *in, const char *name)
{
    for (size_t i = 0; i < in->nflags; i++)
        if (ieq(in->flags[i].name, name) && (!in->flags[i].value || in->flags[i].value[0]))
            return true;
    return false;
}

static void remote_add(struct dk *D, const char *src, size_t off)
{
    char shown[160], ev[200];
    bool http = strncasecmp(src, "http://", 7) == 0 || strncasecmp(src, "https://", 8) == 0;

    if (git_url(src)) {
        const char *h = strchr(src, '#');
        if ((h && full_sha(h + 1)) || has_flag(D->in, "checksum"))
            return;
        url_brief(src, shown, sizeof(shown));
        if (moat_snprintf(ev, sizeof(ev), "ADD %s", shown) != 0) {
            /* cut */
        }
        report(D, R_ADD, MOAT_CONF_HIGH, off, ev,
               "ADD clones %s at a movable ref: pin it to a full commit SHA", shown);
        return;
    }
    if (!http || has_flag(D->in, "checksum"))
        return;
    url_brief(src, shown, sizeof(shown));
    if (moat_snprintf(ev, sizeof(ev), "ADD %s", shown) != 0) {
        /* cut */
    }
    report(D, R_ADD, MOAT_CONF_HIGH, off, ev, "ADD downloads %s without --checksum%s", shown,
           strncasecmp(src, "http://", 7) == 0 ? ", over plain HTTP" : "");
}

/* What kind of secret a copied path is, or NULL. */
static const char *secret_file(const char *path)
{
    char p[512], *base;
    size_t n = strlen(path);

    if (n >= sizeof(p))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        p[i] = lower(path[i]);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    base = strrchr(p, '/');
    base = base ? base + 1 : p;
    if (ends_with(base, ".pub") || one_of(base, "known_hosts|authorized_keys|config"))
        return NULL;
    if (one_of(base, "id_rsa|id_dsa|id_ecdsa|id_ed25519|id_ecdsa_sk|id_ed25519_sk|identity") ||
        (strncmp(base, "id_", 3) == 0 && strchr(base, '*')))
        return "an SSH private key";
    if (strcmp(base, ".ssh") == 0 || strstr(p, "/.ssh/") || strncmp(p, ".ssh/", 5) == 0)
        return "an SSH directory";
    if (ends_with(base, ".key") && !strstr(base, "pub") && !strstr(base, "gpg") &&
        !strstr(base, "asc"))
        return "a private key file";
    if (ends_with(base, ".pem") && (strstr(base, "key") || strstr(base, "priv")) &&
        !strstr(base, "pub"))
        return "a private key file";
    if (ends_with(base, ".p12") || ends_with(base, ".pfx") || ends_with(base, ".ppk") ||
        ends_with(base, ".keystore") || strcmp(base, "keystore.jks") == 0 ||
        strcmp(base, "secring.gpg") == 0)
        return "a key store";
    if (strcmp(base, ".env") == 0 || strncmp(base, ".env*", 5) == 0 ||
        (strncmp(base, ".env.", 5) == 0 &&
         !one_of(base + 5, "example|sample|template|dist|defaults|default|schema|tpl|"
                           "example.local|sample.local")) ||
        (ends_with(base, ".env") && strlen(base) > 4 && !strstr(base, "example") &&
         !strstr(base, "sample") && !strstr(base, "template")))
        return "an environment (.env) file";
    if (one_of(base, ".netrc|_netrc|.git-credentials|.pgpass|.npmrc|.pypirc|.dockercfg") ||
        strstr(p, ".aws/credentials") || strcmp(base, ".aws") == 0 ||
        strstr(p, ".docker/config.json") || strstr(p, ".kube/config"))
        return "a credentials file";
    return NULL;
}

static void copied_file(struct dk *D, const char *kw, const char *src, size_t off)
{
    const char *what = secret_file(src);
    char shown[160], ev[200];

    if (!what)
        return;
    brief(src, shown, sizeof(shown));
    if (moat_snprintf(ev, sizeof(ev), "%s %s", kw, shown) != 0) {
        /* cut */
    }
    report(D, R_SECRET, strstr(what, "credentials") ? MOAT_CONF_MEDIUM : MOAT_CONF_HIGH, off, ev,
           "%s copies %s (%s) into the image, where every layer keeps it", kw, shown, what);
}

static void audit_from_flags(struct dk *D)
{
    const struct cd_instr *in = D->in;

    for (size_t i = 0; i < in->nflags; i++) {
        const struct cd_flag *f = &in->flags[i];
        const char *raw = NULL;
        size_t n = 0;
        bool complete;
        const char *ref;
        if (!f->value)
            continue;
        if (ieq(f->name, "from") && strcmp(in->kw, "copy") == 0) {
            raw = f->value;
            n = strlen(raw);
        } else if (ieq(f->name, "mount")) {
            /* --mount=type=bind,from=image,target=... */
            const char *p = f->value;
            while (p && *p) {
                if (strncasecmp(p, "from=", 5) == 0) {
                    raw = p + 5;
                    n = strcspn(raw, ",");
                    break;
                }
                p = strchr(p, ',');
                p = p ? p + 1 : NULL;
            }
        }
        if (!raw || !n)
            continue;
        ref = value(D, raw, n, from_lookup, &complete);
        if (strspn(ref, "0123456789") == strlen(ref))
            continue; /* a stage index */
        check_image(D, ref, f->off, strcmp(in->kw, "copy") == 0 ? "COPY --from" : "RUN --mount");
    }
}

static void audit_copy(struct dk *D, bool add)
{
    const struct cd_instr *in = D->in;
    const char *kw = add ? "ADD" : "COPY";
    bool staged = has_flag(in, "from");

    audit_from_flags(D);
    if (in->json) {
        for (size_t i = 0; i + 1 < in->argc; i++) {
            bool complete;
            const char *src = value(D, in->argv[i], strlen(in->argv[i]), stage_lookup, &complete);
            /* exec form strings are not unquoted again: value() of a plain
             * string only substitutes variables */
            if (add && !staged)
                remote_add(D, src, in->argv_off[i]);
            copied_file(D, kw, src, in->argv_off[i]);
        }
        return;
    }
    {
        MOAT_VEC(size_t) ws = { 0 };
        MOAT_VEC(size_t) we = { 0 };
        size_t pos = in->args, s, e;
        const char *dest = NULL;
        while (cd_word_next(in->text, in->len, D->esc, &pos, &s, &e)) {
            MOAT_VEC_PUSH(&ws, s);
            MOAT_VEC_PUSH(&we, e);
        }
        if (ws.n) {
            bool complete;
            dest = value(D, in->text + ws.v[ws.n - 1], we.v[ws.n - 1] - ws.v[ws.n - 1],
                         stage_lookup, &complete);
        }
        for (size_t i = 0; i + 1 < ws.n; i++) {
            bool complete, is_hd = false;
            const char *src;
            for (size_t k = 0; k < in->nheredocs; k++)
                if (in->heredocs[k].word == ws.v[i]) {
                    /* inline content: a config file written into the image */
                    const struct cd_heredoc *saved = D->hd;
                    D->hd = &in->heredocs[k];
                    kv_text(D, D->hd->body, D->hd->len, 0);
                    if (dest && ends_with(dest, "curlrc"))
                        curlrc(D, D->hd->body, D->hd->len, 0);
                    D->hd = saved;
                    is_hd = true;
                }
            if (is_hd)
                continue;
            src = value(D, in->text + ws.v[i], we.v[i] - ws.v[i], stage_lookup, &complete);
            if (add && !staged)
                remote_add(D, src, ws.v[i]);
            copied_file(D, kw, src, ws.v[i]);
        }
        free(ws.v);
        free(we.v);
    }
}

static void audit_instr(struct dk *D, const struct cd_instr *in)
{
    const char *kw = in->kw;

    D->in = in;
    D->hd = NULL;
    if (!D->stages.n && !in->onbuild) {
        /* before the first FROM only ARG (global) and FROM mean something */
        if (strcmp(kw, "arg") == 0)
            audit_arg(D, true);
        else if (strcmp(kw, "from") == 0)
            audit_from(D);
        return;
    }
    if (strcmp(kw, "from") == 0 && !in->onbuild)
        audit_from(D);
    else if (strcmp(kw, "arg") == 0)
        audit_arg(D, false);
    else if (strcmp(kw, "env") == 0)
        audit_env(D);
    else if (strcmp(kw, "user") == 0)
        audit_user(D);
    else if (strcmp(kw, "copy") == 0)
        audit_copy(D, false);
    else if (strcmp(kw, "add") == 0)
        audit_copy(D, true);
    else if (one_of(kw, "run|cmd|entrypoint")) {
        D->run = strcmp(kw, "run") == 0;
        if (D->run)
            audit_from_flags(D);
        audit_script(D);
    }
}

void cfg_docker_audit(struct cfg_ctx *c, const unsigned char *data, size_t len)
{
    struct cd_file *f = NULL;
    struct moat_err err = { 0, "" };
    struct dk D = { 0 };
    char what[320];

    if (cd_parse(data, len, &f, &err) != 0) {
        if (moat_snprintf(what, sizeof(what), "not audited: %s", err.msg) != 0) {
            /* a message cut short still names the file and the problem */
        }
        if (c->w && c->w->scan)
            scan_warn(c->w->scan, c->b->path, what);
        return;
    }
    D.c = c;
    D.f = f;
    D.a = cd_arena(f);
    D.esc = cd_escape(f);
    for (size_t i = 0; i < cd_ninstrs(f); i++)
        audit_instr(&D, cd_instr(f, i));
    audit_root(&D);
    for (size_t i = 0; i < D.stages.n; i++)
        free(D.stages.v[i].vars.v);
    free(D.stages.v);
    free(D.globals.v);
    free(D.seen.v);
    cd_free(f);
}
