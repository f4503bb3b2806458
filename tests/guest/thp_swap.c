/* thp_swap - transparent huge pages under memory pressure: 16 MiB of MADV_HUGEPAGE memory written
 * (huge pages where the kernel gives them), shared with a fork child, which writes one page of
 * each huge page and unmaps part of the last (its PMDs split: the pages are then mapped whole by
 * the parent's PMDs and frame by frame by the child's PTEs) while the parent writes one page of
 * the first; then 20 MiB of ordinary memory written by both, so that a small RAM must reclaim:
 * huge pages are split and swapped out. Every page must still hold what was written. Prints the
 * count of wrong pages (0), the child's status and the parent's byte. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1UL << 20)

int main(void)
{
    char *p = mmap((void *)0x80000000UL, 16 * MIB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    madvise(p, 16 * MIB, MADV_HUGEPAGE);
    for (size_t o = 0; o < 16 * MIB; o += 4096)
        p[o] = (char)((o >> 12) | 1);
    pid_t c = fork();
    if (c == 0) {
        for (size_t k = 0; k < 8; k++)
            p[k * 2 * MIB + (k + 1) * 4096] = 9;
        munmap(p + 14 * MIB + 8 * 4096, 8 * 4096);
    } else {
        p[5 * 4096] = 11;
    }
    char *q = malloc(20 * MIB);
    for (size_t o = 0; q && o < 20 * MIB; o += 4096)
        q[o] = 7;
    long bad = 0;
    for (size_t o = 0; o < 16 * MIB; o += 4096) {
        char want = (char)((o >> 12) | 1);
        if (c == 0 && o >= 14 * MIB + 8 * 4096 && o < 14 * MIB + 16 * 4096)
            continue; /* unmapped */
        if (c == 0 && (o % (2 * MIB)) == ((o / (2 * MIB)) + 1) * 4096)
            want = 9;
        if (c != 0 && o == 5 * 4096)
            want = 11;
        bad += p[o] != want;
    }
    if (c == 0)
        _exit(bad || p[4096] != 9 ? 1 : 0);
    int st;
    waitpid(c, &st, 0);
    printf("wrong pages %ld, child status %d, parent's bytes %d %d\n", bad,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, p[4096], p[5 * 4096]);
    return 0;
}
