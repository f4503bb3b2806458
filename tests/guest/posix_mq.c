/*
 * posix_mq: POSIX message queues, compared with a native run. Name checks, O_CREAT/O_EXCL and
 * attribute limits; priority order and FIFO within a priority; O_NONBLOCK's EAGAIN, a timeout's
 * ETIMEDOUT, EMSGSIZE, EBADF on the wrong access mode; mq_getattr counts and mq_setattr's
 * O_NONBLOCK; poll on the descriptor (empty, partly full, full). Then a parent and a forked
 * child over two queues: a receive and a poll that park until the other sends, a send to a full
 * queue that parks until the other receives, mq_notify with SIGEV_SIGNAL (EBUSY for another
 * process, its siginfo, one notification only), a handler ending a receive with EINTR without
 * SA_RESTART and restarting it with, and unlink leaving open descriptors working. Queue names
 * carry the pid and are unlinked, so a native run leaves nothing behind.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <mqueue.h>
#include <poll.h>
#include <signal.h>

static char name1[64], name2[64], name3[64];
static volatile sig_atomic_t handled;

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void on_sig(int sig)
{
    (void)sig;
    handled++;
}

/* An absolute CLOCK_REALTIME time ms from now. */
static struct timespec in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (ms % 1000) * 1000000L;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

static void show_attr(const char *what, mqd_t q)
{
    struct mq_attr a;
    if (mq_getattr(q, &a) != 0)
        guest_die("mq_getattr");
    say("%s: flags=%s maxmsg=%ld msgsize=%ld curmsgs=%ld\n", what,
        (a.mq_flags & O_NONBLOCK) ? "O_NONBLOCK" : "0", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

static void show_poll(const char *what, mqd_t q)
{
    struct pollfd p = {.fd = q, .events = POLLIN | POLLOUT};
    int r = poll(&p, 1, 0);
    say("poll %s: %d%s%s\n", what, r, (p.revents & POLLIN) ? " IN" : "",
        (p.revents & POLLOUT) ? " OUT" : "");
}

static void recv_show(const char *who, mqd_t q)
{
    char buf[64];
    unsigned prio = 99;
    ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
    if (n < 0)
        say("%s: receive %s\n", who, strerror(errno));
    else
        say("%s: got '%.*s' prio %u\n", who, (int)n, buf, prio);
}

static void send_str(mqd_t q, const char *s, unsigned prio)
{
    if (mq_send(q, s, strlen(s), prio) != 0)
        guest_die("mq_send");
}

/* Wait for a message on q and return its first byte (the child's and parent's handshakes). */
static char wait_msg(mqd_t q)
{
    static char buf[8192]; /* q2 has the default msgsize */
    ssize_t n;
    while ((n = mq_receive(q, buf, sizeof(buf), NULL)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        guest_die("handshake mq_receive");
    return buf[0];
}

static void single_process(mqd_t q)
{
    char buf[64];
    struct mq_attr a;

    show_attr("new", q);
    show_poll("empty", q);
    send_str(q, "low", 0);
    send_str(q, "high", 5);
    show_poll("partly full", q);
    send_str(q, "mid-a", 3);
    send_str(q, "mid-b", 3);
    show_attr("four sent", q);
    show_poll("full", q);
    struct timespec ts = in_ms(30);
    say("timedsend to full: %s\n", err(mq_timedsend(q, "x", 1, 0, &ts)));
    a = (struct mq_attr){.mq_flags = O_NONBLOCK};
    if (mq_setattr(q, &a, NULL) != 0)
        guest_die("mq_setattr");
    show_attr("nonblocking", q);
    say("send to full, O_NONBLOCK: %s\n", err(mq_send(q, "x", 1, 0)));
    say("send 17 bytes: %s\n", err(mq_send(q, "0123456789abcdefg", 17, 0)));
    say("receive into 15: %s\n", err(mq_receive(q, buf, 15, NULL)));
    say("prio 32768: %s\n", err(mq_send(q, "x", 1, 32768)));
    a = (struct mq_attr){.mq_flags = O_NONBLOCK | O_APPEND};
    say("setattr O_APPEND: %s\n", err(mq_setattr(q, &a, NULL)));
    for (int i = 0; i < 4; i++)
        recv_show("drain", q);
    recv_show("drain empty", q);
    a = (struct mq_attr){.mq_flags = 0};
    mq_setattr(q, &a, NULL);
    ts = in_ms(30);
    say("timedreceive from empty: %s\n", err(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts)));
    ts = (struct timespec){.tv_sec = 0, .tv_nsec = 2000000000L};
    say("timedreceive, bad timeout: %s\n", err(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts)));
    int d = dup(q);
    show_attr("dup", d);
    close(d);
    mqd_t ro = mq_open(name1, O_RDONLY);
    if (ro == (mqd_t)-1)
        guest_die("mq_open O_RDONLY");
    say("send on O_RDONLY: %s\n", err(mq_send(ro, "x", 1, 0)));
    mq_close(ro);
}

static void child(mqd_t q1, mqd_t q2, mqd_t q3)
{
    /* 1: a receive that parks until the parent sends */
    recv_show("child", q1);
    send_str(q2, "ack", 0);
    /* 2: the parent parks sending to the full queue until this takes one */
    wait_msg(q3);
    usleep(20000);
    for (int i = 0; i < 5; i++)
        recv_show("child drains", q1);
    send_str(q2, "drained", 0);
    /* 3: mq_notify: registered by the parent */
    wait_msg(q3);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
    say("child: mq_notify while the parent holds it: %s\n", err(mq_notify(q1, &ev)));
    send_str(q1, "ping", 0);
    /* 4: handlers: EINTR without SA_RESTART, a restart with it */
    wait_msg(q3);
    struct sigaction sa = {.sa_handler = on_sig};
    sigaction(SIGUSR2, &sa, NULL);
    send_str(q2, "ready", 0);
    recv_show("child, no SA_RESTART", q1);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    send_str(q2, "ready", 0);
    recv_show("child, SA_RESTART", q1);
    say("child: handler ran %d times\n", (int)handled);
    /* 5: poll parks until the parent sends */
    send_str(q2, "ready", 0);
    struct pollfd p = {.fd = q1, .events = POLLIN};
    int r = poll(&p, 1, -1);
    say("child: poll %d%s\n", r, (p.revents & POLLIN) ? " IN" : "");
    recv_show("child after poll", q1);
    send_str(q2, "bye", 0);
    _exit(0);
}

int main(void)
{
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 16};
    snprintf(name1, sizeof(name1), "/fl_posix_mq_%d_a", (int)getpid());
    snprintf(name2, sizeof(name2), "/fl_posix_mq_%d_b", (int)getpid());
    snprintf(name3, sizeof(name3), "/fl_posix_mq_%d_c", (int)getpid());

    say("open \"/\": %s\n", err(mq_open("/", O_RDWR)));
    say("open \"/a/b\": %s\n", err(mq_open("/a/b", O_RDWR | O_CREAT, 0600, &attr)));
    say("open missing: %s\n", err(mq_open(name1, O_RDWR)));
    struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 16};
    say("open maxmsg 0: %s\n", err(mq_open(name1, O_RDWR | O_CREAT, 0600, &bad)));
    bad = (struct mq_attr){.mq_maxmsg = 4, .mq_msgsize = -1};
    say("open msgsize -1: %s\n", err(mq_open(name1, O_RDWR | O_CREAT, 0600, &bad)));
    mqd_t q1 = mq_open(name1, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (q1 == (mqd_t)-1)
        guest_die("mq_open");
    say("open again O_EXCL: %s\n", err(mq_open(name1, O_RDWR | O_CREAT | O_EXCL, 0600, &attr)));
    say("open O_WRONLY|O_RDWR: %s\n", err(mq_open(name1, O_WRONLY | O_RDWR)));
    say("close-on-exec: %d\n", (fcntl(q1, F_GETFD) & FD_CLOEXEC) != 0);
    mqd_t q2 = mq_open(name2, O_RDWR | O_CREAT, 0600, NULL);
    if (q2 == (mqd_t)-1)
        guest_die("mq_open default");
    show_attr("default attributes", q2);
    mqd_t q3 = mq_open(name3, O_RDWR | O_CREAT, 0600, &attr); /* parent to child */
    if (q3 == (mqd_t)-1)
        guest_die("mq_open third");

    single_process(q1);

    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0)
        child(q1, q2, q3);

    /* 1 */
    usleep(20000);
    send_str(q1, "hello", 1);
    wait_msg(q2);
    say("parent: child acknowledged\n");
    /* 2 */
    for (int i = 0; i < 4; i++) {
        char m[8];
        snprintf(m, sizeof(m), "m%d", i);
        send_str(q1, m, (unsigned)i % 2);
    }
    send_str(q3, "go", 0);
    long r = mq_send(q1, "fifth", 5, 7); /* parks until the child receives */
    wait_msg(q2);
    say("parent: send to the full queue: %s\n", err(r));
    /* 3 */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    ev.sigev_value.sival_int = 42;
    say("parent: mq_notify: %s\n", err(mq_notify(q1, &ev)));
    say("parent: mq_notify again: %s\n", err(mq_notify(q1, &ev)));
    send_str(q3, "go", 0);
    siginfo_t si;
    int sig = sigwaitinfo(&usr1, &si);
    say("parent: signal %d code %s value %d from child %d\n", sig,
        si.si_code == SI_MESGQ ? "SI_MESGQ" : "other", si.si_value.sival_int, si.si_pid == pid);
    recv_show("parent", q1);
    send_str(q1, "again", 0); /* no second notification */
    struct timespec zero = {0, 0};
    say("parent: second notification: %s\n", sigtimedwait(&usr1, &si, &zero) < 0 ? "none" : "yes");
    recv_show("parent", q1);
    say("parent: mq_notify after it fired: %s\n", err(mq_notify(q1, &ev)));
    say("parent: unregister: %s\n", err(mq_notify(q1, NULL)));
    /* 4 */
    send_str(q3, "go", 0);
    wait_msg(q2);
    usleep(30000);
    kill(pid, SIGUSR2);
    wait_msg(q2);
    usleep(30000);
    kill(pid, SIGUSR2);
    usleep(30000);
    send_str(q1, "after restart", 2);
    /* 5 */
    wait_msg(q2);
    usleep(20000);
    send_str(q1, "polled", 0);
    wait_msg(q2);
    say("parent: child exited %d\n", guest_reap(pid));

    say("unlink: %s\n", err(mq_unlink(name1)));
    say("unlink again: %s\n", err(mq_unlink(name1)));
    say("open unlinked: %s\n", err(mq_open(name1, O_RDWR)));
    send_str(q1, "still here", 4);
    recv_show("after unlink", q1);
    mq_close(q1);
    say("unlink second: %s\n", err(mq_unlink(name2)));
    mq_close(q2);
    mq_unlink(name3);
    mq_close(q3);
    return 0;
}
