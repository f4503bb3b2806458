/*
 * nsfs_ioctl - the nsfs requests on /proc/self/ns/ files, as lsns makes them: NS_GET_NSTYPE,
 * NS_GET_OWNER_UID, NS_GET_USERNS (a new close-on-exec fd of the owning user namespace) and
 * NS_GET_PARENT (EPERM at the initial namespace, EINVAL for a kind without parents). The
 * guest's namespaces are faultline's; until 2026-12-06 these requests were ENOTTY, and lsns
 * printed nothing and exited 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    static const char *const kinds[] = {"mnt", "pid", "net", "user", "uts", "ipc", "cgroup"};
    struct stat user, st;

    if (stat("/proc/self/ns/user", &user) < 0)
        return 2;
    for (int i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
        int fd = open(path, O_RDONLY);
        int type = ioctl(fd, NS_GET_NSTYPE);
        printf("%s: type %s", kinds[i],
               type == CLONE_NEWNS       ? "NEWNS"
               : type == CLONE_NEWPID    ? "NEWPID"
               : type == CLONE_NEWNET    ? "NEWNET"
               : type == CLONE_NEWUSER   ? "NEWUSER"
               : type == CLONE_NEWUTS    ? "NEWUTS"
               : type == CLONE_NEWIPC    ? "NEWIPC"
               : type == CLONE_NEWCGROUP ? "NEWCGROUP"
                                         : strerrorname_np(errno));
        int u = ioctl(fd, NS_GET_USERNS);
        printf(", userns %s", u < 0 ? strerrorname_np(errno) : "fd");
        if (u >= 0)
            printf(" (the user ns %d, cloexec %d)", fstat(u, &st) == 0 && st.st_ino == user.st_ino,
                   (fcntl(u, F_GETFD) & FD_CLOEXEC) != 0);
        int parent = ioctl(fd, NS_GET_PARENT);
        printf(", parent %s", parent < 0 ? strerrorname_np(errno) : "fd");
        if (type == CLONE_NEWUSER) {
            uid_t owner = 99;
            int r = ioctl(fd, NS_GET_OWNER_UID, &owner);
            printf(", owner %s %d", r < 0 ? strerrorname_np(errno) : "ok", (int)owner);
        }
        printf("\n");
        close(u);
        close(fd);
    }
    int f = open("/etc/hostname", O_RDONLY);
    printf("a regular file: %s\n", ioctl(f, NS_GET_NSTYPE) < 0 ? strerrorname_np(errno) : "ok");
    return 0;
}
