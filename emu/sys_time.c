/*
 * sys_time.c - clocks and sleeping (kernel/time/posix-timers.c, kernel/time/time.c,
 * kernel/time/hrtimer.c, kernel/sched/core.c sched_yield).
 *
 * The guest reads the host's clocks and really sleeps on the host: time is not emulated, only
 * instruction counts are deterministic. The CPU-time clocks are the guest tasks' own
 * (emu/cputime.c). A host signal (faultline's own SIGINT, --timeout) interrupts a sleep with
 * EINTR.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "emu/sched.h"
#include "emu/syscall.h"
#include "emu/uio.h"

_Static_assert(sizeof(struct timespec) == 16 && sizeof(struct timeval) == 16, "64-bit times");
_Static_assert(sizeof(struct timezone) == 8, "struct timezone is the kernel's");

/*
 * A CPU-time clock (kernel/time/posix-cpu-timers.c): CLOCK_PROCESS_CPUTIME_ID (2) and
 * CLOCK_THREAD_CPUTIME_ID (3) are the caller's; a negative id names a task, as glibc's
 * clock_getcpuclockid and pthread_getcpuclockid make them: ~pid << 3, CPUCLOCK_PERTHREAD, and
 * which of the three clocks. A process clock needs a thread group leader's pid, a thread clock a
 * thread of the caller's own group.
 */
int cpu_clock_decode(struct proc *p, clockid_t clk, struct cpu_clock *c, struct proc **task)
{
    int pid = 0;
    if (clk == CLOCK_PROCESS_CPUTIME_ID)
        clk = CPUCLOCK_SCHED;
    else if (clk == CLOCK_THREAD_CPUTIME_ID)
        clk = CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED;
    else if (clk >= 0)
        return 1;
    else
        pid = (int)~(clk >> 3);
    c->which = clk & 3;
    c->thread = clk & CPUCLOCK_PERTHREAD;
    if (c->which > CPUCLOCK_SCHED)
        return -EINVAL;
    struct proc *t = pid ? find_proc(p->emu, pid) : p;
    if (!t || (c->thread && t->acct != p->acct) || (!c->thread && pid && t->thread))
        return -EINVAL;
    c->pid = c->thread ? t->task.pid : t->task.tgid;
    if (task)
        *task = t;
    return 0;
}

static uint64_t cpu_clock_pick(const struct cpu_clock *c, struct task_cputime t)
{
    return c->which == CPUCLOCK_SCHED  ? t.sum_exec_runtime
           : c->which == CPUCLOCK_VIRT ? t.utime
                                       : t.utime + t.stime;
}

bool cpu_clock_sample(struct emu *e, const struct cpu_clock *c, uint64_t *ns)
{
    struct proc *t = find_proc(e, c->pid);
    if (!t || (c->thread && t->exited))
        return false; /* a thread clock ends with its thread, a process clock when reaped */
    *ns = cpu_clock_pick(c, c->thread ? task_cputime_sampled(t) : thread_group_cputime_sampled(t));
    return true;
}

/* clock_gettime/clock_getres on a CPU clock: 1 for a clock that is not one, -EINVAL for a bad
 * one, else 0 with the (adjusted) time in *ns and the clock's resolution in *res. */
static int cpu_clock_get(struct proc *p, clockid_t clk, uint64_t *ns, long *res)
{
    struct cpu_clock c;
    struct proc *t;
    int r = cpu_clock_decode(p, clk, &c, &t);
    if (r)
        return r;
    *ns =
        cpu_clock_pick(&c, c.thread ? task_cputime_adjusted(t) : thread_group_cputime_adjusted(t));
    *res = c.which == CPUCLOCK_SCHED ? 1 : (long)TICK_NSEC;
    return 0;
}

/* The time (or, with getres, the resolution) of clock clk as p sees it: 0 or -errno. */
static int guest_clock(struct proc *p, clockid_t clk, bool getres, struct timespec *ts)
{
    uint64_t ns;
    long res;
    int r = cpu_clock_get(p, clk, &ns, &res);
    if (r == 0)
        *ts = getres ? (struct timespec){0, res} : ns_timespec(ns);
    else if (r == 1 && (getres ? clock_getres(clk, ts) : clock_gettime(clk, ts)) < 0)
        r = -errno;
    return r < 0 ? r : 0;
}

/*
 * clock_settime and settimeofday: the guest's clocks are the host's, which the guest may not set
 * (as it may not change its credentials): EPERM after Linux's own checks of the arguments.
 */
long sys_clock_settime(struct proc *p, const uint64_t a[6])
{
    struct timespec ts;

    if (get_user_struct(p, &ts, a[1], sizeof(ts)))
        return -EFAULT;
    if ((int)a[0] != CLOCK_REALTIME)
        return -EINVAL; /* only the wall clock can be set */
    if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000 || ts.tv_sec < 0)
        return -EINVAL;
    return -EPERM;
}

long sys_settimeofday(struct proc *p, const uint64_t a[6])
{
    struct timeval tv;
    struct {
        int minuteswest, dsttime;
    } tz;

    if (a[0] && get_user_struct(p, &tv, a[0], sizeof(tv)))
        return -EFAULT;
    if (a[1] && get_user_struct(p, &tz, a[1], sizeof(tz)))
        return -EFAULT;
    if (a[0] && (tv.tv_usec < 0 || tv.tv_usec >= 1000000))
        return -EINVAL;
    return a[0] || a[1] ? -EPERM : 0;
}

long sys_clock_gettime(struct proc *p, const uint64_t a[6])
{
    struct timespec ts;
    int r = guest_clock(p, (clockid_t)a[0], false, &ts);
    return r < 0 ? r : put_user_struct(p, a[1], &ts, sizeof(ts));
}

/* clock_getres: a NULL result pointer still checks the clock id. */
long sys_clock_getres(struct proc *p, const uint64_t a[6])
{
    struct timespec ts;
    int r = guest_clock(p, (clockid_t)a[0], true, &ts);
    if (r < 0)
        return r;
    return a[1] ? put_user_struct(p, a[1], &ts, sizeof(ts)) : 0;
}

/* gettimeofday: either pointer may be NULL; the time zone is the kernel's (sys_tz), so the raw
 * syscall rather than glibc's, which no longer fills it. */
long sys_gettimeofday(struct proc *p, const uint64_t a[6])
{
    struct timeval tv;
    struct timezone tz;

    if (syscall(SYS_gettimeofday, &tv, &tz) < 0)
        return -errno;
    if (a[0] && put_user_struct(p, a[0], &tv, sizeof(tv)))
        return -EFAULT;
    if (a[1] && put_user_struct(p, a[1], &tz, sizeof(tz)))
        return -EFAULT;
    return 0;
}

long sys_time(struct proc *p, const uint64_t a[6])
{
    int64_t t = (int64_t)time(NULL);

    if (a[0] && put_user_struct(p, a[0], &t, sizeof(t)))
        return -EFAULT;
    return t;
}

#define NSEC_PER_SEC 1000000000ULL

bool timespec_valid(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NSEC_PER_SEC;
}

uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

struct timespec ns_timespec(uint64_t ns)
{
    return (struct timespec){(time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC)};
}

struct timeval ns_timeval(uint64_t ns)
{
    return (struct timeval){(time_t)(ns / NSEC_PER_SEC), (suseconds_t)(ns % NSEC_PER_SEC / 1000)};
}

int timespec_ms_ceil(const struct timespec *ts)
{
    if ((uint64_t)ts->tv_sec >= 0x7fffffff / 1000) /* would wrap: as good as forever */
        return 0x7fffffff;
    uint64_t ms = ((uint64_t)ts->tv_sec * 1000) + ((uint64_t)ts->tv_nsec + 999999) / 1000000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static uint64_t clock_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return timespec_ns(&ts);
}

uint64_t monotonic_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t monotonic_deadline(clockid_t clk, uint64_t abs_ns)
{
    uint64_t now = monotonic_ns(), c = clk == CLOCK_MONOTONIC ? now : clock_ns(clk);
    return abs_ns > c ? now + (abs_ns - c) : now;
}

/*
 * nanosleep/clock_nanosleep on the wall clocks: the sleeper parks (WAIT_SLEEP, emu/sched.h)
 * until its CLOCK_MONOTONIC deadline, so the other guest processes and threads run meanwhile.
 * The call is retried when the process runs again and returns 0 once the time has come. A
 * handler that interrupts it makes it return -EINTR, SA_RESTART or not, with the time left in
 * rem for a relative sleep (emu/sys_signal.c), as Linux's hrtimer_nanosleep does. A sleep on a
 * CPU-time clock (posix_cpu_nsleep) parks too, until the guest's own clock of that task has
 * reached the time: each wake-up comes no sooner than the CPU time left could pass on the one
 * CPU, and parks again if it has not (a handler's EINTR writes no rem for it, where Linux writes
 * the CPU time left). Sleeps on the other clocks (CLOCK_TAI, the alarm clocks) wait on the host.
 */
static long cpu_clock_nanosleep(struct proc *p, clockid_t clk, int flags,
                                const struct timespec *req)
{
    struct cpu_clock c;
    uint64_t now;
    int r = cpu_clock_decode(p, clk, &c, NULL);
    if (r)
        return r;
    /* posix_cpu_nsleep: the caller's own thread clock can never advance while it sleeps */
    if (c.thread && c.pid == p->task.pid)
        return -EINVAL;
    if (!cpu_clock_sample(p->emu, &c, &now))
        return -EINVAL;
    uint64_t end = (flags & TIMER_ABSTIME) ? timespec_ns(req) : now + timespec_ns(req);
    if (end <= now)
        return 0;
    p->sleep_cpu_pid = c.pid;
    p->sleep_cpu_thread = c.thread;
    p->sleep_cpu_which = c.which;
    p->sleep_cpu_end = end;
    p->sleeping = true;
    p->wait_deadline = monotonic_ns() + (end - now);
    p->sleep_urem = 0;
    proc_park(p, WAIT_SLEEP, 0, true);
    return -FL_ERESTARTSYS;
}

static long do_clock_nanosleep(struct proc *p, clockid_t clk, int flags, uint64_t ureq,
                               uint64_t urem)
{
    if (p->sleeping && p->sleep_cpu_pid) { /* a CPU-time clock's sleep, run again */
        struct cpu_clock c = {p->sleep_cpu_pid, p->sleep_cpu_thread, p->sleep_cpu_which};
        uint64_t now;
        /* over when the time has come, or the clock's task is gone */
        if (!cpu_clock_sample(p->emu, &c, &now) || now >= p->sleep_cpu_end) {
            p->sleeping = false;
            p->sleep_cpu_pid = 0;
            p->wait_deadline = 0;
            return 0;
        }
        p->wait_deadline = monotonic_ns() + (p->sleep_cpu_end - now);
        proc_park(p, WAIT_SLEEP, 0, true);
        return -FL_ERESTARTSYS;
    }
    if (p->sleeping) { /* the parked call, run again */
        if (monotonic_ns() >= p->wait_deadline) {
            p->sleeping = false;
            p->wait_deadline = 0;
            return 0;
        }
        proc_park(p, WAIT_SLEEP, 0, true);
        return -FL_ERESTARTSYS;
    }
    struct timespec req, rem = {0, 0};
    if (get_user_struct(p, &req, ureq, sizeof(req)))
        return -EFAULT;
    if (!timespec_valid(&req))
        return -EINVAL;
    p->sleep_cpu_pid = 0;
    if (clk < 0 || clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID)
        return cpu_clock_nanosleep(p, clk, flags, &req);
    if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME) {
        if (syscall(SYS_clock_nanosleep, clk, flags, &req, &rem) == 0)
            return 0;
        int err = errno;
        if (err == EINTR && urem && !(flags & TIMER_ABSTIME) &&
            put_user_struct(p, urem, &rem, sizeof(rem)))
            return -EFAULT;
        return -err;
    }
    uint64_t now = monotonic_ns(), deadline = (flags & TIMER_ABSTIME)
                                                  ? monotonic_deadline(clk, timespec_ns(&req))
                                                  : now + timespec_ns(&req);
    if (deadline <= now)
        return 0;
    p->sleeping = true;
    p->wait_deadline = deadline;
    p->sleep_urem = (flags & TIMER_ABSTIME) ? 0 : urem;
    proc_park(p, WAIT_SLEEP, 0, true);
    return -FL_ERESTARTSYS;
}

long sys_nanosleep(struct proc *p, const uint64_t a[6])
{
    return do_clock_nanosleep(p, CLOCK_MONOTONIC, 0, a[0], a[1]);
}

long sys_clock_nanosleep(struct proc *p, const uint64_t a[6])
{
    return do_clock_nanosleep(p, (clockid_t)a[0], (int)a[1], a[2], a[3]);
}

/* sched_yield: the caller goes behind every other runnable task (yield_task_fair); alone, it
 * goes on at once. A loop that yields until another thread has done something (Go's runtime
 * does) then lets that thread run instead of waiting for its time slice to end. */
long sys_sched_yield(struct proc *p, const uint64_t a[6])
{
    if (sched_others_runnable(p))
        p->preempted = true;
    return 0;
}
