/*
 * host_signals.c - signals sent to faultline, passed on to the guest (see host_signals.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/host_signals.h"
#include "emu/proc.h"
#include "emu/signal.h"
#include "emu/sys_info.h"

/* One emulated machine per faultline process: the signals on their way, the terminal's state. */
static struct {
    struct emu *emu;
    bool on_tty;
    atomic_uint tty_pending;  /* 1 << signo for each signal from the terminal not yet delivered */
    atomic_uint sent_pending; /* the same for signals sent by host processes */
    struct host_sender sender[32]; /* a sent signal's, written before its pending bit is set */
    uint64_t sent_ns[32];          /* and when it came (CLOCK_MONOTONIC) */
    volatile sig_atomic_t ended_by;
    int fg_pgid; /* the guest's foreground group (TIOCSPGRP), 0: the first process's */
} hs;

static uint64_t inherited_ignored, inherited_blocked;

void host_signals_save_inherited(void)
{
    sigset_t mask;
    sigemptyset(&mask);
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    for (int sig = 1; sig <= 64 && sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction old;
        uint64_t bit = 1ULL << (sig - 1);
        if (sigaction(sig, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
            old.sa_handler == SIG_IGN)
            inherited_ignored |= bit;
        if (sigismember(&mask, sig) == 1)
            inherited_blocked |= bit;
    }
}

void host_signals_inherited(uint64_t *ignored, uint64_t *blocked)
{
    *ignored = inherited_ignored;
    *blocked = inherited_blocked;
}

void host_signals_enable(struct emu *e, bool on_tty)
{
    hs.emu = e;
    hs.on_tty = on_tty;
    atomic_store(&hs.tty_pending, 0);
    atomic_store(&hs.sent_pending, 0);
    hs.ended_by = 0;
    hs.fg_pgid = 0;
}

bool host_signals_tty(const struct emu *e)
{
    return e && hs.emu == e && hs.on_tty;
}

bool host_signals_enabled(const struct emu *e)
{
    return e && hs.emu == e;
}

/* How long a sent signal may wait for the guest before the same signal sent again ends the run. */
#define SENT_PATIENCE_NS 1000000000u

/* The signals that end the run when they cannot reach the guest: what a user sends to stop it. */
static bool stops_run(int sig)
{
    return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

bool host_signal_raise(struct emu *e, int sig, const struct host_sender *from)
{
    if (hs.emu != e || sig <= 0 || sig >= 32)
        return false;
    unsigned bit = 1u << sig;
    bool sent = from->code <= 0; /* SI_USER, SI_QUEUE, SI_TKILL: a process sent it */
    atomic_uint *pending = sent ? &hs.sent_pending : &hs.tty_pending;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (atomic_load(pending) & bit) {
        /* A standard signal sent while one is pending merges with it (legacy_queue): timeout(1)
         * sends its SIGTERM to the command and then to the whole group, faultline included.
         * One still waiting after a second is a guest that cannot take it. A second Ctrl-C is
         * the user asking again. */
        if (sent && now - hs.sent_ns[sig] < SENT_PATIENCE_NS)
            return true;
        if (stops_run(sig))
            hs.ended_by = sig;
        return false;
    }
    if (sent) { /* the emulator thread reads these only once the bit is set */
        hs.sender[sig] = *from;
        hs.sent_ns[sig] = now;
    }
    atomic_fetch_or(pending, bit);
    emu_kick(e);
    /* a computing process the signal kills need not wait for its next syscall or fault */
    emu_stop_for_fatal_signal(e, sig, sent);
    return true;
}

bool host_signals_pending(const struct emu *e)
{
    return hs.emu == e && (atomic_load_explicit(&hs.tty_pending, memory_order_relaxed) |
                           atomic_load_explicit(&hs.sent_pending, memory_order_relaxed));
}

int host_signals_ended_by(const struct emu *e)
{
    return hs.emu == e ? hs.ended_by : 0;
}

/* Does a live guest process lead or belong to group pgid? */
static bool group_lives(struct emu *e, int pgid)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (!q->exited && !q->thread && guest_pgrp(q) == pgid)
            return true;
    return false;
}

int tty_foreground_group(struct emu *e)
{
    if (hs.fg_pgid && group_lives(e, hs.fg_pgid))
        return hs.fg_pgid;
    struct proc *first = emu_first(e);
    return first ? guest_pgrp(first) : 0;
}

bool host_signals_deliver(struct emu *e)
{
    if (hs.emu != e)
        return true;
    unsigned tty = atomic_exchange(&hs.tty_pending, 0);
    unsigned sent = atomic_exchange(&hs.sent_pending, 0);
    int pgid = tty ? tty_foreground_group(e) : 0;
    struct proc *first = emu_first(e);
    bool delivered = true;

    for (int sig = 1; (tty | sent) && sig < 32; sig++) {
        unsigned bit = 1u << sig;
        struct fl_siginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = sig;
        if (tty & bit) { /* kill_pgrp with the tty's siginfo: SI_KERNEL, no sender */
            tty &= ~bit;
            info.si_code = FL_SI_KERNEL;
            if (kill_pgrp_info(e, pgid, sig, &info) < 0 && stops_run(sig)) {
                hs.ended_by = sig; /* the group is gone (a daemon lives on elsewhere) */
                delivered = false;
            }
        }
        if (!(sent & bit))
            continue;
        sent &= ~bit;
        const struct host_sender *from = &hs.sender[sig];
        if (!first || first->exited) {
            if (stops_run(sig)) {
                hs.ended_by = sig;
                delivered = false;
            }
            continue;
        }
        /* kill_pid_info with the sender's siginfo as the host gave it (prepare_kill_siginfo,
         * do_rt_sigqueueinfo) */
        info.si_code = from->code;
        if (from->code == FL_SI_QUEUE) {
            info.u.rt.pid = from->pid;
            info.u.rt.uid = from->uid;
            info.u.rt.value = from->value;
        } else {
            info.u.kill.pid = from->pid;
            info.u.kill.uid = from->uid;
        }
        send_signal_group(first, sig, &info);
    }
    return delivered;
}

bool tty_set_foreground(struct proc *p, int pgid)
{
    if (hs.emu != p->emu || pgid <= 0 || !group_lives(p->emu, pgid))
        return false;
    hs.fg_pgid = pgid;
    return true;
}

int tty_foreground(struct proc *p)
{
    return hs.emu == p->emu && hs.fg_pgid && group_lives(p->emu, hs.fg_pgid) ? hs.fg_pgid : 0;
}

bool tty_stop_all_stopped(struct emu *e)
{
    if (hs.emu != e)
        return false;
    bool any = false;
    for (struct proc *q = e->procs; q; q = q->next) {
        if (q->exited)
            continue;
        if (!q->stopped)
            return false;
        any = true;
    }
    if (!any)
        return false;
    /* the signal that stopped the first guest, as the shell would have seen it stop: its
     * "Stopped" and "Stopped (signal)" differ */
    struct proc *first = emu_first(e);
    int sig = first && !first->exited && first->shared->group_stop_sig
                  ? first->shared->group_stop_sig
                  : SIGTSTP;
    /* faultline stops with the default action; SIGTSTP's is faultline's handler otherwise */
    struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
    sigemptyset(&dfl.sa_mask);
    if (sig != SIGSTOP)
        sigaction(sig, &dfl, &old);
    raise(sig);
    if (sig != SIGSTOP)
        sigaction(sig, &old, NULL);
    /* continued (fg): the guests go on too, as the shell's SIGCONT would have continued them */
    struct fl_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGCONT;
    info.si_code = FL_SI_KERNEL;
    for (struct proc *q = e->procs; q; q = q->next)
        if (!q->exited && !q->thread && q->stopped)
            send_signal_group(q, SIGCONT, &info);
    return true;
}
