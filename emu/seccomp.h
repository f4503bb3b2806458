/*
 * seccomp.h - secure computing (kernel/seccomp.c of Linux 4.20): strict mode and classic-BPF
 * filters run at every system call's entry (emu/seccomp.c).
 */
#ifndef FL_SECCOMP_H
#define FL_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* A filter chain: the newest filter first, prev the ones installed before it. Immutable once
 * attached, and shared (refs) by the tasks that inherited it: fork, clone, TSYNC. */
struct seccomp_filter;

/* copy_seccomp: child c has p's mode and filters. */
void seccomp_fork(struct proc *c, const struct proc *p);
/* put_seccomp_filter: p is freed. */
void seccomp_release(struct proc *p);
/* __secure_computing at the entry of system call nr with arguments a (after a tracer's
 * syscall-entry stop): true if the call must not run, *ret then being what the task gets in rax
 * (an errno, the call's number again for a SIGSYS, or nothing for a task that was killed). */
bool seccomp_syscall(struct proc *p, uint64_t nr, const uint64_t a[6], long *ret);
/* The filters p runs (/proc/PID/status' Seccomp_filters). */
int seccomp_filter_count(const struct proc *p);
/* Would p's filters answer SECCOMP_RET_TRACE for call nr (its arguments in the registers)?
 * *data is the filter's data then (PTRACE_GETEVENTMSG). */
bool seccomp_trace_wanted(struct proc *p, uint64_t nr, uint32_t *data);
/* prctl(PR_GET_SECCOMP) and prctl(PR_SET_SECCOMP, mode, filter). */
long seccomp_prctl_get(const struct proc *p);
long seccomp_prctl_set(struct proc *p, uint64_t mode, uint64_t filter);

#endif
