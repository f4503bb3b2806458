/*
 * posix_timer_ids: the ids timer_create hands out go up past deleted ones (Linux's
 * posix_timer_add), a fork child's start again at 0, a fired timer's siginfo names its id, and
 * /proc/self/timers lists the process's timers, the newest first: id, signal and sigev_value,
 * how and whom it notifies, clock. The process's and thread's ids print as PID and TID.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[8192];

/* The whole file into buf (it may be empty). */
static void read_all(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t n, got = 0;

    if (fd < 0)
        guest_die(path);
    while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
        got += n;
    close(fd);
    buf[got] = 0;
}

static void show(const char *who)
{
    char pid[32], tid[32], *l, *next;

    snprintf(pid, sizeof(pid), "pid.%d\n", (int)getpid());
    snprintf(tid, sizeof(tid), "tid.%d\n", (int)gettid());
    read_all("/proc/self/timers");
    printf("%s:%s\n", who, buf[0] ? "" : " none");
    for (l = buf; *l; l = next) {
        next = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l);
        char *p = strstr(l, pid), *t = strstr(l, tid);
        if (p && p < next)
            printf("  %.*sPID\n", (int)(p - l + 4), l);
        else if (t && t < next)
            printf("  %.*sTID\n", (int)(t - l + 4), l);
        else
            printf("  %.*s", (int)(next - l), l);
    }
}

static timer_t make(int notify, int signo, void *value, clockid_t clock)
{
    struct sigevent ev;
    timer_t t;

    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = notify;
    ev.sigev_signo = signo;
    ev.sigev_value.sival_ptr = value;
    if (notify == SIGEV_THREAD_ID)
        ev._sigev_un._tid = gettid();
    if (timer_create(clock, &ev, &t))
        guest_die("timer_create");
    return t;
}

int main(void)
{
    timer_t t, keep[4];

    for (int i = 0; i < 3; i++) {
        if (timer_create(CLOCK_MONOTONIC, NULL, &t))
            guest_die("timer_create");
        printf("created and deleted: id %ld\n", (long)(intptr_t)t);
        timer_delete(t);
    }
    show("none left");
    if (timer_create(CLOCK_REALTIME, NULL, &keep[0]))
        guest_die("timer_create");
    keep[1] = make(SIGEV_NONE, 7, NULL, CLOCK_MONOTONIC);
    keep[2] = make(SIGEV_SIGNAL, SIGUSR1, (void *)0x1234, CLOCK_BOOTTIME);
    keep[3] = make(SIGEV_THREAD_ID, SIGRTMIN, (void *)0x55, CLOCK_PROCESS_CPUTIME_ID);
    show("four timers");
    timer_delete(keep[1]);
    show("the SIGEV_NONE one deleted");

    /* a fired timer's siginfo carries its id */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct itimerspec its = {.it_value = {0, 1000000}};
    siginfo_t si;
    if (timer_settime(keep[2], 0, &its, NULL) || sigwaitinfo(&set, &si) != SIGUSR1)
        guest_die("fire");
    printf("fired: si_code SI_TIMER %d, si_timerid %s the id, si_value %p\n",
           si.si_code == SI_TIMER, si.si_timerid == (int)(intptr_t)keep[2] ? "is" : "is not",
           si.si_value.sival_ptr);

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        show("child");
        if (timer_create(CLOCK_MONOTONIC, NULL, &t))
            guest_die("timer_create");
        printf("child's first id: %ld\n", (long)(intptr_t)t);
        fflush(stdout);
        _exit(0);
    }
    printf("child status %d\n", guest_reap(pid));
    if (timer_create(CLOCK_MONOTONIC, NULL, &t))
        guest_die("timer_create");
    printf("parent's next id: %ld\n", (long)(intptr_t)t);
    return 0;
}
