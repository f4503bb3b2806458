/*
 * mm_tunables.h - the machine's /proc/sys/vm, and the /sys/kernel/mm/transparent_hugepage files
 * of the tunables the model implements.
 *
 * The guest's /proc/sys and /sys pass through to the host's, but a root guest's `echo 3 >
 * /proc/sys/vm/drop_caches`, `sysctl -w vm.swappiness=10` or `echo never >
 * /sys/kernel/mm/transparent_hugepage/enabled` must not change the host, and the values the
 * model runs with (its swappiness, watermarks, overcommit policy, THP mode, ...) are the ones to
 * read. So every file of Linux 4.20's /proc/sys/vm is served from here, read and written as
 * Linux's handlers do (kernel/sysctl.c's proc_dointvec* and proc_doulongvec_minmax, and the
 * handlers that act on a write: drop_caches, min_free_kbytes, ...), each with its mode; one the
 * model has no use for keeps its value here with no effect. A later kernel's files are not the
 * machine's: neither listed nor found. Of transparent_hugepage/, the model's tunables, with
 * mm/huge_memory.c's sysfs stores, and 4.20's files only.
 */
#ifndef FL_EMU_MM_TUNABLES_H
#define FL_EMU_MM_TUNABLES_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* The transparent_hugepage directory: a name relative to it (a guest whose cwd it is) is made
 * absolute by proc_absolute, so that the model's files are found from there too. */
#define MM_TUNABLES_THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* The hugetlb pools' directories, global and node0's: their hstates' files are the model's
 * empty pools (hugepages-2048kB and hugepages-1048576kB). */
#define MM_TUNABLES_HUGEPAGES_DIR      "/sys/kernel/mm/hugepages"
#define MM_TUNABLES_NODE_HUGEPAGES_DIR "/sys/devices/system/node/node0/hugepages"

/* The machine's /proc/sys/vm: all of it the model's. */
#define MM_TUNABLES_VM_DIR "/proc/sys/vm"

/* Is path (absolute, as procfs_open gets it; "..", "." and "//" in it are walked) one of
 * the model's tunable files? */
bool mm_tunable_owns(const char *path);

/* Is path (absolute) under MM_TUNABLES_VM_DIR, MM_TUNABLES_THP_DIR or a hugepages directory a file
 * or directory a later kernel has and 4.20 does not (vm/watermark_boost_factor,
 * khugepaged/max_ptes_shared, hugepages-64kB, an hstate's demote, ...)? The guest gets ENOENT from
 * open, stat, access and the rest: it is not the machine's, and a root guest's write would change
 * the host's. */
bool mm_tunable_absent(const char *path);

/* In a listing of dir (MM_TUNABLES_VM_DIR, MM_TUNABLES_THP_DIR or its khugepaged/, a hugepages
 * directory or its hstates'), is the
 * host's entry name one that 4.20 does not have? */
bool mm_tunable_hidden(const char *dir, const char *name);

/* After the host's entries of dir (MM_TUNABLES_VM_DIR), the next 4.20 file the host lacks
 * (block_dump, percpu_pagelist_fraction, ... which later kernels dropped), from *cursor (0 at
 * first; advanced), or NULL when there is none left. */
const char *mm_tunable_extra_entry(const char *dir, int *cursor);

/* For stat of path (absolute; a /proc/sys/vm file of the model's): the host file to stat, path
 * itself or, where the host lacks it, a stand-in of the same directory (overcommit_memory); and
 * the file's mode in *mode (0644, drop_caches's 0644 of 4.20, compact_memory's 0200, ...).
 * NULL and 0 for any other path. */
const char *mm_tunable_stat_path(const char *path, unsigned *mode);

/* Open it for p: a memfd holding the value as Linux prints it, or -EACCES for an open the file's
 * mode refuses to p (a /proc/sys file: proc_sys_permission's test_perm on its mode, the owner's
 * bits for euid 0, so that even root cannot read compact_memory; a sysfs file: a write open
 * needs fsuid 0 or CAP_DAC_OVERRIDE). */
int mm_tunable_open(struct proc *p, const char *path, int flags);

/* write/pwrite of count bytes at ubuf to the tunable file path at file position pos: the value
 * parsed and stored as its handler would, and what the handler does after (bytes consumed, or
 * -EINVAL/-EFAULT, -EPERM for mmap_min_addr without CAP_SYS_RAWIO). A sysctl write past
 * position 0 stores nothing and reports count (sysctl_writes_strict). */
long mm_tunable_write(struct proc *p, const char *path, uint64_t ubuf, uint64_t count, int64_t pos);

#endif
