/*
 * mprotect_grows - mprotect's PROT_GROWSDOWN and PROT_GROWSUP (do_mprotect_pkey): with
 * PROT_GROWSDOWN the change reaches down to the start of a grows-down VMA, the main stack or a
 * MAP_GROWSDOWN mapping, as glibc's _dl_make_stack_executable asks for the stack (so the VMA
 * is not split); on any other VMA it is EINVAL, as PROT_GROWSUP always is on x86, and both
 * together; PROT_SEM is accepted. Until 2026-12-07 faultline ignored both flags (changing only
 * the pages named) and refused PROT_SEM.
 */
#include "guest.h"

#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000
#endif
#define PROT_SEM_ 0x8

static void report(const char *what, int r)
{
    printf("%s: %s\n", what, r == 0 ? "ok" : guest_errno_name(errno));
}

/* The permissions of every mapping that overlaps [lo, hi), in order, as maps shows them. */
static void show(const char *what, unsigned long lo, unsigned long hi)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        guest_die("fopen maps");
    printf("%s:", what);
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && s < hi && e > lo)
            printf(" %s", perms);
    }
    fclose(f);
    printf("\n");
}

int main(void)
{
    size_t P = GUEST_PAGE;
    char *a = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        guest_die("mmap");
    report("growsdown on a plain mapping", mprotect(a + 2 * P, P, PROT_READ | PROT_GROWSDOWN));
    report("growsup", mprotect(a + 2 * P, P, PROT_READ | PROT_GROWSUP));
    report("both", mprotect(a, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
    report("PROT_SEM", mprotect(a, P, PROT_READ | PROT_WRITE | PROT_SEM_));
    report("unknown bit", mprotect(a, P, PROT_READ | 0x10));
    show("plain mapping", (unsigned long)a, (unsigned long)a + 4 * P);

    /* a MAP_GROWSDOWN mapping: the top page named, the whole VMA changed */
    char *g = mmap(NULL, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
                   -1, 0);
    if (g == MAP_FAILED)
        guest_die("mmap growsdown");
    g[7 * P] = 1;
    report("growsdown on MAP_GROWSDOWN", mprotect(g + 7 * P, P, PROT_READ | PROT_GROWSDOWN));
    show("MAP_GROWSDOWN mapping", (unsigned long)g, (unsigned long)g + 8 * P);
    report("without growsdown", mprotect(g + 7 * P, P, PROT_READ | PROT_WRITE));
    show("MAP_GROWSDOWN mapping", (unsigned long)g, (unsigned long)g + 8 * P);

    /* the main stack, as _dl_make_stack_executable does it */
    volatile char here = 0;
    unsigned long page = (unsigned long)&here & ~(P - 1);
    report("stack executable",
           mprotect((void *)page, P, PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN));
    show("stack", page - 64 * P, page + P);
    return here;
}
