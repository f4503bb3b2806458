/*
 * sockets: a server and its client, both guest processes, compared with a native run:
 *   unix      AF_UNIX stream: bind, listen, a child connects and sends a line; the parent's
 *             blocking accept parks until then, echoes the line upper-cased, the child prints it
 *   tcp       the same over 127.0.0.1 on a port the kernel picks (getsockname), with
 *             SO_REUSEADDR set and read back, and the peer address family from accept
 *   nonblock  accept on a SOCK_NONBLOCK listener with nobody connecting: EAGAIN
 * With a host process at the other end (tests/e2e/external_socket.py):
 *   client PORT   connect to 127.0.0.1:PORT, send a line, print the answer
 *   server        listen on 127.0.0.1, print the port, answer one connection as above
 * usage: sockets SCRATCH_DIR | sockets client PORT | sockets server
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "guest.h"

/* The client: connect, send a line, print the answer. */
static void client(const struct sockaddr *sa, socklen_t len, int family, const char *tag)
{
    int s = socket(family, SOCK_STREAM, 0);
    if (s < 0 || connect(s, sa, len))
        _exit(10);
    const char msg[] = "hello server\n";
    if (send(s, msg, sizeof(msg) - 1, 0) != (ssize_t)sizeof(msg) - 1)
        _exit(11);
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(msg) - 1 && (n = recv(s, buf + got, sizeof(buf) - got, 0)) > 0)
        got += (size_t)n;
    printf("%s: client got '%.*s'\n", tag, (int)(got ? got - 1 : 0), buf);
    close(s);
    _exit(0);
}

/* The server side of one connection: read a line, send it back upper-cased. What it saw is
 * printed by the caller once the client has printed its line (a deterministic order). */
static void serve_one(int ls, char *what, size_t whatlen)
{
    struct sockaddr_storage peer;
    socklen_t plen = sizeof(peer);
    int c = accept(ls, (struct sockaddr *)&peer, &plen);
    if (c < 0)
        guest_die("accept");
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while ((got == 0 || buf[got - 1] != '\n') && (n = recv(c, buf + got, sizeof(buf) - got, 0)) > 0)
        got += (size_t)n;
    for (size_t i = 0; i < got; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
    if (send(c, buf, got, 0) != (ssize_t)got)
        guest_die("send");
    snprintf(what, whatlen, "server read %zu bytes from a peer of family %s", got,
             peer.ss_family == AF_UNIX   ? "AF_UNIX"
             : peer.ss_family == AF_INET ? "AF_INET"
                                         : "?");
    close(c);
}

static void test_unix(const char *dir)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
    unlink(sa.sun_path);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4))
        guest_die("unix listen");
    pid_t pid = fork();
    if (pid == 0) {
        close(ls);
        usleep(100000); /* the parent is already waiting in accept */
        client((struct sockaddr *)&sa, sizeof(sa), AF_UNIX, "unix");
    }
    char what[128];
    serve_one(ls, what, sizeof(what));
    int st = guest_reap(pid);
    printf("unix: %s\nunix: client %d\n", what, st);
    close(ls);
    unlink(sa.sun_path);
}

static void test_tcp(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, back = 0;
    socklen_t blen = sizeof(back), len = sizeof(sa);
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        getsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &back, &blen))
        guest_die("tcp sockopt");
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 4) ||
        getsockname(ls, (struct sockaddr *)&sa, &len))
        guest_die("tcp listen");
    printf("tcp: SO_REUSEADDR reads %d, port %s\n", back != 0, sa.sin_port ? "picked" : "0");
    pid_t pid = fork();
    if (pid == 0) {
        close(ls);
        usleep(100000);
        client((struct sockaddr *)&sa, sizeof(sa), AF_INET, "tcp");
    }
    char what[128];
    serve_one(ls, what, sizeof(what));
    int st = guest_reap(pid);
    printf("tcp: %s\ntcp: client %d\n", what, st);
    close(ls);
}

static void test_nonblock(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
        guest_die("nonblock listen");
    errno = 0;
    int r = accept(ls, NULL, NULL);
    printf("nonblock: accept -> %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "other");
    close(ls);
}

/* The peer is a host process: the guest's blocking calls must wait for it on the host. */
static int external(int argc, char **argv)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!strcmp(argv[1], "client") && argc > 2) {
        sa.sin_port = htons((unsigned short)atoi(argv[2]));
        client((struct sockaddr *)&sa, sizeof(sa), AF_INET, "external");
    }
    socklen_t len = sizeof(sa);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&sa, &len))
        guest_die("server listen");
    printf("port %d\n", ntohs(sa.sin_port));
    char what[128];
    serve_one(ls, what, sizeof(what));
    printf("external: %s\n", what);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && (!strcmp(argv[1], "client") || !strcmp(argv[1], "server")))
        return external(argc, argv);
    if (argc < 2) {
        fprintf(stderr, "usage: sockets SCRATCH_DIR\n");
        return 2;
    }
    test_unix(argv[1]);
    test_tcp();
    test_nonblock();
    return 0;
}
