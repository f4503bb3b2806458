/*
 * proc_io: /proc/self/io counts this program's reads and writes as Linux counts them (rchar,
 * wchar: bytes; syscr, syscw: calls), its reaped children's too, and /proc/self/task/TID/io a
 * thread's own. Printed as differences between two readings, less the first reading's own
 * read(2) (one call, its length in bytes): execve's reads of the binary, which Linux counts
 * and the model does not, drop out.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

struct io {
    unsigned long long rchar, wchar, syscr, syscw, read_bytes, write_bytes;
    long len; /* the bytes the reading's read(2) returned */
};

static struct io reading(const char *path)
{
    char buf[1024];
    struct io io = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (n <= 0)
        guest_die(path);
    close(fd);
    buf[n] = 0;
    io.len = (long)n;
    sscanf(buf,
           "rchar: %llu wchar: %llu syscr: %llu syscw: %llu read_bytes: %llu write_bytes: %llu",
           &io.rchar, &io.wchar, &io.syscr, &io.syscw, &io.read_bytes, &io.write_bytes);
    return io;
}

static void delta(const char *what, struct io a, struct io b)
{
    printf("%s: rchar +%lld wchar +%lld syscr +%lld syscw +%lld\n", what,
           (long long)(b.rchar - a.rchar) - a.len, (long long)(b.wchar - a.wchar),
           (long long)(b.syscr - a.syscr) - 1, (long long)(b.syscw - a.syscw));
}

static void *reader(void *arg)
{
    char path[64], buf[64];
    int *fds = arg;

    snprintf(path, sizeof(path), "/proc/self/task/%d/io", gettid());
    struct io a = reading(path);
    for (int i = 0; i < 4; i++)
        if (read(fds[0], buf, 16) != 16)
            guest_die("thread read");
    delta("a thread, 4 reads of 16 bytes (its own file)", a, reading(path));
    return NULL;
}

int main(void)
{
    char buf[4096] = {0};
    int p[2];

    if (pipe(p))
        guest_die("pipe");
    struct io a = reading("/proc/self/io");
    for (int i = 0; i < 3; i++)
        if (write(p[1], buf, 100) != 100)
            guest_die("write");
    if (read(p[0], buf, 200) != 200 || read(p[0], buf, 200) != 100)
        guest_die("read");
    delta("3 writes of 100 bytes, 2 reads (200 and 100)", a, reading("/proc/self/io"));

    a = reading("/proc/self/io");
    printf("pread64 on a pipe: %s\n", pread(p[0], buf, 1, 0) < 0 ? guest_errno_name(errno) : "ok");
    printf("read of fd 999: %s\n", read(999, buf, 1) < 0 ? guest_errno_name(errno) : "ok");
    printf("readv of fd 999: %s\n", readv(999, NULL, 0) < 0 ? guest_errno_name(errno) : "ok");
    printf("write of 0 bytes: %zd\n", write(p[1], buf, 0));
    delta("refused calls: ESPIPE, EBADF (read, readv), and a write of 0", a,
          reading("/proc/self/io"));

    a = reading("/proc/self/io");
    struct iovec iov[2] = {{buf, 10}, {buf + 10, 20}};
    if (writev(p[1], iov, 2) != 30 || readv(p[0], iov, 2) != 30)
        guest_die("writev/readv");
    delta("writev and readv of 30 bytes", a, reading("/proc/self/io"));

    a = reading("/proc/self/io");
    int fd = open("/proc/self/exe", O_RDONLY);
    off_t off = 0;
    if (fd < 0 || sendfile(p[1], fd, &off, 1000) != 1000 || read(p[0], buf, 1000) != 1000)
        guest_die("sendfile");
    close(fd);
    delta("sendfile of 1000 bytes into the pipe, read back", a, reading("/proc/self/io"));

    a = reading("/proc/self/io");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        for (int i = 0; i < 5; i++)
            if (write(p[1], buf, 50) != 50)
                _exit(1);
        _exit(0);
    }
    printf("child status %d\n", guest_reap(pid));
    if (read(p[0], buf, 250) != 250)
        guest_die("read child's");
    delta("a reaped child's 5 writes of 50 bytes, read back at once", a, reading("/proc/self/io"));

    pthread_t t;
    for (int i = 0; i < 4; i++)
        if (write(p[1], buf, 16) != 16)
            guest_die("write for the thread");
    a = reading("/proc/self/io");
    if (pthread_create(&t, NULL, reader, p) || pthread_join(t, NULL))
        guest_die("thread");
    /* the thread's reads and its own two readings of its file count for the process */
    struct io b = reading("/proc/self/io");
    delta("the process, with the thread's (and its two readings)", a, b);
    return 0;
}
