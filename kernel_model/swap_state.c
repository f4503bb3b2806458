/*
 * swap_state.c - the swap cache (models mm/swap_state.c of Linux 4.20).
 *
 * The swap cache maps a swap entry to the page that holds its data while the page is in RAM:
 * a page being written out, or one read back for one mapping that other mappings (after fork)
 * still reach through swap entries in their PTEs. do_swap_page looks here first, so a page
 * shared by several address spaces is read from the device once. A page in the cache has
 * PG_swapcache, page_private() = the entry, one reference held by the cache, and the slot's
 * SWAP_HAS_CACHE claim. Buckets chain through page_cache_next() (an anonymous page is never in
 * the page cache, so its link is free).
 */
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

#define SWAP_CACHE_BUCKETS 1024

static struct page *swap_cache[SWAP_CACHE_BUCKETS];
static unsigned long swap_cache_nr;

static unsigned bucket(swp_entry_t e)
{
    return (unsigned)((e.val * 0x9E3779B97F4A7C15ULL) >> 40) & (SWAP_CACHE_BUCKETS - 1);
}

unsigned long swap_cache_pages(void)
{
    return swap_cache_nr;
}

struct page *lookup_swap_cache(swp_entry_t entry)
{
    for (struct page *p = swap_cache[bucket(entry)]; p; p = *page_cache_next(p)) {
        if (page_private(p) == entry.val) {
            get_page(p);
            return p;
        }
    }
    return NULL;
}

/* __add_to_swap_cache: the caller holds the slot's SWAP_HAS_CACHE claim; the cache takes a
 * reference of its own. */
static void __add_to_swap_cache(struct page *page, swp_entry_t entry)
{
    unsigned b = bucket(entry);
    get_page(page);
    page->flags |= 1UL << PG_swapcache;
    set_page_private(page, entry.val);
    *page_cache_next(page) = swap_cache[b];
    swap_cache[b] = page;
    swap_cache_nr++;
}

bool add_to_swap(struct page *page)
{
    swp_entry_t entry = get_swap_page();
    if (!entry.val)
        return false;
    __add_to_swap_cache(page, entry);
    return true;
}

void delete_from_swap_cache(struct page *page)
{
    swp_entry_t entry = {page_private(page)};
    for (struct page **pp = &swap_cache[bucket(entry)]; *pp; pp = page_cache_next(*pp)) {
        if (*pp == page) {
            *pp = *page_cache_next(page);
            break;
        }
    }
    *page_cache_next(page) = NULL;
    page->flags &= ~((1UL << PG_swapcache) | (1UL << PG_readahead));
    set_page_private(page, 0);
    swap_cache_nr--;
    swapcache_free(entry);
    put_page(page);
}

bool try_to_free_swap(struct page *page)
{
    if (!PageSwapCache(page) || __swap_count((swp_entry_t){page_private(page)}))
        return false;
    delete_from_swap_cache(page);
    SetPageDirty(page); /* the only copy of the data is in RAM now */
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Swap readahead, VMA based (swap_vma_readahead, 4.20's default where the swap device is not
 * rotational). A VMA remembers its last swap fault's address, the window it read and how many
 * of the pages read ahead faults have found since; a fault next to the last one, or one after
 * hits (a VMA's first counts 4), reads a window of PTEs around the address, ahead in the
 * direction of travel. The model's swap file is a host file, so it is taken as not rotational.
 */

unsigned int page_cluster = 3; /* vm.page-cluster's default: windows of up to 8 pages */

#define SWAP_RA_ORDER_CEILING 5
#define SWAP_RA_WIN_SHIFT     (PAGE_SHIFT / 2)
#define SWAP_RA_HITS_MASK     ((1UL << SWAP_RA_WIN_SHIFT) - 1)
#define SWAP_RA_HITS_MAX      SWAP_RA_HITS_MASK
#define SWAP_RA_WIN_MASK      (~PAGE_MASK & ~SWAP_RA_HITS_MASK)
#define SWAP_RA_HITS(v)       ((v)&SWAP_RA_HITS_MASK)
#define SWAP_RA_WIN(v)        (((v)&SWAP_RA_WIN_MASK) >> SWAP_RA_WIN_SHIFT)
#define SWAP_RA_ADDR(v)       ((v)&PAGE_MASK)
/* A VMA's state before its first swap fault counts 4 hits: the first window is not 1 page */
#define GET_SWAP_RA_VAL(vma) ((vma)->swap_readahead_info ? (vma)->swap_readahead_info : 4)
#define SWAP_RA_VAL(addr, win, hits)                                                               \
    (((addr)&PAGE_MASK) | (((unsigned long)(win) << SWAP_RA_WIN_SHIFT) & SWAP_RA_WIN_MASK) |       \
     ((hits)&SWAP_RA_HITS_MASK))

/* lookup_swap_cache with a VMA: a page readahead brought is a hit, which the VMA's state
 * counts toward its next window. */
static struct page *lookup_swap_cache_ra(swp_entry_t entry, struct vm_area_struct *vma,
                                         unsigned long addr)
{
    struct page *page = lookup_swap_cache(entry);
    if (!page)
        return NULL;
    bool readahead = page->flags & (1UL << PG_readahead);
    page->flags &= ~(1UL << PG_readahead);
    unsigned long ra_val = GET_SWAP_RA_VAL(vma);
    unsigned long hits = SWAP_RA_HITS(ra_val);
    if (readahead && hits < SWAP_RA_HITS_MAX)
        hits++;
    vma->swap_readahead_info = SWAP_RA_VAL(addr, SWAP_RA_WIN(ra_val), hits);
    if (readahead)
        vm_events.swap_ra_hit++;
    return page;
}

/* __swapin_nr_pages: the window, from the hits since the last fault (two more, rounded up to
 * a power of two from 4), or 2 for a fault next to the last one without hits, else 1; at most
 * max_pages, and at least half the last window. */
static unsigned int swapin_nr_pages(unsigned long prev_pfn, unsigned long pfn, unsigned int hits,
                                    unsigned int max_pages, unsigned int prev_win)
{
    unsigned int pages = hits + 2;
    if (pages == 2) {
        if (pfn != prev_pfn + 1 && pfn != prev_pfn - 1)
            pages = 1;
    } else {
        unsigned int roundup = 4;
        while (roundup < pages)
            roundup <<= 1;
        pages = roundup;
    }
    if (pages > max_pages)
        pages = max_pages;
    if (pages < prev_win / 2) /* don't shrink readahead too fast */
        pages = prev_win / 2;
    return pages;
}

/* Read entry's slot into a new page in the swap cache, on the reclaim list; the cache's
 * reference only. readahead: a frame only if one is free without reclaim. false: no frame, or
 * the read failed. */
static bool read_swap_cache_async(swp_entry_t entry, bool readahead)
{
    struct page *page =
        readahead ? alloc_page_noreclaim() : alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    if (!page)
        return false;
    /* The allocation may have run reclaim; reclaim never frees a slot a PTE still refers to,
     * so the slot still holds the data. */
    if (swap_readpage(page, entry)) {
        put_page(page);
        return false;
    }
    page->flags |= (1UL << PG_anon) | (1UL << PG_uptodate); /* the read completed */
    if (readahead)
        page->flags |= 1UL << PG_readahead;
    swapcache_prepare(entry);
    __add_to_swap_cache(page, entry);
    lru_cache_add(page);
    put_page(page); /* the cache keeps its own */
    vm_events.pswpin++;
    return true;
}

/* The most pages one readahead reads: 1 << vm.page-cluster, at most 1 << SWAP_RA_ORDER_CEILING. */
static unsigned int max_ra_pages(void)
{
    return 1U << (page_cluster < SWAP_RA_ORDER_CEILING ? page_cluster : SWAP_RA_ORDER_CEILING);
}

/* __read_swap_cache_async for a page read ahead: nothing if the cache has it already. */
static void readahead_one(swp_entry_t entry)
{
    struct page *cached = lookup_swap_cache(entry);
    if (cached)
        put_page(cached);
    else if (read_swap_cache_async(entry, true))
        vm_events.swap_ra++;
}

/* swap_ra_info and the loop of swap_vma_readahead: the window for a fault at vmf->address,
 * kept in the VMA, and its swap PTEs other than the faulting one read into the cache. Their
 * frames are taken only where free without reclaim (the model's readahead never evicts to
 * read more: on a RAM near full, each page read ahead would push out the one before it). */
static void swap_vma_readahead(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    unsigned int max_win = max_ra_pages();
    if (max_win == 1)
        return;
    unsigned long faddr = vmf->address & PAGE_MASK, fpfn = faddr >> PAGE_SHIFT;
    unsigned long ra_val = GET_SWAP_RA_VAL(vma);
    unsigned long pfn = SWAP_RA_ADDR(ra_val) >> PAGE_SHIFT;
    unsigned int win = swapin_nr_pages(pfn, fpfn, SWAP_RA_HITS(ra_val), max_win,
                                       (unsigned int)SWAP_RA_WIN(ra_val));
    vma->swap_readahead_info = SWAP_RA_VAL(faddr, win, 0);
    if (win == 1)
        return;
    /* ahead in the direction of travel, else centred; inside the VMA and the PTE table */
    unsigned long lpfn, rpfn;
    if (fpfn == pfn + 1) {
        lpfn = fpfn, rpfn = fpfn + win;
    } else if (pfn == fpfn + 1) {
        lpfn = fpfn - win + 1, rpfn = fpfn + 1;
    } else {
        unsigned int left = (win - 1) / 2;
        lpfn = fpfn - left, rpfn = fpfn + win - left;
    }
    unsigned long pmd_start = (faddr & PMD_MASK) >> PAGE_SHIFT;
    unsigned long start = lpfn, end = rpfn;
    if (start < vma->vm_start >> PAGE_SHIFT)
        start = vma->vm_start >> PAGE_SHIFT;
    if (start < pmd_start)
        start = pmd_start;
    if (end > vma->vm_end >> PAGE_SHIFT)
        end = vma->vm_end >> PAGE_SHIFT;
    if (end > pmd_start + PTRS_PER_TABLE)
        end = pmd_start + PTRS_PER_TABLE;
    pte_t *pte = pte_offset_map(vmf->pmd, start << PAGE_SHIFT);
    if (!pte)
        return;
    for (unsigned long p = start; p < end; p++, pte++) {
        if (p != fpfn && is_swap_pte(*pte) && swap_entry_in_use(pte_to_swp_entry(*pte)))
            readahead_one(pte_to_swp_entry(*pte));
    }
}

/* Readahead hits of lookups without a VMA (shmem's), for the cluster readahead's next window;
 * 4 to start with, as in Linux. */
static unsigned int swapin_readahead_hits = 4;

struct page *lookup_swap_cache_novma(swp_entry_t entry)
{
    struct page *page = lookup_swap_cache(entry);
    if (page && (page->flags & (1UL << PG_readahead))) {
        page->flags &= ~(1UL << PG_readahead);
        swapin_readahead_hits++;
        vm_events.swap_ra_hit++;
    }
    return page;
}

void swap_cluster_readahead(swp_entry_t entry)
{
    static unsigned long prev_offset;
    static unsigned int last_readahead_pages;
    unsigned long offset = swp_offset(entry);
    unsigned int max_pages = max_ra_pages();
    if (max_pages <= 1)
        return;
    /* swapin_nr_pages: the window from the hits since the last miss */
    unsigned int hits = swapin_readahead_hits;
    swapin_readahead_hits = 0;
    unsigned int pages =
        swapin_nr_pages(prev_offset, offset, hits, max_pages, last_readahead_pages);
    if (!hits)
        prev_offset = offset;
    last_readahead_pages = pages;
    unsigned long mask = pages - 1;
    if (!mask)
        return;
    /* the aligned cluster of slots around the entry; slot 0 is the swap file's header */
    unsigned long start = offset & ~mask, end = offset | mask;
    if (!start)
        start++;
    for (unsigned long off = start; off <= end; off++) {
        swp_entry_t e = swp_entry(swp_type(entry), off);
        if (off != offset && swap_entry_in_use(e) && __swap_count(e))
            readahead_one(e);
    }
}

struct page *swapin_readahead(swp_entry_t entry, struct vm_fault *vmf, bool *major)
{
    struct page *page = lookup_swap_cache_ra(entry, vmf->vma, vmf->address);
    *major = false;
    if (page) {
        vm_events.swapcache_hits++;
        return page;
    }
    swap_vma_readahead(vmf);
    if (!read_swap_cache_async(entry, false))
        return NULL;
    *major = true;
    return lookup_swap_cache(entry); /* the caller's reference */
}

struct page *read_swap_cache_page(swp_entry_t entry)
{
    struct page *page = lookup_swap_cache(entry);
    if (page)
        return page;
    if (!read_swap_cache_async(entry, false))
        return NULL;
    return lookup_swap_cache(entry);
}
