/*
 * strace_args.c - memory and file syscalls with literal flag arguments, for comparing
 * faultline --strace with strace's own decoding of the same calls (tests/e2e/strace.py). The
 * return values compared are the model's: an mremap across two VMAs fails with EFAULT, a
 * MAP_FIXED_NOREPLACE over a mapping with EEXIST, as natively.
 *
 * usage: strace_args SCRATCH_FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: strace_args SCRATCH_FILE\n");
        return 2;
    }
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    p[0] = 1;
    mprotect(p, 4096, PROT_READ);
    mprotect(p, 4096, PROT_NONE);
    mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    madvise(p, 8192, MADV_SEQUENTIAL);
    madvise(p, 8192, MADV_RANDOM);
    madvise(p, 8192, MADV_NORMAL);
    madvise(p, 8192, MADV_WILLNEED);
    madvise(p + 4096, 4096, MADV_DONTNEED);
    madvise(p + 4096, 4096, MADV_FREE);
    madvise(p, 8192, MADV_DONTFORK);
    madvise(p, 8192, MADV_DOFORK);
    madvise(p, 8192, 12345);                   /* not an advice: EINVAL, printed as a number */
    mremap(p, 8192, 16384, MREMAP_MAYMOVE);    /* two VMAs since the rwx mprotect: EFAULT */
    mprotect(p, 4096, PROT_READ | PROT_WRITE); /* one VMA again */
    char *q = mremap(p, 8192, 16384, MREMAP_MAYMOVE);
    char *t = mmap(NULL, 32768, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    q = mremap(q, 16384, 16384, MREMAP_MAYMOVE | MREMAP_FIXED, t + 8192);
    munmap(t, 32768);
    q = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    msync(q, 4096, MS_SYNC | MS_INVALIDATE);
    msync(q, 4096, MS_ASYNC);
    mlock(q, 4096);
    munlock(q, 4096);
    mlock2(q, 4096, MLOCK_ONFAULT);
    munlock(q, 4096);
    munmap(q, 16384);

    char *r =
        mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    munmap(r, 4096);
    r = mmap(NULL, 65536, PROT_READ,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK | MAP_GROWSDOWN, -1, 0);
    munmap(r, 65536);
    r = mmap((void *)0x200000000, 4096, PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    mmap((void *)0x200000000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
         -1, 0); /* EEXIST */
    munmap(r, 4096);

    openat(AT_FDCWD, "/nonexistent/file", O_RDONLY | O_CLOEXEC);
    /* paths of 63 and 150 bytes: strace prints both whole */
    char path[151];
    memset(path, 'x', sizeof(path) - 1);
    path[0] = '/';
    path[63] = 0;
    openat(AT_FDCWD, path, O_RDONLY);
    path[63] = 'x';
    path[150] = 0;
    openat(AT_FDCWD, path, O_RDONLY);
    int fd = openat(AT_FDCWD, argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0640);
    write(fd, "page\n\tfault\001\377", 13);
    lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    close(fd);
    fd = openat(AT_FDCWD, argv[1], O_RDWR | O_NOFOLLOW | O_NONBLOCK);
    char *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    munmap(f, 4096);
    close(fd);
    access("/", R_OK | X_OK);
    access("/nonexistent", F_OK);
    return 0;
}
