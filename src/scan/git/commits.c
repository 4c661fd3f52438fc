/* Every commit in the packs, read and parsed ahead by several threads before
 * the history's revision walk, which libgit2 runs on one thread and which
 * spends most of its time reading commits: it is then served them from
 * memory (odb.c), and the walk's list of commits takes each one's tree and
 * author from here instead of parsing it again with libgit2.
 *
 * The parse is strict: it accepts only the commits git writes ("tree",
 * "parent" lines, one "author" and one "committer" line of the form
 * "Name <email> 1234567890 +0100"), for which it finds exactly what libgit2
 * finds. Anything else (a second author line, a missing time zone, stray
 * spaces, "<" in a name) is left to libgit2, whatever it makes of it. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include "scan/git/git.h"
#include "core/banned.h"

#define GITSRC_COMMIT_MAX (1u << 20) /* bytes of a commit read ahead; larger ones are libgit2's */

/* "<prefix><40 hex digits>\n" at *p: the id, *p moved past the line. */
static bool id_line(const unsigned char **p, const unsigned char *end, const char *prefix,
                    git_oid *id)
{
    size_t plen = strlen(prefix);
    const unsigned char *q = *p;

    if ((size_t)(end - q) < plen + GIT_OID_HEXSZ + 1 || memcmp(q, prefix, plen) != 0)
        return false;
    q += plen;
    for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
        int hi = moat_hexval(q[2 * i]), lo = moat_hexval(q[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        id->id[i] = (unsigned char)(hi << 4 | lo);
    }
    if (q[GIT_OID_HEXSZ] != '\n')
        return false;
    *p = q + GIT_OID_HEXSZ + 1;
    return true;
}

/* What libgit2 trims from either end of a name or an e-mail: whitespace in
 * some versions, this wider "crud" (git's word) in others. */
static bool crud(unsigned char c)
{
    return c <= ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' ||
           c == '"' || c == '\\' || c == '\'';
}

/* A part of a signature that every libgit2 takes as it is: not empty, no
 * '<', '>', newline or NUL, nothing trimmed at either end. */
static bool plain(const unsigned char *s, size_t len)
{
    if (len == 0 || crud(s[0]) || crud(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '<' || s[i] == '>' || s[i] == '\n' || s[i] == '\0')
            return false;
    return true;
}

/* "<prefix>Name <email> 1234567890 +0100\n" at *p. */
static bool sig_line(const unsigned char **p, const unsigned char *end, const char *prefix,
                     struct gitsrc_sig *sig)
{
    size_t plen = strlen(prefix), ndig = 0;
    const unsigned char *q = *p, *eol, *lt, *gt, *t;
    int64_t when = 0;
    int hh, mm;

    if ((size_t)(end - q) < plen || memcmp(q, prefix, plen) != 0 ||
        !(eol = memchr(q, '\n', (size_t)(end - q))))
        return false;
    q += plen;
    if (!(lt = memchr(q, '<', (size_t)(eol - q))) || lt == q || lt[-1] != ' ' ||
        !(gt = memchr(lt, '>', (size_t)(eol - lt))))
        return false;
    if (!plain(q, (size_t)(lt - 1 - q)) || !plain(lt + 1, (size_t)(gt - lt - 1)))
        return false;
    /* "> " then the seconds, " ", a sign and four digits, the end of the line */
    t = gt + 1;
    if (t >= eol || *t++ != ' ')
        return false;
    for (; t < eol && *t >= '0' && *t <= '9'; t++, ndig++)
        if (ndig < 18) /* more are refused below; 18 digits fit in 63 bits */
            when = when * 10 + (*t - '0');
    if (ndig == 0 || ndig > 18 || eol - t != 6 || t[0] != ' ' || (t[1] != '+' && t[1] != '-'))
        return false;
    for (int i = 2; i < 6; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    hh = (t[2] - '0') * 10 + (t[3] - '0');
    mm = (t[4] - '0') * 10 + (t[5] - '0');
    if (hh > 14 || mm > 59)
        return false; /* libgit2 keeps no offset then */
    sig->name = (const char *)q;
    sig->nlen = (size_t)(lt - 1 - q);
    sig->email = (const char *)lt + 1;
    sig->elen = (size_t)(gt - lt - 1);
    sig->time = when;
    sig->offset = (hh * 60 + mm) * (t[1] == '-' ? -1 : 1);
    *p = eol + 1;
    return true;
}

bool gitsrc_commit_parse(const unsigned char *data, size_t len, git_oid *tree,
                         struct gitsrc_sig *author)
{
    const unsigned char *p = data, *end = data + len;
    struct gitsrc_sig committer;
    git_oid parent;

    if (!id_line(&p, end, "tree ", tree))
        return false;
    while ((size_t)(end - p) >= 7 && memcmp(p, "parent ", 7) == 0)
        if (!id_line(&p, end, "parent ", &parent))
            return false;
    if (!sig_line(&p, end, "author ", author))
        return false;
    /* libgit2 skips further author lines; leave that to it */
    return sig_line(&p, end, "committer ", &committer);
}

/* ---- reading ahead ---- */

struct ahead_job {
    struct gitsrc_commits *c;
    size_t nparts;
    _Atomic size_t next;
};

/* Read and parse the commits at idx positions [from, to) of all packs. */
static void read_part(struct gitsrc_commits *c, struct gitsrc_reader *rd, size_t from, size_t to)
{
    const struct gitsrc_packs *ps = c->ps;
    uint32_t p = 0;

    while (p < ps->n && c->first[p + 1] <= from)
        p++;
    for (size_t i = from; i < to; i++) {
        const struct gitsrc_pack *x;
        struct gitsrc_pack_hdr h;
        struct gitsrc_obj *obj = NULL;
        struct gitsrc_commit *cm;
        git_object_t type;
        size_t size;
        uint64_t off;

        while (c->first[p + 1] <= i)
            p++;
        x = &ps->v[p];
        if (!x->packmap)
            continue;
        off = gitsrc_idx_offset(&x->idx, (uint32_t)(i - c->first[p]));
        /* only whole commits: a commit stored as a delta is libgit2's */
        if (off == UINT64_MAX || gitsrc_pack_header(x->packmap, x->packlen, off, &h) != 0 ||
            h.type != GITSRC_PACK_COMMIT || h.size > GITSRC_COMMIT_MAX)
            continue;
        if (gitsrc_reader_read_at(rd, p, off, GITSRC_COMMIT_MAX, &obj, &type, &size, NULL) != 0)
            continue; /* corrupt: libgit2 says so when the walk asks for it */
        cm = moat_malloc(sizeof(*cm) + obj->len + 1);
        memset(cm, 0, sizeof(*cm));
        cm->len = obj->len;
        memcpy(cm->raw, obj->data, obj->len + 1);
        cm->parsed = gitsrc_commit_parse(cm->raw, cm->len, &cm->tree, &cm->author);
        if (cm->parsed &&
            gitsrc_iso_date(cm->author.time, cm->author.offset, cm->date, sizeof(cm->date)) != 0)
            cm->date[0] = '\0'; /* a forged time: the date is unknown */
        gitsrc_obj_release(obj);
        c->slot[i] = cm;
    }
}

static void ahead_task(void *arg, int worker)
{
    struct ahead_job *j = arg;
    struct gitsrc_reader *rd = gitsrc_reader_new(j->c->ps, 0);
    size_t k;

    (void)worker;
    while ((k = atomic_fetch_add(&j->next, 1)) < j->nparts)
        read_part(j->c, rd, j->c->n * k / j->nparts, j->c->n * (k + 1) / j->nparts);
    gitsrc_reader_free(rd);
}

void gitsrc_commits_load(struct gitsrc_commits *c, const struct gitsrc_packs *ps, size_t nthreads)
{
    struct ahead_job j = { .c = c };
    struct moat_pool *pool;

    memset(c, 0, sizeof(*c));
    c->ps = ps;
    c->first = moat_calloc(ps->n + 1, sizeof(*c->first));
    for (size_t p = 0; p < ps->n; p++)
        c->first[p + 1] = c->first[p] + ps->v[p].idx.n;
    c->n = c->first[ps->n];
    if (c->n == 0)
        return;
    c->slot = moat_calloc(c->n, sizeof(*c->slot));
    j.nparts = nthreads * 4;
    if (nthreads <= 1) {
        ahead_task(&j, 0);
        return;
    }
    pool = moat_pool_new((int)nthreads, nthreads);
    for (size_t i = 0; i < nthreads; i++)
        moat_pool_submit(pool, ahead_task, &j);
    moat_pool_wait(pool);
    moat_pool_free(pool);
}

const struct gitsrc_commit *gitsrc_commits_get(const struct gitsrc_commits *c, const git_oid *id)
{
    uint32_t pos;

    if (!c->slot)
        return NULL;
    for (size_t p = 0; p < c->ps->n; p++)
        if (gitsrc_idx_pos(&c->ps->v[p].idx, id, &pos))
            return c->slot[c->first[p] + pos];
    return NULL;
}

void gitsrc_commits_release(struct gitsrc_commits *c)
{
    for (size_t i = 0; c->slot && i < c->n; i++)
        free(c->slot[i]);
    free(c->slot);
    free(c->first);
    memset(c, 0, sizeof(*c));
}
