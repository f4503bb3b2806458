/*
 * thread_signals: a signal sent to the whole process reaches the thread that can take it,
 * compared with a native run:
 *   sigwait   the main thread blocks SIGUSR1 (the worker inherits the mask) and the worker
 *             waits for it in sigwait; kill(getpid(), SIGUSR1) from the main thread is taken
 *             by the worker
 *   handler   the main thread blocks SIGUSR2, the worker unblocks it; the handler of a
 *             kill(getpid(), SIGUSR2) runs on the worker
 *   alarm     the main thread blocks SIGALRM and joins a worker that does not: the alarm's
 *             handler runs on the worker
 *   shared    every thread blocks SIGWINCH; kill(getpid(), SIGWINCH) comes before the worker
 *             waits for it: it stays pending for the whole process (the worker's sigpending and
 *             /proc/self/status ShdPnd show it), and the worker's later sigwait takes it
 *   exec      in a child, the main thread sets an alarm after starting a worker, and the
 *             worker execs this program, which pauses: the alarm survives the exec from a
 *             thread and kills it (status 142)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include "guest.h"

static volatile pid_t handled_on;
static pid_t worker_tid;
static volatile sig_atomic_t done;

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static void on_sig(int sig)
{
    (void)sig;
    handled_on = gettid_();
    done = 1;
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void *sigwait_worker(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    int sig = 0;
    sigwait(&s, &sig);
    printf("sigwait: the worker took %s\n", sig == SIGUSR1 ? "SIGUSR1" : "something else");
    return NULL;
}

static void *spinning_worker(void *arg)
{
    int sig = (int)(long)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    worker_tid = gettid_();
    while (!done)
        usleep(1000);
    return NULL;
}

static int sent_pipe[2];

/* ShdPnd of /proc/self/status, or ~0 if the line is missing. */
static unsigned long long shdpnd(void)
{
    char line[256];
    unsigned long long v = ~0ULL;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return v;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "ShdPnd: %llx", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void *late_sigwait_worker(void *arg)
{
    (void)arg;
    char c;
    if (read(sent_pipe[0], &c, 1) != 1) /* the signal has been sent */
        return NULL;
    sigset_t s, pending;
    sigemptyset(&s);
    sigaddset(&s, SIGWINCH);
    sigpending(&pending);
    printf("shared: pending in the worker before sigwait: %s, ShdPnd has it: %s\n",
           sigismember(&pending, SIGWINCH) ? "yes" : "no",
           shdpnd() & (1ULL << (SIGWINCH - 1)) ? "yes" : "no");
    int sig = 0;
    sigwait(&s, &sig);
    sigpending(&pending);
    printf("shared: the worker took %s; still pending: %s\n",
           sig == SIGWINCH ? "SIGWINCH" : "something else",
           sigismember(&pending, SIGWINCH) ? "yes" : "no");
    return NULL;
}

static void test_shared(void)
{
    block(SIGWINCH);
    if (pipe(sent_pipe))
        guest_die("pipe");
    pthread_t t;
    if (pthread_create(&t, NULL, late_sigwait_worker, NULL))
        guest_die("pthread_create");
    kill(getpid(), SIGWINCH);
    if (write(sent_pipe[1], "x", 1) != 1)
        guest_die("write");
    pthread_join(t, NULL);
}

static char self_path[4096];

static void *exec_worker(void *arg)
{
    (void)arg;
    usleep(50000); /* after the main thread's alarm() */
    execl(self_path, self_path, "pause", (char *)NULL);
    _exit(100);
}

static void test_exec(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        pthread_sigmask(SIG_SETMASK, &all, NULL); /* the cases above left signals blocked */
        signal(SIGALRM, SIG_DFL);
        pthread_t t;
        if (pthread_create(&t, NULL, exec_worker, NULL))
            _exit(101);
        alarm(1);
        pthread_join(t, NULL);
        _exit(102);
    }
    printf("exec: the exec'd program ended with status %d\n", guest_reap(pid));
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sigaction(sig, &sa, NULL);
}

static void run_handler_case(const char *name, int sig)
{
    pthread_t t;
    done = 0;
    handled_on = 0;
    worker_tid = 0;
    install(sig);
    block(sig);
    if (pthread_create(&t, NULL, spinning_worker, (void *)(long)sig))
        guest_die("pthread_create");
    while (!worker_tid)
        usleep(1000);
    if (sig == SIGALRM)
        alarm(1);
    else
        kill(getpid(), sig);
    pthread_join(t, NULL);
    printf("%s: the handler ran on the %s\n", name,
           handled_on == worker_tid ? "worker"
           : handled_on             ? "main thread"
                                    : "no thread");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "pause")) {
        pause(); /* the alarm set before the exec ends this */
        return 4;
    }
    snprintf(self_path, sizeof(self_path), "%s", argv[0]);
    block(SIGUSR1);
    pthread_t t;
    if (pthread_create(&t, NULL, sigwait_worker, NULL))
        guest_die("pthread_create");
    usleep(100000); /* the worker is waiting */
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    run_handler_case("handler", SIGUSR2);
    run_handler_case("alarm", SIGALRM);
    test_shared();
    test_exec();
    return 0;
}
