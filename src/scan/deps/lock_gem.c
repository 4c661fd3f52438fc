/* Bundler's Gemfile.lock (and gems.locked): gems come from the specs of GEM
 * sections, "name (version[-platform])" at four spaces with their own
 * dependencies at six. GIT and PATH specs are not registry gems and are not
 * listed (a PATH gem is the project itself, so what it needs is direct);
 * DEPENDENCIES names what the Gemfile asks for; CHECKSUMS (Bundler 2.5+)
 * gives sha256s. See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

static bool match(const char *base, const unsigned char *data, size_t len)
{
    (void)data;
    (void)len;
    return strcmp(base, "Gemfile.lock") == 0 || strcmp(base, "gems.locked") == 0;
}

/* "name (version[-platform])" or "name" with an optional "!" (a gem from a
 * git or path source), as Bundler's own NAME_VERSION pattern splits it. */
struct spec {
    const char *name, *version, *platform;
    size_t name_len, version_len, platform_len;
    const char *rest; /* after the closing ')' */
};

static bool split(const char *s, const char *e, struct spec *sp)
{
    const char *paren = memchr(s, '(', (size_t)(e - s)), *close, *dash;

    memset(sp, 0, sizeof(*sp));
    sp->name = s;
    sp->name_len = paren ? (size_t)(paren - s) : (size_t)(e - s);
    while (sp->name_len && (s[sp->name_len - 1] == ' ' || s[sp->name_len - 1] == '!'))
        sp->name_len--;
    sp->rest = e;
    if (memchr(s, ' ', sp->name_len))
        return false;
    if (!paren)
        return sp->name_len > 0;
    if (!(close = memchr(paren, ')', (size_t)(e - paren))))
        return false;
    sp->version = paren + 1;
    dash = memchr(sp->version, '-', (size_t)(close - sp->version));
    sp->version_len = (size_t)((dash ? dash : close) - sp->version);
    if (dash) {
        sp->platform = dash + 1;
        sp->platform_len = (size_t)(close - dash - 1);
    }
    sp->rest = close + 1;
    return sp->name_len > 0;
}

struct name_ref {
    const char *name;
    size_t len;
    size_t from; /* package index, or NONE */
    bool direct;
};
#define NONE ((size_t)-1)

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    const char *p = (const char *)src->data, *end = p + src->len;
    enum { S_NONE, S_GEM, S_GIT_PATH, S_PATH, S_DEPS, S_SUMS, S_OTHER } sec = S_NONE;
    MOAT_VEC(struct name_ref) refs = { 0 };
    struct lockjs_pkgs pkgs;
    struct moat_map names; /* gem name -> package index + 1 (its first version) */
    bool in_specs = false, have_spec = false;
    size_t last = NONE; /* the spec being listed (a package, or NONE) */
    bool last_path = false;
    unsigned no = 0;
    int rc;

    lockjs_pkgs_init(&pkgs, l, src->path);
    moat_map_init(&names);
    if ((rc = deps_source_check_size(src, err)) != 0)
        goto out;
    while (p < end) {
        const char *s = p, *e = memchr(p, '\n', (size_t)(end - p));
        size_t indent;
        struct spec sp;
        e = e ? e : end;
        p = e < end ? e + 1 : end;
        no++;
        while (e > s && (e[-1] == '\r' || e[-1] == ' '))
            e--;
        for (indent = 0; s + indent < e && s[indent] == ' '; indent++)
            ;
        if (s + indent == e)
            continue;
        if (s[indent] == '\t') {
            rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "tab in indentation");
            goto out;
        }
        if (indent == 0) {
            size_t n = (size_t)(e - s);
#define IS(str) (n == sizeof(str) - 1 && memcmp(s, str, n) == 0)
            sec = IS("GEM")            ? S_GEM
                  : IS("GIT")          ? S_GIT_PATH
                  : IS("PATH")         ? S_PATH
                  : IS("DEPENDENCIES") ? S_DEPS
                  : IS("CHECKSUMS")    ? S_SUMS
                                       : S_OTHER;
#undef IS
            in_specs = have_spec = false;
            continue;
        }
        s += indent;
        if (sec == S_GEM || sec == S_GIT_PATH || sec == S_PATH) {
            if (indent == 2) {
                in_specs = e - s == 6 && memcmp(s, "specs:", 6) == 0;
                have_spec = false;
                continue;
            }
            if (!in_specs || (indent != 4 && indent != 6) || (indent == 6 && !have_spec)) {
                rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "unexpected indentation");
                goto out;
            }
            if (!split(s, e, &sp) || (indent == 4 && !sp.version_len)) {
                rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "expected \"name (version)\"");
                goto out;
            }
            if (indent == 6) {
                struct name_ref r = { sp.name, sp.name_len, last, last_path };
                if (last != NONE || last_path)
                    MOAT_VEC_PUSH(&refs, r);
                continue;
            }
            have_spec = true;
            last = NONE;
            last_path = sec == S_PATH;
            if (sec == S_GEM) {
                struct lockjs_entry en = { .eco = DEPS_ECO_RUBYGEMS, .line = no };
                en.name = sp.name;
                en.name_len = sp.name_len;
                en.version = sp.version;
                en.version_len = sp.version_len;
                if ((rc = lockjs_pkgs_add(&pkgs, &en, &last, err)) != 0)
                    goto out;
                if (!moat_map_get(&names, sp.name, sp.name_len))
                    moat_map_put(&names, sp.name, sp.name_len, (void *)(uintptr_t)(last + 1));
            }
            continue;
        }
        if (sec == S_DEPS && indent == 2) {
            struct name_ref r = { NULL, 0, NONE, true };
            if (!split(s, e, &sp)) {
                rc = lockjs_fail(err, MOAT_EPARSE, src->path, no, "expected a gem name");
                goto out;
            }
            r.name = sp.name;
            r.len = sp.name_len;
            MOAT_VEC_PUSH(&refs, r);
            continue;
        }
        if (sec == S_SUMS && indent == 2) {
            const char *h, *he;
            size_t idx;
            if (!split(s, e, &sp) || !sp.version_len)
                continue;
            h = sp.rest;
            while (h < e && *h == ' ')
                h++;
            /* "sha256=<hex>[,other=...]" */
            if (e - h < 7 || memcmp(h, "sha256=", 7) != 0)
                continue;
            h += 7;
            he = memchr(h, ',', (size_t)(e - h));
            he = he ? he : e;
            if (lockjs_pkgs_find(&pkgs, sp.name, sp.name_len, sp.version, sp.version_len, &idx) &&
                !l->pkgs[idx].hash && (l->pkgs[idx].hash = lockjs_hex(l, h, (size_t)(he - h), 32)))
                l->pkgs[idx].hash_alg = "sha256";
            continue;
        }
        /* PLATFORMS, RUBY VERSION, BUNDLED WITH, PLUGIN SOURCE: nothing locked */
    }
    for (size_t i = 0; i < refs.n; i++) {
        void *v = moat_map_get(&names, refs.v[i].name, refs.v[i].len);
        size_t to;
        if (!v)
            continue;
        to = (uintptr_t)v - 1;
        if (refs.v[i].direct)
            l->pkgs[to].flags |= DEPS_PKG_DIRECT;
        else if ((rc = lockjs_depend(&pkgs, refs.v[i].from, to, err)) != 0)
            goto out;
    }
    lockjs_finish(l);
    l->format = strcmp(lockjs_base(src->path), "gems.locked") == 0 ? "gems.locked" : "Gemfile.lock";
out:
    free(refs.v);
    moat_map_release(&names, NULL);
    lockjs_pkgs_release(&pkgs);
    return rc;
}

const struct deps_format lock_gem_format = {
    .name = "Gemfile.lock",
    .match = match,
    .parse = parse,
};
