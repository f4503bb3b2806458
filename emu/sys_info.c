/*
 * sys_info.c - who and where the process is: uname, ids, resource limits and usage, sysinfo,
 * CPU affinity, random bytes (kernel/sys.c, kernel/sched/core.c, drivers/char/random.c).
 *
 * What the model knows comes from the model (pids, page-fault counts, RSS, RAM size and free
 * frames, RLIMIT_STACK); what it does not model comes from the host (user ids, CPU times, the
 * kernel release, random bytes). The guest machine has one CPU.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"

_Static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname");
_Static_assert(sizeof(struct rusage) == 144, "struct rusage is the kernel's");
_Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo is the kernel's");

/* --- uname --- */

/* The host's node name and release (a real kernel, so glibc's version checks pass), but always
 * Linux on x86_64, whatever faultline runs on. */
long sys_uname(struct proc *p, const uint64_t a[6])
{
    struct utsname u;

    if (uname(&u) < 0)
        return -errno;
    snprintf(u.sysname, sizeof(u.sysname), "Linux");
    snprintf(u.machine, sizeof(u.machine), "x86_64");
    return put_user_struct(p, a[0], &u, sizeof(u));
}

/* --- process ids: the model's --- */

long sys_getpid(struct proc *p, const uint64_t a[6])
{
    return p->task.tgid;
}

long sys_gettid(struct proc *p, const uint64_t a[6])
{
    return p->task.pid;
}

long sys_getppid(struct proc *p, const uint64_t a[6])
{
    return p->ppid;
}

/* The pid of the first guest process: the lowest tgid alive. */
static int first_guest_pid(struct proc *p)
{
    int pid = p->task.tgid;

    for (struct proc *q = p->emu ? p->emu->procs : NULL; q; q = q->next)
        if (!q->exited && q->task.tgid < pid)
            pid = q->task.tgid;
    return pid;
}

int guest_pgrp(struct proc *p)
{
    pid_t host = getpgrp();

    if (p->pgid) /* fixed at spawn or fork, changed by setpgid/setsid (emu/sys_process.c) */
        return p->pgid;
    return host == getpid() ? first_guest_pid(p) : host;
}

int host_pgid_to_guest(struct proc *p, int host_pgid)
{
    return host_pgid == getpgrp() ? guest_pgrp(p) : host_pgid;
}

int guest_pgid_to_host(struct proc *p, int guest_pgid)
{
    return guest_pgid == guest_pgrp(p) ? getpgrp() : guest_pgid;
}

long sys_getpgrp(struct proc *p, const uint64_t a[6])
{
    return guest_pgrp(p);
}

/* --- user and group ids: the host's (files are created by the host with them) --- */

long sys_getuid(struct proc *p, const uint64_t a[6])
{
    return getuid();
}

long sys_geteuid(struct proc *p, const uint64_t a[6])
{
    return geteuid();
}

long sys_getgid(struct proc *p, const uint64_t a[6])
{
    return getgid();
}

long sys_getegid(struct proc *p, const uint64_t a[6])
{
    return getegid();
}

/*
 * The set*id calls. The guest runs with faultline's own ids, which faultline does not give
 * up for it, so it is treated as an unprivileged process whose real, effective and saved ids
 * are all the host's: asking for an id it already has (or -1, "unchanged") succeeds, anything
 * else is EPERM. Programs such as make switch to the ids they already have.
 */
static bool ids_unchanged(const uint64_t a[6], int n, unsigned id)
{
    for (int i = 0; i < n; i++)
        if ((uint32_t)a[i] != (uint32_t)-1 && (uint32_t)a[i] != id)
            return false;
    return true;
}

long sys_setuid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 1, getuid()) ? 0 : -EPERM;
}

long sys_setgid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 1, getgid()) ? 0 : -EPERM;
}

long sys_setreuid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 2, getuid()) ? 0 : -EPERM;
}

long sys_setregid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 2, getgid()) ? 0 : -EPERM;
}

long sys_setresuid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 3, getuid()) ? 0 : -EPERM;
}

long sys_setresgid(struct proc *p, const uint64_t a[6])
{
    return ids_unchanged(a, 3, getgid()) ? 0 : -EPERM;
}

/* getresuid/getresgid(ruid, euid, suid): the three ids, each an int the guest points to. */
static long put_ids(struct proc *p, const uint64_t a[6], unsigned id)
{
    uint32_t v = id;
    for (int i = 0; i < 3; i++)
        if (copy_to_user(&p->task, a[i], &v, sizeof(v)))
            return -EFAULT;
    return 0;
}

long sys_getresuid(struct proc *p, const uint64_t a[6])
{
    return put_ids(p, a, getuid());
}

long sys_getresgid(struct proc *p, const uint64_t a[6])
{
    return put_ids(p, a, getgid());
}

/* getgroups(size, list): size 0 asks for the count; a smaller non-zero size is EINVAL. */
long sys_getgroups(struct proc *p, const uint64_t a[6])
{
    int size = (int)a[0];
    gid_t *groups;
    long n;

    if (size < 0)
        return -EINVAL;
    n = getgroups(0, NULL);
    if (n < 0)
        return -errno;
    if (size == 0 || n == 0)
        return n;
    if (size < n)
        return -EINVAL;
    groups = calloc(n, sizeof(gid_t));
    if (!groups)
        return -ENOMEM;
    n = getgroups(n, groups);
    if (n < 0)
        n = -errno;
    else if (put_user_struct(p, a[1], groups, n * sizeof(gid_t)))
        n = -EFAULT;
    free(groups);
    return n;
}

/* --- resource limits --- */

#define FL_RLIM_NLIMITS 16 /* RLIMIT_CPU .. RLIMIT_RTTIME */

struct rlimit64_abi {
    uint64_t cur, max; /* struct rlimit and struct rlimit64: the same on x86-64 */
};

/*
 * The guest's limits. They start as the host's, except RLIMIT_NOFILE (the fd table's size) and
 * the RLIMIT_STACK soft limit, which lives in the task because the model grows the stack by it.
 * Limits the guest sets are kept and reported back but do not change the host: faultline itself
 * must not run out of files or stack because of the guest. One set for now, as there is one
 * guest process; fork will want a copy per process.
 */
static struct rlimit64_abi rlim[FL_RLIM_NLIMITS];
static bool rlim_ready;

static void rlim_init(void)
{
    struct rlimit r;

    if (rlim_ready)
        return;
    for (int i = 0; i < FL_RLIM_NLIMITS; i++) {
        if (getrlimit(i, &r) == 0) {
            rlim[i].cur = r.rlim_cur;
            rlim[i].max = r.rlim_max;
        } else {
            rlim[i].cur = rlim[i].max = UINT64_MAX;
        }
    }
    rlim[RLIMIT_NOFILE].cur = rlim[RLIMIT_NOFILE].max = FDTABLE_MAX;
    rlim_ready = true;
}

static struct rlimit64_abi rlim_get(struct proc *p, int resource)
{
    struct rlimit64_abi r;

    rlim_init();
    r = rlim[resource];
    if (resource == RLIMIT_STACK)
        r.cur = p->task.rlimit_stack;
    return r;
}

uint64_t guest_rlimit_cur(struct proc *p, int resource)
{
    if (resource < 0 || resource >= FL_RLIM_NLIMITS)
        return UINT64_MAX;
    return rlim_get(p, resource).cur;
}

/* do_prlimit: soft above hard is EINVAL; raising the hard limit needs privilege. */
static long rlim_set(struct proc *p, int resource, const struct rlimit64_abi *new)
{
    struct rlimit64_abi old = rlim_get(p, resource);

    if (new->cur > new->max)
        return -EINVAL;
    /* the fd table is the guest's fs.nr_open: no raising RLIMIT_NOFILE past it */
    if (resource == RLIMIT_NOFILE && new->max > FDTABLE_MAX)
        return -EPERM;
    if (new->max > old.max && geteuid() != 0)
        return -EPERM;
    rlim[resource] = *new;
    if (resource == RLIMIT_STACK)
        p->task.rlimit_stack = new->cur;
    return 0;
}

/* prlimit64(pid, resource, new, old): new is read first, old written last (after the change),
 * in Linux's order of checks. Other processes' limits come with processes. */
long sys_prlimit64(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0], resource = (int)a[1];
    struct rlimit64_abi new, old;
    long r;

    if (a[2] && get_user_struct(p, &new, a[2], sizeof(new)))
        return -EFAULT;
    if (pid != 0 && pid != p->task.tgid)
        return -ESRCH;
    if (resource < 0 || resource >= FL_RLIM_NLIMITS)
        return -EINVAL;
    old = rlim_get(p, resource);
    if (a[2]) {
        r = rlim_set(p, resource, &new);
        if (r < 0)
            return r;
    }
    if (a[3] && put_user_struct(p, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_getrlimit(struct proc *p, const uint64_t a[6])
{
    struct rlimit64_abi r;

    if ((int)a[0] < 0 || (int)a[0] >= FL_RLIM_NLIMITS)
        return -EINVAL;
    r = rlim_get(p, (int)a[0]);
    return put_user_struct(p, a[1], &r, sizeof(r));
}

/* --- usage --- */

/*
 * getrusage: the fault counts and the resident size are the model's; CPU times are faultline's
 * own (host getrusage), the only real measure there is. ru_maxrss is the current RSS (the model
 * keeps no high-water mark), in KiB. Children: none have been reaped yet, so all zero.
 */
long sys_getrusage(struct proc *p, const uint64_t a[6])
{
    int who = (int)a[0];
    struct rusage ru, host;

    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    memset(&ru, 0, sizeof(ru));
    if (who != RUSAGE_CHILDREN) {
        struct mm_struct *mm = p->task.mm;

        if (getrusage(RUSAGE_SELF, &host) == 0) {
            ru.ru_utime = host.ru_utime;
            ru.ru_stime = host.ru_stime;
        }
        ru.ru_minflt = p->task.min_flt;
        ru.ru_majflt = p->task.maj_flt;
        if (mm)
            ru.ru_maxrss = (mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
                            mm->rss_stat[MM_SHMEMPAGES]) *
                           (PAGE_SIZE / 1024);
    }
    return put_user_struct(p, a[1], &ru, sizeof(ru));
}

/*
 * sysinfo: RAM is the guest's (--ram) and free RAM the model's free frames; uptime, loads and
 * the host's high memory fields come from the host. Swap reads as none until the model's swap
 * size is an option the syscall layer can see.
 */
long sys_sysinfo(struct proc *p, const uint64_t a[6])
{
    struct sysinfo si;
    uint64_t unit, total, freeb;
    int nprocs = 0;

    if (sysinfo(&si) < 0)
        return -errno;
    unit = si.mem_unit ? si.mem_unit : 1;
    total = p->emu ? p->emu->ram_bytes : 0;
    freeb = (uint64_t)nr_free_pages() * PAGE_SIZE;
    if (freeb > total)
        freeb = total;
    for (struct proc *q = p->emu ? p->emu->procs : NULL; q; q = q->next)
        nprocs += !q->exited;
    si.totalram = total / unit;
    si.freeram = freeb / unit;
    si.sharedram = 0;
    si.bufferram = 0;
    si.totalswap = si.freeswap = 0;
    si.totalhigh = si.freehigh = 0;
    si.procs = nprocs ? nprocs : 1;
    return put_user_struct(p, a[0], &si, sizeof(si));
}

/* --- CPUs --- */

/* sched_getaffinity: one CPU. Linux's checks: the mask must hold nr_cpu_ids bits and be a whole
 * number of longs; it writes cpumask_size() bytes (8) and returns that size. */
long sys_sched_getaffinity(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    uint64_t len = a[1];
    uint64_t mask = 1;

    if (len == 0 || (len & (sizeof(long) - 1)))
        return -EINVAL;
    if (pid < 0)
        return -ESRCH;
    if (pid != 0 && pid != p->task.tgid && pid != p->task.pid)
        return -ESRCH;
    return put_user_struct(p, a[2], &mask, sizeof(mask)) ? -EFAULT : (long)sizeof(mask);
}

/* --- random bytes --- */

/* getrandom: the host's bytes, FL_BOUNCE at a time. A fault after some bytes returns the count
 * so far, as Linux's get_random_bytes_user does. */
long sys_getrandom(struct proc *p, const uint64_t a[6])
{
    static char buf[FL_BOUNCE];
    uint64_t count = a[1], done = 0;
    unsigned flags = (unsigned)a[2];

    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
        return -EINVAL;
    if (count > 0x7fffffff)
        count = 0x7fffffff;
    if (!access_ok(a[0], count))
        return -EFAULT;
    while (done < count) {
        size_t want = count - done < FL_BOUNCE ? count - done : FL_BOUNCE;
        ssize_t n = getrandom(buf, want, flags);
        size_t left;

        if (n < 0)
            return done ? (long)done : -errno;
        left = copy_to_user(&p->task, a[0] + done, buf, n);
        done += n - left;
        if (left)
            return done ? (long)done : -EFAULT;
        if ((size_t)n < want)
            break;
    }
    return done;
}

/* Is q one of the tasks setpriority/getpriority's (which, who) names (kernel/sys.c)? who 0 is
 * the caller, its process group, its user. Every guest process has the caller's user. */
static bool prio_match(struct proc *p, struct proc *q, int which, int who)
{
    switch (which) {
    case PRIO_PROCESS:
        return q->task.pid == (who ? who : p->task.pid);
    case PRIO_PGRP:
        return guest_pgrp(q) == (who ? who : guest_pgrp(p));
    default: /* PRIO_USER */
        return !who || (uid_t)who == geteuid();
    }
}

/* setpriority(which, who, niceval): niceval clamped to -20..19; lowering a task's nice value
 * needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (can_nice). The value is kept and reported,
 * not obeyed: the guest has one CPU and takes turns by time slice. */
long sys_setpriority(struct proc *p, const uint64_t a[6])
{
    int which = (int)a[0], who = (int)a[1], niceval = (int)a[2];
    long r = -ESRCH;
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    niceval = niceval < -20 ? -20 : niceval > 19 ? 19 : niceval;
    bool may_lower = geteuid() == 0 || 20 - niceval <= (long)guest_rlimit_cur(p, RLIMIT_NICE);
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->exited || !prio_match(p, q, which, who))
            continue;
        if (niceval < q->nice && !may_lower) {
            r = -EACCES;
            continue;
        }
        q->nice = niceval;
        if (r == -ESRCH)
            r = 0;
    }
    return r;
}

/* getpriority(which, who): the highest priority among the tasks named, as 20 - nice (1..40:
 * the raw syscall's range, which glibc turns back into a nice value). */
long sys_getpriority(struct proc *p, const uint64_t a[6])
{
    int which = (int)a[0], who = (int)a[1];
    long best = -ESRCH;
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (!q->exited && prio_match(p, q, which, who) && 20 - q->nice > best)
            best = 20 - q->nice;
    return best;
}
