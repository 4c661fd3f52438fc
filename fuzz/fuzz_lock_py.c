/* libFuzzer target for the Python, JVM and SBOM-input lockfile parsers: the
 * input goes to every parser of deps_formats_py[] (and every match()), and
 * each either yields packages that keep the model's invariants or fails
 * with a "path:line" message; nothing crashes, leaks or reads past the
 * input. No directory is given, so no include or parent POM is read. */
#include <stdlib.h>
#include <string.h>
#include "scan/deps/deps.h"
#include "fuzz.h"
#include "core/banned.h"

#define PATH "fuzz/lockfile"

static bool lower_hex(const char *s, size_t want)
{
    if (strlen(s) != want)
        return false;
    return strspn(s, "0123456789abcdef") == want;
}

static void check(const struct deps_lock *l, unsigned lines)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct deps_pkg *p = &l->pkgs[i];
        if (!p->name || !p->name[0] || strlen(p->name) > DEPS_MAX_NAME + DEPS_MAX_VERSION)
            abort();
        if ((unsigned)p->eco >= DEPS_ECO_COUNT || p->line < 1 || p->line > lines || p->path)
            abort();
        if (p->version ? (!p->version[0] || strlen(p->version) > DEPS_MAX_VERSION ||
                          (p->flags & DEPS_PKG_UNPINNED))
                       : !(p->flags & DEPS_PKG_UNPINNED) || !p->spec)
            abort();
        if (!p->hash_alg != !p->hash)
            abort();
        if (p->hash_alg && !(strcmp(p->hash_alg, "sha1") == 0     ? lower_hex(p->hash, 40)
                             : strcmp(p->hash_alg, "sha256") == 0 ? lower_hex(p->hash, 64)
                             : strcmp(p->hash_alg, "sha512") == 0 ? lower_hex(p->hash, 128)
                                                                  : false))
            abort();
        for (size_t k = 0; k < p->ndeps; k++)
            if (p->deps[k] >= l->n || p->deps[k] == i)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "requirements.txt", "Pipfile.lock", "poetry.lock",
                                         "uv.lock",          "pdm.lock",     "pom.xml",
                                         "gradle.lockfile",  "x.json",       "bom.json" };
    struct deps_source src = { PATH, NULL, data, size };
    unsigned lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        for (const struct deps_format *const *f = deps_formats_py; *f; f++)
            if (deps_format_takes(*f, names[i], data, size)) {
                /* a verdict, never a crash */
            }
    for (const struct deps_format *const *f = deps_formats_py; *f; f++) {
        struct deps_lock l;
        struct moat_err err = { 0, "" };
        int rc;
        deps_lock_init(&l, PATH);
        rc = (*f)->parse(&src, &l, &err);
        if (rc != 0) {
            if (rc > 0 || err.rc != rc || strncmp(err.msg, PATH, strlen(PATH)) != 0)
                abort();
        } else {
            check(&l, lines);
        }
        deps_lock_release(&l);
    }
    return 0;
}
