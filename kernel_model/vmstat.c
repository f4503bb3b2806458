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
 * them; so is numa_hit (zone_statistics). The one node's vmstat and numastat files
 * (drivers/base/node.c) print the same counters.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel_model/arch.h"
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

int sysctl_vm_numa_stat = 1;

void vm_numa_stat_written(int oldval)
{
    if (oldval == sysctl_vm_numa_stat)
        return;
    if (sysctl_vm_numa_stat == 1) {
        arch_printk(KERN_INFO "enable numa statistics");
    } else {
        vm_events.numa_hit = 0;
        arch_printk(KERN_INFO "disable numa statistics, and clear numa counters");
    }
}

/* One line of /proc/vmstat: 4.20's name, the model's value, and whether it is a zone, NUMA or
 * node item (which node0/vmstat shows too) rather than an event or a writeback threshold. */
struct vmstat_item {
    const char *name;
    unsigned long value;
    bool per_node;
};

/* The counters the model keeps, by Linux 4.20's names and in its order (the zone items, the
 * NUMA items, the node items, then the events); the items it has nothing for are left out. */
static int vmstat_items(struct vmstat_item *items, size_t max)
{
    struct vm_page_state s;
    if (vm_page_state_read(&s) < 0)
        return -1;
    const struct vmstat_item all[] = {
        {"nr_free_pages", s.nr_free, true},
        {"nr_zone_inactive_anon", s.nr_lru_anon - s.nr_active_anon, true},
        {"nr_zone_active_anon", s.nr_active_anon, true},
        {"nr_zone_inactive_file", s.nr_lru_file - s.nr_active_file, true},
        {"nr_zone_active_file", s.nr_active_file, true},
        {"nr_zone_unevictable", 0, true},
        {"nr_zone_write_pending", s.nr_file_dirty, true},
        {"nr_mlock", s.nr_mlock, true},
        {"nr_page_table_pages", s.nr_page_table_pages, true},
        /* one node: every allocation is a hit and local, none a miss, foreign or other; no
         * task has an interleave policy (no mempolicy is modelled) */
        {"numa_hit", vm_events.numa_hit, true},
        {"numa_miss", 0, true},
        {"numa_foreign", 0, true},
        {"numa_interleave", 0, true},
        {"numa_local", vm_events.numa_hit, true},
        {"numa_other", 0, true},
        {"nr_inactive_anon", s.nr_lru_anon - s.nr_active_anon, true},
        {"nr_active_anon", s.nr_active_anon, true},
        {"nr_inactive_file", s.nr_lru_file - s.nr_active_file, true},
        {"nr_active_file", s.nr_active_file, true},
        {"nr_unevictable", 0, true},
        {"workingset_refault", vm_events.workingset_refault, true},
        {"workingset_activate", vm_events.workingset_activate, true},
        {"nr_anon_pages", s.nr_anon_mapped, true},
        {"nr_mapped", s.nr_file_mapped, true},
        {"nr_file_pages", s.nr_file_pages + s.nr_swapcache, true},
        {"nr_dirty", s.nr_file_dirty, true},
        {"nr_writeback", 0, true},
        {"nr_shmem", s.nr_shmem, true},
        {"nr_anon_transparent_hugepages", nr_anon_thps, true},
        {"pswpin", vm_events.pswpin, false},
        {"pswpout", vm_events.pswpout, false},
        {"swap_ra", vm_events.swap_ra, false},
        {"swap_ra_hit", vm_events.swap_ra_hit, false},
        {"pgactivate", vm_events.pgactivate, false},
        {"pgdeactivate", vm_events.pgdeactivate, false},
        {"pglazyfree", vm_events.pglazyfree, false},
        {"pgfault", vm_events.pgfault, false},
        {"pgmajfault", vm_events.pgmajfault, false},
        {"pglazyfreed", vm_events.pglazyfreed, false},
        {"pgrefill", vm_events.pgrefill, false},
        /* reclaim runs in the allocating task here: "direct" in Linux's terms */
        {"pgsteal_direct", vm_events.pgsteal_anon + vm_events.pgsteal_file + vm_events.pglazyfreed,
         false},
        {"pgscan_direct", vm_events.pgscan, false},
        {"pgrotated", vm_events.pgrotated, false},
        {"oom_kill", vm_events.oom_kills, false},
        {"thp_fault_alloc", vm_events.thp_fault_alloc, false},
        {"thp_fault_fallback", vm_events.thp_fault_fallback, false},
        {"thp_collapse_alloc", vm_events.thp_collapse_alloc, false},
        {"thp_collapse_alloc_failed", vm_events.thp_collapse_alloc_failed, false},
        {"thp_split_page", vm_events.thp_split_page, false},
        {"thp_deferred_split_page", vm_events.thp_deferred_split_page, false},
        {"thp_split_pmd", vm_events.thp_split_pmd, false},
        {"thp_zero_page_alloc", vm_events.thp_zero_page_alloc, false},
    };
    size_t n = sizeof(all) / sizeof(all[0]);
    if (n > max)
        return -1;
    for (size_t i = 0; i < n; i++)
        items[i] = all[i];
    return (int)n;
}

#define MAX_VMSTAT_ITEMS 64

/* vmstat_show or node_vmstat_show: every item, or the per-node ones. */
static int show_items(char *buf, size_t len, bool per_node_only)
{
    struct vmstat_item items[MAX_VMSTAT_ITEMS];
    int n = vmstat_items(items, MAX_VMSTAT_ITEMS);
    if (n < 0)
        return -1;
    size_t used = 0;
    for (int i = 0; i < n; i++)
        if (!per_node_only || items[i].per_node)
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s %lu\n",
                                     items[i].name, items[i].value);
    return (int)used;
}

int vmstat_show(char *buf, size_t len)
{
    return show_items(buf, len, false);
}

int node_vmstat_show(int nid, char *buf, size_t len)
{
    (void)nid; /* the one node is the machine */
    return show_items(buf, len, true);
}

int node_numastat_show(int nid, char *buf, size_t len)
{
    (void)nid;
    /* node_read_numastat: the NUMA items in its own order and names */
    return snprintf(buf, len,
                    "numa_hit %lu\nnuma_miss %lu\nnuma_foreign %lu\ninterleave_hit %lu\n"
                    "local_node %lu\nother_node %lu\n",
                    vm_events.numa_hit, 0UL, 0UL, 0UL, vm_events.numa_hit, 0UL);
}
