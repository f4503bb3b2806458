/*
 * wchan - /proc/PID/wchan of children asleep in various calls, as a 4.20 kernel names the
 * function each sleeps in (the first outside the scheduler): faultline's names, checked here
 * (a 6.x host names some otherwise: anon_pipe_read, __do_sys_pause, sigsuspend.isra.0), so this
 * runs under faultline only. Prints "kind: wchan" and exits 1 if one differs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fds[2], sv[2], lsock, msq;
static int futex_word;

static void sleep_in(const char *kind)
{
    char b;
    if (!strcmp(kind, "nanosleep")) {
        struct timespec ts = {100, 0};
        nanosleep(&ts, NULL);
    } else if (!strcmp(kind, "pipe read")) {
        read(fds[0], &b, 1);
    } else if (!strcmp(kind, "wait4")) {
        if (fork() == 0) {
            pause();
            _exit(0);
        }
        wait(NULL);
    } else if (!strcmp(kind, "pause")) {
        pause();
    } else if (!strcmp(kind, "sigsuspend")) {
        sigset_t s;
        sigemptyset(&s);
        sigsuspend(&s);
    } else if (!strcmp(kind, "sigtimedwait")) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        sigwaitinfo(&s, NULL);
    } else if (!strcmp(kind, "poll")) {
        struct pollfd p = {fds[0], POLLIN, 0};
        poll(&p, 1, -1);
    } else if (!strcmp(kind, "epoll_wait")) {
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[0]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
        epoll_wait(ep, &ev, 1, -1);
    } else if (!strcmp(kind, "futex")) {
        syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
    } else if (!strcmp(kind, "accept")) {
        accept(lsock, NULL, NULL);
    } else if (!strcmp(kind, "unix recv")) {
        recv(sv[0], &b, 1, 0);
    } else if (!strcmp(kind, "msgrcv")) {
        struct {
            long type;
            char text[8];
        } m;
        msgrcv(msq, &m, sizeof(m.text), 0, 0);
    } else if (!strcmp(kind, "stopped")) {
        raise(SIGSTOP);
    }
    _exit(0);
}

static char state_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *paren = strrchr(buf, ')');
    return paren && paren[1] ? paren[2] : '?';
}

static void read_wchan(pid_t pid, char *out, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, len - 1, f) : 0;
    if (f)
        fclose(f);
    out[n] = 0;
}

int main(void)
{
    static const struct {
        const char *kind, *want;
    } cases[] = {
        {"nanosleep", "hrtimer_nanosleep"},
        {"pipe read", "pipe_wait"},
        {"wait4", "do_wait"},
        {"pause", "__x64_sys_pause"},
        {"sigsuspend", "sigsuspend"},
        {"sigtimedwait", "do_sigtimedwait"},
        {"poll", "poll_schedule_timeout"},
        {"epoll_wait", "do_epoll_wait"},
        {"futex", "futex_wait_queue_me"},
        {"accept", "inet_csk_accept"},
        {"unix recv", "unix_stream_data_wait"},
        {"msgrcv", "do_msgrcv"},
        {"stopped", "do_signal_stop"},
    };
    pipe(fds);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    lsock = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lsock, (struct sockaddr *)&a, sizeof(a)) || listen(lsock, 1))
        perror("listen");
    msq = msgget(IPC_PRIVATE, 0600);
    int bad = 0;
    char w[128];
    read_wchan(getpid(), w, sizeof(w));
    printf("running: %s\n", w);
    bad |= strcmp(w, "0") != 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pid_t pid = fork();
        if (pid == 0)
            sleep_in(cases[i].kind);
        char want_state = strcmp(cases[i].kind, "stopped") ? 'S' : 'T';
        for (int tries = 0; tries < 400 && state_of(pid) != want_state; tries++)
            usleep(5000);
        read_wchan(pid, w, sizeof(w));
        printf("%s: %s\n", cases[i].kind, w);
        if (strcmp(w, cases[i].want)) {
            printf("  want %s\n", cases[i].want);
            bad = 1;
        }
        kill(pid, SIGKILL);
        /* a zombie, not reaped yet, waits in nothing */
        for (int tries = 0; tries < 400 && state_of(pid) != 'Z'; tries++)
            usleep(5000);
        if (i == 0) {
            read_wchan(pid, w, sizeof(w));
            printf("zombie: %s\n", w);
            bad |= strcmp(w, "0") != 0;
        }
        waitpid(pid, NULL, 0);
    }
    msgctl(msq, IPC_RMID, NULL);
    return bad;
}
