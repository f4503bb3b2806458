/*
 * splice_pipe SCRATCH - splice(2) and tee(2): a file into a pipe and out into another file with
 * explicit offsets, tee duplicating a pipe's bytes into a second pipe, a blocking splice from a
 * pipe that a child fills 100 ms later (the process waits, as natively), and SPLICE_F_NONBLOCK
 * on an empty pipe (EAGAIN); and copy_file_range, which faultline does the same way (coreutils cp
 * copies with it). python3's os.splice, nginx, socat and pv move data so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char src[4096], dst[4096], buf[64];
    if (argc < 2 || chdir(argv[1]))
        return 2;
    snprintf(src, sizeof(src), "src");
    snprintf(dst, sizeof(dst), "dst");
    int fd = open(src, O_CREAT | O_TRUNC | O_RDWR, 0600);
    for (int i = 0; i < 1000; i++)
        dprintf(fd, "line %04d\n", i);
    int out = open(dst, O_CREAT | O_TRUNC | O_RDWR, 0600), p[2], q[2];
    if (fd < 0 || out < 0 || pipe(p) || pipe(q))
        return 1;

    off_t off_in = 100, off_out = 7; /* loff_t is off_t on x86-64 */
    ssize_t n = splice(fd, &off_in, p[1], NULL, 500, 0);
    printf("file -> pipe: %zd, off_in now %lld\n", n, (long long)off_in);
    ssize_t t = tee(p[0], q[1], 500, 0);
    printf("tee: %zd\n", t);
    n = splice(p[0], NULL, out, &off_out, 500, SPLICE_F_MOVE);
    printf("pipe -> file: %zd, off_out now %lld\n", n, (long long)off_out);
    ssize_t r = read(q[0], buf, 20);
    printf("the tee'd copy starts: %.*s", (int)r, buf);
    r = pread(out, buf, 20, 7);
    printf("the file at 7 reads: %.*s", (int)r, buf);
    printf("file offsets untouched: %lld %lld\n", (long long)lseek(fd, 0, SEEK_CUR),
           (long long)lseek(out, 0, SEEK_CUR));

    n = splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK);
    printf("nonblocking splice of an empty pipe: %zd %s\n", n, n < 0 ? strerror(errno) : "");

    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        _exit(write(p[1], "late data\n", 10) == 10 ? 0 : 1);
    }
    n = splice(p[0], NULL, out, NULL, 10, 0);
    printf("blocking splice waited for the child: %zd\n", n);
    waitpid(c, NULL, 0);
    r = pread(out, buf, 10, 0);
    printf("appended at the file offset 0: %.*s", (int)r, buf);

    /* a raw syscall: older musl has no wrapper */
    off_in = 20, off_out = 3;
    n = syscall(SYS_copy_file_range, fd, &off_in, out, &off_out, 30, 0);
    r = pread(out, buf, 12, 3);
    printf("copy_file_range: %zd, offsets now %lld %lld, the file at 3 reads: %.*s\n", n,
           (long long)off_in, (long long)off_out, (int)r, buf);
    return 0;
}
