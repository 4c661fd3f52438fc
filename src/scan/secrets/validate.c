/* Validators: checksums and structure that tell a real credential from a
 * look-alike (GitHub/npm CRC32, age bech32, PGP CRC24, PyPI macaroons, JWT
 * headers, DER inside PEM, OpenSSH key magic), and the user:password checks
 * of URLs, Basic auth and generic assignments. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "secrets.h"
#include "core/banned.h"

#define MAX_DECODED 16384 /* bytes of a key body we decode: a 4096-bit RSA key is ~2.4 KB */

uint32_t secrets_crc32(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

size_t secrets_base64_decode(const unsigned char *in, size_t n, unsigned char *out, size_t outcap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int v = b64val(in[i]);
        if (v < 0) {
            if (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n')
                continue;
            if (in[i] == '\\' && i + 1 < n && (in[i + 1] == 'n' || in[i + 1] == 'r')) {
                i++;
                continue;
            }
            break;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == outcap)
                break;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

/* ---- GitHub and npm: CRC32 of the 30 random characters, base62, 6 chars ---- */

static bool check_base62_crc32(const unsigned char *s, size_t n)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const unsigned char *body;
    uint32_t crc;
    char enc[6];

    if (n < 36)
        return false;
    body = s + n - 36;
    crc = secrets_crc32(body, 30);
    for (int i = 5; i >= 0; i--) {
        enc[i] = alphabet[crc % 62];
        crc /= 62;
    }
    return memcmp(enc, body + 30, 6) == 0;
}

/* ---- GitLab routable tokens: base36 CRC32 of everything before it, 7 chars ---- */

static bool check_gitlab_crc32(const unsigned char *s, size_t n)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint32_t crc;
    char enc[7];

    if (!memchr(s, '.', n))
        return true; /* the older format: 20 random characters, no checksum */
    if (n < 8)
        return false;
    crc = secrets_crc32(s, n - 7);
    for (int i = 6; i >= 0; i--) {
        enc[i] = alphabet[crc % 36];
        crc /= 36;
    }
    return memcmp(enc, s + n - 7, 7) == 0;
}

/* ---- age: bech32 with the human-readable part "age-secret-key-" ---- */

static uint32_t bech32_polymod_step(uint32_t chk, int v)
{
    static const uint32_t gen[5] = { 0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                     0x2a1462b3u };
    uint32_t top = chk >> 25;

    chk = ((chk & 0x1ffffffu) << 5) ^ (uint32_t)v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1u)
            chk ^= gen[i];
    return chk;
}

static bool check_bech32(const unsigned char *s, size_t n)
{
    static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    size_t sep = 0;
    uint32_t chk = 1;

    for (size_t i = 0; i < n; i++)
        if (s[i] == '1')
            sep = i;
    if (sep == 0 || n - sep - 1 < 6 || n > 200)
        return false;
    for (size_t i = 0; i < sep; i++)
        chk = bech32_polymod_step(chk, (s[i] | 0x20) >> 5);
    chk = bech32_polymod_step(chk, 0);
    for (size_t i = 0; i < sep; i++)
        chk = bech32_polymod_step(chk, (s[i] | 0x20) & 31);
    for (size_t i = sep + 1; i < n; i++) {
        const char *p = strchr(charset, s[i] | 0x20);
        if (!p || !s[i])
            return false;
        chk = bech32_polymod_step(chk, (int)(p - charset));
    }
    return chk == 1;
}

/* ---- JWT ---- */

static json_t *decode_json_segment(const unsigned char *p, size_t n)
{
    unsigned char buf[4096];
    size_t m;

    if (n > sizeof(buf) * 4 / 3)
        return NULL;
    m = secrets_base64_decode(p, n, buf, sizeof(buf));
    if (m < 2 || buf[0] != '{')
        return NULL;
    return json_loadb((const char *)buf, m, JSON_REJECT_DUPLICATES, NULL);
}

static bool check_jwt(const unsigned char *s, size_t n)
{
    const unsigned char *dot1 = memchr(s, '.', n), *dot2;
    json_t *hdr = NULL, *payload = NULL, *alg;
    bool ok = false;

    if (!dot1 || !(dot2 = memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - s))))
        return false;
    hdr = decode_json_segment(s, (size_t)(dot1 - s));
    payload = decode_json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!hdr || !json_is_object(hdr) || !payload || !json_is_object(payload))
        goto out;
    alg = json_object_get(hdr, "alg");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "none") == 0)
        goto out;
    /* A token that grants anything names an issuer, a subject, an audience
     * or a lifetime; {"some": "payload"} is a tutorial's. */
    if (!json_object_get(payload, "iss") && !json_object_get(payload, "sub") &&
        !json_object_get(payload, "aud") && !json_object_get(payload, "exp") &&
        !json_object_get(payload, "iat") && !json_object_get(payload, "nbf") &&
        !json_object_get(payload, "jti"))
        goto out;
    {
        const char *k;
        json_t *v;
        json_object_foreach(payload, k, v)
        {
            if (json_is_string(v) &&
                secrets_is_placeholder((const unsigned char *)json_string_value(v),
                                       strlen(json_string_value(v)), 0) &&
                strlen(json_string_value(v)) >= 8)
                goto out;
        }
    }
    /* jwt.io's example, copied into countless READMEs and tests */
    {
        json_t *name = json_object_get(payload, "name"), *sub = json_object_get(payload, "sub");
        if ((json_is_string(name) && strcmp(json_string_value(name), "John Doe") == 0) ||
            (json_is_string(sub) && strcmp(json_string_value(sub), "1234567890") == 0))
            goto out;
    }
    ok = true;
out:
    json_decref(hdr);
    json_decref(payload);
    return ok;
}

/* ---- PyPI: "pypi-" + base64url of a version-2 macaroon whose location is
 * pypi.org (or test.pypi.org) and which ends with a 32-byte signature ---- */

static bool read_varint(const unsigned char *p, size_t n, size_t *pos, size_t *out)
{
    size_t v = 0;

    for (int shift = 0; shift < 28; shift += 7) {
        if (*pos >= n)
            return false;
        v |= (size_t)(p[*pos] & 0x7f) << shift;
        if (!(p[(*pos)++] & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* One section: fields until EOS. Sets *has_id when it has an identifier. */
static bool read_section(const unsigned char *p, size_t n, size_t *pos, bool *has_id)
{
    *has_id = false;
    for (int fields = 0; fields < 8; fields++) {
        size_t type, len;
        if (!read_varint(p, n, pos, &type))
            return false;
        if (type == 0)
            return true;
        if (type > 4 || !read_varint(p, n, pos, &len) || len > n - *pos)
            return false;
        if (type == 2)
            *has_id = true;
        *pos += len;
    }
    return false;
}

static bool check_pypi(const unsigned char *s, size_t n)
{
    unsigned char buf[1024];
    size_t m, pos = 1, type, len;
    bool has_id;

    if (n < 6 || memcmp(s, "pypi-", 5) != 0)
        return false;
    m = secrets_base64_decode(s + 5, n - 5, buf, sizeof(buf));
    if (m < 48 || buf[0] != 2)
        return false;
    if (!read_section(buf, m, &pos, &has_id) || !has_id)
        return false;
    for (int caveats = 0;; caveats++) {
        if (pos >= m || caveats > 64)
            return false;
        if (buf[pos] == 0) {
            pos++;
            break;
        }
        if (!read_section(buf, m, &pos, &has_id) || !has_id)
            return false;
    }
    if (!read_varint(buf, m, &pos, &type) || type != 6 || !read_varint(buf, m, &pos, &len))
        return false;
    return len == 32 && pos + 32 == m;
}

/* ---- PEM-style armored bodies ---- */

struct armor {
    unsigned char *out;
    size_t len;
    bool encrypted; /* Proc-Type: 4,ENCRYPTED or an encrypted header */
    bool has_crc;   /* PGP "=XXXX" line */
    unsigned char crc[3];
};

/* c is one of the bytes of set (never the NUL that ends it). */
static bool in_set(int c, const char *set)
{
    return c != 0 && strchr(set, c) != NULL;
}

static bool is_b64char(int c)
{
    return b64val(c) >= 0 || c == '=';
}

/* Trim what code wraps around a line of a key: spaces, quotes, and the "+"
 * or "," that concatenates strings. A "+" goes only next to a quote, since
 * base64 lines may begin or end with one. */
static void trim_line(const unsigned char *p, size_t *bp, size_t *ep)
{
    size_t b = *bp, e = *ep;

    for (;;) {
        size_t b0 = b, e0 = e;
        while (b < e && (p[b] == ' ' || p[b] == '\t'))
            b++;
        while (e > b && in_set(p[e - 1], " \t,;)\\"))
            e--;
        if (b < e && (p[b] == '"' || p[b] == '\''))
            b++;
        if (e > b && (p[e - 1] == '"' || p[e - 1] == '\''))
            e--;
        if (b < e && p[b] == '+' && b + 1 < e && in_set(p[b + 1], " \t\"'"))
            b++;
        if (e > b && p[e - 1] == '+' && e - 1 > b && in_set(p[e - 2], " \t\"'"))
            e--;
        if (e > b && e - b == 1 && p[b] == '+')
            e = b; /* a lone concatenation operator */
        if (b == b0 && e == e0)
            break;
    }
    *bp = b;
    *ep = e;
}

/* Decode a body whose lines are separated by real newlines or by the escapes
 * \n and \r (JSON, code strings), each line possibly wrapped in quotes, "+"
 * or "," (string concatenation in code). Header lines ("Key: value") are
 * skipped. Any other line fails: "...", "<your key here>". */
static bool armor_decode(const unsigned char *p, size_t n, unsigned char *out, size_t cap,
                         struct armor *a)
{
    unsigned char chars[MAX_DECODED * 4 / 3 + 4];
    size_t nc = 0, i = 0;

    memset(a, 0, sizeof(*a));
    a->out = out;
    while (i < n) {
        size_t b = i, e;
        /* the line: up to a newline or a \n \r escape */
        while (i < n && p[i] != '\n' && p[i] != '\r' &&
               !(p[i] == '\\' && i + 1 < n && (p[i + 1] == 'n' || p[i + 1] == 'r')))
            i++;
        e = i;
        if (i < n)
            i += p[i] == '\\' ? 2 : 1;
        trim_line(p, &b, &e);
        if (b == e)
            continue;
        if (memchr(p + b, ':', e - b)) {
            if (moat_memcasemem((const char *)p + b, e - b, "ENCRYPTED", 9))
                a->encrypted = true;
            continue;
        }
        if (p[b] == '=' && e - b == 5) {
            unsigned char crc[4];
            if (secrets_base64_decode(p + b + 1, 4, crc, 3) == 3) {
                memcpy(a->crc, crc, 3);
                a->has_crc = true;
            }
            continue;
        }
        for (size_t k = b; k < e; k++) {
            if (!is_b64char(p[k]) || nc == sizeof(chars))
                return false;
            chars[nc++] = p[k];
        }
    }
    a->len = secrets_base64_decode(chars, nc, out, cap);
    return a->len > 0;
}

/* A DER SEQUENCE that spans the whole decoded body. */
static bool is_der_sequence(const unsigned char *d, size_t n)
{
    size_t len, hdr;

    if (n < 40 || d[0] != 0x30)
        return false;
    if (d[1] < 0x80) {
        len = d[1];
        hdr = 2;
    } else if (d[1] == 0x81) {
        len = d[2];
        hdr = 3;
    } else if (d[1] == 0x82) {
        len = ((size_t)d[2] << 8) | d[3];
        hdr = 4;
    } else {
        return false;
    }
    return hdr + len <= n && n - (hdr + len) <= 2;
}

/* A body with junk lines ("...", "<key>") is a placeholder; a clean body
 * that is not the right structure may be a damaged or truncated key. */
static enum secrets_verdict check_pem_der(const unsigned char *s, size_t n)
{
    unsigned char out[MAX_DECODED];
    struct armor a;

    if (!armor_decode(s, n, out, sizeof(out), &a) || a.len < 40)
        return SECRETS_NO;
    if (a.encrypted)
        return a.len >= 64 ? SECRETS_YES : SECRETS_NO;
    if (is_der_sequence(out, a.len))
        return SECRETS_YES;
    return a.len >= 64 ? SECRETS_WEAK : SECRETS_NO;
}

static enum secrets_verdict check_openssh(const unsigned char *s, size_t n)
{
    unsigned char out[MAX_DECODED];
    struct armor a;

    if (!armor_decode(s, n, out, sizeof(out), &a) || a.len < 64)
        return SECRETS_NO;
    return memcmp(out, "openssh-key-v1", 15) == 0 ? SECRETS_YES : SECRETS_WEAK;
}

static uint32_t crc24(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xb704ceu;

    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 16;
        for (int k = 0; k < 8; k++) {
            crc <<= 1;
            if (crc & 0x1000000u)
                crc ^= 0x1864cfbu;
        }
    }
    return crc & 0xffffffu;
}

static bool check_pgp(const unsigned char *s, size_t n)
{
    unsigned char out[MAX_DECODED];
    struct armor a;
    int tag;

    if (!armor_decode(s, n, out, sizeof(out), &a) || a.len < 32 || !(out[0] & 0x80))
        return false;
    tag = (out[0] & 0x40) ? out[0] & 0x3f : (out[0] >> 2) & 0x0f;
    if (tag != 5)
        return false; /* not a secret-key packet */
    if (a.has_crc) {
        uint32_t want = ((uint32_t)a.crc[0] << 16) | ((uint32_t)a.crc[1] << 8) | a.crc[2];
        return crc24(out, a.len) == want;
    }
    return true;
}

static bool check_ppk(const unsigned char *s, size_t n)
{
    unsigned char out[MAX_DECODED];
    struct armor a;

    return armor_decode(s, n, out, sizeof(out), &a) && a.len >= 16;
}

static bool check_key32(const unsigned char *s, size_t n)
{
    unsigned char out[40];

    return n == 44 && secrets_base64_decode(s, n, out, sizeof(out)) == 32;
}

/* Discord bot token: base64(user id) . timestamp . HMAC */
static bool check_discord(const unsigned char *s, size_t n)
{
    const unsigned char *dot = memchr(s, '.', n);
    unsigned char id[32];
    size_t m;

    if (!dot)
        return false;
    m = secrets_base64_decode(s, (size_t)(dot - s), id, sizeof(id));
    if (m < 17 || m > 20)
        return false;
    for (size_t i = 0; i < m; i++)
        if (id[i] < '0' || id[i] > '9')
            return false;
    return true;
}

/* User names only documentation uses. */
static bool doc_user(const unsigned char *u, size_t n)
{
    static const char *const names[] = { "user",  "username", "usr", "myuser",  "yourname",
                                         "name",  "login",    "foo", "someone", "jdoe",
                                         "alice", "bob",      "abc" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && strncasecmp((const char *)u, names[i], n) == 0)
            return true;
    return false;
}

static bool host_is(const unsigned char *h, size_t n, const char *name, bool suffix)
{
    size_t m = strlen(name);

    if (n == m && strncasecmp((const char *)h, name, n) == 0)
        return true;
    return suffix && n > m && h[n - m - 1] == '.' &&
           strncasecmp((const char *)h + n - m, name, m) == 0;
}

/* The host after "@": reserved documentation names (RFC 2606, RFC 6761) and,
 * for http(s) URLs, the loopback, where only tests and examples put
 * passwords in URLs. */
static bool doc_host(const struct secrets_cand *c)
{
    static const char *const docs[] = { "example.com",     "example.org", "example.net",
                                        "example",         "test",        "invalid",
                                        "localhost",       "domain.com",  "yourdomain.com",
                                        "mydomain.com",    "company.com", "mycompany.com",
                                        "yourcompany.com", "host.com",    "server.com",
                                        "foo.com",         "bar.com",     "foo" };
    size_t a = c->soff + c->slen, b;

    if (a >= c->end || c->buf[a] != '@')
        return false;
    b = ++a;
    while (b < c->end && (isalnum(c->buf[b]) || c->buf[b] == '.' || c->buf[b] == '-'))
        b++;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        if (host_is(c->buf + a, b - a, docs[i], true))
            return true;
    if (c->end - c->start > 4 && strncasecmp((const char *)c->buf + c->start, "http", 4) == 0)
        return host_is(c->buf + a, b - a, "127.0.0.1", false) ||
               host_is(c->buf + a, b - a, "0.0.0.0", false);
    return false;
}

/* The user of scheme://user:password@host, or of "User ID=u;Password=p". */
static bool check_url_password(const struct secrets_cand *c)
{
    const unsigned char *pw = c->buf + c->soff, *u;
    size_t ulen = 0;

    if (c->soff > 0 && c->buf[c->soff - 1] == ':') {
        size_t k = c->soff - 1;
        while (k > c->start && k > 0 && !in_set(c->buf[k - 1], "/:;= \t\"'"))
            k--;
        u = c->buf + k;
        ulen = c->soff - 1 - k;
    } else {
        u = pw;
    }
    /* host:port, not user:password; and passwords this short are examples */
    if (c->slen < 6)
        return false;
    if (doc_user(u, ulen) || doc_host(c))
        return false;
    return !secrets_is_trivial_password(pw, c->slen, u, ulen);
}

/* "Authorization: Basic <base64 of user:password>" and docker "auth". */
static bool check_basic_auth(const unsigned char *s, size_t n)
{
    unsigned char out[512];
    size_t m = secrets_base64_decode(s, n, out, sizeof(out));
    const unsigned char *colon;

    if (m < 5 || m == sizeof(out))
        return false;
    for (size_t i = 0; i < m; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            return false;
    colon = memchr(out, ':', m);
    if (!colon || colon == out)
        return false;
    return !secrets_is_trivial_password(colon + 1, (size_t)(out + m - colon - 1), out,
                                        (size_t)(colon - out));
}

static bool is_keychar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '$';
}

/* The key that ends at k (after spaces, quotes and a "]"), or false. */
static bool key_before(const unsigned char *b, size_t k, size_t *ks, size_t *ke)
{
    size_t kend, kstart;

    while (k > 0 && (b[k - 1] == ' ' || b[k - 1] == '\t'))
        k--;
    while (k > 0 && in_set(b[k - 1], "\"'`\\]"))
        k--;
    kend = k;
    while (k > 0 && kend - k < 80 && is_keychar(b[k - 1]))
        k--;
    kstart = k;
    while (kstart < kend && (b[kstart] == '-' || b[kstart] == '$' || b[kstart] == '.'))
        kstart++;
    *ks = kstart;
    *ke = kend;
    return kstart < kend;
}

/* The name of a name/value pair ("- name: DB_PASSWORD" then "value: ...",
 * {"name": "X", "value": "..."}): the last "name" key within 300 bytes
 * before the value key at v. */
static bool name_of_pair(const unsigned char *b, size_t v, size_t *ks, size_t *ke)
{
    size_t lo = v > 300 ? v - 300 : 0;

    for (size_t i = v; i >= lo + 4; i--) {
        size_t j = i, a;
        if (strncasecmp((const char *)b + i - 4, "name", 4) != 0 || (i > 4 && is_keychar(b[i - 5])))
            continue;
        if (j < v && b[j] == '"')
            j++;
        while (j < v && (b[j] == ' ' || b[j] == '\t'))
            j++;
        if (j >= v || b[j] != ':')
            continue;
        j++;
        while (j < v && (b[j] == ' ' || b[j] == '\t' || b[j] == '"' || b[j] == '\''))
            j++;
        a = j;
        while (j < v && is_keychar(b[j]))
            j++;
        *ks = a;
        *ke = j;
        return j > a;
    }
    return false;
}

/* Walk back from the value over quotes, a string prefix (b"", @""), the
 * operator and spaces to the key. */
static bool check_generic(const struct secrets_cand *c)
{
    const unsigned char *b = c->buf;
    size_t k = c->soff, kend, kstart;
    bool quoted = k > 0 && (b[k - 1] == '"' || b[k - 1] == '\'' || b[k - 1] == '`');
    bool is_password;

    while (k > 0 && in_set(b[k - 1], "\"'`\\"))
        k--;
    if (quoted && k > 1 && in_set(b[k - 1], "bBrRuU@") && in_set(b[k - 2], " \t=:(,"))
        k--;
    while (k > 0 && (b[k - 1] == ' ' || b[k - 1] == '\t'))
        k--;
    while (k > 0 && in_set(b[k - 1], "=:>(?,!"))
        k--;
    if (!key_before(b, k, &kstart, &kend))
        return false;
    /* a test result, not a key: "PASS: addr2line -f option" (Automake, DejaGnu, TAP) */
    if (kend - kstart == 4 && memcmp(b + kstart, "PASS", 4) == 0 && kend < c->soff &&
        b[kend] == ':')
        return false;
    /* <add key="ApiKey" value="...">, <property name="password" value="...">: the name is
     * the key or name attribute */
    if (kend - kstart == 5 && strncasecmp((const char *)b + kstart, "value", 5) == 0) {
        size_t a = kstart > 200 ? kstart - 200 : 0;
        const unsigned char *q = NULL;
        for (size_t i = kstart; i > a + 4; i--) {
            if (strncasecmp((const char *)b + i - 5, "key=\"", 5) == 0) {
                q = b + i;
                break;
            }
            if (i > a + 5 && strncasecmp((const char *)b + i - 6, "name=\"", 6) == 0) {
                q = b + i;
                break;
            }
        }
        if (q) {
            const unsigned char *qe = memchr(q, '"', (size_t)(b + kstart - q));
            if (qe) {
                kstart = (size_t)(q - b);
                kend = (size_t)(qe - b);
            }
        } else if (!name_of_pair(b, kstart, &kstart, &kend)) {
            return false;
        }
    }
    /* name: Type = "..." (Python, TypeScript, Kotlin, Rust): the key is
     * before the annotation */
    if (!secrets_key_is_secret(b + kstart, kend - kstart, &is_password)) {
        size_t t = kstart;
        if (t > 0 && b[t - 1] == '&')
            t--;
        while (t > 0 && (b[t - 1] == ' ' || b[t - 1] == '\t'))
            t--;
        if (t < 2 || b[t - 1] != ':' || b[t - 2] == ':' || !key_before(b, t - 1, &kstart, &kend) ||
            !secrets_key_is_secret(b + kstart, kend - kstart, &is_password))
            return false;
    }
    return secrets_value_is_secret(b + c->soff, c->slen, is_password, quoted);
}

/* A bearer token alone: a JWT must pass the JWT checks (jwt.io's example
 * is in every API guide), anything else the generic value test. */
static bool check_value(const unsigned char *s, size_t n)
{
    const unsigned char *dot = n > 3 ? memchr(s, '.', n) : NULL;

    if (dot && memcmp(s, "eyJ", 3) == 0 && memchr(dot + 1, '.', n - (size_t)(dot + 1 - s)))
        return check_jwt(s, n);
    return secrets_value_is_secret(s, n, false, true);
}

static enum secrets_verdict yes(bool ok)
{
    return ok ? SECRETS_YES : SECRETS_NO;
}

enum secrets_verdict secrets_check(enum secrets_check check, const struct secrets_cand *c)
{
    const unsigned char *s = c->buf + c->soff;
    size_t n = c->slen;

    switch (check) {
    case SECRETS_CHECK_NONE: return SECRETS_YES;
    case SECRETS_CHECK_BASE62_CRC32: return yes(check_base62_crc32(s, n));
    case SECRETS_CHECK_AGE_BECH32: return yes(check_bech32(s, n));
    case SECRETS_CHECK_JWT: return yes(check_jwt(s, n));
    case SECRETS_CHECK_PYPI: return yes(check_pypi(s, n));
    case SECRETS_CHECK_PEM_DER: return check_pem_der(s, n);
    case SECRETS_CHECK_OPENSSH: return check_openssh(s, n);
    case SECRETS_CHECK_PPK: return yes(check_ppk(s, n));
    case SECRETS_CHECK_PGP: return yes(check_pgp(s, n));
    case SECRETS_CHECK_KEY32: return yes(check_key32(s, n));
    case SECRETS_CHECK_DISCORD: return yes(check_discord(s, n));
    case SECRETS_CHECK_URL_PASSWORD: return yes(check_url_password(c));
    case SECRETS_CHECK_BASIC_AUTH: return yes(check_basic_auth(s, n));
    case SECRETS_CHECK_GENERIC: return yes(check_generic(c));
    case SECRETS_CHECK_VALUE: return yes(check_value(s, n));
    case SECRETS_CHECK_GITLAB_CRC32: return yes(check_gitlab_crc32(s, n));
    }
    return SECRETS_NO;
}
