/*
 * mremap.c - resizing and moving mappings (models mm/mremap.c of Linux 4.20).
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"

/*
 * move_vma - move [old_addr, old_addr+old_len) of vma to a new VMA at new_addr of new_len bytes.
 * The PTEs move with their pages (no copy, no fault later); the old range is unmapped. The new
 * VMA shares vma's anon_vma (copy_vma's anon_vma_clone); an anonymous VMA without one has no
 * page that remembers its old place, so its vm_pgoff follows the new address, as copy_vma makes
 * it, and it can merge with its new neighbours.
 */
static long move_vma(struct vm_area_struct *vma, unsigned long old_addr, unsigned long old_len,
                     unsigned long new_len, unsigned long new_addr)
{
    struct mm_struct *mm = vma->vm_mm;
    struct vm_area_struct *new_vma = vm_area_dup(vma), *prev;

    if (!new_vma)
        return -ENOMEM;
    /* mremap_userfaultfd_prep: without UFFD_FEATURE_EVENT_REMAP the moved VMA is unregistered */
    new_vma->vm_flags &= ~(VM_UFFD_MISSING | VM_UFFD_WP);
    new_vma->vm_userfaultfd_ctx = NULL;
    new_vma->vm_start = new_addr;
    new_vma->vm_end = new_addr + new_len;
    new_vma->vm_pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> PAGE_SHIFT);
    if (!vma->vm_file && !vma->vm_ops && !vma->anon_vma) /* vma_is_anonymous, not faulted in */
        new_vma->vm_pgoff = new_addr >> PAGE_SHIFT;
    if (new_vma->vm_file)
        get_file(new_vma->vm_file);
    anon_vma_clone(new_vma, vma);
    find_vma_prev(mm, new_addr, &prev);
    vma_link_after(mm, new_vma, prev);
    mm_stat_account(mm, new_vma->vm_flags, new_len >> PAGE_SHIFT);

    for (unsigned long off = 0, step; off < old_len; off += step) {
        step = move_pte(vma, old_addr + off, new_vma, new_addr + off, old_addr + old_len);
        if (!step) {
            /* out of memory for page tables: put back what moved, as move_vma does */
            for (unsigned long back = 0; back < off; back += step) {
                step = move_pte(new_vma, new_addr + back, vma, old_addr + back, new_addr + off);
                if (!step)
                    step = PAGE_SIZE;
            }
            do_munmap(mm, new_addr, new_len);
            return -ENOMEM;
        }
    }
    arch_flush_tlb_mm(mm);
    /* old_len 0 (a shared mapping duplicated) leaves the old range as it is */
    int err = old_len ? do_munmap(mm, old_addr, old_len) : 0;
    if (err)
        return err;
    new_vma = find_vma(mm, new_addr);
    vma_merge_neighbours(mm, new_vma);
    return new_addr;
}

/* mremap(2). Returns the (possibly new) address or -errno. */
long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
               unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
    long ret;

    if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    if (addr & ~PAGE_MASK)
        return -EINVAL;
    old_len = PAGE_ALIGN(old_len);
    new_len = PAGE_ALIGN(new_len);
    if (!new_len || new_len > mm->task_size)
        return -EINVAL;

    if (flags & MREMAP_FIXED) {
        if ((new_addr & ~PAGE_MASK) || new_addr > mm->task_size - new_len)
            return -EINVAL;
        if (new_addr < addr + old_len && addr < new_addr + new_len)
            return -EINVAL; /* overlapping ranges */
        ret = do_munmap(mm, new_addr, new_len);
        if (ret)
            return ret;
        if (old_len > new_len) {
            ret = do_munmap(mm, addr + new_len, old_len - new_len);
            if (ret)
                return ret;
            old_len = new_len;
        }
    } else if (old_len >= new_len) {
        /* always allow a shrinking remap; to the same size do_munmap's EINVAL for the empty
         * range is ignored, as Linux ignores it */
        ret = do_munmap(mm, addr + new_len, old_len - new_len);
        return ret && old_len != new_len ? ret : (long)addr;
    }

    struct vm_area_struct *vma = find_vma(mm, addr);
    if (!vma || vma->vm_start > addr)
        return -EFAULT;
    /* old_len 0 asks for a second mapping of the same pages: only shared ones have any (a
     * private one would be a fresh mapping unrelated to the first, refused since 4.16) */
    if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
        return -EINVAL;
    if (is_vm_hugetlb_page(vma)) /* vma_to_resize */
        return -EINVAL;
    if (old_len > vma->vm_end - addr)
        return -EFAULT;
    if (vma->vm_flags & VM_DONTEXPAND && new_len > old_len)
        return -EFAULT;
    /* vma_to_resize: the growth within RLIMIT_AS (and RLIMIT_DATA for private writable) */
    if (new_len > old_len && !may_expand_vm(mm, vma->vm_flags, (new_len - old_len) >> PAGE_SHIFT))
        return -ENOMEM;
    if (new_len > old_len && (vma->vm_flags & VM_ACCOUNT) &&
        security_vm_enough_memory_mm(mm, (new_len - old_len) >> PAGE_SHIFT))
        return -ENOMEM;

    if (!(flags & MREMAP_FIXED) && old_len == vma->vm_end - addr) {
        /* vma_expandable: grow in place if nothing lies in the way */
        unsigned long end = addr + new_len;
        struct vm_area_struct *next = vma->vm_next;
        if (end <= mm->task_size && (!next || end <= next->vm_start)) {
            unsigned long grow = (new_len - old_len) >> PAGE_SHIFT;
            anon_vma_interval_tree_pre_update_vma(vma);
            vma->vm_end = end;
            anon_vma_interval_tree_post_update_vma(vma);
            vma_gap_update(next);
            mm_stat_account(mm, vma->vm_flags, grow);
            vma_merge_neighbours(mm, vma);
            CHECK_MM(mm, "mremap grow");
            return addr;
        }
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    if (!(flags & MREMAP_FIXED)) {
        unsigned long map_flags = (vma->vm_flags & VM_MAYSHARE) ? MAP_SHARED : MAP_PRIVATE;
        pgoff_t pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
        new_addr = get_unmapped_area(mm, vma->vm_file, 0, new_len, pgoff, map_flags);
        if ((long)new_addr < 0)
            return (long)new_addr;
    }
    ret = move_vma(vma, addr, old_len, new_len, new_addr);
    CHECK_MM(mm, "mremap move");
    return ret;
}
