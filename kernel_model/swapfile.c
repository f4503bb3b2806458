/*
 * swapfile.c - the swap device and its slot allocator (models mm/swapfile.c of Linux 4.20).
 *
 * One swap device (type 0): a host file of `bytes` bytes, slot N at file offset N * PAGE_SIZE.
 * Slot 0 is the header page, as in Linux, and is never handed out, so swp_entry val 0 means
 * "no entry". swap_map[N] counts the PTEs that hold slot N's entry; swap_has_cache[N] is
 * Linux's SWAP_HAS_CACHE bit: the swap cache holds a page for the slot. A slot is free when
 * both are clear. Slots are allocated lowest-free-first from a cursor (scan_swap_map_slots
 * does the same within a cluster), which keeps the unit tests' predictions simple.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

static int swap_fd = -1;
static unsigned long swap_bytes;      /* the device's size: what a swapon after swapoff restores */
static bool swap_writeok;             /* SWP_WRITEOK: slots are handed out (not while swapoff
                                         brings pages back, nor after it) */
static int swap_prio = -2;            /* swap_info_struct.prio: 4.20's first default is -2 */
static unsigned long swap_slots;      /* slots including the header */
static unsigned short *swap_map;      /* PTE references per slot */
static unsigned char *swap_has_cache; /* SWAP_HAS_CACHE */
static unsigned long swap_inuse;      /* slots in use */
static unsigned long swap_cursor;     /* where the next free-slot search starts */

int swapon(int fd, unsigned long bytes)
{
    unsigned long slots = bytes >> PAGE_SHIFT;
    if (swap_fd >= 0)
        return -EBUSY;
    if (slots < 2)
        return -EINVAL;
    if (ftruncate(fd, (off_t)bytes) != 0)
        return -errno;
    swap_map = calloc(slots, sizeof(*swap_map));
    swap_has_cache = calloc(slots, 1);
    if (!swap_map || !swap_has_cache) {
        free(swap_map);
        free(swap_has_cache);
        return -ENOMEM;
    }
    swap_fd = fd;
    swap_bytes = bytes;
    swap_slots = slots;
    swap_inuse = 0;
    swap_cursor = 1;
    swap_writeok = true;
    swap_prio = -2;
    return 0;
}

/* The slot maps go (the device is inactive); the host file stays open. */
static void swap_maps_free(void)
{
    free(swap_map);
    free(swap_has_cache);
    swap_map = NULL;
    swap_has_cache = NULL;
    swap_slots = swap_inuse = 0;
    swap_writeok = false;
}

void swapoff(void)
{
    if (swap_fd < 0)
        return;
    close(swap_fd);
    swap_maps_free();
    swap_fd = -1;
    swap_bytes = 0;
}

bool swap_device_active(void)
{
    return swap_map && swap_writeok;
}

bool swap_device_exists(void)
{
    return swap_fd >= 0;
}

int swap_priority(void)
{
    return swap_prio;
}

int swap_host_fd(void)
{
    return swap_fd;
}

/* While swapoff runs, the device's pages are no longer counted (4.20 takes them out of
 * total_swap_pages and nr_swap_pages before try_to_unuse, and puts them back if it fails). */
unsigned long total_swap_pages(void)
{
    return swap_device_active() ? swap_slots - 1 : 0;
}

unsigned long get_nr_swap_pages(void)
{
    return swap_device_active() ? swap_slots - 1 - swap_inuse : 0;
}

static bool slot_valid(swp_entry_t e)
{
    return swap_map && swp_type(e) == 0 && swp_offset(e) >= 1 && swp_offset(e) < swap_slots;
}

bool swap_entry_in_use(swp_entry_t e)
{
    return slot_valid(e) && (swap_map[swp_offset(e)] || swap_has_cache[swp_offset(e)]);
}

/* get_swap_page: the lowest free slot at or after the cursor (wrapping), claimed for the swap
 * cache. */
swp_entry_t get_swap_page(void)
{
    if (!swap_device_active() || swap_inuse == total_swap_pages())
        return (swp_entry_t){0};
    for (unsigned long n = 0; n < swap_slots - 1; n++) {
        unsigned long off = swap_cursor + n;
        if (off >= swap_slots)
            off -= swap_slots - 1;
        if (!swap_map[off] && !swap_has_cache[off]) {
            swap_has_cache[off] = 1;
            swap_inuse++;
            swap_cursor = off + 1 < swap_slots ? off + 1 : 1;
            return swp_entry(0, off);
        }
    }
    return (swp_entry_t){0};
}

static void slot_maybe_free(unsigned long off)
{
    if (!swap_map[off] && !swap_has_cache[off]) {
        swap_inuse--;
        if (off < swap_cursor)
            swap_cursor = off; /* keep handing out the lowest free slot */
    }
}

int swap_duplicate(swp_entry_t e)
{
    if (!swap_entry_in_use(e))
        return -EINVAL;
    swap_map[swp_offset(e)]++;
    return 0;
}

void swap_free(swp_entry_t e)
{
    if (!slot_valid(e) || !swap_map[swp_offset(e)])
        return;
    swap_map[swp_offset(e)]--;
    slot_maybe_free(swp_offset(e));
}

void swapcache_prepare(swp_entry_t e)
{
    if (slot_valid(e))
        swap_has_cache[swp_offset(e)] = 1;
}

void swapcache_free(swp_entry_t e)
{
    if (!slot_valid(e) || !swap_has_cache[swp_offset(e)])
        return;
    swap_has_cache[swp_offset(e)] = 0;
    slot_maybe_free(swp_offset(e));
}

int __swap_count(swp_entry_t e)
{
    return slot_valid(e) ? swap_map[swp_offset(e)] : 0;
}

/* free_swap_and_cache: a PTE holding entry is zapped. When that was the last PTE reference and
 * the swap cache holds an unmapped page for the slot, the page goes too. */
void free_swap_and_cache(swp_entry_t e)
{
    if (!slot_valid(e))
        return;
    swap_free(e);
    if (__swap_count(e))
        return;
    struct page *page = lookup_swap_cache(e);
    if (!page)
        return;
    if (page_mapcount(page) == 0)
        delete_from_swap_cache(page);
    put_page(page);
}

int swap_readpage(struct page *page, swp_entry_t e)
{
    if (!slot_valid(e))
        return -EIO;
    ssize_t n = pread(swap_fd, page_address(page), PAGE_SIZE, (off_t)swp_offset(e) << PAGE_SHIFT);
    return n == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}

int swap_writepage(struct page *page, swp_entry_t e)
{
    if (!slot_valid(e))
        return -EIO;
    ssize_t n = pwrite(swap_fd, page_address(page), PAGE_SIZE, (off_t)swp_offset(e) << PAGE_SHIFT);
    return n == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}

/* ---------------------------------------------------------------------------------------------
 * swapoff(2)'s work: try_to_unuse. 4.20 takes each used slot in turn, reads it into the swap
 * cache (read_swap_cache_async) and walks every mm's page tables for PTEs holding its entry
 * (unuse_mm), then shmem's files (shmem_unuse); the page then leaves the swap cache, dirty.
 * The model walks each mm's page tables once, bringing every swap PTE's page in as it meets it
 * (the order of Linux 5.1's rewrite; each slot is still read once, through the swap cache, so
 * a page two mms share after fork comes back as one page mapped by both), then shmem's files,
 * then the pages left in the swap cache. Nothing of it is a fault: pswpin counts the reads,
 * pgfault and pgmajfault do not move.
 */

struct unuse_walk {
    struct vm_area_struct *vma;
    int err;
    unsigned long pages; /* PTEs given their page */
};

/* unuse_pte: pte (still holding entry) gets page, which the swap cache holds: old, as 4.20's
 * pte_mkold(mk_pte()), so the next write to a private page takes do_wp_page's reuse. The PTE's
 * slot reference goes (swap_free); the page is anonymous and mapped once more. */
static void unuse_pte(struct vm_area_struct *vma, pte_t *pte, unsigned long addr, swp_entry_t entry,
                      struct page *page)
{
    struct mm_struct *mm = vma->vm_mm;
    mm->rss_stat[MM_SWAPENTS]--;
    mm->rss_stat[MM_ANONPAGES]++;
    get_page(page);
    *pte = pte_mkold(pfn_pte(page_to_pfn(page), vma->vm_page_prot));
    page_add_anon_rmap(page, vma, addr);
    swap_free(entry);
    activate_page(page);
    struct reclaim_event ev = {
        .pid = mm->owner ? mm->owner->pid : 0,
        .address = addr,
        .mappings = 1,
        .pfn = page_to_pfn(page),
        .kind = RECLAIM_SWAPOFF_IN,
        .swap_slot = swp_offset(entry),
    };
    trace_reclaim(&ev);
}

static void unuse_pte_entry(pte_t *pte, unsigned long addr, bool huge, void *priv)
{
    struct unuse_walk *w = priv;
    pte_t orig = *pte;
    if (huge || w->err || !is_swap_pte(orig))
        return;
    swp_entry_t entry = pte_to_swp_entry(orig);
    if (!slot_valid(entry))
        return;
    struct page *page = read_swap_cache_page(entry);
    if (!page) {
        w->err = -ENOMEM;
        return;
    }
    /* the read may have run reclaim, which may have changed this PTE: the next pass sees it */
    if (pte_val(*pte) == pte_val(orig)) {
        unuse_pte(w->vma, pte, addr, entry, page);
        w->pages++;
        /* the slot's last reference: the page leaves the swap cache, dirty, as 4.20 does once
         * every mm is done with the slot (else reclaim could drop it, clean, back to swap) */
        try_to_free_swap(page);
    }
    put_page(page);
}

static void unuse_mm(struct mm_struct *mm, void *ctx)
{
    struct unuse_walk *w = ctx;
    for (struct vm_area_struct *vma = mm->mmap; vma && !w->err; vma = vma->vm_next) {
        if (!vma->anon_vma)
            continue; /* no anonymous page, so no swap entry (unuse_vma's test) */
        w->vma = vma;
        walk_page_vma(vma, unuse_pte_entry, w);
    }
}

/* The pages left in the swap cache whose slot nothing refers to any more (read ahead and never
 * found, or mapped while another mm still held the entry) leave it, dirty: the slot is going. */
static void unuse_swap_cache(void)
{
    for (unsigned long off = 1; off < swap_slots; off++) {
        if (!swap_has_cache[off] || swap_map[off])
            continue;
        struct page *page = lookup_swap_cache(swp_entry(0, off));
        if (!page)
            continue;
        delete_from_swap_cache(page);
        SetPageDirty(page);
        put_page(page);
    }
}

int try_to_unuse(unsigned long *pages)
{
    unsigned long before = swap_inuse + 1;
    *pages = 0;
    /* Each pass can only free slots; a pass that frees none means a reference the model cannot
     * find (never expected: check_mm_invariants accounts every swap_map reference). */
    while (swap_inuse && swap_inuse < before) {
        before = swap_inuse;
        struct unuse_walk w = {0};
        for_each_mm(unuse_mm, &w);
        *pages += w.pages;
        if (w.err)
            return w.err;
        int err = shmem_unuse(pages);
        if (err)
            return err;
        unuse_swap_cache();
    }
    return swap_inuse ? -EBUSY : 0;
}

int swapoff_device(unsigned long *pages)
{
    *pages = 0;
    if (!swap_device_active())
        return -EINVAL;
    swap_writeok = false; /* del_from_avail_list: reclaim takes no slot from now on */
    int err = try_to_unuse(pages);
    if (err) {
        swap_writeok = true; /* reinsert_swap_info: the device stays, with what is left on it */
        return err;
    }
    if (swap_prio < 0)
        swap_prio = -2; /* least_priority++: the next default is -2 again */
    swap_maps_free();
    return 0;
}

int swapon_device(int prio)
{
    if (swap_fd < 0)
        return -EINVAL;
    if (swap_map)
        return -EBUSY;
    unsigned long slots = swap_bytes >> PAGE_SHIFT;
    swap_map = calloc(slots, sizeof(*swap_map));
    swap_has_cache = calloc(slots, 1);
    if (!swap_map || !swap_has_cache) {
        swap_maps_free();
        return -ENOMEM;
    }
    swap_slots = slots;
    swap_inuse = 0;
    swap_cursor = 1;
    swap_writeok = true;
    swap_prio = prio;
    return 0;
}
