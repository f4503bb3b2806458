/*
 * socket_pair: socketpair(2) between processes, compared with a native run. One line per step:
 *   park      a parent's recv on an empty pair waits for its child's send (the parent parks,
 *             the child runs), then reads EOF once the child has exited
 *   big       1 MiB through the pair in send() calls of 64 KiB while the child reads it all
 *   fionbio   ioctl(FIONBIO) makes recv on an empty pair EAGAIN, and blocking again after 0
 *   epipe     send to a pair whose other end is closed: EPIPE with MSG_NOSIGNAL; without it,
 *             SIGPIPE (caught) and EPIPE
 *   dgram     SOCK_DGRAM keeps message boundaries; recvfrom's address length of a pair
 *   shutdown  shutdown(SHUT_WR) gives the peer EOF while the other direction still works
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "guest.h"

static void pair(int type, int sv[2])
{
    if (socketpair(AF_UNIX, type, 0, sv))
        guest_die("socketpair");
}

static void test_park(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        usleep(100000); /* the parent is already waiting */
        send(sv[1], "hello", 5, 0);
        _exit(0);
    }
    close(sv[1]);
    char buf[16];
    ssize_t n = recv(sv[0], buf, sizeof(buf), 0);
    ssize_t eof = recv(sv[0], buf, sizeof(buf), 0);
    printf("park: recv %zd '%.*s', then %zd, child %d\n", n, (int)(n > 0 ? n : 0), buf, eof,
           guest_reap(pid));
    close(sv[0]);
}

static void test_big(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        static char buf[65536];
        size_t total = 0;
        unsigned sum = 0;
        ssize_t n;
        while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0) {
            for (ssize_t i = 0; i < n; i++)
                sum += (unsigned char)buf[i];
            total += (size_t)n;
        }
        printf("big: child read %zu bytes, sum %u\n", total, sum);
        _exit(0);
    }
    close(sv[1]);
    static char chunk[65536];
    for (size_t i = 0; i < sizeof(chunk); i++)
        chunk[i] = (char)(i * 7);
    size_t sent = 0;
    for (int k = 0; k < 16; k++) {
        size_t off = 0;
        while (off < sizeof(chunk)) {
            ssize_t n = send(sv[0], chunk + off, sizeof(chunk) - off, 0);
            if (n < 0)
                guest_die("send");
            off += (size_t)n;
        }
        sent += off;
    }
    close(sv[0]);
    int st = guest_reap(pid);
    printf("big: parent sent %zu bytes, child %d\n", sent, st);
}

static void test_fionbio(void)
{
    int sv[2], on = 1;
    pair(SOCK_STREAM, sv);
    ioctl(sv[0], FIONBIO, &on);
    char c;
    errno = 0;
    ssize_t r = recv(sv[0], &c, 1, 0);
    printf("fionbio: recv on empty -> %zd %s\n", r, errno == EAGAIN ? "EAGAIN" : "other");
    on = 0;
    ioctl(sv[0], FIONBIO, &on);
    send(sv[1], "z", 1, 0);
    r = recv(sv[0], &c, 1, 0);
    printf("fionbio: blocking again, recv -> %zd '%c'\n", r, r == 1 ? c : '?');
    close(sv[0]);
    close(sv[1]);
}

static volatile sig_atomic_t got_pipe;
static void on_pipe(int sig)
{
    (void)sig;
    got_pipe++;
}

static void test_epipe(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    close(sv[1]);
    signal(SIGPIPE, on_pipe);
    errno = 0;
    ssize_t r = send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("epipe: MSG_NOSIGNAL -> %zd %s, SIGPIPE %d\n", r, errno == EPIPE ? "EPIPE" : "other",
           (int)got_pipe);
    errno = 0;
    r = send(sv[0], "x", 1, 0);
    printf("epipe: plain -> %zd %s, SIGPIPE %d\n", r, errno == EPIPE ? "EPIPE" : "other",
           (int)got_pipe);
    close(sv[0]);
    signal(SIGPIPE, SIG_DFL);
}

static void test_dgram(void)
{
    int sv[2];
    pair(SOCK_DGRAM, sv);
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    char buf[16];
    struct sockaddr_storage from;
    socklen_t flen = sizeof(from);
    ssize_t a = recvfrom(sv[1], buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
    ssize_t b = recv(sv[1], buf, sizeof(buf), 0);
    printf("dgram: %zd then %zd bytes, address length %d\n", a, b, (int)flen);
    close(sv[0]);
    close(sv[1]);
}

static void test_shutdown(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    shutdown(sv[0], SHUT_WR);
    char c;
    ssize_t eof = recv(sv[1], &c, 1, 0);
    send(sv[1], "k", 1, 0);
    ssize_t r = recv(sv[0], &c, 1, 0);
    printf("shutdown: peer reads %zd, other way %zd '%c'\n", eof, r, r == 1 ? c : '?');
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_park();
    test_big();
    test_fionbio();
    test_epipe();
    test_dgram();
    test_shutdown();
    return 0;
}
