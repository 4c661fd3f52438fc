/* Unit tests of the reporters: golden output for every format, redaction of
 * secrets, escaping of hostile strings, and JSON/SARIF read back with jansson.
 * Run from the repository root; MOAT_UPDATE_GOLDEN=1 rewrites the goldens. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <moat/moat.h>
#include "core/core.h"
#include "core/banned.h"

#define GOLDEN_DIR "tests/data/report/"

static const struct moat_rule_meta rule_aws = {
    "aws_secret_key",
    "secrets",
    "AWS secret access key",
    "Finds AWS secret access keys. Deactivate the key in IAM first, then remove it from the code "
    "and its history.",
    "CWE-798",
    MOAT_SEV_CRITICAL,
    MOAT_CONF_HIGH,
    NULL,
    NULL,
};
static const struct moat_rule_meta rule_gh = {
    "github_pat",
    "secrets",
    "GitHub personal access token",
    "Finds GitHub personal access tokens (ghp_). Revoke the token in GitHub settings.",
    "CWE-798",
    MOAT_SEV_HIGH,
    MOAT_CONF_HIGH,
    NULL,
    NULL,
};
static const struct moat_rule_meta rule_pw = {
    "generic_password",
    "secrets",
    "Password assignment",
    "Finds high-entropy values assigned to names like password.",
    NULL,
    MOAT_SEV_LOW,
    MOAT_CONF_HIGH,
    NULL,
    NULL,
};
static const struct moat_rule_meta rule_slack = {
    "slack_webhook",
    "secrets",
    "Slack incoming webhook URL",
    "Finds Slack webhook URLs. Regenerate the webhook in the Slack app settings.",
    "CWE-798",
    MOAT_SEV_MEDIUM,
    MOAT_CONF_HIGH,
    NULL,
    NULL,
};
static const struct moat_rule_meta *const rules[] = { &rule_aws, &rule_gh, &rule_pw, &rule_slack };

struct fixture {
    struct moat_findings fs;
    struct moat_scan_stats stats;
    struct moat_report r;
    char *secrets[3];
};

static struct moat_finding *mk(const char *rule, enum moat_sev sev, enum moat_conf conf,
                               const char *path, unsigned line, unsigned col, const char *secret)
{
    struct moat_finding *f = moat_finding_new();
    char red[64];

    f->rule_id = moat_strdup(rule);
    f->analyzer = moat_strdup("secrets");
    f->sev = sev;
    f->conf = conf;
    f->path = moat_strdup(path);
    f->line = line;
    f->col = col;
    if (secret) {
        moat_redact(secret, strlen(secret), red, sizeof(red));
        f->redacted = moat_strdup(red);
        f->secret = moat_strdup(secret);
        moat_finding_fingerprint(f, secret, strlen(secret));
    }
    return f;
}

static int setup_findings(void **state)
{
    struct fixture *x = moat_calloc(1, sizeof(*x));
    struct moat_finding *f;

    /* Fake values, assembled so this file holds no credential-shaped string. */
    x->secrets[0] = moat_asprintf("%s%s", "wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYzQ3xT9vLmW2kP");
    x->secrets[1] = moat_asprintf("%s%s", "ghp_", "Zq8vX2mLk4Tn7Rb1Wc9Yd3Hs6Jf0Pa5Ge2Uo");
    x->secrets[2] = moat_asprintf("%s%s", "hunter2", "-Vq93kLz");
    moat_findings_init(&x->fs);

    f = mk("aws_secret_key", MOAT_SEV_CRITICAL, MOAT_CONF_HIGH, "config/prod.env", 3, 23,
           x->secrets[0]);
    f->title = moat_strdup(rule_aws.title);
    f->message = moat_strdup("AWS secret key assigned to aws_secret_access_key");
    f->fix = moat_strdup("Deactivate the key in AWS IAM first, then remove it from the code.");
    f->cwe = moat_strdup("CWE-798");
    f->commit = moat_strdup("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b");
    f->author = moat_strdup("Jane Doe");
    f->email = moat_strdup("jane@example.com");
    f->date = moat_strdup("2024-01-02T03:04:05Z");
    moat_findings_add(&x->fs, f);

    f = mk("github_pat", MOAT_SEV_HIGH, MOAT_CONF_HIGH, "src/app.py", 10, 9, x->secrets[1]);
    f->title = moat_strdup(rule_gh.title);
    f->message = moat_strdup("GitHub token in a string literal");
    f->fix = moat_strdup("Revoke the token in GitHub settings first,\nthen remove it.");
    f->cwe = moat_strdup("CWE-798");
    moat_findings_add(&x->fs, f);

    f = mk("generic_password", MOAT_SEV_LOW, MOAT_CONF_LOW, "docs/set up#1.md", 7, 12,
           x->secrets[2]);
    f->title = moat_strdup(rule_pw.title);
    f->message = moat_strdup(rule_pw.title); /* same as the title: shown once */
    moat_findings_add(&x->fs, f);

    /* A rule the report was not told about, inside an archive, no column. */
    f = mk("custom_token", MOAT_SEV_MEDIUM, MOAT_CONF_MEDIUM, "vendor/lib.zip!pkg/config.json", 2,
           0, NULL);
    f->title = moat_strdup("Internal service token");
    f->redacted = moat_strdup("svc_****(24 chars)");
    moat_finding_fingerprint(f, "svc-token-content", 17);
    moat_findings_add(&x->fs, f);

    moat_findings_sort(&x->fs);
    x->fs.suppressed_inline = 2;
    x->fs.suppressed_baseline = 1;
    x->stats = (struct moat_scan_stats){
        .files = 42, .bytes = 123456, .skipped = 3, .errors = 1, .seconds = 1.5
    };
    x->r = (struct moat_report){ .findings = &x->fs,
                                 .rules = rules,
                                 .nrules = sizeof(rules) / sizeof(rules[0]),
                                 .stats = &x->stats,
                                 .root = "/srv/project",
                                 .fail_on = MOAT_SEV_HIGH,
                                 .gate_failed = true };
    *state = x;
    return 0;
}

static int setup_empty(void **state)
{
    struct fixture *x = moat_calloc(1, sizeof(*x));

    moat_findings_init(&x->fs);
    x->stats = (struct moat_scan_stats){ .files = 10, .bytes = 2048, .seconds = 0.25 };
    x->r = (struct moat_report){ .findings = &x->fs,
                                 .rules = rules,
                                 .nrules = 2,
                                 .stats = &x->stats,
                                 .root = "/srv/clean",
                                 .fail_on = MOAT_SEV_MEDIUM };
    *state = x;
    return 0;
}

/* Strings a hostile repository controls: file names, commit authors. */
static int setup_hostile(void **state)
{
    struct fixture *x = moat_calloc(1, sizeof(*x));
    struct moat_finding *f;

    moat_findings_init(&x->fs);
    f = mk("hostile_rule", MOAT_SEV_HIGH, MOAT_CONF_MEDIUM,
           "evil/<x>&\"'\x01\x1b[31mred\xff\xc0\xaf\xed\xa0\x80\xe2\x80\xae"
           "name.txt",
           1, 1, NULL);
    f->title = moat_strdup("tab\there\nnew line\r\x0c");
    f->message = moat_strdup("a]]>b <script>alert(1)</script> \xef\xbf\xbe \xc3\xa9t\xc3\xa9");
    f->author = moat_strdup("Mallory \x1b]0;owned\x07 \xc2\x9b"
                            "31m");
    f->redacted = moat_strdup("&amp;****(9 chars)");
    f->fix = moat_strdup("<b>bold</b> & \"quotes\"");
    moat_finding_fingerprint(f, "x", 1);
    moat_findings_add(&x->fs, f);
    x->r = (struct moat_report){ .findings = &x->fs,
                                 .root = "rel<dir>",
                                 .fail_on = MOAT_SEV_CRITICAL };
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;

    moat_findings_release(&x->fs);
    for (size_t i = 0; i < 3; i++)
        free(x->secrets[i]);
    free(x);
    return 0;
}

/* Render r as fmt into a string (caller frees). The tool version varies with
 * the build, so it is replaced by @VERSION@. */
static char *render(enum moat_report_format fmt, const struct moat_report *r)
{
    struct moat_buf b = MOAT_BUF_INIT(1 << 24);
    struct moat_err err = { 0 };
    char chunk[4096], *ver, *p;
    FILE *f = tmpfile();
    size_t n;

    assert_non_null(f);
    assert_int_equal(moat_report_write(fmt, r, f, &err), 0);
    rewind(f);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(moat_buf_add(&b, chunk, n), 0);
    fclose(f);

    ver = moat_asprintf("\"%s\"", moat_version());
    while ((p = strstr(b.data, ver)) != NULL) {
        struct moat_buf o = MOAT_BUF_INIT(1 << 24);
        assert_int_equal(moat_buf_add(&o, b.data, (size_t)(p - b.data)), 0);
        assert_int_equal(moat_buf_addstr(&o, "\"@VERSION@\""), 0);
        assert_int_equal(moat_buf_addstr(&o, p + strlen(ver)), 0);
        moat_buf_release(&b);
        b = o;
    }
    free(ver);
    return moat_buf_detach(&b, &n);
}

static void check_golden(enum moat_report_format fmt, const struct moat_report *r, const char *name)
{
    char *got = render(fmt, r), *path = moat_asprintf(GOLDEN_DIR "%s", name);
    struct moat_buf want = MOAT_BUF_INIT(1 << 24);
    struct moat_err err = { 0 };
    const char *update = getenv("MOAT_UPDATE_GOLDEN");

    if (update && strcmp(update, "1") == 0)
        assert_int_equal(moat_fs_write(path, got, strlen(got), &err), 0);
    if (moat_fs_read(path, &want, &err) != 0)
        fail_msg("%s: %s (run from the repository root)", path, err.msg);
    if (strcmp(got, want.data) != 0) {
        size_t off = 0, line = 1, end;

        while (got[off] && got[off] == want.data[off])
            if (got[off++] == '\n')
                line++;
        while (off > 0 && got[off - 1] != '\n')
            off--;
        for (end = off; got[end] && got[end] != '\n';)
            end++;
        fail_msg("%s:%zu differs; got \"%.*s\" (MOAT_UPDATE_GOLDEN=1 rewrites it)", path, line,
                 (int)(end - off), got + off);
    }
    moat_buf_release(&want);
    free(path);
    free(got);
}

static void test_parse_format(void **state)
{
    enum moat_report_format fmt = MOAT_REPORT_TEXT;

    (void)state;
    assert_int_equal(moat_report_parse_format("json", &fmt), 0);
    assert_int_equal(fmt, MOAT_REPORT_JSON);
    assert_int_equal(moat_report_parse_format("SARIF", &fmt), 0);
    assert_int_equal(fmt, MOAT_REPORT_SARIF);
    assert_int_equal(moat_report_parse_format("junit", &fmt), 0);
    assert_int_equal(fmt, MOAT_REPORT_JUNIT);
    assert_int_equal(moat_report_parse_format("text", &fmt), 0);
    assert_int_equal(fmt, MOAT_REPORT_TEXT);
    fmt = MOAT_REPORT_JUNIT;
    assert_int_equal(moat_report_parse_format("html", &fmt), MOAT_EINVAL);
    assert_int_equal(moat_report_parse_format("", &fmt), MOAT_EINVAL);
    assert_int_equal(moat_report_parse_format("json ", &fmt), MOAT_EINVAL);
    assert_int_equal(moat_report_parse_format(NULL, &fmt), MOAT_EINVAL);
    assert_int_equal(fmt, MOAT_REPORT_JUNIT); /* untouched on failure */
}

static void test_golden_findings(void **state)
{
    struct fixture *x = *state;

    check_golden(MOAT_REPORT_TEXT, &x->r, "findings.txt");
    check_golden(MOAT_REPORT_JSON, &x->r, "findings.json");
    check_golden(MOAT_REPORT_SARIF, &x->r, "findings.sarif");
    check_golden(MOAT_REPORT_JUNIT, &x->r, "findings.junit.xml");
}

static void test_golden_empty(void **state)
{
    struct fixture *x = *state;

    check_golden(MOAT_REPORT_TEXT, &x->r, "empty.txt");
    check_golden(MOAT_REPORT_JSON, &x->r, "empty.json");
    check_golden(MOAT_REPORT_SARIF, &x->r, "empty.sarif");
    check_golden(MOAT_REPORT_JUNIT, &x->r, "empty.junit.xml");
}

static void test_golden_hostile(void **state)
{
    struct fixture *x = *state;

    check_golden(MOAT_REPORT_TEXT, &x->r, "hostile.txt");
    check_golden(MOAT_REPORT_JSON, &x->r, "hostile.json");
    check_golden(MOAT_REPORT_SARIF, &x->r, "hostile.sarif");
    check_golden(MOAT_REPORT_JUNIT, &x->r, "hostile.junit.xml");
}

static const enum moat_report_format all_formats[] = { MOAT_REPORT_TEXT, MOAT_REPORT_JSON,
                                                       MOAT_REPORT_SARIF, MOAT_REPORT_JUNIT };

static void test_secrets_redacted(void **state)
{
    struct fixture *x = *state;

    for (size_t i = 0; i < 4; i++) {
        enum moat_report_format fmt = all_formats[i];
        char *out;

        x->r.show_secrets = false;
        out = render(fmt, &x->r);
        for (size_t s = 0; s < 3; s++) {
            /* Not the value, nor anything past the 4 characters redaction keeps. */
            assert_null(strstr(out, x->secrets[s]));
            assert_null(strstr(out, x->secrets[s] + 4));
        }
        free(out);

        /* Asked for, they appear where a person reads them (text, JSON), but
         * never in SARIF or JUnit, which are uploaded and archived. */
        x->r.show_secrets = true;
        out = render(fmt, &x->r);
        for (size_t s = 0; s < 3; s++) {
            if (fmt == MOAT_REPORT_TEXT || fmt == MOAT_REPORT_JSON)
                assert_non_null(strstr(out, x->secrets[s]));
            else
                assert_null(strstr(out, x->secrets[s] + 4));
        }
        free(out);
    }
    x->r.show_secrets = false;
}

static json_t *load(const char *s)
{
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);

    if (!j)
        fail_msg("not JSON: %s at line %d", jerr.text, jerr.line);
    return j;
}

static void test_json_read_back(void **state)
{
    struct fixture *x = *state;
    char *out = render(MOAT_REPORT_JSON, &x->r);
    json_t *j = load(out), *fs, *f0, *f2, *sum, *gate;

    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "tool"), "name")),
                        "moat");
    assert_string_equal(json_string_value(json_object_get(j, "root")), "/srv/project");
    fs = json_object_get(j, "findings");
    assert_int_equal(json_array_size(fs), 4);
    f0 = json_array_get(fs, 0);
    assert_string_equal(json_string_value(json_object_get(f0, "rule_id")), "aws_secret_key");
    assert_string_equal(json_string_value(json_object_get(f0, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(f0, "confidence")), "high");
    assert_int_equal(json_integer_value(json_object_get(f0, "line")), 3);
    assert_int_equal(json_integer_value(json_object_get(f0, "column")), 23);
    assert_string_equal(json_string_value(json_object_get(f0, "email")), "jane@example.com");
    assert_int_equal(strlen(json_string_value(json_object_get(f0, "fingerprint"))),
                     MOAT_FINGERPRINT_HEX);
    assert_null(json_object_get(f0, "secret"));
    /* Unknown means absent, never null. */
    f2 = json_array_get(fs, 2);
    assert_string_equal(json_string_value(json_object_get(f2, "path")), "src/app.py");
    assert_null(json_object_get(f2, "commit"));
    assert_null(json_object_get(f2, "author"));
    assert_null(json_object_get(json_array_get(fs, 3), "column"));
    assert_null(json_object_get(json_array_get(fs, 3), "fix"));

    sum = json_object_get(j, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "total")), 4);
    assert_int_equal(json_integer_value(json_object_get(sum, "critical")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "high")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "medium")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "low")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "info")), 0);
    assert_int_equal(json_integer_value(json_object_get(sum, "files")), 42);
    assert_int_equal(json_integer_value(json_object_get(sum, "bytes")), 123456);
    assert_int_equal(json_integer_value(json_object_get(sum, "errors")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "duration_ms")), 1500);
    assert_int_equal(json_integer_value(json_object_get(sum, "suppressed_inline")), 2);
    assert_int_equal(json_integer_value(json_object_get(sum, "suppressed_baseline")), 1);
    gate = json_object_get(j, "gate");
    assert_string_equal(json_string_value(json_object_get(gate, "fail_on")), "high");
    assert_true(json_is_false(json_object_get(gate, "passed")));
    assert_int_equal(json_integer_value(json_object_get(gate, "failing")), 2);
    json_decref(j);
    free(out);

    x->r.show_secrets = true;
    out = render(MOAT_REPORT_JSON, &x->r);
    j = load(out);
    f0 = json_array_get(json_object_get(j, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f0, "secret")), x->secrets[0]);
    /* custom_token has no raw value: still no "secret" key. */
    assert_null(json_object_get(json_array_get(json_object_get(j, "findings"), 3), "secret"));
    json_decref(j);
    free(out);
    x->r.show_secrets = false;
}

static const char *jpath_str(json_t *j, const char *k1, const char *k2)
{
    return json_string_value(json_object_get(json_object_get(j, k1), k2));
}

static void test_sarif_read_back(void **state)
{
    struct fixture *x = *state;
    char *out = render(MOAT_REPORT_SARIF, &x->r);
    json_t *j = load(out), *run, *rules_j, *results;
    size_t i;
    json_t *res;

    assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
    assert_non_null(json_object_get(j, "$schema"));
    run = json_array_get(json_object_get(j, "runs"), 0);
    assert_string_equal(jpath_str(json_object_get(run, "tool"), "driver", "name"), "moat");
    rules_j = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    /* The four rules passed in, then the one only a finding names. */
    assert_int_equal(json_array_size(rules_j), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules_j, 4), "id")),
                        "custom_token");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules_j, 0), "name")),
                        "AwsSecretKey");
    assert_string_equal(jpath_str(json_array_get(rules_j, 0), "properties", "security-severity"),
                        "9.5");
    assert_string_equal(jpath_str(json_array_get(rules_j, 1), "properties", "security-severity"),
                        "8.0");
    assert_string_equal(jpath_str(json_array_get(rules_j, 2), "properties", "precision"), "low");
    /* slack_webhook has no finding, so no precision is claimed. */
    assert_null(
        json_object_get(json_object_get(json_array_get(rules_j, 3), "properties"), "precision"));
    assert_string_equal(jpath_str(json_array_get(rules_j, 3), "defaultConfiguration", "level"),
                        "warning");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(run, "originalUriBaseIds"), "%SRCROOT%"), "uri")),
        "file:///srv/project/");

    results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 4);
    json_array_foreach(results, i, res)
    {
        size_t idx = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
        const struct moat_finding *fd = x->fs.v[i];
        json_t *phys = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                                       "physicalLocation");

        assert_string_equal(json_string_value(json_object_get(json_array_get(rules_j, idx), "id")),
                            json_string_value(json_object_get(res, "ruleId")));
        assert_string_equal(jpath_str(res, "partialFingerprints", "moat/v1"), fd->fingerprint);
        assert_string_equal(jpath_str(phys, "artifactLocation", "uriBaseId"), "%SRCROOT%");
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")),
            fd->line);
        assert_null(json_object_get(res, "primaryLocationLineHash"));
    }
    res = json_array_get(results, 0);
    assert_string_equal(json_string_value(json_object_get(res, "level")), "error");
    assert_string_equal(jpath_str(res, "properties", "commit"),
                        "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b");
    res = json_array_get(results, 1);
    assert_string_equal(json_string_value(json_object_get(res, "level")), "note");
    assert_string_equal(
        jpath_str(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                                  "physicalLocation"),
                  "artifactLocation", "uri"),
        "docs/set%20up%231.md");
    assert_null(json_object_get(json_object_get(res, "properties"), "commit"));
    res = json_array_get(results, 3);
    assert_string_equal(json_string_value(json_object_get(res, "level")), "warning");
    assert_string_equal(
        jpath_str(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
                                  "physicalLocation"),
                  "artifactLocation", "uri"),
        "vendor/lib.zip!pkg/config.json");
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(run, "invocations"), 0),
                                             "executionSuccessful")));
    json_decref(j);
    free(out);
}

/* %SRCROOT% is the scanned directory; a single scanned file stands for its
 * directory, since finding paths are relative to where it lies. */
static void test_sarif_srcroot(void **state)
{
    struct fixture *x = *state;
    const char *tmp = getenv("TMPDIR");
    char *dir = moat_asprintf("%s/moat-report-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    char *file, *out, *want;
    struct moat_err err = { 0 };
    json_t *j;

    assert_non_null(mkdtemp(dir));
    file = moat_asprintf("%s/one.env", dir);
    assert_int_equal(moat_fs_write(file, "x\n", 2, &err), 0);
    want = moat_asprintf("file://%s/", dir);
    for (int i = 0; i < 2; i++) {
        x->r.root = i ? file : dir;
        out = render(MOAT_REPORT_SARIF, &x->r);
        j = load(out);
        assert_string_equal(jpath_str(json_object_get(json_array_get(json_object_get(j, "runs"), 0),
                                                      "originalUriBaseIds"),
                                      "%SRCROOT%", "uri"),
                            want);
        json_decref(j);
        free(out);
    }
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
    free(want);
    free(file);
}

static void test_text_color(void **state)
{
    struct fixture *x = *state;
    char *out;

    out = render(MOAT_REPORT_TEXT, &x->r);
    assert_null(strchr(out, '\033'));
    free(out);
    x->r.color = true;
    out = render(MOAT_REPORT_TEXT, &x->r);
    assert_non_null(strstr(out, "\033[1m\033[31mFAILED\033[0m"));
    assert_non_null(strstr(out, "\033[31mhigh"));
    free(out);
    x->r.color = false;
}

/* Whatever the finding holds, the text report has no raw control byte but
 * newline, and the XML none but newline and tab, so neither can drive a
 * terminal or break a parser. */
static void test_hostile_controls(void **state)
{
    struct fixture *x = *state;

    for (size_t i = 0; i < 4; i++) {
        char *out = render(all_formats[i], &x->r);

        for (const unsigned char *p = (const unsigned char *)out; *p; p++)
            if (*p < 0x20 && *p != '\n' && !(*p == '\t' && all_formats[i] == MOAT_REPORT_JUNIT))
                fail_msg("format %d: raw control byte 0x%02x at offset %zu", (int)all_formats[i],
                         *p, (size_t)(p - (const unsigned char *)out));
        if (all_formats[i] == MOAT_REPORT_TEXT) {
            assert_null(strstr(out, "\xc2\x9b"));     /* C1 CSI */
            assert_null(strstr(out, "\xe2\x80\xae")); /* right-to-left override */
            assert_non_null(strstr(out, "\\u{202e}"));
        }
        if (all_formats[i] == MOAT_REPORT_JUNIT) {
            assert_null(strstr(out, "<x>"));
            assert_null(strstr(out, "]]>"));
            assert_null(strstr(out, "\xef\xbf\xbe")); /* U+FFFE is not an XML char */
            assert_non_null(strstr(out, "&lt;x&gt;&amp;&quot;&apos;"));
            assert_non_null(strstr(out, "&amp;amp;"));
            assert_non_null(strstr(out, "\xc3\xa9t\xc3\xa9")); /* valid UTF-8 stays */
        }
        if (all_formats[i] == MOAT_REPORT_JSON || all_formats[i] == MOAT_REPORT_SARIF) {
            json_t *j = load(out);
            json_decref(j);
        }
        free(out);
    }
}

static void test_empty_reads(void **state)
{
    struct fixture *x = *state;
    char *out;
    json_t *j;

    out = render(MOAT_REPORT_TEXT, &x->r);
    assert_non_null(strstr(out, "No findings."));
    assert_non_null(strstr(out, "gate: passed"));
    free(out);
    out = render(MOAT_REPORT_JUNIT, &x->r);
    assert_non_null(strstr(out, "name=\"moat scan\""));
    assert_null(strstr(out, "<failure"));
    free(out);
    out = render(MOAT_REPORT_SARIF, &x->r);
    j = load(out);
    assert_int_equal(
        json_array_size(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results")),
        0);
    json_decref(j);
    free(out);

    /* No findings list at all reads as no findings. */
    x->r.findings = NULL;
    out = render(MOAT_REPORT_JSON, &x->r);
    j = load(out);
    assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
    assert_true(json_is_true(json_object_get(json_object_get(j, "gate"), "passed")));
    json_decref(j);
    free(out);
    x->r.findings = &x->fs;
}

static void test_write_error(void **state)
{
    struct fixture *x = *state;

    for (size_t i = 0; i < 4; i++) {
        struct moat_err err = { 0 };
        FILE *f = fopen("/dev/full", "w");

        if (!f)
            skip();
        assert_int_equal(moat_report_write(all_formats[i], &x->r, f, &err), MOAT_EIO);
        assert_int_equal(err.rc, MOAT_EIO);
        assert_non_null(strstr(err.msg, "report"));
        fclose(f);
    }
}

static void test_bad_args(void **state)
{
    struct fixture *x = *state;
    struct moat_err err = { 0 };

    assert_int_equal(moat_report_write(MOAT_REPORT_TEXT, NULL, stdout, &err), MOAT_EINVAL);
    assert_int_equal(moat_report_write(MOAT_REPORT_TEXT, &x->r, NULL, NULL), MOAT_EINVAL);
    assert_int_equal(moat_report_write((enum moat_report_format)42, &x->r, stdout, &err),
                     MOAT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test_setup_teardown(test_golden_findings, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_golden_empty, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_golden_hostile, setup_hostile, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_redacted, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_json_read_back, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_sarif_read_back, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_sarif_srcroot, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_text_color, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_controls, setup_hostile, teardown),
        cmocka_unit_test_setup_teardown(test_empty_reads, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup_findings, teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, setup_findings, teardown),
    };

    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
