/* poetry.lock: one [[package]] table per locked release. DEV comes from
 * `category = "dev"` (lock 1.x) or `groups` without "main" (lock 2.1),
 * OPTIONAL from `optional = true`; hashes from `files = [...]` or, in old
 * locks, [metadata.files]; edges from [package.dependencies]. Local
 * directory packages are the user's own code and are left out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lock_py.h"
#include "toml.h"
#include "core/banned.h"

/* files = [{file = "...", hash = "sha256:..."}, ...] */
static int files_hash(struct py_toml *c, const struct toml_value *files, struct py_hash *h)
{
    for (size_t i = 0; files && i < files->n; i++) {
        const struct toml_value *f = files->items[i], *hv;
        if (f->type != TOML_TABLE)
            return py_toml_bad(c, f->line, "a files entry is not a table");
        if (!(hv = toml_get(f, "hash")))
            continue;
        if (hv->type != TOML_STRING || py_hash_offer_str(h, hv->str, hv->len) != 0)
            return py_toml_bad(c, hv->line, "malformed hash");
    }
    return 0;
}

static bool in_main_group(const struct toml_value *groups)
{
    for (size_t i = 0; i < groups->n; i++)
        if (groups->items[i]->type == TOML_STRING && strcmp(groups->items[i]->str, "main") == 0)
            return true;
    return false;
}

static int package(struct py_toml *c, const struct toml_value *t)
{
    const struct toml_value *name, *ver, *v;
    struct deps_pkg p = { 0 };
    struct py_hash h = { 0 };
    const char *cat, *stype;
    size_t idx;
    int rc;

    if (t->type != TOML_TABLE)
        return py_toml_bad(c, t->line, "[[package]] entry is not a table");
    name = toml_get_type(t, "name", TOML_STRING);
    ver = toml_get_type(t, "version", TOML_STRING);
    if (!name || !py_valid_name(name->str, name->len))
        return py_toml_bad(c, t->line, "package without a valid name");
    if (!ver || ver->len == 0 || ver->len > DEPS_MAX_VERSION)
        return py_toml_bad(c, t->line, "package without a valid version");
    v = toml_get(t, "source");
    if (v && v->type != TOML_TABLE)
        return py_toml_bad(c, v->line, "\"source\" is not a table");
    stype = toml_get_str(v, "type");
    if (stype && strcmp(stype, "directory") == 0)
        return 0; /* the user's own code, not a release from an index */
    p.eco = DEPS_ECO_PYPI;
    p.name = deps_lock_strdup(c->l, name->str, name->len);
    p.version = deps_lock_strdup(c->l, ver->str, ver->len);
    p.line = t->line;
    cat = toml_get_str(t, "category");
    if (cat && strcmp(cat, "dev") == 0)
        p.flags |= DEPS_PKG_DEV;
    if ((v = toml_get(t, "groups"))) {
        if (v->type != TOML_ARRAY)
            return py_toml_bad(c, v->line, "\"groups\" is not an array");
        if (!in_main_group(v))
            p.flags |= DEPS_PKG_DEV;
    }
    if ((v = toml_get(t, "optional")) && v->type == TOML_BOOLEAN && v->boolean)
        p.flags |= DEPS_PKG_OPTIONAL;
    if ((v = toml_get(t, "files")) && v->type != TOML_ARRAY)
        return py_toml_bad(c, v->line, "\"files\" is not an array");
    if ((rc = files_hash(c, v, &h)) != 0)
        return rc;
    py_hash_apply(c->l, &p, &h);
    if ((rc = deps_lock_add(c->l, &p, &idx)) != 0)
        return moat_err_set(c->err, rc, "%s:%u: more than %d packages", c->src->path, t->line,
                            DEPS_MAX_PACKAGES);
    if (py_pep503(name->str, name->len, &c->norm) == 0)
        py_index_add(&c->names, c->norm.data, c->norm.len, idx);
    return 0;
}

/* Old locks keep hashes apart: [metadata.files] name = [{file, hash}, ...]. */
static int metadata_files(struct py_toml *c, const struct toml_value *files)
{
    int rc;

    if (files->type != TOML_TABLE)
        return py_toml_bad(c, files->line, "[metadata.files] is not a table");
    for (size_t i = 0; i < files->n; i++) {
        struct py_hash h = { 0 };
        const struct toml_value *arr = files->items[i];
        if (arr->type != TOML_ARRAY)
            return py_toml_bad(c, arr->line, "a [metadata.files] entry is not an array");
        if ((rc = files_hash(c, arr, &h)) != 0)
            return rc;
        if (py_pep503(files->keys[i], strlen(files->keys[i]), &c->norm) != 0)
            continue;
        for (size_t k = py_index_first(&c->names, c->norm.data, c->norm.len); k != SIZE_MAX;
             k = py_index_next(&c->names, k)) {
            if (py_work(&c->budget) != 0)
                return py_toml_too_many(c, arr->line);
            if (!c->l->pkgs[k].hash)
                py_hash_apply(c->l, &c->l->pkgs[k], &h);
        }
    }
    return 0;
}

/* [package.dependencies] names -> edges to every locked release of that name. */
static int link(struct py_toml *c, size_t from, const struct toml_value *deps)
{
    for (size_t i = 0; i < deps->n; i++) {
        if (py_pep503(deps->keys[i], strlen(deps->keys[i]), &c->norm) != 0)
            continue;
        for (size_t k = py_index_first(&c->names, c->norm.data, c->norm.len); k != SIZE_MAX;
             k = py_index_next(&c->names, k))
            if (k != from && py_depend(c->l, from, k, &c->budget) != 0)
                return py_toml_too_many(c, deps->items[i]->line);
    }
    return 0;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct py_toml c = { 0 };
    const struct toml_value *root, *pkgs, *meta, *v;
    const char *lv;
    size_t *owner = NULL; /* package index of each [[package]], or SIZE_MAX */
    int rc;

    if ((rc = py_toml_open(&c, src, l, err)) != 0)
        goto out;
    root = toml_root(c.doc);
    meta = toml_get_type(root, "metadata", TOML_TABLE);
    lv = toml_get_str(meta, "lock-version");
    if (lv && strlen(lv) < 16) {
        char fmt[32];
        if (moat_snprintf(fmt, sizeof(fmt), "poetry.lock v%s", lv) == 0)
            l->format = deps_lock_strdup(l, fmt, strlen(fmt));
    } else {
        l->format = "poetry.lock";
    }
    pkgs = toml_get(root, "package");
    if (pkgs && pkgs->type != TOML_ARRAY) {
        rc = py_toml_bad(&c, pkgs->line, "\"package\" is not an array of tables");
        goto out;
    }
    if (pkgs) {
        owner = moat_calloc(pkgs->n ? pkgs->n : 1, sizeof(*owner));
        for (size_t i = 0; i < pkgs->n; i++) {
            size_t before = l->n;
            if ((rc = package(&c, pkgs->items[i])) != 0)
                goto out;
            owner[i] = l->n > before ? before : SIZE_MAX;
        }
    }
    if (meta && (v = toml_get(meta, "files")) && (rc = metadata_files(&c, v)) != 0)
        goto out;
    for (size_t i = 0; pkgs && i < pkgs->n; i++) {
        v = toml_get(pkgs->items[i], "dependencies");
        if (owner[i] == SIZE_MAX || !v)
            continue;
        if (v->type != TOML_TABLE) {
            rc = py_toml_bad(&c, v->line, "\"dependencies\" is not a table");
            goto out;
        }
        if ((rc = link(&c, owner[i], v)) != 0)
            goto out;
    }
out:
    free(owner);
    py_toml_close(&c);
    return rc;
}

const struct deps_format deps_format_poetry_lock = {
    .name = "poetry.lock",
    .parse = parse,
};
