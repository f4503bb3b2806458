/*
 * shmem_majflt - faults on a memfd and on a /dev/shm file are never major: tmpfs has no backing
 * store to read, so shmem_fault's first touch of a page is an allocation (VM_FAULT_MAJOR only
 * for a swap-in). faultline counted them major under --major-faults=host, since the host's
 * mincore says a tmpfs page nobody wrote is not resident: ZGC, whose heap is a memfd, made
 * 1,019 major faults where the kernel made 2 (2026-12-07). Reads and writes of holes, of pages
 * written by write(2) first, through shared and private mappings; the count is getrusage's.
 * The minor faults too: fault-around maps only pages already in memory, never a hole, so each
 * hole faults by itself (faultline's fix for the majors first mapped holes around, 5 faults
 * where Linux takes 33). The mappings are placed 64 KiB aligned: how many faults fault-around
 * saves depends on where its windows fall, and natively mmap's address is random (1 run in
 * 16 took 4 faults instead of 5).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define NPAGES 64

static long majflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_majflt;
}

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* A free range of NPAGES pages aligned to fault-around's 64 KiB window. */
static void *aligned_hole(long ps)
{
    size_t len = NPAGES * ps + 65536;
    char *r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    munmap(r, len);
    return (void *)(((uintptr_t)r + 65535) & ~(uintptr_t)65535);
}

static void touch(const char *what, int fd, int flags, int write_it)
{
    long ps = sysconf(_SC_PAGESIZE);
    char *m = mmap(aligned_hole(ps), NPAGES * ps, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return;
    }
    long before = majflt(), minor_before = minflt();
    unsigned sum = 0;
    for (long i = 0; i < NPAGES; i++) {
        if (write_it)
            m[i * ps] = (char)i;
        else
            sum += (unsigned char)m[i * ps];
    }
    long minor = minflt() - minor_before;
    printf("%s: %ld major, %ld minor faults (sum %u)\n", what, majflt() - before, minor, sum);
    munmap(m, NPAGES * ps);
}

static void file(const char *name, int fd)
{
    char what[80];
    long ps = sysconf(_SC_PAGESIZE);
    if (ftruncate(fd, NPAGES * ps)) {
        perror("ftruncate");
        return;
    }
    snprintf(what, sizeof(what), "%s shared read of holes", name);
    touch(what, fd, MAP_SHARED, 0);
    snprintf(what, sizeof(what), "%s shared write", name);
    touch(what, fd, MAP_SHARED, 1);
    snprintf(what, sizeof(what), "%s shared read of written pages", name);
    touch(what, fd, MAP_SHARED, 0);
    snprintf(what, sizeof(what), "%s private write", name);
    touch(what, fd, MAP_PRIVATE, 1);
    /* a second file of the same kind, filled by write(2) before it is mapped */
    char page[4096];
    memset(page, 'x', sizeof(page));
    if (ftruncate(fd, 0) || ftruncate(fd, NPAGES * ps))
        return;
    for (long i = 0; i < NPAGES / 2; i++)
        if (pwrite(fd, page, sizeof(page), i * ps) != (ssize_t)sizeof(page))
            return;
    snprintf(what, sizeof(what), "%s shared read after write(2) and holes", name);
    touch(what, fd, MAP_SHARED, 0);
}

int main(void)
{
    int fd = memfd_create("shmem_majflt", 0);
    if (fd < 0) {
        perror("memfd_create");
        return 1;
    }
    file("memfd", fd);
    close(fd);
    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/shmem_majflt.%d", (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        perror("open /dev/shm");
        return 1;
    }
    unlink(path);
    file("/dev/shm", fd);
    close(fd);
    return 0;
}
