/* libmoat's core utilities, shared by every subsystem: allocation that aborts
 * on out-of-memory, arena, typed vectors, a hash map, a thread pool, file
 * reading with caps and fault injection, and small string helpers. */
#ifndef MOAT_CORE_H
#define MOAT_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <moat/buf.h>
#include <moat/err.h>
#include <moat/log.h>

/* ---- allocation: abort on OOM, so callers never check for NULL ---- */
void *moat_malloc(size_t n);
void *moat_calloc(size_t n, size_t size);
void *moat_realloc(void *p, size_t n);
char *moat_strdup(const char *s);
char *moat_strndup(const char *s, size_t n);
char *moat_asprintf(const char *fmt, ...) MOAT_PRINTF(1, 2);

/* ---- arena: many small allocations freed together ---- */
struct moat_arena_block;
struct moat_arena {
    struct moat_arena_block *head;
    size_t block_size;
};
void moat_arena_init(struct moat_arena *a, size_t block_size);
void moat_arena_release(struct moat_arena *a);
void *moat_arena_alloc(struct moat_arena *a, size_t n);
char *moat_arena_strndup(struct moat_arena *a, const char *s, size_t n);

/* ---- vec: a typed growable array ----
 *   MOAT_VEC(int) v = {0};  MOAT_VEC_PUSH(&v, 3);  free(v.v); */
#define MOAT_VEC(T)                                                                                \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }
#define MOAT_VEC_PUSH(vec, x)                                                                      \
    do {                                                                                           \
        if ((vec)->n == (vec)->cap) {                                                              \
            (vec)->cap = (vec)->cap ? (vec)->cap * 2 : 8;                                          \
            (vec)->v = moat_realloc((vec)->v, (vec)->cap * sizeof(*(vec)->v));                     \
        }                                                                                          \
        (vec)->v[(vec)->n++] = (x);                                                                \
    } while (0)

/* ---- map: string -> pointer, keyed with SipHash against hash flooding ---- */
struct moat_map_entry;
struct moat_map {
    struct moat_map_entry *slots;
    size_t n, cap;
    unsigned char key[16];
};
/* Fill key with a hash-table key: random, so no input can be made to
 * collide; fixed in fuzzing builds (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION),
 * so a run with a given seed repeats. Initializes libsodium. */
void moat_hash_seed(void *key, size_t n);
void moat_map_init(struct moat_map *m);
/* free_val (may be NULL) is called on each value. */
void moat_map_release(struct moat_map *m, void (*free_val)(void *));
void *moat_map_get(const struct moat_map *m, const char *k, size_t klen);
/* Insert or replace; the map copies the key. Returns the old value or NULL. */
void *moat_map_put(struct moat_map *m, const char *k, size_t klen, void *val);
/* Iterate: i from 0; returns false at the end. */
bool moat_map_next(const struct moat_map *m, size_t *i, const char **k, size_t *klen, void **val);

/* ---- pool: fixed workers and a bounded queue ---- */
struct moat_pool;
typedef void (*moat_pool_fn)(void *arg, int worker);
/* nthreads <= 0: online CPUs. queue_cap bounds memory of pending tasks. */
struct moat_pool *moat_pool_new(int nthreads, size_t queue_cap);
int moat_pool_threads(const struct moat_pool *p);
/* Blocks while the queue is full. */
void moat_pool_submit(struct moat_pool *p, moat_pool_fn fn, void *arg);
/* Wait for every submitted task to finish. */
void moat_pool_wait(struct moat_pool *p);
void moat_pool_free(struct moat_pool *p);
int moat_cpu_count(void);

/* ---- files ---- */
/* Read at most buf->max bytes of path into buf; refuses symlinks
 * (O_NOFOLLOW). Returns 0, MOAT_ENOENT, MOAT_EPERM, MOAT_ELOOP, MOAT_ETOOBIG
 * or MOAT_EIO. Honours MOAT_TEST_FAIL=fs_read:N. */
MOAT_NODISCARD int moat_fs_read(const char *path, struct moat_buf *buf, struct moat_err *err);
/* Write data to path atomically (temp file + rename). */
MOAT_NODISCARD int moat_fs_write(const char *path, const void *data, size_t len,
                                 struct moat_err *err);
/* Fault injection: true when MOAT_TEST_FAIL=<site>:<n> names this, the n-th call. */
bool moat_test_fail(const char *site);

/* ---- strings ---- */
bool moat_str_startswith(const char *s, const char *prefix);
bool moat_str_endswith(const char *s, const char *suffix);
bool moat_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen);
/* Shannon entropy of s in bits per byte. */
double moat_entropy(const unsigned char *s, size_t len);
/* Encode code point cp (at most U+10FFFF) as UTF-8 into out; returns 1-4. */
size_t moat_utf8_encode(uint32_t cp, unsigned char out[4]);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void moat_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int moat_hexval(int c);

/* ---- line numbers of YAML input ----
 * moat numbers lines at '\n'; libyaml also breaks lines at a lone CR, NEL,
 * LS and PS. A map turns libyaml's 0-based line (and a column in it) into
 * moat's 1-based line and column; it costs nothing for files that break
 * lines only at '\n' (or CR LF). */
struct moat_linemap {
    unsigned *line; /* per YAML line: moat's line; NULL when they agree */
    unsigned *col;  /* per YAML line: bytes from moat's line start to its start */
    size_t n;
};
/* Length of the YAML line break at p (CR LF, CR, LF, NEL, LS, PS), 0 if none. */
size_t moat_yaml_break_len(const unsigned char *p, size_t n);
void moat_linemap_init(struct moat_linemap *m, const unsigned char *p, size_t len);
unsigned moat_linemap_line(const struct moat_linemap *m, size_t line0);
unsigned moat_linemap_col(const struct moat_linemap *m, size_t line0, unsigned col);
void moat_linemap_release(struct moat_linemap *m);

/* snprintf that reports truncation: returns 0 or MOAT_ETOOBIG. */
MOAT_NODISCARD int moat_snprintf(char *out, size_t n, const char *fmt, ...) MOAT_PRINTF(3, 4);

double moat_now(void); /* monotonic seconds */

#endif
