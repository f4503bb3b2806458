/*
 * proc_status: /proc/self/status and /proc/self/statm as a program reads them to watch its own
 * memory, compared with a native run. The absolute numbers depend on the C library's start-up;
 * the changes do not: mapping 1 MiB adds 1024 kB to VmSize, touching it adds 1024 kB to VmRSS
 * and RssAnon (and 256 pages to statm's resident), mlock of 16 pages shows as VmLck 64 kB,
 * munmap takes the RSS back down while VmPeak keeps the high-water mark.
 * Every value is read before anything is printed, so stdio's buffer does not count.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define PAGES 256

struct mem {
    long size, rss, anon, hwm, peak, lck, swap;
    long statm_size, statm_resident;
};

static char buf[8192];

static long field(const char *name)
{
    const char *s = strstr(buf, name);
    return s ? strtol(s + strlen(name), NULL, 10) : -1;
}

static void snap(struct mem *m)
{
    guest_read_file("/proc/self/status", buf, sizeof(buf));
    m->size = field("VmSize:");
    m->rss = field("VmRSS:");
    m->anon = field("RssAnon:");
    m->hwm = field("VmHWM:");
    m->peak = field("VmPeak:");
    m->lck = field("VmLck:");
    m->swap = field("VmSwap:");
    guest_read_file("/proc/self/statm", buf, sizeof(buf));
    char *end;
    m->statm_size = strtol(buf, &end, 10);
    m->statm_resident = strtol(end, NULL, 10);
}

int main(void)
{
    struct mem m0, m1, m2, m3, m4;

    snap(&m0); /* the first call touches what snap itself needs */
    snap(&m0);
    unsigned char *p = guest_map(0x240000000UL, PAGES * GUEST_PAGE, PROT_READ | PROT_WRITE);
    snap(&m1);
    for (long i = 0; i < PAGES; i++)
        p[i * GUEST_PAGE] = 1;
    snap(&m2);
    if (mlock(p, 16 * GUEST_PAGE))
        guest_die("mlock");
    snap(&m3);
    munmap(p, PAGES * GUEST_PAGE);
    snap(&m4);

    printf("map 1 MiB:   VmSize %+ld kB, statm size %+ld pages, VmRSS %+ld kB\n", m1.size - m0.size,
           m1.statm_size - m0.statm_size, m1.rss - m0.rss);
    printf("touch it:    VmRSS %+ld kB, RssAnon %+ld kB, statm resident %+ld pages\n",
           m2.rss - m1.rss, m2.anon - m1.anon, m2.statm_resident - m1.statm_resident);
    printf("             VmHWM %s VmRSS, VmPeak %s VmSize\n", m2.hwm >= m2.rss ? ">=" : "<",
           m2.peak >= m2.size ? ">=" : "<");
    printf("mlock 64 kB: VmLck %ld kB (before %ld kB)\n", m3.lck, m2.lck);
    printf("munmap:      VmRSS %+ld kB, VmSize %+ld kB, VmLck %ld kB\n", m4.rss - m3.rss,
           m4.size - m3.size, m4.lck);
    /* not VmHWM: Linux 4.20 (the model) raises it before munmap lowers the RSS, the 6.x hosts
     * this is compared on do not */
    printf("             VmPeak kept the peak: %s\n", m4.peak >= m3.size ? "yes" : "no");
    printf("VmSwap %ld kB\n", m4.swap);
    return 0;
}
