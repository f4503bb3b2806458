/*
 * procfs.c - the model-backed /proc (see procfs.h).
 *
 * Nothing is served from the model yet: the model-backed files (/proc/self/maps, /proc/self/stat,
 * /proc/PID/...) are filled in here. What is served already are the names whose host answer would
 * describe faultline rather than the guest: the exe link and the fd/N links (open and readlink).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/proc.h"
#include "emu/procfs.h"

static const char *proc_self_rest(struct proc *p, const char *path);

/* The guest fd a "fd/N" tail names, or -1. */
static int parse_fd(const char *s)
{
    char *end;
    long fd = strtol(s, &end, 10);

    if (end == s || *end || fd < 0 || fd >= FDTABLE_MAX)
        return -1;
    return (int)fd;
}

/* The guest fd that /proc/self/fd/N, /dev/fd/N or /dev/std{in,out,err} names, or -1. On the host
 * these resolve to faultline's own fds, so they are reopened through the guest's table. */
static int fd_link_target(struct proc *p, const char *path)
{
    const char *rest = proc_self_rest(p, path);

    if (rest && strncmp(rest, "fd/", 3) == 0)
        return parse_fd(rest + 3);
    if (strncmp(path, "/dev/fd/", 8) == 0)
        return parse_fd(path + 8);
    if (strcmp(path, "/dev/stdin") == 0)
        return 0;
    if (strcmp(path, "/dev/stdout") == 0)
        return 1;
    if (strcmp(path, "/dev/stderr") == 0)
        return 2;
    return -1;
}

int procfs_open(struct proc *p, const char *path, int flags)
{
    int fd = fd_link_target(p, path);

    if (fd >= 0) {
        struct ofd *o = fd_get(p->files, fd);
        char link[64];
        int h;

        if (!o)
            return -ENOENT;
        /* Linux reopens the file the link points at (a new open file description), which is
         * what opening the host's link to the host fd does. */
        snprintf(link, sizeof(link), "/proc/self/fd/%d", o->hostfd);
        h = open(link, flags | O_CLOEXEC, 0666);
        return h < 0 ? -errno : h;
    }
    /* the model-backed files (maps, stat, status, PID directories) go here */
    return PROCFS_PASSTHROUGH;
}

/* "/proc/self/rest", "/proc/thread-self/rest" or "/proc/<p's pid>/rest": the "rest", else NULL. */
static const char *proc_self_rest(struct proc *p, const char *path)
{
    const char *s;
    char *end;
    long pid;

    if (strncmp(path, "/proc/", 6) != 0)
        return NULL;
    s = path + 6;
    if (strncmp(s, "self/", 5) == 0)
        return s + 5;
    if (strncmp(s, "thread-self/", 12) == 0)
        return s + 12;
    pid = strtol(s, &end, 10);
    if (end != s && *end == '/' && (pid == p->task.tgid || pid == p->task.pid))
        return end + 1;
    return NULL;
}

static long copy_link(const char *target, char *out, size_t outlen)
{
    size_t len = strlen(target);

    memcpy(out, target, len < outlen ? len : outlen);
    return (long)len;
}

long procfs_readlink(struct proc *p, const char *path, char *out, size_t outlen)
{
    const char *rest = proc_self_rest(p, path);
    char buf[PATH_MAX];
    int fd;

    /* /proc/self itself: the guest's pid, which resolve_at() maps back to faultline's dir */
    if (strcmp(path, "/proc/self") == 0) {
        snprintf(buf, sizeof(buf), "%d", p->task.tgid);
        return copy_link(buf, out, outlen);
    }
    if (!rest)
        return PROCFS_PASSTHROUGH;
    if (strcmp(rest, "exe") == 0) {
        if (!p->exe)
            return -ENOENT;
        if (!realpath(p->exe, buf))
            snprintf(buf, sizeof(buf), "%s", p->exe);
        strip_sysroot(p, buf);
        return copy_link(buf, out, outlen);
    }
    if (strncmp(rest, "fd/", 3) == 0) {
        struct ofd *o;
        char link[64];
        ssize_t n;

        fd = parse_fd(rest + 3);
        o = fd < 0 ? NULL : fd_get(p->files, fd);
        if (!o)
            return -ENOENT;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", o->hostfd);
        n = readlink(link, buf, sizeof(buf) - 1);
        if (n < 0)
            return -errno;
        buf[n] = 0;
        strip_sysroot(p, buf);
        return copy_link(buf, out, outlen);
    }
    return PROCFS_PASSTHROUGH;
}
