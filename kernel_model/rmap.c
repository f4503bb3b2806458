/*
 * rmap.c - anon_vmas and the mapping counts of pages (models mm/rmap.c of Linux 4.20).
 *
 * anon_vmas: a VMA gets one at its first anonymous fault (anon_vma_prepare), reusing a
 * compatible neighbour's when Linux would (find_mergeable_anon_vma, mmap.c); split pieces and
 * mremap's copy share it (anon_vma_clone); a forked child's VMA gets a new one whose parent is
 * the parent VMA's (anon_vma_fork); a VMA that goes drops its reference (unlink_anon_vmas).
 * Merging asks whether two anon_vmas are the same (is_mergeable_anon_vma, mmap.c). Linux's
 * anon_vma_chain links a VMA to every anon_vma of its lineage; the model keeps the lineage in
 * the parent pointers and asks only what merging asks of the chain: is it singular, that is,
 * is the VMA's anon_vma a root (one not made by fork)? Linux's anon_vma_clone may also give a
 * forked VMA an ancestor's anon_vma that no VMA uses any more (the "degree < 2" reuse, which
 * keeps long fork chains short); the model always makes a new one. That changes no merge: such
 * an ancestor is never a root, and no other VMA of the child can share it.
 *
 * Linux's reverse map also lets reclaim find every PTE of a page; the model finds them from the
 * page's index (kept right here and by move_pte) by asking the VMAs that could map it, which an
 * index of every VMA with an anon_vma by vm_pgoff names (interval_tree.c; each function here
 * that gives or takes a linked VMA's anon_vma keeps it): see rmap_walk in vmscan.c. Here it keeps
 * what do_wp_page and reclaim decide on: _mapcount, PageAnon, the index, and the page's place on
 * the reclaim list. The reference a mapping holds is taken by whoever installs the PTE (mk_pte
 * callers), not here.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

/* anon_vmas alive, for the invariant checker's leak check (check_anon_vmas in debug.c) */
long nr_anon_vmas;

/* anon_vma_alloc - a new root anon_vma with no references yet. NULL: out of memory. */
static struct anon_vma *anon_vma_alloc(void)
{
    struct anon_vma *anon_vma = calloc(1, sizeof(*anon_vma));
    if (!anon_vma)
        return NULL;
    anon_vma->root = anon_vma;
    anon_vma->parent = anon_vma;
    nr_anon_vmas++;
    return anon_vma;
}

/* get_anon_vma - one more VMA or child anon_vma refers to anon_vma. Returns it. */
static struct anon_vma *get_anon_vma(struct anon_vma *anon_vma)
{
    anon_vma->refcount++;
    return anon_vma;
}

/* put_anon_vma - drop a reference; the last one frees anon_vma, which then drops its own on its
 * parent (a root's parent is itself: no reference), so a lineage goes from the leaves up. */
static void put_anon_vma(struct anon_vma *anon_vma)
{
    while (anon_vma && --anon_vma->refcount == 0) {
        struct anon_vma *parent = anon_vma->parent != anon_vma ? anon_vma->parent : NULL;
        free(anon_vma);
        nr_anon_vmas--;
        anon_vma = parent;
    }
}

bool anon_vma_chain_singular(const struct vm_area_struct *vma)
{
    return vma->anon_vma && vma->anon_vma->parent == vma->anon_vma;
}

/*
 * __anon_vma_prepare - the slow half of anon_vma_prepare: vma (in its mm's list, so its
 * neighbours can be asked) has no anon_vma. It takes a compatible neighbour's
 * (find_mergeable_anon_vma), so that the two can merge later, or a new root. 0 or -ENOMEM.
 */
int __anon_vma_prepare(struct vm_area_struct *vma)
{
    struct anon_vma *anon_vma = find_mergeable_anon_vma(vma);
    if (!anon_vma && !(anon_vma = anon_vma_alloc()))
        return -ENOMEM;
    vma->anon_vma = get_anon_vma(anon_vma);
    anon_vma_interval_tree_post_update_vma(vma);
    return 0;
}

/*
 * anon_vma_clone - dst is a copy of src (split_vma, copy_vma, a merge's importer) and shares its
 * anon_vma: dst->anon_vma, copied with the rest of src or NULL for an importer, becomes src's
 * with a reference of its own. Nothing to do when src has none. Cannot fail in the model.
 */
void anon_vma_clone(struct vm_area_struct *dst, const struct vm_area_struct *src)
{
    dst->anon_vma = src->anon_vma ? get_anon_vma(src->anon_vma) : NULL;
    anon_vma_interval_tree_post_update_vma(dst);
}

/*
 * anon_vma_fork - vma is the child's copy of the parent's pvma (dup_mmap), its anon_vma still
 * the copied pointer. If pvma has an anon_vma, vma gets a new one whose parent is pvma's and root
 * is pvma's root: the pages both map stay in the parent's lineage, the ones the child makes go in
 * its own. NULL when pvma has none. 0 or -ENOMEM (vma->anon_vma NULL then).
 */
int anon_vma_fork(struct vm_area_struct *vma, const struct vm_area_struct *pvma)
{
    vma->anon_vma = NULL;
    if (!pvma->anon_vma)
        return 0;
    struct anon_vma *anon_vma = anon_vma_alloc();
    if (!anon_vma)
        return -ENOMEM;
    anon_vma->parent = get_anon_vma(pvma->anon_vma);
    anon_vma->root = pvma->anon_vma->root;
    vma->anon_vma = get_anon_vma(anon_vma);
    anon_vma_interval_tree_post_update_vma(vma);
    return 0;
}

/* unlink_anon_vmas - vma is going (freed, or merged into a neighbour): drop its reference on its
 * anon_vma, freeing what nothing refers to any more. Leaves vma->anon_vma NULL. */
void unlink_anon_vmas(struct vm_area_struct *vma)
{
    put_anon_vma(vma->anon_vma);
    vma->anon_vma = NULL;
    anon_vma_interval_tree_post_update_vma(vma);
}

/*
 * A freshly allocated anonymous page gets its first mapping (mapcount 0 -> 1): one PTE, or, for
 * a huge page (compound), one PMD, counted in the compound mapcount (NR_ANON_THPS counts the
 * huge pages a PMD maps). Each frame of a huge page gets its own index here: once a PMD of it is
 * split, its PTEs are found and moved frame by frame (rmap_walk, mremap's move_pte).
 */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long address,
                            bool compound)
{
    page->flags |= 1UL << PG_anon;
    page->index = ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
    if (compound) {
        for (unsigned long i = 1; i < HPAGE_PMD_NR; i++)
            page[i].index = page->index + i;
        page[1]._refcount = 0; /* compound_mapcount_ptr: one PMD */
        nr_anon_thps++;
    } else {
        page->_mapcount = 0;
    }
    lru_cache_add_active(page); /* lru_cache_add_active_or_unevictable */
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

/* One PTE (or, compound, one PMD of a huge page) stops mapping the page. The caller drops the
 * mapping's reference itself. A huge page left with frames nothing maps and frames still mapped
 * is queued for a deferred split (huge_memory.c), as in Linux. */
void page_remove_rmap(struct page *page, bool compound)
{
    if (!compound) {
        /* a frame of a huge page that nothing maps any more: the page is partly unused */
        if (--page->_mapcount < 0 && PageCompound(page) && !compound_mapcount(compound_head(page)))
            deferred_split_huge_page(compound_head(page));
        return;
    }
    if (--page[1]._refcount >= 0) /* compound_mapcount_ptr: PMDs still map it */
        return;
    nr_anon_thps--;
    /* the last PMD: queue the page if PTEs map some of its frames but not all */
    bool mapped = false, unmapped = false;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        mapped |= page[i]._mapcount >= 0;
        unmapped |= page[i]._mapcount < 0;
    }
    if (mapped && unmapped)
        deferred_split_huge_page(page);
}

/* page_dup_rmap: fork copies a PTE or (compound) a huge PMD that maps the page. */
void page_dup_rmap(struct page *page, bool compound)
{
    if (compound)
        page[1]._refcount++;
    else
        page->_mapcount++;
}
