/*
 * vmstat.c - the machine's page counters and /proc/vmstat (models mm/vmstat.c).
 *
 * Linux keeps a counter per node and zone for every page state (NR_FREE_PAGES, NR_ANON_MAPPED,
 * NR_FILE_PAGES ...) and updates it wherever a page changes state. The model counts them when
 * asked, by one walk over the frames handed out so far: a /proc read is rare next to the
 * millions of state changes a run makes, and a walk cannot drift from the pages it counts. The
 * walk stops at first_fresh_pfn(), so it never makes an unused part of mem_map resident.
 *
 * The event counters (pgfault, pswpin ...) are vm_events (swap.h), raised where Linux raises
 * them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

/* One page, sorted into the counters it belongs to (the zone_stat/node_stat items). */
static void count_page(struct vm_page_state *s, const struct page *page)
{
    if (page->flags & (1UL << PG_buddy)) {
        s->nr_free++;
        return;
    }
    bool mapped = page_mapcount(page) > 0; /* this frame: by a PTE, or by its page's PMD */
    if (PageTail(page))                    /* a frame of a huge page counts as what the page is */
        page = compound_head(page);
    if (PageReserved(page)) {
        s->nr_reserved++;
        return;
    }
    if (page->flags & (1UL << PG_pgtable)) {
        s->nr_page_table_pages++;
        return;
    }
    struct address_space *mapping = PageAnon(page) ? NULL : page_mapping_file(page);
    /* a lazily free page is on Linux's file list: reclaim may drop it without swap */
    bool swapbacked = (PageAnon(page) && !PageLazyFree(page)) || shmem_mapping(mapping);

    if (PageAnon(page) && mapped)
        s->nr_anon_mapped++;
    if (PageSwapCache(page))
        s->nr_swapcache++;
    if (mapping) {
        s->nr_file_pages++;
        if (shmem_mapping(mapping))
            s->nr_shmem++;
        else if (PageDirty(page))
            s->nr_file_dirty++;
        if (mapped)
            s->nr_file_mapped++;
    }
    if (page->flags & (1UL << PG_lru)) {
        bool linux_lists = reclaim_policy == RECLAIM_LINUX;
        if (swapbacked) {
            s->nr_lru_anon++;
            s->nr_active_anon += !linux_lists || PageActive(page);
        } else {
            s->nr_lru_file++;
            s->nr_active_file += linux_lists && PageActive(page);
        }
    }
}

struct mlock_walk {
    unsigned char *seen; /* one bit per frame below first_fresh_pfn() */
    unsigned long nr_mlock;
};

static void mlocked_pte_entry(pte_t *ptep, unsigned long addr, bool huge, void *priv)
{
    struct mlock_walk *w = priv;

    (void)addr, (void)huge;
    if (!pte_present(*ptep) || pte_special(*ptep))
        return;
    unsigned long pfn = pte_pfn(*ptep);
    if (pfn >= first_fresh_pfn() || (w->seen[pfn / 8] & (1u << (pfn % 8))))
        return;
    w->seen[pfn / 8] |= 1u << (pfn % 8);
    w->nr_mlock++;
}

/* The resident normal pages of mm's VM_LOCKED VMAs, each frame counted once however many
 * mappings it has (Linux's PG_mlocked is a page flag). */
static void count_mlocked(struct mm_struct *mm, void *ctx)
{
    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
        if (v->vm_flags & VM_LOCKED)
            walk_page_vma(v, mlocked_pte_entry, ctx);
}

int vm_page_state_read(struct vm_page_state *s)
{
    unsigned long fresh = first_fresh_pfn();

    *s = (struct vm_page_state){0};
    for (unsigned long pfn = 0; pfn < fresh; pfn++)
        count_page(s, pfn_to_page(pfn));
    s->nr_free += totalram_pages() - fresh;

    struct mlock_walk mw = {.seen = calloc(fresh / 8 + 1, 1)};
    if (!mw.seen)
        return -1;
    for_each_mm(count_mlocked, &mw);
    free(mw.seen);
    s->nr_mlock = mw.nr_mlock;

    s->committed_pages = vm_memory_committed();
    return 0;
}

/* vmstat_show: the counters the model keeps, by Linux 4.20's names and in its order (the
 * zone and node items, then the events); the items it has nothing for are left out. */
int vmstat_show(char *buf, size_t len)
{
    struct vm_page_state s;
    if (vm_page_state_read(&s) < 0)
        return -1;
    const struct {
        const char *name;
        unsigned long value;
    } items[] = {
        {"nr_free_pages", s.nr_free},
        {"nr_zone_inactive_anon", s.nr_lru_anon - s.nr_active_anon},
        {"nr_zone_active_anon", s.nr_active_anon},
        {"nr_zone_inactive_file", s.nr_lru_file - s.nr_active_file},
        {"nr_zone_active_file", s.nr_active_file},
        {"nr_zone_unevictable", 0},
        {"nr_zone_write_pending", s.nr_file_dirty},
        {"nr_mlock", s.nr_mlock},
        {"nr_page_table_pages", s.nr_page_table_pages},
        {"nr_inactive_anon", s.nr_lru_anon - s.nr_active_anon},
        {"nr_active_anon", s.nr_active_anon},
        {"nr_inactive_file", s.nr_lru_file - s.nr_active_file},
        {"nr_active_file", s.nr_active_file},
        {"nr_unevictable", 0},
        {"workingset_refault", vm_events.workingset_refault},
        {"workingset_activate", vm_events.workingset_activate},
        {"nr_anon_pages", s.nr_anon_mapped},
        {"nr_mapped", s.nr_file_mapped},
        {"nr_file_pages", s.nr_file_pages + s.nr_swapcache},
        {"nr_dirty", s.nr_file_dirty},
        {"nr_writeback", 0},
        {"nr_shmem", s.nr_shmem},
        {"nr_anon_transparent_hugepages", nr_anon_thps},
        {"pswpin", vm_events.pswpin},
        {"pswpout", vm_events.pswpout},
        {"swap_ra", vm_events.swap_ra},
        {"swap_ra_hit", vm_events.swap_ra_hit},
        {"pgactivate", vm_events.pgactivate},
        {"pgdeactivate", vm_events.pgdeactivate},
        {"pglazyfree", vm_events.pglazyfree},
        {"pgfault", vm_events.pgfault},
        {"pgmajfault", vm_events.pgmajfault},
        {"pglazyfreed", vm_events.pglazyfreed},
        {"pgrefill", vm_events.pgrefill},
        /* reclaim runs in the allocating task here: "direct" in Linux's terms */
        {"pgsteal_direct", vm_events.pgsteal_anon + vm_events.pgsteal_file + vm_events.pglazyfreed},
        {"pgscan_direct", vm_events.pgscan},
        {"pgrotated", vm_events.pgrotated},
        {"oom_kill", vm_events.oom_kills},
        {"thp_fault_alloc", vm_events.thp_fault_alloc},
        {"thp_fault_fallback", vm_events.thp_fault_fallback},
        {"thp_collapse_alloc", vm_events.thp_collapse_alloc},
        {"thp_collapse_alloc_failed", vm_events.thp_collapse_alloc_failed},
        {"thp_split_page", vm_events.thp_split_page},
        {"thp_deferred_split_page", vm_events.thp_deferred_split_page},
        {"thp_split_pmd", vm_events.thp_split_pmd},
        {"thp_zero_page_alloc", vm_events.thp_zero_page_alloc},
    };
    size_t used = 0;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        int n = snprintf(buf + used, used < len ? len - used : 0, "%s %lu\n", items[i].name,
                         items[i].value);
        used += (size_t)n;
    }
    return (int)used;
}
