/*
 * select_flock: select/pselect6 and flock between processes, compared with a native run:
 *   select    select with a zero timeout on an empty pipe is 0; a parent's select without a
 *             timeout waits (parks) until its child writes, and reports only the read set bit;
 *             a 100 ms timeout on a pipe nobody writes ends with 0; a closed fd is EBADF
 *   pselect   pselect6 with a mask that unblocks SIGUSR1 (blocked otherwise): a child's
 *             SIGUSR1 ends it with EINTR, the handler ran once, and the mask is back after
 *   flock     a child holds LOCK_EX for 200 ms; the parent's LOCK_NB is EWOULDBLOCK, its
 *             blocking LOCK_EX waits until the child lets go
 * usage: select_flock SCRATCH_DIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

#include "guest.h"

static void test_select(void)
{
    int fds[2];
    if (pipe(fds))
        guest_die("pipe");
    fd_set r, w;
    struct timeval tv = {0, 0};
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    printf("select: empty pipe, zero timeout -> %d\n", select(fds[0] + 1, &r, NULL, NULL, &tv));
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(fds[0], &r);
    int n = select(fds[0] + 1, &r, &w, NULL, NULL);
    printf("select: after the child's write -> %d, read bit %d\n", n, FD_ISSET(fds[0], &r));
    printf("select: child %d\n", guest_reap(pid));
    char c;
    if (read(fds[0], &c, 1) != 1)
        guest_die("read");
    tv = (struct timeval){0, 100000};
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    printf("select: 100 ms on a quiet pipe -> %d\n", select(fds[0] + 1, &r, NULL, NULL, &tv));
    close(fds[1]);
    close(fds[0]);
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    errno = 0;
    tv = (struct timeval){0, 0};
    n = select(fds[0] + 1, &r, NULL, NULL, &tv);
    printf("select: closed fd -> %d %s\n", n, errno == EBADF ? "EBADF" : "other");
}

static volatile sig_atomic_t got;
static void on_usr1(int sig)
{
    (void)sig;
    got++;
}

static void test_pselect(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, during, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&during);
    int fds[2];
    if (pipe(fds))
        guest_die("pipe");
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        usleep(100000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    errno = 0;
    int n = pselect(fds[0] + 1, &r, NULL, NULL, NULL, &during);
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("pselect: -> %d %s, handler ran %d, SIGUSR1 blocked again %d\n", n,
           errno == EINTR ? "EINTR" : "other", (int)got, sigismember(&now, SIGUSR1));
    guest_reap(pid);
    close(fds[0]);
    close(fds[1]);
}

static void test_flock(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/lockfile", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    if (fd < 0)
        guest_die("open");
    int ready[2];
    if (pipe(ready))
        guest_die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        if (cfd < 0 || flock(cfd, LOCK_EX))
            _exit(1);
        if (write(ready[1], "k", 1) != 1)
            _exit(1);
        usleep(200000);
        flock(cfd, LOCK_UN);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        guest_die("read");
    errno = 0;
    int r = flock(fd, LOCK_EX | LOCK_NB);
    printf("flock: LOCK_NB while the child holds it -> %d %s\n", r,
           errno == EWOULDBLOCK ? "EWOULDBLOCK" : "other");
    r = flock(fd, LOCK_EX);
    printf("flock: blocking LOCK_EX -> %d, child %d\n", r, guest_reap(pid));
    flock(fd, LOCK_UN);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: select_flock SCRATCH_DIR\n");
        return 2;
    }
    test_select();
    test_pselect();
    test_flock(argv[1]);
    return 0;
}
