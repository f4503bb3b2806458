/*
 * sys_shm.c - System V shared memory: shmget, shmat, shmdt, shmctl (ipc/shm.c).
 *
 * A segment is a shmem file of the model ("/SYSV<key> (deleted)" in /proc/PID/maps, as in
 * Linux), and shmat maps it MAP_SHARED into the caller's mm with do_mmap, so its pages are
 * faulted in by do_shared_fault and shared by every process that attaches it or inherits the
 * attachment across fork. The table of segments is the emulated machine's (one IPC namespace),
 * kept here; the number of attaches is the number of VMAs that map the segment's file, counted
 * when asked (Linux counts in the VMA's open/close). A segment removed with IPC_RMID goes when
 * its last attach does; segments live as long as faultline, not beyond it as on a real host.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "emu/syscall.h"
#include "emu/sysv_ipc.h"
#include "emu/text.h"
#include "kernel_model/mm.h"
#include "kernel_model/mman.h"
#include "emu/uio.h"

#define SHM_SEGMENTS   4096        /* SHMMNI */
#define SEQ_MULTIPLIER 32768       /* ids are seq * SEQ_MULTIPLIER + slot, as ipc_buildid */
#define SHMMAX_BYTES   (1UL << 46) /* no practical limit, as Linux's default */

struct shm_segment {
    struct file *file; /* the segment's own reference; NULL: slot free */
    struct ipc_perm perm;
    unsigned seq; /* the id's upper part; perm.__seq is its low 16 bits */
    bool removed; /* IPC_RMID: gone once nothing maps it */
    size_t size;
    int cpid, lpid;
    time_t atime, dtime, ctime;
};

static struct shm_segment segs[SHM_SEGMENTS];
static unsigned next_seq;

static int seg_id(const struct shm_segment *s)
{
    return (int)(s->seq * SEQ_MULTIPLIER + (unsigned)(s - segs));
}

static struct shm_segment *seg_by_id(int id)
{
    struct shm_segment *s;

    if (id < 0)
        return NULL;
    s = &segs[(unsigned)id % SEQ_MULTIPLIER % SHM_SEGMENTS];
    return s->file && seg_id(s) == id ? s : NULL;
}

static unsigned long nattch(const struct shm_segment *s)
{
    return mapping_nr_vmas(s->file->f_mapping);
}

/* shm_destroy for a removed segment nothing maps any more (its pages go with the file). */
static void reap(struct shm_segment *s)
{
    if (s->file && s->removed && nattch(s) == 0) {
        fput(s->file);
        s->file = NULL;
    }
}

static void reap_all(void)
{
    for (int i = 0; i < SHM_SEGMENTS; i++)
        reap(&segs[i]);
}

static long newseg(struct proc *p, int key, size_t size, int flags)
{
    struct shm_segment *s = NULL;
    char name[32];

    if (size < 1 || size > SHMMAX_BYTES)
        return -EINVAL;
    for (int i = 0; i < SHM_SEGMENTS && !s; i++)
        if (!segs[i].file)
            s = &segs[i];
    if (!s)
        return -ENOSPC;
    snprintf(name, sizeof(name), "SYSV%08x", (unsigned)key);
    memset(s, 0, sizeof(*s));
    /* shmem_kernel_file_setup charges the segment unless SHM_NORESERVE (shmem_acct_size) */
    s->file = shmem_file_setup(p->task.mm, name, size, (flags & SHM_NORESERVE) ? VM_NORESERVE : 0);
    if (!s->file)
        return -ENOMEM;
    s->file->f_vm_ops = &shm_vm_ops; /* shm_mmap's, without shmem's fault-around */
    s->seq = next_seq++ % (INT_MAX / SEQ_MULTIPLIER);
    ipc_perm_init(&s->perm, p, key, flags, s->seq);
    s->size = size;
    s->cpid = p->task.tgid;
    s->ctime = time(NULL);
    return seg_id(s);
}

/* shmget(key, size, flags) */
long sys_shmget(struct proc *p, const uint64_t a[6])
{
    int key = (int)a[0], flags = (int)a[2];
    size_t size = (size_t)a[1];

    reap_all();
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < SHM_SEGMENTS; i++) {
            struct shm_segment *s = &segs[i];
            if (!s->file || s->removed || s->perm.__key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            if (size > s->size)
                return -EINVAL;
            if (!ipc_permitted(p, &s->perm, flags))
                return -EACCES;
            return seg_id(s);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    return newseg(p, key, size, flags);
}

/* shmat(id, addr, flags): the segment mapped MAP_SHARED at addr (rounded down to SHMLBA with
 * SHM_RND), or where the kernel chooses for 0. */
long sys_shmat(struct proc *p, const uint64_t a[6])
{
    struct shm_segment *s = seg_by_id((int)a[0]);
    unsigned long addr = a[1];
    int flags = (int)a[2];
    unsigned long prot =
        PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE) | ((flags & SHM_EXEC) ? PROT_EXEC : 0);
    unsigned long mflags = MAP_SHARED;
    long r;

    if (!s)
        return -EINVAL;
    if (addr) {
        if (addr & (PAGE_SIZE - 1)) {
            if (!(flags & SHM_RND))
                return -EINVAL;
            addr &= PAGE_MASK; /* SHMLBA is the page size on x86-64 */
        }
        mflags |= MAP_FIXED;
        if (!(flags & SHM_REMAP))
            mflags |= MAP_FIXED_NOREPLACE;
    } else if (flags & SHM_REMAP) {
        return -EINVAL;
    }
    /* do_shmat: the address is checked first, then the access */
    if (!ipc_permitted(p, &s->perm,
                       0444 | ((flags & SHM_RDONLY) ? 0 : 0222) | ((flags & SHM_EXEC) ? 0111 : 0)))
        return -EACCES;
    r = do_mmap(p->task.mm, s->file, addr, s->size, prot, mflags, 0);
    if (r == -EEXIST)
        r = -EINVAL; /* do_shmat: an occupied range without SHM_REMAP */
    if (r >= 0) {
        s->atime = time(NULL);
        s->lpid = p->task.tgid;
    }
    return r;
}

/* shmdt(addr): unmap the attach that starts at addr (every VMA of that segment's file from there
 * on, as far as the segment's size reaches). */
long sys_shmdt(struct proc *p, const uint64_t a[6])
{
    struct mm_struct *mm = p->task.mm;
    unsigned long addr = a[0];
    struct vm_area_struct *vma = find_vma(mm, addr);
    struct shm_segment *s = NULL;
    unsigned long end;

    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!vma || vma->vm_start != addr || !vma->vm_file || vma->vm_pgoff != 0)
        return -EINVAL;
    for (int i = 0; i < SHM_SEGMENTS && !s; i++)
        if (segs[i].file && segs[i].file->f_mapping == vma->vm_file->f_mapping)
            s = &segs[i];
    if (!s)
        return -EINVAL;
    end = addr + PAGE_ALIGN(s->size);
    while (vma && vma->vm_start < end && vma->vm_file &&
           vma->vm_file->f_mapping == s->file->f_mapping) {
        unsigned long stop = vma->vm_end;
        do_munmap(mm, vma->vm_start, stop - vma->vm_start);
        vma = find_vma(mm, stop);
    }
    s->dtime = time(NULL);
    s->lpid = p->task.tgid;
    reap(s);
    return 0;
}

/* shmctl(id, cmd, buf): IPC_STAT, IPC_SET (owner and mode), IPC_RMID. */
/* shmctl's IPC_INFO (the limits) and SHM_INFO (what is in use): both return the highest slot
 * in use (ipc_get_maxidx), for SHM_STAT to walk. */
static long shm_info(struct proc *p, int cmd, uint64_t ubuf)
{
    int max_idx = 0;
    unsigned long ids = 0, pages = 0, rss = 0;
    for (int i = 0; i < SHM_SEGMENTS; i++) {
        if (!segs[i].file)
            continue;
        max_idx = i;
        ids++;
        pages += (segs[i].size + PAGE_SIZE - 1) / PAGE_SIZE;
        rss += segs[i].file->f_mapping->nrpages;
    }
    if (cmd == IPC_INFO) {
        struct shminfo si = {.shmmax = ULONG_MAX - (1UL << 24), /* SHMMAX, SHMALL: 4.20's */
                             .shmmin = 1,
                             .shmmni = SHM_SEGMENTS, /* the model's table */
                             .shmseg = SHM_SEGMENTS,
                             .shmall = ULONG_MAX - (1UL << 24)};
        if (put_user_struct(p, ubuf, &si, sizeof(si)))
            return -EFAULT;
    } else {
        struct shm_info si = {.used_ids = (int)ids, .shm_tot = pages, .shm_rss = rss};
        if (put_user_struct(p, ubuf, &si, sizeof(si)))
            return -EFAULT;
    }
    return max_idx;
}

long sys_shmctl(struct proc *p, const uint64_t a[6])
{
    struct shm_segment *s = seg_by_id((int)a[0]);
    int cmd = (int)a[1] & ~0x100; /* IPC_64 */
    struct shmid_ds ds;

    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return shm_info(p, cmd, a[2]);
    if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) { /* a[0] is a slot index, and the id returned */
        s = a[0] < SHM_SEGMENTS && segs[a[0]].file ? &segs[a[0]] : NULL;
        if (!s)
            return -EINVAL;
    }
    if (!s)
        return -EINVAL;
    switch (cmd) {
    case SHM_STAT:
    case SHM_STAT_ANY:
    case IPC_STAT:
        if (cmd != SHM_STAT_ANY && !ipc_permitted(p, &s->perm, 0444))
            return -EACCES;
        memset(&ds, 0, sizeof(ds));
        ds.shm_perm = s->perm;
        if (s->removed) /* a removed segment has lost its key, and says why */
            ds.shm_perm.__key = IPC_PRIVATE, ds.shm_perm.mode |= SHM_DEST;
        ds.shm_segsz = s->size;
        ds.shm_atime = s->atime;
        ds.shm_dtime = s->dtime;
        ds.shm_ctime = s->ctime;
        ds.shm_cpid = s->cpid;
        ds.shm_lpid = s->lpid;
        ds.shm_nattch = nattch(s);
        if (put_user_struct(p, a[2], &ds, sizeof(ds)))
            return -EFAULT;
        return cmd == IPC_STAT ? 0 : seg_id(s);
    case IPC_SET:
        if (get_user_struct(p, &ds, a[2], sizeof(ds)))
            return -EFAULT;
        if (!ipc_owner(p, &s->perm))
            return -EPERM;
        ipc_update_perm(&s->perm, &ds.shm_perm);
        s->ctime = time(NULL);
        return 0;
    case IPC_RMID:
        if (!ipc_owner(p, &s->perm))
            return -EPERM;
        s->removed = true;
        s->ctime = time(NULL);
        reap(s);
        return 0;
    default:
        return -EINVAL;
    }
}

int sysvipc_shm_proc(void)
{
    struct text t = {0};

    /* sysvipc_shm_proc_show's columns (64-bit SIZE_SPEC); rss is the segment's pages in the
     * model's page cache, swap 0: shared memory is never reclaimed here */
    text_printf(&t,
                "       key      shmid perms                  size  cpid  lpid nattch   uid   gid "
                " cuid  cgid      atime      dtime      ctime                   rss           "
                "       swap\n");
    for (int i = 0; i < SHM_SEGMENTS; i++) {
        const struct shm_segment *s = &segs[i];
        if (!s->file)
            continue;
        text_printf(&t,
                    "%10d %10d  %4o %21zu %5d %5d  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu "
                    "%21lu\n",
                    s->perm.__key, seg_id(s), s->perm.mode | (s->removed ? SHM_DEST : 0), s->size,
                    s->cpid, s->lpid, nattch(s), s->perm.uid, s->perm.gid, s->perm.cuid,
                    s->perm.cgid, (unsigned long long)s->atime, (unsigned long long)s->dtime,
                    (unsigned long long)s->ctime, s->file->f_mapping->nrpages * PAGE_SIZE, 0UL);
    }
    return text_to_fd(&t, "sysvipc_shm");
}
