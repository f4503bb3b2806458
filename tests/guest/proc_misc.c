/*
 * proc_misc: process calls and signals between processes, compared with a native run. One
 * deterministic line per step (no pids, no addresses):
 *   vfork       vfork + execve of this program ("child-exec CODE"): the parent resumes after
 *               the exec, sees the child's store to a shared variable, and reaps status CODE
 *   spawn       posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) of the same, and of a missing
 *               program (glibc: ENOENT, passed back through the shared memory; musl: a pipe)
 *   waitid      waitid(P_PID, WEXITED) after a child killed by SIGTERM: CLD_KILLED, status 15
 *   sigchld     a SIGCHLD handler sees si_pid of the child, CLD_EXITED and its code
 *   kill        the parent signals a child parked in sigsuspend(): the child's handler runs,
 *               sigsuspend returns EINTR, the child exits 9
 *   pipe        1 MiB through a pipe from child to parent in one write(2), which returns the
 *               whole count (both sides park: full and empty)
 *   eintr       a read of an empty pipe interrupted by a signal from another process: EINTR
 *               without SA_RESTART, the read carries on with SA_RESTART
 *   poll        poll(-1) on a pipe that only a child writes
 *   pgrp        setpgid/getpgid/kill(-pgid) on a child, setsid refused to a group leader
 *   autoreap    with SIGCHLD ignored a child leaves no zombie: wait fails with ECHILD
 *   orphan      getppid in a child after its parent (a middle process) has exited
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "guest.h"

extern char **environ;
static char self[4096];

static void on_usr1(int sig)
{
    (void)sig;
}

static void install(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        guest_die("sigaction");
}

static int reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        guest_die("waitpid");
    return status;
}

static void vfork_test(void)
{
    static volatile int shared;
    shared = 1;
    pid_t pid = vfork();
    if (pid == 0) {
        shared = 2; /* seen by the parent: vfork shares the address space */
        execl(self, "proc_misc", "child-exec", "7", (char *)NULL);
        _exit(127);
    }
    int st = reap(pid);
    printf("vfork: exited=%d code=%d shared=%d\n", WIFEXITED(st), WEXITSTATUS(st), shared);
}

static void spawn_test(void)
{
    pid_t pid;
    char *argv[] = {"proc_misc", "child-exec", "8", NULL};
    int r = posix_spawn(&pid, self, NULL, NULL, argv, environ);
    int st = r == 0 ? reap(pid) : 0;
    printf("spawn: r=%d exited=%d code=%d\n", r, WIFEXITED(st), WEXITSTATUS(st));
    char *bad[] = {"nope", NULL};
    /* glibc's child writes the exec error into the parent's memory (CLONE_VM): ENOENT here
     * shows the vfork child really shared the address space */
    r = posix_spawn(&pid, "/nonexistent/prog", NULL, NULL, bad, environ);
    printf("spawn-missing: r=%s", r == ENOENT ? "ENOENT" : r == 0 ? "0" : "other");
    if (r == 0)
        printf(" code=%d", WEXITSTATUS(reap(pid)));
    printf("\n");
}

static void waitid_test(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(1);
    }
    kill(pid, SIGTERM);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int r = waitid(P_PID, pid, &si, WEXITED);
    printf("waitid: r=%d signo=%d code=%s status=%d pid-ok=%s\n", r, si.si_signo,
           si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", si.si_status,
           si.si_pid == pid ? "yes" : "no");
}

static volatile pid_t chld_pid;
static volatile int chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_pid = si->si_pid;
    chld_code = si->si_code;
    chld_status = si->si_status;
}

static void sigchld_test(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    int st = reap(pid);
    printf("sigchld: handler-pid-ok=%s code=%s status=%d wait-code=%d\n",
           chld_pid == pid ? "yes" : "no", chld_code == CLD_EXITED ? "CLD_EXITED" : "other",
           chld_status, WEXITSTATUS(st));
    signal(SIGCHLD, SIG_DFL);
}

static void kill_test(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        guest_die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        install(SIGUSR1, on_usr1, 0);
        sigset_t usr1, none;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigemptyset(&none);
        sigprocmask(SIG_BLOCK, &usr1, NULL); /* so the signal cannot come before the wait */
        close(fds[0]);
        write(fds[1], "r", 1); /* ready: the handler is installed */
        int r = sigsuspend(&none);
        _exit(r == -1 && errno == EINTR ? 9 : 1);
    }
    close(fds[1]);
    char c;
    if (read(fds[0], &c, 1) != 1)
        guest_die("read");
    close(fds[0]);
    kill(pid, SIGUSR1);
    int st = reap(pid);
    printf("kill: child code=%d\n", WEXITSTATUS(st));
}

static void pipe_test(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        guest_die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        static char buf[1 << 20];
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (char)(i * 7);
        /* one call: a blocking pipe write returns only when all of it is written */
        ssize_t n = write(fds[1], buf, sizeof(buf));
        _exit(n == (ssize_t)sizeof(buf) ? 0 : 2);
    }
    close(fds[1]);
    unsigned long total = 0, sum = 0;
    char buf[3000];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            sum += (unsigned char)buf[i] * ((total + i) % 13);
        total += n;
    }
    close(fds[0]);
    int st = reap(pid);
    printf("pipe: bytes=%lu sum=%lu child=%d\n", total, sum, WEXITSTATUS(st));
}

static int ack_fd = -1;

static void on_usr1_ack(int sig)
{
    (void)sig;
    write(ack_fd, "a", 1);
}

/* The child signals the parent, which is reading an empty pipe, and writes the data only once
 * the parent's handler has acknowledged: so the read can only end by the signal (EINTR) or by
 * being restarted (SA_RESTART) and then getting the data, on any kernel and any timing. */
static void eintr_test(int restart)
{
    int data[2], ack[2];
    if (pipe(data) != 0 || pipe(ack) != 0)
        guest_die("pipe");
    ack_fd = ack[1];
    install(SIGUSR1, on_usr1_ack, restart ? SA_RESTART : 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(data[0]);
        close(ack[1]);
        usleep(100000); /* natively, let the parent get into read(2); under faultline it is */
        kill(parent, SIGUSR1);
        char c;
        read(ack[0], &c, 1);
        write(data[1], "x", 1);
        _exit(0);
    }
    close(data[1]);
    close(ack[0]);
    char c = 0;
    ssize_t n = read(data[0], &c, 1);
    int err = errno;
    reap(pid);
    close(data[0]);
    close(ack[1]);
    signal(SIGUSR1, SIG_DFL);
    printf("eintr(%s): n=%zd %s\n", restart ? "SA_RESTART" : "no SA_RESTART", n,
           n < 0 ? (err == EINTR ? "EINTR" : "other error") : (c == 'x' ? "got x" : "?"));
}

/* poll without a timeout on a pipe only a child writes: the parent must wait for the child */
static void poll_test(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        guest_die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        write(fds[1], "p", 1);
        _exit(0);
    }
    close(fds[1]);
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    int r = poll(&pfd, 1, -1);
    char c = 0;
    read(fds[0], &c, 1);
    reap(pid);
    close(fds[0]);
    printf("poll: r=%d pollin=%s got=%c\n", r, (pfd.revents & POLLIN) ? "yes" : "no", c);
}

/* Process groups and sessions as shells use them: the parent puts a child in its own group
 * and signals the group; a child makes itself a group leader, then fails setsid (EPERM), while
 * another child that is not a leader starts a session. */
static void pgrp_test(void)
{
    pid_t c1 = fork();
    if (c1 == 0) {
        pause();
        _exit(1);
    }
    int set = setpgid(c1, c1) == 0;
    int got = getpgid(c1) == c1;
    int mine = getpgrp() != c1;
    kill(-c1, SIGTERM);
    int st = reap(c1);
    printf("pgrp: setpgid=%s getpgid=%s parent-unchanged=%s group-kill=%s\n", set ? "yes" : "no",
           got ? "yes" : "no", mine ? "yes" : "no",
           WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? "SIGTERM" : "other");
    pid_t c2 = fork();
    if (c2 == 0) {
        int leader = setpgid(0, 0) == 0 && getpgrp() == getpid();
        int refused = setsid() == -1 && errno == EPERM;
        _exit(leader | refused << 1);
    }
    st = reap(c2);
    pid_t c3 = fork();
    if (c3 == 0)
        _exit(setsid() == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
    int st3 = reap(c3);
    printf("pgrp: leader+setsid-refused=%d setsid=%s\n", WEXITSTATUS(st),
           WEXITSTATUS(st3) == 0 ? "yes" : "no");
}

/* The ids: getresuid/getresgid agree with getuid/getgid, and switching to the ids one already
 * has succeeds (what make does before running a recipe). Changing to another id is not tried:
 * natively as root it would succeed, under faultline it is EPERM. */
static void ids_test(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    int got = getresuid(&r, &e, &s) == 0 && getresgid(&gr, &ge, &gs) == 0;
    int same =
        got && r == getuid() && e == geteuid() && s == e && gr == getgid() && ge == getegid();
    int set = setresuid(-1, e, -1) == 0 && setresgid(-1, ge, -1) == 0 && setuid(r) == 0 &&
              setgid(gr) == 0 && setreuid(-1, -1) == 0 && setregid(gr, -1) == 0;
    printf("ids: getres=%s same=%s set-own=%s\n", got ? "yes" : "no", same ? "yes" : "no",
           set ? "yes" : "no");
}

/* SIGCHLD ignored: children are reaped at exit (no zombies), so wait ends with ECHILD */
static void autoreap_test(void)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0)
        _exit(3);
    int st;
    pid_t r = waitpid(-1, &st, 0);
    printf("autoreap: wait=%s\n", r < 0 && errno == ECHILD ? "ECHILD" : "a child");
    signal(SIGCHLD, SIG_DFL);
}

static void orphan_test(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        guest_die("pipe");
    pid_t mid = fork();
    if (mid == 0) {
        pid_t me = getpid();
        pid_t kid = fork();
        if (kid == 0) {
            close(fds[0]);
            /* wait until the middle process has gone (at once under faultline, whose middle
             * process runs on until it exits) */
            while (getppid() == me)
                usleep(1000);
            char msg[64];
            int len = snprintf(msg, sizeof(msg), "orphan: reparented=%s\n",
                               getppid() != me ? "yes" : "no");
            write(fds[1], msg, len);
            _exit(0);
        }
        _exit(0);
    }
    close(fds[1]);
    reap(mid);
    char buf[128];
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0)
        fwrite(buf, 1, n, stdout);
    close(fds[0]);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "child-exec") == 0)
        return atoi(argv[2]);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        guest_die("readlink");
    self[n] = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    vfork_test();
    spawn_test();
    waitid_test();
    sigchld_test();
    kill_test();
    pipe_test();
    eintr_test(0);
    eintr_test(1);
    poll_test();
    pgrp_test();
    ids_test();
    autoreap_test();
    orphan_test();
    printf("done\n");
    return 0;
}
