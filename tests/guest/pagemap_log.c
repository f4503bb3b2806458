/*
 * pagemap_log N [PUSH_PAGES]: map N + 1 fresh pages, write the first N, and report what
 * /proc/self/pagemap, /proc/meminfo and /proc/vmstat say, for faults.py to hold against the
 * fault log:
 *   stdout "page I ENTRY" for each written page, "untouched ENTRY", "hole ENTRY" (hex entries);
 *   "delta NAME VALUE" for AnonPages, MemFree and PageTables (kB) and pgfault across the writes.
 * With PUSH_PAGES, then write that many more pages (more than the RAM faultline was given), so
 * that reclaim pushes some of the first N out to swap, and print "page I ENTRY" again for the
 * first N, and "swap NAME VALUE" for SwapTotal, SwapFree (kB) and pswpout (read just before
 * the markers "before_count" and "counted").
 * Everything the reports need is touched before the first one, so the only faults between two
 * reports are the writes' own.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

static char text[16384];

/* The value after "name" (a line start) in the file at fd, read from its start. */
static long field(int fd, const char *name)
{
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    if (n <= 0)
        guest_die("pread");
    text[n] = 0;
    size_t len = strlen(name);
    for (char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : s)
        if (strncmp(s, name, len) == 0 && (s[len] == ' ' || s[len] == ':'))
            return strtol(s + len + 1, NULL, 10);
    guest_die(name);
    return 0;
}

struct counters {
    long anon, free, tables, pgfault;
};

static void read_counters(int meminfo, int vmstat, struct counters *c)
{
    c->anon = field(meminfo, "AnonPages");
    c->free = field(meminfo, "MemFree");
    c->tables = field(meminfo, "PageTables");
    c->pgfault = field(vmstat, "pgfault");
}

static uint64_t entry(int pm, const volatile void *addr)
{
    uint64_t e;
    if (pread(pm, &e, 8, (off_t)((uintptr_t)addr / GUEST_PAGE * 8)) != 8)
        guest_die("pread pagemap");
    return e;
}

/* One store to each page of [from, to). Called once with nothing to do before the measured
 * call, so that its code is mapped by then. */
static void __attribute__((noinline)) touch(volatile unsigned char *p, long from, long to)
{
    for (long i = from; i < to; i++)
        p[i * GUEST_PAGE] = 1;
}

int main(int argc, char **argv)
{
    long n = guest_arg(argc, argv, 1, 64), push = guest_arg(argc, argv, 2, 0);
    int pm = open("/proc/self/pagemap", O_RDONLY), meminfo = open("/proc/meminfo", O_RDONLY),
        vmstat = open("/proc/vmstat", O_RDONLY);
    if (pm < 0 || meminfo < 0 || vmstat < 0)
        guest_die("open");
    volatile unsigned char *p =
        guest_map(0x220000000UL, (n + 1) * GUEST_PAGE, PROT_READ | PROT_WRITE);
    volatile unsigned char *hole = guest_map(0x230000000UL, GUEST_PAGE, PROT_READ);
    munmap((void *)hole, GUEST_PAGE);
    guest_note("pagemap_log", "base", (void *)p);

    struct counters a, b;
    read_counters(meminfo, vmstat, &a); /* the first calls fault in what the later ones use */
    touch(p, 0, 0);
    read_counters(meminfo, vmstat, &a);
    touch(p, 0, n);
    read_counters(meminfo, vmstat, &b);

    for (long i = 0; i < n; i++)
        printf("page %ld %llx\n", i, (unsigned long long)entry(pm, p + i * GUEST_PAGE));
    printf("untouched %llx\n", (unsigned long long)entry(pm, p + n * GUEST_PAGE));
    printf("hole %llx\n", (unsigned long long)entry(pm, hole));
    printf("delta AnonPages %ld\ndelta MemFree %ld\ndelta PageTables %ld\ndelta pgfault %ld\n",
           b.anon - a.anon, b.free - a.free, b.tables - a.tables, b.pgfault - a.pgfault);

    if (push > 0) {
        volatile unsigned char *q =
            guest_map(0x240000000UL, push * GUEST_PAGE, PROT_READ | PROT_WRITE);
        touch(q, 0, push);
        for (long i = 0; i < n; i++)
            printf("page %ld %llx\n", i, (unsigned long long)entry(pm, p + i * GUEST_PAGE));
        /* pswpout between two markers: faults.py counts the evictions before each, and the
         * counter must lie between the two counts. Reclaim may have taken the buffer and code
         * field() uses, so a first call brings them back and the second usually reads with
         * nothing left to fault in, but not always: a page the first call brought back can
         * make reclaim take another that the second one needs. */
        field(vmstat, "pswpout");
        guest_marker("pagemap_log", "before_count", 1);
        long pswpout = field(vmstat, "pswpout");
        guest_marker("pagemap_log", "counted", 0);
        long total = field(meminfo, "SwapTotal"), free = field(meminfo, "SwapFree");
        printf("swap SwapTotal %ld\nswap SwapFree %ld\nswap pswpout %ld\n", total, free, pswpout);
    }
    return 0;
}
