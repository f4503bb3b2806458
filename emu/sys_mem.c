/*
 * sys_mem.c - the memory syscalls: argument checks at the syscall boundary, then the model
 * (mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c) does the work.
 */
#include <errno.h>

#include "emu/fdtable.h"
#include "emu/hostfile.h"
#include "emu/linux_abi.h"
#include "emu/syscall.h"
#include "kernel_model/mm.h"
#include "mmu/uaccess.h"

#include <fcntl.h>

long sys_brk(struct proc *p, const uint64_t a[6])
{
    return (long)do_brk(p->task.mm, a[0]);
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
        file = hostfile_map_file(o->hostfd, o->path, acc != O_WRONLY,
                                 acc == O_RDWR && !(o->flags & O_APPEND));
        if (!file)
            return errno == ENODEV ? -ENODEV : -EACCES;
    }
    long ret = do_mmap(p->task.mm, file, addr, len, prot, flags, off >> PAGE_SHIFT);
    if (file)
        fput(file); /* the VMA took its own reference */
    if (ret >= 0 && (flags & MAP_POPULATE)) {
        /* mm_populate: fault the pages in now; failures are ignored as Linux does */
        for (uint64_t va = ret; va < (uint64_t)ret + PAGE_ALIGN(len); va += PAGE_SIZE) {
            char c;
            if (copy_from_user(&p->task, &c, va, 1))
                break;
        }
    }
    return ret;
}

long sys_munmap(struct proc *p, const uint64_t a[6])
{
    return do_munmap(p->task.mm, a[0], a[1]);
}

long sys_mprotect(struct proc *p, const uint64_t a[6])
{
    return do_mprotect(p->task.mm, a[0], a[1], a[2]);
}

long sys_mremap(struct proc *p, const uint64_t a[6])
{
    return do_mremap(p->task.mm, a[0], a[1], a[2], a[3], a[4]);
}

long sys_madvise(struct proc *p, const uint64_t a[6])
{
    return do_madvise(p->task.mm, a[0], a[1], (int)a[2]);
}
