/*
 * shmem.c - shared anonymous memory (models mm/shmem.c of Linux 4.20, the parts the model needs;
 * and ipc/shm.c's vm_ops).
 *
 * MAP_SHARED|MAP_ANONYMOUS memory and SysV segments are files of zeroes that live only in the
 * page cache (address_space.shmem): a page is allocated by the first touch of its index and
 * shared by every process mapping the file, fork included. Under memory pressure reclaim moves
 * such a page to swap as Linux's shmem_writepage does: the page leaves the cache and the swap
 * entry stands in its place (Linux keeps it in the cache's radix tree; the model in a table of
 * the address_space), so no PTE ever holds a shmem swap entry: the PTEs were cleared, and the
 * next touch is a fault that reads the page back (shmem_getpage_gfp's swap-in, VM_FAULT_MAJOR)
 * and frees the slot. As in 4.20, the swap-in first reads the cluster of slots around the
 * page's (swap_cluster_readahead): pages of the file swapped out together come back together,
 * through the swap cache.
 *
 * Host files on tmpfs (memfds, /dev/shm) are shmem to Linux too, but their pages live in the
 * host file: reclaim writes them back there (vmscan.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

/* One page of the file that is on swap. */
struct shmem_swap_slot {
    pgoff_t index;
    swp_entry_t entry;
    struct shmem_swap_slot *next;
};

/* The swap entries of one shmem file, by page index: a chained hash that doubles as it fills.
 * Every file that has such a table is on shmem_swaplist (4.20's list of shmem inodes with pages
 * on swap, which shmem_unuse walks), from its first page on swap until the table goes. */
struct shmem_swapped {
    struct shmem_swap_slot **buckets;
    unsigned long nbuckets; /* a power of two */
    unsigned long nr;
    struct address_space *mapping;
    struct shmem_swapped *next; /* shmem_swaplist */
};

static struct shmem_swapped *shmem_swaplist;

static unsigned long swap_bucket(const struct shmem_swapped *s, pgoff_t index)
{
    return (unsigned long)((index * 0x9E3779B97F4A7C15ULL) >> 32) & (s->nbuckets - 1);
}

/* Rehash into twice the buckets; false (and nothing changed) without memory. */
static bool swapped_grow(struct shmem_swapped *s)
{
    unsigned long n = s->nbuckets ? s->nbuckets * 2 : 64;
    struct shmem_swap_slot **b = calloc(n, sizeof(*b));
    if (!b)
        return false;
    struct shmem_swapped grown = {b, n, s->nr, s->mapping, s->next};
    for (unsigned long i = 0; i < s->nbuckets; i++) {
        while (s->buckets[i]) {
            struct shmem_swap_slot *e = s->buckets[i];
            s->buckets[i] = e->next;
            unsigned long h = swap_bucket(&grown, e->index);
            e->next = b[h];
            b[h] = e;
        }
    }
    free(s->buckets);
    *s = grown;
    return true;
}

/* Record that page `index` of m is in slot entry, whose one reference the record now holds. */
static bool swapped_add(struct address_space *m, pgoff_t index, swp_entry_t entry)
{
    if (!m->swapped) {
        if (!(m->swapped = calloc(1, sizeof(*m->swapped))))
            return false;
        m->swapped->mapping = m;
        m->swapped->next = shmem_swaplist;
        shmem_swaplist = m->swapped;
    }
    struct shmem_swapped *s = m->swapped;
    if (s->nr >= s->nbuckets && !swapped_grow(s) && !s->nbuckets)
        return false;
    struct shmem_swap_slot *e = malloc(sizeof(*e));
    if (!e)
        return false;
    unsigned long h = swap_bucket(s, index);
    *e = (struct shmem_swap_slot){index, entry, s->buckets[h]};
    s->buckets[h] = e;
    s->nr++;
    return true;
}

/* The link to page index's record in m's table, or NULL when the page is not on swap. */
static struct shmem_swap_slot **swapped_find(struct address_space *m, pgoff_t index)
{
    struct shmem_swapped *s = m->swapped;
    if (!s || !s->nr)
        return NULL;
    for (struct shmem_swap_slot **pp = &s->buckets[swap_bucket(s, index)]; *pp; pp = &(*pp)->next)
        if ((*pp)->index == index)
            return pp;
    return NULL;
}

swp_entry_t shmem_writepage(struct page *page)
{
    struct address_space *m = page_mapping_file(page);
    swp_entry_t entry = get_swap_page(); /* claimed for the swap cache (SWAP_HAS_CACHE) */
    if (!entry.val)
        return entry;
    if (swap_writepage(page, entry) || swap_duplicate(entry) ||
        !swapped_add(m, page->index, entry)) {
        if (__swap_count(entry))
            swap_free(entry);
        swapcache_free(entry);
        return (swp_entry_t){0};
    }
    swapcache_free(entry); /* the table's reference keeps the slot */
    vm_events.pswpout++;
    return entry;
}

int shmem_swapin(struct address_space *m, pgoff_t index)
{
    struct shmem_swap_slot **pp = swapped_find(m, index);
    if (!pp)
        return 0;
    swp_entry_t entry = (*pp)->entry;
    int ret = 2;
    struct page *page = lookup_swap_cache_novma(entry);
    if (page) {
        /* read ahead with another page's swap-in: it moves from the swap cache to the file */
        vm_events.swapcache_hits++;
        del_page_from_lru(page);
        delete_from_swap_cache(page); /* the reference taken by the lookup stays */
        page->flags &= ~(1UL << PG_anon);
    } else {
        /* shmem_swapin: the cluster of slots around this one first (swap_cluster_readahead).
         * The allocations may run reclaim: the record keeps the slot (reclaim frees none that
         * is referenced), and may move in the table (reclaim may swap out more of m). */
        swap_cluster_readahead(entry);
        page = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
        if (!page)
            return -ENOMEM;
        if (swap_readpage(page, entry)) {
            put_page(page);
            return -EIO; /* the page stays on swap */
        }
        vm_events.pswpin++;
        ret = 1;
    }
    pp = swapped_find(m, index);
    struct shmem_swap_slot *e = *pp;
    *pp = e->next;
    free(e);
    m->swapped->nr--;
    swap_free(entry); /* shmem_getpage_gfp: the page is the only copy again */
    add_to_page_cache_lru(page, m, index);
    return ret;
}

void shmem_free_swap(struct address_space *m, pgoff_t first, pgoff_t last)
{
    struct shmem_swapped *s = m->swapped;
    if (!s)
        return;
    for (unsigned long i = 0; i < s->nbuckets && s->nr; i++) {
        for (struct shmem_swap_slot **pp = &s->buckets[i]; *pp;) {
            struct shmem_swap_slot *e = *pp;
            if (e->index < first || e->index > last) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            free_swap_and_cache(e->entry); /* and a page read ahead for it, unused */
            free(e);
            s->nr--;
        }
    }
    if (!s->nr) {
        for (struct shmem_swapped **pp = &shmem_swaplist; *pp; pp = &(*pp)->next)
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        free(s->buckets);
        free(s);
        m->swapped = NULL;
    }
}

/* shmem_unuse_inode, for one file: each page on swap comes back from the swap cache (read into
 * it first when not there: read_swap_cache_page, no cluster readahead, as 4.20's try_to_unuse
 * reads one slot at a time), moves into the file dirty, and its slot is freed. */
static int shmem_unuse_mapping(struct address_space *m, unsigned long *pages)
{
    while (m->swapped && m->swapped->nr) {
        struct shmem_swapped *s = m->swapped;
        struct shmem_swap_slot *first = NULL;
        for (unsigned long i = 0; i < s->nbuckets && !first; i++)
            first = s->buckets[i];
        pgoff_t index = first->index;
        swp_entry_t entry = first->entry;
        /* the read may reclaim: no slot is handed out meanwhile, so the table keeps its records */
        struct page *page = read_swap_cache_page(entry);
        if (!page)
            return -ENOMEM;
        del_page_from_lru(page);
        delete_from_swap_cache(page); /* the reference read_swap_cache_page took stays */
        page->flags &= ~(1UL << PG_anon);
        struct shmem_swap_slot **pp = swapped_find(m, index);
        struct shmem_swap_slot *e = *pp;
        *pp = e->next;
        free(e);
        m->swapped->nr--;
        swap_free(entry);
        add_to_page_cache_lru(page, m, index); /* takes that reference */
        SetPageDirty(page);                    /* its only copy is in RAM now */
        (*pages)++;
        struct reclaim_event ev = {
            .pfn = page_to_pfn(page),
            .kind = RECLAIM_SWAPOFF_IN,
            .swap_slot = swp_offset(entry),
            .file = m->path,
            .file_index = index,
        };
        trace_reclaim(&ev);
    }
    return 0;
}

int shmem_unuse(unsigned long *pages)
{
    for (struct shmem_swapped *s = shmem_swaplist; s; s = s->next) {
        int err = shmem_unuse_mapping(s->mapping, pages);
        if (err)
            return err;
    }
    return 0;
}

unsigned long shmem_partial_swap_usage(const struct address_space *m, pgoff_t first, pgoff_t last)
{
    const struct shmem_swapped *s = m->swapped;
    unsigned long n = 0;
    if (!s)
        return 0;
    for (unsigned long i = 0; i < s->nbuckets; i++)
        for (const struct shmem_swap_slot *e = s->buckets[i]; e; e = e->next)
            n += e->index >= first && e->index <= last;
    return n;
}

/* The pages the shmem files that exist were charged (shmem_acct_size), until they go
 * (shmem_unacct_size): their share of vm_committed_as. */
static unsigned long shmem_acct_pages;

unsigned long shmem_committed_pages(void)
{
    return shmem_acct_pages;
}

void shmem_unacct_size(struct address_space *m)
{
    shmem_acct_pages -= m->acct_pages;
    m->acct_pages = 0;
}

/* shmem_file_setup - an in-memory file of `size` bytes, shown as "/NAME (deleted)": backs
 * MAP_SHARED|MAP_ANONYMOUS ("dev/zero") and SysV shared memory ("SYSV<key>"), so its pages are
 * shared across fork rather than copied. Its whole size is charged as committed memory unless
 * VM_NORESERVE (shmem_acct_size: a mapping does not charge it again), until the file goes. */
struct file *shmem_file_setup(struct mm_struct *mm, const char *name, unsigned long size,
                              unsigned long flags)
{
    static uint64_t next_ino = 1;
    unsigned long pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    if (!(flags & VM_NORESERVE) && security_vm_enough_memory_mm(mm, pages))
        return NULL;
    struct address_space *m = calloc(1, sizeof(*m));
    char path[64];
    if (!m)
        return NULL;
    if (!(flags & VM_NORESERVE)) {
        m->acct_pages = pages;
        shmem_acct_pages += pages;
    }
    snprintf(path, sizeof(path), "/%s (deleted)", name);
    m->shmem = true;
    m->ino = next_ino++;
    m->i_size = size;
    m->refcount = 1;
    m->path = strdup(path);
    m->hash_size = 256;
    m->hash = calloc(m->hash_size, sizeof(*m->hash));
    struct file *f = file_open_mapping(m, true, true);
    if (!f) {
        address_space_put(m);
        return NULL;
    }
    return f;
}

/* shmem's fault-around (since 3.15's d7c1755179b8) maps the pages already in its cache: a
 * forked child reading what its parent wrote to shared anonymous memory takes one fault per
 * window, while a hole, or a page on swap, still takes a fault of its own. */
const struct vm_operations_struct shmem_vm_ops = {
    .name = "shmem_vm_ops",
    .fault = filemap_fault,
    .map_pages = filemap_map_pages,
};

/* ipc/shm.c's shm_vm_ops, which shmat installs over shmem's: it passes ->fault on but has no
 * ->map_pages, so every page of a SysV segment faults on its own. */
const struct vm_operations_struct shm_vm_ops = {
    .name = "shm_vm_ops",
    .fault = filemap_fault,
};
