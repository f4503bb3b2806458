/*
 * syscall_restart - which blocking calls a signal handler ends with EINTR and which it
 * restarts, with and without SA_RESTART, as Linux decides per call: read, wait4 and recv
 * restart under SA_RESTART (-ERESTARTSYS); nanosleep, a futex wait with a timeout
 * (-ERESTART_RESTARTBLOCK), pause, sigsuspend, poll and ppoll (-ERESTARTNOHAND) never do.
 * A 20 ms ITIMER_REAL interrupts each call; where something must end a restarted call, a child
 * does it 300 ms later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LATER_US           300000
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (musl has no linux/futex.h) */

static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
    (void)sig;
    hits++;
}

/* The handler, with or without SA_RESTART, and the alarm that interrupts the next call. */
static void arm(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

/* A child that waits LATER_US, writes one byte to fd (if fd >= 0), and exits. */
static pid_t later(int fd)
{
    pid_t c = fork();
    if (c == 0) {
        usleep(LATER_US);
        if (fd >= 0 && write(fd, "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    return c;
}

static void report(const char *call, int restart, long r, int err)
{
    printf("%-11s %-10s -> %ld %s (handler ran %d)\n", call, restart ? "SA_RESTART" : "no restart",
           r, r < 0 ? strerror(err) : "", (int)hits);
    hits = 0;
}

int main(void)
{
    int pfd[2], sv[2];
    if (pipe(pfd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return 1;
    for (int restart = 0; restart < 2; restart++) {
        char b;
        long r;
        pid_t c = later(restart ? pfd[1] : -1);
        arm(restart);
        r = read(pfd[0], &b, 1);
        report("read", restart, r, errno);
        waitpid(c, NULL, 0);

        c = later(-1);
        arm(restart);
        r = waitpid(c, NULL, 0);
        report("wait4", restart, r == c ? 0 : r, errno);
        if (r < 0)
            waitpid(c, NULL, 0);

        c = later(sv[1]);
        arm(restart);
        r = recv(sv[0], &b, 1, 0);
        report("recv", restart, r, errno);
        if (r < 0 && recv(sv[0], &b, 1, 0) != 1)
            return 1;
        waitpid(c, NULL, 0);

        struct timespec ts = {0, 3 * LATER_US * 1000L};
        arm(restart);
        r = nanosleep(&ts, NULL);
        report("nanosleep", restart, r, errno);

        int word = 0;
        arm(restart);
        r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
        report("futex", restart, r, errno);

        arm(restart);
        r = pause();
        report("pause", restart, r, errno);

        sigset_t none;
        sigemptyset(&none);
        arm(restart);
        r = sigsuspend(&none);
        report("sigsuspend", restart, r, errno);

        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        arm(restart);
        r = poll(&p, 1, 3 * LATER_US / 1000);
        report("poll", restart, r, errno);

        arm(restart);
        r = ppoll(&p, 1, &ts, &none);
        report("ppoll", restart, r, errno);
    }
    return 0;
}
