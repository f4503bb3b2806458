/*
 * thp_sysfs - root's writes to /sys/kernel/mm/transparent_hugepage/enabled and use_zero_page
 * change where the next faults take huge pages. Run under faultline only (the files are the
 * model's there; natively they are the host's, which a test must not change).
 *
 * Three 2 MiB-aligned 2 MiB blocks at 0x80000000: the first written under the mode the run
 * started with, the second after "never", the third after "madvise" with MADV_HUGEPAGE; then,
 * with use_zero_page 0, a read of the fourth (MADV_HUGEPAGE too) takes a fresh huge page, as
 * do_huge_pmd_anonymous_page does without the huge zero page.
 *
 * Then the same files by names relative to the directory (a shell that cd'd there, openat from a
 * directory fd, "..", "."): the model's files still, never the host's; and the directories list
 * 4.20's files, without a later kernel's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define HPAGE (2UL << 20)
#define BASE  ((char *)0x80000000UL)

#define THP "/sys/kernel/mm/transparent_hugepage"

static void show(const char *name)
{
    guest_file_show(THP, name);
}

static void set(const char *name, const char *val)
{
    guest_file_write(THP, name, val, NULL);
}

/* name relative to dirfd (AT_FDCWD: the cwd), read or, with val, written */
static void at(int dirfd, const char *name, const char *val)
{
    guest_file_at(dirfd, name, val);
}

/* dir's entries but . and .., sorted, on one line after the directory's own name */
static void list(const char *dir)
{
    guest_list_dir(dir, strrchr(dir, '/') + 1, 0);
}

static long anon_huge_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char *p = mmap(BASE, 4 * HPAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != BASE) {
        perror("mmap");
        return 1;
    }
    show("enabled");
    p[0] = 1;
    printf("AnonHugePages: %ld kB\n", anon_huge_kb());
    set("enabled", "never\n");
    show("enabled");
    p[HPAGE] = 1;
    printf("AnonHugePages: %ld kB\n", anon_huge_kb());
    set("enabled", "madvise");
    madvise(p + 2 * HPAGE, 2 * HPAGE, MADV_HUGEPAGE);
    p[2 * HPAGE] = 1;
    printf("AnonHugePages: %ld kB\n", anon_huge_kb());
    set("enabled", "sometimes");
    set("use_zero_page", "2");
    set("use_zero_page", "0\n");
    show("use_zero_page");
    printf("read: %d\n", p[3 * HPAGE]);
    printf("AnonHugePages: %ld kB\n", anon_huge_kb());

    set("khugepaged/pages_to_scan", "1234\n");
    int dir = open("/sys/kernel/mm/transparent_hugepage/khugepaged", O_RDONLY | O_DIRECTORY);
    if (dir < 0 || chdir("/sys/kernel/mm/transparent_hugepage") < 0) {
        perror("transparent_hugepage");
        return 1;
    }
    at(AT_FDCWD, "khugepaged/pages_to_scan", NULL);
    at(AT_FDCWD, "./khugepaged//pages_to_scan", NULL);
    at(dir, "pages_to_scan", NULL);
    at(dir, "../khugepaged/pages_to_scan", NULL);
    /* 4.20's enabled_store compares the first 5 bytes only: ok (Linux 6.x's sysfs_streq: EINVAL) */
    at(AT_FDCWD, "enabled", "never \n");
    at(dir, "../enabled", NULL);
    at(AT_FDCWD, "enabled/", NULL);

    /* defrag's and khugepaged/defrag's 4.20 defaults; defrag_store's prefix compare tries
     * "defer+madvise" first, so "defer+" is that (Linux 6.x's sysfs_streq: EINVAL) */
    show("defrag");
    show("khugepaged/defrag");
    set("defrag", "defer+");
    show("defrag");
    set("defrag", "sometimes\n");
    /* shmem_enabled_store: whole words only (faults.py puts the host's file back should a
     * faultline that passes it through change it) */
    show("shmem_enabled");
    set("shmem_enabled", "adv\n");
    set("shmem_enabled", "deny\n");
    show("shmem_enabled");

    /* 4.20's files only: a later kernel's (max_ptes_shared, hugepages-64kB) are not there */
    list("/sys/kernel/mm/transparent_hugepage");
    list("/sys/kernel/mm/transparent_hugepage/khugepaged");
    show("khugepaged/max_ptes_shared");
    at(dir, "max_ptes_shared", "512\n"); /* 6.x: EINVAL, no harm before the fix */
    /* nor found by stat, lstat, fstatat, statx or access */
    struct stat st;
    struct statx stx;
    const char *later = "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_shared";
    printf("stat max_ptes_shared: %s\n", stat(later, &st) ? strerror(errno) : "found");
    printf("lstat max_ptes_shared: %s\n", lstat(later, &st) ? strerror(errno) : "found");
    printf("fstatat max_ptes_shared: %s\n",
           fstatat(dir, "max_ptes_shared", &st, 0) ? strerror(errno) : "found");
    printf("statx max_ptes_shared: %s\n",
           statx(dir, "./max_ptes_shared", 0, STATX_BASIC_STATS, &stx) ? strerror(errno) : "found");
    printf("access max_ptes_shared: %s\n", access(later, F_OK) ? strerror(errno) : "found");
    return 0;
}
