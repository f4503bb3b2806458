/*
 * mprotect.c - changing the rights of a range (models mm/mprotect.c of Linux 4.20).
 */
#include <errno.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"

/*
 * mprotect_fixup - give [start, end) of vma the flags newflags: split the VMA at the ends, update
 * its flags and vm_page_prot, rewrite the present PTEs, and merge with neighbours that now match.
 */
static int mprotect_fixup(struct vm_area_struct *vma, struct vm_area_struct **pprev,
                          unsigned long start, unsigned long end, unsigned long newflags)
{
    struct mm_struct *mm = vma->vm_mm;
    unsigned long oldflags = vma->vm_flags;
    int err;

    /* Memory that becomes writable for the first time is charged then (VM_ACCOUNT). Turning
     * read-only, it keeps the flag if it has anonymous pages; an anonymous VMA without any
     * (no anon_vma) has nothing to charge and loses it. 4.20 kept the flag either way; the
     * host kernels the tests compare with drop it (6.x's mprotect_fixup), and the flag decides
     * merges: an untouched VMA made read-only stays apart from a faulted one. */
    if ((newflags & VM_WRITE) && !(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE)))
        newflags |= VM_ACCOUNT;
    else if (!(newflags & VM_WRITE) && (oldflags & VM_ACCOUNT) && !vma->vm_ops && !vma->anon_vma)
        newflags &= ~VM_ACCOUNT;
    if (newflags == oldflags) {
        *pprev = vma;
        return 0;
    }
    /* memory that turns into data is held to RLIMIT_DATA (may_expand_vm), as in Linux */
    unsigned long nrpages = (end - start) >> PAGE_SHIFT;
    if ((newflags & VM_WRITE) && !may_expand_vm(mm, newflags, nrpages) &&
        may_expand_vm(mm, oldflags, nrpages))
        return -ENOMEM;
    if ((newflags & VM_ACCOUNT) && !(oldflags & VM_ACCOUNT) &&
        security_vm_enough_memory_mm(mm, nrpages))
        return -ENOMEM; /* the charge for memory that turns writable */
    err = vma_split_range(mm, vma, start, end);
    if (err)
        return err;
    /* vm_stat_account: the pages move between exec_vm, data_vm and stack_vm */
    mm_stat_account(mm, oldflags, -(long)nrpages);
    mm_stat_account(mm, newflags, (long)nrpages);
    vma->vm_flags = newflags;
    vma_set_page_prot(vma);
    if (change_pte_range(vma, start, end, vma->vm_page_prot))
        arch_flush_tlb_mm(mm);
    *pprev = vma_merge_neighbours(mm, vma);
    return 0;
}

/* One VMA's piece: the requested rights with the VMA's other flags, if its VM_MAY* bits allow. */
static int mprotect_one(struct vm_area_struct *vma, struct vm_area_struct **pprev,
                        unsigned long start, unsigned long end, void *reqprot)
{
    unsigned long newflags =
        *(unsigned long *)reqprot | (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));

    if ((newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC))
        return -EACCES;
    return mprotect_fixup(vma, pprev, start, end, newflags);
}

/* mprotect(2): every page of [start, start+len) must be mapped (-ENOMEM otherwise), and the new
 * rights must be allowed by each VMA's VM_MAY* bits (-EACCES). */
int do_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long prot)
{
    const unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);

    prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
    if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) /* can't be both */
        return -EINVAL;
    if (start & ~PAGE_MASK)
        return -EINVAL;
    if (!len)
        return 0;
    len = PAGE_ALIGN(len);
    unsigned long end = start + len;
    if (end <= start)
        return -ENOMEM;
    /* arch_validate_prot: x86 takes PROT_SEM too, which means nothing to it */
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
        return -EINVAL;
    /* PROT_GROWSDOWN: the change reaches down to the start of a grows-down VMA (glibc's
     * _dl_make_stack_executable); PROT_GROWSUP: x86 has no grows-up VMAs */
    struct vm_area_struct *vma = find_vma(mm, start);
    if (!vma)
        return -ENOMEM;
    if (grows & PROT_GROWSDOWN) {
        if (vma->vm_start >= end)
            return -ENOMEM;
        start = vma->vm_start;
        if (!(vma->vm_flags & VM_GROWSDOWN))
            return -EINVAL;
    } else {
        if (vma->vm_start > start)
            return -ENOMEM;
        if (grows & PROT_GROWSUP)
            return -EINVAL;
    }
    unsigned long reqprot = ((prot & PROT_READ) ? VM_READ : 0) |
                            ((prot & PROT_WRITE) ? VM_WRITE : 0) |
                            ((prot & PROT_EXEC) ? VM_EXEC : 0);

    int err = vma_range_apply(mm, start, end, mprotect_one, &reqprot);
    CHECK_MM(mm, "do_mprotect");
    return err;
}
