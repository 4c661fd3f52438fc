/* Unit tests for the Dockerfile parser (src/scan/config/dockerfile.c) and
 * the shell walker the audits use (docker_shell.c): continuation lines with
 * comments and blank lines between them, heredocs, parser directives, exec
 * form, line numbers, variable substitution, and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scan/config/config.h"
#include "core/banned.h"

static struct cd_file *parse_ok(const char *text)
{
    struct cd_file *f = NULL;
    struct moat_err err = { 0, "" };

    if (cd_parse((const unsigned char *)text, strlen(text), &f, &err) != 0)
        fail_msg("parse failed: %s", err.msg);
    assert_non_null(f);
    return f;
}

static int parse_err(const char *text, size_t len, char *msg, size_t n)
{
    struct cd_file *f = (struct cd_file *)&f;
    struct moat_err err = { 0, "" };
    int rc = cd_parse((const unsigned char *)text, len, &f, &err);

    assert_null(f);
    assert_int_equal(err.rc, rc);
    assert_true(err.msg[0] != '\0');
    if (msg && moat_snprintf(msg, n, "%s", err.msg) != 0) {
        /* the start of the message is enough for the checks */
    }
    return rc;
}

/* Line of the first occurrence of needle in an instruction's text. */
static unsigned line_of(const struct cd_instr *in, const char *needle)
{
    const char *p = strstr(in->text, needle);
    unsigned line, col;

    assert_non_null(p);
    cd_pos(in, (size_t)(p - in->text), &line, &col);
    return line;
}

static void test_continuations(void **state)
{
    const char *df = "FROM alpine:3.19\n"     /* 1 */
                     "RUN apk add \\\n"       /* 2 */
                     "    # a comment line\n" /* 3 */
                     "\n"                     /* 4: empty, dropped */
                     "      curl \\\n"        /* 5 */
                     "  # another \\\n"       /* 6: comment, its \\ does not count */
                     "   && echo done\n"      /* 7 */
                     "USER app\n";            /* 8 */
    struct cd_file *f = parse_ok(df);
    const struct cd_instr *run;
    unsigned line, col;

    (void)state;
    assert_int_equal(cd_ninstrs(f), 3);
    run = cd_instr(f, 1);
    assert_string_equal(run->kw, "run");
    assert_int_equal(run->line, 2);
    assert_int_equal(run->end_line, 7);
    /* joined as BuildKit does: the escape and nothing else removed */
    assert_string_equal(run->text, "RUN apk add       curl    && echo done");
    assert_string_equal(run->text + run->args, "apk add       curl    && echo done");
    assert_int_equal(line_of(run, "curl"), 5);
    assert_int_equal(line_of(run, "echo"), 7);
    cd_pos(run, (size_t)(strstr(run->text, "curl") - run->text), &line, &col);
    assert_int_equal(col, 7);
    assert_int_equal(cd_instr(f, 2)->line, 8);
    cd_free(f);

    /* an escaped escape at the end does not continue; nor does a trailing
     * escape followed by spaces on a comment line */
    f = parse_ok("RUN echo a\\\\\nRUN echo b \\   \n  c\n");
    assert_int_equal(cd_ninstrs(f), 2);
    assert_string_equal(cd_instr(f, 0)->text, "RUN echo a\\\\");
    assert_string_equal(cd_instr(f, 1)->text, "RUN echo b   c");
    cd_free(f);

    /* a continuation at the end of the file just ends the instruction */
    f = parse_ok("FROM x\nRUN a \\");
    assert_int_equal(cd_ninstrs(f), 2);
    assert_string_equal(cd_instr(f, 1)->text, "RUN a ");
    cd_free(f);
}

static void test_directives(void **state)
{
    struct cd_file *f;
    char msg[256];

    (void)state;
    f = parse_ok("# syntax=docker/dockerfile:1.7\n# escape=`\nFROM x\nRUN a `\n b\n");
    assert_int_equal(cd_escape(f), '`');
    assert_string_equal(cd_syntax(f), "docker/dockerfile:1.7");
    assert_string_equal(cd_instr(f, 1)->text, "RUN a  b");
    cd_free(f);

    /* backslashes are plain characters with the backtick escape */
    f = parse_ok("#escape = `\nRUN dir C:\\\nRUN b\n");
    assert_int_equal(cd_ninstrs(f), 2);
    cd_free(f);

    /* after a comment, an empty line or an instruction, no directives */
    f = parse_ok("# hello\n# escape=`\nRUN a \\\n b\n");
    assert_int_equal(cd_escape(f), '\\');
    assert_string_equal(cd_instr(f, 0)->text, "RUN a  b");
    cd_free(f);
    f = parse_ok("\n# escape=`\nRUN a\n");
    assert_int_equal(cd_escape(f), '\\');
    cd_free(f);
    f = parse_ok("# unknown=1\n# escape=`\nRUN a\n");
    assert_int_equal(cd_escape(f), '\\');
    cd_free(f);

    assert_int_equal(parse_err("# escape=x\nFROM a\n", 18, msg, sizeof(msg)), MOAT_EPARSE);
    assert_non_null(strstr(msg, "line 1"));
    assert_int_equal(parse_err("# escape=`\n# escape=\\\nFROM a\n", 29, msg, sizeof(msg)),
                     MOAT_EPARSE);
    assert_non_null(strstr(msg, "line 2"));
}

static void test_forms(void **state)
{
    struct cd_file *f;
    const struct cd_instr *in;

    (void)state;
    f = parse_ok("from --platform=$BUILDPLATFORM golang:1.22 AS build\n"
                 "Run [\"sh\", \"-c\", \"echo \\\"hi\\\" \\u00e9\"]\n"
                 "CMD [\"unterminated\", \"json\"\n"
                 "ENTRYPOINT [\"a\", 1]\n"
                 "COPY --chown=1:1 --from=build [\"/a b\", \"/dst/\"]\n"
                 "RUN -- --not-a-flag\n"
                 "ONBUILD RUN [\"make\"]\n"
                 "VOLUME []\n");
    assert_int_equal(cd_ninstrs(f), 8);
    in = cd_instr(f, 0);
    assert_string_equal(in->kw, "from");
    assert_int_equal(in->nflags, 1);
    assert_string_equal(in->flags[0].name, "platform");
    assert_string_equal(in->flags[0].value, "$BUILDPLATFORM");
    assert_string_equal(in->text + in->args, "golang:1.22 AS build");

    in = cd_instr(f, 1);
    assert_string_equal(in->kw, "run");
    assert_true(in->json);
    assert_int_equal(in->argc, 3);
    assert_string_equal(in->argv[2], "echo \"hi\" \xc3\xa9");
    assert_int_equal(in->text[in->argv_off[1]], '"');
    assert_null(in->argv[3]);

    assert_false(cd_instr(f, 2)->json); /* shell form, as BuildKit falls back */
    assert_false(cd_instr(f, 3)->json);
    in = cd_instr(f, 4);
    assert_int_equal(in->nflags, 2);
    assert_true(in->json);
    assert_string_equal(in->argv[0], "/a b");

    in = cd_instr(f, 5);
    assert_int_equal(in->nflags, 0);
    assert_string_equal(in->text + in->args, "--not-a-flag");

    in = cd_instr(f, 6);
    assert_true(in->onbuild);
    assert_string_equal(in->kw, "run");
    assert_true(in->json);
    assert_string_equal(in->argv[0], "make");

    in = cd_instr(f, 7);
    assert_true(in->json);
    assert_int_equal(in->argc, 0);
    cd_free(f);
}

static void test_heredocs(void **state)
{
    const char *df = "FROM alpine\n"                          /* 1 */
                     "RUN <<EOF\n"                            /* 2 */
                     "echo one\n"                             /* 3 */
                     "  EOF\n"                                /* 4: not the end */
                     "echo two\n"                             /* 5 */
                     "EOF\n"                                  /* 6 */
                     "RUN <<-'A' cat >a && 3<<\"B\" cat >b\n" /* 7 */
                     "\t\tbody a $X\n"                        /* 8 */
                     "\t\tA\n"                                /* 9 */
                     "body b\n"                               /* 10 */
                     "B\n"                                    /* 11 */
                     "COPY <<EOT /etc/x.conf\n"               /* 12 */
                     "key=value\r\n"                          /* 13 */
                     "EOT\r\n"                                /* 14 */
                     "RUN echo '<<NOT' \"<<NOR\" && cat << SPACE && cat <<<here\n" /* 15 */
                     "RUN [\"sh\", \"-c\", \"cat <<EOF\"]\n"                       /* 16 */
                     "USER x\n";                                                   /* 17 */
    struct cd_file *f = parse_ok(df);
    const struct cd_instr *in;
    const struct cd_heredoc *h;
    unsigned line, col;

    (void)state;
    assert_int_equal(cd_ninstrs(f), 7);
    in = cd_instr(f, 1);
    assert_int_equal(in->nheredocs, 1);
    h = &in->heredocs[0];
    assert_string_equal(h->name, "EOF");
    assert_true(h->expand);
    assert_false(h->chomp);
    assert_string_equal(h->body, "echo one\n  EOF\necho two\n");
    assert_int_equal(h->line, 3);
    assert_int_equal(in->end_line, 6);
    cd_heredoc_pos(h, (size_t)(strstr(h->body, "two") - h->body), &line, &col);
    assert_int_equal(line, 5);
    assert_int_equal(col, 6);
    cd_heredoc_pos(h, 0, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 1);

    in = cd_instr(f, 2);
    assert_int_equal(in->line, 7);
    assert_int_equal(in->nheredocs, 2);
    assert_string_equal(in->heredocs[0].name, "A");
    assert_true(in->heredocs[0].chomp);
    assert_false(in->heredocs[0].expand);
    assert_string_equal(in->heredocs[0].body, "\t\tbody a $X\n");
    assert_string_equal(in->heredocs[1].name, "B");
    assert_false(in->heredocs[1].expand);
    assert_int_equal(in->heredocs[1].line, 10);
    assert_string_equal(in->text + in->heredocs[1].word, "3<<\"B\" cat >b");

    in = cd_instr(f, 3);
    assert_string_equal(in->kw, "copy");
    assert_int_equal(in->nheredocs, 1);
    assert_string_equal(in->heredocs[0].body, "key=value\r\n");

    /* quoted, spaced and here-string forms are not heredocs */
    assert_int_equal(cd_instr(f, 4)->nheredocs, 0);
    assert_int_equal(cd_instr(f, 4)->line, 15);
    assert_int_equal(cd_instr(f, 5)->nheredocs, 0);
    assert_int_equal(cd_instr(f, 6)->line, 17);
    cd_free(f);

    /* ENV and other instructions never take heredocs */
    f = parse_ok("ENV A=<<EOF\nRUN b\n");
    assert_int_equal(cd_ninstrs(f), 2);
    assert_int_equal(cd_instr(f, 0)->nheredocs, 0);
    cd_free(f);

    /* an empty body */
    f = parse_ok("RUN <<E\nE\n");
    assert_int_equal(cd_instr(f, 0)->heredocs[0].len, 0);
    assert_string_equal(cd_instr(f, 0)->heredocs[0].body, "");
    cd_free(f);
}

static void test_malformed(void **state)
{
    char msg[256];
    struct moat_buf b = MOAT_BUF_INIT(CD_MAX_BYTES + 16);
    struct cd_file *f;

    (void)state;
    assert_int_equal(parse_err("FROM a\nRUN <<EOF\necho\nEOFX\n", 27, msg, sizeof(msg)),
                     MOAT_EPARSE);
    assert_non_null(strstr(msg, "line 2"));
    assert_non_null(strstr(msg, "unterminated heredoc"));
    assert_int_equal(parse_err("FROM a\nRUN <<A <<B\nA\nb\n", 23, msg, sizeof(msg)), MOAT_EPARSE);
    assert_int_equal(parse_err("FROM a\nRUN x\0y\n", 15, msg, sizeof(msg)), MOAT_EPARSE);
    assert_non_null(strstr(msg, "line 2"));

    /* over the file size */
    for (size_t i = 0; i < CD_MAX_BYTES / 8 + 1; i++)
        assert_int_equal(moat_buf_add(&b, "RUN a b\n", 8), 0);
    assert_int_equal(parse_err(b.data, b.len, NULL, 0), MOAT_ETOOBIG);

    /* one instruction over its cap, through continuations */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "RUN a"), 0);
    for (size_t i = 0; i < CD_MAX_INSTR / 64 + 2; i++)
        assert_int_equal(moat_buf_addstr(&b, " \\\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                             "aaaaaaaaaaaaaaaaaaa"),
                         0);
    assert_int_equal(parse_err(b.data, b.len, NULL, 0), MOAT_ETOOBIG);

    /* one huge physical line under the caps parses */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "RUN "), 0);
    for (size_t i = 0; i < 100000; i++)
        assert_int_equal(moat_buf_addstr(&b, "x "), 0);
    f = NULL;
    assert_int_equal(cd_parse((const unsigned char *)b.data, b.len, &f, NULL), 0);
    assert_int_equal(cd_ninstrs(f), 1);
    cd_free(f);

    /* too many instructions */
    moat_buf_reset(&b);
    for (size_t i = 0; i < CD_MAX_INSTRS + 1; i++)
        assert_int_equal(moat_buf_addstr(&b, "RUN a\n"), 0);
    assert_int_equal(parse_err(b.data, b.len, NULL, 0), MOAT_ETOOBIG);

    /* too many heredocs on one instruction */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "RUN"), 0);
    for (int i = 0; i <= CD_MAX_HEREDOCS; i++)
        assert_int_equal(moat_buf_addf(&b, " <<E%d", i), 0);
    assert_int_equal(moat_buf_addstr(&b, "\n"), 0);
    for (int i = 0; i <= CD_MAX_HEREDOCS; i++)
        assert_int_equal(moat_buf_addf(&b, "E%d\n", i), 0);
    assert_int_equal(parse_err(b.data, b.len, NULL, 0), MOAT_ETOOBIG);
    moat_buf_release(&b);

    /* empty, blank, comment-only and continuation-only files */
    f = parse_ok("");
    assert_int_equal(cd_ninstrs(f), 0);
    cd_free(f);
    f = parse_ok("\n\n  \t\n# c\n\\\n\\\n");
    assert_int_equal(cd_ninstrs(f), 0);
    cd_free(f);

    /* CRLF and a byte-order mark */
    f = parse_ok("\xef\xbb\xbf"
                 "FROM a\r\nRUN b \\\r\n c\r\n");
    assert_int_equal(cd_ninstrs(f), 2);
    assert_string_equal(cd_instr(f, 0)->kw, "from");
    assert_string_equal(cd_instr(f, 1)->text, "RUN b  c");
    cd_free(f);
}

static const char *lookup(void *ctx, const char *name, size_t n)
{
    static const char *const vars[][2] = { { "A", "alpha" }, { "EMPTY", "" }, { "B", "${A}" } };

    (void)ctx;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (strlen(vars[i][0]) == n && memcmp(vars[i][0], name, n) == 0)
            return vars[i][1];
    return NULL;
}

static void test_word_value(void **state)
{
    static const struct {
        const char *raw;
        char esc;
        const char *want;
        bool complete;
    } cases[] = {
        { "plain", '\\', "plain", true },
        { "$A", '\\', "alpha", true },
        { "x${A}y", '\\', "xalphay", true },
        { "${U:-def}", '\\', "def", true },
        { "${U-def}", '\\', "def", true },
        { "${EMPTY:-def}", '\\', "def", true },
        { "${EMPTY-def}", '\\', "", true },
        { "${A:-def}", '\\', "alpha", true },
        { "${A:+set}", '\\', "set", true },
        { "${U:+set}", '\\', "", true },
        { "${U:-${A}}", '\\', "alpha", true },
        { "${B}", '\\', "${A}", true }, /* values are not expanded again */
        { "'$A'", '\\', "$A", true },
        { "\"$A b\"", '\\', "alpha b", true },
        { "\\$A", '\\', "$A", true },
        { "`$A", '`', "$A", true },
        { "$U", '\\', "\x01", false },
        { "img:${U}-x", '\\', "img:\x01-x", false },
        { "${A#al}", '\\', "\x01", false },
        { "${U", '\\', "\x01", false },
        { "$", '\\', "$", true },
        { "a$1", '\\', "a$1", true },
    };
    struct moat_arena a;

    (void)state;
    moat_arena_init(&a, 4096);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool complete;
        char *v = cd_word_value(&a, cases[i].raw, strlen(cases[i].raw), cases[i].esc, lookup, NULL,
                                &complete);
        if (strcmp(v, cases[i].want) != 0 || complete != cases[i].complete)
            fail_msg("%s: got '%s' (%d)", cases[i].raw, v, complete);
    }
    moat_arena_release(&a);
}

/* ---- the shell walker ---- */

struct rec {
    struct moat_buf out;
};

static void rec_pipeline(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth)
{
    struct rec *r = ctx;

    if (moat_buf_addf(&r->out, "%d:", depth) != 0)
        fail();
    for (size_t i = 0; i < n; i++) {
        if (i && moat_buf_addstr(&r->out, " |") != 0)
            fail();
        for (size_t k = 0; k < cmds[i].n; k++) {
            const struct cd_sh_word *w = &cmds[i].w[k];
            const char *tag = (w->flags & CD_SH_HEREDOC)  ? "H"
                              : (w->flags & CD_SH_REDIR)  ? "R"
                              : (w->flags & CD_SH_ASSIGN) ? "="
                                                          : "";
            if (moat_buf_addf(&r->out, " %s%s%s", tag, w->op ? w->op : "", w->s) != 0)
                fail();
        }
    }
    if (moat_buf_addstr(&r->out, "\n") != 0)
        fail();
}

static void rec_data(void *ctx, const char *s, size_t len, size_t off, const struct cd_sh_cmd *cmd,
                     int depth)
{
    struct rec *r = ctx;

    (void)depth;
    if (moat_buf_addf(&r->out, "data@%zu(%s):%.*s", off, cmd->w[0].s, (int)len, s) != 0)
        fail();
}

static char *walk_str(const char *script)
{
    struct rec r = { MOAT_BUF_INIT(1u << 20) };
    struct cd_sh_visit v = { rec_pipeline, rec_data, &r };
    size_t n;

    cd_sh_walk(script, strlen(script), 0, 0, &v);
    if (moat_buf_addch(&r.out, '\0') != 0)
        fail();
    return moat_buf_detach(&r.out, &n);
}

static void test_shell(void **state)
{
    static const struct {
        const char *script, *want;
    } cases[] = {
        { "a b | c -d && e; f &", "0: a b | c -d\n0: e\n0: f\n" },
        { "X=1 Y='a b' cmd \"q $Z\" 'lit $Z' --x=\"y\"", "0: =X=1 =Y=a b cmd q $Z lit $Z --x=y\n" },
        { "curl -fsSL \\\n  https://x | sudo bash -", "0: curl -fsSL https://x | sudo bash -\n" },
        { "# comment | sh\necho a#b # tail", "0: echo a#b\n" },
        { "if curl x | sh; then echo ok; fi", "0: curl x | sh\n0: echo ok\n" },
        { "for i in 1 2; do echo $i; done", "0: echo $i\n" },
        { "(cd /x && make) || { echo fail; exit 1; }",
          "0: cd /x\n0: make\n0: echo fail\n0: exit 1\n" },
        { "echo $(curl -s x | jq .a) `id -u` <(cat f)",
          "0: echo $(curl -s x | jq .a) `id -u` <(cat f)\n1: curl -s x | jq .a\n1: id -u\n1: cat "
          "f\n" },
        { "a > out 2>&1 < in >> log", "0: a R>out R2>&1 R<in R>>log\n" },
        { "echo $((1 + 2)) ${X:-$(y)}", "0: echo $((1 + 2)) ${X:-$(y)}\n" },
        { "cat > f <<EOF\nbody $x\nEOF\nnext",
          "0: cat R>f H<<EOF\ndata@14(cat):body $x\n0: next\n" },
        { "cat <<-'E' | sh\n\tcurl x\n\tE\n", "0: cat H<<-E | sh\ndata@16(cat):\tcurl x\n" },
        { "echo $'a\\'b' \"x\\\"y\"", "0: echo a'b x\"y\n" },
        { "unterminated 'quote", "0: unterminated quote\n" },
        { "cat <<EOF", "0: cat H<<EOF\n" },
        { "echo a\\", "0: echo a\n" },
        { "echo \"$(a", "0: echo $(a\n1: a\n" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = walk_str(cases[i].script);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", cases[i].script, got, cases[i].want);
        free(got);
    }
}

/* Deep nesting stops at CD_MAX_SH_DEPTH instead of recursing without end. */
static void test_shell_depth(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);
    char *got;
    int depth = 0;

    (void)state;
    for (int i = 0; i < 5000; i++)
        assert_int_equal(moat_buf_addstr(&b, "echo $("), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(moat_buf_addstr(&b, ")"), 0);
    got = walk_str(b.data);
    for (const char *p = got; (p = strchr(p, '\n')) != NULL; p++)
        if (p[1] >= '0' && p[1] <= '9' && p[1] - '0' > depth)
            depth = p[1] - '0';
    assert_int_equal(depth, CD_MAX_SH_DEPTH - 1);
    free(got);
    moat_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuations), cmocka_unit_test(test_directives),
        cmocka_unit_test(test_forms),         cmocka_unit_test(test_heredocs),
        cmocka_unit_test(test_malformed),     cmocka_unit_test(test_word_value),
        cmocka_unit_test(test_shell),         cmocka_unit_test(test_shell_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
