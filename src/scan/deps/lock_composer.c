/* Composer's composer.lock: "packages" and "packages-dev" (development-only),
 * names lowercased as Packagist compares them, versions as written ("v4.4.0"
 * is what the advisories name too), dist.shasum as sha1, and "require" as
 * the dependency relation (a "replace" or "provide" of another package
 * stands in for it). See docs/deps/lockfiles-js.md. */
#include <stdlib.h>
#include <string.h>
#include "lock_js.h"
#include "core/banned.h"

struct item {
    const json_t *obj;
    size_t pkg;
};

struct items {
    struct item *v;
    size_t n, cap;
};

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static int add_list(const struct deps_source *src, struct lockjs_json *j, struct lockjs_pkgs *pkgs,
                    const char *field, struct items *items, struct moat_map *names,
                    struct moat_err *err)
{
    const json_t *arr = json_object_get(j->root, field), *obj;
    size_t i;

    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return lockjs_fail(err, MOAT_EPARSE, src->path, lockjs_json_line(j, arr),
                           "\"%s\" is not an array", field);
    json_array_foreach(arr, i, obj)
    {
        struct lockjs_entry e = { .eco = DEPS_ECO_PACKAGIST };
        const json_t *dist = json_object_get(obj, "dist");
        struct item it = { obj, 0 };
        const char *sum;
        size_t sumlen;
        char *name;
        int rc;

        e.line = lockjs_json_line(j, obj);
        if (!json_is_object(obj))
            return lockjs_fail(err, MOAT_EPARSE, src->path,
                               e.line ? e.line : lockjs_json_line(j, arr),
                               "%s[%zu] is not an object", field, i);
        if (lockjs_json_str(obj, "name", &e.name, &e.name_len) != 1 ||
            lockjs_json_str(obj, "version", &e.version, &e.version_len) != 1)
            return lockjs_fail(err, MOAT_EPARSE, src->path, e.line,
                               "%s[%zu] has no \"name\" and \"version\" strings", field, i);
        /* the line naming the package, rather than its opening brace */
        if (lockjs_json_line(j, json_object_get(obj, "name")))
            e.line = lockjs_json_line(j, json_object_get(obj, "name"));
        name = moat_strndup(e.name, e.name_len);
        lower(name);
        e.name = name;
        if (strcmp(field, "packages-dev") == 0)
            e.flags |= DEPS_PKG_DEV;
        if (json_is_object(dist) && lockjs_json_str(dist, "shasum", &sum, &sumlen) == 1 &&
            (e.hash = lockjs_hex(pkgs->l, sum, sumlen, 20)))
            e.hash_alg = "sha1";
        rc = lockjs_pkgs_add(pkgs, &e, &it.pkg, err);
        if (rc == 0 && !moat_map_get(names, name, e.name_len))
            moat_map_put(names, name, e.name_len, (void *)(uintptr_t)(it.pkg + 1));
        free(name);
        if (rc != 0)
            return rc;
        MOAT_VEC_PUSH(items, it);
    }
    return 0;
}

/* Map the names a package replaces or provides to it, unless a package of
 * that name is locked itself. */
static void add_aliases(const struct items *items, struct moat_map *names)
{
    static const char *const fields[] = { "replace", "provide" };

    for (size_t i = 0; i < items->n; i++)
        for (size_t f = 0; f < 2; f++) {
            const json_t *m = json_object_get(items->v[i].obj, fields[f]);
            const char *k;
            json_t *v;
            if (!json_is_object(m))
                continue;
            json_object_foreach((json_t *)m, k, v)
            {
                char *name = moat_strdup(k);
                lower(name);
                if (!moat_map_get(names, name, strlen(name)))
                    moat_map_put(names, name, strlen(name),
                                 (void *)(uintptr_t)(items->v[i].pkg + 1));
                free(name);
            }
        }
}

static const char *const composer_prod[] = { "require", NULL };
static const char *const composer_dev[] = { "require-dev", NULL };

static int parse(const struct deps_source *src, struct deps_lock *l, struct moat_err *err)
{
    struct items items = { 0 };
    struct lockjs_json j;
    struct lockjs_pkgs pkgs;
    struct moat_map names; /* lowercase name -> package index + 1 */
    struct lockjs_manifest m = { 0 };
    int rc;

    lockjs_pkgs_init(&pkgs, l, src->path);
    moat_map_init(&names);
    if ((rc = lockjs_json_load(src, "name", &j, err)) != 0)
        goto out;
    if (!json_is_object(j.root)) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, 1, "top level is not an object");
        goto out;
    }
    if (!json_object_get(j.root, "packages")) {
        rc = lockjs_fail(err, MOAT_EPARSE, src->path, 0, "no \"packages\" array");
        goto out;
    }
    if ((rc = add_list(src, &j, &pkgs, "packages", &items, &names, err)) != 0 ||
        (rc = add_list(src, &j, &pkgs, "packages-dev", &items, &names, err)) != 0)
        goto out;
    add_aliases(&items, &names);
    for (size_t i = 0; i < items.n; i++) {
        const json_t *req = json_object_get(items.v[i].obj, "require");
        const char *k;
        json_t *v;
        if (!json_is_object(req))
            continue;
        json_object_foreach((json_t *)req, k, v)
        {
            /* php, ext-*, lib-* are platform requirements, never locked */
            char *name = moat_strdup(k);
            void *hit;
            lower(name);
            hit = moat_map_get(&names, name, strlen(name));
            free(name);
            if (hit && (rc = lockjs_depend(&pkgs, items.v[i].pkg, (uintptr_t)hit - 1, err)) != 0)
                goto out;
        }
    }
    /* composer.lock does not copy composer.json's requirements: when it is
     * beside the lockfile, what it requires is direct; else a locked package
     * nothing requires is there because the project asks for it */
    if (lockjs_manifest_load(src, "composer.json", composer_prod, composer_dev, &m)) {
        unsigned char *root = moat_calloc(l->n ? l->n : 1, 1);
        for (size_t i = 0; i < m.v.n; i++) {
            char *name = moat_strdup(m.v.v[i].name);
            void *hit;
            lower(name);
            if ((hit = moat_map_get(&names, name, strlen(name))))
                root[(uintptr_t)hit - 1] |= m.v.v[i].bits;
            free(name);
        }
        lockjs_mark_asked(l, root);
        free(root);
    } else {
        lockjs_mark_roots(l, NULL);
    }
    lockjs_finish(l);
    l->format = "composer.lock";
out:
    lockjs_manifest_release(&m);
    free(items.v);
    lockjs_json_release(&j);
    moat_map_release(&names, NULL);
    lockjs_pkgs_release(&pkgs);
    return rc;
}

const struct deps_format lock_composer_format = {
    .name = "composer.lock",
    .parse = parse,
};
