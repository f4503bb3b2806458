/*
 * thp_sysfs - root's writes to /sys/kernel/mm/transparent_hugepage/enabled and use_zero_page
 * change where the next faults take huge pages. Run under faultline only (the files are the
 * model's there; natively they are the host's, which a test must not change).
 *
 * Three 2 MiB-aligned 2 MiB blocks at 0x80000000: the first written under the mode the run
 * started with, the second after "never", the third after "madvise" with MADV_HUGEPAGE; then,
 * with use_zero_page 0, a read of the fourth (MADV_HUGEPAGE too) takes a fresh huge page, as
 * do_huge_pmd_anonymous_page does without the huge zero page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HPAGE (2UL << 20)
#define BASE  ((char *)0x80000000UL)

static void show(const char *name)
{
    char path[128], buf[128] = {0};
    snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
        snprintf(buf, sizeof(buf), "%s\n", strerror(errno));
    if (fd >= 0)
        close(fd);
    printf("%s: %s", name, buf);
}

static void set(const char *name, const char *val)
{
    char path[128];
    snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", name);
    int fd = open(path, O_WRONLY);
    ssize_t r = fd < 0 ? -1 : write(fd, val, strlen(val));
    printf("write %s %.*s: %s\n", name, (int)strcspn(val, "\n"), val,
           r < 0 ? strerror(errno) : "ok");
    if (fd >= 0)
        close(fd);
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
    return 0;
}
