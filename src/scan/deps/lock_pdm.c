/* pdm.lock: [[package]] tables with name, version, files (hashes) and PEP
 * 508 dependency strings. A package whose `groups` lacks "default" is DEV;
 * entries that repeat a release for its extras are folded into one package;
 * editable entries are the user's own code and are left out. Old locks keep
 * hashes in [metadata.files] under "name version" keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lock_py.h"
#include "toml.h"
#include "core/banned.h"

static int files_hash(struct py_toml *c, const struct toml_value *files, struct py_hash *h)
{
    if (files->type != TOML_ARRAY)
        return py_toml_bad(c, files->line, "\"files\" is not an array");
    for (size_t i = 0; i < files->n; i++) {
        const struct toml_value *f = files->items[i], *hv;
        if (f->type != TOML_TABLE)
            return py_toml_bad(c, f->line, "a files entry is not a table");
        if ((hv = toml_get(f, "hash")) &&
            (hv->type != TOML_STRING || py_hash_offer_str(h, hv->str, hv->len) != 0))
            return py_toml_bad(c, hv->line, "malformed hash");
    }
    return 0;
}

/* The package a release already has, by name and version, or SIZE_MAX. */
static int find(struct py_toml *c, const char *version, unsigned line, size_t *out)
{
    *out = SIZE_MAX;
    for (size_t k = py_index_first(&c->names, c->norm.data, c->norm.len); k != SIZE_MAX;
         k = py_index_next(&c->names, k)) {
        if (py_work(&c->budget) != 0)
            return py_toml_too_many(c, line);
        if (c->l->pkgs[k].version && strcmp(c->l->pkgs[k].version, version) == 0) {
            *out = k;
            break;
        }
    }
    return 0;
}

static int package(struct py_toml *c, const struct toml_value *t, size_t *owner)
{
    const struct toml_value *name, *ver, *v;
    struct deps_pkg p = { 0 };
    struct py_hash h = { 0 };
    size_t idx;
    int rc;

    *owner = SIZE_MAX;
    if (t->type != TOML_TABLE)
        return py_toml_bad(c, t->line, "[[package]] entry is not a table");
    name = toml_get_type(t, "name", TOML_STRING);
    ver = toml_get_type(t, "version", TOML_STRING);
    if (!name || !py_valid_name(name->str, name->len))
        return py_toml_bad(c, t->line, "package without a valid name");
    if (!ver || ver->len == 0 || ver->len > DEPS_MAX_VERSION)
        return py_toml_bad(c, t->line, "package without a valid version");
    if ((v = toml_get(t, "editable")) && v->type == TOML_BOOLEAN && v->boolean)
        return 0; /* the user's own code in development mode */
    if ((v = toml_get(t, "groups"))) {
        bool dflt = false;
        if (v->type != TOML_ARRAY)
            return py_toml_bad(c, v->line, "\"groups\" is not an array");
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->type == TOML_STRING && strcmp(v->items[i]->str, "default") == 0)
                dflt = true;
        if (!dflt)
            p.flags |= DEPS_PKG_DEV;
    }
    if ((v = toml_get(t, "files")) && (rc = files_hash(c, v, &h)) != 0)
        return rc;
    if ((rc = py_pep503(name->str, name->len, &c->norm)) != 0)
        return py_toml_bad(c, t->line, "package name too long");
    if ((rc = find(c, ver->str, t->line, &idx)) != 0)
        return rc;
    if (idx != SIZE_MAX) {
        /* the same release again, locked for its extras: one package, dev
         * only if every entry is */
        struct deps_pkg *q = &c->l->pkgs[idx];
        if (!(p.flags & DEPS_PKG_DEV))
            q->flags &= ~(unsigned)DEPS_PKG_DEV;
        if (!q->hash)
            py_hash_apply(c->l, q, &h);
        *owner = idx;
        return 0;
    }
    p.eco = DEPS_ECO_PYPI;
    p.name = deps_lock_strdup(c->l, name->str, name->len);
    p.version = deps_lock_strdup(c->l, ver->str, ver->len);
    p.line = t->line;
    py_hash_apply(c->l, &p, &h);
    if ((rc = deps_lock_add(c->l, &p, &idx)) != 0)
        return moat_err_set(c->err, rc, "%s:%u: more than %d packages", c->src->path, t->line,
                            DEPS_MAX_PACKAGES);
    py_index_add(&c->names, c->norm.data, c->norm.len, idx);
    *owner = idx;
    return 0;
}

/* [metadata.files] "name version" = [{url/file, hash}, ...] (lock 3.x). */
static int metadata_files(struct py_toml *c, const struct toml_value *files)
{
    int rc;

    if (files->type != TOML_TABLE)
        return py_toml_bad(c, files->line, "[metadata.files] is not a table");
    for (size_t i = 0; i < files->n; i++) {
        struct py_hash h = { 0 };
        const char *key = files->keys[i], *sp = strchr(key, ' ');
        size_t idx;
        if ((rc = files_hash(c, files->items[i], &h)) != 0)
            return rc;
        if (!sp || py_pep503(key, (size_t)(sp - key), &c->norm) != 0)
            continue;
        if ((rc = find(c, sp + 1, files->items[i]->line, &idx)) != 0)
            return rc;
        if (idx != SIZE_MAX && !c->l->pkgs[idx].hash)
            py_hash_apply(c->l, &c->l->pkgs[idx], &h);
    }
    return 0;
}

/* dependencies = ["idna>=2.0", "requests[socks]==2.31; python_version<'3.8'"] */
static int link(struct py_toml *c, size_t from, const struct toml_value *deps)
{
    if (deps->type != TOML_ARRAY)
        return py_toml_bad(c, deps->line, "\"dependencies\" is not an array");
    for (size_t i = 0; i < deps->n; i++) {
        const struct toml_value *d = deps->items[i];
        size_t n = 0;
        if (d->type != TOML_STRING)
            return py_toml_bad(c, d->line, "a dependency is not a string");
        while (n < d->len && (strchr("-_.", d->str[n]) || (d->str[n] >= '0' && d->str[n] <= '9') ||
                              ((d->str[n] | 0x20) >= 'a' && (d->str[n] | 0x20) <= 'z')))
            n++;
        if (!py_valid_name(d->str, n))
            return py_toml_bad(c, d->line, "a dependency without a valid name");
        if (py_pep503(d->str, n, &c->norm) != 0)
            continue;
        for (size_t k = py_index_first(&c->names, c->norm.data, c->norm.len); k != SIZE_MAX;
             k = py_index_next(&c->names, k))
            if (k != from && py_depend(c->l, from, k, &c->budget) != 0)
                return py_toml_too_many(c, d->line);
    }
    return 0;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct py_toml c = { 0 };
    const struct toml_value *root, *pkgs, *meta, *v;
    size_t *owner = NULL;
    const char *lv;
    int rc;

    if ((rc = py_toml_open(&c, src, l, err)) != 0)
        goto out;
    root = toml_root(c.doc);
    meta = toml_get_type(root, "metadata", TOML_TABLE);
    l->format = "pdm.lock";
    if ((lv = toml_get_str(meta, "lock_version")) && strlen(lv) < 16) {
        char fmt[32];
        if (moat_snprintf(fmt, sizeof(fmt), "pdm.lock v%s", lv) == 0)
            l->format = deps_lock_strdup(l, fmt, strlen(fmt));
    }
    pkgs = toml_get(root, "package");
    if (pkgs && pkgs->type != TOML_ARRAY) {
        rc = py_toml_bad(&c, pkgs->line, "\"package\" is not an array of tables");
        goto out;
    }
    if (pkgs) {
        owner = moat_calloc(pkgs->n ? pkgs->n : 1, sizeof(*owner));
        for (size_t i = 0; i < pkgs->n; i++)
            if ((rc = package(&c, pkgs->items[i], &owner[i])) != 0)
                goto out;
    }
    if (meta && (v = toml_get(meta, "files")) && (rc = metadata_files(&c, v)) != 0)
        goto out;
    for (size_t i = 0; pkgs && i < pkgs->n; i++)
        if (owner[i] != SIZE_MAX && (v = toml_get(pkgs->items[i], "dependencies")) &&
            (rc = link(&c, owner[i], v)) != 0)
            goto out;
out:
    free(owner);
    py_toml_close(&c);
    return rc;
}

const struct deps_format deps_format_pdm_lock = {
    .name = "pdm.lock",
    .parse = parse,
};
