/*
 * rmap.c - mapping counts of pages (models the counting half of mm/rmap.c).
 *
 * Linux's reverse map also lets reclaim find every PTE of a page; the model finds them from the
 * page's index (kept right here and by move_pte) by walking the VMAs that could map it: see
 * rmap_walk in vmscan.c. Here it keeps what do_wp_page and reclaim decide on: _mapcount,
 * PageAnon, the index, and the page's place on the reclaim list.
 * The reference a mapping holds is taken by whoever installs the PTE (mk_pte callers), not here.
 */
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

/* A freshly allocated anonymous page gets its first mapping (mapcount 0 -> 1). */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long address)
{
    page->flags |= 1UL << PG_anon;
    page->index = ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
    page->_mapcount = 0;
    lru_cache_add(page);
}

/* A page read back from swap (or found in the swap cache) is mapped once more
 * (page_add_anon_rmap); the first mapping fixes its index. */
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long address)
{
    page->flags |= 1UL << PG_anon;
    if (++page->_mapcount == 0)
        page->index = ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

/* One more PTE maps a page-cache page (or, after fork, an anonymous page: page_dup_rmap). */
void page_add_file_rmap(struct page *page)
{
    page->_mapcount++;
}

/* One PTE stops mapping the page. The caller drops the mapping's reference itself. */
void page_remove_rmap(struct page *page)
{
    page->_mapcount--;
}
