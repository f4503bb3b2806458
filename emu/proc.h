/*
 * proc.h - the emulated machine (struct emu) and one emulated process (struct proc).
 *
 * A proc pairs the model's task_struct (pid, mm, fault counters) with the engine that runs it
 * (struct mmu, one Unicorn engine per address space), its file table and its signal state.
 */
#ifndef FL_PROC_H
#define FL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_model/mm_types.h"

struct mmu;
struct fdtable;

/* Options of `faultline run` that the emulated machine reads. */
struct fl_options {
    const char *db_path; /* fault log, default faultline.db */
    bool no_log;         /* --no-log: no database at all */
    uint64_t ram_bytes;  /* --ram: guest-physical RAM */
    uint64_t max_insns;  /* --max-insns: stop the guest after this many instructions (0: none) */
    double time_limit;   /* --timeout: seconds of wall time (0: none) */
    const char *sysroot; /* -L/--sysroot: prefix for absolute guest paths */
    unsigned long fault_around_bytes;
    const char *strace_path; /* --strace[=FILE]: syscall trace in strace's format ("-": stderr) */
    bool quiet;              /* --quiet: no summary on stderr */
    bool icount;             /* --icount: count instructions (a per-instruction hook: slow) */
    char **envp;             /* the guest's environment (after -E/-U edits) */
};

/* The rt_sigaction state of one signal (struct k_sigaction, as the guest passes it). */
struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define FL_NSIG 64

struct proc {
    struct task_struct task; /* pid, comm, mm, min_flt, maj_flt */
    struct emu *emu;
    struct mmu *mmu;
    struct fdtable *files;
    char *exe;   /* the executable's host path (for /proc/self/exe and the log) */
    char **argv; /* the guest's argv, NULL-terminated (owned) */
    int ppid;
    /* life */
    bool exited;
    int exit_code;    /* exit_group status (0-255) when exited without a signal */
    int term_sig;     /* the signal that killed it, 0 if none */
    int pending_trap; /* CPU exception vector seen by the interrupt hook, -1 if none */
    /* signals: recorded now; delivery arrives with processes and signals */
    struct k_sigaction sighand[FL_NSIG + 1];
    uint64_t blocked;
    uint64_t altstack_sp, altstack_size;
    /* thread bookkeeping that glibc sets up */
    uint64_t clear_child_tid, robust_list, robust_len;
    struct proc *next;
};

struct emu {
    const struct fl_options *opt;
    void *ram;
    uint64_t ram_bytes;
    struct proc *procs;
    int next_pid;
    FILE *strace;                /* NULL unless --strace */
    volatile int stop_requested; /* SIGINT/SIGTERM to faultline itself */
    uint64_t insns;              /* instructions retired so far, when counted */
};

static inline struct proc *task_proc(struct task_struct *t)
{
    return (struct proc *)((char *)t - __builtin_offsetof(struct proc, task));
}

#endif
