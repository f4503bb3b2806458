/*
 * vm_sysctl - the machine's /proc/sys/vm, read and written by root. Run under faultline only
 * (there the files are the model's; natively they are the host's, which a test must not change),
 * with --ram 64M --swappiness 10 --major-faults=model.
 *
 * Reads give the model's values (--swappiness, min_free_kbytes from --ram, 4.20's defaults);
 * bad writes are EINVAL as 4.20's handlers answer; a later kernel's files are neither listed nor
 * found. drop_caches 1 drops the model's clean, unmapped page cache: a file read through a
 * mapping takes a major fault again (16 pages, one fault each time: fault-around maps the rest;
 * the phases at 0x70000000, 0x71000000, ... tell the faults apart in the log), while a page still
 * mapped stays. max_map_count is the model's limit on VMAs: mmap fails once there are more
 * (do_mmap's "map_count > sysctl_max_map_count"). Then the same files by relative names, from a
 * directory fd and through "..", and as another user, who may not map under the mmap_min_addr
 * root set.
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

#define FILE_PAGES 16
#define PAGE       4096UL

#define VM "/proc/sys/vm"

static void show(const char *name)
{
    guest_file_show(VM, name);
}

/* write val to name; shown as label (NULL: val) */
static void set_as(const char *name, const char *val, const char *label)
{
    guest_file_write(VM, name, val, label);
}

static void set(const char *name, const char *val)
{
    set_as(name, val, NULL);
}

/* name relative to dirfd (AT_FDCWD: the cwd), read */
static void at(int dirfd, const char *name)
{
    guest_file_at(dirfd, name, NULL);
}

static void list(const char *dir)
{
    guest_list_dir(dir, dir, 1);
}

/* map the file at addr and read each of its pages */
static char *map_read(const char *file, unsigned long addr)
{
    int fd = open(file, O_RDONLY);
    char *p =
        mmap((void *)addr, FILE_PAGES * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    close(fd);
    if (p != (char *)addr) {
        perror("mmap");
        exit(1);
    }
    unsigned sum = 0;
    for (int i = 0; i < FILE_PAGES; i++)
        sum += (unsigned char)p[i * PAGE];
    printf("read %lx: %u\n", addr, sum);
    return p;
}

/* VMAs: lines of /proc/self/maps but [vsyscall], which is no VMA of the mm */
static int vmas(void)
{
    static char buf[1 << 20];
    int fd = open("/proc/self/maps", O_RDONLY), n = 0;
    ssize_t len = 0, r;
    while (fd >= 0 && (r = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    for (char *q = buf; (q = strchr(q, '\n')) != NULL; q++)
        n++;
    return n - (strstr(buf, "[vsyscall]") != NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    show("swappiness");
    show("min_free_kbytes");
    show("watermark_scale_factor");
    show("max_map_count");
    show("drop_caches");
    show("vfs_cache_pressure");
    show("lowmem_reserve_ratio");
    show("numa_zonelist_order");
    show("block_dump");             /* 4.20's, which Linux 5.13 dropped */
    show("watermark_boost_factor"); /* Linux 5.0's */
    show("compact_memory");         /* 0200 */
    struct stat st;
    printf("stat watermark_boost_factor: %s\n",
           stat("/proc/sys/vm/watermark_boost_factor", &st) ? strerror(errno) : "found");
    printf("mode drop_caches: %o\n",
           stat("/proc/sys/vm/drop_caches", &st) ? 0 : (unsigned)st.st_mode & 07777);
    printf("mode block_dump: %o\n",
           stat("/proc/sys/vm/block_dump", &st) ? 0 : (unsigned)st.st_mode & 07777);
    char real[4096];
    printf("realpath block_dump: %s\n", /* procps' sysctl asks before reading */
           realpath("/proc/sys/vm/block_dump", real) ? real : strerror(errno));
    list("/proc/sys/vm");

    set("swappiness", "101");
    set("swappiness", "-1");
    set("swappiness", "30\n");
    show("swappiness");
    set("min_free_kbytes", "-1");
    set("min_free_kbytes", "2048");
    show("min_free_kbytes");
    set("watermark_scale_factor", "0");
    set("watermark_scale_factor", "1001");
    set("drop_caches", "0");
    set("drop_caches", "5");
    set("vfs_cache_pressure", "50");
    show("vfs_cache_pressure");
    set("dirty_ratio", "101");
    set("dirty_bytes", "1000"); /* under 2 pages: skipped, not refused */
    show("dirty_bytes");
    set("dirty_bytes", "65536");
    show("dirty_ratio");

    /* a 16-page file: read through a mapping, again, after drop_caches 1, and while mapped */
    const char *file = "vm_sysctl.data";
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char page[PAGE];
    for (int i = 0; i < FILE_PAGES; i++) {
        memset(page, i + 1, sizeof(page));
        if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
            return 1;
    }
    close(fd);
    munmap(map_read(file, 0x70000000UL), FILE_PAGES * PAGE); /* read from the file: major */
    munmap(map_read(file, 0x71000000UL), FILE_PAGES * PAGE); /* cached: minor */
    set("drop_caches", "1");
    show("drop_caches");
    char *kept = map_read(file, 0x72000000UL); /* dropped: major again */
    set("drop_caches", "3\n");
    map_read(file, 0x73000000UL); /* still mapped at 0x72000000, so kept: minor */
    munmap(kept, FILE_PAGES * PAGE);
    munmap((void *)0x73000000UL, FILE_PAGES * PAGE);
    unlink(file);

    /* max_map_count: one-page mappings that cannot merge until mmap says ENOMEM */
    int before = vmas();
    char limit[32];
    snprintf(limit, sizeof(limit), "%d", before + 20);
    set_as("max_map_count", limit, "VMAs + 20");
    int made = 0;
    for (; made < 100; made++) {
        void *m = mmap((void *)(0x100000000UL + 2 * made * PAGE), PAGE,
                       made % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (m == MAP_FAILED) {
            printf("mmap %d: %s\n", made, strerror(errno));
            break;
        }
    }
    printf("VMAs at the refusal: max_map_count + %d\n", vmas() - (before + 20));
    munmap((void *)0x100000000UL, 200 * PAGE);
    set("max_map_count", "65530");

    /* relative names: from the cwd, a directory fd, "..", and from / */
    int dir = open("/proc/sys", O_RDONLY | O_DIRECTORY);
    if (dir < 0 || chdir("/proc/sys/vm") < 0) {
        perror("/proc/sys/vm");
        return 1;
    }
    at(AT_FDCWD, "swappiness");
    at(AT_FDCWD, "../vm//./min_free_kbytes");
    at(dir, "vm/swappiness");
    at(dir, "vm/../vm/vfs_cache_pressure");
    at(AT_FDCWD, "watermark_boost_factor");
    at(AT_FDCWD, "swappiness/x"); /* a file is no directory */
    printf("access watermark_boost_factor: %s\n",
           access("watermark_boost_factor", F_OK) ? strerror(errno) : "found");
    if (chdir("/") < 0)
        return 1;
    at(AT_FDCWD, "proc/sys/vm/swappiness");

    /* mmap_min_addr: below it only CAP_SYS_RAWIO maps (cap_mmap_addr) */
    set("mmap_min_addr", "1048576");
    show("mmap_min_addr");

    /* another user: the 0644 files read, not written; no mapping under mmap_min_addr */
    if (setresuid(65534, 65534, 65534) < 0) {
        perror("setresuid");
        return 1;
    }
    set("swappiness", "60");
    show("swappiness");
    void *low = mmap((void *)0x80000, PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mmap at 0x80000: %s\n", low == MAP_FAILED ? strerror(errno) : "ok");
    return 0;
}
