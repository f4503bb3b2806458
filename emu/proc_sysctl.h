/*
 * proc_sysctl.h - the /proc/sys/vm files of the sysctls the model implements.
 *
 * The guest's /proc/sys passes through to the host's, but where the model has a sysctl of its
 * own (vm.overcommit_*, vm.page-cluster ...) the host's value would be wrong to read and
 * harmful to write: a root guest's `echo 2 > /proc/sys/vm/overcommit_memory` would change the
 * host. Those files are served from the model's variables, read and written as
 * kernel/sysctl.c's proc_dointvec* and proc_doulongvec_minmax handlers do.
 */
#ifndef FL_EMU_PROC_SYSCTL_H
#define FL_EMU_PROC_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

struct proc;
struct ofd;

/* Is path (absolute, as procfs_open gets it) one of the model's sysctl files? */
bool proc_sysctl_owns(const char *path);

/* Open it for p: a memfd holding the value and a newline, or -EACCES for a write open by a
 * task whose euid is not 0 (the files are 0644 root's; proc_sys_permission's test_perm). */
int proc_sysctl_open(struct proc *p, const char *path, int flags);

/* write/pwrite of count bytes at ubuf to o, opened on the sysctl file path, at file position
 * pos: the value parsed and stored as the handler would (bytes consumed, or -EINVAL/-EFAULT);
 * a write past position 0 is ignored and reports count (sysctl_writes_strict). */
long proc_sysctl_write(struct proc *p, const char *path, uint64_t ubuf, uint64_t count,
                       int64_t pos);

#endif
