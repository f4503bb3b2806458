/*
 * swapoff_cycle - swapoff(2) and swapon(2) of the swap device, from a root guest. Meant for
 * `faultline run --ram 16M --swap 64M` (tests/e2e/swap/swapoff_e2e.py); natively it needs a
 * swap device of the host's and root, so it is not a compare test.
 *
 *   1. A 8 MiB region A is written (each page holds its index), then 24 MiB more (B), which
 *      pushes most of A out to swap; B is unmapped. SwapFree is below SwapTotal.
 *   2. The device's name is read from /proc/swaps (its second line). swapoff of another file,
 *      swapon with a bad flag, swapon of another file are EINVAL; swapon of the device while
 *      active is EBUSY; a child at uid 65534 gets EPERM from both calls.
 *   3. swapoff(name) brings A back: 0; then SwapTotal 0, /proc/swaps only its header, swapoff
 *      again EINVAL. A marker fault, then every page of A is read and written: the contents
 *      intact, and (the log shows) no do_swap_page row after the marker.
 *   4. swapon(name, 0) re-activates it (priority -2 in /proc/swaps), and a new 24 MiB region
 *      pushes A out again: SwapFree below SwapTotal, pswpout grew.
 * stdout says each step's result; stderr has the markers' addresses.
 *
 * `swapoff_cycle nomem`: a 24 MiB region, more than RAM can hold, is written; swapoff is then
 * ENOMEM (4.20 would have the OOM killer take this task first; the model fails the call) and
 * the device stays: SwapTotal as before, /proc/swaps still lists it, the contents intact.
 */
#include <sys/swap.h>

#include "guest.h"

#define PROG    "swapoff_cycle"
#define A_PAGES (8 * 256)
#define B_PAGES (24 * 256)

static long meminfo(const char *key)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        guest_die("open /proc/meminfo");
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
            v = strtol(line + strlen(key) + 1, NULL, 10);
    fclose(f);
    return v;
}

static long vmstat(const char *key)
{
    char name[128];
    long v, found = -1;
    FILE *f = fopen("/proc/vmstat", "r");
    if (!f)
        guest_die("open /proc/vmstat");
    while (fscanf(f, "%127s %ld", name, &v) == 2)
        if (strcmp(name, key) == 0)
            found = v;
    fclose(f);
    return found;
}

/* /proc/swaps: the number of lines; the first field of the second in name, its last in *prio */
static int swaps(char *name, size_t len, int *prio)
{
    char line[1024];
    int n = 0;
    FILE *f = fopen("/proc/swaps", "r");
    if (!f)
        guest_die("open /proc/swaps");
    while (fgets(line, sizeof(line), f)) {
        if (++n == 2 && name) {
            char fname[1024], type[32];
            long size, used;
            if (sscanf(line, "%1023s %31s %ld %ld %d", fname, type, &size, &used, prio) != 5)
                guest_die("parse /proc/swaps");
            snprintf(name, len, "%s", fname);
        }
    }
    fclose(f);
    return n;
}

static unsigned char *fill(unsigned long pages, unsigned tag)
{
    unsigned char *m =
        mmap(NULL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        guest_die("mmap");
    for (unsigned long i = 0; i < pages; i++)
        *(unsigned *)(m + i * GUEST_PAGE) = (unsigned)i ^ tag;
    return m;
}

static const char *err(long r)
{
    return r == 0            ? "0"
           : errno == EINVAL ? "EINVAL"
           : errno == EBUSY  ? "EBUSY"
           : errno == EPERM  ? "EPERM"
           : errno == ENOMEM ? "ENOMEM"
           : errno == ENOSYS ? "ENOSYS"
                             : strerror(errno);
}

static int nomem(void)
{
    char name[1024];
    int prio = 0;
    unsigned long pages = 24 * 256;
    unsigned char *a = fill(pages, 0xe0000000u);
    long total = meminfo("SwapTotal");
    if (swaps(name, sizeof(name), &prio) != 2)
        guest_die("find the device in /proc/swaps");
    printf("swapoff: %s\n", err(swapoff(name)));
    printf("after: SwapTotal same %d, some used %d, /proc/swaps lines %d\n",
           meminfo("SwapTotal") == total, meminfo("SwapFree") < total, swaps(NULL, 0, NULL));
    unsigned long bad = 0;
    for (unsigned long i = 0; i < pages; i++)
        bad += *(unsigned *)(a + i * GUEST_PAGE) != ((unsigned)i ^ 0xe0000000u);
    printf("contents: %lu bad pages\n", bad);
    return 0;
}

int main(int argc, char **argv)
{
    char name[1024];
    int prio = 0;
    if (argc > 1 && strcmp(argv[1], "nomem") == 0)
        return nomem();
    unsigned char *a = fill(A_PAGES, 0xa0000000u);
    guest_note(PROG, "a", a);
    guest_note(PROG, "a_end", a + A_PAGES * GUEST_PAGE);
    unsigned char *b = fill(B_PAGES, 0xb0000000u);
    munmap(b, B_PAGES * GUEST_PAGE);
    long total = meminfo("SwapTotal"), freekb = meminfo("SwapFree");
    printf("before: SwapTotal %ld, some used %d\n", total, freekb < total);
    if (swaps(name, sizeof(name), &prio) != 2)
        guest_die("find the device in /proc/swaps");
    printf("swaps: priority %d\n", prio);

    printf("swapoff /etc/passwd: %s\n", err(swapoff("/etc/passwd")));
    printf("swapon bad flags: %s\n", err(swapon(name, 0x80000)));
    printf("swapon /etc/passwd: %s\n", err(swapon("/etc/passwd", 0)));
    printf("swapon active: %s\n", err(swapon(name, 0)));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0)
            guest_die("setuid");
        printf("uid 65534 swapoff: %s\n", err(swapoff(name)));
        printf("uid 65534 swapon: %s\n", err(swapon(name, 0)));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    long pswpin = vmstat("pswpin"), majflt = vmstat("pgmajfault");

    printf("swapoff: %s\n", err(swapoff(name)));
    printf("after: SwapTotal %ld SwapFree %ld, /proc/swaps lines %d\n", meminfo("SwapTotal"),
           meminfo("SwapFree"), swaps(NULL, 0, NULL));
    printf("pswpin grew %d, pgmajfault grew %d\n", vmstat("pswpin") > pswpin,
           vmstat("pgmajfault") > majflt);
    printf("swapoff again: %s\n", err(swapoff(name)));
    guest_marker(PROG, "after_swapoff", 0);
    unsigned long bad = 0;
    for (unsigned long i = 0; i < A_PAGES; i++) {
        unsigned *w = (unsigned *)(a + i * GUEST_PAGE);
        bad += *w != ((unsigned)i ^ 0xa0000000u);
        *w = (unsigned)i ^ 0xc0000000u;
    }
    printf("contents: %lu bad pages\n", bad);
    guest_marker(PROG, "checked", 1);

    printf("swapon: %s\n", err(swapon(name, 0)));
    printf("swapon again: %s\n", err(swapon(name, 0)));
    int lines = swaps(name, sizeof(name), &prio);
    printf("swaps: lines %d priority %d, SwapTotal %ld\n", lines, prio, meminfo("SwapTotal"));
    long pswpout = vmstat("pswpout");
    fill(B_PAGES, 0xd0000000u);
    printf("pressure: some used %d, pswpout grew %d\n", meminfo("SwapFree") < meminfo("SwapTotal"),
           vmstat("pswpout") > pswpout);
    bad = 0;
    for (unsigned long i = 0; i < A_PAGES; i++)
        bad += *(unsigned *)(a + i * GUEST_PAGE) != ((unsigned)i ^ 0xc0000000u);
    printf("contents: %lu bad pages\n", bad);
    return 0;
}
