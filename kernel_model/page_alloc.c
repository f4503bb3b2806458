/*
 * page_alloc.c - frames of guest-physical RAM and their struct page (models mm/page_alloc.c and
 * the zero page of mm/memory.c).
 *
 * All guest-physical memory is one host buffer handed to mem_init(); frame N lives at
 * ram + N * PAGE_SIZE, so page_address() is the kernel's direct map. Frames are handed out from a
 * free list (most recently freed first, for cache warmth; linked through the free frames' own
 * struct page, as the buddy allocator links them through page->lru) and, when that is empty,
 * from a bump pointer over never-used frames: neither the buffer nor mem_map is touched before
 * a frame is first used, so an idle 4 GiB guest costs the host nothing. A transparent huge page
 * takes 512 aligned frames from the bump pointer, or a block of 512 that was freed whole
 * (alloc_transhuge_page). The buffer starts zeroed (fresh anonymous memory), so a never-used
 * frame needs no clearing: like a kernel's pre-zeroed pages, which spares touching 1 GiB of
 * fresh frames a 4 KiB memset each.
 *
 * Invariants:
 *  1. A free frame has PG_buddy set, _refcount 0, _mapcount -1, and an empty cache slot (no
 *     mapping, no swap entry, no chain: the caches clear it as a page leaves them).
 *  2. An allocated frame has _refcount >= 1 (the allocation's own reference, handed to the
 *     caller) until the last put_page() frees it.
 *  3. The zero page is PG_reserved and never freed: get/put on it are no-ops, as for Linux's
 *     ZERO_PAGE, whose references are not counted by vm_normal_page() users.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

static unsigned char *ram_base;
static unsigned long nr_frames;
static struct page *mem_map;
/* What only a cached page needs, one per frame beside mem_map; calloc'd, so the host commits
 * memory for it only where a frame has been in a cache. Zero for a page in no cache. */
struct page_cache_slot {
    struct page *next; /* the hash chain of the page cache or the swap cache */
    union {
        struct address_space *mapping; /* in a page cache */
        unsigned long private;         /* PG_swapcache: the swap entry */
    };
};
static struct page_cache_slot *cache_slots;
static uint32_t free_head;       /* pfn of the most recently freed frame, or FREE_END */
static unsigned long nr_free;    /* frames on the free list */
static unsigned long next_fresh; /* first never-allocated frame */
#define FREE_END UINT32_MAX      /* the free list's end; no frame has this number */
static struct page *zero_pg;
/* Free blocks of HPAGE_PMD_NR frames that were a transparent huge page and went back whole:
 * their heads chained through lru_next, each block's frames PG_buddy. Counted in nr_free. */
static uint32_t huge_free_head;
static struct page *huge_zero_pg;
static int huge_zero_refcount; /* huge_zero_refcount: see mm_get_huge_zero_page */

int min_free_kbytes = 1024;
int watermark_scale_factor = 10;

/*
 * __setup_per_zone_wmarks for the machine's one zone: min_free_kbytes in pages is the min
 * watermark; the low and high ones are min plus one and two steps, a step being a quarter of
 * min or watermark_scale_factor ten-thousandths of the zone's pages, whichever is more.
 */
void setup_per_zone_wmarks(void)
{
    unsigned long min_pages = (unsigned long)min_free_kbytes / (PAGE_SIZE / 1024);
    unsigned long scaled = nr_frames * (unsigned long)watermark_scale_factor / 10000;
    unsigned long step = min_pages / 4 > scaled ? min_pages / 4 : scaled;

    watermark_min = min_pages;
    watermark_low = min_pages + step;
    watermark_high = min_pages + 2 * step;
}

/*
 * init_per_zone_wmark_min: min_free_kbytes = sqrt(16 * RAM in KiB), clamped to [128, 65536]
 * KiB, then the watermarks from it (setup_per_zone_wmarks). Reclaim starts when free frames drop
 * to the low watermark and stops at the high one. A RAM of fewer than 2048 frames (the unit
 * tests' few hundred KiB) keeps all three at 0 until vm.min_free_kbytes or
 * vm.watermark_scale_factor is written: reclaim then runs only when no frame is free, one page
 * per allocation, which makes the replacement order exact to predict.
 */
static void init_per_zone_wmark_min(void)
{
    unsigned long kbytes = nr_frames * (PAGE_SIZE / 1024), min_kb = 1;
    while ((min_kb + 1) * (min_kb + 1) <= kbytes * 16)
        min_kb++;
    if (min_kb < 128)
        min_kb = 128;
    if (min_kb > 65536)
        min_kb = 65536;
    min_free_kbytes = (int)min_kb;
    watermark_scale_factor = 10;
    if (nr_frames < 2048) {
        watermark_min = watermark_low = watermark_high = 0;
        return;
    }
    setup_per_zone_wmarks();
}

int mem_init(void *ram, uint64_t ram_bytes)
{
    ram_base = ram;
    nr_frames = ram_bytes >> PAGE_SHIFT;
    if (nr_frames < 16 || nr_frames >= FREE_END) /* frame numbers are 32-bit in struct page */
        return -1;
    mem_map = calloc(nr_frames, sizeof(*mem_map));
    cache_slots = calloc(nr_frames, sizeof(*cache_slots));
    if (!mem_map || !cache_slots)
        return -1;
    free_head = FREE_END;
    huge_free_head = FREE_END;
    huge_zero_pg = NULL;
    huge_zero_refcount = 0;
    nr_anon_thps = 0;
    nr_free = 0;
    next_fresh = 0;
    init_per_zone_wmark_min();
    lru_init(nr_frames);
    deferred_split_init();
    zero_pg = alloc_reserved_page();
    init_user_reserve(); /* mm/mmap.c's subsys_initcalls, from the memory free at boot */
    init_admin_reserve();
    return zero_pg ? 0 : -1;
}

void mem_exit(void)
{
    lru_init(0); /* the lists' side tables */
    deferred_split_init();
    free(mem_map);
    free(cache_slots);
    mem_map = NULL;
    cache_slots = NULL;
    nr_frames = 0;
}

struct page *pfn_to_page(unsigned long pfn)
{
    return pfn < nr_frames ? &mem_map[pfn] : NULL;
}

unsigned long page_to_pfn(const struct page *page)
{
    return (unsigned long)(page - mem_map);
}

void *page_address(const struct page *page)
{
    return ram_base + (page_to_pfn(page) << PAGE_SHIFT);
}

void *pfn_address(unsigned long pfn)
{
    return ram_base + (pfn << PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
    return &mem_map[((const unsigned char *)addr - ram_base) >> PAGE_SHIFT];
}

struct page **page_cache_next(const struct page *page)
{
    return &cache_slots[page_to_pfn(page)].next;
}

struct address_space *page_mapping_file(const struct page *page)
{
    if (page->flags & (1UL << PG_anon | 1UL << PG_swapcache))
        return NULL;
    return cache_slots[page_to_pfn(page)].mapping;
}

void set_page_mapping(struct page *page, struct address_space *mapping)
{
    cache_slots[page_to_pfn(page)].mapping = mapping;
}

unsigned long page_private(const struct page *page)
{
    return cache_slots[page_to_pfn(page)].private;
}

void set_page_private(struct page *page, unsigned long private)
{
    cache_slots[page_to_pfn(page)].private = private;
}

struct page *alloc_reserved_page(void)
{
    struct page *page = alloc_page_zeroed(GFP_KERNEL);
    if (page)
        page->flags |= 1UL << PG_reserved;
    return page;
}

struct page *zero_page(void)
{
    return zero_pg;
}

unsigned long nr_free_pages(void)
{
    return nr_free + (nr_frames - next_fresh);
}

unsigned long totalram_pages(void)
{
    return nr_frames;
}

unsigned long first_fresh_pfn(void)
{
    return next_fresh;
}

/* Put frame pfn (PG_buddy, no references) on the free list of single frames. */
static void free_list_push(unsigned long pfn)
{
    mem_map[pfn].lru_next = free_head;
    free_head = (uint32_t)pfn;
}

/* The free list of single frames and the fresh range are empty: give it the frames of a free
 * huge block, so that no frame stays unusable for want of a whole block. */
static void break_huge_free_block(void)
{
    if (huge_free_head == FREE_END)
        return;
    unsigned long head = huge_free_head;
    huge_free_head = mem_map[head].lru_next;
    for (unsigned long i = HPAGE_PMD_NR; i-- > 0;) {
        mem_map[head + i].flags = 1UL << PG_buddy;
        free_list_push(head + i);
    }
}

gfp_t alloc_gfp_mask;

/* Take a frame off the free list or the fresh range (*fresh: never used, still zero) for an
 * allocation with mask gfp, which alloc_gfp_mask keeps. NULL when RAM is exhausted (the caller
 * turns that into VM_FAULT_OOM or -ENOMEM). The frame comes back with one reference. */
static struct page *alloc_frame(gfp_t gfp, bool *fresh)
{
    unsigned long pfn;
    alloc_gfp_mask = gfp;
    if (!reclaim_before_alloc())
        return NULL;
    if (free_head == FREE_END && next_fresh >= nr_frames)
        break_huge_free_block();
    *fresh = free_head == FREE_END;
    if (!*fresh) {
        pfn = free_head;
        free_head = mem_map[pfn].lru_next;
        nr_free--;
    } else if (next_fresh < nr_frames) {
        pfn = next_fresh++;
        arch_fresh_frame_taken(next_fresh);
    } else
        return NULL;
    vm_events.numa_hit += sysctl_vm_numa_stat != 0; /* zone_statistics */
    struct page *page = &mem_map[pfn];
    page->flags = 0;
    page->_refcount = 1;
    page->_mapcount = -1;
    page->index = 0;
    page->lru_next = page->lru_prev = 0;
    return page;
}

struct page *alloc_page_nozero(gfp_t gfp)
{
    bool fresh;
    return alloc_frame(gfp & ~__GFP_ZERO, &fresh);
}

struct page *alloc_page_noreclaim(void)
{
    bool fresh;
    gfp_t keep = alloc_gfp_mask; /* readahead's __GFP_NORETRY attempt is never the OOM's */
    struct page *page = free_above_low(nr_free_pages()) ? alloc_frame(0, &fresh) : NULL;
    alloc_gfp_mask = keep;
    return page;
}

struct page *alloc_page_zeroed(gfp_t gfp)
{
    bool fresh;
    struct page *page = alloc_frame(gfp | __GFP_ZERO, &fresh);
    if (page && !fresh)
        memset(page_address(page), 0, PAGE_SIZE);
    else if (page) /* zero already, but not yet given by the host: let it zero the memory now,
                      in the kernel's clear_page, rather than at the guest's first store */
        *(volatile unsigned char *)page_address(page) = 0;
    return page;
}

struct page *compound_head(const struct page *page)
{
    return (struct page *)(PageTail(page) ? &mem_map[page->lru_next] : page);
}

/*
 * alloc_transhuge_page - a zeroed compound page of HPAGE_PMD_NR frames whose first frame number
 * is a multiple of HPAGE_PMD_NR (__alloc_pages(GFP_TRANSHUGE, HPAGE_PMD_ORDER),
 * prep_transhuge_page, clear_huge_page). It comes from a free huge block, or from the fresh range
 * (the frames skipped to align it go to the free list). The model has no compaction: free single
 * frames never make a block again. It reclaims nothing: NULL when the free frames would drop below
 * the low watermark, or when no aligned block is left (the caller falls back to small pages,
 * THP_FAULT_FALLBACK). The head has one reference, PG_head, mapcount 0 mappings; each tail
 * PG_tail and the head's frame number in lru_next.
 */
struct page *alloc_transhuge_page(void)
{
    unsigned long free = nr_free_pages();
    if (free < HPAGE_PMD_NR || !free_above_low(free - HPAGE_PMD_NR))
        return NULL;
    unsigned long head;
    bool fresh = false;
    if (huge_free_head != FREE_END) {
        head = huge_free_head;
        huge_free_head = mem_map[head].lru_next;
        nr_free -= HPAGE_PMD_NR;
    } else {
        unsigned long start = (next_fresh + HPAGE_PMD_NR - 1) & ~(HPAGE_PMD_NR - 1);
        if (start + HPAGE_PMD_NR > nr_frames)
            return NULL;
        for (; next_fresh < start; next_fresh++) { /* the frames skipped: single free frames */
            mem_map[next_fresh].flags = 1UL << PG_buddy;
            mem_map[next_fresh]._mapcount = -1;
            free_list_push(next_fresh);
            nr_free++;
        }
        head = start;
        next_fresh = start + HPAGE_PMD_NR;
        arch_fresh_frame_taken(next_fresh);
        fresh = true;
    }
    vm_events.numa_hit += sysctl_vm_numa_stat != 0; /* zone_statistics: one, of order 9 */
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        struct page *p = &mem_map[head + i];
        p->flags = i ? 1UL << PG_tail : 1UL << PG_head;
        p->_refcount = i == 0 ? 1 : i == 1 ? -1 : 0; /* the head's one; no PMD maps it yet */
        p->_mapcount = -1;
        p->index = 0;
        p->lru_next = i ? (uint32_t)head : 0;
        p->lru_prev = 0;
        if (!fresh)
            memset(page_address(p), 0, PAGE_SIZE);
        else if (fresh) /* as alloc_page_zeroed: the host zeroes it now, in clear_huge_page */
            *(volatile unsigned char *)page_address(p) = 0;
    }
    return &mem_map[head];
}

/* The last reference to a compound page went: its frames go back as one free huge block
 * (__free_pages with order HPAGE_PMD_ORDER). */
static void free_compound_page(struct page *head)
{
    unsigned long pfn = page_to_pfn(head);
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        struct page *p = &mem_map[pfn + i];
        arch_free_page(p);
        p->flags = 1UL << PG_buddy;
        p->_refcount = 0;
        p->_mapcount = -1;
    }
    head->lru_next = huge_free_head;
    huge_free_head = (uint32_t)pfn;
    nr_free += HPAGE_PMD_NR;
}

/*
 * split_page_compound - a compound page that no PMD maps any more becomes HPAGE_PMD_NR single
 * pages (the struct page part of __split_huge_page): each frame keeps the head's flags but
 * PG_head/PG_lru, its own index and mapcount, and takes from the head the reference each of its
 * PTEs holds; a frame that nothing maps is freed. The head keeps its own PTEs' references and
 * any beyond the mappings (the caller's). If the head is on the reclaim list the tails join it
 * at the back (lru_add_page_tail puts them right after the head).
 */
void split_page_compound(struct page *head)
{
    unsigned long pfn = page_to_pfn(head);
    unsigned long keep = head->flags & ~(1UL << PG_head | 1UL << PG_lru | 1UL << PG_arch_1);
    head->flags &= ~(1UL << PG_head);
    for (unsigned long i = 1; i < HPAGE_PMD_NR; i++) {
        struct page *p = &mem_map[pfn + i];
        int refs = p->_mapcount + 1;
        head->_refcount -= refs;
        p->flags = keep | (p->flags & (1UL << PG_arch_1));
        p->_refcount = refs;
        p->lru_next = p->lru_prev = 0;
        if (!refs) {
            p->_refcount = 1;
            put_page(p);
        } else if (PageLRU(head)) {
            lru_cache_add(p);
        }
    }
}

/* The huge zero page (mm_get_huge_zero_page): HPAGE_PMD_NR zeroed frames, PG_reserved, made at
 * the first read fault that wants it. Each mm that has mapped it holds one reference until it
 * goes (MMF_HUGE_ZERO_PAGE), and the shrinker one: when that is the only one left, memory
 * pressure frees the page (shrink_huge_zero_page), as in Linux. NULL: no aligned block free. */
struct page *mm_get_huge_zero_page(struct mm_struct *mm)
{
    if (mm->huge_zero_page)
        return huge_zero_pg;
    if (!huge_zero_pg) {
        struct page *page = alloc_transhuge_page();
        if (!page)
            return NULL;
        for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
            page[i].flags |= 1UL << PG_reserved;
        vm_events.thp_zero_page_alloc++;
        huge_zero_pg = page;
        huge_zero_refcount = 1; /* the shrinker's */
    }
    huge_zero_refcount++;
    mm->huge_zero_page = true;
    return huge_zero_pg;
}

void mm_put_huge_zero_page(struct mm_struct *mm)
{
    if (!mm->huge_zero_page)
        return;
    mm->huge_zero_page = false;
    huge_zero_refcount--;
}

unsigned long shrink_huge_zero_page(void)
{
    if (!huge_zero_pg || huge_zero_refcount != 1)
        return 0;
    struct page *page = huge_zero_pg;
    huge_zero_pg = NULL;
    huge_zero_refcount = 0;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
        page[i].flags &= ~(1UL << PG_reserved);
    free_compound_page(page);
    return HPAGE_PMD_NR;
}

struct page *huge_zero_page(void)
{
    return huge_zero_pg;
}

bool is_huge_zero_pfn(unsigned long pfn)
{
    return huge_zero_pg && pfn == page_to_pfn(huge_zero_pg);
}

void get_page(struct page *page)
{
    page = compound_head(page);
    if (!PageReserved(page))
        page->_refcount++;
}

/* Drop a reference; the last one returns the frame to the free list (__free_pages). */
void put_page(struct page *page)
{
    page = compound_head(page);
    if (PageReserved(page))
        return;
    if (--page->_refcount > 0)
        return;
    del_page_from_lru(page);
    arch_free_page(page);
    if (PageHead(page)) {
        free_compound_page(page);
        return;
    }
    page->flags = 1UL << PG_buddy;
    page->_mapcount = -1;
    free_list_push(page_to_pfn(page));
    nr_free++;
}

/* __def_gfpflag_names (include/trace/events/mmflags.h), in its order: most bits first. */
static const struct {
    gfp_t mask;
    const char *name;
} gfpflag_names[] = {
    {GFP_TRANSHUGE, "GFP_TRANSHUGE"},
    {GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"},
    {GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"},
    {GFP_HIGHUSER, "GFP_HIGHUSER"},
    {GFP_USER, "GFP_USER"},
    {GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"},
    {GFP_KERNEL, "GFP_KERNEL"},
    {GFP_NOFS, "GFP_NOFS"},
    {GFP_ATOMIC, "GFP_ATOMIC"},
    {GFP_NOIO, "GFP_NOIO"},
    {GFP_NOWAIT, "GFP_NOWAIT"},
    {GFP_DMA, "GFP_DMA"},
    {__GFP_HIGHMEM, "__GFP_HIGHMEM"},
    {GFP_DMA32, "GFP_DMA32"},
    {__GFP_HIGH, "__GFP_HIGH"},
    {__GFP_ATOMIC, "__GFP_ATOMIC"},
    {__GFP_IO, "__GFP_IO"},
    {__GFP_FS, "__GFP_FS"},
    {__GFP_NOWARN, "__GFP_NOWARN"},
    {__GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"},
    {__GFP_NOFAIL, "__GFP_NOFAIL"},
    {__GFP_NORETRY, "__GFP_NORETRY"},
    {__GFP_COMP, "__GFP_COMP"},
    {__GFP_ZERO, "__GFP_ZERO"},
    {__GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"},
    {__GFP_MEMALLOC, "__GFP_MEMALLOC"},
    {__GFP_HARDWALL, "__GFP_HARDWALL"},
    {__GFP_THISNODE, "__GFP_THISNODE"},
    {__GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"},
    {__GFP_MOVABLE, "__GFP_MOVABLE"},
    {__GFP_ACCOUNT, "__GFP_ACCOUNT"},
    {__GFP_WRITE, "__GFP_WRITE"},
    {__GFP_RECLAIM, "__GFP_RECLAIM"},
    {__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"},
    {__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"},
};

char *format_gfp_flags(gfp_t gfp, char *buf, unsigned long len)
{
    size_t used = 0;
#define PUT(...) used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__)
    if (!len)
        return buf;
    buf[0] = '\0';
    if (!gfp) {
        PUT("none");
        return buf;
    }
    for (size_t i = 0; i < sizeof(gfpflag_names) / sizeof(gfpflag_names[0]) && gfp; i++) {
        gfp_t mask = gfpflag_names[i].mask;
        if ((gfp & mask) != mask)
            continue;
        PUT("%s%s", used ? "|" : "", gfpflag_names[i].name);
        gfp &= ~mask;
    }
    if (gfp)
        PUT("%s%#x", used ? "|" : "", gfp);
#undef PUT
    return buf;
}
