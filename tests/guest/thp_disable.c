/*
 * thp_disable - prctl(PR_SET_THP_DISABLE) and PR_GET_THP_DISABLE, against the kernel's: the
 * process's huge pages are off from the call on (MMF_DISABLE_THP, checked at each fault, so a
 * MADV_HUGEPAGE mapping made before the call takes 4 KiB pages too), a huge page it already has
 * stays, fork and execve keep the setting, a call with 0 turns huge pages back on, and the
 * calls' EINVAL for arguments they do not take. redis-server makes this call when THP is
 * "always" (its disable-thp); it was EINVAL under faultline, and Redis logged its THP warning.
 *
 * Prints prctl's results, whether writing a 2 MiB block of MADV_HUGEPAGE memory took one huge
 * page or 512 small ones (its minor faults, getrusage), and smaps' AnonHugePages. The test
 * compares with a native run, whatever the host's THP mode.
 *
 * usage: thp_disable [child]: "child" is the program execve'd by its own fork child.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB  (1UL << 20)
#define HUGE (2 * MIB)
#define BASE ((char *)0x80000000UL)

/* prctl's result, or -errno's name. */
static void show_prctl(const char *what, long r)
{
    if (r < 0)
        printf("%s: %s\n", what, errno == EINVAL ? "EINVAL" : strerror(errno));
    else
        printf("%s: %ld\n", what, r);
}

/* Write every page of one 2 MiB block; print its faults and the VMA's AnonHugePages. */
static void write_block(const char *what, char *vma, char *block)
{
    long before = guest_minflt();
    for (size_t off = 0; off < HUGE; off += 4096)
        block[off] = 1;
    long faults = guest_minflt() - before;
    /* a few more than 1 or 512: the stack, stdio, a fork child's first writes */
    printf("%s: %s, AnonHugePages %ld kB\n", what, faults < 64 ? "one huge page" : "4 KiB pages",
           guest_smaps_kb(vma, "AnonHugePages:"));
}

/* A fresh MADV_HUGEPAGE mapping of n 2 MiB blocks at addr. */
static char *map_huge(char *addr, size_t n)
{
    char *p = (char *)guest_map((unsigned long)addr, n * HUGE, PROT_READ | PROT_WRITE);
    if (madvise(p, n * HUGE, MADV_HUGEPAGE))
        guest_die("madvise");
    return p;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        show_prctl("after execve: PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
        char *c = map_huge(BASE + 8 * HUGE, 1);
        write_block("after execve: a new mapping", c, c);
        return 0;
    }

    show_prctl("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    char *a = map_huge(BASE, 4);
    write_block("block 0, THP allowed", a, a);

    show_prctl("PR_SET_THP_DISABLE 1", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
    show_prctl("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    write_block("block 1 of the same mapping, THP disabled", a, a + HUGE);

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        show_prctl("fork child: PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
        write_block("fork child: block 2", a, a + 2 * HUGE);
        fflush(stdout);
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(101);
    }
    printf("child exit %d\n", guest_reap(pid));

    show_prctl("PR_SET_THP_DISABLE 0", prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0));
    show_prctl("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    write_block("block 3, THP allowed again", a, a + 3 * HUGE);

    show_prctl("PR_GET_THP_DISABLE with arg2", prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0));
    show_prctl("PR_SET_THP_DISABLE with arg4", prctl(PR_SET_THP_DISABLE, 1, 0, 1, 0));
    show_prctl("PR_SET_THP_DISABLE with arg5", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 1));
    show_prctl("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    return 0;
}
