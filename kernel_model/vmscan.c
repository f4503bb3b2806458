/*
 * vmscan.c - page reclaim: the reclaim list, the accessed-bit harvest over the reverse map,
 * and eviction (models mm/vmscan.c, with the rmap walks of mm/rmap.c, of Linux 4.20).
 *
 * Every anonymous page and every page-cache page of a regular file is on one reclaim list, in
 * the order it was added (lru_cache_add). When free frames drop to watermark_low the allocator
 * calls reclaim_before_alloc(), which frees pages until watermark_high are free (or until
 * nothing more can go), so allocation fails only when RAM and swap are both used up.
 *
 * The reverse map: Linux reaches the PTEs of a page through anon_vma chains and the file's
 * i_mmap tree. The model walks every live mm's VMAs that could map the page (for an anonymous
 * page, the VMAs with anonymous pages; for a file page, the VMAs of its file) and looks at the
 * one address where the page's index would sit (vma_address). That is exact as long as the
 * index follows the page, which rmap.c and move_pte keep true; as a guard, a page whose mapcount
 * the walk cannot account for is never evicted.
 *
 * Eviction (shrink_page_list for one page):
 *  - anonymous: the page gets a swap slot and enters the swap cache (add_to_swap); every PTE
 *    becomes the slot's swap entry (MM_ANONPAGES -> MM_SWAPENTS, one swap_map reference each);
 *    a dirty page is written to the slot; the page leaves the swap cache and is freed.
 *  - page cache: every PTE is cleared; a dirty page (PageDirty, or a dirty PTE of a shared
 *    mapping) is written back to its file first; the page leaves the cache and is freed.
 *  - skipped: shmem pages (no swap backing for shmem in this model), anonymous pages when swap
 *    is full or absent, and pages with references beyond their mappings and caches (a fault
 *    in progress holds them).
 */
#include <stdlib.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

enum reclaim_policy reclaim_policy = RECLAIM_CLOCK;
unsigned long watermark_low, watermark_high;
struct vm_event_state vm_events;

/* The list: doubly linked through the pages' lru_next/lru_prev frame numbers, LRU_END at
 * both ends; the front is the next victim. */
#define LRU_END UINT32_MAX
static uint32_t lru_front = LRU_END, lru_back = LRU_END;
static unsigned long lru_nr;
static bool in_reclaim;

static struct page *lru_page(uint32_t pfn)
{
    return pfn == LRU_END ? NULL : pfn_to_page(pfn);
}

void lru_init(void)
{
    lru_front = lru_back = LRU_END;
    lru_nr = 0;
    in_reclaim = false;
}

void lru_cache_add(struct page *page)
{
    if (PageLRU(page))
        return;
    uint32_t pfn = (uint32_t)page_to_pfn(page);
    page->flags |= 1UL << PG_lru;
    page->lru_prev = lru_back;
    page->lru_next = LRU_END;
    if (lru_back == LRU_END)
        lru_front = pfn;
    else
        pfn_to_page(lru_back)->lru_next = pfn;
    lru_back = pfn;
    lru_nr++;
}

void del_page_from_lru(struct page *page)
{
    if (!PageLRU(page))
        return;
    if (page->lru_prev == LRU_END)
        lru_front = page->lru_next;
    else
        pfn_to_page(page->lru_prev)->lru_next = page->lru_next;
    if (page->lru_next == LRU_END)
        lru_back = page->lru_prev;
    else
        pfn_to_page(page->lru_next)->lru_prev = page->lru_prev;
    page->lru_next = page->lru_prev = 0;
    page->flags &= ~(1UL << PG_lru);
    lru_nr--;
}

/* Move to the back of the list (rotate_reclaimable_page / the clock hand passing it). */
static void lru_rotate(struct page *page)
{
    del_page_from_lru(page);
    lru_cache_add(page);
}

unsigned long lru_snapshot(unsigned long *pfns, unsigned long max)
{
    unsigned long n = 0;
    for (struct page *p = lru_page(lru_front); p && n < max; p = lru_page(p->lru_next))
        pfns[n++] = page_to_pfn(p);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * The reverse map walk (rmap_walk_anon / rmap_walk_file).
 */

struct rmap_walk_control {
    struct page *page;
    /* Called for each PTE that maps the page; returns true to stop the walk. */
    bool (*rmap_one)(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg);
    void *arg;
    int found;
    bool stop;
};

static bool vma_may_map(struct vm_area_struct *vma, struct page *page)
{
    if (PageAnon(page))
        return vma->anon_vma;
    return vma->vm_file && vma->vm_file->f_mapping == page_mapping_file(page);
}

static void rmap_walk_mm(struct mm_struct *mm, void *ctx)
{
    struct rmap_walk_control *rwc = ctx;
    struct page *page = rwc->page;
    unsigned long pfn = page_to_pfn(page);

    for (struct vm_area_struct *vma = mm->mmap; vma && !rwc->stop; vma = vma->vm_next) {
        if (!vma_may_map(vma, page) || page->index < vma->vm_pgoff)
            continue;
        unsigned long off = page->index - vma->vm_pgoff;
        if (off >= (vma->vm_end - vma->vm_start) >> PAGE_SHIFT)
            continue;
        unsigned long addr = vma->vm_start + (off << PAGE_SHIFT); /* vma_address */
        pte_t *pte = lookup_pte(mm, addr);
        if (!pte || !pte_present(*pte) || pte_special(*pte) || pte_pfn(*pte) != pfn)
            continue;
        rwc->found++;
        if (rwc->rmap_one && rwc->rmap_one(vma, addr, pte, rwc->arg))
            rwc->stop = true;
    }
}

/* Walk every PTE mapping the page; returns how many were found. */
static int rmap_walk(struct rmap_walk_control *rwc)
{
    rwc->found = 0;
    rwc->stop = false;
    for_each_mm(rmap_walk_mm, rwc);
    return rwc->found;
}

/* page_referenced_one: test and clear the accessed bit; the mm's TLB must forget the entry so
 * that the next access sets the bit again (ptep_clear_flush_young). */
static bool referenced_one(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg)
{
    int *referenced = arg;
    (void)addr;
    if (pte_young(*pte)) {
        *pte = pte_mkold(*pte);
        arch_flush_tlb_mm(vma->vm_mm);
        (*referenced)++;
    }
    return false;
}

/* page_referenced: how many of the page's PTEs were accessed since the last look (bits
 * cleared on the way). */
static int page_referenced(struct page *page)
{
    int referenced = 0;
    struct rmap_walk_control rwc = {.page = page, .rmap_one = referenced_one, .arg = &referenced};
    rmap_walk(&rwc);
    return referenced;
}

struct unmap_arg {
    swp_entry_t entry; /* val 0 for a file page */
    /* for the reclaim event: the first mapping taken away, and how many */
    int pid;
    unsigned long addr;
    unsigned mappings;
};

/* Tell the observers where the page went (one event per reclaimed page). */
static void report_reclaim(struct page *page, const struct unmap_arg *ua, enum reclaim_kind kind)
{
    struct reclaim_event ev = {
        .pid = ua->pid,
        .address = ua->addr,
        .mappings = ua->mappings,
        .pfn = page_to_pfn(page),
        .kind = kind,
    };
    if (ua->entry.val)
        ev.swap_slot = swp_offset(ua->entry);
    struct address_space *m = page_mapping_file(page);
    if (m) {
        ev.file = m->path;
        ev.file_index = page->index;
    }
    trace_reclaim(&ev);
}

/* try_to_unmap_one: the PTE goes (file page) or becomes the swap entry (anonymous page). */
static bool unmap_one(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg)
{
    struct unmap_arg *ua = arg;
    struct mm_struct *mm = vma->vm_mm;
    struct page *page = pfn_to_page(pte_pfn(*pte));
    pte_t old = *pte;

    if (!ua->mappings++) {
        ua->pid = mm->owner ? mm->owner->pid : 0;
        ua->addr = addr;
    }

    if (pte_dirty(old))
        SetPageDirty(page);
    update_hiwater_rss(mm);
    if (ua->entry.val) {
        swap_duplicate(ua->entry);
        *pte = swp_entry_to_pte(ua->entry);
        mm->rss_stat[MM_ANONPAGES]--;
        mm->rss_stat[MM_SWAPENTS]++;
    } else {
        *pte = __pte(0);
        mm->rss_stat[shmem_mapping(page_mapping_file(page)) ? MM_SHMEMPAGES : MM_FILEPAGES]--;
    }
    arch_flush_tlb_mm(mm);
    page_remove_rmap(page);
    put_page(page);
    return false;
}

/* The references a page on the list holds when nothing but its mappings and caches use it. */
static int expected_count(struct page *page)
{
    return page_mapcount(page) + page_cache_refs(page);
}

/* try_to_unmap_one's VM_LOCKED check: stop at a locked VMA that maps the page. */
static bool locked_one(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg)
{
    (void)addr, (void)pte, (void)arg;
    return (vma->vm_flags & VM_LOCKED) != 0;
}

/* Evict one page that the policy picked. true when its frame was freed. A page mapped by a
 * VM_LOCKED VMA stays (Linux moves it to the unevictable list; here it goes round again). */
static bool shrink_page(struct page *page)
{
    struct rmap_walk_control count = {.page = page, .rmap_one = locked_one};
    if (page_count(page) != expected_count(page) || rmap_walk(&count) != page_mapcount(page) ||
        count.stop)
        return false;

    if (PageAnon(page)) {
        if (!PageSwapCache(page)) {
            if (!add_to_swap(page))
                return false;
            SetPageDirty(page); /* the slot holds nothing yet */
        }
        struct unmap_arg ua = {.entry = {page_private(page)}};
        struct rmap_walk_control rwc = {.page = page, .rmap_one = unmap_one, .arg = &ua};
        rmap_walk(&rwc);
        enum reclaim_kind kind = RECLAIM_SWAP_CLEAN;
        if (PageDirty(page)) {
            if (swap_writepage(page, ua.entry)) {
                /* the PTEs already point to the slot: keep the page in the swap cache, where
                 * do_swap_page will find it */
                return false;
            }
            ClearPageDirty(page);
            vm_events.pswpout++;
            kind = RECLAIM_SWAP_OUT;
        }
        report_reclaim(page, &ua, kind);
        vm_events.pgsteal_anon++;
        get_page(page);
        delete_from_swap_cache(page); /* frees the slot if no PTE refers to it any more */
        del_page_from_lru(page);
        put_page(page); /* the last reference: the frame is free */
        return true;
    }

    struct address_space *m = page_mapping_file(page);
    if (!m || m->shmem)
        return false;
    struct unmap_arg ua = {.entry = {0}};
    struct rmap_walk_control rwc = {.page = page, .rmap_one = unmap_one, .arg = &ua};
    rmap_walk(&rwc);
    enum reclaim_kind kind = RECLAIM_FILE_DROP;
    if (PageDirty(page)) {
        kind = RECLAIM_FILE_WRITEBACK;
        /* pageout(): write the dirty page back before it goes */
        uint64_t off = (uint64_t)page->index << PAGE_SHIFT;
        if (off < m->i_size && m->a_ops && m->a_ops->writepage) {
            size_t len = m->i_size - off < PAGE_SIZE ? m->i_size - off : PAGE_SIZE;
            if (m->a_ops->writepage(m, page->index, page_address(page), len))
                return false; /* stays cached, unmapped: a later fault maps it again */
            vm_events.pgwriteback_file++;
        }
        ClearPageDirty(page);
    }
    report_reclaim(page, &ua, kind);
    vm_events.pgsteal_file++;
    workingset_eviction(m, page->index);
    del_page_from_lru(page);
    delete_from_page_cache(page); /* drops the cache's reference: the frame is free */
    return true;
}

/* Could the page go at all (before asking the policy)? */
static bool page_evictable(struct page *page)
{
    if (PageAnon(page))
        return PageSwapCache(page) || get_nr_swap_pages() > 0;
    struct address_space *m = page_mapping_file(page);
    return m && !shmem_mapping(m);
}

/* lru policy: harvest every page's accessed bits; accessed pages go to the back, in order. */
static void age_all(void)
{
    unsigned long n = lru_nr;
    struct page *p = lru_page(lru_front);
    for (unsigned long i = 0; i < n && p; i++) {
        struct page *next = lru_page(p->lru_next);
        vm_events.pgscan++;
        if (page_referenced(p)) {
            lru_rotate(p);
            vm_events.pgrotated++;
        }
        p = next;
    }
}

unsigned long try_to_free_pages(unsigned long nr)
{
    unsigned long freed = 0, budget = 2 * lru_nr + 1;

    if (reclaim_policy == RECLAIM_LRU)
        age_all();
    while (freed < nr && budget-- && lru_nr) {
        struct page *page = lru_page(lru_front);
        if (reclaim_policy != RECLAIM_LRU)
            vm_events.pgscan++;
        if (!page_evictable(page)) {
            lru_rotate(page);
            continue;
        }
        if (reclaim_policy == RECLAIM_CLOCK && page_referenced(page)) {
            lru_rotate(page); /* second chance */
            vm_events.pgrotated++;
            continue;
        }
        if (shrink_page(page))
            freed++;
        else if (PageLRU(page))
            lru_rotate(page);
    }
    return freed;
}

void reclaim_before_alloc(void)
{
    unsigned long free = nr_free_pages();
    if (in_reclaim || (free > watermark_low && free > 0))
        return;
    unsigned long want = watermark_high > free ? watermark_high - free : 0;
    if (!want)
        want = 1;
    in_reclaim = true;
    try_to_free_pages(want);
    in_reclaim = false;
}
