/*
 * prctl_misc - the prctl options of a task's own timing, TSC, machine-check and tid-address
 * settings, against the kernel's: PR_GET/SET_TIMING, PR_GET/SET_TIMERSLACK (per thread; a new
 * thread or process takes its creator's current slack as its default; 0 restores the default;
 * kept by execve), PR_GET/SET_TSC (PR_TSC_SIGSEGV: rdtsc and rdtscp raise SIGSEGV with SI_KERNEL;
 * inherited by fork, kept by execve), PR_TASK_PERF_EVENTS_DISABLE/ENABLE, PR_MCE_KILL and
 * PR_MCE_KILL_GET (inherited, kept by execve), PR_GET_TID_ADDRESS, and their EINVALs. All were
 * EINVAL under faultline before; systemd sets timer slack (TimerSlackNSec), record-and-replay
 * tools and sandboxes PR_SET_TSC.
 *
 * Nothing here reads a clock while the TSC is disabled: the host's vDSO may read the TSC.
 *
 * usage: prctl_misc [child]: "child" is the program execve'd by its own fork child.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* prctl's result, or -errno's name. */
static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: %s\n", what, guest_errno_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void show_tsc(const char *what)
{
    int mode = -1;
    long r = prctl(PR_GET_TSC, &mode, 0, 0, 0);
    printf("%s: PR_GET_TSC %ld, mode %d\n", what, r, mode);
}

static volatile sig_atomic_t segv_code = -1;
static sigjmp_buf back;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    segv_code = si->si_code;
    siglongjmp(back, 1);
}

/* Run rdtsc (rdtscp with p) and say whether it faulted, and how. */
static void try_rdtsc(const char *what, int p)
{
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
    sigaction(SIGSEGV, &sa, NULL);
    segv_code = -1;
    unsigned lo, hi, aux;
    if (!sigsetjmp(back, 1)) {
        if (p)
            __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
        else
            __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    }
    signal(SIGSEGV, SIG_DFL);
    if (segv_code < 0)
        printf("%s: %s ran\n", what, p ? "rdtscp" : "rdtsc");
    else
        printf("%s: %s raised SIGSEGV, si_code %s\n", what, p ? "rdtscp" : "rdtsc",
               segv_code == SI_KERNEL ? "SI_KERNEL" : "other");
}

static void show_mce(const char *what)
{
    show(what, prctl(PR_MCE_KILL_GET, 0, 0, 0, 0));
}

static void *thread_main(void *arg)
{
    (void)arg;
    show("thread: PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    show("thread: PR_SET_TIMERSLACK 777", prctl(PR_SET_TIMERSLACK, 777, 0, 0, 0));
    show("thread: PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    show("thread: PR_SET_TIMERSLACK 0", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
    show("thread: PR_GET_TIMERSLACK (its default)", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    show_mce("thread: PR_MCE_KILL_GET");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        show("after execve: PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
        show_mce("after execve: PR_MCE_KILL_GET");
        show_tsc("after execve");
        try_rdtsc("after execve", 0);
        return 0;
    }

    show("PR_GET_TIMING", prctl(PR_GET_TIMING, 0, 0, 0, 0));
    show("PR_SET_TIMING statistical", prctl(PR_SET_TIMING, PR_TIMING_STATISTICAL, 0, 0, 0));
    show("PR_SET_TIMING timestamp", prctl(PR_SET_TIMING, PR_TIMING_TIMESTAMP, 0, 0, 0));
    show("PR_TASK_PERF_EVENTS_DISABLE", prctl(PR_TASK_PERF_EVENTS_DISABLE, 0, 0, 0, 0));
    show("PR_TASK_PERF_EVENTS_ENABLE", prctl(PR_TASK_PERF_EVENTS_ENABLE, 0, 0, 0, 0));

    /* the first task's slack is its parent's, whatever that set */
    show("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
    show("PR_SET_TIMERSLACK 123456", prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0));
    show("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));

    show_mce("PR_MCE_KILL_GET");
    show("PR_MCE_KILL set early", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
    show_mce("PR_MCE_KILL_GET");
    show("PR_MCE_KILL set late", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0));
    show_mce("PR_MCE_KILL_GET");
    show("PR_MCE_KILL set default", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0));
    show_mce("PR_MCE_KILL_GET");
    show("PR_MCE_KILL set 7", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, 7, 0, 0));
    show("PR_MCE_KILL clear with arg3", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0));
    show("PR_MCE_KILL 5", prctl(PR_MCE_KILL, 5, 0, 0, 0));
    show("PR_MCE_KILL with arg4", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 1, 0));
    show_mce("PR_MCE_KILL_GET");
    show("PR_MCE_KILL_GET with arg2", prctl(PR_MCE_KILL_GET, 1, 0, 0, 0));
    show("PR_MCE_KILL set early", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));

    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, NULL))
        guest_die("pthread");
    show("main thread: PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));

    int tid_word = 0, *tid_addr = NULL;
    long tid = syscall(SYS_set_tid_address, &tid_word);
    show("PR_GET_TID_ADDRESS", prctl(PR_GET_TID_ADDRESS, &tid_addr, 0, 0, 0));
    printf("the address set_tid_address gave: %s (tid %s)\n",
           tid_addr == &tid_word ? "returned" : "not returned",
           tid == syscall(SYS_gettid) ? "ok" : "wrong");
    show("PR_GET_TID_ADDRESS to a bad pointer", prctl(PR_GET_TID_ADDRESS, (void *)8, 0, 0, 0));

    show_tsc("at start");
    try_rdtsc("at start", 0);
    show("PR_SET_TSC 3", prctl(PR_SET_TSC, 3, 0, 0, 0));
    show("PR_GET_TSC to a bad pointer", prctl(PR_GET_TSC, (void *)8, 0, 0, 0));
    show("PR_SET_TSC PR_TSC_SIGSEGV", prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0));
    show_tsc("disabled");
    try_rdtsc("disabled", 0);
    try_rdtsc("disabled", 1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        show_tsc("fork child");
        try_rdtsc("fork child", 0);
        show("fork child: PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
        show("fork child: PR_SET_TIMERSLACK 0", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
        show("fork child: PR_GET_TIMERSLACK (its default)", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
        show_mce("fork child: PR_MCE_KILL_GET");
        fflush(stdout);
        _exit(0);
    }
    printf("fork child exited %d\n", guest_reap(pid));
    printf("execve'd child exited %d\n", guest_run_self(argv[0], "child"));
    show("PR_SET_TSC PR_TSC_ENABLE", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
    show_tsc("enabled again");
    try_rdtsc("enabled again", 0);
    return 0;
}
