/*
 * posix_locks - fcntl record locks between processes, as POSIX and Linux define them: a
 * process's lock conflicts with another process's (F_GETLK names the holder, F_SETLK is EAGAIN,
 * F_SETLKW waits until it goes), never with the same process's own, read locks share, and a
 * process that closes any descriptor of the file loses all its locks on it, execve's closing of
 * the close-on-exec ones too. Takes a scratch
 * directory as argv[1]. Prints one line per property; the same natively and under faultline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl) == 0 ? 0 : -errno;
}

static const char *res(int r)
{
    return r == 0 ? "0" : strerrorname_np(-r);
}

/* In a child: what F_GETLK says about [start, start + len) for a lock of `type`. */
static void child_probe(const char *what, int fd, short type, off_t start, off_t len, pid_t holder)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int r = fcntl(fd, F_GETLK, &fl);
    printf("%s: F_GETLK %s, %s", what, r == 0 ? "0" : strerrorname_np(errno),
           fl.l_type == F_UNLCK   ? "unlocked"
           : fl.l_type == F_WRLCK ? "a write lock"
                                  : "a read lock");
    if (fl.l_type != F_UNLCK)
        printf(" at %ld+%ld by %s", (long)fl.l_start, (long)fl.l_len,
               fl.l_pid == holder ? "the parent" : "someone else");
    printf("\n");
}

static void run_child(void (*fn)(int), int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        fn(fd);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

static void probe_write_held(int fd)
{
    child_probe("child, the parent holding [0,10) for writing", fd, F_WRLCK, 0, 10, getppid());
    printf("child: F_SETLK write on it: %s\n", res(lock(fd, F_SETLK, F_WRLCK, 5, 10)));
    printf("child: F_SETLK read on it: %s\n", res(lock(fd, F_SETLK, F_RDLCK, 0, 1)));
    printf("child: F_SETLK write past it: %s\n", res(lock(fd, F_SETLK, F_WRLCK, 20, 10)));
}

static void probe_read_held(int fd)
{
    printf("child: F_SETLK read on the parent's read lock: %s\n",
           res(lock(fd, F_SETLK, F_RDLCK, 0, 10)));
    printf("child: F_SETLK write on it: %s\n", res(lock(fd, F_SETLK, F_WRLCK, 0, 10)));
}

static void probe_released(int fd)
{
    child_probe("child, after the parent closed another fd of the file", fd, F_WRLCK, 0, 100, 0);
}

static void wait_for_lock(int fd)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = lock(fd, F_SETLKW, F_WRLCK, 0, 10);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("child: F_SETLKW: %s after waiting for the parent: %s\n", res(r),
           ms >= 50 ? "yes" : "no");
}

static void probe_after_exec(int fd)
{
    child_probe("child, after the parent's execve closed its close-on-exec fd", fd, F_WRLCK, 0, 100,
                0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]))
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 2 && !strcmp(argv[2], "after-exec")) { /* the same process, a new image */
        int fd = open("locked", O_RDWR);
        run_child(probe_after_exec, fd);
        unlink("locked");
        return 0;
    }
    int fd = open("locked", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20)
        return 2;

    printf("parent: write lock [0,10): %s\n", res(lock(fd, F_SETLK, F_WRLCK, 0, 10)));
    int fd2 = open("locked", O_RDWR);
    printf("parent: the same range again through another fd: %s\n",
           res(lock(fd2, F_SETLK, F_WRLCK, 0, 10)));
    run_child(probe_write_held, fd);

    printf("parent: downgrade to a read lock: %s\n", res(lock(fd, F_SETLK, F_RDLCK, 0, 10)));
    run_child(probe_read_held, fd);

    close(fd2); /* drops every lock this process has on the file */
    run_child(probe_released, fd);

    /* F_SETLKW waits for the holder */
    lock(fd, F_SETLK, F_WRLCK, 0, 10);
    pid_t pid = fork();
    if (pid == 0) {
        wait_for_lock(fd);
        _exit(0);
    }
    struct timespec pause = {0, 200000000};
    nanosleep(&pause, NULL);
    lock(fd, F_SETLK, F_UNLCK, 0, 10);
    waitpid(pid, NULL, 0);
    printf("parent: the lock is free again after the child exited: %s\n",
           res(lock(fd, F_SETLK, F_WRLCK, 0, 10)));
    /* execve closes the close-on-exec fds as close(2) does: the locks on their file go, those
     * taken through fd too */
    int cloexec = open("locked", O_RDWR | O_CLOEXEC);
    printf("parent: a lock through a close-on-exec fd: %s\n",
           res(lock(cloexec, F_SETLK, F_WRLCK, 50, 10)));
    execl(argv[0], argv[0], argv[1], "after-exec", (char *)NULL);
    return 3;
}
