/*
 * tty_signals.c - the terminal's SIGINT, SIGQUIT, SIGTSTP and SIGWINCH for the guest (see
 * tty_signals.h).
 */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/proc.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/tty_signals.h"

/* One emulated machine per faultline process: its terminal state. */
static struct {
    struct emu *emu;
    atomic_uint pending; /* 1 << signo for each signal raised and not yet delivered */
    int fg_pgid;         /* the guest's foreground group (TIOCSPGRP), 0: the first process's */
} tty;

void tty_signals_enable(struct emu *e)
{
    tty.emu = e;
    atomic_store(&tty.pending, 0);
    tty.fg_pgid = 0;
}

bool tty_signals_enabled(const struct emu *e)
{
    return e && tty.emu == e;
}

bool tty_signal_raise(struct emu *e, int sig)
{
    unsigned bit = 1u << sig;
    if (tty.emu != e || (atomic_fetch_or(&tty.pending, bit) & bit))
        return false;
    emu_kick(e);
    /* a computing process the signal kills need not wait for its next syscall or fault */
    emu_stop_for_fatal_signal(e, sig);
    return true;
}

bool tty_signals_pending(const struct emu *e)
{
    return tty.emu == e && atomic_load_explicit(&tty.pending, memory_order_relaxed);
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
    if (tty.fg_pgid && group_lives(e, tty.fg_pgid))
        return tty.fg_pgid;
    struct proc *first = emu_first(e);
    return first ? guest_pgrp(first) : 0;
}

void tty_signals_deliver(struct emu *e)
{
    unsigned sigs = tty.emu == e ? atomic_exchange(&tty.pending, 0) : 0;
    int pgid = sigs ? tty_foreground_group(e) : 0;

    for (int sig = 1; sigs && sig < 32; sig++) {
        if (!(sigs & (1u << sig)))
            continue;
        /* kill_pgrp with the tty's siginfo: SI_KERNEL, no sender */
        struct fl_siginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = sig;
        info.si_code = FL_SI_KERNEL;
        kill_pgrp_info(e, pgid, sig, &info);
    }
}

bool tty_set_foreground(struct proc *p, int pgid)
{
    if (tty.emu != p->emu || pgid <= 0 || !group_lives(p->emu, pgid))
        return false;
    tty.fg_pgid = pgid;
    return true;
}

int tty_foreground(struct proc *p)
{
    return tty.emu == p->emu && tty.fg_pgid && group_lives(p->emu, tty.fg_pgid) ? tty.fg_pgid : 0;
}

bool tty_stop_all_stopped(struct emu *e)
{
    if (tty.emu != e)
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
