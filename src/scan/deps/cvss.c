/* CVSS v3.0 and v3.1 base scores from vector strings, by the formulas of
 * FIRST's specifications (3.1 section 7.1, 3.0 section 8.1). The two differ
 * only in rounding: 3.0 rounds up with ceil(x * 10) / 10, which floating-point
 * error can push one tenth too high; 3.1's Roundup works on integers. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "deps.h"
#include "core/banned.h"

#define MAX_VECTOR 256

struct metric {
    const char *name;
    const char *values; /* the letters it takes */
    bool base;
};

/* Every metric of the 3.x vector string (base, temporal, environmental):
 * the others are checked for form and do not change the base score. */
static const struct metric metrics[] = {
    { "AV", "NALP", true },   { "AC", "LH", true },     { "PR", "NLH", true },
    { "UI", "NR", true },     { "S", "UC", true },      { "C", "HLN", true },
    { "I", "HLN", true },     { "A", "HLN", true },     { "E", "XUPFH", false },
    { "RL", "XOTWU", false }, { "RC", "XURC", false },  { "CR", "XLMH", false },
    { "IR", "XLMH", false },  { "AR", "XLMH", false },  { "MAV", "XNALP", false },
    { "MAC", "XLH", false },  { "MPR", "XNLH", false }, { "MUI", "XNR", false },
    { "MS", "XUC", false },   { "MC", "XNLH", false },  { "MI", "XNLH", false },
    { "MA", "XNLH", false },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

/* 3.1's Roundup: the smallest number with one decimal that is >= x, computed
 * on integers so that 4.000000000000001 is 4.0. */
static double roundup31(double x)
{
    long long i = llround(x * 100000.0);

    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

static double roundup30(double x)
{
    return ceil(x * 10.0) / 10.0;
}

int deps_cvss3_score(const char *vector, double *score)
{
    char val[NMETRICS] = { 0 };
    const char *p;
    bool v31;
    double av, ac, pr, ui, c, i, a, iss, impact, expl, base;

    if (!vector || strnlen(vector, MAX_VECTOR + 1) > MAX_VECTOR)
        return MOAT_EPARSE;
    if (strncmp(vector, "CVSS:3.1/", 9) == 0)
        v31 = true;
    else if (strncmp(vector, "CVSS:3.0/", 9) == 0)
        v31 = false;
    else
        return MOAT_EPARSE;
    p = vector + 9;
    for (;;) {
        size_t nlen = strcspn(p, ":/"), k;
        if (nlen == 0 || p[nlen] != ':')
            return MOAT_EPARSE;
        for (k = 0; k < NMETRICS; k++)
            if (strlen(metrics[k].name) == nlen && memcmp(metrics[k].name, p, nlen) == 0)
                break;
        if (k == NMETRICS || val[k])
            return MOAT_EPARSE; /* unknown or repeated metric */
        p += nlen + 1;
        if (!*p || (p[1] != '/' && p[1] != '\0') || !strchr(metrics[k].values, *p))
            return MOAT_EPARSE;
        val[k] = *p++;
        if (*p == '\0')
            break;
        p++; /* the '/' */
    }
    for (size_t k = 0; k < NMETRICS; k++)
        if (metrics[k].base && !val[k])
            return MOAT_EPARSE;
    av = val[0] == 'N' ? 0.85 : val[0] == 'A' ? 0.62 : val[0] == 'L' ? 0.55 : 0.2;
    ac = val[1] == 'L' ? 0.77 : 0.44;
    if (val[4] == 'U')
        pr = val[2] == 'N' ? 0.85 : val[2] == 'L' ? 0.62 : 0.27;
    else
        pr = val[2] == 'N' ? 0.85 : val[2] == 'L' ? 0.68 : 0.5;
    ui = val[3] == 'N' ? 0.85 : 0.62;
    c = val[5] == 'H' ? 0.56 : val[5] == 'L' ? 0.22 : 0;
    i = val[6] == 'H' ? 0.56 : val[6] == 'L' ? 0.22 : 0;
    a = val[7] == 'H' ? 0.56 : val[7] == 'L' ? 0.22 : 0;
    iss = 1 - (1 - c) * (1 - i) * (1 - a);
    if (val[4] == 'U')
        impact = 6.42 * iss;
    else
        impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
    expl = 8.22 * av * ac * pr * ui;
    if (impact <= 0)
        base = 0;
    else if (val[4] == 'U')
        base = fmin(impact + expl, 10);
    else
        base = fmin(1.08 * (impact + expl), 10);
    *score = base <= 0 ? 0 : v31 ? roundup31(base) : roundup30(base);
    return 0;
}
