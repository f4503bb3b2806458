/*
 * peercred - whom an AF_UNIX socket names as its peer (SO_PEERCRED) and as the sender of a
 * message (SCM_CREDENTIALS), between a parent and a forked child: a socketpair (both ends
 * report the creator), a stream listener on a path and a seqpacket listener on an abstract name
 * (the client reports the listener, the accepted socket the client), and the pid received with
 * a message from each side. Prints which process each answer names, not the pids, so the
 * output is the same natively and under faultline, where every guest is one host process. The
 * child's lines come through a pipe after the parent's, in an order that does not depend on
 * how the two were scheduled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t parent, child;
static FILE *out; /* stdout, or the child's buffer */

static const char *who(pid_t pid)
{
    return pid == parent ? "parent" : pid == child ? "child" : pid == 0 ? "none" : "a stranger";
}

static void peer(const char *what, int fd)
{
    struct ucred u;
    socklen_t len = sizeof(u);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &len)) {
        fprintf(out, "%s: SO_PEERCRED: %s\n", what, strerror(errno));
        return;
    }
    fprintf(out, "%s: peer is the %s, uid %s, gid %s, len %u\n", what, who(u.pid),
            u.uid == geteuid() ? "ours" : "other", u.gid == getegid() ? "ours" : "other",
            (unsigned)len);
    /* a short buffer gets what fits, and the length says so */
    pid_t only_pid;
    len = sizeof(only_pid);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &only_pid, &len) == 0)
        fprintf(out, "%s: 4-byte SO_PEERCRED: the %s, len %u\n", what, who(only_pid),
                (unsigned)len);
}

/* Receive one message with SO_PASSCRED on: whom its credentials name. */
static void recv_creds(const char *what, int fd)
{
    int on = 1;
    char data[16], ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
    if (recvmsg(fd, &m, 0) < 0) {
        fprintf(out, "%s: recvmsg: %s\n", what, strerror(errno));
        return;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_CREDENTIALS) {
        fprintf(out, "%s: no credentials\n", what);
        return;
    }
    struct ucred u;
    memcpy(&u, CMSG_DATA(c), sizeof(u));
    fprintf(out, "%s: message from the %s\n", what, who(u.pid));
}

/* The child's side of each case: connect (or use its end), report, send one message, wait for
 * one byte back. */
static void run_child(int pair, const struct sockaddr_un *path, socklen_t plen,
                      const struct sockaddr_un *abs, socklen_t alen, int ready, int report)
{
    char c, *buf;
    size_t len;
    child = getpid();
    out = open_memstream(&buf, &len);
    peer("child, socketpair end", pair);
    write(pair, "hi", 2);
    read(ready, &c, 1); /* the listeners are up */
    static const char *const what[3] = {"child, path stream client",
                                        "child, abstract seqpacket client",
                                        "child, abstract seqpacket client, ids dropped if root"};
    for (int i = 0; i < 3; i++) {
        /* the third time as uid and gid 65534 when root: the accepted end reports those ids */
        if (i == 2 && geteuid() == 0 &&
            (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
            fprintf(out, "drop ids: %s\n", strerror(errno));
        int s = socket(AF_UNIX, i ? SOCK_SEQPACKET : SOCK_STREAM, 0), on = 1;
        /* before anything can arrive: a message carries credentials only if the receiver
         * asked for them when it was sent */
        setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
        if (connect(s, (const struct sockaddr *)(i ? abs : path), i ? alen : plen)) {
            fprintf(out, "child connect: %s\n", strerror(errno));
            break;
        }
        peer(what[i], s);
        send(s, "hi", 2, 0);
        recv_creds(what[i], s);
        close(s);
    }
    fclose(out);
    write(report, buf, len);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    out = stdout;
    parent = getpid();
    int sv[2], ready[2], report[2];
    int on = 1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) || pipe(ready) || pipe(report) ||
        setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)))
        return 1;
    peer("parent, socketpair end before fork", sv[0]);

    char dir[] = "/tmp/peercred.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct sockaddr_un path = {.sun_family = AF_UNIX}, abs = {.sun_family = AF_UNIX};
    snprintf(path.sun_path, sizeof(path.sun_path), "%s/sock", dir);
    socklen_t plen = sizeof(path);
    /* named after the temporary directory, not the pid: every run under faultline is pid 1000,
     * and the glibc and musl builds run at once under ctest -j */
    snprintf(abs.sun_path + 1, sizeof(abs.sun_path) - 1, "peercred-%s", dir + 5);
    socklen_t alen =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abs.sun_path + 1));

    child = fork();
    if (child == 0)
        run_child(sv[1], &path, plen, &abs, alen, ready[0], report[1]);
    close(report[1]);
    recv_creds("parent, socketpair end", sv[0]);
    peer("parent, socketpair end after fork", sv[0]);

    int l[2];
    for (int i = 0; i < 2; i++) {
        l[i] = socket(AF_UNIX, i ? SOCK_SEQPACKET : SOCK_STREAM, 0);
        /* the accepted sockets inherit it (unix_sock_inherit_flags) */
        setsockopt(l[i], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
        if (bind(l[i], (struct sockaddr *)(i ? &abs : &path), i ? alen : plen) || listen(l[i], 4)) {
            printf("listen: %s\n", strerror(errno));
            return 1;
        }
    }
    peer("parent, path listener", l[0]);
    write(ready[1], "g", 1);
    static const char *const what[3] = {
        "parent, accepted path stream", "parent, accepted abstract seqpacket",
        "parent, accepted from the child with its ids dropped if root"};
    for (int i = 0; i < 3; i++) {
        int s = accept(l[i ? 1 : 0], NULL, NULL);
        peer(what[i], s);
        recv_creds(what[i], s);
        send(s, "ok", 2, 0);
        close(s);
    }
    char buf[4096];
    ssize_t n;
    while ((n = read(report[0], buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    int status;
    waitpid(child, &status, 0);
    unlink(path.sun_path);
    rmdir(dir);
    printf("child exit %d, root %s\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           geteuid() == 0 ? "yes" : "no");
    return 0;
}
