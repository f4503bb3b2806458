/*
 * swap.h - swap entries, the swap device, the swap cache, page reclaim and the OOM killer.
 *
 * Models include/linux/swap.h and include/linux/swapops.h of Linux 4.20 (and the few parts of
 * include/linux/oom.h the fault path needs). The swap device is one host file; reclaim
 * (vmscan.c) runs when free frames drop below a low watermark, before an allocation fails.
 */
#ifndef FL_SWAP_H
#define FL_SWAP_H

#include "kernel_model/mm.h"
#include "kernel_model/mm_types.h"

/* The architecture-independent swap entry of include/linux/swapops.h: type in the top
 * MAX_SWAPFILES_SHIFT bits, offset (the slot) below. val 0 is "no entry" (slot 0 of every swap
 * file is its header, never handed out). */
typedef struct {
    unsigned long val;
} swp_entry_t;

#define MAX_SWAPFILES_SHIFT 5
#define SWP_TYPE_SHIFT      (64 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK     ((1UL << SWP_TYPE_SHIFT) - 1)

static inline swp_entry_t swp_entry(unsigned type, pgoff_t offset)
{
    return (swp_entry_t){((unsigned long)type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK)};
}
static inline unsigned swp_type(swp_entry_t e)
{
    return (unsigned)(e.val >> SWP_TYPE_SHIFT);
}
static inline pgoff_t swp_offset(swp_entry_t e)
{
    return e.val & SWP_OFFSET_MASK;
}
/* The PTE form of an entry: arch/x86's __swp_entry layout (pgtable.h). */
static inline pte_t swp_entry_to_pte(swp_entry_t e)
{
    return __pte(__swp_entry(swp_type(e), swp_offset(e)));
}
static inline swp_entry_t pte_to_swp_entry(pte_t pte)
{
    return swp_entry(__swp_type(pte_val(pte)), __swp_offset(pte_val(pte)));
}

static inline bool PageSwapCache(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_swapcache);
}
static inline bool PageLRU(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_lru);
}

/* --- mm/swapfile.c: the swap device and its slots --- */
/* swapon(2) on an open host file descriptor (the model owns it from now on, and closes it at
 * swapoff): `bytes` of swap, one slot per page after the header page. 0 or -errno. */
int swapon(int fd, unsigned long bytes);
/* Forget the swap device and close its host file (faultline's exit: the guest is gone). */
void swapoff(void);
/*
 * swapoff(2) of the device (the model's part: the caller checked the name and CAP_SYS_ADMIN).
 * Expects an active device; no slot is handed out from the start (SwapTotal and SwapFree read 0
 * meanwhile), then try_to_unuse brings every page on swap back into RAM. 0: the device is
 * inactive (its slot maps gone), its host file still open for swapon_device; *pages the PTEs
 * and shmem pages given their page. -ENOMEM (no frame for a page) or -EBUSY (a reference the
 * model cannot find): the device is active again, with what is still on it (4.20's
 * reinsert_swap_info). -EINVAL when no device is active.
 */
int swapoff_device(unsigned long *pages);
/* try_to_unuse: every swap PTE of every mm, every shmem page on swap and every swap-cache page
 * back in RAM, each slot read once through the swap cache (pswpin); slots free after. Expects
 * the device not handing out slots (swapoff_device). 0, -ENOMEM or -EBUSY (see above). */
int try_to_unuse(unsigned long *pages);
/* swapon(2) of the device swapoff_device left: its slots all free, priority prio. -EBUSY while
 * it is active, -EINVAL when there is no device (no --swap), -ENOMEM. */
int swapon_device(int prio);
bool swap_device_active(void);         /* slots are handed out, /proc/swaps lists it */
bool swap_device_exists(void);         /* --swap made one, active or not */
int swap_priority(void);               /* /proc/swaps' Priority */
int swap_host_fd(void);                /* the host file behind it (-1: none) */
unsigned long get_nr_swap_pages(void); /* free slots */
unsigned long total_swap_pages(void);  /* all slots */
/* A free slot with its swap-cache reference (SWAP_HAS_CACHE), or val 0 when swap is full. */
swp_entry_t get_swap_page(void);
/* One more PTE refers to the slot (copy_page_range). 0, or -EINVAL for a free slot. */
int swap_duplicate(swp_entry_t entry);
/* One PTE stops referring to the slot; the slot is freed once nothing refers to it. */
void swap_free(swp_entry_t entry);
/* PTE references to the slot (swap_map without SWAP_HAS_CACHE). */
int __swap_count(swp_entry_t entry);
/* True when entry names a slot of the swap device that is in use. */
bool swap_entry_in_use(swp_entry_t entry);
/* The swap cache takes the slot's SWAP_HAS_CACHE claim (a page is read into the cache). */
void swapcache_prepare(swp_entry_t entry);
/* The swap cache let go of the slot (SWAP_HAS_CACHE cleared); frees it if no PTE refers to it. */
void swapcache_free(swp_entry_t entry);
/* zap: drop one PTE's reference, and the swap-cache page too once nothing maps or refers. */
void free_swap_and_cache(swp_entry_t entry);
/* Read or write the page's slot on the host file. 0 or -EIO. */
int swap_readpage(struct page *page, swp_entry_t entry);
int swap_writepage(struct page *page, swp_entry_t entry);

/* --- mm/swap_state.c: the swap cache --- */
/* The page caching entry, with a reference taken, or NULL. */
struct page *lookup_swap_cache(swp_entry_t entry);
/* Give an anonymous page a slot and put it in the swap cache (the cache takes a reference).
 * false when swap is full. */
bool add_to_swap(struct page *page);
/* Take the page out of the swap cache, dropping the cache's reference and its slot claim. */
void delete_from_swap_cache(struct page *page);
/* The page's slot is referenced by no PTE any more: leave the swap cache (the page becomes
 * dirty, so a later eviction writes it again). True if it left. */
bool try_to_free_swap(struct page *page);
/*
 * swapin_readahead - the page for entry, whose swap PTE vmf faulted on: from the swap cache
 * (a hit on a page readahead brought counts for the VMA's next window), or read from the
 * device into a new page added to the cache (*major set), after swap_vma_readahead has read
 * the swap PTEs of a window around the address into the cache too (Linux 4.20's default
 * for a non-rotational swap device; the window grows with the hits, up to 1 << page_cluster
 * pages). Returned with a reference; NULL when no frame could be had.
 */
struct page *swapin_readahead(swp_entry_t entry, struct vm_fault *vmf, bool *major);
/* vm.page-cluster: swap readahead reads at most 1 << page_cluster pages; 0: none. */
extern unsigned int page_cluster;
/* swap_cluster_readahead, for a miss of entry without a VMA (shmem's swap-in, as 4.20's
 * shmem_swapin): the slots in use of the aligned cluster around entry's, read into the swap
 * cache with PG_readahead (frames only where free without reclaim), entry's own not. The
 * cluster has 1 << page_cluster slots at most, fewer when recent lookups found few of the pages
 * read ahead. lookup_swap_cache_novma: lookup_swap_cache that counts such a find as a hit. */
void swap_cluster_readahead(swp_entry_t entry);
struct page *lookup_swap_cache_novma(swp_entry_t entry);
unsigned long swap_cache_pages(void);
/* read_swap_cache_async for try_to_unuse: entry's page from the swap cache, or read from the
 * device into a new page added to it (pswpin; the allocation may reclaim). With a reference;
 * NULL when no frame could be had or the read failed. */
struct page *read_swap_cache_page(swp_entry_t entry);

/* --- mm/shmem.c: shared anonymous memory's pages on swap ---
 *
 * shmem_writepage: page, of a shmem file and unmapped (PTEs cleared), is written to a new swap
 * slot that m's table records for its index; the caller then takes it out of the cache. The
 * slot's entry, or val 0 (swap full, or the write failed) with nothing changed.
 * shmem_swapin: if page `index` of m is on swap, bring it into the cache and free the slot: 1
 * when it was read from the device (after a cluster readahead), 2 when the swap cache had it
 * (read ahead); 0 when it is not on swap; -ENOMEM or -EIO (it stays on swap).
 * shmem_free_swap: pages [first, last] of m leave swap (their slots freed): truncation, a hole
 * punched, the file gone.
 * shmem_partial_swap_usage: how many of pages [first, last] are on swap (smaps' Swap). */
swp_entry_t shmem_writepage(struct page *page);
int shmem_swapin(struct address_space *m, pgoff_t index);
void shmem_free_swap(struct address_space *m, pgoff_t first, pgoff_t last);
/* shmem_unacct_size: m is going (shmem_evict_inode); its charge leaves vm_committed_as. */
void shmem_unacct_size(struct address_space *m);
unsigned long shmem_partial_swap_usage(const struct address_space *m, pgoff_t first, pgoff_t last);
/* shmem_unuse, for try_to_unuse: every shmem file's pages on swap back in its page cache, dirty
 * (from the swap cache when there, else read: pswpin), their slots freed; *pages counts them.
 * 0, or -ENOMEM/-EIO with the pages not yet back still on swap. */
int shmem_unuse(unsigned long *pages);

/* --- mm/vmscan.c: reclaim --- */
/*
 * The replacement policy (--reclaim):
 *  RECLAIM_CLOCK  second chance: the hand sweeps the list in insertion order; a page whose
 *                 PTEs were accessed since the last look has the bits cleared (TLB flushed) and
 *                 goes to the back; the first unaccessed page is evicted. The default.
 *  RECLAIM_LRU    every reclaim pass first harvests the accessed bits of all listed pages and
 *                 moves the accessed ones to the back (most recent), keeping their order; then
 *                 it evicts from the front: least recently used at the granularity of passes.
 *  RECLAIM_FIFO   evict in insertion order, ignoring accessed bits.
 *  RECLAIM_LINUX  Linux 4.20's own: active and inactive lists for anonymous and for file pages,
 *                 balanced by get_scan_count, aged by shrink_active_list, evicted by
 *                 shrink_inactive_list after page_check_references (vmscan.c says how).
 */
enum reclaim_policy { RECLAIM_CLOCK, RECLAIM_LRU, RECLAIM_FIFO, RECLAIM_LINUX };
extern enum reclaim_policy reclaim_policy;
/* Free-frame watermarks (pages): below watermark_low, reclaim frees up to watermark_high; below
 * watermark_min an allocation must see reclaim able to help (reclaim_before_alloc). mem_init
 * sets them from min_free_kbytes as Linux does; a small RAM has all three at 0 (reclaim only when
 * no frame is free, one page at a time). */
extern unsigned long watermark_min, watermark_low, watermark_high;
/* vm.min_free_kbytes and vm.watermark_scale_factor (4.20's default 10): what the watermarks are
 * made from. A write of either calls setup_per_zone_wmarks (page_alloc.c), which sets the three
 * from them as __setup_per_zone_wmarks does. */
extern int min_free_kbytes, watermark_scale_factor;
void setup_per_zone_wmarks(void);
/* vm.swappiness (0 to 100, default 60): get_scan_count's weight of anonymous pages against
 * page cache, out of 200 (--reclaim linux; the other policies do not split the two). */
extern int vm_swappiness;

/* Enough free frames that an allocation needs no reclaim. */
static inline bool free_above_low(unsigned long free)
{
    return free > watermark_low && free > 0;
}

/* What the fault path, reclaim and swap did (the event counters of /proc/vmstat the model
 * keeps; mm/vmstat.c's vm_event_states). */
struct vm_event_state {
    unsigned long pgfault, pgmajfault; /* handle_mm_fault calls, and those that read from disk */
    unsigned long pswpin, pswpout;     /* pages read from / written to swap */
    unsigned long pgsteal_anon;        /* anonymous pages evicted */
    unsigned long pgsteal_file;        /* page-cache pages dropped */
    unsigned long pglazyfree;          /* anonymous pages MADV_FREE made lazily free */
    unsigned long pglazyfreed;         /* of those, dropped by reclaim (never written again) */
    unsigned long pgwriteback_file;    /* dirty file pages written back before eviction */
    unsigned long pgscan;              /* pages looked at (on an inactive list: linux) */
    unsigned long pgrotated;           /* pages given a second chance */
    unsigned long pgrefill;            /* active pages looked at (linux) */
    unsigned long reclaim_kept;        /* looked at, in use, kept: activated or left inactive
                                          by page_check_references, or an executable page
                                          left active (linux; the others count pgrotated) */
    unsigned long pgactivate;          /* pages moved to an active list (linux) */
    unsigned long pgdeactivate;        /* pages moved to an inactive list (linux) */
    unsigned long workingset_activate; /* refaulted file pages activated at once (linux) */
    unsigned long swapcache_hits;      /* do_swap_page found the page in the swap cache */
    unsigned long swap_ra;             /* pages swap readahead read */
    unsigned long swap_ra_hit;         /* of those, found by a fault */
    unsigned long workingset_refault;  /* file pages read again after reclaim dropped them */
    unsigned long oom_kills;
    unsigned long thp_fault_alloc;           /* huge pages a fault mapped */
    unsigned long thp_fault_fallback;        /* faults that wanted one and found none free */
    unsigned long thp_collapse_alloc;        /* huge pages khugepaged collapsed small ones into */
    unsigned long thp_collapse_alloc_failed; /* collapses that found no huge page free */
    unsigned long thp_split_page;            /* huge pages split into small ones */
    unsigned long thp_deferred_split_page;   /* huge pages queued for a split, partly unmapped */
    unsigned long thp_split_pmd;             /* huge PMDs split into PTE tables */
    unsigned long thp_zero_page_alloc;       /* the huge zero page made */
    /* page allocations that succeeded, a huge page one (zone_statistics' NUMA_HIT and
     * NUMA_LOCAL: the machine has one node, so every allocation is a local hit) */
    unsigned long numa_hit;
};
extern struct vm_event_state vm_events;
/* vm.numa_stat (1, ENABLE_NUMA_STAT): 0 stops zone_statistics, so numa_hit stays 0. */
extern int sysctl_vm_numa_stat;
/* sysctl_vm_numa_stat_handler after a write that changed vm.numa_stat from oldval: turned off,
 * the NUMA counters are cleared (invalid_numa_statistics); each way the kernel says so. */
void vm_numa_stat_written(int oldval);

/* Empty the reclaim lists (mem_init: a new RAM of nr_frames frames has no pages on them). */
void lru_init(unsigned long nr_frames);
/* Put a newly allocated anonymous or page-cache page on the reclaim list (under --reclaim linux,
 * on the list its flags say: active or inactive, anonymous or file). */
void lru_cache_add(struct page *page);
/* lru_cache_add_active_or_unevictable: a new anonymous page, which Linux starts on the active
 * list (--reclaim linux; the other policies have one list). */
void lru_cache_add_active(struct page *page);
/* activate_page, mark_page_accessed (mm/swap.c): under --reclaim linux, move the page to its
 * active list; a page marked accessed twice while inactive is activated (the first time only
 * sets PG_referenced). The other policies only set PG_referenced. */
void activate_page(struct page *page);
void mark_page_accessed(struct page *page);
/* Pages on the active file list (--reclaim linux), for workingset_refault's distance. */
unsigned long nr_active_file(void);
/* mark_page_lazyfree (mm/swap.c): an anonymous page only its one PTE maps, just made clean by
 * MADV_FREE, becomes PG_lazyfree and goes to the back of the reclaim list, where reclaim may drop
 * it without swap (vm_events.pglazyfree). Not on the list, in the swap cache, or lazily free
 * already: nothing. */
void mark_page_lazyfree(struct page *page);
/* Take a page off the list (it is being freed). */
void del_page_from_lru(struct page *page);
/* Free up to nr frames; returns how many were freed. */
unsigned long try_to_free_pages(unsigned long nr);
/* Called by the allocator before it hands out a frame: runs reclaim below the low watermark.
 * false when the allocation must fail: below the min watermark with too little left to reclaim
 * (then RAM is exhausted: the caller's -ENOMEM or VM_FAULT_OOM). */
bool reclaim_before_alloc(void);
/* Every page currently on the reclaim list, front (next victim side) first. For tests. */
unsigned long lru_snapshot(unsigned long *pfns, unsigned long max);

/* --- mm/oom_kill.c --- */
#define OOM_SCORE_ADJ_MIN (-1000) /* include/uapi/linux/oom.h */
#define OOM_SCORE_ADJ_MAX 1000
/* totalram_pages + total_swap_pages: the pages oom_badness's oom_score_adj is a share of. */
unsigned long oom_total_pages(void);
/* oom_badness: what killing p would give back, in pages (resident + swap entries + page
 * tables), plus oom_score_adj / 1000 of totalpages; at least 1 for an eligible task, 0 for one
 * that is not (no mm, oom_score_adj -1000, its mm already reaped). /proc/PID/oom_score is
 * this * 1000 / totalpages. */
long oom_badness(struct task_struct *p, unsigned long totalpages);
/* out_of_memory for a fault of current that reclaim could not satisfy: the task to kill (the
 * allocating task under vm.oom_kill_allocating_task unless its oom_score_adj is -1000, else
 * the largest oom_badness, or that task's child of highest badness with an mm of its own;
 * current itself when the victim's mm is current's), with 4.20's report printed (dump_header,
 * dump_tasks under vm.oom_dump_tasks, the chosen and the killed process) and the victim's mm
 * marked (oom_victim). OOM_NO_KILL, printing nothing, when nobody need die: current is dying
 * already (task_will_free_mem: its exit frees the memory), or a previous victim's memory has
 * not been reaped yet (tsk_is_oom_victim); the fault is then tried again. NULL, after the
 * report and "Out of memory and no killable processes...", when no task is eligible (4.20
 * panics then). The gfp mask reported is alloc_gfp_mask, the failed allocation's. */
struct task_struct *out_of_memory(struct task_struct *current);
#define OOM_NO_KILL ((struct task_struct *)-1L)
/* vm.oom_kill_allocating_task: non-zero, the OOM killer kills the faulting task instead of
 * choosing (out_of_memory's first test). */
extern int sysctl_oom_kill_allocating_task;
/* vm.oom_dump_tasks (default 1): non-zero, the report lists every process's memory. */
extern int sysctl_oom_dump_tasks;
/* The OOM reaper for tsk, a victim: unmap the private memory of its mm now (the mm stays valid,
 * with its VMAs and no pages in them, until the task's exit puts it) and say so, with what the
 * mm still holds ("oom_reaper: reaped process ..."). */
void oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm);

#endif
