/*
 * filemap.c - the page cache and the file-mapping fault handlers (models mm/filemap.c of Linux
 * 4.20; shared anonymous memory's own parts are in shmem.c).
 *
 * One address_space per file identity (host st_dev, st_ino) holds that file's cached pages,
 * keyed by page index, shared by every mapping in every process. A cached page holds one
 * reference for the cache; each PTE mapping it holds another.
 *
 * Major faults: with --major-faults=model, filemap_fault() reports VM_FAULT_MAJOR when the page
 * was not in the model's page cache and had to be read (page_cache_read), which is Linux's own
 * rule applied to the model's cache. That cache starts empty for each run while the host's is
 * usually warm, so that rule shows more major faults than the real kernel would for a file it has
 * recently read. The default, --major-faults=host, counts a model miss as major only when the
 * host's own page cache does not hold the page either (a_ops->host_cached, mincore on the host),
 * which is what the real kernel would have reported for the same run (docs/kernel-model.md).
 * A miss reads a window of ra_pages around the fault (do_sync_mmap_readahead's read-around), so
 * the pages next to it are found in the cache and mapped by fault-around.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

unsigned long ra_pages = 32; /* VM_READAHEAD_PAGES: 128 KiB */
#define MMAP_LOTSAMISS 100
enum major_fault_rule major_fault_rule = MAJOR_FAULTS_HOST;

static struct address_space *all_mappings;

/*
 * A file nobody has open or mapped keeps its page cache, as Linux's inode cache keeps it until
 * reclaim takes the pages: the next exec of the same binary or library finds its pages cached
 * (minor faults, and code the CPU has already translated). The model holds the host file open
 * for that, so it keeps at most this many, forgetting the least recently used first; reclaim
 * takes their pages like any other clean page-cache page.
 */
#define MAX_UNUSED_MAPPINGS 128
static unsigned nr_unused;
static uint64_t put_clock;

static void page_cache_remove_all(struct address_space *m);

static unsigned hash_index(const struct address_space *m, pgoff_t index)
{
    return (unsigned)((index * 0x9E3779B97F4A7C15ULL) >> 40) & (m->hash_size - 1);
}

/*
 * Find or create the address_space of a file identity; takes a reference. If it existed, a_ops
 * and host are not used (m->host != host tells the caller to release its own host data). An
 * unused one whose host file changed meanwhile (host_stamp differs: written by someone other
 * than the guest) starts with an empty cache.
 */
struct address_space *address_space_get(uint64_t dev, uint64_t ino, uint64_t i_size,
                                        uint64_t host_stamp, const char *path,
                                        const struct address_space_operations *a_ops, void *host)
{
    for (struct address_space *m = all_mappings; m; m = m->next) {
        if (!m->shmem && m->dev == dev && m->ino == ino) {
            if (m->refcount == 0) {
                nr_unused--;
                if (m->host_stamp != host_stamp) {
                    page_cache_remove_all(m);
                    workingset_forget(m);
                }
            }
            m->host_stamp = host_stamp;
            m->refcount++;
            m->i_size = i_size; /* the file may have grown or shrunk since */
            return m;
        }
    }
    struct address_space *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->dev = dev;
    m->ino = ino;
    m->i_size = i_size;
    m->refcount = 1;
    m->host_stamp = host_stamp;
    m->a_ops = a_ops;
    m->host = host;
    m->path = strdup(path ? path : "");
    m->hash_size = 1024;
    m->hash = calloc(m->hash_size, sizeof(*m->hash));
    m->next = all_mappings;
    all_mappings = m;
    return m;
}

static void page_cache_remove_all(struct address_space *m)
{
    for (unsigned b = 0; b < m->hash_size; b++) {
        while (m->hash[b]) {
            struct page *p = m->hash[b];
            m->hash[b] = *page_cache_next(p);
            *page_cache_next(p) = NULL;
            set_page_mapping(p, NULL);
            m->nrpages--;
            del_page_from_lru(p);
            put_page(p);
        }
    }
}

/* Forget an unused mapping: its cache is emptied (pages still mapped stay alive through their
 * PTEs' references) and the host file released. */
static void mapping_evict(struct address_space *m)
{
#ifdef CONFIG_DEBUG_VM
    if (m->i_mmap) {
        arch_printk("faultline: mapping %s freed while a VMA is in its i_mmap", m->path);
        abort();
    }
#endif
    page_cache_remove_all(m);
    shmem_free_swap(m, 0, ~0UL);
    shmem_unacct_size(m);
    workingset_forget(m);
    for (struct address_space **pp = &all_mappings; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    if (m->a_ops && m->a_ops->release)
        m->a_ops->release(m);
    free(m->hash);
    free(m->path);
    free(m);
}

/*
 * address_space_put - drop a reference. The last one writes dirty pages back, so the host file is
 * complete and the cache clean; a host file's cache is kept (see MAX_UNUSED_MAPPINGS), anonymous
 * shared memory's goes with it.
 */
void address_space_put(struct address_space *m)
{
    if (--m->refcount > 0)
        return;
    filemap_write_and_wait_range(m, 0, ~0UL);
    if (m->shmem || !m->a_ops || !m->a_ops->readpage) {
        mapping_evict(m);
        return;
    }
    m->last_put = ++put_clock;
    if (++nr_unused <= MAX_UNUSED_MAPPINGS)
        return;
    struct address_space *oldest = NULL;
    for (struct address_space *u = all_mappings; u; u = u->next)
        if (u->refcount == 0 && (!oldest || u->last_put < oldest->last_put))
            oldest = u;
    nr_unused--;
    mapping_evict(oldest);
}

void evict_unused_mappings(void)
{
    for (struct address_space **pp = &all_mappings; *pp;) {
        struct address_space *m = *pp;
        if (m->refcount == 0) {
            nr_unused--;
            mapping_evict(m); /* unlinks m: *pp is the next one now */
        } else {
            pp = &m->next;
        }
    }
}

/* Take the page at *pp out of m's cache (__delete_from_page_cache) and drop the cache's
 * reference to it; *pp is the next page of the chain after. */
static void page_cache_unlink(struct address_space *m, struct page **pp)
{
    struct page *p = *pp;
    *pp = *page_cache_next(p);
    *page_cache_next(p) = NULL;
    set_page_mapping(p, NULL);
    m->nrpages--;
    del_page_from_lru(p);
    put_page(p);
}

unsigned long drop_pagecache(void)
{
    unsigned long dropped = 0;
    for (struct address_space *m = all_mappings; m; m = m->next) {
        if (m->shmem || m->in_memory)
            continue;
        /* invalidate_mapping_pages: invalidate_inode_page's tests, then remove_mapping */
        for (unsigned b = 0; b < m->hash_size; b++) {
            for (struct page **pp = &m->hash[b]; *pp;) {
                struct page *p = *pp;
                if (PageDirty(p) || (p->flags & (1UL << PG_locked)) || page_count(p) != 1) {
                    pp = page_cache_next(p);
                    continue;
                }
                page_cache_unlink(m, pp);
                dropped++;
            }
        }
    }
    return dropped;
}

struct file *file_open_mapping(struct address_space *mapping, bool readable, bool writable)
{
    struct file *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->f_mapping = mapping;
    f->f_count = 1;
    f->f_readable = readable;
    f->f_writable = writable;
    return f;
}

/* Name the open file by the path it was opened through (see struct file's f_path). 0, or
 * -ENOMEM with the mapping's name kept. */
int file_set_path(struct file *f, const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    free(f->f_path);
    f->f_path = copy;
    return 0;
}

struct file *get_file(struct file *f)
{
    f->f_count++;
    return f;
}

void fput(struct file *f)
{
    if (--f->f_count > 0)
        return;
    address_space_put(f->f_mapping);
    free(f->f_path);
    free(f);
}

/* ---------------------------------------------------------------------------------------------
 * The cache.
 */

static struct page *page_cache_lookup(struct address_space *m, pgoff_t index)
{
    for (struct page *p = m->hash[hash_index(m, index)]; p; p = *page_cache_next(p))
        if (p->index == index)
            return p;
    return NULL;
}

/* find_get_page - the cached page at index with a reference taken, or NULL. */
struct page *find_get_page(struct address_space *mapping, pgoff_t index)
{
    struct page *p = page_cache_lookup(mapping, index);
    if (p)
        get_page(p);
    return p;
}

void add_to_page_cache_lru(struct page *page, struct address_space *m, pgoff_t index)
{
    unsigned h = hash_index(m, index);
    set_page_mapping(page, m);
    page->index = index;
    page->flags |= 1UL << PG_uptodate;
    *page_cache_next(page) = m->hash[h];
    m->hash[h] = page;
    m->nrpages++;
    lru_cache_add(page);
}

void delete_from_page_cache(struct page *page)
{
    struct address_space *m = page_mapping_file(page);
    for (struct page **pp = &m->hash[hash_index(m, page->index)]; *pp; pp = page_cache_next(*pp)) {
        if (*pp == page) {
            *pp = *page_cache_next(page);
            break;
        }
    }
    *page_cache_next(page) = NULL;
    set_page_mapping(page, NULL);
    m->nrpages--;
    del_page_from_lru(page);
    put_page(page);
}

/* page_cache_read - read one page of the file into the cache; a readahead page only if a
 * frame is free without reclaim. 0, -ENOMEM or -EIO. */
static int page_cache_read(struct address_space *m, pgoff_t index, bool readahead)
{
    struct page *page =
        readahead ? alloc_page_noreclaim() : alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    if (!page)
        return -ENOMEM;
    int err = 0;
    if (m->shmem)
        memset(page_address(page), 0, PAGE_SIZE);
    else
        err = m->a_ops->readpage(m, index, page_address(page));
    if (err) {
        put_page(page);
        return -EIO;
    }
    /* add_to_page_cache_lru: a refault that the shadow says was in use starts active */
    if (!m->shmem && workingset_refault(m, index) && reclaim_policy == RECLAIM_LINUX)
        SetPageActive(page);
    add_to_page_cache_lru(page, m, index);
    return 0;
}

static pgoff_t max_index(const struct address_space *m)
{
    return (m->i_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/*
 * __do_page_cache_readahead: read the pages of [start, start + size) the cache lacks (not past
 * EOF, frames only where free without reclaim), and mark the one at start + size - async_size,
 * if this read brought it, with PG_readahead: the marker whose fault reads the next window.
 * skip: an index the caller reads itself.
 */
static void readahead_window(struct address_space *m, pgoff_t start, unsigned int size,
                             unsigned int async_size, pgoff_t skip)
{
    pgoff_t max_off = max_index(m), mark = start + size - async_size;
    for (pgoff_t i = start; i < start + size && i < max_off; i++) {
        if (i == skip || page_cache_lookup(m, i))
            continue;
        if (page_cache_read(m, i, true) == -ENOMEM)
            break;
        struct page *p = page_cache_lookup(m, i);
        if (i == mark && p && async_size)
            p->flags |= 1UL << PG_readahead;
    }
}

/* get_next_ra_size: the window after one of cur pages, up to max. */
static unsigned int next_ra_size(unsigned int cur, unsigned int max)
{
    return cur < max / 16 ? 4 * cur : cur <= max / 2 ? 2 * cur : max;
}

/*
 * do_async_mmap_readahead: a fault found page `offset`, a readahead marker (page_cache_async_
 * readahead > ondemand_readahead with the marker hit). The marker goes; if it is where the last
 * window put it (or the window's end), the next window follows that one, else it starts at the
 * first page after offset the cache lacks, sized from the distance. The whole new window is
 * its asynchronous part: its first page is the next marker.
 */
static void async_mmap_readahead(struct address_space *m, struct file_ra_state *ra, pgoff_t offset,
                                 struct page *page)
{
    page->flags &= ~(1UL << PG_readahead);
    unsigned int max = (unsigned int)ra_pages;
    if (offset == ra->start + ra->size - ra->async_size || offset == ra->start + ra->size) {
        ra->start += ra->size;
        ra->size = next_ra_size(ra->size, max);
    } else {
        pgoff_t start = offset + 1;
        while (start <= offset + max && page_cache_lookup(m, start))
            start++;
        if (start > offset + max)
            return;
        ra->start = start;
        ra->size = next_ra_size((unsigned int)(start - offset) + 1, max);
    }
    ra->async_size = ra->size;
    readahead_window(m, ra->start, ra->size, ra->async_size, (pgoff_t)-1);
}

/*
 * page_cache_sync_readahead for a major fault under MADV_SEQUENTIAL: ondemand_readahead asked
 * for a whole window (ra_pages) at offset, no marker hit. At the file's start, or where the last
 * window leads (its marker or its end), a window with a marker halfway (the first) or at its
 * start (the next ones, ramped up by get_next_ra_size); anywhere else a standalone read of the
 * window's pages from offset on, the state left alone (try_context_readahead never finds more
 * history than the window, and mmap faults leave no prev_pos).
 */
static void sync_seq_readahead(struct address_space *m, struct file_ra_state *ra, pgoff_t offset)
{
    unsigned int max = (unsigned int)ra_pages;
    if (offset &&
        (offset == ra->start + ra->size - ra->async_size || offset == ra->start + ra->size)) {
        ra->start += ra->size;
        ra->size = next_ra_size(ra->size, max);
        ra->async_size = ra->size;
    } else if (offset) {
        readahead_window(m, offset, max, 0, offset);
        return;
    } else { /* initial_readahead: get_init_ra_size of a whole window is the window */
        ra->start = offset;
        ra->size = max;
        ra->async_size = max;
    }
    /* readit: a window that would be all marker takes in the next one, or halves its marker */
    if (offset == ra->start && ra->size == ra->async_size) {
        unsigned int add = next_ra_size(ra->size, max);
        if (ra->size + add <= max) {
            ra->async_size = add;
            ra->size += add;
        } else {
            ra->size = max;
            ra->async_size = max / 2;
        }
    }
    readahead_window(m, ra->start, ra->size, ra->async_size, offset);
}

/*
 * do_sync_mmap_readahead: what a major fault at offset reads besides its own page. Nothing under
 * MADV_RANDOM; under MADV_SEQUENTIAL, forward (sync_seq_readahead); else the read-around window
 * centred on the miss with a marker a quarter from its end, unless misses outnumber hits by
 * MMAP_LOTSAMISS. Its allocations give up instead of reclaiming (readahead_gfp_mask's
 * __GFP_NORETRY): near a full RAM, each page read ahead made reclaim evict the one read before
 * it, and then the pages the faulting instruction itself needs, which faulted the next time.
 */
static void do_sync_mmap_readahead(struct vm_fault *vmf, struct address_space *m, pgoff_t offset)
{
    struct file_ra_state *ra = &vmf->vma->vm_file->f_ra;
    if ((vmf->vma->vm_flags & VM_RAND_READ) || !ra_pages)
        return;
    if (vmf->vma->vm_flags & VM_SEQ_READ) {
        sync_seq_readahead(m, ra, offset);
        return;
    }
    if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
        ra->mmap_miss++;
    if (ra->mmap_miss > MMAP_LOTSAMISS)
        return;
    ra->start = offset > ra_pages / 2 ? offset - ra_pages / 2 : 0;
    ra->size = (unsigned int)ra_pages;
    ra->async_size = (unsigned int)ra_pages / 4;
    readahead_window(m, ra->start, ra->size, ra->async_size, offset);
}

/* do_async_mmap_readahead: a fault found page `offset` cached. Not under MADV_RANDOM: a hit
 * makes up for a miss, and a readahead marker reads the next window. */
static void do_async_mmap_readahead(struct vm_fault *vmf, struct address_space *m, pgoff_t offset,
                                    struct page *page)
{
    struct file_ra_state *ra = &vmf->vma->vm_file->f_ra;
    if (vmf->vma->vm_flags & VM_RAND_READ)
        return;
    if (ra->mmap_miss > 0)
        ra->mmap_miss--;
    if (page->flags & (1UL << PG_readahead))
        async_mmap_readahead(m, ra, offset, page);
}

/*
 * filemap_fault - vm_ops->fault of file mappings: return in vmf->page the cached page for
 * vmf->pgoff with a reference, reading it (and a read-around window) on a miss, which makes the
 * fault major, and VM_FAULT_LOCKED, as 4.20's, which hands the page back locked (the model has
 * no page locks: the bit is what handle_mm_fault returns for it). Past the end of the file:
 * VM_FAULT_SIGBUS.
 */
vm_fault_t filemap_fault(struct vm_fault *vmf)
{
    struct address_space *m = vmf->vma->vm_file->f_mapping;
    pgoff_t offset = vmf->pgoff, max_off = max_index(m);
    vm_fault_t ret = 0;

    if (offset >= max_off)
        return VM_FAULT_SIGBUS;
    struct page *page = find_get_page(m, offset);
    if (page && !m->shmem && !m->in_memory)
        do_async_mmap_readahead(vmf, m, offset, page);
    if (!page && m->shmem) {
        /* shmem_getpage_gfp: a page on swap is read back (major), a hole is a new page */
        int in = shmem_swapin(m, offset);
        if (in < 0)
            return in == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
        if (in == 1)
            ret |= VM_FAULT_MAJOR;
        page = find_get_page(m, offset);
    }
    if (!page) {
        if (!m->shmem && !m->in_memory) {
            /* The host's answer must be asked before the reads below fill its cache. */
            unsigned char host_hit = 0;
            if (major_fault_rule == MAJOR_FAULTS_HOST && m->a_ops && m->a_ops->host_cached)
                m->a_ops->host_cached(m, offset, 1, &host_hit);
            if (!host_hit)
                ret |= VM_FAULT_MAJOR;
            if (ret & VM_FAULT_MAJOR) {
                do_sync_mmap_readahead(vmf, m, offset);
            } else {
                /* pages the host caches, which Linux would find cached: no marker */
                pgoff_t start = offset > ra_pages / 2 ? offset - ra_pages / 2 : 0;
                readahead_window(m, start, (unsigned int)ra_pages, 0, offset);
            }
        }
        int err = page_cache_read(m, offset, false);
        if (err)
            return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
        page = find_get_page(m, offset);
    }
    vmf->page = page;
    return ret | VM_FAULT_LOCKED; /* the page comes back locked (shmem_fault's too) */
}

/*
 * filemap_map_pages - vm_ops->map_pages: map the pages of [start_pgoff, end_pgoff] that are
 * already cached, starting at vmf->address for start_pgoff. Never does I/O: fault-around only
 * saves the faults of pages the cache already holds.
 *
 * Under --major-faults=host the model's cache stands for the host's: a page the host kernel
 * caches counts as cached here too, and is copied into the model's cache (a memory copy, no I/O
 * on a real kernel) as it is mapped. Without that, a file the guest has just written with
 * write(2), which Linux would find in its page cache, would fault page by page.
 */
void filemap_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff, pgoff_t end_pgoff)
{
    struct address_space *m = vmf->vma->vm_file->f_mapping;
    pgoff_t max_idx = max_index(m);
    unsigned long addr = vmf->address;
    unsigned char host[PTRS_PER_TABLE];
    bool ask_host = major_fault_rule == MAJOR_FAULTS_HOST && !m->shmem && m->a_ops &&
                    m->a_ops->host_cached && end_pgoff >= start_pgoff &&
                    end_pgoff - start_pgoff < PTRS_PER_TABLE && start_pgoff < max_idx;
    if (ask_host) {
        pgoff_t last = end_pgoff < max_idx ? end_pgoff : max_idx - 1;
        m->a_ops->host_cached(m, start_pgoff, last - start_pgoff + 1, host);
    }
    for (pgoff_t idx = start_pgoff; idx <= end_pgoff; idx++, addr += PAGE_SIZE) {
        if (idx >= max_idx)
            break;
        struct page *page = page_cache_lookup(m, idx);
        if (!page && ask_host && host[idx - start_pgoff] && page_cache_read(m, idx, true) == 0)
            page = page_cache_lookup(m, idx);
        /* a readahead marker is left for its own fault, which reads the next window */
        if (!page || !(page->flags & (1UL << PG_uptodate)) || (page->flags & (1UL << PG_readahead)))
            continue;
        if (vmf->vma->vm_file->f_ra.mmap_miss > 0) /* each page found cached is a hit */
            vmf->vma->vm_file->f_ra.mmap_miss--;
        do_set_pte_around(vmf, addr, page);
    }
}

/*
 * filemap_write_and_wait_range - write the dirty cached pages of [start, end] back to the file
 * (only the part before EOF of the last page). Dirty bits of still-mapped PTEs are collected by
 * zap_page_range before this runs. Returns 0 or the first error.
 */
/* Is a page of [start, end] dirty (Linux: PAGECACHE_TAG_DIRTY in the range)? */
static bool mapping_range_dirty(const struct address_space *m, pgoff_t start, pgoff_t end)
{
    for (unsigned b = 0; b < m->hash_size; b++)
        for (struct page *p = m->hash[b]; p; p = *page_cache_next(p))
            if (PageDirty(p) && p->index >= start && p->index <= end)
                return true;
    return false;
}

int filemap_write_and_wait_range(struct address_space *m, pgoff_t start, pgoff_t end)
{
    int ret = 0;
    if (m->shmem || !m->a_ops || !m->a_ops->writepage)
        return 0;
    /* Nothing to do without a dirty page: a PTE of a shared file mapping becomes writable only
     * in the write fault that dirties its page (write-notify), and stays so until the
     * write-back below write-protects it (check_mm_invariants 7). Without this, every munmap
     * of a shared file mapping walked every VMA (stress-ng --msyncmany unmaps 26,000). A tmpfs
     * file is not write-notified, so while it is mapped shared its stores show only in the
     * PTEs' dirty bits. */
    if (!mapping_range_dirty(m, start, end) && !(m->in_memory && mapping_writably_mapped(m)))
        return 0;
    /* clear_page_dirty_for_io: collect the dirty bits of the PTEs first, and write-protect them
     * so that a store after the write-back dirties the page again through a fault (a tmpfs
     * file's stay writable: the store sets the dirty bit again) */
    mapping_mkclean(m, start, end);
    for (unsigned b = 0; b < m->hash_size; b++) {
        for (struct page *p = m->hash[b]; p; p = *page_cache_next(p)) {
            if (!PageDirty(p) || p->index < start || p->index > end)
                continue;
            uint64_t off = (uint64_t)p->index << PAGE_SHIFT;
            if (off >= m->i_size) {
                ClearPageDirty(p);
                continue;
            }
            size_t len = m->i_size - off < PAGE_SIZE ? m->i_size - off : PAGE_SIZE;
            int err = m->a_ops->writepage(m, p->index, page_address(p), len);
            if (err && !ret)
                ret = err;
            ClearPageDirty(p);
        }
    }
    return ret;
}

/* ---------------------------------------------------------------------------------------------
 * Coherence with read(2), write(2) and truncate(2) of the same file. Linux's read and write go
 * through the page cache, so they always agree with the mappings; emu/ reads and writes the host
 * file directly, and these calls keep the two views equal around each such call.
 */

void for_each_mapping(void (*fn)(struct address_space *m, void *ctx), void *ctx)
{
    for (struct address_space *m = all_mappings; m; m = m->next)
        fn(m, ctx);
}

struct address_space *find_mapping(uint64_t dev, uint64_t ino)
{
    for (struct address_space *m = all_mappings; m; m = m->next)
        if (!m->shmem && m->dev == dev && m->ino == ino)
            return m;
    return NULL;
}

int filemap_sync_before_read(struct address_space *m)
{
    return filemap_write_and_wait_range(m, 0, ~0UL);
}

/* sync(2)'s writeback (fs/sync.c: ksys_sync writes every dirty inode of every super block):
 * every dirty page of every cached file goes back to its host file. */
void filemap_write_all(void)
{
    for (struct address_space *m = all_mappings; m; m = m->next)
        filemap_write_and_wait_range(m, 0, ~0UL);
}

/*
 * filemap_host_write - bytes [off, off + len) of the file were written on the host and the file
 * is now i_size bytes long (generic_perform_write's effect on the cache). Cached pages of the
 * range are read again, in place, so every PTE mapping them sees the new bytes at once, as it
 * would on Linux where the write copied into those very pages. Dirty pages must have been written
 * back before the host write (filemap_sync_before_read), or their other bytes would be lost.
 */
void filemap_host_write(struct address_space *m, uint64_t off, uint64_t len, uint64_t i_size)
{
    m->i_size = i_size;
    if (!len || !m->a_ops || !m->a_ops->readpage)
        return;
    pgoff_t first = off >> PAGE_SHIFT, last = (off + len - 1) >> PAGE_SHIFT;
    for (pgoff_t i = first; i <= last; i++) {
        struct page *p = page_cache_lookup(m, i);
        if (!p)
            continue;
        if (m->a_ops->readpage(m, i, page_address(p)))
            p->flags &= ~(1UL << PG_uptodate);
        flush_dcache_page(p);
    }
}

/* Take pages [first, last] of m out of its cache (they must be unmapped): the loop of
 * truncate_inode_pages_range. */
static void page_cache_remove_range(struct address_space *m, pgoff_t first, pgoff_t last)
{
    for (unsigned b = 0; b < m->hash_size; b++) {
        for (struct page **pp = &m->hash[b]; *pp;) {
            struct page *p = *pp;
            if (p->index < first || p->index > last) {
                pp = page_cache_next(p);
                continue;
            }
            page_cache_unlink(m, pp);
        }
    }
}

/*
 * filemap_host_truncate - the host file's size changed to i_size by truncate/ftruncate
 * (truncate_pagecache): PTEs of pages wholly past the new end are zapped in every mapping, so
 * touching them raises SIGBUS, and those pages leave the cache; the tail of a partial last page
 * is zeroed, as truncate_inode_pages_range does. Growing the file changes only i_size.
 */
void filemap_host_truncate(struct address_space *m, uint64_t i_size)
{
    uint64_t old = m->i_size;
    m->i_size = i_size;
    if (i_size >= old)
        return;
    pgoff_t first_gone = (i_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    unmap_mapping_range(m, first_gone, ~0UL >> 1);
    page_cache_remove_range(m, first_gone, ~0UL >> 1);
    if (i_size & ~PAGE_MASK) {
        struct page *p = page_cache_lookup(m, i_size >> PAGE_SHIFT);
        if (p) {
            memset((char *)page_address(p) + (i_size & ~PAGE_MASK), 0,
                   PAGE_SIZE - (i_size & ~PAGE_MASK));
            flush_dcache_page(p);
        }
    }
}

/*
 * filemap_punch_hole - vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of pages
 * [first, last] of m, as madvise(MADV_REMOVE) asks (shmem_fallocate for shared anonymous
 * memory and SysV segments, the host's fallocate for a host file): the pages leave every
 * mapping (shared ones write their dirty bytes back first) and the cache, so the next touch
 * reads zeroes. Linux's truncate_pagecache_range keeps the private copies other processes
 * made of those pages; the model's unmap_mapping_range drops them too. 0, -EOPNOTSUPP where
 * the file cannot punch holes, or the host's -errno.
 */
int filemap_punch_hole(struct address_space *m, pgoff_t first, pgoff_t last)
{
    if (!m->shmem && (!m->a_ops || !m->a_ops->punch_hole))
        return -EOPNOTSUPP;
    unmap_mapping_range(m, first, last);
    if (!m->shmem) {
        int err = m->a_ops->punch_hole(m, first, last - first + 1);
        if (err)
            return err;
    }
    page_cache_remove_range(m, first, last);
    shmem_free_swap(m, first, last);
    return 0;
}

const struct vm_operations_struct generic_file_vm_ops = {
    .name = "generic_file_vm_ops",
    .fault = filemap_fault,
    .map_pages = filemap_map_pages,
};
