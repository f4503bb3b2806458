/*
 * mlock.c - locking pages in memory (models mm/mlock.c of Linux 4.20).
 *
 * mlock sets VM_LOCKED on the VMAs of a range (splitting and merging them as mprotect does) and
 * faults their pages in; reclaim then leaves every page mapped by a VM_LOCKED VMA where it is
 * (vmscan.c: Linux moves such pages to the unevictable list). mlock2(MLOCK_ONFAULT) adds
 * VM_LOCKONFAULT: nothing is faulted in, pages are locked as they fault. mlockall(MCL_FUTURE)
 * puts VM_LOCKED into mm->def_flags, which every later mmap and brk takes.
 *
 * Linux keeps mm->locked_vm up to date through every unmap and remap; the model only needs the
 * number when checking RLIMIT_MEMLOCK, so it counts the locked VMAs then (count_mm_mlocked).
 */
#include <errno.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"

#define VM_LOCKED_CLEAR_MASK (~(VM_LOCKED | VM_LOCKONFAULT))

/* Pages in VM_LOCKED VMAs of mm, within [start, end) (end 0: all). */
static unsigned long count_mm_mlocked(struct mm_struct *mm, unsigned long start, unsigned long end)
{
    unsigned long n = 0;

    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
        unsigned long s = v->vm_start > start ? v->vm_start : start;
        unsigned long e = end && v->vm_end > end ? end : v->vm_end;

        if ((v->vm_flags & VM_LOCKED) && s < e)
            n += (e - s) >> PAGE_SHIFT;
    }
    return n;
}

unsigned long mm_locked_pages(struct mm_struct *mm)
{
    return count_mm_mlocked(mm, 0, 0);
}

/*
 * mlock_fixup - give [start, end) of vma the lock bits in newflags: split the VMA at the ends,
 * set its flags and merge with neighbours that now match. Special mappings (the vsyscall page
 * is not a VMA here) have nothing to lock. Leaves *pprev at the VMA that covers the range.
 */
static int mlock_fixup(struct vm_area_struct *vma, struct vm_area_struct **pprev,
                       unsigned long start, unsigned long end, unsigned long newflags)
{
    struct mm_struct *mm = vma->vm_mm;
    int err;

    if (newflags == vma->vm_flags) {
        *pprev = vma;
        return 0;
    }
    err = vma_split_range(mm, vma, start, end);
    if (err)
        return err;
    vma->vm_flags = newflags;
    *pprev = vma_merge_neighbours(mm, vma);
    return 0;
}

/* One VMA's piece: its flags with the lock bits `flags` (VM_LOCKED[|VM_LOCKONFAULT] or 0). */
static int mlock_one(struct vm_area_struct *vma, struct vm_area_struct **pprev, unsigned long start,
                     unsigned long end, void *flags)
{
    return mlock_fixup(vma, pprev, start, end,
                       (vma->vm_flags & VM_LOCKED_CLEAR_MASK) | *(unsigned long *)flags);
}

/* apply_vma_lock_flags: every page of [start, start + len) must be mapped (-ENOMEM). */
static int apply_vma_lock_flags(struct mm_struct *mm, unsigned long start, unsigned long len,
                                unsigned long flags)
{
    return vma_range_apply(mm, start, start + len, mlock_one, &flags);
}

int do_mlock(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags,
             unsigned long lock_limit)
{
    unsigned long end;
    int err;

    len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
    start &= PAGE_MASK;
    end = start + len;
    if (end < start)
        return -EINVAL;
    if (!len)
        return 0;
    /* what is locked already in the range does not count twice */
    if ((len >> PAGE_SHIFT) + count_mm_mlocked(mm, 0, 0) - count_mm_mlocked(mm, start, end) >
        lock_limit >> PAGE_SHIFT)
        return -ENOMEM;
    err = apply_vma_lock_flags(mm, start, len, flags);
    CHECK_MM(mm, "do_mlock");
    if (err)
        return err;
    err = __mm_populate(mm, start, len, 0);
    /* __mlock_posix_error_return: POSIX wants ENOMEM for an unmapped range, EAGAIN for memory */
    if (err == -EFAULT)
        return -ENOMEM;
    if (err == -ENOMEM)
        return -EAGAIN;
    return err;
}

int do_munlock(struct mm_struct *mm, unsigned long start, unsigned long len)
{
    int err;

    len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
    start &= PAGE_MASK;
    if (start + len < start)
        return -EINVAL;
    if (!len)
        return 0;
    err = apply_vma_lock_flags(mm, start, len, 0);
    CHECK_MM(mm, "do_munlock");
    return err;
}

/* apply_mlockall_flags: MCL_FUTURE into def_flags, MCL_CURRENT onto every VMA (0: unlock all). */
static void apply_mlockall_flags(struct mm_struct *mm, int flags)
{
    unsigned long to_add = 0;
    struct vm_area_struct *prev = NULL;

    mm->def_flags &= VM_LOCKED_CLEAR_MASK;
    if (flags & MCL_FUTURE) {
        mm->def_flags |= VM_LOCKED;
        if (flags & MCL_ONFAULT)
            mm->def_flags |= VM_LOCKONFAULT;
    }
    if (flags & MCL_CURRENT) {
        to_add = VM_LOCKED;
        if (flags & MCL_ONFAULT)
            to_add |= VM_LOCKONFAULT;
    }
    for (struct vm_area_struct *vma = mm->mmap; vma; vma = prev->vm_next) {
        unsigned long newflags = (vma->vm_flags & VM_LOCKED_CLEAR_MASK) | to_add;

        if (mlock_fixup(vma, &prev, vma->vm_start, vma->vm_end, newflags))
            break; /* Linux ignores errors here */
    }
}

int do_mlockall(struct mm_struct *mm, int flags, unsigned long lock_limit)
{
    if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
        return -EINVAL;
    if ((flags & MCL_CURRENT) && mm->total_vm > lock_limit >> PAGE_SHIFT)
        return -ENOMEM;
    apply_mlockall_flags(mm, flags);
    CHECK_MM(mm, "do_mlockall");
    if (flags & MCL_CURRENT)
        __mm_populate(mm, 0, mm->task_size, 1);
    return 0;
}

int do_munlockall(struct mm_struct *mm)
{
    apply_mlockall_flags(mm, 0);
    CHECK_MM(mm, "do_munlockall");
    return 0;
}
