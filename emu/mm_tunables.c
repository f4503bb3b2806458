/*
 * mm_tunables.c - /proc/sys/vm, /sys/kernel/mm/transparent_hugepage and the hugepages files
 * served from the model (see mm_tunables.h).
 *
 * One row per tunable, as kernel/sysctl.c's vm_table of Linux 4.20 (all of it: the files of the
 * machine's /proc/sys/vm), mm/huge_memory.c's hugepage_attr and mm/hugetlb.c's hstate_attrs
 * (global and node0's, of the model's empty pools): the variable, its handler's kind
 * and bounds, the file's mode, and what a write changes besides (overcommit_ratio and
 * overcommit_kbytes each clear the other, min_free_kbytes sets the watermarks, drop_caches drops
 * the model's page cache, numa_stat 0 stops and clears the NUMA counters, ...). A tunable the model
 * has no use for is kept here, in a variable of its own with 4.20's default: read and written as
 * Linux's handler does, with no effect.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/cred.h"
#include "emu/mm_tunables.h"
#include "emu/path.h"
#include "emu/sys_info.h"
#include "emu/text.h"
#include "emu/uio.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

enum tunable_kind {
    DOINTVEC,         /* proc_dointvec: any int */
    DOINTVEC_MINMAX,  /* proc_dointvec_minmax: -EINVAL outside [min, max] */
    DOINTVEC_JIFFIES, /* proc_dointvec_jiffies: seconds, -EINVAL past INT_MAX / HZ */
    DOULONGVEC,       /* proc_doulongvec_minmax: a negative value, or one outside [umin, umax]
                         (0: unbounded), is skipped, not refused (4.20) */
    INTVEC,           /* lowmem_reserve_ratio: n ints, tab-separated */
    ZONELIST_ORDER,   /* numa_zonelist_order_handler: "Node"; a write is only checked */
    TRIGGER,          /* compact_memory, stat_refresh: no value; any write is taken */
    THP_ENABLED,      /* enabled_show/enabled_store: always, madvise or never */
    THP_DEFRAG,       /* defrag_show/defrag_store: always ... never (kept, no effect) */
    SHMEM_ENABLED,    /* shmem_enabled_show/store: whole words (kept, no effect) */
    SYSFS_FLAG,       /* single_hugepage_flag_show/store: 0 or 1 */
    SYSFS_UINT,       /* khugepaged's: kstrtoul, [umin, umax]; a write wakes khugepaged if wake */
    SYSFS_COUNTER,    /* khugepaged's pages_collapsed, full_scans: 0444 */
    HSTATE_NR,        /* an hstate's nr_hugepages*, nr_overcommit_hugepages: kstrtoul */
};

/* flags */
#define LENIENT   1  /* the handler ignores its parse's error: every write is taken */
#define RAWIO     2  /* mmap_min_addr_handler: a write needs CAP_SYS_RAWIO (-EPERM) */
#define PCP_FRACT 4  /* percpu_pagelist_fraction_sysctl_handler: 1 to 7 is -EINVAL */
#define POOL      8  /* nr_hugepages_store_common: taken; the model's pool cannot grow */
#define GIGANTIC  16 /* nr_overcommit_hugepages_store of a gigantic hstate: -EINVAL */

struct mm_tunable {
    const char *path;
    enum tunable_kind kind;
    int *ival;
    unsigned long *ulval;
    int min, max;
    void (*written)(void); /* after a write the handler took (also one past position 0) */
    unsigned *uval;        /* SYSFS_UINT */
    unsigned long umin, umax;
    unsigned mode; /* a /proc/sys file's: kernel/sysctl.c's (0644 unless said) */
    int flags;
    int n; /* INTVEC: how many */
};

/* The value before the write being handled (dirty_ratio_handler and dirty_bytes_handler clear
 * the other only when theirs changed). */
static int old_int;
static unsigned long old_ulong;

static void ratio_written(void)
{
    sysctl_overcommit_kbytes = 0;
}

static void kbytes_written(void)
{
    sysctl_overcommit_ratio = 0;
}

/* 4.20's defaults of the tunables the model does not use: read and written, with no effect. */
static int panic_on_oom;
static int dirty_background_ratio = 10, vm_dirty_ratio = 20;
static unsigned long dirty_background_bytes, vm_dirty_bytes;
static int dirty_writeback_centisecs = 500, dirty_expire_centisecs = 3000;
static int dirtytime_expire_seconds = 43200;
static unsigned long nr_hugepages, nr_hugepages_mempolicy, nr_overcommit_hugepages;
static int hugetlb_shm_group;
static int lowmem_reserve_ratio[5] = {256, 256, 32, 0, 0}; /* DMA DMA32 Normal Movable Device */
static int drop_caches_value, extfrag_threshold = 500, compact_unevictable_allowed = 1;
static int percpu_pagelist_fraction, laptop_mode, block_dump, vfs_cache_pressure = 100;
static int legacy_va_layout, zone_reclaim_mode, min_unmapped_ratio = 1, min_slab_ratio = 5;
static int stat_interval = 1; /* seconds (HZ jiffies) */
static int memory_failure_early_kill, memory_failure_recovery = 1;
static int mmap_rnd_bits = 28, mmap_rnd_compat_bits = 8; /* x86-64's ARCH_MMAP_RND_*_MIN */

/* dirty_background_ratio_handler / dirty_background_bytes_handler: either clears the other */
static void dirty_background_ratio_written(void)
{
    dirty_background_bytes = 0;
}

static void dirty_background_bytes_written(void)
{
    dirty_background_ratio = 0;
}

/* dirty_ratio_handler / dirty_bytes_handler: the other is cleared if the value changed */
static void dirty_ratio_written(void)
{
    if (vm_dirty_ratio != old_int)
        vm_dirty_bytes = 0;
}

static void dirty_bytes_written(void)
{
    if (vm_dirty_bytes != old_ulong)
        vm_dirty_ratio = 0;
}

/* hugetlb_sysctl_handler: set_max_huge_pages cannot grow the model's pool (hugetlb.c), so the
 * write is taken and the pool stays empty, as on a machine with no memory to give it */
static void nr_hugepages_written(void)
{
    nr_hugepages = nr_hugepages_mempolicy = 0;
}

/* The hugetlb pools' counts the model keeps: its pools are empty (hugetlb.c), of both sizes
 * (2 MiB, and 1 GiB: the model's CPUs have pdpe1gb, so 4.20 x86-64 registers that hstate too),
 * on node0 as in all. The 1 GiB hstate's overcommit cannot be set. */
static unsigned long hugetlb_zero, gigantic_overcommit;

/* sysctl_vm_numa_stat_handler: 0 stops the NUMA counters and clears them (vmstat.c) */
static void numa_stat_written(void)
{
    vm_numa_stat_written(old_int);
}

/* drop_caches_sysctl_handler: 1 the page cache, 2 the slab (the unused files' inodes, and their
 * pages with them), 3 both; 4 only quiets the kernel's message */
static void drop_caches_written(void)
{
    if (drop_caches_value & 1)
        drop_pagecache();
    if (drop_caches_value & 2)
        evict_unused_mappings();
}

/* The tunables kept in other types, as ints while a file is read or written. */
static int page_cluster_value, thp_mode_value, use_zero_page_value;

/*
 * defrag and khugepaged/defrag: how hard a huge page allocation may compact. The model has no
 * compaction, so they change nothing, but they are the run's: served from here, a root guest's
 * write cannot reach the host's files. 4.20's defaults (transparent_hugepage_flags): madvise,
 * and 1. The words in defrag_show's order; defrag_store tries "defer+madvise" before "defer".
 */
static const char *const defrag_words[] = {"always", "defer", "defer+madvise", "madvise", "never"};
static int thp_defrag_value = 3, khugepaged_defrag_value = 1;

/* shmem_enabled: the model has no THP for shmem, so it changes nothing either; shmem_huge's
 * values in shmem_enabled_show's order, 4.20's default never. */
static const char *const shmem_words[] = {"always", "within_size", "advise",
                                          "never",  "deny",        "force"};
static int shmem_huge_value = 3;

static void sync_in(void)
{
    page_cluster_value = (int)page_cluster;
    thp_mode_value = (int)transparent_hugepage_mode;
    use_zero_page_value = transparent_hugepage_use_zero_page;
}

static void sync_out(void)
{
    page_cluster = (unsigned)page_cluster_value;
    transparent_hugepage_mode = (enum transparent_hugepage_mode)thp_mode_value;
    transparent_hugepage_use_zero_page = use_zero_page_value;
}

#define VM        "/proc/sys/vm/"
#define THP       MM_TUNABLES_THP_DIR "/"
#define HP2M      MM_TUNABLES_HUGEPAGES_DIR "/hugepages-2048kB/"
#define HP1G      MM_TUNABLES_HUGEPAGES_DIR "/hugepages-1048576kB/"
#define NODE_HP   MM_TUNABLES_NODE_HUGEPAGES_DIR
#define NODE_HP2M NODE_HP "/hugepages-2048kB/"
#define NODE_HP1G NODE_HP "/hugepages-1048576kB/"
#define NOLIMIT   .min = INT_MIN, .max = INT_MAX

static const struct mm_tunable tunables[] = {
    /* kernel/sysctl.c's vm_table of 4.20 (x86-64, CONFIG_NUMA, HUGETLB_PAGE, COMPACTION,
     * MEMORY_FAILURE: Debian's), in its order */
    {VM "overcommit_memory", DOINTVEC_MINMAX, .ival = &sysctl_overcommit_memory, .max = 2},
    {VM "panic_on_oom", DOINTVEC_MINMAX, .ival = &panic_on_oom, .max = 2},
    {VM "oom_kill_allocating_task", DOINTVEC, .ival = &sysctl_oom_kill_allocating_task},
    {VM "oom_dump_tasks", DOINTVEC, .ival = &sysctl_oom_dump_tasks},
    {VM "overcommit_ratio", DOINTVEC, .ival = &sysctl_overcommit_ratio, .written = ratio_written},
    {VM "overcommit_kbytes", DOULONGVEC, .ulval = &sysctl_overcommit_kbytes,
     .written = kbytes_written},
    /* 4.20 bounds it below only; 1 << page_cluster needs it under 32 (Linux 6.2's maximum) */
    {VM "page-cluster", DOINTVEC_MINMAX, .ival = &page_cluster_value, .max = 31},
    {VM "dirty_background_ratio", DOINTVEC_MINMAX, .ival = &dirty_background_ratio, .max = 100,
     .written = dirty_background_ratio_written},
    {VM "dirty_background_bytes", DOULONGVEC, .ulval = &dirty_background_bytes, .umin = 1,
     .written = dirty_background_bytes_written},
    {VM "dirty_ratio", DOINTVEC_MINMAX, .ival = &vm_dirty_ratio, .max = 100,
     .written = dirty_ratio_written},
    {VM "dirty_bytes", DOULONGVEC, .ulval = &vm_dirty_bytes, .umin = 2 * 4096,
     .written = dirty_bytes_written},
    /* dirty_writeback_centisecs_handler returns 0 whatever proc_dointvec said */
    {VM "dirty_writeback_centisecs", DOINTVEC, .ival = &dirty_writeback_centisecs,
     .flags = LENIENT},
    {VM "dirty_expire_centisecs", DOINTVEC_MINMAX, .ival = &dirty_expire_centisecs, .max = INT_MAX},
    {VM "dirtytime_expire_seconds", DOINTVEC_MINMAX, .ival = &dirtytime_expire_seconds,
     .max = INT_MAX},
    {VM "swappiness", DOINTVEC_MINMAX, .ival = &vm_swappiness, .max = 100},
    {VM "nr_hugepages", DOULONGVEC, .ulval = &nr_hugepages, .written = nr_hugepages_written},
    {VM "nr_hugepages_mempolicy", DOULONGVEC, .ulval = &nr_hugepages_mempolicy,
     .written = nr_hugepages_written},
    {VM "numa_stat", DOINTVEC_MINMAX, .ival = &sysctl_vm_numa_stat, .max = 1,
     .written = numa_stat_written},
    {VM "hugetlb_shm_group", DOINTVEC, .ival = &hugetlb_shm_group},
    {VM "nr_overcommit_hugepages", DOULONGVEC, .ulval = &nr_overcommit_hugepages},
    /* lowmem_reserve_ratio_sysctl_handler ignores proc_dointvec_minmax's answer */
    {VM "lowmem_reserve_ratio", INTVEC, .ival = lowmem_reserve_ratio, NOLIMIT, .flags = LENIENT,
     .n = 5},
    {VM "drop_caches", DOINTVEC_MINMAX, .ival = &drop_caches_value, .min = 1, .max = 4,
     .written = drop_caches_written},
    {VM "compact_memory", TRIGGER, .mode = 0200},
    {VM "extfrag_threshold", DOINTVEC_MINMAX, .ival = &extfrag_threshold, .max = 1000},
    {VM "compact_unevictable_allowed", DOINTVEC, .ival = &compact_unevictable_allowed},
    {VM "min_free_kbytes", DOINTVEC_MINMAX, .ival = &min_free_kbytes, .max = INT_MAX,
     .written = setup_per_zone_wmarks},
    {VM "watermark_scale_factor", DOINTVEC_MINMAX, .ival = &watermark_scale_factor, .min = 1,
     .max = 1000, .written = setup_per_zone_wmarks},
    {VM "percpu_pagelist_fraction", DOINTVEC_MINMAX, .ival = &percpu_pagelist_fraction,
     .max = INT_MAX, .flags = PCP_FRACT},
    {VM "max_map_count", DOINTVEC_MINMAX, .ival = &sysctl_max_map_count, .max = INT_MAX},
    {VM "laptop_mode", DOINTVEC_JIFFIES, .ival = &laptop_mode},
    {VM "block_dump", DOINTVEC, .ival = &block_dump},
    {VM "vfs_cache_pressure", DOINTVEC, .ival = &vfs_cache_pressure},
    {VM "legacy_va_layout", DOINTVEC, .ival = &legacy_va_layout},
    {VM "zone_reclaim_mode", DOINTVEC, .ival = &zone_reclaim_mode},
    {VM "min_unmapped_ratio", DOINTVEC_MINMAX, .ival = &min_unmapped_ratio, .max = 100},
    {VM "min_slab_ratio", DOINTVEC_MINMAX, .ival = &min_slab_ratio, .max = 100},
    {VM "stat_interval", DOINTVEC_JIFFIES, .ival = &stat_interval},
    {VM "stat_refresh", TRIGGER, .mode = 0600},
    {VM "mmap_min_addr", DOULONGVEC, .ulval = &dac_mmap_min_addr, .flags = RAWIO,
     .written = update_mmap_min_addr},
    {VM "numa_zonelist_order", ZONELIST_ORDER, .mode = 0644},
    {VM "memory_failure_early_kill", DOINTVEC_MINMAX, .ival = &memory_failure_early_kill, .max = 1},
    {VM "memory_failure_recovery", DOINTVEC_MINMAX, .ival = &memory_failure_recovery, .max = 1},
    {VM "user_reserve_kbytes", DOULONGVEC, .ulval = &sysctl_user_reserve_kbytes},
    {VM "admin_reserve_kbytes", DOULONGVEC, .ulval = &sysctl_admin_reserve_kbytes},
    {VM "mmap_rnd_bits", DOINTVEC_MINMAX, .ival = &mmap_rnd_bits, .min = 28, .max = 32,
     .mode = 0600},
    {VM "mmap_rnd_compat_bits", DOINTVEC_MINMAX, .ival = &mmap_rnd_compat_bits, .min = 8, .max = 16,
     .mode = 0600},

    {THP "enabled", THP_ENABLED, .ival = &thp_mode_value},
    {THP "use_zero_page", SYSFS_FLAG, .ival = &use_zero_page_value},
    {THP "defrag", THP_DEFRAG, .ival = &thp_defrag_value},
    {THP "khugepaged/defrag", SYSFS_FLAG, .ival = &khugepaged_defrag_value},
    {THP "shmem_enabled", SHMEM_ENABLED, .ival = &shmem_huge_value},
    {THP "khugepaged/pages_to_scan", SYSFS_UINT, .uval = &khugepaged_pages_to_scan, .umin = 1,
     .umax = UINT_MAX},
    /* scan_sleep_millisecs_store and alloc_sleep_millisecs_store wake khugepaged */
    {THP "khugepaged/scan_sleep_millisecs", SYSFS_UINT, .uval = &khugepaged_scan_sleep_millisecs,
     .umax = UINT_MAX, .written = khugepaged_wakeup},
    {THP "khugepaged/alloc_sleep_millisecs", SYSFS_UINT, .uval = &khugepaged_alloc_sleep_millisecs,
     .umax = UINT_MAX, .written = khugepaged_wakeup},
    {THP "khugepaged/max_ptes_none", SYSFS_UINT, .uval = &khugepaged_max_ptes_none,
     .umax = HPAGE_PMD_NR - 1},
    {THP "khugepaged/max_ptes_swap", SYSFS_UINT, .uval = &khugepaged_max_ptes_swap,
     .umax = HPAGE_PMD_NR - 1},
    {THP "khugepaged/pages_collapsed", SYSFS_COUNTER, .ulval = &khugepaged_pages_collapsed},
    {THP "khugepaged/full_scans", SYSFS_COUNTER, .ulval = &khugepaged_full_scans},

    /* mm/hugetlb.c's hstate_attrs, per size (2048kB the default hstate: /proc/sys/vm's), and
     * per_node_hstate_attrs for node0 */
    {HP2M "nr_hugepages", HSTATE_NR, .ulval = &nr_hugepages, .flags = POOL},
    {HP2M "nr_hugepages_mempolicy", HSTATE_NR, .ulval = &nr_hugepages_mempolicy, .flags = POOL},
    {HP2M "nr_overcommit_hugepages", HSTATE_NR, .ulval = &nr_overcommit_hugepages},
    {HP2M "free_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {HP2M "resv_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {HP2M "surplus_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {HP1G "nr_hugepages", HSTATE_NR, .ulval = &hugetlb_zero, .flags = POOL},
    {HP1G "nr_hugepages_mempolicy", HSTATE_NR, .ulval = &hugetlb_zero, .flags = POOL},
    {HP1G "nr_overcommit_hugepages", HSTATE_NR, .ulval = &gigantic_overcommit, .flags = GIGANTIC},
    {HP1G "free_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {HP1G "resv_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {HP1G "surplus_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {NODE_HP2M "nr_hugepages", HSTATE_NR, .ulval = &nr_hugepages, .flags = POOL},
    {NODE_HP2M "free_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {NODE_HP2M "surplus_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {NODE_HP1G "nr_hugepages", HSTATE_NR, .ulval = &hugetlb_zero, .flags = POOL},
    {NODE_HP1G "free_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
    {NODE_HP1G "surplus_hugepages", SYSFS_COUNTER, .ulval = &hugetlb_zero},
};
#define NR_TUNABLES (sizeof(tunables) / sizeof(tunables[0]))

static const struct mm_tunable *find(const char *path)
{
    char norm[PATH_MAX];

    if (path[0] != '/' || !path_walk_lexically(path, norm, sizeof(norm)))
        return NULL;
    for (size_t i = 0; i < NR_TUNABLES; i++)
        if (!strcmp(norm, tunables[i].path))
            return &tunables[i];
    return NULL;
}

/* 4.20's transparent_hugepage directory (hugepage_attr, shmem_enabled) and khugepaged/
 * (khugepaged_attr); a later kernel's files (max_ptes_shared, hugepages-<size>kB, ...) are not
 * the machine's. */
static const char *const thp_names[] = {"enabled",        "defrag",        "use_zero_page",
                                        "hpage_pmd_size", "shmem_enabled", "khugepaged"};
static const char *const khugepaged_names[] = {
    "defrag",        "pages_to_scan",        "pages_collapsed",
    "full_scans",    "scan_sleep_millisecs", "alloc_sleep_millisecs",
    "max_ptes_none", "max_ptes_swap"};

static bool listed(const char *const *names, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], name, len))
            return true;
    return false;
}

/* Is name (len bytes) a file of 4.20's /proc/sys/vm (a row of the table)? */
static bool vm_listed(const char *name, size_t len)
{
    size_t n = strlen(VM);
    for (size_t i = 0; i < NR_TUNABLES; i++)
        if (!strncmp(tunables[i].path, VM, n) && strlen(tunables[i].path + n) == len &&
            !memcmp(tunables[i].path + n, name, len))
            return true;
    return false;
}

/* If norm is under the global or node0's hugepages directory: is it a name 4.20 does not show
 * there (another size's hstate directory, or a later kernel's file in one, demote and
 * demote_size)? */
static bool hugepages_absent(const char *norm)
{
    const char *const dirs[] = {MM_TUNABLES_HUGEPAGES_DIR, NODE_HP};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(norm, dirs[i], n) != 0 || norm[n] != '/')
            continue;
        const char *size = norm + n + 1, *file = size + strcspn(size, "/");
        size_t len = (size_t)(file - size);
        if (!(len == 16 && !memcmp(size, "hugepages-2048kB", len)) &&
            !(len == 19 && !memcmp(size, "hugepages-1048576kB", len)))
            return true;
        if (!*file || !file[1])
            return false;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%.*s/%.*s", (int)(file - norm), norm,
                 (int)strcspn(file + 1, "/"), file + 1);
        return !find(path);
    }
    return false;
}

bool mm_tunable_hidden(const char *dir, const char *name)
{
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    if (!strncmp(dir, MM_TUNABLES_HUGEPAGES_DIR, strlen(MM_TUNABLES_HUGEPAGES_DIR)) ||
        !strncmp(dir, NODE_HP, strlen(NODE_HP))) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return hugepages_absent(path);
    }
    if (!strcmp(dir, MM_TUNABLES_VM_DIR))
        return !vm_listed(name, strlen(name));
    if (!strcmp(dir, MM_TUNABLES_THP_DIR))
        return !listed(thp_names, sizeof(thp_names) / sizeof(thp_names[0]), name, strlen(name));
    return !listed(khugepaged_names, sizeof(khugepaged_names) / sizeof(khugepaged_names[0]), name,
                   strlen(name));
}

const char *mm_tunable_extra_entry(const char *dir, int *cursor)
{
    size_t n = strlen(VM);
    struct stat st;

    if (strcmp(dir, MM_TUNABLES_VM_DIR) != 0)
        return NULL;
    while (*cursor >= 0 && (size_t)*cursor < NR_TUNABLES) {
        const char *path = tunables[(*cursor)++].path;
        if (strncmp(path, VM, n) == 0 && stat(path, &st) != 0)
            return path + n;
    }
    return NULL;
}

bool mm_tunable_absent(const char *path)
{
    char norm[PATH_MAX];
    size_t n = strlen(MM_TUNABLES_THP_DIR), nv = strlen(MM_TUNABLES_VM_DIR);

    /* every path this is asked about (resolve_at): most name neither directory at all */
    if (path[0] != '/' || !strstr(path, "sys") || !path_walk_lexically(path, norm, sizeof(norm)))
        return false;
    if (hugepages_absent(norm))
        return true;
    if (!strncmp(norm, MM_TUNABLES_VM_DIR, nv) && norm[nv] == '/') {
        const char *name = norm + nv + 1;
        size_t len = strcspn(name, "/");
        return !vm_listed(name, len); /* "swappiness/x": the host's ENOTDIR */
    }
    if (strncmp(norm, MM_TUNABLES_THP_DIR, n) != 0 || norm[n] != '/')
        return false;
    const char *name = norm + n + 1;
    size_t len = strcspn(name, "/");
    if (!listed(thp_names, sizeof(thp_names) / sizeof(thp_names[0]), name, len))
        return true;
    if (name[len] != '/' || strncmp(name, "khugepaged/", 11) != 0)
        return false;
    name += len + 1;
    return !listed(khugepaged_names, sizeof(khugepaged_names) / sizeof(khugepaged_names[0]), name,
                   strcspn(name, "/"));
}

static bool is_sysctl(const struct mm_tunable *t)
{
    return t->kind <= TRIGGER;
}

static unsigned sysctl_mode(const struct mm_tunable *t)
{
    return t->mode ? t->mode : 0644;
}

bool mm_tunable_owns(const char *path)
{
    return find(path) != NULL;
}

const char *mm_tunable_stat_path(const char *path, unsigned *mode)
{
    const struct mm_tunable *t = find(path);
    struct stat st;

    *mode = 0;
    if (!t || !is_sysctl(t))
        return NULL;
    *mode = sysctl_mode(t);
    return stat(t->path, &st) == 0 ? t->path : VM "overcommit_memory";
}

/* proc_sys_permission's test_perm: the owner's bits for euid 0, the group's for egid 0 (or a
 * supplementary group 0), else the others'; capabilities play no part. */
static bool sysctl_may(struct proc *p, const struct mm_tunable *t, int flags)
{
    uint32_t uid[4], gid[4], groups[64];
    unsigned mode = sysctl_mode(t), want = 0;

    task_uids(p, uid);
    task_gids(p, gid);
    if (uid[CRED_E] == 0) {
        mode >>= 6;
    } else {
        bool in_root_group = gid[CRED_E] == 0;
        int n = task_groups(p, groups, 64);
        for (int i = 0; i < n && !in_root_group; i++)
            in_root_group = groups[i] == 0;
        if (in_root_group)
            mode >>= 3;
    }
    if ((flags & O_ACCMODE) != O_WRONLY)
        want |= 4;
    if ((flags & O_ACCMODE) != O_RDONLY)
        want |= 2;
    return (want & ~mode & 7) == 0;
}

int mm_tunable_open(struct proc *p, const char *path, int flags)
{
    const struct mm_tunable *t = find(path);
    uint32_t uid[4];
    struct text text = {0};

    task_uids(p, uid);
    if (is_sysctl(t) ? !sysctl_may(p, t, flags)
                     : (flags & O_ACCMODE) != O_RDONLY &&
                           (t->kind == SYSFS_COUNTER || /* kernfs_fop_open: no ->write */
                            (uid[CRED_FS] != 0 && !guest_capable(p, 1 /* CAP_DAC_OVERRIDE */))))
        return -EACCES;
    sync_in();
    if (t->kind == THP_ENABLED) {
        static const char *const shown[] = {
            [THP_ALWAYS] = "[always] madvise never",
            [THP_MADVISE] = "always [madvise] never",
            [THP_NEVER] = "always madvise [never]",
        };
        text_printf(&text, "%s\n", shown[thp_mode_value]);
    } else if (t->kind == THP_DEFRAG) {
        for (int i = 0; i < (int)(sizeof(defrag_words) / sizeof(defrag_words[0])); i++)
            text_printf(&text, i == *t->ival ? "%s[%s]" : "%s%s", i ? " " : "", defrag_words[i]);
        text_printf(&text, "\n");
    } else if (t->kind == SHMEM_ENABLED) {
        for (int i = 0; i < (int)(sizeof(shmem_words) / sizeof(shmem_words[0])); i++)
            text_printf(&text, i == *t->ival ? "%s[%s]" : "%s%s", i ? " " : "", shmem_words[i]);
        text_printf(&text, "\n");
    } else if (t->kind == TRIGGER) {
        /* nothing to read (vmstat_refresh; compact_memory is 0200) */
    } else if (t->kind == ZONELIST_ORDER) {
        text_printf(&text, "Node\n");
    } else if (t->kind == INTVEC) {
        for (int i = 0; i < t->n; i++)
            text_printf(&text, "%s%d", i ? "\t" : "", t->ival[i]);
        text_printf(&text, "\n");
    } else if (t->uval) {
        text_printf(&text, "%u\n", *t->uval);
    } else if (t->ival) {
        text_printf(&text, "%d\n", *t->ival);
    } else {
        text_printf(&text, "%lu\n", *t->ulval);
    }
    return text_to_fd(&text, strrchr(t->path, '/') + 1);
}

/* proc_get_long: an optional '-', digits in C's bases (simple_strtoul with base 0), then the end
 * of the buffer or whitespace; at most 21 characters. Advances *q and *left past it. */
static int get_long(const char **q, size_t *left, unsigned long *val, bool *neg)
{
    char tmp[22];
    size_t len = *left < sizeof(tmp) - 1 ? *left : sizeof(tmp) - 1;
    char *end;

    memcpy(tmp, *q, len);
    tmp[len] = 0;
    char *d = tmp;
    *neg = *d == '-' && *left > 1;
    d += *neg;
    if (!isdigit((unsigned char)*d))
        return -EINVAL;
    *val = strtoul(d, &end, 0);
    len = (size_t)(end - tmp);
    if (len == sizeof(tmp) - 1) /* too long to know where it ends */
        return -EINVAL;
    if (len < *left && *end != ' ' && *end != '\t' && *end != '\n')
        return -EINVAL;
    *q += len;
    *left -= len;
    return 0;
}

static void skip_spaces(const char **q, size_t *left)
{
    while (*left && isspace((unsigned char)**q))
        (*q)++, (*left)--;
}

#define HZ 250 /* Debian's CONFIG_HZ: proc_dointvec_jiffies keeps seconds * HZ */

/* One int of an int vector: do_proc_dointvec_conv (with do_proc_dointvec_jiffies_conv's bound),
 * then the bounds of proc_dointvec_minmax. */
static int int_value(const struct mm_tunable *t, unsigned long val, bool neg, int *out)
{
    unsigned long limit = t->kind == DOINTVEC_JIFFIES ? INT_MAX / HZ : (unsigned long)INT_MAX + neg;
    if (val > limit)
        return -EINVAL;
    long v = neg ? -(long)val : (long)val;
    if ((t->kind == DOINTVEC_MINMAX || t->kind == INTVEC) && (v < t->min || v > t->max))
        return -EINVAL;
    if ((t->flags & PCP_FRACT) && v > 0 && v < 8) /* MIN_PERCPU_PAGELIST_FRACTION */
        return -EINVAL;
    *out = (int)v;
    return 0;
}

/* A sysctl write at position 0 (proc_sys_call_handler with the handler's write side):
 * __do_proc_dointvec's or __do_proc_doulongvec_minmax's loop over the table's values. The bytes
 * taken, or -errno. */
static long sysctl_write(const struct mm_tunable *t, const char *buf, size_t count)
{
    const char *q = buf;
    size_t left = count;
    unsigned long val;
    bool neg;
    int n = t->kind == INTVEC ? t->n : 1, err = 0, i;

    if (t->kind == TRIGGER)
        return (long)count;
    if (t->kind == ZONELIST_ORDER) /* __parse_numa_zonelist_order: only "Node" ("N", "d") */
        return strchr("dDnN", buf[0]) && buf[0] ? (long)count : -EINVAL;
    for (i = 0; i < n; i++) {
        skip_spaces(&q, &left);
        if (!left)
            break;
        if ((err = get_long(&q, &left, &val, &neg)) != 0)
            break;
        if (t->kind == DOULONGVEC) {
            /* skipped, not refused: a negative value or one out of [umin, umax] */
            if (!neg && val >= t->umin && (!t->umax || val <= t->umax))
                *t->ulval = val;
        } else if ((err = int_value(t, val, neg, &t->ival[i])) != 0) {
            break;
        }
    }
    if (!err && left)
        skip_spaces(&q, &left);
    if (i == 0) /* "write && first" */
        return err ? err : -EINVAL;
    return err ? err : (long)(count - left);
}

/* A sysfs store: the whole write at once, whatever the position (sysfs_kf_write). */
static long sysfs_store(const struct mm_tunable *t, const char *buf, size_t count)
{
    if (t->kind == THP_ENABLED) {
        /* enabled_store compares only as many bytes as were written, so "a" is "always" */
        static const struct {
            const char *word;
            enum transparent_hugepage_mode mode;
        } modes[] = {{"always", THP_ALWAYS}, {"madvise", THP_MADVISE}, {"never", THP_NEVER}};
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
            size_t n = strlen(modes[i].word);
            if (!memcmp(modes[i].word, buf, count < n ? count : n)) {
                *t->ival = (int)modes[i].mode;
                return (long)count;
            }
        }
        return -EINVAL;
    }
    if (t->kind == THP_DEFRAG) {
        /* defrag_store: the same prefix compare, so "defer" without a newline is defer+madvise */
        static const int order[] = {0, 2, 1, 3, 4};
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
            const char *w = defrag_words[order[i]];
            size_t n = strlen(w);
            if (!memcmp(w, buf, count < n ? count : n)) {
                *t->ival = order[i];
                return (long)count;
            }
        }
        return -EINVAL;
    }
    if (t->kind == SHMEM_ENABLED) {
        /* shmem_enabled_store: under 16 bytes, one final newline dropped, then a whole word
         * (shmem_parse_huge) */
        size_t len = count && buf[count - 1] == '\n' ? count - 1 : count;
        if (count + 1 > 16)
            return -EINVAL;
        for (size_t i = 0; i < sizeof(shmem_words) / sizeof(shmem_words[0]); i++)
            if (strlen(shmem_words[i]) == len && !memcmp(shmem_words[i], buf, len)) {
                *t->ival = (int)i;
                return (long)count;
            }
        return -EINVAL;
    }
    /* single_hugepage_flag_store, khugepaged's and the hstates' stores: kstrtoul (an optional '+',
     * decimal digits, one optional newline), within bounds */
    const char *d = buf + (buf[0] == '+');
    char *end;
    if (!isdigit((unsigned char)*d))
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(d, &end, 10);
    if ((*end == '\n' ? end + 1 : end) != buf + count || errno)
        return -EINVAL;
    if (t->kind == HSTATE_NR) {
        if (t->flags & GIGANTIC)
            return -EINVAL;
        if (!(t->flags & POOL)) /* set_max_huge_pages: none to be had, the pool stays empty */
            *t->ulval = v;
        return (long)count;
    }
    if (t->kind == SYSFS_FLAG ? v > 1 : v < t->umin || v > t->umax)
        return -EINVAL;
    if (t->uval)
        *t->uval = (unsigned)v;
    else
        *t->ival = (int)v;
    return (long)count;
}

long mm_tunable_write(struct proc *p, const char *path, uint64_t ubuf, uint64_t count, int64_t pos)
{
    const struct mm_tunable *t = find(path);
    char buf[4096];
    size_t len = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
    bool sysctl = is_sysctl(t);
    long r;

    if ((t->flags & RAWIO) && !guest_capable(p, 17 /* CAP_SYS_RAWIO */))
        return -EPERM;
    if (!sysctl && count > sizeof(buf)) /* kernfs: more than atomic_write_len */
        return -E2BIG;
    if (!sysctl && !count)
        return 0;
    if (t->kind == ZONELIST_ORDER) /* memdup_user_nul(buffer, 16) */
        len = count < 16 ? count : 16;
    if (get_user_struct(p, buf, ubuf, len))
        return -EFAULT;
    buf[len] = 0;
    sync_in();
    old_int = t->ival ? *t->ival : 0;
    old_ulong = t->ulval ? *t->ulval : 0;
    if (!sysctl)
        r = sysfs_store(t, buf, len);
    else if ((pos > 0 || !count) && t->kind != TRIGGER && t->kind != ZONELIST_ORDER)
        r = (long)count; /* proc_first_pos_non_zero_ignore, or nothing to parse: the handler
                            still runs its part after the parse (drop_caches drops again) */
    else
        r = sysctl_write(t, buf, len);
    if (r < 0 && (t->flags & LENIENT))
        r = (long)count; /* the values parsed before the error are kept */
    if (r >= 0) {
        sync_out();
        if (t->written)
            t->written();
    }
    return r;
}
