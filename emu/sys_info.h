/*
 * sys_info.h - what other syscall files need from sys_info.c: process-group ids as the guest sees
 * them, and the guest's resource limits.
 *
 * Guest pids are the model's, not the host's. faultline's own host process group stands for the
 * guest's: when faultline leads its host group (a shell job), the guest's group is led by the
 * first guest process, so getpgrp() and tcgetpgrp() agree with each other and with getpid() the
 * way they would natively. Any other host group id is shown unchanged.
 */
#ifndef FL_SYS_INFO_H
#define FL_SYS_INFO_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* The guest's process group id (getpgrp). */
int guest_pgrp(struct proc *p);
/* p's session: fixed by setsid, else the host session faultline runs in (getsid(0)). */
int guest_sid(struct proc *p);
/* CLOCK_BOOTTIME in ns: a task's start time, as /proc/PID/stat's starttime counts it. */
uint64_t boottime_ns(void);
/* A host process-group id (from TIOCGPGRP) as the guest sees it, and back (TIOCSPGRP). */
int host_pgid_to_guest(struct proc *p, int host_pgid);
int guest_pgid_to_host(struct proc *p, int guest_pgid);

/* Is pid the first guest's parent, faultline itself, as getppid reports it, and no guest's pid?
 * It exists for the guest (kill(ppid, 0) succeeds, getpgid and getsid answer for it) but is not
 * one of its processes: its memory and kernel objects are not the guest's to inspect. */
bool is_host_parent(struct proc *p, int pid);
/* That parent's process group and session as the guest sees them (getpgid, getsid). */
int host_parent_pgrp(struct proc *p);
int host_parent_sid(struct proc *p);

/* getrusage's answer for p: who is RUSAGE_SELF (p's thread group), RUSAGE_THREAD,
 * RUSAGE_CHILDREN (the reaped children, with theirs) or RUSAGE_BOTH (self and children: what
 * wait4 reports for the child it reaps). CPU times from emu/cputime.c, faults from the model. */
#define RUSAGE_BOTH (-2)
struct rusage;
void task_rusage(struct proc *p, int who, struct rusage *ru);
/* p lets go of mm (exits, or execs a new image): its peak RSS raises the group's, which
 * getrusage and the parent's wait go on reporting (setmax_mm_hiwater_rss in do_exit and
 * exec_mmap). */
struct mm_struct;
void account_mm_hiwater(struct proc *p, const struct mm_struct *mm);

/* The guest's soft limit for RLIMIT_* `resource` (RLIM_INFINITY is UINT64_MAX), for the calls
 * that enforce one (RLIMIT_DATA in brk, RLIMIT_AS in mmap, RLIMIT_STACK in stack growth). */
uint64_t guest_rlimit_cur(struct proc *p, int resource);

/* capable(cap) for a guest, which runs with faultline's credentials: is cap (CAP_SYS_RESOURCE...)
 * in faultline's effective set? Root without it (a container's) is not capable, as on Linux. */
bool host_capable(int cap);
/* An integer sysctl of the host (/proc/sys/...), dflt if it cannot be read. */
long host_sysctl(const char *path, long dflt);
/* The first line of the host's file path (a sysfs or procfs file) in buf, newline kept; "" if
 * it cannot be read. Returns buf. */
char *host_file_line(const char *path, char *buf, size_t len);
/* The host's transparent-huge-page mode (enum transparent_hugepage_mode), which --thp
 * overrides: the native runs faultline is compared with get this one. */
int host_transparent_hugepage_mode(void);
/* The host's vm.mmap_min_addr (/proc/sys/vm/mmap_min_addr; 65536 if it cannot be read). */
unsigned long host_mmap_min_addr(void);
/* Does the host refuse this process a mapping below vm.mmap_min_addr although it has
 * CAP_SYS_RAWIO, which is all that Linux's own rule (cap_mmap_addr) asks? Then one of the
 * host's security modules has a rule of its own, and the guest gets the host's answer. */
bool host_refuses_low_maps(void);
/* The host's vm.unprivileged_userfaultfd sysctl: may a task without CAP_SYS_PTRACE make a
 * userfaultfd that also handles kernel-mode faults? */
bool host_unprivileged_userfaultfd(void);
/* The same for a guest task: from its own effective set once it has dropped capabilities with
 * capset, else host_capable. */
struct proc;
bool guest_capable(const struct proc *p, int cap);
/* A task's effective, permitted and inheritable sets: its own once it has changed them, else
 * faultline's; false if the host's could not be read. */
bool task_caps(const struct proc *t, uint64_t *eff, uint64_t *prm, uint64_t *inh);
/* prctl's capability options (cap_task_prctl): PR_GET/SET_KEEPCAPS, PR_CAPBSET_READ/DROP,
 * PR_GET/SET_SECUREBITS, PR_CAP_AMBIENT; a[0] is the option. */
long cap_task_prctl(struct proc *p, const uint64_t a[6]);
/* A task's capability sets as /proc/PID/status shows them: inheritable, permitted, effective,
 * bounding, ambient; false if the host's could not be read. */
bool task_cap_sets(const struct proc *p, uint64_t sets[5]);
/* RLIMIT_FSIZE for a write of *count bytes at pos to a regular file (generic_write_check_limits):
 * at or past the limit, SIGXFSZ to p and -EFBIG; across it, *count is shortened to end there. */
long fsize_write_limit(struct proc *p, uint64_t pos, uint64_t *count);
/* Has p's group a finite RLIMIT_FSIZE? Without one the checks need no look at the file. */
bool fsize_limited(struct proc *p);
/* RLIMIT_FSIZE for a regular file of `size` bytes growing to `newsize` (inode_newsize_ok):
 * -EFBIG with SIGXFSZ past the limit, else 0. */
long fsize_newsize_ok(struct proc *p, uint64_t size, uint64_t newsize);
/* The first guest's limits: the host's, RLIMIT_NOFILE as faultline started with it (faultline
 * raises its own soft limit to the hard one then, for the guest's fds and its own). */
void guest_rlimits_init(struct proc *p);
/* Put faultline's own RLIMIT_NOFILE back as it started, when the machine goes (emu_destroy). */
void host_nofile_restore(void);

#endif
