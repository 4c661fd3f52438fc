/* A small YAML loader for the lockfile parsers (pnpm-lock.yaml, yarn berry's
 * yarn.lock): libyaml events into a tree in one arena, every node with its
 * line, one tree per document of the stream (pnpm 11 writes two). An alias
 * shares its anchor's node instead of copying it, and counts at the anchor's
 * full expanded size against LOCKJS_MAX_YAML_NODES, so a "billion laughs"
 * document is refused before anything walks it. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "lock_js.h"
#include "core/banned.h"

struct open {
    struct lockjs_ynode *node;
    MOAT_VEC(struct lockjs_ynode *) kids;
    char *anchor; /* registered when the node is complete */
};

struct loader {
    const struct deps_source *src;
    struct lockjs_ydoc *doc;
    struct open st[DEPS_MAX_DEPTH];
    size_t depth;
    struct moat_map anchors;              /* name -> complete node */
    size_t expanded;                      /* nodes the document stands for, aliases expanded */
    struct moat_linemap lm;               /* libyaml's lines to moat's */
    MOAT_VEC(struct lockjs_ynode *) docs; /* each document's root, in order */
    bool done;
};

static size_t sat_add(size_t a, size_t b)
{
    return a + b < a ? (size_t)-1 : a + b;
}

static int charge(struct loader *ld, size_t weight, unsigned line, struct moat_err *err)
{
    ld->expanded = sat_add(ld->expanded, weight);
    if (ld->expanded > LOCKJS_MAX_YAML_NODES)
        return lockjs_fail(err, MOAT_ETOOBIG, ld->src->path, line,
                           "YAML expands to more than %u nodes (aliases counted in full)",
                           LOCKJS_MAX_YAML_NODES);
    return 0;
}

static struct lockjs_ynode *new_node(struct loader *ld, enum lockjs_ykind kind, unsigned line)
{
    struct lockjs_ynode *n = moat_arena_alloc(&ld->doc->arena, sizeof(*n));

    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->line = line;
    n->weight = 1;
    n->str = "";
    return n;
}

/* A finished node: register its anchor, hang it on its parent. */
static void attach(struct loader *ld, struct lockjs_ynode *n, const unsigned char *anchor)
{
    struct open *p;

    if (anchor)
        moat_map_put(&ld->anchors, (const char *)anchor, strlen((const char *)anchor), n);
    if (ld->depth == 0) {
        MOAT_VEC_PUSH(&ld->docs, n);
        return;
    }
    p = &ld->st[ld->depth - 1];
    MOAT_VEC_PUSH(&p->kids, n);
    p->node->weight = sat_add(p->node->weight, n->weight);
}

static int on_event(struct loader *ld, const yaml_event_t *ev, struct moat_err *err)
{
    unsigned line = moat_linemap_line(&ld->lm, ev->start_mark.line);
    struct lockjs_ynode *n;
    struct open *o;
    int rc;

    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if ((rc = charge(ld, 1, line, err)) != 0)
            return rc;
        n = new_node(ld, LOCKJS_YSCALAR, line);
        n->str = moat_arena_strndup(&ld->doc->arena, (const char *)ev->data.scalar.value,
                                    ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        attach(ld, n, ev->data.scalar.anchor);
        return 0;
    case YAML_ALIAS_EVENT: {
        const char *a = (const char *)ev->data.alias.anchor;
        /* anchors are registered only once complete, so an alias can never
         * reach a node that contains it: the tree stays acyclic */
        n = moat_map_get(&ld->anchors, a, strlen(a));
        if (!n)
            return lockjs_fail(err, MOAT_EPARSE, ld->src->path, line, "unknown YAML alias *%.64s",
                               a);
        if ((rc = charge(ld, n->weight, line, err)) != 0)
            return rc;
        attach(ld, n, NULL);
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        const unsigned char *anchor = ev->type == YAML_SEQUENCE_START_EVENT
                                          ? ev->data.sequence_start.anchor
                                          : ev->data.mapping_start.anchor;
        if (ld->depth >= DEPS_MAX_DEPTH)
            return lockjs_fail(err, MOAT_ETOOBIG, ld->src->path, line,
                               "nesting deeper than %d levels", DEPS_MAX_DEPTH);
        if ((rc = charge(ld, 1, line, err)) != 0)
            return rc;
        o = &ld->st[ld->depth++];
        memset(o, 0, sizeof(*o));
        o->node =
            new_node(ld, ev->type == YAML_SEQUENCE_START_EVENT ? LOCKJS_YSEQ : LOCKJS_YMAP, line);
        o->anchor = anchor ? moat_strdup((const char *)anchor) : NULL;
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        char *anchor;
        if (ld->depth == 0)
            MOAT_BUG("libyaml closed a collection that was not open");
        o = &ld->st[--ld->depth];
        n = o->node;
        n->n = n->kind == LOCKJS_YMAP ? o->kids.n / 2 : o->kids.n;
        if (o->kids.n) {
            n->kids = moat_arena_alloc(&ld->doc->arena, o->kids.n * sizeof(*n->kids));
            memcpy(n->kids, o->kids.v, o->kids.n * sizeof(*n->kids));
        }
        free(o->kids.v);
        anchor = o->anchor;
        memset(o, 0, sizeof(*o));
        attach(ld, n, (const unsigned char *)anchor);
        free(anchor);
        return 0;
    }
    case YAML_DOCUMENT_END_EVENT:
        /* an anchor names a node of its own document only */
        moat_map_release(&ld->anchors, NULL);
        moat_map_init(&ld->anchors);
        return 0;
    case YAML_STREAM_END_EVENT: ld->done = true; return 0;
    default: return 0;
    }
}

int lockjs_yaml_load(const struct deps_source *src, struct lockjs_ydoc *doc, struct moat_err *err)
{
    struct loader ld;
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc;

    memset(doc, 0, sizeof(*doc));
    moat_arena_init(&doc->arena, 256u << 10);
    if ((rc = deps_source_check_size(src, err)) != 0)
        return rc;
    memset(&ld, 0, sizeof(ld));
    ld.src = src;
    ld.doc = doc;
    moat_map_init(&ld.anchors);
    moat_linemap_init(&ld.lm, src->data, src->len);
    if (!yaml_parser_initialize(&parser))
        MOAT_BUG("yaml_parser_initialize: out of memory");
    /* lockfiles are UTF-8; decoding UTF-16 would cut marks loose from bytes */
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&parser, src->data, src->len);
    while (!ld.done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = lockjs_fail(err, MOAT_EPARSE, src->path,
                             moat_linemap_line(&ld.lm, parser.problem_mark.line),
                             "invalid YAML: %s%s%s", parser.problem ? parser.problem : "error",
                             parser.context ? " " : "", parser.context ? parser.context : "");
            goto out;
        }
        rc = on_event(&ld, &ev, err);
        yaml_event_delete(&ev);
        if (rc != 0)
            goto out;
    }
    if (ld.docs.n) {
        doc->root = ld.docs.v[0];
        doc->docs = moat_arena_alloc(&doc->arena, ld.docs.n * sizeof(*doc->docs));
        memcpy(doc->docs, ld.docs.v, ld.docs.n * sizeof(*doc->docs));
        doc->ndocs = ld.docs.n;
    }
out:
    free(ld.docs.v);
    for (size_t i = 0; i < ld.depth; i++) {
        free(ld.st[i].kids.v);
        free(ld.st[i].anchor);
    }
    moat_map_release(&ld.anchors, NULL);
    moat_linemap_release(&ld.lm);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        doc->root = NULL;
        doc->docs = NULL;
        doc->ndocs = 0;
    }
    return rc;
}

void lockjs_yaml_release(struct lockjs_ydoc *doc)
{
    moat_arena_release(&doc->arena);
    doc->root = NULL;
    doc->docs = NULL;
    doc->ndocs = 0;
}

const struct lockjs_ynode *lockjs_yget(const struct lockjs_ynode *map, const char *key)
{
    size_t klen = strlen(key);

    if (!map || map->kind != LOCKJS_YMAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const struct lockjs_ynode *k = map->kids[2 * i];
        if (k->kind == LOCKJS_YSCALAR && k->len == klen && memcmp(k->str, key, klen) == 0)
            return map->kids[2 * i + 1];
    }
    return NULL;
}

bool lockjs_yscalar(const struct lockjs_ynode *n)
{
    if (!n || n->kind != LOCKJS_YSCALAR)
        return false;
    if (!n->plain)
        return true;
    return !(n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
             strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

bool lockjs_yis(const struct lockjs_ynode *n, const char *s)
{
    return n && n->kind == LOCKJS_YSCALAR && n->len == strlen(s) && memcmp(n->str, s, n->len) == 0;
}
