/*
 * setns_own - setns(2) into the namespaces a process is already in, as nsenter does for
 * `nsenter -t PID -m -u -i -n -p`: each type by /proc/self/ns/NAME, with nstype 0 and with its
 * own type (0 for all but the user namespace, which cannot be one's own: EINVAL), a wrong type
 * (EINVAL), a file that is no namespace (EINVAL), no fd (EBADF); the mount namespace puts the
 * cwd and the root at its root (a chroot undone) and is EINVAL while another thread shares the
 * fs_struct; without CAP_SYS_ADMIN each is EPERM. The time namespace (Linux 5.6, the host's:
 * `nsenter -a` enters it when /proc/PID/ns/time exists) too, EUSERS in a multi-threaded process.
 *
 * Until 2026-12-07 setns was ENOSYS under faultline, and nsenter failed with "reassociate to
 * namespace 'ns/uts' failed: Function not implemented".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    int type;
} ns[] = {{"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},
          {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID},
          {"mnt", CLONE_NEWNS},    {"cgroup", 0x02000000},
          {"user", CLONE_NEWUSER}, {"time", 0x80 /* CLONE_NEWTIME */}};

static void show(const char *what, const char *name, long r)
{
    printf("%-22s %-7s %s\n", what, name, r ? strerror(errno) : "ok");
}

static int open_ns(const char *name)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

static void *idle(void *arg)
{
    pthread_barrier_wait(arg);
    pthread_barrier_wait(arg);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getuid() != 0) {
        printf("not root\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        int fd = open_ns(ns[i].name);
        if (fd < 0) {
            printf("%s: no namespace file\n", ns[i].name);
            continue;
        }
        show("any type", ns[i].name, setns(fd, 0));
        show("its type", ns[i].name, setns(fd, ns[i].type));
        show("another type", ns[i].name,
             setns(fd, ns[i].type == CLONE_NEWUTS ? CLONE_NEWIPC : CLONE_NEWUTS));
        close(fd);
    }
    int f = open("/proc/self/stat", O_RDONLY);
    show("not a namespace", "-", setns(f, 0));
    close(f);
    show("no fd", "-", setns(1000, 0));

    /* the mount namespace: cwd and root to its root */
    char cwd[256];
    int mnt = open_ns("mnt");
    if (chdir("/proc/self") == 0)
        printf("before: cwd is /proc/self: %d\n", getcwd(cwd, sizeof(cwd)) != NULL);
    if (chroot("/usr") != 0)
        perror("chroot");
    printf("chrooted: /bin/sh reachable %d, /usr/bin/sh reachable %d\n",
           access("/bin/sh", X_OK) == 0, access("/usr/bin/sh", X_OK) == 0);
    show("mnt from a chroot", "mnt", setns(mnt, CLONE_NEWNS));
    printf("after: cwd %s, /usr/bin/sh reachable %d\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?",
           access("/usr/bin/sh", X_OK) == 0);

    /* another thread shares the fs_struct */
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    pthread_t t;
    pthread_create(&t, NULL, idle, &b);
    pthread_barrier_wait(&b);
    show("mnt, two threads", "mnt", setns(mnt, CLONE_NEWNS));
    show("uts, two threads", "uts", setns(open_ns("uts"), CLONE_NEWUTS));
    int tns = open_ns("time");
    if (tns >= 0) /* timens_install: a task that shares its mm cannot change its clocks */
        show("time, two threads", "time", setns(tns, 0x80));
    pthread_barrier_wait(&b);
    pthread_join(t, NULL);

    /* without CAP_SYS_ADMIN */
    pid_t c = fork();
    if (c == 0) {
        struct {
            uint32_t version;
            int pid;
        } hdr = {0x20080522, 0};
        uint32_t d[6];
        syscall(SYS_capget, &hdr, d);
        d[0] &= ~(1u << 21);
        syscall(SYS_capset, &hdr, d);
        show("no CAP_SYS_ADMIN", "uts", setns(open_ns("uts"), 0));
        show("no CAP_SYS_ADMIN", "mnt", setns(mnt, 0));
        show("no CAP_SYS_ADMIN", "user", setns(open_ns("user"), 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
