/* clear_refs SCRATCH_DIR [retouch] - /proc/self/clear_refs as a program that measures its
 * working set uses it: writing 1 clears smaps' Referenced of every mapping, 2 of anonymous ones,
 * 3 of file ones; 5 brings VmHWM down to VmRSS; other values are EINVAL. Prints kB of its own
 * mappings and booleans, the same natively and under faultline. With "retouch" it also touches
 * 10 pages of each mapping after the first clear and prints what Referenced says then: 40 kB
 * each under faultline, which flushes the TLB after clearing the accessed bits as 4.20 does
 * (faults.py checks it); newer kernels skip that flush, so natively it depends on what the TLB
 * still holds. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 100

/* A field of the smaps entry of the mapping that starts at addr, in kB. */
static long smaps_kb(void *addr, const char *field)
{
    char line[512], start[32];
    snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
    FILE *f = fopen("/proc/self/smaps", "r");
    long v = -1;
    int in = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, start, strlen(start)) == 0)
            in = 1;
        else if (in && strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
            v = strtol(line + strlen(field) + 1, NULL, 10);
            break;
        }
    }
    if (f)
        fclose(f);
    return v;
}

static long status_kb(const char *field)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = strtol(line + strlen(field) + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static int clear(const char *what)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, what, strlen(what));
    int err = n < 0 ? errno : 0;
    close(fd);
    return n < 0 ? -err : (int)n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: clear_refs SCRATCH_DIR [retouch]\n");
        return 2;
    }
    /* guard pages around it, so that no allocation of stdio's merges into its VMA */
    char *area = mmap(NULL, (PAGES + 2) * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile char *anon = area + 4096;
    if (area == MAP_FAILED || mprotect((void *)anon, PAGES * 4096, PROT_READ | PROT_WRITE))
        return 1;
    bool retouch = argc > 2 && strcmp(argv[2], "retouch") == 0;
    if (retouch) /* for faults.py, as guest_note does */
        fprintf(stderr, "clear_refs: anon=0x%lx\n", (unsigned long)anon);
    char path[4096];
    snprintf(path, sizeof(path), "%s/refs.file", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, PAGES * 4096) < 0)
        return 1;
    volatile char *file = mmap(NULL, PAGES * 4096, PROT_READ, MAP_SHARED, fd, 0);
    for (int i = 0; i < PAGES; i++) {
        anon[i * 4096] = 1;
        (void)file[i * 4096];
    }
    printf("touched: anon %ld kB, file %ld kB referenced\n", smaps_kb((void *)anon, "Referenced"),
           smaps_kb((void *)file, "Referenced"));
    printf("write \"1\\n\": %d\n", clear("1\n"));
    printf("cleared: anon %ld kB, file %ld kB referenced\n", smaps_kb((void *)anon, "Referenced"),
           smaps_kb((void *)file, "Referenced"));
    if (retouch) {
        for (int i = 0; i < 10; i++) {
            anon[i * 4096] = 2;
            (void)file[i * 4096];
        }
        printf("10 touched again: anon %ld kB, file %ld kB referenced\n",
               smaps_kb((void *)anon, "Referenced"), smaps_kb((void *)file, "Referenced"));
    }
    printf("write 2: %d\n", clear("2"));
    printf("anon cleared: anon %ld kB, file %ld kB referenced\n",
           smaps_kb((void *)anon, "Referenced"), smaps_kb((void *)file, "Referenced"));
    printf("write 3: %d\n", clear("3"));
    printf("file cleared: anon %ld kB, file %ld kB referenced\n",
           smaps_kb((void *)anon, "Referenced"), smaps_kb((void *)file, "Referenced"));
    printf("resident still: anon %ld kB, file %ld kB\n", smaps_kb((void *)anon, "Rss"),
           smaps_kb((void *)file, "Rss"));

    /* 5: VmHWM back to VmRSS after a peak */
    char *big = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(big, 1, 8 << 20);
    munmap(big, 8 << 20);
    printf("write 5: %d\n", clear("5"));
    printf("then VmHWM == VmRSS: %d\n", status_kb("VmHWM:") == status_kb("VmRSS:"));
    printf("write 4: %d\n", clear("4"));
    printf("write 6: %s\n", strerror(-clear("6")));
    printf("write x: %s\n", strerror(-clear("x")));
    int rfd = open("/proc/self/clear_refs", O_RDONLY);
    char c;
    errno = 0;
    ssize_t n = rfd >= 0 ? read(rfd, &c, 1) : -1;
    printf("read: %zd %s\n", n, strerror(errno));
    unlink(path);
    return 0;
}
