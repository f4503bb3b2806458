/*
 * swap_thrash MIB PASSES [fork]: a working set of MIB MiB of anonymous memory, written once
 * with a pattern, then PASSES times read, checked and rewritten in address order, and finally
 * summed. Run under `faultline run --ram 16M --swap 64M` with MIB several times the RAM, every
 * pass evicts what the next one needs: the log shows swap-outs and do_swap_page major faults,
 * and the output (the sum and "ok") must be the same as natively. With "fork", a child reads
 * and checks everything after the parent filled it (the swapped pages are shared through their
 * swap slots), then the parent does the passes. Without swap and with too little RAM, the OOM
 * killer ends it (SIGKILL, exit 137). With "hot", every page checked is followed by a read of
 * one of the first 512 pages (2 MiB, a hot set that fits in RAM): the accessed-bit policies keep
 * the hot set resident, FIFO does not (bench/swap_bench.sh). With "locked", the first 512 pages
 * are mlocked before the fill: reclaim must leave them where they are. With "shared" the working
 * set is shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS), with "sysv" a SysV segment, and a
 * child checks it as with "fork": its pages go to swap and come back through their file (shmem),
 * not through PTEs. With "noreserve" it is mapped MAP_NORESERVE: not charged, so overcommit's
 * guess lets a working set larger than RAM and swap through (to the OOM killer).
 *
 * swap_thrash MIB 0 oomfork: the OOM killer's victim is not the faulting task. The parent forks,
 * then fills MIB MiB while the child waits on a pipe; then the child fills MIB / 2 MiB of its
 * own. Run without swap and with RAM for about 1.2 x MIB: the child's fault finds RAM full, the
 * largest task is the parent, chosen, and 4.20's oom_kill_process sacrifices its child (the
 * child with the highest badness and an mm of its own dies in its place): the parent says so.
 *
 * swap_thrash MIB 0 oomsib [BIG_ADJ [SMALL_ADJ [share|parent]]]: the parent (which with "parent"
 * first writes SMALL_ADJ to its own oom_score_adj) forks "big", which writes
 * BIG_ADJ to its /proc/self/oom_score_adj ("-": not), with "share" makes a process sharing its
 * memory (clone with CLONE_VM alone), fills MIB MiB and waits; then "small", which writes
 * SMALL_ADJ and fills MIB / 2 MiB of its own, finding RAM full. The parent prints how each
 * ended (exit N, or 128 + the signal), and exits 3 if it or big could not set a value. The OOM
 * killer picks by oom_badness: the larger one, or the one oom_score_adj makes worse; a sharer of
 * the victim's memory dies with it, as Linux kills every process using the victim's mm. A child
 * that may not set its value (EACCES: no CAP_SYS_RESOURCE to go below 0) says so and exits 3.
 * swap_thrash MIB 0 oomthreads: a thread that only sleeps, and one that fills MIB MiB
 * (MAP_NORESERVE) while the main thread waits for it; with too little RAM and no swap the OOM
 * killer kills the process, every thread of it at once (exit 137, nothing printed); "survived"
 * if the filler finished.
 *
 * With "nodump" instead of share|parent, the parent first writes 0 to
 * /proc/sys/vm/oom_dump_tasks (the OOM report then has no task table); it needs root, and says
 * so and exits 3 if refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static unsigned long pattern(unsigned long page, unsigned long word, long pass)
{
    return (page * 2654435761UL) ^ (word * 40503UL) ^ ((unsigned long)pass << 48);
}

static int hot;
static unsigned long hot_sum;

/* Check every word of every page against pass `pass`; returns the number of bad pages. */
static long check(unsigned long *mem, long pages, long pass)
{
    long bad = 0;
    for (long i = 0; i < pages; i++) {
        if (hot)
            hot_sum += mem[(i % 512) * (GUEST_PAGE / sizeof(long))];
        unsigned long *pg = mem + i * (GUEST_PAGE / sizeof(long));
        for (unsigned long w = 0; w < GUEST_PAGE / sizeof(long); w += 61)
            if (pg[w] != pattern(i, w, pass)) {
                bad++;
                break;
            }
    }
    return bad;
}

static void fill(unsigned long *mem, long pages, long pass)
{
    for (long i = 0; i < pages; i++) {
        unsigned long *pg = mem + i * (GUEST_PAGE / sizeof(long));
        for (unsigned long w = 0; w < GUEST_PAGE / sizeof(long); w += 61)
            pg[w] = pattern(i, w, pass);
    }
}

static int sharer_fds[2];

static unsigned long *big;
static long big_pages;

static int sharer(void *arg)
{
    char c;
    (void)arg;
    if (read(sharer_fds[0], &c, 1) != 1)
        return 1;
    printf("sharer: %ld bad pages\n", check(big, big_pages, 0));
    return 0;
}

/* Write adj ("-": leave it) to /proc/self/oom_score_adj; false if refused. */
static bool set_oom_score_adj(const char *who, const char *adj)
{
    if (!strcmp(adj, "-"))
        return true;
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    bool ok = fd >= 0 && write(fd, adj, strlen(adj)) == (ssize_t)strlen(adj);
    if (!ok)
        printf("%s: cannot set oom_score_adj %s: %s\n", who, adj, strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok;
}

static void report(const char *who, pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        guest_die("waitpid");
    printf("%s: exit %d\n", who, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    fflush(stdout);
}

/*
 * oomsib: two children of a small parent. "big" sets its oom_score_adj to big_adj, makes a
 * process sharing its memory (clone CLONE_VM) if share, fills `pages` and waits; then "small"
 * sets small_adj and fills pages / 2, which finds RAM full. The parent says how each ended.
 */
static int oom_siblings(long pages, const char *big_adj, const char *small_adj, const char *opt)
{
    int ready[2], done[2];
    char c;
    bool share = !strcmp(opt, "share");
    if (!strcmp(opt, "parent") && !set_oom_score_adj("parent", small_adj))
        return 3;
    if (!strcmp(opt, "nodump")) {
        int fd = open("/proc/sys/vm/oom_dump_tasks", O_WRONLY);
        bool ok = fd >= 0 && write(fd, "0\n", 2) == 2;
        if (!ok)
            printf("parent: cannot set oom_dump_tasks: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        if (!ok)
            return 3;
    }
    if (pipe(ready) || pipe(done))
        guest_die("pipe");
    pid_t bpid = fork();
    if (bpid < 0)
        guest_die("fork");
    if (bpid == 0) {
        if (!set_oom_score_adj("big", big_adj))
            return 3;
        pid_t spid = 0;
        if (share) {
            static char stack[64 * 1024] __attribute__((aligned(16)));
            if (pipe(sharer_fds) ||
                (spid = clone(sharer, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL)) < 0)
                guest_die("clone");
        }
        big = (unsigned long *)guest_map(0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE);
        big_pages = pages;
        fill(big, pages, 0);
        if (write(ready[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
            guest_die("pipe");
        if (share) { /* it lived: so does its sharer, which checks the memory */
            if (write(sharer_fds[1], "x", 1) != 1)
                guest_die("write");
            report("sharer", spid);
        }
        return check(big, pages, 0) ? 1 : 0;
    }
    close(ready[1]);
    if (read(ready[0], &c, 1) != 1) { /* big did not get so far */
        report("big", bpid);
        return 3;
    }
    pid_t spid = fork();
    if (spid < 0)
        guest_die("fork");
    if (spid == 0) {
        if (!set_oom_score_adj("small", small_adj))
            return 3;
        long mine = pages / 2;
        unsigned long *own =
            (unsigned long *)guest_map(0x400000000UL, mine * GUEST_PAGE, PROT_READ | PROT_WRITE);
        fill(own, mine, 7);
        long bad = check(own, mine, 7);
        printf("small: filled %ld pages, %ld bad\n", mine, bad);
        return bad ? 1 : 0;
    }
    report("small", spid);
    if (write(done[1], "x", 1) != 1)
        guest_die("write");
    report("big", bpid);
    return 0;
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *filler(void *arg)
{
    long pages = *(long *)arg;
    unsigned long *mem = mmap((void *)0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        guest_die("mmap");
    fill(mem, pages, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    long mib = guest_arg(argc, argv, 1, 4), passes = guest_arg(argc, argv, 2, 2);
    int do_fork = argc > 3 && !strcmp(argv[3], "fork");
    hot = argc > 3 && !strcmp(argv[3], "hot");
    long pages = mib * 256;
    if (argc > 3 && !strcmp(argv[3], "oomfork")) {
        int fds[2];
        char c;
        if (pipe(fds))
            guest_die("pipe");
        pid_t pid = fork();
        if (pid < 0)
            guest_die("fork");
        if (pid == 0) {
            close(fds[1]);
            if (read(fds[0], &c, 1) != 1)
                guest_die("read");
            long mine = pages / 2;
            unsigned long *own = (unsigned long *)guest_map(0x400000000UL, mine * GUEST_PAGE,
                                                            PROT_READ | PROT_WRITE);
            fill(own, mine, 7);
            long bad = check(own, mine, 7);
            printf("child: filled %ld pages, %ld bad\n", mine, bad);
            return bad ? 1 : 0;
        }
        big = (unsigned long *)guest_map(0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE);
        big_pages = pages;
        fill(big, pages, 0);
        if (write(fds[1], "x", 1) != 1)
            guest_die("write");
        int st;
        waitpid(pid, &st, 0);
        printf("parent: child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return 0;
    }
    if (argc > 3 && !strcmp(argv[3], "oomthreads")) {
        pthread_t s, f;
        if (pthread_create(&s, NULL, sleeper, NULL) || pthread_create(&f, NULL, filler, &pages) ||
            pthread_join(f, NULL))
            guest_die("pthread");
        printf("survived\n");
        return 0;
    }
    if (argc > 3 && !strcmp(argv[3], "oomsib"))
        return oom_siblings(pages, argc > 4 ? argv[4] : "-", argc > 5 ? argv[5] : "-",
                            argc > 6 ? argv[6] : "");
    unsigned long *mem;
    if (argc > 3 && !strcmp(argv[3], "shared")) {
        mem = mmap((void *)0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (mem == MAP_FAILED)
            guest_die("mmap");
        do_fork = 1;
    } else if (argc > 3 && !strcmp(argv[3], "sysv")) {
        int id = shmget(IPC_PRIVATE, pages * GUEST_PAGE, IPC_CREAT | 0600);
        if (id < 0 || (mem = shmat(id, (void *)0x300000000UL, 0)) == (void *)-1)
            guest_die("shmget/shmat");
        shmctl(id, IPC_RMID, NULL); /* goes with the last detach */
        do_fork = 1;
    } else if (argc > 3 && !strcmp(argv[3], "noreserve")) {
        mem = mmap((void *)0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (mem == MAP_FAILED)
            guest_die("mmap");
    } else {
        mem = (unsigned long *)guest_map(0x300000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE);
    }

    if (argc > 3 && !strcmp(argv[3], "locked") && mlock(mem, 512 * GUEST_PAGE))
        guest_die("mlock");
    fill(mem, pages, 0);
    if (do_fork) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            guest_die("fork");
        if (pid == 0) {
            long bad = check(mem, pages, 0);
            printf("child: %ld bad pages\n", bad);
            fflush(stdout);
            _exit(bad ? 1 : 0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid)
            guest_die("waitpid");
        printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    long bad = 0;
    for (long p = 1; p <= passes; p++) {
        bad += check(mem, pages, p - 1);
        fill(mem, pages, p);
    }
    bad += check(mem, pages, passes);
    unsigned long sum = 0;
    for (long i = 0; i < pages; i++)
        sum += mem[i * (GUEST_PAGE / sizeof(long))];
    if (hot)
        printf("hot sum %lu\n", hot_sum);
    printf("swap_thrash %ld MiB %ld passes: sum %lu, %s\n", mib, passes, sum, bad ? "BAD" : "ok");
    return bad ? 1 : 0;
}
