/*
 * sys_timer.c - timers that send signals: alarm, setitimer/getitimer (ITIMER_REAL) and the
 * POSIX timers timer_create/settime/gettime/getoverrun/delete (kernel/time/itimer.c,
 * kernel/time/alarmtimer.c's alarm(), kernel/time/posix-timers.c).
 *
 * A process's timers (shared by its threads, as Linux keeps them in signal_struct) expire on the
 * host's CLOCK_MONOTONIC; a CLOCK_REALTIME timer set for an absolute time is converted when it
 * is set, so a later change of the host's wall clock does not move it. The run loop
 * (emu/run.c) fires them: a ticker thread kicks the engine at the earliest expiry (emu_kick),
 * and the scheduler sleeps towards it when every process is parked, so `alarm(1); pause();`
 * ends. An expiry queues the signal for the process (ITIMER_REAL: SIGALRM with SI_KERNEL) or,
 * with SIGEV_THREAD_ID, for one thread (glibc's SIGEV_THREAD helper); a periodic timer whose
 * signal is still pending counts an overrun instead (timer_getoverrun, si_overrun).
 *
 * ITIMER_VIRTUAL and ITIMER_PROF count the thread group's CPU time as the ticks sample it
 * (emu/cputime.c: user time, and user + system time), as Linux's check_cpu_itimer does at each
 * tick; POSIX timers on CPU-time clocks (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, the
 * ids of clock_getcpuclockid and pthread_getcpuclockid) count a group's or a thread's, the
 * precise runtime or the samples, as posix-cpu-timers.c does. The ticker kicks the engine when
 * one that the running task's time counts down is due, and the run loop sends the signals.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "emu/proc.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "emu/text.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"

/* sigev_notify (include/uapi/asm-generic/siginfo.h) */
#define FL_SIGEV_SIGNAL    0
#define FL_SIGEV_NONE      1
#define FL_SIGEV_THREAD_ID 4
#define FL_TIMER_ABSTIME   1
#define FL_ITIMER_REAL     0
#define FL_ITIMER_VIRTUAL  1
#define FL_ITIMER_PROF     2

/* One timer. The ITIMER_REAL timer is slot REAL_SLOT; POSIX timers are in slots
 * 0..MAX_TIMERS-1, each with the id timer_create gave it. */
struct gtimer {
    bool used;
    int id;                     /* a POSIX timer's id (posix_timer_add) */
    int notify;                 /* sigev_notify: FL_SIGEV_NONE sends nothing */
    uint64_t born;              /* the group's timer_create count when it was made */
    int clock;                  /* timer_create's clock: what TIMER_ABSTIME values are read on */
    int signo;                  /* sigev_signo as given (/proc/PID/timers shows it) */
    int target_tid;             /* SIGEV_THREAD_ID: that thread; 0: the process */
    uint64_t value;             /* sigev_value, handed to the handler in si_value */
    uint64_t expires, interval; /* monotonic ns (0: disarmed), ns */
    int overrun;                /* expiries missed while its signal was pending */
    int overrun_last;           /* what timer_getoverrun reports: at the last delivery */
    struct cpu_clock cpu;       /* a timer on a CPU-time clock (pid != 0): expires and interval
                                   are ns of that clock, not monotonic */
};

#define MAX_TIMERS 32
#define REAL_SLOT  MAX_TIMERS

/* ITIMER_VIRTUAL or ITIMER_PROF: in ns of the group's sampled CPU time; expires 0: disarmed */
struct cpu_itimer {
    uint64_t expires, incr;
};

struct guest_timers {
    int refs;           /* the threads of one group */
    struct proc *owner; /* the live task loops over all timers visit them through (the leader
                           while it lives: visits_group_timers) */
    struct gtimer t[MAX_TIMERS + 1];
    struct cpu_itimer it[3]; /* [FL_ITIMER_VIRTUAL], [FL_ITIMER_PROF] */
    /* signal->posix_timer_id: the id the next timer_create tries first. Ids go up, past the
     * deleted ones, and wrap at INT_MAX, as 4.20's posix_timer_add hands them out. */
    int next_id;
    uint64_t births; /* timer_create calls: /proc/PID/timers lists the newest first */
};

/* struct sigevent (x86-64): value, signo, notify, then the union whose first int is _tid */
struct sigevent_abi {
    uint64_t value;
    int32_t signo, notify, tid;
    int32_t pad[11];
};
_Static_assert(sizeof(struct sigevent_abi) == 64, "struct sigevent is 64 bytes");

/* Whether loops over every group's timers visit them through q: their owner, the leader while
 * it lives, then another live thread. The timers belong to the process, and a leader that left
 * with exit(2) leaves them running for its threads (Linux keeps them in signal_struct). */
static bool visits_group_timers(const struct proc *q)
{
    return q->timers && q->timers->owner == q && !q->exited;
}

/* `gone` no longer runs: a live task holding the same timers becomes their owner (NULL: none,
 * and nobody is left to fire them). */
static void timers_disown(struct proc *gone)
{
    struct guest_timers *g = gone->timers;
    if (!g || g->owner != gone)
        return;
    g->owner = NULL;
    for (struct proc *q = gone->emu->procs; q && !g->owner; q = q->next)
        if (q != gone && q->timers == g && !q->exited)
            g->owner = q;
}

/* Kicks are needed while any timer that may have to interrupt a computing task is armed: a
 * wall-clock one, a CPU-time itimer or a POSIX timer on a CPU clock. */
static void update_kicks(struct emu *e)
{
    bool armed = false;
    for (struct proc *q = e->procs; q && !armed; q = q->next) {
        const struct guest_timers *g = q->timers;
        /* RLIMIT_CPU is a CPU timer too (the posix_cputimers' expiry of the rlimit) */
        armed = !q->exited && q->shared->rlim[RLIMIT_CPU].cur != RLIM_INFINITY;
        if (!visits_group_timers(q))
            continue;
        armed = armed || g->it[FL_ITIMER_VIRTUAL].expires || g->it[FL_ITIMER_PROF].expires;
        for (int i = 0; i <= MAX_TIMERS && !armed; i++)
            armed = g->t[i].used && g->t[i].expires;
    }
    emu_set_timer_kicks(e, armed);
}

/* A timer was armed, disarmed, fired or deleted: the ticker's next expiry, and the kicks. */
static void timers_updated(struct emu *e)
{
    timers_changed(e);
    update_kicks(e);
}

static struct guest_timers *timers_of(struct proc *p, bool create)
{
    if (!p->timers && create) {
        p->timers = calloc(1, sizeof(*p->timers));
        if (p->timers) {
            p->timers->refs = 1;
            p->timers->owner = p;
            p->timers->t[REAL_SLOT].used = true; /* the alarm always exists, armed or not */
        }
    }
    return p->timers;
}

void timers_share(struct proc *thread, struct proc *creator)
{
    /* made now if the group has none yet: every thread then holds the one set, which outlives
     * the leader (visits_group_timers) */
    thread->timers = timers_of(creator, true);
    if (thread->timers) {
        thread->timers->refs++;
        if (!thread->timers->owner || thread->timers->owner->exited) /* exec's de_thread */
            thread->timers->owner = thread;
    }
}

void timers_put(struct proc *p)
{
    timers_disown(p);
    if (p->timers && --p->timers->refs == 0)
        free(p->timers);
    p->timers = NULL;
    update_kicks(p->emu);
}

void timers_exec(struct proc *p)
{
    struct guest_timers *g = p->timers;
    if (!g)
        return;
    for (int i = 0; i < MAX_TIMERS; i++)
        g->t[i].used = false; /* exec deletes POSIX timers; the alarm stays */
    timers_updated(p->emu);
}

void timers_exit(struct proc *p)
{
    timers_disown(p);
    update_kicks(p->emu);
}

/* The timers of p's process live with its group leader. */
static struct guest_timers *group_timers(struct proc *p, bool create)
{
    struct proc *leader = find_proc(p->emu, p->task.tgid);
    return timers_of(leader && !leader->exited ? leader : p, create);
}

uint64_t timers_earliest(struct emu *e)
{
    uint64_t first = 0;
    for (struct proc *q = e->procs; q; q = q->next) {
        if (!visits_group_timers(q))
            continue;
        for (int i = 0; i <= MAX_TIMERS; i++) {
            const struct gtimer *t = &q->timers->t[i];
            if (t->used && t->expires && !t->cpu.pid && (!first || t->expires < first))
                first = t->expires;
        }
    }
    return first;
}

/* One expiry of t (owned by leader): queue its signal, or count an overrun if the last one is
 * still pending; then re-arm a periodic timer past now, counting the periods missed. */
static void expire(struct proc *leader, struct gtimer *t, bool real, uint64_t now)
{
    struct proc *target = t->target_tid ? find_proc(leader->emu, t->target_tid) : NULL;
    if (target && (target->exited || target->task.tgid != leader->task.tgid))
        target = NULL; /* SIGEV_THREAD_ID for a thread that is gone: the group's */
    if (t->notify != FL_SIGEV_NONE) {
        uint64_t bit = sigmask_of(t->signo);
        struct proc *taker = target ? target : group_signal_target(leader, t->signo);
        /* a group timer's signal may also wait in the group's shared set */
        if ((taker && taker->pending & bit) || (!target && leader->shared->set & bit)) {
            t->overrun++; /* the last expiry's signal is still pending */
        } else {
            struct fl_siginfo info;
            memset(&info, 0, sizeof(info));
            info.si_signo = t->signo;
            if (real) {
                info.si_code = FL_SI_KERNEL;
            } else {
                info.si_code = FL_SI_TIMER;
                info.u.timer.tid = t->id;
                info.u.timer.value = t->value;
            }
            if (target)
                send_signal(target, t->signo, &info);
            else
                send_signal_group(leader, t->signo, &info);
        }
    }
    if (t->interval) {
        uint64_t missed = (now - t->expires) / t->interval;
        t->overrun += (int)(missed > 0x7fffffff ? 0x7fffffff : missed);
        t->expires += (missed + 1) * t->interval;
    } else {
        t->expires = 0;
    }
}

static struct gtimer *lookup_timer(struct proc *p, uint64_t id);

void posix_timer_dequeued(struct proc *p, struct fl_siginfo *info)
{
    struct gtimer *t = lookup_timer(p, (uint32_t)info->u.timer.tid);
    if (!t)
        return;
    info->u.timer.overrun = t->overrun;
    t->overrun_last = t->overrun;
    t->overrun = 0;
}

void timers_fire(struct emu *e, uint64_t now)
{
    for (struct proc *q = e->procs; q; q = q->next) {
        if (!visits_group_timers(q))
            continue;
        for (int i = 0; i <= MAX_TIMERS; i++) {
            struct gtimer *t = &q->timers->t[i];
            if (t->used && t->expires && !t->cpu.pid && t->expires <= now)
                expire(q, t, i == REAL_SLOT, now);
        }
    }
    timers_updated(e);
}

/* What is left of t, and its period. */
static struct itimerspec remaining(const struct gtimer *t, uint64_t now)
{
    struct itimerspec cur;
    cur.it_interval = ns_timespec(t->interval);
    /* an expired timer not yet fired reads as 1 ns left, as Linux's common_timer_get does */
    cur.it_value = ns_timespec(!t->expires ? 0 : t->expires > now ? t->expires - now : 1);
    return cur;
}

/* Arm t to expire at monotonic time `expires` (0: disarm), then every `interval` ns. */
static void arm(struct emu *e, struct gtimer *t, uint64_t expires, uint64_t interval)
{
    t->expires = expires;
    t->interval = expires ? interval : 0;
    t->overrun = t->overrun_last = 0;
    timers_updated(e);
}

static uint64_t timeval_ns(const struct timeval *tv)
{
    struct timespec ts = {tv->tv_sec, tv->tv_usec * 1000};
    return timespec_ns(&ts);
}

/* --- ITIMER_VIRTUAL and ITIMER_PROF ---------------------------------------------------------- */

/* The group's sampled CPU time that `which` counts. */
static uint64_t cpu_itimer_sample(struct proc *p, int which)
{
    struct task_cputime c = thread_group_cputime_sampled(p);
    return which == FL_ITIMER_PROF ? c.utime + c.stime : c.utime;
}

/* Does p's time count t down: a timer on p's own thread clock or on its group's clock? */
static bool counts_down(const struct proc *p, const struct gtimer *t)
{
    return t->used && t->cpu.pid && t->expires &&
           t->cpu.pid == (t->cpu.thread ? p->task.pid : p->task.tgid);
}

/* Calls fn with every POSIX timer that p's time counts down, whichever process made it (one
 * may time a child through clock_getcpuclockid), and its clock's time now. */
static void
each_cpu_timer(struct proc *p,
               void (*fn)(struct proc *owner, struct gtimer *t, uint64_t now, void *arg), void *arg)
{
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (!visits_group_timers(q))
            continue;
        for (int i = 0; i < MAX_TIMERS; i++) {
            struct gtimer *t = &q->timers->t[i];
            uint64_t now;
            if (counts_down(p, t) && cpu_clock_sample(p->emu, &t->cpu, &now))
                fn(q, t, now, arg);
        }
    }
}

static void min_left(struct cpu_timer_deadlines *d, int which, uint64_t left)
{
    uint64_t *slot = which == CPUCLOCK_SCHED  ? &d->sched_left
                     : which == CPUCLOCK_VIRT ? &d->virt_left
                                              : &d->prof_left;
    if (left < *slot)
        *slot = left;
}

static void posix_cpu_timer_left(struct proc *owner, struct gtimer *t, uint64_t now, void *arg)
{
    (void)owner;
    min_left(arg, t->cpu.which, t->expires > now ? t->expires - now : 0);
}

static void posix_cpu_timer_check(struct proc *owner, struct gtimer *t, uint64_t now, void *arg)
{
    (void)arg;
    if (now >= t->expires)
        expire(owner, t, false, now);
}

/* An RLIMIT_CPU value in seconds, as ns of process CPU time (UINT64_MAX: unlimited). */
static uint64_t rlimit_cpu_ns(uint64_t secs)
{
    return secs >= UINT64_MAX / 1000000000u ? UINT64_MAX : secs * 1000000000u;
}

/* check_process_timers' RLIMIT_CPU part: at the hard limit SIGKILL; at the soft limit SIGXCPU,
 * and the soft limit one second on, so that one comes every second until the hard limit. */
static void check_rlimit_cpu(struct proc *p, struct proc *leader)
{
    struct task_rlimit *r = &p->shared->rlim[RLIMIT_CPU];
    if (r->cur == RLIM_INFINITY)
        return;
    uint64_t now = cpu_itimer_sample(p, FL_ITIMER_PROF);
    struct fl_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_code = FL_SI_KERNEL; /* SEND_SIG_PRIV */
    if (now >= rlimit_cpu_ns(r->max)) {
        info.si_signo = SIGKILL;
        send_signal_group(leader, SIGKILL, &info);
        return;
    }
    if (now >= rlimit_cpu_ns(r->cur)) {
        info.si_signo = SIGXCPU;
        send_signal_group(leader, SIGXCPU, &info);
        r->cur++;
    }
}

void rlimit_cpu_changed(struct proc *p)
{
    if (p->shared->rlim[RLIMIT_CPU].cur != RLIM_INFINITY) /* a computing guest must be stopped */
        emu_build_sliced(p->emu, p);
    update_kicks(p->emu);
    cpu_timers_publish(p);
}

void cpu_timers_publish(struct proc *p)
{
    struct cpu_timer_deadlines d = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    struct guest_timers *g = group_timers(p, false);
    const struct task_rlimit *r = &p->shared->rlim[RLIMIT_CPU];
    if (r->cur != RLIM_INFINITY) {
        uint64_t now = cpu_itimer_sample(p, FL_ITIMER_PROF), limit = rlimit_cpu_ns(r->cur);
        if (rlimit_cpu_ns(r->max) < limit)
            limit = rlimit_cpu_ns(r->max);
        min_left(&d, CPUCLOCK_PROF, limit > now ? limit - now : 0);
    }
    for (int which = FL_ITIMER_VIRTUAL; g && which <= FL_ITIMER_PROF; which++) {
        uint64_t exp = g->it[which].expires;
        if (exp) {
            uint64_t now = cpu_itimer_sample(p, which);
            min_left(&d, which == FL_ITIMER_PROF ? CPUCLOCK_PROF : CPUCLOCK_VIRT,
                     exp > now ? exp - now : 0);
        }
    }
    each_cpu_timer(p, posix_cpu_timer_left, &d);
    cputime_set_timer_deadlines(p, &d);
}

void cpu_timers_fire(struct proc *p)
{
    struct guest_timers *g = group_timers(p, false);
    struct proc *leader = find_proc(p->emu, p->task.tgid);
    if (!leader || leader->exited)
        leader = p;
    check_rlimit_cpu(p, leader);
    for (int which = FL_ITIMER_VIRTUAL; g && which <= FL_ITIMER_PROF; which++) {
        struct cpu_itimer *it = &g->it[which];
        if (!it->expires || cpu_itimer_sample(p, which) < it->expires)
            continue;
        it->expires = it->incr ? it->expires + it->incr : 0; /* one period on, as Linux */
        int signo = which == FL_ITIMER_PROF ? SIGPROF : SIGVTALRM;
        struct fl_siginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = signo;
        info.si_code = FL_SI_KERNEL;
        send_signal_group(leader, signo, &info);
    }
    each_cpu_timer(p, posix_cpu_timer_check, NULL);
    cpu_timers_publish(p);
    update_kicks(p->emu); /* a one-shot may have ended */
}

/* get_cpu_itimer / set_cpu_itimer. A value that has passed but not fired yet reads as one tick
 * left; a new value gets one tick added, so that it never fires early on a partial tick. */
static long do_cpu_itimer(struct proc *p, int which, const struct itimerval *in,
                          struct itimerval *old)
{
    struct guest_timers *g = group_timers(p, in != NULL);
    uint64_t now = cpu_itimer_sample(p, which);
    if (old) {
        struct cpu_itimer it = g ? g->it[which] : (struct cpu_itimer){0};
        uint64_t left = !it.expires ? 0 : it.expires > now ? it.expires - now : TICK_NSEC;
        old->it_value = ns_timeval(left);
        old->it_interval = ns_timeval(it.incr);
        if (left && !old->it_value.tv_sec && !old->it_value.tv_usec)
            old->it_value.tv_usec = 1;
    }
    if (in) {
        if (!g)
            return -ENOMEM;
        uint64_t value = timeval_ns(&in->it_value);
        g->it[which].expires = value ? now + value + TICK_NSEC : 0;
        g->it[which].incr = value ? timeval_ns(&in->it_interval) : 0;
        update_kicks(p->emu);
        cpu_timers_publish(p);
    }
    return 0;
}

/* --- ITIMER_REAL and alarm ------------------------------------------------------------------ */

static long do_setitimer(struct proc *p, int which, const struct itimerval *in,
                         struct itimerval *old)
{
    if (which != FL_ITIMER_REAL && which != FL_ITIMER_VIRTUAL && which != FL_ITIMER_PROF)
        return -EINVAL;
    if (in && (in->it_value.tv_sec || in->it_value.tv_usec)) /* before the time is read */
        emu_build_sliced(p->emu, p);
    if (which != FL_ITIMER_REAL)
        return do_cpu_itimer(p, which, in, old);
    struct guest_timers *g = group_timers(p, in != NULL);
    uint64_t now = monotonic_ns();
    if (old) {
        struct itimerspec cur = g ? remaining(&g->t[REAL_SLOT], now) : (struct itimerspec){0};
        old->it_interval = ns_timeval(timespec_ns(&cur.it_interval));
        old->it_value = ns_timeval(timespec_ns(&cur.it_value));
        /* a running timer never reads as 0: at least 1 us left (as Linux's get_cpu_itimer) */
        if (cur.it_value.tv_nsec && !old->it_value.tv_sec && !old->it_value.tv_usec)
            old->it_value.tv_usec = 1;
    }
    if (in) {
        if (!g)
            return -ENOMEM;
        struct gtimer *t = &g->t[REAL_SLOT];
        uint64_t value = timeval_ns(&in->it_value);
        t->signo = SIGALRM;
        t->target_tid = 0;
        arm(p->emu, t, value ? now + value : 0, timeval_ns(&in->it_interval));
    }
    return 0;
}

static bool tv_valid(const struct timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

long sys_setitimer(struct proc *p, const uint64_t a[6])
{
    struct itimerval in, old;
    if (a[1]) {
        if (get_user_struct(p, &in, a[1], sizeof(in)))
            return -EFAULT;
        if (!tv_valid(&in.it_value) || !tv_valid(&in.it_interval))
            return -EINVAL;
    } else {
        memset(&in, 0, sizeof(in)); /* NULL new value: disarm (Linux warns and allows it) */
    }
    long r = do_setitimer(p, (int)a[0], &in, a[2] ? &old : NULL);
    if (!r && a[2] && put_user_struct(p, a[2], &old, sizeof(old)))
        return -EFAULT;
    return r;
}

long sys_getitimer(struct proc *p, const uint64_t a[6])
{
    struct itimerval cur;
    long r = do_setitimer(p, (int)a[0], NULL, &cur);
    if (!r && put_user_struct(p, a[1], &cur, sizeof(cur)))
        return -EFAULT;
    return r;
}

/* alarm(seconds): ITIMER_REAL without a period; returns the seconds that were left of the
 * previous alarm, rounded to the nearest, and at least 1 if any time was left. */
long sys_alarm(struct proc *p, const uint64_t a[6])
{
    struct itimerval in = {{0, 0}, {(time_t)(unsigned)a[0], 0}}, old;
    do_setitimer(p, FL_ITIMER_REAL, &in, &old);
    if ((!old.it_value.tv_sec && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
        old.it_value.tv_sec++;
    return (long)old.it_value.tv_sec;
}

/* --- POSIX timers --------------------------------------------------------------------------- */

static bool clock_supported(int clock)
{
    /* the clocks Linux has timers on, apart from the CPU-time ones; all expire on the host's
     * monotonic clock here (suspend, which BOOTTIME counts, does not happen to a guest) */
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
           clock == 8 /* CLOCK_REALTIME_ALARM */ || clock == 9 /* CLOCK_BOOTTIME_ALARM */;
}

long sys_timer_create(struct proc *p, const uint64_t a[6])
{
    int clock = (int)a[0];
    struct cpu_clock cpu = {0};
    int r = cpu_clock_decode(p, clock, &cpu, NULL);
    if (r < 0 || (r == 1 && !clock_supported(clock)))
        return -EINVAL;
    struct sigevent_abi ev = {.signo = SIGALRM, .notify = FL_SIGEV_SIGNAL};
    bool have_ev = a[1] != 0;
    if (have_ev && get_user_struct(p, &ev, a[1], sizeof(ev)))
        return -EFAULT;
    if (ev.notify != FL_SIGEV_SIGNAL && ev.notify != FL_SIGEV_NONE &&
        ev.notify != FL_SIGEV_THREAD_ID)
        return -EINVAL;
    if (ev.notify != FL_SIGEV_NONE && (ev.signo <= 0 || ev.signo > FL_NSIG))
        return -EINVAL;
    if (ev.notify == FL_SIGEV_THREAD_ID) {
        struct proc *t = find_proc(p->emu, ev.tid);
        if (!t || t->exited || t->task.tgid != p->task.tgid)
            return -EINVAL;
    }
    struct guest_timers *g = group_timers(p, true);
    if (!g)
        return -ENOMEM;
    int slot = 0;
    while (slot < MAX_TIMERS && g->t[slot].used)
        slot++;
    if (slot == MAX_TIMERS)
        return -EAGAIN;
    int id = g->next_id; /* posix_timer_add: the next id no live timer has */
    while (lookup_timer(p, (uint32_t)id))
        id = id == INT32_MAX ? 0 : id + 1;
    int32_t out = id;
    if (put_user_struct(p, a[2], &out, sizeof(out)))
        return -EFAULT;
    g->next_id = id == INT32_MAX ? 0 : id + 1;
    struct gtimer *t = &g->t[slot];
    memset(t, 0, sizeof(*t));
    t->used = true;
    t->id = id;
    t->notify = ev.notify;
    t->born = ++g->births;
    t->clock = clock;
    if (r == 0)
        t->cpu = cpu;
    t->signo = ev.signo;
    t->target_tid = ev.notify == FL_SIGEV_THREAD_ID ? ev.tid : 0;
    t->value = have_ev ? ev.value : (uint64_t)id; /* no sigevent: si_value is the timer id */
    return 0;
}

/* The time on t's clock: monotonic, or its CPU clock's (false when that clock's task is gone). */
static bool timer_now(struct emu *e, const struct gtimer *t, uint64_t *now)
{
    if (t->cpu.pid)
        return cpu_clock_sample(e, &t->cpu, now);
    *now = monotonic_ns();
    return true;
}

/* The POSIX timer of p's process with that id (timer ids are ints: a larger one is none). */
static struct gtimer *lookup_timer(struct proc *p, uint64_t id)
{
    struct guest_timers *g = group_timers(p, false);
    for (int i = 0; g && id <= INT32_MAX && i < MAX_TIMERS; i++)
        if (g->t[i].used && g->t[i].id == (int)id)
            return &g->t[i];
    return NULL;
}

long sys_timer_settime(struct proc *p, const uint64_t a[6])
{
    struct gtimer *t = lookup_timer(p, (uint32_t)a[0]);
    struct itimerspec in, old;
    if (!t)
        return -EINVAL;
    if (get_user_struct(p, &in, a[2], sizeof(in)))
        return -EFAULT;
    if (!timespec_valid(&in.it_value) || !timespec_valid(&in.it_interval))
        return -EINVAL;
    uint64_t now, value = timespec_ns(&in.it_value), expires = 0;
    if (value) /* before the time is read (emu_build_sliced) */
        emu_build_sliced(p->emu, p);
    if (!timer_now(p->emu, t, &now))
        return -ESRCH; /* the CPU clock's task is gone (posix_cpu_timer_set) */
    old = remaining(t, now);
    if (value && t->cpu.pid) /* a CPU clock's absolute time needs no conversion */
        expires = (a[1] & FL_TIMER_ABSTIME) ? value : now + value;
    else if (value) /* an absolute time is on the timer's own clock */
        expires = (a[1] & FL_TIMER_ABSTIME) ? monotonic_deadline(t->clock, value) : now + value;
    arm(p->emu, t, expires, timespec_ns(&in.it_interval));
    if (t->cpu.pid)
        cpu_timers_publish(p);
    if (a[3] && put_user_struct(p, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_timer_gettime(struct proc *p, const uint64_t a[6])
{
    struct gtimer *t = lookup_timer(p, (uint32_t)a[0]);
    if (!t)
        return -EINVAL;
    uint64_t now;
    /* a timer whose CPU clock's task is gone is dead: it reads as disarmed */
    struct itimerspec cur = {{0, 0}, {0, 0}};
    if (timer_now(p->emu, t, &now))
        cur = remaining(t, now);
    if (put_user_struct(p, a[1], &cur, sizeof(cur)))
        return -EFAULT;
    return 0;
}

long sys_timer_getoverrun(struct proc *p, const uint64_t a[6])
{
    struct gtimer *t = lookup_timer(p, (uint32_t)a[0]);
    return t ? t->overrun_last : -EINVAL;
}

long sys_timer_delete(struct proc *p, const uint64_t a[6])
{
    struct gtimer *t = lookup_timer(p, (uint32_t)a[0]);
    if (!t)
        return -EINVAL;
    t->used = false;
    t->expires = 0;
    timers_updated(p->emu);
    if (t->cpu.pid)
        cpu_timers_publish(p);
    return 0;
}

/* /proc/PID/timers (show_timer, over signal->posix_timers: the newest first): each POSIX timer's
 * id, its signal and sigev_value, how it notifies (signal, none, or to a thread: "tid"), whom
 * (the process, or that thread), and its clock. */
int proc_timers_open(struct proc *p)
{
    static const char *const how[] = {
        [FL_SIGEV_SIGNAL] = "signal", [FL_SIGEV_NONE] = "none", [2 /* SIGEV_THREAD */] = "thread"};
    struct guest_timers *g = group_timers(p, false);
    struct text out = {0};
    uint64_t below = UINT64_MAX;

    for (;;) { /* the next older timer than the last one listed */
        const struct gtimer *t = NULL;
        for (int i = 0; g && i < MAX_TIMERS; i++)
            if (g->t[i].used && g->t[i].born < below && (!t || g->t[i].born > t->born))
                t = &g->t[i];
        if (!t)
            break;
        below = t->born;
        bool to_thread = t->notify & FL_SIGEV_THREAD_ID;
        text_printf(&out, "ID: %d\nsignal: %d/%016llx\nnotify: %s/%s.%d\nClockID: %d\n", t->id,
                    t->signo, (unsigned long long)t->value, how[t->notify & ~FL_SIGEV_THREAD_ID],
                    to_thread ? "tid" : "pid", to_thread ? t->target_tid : p->task.tgid, t->clock);
    }
    return text_to_fd(&out, "timers");
}
