/*
 * procfs.c - the model-backed /proc (see procfs.h).
 *
 * Served from the model: /proc/{self,thread-self,PID}/maps (the mm's VMAs, as
 * fs/proc/task_mmu.c prints them, with the [vsyscall] gate area last) and .../stat (the guest's
 * pid, comm, fault counters, vsize and rss; fs/proc/array.c's do_task_stat), .../status (the
 * host's file with the task's lines replaced: ids, task_mem's memory lines, signal masks),
 * .../statm, .../smaps, .../smaps_rollup and .../numa_maps (task_mmu.c's page walks), .../comm,
 * .../cmdline and .../environ (the argument and environment areas as the guest has them now),
 * .../io (task_io.c), .../timers (sys_timer.c), .../auxv (mm->saved_auxv) and .../oom_score_adj,
 * oom_adj (both written too), oom_score and timerslack_ns (written too; the task's, never the
 * host's); the files about the machine's CPUs come from proc_cpu.c. The text is made when the
 * file is opened and handed back in a memfd, and made again by every read at offset 0 (the first
 * one too), as seq_read makes it (procfs_refresh). Also served: the links whose host answer
 * would describe faultline rather than the guest: readlink of exe and of the fd/N links
 * (opening those goes through resolve_at()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu/cpu_bugs.h"
#include "emu/cred.h"
#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/proc.h"
#include "emu/proc_cpu.h"
#include "emu/sys_node.h"
#include "emu/proc_pagemap.h"
#include "emu/mm_tunables.h"
#include "emu/procfs.h"
#include "emu/sysv_ipc.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/sys_info.h"
#include "emu/text.h"
#include "emu/ctty.h"
#include "emu/host_signals.h"
#include "emu/hostfile.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"
#include "mmu/uaccess.h"

/* show_map_vma: one VMA's line of maps and smaps. */
static void maps_line(struct proc *p, struct text *t, struct vm_area_struct *v)
{
    char line[PATH_MAX + 128];
    int n = format_maps_line(v, line, sizeof(line));

    if (n < 0)
        return;
    /* A file's name starts at column 73 (task_mmu.c): name it as the guest knows it. A line
     * without a name ends with the space after the inode in Linux's file, which
     * format_maps_line leaves out for the log. */
    if (n > 73 && line[73] == '/')
        strip_sysroot(p, line + 73);
    text_printf(t, n > 73 ? "%s\n" : "%s \n", line);
}

/* The gate area (the vsyscall page) is listed last, though it is not in the mm. */
static const char gate_line[] = "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
                                "                  [vsyscall]\n";

/* /proc/PID/maps (show_map_vma for each VMA, then the gate area). */
static int proc_maps(struct proc *p)
{
    struct text t = {0};

    hostfile_refresh_names(p->task.mm);
    for (struct vm_area_struct *v = p->task.mm ? p->task.mm->mmap : NULL; v; v = v->vm_next)
        maps_line(p, &t, v);
    text_printf(&t, "%s", gate_line);
    return text_to_fd(&t, "maps");
}

/* /proc/PID/smaps (show_smap): each VMA's maps line, what its pages use, its VmFlags; the gate
 * area last with nothing resident. */
static int proc_smaps(struct proc *p)
{
    struct text t = {0};
    char buf[1024];
    const struct mem_size_stats none = {0};

    hostfile_refresh_names(p->task.mm);
    for (struct vm_area_struct *v = p->task.mm ? p->task.mm->mmap : NULL; v; v = v->vm_next) {
        struct mem_size_stats mss = {0};

        smap_gather_stats(v, &mss);
        maps_line(p, &t, v);
        if (show_smap_stats(&mss, v->vm_end - v->vm_start, vma_kernel_pagesize(v), buf,
                            sizeof(buf)) < (int)sizeof(buf))
            text_printf(&t, "%s", buf);
        if (show_smap_vma_flags(v, buf, sizeof(buf)) < (int)sizeof(buf))
            text_printf(&t, "%s", buf);
    }
    text_printf(&t, "%s", gate_line);
    if (show_smap_stats(&none, PAGE_SIZE, PAGE_SIZE, buf, sizeof(buf)) < (int)sizeof(buf))
        text_printf(&t, "%s", buf);
    text_printf(&t, "VmFlags: rd ex \n");
    return text_to_fd(&t, "smaps");
}

/* /proc/PID/numa_maps (show_numa_map): each VMA's start, its policy (always "default": the
 * model's policies change nothing, emu/sys_mem.c), its file, [heap] or [stack] as "heap" or
 * "stack", "huge" for hugetlb, and what its present pages are (task_mmu.c). No gate area. */
static int proc_numa_maps(struct proc *p)
{
    struct text t = {0};
    struct mm_struct *mm = p->task.mm;
    char buf[256], path[PATH_MAX];

    hostfile_refresh_names(mm);
    for (struct vm_area_struct *v = mm ? mm->mmap : NULL; v; v = v->vm_next) {
        struct numa_maps md;

        text_printf(&t, "%08lx default", v->vm_start);
        if (v->vm_file) {
            snprintf(path, sizeof(path), "%s", vma_name(v));
            strip_sysroot(p, path);
            text_printf(&t, " file=");
            /* seq_file_path's escapes, in octal */
            for (const char *c = path; *c; c++)
                if (strchr("\n\t= ", *c))
                    text_printf(&t, "\\%03o", (unsigned char)*c);
                else
                    text_printf(&t, "%c", *c);
        } else if (v->vm_start <= mm->brk && v->vm_end >= mm->start_brk) {
            text_printf(&t, " heap");
        } else if (v->vm_start <= mm->start_stack && v->vm_end >= mm->start_stack) {
            text_printf(&t, " stack");
        }
        if (is_vm_hugetlb_page(v))
            text_printf(&t, " huge");
        numa_gather_vma(v, &md);
        if (show_numa_map_stats(v, &md, buf, sizeof(buf)) < (int)sizeof(buf))
            text_printf(&t, "%s", buf);
        text_printf(&t, "\n");
    }
    return text_to_fd(&t, "numa_maps");
}

/* /proc/PID/smaps_rollup (show_smaps_rollup): every VMA's stats summed under one header line
 * spanning them. */
static int proc_smaps_rollup(struct proc *p)
{
    struct text t = {0};
    char buf[1024];
    struct mem_size_stats mss = {0};
    struct mm_struct *mm = p->task.mm;
    unsigned long start = mm && mm->mmap ? mm->mmap->vm_start : 0, end = 0;

    for (struct vm_area_struct *v = mm ? mm->mmap : NULL; v; v = v->vm_next) {
        smap_gather_stats(v, &mss);
        end = v->vm_end;
    }
    text_printf(&t, "%08lx-%08lx ---p 00000000 00:00 0                          [rollup]\n", start,
                end);
    if (show_smap_stats(&mss, 0, PAGE_SIZE, buf, sizeof(buf)) < (int)sizeof(buf))
        text_printf(&t, "%s", buf);
    return text_to_fd(&t, "smaps_rollup");
}

/* Threads in p's thread group that have not exited (get_nr_threads). */
static int nr_threads(struct proc *p)
{
    int n = 0;

    for (struct proc *q = p->emu->procs; q; q = q->next)
        n += q->task.tgid == p->task.tgid && !q->exited;
    return n;
}

/* The ignored and caught signals, as /proc shows them (bit sig - 1). */
static void sig_ign_cgt(struct proc *p, uint64_t *ign, uint64_t *cgt)
{
    *ign = *cgt = 0;
    for (int sig = 1; sig <= FL_NSIG; sig++) {
        if (p->sighand[sig].handler == 1) /* SIG_IGN */
            *ign |= 1ULL << (sig - 1);
        else if (p->sighand[sig].handler > 1)
            *cgt |= 1ULL << (sig - 1);
    }
}

/* fs/proc/array.c's task_state_array: in a ptrace stop, stopped, a zombie not yet reaped, sleeping
 * in a parked call that cannot go on yet (a vfork parent's wait is uninterruptible: D), or running
 * (a parked call that can go on is runnable, waiting for its turn). */
static const char *task_state(struct proc *p)
{
    if (p->traced)
        return "t (tracing stop)";
    if (p->stopped)
        return "T (stopped)";
    if (p->exited)
        return "Z (zombie)";
    if (!p->wait || proc_ready(p))
        return "R (running)";
    return p->wait == WAIT_VFORK ? "D (disk sleep)" : "S (sleeping)";
}

/* The task's controlling terminal (stat's tty_nr and tpgid): a task still in the host session
 * faultline runs in has faultline's terminal, whose number the host's stat of faultline gives,
 * with the foreground group TIOCGPGRP would tell it; one that made its own session has the one
 * it took, if any. */
static void task_tty(struct proc *p, int *tty_nr, int *tpgid)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    int host_fg = -1;

    if (fd >= 0)
        close(fd);
    *tty_nr = 0;
    *tpgid = -1;
    if (p->sid) { /* a session of its own: the terminal it took, if any (ctty.h) */
        ctty_task_tty(p, tty_nr, tpgid);
        return;
    }
    if (n <= 0)
        return;
    buf[n] = 0;
    const char *end = strrchr(buf, ')'); /* then: state ppid pgrp session tty_nr tpgid */
    if (!end || sscanf(end + 2, "%*c %*d %*d %*d %d %d", tty_nr, &host_fg) != 2 || !*tty_nr)
        return;
    int fg = tty_foreground(p);
    *tpgid = fg && host_fg == getpgrp() ? fg : host_fg > 0 ? host_pgid_to_guest(p, host_fg) : -1;
}

/*
 * /proc/PID/stat and /proc/PID/task/TID/stat (whole: false, the thread's own faults and CPU
 * time): the 52 fields of do_task_stat. The first is the id the directory names. From the model:
 * pid, comm, ppid, pgrp, session, the terminal (task_tty), the fault counters (minflt field 10,
 * majflt field 12), starttime (field 22: CLOCK_BOOTTIME ticks when the task was made), vsize
 * (total_vm pages in bytes), rss (resident pages: file + anon + shmem), num_threads, the
 * code/data/brk/arg/env boundaries, start_stack; utime, stime, cutime and cstime (fields 14-17,
 * clock ticks) are the thread group's and its reaped children's (emu/cputime.c), priority and nice
 * (fields 18-19: task_prio, 20 + nice for a normal task, and task_nice), exit_signal (field 38:
 * -1 for a thread, as copy_process sets it) and policy (field 41). Fields Linux fills
 * only for privileged readers or for threads blocked in the kernel are 0, as Linux shows them.
 */
static int do_task_stat(struct proc *p, bool whole)
{
    struct text t = {0};
    struct mm_struct *mm = p->task.mm;
    unsigned long vsize = 0, rss = 0, min_flt = p->task.min_flt, maj_flt = p->task.maj_flt;
    uint64_t sigign, sigcatch;
    struct task_cputime self = whole ? thread_group_cputime_adjusted(p) : task_cputime_adjusted(p),
                        children = p->acct->children;

    if (whole)
        thread_group_faults(p, &min_flt, &maj_flt);
    if (mm) {
        vsize = mm->total_vm << PAGE_SHIFT;
        rss = get_mm_rss(mm);
    }
    sig_ign_cgt(p, &sigign, &sigcatch);
    int pgrp = guest_pgrp(p), tty_nr, tpgid;
    task_tty(p, &tty_nr, &tpgid);
    /* flags (field 9) is 0: the PF_* bits are the task's internal state, and the one a user
     * would see on a normal run, PF_RANDOMIZE, is off in faultline's setarch -R layout */
    text_printf(
        &t,
        "%d (%s) %c %d %d %d %d %d 0 %lu %lu %lu %lu %llu %llu %llu %llu %d %d %d 0 %llu %lu %lu ",
        p->task.pid, p->task.comm, task_state(p)[0], p->ppid, pgrp, guest_sid(p), tty_nr, tpgid,
        min_flt, p->acct->cmin_flt, maj_flt, p->acct->cmaj_flt,
        (unsigned long long)nsec_to_clock_t(self.utime),
        (unsigned long long)nsec_to_clock_t(self.stime),
        (unsigned long long)nsec_to_clock_t(children.utime),
        (unsigned long long)nsec_to_clock_t(children.stime), 20 + p->nice, p->nice, nr_threads(p),
        (unsigned long long)nsec_to_clock_t(p->start_boottime), vsize, rss);
    text_printf(&t, "%llu %lu %lu %lu 0 0 0 %llu %llu %llu 0 0 0 %d 0 0 %d 0 0 0 ",
                (unsigned long long)RLIM_INFINITY, mm ? mm->start_code : 0, mm ? mm->end_code : 0,
                mm ? mm->start_stack : 0, (unsigned long long)p->blocked,
                (unsigned long long)sigign, (unsigned long long)sigcatch,
                p->thread ? -1 : p->exit_signal, p->sched_policy);
    text_printf(&t, "%lu %lu %lu %lu %lu %lu %lu %d\n", mm ? mm->start_data : 0,
                mm ? mm->end_data : 0, mm ? mm->start_brk : 0, mm ? mm->arg_start : 0,
                mm ? mm->arg_end : 0, mm ? mm->env_start : 0, mm ? mm->env_end : 0, 0);
    return text_to_fd(&t, "stat");
}

static int proc_stat(struct proc *p)
{
    return do_task_stat(p, true);
}

/*
 * /proc/PID/status (proc_pid_status): the host's file for faultline, with every line that
 * describes the task replaced by the guest's: names and ids, the memory lines from the model
 * (task_mem), the thread count, the signal masks, no_new_privs, and one allowed CPU (the guest's
 * threads take turns on one), the umask, FDSize (its fd table's slots), Seccomp, the capability
 * sets (the task's after capset or a prctl that changed them: libcap-ng reads them here, so
 * `setpriv --bounding-set` showed the host's), the ids and groups (emu/cred.c), the speculation
 * lines (the emulated CPU's, cpu_bugs.h). What stays the host's: context switches.
 */
static int proc_status(struct proc *p)
{
    struct text t = {0};
    struct mm_struct *mm = p->task.mm;
    FILE *host = fopen("/proc/self/status", "re");
    char line[512], mem[1024];
    uint64_t ign, cgt, caps[5];
    int pgrp = guest_pgrp(p), tty_nr, tpgid;
    task_tty(p, &tty_nr, &tpgid);

    if (!host)
        return -errno;
    sig_ign_cgt(p, &ign, &cgt);
    while (fgets(line, sizeof(line), host)) {
        char *colon = strchr(line, ':');
        size_t key = colon ? (size_t)(colon - line) : 0;
#define IS(k) (key == sizeof(k) - 1 && strncmp(line, k, key) == 0)
        if (IS("Name"))
            text_printf(&t, "Name:\t%s\n", p->task.comm);
        else if (IS("Umask"))
            text_printf(&t, "Umask:\t%04o\n", p->umask);
        else if (IS("State"))
            text_printf(&t, "State:\t%s\n", task_state(p));
        else if (IS("Tgid") || IS("NStgid"))
            text_printf(&t, "%.*s:\t%d\n", (int)key, line, p->task.tgid);
        else if (IS("Pid") || IS("NSpid"))
            text_printf(&t, "%.*s:\t%d\n", (int)key, line, p->task.pid);
        else if (IS("PPid"))
            text_printf(&t, "PPid:\t%d\n", p->ppid);
        else if (IS("NSpgid"))
            text_printf(&t, "NSpgid:\t%d\n", pgrp);
        else if (IS("FDSize"))
            text_printf(&t, "FDSize:\t%d\n", p->files ? p->files->max_fds : 0);
        else if (IS("Uid") || IS("Gid")) { /* the task's (emu/cred.c) */
            uint32_t ids[4];
            (line[0] == 'U' ? task_uids : task_gids)(p, ids);
            text_printf(&t, "%.*s:\t%u\t%u\t%u\t%u\n", (int)key, line, ids[CRED_R], ids[CRED_E],
                        ids[CRED_S], ids[CRED_FS]);
        } else if (IS("Groups")) {
            uint32_t g[CRED_NGROUPS];
            int n = task_groups(p, g, CRED_NGROUPS);
            text_printf(&t, "Groups:\t");
            for (int i = 0; i < n; i++)
                text_printf(&t, "%s%u", i ? " " : "", g[i]);
            text_printf(&t, " \n"); /* task_state's trailing space */
        } else if (IS("NoNewPrivs"))
            text_printf(&t, "NoNewPrivs:\t%d\n", p->no_new_privs);
        else if (strncmp(line, "Cap", 3) == 0 && key == 6 && task_cap_sets(p, caps)) {
            static const char *const names[5] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
            for (int i = 0; i < 5; i++)
                if (strncmp(line, names[i], 6) == 0)
                    text_printf(&t, "%s:\t%016llx\n", names[i], (unsigned long long)caps[i]);
        } else if (IS("Seccomp"))
            text_printf(&t, "Seccomp:\t%d\n", p->seccomp_mode);
        else if (IS("Seccomp_filters")) /* a line of 5.9 and later: the host's kernel has it */
            text_printf(&t, "Seccomp_filters:\t%d\n", seccomp_filter_count(p));
        else if (IS("Speculation_Store_Bypass")) /* the emulated CPU's (cpu_bugs.h) */
            text_printf(&t, "Speculation_Store_Bypass:\t%s\n",
                        spec_ctrl_status_word(PR_SPEC_STORE_BYPASS));
        else if (IS("SpeculationIndirectBranch")) /* a later kernel's line, as Seccomp_filters */
            text_printf(&t, "SpeculationIndirectBranch:\t%s\n",
                        spec_ctrl_status_word(PR_SPEC_INDIRECT_BRANCH));
        else if (IS("TracerPid"))
            text_printf(&t, "TracerPid:\t%d\n", p->ptracer ? p->ptracer->task.tgid : 0);
        else if (IS("Ngid"))
            text_printf(&t, "%.*s:\t0\n", (int)key, line);
        else if (IS("VmPeak") && mm && task_mem(mm, mem, sizeof(mem)) < (int)sizeof(mem))
            text_printf(&t, "%s", mem);
        else if (strncmp(line, "Vm", 2) == 0 || strncmp(line, "Rss", 3) == 0)
            continue; /* task_mem printed them at VmPeak */
        else if (IS("HugetlbPages"))
            text_printf(&t, "HugetlbPages:\t%8d kB\n", 0);
        else if (IS("Threads"))
            text_printf(&t, "Threads:\t%d\n", nr_threads(p));
        else if (IS("SigPnd"))
            text_printf(&t, "SigPnd:\t%016llx\n", (unsigned long long)p->pending);
        else if (IS("ShdPnd"))
            text_printf(&t, "ShdPnd:\t%016llx\n", (unsigned long long)p->shared->set);
        else if (IS("SigBlk"))
            text_printf(&t, "SigBlk:\t%016llx\n", (unsigned long long)p->blocked);
        else if (IS("SigIgn"))
            text_printf(&t, "SigIgn:\t%016llx\n", (unsigned long long)ign);
        else if (IS("SigCgt"))
            text_printf(&t, "SigCgt:\t%016llx\n", (unsigned long long)cgt);
        else if (IS("Cpus_allowed"))
            text_printf(&t, "Cpus_allowed:\t1\n");
        else if (IS("Cpus_allowed_list"))
            text_printf(&t, "Cpus_allowed_list:\t0\n");
        else
            text_printf(&t, "%s", line);
#undef IS
    }
    fclose(host);
    return text_to_fd(&t, "status");
}

/* /proc/meminfo (meminfo) or /proc/vmstat: the model's page counters (kernel_model/meminfo.c,
 * vmstat.c). */
static int proc_meminfo(bool meminfo)
{
    struct text t = {0};
    char buf[4096];
    int n = meminfo ? meminfo_show(buf, sizeof(buf)) : vmstat_show(buf, sizeof(buf));

    if (n < 0 || n >= (int)sizeof(buf))
        return -ENOMEM;
    text_append(&t, buf, (size_t)n);
    return text_to_fd(&t, meminfo ? "meminfo" : "vmstat");
}

/* /proc/PID/statm (task_statm): sizes in pages, from the model. */
static int proc_statm(struct proc *p)
{
    struct text t = {0};
    char buf[128];

    if (p->task.mm && task_statm(p->task.mm, buf, sizeof(buf)) < (int)sizeof(buf))
        text_printf(&t, "%s", buf);
    else
        text_printf(&t, "0 0 0 0 0 0 0\n");
    return text_to_fd(&t, "statm");
}

/* /proc/PID/comm: the name begin_new_exec (or prctl PR_SET_NAME) gave the task. */
/* proc_pid_auxv: the auxiliary vector exec gave the process, up to and including AT_NULL. */
static int proc_auxv(struct proc *p)
{
    struct text t = {0};
    const unsigned long *auxv = p->task.mm ? p->task.mm->saved_auxv : NULL;
    size_t nwords = 0;

    if (auxv)
        do
            nwords += 2;
        while (nwords < AT_VECTOR_SIZE && auxv[nwords - 2] != 0);
    text_append(&t, auxv, nwords * sizeof(*auxv));
    return text_to_fd(&t, "auxv");
}

static int proc_comm(struct proc *p)
{
    struct text t = {0};
    text_printf(&t, "%s\n", p->task.comm);
    return text_to_fd(&t, "comm");
}

/*
 * /proc/PID/oom_score_adj, oom_adj and oom_score (fs/proc/base.c): the model's values, the
 * task's group's (signal->oom_score_adj), never the host's.
 */
#define OOM_DISABLE      (-17) /* include/uapi/linux/oom.h: oom_adj's legacy range */
#define OOM_ADJUST_MIN   (-16)
#define OOM_ADJUST_MAX   15
#define CAP_SYS_RESOURCE 24

/* oom_score_adj_read */
static int proc_oom_score_adj(struct proc *p)
{
    struct text t = {0};
    text_printf(&t, "%hd\n", p->task.oom_score_adj);
    return text_to_fd(&t, "oom_score_adj");
}

/* oom_adj_read: oom_score_adj scaled to -17..15, 1000 to 15 */
static int proc_oom_adj(struct proc *p)
{
    struct text t = {0};
    int adj = p->task.oom_score_adj == OOM_SCORE_ADJ_MAX
                  ? OOM_ADJUST_MAX
                  : p->task.oom_score_adj * -OOM_DISABLE / OOM_SCORE_ADJ_MAX;
    text_printf(&t, "%d\n", adj);
    return text_to_fd(&t, "oom_adj");
}

/* proc_oom_score: oom_badness in thousandths of RAM and swap */
static int proc_oom_score(struct proc *p)
{
    struct text t = {0};
    unsigned long totalpages = oom_total_pages();
    unsigned long points = (unsigned long)oom_badness(&p->task, totalpages) * 1000 / totalpages;
    text_printf(&t, "%lu\n", points);
    return text_to_fd(&t, "oom_score");
}

/* kstrtoint(s, 0, res) on a string strstrip has trimmed: base from the prefix (0x: 16, 0: 8),
 * an optional sign, digits to the end; 0, -EINVAL or -ERANGE. */
static int kstrtoint0(const char *s, int *res)
{
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    } else if (*s == '+') {
        s++;
    }
    unsigned base = 10;
    if (s[0] == '0') {
        base = 8;
        if ((s[1] == 'x' || s[1] == 'X') &&
            ((s[2] >= '0' && s[2] <= '9') || (s[2] >= 'a' && s[2] <= 'f') ||
             (s[2] >= 'A' && s[2] <= 'F'))) {
            base = 16;
            s += 2;
        }
    }
    unsigned long long v = 0;
    bool overflow = false;
    const char *start = s;
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (d >= base)
            break;
        if (v > (~0ULL - d) / base)
            overflow = true;
        v = v * base + d;
    }
    if (s == start)
        return -EINVAL;
    if (overflow)
        return -ERANGE;
    if (*s == '\n')
        s++;
    if (*s)
        return -EINVAL;
    if (neg ? v > (unsigned long long)INT_MAX + 1 : v > INT_MAX)
        return -ERANGE;
    *res = neg ? (int)-(long long)v : (int)v;
    return 0;
}

/* Is q a vfork child its parent still waits for (task->vfork_done set)? */
static bool in_vfork(const struct proc *q)
{
    return q->parent && q->parent->vfork_child == q;
}

/* __set_oom_adj: the value for t's whole group, and for the other processes using its mm (not
 * a vfork child's: it keeps its own); oom_score_adj_min follows a write of oom_score_adj by a
 * task with CAP_SYS_RESOURCE. Going below the floor (oom_score_adj_min, or for oom_adj the
 * value itself) needs CAP_SYS_RESOURCE: -EACCES. */
static int set_oom_adj(struct proc *p, struct proc *t, int adj, bool legacy)
{
    bool capable = guest_capable(p, CAP_SYS_RESOURCE);
    if (!capable && adj < (legacy ? t->task.oom_score_adj : t->task.oom_score_adj_min))
        return -EACCES;
    static bool warned; /* pr_warn_once */
    if (legacy && !warned) {
        warned = true;
        arch_printk(KERN_WARNING
                    "%s (%d): /proc/%d/oom_adj is deprecated, please use /proc/%d/oom_score_adj "
                    "instead.",
                    p->task.comm, p->task.pid, t->task.pid, t->task.pid);
    }
    struct mm_struct *mm =
        !in_vfork(t) && t->task.mm && t->task.mm->mm_users > 1 ? t->task.mm : NULL;
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->exited)
            continue;
        if (q->task.tgid != t->task.tgid) {
            if (!mm || q->task.mm != mm || in_vfork(q))
                continue;
            if (q->task.pid == q->task.tgid) /* once per process */
                arch_printk(KERN_INFO
                            "updating oom_score_adj for %d (%s) from %d to %d because it shares "
                            "mm with %d (%s). Report if this is unexpected.",
                            q->task.pid, q->task.comm, q->task.oom_score_adj, adj, t->task.pid,
                            t->task.comm);
        }
        q->task.oom_score_adj = (short)adj;
        if (!legacy && capable)
            q->task.oom_score_adj_min = (short)adj;
    }
    return 0;
}

/* oom_score_adj_write and oom_adj_write: at most 12 bytes, stripped, kstrtoint base 0, the
 * range checked, oom_adj's scaled to oom_score_adj's; the file position plays no part. */
static long oom_adj_write(struct proc *p, struct proc *t, uint64_t ubuf, uint64_t count,
                          bool legacy)
{
    char buf[13] = {0}; /* PROC_NUMBUF */
    if (count > sizeof(buf) - 1)
        count = sizeof(buf) - 1;
    if (get_user_struct(p, buf, ubuf, count))
        return -EFAULT;
    char *s = buf, *end = buf + strlen(buf); /* strstrip */
    while (end > s && strchr(" \t\n\v\f\r", end[-1]))
        *--end = 0;
    while (*s && strchr(" \t\n\v\f\r", *s))
        s++;
    int adj, err = kstrtoint0(s, &adj);
    if (err)
        return err;
    if (legacy) {
        if ((adj < OOM_ADJUST_MIN || adj > OOM_ADJUST_MAX) && adj != OOM_DISABLE)
            return -EINVAL;
        adj = adj == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : adj * OOM_SCORE_ADJ_MAX / -OOM_DISABLE;
    } else if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) {
        return -EINVAL;
    }
    if (t->exited) /* get_proc_task: it is gone */
        return -ESRCH;
    err = set_oom_adj(p, t, adj, legacy);
    return err ? err : (long)count;
}

/* A write open of a 0644 file of t's: its owner (t's euid, or root while t is not dumpable, as
 * procfs_task_owner says), or CAP_DAC_OVERRIDE. */
static bool may_write_task_file(struct proc *p, struct proc *t)
{
    uint32_t u[4], mine[4];
    task_uids(t, u);
    task_uids(p, mine);
    uint32_t owner =
        t->exited || !t->task.mm || t->task.mm->dumpable != SUID_DUMP_USER ? 0 : u[CRED_E];
    return mine[CRED_FS] == owner || guest_capable(p, 1 /* CAP_DAC_OVERRIDE */);
}

/*
 * /proc/PID/timerslack_ns (0666; timerslack_ns_show and timerslack_ns_write): the timer slack of
 * the file's task, the thread group leader (/proc/PID is the group's; there is none under
 * task/TID). Anyone opens it; reading or writing it needs CAP_SYS_NICE unless the reader is that
 * very task (`p != current`: another thread of the same process needs the capability too), and
 * the EPERM comes at the read or the write (procfs_read_check, timerslack_write).
 */
#define CAP_SYS_NICE 23

/* get_proc_task of the file's inode: the leader of t's group, or NULL once it is gone. */
static struct proc *timerslack_task(struct proc *p, struct proc *t)
{
    struct proc *leader = t->task.pid == t->task.tgid ? t : find_proc(p->emu, t->task.tgid);
    return leader && !leader->exited ? leader : NULL;
}

static bool may_timerslack(struct proc *p, struct proc *leader)
{
    return p == leader || guest_capable(p, CAP_SYS_NICE);
}

/* The text made at the open: the slack, for whoever may read it, else nothing (the read fails). */
static int proc_timerslack_ns(struct proc *p, struct proc *t)
{
    struct text txt = {0};
    struct proc *leader = timerslack_task(p, t);
    if (leader && may_timerslack(p, leader))
        text_printf(&txt, "%llu\n", (unsigned long long)leader->timer_slack_ns);
    return text_to_fd(&txt, "timerslack_ns");
}

/* timerslack_ns_write: kstrtoull_from_user base 10 first (at most 66 bytes; an optional '+', a
 * trailing newline, else EINVAL; ERANGE past 64 bits), then the task and the capability; 0 is
 * the task's default slack. The whole count is taken. */
static long timerslack_write(struct proc *p, struct proc *t, uint64_t ubuf, uint64_t count)
{
    char buf[1 + 64 + 1 + 1]; /* sign, 64 binary digits, newline, NUL */
    size_t n = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
    if (get_user_struct(p, buf, ubuf, n))
        return -EFAULT;
    buf[n] = 0;
    const char *d = buf + (buf[0] == '+');
    unsigned long long slack = 0;
    size_t digits = 0;
    for (; d[digits] >= '0' && d[digits] <= '9'; digits++) {
        unsigned v = (unsigned)(d[digits] - '0');
        if (slack > (~0ull - v) / 10)
            return -ERANGE;
        slack = slack * 10 + v;
    }
    const char *end = d + digits + (d[digits] == '\n');
    if (!digits || *end)
        return -EINVAL;
    struct proc *leader = timerslack_task(p, t);
    if (!leader)
        return -ESRCH;
    if (!may_timerslack(p, leader))
        return -EPERM;
    leader->timer_slack_ns = slack ? slack : leader->default_timer_slack_ns;
    return (long)count;
}

long procfs_read_check(struct proc *p, const struct ofd *o)
{
    struct proc *target;
    bool per_thread;
    const char *rest = o->proc_regen ? proc_pid_rest(p, o->proc_regen, &target, &per_thread) : NULL;
    if (!rest || per_thread || strcmp(rest, "timerslack_ns") != 0)
        return 0;
    struct proc *leader = timerslack_task(p, target);
    return !leader ? -ESRCH : may_timerslack(p, leader) ? 0 : -EPERM;
}

/* Where a host fd that a parked call polls would sleep in Linux: a socket's wait by its kind, a
 * pipe's, a terminal's (n_tty_read's wait_woken). */
static const char *host_fd_wchan(int fd, bool accepting)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return NULL;
    if (S_ISFIFO(st.st_mode))
        return "pipe_wait";
    if (S_ISCHR(st.st_mode))
        return "wait_woken";
    if (!S_ISSOCK(st.st_mode))
        return NULL;
    int domain = 0, type = 0;
    socklen_t len = sizeof(domain);
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
    len = sizeof(type);
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
    bool inet = domain == AF_INET || domain == AF_INET6;
    if (accepting)
        return inet ? "inet_csk_accept" : "__skb_wait_for_more_packets";
    if (type != SOCK_STREAM)
        return "__skb_wait_for_more_packets";
    return inet ? "sk_wait_data" : "unix_stream_data_wait";
}

/*
 * /proc/PID/wchan (proc_pid_wchan, get_wchan): the kernel function a sleeping task waits in,
 * the first on its stack outside the scheduler, as a 4.20 kernel names it; "0" for a task that
 * runs or can run, or has exited. The model has no kernel stack: the name comes from why the
 * task is parked (emu/sched.h) and the call that parked it (orig_rax).
 */
static const char *wchan_of(struct proc *p)
{
    if (p->exited)
        return NULL;
    if (p->traced)
        return "ptrace_stop";
    if (p->stopped)
        return "do_signal_stop";
    if (!p->wait || proc_ready(p))
        return NULL;
    long nr = (long)p->orig_rax;
    switch (nr) { /* the calls that wait on a set of files */
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
        return "poll_schedule_timeout";
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
        return "do_epoll_wait";
    }
    bool accepting = nr == SYS_accept || nr == SYS_accept4;
    switch (p->wait) {
    case WAIT_FD_READ: /* a guest fd not ready: a read, write, recv, accept */
    case WAIT_FD_WRITE: {
        struct ofd *o = p->files ? fd_get(p->files, p->wait_arg) : NULL;
        return o ? host_fd_wchan(o->hostfd, accepting) : NULL;
    }
    case WAIT_POLL: { /* the same on a host fd that may not be the guest's */
        const struct pollfd *fds = p->wait_poll;
        return p->wait_npoll ? host_fd_wchan(fds[0].fd, accepting) : NULL;
    }
    case WAIT_CHILD:
        return "do_wait";
    case WAIT_VFORK:
        return "_do_fork"; /* wait_for_vfork_done, inlined */
    case WAIT_SIGNAL:
        return nr == SYS_pause ? "__x64_sys_pause" : "sigsuspend";
    case WAIT_FUTEX:
        return "futex_wait_queue_me";
    case WAIT_SIGWAIT:
        return "do_sigtimedwait";
    case WAIT_SYSV:
        return nr == SYS_msgsnd ? "do_msgsnd" : nr == SYS_msgrcv ? "do_msgrcv" : "do_semtimedop";
    case WAIT_UFFD:
        return "handle_userfault";
    case WAIT_SLEEP: /* nanosleep, or a call retried after a while (park_retry_after) */
        switch (nr) {
        case SYS_flock:
            return "locks_lock_inode_wait";
        case SYS_fcntl:
            return "do_lock_file_wait";
        case SYS_open:
        case SYS_openat:
            return "wait_for_partner"; /* a FIFO's other end */
        case SYS_connect:
            return "inet_wait_for_connect";
        default:
            return "hrtimer_nanosleep";
        }
    default:
        return NULL;
    }
}

static int proc_wchan(struct proc *p)
{
    struct text t = {0};
    const char *name = wchan_of(p);
    text_printf(&t, "%s", name ? name : "0"); /* no newline, as Linux's */
    return text_to_fd(&t, "wchan");
}

/* /proc/PID/limits (proc_pid_limits): the group's limits, in Linux's columns and units. */
static int proc_limits(struct proc *p)
{
    static const struct {
        const char *name, *unit;
    } lnames[FL_RLIM_NLIMITS] = {
        [RLIMIT_CPU] = {"Max cpu time", "seconds"},
        [RLIMIT_FSIZE] = {"Max file size", "bytes"},
        [RLIMIT_DATA] = {"Max data size", "bytes"},
        [RLIMIT_STACK] = {"Max stack size", "bytes"},
        [RLIMIT_CORE] = {"Max core file size", "bytes"},
        [RLIMIT_RSS] = {"Max resident set", "bytes"},
        [RLIMIT_NPROC] = {"Max processes", "processes"},
        [RLIMIT_NOFILE] = {"Max open files", "files"},
        [RLIMIT_MEMLOCK] = {"Max locked memory", "bytes"},
        [RLIMIT_AS] = {"Max address space", "bytes"},
        [RLIMIT_LOCKS] = {"Max file locks", "locks"},
        [RLIMIT_SIGPENDING] = {"Max pending signals", "signals"},
        [RLIMIT_MSGQUEUE] = {"Max msgqueue size", "bytes"},
        [RLIMIT_NICE] = {"Max nice priority", NULL},
        [RLIMIT_RTPRIO] = {"Max realtime priority", NULL},
        [RLIMIT_RTTIME] = {"Max realtime timeout", "us"},
    };
    struct text t = {0};

    text_printf(&t, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (int i = 0; i < FL_RLIM_NLIMITS; i++) {
        uint64_t cur = guest_rlimit_cur(p, i), max = p->shared->rlim[i].max;
        if (cur == RLIM_INFINITY)
            text_printf(&t, "%-25s %-20s ", lnames[i].name, "unlimited");
        else
            text_printf(&t, "%-25s %-20lu ", lnames[i].name, (unsigned long)cur);
        if (max == RLIM_INFINITY)
            text_printf(&t, "%-20s ", "unlimited");
        else
            text_printf(&t, "%-20lu ", (unsigned long)max);
        if (lnames[i].unit)
            text_printf(&t, "%-10s", lnames[i].unit);
        text_printf(&t, "\n");
    }
    return text_to_fd(&t, "limits");
}

/* /proc/PID/personality (proc_pid_personality): the task's persona, as %08x. */
static int proc_personality(struct proc *p)
{
    struct text t = {0};
    text_printf(&t, "%08x\n", p->personality);
    return text_to_fd(&t, "personality");
}

/* The bytes of p's memory from start to end as p has them now (NULs included): a file named
 * name; empty for a task without an mm or an empty area. */
static int user_area_text(struct proc *p, unsigned long start, unsigned long end, const char *name)
{
    struct text t = {0};
    size_t n = p->task.mm && end > start ? end - start : 0;
    char *area = n ? malloc(n) : NULL;
    if (area) {
        n -= copy_from_user(&p->task, area, start, n);
        text_append(&t, area, n);
        free(area);
    }
    return text_to_fd(&t, name);
}

/* /proc/PID/cmdline (get_mm_cmdline): the argument area. */
static int proc_cmdline(struct proc *p)
{
    struct mm_struct *mm = p->task.mm;
    return user_area_text(p, mm ? mm->arg_start : 0, mm ? mm->arg_end : 0, "cmdline");
}

/* /proc/PID/environ (environ_read): the environment area. Not the host's file, which is
 * faultline's own environment. */
static int proc_environ(struct proc *p)
{
    struct mm_struct *mm = p->task.mm;
    return user_area_text(p, mm ? mm->env_start : 0, mm ? mm->env_end : 0, "environ");
}

/* /proc/PID/io and /proc/PID/task/TID/io (do_io_accounting): the thread group's counts, with
 * its exited threads and reaped children, or the one thread's (task_io.c). */
static int proc_io(struct proc *p, bool whole)
{
    struct text t = {0};
    struct task_io_accounting io;

    task_io_read(p, whole, &io);
    text_printf(&t,
                "rchar: %llu\nwchar: %llu\nsyscr: %llu\nsyscw: %llu\nread_bytes: %llu\n"
                "write_bytes: %llu\ncancelled_write_bytes: %llu\n",
                (unsigned long long)io.rchar, (unsigned long long)io.wchar,
                (unsigned long long)io.syscr, (unsigned long long)io.syscw,
                (unsigned long long)io.read_bytes, (unsigned long long)io.write_bytes,
                (unsigned long long)io.cancelled_write_bytes);
    return text_to_fd(&t, "io");
}

/* struct linux_dirent64 as getdents64 lays it out (include/linux/dirent.h). */
struct dirent64_rec {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The smallest thread-group leader's pid above `after`, or 0. */
static int next_guest_pid(struct proc *p, int after)
{
    int best = 0;

    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (q->task.pid == q->task.tgid && !q->reaped && q->task.pid > after &&
            (!best || q->task.pid < best))
            best = q->task.pid;
    return best;
}

/* Append one record for `name` at out + *used if it fits in count; false if it does not. */
static bool put_dirent(char *out, size_t *used, size_t count, const char *name, uint64_t ino,
                       int64_t off, uint8_t type)
{
    size_t len = strlen(name);
    size_t reclen = (offsetof(struct dirent64_rec, d_name) + len + 1 + 7) & ~(size_t)7;
    struct dirent64_rec *d = (struct dirent64_rec *)(out + *used);

    if (*used + reclen > count)
        return false;
    memset(d, 0, reclen);
    d->d_ino = ino;
    d->d_off = off;
    d->d_reclen = (uint16_t)reclen;
    d->d_type = type;
    memcpy(d->d_name, name, len + 1);
    *used += reclen;
    return true;
}

/* "." and ".." at the start of a listing the guest's getdents makes (o->proc_last 0 and 1, then
 * 2). False when out had no room for one of them. */
static bool put_dots(struct ofd *o, char *out, size_t *used, size_t count)
{
    if (o->proc_last == 0) {
        if (!put_dirent(out, used, count, ".", 1, 1, DT_DIR))
            return false;
        o->proc_last = 1;
    }
    if (o->proc_last == 1) {
        if (!put_dirent(out, used, count, "..", 2, 2, DT_DIR))
            return false;
        o->proc_last = 2;
    }
    return true;
}

/* /proc/PID/fd: ".", "..", then each open fd of the process, in order. */
static long fd_dir_getdents(struct proc *p, struct ofd *o, char *out, size_t count)
{
    struct proc *t = find_proc(p->emu, o->proc_fd_pid);
    size_t used = 0;
    char name[16];

    /* proc_last: 0 before ".", 1 before "..", 2 before fd 0, fd + 3 once fd is listed */
    if (!put_dots(o, out, &used, count))
        return used ? (long)used : -EINVAL;
    for (int fd = o->proc_last - 2; t && t->files && (fd = fd_next_open(t->files, fd)) >= 0; fd++) {
        snprintf(name, sizeof(name), "%d", fd);
        if (!put_dirent(out, &used, count, name, 0x20000000u + (unsigned)fd, fd + 3, DT_LNK))
            return used ? (long)used : -EINVAL;
        o->proc_last = fd + 3;
    }
    return (long)used;
}

/* The next thread of thread group tgid after tid `after`, by id (0: none): live threads, and
 * the leader as long as the group is listed at all (proc_task_readdir). */
static int next_thread(struct proc *p, int tgid, int after)
{
    int best = 0;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (q->task.tgid == tgid && q->task.pid > after && (!best || q->task.pid < best) &&
            (!q->exited || q->task.pid == tgid) && !q->reaped)
            best = q->task.pid;
    return best;
}

/* /proc/PID/task: ".", "..", then a directory per thread of the group, by tid. */
static long task_dir_getdents(struct proc *p, struct ofd *o, char *out, size_t count)
{
    size_t used = 0;
    char name[16];

    /* proc_last: 0 before ".", 1 before "..", 2 before the first thread, then the last tid */
    if (!put_dots(o, out, &used, count))
        return used ? (long)used : -EINVAL;
    for (int tid; (tid = next_thread(p, o->proc_fd_pid, o->proc_last)) != 0; o->proc_last = tid) {
        snprintf(name, sizeof(name), "%d", tid);
        if (!put_dirent(out, &used, count, name, 0x30000000u + (unsigned)tid, tid, DT_DIR))
            return used ? (long)used : -EINVAL;
    }
    return (long)used;
}

long procfs_task_nlink(struct proc *p, const char *gname, const struct ofd *o)
{
    struct proc *t = NULL;
    if (o && o->proc_dir == PROC_DIR_TASK) {
        t = find_proc(p->emu, o->proc_fd_pid);
    } else if (gname && gname[0] == '/') {
        const char *rest = proc_pid_rest(p, gname, &t, NULL);
        if (!rest || (strcmp(rest, "task") != 0 && strcmp(rest, "task/") != 0))
            t = NULL;
    }
    return t ? 2 + nr_threads(t) : -1;
}

bool procfs_task_owner(struct proc *p, const char *gname, bool follow, unsigned mode, uint32_t *uid,
                       uint32_t *gid)
{
    char path[PATH_MAX];
    struct proc *t;
    if (!gname || strncmp(gname, "/proc/", 6) != 0)
        return false;
    if (!follow && (strcmp(gname, "/proc/self") == 0 || strcmp(gname, "/proc/thread-self") == 0))
        return false; /* the links themselves, root's */
    if ((size_t)snprintf(path, sizeof(path), "%s/", gname) >= sizeof(path) || /* "/proc/N" too */
        !proc_pid_rest(p, path, &t, NULL))
        return false;
    uint32_t u[4], g[4];
    task_uids(t, u);
    task_gids(t, g);
    *uid = u[CRED_E];
    *gid = g[CRED_E];
    /* "Make non-dumpable tasks owned by some root", but for the per-process directories */
    if (mode != (S_IFDIR | 0555) &&
        (t->exited || !t->task.mm || t->task.mm->dumpable != SUID_DUMP_USER))
        *uid = *gid = 0;
    return true;
}

long procfs_getdents(struct proc *p, struct ofd *o, void *out, size_t count)
{
    char *dst = out;
    size_t used = 0;

    if (o->proc_dir == PROC_DIR_FD)
        return fd_dir_getdents(p, o, out, count);
    if (o->proc_dir == PROC_DIR_TASK)
        return task_dir_getdents(p, o, out, count);
    while (!o->proc_host_done) {
        static char host[FL_BOUNCE];
        long n =
            syscall(SYS_getdents64, o->hostfd, host, count < sizeof(host) ? count : sizeof(host));

        if (n < 0)
            return -errno;
        if (n == 0) {
            o->proc_host_done = true;
            break;
        }
        for (long off = 0; off < n;) {
            const struct dirent64_rec *d = (const struct dirent64_rec *)(host + off);
            bool hide =
                o->proc_dir == PROC_DIR_SYS_CPU       ? proc_cpu_hidden_entry(o->path, d->d_name)
                : o->proc_dir == PROC_DIR_SYS_NODE    ? sys_node_hidden_entry(o->path, d->d_name)
                : o->proc_dir == PROC_DIR_MM_TUNABLES ? mm_tunable_hidden(o->path, d->d_name)
                                                      : all_digits(d->d_name);
            if (!hide) { /* fits: the host filled at most count bytes */
                memcpy(dst + used, d, d->d_reclen);
                used += d->d_reclen;
            }
            off += d->d_reclen;
        }
        if (used)
            return (long)used;
    }
    if (o->proc_dir == PROC_DIR_MM_TUNABLES) {
        /* a 4.20 file of /proc/sys/vm that the host has no more (mm_tunable_extra_entry) */
        for (const char *name; (name = mm_tunable_extra_entry(o->path, &o->proc_last)) != NULL;) {
            if (!put_dirent(dst, &used, count, name, 0x20000000u + (unsigned)o->proc_last,
                            INT64_MAX - 0x7fffffff + o->proc_last, DT_REG)) {
                o->proc_last--; /* not listed yet: the next call starts with it */
                return used ? (long)used : -EINVAL;
            }
        }
        return (long)used;
    }
    if (o->proc_dir != PROC_DIR_ROOT)
        return (long)used;
    for (int pid; (pid = next_guest_pid(p, o->proc_last)) != 0; o->proc_last = pid) {
        char name[16];

        snprintf(name, sizeof(name), "%d", pid);
        /* inode and offset: any stable numbers (/proc's are made up too) */
        if (!put_dirent(dst, &used, count, name, 0x10000000u + (unsigned)pid,
                        INT64_MAX - 0x7fffffff + pid, DT_DIR))
            return used ? (long)used : -EINVAL;
    }
    return (long)used;
}

/*
 * May p open a file procfs makes with these flags? Every one but comm is 0444 or 0400 (owned by
 * the task's user or root), so a write open passes generic_permission only with
 * CAP_DAC_OVERRIDE, as root's does: it opens, and each write then fails (procfs_write).
 */
static bool may_open_made(const struct proc *p, int flags)
{
    return (flags & O_ACCMODE) == O_RDONLY || guest_capable(p, 1 /* CAP_DAC_OVERRIDE */);
}

int procfs_open(struct proc *p, const char *path, int flags)
{
    struct proc *target;
    bool per_thread;
    const char *rest = proc_pid_rest(p, path, &target, &per_thread);
    int fd = proc_cpu_open(path, flags, may_open_made(p, flags));
    fd = fd == PROCFS_PASSTHROUGH ? cpu_vulnerabilities_open(path, flags) : fd; /* cpu_bugs.h */

    if (fd != PROCFS_PASSTHROUGH)
        return fd;
    fd = sys_node_open(path, flags); /* the machine's one NUMA node, not the host's */
    if (fd != PROCFS_PASSTHROUGH)
        return fd;
    fd = proc_page_file_open(p, path, flags);
    if (fd != PROCFS_PASSTHROUGH)
        return fd;
    /* the sysctls the model has: its values, not the host's (mm_tunables.h) */
    if (mm_tunable_owns(path))
        return mm_tunable_open(p, path, flags);
    if (mm_tunable_absent(path))
        return -ENOENT;
    /* free, vmstat and top read these: the machine is the model's RAM, not the host's */
    if (strcmp(path, "/proc/meminfo") == 0 || strcmp(path, "/proc/vmstat") == 0)
        return !may_open_made(p, flags) ? -EACCES : proc_meminfo(path[6] == 'm');
    /* swapon --show and swapoff -a read this: the device is the model's */
    if (strcmp(path, "/proc/swaps") == 0)
        return !may_open_made(p, flags) ? -EACCES : proc_swaps_open();
    /* ipcs reads these: the objects are the emulated machine's */
    if (strcmp(path, "/proc/sysvipc/sem") == 0 || strcmp(path, "/proc/sysvipc/msg") == 0 ||
        strcmp(path, "/proc/sysvipc/shm") == 0)
        return !may_open_made(p, flags) ? -EACCES
               : path[15] == 'e'        ? sysvipc_sem_proc()
               : path[15] == 's'        ? sysvipc_msg_proc()
                                        : sysvipc_shm_proc();
    static const struct {
        const char *name;
        int (*make)(struct proc *p);
    } files[] = {
        {"maps", proc_maps},
        {"smaps", proc_smaps},
        {"smaps_rollup", proc_smaps_rollup},
        {"numa_maps", proc_numa_maps},
        {"stat", proc_stat},
        {"status", proc_status},
        {"statm", proc_statm},
        {"comm", proc_comm},
        {"cmdline", proc_cmdline},
        {"auxv", proc_auxv},
        {"personality", proc_personality},
        {"limits", proc_limits},
        {"wchan", proc_wchan},
        {"timers", proc_timers_open},
    };
    if (rest && (strcmp(rest, "oom_score_adj") == 0 || strcmp(rest, "oom_adj") == 0)) {
        if ((flags & O_ACCMODE) != O_RDONLY && !may_write_task_file(p, target))
            return -EACCES;
        return rest[4] == 's' ? proc_oom_score_adj(target) : proc_oom_adj(target);
    }
    if (rest && strcmp(rest, "timerslack_ns") == 0) /* 0666: no check at the open */
        return per_thread ? -ENOENT : proc_timerslack_ns(p, target);
    if (rest && strcmp(rest, "io") == 0) /* 0400, and do_io_accounting's ptrace check */
        return !may_open_made(p, flags) || ptrace_may_access(p, target, true)
                   ? -EACCES
                   : proc_io(target, !per_thread);
    if (rest && strcmp(rest, "environ") == 0) { /* 0400, and __mem_open's ptrace check */
        if (!may_open_made(p, flags) || ptrace_may_access(p, target, true))
            return -EACCES;
        return proc_environ(target);
    }
    if (rest && strcmp(rest, "oom_score") == 0) /* 0444 */
        return !may_open_made(p, flags) ? -EACCES : proc_oom_score(target);
    if (per_thread && strcmp(rest, "stat") == 0) /* proc_tid_stat */
        return !may_open_made(p, flags) ? -EACCES : do_task_stat(target, false);
    for (size_t i = 0; rest && i < sizeof(files) / sizeof(files[0]); i++)
        if (strcmp(rest, files[i].name) == 0)
            return !may_open_made(p, flags) && files[i].make != proc_comm
                       ? -EACCES /* comm is 0644 (comm_write) */
                       : files[i].make(target);
    return PROCFS_PASSTHROUGH;
}

long procfs_write(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos)
{
    char name[sizeof(p->task.comm)] = {0};
    size_t maxlen = sizeof(name) - 1;
    struct proc *target;

    if ((o->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (o->proc_regen &&
        mm_tunable_owns(o->proc_regen)) { /* proc_sys_write: at the file position */
        int64_t at = pos >= 0 ? pos : lseek(o->hostfd, 0, SEEK_CUR);
        long r = mm_tunable_write(p, o->proc_regen, ubuf, count, at);
        if (r > 0 && pos < 0)
            lseek(o->hostfd, r, SEEK_CUR);
        return r;
    }
    /* A file without ->write, opened for writing by root (may_open_made): vfs_write refuses a
     * /proc/PID file (no FMODE_CAN_WRITE), proc_reg_write a file of the machine's (-EIO). */
    const char *base = o->proc_regen ? strrchr(o->proc_regen, '/') : NULL;
    bool per_pid = o->proc_regen && o->proc_regen[6] >= '0' && o->proc_regen[6] <= '9';
    if (per_pid && base && (strcmp(base, "/oom_score_adj") == 0 || strcmp(base, "/oom_adj") == 0)) {
        /* the task the file was opened for (get_proc_task) */
        if (!proc_pid_rest(p, o->proc_regen, &target, NULL))
            return -ESRCH;
        return oom_adj_write(p, target, ubuf, count, base[5] == 'a');
    }
    if (per_pid && base && strcmp(base, "/timerslack_ns") == 0) {
        if (!proc_pid_rest(p, o->proc_regen, &target, NULL))
            return -ESRCH;
        return timerslack_write(p, target, ubuf, count);
    }
    if (!per_pid || !base || strcmp(base, "/comm") != 0)
        return per_pid ? -EINVAL : -EIO;
    if (pos >= 0)
        return -ESPIPE;
    if (get_user_struct(p, name, ubuf, count > maxlen ? maxlen : count))
        return -EFAULT;
    /* the task the file was opened for (get_proc_task), by the path that names its pid */
    if (!o->proc_regen || !proc_pid_rest(p, o->proc_regen, &target, NULL))
        return -ESRCH;
    if (target->task.tgid != p->task.tgid) /* same_thread_group */
        return -EINVAL;
    memcpy(target->task.comm, name, sizeof(name)); /* set_task_comm */
    return (long)count;
}

char *procfs_regen_path(struct proc *p, const char *path)
{
    struct proc *target;
    bool per_thread;
    const char *rest = proc_pid_rest(p, path, &target, &per_thread);
    char buf[PATH_MAX];

    if (!rest)
        return strdup(path); /* a file of the machine (/proc/meminfo), or /proc/PID/... */
    int n = per_thread ? snprintf(buf, sizeof(buf), "/proc/%d/task/%d/%s", target->task.tgid,
                                  target->task.pid, rest)
                       : snprintf(buf, sizeof(buf), "/proc/%d/%s", target->task.pid, rest);
    if (n >= (int)sizeof(buf))
        return NULL;
    return strdup(buf);
}

void procfs_refresh(struct proc *p, struct ofd *o)
{
    int fd = procfs_open(p, o->proc_regen, O_RDONLY);

    o->seq_end = 0; /* seq_read at offset 0: the iterator starts over, the buffer is empty */
    if (fd < 0)
        return;
    dup3(fd, o->hostfd, O_CLOEXEC);
    close(fd);
}

/* The records of a many-record seq_file: 'l' one per line (show_map, show_numa_map), 'v' one
 * per VMA block, whose header line starts with the VMA's hex start address and whose field
 * lines with a capital letter (show_smap); 0 for other files. */
static char seq_record_kind(const struct ofd *o)
{
    const char *slash = o->proc_regen ? strrchr(o->proc_regen, '/') : NULL;
    if (!slash)
        return 0;
    return !strcmp(slash, "/maps") || !strcmp(slash, "/numa_maps") ? 'l'
           : !strcmp(slash, "/smaps")                              ? 'v'
                                                                   : 0;
}

/* The offset where the record starting at off (< len) ends. */
static size_t seq_record_end(const char *t, size_t len, size_t off, char kind)
{
    for (;;) {
        const char *nl = memchr(t + off, '\n', len - off);
        off = nl ? (size_t)(nl - t) + 1 : len;
        if (off >= len || kind == 'l' || (t[off] >= '0' && t[off] <= '9') ||
            (t[off] >= 'a' && t[off] <= 'f'))
            return off;
    }
}

size_t procfs_seq_read_len(struct ofd *o, int64_t pos, size_t size)
{
    char kind = seq_record_kind(o);
    struct stat st;

    if (!kind || !size)
        return size;
    if (pos < 0)
        pos = lseek(o->hostfd, 0, SEEK_CUR);
    if (pos < 0 || fstat(o->hostfd, &st) || pos >= st.st_size)
        return size;
    if (o->seq_end > pos && size <= (size_t)(o->seq_end - pos))
        return size; /* all from what the buffer still holds: no new fill to find */
    size_t len = (size_t)st.st_size, off = (size_t)pos, ret = 0;
    char *t = malloc(len);
    if (!t || pread(o->hostfd, t, len, 0) != (ssize_t)len) {
        free(t);
        return size;
    }
    if (o->seq_end > pos) { /* "if not empty - flush it first" */
        size_t n = (size_t)o->seq_end - off < size ? (size_t)o->seq_end - off : size;
        ret = n;
        off += n;
        size -= n;
    }
    if (size && off < len) {
        /* "we need at least one record in buffer": the buffer doubles until it holds one */
        size_t start = off, end = seq_record_end(t, len, off, kind), buf = PAGE_SIZE;
        while (end - start >= buf)
            buf <<= 1;
        /* Fill: more records while the fill is shorter than the rest of the read and the next
         * one fits (seq_has_overflowed: a buffer filled to its last byte overflowed) */
        while (end < len && end - start < size) {
            size_t next = seq_record_end(t, len, end, kind);
            if (next - start >= buf)
                break;
            end = next;
        }
        ret += end - start < size ? end - start : size;
        o->seq_end = (int64_t)end;
    }
    free(t);
    return ret;
}

static long copy_link(const char *target, char *out, size_t outlen)
{
    size_t len = strlen(target);

    memcpy(out, target, len < outlen ? len : outlen);
    return (long)len;
}

long procfs_readlink(struct proc *p, const char *path, char *out, size_t outlen)
{
    struct proc *target;
    const char *rest = proc_pid_rest(p, path, &target, NULL);
    char buf[PATH_MAX];
    struct ofd *o;
    int r;

    /* a /proc/sys/vm file is no link, also one the host lacks (block_dump: realpath(3) of it) */
    if (mm_tunable_owns(path))
        return -EINVAL;
    /* /proc/self itself: the guest's pid, which resolve_at() maps back to faultline's dir */
    if (strcmp(path, "/proc/self") == 0) {
        snprintf(buf, sizeof(buf), "%d", p->task.tgid);
        return copy_link(buf, out, outlen);
    }
    if (!rest)
        return PROCFS_PASSTHROUGH;
    if (strcmp(rest, "exe") == 0) {
        if (!target->exe || !target->exe_fd) /* an exited process's (no mm): gone */
            return -ENOENT;
        /* d_path of the file the process runs, as the host names the O_PATH fd held on it:
         * its name now (renamed since) and " (deleted)" once unlinked, as Linux's */
        char link[64];
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", target->exe_fd - 1);
        n = readlink(link, buf, sizeof(buf) - 1);
        if (n > 0 && buf[0] == '/')
            buf[n] = 0;
        else if (!realpath(target->exe, buf))
            snprintf(buf, sizeof(buf), "%s", target->exe);
        strip_sysroot(p, buf);
        return copy_link(buf, out, outlen);
    }
    if ((r = guest_fd_link(p, path, &o)) != 0) {
        char link[64];
        ssize_t n;

        if (r < 0)
            return r;
        if (o->kmsg && o->path) /* the log's file, not the eventfd behind it */
            return copy_link(o->path, out, outlen);
        snprintf(link, sizeof(link), "/proc/self/fd/%d", o->hostfd);
        n = readlink(link, buf, sizeof(buf) - 1);
        if (n < 0)
            return -errno;
        buf[n] = 0;
        strip_sysroot(p, buf);
        return copy_link(buf, out, outlen);
    }
    return PROCFS_PASSTHROUGH;
}
