/*
 * sys_info.c - who and where the process is: uname, resource limits and usage, sysinfo,
 * CPU affinity and scheduling policies, random bytes (kernel/sys.c, kernel/sched/core.c,
 * drivers/char/random.c).
 *
 * What the model knows comes from the model (pids, page-fault counts, RSS, RAM size and free
 * frames, RLIMIT_STACK); what it does not model comes from the host (CPU times, the
 * kernel release, random bytes). The guest machine has one CPU.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"

_Static_assert(sizeof(struct utsname) == 6 * 65, "struct new_utsname");
_Static_assert(sizeof(struct rusage) == 144, "struct rusage is the kernel's");
_Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo is the kernel's");

/* --- uname --- */

/* The host's node name and release (a real kernel, so glibc's version checks pass), but always
 * Linux on x86_64, whatever faultline runs on; i686 under the PER_LINUX32 persona (setarch
 * linux32), as Linux's override_architecture says. */
long sys_uname(struct proc *p, const uint64_t a[6])
{
    struct utsname u;

    if (uname(&u) < 0)
        return -errno;
    snprintf(u.sysname, sizeof(u.sysname), "Linux");
    snprintf(u.machine, sizeof(u.machine), "%s",
             (p->personality & 0xff) == 0x0008 /* PER_LINUX32 */ ? "i686" : "x86_64");
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

bool is_host_parent(struct proc *p, int pid)
{
    return pid == getpid() && !find_proc(p->emu, pid);
}

/* When faultline leads its host group, the guest's group is shown led by the first guest (see
 * sys_info.h): faultline then plays the job-control shell, which leads a group of its own.
 * Otherwise faultline is in the group the guest is shown in, the host's. */
int host_parent_pgrp(struct proc *p)
{
    (void)p;
    return getpgrp() == getpid() ? getpid() : getpgrp();
}

/* The guest's session is faultline's host session (guest_sid), so is its
 * parent's. */
int host_parent_sid(struct proc *p)
{
    (void)p;
    return (int)getsid(0);
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

int guest_sid(struct proc *p)
{
    return p->sid ? p->sid : (int)getsid(0); /* 0: the host session faultline runs in */
}

uint64_t boottime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
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

/* --- resource limits --- */

/*
 * faultline's own RLIMIT_NOFILE as it started, before host_nofile_raise: the first guest's, as a
 * native process started the same way would have it. Every guest fd is a host fd of faultline's
 * (and faultline has some of its own), so faultline raises its own soft limit to the hard one
 * while guests run, and puts it back when the machine goes (host_nofile_restore), so that a
 * native run spawned afterwards (faultline compare --pages) starts with the limits it was given.
 */
static struct rlimit host_nofile;
static bool host_nofile_saved;

static void host_nofile_raise(void)
{
    struct rlimit r;

    if (host_nofile_saved || getrlimit(RLIMIT_NOFILE, &host_nofile) != 0)
        return;
    host_nofile_saved = true;
    r = host_nofile;
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r); /* best effort: the guest may then run out earlier */
}

void host_nofile_restore(void)
{
    if (host_nofile_saved)
        setrlimit(RLIMIT_NOFILE, &host_nofile);
    host_nofile_saved = false;
}

/* A guest whose hard limit went past faultline's (it has CAP_SYS_RESOURCE, so faultline has it
 * too): faultline's own limit follows, so the guest's fds still find host fds. Best effort. */
static void host_nofile_follow(uint64_t want)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= want)
        return;
    r.rlim_cur = want;
    if (r.rlim_max < want)
        r.rlim_max = want;
    setrlimit(RLIMIT_NOFILE, &r);
}

/*
 * The guest's limits live in its thread group (struct shared_pending, Linux's signal_struct).
 * They start as the host's (RLIMIT_NOFILE as faultline was started with it), except the
 * RLIMIT_STACK soft limit, which lives in the task because the model grows the stack by it.
 * Limits the guest sets never lower the host's: faultline itself must not run out of files or
 * stack because of the guest.
 */
void guest_rlimits_init(struct proc *p)
{
    struct rlimit r;
    struct task_rlimit *nofile = &p->shared->rlim[RLIMIT_NOFILE];

    host_nofile_raise();
    for (int i = 0; i < FL_RLIM_NLIMITS; i++) {
        if (getrlimit(i, &r) == 0) {
            p->shared->rlim[i].cur = r.rlim_cur;
            p->shared->rlim[i].max = r.rlim_max;
        } else {
            p->shared->rlim[i].cur = p->shared->rlim[i].max = UINT64_MAX;
        }
    }
    if (host_nofile_saved) {
        nofile->cur = host_nofile.rlim_cur;
        nofile->max = host_nofile.rlim_max;
    }
    /* the host's own are within its fs.nr_open, which is the guest's; checked all the same,
     * for the table's int fd numbers */
    if (nofile->max > (uint64_t)fdtable_nr_open())
        nofile->max = (uint64_t)fdtable_nr_open();
    if (nofile->cur > nofile->max)
        nofile->cur = nofile->max;
    if (p->files)
        p->files->nofile = (int)nofile->cur;
}

static struct task_rlimit rlim_get(struct proc *p, int resource)
{
    struct task_rlimit r = p->shared->rlim[resource];

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

long host_sysctl(const char *path, long dflt)
{
    long v;
    FILE *f = fopen(path, "re");
    if (!f)
        return dflt;
    if (fscanf(f, "%ld", &v) != 1)
        v = dflt;
    fclose(f);
    return v;
}

char *host_file_line(const char *path, char *buf, size_t len)
{
    buf[0] = 0;
    FILE *f = fopen(path, "re");
    if (f) {
        if (!fgets(buf, (int)len, f))
            buf[0] = 0;
        fclose(f);
    }
    return buf;
}

int host_transparent_hugepage_mode(void)
{
    /* "always [madvise] never": the bracketed word is the mode; none (no THP in the host
     * kernel): never */
    char line[128];
    host_file_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line));
    if (strstr(line, "[always]"))
        return THP_ALWAYS;
    return strstr(line, "[madvise]") ? THP_MADVISE : THP_NEVER;
}

unsigned long host_mmap_min_addr(void)
{
    static long min_addr = -1;
    if (min_addr < 0) {
        min_addr = host_sysctl("/proc/sys/vm/mmap_min_addr", 65536);
        if (min_addr < 0 || (unsigned long)min_addr >= TASK_SIZE)
            min_addr = 65536; /* CONFIG_DEFAULT_MMAP_MIN_ADDR on x86 */
    }
    return (unsigned long)min_addr;
}

bool host_refuses_low_maps(void)
{
    static int refused = -1;
    if (refused < 0) {
        /* page 0: faultline itself never has anything there */
        void *p = host_mmap_min_addr() && host_capable(17 /* CAP_SYS_RAWIO */)
                      ? mmap(NULL, 4096, PROT_NONE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
                      : NULL;
        refused = p == MAP_FAILED && errno == EPERM;
        if (p && p != MAP_FAILED)
            munmap(p, 4096);
    }
    return refused;
}

bool host_unprivileged_userfaultfd(void)
{
    /* no such sysctl (before Linux 5.2): everyone may, as in 4.20 */
    static long v = -1;
    if (v < 0)
        v = host_sysctl("/proc/sys/vm/unprivileged_userfaultfd", 1) != 0;
    return v;
}

bool host_capable(int cap)
{
    static int known; /* 1: read, the effective set in eff */
    static uint64_t eff;
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];

    if (!known) {
        if (syscall(SYS_capget, &hdr, data) == 0)
            eff = data[0].effective | (uint64_t)data[1].effective << 32;
        else
            eff = geteuid() == 0 ? ~0ULL : 0; /* cannot tell: root is capable */
        known = 1;
    }
    return cap >= 0 && cap < 64 && (eff >> cap & 1);
}

/* do_prlimit: soft above hard is EINVAL; raising the hard limit needs CAP_SYS_RESOURCE. */
static long rlim_set(struct proc *p, int resource, const struct task_rlimit *new)
{
    struct task_rlimit old = rlim_get(p, resource);

    if (new->cur > new->max)
        return -EINVAL;
    /* no raising RLIMIT_NOFILE past fs.nr_open, which no fd table grows past */
    if (resource == RLIMIT_NOFILE && new->max > (uint64_t)fdtable_nr_open())
        return -EPERM;
    if (new->max > old.max && !guest_capable(p, 24 /* CAP_SYS_RESOURCE */))
        return -EPERM;
    p->shared->rlim[resource] = *new;
    if (resource == RLIMIT_STACK)
        p->task.rlimit_stack = new->cur;
    if (resource == RLIMIT_CPU)
        rlimit_cpu_changed(p);
    if (resource == RLIMIT_NOFILE && p->files) /* what alloc_fd allocates below from now on */
        p->files->nofile = (int)new->cur;
    if (resource == RLIMIT_NOFILE)
        host_nofile_follow(new->max);
    return 0;
}

bool fsize_limited(struct proc *p)
{
    return guest_rlimit_cur(p, RLIMIT_FSIZE) != RLIM_INFINITY;
}

long fsize_write_limit(struct proc *p, uint64_t pos, uint64_t *count)
{
    uint64_t limit = guest_rlimit_cur(p, RLIMIT_FSIZE);

    if (limit == RLIM_INFINITY || *count == 0)
        return 0;
    if (pos >= limit) {
        send_signal(p, SIGXFSZ, NULL); /* send_sig(SIGXFSZ, current, 0) */
        return -EFBIG;
    }
    if (*count > limit - pos)
        *count = limit - pos;
    return 0;
}

long fsize_newsize_ok(struct proc *p, uint64_t size, uint64_t newsize)
{
    uint64_t limit = guest_rlimit_cur(p, RLIMIT_FSIZE);

    if (newsize <= size || limit == RLIM_INFINITY || newsize <= limit)
        return 0;
    send_signal(p, SIGXFSZ, NULL);
    return -EFBIG;
}

/* prlimit64(pid, resource, new, old): new is read first, old written last (after the change),
 * in Linux's order of checks. pid names any guest task. */
long sys_prlimit64(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0], resource = (int)a[1];
    struct task_rlimit new, old;
    long r;

    if (a[2] && get_user_struct(p, &new, a[2], sizeof(new)))
        return -EFAULT;
    /* find_task_by_vpid: any live guest task, whose thread group's limits these are; every
     * guest runs as one user, so check_prlimit_permission lets it */
    struct proc *t = pid ? find_proc(p->emu, pid) : p;
    if (!t || t->exited)
        return -ESRCH;
    if (resource < 0 || resource >= FL_RLIM_NLIMITS)
        return -EINVAL;
    old = rlim_get(t, resource);
    if (a[2]) {
        r = rlim_set(t, resource, &new);
        if (r < 0)
            return r;
    }
    if (a[3] && put_user_struct(p, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/* setrlimit(resource, rlim): prlimit64 on the caller. */
long sys_setrlimit(struct proc *p, const uint64_t a[6])
{
    struct task_rlimit new;

    if (get_user_struct(p, &new, a[1], sizeof(new)))
        return -EFAULT;
    if ((int)a[0] < 0 || (int)a[0] >= FL_RLIM_NLIMITS)
        return -EINVAL;
    return rlim_set(p, (int)a[0], &new);
}

long sys_getrlimit(struct proc *p, const uint64_t a[6])
{
    struct task_rlimit r;

    if ((int)a[0] < 0 || (int)a[0] >= FL_RLIM_NLIMITS)
        return -EINVAL;
    r = rlim_get(p, (int)a[0]);
    return put_user_struct(p, a[1], &r, sizeof(r));
}

/* --- usage --- */

/*
 * k_getrusage: CPU times are the guest tasks' own (emu/cputime.c), fault counts the model's.
 * ru_maxrss is a peak RSS in KiB: for the group, the larger of its live mm's high-water RSS
 * (get_mm_hiwater_rss) and those of the mms its tasks left (acct->maxrss); for the children, the
 * largest a reaped child reported (acct->cmaxrss); both for RUSAGE_BOTH. The other fields
 * (context switches, I/O) are 0.
 */
void account_mm_hiwater(struct proc *p, const struct mm_struct *mm)
{
    if (mm && p->acct && p->acct->maxrss < get_mm_hiwater_rss(mm))
        p->acct->maxrss = get_mm_hiwater_rss(mm);
}

void task_rusage(struct proc *p, int who, struct rusage *ru)
{
    struct task_cputime t = {0};
    unsigned long min_flt = 0, maj_flt = 0;

    memset(ru, 0, sizeof(*ru));
    if (who == RUSAGE_THREAD) {
        t = task_cputime_adjusted(p);
        min_flt = p->task.min_flt;
        maj_flt = p->task.maj_flt;
    }
    if (who == RUSAGE_SELF || who == RUSAGE_BOTH) {
        t = thread_group_cputime_adjusted(p);
        thread_group_faults(p, &min_flt, &maj_flt);
    }
    if (who == RUSAGE_CHILDREN || who == RUSAGE_BOTH) {
        t.utime += p->acct->children.utime;
        t.stime += p->acct->children.stime;
        min_flt += p->acct->cmin_flt;
        maj_flt += p->acct->cmaj_flt;
    }
    ru->ru_utime = ns_timeval(t.utime);
    ru->ru_stime = ns_timeval(t.stime);
    ru->ru_minflt = (long)min_flt;
    ru->ru_majflt = (long)maj_flt;
    unsigned long maxrss = who == RUSAGE_CHILDREN || who == RUSAGE_BOTH ? p->acct->cmaxrss : 0;
    if (who != RUSAGE_CHILDREN) {
        if (maxrss < p->acct->maxrss)
            maxrss = p->acct->maxrss;
        if (p->task.mm && maxrss < get_mm_hiwater_rss(p->task.mm))
            maxrss = get_mm_hiwater_rss(p->task.mm);
    }
    ru->ru_maxrss = (long)(maxrss * (PAGE_SIZE / 1024));
}

long sys_getrusage(struct proc *p, const uint64_t a[6])
{
    int who = (int)a[0];
    struct rusage ru;

    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    task_rusage(p, who, &ru);
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

/*
 * times(buf): the thread group's CPU times and its reaped children's, in clock ticks (USER_HZ);
 * the result is the host's tick count since boot, which is what the value means.
 */
long sys_times(struct proc *p, const uint64_t a[6])
{
    struct tms t;
    clock_t now = times(&t);
    if (now == (clock_t)-1)
        return -errno;
    struct task_cputime self = thread_group_cputime_adjusted(p);
    t.tms_utime = (clock_t)nsec_to_clock_t(self.utime);
    t.tms_stime = (clock_t)nsec_to_clock_t(self.stime);
    t.tms_cutime = (clock_t)nsec_to_clock_t(p->acct->children.utime);
    t.tms_cstime = (clock_t)nsec_to_clock_t(p->acct->children.stime);
    if (a[0] && put_user_struct(p, a[0], &t, sizeof(t)))
        return -EFAULT;
    return (long)now;
}

/* --- capabilities --- */

/* The sets a task has: its own once it has called capset, else faultline's (the host answers
 * for the calling thread: the guest runs as faultline's user). */
bool task_caps(const struct proc *t, uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
    if (t && t->caps_own) {
        *eff = t->cap_eff, *prm = t->cap_prm, *inh = t->cap_inh;
        return true;
    }
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    uint32_t d[6];
    if (syscall(SYS_capget, &hdr, d))
        return false;
    *eff = d[0] | (uint64_t)d[3] << 32;
    *prm = d[1] | (uint64_t)d[4] << 32;
    *inh = d[2] | (uint64_t)d[5] << 32;
    return true;
}

bool guest_capable(const struct proc *p, int cap)
{
    if (!p || !p->caps_own)
        return host_capable(cap);
    return cap >= 0 && cap < 64 && (p->cap_eff >> cap & 1);
}

/* capget(hdr, data): a guest task's capabilities (task_caps); the host checks the version and
 * writes back the one it prefers for an unknown one. */
long sys_capget(struct proc *p, const uint64_t a[6])
{
    struct {
        uint32_t version;
        int pid;
    } hdr;
    uint32_t data[6]; /* two struct __user_cap_data_struct for versions 2 and 3 */
    if (get_user_struct(p, &hdr, a[0], sizeof(hdr)))
        return -EFAULT;
    struct proc *t = hdr.pid ? find_proc(p->emu, hdr.pid) : p;
    if (hdr.pid < 0 || (hdr.pid && !t && !is_host_parent(p, hdr.pid)))
        return -ESRCH;
    int guest_pid = hdr.pid;
    hdr.pid = 0;
    long r = host_ret(syscall(SYS_capget, &hdr, a[1] ? data : NULL));
    hdr.pid = guest_pid;
    if (put_user_struct(p, a[0], &hdr, sizeof(hdr)))
        return -EFAULT;
    if (r == 0 && a[1]) {
        uint64_t eff, prm, inh;
        if (t && t->caps_own && task_caps(t, &eff, &prm, &inh)) {
            uint32_t own[6] = {(uint32_t)eff,         (uint32_t)prm,         (uint32_t)inh,
                               (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)};
            memcpy(data, own, sizeof(own));
        }
        size_t n = hdr.version == 0x19980330 ? 12 : 24; /* _LINUX_CAPABILITY_VERSION_1: one set */
        if (put_user_struct(p, a[1], data, n))
            return -EFAULT;
    }
    return r;
}

/* capset (cap_capset): a task may only change its own sets, and only drop: the new permitted
 * set within the old, the new effective within the new permitted, the new inheritable within
 * the old inheritable and permitted unless it has CAP_SETPCAP. The sets are the task's from
 * then on (caps_own): faultline's own stay as they are, so what a guest drops is checked by
 * the guest's calls that ask for a capability (guest_capable), not by the host. Nor may the new
 * inheritable set gain one outside the bounding set (unchecked until 2026-12-07). */
long sys_capset(struct proc *p, const uint64_t a[6])
{
    struct {
        uint32_t version;
        int pid;
    } hdr;
    uint32_t want[6] = {0};
    if (get_user_struct(p, &hdr, a[0], sizeof(hdr)))
        return -EFAULT;
    size_t n = hdr.version == 0x19980330 ? 12 : 24;
    if (hdr.version != 0x19980330 && hdr.version != 0x20071026 && hdr.version != 0x20080522)
        return -EINVAL;
    if (hdr.pid && hdr.pid != p->task.pid)
        return -EPERM;
    if (get_user_struct(p, want, a[1], n))
        return -EFAULT;
    uint64_t eff = want[0] | (uint64_t)want[3] << 32, prm = want[1] | (uint64_t)want[4] << 32,
             inh = want[2] | (uint64_t)want[5] << 32;
    uint64_t old_eff, old_prm, old_inh;
    if (!task_caps(p, &old_eff, &old_prm, &old_inh))
        return -EPERM;
    bool setpcap = old_eff >> 8 & 1; /* CAP_SETPCAP */
    if (!setpcap && (inh & ~(old_inh | old_prm)))
        return -EPERM;
    if ((prm & ~old_prm) || (eff & ~prm))
        return -EPERM;
    uint64_t sets[5];
    if (!task_cap_sets(p, sets) || (inh & ~(old_inh | sets[3])))
        return -EPERM;
    p->caps_own = true;
    p->cap_eff = eff, p->cap_prm = prm, p->cap_inh = inh;
    p->cap_amb &= prm & inh; /* an ambient capability stays only while permitted and inheritable */
    return 0;
}

/* include/uapi/linux/securebits.h: four bits, each with a lock bit above it */
#define SECBIT_KEEP_CAPS            (1u << 4)
#define SECBIT_KEEP_CAPS_LOCKED     (1u << 5)
#define SECBIT_NO_CAP_AMBIENT_RAISE (1u << 6)
#define SECURE_ALL_BITS             0x55u
#define SECURE_ALL_LOCKS            (SECURE_ALL_BITS << 1)

/* cap_valid: a capability this kernel knows (the host's CAP_LAST_CAP, which the guest reads in
 * /proc/sys/kernel/cap_last_cap), asked of the host's own bounding set */
static bool cap_valid(uint64_t cap)
{
    return cap < 64 &&
           syscall(SYS_prctl, 23 /* PR_CAPBSET_READ */, (unsigned long)cap, 0, 0, 0) >= 0;
}

/* The task's bounding set has cap: its own once it has dropped one, else faultline's. */
static bool bset_has(const struct proc *p, uint64_t cap)
{
    if (p->bset_own)
        return p->cap_bset >> cap & 1;
    return syscall(SYS_prctl, 23 /* PR_CAPBSET_READ */, (unsigned long)cap, 0, 0, 0) == 1;
}

/*
 * cap_task_prctl (security/commoncap.c): KEEPCAPS (a securebit: the capabilities kept across a
 * setuid that gives up uid 0, emu/cred.c, and cleared by execve), the bounding set (read; dropped
 * with CAP_SETPCAP, and from then on the task's own copy), the securebits (changed with
 * CAP_SETPCAP, never a locked one, never unlocked), the ambient set (raised only for a capability
 * that is permitted and inheritable). setpriv(1) asks for all of them before it runs a program;
 * each was EINVAL until 2026-12-07, and `setpriv --nnp` failed. What execve makes of the
 * bounding and ambient sets is cred_exec's (emu/cred.c).
 */
long cap_task_prctl(struct proc *p, const uint64_t a[6])
{
    uint64_t eff, prm, inh;
    switch (a[0]) {
    case 7: /* PR_GET_KEEPCAPS */
        return (p->securebits & SECBIT_KEEP_CAPS) != 0;
    case 8: /* PR_SET_KEEPCAPS */
        if (a[1] > 1)
            return -EINVAL;
        if (p->securebits & SECBIT_KEEP_CAPS_LOCKED)
            return -EPERM;
        p->securebits = a[1] ? p->securebits | SECBIT_KEEP_CAPS : p->securebits & ~SECBIT_KEEP_CAPS;
        return 0;
    case 23: /* PR_CAPBSET_READ */
        if (!cap_valid(a[1]))
            return -EINVAL;
        return bset_has(p, a[1]);
    case 24: /* PR_CAPBSET_DROP */
        if (!guest_capable(p, 8 /* CAP_SETPCAP */))
            return -EPERM;
        if (!cap_valid(a[1]))
            return -EINVAL;
        if (!p->bset_own) {
            p->cap_bset = 0;
            for (uint64_t c = 0; c < 64; c++)
                if (bset_has(p, c))
                    p->cap_bset |= 1ull << c;
            p->bset_own = true;
        }
        p->cap_bset &= ~(1ull << a[1]);
        return 0;
    case 27: /* PR_GET_SECUREBITS */
        return p->securebits;
    case 28: /* PR_SET_SECUREBITS */
        if ((((p->securebits & SECURE_ALL_LOCKS) >> 1) & (p->securebits ^ a[1])) ||
            (p->securebits & SECURE_ALL_LOCKS & ~a[1]) ||
            (a[1] & ~(uint64_t)(SECURE_ALL_LOCKS | SECURE_ALL_BITS)) ||
            !guest_capable(p, 8 /* CAP_SETPCAP */))
            return -EPERM;
        p->securebits = (uint32_t)a[1];
        return 0;
    case 47:             /* PR_CAP_AMBIENT */
        if (a[1] == 4) { /* PR_CAP_AMBIENT_CLEAR_ALL */
            if (a[2] | a[3] | a[4])
                return -EINVAL;
            p->cap_amb = 0;
            return 0;
        }
        if (!cap_valid(a[2]) || a[3] || a[4])
            return -EINVAL;
        if (a[1] == 1) /* PR_CAP_AMBIENT_IS_SET */
            return p->cap_amb >> a[2] & 1;
        if (a[1] != 2 && a[1] != 3) /* RAISE, LOWER */
            return -EINVAL;
        if (a[1] == 2) {
            if (!task_caps(p, &eff, &prm, &inh) || !(prm >> a[2] & 1) || !(inh >> a[2] & 1) ||
                (p->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
                return -EPERM;
            p->cap_amb |= 1ull << a[2];
        } else {
            p->cap_amb &= ~(1ull << a[2]);
        }
        return 0;
    default:
        return -EINVAL;
    }
}

bool task_cap_sets(const struct proc *p, uint64_t sets[5])
{
    if (!task_caps(p, &sets[2], &sets[1], &sets[0]))
        return false;
    sets[3] = 0;
    for (uint64_t c = 0; c < 64; c++)
        if (cap_valid(c) && bset_has(p, c))
            sets[3] |= 1ull << c;
    sets[4] = p->cap_amb;
    return true;
}

/* --- CPUs --- */

/* Does the task a scheduling call names exist: 0 is the caller, else a guest thread or process,
 * or the first guest's parent (it runs SCHED_OTHER on the one CPU too, as far as the guest can
 * tell). */
static bool sched_target(struct proc *p, int pid)
{
    if (pid < 0)
        return false;
    return !pid || find_proc(p->emu, pid) || is_host_parent(p, pid);
}

/* sched_getaffinity: one CPU. Linux's checks: the mask must hold nr_cpu_ids bits and be a whole
 * number of longs; it writes cpumask_size() bytes (8) and returns that size. */
long sys_sched_getaffinity(struct proc *p, const uint64_t a[6])
{
    uint64_t len = a[1];
    uint64_t mask = 1;

    if (len == 0 || (len & (sizeof(long) - 1)))
        return -EINVAL;
    if (!sched_target(p, (int)a[0]))
        return -ESRCH;
    return put_user_struct(p, a[2], &mask, sizeof(mask)) ? -EFAULT : (long)sizeof(mask);
}

/* sched_setaffinity: the only CPU is 0, so a mask must include it (EINVAL otherwise, as Linux
 * says when no allowed CPU is online). Nothing changes. */
long sys_sched_setaffinity(struct proc *p, const uint64_t a[6])
{
    uint8_t first = 0;
    if (!sched_target(p, (int)a[0]))
        return -ESRCH;
    if (a[1] && get_user_struct(p, &first, a[2], 1))
        return -EFAULT;
    return first & 1 ? 0 : -EINVAL;
}

/* getcpu(cpu, node, cache): always CPU 0 of node 0. */
long sys_getcpu(struct proc *p, const uint64_t a[6])
{
    unsigned zero = 0;
    if (a[0] && put_user_struct(p, a[0], &zero, sizeof(zero)))
        return -EFAULT;
    if (a[1] && put_user_struct(p, a[1], &zero, sizeof(zero)))
        return -EFAULT;
    return 0;
}

/*
 * Scheduling policies (kernel/sched/core.c). Every task runs SCHED_OTHER with static priority
 * 0 in the one time-sharing queue faultline has (nice is kept, see setpriority). Setting
 * SCHED_OTHER, SCHED_BATCH or SCHED_IDLE is accepted, with the kernel's priority checks, and
 * kept (inherited by fork, kept by execve) but not obeyed; the real-time policies would need a
 * scheduler faultline does not have, so they fail with EPERM, as for a user without CAP_SYS_NICE.
 */
#define FL_SCHED_OTHER 0
#define FL_SCHED_FIFO  1
#define FL_SCHED_RR    2
#define FL_SCHED_BATCH 3
#define FL_SCHED_IDLE  5

/* The guest task a scheduling call names, or NULL (none, or the first guest's parent). */
static struct proc *sched_task(struct proc *p, int pid)
{
    return pid == 0 ? p : find_proc(p->emu, pid);
}

static long sched_set(struct proc *p, int pid, int policy, uint64_t uparam)
{
    int prio;
    if (pid < 0 || !uparam)
        return -EINVAL;
    if (get_user_struct(p, &prio, uparam, sizeof(prio)))
        return -EFAULT;
    if (!sched_target(p, pid))
        return -ESRCH;
    struct proc *t = sched_task(p, pid);
    if (policy < 0) /* sched_setparam: the current policy */
        policy = t ? t->sched_policy : FL_SCHED_OTHER;
    switch (policy) {
    case FL_SCHED_OTHER:
    case FL_SCHED_BATCH:
    case FL_SCHED_IDLE:
        if (prio != 0)
            return -EINVAL;
        if (!t)
            return -EPERM; /* the first guest's parent: a host process */
        t->sched_policy = policy;
        return 0;
    case FL_SCHED_FIFO:
    case FL_SCHED_RR:
        return prio >= 1 && prio <= 99 ? -EPERM : -EINVAL;
    default:
        return -EINVAL;
    }
}

long sys_sched_setparam(struct proc *p, const uint64_t a[6])
{
    return sched_set(p, (int)a[0], -1, a[1]);
}

long sys_sched_setscheduler(struct proc *p, const uint64_t a[6])
{
    return sched_set(p, (int)a[0], (int)a[1] & ~0x40000000 /* SCHED_RESET_ON_FORK */, a[2]);
}

long sys_sched_getscheduler(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] < 0)
        return -EINVAL;
    struct proc *t = sched_task(p, (int)a[0]);
    return t ? t->sched_policy : sched_target(p, (int)a[0]) ? FL_SCHED_OTHER : -ESRCH;
}

long sys_sched_getparam(struct proc *p, const uint64_t a[6])
{
    int prio = 0;
    if ((int)a[0] < 0 || !a[1])
        return -EINVAL;
    if (!sched_target(p, (int)a[0]))
        return -ESRCH;
    return put_user_struct(p, a[1], &prio, sizeof(prio));
}

long sys_sched_get_priority_max(struct proc *p, const uint64_t a[6])
{
    (void)p;
    int policy = (int)a[0];
    if (policy == FL_SCHED_FIFO || policy == FL_SCHED_RR)
        return 99;
    return policy == FL_SCHED_OTHER || policy == FL_SCHED_BATCH || policy == FL_SCHED_IDLE
               ? 0
               : -EINVAL;
}

long sys_sched_get_priority_min(struct proc *p, const uint64_t a[6])
{
    long max = sys_sched_get_priority_max(p, a);
    return max == 99 ? 1 : max;
}

/*
 * sched_getattr/sched_setattr: struct sched_attr (56 bytes, SCHED_ATTR_SIZE_VER1), with the
 * same model: SCHED_OTHER, the task's nice, and as sched_runtime the fair class's slice
 * (EEVDF's sysctl_sched_base_slice, 0.7 ms scaled by 1 + log2 of the CPUs: one here).
 * sched_setattr takes what sched_setscheduler takes, and for SCHED_OTHER and SCHED_BATCH
 * (fair_policy: not SCHED_IDLE) sched_nice as setpriority does, clamped to -20..19;
 * SCHED_FLAG_KEEP_PARAMS keeps both policy and nice.
 */
struct fl_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};
#define FL_SCHED_ATTR_SIZE_VER0   48
#define FL_SCHED_DEADLINE         6
#define FL_SCHED_FLAG_KEEP_POLICY 0x08
#define FL_SCHED_FLAG_KEEP_PARAMS 0x10
#define FL_SCHED_FLAG_UTIL_CLAMP  0x60
#define FL_SCHED_FLAG_ALL         0x7f

long sys_sched_getattr(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    uint32_t usize = (uint32_t)a[2];
    struct fl_sched_attr k = {.sched_policy = FL_SCHED_OTHER, .sched_runtime = 700000};

    if (!a[1] || pid < 0 || usize > 4096 || usize < FL_SCHED_ATTR_SIZE_VER0 || a[3])
        return -EINVAL;
    if (!sched_target(p, pid))
        return -ESRCH;
    struct proc *t = sched_task(p, pid);
    k.sched_nice = t ? t->nice : 0;
    k.sched_policy = t ? (uint32_t)t->sched_policy : FL_SCHED_OTHER;
    k.size = usize < sizeof(k) ? usize : (uint32_t)sizeof(k);
    /* copy_struct_to_user: a larger buffer has the rest zeroed */
    uint8_t buf[4096] = {0};
    memcpy(buf, &k, k.size);
    return put_user_struct(p, a[1], buf, usize);
}

long sys_sched_setattr(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    struct fl_sched_attr k;
    uint32_t size;

    if (!a[1] || pid < 0 || a[2])
        return -EINVAL;
    memset(&k, 0, sizeof(k));
    if (get_user_struct(p, &size, a[1], sizeof(size)))
        return -EFAULT;
    if (!size)
        size = FL_SCHED_ATTR_SIZE_VER0;
    if (size < FL_SCHED_ATTR_SIZE_VER0 || size > 4096) {
        size = sizeof(k); /* sched_copy_attr's err_size: the size the kernel knows */
        put_user_struct(p, a[1], &size, sizeof(size));
        return -E2BIG;
    }
    if (get_user_struct(p, &k, a[1], size < sizeof(k) ? size : sizeof(k)))
        return -EFAULT;
    for (uint32_t off = sizeof(k); off < size; off++) { /* copy_struct_from_user: zeros past */
        uint8_t b;
        if (get_user_struct(p, &b, a[1] + off, 1))
            return -EFAULT;
        if (b) {
            size = sizeof(k);
            put_user_struct(p, a[1], &size, sizeof(size));
            return -E2BIG;
        }
    }
    if ((k.sched_flags & FL_SCHED_FLAG_UTIL_CLAMP) && size < sizeof(k))
        return -EINVAL;
    k.sched_nice = k.sched_nice < -20 ? -20 : k.sched_nice > 19 ? 19 : k.sched_nice;
    if (!sched_target(p, pid))
        return -ESRCH;
    struct proc *t = sched_task(p, pid);
    int policy =
        (k.sched_flags & FL_SCHED_FLAG_KEEP_POLICY) && t ? t->sched_policy : (int)k.sched_policy;
    if (k.sched_flags & ~(uint64_t)FL_SCHED_FLAG_ALL)
        return -EINVAL;
    switch (policy) {
    case FL_SCHED_OTHER:
    case FL_SCHED_BATCH:
    case FL_SCHED_IDLE:
        if (k.sched_priority != 0)
            return -EINVAL;
        break;
    case FL_SCHED_FIFO:
    case FL_SCHED_RR:
        return k.sched_priority >= 1 && k.sched_priority <= 99 ? -EPERM : -EINVAL;
    case FL_SCHED_DEADLINE:
        return -EPERM; /* no deadline scheduler either */
    default:
        return -EINVAL;
    }
    if (!t)
        return -EPERM; /* the first guest's parent: a host process */
    if (k.sched_flags & FL_SCHED_FLAG_KEEP_PARAMS)
        return 0; /* __setscheduler_params is skipped: the policy stays too */
    bool fair = policy == FL_SCHED_OTHER || policy == FL_SCHED_BATCH; /* not SCHED_IDLE */
    if (fair && k.sched_nice < t->nice && geteuid() != 0 &&
        20 - k.sched_nice > (long)guest_rlimit_cur(p, RLIMIT_NICE))
        return -EPERM; /* can_nice */
    t->sched_policy = policy;
    if (fair)
        t->nice = k.sched_nice;
    return 0;
}

/* sched_rr_get_interval: 0 for a SCHED_OTHER task, as Linux reports a fair-class task whose
 * slice it does not fix (faultline's slices are counted in translated blocks, not time). */
long sys_sched_rr_get_interval(struct proc *p, const uint64_t a[6])
{
    struct timespec ts = {0, 0};
    if ((int)a[0] < 0)
        return -EINVAL;
    if (!sched_target(p, (int)a[0]))
        return -ESRCH;
    return put_user_struct(p, a[1], &ts, sizeof(ts));
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

/*
 * personality(persona): the execution domain and its flags, returned as they were; 0xffffffff
 * only asks. The value is kept, inherited by fork and kept by execve as Linux keeps it, but not
 * obeyed: ADDR_NO_RANDOMIZE changes nothing (faultline places mappings without randomization
 * anyway), and READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT, UNAME26 and the other domains are not
 * modeled. /proc/PID/personality shows it.
 */
long sys_personality(struct proc *p, const uint64_t a[6])
{
    unsigned old = p->personality, persona = (unsigned)a[0];
    if (persona != 0xffffffffu)
        p->personality = persona;
    return old;
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
    if (best == -ESRCH && which == PRIO_PROCESS && is_host_parent(p, who)) {
        errno = 0; /* the first guest's parent is faultline: its own nice value */
        int host_nice = getpriority(PRIO_PROCESS, 0);
        best = 20 - (errno ? 0 : host_nice);
    }
    return best;
}
