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
 * i_mmap tree. For a file page the model follows its mapping's i_mmap (a list: mmap.c); for an
 * anonymous page, which does not record its anon_vma, it asks one interval tree of every VMA with
 * an anon_vma, in any mm, for those whose vm_pgoff range holds the page's index
 * (interval_tree.c). In each VMA it looks at the one address where the page's index would sit
 * (vma_address). That is exact as long as the index follows the page, which rmap.c and
 * move_pte keep true; as a guard, a page whose mapcount the walk cannot account for is never
 * evicted.
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
 *  - shared anonymous memory (shmem.c): every PTE is cleared, and the page is written to a
 *    swap slot that takes its place in the file's cache (shmem_writepage); the page is freed. A
 *    tmpfs host file's pages are written back to the host file and dropped, as file pages
 *    are, where Linux would swap them.
 *  - skipped: shared anonymous memory and anonymous pages when swap
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
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

enum reclaim_policy reclaim_policy = RECLAIM_CLOCK;
unsigned long watermark_min, watermark_low, watermark_high;
int vm_swappiness = 60;
struct vm_event_state vm_events;

/* The list: doubly linked through the pages' lru_next/lru_prev frame numbers, LRU_END at
 * both ends; the front is the next victim. lru_nr counts every listed page but the set-aside
 * ones, on whichever list (--reclaim linux has four). */
#define LRU_END UINT32_MAX
static uint32_t lru_front = LRU_END, lru_back = LRU_END;
static unsigned long lru_nr;
static uint32_t aside_front = LRU_END, aside_back = LRU_END; /* set aside: not walked */
static unsigned long aside_nr;
static bool in_reclaim;

/* --reclaim linux: the lruvec's four evictable lists. The front of each is Linux's tail (the
 * cold end, where reclaim takes pages), the back its head (where pages are added). */
enum lru_list {
    LRU_INACTIVE_ANON,
    LRU_ACTIVE_ANON,
    LRU_INACTIVE_FILE,
    LRU_ACTIVE_FILE,
    NR_LRU_LISTS
};
static struct {
    uint32_t front, back;
    unsigned long nr;
} lruvec[NR_LRU_LISTS];
/* Each listed frame's list, plus one (0: the one list, or none): a page's flags may change
 * while it is listed (MADV_FREE'd, written again), and del_page_from_lru must still find it.
 * Read and written only under --reclaim linux (whose pages never go to the set-aside list). */
static uint8_t *lru_of;
/* reclaim_stat: pages of each type (0 anon, 1 file) scanned, and of those found in use and
 * kept active or activated, halved as they grow (get_scan_count) */
static unsigned long recent_scanned[2], recent_rotated[2];
static unsigned long refaults_seen; /* lruvec->refaults: workingset_activate at the last reclaim */

static struct page *lru_page(uint32_t pfn)
{
    return pfn == LRU_END ? NULL : pfn_to_page(pfn);
}

void lru_init(unsigned long nr_frames)
{
    lru_front = lru_back = LRU_END;
    lru_nr = 0;
    aside_front = aside_back = LRU_END;
    aside_nr = 0;
    in_reclaim = false;
    for (int l = 0; l < NR_LRU_LISTS; l++) {
        lruvec[l].front = lruvec[l].back = LRU_END;
        lruvec[l].nr = 0;
    }
    recent_scanned[0] = recent_scanned[1] = recent_rotated[0] = recent_rotated[1] = 0;
    refaults_seen = vm_events.workingset_activate;
    free(lru_of);
    lru_of = nr_frames ? calloc(nr_frames, 1) : NULL; /* untouched (no memory) until written */
}

/* page_is_file_cache: not swap-backed. A lazily free anonymous page may go without swap, so
 * Linux keeps it on the file lists; a page of shared anonymous memory goes to swap, so it is on
 * the anonymous ones. (A tmpfs host file's page is written back to it: a file page here.) */
static int page_is_file_cache(const struct page *page)
{
    if (PageAnon(page))
        return PageLazyFree(page);
    const struct address_space *m = page_mapping_file(page);
    return !(m && m->shmem);
}

static enum lru_list page_lru(const struct page *page)
{
    return (page_is_file_cache(page) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) + PageActive(page);
}

unsigned long nr_active_file(void)
{
    return lruvec[LRU_ACTIVE_FILE].nr;
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
    if (reclaim_policy == RECLAIM_LINUX && lru_of) {
        enum lru_list lru = page_lru(page);
        list_append(&lruvec[lru].front, &lruvec[lru].back, page, 1UL << PG_lru);
        lruvec[lru].nr++;
        lru_of[page_to_pfn(page)] = (uint8_t)(lru + 1);
    } else {
        list_append(&lru_front, &lru_back, page, 1UL << PG_lru);
    }
    lru_nr++;
}

void lru_cache_add_active(struct page *page)
{
    if (reclaim_policy == RECLAIM_LINUX)
        SetPageActive(page);
    lru_cache_add(page);
}

void del_page_from_lru(struct page *page)
{
    if (!PageLRU(page))
        return;
    bool aside = page->flags & (1UL << PG_set_aside);
    uint32_t *front = aside ? &aside_front : &lru_front, *back = aside ? &aside_back : &lru_back;
    if (!aside && reclaim_policy == RECLAIM_LINUX && lru_of && lru_of[page_to_pfn(page)]) {
        enum lru_list lru = lru_of[page_to_pfn(page)] - 1;
        lru_of[page_to_pfn(page)] = 0;
        front = &lruvec[lru].front;
        back = &lruvec[lru].back;
        lruvec[lru].nr--;
    }
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
    /* Linux moves it to the inactive file list: it may go without swap, so off the set-aside
     * list too */
    del_page_from_lru(page);
    SetPageLazyFree(page);
    ClearPageActive(page);
    ClearPageReferenced(page);
    lru_cache_add(page);
    vm_events.pglazyfree += PageHead(page) ? HPAGE_PMD_NR : 1; /* hpage_nr_pages */
}

void activate_page(struct page *page)
{
    page = compound_head(page);
    if (reclaim_policy != RECLAIM_LINUX || !PageLRU(page) || PageActive(page))
        return;
    del_page_from_lru(page);
    SetPageActive(page);
    lru_cache_add(page);
    vm_events.pgactivate++;
    recent_rotated[page_is_file_cache(page)]++; /* update_page_reclaim_stat */
}

void mark_page_accessed(struct page *page)
{
    page = compound_head(page);
    if (reclaim_policy == RECLAIM_LINUX && !PageActive(page) && PageReferenced(page)) {
        activate_page(page);
        ClearPageReferenced(page);
        if (page_is_file_cache(page))
            workingset_activation();
    } else if (!PageReferenced(page)) {
        SetPageReferenced(page);
    }
}

unsigned long lru_snapshot(unsigned long *pfns, unsigned long max)
{
    unsigned long n = 0;
    for (struct page *p = lru_page(lru_front); p && n < max; p = lru_page(p->lru_next))
        pfns[n++] = page_to_pfn(p);
    for (int l = 0; l < NR_LRU_LISTS; l++)
        for (struct page *p = lru_page(lruvec[l].front); p && n < max; p = lru_page(p->lru_next))
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

/* vma_address and the PTE there: the page's PTE (or huge PMD) in vma, or NULL if vma does not
 * map it. vma must be one that could (its file is the page's, or it has anonymous pages). */
static pte_t *rmap_vma_pte(struct vm_area_struct *vma, const struct page *page, unsigned long *addr)
{
    if (page->index < vma->vm_pgoff)
        return NULL;
    unsigned long off = page->index - vma->vm_pgoff;
    if (off >= (vma->vm_end - vma->vm_start) >> PAGE_SHIFT)
        return NULL;
    *addr = vma->vm_start + (off << PAGE_SHIFT);
    uint64_t *pmd = lookup_pmd(vma->vm_mm, *addr);
    /* a huge page's PMD: its A/D bits sit where a PTE's do, for page_referenced */
    pte_t *pte = !pmd ? NULL : pmd_trans_huge(*pmd) ? (pte_t *)pmd : pte_offset_map(pmd, *addr);
    if (!pte || !pte_present(*pte) || pte_special(*pte) || pte_pfn(*pte) != page_to_pfn(page))
        return NULL;
    return pte;
}

/* One PTE found: count it and hand it to rmap_one. false once the walk is to stop. */
static bool rmap_found(struct rmap_walk_control *rwc, struct vm_area_struct *vma,
                       unsigned long addr, pte_t *pte)
{
    rwc->found++;
    if (rwc->rmap_one && rwc->rmap_one(vma, addr, pte, rwc->arg))
        rwc->stop = true;
    return !rwc->stop;
}

struct rmap_hit {
    struct vm_area_struct *vma;
    unsigned long addr;
    pte_t *pte;
};

/* The order the walk over every mm gave, which rmap_one's results depend on where it stops (a
 * VM_LOCKED VMA) or records the first mapping (the reclaim event's pid and address): by the
 * mm's place in the list of mms, then by address. */
static int rmap_hit_cmp(const void *a, const void *b)
{
    const struct rmap_hit *x = a, *y = b;
    if (x->vma->vm_mm != y->vma->vm_mm)
        return x->vma->vm_mm->mmlist_index < y->vma->vm_mm->mmlist_index ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The PTEs a walk found, before it hands them out; a few fit on the stack. */
struct rmap_hits {
    struct rmap_walk_control *rwc;
    struct rmap_hit stack[8], *hits;
    size_t n, cap;
};

static void rmap_hits_init(struct rmap_hits *h, struct rmap_walk_control *rwc)
{
    h->rwc = rwc;
    h->hits = h->stack;
    h->n = 0;
    h->cap = sizeof(h->stack) / sizeof(h->stack[0]);
}

/* vma could map the page: note its PTE if it does. false when the list cannot grow (the host is
 * out of memory): the walk stops and hands out what it found (a page whose mapcount the walk
 * does not account for is not evicted). */
static bool rmap_hits_add(struct vm_area_struct *vma, void *ctx)
{
    struct rmap_hits *h = ctx;
    unsigned long addr;
    pte_t *pte = rmap_vma_pte(vma, h->rwc->page, &addr);
    if (!pte)
        return true;
    if (h->n == h->cap) {
        struct rmap_hit *grown = h->hits == h->stack
                                     ? malloc(2 * h->cap * sizeof(*grown))
                                     : realloc(h->hits, 2 * h->cap * sizeof(*grown));
        if (!grown)
            return false;
        if (h->hits == h->stack)
            memcpy(grown, h->stack, sizeof(h->stack));
        h->hits = grown;
        h->cap *= 2;
    }
    h->hits[h->n++] = (struct rmap_hit){vma, addr, pte};
    return true;
}

/* Hand the PTEs found to rmap_one in the walk's order (rmap_hit_cmp), until it stops. */
static void rmap_hits_dispatch(struct rmap_hits *h)
{
    if (h->n > 1)
        qsort(h->hits, h->n, sizeof(*h->hits), rmap_hit_cmp);
    for (size_t i = 0;
         i < h->n && rmap_found(h->rwc, h->hits[i].vma, h->hits[i].addr, h->hits[i].pte); i++)
        ;
    if (h->hits != h->stack)
        free(h->hits);
}

/*
 * rmap_walk_anon: the page's anon_vma is not known (struct page does not keep it), so the
 * anonymous index (interval_tree.c) names the VMAs with an anon_vma whose vm_pgoff range holds
 * the page's index: every VMA that can map it, and those of other lineages over the same index.
 * rmap_walk_file: only the VMAs of the page's file (mapping->i_mmap).
 * Both find the PTEs first and then hand them to rmap_one in the order of the walk over every
 * mm that they replace (Linux goes by its interval trees' vm_pgoff order); the two agree on
 * which PTEs there are, and none of the rmap_one callbacks changes a PTE other than its own or
 * a VMA.
 */
static void rmap_walk_anon(struct rmap_walk_control *rwc)
{
    struct rmap_hits h;
    rmap_hits_init(&h, rwc);
    anon_vma_interval_tree_foreach(rwc->page->index, rmap_hits_add, &h);
    rmap_hits_dispatch(&h);
}

static void rmap_walk_file(struct rmap_walk_control *rwc)
{
    struct address_space *m = page_mapping_file(rwc->page);
    struct rmap_hits h;

    if (!m)
        return;
    rmap_hits_init(&h, rwc);
    for (struct vm_area_struct *vma = m->i_mmap; vma && rmap_hits_add(vma, &h);
         vma = vma->i_mmap_next)
        ;
    rmap_hits_dispatch(&h);
}

/* Walk every PTE mapping the page; returns how many were found. */
static int rmap_walk(struct rmap_walk_control *rwc)
{
    rwc->found = 0;
    rwc->stop = false;
    if (PageAnon(rwc->page))
        rmap_walk_anon(rwc);
    else
        rmap_walk_file(rwc);
    return rwc->found;
}

/*
 * Accessed bits cleared by a reclaim pass. x86's ptep_clear_flush_young does not flush the TLB
 * (a stale entry only delays the next accessed bit); the model must, because Unicorn's TLB sets
 * no accessed bit: only a TLB miss reaches the page-table walk that sets it. But nothing reads
 * or touches guest memory while a pass runs, so one flush per mm at the pass's end does what a
 * flush per page did (--reclaim lru clears the bits of every listed page in each pass, and
 * flushed the TLB for each one: 9% of a reclaiming run in memset alone). young_batch_begin and
 * young_batch_end bracket a pass (shrink_list); outside one, a flush is at once.
 */
static unsigned young_batch_depth;

static void young_batch_begin(void)
{
    young_batch_depth++;
}

static void young_flush_mm(struct mm_struct *mm, void *ctx)
{
    (void)ctx;
    if (mm->young_flush_pending) {
        mm->young_flush_pending = false;
        arch_flush_tlb_mm(mm);
    }
}

static void young_batch_end(void)
{
    if (--young_batch_depth == 0)
        for_each_mm(young_flush_mm, NULL);
}

/* page_referenced_one: test and clear the accessed bit; the mm's TLB must forget the entry so
 * that the next access sets the bit again (ptep_clear_flush_young, here batched per pass). An
 * access through a MADV_SEQUENTIAL mapping does not count: the bit is cleared all the same. */
static bool referenced_one(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg)
{
    int *referenced = arg;
    (void)addr;
    if (pte_young(*pte)) {
        *pte = pte_mkold(*pte);
        if (young_batch_depth)
            vma->vm_mm->young_flush_pending = true;
        else
            arch_flush_tlb_mm(vma->vm_mm);
        if (!(vma->vm_flags & VM_SEQ_READ))
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
    if (!m)
        return false;
    if (m->shmem) {
        /* pageout > shmem_writepage: unmapped first (try_to_unmap clears the PTEs of a
         * file page), then written to a slot that stands in the cache for it */
        struct unmap_arg ua = {.entry = {0}};
        struct rmap_walk_control rwc = {.page = page, .rmap_one = unmap_one, .arg = &ua};
        rmap_walk(&rwc);
        ua.entry = shmem_writepage(page);
        if (!ua.entry.val)
            return false; /* stays cached, unmapped: a later fault maps it again */
        report_reclaim(page, &ua, RECLAIM_SWAP_OUT);
        vm_events.pgsteal_anon++;
        del_page_from_lru(page);
        delete_from_page_cache(page); /* drops the cache's reference: the frame is free */
        return true;
    }
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
    /* shared anonymous memory goes to swap; a tmpfs host file's page is written back there */
    return m && (!m->shmem || get_nr_swap_pages() > 0);
}

/* ---------------------------------------------------------------------------------------------
 * --reclaim linux: Linux 4.20's split LRU (mm/vmscan.c's shrink_node, mm/swap.c's list moves).
 *
 * Four lists instead of one: active and inactive, for swap-backed (anonymous) pages and for the
 * rest (page-cache pages, and anonymous pages MADV_FREE made lazily free). A new anonymous page
 * starts active (lru_cache_add_active_or_unevictable), a page-cache page inactive, or active when
 * its shadow says it was evicted while in use (workingset.c); a page read back from swap is
 * activated (do_swap_page). Reclaim runs priorities 12 down to 0; at each, get_scan_count gives
 * every list a number of pages to scan from its cold end: its length >> priority, split between
 * anonymous and file pages by vm_swappiness (60 unless --swappiness or vm.swappiness says) and by
 * how many of each type's scanned pages turned out to be in use (recent_rotated against
 * recent_scanned), or file pages only when there is no free swap or the inactive file list is long
 * enough. Then, 32 at a time:
 *  - an active list is aged only while its inactive list is too short (inactive times
 *    int_sqrt(10 * the type's GiB), 1 below a GiB, under active; a file page activated by a
 *    refault since the last reclaim makes the file list short at once): shrink_active_list
 *    clears each page's accessed bits and moves it to the inactive list, except a referenced page
 *    of an executable file mapping, which stays;
 *  - shrink_inactive_list asks page_check_references of each page: accessed PTEs activate an
 *    anonymous page, a page with two accessed PTEs or PG_referenced from before, or an executable
 *    one; any other page with accessed PTEs stays inactive with PG_referenced set; a page with
 *    none is evicted (shrink_page).
 * Differences from Linux: a page is isolated and decided one at a time, not in batches of 32
 * (the order and each decision are the same); reclaim stops at the priority where enough has
 * been freed rather than finishing that priority's proportional scan; dirty file pages are
 * written back by reclaim itself (Linux leaves them to the flusher threads unless kswapd meets
 * them twice); no unevictable list (a page of a VM_LOCKED VMA goes back where it was).
 */

#define DEF_PRIORITY     12
#define SWAP_CLUSTER_MAX 32UL

struct referenced_arg {
    int referenced;
    unsigned long vm_flags; /* of the VMAs whose PTEs were accessed, and any VM_LOCKED one */
};

/* page_referenced_one with vm_flags */
static bool referenced_vm_one(struct vm_area_struct *vma, unsigned long addr, pte_t *pte, void *arg)
{
    struct referenced_arg *ra = arg;
    if (vma->vm_flags & VM_LOCKED) {
        ra->vm_flags |= VM_LOCKED;
        return true;
    }
    int before = ra->referenced;
    referenced_one(vma, addr, pte, &ra->referenced);
    if (ra->referenced > before)
        ra->vm_flags |= vma->vm_flags;
    return false;
}

static int page_referenced_vm(struct page *page, unsigned long *vm_flags)
{
    struct referenced_arg ra = {0};
    struct rmap_walk_control rwc = {.page = page, .rmap_one = referenced_vm_one, .arg = &ra};
    rmap_walk(&rwc);
    *vm_flags = ra.vm_flags;
    return ra.referenced;
}

static unsigned long int_sqrt(unsigned long x)
{
    unsigned long r = 0;
    while ((r + 1) * (r + 1) <= x)
        r++;
    return r;
}

/* inactive_list_is_low: should the active list of this type be aged? */
static bool inactive_list_is_low(int file, bool actual_reclaim)
{
    if (!file && !total_swap_pages())
        return false;
    unsigned long inactive = lruvec[file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON].nr;
    unsigned long active = lruvec[file ? LRU_ACTIVE_FILE : LRU_ACTIVE_ANON].nr;
    unsigned long ratio;
    if (file && actual_reclaim && refaults_seen != vm_events.workingset_activate) {
        ratio = 0; /* the workingset is changing: make room for the new pages */
    } else {
        unsigned long gb = (inactive + active) >> (30 - PAGE_SHIFT);
        ratio = gb ? int_sqrt(10 * gb) : 1;
    }
    return inactive * ratio < active;
}

/* Move a page to the back of list lru (putback_lru_page, move_active_pages_to_lru). */
static void lru_move(struct page *page, bool active)
{
    del_page_from_lru(page);
    if (active)
        SetPageActive(page);
    else
        ClearPageActive(page);
    lru_cache_add(page);
}

static void shrink_active_list(unsigned long nr_to_scan, enum lru_list lru)
{
    int file = lru == LRU_ACTIVE_FILE;
    for (unsigned long n = 0; n < nr_to_scan && lruvec[lru].nr; n++) {
        struct page *page = lru_page(lruvec[lru].front);
        unsigned long vm_flags;
        vm_events.pgrefill++;
        recent_scanned[file]++;
        if (page_referenced_vm(page, &vm_flags)) {
            recent_rotated[file]++;
            /* executable file pages get one more trip round the active list */
            if ((vm_flags & VM_EXEC) && page_is_file_cache(page)) {
                lru_move(page, true);
                vm_events.reclaim_kept++;
                continue;
            }
        }
        lru_move(page, false);
        vm_events.pgdeactivate++;
    }
}

enum page_references { PAGEREF_RECLAIM, PAGEREF_RECLAIM_CLEAN, PAGEREF_KEEP, PAGEREF_ACTIVATE };

static enum page_references page_check_references(struct page *page)
{
    unsigned long vm_flags;
    int referenced_ptes = page_referenced_vm(page, &vm_flags);
    bool referenced_page = PageReferenced(page);
    ClearPageReferenced(page);
    if (vm_flags & VM_LOCKED)
        return PAGEREF_RECLAIM; /* shrink_page finds the lock and keeps it */
    if (referenced_ptes) {
        if (!page_is_file_cache(page))
            return PAGEREF_ACTIVATE;
        SetPageReferenced(page); /* a second round of accesses activates it */
        if (referenced_page || referenced_ptes > 1 || (vm_flags & VM_EXEC))
            return PAGEREF_ACTIVATE;
        return PAGEREF_KEEP;
    }
    if (referenced_page && page_is_file_cache(page))
        return PAGEREF_RECLAIM_CLEAN;
    return PAGEREF_RECLAIM;
}

static unsigned long shrink_inactive_list(unsigned long nr_to_scan, enum lru_list lru)
{
    int file = lru == LRU_INACTIVE_FILE;
    unsigned long freed = 0;
    for (unsigned long n = 0; n < nr_to_scan && lruvec[lru].nr; n++) {
        struct page *page = lru_page(lruvec[lru].front);
        vm_events.pgscan++;
        recent_scanned[file]++;
        enum page_references ref = page_check_references(page);
        if (ref == PAGEREF_ACTIVATE || ref == PAGEREF_KEEP)
            vm_events.reclaim_kept++;
        if (ref == PAGEREF_RECLAIM_CLEAN && PageDirty(page))
            ref = PAGEREF_KEEP;
        if (ref == PAGEREF_RECLAIM || ref == PAGEREF_RECLAIM_CLEAN) {
            if (shrink_page(page)) {
                freed++;
                continue;
            }
            /* still here: in use, locked, or no swap slot (Linux activates an anonymous page
             * add_to_swap failed on) */
            if (!PageLRU(page))
                continue;
            ref = !page_is_file_cache(page) && !PageSwapCache(page) && !get_nr_swap_pages()
                      ? PAGEREF_ACTIVATE
                      : PAGEREF_KEEP;
        }
        if (ref == PAGEREF_ACTIVATE) {
            recent_rotated[file]++;
            vm_events.pgactivate++;
        }
        lru_move(page, ref == PAGEREF_ACTIVATE);
    }
    return freed;
}

/* get_scan_count: how many pages of each list to scan at this priority. */
static void get_scan_count(int priority, unsigned long nr[NR_LRU_LISTS])
{
    enum { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE } balance = SCAN_FRACT;
    uint64_t fraction[2] = {1, 1}, denominator = 1;
    unsigned long anon = lruvec[LRU_ACTIVE_ANON].nr + lruvec[LRU_INACTIVE_ANON].nr;
    unsigned long file = lruvec[LRU_ACTIVE_FILE].nr + lruvec[LRU_INACTIVE_FILE].nr;

    if (get_nr_swap_pages() == 0) {
        balance = SCAN_FILE;
    } else if (priority == 0 && vm_swappiness) {
        balance = SCAN_EQUAL; /* out of options: everything, anon and file alike */
    } else if (file + nr_free_pages() <= watermark_high && !inactive_list_is_low(0, false) &&
               lruvec[LRU_INACTIVE_ANON].nr >> priority) {
        balance = SCAN_ANON; /* too few file pages left to be worth it */
    } else if (!inactive_list_is_low(1, false) && lruvec[LRU_INACTIVE_FILE].nr >> priority) {
        balance = SCAN_FILE; /* enough inactive page cache: leave the anonymous pages alone */
    } else {
        uint64_t anon_prio = (uint64_t)vm_swappiness, file_prio = 200 - anon_prio;
        if (recent_scanned[0] > anon / 4) {
            recent_scanned[0] /= 2;
            recent_rotated[0] /= 2;
        }
        if (recent_scanned[1] > file / 4) {
            recent_scanned[1] /= 2;
            recent_rotated[1] /= 2;
        }
        uint64_t ap = anon_prio * (recent_scanned[0] + 1) / (recent_rotated[0] + 1);
        uint64_t fp = file_prio * (recent_scanned[1] + 1) / (recent_rotated[1] + 1);
        fraction[0] = ap;
        fraction[1] = fp;
        denominator = ap + fp + 1;
    }
    for (int lru = 0; lru < NR_LRU_LISTS; lru++) {
        int is_file = lru >= LRU_INACTIVE_FILE;
        uint64_t scan = lruvec[lru].nr >> priority;
        if (balance == SCAN_FRACT) /* rounded up: the last page is not lost to rounding */
            scan = (scan * fraction[is_file] + denominator - 1) / denominator;
        else if ((balance == SCAN_FILE && !is_file) || (balance == SCAN_ANON && is_file))
            scan = 0;
        nr[lru] = (unsigned long)scan;
    }
}

/* shrink_node for one priority (shrink_node_memcg): the lists in turn, 32 pages at a time. */
static unsigned long shrink_lruvec(int priority, unsigned long nr_to_reclaim)
{
    unsigned long nr[NR_LRU_LISTS], freed = 0;
    get_scan_count(priority, nr);
    while ((nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) &&
           freed < nr_to_reclaim) {
        for (int lru = 0; lru < NR_LRU_LISTS; lru++) {
            if (!nr[lru])
                continue;
            unsigned long n = nr[lru] < SWAP_CLUSTER_MAX ? nr[lru] : SWAP_CLUSTER_MAX;
            nr[lru] -= n;
            if (lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE) {
                if (inactive_list_is_low(lru == LRU_ACTIVE_FILE, true))
                    shrink_active_list(n, (enum lru_list)lru);
            } else {
                freed += shrink_inactive_list(n, (enum lru_list)lru);
            }
        }
    }
    /* even when the anonymous lists were not scanned, keep aging the active one */
    if (inactive_list_is_low(0, true))
        shrink_active_list(SWAP_CLUSTER_MAX, LRU_ACTIVE_ANON);
    return freed;
}

/* do_try_to_free_pages / balance_pgdat: raise the pressure until enough is freed. */
static unsigned long shrink_node(unsigned long nr_to_reclaim)
{
    unsigned long freed = 0;
    for (int priority = DEF_PRIORITY; priority >= 0 && freed < nr_to_reclaim; priority--)
        freed += shrink_lruvec(priority, nr_to_reclaim - freed);
    refaults_seen = vm_events.workingset_activate; /* snapshot_refaults */
    return freed;
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
static unsigned long shrink_list_batched(unsigned long nr, unsigned passes);

static unsigned long shrink_list(unsigned long nr, unsigned passes)
{
    young_batch_begin();
    unsigned long freed = shrink_list_batched(nr, passes);
    young_batch_end();
    return freed;
}

static unsigned long shrink_list_batched(unsigned long nr, unsigned passes)
{
    /* shrink_slab's THP shrinkers: huge pages with unused frames give them back, and the huge
     * zero page goes once no process holds it */
    unsigned long split = deferred_split_scan() + shrink_huge_zero_page();
    if (split >= nr)
        return split;
    nr -= split;
    if (reclaim_policy == RECLAIM_LINUX)
        return split + shrink_node(nr); /* its priorities go as far as a second pass would */
    if (get_nr_swap_pages() > 0)
        lru_put_back_aside();
    /* two passes look once more than twice: a list of one referenced page still gives it up */
    unsigned long freed = split, budget = passes > 1 ? passes * lru_nr + 1 : lru_nr;
    nr += split;
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
