/*
 * cputime.c - the CPU time of guest tasks (models kernel/sched/cputime.c of Linux 4.20, with
 * the accounting of __exit_signal and wait_task_zombie in kernel/exit.c and of getrusage in
 * kernel/sys.c). See cputime.h for the model: a precise runtime per task from the emulator
 * thread's CPU clock, split into user and system time by sampled ticks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "emu/cputime.h"
#include "emu/emu.h"
#include "emu/proc.h"
#include "mmu/mmu.h"

#define USER_HZ 100 /* the unit of clock_t: times(), /proc, siginfo */

enum { MODE_USER, MODE_KERNEL };

static struct {
    pthread_t thread;
    bool started;
    atomic_bool stop;
    struct emu *emu;
    clockid_t emu_clock;   /* the emulator thread's CPU clock */
    atomic_ulong ticks[2]; /* ticks charged to user and to system time so far */
    /* the running task's CPU timers: those on user + system time are due when user + system
     * ticks reach prof_at, those on user time when user ticks reach virt_at, those on the
     * precise runtime when the emulator thread's CPU clock reaches sched_at; 0: none */
    atomic_ulong prof_at, virt_at;
    _Atomic uint64_t sched_at;
    atomic_bool timers_due;
    /* cputime_idle: the ticker waits on idle_cond while idle is set */
    pthread_mutex_t idle_lock;
    pthread_cond_t idle_cond;
    bool idle;
} tick = {.idle_lock = PTHREAD_MUTEX_INITIALIZER, .idle_cond = PTHREAD_COND_INITIALIZER};

static uint64_t clock_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts))
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* On the ticker: sleep while the emulator thread is idle; true if it was. */
static bool wait_while_idle(void)
{
    bool waited = false;
    pthread_mutex_lock(&tick.idle_lock);
    while (tick.idle && !atomic_load(&tick.stop)) {
        pthread_cond_wait(&tick.idle_cond, &tick.idle_lock);
        waited = true;
    }
    pthread_mutex_unlock(&tick.idle_lock);
    return waited;
}

void cputime_idle(bool idle)
{
    pthread_mutex_lock(&tick.idle_lock);
    if (tick.idle && !idle)
        pthread_cond_signal(&tick.idle_cond);
    tick.idle = idle;
    pthread_mutex_unlock(&tick.idle_lock);
}

/* The tick (update_process_times -> account_process_tick): a tick goes to whichever mode the
 * emulator thread is in, if it ran for at least half of the tick (a thread blocked in the host,
 * a guest asleep, gets none: Linux would charge the idle task). */
static void *ticker_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "fl-cputime");
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    uint64_t last = clock_ns(tick.emu_clock);
    while (!atomic_load(&tick.stop)) {
        next.tv_nsec += (long)TICK_NSEC;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        if (wait_while_idle()) { /* the ticks start again from now */
            clock_gettime(CLOCK_MONOTONIC, &next);
            last = clock_ns(tick.emu_clock);
            continue;
        }
        uint64_t now = clock_ns(tick.emu_clock);
        int cpl = atomic_load_explicit(&cpu_cpl, memory_order_relaxed);
        bool due = false;
        if (now - last >= TICK_NSEC / 2) {
            atomic_fetch_add(&tick.ticks[cpl == 3 ? MODE_USER : MODE_KERNEL], 1);
            unsigned long u = atomic_load(&tick.ticks[MODE_USER]),
                          s = atomic_load(&tick.ticks[MODE_KERNEL]);
            unsigned long prof = atomic_load(&tick.prof_at), virt = atomic_load(&tick.virt_at);
            due = (prof && u + s >= prof) || (virt && u >= virt);
        }
        uint64_t sched = atomic_load(&tick.sched_at);
        due = due || (sched && now >= sched);
        /* run_posix_cpu_timers: the run loop sends the signals once the engine has stopped */
        if (due && !atomic_exchange(&tick.timers_due, true))
            emu_kick(tick.emu);
        else
            emu_kick_again(tick.emu);
        last = now;
    }
    return NULL;
}

void cputime_start(struct emu *e)
{
    if (tick.started || pthread_getcpuclockid(pthread_self(), &tick.emu_clock))
        return;
    tick.emu = e;
    atomic_store(&tick.stop, false);
    tick.started = pthread_create(&tick.thread, NULL, ticker_main, NULL) == 0;
}

void cputime_stop(void)
{
    if (!tick.started)
        return;
    atomic_store(&tick.stop, true);
    cputime_idle(false);
    pthread_join(tick.thread, NULL);
    tick.started = false;
}

struct group_acct *group_acct_new(void)
{
    struct group_acct *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->refs = 1;
    return a;
}

struct group_acct *group_acct_hold(struct group_acct *a)
{
    a->refs++;
    return a;
}

void group_acct_put(struct group_acct *a)
{
    if (a && --a->refs == 0)
        free(a);
}

/* update_curr: bring the running task's runtime and tick samples up to now. Only the task on
 * the CPU has exec_start set, and only the emulator thread calls this. */
static void update_curr(struct proc *p)
{
    if (!p->exec_start)
        return;
    uint64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    if (now > p->exec_start)
        p->sum_exec_runtime += now - p->exec_start;
    p->exec_start = now ? now : 1;
    for (int m = 0; m < 2; m++) {
        unsigned long t = atomic_load_explicit(&tick.ticks[m], memory_order_relaxed);
        uint64_t add = (uint64_t)(t - p->ticks_seen[m]) * TICK_NSEC;
        if (m == MODE_USER)
            p->tick_utime += add;
        else
            p->tick_stime += add;
        p->ticks_seen[m] = t;
    }
}

void account_switch_in(struct proc *p)
{
    uint64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    p->exec_start = now ? now : 1;
    for (int m = 0; m < 2; m++)
        p->ticks_seen[m] = atomic_load_explicit(&tick.ticks[m], memory_order_relaxed);
}

void account_switch_out(struct proc *p)
{
    if (!p->exec_start) /* not on the CPU (killed while another ran): nothing to stop */
        return;
    update_curr(p);
    p->exec_start = 0;
    atomic_store(&tick.prof_at, 0);
    atomic_store(&tick.virt_at, 0);
    atomic_store(&tick.sched_at, 0);
}

static unsigned long deadline_ticks(unsigned long now, uint64_t left)
{
    if (left == UINT64_MAX)
        return 0;
    unsigned long at = now + (unsigned long)((left + TICK_NSEC - 1) / TICK_NSEC);
    return at ? at : 1;
}

void cputime_set_timer_deadlines(struct proc *p, const struct cpu_timer_deadlines *d)
{
    if (!p->exec_start)
        return;
    update_curr(p); /* ticks_seen: the counts the samples have reached; exec_start: now */
    unsigned long u = p->ticks_seen[MODE_USER], s = p->ticks_seen[MODE_KERNEL];
    atomic_store(&tick.prof_at, deadline_ticks(u + s, d->prof_left));
    atomic_store(&tick.virt_at, deadline_ticks(u, d->virt_left));
    /* the runtime grows with the emulator thread's CPU clock while p is on the CPU */
    uint64_t sched_at = 0;
    if (d->sched_left < UINT64_MAX - p->exec_start)
        sched_at = p->exec_start + d->sched_left;
    atomic_store(&tick.sched_at, sched_at);
}

bool cputime_timers_due(void)
{
    return atomic_load_explicit(&tick.timers_due, memory_order_relaxed) &&
           atomic_exchange(&tick.timers_due, false);
}

/* stime * rtime / total, without overflow. */
static uint64_t scale_stime(uint64_t stime, uint64_t rtime, uint64_t total)
{
    return (uint64_t)((unsigned __int128)stime * rtime / total);
}

/*
 * cputime_adjust: the sampled utime and stime give the split, the precise runtime the sum. The
 * result never goes below what was reported before (prev), in either part: a task that read
 * its times twice must not see one of them shrink because a later tick tipped the ratio.
 */
static struct task_cputime cputime_adjust(const struct task_cputime *curr,
                                          struct prev_cputime *prev)
{
    uint64_t rtime = curr->sum_exec_runtime, stime = curr->stime, utime = curr->utime;
    if (prev->stime + prev->utime >= rtime) /* nothing new since the last report */
        return (struct task_cputime){prev->utime, prev->stime, rtime};
    if (utime == 0 && stime != 0) /* only system ticks: all system time */
        stime = rtime;
    else if (stime != 0) /* (no system tick: all user time) */
        stime = scale_stime(stime, rtime, stime + utime);
    if (stime < prev->stime)
        stime = prev->stime;
    utime = rtime - stime; /* prev->stime <= prev's sum < rtime */
    if (utime < prev->utime) {
        utime = prev->utime;
        stime = rtime - utime;
    }
    prev->utime = utime;
    prev->stime = stime;
    return (struct task_cputime){prev->utime, prev->stime, rtime};
}

static struct task_cputime raw_times(const struct proc *p)
{
    return (struct task_cputime){p->tick_utime, p->tick_stime, p->sum_exec_runtime};
}

struct task_cputime task_cputime_sampled(struct proc *p)
{
    update_curr(p);
    return raw_times(p);
}

struct task_cputime task_cputime_adjusted(struct proc *p)
{
    update_curr(p);
    struct task_cputime t = raw_times(p);
    return cputime_adjust(&t, &p->prev_cputime);
}

/* thread_group_cputime: the live threads' samples and runtime, plus the exited threads'. */
struct task_cputime thread_group_cputime_sampled(struct proc *p)
{
    struct task_cputime sum = p->acct->dead;
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->acct != p->acct || q->acct_exited)
            continue;
        update_curr(q);
        sum.utime += q->tick_utime;
        sum.stime += q->tick_stime;
        sum.sum_exec_runtime += q->sum_exec_runtime;
    }
    return sum;
}

struct task_cputime thread_group_cputime_adjusted(struct proc *p)
{
    struct task_cputime t = thread_group_cputime_sampled(p);
    return cputime_adjust(&t, &p->acct->prev);
}

void thread_group_faults(struct proc *p, unsigned long *min_flt, unsigned long *maj_flt)
{
    *min_flt = p->acct->dead_min_flt;
    *maj_flt = p->acct->dead_maj_flt;
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->acct != p->acct || q->acct_exited)
            continue;
        *min_flt += q->task.min_flt;
        *maj_flt += q->task.maj_flt;
    }
}

void wait_rusage_faults(struct proc *p, unsigned long *min_flt, unsigned long *maj_flt)
{
    thread_group_faults(p, min_flt, maj_flt);
    *min_flt += p->acct->cmin_flt;
    *maj_flt += p->acct->cmaj_flt;
}

void account_thread_exit(struct proc *p)
{
    if (p->acct_exited)
        return;
    account_switch_out(p);
    p->acct->dead.utime += p->tick_utime;
    p->acct->dead.stime += p->tick_stime;
    p->acct->dead.sum_exec_runtime += p->sum_exec_runtime;
    p->acct->dead_min_flt += p->task.min_flt;
    p->acct->dead_maj_flt += p->task.maj_flt;
    task_io_accounting_add(&p->acct->ioac, &p->ioac); /* __exit_signal */
    p->acct_exited = true;
}

void account_reap(struct proc *parent, struct proc *child)
{
    struct task_cputime t = thread_group_cputime_adjusted(child);
    unsigned long min_flt, maj_flt;
    wait_rusage_faults(child, &min_flt, &maj_flt);
    struct group_acct *to = parent->acct, *from = child->acct;
    to->children.utime += t.utime + from->children.utime;
    to->children.stime += t.stime + from->children.stime;
    to->children.sum_exec_runtime += t.sum_exec_runtime + from->children.sum_exec_runtime;
    to->cmin_flt += min_flt;
    to->cmaj_flt += maj_flt;
    /* the child's own peak or its descendants', whichever is larger */
    unsigned long maxrss = from->maxrss > from->cmaxrss ? from->maxrss : from->cmaxrss;
    if (to->cmaxrss < maxrss)
        to->cmaxrss = maxrss;
    /* wait_task_zombie: the child's reads and writes, and those of its exited threads and
     * reaped children */
    struct task_io_accounting io;
    task_io_read(child, 1, &io);
    task_io_accounting_add(&to->ioac, &io);
}

uint64_t nsec_to_clock_t(uint64_t ns)
{
    return ns / (1000000000ULL / USER_HZ);
}
