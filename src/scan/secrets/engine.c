/* The secrets engine: one Hyperscan block-mode database holds every rule, so
 * one pass over a blob finds all candidates; PCRE2-JIT then confirms each one
 * and captures the secret in a window bounded by the rule's maximum match
 * width. Candidates go through validators and filters, overlapping findings
 * are merged, and one level of base64, URL and JSON encoding is decoded and
 * scanned the same way. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <sodium.h>
#include "secrets.h"
#include "core/banned.h"

#define WINDOW_CAP     4096 /* match width assumed for custom patterns without a bound */
#define KEYWORD_BEFORE 256  /* a rule's keyword must be this close before the match... */
#define KEYWORD_AFTER  64   /* ...or this close after it */
#define MATCH_LIMIT    200000
#define DEPTH_LIMIT    20000
#define MAX_CANDIDATES 100000 /* per blob: past this, a blob is noise, not a leak */
#define HS_FLAGS       HS_FLAG_MULTILINE
#define PCRE2_FLAGS    (PCRE2_MULTILINE | PCRE2_USE_OFFSET_LIMIT)
#define GROUP_FIRST    (-1) /* the secret is the first group that matched */

/* Internal Hyperscan patterns that tell the decoders where to start. They
 * report once per blob (HS_FLAG_SINGLEMATCH). */
enum { TRIG_BASE64, TRIG_URL, TRIG_JSON, NTRIG };
static const char *const trigger_patterns[NTRIG] = {
    "[A-Za-z0-9+/]{32}",
    "%[2-7][0-9A-Fa-f]",
    "\\\\[nru/]",
};

struct crule {
    pcre2_code *re;
    int group;         /* GROUP_FIRST, 0 (whole match) or the secret's group */
    size_t minw, maxw; /* width of a trigger match: where a match may start */
    bool hs;           /* in the Hyperscan database; else PCRE2 scans whole blobs */
    bool prefilter;    /* in it as an approximation (HS_FLAG_PREFILTER) */
};

struct secrets_engine {
    struct secrets_rule *rules;
    struct crule *c;
    size_t n;
    hs_database_t *db;
    pcre2_code **allow_re;
    size_t nallow_re;
    char **allow_values;
    size_t nallow_values;
    char **owned; /* strings of custom rules */
    size_t nowned;
    uint32_t pairs; /* ovector pairs the largest rule needs */
    bool any_nohs;
};

struct region {
    size_t lo, hi; /* a match starts in [lo, hi]; lo == SIZE_MAX: none */
};

struct cand {
    uint32_t rule;
    size_t start, end, soff, slen;
    bool drop;
    bool weak; /* the validator said SECRETS_WEAK */
};

struct secrets_scratch {
    const struct secrets_engine *e;
    hs_scratch_t *hs;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;
    struct region *reg;
    size_t *last_end;
    uint32_t *touched;
    size_t ntouched;
    MOAT_VEC(struct cand) cands;
    MOAT_VEC(struct cand) plain; /* accepted plain matches, to skip decoded repeats */
    size_t trig[NTRIG];
    struct secrets_decoded dec;
    /* the buffer being scanned */
    const unsigned char *buf;
    size_t len;
    unsigned flags; /* SECRETS_SCAN_* */
};

static char *own(struct secrets_engine *e, char *s)
{
    e->owned = moat_realloc(e->owned, (e->nowned + 1) * sizeof(*e->owned));
    e->owned[e->nowned++] = s;
    return s;
}

static bool id_disabled(const struct moat_config *cfg, const char *id)
{
    for (size_t i = 0; cfg && i < cfg->ndisabled_rules; i++)
        if (strcmp(cfg->disabled_rules[i], id) == 0)
            return true;
    return false;
}

static bool valid_id(const char *id)
{
    if (!id || !*id || strlen(id) > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* Gather the enabled rules: built-ins, then the config's own. */
static int collect_rules(struct secrets_engine *e, const struct moat_config *cfg,
                         struct moat_err *err)
{
    size_t ncustom = cfg ? cfg->nrules : 0;

    e->rules = moat_calloc(secrets_builtin_count + ncustom, sizeof(*e->rules));
    for (size_t i = 0; i < secrets_builtin_count; i++)
        if (!id_disabled(cfg, secrets_builtin_rules[i].id))
            e->rules[e->n++] = secrets_builtin_rules[i];
    for (size_t i = 0; i < ncustom; i++) {
        const struct moat_custom_rule *cr = &cfg->rules[i];
        struct secrets_rule *r;
        struct moat_buf kw = MOAT_BUF_INIT(4096);

        if (!valid_id(cr->id))
            return moat_err_set(err, MOAT_EINVAL, "custom secret rule #%zu: bad id", i + 1);
        for (size_t k = 0; k < secrets_builtin_count; k++)
            if (strcmp(secrets_builtin_rules[k].id, cr->id) == 0)
                return moat_err_set(err, MOAT_EINVAL,
                                    "custom secret rule '%s': a built-in rule has that id", cr->id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(cfg->rules[k].id, cr->id) == 0)
                return moat_err_set(err, MOAT_EINVAL, "custom secret rule '%s': defined twice",
                                    cr->id);
        if (!cr->regex || !*cr->regex)
            return moat_err_set(err, MOAT_EREGEX, "custom secret rule '%s': empty regex", cr->id);
        if (id_disabled(cfg, cr->id))
            continue;
        r = &e->rules[e->n++];
        r->id = cr->id;
        r->sev = cr->sev;
        r->conf = MOAT_CONF_MEDIUM;
        r->provider = "the service that issued it";
        r->title = cr->description && *cr->description ? cr->description : cr->id;
        r->check = SECRETS_CHECK_NONE;
        r->min_entropy = cr->min_entropy;
        r->regex = cr->regex;
        r->flags = SECRETS_F_CUSTOM;
        for (size_t k = 0; k < cr->nkeywords; k++) {
            if ((k && moat_buf_addch(&kw, '|') != 0) ||
                moat_buf_addstr(&kw, cr->keywords[k]) != 0) {
                moat_buf_release(&kw);
                return moat_err_set(err, MOAT_ETOOBIG, "custom secret rule '%s': too many keywords",
                                    cr->id);
            }
        }
        if (kw.len)
            r->keywords = own(e, moat_buf_detach(&kw, NULL));
        moat_buf_release(&kw);
    }
    return 0;
}

static int compile_pcre(struct secrets_engine *e, size_t i, struct moat_err *err)
{
    const struct secrets_rule *r = &e->rules[i];
    struct crule *c = &e->c[i];
    int code;
    PCRE2_SIZE where;
    uint32_t ncap = 0;

    c->re = pcre2_compile((PCRE2_SPTR)r->regex, PCRE2_ZERO_TERMINATED, PCRE2_FLAGS, &code, &where,
                          NULL);
    if (!c->re) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            msg[0] = '\0';
        return moat_err_set(err, MOAT_EREGEX, "secret rule '%s': %s at offset %zu", r->id,
                            (const char *)msg, (size_t)where);
    }
    if (pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE) != 0) {
        /* no JIT on this CPU or pattern: the interpreter gives the same answers */
    }
    if (pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &ncap) != 0)
        ncap = 0;
    if (ncap + 1 > e->pairs)
        e->pairs = ncap + 1;
    if (r->flags & SECRETS_F_CUSTOM) {
        int g = pcre2_substring_number_from_name(c->re, (PCRE2_SPTR) "secret");
        c->group = g > 0 ? g : ncap > 0 ? 1 : 0;
    } else {
        c->group = GROUP_FIRST;
    }
    return 0;
}

/* Ask Hyperscan about one pattern: can it take it, and how wide are its
 * matches? Custom patterns it refuses fall back to prefilter mode, then to
 * PCRE2 alone. */
static int probe_hs(struct secrets_engine *e, size_t i, struct moat_err *err)
{
    const struct secrets_rule *r = &e->rules[i];
    struct crule *c = &e->c[i];
    const char *pat = r->trigger ? r->trigger : r->regex;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;

    if (hs_expression_info(pat, HS_FLAGS, &info, &ce) != HS_SUCCESS) {
        if (!(r->flags & SECRETS_F_CUSTOM)) {
            int rc = moat_err_set(err, MOAT_EINTERNAL, "built-in secret rule '%s': %s", r->id,
                                  ce->message);
            hs_free_compile_error(ce);
            return rc;
        }
        hs_free_compile_error(ce);
        ce = NULL;
        if (hs_expression_info(pat, HS_FLAGS | HS_FLAG_PREFILTER, &info, &ce) != HS_SUCCESS) {
            hs_free_compile_error(ce);
            c->hs = false;
            e->any_nohs = true;
            return 0;
        }
        c->prefilter = true;
    }
    c->hs = true;
    c->minw = info->min_width;
    c->maxw = info->max_width == UINT_MAX ? WINDOW_CAP : info->max_width;
    if (c->maxw > WINDOW_CAP && (r->flags & SECRETS_F_CUSTOM))
        c->maxw = WINDOW_CAP;
    if (c->minw > c->maxw)
        c->minw = c->maxw;
    free(info);
    return 0;
}

static int compile_hs(struct secrets_engine *e, struct moat_err *err)
{
    const char **pats = moat_calloc(e->n + NTRIG, sizeof(*pats));
    unsigned *flags = moat_calloc(e->n + NTRIG, sizeof(*flags));
    unsigned *ids = moat_calloc(e->n + NTRIG, sizeof(*ids));
    size_t *rule_of = moat_calloc(e->n + NTRIG, sizeof(*rule_of));
    hs_compile_error_t *ce = NULL;
    int rc = 0;

    for (;;) {
        unsigned m = 0;
        for (size_t i = 0; i < e->n; i++) {
            if (!e->c[i].hs)
                continue;
            pats[m] = e->rules[i].trigger ? e->rules[i].trigger : e->rules[i].regex;
            flags[m] = HS_FLAGS | (e->c[i].prefilter ? HS_FLAG_PREFILTER : 0);
            ids[m] = (unsigned)i;
            rule_of[m++] = i;
        }
        for (unsigned t = 0; t < NTRIG; t++) {
            pats[m] = trigger_patterns[t];
            flags[m] = HS_FLAG_SINGLEMATCH;
            ids[m] = (unsigned)e->n + t;
            rule_of[m++] = SIZE_MAX;
        }
        if (hs_compile_multi(pats, flags, ids, m, HS_MODE_BLOCK, NULL, &e->db, &ce) == HS_SUCCESS)
            break;
        if (ce->expression < 0 || rule_of[ce->expression] == SIZE_MAX ||
            !(e->rules[rule_of[ce->expression]].flags & SECRETS_F_CUSTOM)) {
            rc = moat_err_set(err, MOAT_EINTERNAL, "secret rules do not compile: %s", ce->message);
            goto out;
        }
        /* A custom pattern Hyperscan takes alone but not in the set (too
         * large, say): approximate it, or leave it to PCRE2. */
        {
            struct crule *c = &e->c[rule_of[ce->expression]];
            if (!c->prefilter) {
                c->prefilter = true;
            } else {
                c->hs = false;
                e->any_nohs = true;
            }
        }
        hs_free_compile_error(ce);
        ce = NULL;
    }
out:
    hs_free_compile_error(ce);
    free(pats);
    free(flags);
    free(ids);
    free(rule_of);
    return rc;
}

static int compile_allowlists(struct secrets_engine *e, const struct moat_config *cfg,
                              struct moat_err *err)
{
    if (!cfg)
        return 0;
    e->allow_re = moat_calloc(cfg->nallow_regexes + 1, sizeof(*e->allow_re));
    for (size_t i = 0; i < cfg->nallow_regexes; i++) {
        int code;
        PCRE2_SIZE where;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)cfg->allow_regexes[i], PCRE2_ZERO_TERMINATED, 0,
                                       &code, &where, NULL);
        if (!re) {
            PCRE2_UCHAR msg[160];
            if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
                msg[0] = '\0';
            return moat_err_set(err, MOAT_EREGEX, "allowlist regex #%zu: %s at offset %zu", i + 1,
                                (const char *)msg, (size_t)where);
        }
        if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0) {
            /* the interpreter will do */
        }
        e->allow_re[e->nallow_re++] = re;
    }
    e->allow_values = moat_calloc(cfg->nallow_values + 1, sizeof(*e->allow_values));
    for (size_t i = 0; i < cfg->nallow_values; i++)
        e->allow_values[e->nallow_values++] = moat_strdup(cfg->allow_values[i]);
    return 0;
}

/* Everything the compiled database depends on. */
static void cache_key(const struct secrets_engine *e, unsigned char key[SECRETS_CACHE_KEY])
{
    static const char version[] = "moat-secrets-db-1";
    crypto_generichash_state st;
    hs_platform_info_t plat;
    const char *hsv = hs_version();
    unsigned flags[2] = { HS_FLAGS, WINDOW_CAP };

    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS) {
        /* zeroed: the key still names the patterns and the version */
    }
    crypto_generichash_init(&st, NULL, 0, SECRETS_CACHE_KEY);
    crypto_generichash_update(&st, (const unsigned char *)version, sizeof(version));
    crypto_generichash_update(&st, (const unsigned char *)hsv, strlen(hsv) + 1);
    crypto_generichash_update(&st, (const unsigned char *)&plat, sizeof(plat));
    crypto_generichash_update(&st, (const unsigned char *)flags, sizeof(flags));
    for (size_t i = 0; i < e->n; i++) {
        const char *pat = e->rules[i].trigger ? e->rules[i].trigger : e->rules[i].regex;
        unsigned char custom = (e->rules[i].flags & SECRETS_F_CUSTOM) != 0;
        crypto_generichash_update(&st, (const unsigned char *)pat, strlen(pat) + 1);
        crypto_generichash_update(&st, &custom, 1);
    }
    for (int t = 0; t < NTRIG; t++)
        crypto_generichash_update(&st, (const unsigned char *)trigger_patterns[t],
                                  strlen(trigger_patterns[t]) + 1);
    crypto_generichash_final(&st, key, SECRETS_CACHE_KEY);
}

/* The Hyperscan side: from the cache when it has this exact rule set, else
 * compiled (about a second) and cached. */
static int build_hs(struct secrets_engine *e, struct moat_err *err)
{
    unsigned char key[SECRETS_CACHE_KEY];
    struct secrets_width *w = moat_calloc(e->n + 1, sizeof(*w));
    int rc = 0;

    cache_key(e, key);
    if (secrets_cache_load(key, w, e->n, &e->db)) {
        for (size_t i = 0; i < e->n; i++) {
            e->c[i].minw = w[i].minw;
            e->c[i].maxw = w[i].maxw;
            e->c[i].hs = w[i].hs;
            e->c[i].prefilter = w[i].prefilter;
            e->any_nohs = e->any_nohs || !w[i].hs;
        }
        goto out;
    }
    for (size_t i = 0; i < e->n; i++)
        if ((rc = probe_hs(e, i, err)) != 0)
            goto out;
    if ((rc = compile_hs(e, err)) != 0)
        goto out;
    for (size_t i = 0; i < e->n; i++)
        w[i] = (struct secrets_width){ e->c[i].minw, e->c[i].maxw, e->c[i].hs, e->c[i].prefilter };
    secrets_cache_save(key, w, e->n, e->db);
out:
    free(w);
    return rc;
}

int secrets_engine_new(const struct moat_config *cfg, struct secrets_engine **out,
                       struct moat_err *err)
{
    struct secrets_engine *e = moat_calloc(1, sizeof(*e));
    int rc;

    *out = NULL;
    if ((rc = collect_rules(e, cfg, err)) != 0)
        goto out;
    e->c = moat_calloc(e->n + 1, sizeof(*e->c));
    for (size_t i = 0; i < e->n; i++)
        if ((rc = compile_pcre(e, i, err)) != 0)
            goto out;
    if ((rc = build_hs(e, err)) != 0 || (rc = compile_allowlists(e, cfg, err)) != 0)
        goto out;
    *out = e;
    e = NULL;
out:
    secrets_engine_free(e);
    return rc;
}

/* One engine per configuration at a time, shared by the analyzers of a scan
 * (secrets, and config for its literal-value checks), which would otherwise
 * each compile the same patterns. The configuration outlives its scans, so
 * its address names it while the engine is in use. */
static struct {
    pthread_mutex_t mu;
    const struct moat_config *cfg;
    struct secrets_engine *e;
    size_t refs;
} shared = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0 };

int secrets_engine_acquire(const struct moat_config *cfg, struct secrets_engine **out,
                           struct moat_err *err)
{
    int rc = 0;

    *out = NULL;
    pthread_mutex_lock(&shared.mu);
    if (shared.refs > 0 && shared.cfg == cfg) {
        shared.refs++;
        *out = shared.e;
    } else if ((rc = secrets_engine_new(cfg, out, err)) == 0 && shared.refs == 0) {
        shared.cfg = cfg;
        shared.e = *out;
        shared.refs = 1;
    }
    pthread_mutex_unlock(&shared.mu);
    return rc;
}

void secrets_engine_release(struct secrets_engine *e)
{
    struct secrets_engine *doomed = e;

    if (!e)
        return;
    pthread_mutex_lock(&shared.mu);
    if (shared.refs > 0 && e == shared.e) {
        doomed = --shared.refs == 0 ? e : NULL;
        if (doomed) {
            shared.e = NULL;
            shared.cfg = NULL;
        }
    }
    pthread_mutex_unlock(&shared.mu);
    secrets_engine_free(doomed);
}

void secrets_engine_free(struct secrets_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; e->c && i < e->n; i++)
        pcre2_code_free(e->c[i].re);
    for (size_t i = 0; i < e->nallow_re; i++)
        pcre2_code_free(e->allow_re[i]);
    for (size_t i = 0; i < e->nallow_values; i++)
        free(e->allow_values[i]);
    for (size_t i = 0; i < e->nowned; i++)
        free(e->owned[i]);
    hs_free_database(e->db);
    free(e->allow_re);
    free(e->allow_values);
    free(e->owned);
    free(e->c);
    free(e->rules);
    free(e);
}

size_t secrets_engine_rules(const struct secrets_engine *e, const struct secrets_rule **out)
{
    *out = e->rules;
    return e->n;
}

int secrets_scratch_new(const struct secrets_engine *e, struct secrets_scratch **out,
                        struct moat_err *err)
{
    struct secrets_scratch *s = moat_calloc(1, sizeof(*s));
    int rc = 0;

    *out = NULL;
    s->e = e;
    if (hs_alloc_scratch(e->db, &s->hs) != HS_SUCCESS) {
        rc = moat_err_set(err, MOAT_EINTERNAL, "cannot allocate Hyperscan scratch");
        goto out;
    }
    s->md = pcre2_match_data_create(e->pairs, NULL);
    s->mc = pcre2_match_context_create(NULL);
    s->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!s->md || !s->mc || !s->js) {
        rc = moat_err_set(err, MOAT_EINTERNAL, "cannot allocate PCRE2 match data");
        goto out;
    }
    pcre2_jit_stack_assign(s->mc, NULL, s->js);
    pcre2_set_match_limit(s->mc, MATCH_LIMIT);
    pcre2_set_depth_limit(s->mc, DEPTH_LIMIT);
    s->reg = moat_malloc((e->n + 1) * sizeof(*s->reg));
    for (size_t i = 0; i < e->n; i++)
        s->reg[i].lo = SIZE_MAX;
    s->last_end = moat_calloc(e->n + 1, sizeof(*s->last_end));
    s->touched = moat_calloc(e->n + 1, sizeof(*s->touched));
    secrets_decoded_init(&s->dec);
    *out = s;
    s = NULL;
out:
    secrets_scratch_free(s);
    return rc;
}

void secrets_scratch_free(struct secrets_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mc);
    pcre2_jit_stack_free(s->js);
    free(s->reg);
    free(s->last_end);
    free(s->touched);
    free(s->cands.v);
    free(s->plain.v);
    secrets_decoded_release(&s->dec);
    free(s);
}

/* ---- scanning ---- */

/* Run rule id's PCRE2 over match starts in [lo, hi], collecting every
 * non-overlapping match. */
static void confirm(struct secrets_scratch *s, uint32_t id, size_t lo, size_t hi)
{
    const struct crule *c = &s->e->c[id];
    size_t pos = lo > s->last_end[id] ? lo : s->last_end[id];

    if (hi > s->len)
        hi = s->len;
    pcre2_set_offset_limit(s->mc, hi);
    while (pos <= hi && s->cands.n < MAX_CANDIDATES) {
        PCRE2_SIZE *ov;
        size_t start, end, so = 0, sl = 0;
        int rc = pcre2_match(c->re, s->buf, s->len, pos, 0, s->md, s->mc);

        if (rc <= 0)
            break;
        ov = pcre2_get_ovector_pointer(s->md);
        start = ov[0];
        end = ov[1];
        if (c->group == GROUP_FIRST) {
            for (int g = 1; g < rc; g++) {
                if (ov[2 * g] != PCRE2_UNSET) {
                    so = ov[2 * g];
                    sl = ov[2 * g + 1] - so;
                    break;
                }
            }
            if (rc == 1) {
                so = start;
                sl = end - start;
            }
        } else if (c->group < rc && ov[2 * c->group] != PCRE2_UNSET) {
            so = ov[2 * c->group];
            sl = ov[2 * c->group + 1] - so;
        }
        if (sl > 0) {
            struct cand cd = { id, start, end, so, sl, false, false };
            MOAT_VEC_PUSH(&s->cands, cd);
        }
        s->last_end[id] = end;
        pos = end > start ? end : start + 1;
    }
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    struct secrets_scratch *s = ctx;
    const struct crule *c;
    struct region *r;
    size_t lo, hi;

    (void)from;
    (void)flags;
    if (id >= s->e->n) {
        if (to < s->trig[id - s->e->n])
            s->trig[id - s->e->n] = (size_t)to;
        return 0;
    }
    c = &s->e->c[id];
    lo = to > c->maxw ? (size_t)to - c->maxw : 0;
    hi = to > c->minw ? (size_t)to - c->minw : 0;
    r = &s->reg[id];
    if (r->lo == SIZE_MAX) {
        s->touched[s->ntouched++] = id;
    } else if (lo <= r->hi + 1 && hi + 1 >= r->lo) {
        /* overlapping windows: one PCRE2 run covers both */
        if (lo > r->lo)
            lo = r->lo;
        if (hi < r->hi)
            hi = r->hi;
    } else {
        confirm(s, id, r->lo, r->hi);
    }
    r->lo = lo;
    r->hi = hi;
    return 0;
}

static bool keyword_near(const struct secrets_scratch *s, const struct cand *cd, const char *kws)
{
    size_t a = cd->start > KEYWORD_BEFORE ? cd->start - KEYWORD_BEFORE : 0;
    size_t b = cd->end + KEYWORD_AFTER < s->len ? cd->end + KEYWORD_AFTER : s->len;

    while (*kws) {
        size_t n = strcspn(kws, "|");
        if (n && moat_memcasemem((const char *)s->buf + a, b - a, kws, n))
            return true;
        kws += n;
        if (*kws == '|')
            kws++;
    }
    return false;
}

static bool allowed(const struct secrets_engine *e, struct secrets_scratch *s,
                    const unsigned char *v, size_t n)
{
    for (size_t i = 0; i < e->nallow_values; i++)
        if (strlen(e->allow_values[i]) == n && memcmp(e->allow_values[i], v, n) == 0)
            return true;
    if (e->nallow_re) {
        pcre2_set_offset_limit(s->mc, PCRE2_UNSET);
        for (size_t i = 0; i < e->nallow_re; i++)
            if (pcre2_match(e->allow_re[i], v, n, 0, 0, s->md, s->mc) >= 0)
                return true;
    }
    return false;
}

/* Structural checks decide alone: a key body may contain anything. */
static bool structural(enum secrets_check c)
{
    return c == SECRETS_CHECK_PEM_DER || c == SECRETS_CHECK_OPENSSH || c == SECRETS_CHECK_PGP ||
           c == SECRETS_CHECK_PPK || c == SECRETS_CHECK_PYPI || c == SECRETS_CHECK_GENERIC ||
           c == SECRETS_CHECK_URL_PASSWORD || c == SECRETS_CHECK_BASIC_AUTH ||
           c == SECRETS_CHECK_VALUE;
}

static bool accept(struct secrets_scratch *s, struct cand *cd)
{
    const struct secrets_engine *e = s->e;
    const struct secrets_rule *r = &e->rules[cd->rule];
    const unsigned char *v = s->buf + cd->soff;
    struct secrets_cand sc = { s->buf, s->len, cd->start, cd->end, cd->soff, cd->slen };

    if ((s->flags & SECRETS_SCAN_NO_GENERIC) && (r->flags & SECRETS_F_GENERIC))
        return false;
    if (r->keywords && !keyword_near(s, cd, r->keywords))
        return false;
    if (secrets_is_well_known(v, cd->slen))
        return false;
    if (!structural(r->check) && secrets_is_placeholder(v, cd->slen, r->flags))
        return false;
    if (r->min_entropy > 0 && secrets_entropy(v, cd->slen) < r->min_entropy)
        return false;
    switch (secrets_check(r->check, &sc)) {
    case SECRETS_NO: return false;
    case SECRETS_YES: break;
    case SECRETS_WEAK: cd->weak = true; break;
    }
    return !allowed(e, s, v, cd->slen);
}

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->soff != y->soff)
        return x->soff < y->soff ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return 0;
}

/* Where two findings claim overlapping bytes, keep one: a specific rule beats
 * a generic one; otherwise the earlier rule in rules.def wins. */
static void dedupe(struct secrets_scratch *s)
{
    const struct secrets_rule *rules = s->e->rules;
    struct cand *v = s->cands.v;
    size_t n = s->cands.n;

    if (n < 2)
        return;
    qsort(v, n, sizeof(*v), cmp_cand);
    for (size_t i = 0; i < n; i++) {
        if (v[i].drop)
            continue;
        for (size_t j = i + 1; j < n && v[j].soff < v[i].soff + v[i].slen; j++) {
            bool gi = rules[v[i].rule].flags & SECRETS_F_GENERIC;
            bool gj = rules[v[j].rule].flags & SECRETS_F_GENERIC;
            if (v[j].drop)
                continue;
            if (gi && !gj) {
                v[i].drop = true;
                break;
            }
            if (gj && !gi) {
                v[j].drop = true;
                continue;
            }
            if (gi || (v[j].soff == v[i].soff && v[j].slen == v[i].slen) ||
                v[j].rule == v[i].rule) {
                if (v[j].rule < v[i].rule) {
                    v[i].drop = true;
                    break;
                }
                v[j].drop = true;
            }
        }
    }
}

/* Scan s->buf: collect, confirm, filter and de-duplicate candidates. */
static void scan_buffer(struct secrets_scratch *s, const unsigned char *buf, size_t len)
{
    const struct secrets_engine *e = s->e;
    size_t n = 0;

    s->buf = buf;
    s->len = len;
    s->cands.n = 0;
    s->ntouched = 0;
    for (int t = 0; t < NTRIG; t++)
        s->trig[t] = SIZE_MAX;
    /* hs_scan takes an unsigned length; blobs are capped far below that */
    if (hs_scan(e->db, (const char *)buf, len > UINT_MAX ? UINT_MAX : (unsigned)len, 0, s->hs,
                on_match, s) != HS_SUCCESS) {
        /* only a scratch mismatch fails, and the scratch is ours */
    }
    for (size_t i = 0; i < s->ntouched; i++) {
        uint32_t id = s->touched[i];
        confirm(s, id, s->reg[id].lo, s->reg[id].hi);
        s->reg[id].lo = SIZE_MAX;
    }
    if (e->any_nohs)
        for (uint32_t id = 0; id < e->n; id++)
            if (!e->c[id].hs)
                confirm(s, id, 0, len);
    for (size_t i = 0; i < s->ntouched; i++)
        s->last_end[s->touched[i]] = 0;
    if (e->any_nohs)
        for (uint32_t id = 0; id < e->n; id++)
            s->last_end[id] = 0;
    for (size_t i = 0; i < s->cands.n; i++)
        if (accept(s, &s->cands.v[i]))
            s->cands.v[n++] = s->cands.v[i];
    s->cands.n = n;
    dedupe(s);
}

static size_t report_offset(const struct secrets_engine *e, const unsigned char *buf,
                            const struct cand *cd)
{
    /* a block (PEM, PuTTY): report its first line */
    if (cd->soff < cd->start || e->rules[cd->rule].trigger)
        return cd->start;
    /* a secret on a later line than its match (a PEM body): report the match */
    return memchr(buf + cd->start, '\n', cd->soff - cd->start) ? cd->start : cd->soff;
}

static const struct secrets_segment *segment_of(const struct secrets_decoded *d, size_t doff)
{
    size_t lo = 0, hi = d->nseg;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->seg[mid].doff + d->seg[mid].dlen < doff)
            lo = mid + 1;
        else if (d->seg[mid].doff > doff)
            hi = mid;
        else
            return &d->seg[mid];
    }
    return NULL;
}

/* A source map ({"version":3,...}): its escaped strings are the original
 * sources of code shipped beside it, 97% of what a node_modules tree would
 * decode. Its plain text is still scanned, and the rules read \n and \"
 * inside strings, so only line-anchored formats in embedded sources are
 * left out. */
static bool is_source_map(const unsigned char *p, size_t len)
{
    size_t i = 0;

    while (i < len && i < 16 && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
        i++;
    return len - i > 14 &&
           (memcmp(p + i, "{\"version\":3", 12) == 0 || memcmp(p + i, "{\"version\": 3", 13) == 0);
}

/* The first plain match at or after off (plain is sorted by offset). */
static size_t first_plain_at(const struct secrets_scratch *s, size_t off)
{
    size_t lo = 0, hi = s->plain.n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->plain.v[mid].soff < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t secrets_engine_scan(const struct secrets_engine *e, struct secrets_scratch *s,
                           const unsigned char *data, size_t len, unsigned flags,
                           secrets_match_fn fn, void *ctx)
{
    size_t reported = 0;
    size_t trig[NTRIG];

    if (!data)
        data = (const unsigned char *)"";
    s->flags = flags;
    scan_buffer(s, data, len);
    memcpy(trig, s->trig, sizeof(trig));
    s->plain.n = 0;
    for (size_t i = 0; i < s->cands.n; i++) {
        const struct cand *cd = &s->cands.v[i];
        struct secrets_match m = {
            &e->rules[cd->rule], report_offset(e, data, cd),
            data + cd->soff,     cd->slen,
            SECRETS_LAYER_PLAIN, cd->weak ? MOAT_CONF_LOW : e->rules[cd->rule].conf
        };
        if (cd->drop)
            continue;
        MOAT_VEC_PUSH(&s->plain, *cd);
        fn(ctx, &m);
        reported++;
    }

    /* One level of decoding; what is found inside is not decoded again. */
    secrets_decoded_reset(&s->dec);
    if (trig[TRIG_BASE64] != SIZE_MAX)
        secrets_decode_base64(&s->dec, data, len,
                              trig[TRIG_BASE64] > 64 ? trig[TRIG_BASE64] - 64 : 0);
    if (trig[TRIG_URL] != SIZE_MAX)
        secrets_decode_url(&s->dec, data, len, trig[TRIG_URL] > 3 ? trig[TRIG_URL] - 3 : 0);
    if (trig[TRIG_JSON] != SIZE_MAX && !is_source_map(data, len))
        secrets_decode_json(&s->dec, data, len, trig[TRIG_JSON] - 2);
    if (s->dec.nseg == 0)
        return reported;
    scan_buffer(s, (const unsigned char *)s->dec.buf.data, s->dec.buf.len);
    for (size_t i = 0; i < s->cands.n; i++) {
        const struct cand *cd = &s->cands.v[i];
        const struct secrets_segment *seg = segment_of(&s->dec, cd->soff);
        struct secrets_match m;
        bool seen = false;

        if (cd->drop || !seg)
            continue;
        for (size_t k = first_plain_at(s, seg->off);
             k < s->plain.n && s->plain.v[k].soff < seg->off + seg->len && !seen; k++)
            seen = s->plain.v[k].rule == cd->rule;
        if (seen)
            continue;
        m = (struct secrets_match){ &e->rules[cd->rule],
                                    seg->off,
                                    (const unsigned char *)s->dec.buf.data + cd->soff,
                                    cd->slen,
                                    seg->layer,
                                    cd->weak ? MOAT_CONF_LOW : e->rules[cd->rule].conf };
        fn(ctx, &m);
        reported++;
    }
    return reported;
}
