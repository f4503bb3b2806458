/*
 * pagewalk.c - visiting the PTEs of a VMA (models mm/pagewalk.c's walk_page_vma with a
 * pte_entry callback). Used by the /proc walks (smaps, clear_refs) and the page counters.
 */
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"

/*
 * A huge PMD is shown to pte_entry as the 512 PTEs a split would make of it (each frame of the
 * page, the PMD's bits; the huge zero page as the special zero page), so that a walker counts
 * it page by page without splitting it. What pte_entry clears in such a PTE (the accessed or
 * dirty bit, as clear_refs does) it clears in the PMD.
 */
static void walk_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd, unsigned long addr,
                          pte_entry_fn pte_entry, void *priv)
{
    const uint64_t bits = _PAGE_ACCESSED | _PAGE_DIRTY;
    uint64_t e = *pmd & ~_PAGE_PSE;
    bool zero = is_huge_zero_pfn(pte_pfn(__pte(e)));
    for (unsigned long i = 0; i < HPAGE_PMD_NR && addr < vma->vm_end; i++, addr += PAGE_SIZE) {
        pte_t pte = zero ? pte_mkspecial(pfn_pte(page_to_pfn(zero_page()), e & ~PTE_PFN_MASK))
                         : __pte(e + (i << PAGE_SHIFT));
        pte_entry(&pte, addr, true, priv);
        *pmd &= ~(bits & ~pte_val(pte));
    }
}

void walk_page_vma(struct vm_area_struct *vma, pte_entry_fn pte_entry, void *priv)
{
    for (unsigned long addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
        uint64_t *pmd = lookup_pmd(vma->vm_mm, addr);
        if (pmd && pmd_trans_huge(*pmd)) { /* walk_pmd_range's pmd_entry for a huge PMD */
            walk_huge_pmd(vma, pmd, addr, pte_entry, priv);
            addr = (addr & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE - PAGE_SIZE;
            continue;
        }
        pte_t *ptep = pmd ? pte_offset_map(pmd, addr) : NULL;
        if (!ptep) { /* no table: on to the next one (walk_pmd_range's pte_none skip) */
            addr = ((addr + PMD_SIZE) & PMD_MASK) - PAGE_SIZE;
            continue;
        }
        pte_entry(ptep, addr, false, priv);
    }
}
