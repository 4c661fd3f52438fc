/* moat scan --git: every blob reachable from the refs (or a revision range),
 * found by walking the commits' trees oldest first, read once from the object
 * database by parallel workers and credited to the commit that introduced it.
 *
 * Commits are listed oldest first (libgit2's revision walk), each with its
 * tree and its origin. Their trees are then walked depth first, skipping every
 * tree and blob already seen: the first commit whose tree holds a blob is the
 * one that introduced it. The list is cut into one segment per thread, each
 * walked with its own repository handle and seen set; a blob met in several
 * segments is credited to the earliest, so the result is the same as one
 * walk's. Each segment repeats the walk of its first full tree: a few hundred
 * objects against tens of thousands saved. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_MAX_BLOBS   (64u << 20) /* unique blobs in one scan (~4 GB of bookkeeping) */
#define GITSRC_MIN_SEGMENT 512         /* commits worth a walking thread of their own */
#define GITSRC_TREE_MAX    SCAN_DEFAULT_MAX_FILE /* bytes of a tree we read ourselves */
#define GITSRC_TREE_CACHE  (32u << 20)           /* bytes of trees each walker keeps */

struct gcommit {
    git_oid tree; /* zero when the commit could not be read */
    struct scan_origin origin;
};

/* A tree being walked, read by our pack reader or, failing that, libgit2. */
struct frame {
    struct gitsrc_obj *obj;
    git_odb_object *gobj;
    const unsigned char *p, *end; /* the entries not parsed yet */
    size_t plen;                  /* length of this tree's path in walker.path */
};

struct hist;

/* One thread's walk. */
struct walker {
    struct hist *h;
    git_repository *repo; /* borrowed when own is NULL */
    git_odb *odb;
    git_repository *own;
    struct gitsrc_reader *rd;
    struct gitsrc_oidset *seen;       /* what this walk has met */
    const struct gitsrc_oidset *base; /* met before it began: cached and hidden; or NULL */
    struct gitsrc_oidset own_seen;
    struct moat_arena arena; /* paths */
    struct moat_map paths;
    MOAT_VEC(struct gitsrc_blob) found; /* new blobs, in commit order */
    MOAT_VEC(struct frame) stack;
    char path[GITSRC_PATH_MAX + 1];
    size_t prefix; /* bytes of path before the tree's own paths ("ref:") */
    const struct scan_origin *origin;
    size_t from, to; /* the segment of h->commits */
    int rc;
    struct moat_err err;
};

struct hist {
    struct moat_scan *s;
    git_repository *repo;
    git_odb *odb;
    struct gitsrc_packs packs;
    struct gitsrc_oidset base; /* the cache's blobs, and all that hidden commits hold */
    struct gitsrc_oidset uniq; /* every blob and tree to scan or walked past */
    struct moat_arena arena;   /* origins and their strings */
    struct moat_map strings;   /* interned names and e-mails */
    struct gcommit *commits;
    size_t ncommits;
    struct walker *walkers;
    size_t nwalkers;
    struct walker main; /* hidden commits and refs to trees, on this thread */
    MOAT_VEC(struct gitsrc_blob) blobs;
    _Atomic size_t missing;
    struct gitsrc_cache cache; /* --cache */
};

static void walker_init(struct walker *w, struct hist *h, struct gitsrc_oidset *seen,
                        const struct gitsrc_oidset *base)
{
    memset(w, 0, sizeof(*w));
    w->h = h;
    w->repo = h->repo;
    w->odb = h->odb;
    gitsrc_oidset_init(&w->own_seen);
    w->seen = seen ? seen : &w->own_seen;
    w->base = base;
    moat_arena_init(&w->arena, 0);
    moat_map_init(&w->paths);
    w->rd = gitsrc_reader_new(&h->packs, GITSRC_TREE_CACHE);
}

static void frame_release(struct frame *f)
{
    gitsrc_obj_release(f->obj);
    git_odb_object_free(f->gobj);
}

static void walker_release(struct walker *w)
{
    if (!w->h)
        return;
    for (size_t i = 0; i < w->stack.n; i++)
        frame_release(&w->stack.v[i]);
    free(w->stack.v);
    gitsrc_reader_free(w->rd);
    free(w->found.v);
    moat_map_release(&w->paths, NULL);
    moat_arena_release(&w->arena);
    gitsrc_oidset_release(&w->own_seen);
    git_odb_free(w->own ? w->odb : NULL);
    git_repository_free(w->own);
    memset(w, 0, sizeof(*w));
}

static void hist_init(struct hist *h, struct moat_scan *s)
{
    memset(h, 0, sizeof(*h));
    h->s = s;
    gitsrc_oidset_init(&h->base);
    gitsrc_oidset_init(&h->uniq);
    moat_arena_init(&h->arena, 0);
    moat_map_init(&h->strings);
    gitsrc_cache_init(&h->cache);
}

static void hist_release(struct hist *h)
{
    walker_release(&h->main);
    for (size_t i = 0; i < h->nwalkers; i++)
        walker_release(&h->walkers[i]);
    free(h->walkers);
    free(h->commits);
    free(h->blobs.v);
    moat_map_release(&h->strings, NULL);
    moat_arena_release(&h->arena);
    gitsrc_oidset_release(&h->base);
    gitsrc_oidset_release(&h->uniq);
    gitsrc_cache_release(&h->cache);
    git_odb_free(h->odb);
    git_repository_free(h->repo);
    gitsrc_packs_release(&h->packs); /* after the repository: its odb reads them */
}

static const char *intern(struct moat_map *m, struct moat_arena *a, const char *str, size_t len)
{
    char *p = moat_map_get(m, str, len);

    if (!p) {
        p = moat_arena_strndup(a, str, len);
        if (moat_map_put(m, str, len, p) != NULL)
            MOAT_BUG("interned string was already there");
    }
    return p;
}

/* ISO 8601 in the author's own offset, as git log --date=iso-strict prints it. */
int gitsrc_iso_date(int64_t secs, int offset, char *buf, size_t len)
{
    int aoff;
    struct tm tm;
    time_t when;

    /* checked before it is negated: -INT_MIN overflows */
    if (secs > INT64_MAX / 2 || secs < INT64_MIN / 2 || offset <= -100 * 60 || offset >= 100 * 60)
        return MOAT_EINVAL; /* a forged timestamp: the date is unknown */
    aoff = offset < 0 ? -offset : offset;
    when = (time_t)(secs + (int64_t)offset * 60);
    if (!gmtime_r(&when, &tm))
        return MOAT_EINVAL;
    if (moat_snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      offset < 0 ? '-' : '+', aoff / 60, aoff % 60) != 0)
        return MOAT_EINVAL;
    return 0;
}

/* Whether this walk meets id for the first time. */
static bool first_visit(struct walker *w, const git_oid *id, enum gitsrc_kind kind)
{
    if (!gitsrc_oidset_add(w->seen, id, kind))
        return false;
    return !(w->base && gitsrc_oidset_has(w->base, id, kind));
}

/* Read a tree into f; a missing or unreadable one is warned about and
 * yields false. */
static bool tree_read(struct walker *w, const git_oid *id, const char *where, struct frame *f)
{
    struct moat_err err = { 0 };
    struct gitsrc_obj *obj = NULL;
    git_odb_object *gobj = NULL;
    git_object_t type;
    size_t size;
    int e;

    memset(f, 0, sizeof(*f));
    e = gitsrc_reader_read(w->rd, id, GITSRC_TREE_MAX, &obj, &type, &size, &err);
    if (e == 0) {
        if (obj->type != GIT_OBJECT_TREE) {
            scan_warn(w->h->s, where, "tree entry names an object that is not a tree; skipped");
            gitsrc_obj_release(obj);
            return false;
        }
        f->obj = obj;
        f->p = obj->data;
        f->end = obj->data + obj->len;
        return true;
    }
    if (e == MOAT_EPARSE) {
        scan_warn(w->h->s, where, err.msg);
        return false;
    }
    /* not in a pack we read, or unusual: libgit2's */
    e = git_odb_read(&gobj, w->odb, id);
    if (e == GIT_ENOTFOUND) {
        gitsrc_warn_missing(w->h->s, &w->h->missing, where, "tree");
        return false;
    }
    if (e != 0) {
        gitsrc_warn_git(w->h->s, where, "cannot read tree");
        return false;
    }
    if (git_odb_object_type(gobj) != GIT_OBJECT_TREE) {
        scan_warn(w->h->s, where, "tree entry names an object that is not a tree; skipped");
        git_odb_object_free(gobj);
        return false;
    }
    f->gobj = gobj;
    f->p = git_odb_object_data(gobj);
    f->end = f->p + git_odb_object_size(gobj);
    return true;
}

/* We parse trees ourselves: libgit2's tree objects cost an allocation per
 * tree and a copy of every entry, a third of the walk. A name is taken as it
 * is, '/' and all (git fsck refuses such a tree, but the blob is in the
 * repository all the same and is scanned). */
int gitsrc_tree_entry(const unsigned char *data, size_t len, struct gitsrc_entry *e)
{
    const unsigned char *p = data, *end = data + len, *nul;
    unsigned mode = 0;
    int digits = 0;

    if (len == 0)
        return 0;
    for (; p < end && *p >= '0' && *p <= '7' && digits < 8; p++, digits++)
        mode = mode * 8 + (unsigned)(*p - '0');
    if (digits == 0 || p == end || *p != ' ')
        return MOAT_EPARSE;
    p++;
    nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul || nul == p || (size_t)(end - nul) < 1 + GIT_OID_RAWSZ)
        return MOAT_EPARSE;
    switch (mode & 0170000) {
    case 0040000: e->kind = GITSRC_ENTRY_TREE; break;
    case 0100000:
    case 0120000: e->kind = GITSRC_ENTRY_BLOB; break; /* files and symlinks */
    default: e->kind = GITSRC_ENTRY_OTHER;            /* 0160000: a submodule's commit */
    }
    e->name = (const char *)p;
    e->nlen = (size_t)(nul - p);
    e->id = (const git_oid *)(nul + 1);
    e->size = (size_t)(nul + 1 + GIT_OID_RAWSZ - data);
    return 1;
}

/* Visit the tree root (named where in warnings; paths start with
 * w->path[0..w->prefix)) depth first, skipping every tree and blob already
 * seen. With record, each new blob is added to w->found, credited to
 * w->origin; without, they are only marked seen. */
static int walk_tree(struct walker *w, const git_oid *root, const char *where, bool record,
                     struct moat_err *err)
{
    struct moat_scan *s = w->h->s;
    struct frame top;
    int rc = 0;

    if (!first_visit(w, root, GITSRC_TREE))
        return 0;
    w->path[w->prefix] = '\0';
    if (!tree_read(w, root, where, &top))
        return 0;
    top.plen = w->prefix;
    MOAT_VEC_PUSH(&w->stack, top);
    while (w->stack.n) {
        struct frame *f = &w->stack.v[w->stack.n - 1];
        struct gitsrc_entry e;
        size_t plen;
        int more;
        bool sep;

        if ((more = gitsrc_tree_entry(f->p, (size_t)(f->end - f->p), &e)) <= 0) {
            if (more < 0) {
                w->path[f->plen] = '\0';
                scan_warn(s, f->plen ? w->path : where, "malformed tree; rest skipped");
            }
            frame_release(f);
            w->stack.n--;
            continue;
        }
        f->p += e.size;
        if (e.kind == GITSRC_ENTRY_OTHER)
            continue;
        sep = w->stack.n > 1; /* entries of the root tree follow the prefix directly */
        plen = f->plen + sep + e.nlen;
        if (plen > GITSRC_PATH_MAX) {
            w->path[f->plen] = '\0';
            scan_warn(s, f->plen ? w->path : where, "path in the tree too long; skipped");
            continue;
        }
        if (sep)
            w->path[f->plen] = '/';
        memcpy(w->path + f->plen + sep, e.name, e.nlen);
        w->path[plen] = '\0';
        if (record && s->exclude &&
            scan_ignore_match(s->exclude, w->path + w->prefix, e.kind == GITSRC_ENTRY_TREE)) {
            /* checked before the seen set: the same tree or blob may also
             * sit at a path that is not excluded */
            continue;
        }
        if (!first_visit(w, e.id, e.kind == GITSRC_ENTRY_TREE ? GITSRC_TREE : GITSRC_BLOB))
            continue;
        if (e.kind == GITSRC_ENTRY_TREE) {
            struct frame sub;
            if (tree_read(w, e.id, w->path, &sub)) {
                sub.plen = plen;
                MOAT_VEC_PUSH(&w->stack, sub); /* invalidates f */
            }
        } else if (record) {
            struct gitsrc_blob b = { .origin = w->origin };
            if (w->found.n >= GITSRC_MAX_BLOBS) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                                  GITSRC_MAX_BLOBS);
                break;
            }
            git_oid_cpy(&b.id, e.id);
            b.path = intern(&w->paths, &w->arena, w->path, plen);
            MOAT_VEC_PUSH(&w->found, b);
        }
    }
    while (w->stack.n)
        frame_release(&w->stack.v[--w->stack.n]);
    return rc;
}

/* Peel what spec names to a commit id. */
static int peel_commit(git_object *obj, const char *spec, git_oid *out, struct moat_err *err)
{
    git_object *c = NULL;

    if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) != 0)
        return moat_err_set(err, MOAT_EINVAL, "'%s' does not name a commit", spec);
    git_oid_cpy(out, git_object_id(c));
    git_object_free(c);
    return 0;
}

/* Hide id and everything reachable from it, and mark what its tree holds as
 * seen, so that blobs it already had are not scanned when a newer commit
 * still holds them. */
static int hide_commit(struct hist *h, git_revwalk *walk, const git_oid *id, struct moat_err *err)
{
    git_commit *c = NULL;
    char hex[GIT_OID_HEXSZ + 1];
    int rc;

    git_oid_tostr(hex, sizeof(hex), id);
    if (git_revwalk_hide(walk, id) != 0 || git_commit_lookup(&c, h->repo, id) != 0)
        return moat_err_set(err, MOAT_EGIT, "%s: %s", hex, gitsrc_msg());
    h->main.prefix = 0;
    rc = walk_tree(&h->main, git_commit_tree_id(c), hex, false, err);
    git_commit_free(c);
    return rc;
}

static int push_commit(git_revwalk *walk, const git_oid *id, struct moat_err *err)
{
    char hex[GIT_OID_HEXSZ + 1];

    if (git_revwalk_push(walk, id) != 0)
        return moat_err_set(err, MOAT_EGIT, "%s: %s", git_oid_tostr(hex, sizeof(hex), id),
                            gitsrc_msg());
    return 0;
}

/* What to walk: the range ("A..B", "A...B", or one revision and its history)
 * or every ref and HEAD; minus --since. */
static int walk_setup(struct hist *h, git_revwalk *walk, struct moat_err *err)
{
    const struct moat_scan_opts *o = h->s->opts;
    git_revspec spec = { 0 };
    git_object *since = NULL;
    git_oid from, to, base;
    int rc = 0, e;

    if (git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) != 0)
        return moat_err_set(err, MOAT_EGIT, "revision walk: %s", gitsrc_msg());
    if (o->since) {
        if (git_revparse_single(&since, h->repo, o->since) != 0) {
            rc = moat_err_set(err, MOAT_EINVAL, "--since: unknown revision '%s': %s", o->since,
                              gitsrc_msg());
            goto out;
        }
        if ((rc = peel_commit(since, o->since, &from, err)) != 0 ||
            (rc = hide_commit(h, walk, &from, err)) != 0)
            goto out;
    }
    if (!o->git_range) {
        if (git_revwalk_push_glob(walk, "refs/*") != 0) {
            rc = moat_err_set(err, MOAT_EGIT, "listing refs: %s", gitsrc_msg());
            goto out;
        }
        e = git_revwalk_push_head(walk);
        if (e != 0 && e != GIT_ENOTFOUND && e != GIT_EUNBORNBRANCH)
            rc = moat_err_set(err, MOAT_EGIT, "HEAD: %s", gitsrc_msg());
        goto out;
    }
    if (git_revparse(&spec, h->repo, o->git_range) != 0) {
        rc = moat_err_set(err, MOAT_EINVAL, "bad revision range '%s': %s", o->git_range,
                          gitsrc_msg());
        goto out;
    }
    if (spec.flags & GIT_REVSPEC_SINGLE) {
        if ((rc = peel_commit(spec.from, o->git_range, &to, err)) == 0)
            rc = push_commit(walk, &to, err);
        goto out;
    }
    if ((rc = peel_commit(spec.from, o->git_range, &from, err)) != 0 ||
        (rc = peel_commit(spec.to, o->git_range, &to, err)) != 0 ||
        (rc = push_commit(walk, &to, err)) != 0)
        goto out;
    if (!(spec.flags & GIT_REVSPEC_MERGE_BASE)) {
        rc = hide_commit(h, walk, &from, err);
        goto out;
    }
    /* A...B: what either side has that their merge base has not */
    if ((rc = push_commit(walk, &from, err)) != 0)
        goto out;
    e = git_merge_base(&base, h->repo, &from, &to);
    if (e == 0)
        rc = hide_commit(h, walk, &base, err);
    else if (e != GIT_ENOTFOUND)
        rc = moat_err_set(err, MOAT_EGIT, "merge base of '%s': %s", o->git_range, gitsrc_msg());
out:
    git_object_free(since);
    git_object_free(spec.from);
    git_object_free(spec.to);
    return rc;
}

/* List the commits oldest first, each with its tree and origin. The commits
 * come from the object cache: the revision walk has just read them. */
static int list_commits(struct hist *h, git_revwalk *walk, struct moat_err *err)
{
    MOAT_VEC(git_oid) ids = { 0 };
    git_oid id;
    int rc = 0, e;

    while ((e = git_revwalk_next(&id, walk)) == 0)
        MOAT_VEC_PUSH(&ids, id);
    if (getenv("TT")) fprintf(stderr, "revwalk done\n");
    if (e != GIT_ITEROVER) {
        rc = moat_err_set(err, MOAT_EGIT, "walking the history: %s", gitsrc_msg());
        goto out;
    }
    h->commits = moat_calloc(ids.n ? ids.n : 1, sizeof(*h->commits));
    h->ncommits = ids.n;
    for (size_t i = 0; i < ids.n; i++) {
        struct gcommit *gc = &h->commits[i];
        const git_signature *a;
        git_commit *c = NULL;
        char *hex = moat_arena_alloc(&h->arena, GIT_OID_HEXSZ + 1);
        char date[64];

        git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &ids.v[i]);
        gc->origin.commit = hex;
        h->s->commits++;
        if ((e = git_commit_lookup(&c, h->repo, &ids.v[i])) != 0) {
            if (e == GIT_ENOTFOUND)
                gitsrc_warn_missing(h->s, &h->missing, hex, "commit");
            else
                gitsrc_warn_git(h->s, hex, "cannot read commit");
            continue;
        }
        git_oid_cpy(&gc->tree, git_commit_tree_id(c));
        if ((a = git_commit_author(c))) {
            if (a->name)
                gc->origin.author = intern(&h->strings, &h->arena, a->name, strlen(a->name));
            if (a->email)
                gc->origin.email = intern(&h->strings, &h->arena, a->email, strlen(a->email));
            if (gitsrc_iso_date(a->when.time, a->when.offset, date, sizeof(date)) == 0)
                gc->origin.date = moat_arena_strndup(&h->arena, date, strlen(date));
        }
        git_commit_free(c);
    }
out:
    free(ids.v);
    return rc;
}

static void walk_segment(void *arg, int worker)
{
    struct walker *w = arg;

    (void)worker;
    for (size_t i = w->from; i < w->to && w->rc == 0; i++) {
        const struct gcommit *c = &w->h->commits[i];
        if (git_oid_is_zero(&c->tree))
            continue;
        w->origin = &c->origin;
        w->prefix = 0;
        w->rc = walk_tree(w, &c->tree, c->origin.commit, true, &w->err);
    }
}

/* Walk the commits' trees, one segment per thread, and merge what the
 * segments found into h->blobs, earliest first. */
static int walk_commits(struct hist *h, struct moat_err *err)
{
    size_t n = gitsrc_thread_count(h->s, h->ncommits, GITSRC_MIN_SEGMENT);
    struct moat_pool *pool = NULL;
    int rc = 0;

    h->walkers = moat_calloc(n, sizeof(*h->walkers));
    for (size_t i = 0; i < n; i++) {
        struct walker *w = &h->walkers[i];
        walker_init(w, h, NULL, &h->base);
        h->nwalkers++;
        w->from = h->ncommits * i / n;
        w->to = h->ncommits * (i + 1) / n;
        if (n > 1 && (rc = gitsrc_repo_handle(h->repo, &w->own, &w->odb, err)) != 0)
            goto out;
        if (w->own)
            w->repo = w->own;
    }
    if (n == 1) {
        walk_segment(&h->walkers[0], 0);
    } else {
        pool = moat_pool_new((int)n, n);
        for (size_t i = 0; i < n; i++)
            moat_pool_submit(pool, walk_segment, &h->walkers[i]);
        moat_pool_wait(pool);
    }
    for (size_t i = 0; i < n; i++) {
        struct walker *w = &h->walkers[i];
        if (w->rc != 0) {
            rc = moat_err_set(err, w->rc, "%s", w->err.msg);
            goto out;
        }
        for (size_t k = 0; k < w->found.n; k++) {
            if (!gitsrc_oidset_add(&h->uniq, &w->found.v[k].id, GITSRC_BLOB))
                continue;
            if (h->blobs.n >= GITSRC_MAX_BLOBS) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                                  GITSRC_MAX_BLOBS);
                goto out;
            }
            MOAT_VEC_PUSH(&h->blobs, w->found.v[k]);
        }
        free(w->found.v);
        w->found.v = NULL;
        w->found.n = w->found.cap = 0;
    }
out:
    moat_pool_free(pool);
    return rc;
}

/* Refs that point (through tags) straight at a tree or a blob are reachable
 * too, though no commit holds them: a favourite place to park a key. Their
 * blobs are named "refname" or "refname:path", with no origin. */
static int walk_ref_objects(struct hist *h, struct moat_err *err)
{
    struct walker *w = &h->main;
    git_reference_iterator *it = NULL;
    git_reference *ref;
    int rc = 0;

    /* Blobs already found are in uniq: seen. Trees held by commits are
     * not, and would be walked again; refs to trees are rare. */
    w->seen = &h->uniq;
    w->base = &h->base;
    w->origin = NULL;
    if (git_reference_iterator_new(&it, h->repo) != 0)
        return moat_err_set(err, MOAT_EGIT, "listing refs: %s", gitsrc_msg());
    while (rc == 0 && git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL, *peeled = NULL;
        const char *name = git_reference_name(ref);
        size_t nlen = strlen(name);

        if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && nlen + 1 < GITSRC_PATH_MAX &&
            git_object_lookup(&obj, h->repo, git_reference_target(ref), GIT_OBJECT_ANY) == 0) {
            const git_object *target = obj;
            const git_oid *id;
            if (git_object_type(obj) == GIT_OBJECT_TAG &&
                git_tag_peel(&peeled, (git_tag *)obj) == 0)
                target = peeled;
            id = git_object_id(target);
            if (git_object_type(target) == GIT_OBJECT_BLOB && first_visit(w, id, GITSRC_BLOB)) {
                struct gitsrc_blob b = { .origin = NULL };
                git_oid_cpy(&b.id, id);
                b.path = intern(&w->paths, &w->arena, name, nlen);
                MOAT_VEC_PUSH(&w->found, b);
            } else if (git_object_type(target) == GIT_OBJECT_TREE) {
                memcpy(w->path, name, nlen);
                w->path[nlen] = ':';
                w->prefix = nlen + 1;
                rc = walk_tree(w, id, name, true, err);
                w->prefix = 0;
            }
        }
        git_object_free(peeled);
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    for (size_t k = 0; rc == 0 && k < w->found.n; k++)
        MOAT_VEC_PUSH(&h->blobs, w->found.v[k]);
    return rc;
}

/* One finding per secret: a secret that stays in a file through later edits
 * is in every later version of the file, each a blob of its own. Of the
 * findings with one fingerprint (rule, path, content), those of the earliest
 * commit, the one that introduced the secret, are kept. */
static void dedupe_findings(struct hist *h)
{
    struct moat_findings *fs = h->s->out;
    struct moat_map order, first;
    size_t kept = 0;

    if (!fs || fs->n < 2)
        return;
    moat_map_init(&order);
    moat_map_init(&first);
    for (size_t i = 0; i < h->ncommits; i++)
        if (moat_map_put(&order, h->commits[i].origin.commit, GIT_OID_HEXSZ,
                         (void *)(uintptr_t)(i + 1)) != NULL) {
            /* a commit is listed once; nothing to replace */
        }
    /* the order of each finding's commit, 0 for findings outside the walk */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < fs->n; i++) {
            struct moat_finding *f = fs->v[i];
            const char *fp = f->fingerprint;
            uintptr_t o =
                f->commit ? (uintptr_t)moat_map_get(&order, f->commit, strlen(f->commit)) : 0;
            uintptr_t min = o ? (uintptr_t)moat_map_get(&first, fp, strlen(fp)) : 0;

            if (pass == 0 && o && (!min || o < min)) {
                if (moat_map_put(&first, fp, strlen(fp), (void *)o) != NULL) {
                    /* an earlier commit replaces a later one */
                }
            } else if (pass == 1 && o && o != min) {
                moat_finding_free(f);
            } else if (pass == 1) {
                fs->v[kept++] = f;
            }
        }
    }
    if (kept != fs->n)
        MOAT_LOG(DEBUG, "git", "%zu findings were later versions of earlier ones", fs->n - kept);
    fs->n = kept;
    moat_map_release(&first, NULL);
    moat_map_release(&order, NULL);
}

static double cpu_now(void) { struct timespec ts; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); return ts.tv_sec + ts.tv_nsec / 1e9; }
#define TT(l) do { if (getenv("TT")) fprintf(stderr, "%-12s wall %.3f cpu %.3f\n", l, moat_now() - t0, cpu_now()); } while (0)
int scan_git_history(struct moat_scan *s, struct moat_err *err)
{
    git_revwalk *walk = NULL;
    double t0 = moat_now();
    struct hist h;
    int rc;

    if ((rc = gitsrc_setup(err)) != 0)
        return rc;
    hist_init(&h, s);
    if ((rc = gitsrc_repo_open(s->opts->root, &h.repo, err)) != 0 ||
        (rc = gitsrc_graft_shallow(h.repo, err)) != 0)
        goto out;
    if (git_repository_odb(&h.odb, h.repo) != 0 || git_revwalk_new(&walk, h.repo) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", git_repository_path(h.repo), gitsrc_msg());
        goto out;
    }
    gitsrc_packs_open(&h.packs, h.repo);
    if ((rc = gitsrc_odb_attach(h.repo, &h.packs, err)) != 0)
        goto out;
    TT("open");
    walker_init(&h.main, &h, &h.base, NULL);
    if (s->opts->cache && (rc = gitsrc_cache_load(&h.cache, s, &h.base, err)) != 0)
        goto out;
    if ((rc = walk_setup(&h, walk, err)) != 0)
        goto out;
    TT("setup");
    if ((rc = list_commits(&h, walk, err)) != 0)
        goto out;
    TT("list");
    MOAT_LOG(DEBUG, "git", "%zu commits listed in %.3f s", h.ncommits, moat_now() - t0);
    if ((rc = walk_commits(&h, err)) != 0)
        goto out;
    TT("walk");
    if (!s->opts->git_range && (rc = walk_ref_objects(&h, err)) != 0)
        goto out;
    TT("refs");
    gitsrc_log_missing(h.missing);
    MOAT_LOG(DEBUG, "git", "%zu commits walked in %.3f s, %zu new blobs to scan",
             (size_t)s->commits, moat_now() - t0, h.blobs.n);
    if ((rc = gitsrc_scan_blobs(s, h.repo, h.blobs.v, h.blobs.n, err)) != 0)
        goto out;
    TT("scan");
    if (s->opts->cache)
        gitsrc_cache_mark(&h.cache, s->out); /* before dedupe drops findings of dirty blobs */
    dedupe_findings(&h);
    if (s->opts->cache)
        rc = gitsrc_cache_save(&h.cache, s, h.blobs.v, h.blobs.n, err);
out:
    git_revwalk_free(walk);
    hist_release(&h);
    TT("end");
    return rc;
}
