/*
 * exec_chain GEN: touch 12 MiB of fresh anonymous memory, then (GEN < 3) execve itself with
 * GEN + 1. Run under faultline with --ram smaller than three generations' worth
 * (tests/e2e/processes.cmake): it only completes if execve really frees the old image's frames
 * (exec_mmap -> mmput), otherwise the third generation runs out of guest RAM. Also checks that
 * the pid survives execve and that an fd without close-on-exec does while one with it does not.
 */
#include <fcntl.h>

#include "guest.h"

#define TOUCH_BYTES (12UL << 20)

int main(int argc, char **argv)
{
    int gen = argc > 1 ? atoi(argv[1]) : 1;
    unsigned char *m =
        mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        guest_die("mmap");
    unsigned long sum = 0;
    for (unsigned long off = 0; off < TOUCH_BYTES; off += GUEST_PAGE) {
        m[off] = (unsigned char)(off >> 12);
        sum += m[off];
    }
    printf("gen %d: touched %lu pages, sum %lu\n", gen, TOUCH_BYTES / GUEST_PAGE, sum);
    if (gen == 1) {
        /* fd 10 survives the exec, fd 11 (close-on-exec) does not */
        if (dup2(1, 10) != 10 || fcntl(10, F_SETFD, 0) != 0)
            guest_die("dup2");
        if (dup2(1, 11) != 11 || fcntl(11, F_SETFD, FD_CLOEXEC) != 0)
            guest_die("dup2");
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        setenv("EXEC_CHAIN_PID", pid, 1);
    } else {
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        const char *was = getenv("EXEC_CHAIN_PID");
        printf("gen %d: same pid %s, fd10 %s, fd11 %s\n", gen,
               was && strcmp(was, pid) == 0 ? "yes" : "no",
               fcntl(10, F_GETFD) >= 0 ? "open" : "closed",
               fcntl(11, F_GETFD) >= 0 ? "open" : "closed");
    }
    fflush(stdout);
    if (gen < 3) {
        char next[16];
        snprintf(next, sizeof(next), "%d", gen + 1);
        execl("/proc/self/exe", argv[0], next, (char *)NULL);
        guest_die("execl");
    }
    return 0;
}
