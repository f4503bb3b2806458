/*
 * host_kill - signals a host process sends to this program, for tests/e2e/host_signals.py: run
 * natively and under `faultline run`, the same signals sent to its pid (faultline's), the same
 * lines must come out and the same status.
 *
 *   wait SENDER N  block SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM; take N of them with
 *                  sigwaitinfo and print each: its code, and whether the sender's pid and uid
 *                  are SENDER's and ours (sigqueue's value too)
 *   spin           a SIGTERM handler; compute without system calls until it has run
 *   spin-default   compute without system calls until a signal ends it
 *   pause          a SIGUSR1 handler; pause() twice (no deadlock: a host signal can end it)
 *   inherited      print the signals ignored and blocked since exec, then pause()
 *
 * Each prints "ready" once it is set up: the sender waits for that line.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught = sig;
}

static void ready(void)
{
    printf("ready\n");
    fflush(stdout);
}

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER:
        return "SI_USER";
    case SI_QUEUE:
        return "SI_QUEUE";
    case SI_TKILL:
        return "SI_TKILL";
    case SI_KERNEL:
        return "SI_KERNEL";
    default:
        return "other";
    }
}

static int take(long sender, int n)
{
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    ready();
    for (int i = 0; i < n; i++) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) {
            perror("sigwaitinfo");
            return 1;
        }
        printf("%s code=%s pid=%s uid=%s", strsignal(sig), code_name(si.si_code),
               si.si_pid == sender ? "sender" : "other", si.si_uid == getuid() ? "ours" : "other");
        if (si.si_code == SI_QUEUE)
            printf(" value=%d", si.si_value.sival_int);
        printf("\n");
        fflush(stdout);
    }
    return 0;
}

/* Work the compiler cannot drop, with no system call in it. */
static unsigned long spin(void)
{
    unsigned long x = 1;
    while (!caught)
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    return x;
}

static void print_status_masks(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "SigIgn:", 7) || !strncmp(line, "SigBlk:", 7))
            fputs(line, stdout);
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (!strcmp(mode, "wait") && argc == 4)
        return take(atol(argv[2]), atoi(argv[3]));
    if (!strcmp(mode, "spin") || !strcmp(mode, "spin-default")) {
        if (!strcmp(mode, "spin"))
            sigaction(SIGTERM, &sa, NULL);
        ready();
        unsigned long x = spin();
        printf("caught %s (%d)\n", strsignal(caught), x != 0);
        return 0;
    }
    if (!strcmp(mode, "pause")) {
        sigaction(SIGUSR1, &sa, NULL);
        ready();
        pause();
        printf("woke by %s\n", strsignal(caught));
        fflush(stdout);
        pause();
        printf("woke again by %s\n", strsignal(caught));
        return 0;
    }
    if (!strcmp(mode, "inherited")) {
        print_status_masks();
        ready();
        pause();
        return 0;
    }
    fprintf(stderr, "usage: host_kill wait SENDER N | spin | spin-default | pause | inherited\n");
    return 2;
}
