/*
 * gup.c - faulting a range in without an access (models mm/gup.c of Linux 4.20: __mm_populate,
 * populate_vma_page_range and the part of __get_user_pages they use).
 *
 * MAP_POPULATE, MAP_LOCKED, mlock and mlockall fault their pages in up front. Linux does it with
 * get_user_pages: for each page, follow the page table; when there is no page (or, for a
 * private writable mapping, no writable one) call handle_mm_fault as a fault would. These calls
 * are not page faults: no exception, and the fault log records nothing; but each counts in the
 * task's min_flt or maj_flt (getrusage, /proc/PID/stat), as faultin_page counts it.
 */
#include <errno.h>

#ifndef ERESTARTSYS
#define ERESTARTSYS 512 /* include/linux/errno.h: never seen by user space */
#endif

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

/* follow_page_mask's question: is the PTE there the way the access needs (present, and
 * writable when write is set)? */
static bool pte_ok_for(const pte_t *pte, bool write)
{
    return pte && pte_present(*pte) && (!write || pte_write(*pte));
}

/*
 * __get_user_pages' loop over [start, end) of vma (page aligned, inside it): each page whose
 * PTE does not allow the access (write or read) is faulted in through handle_mm_fault with
 * fault_flags added, and counted in tsk's min_flt or maj_flt (faultin_page). Expects: the VMA
 * list stable, the access allowed by vma. Leaves: the pages present, or returns -ENOMEM (out of
 * memory), -EFAULT (SIGBUS/SIGSEGV: past the end of a file) or -ERESTARTSYS (SIGKILL pending)
 * at the first page that could not be had.
 */
static long faultin_range(struct task_struct *tsk, struct vm_area_struct *vma, unsigned long start,
                          unsigned long end, bool write, unsigned int fault_flags)
{
    for (unsigned long addr = start; addr < end; addr += PAGE_SIZE) {
        /* __get_user_pages: a pending SIGKILL stops the faulting and the allocating */
        if (fatal_signal_pending(vma->vm_mm->owner))
            return -ERESTARTSYS;
        bool huge;
        pte_t pte = lookup_leaf(vma->vm_mm, addr, &huge);

        if (!pte_ok_for(&pte, write)) {
            vm_fault_t ret =
                handle_mm_fault(vma, addr, fault_flags | (write ? FAULT_FLAG_WRITE : 0));
            if (ret & VM_FAULT_OOM)
                return -ENOMEM;
            if (ret & VM_FAULT_ERROR)
                return -EFAULT;
            /* faultin_page: the fault counts in the caller's min_flt or maj_flt (4.20 and the
             * host alike: mlock or MAP_POPULATE of 64 pages is 64 minor faults in getrusage) */
            if (tsk && !(ret & VM_FAULT_RETRY)) {
                if (ret & VM_FAULT_MAJOR)
                    tsk->maj_flt++;
                else
                    tsk->min_flt++;
            }
            pte = lookup_leaf(vma->vm_mm, addr, &huge);
        }
        /* follow_page_pte with FOLL_TOUCH: mark_page_accessed (not the zero pages) */
        if (pte_present(pte) && !pte_special(pte) && !(huge && is_huge_zero_pfn(pte_pfn(pte))))
            mark_page_accessed(compound_head(pfn_to_page(pte_pfn(pte))));
    }
    return 0;
}

/*
 * populate_vma_page_range - fault in [start, end) of vma (page aligned, inside it). A private
 * writable mapping is faulted for write, so each page gets its own copy (FOLL_WRITE breaks COW
 * the way a store would); anything else for read. A PROT_NONE mapping is -EFAULT, untouched.
 * The faults count to the caller, Linux's current; the model has none outside a fault, so the
 * mm's owner stands in (the caller itself in a single-threaded process; the process's sum,
 * RUSAGE_SELF, is the same either way). Returns as faultin_range.
 */
static long populate_vma_page_range(struct vm_area_struct *vma, unsigned long start,
                                    unsigned long end)
{
    bool write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;

    /* check_vma_flags: a PROT_NONE mapping cannot be faulted in (mlock: ENOMEM) */
    if (!(vma->vm_flags & VM_ACCESS_FLAGS))
        return -EFAULT;
    return faultin_range(vma->vm_mm->owner, vma, start, end, write, 0);
}

long get_user_pages_remote(struct task_struct *tsk, struct mm_struct *mm, unsigned long start,
                           unsigned long nr_pages, unsigned int gup_flags)
{
    bool write = gup_flags & FOLL_WRITE;

    start &= PAGE_MASK;
    for (unsigned long i = 0; i < nr_pages; i++) {
        unsigned long addr = start + i * PAGE_SIZE;
        struct vm_area_struct *vma = find_vma(mm, addr);
        /* check_vma_flags: a write needs VM_WRITE, or FOLL_FORCE on a COW mapping; a read
         * VM_READ, or FOLL_FORCE on anything but PROT_NONE */
        if (!vma || addr < vma->vm_start)
            return -EFAULT;
        if (write && !(vma->vm_flags & VM_WRITE) &&
            !((gup_flags & FOLL_FORCE) &&
              (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE))
            return -EFAULT;
        if (!write && !(vma->vm_flags & VM_READ) &&
            !((gup_flags & FOLL_FORCE) && (vma->vm_flags & VM_ACCESS_FLAGS)))
            return -EFAULT;
        long ret = faultin_range(tsk, vma, addr, addr + PAGE_SIZE, write, FAULT_FLAG_REMOTE);
        if (ret < 0)
            return ret;
    }
    return 0;
}

int __mm_populate(struct mm_struct *mm, unsigned long start, unsigned long len, int ignore_errors)
{
    unsigned long end = start + len;

    for (unsigned long nstart = start; nstart < end;) {
        struct vm_area_struct *vma = find_vma(mm, nstart);
        unsigned long nend;
        long ret;

        if (!vma || vma->vm_start >= end)
            break;
        if (nstart < vma->vm_start)
            nstart = vma->vm_start;
        nend = vma->vm_end < end ? vma->vm_end : end;
        /* mlock2(MLOCK_ONFAULT) and mlockall(MCL_ONFAULT) lock pages as they fault */
        ret = (vma->vm_flags & VM_LOCKONFAULT) ? 0 : populate_vma_page_range(vma, nstart, nend);
        if (ret < 0 && !ignore_errors)
            return (int)ret;
        nstart = nend;
    }
    return 0;
}
