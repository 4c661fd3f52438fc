/* Unit tests for src/scan/config/yaml.c: node positions for every scalar
 * style, lines inside multi-line scalars, anchors, aliases and merge keys
 * (Psych's semantics), tags, multi-document files, every limit (the alias
 * bomb among them) and every error, each with its exact line and column. */
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

static struct cy_doc *load(const char *text)
{
    struct cy_doc *d = NULL;
    struct moat_err err = { 0, "" };

    if (cy_load((const unsigned char *)text, strlen(text), &d, &err) != 0)
        fail_msg("load failed: %s", err.msg);
    return d;
}

/* Load must fail with rc and a message starting with want. */
static void load_fails_n(const char *text, size_t len, int rc, const char *want)
{
    struct cy_doc *d = (struct cy_doc *)&d;
    struct moat_err err = { 0, "" };
    int got = cy_load((const unsigned char *)text, len, &d, &err);

    if (got != rc || strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("rc %d (want %d), message '%s' (want '%s...')", got, rc, err.msg, want);
    assert_null(d);
    assert_int_equal(err.rc, rc);
}

static void load_fails(const char *text, int rc, const char *want)
{
    load_fails_n(text, strlen(text), rc, want);
}

/* n/key/0/key: keys of maps and indexes of lists, separated by slashes. */
static const struct cy_node *path(const struct cy_node *n, const char *keys)
{
    char buf[256];
    char *save = NULL;

    assert_true(strlen(keys) < sizeof(buf));
    memcpy(buf, keys, strlen(keys) + 1);
    for (char *k = strtok_r(buf, "/", &save); k && n; k = strtok_r(NULL, "/", &save)) {
        if (k[0] >= '0' && k[0] <= '9') {
            size_t i = strtoul(k, NULL, 10);
            n = n->kind == CY_SEQ && i < n->n ? n->items[i] : NULL;
        } else {
            n = cy_get(n, k);
        }
    }
    if (!n)
        fail_msg("no node at %s", keys);
    return n;
}

static void at(const struct cy_node *n, unsigned line, unsigned col)
{
    if (n->line != line || n->col != col)
        fail_msg("node '%s' at %u:%u, want %u:%u", n->str ? n->str : "(collection)", n->line,
                 n->col, line, col);
}

/* Line of the first byte of needle inside scalar n. */
static unsigned line_of(const struct cy_node *n, const char *needle)
{
    const char *p = strstr(n->str, needle);
    if (!p)
        fail_msg("'%s' not in scalar", needle);
    return cy_line_at(n, (size_t)(p - n->str));
}

static unsigned col_of(const struct cy_node *n, const char *needle)
{
    const char *p = strstr(n->str, needle);
    if (!p)
        fail_msg("'%s' not in scalar", needle);
    return cy_col_at(n, (size_t)(p - n->str));
}

static void test_positions(void **state)
{
    struct cy_doc *d = load("# comment\n"
                            "a: 1\n"
                            "b:\n"
                            "  - x\n"
                            "  - 'y'\n"
                            "  - \"z\"\n"
                            "c: {k: v, l: [1, 2]}\n"
                            "d: &anc !tag  text\n"
                            "e: !!str\n"
                            "  later\n");
    const struct cy_node *r = cy_root(d, 0);

    (void)state;
    assert_int_equal(cy_ndocs(d), 1);
    assert_int_equal(r->kind, CY_MAP);
    assert_int_equal(r->n, 5);
    assert_true(cy_is(r->keys[0], "a"));
    at(r->keys[0], 2, 1);
    at(path(r, "a"), 2, 4);
    at(path(r, "b"), 4, 3);
    at(path(r, "b/0"), 4, 5);
    at(path(r, "b/1"), 5, 5);
    assert_int_equal(path(r, "b/1")->style, CY_SINGLE);
    at(path(r, "b/2"), 6, 5);
    assert_int_equal(path(r, "b/2")->style, CY_DOUBLE);
    at(path(r, "c"), 7, 4);
    at(path(r, "c/l/1"), 7, 18);
    /* a scalar is where its text is, past &anchor and !tag */
    at(path(r, "d"), 8, 15);
    assert_string_equal(path(r, "d")->tag, "!tag");
    at(path(r, "e"), 10, 3);
    assert_string_equal(path(r, "e")->tag, "tag:yaml.org,2002:str");
    assert_int_equal(path(r, "e")->src_line, 10);
    /* single-line scalars: the column of a byte, past the quote */
    assert_int_equal(cy_col_at(path(r, "b/1"), 0), 6);
    assert_int_equal(cy_col_at(path(r, "b/0"), 0), 5);
    assert_int_equal(cy_line_at(path(r, "b/0"), 0), 4);
    cy_free(d);
}

static void test_accessors(void **state)
{
    struct cy_doc *d = load("k: v\nnul: \"a\\0b\"\n");
    const struct cy_node *r = cy_root(d, 0);

    (void)state;
    assert_null(cy_get(NULL, "k"));
    assert_null(cy_get(r, NULL));
    assert_null(cy_get(r, "missing"));
    assert_null(cy_get(cy_get(r, "k"), "k"));
    assert_null(cy_str(NULL));
    assert_null(cy_str(r));
    assert_string_equal(cy_str(cy_get(r, "k")), "v");
    assert_true(cy_is(cy_get(r, "k"), "v"));
    assert_false(cy_is(cy_get(r, "k"), "vv"));
    assert_false(cy_is(r, "v"));
    assert_false(cy_is(NULL, "v"));
    /* a NUL inside a scalar is kept; len tells */
    assert_int_equal(cy_get(r, "nul")->len, 3);
    assert_memory_equal(cy_get(r, "nul")->str, "a\0b", 3);
    assert_false(cy_is(cy_get(r, "nul"), "a"));
    assert_null(cy_root(d, 1));
    assert_null(cy_root(NULL, 0));
    assert_int_equal(cy_ndocs(NULL), 0);
    assert_int_equal(cy_line_at(NULL, 0), 0);
    cy_free(d);
    cy_free(NULL);
}

static void test_literal_lines(void **state)
{
    struct cy_doc *d = load("job:\n"                   /* 1 */
                            "  script: |\n"            /* 2 */
                            "    one\n"                /* 3 */
                            "\n"                       /* 4 */
                            "    three\n"              /* 5 */
                            "      four indented\n"    /* 6 */
                            "\n"                       /* 7 */
                            "  keep: |+\n"             /* 8 */
                            "    k1\n"                 /* 9 */
                            "\n"                       /* 10 */
                            "\n"                       /* 11 */
                            "  strip: |-\n"            /* 12 */
                            "\n"                       /* 13 */
                            "    s2\n"                 /* 14 */
                            "    s3\n"                 /* 15 */
                            "  ind: |2\n"              /* 16 */
                            "      i1 has 2 more\n"    /* 17 */
                            "    i2\n"                 /* 18 */
                            "  tagged: &t !x |-\n"     /* 19 */
                            "    t1 # not a comment\n" /* 20 */
                            "    t2\n");               /* 21 */
    const struct cy_node *r = cy_root(d, 0), *s;

    (void)state;
    s = path(r, "job/script");
    assert_int_equal(s->style, CY_LITERAL);
    at(s, 2, 11);
    assert_string_equal(s->str, "one\n\nthree\n  four indented\n");
    assert_int_equal(line_of(s, "one"), 3);
    assert_int_equal(line_of(s, "three"), 5);
    assert_int_equal(line_of(s, "four"), 6);
    assert_int_equal(col_of(s, "one"), 5);
    assert_int_equal(col_of(s, "four"), 7);
    assert_int_equal(col_of(s, "ree"), 7);
    s = path(r, "job/keep");
    assert_string_equal(s->str, "k1\n\n\n");
    at(s, 8, 9);
    assert_int_equal(line_of(s, "k1"), 9);
    assert_int_equal(cy_line_at(s, 4), 11);
    s = path(r, "job/strip");
    assert_string_equal(s->str, "\ns2\ns3");
    assert_int_equal(line_of(s, "s2"), 14);
    assert_int_equal(line_of(s, "s3"), 15);
    s = path(r, "job/ind");
    assert_string_equal(s->str, "  i1 has 2 more\ni2\n");
    assert_int_equal(line_of(s, "i1"), 17);
    assert_int_equal(col_of(s, "i1"), 7);
    assert_int_equal(line_of(s, "i2"), 18);
    assert_int_equal(col_of(s, "i2"), 5);
    s = path(r, "job/tagged");
    at(s, 19, 17);
    assert_int_equal(line_of(s, "t2"), 21);
    cy_free(d);
}

static void test_literal_crlf(void **state)
{
    struct cy_doc *d = load("\xef\xbb\xbf"
                            "a: |\r\n  x1\r\n  x2\r\n"
                            "b: c\r\n");
    const struct cy_node *s = path(cy_root(d, 0), "a");

    (void)state;
    assert_string_equal(s->str, "x1\nx2\n");
    at(s, 1, 4);
    assert_int_equal(line_of(s, "x2"), 3);
    at(path(cy_root(d, 0), "b"), 4, 4);
    cy_free(d);
}

/* Marks count characters; lines and columns here are bytes after a
 * multi-byte prefix. NEL, LS, PS and a lone CR break YAML lines, but moat
 * numbers lines at '\n' as the other analyzers and editors do, so a finding
 * after one is on the line grep -n shows. */
static void test_unicode(void **state)
{
    struct cy_doc *d = load("\"\xc3\xa9t\xc3\xa9\": |\n" /* 1 */
                            "  caf\xc3\xa9\n"            /* 2 */
                            "  x $Y\n"                   /* 3 */
                            "k\xe2\x82\xac: v\n"         /* 4 */
                            "n: a\xc2\x85  b\n"          /* 5 */
                            "m: |\n  c\r  d\n"           /* 6, 7 */
                            "o: e\r  f\n");              /* 8 */
    const struct cy_node *r = cy_root(d, 0), *s = r->items[0];

    (void)state;
    assert_string_equal(r->keys[0]->str, "\xc3\xa9t\xc3\xa9");
    at(s, 1, 10);
    assert_int_equal(line_of(s, "$Y"), 3);
    assert_int_equal(col_of(s, "$Y"), 5);
    at(r->items[1], 4, 7);
    at(r->items[2], 5, 4);
    assert_string_equal(r->items[2]->str, "a b");
    assert_int_equal(line_of(r->items[2], "b"), 5);
    assert_int_equal(col_of(r->items[2], "b"), 9);
    assert_string_equal(r->items[3]->str, "c\nd\n");
    assert_int_equal(line_of(r->items[3], "d"), 7);
    assert_int_equal(col_of(r->items[3], "d"), 7);
    at(r->items[4], 8, 4);
    assert_int_equal(line_of(r->items[4], "f"), 8);
    cy_free(d);
}

/* UTF-16 input: libyaml decodes it; positions come from its marks, and no
 * line maps are made (marks no longer follow our bytes). */
static void test_utf16(void **state)
{
    const unsigned char text[] = { 0xff, 0xfe, 'a', 0, ':',  0, ' ', 0, '|', 0, '\n', 0, ' ',  0,
                                   ' ',  0,    'x', 0, '\n', 0, ' ', 0, ' ', 0, 'y',  0, '\n', 0 };
    struct cy_doc *d = NULL;
    struct moat_err err = { 0, "" };
    const struct cy_node *s;

    (void)state;
    assert_int_equal(cy_load(text, sizeof(text), &d, &err), 0);
    s = cy_get(cy_root(d, 0), "a");
    assert_string_equal(s->str, "x\ny\n");
    assert_int_equal(s->line, 1);
    assert_int_equal(cy_line_at(s, 2), 1);
    cy_free(d);
}

static void test_folded_lines(void **state)
{
    struct cy_doc *d = load("f: >\n"     /* 1 */
                            "  one\n"    /* 2 */
                            "  two\n"    /* 3 */
                            "\n"         /* 4 */
                            "  four\n"   /* 5 */
                            "    more\n" /* 6 */
                            "  six\n"    /* 7 */
                            "g: x\n");   /* 8 */
    const struct cy_node *s = path(cy_root(d, 0), "f");

    (void)state;
    assert_string_equal(s->str, "one two\nfour\n  more\nsix\n");
    at(s, 1, 4);
    assert_int_equal(line_of(s, "one"), 2);
    assert_int_equal(line_of(s, "two"), 3);
    assert_int_equal(line_of(s, "four"), 5);
    assert_int_equal(line_of(s, "more"), 6);
    assert_int_equal(col_of(s, "more"), 5);
    assert_int_equal(line_of(s, "six"), 7);
    /* the folding space belongs to the line before it */
    assert_int_equal(cy_line_at(s, 3), 2);
    cy_free(d);
}

static void test_flow_multiline(void **state)
{
    struct cy_doc *d = load("p: first\n"        /* 1 */
                            "  second   \n"     /* 2 */
                            "\n"                /* 3 */
                            "  fourth\n"        /* 4 */
                            "s: 'it''s\n"       /* 5 */
                            "   it''s two'\n"   /* 6 */
                            "q: \"a\\tb\n"      /* 7 */
                            "   c\\\n"          /* 8 */
                            "   d \\x41 e\n"    /* 9 */
                            "   \\u00e9f\"\n"); /* 10 */
    const struct cy_node *r = cy_root(d, 0), *s;

    (void)state;
    s = path(r, "p");
    assert_string_equal(s->str, "first second\nfourth");
    assert_int_equal(line_of(s, "first"), 1);
    assert_int_equal(line_of(s, "second"), 2);
    assert_int_equal(col_of(s, "second"), 3);
    assert_int_equal(line_of(s, "fourth"), 4);
    s = path(r, "s");
    assert_string_equal(s->str, "it's it's two");
    assert_int_equal(cy_line_at(s, 0), 5);
    assert_int_equal(line_of(s, "two"), 6);
    s = path(r, "q");
    assert_string_equal(s->str, "a\tb cd A e \xc3\xa9"
                                "f");
    assert_int_equal(line_of(s, "b"), 7);
    assert_int_equal(line_of(s, "A"), 9);
    assert_int_equal(line_of(s, "\xc3\xa9"), 10);
    /* the text of line 9 starts with d at column 4 */
    assert_int_equal(col_of(s, "d A"), 4);
    cy_free(d);
}

static void test_aliases(void **state)
{
    struct cy_doc *d = load(".tpl: &tpl\n"           /* 1 */
                            "  script:\n"            /* 2 */
                            "    - |\n"              /* 3 */
                            "      echo a\n"         /* 4 */
                            "      echo b\n"         /* 5 */
                            "job:\n"                 /* 6 */
                            "  conf: *tpl\n"         /* 7 */
                            "list: [&x one, *x]\n"); /* 8 */
    const struct cy_node *r = cy_root(d, 0), *orig, *copy;

    (void)state;
    orig = path(r, ".tpl/script/0");
    copy = path(r, "job/conf/script/0");
    assert_int_equal(line_of(orig, "echo b"), 5);
    assert_int_equal(orig->src_line, 3);
    /* the copy and all below it take effect at the alias */
    at(path(r, "job/conf"), 7, 9);
    at(path(r, "job/conf/script"), 7, 9);
    at(copy, 7, 9);
    assert_int_equal(copy->src_line, 3);
    assert_int_equal(path(r, "job/conf")->src_line,
                     1); /* a collection is where its properties are */
    assert_int_equal(line_of(copy, "echo b"), 7);
    assert_int_equal(col_of(copy, "echo b"), 9);
    assert_string_equal(copy->str, orig->str);
    assert_ptr_not_equal(copy, orig);
    at(path(r, "list/1"), 8, 16);
    assert_int_equal(path(r, "list/1")->src_line, 8);
    assert_string_equal(path(r, "list/1")->str, "one");
    cy_free(d);
}

static void test_anchor_redefined(void **state)
{
    struct cy_doc *d = load("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
    const struct cy_node *r = cy_root(d, 0);

    (void)state;
    assert_string_equal(cy_str(cy_get(r, "b")), "1");
    assert_string_equal(cy_str(cy_get(r, "d")), "2");
    cy_free(d);
}

static void test_merge_keys(void **state)
{
    struct cy_doc *d = load(".a: &a {x: a, y: a, z: a}\n" /* 1 */
                            ".b: &b {y: b, w: b}\n"       /* 2 */
                            "one:\n"                      /* 3 */
                            "  <<: *a\n"                  /* 4 */
                            "  y: own\n"                  /* 5 */
                            "two:\n"                      /* 6 */
                            "  <<: [*b, *a]\n"            /* 7 */
                            "  w: own\n"                  /* 8 */
                            "three:\n"                    /* 9 */
                            "  x: before\n"               /* 10 */
                            "  <<: *a\n"                  /* 11 */
                            "four:\n"                     /* 12 */
                            "  <<: plain\n"               /* 13 */
                            "five:\n"                     /* 14 */
                            "  !!str <<: *a\n"            /* 15 */
                            "six:\n"                      /* 16 */
                            "  <<: *a\n"                  /* 17 */
                            "  <<: *b\n");                /* 18 */
    const struct cy_node *r = cy_root(d, 0), *m;

    (void)state;
    m = cy_get(r, "one");
    assert_int_equal(m->n, 3);
    assert_string_equal(cy_str(cy_get(m, "x")), "a");
    assert_string_equal(cy_str(cy_get(m, "y")), "own");
    at(cy_get(m, "y"), 5, 6);
    /* merged entries are copies made at the alias */
    at(cy_get(m, "x"), 4, 7);
    assert_int_equal(cy_get(m, "x")->src_line, 1);
    /* in a list, the earlier mapping wins */
    m = cy_get(r, "two");
    assert_int_equal(m->n, 4);
    assert_string_equal(cy_str(cy_get(m, "y")), "b");
    assert_string_equal(cy_str(cy_get(m, "x")), "a");
    assert_string_equal(cy_str(cy_get(m, "w")), "own");
    at(cy_get(m, "y"), 7, 8);
    at(cy_get(m, "x"), 7, 12);
    /* Psych: a merge overrides the keys written before it */
    m = cy_get(r, "three");
    assert_int_equal(m->n, 3);
    assert_string_equal(cy_str(cy_get(m, "x")), "a");
    assert_true(cy_is(m->keys[0], "x"));
    /* << with a scalar, or tagged !!str, is an ordinary key */
    m = cy_get(r, "four");
    assert_int_equal(m->n, 1);
    assert_string_equal(cy_str(cy_get(m, "<<")), "plain");
    m = cy_get(r, "five");
    assert_int_equal(m->n, 1);
    assert_int_equal(cy_get(m, "<<")->kind, CY_MAP);
    /* two merges in a row: the later one overrides */
    m = cy_get(r, "six");
    assert_int_equal(m->n, 4);
    assert_string_equal(cy_str(cy_get(m, "y")), "b");
    assert_string_equal(cy_str(cy_get(m, "z")), "a");
    cy_free(d);
}

static void test_big_map(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 20);
    struct cy_doc *d;

    (void)state;
    for (int i = 0; i < 500; i++)
        assert_int_equal(moat_buf_addf(&b, "k%d: %d\n", i, i), 0);
    d = load(b.data);
    assert_int_equal(cy_root(d, 0)->n, 500);
    assert_string_equal(cy_str(cy_get(cy_root(d, 0), "k321")), "321");
    cy_free(d);
    /* the hashed key index catches a duplicate far apart */
    assert_int_equal(moat_buf_addf(&b, "k17: again\n"), 0);
    load_fails(b.data, MOAT_EPARSE, "501:1: duplicate key 'k17' (first at line 18)");
    moat_buf_release(&b);
}

static void test_tags_reference(void **state)
{
    struct cy_doc *d = load(".setup:\n"
                            "  script: [echo setup]\n"
                            "job:\n"
                            "  script:\n"
                            "    - !reference [.setup, script]\n"
                            "    - echo run\n"
                            "  other: !reference\n"
                            "    - .setup\n"
                            "    - script\n");
    const struct cy_node *r = cy_root(d, 0), *ref;

    (void)state;
    ref = path(r, "job/script/0");
    assert_int_equal(ref->kind, CY_SEQ);
    assert_string_equal(ref->tag, "!reference");
    assert_int_equal(ref->n, 2);
    assert_true(cy_is(ref->items[0], ".setup"));
    at(ref, 5, 7);
    ref = path(r, "job/other");
    assert_int_equal(ref->kind, CY_SEQ);
    assert_string_equal(ref->tag, "!reference");
    assert_null(path(r, "job/script/1")->tag);
    cy_free(d);
}

static void test_multi_document(void **state)
{
    struct cy_doc *d = load("spec:\n"
                            "  inputs:\n"
                            "    stage:\n"
                            "      default: test\n"
                            "---\n"
                            "job:\n"
                            "  stage: $[[ inputs.stage ]]\n"
                            "---\n"
                            "...\n"
                            "---\n"
                            "# only a comment\n"
                            "--- &r last\n");
    const struct cy_node *r;

    (void)state;
    assert_int_equal(cy_ndocs(d), 5);
    assert_non_null(cy_get(cy_root(d, 0), "spec"));
    r = cy_root(d, 1);
    at(path(r, "job/stage"), 7, 10);
    assert_null(cy_root(d, 2));
    assert_null(cy_root(d, 3));
    assert_string_equal(cy_str(cy_root(d, 4)), "last");
    cy_free(d);

    /* anchors do not cross documents */
    load_fails("a: &x 1\n---\nb: *x\n", MOAT_EPARSE, "3:4: alias *x names no anchor");
    /* nothing at all: no document */
    d = load("");
    assert_int_equal(cy_ndocs(d), 0);
    assert_null(cy_root(d, 0));
    cy_free(d);
    d = load("# just a comment\n");
    assert_int_equal(cy_ndocs(d), 0);
    cy_free(d);
}

static void test_max_docs(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 16);

    (void)state;
    for (int i = 0; i < CY_MAX_DOCS; i++)
        assert_int_equal(moat_buf_addf(&b, "--- %d\n", i), 0);
    cy_free(load(b.data));
    assert_int_equal(moat_buf_addstr(&b, "--- x\n"), 0);
    load_fails(b.data, MOAT_ETOOBIG, "17:1: more than 16 YAML documents");
    moat_buf_release(&b);
}

static void test_errors(void **state)
{
    (void)state;
    /* duplicate keys name both lines */
    load_fails("job:\n  script: a\n  image: x\n  script: b\n", MOAT_EPARSE,
               "4:3: duplicate key 'script' (first at line 2)");
    load_fails("a: 1\nb: 2\na: 3\n", MOAT_EPARSE, "3:1: duplicate key 'a' (first at line 1)");
    load_fails("{a: 1, a: 2}\n", MOAT_EPARSE, "1:8: duplicate key 'a' (first at line 1)");
    /* quoted or not, the same key */
    load_fails("a: 1\n\"a\": 2\n", MOAT_EPARSE, "2:1: duplicate key 'a' (first at line 1)");
    /* invalid UTF-8, with where */
    load_fails("a: ok\nb: \xff\xfe bad\n", MOAT_EPARSE, "2:4: not valid UTF-8 text: ");
    load_fails("a: \xc3\n", MOAT_EPARSE, "1:4: not valid UTF-8 text: ");
    /* a NUL byte */
    load_fails_n("a: b\0c\n", 7, MOAT_EPARSE, "1:5: not valid UTF-8 text: control characters");
    /* tabs for indentation */
    load_fails("job:\n\tscript: x\n", MOAT_EPARSE, "2:1: tab character used for indentation");
    load_fails("job:\n  script: |\n\techo\n", MOAT_EPARSE, "3:1: ");
    load_fails("a:\n  - x\n\t- y\n", MOAT_EPARSE, "3:1: tab character used for indentation");
    /* not YAML at all */
    load_fails("<html>\n  <body>: x\n  foo: [\n", MOAT_EPARSE,
               "2:9: mapping values are not allowed");
    load_fails("{% if x %}\nkey: v\n", MOAT_EPARSE, "1:2: ");
    load_fails("a: b: c\n", MOAT_EPARSE, "1:5: mapping values are not allowed");
    load_fails("a: [1, 2\nb: 3\n", MOAT_EPARSE, "2:2: did not find expected ',' or ']'");
    load_fails("key: \"open\n", MOAT_EPARSE, "2:1: found unexpected end of stream");
    /* aliases */
    load_fails("a: *nope\n", MOAT_EPARSE, "1:4: alias *nope names no anchor before it");
    load_fails("a: &x [1, *x]\n", MOAT_EPARSE, "1:11: alias *x is inside the node it names");
    load_fails("a: *x\nb: &x 1\n", MOAT_EPARSE, "1:4: alias *x names no anchor");
    /* complex keys */
    load_fails("? [a, b]\n: v\n", MOAT_EPARSE, "1:3: expected a plain key, found a sequence");
    load_fails("{a: 1}: v\n", MOAT_EPARSE, "1:1: expected a plain key, found a mapping");
}

static void test_limit_bytes(void **state)
{
    size_t n = CY_MAX_BYTES + 1;
    char *big = moat_malloc(n);

    (void)state;
    memset(big, '#', n);
    load_fails_n(big, n, MOAT_ETOOBIG, "1:1: 8388609 bytes, over the 8388608-byte limit");
    free(big);
}

static void test_limit_depth(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 16);
    struct cy_doc *d;

    (void)state;
    for (int i = 0; i < CY_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    for (int i = 0; i < CY_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addch(&b, ']'), 0);
    d = load(b.data);
    cy_free(d);
    moat_buf_reset(&b);
    for (int i = 0; i <= CY_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    load_fails(b.data, MOAT_ETOOBIG, "1:65: nested deeper than 64 levels");
    moat_buf_reset(&b);
    /* depth reached through an alias counts too */
    assert_int_equal(moat_buf_addstr(&b, "a: &x "), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(moat_buf_addch(&b, ']'), 0);
    assert_int_equal(moat_buf_addstr(&b, "\nb: "), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    assert_int_equal(moat_buf_addstr(&b, "*x"), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(moat_buf_addch(&b, ']'), 0);
    load_fails(b.data, MOAT_ETOOBIG, "2:34: alias *x nests deeper than 64 levels");
    moat_buf_release(&b);
}

static void test_limit_scalar(void **state)
{
    size_t n = CY_MAX_SCALAR + 1;
    char *big = moat_malloc(n + 8);

    (void)state;
    memcpy(big, "a: ", 3);
    memset(big + 3, 'x', n);
    big[n + 3] = '\0';
    load_fails(big, MOAT_ETOOBIG, "1:4: string of 1048577 bytes, over the 1048576-byte limit");
    big[CY_MAX_SCALAR + 2] = '\0';
    cy_free(load(big));
    free(big);
}

static void test_limit_nodes(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1u << 24);
    struct cy_doc *d;
    double t0;

    (void)state;
    /* the billion laughs: 10^9 nodes after expansion, refused before any copy */
    assert_int_equal(moat_buf_addstr(&b, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"),
                     0);
    for (char c = 'b'; c <= 'i'; c++)
        assert_int_equal(
            moat_buf_addf(&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c,
                          c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1),
            0);
    t0 = moat_now();
    load_fails(b.data, MOAT_ETOOBIG, "7:");
    assert_true(moat_now() - t0 < 2.0);
    assert_non_null(strstr(b.data, "g: &g"));
    /* a plain file with too many nodes */
    moat_buf_reset(&b);
    for (int i = 0; i < CY_MAX_NODES; i++)
        assert_int_equal(moat_buf_addstr(&b, "- x\n"), 0);
    load_fails(b.data, MOAT_ETOOBIG, "1000000:3: more than 1000000 YAML nodes");
    /* one under the limit loads: the sequence plus 999999 items */
    b.len -= 4;
    b.data[b.len] = '\0';
    d = load(b.data);
    assert_int_equal(cy_root(d, 0)->n, CY_MAX_NODES - 1);
    cy_free(d);
    moat_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),      cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_literal_lines),  cmocka_unit_test(test_literal_crlf),
        cmocka_unit_test(test_folded_lines),   cmocka_unit_test(test_flow_multiline),
        cmocka_unit_test(test_aliases),        cmocka_unit_test(test_anchor_redefined),
        cmocka_unit_test(test_merge_keys),     cmocka_unit_test(test_big_map),
        cmocka_unit_test(test_tags_reference), cmocka_unit_test(test_multi_document),
        cmocka_unit_test(test_max_docs),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limit_bytes),    cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_scalar),   cmocka_unit_test(test_limit_nodes),
        cmocka_unit_test(test_unicode),        cmocka_unit_test(test_utf16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
