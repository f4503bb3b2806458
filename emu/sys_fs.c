/*
 * sys_fs.c - calls about names in the file system rather than open files: access, readlink,
 * mkdir, rmdir, unlink, rename, chmod, chown, umask, utimes, statfs, getcwd, chdir, the reading
 * xattr calls (fs/namei.c, fs/open.c, fs/stat.c, fs/utimes.c, fs/statfs.c, fs/d_path.c,
 * fs/xattr.c).
 *
 * Each guest (dirfd, path) becomes a host one through path.h, and the host's *at() call does the
 * rest, with its own errors. The raw syscalls are used where glibc's wrapper would add behaviour
 * of its own (faccessat's flag emulation, fchmodat's AT_SYMLINK_NOFOLLOW, getcwd's allocation).
 *
 * The cwd is the host process's own: with one guest process, chdir moves faultline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/hostfile.h"
#include "emu/path.h"
#include "emu/procfs.h"
#include "emu/cred.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

_Static_assert(sizeof(struct statfs) == 120, "struct statfs is the kernel's");
_Static_assert(sizeof(struct timeval) == 16 && sizeof(struct timespec) == 16, "64-bit times");

/* Declare a host path `name` resolved from guest (dirfd, upath), returning on error. */
#define GUEST_PATH(name, hdir, p, dirfd, upath)                                                    \
    char name[PATH_MAX];                                                                           \
    int hdir;                                                                                      \
    do {                                                                                           \
        long r_ = get_path_at((p), (dirfd), (upath), name, &hdir);                                 \
        if (r_ < 0)                                                                                \
            return r_;                                                                             \
    } while (0)

/* --- access --- */

long sys_access(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return cred_faccessat(p, hdir, path, (int)a[1], 0);
}

long sys_faccessat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return cred_faccessat(p, hdir, path, (int)a[2], 0);
}

long sys_faccessat2(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return cred_faccessat(p, hdir, path, (int)a[2], (int)a[3]);
}

/* --- readlink --- */

/* readlinkat: bufsiz <= 0 is EINVAL before the path is read. The target is not NUL-terminated
 * and is cut at bufsiz, as Linux's. /proc links about the guest are procfs's. */
static long do_readlinkat(struct proc *p, int dirfd, uint64_t upath, uint64_t ubuf, int bufsiz)
{
    char name[PATH_MAX], path[PATH_MAX], target[PATH_MAX], abs[PATH_MAX];
    const char *gname;
    int hdir;
    long n;

    if (bufsiz <= 0)
        return -EINVAL;
    n = get_user_path(p, upath, name);
    if (n < 0)
        return n;
    gname = proc_absolute(p, dirfd, name, abs, sizeof(abs)); /* "self/exe" in /proc */
    n = gname[0] == '/' ? procfs_readlink(p, gname, target, sizeof(target)) : PROCFS_PASSTHROUGH;
    if (n == PROCFS_PASSTHROUGH) {
        n = resolve_at(p, dirfd, name, path, sizeof(path), &hdir);
        if (n < 0)
            return n;
        n = readlinkat(hdir, path, target, sizeof(target));
        if (n < 0)
            return -errno;
    } else if (n < 0) {
        return n;
    }
    if (n > (long)sizeof(target))
        n = sizeof(target);
    if (n > bufsiz)
        n = bufsiz;
    return put_user_struct(p, ubuf, target, n) ? -EFAULT : n;
}

long sys_readlink(struct proc *p, const uint64_t a[6])
{
    return do_readlinkat(p, AT_FDCWD, a[0], a[1], (int)a[2]);
}

long sys_readlinkat(struct proc *p, const uint64_t a[6])
{
    return do_readlinkat(p, (int)a[0], a[1], a[2], (int)a[3]);
}

/* --- creating, removing, renaming names --- */

long sys_mkdir(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(mkdirat(hdir, path, (mode_t)a[1]));
}

long sys_mkdirat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return host_ret(mkdirat(hdir, path, (mode_t)a[2]));
}

/* mknod/mknodat: the host's, so a FIFO or socket node is a host one (opening a FIFO:
 * sys_file.c); device nodes need the host's privileges, as they would natively. */
long sys_mknod(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(mknodat(hdir, path, (mode_t)a[1], (dev_t)a[2]));
}

long sys_mknodat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return host_ret(mknodat(hdir, path, (mode_t)a[2], (dev_t)a[3]));
}

long sys_rmdir(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(unlinkat(hdir, path, AT_REMOVEDIR));
}

long sys_unlink(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(unlinkat(hdir, path, 0));
}

long sys_unlinkat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return host_ret(unlinkat(hdir, path, (int)a[2]));
}

/* symlink(target, linkpath): the target is stored as given (it is not a path looked up now). */
static long do_symlinkat(struct proc *p, uint64_t utarget, int dirfd, uint64_t ulink)
{
    char target[PATH_MAX];
    long r = get_user_path(p, utarget, target);

    if (r < 0)
        return r;
    GUEST_PATH(path, hdir, p, dirfd, ulink);
    return host_ret(symlinkat(target, hdir, path));
}

long sys_symlink(struct proc *p, const uint64_t a[6])
{
    return do_symlinkat(p, a[0], AT_FDCWD, a[1]);
}

long sys_symlinkat(struct proc *p, const uint64_t a[6])
{
    return do_symlinkat(p, a[0], (int)a[1], a[2]);
}

static long do_linkat(struct proc *p, int olddirfd, uint64_t uold, int newdirfd, uint64_t unew,
                      int flags)
{
    char oldp[PATH_MAX], newp[PATH_MAX];
    int hold, hnew;
    long r = get_path_at(p, olddirfd, uold, oldp, &hold); /* "" + AT_EMPTY_PATH: olddirfd */

    if (r < 0)
        return r;
    r = get_path_at(p, newdirfd, unew, newp, &hnew);
    if (r < 0)
        return r;
    return host_ret(linkat(hold, oldp, hnew, newp, flags));
}

long sys_link(struct proc *p, const uint64_t a[6])
{
    return do_linkat(p, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_linkat(struct proc *p, const uint64_t a[6])
{
    return do_linkat(p, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

/* rename, renameat, renameat2: each name is resolved on its own, so with a sysroot a new name
 * that does not exist there yet lands on the host side (as with qemu-user). */
static long do_renameat2(struct proc *p, int olddirfd, uint64_t uold, int newdirfd, uint64_t unew,
                         unsigned flags)
{
    char oldp[PATH_MAX], newp[PATH_MAX];
    int hold, hnew;
    long r = get_path_at(p, olddirfd, uold, oldp, &hold);

    if (r < 0)
        return r;
    r = get_path_at(p, newdirfd, unew, newp, &hnew);
    if (r < 0)
        return r;
    return host_ret(syscall(SYS_renameat2, hold, oldp, hnew, newp, flags));
}

long sys_rename(struct proc *p, const uint64_t a[6])
{
    return do_renameat2(p, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_renameat(struct proc *p, const uint64_t a[6])
{
    return do_renameat2(p, (int)a[0], a[1], (int)a[2], a[3], 0);
}

long sys_renameat2(struct proc *p, const uint64_t a[6])
{
    return do_renameat2(p, (int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}

/* --- attributes --- */

long sys_chmod(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(syscall(SYS_fchmodat, hdir, path, (mode_t)a[1]));
}

long sys_fchmodat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return host_ret(syscall(SYS_fchmodat, hdir, path, (mode_t)a[2]));
}

long sys_fchmod(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);

    if (!o)
        return -EBADF;
    return host_ret(fchmod(o->hostfd, (mode_t)a[1]));
}

long sys_chown(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(fchownat(hdir, path, (uid_t)a[1], (gid_t)a[2], 0));
}

long sys_lchown(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    return host_ret(fchownat(hdir, path, (uid_t)a[1], (gid_t)a[2], AT_SYMLINK_NOFOLLOW));
}

long sys_fchown(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);

    if (!o)
        return -EBADF;
    return host_ret(fchown(o->hostfd, (uid_t)a[1], (gid_t)a[2]));
}

long sys_truncate(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    long r;

    (void)hdir;
    struct stat st;
    if ((int64_t)a[1] >= 0 && fsize_limited(p) && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (r = fsize_newsize_ok(p, (uint64_t)st.st_size, a[1])) < 0)
        return r;
    r = host_ret(truncate(path, (off_t)a[1]));
    if (r == 0) /* truncate_pagecache: the cache and the mappings follow the new size */
        hostfile_after_truncate_path(path);
    return r;
}

long sys_fchownat(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, (int)a[0], a[1]);
    return host_ret(fchownat(hdir, path, (uid_t)a[2], (gid_t)a[3], (int)a[4]));
}

/* Do q and p share an fs_struct (CLONE_FS: a thread and its creator, by pthread_create)? */
static bool fs_shared(const struct proc *q, const struct proc *p)
{
    return q != p && !q->exited && q->fs_id == p->fs_id;
}

/*
 * umask: the process's own (fs_struct's, shared by the tasks created with CLONE_FS), put into
 * the host's while the process runs (switch_cwd in emu/run.c), since the host creates the
 * guest's files. A forked child's umask is its own: changing it leaves the parent's alone.
 */
long sys_umask(struct proc *p, const uint64_t a[6])
{
    unsigned old = p->umask, mask = (unsigned)a[0] & 0777;
    p->umask = mask;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (fs_shared(q, p))
            q->umask = mask;
    umask((mode_t)mask);
    return old;
}

/*
 * The running process's cwd changed (it is the host's while it runs, switch_cwd): the tasks
 * sharing its fs_struct, which keep theirs in cwd_fd while they wait, move with it, as they
 * share one fs->pwd in Linux.
 */
static long cwd_changed(struct proc *p, long ret)
{
    for (struct proc *q = p->emu->procs; ret == 0 && q; q = q->next) {
        if (!fs_shared(q, p))
            continue;
        if (q->cwd_fd >= 0)
            close(q->cwd_fd);
        q->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    return ret;
}

/* Set a file's times from two timevals (NULL: now), the path relative to dirfd: what utimes,
 * utime and futimesat come to (do_utimes). */
static long set_times(struct proc *p, int dirfd, uint64_t upath, const struct timeval *tv)
{
    GUEST_PATH(path, hdir, p, dirfd, upath);
    return host_ret(syscall(SYS_futimesat, hdir, path, tv));
}

/* Two timevals from the guest, checked as utimes checks them: 0, -EFAULT or -EINVAL. */
static long get_timevals(struct proc *p, uint64_t uaddr, struct timeval tv[2])
{
    if (get_user_struct(p, tv, uaddr, 2 * sizeof(*tv)))
        return -EFAULT;
    for (int i = 0; i < 2; i++)
        if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
            return -EINVAL;
    return 0;
}

/* utimes(path, times): times NULL means now; the times are read and checked before the path. */
long sys_utimes(struct proc *p, const uint64_t a[6])
{
    struct timeval tv[2];
    long r = a[1] ? get_timevals(p, a[1], tv) : 0;
    return r ? r : set_times(p, AT_FDCWD, a[0], a[1] ? tv : NULL);
}

/* futimesat(dirfd, path, times): utimes relative to a directory fd. */
long sys_futimesat(struct proc *p, const uint64_t a[6])
{
    struct timeval tv[2];
    long r = a[2] ? get_timevals(p, a[2], tv) : 0;
    return r ? r : set_times(p, (int)a[0], a[1], a[2] ? tv : NULL);
}

/* utime(path, times): struct utimbuf's two whole seconds, NULL for now (fs/utimes.c). */
long sys_utime(struct proc *p, const uint64_t a[6])
{
    struct {
        int64_t actime, modtime;
    } t;
    struct timeval tv[2];

    if (a[1]) {
        if (get_user_struct(p, &t, a[1], sizeof(t)))
            return -EFAULT;
        tv[0] = (struct timeval){t.actime, 0};
        tv[1] = (struct timeval){t.modtime, 0};
    }
    return set_times(p, AT_FDCWD, a[0], a[1] ? tv : NULL);
}

/*
 * utimensat(dirfd, path, times, flags): a NULL path means the file dirfd itself (what futimens
 * uses). The times are read first, and two UTIME_OMITs succeed without looking at the file, as
 * in Linux's do_utimes.
 */
long sys_utimensat(struct proc *p, const uint64_t a[6])
{
    int dirfd = (int)a[0], flags = (int)a[3];
    struct timespec ts[2];
    char path[PATH_MAX];
    int hdir = AT_FDCWD;
    long r;

    if (a[2]) {
        if (get_user_struct(p, ts, a[2], sizeof(ts)))
            return -EFAULT;
        if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
            return 0;
    }
    if (a[1] == 0) {
        struct ofd *o = dirfd == AT_FDCWD ? NULL : fd_get(p->files, dirfd);
        if (dirfd != AT_FDCWD && !o)
            return -EBADF;
        /* AT_FDCWD with no path: the host says EFAULT, as Linux does */
        return host_ret(
            syscall(SYS_utimensat, o ? o->hostfd : AT_FDCWD, NULL, a[2] ? ts : NULL, flags));
    }
    r = get_path_at(p, dirfd, a[1], path, &hdir);
    if (r < 0)
        return r;
    return host_ret(syscall(SYS_utimensat, hdir, path, a[2] ? ts : NULL, flags));
}

/* --- file systems --- */

long sys_statfs(struct proc *p, const uint64_t a[6])
{
    struct statfs st;
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);

    (void)hdir; /* absolute or cwd-relative: statfs has no *at form */
    if (statfs(path, &st) < 0)
        return -errno;
    return put_user_struct(p, a[1], &st, sizeof(st));
}

long sys_fstatfs(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    struct statfs st;

    if (!o)
        return -EBADF;
    if (fstatfs(o->hostfd, &st) < 0)
        return -errno;
    return put_user_struct(p, a[1], &st, sizeof(st));
}

/* --- the working directory --- */

/* getcwd returns the length including the NUL (the raw syscall's result, not glibc's pointer);
 * a buffer too small is ERANGE. Linux builds the name in one page, so PATH_MAX is enough here. */
long sys_getcwd(struct proc *p, const uint64_t a[6])
{
    char buf[PATH_MAX], view[PATH_MAX];
    size_t size = a[1] < sizeof(buf) ? a[1] : sizeof(buf);
    long n = syscall(SYS_getcwd, buf, sizeof(buf));

    if (n < 0)
        return -errno;
    /* under a chroot the name is from the process's root, or "(unreachable)..." outside it */
    if (p->root && path_under_root(p->root, buf, view, sizeof(view)))
        memcpy(buf, view, (size_t)(n = (long)strlen(view) + 1));
    if ((size_t)n > size)
        return -ERANGE;
    return put_user_struct(p, a[0], buf, n) ? -EFAULT : n;
}

/* chroot(path) (ksys_chroot): the lookup's errors first (ENOENT, ENOTDIR for a non-directory),
 * then search permission, then CAP_SYS_CHROOT (root); the new root is the process's and its
 * CLONE_FS sharers', and a fork's child inherits it. The cwd stays where it is. */
long sys_chroot(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    struct stat st;
    char real[PATH_MAX];

    if (fstatat(hdir, path, &st, 0) != 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (faccessat(hdir, path, X_OK, AT_EACCESS) != 0)
        return -errno;
    if (!guest_capable(p, 18 /* CAP_SYS_CHROOT: gone with a task's root uid (emu/cred.c) */))
        return -EPERM;
    if (!realpath(path, real))
        return -errno;
    const char *root = strcmp(real, "/") == 0 ? NULL : path_intern_root(real);
    if (!root && strcmp(real, "/") != 0)
        return -ENOMEM;
    p->root = root;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (fs_shared(q, p))
            q->root = root;
    return 0;
}

/*
 * setns(fd, nstype) (kernel/nsproxy.c): fd must be a namespace file, /proc/PID/ns/NAME (EINVAL
 * for anything else, EBADF for no fd), of the type nstype names (0: any). faultline makes no
 * namespaces (clone and unshare refuse them), so every guest task is in the host's, as
 * faultline is, and the only ones it can enter are those: entering one is what each type's
 * ->install does for the task's own namespace. A user namespace is EINVAL (userns_install:
 * not one's own); the others need CAP_SYS_ADMIN in the task's effective set (EPERM); a mount
 * namespace also CAP_SYS_CHROOT and an fs_struct no other task shares (EINVAL), and puts the
 * root and the cwd at its root, undoing a chroot. A namespace faultline is not in is EINVAL:
 * it cannot take the guest there. Not done: entering the IPC namespace does not drop the
 * semaphore undo list (ipcns_install's exit_sem). Until 2026-12-07 setns was ENOSYS and
 * `nsenter -t PID -m -u ...` failed. The time namespace is Linux 5.6's, not 4.20's, but the
 * guest sees the host's /proc/PID/ns, where it is, so `nsenter -a` enters it too
 * (timens_install: EUSERS while another task shares the mm).
 */
long sys_setns(struct proc *p, const uint64_t a[6])
{
    static const struct {
        int type;
        const char *name;
    } types[] = {{0x00020000, "mnt"}, {0x02000000, "cgroup"}, {0x04000000, "uts"},
                 {0x08000000, "ipc"}, {0x10000000, "user"},   {0x20000000, "pid"},
                 {0x40000000, "net"}, {0x00000080, "time"}};
    struct ofd *o = fd_get(p->files, (int)a[0]);
    if (!o)
        return -EBADF;
    int type = ioctl(o->hostfd, 0xb703 /* NS_GET_NSTYPE */);
    const char *name = NULL;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].type == type)
            name = types[i].name;
    if (!name || ((int)a[1] && (int)a[1] != type))
        return -EINVAL;
    char own_path[32];
    struct stat ns, own;
    snprintf(own_path, sizeof(own_path), "/proc/self/ns/%s", name);
    if (fstat(o->hostfd, &ns) || stat(own_path, &own) || ns.st_ino != own.st_ino ||
        ns.st_dev != own.st_dev)
        return -EINVAL;
    if (type == 0x10000000) /* CLONE_NEWUSER: one's own */
        return -EINVAL;
    if (!guest_capable(p, 21 /* CAP_SYS_ADMIN */))
        return -EPERM;
    if (type == 0x00000080) { /* CLONE_NEWTIME: timens_install wants current_is_single_threaded */
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (q != p && !q->exited && q->task.mm == p->task.mm)
                return -EUSERS;
        return 0;
    }
    if (type != 0x00020000) /* CLONE_NEWNS */
        return 0;
    if (!guest_capable(p, 18 /* CAP_SYS_CHROOT */))
        return -EPERM;
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (fs_shared(q, p))
            return -EINVAL;
    const char *old_root = p->root;
    char root[PATH_MAX];
    int hdir;
    p->root = NULL; /* first: "/" is then the namespace's root, not the chroot's */
    long r = resolve_at(p, AT_FDCWD, "/", root, sizeof(root), &hdir);
    if (r < 0) {
        p->root = old_root;
        return r;
    }
    return cwd_changed(p, host_ret(chdir(root)));
}

long sys_chdir(struct proc *p, const uint64_t a[6])
{
    GUEST_PATH(path, hdir, p, AT_FDCWD, a[0]);
    (void)hdir;
    return cwd_changed(p, host_ret(chdir(path)));
}

long sys_fchdir(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);

    if (!o)
        return -EBADF;
    return cwd_changed(p, host_ret(fchdir(o->hostfd)));
}

/* --- extended attributes (fs/xattr.c) --- */

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

enum xattr_op { XATTR_GET, XATTR_LIST, XATTR_SET, XATTR_REMOVE };

/*
 * The xattr calls on the host file the guest names. nofollow picks the l* variant; fd >= 0 the
 * f* one (then upath is unused). For get and list, size 0 asks for the length only, as in Linux;
 * values larger than XATTR_SIZE_MAX cannot exist, so the host buffer is bounded by that. A set
 * takes size bytes of value (E2BIG past XATTR_SIZE_MAX) and XATTR_CREATE/XATTR_REPLACE in flags.
 */
static long do_xattr(struct proc *p, enum xattr_op op, bool nofollow, int fd, uint64_t upath,
                     uint64_t uname, uint64_t uval, size_t size, int flags)
{
    static char val[XATTR_SIZE_MAX];
    char path[PATH_MAX], name[XATTR_NAME_MAX + 1];
    struct ofd *o = NULL;
    int hdir = AT_FDCWD;
    long n;

    if (fd >= 0) {
        o = fd_get(p->files, fd);
        if (!o)
            return -EBADF;
    } else {
        n = get_path_at(p, AT_FDCWD, upath, path, &hdir);
        if (n < 0)
            return n;
    }
    if (op != XATTR_LIST) {
        n = strncpy_from_user(&p->task, name, uname, sizeof(name));
        if (n < 0)
            return -EFAULT;
        if (n == 0 || n >= (long)sizeof(name))
            return -ERANGE;
    }
    if (op == XATTR_SET) {
        if (size > XATTR_SIZE_MAX)
            return -E2BIG;
        if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
            return -EINVAL;
        if (size && get_user_struct(p, val, uval, size))
            return -EFAULT;
        n = o          ? fsetxattr(o->hostfd, name, val, size, flags)
            : nofollow ? lsetxattr(path, name, val, size, flags)
                       : setxattr(path, name, val, size, flags);
        return n < 0 ? -errno : 0;
    }
    if (op == XATTR_REMOVE) {
        n = o          ? fremovexattr(o->hostfd, name)
            : nofollow ? lremovexattr(path, name)
                       : removexattr(path, name);
        return n < 0 ? -errno : 0;
    }
    if (size > XATTR_SIZE_MAX)
        size = XATTR_SIZE_MAX;
    if (op == XATTR_GET)
        n = o          ? fgetxattr(o->hostfd, name, size ? val : NULL, size)
            : nofollow ? lgetxattr(path, name, size ? val : NULL, size)
                       : getxattr(path, name, size ? val : NULL, size);
    else
        n = o          ? flistxattr(o->hostfd, size ? val : NULL, size)
            : nofollow ? llistxattr(path, size ? val : NULL, size)
                       : listxattr(path, size ? val : NULL, size);
    if (n < 0)
        return -errno;
    if (size && n > 0 && put_user_struct(p, uval, val, n))
        return -EFAULT;
    return n;
}

long sys_getxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_GET, false, -1, a[0], a[1], a[2], a[3], 0);
}

long sys_lgetxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_GET, true, -1, a[0], a[1], a[2], a[3], 0);
}

long sys_fgetxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_GET, false, (int)a[0], 0, a[1], a[2], a[3], 0);
}

long sys_listxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_LIST, false, -1, a[0], 0, a[1], a[2], 0);
}

long sys_llistxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_LIST, true, -1, a[0], 0, a[1], a[2], 0);
}

long sys_flistxattr(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] < 0)
        return -EBADF;
    return do_xattr(p, XATTR_LIST, false, (int)a[0], 0, 0, a[1], a[2], 0);
}

long sys_setxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_SET, false, -1, a[0], a[1], a[2], a[3], (int)a[4]);
}

long sys_lsetxattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_SET, true, -1, a[0], a[1], a[2], a[3], (int)a[4]);
}

long sys_fsetxattr(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] < 0)
        return -EBADF;
    return do_xattr(p, XATTR_SET, false, (int)a[0], 0, a[1], a[2], a[3], (int)a[4]);
}

long sys_removexattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_REMOVE, false, -1, a[0], a[1], 0, 0, 0);
}

long sys_lremovexattr(struct proc *p, const uint64_t a[6])
{
    return do_xattr(p, XATTR_REMOVE, true, -1, a[0], a[1], 0, 0, 0);
}

long sys_fremovexattr(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] < 0)
        return -EBADF;
    return do_xattr(p, XATTR_REMOVE, false, (int)a[0], 0, a[1], 0, 0, 0);
}
