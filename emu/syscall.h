/*
 * syscall.h - the syscall entry: handler type, errno convention, and the handlers' prototypes.
 *
 * Handlers take the six argument registers (rdi, rsi, rdx, r10, r8, r9) and return the value for
 * rax: >= 0 for success, -errno for failure (the one error convention of this layer). The table
 * of calls is data, in syscall_table.h: one row per call.
 */
#ifndef FL_SYSCALL_H
#define FL_SYSCALL_H

#include <stdint.h>

#include "emu/proc.h"

typedef long (*syscall_fn)(struct proc *p, const uint64_t a[6]);

struct syscall_desc {
    const char *name;
    syscall_fn fn;
    /* one letter per argument, for the strace-style trace (strace.c):
     * d int, u unsigned, x hex, p pointer (NULL for 0), s string (in), b buffer (out, length =
     * ret), B buffer (in, length = next arg), D directory fd (AT_FDCWD), M mode (octal);
     * flags and enums by name: o open flags, O open mode (shown only with O_CREAT/O_TMPFILE in
     * the argument before), m PROT_*, f MAP_*, a MADV_*, y MS_*, r MREMAP_*, R mremap's new
     * address (shown only with MREMAP_FIXED), l MLOCK_*, L MCL_*, t AT_*, A access mode,
     * S signal, h SIG_BLOCK..., P ARCH_*, c clock id, w SEEK_*, F fcntl command, C clone
     * flags, X futex op, W wait options */
    const char *sig;
    bool may_wake;      /* a SYSCALL_WAKES or SYSCALL_IO row */
    unsigned char ioac; /* enum ioac_kind (emu/task_io.h): a SYSCALL_IO row's */
};

#define SYSCALL(nr, name, fn, sig)        long fn(struct proc *p, const uint64_t a[6]);
#define SYSCALL_WAKES(nr, name, fn, sig)  SYSCALL(nr, name, fn, sig)
#define SYSCALL_IO(nr, name, fn, sig, io) SYSCALL(nr, name, fn, sig)
#include "emu/syscall_table.h"
#undef SYSCALL_IO
#undef SYSCALL_WAKES
#undef SYSCALL

/* Dispatch syscall nr for p; returns rax. Unknown numbers: -ENOSYS and one warning per number. */
long do_syscall(struct proc *p, uint64_t nr, const uint64_t a[6]);
const struct syscall_desc *syscall_lookup(uint64_t nr);
/* One line of the --strace trace for call d with arguments a that returned ret (strace.c). */
void strace_call(struct proc *p, const struct syscall_desc *d, const uint64_t a[6], long ret);
/* "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---": p takes a signal. */
struct fl_siginfo;
void strace_signal(struct proc *p, const struct fl_siginfo *info);
/* "+++ exited with 0 +++" or "+++ killed by SIGSEGV +++": p has ended. */
void strace_exit(struct proc *p);

/* Host errno to the guest's -errno (identical numbering on x86-64 Linux). */
static inline long neg_errno(int e)
{
    return -(long)e;
}

#endif
