/* libFuzzer target for the OSV advisory encoder (src/scan/deps/osv.c) and
 * the evaluation algorithm (osv_match.c): any bytes give a record or an
 * error with a message; a record decodes, builds into a store that opens,
 * and evaluates against a few versions without reading past anything. */
#include <stdlib.h>
#include <string.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "fuzz.h"
#include "core/banned.h"

static const char *const versions[] = { "0",      "1.0.0",  "1.0.1",   "2.0.0-rc.1",
                                        "v1.4.0", "1.0rc1", "1:2.3-4", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_buf rec = MOAT_BUF_INIT(DEPS_OSV_MAX_RECORD), img = MOAT_BUF_INIT(64u << 20);
    struct moat_err err = { 0, "" };
    struct deps_rec r;
    struct deps_db_in in;
    struct deps_db *db = NULL;
    const unsigned char *p;
    int rc;

    moat_log_set_level(MOAT_LOG_ERROR);
    rc = deps_osv_encode_text((const char *)data, size, &rec, &err);
    if (rc != 0) {
        /* a failure says why and leaves nothing behind */
        if (err.rc != rc || !err.msg[0] || rec.len != 0)
            abort();
        goto out;
    }
    if (deps_rec_decode((const unsigned char *)rec.data, rec.len, &r) != 0)
        abort(); /* the encoder wrote something its decoder refuses */
    p = r.affected;
    for (size_t i = 0; i < r.naffected; i++) {
        struct deps_rec_affected a;
        enum deps_eco eco = DEPS_ECO_NPM;
        deps_rec_affected_next(&p, &a);
        if (a.end > r.end || deps_eco_parse(a.ecosystem, strlen(a.ecosystem), &eco) != 0)
            eco = DEPS_ECO_NPM;
        for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
            const char *fixed = NULL, *last = NULL;
            bool hit = false;
            deps_osv_affected_eval(eco, &a, versions[v], &hit, &fixed, &last);
            if ((fixed || last) && !hit)
                abort();
            if (fixed && last)
                abort();
        }
    }
    in.rec = (const unsigned char *)rec.data;
    in.len = rec.len;
    if (deps_db_build(&in, 1, &img, &err) != 0)
        abort();
    if (deps_db_open_mem(img.data, img.len, "fuzz.db", &db, &err) != 0 ||
        deps_db_verify(db, &err) != 0)
        abort();
    p = r.affected;
    for (size_t i = 0; i < r.naffected; i++) {
        struct deps_rec_affected a;
        enum deps_eco eco;
        deps_rec_affected_next(&p, &a);
        if (deps_eco_parse(a.ecosystem, strlen(a.ecosystem), &eco) != 0)
            continue;
        for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
            struct deps_matches m;
            deps_matches_init(&m);
            if (deps_db_match(db, eco, a.name, versions[v], &m, &err) != 0)
                abort();
            for (size_t k = 0; k < m.n; k++)
                if (strcmp(m.v[k].adv.id, r.id) != 0 || r.withdrawn)
                    abort();
            deps_matches_release(&m);
        }
    }
out:
    deps_db_free(db);
    moat_buf_release(&img);
    moat_buf_release(&rec);
    return 0;
}
