/* libFuzzer target for the store reader (src/scan/deps/db.c): any bytes,
 * as they are and with their checksums made right (deps_db_reseal, so the
 * structural checks behind them are reached), open or fail with a message;
 * an open store answers lookups, a full check and a status walk without
 * reading outside the image. */
#include <stdlib.h>
#include <string.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "fuzz.h"
#include "core/banned.h"

static const char *const names[] = { "left-pad",    "multi",           "limited", "openssl",
                                     "foo-bar-baz", "example.com/mod", "" };

static void probe(const unsigned char *img, size_t len)
{
    struct moat_err err = { 0, "" };
    struct deps_db *db = NULL;
    int rc = deps_db_open_mem(img, len, "fuzz.db", &db, &err);

    if (rc != 0) {
        if (db || err.rc != rc || !strstr(err.msg, "fuzz.db"))
            abort();
        return;
    }
    if (strlen(deps_db_newest(db)) > 31)
        abort();
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        for (int e = 0; e < DEPS_ECO_COUNT; e++) {
            struct deps_matches m;
            deps_matches_init(&m);
            rc = deps_db_match(db, (enum deps_eco)e, names[k], "1.0.1", &m, &err);
            if (rc != 0 && rc != MOAT_EPARSE)
                abort();
            for (size_t i = 0; i < m.n; i++)
                if (!m.v[i].adv.id || !m.v[i].adv.id[0])
                    abort();
            deps_matches_release(&m);
        }
    }
    if (deps_db_verify(db, &err) == 0) {
        for (size_t i = 0; i < deps_db_count(db); i++) {
            const unsigned char *p;
            size_t n;
            struct deps_rec r;
            if (deps_db_record(db, i, &p, &n, &err) == 0 && deps_rec_decode(p, n, &r) == 0 &&
                (size_t)(r.end - p) != n)
                abort();
        }
    }
    deps_db_free(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);

    if (!copy)
        return 0;
    probe(data, size);
    if (size)
        memcpy(copy, data, size);
    deps_db_reseal(copy, size);
    probe(copy, size);
    free(copy);
    return 0;
}
