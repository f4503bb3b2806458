/*
 * mempolicy: the NUMA policy calls on a machine of one node (what this project's machines are;
 * the emulated one always is), compared with a native run: get_mempolicy says MPOL_DEFAULT and
 * node 0 and clears the rest of the mask, set_mempolicy and mbind take policies on node 0 and
 * refuse node 1.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *res(long r)
{
    return r == 0 ? "0" : strerror(errno);
}

int main(void)
{
    int mode = -1;
    unsigned long mask[2] = {~0UL, ~0UL}, node0 = 1, node1 = 2;
    long r = syscall(SYS_get_mempolicy, &mode, mask, 65, 0, 0);

    printf("get_mempolicy: %s, mode %d, mask %lx %lx\n", res(r), mode, mask[0], mask[1]);
    r = syscall(SYS_get_mempolicy, NULL, mask, 65, 0, 4 /* MPOL_F_MEMS_ALLOWED */);
    printf("mems allowed: %s, mask %lx\n", res(r), mask[0]);
    r = syscall(SYS_set_mempolicy, 3 /* MPOL_INTERLEAVE */, &node0, 2);
    printf("interleave on node 0: %s\n", res(r));
    r = syscall(SYS_set_mempolicy, 1 /* MPOL_PREFERRED */, &node1, 3);
    printf("preferred node 1: %s\n", res(r));
    r = syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0);
    printf("default: %s\n", res(r));
    unsigned char *p = guest_map(0x260000000UL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    r = syscall(SYS_mbind, p, 2 * GUEST_PAGE, 2 /* MPOL_BIND */, &node0, 2, 0);
    printf("mbind on node 0: %s\n", res(r));
    r = syscall(SYS_set_mempolicy, 9, NULL, 0);
    printf("bad mode: %s\n", res(r));
    return 0;
}
