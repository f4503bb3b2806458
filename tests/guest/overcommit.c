/*
 * overcommit - memory that is charged when it is made (private writable mappings, the heap,
 * shared anonymous memory, SysV segments, memory made writable by mprotect, a mapping grown by
 * mremap) is refused with ENOMEM when one request is larger than RAM and swap together:
 * vm.overcommit_memory's default guess. 1 TiB is more than the host has and more than any
 * --ram; 1 GiB fits both the host and faultline's default 2 GiB. What is not charged
 * (MAP_NORESERVE, PROT_NONE, read-only, SHM_NORESERVE) may be as large as the address space
 * allows. Under faultline a big malloc used to succeed and the OOM killer came at the touches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define GIB (1UL << 30)
#define TIB (1UL << 40)

static const char *res(void *p)
{
    return p == MAP_FAILED ? (errno == ENOMEM ? "ENOMEM" : strerror(errno)) : "ok";
}

static const char *rc(int r)
{
    return r ? (errno == ENOMEM ? "ENOMEM" : strerror(errno)) : "ok";
}

static void map(const char *what, size_t len, int prot, int flags)
{
    void *p = mmap(NULL, len, prot, flags, -1, 0);
    printf("%s: %s\n", what, res(p));
    if (p != MAP_FAILED)
        munmap(p, len);
}

int main(void)
{
    int priv = MAP_PRIVATE | MAP_ANONYMOUS, shared = MAP_SHARED | MAP_ANONYMOUS;
    map("private writable 1 GiB", GIB, PROT_READ | PROT_WRITE, priv);
    map("private writable 1 TiB", TIB, PROT_READ | PROT_WRITE, priv);
    map("private writable 1 TiB, MAP_NORESERVE", TIB, PROT_READ | PROT_WRITE, priv | MAP_NORESERVE);
    map("private read-only 1 TiB", TIB, PROT_READ, priv);
    map("shared anonymous 1 GiB", GIB, PROT_READ | PROT_WRITE, shared);
    map("shared anonymous 1 TiB", TIB, PROT_READ | PROT_WRITE, shared);
    map("shared anonymous 1 TiB, MAP_NORESERVE", TIB, PROT_READ | PROT_WRITE,
        shared | MAP_NORESERVE);

    /* a reservation made writable: charged at the mprotect */
    char *r = mmap(NULL, TIB, PROT_NONE, priv, -1, 0);
    printf("PROT_NONE 1 TiB: %s\n", res(r));
    if (r != MAP_FAILED) {
        printf("mprotect 1 GiB of it writable: %s\n", rc(mprotect(r, GIB, PROT_READ | PROT_WRITE)));
        printf("mprotect all of it writable: %s\n", rc(mprotect(r, TIB, PROT_READ | PROT_WRITE)));
        munmap(r, TIB);
    }

    /* mremap growing a charged mapping is charged for the growth */
    char *g = mmap(NULL, GIB, PROT_READ | PROT_WRITE, priv, -1, 0);
    if (g != MAP_FAILED) {
        void *m = mremap(g, GIB, TIB, MREMAP_MAYMOVE);
        printf("mremap 1 GiB to 1 TiB: %s\n", res(m));
        munmap(m == MAP_FAILED ? g : m, m == MAP_FAILED ? GIB : TIB);
    }

    /* the heap */
    void *brk0 = sbrk(0);
    printf("sbrk(1 TiB): %s\n", sbrk((intptr_t)TIB) == (void *)-1 ? res(MAP_FAILED) : "ok");
    printf("heap end unchanged: %d\n", sbrk(0) == brk0);
    char *big = malloc(TIB);
    printf("malloc(1 TiB): %s\n", big ? "a pointer" : "NULL");
    free(big);

    /* SysV shared memory */
    int id = shmget(IPC_PRIVATE, TIB, IPC_CREAT | 0600);
    printf("shmget 1 TiB: %s\n", id < 0 ? (errno == ENOMEM ? "ENOMEM" : strerror(errno)) : "ok");
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    id = shmget(IPC_PRIVATE, TIB, IPC_CREAT | SHM_NORESERVE | 0600);
    printf("shmget 1 TiB, SHM_NORESERVE: %s\n", id < 0 ? strerror(errno) : "ok");
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    return 0;
}
