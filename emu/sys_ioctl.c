/*
 * sys_ioctl.c - ioctl(2) (fs/ioctl.c, drivers/tty/tty_io.c, tty_ioctl.c).
 *
 * Requests are data: each known request says how its argument moves (none, by value, a struct in,
 * a struct out) and how big the struct is, so the host ioctl only ever sees a host buffer. The
 * sizes are the x86-64 kernel's (struct termios here is the kernel's 36-byte one, not glibc's).
 * Requests not in the table fail with ENOTTY, as Linux does for a request no layer knows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/ctty.h"
#include "emu/fasync.h"
#include "emu/fdtable.h"
#include "emu/sys_info.h"
#include "emu/host_signals.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "emu/userfaultfd.h"

enum ioarg {
    IO_NONE,  /* no argument */
    IO_VAL,   /* the argument is an integer */
    IO_IN,    /* the argument points at `size` bytes the call reads */
    IO_OUT,   /* the argument points at `size` bytes the call writes */
    IO_INOUT, /* ... that the call reads and writes back (struct ifreq) */
};

enum iofix {
    FIX_NONE,
    FIX_PGID, /* an int holding a process-group id: translate it (ids.h) */
};

struct ioctl_desc {
    unsigned req;
    const char *name;
    enum ioarg arg;
    unsigned char size;
    bool tty; /* a tty request: on anything else Linux says ENOTTY before touching the argument */
    enum iofix fix;
};

#define T true
#define F false

static const struct ioctl_desc ioctls[] = {
    {0x5401, "TCGETS", IO_OUT, 36, T, FIX_NONE},
    {0x5402, "TCSETS", IO_IN, 36, T, FIX_NONE},
    {0x5403, "TCSETSW", IO_IN, 36, T, FIX_NONE},
    {0x5404, "TCSETSF", IO_IN, 36, T, FIX_NONE},
    {0x5405, "TCGETA", IO_OUT, 18, T, FIX_NONE},
    {0x5406, "TCSETA", IO_IN, 18, T, FIX_NONE},
    {0x5407, "TCSETAW", IO_IN, 18, T, FIX_NONE},
    {0x5408, "TCSETAF", IO_IN, 18, T, FIX_NONE},
    {0x5409, "TCSBRK", IO_VAL, 0, T, FIX_NONE},
    {0x540A, "TCXONC", IO_VAL, 0, T, FIX_NONE},
    {0x540B, "TCFLSH", IO_VAL, 0, T, FIX_NONE},
    {0x540C, "TIOCEXCL", IO_NONE, 0, T, FIX_NONE},
    {0x540D, "TIOCNXCL", IO_NONE, 0, T, FIX_NONE},
    {0x540E, "TIOCSCTTY", IO_VAL, 0, T, FIX_NONE},
    {0x540F, "TIOCGPGRP", IO_OUT, 4, T, FIX_PGID},
    {0x5410, "TIOCSPGRP", IO_IN, 4, T, FIX_PGID},
    {0x5411, "TIOCOUTQ", IO_OUT, 4, T, FIX_NONE},
    {0x5413, "TIOCGWINSZ", IO_OUT, 8, T, FIX_NONE},
    {0x5414, "TIOCSWINSZ", IO_IN, 8, T, FIX_NONE},
    {0x5415, "TIOCMGET", IO_OUT, 4, T, FIX_NONE},
    {0x5416, "TIOCMBIS", IO_IN, 4, T, FIX_NONE},
    {0x5417, "TIOCMBIC", IO_IN, 4, T, FIX_NONE},
    {0x5418, "TIOCMSET", IO_IN, 4, T, FIX_NONE},
    {0x541B, "FIONREAD", IO_OUT, 4, F, FIX_NONE},
    {0x5420, "TIOCPKT", IO_IN, 4, T, FIX_NONE},
    {0x5422, "TIOCNOTTY", IO_NONE, 0, T, FIX_NONE},
    {0x5423, "TIOCSETD", IO_IN, 4, T, FIX_NONE},
    {0x5424, "TIOCGETD", IO_OUT, 4, T, FIX_NONE},
    {0x5425, "TCSBRKP", IO_VAL, 0, T, FIX_NONE},
    {0x5427, "TIOCSBRK", IO_NONE, 0, T, FIX_NONE},
    {0x5428, "TIOCCBRK", IO_NONE, 0, T, FIX_NONE},
    {0x5456, "TIOCGLCKTRMIOS", IO_OUT, 36, T, FIX_NONE},
    {0x5457, "TIOCSLCKTRMIOS", IO_IN, 36, T, FIX_NONE},
    {0x5460, "FIOQSIZE", IO_OUT, 8, F, FIX_NONE},
    /* the disk block of a file block (ioctl_fibmap; filefrag without FIEMAP), 0 in a hole */
    {0x1, "FIBMAP", IO_INOUT, 4, F, FIX_NONE},
    {0x802c542a, "TCGETS2", IO_OUT, 44, T, FIX_NONE},
    {0x402c542b, "TCSETS2", IO_IN, 44, T, FIX_NONE},
    {0x402c542c, "TCSETSW2", IO_IN, 44, T, FIX_NONE},
    {0x402c542d, "TCSETSF2", IO_IN, 44, T, FIX_NONE},
    {0x80045430, "TIOCGPTN", IO_OUT, 4, T, FIX_NONE},
    {0x40045431, "TIOCSPTLCK", IO_IN, 4, T, FIX_NONE},
    {0x80045438, "TIOCGPKT", IO_OUT, 4, T, FIX_NONE},
    {0x80045439, "TIOCGPTLCK", IO_OUT, 4, T, FIX_NONE},
    {0x80045440, "TIOCGEXCL", IO_OUT, 4, T, FIX_NONE},
    /* A file's inode flags (chattr/lsattr: FS_IOC_GETFLAGS/SETFLAGS pass an int whatever
     * their _IOR(long) says), its generation, and the fsxattr (project id, extent size). */
    {0x80086601, "FS_IOC_GETFLAGS", IO_OUT, 4, F, FIX_NONE},
    {0x40086602, "FS_IOC_SETFLAGS", IO_IN, 4, F, FIX_NONE},
    {0x80087601, "FS_IOC_GETVERSION", IO_OUT, 4, F, FIX_NONE},
    {0x40087602, "FS_IOC_SETVERSION", IO_IN, 4, F, FIX_NONE},
    {0x801c581f, "FS_IOC_FSGETXATTR", IO_OUT, 28, F, FIX_NONE},
    {0x401c5820, "FS_IOC_FSSETXATTR", IO_IN, 28, F, FIX_NONE},
    /* A network interface's settings, read on the host through the guest's socket (a struct
     * ifreq of 40 bytes: the name in, the answer out). The SIOCS* ones that change the host's
     * network are not passed on. */
    {0x8910, "SIOCGIFNAME", IO_INOUT, 40, F, FIX_NONE},
    {0x8913, "SIOCGIFFLAGS", IO_INOUT, 40, F, FIX_NONE},
    {0x8915, "SIOCGIFADDR", IO_INOUT, 40, F, FIX_NONE},
    {0x8917, "SIOCGIFDSTADDR", IO_INOUT, 40, F, FIX_NONE},
    {0x8919, "SIOCGIFBRDADDR", IO_INOUT, 40, F, FIX_NONE},
    {0x891b, "SIOCGIFNETMASK", IO_INOUT, 40, F, FIX_NONE},
    {0x891d, "SIOCGIFMETRIC", IO_INOUT, 40, F, FIX_NONE},
    {0x8921, "SIOCGIFMTU", IO_INOUT, 40, F, FIX_NONE},
    {0x8927, "SIOCGIFHWADDR", IO_INOUT, 40, F, FIX_NONE},
    {0x8933, "SIOCGIFINDEX", IO_INOUT, 40, F, FIX_NONE},
    {0x8942, "SIOCGIFTXQLEN", IO_INOUT, 40, F, FIX_NONE},
    {0x8970, "SIOCGIFMAP", IO_INOUT, 40, F, FIX_NONE},
};

#undef T
#undef F

#define FIONCLEX 0x5450
#define FIOCLEX  0x5451

static const struct ioctl_desc *ioctl_lookup(unsigned req)
{
    for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
        if (ioctls[i].req == req)
            return &ioctls[i];
    return NULL;
}

/*
 * SIOCGIFCONF: the host's interfaces as struct ifreqs, into the buffer whose guest address the
 * guest's struct ifconf holds (a NULL buffer asks for the length only, as dev_ifconf does).
 */
static long ifconf(struct proc *p, struct ofd *o, uint64_t arg)
{
    struct {
        int32_t len, pad;
        uint64_t buf;
    } c;
    long r = 0;

    if (get_user_struct(p, &c, arg, sizeof(c)))
        return -EFAULT;
    size_t len = c.len < 0 ? 0 : c.len > 65536 ? 65536 : (size_t)c.len;
    char *buf = c.buf && len ? malloc(len) : NULL;
    struct ifconf host = {.ifc_len = (int)len, .ifc_buf = buf};
    if (c.buf && len && !buf)
        return -ENOMEM;
    if (ioctl(o->hostfd, SIOCGIFCONF, &host) < 0)
        r = -errno;
    else if (buf && host.ifc_len > 0 && put_user_struct(p, c.buf, buf, (size_t)host.ifc_len))
        r = -EFAULT;
    if (!r) {
        c.len = host.ifc_len;
        r = put_user_struct(p, arg, &c, sizeof(c));
    }
    free(buf);
    return r;
}

/*
 * The nsfs requests on a /proc/PID/ns/ file (the guest's namespaces are faultline's, the
 * host's): its type, its user namespace's owner, and the user namespace that owns it or its
 * parent as a new close-on-exec fd (open_related_ns), installed in the guest's table. lsns
 * needs them.
 */
#define NS_GET_USERNS    0xb701
#define NS_GET_PARENT    0xb702
#define NS_GET_NSTYPE    0xb703
#define NS_GET_OWNER_UID 0xb704

static long nsfs_ioctl(struct proc *p, struct ofd *o, unsigned req, uint64_t arg)
{
    uint32_t uid;
    int h, fd;

    switch (req) {
    case NS_GET_NSTYPE:
        return host_ret(ioctl(o->hostfd, req));
    case NS_GET_OWNER_UID:
        if (ioctl(o->hostfd, req, &uid) < 0)
            return -errno;
        return put_user_struct(p, arg, &uid, sizeof(uid));
    default:
        h = ioctl(o->hostfd, req);
        if (h < 0)
            return -errno;
        struct ofd *n = ofd_new(h, O_RDONLY, NULL);
        fd = fd_install(p->files, n, 0, true);
        if (fd < 0)
            ofd_put(n);
        return fd;
    }
}

/*
 * FS_IOC_FIEMAP (ioctl_fiemap): a file's extents, asked of the host's file system. The argument
 * is a struct fiemap header followed by fm_extent_count extents the call fills, so it cannot be
 * a row of the table. As in 4.20 the count is checked against FIEMAP_MAX_EXTENTS and the whole
 * extent array against the user half before the file system is asked, and the header goes back
 * (fm_flags, fm_mapped_extents) even when the call fails (EBADR names the unsupported flags in
 * fm_flags). The host is asked in chunks so that a large fm_extent_count costs no large buffer:
 * each chunk goes on from the end of the previous one's last extent, as the file system's walk
 * would.
 */
#define FS_IOC_FIEMAP_REQ    0xc020660bu
#define FIEMAP_HDR           32u
#define FIEMAP_EXTENT_SIZE   56u
#define FIEMAP_MAX_EXTENTS   (UINT32_MAX / FIEMAP_EXTENT_SIZE)
#define FIEMAP_CHUNK         1024u
#define FIEMAP_EXTENT_LAST_F 0x1u

struct guest_fiemap_hdr {
    uint64_t start, length;
    uint32_t flags, mapped, count, reserved;
};

static long fiemap(struct proc *p, struct ofd *o, uint64_t arg)
{
    struct guest_fiemap_hdr g;
    if (get_user_struct(p, &g, arg, sizeof(g)))
        return -EFAULT;
    if (g.count > FIEMAP_MAX_EXTENTS)
        return -EINVAL;
    if (g.count && !access_ok(arg + FIEMAP_HDR, (uint64_t)g.count * FIEMAP_EXTENT_SIZE))
        return -EFAULT;
    unsigned chunk = g.count < FIEMAP_CHUNK ? g.count : FIEMAP_CHUNK;
    unsigned char *h = malloc(FIEMAP_HDR + (size_t)chunk * FIEMAP_EXTENT_SIZE);
    if (!h)
        return -ENOMEM;
    uint64_t start = g.start,
             end = g.length > UINT64_MAX - g.start ? UINT64_MAX : g.start + g.length;
    uint32_t done = 0, flags = g.flags;
    long r = 0;
    for (;;) {
        struct guest_fiemap_hdr hh = {.start = start, .length = end - start, .flags = g.flags};
        hh.count = g.count - done < chunk ? g.count - done : chunk;
        memcpy(h, &hh, sizeof(hh));
        if (ioctl(o->hostfd, FS_IOC_FIEMAP_REQ, h) < 0)
            r = -errno;
        memcpy(&hh, h, sizeof(hh));
        flags = hh.flags;
        if (r)
            break;
        if (!g.count) { /* only counting: the host counted the whole range */
            done = hh.mapped;
            break;
        }
        if (hh.mapped && put_user_struct(p, arg + FIEMAP_HDR + (uint64_t)done * FIEMAP_EXTENT_SIZE,
                                         h + FIEMAP_HDR, (size_t)hh.mapped * FIEMAP_EXTENT_SIZE)) {
            r = -EFAULT;
            break;
        }
        done += hh.mapped;
        if (hh.mapped < hh.count || done == g.count)
            break;
        /* a full chunk: go on after its last extent unless that was the file's last */
        const unsigned char *last = h + FIEMAP_HDR + (size_t)(hh.mapped - 1) * FIEMAP_EXTENT_SIZE;
        uint64_t logical, len;
        uint32_t eflags;
        memcpy(&logical, last, 8);
        memcpy(&len, last + 16, 8);
        memcpy(&eflags, last + 40, 4);
        if ((eflags & FIEMAP_EXTENT_LAST_F) || logical + len >= end || logical + len <= start)
            break;
        start = logical + len;
    }
    free(h);
    g.flags = flags;
    g.mapped = done;
    if (put_user_struct(p, arg, &g, sizeof(g)))
        return -EFAULT;
    return r;
}

/*
 * SIOCETHTOOL (dev_ethtool): the struct ifreq's ifr_data points at a buffer that starts with
 * the ethtool command, and the command says how big the buffer is, so this cannot be a row of
 * the table. The read-only queries of a fixed size that dev_ethtool answers without
 * CAP_NET_ADMIN are asked of the host's interface through the guest's socket with a host copy
 * of the buffer (libpcap's ETHTOOL_GET_TS_INFO, ethtool's link and offload queries). Commands
 * that change the host's interface, and the queries whose size another call names (strings,
 * statistics, link modes), are not passed on: EOPNOTSUPP, what Linux says for a command the
 * driver lacks, so callers fall back as they do there. As in dev_ethtool the interface is
 * looked up before the command is read (ENODEV, then EFAULT).
 */
static size_t ethtool_query_size(uint32_t cmd)
{
    switch (cmd) {
    case ETHTOOL_GSET:
        return sizeof(struct ethtool_cmd);
    case ETHTOOL_GDRVINFO:
        return sizeof(struct ethtool_drvinfo);
    case ETHTOOL_GMSGLVL:
    case ETHTOOL_GLINK:
    case ETHTOOL_GRXCSUM:
    case ETHTOOL_GTXCSUM:
    case ETHTOOL_GSG:
    case ETHTOOL_GTSO:
    case ETHTOOL_GUFO:
    case ETHTOOL_GGSO:
    case ETHTOOL_GGRO:
    case ETHTOOL_GFLAGS:
    case ETHTOOL_GPFLAGS:
        return sizeof(struct ethtool_value);
    case ETHTOOL_GCOALESCE:
        return sizeof(struct ethtool_coalesce);
    case ETHTOOL_GRINGPARAM:
        return sizeof(struct ethtool_ringparam);
    case ETHTOOL_GPAUSEPARAM:
        return sizeof(struct ethtool_pauseparam);
    case ETHTOOL_GCHANNELS:
        return sizeof(struct ethtool_channels);
    case ETHTOOL_GET_TS_INFO:
        return sizeof(struct ethtool_ts_info);
    case ETHTOOL_GEEE:
        return sizeof(struct ethtool_eee);
    default:
        return 0;
    }
}

static long ethtool_ioctl(struct proc *p, struct ofd *o, uint64_t arg)
{
    struct ifreq ifr;
    uint64_t data;
    uint32_t cmd;
    unsigned char buf[256];

    _Static_assert(sizeof(ifr) == 40, "the x86-64 struct ifreq");
    if (get_user_struct(p, &ifr, arg, sizeof(ifr)))
        return -EFAULT;
    ifr.ifr_name[IFNAMSIZ - 1] = 0;
    if (!if_nametoindex(ifr.ifr_name))
        return -ENODEV;
    memcpy(&data, (unsigned char *)&ifr + offsetof(struct ifreq, ifr_data), sizeof(data));
    if (get_user_struct(p, &cmd, data, sizeof(cmd)))
        return -EFAULT;
    size_t n = ethtool_query_size(cmd);
    if (!n)
        return -EOPNOTSUPP;
    if (n > sizeof(buf))
        return -EOPNOTSUPP;
    if (get_user_struct(p, buf, data, n))
        return -EFAULT;
    ifr.ifr_data = (void *)buf;
    if (ioctl(o->hostfd, SIOCETHTOOL, &ifr) < 0)
        return -errno;
    return put_user_struct(p, data, buf, n);
}

long sys_ioctl(struct proc *p, const uint64_t a[6])
{
    int fd = (int)a[0];
    unsigned req = (unsigned)a[1]; /* the kernel's cmd is an unsigned int */
    uint64_t arg = a[2];
    struct ofd *o = fd_get(p->files, fd);
    const struct ioctl_desc *d;
    unsigned char buf[64];
    int v;

    if (!o)
        return -EBADF;
    /* Close-on-exec belongs to the guest's fd, not the host's (fs/ioctl.c do_vfs_ioctl). */
    if (req == FIOCLEX || req == FIONCLEX) {
        fd_set_cloexec(p->files, fd, req == FIOCLEX);
        return 0;
    }
    /* FIONBIO is F_SETFL's O_NONBLOCK (ioctl_fionbio). A guest pipe or socket pair stays
     * non-blocking on the host whatever the guest asks: only the guest's flag changes. */
    if (req == FIONBIO) {
        int on;
        if (get_user_struct(p, &on, arg, sizeof(on)))
            return -EFAULT;
        if (!o->host_nonblock) {
            int fl = fcntl(o->hostfd, F_GETFL);
            if (fl < 0 || fcntl(o->hostfd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
                return -errno;
        }
        o->flags = on ? o->flags | O_NONBLOCK : o->flags & ~O_NONBLOCK;
        return 0;
    }
    /* FIOASYNC is F_SETFL's O_ASYNC (ioctl_fioasync), the guest's own: never the host's */
    if (req == FIOASYNC) {
        int on;
        if (get_user_struct(p, &on, arg, sizeof(on)))
            return -EFAULT;
        if ((on != 0) == ((o->flags & O_ASYNC) != 0))
            return 0;
        long r = fasync_set(p, o, fd, on != 0);
        if (r == 1) /* no ->fasync */
            return -ENOTTY;
        if (r < 0)
            return r;
        o->flags = on ? o->flags | O_ASYNC : o->flags & ~O_ASYNC;
        return 0;
    }
    /* A socket's owner through sock_ioctl (FIOSETOWN, SIOCSPGRP: f_setown; the getters:
     * f_getown), the guest's as F_SETOWN's is; other files do not take them (ENOTTY). */
    if (o->type == S_IFSOCK && (req == FIOSETOWN || req == SIOCSPGRP)) {
        int pid;
        if (get_user_struct(p, &pid, arg, sizeof(pid)))
            return -EFAULT;
        return fasync_fcntl(p, o, fd, F_SETOWN, (uint64_t)(uint32_t)pid);
    }
    if (o->type == S_IFSOCK && (req == FIOGETOWN || req == SIOCGPGRP)) {
        int pid = (int)fasync_fcntl(p, o, fd, F_GETOWN, 0);
        return put_user_struct(p, arg, &pid, sizeof(pid));
    }
    if (o->uffd)
        return userfaultfd_ioctl(p, o, req, arg);
    if (req == SIOCGIFCONF)
        return ifconf(p, o, arg);
    if (req == FS_IOC_FIEMAP_REQ)
        return fiemap(p, o, arg);
    if (req == SIOCETHTOOL && o->type == S_IFSOCK)
        return ethtool_ioctl(p, o, arg);
    if (req == NS_GET_USERNS || req == NS_GET_PARENT || req == NS_GET_NSTYPE ||
        req == NS_GET_OWNER_UID)
        return nsfs_ioctl(p, o, req, arg);
    long r;
    if (ctty_ioctl(p, o, req, (unsigned long)arg, &r)) /* a guest session's terminal */
        return r;
    d = ioctl_lookup(req);
    if (!d)
        return -ENOTTY;
    switch (d->arg) {
    case IO_NONE:
        return host_ret(ioctl(o->hostfd, req, 0));
    case IO_VAL:
        return host_ret(ioctl(o->hostfd, req, (unsigned long)arg));
    case IO_IN:
        if (get_user_struct(p, buf, arg, d->size))
            return d->tty && !isatty(o->hostfd) ? -ENOTTY : -EFAULT;
        if (d->fix == FIX_PGID) {
            memcpy(&v, buf, 4);
            /* tcsetpgrp to a guest job: the foreground group of the guest's terminal */
            if (req == TIOCSPGRP && isatty(o->hostfd) && tty_set_foreground(p, v))
                return 0;
            v = guest_pgid_to_host(p, v);
            memcpy(buf, &v, 4);
        }
        return host_ret(ioctl(o->hostfd, req, buf));
    case IO_INOUT:
        if (get_user_struct(p, buf, arg, d->size))
            return -EFAULT;
        if (ioctl(o->hostfd, req, buf) < 0)
            return -errno;
        return put_user_struct(p, arg, buf, d->size);
    case IO_OUT:
        if (ioctl(o->hostfd, req, buf) < 0)
            return -errno;
        if (d->fix == FIX_PGID) {
            memcpy(&v, buf, 4);
            int fg = tty_foreground(p);
            v = fg && v == getpgrp() ? fg : host_pgid_to_guest(p, v);
            memcpy(buf, &v, 4);
        }
        return put_user_struct(p, arg, buf, d->size);
    }
    return -ENOTTY;
}
