/* Unit tests for the internals of the GitHub Actions audits: the `${{ }}`
 * expression scanner (finding, parsing, which values reach the result, the
 * same-repository guard), path matching, and the script reader (comments,
 * here-documents, commands, builds, pipes into shells, runner file writes).
 * The audits themselves are tested by test_audits.c on fixtures. */
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

/* ---- expressions ---- */

static void test_find(void **state)
{
    static const struct {
        const char *text;
        const char *found[4]; /* the expressions, in order */
    } cases[] = {
        { "echo ${{ a.b }} and ${{c}}", { "${{ a.b }}", "${{c}}" } },
        { "${{ '}}' }}", { "${{ '}}' }}" } },
        { "${{ 'it''s }}' || x }} tail", { "${{ 'it''s }}' || x }}" } },
        { "${{ unterminated", { NULL } },
        { "$ {{ x }} ${ {x}} {{ x }}", { NULL } },
        { "${{${{ x }}", { "${{${{ x }}" } },
        { "", { NULL } },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *t = cases[i].text;
        size_t pos = 0, a, b, k = 0;
        while (gha_expr_find(t, strlen(t), &pos, &a, &b)) {
            assert_non_null(cases[i].found[k]);
            assert_int_equal(b - a, strlen(cases[i].found[k]));
            assert_memory_equal(t + a, cases[i].found[k], b - a);
            k++;
        }
        assert_null(k < 4 ? cases[i].found[k] : NULL);
    }
}

struct paths {
    char buf[512];
};

static void collect(void *arg, const char *path)
{
    struct paths *p = arg;
    size_t n = strlen(p->buf);

    if (moat_snprintf(p->buf + n, sizeof(p->buf) - n, "%s%s", n ? " " : "", path) != 0)
        fail_msg("too many paths");
}

/* The values of an expression, space-separated; "!" if it does not parse. */
static void values_of(const char *expr, char *out, size_t outlen)
{
    struct moat_arena a;
    struct paths p = { "" };
    const struct gha_expr *e;

    moat_arena_init(&a, 0);
    e = gha_expr_parse(&a, expr, strlen(expr));
    if (e)
        gha_expr_values(e, collect, &p);
    if (moat_snprintf(out, outlen, "%s", e ? p.buf : "!") != 0)
        fail_msg("cut");
    moat_arena_release(&a);
}

static void test_values(void **state)
{
    static const struct {
        const char *expr, *values;
    } cases[] = {
        { "github.event.issue.title", "github.event.issue.title" },
        { "  GitHub.Event.Issue.Title  ", "github.event.issue.title" },
        { "github.event['issue'][\"x\"]", "!" },
        { "github.event['Issue']['title']", "github.event.issue.title" },
        { "github.event.commits[0].message", "github.event.commits.*.message" },
        { "github.event.commits.*.author.name", "github.event.commits.*.author.name" },
        { "github.event.pages[github.event.x].page_name", "github.event.pages.*.page_name" },
        { "contains(github.event.issue.title, 'x')", "" },
        { "startsWith(github.head_ref, 'a') && endsWith(github.head_ref, 'b')", "" },
        { "github.event.issue.title == 'x'", "" },
        { "!github.event.issue.title", "" },
        { "a.b && c.d", "c.d" },
        { "a.b || c.d", "a.b c.d" },
        { "x.y && a.b || c.d", "a.b c.d" },
        { "format('{0} {1}', a.b, c.d)", "a.b c.d" },
        { "join(github.event.commits.*.message, ', ')", "github.event.commits.*.message" },
        { "toJSON(github)", "github" },
        { "fromJSON(steps.x.outputs.json).title", "steps.x.outputs.json" },
        { "case(a.b == 1, c.d, e.f)", "c.d e.f" },
        { "hashFiles('**/x', a.b)", "" },
        { "'literal' || 3 || null || true", "" },
        { "(a.b)", "a.b" },
        { "steps.my-step.outputs.some_value", "steps.my-step.outputs.some_value" },
        { "-1.5e+3 < x.y", "" },
        { "a.", "!" },
        { "a.b c.d", "!" },
        { "f(", "!" },
        { "", "!" },
        { "'unterminated", "!" },
    };
    char got[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        values_of(cases[i].expr, got, sizeof(got));
        if (strcmp(got, cases[i].values) != 0)
            fail_msg("%s: values '%s', expected '%s'", cases[i].expr, got, cases[i].values);
    }
}

static void test_depth(void **state)
{
    struct moat_arena a;
    char deep[4 * GHA_EXPR_MAX_DEPTH + 16];
    size_t n = 0;

    (void)state;
    moat_arena_init(&a, 0);
    for (int i = 0; i < GHA_EXPR_MAX_DEPTH * 2; i++)
        deep[n++] = '(';
    deep[n++] = 'x';
    for (int i = 0; i < GHA_EXPR_MAX_DEPTH * 2; i++)
        deep[n++] = ')';
    assert_null(gha_expr_parse(&a, deep, n));
    n = 0;
    for (int i = 0; i < GHA_EXPR_MAX_DEPTH * 3; i++)
        deep[n++] = '!';
    deep[n++] = 'x';
    assert_null(gha_expr_parse(&a, deep, n));
    assert_non_null(gha_expr_parse(&a, "((((x))))", 9));
    moat_arena_release(&a);
}

static void test_guards(void **state)
{
    static const struct {
        const char *expr;
        bool same_repo;
    } cases[] = {
        { "github.event.pull_request.head.repo.full_name == github.repository", true },
        { "github.repository == github.event.pull_request.head.repo.full_name", true },
        { "github.event.pull_request.head.repo.fork == false", true },
        { "!github.event.pull_request.head.repo.fork", true },
        { "github.event.pull_request.head.repo.fork != true && github.actor != 'x'", true },
        { "github.event.workflow_run.head_repository.full_name == github.repository", true },
        { "github.event.pull_request.head.repo.full_name == 'org/repo'", true },
        { "a.b || github.event.pull_request.head.repo.fork == false", false },
        { "github.event.pull_request.head.repo.full_name != github.repository", false },
        { "github.event.pull_request.head.repo.fork == true", false },
        { "contains(github.event.pull_request.labels.*.name, 'safe')", false },
        { "github.event.pull_request.head.repo.fork == false || "
          "github.event.pull_request.head.repo.full_name == github.repository",
          true },
    };
    struct moat_arena a;

    (void)state;
    moat_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct gha_expr *e = gha_expr_parse(&a, cases[i].expr, strlen(cases[i].expr));
        assert_non_null(e);
        if (gha_expr_same_repo(e) != cases[i].same_repo)
            fail_msg("%s: expected %d", cases[i].expr, cases[i].same_repo);
    }
    assert_true(gha_expr_dumps_secrets(gha_expr_parse(&a, "toJSON(secrets)", 15)));
    assert_true(gha_expr_dumps_secrets(gha_expr_parse(&a, "fromJSON(toJson(secrets))", 25)));
    assert_true(gha_expr_dumps_secrets(gha_expr_parse(&a, "secrets", 7)));
    assert_false(gha_expr_dumps_secrets(gha_expr_parse(&a, "toJSON(secrets.X)", 17)));
    assert_false(gha_expr_dumps_secrets(gha_expr_parse(&a, "secrets.X", 9)));
    assert_false(gha_expr_dumps_secrets(NULL));
    moat_arena_release(&a);
}

static void test_path_match(void **state)
{
    (void)state;
    assert_int_equal(gha_path_match("github.event.issue.title", "github.event.issue.title"),
                     GHA_PM_MATCH);
    assert_int_equal(
        gha_path_match("github.event.client_payload.a.b", "github.event.client_payload"),
        GHA_PM_MATCH);
    assert_int_equal(gha_path_match("github.event", "github.event.issue.title"), GHA_PM_CONTAINS);
    assert_int_equal(gha_path_match("github", "github.head_ref"), GHA_PM_CONTAINS);
    assert_int_equal(
        gha_path_match("github.event.pages.*.page_name", "github.event.pages.*.page_name"),
        GHA_PM_MATCH);
    assert_int_equal(
        gha_path_match("github.event.pages.3.page_name", "github.event.pages.*.page_name"),
        GHA_PM_MATCH);
    assert_int_equal(gha_path_match("github.event.issue.*", "github.event.issue.title"),
                     GHA_PM_MATCH);
    assert_int_equal(gha_path_match("github.event.issue.number", "github.event.issue.title"),
                     GHA_PM_NONE);
    assert_int_equal(gha_path_match("github.event.issues.title", "github.event.issue.title"),
                     GHA_PM_NONE);
    assert_int_equal(gha_path_match("env.titles", "env.title"), GHA_PM_NONE);
}

/* ---- scripts ---- */

/* The classes of script as a string: c(ode), #(comment), h(ere-document). */
static void classes(const char *s, enum gha_lang lang, char *out)
{
    size_t n = strlen(s);
    unsigned char *cls = gha_sh_classify(s, n, lang);

    for (size_t i = 0; i < n; i++)
        out[i] = s[i] == '\n' ? '\n' : "c#h"[cls[i]];
    out[n] = '\0';
    free(cls);
}

static void test_classify(void **state)
{
    static const struct {
        const char *s;
        enum gha_lang lang;
        const char *cls;
    } cases[] = {
        { "a # b", GHA_LANG_SH, "cc###" },
        { "a#b $# ${#x}", GHA_LANG_SH, "cccccccccccc" },
        { "'#' \"#\" \\#", GHA_LANG_SH, "cccccccccc" },
        { "x ${{ '#' }} #y", GHA_LANG_SH, "ccccccccccccc##" },
        { "cat <<E\n# x\nE\n#c", GHA_LANG_SH, "ccccccc\nhhh\nh\n##" },
        { "cat <<-'E'\n\tx\n\tE\ny", GHA_LANG_SH, "cccccccccc\nhh\nhh\nc" },
        { "cat <<<x # y", GHA_LANG_SH, "ccccccccc###" },
        { "x # a\n  # b\n#", GHA_LANG_PYTHON, "ccccc\ncc###\n#" },
        { "// a\nx // b", GHA_LANG_JS, "####\ncccccc" },
        { "REM a\n:: b\nremx", GHA_LANG_CMD, "#####\n####\ncccc" },
        { "<# a\nb #> c # d", GHA_LANG_PWSH, "####\n####ccc###" },
        { "echo `# x", GHA_LANG_PWSH, "ccccccccc" },
    };
    char got[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        classes(cases[i].s, cases[i].lang, got);
        if (strcmp(got, cases[i].cls) != 0)
            fail_msg("case %zu '%s': got '%s', expected '%s'", i, cases[i].s, got, cases[i].cls);
    }
    assert_int_equal(gha_shell_lang(NULL, false), GHA_LANG_SH);
    assert_int_equal(gha_shell_lang(NULL, true), GHA_LANG_PWSH);
    assert_int_equal(gha_shell_lang("bash -e {0}", false), GHA_LANG_SH);
    assert_int_equal(gha_shell_lang("/usr/bin/python3 {0}", false), GHA_LANG_PYTHON);
    assert_int_equal(gha_shell_lang("PowerShell", false), GHA_LANG_PWSH);
    assert_int_equal(gha_shell_lang("node {0}", false), GHA_LANG_JS);
    assert_int_equal(gha_shell_lang("perl {0}", false), GHA_LANG_OTHER);
}

struct cmds {
    char out[1024];
};

static void on_cmd(void *arg, const char *code, const struct gha_sh_cmd *c)
{
    struct cmds *cs = arg;
    size_t n = strlen(cs->out);

    if (moat_snprintf(cs->out + n, sizeof(cs->out) - n, "%s[", c->piped ? "|" : "") != 0)
        fail_msg("cut");
    for (size_t i = 0; i < c->n; i++) {
        char w[64];
        gha_sh_word(code, c, i, w, sizeof(w));
        n = strlen(cs->out);
        if (moat_snprintf(cs->out + n, sizeof(cs->out) - n, "%s%s", i ? " " : "", w) != 0)
            fail_msg("cut");
    }
    n = strlen(cs->out);
    if (moat_snprintf(cs->out + n, sizeof(cs->out) - n, "]") != 0)
        fail_msg("cut");
}

static void test_commands(void **state)
{
    static const struct {
        const char *s, *cmds;
    } cases[] = {
        { "a b; c && d || e", "[a b][c][d][e]" },
        { "a | b |& c", "[a]|[b]|[c]" },
        { "echo \"x; y\" 'a|b' $(c; d) `e | f` ${g:-h i}",
          "[echo x; y a|b $(c; d) `e | f` ${g:-h i}]" },
        { "bash <(curl -s x) 2>&1 >/dev/null &> f", "[bash <(curl -s x) 2>&1 >/dev/null &> f]" },
        { "a \\\n b\nc", "[a b][c]" },
        { "echo ${{ format('{0};{1}', a, b) }} x", "[echo ${{ format({0};{1}, a, b) }} x]" },
        { "(cd x && make)", "[cd x][make]" },
        { "arr=(a b) x", "[arr=(a b) x]" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cmds cs = { "" };
        gha_sh_commands(cases[i].s, strlen(cases[i].s), on_cmd, &cs);
        if (strcmp(cs.out, cases[i].cmds) != 0)
            fail_msg("'%s': got '%s', expected '%s'", cases[i].s, cs.out, cases[i].cmds);
    }
}

struct judge {
    const char *s;
    int builds, publishes, checkout;
};

static void on_judge(void *arg, const char *code, const struct gha_sh_cmd *c)
{
    struct judge *j = arg;
    char what[128];

    j->builds += gha_sh_builds(code, c, what, sizeof(what));
    j->publishes += gha_sh_publishes(code, c, what, sizeof(what));
    j->checkout += gha_sh_pr_checkout(code, c);
}

static void test_command_kinds(void **state)
{
    static const struct judge cases[] = {
        /* s, builds, publishes, checks out a pull request */
        { "npm ci", 1, 0, 0 },
        { "npm install --ignore-scripts=false", 1, 0, 0 },
        { "npm view react version", 0, 0, 0 },
        { "npm publish --access public", 1, 1, 0 },
        { "yarn", 1, 0, 0 },
        { "yarn --version", 0, 0, 0 },
        { "sudo -E make -j4", 1, 0, 0 },
        { "FOO=1 env BAR=2 timeout 10m ./scripts/test.sh", 1, 0, 0 },
        { "pip install requests", 0, 0, 0 },
        { "pip install -r requirements.txt", 1, 0, 0 },
        { "python3 -m pip install -e .", 1, 0, 0 },
        { "python -c 'print(1)'", 0, 0, 0 },
        { "python setup.py sdist", 1, 0, 0 },
        { "python -m twine upload dist/*", 0, 1, 0 },
        { "go test ./...", 1, 0, 0 },
        { "go version", 0, 0, 0 },
        { "cargo build --release", 1, 0, 0 },
        { "cargo install cargo-deny", 0, 0, 0 },
        { "docker build -t x .", 1, 0, 0 },
        { "docker push x", 0, 1, 0 },
        { "docker buildx build --push -t x .", 1, 1, 0 },
        { "docker pull x", 0, 0, 0 },
        { "bash scripts/ci.sh", 1, 0, 0 },
        { "bash -c 'echo hi'", 0, 0, 0 },
        { "echo hello", 0, 0, 0 },
        { "gh pr checkout 12", 0, 0, 1 },
        { "gh pr view 12", 0, 0, 0 },
        { "git fetch origin pull/12/head:pr", 0, 0, 1 },
        { "git -C dir fetch origin +refs/pull/*/merge", 0, 0, 1 },
        { "git fetch origin main", 0, 0, 0 },
        { "git log pull/12/head", 0, 0, 0 },
        { "gh release create v1 dist/*", 0, 1, 0 },
        { "./gradlew publishToMavenCentral", 1, 1, 0 },
        { "mvn -B deploy", 1, 1, 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct judge j = { cases[i].s, 0, 0, 0 };
        gha_sh_commands(j.s, strlen(j.s), on_judge, &j);
        if (j.builds != cases[i].builds || j.publishes != cases[i].publishes ||
            j.checkout != cases[i].checkout)
            fail_msg("'%s': builds %d publishes %d checkout %d", j.s, j.builds, j.publishes,
                     j.checkout);
    }
}

static void count_off(void *arg, size_t off)
{
    (void)off;
    (*(int *)arg)++;
}

static void test_pipe_to_shell(void **state)
{
    static const struct {
        const char *s;
        int hits;
    } cases[] = {
        { "curl -fsSL x | sh", 1 },
        { "curl x | sudo bash -s -- -y", 1 },
        { "wget -qO- x | tee y | bash", 1 },
        { "curl x | jq .a", 0 },
        { "curl x | python3 -c 'import sys'", 0 },
        { "curl x | python3 -", 1 },
        { "curl x | node -e 'x'", 0 },
        { "curl x | perl -ne 'print'", 0 },
        { "curl x | perl", 1 },
        { "bash <(curl -s x)", 1 },
        { "source <(wget -O- x)", 1 },
        { "sh -c \"$(curl -fsSL x)\"", 1 },
        { "eval \"$(curl -s x)\"", 1 },
        { "echo \"$(curl -s x)\"", 0 },
        { "curl -o f x && sh f", 0 },
        { "curl x | sh; curl y | bash", 2 },
        { "iwr x | iex", 1 },
        { "iex (iwr x).Content", 1 },
        { "Invoke-Expression (New-Object Net.WebClient).DownloadString('x')", 1 },
        { "Invoke-WebRequest x -OutFile f", 0 },
        { "echo curl x | sh", 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int hits = 0;
        gha_sh_pipe_to_shell(cases[i].s, strlen(cases[i].s), count_off, &hits);
        if (hits != cases[i].hits)
            fail_msg("'%s': %d hits, expected %d", cases[i].s, hits, cases[i].hits);
    }
}

struct writes {
    const char *code;
    char out[512];
};

static void on_write(void *arg, const struct gha_write *wr)
{
    struct writes *ws = arg;
    size_t n = strlen(ws->out);

    if (moat_snprintf(ws->out + n, sizeof(ws->out) - n, "%s%c:%.*s=%.*s;",
                      wr->names_file ? "" : "~", "EPO"[wr->file], (int)wr -> nlen,
                      ws -> code + wr -> name, (int)wr -> vlen, ws -> code + wr -> value) != 0)
        fail_msg("cut");
}

static void test_writes(void **state)
{
    static const struct {
        const char *s;
        enum gha_lang lang;
        const char *writes;
    } cases[] = {
        { "echo \"A=b\" >> $GITHUB_ENV", GHA_LANG_SH, "E:A=b\" ;" },
        { "echo x=1 >> \"${GITHUB_OUTPUT}\"", GHA_LANG_SH, "O:x=1 ;" },
        { "echo /opt/bin >> $GITHUB_PATH", GHA_LANG_SH, "P:=echo /opt/bin ;" },
        { "echo A=b | tee -a $GITHUB_ENV", GHA_LANG_SH, "E:A=b ;" },
        { "cat $GITHUB_ENV", GHA_LANG_SH, "" },
        { "echo $GITHUB_ENVIRONMENT > x", GHA_LANG_SH, "" },
        { "echo \"t<<EOF\" >> $GITHUB_OUTPUT\necho \"$B\" >> $GITHUB_OUTPUT\necho EOF >> "
          "$GITHUB_OUTPUT",
          GHA_LANG_SH, "O:t=;O:t=echo \"$B\" ;O:=;" },
        { "{\n  echo a=1\n  echo b=$X\n} >> \"$GITHUB_OUTPUT\"", GHA_LANG_SH,
          "~O:a=1;~O:b=$X;O:=;" },
        { "cat <<EOF >> $GITHUB_OUTPUT\nk=v\nEOF", GHA_LANG_SH, "O:=;~O:k=v;~O:=EOF;" },
        { "\"V=1\" | Out-File -FilePath $env:GITHUB_ENV -Append", GHA_LANG_PWSH, "E:V=1\" ;" },
        { "echo \"::set-output name=t::$T\"", GHA_LANG_SH, "~O:t=$T\";" },
        { "core.exportVariable('N', v)\ncore.setOutput(\"o\", w)", GHA_LANG_JS,
          "E:N=, v);O:o=, w);" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct writes ws = { cases[i].s, "" };
        size_t n = strlen(cases[i].s);
        unsigned char *cls = gha_sh_classify(cases[i].s, n, cases[i].lang);
        gha_sh_writes(cases[i].s, cls, n, cases[i].lang, on_write, &ws);
        free(cls);
        if (strcmp(ws.out, cases[i].writes) != 0)
            fail_msg("'%s': got '%s', expected '%s'", cases[i].s, ws.out, cases[i].writes);
    }
}

static void test_data(void **state)
{
    (void)state;
    assert_true(gha_uses_is("actions/checkout@v4", "actions/checkout"));
    assert_true(gha_uses_is("Actions/Checkout", "actions/checkout"));
    assert_false(gha_uses_is("actions/checkout-extra@v1", "actions/checkout"));
    assert_true(gha_uses_is("vmactions/freebsd-vm@v1", "vmactions/*"));
    assert_false(gha_uses_is("vmactions@v1", "vmactions/*"));
    assert_false(gha_uses_is(NULL, "a/b"));
    assert_string_equal(gha_script_input("actions/github-script@v7", "Script"), "JavaScript");
    assert_null(gha_script_input("actions/github-script@v7", "github-token"));
    assert_int_equal(gha_event_bit("pull_request_target"), GHA_EV_PR_TARGET);
    assert_int_equal(gha_event_bit("Pull_Request"), GHA_EV_OTHER);
    assert_null(gha_action_caches("actions/setup-go@v3", NULL));
    assert_non_null(gha_action_caches("actions/setup-go@v5", NULL));
    assert_null(gha_action_caches("actions/cache/save@v4", NULL));
    /* every source pattern is lowercase, as paths are */
    for (size_t i = 0; i < gha_nsources; i++)
        for (const char *p = gha_sources[i].pattern; *p; p++)
            assert_false(*p >= 'A' && *p <= 'Z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),          cmocka_unit_test(test_values),
        cmocka_unit_test(test_depth),         cmocka_unit_test(test_guards),
        cmocka_unit_test(test_path_match),    cmocka_unit_test(test_classify),
        cmocka_unit_test(test_commands),      cmocka_unit_test(test_command_kinds),
        cmocka_unit_test(test_pipe_to_shell), cmocka_unit_test(test_writes),
        cmocka_unit_test(test_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
