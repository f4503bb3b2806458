/*
 * sys_net.c - sockets (net/socket.c): socket, connect, getsockname and getpeername, on host
 * sockets.
 *
 * A guest socket is a host socket wrapped in an ofd like any other fd (fdtable.h), so read,
 * write, poll, fcntl and close work on it through the generic paths. What the host cannot see is
 * translated here: the guest's fd numbers and flags, and the path of an AF_UNIX address, which
 * is a guest path (path.h: under -L/--sysroot it is looked up in the sysroot first). glibc opens
 * one at start-up in programs that look up users or hosts (ls -l, sqlite3): it asks nscd through
 * AF_UNIX /var/run/nscd/socket and falls back to the files when that connect fails.
 *
 * Blocking calls block faultline itself, with every guest process (no parking as for pipes):
 * enough for the short local exchanges these programs make.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/syscall.h"
#include "emu/uio.h"

_Static_assert(sizeof(struct sockaddr_un) == 110, "struct sockaddr_un is the kernel's");

/* The kernel's limit on a socket address (sizeof(struct sockaddr_storage)). */
#define FL_SOCKADDR_MAX 128

/*
 * socket(domain, type, protocol): the host's socket, always close-on-exec on the host (the
 * guest's SOCK_CLOEXEC belongs to the guest fd); SOCK_NONBLOCK becomes the ofd's O_NONBLOCK as
 * Linux's sock_alloc_file records it. The host checks domain, type and protocol.
 */
long sys_socket(struct proc *p, const uint64_t a[6])
{
    int type = (int)a[1], h, fd;
    struct ofd *o;

    if (type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK | 0xf))
        return -EINVAL;
    h = socket((int)a[0], (type & ~SOCK_CLOEXEC) | SOCK_CLOEXEC, (int)a[2]);
    if (h < 0)
        return -errno;
    o = ofd_new(h, O_RDWR | ((type & SOCK_NONBLOCK) ? O_NONBLOCK : 0), NULL);
    fd = fd_install(p->files, o, 0, type & SOCK_CLOEXEC);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

/*
 * connect(fd, addr, addrlen): the address is copied in (move_addr_to_kernel: a length above 128
 * is EINVAL, a fault EFAULT); an AF_UNIX path name (not an abstract one, which starts with a NUL)
 * is a guest path and is translated before the host connects.
 */
long sys_connect(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union {
        struct sockaddr sa;
        struct sockaddr_un un;
        char raw[FL_SOCKADDR_MAX + 1];
    } addr;
    int len = (int)a[2], hdir;

    if (!o)
        return -EBADF;
    if (len < 0 || len > FL_SOCKADDR_MAX)
        return -EINVAL;
    memset(&addr, 0, sizeof(addr));
    if (len && get_user_struct(p, &addr, a[1], len))
        return -EFAULT;
    if (len > (int)offsetof(struct sockaddr_un, sun_path) && addr.sa.sa_family == AF_UNIX &&
        addr.un.sun_path[0]) {
        char guest[sizeof(addr.un.sun_path) + 1], host[PATH_MAX];
        size_t n = len - offsetof(struct sockaddr_un, sun_path);

        memcpy(guest, addr.un.sun_path, n < sizeof(guest) ? n : sizeof(guest) - 1);
        guest[n < sizeof(guest) ? n : sizeof(guest) - 1] = 0;
        if (resolve_at(p, AT_FDCWD, guest, host, sizeof(host), &hdir))
            return -ENAMETOOLONG;
        if (strlen(host) >= sizeof(addr.un.sun_path))
            return -ENAMETOOLONG;
        memset(addr.un.sun_path, 0, sizeof(addr.un.sun_path));
        memcpy(addr.un.sun_path, host, strlen(host));
        len = (int)(offsetof(struct sockaddr_un, sun_path) + strlen(host) + 1);
    }
    return host_ret(connect(o->hostfd, &addr.sa, len));
}

/*
 * getsockname/getpeername(fd, addr, addrlen): the host socket's address, copied out as
 * move_addr_to_user does: *addrlen says how much room there is, the address is cut to it, and
 * *addrlen is set to the address's full length. A descriptor that is not a socket (a pipe, a
 * terminal: bash asks about its stdin) is ENOTSOCK from the host, as from Linux.
 */
static long sock_name(struct proc *p, const uint64_t a[6], bool peer)
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    union {
        struct sockaddr sa;
        char raw[FL_SOCKADDR_MAX];
    } addr;
    socklen_t len = sizeof(addr);
    int32_t room;

    if (!o)
        return -EBADF;
    if (get_user_struct(p, &room, a[2], sizeof(room)))
        return -EFAULT;
    if (room < 0)
        return -EINVAL;
    if ((peer ? getpeername(o->hostfd, &addr.sa, &len) : getsockname(o->hostfd, &addr.sa, &len)) <
        0)
        return -errno;
    if (len > sizeof(addr))
        len = sizeof(addr);
    size_t n = (size_t)room < len ? (size_t)room : len;
    int32_t full = (int32_t)len;
    if ((n && put_user_struct(p, a[1], &addr, n)) || put_user_struct(p, a[2], &full, sizeof(full)))
        return -EFAULT;
    return 0;
}

long sys_getsockname(struct proc *p, const uint64_t a[6])
{
    return sock_name(p, a, false);
}

long sys_getpeername(struct proc *p, const uint64_t a[6])
{
    return sock_name(p, a, true);
}
