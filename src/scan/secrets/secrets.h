/* The secrets analyzer's one internal header: the rule table (rules.def), the
 * two-stage engine (Hyperscan finds candidates for every rule at once, PCRE2-JIT
 * confirms and captures in a bounded window), checksum validators, false-alarm
 * filters and the decoders of base64, URL and JSON escapes. */
#ifndef MOAT_SCAN_SECRETS_H
#define MOAT_SCAN_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hs/hs.h>
#include <moat/config.h>
#include <moat/findings.h>
#include "scan/scan.h"

/* The analyzer `moat scan` runs (listed in src/scan/analyzers.c). */
extern const struct scan_analyzer scan_secrets_analyzer;

/* What a rule checks beyond its regular expression. */
enum secrets_check {
    SECRETS_CHECK_NONE,
    SECRETS_CHECK_BASE62_CRC32, /* GitHub/npm: last 6 chars are base62 CRC32 of the 30 before */
    SECRETS_CHECK_AGE_BECH32,   /* age secret key: bech32 checksum */
    SECRETS_CHECK_JWT,          /* header and payload decode to JSON objects, header has "alg" */
    SECRETS_CHECK_PYPI,         /* PyPI token: a well-formed macaroon for pypi.org */
    SECRETS_CHECK_PEM_DER,      /* PEM body decodes to a DER SEQUENCE (unless encrypted) */
    SECRETS_CHECK_OPENSSH,      /* body decodes to "openssh-key-v1" */
    SECRETS_CHECK_PPK,          /* PuTTY private lines decode as base64 */
    SECRETS_CHECK_PGP,          /* armored body decodes to a secret-key packet */
    SECRETS_CHECK_KEY32,        /* base64 of exactly 32 bytes (WireGuard) */
    SECRETS_CHECK_DISCORD,      /* first segment is the base64 of a numeric user id */
    SECRETS_CHECK_URL_PASSWORD, /* user:password in a URL or connection string, not a placeholder */
    SECRETS_CHECK_BASIC_AUTH,   /* base64 of "user:password", password not a placeholder */
    SECRETS_CHECK_GENERIC,      /* secret-named key with a high-entropy value */
    SECRETS_CHECK_VALUE,        /* the value alone must look random (the generic value test) */
    SECRETS_CHECK_GITLAB_CRC32, /* GitLab routable token: last 7 chars are base36 CRC32 of the rest
                                 */
};

/* Rule flags. */
enum {
    SECRETS_F_GENERIC = 1u << 0,  /* lower priority: dropped where a specific rule matched */
    SECRETS_F_CUSTOM = 1u << 1,   /* from .moat/config.yml */
    SECRETS_F_KEEPRUNS = 1u << 2, /* repeated characters are part of the format */
};

/* One rule. The secret is the first capture group that took part in the
 * match (custom rules: group "secret", else group 1, else the whole match). */
struct secrets_rule {
    const char *id; /* stable, kebab-case */
    enum moat_sev sev;
    enum moat_conf conf;
    const char *provider;     /* who issued it, named in the fix */
    const char *title;        /* one line */
    enum secrets_check check; /* extra validation */
    double min_entropy;       /* bits per character of the secret; 0 = no check */
    const char *keywords;     /* "a|b": one must appear near the match (any case), or NULL */
    const char *trigger;      /* Hyperscan pattern when it differs from regex, or NULL; it
                               * matches from where a regex match starts (a prefix of it),
                               * since its width bounds where PCRE2 looks */
    const char *regex;        /* PCRE2 pattern, ASCII semantics, multiline */
    unsigned flags;
};

extern const struct secrets_rule secrets_builtin_rules[];
extern const size_t secrets_builtin_count;

/* How the bytes a match was found in were encoded in the blob. */
enum secrets_layer {
    SECRETS_LAYER_PLAIN,
    SECRETS_LAYER_BASE64,
    SECRETS_LAYER_URL,
    SECRETS_LAYER_JSON,
};

/* One confirmed secret. For a decoded layer, off is the offset of the encoded
 * run in the blob; secret points into a scratch buffer and is valid only
 * during the callback. */
struct secrets_match {
    const struct secrets_rule *rule;
    size_t off; /* where to report it: the secret, or the encoded run */
    const unsigned char *secret;
    size_t secret_len;
    enum secrets_layer layer;
    enum moat_conf conf; /* the rule's, or low for a SECRETS_WEAK verdict */
};

typedef void (*secrets_match_fn)(void *ctx, const struct secrets_match *m);

struct secrets_engine;
struct secrets_scratch;

/* Compile the built-in rules plus cfg's custom rules, minus cfg's disabled
 * rules (cfg may be NULL). Returns 0, MOAT_EREGEX (naming the rule id) or
 * MOAT_EINVAL (a custom rule with a bad id or a duplicate id). */
MOAT_NODISCARD int secrets_engine_new(const struct moat_config *cfg, struct secrets_engine **out,
                                      struct moat_err *err);
void secrets_engine_free(struct secrets_engine *e);
/* The same, shared: analyzers of one scan that acquire an engine for the
 * same cfg get one engine, built once and freed with the last release. */
MOAT_NODISCARD int secrets_engine_acquire(const struct moat_config *cfg,
                                          struct secrets_engine **out, struct moat_err *err);
void secrets_engine_release(struct secrets_engine *e);
/* The rules the engine reports (borrowed from e). */
size_t secrets_engine_rules(const struct secrets_engine *e, const struct secrets_rule **out);

/* Per-thread scratch: Hyperscan scratch, PCRE2 match data, reused buffers. */
MOAT_NODISCARD int secrets_scratch_new(const struct secrets_engine *e, struct secrets_scratch **out,
                                       struct moat_err *err);
void secrets_scratch_free(struct secrets_scratch *s);

/* Scan options. */
enum {
    SECRETS_SCAN_NO_GENERIC = 1u << 0, /* skip generic rules (example and fixture files) */
};

/* Scan len bytes (any bytes: NULs, invalid UTF-8, no trailing newline) and
 * call fn for each confirmed secret, plain ones first, then those found in
 * one level of base64, URL encoding or JSON string escapes. Returns the number
 * of matches reported. */
size_t secrets_engine_scan(const struct secrets_engine *e, struct secrets_scratch *s,
                           const unsigned char *data, size_t len, unsigned flags,
                           secrets_match_fn fn, void *ctx);
/* Whether a path names documentation examples or test fixtures (a path
 * component containing example, sample, fixture, mock, dummy or fake), where
 * generic assignments are stand-ins; specific formats are still reported. */
bool secrets_path_is_example(const char *path);

/* ---- validators (validate.c) ---- */

/* What a validator sees: the buffer, the whole match and the secret. */
struct secrets_cand {
    const unsigned char *buf;
    size_t len;
    size_t start, end; /* the whole match */
    size_t soff, slen; /* the secret */
};

/* A validator's verdict. */
enum secrets_verdict {
    SECRETS_NO,   /* a look-alike: not reported */
    SECRETS_YES,  /* a credential of that format */
    SECRETS_WEAK, /* the right shape, but its structure does not check out (a PEM
                   * body that is clean base64 but not DER): reported with low
                   * confidence, since it may be a truncated or damaged key */
};

/* Run a rule's check on a candidate. */
enum secrets_verdict secrets_check(enum secrets_check check, const struct secrets_cand *c);
uint32_t secrets_crc32(const unsigned char *p, size_t n);
/* Decode standard or URL-safe base64, skipping whitespace and the two-byte
 * escapes \n \r; stops at the first other byte. Returns bytes written (at
 * most outcap). */
size_t secrets_base64_decode(const unsigned char *in, size_t n, unsigned char *out, size_t outcap);

/* ---- filters (filters.c) ---- */

/* Placeholders, documentation examples and templates: "EXAMPLE", "xxxx",
 * "<your-key>", "****", "${VAR}", "{{ x }}", runs of one character, ... */
bool secrets_is_placeholder(const unsigned char *s, size_t n, unsigned rule_flags);
/* A value published in documentation or built into an emulator. */
bool secrets_is_well_known(const unsigned char *s, size_t n);
/* A variable or template reference rather than a value. */
bool secrets_is_reference(const unsigned char *s, size_t n);
/* A key name (password, api_key, client_secret, ...) whose value is a secret,
 * and not a setting about one (password_min_length, token_expiry, ...). */
bool secrets_key_is_secret(const unsigned char *key, size_t n, bool *is_password);
/* Whether a value assigned to a secret-named key is random enough to report. */
bool secrets_value_is_secret(const unsigned char *s, size_t n, bool is_password, bool quoted);
/* A trivial password (the user name again, "postgres", "changeme", ...). */
bool secrets_is_trivial_password(const unsigned char *pw, size_t n, const unsigned char *user,
                                 size_t ulen);
double secrets_entropy(const unsigned char *s, size_t n);

/* ---- the compiled-database cache (cache.c) ---- */

#define SECRETS_CACHE_KEY 16

/* What the engine knows about each rule's trigger besides the database. */
struct secrets_width {
    size_t minw, maxw;
    unsigned char hs, prefilter;
};

/* Load the database and widths cached under key, for n rules. False when
 * there is no usable cache entry (missing, foreign, corrupt, stale). */
bool secrets_cache_load(const unsigned char key[SECRETS_CACHE_KEY], struct secrets_width *w,
                        size_t n, hs_database_t **db);
/* Store them; failures are ignored (the next scan compiles again). */
void secrets_cache_save(const unsigned char key[SECRETS_CACHE_KEY], const struct secrets_width *w,
                        size_t n, const hs_database_t *db);

/* ---- decoding (decode.c) ---- */

/* One decoded run: decoded bytes [doff, doff+dlen) came from blob bytes
 * [off, off+len). */
struct secrets_segment {
    size_t doff, dlen;
    size_t off, len;
    enum secrets_layer layer;
};

struct secrets_decoded {
    struct moat_buf buf; /* decoded runs, each followed by '\n' */
    struct secrets_segment *seg;
    size_t nseg, capseg;
};

#define SECRETS_MIN_BASE64      32 /* shorter base64 runs hold no credential worth decoding */
#define SECRETS_MAX_DECODED     (8u << 20) /* decoded bytes per blob */
#define SECRETS_MAX_JSON_STRING 16384      /* longer escaped strings are whole files */

void secrets_decoded_init(struct secrets_decoded *d);
void secrets_decoded_release(struct secrets_decoded *d);
void secrets_decoded_reset(struct secrets_decoded *d);
/* Append the decodings of the blob's base64 runs (from byte from on) that
 * decode to text. */
void secrets_decode_base64(struct secrets_decoded *d, const unsigned char *p, size_t len,
                           size_t from);
/* Append the decodings of %xx-encoded runs. */
void secrets_decode_url(struct secrets_decoded *d, const unsigned char *p, size_t len, size_t from);
/* Append the decodings of double-quoted strings holding backslash escapes. */
void secrets_decode_json(struct secrets_decoded *d, const unsigned char *p, size_t len,
                         size_t from);

#endif
