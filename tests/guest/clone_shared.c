/* clone_shared - processes that share memory or the fd table without being threads:
 *
 *   tracer   clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED) with no exit signal, as
 *            LeakSanitizer makes its tracer: the child writes the parent's memory and opens a
 *            file into the shared table, lists /proc/PPID/task with the old getdents and with
 *            getdents64 (the same names), and exits; the parent waits with __WALL.
 *   orphan   a process M clones C with CLONE_VM and exits at once; M is reaped; C, alone in the
 *            mm M made, then maps and touches fresh memory and grows its heap.
 *   exec     a child sharing the fd table (CLONE_FILES, its own memory) opens a close-on-exec
 *            fd and execs: the parent still has that fd afterwards (execve unshares the table).
 *   sighand  a child sharing the signal actions (CLONE_VM | CLONE_SIGHAND, as stress-ng
 *            --sigpipe makes): the action it sets is the parent's, kcmp says they share them,
 *            unshare(CLONE_SIGHAND) is EINVAL meanwhile, and the child's exec leaves the
 *            parent's actions alone.
 *
 * usage: clone_shared [exec-probe]  (exec-probe: the program the exec case runs, exits 5)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (256 * 1024)

static volatile int shared_word;
static int tracer_fd = -1;
static char names_old[4096], names_new[4096];

/* Every entry of directory `path` in the order the call returns them, via getdents (old) or
 * getdents64: "name/type ...", a number (a tid, which differs from run to run) as "N". */
static int list_dir(const char *path, int nr, char *out, size_t outlen)
{
    char buf[2048];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    size_t used = 0;
    if (fd < 0)
        return -1;
    out[0] = 0;
    for (;;) {
        long n = syscall(nr, fd, buf, sizeof(buf));
        if (n <= 0) {
            close(fd);
            return (int)n;
        }
        for (long at = 0; at < n;) {
            unsigned short reclen;
            const char *name;
            unsigned char type;
            memcpy(&reclen, buf + at + 16, sizeof(reclen));
            if (nr == SYS_getdents) {
                name = buf + at + 18;
                type = (unsigned char)buf[at + reclen - 1];
            } else {
                name = buf + at + 19;
                type = (unsigned char)buf[at + 18];
            }
            if (strspn(name, "0123456789") == strlen(name))
                name = "N";
            used += (size_t)snprintf(out + used, outlen - used, "%s/%u ", name, type);
            at += reclen;
        }
    }
}

static int tracer(void *arg)
{
    char path[64];
    (void)arg;
    shared_word = 42;
    tracer_fd = open("/dev/null", O_RDONLY);
    snprintf(path, sizeof(path), "/proc/%d/task", getppid());
    if (list_dir(path, SYS_getdents, names_old, sizeof(names_old)) < 0 ||
        list_dir(path, SYS_getdents64, names_new, sizeof(names_new)) < 0)
        return 2;
    return 7;
}

static void case_tracer(void)
{
    char *stack = malloc(STACK_SIZE);
    int pid =
        clone(tracer, stack + STACK_SIZE, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED, NULL);
    int status = 0;
    if (pid < 0) {
        printf("tracer: clone failed: %s\n", strerror(errno));
        return;
    }
    if (waitpid(pid, &status, __WALL) != pid) {
        printf("tracer: waitpid failed\n");
        return;
    }
    printf("tracer: exited %d, word %d, its fd open here: %s\n", WEXITSTATUS(status), shared_word,
           tracer_fd >= 0 && fcntl(tracer_fd, F_GETFD) >= 0 ? "yes" : "no");
    printf("tracer: /proc/PPID/task by getdents: %s\n", names_old);
    printf("tracer: the same by getdents64: %s\n",
           strcmp(names_old, names_new) ? names_new : "yes");
    free(stack);
}

static int go_pipe[2], result_pipe[2];

static int orphan(void *arg)
{
    char c, msg[128];
    (void)arg;
    if (read(go_pipe[0], &c, 1) != 1)
        return 1;
    size_t len = 4 << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long sum = 0;
    if (p == MAP_FAILED) {
        snprintf(msg, sizeof(msg), "orphan: mmap failed: %s\n", strerror(errno));
    } else {
        for (size_t off = 0; off < len; off += 4096)
            p[off] = (char)(off >> 12);
        for (size_t off = 0; off < len; off += 4096)
            sum += p[off];
        char *brk0 = sbrk(0);
        int grew = sbrk(1 << 20) != (void *)-1;
        if (grew)
            brk0[(1 << 20) - 1] = 1;
        snprintf(msg, sizeof(msg), "orphan: touched %zu pages, sum %ld, heap grew: %s\n",
                 len / 4096, sum, grew ? "yes" : "no");
    }
    if (write(result_pipe[1], msg, strlen(msg)) < 0)
        return 1;
    return 0;
}

static void case_orphan(void)
{
    char msg[128];
    if (pipe(go_pipe) || pipe(result_pipe))
        return;
    pid_t m = fork();
    if (m == 0) {
        char *stack = malloc(STACK_SIZE);
        if (clone(orphan, stack + STACK_SIZE, CLONE_VM | SIGCHLD, NULL) < 0)
            _exit(1);
        _exit(0); /* C keeps M's memory */
    }
    int status;
    waitpid(m, &status, 0);
    printf("orphan: its maker exited %d and was reaped\n", WEXITSTATUS(status));
    close(result_pipe[1]);
    if (write(go_pipe[1], "g", 1) != 1)
        return;
    ssize_t n = read(result_pipe[0], msg, sizeof(msg) - 1);
    if (n > 0) {
        msg[n] = 0;
        fputs(msg, stdout);
    } else {
        printf("orphan: no answer\n");
    }
}

static const char *probe;
static int exec_fd = -1;

static int execer(void *arg)
{
    (void)arg;
    exec_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    execl(probe, probe, "exec-probe", (char *)NULL);
    return 1;
}

static void case_exec(void)
{
    char *stack = malloc(STACK_SIZE);
    /* CLONE_FILES without CLONE_VM: exec_fd is written in the child's copy of this memory, so
     * the child reports it through its exit status too: the fd it got is the lowest free one */
    int expect = dup(0);
    close(expect);
    int pid = clone(execer, stack + STACK_SIZE, CLONE_FILES | SIGCHLD, NULL);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        printf("exec: clone or wait failed\n");
        return;
    }
    printf("exec: the child exited %d; fd %d open here after its exec: %s\n", WEXITSTATUS(status),
           expect, fcntl(expect, F_GETFD) >= 0 ? "yes" : "no");
    free(stack);
}

static int to_parent[2], to_child[2];

static void on_usr1(int sig)
{
    (void)sig;
}

static int sighand_child(void *arg)
{
    char c;
    (void)arg;
    signal(SIGUSR1, on_usr1);
    if (write(to_parent[1], "s", 1) != 1 || read(to_child[0], &c, 1) != 1)
        return 1;
    execl(probe, probe, "exec-probe", (char *)NULL);
    return 1;
}

static void case_sighand(void)
{
    char *stack = malloc(STACK_SIZE), c;
    struct sigaction sa;
    if (pipe(to_parent) || pipe(to_child))
        return;
    int pid = clone(sighand_child, stack + STACK_SIZE, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
    if (pid < 0 || read(to_parent[0], &c, 1) != 1) {
        printf("sighand: clone failed: %s\n", strerror(errno));
        return;
    }
    sigaction(SIGUSR1, NULL, &sa);
    printf("sighand: the child's action is the parent's: %s\n",
           sa.sa_handler == on_usr1 ? "yes" : "no");
    printf("sighand: kcmp KCMP_SIGHAND: %ld\n",
           syscall(SYS_kcmp, getpid(), pid, KCMP_SIGHAND, 0, 0));
    printf("sighand: unshare(CLONE_SIGHAND) while shared: %s\n",
           unshare(CLONE_SIGHAND) ? strerror(errno) : "done");
    int status;
    if (write(to_child[1], "g", 1) != 1 || waitpid(pid, &status, 0) != pid)
        return;
    sigaction(SIGUSR1, NULL, &sa);
    printf("sighand: the child exited %d after its exec; the parent's action stays: %s\n",
           WEXITSTATUS(status), sa.sa_handler == on_usr1 ? "yes" : "no");
    printf("sighand: unshare(CLONE_SIGHAND) alone: %s\n",
           unshare(CLONE_SIGHAND) ? strerror(errno) : "done");
    free(stack);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec-probe"))
        return 5;
    probe = argv[0];
    setvbuf(stdout, NULL, _IONBF, 0);
    case_tracer();
    case_orphan();
    case_exec();
    case_sighand();
    return 0;
}
