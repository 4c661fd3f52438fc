/* Unit tests for src/scan/deps/toml.c: every construct of the subset with
 * its value and line, TOML's table-definition rules, and one malformed
 * document per error path, each failing with "path:line: ...". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/core.h"
#include "scan/deps/toml.h"
#include "core/banned.h"

static const char doc_text[] = "# a comment\n"                                       /* 1 */
                               "title = \"TOML \\\"x\\\" \\u00e9 \\U0001F600\\t\"\n" /* 2 */
                               "lit = 'C:\\path\\no-escapes'\n"                      /* 3 */
                               "int1 = +99\n"                                        /* 4 */
                               "int2 = -17\n"                                        /* 5 */
                               "int3 = 1_000\n"                                      /* 6 */
                               "hex = 0xDEAD_beef\n"                                 /* 7 */
                               "oct = 0o755\n"                                       /* 8 */
                               "bin = 0b1101\n"                                      /* 9 */
                               "min = -9223372036854775808\n"                        /* 10 */
                               "t = true\n"                                          /* 11 */
                               "f = false\n"                                         /* 12 */
                               "ml = \"\"\"\n"                                       /* 13 */
                               "Roses\n"                                             /* 14 */
                               "  Violets\"\"\"\n"                                   /* 15 */
                               "ml2 = \"\"\"\\\n"                                    /* 16 */
                               "    The quick \\\n"                                  /* 17 */
                               "\n"                                                  /* 18 */
                               "    fox.\"\"\"\n"                                    /* 19 */
                               "ml3 = \"\"\"a\"\"b\"\"\"\"\"\n"                      /* 20 */
                               "mll = '''\n"                                         /* 21 */
                               "raw \\n text'''\n"                                   /* 22 */
                               "\"quoted key\" = 1\n"                                /* 23 */
                               "'literal.key' = 2\n"                                 /* 24 */
                               "a.b.c = 3\n"                                         /* 25 */
                               "a . b . d = 4 # spaces around dots\n"                /* 26 */
                               "arr = [ 1, \"x\",\n"                                 /* 27 */
                               "  # a comment inside\n"                              /* 28 */
                               "  [true], {k = \"v\"}, ]\n"                          /* 29 */
                               "inl = { x = 1, y.z = 2 }\n"                          /* 30 */
                               "empty = {}\n"                                        /* 31 */
                               "\n"                                                  /* 32 */
                               "[table]\r\n"                                         /* 33 */
                               "key = \"value\"\r\n"                                 /* 34 */
                               "[table.sub]\n"                                       /* 35 */
                               "n = 1\n"                                             /* 36 */
                               "[[products]]\n"                                      /* 37 */
                               "name = \"Hammer\"\n"                                 /* 38 */
                               "[[products]]\n"                                      /* 39 */
                               "name = \"Nail\"\n"                                   /* 40 */
                               "[products.dims]\n"                                   /* 41 */
                               "w = 3\n"                                             /* 42 */
                               "[ dog . \"tater.man\" ]\n"                           /* 43 */
                               "type = \"pug\"\n"                                    /* 44 */
                               "[x.y.z]\n"                                           /* 45 */
                               "[x]\n"                                               /* 46 */
                               "w = 1\n";                                            /* 47 */

static void test_values(void **state)
{
    struct toml_doc *doc;
    struct moat_err err = { 0, "" };
    const struct toml_value *r, *v, *arr, *p;

    (void)state;
    assert_int_equal(toml_parse("t.toml", doc_text, strlen(doc_text), &doc, &err), 0);
    r = toml_root(doc);
    assert_string_equal(toml_get_str(r, "title"), "TOML \"x\" \xc3\xa9 \xf0\x9f\x98\x80\t");
    assert_int_equal(toml_get(r, "title")->line, 2);
    assert_string_equal(toml_get_str(r, "lit"), "C:\\path\\no-escapes");
    assert_int_equal(toml_get_type(r, "int1", TOML_INTEGER)->integer, 99);
    assert_int_equal(toml_get(r, "int2")->integer, -17);
    assert_int_equal(toml_get(r, "int3")->integer, 1000);
    assert_int_equal(toml_get(r, "hex")->integer, 0xdeadbeef);
    assert_int_equal(toml_get(r, "oct")->integer, 0755);
    assert_int_equal(toml_get(r, "bin")->integer, 13);
    assert_true(toml_get(r, "min")->integer == INT64_MIN);
    assert_true(toml_get_type(r, "t", TOML_BOOLEAN)->boolean);
    assert_false(toml_get(r, "f")->boolean);
    assert_null(toml_get_type(r, "t", TOML_STRING));
    /* the newline after """ is trimmed; a line-ending \ eats the whitespace after it */
    assert_string_equal(toml_get_str(r, "ml"), "Roses\n  Violets");
    assert_int_equal(toml_get(r, "ml")->line, 13);
    assert_string_equal(toml_get_str(r, "ml2"), "The quick fox.");
    assert_string_equal(toml_get_str(r, "ml3"), "a\"\"b\"\"");
    assert_string_equal(toml_get_str(r, "mll"), "raw \\n text");
    assert_int_equal(toml_get(r, "mll")->line, 21);
    assert_int_equal(toml_get(r, "quoted key")->integer, 1);
    assert_int_equal(toml_get(r, "literal.key")->integer, 2);
    assert_null(toml_get(r, "literal"));
    v = toml_get_type(toml_get(r, "a"), "b", TOML_TABLE);
    assert_int_equal(toml_get(v, "c")->integer, 3);
    assert_int_equal(toml_get(v, "d")->integer, 4);
    assert_int_equal(toml_get(v, "d")->line, 26);
    arr = toml_get_type(r, "arr", TOML_ARRAY);
    assert_int_equal(arr->n, 4);
    assert_int_equal(arr->items[0]->integer, 1);
    assert_string_equal(arr->items[1]->str, "x");
    assert_true(arr->items[2]->items[0]->boolean);
    assert_string_equal(toml_get_str(arr->items[3], "k"), "v");
    assert_int_equal(arr->items[3]->line, 29);
    v = toml_get_type(r, "inl", TOML_TABLE);
    assert_int_equal(toml_get(toml_get(v, "y"), "z")->integer, 2);
    assert_int_equal(toml_get(r, "empty")->n, 0);
    assert_null(toml_get(toml_get(r, "empty"), "x"));
    v = toml_get(r, "table");
    assert_int_equal(v->line, 33);
    assert_string_equal(toml_get_str(v, "key"), "value");
    assert_int_equal(toml_get(v, "key")->line, 34);
    assert_int_equal(toml_get(toml_get(v, "sub"), "n")->line, 36);
    p = toml_get_type(r, "products", TOML_ARRAY);
    assert_int_equal(p->n, 2);
    assert_int_equal(p->items[0]->line, 37);
    assert_int_equal(p->items[1]->line, 39);
    assert_string_equal(toml_get_str(p->items[1], "name"), "Nail");
    assert_int_equal(toml_get(toml_get(p->items[1], "dims"), "w")->integer, 3);
    assert_null(toml_get(p->items[0], "dims"));
    v = toml_get(toml_get(r, "dog"), "tater.man");
    assert_string_equal(toml_get_str(v, "type"), "pug");
    assert_int_equal(v->line, 43);
    /* [x] defined after [x.y.z] made it implicitly: allowed once, with its own line */
    assert_int_equal(toml_get(r, "x")->line, 46);
    assert_int_equal(toml_get(toml_get(r, "x"), "w")->integer, 1);
    /* members keep document order */
    assert_string_equal(r->keys[0], "title");
    assert_string_equal(r->keys[r->n - 1], "x");
    toml_free(doc);
}

static void test_errors(void **state)
{
    static const struct {
        const char *text;
        int rc;
        const char *where, *what;
    } cases[] = {
        { "a = 1\na = 2\n", MOAT_EPARSE, ":2:", "duplicate" },
        { "[t]\n[t]\n", MOAT_EPARSE, ":2:", "twice" },
        { "[t]\nx = 1\n[t.x]\n", MOAT_EPARSE, ":3:", "twice" },
        { "a = \"abc\nb = 1\n", MOAT_EPARSE, ":1:", "newline" },
        { "a = \"\\q\"\n", MOAT_EPARSE, ":1:", "escape" },
        { "a = \"\\u12\"\n", MOAT_EPARSE, ":1:", "escape" },
        { "a = \"\\ud800\"\n", MOAT_EPARSE, ":1:", "Unicode" },
        { "a = \"\\u0000\"\n", MOAT_EPARSE, ":1:", "Unicode" },
        { "a = 1.5\n", MOAT_EUNSUP, ":1:", "float" },
        { "a = 1e5\n", MOAT_EUNSUP, ":1:", "float" },
        { "a = inf\n", MOAT_EUNSUP, ":1:", "float" },
        { "a = -nan\n", MOAT_EUNSUP, ":1:", "float" },
        { "a = 1979-05-27\n", MOAT_EUNSUP, ":1:", "date" },
        { "a = 01\n", MOAT_EPARSE, ":1:", "leading zero" },
        { "a = 1__0\n", MOAT_EPARSE, ":1:", "'_'" },
        { "a = 1_\n", MOAT_EPARSE, ":1:", "malformed" },
        { "a = -0x1\n", MOAT_EPARSE, ":1:", "sign" },
        { "a = 9223372036854775808\n", MOAT_EPARSE, ":1:", "range" },
        { "a = 12abc\n", MOAT_EPARSE, ":1:", "malformed" },
        { "ok = 1\na = \"\xff\"\n", MOAT_EPARSE, ":2:", "UTF-8" },
        { "a = \"\xc0\xaf\"\n", MOAT_EPARSE, ":1:", "UTF-8" },
        { "a = \"x\x01\"\n", MOAT_EPARSE, ":1:", "control" },
        { "a = 1 # bell \x07\n", MOAT_EPARSE, ":1:", "control" },
        { "x = {a = 1}\nx.b = 2\n", MOAT_EPARSE, ":2:", "extended" },
        { "x = {a = 1}\n[x.b]\n", MOAT_EPARSE, ":2:", "not a table" },
        { "x = [1]\n[[x]]\n", MOAT_EPARSE, ":2:", "array of tables" },
        { "[[x]]\n[x]\n", MOAT_EPARSE, ":2:", "twice" },
        { "[a.b]\nx = 1\n[a]\nb.y = 2\n", MOAT_EPARSE, ":4:", "extended" },
        { "[a]\nb.c = 1\n[a.b]\n", MOAT_EPARSE, ":3:", "twice" },
        { "t = {a = 1, a = 2}\n", MOAT_EPARSE, ":1:", "duplicate" },
        { "a = 1 b = 2\n", MOAT_EPARSE, ":1:", "after a value" },
        { "a 1\n", MOAT_EPARSE, ":1:", "'='" },
        { "= 1\n", MOAT_EPARSE, ":1:", "key" },
        { "a =\n", MOAT_EPARSE, ":1:", "value" },
        { "a = tru\n", MOAT_EPARSE, ":1:", "value" },
        { "a = truex\n", MOAT_EPARSE, ":1:", "value" },
        { "a = 1\rb = 2\n", MOAT_EPARSE, ":1:", "after a value" },
        { "a = \"\"\"abc\n\n", MOAT_EPARSE, ":3:", "unterminated" },
        { "a = \"\"\"x\"\"\"\"\"\"\n", MOAT_EPARSE, ":1:", "quotes" },
        { "a = '''x''''''\n", MOAT_EPARSE, ":1:", "quotes" },
        { "a = \"\"\"x\rq\"\"\"\n", MOAT_EPARSE, ":1:", "carriage" },
        { "a = [1, 2\n", MOAT_EPARSE, ":2:", "array" },
        { "a = [1 2]\n", MOAT_EPARSE, ":1:", "','" },
        { "a = {x = 1\n", MOAT_EPARSE, ":2:", "inline table" },
        { "a = {x = 1 y = 2}\n", MOAT_EPARSE, ":1:", "','" },
        { "[a\n", MOAT_EPARSE, ":1:", "']'" },
        { "[[a]\n", MOAT_EPARSE, ":1:", "']]'" },
        { "[]\n", MOAT_EPARSE, ":1:", "key" },
        { "a.=1\n", MOAT_EPARSE, ":1:", "key" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct toml_doc *doc = (struct toml_doc *)&doc;
        struct moat_err err = { 0, "" };
        int rc = toml_parse("bad.toml", cases[i].text, strlen(cases[i].text), &doc, &err);
        if (rc != cases[i].rc || doc || err.rc != rc || strncmp(err.msg, "bad.toml:", 9) != 0 ||
            !strstr(err.msg, cases[i].where) || !strstr(err.msg, cases[i].what))
            fail_msg("case %zu (%s): rc %d, \"%s\"", i, cases[i].text, rc, err.msg);
    }
}

static void test_depth(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(1 << 16);
    struct toml_doc *doc;
    struct moat_err err = { 0, "" };

    (void)state;
    /* TOML_MAX_DEPTH nested arrays are fine, one more is refused */
    assert_int_equal(moat_buf_addstr(&b, "a = "), 0);
    for (int i = 0; i < TOML_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addch(&b, '['), 0);
    for (int i = 0; i < TOML_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addch(&b, ']'), 0);
    assert_int_equal(toml_parse("d.toml", b.data, b.len, &doc, &err), 0);
    toml_free(doc);
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addstr(&b, "\na = "), 0);
    for (int i = 0; i <= TOML_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addstr(&b, "{b="), 0);
    assert_int_equal(toml_parse("d.toml", b.data, b.len, &doc, &err), MOAT_ETOOBIG);
    assert_non_null(strstr(err.msg, "d.toml:2:"));
    /* and as many dotted key parts */
    moat_buf_reset(&b);
    for (int i = 0; i <= TOML_MAX_DEPTH; i++)
        assert_int_equal(moat_buf_addstr(&b, "k."), 0);
    assert_int_equal(moat_buf_addstr(&b, "k = 1\n"), 0);
    assert_int_equal(toml_parse("d.toml", b.data, b.len, &doc, &err), MOAT_ETOOBIG);
    moat_buf_release(&b);
}

/* Many members in one table: lookups stay fast and exact. */
static void test_large_table(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT(8u << 20);
    struct toml_doc *doc;
    struct moat_err err = { 0, "" };
    const struct toml_value *t;
    char key[32];

    (void)state;
    assert_int_equal(moat_buf_addstr(&b, "[t]\n"), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(moat_buf_addf(&b, "k%d = %d\n", i, i), 0);
    assert_int_equal(toml_parse("big.toml", b.data, b.len, &doc, &err), 0);
    t = toml_get(toml_root(doc), "t");
    assert_int_equal(t->n, 100000);
    for (int i = 0; i < 100000; i += 997) {
        assert_int_equal(moat_snprintf(key, sizeof(key), "k%d", i), 0);
        assert_int_equal(toml_get(t, key)->integer, i);
        assert_int_equal(toml_get(t, key)->line, (unsigned)i + 2);
    }
    assert_null(toml_get(t, "k100000"));
    toml_free(doc);
    /* a long key goes through the heap path of toml_get */
    moat_buf_reset(&b);
    assert_int_equal(moat_buf_addch(&b, '"'), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(moat_buf_addch(&b, 'x'), 0);
    assert_int_equal(moat_buf_addstr(&b, "\" = 7\n"), 0);
    assert_int_equal(toml_parse("big.toml", b.data, b.len, &doc, &err), 0);
    assert_int_equal(toml_root(doc)->items[0]->integer, 7);
    assert_int_equal(toml_get(toml_root(doc), toml_root(doc)->keys[0])->integer, 7);
    toml_free(doc);
    moat_buf_release(&b);
}

/* Every prefix of a valid document parses or fails cleanly. */
static void test_truncations(void **state)
{
    size_t len = strlen(doc_text);

    (void)state;
    for (size_t n = 0; n <= len; n++) {
        char *copy = malloc(n ? n : 1);
        struct toml_doc *doc;
        struct moat_err err = { 0, "" };
        int rc;
        memcpy(copy, doc_text, n);
        rc = toml_parse("cut.toml", copy, n, &doc, &err);
        if (rc == 0)
            toml_free(doc);
        else if (strncmp(err.msg, "cut.toml:", 9) != 0 || doc)
            fail_msg("prefix %zu: %s", n, err.msg);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),       cmocka_unit_test(test_large_table),
        cmocka_unit_test(test_truncations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
