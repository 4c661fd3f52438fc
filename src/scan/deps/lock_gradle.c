/* gradle.lockfile (Gradle dependency locking): one
 * `group:artifact:version=configuration,...` line per resolved module, and an
 * `empty=` line naming configurations with nothing locked. A module used
 * only by test configurations is DEV, and so is everything in
 * buildscript-gradle.lockfile (the build's own classpath). */
#include <stdint.h>
#include <string.h>
#include "lock_py.h"
#include "core/banned.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* testCompileClasspath, testFixturesRuntimeClasspath, androidTestX,
 * debugUnitTestRuntimeClasspath, integrationTestRuntimeClasspath. */
static bool test_configuration(const char *s, size_t n)
{
    if (n >= 4 && strncmp(s, "test", 4) == 0)
        return true;
    for (size_t i = 1; i + 4 <= n; i++)
        if (strncmp(s + i, "Test", 4) == 0)
            return true;
    return false;
}

static bool only_test(const char *s, size_t n)
{
    bool any = false;

    while (n) {
        const char *comma = memchr(s, ',', n);
        size_t k = comma ? (size_t)(comma - s) : n;
        const char *c = s;
        size_t cl = k;
        while (cl && is_space(*c))
            c++, cl--;
        while (cl && is_space(c[cl - 1]))
            cl--;
        if (cl) {
            if (!test_configuration(c, cl))
                return false;
            any = true;
        }
        if (!comma)
            break;
        s = comma + 1;
        n -= k + 1;
    }
    return any;
}

static bool coord_char(char c)
{
    return c > ' ' && c != ':' && c != '=' && c != ',' && c != 0x7f;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    const char *p = (const char *)src->data, *end = p + src->len;
    const char *slash = strrchr(src->path, '/');
    bool buildscript = strcmp(slash ? slash + 1 : src->path, "buildscript-gradle.lockfile") == 0;
    unsigned line = 0;
    int rc;

    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    l->format = "gradle.lockfile";
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = nl ? nl : end, *part[4], *eq;
        size_t plen[4], np = 0;
        struct deps_pkg pkg = { 0 };
        struct moat_buf name = MOAT_BUF_INIT(DEPS_MAX_NAME);

        p = nl ? nl + 1 : end;
        line++;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        if (s == e || *s == '#')
            continue;
        eq = memchr(s, '=', (size_t)(e - s));
        if (eq && eq - s == 5 && strncmp(s, "empty", 5) == 0)
            continue; /* configurations that resolved to nothing */
        /* group:artifact:version, each part non-empty */
        for (const char *q = s, *ce = eq ? eq : e; np < 4;) {
            const char *colon = memchr(q, ':', (size_t)(ce - q));
            part[np] = q;
            plen[np++] = (size_t)((colon ? colon : ce) - q);
            if (!colon)
                break;
            q = colon + 1;
        }
        if (np != 3 || !plen[0] || !plen[1] || !plen[2] || plen[2] > DEPS_MAX_VERSION)
            return moat_err_set(err, MOAT_EPARSE,
                                "%s:%u: expected group:artifact:version=configurations", src->path,
                                line);
        for (size_t k = 0; k < np; k++)
            for (size_t i = 0; i < plen[k]; i++)
                if (!coord_char(part[k][i]))
                    return moat_err_set(err, MOAT_EPARSE, "%s:%u: malformed coordinates", src->path,
                                        line);
        if (moat_buf_add(&name, part[0], plen[0]) != 0 || moat_buf_addch(&name, ':') != 0 ||
            moat_buf_add(&name, part[1], plen[1]) != 0) {
            moat_buf_release(&name);
            return moat_err_set(err, MOAT_ETOOBIG, "%s:%u: name too long", src->path, line);
        }
        pkg.eco = DEPS_ECO_MAVEN;
        pkg.name = deps_lock_strdup(l, name.data, name.len);
        pkg.version = deps_lock_strdup(l, part[2], plen[2]);
        pkg.line = line;
        moat_buf_release(&name);
        if (buildscript || (eq && only_test(eq + 1, (size_t)(e - eq - 1))))
            pkg.flags |= DEPS_PKG_DEV;
        if ((rc = deps_lock_add(l, &pkg, NULL)) != 0)
            return moat_err_set(err, rc, "%s:%u: more than %d packages", src->path, line,
                                DEPS_MAX_PACKAGES);
    }
    return 0;
}

static bool match(const char *base, const unsigned char *data, size_t len)
{
    (void)data;
    (void)len;
    return strcmp(base, "gradle.lockfile") == 0 || strcmp(base, "buildscript-gradle.lockfile") == 0;
}

const struct deps_format deps_format_gradle_lockfile = {
    .name = "gradle.lockfile",
    .match = match,
    .parse = parse,
};
