/*
 * pagewalk.c - visiting the PTEs of a VMA (models mm/pagewalk.c's walk_page_vma with a
 * pte_entry callback). Used by the /proc walks (smaps, clear_refs) and the page counters.
 */
#include "kernel_model/mm.h"

void walk_page_vma(struct vm_area_struct *vma, pte_entry_fn pte_entry, void *priv)
{
    for (unsigned long addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
        pte_t *ptep = lookup_pte(vma->vm_mm, addr);
        if (!ptep) { /* no table: on to the next one (walk_pmd_range's pte_none skip) */
            addr = ((addr + PMD_SIZE) & PMD_MASK) - PAGE_SIZE;
            continue;
        }
        pte_entry(ptep, addr, priv);
    }
}
