/*
 * faultaround_window DIR: which pages one read fault maps in a file mapping, read back from
 * /proc/self/pagemap's present bits. Linux 4.20's do_fault_around (and the host's, the same
 * window since its 6.4 rewrite) maps the 16 pages (fault_around_bytes, 64 KiB) of the
 * 64 KiB-aligned window around the fault, but clamped to the VMA's start, and then 16 pages
 * from there: a mapping that starts 5 pages past a 64 KiB boundary gets pages 0-15 from a fault
 * on its page 0, past the boundary. Within the VMA an aligned window is used (a fault on page
 * 20 maps 11-26), the VMA's end and a PTE table's end cut it short.
 *
 * The file is written here (64 pages), so the page cache holds all of it on both sides and
 * the window is all that decides; the mappings are at fixed addresses (the window depends on
 * the virtual address). Cases: where the mapping starts, the pages touched, the pages present.
 */
#include <stdint.h>

#include "guest.h"

#define FILE_PAGES 64
#define MAP_PAGES  40

static int fd;

static void one(const char *what, uintptr_t at, long pages, long pgoff, const int *touch,
                int ntouch)
{
    char *m = mmap((void *)at, pages * GUEST_PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd,
                   pgoff * GUEST_PAGE);
    if (m != (char *)at)
        guest_die("mmap");
    for (int i = 0; i < ntouch; i++)
        (void)*(volatile char *)(m + touch[i] * GUEST_PAGE);
    int pm = open("/proc/self/pagemap", O_RDONLY);
    uint64_t e[MAP_PAGES];
    if (pm < 0 || pread(pm, e, pages * 8, (off_t)(at / GUEST_PAGE * 8)) != pages * 8)
        guest_die("pagemap");
    close(pm);
    printf("%s:", what);
    for (long i = 0; i < pages; i++)
        if (e[i] >> 63)
            printf(" %ld", i);
    printf("\n");
    munmap(m, pages * GUEST_PAGE);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]))
        guest_die("chdir");
    fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char page[GUEST_PAGE];
    for (int i = 0; i < FILE_PAGES; i++) {
        memset(page, 'a' + i % 26, sizeof(page));
        if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
            guest_die("write");
    }
    const uintptr_t base = 0x300000000UL; /* 2 MiB aligned */
    int p0[] = {0}, p20[] = {20}, p9[] = {9}, p3[] = {3}, p39[] = {39};
    one("aligned start, page 0", base, MAP_PAGES, 0, p0, 1);
    one("aligned start, page 20", base, MAP_PAGES, 0, p20, 1);
    one("start 5 pages past 64 KiB, page 0", base + 5 * GUEST_PAGE, MAP_PAGES, 0, p0, 1);
    one("start 5 pages past 64 KiB, page 20", base + 5 * GUEST_PAGE, MAP_PAGES, 0, p20, 1);
    one("start 7 pages past, file page 3, page 9", base + 7 * GUEST_PAGE, MAP_PAGES, 3, p9, 1);
    one("12-page mapping, page 3", base + 2 * GUEST_PAGE, 12, 0, p3, 1);
    one("start 2 pages before a PTE table's end, page 0", base + 510 * GUEST_PAGE, MAP_PAGES, 0, p0,
        1);
    one("start 2 pages before a PTE table's end, page 39", base + 510 * GUEST_PAGE, MAP_PAGES, 0,
        p39, 1);
    close(fd);
    return 0;
}
