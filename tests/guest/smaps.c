/*
 * smaps: /proc/self/smaps and smaps_rollup for mappings this program makes at fixed addresses,
 * compared with a native run: which pages are resident, private or shared (after fork, in the
 * child: mapped twice, so PSS is half), dirty or clean, anonymous, locked. Only the entries of
 * its own mappings are printed, field by field; the rest depends on the C library.
 *
 * usage: smaps DIR [zero-page]. With zero-page it also reads 8 untouched pages, which Linux
 * maps to its zero page (not resident). Some kernels do not (seen: 6.18 in a Firecracker VM
 * allocates a page for such a read); the native run then exits 77 without output, as it cannot
 * be compared with the model, which does what Linux 4.20 does.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANON         0x250000000UL
#define FILEMAP      0x251000000UL
#define PROBE        0x252000000UL
#define NO_ZERO_PAGE 77

static char buf[1 << 20];

/* Print the named fields of the smaps entry that starts at addr. */
static void show(const char *who, unsigned long addr)
{
    static const char *const fields[] = {
        "Size:",         "Rss:",           "Pss:",           "Shared_Clean:",
        "Shared_Dirty:", "Private_Clean:", "Private_Dirty:", "Referenced:",
        "Anonymous:",    "Swap:",          "Locked:"};
    char head[32];
    char *entry, *next;

    guest_read_file("/proc/self/smaps", buf, sizeof(buf));
    snprintf(head, sizeof(head), "%lx-", addr);
    entry = strstr(buf, head);
    if (!entry) {
        printf("%s: no entry at %lx\n", who, addr);
        return;
    }
    next = strstr(entry, "VmFlags:");
    printf("%s:", who);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char *f = strstr(entry, fields[i]);
        if (f && (!next || f < next))
            printf(" %s%ld", fields[i], strtol(f + strlen(fields[i]), NULL, 10));
    }
    printf("\n");
}

/* Whether a read of a never-written anonymous page leaves it out of Rss (the zero page). */
static int kernel_maps_zero_page(void)
{
    volatile unsigned char *p = guest_map(PROBE, GUEST_PAGE, PROT_READ | PROT_WRITE);
    char head[32], *entry, *rss;
    (void)p[0];
    guest_read_file("/proc/self/smaps", buf, sizeof(buf));
    snprintf(head, sizeof(head), "%lx-", PROBE);
    entry = strstr(buf, head);
    rss = entry ? strstr(entry, "Rss:") : NULL;
    munmap((void *)p, GUEST_PAGE);
    return rss && strtol(rss + 4, NULL, 10) == 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int zero_reads = argc > 2 && strcmp(argv[2], "zero-page") == 0;
    char path[4096];

    if (zero_reads && !kernel_maps_zero_page())
        return NO_ZERO_PAGE;
    unsigned char *a = guest_map(ANON, 64 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    volatile unsigned char sink = 0;
    int fd;

    for (int i = 0; i < 48; i++) /* 48 written: private dirty */
        a[i * GUEST_PAGE] = 1;
    for (int i = 48; zero_reads && i < 56; i++) /* 8 read: the zero page, not resident */
        sink += a[i * GUEST_PAGE];
    show(zero_reads ? "anon 48 written, 8 read" : "anon 48 written", ANON);

    snprintf(path, sizeof(path), "%s/data", dir);
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 4 * GUEST_PAGE) < 0)
        guest_die("data file");
    unsigned char *f = mmap((void *)FILEMAP, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    if (f == MAP_FAILED)
        guest_die("mmap file");
    for (int i = 0; i < 4; i++)
        sink += f[i * GUEST_PAGE]; /* page cache pages, mapped once: private clean */
    f[0] = 1;                      /* one private copy: anonymous, dirty */
    show("file 4 read, 1 written", FILEMAP);

    if (mlock(a, 16 * GUEST_PAGE))
        guest_die("mlock");
    show("anon after mlock of 16", ANON);
    munlock(a, 16 * GUEST_PAGE);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child, before writing", ANON);
        for (int i = 0; i < 8; i++) /* 8 copied on write: private again */
            a[i * GUEST_PAGE] = 2;
        show("child, 8 written", ANON);
        fflush(stdout);
        _exit(0);
    }
    printf("child exit %d\n", guest_reap(pid));
    show("parent after the child", ANON);
    (void)sink;
    return 0;
}
