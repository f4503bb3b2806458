/*
 * fork.c - duplicating an address space for fork (models dup_mmap of kernel/fork.c and
 * copy_page_range / copy_one_pte of mm/memory.c, Linux 4.20).
 *
 * After dup_mmap, every private writable page is mapped read-only in both parent and child with
 * one more reference and mapcount: the first write on either side goes through do_wp_page, which
 * copies while the page is still shared and reuses it once it is the last mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

struct vm_area_struct *vm_area_dup(const struct vm_area_struct *orig)
{
    struct vm_area_struct *new = malloc(sizeof(*new));
    if (!new)
        return NULL;
    *new = *orig;
    /* orig's links are not the copy's (Linux: INIT_LIST_HEAD(&new->anon_vma_chain)) */
    new->vm_linked = false;
    new->anon_indexed = false;
    new->i_mmap_next = new->i_mmap_prev = NULL;
    return new;
}

static bool is_cow_mapping(unsigned long flags)
{
    return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/*
 * copy_page_range - copy the PTEs of vma (in src) into dst_vma's mm. Private writable PTEs are
 * write-protected on both sides. File VMAs with no anonymous pages are skipped: the child will
 * fault them in from the page cache, which is cheaper than copying PTEs (as Linux does).
 * Returns 0 or -ENOMEM.
 */
static int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *vma)
{
    struct mm_struct *dst = dst_vma->vm_mm, *src = vma->vm_mm;
    if (!vma->anon_vma)
        return 0;
    for (unsigned long addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
        uint64_t *src_pmd = lookup_pmd(src, addr);
        if (src_pmd && pmd_trans_huge(*src_pmd)) {
            /* copy_pmd_range: a huge PMD lies inside the VMA, aligned; -EAGAIN: reclaim in an
             * allocation split it, and its PTEs are copied below */
            uint64_t *dst_pmd = pmd_alloc_walk(dst, addr);
            int err = dst_pmd ? copy_huge_pmd(dst, vma, dst_pmd, src_pmd) : -12;
            if (err == -12)
                return -12; /* -ENOMEM */
            if (!err) {
                addr += HPAGE_PMD_SIZE - PAGE_SIZE;
                continue;
            }
        }
        pte_t *src_pte = src_pmd ? pte_offset_map(src_pmd, addr) : NULL;
        if (!src_pte || pte_none(*src_pte))
            continue;
        /* the allocation may run reclaim, which may swap the page out: read the PTE after it */
        pte_t *dst_pte = pte_alloc_map(dst, addr);
        if (!dst_pte)
            return -12; /* -ENOMEM */
        pte_t pte = *src_pte;
        if (is_swap_pte(pte)) {
            /* copy_one_pte: a swapped-out page is shared through its slot (swap_duplicate) */
            if (swap_duplicate(pte_to_swp_entry(pte)))
                continue;
            dst->rss_stat[MM_SWAPENTS]++;
            *dst_pte = pte;
            continue;
        }
        if (is_cow_mapping(vma->vm_flags) && pte_write(pte)) {
            *src_pte = pte_wrprotect(*src_pte);
            pte = pte_wrprotect(pte);
        }
        if (vma->vm_flags & VM_SHARED)
            pte = pte_mkclean(pte);
        pte = pte_mkold(pte);
        if (pte_present(pte) && !pte_special(pte)) {
            struct page *page = pfn_to_page(pte_pfn(pte));
            get_page(page);
            page_dup_rmap(page, false);
            dst->rss_stat[PageAnon(page)                           ? MM_ANONPAGES
                          : shmem_mapping(page_mapping_file(page)) ? MM_SHMEMPAGES
                                                                   : MM_FILEPAGES]++;
        }
        *dst_pte = pte;
    }
    return 0;
}

/*
 * dup_mmap - give the empty mm `mm` a copy of oldmm's VMAs (VM_DONTCOPY ones excepted) and the
 * PTEs copy_page_range copies (none for a VM_WIPEONFORK VMA) (a swap entry is one more reference to
 * its slot), then flush oldmm's TLB: its writable PTEs became read-only. Each copy of a VMA with an
 * anon_vma gets a new one, the parent's as its parent (anon_vma_fork). On -ENOMEM mm holds the
 * VMAs copied so far, for mmput to free.
 */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
    struct vm_area_struct *prev = NULL;
    int ret = 0;

    mm->mmap_base = oldmm->mmap_base;
    mm->task_size = oldmm->task_size;
    mm->start_code = oldmm->start_code;
    mm->end_code = oldmm->end_code;
    mm->start_data = oldmm->start_data;
    mm->end_data = oldmm->end_data;
    mm->start_brk = oldmm->start_brk;
    mm->brk = oldmm->brk;
    mm->start_stack = oldmm->start_stack;
    mm->arg_start = oldmm->arg_start;
    mm->arg_end = oldmm->arg_end;
    mm->env_start = oldmm->env_start;
    mm->env_end = oldmm->env_end;
    memcpy(mm->saved_auxv, oldmm->saved_auxv, sizeof(mm->saved_auxv));
    mm->dumpable = oldmm->dumpable;         /* MMF_INIT_MASK's dumpable bits */
    mm->thp_disabled = oldmm->thp_disabled; /* MMF_INIT_MASK: dup_mm's copy of mm->flags */
    if (khugepaged_fork(mm, oldmm))
        return -ENOMEM;

    for (struct vm_area_struct *v = oldmm->mmap; v; v = v->vm_next) {
        if (v->vm_flags & VM_DONTCOPY)
            continue;
        /* the child's private writable memory is charged as the parent's was */
        if ((v->vm_flags & VM_ACCOUNT) &&
            security_vm_enough_memory_mm(oldmm, (v->vm_end - v->vm_start) >> PAGE_SHIFT)) {
            ret = -ENOMEM;
            break;
        }
        struct vm_area_struct *tmp = vm_area_dup(v);
        if (!tmp) {
            ret = -ENOMEM;
            break;
        }
        /* MADV_WIPEONFORK: the child's VMA starts without pages, reading as zeroes, with an
         * anon_vma of its own (a new root: Linux's anon_vma_prepare here may even take one of the
         * parent's neighbours', which changes no merge in the child); else anon_vma_fork */
        int err;
        if (tmp->vm_flags & VM_WIPEONFORK) {
            tmp->anon_vma = NULL;
            tmp->vm_next = tmp->vm_prev = NULL; /* no neighbour to share with */
            err = __anon_vma_prepare(tmp);
        } else {
            err = anon_vma_fork(tmp, v);
        }
        if (err) {
            free(tmp);
            ret = err;
            break;
        }
        tmp->vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT); /* locks are not inherited */
        /* dup_userfaultfd: without UFFD_FEATURE_EVENT_FORK the child's VMA is unregistered */
        tmp->vm_flags &= ~(VM_UFFD_MISSING | VM_UFFD_WP);
        tmp->vm_userfaultfd_ctx = NULL;
        if (tmp->vm_file)
            get_file(tmp->vm_file);
        vma_link_after(mm, tmp, prev);
        mm_stat_account(mm, tmp->vm_flags, (tmp->vm_end - tmp->vm_start) >> PAGE_SHIFT);
        prev = tmp;
        if (tmp->vm_flags & VM_WIPEONFORK)
            continue;
        ret = copy_page_range(tmp, v);
        if (ret)
            break;
    }
    arch_flush_tlb_mm(oldmm);
    CHECK_MM(oldmm, "dup_mmap (parent)");
    CHECK_MM(mm, "dup_mmap (child)");
    return ret;
}
