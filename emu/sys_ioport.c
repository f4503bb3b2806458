/*
 * sys_ioport.c - ioperm and iopl (arch/x86/kernel/ioport.c).
 *
 * Linux 4.20 gives a task with CAP_SYS_RAWIO the I/O ports it asks for: ioperm sets bits of
 * its TSS I/O bitmap, iopl(3) lets it use every port. faultline has no ports to give (the
 * engine's I/O instructions reach no device), so it refuses every request that would grant
 * access as Linux refuses a task without the capability: EPERM. What needs no capability
 * still succeeds (turning ports off, an iopl no higher than the current 0), and the argument
 * checks come first, as in Linux. So `in` and `out` always raise #GP in user mode
 * (mmu/port_io.c): SIGSEGV, SI_KERNEL, at the instruction.
 */
#include <errno.h>

#include "emu/syscall.h"

#define IO_BITMAP_BITS 65536

/* ksys_ioperm(from, num, turn_on) */
long sys_ioperm(struct proc *p, const uint64_t a[6])
{
    (void)p;
    uint64_t from = a[0], num = a[1];
    int turn_on = (int)a[2];
    if (from + num <= from || from + num > IO_BITMAP_BITS)
        return -EINVAL;
    /* granting ports needs CAP_SYS_RAWIO, and faultline grants none even with it */
    if (turn_on)
        return -EPERM;
    return 0; /* no bitmap yet, or bits turned off: nothing to do */
}

/* iopl(level): the task's IOPL is always 0 here */
long sys_iopl(struct proc *p, const uint64_t a[6])
{
    (void)p;
    unsigned int level = (unsigned int)a[0];
    if (level > 3)
        return -EINVAL;
    if (level > 0) /* raising it needs CAP_SYS_RAWIO; no port is given even with it */
        return -EPERM;
    return 0;
}
