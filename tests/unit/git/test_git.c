/* Unit tests for src/scan/git/ and src/scan/hook.c: history scans (the
 * introducing commit, each blob once, ranges, --since, the cache, every ref,
 * shallow clones, missing objects, the parallel walk), staged scans and the
 * pre-commit hook, on throwaway repositories made with the git CLI. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <moat/moat.h>
#include "core/core.h"
#include "core/banned.h"

#define AWS_RULE "aws-access-key-id"

static char base[256]; /* the test's temporary directory */
static int nrepos;
static char key1[32], key2[32]; /* fake AWS key ids, assembled so no scanner flags this file */
/* Every built-in rule but AWS key ids is off: compiling all of them for each
 * of the many scans here would take most of the test's time. */
static struct moat_config cfg;

/* Run argv in dir (NULL: here), stdin from in (NULL: /dev/null); the output
 * goes to out (NULL: discarded). Returns the exit status. */
static int run(const char *dir, const char *const *argv, const char *in, char *out, size_t outlen)
{
    int fds[2], status;
    size_t len = 0;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(in ? in : "/dev/null", O_RDONLY);
        if (fd < 0 || dup2(fd, 0) < 0 || dup2(fds[1], 1) < 0 || (dir && chdir(dir) != 0))
            _exit(127);
        close(fds[0]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out && len + (size_t)n < outlen) {
            memcpy(out + len, buf, (size_t)n);
            len += (size_t)n;
        }
    }
    close(fds[0]);
    if (out)
        out[len] = '\0';
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* git -C repo ARGS... (NULL-terminated); must succeed. */
static void git(const char *repo, ...)
{
    const char *argv[32] = { "git", "-C", repo };
    size_t n = 3;
    va_list ap;

    va_start(ap, repo);
    while ((argv[n] = va_arg(ap, const char *)) != NULL)
        assert_true(++n < 31);
    va_end(ap);
    assert_int_equal(run(NULL, argv, NULL, NULL, 0), 0);
}

/* The output of git -C repo ARGS..., trailing newline removed. */
static void git_out(const char *repo, char *out, size_t outlen, ...)
{
    const char *argv[32] = { "git", "-C", repo };
    size_t n = 3, len;
    va_list ap;

    va_start(ap, outlen);
    while ((argv[n] = va_arg(ap, const char *)) != NULL)
        assert_true(++n < 31);
    va_end(ap);
    assert_int_equal(run(NULL, argv, NULL, out, outlen), 0);
    len = strlen(out);
    if (len && out[len - 1] == '\n')
        out[len - 1] = '\0';
}

static void write_file(const char *repo, const char *rel, const char *fmt, ...)
{
    char *path = moat_asprintf("%s/%s", repo, rel), *slash = strrchr(path, '/');
    FILE *f;
    va_list ap;

    *slash = '\0';
    for (char *p = path + strlen(repo) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
        *p = '/';
    }
    assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
    *slash = '/';
    f = fopen(path, "w");
    assert_non_null(f);
    va_start(ap, fmt);
    assert_true(vfprintf(f, fmt, ap) >= 0);
    va_end(ap);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static char *new_repo(void)
{
    char *repo = moat_asprintf("%s/r%d", base, nrepos++);

    git(".", "init", "-q", "-b", "main", repo, NULL);
    return repo;
}

/* Commit everything as Alice at a fixed date; out (may be NULL) gets the id. */
static void commit(const char *repo, const char *msg, char out[64])
{
    static int when;
    char date[64];

    assert_int_equal(moat_snprintf(date, sizeof(date), "2021-02-03T04:%02d:%02d+0100",
                                   when / 60 % 60, when % 60),
                     0);
    when++;
    assert_int_equal(setenv("GIT_AUTHOR_DATE", date, 1), 0);
    assert_int_equal(setenv("GIT_COMMITTER_DATE", date, 1), 0);
    git(repo, "add", "-A", NULL);
    git(repo, "commit", "-q", "--allow-empty", "-m", msg, NULL);
    if (out)
        git_out(repo, out, 64, "rev-parse", "HEAD", NULL);
}

struct result {
    int rc;
    struct moat_err err;
    struct moat_findings f;
    struct moat_scan_stats st;
};

static void scan_opts(struct result *r, const struct moat_scan_opts *o)
{
    struct moat_scan *s = NULL;

    memset(r, 0, sizeof(*r));
    moat_findings_init(&r->f);
    assert_int_equal(moat_scan_new(o, &s, &r->err), 0);
    r->rc = moat_scan_run(s, &r->f, &r->st, &r->err);
    moat_scan_free(s);
}

static void scan(struct result *r, const char *repo, const char *range, const char *since,
                 const char *cache, int threads)
{
    struct moat_scan_opts o = { 0 };

    o.root = repo;
    o.source = MOAT_SOURCE_GIT;
    o.git_range = range;
    o.since = since;
    o.cache = cache;
    o.threads = threads;
    o.analyzers = MOAT_ANALYZER_SECRETS;
    o.config = &cfg;
    scan_opts(r, &o);
}

static void scan_staged(struct result *r, const char *repo)
{
    struct moat_scan_opts o = { 0 };

    o.root = repo;
    o.source = MOAT_SOURCE_STAGED;
    o.analyzers = MOAT_ANALYZER_SECRETS;
    o.config = &cfg;
    scan_opts(r, &o);
}

static void result_release(struct result *r)
{
    moat_findings_release(&r->f);
}

/* The AWS findings, one per line as "path commit": what the tests compare. */
static size_t aws(const struct result *r, const char *path, const char *commit)
{
    size_t n = 0;

    for (size_t i = 0; i < r->f.n; i++) {
        const struct moat_finding *f = r->f.v[i];
        if (strcmp(f->rule_id, AWS_RULE) != 0)
            continue;
        if (path && (!f->path || strcmp(f->path, path) != 0))
            continue;
        if (commit && !*commit && f->commit) /* "": no commit */
            continue;
        if (commit && *commit && (!f->commit || strcmp(f->commit, commit) != 0))
            continue;
        n++;
    }
    return n;
}

static const struct moat_finding *first_aws(const struct result *r)
{
    for (size_t i = 0; i < r->f.n; i++)
        if (strcmp(r->f.v[i]->rule_id, AWS_RULE) == 0)
            return r->f.v[i];
    fail_msg("no %s finding", AWS_RULE);
    return NULL;
}

static size_t aws_all(const struct result *r)
{
    return aws(r, NULL, NULL);
}

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");

    (void)state;
    assert_int_equal(moat_snprintf(base, sizeof(base), "%s/moat-git-XXXXXX", tmp ? tmp : "/tmp"),
                     0);
    assert_non_null(mkdtemp(base));
    /* git reads no configuration of the machine or the user */
    assert_int_equal(setenv("HOME", base, 1), 0);
    assert_int_equal(setenv("GIT_CONFIG_NOSYSTEM", "1", 1), 0);
    assert_int_equal(setenv("GIT_AUTHOR_NAME", "Alice Leak", 1), 0);
    assert_int_equal(setenv("GIT_AUTHOR_EMAIL", "alice@example.com", 1), 0);
    assert_int_equal(setenv("GIT_COMMITTER_NAME", "Carol Commit", 1), 0);
    assert_int_equal(setenv("GIT_COMMITTER_EMAIL", "carol@example.com", 1), 0);
    /* nor any repository make check itself may be run from (say, by a hook) */
    unsetenv("GIT_INDEX_FILE");
    unsetenv("GIT_DIR");
    unsetenv("GIT_WORK_TREE");
    unsetenv("GIT_COMMON_DIR");
    unsetenv("GIT_OBJECT_DIRECTORY");
    unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
    unsetenv("MOAT_TEST_FAIL");
    assert_int_equal(moat_snprintf(key1, sizeof(key1), "%s%s", "AKIA", "Q3RVN7T2LX6HB4WD"), 0);
    assert_int_equal(moat_snprintf(key2, sizeof(key2), "%s%s", "AKIA", "W4TQ7ZP3KD6MR2XN"), 0);
    moat_log_set_level(getenv("MOAT_TEST_LOG") ? MOAT_LOG_DEBUG : MOAT_LOG_ERROR);
    for (size_t i = 0;; i++) {
        const char *id;
        if (!moat_secrets_pattern(i, &id))
            break;
        if (strcmp(id, AWS_RULE) == 0)
            continue;
        cfg.disabled_rules = moat_realloc(cfg.disabled_rules,
                                          (cfg.ndisabled_rules + 1) * sizeof(*cfg.disabled_rules));
        cfg.disabled_rules[cfg.ndisabled_rules++] = moat_strdup(id);
    }
    assert_true(cfg.ndisabled_rules > 100);
    return 0;
}

static int teardown(void **state)
{
    const char *argv[] = { "rm", "-rf", base, NULL };

    (void)state;
    for (size_t i = 0; i < cfg.ndisabled_rules; i++)
        free(cfg.disabled_rules[i]);
    free(cfg.disabled_rules);
    return run(NULL, argv, NULL, NULL, 0);
}

/* A secret added in commit 2 and removed in commit 3 is found in history,
 * credited to commit 2 and its author, at its path. */
static void test_introducing_commit(void **state)
{
    char *repo = new_repo();
    const struct moat_finding *f;
    char c2[64];
    struct result r;

    (void)state;
    write_file(repo, "README.md", "hello\n");
    commit(repo, "one", NULL);
    write_file(repo, "config/app.env", "region = eu\naws_access_key_id = %s\n", key1);
    commit(repo, "two", c2);
    write_file(repo, "config/app.env", "region = eu\n");
    commit(repo, "three", NULL);
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 3);
    assert_int_equal(r.st.files, 3); /* README, app.env with and without the key */
    assert_int_equal(r.st.errors, 0);
    assert_int_equal(aws_all(&r), 1);
    assert_int_equal(aws(&r, "config/app.env", c2), 1);
    f = first_aws(&r);
    assert_string_equal(f->author, "Alice Leak"); /* the author, not the committer */
    assert_string_equal(f->email, "alice@example.com");
    assert_true(moat_str_startswith(f->date, "2021-02-03T04:"));
    assert_true(moat_str_endswith(f->date, "+01:00"));
    assert_int_equal(f->line, 2);
    result_release(&r);
    free(repo);
}

/* The same blob in 50 commits is read and reported once; a key that stays in
 * a file through later edits (a new blob each time) is reported once too,
 * with the commit that introduced it. */
static void test_each_blob_once(void **state)
{
    char *repo = new_repo();
    char c1[64], c3[64];
    struct result r;

    (void)state;
    write_file(repo, "secret.env", "aws_access_key_id = %s\n", key1);
    write_file(repo, "counter.txt", "0\n");
    commit(repo, "c1", c1);
    for (int i = 1; i < 50; i++) {
        write_file(repo, "counter.txt", "%d\n", i);
        commit(repo, "count", NULL);
    }
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 50);
    assert_int_equal(r.st.files, 51); /* the key's blob once, 50 counters */
    assert_int_equal(aws_all(&r), 1);
    assert_int_equal(aws(&r, "secret.env", c1), 1);
    result_release(&r);

    write_file(repo, "notes.txt", "aws_access_key_id = %s\nv1\n", key2);
    commit(repo, "add", c3);
    for (int i = 2; i < 6; i++) {
        write_file(repo, "notes.txt", "aws_access_key_id = %s\nv%d\n", key2, i);
        commit(repo, "edit", NULL);
    }
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(aws_all(&r), 2);
    assert_int_equal(aws(&r, "notes.txt", c3), 1);
    result_release(&r);
    free(repo);
}

/* c1 clean, c2 adds a key, c3 removes it, c4 changes something else. */
static char *range_repo(char c[4][64])
{
    char *repo = new_repo();

    write_file(repo, "a.txt", "a\n");
    commit(repo, "c1", c[0]);
    write_file(repo, "k.env", "aws_access_key_id = %s\n", key1);
    commit(repo, "c2", c[1]);
    write_file(repo, "k.env", "nothing here\n");
    commit(repo, "c3", c[2]);
    write_file(repo, "a.txt", "b\n");
    commit(repo, "c4", c[3]);
    return repo;
}

static void test_range(void **state)
{
    char c[4][64];
    char *repo = range_repo(c);
    struct result r;

    (void)state;
    scan(&r, repo, "HEAD~1..HEAD", NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 1);
    assert_int_equal(r.st.files, 1); /* only the new a.txt: k.env was there before */
    assert_int_equal(aws_all(&r), 0);
    result_release(&r);

    scan(&r, repo, "HEAD~3..HEAD~1", NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 2);
    assert_int_equal(aws(&r, "k.env", c[1]), 1);
    result_release(&r);

    /* one revision: its whole history */
    scan(&r, repo, c[1], NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 2);
    assert_int_equal(aws(&r, "k.env", c[1]), 1);
    result_release(&r);

    /* A...B: both sides since their merge base */
    scan(&r, repo, "HEAD~2...HEAD", NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 2);
    assert_int_equal(aws_all(&r), 0);
    result_release(&r);

    scan(&r, repo, "nope..HEAD", NULL, NULL, 0);
    assert_int_equal(r.rc, MOAT_EINVAL);
    assert_non_null(strstr(r.err.msg, "nope..HEAD"));
    result_release(&r);

    scan(&r, repo, "HEAD:a.txt", NULL, NULL, 0);
    assert_int_equal(r.rc, MOAT_EINVAL);
    assert_non_null(strstr(r.err.msg, "HEAD:a.txt"));
    result_release(&r);
    free(repo);
}

static void test_since(void **state)
{
    char c[4][64];
    char *repo = range_repo(c);
    struct result r;

    (void)state;
    scan(&r, repo, NULL, c[1], NULL, 0); /* c2 and before are done */
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 2);
    assert_int_equal(r.st.files, 2); /* k.env and a.txt as c3 and c4 changed them */
    assert_int_equal(aws_all(&r), 0);
    result_release(&r);

    scan(&r, repo, NULL, c[0], NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 3);
    assert_int_equal(aws(&r, "k.env", c[1]), 1);
    result_release(&r);

    scan(&r, repo, NULL, "no-such-rev", NULL, 0);
    assert_int_equal(r.rc, MOAT_EINVAL);
    assert_non_null(strstr(r.err.msg, "no-such-rev"));
    result_release(&r);
    free(repo);
}

static void test_cache(void **state)
{
    char *repo = new_repo(), *cache = moat_asprintf("%s/blobs.cache", base), c5[64];
    struct moat_buf raw = MOAT_BUF_INIT(1 << 20);
    struct result r;

    (void)state;
    write_file(repo, "a.txt", "a1\n");
    write_file(repo, "b.txt", "b1\n");
    commit(repo, "c1", NULL);
    write_file(repo, "a.txt", "a2\n");
    commit(repo, "c2", NULL);
    scan(&r, repo, NULL, NULL, cache, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.files, 3);
    result_release(&r);
    /* the second scan scans nothing; one more commit, one more blob */
    scan(&r, repo, NULL, NULL, cache, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.files, 0);
    assert_int_equal(r.st.commits, 2);
    result_release(&r);
    write_file(repo, "b.txt", "b2\n");
    commit(repo, "c3", NULL);
    scan(&r, repo, NULL, NULL, cache, 0);
    assert_int_equal(r.st.files, 1);
    result_release(&r);

    /* a blob with a finding stays out of the cache: reported every time */
    write_file(repo, "k.env", "aws_access_key_id = %s\n", key1);
    commit(repo, "c4", NULL);
    write_file(repo, "a.txt", "a3\n");
    commit(repo, "c5", c5);
    for (int i = 0; i < 2; i++) {
        scan(&r, repo, NULL, NULL, cache, 0);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.st.files, i == 0 ? 2 : 1);
        assert_int_equal(aws(&r, "k.env", NULL), 1);
        result_release(&r);
    }
    assert_int_equal(moat_fs_read(cache, &raw, NULL), 0);
    assert_true(moat_str_startswith(raw.data, "# moat blob cache v1 "));
    assert_int_equal(moat_fs_write(cache, raw.data, raw.len - 3, NULL), 0); /* a cut-off id */
    scan(&r, repo, NULL, NULL, cache, 0);
    assert_int_equal(r.rc, MOAT_EPARSE);
    result_release(&r);
    /* written under another key (other moat, rules or config): scan everything */
    raw.data[21] = raw.data[21] == '0' ? '1' : '0';
    assert_int_equal(moat_fs_write(cache, raw.data, raw.len, NULL), 0);
    scan(&r, repo, NULL, NULL, cache, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.files, 6);
    result_release(&r);
    moat_buf_release(&raw);
    free(cache);
    free(repo);
}

/* Every ref counts: a branch never merged, a tag on a blob, a tag on a tree. */
static void test_all_refs(void **state)
{
    char *repo = new_repo(), c2[64], blob[64], tree[64];
    char *loose = moat_asprintf("%s/loose.txt", repo);
    struct result r;

    (void)state;
    write_file(repo, "a.txt", "a\n");
    commit(repo, "c1", NULL);
    git(repo, "checkout", "-q", "-b", "side", NULL);
    write_file(repo, "side.env", "aws_access_key_id = %s\n", key1);
    commit(repo, "c2", c2);
    git(repo, "checkout", "-q", "main", NULL);
    write_file(repo, "loose.txt", "aws_access_key_id = %s\n", key2);
    git_out(repo, blob, sizeof(blob), "hash-object", "-w", "loose.txt", NULL);
    git(repo, "tag", "keyblob", blob, NULL);
    git(repo, "add", "loose.txt", NULL);
    git_out(repo, tree, sizeof(tree), "write-tree", NULL);
    git(repo, "tag", "-a", "-m", "a tree", "keytree", tree, NULL);
    git(repo, "reset", "-q", NULL);
    assert_int_equal(unlink(loose), 0);
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(aws(&r, "side.env", c2), 1);
    assert_int_equal(aws(&r, "refs/tags/keyblob", ""), 1);
    assert_int_equal(aws_all(&r), 2); /* the tree's loose.txt is the tagged blob: once */
    result_release(&r);
    git(repo, "tag", "-d", "keyblob", NULL);
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(aws(&r, "refs/tags/keytree:loose.txt", ""), 1);
    result_release(&r);
    /* a range is just that: the side branch and tags are out */
    scan(&r, repo, "main", NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(aws_all(&r), 0);
    result_release(&r);
    free(loose);
    free(repo);
}

static void test_not_a_repo(void **state)
{
    char *dir = moat_asprintf("%s/plain", base);
    struct result r;

    (void)state;
    assert_int_equal(mkdir(dir, 0755), 0);
    scan(&r, dir, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, MOAT_EGIT);
    assert_non_null(strstr(r.err.msg, "not a git repository"));
    result_release(&r);
    scan_staged(&r, dir);
    assert_int_equal(r.rc, MOAT_EGIT);
    result_release(&r);
    assert_int_equal(moat_hook_install(dir, false, NULL), MOAT_EGIT);
    free(dir);
}

/* A shallow clone scans what it has; its boundary commits count as roots. */
static void test_shallow(void **state)
{
    char c[4][64];
    char *repo = range_repo(c), *clone = moat_asprintf("%s/shallow%d", base, nrepos++);
    char *url = moat_asprintf("file://%s", repo);
    struct result r;

    (void)state;
    git(".", "clone", "-q", "--depth", "3", url, clone, NULL);
    scan(&r, clone, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 3);
    assert_int_equal(r.st.errors, 0);
    assert_int_equal(aws(&r, "k.env", c[1]), 1); /* c2, the boundary, introduced it */
    result_release(&r);
    free(url);
    free(clone);
    free(repo);
}

/* A missing blob or tree (a partial clone, a damaged repository) is warned
 * about and counted; the rest is scanned. So is an injected read failure. */
static void test_missing_objects(void **state)
{
    char *repo = new_repo(), *one = new_repo(), id[64], *obj;
    struct result r;

    (void)state;
    write_file(repo, "gone.txt", "this blob will be lost\n");
    write_file(repo, "dir/sub/x.txt", "so will this tree\n");
    write_file(repo, "k.env", "aws_access_key_id = %s\n", key1);
    commit(repo, "c1", NULL);
    git_out(repo, id, sizeof(id), "rev-parse", "HEAD:gone.txt", NULL);
    obj = moat_asprintf("%s/.git/objects/%.2s/%s", repo, id, id + 2);
    assert_int_equal(unlink(obj), 0);
    free(obj);
    git_out(repo, id, sizeof(id), "rev-parse", "HEAD:dir/sub", NULL);
    obj = moat_asprintf("%s/.git/objects/%.2s/%s", repo, id, id + 2);
    assert_int_equal(unlink(obj), 0);
    free(obj);
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.errors, 2);
    assert_int_equal(r.st.files, 1);
    assert_int_equal(aws(&r, "k.env", NULL), 1);
    result_release(&r);

    write_file(one, "k.env", "aws_access_key_id = %s\n", key1);
    commit(one, "c1", NULL);
    assert_int_equal(setenv("MOAT_TEST_FAIL", "git_read:1", 1), 0);
    scan(&r, one, NULL, NULL, NULL, 1);
    unsetenv("MOAT_TEST_FAIL");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.errors, 1);
    assert_int_equal(r.st.files, 0);
    assert_int_equal(aws_all(&r), 0);
    result_release(&r);
    free(one);
    free(repo);
}

/* Hex to the 20 raw bytes of an object id. */
static void oid_raw(const char *hex, unsigned char out[20])
{
    for (int i = 0; i < 20; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

/* A malformed tree (written with git hash-object --literally, as an attacker
 * would) is warned about; the entries before the damage are still scanned. An
 * entry that calls a blob a tree is skipped, and does not hide that blob when
 * a later commit holds it as a file. */
static void test_malformed_tree(void **state)
{
    char *repo = new_repo(), *raw = moat_asprintf("%s/tree.raw", base);
    char *list = moat_asprintf("%s/tree.list", base);
    char key[64], other[64], tree[64], c1[64], c2[64], line[256];
    const char *hash[] = { "git",  "-C",          repo, "hash-object", "-t",
                           "tree", "--literally", "-w", "--stdin",     NULL };
    const char *mktree[] = { "git", "-C", repo, "mktree", NULL };
    unsigned char id[20];
    struct result r;
    FILE *f;

    (void)state;
    write_file(repo, "k.env", "aws_access_key_id = %s\n", key1);
    write_file(repo, "ok.txt", "plain\n");
    git_out(repo, key, sizeof(key), "hash-object", "-w", "k.env", NULL);
    git_out(repo, other, sizeof(other), "hash-object", "-w", "ok.txt", NULL);
    f = fopen(raw, "w");
    assert_non_null(f);
    assert_true(fprintf(f, "40000 hidden%c", 0) > 0); /* the key's blob, posing as a tree */
    oid_raw(key, id);
    assert_int_equal(fwrite(id, 1, 20, f), 20);
    assert_true(fprintf(f, "100644 ok.txt%c", 0) > 0);
    oid_raw(other, id);
    assert_int_equal(fwrite(id, 1, 20, f), 20);
    assert_true(fprintf(f, "100644 cut-short%c", 0) > 0);
    assert_int_equal(fwrite(id, 1, 7, f), 7);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run(NULL, hash, raw, line, sizeof(line)), 0);
    assert_int_equal(moat_snprintf(tree, sizeof(tree), "%.40s", line), 0);
    git_out(repo, c1, sizeof(c1), "commit-tree", tree, "-m", "forged", NULL);
    f = fopen(list, "w");
    assert_non_null(f);
    assert_true(fprintf(f, "100644 blob %s\tk.env\n", key) > 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run(NULL, mktree, list, line, sizeof(line)), 0);
    assert_int_equal(moat_snprintf(tree, sizeof(tree), "%.40s", line), 0);
    git_out(repo, c2, sizeof(c2), "commit-tree", tree, "-p", c1, "-m", "the key", NULL);
    git(repo, "update-ref", "refs/heads/main", c2, NULL);
    scan(&r, repo, NULL, NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.commits, 2);
    assert_int_equal(r.st.errors, 2); /* the blob posing as a tree, the cut-short entry */
    assert_int_equal(r.st.files, 2);
    assert_int_equal(aws(&r, "k.env", c2), 1);
    result_release(&r);
    free(list);
    free(raw);
    free(repo);
}

/* A history long enough to be cut into segments walked in parallel: a blob
 * that leaves and comes back later is credited to its first commit, and the
 * results do not depend on the number of threads. */
static void test_parallel_walk(void **state)
{
    char *repo = new_repo(), *stream = moat_asprintf("%s/stream", base);
    const char *argv[] = { "git", "-C", repo, "fast-import", "--quiet", NULL };
    char *list = moat_malloc(2000 * 41 + 1);
    FILE *f = fopen(stream, "w");
    char *ids[1200];
    struct result r[3];

    (void)state;
    assert_non_null(f);
    for (int i = 0; i < 1200; i++) {
        assert_true(fprintf(f,
                            "commit refs/heads/main\ncommitter A <a@example.com> %d +0000\n"
                            "data 1\nx\nM 100644 inline f.txt\ndata <<EOF\nv%d\nEOF\n",
                            1600000000 + i, i) > 0);
        if (i == 300 || i == 900)
            assert_true(fprintf(f,
                                "M 100644 inline k.env\ndata <<EOF\naws_access_key_id = %s\nEOF\n",
                                key1) > 0);
        if (i == 301)
            assert_true(fprintf(f, "D k.env\n") > 0);
        if (i == 1000)
            assert_true(fprintf(f,
                                "M 100644 inline j.env\ndata <<EOF\naws_access_key_id = %s\nEOF\n",
                                key2) > 0);
        assert_true(fprintf(f, "\n") > 0);
    }
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run(NULL, argv, stream, NULL, 0), 0);
    git_out(repo, list, 2000 * 41, "rev-list", "--reverse", "main", NULL);
    for (int i = 0; i < 1200; i++) {
        ids[i] = i ? strchr(ids[i - 1], '\0') + 1 : list;
        if (i < 1199)
            *strchr(ids[i], '\n') = '\0';
    }
    for (int t = 0; t < 3; t++) {
        scan(&r[t], repo, NULL, NULL, NULL, t == 0 ? 1 : t == 1 ? 2 : 4);
        assert_int_equal(r[t].rc, 0);
        assert_int_equal(r[t].st.commits, 1200);
        assert_int_equal(r[t].st.files, 1202);
        assert_int_equal(aws_all(&r[t]), 2);
        assert_int_equal(aws(&r[t], "k.env", ids[300]), 1);
        assert_int_equal(aws(&r[t], "j.env", ids[1000]), 1);
        result_release(&r[t]);
    }
    free(list);
    free(stream);
    free(repo);
}

/* The path of the one pack file of repo, or NULL. */
static char *pack_path(const char *repo)
{
    char *dir = moat_asprintf("%s/.git/objects/pack", repo), *path = NULL;
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (moat_str_endswith(e->d_name, ".pack")) {
            assert_null(path);
            path = moat_asprintf("%s/%s", dir, e->d_name);
        }
    closedir(d);
    free(dir);
    return path;
}

/* What a scan found, as the tests compare it. */
static void same_result(const struct result *a, const struct result *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->st.commits, b->st.commits);
    assert_int_equal(a->st.files, b->st.files);
    assert_int_equal(a->st.errors, b->st.errors);
    assert_int_equal(a->f.n, b->f.n);
    for (size_t i = 0; i < a->f.n; i++) {
        const struct moat_finding *f = a->f.v[i];
        size_t same = 0;
        for (size_t k = 0; k < b->f.n; k++) {
            const struct moat_finding *g = b->f.v[k];
            same += strcmp(f->rule_id, g->rule_id) == 0 && strcmp(f->path, g->path) == 0 &&
                    f->line == g->line && strcmp(f->commit, g->commit) == 0 &&
                    strcmp(f->author, g->author) == 0 && strcmp(f->date, g->date) == 0;
        }
        assert_int_equal(same, 1);
    }
}

/* A history read from loose objects, from one pack with deltas by offset,
 * one with deltas by id, and from several packs and loose objects gives the
 * same findings, credited to the same commits, with 1 or 3 threads. A pack
 * damaged in the middle or cut short is warned about, never a crash. */
static void test_packed(void **state)
{
    char *repo = new_repo(), *stream = moat_asprintf("%s/packed-stream", base);
    const char *argv[] = { "git", "-C", repo, "fast-import", "--quiet", NULL };
    FILE *f = fopen(stream, "w");
    struct result loose, r;
    char *pack;
    int fd;

    (void)state;
    assert_non_null(f);
    for (int i = 0; i < 80; i++) {
        /* a file that changes a little each time: deltas on deltas */
        assert_true(fprintf(f,
                            "commit refs/heads/main\nmark :%d\nauthor Alice Leak "
                            "<alice@example.com> %d +0100\ncommitter A <a@example.com> %d "
                            "+0000\ndata 1\nx\nM 100644 inline big.txt\ndata <<EOF\n",
                            i + 1, 1600000000 + i, 1600000000 + i) > 0);
        for (int l = 0; l < 200; l++)
            assert_true(fprintf(f, "line %d of version %d\n", l, l == i ? i : 0) > 0);
        if (i >= 20 && i < 30)
            assert_true(fprintf(f, "aws_access_key_id = %s\n", key1) > 0);
        assert_true(fprintf(f, "EOF\n") > 0);
        if (i == 50)
            assert_true(fprintf(f,
                                "M 100644 inline dir/k.env\ndata <<EOF\naws_access_key_id = "
                                "%s\nEOF\n",
                                key2) > 0);
        assert_true(fprintf(f, "\n") > 0);
    }
    assert_true(fprintf(f, "reset refs/tags/t1\nfrom :75\n\n") > 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run(NULL, argv, stream, NULL, 0), 0);
    git(repo, "-c", "gc.auto=0", "prune-packed", NULL);
    /* all loose: fast-import wrote one pack; unpack it */
    git(repo, "repack", "-adq", "--depth=1", "--window=0", NULL);
    pack = pack_path(repo);
    {
        const char *sh[] = { "sh", "-c",
                             "p=$(ls .git/objects/pack/*.pack); mv $p ../unpacked.pack; "
                             "rm .git/objects/pack/*; "
                             "git unpack-objects -q < ../unpacked.pack",
                             NULL };
        assert_int_equal(run(repo, sh, NULL, NULL, 0), 0);
    }
    free(pack);
    scan(&loose, repo, NULL, NULL, NULL, 2);
    assert_int_equal(loose.rc, 0);
    assert_int_equal(loose.st.commits, 80);
    assert_int_equal(aws_all(&loose), 2);
    /* one pack, deltas by offset; then by id */
    git(repo, "repack", "-adfq", "--depth=50", "--window=10", NULL);
    for (int t = 1; t <= 3; t += 2) {
        scan(&r, repo, NULL, NULL, NULL, t);
        same_result(&loose, &r);
        result_release(&r);
    }
    git(repo, "-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq", "--depth=50",
        "--window=10", NULL);
    scan(&r, repo, NULL, NULL, NULL, 2);
    same_result(&loose, &r);
    result_release(&r);
    /* several packs and loose objects */
    {
        const char *sh[] = { "sh", "-c",
                             "git repack -adfq && git rev-list --objects main~40 | "
                             "git pack-objects -q .git/objects/pack/pack >/dev/null && "
                             "git rev-list --objects main~60 | "
                             "git pack-objects -q .git/objects/pack/pack >/dev/null && "
                             "git rev-list --objects main~10 | cut -d' ' -f1 | "
                             "git pack-objects -q --stdout > ../part.pack && "
                             "git init -q --bare ../split.git && "
                             "cp .git/objects/pack/* ../split.git/objects/pack/ && "
                             "git -C ../split.git unpack-objects -q < ../unpacked.pack && "
                             "git -C ../split.git update-ref refs/heads/main "
                             "$(git rev-parse main) && "
                             "git -C ../split.git symbolic-ref HEAD refs/heads/main && "
                             "git -C ../split.git update-ref refs/tags/t1 $(git rev-parse t1)",
                             NULL };
        char *split = moat_asprintf("%s/../split.git", repo);
        assert_int_equal(run(repo, sh, NULL, NULL, 0), 0);
        scan(&r, split, NULL, NULL, NULL, 2);
        same_result(&loose, &r);
        result_release(&r);
        free(split);
    }
    /* damaged in the middle: bytes of the objects overwritten */
    git(repo, "repack", "-adfq", "--depth=50", "--window=10", NULL);
    pack = pack_path(repo);
    assert_int_equal(chmod(pack, 0644), 0);
    fd = open(pack, O_RDWR);
    assert_true(fd >= 0);
    {
        struct stat st;
        unsigned char junk[64];
        assert_int_equal(fstat(fd, &st), 0);
        memset(junk, 0x5a, sizeof(junk));
        /* the trees and blobs: git writes the commits first */
        for (off_t at = st.st_size * 3 / 4; at + 64 < st.st_size - 20; at += st.st_size / 20)
            assert_int_equal(pwrite(fd, junk, sizeof(junk), at), (ssize_t)sizeof(junk));
        scan(&r, repo, NULL, NULL, NULL, 2);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.st.commits, 80);
        assert_true(r.st.errors > 0);
        result_release(&r);
        /* and the commits: the walk stops with libgit2's error */
        assert_int_equal(pwrite(fd, junk, sizeof(junk), 100), (ssize_t)sizeof(junk));
        scan(&r, repo, NULL, NULL, NULL, 2);
        assert_true(r.rc == 0 || r.rc == MOAT_EGIT);
        result_release(&r);
        /* cut short */
        assert_int_equal(ftruncate(fd, st.st_size / 2), 0);
        scan(&r, repo, NULL, NULL, NULL, 2);
        assert_true(r.rc == 0 || r.rc == MOAT_EGIT);
        result_release(&r);
    }
    close(fd);
    free(pack);
    result_release(&loose);
    free(stream);
    free(repo);
}

/* The staged scan sees what is about to be committed: not committed files,
 * not unstaged changes. */
static void test_staged(void **state)
{
    char *repo = new_repo(), *fresh = new_repo(), *alt = moat_asprintf("%s/alt.index", base);
    struct result r;

    (void)state;
    write_file(repo, "committed.env", "aws_access_key_id = %s\n", key1);
    write_file(repo, "tracked.txt", "clean\n");
    commit(repo, "c1", NULL);
    write_file(repo, "tracked.txt", "aws_access_key_id = %s\n", key1); /* not staged */
    write_file(repo, "staged.env", "aws_access_key_id = %s\n", key2);
    git(repo, "add", "staged.env", NULL);
    scan_staged(&r, repo);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.files, 1);
    assert_int_equal(aws_all(&r), 1);
    assert_int_equal(aws(&r, "staged.env", ""), 1);
    result_release(&r);

    /* git runs the hook with GIT_INDEX_FILE naming the index being committed */
    assert_int_equal(setenv("GIT_INDEX_FILE", alt, 1), 0);
    git(repo, "read-tree", "HEAD", NULL);
    git(repo, "add", "tracked.txt", NULL);
    scan_staged(&r, repo);
    unsetenv("GIT_INDEX_FILE");
    assert_int_equal(r.rc, 0);
    assert_int_equal(aws_all(&r), 1);
    assert_int_equal(aws(&r, "tracked.txt", ""), 1);
    result_release(&r);

    /* before the first commit, everything staged is new */
    write_file(fresh, "a.env", "aws_access_key_id = %s\n", key1);
    write_file(fresh, "b.txt", "nothing\n");
    git(fresh, "add", "-A", NULL);
    scan_staged(&r, fresh);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.files, 2);
    assert_int_equal(aws(&r, "a.env", ""), 1);
    result_release(&r);
    free(alt);
    free(fresh);
    free(repo);
}

static void check_hook(const char *path)
{
    struct moat_buf raw = MOAT_BUF_INIT(1 << 16);
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(moat_fs_read(path, &raw, NULL), 0);
    assert_true(moat_str_startswith(raw.data, "#!/bin/sh\n# installed by moat\n"));
    assert_non_null(strstr(raw.data, "scan --staged"));
    assert_non_null(strstr(raw.data, "--no-verify"));
    assert_non_null(strstr(raw.data, "moat:ignore"));
    moat_buf_release(&raw);
}

static void test_hook_install(void **state)
{
    char *repo = new_repo(), *sub = moat_asprintf("%s/deep/dir", repo);
    char *hook = moat_asprintf("%s/.git/hooks/pre-commit", repo);
    char *backup = moat_asprintf("%s.moat-backup", hook);
    struct moat_buf raw = MOAT_BUF_INIT(1 << 16);
    struct moat_err err = { 0 };

    (void)state;
    write_file(repo, "deep/dir/x.txt", "x\n");
    assert_int_equal(moat_hook_install(sub, false, &err), 0); /* found from a subdirectory */
    check_hook(hook);
    assert_int_equal(moat_hook_install(repo, false, &err), 0); /* again: idempotent */
    check_hook(hook);
    assert_int_equal(access(backup, F_OK), -1);

    write_file(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho theirs\n");
    assert_int_equal(moat_hook_install(repo, false, &err), MOAT_EEXIST);
    assert_non_null(strstr(err.msg, "--force"));
    assert_int_equal(moat_hook_install(repo, true, &err), 0);
    check_hook(hook);
    assert_int_equal(moat_fs_read(backup, &raw, NULL), 0);
    assert_string_equal(raw.data, "#!/bin/sh\necho theirs\n");
    assert_int_equal(moat_hook_install(repo, true, &err), 0); /* ours now: no new backup */
    /* a second foreign hook would overwrite the backup: refused */
    write_file(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho another\n");
    assert_int_equal(moat_hook_install(repo, true, &err), MOAT_EEXIST);

    /* core.hooksPath, relative to the work tree, and created if missing */
    git(repo, "config", "core.hooksPath", "tools/hooks", NULL);
    assert_int_equal(moat_hook_install(repo, false, &err), 0);
    free(hook);
    hook = moat_asprintf("%s/tools/hooks/pre-commit", repo);
    check_hook(hook);
    moat_buf_release(&raw);
    free(backup);
    free(hook);
    free(sub);
    free(repo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_introducing_commit),
        cmocka_unit_test(test_each_blob_once),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_all_refs),
        cmocka_unit_test(test_not_a_repo),
        cmocka_unit_test(test_shallow),
        cmocka_unit_test(test_missing_objects),
        cmocka_unit_test(test_malformed_tree),
        cmocka_unit_test(test_parallel_walk),
        cmocka_unit_test(test_packed),
        cmocka_unit_test(test_staged),
        cmocka_unit_test(test_hook_install),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
