/*
 * job_control - stop signals, SIGCONT and what the parent hears of them (Linux's group stop,
 * prepare_signal, do_notify_parent_cldstop, wait_task_stopped/continued): a child that stops
 * itself is reported once by waitpid(WUNTRACED) and, continued, once by WCONTINUED; SIGCHLD
 * carries CLD_STOPPED and CLD_CONTINUED unless SA_NOCLDSTOP; SIGKILL ends a stopped child; a
 * child parked in a read stops there and reads once continued; SIGTSTP stops a child in its own
 * process group but is discarded in an orphaned one (SIGSTOP is not); waitid(WSTOPPED|WNOWAIT)
 * leaves the stop to report again; a stop signal discards a pending SIGCONT and SIGCONT a pending
 * stop signal; both threads of a two-thread process stop and go on together. Only the parent
 * prints, and only facts that do not depend on timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAILED: %s (%s)\n", what, strerror(errno));
        exit(1);
    }
}

static pid_t fork_flushed(void)
{
    fflush(stdout);
    pid_t pid = fork();
    check(pid >= 0, "fork");
    return pid;
}

/* musl has no sigabbrev_np */
static const char *sig_name(int sig)
{
    switch (sig) {
    case SIGKILL:
        return "KILL";
    case SIGCONT:
        return "CONT";
    case SIGSTOP:
        return "STOP";
    case SIGTSTP:
        return "TSTP";
    case SIGTTIN:
        return "TTIN";
    case SIGTTOU:
        return "TTOU";
    default:
        return "other";
    }
}

static void show_status(const char *what, int st)
{
    if (WIFSTOPPED(st))
        printf("%s: stopped by %s\n", what, sig_name(WSTOPSIG(st)));
    else if (WIFCONTINUED(st))
        printf("%s: continued\n", what);
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, sig_name(WTERMSIG(st)));
    else
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

static void wait_show(const char *what, pid_t pid, int options)
{
    int st;
    check(waitpid(pid, &st, options) == pid, what);
    show_status(what, st);
}

/* The state letter of /proc/PID/stat and the State: line of /proc/PID/status. */
static void show_proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    check(f != NULL, "open stat");
    check(fgets(buf, sizeof(buf), f) != NULL, "read stat");
    fclose(f);
    char *rp = strrchr(buf, ')');
    printf("  /proc stat state: %c\n", rp ? rp[2] : '?');
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    check(f != NULL, "open status");
    while (fgets(buf, sizeof(buf), f))
        if (!strncmp(buf, "State:", 6))
            printf("  /proc status %s", buf);
    fclose(f);
}

/* Whether SIGCONT is pending for pid (its own or its group's set). */
static int cont_pending(pid_t pid)
{
    char path[64], buf[256];
    unsigned long long set = 0, v;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    check(f != NULL, "open status");
    while (fgets(buf, sizeof(buf), f))
        if (sscanf(buf, "SigPnd: %llx", &v) == 1 || sscanf(buf, "ShdPnd: %llx", &v) == 1)
            set |= v;
    fclose(f);
    return (set >> (SIGCONT - 1)) & 1;
}

static volatile sig_atomic_t chld_codes[8], chld_status[8], nchld;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (nchld < 8) {
        chld_codes[nchld] = si->si_code;
        chld_status[nchld] = si->si_status;
        nchld++;
    }
}

static const char *cld_name(int code)
{
    switch (code) {
    case CLD_EXITED:
        return "CLD_EXITED";
    case CLD_KILLED:
        return "CLD_KILLED";
    case CLD_STOPPED:
        return "CLD_STOPPED";
    case CLD_CONTINUED:
        return "CLD_CONTINUED";
    default:
        return "other";
    }
}

/* Wait with SIGCHLD unblocked until the handler has run n times in all. */
static void await_chld(int n)
{
    sigset_t none;
    sigemptyset(&none);
    while (nchld < n)
        sigsuspend(&none);
}

static void set_chld(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    check(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction SIGCHLD");
    nchld = 0;
}

static void reset_chld(void)
{
    signal(SIGCHLD, SIG_DFL);
}

/* A child that stops itself, then (with a pipe) waits for EOF on it before it exits with code;
 * the parent's read end is closed. */
static pid_t self_stopper(int sig, const int *fds, int code)
{
    pid_t pid = fork_flushed();
    if (pid == 0) {
        if (fds)
            close(fds[1]);
        raise(sig);
        char c;
        if (fds)
            while (read(fds[0], &c, 1) < 0 && errno == EINTR)
                ;
        _exit(code);
    }
    if (fds)
        close(fds[0]);
    return pid;
}

static void test_waitpid(void)
{
    printf("waitpid:\n");
    int fds[2]; /* the child waits for EOF: it must not have exited before WCONTINUED */
    check(pipe(fds) == 0, "pipe");
    pid_t pid = self_stopper(SIGSTOP, fds, 7);
    wait_show("  WUNTRACED", pid, WUNTRACED);
    show_proc_state(pid);
    int st;
    printf("  WUNTRACED|WNOHANG again: %d\n", (int)waitpid(pid, &st, WUNTRACED | WNOHANG));
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  WCONTINUED", pid, WCONTINUED);
    close(fds[1]);
    wait_show("  plain", pid, 0);
}

static void test_sigchld(void)
{
    printf("SIGCHLD with siginfo:\n");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    set_chld(0);
    pid_t pid = self_stopper(SIGSTOP, fds, 0);
    await_chld(1);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    await_chld(2);
    close(fds[1]); /* the child exits only now: its SIGCHLD is not merged with the last */
    await_chld(3);
    for (int i = 0; i < nchld; i++)
        printf("  %s status %d\n", cld_name(chld_codes[i]), chld_status[i]);
    wait_show("  reaped", pid, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    reset_chld();
}

static void test_nocldstop(void)
{
    printf("SA_NOCLDSTOP:\n");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    set_chld(SA_NOCLDSTOP);
    pid_t pid = self_stopper(SIGSTOP, fds, 0);
    wait_show("  WUNTRACED", pid, WUNTRACED);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  WCONTINUED", pid, WCONTINUED);
    printf("  SIGCHLD before the exit: %d\n", (int)nchld);
    close(fds[1]);
    wait_show("  plain", pid, 0);
    printf("  SIGCHLD after the exit: %d (%s)\n", (int)nchld, cld_name(chld_codes[0]));
    reset_chld();
}

static void test_kill_stopped(void)
{
    printf("SIGKILL of a stopped child:\n");
    pid_t pid = self_stopper(SIGSTOP, NULL, 0);
    wait_show("  WUNTRACED", pid, WUNTRACED);
    check(kill(pid, SIGKILL) == 0, "kill SIGKILL");
    wait_show("  after SIGKILL", pid, WUNTRACED | WCONTINUED);
}

static void test_stop_in_read(void)
{
    printf("a child stopped in a read:\n");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    pid_t pid = fork_flushed();
    if (pid == 0) {
        close(fds[1]);
        char buf[8];
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof(buf))) < 0 && errno == EINTR)
            ;
        _exit((int)n);
    }
    close(fds[0]);
    usleep(20000); /* natively, let it reach the read (either way, it stops before it) */
    check(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_show("  WUNTRACED", pid, WUNTRACED);
    check(write(fds[1], "abc", 3) == 3, "write");
    usleep(20000);
    show_proc_state(pid);
    int st;
    printf("  exited while stopped: %d\n", (int)waitpid(pid, &st, WNOHANG));
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  continued, then", pid, 0);
    close(fds[1]);
}

static void test_tstp(void)
{
    printf("SIGTSTP:\n");
    pid_t pid = fork_flushed();
    if (pid == 0) { /* its own group, its parent in another of the same session: it stops */
        setpgid(0, 0);
        raise(SIGTSTP);
        _exit(4);
    }
    wait_show("  own process group", pid, WUNTRACED);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  then", pid, 0);
    pid = fork_flushed();
    if (pid == 0) { /* a new session: its group is orphaned, SIGTSTP is discarded */
        setsid();
        raise(SIGTSTP);
        raise(SIGTTIN);
        raise(SIGTTOU);
        _exit(3);
    }
    wait_show("  orphaned group, SIGTSTP/SIGTTIN/SIGTTOU", pid, WUNTRACED);
    pid = fork_flushed();
    if (pid == 0) {
        setsid();
        raise(SIGSTOP);
        _exit(5);
    }
    wait_show("  orphaned group, SIGSTOP", pid, WUNTRACED);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  then", pid, 0);
}

static void test_waitid(void)
{
    printf("waitid:\n");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    pid_t pid = self_stopper(SIGSTOP, fds, 9);
    siginfo_t si;
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof(si));
        check(waitid(P_PID, pid, &si, WSTOPPED | (i ? 0 : WNOWAIT)) == 0, "waitid WSTOPPED");
        printf("  WSTOPPED%s: %s status %s, pid %s\n", i ? "" : "|WNOWAIT", cld_name(si.si_code),
               sig_name(si.si_status), si.si_pid == pid ? "right" : "wrong");
    }
    memset(&si, 0, sizeof(si));
    check(waitid(P_PID, pid, &si, WSTOPPED | WNOHANG) == 0, "waitid WNOHANG");
    printf("  WSTOPPED|WNOHANG again: si_pid %d\n", (int)si.si_pid);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    memset(&si, 0, sizeof(si));
    check(waitid(P_PID, pid, &si, WCONTINUED) == 0, "waitid WCONTINUED");
    printf("  WCONTINUED: %s status %s\n", cld_name(si.si_code), sig_name(si.si_status));
    close(fds[1]);
    memset(&si, 0, sizeof(si));
    check(waitid(P_PID, pid, &si, WEXITED) == 0, "waitid WEXITED");
    printf("  WEXITED: %s status %d\n", cld_name(si.si_code), si.si_status);
}

static void test_pending(void)
{
    printf("pending SIGCONT and stop signals:\n");
    /* in this process: a blocked SIGCONT goes when SIGTSTP comes, and the other way round */
    sigset_t both, old, pend;
    sigemptyset(&both);
    sigaddset(&both, SIGCONT);
    sigaddset(&both, SIGTSTP);
    sigprocmask(SIG_BLOCK, &both, &old);
    raise(SIGCONT);
    sigpending(&pend);
    printf("  after SIGCONT: CONT %d TSTP %d\n", sigismember(&pend, SIGCONT),
           sigismember(&pend, SIGTSTP));
    raise(SIGTSTP);
    sigpending(&pend);
    printf("  after SIGTSTP: CONT %d TSTP %d\n", sigismember(&pend, SIGCONT),
           sigismember(&pend, SIGTSTP));
    raise(SIGCONT);
    sigpending(&pend);
    printf("  after SIGCONT: CONT %d TSTP %d\n", sigismember(&pend, SIGCONT),
           sigismember(&pend, SIGTSTP));
    sigprocmask(SIG_SETMASK, &old, NULL); /* SIGCONT's default action: nothing */

    /* in a child: its pending SIGCONT goes when SIGSTOP stops it */
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    pid_t pid = fork_flushed();
    if (pid == 0) {
        sigset_t cont;
        sigemptyset(&cont);
        sigaddset(&cont, SIGCONT);
        sigprocmask(SIG_BLOCK, &cont, NULL);
        raise(SIGCONT);
        check(write(fds[1], "r", 1) == 1, "write");
        for (;;)
            pause();
    }
    char c;
    check(read(fds[0], &c, 1) == 1, "read");
    printf("  child: SIGCONT pending %d\n", cont_pending(pid));
    check(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_show("  child", pid, WUNTRACED);
    printf("  child stopped: SIGCONT pending %d\n", cont_pending(pid));
    check(kill(pid, SIGKILL) == 0, "kill SIGKILL");
    wait_show("  child", pid, 0);
    close(fds[0]);
    close(fds[1]);
}

static int tick_fd;

static void *ticker(void *arg)
{
    (void)arg;
    for (;;) {
        if (write(tick_fd, "t", 1) != 1)
            _exit(1);
        usleep(2000);
    }
    return NULL;
}

static void test_threads(void)
{
    printf("a two-thread process:\n");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    pid_t pid = fork_flushed();
    if (pid == 0) {
        close(fds[0]);
        tick_fd = fds[1];
        pthread_t t;
        if (pthread_create(&t, NULL, ticker, NULL))
            _exit(1);
        for (;;)
            pause(); /* goes on after a stop, it does not return */
    }
    close(fds[1]);
    char buf[4096];
    check(read(fds[0], buf, 1) == 1, "read the first tick");
    check(kill(pid, SIGSTOP) == 0, "kill SIGSTOP");
    wait_show("  WUNTRACED", pid, WUNTRACED);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    check(f != NULL, "open status");
    while (fgets(buf, sizeof(buf), f))
        if (!strncmp(buf, "Threads:", 8))
            printf("  %s", buf);
    fclose(f);
    /* stopped: whatever the thread wrote before is drained, and nothing more comes */
    int fl = fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
    while (read(fds[0], buf, sizeof(buf)) > 0)
        ;
    usleep(50000);
    ssize_t n = read(fds[0], buf, sizeof(buf));
    printf("  ticks while stopped: %zd\n", n < 0 ? (ssize_t)0 : n);
    fcntl(fds[0], F_SETFL, fl);
    check(kill(pid, SIGCONT) == 0, "kill SIGCONT");
    wait_show("  WCONTINUED", pid, WCONTINUED);
    printf("  ticks after SIGCONT: %d\n", read(fds[0], buf, 1) == 1);
    int st;
    printf("  still alive: %d\n", waitpid(pid, &st, WNOHANG) == 0);
    check(kill(pid, SIGKILL) == 0, "kill SIGKILL");
    wait_show("  then", pid, 0);
    close(fds[0]);
}

int main(void)
{
    test_waitpid();
    test_sigchld();
    test_nocldstop();
    test_kill_stopped();
    test_stop_in_read();
    test_tstp();
    test_waitid();
    test_pending();
    test_threads();
    printf("done\n");
    return 0;
}
