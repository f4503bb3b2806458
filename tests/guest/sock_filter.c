/*
 * sock_filter - a classic BPF socket filter (SO_ATTACH_FILTER), as libudev's monitor attaches
 * one to its netlink socket: on an AF_UNIX datagram pair, a four-instruction program drops the
 * messages whose first byte is 'x'; SO_GET_FILTER gives the count and then the program back;
 * the refusals (a length other than sizeof(struct sock_fprog), no program, an unreadable one),
 * SO_LOCK_FILTER making a second attach and a detach EPERM.
 *
 * Until 2026-12-07 faultline passed the guest's struct sock_fprog to the host as it was, with
 * a pointer into guest memory: every attach was EFAULT (Chromium: "Failed to enable receiving
 * udev events").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest_bpf.h"

#define BPF_LD              0x00
#define BPF_B               0x10
#define BPF_ABS             0x20
#define BPF_JMP             0x05
#define BPF_JEQ             0x10
#define BPF_K               0x00
#define BPF_RET             0x06
#define FL_SO_ATTACH_FILTER 26 /* SO_GET_FILTER for getsockopt */
#define FL_SO_DETACH_FILTER 27
#define FL_SO_LOCK_FILTER   44

static void show(const char *what, int r)
{
    printf("%-36s %s\n", what, r < 0 ? strerror(errno) : "ok");
}

int main(void)
{
    struct sock_filter drop_x[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'x', 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    };
    struct sock_fprog prog = {4, drop_x};
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
        perror("socketpair");
        return 1;
    }
    show("attach", setsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, &prog, sizeof(prog)));
    const char *msgs[] = {"xdrop", "keep1", "xno", "keep2"};
    for (int i = 0; i < 4; i++)
        if (send(sv[1], msgs[i], strlen(msgs[i]), 0) < 0)
            perror("send");
    char buf[32];
    ssize_t n;
    while ((n = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        printf("received %.*s\n", (int)n, buf);
    show("then nothing more", (int)n);

    socklen_t len = 0;
    show("SO_GET_FILTER count", getsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, NULL, &len));
    printf("count %u\n", (unsigned)len);
    struct sock_filter back[8];
    len = 2;
    show("SO_GET_FILTER too short", getsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, back, &len));
    len = 8;
    memset(back, 0, sizeof(back));
    show("SO_GET_FILTER", getsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, back, &len));
    printf("got %u, same program %d\n", (unsigned)len, memcmp(back, drop_x, sizeof(drop_x)) == 0);

    struct sock_fprog none = {4, NULL}, empty = {0, drop_x}, bad = {4, (struct sock_filter *)8};
    show("length 8", setsockopt(sv[1], SOL_SOCKET, FL_SO_ATTACH_FILTER, &prog, 8));
    show("no program", setsockopt(sv[1], SOL_SOCKET, FL_SO_ATTACH_FILTER, &none, sizeof(none)));
    show("no instructions",
         setsockopt(sv[1], SOL_SOCKET, FL_SO_ATTACH_FILTER, &empty, sizeof(empty)));
    show("unreadable program",
         setsockopt(sv[1], SOL_SOCKET, FL_SO_ATTACH_FILTER, &bad, sizeof(bad)));
    show("unreadable sock_fprog",
         setsockopt(sv[1], SOL_SOCKET, FL_SO_ATTACH_FILTER, (void *)8, sizeof(prog)));

    int one = 1;
    show("detach", setsockopt(sv[0], SOL_SOCKET, FL_SO_DETACH_FILTER, &one, sizeof(one)));
    show("attach again", setsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, &prog, sizeof(prog)));
    show("lock", setsockopt(sv[0], SOL_SOCKET, FL_SO_LOCK_FILTER, &one, sizeof(one)));
    show("attach when locked",
         setsockopt(sv[0], SOL_SOCKET, FL_SO_ATTACH_FILTER, &prog, sizeof(prog)));
    show("detach when locked",
         setsockopt(sv[0], SOL_SOCKET, FL_SO_DETACH_FILTER, &one, sizeof(one)));
    send(sv[1], "xstill dropped", 14, 0);
    send(sv[1], "keep3", 5, 0);
    while ((n = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        printf("received %.*s\n", (int)n, buf);
    return 0;
}
