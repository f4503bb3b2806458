/*
 * path.c - guest path names to host path names (see path.h for the rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/cpu_bugs.h"
#include "emu/fdtable.h"
#include "emu/mm_tunables.h"
#include "emu/path.h"
#include "emu/proc_cpu.h"
#include "emu/sys_node.h"
#include "emu/proc.h"
#include "emu/sched.h"
#include "mmu/uaccess.h"

long get_user_path(struct proc *p, uint64_t uaddr, char buf[PATH_MAX])
{
    return strncpy_from_user(&p->task, buf, uaddr, PATH_MAX);
}

/* The sysroot-prefixed form of an absolute path, if that file exists under the sysroot. */
static bool sysroot_lookup(const char *sysroot, const char *path, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s", sysroot, path);

    if (n < 0 || (size_t)n >= outlen)
        return false;
    /* AT_SYMLINK_NOFOLLOW: a symlink in the sysroot counts even when its target is elsewhere,
     * so lstat/readlink/unlink see the sysroot's link itself. */
    return faccessat(AT_FDCWD, out, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The guest process a "/proc/<N>" component names (a pid or a tid), or NULL. */
static struct proc *guest_pid(struct proc *p, long pid)
{
    if (pid == p->task.tgid || pid == p->task.pid)
        return p;
    return pid > 0 && pid <= INT_MAX && p->emu ? find_proc(p->emu, (int)pid) : NULL;
}

const char *proc_pid_rest(struct proc *p, const char *path, struct proc **target, bool *per_thread)
{
    const char *s;
    char *end;
    long pid;

    *target = p;
    if (per_thread)
        *per_thread = false;
    if (strncmp(path, "/proc/", 6) != 0)
        return NULL;
    s = path + 6;
    if (strncmp(s, "self/", 5) == 0) {
        s += 5;
    } else if (strncmp(s, "thread-self/", 12) == 0) {
        s += 12;
    } else {
        pid = strtol(s, &end, 10);
        if (end == s || *end != '/' || !(*target = guest_pid(p, pid))) {
            *target = p;
            return NULL;
        }
        s = end + 1;
    }
    /* task/<tid>[/REST]: a thread of the group, whose own files those are (proc_tid_base) */
    if (strncmp(s, "task/", 5) != 0)
        return s;
    pid = strtol(s + 5, &end, 10);
    if (end == s + 5 || (*end != '/' && *end != 0))
        return s; /* "task/" itself: the listing */
    struct proc *t = guest_pid(p, pid);
    if (!t || t->task.tgid != (*target)->task.tgid) {
        *target = p;
        return NULL;
    }
    *target = t;
    if (per_thread)
        *per_thread = true;
    return *end ? end + 1 : end;
}

/* The fd number a "N" tail names, or -1. */
static int parse_fd(const char *s)
{
    char *end;
    long fd = strtol(s, &end, 10);

    if (end == s || *end || fd < 0 || fd > INT_MAX)
        return -1;
    return (int)fd;
}

int guest_fd_link(struct proc *p, const char *path, struct ofd **o)
{
    struct proc *owner;
    const char *rest = proc_pid_rest(p, path, &owner, NULL);
    int fd = -1;

    *o = NULL;
    if (rest && strncmp(rest, "fd/", 3) == 0)
        fd = parse_fd(rest + 3);
    else if (strncmp(path, "/dev/fd/", 8) == 0)
        fd = parse_fd(path + 8);
    else if (strcmp(path, "/dev/stdin") == 0)
        fd = 0;
    else if (strcmp(path, "/dev/stdout") == 0)
        fd = 1;
    else if (strcmp(path, "/dev/stderr") == 0)
        fd = 2;
    if (fd < 0) /* the fd directory itself, or a name that is no fd number */
        return 0;
    *o = owner->files ? fd_get(owner->files, fd) : NULL;
    return *o ? 1 : -ENOENT;
}

void proc_set_exe(struct proc *p, const char *host)
{
    char real[PATH_MAX];

    proc_exe_put(p);
    free(p->exe);
    p->exe = strdup(realpath(host, real) ? real : host);
    int fd = p->exe ? open(p->exe, O_PATH | O_CLOEXEC) : -1;
    p->exe_fd = fd >= 0 ? fd + 1 : 0;
}

void proc_exe_put(struct proc *p)
{
    if (p->exe_fd)
        close(p->exe_fd - 1);
    p->exe_fd = 0;
}

/*
 * A guest fd link as the host's link to the host fd behind it, which the host follows to the
 * same file (for a pipe, the same pipe). Likewise /proc/{self,PID}/exe, as the host's link to
 * the O_PATH fd faultline holds on the guest's executable (on the host the name is faultline's
 * own): a link still, to lstat and O_NOFOLLOW, that stat, open and execve follow. 1 when path
 * is such a link (out written), -ENOENT when it names a guest fd that is not open or the exe of
 * a process that has exited, 0 when it is not a link.
 */
static int fd_link_to_host(struct proc *p, const char *path, char *out, size_t outlen)
{
    struct ofd *o;
    struct proc *t;
    const char *rest = proc_pid_rest(p, path, &t, NULL);
    int r;

    if (rest && strcmp(rest, "exe") == 0) {
        if (!t->exe_fd)
            return -ENOENT;
        snprintf(out, outlen, "/proc/self/fd/%d", t->exe_fd - 1);
        return 1;
    }
    r = guest_fd_link(p, path, &o);
    if (r != 0) {
        if (r > 0)
            snprintf(out, outlen, "/proc/self/fd/%d", o->hostfd);
        return r;
    }
    /* a name under a directory a guest fd is: "/dev/fd/N/REST", "/proc/{self,PID}/fd/N/REST"
     * (the link followed, then REST looked up in it) */
    const char *s = strncmp(path, "/dev/fd/", 8) == 0      ? path + 8
                    : rest && strncmp(rest, "fd/", 3) == 0 ? rest + 3
                                                           : NULL;
    const char *slash = s ? strchr(s, '/') : NULL;
    char head[PATH_MAX];
    if (!slash || (size_t)(slash - path) >= sizeof(head))
        return 0;
    memcpy(head, path, (size_t)(slash - path));
    head[slash - path] = 0;
    r = guest_fd_link(p, head, &o);
    if (r <= 0)
        return r;
    if (snprintf(out, outlen, "/proc/self/fd/%d%s", o->hostfd, slash) >= (int)outlen)
        return -ENAMETOOLONG;
    return 1;
}

/*
 * "/proc/<a guest pid>/rest" names that guest process's /proc directory; every guest process
 * lives in faultline, so on the host that is "/proc/<faultline's pid>/rest" (readlink
 * ("/proc/self") answers the guest's pid, so this is the path realpath() and friends build from
 * it). What would describe faultline there is served by procfs.c first. So is
 * "/proc/self/task/<tid>/rest" for a thread of the caller's (until 2026-12-07 it went to the
 * host as it was, where faultline has no such tid: ENOENT). False when path is not such a name.
 */
static bool proc_pid_to_host(struct proc *p, const char *path, char *out, size_t outlen)
{
    const char *s = path + 6;
    char *end;
    long pid;
    int n;

    if (strncmp(path, "/proc/self/task/", 16) == 0) {
        /* the host's "self" is faultline, which has none of the guest's tids: a thread of
         * the caller's group is named as below, anything else left to the host to refuse */
        char *tid_end;
        long tid = strtol(path + 16, &tid_end, 10);
        struct proc *t = tid_end != path + 16 && (*tid_end == '/' || !*tid_end) && tid > 0
                             ? guest_pid(p, tid)
                             : NULL;
        if (!t || t->task.tgid != p->task.tgid)
            return false;
        end = (char *)path + 10; /* "/task/<tid>..." */
    } else {
        if (strncmp(path, "/proc/", 6) != 0 || *s < '0' || *s > '9')
            return false;
        pid = strtol(s, &end, 10);
        if ((*end != '/' && *end != 0) || !guest_pid(p, pid))
            return false;
    }
    /* a guest thread's directory, task/<tid>: faultline's own thread's on the host */
    char *tail = end;
    if (strncmp(end, "/task/", 6) == 0 && end[6] >= '0' && end[6] <= '9') {
        strtol(end + 6, &tail, 10);
        if (*tail == '/' || *tail == 0) {
            n = snprintf(out, outlen, "/proc/%d/task/%d%s", (int)getpid(), (int)getpid(), tail);
            return n >= 0 && (size_t)n < outlen;
        }
        tail = end;
    }
    n = snprintf(out, outlen, "/proc/%d%s", (int)getpid(), tail);
    return n >= 0 && (size_t)n < outlen;
}

/* Is path dir or a path under it? */
static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

const char *proc_absolute(struct proc *p, int dirfd, const char *name, char *buf, size_t len)
{
    char cwd[PATH_MAX];
    const char *base = NULL;
    int n;

    if (name[0] == '/' || !name[0])
        return name;
    if (dirfd == AT_FDCWD) {
        base = getcwd(cwd, sizeof(cwd)); /* the guest's cwd is faultline's (path.h) */
    } else {
        struct ofd *o = p->files ? fd_get(p->files, dirfd) : NULL;
        base = o ? o->path : NULL;
    }
    if (!base)
        return name;
    /* or a name that leads there from above: "proc/sys/vm/swappiness" in / */
    bool from_above = false;
    if (!(under(base, "/proc") || under(base, SYS_CPU_DIR) || under(base, SYS_NODE_DIR) ||
          under(base, SYS_MEMORY_DIR) || under(base, MM_TUNABLES_THP_DIR))) {
        char joined[PATH_MAX];
        n = snprintf(joined, sizeof(joined), "%s/%s", strcmp(base, "/") ? base : "", name);
        if (n <= 0 || (size_t)n >= sizeof(joined) ||
            !(under(joined, "/proc") || under(joined, SYS_CPU_DIR) || under(joined, SYS_NODE_DIR) ||
              under(joined, SYS_MEMORY_DIR) || under(joined, MM_TUNABLES_THP_DIR)))
            return name;
        from_above = true;
    }
    /* a cwd of /proc/self is faultline's /proc/<pid> on the host: the guest's own */
    char self[32];
    int sl = snprintf(self, sizeof(self), "/proc/%d", (int)getpid());
    if (strncmp(base, self, (size_t)sl) == 0 && (base[sl] == '/' || base[sl] == 0))
        n = snprintf(buf, len, "/proc/self%s/%s", base + sl, name);
    else
        n = snprintf(buf, len, "%s/%s", from_above && !strcmp(base, "/") ? "" : base, name);
    return n > 0 && (size_t)n < len ? buf : name;
}

bool path_walk_lexically(const char *path, char *out, size_t len)
{
    size_t n = 0;
    struct stat st;

    if (!path[0] || path[strlen(path) - 1] == '/')
        return false;
    for (const char *q = path; *q;) {
        while (*q == '/')
            q++;
        size_t seg = strcspn(q, "/");
        if (!seg)
            break;
        bool dot = seg == 1 && q[0] == '.', dotdot = seg == 2 && q[0] == '.' && q[1] == '.';
        if ((dot || dotdot) && n) {
            out[n] = 0;
            if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode))
                return false; /* missing (ENOENT), a link, or a file (ENOTDIR) */
        }
        if (dotdot) {
            while (n && out[n - 1] != '/')
                n--;
            if (n)
                n--; /* the '/' before the last component */
        } else if (!dot) {
            if (n + 1 + seg >= len)
                return false;
            out[n++] = '/';
            memcpy(out + n, q, seg);
            n += seg;
        }
        q += seg;
    }
    out[n] = 0;
    return true;
}

#define MAX_ROOTS 64

const char *path_intern_root(const char *host)
{
    static char *roots[MAX_ROOTS];
    for (int i = 0; i < MAX_ROOTS; i++) {
        if (!roots[i])
            return roots[i] = strdup(host);
        if (strcmp(roots[i], host) == 0)
            return roots[i];
    }
    return NULL;
}

bool path_under_root(const char *root, const char *host, char *out, size_t outlen)
{
    int n = under(host, root)
                ? snprintf(out, outlen, "%s", host[strlen(root)] ? host + strlen(root) : "/")
                : snprintf(out, outlen, "(unreachable)%s", host);
    return n >= 0 && (size_t)n < outlen;
}

/* Does a relative path have a ".." component? */
static bool has_dotdot(const char *s)
{
    for (const char *c = s; (c = strstr(c, "..")); c += 2)
        if ((c == s || c[-1] == '/') && (c[2] == '/' || c[2] == 0))
            return true;
    return false;
}

/* The absolute guest path `in` with ".", ".." and repeated slashes taken out, ".." stopping at
 * "/" as it does at a process's root (follow_dotdot); a trailing slash is kept. */
static bool normalize(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    const char *s = in;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = strchrnul(s, '/');
        size_t len = (size_t)(e - s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--; /* the slash before the last component */
        } else if (len > 0 && !(len == 1 && s[0] == '.')) {
            if (n + 1 + len >= outlen)
                return false;
            out[n++] = '/';
            memcpy(out + n, s, len);
            n += len;
        }
        s = e;
    }
    size_t inlen = strlen(in);
    if (n == 0 || (inlen && in[inlen - 1] == '/')) {
        if (n + 1 >= outlen)
            return false;
        out[n++] = '/';
    }
    out[n] = 0;
    return true;
}

/*
 * resolve_at for a process with a root of its own (chroot): an absolute name, and a relative
 * one with ".." from a directory under the root, are made absolute in the guest's view,
 * normalized so that ".." cannot climb out of the root, and put under it. 1 when done (out
 * written), 0 when the usual rules apply (a relative name without "..", or from a directory
 * outside the root, where Linux does not stop ".." either), or -errno.
 */
static int resolve_in_root(struct proc *p, int dirfd, const char *guest_path, char *out,
                           size_t outlen)
{
    char base[PATH_MAX], view[PATH_MAX], joined[2 * PATH_MAX + 2], norm[PATH_MAX];
    const char *name = guest_path;
    if (guest_path[0] != '/') {
        if (!has_dotdot(guest_path))
            return 0;
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof(base))) /* the guest's cwd is faultline's (path.h) */
                return 0;
        } else {
            struct ofd *o = fd_get(p->files, dirfd);
            char link[64];
            if (!o)
                return -EBADF;
            snprintf(link, sizeof(link), "/proc/self/fd/%d", o->hostfd);
            ssize_t n = readlink(link, base, sizeof(base) - 1);
            if (n < 0)
                return 0;
            base[n] = 0;
        }
        if (!under(base, p->root))
            return 0;
        path_under_root(p->root, base, view, sizeof(view));
        snprintf(joined, sizeof(joined), "%s/%s", view, guest_path);
        name = joined;
    }
    if (!normalize(name, norm, sizeof(norm)))
        return -ENAMETOOLONG;
    int n = snprintf(out, outlen, "%s%s", p->root, strcmp(norm, "/") == 0 ? "" : norm);
    if (n < 0 || (size_t)n >= outlen)
        return -ENAMETOOLONG;
    return 1;
}

int resolve_at(struct proc *p, int dirfd, const char *guest_path, char *out, size_t outlen,
               int *host_dirfd)
{
    char abs[PATH_MAX];

    if (p->root) {
        *host_dirfd = AT_FDCWD;
        /* the guest's fd links and /proc/<pid> names keep their meaning, as procfs serves them */
        int link = guest_path[0] == '/' ? fd_link_to_host(p, guest_path, out, outlen) : 0;
        if (link != 0)
            return link < 0 ? link : 0;
        if (guest_path[0] == '/' && proc_pid_to_host(p, guest_path, out, outlen))
            return 0;
        int r = resolve_in_root(p, dirfd, guest_path, out, outlen);
        if (r)
            return r < 0 ? r : 0;
    }

    /* a relative name under /proc (pidof: chdir("/proc"), open("1000/stat")) is looked at as
     * the absolute one, so guest pids and fd links mean the guest's */
    if (guest_path[0] != '/' && proc_absolute(p, dirfd, guest_path, abs, sizeof(abs)) == abs)
        return resolve_at(p, AT_FDCWD, abs, out, outlen, host_dirfd);
    const char *sysroot = p->emu && p->emu->opt ? p->emu->opt->sysroot : NULL;
    size_t len = strlen(guest_path);

    *host_dirfd = AT_FDCWD;
    if (guest_path[0] == '/') {
        /* a later kernel's /proc/sys/vm, transparent_hugepage or CPU vulnerabilities file: not
         * the machine's */
        if (mm_tunable_absent(guest_path) || cpu_vulnerability_absent(guest_path))
            return -ENOENT;
        /* a node, CPU or later kernel's file the machine's one node does not have */
        if (sys_node_absent(guest_path))
            return -ENOENT;
        int link = fd_link_to_host(p, guest_path, out, outlen);

        if (link != 0)
            return link < 0 ? link : 0;
        if (proc_pid_to_host(p, guest_path, out, outlen))
            return 0;
        if (sysroot && sysroot[0] && sysroot_lookup(sysroot, guest_path, out, outlen))
            return 0;
    } else if (dirfd != AT_FDCWD) {
        struct ofd *o = fd_get(p->files, dirfd);
        if (!o)
            return -EBADF;
        *host_dirfd = o->hostfd;
    }
    if (len >= outlen)
        return -ENAMETOOLONG;
    memcpy(out, guest_path, len + 1);
    return 0;
}

long get_path_at(struct proc *p, int dirfd, uint64_t uaddr, char out[PATH_MAX], int *host_dirfd)
{
    char name[PATH_MAX];
    long r = get_user_path(p, uaddr, name);

    if (r < 0)
        return r;
    return resolve_at(p, dirfd, name, out, PATH_MAX, host_dirfd);
}

void strip_sysroot(struct proc *p, char *path)
{
    const char *sysroot = p->emu && p->emu->opt ? p->emu->opt->sysroot : NULL;
    size_t sl;

    if (!sysroot || !sysroot[0])
        return;
    sl = strlen(sysroot);
    while (sl > 0 && sysroot[sl - 1] == '/')
        sl--;
    if (sl == 0 || strncmp(path, sysroot, sl) != 0 || (path[sl] != '/' && path[sl] != 0))
        return;
    if (path[sl] == 0)
        strcpy(path, "/");
    else
        memmove(path, path + sl, strlen(path + sl) + 1);
}

char *guest_path_of_hostfd(struct proc *p, int hostfd, char *out, size_t outlen)
{
    char link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", hostfd);
    n = readlink(link, out, outlen);
    if (n < 0 || (size_t)n >= outlen)
        return NULL;
    out[n] = 0;
    strip_sysroot(p, out);
    return out;
}
