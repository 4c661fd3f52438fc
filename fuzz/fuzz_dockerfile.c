/* libFuzzer target for the Dockerfile parser, the shell walker and the
 * Dockerfile audits: any bytes give a parse that keeps its invariants (every
 * offset and line inside the input) or an error with a message, and the
 * audits, run through the config analyzer as `moat scan --pedantic` does,
 * never crash, leak or read past the input. */
#include <stdlib.h>
#include <string.h>
#include "scan/config/config.h"
#include "fuzz.h"
#include "fuzz_scan.h"
#include "core/banned.h"

static struct scan_worker *worker;
static struct moat_findings found;

struct bounds {
    size_t base, len;
};

static void check_pipeline(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth)
{
    const struct bounds *b = ctx;

    if (depth < 0 || depth >= CD_MAX_SH_DEPTH || n == 0)
        abort();
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < cmds[i].n; k++) {
            const struct cd_sh_word *w = &cmds[i].w[k];
            if (!w->s || w->off > w->end || w->end > b->base + b->len || w->off < b->base)
                abort();
            if ((w->flags & CD_SH_REDIR) && !w->op)
                abort();
        }
}

static void check_data(void *ctx, const char *s, size_t len, size_t off,
                       const struct cd_sh_cmd *cmd, int depth)
{
    const struct bounds *b = ctx;

    (void)s;
    if (off < b->base || off + len > b->base + b->len || !cmd || !cmd->n || depth < 0)
        abort();
}

static void walk(const char *s, size_t len)
{
    struct bounds b = { 7, len };
    struct cd_sh_visit v = { check_pipeline, check_data, &b };

    cd_sh_walk(s, len, 7, 0, &v);
}

static void check_instr(const struct cd_instr *in, size_t size, unsigned last_line)
{
    unsigned line, col;

    if (!in->kw[0] || strlen(in->text) != in->len || in->args > in->len || !in->nsegs ||
        in->line < 1 || in->end_line < in->line || in->end_line > last_line)
        abort();
    for (const char *k = in->kw; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            abort();
    for (size_t i = 0; i < in->nsegs; i++)
        if (in->segs[i].off > in->len || (i && in->segs[i].off < in->segs[i - 1].off) ||
            in->segs[i].line < in->line || in->segs[i].line > in->end_line)
            abort();
    cd_pos(in, in->len + 10, &line, &col);
    if (line < in->line || line > in->end_line || col < 1 || col > size + 4)
        abort();
    for (size_t i = 0; i < in->nflags; i++)
        if (!in->flags[i].name || in->flags[i].off >= in->len)
            abort();
    if (in->json) {
        if (in->argv[in->argc])
            abort();
        for (size_t i = 0; i < in->argc; i++)
            if (!in->argv[i] || in->argv_off[i] >= in->len || in->text[in->argv_off[i]] != '"')
                abort();
    }
    for (size_t i = 0; i < in->nheredocs; i++) {
        const struct cd_heredoc *h = &in->heredocs[i];
        if (!h->name[0] || strlen(h->body) != h->len || h->word >= in->len || h->line <= in->line ||
            h->line > in->end_line)
            abort();
        for (size_t k = 0; k < h->nnl; k++)
            if (h->nl[k] >= h->len || h->body[h->nl[k]] != '\n')
                abort();
        cd_heredoc_pos(h, h->len, &line, &col);
        if (line > in->end_line)
            abort();
        walk(h->body, h->len);
    }
    walk(in->text + in->args, in->len - in->args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cd_file *f = (struct cd_file *)&f;
    struct moat_err err = { 0, "" };
    struct scan_blob b = { 0 };
    int rc = cd_parse(data, size, &f, &err);
    unsigned lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (rc != 0) {
        if (f || err.rc != rc || !err.msg[0] || (rc != MOAT_EPARSE && rc != MOAT_ETOOBIG))
            abort();
    } else {
        if (cd_escape(f) != '\\' && cd_escape(f) != '`')
            abort();
        for (size_t i = 0; i < cd_ninstrs(f); i++)
            check_instr(cd_instr(f, i), size, lines);
        cd_free(f);
    }

    /* the audits, through the analyzer */
    if (!worker)
        worker = fuzz_config_worker(".", &found);
    b.path = "Dockerfile";
    b.data = data;
    b.len = size;
    scan_blob_run(worker, &b);
    for (size_t i = 0; i < found.n; i++) {
        const struct moat_finding *x = found.v[i];
        if (!x->rule_id || strncmp(x->rule_id, "docker-", 7) != 0 || x->line < 1 || !x->message)
            abort();
        /* binaries and UTF-16 are audited as decoded text, with its lines */
        if (scan_text_classify(data, size) == SCAN_TEXT && x->line > lines)
            abort();
    }
    moat_findings_release(&found);
    moat_findings_init(&found);
    return 0;
}
