/* The Dockerfile/Containerfile parser of the config analyzer. It follows
 * BuildKit's frontend (parser directives, continuation lines with comment and
 * blank lines between them, heredocs, exec and shell forms) and keeps the
 * line and column of every byte, so audits point at the exact source line. */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "core/banned.h"

struct cd_file {
    char escape;
    const char *syntax;
    MOAT_VEC(struct cd_instr) v;
    struct moat_arena arena;
};

struct parser {
    const char *p;
    size_t len, pos;
    unsigned lineno;
    char esc;
    bool dir_done, seen_escape, seen_syntax;
    struct cd_file *f;
    struct moat_buf text;
    MOAT_VEC(struct cd_seg) segs;
    struct moat_err *err;
};

/* Go's unicode.IsSpace for the ASCII range, which is what BuildKit trims. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Next physical line: s and n without its line ending, raw_n with it. */
static bool next_line(struct parser *P, const char **s, size_t *n, size_t *raw_n)
{
    const char *start, *nl;
    size_t m;

    if (P->pos >= P->len)
        return false;
    start = P->p + P->pos;
    nl = memchr(start, '\n', P->len - P->pos);
    m = nl ? (size_t)(nl - start) : P->len - P->pos;
    *raw_n = m + (nl ? 1 : 0);
    P->pos += *raw_n;
    /* bytes.TrimRight(line, "\r\n") */
    while (m > 0 && start[m - 1] == '\r')
        m--;
    P->lineno++;
    *s = start;
    *n = m;
    return true;
}

static bool is_comment(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_space(s[i]))
        i++;
    return i < n && s[i] == '#';
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return false;
    return true;
}

/* BuildKit's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`: the first line
 * that is not a known directive ends the directives. */
static int directive(struct parser *P, const char *s, size_t n)
{
    size_t i = 1, k0, k1, v0, v1;
    char key[16];

    if (P->dir_done)
        return 0;
    P->dir_done = true;
    if (n == 0 || s[0] != '#')
        return 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
        i++;
    k0 = i;
    if (i >= n || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        return 0;
    while (i < n &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || is_digit(s[i])))
        i++;
    k1 = i;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
        i++;
    if (i >= n || s[i] != '=')
        return 0;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
        i++;
    v0 = i;
    v1 = n;
    while (v1 > v0 && (s[v1 - 1] == ' ' || s[v1 - 1] == '\t' || s[v1 - 1] == '\f'))
        v1--;
    if (v1 == v0 || k1 - k0 >= sizeof(key))
        return 0;
    for (size_t j = 0; j < k1 - k0; j++)
        key[j] = lower(s[k0 + j]);
    key[k1 - k0] = '\0';
    if (strcmp(key, "escape") == 0) {
        if (P->seen_escape)
            return moat_err_set(P->err, MOAT_EPARSE, "line %u: a second escape directive",
                                P->lineno);
        P->seen_escape = true;
        if (v1 - v0 != 1 || (s[v0] != '\\' && s[v0] != '`'))
            return moat_err_set(P->err, MOAT_EPARSE, "line %u: escape directive must be ` or \\",
                                P->lineno);
        P->esc = s[v0];
        P->f->escape = P->esc;
    } else if (strcmp(key, "syntax") == 0) {
        if (P->seen_syntax)
            return moat_err_set(P->err, MOAT_EPARSE, "line %u: a second syntax directive",
                                P->lineno);
        P->seen_syntax = true;
        P->f->syntax = moat_arena_strndup(&P->f->arena, s + v0, v1 - v0);
    } else {
        return 0; /* an unknown directive is a comment, and ends the directives */
    }
    P->dir_done = false;
    return 0;
}

/* BuildKit's continuation regex `([^E])E[ \t]*$|^E[ \t]*$` for escape E: an
 * escaped escape at the end does not continue. Returns the length to keep. */
static bool continues(const char *s, size_t n, char esc, size_t *keep)
{
    size_t m = n;

    while (m > 0 && (s[m - 1] == ' ' || s[m - 1] == '\t'))
        m--;
    if (m == 0 || s[m - 1] != esc)
        return false;
    if (m >= 2 && s[m - 2] == esc)
        return false;
    *keep = m - 1;
    return true;
}

static int add_piece(struct parser *P, const char *s, size_t n, unsigned col)
{
    struct cd_seg seg = { P->text.len, P->lineno, col };

    if (P->text.len + n > CD_MAX_INSTR)
        return moat_err_set(P->err, MOAT_ETOOBIG, "line %u: instruction longer than %u bytes",
                            P->lineno, CD_MAX_INSTR);
    MOAT_VEC_PUSH(&P->segs, seg);
    if (moat_buf_add(&P->text, s, n) != 0)
        return moat_err_set(P->err, MOAT_ETOOBIG, "line %u: instruction too long", P->lineno);
    return 0;
}

bool cd_word_next(const char *t, size_t len, char esc, size_t *pos, size_t *start, size_t *end)
{
    size_t i = *pos;

    while (i < len && is_space(t[i]))
        i++;
    if (i >= len) {
        *pos = i;
        return false;
    }
    *start = i;
    while (i < len && !is_space(t[i])) {
        char c = t[i];
        if (c == esc && i + 1 < len) {
            i += 2;
        } else if (c == '\'') {
            i++;
            while (i < len && t[i] != '\'')
                i++;
            i += i < len;
        } else if (c == '"') {
            i++;
            while (i < len && t[i] != '"')
                i += (t[i] == esc && i + 1 < len) ? 2 : 1;
            i += i < len;
        } else {
            i++;
        }
    }
    *end = i;
    *pos = i;
    return true;
}

/* ---- exec form: a JSON array of strings ---- */

static bool json_u4(const char *t, size_t len, size_t i, uint32_t *out)
{
    uint32_t v = 0;

    if (i + 4 > len)
        return false;
    for (size_t k = 0; k < 4; k++) {
        int h = moat_hexval((unsigned char)t[i + k]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* One JSON string starting at t[*i] == '"' into b; false if malformed or if
 * it holds a NUL (not something a C string can carry). */
static bool json_string(const char *t, size_t len, size_t *i, struct moat_buf *b)
{
    size_t k = *i + 1;

    moat_buf_reset(b);
    while (k < len && t[k] != '"') {
        unsigned char c = (unsigned char)t[k];
        char ch;
        if (c < 0x20)
            return false;
        if (c != '\\') {
            ch = (char)c;
            if (moat_buf_addch(b, ch) != 0)
                return false;
            k++;
            continue;
        }
        if (++k >= len)
            return false;
        switch (t[k]) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            unsigned char u8[4];
            size_t n;
            if (!json_u4(t, len, k + 1, &cp))
                return false;
            k += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && k + 2 < len && t[k + 1] == '\\' && t[k + 2] == 'u' &&
                json_u4(t, len, k + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                k += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd; /* a lone surrogate, as Go decodes it */
            }
            if (cp == 0)
                return false;
            n = moat_utf8_encode(cp, u8);
            if (moat_buf_add(b, u8, n) != 0)
                return false;
            k++;
            continue;
        }
        default: return false;
        }
        if (moat_buf_addch(b, ch) != 0)
            return false;
        k++;
    }
    if (k >= len)
        return false;
    *i = k + 1;
    return true;
}

static bool json_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* BuildKit tries the exec form when the arguments start with '[' and falls
 * back to the shell form when they are not a JSON array of strings. */
static bool parse_json(struct cd_file *f, struct cd_instr *in, const char *t, size_t len,
                       size_t base)
{
    struct moat_buf b = MOAT_BUF_INIT(CD_MAX_INSTR);
    MOAT_VEC(const char *) av = { 0 };
    MOAT_VEC(size_t) offs = { 0 };
    size_t i = 1;
    bool ok = false;

    while (len > 0 && is_space(t[len - 1]))
        len--;
    while (i < len && json_ws(t[i]))
        i++;
    if (i < len && t[i] == ']') {
        i++;
    } else {
        for (;;) {
            size_t at = i;
            if (i >= len || t[i] != '"' || av.n >= CD_MAX_ARGV || !json_string(t, len, &i, &b))
                goto out;
            MOAT_VEC_PUSH(&av, moat_arena_strndup(&f->arena, b.data, b.len));
            MOAT_VEC_PUSH(&offs, base + at);
            while (i < len && json_ws(t[i]))
                i++;
            if (i < len && t[i] == ',') {
                i++;
                while (i < len && json_ws(t[i]))
                    i++;
                continue;
            }
            if (i < len && t[i] == ']') {
                i++;
                break;
            }
            goto out;
        }
    }
    if (i != len)
        goto out;
    {
        const char **argv = moat_arena_alloc(&f->arena, (av.n + 1) * sizeof(*argv));
        size_t *ao = moat_arena_alloc(&f->arena, (av.n + 1) * sizeof(*ao));
        if (av.n) {
            memcpy(argv, av.v, av.n * sizeof(*argv));
            memcpy(ao, offs.v, av.n * sizeof(*ao));
        }
        argv[av.n] = NULL;
        in->argv = argv;
        in->argv_off = ao;
        in->argc = av.n;
        in->json = true;
    }
    ok = true;
out:
    free(av.v);
    free(offs.v);
    moat_buf_release(&b);
    return ok;
}

/* ---- heredocs ---- */

static bool kw_is(const char *kw, const char *list)
{
    size_t n = strlen(kw);

    for (const char *p = list; *p;) {
        const char *e = strchr(p, '|');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && memcmp(p, kw, n) == 0)
            return true;
        p += m + (e ? 1 : 0);
    }
    return false;
}

/* A word matching BuildKit's `^(\d*)<<(-?)([^<]*)$` names a heredoc; the
 * name is the rest with quotes and backslash escapes removed, and quoting it
 * turns expansion off. */
static bool heredoc_word(struct cd_file *f, const char *w, size_t n, struct cd_heredoc *h)
{
    size_t i = 0, r;
    struct moat_buf name = MOAT_BUF_INIT(CD_MAX_INSTR);
    bool quoted = false, ok = false;

    while (i < n && is_digit(w[i]))
        i++;
    if (i + 2 > n || w[i] != '<' || w[i + 1] != '<')
        return false;
    i += 2;
    h->chomp = i < n && w[i] == '-';
    i += h->chomp;
    if (i >= n || memchr(w + i, '<', n - i))
        return false;
    for (r = i; r < n; r++) {
        char c = w[r];
        int rc = 0;
        if (c == '\\' && r + 1 < n) {
            rc = moat_buf_addch(&name, w[++r]);
        } else if (c == '\'' || c == '"') {
            quoted = true;
            for (r++; r < n && w[r] != c; r++) {
                if (c == '"' && w[r] == '\\' && r + 1 < n && w[r + 1] && strchr("\"\\$`", w[r + 1]))
                    r++;
                if ((rc = moat_buf_addch(&name, w[r])) != 0)
                    break;
            }
        } else {
            rc = moat_buf_addch(&name, c);
        }
        if (rc != 0)
            goto out;
    }
    if (name.len == 0)
        goto out;
    h->name = moat_arena_strndup(&f->arena, name.data, name.len);
    h->expand = !quoted;
    ok = true;
out:
    moat_buf_release(&name);
    return ok;
}

/* Read the body of each heredoc named on the instruction, in order. */
static int read_heredocs(struct parser *P, struct cd_instr *in, const char *text, size_t len,
                         unsigned start)
{
    MOAT_VEC(struct cd_heredoc) hv = { 0 };
    size_t pos = 0, ws, we;
    int rc = 0;

    while (cd_word_next(text, len, '\\', &pos, &ws, &we)) {
        struct cd_heredoc h = { 0 };
        const char *s, *first = NULL;
        size_t n, raw_n, blen = 0;
        bool done = false;
        MOAT_VEC(size_t) nl = { 0 };

        if (!heredoc_word(P->f, text + ws, we - ws, &h))
            continue;
        if (hv.n >= CD_MAX_HEREDOCS) {
            rc = moat_err_set(P->err, MOAT_ETOOBIG, "line %u: more than %d heredocs", start,
                              CD_MAX_HEREDOCS);
            goto out;
        }
        h.word = ws;
        h.line = P->lineno + 1;
        while (next_line(P, &s, &n, &raw_n)) {
            size_t k = 0;
            if (h.chomp)
                while (k < n && s[k] == '\t')
                    k++;
            if (n - k == strlen(h.name) && memcmp(s + k, h.name, n - k) == 0) {
                done = true;
                break;
            }
            if (!first)
                first = s;
            blen = (size_t)(s + raw_n - first);
            MOAT_VEC_PUSH(&nl, blen - 1);
        }
        if (!done) {
            free(nl.v);
            rc = moat_err_set(P->err, MOAT_EPARSE, "line %u: unterminated heredoc <<%s", start,
                              h.name);
            goto out;
        }
        /* a last line without '\n' cannot be followed by the terminator */
        h.body = first ? moat_arena_strndup(&P->f->arena, first, blen) : "";
        h.len = blen;
        if (nl.n) {
            size_t *v = moat_arena_alloc(&P->f->arena, nl.n * sizeof(*v));
            memcpy(v, nl.v, nl.n * sizeof(*v));
            h.nl = v;
            h.nnl = nl.n;
        }
        free(nl.v);
        MOAT_VEC_PUSH(&hv, h);
    }
    if (hv.n) {
        struct cd_heredoc *v = moat_arena_alloc(&P->f->arena, hv.n * sizeof(*v));
        memcpy(v, hv.v, hv.n * sizeof(*v));
        in->heredocs = v;
        in->nheredocs = hv.n;
    }
out:
    free(hv.v);
    return rc;
}

/* ---- instructions ---- */

static int finish_instr(struct parser *P, unsigned start)
{
    struct cd_file *f = P->f;
    struct cd_instr in = { 0 };
    MOAT_VEC(struct cd_flag) flags = { 0 };
    const char *t = moat_arena_strndup(&f->arena, P->text.data, P->text.len);
    size_t len = P->text.len, pos = 0, ws, we;
    char *kw;
    int rc = 0;

    if (!cd_word_next(t, len, '\0', &pos, &ws, &we))
        return 0; /* only continuation characters */
    if (f->v.n >= CD_MAX_INSTRS)
        return moat_err_set(P->err, MOAT_ETOOBIG, "line %u: more than %d instructions", start,
                            CD_MAX_INSTRS);
    /* the keyword ends at whitespace, whatever quotes it holds */
    we = ws;
    while (we < len && !is_space(t[we]))
        we++;
    kw = moat_arena_strndup(&f->arena, t + ws, we - ws);
    for (char *k = kw; *k; k++)
        *k = lower(*k);
    pos = we;
    if (strcmp(kw, "onbuild") == 0) {
        size_t s2 = pos;
        while (s2 < len && is_space(t[s2]))
            s2++;
        we = s2;
        while (we < len && !is_space(t[we]))
            we++;
        if (we > s2) {
            kw = moat_arena_strndup(&f->arena, t + s2, we - s2);
            for (char *k = kw; *k; k++)
                *k = lower(*k);
            in.onbuild = true;
            pos = we;
        }
    }
    /* builder flags: leading --name[=value] words; a lone "--" ends them */
    for (;;) {
        size_t p2 = pos;
        if (!cd_word_next(t, len, P->esc, &p2, &ws, &we) || we - ws < 2 || t[ws] != '-' ||
            t[ws + 1] != '-')
            break;
        pos = p2;
        if (we - ws == 2)
            break;
        {
            const char *eq = memchr(t + ws, '=', we - ws);
            struct cd_flag fl = { 0 };
            size_t ne = eq ? (size_t)(eq - t) : we;
            fl.name = moat_arena_strndup(&f->arena, t + ws + 2, ne - ws - 2);
            fl.value = eq ? moat_arena_strndup(&f->arena, eq + 1, we - ne - 1) : NULL;
            fl.off = ws;
            MOAT_VEC_PUSH(&flags, fl);
        }
    }
    while (pos < len && is_space(t[pos]))
        pos++;
    in.kw = kw;
    in.text = t;
    in.len = len;
    in.args = pos;
    in.line = start;
    if (kw_is(kw, "run|cmd|entrypoint|shell|add|copy|volume") && pos < len && t[pos] == '[')
        (void)parse_json(f, &in, t + pos, len - pos, pos);
    if (kw_is(kw, "run|copy|add") && !in.json && memmem(t, len, "<<", 2) &&
        (rc = read_heredocs(P, &in, t, len, start)) != 0)
        goto out;
    in.end_line = P->lineno;
    {
        struct cd_seg *sv = moat_arena_alloc(&f->arena, P->segs.n * sizeof(*sv));
        memcpy(sv, P->segs.v, P->segs.n * sizeof(*sv));
        in.segs = sv;
        in.nsegs = P->segs.n;
    }
    if (flags.n) {
        struct cd_flag *fv = moat_arena_alloc(&f->arena, flags.n * sizeof(*fv));
        memcpy(fv, flags.v, flags.n * sizeof(*fv));
        in.flags = fv;
        in.nflags = flags.n;
    }
    MOAT_VEC_PUSH(&f->v, in);
out:
    free(flags.v);
    return rc;
}

static int parse(struct parser *P)
{
    const char *s;
    size_t n, raw_n, keep;
    int rc;

    while (next_line(P, &s, &n, &raw_n)) {
        unsigned start = P->lineno, col = 1;
        bool more;

        if (P->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3, n -= 3;
            col += 3;
        }
        while (n > 0 && is_space(*s))
            s++, n--, col++;
        if ((rc = directive(P, s, n)) != 0)
            return rc;
        if (n == 0 || s[0] == '#')
            continue;
        moat_buf_reset(&P->text);
        P->segs.n = 0;
        more = continues(s, n, P->esc, &keep);
        if ((rc = add_piece(P, s, more ? keep : n, col)) != 0)
            return rc;
        while (more && next_line(P, &s, &n, &raw_n)) {
            if ((rc = directive(P, s, n)) != 0)
                return rc;
            if (is_comment(s, n) || is_blank(s, n))
                continue;
            more = continues(s, n, P->esc, &keep);
            if ((rc = add_piece(P, s, more ? keep : n, 1)) != 0)
                return rc;
        }
        if ((rc = finish_instr(P, start)) != 0)
            return rc;
    }
    return 0;
}

int cd_parse(const unsigned char *data, size_t len, struct cd_file **out, struct moat_err *err)
{
    struct parser P = { 0 };
    struct cd_file *f = NULL;
    const unsigned char *nul;
    int rc;

    *out = NULL;
    if (len > CD_MAX_BYTES)
        return moat_err_set(err, MOAT_ETOOBIG, "Dockerfile larger than %u bytes", CD_MAX_BYTES);
    if ((nul = memchr(data, '\0', len)) != NULL) {
        unsigned line = 1;
        for (const unsigned char *q = data; q < nul; q++)
            line += *q == '\n';
        return moat_err_set(err, MOAT_EPARSE, "line %u: NUL byte (not a text file)", line);
    }
    f = moat_calloc(1, sizeof(*f));
    moat_arena_init(&f->arena, 64u << 10);
    f->escape = '\\';
    P.p = (const char *)data;
    P.len = len;
    P.esc = '\\';
    P.f = f;
    P.err = err;
    moat_buf_init(&P.text, CD_MAX_INSTR + 1);
    if ((rc = parse(&P)) != 0)
        goto out;
    *out = f;
    f = NULL;
out:
    moat_buf_release(&P.text);
    free(P.segs.v);
    cd_free(f);
    return rc;
}

void cd_free(struct cd_file *f)
{
    if (!f)
        return;
    free(f->v.v);
    moat_arena_release(&f->arena);
    free(f);
}

size_t cd_ninstrs(const struct cd_file *f)
{
    return f->v.n;
}

const struct cd_instr *cd_instr(const struct cd_file *f, size_t i)
{
    return i < f->v.n ? &f->v.v[i] : NULL;
}

char cd_escape(const struct cd_file *f)
{
    return f->escape;
}

const char *cd_syntax(const struct cd_file *f)
{
    return f->syntax;
}

struct moat_arena *cd_arena(struct cd_file *f)
{
    return &f->arena;
}

void cd_pos(const struct cd_instr *in, size_t off, unsigned *line, unsigned *col)
{
    size_t lo = 0, hi = in->nsegs;

    if (off > in->len)
        off = in->len;
    if (hi == 0) {
        *line = in->line;
        *col = 1;
        return;
    }
    /* the last segment starting at or before off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (in->segs[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = in->segs[lo].line;
    *col = in->segs[lo].col + (unsigned)(off - in->segs[lo].off);
}

void cd_heredoc_pos(const struct cd_heredoc *h, size_t off, unsigned *line, unsigned *col)
{
    size_t lo = 0, hi = h->nnl;

    if (off > h->len)
        off = h->len;
    /* k = how many newlines come before off */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->nl[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    *line = h->line + (unsigned)lo;
    *col = (unsigned)(off - (lo ? h->nl[lo - 1] + 1 : 0)) + 1;
}

/* ---- variables ---- */

struct expander {
    struct moat_buf out;
    cd_lookup_fn lookup;
    void *ctx;
    char esc;
    bool complete;
};

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && is_digit(c));
}

static void put(struct expander *E, const char *s, size_t n)
{
    if (E->out.len + n > CD_MAX_INSTR || moat_buf_add(&E->out, s, n) != 0)
        E->complete = false; /* over the cap: the value is not known in full */
}

static void unknown(struct expander *E)
{
    char u = CD_UNKNOWN;

    if (E->out.len == 0 || E->out.data[E->out.len - 1] != CD_UNKNOWN)
        put(E, &u, 1);
    E->complete = false;
}

static void expand(struct expander *E, const char *w, size_t n, int depth);

/* The word of ${NAME<op>word}: up to the matching '}'. */
static size_t brace_end(const char *w, size_t n, size_t i, char esc)
{
    int d = 1;

    while (i < n) {
        if (w[i] == esc && i + 1 < n) {
            i += 2;
            continue;
        }
        if (w[i] == '{')
            d++;
        else if (w[i] == '}' && --d == 0)
            return i;
        i++;
    }
    return n;
}

/* $... at w[*i] == '$'. */
static void variable(struct expander *E, const char *w, size_t n, size_t *i, int depth)
{
    size_t k = *i + 1, n0, n1;
    const char *val;

    if (k < n && w[k] == '{') {
        size_t end;
        k++;
        n0 = k;
        while (k < n && name_char(w[k], k == n0))
            k++;
        n1 = k;
        end = brace_end(w, n, k, E->esc);
        *i = end < n ? end + 1 : n;
        if (n1 == n0) {
            unknown(E);
            return;
        }
        val = E->lookup ? E->lookup(E->ctx, w + n0, n1 - n0) : NULL;
        if (k == end) {
            if (val)
                put(E, val, strlen(val));
            else
                unknown(E);
            return;
        }
        {
            bool colon = w[k] == ':';
            char op = k + colon < end ? w[k + colon] : '\0';
            size_t a = k + colon + 1;
            bool set = val && (!colon || val[0]);
            if (op != '-' && op != '+') {
                unknown(E); /* ${x#p}, ${x%p}, ${x/a/b}, ${x:?m}: not followed */
                return;
            }
            if (op == '-') {
                if (set)
                    put(E, val, strlen(val));
                else if (depth < CD_MAX_SH_DEPTH)
                    expand(E, w + a, end - a, depth + 1);
                else
                    unknown(E);
            } else if (set) {
                if (depth < CD_MAX_SH_DEPTH)
                    expand(E, w + a, end - a, depth + 1);
                else
                    unknown(E);
            } else if (!val && !E->lookup) {
                unknown(E);
            }
        }
        return;
    }
    if (k < n && name_char(w[k], true)) {
        n0 = k;
        while (k < n && name_char(w[k], false))
            k++;
        *i = k;
        val = E->lookup ? E->lookup(E->ctx, w + n0, k - n0) : NULL;
        if (val)
            put(E, val, strlen(val));
        else
            unknown(E);
        return;
    }
    put(E, "$", 1);
    *i = k;
}

static void expand(struct expander *E, const char *w, size_t n, int depth)
{
    size_t i = 0;

    while (i < n) {
        char c = w[i];
        if (c == E->esc && i + 1 < n) {
            put(E, w + i + 1, 1);
            i += 2;
        } else if (c == '\'') {
            size_t e = i + 1;
            while (e < n && w[e] != '\'')
                e++;
            put(E, w + i + 1, e - i - 1);
            i = e < n ? e + 1 : n;
        } else if (c == '"') {
            i++;
            while (i < n && w[i] != '"') {
                if (w[i] == E->esc && i + 1 < n &&
                    (w[i + 1] == '"' || w[i + 1] == '$' || w[i + 1] == E->esc)) {
                    put(E, w + i + 1, 1);
                    i += 2;
                } else if (w[i] == '$') {
                    variable(E, w, n, &i, depth);
                } else {
                    put(E, w + i, 1);
                    i++;
                }
            }
            i += i < n;
        } else if (c == '$') {
            variable(E, w, n, &i, depth);
        } else {
            put(E, w + i, 1);
            i++;
        }
    }
}

char *cd_word_value(struct moat_arena *a, const char *raw, size_t len, char esc,
                    cd_lookup_fn lookup, void *ctx, bool *complete)
{
    struct expander E = { MOAT_BUF_INIT(CD_MAX_INSTR + 1), lookup, ctx, esc, true };
    char *v;

    expand(&E, raw, len, 0);
    v = moat_arena_strndup(a, E.out.data, E.out.len);
    moat_buf_release(&E.out);
    *complete = E.complete;
    return v;
}
