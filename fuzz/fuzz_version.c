/* libFuzzer target for deps_version_cmp and deps_semver_cmp: any bytes give
 * MOAT_EINVAL or an order, and the order is one: reflexive, antisymmetric,
 * transitive (but for Maven, below), and a pair is accepted exactly when
 * both its versions are.
 * Input: one byte choosing the ecosystem ('0'..'8' as enum deps_eco, '9'
 * for SemVer ranges, other bytes modulo 10), then up to three versions
 * separated by newlines. */
#include <stdlib.h>
#include <string.h>
#include "scan/deps/deps.h"
#include "fuzz.h"
#include "core/banned.h"

#define SEMVER_RANGE DEPS_ECO_COUNT

static int eco;

static int cmp(const char *a, const char *b, int *out)
{
    *out = 7;
    if (eco == SEMVER_RANGE)
        return deps_semver_cmp(a, b, out);
    return deps_version_cmp((enum deps_eco)eco, a, b, out);
}

/* cmp(a, b), aborting unless it is an error that leaves *out alone or a
 * result in -1..1 whose reverse is its negation. */
static int checked(const char *a, const char *b, int *out)
{
    int back, rc = cmp(a, b, out), rc2 = cmp(b, a, &back);

    if (rc != rc2)
        abort();
    if (rc != 0) {
        if (rc != MOAT_EINVAL || *out != 7)
            abort();
        return rc;
    }
    if (*out < -1 || *out > 1 || back != -*out)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v[3] = { NULL, NULL, NULL };
    bool ok[3] = { false, false, false };
    int r[3][3];
    size_t n = 0, start = 1;

    if (size < 1)
        return 0;
    eco = data[0] >= '0' && data[0] <= '9' ? data[0] - '0' : data[0] % (DEPS_ECO_COUNT + 1);
    /* strings longer than DEPS_MAX_VERSION are kept: they must be refused */
    for (size_t i = 1; i <= size && n < 3; i++) {
        if (i == size || data[i] == '\n') {
            v[n] = malloc(i - start + 1);
            if (!v[n])
                abort();
            memcpy(v[n], data + start, i - start);
            v[n][i - start] = '\0';
            n++;
            start = i + 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int self;
        ok[i] = checked(v[i], v[i], &self) == 0;
        if (ok[i] && self != 0)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int rc = checked(v[i], v[j], &r[i][j]);
            /* a pair is a version pair exactly when both are versions */
            if ((rc == 0) != (ok[i] && ok[j]))
                abort();
        }
    }
    /* Maven's ComparableVersion itself is not transitive on some odd
     * strings (0.ga-- < .-rcga-- < .rc-- yet 0.ga-- > .rc--, as the Maven
     * 3.8.7 jar says too), and moat follows it exactly */
    if (n == 3 && ok[0] && ok[1] && ok[2] && eco != DEPS_ECO_MAVEN) {
        /* transitivity: a <= b <= c gives a <= c, with equality only if both are */
        for (size_t a = 0; a < 3; a++) {
            for (size_t b = 0; b < 3; b++) {
                size_t c = 3 - a - b;
                if (a == b || c == a || c == b)
                    continue;
                if (r[a][b] <= 0 && r[b][c] <= 0 && r[a][c] != (r[a][b] + r[b][c] < 0 ? -1 : 0))
                    abort();
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    return 0;
}
