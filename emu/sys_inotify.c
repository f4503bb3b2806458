/*
 * sys_inotify.c - inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch
 * (fs/notify/inotify/inotify_user.c).
 *
 * The guest's inotify instance is one of the host's: the guest's files are the host's, and so
 * are the changes it watches for (made by guests through the host's calls, or by anything else
 * on the host). The host fd is non-blocking and `external`, like a timerfd: a read with no event
 * parks its process, and with every guest process parked faultline waits for the host. The
 * events (struct inotify_event with the name of the entry in a watched directory) are the same
 * bytes on host and guest, so read() passes them through.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>

#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/syscall.h"

long sys_inotify_init1(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[0];
    int h;

    if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
        return -EINVAL;
    h = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (h < 0)
        return -errno;
    return fd_install_nonblocking(p->files, h, flags & IN_NONBLOCK, flags & IN_CLOEXEC, true);
}

long sys_inotify_init(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {0};

    (void)a;
    return sys_inotify_init1(p, b);
}

/* inotify_add_watch(fd, path, mask): the watch descriptor, which is the host's. A guest fd that
 * is no inotify instance gets the host's EINVAL. */
long sys_inotify_add_watch(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    char hpath[PATH_MAX];
    int hdir;
    long r;

    if (!o)
        return -EBADF;
    r = get_path_at(p, AT_FDCWD, a[1], hpath, &hdir);
    if (r < 0)
        return r;
    /* inotify_add_watch has no *at form: a relative path is relative to the cwd, as resolved */
    r = inotify_add_watch(o->hostfd, hpath, (uint32_t)a[2]);
    return r < 0 ? -errno : r;
}

long sys_inotify_rm_watch(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);

    if (!o)
        return -EBADF;
    return inotify_rm_watch(o->hostfd, (int)a[1]) < 0 ? -errno : 0;
}
