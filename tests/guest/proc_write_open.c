/*
 * proc_write_open - opening /proc files without ->write for writing. Their modes are 0444 or
 * 0400, so generic_permission lets only CAP_DAC_OVERRIDE (root) open them so; the open then
 * succeeds and every write fails: -EINVAL for a /proc/PID file (vfs_write: no
 * FMODE_CAN_WRITE), -EIO for a file of the machine (proc_reg_write), and a read of the
 * write-only fd is EBADF. sysfs refuses the open itself (no ->store). Without the capability
 * (a child that drops to nobody, when run as root) the open is EACCES; comm is left out there:
 * the drop makes the task not dumpable, so Linux gives its /proc files to root, and faultline
 * does not model dumpability (docs/status.md). faultline answered
 * EACCES to root too, where Linux opens (found by a sweep: a runtime writing to a read-only
 * /proc file as root, 2026-12-07).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* comm last: the one with ->write, left out for nobody */
static const char *files[] = {
    "/proc/self/stat",   "/proc/self/maps",
    "/proc/self/smaps",  "/proc/self/status",
    "/proc/self/statm",  "/proc/self/cmdline",
    "/proc/self/auxv",   "/proc/self/limits",
    "/proc/self/wchan",  "/proc/thread-self/stat",
    "/proc/meminfo",     "/proc/vmstat",
    "/proc/cpuinfo",     "/proc/stat",
    "/proc/sysvipc/shm", "/sys/devices/system/cpu/online",
    "/proc/self/comm",
};

static const char *err(long r)
{
    if (r >= 0)
        return "ok";
    switch (errno) {
    case EACCES:
        return "EACCES";
    case EINVAL:
        return "EINVAL";
    case EIO:
        return "EIO";
    case EBADF:
        return "EBADF";
    case ESPIPE:
        return "ESPIPE";
    case EPERM:
        return "EPERM";
    default:
        return strerror(errno);
    }
}

static void try_all(const char *who, size_t n)
{
    char buf[16];
    for (size_t i = 0; i < n; i++) {
        int fd = open(files[i], O_WRONLY);
        if (fd < 0) {
            printf("%s %s: open O_WRONLY %s\n", who, files[i], err(-1));
            continue;
        }
        long w = write(fd, "x\n", 2);
        const char *we = err(w);
        long r = read(fd, buf, sizeof(buf));
        printf("%s %s: open O_WRONLY ok, write %s, read %s\n", who, files[i], we, err(r));
        close(fd);
        fd = open(files[i], O_RDWR);
        if (fd < 0) {
            printf("%s %s: open O_RDWR %s\n", who, files[i], err(-1));
            continue;
        }
        r = read(fd, buf, 1);
        printf("%s %s: open O_RDWR ok, read %s\n", who, files[i], err(r));
        close(fd);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("uid %s\n", getuid() == 0 ? "root" : "not root");
    size_t n = sizeof(files) / sizeof(files[0]);
    try_all("self", n);
    if (getuid() == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            if (setgid(65534) || setuid(65534))
                return 1;
            try_all("nobody", n - 1); /* not comm, the last */
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    return 0;
}
