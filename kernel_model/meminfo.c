/*
 * meminfo.c - /proc/meminfo (models fs/proc/meminfo.c's meminfo_proc_show and
 * mm/page_alloc.c's si_mem_available).
 *
 * Every number is what the model's RAM holds: MemTotal is --ram, the page states come from
 * vm_page_state_read, the swap lines from the swap device. The kernel's own allocations that
 * the model does not make from guest RAM (slab, kernel stacks, per-CPU areas, vmalloc) read 0,
 * and so do the hugetlb lines (no huge page pools). Under --reclaim linux the active and
 * inactive lines are its lists; the other policies keep one reclaim list, so their pages are
 * shown where 4.20 puts a page it has not aged yet: anonymous ones on the active list, file
 * ones on the inactive list.
 */
#include <stdio.h>

#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

/* si_mem_available: free pages above the reserve, plus the part of the page cache reclaim can
 * give back without going below the low watermark. */
static unsigned long si_mem_available(const struct vm_page_state *s)
{
    long available = (long)s->nr_free - (long)watermark_high;
    long pagecache = (long)s->nr_lru_file;

    pagecache -= pagecache / 2 < (long)watermark_low ? pagecache / 2 : (long)watermark_low;
    available += pagecache;
    return available < 0 ? 0 : (unsigned long)available;
}

int meminfo_show(char *buf, size_t len)
{
    struct vm_page_state s;
    if (vm_page_state_read(&s) < 0)
        return -1;
    unsigned long cached = s.nr_file_pages; /* NR_FILE_PAGES - swap cache - buffers */
    const struct {
        const char *name;
        unsigned long pages;
    } lines[] = {
        {"MemTotal:", totalram_pages()},
        {"MemFree:", s.nr_free},
        {"MemAvailable:", si_mem_available(&s)},
        {"Buffers:", 0},
        {"Cached:", cached},
        {"SwapCached:", s.nr_swapcache},
        {"Active:", s.nr_active_anon + s.nr_active_file},
        {"Inactive:", s.nr_lru_anon - s.nr_active_anon + s.nr_lru_file - s.nr_active_file},
        {"Active(anon):", s.nr_active_anon},
        {"Inactive(anon):", s.nr_lru_anon - s.nr_active_anon},
        {"Active(file):", s.nr_active_file},
        {"Inactive(file):", s.nr_lru_file - s.nr_active_file},
        {"Unevictable:", s.nr_mlock},
        {"Mlocked:", s.nr_mlock},
        {"SwapTotal:", total_swap_pages()},
        {"SwapFree:", get_nr_swap_pages()},
        {"Dirty:", s.nr_file_dirty},
        {"Writeback:", 0},
        {"AnonPages:", s.nr_anon_mapped},
        {"Mapped:", s.nr_file_mapped},
        {"Shmem:", s.nr_shmem},
        {"KReclaimable:", 0},
        {"Slab:", 0},
        {"SReclaimable:", 0},
        {"SUnreclaim:", 0},
        {"KernelStack:", 0},
        {"PageTables:", s.nr_page_table_pages},
        {"NFS_Unstable:", 0},
        {"Bounce:", 0},
        {"WritebackTmp:", 0},
        {"CommitLimit:", vm_commit_limit()},
        {"Committed_AS:", s.committed_pages},
    };
    size_t used = 0;
#define PUT(...) used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__)
    /* show_val_kb: the name padded to 16 columns, the value in kB in 8 */
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        PUT("%-16s%8lu kB\n", lines[i].name, lines[i].pages * (PAGE_SIZE / 1024));
    PUT("%-16s%8lu kB\n", "VmallocTotal:", 34359738367UL); /* 32 TiB, x86-64's 4-level layout */
    PUT("%-16s%8lu kB\n", "VmallocUsed:", 0UL);
    PUT("%-16s%8lu kB\n", "VmallocChunk:", 0UL);
    PUT("%-16s%8lu kB\n", "Percpu:", 0UL);
    PUT("HardwareCorrupted: %5lu kB\n", 0UL);
    PUT("%-16s%8lu kB\n", "AnonHugePages:", nr_anon_thps * (HPAGE_PMD_SIZE / 1024));
    PUT("%-16s%8lu kB\n", "ShmemHugePages:", 0UL);
    PUT("%-16s%8lu kB\n", "ShmemPmdMapped:", 0UL);
    /* hugetlb_report_meminfo */
    PUT("HugePages_Total:   %5lu\nHugePages_Free:    %5lu\nHugePages_Rsvd:    %5lu\n"
        "HugePages_Surp:    %5lu\nHugepagesize:   %8lu kB\nHugetlb:        %8lu kB\n",
        0UL, 0UL, 0UL, 0UL, 2048UL, 0UL);
    /* arch_report_meminfo: the direct map covers RAM with 4 KiB pages */
    PUT("%-16s%8lu kB\n%-16s%8lu kB\n", "DirectMap4k:", totalram_pages() * (PAGE_SIZE / 1024),
        "DirectMap2M:", 0UL);
#undef PUT
    return (int)used;
}
