/*
 * proc_comm_write - a task's name written through /proc/PID/comm and
 * /proc/PID/task/TID/comm (fs/proc/base.c's comm_write), as glibc's pthread_setname_np does for
 * another thread (GHC's RTS names its workers so): the first 15 bytes written become the name,
 * a newline included, whatever the offset; each iovec of a writev is a write of its own; a task
 * of another thread group is EINVAL; an fd opened read-only is EBADF. faultline refused the open
 * (EACCES) until 2026-12-07. Left out: root opening a read-only file of /proc for writing
 * (CAP_DAC_OVERRIDE: Linux lets it, faultline says EACCES).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stage;

static const char *err(long r)
{
    static char buf[32];
    if (r >= 0)
        snprintf(buf, sizeof(buf), "%ld", r);
    else
        snprintf(buf, sizeof(buf), "%s",
                 errno == EINVAL   ? "EINVAL"
                 : errno == EACCES ? "EACCES"
                 : errno == EBADF  ? "EBADF"
                                   : strerror(errno));
    return buf;
}

/* The name as the file shows it, newlines as \n. */
static void show(const char *what, const char *path)
{
    char buf[64], out[128];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
    size_t o = 0;
    for (ssize_t i = 0; i < n && o + 3 < sizeof(out); i++) {
        if (buf[i] == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = buf[i];
        }
    }
    out[o] = 0;
    printf("%s: %s\n", what, n < 0 ? err(-1) : out);
    if (fd >= 0)
        close(fd);
}

static long write_path(const char *path, const char *s, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    errno = 0;
    long r = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static void *thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    stage = 1;
    pthread_cond_broadcast(&cv);
    while (stage != 2)
        pthread_cond_wait(&cv, &mu);
    char name[16] = {0};
    prctl(PR_GET_NAME, name);
    printf("thread's own PR_GET_NAME: %s\n", name);
    stage = 3;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(void)
{
    char name[16] = {0}, path[64];

    printf("write renamed: %s\n", err(write_path("/proc/self/comm", "renamed", O_WRONLY)));
    prctl(PR_GET_NAME, name);
    printf("PR_GET_NAME: %s\n", name);
    show("comm", "/proc/self/comm");
    printf("write with newline: %s\n", err(write_path("/proc/self/comm", "nl\n", O_RDWR)));
    show("comm", "/proc/self/comm");
    printf("write 26 bytes: %s\n",
           err(write_path("/proc/self/comm", "abcdefghijklmnopqrstuvwxyz", O_WRONLY | O_TRUNC)));
    show("comm", "/proc/self/comm");

    /* one fd: a pwrite at an offset, then a writev of two, then a read of the same fd */
    int fd = open("/proc/self/comm", O_RDWR);
    errno = 0;
    printf("pwrite at 5: %s\n", err(pwrite(fd, "offset", 6, 5)));
    show("comm", "/proc/self/comm");
    struct iovec iov[2] = {{"first", 5}, {"second", 6}};
    printf("writev: %s\n", err(writev(fd, iov, 2)));
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    printf("read back on the same fd: %zd %s", n, buf);
    close(fd);

    /* another thread, as pthread_setname_np names it */
    pthread_t t;
    pthread_create(&t, NULL, thread, NULL);
    pthread_mutex_lock(&mu);
    while (stage != 1)
        pthread_cond_wait(&cv, &mu);
    printf("pthread_setname_np: %d\n", pthread_setname_np(t, "worker-7"));
    char got[16] = {0};
    printf("pthread_getname_np: %d %s\n", pthread_getname_np(t, got, sizeof(got)), got);
    stage = 2;
    pthread_cond_broadcast(&cv);
    while (stage != 3)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pthread_join(t, NULL);
    show("the leader's comm after", "/proc/self/comm");

    /* another process: the open succeeds, the write is EINVAL */
    int ready[2];
    if (pipe(ready) < 0)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_NAME, "child");
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    read(ready[0], buf, 1);
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)c);
    printf("write another process's comm: %s\n", err(write_path(path, "intruder", O_WRONLY)));
    show("its comm", path);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);

    errno = 0;
    fd = open("/proc/self/comm", O_RDONLY);
    printf("write to comm opened read-only: %s\n", err(write(fd, "x", 1)));
    return 0;
}
