/*
 * many_vmas: 120 one-page mappings that cannot merge (a page apart, alternating rights) from
 * 0x100000000, then a write to a fresh page at 0x300000000: a process with more VMAs than the
 * TUI's panel shows at once, faulting in one far down the list (tests/tui, case many_vmas).
 */
#include <sys/mman.h>

#include "guest.h"

int main(void)
{
    for (int i = 0; i < 120; i++)
        guest_map(0x100000000UL + 2UL * i * GUEST_PAGE, GUEST_PAGE,
                  i % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
    volatile unsigned char *far = guest_map(0x300000000UL, GUEST_PAGE, PROT_READ | PROT_WRITE);
    far[0] = 1;
    printf("many_vmas: %d\n", far[0]);
    return 0;
}
