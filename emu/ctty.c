/*
 * ctty.c - the controlling terminals of the guest's own sessions (see ctty.h).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "emu/ctty.h"
#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/proc.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/uio.h"

/* A terminal a guest session owns: tty->session and tty->pgrp. One emulated machine per
 * faultline process, and few such terminals at once (each is a pty a guest opened). */
#define CTTY_MAX 64
static struct ctty {
    unsigned long rdev; /* 0: a free slot */
    struct emu *emu;
    int sid, pgrp;
    char path[32]; /* /dev/pts/N, what /dev/tty opens */
} cttys[CTTY_MAX];

static bool lives(const struct proc *q)
{
    return q->mmu != NULL; /* not past exit_mm */
}

/* The terminal with device number rdev if a live guest process still has it. */
static struct ctty *ctty_find(struct proc *p, unsigned long rdev)
{
    for (int i = 0; i < CTTY_MAX; i++) {
        if (cttys[i].rdev != rdev || !rdev)
            continue;
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (lives(q) && q->ctty == rdev)
                return &cttys[i];
        cttys[i].rdev = 0; /* its session is gone */
    }
    return NULL;
}

static unsigned long tty_rdev(int hostfd)
{
    struct stat st;
    return isatty(hostfd) && fstat(hostfd, &st) == 0 ? (unsigned long)st.st_rdev : 0;
}

/* __proc_set_tty for p's session, whose leader p is: every process of the session that has no
 * terminal yet (the leader's threads; a session's other members came after by fork, or had
 * theirs from the leader) gets it. */
static long set_tty(struct proc *p, int hostfd, unsigned long rdev)
{
    struct ctty *t = NULL;

    for (int i = 0; i < CTTY_MAX && !t; i++)
        if (!ctty_find(p, cttys[i].rdev))
            t = &cttys[i];
    if (!t)
        return -ENOMEM;
    t->rdev = rdev;
    t->emu = p->emu;
    t->sid = p->sid;
    t->pgrp = guest_pgrp(p);
    if (ttyname_r(hostfd, t->path, sizeof(t->path)) != 0)
        t->path[0] = 0;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (q->task.tgid == p->task.tgid)
            q->ctty = rdev;
    return 0;
}

/* Is the tty some session's already: a guest one's, or faultline's own terminal on the host
 * (the host answers TIOCGSID for its caller's terminal only: another host session's goes
 * unseen, and counts as free) */
static bool tty_taken(struct proc *p, int hostfd, unsigned long rdev, struct ctty **guest)
{
    pid_t hsid;

    *guest = ctty_find(p, rdev);
    return *guest || ioctl(hostfd, TIOCGSID, &hsid) == 0;
}

/* TIOCSCTTY (tiocsctty) */
static long tiocsctty(struct proc *p, int hostfd, unsigned long rdev, unsigned long arg)
{
    struct ctty *held;
    bool leader = p->sid == p->task.tgid;

    if (leader && p->ctty == rdev)
        return 0;
    if (!leader || p->ctty)
        return -EPERM;
    if (tty_taken(p, hostfd, rdev, &held)) {
        /* stealing it (arg 1, CAP_SYS_ADMIN) is only possible from another guest session */
        if (arg != 1 || !held || geteuid() != 0)
            return -EPERM;
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (q->ctty == rdev)
                q->ctty = 0;
        held->rdev = 0;
    }
    return set_tty(p, hostfd, rdev);
}

bool ctty_ioctl(struct proc *p, struct ofd *o, unsigned req, unsigned long arg, long *ret)
{
    unsigned long rdev;
    struct ctty *t;
    int v;

    if (req != TIOCSCTTY && req != TIOCNOTTY && req != TIOCGSID && req != TIOCGPGRP &&
        req != TIOCSPGRP)
        return false;
    rdev = tty_rdev(o->hostfd);
    /* a pty master answers TIOCGPGRP and TIOCGSID for its slave, whoever asks (tiocgpgrp's
     * real_tty): a terminal emulator's question about the session it runs */
    unsigned ptn;
    struct stat st;
    char slave[32];
    if (rdev && major(rdev) == 5 && minor(rdev) == 2 && (req == TIOCGPGRP || req == TIOCGSID) &&
        ioctl(o->hostfd, TIOCGPTN, &ptn) == 0 &&
        snprintf(slave, sizeof(slave), "/dev/pts/%u", ptn) > 0 && stat(slave, &st) == 0 &&
        (t = ctty_find(p, (unsigned long)st.st_rdev))) {
        v = req == TIOCGSID ? t->sid : t->pgrp;
        *ret = put_user_struct(p, arg, &v, sizeof(v));
        return true;
    }
    if (!p->sid) /* faultline's session: faultline's terminal, the host's answers */
        return false;
    if (!rdev) {
        *ret = -ENOTTY;
        return true;
    }
    t = ctty_find(p, rdev);
    if (req == TIOCSCTTY) {
        *ret = tiocsctty(p, o->hostfd, rdev, arg);
        return true;
    }
    /* the others ask about the caller's own terminal (a pty master answers for its slave on
     * Linux; its rdev is another: ENOTTY here) */
    if (p->ctty != rdev || !t) {
        *ret = -ENOTTY;
        return true;
    }
    switch (req) {
    case TIOCNOTTY: /* tiocnotty: the leader takes it from the whole session */
        if (p->sid == p->task.tgid) {
            /* disassociate_ctty: SIGHUP, then SIGCONT, to the foreground group */
            struct fl_siginfo info;
            memset(&info, 0, sizeof(info));
            info.si_code = FL_SI_KERNEL;
            info.si_signo = SIGHUP;
            kill_pgrp_info(p->emu, t->pgrp, SIGHUP, &info);
            info.si_signo = SIGCONT;
            kill_pgrp_info(p->emu, t->pgrp, SIGCONT, &info);
            for (struct proc *q = p->emu->procs; q; q = q->next)
                if (q->sid == p->sid)
                    q->ctty = 0;
            t->rdev = 0;
        }
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (q->task.tgid == p->task.tgid)
                q->ctty = 0;
        *ret = 0;
        return true;
    case TIOCGSID:
    case TIOCGPGRP:
        v = req == TIOCGSID ? t->sid : t->pgrp;
        *ret = put_user_struct(p, arg, &v, sizeof(v));
        return true;
    default: /* TIOCSPGRP: a group of the terminal's session */
        if (get_user_struct(p, &v, arg, sizeof(v))) {
            *ret = -EFAULT;
            return true;
        }
        /* tiocspgrp: no such group ESRCH, another session's EPERM */
        *ret = v < 0 ? -EINVAL : -ESRCH;
        for (struct proc *q = p->emu->procs; v >= 0 && q && *ret; q = q->next)
            if (lives(q) && guest_pgrp(q) == v)
                *ret = q->sid == t->sid ? 0 : -EPERM;
        if (*ret == 0)
            t->pgrp = v;
        return true;
    }
}

void ctty_opened(struct proc *p, int hostfd, int flags)
{
    struct ctty *held;
    unsigned long rdev;

    if (!p->sid || p->sid != p->task.tgid || p->ctty || (flags & O_NOCTTY))
        return;
    rdev = tty_rdev(hostfd);
    /* /dev/ptmx's master is no tty of a session (tty_open: noctty for a pty master) */
    if (!rdev || major(rdev) == 5 || tty_taken(p, hostfd, rdev, &held))
        return;
    set_tty(p, hostfd, rdev);
}

int ctty_dev_tty(struct proc *p, char *out, unsigned long outlen)
{
    struct ctty *t;

    if (!p->sid)
        return 0;
    t = ctty_find(p, p->ctty);
    if (!t || !t->path[0])
        return -ENXIO;
    snprintf(out, outlen, "%s", t->path);
    return 1;
}

/* The slave's device number when host fd `hostfd` is a pty master and some guest session has a
 * terminal; else 0 (cheap then: no host call). */
static unsigned long master_slave_rdev(int hostfd)
{
    bool any = false;
    struct stat st;
    unsigned ptn;
    char slave[32];

    for (int i = 0; i < CTTY_MAX && !any; i++)
        any = cttys[i].rdev != 0;
    if (!any || fstat(hostfd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 ||
        minor(st.st_rdev) != 2 || ioctl(hostfd, TIOCGPTN, &ptn) < 0 ||
        snprintf(slave, sizeof(slave), "/dev/pts/%u", ptn) <= 0 || stat(slave, &st) < 0)
        return 0;
    return (unsigned long)st.st_rdev;
}

void ctty_master_input(struct emu *e, int hostfd, const unsigned char *buf, size_t n)
{
    unsigned long rdev = master_slave_rdev(hostfd);
    struct termios tio;

    if (!rdev || tcgetattr(hostfd, &tio) < 0 || !(tio.c_lflag & ISIG))
        return; /* TCGETS on a master is its slave's termios (tty_mode_ioctl's real_tty) */
    for (struct ctty *t = cttys; t < cttys + CTTY_MAX; t++) {
        if (t->rdev != rdev || t->emu != e)
            continue;
        for (size_t i = 0; i < n; i++) {
            /* n_tty_receive_char_special: the host's line discipline has done the rest (the
             * echo, the flush) but found no group to signal */
            int sig = !buf[i]                     ? 0 /* _POSIX_VDISABLE */
                      : buf[i] == tio.c_cc[VINTR] ? SIGINT
                      : buf[i] == tio.c_cc[VQUIT] ? SIGQUIT
                      : buf[i] == tio.c_cc[VSUSP] ? SIGTSTP
                                                  : 0;
            if (!sig)
                continue;
            struct fl_siginfo info;
            memset(&info, 0, sizeof(info));
            info.si_code = FL_SI_KERNEL;
            info.si_signo = sig;
            kill_pgrp_info(e, t->pgrp, sig, &info);
        }
    }
}

void ctty_hostfd_closing(int hostfd)
{
    unsigned long rdev = master_slave_rdev(hostfd);

    if (!rdev)
        return;
    for (struct ctty *t = cttys; t < cttys + CTTY_MAX; t++) {
        if (t->rdev != rdev)
            continue;
        /* __tty_hangup's tty_signal_session_leader: the session loses its terminal, and its
         * leader gets SIGHUP and SIGCONT */
        for (struct proc *q = t->emu->procs; q; q = q->next) {
            if (q->ctty != t->rdev)
                continue;
            q->ctty = 0;
            if (lives(q) && q->task.pid == t->sid) {
                struct fl_siginfo info;
                memset(&info, 0, sizeof(info));
                info.si_code = FL_SI_KERNEL;
                info.si_signo = SIGHUP;
                send_signal_group(q, SIGHUP, &info);
                info.si_signo = SIGCONT;
                send_signal_group(q, SIGCONT, &info);
            }
        }
        t->rdev = 0;
    }
}

void ctty_task_tty(struct proc *p, int *tty_nr, int *tpgid)
{
    struct ctty *t = ctty_find(p, p->ctty);
    unsigned ma = t ? major(t->rdev) : 0, mi = t ? minor(t->rdev) : 0;

    *tty_nr = t ? (int)((mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12)) : 0;
    *tpgid = t ? t->pgrp : -1;
}

void ctty_setsid(struct proc *p)
{
    p->ctty = 0;
}
