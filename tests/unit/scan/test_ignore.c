/* Unit tests for src/scan/ignore.c: one table of gitignore rules (man
 * gitignore, with the examples from its documentation), precedence across
 * files, the hashed lookup used for many directories, and the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scan/scan.h"
#include "core/banned.h"

struct ignore_case {
    const char *patterns;
    const char *dir;
    const char *path;
    bool is_dir;
    bool want;
};

#define F false
#define T true

/* Note: the matcher never consults parent directories. "dir/" followed by
 * "!dir/keep" leaves dir/keep unignored here; git (and moat's walker) never
 * descends into the excluded dir, so it stays excluded in practice. */
static const struct ignore_case cases[] = {
    /* plain names match at any depth below the file's directory */
    { "foo", "", "foo", F, T },
    { "foo", "", "a/b/foo", F, T },
    { "foo", "", "foo", T, T },
    { "foo", "", "afoo", F, F },
    { "foo", "", "foo/bar", F, F }, /* parents are the walker's business */
    /* comments, blank lines, CRLF, a UTF-8 BOM */
    { "# comment\nfoo", "", "# comment", F, F },
    { "#foo", "", "#foo", F, F },
    { "\\#foo", "", "#foo", F, T },
    { "\n\n   \n\t\nfoo\n", "", "foo", F, T },
    { "foo\r\nbar\r\n", "", "foo", F, T },
    { "foo\r\nbar\r\n", "", "bar", F, T },
    { "\xef\xbb\xbf*.tmp", "", "a.tmp", F, T },
    /* trailing spaces are dropped unless escaped */
    { "foo   ", "", "foo", F, T },
    { "foo   ", "", "foo   ", F, F },
    { "foo\\ ", "", "foo ", F, T },
    { "foo\\ ", "", "foo", F, F },
    { "foo\\  ", "", "foo ", F, T },
    { "a b", "", "a b", F, T },
    { " lead", "", " lead", F, T },
    /* negation, last match wins */
    { "*.log\n!keep.log", "", "keep.log", F, F },
    { "*.log\n!keep.log", "", "x.log", F, T },
    { "!keep.log\n*.log", "", "keep.log", F, T },
    { "\\!important", "", "!important", F, T },
    { "!", "", "!", F, F },
    { "*\n!/top", "", "top", F, F },
    { "*\n!/top", "", "a/top", F, T },
    /* a trailing slash matches directories only */
    { "build/", "", "build", T, T },
    { "build/", "", "build", F, F },
    { "build/", "", "a/build", T, T },
    { "frotz/", "", "a/frotz", T, T }, /* git's example */
    { "doc/frotz/", "", "doc/frotz", T, T },
    { "doc/frotz/", "", "a/doc/frotz", T, F },
    /* a leading or middle slash anchors to the directory */
    { "/foo", "", "foo", F, T },
    { "/foo", "", "a/foo", F, F },
    { "doc/frotz", "", "doc/frotz", F, T },
    { "doc/frotz", "", "a/doc/frotz", F, F },
    { "/bar", "", "bar", F, T },
    { "/bar", "", "x/bar", F, F },
    { "/*", "", "a", F, T },
    { "/*", "", "a/b", F, F },
    /* git's examples: hello.* and foo/ */
    { "hello.*", "", "hello.c", F, T },
    { "hello.*", "", "a/hello.txt", F, T },
    { "hello.*", "", "hello", F, F },
    { "foo/*", "", "foo/test.json", F, T },
    { "foo/*", "", "foo/bar", T, T },
    { "foo/*", "", "foo/bar/hello.c", F, F },
    /* * ? and classes do not cross '/' */
    { "*.c", "", "a/b/x.c", F, T },
    { "*.c", "", "x.h", F, F },
    { "*", "", "anything/at/all", F, T },
    { "a/*.c", "", "a/x.c", F, T },
    { "a/*.c", "", "a/b/x.c", F, F },
    { "a/*/c", "", "a/b/c", F, T },
    { "a/*/c", "", "a/c", F, F },
    { "a/*/c", "", "a/b/d/c", F, F },
    { "a?c", "", "abc", F, T },
    { "a?c", "", "ac", F, F },
    { "/a?b", "", "a/b", F, F },
    { "x*y", "", "x/y", F, F },
    { "/x*y", "", "x/y", F, F },
    { "/x*y", "", "xay", F, T },
    { "foo*", "", "foo", F, T },
    { "foo*", "", "foobar", F, T },
    { "/foo*", "", "foo/bar", F, F },
    { "src/foo*", "", "src/foobar", F, T },
    { "src/foo*", "", "src/foo/bar", F, F },
    { "*.tar.gz", "", "x.tar.gz", F, T },
    { "*.tar.gz", "", "x.tgz", F, F },
    { "*.log", "", ".log", F, T }, /* no special rule for dotfiles */
    { "a*b*c", "", "aXbYc", F, T },
    { "a*b*c", "", "aXbY", F, F },
    { "*a*", "", "bab", F, T },
    { "a*a*a*a*b", "", "aaaaaaaaaaaaab", F, T },
    /* bracket expressions */
    { "[a-c]at", "", "bat", F, T },
    { "[a-c]at", "", "dat", F, F },
    { "[!a-c]at", "", "dat", F, T },
    { "[!a-c]at", "", "bat", F, F },
    { "[^x]y", "", "zy", F, T },
    { "[^x]y", "", "xy", F, F },
    { "[]]x", "", "]x", F, T },
    { "[!]]x", "", "]x", F, F },
    { "[!]]x", "", "ax", F, T },
    { "[a-]x", "", "-x", F, T },
    { "[-a]x", "", "-x", F, T },
    { "[ab-]x", "", "bx", F, T },
    { "x[\\]]", "", "x]", F, T },
    { "x[\\-a]", "", "x-", F, T },
    { "[[:digit:]]x", "", "5x", F, T },
    { "[[:digit:]]x", "", "ax", F, F },
    { "[[:alpha:][:digit:]]", "", "q", F, T },
    { "[![:space:]]", "", " ", F, F },
    { "[[:upper:]]*", "", "Makefile", F, T },
    { "[[:xdigit:]][[:punct:]]", "", "f!", F, T },
    { "[[:bogus:]]x", "", "ax", F, F }, /* unknown class: matches nothing */
    { "[[:a]x", "", "[x", F, T },       /* "[:" not closed: a plain '['... */
    { "[[:a]x", "", ":x", F, T },
    { "[[:a]]x", "", "a]x", F, T }, /* ...so the set is "[:a", then "]x" */
    { "[[:a]]x", "", "ax", F, F },
    { "[abc", "", "[abc", F, F }, /* unclosed: matches nothing */
    { "[abc", "", "a", F, F },
    { "x[a/b]y/z", "", "xay/z", F, T },
    { "x[a/b]y/z", "", "x/y/z", F, F },
    /* escapes */
    { "\\*x", "", "*x", F, T },
    { "\\*x", "", "ax", F, F },
    { "a\\?", "", "a?", F, T },
    { "a\\?", "", "ab", F, F },
    { "\\[x]", "", "[x]", F, T },
    { "\\a\\b", "", "ab", F, T },
    { "foo\\", "", "foo", F, F }, /* trailing lone backslash: never matches */
    { "foo\\", "", "foo\\", F, F },
    { "a\\/b", "", "a/b", F, T },
    { "a\\/b", "", "x/a/b", F, F },
    { "**\\/x", "", "a/x", F, T }, /* "**" before an escaped '/' needs a directory */
    { "**\\/x", "", "x", F, F },
    { "a/**\\/b", "", "a/b", F, F },
    { "a/**\\/b", "", "a/x/y/b", F, T },
    { "abc\\/**", "", "abc/d", F, T },
    /* two asterisks */
    { "**/foo", "", "foo", F, T },
    { "**/foo", "", "a/b/foo", F, T },
    { "**/foo", "", "a/xfoo", F, F },
    { "**/foo/bar", "", "foo/bar", F, T },
    { "**/foo/bar", "", "x/y/foo/bar", F, T },
    { "**/foo/bar", "", "foo/x/bar", F, F },
    { "**/*.log", "", "a/b.log", F, T },
    { "abc/**", "", "abc/x", F, T },
    { "abc/**", "", "abc/x/y", T, T },
    { "abc/**", "", "abc", T, F },
    { "abc/**", "", "xabc/x", F, F },
    { "a/**/b", "", "a/b", F, T },
    { "a/**/b", "", "a/x/b", F, T },
    { "a/**/b", "", "a/x/y/b", F, T },
    { "a/**/b", "", "a/xb", F, F },
    { "a/**/b", "", "a/x/b/c", F, F },
    { "a/**/b/**/c", "", "a/1/b/2/3/c", F, T },
    { "a/**/b/**/c", "", "a/b/c", F, T },
    { "a/**/b/**/c", "", "a/c/b", F, F },
    { "**/x/**", "", "x", T, F },
    { "**/x/**", "", "q/x/y", F, T },
    { "a*/**", "", "ab/c", F, T },
    { "a*/**", "", "ab", T, F },
    { "a/**/", "", "a/b", T, T },
    { "a/**/", "", "a/b", F, F },
    { "**", "", "deep/er/path", F, T },
    { "/**", "", "deep/er/path", F, T },
    { "**/", "", "d", T, T },
    { "**/", "", "f", F, F },
    { "foo**bar", "", "fooxbar", F, T }, /* not next to '/': one '*' */
    { "/foo**bar", "", "foo/bar", F, F },
    { "***/q", "", "a/b/q", F, T },
    /* git hands wildmatch the pattern minus its literal head, so a "**"
     * right after the head is a globstar even mid-component */
    { "x**/y", "", "xa/b/y", F, T },
    { "x**/y", "", "xy", F, T },
    { "x**/y", "", "ya/b/y", F, F },
    { "/x**", "", "xa/b", F, T },
    { "/x**", "", "x", F, T },
    { "a/x**/y", "", "a/xq/r/y", F, T },
    { "q/**x/y", "", "q/a/bx/y", F, F },
    { "x**y/z", "", "xa/by/z", F, F },
    /* patterns of a nested .gitignore apply below its directory */
    { "*.log", "sub", "sub/x.log", F, T },
    { "*.log", "sub", "sub/a/b/x.log", F, T },
    { "*.log", "sub", "x.log", F, F },
    { "*.log", "sub", "subx/x.log", F, F },
    { "*.log", "a/b", "a/b/c.log", F, T },
    { "*.log", "a/b", "a/bc/c.log", F, F },
    { "/x", "sub", "sub/x", F, T },
    { "/x", "sub", "sub/a/x", F, F },
    { "/x", "sub", "x", F, F },
    { "a/b", "sub", "sub/a/b", F, T },
    { "a/b", "sub", "a/b", F, F },
    { "**/z", "sub", "sub/q/z", F, T },
    { "**/z", "sub", "z", F, F },
    { "q/**", "sub", "sub/q/r", F, T },
    { "sub", "sub", "sub", T, F }, /* a directory's file does not apply to itself */
    { "*", "sub", "sub", T, F },
    { "*.log", "sub/", "sub/x.log", F, T },
    { "*.log", "./sub", "sub/x.log", F, T },
    { "*.log", ".", "x.log", F, T },
    /* "dir/" then "!dir/keep": see the note above */
    { "dir/\n!dir/keep", "", "dir", T, T },
    { "dir/\n!dir/keep", "", "dir/keep", F, F },
};

static void test_table(void **state)
{
    size_t bad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct ignore_case *c = &cases[i];
        struct scan_ignore *ig = NULL;
        bool got;
        assert_int_equal(scan_ignore_add(&ig, c->dir, c->patterns, strlen(c->patterns), NULL), 0);
        got = scan_ignore_match(ig, c->path, c->is_dir);
        if (got != c->want) {
            print_error("case %zu: patterns \"%s\" dir \"%s\" path \"%s\"%s: got %d\n", i,
                        c->patterns, c->dir, c->path, c->is_dir ? " (dir)" : "", got);
            bad++;
        }
        scan_ignore_free(ig);
    }
    assert_int_equal(bad, 0);
}

static void add(struct scan_ignore **ig, const char *dir, const char *text)
{
    assert_int_equal(scan_ignore_add(ig, dir, text, strlen(text), NULL), 0);
    assert_non_null(*ig);
}

/* Deeper files are added later and win; a later root file wins over both. */
static void test_precedence(void **state)
{
    struct scan_ignore *ig = NULL;

    (void)state;
    add(&ig, "", "*.log\n");
    add(&ig, "sub", "!keep.log\n");
    assert_true(scan_ignore_match(ig, "keep.log", false));
    assert_false(scan_ignore_match(ig, "sub/keep.log", false));
    assert_false(scan_ignore_match(ig, "sub/deeper/keep.log", false));
    assert_true(scan_ignore_match(ig, "sub/other.log", false));
    assert_false(scan_ignore_match(ig, "other/keep.txt", false));
    add(&ig, "", "sub/keep.log\n");
    assert_true(scan_ignore_match(ig, "sub/keep.log", false));
    assert_false(scan_ignore_match(ig, "sub/deeper/keep.log", false));
    add(&ig, "sub/deeper", "!*.log\n");
    assert_false(scan_ignore_match(ig, "sub/deeper/other.log", false));
    assert_true(scan_ignore_match(ig, "sub/other.log", false));
    scan_ignore_free(ig);
}

/* Same answers past the linear-scan threshold, where groups are looked up
 * by ancestor directory; a base added twice keeps both of its groups. */
static void test_many_dirs(void **state)
{
    struct scan_ignore *ig = NULL;
    char dir[64], path[128];

    (void)state;
    add(&ig, "", "*.tmp\n");
    for (int i = 0; i < 40; i++) {
        assert_int_equal(moat_snprintf(dir, sizeof(dir), "d%d", i), 0);
        add(&ig, dir, "*.x\n/only-here\n");
        assert_int_equal(moat_snprintf(dir, sizeof(dir), "d%d/inner", i), 0);
        add(&ig, dir, "!keep.x\n");
    }
    add(&ig, "d7", "!*.x\n");
    add(&ig, "d9/inner", "keep.x\n");
    add(&ig, "", "!d3/z.tmp\n");
    for (int i = 0; i < 40; i++) {
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/a.x", i), 0);
        assert_int_equal(scan_ignore_match(ig, path, false), i != 7);
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/inner/keep.x", i), 0);
        assert_int_equal(scan_ignore_match(ig, path, false), i == 9);
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/inner/other.x", i), 0);
        assert_int_equal(scan_ignore_match(ig, path, false), i != 7);
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/only-here", i), 0);
        assert_true(scan_ignore_match(ig, path, false));
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/inner/only-here", i), 0);
        assert_false(scan_ignore_match(ig, path, false));
        assert_int_equal(moat_snprintf(path, sizeof(path), "d%d/y/z.tmp", i), 0);
        assert_true(scan_ignore_match(ig, path, false));
    }
    assert_false(scan_ignore_match(ig, "d3/z.tmp", false));
    assert_false(scan_ignore_match(ig, "d40/a.x", false));
    assert_false(scan_ignore_match(ig, "d1x/a.x", false));
    assert_true(scan_ignore_match(ig, "x.tmp", false));
    /* odd paths must not confuse the ancestor walk */
    assert_false(scan_ignore_match(ig, "/d1/a.y", false));
    assert_true(scan_ignore_match(ig, "/d1/a.tmp", false));
    assert_false(scan_ignore_match(ig, "d1//a.y", false));
    assert_false(scan_ignore_match(ig, "", false));
    scan_ignore_free(ig);
}

static void test_limits(void **state)
{
    struct scan_ignore *ig = NULL;
    struct moat_err err = { 0 };
    size_t n = 100001;
    char *text = moat_malloc(n * 2 + 1);

    (void)state;
    /* one line over the pattern limit; a fresh struct is not created */
    memset(text, 'a', 5000);
    text[5000] = '\n';
    assert_int_equal(scan_ignore_add(&ig, "", text, 5001, &err), MOAT_ETOOBIG);
    assert_null(ig);
    assert_non_null(strstr(err.msg, "line 1"));
    /* all or nothing: a failed add leaves earlier patterns alone */
    add(&ig, "", "keep-me\n");
    memcpy(text, "y\n", 2);
    memset(text + 2, 'b', 5000);
    assert_int_equal(scan_ignore_add(&ig, "", text, 5002, NULL), MOAT_ETOOBIG);
    assert_non_null(ig);
    assert_true(scan_ignore_match(ig, "keep-me", false));
    assert_false(scan_ignore_match(ig, "y", false));
    scan_ignore_free(ig);
    ig = NULL;
    /* too many patterns */
    for (size_t i = 0; i < n; i++)
        memcpy(text + 2 * i, "a\n", 2);
    assert_int_equal(scan_ignore_add(&ig, "", text, n * 2, &err), MOAT_ETOOBIG);
    assert_null(ig);
    assert_int_equal(scan_ignore_add(&ig, "", text, (n - 1) * 2, NULL), 0);
    assert_true(scan_ignore_match(ig, "a", false));
    assert_int_equal(scan_ignore_add(&ig, "", "b\n", 2, NULL), MOAT_ETOOBIG);
    scan_ignore_free(ig);
    ig = NULL;
    /* directory name over the limit */
    memset(text, 'd', 5000);
    text[5000] = '\0';
    assert_int_equal(scan_ignore_add(&ig, text, "x", 1, NULL), MOAT_ETOOBIG);
    assert_null(ig);
    free(text);
}

static void test_empty_and_null(void **state)
{
    struct scan_ignore *ig = NULL;

    (void)state;
    scan_ignore_free(NULL);
    assert_false(scan_ignore_match(NULL, "x", false));
    /* only comments: the struct exists and matches nothing */
    add(&ig, "", "# nothing\n\n");
    assert_false(scan_ignore_match(ig, "x", false));
    assert_int_equal(scan_ignore_add(&ig, "", NULL, 0, NULL), 0);
    add(&ig, "", "x");
    assert_true(scan_ignore_match(ig, "x", false));
    /* a NUL inside a pattern cannot match a C string path */
    assert_int_equal(scan_ignore_add(&ig, "", "n\0ul\n", 5, NULL), 0);
    assert_false(scan_ignore_match(ig, "n", false));
    scan_ignore_free(ig);
}

/* Patterns that make a backtracking matcher exponential stay fast. */
/* Patterns applied to findings: a directory pattern covers the files under
 * it, and "!" cannot bring a file back from under an excluded directory. */
static void test_match_file(void **state)
{
    static const char pats[] = "vendor/\n*.min.js\n/build\n!build/keep.txt\n";
    struct scan_ignore *ig = NULL;

    (void)state;
    assert_int_equal(scan_ignore_add(&ig, "", pats, strlen(pats), NULL), 0);
    assert_true(scan_ignore_match_file(ig, "vendor/a.py"));
    assert_true(scan_ignore_match_file(ig, "src/vendor/x/y.go"));
    assert_true(scan_ignore_match_file(ig, "web/app.min.js"));
    assert_true(scan_ignore_match_file(ig, "build/keep.txt"));
    assert_false(scan_ignore_match_file(ig, "src/build/a.c"));
    assert_false(scan_ignore_match_file(ig, "vendored.py"));
    assert_false(scan_ignore_match_file(ig, "src/app.js"));
    scan_ignore_free(ig);
}

static void test_no_blowup(void **state)
{
    static const char *const pats[] = { "a*a*a*a*a*a*a*a*a*a*a*b", "/**/a/**/a/**/a/**/a/**/b",
                                        "*a*a*a*a*a*a*a*a*a*a*a*[b]" };
    struct moat_buf path = MOAT_BUF_INIT(1 << 20);
    double t0 = moat_now();

    (void)state;
    for (int i = 0; i < 3000; i++)
        assert_int_equal(moat_buf_addstr(&path, "a"), 0);
    for (size_t k = 0; k < 3; k++) {
        struct scan_ignore *ig = NULL;
        add(&ig, "", pats[k]);
        assert_false(scan_ignore_match(ig, path.data, false));
        scan_ignore_free(ig);
    }
    moat_buf_reset(&path);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(moat_buf_addstr(&path, "a/"), 0);
    assert_int_equal(moat_buf_addstr(&path, "c"), 0);
    {
        struct scan_ignore *ig = NULL;
        add(&ig, "", pats[1]);
        assert_false(scan_ignore_match(ig, path.data, false));
        scan_ignore_free(ig);
    }
    /* generous: polynomial is milliseconds, exponential would be years */
    assert_true(moat_now() - t0 < 5.0);
    moat_buf_release(&path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_many_dirs),      cmocka_unit_test(test_limits),
        cmocka_unit_test(test_empty_and_null), cmocka_unit_test(test_no_blowup),
        cmocka_unit_test(test_match_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
