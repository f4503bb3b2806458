/*
 * mm_tunables.h - the /proc/sys/vm and /sys/kernel/mm/transparent_hugepage files of the
 * tunables the model implements.
 *
 * The guest's /proc/sys and /sys pass through to the host's, but where the model has a tunable
 * of its own (vm.overcommit_*, vm.page-cluster, the THP mode, khugepaged's ...) the host's value
 * would be wrong to read and harmful to write: a root guest's `echo 2 >
 * /proc/sys/vm/overcommit_memory` or `echo never > /sys/kernel/mm/transparent_hugepage/enabled`
 * would change the host. Those files are served from the model's variables, read and written as
 * Linux's handlers do (kernel/sysctl.c's proc_dointvec* and proc_doulongvec_minmax;
 * mm/huge_memory.c's sysfs stores).
 */
#ifndef FL_EMU_MM_TUNABLES_H
#define FL_EMU_MM_TUNABLES_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* The transparent_hugepage directory: a name relative to it (a guest whose cwd it is) is made
 * absolute by proc_absolute, so that the model's files are found from there too. */
#define MM_TUNABLES_THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* Is path (absolute, as procfs_open gets it; "..", "." and "//" in it are walked) one of
 * the model's tunable files? */
bool mm_tunable_owns(const char *path);

/* Is path (absolute) under MM_TUNABLES_THP_DIR a file or directory a later kernel has and 4.20
 * does not (khugepaged/max_ptes_shared, hugepages-64kB, ...)? The guest gets ENOENT: it is not
 * the machine's, and a root guest's write would change the host's. */
bool mm_tunable_absent(const char *path);

/* In a listing of dir (MM_TUNABLES_THP_DIR or its khugepaged/), is the host's entry name one
 * that 4.20 does not have? */
bool mm_tunable_hidden(const char *dir, const char *name);

/* Open it for p: a memfd holding the value as Linux prints it, or -EACCES for a write open by
 * a task that may not write it (a /proc/sys file: euid not 0, proc_sys_permission's test_perm;
 * a sysfs file: neither fsuid 0 nor CAP_DAC_OVERRIDE). */
int mm_tunable_open(struct proc *p, const char *path, int flags);

/* write/pwrite of count bytes at ubuf to the tunable file path at file position pos: the value
 * parsed and stored as its handler would (bytes consumed, or -EINVAL/-EFAULT). A sysctl write
 * past position 0 is ignored and reports count (sysctl_writes_strict). */
long mm_tunable_write(struct proc *p, const char *path, uint64_t ubuf, uint64_t count, int64_t pos);

#endif
