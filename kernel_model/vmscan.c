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
 *  - lazily free (an anonymous page MADV_FREE gave up, PG_lazyfree): if no PTE was written
 *    since, every PTE is cleared and the page freed, with no swap slot: the next touch reads
 *    zeroes (RECLAIM_LAZYFREE). A dirty PTE makes it an ordinary anonymous page again, mapped
 *    where it was. Such pages may go without swap.
 *  - page cache: every PTE is cleared; a dirty page (PageDirty, or a dirty PTE of a shared
 *    mapping) is written back to its file first; the page leaves the cache and is freed.
 *  - skipped: shmem pages (no swap backing for shmem in this model), anonymous pages when swap
 *    is full or absent, and pages with references beyond their mappings and caches (a fault
 *    in progress holds them).
 *
 * Set aside: an anonymous or shmem page that reclaim finds while there is no free swap slot
 * cannot go, and walking past it again at every allocation made reclaim O(RAM) per page near
 * a full RAM without swap (a guest filling 2.5 GB of a 2 GiB RAM took 31 s of CPU before its
 * OOM kill, 2 s now). Linux does not scan the anon lists at all then (get_scan_count: SCAN_FILE).
 * The model moves such a page to a second list (PG_set_aside, still PG_lru) that reclaim does
 * not walk; the list goes back to the end of the reclaim list, in its order, as soon as a
 * reclaim finds a swap slot free again.
 */
#include <stdlib.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

enum reclaim_policy reclaim_policy = RECLAIM_CLOCK;
unsigned long watermark_min, watermark_low, watermark_high;
struct vm_event_state vm_events;

/* The list: doubly linked through the pages' lru_next/lru_prev frame numbers, LRU_END at
 * both ends; the front is the next victim. */
#define LRU_END UINT32_MAX
static uint32_t lru_front = LRU_END, lru_back = LRU_END;
static unsigned long lru_nr;
static uint32_t aside_front = LRU_END, aside_back = LRU_END; /* set aside: not walked */
static unsigned long aside_nr;
static bool in_reclaim;

static struct page *lru_page(uint32_t pfn)
{
    return pfn == LRU_END ? NULL : pfn_to_page(pfn);
}

void lru_init(void)
{
    lru_front = lru_back = LRU_END;
    lru_nr = 0;
    aside_front = aside_back = LRU_END;
    aside_nr = 0;
    in_reclaim = false;
}

/* Link page at the back of the list [*front, *back], with `flags` set. */
static void list_append(uint32_t *front, uint32_t *back, struct page *page, unsigned long flags)
{
    uint32_t pfn = (uint32_t)page_to_pfn(page);
    page->flags |= flags;
    page->lru_prev = *back;
    page->lru_next = LRU_END;
    if (*back == LRU_END)
        *front = pfn;
    else
        pfn_to_page(*back)->lru_next = pfn;
    *back = pfn;
}

void lru_cache_add(struct page *page)
{
    if (PageLRU(page))
        return;
    list_append(&lru_front, &lru_back, page, 1UL << PG_lru);
    lru_nr++;
}

void del_page_from_lru(struct page *page)
{
    if (!PageLRU(page))
        return;
    bool aside = page->flags & (1UL << PG_set_aside);
    uint32_t *front = aside ? &aside_front : &lru_front, *back = aside ? &aside_back : &lru_back;
    if (page->lru_prev == LRU_END)
        *front = page->lru_next;
    else
        pfn_to_page(page->lru_prev)->lru_next = page->lru_next;
    if (page->lru_next == LRU_END)
        *back = page->lru_prev;
    else
        pfn_to_page(page->lru_next)->lru_prev = page->lru_prev;
    page->lru_next = page->lru_prev = 0;
    page->flags &= ~(1UL << PG_lru | 1UL << PG_set_aside);
    if (aside)
        aside_nr--;
    else
        lru_nr--;
}

/* Move a page that cannot go without a swap slot from the reclaim list to the set-aside list's
 * end. */
static void lru_set_aside(struct page *page)
{
    del_page_from_lru(page);
    list_append(&aside_front, &aside_back, page, 1UL << PG_lru | 1UL << PG_set_aside);
    aside_nr++;
}

/* A swap slot is free: the set-aside pages join the end of the reclaim list, in their order. */
static void lru_put_back_aside(void)
{
    if (aside_front == LRU_END)
        return;
    for (struct page *p = lru_page(aside_front); p; p = lru_page(p->lru_next))
        p->flags &= ~(1UL << PG_set_aside);
    pfn_to_page(aside_front)->lru_prev = lru_back;
    if (lru_back == LRU_END)
        lru_front = aside_front;
    else
        pfn_to_page(lru_back)->lru_next = aside_front;
    lru_back = aside_back;
    lru_nr += aside_nr;
    aside_front = aside_back = LRU_END;
    aside_nr = 0;
}

/* Move to the back of the list (rotate_reclaimable_page / the clock hand passing it). */
static void lru_rotate(struct page *page)
{
    del_page_from_lru(page);
    lru_cache_add(page);
}

void mark_page_lazyfree(struct page *page)
{
    if (!PageLRU(page) || !PageAnon(page) || PageSwapCache(page) || PageLazyFree(page))
        return;
    SetPageLazyFree(page);
    ClearPageReferenced(page);
    /* Linux moves it to the inactive file list: it may go without swap, so off the set-aside
     * list too */
    lru_rotate(page);
    vm_events.pglazyfree += PageHead(page) ? HPAGE_PMD_NR : 1; /* hpage_nr_pages */
}

unsigned long lru_snapshot(unsigned long *pfns, unsigned long max)
{
    unsigned long n = 0;
    for (struct page *p = lru_page(lru_front); p && n < max; p = lru_page(p->lru_next))
        pfns[n++] = page_to_pfn(p);
    for (struct page *p = lru_page(aside_front); p && n < max; p = lru_page(p->lru_next))
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
        uint64_t *pmd = lookup_pmd(mm, addr);
        /* a huge page's PMD: its A/D bits sit where a PTE's do, for page_referenced */
        pte_t *pte = !pmd ? NULL : pmd_trans_huge(*pmd) ? (pte_t *)pmd : pte_offset_map(pmd, addr);
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
    swp_entry_t entry; /* val 0 for a file page and a lazily free one */
    bool redirtied;    /* a lazily free page was written again: it stays */
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
    if (PageLazyFree(page) && PageDirty(page)) {
        /* MADV_FREE page check: written since, so it is needed again; the PTE stays, and the
         * page is an ordinary anonymous page from now on (SetPageSwapBacked) */
        ClearPageLazyFree(page);
        ua->redirtied = true;
        return true;
    }
    update_hiwater_rss(mm);
    if (PageLazyFree(page)) {
        *pte = __pte(0); /* dropped: the next touch faults in a zero-filled page */
        mm->rss_stat[MM_ANONPAGES]--;
    } else if (ua->entry.val) {
        swap_duplicate(ua->entry);
        *pte = swp_entry_to_pte(ua->entry);
        mm->rss_stat[MM_ANONPAGES]--;
        mm->rss_stat[MM_SWAPENTS]++;
    } else {
        *pte = __pte(0);
        mm->rss_stat[shmem_mapping(page_mapping_file(page)) ? MM_SHMEMPAGES : MM_FILEPAGES]--;
    }
    arch_flush_tlb_mm(mm);
    page_remove_rmap(page, false);
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
    /* shrink_page_list: a huge page is split and goes as small pages (THP swap-out whole is
     * not modelled); the other frames still mapped join the list, the rest are freed */
    if (PageHead(page)) {
        get_page(page); /* isolate_lru_page's reference: the head itself may be unmapped */
        split_huge_page(page);
        bool unmapped = page_count(page) == 1;
        put_page(page);
        if (unmapped)
            return true;
    }
    struct rmap_walk_control count = {.page = page, .rmap_one = locked_one};
    if (page_count(page) != expected_count(page) || rmap_walk(&count) != page_mapcount(page) ||
        count.stop)
        return false;

    if (PageAnon(page) && PageLazyFree(page)) {
        /* shrink_page_list for a page MADV_FREE gave up: no swap slot, no write */
        struct unmap_arg ua = {.entry = {0}};
        struct rmap_walk_control rwc = {.page = page, .rmap_one = unmap_one, .arg = &ua};
        get_page(page);
        rmap_walk(&rwc);
        if (ua.redirtied || page_mapcount(page)) {
            put_page(page);
            return false;
        }
        report_reclaim(page, &ua, RECLAIM_LAZYFREE);
        vm_events.pglazyfreed++;
        del_page_from_lru(page);
        put_page(page); /* the last reference: the frame is free */
        return true;
    }
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
        return PageLazyFree(page) || PageSwapCache(page) || get_nr_swap_pages() > 0;
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

/* Free up to nr frames, looking at each page on the list at most `passes` times. */
static unsigned long shrink_list(unsigned long nr, unsigned passes)
{
    if (get_nr_swap_pages() > 0)
        lru_put_back_aside();
    /* two passes look once more than twice: a list of one referenced page still gives it up */
    unsigned long freed = 0, budget = passes > 1 ? passes * lru_nr + 1 : lru_nr;
    if (reclaim_policy == RECLAIM_LRU)
        age_all();
    while (freed < nr && budget-- && lru_nr) {
        struct page *page = lru_page(lru_front);
        if (reclaim_policy != RECLAIM_LRU)
            vm_events.pgscan++;
        if (!page_evictable(page)) {
            if (PageAnon(page) || shmem_mapping(page_mapping_file(page)))
                lru_set_aside(page); /* until a swap slot is free */
            else
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

/* Two passes: a page referenced since the last one gets its second chance and still goes. */
unsigned long try_to_free_pages(unsigned long nr)
{
    return shrink_list(nr, 2);
}

/* Reclaims in a row that could not bring the free frames back over the low watermark before
 * kswapd gives up, and an allocation below the min watermark fails (Linux: kswapd_failures
 * against MAX_RECLAIM_RETRIES; should_reclaim_retry). */
#define MAX_RECLAIM_RETRIES 16

bool reclaim_before_alloc(void)
{
    static unsigned failures;
    unsigned long free = nr_free_pages(), min = watermark_min;
    if (in_reclaim || free_above_low(free))
        return true;
    /* kswapd has given up: above min an allocation takes a free frame without reclaim, rather
     * than evict the few pages left, which the guest then faults back (a guest that filled all
     * but a few frames of RAM thrashed forever: ld.so's code and the libc page it reads, each
     * fault evicting the other). */
    if (free > min && failures >= MAX_RECLAIM_RETRIES)
        return true;
    unsigned long want = watermark_high > free ? watermark_high - free : 0;
    if (!want)
        want = 1;
    /* One pass first (kswapd's), in which a page referenced since the last look stays; only
     * at or below min, and only if that freed nothing, direct reclaim's second pass takes pages
     * in use too: it must free something. */
    in_reclaim = true;
    if (!shrink_list(want, 1) && free <= min)
        shrink_list(want, 2);
    in_reclaim = false;
    free = nr_free_pages();
    failures = free > watermark_low ? 0 : failures + 1;
    if (free >= min)
        return true;
    /* __alloc_pages_slowpath: below min an allocation goes on only while reclaim may still
     * bring the free frames back (should_reclaim_retry: free plus the pages left on the
     * reclaim list reach min, and reclaim has not failed too often); otherwise it fails, and
     * a page fault ends in the OOM killer. */
    return free + lru_nr >= min && failures <= MAX_RECLAIM_RETRIES;
}
