/*
 * rlimit_vm: RLIMIT_AS and RLIMIT_DATA hold the address space back (mm/mmap.c's may_expand_vm
 * and check_data_rlimit), one line per step, each an "ok" or the errno:
 *   as        with RLIMIT_AS 64 MiB above what is mapped: 128 MiB fails, 16 MiB maps, a
 *             MAP_FIXED remap of those 16 MiB too (what it replaces does not count), growing
 *             them by mremap to 96 MiB fails; a forked child has the same limit
 *   data      with RLIMIT_DATA 1 MiB: private writable memory fails, read-only and shared
 *             writable map, mprotect to writable fails, brk cannot grow
 *   raised    both limits back to infinity: everything above maps
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define MIB (1UL << 20)

static void say(const char *what, int failed)
{
    printf("%s: %s\n", what, failed ? strerror(errno) : "ok");
}

static void *map(unsigned long len, int prot, int flags)
{
    return mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

/* The address space in use now, from /proc/self/statm (pages), in bytes. */
static unsigned long vm_size(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    if (f)
        fclose(f);
    return pages * (unsigned long)sysconf(_SC_PAGESIZE);
}

static void set(int resource, rlim_t cur)
{
    struct rlimit r = {cur, RLIM_INFINITY};
    if (setrlimit(resource, &r))
        printf("setrlimit %d: %s\n", resource, strerror(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    set(RLIMIT_AS, vm_size() + 64 * MIB);
    say("as: map 128 MiB", map(128 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) == MAP_FAILED);
    char *a = map(16 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    say("as: map 16 MiB", a == MAP_FAILED);
    say("as: MAP_FIXED over them",
        mmap(a, 16 * MIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED);
    say("as: mremap to 96 MiB", mremap(a, 16 * MIB, 96 * MIB, MREMAP_MAYMOVE) == MAP_FAILED);
    pid_t pid = fork();
    if (pid == 0) {
        say("as: child maps 128 MiB",
            map(128 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) == MAP_FAILED);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    set(RLIMIT_AS, RLIM_INFINITY);

    set(RLIMIT_DATA, MIB);
    say("data: private writable 4 MiB",
        map(4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) == MAP_FAILED);
    char *ro = map(4 * MIB, PROT_READ, MAP_PRIVATE);
    say("data: read-only 4 MiB", ro == MAP_FAILED);
    say("data: shared writable 4 MiB",
        map(4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED) == MAP_FAILED);
    say("data: mprotect to writable", mprotect(ro, 4 * MIB, PROT_READ | PROT_WRITE) != 0);
    unsigned long brk0 = (unsigned long)syscall(SYS_brk, 0);
    unsigned long brk1 = (unsigned long)syscall(SYS_brk, brk0 + 4 * MIB);
    printf("data: brk +4 MiB: %s\n", brk1 == brk0 ? "refused" : "moved");

    set(RLIMIT_DATA, RLIM_INFINITY);
    say("raised: map 128 MiB", map(128 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) == MAP_FAILED);
    say("raised: mprotect to writable", mprotect(ro, 4 * MIB, PROT_READ | PROT_WRITE) != 0);
    brk1 = (unsigned long)syscall(SYS_brk, brk0 + 4 * MIB);
    printf("raised: brk +4 MiB: %s\n", brk1 == brk0 ? "refused" : "moved");
    return 0;
}
