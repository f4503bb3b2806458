/*
 * sys_net.c - sockets (net/socket.c): socket, socketpair, bind, listen, accept, connect,
 * sendto, recvfrom, shutdown, get/setsockopt, getsockname and getpeername, on host sockets.
 *
 * A guest socket is a host socket wrapped in an ofd like any other fd (fdtable.h), so read,
 * write, poll, fcntl and close work on it through the generic paths. What the host cannot see is
 * translated here: the guest's fd numbers and flags, and the path of an AF_UNIX address, which
 * is a guest path (path.h: under -L/--sysroot it is looked up in the sysroot first). glibc opens
 * one at start-up in programs that look up users or hosts (ls -l, sqlite3): it asks nscd through
 * AF_UNIX /var/run/nscd/socket and falls back to the files when that connect fails.
 *
 * Every guest socket is non-blocking on the host, so a call that would block parks its process
 * like a guest pipe's (emu/sched.h), and a server and its client can both be guests. A socket
 * whose peer may be outside the guest is `external`: with every guest process parked, the
 * scheduler waits for those on the host rather than calling it a deadlock. A receive or send
 * timeout (SO_RCVTIMEO, SO_SNDTIMEO: kept by the host socket, which never waits itself) bounds
 * such a park as sk_wait_data bounds Linux's wait (sock_timeo_wait).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu/fasync.h"
#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/sched.h"
#include "emu/sock.h"
#include "emu/sock_cred.h"
#include "emu/syscall.h"
#include "emu/uio.h"

_Static_assert(sizeof(struct sockaddr_un) == 110, "struct sockaddr_un is the kernel's");

/* A host socket for the guest: non-blocking on the host whatever the guest asked, so a call
 * that would block parks its process (like a guest pipe) instead of blocking faultline; the
 * guest's SOCK_NONBLOCK becomes the ofd's O_NONBLOCK, as sock_alloc_file records it. */
static long install_socket(struct proc *p, int h, int guest_type, bool external)
{
    return fd_install_nonblocking(p->files, h, guest_type & SOCK_NONBLOCK,
                                  guest_type & SOCK_CLOEXEC, external);
}

/* socket(domain, type, protocol): the host's socket; the host checks domain, type and
 * protocol. */
long sys_socket(struct proc *p, const uint64_t a[6])
{
    int type = (int)a[1], h;

    if (type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | 0xf))
        return -EINVAL;
    h = socket((int)a[0], (type & 0xf) | SOCK_CLOEXEC | SOCK_NONBLOCK, (int)a[2]);
    if (h < 0)
        return -errno;
    long fd = install_socket(p, h, type, true);
    if (fd >= 0 && a[0] == AF_UNIX)
        sock_cred_new(fd_get(p->files, (int)fd));
    return fd;
}

long move_addr_to_kernel(struct proc *p, uint64_t uaddr, int *len, union fl_sockaddr *addr)
{
    int hdir;
    if (*len < 0 || *len > FL_SOCKADDR_MAX)
        return -EINVAL;
    memset(addr, 0, sizeof(*addr));
    if (*len && get_user_struct(p, addr, uaddr, *len))
        return -EFAULT;
    if (*len > (int)offsetof(struct sockaddr_un, sun_path) && addr->sa.sa_family == AF_UNIX &&
        addr->un.sun_path[0]) {
        char guest[sizeof(addr->un.sun_path) + 1], host[PATH_MAX];
        size_t n = *len - offsetof(struct sockaddr_un, sun_path);

        memcpy(guest, addr->un.sun_path, n < sizeof(guest) ? n : sizeof(guest) - 1);
        guest[n < sizeof(guest) ? n : sizeof(guest) - 1] = 0;
        if (resolve_at(p, AT_FDCWD, guest, host, sizeof(host), &hdir))
            return -ENAMETOOLONG;
        if (strlen(host) >= sizeof(addr->un.sun_path))
            return -ENAMETOOLONG;
        memset(addr->un.sun_path, 0, sizeof(addr->un.sun_path));
        memcpy(addr->un.sun_path, host, strlen(host));
        *len = (int)(offsetof(struct sockaddr_un, sun_path) + strlen(host) + 1);
    }
    return 0;
}

bool sock_timeo_wait(struct proc *p, int fd, bool send)
{
    struct ofd *o = p->files ? fd_get(p->files, fd) : NULL;
    uint64_t now = monotonic_ns();

    if (!o || o->type != S_IFSOCK)
        return true;
    if (!p->sock_timeo_end) { /* the call's first park: its timeout starts now */
        struct timeval tv;
        socklen_t len = sizeof(tv);
        if (getsockopt(o->hostfd, SOL_SOCKET, send ? SO_SNDTIMEO : SO_RCVTIMEO, &tv, &len) < 0 ||
            (tv.tv_sec <= 0 && tv.tv_usec <= 0))
            return true; /* none set: MAX_SCHEDULE_TIMEOUT, an endless wait */
        p->sock_timeo_end = now + (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
    } else if (now >= p->sock_timeo_end) {
        sock_timeo_over(p); /* sk_wait_data came back with timeo 0 */
        return false;
    }
    p->wait_deadline = p->sock_timeo_end;
    return true;
}

void sock_timeo_over(struct proc *p)
{
    if (p->sock_timeo_end) {
        p->sock_timeo_end = 0;
        p->wait_deadline = 0;
    }
}

/* How long a blocking connect waits before it tries again when an AF_UNIX listener's backlog
 * is full (EAGAIN: nothing to poll for). */
#define CONNECT_RETRY_MS 10

/*
 * connect(fd, addr, addrlen) on the host socket, with the address translated. The host socket
 * is non-blocking, so for a guest in blocking mode: EINPROGRESS parks until the socket is
 * writable, and the retried call reports SO_ERROR (never a second connect, which would start
 * over); a full AF_UNIX backlog (EAGAIN) parks for CONNECT_RETRY_MS and tries again. Both
 * waits end with SO_SNDTIMEO as Linux's do: inet_stream_connect gives up with EINPROGRESS (the
 * connection goes on, and a later connect waits for it again), unix_stream_connect with EAGAIN.
 */
long sys_connect(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    int len = (int)a[2];
    long r;

    if (!o)
        return -EBADF;
    if (o->connecting) {
        struct pollfd pfd = {.fd = o->hostfd, .events = POLLOUT};
        if (poll(&pfd, 1, 0) == 0) {
            if (o->flags & O_NONBLOCK) /* made non-blocking meanwhile: SS_CONNECTING */
                return -EALREADY;
            if (!sock_timeo_wait(p, (int)a[0], true))
                return -EINPROGRESS;
            proc_park(p, WAIT_FD_WRITE, (int)a[0], true);
            return -FL_ERESTARTSYS;
        }
        int err = 0;
        socklen_t elen = sizeof(err);
        o->connecting = false;
        if (getsockopt(o->hostfd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            return -errno;
        return -err;
    }
    if (!p->sock_timeo_end)
        p->wait_deadline = 0; /* a retry starts afresh, but keeps SO_SNDTIMEO's end */
    if ((r = move_addr_to_kernel(p, a[1], &len, &addr)))
        return r;
    if (connect(o->hostfd, &addr.sa, len) == 0) {
        sock_cred_connected(p, o, &addr, (socklen_t)len);
        return 0;
    }
    r = -errno;
    if (!o->host_nonblock || (o->flags & O_NONBLOCK))
        return r;
    if (r == -EINPROGRESS) {
        o->connecting = true;
        if (!sock_timeo_wait(p, (int)a[0], true))
            return r;
        proc_park(p, WAIT_FD_WRITE, (int)a[0], true);
        return -FL_ERESTARTSYS;
    }
    if (r == -EAGAIN) {
        if (!sock_timeo_wait(p, (int)a[0], true))
            return r;
        uint64_t end = p->sock_timeo_end;
        park_retry_after(p, CONNECT_RETRY_MS);
        if (end && end < p->wait_deadline)
            p->wait_deadline = end;
        return -FL_ERESTARTSYS;
    }
    return r;
}

long move_addr_to_user(struct proc *p, const union fl_sockaddr *addr, socklen_t len, uint64_t uaddr,
                       uint64_t ulen)
{
    int32_t room;
    if (get_user_struct(p, &room, ulen, sizeof(room)))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    if (len > FL_SOCKADDR_MAX)
        len = FL_SOCKADDR_MAX;
    size_t n = (size_t)room < len ? (size_t)room : len;
    int32_t full = (int32_t)len;
    if ((n && put_user_struct(p, uaddr, addr, n)) || put_user_struct(p, ulen, &full, sizeof(full)))
        return -EFAULT;
    return 0;
}

/* getsockname/getpeername(fd, addr, addrlen): the host socket's address, copied out. A
 * descriptor that is not a socket (a pipe, a terminal: bash asks about its stdin) is ENOTSOCK
 * from the host, as from Linux. */
static long sock_name(struct proc *p, const uint64_t a[6], bool peer)
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    socklen_t len = FL_SOCKADDR_MAX;

    if (!o)
        return -EBADF;
    if ((peer ? getpeername(o->hostfd, &addr.sa, &len) : getsockname(o->hostfd, &addr.sa, &len)) <
        0)
        return -errno;
    return move_addr_to_user(p, &addr, len, a[1], a[2]);
}

long sys_getsockname(struct proc *p, const uint64_t a[6])
{
    return sock_name(p, a, false);
}

long sys_getpeername(struct proc *p, const uint64_t a[6])
{
    return sock_name(p, a, true);
}

/*
 * socketpair(domain, type, protocol, sv): a host socket pair. Like a guest pipe its ends are
 * non-blocking on the host, so a read, recv or send that would block parks the process until a
 * guest process on the other end acts (emu/sched.h); SOCK_NONBLOCK is the guest's own flag.
 */
long sys_socketpair(struct proc *p, const uint64_t a[6])
{
    int type = (int)a[1], h[2], fd[2];
    struct ofd *o[2];

    if (type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | 0xf))
        return -EINVAL;
    if (socketpair((int)a[0], (type & 0xf) | SOCK_CLOEXEC | SOCK_NONBLOCK, (int)a[2], h) < 0)
        return -errno;
    for (int i = 0; i < 2; i++) {
        o[i] = ofd_new(h[i], O_RDWR | ((type & SOCK_NONBLOCK) ? O_NONBLOCK : 0), NULL);
        o[i]->host_nonblock = true; /* both ends are the guest's: not external */
    }
    if (a[0] == AF_UNIX)
        sock_cred_pair(p, o[0], o[1]);
    fasync_pair(o[0], o[1]); /* each end's writes signal the other's owner (emu/fasync.h) */
    long r = fd_install_pair(p->files, o, type & SOCK_CLOEXEC, fd);
    if (!r && put_user_struct(p, a[3], fd, sizeof(fd))) {
        fd_close(p->files, fd[0]);
        fd_close(p->files, fd[1]);
        r = -EFAULT;
    }
    return r;
}

int host_msg_flags(const struct ofd *o, int flags)
{
    /* faultline ignores SIGPIPE; the guest's is raised from EPIPE (syscall.c) */
    return flags | MSG_NOSIGNAL | (o->host_nonblock ? MSG_DONTWAIT : 0);
}

/* sendto(fd, buf, len, flags, addr, addrlen): through a bounce buffer. */
long sys_sendto(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    int alen = (int)a[5];
    size_t len = a[2] > FL_SOCK_BOUNCE_MAX ? FL_SOCK_BOUNCE_MAX : a[2];
    long r;

    if (!o)
        return -EBADF;
    if (a[4] && (r = move_addr_to_kernel(p, a[4], &alen, &addr)))
        return r;
    char *buf = malloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    if (len && get_user_struct(p, buf, a[1], len)) {
        free(buf);
        return -EFAULT;
    }
    r = host_ret(sendto(o->hostfd, buf, len, host_msg_flags(o, (int)a[3]), a[4] ? &addr.sa : NULL,
                        a[4] ? (socklen_t)alen : 0));
    if (r >= 0)
        sock_cred_sending(p, o, NULL);
    free(buf);
    return r;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen): through a bounce buffer; the sender's address
 * copied out as getsockname's is. */
long sys_recvfrom(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    socklen_t alen = FL_SOCKADDR_MAX;
    size_t len = a[2] > FL_SOCK_BOUNCE_MAX ? FL_SOCK_BOUNCE_MAX : a[2];

    if (!o)
        return -EBADF;
    char *buf = malloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    long r = host_ret(recvfrom(o->hostfd, buf, len, host_msg_flags(o, (int)a[3]) & ~MSG_NOSIGNAL,
                               a[4] ? &addr.sa : NULL, a[4] ? &alen : NULL));
    if (r > 0 && put_user_struct(p, a[1], buf, (size_t)(r < (long)len ? r : (long)len)))
        r = -EFAULT;
    free(buf);
    if (r >= 0 && a[4] && a[5]) {
        long e = move_addr_to_user(p, &addr, alen, a[4], a[5]);
        if (e)
            return e;
    }
    return r;
}

/* shutdown(fd, how): the host socket's. */
long sys_shutdown(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    return o ? host_ret(shutdown(o->hostfd, (int)a[1])) : -EBADF;
}

/* bind(fd, addr, addrlen): an AF_UNIX path is a guest path, created on the host. */
long sys_bind(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    int len = (int)a[2];
    long r;

    if (!o)
        return -EBADF;
    if ((r = move_addr_to_kernel(p, a[1], &len, &addr)))
        return r;
    if (bind(o->hostfd, &addr.sa, len) < 0)
        return -errno;
    sock_cred_bound(o, &addr, (socklen_t)len);
    return 0;
}

long sys_listen(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    if (!o)
        return -EBADF;
    if (listen(o->hostfd, (int)a[1]) < 0)
        return -errno;
    sock_cred_listen(p, o);
    return 0;
}

/* accept4(fd, addr, addrlen, flags): the host's next connection as a new guest socket (SOCK_*
 * flags the guest's); with none pending a blocking accept parks on the listener (syscall.c). */
long sys_accept4(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union fl_sockaddr addr;
    socklen_t alen = FL_SOCKADDR_MAX;
    int flags = (int)a[3];

    if (!o)
        return -EBADF;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    int h = accept4(o->hostfd, &addr.sa, &alen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (h < 0)
        return -errno;
    long fd = install_socket(p, h, flags, true);
    if (fd >= 0)
        sock_cred_accepted(o, fd_get(p->files, (int)fd));
    if (fd >= 0 && a[1] && a[2]) {
        long e = move_addr_to_user(p, &addr, alen, a[1], a[2]);
        if (e) {
            fd_close(p->files, (int)fd);
            return e;
        }
    }
    return fd;
}

long sys_accept(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], a[1], a[2], 0};
    return sys_accept4(p, b);
}

/* Option values are plain bytes (ints, struct linger, struct timeval ...), copied through a
 * buffer of this size. A receive or send timeout is kept by the host, whose socket never
 * blocks: a parked call reads it there (sock_timeo_wait). */
#define FL_SOCKOPT_MAX 256

/* SOL_SOCKET options whose value is a struct sock_fprog: a classic BPF program by pointer */
#define FL_SO_ATTACH_FILTER         26 /* also SO_GET_FILTER, for getsockopt */
#define FL_SO_ATTACH_REUSEPORT_CBPF 51
#define FL_BPF_MAXINSNS             4096

/*
 * setsockopt(SO_ATTACH_FILTER or SO_ATTACH_REUSEPORT_CBPF, struct sock_fprog): the program the
 * guest's pointer names is copied and the host gets a sock_fprog pointing at the copy. A
 * program the kernel would refuse for its length or a NULL pointer goes to the host with no
 * instructions, which refuses it as it would (EINVAL, or EPERM on a locked filter). Until
 * 2026-12-07 the host was handed the guest's pointer: EFAULT, and libudev's monitor (Chromium's
 * device watcher: "Failed to enable receiving udev events") could not filter its socket.
 */
static long setsockopt_fprog(struct proc *p, struct ofd *o, int name, uint64_t uval, int len)
{
    struct {
        uint16_t len;
        uint16_t pad[3];
        uint64_t filter;
    } g;
    struct sock_fprog h = {0, NULL};
    if (len != (int)sizeof(g)) /* sock_setsockopt: EINVAL before it reads anything */
        return host_ret(setsockopt(o->hostfd, SOL_SOCKET, name, &h, (socklen_t)len));
    if (get_user_struct(p, &g, uval, sizeof(g)))
        return -EFAULT;
    h.len = g.len;
    void *insns = NULL;
    if (g.filter && g.len >= 1 && g.len <= FL_BPF_MAXINSNS) {
        insns = malloc((size_t)g.len * 8);
        if (!insns)
            return -ENOMEM;
        if (get_user_struct(p, insns, g.filter, (size_t)g.len * 8)) {
            free(insns);
            return -EFAULT;
        }
        h.filter = insns;
    }
    long r = host_ret(setsockopt(o->hostfd, SOL_SOCKET, name, &h, sizeof(h)));
    free(insns);
    return r;
}

long sys_setsockopt(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    unsigned char val[FL_SOCKOPT_MAX];
    int len = (int)a[4];

    if (!o)
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    if ((int)a[1] == SOL_SOCKET &&
        ((int)a[2] == FL_SO_ATTACH_FILTER || (int)a[2] == FL_SO_ATTACH_REUSEPORT_CBPF))
        return setsockopt_fprog(p, o, (int)a[2], a[3], len);
    if (len > FL_SOCKOPT_MAX)
        len = FL_SOCKOPT_MAX;
    if (len && get_user_struct(p, val, a[3], (size_t)len))
        return -EFAULT;
    return host_ret(setsockopt(o->hostfd, (int)a[1], (int)a[2], val, (socklen_t)len));
}

/*
 * The options whose getsockopt reads optval before it answers, in 4.20: PACKET_HDRLEN (the
 * TPACKET version), the netfilter GETs (ip/ip6/arp/ebtables: a table or match name),
 * IP_MSFILTER and MCAST_MSFILTER (the group), TCP_ZEROCOPY_RECEIVE (the area), every SCTP one.
 * The others only write it.
 */
static bool sockopt_reads_optval(int level, int name)
{
    switch (level) {
    case 263 /* SOL_PACKET */:
        return name == 11 /* PACKET_HDRLEN */;
    case 0 /* SOL_IP */:
        return (name >= 64 && name <= 67) /* IPT_SO_GET_* */ ||
               (name >= 96 && name <= 98) /* ARPT_SO_GET_* */ ||
               (name >= 128 && name <= 131) /* EBT_SO_GET_* */ || name == 41 /* IP_MSFILTER */ ||
               name == 48 /* MCAST_MSFILTER */;
    case 41 /* SOL_IPV6 */:
        return (name >= 64 && name <= 69) /* IP6T_SO_GET_* */ || name == 48 /* MCAST_MSFILTER */;
    case 6 /* SOL_TCP */:
        return name == 35 /* TCP_ZEROCOPY_RECEIVE */;
    case 132 /* SOL_SCTP */:
        return true;
    }
    return false;
}

/*
 * getsockopt(SO_GET_FILTER): the attached classic program, its length in instructions (the
 * option's length counts instructions, not bytes: sk_get_filter), the count alone for a length
 * of 0, EINVAL for a length below the count. Through a buffer of the most instructions a
 * program has, which the host may fill whole.
 */
static long getsockopt_filter(struct proc *p, struct ofd *o, uint64_t uval, uint64_t ulenp,
                              int32_t ulen)
{
    socklen_t len = ulen > FL_BPF_MAXINSNS ? FL_BPF_MAXINSNS : (socklen_t)ulen;
    void *buf = calloc(FL_BPF_MAXINSNS, 8);
    if (!buf)
        return -ENOMEM;
    long r = 0;
    if (getsockopt(o->hostfd, SOL_SOCKET, FL_SO_ATTACH_FILTER, buf, &len) < 0)
        r = -errno;
    int32_t out = (int32_t)len;
    if (!r && ((ulen && len && put_user_struct(p, uval, buf, (size_t)len * 8)) ||
               put_user_struct(p, ulenp, &out, sizeof(out))))
        r = -EFAULT;
    free(buf);
    return r;
}

long sys_getsockopt(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    unsigned char val[FL_SOCKOPT_MAX];
    int32_t ulen;

    if (!o)
        return -EBADF;
    if (get_user_struct(p, &ulen, a[4], sizeof(ulen)))
        return -EFAULT;
    if (ulen < 0)
        return -EINVAL;
    if ((int)a[1] == SOL_SOCKET && (int)a[2] == FL_SO_ATTACH_FILTER)
        return getsockopt_filter(p, o, a[3], a[4], ulen);
    struct ucred peer;
    if ((int)a[1] == SOL_SOCKET && (int)a[2] == SO_PEERCRED && sock_cred_peer(o, &peer)) {
        /* a guest at the other end: its credentials, cut to the room given */
        int32_t n = ulen < (int32_t)sizeof(peer) ? ulen : (int32_t)sizeof(peer);
        if ((n && put_user_struct(p, a[3], &peer, (size_t)n)) ||
            put_user_struct(p, a[4], &n, sizeof(n)))
            return -EFAULT;
        return 0;
    }
    socklen_t len = ulen > FL_SOCKOPT_MAX ? FL_SOCKOPT_MAX : (socklen_t)ulen;
    /* Some options read optval before they answer (sockopt_reads_optval), so the host sees the
     * guest's bytes. Most only write it, and Linux then writes just what it has: their buffer
     * is not read at all, so not faulted in either (a fresh page takes one write fault, not a
     * read fault to the zero page and a copy); the host gets what of it is mapped now, in case
     * an option this list misses reads it too, and zeros for the rest. */
    memset(val, 0, len);
    if (len && sockopt_reads_optval((int)a[1], (int)a[2])) {
        if (get_user_struct(p, val, a[3], len))
            memset(val, 0, len);
    } else if (len) {
        copy_from_user_nofault(&p->task, val, a[3], len);
    }
    if (getsockopt(o->hostfd, (int)a[1], (int)a[2], val, &len) < 0)
        return -errno;
    int32_t out = (int32_t)len;
    if ((len && put_user_struct(p, a[3], val, len)) || put_user_struct(p, a[4], &out, sizeof(out)))
        return -EFAULT;
    return 0;
}
