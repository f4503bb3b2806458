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

/* The credentials an execve gives the new image, worked out before it is loaded (struct
 * linux_binprm's cred, secureexec and per_clear): the ids, the capability sets, and whether
 * they are the task's own from then on (own; else faultline's, as before). */
struct exec_cred {
    uint32_t uids[4], gids[4];
    uint64_t inh, prm, eff, amb;
    bool own;
    bool secureexec;    /* AT_SECURE: cap_bprm_set_creds' cap_elevated */
    unsigned per_clear; /* PER_CLEAR_ON_SETID: personality flags a set-id exec clears */
};

/* prepare_binprm's bprm_fill_uid, then cap_bprm_set_creds, for the image at host path `file`
 * (a script's interpreter, not the script): the file's set-user-ID bit makes its owner the
 * effective uid, its set-group-ID bit with group execute its group the effective gid, unless
 * the file system is mounted nosuid or the task has no_new_privs; its file capabilities (the
 * security.capability xattr) give the permitted set (bounding & fP) | (inheritable & fI),
 * effective too with their effective flag; uid 0 (real or effective, unless SECBIT_NOROOT, and
 * not for a set-user-ID root file with capabilities run by another user) makes the old bounding
 * and inheritable sets permitted instead, and effective too for an effective uid of 0; a
 * set-id exec or file capabilities clear the ambient set.
 * A task that is ptraced by a tracer without CAP_SYS_PTRACE, has no_new_privs or shares its
 * fs_struct with another process (check_unsafe_exec) gets no more than it had: without
 * CAP_SETUID (or with no_new_privs) its effective ids stay its real ones, its permitted set
 * within the old. The saved and fs ids become the effective ones. Only reads p. 0, or the
 * errno that fails the exec: -EPERM for file capabilities marked effective that the bounding
 * set does not allow all of, -EINVAL for a malformed xattr. */
long cred_prepare_exec(const struct proc *p, const char *file, struct exec_cred *bc);

/* install_exec_creds: bc (from cred_prepare_exec) becomes p's credentials. Called with the new
 * mm in place, before securebits' KEEP_CAPS is cleared: its dumpability is set too
 * (setup_new_exec with the caller's ids, then commit_creds; an image the task could not read,
 * `unreadable`, leaves it undumpable: would_dump), and a set-id exec clears the parent-death
 * signal and PER_CLEAR_ON_SETID of the personality. */
void cred_exec(struct proc *p, const struct exec_cred *bc, bool unreadable);

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
