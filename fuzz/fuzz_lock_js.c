/* libFuzzer target for the lockfile parsers of deps_formats_js[] (npm, yarn,
 * pnpm, Cargo, go.mod, go.sum, Bundler, Composer). The first byte picks the
 * parser ('0' npm, '1' yarn, '2' pnpm, '3' Cargo, '4' go.mod, '5' go.sum,
 * '6' Gemfile.lock, '7' composer.lock; any byte works, modulo the count),
 * the rest is the file. Any input gives a lock that keeps the package
 * model's invariants or an error naming the file; nothing crashes, leaks or
 * reads past the input. */
#include <stdlib.h>
#include <string.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "fuzz.h"
#include "core/banned.h"

static void check(const struct deps_lock *l, const uint8_t *data, size_t size, bool flags_known)
{
    unsigned lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (!l->format)
        abort();
    for (size_t i = 0; i < l->n; i++) {
        const struct deps_pkg *p = &l->pkgs[i];
        size_t nl, vl;
        if (!p->name || !p->version)
            abort();
        nl = strlen(p->name);
        vl = strlen(p->version);
        if (!nl || nl > DEPS_MAX_NAME || !vl || vl > DEPS_MAX_VERSION)
            abort();
        if (p->line < 1 || p->line > lines || p->path != l->path)
            abort();
        if (flags_known && !(p->flags & DEPS_PKG_DIRECT) == !(p->flags & DEPS_PKG_TRANSITIVE))
            abort();
        if (!p->hash != !p->hash_alg)
            abort();
        if (p->hash && strspn(p->hash, "0123456789abcdef") != strlen(p->hash))
            abort();
        for (size_t d = 0; d < p->ndeps; d++)
            if (p->deps[d] >= l->n || p->deps[d] == i)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct deps_format *f;
    struct deps_source src;
    struct moat_err err = { 0, "" };
    struct deps_lock l;
    size_t nformats = 0;
    char path[64];
    int rc;

    while (deps_formats_js[nformats])
        nformats++;
    if (size == 0 || nformats == 0)
        return 0;
    f = deps_formats_js[data[0] % nformats];
    if (moat_snprintf(path, sizeof(path), "fuzz/%s", f->name) != 0)
        abort();
    src.path = path;
    src.disk_dir = NULL;
    src.data = data + 1;
    src.len = size - 1;
    deps_lock_init(&l, path);
    rc = f->parse(&src, &l, &err);
    if (rc != 0) {
        /* a failure always says why, naming the file */
        if (err.rc != rc || strncmp(err.msg, path, strlen(path)) != 0 ||
            (rc != MOAT_EPARSE && rc != MOAT_ETOOBIG))
            abort();
    } else {
        check(&l, data + 1, size - 1, strcmp(f->name, "go.sum") != 0);
    }
    deps_lock_release(&l);
    return 0;
}
