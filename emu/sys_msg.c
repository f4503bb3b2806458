/*
 * sys_msg.c - sendmsg, recvmsg, sendmmsg and recvmmsg (net/socket.c), with the files that
 * SCM_RIGHTS messages pass (net/core/scm.c).
 *
 * Data and control messages go through host buffers and the host socket carries them. The fds
 * of an SCM_RIGHTS message are guest fds: they go to the host as the host fds behind them, and
 * the host kernel carries those files to the receiving socket as between any two processes; the
 * receiver gets new host fds. But a guest fd is more than its host fd (the ofd keeps the guest's
 * own O_NONBLOCK, whether the host end parks like a pipe, ...), so a file a guest sends is
 * remembered until a guest receives it, and the receiver gets that same ofd: one open file
 * description, as in Linux. A file from outside the guest (sent by a host process) gets a new
 * ofd. Credentials (SCM_CREDENTIALS) a guest sends are checked against its own ids and the pid
 * in them is made faultline's (creds_to_host); those received that name faultline name the
 * guest that sent them where emu/sock_cred.c knows it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/fdtable.h"
#include "emu/proc.h"
#include "emu/sched.h"
#include "emu/sock.h"
#include "emu/sock_cred.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

/* struct user_msghdr and struct mmsghdr as the guest lays them out (x86-64). */
struct umsghdr {
    uint64_t name;
    int32_t namelen;
    uint32_t pad0;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags;
    uint32_t pad1;
};
_Static_assert(sizeof(struct umsghdr) == 56, "struct user_msghdr");
_Static_assert(sizeof(struct msghdr) == 56, "the host's struct msghdr is the kernel's");
_Static_assert(sizeof(struct cmsghdr) == 16, "struct cmsghdr is the kernel's");

struct ummsghdr {
    struct umsghdr hdr;
    uint32_t len;
    uint32_t pad;
};
_Static_assert(sizeof(struct ummsghdr) == 64, "struct mmsghdr");

/* Control data beyond this is ENOBUFS (net.core.optmem_max, 20 KiB by default, bounds it). */
#define FL_CMSG_MAX (64 * 1024)

/* ---- files in flight ---------------------------------------------------------------------- */

/* Files guests sent and no guest received yet. A message nobody receives keeps its entry until
 * FL_INFLIGHT_MAX newer ones push it out. */
#define FL_INFLIGHT_MAX 256

static struct inflight {
    struct ofd *o; /* a reference of its own */
    dev_t dev;
    ino_t ino;
} inflight[FL_INFLIGHT_MAX];
static unsigned inflight_n;

static void inflight_drop(unsigned i)
{
    memmove(&inflight[i], &inflight[i + 1], (inflight_n - i - 1) * sizeof(inflight[0]));
    inflight_n--;
}

static void inflight_add(struct ofd *o)
{
    struct stat st;
    if (fstat(o->hostfd, &st))
        return;
    if (inflight_n == FL_INFLIGHT_MAX) {
        ofd_put(inflight[0].o);
        inflight_drop(0);
    }
    inflight[inflight_n++] = (struct inflight){ofd_hold(o), st.st_dev, st.st_ino};
}

/* Are host fds a and b one open file description? kcmp says; where it cannot (a kernel without
 * CONFIG_KCMP), the same file has to do. */
static bool same_description(int a, int b)
{
    long r = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b);
    return r == 0 || (r < 0 && (errno == ENOSYS || errno == EPERM));
}

/* The ofd for host fd h, received in an SCM_RIGHTS message; takes h over. */
static struct ofd *inflight_take(int h)
{
    struct stat st;
    if (fstat(h, &st) == 0)
        for (unsigned i = 0; i < inflight_n; i++)
            if (inflight[i].dev == st.st_dev && inflight[i].ino == st.st_ino &&
                same_description(inflight[i].o->hostfd, h)) {
                struct ofd *o = inflight[i].o;
                inflight_drop(i);
                close(h);
                return o;
            }
    /* From outside the guest. A socket or pipe becomes non-blocking on the host, as every guest
     * one is, so that waiting on it parks; its peer may be outside. */
    int fl = fcntl(h, F_GETFL);
    struct ofd *o = ofd_new(h, fl < 0 ? O_RDWR : fl, NULL);
    if (o->type == S_IFSOCK || o->type == S_IFIFO) {
        fcntl(h, F_SETFL, (fl < 0 ? 0 : fl) | O_NONBLOCK);
        o->host_nonblock = true;
        o->external = true;
    }
    return o;
}

/* ---- control messages --------------------------------------------------------------------- */

/*
 * An SCM_CREDENTIALS message the guest sends, checked as scm_check_creds checks it with the
 * task's own ids and capabilities: the pid its own, or any with CAP_SYS_ADMIN; each id one of
 * its real, effective or saved ones, or any with CAP_SETUID / CAP_SETGID; then the pid must
 * name a process (ESRCH). The host gets faultline's pid in it, the sender's own as the host
 * sees it. Until 2026-12-07 the guest's pid went to the host, which looked it up among its own
 * processes: GDBus, which sends its credentials so, failed every connection with "Error
 * sending credentials: ... No such process".
 */
static long creds_to_host(struct proc *p, struct cmsghdr *c, struct ucred *guest)
{
    struct ucred u;
    if (c->cmsg_len != CMSG_LEN(sizeof(u)))
        return -EINVAL;
    memcpy(&u, CMSG_DATA(c), sizeof(u));
    if (u.uid == (uid_t)-1 || u.gid == (gid_t)-1)
        return -EINVAL;
    uint32_t ids[4], gids[4];
    task_uids(p, ids);
    task_gids(p, gids);
    bool pid_ok = u.pid == p->task.tgid || guest_capable(p, 21 /* CAP_SYS_ADMIN */);
    bool uid_ok = u.uid == ids[CRED_R] || u.uid == ids[CRED_E] || u.uid == ids[CRED_S] ||
                  guest_capable(p, 7 /* CAP_SETUID */);
    bool gid_ok = u.gid == gids[CRED_R] || u.gid == gids[CRED_E] || u.gid == gids[CRED_S] ||
                  guest_capable(p, 6 /* CAP_SETGID */);
    if (!pid_ok || !uid_ok || !gid_ok)
        return -EPERM;
    if (u.pid <= 0 || !find_proc(p->emu, u.pid))
        return -ESRCH;
    *guest = u;
    u.pid = getpid();
    memcpy(CMSG_DATA(c), &u, sizeof(u));
    return 0;
}

/* The guest's control data, to send: SCM_RIGHTS fds become host fds (EBADF for one that is
 * not open) and their files are remembered as in flight once the send succeeds; SCM_CREDENTIALS
 * as creds_to_host makes them, the guest's own kept in *creds (creds->pid 0: none sent). */
static long cmsg_to_host(struct proc *p, char *buf, size_t len, struct ofd ***sent, int *nsent,
                         struct ucred *creds)
{
    struct msghdr m = {.msg_control = buf, .msg_controllen = len};
    *sent = NULL;
    *nsent = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_len < sizeof(*c) || c->cmsg_len > len - ((char *)c - buf))
            return -EINVAL;
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            long r = creds_to_host(p, c, creds);
            if (r)
                return r;
            continue;
        }
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *fds = (int *)CMSG_DATA(c);
        struct ofd **more = realloc(*sent, (*nsent + n + 1) * sizeof(**sent));
        if (!more)
            return -ENOMEM;
        *sent = more;
        for (int i = 0; i < n; i++) {
            struct ofd *o = fd_get(p->files, fds[i]);
            if (!o)
                return -EBADF;
            fds[i] = o->hostfd;
            (*sent)[(*nsent)++] = o;
        }
    }
    return 0;
}

/* Received control data, for the guest, from socket o: the host fds of SCM_RIGHTS messages
 * become guest fds (close-on-exec with MSG_CMSG_CLOEXEC). When the guest's table is full or at
 * RLIMIT_NOFILE, the fds from the first that does not fit on are closed, the message carries
 * those that did and says MSG_CTRUNC, as scm_detach_fds does (which puts SCM_RIGHTS last).
 * SCM_CREDENTIALS from a guest name that guest instead of faultline (emu/sock_cred.c). Returns
 * the length of control data the guest gets. */
static size_t cmsg_to_guest(struct proc *p, const struct ofd *o, char *buf, size_t len, int flags,
                            int *msg_flags)
{
    struct msghdr m = {.msg_control = buf, .msg_controllen = len};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof(u));
            sock_cred_received(o, &u);
            memcpy(CMSG_DATA(c), &u, sizeof(u));
            continue;
        }
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)), *fds = (int *)CMSG_DATA(c);
        int i = 0;
        for (; i < n; i++) {
            struct ofd *o = inflight_take(fds[i]);
            int fd = fd_install(p->files, o, 0, flags & MSG_CMSG_CLOEXEC);
            if (fd < 0) {
                ofd_put(o);
                break;
            }
            fds[i] = fd;
        }
        if (i == n)
            continue;
        *msg_flags |= MSG_CTRUNC;
        for (int j = i + 1; j < n; j++)
            ofd_put(inflight_take(fds[j]));
        size_t start = (size_t)((char *)c - buf);
        if (i == 0) /* no fd: no SCM_RIGHTS message at all */
            return start;
        c->cmsg_len = CMSG_LEN(i * sizeof(int));
        return start + CMSG_SPACE(i * sizeof(int)) < len ? start + CMSG_SPACE(i * sizeof(int))
                                                         : len;
    }
    return len;
}

/* ---- sendmsg / recvmsg -------------------------------------------------------------------- */

static long do_sendmsg(struct proc *p, int fd, uint64_t umsg, int flags)
{
    struct ofd *o = fd_get(p->files, fd);
    struct umsghdr um;
    union fl_sockaddr addr;
    struct uiov *iov = NULL;
    uint64_t total;
    char *data = NULL, *ctl = NULL;
    struct ofd **sent = NULL;
    int nsent = 0, alen = 0;
    long r;

    if (!o)
        return -EBADF;
    if (get_user_struct(p, &um, umsg, sizeof(um)))
        return -EFAULT;
    alen = um.namelen;
    if (um.name && (r = move_addr_to_kernel(p, um.name, &alen, &addr)))
        return r;
    if (um.controllen > FL_CMSG_MAX)
        return -ENOBUFS;
    if ((r = import_iovec(p, um.iov, um.iovlen > INT32_MAX ? -1 : (int)um.iovlen,
                          FL_SOCK_BOUNCE_MAX, &iov, &total)))
        return r;
    data = malloc(total ? total : 1);
    ctl = um.controllen ? malloc(um.controllen) : NULL;
    r = -ENOMEM;
    if (!data || (um.controllen && !ctl))
        goto out;
    struct uiov_iter it = {iov, (int)um.iovlen, 0, 0};
    r = -EFAULT;
    if (iter_copy_in(p, &it, data, total) != total ||
        (ctl && get_user_struct(p, ctl, um.control, um.controllen)))
        goto out;
    struct ucred creds = {0};
    if (ctl && (r = cmsg_to_host(p, ctl, um.controllen, &sent, &nsent, &creds)))
        goto out;
    struct iovec hv = {data, total};
    struct msghdr hm = {
        um.name ? &addr : NULL, um.name ? (socklen_t)alen : 0, &hv, 1, ctl, um.controllen, 0};
    r = host_ret(sendmsg(o->hostfd, &hm, host_msg_flags(o, flags)));
    if (r >= 0) {
        sock_cred_sending(p, o, creds.pid ? &creds : NULL);
        for (int i = 0; i < nsent; i++)
            inflight_add(sent[i]);
    }
out:
    free(sent);
    free(ctl);
    free(data);
    free(iov);
    return r;
}

static long do_recvmsg(struct proc *p, int fd, uint64_t umsg, int flags)
{
    struct ofd *o = fd_get(p->files, fd);
    struct umsghdr um;
    union fl_sockaddr addr;
    struct uiov *iov = NULL;
    uint64_t total;
    char *data = NULL, *ctl = NULL;
    long r;

    if (!o)
        return -EBADF;
    if (get_user_struct(p, &um, umsg, sizeof(um)))
        return -EFAULT;
    if ((r = import_iovec(p, um.iov, um.iovlen > INT32_MAX ? -1 : (int)um.iovlen,
                          FL_SOCK_BOUNCE_MAX, &iov, &total)))
        return r;
    size_t clen = um.controllen > FL_CMSG_MAX ? FL_CMSG_MAX : um.controllen;
    data = malloc(total ? total : 1);
    ctl = clen ? malloc(clen) : NULL;
    r = -ENOMEM;
    if (!data || (clen && !ctl))
        goto out;
    struct iovec hv = {data, total};
    struct msghdr hm = {
        um.name ? &addr : NULL, um.name ? FL_SOCKADDR_MAX : 0, &hv, 1, ctl, clen, 0};
    /* the host fds are faultline's: never inherited by anything it runs */
    r = host_ret(recvmsg(o->hostfd, &hm,
                         (host_msg_flags(o, flags) & ~(MSG_NOSIGNAL | MSG_CMSG_CLOEXEC)) |
                             MSG_CMSG_CLOEXEC));
    if (r < 0)
        goto out;
    int mflags = hm.msg_flags & ~MSG_CMSG_CLOEXEC;
    uint64_t used = ctl ? cmsg_to_guest(p, o, ctl, hm.msg_controllen, flags, &mflags) : 0;
    struct uiov_iter it = {iov, (int)um.iovlen, 0, 0};
    size_t got = (size_t)r < total ? (size_t)r : total;
    if (iter_copy_out(p, &it, data, got) != got ||
        (used && put_user_struct(p, um.control, ctl, used)) ||
        put_user_struct(p, umsg + offsetof(struct umsghdr, controllen), &used, sizeof(used)) ||
        put_user_struct(p, umsg + offsetof(struct umsghdr, flags), &mflags, sizeof(mflags))) {
        r = -EFAULT;
        goto out;
    }
    if (um.name) {
        long e = move_addr_to_user(p, &addr, hm.msg_namelen, um.name,
                                   umsg + offsetof(struct umsghdr, namelen));
        if (e)
            r = e;
    }
out:
    free(ctl);
    free(data);
    free(iov);
    return r;
}

long sys_sendmsg(struct proc *p, const uint64_t a[6])
{
    return do_sendmsg(p, (int)a[0], a[1], (int)a[2]);
}

long sys_recvmsg(struct proc *p, const uint64_t a[6])
{
    return do_recvmsg(p, (int)a[0], a[1], (int)a[2]);
}

/*
 * sendmmsg/recvmmsg(fd, vec, vlen, flags[, timeout]): one sendmsg/recvmsg per entry, each
 * entry's msg_len set, the count done returned; an error after the first entry ends the batch
 * with what was done. After the first message recvmmsg does not wait for more (MSG_WAITFORONE,
 * and what the timeout would allow: it is accepted and not otherwise used).
 */
#define FL_UIO_MAXMSG 1024 /* UIO_MAXIOV caps vlen */

static long do_mmsg(struct proc *p, const uint64_t a[6], bool send)
{
    unsigned vlen = (unsigned)a[2] > FL_UIO_MAXMSG ? FL_UIO_MAXMSG : (unsigned)a[2];
    int flags = (int)a[3];
    unsigned i;
    for (i = 0; i < vlen; i++) {
        uint64_t um = a[1] + (uint64_t)i * sizeof(struct ummsghdr);
        int f = i && !send ? flags | MSG_DONTWAIT : flags;
        long r = send ? do_sendmsg(p, (int)a[0], um, f) : do_recvmsg(p, (int)a[0], um, f);
        if (r < 0)
            return i ? (long)i : r;
        uint32_t len = (uint32_t)r;
        if (put_user_struct(p, um + offsetof(struct ummsghdr, len), &len, sizeof(len)))
            return i ? (long)i : -EFAULT;
    }
    return i;
}

long sys_sendmmsg(struct proc *p, const uint64_t a[6])
{
    return do_mmsg(p, a, true);
}

long sys_recvmmsg(struct proc *p, const uint64_t a[6])
{
    return do_mmsg(p, a, false);
}
