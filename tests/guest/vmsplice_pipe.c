/*
 * vmsplice_pipe.c - vmsplice(2) into a pipe's write end and out of its read end: the bytes of
 * several segments in order, a partial read, SPLICE_F_NONBLOCK on an empty and on a full pipe,
 * a blocking vmsplice that waits for a reader (a child), and the errors (not a pipe, a bad fd,
 * bad flags, a write end read from is still a write). Everything printed is the same on Linux
 * 4.20 and the host kernel.
 */
#define _GNU_SOURCE
#include <sys/uio.h>

#include "guest.h"

static long vms(int fd, struct iovec *iov, int n, unsigned flags)
{
    ssize_t r = vmsplice(fd, iov, n, flags);
    return r < 0 ? -errno : r;
}

static const char *res(long r)
{
    static char buf[32];
    if (r < 0)
        return guest_errno_name((int)-r);
    snprintf(buf, sizeof(buf), "%ld", r);
    return buf;
}

int main(void)
{
    int p[2];
    if (pipe(p))
        guest_die("pipe");
    char a[] = "hello ", b[] = "world";
    struct iovec in[2] = {{a, 6}, {b, 5}};
    printf("into the write end: %s\n", res(vms(p[1], in, 2, 0)));
    char x[4] = {0}, y[16] = {0};
    struct iovec out[2] = {{x, 3}, {y, sizeof(y)}};
    long r = vms(p[0], out, 2, 0);
    printf("out of the read end: %s \"%.3s\" \"%s\"\n", res(r), x, y);
    printf("empty, SPLICE_F_NONBLOCK: %s\n", res(vms(p[0], out, 2, SPLICE_F_NONBLOCK)));
    printf("zero bytes: %s\n", res(vms(p[1], in, 0, 0)));
    printf("bad flags: %s\n", res(vms(p[1], in, 2, 0x100)));
    printf("a bad fd: %s\n", res(vms(99, in, 2, 0)));
    int file = open("/proc/self/exe", O_RDONLY);
    printf("not a pipe: %s\n", res(vms(file, out, 2, 0)));
    struct iovec bad = {(void *)8, 4};
    printf("a bad buffer: %s\n", res(vms(p[1], &bad, 1, 0)));

    /* fill the pipe, then: NONBLOCK says EAGAIN, a blocking one waits for the child to read */
    static char big[1 << 16] __attribute__((aligned(4096))); /* whole pages: 16 pipe slots */
    memset(big, 'z', sizeof(big));
    struct iovec all = {big, sizeof(big)};
    long filled = vms(p[1], &all, 1, SPLICE_F_NONBLOCK);
    struct iovec one = {a, 1};
    printf("filled: %s, then SPLICE_F_NONBLOCK: %s\n", res(filled),
           res(vms(p[1], &one, 1, SPLICE_F_NONBLOCK)));
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) { /* reads to the end: the 64 KiB and the byte that waited */
        size_t got = 0;
        ssize_t n;
        close(p[1]);
        while ((n = read(p[0], big, sizeof(big))) > 0)
            got += (size_t)n;
        _exit(got == (size_t)filled + 1 ? 0 : 1);
    }
    printf("blocking, with a reader: %s\n", res(vms(p[1], &one, 1, 0)));
    close(p[1]);
    printf("the reader got everything: %d\n", guest_reap(pid) == 0);
    return 0;
}
