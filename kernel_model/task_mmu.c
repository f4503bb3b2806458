/*
 * task_mmu.c - how VMAs are named and printed in /proc/PID/maps, the memory lines of
 * /proc/PID/status and /proc/PID/statm, smaps, numa_maps and pagemap (models
 * fs/proc/task_mmu.c). Used
 * for /proc/self, the log's vma_file column and the TUI.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

/* The name /proc/PID/maps shows: the file's path, [heap], [stack], a special name, or NULL.
 * Every name is owned by the model and lives as long as the VMA, so nothing is copied (this runs
 * for every fault the log records). */
const char *vma_name(struct vm_area_struct *vma)
{
    struct mm_struct *mm = vma->vm_mm;
    if (is_vm_hugetlb_page(vma)) /* hugetlb_file_setup's file, unlinked at once */
        return "/anon_hugepage (deleted)";
    if (vma->vm_file)
        return vma->vm_file->f_path ? vma->vm_file->f_path : vma->vm_file->f_mapping->path;
    if (vma->special_name)
        return vma->special_name;
    if (mm && vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
        return "[heap]";
    if (mm && vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
        return "[stack]";
    return NULL;
}

/* One /proc/PID/maps line, without the newline. Returns its length. */
int format_maps_line(struct vm_area_struct *vma, char *buf, size_t len)
{
    unsigned long flags = vma->vm_flags;
    unsigned long long ino = 0, pgoff = 0;
    unsigned dev_major = 0, dev_minor = 0;
    const char *name = vma_name(vma);

    /* a hugetlb VMA: Linux's dev and inode are its hugetlbfs file's on the kernel's internal
     * mount (numbers of the running kernel, not modeled): 00:00 0 here; its offset 0 */
    if (vma->vm_file && !is_vm_hugetlb_page(vma)) {
        struct address_space *m = vma->vm_file->f_mapping;
        uint64_t dev = m->dev;
        /* the kernel's new_encode_dev split, as glibc's major()/minor() read it */
        dev_major = (unsigned)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
        dev_minor = (unsigned)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
        ino = m->ino;
        pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
        if (m->shmem) {
            dev_major = 0;
            dev_minor = 1;
        }
    }
    int n = snprintf(buf, len, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %llu ", vma->vm_start,
                     vma->vm_end, flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
                     flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p', pgoff, dev_major,
                     dev_minor, ino);
    if (n < 0 || (size_t)n >= len)
        return n;
    if (name) {
        /* Linux pads the fixed part to 73 columns before the name */
        while (n < 73 && (size_t)n + 1 < len)
            buf[n++] = ' ';
        n += snprintf(buf + n, len - n, "%s", name);
    } else if (n > 0) {
        buf[--n] = 0; /* no trailing space when there is no name */
    }
    return n;
}

/* text: the code segment's pages in bytes, as task_mem and task_statm compute it. */
static unsigned long code_bytes(const struct mm_struct *mm)
{
    unsigned long text = PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK);
    unsigned long exec = mm->exec_vm << PAGE_SHIFT;

    return text < exec ? text : exec;
}

int task_mem(struct mm_struct *mm, char *buf, size_t len)
{
    unsigned long anon = mm->rss_stat[MM_ANONPAGES], file = mm->rss_stat[MM_FILEPAGES];
    unsigned long shmem = mm->rss_stat[MM_SHMEMPAGES], swap = mm->rss_stat[MM_SWAPENTS];
    unsigned long total_rss = get_mm_rss(mm), total_vm = mm->total_vm;
    unsigned long hiwater_rss = mm->hiwater_rss > total_rss ? mm->hiwater_rss : total_rss;
    unsigned long hiwater_vm = mm->hiwater_vm > total_vm ? mm->hiwater_vm : total_vm;
    unsigned long text = code_bytes(mm), lib = (mm->exec_vm << PAGE_SHIFT) - text;
    const int kb = PAGE_SHIFT - 10; /* pages to kB */

    return snprintf(buf, len,
                    "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
                    "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\n"
                    "RssShmem:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n"
                    "VmLib:\t%8lu kB\nVmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\n",
                    hiwater_vm << kb, total_vm << kb, mm_locked_pages(mm) << kb, 0UL,
                    hiwater_rss << kb, total_rss << kb, anon << kb, file << kb, shmem << kb,
                    mm->data_vm << kb, mm->stack_vm << kb, text >> 10, lib >> 10,
                    (mm->nr_ptes << PAGE_SHIFT) >> 10, swap << kb);
}

int task_statm(struct mm_struct *mm, char *buf, size_t len)
{
    unsigned long shared = mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_SHMEMPAGES];

    /* size resident shared text lib data dt, in pages; lib and dt are always 0 */
    return snprintf(buf, len, "%lu %lu %lu %lu 0 %lu 0\n", mm->total_vm, get_mm_rss(mm), shared,
                    code_bytes(mm) >> PAGE_SHIFT, mm->data_vm + mm->stack_vm);
}

/* --- /proc/PID/smaps and smaps_rollup (4.20's smap_gather_stats and __show_smap) --- */

/* PSS is kept in fixed point, 12 bits below the byte, as Linux does (PSS_SHIFT). */
#define PSS_SHIFT 12

/* smaps_account: one resident page mapped by a PTE, or a frame of a huge page (young, dirty:
 * that PTE's or PMD's bits). The frame's own mapcount says whether it is shared; the flags and
 * the references are its page's (a huge page's head). */
static void smaps_account(struct mem_size_stats *mss, struct page *page, bool young, bool dirty)
{
    bool anydirty = dirty || PageDirty(page);
    int mapcount = page_mapcount(page);

    if (PageAnon(page)) {
        mss->anonymous += PAGE_SIZE;
        if (PageLazyFree(page) && !anydirty) /* MADV_FREE'd and not written since */
            mss->lazyfree += PAGE_SIZE;
    }
    mss->resident += PAGE_SIZE;
    if (young || PageReferenced(page))
        mss->referenced += PAGE_SIZE;
    /* a page nothing else holds, or mapped once, is private; its whole size counts in PSS */
    if (page_count(page) == 1 || mapcount < 2) {
        if (anydirty)
            mss->private_dirty += PAGE_SIZE;
        else
            mss->private_clean += PAGE_SIZE;
        mss->pss += (uint64_t)PAGE_SIZE << PSS_SHIFT;
        return;
    }
    if (anydirty)
        mss->shared_dirty += PAGE_SIZE;
    else
        mss->shared_clean += PAGE_SIZE;
    mss->pss += ((uint64_t)PAGE_SIZE << PSS_SHIFT) / (uint64_t)mapcount;
}

/* smaps_pte_entry, and smaps_pmd_entry for a huge PMD's frames (huge) */
static void smaps_pte_entry(pte_t *ptep, unsigned long addr, bool huge, void *priv)
{
    struct mem_size_stats *mss = priv;
    pte_t pte = *ptep;

    (void)addr;
    if (pte_present(pte)) {
        if (!pte_special(pte)) { /* the zero page is nobody's (vm_normal_page) */
            struct page *page = pfn_to_page(pte_pfn(pte));
            if (huge) /* only what a huge PMD maps is AnonHugePages */
                mss->anonymous_thp += PAGE_SIZE;
            smaps_account(mss, page, pte_young(pte), pte_dirty(pte));
        }
    } else if (is_swap_pte(pte)) {
        int count = __swap_count(pte_to_swp_entry(pte));

        mss->swap += PAGE_SIZE;
        mss->swap_pss += ((uint64_t)PAGE_SIZE << PSS_SHIFT) / (uint64_t)(count > 1 ? count : 1);
    }
}

void smap_gather_stats(struct vm_area_struct *vma, struct mem_size_stats *mss)
{
    uint64_t pss_before = mss->pss;

    walk_page_vma(vma, smaps_pte_entry, mss);
    /* shared anonymous memory's pages on swap are in its file, not in PTEs (shmem_swap_usage;
     * a private writable mapping, whose PTEs may hold copies, is left out) */
    struct address_space *m = vma->vm_file ? vma->vm_file->f_mapping : NULL;
    if (m && m->shmem && ((vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_WRITE)))
        mss->swap += shmem_partial_swap_usage(
                         m, vma->vm_pgoff,
                         vma->vm_pgoff + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) - 1) *
                     PAGE_SIZE;
    if (vma->vm_flags & VM_LOCKED)
        mss->pss_locked += mss->pss - pss_before;
}

int show_smap_stats(const struct mem_size_stats *mss, unsigned long size, unsigned long pagesize,
                    char *buf, size_t len)
{
    int n = 0;

    if (size) /* smaps_rollup has no size lines */
        n = snprintf(buf, len,
                     "Size:           %8lu kB\nKernelPageSize: %8lu kB\nMMUPageSize:    %8lu kB\n",
                     size >> 10, pagesize >> 10, pagesize >> 10);
    if (n < 0 || (size_t)n >= len)
        return n;
    return n +
           snprintf(buf + n, len - (size_t)n,
                    "Rss:            %8lu kB\nPss:            %8lu kB\n"
                    "Shared_Clean:   %8lu kB\nShared_Dirty:   %8lu kB\n"
                    "Private_Clean:  %8lu kB\nPrivate_Dirty:  %8lu kB\n"
                    "Referenced:     %8lu kB\nAnonymous:      %8lu kB\nLazyFree:       %8lu kB\n"
                    "AnonHugePages:  %8lu kB\nShmemPmdMapped: %8lu kB\n"
                    "Shared_Hugetlb: %8lu kB\nPrivate_Hugetlb:%8lu kB\n"
                    "Swap:           %8lu kB\nSwapPss:        %8lu kB\nLocked:         %8lu kB\n",
                    mss->resident >> 10, (unsigned long)(mss->pss >> (10 + PSS_SHIFT)),
                    mss->shared_clean >> 10, mss->shared_dirty >> 10, mss->private_clean >> 10,
                    mss->private_dirty >> 10, mss->referenced >> 10, mss->anonymous >> 10,
                    mss->lazyfree >> 10, mss->anonymous_thp >> 10, 0UL, 0UL, 0UL, mss->swap >> 10,
                    (unsigned long)(mss->swap_pss >> (10 + PSS_SHIFT)),
                    (unsigned long)(mss->pss_locked >> (10 + PSS_SHIFT)));
}

int show_smap_vma_flags(const struct vm_area_struct *vma, char *buf, size_t len)
{
    static const struct {
        unsigned long flag;
        const char *name;
    } names[] = {
        /* in the order of their bits, as Linux's table indexed by bit prints them */
        {VM_READ, "rd"},      {VM_WRITE, "wr"},        {VM_EXEC, "ex"},       {VM_SHARED, "sh"},
        {VM_MAYREAD, "mr"},   {VM_MAYWRITE, "mw"},     {VM_MAYEXEC, "me"},    {VM_MAYSHARE, "ms"},
        {VM_GROWSDOWN, "gd"}, {VM_UFFD_MISSING, "um"}, {VM_PFNMAP, "pf"},     {VM_DENYWRITE, "dw"},
        {VM_UFFD_WP, "uw"},   {VM_LOCKED, "lo"},       {VM_IO, "io"},         {VM_SEQ_READ, "sr"},
        {VM_RAND_READ, "rr"}, {VM_DONTCOPY, "dc"},     {VM_DONTEXPAND, "de"}, {VM_ACCOUNT, "ac"},
        {VM_NORESERVE, "nr"}, {VM_HUGETLB, "ht"},      {VM_WIPEONFORK, "wf"}, {VM_DONTDUMP, "dd"},
        {VM_MIXEDMAP, "mm"},  {VM_HUGEPAGE, "hg"},     {VM_NOHUGEPAGE, "nh"}, {VM_MERGEABLE, "mg"},
    };
    int n = snprintf(buf, len, "VmFlags:");

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((vma->vm_flags & names[i].flag) && n >= 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, " %s", names[i].name);
    if (n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " \n");
    return n;
}

/* --- /proc/PID/numa_maps (4.20's show_numa_map, gather_pte_stats and gather_stats) ---
 * One node: every page counted is on node 0. */

/* gather_stats for one frame (nr 1) or one hugetlb page (nr 1 as well: Linux counts huge pages
 * there, not frames); locked: the VMA is VM_LOCKED, whose pages Linux keeps on the unevictable
 * list (PageUnevictable), which numa_maps counts as active. */
static void numa_gather_stats(struct numa_maps *md, struct page *page, bool dirty, bool locked)
{
    int count = page_mapcount(page);

    md->pages++;
    if (dirty || PageDirty(page))
        md->dirty++;
    if (PageSwapCache(page))
        md->swapcache++;
    if (PageActive(page) || locked)
        md->active++;
    if (PageAnon(page))
        md->anon++;
    if (count > 0 && (unsigned long)count > md->mapcount_max)
        md->mapcount_max = (unsigned long)count;
    md->node0++;
}

struct numa_walk {
    struct numa_maps *md;
    struct vm_area_struct *vma;
};

/* gather_pte_stats (a huge PMD's 512 frames count one each, as HPAGE_PMD_NR there), and
 * gather_hugetlb_stats (one per huge page, at its first frame); can_gather_numa_stats: present,
 * a normal page (not the zero page), not reserved (the vDSO's). Swapped pages do not count. */
static void numa_pte_entry(pte_t *ptep, unsigned long addr, bool huge, void *priv)
{
    struct numa_walk *w = priv;
    pte_t pte = *ptep;

    (void)huge; /* a huge PMD's frames come one by one: each counts once */
    if (!pte_present(pte) || pte_special(pte))
        return;
    if (is_vm_hugetlb_page(w->vma) && (addr & (vma_kernel_pagesize(w->vma) - 1)))
        return;
    struct page *page = pfn_to_page(pte_pfn(pte));
    if (PageReserved(page))
        return;
    numa_gather_stats(w->md, page, pte_dirty(pte), w->vma->vm_flags & VM_LOCKED);
}

void numa_gather_vma(struct vm_area_struct *vma, struct numa_maps *md)
{
    struct numa_walk w = {md, vma};

    memset(md, 0, sizeof(*md));
    walk_page_vma(vma, numa_pte_entry, &w);
}

int show_numa_map_stats(const struct vm_area_struct *vma, const struct numa_maps *md, char *buf,
                        size_t len)
{
    int n = 0;
#define NUMA_PUT(...)                                                                              \
    do {                                                                                           \
        if (n >= 0 && (size_t)n < len)                                                             \
            n += snprintf(buf + n, len - (size_t)n, __VA_ARGS__);                                  \
    } while (0)
    if (!md->pages) { /* nothing after the name */
        if (len)
            buf[0] = 0;
        return 0;
    }
    if (md->anon)
        NUMA_PUT(" anon=%lu", md->anon);
    if (md->dirty)
        NUMA_PUT(" dirty=%lu", md->dirty);
    if (md->pages != md->anon && md->pages != md->dirty)
        NUMA_PUT(" mapped=%lu", md->pages);
    if (md->mapcount_max > 1)
        NUMA_PUT(" mapmax=%lu", md->mapcount_max);
    if (md->swapcache)
        NUMA_PUT(" swapcache=%lu", md->swapcache);
    if (md->active < md->pages && !is_vm_hugetlb_page(vma))
        NUMA_PUT(" active=%lu", md->active);
    NUMA_PUT(" N0=%lu kernelpagesize_kB=%lu", md->node0, vma_kernel_pagesize(vma) >> 10);
#undef NUMA_PUT
    return n;
}

/* --- /proc/PID/pagemap (4.20's pagemap_read: pte_to_pagemap_entry, pagemap_pte_hole) ---
 * The model is a kernel without CONFIG_MEM_SOFT_DIRTY (as the hosts it is compared with): no
 * entry has PM_SOFT_DIRTY, and clear_refs' type 4 clears nothing. */

#define MAX_SWAPFILES_SHIFT 5 /* the swap type's bits below the offset in a pagemap frame */

/* pte_to_pagemap_entry, for an address inside a VMA. */
static uint64_t pte_to_pagemap_entry(pte_t pte, bool huge, bool show_pfn)
{
    uint64_t frame = 0, flags = 0;

    if (pte_present(pte)) {
        if (show_pfn)
            frame = pte_pfn(pte);
        flags |= PM_PRESENT;
        /* vm_normal_page: the zero page is nobody's, so neither file nor exclusive */
        if (!pte_special(pte)) {
            const struct page *page = pfn_to_page(pte_pfn(pte));
            if (!PageAnon(page))
                flags |= PM_FILE;
            /* a huge PMD's frames all say what its head says (pagemap_pmd_range) */
            if (page_mapcount(huge ? compound_head(page) : page) == 1)
                flags |= PM_MMAP_EXCLUSIVE;
        }
    } else if (is_swap_pte(pte)) {
        swp_entry_t entry = pte_to_swp_entry(pte);
        frame = swp_type(entry) | ((uint64_t)swp_offset(entry) << MAX_SWAPFILES_SHIFT);
        flags |= PM_SWAP;
    }
    return (frame & ((1ULL << 55) - 1)) | flags;
}

void pagemap_read_entries(struct mm_struct *mm, unsigned long addr, size_t n, bool show_pfn,
                          uint64_t *out)
{
    size_t i = 0;

    while (i < n) {
        struct vm_area_struct *vma = find_vma(mm, addr);
        /* a hole before the next VMA, or past the last: not present */
        unsigned long hole_end = vma ? vma->vm_start : ~0UL;
        for (; i < n && addr < hole_end; i++, addr += PAGE_SIZE)
            out[i] = 0;
        if (!vma)
            break;
        for (; i < n && addr < vma->vm_end; i++, addr += PAGE_SIZE) {
            bool huge;
            pte_t pte = lookup_leaf(mm, addr, &huge);
            if (huge) { /* pagemap_pmd_range: the frame of addr inside the huge page */
                unsigned long pfn = pte_pfn(pte);
                pte = __pte((pte_val(pte) & ~(PTE_PFN_MASK | _PAGE_PSE)) |
                            ((uint64_t)(pfn + pte_index(addr)) << PAGE_SHIFT));
                if (is_huge_zero_pfn(pfn))
                    pte = pte_mkspecial(pte);
            }
            out[i] = pte_to_pagemap_entry(pte, huge, show_pfn);
        }
    }
}

/* --- /proc/PID/clear_refs (4.20's clear_refs_write) --- */

/* clear_refs_pte_range: the PTE's accessed bit and its page's referenced flag */
static void clear_refs_pte_entry(pte_t *ptep, unsigned long addr, bool huge, void *priv)
{
    (void)addr, (void)huge;
    (void)priv;
    if (!pte_present(*ptep) || pte_special(*ptep))
        return;
    *ptep = pte_mkold(*ptep);
    compound_head(pfn_to_page(pte_pfn(*ptep)))->flags &= ~(1UL << PG_referenced);
}

int clear_refs(struct mm_struct *mm, int type)
{
    if (type < CLEAR_REFS_ALL || type > CLEAR_REFS_MM_HIWATER_RSS)
        return -EINVAL;
    if (type == CLEAR_REFS_MM_HIWATER_RSS) {
        mm->hiwater_rss = get_mm_rss(mm); /* reset_mm_hiwater_rss */
        return 0;
    }
    if (type == CLEAR_REFS_SOFT_DIRTY)
        return 0; /* nothing tracks soft-dirt here */
    for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
        if ((type == CLEAR_REFS_ANON && vma->vm_file) ||
            (type == CLEAR_REFS_MAPPED && !vma->vm_file))
            continue;
        walk_page_vma(vma, clear_refs_pte_entry, NULL);
    }
    /* so that the next access goes through a walk that sets the accessed bit again */
    arch_flush_tlb_mm(mm);
    CHECK_MM(mm, "clear_refs");
    return 0;
}
