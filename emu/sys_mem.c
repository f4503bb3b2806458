/*
 * sys_mem.c - the memory syscalls: argument checks at the syscall boundary, then the model
 * (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/msync.c, mm/mincore.c, mm/mlock.c)
 * does the work;
 * membarrier (kernel/sched/membarrier.c), which needs no model state.
 */
#include <errno.h>

#include "emu/fdtable.h"
#include "emu/hostfile.h"
#include "emu/linux_abi.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"
#include "mmu/uaccess.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

long sys_brk(struct proc *p, const uint64_t a[6])
{
    return (long)do_brk(p->task.mm, a[0]);
}

/* /dev/zero (the mem device 1:5): its mmap (drivers/char/mem.c's mmap_zero) makes no file
 * mapping. */
static bool is_dev_zero(const struct ofd *o)
{
    struct stat st;
    return o->type == S_IFCHR && o->fills_reads && fstat(o->hostfd, &st) == 0 &&
           major(st.st_rdev) == 1 && minor(st.st_rdev) == 5;
}

/* do_mmap's checks of the fd's mode (a shared mapping of a read-only fd is a private one), then
 * mmap_zero: a shared mapping becomes shared anonymous memory (shmem_zero_setup, "/dev/zero
 * (deleted)" in maps, as in Linux) and a private one anonymous memory (vma_set_anonymous;
 * Linux keeps /dev/zero as the VMA's file for /proc/PID/maps, the model shows it unnamed).
 * 0 with *flags rewritten to the anonymous mapping's, or -errno. */
static long dev_zero_flags(int acc, uint64_t prot, uint64_t *flags)
{
    uint64_t type = *flags & MAP_TYPE;
    bool shared = false;

    if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) {
        if ((prot & PROT_WRITE) && acc == O_RDONLY)
            return -EACCES;
        shared = acc != O_RDONLY;
    } else if (type != MAP_PRIVATE) {
        return -EINVAL;
    }
    if (acc == O_WRONLY)
        return -EACCES;
    *flags = (*flags & ~(uint64_t)MAP_TYPE) | MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE);
    return 0;
}

/* IS_APPEND: the host inode's append-only attribute */
static bool host_append_only(int hostfd)
{
    int attr = 0;
    return ioctl(hostfd, FS_IOC_GETFLAGS, &attr) == 0 && (attr & FS_APPEND_FL);
}

/* mmap(2) (ksys_mmap_pgoff): the offset must be page aligned; a file mapping needs an fd whose
 * open mode allows the access. */
long sys_mmap(struct proc *p, const uint64_t a[6])
{
    uint64_t addr = a[0], len = a[1], prot = a[2], flags = a[3], off = a[5];
    int fd = (int)a[4];
    struct file *file = NULL;

    if (off & ~PAGE_MASK)
        return -EINVAL;
    if (!(flags & MAP_ANONYMOUS)) {
        struct ofd *o = fd_get(p->files, fd);
        if (!o)
            return -EBADF;
        int acc = o->flags & O_ACCMODE;
        /* ksys_mmap_pgoff: MAP_HUGETLB needs a hugetlbfs file, and the model has none */
        if (flags & MAP_HUGETLB)
            return -EINVAL;
        if (is_dev_zero(o)) {
            long r = dev_zero_flags(acc, prot, &flags);
            if (r)
                return r;
        } else {
            /* a write-sealed file (memfd) cannot be mapped shared and writable: 4.20's
             * mapping_map_writable fails with EPERM once F_SEAL_WRITE made i_mmap_writable
             * negative */
            uint64_t type = flags & MAP_TYPE;
            bool writable = acc == O_RDWR;
            if (type != MAP_PRIVATE) {
                int seals = fcntl(o->hostfd, F_GET_SEALS);
                if (seals >= 0 && (seals & F_SEAL_WRITE)) {
                    if (prot & PROT_WRITE)
                        return -EPERM;
                    writable = false; /* no VM_MAYWRITE, as Linux 6.7 maps it (4.20: EPERM) */
                }
            }
            /* do_mmap: a shared mapping of a writable fd of an append-only inode (chattr +a;
             * not O_APPEND, which a mapping does not care about) */
            if ((type == MAP_SHARED || type == MAP_SHARED_VALIDATE) && acc == O_RDWR &&
                host_append_only(o->hostfd))
                return -EACCES;
            file = hostfile_map_file(o->hostfd, o->path, acc != O_WRONLY, writable);
            if (!file)
                return errno == ENODEV ? -ENODEV : -EACCES;
            /* the open file description's own struct file, as Linux maps one fd: made afresh
             * above all the same, which looks at the host file again (its size, a change from
             * outside the guest) */
            struct file *own = o->map_file;
            if (own && own->f_mapping == file->f_mapping && own->f_readable == file->f_readable &&
                own->f_writable == file->f_writable) {
                fput(file);
                file = get_file(own);
            } else if (!own) {
                o->map_file = get_file(file);
            }
        }
    } else if (flags & MAP_HUGETLB) {
        /* ksys_mmap_pgoff: the hstate MAP_HUGE_* names (EINVAL if none), len in its pages,
         * then a hugetlbfs file whose mmap reserves the pages unless MAP_NORESERVE: the machine
         * has none to reserve (HugePages_Total 0), ENOMEM. With MAP_NORESERVE the model maps
         * a hugetlb VMA whose first touch is SIGBUS (kernel_model/hugetlb.c). */
        unsigned long hsize = hstate_size_from_flags(flags);
        if (!hsize)
            return -EINVAL;
        if (len > ~0UL - hsize)
            return -ENOMEM;
        len = (len + hsize - 1) & ~(hsize - 1);
        if (!(flags & MAP_NORESERVE))
            return -ENOMEM;
    }
    long ret = do_mmap(p->task.mm, file, addr, len, prot, flags, off >> PAGE_SHIFT);
    if (file)
        fput(file); /* the VMA took its own reference */
    /* vm_mmap_pgoff: MAP_POPULATE, and a locked mapping (MAP_LOCKED, mlockall(MCL_FUTURE)),
     * are faulted in now; failures are ignored as Linux does */
    if (ret >= 0) {
        struct vm_area_struct *vma = find_vma(p->task.mm, (unsigned long)ret);
        if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE ||
            (vma && (vma->vm_flags & VM_LOCKED)))
            __mm_populate(p->task.mm, (unsigned long)ret, PAGE_ALIGN(len), 1);
    }
    return ret;
}

/* RLIMIT_MEMLOCK in bytes for the mlock calls, or ULONG_MAX with CAP_IPC_LOCK (root: the guest
 * runs with faultline's credentials). 0 means the caller may not lock at all (can_do_mlock). */
static unsigned long mlock_limit(void)
{
    struct rlimit rl;

    if (geteuid() == 0)
        return ULONG_MAX;
    if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
        return ULONG_MAX;
    return (unsigned long)rl.rlim_cur;
}

long sys_mlock2(struct proc *p, const uint64_t a[6])
{
    unsigned long limit = mlock_limit();

    if (a[2] & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    if (!limit)
        return -EPERM;
    return do_mlock(p->task.mm, a[0], a[1],
                    VM_LOCKED | ((a[2] & MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0), limit);
}

long sys_mlock(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], a[1], 0}; /* mlock2 without flags */
    return sys_mlock2(p, b);
}

long sys_munlock(struct proc *p, const uint64_t a[6])
{
    return do_munlock(p->task.mm, a[0], a[1]);
}

long sys_mlockall(struct proc *p, const uint64_t a[6])
{
    unsigned long limit = mlock_limit();

    if (!limit)
        return -EPERM;
    return do_mlockall(p->task.mm, (int)a[0], limit);
}

long sys_munlockall(struct proc *p, const uint64_t a[6])
{
    (void)a;
    return do_munlockall(p->task.mm);
}

long sys_munmap(struct proc *p, const uint64_t a[6])
{
    return do_munmap(p->task.mm, a[0], a[1]);
}

long sys_mprotect(struct proc *p, const uint64_t a[6])
{
    return do_mprotect(p->task.mm, a[0], a[1], a[2]);
}

/*
 * NUMA policy (mm/mempolicy.c) on a machine of one node: every policy a program may set allows
 * only node 0, so each is accepted (when its node mask names node 0, or is empty for
 * MPOL_DEFAULT/MPOL_LOCAL) and changes nothing; get_mempolicy answers MPOL_DEFAULT and node 0.
 */
#define MPOL_DEFAULT        0
#define MPOL_LOCAL          4
#define MPOL_MAX            7          /* MPOL_PREFERRED_MANY + 1 */
#define MPOL_MODE_FLAGS     (3U << 14) /* MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES */
#define MPOL_F_NODE         (1 << 0)
#define MPOL_F_ADDR         (1 << 1)
#define MPOL_F_MEMS_ALLOWED (1 << 2)

/* A policy's mode and node mask (maxnode bits at umask) as set_mempolicy and mbind take them. */
static long check_policy(struct proc *p, uint64_t mode, uint64_t umask, uint64_t maxnode)
{
    unsigned m = (unsigned)mode & ~MPOL_MODE_FLAGS;
    uint64_t first = 0;

    if (m >= MPOL_MAX || maxnode > 1024 * 8)
        return -EINVAL;
    if (umask && maxnode > 1 && get_user_struct(p, &first, umask, sizeof(first)))
        return -EFAULT;
    if (m == MPOL_DEFAULT || m == MPOL_LOCAL)
        return first ? -EINVAL : 0;
    return (first & 1) ? 0 : -EINVAL; /* the other modes need a node, and there is only 0 */
}

long sys_set_mempolicy(struct proc *p, const uint64_t a[6])
{
    return check_policy(p, a[0], a[1], a[2]);
}

long sys_mbind(struct proc *p, const uint64_t a[6])
{
    struct vm_area_struct *vma;
    unsigned long start = a[0], end = a[0] + PAGE_ALIGN(a[1]);
    long r = check_policy(p, a[2], a[3], a[4]);

    if (r)
        return r;
    if (start & ~PAGE_MASK || end < start)
        return -EINVAL;
    /* every page of the range must be mapped, as for mprotect */
    for (unsigned long addr = start; addr < end; addr = vma->vm_end) {
        vma = find_vma(p->task.mm, addr);
        if (!vma || vma->vm_start > addr)
            return -EFAULT;
    }
    return 0;
}

long sys_get_mempolicy(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[4];
    int32_t mode = MPOL_DEFAULT;
    uint64_t nodes = 0, maxnode = a[2];

    if (flags & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
        return -EINVAL;
    if ((flags & MPOL_F_MEMS_ALLOWED) && (flags & (MPOL_F_NODE | MPOL_F_ADDR)))
        return -EINVAL;
    if (flags & MPOL_F_ADDR) {
        struct vm_area_struct *vma = find_vma(p->task.mm, a[3]);
        if (!vma || vma->vm_start > a[3])
            return -EFAULT;
    }
    if (flags & MPOL_F_MEMS_ALLOWED)
        nodes = 1;
    if (a[0] && put_user_struct(p, a[0], &mode, sizeof(mode))) /* MPOL_F_NODE: node 0 too */
        return -EFAULT;
    if (a[1] && maxnode) {
        /* copy_nodes_to_user: maxnode - 1 bits, in whole longs, node 0 first, the rest zero */
        uint64_t words[128] = {nodes};
        size_t n = (size_t)((maxnode - 1 + 63) / 64) * sizeof(uint64_t);

        if (maxnode < 2 || n > sizeof(words)) /* room for node 0; at most 8192 nodes */
            return -EINVAL;
        if (put_user_struct(p, a[1], words, n))
            return -EFAULT;
    }
    return 0;
}

/*
 * Memory protection keys: the emulated CPU has no PKU (CPUID says so), so there are no keys to
 * hand out, as on such a CPU: pkey_alloc ENOSPC, pkey_free EINVAL, and pkey_mprotect accepts
 * only the default key -1, where it is mprotect.
 */
long sys_pkey_alloc(struct proc *p, const uint64_t a[6])
{
    (void)p;
    return a[0] || a[1] ? -EINVAL : -ENOSPC;
}

long sys_pkey_free(struct proc *p, const uint64_t a[6])
{
    (void)p;
    (void)a;
    return -EINVAL;
}

long sys_pkey_mprotect(struct proc *p, const uint64_t a[6])
{
    if ((int)a[3] != -1)
        return -EINVAL;
    return do_mprotect(p->task.mm, a[0], a[1], a[2]);
}

/* remap_file_pages(2): deprecated, emulated with mmap as 4.20 does (kernel_model/mmap.c) */
long sys_remap_file_pages(struct proc *p, const uint64_t a[6])
{
    unsigned long populate;
    long ret = ksys_remap_file_pages(p->task.mm, a[0], a[1], a[2], a[3], a[4], &populate);
    if (ret == 0 && populate)
        __mm_populate(p->task.mm, a[0] & PAGE_MASK, populate, 1);
    return ret;
}

long sys_mremap(struct proc *p, const uint64_t a[6])
{
    return do_mremap(p->task.mm, a[0], a[1], a[2], a[3], a[4]);
}

long sys_madvise(struct proc *p, const uint64_t a[6])
{
    return do_madvise(p->task.mm, a[0], a[1], (int)a[2]);
}

long sys_msync(struct proc *p, const uint64_t a[6])
{
    return do_msync(p->task.mm, a[0], a[1], (int)a[2]);
}

/* mincore(2): the model answers a page table's worth at a time (Linux's do_mincore batches by
 * one page of vec, too) and the bytes go to the guest with a kernel-mode write. */
long sys_mincore(struct proc *p, const uint64_t a[6])
{
    unsigned char vec[512];
    uint64_t start = a[0], pages, done = 0;

    if (start & ~PAGE_MASK)
        return -EINVAL;
    if (a[1] > TASK_SIZE_MAX || start > TASK_SIZE_MAX - a[1])
        return -ENOMEM;
    pages = PAGE_ALIGN(a[1]) >> PAGE_SHIFT;
    /* the vector must lie in the user half before anything is looked at (access_ok: a range
     * check only, so an unmapped one is still found out by the copy, after ENOMEM) */
    if (!access_ok(a[2], pages))
        return -EFAULT;
    while (done < pages) {
        uint64_t n = pages - done < sizeof(vec) ? pages - done : sizeof(vec);
        int err = do_mincore(p->task.mm, start + done * PAGE_SIZE, n, vec);
        if (err)
            return err;
        if (copy_to_user(&p->task, a[2] + done, vec, n))
            return -EFAULT;
        done += n;
    }
    return 0;
}

#define MEMBARRIER_CMD_QUERY                      0
#define MEMBARRIER_CMD_GLOBAL                     (1 << 0)
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED           (1 << 1)
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED  (1 << 2)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED          (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)

/*
 * membarrier(2) of Linux 4.20 (without the sync-core commands): the threads of a process run in
 * turn on one engine, so every barrier is already implied and each command only has to be valid.
 * QUERY reports the commands accepted. One deviation: PRIVATE_EXPEDITED without a prior
 * REGISTER_PRIVATE_EXPEDITED succeeds (Linux says -EPERM), as the model keeps no per-mm
 * membarrier state.
 */
long sys_membarrier(struct proc *p, const uint64_t a[6])
{
    const int supported = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |
                          MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |
                          MEMBARRIER_CMD_PRIVATE_EXPEDITED |
                          MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;

    (void)p;
    if (a[1])
        return -EINVAL;
    switch ((int)a[0]) {
    case MEMBARRIER_CMD_QUERY:
        return supported;
    case MEMBARRIER_CMD_GLOBAL:
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
        return 0;
    default:
        return -EINVAL;
    }
}
