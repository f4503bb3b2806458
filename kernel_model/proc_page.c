/*
 * proc_page.c - /proc/kpagecount and /proc/kpageflags: every frame of RAM as the kernel sees it
 * (models fs/proc/page.c; the KPF_* numbers are include/uapi/linux/kernel-page-flags.h's).
 *
 * With /proc/PID/pagemap they let a guest follow its own pages into physical memory: which
 * frame backs an address, how many PTEs share it, whether it is anonymous, on the reclaim list,
 * in the swap cache, the zero page. A frame never handed out is free and its struct page is not
 * read (first_fresh_pfn), so these files make no more of mem_map resident than the guest has
 * used.
 */
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

#define KPF_LOCKED        0
#define KPF_REFERENCED    2
#define KPF_UPTODATE      3
#define KPF_DIRTY         4
#define KPF_LRU           5
#define KPF_ACTIVE        6
#define KPF_MMAP          11
#define KPF_ANON          12
#define KPF_SWAPCACHE     13
#define KPF_SWAPBACKED    14
#define KPF_BUDDY         10
#define KPF_NOPAGE        20
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP           22
#define KPF_ZERO_PAGE     24
#define KPF_PGTABLE       26
#define KPF_RESERVED      32
#define KPF_ARCH          38

/* kpagecount_read: the page's mapcount; 0 for a free frame (its _mapcount holds no count). */
uint64_t kpagecount_entry(unsigned long pfn)
{
    const struct page *page = pfn_to_page(pfn);

    if (!page || pfn >= first_fresh_pfn() || (page->flags & (1UL << PG_buddy)))
        return 0;
    int count = page_mapcount(page);
    return count > 0 ? (uint64_t)count : 0;
}

static uint64_t kpf_copy_bit(unsigned long flags, int kpf, int pg)
{
    return (uint64_t)((flags >> pg) & 1) << kpf;
}

/* stable_page_flags, for the flags the model keeps (PG_active under --reclaim linux only), no slab,
 * no writeback in flight; compound pages are transparent huge pages only. */
uint64_t stable_page_flags(unsigned long pfn)
{
    const struct page *page = pfn_to_page(pfn);

    if (!page)
        return 1ULL << KPF_NOPAGE;
    if (pfn >= first_fresh_pfn())
        return 1ULL << KPF_BUDDY;
    unsigned long k = page->flags;
    uint64_t u = 0;
    const struct page *head = compound_head(page);

    if (page_mapcount(page) > 0 && !(k & (1UL << PG_buddy)))
        u |= 1ULL << KPF_MMAP;
    if (PageAnon(head))
        u |= 1ULL << KPF_ANON;
    if (page == zero_page())
        u |= 1ULL << KPF_ZERO_PAGE;
    if (PageHead(page) || PageTail(page)) { /* a transparent huge page, or the huge zero page */
        u |= 1ULL << (PageHead(page) ? KPF_COMPOUND_HEAD : KPF_COMPOUND_TAIL);
        u |= 1ULL << KPF_THP;
        if (is_huge_zero_pfn(page_to_pfn(head)))
            u |= 1ULL << KPF_ZERO_PAGE;
    }
    u |= kpf_copy_bit(k, KPF_BUDDY, PG_buddy);
    u |= kpf_copy_bit(k, KPF_PGTABLE, PG_pgtable);
    u |= kpf_copy_bit(k, KPF_LOCKED, PG_locked);
    u |= kpf_copy_bit(k, KPF_DIRTY, PG_dirty);
    u |= kpf_copy_bit(k, KPF_UPTODATE, PG_uptodate);
    u |= kpf_copy_bit(k, KPF_LRU, PG_lru);
    u |= kpf_copy_bit(k, KPF_ACTIVE, PG_active);
    u |= kpf_copy_bit(k, KPF_REFERENCED, PG_referenced);
    if (PageSwapCache(page))
        u |= 1ULL << KPF_SWAPCACHE;
    /* PG_swapbacked: anonymous and shmem pages, whose backing store is swap (not a page
     * MADV_FREE made lazily free) */
    if ((PageAnon(head) && !PageLazyFree(head)) ||
        (!(k & (1UL << PG_buddy)) && !PageReserved(page) && !(k & (1UL << PG_pgtable)) &&
         shmem_mapping(page_mapping_file(page))))
        u |= 1ULL << KPF_SWAPBACKED;
    u |= kpf_copy_bit(k, KPF_RESERVED, PG_reserved);
    u |= kpf_copy_bit(k, KPF_ARCH, PG_arch_1);
    return u;
}
