/* Unit tests for src/scan/deps/cvss.c: base scores of the worked examples
 * in FIRST's "CVSS v3.1: Examples" document, vectors with temporal and
 * environmental metrics in any order, and malformed vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "scan/deps/deps.h"
#include "core/core.h"
#include "core/banned.h"

/* FIRST, "Common Vulnerability Scoring System v3.1: Examples": the base
 * vector and base score published for each CVE. */
static const struct {
    const char *cve, *vector;
    double score;
} first_examples[] = {
    { "CVE-2013-1937", "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },
    { "CVE-2013-0375", "AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4 },
    { "CVE-2014-3566", "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1 },
    { "CVE-2012-1516", "AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9 },
    { "CVE-2009-0783", "AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2 },
    { "CVE-2012-0384", "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8 },
    { "CVE-2015-1098", "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8 },
    { "CVE-2014-0160", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5 },
    { "CVE-2014-6271", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 },
    { "CVE-2008-1447", "AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8 },
    { "CVE-2014-2005", "AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8 },
    { "CVE-2010-0467", "AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8 },
    { "CVE-2012-1342", "AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8 },
    { "CVE-2013-6014", "AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3 },
    { "CVE-2016-0128", "AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8 },
    { "CVE-2015-5119", "AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6 },
    { "CVE-2011-1265", "AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8 },
    { "CVE-2014-2019", "AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6 },
    { "CVE-2015-0970", "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8 },
    { "CVE-2014-0224", "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4 },
    { "CVE-2016-5729", "AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2 },
    { "CVE-2016-1645", "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8 },
    { "CVE-2013-5211", "AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:H", 8.6 },
    { "CVE-2016-2118", "AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5 },
};

static void assert_score(const char *vector, double want)
{
    double got = -1;

    if (deps_cvss3_score(vector, &got) != 0)
        fail_msg("%s: rejected", vector);
    /* scores are multiples of 0.1: compare in tenths */
    if ((long)(got * 10 + 0.5) != (long)(want * 10 + 0.5))
        fail_msg("%s: %.1f, want %.1f", vector, got, want);
}

static void test_first_examples(void **state)
{
    char v[128];

    (void)state;
    for (size_t i = 0; i < sizeof(first_examples) / sizeof(first_examples[0]); i++) {
        /* base scores round the same under 3.0 and 3.1 (the Roundup change
         * shows in environmental scores), so each example is both */
        assert_int_equal(moat_snprintf(v, sizeof(v), "CVSS:3.1/%s", first_examples[i].vector), 0);
        assert_score(v, first_examples[i].score);
        assert_int_equal(moat_snprintf(v, sizeof(v), "CVSS:3.0/%s", first_examples[i].vector), 0);
        assert_score(v, first_examples[i].score);
    }
}

static void test_extremes(void **state)
{
    (void)state;
    assert_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0);
    assert_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0);
    assert_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:C/C:N/I:N/A:N", 0.0);
    assert_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6);
}

/* Temporal and environmental metrics are valid and leave the base score
 * alone; metric order is free (scores from FIRST's calculator). */
static void test_other_metrics(void **state)
{
    (void)state;
    assert_score("CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X", 3.8);
    assert_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/"
                 "MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
                 9.3);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "CVSS:3.1",
        "CVSS:3.1/",
        "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",          /* no prefix */
        "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", /* not 3.x */
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          /* A missing */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",  /* repeated */
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      /* X is not a base value */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q",      /* unknown value */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:X", /* unknown metric */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",     /* trailing slash */
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",     /* long value */
        "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:",
        "CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h", /* case matters */
    };
    double s = -7;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (deps_cvss3_score(bad[i], &s) != MOAT_EPARSE)
            fail_msg("accepted: '%s'", bad[i]);
    }
    assert_int_equal(deps_cvss3_score(NULL, &s), MOAT_EPARSE);
    assert_true(s == -7); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_examples),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_other_metrics),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
