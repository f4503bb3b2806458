/*
 * mmap_low: MAP_FIXED mappings at the bottom of the address space. Linux refuses one below the
 * vm.mmap_min_addr sysctl with EPERM unless the task has CAP_SYS_RAWIO (root; cap_mmap_addr),
 * and lets anyone map above it (this VM's sysctl is 4096, Debian's 65536); a mere hint below
 * 65536 is moved up. A host's security module may refuse page 0 to root as well (this VM's
 * 6.18 kernel does); faultline then refuses the guest too. The output is the same natively and
 * under faultline, as root or not.
 */
#include <errno.h>
#include <sys/mman.h>

#include "guest.h"

static void try_fixed(unsigned long addr, int flags, const char *what)
{
    void *p = mmap((void *)addr, GUEST_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED) {
        printf("%s at %#lx: %s\n", what, addr, guest_errno_name(errno));
        return;
    }
    volatile unsigned char *b = p;
    b[100] = 0x5a;
    printf("%s at %#lx: mapped at %#lx, reads back %#x\n", what, addr, (unsigned long)p, b[100]);
    if (munmap(p, GUEST_PAGE))
        guest_die("munmap");
}

int main(void)
{
    try_fixed(0x1000, MAP_FIXED, "MAP_FIXED");
    try_fixed(0x3000, MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE");
    try_fixed(0x0, MAP_FIXED, "MAP_FIXED");
    void *h = mmap((void *)0x2000, GUEST_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("a hint of 0x2000: %s\n", h == MAP_FAILED             ? guest_errno_name(errno)
                                     : (unsigned long)h >= 65536 ? "placed at or above 65536"
                                                                 : "placed below");
    return 0;
}
