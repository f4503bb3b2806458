/*
 * walk.c - the page walk the TUI shows (see walk.h). Same steps as the MMU's walker in mmu/,
 * without setting A/D bits or faulting.
 */
#include "ui/walk.h"

#include <stdio.h>
#include <string.h>

#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"

const char *const walk_level_name[4] = {"PML4E", "PDPTE", "PDE", "PTE"};

void page_walk(struct mm_struct *mm, uint64_t addr, struct page_walk *w)
{
    static const unsigned shift[4] = {PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT};
    memset(w, 0, sizeof(*w));
    w->addr = addr;
    if (!mm || !mm->pgd)
        return;
    const uint64_t *table = mm->pgd;
    for (int level = 0; level < 4; level++) {
        unsigned idx = (addr >> shift[level]) & (PTRS_PER_TABLE - 1);
        uint64_t e = table[idx];
        w->lv[level].index = idx;
        w->lv[level].entry = e;
        w->levels = level + 1;
        bool huge = level == 2 && (e & _PAGE_PRESENT) && (e & _PAGE_PSE);
        if (level == 3 || huge) {
            if (pte_present(__pte(e))) {
                /* a 2 MiB page (PDE with PS): the frame of addr inside it */
                unsigned long pfn = pte_pfn(__pte(e)) + (huge ? pte_index(addr) : 0);
                struct page *pg = pfn_to_page(pfn);
                if (pg) {
                    w->have_frame = true;
                    w->pfn = pfn;
                    w->refcount = page_count(pg);
                    w->mapcount = page_mapcount(pg);
                    w->page_flags = pg->flags;
                    w->zero_page =
                        is_zero_pfn(pfn) || (huge && is_huge_zero_pfn(pte_pfn(__pte(e))));
                    w->anon = PageAnon(pg);
                }
            }
            break;
        }
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            break;
        unsigned long next = (e & PTE_PFN_MASK) >> PAGE_SHIFT;
        if (!pfn_to_page(next))
            break;
        table = pfn_address(next);
    }
}

char *walk_decode_entry(uint64_t e, bool is_pte, char *buf, size_t len)
{
    if (!e) {
        snprintf(buf, len, "none");
        return buf;
    }
    if (is_pte && !(e & (_PAGE_PRESENT | _PAGE_PROTNONE))) {
        snprintf(buf, len, "not present (swap entry %#llx)", (unsigned long long)e);
        return buf;
    }
    snprintf(buf, len, "%s%s%s%s%s%s%s%s%s%s%s pfn=%#llx",
             e & _PAGE_PRESENT                  ? "P "
             : (is_pte && (e & _PAGE_PROTNONE)) ? "PROTNONE "
                                                : "-P ",
             e & _PAGE_RW ? "RW " : "RO ", e & _PAGE_USER ? "U " : "S ",
             e & _PAGE_PWT ? "PWT " : "", e & _PAGE_PCD ? "PCD " : "",
             e & _PAGE_ACCESSED ? "A " : "", e & _PAGE_DIRTY ? "D " : "",
             e & _PAGE_PSE ? "PSE " : "", (e & _PAGE_GLOBAL) && !is_pte ? "G " : "",
             e & _PAGE_SPECIAL ? "SPECIAL " : "", e & _PAGE_NX ? "NX" : "X",
             (unsigned long long)((e & PTE_PFN_MASK) >> PAGE_SHIFT));
    return buf;
}
