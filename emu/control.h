/*
 * control.h - the stepping controller: pause, single-step, step over a call, continue, run to the
 * next (matching) fault, breakpoints. The TUI drives it; it drives the run loop.
 *
 * Threads: emu_run() runs on the emulator thread and calls the controller between uc_emu_start
 * rounds (emu_set_round_hook). The ctl_* commands are called from any other thread (the UI); they
 * only post the command and kick the engine, so the emulator thread applies every change between
 * rounds, where registers are precise and the model is consistent. ctl_pause() and ctl_quit() are
 * also safe from a signal handler.
 *
 * Speed: the UC_HOOK_CODE hook (about 12x slower) is installed only while a step, a step-over or a
 * breakpoint needs it, and removed when the guest continues freely. While the guest runs, a host
 * ticker thread stops the engine every tick_ms so the client's on_tick can refresh its view; a
 * free-running guest pays one round trip per tick (a few microseconds) and nothing per fault
 * beyond the fault observer's copy.
 */
#ifndef FL_CONTROL_H
#define FL_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

struct emu;
struct proc;
struct fault_event;

/* Why the guest is paused. */
enum ctl_reason {
    CTL_AT_START,    /* before the first instruction */
    CTL_STEPPED,     /* a step or step-over finished */
    CTL_PAUSED,      /* the user paused */
    CTL_BREAKPOINT,  /* stopped before an instruction with a breakpoint */
    CTL_FAULT,       /* after a fault that matched "run to next fault" (already resolved) */
    CTL_PROC_EXITED, /* the process left the CPU for good (its mm is still readable) */
};

/* "Run to the next fault" matches a fault when every set field matches. */
struct ctl_filter {
    char handler[48]; /* a substring of the handler path ("" matches all) */
    uint64_t lo, hi;  /* address range [lo, hi) (hi == 0: any address) */
    int pid;          /* 0: any process */
};

/* What the client (the UI) is told; every call comes on the emulator thread. */
struct ctl_client {
    /* The guest stopped; p's registers and mm may be read until this returns. Called again with
     * CTL_PAUSED (refresh) when the client asked for ctl_refresh() while paused. */
    void (*on_pause)(void *ctx, struct proc *p, enum ctl_reason why);
    /* The guest is running: at most once per tick, p may be read until this returns. */
    void (*on_tick)(void *ctx, struct proc *p);
    /* Every fault (from the fault observer, inside do_page_fault). */
    void (*on_fault)(void *ctx, const struct fault_event *ev);
    void *ctx;
};

struct ctl;

/* Attach a controller to e (before emu_run): the guest starts paused at its entry point.
 * tick_ms is the refresh period while running (50 gives 20 refreshes a second). */
struct ctl *ctl_create(struct emu *e, const struct ctl_client *client, unsigned tick_ms);
/* Detach and free (after emu_run has returned). */
void ctl_destroy(struct ctl *c);

/* Commands (any thread). They take effect when the guest is paused or at the next round. */
void ctl_step(struct ctl *c, unsigned n); /* execute n instructions, then pause */
void ctl_step_over(struct ctl *c);        /* a call runs to its return address; else one step */
void ctl_continue(struct ctl *c);         /* run until a breakpoint, pause or the end */
void ctl_run_to_fault(struct ctl *c, const struct ctl_filter *f); /* f NULL: any fault */
void ctl_refresh(struct ctl *c); /* paused: call on_pause(CTL_PAUSED) again with fresh state */
void ctl_pause(struct ctl *c);   /* async-signal-safe */
void ctl_quit(struct ctl *c);    /* stop the run (EMU_INTERRUPTED); async-signal-safe */
/* Toggle a breakpoint at addr: 1 when now set, 0 when removed, -1 when the table is full. */
int ctl_toggle_breakpoint(struct ctl *c, uint64_t addr);
/* Copy up to max breakpoint addresses into out; returns how many are set. */
int ctl_breakpoints(struct ctl *c, uint64_t *out, int max);
/* True while the guest runs freely (continue, run to a fault, step over a call): commands are
 * dropped then (pause first). While paused or single-stepping, commands queue up in order. */
bool ctl_running(struct ctl *c);

/* Does the fault match the filter? (exposed for tests and the UI's feed highlighting) */
bool ctl_filter_match(const struct ctl_filter *f, const struct fault_event *ev);

#endif
