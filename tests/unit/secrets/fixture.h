/* Helpers the secrets tests share: read a file, split a fixture into
 * examples, scan a buffer and collect the rule ids found (never values). */
#ifndef MOAT_TEST_SECRETS_FIXTURE_H
#define MOAT_TEST_SECRETS_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "scan/secrets/secrets.h"

#define FIXTURE_MAX (4u << 20)
#define MAX_FOUND   64

struct found {
    const char *id[MAX_FOUND];
    size_t off[MAX_FOUND];
    enum secrets_layer layer[MAX_FOUND];
    size_t n;
};

static void collect(void *ctx, const struct secrets_match *m)
{
    struct found *f = ctx;

    if (f->n < MAX_FOUND) {
        f->id[f->n] = m->rule->id;
        f->off[f->n] = m->off;
        f->layer[f->n] = m->layer;
        f->n++;
    }
}

static inline bool found_has(const struct found *f, const char *id)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->id[i], id) == 0)
            return true;
    return false;
}

static inline void scan_text(const struct secrets_engine *e, struct secrets_scratch *s,
                             const char *text, size_t len, struct found *f)
{
    f->n = 0;
    if (secrets_engine_scan(e, s, (const unsigned char *)text, len, 0, collect, f) != f->n &&
        f->n < MAX_FOUND) {
        /* the count returned and the calls made must agree */
        f->n = SIZE_MAX;
    }
}

/* Read a whole file into a NUL-terminated heap buffer; NULL if missing. */
static inline char *read_all(const char *path, size_t *len)
{
    struct moat_buf b = MOAT_BUF_INIT(FIXTURE_MAX);

    if (moat_fs_read(path, &b, NULL) != 0) {
        moat_buf_release(&b);
        return NULL;
    }
    return moat_buf_detach(&b, len);
}

/* Split a fixture in place. One example per line, or, when the first line is
 * "%%", blocks separated by "%%" lines. Lines starting with "#:" are
 * comments; empty examples are skipped. Returns the number of examples. */
static inline size_t split_examples(char *text, char **ex, size_t max)
{
    bool blocks = strncmp(text, "%%\n", 3) == 0;
    size_t n = 0;
    char *p = blocks ? text + 3 : text;

    while (*p && n < max) {
        char *end = blocks ? strstr(p, "\n%%\n") : strchr(p, '\n');
        char *next;

        if (blocks && !end && strncmp(p, "%%\n", 3) == 0)
            end = p - 1;
        next = end ? end + (blocks ? 4 : 1) : p + strlen(p);
        if (end)
            *end = '\0';
        if (*p && strncmp(p, "#:", 2) != 0)
            ex[n++] = p;
        p = next;
    }
    return n;
}

#endif
