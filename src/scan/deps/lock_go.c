/* Go modules: go.mod (require lines and blocks, "// indirect", replace
 * directives applied as the go command does, local replacements dropped)
 * and go.sum, which is read only when no go.mod sits beside it (else it
 * lends go.mod its h1: hashes). The go directive is a language version, not
 * a package. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lock_js.h"
#include "core/banned.h"

#define MAX_TOKENS 8 /* more on one line is never valid go.mod */

struct tok {
    const char *s;
    size_t n;
};

struct line {
    struct tok t[MAX_TOKENS];
    size_t nt;
    const char *comment; /* after "//", trimmed; NULL when none */
    size_t ncomment;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Split one line into tokens (bare, "quoted" or `raw`) and its comment. */
static int tokenize(const char *s, const char *e, bool comments, struct line *ln, const char *path,
                    unsigned no, struct moat_err *err)
{
    ln->nt = 0;
    ln->comment = NULL;
    ln->ncomment = 0;
    while (s < e) {
        const char *t0;
        if (is_space(*s)) {
            s++;
            continue;
        }
        if (comments && e - s >= 2 && s[0] == '/' && s[1] == '/') {
            for (s += 2; s < e && is_space(*s); s++)
                ;
            while (e > s && is_space(e[-1]))
                e--;
            ln->comment = s;
            ln->ncomment = (size_t)(e - s);
            return 0;
        }
        if (ln->nt == MAX_TOKENS)
            return lockjs_fail(err, MOAT_EPARSE, path, no, "too many words on one line");
        t0 = s;
        if (*s == '"' || *s == '`') {
            char q = *s;
            for (s++; s < e && *s != q; s++)
                if (q == '"' && *s == '\\')
                    s++;
            if (s >= e)
                return lockjs_fail(err, MOAT_EPARSE, path, no, "unterminated string");
            ln->t[ln->nt].s = t0 + 1;
            ln->t[ln->nt++].n = (size_t)(s - t0 - 1);
            s++;
            continue;
        }
        while (s < e && !is_space(*s) && !(comments && e - s >= 2 && s[0] == '/' && s[1] == '/'))
            s++;
        ln->t[ln->nt].s = t0;
        ln->t[ln->nt++].n = (size_t)(s - t0);
    }
    return 0;
}

static bool tok_is(const struct tok *t, const char *s)
{
    return t->n == strlen(s) && memcmp(t->s, s, t->n) == 0;
}

/* The next line of [*p, end): sets *s and *e around it and moves *p past
 * it. Returns false at the end. */
static bool next_line(const char **p, const char *end, const char **s, const char **e)
{
    if (*p >= end)
        return false;
    *s = *p;
    *e = memchr(*p, '\n', (size_t)(end - *p));
    *e = *e ? *e : end;
    *p = *e < end ? *e + 1 : end;
    return true;
}

/* ---- go.sum ---- */

/* Add each "module version[/go.mod] h1:hash" line of data: as packages
 * (pkgs, when not NULL) and, for the module's own hash, to sums ("module
 * version" -> hex) when not NULL. */
static int read_sum(const char *path, const unsigned char *data, size_t len,
                    struct lockjs_pkgs *pkgs, struct moat_map *sums, struct deps_lock *l,
                    struct moat_err *err)
{
    const char *p = (const char *)data, *end = p + len, *s, *e;
    unsigned no = 0;
    struct line ln;
    int rc;

    p += deps_bom_len(data, len); /* the go.sum beside a go.mod is read here */
    while (next_line(&p, end, &s, &e)) {
        struct lockjs_entry en = { .eco = DEPS_ECO_GO, .line = ++no };
        struct tok *mod, *ver, *h;
        bool gomod;
        /* go.sum has no comments, and base64 hashes hold "//" */
        if ((rc = tokenize(s, e, false, &ln, path, no, err)) != 0)
            return rc;
        if (ln.nt == 0)
            continue;
        if (ln.nt != 3 || ln.comment)
            return lockjs_fail(err, MOAT_EPARSE, path, no, "expected \"module version hash\"");
        mod = &ln.t[0];
        ver = &ln.t[1];
        h = &ln.t[2];
        gomod = ver->n >= 7 && memcmp(ver->s + ver->n - 7, "/go.mod", 7) == 0;
        en.name = mod->s;
        en.name_len = mod->n;
        en.version = ver->s;
        en.version_len = ver->n - (gomod ? 7 : 0);
        /* h1: is base64 of a SHA-256 over the module's file list */
        if (!gomod && h->n > 3 && memcmp(h->s, "h1:", 3) == 0 &&
            (en.hash = lockjs_b64_hex(l, h->s + 3, h->n - 3, 32)))
            en.hash_alg = "sha256";
        if (pkgs && (rc = lockjs_pkgs_add(pkgs, &en, NULL, err)) != 0)
            return rc;
        if (sums && en.hash) {
            char k[DEPS_MAX_NAME + DEPS_MAX_VERSION + 2];
            if (moat_snprintf(k, sizeof(k), "%.*s %.*s", (int)en.name_len, en.name,
                              (int)en.version_len, en.version) == 0)
                moat_map_put(sums, k, strlen(k), (void *)en.hash);
        }
    }
    return 0;
}

static bool sibling_exists(const struct deps_source *src, const char *name)
{
    struct stat st;
    char p[4096];

    return src->disk_dir && moat_snprintf(p, sizeof(p), "%s/%s", src->disk_dir, name) == 0 &&
           lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int parse_sum(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct lockjs_pkgs pkgs;
    int rc;

    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    l->format = "go.sum";
    /* go.mod says which versions are in the build; go.sum also lists ones
     * only consulted while selecting them */
    if (sibling_exists(src, "go.mod"))
        return 0;
    lockjs_pkgs_init(&pkgs, l, src->path);
    rc = read_sum(src->path, src->data, src->len, &pkgs, NULL, l, err);
    lockjs_pkgs_release(&pkgs);
    /* go.sum does not say which modules the project requires itself: no
     * DIRECT or TRANSITIVE flag */
    return rc;
}

/* ---- go.mod ---- */

struct req {
    struct tok path, version;
    unsigned line;
    bool indirect;
};

struct repl {
    struct tok old, old_version; /* old_version.n == 0: every version */
    struct tok path, version;    /* version.n == 0: a local directory */
};

struct reqv {
    struct req *v;
    size_t n, cap;
};

struct replv {
    struct repl *v;
    size_t n, cap;
};

static const char *const verbs[] = { "require", "replace", "module",  "go",   "toolchain",
                                     "godebug", "exclude", "retract", "tool", "ignore" };

static bool known_verb(const struct tok *t)
{
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (tok_is(t, verbs[i]))
            return true;
    return false;
}

static bool indirect_comment(const struct line *ln)
{
    /* "// indirect", possibly followed by "; other text" */
    return ln->comment && ln->ncomment >= 8 && memcmp(ln->comment, "indirect", 8) == 0 &&
           (ln->ncomment == 8 || ln->comment[8] == ';' || is_space(ln->comment[8]));
}

static int directive(const struct tok *verb, const struct tok *a, size_t na, const struct line *ln,
                     unsigned no, const char *path, struct reqv *reqs, struct replv *repls,
                     struct moat_err *err)
{
    if (!known_verb(verb))
        return lockjs_fail(err, MOAT_EPARSE, path, no, "unknown directive \"%.*s\"",
                           (int)(verb->n > 64 ? 64 : verb->n), verb->s);
    if (tok_is(verb, "require")) {
        struct req r = { .line = no, .indirect = indirect_comment(ln) };
        if (na != 2 || a[1].n < 2 || a[1].s[0] != 'v')
            return lockjs_fail(err, MOAT_EPARSE, path, no, "expected \"require module vX.Y.Z\"");
        r.path = a[0];
        r.version = a[1];
        MOAT_VEC_PUSH(reqs, r);
        return 0;
    }
    if (tok_is(verb, "replace")) {
        struct repl r = { 0 };
        size_t arrow = na;
        for (size_t i = 0; i < na; i++)
            if (tok_is(&a[i], "=>"))
                arrow = i;
        if (arrow == 0 || arrow > 2 || na - arrow - 1 < 1 || na - arrow - 1 > 2)
            return lockjs_fail(err, MOAT_EPARSE, path, no,
                               "expected \"replace module [version] => target [version]\"");
        r.old = a[0];
        if (arrow == 2)
            r.old_version = a[1];
        r.path = a[arrow + 1];
        if (na - arrow - 1 == 2)
            r.version = a[arrow + 2];
        MOAT_VEC_PUSH(repls, r);
        return 0;
    }
    return 0; /* module, go, toolchain, exclude, retract...: nothing to lock */
}

/* The replacement in force for (path, version): one naming that version
 * wins over one for every version, and a later line over an earlier one. */
static const struct repl *find_repl(const struct repl *v, size_t n, const struct req *r)
{
    const struct repl *any = NULL;

    for (size_t i = n; i-- > 0;) {
        if (v[i].old.n != r->path.n || memcmp(v[i].old.s, r->path.s, r->path.n) != 0)
            continue;
        if (v[i].old_version.n == r->version.n &&
            memcmp(v[i].old_version.s, r->version.s, r->version.n) == 0)
            return &v[i];
        if (!v[i].old_version.n && !any)
            any = &v[i];
    }
    return any;
}

static int parse_mod(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct reqv reqs = { 0 };
    struct replv repls = { 0 };
    struct moat_buf sum = MOAT_BUF_INIT(DEPS_MAX_LOCKFILE);
    struct lockjs_pkgs pkgs;
    struct moat_map sums;
    struct tok block = { NULL, 0 };
    const char *p = (const char *)src->data, *end = p + src->len, *s, *le;
    unsigned no = 0, block_line = 0;
    struct line ln;
    int rc;

    lockjs_pkgs_init(&pkgs, l, src->path);
    moat_map_init(&sums);
    if ((rc = deps_source_check_size(src, err)) != 0)
        goto out;
    while (next_line(&p, end, &s, &le)) {
        no++;
        if ((rc = tokenize(s, le, true, &ln, src->path, no, err)) != 0)
            goto out;
        if (ln.nt == 0)
            continue;
        if (block.s) {
            if (ln.nt == 1 && tok_is(&ln.t[0], ")")) {
                block.s = NULL;
                continue;
            }
            if ((rc = directive(&block, ln.t, ln.nt, &ln, no, src->path, &reqs, &repls, err)) != 0)
                goto out;
            continue;
        }
        if (ln.nt >= 2 && tok_is(&ln.t[1], "(")) {
            /* "verb (" opens a block; "verb ( )" is an empty one */
            if (ln.nt == 3 && tok_is(&ln.t[2], ")"))
                continue;
            if (ln.nt != 2) {
                rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "text after '('");
                goto out;
            }
            if (!known_verb(&ln.t[0])) {
                rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "unknown directive \"%.*s\"",
                                 (int)(ln.t[0].n > 64 ? 64 : ln.t[0].n), ln.t[0].s);
                goto out;
            }
            block = ln.t[0];
            block_line = no;
            continue;
        }
        if ((rc = directive(&ln.t[0], ln.t + 1, ln.nt - 1, &ln, no, src->path, &reqs, &repls,
                            err)) != 0)
            goto out;
    }
    if (block.s) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, block_line, "block is never closed");
        goto out;
    }
    /* the h1: hashes of go.sum beside it, when there is one */
    if (sibling_exists(src, "go.sum")) {
        char sp[4096];
        if (moat_snprintf(sp, sizeof(sp), "%s/go.sum", src->disk_dir) == 0 &&
            moat_fs_read(sp, &sum, NULL) == 0 &&
            read_sum(sp, (const unsigned char *)sum.data, sum.len, NULL, &sums, l, NULL) != 0) {
            /* a broken go.sum is reported when it is scanned itself; here it
             * only costs the hashes it would have lent */
        }
    }
    for (size_t i = 0; i < reqs.n; i++) {
        const struct req *r = &reqs.v[i];
        const struct repl *rp = find_repl(repls.v, repls.n, r);
        struct lockjs_entry e = { .eco = DEPS_ECO_GO, .line = r->line };
        char k[DEPS_MAX_NAME + DEPS_MAX_VERSION + 2];
        if (rp && !rp->version.n)
            continue; /* replaced by a directory of this project */
        e.name = rp ? rp->path.s : r->path.s;
        e.name_len = rp ? rp->path.n : r->path.n;
        e.version = rp ? rp->version.s : r->version.s;
        e.version_len = rp ? rp->version.n : r->version.n;
        e.flags = r->indirect ? 0 : DEPS_PKG_DIRECT;
        if (moat_snprintf(k, sizeof(k), "%.*s %.*s", (int)e.name_len, e.name, (int)e.version_len,
                          e.version) == 0 &&
            (e.hash = moat_map_get(&sums, k, strlen(k))))
            e.hash_alg = "sha256";
        if ((rc = lockjs_pkgs_add(&pkgs, &e, NULL, err)) != 0)
            goto out;
    }
    lockjs_finish(l);
    l->format = "go.mod";
out:
    free(reqs.v);
    free(repls.v);
    moat_buf_release(&sum);
    moat_map_release(&sums, NULL);
    lockjs_pkgs_release(&pkgs);
    return rc;
}

const struct deps_format lock_gomod_format = {
    .name = "go.mod",
    .parse = parse_mod,
};

const struct deps_format lock_gosum_format = {
    .name = "go.sum",
    .parse = parse_sum,
};
