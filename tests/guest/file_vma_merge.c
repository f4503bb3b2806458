/*
 * file_vma_merge - when adjacent mappings of one file become one VMA (is_mergeable_vma: the same
 * struct file, that is the same open file description, and contiguous offsets), printed as
 * /proc/self/maps shows them, relative to the region:
 *   one fd        two mmaps of one fd side by side: one VMA
 *   dup           the second through a dup of the fd: one VMA (the same open file)
 *   reopened      the second through another open of the file: two VMAs
 *   gap           one fd, offsets not contiguous: two VMAs
 *   mprotect      one fd, a page made writable and back (VM_ACCOUNT stays): three VMAs
 * usage: file_vma_merge DIR (a scratch directory for the file)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

static void show(const char *what, char *base, size_t len)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    printf("%s:\n", what);
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long s, e, off;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %lx", &s, &e, perms, &off) != 4)
            continue;
        if (e <= (unsigned long)base || s >= (unsigned long)base + len)
            continue;
        printf("  pages %lu-%lu %s offset %lu\n", (s - (unsigned long)base) / PG,
               (e - (unsigned long)base) / PG, perms, off / PG);
    }
    if (f)
        fclose(f);
}

/* Two mappings of 4 pages at base and base + 4 pages, of offsets 0 and off2 (in pages). */
static char *pair(int fd1, int fd2, unsigned long off2)
{
    char *base = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(base, 8 * PG);
    if (mmap(base, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd1, 0) == MAP_FAILED ||
        mmap(base + 4 * PG, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd2, off2 * PG) ==
            MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return base;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: file_vma_merge DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/file_vma_merge.dat", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 16 * PG)) {
        perror(path);
        return 1;
    }
    char *b = pair(fd, fd, 4);
    show("one fd", b, 8 * PG);
    munmap(b, 8 * PG);

    int dupfd = dup(fd);
    b = pair(fd, dupfd, 4);
    show("dup", b, 8 * PG);
    munmap(b, 8 * PG);

    int again = open(path, O_RDONLY);
    b = pair(fd, again, 4);
    show("reopened", b, 8 * PG);
    munmap(b, 8 * PG);

    b = pair(fd, fd, 8);
    show("gap", b, 8 * PG);
    munmap(b, 8 * PG);

    b = pair(fd, fd, 4);
    mprotect(b + PG, PG, PROT_READ | PROT_WRITE);
    mprotect(b + PG, PG, PROT_READ);
    show("mprotect", b, 8 * PG);
    munmap(b, 8 * PG);

    close(again);
    close(dupfd);
    close(fd);
    unlink(path);
    return 0;
}
