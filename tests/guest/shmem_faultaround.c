/*
 * shmem_faultaround - shared anonymous memory has fault-around, SysV shared memory has not.
 * shmem_vm_ops has had ->map_pages (filemap_map_pages) since Linux 3.15, so a read fault maps
 * the pages of its 64 KiB window that are already in the cache: a child reading 64 pages its
 * parent wrote takes 4 faults, not 64. A hole is not in the cache, so reading holes still
 * takes one fault each. shmat's shm_vm_ops has no ->map_pages: a segment's pages fault one by
 * one however they got there. The mappings are placed 64 KiB aligned, so the windows do not
 * depend on where mmap puts them (address randomization natively).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPAGES 64
#define WINDOW (64 * 1024)

static long ps;

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* A free, WINDOW-aligned range of NPAGES pages. */
static char *aligned_hole(void)
{
    size_t len = NPAGES * ps + WINDOW;
    char *r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)r + WINDOW - 1) & ~(uintptr_t)(WINDOW - 1));
    munmap(r, len);
    return a;
}

/* Faults taken reading the first byte of each page. */
static long read_pages(const char *m)
{
    volatile unsigned sum = 0;
    long f = minflt();
    for (long i = 0; i < NPAGES; i++)
        sum += (unsigned char)m[i * ps];
    return minflt() - f;
}

int main(void)
{
    ps = sysconf(_SC_PAGESIZE);
    setvbuf(stdout, NULL, _IONBF, 0);

    char *m = mmap(aligned_hole(), NPAGES * ps, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("shared anonymous, holes read: %ld faults\n", read_pages(m));
    for (long i = 0; i < NPAGES; i++)
        m[i * ps] = (char)i;
    pid_t pid = fork();
    if (pid == 0) {
        printf("shared anonymous, the child reads what the parent wrote: %ld faults\n",
               read_pages(m));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    /* MADV_DONTNEED drops the PTEs; the pages stay in shmem's cache */
    madvise(m, NPAGES * ps, MADV_DONTNEED);
    printf("shared anonymous, read again after MADV_DONTNEED: %ld faults (page 9 holds %d)\n",
           read_pages(m), m[9 * ps]);

    int id = shmget(IPC_PRIVATE, NPAGES * ps, IPC_CREAT | 0600);
    if (id < 0) {
        perror("shmget");
        return 1;
    }
    char *s = shmat(id, aligned_hole(), 0);
    if (s == (void *)-1) {
        perror("shmat");
        return 1;
    }
    for (long i = 0; i < NPAGES; i++)
        s[i * ps] = (char)i;
    shmdt(s);
    s = shmat(id, aligned_hole(), 0);
    printf("SysV segment, attached again and read: %ld faults\n", read_pages(s));
    pid = fork();
    if (pid == 0) {
        madvise(s, NPAGES * ps, MADV_DONTNEED);
        printf("SysV segment, the child reads after MADV_DONTNEED: %ld faults\n", read_pages(s));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    shmdt(s);
    shmctl(id, IPC_RMID, NULL);
    return 0;
}
