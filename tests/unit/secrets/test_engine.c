/* Unit tests of the secrets engine beyond the per-rule fixtures: offsets,
 * the base64 / URL / JSON decoding layers, de-duplication, custom rules,
 * disabled rules, allowlists, arbitrary bytes, the database cache, the SIMD
 * base64 run finder against a plain one, and the key and value filters.
 * Messages never contain a secret value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sodium.h>
#include "secrets/fixture.h"
#include "core/banned.h"

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* A fake GitHub-format token (prefix + 30 random + CRC32 in base62). */
static void make_token(const char *prefix, char *out)
{
    size_t p = strlen(prefix);
    uint32_t crc;

    memcpy(out, prefix, p);
    for (int i = 0; i < 30; i++)
        out[p + i] = b62[next_rand() % 62];
    crc = secrets_crc32((const unsigned char *)out + p, 30);
    for (int i = 5; i >= 0; i--) {
        out[p + 30 + i] = b62[crc % 62];
        crc /= 62;
    }
    out[p + 36] = '\0';
}

static void base64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

struct env {
    struct secrets_engine *e;
    struct secrets_scratch *s;
};

static int setup(void **state)
{
    struct env *env = moat_calloc(1, sizeof(*env));

    if (secrets_engine_new(NULL, &env->e, NULL) != 0 ||
        secrets_scratch_new(env->e, &env->s, NULL) != 0)
        return -1;
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    struct env *env = *state;

    secrets_scratch_free(env->s);
    secrets_engine_free(env->e);
    free(env);
    return 0;
}

static void scan_str(struct env *env, const char *text, struct found *f)
{
    scan_text(env->e, env->s, text, strlen(text), f);
    assert_true(f->n != SIZE_MAX);
}

static size_t count_id(const struct found *f, const char *id)
{
    size_t n = 0;

    for (size_t i = 0; i < f->n; i++)
        n += strcmp(f->id[i], id) == 0;
    return n;
}

static void test_offsets_and_counts(void **state)
{
    struct env *env = *state;
    char tok[3][64], text[512];
    struct found f;

    for (int i = 0; i < 3; i++)
        make_token("ghp_", tok[i]);
    assert_int_equal(
        moat_snprintf(text, sizeof(text), "# config\nA=%s\nB=%s C=%s\n", tok[0], tok[1], tok[2]),
        0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "github-pat"), 3);
    /* the offset is where the secret starts */
    assert_int_equal(f.off[0], strlen("# config\nA="));
    assert_int_equal(f.layer[0], SECRETS_LAYER_PLAIN);
}

static void test_specific_beats_generic(void **state)
{
    struct env *env = *state;
    char tok[64], text[256];
    struct found f;

    make_token("ghp_", tok);
    assert_int_equal(moat_snprintf(text, sizeof(text), "api_key = \"%s\"\n", tok), 0);
    scan_str(env, text, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.id[0], "github-pat");
}

static void test_base64_layer(void **state)
{
    struct env *env = *state;
    char tok[64], plain[256], enc[400], text[600];
    struct found f;

    /* a .env file, base64-encoded in a Kubernetes Secret */
    make_token("ghp_", tok);
    assert_int_equal(moat_snprintf(plain, sizeof(plain), "APP_ENV=prod\nGITHUB_TOKEN=%s\n", tok),
                     0);
    base64_encode((const unsigned char *)plain, strlen(plain), enc);
    assert_int_equal(moat_snprintf(text, sizeof(text),
                                   "apiVersion: v1\nkind: Secret\ndata:\n  app.env: %s\n", enc),
                     0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "github-pat"), 1);
    assert_int_equal(f.layer[0], SECRETS_LAYER_BASE64);
    /* reported where the encoded run starts */
    assert_int_equal(f.off[0], (size_t)(strstr(text, enc) - text));
}

static void test_url_layer(void **state)
{
    struct env *env = *state;
    char tok[64], text[512];
    struct found f;

    make_token("gho_", tok);
    /* "gho_" with its underscore percent-encoded: only the decoded text has the token */
    assert_int_equal(moat_snprintf(text, sizeof(text),
                                   "https://app.internal/cb?next=%%2Fhome&t=gho%%5F%s&x=1\n",
                                   tok + 4),
                     0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "github-oauth-token"), 1);
    assert_int_equal(f.layer[0], SECRETS_LAYER_URL);
    /* the run starts before its first escape: "https" is part of it */
    scan_str(env,
             "next=https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0AB3CD4EF%2FB1GH5IJ6KL%2F"
             "Xk3Lm9Pq2Rs7Tv4Wx8Yz1Ab5\n",
             &f);
    assert_int_equal(count_id(&f, "slack-webhook-url"), 1);
    assert_int_equal(f.off[0], 0);
}

static void test_json_layer(void **state)
{
    struct env *env = *state;
    char tok[64], text[512];
    struct found f;

    /* \u005f is "_": the token exists only once the string is unescaped */
    make_token("ghs_", tok);
    assert_int_equal(
        moat_snprintf(text, sizeof(text), "{\"note\": \"token ghs\\u005f%s\\n\"}\n", tok + 4), 0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "github-app-token"), 1);
    assert_int_equal(f.layer[0], SECRETS_LAYER_JSON);
    /* an .env file kept in a JSON string: line-anchored assignments appear */
    assert_int_equal(moat_snprintf(text, sizeof(text),
                                   "{\"env\": \"APP=1\\nDB_PASSWORD=Xk9mP2vL5qR8tZ3w\\n\"}\n"),
                     0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "generic-password"), 1);
}

static void test_no_double_report(void **state)
{
    struct env *env = *state;
    char tok[64], text[512];
    struct found f;

    /* found plain inside the string: the JSON layer must not repeat it */
    make_token("ghp_", tok);
    assert_int_equal(
        moat_snprintf(text, sizeof(text), "{\"x\": \"a\\nGITHUB_TOKEN=%s\\n\"}\n", tok), 0);
    scan_str(env, text, &f);
    assert_int_equal(count_id(&f, "github-pat"), 1);
    assert_int_equal(f.layer[0], SECRETS_LAYER_PLAIN);
}

static void keep_conf(void *ctx, const struct secrets_match *m)
{
    enum moat_conf *c = ctx;

    *c = m->conf;
}

/* A PEM body that is one DER SEQUENCE is a key (high confidence); clean
 * base64 that is not is reported with low confidence (a damaged or made-up
 * key); junk lines are a placeholder. */
static void test_pem_structure(void **state)
{
    struct env *env = *state;
    unsigned char der[66];
    char b64[128], text[512];
    enum moat_conf conf;

    der[0] = 0x30;
    der[1] = 64;
    for (int i = 2; i < 66; i++)
        der[i] = (unsigned char)next_rand();
    for (int round = 0; round < 3; round++) {
        base64_encode(der, sizeof(der), b64);
        assert_int_equal(
            moat_snprintf(text, sizeof(text),
                          "-----BEGIN PRIVATE KEY-----\n%s%s\n-----END PRIVATE KEY-----\n", b64,
                          round == 2 ? "..." : ""),
            0);
        conf = (enum moat_conf) - 1;
        secrets_engine_scan(env->e, env->s, (const unsigned char *)text, strlen(text), 0, keep_conf,
                            &conf);
        if (round == 0)
            assert_int_equal(conf, MOAT_CONF_HIGH);
        else if (round == 1)
            assert_int_equal(conf, MOAT_CONF_LOW);
        else
            assert_int_equal(conf, (enum moat_conf) - 1);
        der[0] = 0x31; /* not a SEQUENCE any more */
    }
}

static void test_any_bytes(void **state)
{
    struct env *env = *state;
    size_t n = 4u << 20;
    unsigned char *buf = moat_malloc(n);
    struct found f;
    char tok[64];

    /* empty input, NUL bytes, invalid UTF-8, one huge line, random bytes */
    scan_text(env->e, env->s, "", 0, &f);
    assert_int_equal(f.n, 0);
    scan_text(env->e, env->s, NULL, 0, &f);
    assert_int_equal(f.n, 0);
    memset(buf, 'a', n);
    scan_text(env->e, env->s, (const char *)buf, n, &f);
    assert_int_equal(f.n, 0);
    memset(buf, 'A', n);
    scan_text(env->e, env->s, (const char *)buf, n, &f);
    assert_int_equal(f.n, 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)next_rand();
    scan_text(env->e, env->s, (const char *)buf, n, &f);
    assert_true(f.n != SIZE_MAX);
    /* a token between NULs and invalid UTF-8 is still found */
    make_token("ghp_", tok);
    memset(buf, 0, 64);
    memcpy(buf + 10, "\xff\xfe\xc3", 3);
    memcpy(buf + 14, tok, 40);
    buf[54] = 0xc0;
    scan_text(env->e, env->s, (const char *)buf, 64, &f);
    assert_int_equal(count_id(&f, "github-pat"), 1);
    free(buf);
}

static void test_many_findings(void **state)
{
    struct env *env = *state;
    size_t n = 2000, len = 0;
    char *buf = moat_malloc(n * 50 + 1);
    size_t reported;
    struct found f;

    for (size_t i = 0; i < n; i++) {
        make_token("ghp_", buf + len);
        len += 40;
        buf[len++] = '\n';
    }
    f.n = 0;
    reported = secrets_engine_scan(env->e, env->s, (const unsigned char *)buf, len, 0, collect, &f);
    assert_int_equal(reported, n);
    free(buf);
}

static void test_example_paths(void **state)
{
    struct env *env = *state;
    const char *text = "DB_PASSWORD=Xk9mP2vL5qR8tZ3w\n";
    struct found f;

    (void)env;
    assert_true(secrets_path_is_example("config/.env.example"));
    assert_true(secrets_path_is_example("test/fixtures/creds.json"));
    assert_true(secrets_path_is_example("Samples/app.config"));
    assert_false(secrets_path_is_example("src/config.py"));
    assert_false(secrets_path_is_example(NULL));
    f.n = 0;
    assert_int_equal(secrets_engine_scan(env->e, env->s, (const unsigned char *)text, strlen(text),
                                         0, collect, &f),
                     1);
    f.n = 0;
    assert_int_equal(secrets_engine_scan(env->e, env->s, (const unsigned char *)text, strlen(text),
                                         SECRETS_SCAN_NO_GENERIC, collect, &f),
                     0);
}

/* ---- configuration: custom rules, disabled rules, allowlists ---- */

static void test_custom_rules(void **state)
{
    struct moat_custom_rule rules[2];
    char *kw[] = { (char[]){ "acme" } };
    struct moat_config cfg;
    struct secrets_engine *e = NULL;
    struct secrets_scratch *s = NULL;
    const struct secrets_rule *r;
    size_t n;
    struct found f;
    const char *text = "acme_key: ACME-7f3k9QzL2mX8vB4n\n"
                       "other: ACME-7f3k9QzL2mX8vB4n\n"
                       "internal ref=zz-Q8r2Lk9xVm4Tz7Nw\n";

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    memset(rules, 0, sizeof(rules));
    rules[0] = (struct moat_custom_rule){ (char[]){ "acme-key" },
                                          (char[]){ "ACME API key" },
                                          (char[]){ "\\b(?<secret>ACME-[A-Za-z0-9]{16})\\b" },
                                          kw,
                                          1,
                                          3.0,
                                          MOAT_SEV_HIGH };
    /* a lookbehind: Hyperscan cannot take it, PCRE2 scans alone */
    rules[1] = (struct moat_custom_rule){ (char[]){ "internal-ref" },
                                          NULL,
                                          (char[]){ "(?<=ref=)zz-[A-Za-z0-9]{16}" },
                                          NULL,
                                          0,
                                          0,
                                          MOAT_SEV_LOW };
    cfg.rules = rules;
    cfg.nrules = 2;
    assert_int_equal(secrets_engine_new(&cfg, &e, NULL), 0);
    assert_int_equal(secrets_scratch_new(e, &s, NULL), 0);
    n = secrets_engine_rules(e, &r);
    assert_int_equal(n, secrets_builtin_count + 2);
    assert_string_equal(r[n - 2].id, "acme-key");
    assert_string_equal(r[n - 1].title, "internal-ref");
    scan_text(e, s, text, strlen(text), &f);
    /* the keyword is near both; the second line is within the window too */
    assert_int_equal(count_id(&f, "acme-key"), 2);
    assert_int_equal(count_id(&f, "internal-ref"), 1);
    secrets_scratch_free(s);
    secrets_engine_free(e);
}

static void test_custom_rule_errors(void **state)
{
    struct moat_custom_rule rule;
    struct moat_config cfg;
    struct secrets_engine *e = NULL;
    struct moat_err err;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    rule = (struct moat_custom_rule){
        (char[]){ "broken-rule" }, NULL, (char[]){ "([a-z" }, NULL, 0, 0, MOAT_SEV_LOW
    };
    cfg.rules = &rule;
    cfg.nrules = 1;
    assert_int_equal(secrets_engine_new(&cfg, &e, &err), MOAT_EREGEX);
    assert_null(e);
    assert_non_null(strstr(err.msg, "broken-rule"));
    rule.id = (char[]){ "github-pat" };
    rule.regex = (char[]){ "x{3}" };
    assert_int_equal(secrets_engine_new(&cfg, &e, &err), MOAT_EINVAL);
    assert_non_null(strstr(err.msg, "github-pat"));
    rule.id = (char[]){ "bad id!" };
    assert_int_equal(secrets_engine_new(&cfg, &e, &err), MOAT_EINVAL);
}

static void test_disabled_and_allowlists(void **state)
{
    struct moat_config cfg;
    struct secrets_engine *e = NULL;
    struct secrets_scratch *s = NULL;
    char tok[2][64], text[256];
    char *disabled[] = { (char[]){ "github-oauth-token" } };
    char *values[1], *regexes[] = { (char[]){ "^ghs_" } };
    struct found f;
    struct moat_err err;

    (void)state;
    make_token("ghp_", tok[0]);
    make_token("ghp_", tok[1]);
    values[0] = tok[0];
    memset(&cfg, 0, sizeof(cfg));
    cfg.disabled_rules = disabled;
    cfg.ndisabled_rules = 1;
    cfg.allow_values = values;
    cfg.nallow_values = 1;
    cfg.allow_regexes = regexes;
    cfg.nallow_regexes = 1;
    assert_int_equal(secrets_engine_new(&cfg, &e, NULL), 0);
    assert_int_equal(secrets_scratch_new(e, &s, NULL), 0);
    assert_int_equal(moat_snprintf(text, sizeof(text), "a=%s\nb=%s\n", tok[0], tok[1]), 0);
    scan_text(e, s, text, strlen(text), &f);
    assert_int_equal(count_id(&f, "github-pat"), 1); /* tok[0] is allowlisted */
    assert_int_equal(f.off[0], strlen("a=") + 40 + strlen("\nb="));
    make_token("gho_", tok[0]);
    make_token("ghs_", tok[1]);
    assert_int_equal(moat_snprintf(text, sizeof(text), "a=%s\nb=%s\n", tok[0], tok[1]), 0);
    scan_text(e, s, text, strlen(text), &f);
    assert_int_equal(f.n, 0); /* one rule disabled, the other value matches an allow regex */
    secrets_scratch_free(s);
    secrets_engine_free(e);
    regexes[0] = (char[]){ "(unclosed" };
    assert_int_equal(secrets_engine_new(&cfg, &e, &err), MOAT_EREGEX);
}

/* ---- the compiled-database cache ---- */

/* The real database of a cache directory: the newest file. */
static size_t cache_files(const char *dir, char *newest, size_t cap)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    time_t best = 0;
    size_t files = 0;

    assert_non_null(d);
    while ((de = readdir(d))) {
        char path[512];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        files++;
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/%s", dir, de->d_name), 0);
        assert_int_equal(stat(path, &st), 0);
        if (st.st_mtime >= best) {
            best = st.st_mtime;
            assert_int_equal(moat_snprintf(newest, cap, "%s", path), 0);
        }
    }
    closedir(d);
    return files;
}

static void test_cache(void **state)
{
    char dir[] = "/tmp/moat-secrets-cache-XXXXXX";
    char tok[64], text[128], path[512];
    struct secrets_engine *e = NULL;
    struct secrets_scratch *s = NULL;
    struct dirent *de;
    DIR *d;
    struct found f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(setenv("MOAT_CACHE_DIR", dir, 1), 0);
    /* stale databases of other rule sets: all but the newest 8 go */
    for (int i = 0; i < 10; i++) {
        struct timespec old[2] = { { 1000000 + i, 0 }, { 1000000 + i, 0 } };
        FILE *fp;
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/secrets-stale%d.hsdb", dir, i), 0);
        assert_non_null(fp = fopen(path, "w"));
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    }
    make_token("ghp_", tok);
    assert_int_equal(moat_snprintf(text, sizeof(text), "t=%s\n", tok), 0);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(secrets_engine_new(NULL, &e, NULL), 0);
        assert_int_equal(secrets_scratch_new(e, &s, NULL), 0);
        scan_text(e, s, text, strlen(text), &f);
        assert_int_equal(count_id(&f, "github-pat"), 1);
        secrets_scratch_free(s);
        secrets_engine_free(e);
        assert_int_equal(cache_files(dir, path, sizeof(path)), 8);
        if (round == 1) {
            /* corrupt it: the next engine must notice, compile, and rewrite it */
            FILE *fp = fopen(path, "r+b");
            assert_non_null(fp);
            assert_int_equal(fseek(fp, 100, SEEK_SET), 0);
            assert_int_equal(fputc('#', fp), '#');
            assert_int_equal(fclose(fp), 0);
        }
    }
    assert_non_null(d = opendir(dir));
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        assert_int_equal(moat_snprintf(path, sizeof(path), "%s/%s", dir, de->d_name), 0);
        assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
    /* an empty MOAT_CACHE_DIR turns the cache off */
    assert_int_equal(setenv("MOAT_CACHE_DIR", "", 1), 0);
    assert_int_equal(secrets_engine_new(NULL, &e, NULL), 0);
    secrets_engine_free(e);
}

/* ---- the base64 run finder, against a byte-at-a-time one ---- */

static bool is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static void test_base64_runs(void **state)
{
    static const char words[] = "password=Xk9mP2vL5qR8tZ3w and some text to encode, 12345";
    size_t cap = 1u << 16;
    unsigned char *buf = moat_malloc(cap);
    struct secrets_decoded d;

    (void)state;
    secrets_decoded_init(&d);
    for (int round = 0; round < 200; round++) {
        size_t len = 0, want = 0;
        /* random bytes, printable text, and base64 of text at odd places */
        while (len < cap - 200) {
            uint32_t r = next_rand() % 4;
            if (r == 0) {
                size_t n = next_rand() % 150, b = 0;
                char enc[256];
                unsigned char plain[200];
                for (size_t i = 0; i < n; i++)
                    plain[b++] = (unsigned char)words[next_rand() % (sizeof(words) - 1)];
                base64_encode(plain, b, enc);
                memcpy(buf + len, enc, strlen(enc));
                len += strlen(enc);
                buf[len++] = (unsigned char)" \n;\"\xff"[next_rand() % 5];
            } else {
                size_t n = next_rand() % 90;
                for (size_t i = 0; i < n; i++)
                    buf[len++] = r == 1 ? (unsigned char)next_rand()
                                        : (unsigned char)"ab-_.+/ 9Z\n"[next_rand() % 12];
            }
        }
        /* every run of 32+ base64 characters whose decoding is text */
        for (size_t i = 0; i < len;) {
            size_t j = i;
            while (j < len && is_b64(buf[j]))
                j++;
            if (j - i >= SECRETS_MIN_BASE64) {
                struct secrets_decoded one;
                secrets_decoded_init(&one);
                secrets_decode_base64(&one, buf + i, j - i, 0);
                want += one.nseg;
                secrets_decoded_release(&one);
            }
            i = j > i ? j : i + 1;
        }
        secrets_decoded_reset(&d);
        secrets_decode_base64(&d, buf, len, 0);
        assert_int_equal(d.nseg, want);
        for (size_t k = 0; k < d.nseg; k++) {
            const struct secrets_segment *sg = &d.seg[k];
            assert_true(sg->len >= SECRETS_MIN_BASE64);
            assert_true(sg->off == 0 || !is_b64(buf[sg->off - 1]));
            assert_true(sg->off + sg->len == len || !is_b64(buf[sg->off + sg->len]));
        }
    }
    secrets_decoded_release(&d);
    free(buf);
}

/* ---- filters ---- */

static void test_key_names(void **state)
{
    static const char *const secret_keys[] = {
        "password",
        "DB_PASSWORD",
        "dbPassword",
        "db.password",
        "PGPASSWORD",
        "smtp_pass",
        "api_key",
        "apiKey",
        "APIKey",
        "x-api-key",
        "client_secret",
        "SECRET_KEY_BASE",
        "aws_secret_access_key",
        "auth_token",
        "accessToken",
        "private_key",
        "signing_key",
        "credentials",
        "passphrase",
        "setPassword",
    };
    static const char *const other_keys[] = {
        "password_min_length",
        "PASSWORD_RESET_TIMEOUT",
        "passwordField",
        "token_expiry",
        "secret_name",
        "secretRef",
        "public_key",
        "csrf_token",
        "max_tokens",
        "tokenizer",
        "access_key_id",
        "key",
        "keyboard",
        "stencilZPass",
        "firstCreatePass",
        "bypass",
        "password_hash",
        "hashed_password",
        "next_page_token",
        "test_password",
    };
    bool pw;

    (void)state;
    for (size_t i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++) {
        if (!secrets_key_is_secret((const unsigned char *)secret_keys[i], strlen(secret_keys[i]),
                                   &pw))
            print_error("key %s should name a secret\n", secret_keys[i]);
        assert_true(secrets_key_is_secret((const unsigned char *)secret_keys[i],
                                          strlen(secret_keys[i]), &pw));
    }
    for (size_t i = 0; i < sizeof(other_keys) / sizeof(other_keys[0]); i++) {
        if (secrets_key_is_secret((const unsigned char *)other_keys[i], strlen(other_keys[i]), &pw))
            print_error("key %s should not name a secret\n", other_keys[i]);
        assert_false(secrets_key_is_secret((const unsigned char *)other_keys[i],
                                           strlen(other_keys[i]), &pw));
    }
}

static void test_values(void **state)
{
    /* fake, random-looking values that must pass */
    static const char *const secrets_ok[] = {
        "Xk9mP2vL5qR8tZ3w", "a3f9c2e1b7d84f6a0c5e9b2d7f1a3c8e",
        "Tr7#kLm9$vQ2xZ!p", "q8Lr+2mZ/xV7nK4pT9wB3yH6",
        "Tr0ub4dor&3xkcd",
    };
    /* stand-ins, references, names and code that must not */
    static const char *const not_secrets[] = {
        "changeme",
        "your-api-key-here",
        "xxxxxxxxxxxxxxxx",
        "${DB_PASSWORD}",
        "{{ .Values.password }}",
        "process.env.DB_PASSWORD",
        "%DB_PASSWORD%",
        "<your-password>",
        "****************",
        "0123456789abcdef0123",
        "StreamDescription.Shards[-1].ShardId",
        "constant.reserved.$0",
        "@brackets.directive",
        "MySecretPassword",
        "/run/secrets/db_password",
        "config/credentials.json",
        "123e4567-e89b-42d3-a456-426614174000",
        "abcabcabcabcabcabc",
        "Contrase\xc3\xb1"
        "a1234",
        "https://vault.internal/v1/secret",
        "sample-password-123",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(secrets_ok) / sizeof(secrets_ok[0]); i++)
        assert_true(secrets_value_is_secret((const unsigned char *)secrets_ok[i],
                                            strlen(secrets_ok[i]), true, true));
    for (size_t i = 0; i < sizeof(not_secrets) / sizeof(not_secrets[0]); i++) {
        if (secrets_value_is_secret((const unsigned char *)not_secrets[i], strlen(not_secrets[i]),
                                    true, true))
            print_error("value #%zu should not pass\n", i);
        assert_false(secrets_value_is_secret((const unsigned char *)not_secrets[i],
                                             strlen(not_secrets[i]), true, true));
    }
    /* unquoted code */
    assert_false(
        secrets_value_is_secret((const unsigned char *)"AnalysisImpl.second;", 20, true, false));
    assert_false(
        secrets_value_is_secret((const unsigned char *)"getPassword(user)", 17, true, false));
    assert_true(secrets_is_trivial_password((const unsigned char *)"postgres", 8,
                                            (const unsigned char *)"app", 3));
    assert_true(secrets_is_trivial_password((const unsigned char *)"shop", 4,
                                            (const unsigned char *)"shop", 4));
    assert_false(secrets_is_trivial_password((const unsigned char *)"Xk9mP2vL5q", 10,
                                             (const unsigned char *)"app", 3));
}

/* The analyzers of one scan share one engine per configuration. */
static void test_shared_engine(void **state)
{
    struct moat_config other = { 0 };
    struct secrets_engine *a = NULL, *b = NULL, *c = NULL;

    (void)state;
    assert_int_equal(secrets_engine_acquire(NULL, &a, NULL), 0);
    assert_int_equal(secrets_engine_acquire(NULL, &b, NULL), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(secrets_engine_acquire(&other, &c, NULL), 0);
    assert_ptr_not_equal(a, c);
    secrets_engine_release(a);
    secrets_engine_release(c);
    secrets_engine_release(b); /* the last one frees it: LeakSanitizer would tell */
    assert_int_equal(secrets_engine_acquire(NULL, &a, NULL), 0);
    assert_non_null(a);
    secrets_engine_release(a);
    secrets_engine_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_and_counts),
        cmocka_unit_test(test_specific_beats_generic),
        cmocka_unit_test(test_base64_layer),
        cmocka_unit_test(test_url_layer),
        cmocka_unit_test(test_json_layer),
        cmocka_unit_test(test_no_double_report),
        cmocka_unit_test(test_pem_structure),
        cmocka_unit_test(test_any_bytes),
        cmocka_unit_test(test_many_findings),
        cmocka_unit_test(test_example_paths),
        cmocka_unit_test(test_custom_rules),
        cmocka_unit_test(test_custom_rule_errors),
        cmocka_unit_test(test_disabled_and_allowlists),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_base64_runs),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_shared_engine),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
