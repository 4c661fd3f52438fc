/* moat scan --git: every blob reachable from the refs (or a revision range),
 * found by walking the commits' trees oldest first, read once from the packs
 * by parallel workers and credited to the commit that introduced it.
 *
 * Commits are listed oldest first (libgit2's revision walk, served the
 * commits read ahead by every thread: commits.c), each with its tree and its
 * origin. Their trees are then walked depth first, skipping every tree and
 * blob already seen: the first commit whose tree holds a blob is the one
 * that introduced it. The list is cut into segments, a few per thread, each
 * walked with its own seen set; a blob met in several segments is credited to
 * the earliest, so the result is the same as one walk's. Each segment repeats
 * the walk of its first full tree: a few hundred objects against tens of
 * thousands saved.
 *
 * The threads take the next segment to walk while there is one; segments are
 * merged in order as soon as they and those before them are walked (a blob is
 * kept if no earlier segment has it), so that when the last one is walked
 * little is left to do before the scan. The scan then reads the blobs in the
 * order they sit in the packs, each thread a run of them at a time: a blob's
 * delta base was then read just before it, by the same thread, and is in its
 * reader's cache. (Scanning each segment's blobs as soon as they are merged
 * was tried: the early segments hold the old versions, deltas of the newer
 * ones, and the bases were rebuilt again and again.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_MAX_BLOBS    (64u << 20) /* unique blobs in one scan (~4 GB of bookkeeping) */
#define GITSRC_MIN_SEGMENT  512         /* commits worth a segment of their own */
#define GITSRC_SEGS_PER_THR 4           /* segments per thread: work for whoever is free */
#define GITSRC_SCAN_CHUNK   32          /* blobs a thread takes to scan at a time */
#define GITSRC_TREE_MAX     SCAN_DEFAULT_MAX_FILE /* bytes of a tree we read ourselves */
#define GITSRC_MAIN_CACHE   (4u << 20)            /* bytes of trees the main walker keeps */

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

/* What one walk collects: the blobs new to it and their paths. */
struct segment {
    size_t from, to; /* of h->commits */
    struct gitsrc_oidset seen;
    struct moat_arena arena; /* paths */
    struct moat_map paths;
    MOAT_VEC(struct gitsrc_blob) found; /* in commit order; once merged, those to scan */
    bool walked;
    int rc;
    struct moat_err err;
};

struct hist;

/* A walk in progress on one thread. */
struct walker {
    struct hist *h;
    git_odb *odb; /* libgit2's, for what the reader leaves to it */
    struct gitsrc_reader *rd;
    struct gitsrc_oidset *seen;       /* what this walk has met */
    const struct gitsrc_oidset *base; /* met before it began: cached and hidden; or NULL */
    struct segment *seg;              /* where new blobs go */
    MOAT_VEC(struct frame) stack;
    char path[GITSRC_PATH_MAX + 1];
    size_t prefix; /* bytes of path before the tree's own paths ("ref:") */
    const struct scan_origin *origin;
};

/* The threads' shared work (see the top of the file). */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct segment *segs;
    size_t nseg, next_seg; /* segments, the next one to walk */
    size_t merged;         /* segments merged so far, in order */
    bool merging;          /* a thread is merging (only one at a time) */
    bool scan_ready;       /* everything is merged into h->blobs, in pack order */
    size_t scan_pos;       /* the next blob of h->blobs to scan */
    struct gitsrc_scanner *sc;
    struct walker *walkers; /* one per thread */
    size_t nthreads;
    int rc;
    struct moat_err err;
};

struct hist {
    struct moat_scan *s;
    git_repository *repo;
    git_odb *odb;
    struct gitsrc_packs packs;
    struct gitsrc_commits ahead; /* the commits, read ahead */
    struct gitsrc_oidset base;   /* the cache's blobs, and all that hidden commits hold */
    struct gitsrc_oidset uniq;   /* every blob to scan */
    struct moat_arena arena;     /* origins and their strings */
    struct moat_map strings;     /* interned names and e-mails */
    struct gcommit *commits;
    size_t ncommits;
    struct pipe pipe;
    _Atomic int pipe_stop;              /* a segment failed: the others stop walking */
    struct walker main;                 /* hidden commits and refs to trees */
    struct segment main_seg;            /* the blobs refs hold */
    MOAT_VEC(struct gitsrc_blob) blobs; /* every blob to scan */
    _Atomic size_t missing;
    struct gitsrc_cache cache; /* --cache */
};

static void segment_init(struct segment *g, size_t from, size_t to)
{
    memset(g, 0, sizeof(*g));
    g->from = from;
    g->to = to;
    gitsrc_oidset_init(&g->seen);
    moat_arena_init(&g->arena, 0);
    moat_map_init(&g->paths);
}

static void segment_release(struct segment *g)
{
    gitsrc_oidset_release(&g->seen);
    moat_map_release(&g->paths, NULL);
    moat_arena_release(&g->arena);
    free(g->found.v);
    memset(g, 0, sizeof(*g));
}

static void walker_init(struct walker *w, struct hist *h, git_odb *odb, struct gitsrc_reader *rd)
{
    memset(w, 0, sizeof(*w));
    w->h = h;
    w->odb = odb;
    w->rd = rd;
}

static void frame_release(struct frame *f)
{
    gitsrc_obj_release(f->obj);
    git_odb_object_free(f->gobj);
}

/* Frees the walk's stack; the reader and odb are borrowed. */
static void walker_release(struct walker *w)
{
    for (size_t i = 0; i < w->stack.n; i++)
        frame_release(&w->stack.v[i]);
    free(w->stack.v);
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
    segment_init(&h->main_seg, 0, 0);
}

static void hist_release(struct hist *h)
{
    struct gitsrc_reader *main_rd = h->main.rd;

    walker_release(&h->main);
    gitsrc_reader_free(main_rd);
    segment_release(&h->main_seg);
    for (size_t i = 0; i < h->pipe.nseg; i++)
        segment_release(&h->pipe.segs[i]);
    free(h->pipe.segs);
    free(h->commits);
    free(h->blobs.v);
    moat_map_release(&h->strings, NULL);
    moat_arena_release(&h->arena);
    gitsrc_oidset_release(&h->base);
    gitsrc_oidset_release(&h->uniq);
    gitsrc_cache_release(&h->cache);
    git_odb_free(h->odb);
    git_repository_free(h->repo);
    /* after the repository: its odb reads them */
    gitsrc_commits_release(&h->ahead);
    gitsrc_packs_release(&h->packs);
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
        char msg[320];
        if (moat_snprintf(msg, sizeof(msg), "cannot read tree: %s", err.msg) != 0) {
            /* a truncated message still says enough */
        }
        scan_warn(w->h->s, where, msg);
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
 * seen. With record, each new blob is added to w->seg, credited to
 * w->origin, with where it sits in the packs; without, they are only marked
 * seen. */
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
            struct gitsrc_blob b = { .origin = w->origin, .order = UINT64_MAX };
            struct segment *g = w->seg;
            uint32_t pack;
            uint64_t off;
            if (g->found.n >= GITSRC_MAX_BLOBS) {
                rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                                  GITSRC_MAX_BLOBS);
                break;
            }
            git_oid_cpy(&b.id, e.id);
            b.path = intern(&g->paths, &g->arena, w->path, plen);
            if (gitsrc_packs_find(&w->h->packs, e.id, &pack, &off) && off <= GITSRC_ORDER_MAX_OFF)
                b.order = GITSRC_ORDER(pack, off);
            MOAT_VEC_PUSH(&g->found, b);
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

/* One commit's tree and origin, from the commit read ahead when the strict
 * parse took it, else from libgit2. */
static void commit_origin(struct hist *h, const git_oid *id, struct gcommit *gc)
{
    const struct gitsrc_commit *cm = gitsrc_commits_get(&h->ahead, id);
    const char *hex = gc->origin.commit;
    git_commit *c = NULL;
    char date[64];
    int e;

    if (cm && cm->parsed) {
        const struct gitsrc_sig *a = &cm->author;
        git_oid_cpy(&gc->tree, &cm->tree);
        gc->origin.author = intern(&h->strings, &h->arena, a->name, a->nlen);
        gc->origin.email = intern(&h->strings, &h->arena, a->email, a->elen);
        if (cm->date[0])
            gc->origin.date = moat_arena_strndup(&h->arena, cm->date, strlen(cm->date));
        return;
    }
    if ((e = git_commit_lookup(&c, h->repo, id)) != 0) {
        if (e == GIT_ENOTFOUND)
            gitsrc_warn_missing(h->s, &h->missing, hex, "commit");
        else
            gitsrc_warn_git(h->s, hex, "cannot read commit");
        return;
    }
    git_oid_cpy(&gc->tree, git_commit_tree_id(c));
    {
        const git_signature *a = git_commit_author(c);
        if (a && a->name)
            gc->origin.author = intern(&h->strings, &h->arena, a->name, strlen(a->name));
        if (a && a->email)
            gc->origin.email = intern(&h->strings, &h->arena, a->email, strlen(a->email));
        if (a && gitsrc_iso_date(a->when.time, a->when.offset, date, sizeof(date)) == 0)
            gc->origin.date = moat_arena_strndup(&h->arena, date, strlen(date));
    }
    git_commit_free(c);
}

/* List the commits oldest first, each with its tree and origin. */
static int list_commits(struct hist *h, git_revwalk *walk, struct moat_err *err)
{
    MOAT_VEC(git_oid) ids = { 0 };
    git_oid id;
    int rc = 0, e;

    while ((e = git_revwalk_next(&id, walk)) == 0)
        MOAT_VEC_PUSH(&ids, id);
    if (e != GIT_ITEROVER) {
        rc = moat_err_set(err, MOAT_EGIT, "walking the history: %s", gitsrc_msg());
        goto out;
    }
    h->commits = moat_calloc(ids.n ? ids.n : 1, sizeof(*h->commits));
    h->ncommits = ids.n;
    for (size_t i = 0; i < ids.n; i++) {
        struct gcommit *gc = &h->commits[i];
        char *hex = moat_arena_alloc(&h->arena, GIT_OID_HEXSZ + 1);

        git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &ids.v[i]);
        gc->origin.commit = hex;
        h->s->commits++;
        commit_origin(h, &ids.v[i], gc);
    }
out:
    free(ids.v);
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
    w->seg = &h->main_seg;
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
                struct gitsrc_blob b = { .origin = NULL, .order = UINT64_MAX };
                git_oid_cpy(&b.id, id);
                b.path = intern(&w->seg->paths, &w->seg->arena, name, nlen);
                MOAT_VEC_PUSH(&w->seg->found, b);
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
    return rc;
}

static void walk_segment(struct walker *w, struct segment *g)
{
    struct hist *h = w->h;

    w->seg = g;
    w->seen = &g->seen;
    w->base = &h->base;
    for (size_t i = g->from; i < g->to && g->rc == 0 && atomic_load(&h->pipe_stop) == 0; i++) {
        const struct gcommit *c = &h->commits[i];
        if (git_oid_is_zero(&c->tree))
            continue;
        w->origin = &c->origin;
        w->prefix = 0;
        g->rc = walk_tree(w, &c->tree, c->origin.commit, true, &g->err);
    }
    gitsrc_oidset_release(&g->seen); /* its memory, now: the walk is over */
}

static int order_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct gitsrc_blob *)a)->order, y = ((const struct gitsrc_blob *)b)->order;

    return x < y ? -1 : x > y;
}

/* Add the blobs of g that no earlier segment has to h->blobs. Called for one
 * segment at a time, in order. */
static int merge_segment(struct hist *h, struct segment *g, struct moat_err *err)
{
    int rc = 0;

    if (g->rc != 0)
        return moat_err_set(err, g->rc, "%s", g->err.msg);
    for (size_t k = 0; k < g->found.n && rc == 0; k++) {
        if (!gitsrc_oidset_add(&h->uniq, &g->found.v[k].id, GITSRC_BLOB))
            continue;
        if (h->blobs.n >= GITSRC_MAX_BLOBS)
            rc = moat_err_set(err, MOAT_ETOOBIG, "more than %u unique blobs in the history",
                              GITSRC_MAX_BLOBS);
        else
            MOAT_VEC_PUSH(&h->blobs, g->found.v[k]);
    }
    free(g->found.v);
    memset(&g->found, 0, sizeof(g->found));
    return rc;
}

/* After the last segment: the refs to trees and blobs, then every blob in
 * the order of the packs. */
static int merge_refs(struct hist *h, struct moat_err *err)
{
    struct segment *g = &h->main_seg;
    int rc;

    if (!h->s->opts->git_range && (rc = walk_ref_objects(h, err)) != 0)
        return rc;
    for (size_t k = 0; k < g->found.n; k++)
        MOAT_VEC_PUSH(&h->blobs, g->found.v[k]);
    if (h->blobs.n > 1)
        qsort(h->blobs.v, h->blobs.n, sizeof(*h->blobs.v), order_cmp);
    return 0;
}

/* With p->mu held: merge the segments walked, in order, and after the last
 * one the refs. One thread at a time does it, with the lock dropped. Returns
 * whether it did anything. */
static bool pipe_merge(struct hist *h)
{
    struct pipe *p = &h->pipe;
    bool did = false;

    while (!p->merging && p->rc == 0 && !p->scan_ready) {
        struct moat_err err = { 0 };
        int rc;

        if (p->merged < p->nseg && p->segs[p->merged].walked) {
            p->merging = true;
            pthread_mutex_unlock(&p->mu);
            rc = merge_segment(h, &p->segs[p->merged], &err);
            pthread_mutex_lock(&p->mu);
            p->merged++;
        } else if (p->merged == p->nseg) {
            p->merging = true;
            pthread_mutex_unlock(&p->mu);
            rc = merge_refs(h, &err);
            pthread_mutex_lock(&p->mu);
            p->scan_ready = true;
        } else {
            break;
        }
        p->merging = false;
        did = true;
        if (rc != 0 && p->rc == 0) {
            p->rc = rc;
            p->err = err;
            atomic_store(&h->pipe_stop, 1);
        }
        pthread_cond_broadcast(&p->cv);
    }
    return did;
}

/* One thread: walk segments while there are some, then scan. */
static void pipe_task(void *arg, int worker)
{
    struct hist *h = arg;
    struct pipe *p = &h->pipe;
    struct walker *w = &p->walkers[worker];

    pthread_mutex_lock(&p->mu);
    while (p->rc == 0) {
        if (p->next_seg < p->nseg) {
            struct segment *g = &p->segs[p->next_seg++];
            pthread_mutex_unlock(&p->mu);
            walk_segment(w, g);
            pthread_mutex_lock(&p->mu);
            g->walked = true;
            pipe_merge(h);
            continue;
        }
        if (p->scan_ready) {
            /* Long runs while there is much left, short ones at the end
             * to share the rest: in a run, each blob's delta base was
             * read just before it, into this thread's cache. */
            size_t i = p->scan_pos, left = h->blobs.n - i, n = left / (2 * p->nthreads);
            if (left == 0)
                break;
            if (n < GITSRC_SCAN_CHUNK)
                n = left < GITSRC_SCAN_CHUNK ? left : GITSRC_SCAN_CHUNK;
            p->scan_pos += n;
            pthread_mutex_unlock(&p->mu);
            gitsrc_scanner_run(p->sc, worker, h->blobs.v + i, n);
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (!pipe_merge(h))
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Walk the commits' trees and the refs, and scan every blob found, on
 * nthreads threads. */
static int walk_and_scan(struct hist *h, size_t nthreads, struct moat_err *err)
{
    struct pipe *p = &h->pipe;
    struct moat_pool *pool = NULL;
    size_t nseg = nthreads > 1 ? h->ncommits / GITSRC_MIN_SEGMENT : 1;
    int rc;

    if (nseg > nthreads * GITSRC_SEGS_PER_THR)
        nseg = nthreads * GITSRC_SEGS_PER_THR;
    if (nseg == 0)
        nseg = 1;
    p->nthreads = nthreads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->segs = moat_calloc(nseg, sizeof(*p->segs));
    for (size_t i = 0; i < nseg; i++, p->nseg++)
        segment_init(&p->segs[i], h->ncommits * i / nseg, h->ncommits * (i + 1) / nseg);
    if ((rc = gitsrc_scanner_new(h->s, h->repo, &h->packs, nthreads, &p->sc, err)) != 0)
        goto out;
    p->walkers = moat_calloc(nthreads, sizeof(*p->walkers));
    for (size_t i = 0; i < nthreads; i++)
        walker_init(&p->walkers[i], h, gitsrc_scanner_odb(p->sc, (int)i),
                    gitsrc_scanner_reader(p->sc, (int)i));
    if (nthreads == 1) {
        pipe_task(h, 0);
    } else {
        pool = moat_pool_new((int)nthreads, nthreads);
        for (size_t i = 0; i < nthreads; i++)
            moat_pool_submit(pool, pipe_task, h);
        moat_pool_wait(pool);
    }
    if (p->rc != 0)
        rc = moat_err_set(err, p->rc, "%s", p->err.msg);
out:
    moat_pool_free(pool);
    for (size_t i = 0; p->walkers && i < nthreads; i++)
        walker_release(&p->walkers[i]);
    free(p->walkers);
    p->walkers = NULL;
    gitsrc_scanner_free(p->sc);
    p->sc = NULL;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
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

/* Whether libgit2 caches the commits it reads (its default limit is 4 KiB). */
static void walk_cache_commits(bool on)
{
    if (git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
                         on ? (size_t)4096 : (size_t)0) != 0) {
        /* only a type libgit2 does not know fails; the cache is a speed matter */
    }
}

int scan_git_history(struct moat_scan *s, struct moat_err *err)
{
    size_t nthreads = gitsrc_thread_count(s, SIZE_MAX / 2, 1);
    const struct moat_scan_opts *o = s->opts;
    git_revwalk *walk = NULL;
    double t0 = moat_now();
    struct hist h;
    int rc;

    if ((rc = gitsrc_setup(err)) != 0)
        return rc;
    hist_init(&h, s);
    if ((rc = gitsrc_repo_open(o->root, &h.repo, err)) != 0 ||
        (rc = gitsrc_graft_shallow(h.repo, err)) != 0)
        goto out;
    if (git_repository_odb(&h.odb, h.repo) != 0 || git_revwalk_new(&walk, h.repo) != 0) {
        rc = moat_err_set(err, MOAT_EGIT, "%s: %s", git_repository_path(h.repo), gitsrc_msg());
        goto out;
    }
    gitsrc_packs_open(&h.packs, h.repo);
    /* The whole history: every commit is walked, so all are read ahead. A
     * range or --since may walk a few of many; reading all would be waste. */
    if (!o->git_range && !o->since) {
        gitsrc_commits_load(&h.ahead, &h.packs, nthreads);
        MOAT_LOG(DEBUG, "git", "commits read ahead in %.3f s", moat_now() - t0);
    }
    if ((rc = gitsrc_odb_attach(h.repo, &h.packs, &h.ahead, err)) != 0)
        goto out;
    walker_init(&h.main, &h, h.odb, gitsrc_reader_new(&h.packs, GITSRC_MAIN_CACHE));
    h.main.seen = &h.base;
    h.main.seg = &h.main_seg;
    if (o->cache && (rc = gitsrc_cache_load(&h.cache, s, &h.base, err)) != 0)
        goto out;
    /* libgit2 keeps the commits its revision walk reads in the object cache,
     * for the lookups that usually follow. Read ahead, they are not looked
     * up again: caching them, and freeing them at the end, is waste. The
     * limit is libgit2's, for the whole process, so it is set back at once;
     * a scan at the same time would only cache less meanwhile. */
    if (h.ahead.slot)
        walk_cache_commits(false);
    if ((rc = walk_setup(&h, walk, err)) == 0)
        rc = list_commits(&h, walk, err);
    if (h.ahead.slot)
        walk_cache_commits(true);
    if (rc != 0)
        goto out;
    MOAT_LOG(DEBUG, "git", "%zu commits listed in %.3f s", h.ncommits, moat_now() - t0);
    if ((rc = walk_and_scan(&h, nthreads, err)) != 0)
        goto out;
    gitsrc_log_missing(h.missing);
    MOAT_LOG(DEBUG, "git", "%zu commits walked, %zu new blobs scanned in %.3f s", h.ncommits,
             h.blobs.n, moat_now() - t0);
    if (o->cache)
        gitsrc_cache_mark(&h.cache, s->out); /* before dedupe drops findings of dirty blobs */
    dedupe_findings(&h);
    if (o->cache)
        rc = gitsrc_cache_save(&h.cache, s, h.blobs.v, h.blobs.n, err);
out:
    git_revwalk_free(walk);
    hist_release(&h);
    return rc;
}
