/*
 * shmem_writenotify - a shared writable mapping of a tmpfs file (a memfd, a /dev/shm file) is not
 * write-notified: tmpfs has no page_mkwrite and does not account dirty pages, so
 * vma_wants_writenotify is false and the PTE a read fault installs is already writable. Reading
 * a page and then writing it costs one fault, not two (ZGC's memfd heap took about 14,000
 * wp_page_shared faults under faultline that Linux never takes, 2026-12-07). The pages count as
 * RssShmem, not RssFile. And what is written through the mapping without a fault is still what
 * read(2) of the file returns, and what another process sees, before and after munmap.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPAGES 32

static long ps;

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* A line of /proc/self/status in kB, e.g. "RssShmem:". */
static long status_kb(const char *key)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, strlen(key)))
            kb = strtol(line + strlen(key), NULL, 10);
    fclose(f);
    return kb;
}

/* Do pages [0, n) of the file hold byte c at offset 0 and 100, as read(2) sees them? */
static int file_has(int fd, long n, char c)
{
    char buf[4096];
    for (long i = 0; i < n; i++)
        if (pread(fd, buf, sizeof(buf), i * ps) != (ssize_t)sizeof(buf) || buf[0] != c ||
            buf[100] != c)
            return 0;
    return 1;
}

static void check(const char *name, int fd)
{
    if (ftruncate(fd, NPAGES * ps)) {
        perror("ftruncate");
        exit(1);
    }
    char *m = mmap(NULL, NPAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    long shmem0 = status_kb("RssShmem:"), file0 = status_kb("RssFile:");

    /* read every page (holes: each one allocated by its own fault), then write each */
    long f0 = minflt();
    unsigned sum = 0;
    for (long i = 0; i < NPAGES; i++)
        sum += (unsigned char)m[i * ps];
    long f1 = minflt();
    for (long i = 0; i < NPAGES; i++)
        m[i * ps] = m[i * ps + 100] = 'a';
    long f2 = minflt();
    printf("%s: read %ld faults (sum %u), then write %ld faults\n", name, f1 - f0, sum, f2 - f1);
    /* RssFile also moves by the few pages of code the loops and printf first touch */
    long shmem1 = status_kb("RssShmem:"), file1 = status_kb("RssFile:");
    printf("%s: RssShmem +%ld kB, RssFile grew by the file: %d\n", name, shmem1 - shmem0,
           file1 - file0 >= NPAGES * ps / 1024);

    /* what the stores wrote is what read(2) returns, and stores after a read go on */
    printf("%s: read(2) sees the stores: %d\n", name, file_has(fd, NPAGES, 'a'));
    f0 = minflt();
    for (long i = 0; i < NPAGES; i++)
        m[i * ps] = m[i * ps + 100] = 'b';
    f1 = minflt();
    printf("%s: second write %ld faults, read(2) sees it: %d\n", name, f1 - f0,
           file_has(fd, NPAGES, 'b'));

    /* write(2) into the file shows in the mapping */
    char page[4096];
    memset(page, 'c', sizeof(page));
    int seen = pwrite(fd, page, sizeof(page), 3 * ps) == (ssize_t)sizeof(page) &&
               m[3 * ps] == 'c' && m[3 * ps + 100] == 'c';
    printf("%s: a write(2) shows in the mapping: %d\n", name, seen);

    /* a child stores through its copy of the shared mapping; the parent reads the file */
    pid_t pid = fork();
    if (pid == 0) {
        for (long i = 0; i < NPAGES; i++)
            m[i * ps] = m[i * ps + 100] = 'd';
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%s: the child's stores, through read(2): %d, through the mapping: %d\n", name,
           file_has(fd, NPAGES, 'd'), m[5 * ps] == 'd' && m[5 * ps + 100] == 'd');

    /* stores, then munmap: the file keeps them */
    for (long i = 0; i < NPAGES; i++)
        m[i * ps] = m[i * ps + 100] = 'e';
    munmap(m, NPAGES * ps);
    printf("%s: after munmap, read(2) sees the last stores: %d\n", name, file_has(fd, NPAGES, 'e'));
}

int main(void)
{
    ps = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("shmem_writenotify", 0);
    if (fd < 0) {
        perror("memfd_create");
        return 1;
    }
    check("memfd", fd);
    close(fd);

    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/shmem_writenotify.%d", (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        perror("open /dev/shm");
        return 1;
    }
    unlink(path);
    check("/dev/shm", fd);
    close(fd);
    return 0;
}
