/*
 * hw_breakpoint.h - the x86 debug registers of a guest task, as ptrace(2) sets them and the CPU
 * acts on them (Linux's arch/x86/kernel/hw_breakpoint.c and the debug-register requests of
 * arch/x86/kernel/ptrace.c): gdb's `watch`, `rwatch`, `awatch` and `hbreak`.
 */
#ifndef FL_EMU_HW_BREAKPOINT_H
#define FL_EMU_HW_BREAKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#define HBP_NUM     4 /* DR0-DR3 */
#define X86_TRAP_DB 1 /* the debug exception's vector */
/* DR6: which slots' breakpoints fired, and a single step */
#define DR_TRAP_BITS 0xfu
#define DR_STEP      0x4000u

/* The debug-register part of Linux's struct thread_struct (ptrace_bps, virtual_dr6, ptrace_dr7)
 * and what the engine's hooks note while the task runs. */
struct thread_debugreg {
    uint64_t addr[HBP_NUM]; /* DR0-DR3: the address of each slot's breakpoint */
    unsigned registered;    /* slots with a breakpoint (a DR0-3 or DR7 write made one) */
    unsigned armed;         /* slots whose breakpoint is enabled: what the CPU acts on */
    bool watching;          /* some armed slot watches data (counted in hw_breakpoint.c) */
    uint8_t type[HBP_NUM];  /* DR7's R/W field of an armed slot: 0 execute, 1 write, 3 access */
    uint8_t len[HBP_NUM];   /* its length in bytes (1, 2, 4, 8) */
    uint64_t dr7;           /* DR7 as the tracer last wrote it */
    uint64_t virtual_dr6;   /* DR_TRAP0-3 and DR_STEP of the last debug trap */
    /* while running (hw_breakpoint.c) */
    uint64_t insn;  /* the instruction executing now */
    unsigned hits;  /* DR_TRAPn of the slots it touched: a trap once it retires */
    uint64_t rf_ip; /* RFLAGS.RF: an instruction breakpoint just reported at rf_ip */
    bool rf;        /*   does not fire again when the task resumes there */
};

struct proc;

/* PTRACE_PEEKUSER / PTRACE_POKEUSER of u_debugreg[n] (ptrace_get_debugreg and
 * ptrace_set_debugreg): 0 or -EIO (DR4, DR5) / -EINVAL (an address above the user half, an
 * I/O breakpoint, an instruction breakpoint longer than a byte, an unaligned watchpoint; a
 * refused DR7 changes nothing). */
uint64_t ptrace_get_debugreg(const struct proc *child, unsigned n);
int ptrace_set_debugreg(struct proc *child, unsigned n, uint64_t val);

/* copy_thread: a new task keeps DR7's value (the thread struct is copied) but has no
 * breakpoints. */
void hw_breakpoint_fork(struct proc *child, const struct proc *parent);
/* flush_ptrace_hw_breakpoint (execve, exit): no breakpoints, DR6 and DR7 cleared. */
void flush_ptrace_hw_breakpoint(struct proc *p);

/* Before p runs on its engine: while any task has an armed breakpoint, the engine carries the
 * hooks that watch instructions and memory accesses (and drops its translated code to do so);
 * once none has, they go. Forgets what the last, unfinished run noted. Call it before clearing
 * p's pending fault: uc_hook_del invalidates the code translated under the hooks by virtual
 * address, through the TLB-fill hook, which takes an address p has not mapped for a fault. */
void hw_breakpoint_before_run(struct proc *p);
/* After the engine returned without a page fault: whether p took a debug trap (a breakpoint
 * hit by the last instruction that retired, an instruction breakpoint, or the single step
 * whose #DB the interrupt hook saw: `stepped`). If so virtual_dr6 says which, as do_debug
 * leaves it, and the caller delivers SIGTRAP. */
bool hw_breakpoint_trapped(struct proc *p, bool stepped);

#endif
