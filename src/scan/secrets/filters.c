/* The false-alarm filters: placeholders and documentation examples, variable
 * and template references, key names that hold settings rather than secrets,
 * and the entropy thresholds (per character set) for generic assignments. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "secrets.h"
#include "core/banned.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Case-insensitive search of a NUL-terminated needle. */
/* A lower-case copy of a value, so word lists are searched with memmem. */
struct lowered {
    char buf[512];
    size_t n;
    bool whole; /* the value fits: longer ones are searched case-insensitively */
};

static void lower_into(struct lowered *l, const unsigned char *s, size_t n)
{
    l->whole = n <= sizeof(l->buf);
    l->n = l->whole ? n : 0;
    for (size_t i = 0; i < l->n; i++)
        l->buf[i] = (char)lower(s[i]);
}

static bool contains(const unsigned char *s, size_t n, const char *needle)
{
    return moat_memcasemem((const char *)s, n, needle, strlen(needle));
}

/* Whether the value holds any of the (lower-case) words. */
static bool contains_any(const struct lowered *l, const unsigned char *s, size_t n,
                         const char *const *words, size_t nwords)
{
    for (size_t i = 0; i < nwords; i++) {
        size_t m = strlen(words[i]);
        if (l->whole ? memmem(l->buf, l->n, words[i], m) != NULL : contains(s, n, words[i]))
            return true;
    }
    return false;
}

static bool equals(const unsigned char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp((const char *)s, lit, n) == 0;
}

double secrets_entropy(const unsigned char *s, size_t n)
{
    return moat_entropy(s, n);
}

/* Words that mark a value as a stand-in wherever they appear. Four letters
 * or more, so that a random 40-character token contains one by chance with a
 * probability near 1e-5. */
static const char *const placeholder_words[] = {
    "example",    "xxxxx",    "*****",   "placeholder", "redacted", "changeme", "change_me",
    "change-me",  "dummy",    "sample",  "your",        "insert",   "replace",  "1234567890",
    "0123456789", "abcdefgh", "qwerty",  "...",         "${",       "{{",       "}}",
    "lorem",      "foobar",   "notreal", "not_real",    "not-real",
};

/* Longest run of one repeated character. */
static size_t longest_run(const unsigned char *s, size_t n)
{
    size_t best = n ? 1 : 0, cur = 1;

    for (size_t i = 1; i < n; i++) {
        cur = s[i] == s[i - 1] ? cur + 1 : 1;
        if (cur > best)
            best = cur;
    }
    return best;
}

static size_t distinct(const unsigned char *s, size_t n)
{
    bool seen[256] = { false };
    size_t d = 0;

    for (size_t i = 0; i < n; i++) {
        if (!seen[s[i]]) {
            seen[s[i]] = true;
            d++;
        }
    }
    return d;
}

/* "abcdef", "123456", "abcabcabc": a pattern somebody typed, not a key. */
static bool looks_typed(const unsigned char *s, size_t n)
{
    size_t seq = 0;

    if (n < 8)
        return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] == s[i - 1] + 1 || s[i] == s[i - 1] - 1)
            seq++;
    if (seq * 2 >= n)
        return true;
    for (size_t p = 2; p <= 8 && p * 3 <= n; p++) {
        size_t i = p;
        while (i < n && s[i] == s[i - p])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Values published in documentation or built into emulators, so that they
 * are not credentials to anything: the Azurite and Cosmos DB emulator keys,
 * AWS's documentation keys, RFC 7617's Aladdin. */
static const char *const well_known_values[] = {
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    /* RFC 6749 */
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "SplxlOBeZQQYbYS6WxSbIA",
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "mF_9.B5f-4.1JqM",
    "gX1fBat3bV",
};

bool secrets_is_well_known(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(well_known_values) / sizeof(well_known_values[0]); i++)
        if (strlen(well_known_values[i]) == n && memcmp(well_known_values[i], s, n) == 0)
            return true;
    return false;
}

bool secrets_is_placeholder(const unsigned char *s, size_t n, unsigned rule_flags)
{
    const unsigned char *lt;
    struct lowered l;

    if (n == 0)
        return true;
    /* <your-key>, <token>: a name in angle brackets */
    if ((lt = memchr(s, '<', n)) != NULL && memchr(lt, '>', n - (size_t)(lt - s)))
        return true;
    lower_into(&l, s, n);
    if (contains_any(&l, s, n, placeholder_words,
                     sizeof(placeholder_words) / sizeof(placeholder_words[0])))
        return true;
    if (!(rule_flags & SECRETS_F_KEEPRUNS)) {
        if (longest_run(s, n) >= 6)
            return true;
        if (n >= 16 && distinct(s, n) < 6)
            return true;
    }
    if (n >= 6 && distinct(s, n) < 3)
        return true;
    return looks_typed(s, n);
}

/* Markers of a reference to a value kept elsewhere. */
static const char *const reference_markers[] = {
    "${",         "{{",          "}}",
    "<%",         "%>",          "#{",
    "$(",         "process.env", "import.meta.env",
    "os.environ", "getenv",      "env[",
    "env(",       "env.fetch",   "environment.getenvironmentvariable",
    "secrets.",   "vault:",      "ssm:",
    "arn:aws:",   "!ref",        "!sub",
    "lookup(",    "valuefrom",   "secretkeyref",
};

bool secrets_is_reference(const unsigned char *s, size_t n)
{
    struct lowered l;

    if (n == 0)
        return false;
    /* $VAR, $1, %VAR%, @VAR@, :symbol */
    if (s[0] == '$' || (s[0] == '%' && n > 1 && s[n - 1] == '%') ||
        (s[0] == '@' && n > 1 && s[n - 1] == '@'))
        return true;
    lower_into(&l, s, n);
    if (contains_any(&l, s, n, reference_markers,
                     sizeof(reference_markers) / sizeof(reference_markers[0])))
        return true;
    /* Terraform and HCL: var.x, local.x, data.x.y, module.x.y */
    if ((n > 4 && strncasecmp((const char *)s, "var.", 4) == 0) ||
        (n > 6 && strncasecmp((const char *)s, "local.", 6) == 0) ||
        (n > 7 && strncasecmp((const char *)s, "module.", 7) == 0))
        return true;
    return false;
}

/* ---- key names ---- */

#define MAX_WORDS 12
#define MAX_WORD  32

struct words {
    char w[MAX_WORDS][MAX_WORD];
    size_t n;
};

/* Split "db_Password2", "apiKey", "APIKey", "spring.datasource.password" into
 * lower-case words, dropping digits that end a word. */
static void split_words(const unsigned char *k, size_t n, struct words *out)
{
    size_t i = 0;

    out->n = 0;
    while (i < n && out->n < MAX_WORDS) {
        size_t len = 0;
        char *w = out->w[out->n];

        while (i < n && !is_alnum(k[i]))
            i++;
        while (i < n && is_alnum(k[i])) {
            if (len > 0 && is_alpha(k[i]) && k[i] >= 'A' && k[i] <= 'Z') {
                int prev = k[i - 1];
                bool prev_lower = (prev >= 'a' && prev <= 'z') || is_digit(prev);
                bool next_lower = i + 1 < n && k[i + 1] >= 'a' && k[i + 1] <= 'z';
                bool prev_upper = prev >= 'A' && prev <= 'Z';
                /* camelCase, or the last capital of an acronym: APIKey */
                if (prev_lower || (prev_upper && next_lower))
                    break;
            }
            if (len + 1 < MAX_WORD)
                w[len++] = (char)lower(k[i]);
            i++;
        }
        while (len > 0 && is_digit((unsigned char)w[len - 1]))
            len--;
        w[len] = '\0';
        if (len > 0)
            out->n++;
    }
}

static bool word_in(const char *w, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(w, list[i]) == 0)
            return true;
    return false;
}

#define IN(w, list) word_in((w), (list), sizeof(list) / sizeof((list)[0]))

static const char *const password_nouns[] = { "password",   "passwd",   "pwd",  "pass",
                                              "passphrase", "passcode", "pword" };
static const char *const secret_nouns[] = { "secret",     "token",       "apikey",
                                            "credential", "credentials", "creds" };
/* "key" is a secret only after one of these. */
static const char *const key_qualifiers[] = {
    "api",    "access", "secret",  "private",  "signing",      "sign",   "encryption", "encrypt",
    "master", "app",    "account", "auth",     "storage",      "shared", "hmac",       "jwt",
    "crypto", "cipher", "aes",     "consumer", "subscription", "admin",  "service",
};
/* Words after the noun that still name the secret: SECRET_KEY_BASE. */
static const char *const value_suffixes[] = {
    "value", "base", "b64", "base64", "plaintext", "raw"
};
/* Words before the noun that make it something else. */
static const char *const bad_qualifiers[] = {
    "hash",    "hashed",    "encrypted", "enc",    "masked",       "public",       "publishable",
    "pub",     "csrf",      "xsrf",      "page",   "next",         "continuation", "max",
    "min",     "num",       "sync",      "cancel", "cancellation", "example",      "sample",
    "test",    "fake",      "dummy",     "mock",   "placeholder",  "bypass",       "no",
    "forgot",  "forgotten", "reset",     "show",   "hide",         "toggle",       "confirm",
    "verify",  "validate",  "check",     "is",     "has",          "use",          "allow",
    "require", "requires",  "required",  "needs",  "enable",       "enabled",      "disable",
    "get",
};
/* Nouns that end with a secret noun: PGPASSWORD, dbpass. */
static const char *const noun_suffixes[] = { "password", "passwd", "passphrase",
                                             "secret",   "token",  "apikey" };

static bool ends_with(const char *w, const char *suffix)
{
    size_t n = strlen(w), m = strlen(suffix);
    return n > m && strcmp(w + n - m, suffix) == 0;
}

static bool has_camel(const unsigned char *k, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (k[i - 1] >= 'a' && k[i - 1] <= 'z' && k[i] >= 'A' && k[i] <= 'Z')
            return true;
    return false;
}

bool secrets_key_is_secret(const unsigned char *key, size_t n, bool *is_password)
{
    struct words ws;
    size_t last;
    const char *w;

    *is_password = false;
    split_words(key, n, &ws);
    if (ws.n == 0)
        return false;
    last = ws.n - 1;
    while (last > 0 && IN(ws.w[last], value_suffixes))
        last--;
    w = ws.w[last];
    for (size_t i = 0; i < last; i++)
        if (IN(ws.w[i], bad_qualifiers))
            return false;
    if (IN(w, password_nouns)) {
        /* "pass" is a password in DB_PASS or smtp_pass, but a render pass
         * in stencilZPass or firstCreatePass */
        if (strcmp(w, "pass") == 0 && has_camel(key, n))
            return false;
        *is_password = true;
        return true;
    }
    if (IN(w, secret_nouns))
        return true;
    if (strcmp(w, "key") == 0)
        return last > 0 && IN(ws.w[last - 1], key_qualifiers);
    for (size_t i = 0; i < sizeof(noun_suffixes) / sizeof(noun_suffixes[0]); i++) {
        if (ends_with(w, noun_suffixes[i])) {
            *is_password = noun_suffixes[i][0] == 'p';
            return true;
        }
    }
    return false;
}

/* ---- values ---- */

/* Substrings that make a value assigned to a secret-named key a stand-in. */
static const char *const generic_stopwords[] = {
    "password", "passwd",   "secret",   "example",  "sample",   "dummy",   "placeholder",
    "default",  "test",     "demo",     "fake",     "mock",     "none",    "null",
    "todo",     "fixme",    "here",     "your",     "value",    "string",  "undefined",
    "admin",    "token",    "apikey",   "api_key",  "changeit", "letmein", "welcome",
    "hunter2",  "p@ssw0rd", "passw0rd", "pa55w0rd",
};

static const char *const file_extensions[] = {
    ".pem", ".key", ".json", ".txt",  ".yml", ".yaml",     ".crt",        ".cer",  ".p12",  ".pfx",
    ".jks", ".env", ".cfg",  ".conf", ".ini", ".xml",      ".properties", ".gpg",  ".asc",  ".der",
    ".pub", ".ppk", ".html", ".js",   ".ts",  ".py",       ".rb",         ".go",   ".java", ".sh",
    ".php", ".md",  ".png",  ".jpg",  ".svg", ".keystore", ".secret",     ".toml",
};

static bool is_uuid(const unsigned char *s, size_t n)
{
    static const int dash[] = { 8, 13, 18, 23 };

    if (n != 36)
        return false;
    for (size_t i = 0, d = 0; i < n; i++) {
        if (d < 4 && (int)i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!isxdigit(s[i])) {
            return false;
        }
    }
    return true;
}

/* "config.password", "this.secret", "@brackets.directive": a name, not a
 * value. */
static bool is_identifier_path(const unsigned char *s, size_t n)
{
    bool start = true;

    if (n && (s[0] == '@' || s[0] == '#'))
        s++, n--;
    for (size_t i = 0; i < n; i++) {
        int c = s[i];
        if (start) {
            if (!is_alpha(c) && c != '_' && c != '$')
                return false;
            start = false;
        } else if (c == '.' || c == ':' || c == '/' || c == '-') {
            start = true;
        } else if (!is_alnum(c) && c != '_' && c != '$') {
            return false;
        }
    }
    return !start;
}

/* A value made of words: no digits, mostly letters, pronounceable. Random
 * letters are about 23% vowels (y included) and English about 40%, and
 * English rarely strings five consonants together. */
static bool is_wordlike(const unsigned char *s, size_t n)
{
    size_t letters = 0, vowels = 0, run = 0, longest = 0;

    for (size_t i = 0; i < n; i++) {
        int c = lower(s[i]);
        if (is_digit(c))
            return false;
        if (is_alpha(c)) {
            letters++;
            if (strchr("aeiouy", c)) {
                vowels++;
                run = 0;
            } else if (++run > longest) {
                longest = run;
            }
        } else {
            run = 0;
        }
    }
    if (letters * 10 < n * 6 || longest >= 5)
        return false;
    return vowels * 4 >= letters;
}

/* "StreamDescription.Shards[-1].ShardId", "constant.reserved.$0": names
 * joined by dots or slashes, with at most numbers between them. A key has
 * segments that mix letters and digits. */
static bool is_name_path(const unsigned char *s, size_t n)
{
    size_t segs = 0, seps = 0;

    for (size_t i = 0; i < n;) {
        bool letter = false, digit = false;
        if (!is_alnum(s[i]) && s[i] != '_') {
            if (strchr("./:", s[i]))
                seps++;
            else if (!strchr("[]$@#-", s[i]))
                return false;
            i++;
            continue;
        }
        while (i < n && (is_alnum(s[i]) || s[i] == '_')) {
            letter = letter || is_alpha(s[i]);
            digit = digit || is_digit(s[i]);
            i++;
        }
        if (letter && digit)
            return false;
        segs++;
    }
    return segs >= 2 && seps >= 1;
}

/* An unquoted value that is code: a call, an index, an expression ending a
 * statement, an operator. .env and YAML values have none of these. */
static bool is_identifier_path(const unsigned char *s, size_t n);

static bool is_code(const unsigned char *s, size_t n)
{
    size_t k = 0;

    /* a trailing ":" makes a label, as in test logs: "PASS: gdb.base/break.exp: ..." */
    if (s[n - 1] == ';' || s[n - 1] == ',' || s[n - 1] == ':')
        return true;
    /* !!ownPass, *ptr, &value, @var: an operator before a name */
    while (k < n && s[k] && strchr("!&|*=:?+@-~", s[k]))
        k++;
    if (k > 0 && k < n && is_identifier_path(s + k, n - k))
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] && strchr("()[]{}<>", s[i]))
            return true;
    return false;
}

/* "/run/secrets/db", "./certs/key.pem", "~/.aws/credentials", "C:\\keys":
 * where a secret is kept, not the secret. */
static bool is_path(const unsigned char *s, size_t n)
{
    size_t slashes = 0;

    if (n > 2 && s[1] == ':' && (s[2] == '\\' || s[2] == '/'))
        return true;
    if ((n > 1 && s[0] == '~' && s[1] == '/') || (n > 1 && s[0] == '.' && s[1] == '/') ||
        (n > 2 && s[0] == '.' && s[1] == '.' && s[2] == '/'))
        return true;
    if (s[0] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/')
            slashes++;
        else if (!is_alnum(s[i]) && !strchr("._-", s[i]))
            return false;
    }
    return slashes >= 2;
}

/* Entropy a value of length n and this character set must reach. */
static double entropy_threshold(size_t n, bool hex, bool symbols, bool is_password)
{
    double cap = hex ? 3.0 : 3.5, slack = hex ? 1.0 : symbols ? 1.0 : 0.9;
    double t;

    if (is_password)
        slack += 0.2;
    t = log2((double)n) - slack;
    return t < cap ? t : cap;
}

/* A stored password hash, not a password: LDAP/Spring "{SSHA}...", "{bcrypt}$2a$...",
 * Django "pbkdf2_sha256$<iterations>$...", "argon2$argon2id$...". (Modular crypt
 * "$2b$", "$argon2id$", "$6$" start with "$" and are refused as references.)
 * Spring's "{noop}" marks a plain-text password and is not a hash. */
static bool is_password_hash(const unsigned char *s, size_t n)
{
    static const char *const schemes[] = { "{ssha",   "{sha",     "{smd5",   "{md5",     "{crypt}",
                                           "{pbkdf2", "{bcrypt}", "{argon2", "{scrypt}", "{mssha" };
    static const char *const django[] = { "pbkdf2_sha256$", "pbkdf2_sha1$", "argon2$",
                                          "bcrypt_sha256$", "bcrypt$",      "scrypt$",
                                          "sha1$",          "md5$",         "unsalted_md5$",
                                          "unsalted_sha1$", "crypt$" };

    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t m = strlen(schemes[i]);
        if (n > m + 8 && strncasecmp((const char *)s, schemes[i], m) == 0 && memchr(s, '}', 16))
            return true;
    }
    for (size_t i = 0; i < sizeof(django) / sizeof(django[0]); i++) {
        size_t m = strlen(django[i]);
        if (n > m + 8 && strncasecmp((const char *)s, django[i], m) == 0)
            return true;
    }
    return false;
}

/* A short base64 value that decodes to printable text (Kubernetes Secret
 * "data:", "cGFzc3dvcmQ=" for "password"): the text it decodes to. */
static size_t base64_text(const unsigned char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t m;

    if (n < 8 || n % 4 != 0 || n / 4 * 3 > cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '+' && s[i] != '/' && !(s[i] == '=' && i + 2 >= n))
            return 0;
    m = secrets_base64_decode(s, n, out, cap);
    if (m < 4)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            return 0;
    return m;
}

bool secrets_value_is_secret(const unsigned char *s, size_t n, bool is_password, bool quoted)
{
    unsigned char text[96];
    size_t tn;

    struct lowered l;
    bool lowerc = false, upperc = false, digit = false, symbol = false, hexlow = true, hexup = true;
    size_t classes;

    if (n < (is_password ? 8u : 16u))
        return false;
    if (!quoted && is_code(s, n))
        return false;
    if (secrets_is_placeholder(s, n, 0) || secrets_is_reference(s, n))
        return false;
    lower_into(&l, s, n);
    if (contains_any(&l, s, n, generic_stopwords,
                     sizeof(generic_stopwords) / sizeof(generic_stopwords[0])))
        return false;
    if (contains(s, n, "://") || is_path(s, n))
        return false;
    if (is_password_hash(s, n))
        return false;
    /* judge a base64-wrapped value by what it wraps (one level) */
    if ((tn = base64_text(s, n, text, sizeof(text))) > 0 && (s[n - 1] == '=' || n >= 16))
        return secrets_value_is_secret(text, tn, is_password, true);
    for (size_t i = 0; i < sizeof(file_extensions) / sizeof(file_extensions[0]); i++) {
        size_t m = strlen(file_extensions[i]);
        if (n > m && strncasecmp((const char *)s + n - m, file_extensions[i], m) == 0)
            return false;
    }
    if (is_uuid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = s[i];
        if (c >= 0x80 || c < 0x20)
            return false; /* translations and binary: secrets are ASCII */
        if (c >= 'a' && c <= 'z') {
            lowerc = true;
            hexup = false;
            if (c > 'f')
                hexlow = false;
        } else if (c >= 'A' && c <= 'Z') {
            upperc = true;
            hexlow = false;
            if (c > 'F')
                hexup = false;
        } else if (is_digit(c)) {
            digit = true;
        } else {
            symbol = true;
            hexlow = hexup = false;
        }
    }
    if ((is_identifier_path(s, n) && !digit) || is_name_path(s, n))
        return false;
    if (is_wordlike(s, n))
        return false;
    if (!lowerc && !upperc && !symbol)
        return is_password && n >= 12 && !looks_typed(s, n) && secrets_entropy(s, n) >= 2.8;
    classes = (size_t)lowerc + upperc + digit + symbol;
    if (classes < 2)
        return false;
    /* lower-case letters and digits, not hex: a key only when long */
    if (!is_password && lowerc && digit && !upperc && !symbol && !hexlow && n < 20)
        return false;
    return secrets_entropy(s, n) >=
           entropy_threshold(n, (hexlow || hexup) && digit, symbol, is_password);
}

static const char *const trivial_passwords[] = {
    "password",      "pass",        "passwd",      "pwd",          "secret",
    "changeme",      "changeit",    "admin",       "root",         "postgres",
    "postgresql",    "mysql",       "redis",       "guest",        "test",
    "user",          "username",    "example",     "foo",          "bar",
    "foobar",        "123456",      "12345678",    "dev",          "development",
    "local",         "default",     "letmein",     "qwerty",       "toor",
    "mongo",         "mongodb",     "rabbitmq",    "sa",           "oracle",
    "demo",          "sample",      "dummy",       "p@ssw0rd",     "passw0rd",
    "password1",     "password123", "mypassword",  "yourpassword", "pw",
    "pa55word",      "token",       "apikey",      "none",         "null",
    "x-oauth-basic", "oauth2",      "git",         "anonymous",    "ftp",
    "public",        "private",     "open sesame",
};

bool secrets_is_trivial_password(const unsigned char *pw, size_t n, const unsigned char *user,
                                 size_t ulen)
{
    if (n < 3)
        return true;
    if (ulen == n && strncasecmp((const char *)pw, (const char *)user, n) == 0)
        return true;
    for (size_t i = 0; i < sizeof(trivial_passwords) / sizeof(trivial_passwords[0]); i++)
        if (equals(pw, n, trivial_passwords[i]))
            return true;
    if (secrets_is_reference(pw, n) || secrets_is_placeholder(pw, n, 0))
        return true;
    for (size_t i = 0; i < n; i++)
        if (pw[i] != '*' && pw[i] != 'x' && pw[i] != 'X' && pw[i] != '.')
            return false;
    return true; /* "****", "xxx": masked */
}

bool secrets_path_is_example(const char *path)
{
    static const char *const words[] = { "example", "sample", "fixture", "mock", "dummy", "fake" };

    if (!path)
        return false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasestr(path, words[i]))
            return true;
    return false;
}
