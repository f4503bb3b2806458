/*
 * scm_creds - SCM_CREDENTIALS a process sends (scm_check_creds): its own pid, uid and gid go;
 * another process's pid needs CAP_SYS_ADMIN and a pid of no process is ESRCH; another uid
 * needs CAP_SETUID, another gid CAP_SETGID (EPERM once they are dropped); a uid or gid of -1,
 * or a message of the wrong length, is EINVAL. The receiver (SO_PASSCRED) gets the uid and gid
 * sent (the pid is not compared: under faultline a received pid is faultline's, docs/status.md).
 *
 * Until 2026-12-07 faultline passed the guest's pid to the host, which looked it up among the
 * host's processes: sending one's own credentials was ESRCH (GDBus: "Error sending
 * credentials: Error sending message: No such process"), and the ids were checked against
 * faultline's, not the task's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static int sv[2];

/* Send one byte with SCM_CREDENTIALS {pid, uid, gid} (payload length `clen`), then read it
 * back on the other end and print what arrived. */
static void try_send(const char *what, pid_t pid, uid_t uid, gid_t gid, size_t clen)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred)) + 16];
        struct cmsghdr align;
    } cb;
    memset(&cb, 0, sizeof(cb));
    struct ucred u = {pid, uid, gid};
    char byte = 'c';
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cb.buf,
                       .msg_controllen = CMSG_SPACE(clen)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(clen);
    memcpy(CMSG_DATA(c), &u, clen < sizeof(u) ? clen : sizeof(u));
    if (sendmsg(sv[0], &m, 0) < 0) {
        printf("%-34s %s\n", what, strerror(errno));
        return;
    }
    struct msghdr r = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.buf, .msg_controllen = sizeof(cb.buf)};
    if (recvmsg(sv[1], &r, 0) < 0) {
        printf("%-34s sent, not received: %s\n", what, strerror(errno));
        return;
    }
    c = CMSG_FIRSTHDR(&r);
    if (!c || c->cmsg_type != SCM_CREDENTIALS) {
        printf("%-34s sent, no credentials received\n", what);
        return;
    }
    memcpy(&u, CMSG_DATA(c), sizeof(u));
    printf("%-34s sent, received uid %u gid %u\n", what, (unsigned)u.uid, (unsigned)u.gid);
}

/* capset: drop these capabilities from the effective set */
static int drop_eff(uint32_t mask)
{
    uint32_t d[6];
    if (guest_capget(d))
        return -1;
    d[0] &= ~mask;
    return guest_capset(d);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
        perror("socketpair");
        return 1;
    }
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    pid_t me = getpid();
    uid_t uid = getuid();
    gid_t gid = getgid();
    int root = uid == 0;
    printf("root: %d\n", root);

    try_send("own", me, uid, gid, sizeof(struct ucred));
    try_send("short", me, uid, gid, sizeof(struct ucred) - 4);
    try_send("uid -1", me, (uid_t)-1, gid, sizeof(struct ucred));
    try_send("gid -1", me, uid, (gid_t)-1, sizeof(struct ucred));
    try_send("no such pid", 0x3ffffff0, uid, gid, sizeof(struct ucred));
    try_send("pid 0", 0, uid, gid, sizeof(struct ucred));

    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    try_send("a child's pid", c, uid, gid, sizeof(struct ucred));
    try_send("another uid", me, 4321, gid, sizeof(struct ucred));
    try_send("another gid", me, uid, 4321, sizeof(struct ucred));
    /* without CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID: only the task's own */
    if (drop_eff(1u << 21 | 1u << 7 | 1u << 6))
        printf("capset: %s\n", strerror(errno));
    try_send("own, unprivileged", me, uid, gid, sizeof(struct ucred));
    try_send("a child's pid, unprivileged", c, uid, gid, sizeof(struct ucred));
    try_send("another uid, unprivileged", me, 4321, gid, sizeof(struct ucred));
    try_send("another gid, unprivileged", me, uid, 4321, sizeof(struct ucred));
    kill(c, 9);
    waitpid(c, NULL, 0);
    return 0;
}
