/* File reading with a size cap and symlink refusal, atomic writes, and the
 * MOAT_TEST_FAIL fault-injection switch that lets tests run error paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core.h"
#include "banned.h"

bool moat_test_fail(const char *site)
{
    static __thread unsigned long calls[8];
    static const char *const sites[8] = { "fs_read", "fs_write", "git_read", "archive",
                                          "walk_open" };
    const char *spec = getenv("MOAT_TEST_FAIL");
    size_t slen = strlen(site);
    char *end;
    unsigned long n;
    int idx = -1;

    if (!spec || strncmp(spec, site, slen) != 0 || spec[slen] != ':')
        return false;
    for (int i = 0; i < 8 && sites[i]; i++)
        if (strcmp(sites[i], site) == 0)
            idx = i;
    if (idx < 0)
        return false;
    n = strtoul(spec + slen + 1, &end, 10);
    return ++calls[idx] == n;
}

int moat_fs_read(const char *path, struct moat_buf *buf, struct moat_err *err)
{
    struct stat st;
    int fd, rc = 0;

    if (moat_test_fail("fs_read"))
        return moat_err_set(err, MOAT_EIO, "%s: injected read failure", path);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = moat_err_from_errno(errno);
        return moat_err_set(err, rc, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = moat_err_set(err, MOAT_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((size_t)st.st_size > buf->max) {
        rc = moat_err_set(err, MOAT_ETOOBIG, "%s: %lld bytes, over the %zu-byte limit", path,
                          (long long)st.st_size, buf->max);
        goto out;
    }
    if ((rc = moat_buf_grow(buf, (size_t)st.st_size)) != 0)
        goto out;
    for (;;) {
        ssize_t n;
        if (buf->cap - buf->len <= 1 && (rc = moat_buf_grow(buf, 4096)) != 0) {
            moat_err_set(err, rc, "%s: grew over the %zu-byte limit", path, buf->max);
            goto out;
        }
        n = read(fd, buf->data + buf->len, buf->cap - buf->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = moat_err_set(err, MOAT_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        buf->len += (size_t)n;
    }
    buf->data[buf->len] = '\0';
out:
    close(fd);
    return rc;
}

int moat_fs_write(const char *path, const void *data, size_t len, struct moat_err *err)
{
    char *tmp = moat_asprintf("%s.tmp.%ld", path, (long)getpid());
    const char *p = data;
    int fd, rc = 0;

    if (moat_test_fail("fs_write")) {
        rc = moat_err_set(err, MOAT_EIO, "%s: injected write failure", path);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", tmp, strerror(errno));
        goto out;
    }
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = moat_err_set(err, MOAT_EIO, "%s: %s", tmp, strerror(errno));
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0 && rc == 0)
        rc = moat_err_set(err, MOAT_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = moat_err_set(err, moat_err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (rc != 0 && unlink(tmp) != 0) {
        /* the temp file may never have been created; nothing more to do */
    }
out:
    free(tmp);
    return rc;
}
