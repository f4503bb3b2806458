/*
 * maxrss: ru_maxrss of children (`/usr/bin/time -f %M`, the rusage of wait4 and of
 * getrusage(RUSAGE_CHILDREN)), which Linux keeps as the largest peak RSS among the reaped
 * descendants (signal->cmaxrss). One line per step, each a range check so that the native and
 * emulated runs print the same:
 *   child       a child touches 40 MiB: wait4's rusage and RUSAGE_CHILDREN say >= 40 MiB
 *   grandchild  a child whose own child touched 64 MiB: both say >= 64 MiB (the child's
 *               children count in its rusage)
 *   exec        a child touches 40 MiB and execs a small image: the old image's peak counts,
 *               in the new image's RUSAGE_SELF and in the parent's wait4
 *   self        the parent's own peak is its own (< 20 MiB)
 * Every figure is also checked to be < 200 MiB, and "N MiB" means N - SLACK (see range).
 */
#include <sys/resource.h>

#include "guest.h"

#define MIB 1024L /* ru_maxrss counts KiB */

static void touch(long mib)
{
    size_t len = (size_t)mib << 20;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        guest_die("mmap");
    for (size_t i = 0; i < len; i += GUEST_PAGE)
        m[i] = 1;
    munmap(m, len);
}

/* Linux's RSS counters lag by up to 64 pages per task (SPLIT_RSS_COUNTING), and the peak is
 * taken at munmap, so a native child that touched N MiB may report a little under N: every check
 * asks for N - 4. */
#define SLACK 4

static const char *range(long kib, long at_least)
{
    at_least -= SLACK;
    static char buf[64];
    snprintf(buf, sizeof(buf), ">= %ld MiB: %d, < 200 MiB: %d", at_least, kib >= at_least * MIB,
             kib < 200 * MIB);
    return buf;
}

/* Reap pid with wait4 and print its status and rusage, then RUSAGE_CHILDREN. */
static void reap(const char *what, pid_t pid, long at_least)
{
    struct rusage ru;
    int status;
    if (wait4(pid, &status, 0, &ru) != pid)
        guest_die("wait4");
    printf("%s: status %d, wait4 ru_maxrss %s\n", what, status, range(ru.ru_maxrss, at_least));
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("%s: RUSAGE_CHILDREN ru_maxrss %s\n", what, range(ru.ru_maxrss, at_least));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct rusage ru;
    if (argc > 1 && strcmp(argv[1], "small") == 0) {
        getrusage(RUSAGE_SELF, &ru);
        printf("exec: the new image's RUSAGE_SELF ru_maxrss %s\n", range(ru.ru_maxrss, 40));
        return 0;
    }

    getrusage(RUSAGE_CHILDREN, &ru);
    printf("start: RUSAGE_CHILDREN ru_maxrss %ld\n", ru.ru_maxrss);

    pid_t pid = fork();
    if (pid == 0) {
        touch(40);
        _exit(0);
    }
    reap("child", pid, 40);

    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            touch(64);
            _exit(0);
        }
        _exit(guest_reap(g));
    }
    reap("grandchild", pid, 64);

    pid = fork();
    if (pid == 0) {
        touch(40);
        execl("/proc/self/exe", argv[0], "small", (char *)NULL);
        _exit(127);
    }
    reap("exec", pid, 40);

    getrusage(RUSAGE_SELF, &ru);
    printf("self: RUSAGE_SELF ru_maxrss < 20 MiB: %d\n", ru.ru_maxrss < 20 * MIB);
    return 0;
}
