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
    page->flags &= ~(1UL << PG_swapcache);
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

struct page *swapin_readahead(swp_entry_t entry, bool *major)
{
    struct page *page = lookup_swap_cache(entry);
    *major = false;
    if (page) {
        vm_events.swapcache_hits++;
        return page;
    }
    page = alloc_page_nozero();
    if (!page)
        return NULL;
    /* The allocation may have run reclaim; reclaim never frees a slot a PTE still refers to,
     * so the slot still holds the data. */
    if (swap_readpage(page, entry)) {
        put_page(page);
        return NULL;
    }
    page->flags |= (1UL << PG_anon) | (1UL << PG_uptodate); /* the read completed */
    swapcache_prepare(entry);
    __add_to_swap_cache(page, entry);
    lru_cache_add(page);
    vm_events.pswpin++;
    *major = true;
    return page; /* the allocation's reference is the caller's */
}
