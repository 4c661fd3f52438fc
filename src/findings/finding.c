/* The finding model: allocation, fingerprints, severities and the thread-safe
 * list analyzers add to. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <moat/findings.h>
#include "core/core.h"
#include "core/banned.h"

struct moat_finding *moat_finding_new(void)
{
    return moat_calloc(1, sizeof(struct moat_finding));
}

void moat_finding_free(struct moat_finding *f)
{
    if (!f)
        return;
    free(f->rule_id);
    free(f->analyzer);
    free(f->title);
    free(f->message);
    free(f->fix);
    free(f->cwe);
    free(f->path);
    free(f->commit);
    free(f->author);
    free(f->email);
    free(f->date);
    free(f->redacted);
    if (f->dep) {
        free(f->dep->ecosystem);
        free(f->dep->package);
        free(f->dep->version);
        free(f->dep->advisory);
        for (size_t i = 0; i < f->dep->naliases; i++)
            free(f->dep->aliases[i]);
        free(f->dep->aliases);
        free(f->dep->fixed);
        free(f->dep->cvss);
        free(f->dep);
    }
    if (f->secret) {
        sodium_memzero(f->secret, strlen(f->secret));
        free(f->secret);
    }
    free(f);
}

void moat_finding_fingerprint(struct moat_finding *f, const void *content, size_t len)
{
    unsigned char out[MOAT_FINGERPRINT_HEX / 2];
    crypto_generichash_state st;
    static const unsigned char sep = 0;
    const char *rule = f->rule_id ? f->rule_id : "";
    const char *path = f->path ? f->path : "";

    crypto_generichash_init(&st, NULL, 0, sizeof(out));
    crypto_generichash_update(&st, (const unsigned char *)rule, strlen(rule));
    crypto_generichash_update(&st, &sep, 1);
    crypto_generichash_update(&st, (const unsigned char *)path, strlen(path));
    crypto_generichash_update(&st, &sep, 1);
    crypto_generichash_update(&st, content, len);
    crypto_generichash_final(&st, out, sizeof(out));
    moat_hex(out, sizeof(out), f->fingerprint);
}

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *moat_sev_name(enum moat_sev s)
{
    return (unsigned)s < 5 ? sev_names[s] : "unknown";
}

int moat_sev_parse(const char *s, enum moat_sev *out)
{
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(s, sev_names[i]) == 0) {
            *out = (enum moat_sev)i;
            return 0;
        }
    }
    return MOAT_EINVAL;
}

const char *moat_conf_name(enum moat_conf c)
{
    static const char *const names[] = { "low", "medium", "high" };
    return (unsigned)c < 3 ? names[c] : "unknown";
}

void moat_findings_init(struct moat_findings *fs)
{
    memset(fs, 0, sizeof(*fs));
    pthread_mutex_init(&fs->mu, NULL);
}

void moat_findings_release(struct moat_findings *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        moat_finding_free(fs->v[i]);
    free(fs->v);
    pthread_mutex_destroy(&fs->mu);
    fs->v = NULL;
    fs->n = fs->cap = 0;
}

void moat_findings_add(struct moat_findings *fs, struct moat_finding *f)
{
    pthread_mutex_lock(&fs->mu);
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 16;
        fs->v = moat_realloc(fs->v, fs->cap * sizeof(*fs->v));
    }
    fs->v[fs->n++] = f;
    pthread_mutex_unlock(&fs->mu);
}

static int strcmp_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
    const struct moat_finding *a = *(struct moat_finding *const *)pa;
    const struct moat_finding *b = *(struct moat_finding *const *)pb;
    int c;

    if ((c = strcmp_null(a->path, b->path)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    if ((c = strcmp_null(a->rule_id, b->rule_id)) != 0)
        return c;
    if ((c = strcmp_null(a->commit, b->commit)) != 0)
        return c;
    return strcmp(a->fingerprint, b->fingerprint);
}

void moat_findings_sort(struct moat_findings *fs)
{
    size_t n = 0;

    if (fs->n > 1)
        qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
    /* The same finding reached twice (a requirements file scanned on its
     * own and through another's -r include) is reported once. */
    for (size_t i = 0; i < fs->n; i++) {
        if (n > 0 && cmp_finding(&fs->v[n - 1], &fs->v[i]) == 0) {
            moat_finding_free(fs->v[i]);
            continue;
        }
        fs->v[n++] = fs->v[i];
    }
    fs->n = n;
}

size_t moat_gate_count(const struct moat_findings *fs, enum moat_sev threshold)
{
    size_t n = 0;

    for (size_t i = 0; i < fs->n; i++)
        if (fs->v[i]->sev >= threshold)
            n++;
    return n;
}
