/* libFuzzer target for cy_load, the YAML loader of the config audits: any
 * bytes give a tree that keeps its invariants (positions, scalar keys, line
 * maps inside the value, the node and depth limits) or an error that says
 * where, and nothing crashes, leaks or runs away on an alias bomb. Every
 * scalar also goes through the GitLab shell reader, whose hits must point
 * inside the script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scan/config/config.h"
#include "fuzz.h"
#include "core/banned.h"

struct sh_check {
    size_t len;
    bool taint_all;
};

static bool sh_tainted(void *arg, const char *name, size_t len)
{
    const struct sh_check *c = arg;
    return c->taint_all || (len > 3 && memcmp(name, "CI_", 3) == 0);
}

static void sh_assigned(void *arg, const char *name, size_t len, const char *var, size_t vlen)
{
    (void)arg;
    if ((len && !name) || !var || !vlen)
        abort();
}

static void sh_hit(void *arg, const struct gl_sh_hit *h)
{
    const struct sh_check *c = arg;

    if (h->off >= c->len || memchr(h->sink, '\0', sizeof(h->sink)) == NULL ||
        (h->ev != GL_SH_DOWNLOAD && (!h->var || !h->var_len)))
        abort();
}

static size_t walk(const struct cy_node *n, unsigned depth)
{
    size_t count = 1;

    if (!n || n->line == 0 || n->col == 0 || n->src_line == 0 || depth > CY_MAX_DEPTH)
        abort();
    if (n->kind == CY_SCALAR) {
        if (!n->str || n->str[n->len] != '\0' || n->n || n->items || n->keys)
            abort();
        for (size_t i = 0; i < n->nlpos; i++)
            if (n->lpos[i].off > n->len || n->lpos[i].line == 0 ||
                (i &&
                 (n->lpos[i].off < n->lpos[i - 1].off || n->lpos[i].line < n->lpos[i - 1].line)))
                abort();
        {
            struct sh_check chk = { n->len, n->len % 2 == 0 };
            struct gl_sh_ops ops = { &chk, sh_tainted, sh_assigned, sh_hit };
            gl_sh_audit(n->str, n->len, &ops);
        }
        /* every byte has a line, at or after the scalar's own */
        for (size_t off = 0; off <= n->len; off += 1 + n->len / 8)
            if (cy_line_at(n, off) < n->line || cy_col_at(n, off) == 0)
                abort();
        return 1;
    }
    if (depth == CY_MAX_DEPTH || n->nlpos || (n->n && !n->items))
        abort();
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == CY_MAP) {
            if (!n->keys[i] || n->keys[i]->kind != CY_SCALAR)
                abort();
            if (cy_get(n, n->keys[i]->str) == NULL && strlen(n->keys[i]->str) == n->keys[i]->len)
                abort();
            count += walk(n->keys[i], depth + 1);
        }
        count += walk(n->items[i], depth + 1);
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cy_doc *d = (struct cy_doc *)&d;
    struct moat_err err = { 0, "" };
    unsigned line, col;
    size_t nodes = 0;
    int rc = cy_load(data, size, &d, &err);

    if (rc != 0) {
        /* a failure leaves nothing behind and says where: "line:col: what" */
        if (d || err.rc != rc || (rc != MOAT_EPARSE && rc != MOAT_ETOOBIG) ||
            sscanf(err.msg, "%u:%u: ", &line, &col) != 2 || line == 0 || col == 0)
            abort();
        return 0;
    }
    if (!d || cy_ndocs(d) > CY_MAX_DOCS || cy_root(d, cy_ndocs(d)))
        abort();
    for (size_t i = 0; i < cy_ndocs(d); i++)
        if (cy_root(d, i))
            nodes += walk(cy_root(d, i), 0);
    /* keys are counted here as nodes of their own, as the loader counts them */
    if (nodes > CY_MAX_NODES)
        abort();
    cy_free(d);
    return 0;
}
