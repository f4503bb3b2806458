/*
 * madvise.c - advice about a range (models mm/madvise.c of Linux 4.20).
 *
 * MADV_DONTNEED is the one that changes memory: the PTEs go, so the next touch of an anonymous
 * page faults in a zero-filled page and a file page comes back from the page cache. Advice that
 * only tunes readahead or huge pages is accepted and has no effect in the model.
 */
#include <errno.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"

static bool madvise_behavior_valid(int behavior)
{
    switch (behavior) {
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_REMOVE:
    case MADV_DONTFORK:
    case MADV_DOFORK:
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
        return true;
    default:
        return false;
    }
}

/* madvise(2): -EINVAL for bad arguments, -ENOMEM if part of the range is unmapped (after acting
 * on the mapped parts, as Linux does). */
int do_madvise(struct mm_struct *mm, unsigned long start, unsigned long len, int behavior)
{
    if ((start & ~PAGE_MASK) || !madvise_behavior_valid(behavior))
        return -EINVAL;
    unsigned long end = start + PAGE_ALIGN(len);
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;

    int unmapped_error = 0;
    struct vm_area_struct *vma = find_vma(mm, start);
    unsigned long addr = start;
    while (addr < end) {
        if (!vma)
            return -ENOMEM;
        if (vma->vm_start > addr) {
            unmapped_error = -ENOMEM;
            addr = vma->vm_start;
            if (addr >= end)
                break;
        }
        unsigned long tmp = vma->vm_end < end ? vma->vm_end : end;
        if (behavior == MADV_DONTNEED) {
            if (vma->vm_flags & VM_LOCKED)
                return -EINVAL;
            zap_page_range(vma, addr, tmp);
        }
        addr = tmp;
        vma = vma->vm_next;
    }
    CHECK_MM(mm, "do_madvise");
    return unmapped_error;
}
