/*
 * madvise.c - advice about a range (models mm/madvise.c of Linux 4.20).
 *
 * MADV_DONTNEED is the one that changes memory: the PTEs go, so the next touch of an anonymous
 * page faults in a zero-filled page and a file page comes back from the page cache. The advice
 * that Linux keeps as VMA flags (madvise_behavior) is kept the same way, splitting and merging
 * VMAs as mprotect does: MADV_SEQUENTIAL/RANDOM (VM_SEQ_READ, VM_RAND_READ), MADV_DONTFORK
 * (VM_DONTCOPY: fork leaves the VMA out), MADV_WIPEONFORK (VM_WIPEONFORK: the child gets the
 * VMA without its pages), MADV_DONTDUMP, MADV_HUGEPAGE/NOHUGEPAGE and MADV_MERGEABLE, all
 * shown in smaps' VmFlags. Of these, fork and the huge page faults (VM_HUGEPAGE, huge_memory.c)
 * heed them: readahead and KSM are not modelled. MADV_FREE frees the swap slots of the range's
 * swapped-out pages and makes its pages lazily free (madvise_free_pte_range): they stay mapped, and
 * reclaim drops them without swap unless they are written first. MADV_WILLNEED does nothing (no
 * readahead). MADV_REMOVE punches a hole in the file of a shared writable mapping
 * (filemap_punch_hole), so its pages read as zeroes.
 */
#include <errno.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"
#include "kernel_model/swap.h"

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
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
        return true;
    default:
        return false;
    }
}

/* ksm_madvise: which VMAs KSM takes (its merging itself is not modeled). */
static unsigned long ksm_flags(struct vm_area_struct *vma, int behavior)
{
    unsigned long f = vma->vm_flags;

    if (behavior == MADV_MERGEABLE) {
        if (f & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
                 VM_HUGETLB | VM_MIXEDMAP))
            return f;
        return f | VM_MERGEABLE;
    }
    return f & ~VM_MERGEABLE;
}

/* madvise_behavior - the advice kept in vm_flags: give [start, end) of vma its new flags,
 * splitting it and merging with neighbours as mprotect_fixup does. */
static int madvise_behavior(struct vm_area_struct *vma, struct vm_area_struct **prev,
                            unsigned long start, unsigned long end, int behavior)
{
    struct mm_struct *mm = vma->vm_mm;
    unsigned long new_flags = vma->vm_flags;

    switch (behavior) {
    case MADV_NORMAL:
        new_flags &= ~(VM_RAND_READ | VM_SEQ_READ);
        break;
    case MADV_SEQUENTIAL:
        new_flags = (new_flags & ~VM_RAND_READ) | VM_SEQ_READ;
        break;
    case MADV_RANDOM:
        new_flags = (new_flags & ~VM_SEQ_READ) | VM_RAND_READ;
        break;
    case MADV_DONTFORK:
        new_flags |= VM_DONTCOPY;
        break;
    case MADV_DOFORK:
        if (vma->vm_flags & VM_IO)
            return -EINVAL;
        new_flags &= ~VM_DONTCOPY;
        break;
    case MADV_WIPEONFORK:
        /* anonymous private memory only */
        if (vma->vm_file || (vma->vm_flags & VM_SHARED))
            return -EINVAL;
        new_flags |= VM_WIPEONFORK;
        break;
    case MADV_KEEPONFORK:
        new_flags &= ~VM_WIPEONFORK;
        break;
    case MADV_DONTDUMP:
        new_flags |= VM_DONTDUMP;
        break;
    case MADV_DODUMP:
        if (new_flags & VM_SPECIAL)
            return -EINVAL;
        new_flags &= ~VM_DONTDUMP;
        break;
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
        new_flags = ksm_flags(vma, behavior);
        break;
    case MADV_HUGEPAGE: /* hugepage_madvise */
        new_flags = (new_flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
        if (khugepaged_enter_vma_merge(vma, new_flags))
            return -ENOMEM;
        break;
    case MADV_NOHUGEPAGE:
        new_flags = (new_flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
        break;
    }
    *prev = vma;
    if (new_flags == vma->vm_flags)
        return 0;
    if (vma_split_range(mm, vma, start, end))
        return -EAGAIN; /* -ENOMEM from a split is -EAGAIN here */
    vma->vm_flags = new_flags;
    *prev = vma_merge_neighbours(mm, vma);
    return 0;
}

/*
 * madvise_free_pte_range - MADV_FREE on [start, end) of an anonymous VMA. A swap entry goes, and
 * its slot with it (the next touch reads zeroes). A page that only this PTE maps loses its dirty
 * and accessed bits (and a swap-cache copy) and becomes lazily free (mark_page_lazyfree): it
 * stays mapped with its data, reclaim may drop it, and a write before that keeps it. A page
 * shared with another process after fork, and the zero page, stay as they are. A huge PMD is
 * madvise_free_huge_pmd's: a whole huge page stays whole, part of one is split first.
 */
static void madvise_free_pte_range(struct vm_area_struct *vma, unsigned long start,
                                   unsigned long end)
{
    struct mm_struct *mm = vma->vm_mm;
    bool flush = false;

    for (unsigned long addr = start; addr < end; addr += PAGE_SIZE) {
        uint64_t *pmd = lookup_pmd(mm, addr);
        if (pmd && pmd_trans_huge(*pmd)) {
            unsigned long next = (addr & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE;
            if (next > end)
                next = end;
            flush |= madvise_free_huge_pmd(vma, pmd, addr, next);
            if (pmd_trans_huge(*pmd)) { /* done with, or left alone: not split */
                addr = next - PAGE_SIZE;
                continue;
            }
        }
        pte_t *pte = pmd ? pte_offset_map(pmd, addr) : NULL;
        if (!pte || pte_none(*pte))
            continue;
        pte_t old = *pte;
        if (!pte_present(old)) {
            if (is_swap_pte(old)) {
                *pte = __pte(0);
                mm->rss_stat[MM_SWAPENTS]--;
                free_swap_and_cache(pte_to_swp_entry(old));
            }
            continue;
        }
        struct page *page = vm_normal_page(vma, addr, old);
        if (!page || !PageAnon(page) || page_mapcount(page) != 1)
            continue;
        if (PageCompound(page)) {
            /* a frame of a huge page after a PMD split: the page is split, and the frame goes
             * on as a small page (its only mapping is this PTE, so no PMD maps the page) */
            struct page *head = compound_head(page);
            get_page(head);
            split_huge_page(head);
            put_page(head);
        }
        if (PageSwapCache(page) && !try_to_free_swap(page))
            continue;
        ClearPageDirty(page);
        if (pte_young(old) || pte_dirty(old)) {
            /* the next store misses the TLB and sets the dirty bit again (mmu.c) */
            *pte = pte_mkclean(pte_mkold(old));
            flush = true;
        }
        mark_page_lazyfree(page);
    }
    if (flush)
        arch_flush_tlb_mm(mm);
}

/* madvise_dontneed_free: MADV_DONTNEED zaps the range; MADV_FREE takes anonymous VMAs only
 * (vma_is_anonymous: no vm_ops, so not shared anonymous memory). */
static int madvise_dontneed_free(struct vm_area_struct *vma, struct vm_area_struct **prev,
                                 unsigned long start, unsigned long end, int behavior)
{
    *prev = vma;
    if (!can_madv_dontneed_vma(vma))
        return -EINVAL;
    if (behavior == MADV_DONTNEED) {
        zap_page_range(vma, start, end);
        return 0;
    }
    if (vma->vm_ops)
        return -EINVAL;
    madvise_free_pte_range(vma, start, end);
    return 0;
}

/* madvise_remove: a hole punched in a shared writable file mapping's file. Linux lets go of
 * mmap_sem for it, so the walk goes on from a fresh find_vma (*prev = NULL). */
static int madvise_remove(struct vm_area_struct *vma, struct vm_area_struct **prev,
                          unsigned long start, unsigned long end)
{
    *prev = NULL;
    if (vma->vm_flags & VM_LOCKED)
        return -EINVAL;
    if (!vma->vm_file)
        return -EINVAL;
    if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE))
        return -EACCES;
    pgoff_t first = ((start - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
    return filemap_punch_hole(vma->vm_file->f_mapping, first,
                              first + ((end - start) >> PAGE_SHIFT) - 1);
}

static int madvise_vma(struct vm_area_struct *vma, struct vm_area_struct **prev,
                       unsigned long start, unsigned long end, int behavior)
{
    switch (behavior) {
    case MADV_REMOVE:
        return madvise_remove(vma, prev, start, end);
    case MADV_WILLNEED:
        *prev = vma;
        return 0;
    case MADV_FREE:
    case MADV_DONTNEED:
        return madvise_dontneed_free(vma, prev, start, end, behavior);
    default:
        return madvise_behavior(vma, prev, start, end, behavior);
    }
}

/* madvise(2): -EINVAL for bad arguments, -ENOMEM if part of the range is unmapped (after acting
 * on the mapped parts, as Linux does); the first error of a VMA ends the walk. */
int do_madvise(struct mm_struct *mm, unsigned long start, unsigned long len_in, int behavior)
{
    if (!madvise_behavior_valid(behavior) || (start & ~PAGE_MASK))
        return -EINVAL;
    unsigned long len = PAGE_ALIGN(len_in);
    if (len_in && !len)
        return -EINVAL;
    unsigned long end = start + len;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;

    int unmapped_error = 0, error;
    struct vm_area_struct *vma = find_vma(mm, start), *prev = NULL;
    for (;;) {
        error = -ENOMEM;
        if (!vma)
            break;
        if (start < vma->vm_start) {
            unmapped_error = -ENOMEM;
            start = vma->vm_start;
            if (start >= end)
                break;
        }
        unsigned long tmp = vma->vm_end < end ? vma->vm_end : end;
        error = madvise_vma(vma, &prev, start, tmp, behavior);
        if (error)
            break;
        start = tmp;
        if (prev && start < prev->vm_end)
            start = prev->vm_end; /* the piece merged with the next VMA */
        error = unmapped_error;
        if (start >= end)
            break;
        vma = prev ? prev->vm_next : find_vma(mm, start);
    }
    CHECK_MM(mm, "do_madvise");
    return error;
}
