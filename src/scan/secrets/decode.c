/* One level of decoding for the secrets engine: base64 runs that decode to
 * text, %xx-encoded runs and JSON strings with backslash escapes. Each decoded
 * run is appended to one buffer, with a segment saying where it came from, so
 * the engine scans all of them with one Hyperscan call. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "secrets.h"
#include "core/banned.h"

#define MAX_SEGMENTS 65536 /* decoded runs per blob */
#define MIN_DECODED  16    /* shorter decodings hold no credential */
#define MAX_URL_RUN  4096  /* bytes of a URL-encoded run looked at before its first escape */

void secrets_decoded_init(struct secrets_decoded *d)
{
    moat_buf_init(&d->buf, SECRETS_MAX_DECODED + 1);
    d->seg = NULL;
    d->nseg = d->capseg = 0;
}

void secrets_decoded_release(struct secrets_decoded *d)
{
    moat_buf_release(&d->buf);
    free(d->seg);
    d->seg = NULL;
    d->nseg = d->capseg = 0;
}

void secrets_decoded_reset(struct secrets_decoded *d)
{
    moat_buf_reset(&d->buf);
    d->nseg = 0;
}

/* Reserve room for n decoded bytes plus the separator; NULL when over the
 * per-blob cap (the rest of the blob is then not decoded). */
static unsigned char *reserve(struct secrets_decoded *d, size_t n)
{
    if (d->nseg >= MAX_SEGMENTS || n + 1 > SECRETS_MAX_DECODED - d->buf.len)
        return NULL;
    if (moat_buf_grow(&d->buf, n + 1) != 0)
        return NULL;
    return (unsigned char *)d->buf.data + d->buf.len;
}

/* Keep the n bytes just written by the caller at the reserved place. */
static void commit(struct secrets_decoded *d, size_t n, size_t off, size_t len,
                   enum secrets_layer layer)
{
    if (d->nseg == d->capseg) {
        d->capseg = d->capseg ? d->capseg * 2 : 64;
        d->seg = moat_realloc(d->seg, d->capseg * sizeof(*d->seg));
    }
    d->seg[d->nseg++] = (struct secrets_segment){ d->buf.len, n, off, len, layer };
    d->buf.data[d->buf.len + n] = '\n';
    d->buf.len += n + 1;
    d->buf.data[d->buf.len] = '\0';
}

/* ---- base64 ---- */

/* base64 digit values; both alphabets (+/ and -_), -1 elsewhere */
static const signed char b64tab[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1, -1, 0,  1,  2,  3,  4,  5,  6,
    7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static bool is_text(const unsigned char *p, size_t n)
{
    size_t bad = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == 0)
            return false;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f)
            bad++;
    }
    return bad * 20 <= n;
}

static size_t b64_run(const unsigned char *p, size_t n, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        acc = (acc << 6) | (uint32_t)b64tab[p[i]];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

/* Standard base64 only: the URL-safe alphabet adds "_" and "-", which would
 * make every long identifier and CSS class name a candidate run. */
static bool b64std(unsigned char c)
{
    return b64tab[c] >= 0 && c != '_' && c != '-';
}

static bool all_hex(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit(p[i]))
            return false;
    return true;
}

/* Bit i set when p[i] is a standard base64 character, for 64 bytes. The
 * AVX2 version classifies 32 bytes with two nibble lookups: the low nibble
 * gives the set of high nibbles it is valid with (bit k: high nibble k+2). */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static uint64_t b64mask64_avx2(const unsigned char *p)
{
    const __m256i lo_lut =
        _mm256_setr_epi8(0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3c, 0x15,
                         0x14, 0x14, 0x14, 0x15, 0x2a, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
                         0x3e, 0x3e, 0x3c, 0x15, 0x14, 0x14, 0x14, 0x15);
    const __m256i hi_lut =
        _mm256_setr_epi8(0, 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                         0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    uint64_t m = 0;

    for (int k = 0; k < 2; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * k));
        __m256i lo = _mm256_shuffle_epi8(lo_lut, _mm256_and_si256(v, nib));
        __m256i hi = _mm256_shuffle_epi8(hi_lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
        __m256i bad = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
        m |= (uint64_t)(uint32_t)~_mm256_movemask_epi8(bad) << (32 * k);
    }
    return m;
}
#endif

static uint64_t b64mask64_sse2(const unsigned char *p)
{
#ifdef __SSE2__
    uint64_t m = 0;

    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        /* signed compares: bytes >= 0x80 are negative and fail every range */
        __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
        __m128i lo = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
        __m128i dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i ps = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
        __m128i all = _mm_or_si128(_mm_or_si128(up, lo), _mm_or_si128(dg, ps));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(all) << (16 * k);
    }
    return m;
#else
    uint64_t m = 0;

    for (int i = 0; i < 64; i++)
        if (b64std(p[i]))
            m |= 1ull << i;
    return m;
#endif
}

typedef uint64_t (*b64mask_fn)(const unsigned char *p);

static b64mask_fn b64mask_pick(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2"))
        return b64mask64_avx2;
#endif
    return b64mask64_sse2;
}

/* Decode the run [a, b) of p[0, len) when it decodes to text. A run padded
 * with "=" ends in a partial quantum (2 or 3 characters: 1 or 2 bytes),
 * which is decoded too: it holds the end of the text, such as the dashes
 * that close a PEM key. */
static void b64_candidate(struct secrets_decoded *d, const unsigned char *p, size_t len, size_t a,
                          size_t b)
{
    size_t n = b - a, m, q = n / 4 * 4;
    unsigned char probe[48], *out;

    if (n % 4 >= 2 && b < len && p[b] == '=')
        q = n;

    /* Binary decodings are dropped after 12 bytes (most runs in code are
     * identifiers glued by + and /), then after 48; a digest in hex is not
     * base64 of anything. */
    if (n < SECRETS_MIN_BASE64)
        return;
    m = b64_run(p + a, 16, probe);
    if (!is_text(probe, m))
        return;
    m = b64_run(p + a, n < 64 ? n / 4 * 4 : 64, probe);
    if (!is_text(probe, m) || all_hex(p + a, n))
        return;
    if ((out = reserve(d, q * 3 / 4)) != NULL) {
        m = b64_run(p + a, q, out);
        if (m >= MIN_DECODED && is_text(out, m))
            commit(d, m, a, n, SECRETS_LAYER_BASE64);
    }
}

/* Find runs of at least SECRETS_MIN_BASE64 base64 characters 64 bytes at a
 * time: a run of 32 ones inside a window shows up in the AND of the mask
 * with itself shifted 1, 2, 4, 8 and 16 places; a run across windows is
 * carried as the count of ones at the window's top. */
void secrets_decode_base64(struct secrets_decoded *d, const unsigned char *p, size_t len,
                           size_t from)
{
    size_t w, carry = 0; /* ones at the top of the windows so far */
    b64mask_fn mask = b64mask_pick();

    if (from > len)
        return;
    while (from > 0 && b64std(p[from - 1]))
        from--; /* start at a run's first character, where its quanta begin */
    w = from;
    while (w < len) {
        uint64_t m, r;
        size_t low, high;

        if (len - w >= 64) {
            m = mask(p + w);
        } else {
            m = 0;
            for (size_t i = 0; i < len - w; i++)
                if (b64std(p[w + i]))
                    m |= 1ull << i;
        }
        if (m == ~0ull) {
            carry += 64;
            w += 64;
            continue;
        }
        low = (size_t)__builtin_ctzll(~m);
        high = (size_t)__builtin_clzll(~m);
        if (len - w < 64)
            high = 0; /* the tail: no run continues past the end */
        if (carry) {
            if (carry + low >= SECRETS_MIN_BASE64)
                b64_candidate(d, p, len, w - carry, w + low);
            m &= ~((2ull << low) - 1); /* that run is done, with its end */
        }
        if (high)
            m &= ~0ull >> high; /* the top run continues in the next window */
        r = m & (m >> 1);
        r &= r >> 2;
        r &= r >> 4;
        r &= r >> 8;
        r &= r >> 16;
        while (r) {
            size_t s = (size_t)__builtin_ctzll(r), e = s;
            while (e < 64 && (m >> e) & 1)
                e++;
            b64_candidate(d, p, len, w + s, w + e);
            if (e >= 64)
                break;
            r &= ~0ull << e;
        }
        carry = high;
        w += 64;
    }
    if (carry >= SECRETS_MIN_BASE64)
        b64_candidate(d, p, len, len - carry, len);
}

/* ---- URL encoding ---- */

static bool url_stop(int c)
{
    return c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' || c == '(' ||
           c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\\' || c >= 0x7f;
}

void secrets_decode_url(struct secrets_decoded *d, const unsigned char *p, size_t len, size_t from)
{
    size_t i = from, floor = 0; /* runs before floor are done */

    while (i < len) {
        const unsigned char *q = memchr(p + i, '%', len - i);
        size_t k, a, b, n;
        unsigned char *out;

        if (!q)
            break;
        k = (size_t)(q - p);
        if (k + 2 >= len || moat_hexval((unsigned char)p[k + 1]) < 0 ||
            moat_hexval((unsigned char)p[k + 2]) < 0) {
            i = k + 1;
            continue;
        }
        a = k; /* the run may start before the first escape, even before from */
        while (a > floor && k - a < MAX_URL_RUN && !url_stop(p[a - 1]))
            a--;
        b = k;
        while (b < len && !url_stop(p[b]))
            b++;
        if (b - a >= MIN_DECODED && (out = reserve(d, b - a)) != NULL) {
            n = 0;
            for (size_t x = a; x < b; x++) {
                if (p[x] == '%' && x + 2 < b && moat_hexval((unsigned char)p[x + 1]) >= 0 &&
                    moat_hexval((unsigned char)p[x + 2]) >= 0) {
                    out[n++] = (unsigned char)(moat_hexval((unsigned char)p[x + 1]) * 16 +
                                               moat_hexval((unsigned char)p[x + 2]));
                    x += 2;
                } else {
                    out[n++] = p[x];
                }
            }
            commit(d, n, a, b - a, SECRETS_LAYER_URL);
        }
        i = floor = b;
    }
}

/* ---- JSON string escapes ---- */

static int hex4(const unsigned char *p)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        int h = moat_hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Unescape p[0..n) into out (which has room for n bytes: no escape grows). */
static size_t json_unescape(const unsigned char *p, size_t n, unsigned char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\\' || i + 1 >= n) {
            out[o++] = p[i];
            continue;
        }
        switch (p[++i]) {
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'u': {
            int cp = i + 4 < n ? hex4(p + i + 1) : -1;
            if (cp < 0) {
                out[o++] = 'u';
                break;
            }
            i += 4;
            /* a surrogate pair is 12 bytes in, at most 4 out */
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && p[i + 1] == '\\' && p[i + 2] == 'u') {
                int lo = hex4(p + i + 3);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = '?';
            o += moat_utf8_encode((uint32_t)cp, out + o);
            break;
        }
        default: out[o++] = p[i]; break; /* \" \\ \/ and the rest: the character itself */
        }
    }
    return o;
}

static bool escaped(const unsigned char *p, size_t at, size_t floor)
{
    size_t nb = 0;

    while (at > floor + nb && p[at - 1 - nb] == '\\')
        nb++;
    return nb % 2 == 1;
}

/* The closing quote of a string going on at p[j], on the same line, within
 * SECRETS_MAX_JSON_STRING bytes; SIZE_MAX if none. *stop is where the search
 * ended, so the caller moves past it. */
static size_t string_close(const unsigned char *p, size_t len, size_t j, size_t *stop)
{
    size_t limit = len - j > SECRETS_MAX_JSON_STRING ? j + SECRETS_MAX_JSON_STRING : len;

    for (size_t x = j; x < limit;) {
        const unsigned char *q = memchr(p + x, '"', limit - x);
        size_t e = q ? (size_t)(q - p) : limit;
        if (memchr(p + x, '\n', e - x)) {
            *stop = (size_t)((const unsigned char *)memchr(p + x, '\n', e - x) - p);
            return SIZE_MAX;
        }
        if (!q)
            break;
        if (!escaped(p, e, j))
            return *stop = e;
        x = e + 1;
    }
    *stop = limit;
    return SIZE_MAX;
}

/* Strings whose escapes change what the rules see: \n and \r (line-anchored
 * and multi-line formats: PEM keys, .env files inside JSON), \/ and \uXXXX.
 * Escaped quotes and backslashes need no decoding, the rules accept them.
 * Each such escape is found with memchr; its string is the nearest unescaped
 * quote before it on the same line up to the next one after it. Strings
 * without escapes are never looked at. */
void secrets_decode_json(struct secrets_decoded *d, const unsigned char *p, size_t len, size_t from)
{
    size_t i = from, floor = from; /* no string starts before floor */

    if (from > len)
        return;
    while (floor > 0 && p[floor - 1] != '\n')
        floor--;
    while (i + 1 < len) {
        const unsigned char *bs = memchr(p + i, '\\', len - i - 1);
        size_t x, a, e, stop, n, floor0;
        unsigned char *out;

        if (!bs)
            break;
        x = (size_t)(bs - p);
        if (p[x + 1] != 'n' && p[x + 1] != 'r' && p[x + 1] != 'u' && p[x + 1] != '/') {
            i = x + 2;
            continue;
        }
        /* the opening quote: back to the line start, at most one string */
        floor0 = floor;
        a = x;
        while (a > floor && x - a < SECRETS_MAX_JSON_STRING && p[a - 1] != '\n' &&
               (p[a - 1] != '"' || escaped(p, a - 1, floor)))
            a--;
        e = string_close(p, len, x + 2, &stop);
        if (e == SIZE_MAX) {
            i = floor = stop + 1;
            continue;
        }
        floor = e + 1;
        if (a > floor0 && p[a - 1] == '"' && (n = e - a) >= MIN_DECODED &&
            (out = reserve(d, n)) != NULL)
            commit(d, json_unescape(p + a, n, out), a, n, SECRETS_LAYER_JSON);
        i = e + 1;
    }
}
