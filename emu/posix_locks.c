/*
 * posix_locks.c - fcntl record locks between guest processes (fs/locks.c's POSIX locks).
 *
 * A POSIX lock belongs to a process: its processes' locks conflict, one process's never
 * conflict with each other, and closing any descriptor of the file drops all of that process's
 * locks on it (locks_remove_posix). faultline is one host process for every guest process, so
 * the host's POSIX locks would make them all one owner: no conflicts, and a close by one
 * dropping the others' locks. Instead each (guest process, file) gets a host open file
 * description of its own, opened through /proc/self/fd, and its locks are taken there as OFD
 * locks: those conflict between descriptions, and with other host processes' POSIX locks, as
 * the guest processes' should; one description per process and file gives a process no
 * conflicts with itself, and closing it is locks_remove_posix. A waiting F_SETLKW parks and
 * tries again (a host wait would stop every guest, the holder too). Regular files only; other
 * files keep the host's locks as they are.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/posix_locks.h"
#include "emu/proc.h"
#include "emu/sched.h"
#include "emu/uio.h"

/* The host description a process's locks on one file live on. */
struct lock_fd {
    int tgid;
    dev_t dev;
    ino_t ino;
    int hostfd;
    struct lock_fd *next;
};

static struct lock_fd *lock_fds;

static struct lock_fd *find(int tgid, dev_t dev, ino_t ino)
{
    for (struct lock_fd *l = lock_fds; l; l = l->next)
        if (l->tgid == tgid && l->dev == dev && l->ino == ino)
            return l;
    return NULL;
}

/* p's description for o's file, opened on first use; NULL with *err set. */
static struct lock_fd *lock_fd_of(struct proc *p, struct ofd *o, const struct stat *st, int *err)
{
    struct lock_fd *l = find(p->task.tgid, st->st_dev, st->st_ino);
    if (l)
        return l;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", o->hostfd);
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        fd = open(path, ((o->flags & O_ACCMODE) == O_WRONLY ? O_WRONLY : O_RDONLY) | O_CLOEXEC |
                            O_NOCTTY);
    if (fd < 0 || !(l = calloc(1, sizeof(*l)))) {
        *err = fd < 0 ? -errno : -ENOMEM;
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    *l = (struct lock_fd){p->task.tgid, st->st_dev, st->st_ino, fd, lock_fds};
    lock_fds = l;
    return l;
}

/* Another guest process that holds locks on the file (for F_GETLK's l_pid: an OFD lock has
 * none); the lowest pid if there are several. */
static int other_holder(struct proc *p, dev_t dev, ino_t ino)
{
    int pid = -1;
    for (struct lock_fd *l = lock_fds; l; l = l->next)
        if (l->tgid != p->task.tgid && l->dev == dev && l->ino == ino && (pid < 0 || l->tgid < pid))
            pid = l->tgid;
    return pid;
}

long posix_lock(struct proc *p, struct ofd *o, int cmd, uint64_t uarg)
{
    struct flock fl;
    struct stat st;
    int err = 0;

    if (get_user_struct(p, &fl, uarg, sizeof(fl)))
        return -EFAULT;
    if (fstat(o->hostfd, &st) || !S_ISREG(st.st_mode)) { /* the host's, as before */
        if (fcntl(o->hostfd, cmd == F_SETLKW ? F_SETLK : cmd, &fl) < 0)
            return -errno;
        return cmd == F_GETLK ? put_user_struct(p, uarg, &fl, sizeof(fl)) : 0;
    }
    if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
        return -EINVAL;
    /* a lock needs the descriptor open for it (fcntl_setlk's EBADF), a test does not */
    int acc = o->flags & O_ACCMODE;
    if (cmd != F_GETLK &&
        ((fl.l_type == F_RDLCK && acc == O_WRONLY) || (fl.l_type == F_WRLCK && acc == O_RDONLY)))
        return -EBADF;
    /* SEEK_CUR is the guest's position, not that of the description the lock goes on */
    if (fl.l_whence == SEEK_CUR) {
        off_t pos = lseek(o->hostfd, 0, SEEK_CUR);
        if (pos < 0)
            return -errno;
        fl.l_start += pos;
        fl.l_whence = SEEK_SET;
    }
    struct lock_fd *l = lock_fd_of(p, o, &st, &err);
    if (!l)
        return err;
    fl.l_pid = 0; /* the OFD commands want it 0 */
    if (cmd == F_GETLK) {
        if (fcntl(l->hostfd, F_OFD_GETLK, &fl) < 0)
            return -errno;
        if (fl.l_type != F_UNLCK && fl.l_pid == -1) /* a description's lock: a guest's */
            fl.l_pid = other_holder(p, st.st_dev, st.st_ino);
        return put_user_struct(p, uarg, &fl, sizeof(fl));
    }
    if (fcntl(l->hostfd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if ((errno == EAGAIN || errno == EACCES) && cmd == F_SETLKW)
        return park_retry_after(p, 10);
    return errno == EACCES ? -EAGAIN : -errno;
}

static void drop(struct lock_fd **link)
{
    struct lock_fd *l = *link;
    *link = l->next;
    close(l->hostfd);
    free(l);
}

void posix_locks_close(struct proc *p, struct ofd *o)
{
    struct stat st;
    if (!lock_fds || !o || fstat(o->hostfd, &st) || !S_ISREG(st.st_mode))
        return;
    for (struct lock_fd **link = &lock_fds; *link; link = &(*link)->next)
        if ((*link)->tgid == p->task.tgid && (*link)->dev == st.st_dev &&
            (*link)->ino == st.st_ino) {
            drop(link);
            return;
        }
}

bool posix_locks_held(const struct proc *p)
{
    for (struct lock_fd *l = lock_fds; l; l = l->next)
        if (l->tgid == p->task.tgid)
            return true;
    return false;
}

void posix_locks_exit(struct proc *p)
{
    for (struct lock_fd **link = &lock_fds; *link;)
        if ((*link)->tgid == p->task.tgid)
            drop(link);
        else
            link = &(*link)->next;
}
