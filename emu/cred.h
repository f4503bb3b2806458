/*
 * cred.h - a task's user and group ids (kernel/sys.c, kernel/groups.c, security/commoncap.c).
 *
 * A guest task starts with faultline's own ids. A privileged guest (faultline runs as root) may
 * change them with the set*id calls as Linux allows, and its file-system calls then run with
 * its fsuid, fsgid and groups on the host thread (setfsuid, setfsgid, the thread's own
 * setgroups) so that the host checks access and owns new files as Linux would for that task.
 */
#ifndef FAULTLINE_EMU_CRED_H
#define FAULTLINE_EMU_CRED_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* the supplementary groups a task may have here (Linux: NGROUPS_MAX, 65536) */
#define CRED_NGROUPS 32

/* the ids: real, effective, saved and file-system */
enum { CRED_R, CRED_E, CRED_S, CRED_FS };

/* A task's uids and gids: its own after a set*id call, else faultline's. */
void task_uids(const struct proc *p, uint32_t u[4]);
void task_gids(const struct proc *p, uint32_t g[4]);
/* Its supplementary groups: up to max into list (NULL: only the count); the count. */
int task_groups(const struct proc *p, uint32_t *list, int max);

/* check_kill_permission: may p send signo from user space to t (kill_ok_by_cred: one of p's
 * real and effective uids is t's real or saved uid, or p has CAP_KILL; SIGCONT within the
 * session)? */
bool kill_ok_by_cred(const struct proc *p, const struct proc *t, int signo);

/* __ptrace_may_access and cap_ptrace_access_check (Yama is not modelled): may p inspect or
 * attach to t (ptrace, process_vm_readv/writev, kcmp)? Its own thread group always; another
 * only with p's real ids (fscreds: its fs ids) equal to all three of t's uids and gids and t
 * dumpable, and t's permitted capabilities within p's; CAP_SYS_PTRACE overrides all. 0 or
 * -EPERM. */
long ptrace_may_access(const struct proc *p, const struct proc *t, bool fscreds);

/* At execve (cap_bprm_set_creds without set-id bits or file capabilities): suid and fsuid
 * become the euid, sgid and fsgid the egid; the capability sets are the new program's (the
 * inheritable set kept, the permitted and effective sets from the uids, the bounding,
 * inheritable and ambient sets). Called before securebits' KEEP_CAPS is cleared, with the new
 * mm in place: its dumpability is set too (setup_new_exec, commit_creds; an image the task
 * could not read, `unreadable`, leaves it undumpable: would_dump). */
void cred_exec(struct proc *p, bool unreadable);

/* faccessat2(dirfd, path, mode, flags) as the task asks it: without AT_EACCESS, with its real
 * ids (do_faccessat), which the host would take from faultline's real ids. */
long cred_faccessat(const struct proc *p, int dirfd, const char *path, int mode, int flags);

/* Around a system call's handler: put p's fsuid, fsgid and groups on the host thread where they
 * differ from faultline's, and put faultline's back after. */
struct cred_host_save {
    bool fsuid, fsgid, groups;
};
void cred_enter(const struct proc *p, struct cred_host_save *s);
void cred_leave(struct cred_host_save *s);
/* Within a call, where cred_enter(p, s) put p's ids on the thread: faultline's own for a moment
 * (own true), then p's again (own false). For what the kernel does with its own rights on the
 * task's behalf: reading an image to execute it. */
void cred_as_faultline(const struct proc *p, struct cred_host_save *s, bool own);

#endif
