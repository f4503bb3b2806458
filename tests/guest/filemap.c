/*
 * filemap.c - file mappings, run natively and under faultline (compare-filemap-*), and read back
 * from the fault log (tests/e2e/dynamic/filemap_faults.py).
 *
 *   filemap read DIR      map a 32-page file private read-only; read page 0, then page 1
 *                         (same fault-around window), then page 20 (another window)
 *   filemap seq DIR       map a 64-page file private read-only and read every page in order
 *                         (readahead: the marker's fault reads the next window)
 *   filemap cow DIR       map it private read-write; write page 0 (do_cow_fault); the file
 *                         keeps its bytes
 *   filemap shared DIR    map it shared; write pages 0 and 3; exit without msync or munmap:
 *                         the exit writes the pages back (the test checks the file afterwards)
 *   filemap sigbus DIR    a 100-byte file mapped two pages long: page 1 is past EOF (SIGBUS,
 *                         BUS_ADRERR; exit status 135)
 *   filemap remap DIR     read page 0 through one mapping, keep it, map the file again and read
 *                         page 0 there: the page cache already holds it (no major fault)
 *   filemap coherent DIR  mixes a shared mapping with write(2) (at an offset, at the file
 *                         offset, O_APPEND), copy_file_range(2), sendfile(2), fallocate(2)'s
 *                         punch hole, pread(2), msync(2), ftruncate(2) and prints what each
 *                         side sees
 *   filemap proc DIR      /proc/self/stat's minflt grows by the pages touched; /proc/self/maps
 *                         has the file mapping's line
 *   filemap vmops DIR     mprotect, mremap (MREMAP_MAYMOVE) and madvise(MADV_DONTNEED) on a
 *                         private file mapping with copied-on-write pages, and munmap of a
 *                         middle part of a shared one
 *
 * Each mode creates its file DIR/data (page i filled with the letter 'a' + i % 26) with write(2)
 * first. Only deterministic text goes to stdout; the mapping addresses go to stderr as
 * "filemap: key=0xHEX" lines for the fault-log checks. Mappings are placed at fixed hints
 * (MAP_FIXED_NOREPLACE) so that the logged addresses are stable.
 */
#define _GNU_SOURCE /* mremap */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "guest.h"

#define NPAGES   32
#define MAP_HINT 0x300000000UL

static char path[4096];

/* Create DIR/data: `pages` pages, page i filled with 'a' + i % 26, or `bytes` bytes if nonzero. */
static int make_file(const char *dir, int pages, size_t bytes)
{
    static char buf[GUEST_PAGE];
    snprintf(path, sizeof(path), "%s/data", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        guest_die("open");
    if (bytes) {
        memset(buf, 'z', bytes < sizeof(buf) ? bytes : sizeof(buf));
        if (write(fd, buf, bytes) != (ssize_t)bytes)
            guest_die("write");
        return fd;
    }
    for (int i = 0; i < pages; i++) {
        memset(buf, 'a' + i % 26, sizeof(buf));
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            guest_die("write");
    }
    return fd;
}

static char *map_file(unsigned long hint, size_t len, int prot, int flags, int fd)
{
    void *p = mmap((void *)hint, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED)
        p = mmap((void *)hint, len, prot, flags, fd, 0);
    if (p == MAP_FAILED)
        guest_die("mmap");
    return p;
}

static int mode_read(const char *dir)
{
    int fd = make_file(dir, NPAGES, 0);
    char *m = map_file(MAP_HINT, NPAGES * GUEST_PAGE, PROT_READ, MAP_PRIVATE, fd);
    guest_note("filemap", "map", m);
    volatile char *v = m;
    printf("page 0: %c\n", v[0]);
    printf("page 1: %c\n", v[GUEST_PAGE + 7]);
    printf("page 20: %c\n", v[20 * GUEST_PAGE]);
    return 0;
}

static int mode_seq(const char *dir)
{
    int fd = make_file(dir, 2 * NPAGES, 0);
    char *m = map_file(MAP_HINT, 2 * NPAGES * GUEST_PAGE, PROT_READ, MAP_PRIVATE, fd);
    guest_note("filemap", "map", m);
    volatile char *v = m;
    unsigned sum = 0;
    for (int i = 0; i < 2 * NPAGES; i++)
        sum += (unsigned char)v[(long)i * GUEST_PAGE];
    printf("sum of 64 pages' first bytes: %u\n", sum);
    return 0;
}

static int mode_cow(const char *dir)
{
    int fd = make_file(dir, NPAGES, 0);
    char *m = map_file(MAP_HINT, NPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
    guest_note("filemap", "map", m);
    m[5] = 'X';
    char c;
    if (pread(fd, &c, 1, 5) != 1)
        guest_die("pread");
    printf("mapping: %c, file: %c\n", m[5], c);
    return 0;
}

static int mode_shared(const char *dir)
{
    int fd = make_file(dir, NPAGES, 0);
    char *m = map_file(MAP_HINT, NPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    guest_note("filemap", "map", m);
    memcpy(m + 10, "SHARED-0", 8);
    memcpy(m + 3 * GUEST_PAGE + 100, "SHARED-3", 8);
    printf("wrote pages 0 and 3\n");
    fflush(stdout);
    _exit(0); /* no munmap, no msync: the exit writes back */
}

static int mode_sigbus(const char *dir)
{
    int fd = make_file(dir, 0, 100);
    char *m = map_file(MAP_HINT, 2 * GUEST_PAGE, PROT_READ, MAP_PRIVATE, fd);
    guest_note("filemap", "map", m);
    volatile char *v = m;
    char last = v[99], after = v[100]; /* in this order; the rest of the last page is 0 */
    printf("byte 99: %c, byte 100: %d\n", last, after);
    fflush(stdout);
    printf("past EOF: %c\n", v[GUEST_PAGE]); /* SIGBUS */
    return 0;
}

static int mode_remap(const char *dir)
{
    int fd = make_file(dir, NPAGES, 0);
    char *m1 = map_file(MAP_HINT, NPAGES * GUEST_PAGE, PROT_READ, MAP_PRIVATE, fd);
    char *m2 = map_file(MAP_HINT + 0x1000000, NPAGES * GUEST_PAGE, PROT_READ, MAP_PRIVATE, fd);
    guest_note("filemap", "map1", m1);
    guest_note("filemap", "map2", m2);
    volatile char *v1 = m1, *v2 = m2;
    printf("first: %c\n", v1[0]);
    printf("second: %c\n", v2[0]);
    return 0;
}

static int mode_coherent(const char *dir)
{
    int fd = make_file(dir, 4, 0);
    char *m = map_file(MAP_HINT, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    char buf[9] = {0};

    /* a store through the mapping is what read(2) returns */
    memcpy(m + 1, "mapwrite", 8);
    if (pread(fd, buf, 8, 1) != 8)
        guest_die("pread");
    printf("pread after store: %s\n", buf);
    /* a store after that write-back is seen too (the page was write-protected and re-dirtied) */
    memcpy(m + 1, "again!!!", 8);
    if (pread(fd, buf, 8, 1) != 8)
        guest_die("pread");
    printf("pread after second store: %s\n", buf);
    /* write(2) is what the mapping shows */
    if (pwrite(fd, "syswrite", 8, GUEST_PAGE + 2) != 8)
        guest_die("pwrite");
    printf("mapping after pwrite: %.8s\n", m + GUEST_PAGE + 2);
    /* and so is a write at the file offset, with O_APPEND, and one the kernel copies from
     * another file (the offsets are the ones the calls leave) */
    if (lseek(fd, GUEST_PAGE + 12, SEEK_SET) < 0 || write(fd, "offwrite", 8) != 8)
        guest_die("write");
    printf("mapping after write: %.8s\n", m + GUEST_PAGE + 12);
    if (ftruncate(fd, 3 * GUEST_PAGE + 100))
        guest_die("ftruncate");
    int afd = open(path, O_WRONLY | O_APPEND);
    if (afd < 0 || write(afd, "appended", 8) != 8)
        guest_die("append");
    close(afd);
    printf("mapping after append: %.8s\n", m + 3 * GUEST_PAGE + 100);
    char src[sizeof(path) + 8];
    snprintf(src, sizeof(src), "%s.src", path);
    int sfd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (sfd < 0 || write(sfd, "copyrangesendfile", 17) != 17)
        guest_die("source file");
    loff_t in_off = 0;
    if (lseek(fd, GUEST_PAGE + 30, SEEK_SET) < 0 ||
        copy_file_range(sfd, &in_off, fd, NULL, 9, 0) != 9)
        guest_die("copy_file_range");
    printf("mapping after copy_file_range: %.9s\n", m + GUEST_PAGE + 30);
    off_t s_off = 9;
    if (lseek(fd, GUEST_PAGE + 50, SEEK_SET) < 0 || sendfile(fd, sfd, &s_off, 8) != 8)
        guest_die("sendfile");
    printf("mapping after sendfile: %.8s\n", m + GUEST_PAGE + 50);
    close(sfd);
    unlink(src);
    /* a punched hole reads as zeroes through the mapping (truncate_pagecache_range) */
    int pr = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, GUEST_PAGE, GUEST_PAGE);
    printf("punch hole: %d, mapping after it: %d %d\n", pr ? errno : 0, m[GUEST_PAGE + 12],
           m[GUEST_PAGE + 50]);
    /* msync(MS_SYNC) */
    memcpy(m + 2 * GUEST_PAGE, "synced!!", 8);
    if (msync(m, 4 * GUEST_PAGE, MS_SYNC))
        guest_die("msync");
    if (pread(fd, buf, 8, 2 * GUEST_PAGE) != 8)
        guest_die("pread");
    printf("pread after msync: %s\n", buf);
    printf("msync unaligned: %d\n", msync(m + 1, GUEST_PAGE, MS_SYNC) == -1 ? errno : 0);
    printf("msync both flags: %d\n", msync(m, GUEST_PAGE, MS_SYNC | MS_ASYNC) == -1 ? errno : 0);
    /* shrink the file: page 3 is gone from the mapping's point of view */
    if (ftruncate(fd, 2 * GUEST_PAGE + 10))
        guest_die("ftruncate");
    printf("after ftruncate, tail of page 2: %d\n", m[2 * GUEST_PAGE + 100]);
    struct stat st;
    fstat(fd, &st);
    printf("size: %ld\n", (long)st.st_size);
    /* the file holds exactly the bytes written through every path */
    static char all[3 * GUEST_PAGE];
    ssize_t n = pread(fd, all, sizeof(all), 0);
    unsigned sum = 0;
    for (ssize_t i = 0; i < n; i++)
        sum = sum * 31 + (unsigned char)all[i];
    printf("read %ld bytes, checksum %08x\n", (long)n, sum);
    return 0;
}

/* Field `n` (1-based) of /proc/self/stat, after the ")" that ends comm. */
static long stat_field(int n)
{
    char buf[1024];
    guest_read_file("/proc/self/stat", buf, sizeof(buf));
    char *s = strrchr(buf, ')');
    long v = 0;
    for (int field = 2; s && field < n; field++) {
        s = strchr(s + 1, ' ');
        if (s && field + 1 == n)
            v = strtol(s + 1, NULL, 10);
    }
    return v;
}

static int mode_proc(const char *dir)
{
    int fd = make_file(dir, NPAGES, 0);
    char *m = map_file(MAP_HINT, 4 * GUEST_PAGE, PROT_READ, MAP_SHARED, fd);
    unsigned char *anon = guest_map(MAP_HINT + 0x1000000, 64 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    long before = stat_field(10);
    for (int i = 0; i < 64; i++)
        anon[i * GUEST_PAGE] = 1;
    long after = stat_field(10);
    printf("minflt grew by at least 64: %s\n", after - before >= 64 ? "yes" : "no");
    printf("majflt field is a number: %s\n", stat_field(12) >= 0 ? "yes" : "no");

    /* the file's line in /proc/self/maps, without the address range and device numbers */
    static char maps[65536];
    int mfd = open("/proc/self/maps", O_RDONLY);
    ssize_t len = 0, n;
    while (mfd >= 0 && (n = read(mfd, maps + len, sizeof(maps) - 1 - len)) > 0)
        len += n;
    maps[len] = 0;
    bool vsyscall = strstr(maps, "[vsyscall]") != NULL;
    char want[64];
    snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)m);
    for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        char perms[8], off[32], dev[16], name[4096];
        unsigned long ino;
        if (sscanf(line, "%*s %7s %31s %15s %lu %4095s", perms, off, dev, &ino, name) == 5)
            printf("maps: %s %s %s\n", perms, off, strcmp(name, path) == 0 ? "data file" : name);
    }
    printf("vsyscall line: %s\n", vsyscall ? "yes" : "no");
    return 0;
}

static int mode_vmops(const char *dir)
{
    int fd = make_file(dir, 8, 0);
    char *m = map_file(MAP_HINT, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);

    m[0] = 'P'; /* a private copy of page 0 */
    m[GUEST_PAGE] = 'Q';
    if (mprotect(m + GUEST_PAGE, GUEST_PAGE, PROT_READ))
        guest_die("mprotect");
    printf("after mprotect: %c %c %c\n", m[0], m[GUEST_PAGE], m[2 * GUEST_PAGE]);
    /* grow the last part (one VMA: mremap cannot span the mprotect split); a mapping right after
     * it makes it move: the private copy moves along, the new pages come from the file */
    m[2 * GUEST_PAGE] = 'R';
    guest_map(MAP_HINT + 4 * GUEST_PAGE, GUEST_PAGE, PROT_NONE);
    char *n = mremap(m + 2 * GUEST_PAGE, 2 * GUEST_PAGE, 6 * GUEST_PAGE, MREMAP_MAYMOVE);
    if (n == MAP_FAILED)
        guest_die("mremap");
    printf("after mremap: %c %c %c %c moved: %s\n", n[0], n[GUEST_PAGE], n[3 * GUEST_PAGE],
           n[5 * GUEST_PAGE], n != m + 2 * GUEST_PAGE ? "yes" : "no");
    /* MADV_DONTNEED drops the private copy: the file's page shows again */
    if (madvise(n, GUEST_PAGE, MADV_DONTNEED))
        guest_die("madvise");
    printf("after madvise: %c\n", n[0]);

    char *s =
        map_file(MAP_HINT + 0x1000000, 8 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    s[0] = '0';
    s[3 * GUEST_PAGE] = '3';
    s[6 * GUEST_PAGE] = '6';
    if (munmap(s + 2 * GUEST_PAGE, 3 * GUEST_PAGE)) /* writes page 3 back */
        guest_die("munmap");
    char buf[8];
    for (int i = 0; i < 8; i++)
        if (pread(fd, buf + i, 1, (off_t)i * GUEST_PAGE) != 1)
            guest_die("pread");
    printf("file: %.8s\n", buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: filemap read|cow|shared|sigbus|remap|coherent|proc|vmops DIR\n");
        return 2;
    }
    const char *mode = argv[1], *dir = argv[2];
    if (!strcmp(mode, "read"))
        return mode_read(dir);
    if (!strcmp(mode, "seq"))
        return mode_seq(dir);
    if (!strcmp(mode, "cow"))
        return mode_cow(dir);
    if (!strcmp(mode, "shared"))
        return mode_shared(dir);
    if (!strcmp(mode, "sigbus"))
        return mode_sigbus(dir);
    if (!strcmp(mode, "remap"))
        return mode_remap(dir);
    if (!strcmp(mode, "coherent"))
        return mode_coherent(dir);
    if (!strcmp(mode, "proc"))
        return mode_proc(dir);
    if (!strcmp(mode, "vmops"))
        return mode_vmops(dir);
    fprintf(stderr, "filemap: unknown mode %s\n", mode);
    return 2;
}
