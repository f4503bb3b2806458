/*
 * meminfo.c - /proc/meminfo (models fs/proc/meminfo.c's meminfo_proc_show and
 * mm/page_alloc.c's si_mem_available) and the one node's /sys/devices/system/node/node0/meminfo
 * (drivers/base/node.c's node_read_meminfo), both printed from the same counts.
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

/* The page counts /proc/meminfo and node0/meminfo share, in pages, from one vm_page_state walk
 * (si_meminfo and the node_page_state items fs/proc/meminfo.c and drivers/base/node.c read). */
struct meminfo_pages {
    unsigned long total, free, available, cached, swapcached;
    unsigned long active_anon, inactive_anon, active_file, inactive_file, unevictable, mlocked;
    unsigned long dirty, anon, mapped, shmem, page_tables, file_pages, anon_huge;
};

static int meminfo_read(struct meminfo_pages *m)
{
    struct vm_page_state s;
    if (vm_page_state_read(&s) < 0)
        return -1;
    *m = (struct meminfo_pages){
        .total = totalram_pages(),
        .free = s.nr_free,
        .available = si_mem_available(&s),
        .cached = s.nr_file_pages, /* NR_FILE_PAGES - swap cache - buffers */
        .swapcached = s.nr_swapcache,
        .active_anon = s.nr_active_anon,
        .inactive_anon = s.nr_lru_anon - s.nr_active_anon,
        .active_file = s.nr_active_file,
        .inactive_file = s.nr_lru_file - s.nr_active_file,
        .unevictable = s.nr_mlock,
        .mlocked = s.nr_mlock,
        .dirty = s.nr_file_dirty,
        .anon = s.nr_anon_mapped,
        .mapped = s.nr_file_mapped,
        .shmem = s.nr_shmem,
        .page_tables = s.nr_page_table_pages,
        .file_pages = s.nr_file_pages + s.nr_swapcache, /* NR_FILE_PAGES itself */
        .anon_huge = nr_anon_thps * HPAGE_PMD_NR,
    };
    return 0;
}

int meminfo_show(char *buf, size_t len)
{
    struct meminfo_pages m;
    if (meminfo_read(&m) < 0)
        return -1;
    const struct {
        const char *name;
        unsigned long pages;
    } lines[] = {
        {"MemTotal:", m.total},
        {"MemFree:", m.free},
        {"MemAvailable:", m.available},
        {"Buffers:", 0},
        {"Cached:", m.cached},
        {"SwapCached:", m.swapcached},
        {"Active:", m.active_anon + m.active_file},
        {"Inactive:", m.inactive_anon + m.inactive_file},
        {"Active(anon):", m.active_anon},
        {"Inactive(anon):", m.inactive_anon},
        {"Active(file):", m.active_file},
        {"Inactive(file):", m.inactive_file},
        {"Unevictable:", m.unevictable},
        {"Mlocked:", m.mlocked},
        {"SwapTotal:", total_swap_pages()},
        {"SwapFree:", get_nr_swap_pages()},
        {"Dirty:", m.dirty},
        {"Writeback:", 0},
        {"AnonPages:", m.anon},
        {"Mapped:", m.mapped},
        {"Shmem:", m.shmem},
        {"KReclaimable:", 0},
        {"Slab:", 0},
        {"SReclaimable:", 0},
        {"SUnreclaim:", 0},
        {"KernelStack:", 0},
        {"PageTables:", m.page_tables},
        {"NFS_Unstable:", 0},
        {"Bounce:", 0},
        {"WritebackTmp:", 0},
        {"CommitLimit:", vm_commit_limit()},
        {"Committed_AS:", vm_memory_committed()},
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
    PUT("%-16s%8lu kB\n", "AnonHugePages:", m.anon_huge * (PAGE_SIZE / 1024));
    PUT("%-16s%8lu kB\n", "ShmemHugePages:", 0UL);
    PUT("%-16s%8lu kB\n", "ShmemPmdMapped:", 0UL);
    /* hugetlb_report_meminfo */
    PUT("HugePages_Total:   %5lu\nHugePages_Free:    %5lu\nHugePages_Rsvd:    %5lu\n"
        "HugePages_Surp:    %5lu\nHugepagesize:   %8lu kB\nHugetlb:        %8lu kB\n",
        0UL, 0UL, 0UL, 0UL, 2048UL, 0UL);
    /* arch_report_meminfo: the direct map covers RAM with 4 KiB pages */
    PUT("%-16s%8lu kB\n%-16s%8lu kB\n", "DirectMap4k:", m.total * (PAGE_SIZE / 1024),
        "DirectMap2M:", 0UL);
#undef PUT
    return (int)used;
}

int node_meminfo_show(int nid, char *buf, size_t len)
{
    struct meminfo_pages m;
    if (meminfo_read(&m) < 0)
        return -1;
    /* si_meminfo_node, then the node's page states: the machine's, its one node being all of it */
    const struct {
        const char *name; /* padded as 4.20's format strings pad them, to 16 columns */
        unsigned long pages;
    } lines[] = {
        {"MemTotal:", m.total},
        {"MemFree:", m.free},
        {"MemUsed:", m.total - m.free},
        {"Active:", m.active_anon + m.active_file},
        {"Inactive:", m.inactive_anon + m.inactive_file},
        {"Active(anon):", m.active_anon},
        {"Inactive(anon):", m.inactive_anon},
        {"Active(file):", m.active_file},
        {"Inactive(file):", m.inactive_file},
        {"Unevictable:", m.unevictable},
        {"Mlocked:", m.mlocked},
        {"Dirty:", m.dirty},
        {"Writeback:", 0},
        {"FilePages:", m.file_pages},
        {"Mapped:", m.mapped},
        {"AnonPages:", m.anon},
        {"Shmem:", m.shmem},
        {"KernelStack:", 0},
        {"PageTables:", m.page_tables},
        {"NFS_Unstable:", 0},
        {"Bounce:", 0},
        {"WritebackTmp:", 0},
        {"KReclaimable:", 0},
        {"Slab:", 0},
        {"SReclaimable:", 0},
        {"SUnreclaim:", 0},
        {"AnonHugePages:", m.anon_huge},
        {"ShmemHugePages:", 0},
        {"ShmemPmdMapped:", 0},
    };
    size_t used = 0;
#define PUT(...) used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__)
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        PUT("Node %d %-16s%8lu kB\n", nid, lines[i].name, lines[i].pages * (PAGE_SIZE / 1024));
    /* hugetlb_report_node_meminfo: no huge page pools */
    PUT("Node %d HugePages_Total: %5u\nNode %d HugePages_Free:  %5u\n"
        "Node %d HugePages_Surp:  %5u\n",
        nid, 0u, nid, 0u, nid, 0u);
#undef PUT
    return (int)used;
}
