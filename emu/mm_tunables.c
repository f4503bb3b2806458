/*
 * mm_tunables.c - /proc/sys/vm and /sys/kernel/mm/transparent_hugepage files served from the
 * model (see mm_tunables.h).
 *
 * One row per tunable, as kernel/sysctl.c's vm_table and mm/huge_memory.c's hugepage_attr:
 * the variable, its handler's kind and bounds, and what a write changes besides
 * (overcommit_ratio and overcommit_kbytes each clear the other: overcommit_ratio_handler,
 * overcommit_kbytes_handler).
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
#include "emu/sys_info.h"
#include "emu/text.h"
#include "emu/uio.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

enum tunable_kind {
    DOINTVEC,        /* proc_dointvec: any int */
    DOINTVEC_MINMAX, /* proc_dointvec_minmax: -EINVAL outside [min, max] */
    DOULONGVEC,      /* proc_doulongvec_minmax without bounds: a negative value is skipped */
    THP_ENABLED,     /* enabled_show/enabled_store: always, madvise or never */
    THP_DEFRAG,      /* defrag_show/defrag_store: always ... never (kept, no effect) */
    SHMEM_ENABLED,   /* shmem_enabled_show/store: whole words (kept, no effect) */
    SYSFS_FLAG,      /* single_hugepage_flag_show/store: 0 or 1 */
    SYSFS_UINT,      /* khugepaged's: kstrtoul, [umin, umax]; a write wakes khugepaged if wake */
    SYSFS_COUNTER,   /* khugepaged's pages_collapsed, full_scans: 0444 */
};

struct mm_tunable {
    const char *path;
    enum tunable_kind kind;
    int *ival;
    unsigned long *ulval;
    int min, max;
    void (*written)(void); /* after a successful write */
    unsigned *uval;        /* SYSFS_UINT */
    unsigned long umin, umax;
};

static void ratio_written(void)
{
    sysctl_overcommit_kbytes = 0;
}

static void kbytes_written(void)
{
    sysctl_overcommit_ratio = 0;
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

#define VM  "/proc/sys/vm/"
#define THP MM_TUNABLES_THP_DIR "/"

static const struct mm_tunable tunables[] = {
    {VM "overcommit_memory", DOINTVEC_MINMAX, .ival = &sysctl_overcommit_memory, .max = 2},
    {VM "overcommit_ratio", DOINTVEC, .ival = &sysctl_overcommit_ratio, .written = ratio_written},
    {VM "overcommit_kbytes", DOULONGVEC, .ulval = &sysctl_overcommit_kbytes,
     .written = kbytes_written},
    {VM "user_reserve_kbytes", DOULONGVEC, .ulval = &sysctl_user_reserve_kbytes},
    {VM "admin_reserve_kbytes", DOULONGVEC, .ulval = &sysctl_admin_reserve_kbytes},
    /* 4.20 bounds it below only; 1 << page_cluster needs it under 32 (Linux 6.2's maximum) */
    {VM "page-cluster", DOINTVEC_MINMAX, .ival = &page_cluster_value, .max = 31},
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
};

/* path with "//", "/./" and "dir/.." taken out, as the lookup walks it: a guest in
 * transparent_hugepage/khugepaged that opens "../enabled" (proc_absolute makes it
 * ".../khugepaged/../enabled") opens the model's file. Neither directory has symlinks on the way
 * down, so the lexical ".." is the walk's; a "." or ".." after a name that is not a directory on
 * the host, or a final '/', is ENOTDIR for the walk: false then (the host's open answers), and
 * when it does not fit in out. */
static bool normalize(const char *path, char *out, size_t len)
{
    size_t n = 0;
    struct stat st;

    if (path[strlen(path) - 1] == '/')
        return false;
    for (const char *q = path; *q;) {
        while (*q == '/')
            q++;
        size_t seg = strcspn(q, "/");
        if (!seg)
            break;
        bool dot = seg == 1 && q[0] == '.', dotdot = seg == 2 && q[0] == '.' && q[1] == '.';
        if ((dot || dotdot) && n) {
            out[n] = 0;
            if (stat(out, &st) || !S_ISDIR(st.st_mode))
                return false;
        }
        if (dot) {
            /* nothing */
        } else if (dotdot) {
            while (n && out[n - 1] != '/')
                n--;
            if (n)
                n--; /* the '/' before the last component */
        } else {
            if (n + 1 + seg >= len)
                return false;
            out[n++] = '/';
            memcpy(out + n, q, seg);
            n += seg;
        }
        q += seg;
    }
    out[n] = 0;
    return true;
}

static const struct mm_tunable *find(const char *path)
{
    char norm[PATH_MAX];

    if (path[0] != '/' || !normalize(path, norm, sizeof(norm)))
        return NULL;
    for (size_t i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++)
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

bool mm_tunable_hidden(const char *dir, const char *name)
{
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    if (!strcmp(dir, MM_TUNABLES_THP_DIR))
        return !listed(thp_names, sizeof(thp_names) / sizeof(thp_names[0]), name, strlen(name));
    return !listed(khugepaged_names, sizeof(khugepaged_names) / sizeof(khugepaged_names[0]), name,
                   strlen(name));
}

bool mm_tunable_absent(const char *path)
{
    char norm[PATH_MAX];
    size_t n = strlen(MM_TUNABLES_THP_DIR);

    if (path[0] != '/' || !normalize(path, norm, sizeof(norm)) ||
        strncmp(norm, MM_TUNABLES_THP_DIR, n) != 0 || norm[n] != '/')
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
    return t->kind <= DOULONGVEC;
}

bool mm_tunable_owns(const char *path)
{
    return find(path) != NULL;
}

int mm_tunable_open(struct proc *p, const char *path, int flags)
{
    const struct mm_tunable *t = find(path);
    uint32_t uid[4];
    struct text text = {0};

    task_uids(p, uid);
    if ((flags & O_ACCMODE) != O_RDONLY &&
        (t->kind == SYSFS_COUNTER || /* kernfs_fop_open: no ->write */
         (is_sysctl(t) ? uid[CRED_E] != 0
                       : uid[CRED_FS] != 0 && !guest_capable(p, 1 /* CAP_DAC_OVERRIDE */))))
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

/* A sysctl write (proc_sys_call_handler with the handler's write side). */
static long sysctl_write(const struct mm_tunable *t, const char *buf, size_t count)
{
    const char *q = buf;
    size_t left = count;
    unsigned long val;
    bool neg;

    skip_spaces(&q, &left);
    if (!left) /* nothing written: "write && first" */
        return -EINVAL;
    if (get_long(&q, &left, &val, &neg))
        return -EINVAL;
    if (t->kind == DOULONGVEC) {
        if (!neg) /* __do_proc_doulongvec_minmax skips a negative value */
            *t->ulval = val;
    } else {
        if (val > (unsigned long)INT_MAX + neg) /* do_proc_dointvec_conv */
            return -EINVAL;
        long v = neg ? -(long)val : (long)val;
        if (t->kind == DOINTVEC_MINMAX && (v < t->min || v > t->max))
            return -EINVAL;
        *t->ival = (int)v;
    }
    skip_spaces(&q, &left);
    return (long)(count - left);
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
    /* single_hugepage_flag_store and khugepaged's stores: kstrtoul (an optional '+', decimal
     * digits, one optional newline), within bounds */
    const char *d = buf + (buf[0] == '+');
    char *end;
    if (!isdigit((unsigned char)*d))
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(d, &end, 10);
    if ((*end == '\n' ? end + 1 : end) != buf + count || errno)
        return -EINVAL;
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

    if (is_sysctl(t) && pos > 0) /* proc_first_pos_non_zero_ignore */
        return (long)count;
    if (!is_sysctl(t) && count > sizeof(buf)) /* kernfs: more than atomic_write_len */
        return -E2BIG;
    if (!is_sysctl(t) && !count)
        return 0;
    if (get_user_struct(p, buf, ubuf, len))
        return -EFAULT;
    buf[len] = 0;
    sync_in();
    long r = is_sysctl(t) ? sysctl_write(t, buf, len) : sysfs_store(t, buf, len);
    if (r >= 0) {
        sync_out();
        if (t->written)
            t->written();
    }
    return r;
}
