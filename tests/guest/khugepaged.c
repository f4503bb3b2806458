/*
 * khugepaged - which 2 MiB ranges of small pages khugepaged collapses into huge pages, by
 * Linux 4.20's rules. Run under faultline only, as root, with --thp madvise: the guest sets the
 * model's scan_sleep_millisecs to 10 ms (natively that would be the host's, and the collapses
 * would depend on every other process the host's khugepaged scans).
 *
 * Four 2 MiB blocks at 0x80000000, faulted in small pages before MADV_HUGEPAGE: A all 512 pages, B
 * 100 (fewer than the 256 young PTEs 4.20 wants), C all 512 but shared with a forked child, D 300
 * (212 holes, under max_ptes_none). MADV_HUGEPAGE puts the mm on khugepaged's list, which wakes
 * it at once: A and D collapse. Once the child is gone C is still read-only (copy-on-write since
 * the fork), so it stays small until a write makes one PTE writable; then C collapses. B never:
 * each pass allocates a huge page for it and gives up at the swap-in step, so thp_collapse_alloc
 * (reported on stderr, as many as the passes that looked at B) is 3 plus that number.
 * The bytes are the same throughout, D's holes zero (read at the end: no fault where a huge
 * page maps them, a zero-page read fault per hole in B).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define HPAGE (2UL << 20)
#define PAGE  4096UL
#define KHP   "/sys/kernel/mm/transparent_hugepage/khugepaged/"

static long read_long(const char *path, const char *field)
{
    char line[256];
    long v = -1;
    size_t n = field ? strlen(field) : 0;
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f))
        if (!field || (!strncmp(line, field, n) && (line[n] == ':' || line[n] == ' '))) {
            v = strtol(line + n + (field != NULL), NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

static long huge_kb(void)
{
    return read_long("/proc/self/smaps_rollup", "AnonHugePages");
}

static unsigned char pattern(unsigned long block, unsigned long page)
{
    return (unsigned char)(block * 131 + page * 7 + 1);
}

/* The bytes of block b: its first `touched` pages hold their pattern, the rest are zero. */
static int block_ok(const unsigned char *base, unsigned long b, unsigned long touched)
{
    for (unsigned long i = 0; i < HPAGE / PAGE; i++)
        for (unsigned long off = 0; off < PAGE; off += 512)
            if (base[b * HPAGE + i * PAGE + off] != (i < touched ? pattern(b, i) : 0))
                return 0;
    return 1;
}

/* Wait, up to 5 s, until pages_collapsed reaches want; the value it has then. */
static long wait_collapsed(long want)
{
    long v = 0;
    for (int i = 0; i < 500 && (v = read_long(KHP "pages_collapsed", NULL)) < want; i++)
        usleep(10000);
    return v;
}

/* Wait until khugepaged has gone through its whole list twice more. */
static void wait_full_scans(void)
{
    long start = read_long(KHP "full_scans", NULL);
    for (int i = 0; i < 500 && read_long(KHP "full_scans", NULL) < start + 2; i++)
        usleep(10000);
}

int main(void)
{
    static const unsigned long touched[4] = {512, 100, 512, 300};
    setvbuf(stdout, NULL, _IONBF, 0);
    if (write_str(KHP "scan_sleep_millisecs", "10")) {
        perror("scan_sleep_millisecs");
        return 1;
    }
    unsigned char *base = mmap((void *)0x80000000UL, 4 * HPAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (base != (void *)0x80000000UL) {
        perror("mmap");
        return 1;
    }
    for (unsigned long b = 0; b < 4; b++)
        for (unsigned long i = 0; i < touched[b]; i++)
            memset(base + b * HPAGE + i * PAGE, pattern(b, i), PAGE);
    int pipefd[2];
    if (pipe(pipefd))
        return 1;
    pid_t child = fork();
    if (child == 0) { /* keeps C (and the rest) shared until the parent closes the pipe */
        char c;
        close(pipefd[1]);
        read(pipefd[0], &c, 1);
        _exit(0);
    }
    close(pipefd[0]);
    printf("before MADV_HUGEPAGE: AnonHugePages %ld kB, pages_collapsed %ld\n", huge_kb(),
           read_long(KHP "pages_collapsed", NULL));
    /* A, B and D were written before the fork too: copy-on-write now, so write each of their
     * pages (do_wp_page reuses nothing shared: wp_page_copy) to make them the parent's own */
    for (unsigned long b = 0; b < 4; b += b == 1 ? 2 : 1)
        for (unsigned long i = 0; i < touched[b]; i++)
            base[b * HPAGE + i * PAGE] = pattern(b, i);
    madvise(base, 4 * HPAGE, MADV_HUGEPAGE);
    printf("after MADV_HUGEPAGE: AnonHugePages %ld kB, pages_collapsed %ld\n", huge_kb(),
           read_long(KHP "pages_collapsed", NULL));
    close(pipefd[1]);
    waitpid(child, NULL, 0);
    wait_full_scans();
    printf("child gone, C read-only: AnonHugePages %ld kB\n", huge_kb());
    base[2 * HPAGE] = pattern(2, 0); /* do_wp_page: the last mapper reuses its page */
    printf("after a write to C: pages_collapsed %ld\n", wait_collapsed(3));
    wait_full_scans();
    printf("AnonHugePages %ld kB\n", huge_kb());
    /* khugepaged passes over the range every 10 ms, and each tries B again: take the range out
     * of its reach (hugepage_vma_check) so that the count read next is the log's last */
    madvise(base, 4 * HPAGE, MADV_NOHUGEPAGE);
    guest_note("khugepaged", "thp_collapse_alloc",
               (void *)read_long("/proc/vmstat", "thp_collapse_alloc"));
    for (unsigned long b = 0; b < 4; b++)
        printf("block %c: %s\n", (char)('A' + b),
               block_ok(base, b, touched[b]) ? "same bytes" : "CHANGED");
    return 0;
}
