/*
 * odirect - reads and writes of an O_DIRECT file with page-aligned buffers, offsets and lengths
 * (dd iflag=direct oflag=direct): write, pwrite, read, pread, readv and writev. The host wants
 * its own buffer aligned as the guest's is; until 2026-12-06 faultline's bounce buffer was not,
 * and every such read or write failed with EINVAL. Takes a scratch directory as argv[1].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *res(ssize_t r)
{
    static char buf[32];
    if (r < 0)
        return strerrorname_np(errno);
    snprintf(buf, sizeof(buf), "%zd", r);
    return buf;
}

int main(int argc, char **argv)
{
    enum { SZ = 3 * 65536 };
    char *w = aligned_alloc(4096, SZ), *r = aligned_alloc(4096, SZ);

    if (argc < 2 || chdir(argv[1]) < 0 || !w || !r)
        return 2;
    for (int i = 0; i < SZ; i++)
        w[i] = (char)(i * 7 + i / 4096);
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    printf("open O_DIRECT: %s\n", fd < 0 ? strerrorname_np(errno) : "ok");
    if (fd < 0)
        return 0; /* a file system without O_DIRECT: the same natively */
    printf("write 192 KiB: %s\n", res(write(fd, w, SZ)));
    printf("pwrite 4 KiB at 8 KiB: %s\n", res(pwrite(fd, w + 4096, 4096, 8192)));
    struct iovec wv[2] = {{w, 4096}, {w + 8192, 8192}};
    printf("writev 12 KiB: %s\n", res(writev(fd, wv, 2)));
    lseek(fd, 0, SEEK_SET);
    memset(r, 0, SZ);
    ssize_t n = read(fd, r, SZ);
    printf("read 192 KiB: %s, same %d\n", res(n),
           memcmp(r, w, 8192) == 0 && memcmp(r + 8192, w + 4096, 4096) == 0 &&
               memcmp(r + 12288, w + 12288, SZ - 12288) == 0);
    memset(r, 0, SZ);
    n = pread(fd, r, 8192, SZ);
    printf("pread 8 KiB at 192 KiB: %s, same %d\n", res(n),
           memcmp(r, w, 4096) == 0 && memcmp(r + 4096, w + 8192, 4096) == 0);
    struct iovec rv[2] = {{r, 4096}, {r + 65536, 8192}};
    lseek(fd, SZ, SEEK_SET);
    printf("readv 12 KiB: %s\n", res(readv(fd, rv, 2)));
    printf("read at the end: %s\n", res(read(fd, r, 4096)));
    printf("pread of an unaligned length: %s\n", res(pread(fd, r, 100, 0)));
    close(fd);
    return 0;
}
