/*
 * pdeathsig: prctl(PR_SET_PDEATHSIG) (systemd-run, sandboxes, test runners that must not leave
 * orphans). One line per step, printed by the first process:
 *   set/get     signal 0..64 is accepted, 65 EINVAL; PR_GET_PDEATHSIG reads it back, EFAULT
 *               for a bad pointer
 *   handler     a grandchild with SIGUSR1 as its parent-death signal and a handler gets it
 *               (SI_USER, si_pid the exiting parent's) once its parent exits; its own forked
 *               child starts with none (fork clears it); it reports through a pipe
 *   thread      a child forked by a thread gets SIGTERM (the default action kills it) when that
 *               thread exits, though the process lives on: the parent is the thread, as in Linux
 *   exec        execve keeps it (the child execs itself with "show")
 * A missing signal is bounded: alarm(5) kills the waiting process with SIGALRM instead.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>

#include "guest.h"

static volatile sig_atomic_t got_sig, got_code, got_pid;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

static int get_pdeathsig(void)
{
    int sig = -1;
    if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0))
        guest_die("PR_GET_PDEATHSIG");
    return sig;
}

static void __attribute__((format(printf, 2, 3))) report(int fd, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (write(fd, line, n) != n)
        _exit(101);
}

/* The grandchild's side of the "handler" case; its report goes to `out`. */
static void grandchild(int out, int ready)
{
    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, NULL); /* taken only in sigsuspend */
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0))
        guest_die("PR_SET_PDEATHSIG");
    report(out, "grandchild: PR_GET_PDEATHSIG %d\n", get_pdeathsig());
    pid_t pid = fork();
    if (pid == 0) {
        report(out, "grandchild's child: PR_GET_PDEATHSIG %d\n", get_pdeathsig());
        _exit(0);
    }
    guest_reap(pid);
    pid_t parent = getppid();
    alarm(5);
    if (write(ready, "x", 1) != 1) /* the parent exits now */
        _exit(102);
    while (!got_sig)
        sigsuspend(&none);
    report(out, "grandchild: got signal %d, si_code SI_USER: %d", got_sig, got_code == SI_USER);
    report(out, ", from the parent: %d\n", got_pid == parent);
    _exit(0);
}

static void handler_case(void)
{
    int rep[2], rdy[2];
    if (pipe(rep))
        guest_die("pipe");
    pid_t parent = fork();
    if (parent == 0) {
        close(rep[0]);
        if (pipe(rdy))
            guest_die("pipe");
        pid_t pid = fork();
        if (pid == 0) {
            close(rdy[0]);
            grandchild(rep[1], rdy[1]);
        }
        close(rdy[1]);
        char c;
        if (read(rdy[0], &c, 1) != 1) /* the grandchild is ready: exit under it */
            _exit(103);
        _exit(0);
    }
    close(rep[1]);
    printf("parent exit status %d\n", guest_reap(parent));
    char buf[1024];
    ssize_t n;
    while ((n = read(rep[0], buf, sizeof(buf))) > 0) /* EOF: the grandchild has exited */
        fwrite(buf, 1, n, stdout);
    close(rep[0]);
}

static int thread_rdy[2];

static void *forking_thread(void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0))
            guest_die("PR_SET_PDEATHSIG");
        alarm(5);
        if (write(thread_rdy[1], "x", 1) != 1)
            _exit(104);
        for (;;)
            pause();
    }
    *(pid_t *)arg = pid;
    char c;
    if (read(thread_rdy[0], &c, 1) != 1)
        guest_die("read");
    return NULL; /* the thread exits: its child's parent goes */
}

static void thread_case(void)
{
    pthread_t t;
    pid_t pid = 0;
    if (pipe(thread_rdy) || pthread_create(&t, NULL, forking_thread, &pid) || pthread_join(t, NULL))
        guest_die("thread");
    int status = guest_reap(pid); /* now this thread's child */
    printf("child of an exited thread: status %d (128 + SIGTERM: %d)\n", status,
           status == 128 + SIGTERM);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "show") == 0) {
        printf("after execve: PR_GET_PDEATHSIG %d\n", get_pdeathsig());
        return 0;
    }
    printf("start: PR_GET_PDEATHSIG %d\n", get_pdeathsig());
    errno = 0;
    int r = prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0);
    printf("set 65: %d %s\n", r, r ? guest_errno_name(errno) : "");
    r = prctl(PR_SET_PDEATHSIG, 64, 0, 0, 0);
    printf("set 64: %d, get %d\n", r, get_pdeathsig());
    r = prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    printf("set 0: %d, get %d\n", r, get_pdeathsig());
    errno = 0;
    r = prctl(PR_GET_PDEATHSIG, (int *)8, 0, 0, 0);
    printf("get into a bad pointer: %d %s\n", r, r ? guest_errno_name(errno) : "");

    handler_case();
    thread_case();

    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
        execl("/proc/self/exe", argv[0], "show", (char *)NULL);
        _exit(127);
    }
    printf("exec child status %d\n", guest_reap(pid));
    return 0;
}
