/*
 * hugetlb.c - anonymous MAP_HUGETLB mappings (models mm/hugetlb.c and
 * arch/x86/mm/hugetlbpage.c of Linux 4.20) on a machine whose huge page pools are empty.
 *
 * Linux backs such a mapping with a file on its internal hugetlbfs mount (hugetlb_file_setup,
 * "/anon_hugepage (deleted)" in /proc/PID/maps), reserves its pages at mmap time unless
 * MAP_NORESERVE (the syscall layer refuses the reservation: ENOMEM) and takes pages from the
 * pool of its size at the first touch. The model keeps no pool (HugePages_Total is 0, as on a
 * host where vm.nr_hugepages is 0 and nr_overcommit_hugepages is 0), so it keeps no file
 * either: a VMA with VM_HUGETLB (and VM_DONTEXPAND, as hugetlbfs_file_mmap sets it), placed and
 * sized in huge pages, whose every fault is SIGBUS. Sizes: 2 MiB, the default, and 1 GiB (the
 * emulated CPU has pdpe1gb, so 4.20's gigantic_pages_init registers that hstate too).
 */
#include <errno.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"
#include "kernel_model/trace.h"

unsigned long hstate_size_from_flags(unsigned long flags)
{
    unsigned long log = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

    if (!log) /* default_hstate */
        return HPAGE_SIZE;
    if (log == HPAGE_SHIFT || log == HPAGE_PUD_SHIFT) /* hstate_sizelog: a registered size */
        return 1UL << log;
    return 0;
}

unsigned long vma_kernel_pagesize(const struct vm_area_struct *vma)
{
    if (!is_vm_hugetlb_page(vma))
        return PAGE_SIZE;
    return vma->vm_hpage_size;
}

/*
 * hugetlb_no_page - no page is mapped at address: alloc_huge_page takes one from the pool, or
 * (past the reservations) a surplus page if nr_overcommit_hugepages allows. The model's pool
 * is always empty and it allows no surplus, so alloc_huge_page's -ENOSPC, which vmf_error
 * turns into VM_FAULT_SIGBUS: the access gets SIGBUS (BUS_ADRERR, the address itself), a
 * system call's copy to or from it EFAULT (do_sigbus's no_context).
 */
static vm_fault_t hugetlb_no_page(struct vm_area_struct *vma, unsigned long address)
{
    (void)vma;
    (void)address;
    trace_fn("hugetlb_no_page");
    return VM_FAULT_SIGBUS;
}

/*
 * hugetlb_fault - handle_mm_fault's path for a VM_HUGETLB VMA (instead of __handle_mm_fault).
 * Contract: vma is a hugetlb VMA that contains address and allows the access (access_error
 * passed); returns VM_FAULT_* bits. With no huge page ever mapped (nothing to find by
 * huge_pte_offset, no pool to allocate from), every fault goes to hugetlb_no_page and is
 * VM_FAULT_SIGBUS; nothing is mapped, so the access faults again if retried.
 */
vm_fault_t hugetlb_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
                         unsigned int flags)
{
    (void)mm;
    (void)flags;
    trace_fn("hugetlb_fault");
    return hugetlb_no_page(vma, address & ~(vma_kernel_pagesize(vma) - 1));
}

/* hugetlb_vm_op_split - a hugetlb VMA is cut only at a huge page boundary (munmap, mprotect,
 * mlock ... elsewhere: EINVAL). */
int hugetlb_vm_op_split(struct vm_area_struct *vma, unsigned long addr)
{
    if (addr & (vma_kernel_pagesize(vma) - 1))
        return -EINVAL;
    return 0;
}
