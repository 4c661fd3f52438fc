/* moat_pool: a fixed set of worker threads and a bounded task queue. The
 * bound keeps memory flat when the producer (a tree walk) outruns the
 * workers. */
#include <stdlib.h>
#include <unistd.h>
#include "core.h"
#include "banned.h"

struct task {
    moat_pool_fn fn;
    void *arg;
};

struct worker_arg {
    struct moat_pool *pool;
    int id;
};

struct moat_pool {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, idle;
    struct task *q;
    size_t cap, head, count, running;
    bool stop;
    int nthreads;
    pthread_t *threads;
    struct worker_arg *args;
};

int moat_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void *worker_main(void *p)
{
    struct worker_arg *wa = p;
    struct moat_pool *pool = wa->pool;

    pthread_mutex_lock(&pool->mu);
    for (;;) {
        struct task t;
        while (!pool->count && !pool->stop)
            pthread_cond_wait(&pool->not_empty, &pool->mu);
        if (!pool->count && pool->stop)
            break;
        t = pool->q[pool->head];
        pool->head = (pool->head + 1) % pool->cap;
        pool->count--;
        pool->running++;
        pthread_cond_signal(&pool->not_full);
        pthread_mutex_unlock(&pool->mu);
        t.fn(t.arg, wa->id);
        pthread_mutex_lock(&pool->mu);
        pool->running--;
        if (!pool->count && !pool->running)
            pthread_cond_broadcast(&pool->idle);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

struct moat_pool *moat_pool_new(int nthreads, size_t queue_cap)
{
    struct moat_pool *p = moat_calloc(1, sizeof(*p));

    if (nthreads <= 0)
        nthreads = moat_cpu_count();
    p->nthreads = nthreads;
    p->cap = queue_cap ? queue_cap : 256;
    p->q = moat_calloc(p->cap, sizeof(*p->q));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->threads = moat_calloc((size_t)nthreads, sizeof(*p->threads));
    p->args = moat_calloc((size_t)nthreads, sizeof(*p->args));
    for (int i = 0; i < nthreads; i++) {
        p->args[i].pool = p;
        p->args[i].id = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]) != 0)
            MOAT_BUG("pthread_create failed");
    }
    return p;
}

int moat_pool_threads(const struct moat_pool *p)
{
    return p->nthreads;
}

void moat_pool_submit(struct moat_pool *p, moat_pool_fn fn, void *arg)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == p->cap)
        pthread_cond_wait(&p->not_full, &p->mu);
    p->q[(p->head + p->count) % p->cap] = (struct task){ fn, arg };
    p->count++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
}

void moat_pool_wait(struct moat_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->count || p->running)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void moat_pool_free(struct moat_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->idle);
    free(p->threads);
    free(p->args);
    free(p->q);
    free(p);
}
