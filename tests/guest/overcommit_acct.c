/*
 * overcommit_acct - what each kind of memory charges to /proc/meminfo's Committed_AS, and where
 * vm.overcommit_memory=2 (never) draws the line. Run under faultline only: natively
 * Committed_AS is the whole host's and moves with every other process, and the mode is the
 * host's to set.
 *
 * "acct": the change in Committed_AS, in KiB, made by each call (private writable memory, the
 * heap, memory made writable, shared anonymous memory and SysV segments are charged; read-only
 * and NORESERVE memory is not; munmap, IPC_RMID and a child's exit give it back), and a forked
 * child's charge compared with the VM_ACCOUNT ("ac") VMAs of its smaps.
 * "never": under --overcommit never, the largest private writable mapping that fits is
 * CommitLimit less Committed_AS less the reserves, computed here from /proc as 4.20's
 * __vm_enough_memory computes it: one page more is ENOMEM, exactly that much is not.
 * "sysctl": root writes vm.overcommit_memory (1: a 1 TiB mapping is allowed; 0: refused again;
 * 3 and "x": EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

static long file_field(const char *path, const char *name)
{
    char line[256];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen(path, "r");

    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, name, n) && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static long committed(void)
{
    return file_field("/proc/meminfo", "Committed_AS");
}

static long sysctl_read(const char *name)
{
    char path[128], buf[64] = {0};
    snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
        return -1;
    close(fd);
    return strtol(buf, NULL, 10);
}

static const char *sysctl_write(const char *name, const char *val)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return strerror(errno);
    ssize_t r = write(fd, val, strlen(val));
    close(fd);
    return r < 0 ? strerror(errno) : "ok";
}

static long before;

static void delta(const char *what)
{
    long now = committed();
    printf("%-34s %+ld kB\n", what, now - before);
    before = now;
}

static void *map(size_t len, int prot, int flags)
{
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap: %s\n", strerror(errno));
        exit(1);
    }
    return p;
}

/* The VM_ACCOUNT VMAs of this process, in KiB, from smaps' VmFlags ("ac"). */
static long accounted_kb(void)
{
    char line[512];
    long size = 0, total = 0;
    FILE *f = fopen("/proc/self/smaps", "r");

    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "Size:", 5))
            size = strtol(line + 5, NULL, 10);
        else if (!strncmp(line, "VmFlags:", 8) && strstr(line, " ac"))
            total += size;
    }
    if (f)
        fclose(f);
    return total;
}

static void acct_run(void)
{
    const size_t len = 1024 * PAGE;

    before = committed();
    void *a = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    delta("mmap private writable 4 MiB");
    void *b = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
    delta("mmap private NORESERVE 4 MiB");
    void *c = map(len, PROT_READ, MAP_PRIVATE);
    delta("mmap private read-only 4 MiB");
    mprotect(c, len / 2, PROT_READ | PROT_WRITE);
    delta("mprotect half of it writable");
    void *s = map(len, PROT_READ | PROT_WRITE, MAP_SHARED);
    delta("mmap shared anonymous 4 MiB");
    void *t = map(len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE);
    delta("mmap shared NORESERVE 4 MiB");
    munmap(s, len);
    delta("munmap the shared 4 MiB");
    munmap(t, len);
    munmap(a, len / 4);
    delta("munmap 1 MiB of the private one");
    void *m = mremap((char *)a + len / 4, 3 * len / 4, 2 * len, MREMAP_MAYMOVE);
    delta("mremap the other 3 MiB to 8 MiB");
    int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
    delta("shmget 4 MiB");
    int id2 = shmget(IPC_PRIVATE, len, IPC_CREAT | SHM_NORESERVE | 0600);
    delta("shmget SHM_NORESERVE 4 MiB");
    shmctl(id, IPC_RMID, NULL);
    shmctl(id2, IPC_RMID, NULL);
    delta("IPC_RMID both");
    void *brk0 = sbrk(0);
    sbrk(1 << 20);
    delta("sbrk 1 MiB");
    sbrk(-(1 << 20));
    delta("sbrk -1 MiB");
    if (brk0 != sbrk(0))
        printf("brk moved\n");

    int pipefd[2];
    if (pipe(pipefd))
        return;
    long mine = accounted_kb();
    pid_t pid = fork();
    if (pid == 0) {
        long child = committed() - before;
        printf("fork: child charged %s its VM_ACCOUNT VMAs\n",
               child == accounted_kb() && child == mine ? "exactly" : "other than");
        if (child != accounted_kb())
            printf("  %ld kB against %ld kB\n", child, accounted_kb());
        close(pipefd[1]);
        char x;
        read(pipefd[0], &x, 1); /* wait until the parent has looked */
        _exit(0);
    }
    while (committed() == before) /* the child is running once it is charged */
        usleep(1000);
    close(pipefd[1]);
    waitpid(pid, NULL, 0);
    delta("fork and the child's exit");
    munmap(b, len);
    munmap(c, len);
    munmap(m, 2 * len);
    delta("munmap the rest");
}

static void never(void)
{
    long limit = file_field("/proc/meminfo", "CommitLimit");
    long vmsize = file_field("/proc/self/status", "VmSize");
    long user = sysctl_read("user_reserve_kbytes"), admin = sysctl_read("admin_reserve_kbytes");
    long now = committed();
    /* __vm_enough_memory: allowed less the reserves, and the new charge must stay below it */
    long allowed = limit / 4 - (geteuid() == 0 ? 0 : admin / 4);
    allowed -= (vmsize / 4) / 32 < user / 4 ? (vmsize / 4) / 32 : user / 4;
    long room = allowed - now / 4 - 1;

    printf("mode %ld, CommitLimit %ld kB\n", sysctl_read("overcommit_memory"), limit);
    void *p =
        mmap(NULL, (room + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("one page more than the room: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
    p = mmap(NULL, room * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("the room: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
    printf("then a page of heap: %s\n", sbrk(PAGE) == (void *)-1 ? strerror(errno) : "ok");
    void *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    printf("then a NORESERVE page: %s\n", q == MAP_FAILED ? strerror(errno) : "ok");
    printf("fork: %s\n", fork() < 0 ? strerror(errno) : "ok");
    munmap(p, room * PAGE);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    printf("after munmap, fork: %s\n", pid < 0 ? strerror(errno) : "ok");
    waitpid(pid, NULL, 0);
}

static void sysctl(void)
{
    const size_t tib = 1UL << 40;

    printf("write 1: %s\n", sysctl_write("overcommit_memory", "1\n"));
    void *p = mmap(NULL, tib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("1 TiB under always: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
    munmap(p, tib);
    printf("write 3: %s\n", sysctl_write("overcommit_memory", "3"));
    printf("write x: %s\n", sysctl_write("overcommit_memory", "x"));
    printf("mode %ld\n", sysctl_read("overcommit_memory"));
    printf("write 0: %s\n", sysctl_write("overcommit_memory", "0"));
    p = mmap(NULL, tib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("1 TiB under guess: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
    printf("write ratio 25: %s\n", sysctl_write("overcommit_ratio", "25"));
    printf("CommitLimit %ld kB\n", file_field("/proc/meminfo", "CommitLimit"));
    printf("write kbytes 1000: %s\n", sysctl_write("overcommit_kbytes", "1000"));
    printf("CommitLimit %ld kB, ratio %ld\n", file_field("/proc/meminfo", "CommitLimit"),
           sysctl_read("overcommit_ratio"));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "never"))
        never();
    else if (argc > 1 && !strcmp(argv[1], "sysctl"))
        sysctl();
    else
        acct_run();
    return 0;
}
