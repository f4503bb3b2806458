/*
 * emu.h - the emulated machine's life cycle: create it, start the first process, run until every
 * process has exited (or a limit or the user stops it), tear down.
 */
#ifndef FL_EMU_H
#define FL_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/proc.h"

/* Process life-cycle events for observers (the log records the process tree). */
struct proc_observer {
    void (*on_start)(void *ctx, struct proc *p);
    void (*on_exit)(void *ctx, struct proc *p);
    void *ctx;
};

enum emu_stop {
    EMU_EXITED,      /* the last process exited (exit_code/term_sig tell how) */
    EMU_INTERRUPTED, /* faultline got SIGINT/SIGTERM */
    EMU_TIME_LIMIT,  /* --timeout */
    EMU_INSN_LIMIT,  /* --max-insns */
    EMU_ERROR,       /* the engine failed in a way no guest action explains */
};

struct emu_result {
    enum emu_stop stop;
    int exit_code; /* the first process's exit status (0-255) */
    int term_sig;  /* or the signal that killed it */
    char message[256];
};

struct emu *emu_create(const struct fl_options *opt, char *err, size_t errlen);
/* --swap, --swap-file, --reclaim: set up the swap device and the replacement policy
 * (emu/swap_setup.c). 0, or -1 with a message in err. */
int emu_swapon(const struct fl_options *opt, char *err, size_t errlen);
/* /proc/swaps from the model's device (emu/swap_setup.c): an fd of the text, or -errno. */
int proc_swaps_open(void);
void emu_set_proc_observer(struct emu *e, const struct proc_observer *obs);
/* Check and load `path` as the first process (pid 1000 by convention); a #! script runs its
 * interpreter, as execve would. NULL + one-line error, errno ENOENT when a script's interpreter
 * does not exist (ENOEXEC for anything else). */
struct proc *emu_spawn(struct emu *e, const char *path, char *const argv[], char *const envp[],
                       char *err, size_t errlen);
void emu_run(struct emu *e, struct emu_result *res);
/* The process whose status is the run's: the one emu_spawn made, or the thread that took its
 * place by an execve (so not necessarily emu_spawn's pointer). Valid until emu_destroy. */
struct proc *emu_first(struct emu *e);
/* Ask a running emu_run to stop soon (async-signal-safe). */
void emu_request_stop(struct emu *e);
/* From a signal handler on the emulator thread, as the host raises signo for the guest's
 * foreground group (to_first false: from the terminal) or its first process (to_first): if the
 * guest code running now belongs to a process it goes to and signo will end it, stop the engine
 * at once rather than at its next syscall or fault. */
void emu_stop_for_fatal_signal(struct emu *e, int signo, bool to_first);

/*
 * The stepping controller's way in (emu/control.c). The hook runs on the emulator thread before
 * every uc_emu_start round of p (registers precise, the model consistent, faults resolved) and
 * with leaving = true whenever p leaves the CPU (it exited, parked in a blocking syscall, or the
 * run is stopping), before an exited p's address space is released. It may block (a paused
 * debugger), add or remove engine hooks, and call emu_request_stop(). emu_kick() ends the current
 * round early without ending the run, so the hook runs next; any thread may call it at any time
 * (between rounds, the next round ends at its first block). The round ends at the start of the
 * next translated block, never in the middle of one (see emu/run.c, "Kicks").
 */
typedef void (*emu_round_hook)(void *ctx, struct proc *p, bool leaving);
void emu_set_round_hook(struct emu *e, emu_round_hook fn, void *ctx);
void emu_kick(struct emu *e);
/* For a hook that stops the engine in the middle of a block (mmu/mmu.h, cpu_hold_exit_checks):
 * take a kick if one came; the hook then stops the engine. */
bool emu_kick_take(struct emu *e);
/* A kick that has not stopped the engine yet stops it now: the CPU-time ticker calls this every
 * tick, as a stop that lands while uc_emu_start begins is lost in it. */
void emu_kick_again(struct emu *e);
void emu_destroy(struct emu *e);

/* Stop the process: exit_group semantics (all threads), with a status or a signal. */
void proc_exit(struct proc *p, int exit_code, int term_sig);

#endif
