/*
 * mremap_dup - mremap with old_size 0 (sys_mremap's "duplicate shm area" case): for a shared
 * mapping it makes a second mapping of the same pages (stores through either are seen through
 * the other; the first stays), with MREMAP_MAYMOVE or at a MREMAP_FIXED address; for a private
 * mapping it is EINVAL and maps nothing. Until 2026-12-07 faultline returned EINVAL for both
 * and left a stray mapping behind.
 */
#define _GNU_SOURCE
#include "guest.h"

int main(void)
{
    size_t P = GUEST_PAGE;
    char *s = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *p = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED || p == MAP_FAILED)
        guest_die("mmap");
    s[0] = 'a';
    s[3 * P] = 'd';
    p[0] = 'x';

    int before = guest_maps_lines("");
    void *r = mremap(p, 0, 2 * P, MREMAP_MAYMOVE);
    printf("private: %s, mappings %+d\n", r == MAP_FAILED ? guest_errno_name(errno) : "mapped",
           guest_maps_lines("") - before);

    before = guest_maps_lines("");
    char *d = mremap(s, 0, 4 * P, MREMAP_MAYMOVE);
    if (d == MAP_FAILED) {
        printf("shared: %s, mappings %+d\n", guest_errno_name(errno),
               guest_maps_lines("") - before);
        return 1;
    }
    printf("shared: a new address %d, mappings %+d\n", d != s, guest_maps_lines("") - before);
    printf("duplicate reads %c %c\n", d[0], d[3 * P]);
    d[P] = 'b';
    s[2 * P] = 'c';
    printf("original reads %c, duplicate reads %c\n", s[P], d[2 * P]);
    printf("without MAYMOVE: %s\n",
           mremap(s + P, 0, P, 0) == MAP_FAILED ? guest_errno_name(errno) : "mapped");

    /* a second duplicate of pages 1-2 at a fixed place */
    char *area = mmap(NULL, 8 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        guest_die("mmap area");
    char *f = mremap(s + P, 0, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, area + 4 * P);
    printf("fixed: %s\n", f == area + 4 * P ? "there"
                          : f == MAP_FAILED ? guest_errno_name(errno)
                                            : "elsewhere");
    if (f != MAP_FAILED)
        printf("fixed duplicate reads %c %c\n", f[0], f[P]);
    munmap(s, 4 * P);
    printf("after unmapping the original the duplicate reads %c\n", d[3 * P]);
    return 0;
}
