/*
 * sock_timeo - receive and send timeouts (SO_RCVTIMEO, SO_SNDTIMEO) on blocking sockets, as
 * Linux's sock_rcvtimeo/sock_sndtimeo bound the waits of sk_wait_data, sock_alloc_send_pskb,
 * inet_csk_accept and unix_stream_connect:
 *   recv, read, recvmsg, recvmmsg on an idle AF_UNIX socketpair with a 100 ms SO_RCVTIMEO: -1
 *   EAGAIN after the timeout; recv on an idle TCP loopback connection: the same
 *   send on a full AF_UNIX stream socket with a 100 ms SO_SNDTIMEO: EAGAIN; a write larger than
 *   the socket buffer: the part that fitted (a partial count)
 *   accept on an AF_UNIX and a TCP listener nobody connects to: EAGAIN
 *   connect to an AF_UNIX listener whose backlog is full: EAGAIN
 *   data that a child sends 20 ms into a 2 s timeout: received at once
 *   a handler with SA_RESTART interrupting a timed recv: EINTR (sock_intr_errno: a wait with a
 *   timeout is never restarted)
 * Elapsed times are checked here, not printed: stdout must match the native run's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "guest.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeo(int s, int opt, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    if (setsockopt(s, SOL_SOCKET, opt, &tv, sizeof(tv)))
        guest_die("setsockopt");
}

/* A call that should time out after about `ms`: print its errno's name, or a complaint about
 * the time it took. */
static void timed_out(const char *what, long r, int err, int64_t start, int ms)
{
    int64_t took = now_ms() - start;
    if (r >= 0)
        printf("%s: returned %ld\n", what, r);
    else if (took < ms - 10 || took >= 2000)
        printf("%s: %s after a wrong time\n", what, guest_errno_name(err));
    else
        printf("%s: %s ok\n", what, guest_errno_name(err));
}

static void unix_recv(void)
{
    int sv[2];
    char buf[16];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    set_timeo(sv[0], SO_RCVTIMEO, 100);
    int64_t t = now_ms();
    long r = recv(sv[0], buf, sizeof(buf), 0);
    timed_out("unix recv", r, errno, t, 100);
    t = now_ms();
    r = read(sv[0], buf, sizeof(buf));
    timed_out("unix read", r, errno, t, 100);
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    t = now_ms();
    r = recvmsg(sv[0], &mh, 0);
    timed_out("unix recvmsg", r, errno, t, 100);
    struct mmsghdr mm = {.msg_hdr = mh};
    t = now_ms();
    r = recvmmsg(sv[0], &mm, 1, 0, NULL);
    timed_out("unix recvmmsg", r, errno, t, 100);
    close(sv[0]);
    close(sv[1]);
}

/* A listening TCP socket on 127.0.0.1 at a port the kernel picks. */
static int tcp_listener(struct sockaddr_in *sin)
{
    socklen_t len = sizeof(*sin);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)sin, sizeof(*sin)) || listen(l, 4) ||
        getsockname(l, (struct sockaddr *)sin, &len))
        guest_die("tcp listener");
    return l;
}

static void tcp(void)
{
    struct sockaddr_in sin;
    char buf[16];
    int l = tcp_listener(&sin);

    set_timeo(l, SO_RCVTIMEO, 100);
    int64_t t = now_ms();
    long r = accept(l, NULL, NULL);
    timed_out("tcp accept", r, errno, t, 100);

    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof(sin)))
        guest_die("tcp connect");
    int s = accept(l, NULL, NULL);
    if (s < 0)
        guest_die("tcp accept");
    set_timeo(c, SO_RCVTIMEO, 100);
    t = now_ms();
    r = recv(c, buf, sizeof(buf), 0);
    timed_out("tcp recv", r, errno, t, 100);
    close(s);
    close(c);
    close(l);
}

static void unix_send(void)
{
    int sv[2];
    static char big[1 << 20];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    set_timeo(sv[0], SO_SNDTIMEO, 100);
    int64_t t = now_ms();
    long r = write(sv[0], big, sizeof(big));
    int err = errno;
    int64_t took = now_ms() - t;
    if (r > 0 && r < (long)sizeof(big)) /* unix_stream_sendmsg: sent ?: err */
        printf("unix write larger than the buffer: a partial count%s\n",
               took >= 90 && took < 2000 ? "" : " after a wrong time");
    else
        timed_out("unix write larger than the buffer", r, err, t, 100);
    /* now full: nothing more fits */
    while (send(sv[0], big, 4096, MSG_DONTWAIT) > 0)
        ;
    t = now_ms();
    r = send(sv[0], big, 4096, 0);
    timed_out("unix send on a full socket", r, errno, t, 100);
    struct iovec iov = {big, 4096};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    t = now_ms();
    r = sendmsg(sv[0], &mh, 0);
    timed_out("unix sendmsg on a full socket", r, errno, t, 100);
    close(sv[0]);
    close(sv[1]);
}

static void unix_listen(const char *dir)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock_timeo.sock", dir);
    unlink(sun.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&sun, sizeof(sun)) || listen(l, 0))
        guest_die("unix listener");
    set_timeo(l, SO_RCVTIMEO, 100);
    int64_t t = now_ms();
    long r = accept(l, NULL, NULL);
    timed_out("unix accept", r, errno, t, 100);

    /* a backlog of 0 takes one connection; the next one waits for room (unix_wait_for_peer) */
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c1 < 0 || c2 < 0 || connect(c1, (struct sockaddr *)&sun, sizeof(sun)))
        guest_die("unix connect");
    set_timeo(c2, SO_SNDTIMEO, 100);
    t = now_ms();
    r = connect(c2, (struct sockaddr *)&sun, sizeof(sun));
    timed_out("unix connect to a full backlog", r, errno, t, 100);
    close(c1);
    close(c2);
    close(l);
    unlink(sun.sun_path);
}

/* A timeout that data beats: a child sends 20 ms into a 2 s SO_RCVTIMEO. */
static void data_first(void)
{
    int sv[2];
    char buf[16];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    set_timeo(sv[0], SO_RCVTIMEO, 2000);
    pid_t c = fork();
    if (c == 0) {
        usleep(20000);
        if (write(sv[1], "data", 4) != 4)
            _exit(1);
        _exit(0);
    }
    int64_t t = now_ms();
    long r = recv(sv[0], buf, sizeof(buf), 0);
    int64_t took = now_ms() - t;
    if (r > 0)
        printf("data before the timeout: '%.*s'%s\n", (int)r, buf,
               took < 1000 ? "" : " (too late)");
    else
        printf("data before the timeout: %ld %s\n", r, guest_errno_name(errno));
    printf("child: %d\n", guest_reap(c));
    /* and a timeout after the data: the next recv times out again */
    set_timeo(sv[0], SO_RCVTIMEO, 50);
    t = now_ms();
    r = recv(sv[0], buf, sizeof(buf), 0);
    timed_out("recv after the data", r, errno, t, 50);
    close(sv[0]);
    close(sv[1]);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A handler interrupts a recv with a 1 s timeout after 30 ms: EINTR, SA_RESTART or not. */
static void interrupted(void)
{
    int sv[2];
    char buf[16];
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || sigaction(SIGALRM, &sa, NULL))
        guest_die("setup");
    set_timeo(sv[0], SO_RCVTIMEO, 1000);
    struct itimerval it = {.it_value = {.tv_usec = 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    int64_t t = now_ms();
    long r = recv(sv[0], buf, sizeof(buf), 0);
    int err = errno;
    int64_t took = now_ms() - t;
    printf("interrupted recv: %ld %s, handler ran %d%s\n", r, r < 0 ? guest_errno_name(err) : "",
           (int)alarms, took < 900 ? "" : " (too late)");
    close(sv[0]);
    close(sv[1]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    unix_recv();
    tcp();
    unix_send();
    unix_listen(argc > 1 ? argv[1] : "/tmp");
    data_first();
    interrupted();
    return 0;
}
