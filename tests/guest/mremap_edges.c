/*
 * mremap_edges: mremap to the same page-rounded size, which Linux allows as a shrink by
 * nothing (mm/mremap.c: do_munmap's EINVAL for an empty range is ignored when old_len ==
 * new_len). Python's mmap.resize(512) of a one-page mapping does this. One line per step:
 *   same     a page to a page, no flags, then with MREMAP_MAYMOVE: the same address
 *   sub-page a page to 512 bytes (rounds up to a page) with MREMAP_MAYMOVE: the same address
 *   file     the same on a MAP_SHARED file mapping, the data still there
 *   shrink   two pages to one: the same address, the second page gone (mincore ENOMEM)
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

static void report(const char *what, void *base, void *r)
{
    if (r == MAP_FAILED)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %s\n", what, r == base ? "same address" : "moved");
}

int main(int argc, char **argv)
{
    long pg = sysconf(_SC_PAGESIZE);
    setvbuf(stdout, NULL, _IONBF, 0);

    char *a = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    a[0] = 'a';
    report("same, no flags", a, mremap(a, pg, pg, 0));
    report("same, MREMAP_MAYMOVE", a, mremap(a, pg, pg, MREMAP_MAYMOVE));
    report("sub-page, MREMAP_MAYMOVE", a, mremap(a, pg, 512, MREMAP_MAYMOVE));
    printf("data %c\n", a[0]);

    char path[] = "/tmp/mremap_edgesXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        guest_die("mkstemp");
    unlink(path);
    if (ftruncate(fd, 2 * pg) < 0)
        guest_die("ftruncate");
    char *f = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg);
    if (f == MAP_FAILED)
        guest_die("mmap file");
    memcpy(f, "foo", 3);
    report("file sub-page, MREMAP_MAYMOVE", f, mremap(f, pg, 512, MREMAP_MAYMOVE));
    printf("file data %.3s\n", f);

    char *b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    b[0] = b[pg] = 'b';
    report("shrink two pages to one", b, mremap(b, 2 * pg, pg, 0));
    unsigned char vec;
    printf("second page mincore %d\n", mincore(b + pg, pg, &vec) == 0 ? 0 : errno);
    return 0;
}
