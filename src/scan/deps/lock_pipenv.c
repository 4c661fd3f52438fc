/* Pipfile.lock (pipenv): "default" packages are runtime, "develop" ones are
 * DEV, other categories OPTIONAL; "version": "==1.2.3" is the pin, "hashes"
 * the digests. VCS, path and editable entries are not index packages and are
 * left out. Each package's line is its key's line. */
#include <stdint.h>
#include <string.h>
#include "lock_py.h"
#include "core/banned.h"

struct ctx {
    const struct deps_source *src;
    struct deps_lock *l;
    struct moat_err *err;
    struct py_lines lines;
    struct py_index runtime; /* default packages by PEP 503 name */
    struct moat_buf norm;
    size_t budget; /* PY_MAX_WORK */
};

static int step_error(struct ctx *c, size_t off)
{
    return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: malformed JSON structure", c->src->path,
                        py_lines_at(&c->lines, off));
}

static int package(struct ctx *c, const char *name, json_t *v, unsigned line, unsigned flags,
                   bool is_default)
{
    struct deps_pkg p = { 0 };
    struct py_hash h = { 0 };
    json_t *ver, *hashes, *x;
    const char *vs;
    size_t i, idx;
    int rc;

    if (!json_is_object(v))
        return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: package \"%.64s\" is not an object",
                            c->src->path, line, name);
    if (!py_valid_name(name, strlen(name)))
        return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: invalid package name", c->src->path, line);
    if (json_is_true(json_object_get(v, "editable")) || json_object_get(v, "git") ||
        json_object_get(v, "path") || json_object_get(v, "file") || json_object_get(v, "hg") ||
        json_object_get(v, "svn") || json_object_get(v, "bzr"))
        return 0; /* built from a checkout or a local path, not an index release */
    ver = json_object_get(v, "version");
    if (!ver)
        return 0;
    if (!json_is_string(ver))
        return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: \"version\" is not a string", c->src->path,
                            line);
    vs = json_string_value(ver);
    if ((rc = py_pep503(name, strlen(name), &c->norm)) != 0)
        return moat_err_set(c->err, rc, "%s:%u: name too long", c->src->path, line);
    p.eco = DEPS_ECO_PYPI;
    p.name = deps_lock_strdup(c->l, name, strlen(name));
    p.line = line;
    p.flags = flags;
    if (strncmp(vs, "===", 3) == 0 || (strncmp(vs, "==", 2) == 0 && !strchr(vs, '*'))) {
        vs += vs[2] == '=' ? 3 : 2;
        if (!*vs || strlen(vs) > DEPS_MAX_VERSION || strpbrk(vs, " ,;<>!~"))
            return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: malformed version", c->src->path,
                                line);
        p.version = deps_lock_strdup(c->l, vs, strlen(vs));
    } else {
        struct moat_buf spec = MOAT_BUF_INIT(DEPS_MAX_NAME + DEPS_MAX_VERSION + 8);
        if (moat_buf_addf(&spec, "%s%s", name, strcmp(vs, "*") == 0 ? "" : vs) != 0) {
            moat_buf_release(&spec);
            return moat_err_set(c->err, MOAT_ETOOBIG, "%s:%u: version too long", c->src->path,
                                line);
        }
        p.spec = deps_lock_strdup(c->l, spec.data, spec.len);
        p.flags |= DEPS_PKG_UNPINNED;
        moat_buf_release(&spec);
    }
    hashes = json_object_get(v, "hashes");
    if (hashes && !json_is_array(hashes))
        return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: \"hashes\" is not an array", c->src->path,
                            line);
    json_array_foreach(hashes, i, x)
    {
        if (!json_is_string(x) ||
            py_hash_offer_str(&h, json_string_value(x), json_string_length(x)) != 0)
            return moat_err_set(c->err, MOAT_EPARSE, "%s:%u: malformed hash", c->src->path, line);
    }
    if (!is_default && p.version) {
        /* also a runtime package at the same version: it is not dev-only */
        for (size_t k = py_index_first(&c->runtime, c->norm.data, c->norm.len); k != SIZE_MAX;
             k = py_index_next(&c->runtime, k)) {
            if (py_work(&c->budget) != 0)
                return moat_err_set(c->err, MOAT_ETOOBIG, "%s:%u: too many duplicate names",
                                    c->src->path, line);
            if (c->l->pkgs[k].version && strcmp(c->l->pkgs[k].version, p.version) == 0)
                return 0;
        }
    }
    py_hash_apply(c->l, &p, &h);
    if ((rc = deps_lock_add(c->l, &p, &idx)) != 0)
        return moat_err_set(c->err, rc, "%s:%u: more than %d packages", c->src->path, line,
                            DEPS_MAX_PACKAGES);
    if (is_default)
        py_index_add(&c->runtime, c->norm.data, c->norm.len, idx);
    return 0;
}

static int section(struct ctx *c, json_t *obj, struct py_jiter *parent, const char *secname)
{
    const char *d = (const char *)c->src->data, *key;
    bool is_default = strcmp(secname, "default") == 0;
    unsigned flags = is_default                        ? 0
                     : strcmp(secname, "develop") == 0 ? DEPS_PKG_DEV
                                                       : DEPS_PKG_OPTIONAL;
    struct py_jiter it;
    size_t off;
    json_t *v;
    int rc;

    if (py_jiter_open(&it, d, c->src->len, py_jiter_value(parent)) != 0)
        return step_error(c, py_jiter_value(parent));
    json_object_foreach(obj, key, v)
    {
        if (py_jiter_next(&it, key, &off) != 1)
            return step_error(c, it.off);
        if ((rc = package(c, key, v, py_lines_at(&c->lines, off), flags, is_default)) != 0)
            return rc;
    }
    if (py_jiter_next(&it, NULL, &off) != 0)
        return step_error(c, it.off);
    py_jiter_skip_to(parent, it.off);
    return 0;
}

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct ctx c = { 0 };
    const char *d = (const char *)src->data, *key;
    struct py_jiter it;
    json_t *root = NULL, *v, *spec;
    size_t off, start = 0;
    int rc;

    c.src = src;
    c.l = l;
    c.err = err;
    c.budget = PY_MAX_WORK;
    moat_buf_init(&c.norm, DEPS_MAX_NAME + 1);
    py_index_init(&c.runtime);
    if ((rc = py_json_load(src, &root, err)) != 0)
        goto out;
    py_lines_init(&c.lines, d, src->len);
    if (!json_is_object(root)) {
        rc = moat_err_set(err, MOAT_EPARSE, "%s:1: not a Pipfile.lock (no top-level object)",
                          src->path);
        goto out;
    }
    spec = json_object_get(json_object_get(root, "_meta"), "pipfile-spec");
    l->format =
        json_is_integer(spec) && json_integer_value(spec) == 6 ? "Pipfile.lock v6" : "Pipfile.lock";
    while (start < src->len && d[start] != '{')
        start++;
    if ((rc = py_jiter_open(&it, d, src->len, start)) != 0) {
        rc = step_error(&c, start);
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        if (py_jiter_next(&it, key, &off) != 1) {
            rc = step_error(&c, it.off);
            goto out;
        }
        if (key[0] == '_' ||
            (!json_is_object(v) && strcmp(key, "default") != 0 && strcmp(key, "develop") != 0))
            continue; /* _meta, and whatever a later pipenv adds that is not a category */
        if (!json_is_object(v)) {
            rc = moat_err_set(err, MOAT_EPARSE, "%s:%u: \"%.64s\" is not an object", src->path,
                              py_lines_at(&c.lines, off), key);
            goto out;
        }
        if ((rc = section(&c, v, &it, key)) != 0)
            goto out;
    }
out:
    json_decref(root);
    py_index_release(&c.runtime);
    moat_buf_release(&c.norm);
    return rc;
}

const struct deps_format deps_format_pipfile_lock = {
    .name = "Pipfile.lock",
    .parse = parse,
};
